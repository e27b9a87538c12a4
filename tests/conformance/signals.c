/* Signal delivery: handlers and their frames, masks, the alternate stack, pending sets, sigsuspend,
 * sigtimedwait, sigqueue, faults, and the errnos of the rt_sig* calls. */
#include "conformance.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

static volatile sig_atomic_t hits, last_sig, last_code, last_pid_ok, blocked_inside, on_alt;
static volatile int last_value;
static char *alt_base;
static size_t alt_size;

static void on_info(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	hits++;
	last_sig = sig;
	last_code = si->si_code;
	last_pid_ok = si->si_pid == getpid();
	last_value = si->si_value.sival_int;
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	blocked_inside = sigismember(&now, sig);
	char here;
	on_alt = alt_base && &here >= alt_base && &here < alt_base + alt_size;
}

static void set_handler(int sig, int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_info;
	sa.sa_flags = SA_SIGINFO | flags;
	sigaction(sig, &sa, NULL);
}

static void basics(void)
{
	set_handler(SIGUSR1, 0);
	hits = 0;
	EXPECT_EQ("kill(self, SIGUSR1)", kill(getpid(), SIGUSR1), 0);
	EXPECT_EQ("  the handler ran before kill returned", hits, 1);
	EXPECT_EQ("  signo", last_sig, SIGUSR1);
	EXPECT_EQ("  si_code SI_USER", last_code, SI_USER);
	EXPECT_TRUE("  si_pid is ours", last_pid_ok);
	EXPECT_EQ("  the signal is blocked inside its handler", blocked_inside, 1);
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	EXPECT_EQ("  and unblocked after it returns", sigismember(&now, SIGUSR1), 0);

	EXPECT_EQ("tgkill(self)", syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1), 0);
	EXPECT_TRUE("  si_code SI_TKILL", last_code == SI_TKILL);

	set_handler(SIGUSR2, SA_NODEFER);
	raise(SIGUSR2);
	EXPECT_EQ("SA_NODEFER: not blocked inside", blocked_inside, 0);

	set_handler(SIGUSR2, SA_RESETHAND);
	raise(SIGUSR2);
	struct sigaction old;
	sigaction(SIGUSR2, NULL, &old);
	EXPECT_TRUE("SA_RESETHAND: back to SIG_DFL after one delivery", old.sa_handler == SIG_DFL);

	union sigval v = {.sival_int = 4242};
	set_handler(SIGRTMIN + 1, 0);
	EXPECT_EQ("sigqueue(self)", sigqueue(getpid(), SIGRTMIN + 1, v), 0);
	EXPECT_TRUE("  si_code SI_QUEUE", last_code == SI_QUEUE);
	EXPECT_EQ("  si_value", last_value, 4242);

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	EXPECT_ERR("sigaction(SIGKILL)", sigaction(SIGKILL, &sa, NULL), EINVAL);
	EXPECT_ERR("sigaction(SIGSTOP)", sigaction(SIGSTOP, &sa, NULL), EINVAL);
	EXPECT_ERR("sigaction(0)", sigaction(0, &sa, NULL), EINVAL);
	EXPECT_ERR("sigaction(65)", syscall(SYS_rt_sigaction, 65, NULL, NULL, 8), EINVAL);
	EXPECT_ERR("kill with signal 65", kill(getpid(), 65), EINVAL);
	EXPECT_EQ("kill with signal 0 checks only", kill(getpid(), 0), 0);
	EXPECT_ERR("kill of a pid that does not exist", kill(999999, 0), ESRCH);
	EXPECT_ERR("tgkill with a bad tgid", syscall(SYS_tgkill, 0, gettid(), SIGUSR1), EINVAL);
	EXPECT_ERR("tgkill of a thread in another group", syscall(SYS_tgkill, getpid() + 100000, gettid(), 0), ESRCH);
}

static void pending_and_masks(void)
{
	set_handler(SIGUSR1, 0);
	sigset_t block, pend;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, NULL);
	hits = 0;
	raise(SIGUSR1);
	raise(SIGUSR1);
	EXPECT_EQ("a blocked signal does not run", hits, 0);
	sigpending(&pend);
	EXPECT_EQ("  it is pending", sigismember(&pend, SIGUSR1), 1);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	EXPECT_EQ("  unblocking runs it once (standard signals merge)", hits, 1);
	sigpending(&pend);
	EXPECT_EQ("  no longer pending", sigismember(&pend, SIGUSR1), 0);

	int rt = SIGRTMIN + 2;
	set_handler(rt, 0);
	sigemptyset(&block);
	sigaddset(&block, rt);
	sigprocmask(SIG_BLOCK, &block, NULL);
	hits = 0;
	union sigval v = {.sival_int = 1};
	sigqueue(getpid(), rt, v);
	sigqueue(getpid(), rt, v);
	sigqueue(getpid(), rt, v);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	EXPECT_EQ("real-time signals queue every instance", hits, 3);

	/* Ignoring a pending signal discards it. */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, NULL);
	raise(SIGUSR2);
	signal(SIGUSR2, SIG_IGN);
	sigpending(&pend);
	EXPECT_EQ("SIG_IGN discards a pending signal", sigismember(&pend, SIGUSR2), 0);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	signal(SIGUSR2, SIG_DFL);

	EXPECT_ERR("rt_sigpending with size 9", syscall(SYS_rt_sigpending, &pend, 9), EINVAL);
	EXPECT_ERR("rt_sigpending to a bad pointer", syscall(SYS_rt_sigpending, (void *)8, 8), EFAULT);
	EXPECT_ERR("rt_sigprocmask with size 4", syscall(SYS_rt_sigprocmask, SIG_BLOCK, &block, NULL, 4), EINVAL);
	EXPECT_ERR("rt_sigprocmask with how 7", syscall(SYS_rt_sigprocmask, 7, &block, NULL, 8), EINVAL);
	EXPECT_ERR("rt_sigsuspend with size 4", syscall(SYS_rt_sigsuspend, &block, 4), EINVAL);
	EXPECT_ERR("rt_sigsuspend of a bad pointer", syscall(SYS_rt_sigsuspend, (void *)8, 8), EFAULT);

	/* SIGKILL and SIGSTOP cannot be blocked. */
	sigset_t all, now;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &now);
	sigset_t got;
	sigprocmask(SIG_SETMASK, &now, &got);
	EXPECT_EQ("SIGKILL stays unblocked", sigismember(&got, SIGKILL), 0);
	EXPECT_EQ("SIGSTOP stays unblocked", sigismember(&got, SIGSTOP), 0);
}

static void alternate_stack(void)
{
	alt_size = 64 * 1024;
	alt_base = malloc(alt_size);
	stack_t ss = {.ss_sp = alt_base, .ss_size = alt_size, .ss_flags = 0}, old;
	EXPECT_EQ("sigaltstack", sigaltstack(&ss, &old), 0);
	EXPECT_EQ("  the old one was disabled", old.ss_flags, SS_DISABLE);
	set_handler(SIGUSR1, SA_ONSTACK);
	on_alt = 0;
	raise(SIGUSR1);
	EXPECT_EQ("an SA_ONSTACK handler runs on it", on_alt, 1);
	set_handler(SIGUSR1, 0);
	raise(SIGUSR1);
	EXPECT_EQ("a handler without SA_ONSTACK does not", on_alt, 0);
	stack_t small = {.ss_sp = alt_base, .ss_size = 1024, .ss_flags = 0};
	EXPECT_ERR("sigaltstack smaller than MINSIGSTKSZ", sigaltstack(&small, NULL), ENOMEM);
	stack_t bad = {.ss_sp = alt_base, .ss_size = alt_size, .ss_flags = 0x10};
	EXPECT_ERR("sigaltstack with a bad flag", sigaltstack(&bad, NULL), EINVAL);
	EXPECT_ERR("sigaltstack from a bad pointer", sigaltstack((void *)8, NULL), EFAULT);
	stack_t off = {.ss_flags = SS_DISABLE};
	sigaltstack(&off, NULL);
	alt_base = NULL;
}

static volatile int alt_inside_flags = -1, alt_inside_change = 0;

static void on_alt_check(int sig)
{
	(void)sig;
	stack_t cur;
	sigaltstack(NULL, &cur);
	alt_inside_flags = cur.ss_flags;
	stack_t other = {.ss_sp = cur.ss_sp, .ss_size = cur.ss_size, .ss_flags = 0};
	errno = 0;
	alt_inside_change = sigaltstack(&other, NULL) == -1 ? errno : 0;
}

static void alternate_stack_inside(void)
{
	char *mem = malloc(64 * 1024);
	stack_t ss = {.ss_sp = mem, .ss_size = 64 * 1024, .ss_flags = 0};
	sigaltstack(&ss, NULL);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alt_check;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR2, &sa, NULL);
	raise(SIGUSR2);
	EXPECT_EQ("inside, sigaltstack reports SS_ONSTACK", alt_inside_flags, SS_ONSTACK);
	EXPECT_EQ("inside, changing it is EPERM", alt_inside_change, EPERM);
	stack_t off = {.ss_flags = SS_DISABLE};
	sigaltstack(&off, NULL);
	signal(SIGUSR2, SIG_DFL);
	free(mem);
}

static sigjmp_buf jump;
static volatile uintptr_t fault_addr;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	last_sig = sig;
	last_code = si->si_code;
	fault_addr = (uintptr_t)si->si_addr;
	siglongjmp(jump, 1);
}

static void on_ill(int sig, siginfo_t *si, void *ucv)
{
	(void)si;
	ucontext_t *uc = ucv;
	last_sig = sig;
	uc->uc_mcontext.pc += 4; /* step over the udf */
}

static void faults(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	last_sig = 0;
	if (sigsetjmp(jump, 1) == 0) {
		*(volatile int *)16 = 1;
	}
	EXPECT_EQ("a store to an unmapped page raises SIGSEGV", last_sig, SIGSEGV);
	EXPECT_EQ("  SEGV_MAPERR", last_code, SEGV_MAPERR);
	EXPECT_EQ("  si_addr is the address", fault_addr, 16);
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	EXPECT_EQ("  siglongjmp restored the mask", sigismember(&now, SIGSEGV), 0);

	sa.sa_sigaction = on_ill;
	sigaction(SIGILL, &sa, NULL);
	last_sig = 0;
	__asm__ volatile("udf #0");
	EXPECT_EQ("an undefined instruction raises SIGILL; the handler stepped over it", last_sig, SIGILL);
	signal(SIGSEGV, SIG_DFL);
	signal(SIGILL, SIG_DFL);

	/* A fault with its signal blocked is fatal (the default action is forced). */
	pid_t child = fork();
	if (child == 0) {
		/* qemu-user reports a guest's fatal signal on stderr: keep it out of the comparison. */
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 2);
		sigset_t b;
		sigemptyset(&b);
		sigaddset(&b, SIGSEGV);
		sigprocmask(SIG_BLOCK, &b, NULL);
		*(volatile int *)16 = 1;
		_exit(0);
	}
	int status;
	waitpid(child, &status, 0);
	EXPECT_TRUE("a fault with SIGSEGV blocked kills", WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
}

static volatile double fp_seen;

static void on_fp(int sig)
{
	(void)sig;
	volatile double x = 1.0;
	for (int i = 0; i < 100; i++)
		x = x * 1.5 + 0.25;
	fp_seen = x;
}

static void registers_survive(void)
{
	signal(SIGUSR1, on_fp);
	volatile double keep = 3.25;
	register long x19 __asm__("x19") = 0x1234567890;
	__asm__ volatile("" : "+r"(x19));
	raise(SIGUSR1);
	__asm__ volatile("" : "+r"(x19));
	EXPECT_TRUE("a callee-saved register survives a handler", x19 == 0x1234567890);
	EXPECT_TRUE("floating point state survives a handler", keep == 3.25 && fp_seen > 1.0);
	signal(SIGUSR1, SIG_DFL);
}

static void on_usr1_plain(int sig) { (void)sig; hits++; }

static void suspend_and_wait(void)
{
	signal(SIGUSR1, on_usr1_plain);
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &old);
	pid_t parent = getpid();
	pid_t child = fork();
	if (child == 0) {
		usleep(50000);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	hits = 0;
	sigset_t wait_mask = old;
	sigdelset(&wait_mask, SIGUSR1);
	EXPECT_ERR("sigsuspend returns after the handler", sigsuspend(&wait_mask), EINTR);
	EXPECT_EQ("  the handler ran", hits, 1);
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	EXPECT_EQ("  the old mask is back", sigismember(&now, SIGUSR1), 1);
	waitpid(child, NULL, 0);

	/* sigtimedwait takes a blocked signal without running its handler. */
	hits = 0;
	raise(SIGUSR1);
	siginfo_t si;
	struct timespec zero = {0, 0};
	EXPECT_EQ("sigtimedwait takes a pending signal", sigtimedwait(&block, &si, &zero), SIGUSR1);
	EXPECT_EQ("  si_signo", si.si_signo, SIGUSR1);
	EXPECT_EQ("  no handler ran", hits, 0);
	EXPECT_ERR("sigtimedwait with nothing pending and a zero timeout", sigtimedwait(&block, &si, &zero), EAGAIN);
	struct timespec short_wait = {0, 20 * 1000 * 1000};
	EXPECT_ERR("sigtimedwait that times out", sigtimedwait(&block, &si, &short_wait), EAGAIN);
	struct timespec bad = {0, 2000000000};
	EXPECT_ERR("sigtimedwait with a bad timeout", sigtimedwait(&block, &si, &bad), EINVAL);
	EXPECT_ERR("rt_sigtimedwait with size 4", syscall(SYS_rt_sigtimedwait, &block, &si, &zero, 4), EINVAL);

	child = fork();
	if (child == 0) {
		usleep(50000);
		union sigval v = {.sival_int = 77};
		sigqueue(parent, SIGUSR1, v);
		_exit(0);
	}
	EXPECT_EQ("sigwaitinfo waits for one sent later", sigwaitinfo(&block, &si), SIGUSR1);
	EXPECT_TRUE("  SI_QUEUE", si.si_code == SI_QUEUE);
	EXPECT_EQ("  its value", si.si_value.sival_int, 77);
	EXPECT_TRUE("  from the child", si.si_pid == child);
	waitpid(child, NULL, 0);

	/* The kernel refuses a forged si_code sent to another process. */
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	siginfo_t forged;
	memset(&forged, 0, sizeof forged);
	forged.si_code = SI_USER;
	EXPECT_ERR("rt_sigqueueinfo claiming SI_USER to another process", syscall(SYS_rt_sigqueueinfo, child, SIGUSR1, &forged), EPERM);
	EXPECT_ERR("rt_sigqueueinfo from a bad pointer", syscall(SYS_rt_sigqueueinfo, child, SIGUSR1, (void *)8), EFAULT);
	kill(child, SIGKILL);
	int status;
	waitpid(child, &status, 0);
	EXPECT_TRUE("SIGKILL ends a child in pause()", WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	signal(SIGUSR1, SIG_DFL);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	basics();
	pending_and_masks();
	alternate_stack();
	alternate_stack_inside();
	faults();
	registers_survive();
	suspend_and_wait();
	return conf_exit();
}
