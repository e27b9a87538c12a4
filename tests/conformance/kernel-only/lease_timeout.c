/* A lease holder that does not answer a break loses the lease after fs.lease-break-time seconds: the break is
 * forced (to no lease for a writer, to a read lease for a reader) and the waiting open goes on. Kernel-only: the
 * oracle would be the host's own sysctl, which a test must not change. */
#include "../conformance.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *path = "/dev/shm/conf-lease-timeout";

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A child opens with flags; the parent does nothing; how long the open took and how it ended. */
static void unanswered(const char *label, int holder, int flags, int expect_after)
{
	double start = now();
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(open(path, flags) >= 0 ? 0 : 1);
	int status;
	waitpid(pid, &status, 0);
	double took = now() - start;
	EXPECT_TRUE(label, WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_TRUE("  after about the break time", took > 0.8 && took < 10);
	EXPECT_EQ("  the lease afterwards", fcntl(holder, F_GETLEASE), expect_after);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	signal(SIGIO, SIG_IGN);
	int s = open("/proc/sys/fs/lease-break-time", O_RDWR);
	char buf[16] = "";
	EXPECT_TRUE("read the default", read(s, buf, sizeof buf - 1) > 0 && strcmp(buf, "45\n") == 0);
	EXPECT_ERR("not a number", pwrite(s, "abc", 3, 0), EINVAL);
	EXPECT_EQ("set 1 s", pwrite(s, "1\n", 2, 0), 2);
	close(open(path, O_CREAT | O_RDWR, 0644));

	int fd = open(path, O_RDONLY);
	EXPECT_OK("read lease", fcntl(fd, F_SETLEASE, F_RDLCK));
	unanswered("a writer opens once the break is forced", fd, O_WRONLY, F_UNLCK);
	close(fd);

	fd = open(path, O_RDWR);
	EXPECT_OK("write lease", fcntl(fd, F_SETLEASE, F_WRLCK));
	unanswered("a reader opens once the break is forced", fd, O_RDONLY, F_RDLCK);
	close(fd);

	unlink(path);
	return conf_failures != 0;
}
