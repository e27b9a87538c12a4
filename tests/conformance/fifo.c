/* FIFOs: a blocking open waits for the other end (a reader for a writer, a writer for a reader), O_RDWR and
 * O_RDONLY|O_NONBLOCK never wait, O_WRONLY|O_NONBLOCK without a reader is ENXIO, and the data and EOF
 * that follow. The partner opens from a child after a pause, so the parent's open must have waited to
 * see it. Everything happens in a private mkdtemp dir in /tmp. */
#include "conformance.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char fifo[96];

static void pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A child that opens the FIFO with flags after a pause, writes data if asked, and exits. */
static pid_t partner(int flags, const char *data)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		pause_ms(200);
		int fd = open(fifo, flags);
		if (fd >= 0 && data)
			write(fd, data, strlen(data));
		if (fd >= 0 && !data) {
			char buf[16];
			read(fd, buf, sizeof buf);
		}
		_exit(fd >= 0 ? 0 : 1);
	}
	return pid;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	char dir[64] = "/tmp/conf-fifo-XXXXXX";
	if (!mkdtemp(dir)) {
		printf("mkdtemp failed\n");
		return 1;
	}
	snprintf(fifo, sizeof fifo, "%s/p", dir);
	EXPECT_OK("mkfifo", mkfifo(fifo, 0600));

	EXPECT_ERR("O_WRONLY|O_NONBLOCK without a reader", open(fifo, O_WRONLY | O_NONBLOCK), ENXIO);
	int fd = open(fifo, O_RDONLY | O_NONBLOCK);
	EXPECT_TRUE("O_RDONLY|O_NONBLOCK does not wait", fd >= 0);
	char buf[16];
	EXPECT_EQ("read with no writer ever is EOF", read(fd, buf, sizeof buf), 0);
	int w = open(fifo, O_WRONLY | O_NONBLOCK);
	EXPECT_TRUE("O_WRONLY|O_NONBLOCK with a reader", w >= 0);
	close(w);
	close(fd);
	fd = open(fifo, O_RDWR);
	EXPECT_TRUE("O_RDWR does not wait", fd >= 0);
	close(fd);

	/* A blocking reader waits for a writer. */
	pid_t pid = partner(O_WRONLY, "hello");
	double t0 = now();
	fd = open(fifo, O_RDONLY);
	EXPECT_TRUE("blocking O_RDONLY opens", fd >= 0);
	EXPECT_TRUE("it waited for the writer", now() - t0 >= 0.15);
	memset(buf, 0, sizeof buf);
	long n = 0, r;
	while ((r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
		n += r;
	conf_expect_str("data from the writer", buf, "hello");
	EXPECT_EQ("then EOF", r, 0);
	close(fd);
	int status;
	waitpid(pid, &status, 0);
	EXPECT_TRUE("writer exited 0", WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* A blocking writer waits for a reader. */
	pid = partner(O_RDONLY, NULL);
	t0 = now();
	fd = open(fifo, O_WRONLY);
	EXPECT_TRUE("blocking O_WRONLY opens", fd >= 0);
	EXPECT_TRUE("it waited for the reader", now() - t0 >= 0.15);
	EXPECT_EQ("write to the reader", write(fd, "x", 1), 1);
	close(fd);
	waitpid(pid, &status, 0);
	EXPECT_TRUE("reader exited 0", WIFEXITED(status) && WEXITSTATUS(status) == 0);

	unlink(fifo);
	EXPECT_OK("temp dir empty at the end", rmdir(dir));
	return conf_exit();
}
