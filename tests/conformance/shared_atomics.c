/* Atomic instructions on memory shared between processes, which run at the same time on different CPUs: every
 * read-modify-write must be indivisible. Three processes hammer one MAP_SHARED page with each kind: LDXR/STXR
 * loops, LSE LDADD (8, 16, 32 and 64 bits), CAS loops, SWP as a spin lock around a plain counter, LDEOR toggles,
 * LDSET/LDCLR on private bits and LDUMAX/LDSMIN fed by LDADD tickets. The totals are exact only if no update was
 * lost (a lost SWP also leaves the lock taken by nobody, which hangs the program). Then the same instructions fault
 * as loads and stores do: SIGSEGV with SEGV_MAPERR on an unmapped page, SEGV_ACCERR on a read-only one. */
#include "conformance.h"
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>

/* The LSE instructions, whatever -march the program is built with. */
__asm__(".arch_extension lse");

#define PROCS 3
#define ROUNDS 100000

struct page {
	uint64_t exclusive, cas, lock_protected, ticket, max, toggles;
	int64_t min;
	uint64_t bits;
	uint32_t add32, lock;
	uint16_t add16;
	uint8_t add8;
	uint64_t add64;
};

static void exclusive_add(uint64_t *p)
{
	uint64_t v;
	uint32_t fail;
	asm volatile("1: ldaxr %0, [%2]\n add %0, %0, #1\n stlxr %w1, %0, [%2]\n cbnz %w1, 1b"
		     : "=&r"(v), "=&r"(fail) : "r"(p) : "memory");
}

static void cas_add(uint64_t *p)
{
	uint64_t seen = *(volatile uint64_t *)p, want;
	do {
		want = seen;
		asm volatile("casal %0, %2, [%1]" : "+r"(seen) : "r"(p), "r"(want + 1) : "memory");
	} while (seen != want);
}

static uint32_t swap32(uint32_t *p, uint32_t v)
{
	uint32_t old;
	asm volatile("swpal %w1, %w0, [%2]" : "=&r"(old) : "r"(v), "r"(p) : "memory");
	return old;
}

static uint64_t ldadd64(uint64_t *p, uint64_t v)
{
	uint64_t old;
	asm volatile("ldaddal %1, %0, [%2]" : "=&r"(old) : "r"(v), "r"(p) : "memory");
	return old;
}

static void worker(struct page *s, int k)
{
	for (int i = 0; i < ROUNDS; i++) {
		exclusive_add(&s->exclusive);
		cas_add(&s->cas);
		while (swap32(&s->lock, 1) != 0)
			;
		s->lock_protected++;
		asm volatile("stlr wzr, [%0]" ::"r"(&s->lock) : "memory");
		asm volatile("ldaddal %w0, wzr, [%1]" ::"r"(1), "r"(&s->add32) : "memory");
		asm volatile("ldaddalh %w0, wzr, [%1]" ::"r"(1), "r"(&s->add16) : "memory");
		asm volatile("ldaddalb %w0, wzr, [%1]" ::"r"(1), "r"(&s->add8) : "memory");
		ldadd64(&s->add64, 3);
		/* Each process flips its own bit an even number of times: a lost flip leaves it set. */
		asm volatile("ldeoral %0, xzr, [%1]" ::"r"(1UL << k), "r"(&s->toggles) : "memory");
		uint64_t bit = 1UL << (8 * k + (i / 2) % 8); /* set, then cleared by the next round */
		if (i % 2 == 0)
			asm volatile("ldsetal %0, xzr, [%1]" ::"r"(bit), "r"(&s->bits) : "memory");
		else
			asm volatile("ldclral %0, xzr, [%1]" ::"r"(bit), "r"(&s->bits) : "memory");
		uint64_t t = ldadd64(&s->ticket, 1) + 1;
		asm volatile("ldumaxal %0, xzr, [%1]" ::"r"(t), "r"(&s->max) : "memory");
		int64_t neg = -(int64_t)t;
		asm volatile("ldsminal %0, xzr, [%1]" ::"r"(neg), "r"(&s->min) : "memory");
	}
}

static sigjmp_buf back;
static volatile int got_sig, got_code;
static volatile uintptr_t got_addr;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_addr = (uintptr_t)si->si_addr;
	siglongjmp(back, 1);
}

#define FAULT(label, addr, asm_stmt)                                                                   \
	do {                                                                                          \
		got_sig = got_code = 0;                                                               \
		got_addr = 0;                                                                         \
		if (sigsetjmp(back, 1) == 0) {                                                        \
			asm_stmt;                                                                     \
		}                                                                                     \
		printf("%s: %s %s at the address %d\n", label,                                       \
		       got_sig == SIGSEGV ? "SIGSEGV" : got_sig ? "other signal" : "no signal",      \
		       got_code == SEGV_MAPERR ? "SEGV_MAPERR" : got_code == SEGV_ACCERR ? "SEGV_ACCERR" : "-", \
		       got_addr == (uintptr_t)(addr));                                                \
	} while (0)

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct page *s = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		return 1;
	for (int k = 0; k < PROCS; k++) {
		pid_t pid = fork();
		if (pid == 0) {
			worker(s, k);
			_exit(0);
		}
	}
	int status, clean = 0;
	while (wait(&status) > 0)
		clean += WIFEXITED(status) && WEXITSTATUS(status) == 0;
	const uint64_t n = (uint64_t)PROCS * ROUNDS;
	printf("workers exited: %d\n", clean);
	EXPECT_TRUE("ldxr/stxr count", s->exclusive == n);
	EXPECT_TRUE("cas count", s->cas == n);
	EXPECT_TRUE("swp lock count", s->lock_protected == n);
	EXPECT_TRUE("swp lock free", s->lock == 0);
	EXPECT_TRUE("ldadd 32", s->add32 == n);
	EXPECT_TRUE("ldadd 16", s->add16 == (uint16_t)n);
	EXPECT_TRUE("ldadd 8", s->add8 == (uint8_t)n);
	EXPECT_TRUE("ldadd 64", s->add64 == 3 * n);
	EXPECT_TRUE("ldeor toggles", s->toggles == 0);
	EXPECT_TRUE("ldset/ldclr bits", s->bits == 0);
	EXPECT_TRUE("tickets", s->ticket == n);
	EXPECT_TRUE("ldumax", s->max == n);
	EXPECT_TRUE("ldsmin", s->min == -(int64_t)n);

	struct sigaction sa = {0};
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	char *ro = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *gone = ro + 4096;
	munmap(gone, 4096);
	uint64_t v = 1, old = 0;
	FAULT("swp read-only", ro, asm volatile("swpal %1, %0, [%2]" : "=&r"(old) : "r"(v), "r"(ro) : "memory"));
	FAULT("ldadd read-only", ro, asm volatile("ldaddal %1, %0, [%2]" : "=&r"(old) : "r"(v), "r"(ro) : "memory"));
	FAULT("ldumax read-only", ro, asm volatile("ldumaxal %1, %0, [%2]" : "=&r"(old) : "r"(v), "r"(ro) : "memory"));
	FAULT("cas read-only", ro, asm volatile("casal %0, %1, [%2]" : "+r"(old) : "r"(v), "r"(ro) : "memory"));
	FAULT("stxr read-only", ro,
	      asm volatile("ldxr %0, [%1]\n stxr w9, %0, [%1]" : "=&r"(old) : "r"(ro) : "x9", "memory"));
	FAULT("swp unmapped", gone, asm volatile("swpal %1, %0, [%2]" : "=&r"(old) : "r"(v), "r"(gone) : "memory"));
	FAULT("ldsmin unmapped", gone, asm volatile("ldsminal %1, %0, [%2]" : "=&r"(old) : "r"(v), "r"(gone) : "memory"));
	FAULT("ldxr unmapped", gone, asm volatile("ldxr %0, [%1]" : "=&r"(old) : "r"(gone) : "memory"));
	/* The read-only page is untouched by the failed writes, and a write-enabled one takes the same operations. */
	EXPECT_TRUE("read-only page still zero", *(volatile uint64_t *)ro == 0);
	mprotect(ro, 4096, PROT_READ | PROT_WRITE);
	asm volatile("swpal %1, %0, [%2]" : "=&r"(old) : "r"(7UL), "r"(ro) : "memory");
	asm volatile("ldumaxal %1, %0, [%2]" : "=&r"(old) : "r"(9UL), "r"(ro) : "memory");
	printf("after swp 7 and ldumax 9: old %lu now %lu\n", (unsigned long)old, (unsigned long)*(uint64_t *)ro);
	return conf_failures != 0;
}
