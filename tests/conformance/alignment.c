/* Alignment faults: arm64 lets ordinary loads and stores be unaligned, but an exclusive load (ldxr) at an unaligned
 * address faults with SIGBUS (BUS_ADRALN, si_addr the address), and a handler can recover with siglongjmp. Not
 * checked: load-acquire/store-release, which fault only on CPUs without FEAT_LSE2 (qemu's model faults, ours and
 * LSE2 hardware do not). */
#include "conformance.h"
#include "faults.h"

static char buf[64] __attribute__((aligned(16)));

#define TRY(label, addr, asm_stmt)                                                                  \
	do {                                                                                       \
		CATCH_FAULT(asm_stmt);                                                             \
		printf("%s: signal %s code %d at the address %d\n", label,                         \
		       got_sig == SIGBUS ? "SIGBUS" : got_sig ? "other" : "none", got_code,        \
		       got_addr == (uintptr_t)(addr));                                             \
	} while (0)

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	catch_faults();
	char *p = buf + 1;
	unsigned long v = 0;
	int fail = 0;
	TRY("plain unaligned store and load", 0, ({ *(volatile unsigned long *)p = 7; v = *(volatile unsigned long *)p; }));
	printf("value: %lu\n", v);
	TRY("ldxr unaligned", p, __asm__ volatile("ldxr %0, [%1]" : "=&r"(v) : "r"(p) : "memory"));
	TRY("stxr unaligned", p + 2, __asm__ volatile("stxr %w0, %2, [%1]" : "=&r"(fail) : "r"(p + 2), "r"(v) : "memory"));
	TRY("ldxr aligned", 0, __asm__ volatile("ldxr %0, [%1]\n clrex" : "=&r"(v) : "r"(buf + 8) : "memory"));
	return conf_exit();
}
