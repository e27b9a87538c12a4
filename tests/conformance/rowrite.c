/* Stores to memory that may not be written fault with SIGSEGV/SEGV_ACCERR, however the page was touched first:
 * a PROT_READ mapping that was read, a page made read-only by mprotect after a write, a SHM_RDONLY attach; and a
 * page made writable again takes stores. (The CPU's fast path for stores must not skip the permission check.) */
#include "conformance.h"

#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/shm.h>

static sigjmp_buf back;
static volatile int fault_code;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	fault_code = si->si_code;
	siglongjmp(back, 1);
}

static void store(const char *label, volatile char *p)
{
	fault_code = 0;
	if (!sigsetjmp(back, 1)) {
		*p = 1;
		printf("%s: stored\n", label);
	} else {
		printf("%s: SIGSEGV si_code %d\n", label, fault_code);
	}
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };
	sigaction(SIGSEGV, &sa, NULL);
	char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	volatile char seen = ro[0];
	(void)seen;
	store("PROT_READ page after a load", ro);
	char *rw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rw[0] = 1;
	mprotect(rw, 4096, PROT_READ);
	store("after mprotect(PROT_READ) of a written page", rw);
	mprotect(rw, 4096, PROT_READ | PROT_WRITE);
	store("after mprotect(PROT_READ|PROT_WRITE)", rw);
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	char *shm = shmat(id, NULL, SHM_RDONLY);
	seen = shm[0];
	store("SHM_RDONLY attach after a load", shm);
	shmdt(shm);
	shmctl(id, IPC_RMID, NULL);
	return conf_failures != 0;
}
