/* io_uring: io_uring_setup (sizes, ring offsets, flags, every errno), mmap of the rings through the fd,
 * submission and completion written by hand (no liburing), NOP, READ/WRITE(V), FSYNC, POLL_ADD/REMOVE,
 * TIMEOUT/TIMEOUT_REMOVE, ASYNC_CANCEL, fixed buffers and files, IOSQE_IO_LINK chains,
 * IORING_ENTER_GETEVENTS parking on min_complete, EXT_ARG timeouts and a CQ overflow without drops.
 *
 * qemu-user (7.2) does not implement io_uring: every call gives ENOSYS. This program's oracle is
 * io_uring.expected instead, its output under a real Linux kernel (6.x: the program built for the host and
 * run there, which OracleProgramsTests repeats), following io_uring_setup(2), io_uring_enter(2) and
 * io_uring_register(2). */
#include "conformance.h"

#include <fcntl.h>
#include <linux/io_uring.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct ring {
	int fd;
	struct io_uring_params p;
	unsigned *sq_head, *sq_tail, *sq_mask, *sq_entries, *sq_flags, *sq_dropped, *sq_array;
	unsigned *cq_head, *cq_tail, *cq_mask, *cq_entries, *cq_overflow, *cq_flags;
	struct io_uring_cqe *cqes;
	struct io_uring_sqe *sqes;
	void *sq_ptr, *cq_ptr;
	size_t sq_size, cq_size, sqes_size;
	unsigned tail;
};

static long uring_setup(unsigned entries, struct io_uring_params *p)
{
	return syscall(__NR_io_uring_setup, entries, p);
}

static long uring_enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags, void *arg, size_t argsz)
{
	return syscall(__NR_io_uring_enter, fd, to_submit, min_complete, flags, arg, argsz);
}

static long uring_register(int fd, unsigned op, void *arg, unsigned nr)
{
	return syscall(__NR_io_uring_register, fd, op, arg, nr);
}

static int ring_init(struct ring *r, unsigned entries, unsigned flags, unsigned cq_entries)
{
	memset(r, 0, sizeof *r);
	r->p.flags = flags;
	r->p.cq_entries = cq_entries;
	r->fd = uring_setup(entries, &r->p);
	if (r->fd < 0)
		return -1;
	r->sq_size = r->p.sq_off.array + r->p.sq_entries * sizeof(unsigned);
	r->cq_size = r->p.cq_off.cqes + r->p.cq_entries * sizeof(struct io_uring_cqe);
	r->sqes_size = r->p.sq_entries * sizeof(struct io_uring_sqe);
	r->sq_ptr = mmap(NULL, r->sq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQ_RING);
	/* The CQ ring is mapped on its own although IORING_FEAT_SINGLE_MMAP would allow sharing the SQ mapping. */
	r->cq_ptr = mmap(NULL, r->cq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, r->sqes_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
	if (r->sq_ptr == MAP_FAILED || r->cq_ptr == MAP_FAILED || r->sqes == MAP_FAILED)
		return -1;
	char *sq = r->sq_ptr, *cq = r->cq_ptr;
	r->sq_head = (unsigned *)(sq + r->p.sq_off.head);
	r->sq_tail = (unsigned *)(sq + r->p.sq_off.tail);
	r->sq_mask = (unsigned *)(sq + r->p.sq_off.ring_mask);
	r->sq_entries = (unsigned *)(sq + r->p.sq_off.ring_entries);
	r->sq_flags = (unsigned *)(sq + r->p.sq_off.flags);
	r->sq_dropped = (unsigned *)(sq + r->p.sq_off.dropped);
	r->sq_array = (unsigned *)(sq + r->p.sq_off.array);
	r->cq_head = (unsigned *)(cq + r->p.cq_off.head);
	r->cq_tail = (unsigned *)(cq + r->p.cq_off.tail);
	r->cq_mask = (unsigned *)(cq + r->p.cq_off.ring_mask);
	r->cq_entries = (unsigned *)(cq + r->p.cq_off.ring_entries);
	r->cq_overflow = (unsigned *)(cq + r->p.cq_off.overflow);
	r->cq_flags = (unsigned *)(cq + r->p.cq_off.flags);
	r->cqes = (struct io_uring_cqe *)(cq + r->p.cq_off.cqes);
	r->tail = *r->sq_tail;
	return 0;
}

static void ring_free(struct ring *r)
{
	munmap(r->sq_ptr, r->sq_size);
	munmap(r->cq_ptr, r->cq_size);
	munmap(r->sqes, r->sqes_size);
	close(r->fd);
}

/* A zeroed SQE at the local tail, published by ring_flush. */
static struct io_uring_sqe *sqe_get(struct ring *r, unsigned char op, int fd, unsigned long long user_data)
{
	unsigned head = __atomic_load_n(r->sq_head, __ATOMIC_ACQUIRE);
	if (r->tail - head >= *r->sq_entries)
		return NULL;
	unsigned idx = r->tail & *r->sq_mask;
	struct io_uring_sqe *s = &r->sqes[idx];
	memset(s, 0, sizeof *s);
	s->opcode = op;
	s->fd = fd;
	s->user_data = user_data;
	r->sq_array[idx] = idx;
	r->tail++;
	return s;
}

/* An SQE for a transfer: the buffer (or iovec array), its length (or iovec count) and the file offset. */
static struct io_uring_sqe *sqe_rw(struct ring *r, unsigned char op, int fd, unsigned long long user_data,
				   unsigned long long addr, unsigned len, unsigned long long off)
{
	struct io_uring_sqe *s = sqe_get(r, op, fd, user_data);
	s->addr = addr;
	s->len = len;
	s->off = off;
	return s;
}

static void ring_flush(struct ring *r)
{
	__atomic_store_n(r->sq_tail, r->tail, __ATOMIC_RELEASE);
}

static long submit(struct ring *r, unsigned n, unsigned min_complete)
{
	ring_flush(r);
	return uring_enter(r->fd, n, min_complete, min_complete ? IORING_ENTER_GETEVENTS : 0, NULL, 0);
}

static unsigned cq_ready(struct ring *r)
{
	return __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE) - *r->cq_head;
}

static int cmp_cqe(const void *a, const void *b)
{
	const struct io_uring_cqe *x = a, *y = b;
	return x->user_data < y->user_data ? -1 : x->user_data > y->user_data;
}

/* Reaps every CQE now in the ring and prints them sorted by user_data ("label: ud=res ..."). */
static unsigned reap_print(struct ring *r, const char *label)
{
	struct io_uring_cqe got[64];
	unsigned n = 0, head = *r->cq_head, tail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
	while (head != tail && n < 64)
		got[n++] = r->cqes[head++ & *r->cq_mask];
	__atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
	qsort(got, n, sizeof got[0], cmp_cqe);
	printf("%s:", label);
	for (unsigned i = 0; i < n; i++) {
		int res = got[i].res;
		if (res < 0)
			printf(" %llu=%s", (unsigned long long)got[i].user_data, conf_errname(-res));
		else
			printf(" %llu=%d", (unsigned long long)got[i].user_data, res);
	}
	printf("\n");
	return n;
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

static void setup_errors(void)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	EXPECT_ERR("setup entries=0", uring_setup(0, &p), EINVAL);
	memset(&p, 0, sizeof p);
	EXPECT_ERR("setup entries=32769", uring_setup(32769, &p), EINVAL);
	EXPECT_ERR("setup params=bad pointer", uring_setup(4, (void *)8), EFAULT);
	memset(&p, 0, sizeof p);
	p.resv[1] = 1;
	EXPECT_ERR("setup resv!=0", uring_setup(4, &p), EINVAL);
	memset(&p, 0, sizeof p);
	p.flags = 1U << 30;
	EXPECT_ERR("setup unknown flag", uring_setup(4, &p), EINVAL);
	memset(&p, 0, sizeof p);
	p.flags = IORING_SETUP_CQSIZE;
	EXPECT_ERR("setup CQSIZE cq_entries=0", uring_setup(4, &p), EINVAL);
	memset(&p, 0, sizeof p);
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = 2;
	EXPECT_ERR("setup CQSIZE cq<sq", uring_setup(4, &p), EINVAL);

	memset(&p, 0, sizeof p);
	p.flags = IORING_SETUP_CQSIZE;
	p.cq_entries = 100;
	int fd = uring_setup(4, &p);
	EXPECT_TRUE("setup CQSIZE 100 ok", fd >= 0);
	printf("CQSIZE 100: sq_entries=%u cq_entries=%u\n", p.sq_entries, p.cq_entries);
	close(fd);

	memset(&p, 0, sizeof p);
	p.flags = IORING_SETUP_CLAMP;
	fd = uring_setup(100000, &p);
	EXPECT_TRUE("setup CLAMP 100000 ok", fd >= 0);
	printf("CLAMP 100000: sq_entries=%u cq_entries=%u\n", p.sq_entries, p.cq_entries);
	close(fd);
}

static void layout(struct ring *r)
{
	struct io_uring_params *p = &r->p;
	printf("sq_entries=%u cq_entries=%u flags=%u\n", p->sq_entries, p->cq_entries, p->flags);
	printf("sq_off: head=%u tail=%u ring_mask=%u ring_entries=%u flags=%u dropped=%u array=%u\n",
	       p->sq_off.head, p->sq_off.tail, p->sq_off.ring_mask, p->sq_off.ring_entries, p->sq_off.flags,
	       p->sq_off.dropped, p->sq_off.array);
	printf("cq_off: head=%u tail=%u ring_mask=%u ring_entries=%u overflow=%u cqes=%u flags=%u\n",
	       p->cq_off.head, p->cq_off.tail, p->cq_off.ring_mask, p->cq_off.ring_entries, p->cq_off.overflow,
	       p->cq_off.cqes, p->cq_off.flags);
	unsigned want = IORING_FEAT_SINGLE_MMAP | IORING_FEAT_NODROP | IORING_FEAT_SUBMIT_STABLE |
			IORING_FEAT_RW_CUR_POS | IORING_FEAT_CUR_PERSONALITY | IORING_FEAT_FAST_POLL |
			IORING_FEAT_POLL_32BITS | IORING_FEAT_EXT_ARG;
	EXPECT_TRUE("features include SINGLE_MMAP..EXT_ARG", (p->features & want) == want);
	printf("ring: sq mask=%u entries=%u cq mask=%u entries=%u head=%u tail=%u\n", *r->sq_mask, *r->sq_entries,
	       *r->cq_mask, *r->cq_entries, *r->sq_head, *r->cq_tail);
	EXPECT_EQ("ring fd FD_CLOEXEC", fcntl(r->fd, F_GETFD), FD_CLOEXEC);
	EXPECT_EQ("ring fd access mode", fcntl(r->fd, F_GETFL) & O_ACCMODE, O_RDWR);
	char link[64], target[64] = { 0 };
	snprintf(link, sizeof link, "/proc/self/fd/%d", r->fd);
	readlink(link, target, sizeof target - 1);
	conf_expect_str("ring fd link", target, "anon_inode:[io_uring]");
	/* Linux checks the offset while choosing the address, which fails with ENOMEM. */
	EXPECT_ERR("mmap bad offset", (long)mmap(NULL, 4096, PROT_READ, MAP_SHARED, r->fd, 0x18000000), ENOMEM);
	/* With IORING_FEAT_SINGLE_MMAP both rings are one region: the CQ fields read the same through the SQ mapping. */
	EXPECT_TRUE("single mmap: cq entries seen through the SQ mapping",
		    *(unsigned *)((char *)r->sq_ptr + p->cq_off.ring_entries) == p->cq_entries);
}

static void enter_errors(struct ring *r, int file_fd)
{
	EXPECT_ERR("enter bad fd", uring_enter(999, 0, 0, 0, NULL, 0), EBADF);
	EXPECT_ERR("enter on a regular file", uring_enter(file_fd, 0, 0, 0, NULL, 0), EOPNOTSUPP);
	EXPECT_ERR("enter unknown flag", uring_enter(r->fd, 0, 0, 1U << 30, NULL, 0), EINVAL);
	EXPECT_EQ("enter nothing", uring_enter(r->fd, 0, 0, 0, NULL, 0), 0);
	EXPECT_EQ("enter GETEVENTS min 0", uring_enter(r->fd, 0, 0, IORING_ENTER_GETEVENTS, NULL, 0), 0);
	EXPECT_ERR("register bad fd", uring_register(999, IORING_UNREGISTER_BUFFERS, NULL, 0), EBADF);
	EXPECT_ERR("register on a regular file", uring_register(file_fd, IORING_UNREGISTER_BUFFERS, NULL, 0), EOPNOTSUPP);
	EXPECT_ERR("register unknown opcode", uring_register(r->fd, 9999, NULL, 0), EINVAL);
}

static void nops(struct ring *r)
{
	sqe_get(r, IORING_OP_NOP, -1, 1);
	EXPECT_EQ("submit NOP", submit(r, 1, 0), 1);
	EXPECT_EQ("sq head after NOP", *r->sq_head, r->tail);
	reap_print(r, "NOP");

	sqe_get(r, 250, -1, 2);
	sqe_get(r, IORING_OP_NOP, -1, 3);
	EXPECT_EQ("submit bad opcode then NOP", submit(r, 2, 0), 1);
	reap_print(r, "bad opcode");
	EXPECT_EQ("submit the NOP left behind", uring_enter(r->fd, 1, 0, 0, NULL, 0), 1);
	reap_print(r, "left behind");

	struct io_uring_sqe *s = sqe_get(r, IORING_OP_NOP, -1, 4);
	s->flags = 1 << 7;
	s = sqe_get(r, IORING_OP_NOP, -1, 5);
	s->ioprio = 1;
	EXPECT_EQ("submit bad flags", submit(r, 1, 0), 1);
	EXPECT_EQ("submit bad ioprio", submit(r, 1, 0), 1);
	reap_print(r, "bad flags, bad ioprio");

	/* SQ array entries past the ring are dropped and counted, and end the submission. */
	unsigned idx = r->tail & *r->sq_mask;
	sqe_get(r, IORING_OP_NOP, -1, 6);
	r->sq_array[idx] = 1000;
	EXPECT_EQ("submit a dropped entry", submit(r, 1, 0), 0);
	printf("sq dropped=%u head advanced=%d\n", *r->sq_dropped, *r->sq_head == r->tail);
	reap_print(r, "dropped");
}

/* Submits the n SQEs prepared, waits until n CQEs are ready and prints them. */
static void run(struct ring *r, unsigned n, const char *label)
{
	char what[160];
	snprintf(what, sizeof what, "submit %s", label);
	EXPECT_EQ(what, submit(r, n, 0), n);
	uring_enter(r->fd, 0, n, IORING_ENTER_GETEVENTS, NULL, 0);
	reap_print(r, label);
}

static void file_io(struct ring *r, int fd, int rdonly, int dirfd)
{
	static char buf[64], a[8], b[8], c[8];
	struct io_uring_sqe *s;
	sqe_rw(r, IORING_OP_WRITE, fd, 10, (uintptr_t)"hello, ring", 11, 0);
	run(r, 1, "WRITE");
	sqe_rw(r, IORING_OP_READ, fd, 11, (uintptr_t)buf, 5, 7);
	run(r, 1, "short READ at EOF");
	buf[4] = 0;
	conf_expect_str("READ data", buf, "ring");

	struct iovec wv[2] = { { "ABC", 3 }, { "DEFG", 4 } };
	struct iovec rv[2] = { { a, 5 }, { b, 8 } };
	sqe_rw(r, IORING_OP_WRITEV, fd, 12, (uintptr_t)wv, 2, 11);
	run(r, 1, "WRITEV");
	sqe_rw(r, IORING_OP_READV, fd, 13, (uintptr_t)rv, 2, 5);
	run(r, 1, "READV");
	printf("READV data: %.5s|%.8s\n", a, b);

	/* off = -1: the file position, which moves (IORING_FEAT_RW_CUR_POS). */
	lseek(fd, 0, SEEK_SET);
	sqe_rw(r, IORING_OP_READ, fd, 14, (uintptr_t)a, 5, (uint64_t)-1);
	run(r, 1, "READ at the file position");
	sqe_rw(r, IORING_OP_READ, fd, 15, (uintptr_t)c, 5, (uint64_t)-1);
	run(r, 1, "READ at the file position again");
	printf("position reads: %.5s|%.5s\n", a, c);
	EXPECT_EQ("file position after", lseek(fd, 0, SEEK_CUR), 10);

	sqe_get(r, IORING_OP_FSYNC, fd, 16);
	s = sqe_get(r, IORING_OP_FSYNC, fd, 17);
	s->fsync_flags = IORING_FSYNC_DATASYNC;
	run(r, 2, "FSYNC, DATASYNC");
	s = sqe_get(r, IORING_OP_FSYNC, fd, 18);
	s->fsync_flags = 2;
	run(r, 1, "FSYNC bad flags");
	s = sqe_get(r, IORING_OP_FSYNC, fd, 19);
	s->addr = 1;
	run(r, 1, "FSYNC with addr");

	struct stat st;
	fstat(fd, &st);
	long before = st.st_size;
	s = sqe_rw(r, IORING_OP_WRITE, fd, 27, (uintptr_t)"app", 3, 0);
	s->rw_flags = RWF_APPEND;
	run(r, 1, "WRITE with RWF_APPEND");
	fstat(fd, &st);
	EXPECT_EQ("RWF_APPEND wrote at the end", st.st_size - before, 3);

	sqe_rw(r, IORING_OP_READ, 999, 20, (uintptr_t)buf, 4, 0);
	sqe_rw(r, IORING_OP_WRITE, rdonly, 21, (uintptr_t)buf, 4, 0);
	sqe_rw(r, IORING_OP_READ, fd, 22, 0x1000, 4, 0);
	sqe_rw(r, IORING_OP_READ, dirfd, 23, (uintptr_t)buf, 4, 0);
	run(r, 4, "bad fd, write to O_RDONLY, bad buffer, directory");

	sqe_rw(r, IORING_OP_READV, fd, 24, (uintptr_t)rv, 1025, 0);
	run(r, 1, "1025 iovecs");
	sqe_rw(r, IORING_OP_READV, fd, 25, 8, 1, 0);
	run(r, 1, "bad iovec pointer");
	s = sqe_rw(r, IORING_OP_READ, rdonly, 26, (uintptr_t)buf, 4, 0);
	s->rw_flags = 0x40000000;
	run(r, 1, "bad rw_flags");
}

static void pipes(struct ring *r)
{
	int p[2], q[2];
	char buf[16] = { 0 };
	pipe(p);
	pipe(q);
	struct io_uring_sqe *s;
	sqe_rw(r, IORING_OP_READ, p[0], 30, (uintptr_t)buf, sizeof buf, 0);
	s = sqe_get(r, IORING_OP_POLL_ADD, q[0], 31);
	s->poll32_events = POLLIN;
	s = sqe_get(r, IORING_OP_POLL_ADD, q[1], 32);
	s->poll32_events = POLLOUT;
	s = sqe_get(r, IORING_OP_POLL_ADD, q[0], 33);
	s->poll32_events = POLLIN;
	s->len = 2;
	EXPECT_EQ("submit pipe READ and POLL_ADDs", submit(r, 4, 0), 4);
	sleep_ms(20);
	reap_print(r, "writable pipe, bad poll flags (read and POLLIN wait)");
	EXPECT_EQ("nothing more ready", cq_ready(r), 0);
	write(p[1], "xyz", 3);
	write(q[1], "!", 1);
	EXPECT_EQ("GETEVENTS min 2", uring_enter(r->fd, 0, 2, IORING_ENTER_GETEVENTS, NULL, 0), 0);
	reap_print(r, "after the writes");
	printf("pipe read data: %s\n", buf);

	/* A parked read is cancelled by user_data; a poll is removed by POLL_REMOVE. */
	sqe_rw(r, IORING_OP_READ, p[0], 34, (uintptr_t)buf, sizeof buf, 0);
	s = sqe_get(r, IORING_OP_POLL_ADD, p[0], 35);
	s->poll32_events = POLLIN;
	EXPECT_EQ("submit READ and POLL_ADD to cancel", submit(r, 2, 0), 2);
	s = sqe_get(r, IORING_OP_ASYNC_CANCEL, -1, 36);
	s->addr = 34;
	s = sqe_get(r, IORING_OP_POLL_REMOVE, -1, 37);
	s->addr = 35;
	s = sqe_get(r, IORING_OP_ASYNC_CANCEL, -1, 38);
	s->addr = 12345;
	s = sqe_get(r, IORING_OP_POLL_REMOVE, -1, 39);
	s->addr = 12345;
	EXPECT_EQ("submit cancels", submit(r, 4, 6), 4);
	reap_print(r, "cancel read, remove poll, unknown cancel, unknown remove");
	write(p[1], "kept", 4);
	memset(buf, 0, sizeof buf);
	EXPECT_EQ("data after a cancelled read stays in the pipe", read(p[0], buf, sizeof buf), 4);
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
}

static void timeouts(struct ring *r)
{
	struct __kernel_timespec t20 = { 0, 20 * 1000000 }, t10s = { 10, 0 };
	struct io_uring_sqe *s;
	sqe_rw(r, IORING_OP_TIMEOUT, -1, 40, (uintptr_t)&t20, 1, 0);
	long t0 = now_ms();
	EXPECT_EQ("submit TIMEOUT 20ms and wait for it", submit(r, 1, 1), 1);
	long waited = now_ms() - t0;
	EXPECT_TRUE("waited at least 15ms", waited >= 15);
	EXPECT_TRUE("waited less than 5s", waited < 5000);
	reap_print(r, "TIMEOUT expired");

	sqe_rw(r, IORING_OP_TIMEOUT, -1, 41, (uintptr_t)&t10s, 1, 2);
	sqe_get(r, IORING_OP_NOP, -1, 42);
	sqe_get(r, IORING_OP_NOP, -1, 43);
	EXPECT_EQ("submit count TIMEOUT and 2 NOPs", submit(r, 3, 3), 3);
	reap_print(r, "count TIMEOUT reached");

	sqe_rw(r, IORING_OP_TIMEOUT, -1, 44, (uintptr_t)&t10s, 1, 0);
	EXPECT_EQ("submit TIMEOUT 10s", submit(r, 1, 0), 1);
	s = sqe_get(r, IORING_OP_TIMEOUT_REMOVE, -1, 45);
	s->addr = 44;
	s = sqe_get(r, IORING_OP_TIMEOUT_REMOVE, -1, 46);
	s->addr = 12345;
	EXPECT_EQ("submit TIMEOUT_REMOVEs", submit(r, 2, 3), 2);
	reap_print(r, "TIMEOUT removed, unknown remove");

	sqe_rw(r, IORING_OP_TIMEOUT, -1, 47, (uintptr_t)&t20, 2, 0);
	run(r, 1, "TIMEOUT len=2");
	sqe_rw(r, IORING_OP_TIMEOUT, -1, 48, 8, 1, 0);
	run(r, 1, "TIMEOUT bad pointer");
	s = sqe_rw(r, IORING_OP_TIMEOUT, -1, 49, (uintptr_t)&t20, 1, 0);
	s->timeout_flags = 1U << 30;
	run(r, 1, "TIMEOUT bad flags");

	struct io_uring_getevents_arg arg;
	memset(&arg, 0, sizeof arg);
	struct __kernel_timespec t10 = { 0, 10 * 1000000 };
	arg.ts = (uintptr_t)&t10;
	t0 = now_ms();
	EXPECT_ERR("GETEVENTS EXT_ARG 10ms", uring_enter(r->fd, 0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg, sizeof arg), ETIME);
	EXPECT_TRUE("EXT_ARG waited at least 5ms", now_ms() - t0 >= 5);
	EXPECT_ERR("EXT_ARG bad size", uring_enter(r->fd, 0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg, 8), EINVAL);
	EXPECT_ERR("EXT_ARG bad pointer", uring_enter(r->fd, 0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, (void *)8, sizeof arg), EFAULT);
	arg.ts = 8;
	EXPECT_ERR("EXT_ARG bad timespec pointer", uring_enter(r->fd, 0, 1, IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, &arg, sizeof arg), EFAULT);
}

static void links(struct ring *r, int fd)
{
	static char buf[256];
	struct io_uring_sqe *s = sqe_rw(r, IORING_OP_WRITE, fd, 50, (uintptr_t)"link", 4, 100);
	s->flags = IOSQE_IO_LINK;
	sqe_rw(r, IORING_OP_READ, fd, 51, (uintptr_t)buf, 4, 100);
	EXPECT_EQ("submit WRITE->READ", submit(r, 2, 2), 2);
	reap_print(r, "WRITE->READ");
	printf("linked read: %.4s\n", buf);

	s = sqe_rw(r, IORING_OP_READ, 999, 52, (uintptr_t)buf, 4, 0);
	s->flags = IOSQE_IO_LINK;
	sqe_get(r, IORING_OP_NOP, -1, 53);
	EXPECT_EQ("submit failing READ->NOP", submit(r, 2, 2), 2);
	reap_print(r, "failing READ->NOP");

	s = sqe_rw(r, IORING_OP_READ, fd, 54, (uintptr_t)buf, 200, 0);
	s->flags = IOSQE_IO_LINK;
	sqe_get(r, IORING_OP_NOP, -1, 55);
	EXPECT_EQ("submit short READ->NOP", submit(r, 2, 2), 2);
	reap_print(r, "short READ->NOP");

	s = sqe_get(r, 250, -1, 56);
	s->flags = IOSQE_IO_LINK;
	s = sqe_get(r, IORING_OP_NOP, -1, 57);
	s->flags = IOSQE_IO_LINK;
	sqe_get(r, IORING_OP_NOP, -1, 58);
	EXPECT_EQ("submit bad opcode->NOP->NOP", submit(r, 3, 3), 3);
	reap_print(r, "bad opcode->NOP->NOP");

	sqe_get(r, IORING_OP_NOP, -1, 59)->flags = IOSQE_IO_LINK;
	sqe_get(r, IORING_OP_NOP, -1, 60)->flags = IOSQE_IO_LINK;
	sqe_get(r, IORING_OP_NOP, -1, 61);
	EXPECT_EQ("submit NOP->NOP->NOP", submit(r, 3, 3), 3);
	reap_print(r, "NOP->NOP->NOP");
}

static void fixed(struct ring *r, int fd)
{
	static char b0[64], b1[64];
	struct iovec iov[2] = { { b0, sizeof b0 }, { b1, sizeof b1 } };
	EXPECT_ERR("UNREGISTER_BUFFERS with none", uring_register(r->fd, IORING_UNREGISTER_BUFFERS, NULL, 0), ENXIO);
	EXPECT_ERR("REGISTER_BUFFERS nr=0", uring_register(r->fd, IORING_REGISTER_BUFFERS, iov, 0), EINVAL);
	EXPECT_ERR("REGISTER_BUFFERS bad pointer", uring_register(r->fd, IORING_REGISTER_BUFFERS, (void *)8, 2), EFAULT);
	EXPECT_ERR("REGISTER_BUFFERS nr=16385", uring_register(r->fd, IORING_REGISTER_BUFFERS, iov, 16385), EINVAL);
	EXPECT_EQ("REGISTER_BUFFERS", uring_register(r->fd, IORING_REGISTER_BUFFERS, iov, 2), 0);
	EXPECT_ERR("REGISTER_BUFFERS again", uring_register(r->fd, IORING_REGISTER_BUFFERS, iov, 2), EBUSY);
	memcpy(b0, "fixed!", 6);
	struct io_uring_sqe *s = sqe_rw(r, IORING_OP_WRITE_FIXED, fd, 70, (uintptr_t)b0, 6, 200);
	s->buf_index = 0;
	s->flags = IOSQE_IO_LINK;
	s = sqe_rw(r, IORING_OP_READ_FIXED, fd, 71, (uintptr_t)b1 + 10, 6, 200);
	s->buf_index = 1;
	s = sqe_rw(r, IORING_OP_READ_FIXED, fd, 72, (uintptr_t)b1, 6, 0);
	s->buf_index = 5;
	s = sqe_rw(r, IORING_OP_READ_FIXED, fd, 73, (uintptr_t)b1 + 60, 6, 0);
	s->buf_index = 1;
	EXPECT_EQ("submit fixed I/O", submit(r, 4, 4), 4);
	reap_print(r, "WRITE_FIXED->READ_FIXED, bad index, past the buffer");
	printf("fixed read: %.6s\n", b1 + 10);
	EXPECT_EQ("UNREGISTER_BUFFERS", uring_register(r->fd, IORING_UNREGISTER_BUFFERS, NULL, 0), 0);
	sqe_rw(r, IORING_OP_READ_FIXED, fd, 74, (uintptr_t)b1, 6, 0);
	EXPECT_EQ("submit READ_FIXED without buffers", submit(r, 1, 1), 1);
	reap_print(r, "READ_FIXED without buffers");

	int dup_fd = dup(fd);
	int files[3] = { dup_fd, -1, fd };
	EXPECT_ERR("UNREGISTER_FILES with none", uring_register(r->fd, IORING_UNREGISTER_FILES, NULL, 0), ENXIO);
	EXPECT_ERR("REGISTER_FILES nr=0", uring_register(r->fd, IORING_REGISTER_FILES, files, 0), EINVAL);
	int bad[1] = { 999 };
	EXPECT_ERR("REGISTER_FILES bad fd", uring_register(r->fd, IORING_REGISTER_FILES, bad, 1), EBADF);
	int self[1] = { r->fd };
	EXPECT_ERR("REGISTER_FILES the ring itself", uring_register(r->fd, IORING_REGISTER_FILES, self, 1), EBADF);
	EXPECT_ERR("REGISTER_FILES bad pointer", uring_register(r->fd, IORING_REGISTER_FILES, (void *)8, 1), EFAULT);
	EXPECT_EQ("REGISTER_FILES", uring_register(r->fd, IORING_REGISTER_FILES, files, 3), 0);
	EXPECT_ERR("REGISTER_FILES again", uring_register(r->fd, IORING_REGISTER_FILES, files, 3), EBUSY);
	close(dup_fd); /* the registered table keeps its own reference */
	s = sqe_rw(r, IORING_OP_READ, 0, 75, (uintptr_t)b1, 5, 0);
	s->flags = IOSQE_FIXED_FILE;
	s = sqe_rw(r, IORING_OP_READ, 1, 76, (uintptr_t)b1, 5, 0);
	s->flags = IOSQE_FIXED_FILE;
	s = sqe_rw(r, IORING_OP_READ, 7, 77, (uintptr_t)b1, 5, 0);
	s->flags = IOSQE_FIXED_FILE;
	EXPECT_EQ("submit fixed-file READs", submit(r, 3, 3), 3);
	reap_print(r, "fixed file, sparse slot, slot out of range");
	printf("fixed-file read: %.5s\n", b1);
	EXPECT_EQ("UNREGISTER_FILES", uring_register(r->fd, IORING_UNREGISTER_FILES, NULL, 0), 0);
	EXPECT_ERR("UNREGISTER_FILES again", uring_register(r->fd, IORING_UNREGISTER_FILES, NULL, 0), ENXIO);
}

/* A registered eventfd counts completions: once per batch that posted CQEs, unless the CQ ring disables it. */
static void eventfd_registration(struct ring *r, int file_fd)
{
	int efd = eventfd(0, EFD_NONBLOCK), bad = 999, p[2];
	uint64_t v = 0;
	static char buf[8];
	pipe(p);
	EXPECT_ERR("UNREGISTER_EVENTFD with none", uring_register(r->fd, IORING_UNREGISTER_EVENTFD, NULL, 0), ENXIO);
	EXPECT_ERR("REGISTER_EVENTFD nr=2", uring_register(r->fd, IORING_REGISTER_EVENTFD, &efd, 2), EINVAL);
	EXPECT_ERR("REGISTER_EVENTFD bad pointer", uring_register(r->fd, IORING_REGISTER_EVENTFD, (void *)8, 1), EFAULT);
	EXPECT_ERR("REGISTER_EVENTFD bad fd", uring_register(r->fd, IORING_REGISTER_EVENTFD, &bad, 1), EBADF);
	EXPECT_ERR("REGISTER_EVENTFD not an eventfd", uring_register(r->fd, IORING_REGISTER_EVENTFD, &file_fd, 1), EINVAL);
	EXPECT_EQ("REGISTER_EVENTFD", uring_register(r->fd, IORING_REGISTER_EVENTFD, &efd, 1), 0);
	EXPECT_ERR("REGISTER_EVENTFD again", uring_register(r->fd, IORING_REGISTER_EVENTFD, &efd, 1), EBUSY);
	for (int i = 0; i < 3; i++)
		sqe_get(r, IORING_OP_NOP, -1, 80 + i);
	run(r, 3, "three NOPs with an eventfd");
	EXPECT_EQ("eventfd read", read(efd, &v, 8), 8);
	EXPECT_EQ("one signal for one batch", v, 1);
	sqe_rw(r, IORING_OP_READ, p[0], 83, (uintptr_t)buf, sizeof buf, 0);
	EXPECT_EQ("submit a READ that waits", submit(r, 1, 0), 1);
	EXPECT_ERR("no signal while it waits", read(efd, &v, 8), EAGAIN);
	write(p[1], "e", 1);
	uring_enter(r->fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0);
	reap_print(r, "read with an eventfd");
	EXPECT_EQ("eventfd read after the READ", read(efd, &v, 8), 8);
	EXPECT_EQ("one signal for the READ", v, 1);
	*r->cq_flags = IORING_CQ_EVENTFD_DISABLED;
	sqe_get(r, IORING_OP_NOP, -1, 84);
	run(r, 1, "NOP with the eventfd disabled");
	EXPECT_ERR("no signal while disabled", read(efd, &v, 8), EAGAIN);
	*r->cq_flags = 0;
	EXPECT_EQ("UNREGISTER_EVENTFD", uring_register(r->fd, IORING_UNREGISTER_EVENTFD, NULL, 0), 0);
	sqe_get(r, IORING_OP_NOP, -1, 85);
	run(r, 1, "NOP after unregistering");
	EXPECT_ERR("no signal after unregistering", read(efd, &v, 8), EAGAIN);
	close(efd);
	close(p[0]);
	close(p[1]);
}

/* A thread waits in io_uring_enter for a read of a pipe that another thread then writes. */
static struct ring *waiting_ring;
static long waiter_result;

static void *enter_waiter(void *arg)
{
	(void)arg;
	waiter_result = uring_enter(waiting_ring->fd, 0, 1, IORING_ENTER_GETEVENTS, NULL, 0);
	return NULL;
}

static void threads_and_fork(struct ring *r)
{
	int p[2];
	static char buf[8];
	pipe(p);
	sqe_rw(r, IORING_OP_READ, p[0], 90, (uintptr_t)buf, sizeof buf, 0);
	EXPECT_EQ("submit a READ for another thread to wait on", submit(r, 1, 0), 1);
	waiting_ring = r;
	pthread_t t;
	pthread_create(&t, NULL, enter_waiter, NULL);
	sleep_ms(30);
	EXPECT_EQ("nothing completed while the thread waits", cq_ready(r), 0);
	write(p[1], "wake", 4);
	pthread_join(t, NULL);
	EXPECT_EQ("the waiting thread's io_uring_enter", waiter_result, 0);
	reap_print(r, "read completed for the waiting thread");
	close(p[0]);
	close(p[1]);

	/* A child of fork shares the ring (its mappings and its descriptor): its NOP shows in the parent's CQ ring. */
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		sqe_get(r, IORING_OP_NOP, -1, 91);
		_exit(submit(r, 1, 1) == 1 ? 0 : 1);
	}
	int status = -1;
	waitpid(child, &status, 0);
	EXPECT_TRUE("child submitted on the shared ring", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	r->tail++; /* the child's SQE is consumed: the parent's copy of the tail catches up */
	EXPECT_EQ("shared SQ head", *r->sq_head, r->tail);
	reap_print(r, "child's NOP");
}

static void overflow(void)
{
	struct ring r;
	if (ring_init(&r, 4, 0, 0) != 0) {
		printf("MISMATCH overflow ring setup\n");
		conf_failures++;
		return;
	}
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 4; i++)
			sqe_get(&r, IORING_OP_NOP, -1, 100 + round * 4 + i);
		printf("overflow round %d: submitted %ld\n", round, submit(&r, 4, 0));
	}
	printf("overflow: ready=%u overflow counter=%u CQ_OVERFLOW flag=%d\n", cq_ready(&r), *r.cq_overflow,
	       (*r.sq_flags & IORING_SQ_CQ_OVERFLOW) != 0);
	reap_print(&r, "first 8");
	EXPECT_EQ("GETEVENTS flushes the overflow", uring_enter(r.fd, 0, 0, IORING_ENTER_GETEVENTS, NULL, 0), 0);
	printf("after flush: ready=%u CQ_OVERFLOW flag=%d\n", cq_ready(&r), (*r.sq_flags & IORING_SQ_CQ_OVERFLOW) != 0);
	reap_print(&r, "rest");

	/* A ring that goes away cancels its parked read: the data written later stays in the pipe. */
	int p[2];
	static char buf[8];
	pipe(p);
	sqe_rw(&r, IORING_OP_READ, p[0], 200, (uintptr_t)buf, sizeof buf, 0);
	EXPECT_EQ("submit a READ that waits", submit(&r, 1, 0), 1);
	unsigned entries = *r.sq_entries;
	close(r.fd);
	/* The mappings keep the ring alive after close; the last munmap ends it. */
	EXPECT_TRUE("ring memory stays usable after close", *r.sq_entries == entries);
	munmap(r.sq_ptr, r.sq_size);
	munmap(r.cq_ptr, r.cq_size);
	munmap(r.sqes, r.sqes_size);
	sleep_ms(50);
	write(p[1], "late", 4);
	EXPECT_EQ("after the ring is gone the pipe keeps its data", read(p[0], buf, sizeof buf), 4);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	setup_errors();
	struct ring r;
	if (ring_init(&r, 3, 0, 0) != 0) {
		printf("ring setup failed: %s\n", conf_errname(errno));
		return 1;
	}
	layout(&r);

	const char *path = "/tmp/io_uring_conformance";
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	int rdonly = open(path, O_RDONLY);
	int dirfd = open("/tmp", O_RDONLY | O_DIRECTORY);
	enter_errors(&r, fd);
	nops(&r);
	file_io(&r, fd, rdonly, dirfd);
	pipes(&r);
	timeouts(&r);
	links(&r, fd);
	fixed(&r, fd);
	eventfd_registration(&r, fd);
	threads_and_fork(&r);
	ring_free(&r);
	overflow();
	close(fd);
	close(rdonly);
	close(dirfd);
	unlink(path);
	return conf_exit();
}
