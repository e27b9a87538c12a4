/* eventfd2: counter and semaphore modes, EFD_NONBLOCK/EFD_CLOEXEC, readiness, and every documented error. */
#include "events.h"

#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static uint64_t get(int fd, long *ret)
{
	uint64_t v = 0;
	*ret = read(fd, &v, sizeof v);
	return v;
}

static long rd(int fd)
{
	uint64_t v;
	return read(fd, &v, sizeof v);
}

static long put(int fd, uint64_t v)
{
	return write(fd, &v, sizeof v);
}

static int revents(int fd, short events)
{
	struct pollfd p = { fd, events, 0 };
	return poll(&p, 1, 0) < 0 ? -1 : p.revents;
}

int main(int argc, char **argv)
{
	events_init(argc, argv);
	long r;
	uint64_t v;

	EXPECT_ERR("eventfd(bad flags)", eventfd(0, 2), EINVAL);
	EXPECT_ERR("eventfd(O_APPEND)", eventfd(0, O_APPEND), EINVAL);

	int fd = eventfd(3, 0);
	EXPECT_TRUE("eventfd(3)>=0", fd >= 0);
	EXPECT_EQ("F_GETFL", fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR);
	EXPECT_EQ("F_GETFD", fcntl(fd, F_GETFD), 0);
	struct stat st;
	EXPECT_EQ("fstat", fstat(fd, &st), 0);
	EXPECT_EQ("st_mode", st.st_mode, 0600);
	EXPECT_EQ("lseek", lseek(fd, 0, SEEK_CUR), 0);
	EXPECT_ERR("pread", pread(fd, &v, 8, 0), ESPIPE);
	EXPECT_ERR("pwrite", pwrite(fd, &v, 8, 0), ESPIPE);

	v = get(fd, &r);
	EXPECT_EQ("read(init 3)", r, 8);
	EXPECT_EQ("value", v, 3);
	EXPECT_ERR("read(4 bytes)", read(fd, &v, 4), EINVAL);
	EXPECT_ERR("write(4 bytes)", write(fd, &v, 4), EINVAL);
	EXPECT_ERR("write(~0)", put(fd, ~0ULL), EINVAL);
	EXPECT_EQ("revents empty", revents(fd, POLLIN | POLLOUT), POLLOUT);
	EXPECT_EQ("write(1)", put(fd, 1), 8);
	EXPECT_EQ("write(2)", put(fd, 2), 8);
	EXPECT_EQ("write(0)", put(fd, 0), 8);
	/* eventfd reports POLLIN and POLLOUT only, never the RDNORM/WRNORM variants. */
	EXPECT_EQ("revents 3", revents(fd, POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM), POLLIN | POLLOUT);
	char big[16] = { 0 };
	EXPECT_EQ("read(16 bytes)", read(fd, big, sizeof big), 8);
	memcpy(&v, big, 8);
	EXPECT_EQ("sum", v, 3);

	/* A dup shares the counter; readv goes through the same read. */
	int dup_fd = dup(fd);
	EXPECT_EQ("write via dup", put(dup_fd, 5), 8);
	struct iovec iov = { &v, 8 };
	EXPECT_EQ("readv", readv(fd, &iov, 1), 8);
	EXPECT_EQ("readv value", v, 5);
	close(dup_fd);
	close(fd);

	/* Non-blocking: empty reads and overflowing writes fail with EAGAIN. */
	fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	EXPECT_EQ("nonblock F_GETFL", fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR | O_NONBLOCK);
	EXPECT_EQ("cloexec F_GETFD", fcntl(fd, F_GETFD), FD_CLOEXEC);
	EXPECT_ERR("read(empty)", rd(fd), EAGAIN);
	EXPECT_EQ("write(max)", put(fd, 0xfffffffffffffffeULL), 8);
	EXPECT_EQ("revents full", revents(fd, POLLIN | POLLOUT), POLLIN);
	EXPECT_ERR("write(1) full", put(fd, 1), EAGAIN);
	EXPECT_EQ("write(0) full", put(fd, 0), 8);
	v = get(fd, &r);
	EXPECT_EQ("read(full)", r, 8);
	EXPECT_TRUE("value max", v == 0xfffffffffffffffeULL);
	EXPECT_EQ("revents drained", revents(fd, POLLIN | POLLOUT), POLLOUT);
	close(fd);

	/* Semaphore mode: each read takes one. */
	fd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
	v = get(fd, &r);
	EXPECT_EQ("sem read 1", v, 1);
	v = get(fd, &r);
	EXPECT_EQ("sem read 2", v, 1);
	EXPECT_ERR("sem read 3", rd(fd), EAGAIN);
	EXPECT_EQ("sem write 4", put(fd, 4), 8);
	v = get(fd, &r);
	EXPECT_EQ("sem read after write", v, 1);
	close(fd);

	/* A blocking read with a count there does not wait. */
	fd = eventfd(7, 0);
	v = get(fd, &r);
	EXPECT_EQ("blocking read", v, 7);
	close(fd);

	EXPECT_ERR("read(closed)", read(fd, &v, 8), EBADF);
	return conf_exit();
}
