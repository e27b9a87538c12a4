/* Generic error paths every kernel must get right. */
#include "conformance.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	EXPECT_ERR("syscall(9999)", syscall(9999, 0, 0, 0), ENOSYS);
	EXPECT_ERR("syscall(-1)", syscall(-1L), ENOSYS);
	EXPECT_ERR("write(fd -1)", write(-1, "x", 1), EBADF);
	EXPECT_ERR("write(fd 1000000)", write(1000000, "x", 1), EBADF);
	EXPECT_ERR("read(fd -1)", read(-1, (char[4]){0}, 4), EBADF);
	EXPECT_ERR("openat(NULL path)", syscall(SYS_openat, AT_FDCWD, NULL, O_RDONLY), EFAULT);
	EXPECT_ERR("openat(path (char*)1)", syscall(SYS_openat, AT_FDCWD, (char *)1, O_RDONLY), EFAULT);
	EXPECT_ERR("openat(empty path)", openat(AT_FDCWD, "", O_RDONLY), ENOENT);

	char *longpath = malloc(5001);
	longpath[0] = '/';
	memset(longpath + 1, 'a', 4999);
	longpath[5000] = 0;
	EXPECT_ERR("openat(5000-char path)", openat(AT_FDCWD, longpath, O_RDONLY), ENAMETOOLONG);
	/* One component longer than NAME_MAX (255). */
	longpath[300] = 0;
	EXPECT_ERR("openat(299-char component)", openat(AT_FDCWD, longpath, O_RDONLY), ENAMETOOLONG);
	free(longpath);

	EXPECT_ERR("write(1, (void*)1)", syscall(SYS_write, 1, (void *)1, 8), EFAULT);
	EXPECT_EQ("write(1, NULL, 0)", write(1, NULL, 0), 0);
	EXPECT_ERR("close(-1)", close(-1), EBADF);
	return conf_exit();
}
