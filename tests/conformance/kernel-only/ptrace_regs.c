/* ptrace on arm64 registers: NT_PRSTATUS (user_pt_regs with x7 showing the syscall stop's direction), NT_PRFPREG,
 * NT_ARM_TLS and NT_ARM_SYSTEM_CALL (change or skip a syscall at its entry or seccomp stop), a tracer's x0 at
 * syscall exit, software breakpoints written with POKETEXT, and the requests arm64 lacks (EIO). Kernel-only: the
 * oracle (the host kernel) is not arm64 and qemu-user cannot trace; the expected answers are arch/arm64's. */
#include "../conformance.h"

#include <sys/ptrace.h>

#include <elf.h>
#include <linux/filter.h>
#include <linux/ptrace.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef NT_ARM_SYSTEM_CALL
#define NT_ARM_SYSTEM_CALL 0x404
#endif

static void expect_stop(const char *label, pid_t pid, int sig)
{
	int st = 0;
	pid_t r = waitpid(pid, &st, __WALL);
	EXPECT_TRUE(label, r == pid && WIFSTOPPED(st) && (WSTOPSIG(st) | (st >> 16 << 8)) == sig);
}

static void expect_exit(const char *label, pid_t pid, int code)
{
	int st = 0;
	pid_t r = waitpid(pid, &st, __WALL);
	EXPECT_TRUE(label, r == pid && WIFEXITED(st) && WEXITSTATUS(st) == code);
	if (!(WIFEXITED(st)))
		printf("  (status %#x)\n", st);
}

static long getregs(pid_t pid, struct user_pt_regs *r)
{
	struct iovec iov = {r, sizeof *r};
	return ptrace(PTRACE_GETREGSET, pid, NT_PRSTATUS, &iov);
}

static long setregs(pid_t pid, struct user_pt_regs *r)
{
	struct iovec iov = {r, sizeof *r};
	return ptrace(PTRACE_SETREGSET, pid, NT_PRSTATUS, &iov);
}

static long set_syscall(pid_t pid, int nr)
{
	struct iovec iov = {&nr, sizeof nr};
	return ptrace(PTRACE_SETREGSET, pid, NT_ARM_SYSTEM_CALL, &iov);
}

static int get_syscall(pid_t pid)
{
	int nr = -2;
	struct iovec iov = {&nr, sizeof nr};
	ptrace(PTRACE_GETREGSET, pid, NT_ARM_SYSTEM_CALL, &iov);
	return nr;
}

static pid_t traced(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
	}
	return pid;
}

/* A raw syscall with x7 set: what x7 holds afterwards shows whether the tracer's view of it leaked. */
static long svc_x7(long nr, long a0, long x7_in, long *x7_out)
{
	register long x0 asm("x0") = a0;
	register long x7 asm("x7") = x7_in;
	register long x8 asm("x8") = nr;
	asm volatile("svc #0" : "+r"(x0), "+r"(x7) : "r"(x8) : "memory");
	*x7_out = x7;
	return x0;
}

static void syscall_regs(void)
{
	printf("== NT_PRSTATUS at syscall stops\n");
	pid_t c = traced();
	if (c == 0) {
		long x7;
		long r = svc_x7(SYS_getppid, 11, 0x77, &x7);
		_exit((r == getppid() ? 1 : 0) | (x7 == 0x77 ? 2 : 0));
	}
	expect_stop("first stop", c, SIGSTOP);
	ptrace(PTRACE_SETOPTIONS, c, 0, PTRACE_O_TRACESYSGOOD);
	ptrace(PTRACE_SYSCALL, c, 0, 0);
	expect_stop("getppid entry", c, SIGTRAP | 0x80);
	struct user_pt_regs r;
	memset(&r, 0, sizeof r);
	EXPECT_OK("GETREGSET NT_PRSTATUS", getregs(c, &r));
	EXPECT_TRUE("  x8 is the syscall, x0 its argument, x7 is 0 (entry)", r.regs[8] == SYS_getppid && r.regs[0] == 11 && r.regs[7] == 0);
	errno = 0;
	long insn = ptrace(PTRACE_PEEKTEXT, c, r.pc - 4, 0);
	EXPECT_TRUE("  pc is past the svc", (insn & 0xffffffff) == 0xd4000001);
	EXPECT_TRUE("  EL0t pstate, sp set", (r.pstate & 0xf) == 0 && r.sp != 0);
	EXPECT_EQ("  NT_ARM_SYSTEM_CALL", get_syscall(c), SYS_getppid);
	r.regs[7] = 0x1234; /* ignored: the stop owns x7 */
	EXPECT_OK("SETREGSET x7", setregs(c, &r));
	ptrace(PTRACE_SYSCALL, c, 0, 0);
	expect_stop("getppid exit", c, SIGTRAP | 0x80);
	getregs(c, &r);
	EXPECT_TRUE("  x7 is 1 (exit), x0 the result", r.regs[7] == 1 && (long)r.regs[0] == getpid());
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_exit("the result and x7 as they were", c, 3);

	printf("== iov_len\n");
	c = traced();
	if (c == 0)
		_exit(0);
	expect_stop("first stop", c, SIGSTOP);
	char big[1024];
	struct iovec iov = {big, sizeof big};
	EXPECT_OK("GETREGSET with a large buffer", ptrace(PTRACE_GETREGSET, c, NT_PRSTATUS, &iov));
	EXPECT_EQ("  iov_len", iov.iov_len, 34 * 8);
	iov.iov_len = 16;
	EXPECT_OK("GETREGSET of 16 bytes", ptrace(PTRACE_GETREGSET, c, NT_PRSTATUS, &iov));
	EXPECT_EQ("  iov_len", iov.iov_len, 16);
	iov.iov_len = 7;
	EXPECT_ERR("GETREGSET of 7 bytes", ptrace(PTRACE_GETREGSET, c, NT_PRSTATUS, &iov), EINVAL);
	iov.iov_len = 2;
	EXPECT_ERR("NT_PRFPREG of 2 bytes", ptrace(PTRACE_GETREGSET, c, NT_PRFPREG, &iov), EINVAL);
	iov.iov_len = sizeof big;
	EXPECT_OK("NT_PRFPREG", ptrace(PTRACE_GETREGSET, c, NT_PRFPREG, &iov));
	EXPECT_EQ("  iov_len", iov.iov_len, sizeof(struct user_fpsimd_state));
	iov.iov_len = sizeof big;
	EXPECT_OK("NT_ARM_TLS", ptrace(PTRACE_GETREGSET, c, NT_ARM_TLS, &iov));
	EXPECT_EQ("  iov_len", iov.iov_len, 8);
	iov.iov_len = sizeof big;
	EXPECT_OK("NT_ARM_SYSTEM_CALL", ptrace(PTRACE_GETREGSET, c, NT_ARM_SYSTEM_CALL, &iov));
	EXPECT_EQ("  iov_len", iov.iov_len, 4);
	EXPECT_EQ("  the stop came on tgkill's way out", *(int *)big, SYS_tgkill);
	iov.iov_len = sizeof big;
	EXPECT_OK("NT_ARM_HW_WATCH", ptrace(PTRACE_GETREGSET, c, NT_ARM_HW_WATCH, &iov));
	iov.iov_len = 8;
	iov.iov_base = (void *)8;
	EXPECT_ERR("GETREGSET to a bad buffer", ptrace(PTRACE_GETREGSET, c, NT_PRSTATUS, &iov), EFAULT);
	EXPECT_ERR("SETREGSET from a bad buffer", ptrace(PTRACE_SETREGSET, c, NT_PRSTATUS, &iov), EFAULT);
	EXPECT_ERR("PEEKUSER (none on arm64)", ptrace(PTRACE_PEEKUSER, c, 0, 0), EIO);
	EXPECT_ERR("POKEUSER (none on arm64)", ptrace(PTRACE_POKEUSER, c, 0, 0), EIO);
	EXPECT_ERR("GETREGS (none on arm64)", ptrace((enum __ptrace_request)12, c, 0, big), EIO);
	EXPECT_ERR("GETFPREGS (none on arm64)", ptrace((enum __ptrace_request)14, c, 0, big), EIO);
	struct user_pt_regs r2;
	getregs(c, &r2);
	r2.pstate = 0x5; /* EL1h */
	EXPECT_ERR("SETREGSET with an EL1 pstate", setregs(c, &r2), EINVAL);
	getregs(c, &r2);
	r2.pstate = 0x3c0; /* DAIF */
	EXPECT_ERR("SETREGSET with DAIF masked", setregs(c, &r2), EINVAL);
	getregs(c, &r2);
	r2.pstate = 0x60000000; /* Z and C */
	EXPECT_OK("SETREGSET with Z and C", setregs(c, &r2));
	getregs(c, &r2);
	EXPECT_TRUE("  they read back", r2.pstate == 0x60000000);
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_exit("child", c, 0);
}

/* ---- changing and skipping syscalls ---- */

static void change_syscalls(void)
{
	printf("== NT_ARM_SYSTEM_CALL and x0\n");
	pid_t c = traced();
	if (c == 0) {
		long a = syscall(SYS_getppid); /* turned into gettid */
		long b = syscall(SYS_getppid); /* skipped, x0 set by the tracer */
		long d = syscall(SYS_getpid);  /* its result replaced at exit */
		_exit((a == getpid() ? 1 : 0) | (b == 1234 ? 2 : 0) | (d == 4321 ? 4 : 0));
	}
	expect_stop("first stop", c, SIGSTOP);
	ptrace(PTRACE_SETOPTIONS, c, 0, PTRACE_O_TRACESYSGOOD);
	ptrace(PTRACE_SYSCALL, c, 0, 0);
	expect_stop("getppid entry", c, SIGTRAP | 0x80);
	EXPECT_OK("set the syscall to gettid", set_syscall(c, SYS_gettid));
	struct ptrace_syscall_info info;
	ptrace(PTRACE_GET_SYSCALL_INFO, c, sizeof info, &info);
	EXPECT_TRUE("  GET_SYSCALL_INFO shows it", info.entry.nr == SYS_gettid);
	ptrace(PTRACE_SYSCALL, c, 0, 0);
	expect_stop("exit", c, SIGTRAP | 0x80);
	EXPECT_EQ("  NT_ARM_SYSTEM_CALL at exit", get_syscall(c), SYS_gettid);
	ptrace(PTRACE_SYSCALL, c, 0, 0);
	expect_stop("second getppid entry", c, SIGTRAP | 0x80);
	struct user_pt_regs r;
	getregs(c, &r);
	r.regs[0] = 1234;
	setregs(c, &r);
	ptrace(PTRACE_GET_SYSCALL_INFO, c, sizeof info, &info);
	EXPECT_TRUE("  args[0] is still the original x0", info.entry.args[0] != 1234);
	EXPECT_OK("skip it (-1)", set_syscall(c, -1));
	ptrace(PTRACE_SYSCALL, c, 0, 0);
	expect_stop("its exit stop still comes", c, SIGTRAP | 0x80);
	getregs(c, &r);
	EXPECT_TRUE("  x0 as the tracer left it", r.regs[0] == 1234);
	ptrace(PTRACE_SYSCALL, c, 0, 0);
	expect_stop("getpid entry", c, SIGTRAP | 0x80);
	ptrace(PTRACE_SYSCALL, c, 0, 0);
	expect_stop("getpid exit", c, SIGTRAP | 0x80);
	getregs(c, &r);
	r.regs[0] = 4321;
	setregs(c, &r);
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_exit("all three took effect", c, 7);
}

/* ---- a seccomp stop skips a syscall ---- */

static void seccomp_skip(void)
{
	printf("== SECCOMP_RET_TRACE: skipped by the tracer\n");
	pid_t c = fork();
	if (c == 0) {
		struct sock_filter f[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = {4, f};
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
		raise(SIGSTOP);
		long a = syscall(SYS_getppid); /* skipped */
		long b = syscall(SYS_getppid); /* changed to gettid, which the filter lets through */
		_exit((a == 99 ? 1 : 0) | (b == getpid() ? 2 : 0));
	}
	expect_stop("first stop", c, SIGSTOP);
	ptrace(PTRACE_SETOPTIONS, c, 0, PTRACE_O_TRACESECCOMP);
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_stop("seccomp stop", c, SIGTRAP | PTRACE_EVENT_SECCOMP << 8);
	struct user_pt_regs r;
	getregs(c, &r);
	r.regs[0] = 99;
	setregs(c, &r);
	EXPECT_OK("skip it", set_syscall(c, -1));
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_stop("second seccomp stop", c, SIGTRAP | PTRACE_EVENT_SECCOMP << 8);
	EXPECT_OK("change it to gettid", set_syscall(c, SYS_gettid));
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_exit("both took effect", c, 3);
}

/* ---- FP/SIMD and TLS ---- */

static void fp_and_tls(void)
{
	printf("== NT_PRFPREG and NT_ARM_TLS\n");
	pid_t c = traced();
	if (c == 0) {
		unsigned long in = 0x1122334455667788UL, out, tp, tp_seen;
		asm volatile("mrs %0, tpidr_el0" : "=r"(tp));
		register long x0 asm("x0") = getpid();
		register long x1 asm("x1") = SIGSTOP;
		register long x8 asm("x8") = SYS_kill;
		/* d8 and TLS are read right after the stop, and TLS is put back before libc needs it. */
		asm volatile("fmov d8, %[in]\n\tsvc #0\n\tfmov %[out], d8\n\tmrs %[seen], tpidr_el0\n\tmsr tpidr_el0, %[tp]"
			     : "+r"(x0), [out] "=r"(out), [seen] "=&r"(tp_seen)
			     : [in] "r"(in), [tp] "r"(tp), "r"(x1), "r"(x8)
			     : "d8", "memory");
		_exit((out == 0x8877665544332211UL ? 1 : 0) | (tp_seen == tp + 16 ? 2 : 0));
	}
	expect_stop("first stop", c, SIGSTOP);
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_stop("stopped with d8 set", c, SIGSTOP);
	struct user_fpsimd_state fp;
	struct iovec iov = {&fp, sizeof fp};
	EXPECT_OK("GETREGSET NT_PRFPREG", ptrace(PTRACE_GETREGSET, c, NT_PRFPREG, &iov));
	EXPECT_TRUE("  d8", (uint64_t)fp.vregs[8] == 0x1122334455667788UL);
	fp.vregs[8] = 0x8877665544332211UL;
	EXPECT_OK("SETREGSET NT_PRFPREG", ptrace(PTRACE_SETREGSET, c, NT_PRFPREG, &iov));
	uint64_t tls = 0;
	struct iovec tiov = {&tls, sizeof tls};
	EXPECT_OK("GETREGSET NT_ARM_TLS", ptrace(PTRACE_GETREGSET, c, NT_ARM_TLS, &tiov));
	EXPECT_TRUE("  a pointer", tls != 0);
	tls += 16;
	EXPECT_OK("SETREGSET NT_ARM_TLS", ptrace(PTRACE_SETREGSET, c, NT_ARM_TLS, &tiov));
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_exit("the child saw both", c, 3);
}

/* ---- a breakpoint ---- */

__attribute__((noinline)) static int target(int x) { return x * 2 + 1; }

static void breakpoint(void)
{
	printf("== a software breakpoint\n");
	pid_t c = traced();
	if (c == 0) {
		volatile int v = target(20);
		_exit(v);
	}
	expect_stop("first stop", c, SIGSTOP);
	errno = 0;
	long orig = ptrace(PTRACE_PEEKTEXT, c, (void *)target, 0);
	EXPECT_TRUE("PEEKTEXT", errno == 0);
	long brk = (orig & ~0xffffffffL) | 0xd4200000; /* brk #0 */
	EXPECT_OK("POKETEXT brk #0", ptrace(PTRACE_POKETEXT, c, (void *)target, brk));
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_stop("the breakpoint", c, SIGTRAP);
	siginfo_t si;
	ptrace(PTRACE_GETSIGINFO, c, 0, &si);
	EXPECT_TRUE("  TRAP_BRKPT at the function", si.si_code == TRAP_BRKPT && si.si_addr == (void *)target);
	struct user_pt_regs r;
	getregs(c, &r);
	EXPECT_TRUE("  pc at the brk", r.pc == (unsigned long)(void *)target);
	EXPECT_OK("restore the instruction", ptrace(PTRACE_POKETEXT, c, (void *)target, orig));
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_exit("the function ran once restored", c, 41);

	/* Passed on, the breakpoint's SIGTRAP kills (it dumps core: a signalled status). */
	c = traced();
	if (c == 0) {
		volatile int v = target(1);
		_exit(v);
	}
	expect_stop("first stop", c, SIGSTOP);
	orig = ptrace(PTRACE_PEEKTEXT, c, (void *)target, 0);
	ptrace(PTRACE_POKETEXT, c, (void *)target, (orig & ~0xffffffffL) | 0xd4200000);
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_stop("the breakpoint", c, SIGTRAP);
	ptrace(PTRACE_CONT, c, 0, SIGTRAP);
	int st;
	waitpid(c, &st, 0);
	EXPECT_TRUE("SIGTRAP passed on is fatal", WIFSIGNALED(st) && WTERMSIG(st) == SIGTRAP);
}

/* ---- single-stepping ---- */

/* x0 = 5, a branch over one instruction, x0 + 1, a syscall (getppid into x0), return. */
asm(".text\n.global step_code\nstep_code:\n\tmov x0, #5\n\tb 1f\n\tnop\n1:\tadd x0, x0, #1\n"
    "\tmov x8, #173\n\tsvc #0\n\tret\n");
extern long step_code(void);

static void on_usr1(int sig) { (void)sig; }

static long step(pid_t c, int sig, struct user_pt_regs *r, siginfo_t *si)
{
	long e = ptrace(PTRACE_SINGLESTEP, c, 0, sig);
	int st;
	waitpid(c, &st, 0);
	getregs(c, r);
	ptrace(PTRACE_GETSIGINFO, c, 0, si);
	return e < 0 ? e : WIFSTOPPED(st) ? WSTOPSIG(st) : -1;
}

static void stepping(void)
{
	printf("== SINGLESTEP\n");
	pid_t c = traced();
	if (c == 0) {
		signal(SIGUSR1, on_usr1);
		long v = step_code();
		_exit(v == getppid() ? 0 : 1);
	}
	expect_stop("first stop", c, SIGSTOP);
	unsigned long at = (unsigned long)(void *)step_code;
	long orig = ptrace(PTRACE_PEEKTEXT, c, at, 0);
	ptrace(PTRACE_POKETEXT, c, at, (orig & ~0xffffffffL) | 0xd4200000);
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_stop("at step_code", c, SIGTRAP);
	ptrace(PTRACE_POKETEXT, c, at, orig);
	struct user_pt_regs r;
	siginfo_t si;
	EXPECT_EQ("step mov", step(c, 0, &r, &si), SIGTRAP);
	EXPECT_TRUE("  TRAP_TRACE, pc + 4, x0 = 5", si.si_code == TRAP_TRACE && r.pc == at + 4 && r.regs[0] == 5 &&
		    (unsigned long)si.si_addr == at + 4);
	EXPECT_EQ("step b", step(c, 0, &r, &si), SIGTRAP);
	EXPECT_TRUE("  pc at the branch target", r.pc == at + 12);
	EXPECT_EQ("step add", step(c, 0, &r, &si), SIGTRAP);
	EXPECT_TRUE("  x0 = 6", r.pc == at + 16 && r.regs[0] == 6);
	step(c, 0, &r, &si);
	EXPECT_EQ("step svc", step(c, 0, &r, &si), SIGTRAP);
	EXPECT_TRUE("  after the syscall: SIGTRAP from the kernel (SI_USER), x0 the result", si.si_code == SI_USER &&
		    r.pc == at + 24 && (long)r.regs[0] == getpid());
	EXPECT_EQ("step with SIGUSR1 given", step(c, SIGUSR1, &r, &si), SIGTRAP);
	EXPECT_TRUE("  stopped at the handler's first instruction", r.pc == (unsigned long)(void *)on_usr1 && si.si_code == SIGTRAP);
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_exit("the child ran on", c, 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	syscall_regs();
	change_syscalls();
	seccomp_skip();
	fp_and_tls();
	breakpoint();
	stepping();
	return conf_exit();
}
