/* ETXTBSY: a running program's file cannot be opened for writing or truncated, and a file open for writing
 * cannot be run. Not differential: under qemu-user the guest program is mapped by qemu, not run by the
 * host kernel, so the host never sees it as a running executable. Expected values from open(2),
 * truncate(2) and execve(2). The program copies itself to /tmp and runs the copy. */
#include "../conformance.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define COPY "/tmp/textbusy-copy"

static int copy_self(void)
{
	int in = open("/proc/self/exe", O_RDONLY);
	int out = open(COPY, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	char buf[65536];
	long n;
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, n) != n)
			return -1;
	close(in);
	return close(out);
}

/* Runs the copy with "wait": it blocks reading stdin until the pipe closes. */
static pid_t start_copy(int *release)
{
	int p[2];
	if (pipe(p) != 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[0], 0);
		close(p[1]);
		execl(COPY, COPY, "wait", (char *)NULL);
		_exit(99);
	}
	close(p[0]);
	*release = p[1];
	/* Running once /proc/PID/exe names the copy. */
	char link[64], target[128];
	snprintf(link, sizeof link, "/proc/%d/exe", pid);
	for (int i = 0; i < 2000; i++) {
		long n = readlink(link, target, sizeof target - 1);
		if (n > 0) {
			target[n] = 0;
			if (strcmp(target, COPY) == 0)
				break;
		}
		usleep(1000);
	}
	return pid;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "wait") == 0) {
		char c;
		while (read(0, &c, 1) > 0) {
		}
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	EXPECT_OK("copy the program to /tmp", copy_self());

	int release = -1;
	pid_t pid = start_copy(&release);
	EXPECT_TRUE("the copy runs", pid > 0);
	EXPECT_ERR("open O_WRONLY while it runs", open(COPY, O_WRONLY), ETXTBSY);
	EXPECT_ERR("open O_RDWR while it runs", open(COPY, O_RDWR), ETXTBSY);
	EXPECT_ERR("open O_RDONLY|O_TRUNC while it runs", open(COPY, O_RDONLY | O_TRUNC), ETXTBSY);
	EXPECT_ERR("truncate while it runs", truncate(COPY, 0), ETXTBSY);
	int fd = open(COPY, O_RDONLY);
	EXPECT_TRUE("open O_RDONLY while it runs", fd >= 0);
	close(fd);
	close(release);
	int status = 0;
	waitpid(pid, &status, 0);
	EXPECT_TRUE("the copy ended", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	fd = open(COPY, O_WRONLY);
	EXPECT_TRUE("open O_WRONLY once it ended", fd >= 0);

	/* Now open for writing: running it fails. */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execl(COPY, COPY, "wait", (char *)NULL);
		_exit(errno == ETXTBSY ? 42 : 43);
	}
	waitpid(pid, &status, 0);
	EXPECT_TRUE("execve of a file open for writing gives ETXTBSY", WIFEXITED(status) && WEXITSTATUS(status) == 42);
	close(fd);
	EXPECT_OK("truncate once closed", truncate(COPY, 0));
	EXPECT_OK("unlink", unlink(COPY));
	return conf_exit();
}
