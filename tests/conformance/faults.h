/* Catching a synchronous fault in a test program: run a statement under sigsetjmp with on_fault installed for
 * SIGSEGV and SIGBUS; afterwards got_sig, got_code and got_addr say what (if anything) it raised. */
#ifndef FAULTS_H
#define FAULTS_H

#include <setjmp.h>
#include <signal.h>
#include <stdint.h>

static sigjmp_buf fault_back;
static volatile int got_sig, got_code;
static volatile uintptr_t got_addr;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_addr = (uintptr_t)si->si_addr;
	siglongjmp(fault_back, 1);
}

static inline void catch_faults(void)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
}

/* Runs stmt; a fault it raises is recorded and control comes back here. */
#define CATCH_FAULT(stmt)                                                                                  \
	do {                                                                                               \
		got_sig = got_code = 0;                                                                    \
		got_addr = 0;                                                                              \
		if (sigsetjmp(fault_back, 1) == 0) {                                                       \
			stmt;                                                                              \
		}                                                                                          \
	} while (0)

#endif
