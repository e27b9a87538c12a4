/* Memory management: brk (through sbrk), anonymous mmap, mprotect, munmap
 * and their documented errors, plus a large mapping touched page by page. */
#include "conformance.h"

#include <stdint.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096L

static void brk_tests(void)
{
	const long grow = 10 * PAGE;
	char *p0 = sbrk(0);
	EXPECT_TRUE("sbrk(0)!=-1", p0 != (char *)-1);
	EXPECT_TRUE("raw brk(0)==sbrk(0)", (char *)syscall(SYS_brk, 0) == p0);
	char *p1 = sbrk(grow);
	EXPECT_TRUE("sbrk(+40960) returns old break", p1 == p0);
	EXPECT_TRUE("break grew by 40960", (char *)sbrk(0) == p0 + grow);
	for (long i = 0; i < grow; i++)
		p0[i] = (char)(i * 7);
	long bad = 0;
	for (long i = 0; i < grow; i++)
		bad += p0[i] != (char)(i * 7);
	EXPECT_EQ("brk memory read back mismatches", bad, 0);
	char *p2 = sbrk(-grow);
	EXPECT_TRUE("sbrk(-40960) returns grown break", p2 == p0 + grow);
	EXPECT_TRUE("break shrank back", (char *)sbrk(0) == p0);
	/* Grow again: the pages come back zero-filled. */
	sbrk(grow);
	long nonzero = 0;
	for (long i = PAGE; i < grow; i++)
		nonzero += p0[i] != 0;
	EXPECT_EQ("regrown brk pages nonzero bytes", nonzero, 0);
	sbrk(-grow);
	/* Linux returns the current break instead of an error when it refuses. */
	EXPECT_TRUE("brk(1) refused, returns current", (char *)syscall(SYS_brk, 1) == p0);
}

static void mmap_tests(void)
{
	char *p = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT_TRUE("mmap(anon RW)!=MAP_FAILED", p != MAP_FAILED);
	EXPECT_TRUE("mmap result page-aligned", ((uintptr_t)p & (PAGE - 1)) == 0);
	long nonzero = 0;
	for (long i = 0; i < 4 * PAGE; i++)
		nonzero += p[i] != 0;
	EXPECT_EQ("anon mapping nonzero bytes", nonzero, 0);
	memcpy(p + PAGE - 3, "across pages", 13);
	conf_expect_str("write/read across pages", p + PAGE - 3, "across pages");

	EXPECT_EQ("mprotect(PROT_READ)", mprotect(p, 4 * PAGE, PROT_READ), 0);
	conf_expect_str("read after mprotect(RO)", p + PAGE - 3, "across pages");
	/* The kernel must refuse to write into a read-only page on the guest's behalf. */
	EXPECT_ERR("getrandom into RO page", getrandom(p, 16, 0), EFAULT);
	EXPECT_EQ("mprotect(PROT_READ|PROT_WRITE)", mprotect(p, 4 * PAGE, PROT_READ | PROT_WRITE), 0);
	EXPECT_EQ("getrandom into RW page", getrandom(p, 16, 0), 16);
	p[0] = 'w';
	EXPECT_EQ("write after mprotect(RW)", p[0], 'w');
	EXPECT_ERR("mprotect(unaligned)", mprotect(p + 1, PAGE, PROT_READ), EINVAL);

	/* Unmap the middle two pages: the outer pages stay usable. */
	EXPECT_EQ("munmap(middle)", munmap(p + PAGE, 2 * PAGE), 0);
	p[0] = 'a';
	p[3 * PAGE] = 'b';
	EXPECT_TRUE("outer pages intact", p[0] == 'a' && p[3 * PAGE] == 'b');
	EXPECT_ERR("write from unmapped page", write(1, p + PAGE, 16), EFAULT);
	EXPECT_ERR("mprotect(unmapped)", mprotect(p + PAGE, PAGE, PROT_READ), ENOMEM);
	EXPECT_EQ("munmap(already unmapped)", munmap(p + PAGE, PAGE), 0);
	EXPECT_EQ("munmap(rest)", munmap(p, 4 * PAGE), 0);

	EXPECT_ERR("mmap(flags 0)", mmap(NULL, PAGE, PROT_READ, 0, -1, 0), EINVAL);
	/* MAP_SHARED|MAP_PRIVATE is MAP_SHARED_VALIDATE, which anonymous mappings reject. */
	EXPECT_ERR("mmap(MAP_SHARED_VALIDATE anon)", mmap(NULL, PAGE, PROT_READ, MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL);
	EXPECT_ERR("mmap(len 0)", mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL);
	EXPECT_ERR("mmap(unaligned offset)", mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 1), EINVAL);
	EXPECT_ERR("mmap(file, fd 99)", mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, 99, 0), EBADF);
	EXPECT_ERR("munmap(unaligned)", munmap((char *)(PAGE * 16) + 1, PAGE), EINVAL);
	EXPECT_ERR("munmap(len 0)", munmap((char *)(PAGE * 16), 0), EINVAL);

	/* MAP_FIXED over a previous mapping replaces its contents. */
	char *q = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	q[PAGE] = 'x';
	char *r = mmap(q + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	EXPECT_TRUE("MAP_FIXED at requested address", r == q + PAGE);
	EXPECT_EQ("MAP_FIXED page zeroed", q[PAGE], 0);
	EXPECT_EQ("munmap(q)", munmap(q, 2 * PAGE), 0);
}

static void big_mapping(void)
{
	const long size = 64L << 20;
	unsigned char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT_TRUE("mmap(64 MiB)!=MAP_FAILED", p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	for (long off = 0; off < size; off += PAGE)
		p[off] = (unsigned char)(off / PAGE);
	long bad = 0;
	for (long off = 0; off < size; off += PAGE)
		bad += p[off] != (unsigned char)(off / PAGE) || p[off + 1] != 0;
	EXPECT_EQ("64 MiB pages touched", size / PAGE, 16384);
	EXPECT_EQ("64 MiB mismatches", bad, 0);
	EXPECT_EQ("munmap(64 MiB)", munmap(p, size), 0);
}

int main(void)
{
	/* Let stdio allocate its buffer before the brk tests move the break. */
	printf("memory\n");
	brk_tests();
	mmap_tests();
	big_mapping();
	return conf_exit();
}
