/* fork shares private memory copy-on-write: after fork each side sees its own copy, whichever writes first, with
 * stores by the CPU and by the kernel (read(2) into the buffer), discards (MADV_DONTNEED, munmap) on either side,
 * a grandchild forked from a child that has not copied anything yet, a parent that exits first, threads of the
 * parent storing while the child reads, and mincore seeing inherited pages as resident. */
#include "conformance.h"
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGES 4096 /* 16 MiB */
#define PAGE 4096

static unsigned char *buf;

static void fill(unsigned seed)
{
	for (size_t p = 0; p < PAGES; p++)
		for (size_t i = 0; i < PAGE; i += 512)
			buf[p * PAGE + i] = (unsigned char)(p * 31 + i / 512 + seed);
}

/* How many pages do not hold the pattern of seed (0 = all do). */
static int differ(unsigned seed, size_t from, size_t to)
{
	int bad = 0;
	for (size_t p = from; p < to; p++) {
		for (size_t i = 0; i < PAGE; i += 512) {
			if (buf[p * PAGE + i] != (unsigned char)(p * 31 + i / 512 + seed)) {
				bad++;
				break;
			}
		}
	}
	return bad;
}

static int zeros(size_t from, size_t to)
{
	for (size_t p = from; p < to; p++)
		for (size_t i = 0; i < PAGE; i++)
			if (buf[p * PAGE + i])
				return 0;
	return 1;
}

static int wait_child(pid_t pid)
{
	int status = 0;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void *writer(void *arg)
{
	(void)arg;
	fill(9);
	return NULL;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	buf = mmap(NULL, (size_t)PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return 2;
	fill(1);
	int go[2], done[2];
	if (pipe(go) || pipe(done))
		return 2;

	/* 1: the parent rewrites everything while the child waits; the child still sees the old bytes. */
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		read(go[0], &c, 1);
		int old = differ(1, 0, PAGES);
		fill(2); /* its own stores stay its own */
		_exit(old == 0 && differ(2, 0, PAGES) == 0 ? 0 : 1);
	}
	fill(3);
	write(go[1], "x", 1);
	conf_expect_eq("child sees pre-fork bytes after parent rewrote them", wait_child(pid), 0, 0);
	conf_expect_eq("parent keeps its own bytes", differ(3, 0, PAGES), 0, 0);

	/* 2: the child writes first; the parent does not see it. */
	pid = fork();
	if (pid == 0) {
		fill(4);
		_exit(differ(4, 0, PAGES) == 0 ? 0 : 1);
	}
	conf_expect_eq("child's own stores", wait_child(pid), 0, 0);
	conf_expect_eq("parent unaffected by child's stores", differ(3, 0, PAGES), 0, 0);

	/* 3: kernel stores (read from a pipe) into shared pages, on both sides. */
	pid = fork();
	if (pid == 0) {
		char c;
		read(go[0], &c, 1);
		ssize_t n = read(go[0], buf + 5 * PAGE + 100, 3); /* into a page still shared */
		int ok = n == 3 && memcmp(buf + 5 * PAGE + 100, "abc", 3) == 0 && differ(3, 6, PAGES) == 0;
		_exit(ok ? 0 : 1);
	}
	write(go[1], "x", 1);
	write(go[1], "abc", 3);
	int kernel_child = wait_child(pid);
	conf_expect_eq("kernel store in child", kernel_child, 0, 0);
	conf_expect_eq("parent page untouched by child's read", buf[5 * PAGE + 100] == 0, 0, 1);
	pid = fork();
	if (pid == 0) {
		char c;
		read(go[0], &c, 1);
		_exit(differ(3, 0, PAGES) == 0 ? 0 : 1);
	}
	write(go[1], "zz", 1);
	write(done[1], "pqr", 3);
	read(done[0], buf + 7 * PAGE, 3); /* the parent's kernel store into a write-protected page */
	write(go[1], "x", 1);
	conf_expect_eq("child unaffected by parent's kernel store", wait_child(pid), 0, 0);
	conf_expect_eq("parent's kernel store landed", memcmp(buf + 7 * PAGE, "pqr", 3) == 0, 0, 1);
	buf[7 * PAGE] = (unsigned char)(7 * 31 + 3);
	buf[7 * PAGE + 1] = 0; buf[7 * PAGE + 2] = 0; /* bytes the pattern does not check */

	/* 4: discards: the child's MADV_DONTNEED gives it zeros, not the parent's bytes; the parent's
	 * discard and munmap leave the child's view alone. */
	pid = fork();
	if (pid == 0) {
		madvise(buf, 64 * PAGE, MADV_DONTNEED);
		_exit(zeros(0, 64) && differ(3, 64, PAGES) == 0 ? 0 : 1);
	}
	conf_expect_eq("child's DONTNEED reads zeros", wait_child(pid), 0, 0);
	pid = fork();
	if (pid == 0) {
		char c;
		read(go[0], &c, 1);
		_exit(differ(3, 0, PAGES) == 0 ? 0 : 1);
	}
	madvise(buf, 128 * PAGE, MADV_DONTNEED);
	conf_expect_eq("parent's DONTNEED reads zeros", zeros(0, 128), 0, 1);
	write(go[1], "x", 1);
	conf_expect_eq("child keeps pages its parent discarded", wait_child(pid), 0, 0);
	fill(3);

	/* 5: grandchild: forked by a child that has copied nothing, then both the parent and the child write. */
	pid = fork();
	if (pid == 0) {
		pid_t g = fork();
		if (g == 0) {
			char c;
			read(go[0], &c, 1);
			read(go[0], &c, 1);
			_exit(differ(3, 0, PAGES) == 0 ? 0 : 1);
		}
		fill(5);
		write(done[1], "c", 1);
		int r = wait_child(g);
		_exit(r == 0 && differ(5, 0, PAGES) == 0 ? 0 : 1);
	}
	char c;
	read(done[0], &c, 1);
	fill(6);
	write(go[1], "xy", 2);
	conf_expect_eq("grandchild sees the bytes at its parent's fork", wait_child(pid), 0, 0);

	/* 6: the parent exits first; its child (our grandchild) still has the bytes, and says so through a pipe. */
	int status_pipe[2];
	if (pipe(status_pipe))
		return 2;
	pid = fork();
	if (pid == 0) {
		pid_t g = fork();
		if (g == 0) {
			read(go[0], &c, 1);
			char r = differ(6, 0, PAGES) == 0 ? '0' : '1';
			write(status_pipe[1], &r, 1);
			_exit(0);
		}
		_exit(0);
	}
	conf_expect_eq("middle process exits", wait_child(pid), 0, 0);
	fill(7);
	write(go[1], "x", 1);
	char r = 0;
	read(status_pipe[0], &r, 1);
	conf_expect_eq("orphaned grandchild keeps the bytes", r, 0, '0');

	/* 7: threads of the parent store while a child reads. */
	pid = fork();
	if (pid == 0) {
		read(go[0], &c, 1);
		_exit(differ(7, 0, PAGES) == 0 ? 0 : 1);
	}
	pthread_t t;
	pthread_create(&t, NULL, writer, NULL);
	pthread_join(t, NULL);
	write(go[1], "x", 1);
	conf_expect_eq("child unaffected by a parent thread's stores", wait_child(pid), 0, 0);
	conf_expect_eq("parent thread's stores", differ(9, 0, PAGES), 0, 0);

	/* 8: mincore in a child: inherited pages are resident, as in Linux. */
	pid = fork();
	if (pid == 0) {
		unsigned char vec[PAGES];
		if (mincore(buf, (size_t)PAGES * PAGE, vec))
			_exit(2);
		int resident = 0;
		for (int i = 0; i < PAGES; i++)
			resident += vec[i] & 1;
		_exit(resident == PAGES ? 0 : 1);
	}
	conf_expect_eq("child's mincore: inherited pages resident", wait_child(pid), 0, 0);
	return conf_exit();
}
