/* Code that changes at run time (what JITs do): after the guest rewrites
 * code it already ran, it must run the new code. Covers an RWX mapping
 * rewritten in place (with and without stores to data on the same page),
 * W^X flips with mprotect, and new code mapped over old with MAP_FIXED.
 * Under our kernel the CPU emulator keeps translated code, so each case
 * checks that stale translations are dropped. */
#include "conformance.h"

#include <stdint.h>
#include <sys/mman.h>

#define PAGE 4096L

typedef int (*fn_t)(void);

/* movz w0, #imm ; ret */
static void emit_return(uint32_t *code, unsigned imm)
{
	code[0] = 0x52800000u | ((imm & 0xffffu) << 5);
	code[1] = 0xd65f03c0u;
	__builtin___clear_cache((char *)code, (char *)(code + 2));
}

static void rwx_in_place(void)
{
	uint32_t *code = mmap(0, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT_TRUE("rwx mmap", code != MAP_FAILED);
	if (code == MAP_FAILED)
		return;
	long sum = 0, wrong = 0;
	for (unsigned i = 1; i <= 200; i++) {
		emit_return(code, i);
		int r = ((fn_t)code)();
		sum += r;
		wrong += r != (int)i;
	}
	EXPECT_EQ("rwx rewritten 200 times: wrong results", wrong, 0);
	EXPECT_EQ("rwx rewritten 200 times: sum", sum, 20100);

	/* The same, with an unrelated mapping made and removed between runs and
	 * rewrites: the emulator's TLB is refilled, and a refilled entry for a
	 * page of translated code must still catch the stores to it. */
	wrong = 0;
	for (unsigned i = 1; i <= 50; i++) {
		emit_return(code, 300 + i);
		wrong += ((fn_t)code)() != (int)(300 + i);
		void *other = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (other != MAP_FAILED)
			munmap(other, PAGE);
	}
	EXPECT_EQ("rwx rewritten across mmap/munmap: wrong results", wrong, 0);

	/* Data stores on the page that holds running code must not disturb it. */
	volatile uint64_t *data = (volatile uint64_t *)(code + 256);
	emit_return(code, 77);
	long bad = 0;
	for (int i = 0; i < 1000; i++) {
		data[i % 64] = (uint64_t)i;
		bad += ((fn_t)code)() != 77;
	}
	EXPECT_EQ("stores beside code: wrong results", bad, 0);
	EXPECT_EQ("stores beside code: data kept", (long)data[999 % 64], 999);
	munmap(code, PAGE);
}

static void wx_flips(void)
{
	uint32_t *code = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT_TRUE("rw mmap", code != MAP_FAILED);
	if (code == MAP_FAILED)
		return;
	long wrong = 0, failed = 0;
	for (unsigned i = 1; i <= 20; i++) {
		failed += mprotect(code, PAGE, PROT_READ | PROT_WRITE) != 0;
		emit_return(code, 1000 + i);
		failed += mprotect(code, PAGE, PROT_READ | PROT_EXEC) != 0;
		wrong += ((fn_t)code)() != (int)(1000 + i);
	}
	EXPECT_EQ("w^x flips: failed mprotects", failed, 0);
	EXPECT_EQ("w^x flips: wrong results", wrong, 0);
	munmap(code, PAGE);
}

static void map_over(void)
{
	uint32_t *code = mmap(0, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT_TRUE("mmap for map-over", code != MAP_FAILED);
	if (code == MAP_FAILED)
		return;
	emit_return(code, 5);
	EXPECT_EQ("first code", ((fn_t)code)(), 5);
	void *again = mmap(code, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	EXPECT_TRUE("MAP_FIXED over code", again == code);
	emit_return(code, 6);
	EXPECT_EQ("code mapped over the old", ((fn_t)code)(), 6);
	munmap(code, PAGE);
}

int main(void)
{
	rwx_in_place();
	wx_flips();
	map_over();
	return conf_exit();
}
