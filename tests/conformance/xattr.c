/* Extended attributes: the twelve xattr calls on files, a directory, a symlink
 * and a fifo in /tmp, with user.* and trusted.* (both worlds run as uid 0),
 * XATTR_CREATE/XATTR_REPLACE, the size protocol (0 asks for the length,
 * ERANGE when too small) and the documented errors.
 * /tmp is ext4 under the oracle and tmpfs under our kernel: the program only
 * uses what both store alike (small values, names sorted before printing). */
#include "conformance.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#define DIR_PATH "/tmp/xattr-conformance"
#define FILE_PATH DIR_PATH "/file"
#define LINK_PATH DIR_PATH "/link"
#define FIFO_PATH DIR_PATH "/fifo"

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Prints the names of a listxattr buffer, sorted, and only the user.* and trusted.* ones. */
static void print_list(const char *label, const char *buf, long n)
{
	const char *names[64];
	int count = 0;
	for (long off = 0; off < n && count < 64; off += strlen(buf + off) + 1)
		if (strncmp(buf + off, "user.", 5) == 0 || strncmp(buf + off, "trusted.", 8) == 0)
			names[count++] = buf + off;
	qsort(names, count, sizeof names[0], cmp);
	printf("%s:", label);
	for (int i = 0; i < count; i++)
		printf(" %s", names[i]);
	printf("\n");
}

static void cleanup(void)
{
	unlink(FILE_PATH);
	unlink(LINK_PATH);
	unlink(FIFO_PATH);
	rmdir(DIR_PATH);
}

int main(void)
{
	char buf[256];
	char big_name[300];
	cleanup();
	EXPECT_OK("mkdir", mkdir(DIR_PATH, 0755));
	int fd = open(FILE_PATH, O_CREAT | O_RDWR, 0644);
	EXPECT_TRUE("open>=0", fd >= 0);
	EXPECT_OK("symlink", symlink("file", LINK_PATH));
	EXPECT_OK("mkfifo", mkfifo(FIFO_PATH, 0644));

	/* set / get / the size protocol */
	EXPECT_EQ("setxattr(user.a)", setxattr(FILE_PATH, "user.a", "alpha", 5, 0), 0);
	EXPECT_EQ("getxattr(user.a, size 0)", getxattr(FILE_PATH, "user.a", NULL, 0), 5);
	memset(buf, 0, sizeof buf);
	EXPECT_EQ("getxattr(user.a)", getxattr(FILE_PATH, "user.a", buf, sizeof buf), 5);
	conf_expect_str("getxattr(user.a) value", buf, "alpha");
	EXPECT_ERR("getxattr(user.a, size 2)", getxattr(FILE_PATH, "user.a", buf, 2), ERANGE);
	EXPECT_ERR("getxattr(user.missing)", getxattr(FILE_PATH, "user.missing", buf, sizeof buf), ENODATA);
	EXPECT_EQ("setxattr(user.empty)", setxattr(FILE_PATH, "user.empty", "", 0, 0), 0);
	EXPECT_EQ("getxattr(user.empty)", getxattr(FILE_PATH, "user.empty", buf, sizeof buf), 0);
	EXPECT_EQ("fsetxattr(trusted.t)", fsetxattr(fd, "trusted.t", "tt", 2, 0), 0);
	EXPECT_EQ("fgetxattr(trusted.t)", fgetxattr(fd, "trusted.t", buf, sizeof buf), 2);

	/* XATTR_CREATE / XATTR_REPLACE */
	EXPECT_ERR("setxattr(CREATE existing)", setxattr(FILE_PATH, "user.a", "x", 1, XATTR_CREATE), EEXIST);
	EXPECT_ERR("setxattr(REPLACE missing)", setxattr(FILE_PATH, "user.b", "x", 1, XATTR_REPLACE), ENODATA);
	EXPECT_ERR("setxattr(CREATE|REPLACE existing)", setxattr(FILE_PATH, "user.a", "x", 1, XATTR_CREATE | XATTR_REPLACE), EEXIST);
	EXPECT_ERR("setxattr(CREATE|REPLACE missing)", setxattr(FILE_PATH, "user.b", "x", 1, XATTR_CREATE | XATTR_REPLACE), ENODATA);
	EXPECT_EQ("setxattr(REPLACE existing)", setxattr(FILE_PATH, "user.a", "beta", 4, XATTR_REPLACE), 0);
	EXPECT_EQ("getxattr(user.a) after replace", getxattr(FILE_PATH, "user.a", buf, sizeof buf), 4);
	EXPECT_EQ("setxattr(CREATE new)", setxattr(FILE_PATH, "user.b", "b", 1, XATTR_CREATE), 0);
	EXPECT_ERR("setxattr(flags 4)", setxattr(FILE_PATH, "user.c", "c", 1, 4), EINVAL);

	/* listing */
	long need = listxattr(FILE_PATH, NULL, 0);
	EXPECT_TRUE("listxattr(size 0)>0", need > 0);
	char list[1024];
	long got = listxattr(FILE_PATH, list, sizeof list);
	EXPECT_TRUE("listxattr==size 0 answer", got == need);
	print_list("listxattr", list, got);
	EXPECT_ERR("listxattr(size 1)", listxattr(FILE_PATH, list, 1), ERANGE);
	got = flistxattr(fd, list, sizeof list);
	print_list("flistxattr", list, got);
	got = llistxattr(LINK_PATH, list, sizeof list);
	print_list("llistxattr(link)", list, got);
	got = listxattr(LINK_PATH, list, sizeof list);
	print_list("listxattr(link follows)", list, got);

	/* names */
	EXPECT_ERR("setxattr(empty name)", setxattr(FILE_PATH, "", "x", 1, 0), ERANGE);
	memset(big_name, 'n', sizeof big_name);
	memcpy(big_name, "user.", 5);
	big_name[256] = 0;
	EXPECT_ERR("setxattr(256-byte name)", setxattr(FILE_PATH, big_name, "x", 1, 0), ERANGE);
	EXPECT_ERR("getxattr(256-byte name)", getxattr(FILE_PATH, big_name, buf, sizeof buf), ERANGE);
	EXPECT_ERR("setxattr(user.)", setxattr(FILE_PATH, "user.", "x", 1, 0), EINVAL);
	EXPECT_ERR("setxattr(foo.bar)", setxattr(FILE_PATH, "foo.bar", "x", 1, 0), EOPNOTSUPP);
	EXPECT_ERR("getxattr(foo.bar)", getxattr(FILE_PATH, "foo.bar", buf, sizeof buf), EOPNOTSUPP);
	/* Raw calls: the compiler rightly refuses these arguments through the libc prototypes. */
	EXPECT_ERR("setxattr(size 65537)", syscall(SYS_setxattr, FILE_PATH, "user.big", "x", 65537, 0), E2BIG);
	EXPECT_ERR("setxattr(bad value pointer)", syscall(SYS_setxattr, FILE_PATH, "user.f", 8, 4, 0), EFAULT);
	EXPECT_ERR("setxattr(bad name pointer)", syscall(SYS_setxattr, FILE_PATH, 8, "x", 1, 0), EFAULT);
	EXPECT_ERR("getxattr(bad buffer)", syscall(SYS_getxattr, FILE_PATH, "user.a", 8, sizeof buf), EFAULT);
	EXPECT_ERR("setxattr(bad path pointer)", syscall(SYS_setxattr, 8, "user.a", "x", 1, 0), EFAULT);

	/* symlinks and fifos: user.* only on regular files and directories */
	EXPECT_ERR("lsetxattr(link, user.x)", lsetxattr(LINK_PATH, "user.x", "x", 1, 0), EPERM);
	EXPECT_ERR("lgetxattr(link, user.x)", lgetxattr(LINK_PATH, "user.x", buf, sizeof buf), ENODATA);
	EXPECT_EQ("getxattr(link follows)", getxattr(LINK_PATH, "user.a", buf, sizeof buf), 4);
	EXPECT_EQ("lsetxattr(link, trusted.l)", lsetxattr(LINK_PATH, "trusted.l", "l", 1, 0), 0);
	EXPECT_EQ("lgetxattr(link, trusted.l)", lgetxattr(LINK_PATH, "trusted.l", buf, sizeof buf), 1);
	EXPECT_ERR("getxattr(file, trusted.l)", getxattr(FILE_PATH, "trusted.l", buf, sizeof buf), ENODATA);
	EXPECT_ERR("setxattr(fifo, user.x)", setxattr(FIFO_PATH, "user.x", "x", 1, 0), EPERM);
	EXPECT_ERR("getxattr(fifo, user.x)", getxattr(FIFO_PATH, "user.x", buf, sizeof buf), ENODATA);
	EXPECT_EQ("setxattr(dir, user.d)", setxattr(DIR_PATH, "user.d", "d", 1, 0), 0);
	EXPECT_EQ("getxattr(dir, user.d)", getxattr(DIR_PATH, "user.d", buf, sizeof buf), 1);

	/* removing */
	EXPECT_EQ("removexattr(user.b)", removexattr(FILE_PATH, "user.b"), 0);
	EXPECT_ERR("removexattr(user.b) again", removexattr(FILE_PATH, "user.b"), ENODATA);
	EXPECT_EQ("fremovexattr(trusted.t)", fremovexattr(fd, "trusted.t"), 0);
	EXPECT_EQ("lremovexattr(link, trusted.l)", lremovexattr(LINK_PATH, "trusted.l"), 0);
	EXPECT_ERR("lremovexattr(link, trusted.l) again", lremovexattr(LINK_PATH, "trusted.l"), ENODATA);
	EXPECT_ERR("removexattr(empty name)", removexattr(FILE_PATH, ""), ERANGE);
	got = listxattr(FILE_PATH, list, sizeof list);
	print_list("listxattr after removes", list, got);

	/* paths and descriptors */
	EXPECT_ERR("getxattr(missing path)", getxattr(DIR_PATH "/missing", "user.a", buf, sizeof buf), ENOENT);
	EXPECT_ERR("setxattr(missing path)", setxattr(DIR_PATH "/missing", "user.a", "x", 1, 0), ENOENT);
	EXPECT_ERR("listxattr(missing path)", listxattr(DIR_PATH "/missing", list, sizeof list), ENOENT);
	EXPECT_ERR("removexattr(missing path)", removexattr(DIR_PATH "/missing", "user.a"), ENOENT);
	EXPECT_ERR("getxattr(file/x)", getxattr(FILE_PATH "/x", "user.a", buf, sizeof buf), ENOTDIR);
	EXPECT_ERR("fgetxattr(fd 99)", fgetxattr(99, "user.a", buf, sizeof buf), EBADF);
	EXPECT_ERR("fsetxattr(fd 99)", fsetxattr(99, "user.a", "x", 1, 0), EBADF);
	EXPECT_ERR("flistxattr(fd 99)", flistxattr(99, list, sizeof list), EBADF);
	EXPECT_ERR("fremovexattr(fd 99)", fremovexattr(99, "user.a"), EBADF);
	/* The name, flags and size are checked before the descriptor. */
	EXPECT_ERR("fsetxattr(fd 99, empty name)", fsetxattr(99, "", "x", 1, 0), ERANGE);
	EXPECT_ERR("fsetxattr(fd 99, flags 4)", fsetxattr(99, "user.a", "x", 1, 4), EINVAL);
	EXPECT_ERR("fgetxattr(fd 99, empty name)", fgetxattr(99, "", buf, sizeof buf), ERANGE);
	EXPECT_ERR("fremovexattr(fd 99, empty name)", fremovexattr(99, ""), ERANGE);
	EXPECT_ERR("getxattr(missing path, empty name)", getxattr(DIR_PATH "/missing", "", buf, sizeof buf), ERANGE);
	symlink("loop", DIR_PATH "/loop");
	EXPECT_ERR("getxattr(a symlink loop)", getxattr(DIR_PATH "/loop", "user.a", buf, sizeof buf), ELOOP);
	EXPECT_ERR("setxattr(a symlink loop)", setxattr(DIR_PATH "/loop", "user.a", "x", 1, 0), ELOOP);
	EXPECT_ERR("listxattr(a symlink loop)", listxattr(DIR_PATH "/loop", list, sizeof list), ELOOP);
	EXPECT_ERR("removexattr(a symlink loop)", removexattr(DIR_PATH "/loop", "user.a"), ELOOP);
	EXPECT_EQ("llistxattr(a symlink loop) has no user.* names", llistxattr(DIR_PATH "/loop", NULL, 0) >= 0, 1);
	unlink(DIR_PATH "/loop");
	memset(big_name, 'n', 256);
	big_name[256] = 0;
	EXPECT_ERR("getxattr(name of 256 bytes in the path)", getxattr(big_name, "user.a", buf, sizeof buf), ENAMETOOLONG);
	EXPECT_ERR("llistxattr(file/x)", llistxattr(FILE_PATH "/x", list, sizeof list), ENOTDIR);
	EXPECT_ERR("lgetxattr(missing)", lgetxattr(DIR_PATH "/missing", "user.a", buf, sizeof buf), ENOENT);
	EXPECT_ERR("listxattr(bad buffer)", syscall(SYS_listxattr, FILE_PATH, 8, sizeof list), EFAULT);
	EXPECT_ERR("removexattr(bad name pointer)", syscall(SYS_removexattr, FILE_PATH, 8), EFAULT);
	EXPECT_ERR("listxattr(bad path pointer)", syscall(SYS_listxattr, 8, list, sizeof list), EFAULT);
	int pfd = open(FILE_PATH, O_PATH);
	EXPECT_ERR("flistxattr(O_PATH fd)", flistxattr(pfd, list, sizeof list), EBADF);
	EXPECT_ERR("fremovexattr(O_PATH fd)", fremovexattr(pfd, "user.a"), EBADF);
	EXPECT_ERR("fgetxattr(O_PATH fd)", fgetxattr(pfd, "user.a", buf, sizeof buf), EBADF);
	EXPECT_ERR("fsetxattr(O_PATH fd)", fsetxattr(pfd, "user.a", "x", 1, 0), EBADF);
	close(pfd);

	close(fd);

	/* An ordinary user: trusted.* is invisible and unwritable, user.* follows the file's permissions. */
	cleanup();
	EXPECT_OK("mkdir", mkdir(DIR_PATH, 0755));
	close(open(FILE_PATH, O_CREAT | O_WRONLY, 0644));
	EXPECT_EQ("setxattr(trusted.root)", setxattr(FILE_PATH, "trusted.root", "r", 1, 0), 0);
	EXPECT_EQ("setxattr(user.root)", setxattr(FILE_PATH, "user.root", "r", 1, 0), 0);
	EXPECT_EQ("setresuid(1000)", syscall(SYS_setresuid, 1000, 1000, 1000), 0);
	EXPECT_ERR("user getxattr(trusted.root)", getxattr(FILE_PATH, "trusted.root", buf, sizeof buf), ENODATA);
	EXPECT_ERR("user setxattr(trusted.x)", setxattr(FILE_PATH, "trusted.x", "x", 1, 0), EPERM);
	EXPECT_EQ("user getxattr(user.root)", getxattr(FILE_PATH, "user.root", buf, sizeof buf), 1);
	EXPECT_ERR("user setxattr(user.root) on root's 0644 file", setxattr(FILE_PATH, "user.root", "u", 1, 0), EACCES);
	EXPECT_ERR("user removexattr(user.root)", removexattr(FILE_PATH, "user.root"), EACCES);
	got = listxattr(FILE_PATH, list, sizeof list);
	print_list("user listxattr", list, got);
	/* The files stay behind: the next run removes them as root first. */
	return conf_exit();
}
