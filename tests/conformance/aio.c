/* Linux AIO: io_setup/io_destroy (the ring mapped at the context id), io_submit of PREAD, PWRITE, PREADV,
 * PWRITEV, FSYNC, FDSYNC, POLL and NOOP, io_getevents/io_pgetevents (min_nr, nr, timeouts), io_cancel of a
 * pending poll, io_destroy cancelling what is in flight, and every documented errno.
 *
 * qemu-user (7.2) does not implement the AIO calls: every one gives ENOSYS. This program's oracle is
 * aio.expected instead, its output under a real Linux kernel (6.x: the program built for the host and run
 * there, which OracleProgramsTests repeats), following io_setup(2), io_submit(2), io_getevents(2),
 * io_cancel(2) and io_destroy(2). */
#include "conformance.h"

#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/fs.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The ring Linux maps at the context id (fs/aio.c). */
struct aio_ring {
	unsigned id, nr, head, tail, magic, compat_features, incompat_features, header_length;
	struct io_event io_events[];
};

static long io_setup(unsigned nr, aio_context_t *ctx) { return syscall(__NR_io_setup, nr, ctx); }
static long io_destroy(aio_context_t ctx) { return syscall(__NR_io_destroy, ctx); }
static long io_submit(aio_context_t ctx, long nr, struct iocb **list) { return syscall(__NR_io_submit, ctx, nr, list); }
static long io_cancel(aio_context_t ctx, struct iocb *cb, struct io_event *ev) { return syscall(__NR_io_cancel, ctx, cb, ev); }
static long io_getevents(aio_context_t ctx, long min, long nr, struct io_event *ev, struct timespec *ts)
{
	return syscall(__NR_io_getevents, ctx, min, nr, ev, ts);
}

static void on_usr1(int sig) { (void)sig; }

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void prep(struct iocb *cb, int op, int fd, void *buf, unsigned long long n, long long off, unsigned long long data)
{
	memset(cb, 0, sizeof *cb);
	cb->aio_lio_opcode = op;
	cb->aio_fildes = fd;
	cb->aio_buf = (uintptr_t)buf;
	cb->aio_nbytes = n;
	cb->aio_offset = off;
	cb->aio_data = data;
}

static long submit1(aio_context_t ctx, struct iocb *cb)
{
	struct iocb *list[1] = { cb };
	return io_submit(ctx, 1, list);
}

static int cmp_ev(const void *a, const void *b)
{
	const struct io_event *x = a, *y = b;
	return x->data < y->data ? -1 : x->data > y->data;
}

/* Waits for n events and prints them sorted by data, with whether obj names the right iocb. */
static void reap(aio_context_t ctx, long n, const char *label)
{
	struct io_event ev[16];
	struct timespec ts = { 5, 0 };
	long got = io_getevents(ctx, n, 16, ev, &ts);
	qsort(ev, got > 0 ? got : 0, sizeof ev[0], cmp_ev);
	printf("%s:", label);
	for (long i = 0; i < got; i++) {
		long long res = ev[i].res;
		struct iocb *cb = (struct iocb *)(uintptr_t)ev[i].obj;
		int obj_ok = cb && cb->aio_data == ev[i].data;
		if (res < 0)
			printf(" %llu=%s", (unsigned long long)ev[i].data, conf_errname(-res));
		else
			printf(" %llu=%lld", (unsigned long long)ev[i].data, res);
		printf("%s", obj_ok ? "" : "(bad obj)");
	}
	printf("\n");
	if (got != n)
		conf_mismatch(label, "all events");
}

static void setup_errors(void)
{
	aio_context_t ctx = 0;
	EXPECT_ERR("io_setup nr_events=0", io_setup(0, &ctx), EINVAL);
	ctx = 1;
	EXPECT_ERR("io_setup *ctxp!=0", io_setup(4, &ctx), EINVAL);
	EXPECT_ERR("io_setup bad pointer", io_setup(4, (aio_context_t *)8), EFAULT);
	ctx = 0;
	EXPECT_ERR("io_setup nr_events=5000000", io_setup(5000000, &ctx), EINVAL);
	EXPECT_ERR("io_setup nr_events=100000", io_setup(100000, &ctx), EAGAIN);
	EXPECT_ERR("io_destroy bad context", io_destroy(12345), EINVAL);
	EXPECT_ERR("io_destroy 0", io_destroy(0), EINVAL);
	struct io_event ev;
	EXPECT_ERR("io_getevents bad context", io_getevents(12345, 0, 1, &ev, NULL), EINVAL);
	EXPECT_ERR("io_submit bad context", io_submit(12345, 0, NULL), EINVAL);
	struct iocb cb;
	memset(&cb, 0, sizeof cb);
	EXPECT_ERR("io_cancel bad context", io_cancel(12345, &cb, &ev), EINVAL);
	/* The iocb's key is read before the context is looked up. */
	EXPECT_ERR("io_cancel NULL iocb", io_cancel(12345, NULL, &ev), EFAULT);
}

static void ring_layout(aio_context_t ctx)
{
	struct aio_ring *ring = (struct aio_ring *)(uintptr_t)ctx;
	printf("ring: magic=%#x compat=%u incompat=%u header_length=%u head=%u tail=%u\n", ring->magic,
	       ring->compat_features, ring->incompat_features, ring->header_length, ring->head, ring->tail);
	EXPECT_TRUE("ring nr >= nr_events", ring->nr >= 8);
	EXPECT_TRUE("context id is page aligned", (ctx & 4095) == 0);
}

static void submit_errors(aio_context_t ctx, int fd, int rdonly, int wronly, int dirfd)
{
	static char buf[16];
	struct iocb cb;
	struct iocb *list[2];
	EXPECT_EQ("io_submit nr=0", io_submit(ctx, 0, NULL), 0);
	EXPECT_ERR("io_submit nr<0", io_submit(ctx, -1, list), EINVAL);
	EXPECT_ERR("io_submit bad list", io_submit(ctx, 1, (struct iocb **)8), EFAULT);
	list[0] = (struct iocb *)8;
	EXPECT_ERR("io_submit bad iocb", io_submit(ctx, 1, list), EFAULT);
	prep(&cb, IOCB_CMD_PREAD, fd, buf, 4, 0, 1);
	cb.aio_reserved2 = 1;
	EXPECT_ERR("io_submit aio_reserved2!=0", submit1(ctx, &cb), EINVAL);
	prep(&cb, IOCB_CMD_PREAD, 999, buf, 4, 0, 1);
	EXPECT_ERR("io_submit bad fd", submit1(ctx, &cb), EBADF);
	prep(&cb, 99, fd, buf, 4, 0, 1);
	EXPECT_ERR("io_submit bad opcode", submit1(ctx, &cb), EINVAL);
	prep(&cb, IOCB_CMD_NOOP, fd, buf, 4, 0, 1);
	EXPECT_ERR("io_submit NOOP", submit1(ctx, &cb), EINVAL);
	prep(&cb, IOCB_CMD_PREAD, wronly, buf, 4, 0, 1);
	EXPECT_ERR("io_submit PREAD on O_WRONLY", submit1(ctx, &cb), EBADF);
	prep(&cb, IOCB_CMD_PWRITE, rdonly, buf, 4, 0, 1);
	EXPECT_ERR("io_submit PWRITE on O_RDONLY", submit1(ctx, &cb), EBADF);
	prep(&cb, IOCB_CMD_PREAD, fd, buf, 1ULL << 63, 0, 1);
	EXPECT_ERR("io_submit nbytes<0", submit1(ctx, &cb), EINVAL);
	prep(&cb, IOCB_CMD_PREAD, fd, buf, 4, -1, 1);
	EXPECT_ERR("io_submit negative offset", submit1(ctx, &cb), EINVAL);
	prep(&cb, IOCB_CMD_PREAD, fd, buf, 4, 0, 1);
	cb.aio_rw_flags = 0x40000000;
	EXPECT_ERR("io_submit bad rw_flags", submit1(ctx, &cb), EOPNOTSUPP);
	prep(&cb, IOCB_CMD_PREAD, dirfd, buf, 4, 0, 1);
	EXPECT_ERR("io_submit PREAD on a directory", submit1(ctx, &cb), EINVAL);
	prep(&cb, IOCB_CMD_PREAD, fd, buf, 4, 0, 1);
	cb.aio_flags = IOCB_FLAG_RESFD;
	cb.aio_resfd = 999;
	EXPECT_ERR("io_submit RESFD bad fd", submit1(ctx, &cb), EBADF);
	cb.aio_resfd = fd;
	EXPECT_ERR("io_submit RESFD not an eventfd", submit1(ctx, &cb), EINVAL);
	prep(&cb, IOCB_CMD_FSYNC, fd, buf, 0, 0, 1);
	EXPECT_ERR("io_submit FSYNC with a buffer", submit1(ctx, &cb), EINVAL);
	prep(&cb, IOCB_CMD_POLL, fd, NULL, 0, 1, 1);
	cb.aio_buf = POLLIN;
	EXPECT_ERR("io_submit POLL with an offset", submit1(ctx, &cb), EINVAL);
	prep(&cb, IOCB_CMD_POLL, fd, NULL, 0, 0, 1);
	cb.aio_buf = 0x10000;
	EXPECT_ERR("io_submit POLL events past 16 bits", submit1(ctx, &cb), EINVAL);
	prep(&cb, IOCB_CMD_PREADV, fd, (void *)8, 1, 0, 1);
	EXPECT_ERR("io_submit PREADV bad iovec pointer", submit1(ctx, &cb), EFAULT);
	prep(&cb, IOCB_CMD_PREADV, fd, buf, 1025, 0, 1);
	EXPECT_ERR("io_submit PREADV 1025 iovecs", submit1(ctx, &cb), EINVAL);
	struct io_event ev[2];
	EXPECT_EQ("no events from failed submissions", io_getevents(ctx, 0, 2, ev, NULL), 0);

	/* A later iocb's failure shortens the count; the first one still ran. */
	struct iocb good, bad;
	prep(&good, IOCB_CMD_PREAD, fd, buf, 4, 0, 2);
	prep(&bad, IOCB_CMD_PREAD, 999, buf, 4, 0, 3);
	list[0] = &good;
	list[1] = &bad;
	EXPECT_EQ("io_submit good then bad", io_submit(ctx, 2, list), 1);
	reap(ctx, 1, "good then bad");
}

static void file_ops(aio_context_t ctx, int fd)
{
	static char r1[16], r2[8], r3[8];
	struct iocb w, rd, wv, rv, fs, fds;
	struct iocb *list[6];
	prep(&w, IOCB_CMD_PWRITE, fd, "hello, aio", 10, 0, 10);
	list[0] = &w;
	EXPECT_EQ("io_submit PWRITE", io_submit(ctx, 1, list), 1);
	reap(ctx, 1, "PWRITE");
	prep(&rd, IOCB_CMD_PREAD, fd, r1, sizeof r1, 7, 11);
	struct iovec wio[2] = { { "ABC", 3 }, { "DEFG", 4 } };
	prep(&wv, IOCB_CMD_PWRITEV, fd, wio, 2, 20, 12);
	prep(&fs, IOCB_CMD_FSYNC, fd, NULL, 0, 0, 13);
	prep(&fds, IOCB_CMD_FDSYNC, fd, NULL, 0, 0, 14);
	list[0] = &rd;
	list[1] = &wv;
	list[2] = &fs;
	list[3] = &fds;
	EXPECT_EQ("io_submit PREAD, PWRITEV, FSYNC, FDSYNC", io_submit(ctx, 4, list), 4);
	reap(ctx, 4, "PREAD, PWRITEV, FSYNC, FDSYNC");
	printf("PREAD data: %.3s\n", r1);
	struct iovec rio[2] = { { r2, 2 }, { r3, 8 } };
	prep(&rv, IOCB_CMD_PREADV, fd, rio, 2, 19, 15);
	EXPECT_EQ("io_submit PREADV", submit1(ctx, &rv), 1);
	reap(ctx, 1, "PREADV (hole then data)");
	printf("PREADV data: %d %d|%.6s\n", r2[0], r2[1], r3);
	prep(&rd, IOCB_CMD_PREAD, fd, r1, 4, 1000, 16);
	EXPECT_EQ("io_submit PREAD past EOF", submit1(ctx, &rd), 1);
	prep(&fs, IOCB_CMD_PREAD, fd, (void *)0x1000, 4, 0, 17);
	EXPECT_EQ("io_submit PREAD into a bad buffer", submit1(ctx, &fs), 1);
	reap(ctx, 2, "past EOF, bad buffer");

	struct stat st;
	fstat(fd, &st);
	long before = st.st_size;
	prep(&w, IOCB_CMD_PWRITE, fd, "+", 1, 0, 18);
	w.aio_rw_flags = RWF_APPEND;
	EXPECT_EQ("io_submit PWRITE with RWF_APPEND", submit1(ctx, &w), 1);
	reap(ctx, 1, "RWF_APPEND");
	fstat(fd, &st);
	EXPECT_EQ("RWF_APPEND wrote at the end", st.st_size - before, 1);
}

static void polls(aio_context_t ctx)
{
	int p[2], q[2];
	pipe(p);
	pipe2(q, O_NONBLOCK);
	struct iocb pin, pout, cancel_me, rd, nb;
	static char buf[8];
	prep(&pin, IOCB_CMD_POLL, p[0], NULL, 0, 0, 20);
	pin.aio_buf = POLLIN;
	prep(&pout, IOCB_CMD_POLL, p[1], NULL, 0, 0, 21);
	pout.aio_buf = POLLOUT;
	struct iocb *list[2] = { &pin, &pout };
	EXPECT_EQ("io_submit POLLIN (waits) and POLLOUT (ready)", io_submit(ctx, 2, list), 2);
	reap(ctx, 1, "POLLOUT ready");
	struct io_event ev[4];
	struct timespec zero = { 0, 0 };
	EXPECT_EQ("POLLIN still pending", io_getevents(ctx, 0, 4, ev, &zero), 0);
	write(p[1], "x", 1);
	reap(ctx, 1, "POLLIN after a write");

	prep(&nb, IOCB_CMD_PREAD, q[0], buf, sizeof buf, 0, 22);
	EXPECT_EQ("io_submit PREAD on an empty non-blocking pipe", submit1(ctx, &nb), 1);
	prep(&rd, IOCB_CMD_PREAD, p[0], buf, sizeof buf, 0, 23);
	EXPECT_EQ("io_submit PREAD on a pipe with data", submit1(ctx, &rd), 1);
	reap(ctx, 2, "empty non-blocking pipe, pipe with data");

	prep(&cancel_me, IOCB_CMD_POLL, p[0], NULL, 0, 0, 24);
	cancel_me.aio_buf = POLLIN;
	EXPECT_EQ("io_submit POLLIN to cancel", submit1(ctx, &cancel_me), 1);
	EXPECT_ERR("io_cancel it", io_cancel(ctx, &cancel_me, ev), EINPROGRESS);
	reap(ctx, 1, "cancelled POLLIN");
	EXPECT_ERR("io_cancel it again", io_cancel(ctx, &cancel_me, ev), EINVAL);
	EXPECT_ERR("io_cancel a finished iocb", io_cancel(ctx, &pout, ev), EINVAL);
	EXPECT_ERR("io_cancel bad iocb pointer", io_cancel(ctx, (struct iocb *)8, ev), EFAULT);
	struct iocb keyed = cancel_me;
	keyed.aio_key = 1;
	EXPECT_ERR("io_cancel nonzero aio_key", io_cancel(ctx, &keyed, ev), EINVAL);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
}

static void getevents(aio_context_t ctx, int fd)
{
	struct io_event ev[4];
	struct timespec zero = { 0, 0 }, t20 = { 0, 20 * 1000000 };
	EXPECT_ERR("io_getevents min_nr>nr", io_getevents(ctx, 2, 1, ev, NULL), EINVAL);
	EXPECT_ERR("io_getevents min_nr<0", io_getevents(ctx, -1, 1, ev, NULL), EINVAL);
	EXPECT_ERR("io_getevents nr<0", io_getevents(ctx, 0, -1, ev, NULL), EINVAL);
	EXPECT_EQ("io_getevents nothing, zero timeout", io_getevents(ctx, 1, 4, ev, &zero), 0);
	EXPECT_ERR("io_getevents bad timespec pointer", io_getevents(ctx, 1, 4, ev, (struct timespec *)8), EFAULT);
	long t0 = now_ms();
	EXPECT_EQ("io_getevents waits out 20ms", io_getevents(ctx, 1, 4, ev, &t20), 0);
	long waited = now_ms() - t0;
	EXPECT_TRUE("waited at least 15ms", waited >= 15);
	EXPECT_TRUE("waited less than 5s", waited < 5000);
	/* A handled signal ends a wait that has nothing yet with EINTR. */
	signal(SIGUSR1, on_usr1);
	pid_t parent = getpid(), poker = fork();
	if (poker == 0) {
		usleep(50000);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	EXPECT_ERR("io_getevents interrupted by a handler", io_getevents(ctx, 1, 4, ev, NULL), EINTR);
	waitpid(poker, NULL, 0);
	signal(SIGUSR1, SIG_DFL);

	struct iocb cb[3];
	struct iocb *list[3] = { &cb[0], &cb[1], &cb[2] };
	static char buf[4];
	for (int i = 0; i < 3; i++)
		prep(&cb[i], IOCB_CMD_PREAD, fd, buf, 1, i, 30 + i);
	EXPECT_EQ("io_submit 3 PREADs", io_submit(ctx, 3, list), 3);
	EXPECT_ERR("io_getevents into a bad buffer", io_getevents(ctx, 1, 4, (struct io_event *)8, NULL), EFAULT);
	EXPECT_EQ("io_getevents nr=2 of 3", io_getevents(ctx, 1, 2, ev, NULL), 2);
	EXPECT_EQ("io_getevents the last one", io_getevents(ctx, 1, 4, ev, NULL), 1);

	/* io_pgetevents: a NULL sigmask argument is io_getevents; a bad sigset size is EINVAL. */
	struct { const sigset_t *sigmask; size_t size; } usig;
	sigset_t set;
	sigemptyset(&set);
	usig.sigmask = &set;
	usig.size = 4;
	EXPECT_ERR("io_pgetevents bad sigset size", syscall(__NR_io_pgetevents, ctx, 0, 4, ev, &zero, &usig), EINVAL);
	usig.size = 8;
	EXPECT_EQ("io_pgetevents with a mask", syscall(__NR_io_pgetevents, ctx, 0, 4, ev, &zero, &usig), 0);
	EXPECT_EQ("io_pgetevents without", syscall(__NR_io_pgetevents, ctx, 0, 4, ev, &zero, NULL), 0);
	EXPECT_ERR("io_pgetevents bad usig", syscall(__NR_io_pgetevents, ctx, 0, 4, ev, &zero, (void *)8), EFAULT);
	prep(&cb[0], IOCB_CMD_PREAD, fd, buf, 1, 0, 33);
	EXPECT_EQ("io_submit for io_pgetevents", submit1(ctx, &cb[0]), 1);
	EXPECT_EQ("io_pgetevents gets it", syscall(__NR_io_pgetevents, ctx, 1, 4, ev, NULL, &usig), 1);
}

/* IOCB_FLAG_RESFD: each completion adds one to the eventfd, after its event is in the ring. */
static void resfd(aio_context_t ctx, int fd)
{
	int efd = eventfd(0, EFD_NONBLOCK), p[2];
	uint64_t v = 0;
	static char buf[4];
	struct iocb rd, poll;
	pipe(p);
	prep(&rd, IOCB_CMD_PREAD, fd, buf, 4, 0, 50);
	rd.aio_flags = IOCB_FLAG_RESFD;
	rd.aio_resfd = efd;
	EXPECT_EQ("io_submit PREAD with IOCB_FLAG_RESFD", submit1(ctx, &rd), 1);
	reap(ctx, 1, "RESFD read");
	EXPECT_EQ("eventfd read", read(efd, &v, 8), 8);
	EXPECT_EQ("eventfd count", v, 1);
	prep(&poll, IOCB_CMD_POLL, p[0], NULL, 0, 0, 51);
	poll.aio_buf = POLLIN;
	poll.aio_flags = IOCB_FLAG_RESFD;
	poll.aio_resfd = efd;
	EXPECT_EQ("io_submit POLLIN with IOCB_FLAG_RESFD", submit1(ctx, &poll), 1);
	EXPECT_ERR("no count while it waits", read(efd, &v, 8), EAGAIN);
	write(p[1], "x", 1);
	reap(ctx, 1, "RESFD poll");
	EXPECT_EQ("eventfd read after the poll", read(efd, &v, 8), 8);
	EXPECT_EQ("eventfd count after the poll", v, 1);
	close(efd);
	close(p[0]);
	close(p[1]);
}

/* A thread parked in io_getevents wakes when another thread makes a pending poll ready. */
static aio_context_t waiting_ctx;
static long waiter_got;
static struct io_event waiter_event;

static void *getevents_waiter(void *arg)
{
	(void)arg;
	waiter_got = io_getevents(waiting_ctx, 1, 1, &waiter_event, NULL);
	return NULL;
}

static void threads(aio_context_t ctx)
{
	int p[2];
	pipe(p);
	struct iocb cb;
	prep(&cb, IOCB_CMD_POLL, p[0], NULL, 0, 0, 40);
	cb.aio_buf = POLLIN;
	EXPECT_EQ("io_submit a POLLIN for a thread to wait on", submit1(ctx, &cb), 1);
	waiting_ctx = ctx;
	pthread_t t;
	pthread_create(&t, NULL, getevents_waiter, NULL);
	struct timespec ts = { 0, 30 * 1000000 };
	nanosleep(&ts, NULL);
	EXPECT_EQ("the thread still waits", waiter_got, 0);
	write(p[1], "x", 1);
	pthread_join(t, NULL);
	EXPECT_EQ("the waiting thread's io_getevents", waiter_got, 1);
	printf("its event: data=%llu res=%lld\n", (unsigned long long)waiter_event.data, (long long)waiter_event.res);
	close(p[0]);
	close(p[1]);
}

/* Submissions hold ring slots until their events are read: a context runs out (EAGAIN). */
static void slots(int fd)
{
	aio_context_t ctx = 0;
	EXPECT_OK("io_setup 1", io_setup(1, &ctx));
	int p[2];
	pipe(p);
	static struct iocb cb[600];
	long n = 0, r = 0;
	int e = 0;
	while (n < 600) {
		struct iocb *one = &cb[n];
		prep(one, IOCB_CMD_POLL, p[0], NULL, 0, 0, n);
		one->aio_buf = POLLIN;
		errno = 0;
		r = io_submit(ctx, 1, &one);
		e = errno;
		if (r != 1)
			break;
		n++;
	}
	printf("ran out of slots: %s after at least 1: %d\n", r == -1 ? conf_errname(e) : "no", n >= 1);
	struct aio_ring *ring = (struct aio_ring *)(uintptr_t)ctx;
	EXPECT_TRUE("slots < ring size", n < (long)ring->nr);
	/* io_destroy cancels the polls still pending and waits for them. */
	EXPECT_EQ("io_destroy with pending polls", io_destroy(ctx), 0);
	struct io_event ev;
	EXPECT_ERR("io_getevents after io_destroy", io_getevents(ctx, 0, 1, &ev, NULL), EINVAL);
	EXPECT_ERR("io_destroy again", io_destroy(ctx), EINVAL);
	/* The ring is unmapped: writing it out of the process faults. */
	EXPECT_ERR("ring gone", write(p[1], (void *)(uintptr_t)ctx, 1), EFAULT);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	setup_errors();
	aio_context_t ctx = 0;
	EXPECT_EQ("io_setup 8", io_setup(8, &ctx), 0);
	EXPECT_TRUE("context id set", ctx != 0);
	ring_layout(ctx);

	const char *path = "/tmp/aio_conformance";
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	int rdonly = open(path, O_RDONLY);
	int wronly = open(path, O_WRONLY);
	int dirfd = open("/tmp", O_RDONLY | O_DIRECTORY);
	submit_errors(ctx, fd, rdonly, wronly, dirfd);
	file_ops(ctx, fd);
	polls(ctx);
	getevents(ctx, fd);
	resfd(ctx, fd);
	threads(ctx);

	/* A child of fork has no AIO contexts (and no ring mapping). */
	pid_t child = fork();
	if (child == 0) {
		struct iocb cb;
		static char buf[4];
		prep(&cb, IOCB_CMD_PREAD, fd, buf, 1, 0, 1);
		EXPECT_ERR("child: io_submit on the parent's context", submit1(ctx, &cb), EINVAL);
		_exit(conf_exit());
	}
	int status;
	waitpid(child, &status, 0);
	EXPECT_TRUE("child exited 0", WIFEXITED(status) && WEXITSTATUS(status) == 0);

	EXPECT_EQ("io_destroy", io_destroy(ctx), 0);
	slots(fd);
	close(fd);
	close(rdonly);
	close(wronly);
	close(dirfd);
	unlink(path);
	return conf_exit();
}
