/* The newer fcntl commands: F_GET_RW_HINT/F_SET_RW_HINT (per-inode write-lifetime hints, set by the owner),
 * F_DUPFD_QUERY (do two descriptors share a file description) and F_CREATED_QUERY (did this open create the file).
 * Native oracle: qemu-user 7.2 translates none of them. */
#include "../conformance.h"

#include <fcntl.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef F_DUPFD_QUERY
#define F_DUPFD_QUERY 1027
#endif
#ifndef F_CREATED_QUERY
#define F_CREATED_QUERY 1028
#endif
#ifndef F_GET_RW_HINT
#define F_GET_RW_HINT 1035
#define F_SET_RW_HINT 1036
#define F_GET_FILE_RW_HINT 1037
#define F_SET_FILE_RW_HINT 1038
#endif

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	const char *path = "/dev/shm/conf-fcntlquery";
	unlink(path);
	int fd = open(path, O_CREAT | O_RDWR, 0644);
	uint64_t h = 99;
	EXPECT_OK("F_GET_RW_HINT", fcntl(fd, F_GET_RW_HINT, &h));
	EXPECT_EQ("not set", h, 0);
	h = 3;
	EXPECT_OK("F_SET_RW_HINT 3", fcntl(fd, F_SET_RW_HINT, &h));
	int other = open(path, O_RDONLY);
	h = 0;
	fcntl(other, F_GET_RW_HINT, &h);
	EXPECT_EQ("the hint belongs to the inode", h, 3);
	h = 6;
	EXPECT_ERR("F_SET_RW_HINT past the last", fcntl(fd, F_SET_RW_HINT, &h), EINVAL);
	EXPECT_ERR("F_SET_RW_HINT bad pointer", fcntl(fd, F_SET_RW_HINT, (void *)8), EFAULT);
	EXPECT_ERR("F_GET_RW_HINT bad pointer", fcntl(fd, F_GET_RW_HINT, (void *)8), EFAULT);
	EXPECT_ERR("F_GET_FILE_RW_HINT (removed)", fcntl(fd, F_GET_FILE_RW_HINT, &h), EINVAL);
	EXPECT_ERR("F_SET_FILE_RW_HINT (removed)", fcntl(fd, F_SET_FILE_RW_HINT, &h), EINVAL);

	int d = dup(fd);
	EXPECT_EQ("F_DUPFD_QUERY of a dup", fcntl(fd, F_DUPFD_QUERY, d), 1);
	EXPECT_EQ("F_DUPFD_QUERY of itself", fcntl(fd, F_DUPFD_QUERY, fd), 1);
	EXPECT_EQ("F_DUPFD_QUERY of another open", fcntl(fd, F_DUPFD_QUERY, other), 0);
	EXPECT_ERR("F_DUPFD_QUERY of a bad fd", fcntl(fd, F_DUPFD_QUERY, 99), EBADF);

	EXPECT_EQ("F_CREATED_QUERY of the creating open", fcntl(fd, F_CREATED_QUERY, 0), 1);
	EXPECT_EQ("F_CREATED_QUERY of a dup", fcntl(d, F_CREATED_QUERY, 0), 1);
	EXPECT_EQ("F_CREATED_QUERY of a plain open", fcntl(other, F_CREATED_QUERY, 0), 0);
	int again = open(path, O_CREAT | O_RDWR, 0644);
	EXPECT_EQ("O_CREAT of an existing file", fcntl(again, F_CREATED_QUERY, 0), 0);
	close(again);

	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (setuid(65534) != 0)
			printf("setuid failed\n");
		h = 1;
		EXPECT_ERR("nobody: F_SET_RW_HINT on another's file", fcntl(other, F_SET_RW_HINT, &h), EPERM);
		EXPECT_OK("nobody: F_GET_RW_HINT", fcntl(other, F_GET_RW_HINT, &h));
		fflush(stdout);
		_exit(conf_failures != 0);
	}
	int status;
	waitpid(pid, &status, 0);
	EXPECT_TRUE("unprivileged child passed", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_ERR("an unknown command", fcntl(fd, 9999, 0), EINVAL);
	close(d);
	close(other);
	close(fd);
	unlink(path);
	return conf_failures != 0;
}
