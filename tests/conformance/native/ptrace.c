/* ptrace: TRACEME, ATTACH and SEIZE, every stop (signal-delivery, syscall entry/exit, group-stop, PTRACE_EVENT_*), the
 * requests that work the same on every architecture, their errnos, wait4/waitid for tracers, tracer exit and the real
 * parent's view. Native oracle: qemu-user 7.2 cannot run a tracer (its ptrace emulation hangs on the first stop).
 * Syscall numbers and the audit arch come from the architecture the program is built for; registers are checked in
 * kernel-only/ptrace_regs.c. Each case runs in its own children; only relations and portable values are printed. */
#include "../conformance.h"

/* glibc's <sys/ptrace.h> must come before <linux/ptrace.h> (struct ptrace_syscall_info) */
#include <sys/ptrace.h>

#include <fcntl.h>
#include <elf.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/ptrace.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#else
#error "unknown architecture"
#endif

#define EV(st) ((unsigned)(st) >> 16)
static const char *progname;

static const char *signame(int sig)
{
	static char buf[16];
	const char *n = sigabbrev_np(sig);
	if (n)
		return n;
	snprintf(buf, sizeof buf, "RTMIN+%d", sig - SIGRTMIN);
	return buf;
}

/* A wait status in words: "stopped SIGUSR1", "syscall-stop", "event FORK", "group-stop SIGSTOP", "exited 3", ... */
static const char *describe(int st)
{
	static char buf[64];
	if (WIFEXITED(st))
		snprintf(buf, sizeof buf, "exited %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, sizeof buf, "killed SIG%s", signame(WTERMSIG(st)));
	else if (WIFSTOPPED(st) && WSTOPSIG(st) == (SIGTRAP | 0x80))
		snprintf(buf, sizeof buf, "syscall-stop");
	else if (WIFSTOPPED(st) && EV(st) == PTRACE_EVENT_STOP)
		snprintf(buf, sizeof buf, "event-stop SIG%s", signame(WSTOPSIG(st)));
	else if (WIFSTOPPED(st) && EV(st)) {
		static const char *names[] = {"?", "FORK", "VFORK", "CLONE", "EXEC", "VFORK_DONE", "EXIT", "SECCOMP"};
		snprintf(buf, sizeof buf, "event %s SIG%s", EV(st) < 8 ? names[EV(st)] : "?", signame(WSTOPSIG(st)));
	} else if (WIFSTOPPED(st))
		snprintf(buf, sizeof buf, "stopped SIG%s", signame(WSTOPSIG(st)));
	else
		snprintf(buf, sizeof buf, "status %#x", st);
	return buf;
}

/* Waits for pid (any kind of task) and prints what happened. */
static int wait_for(const char *label, pid_t pid)
{
	int st = 0;
	pid_t r = waitpid(pid, &st, __WALL);
	if (r != pid) {
		printf("  %s: waitpid -1 %s\n", label, conf_errname(errno));
		return -1;
	}
	printf("  %s: %s\n", label, describe(st));
	return st;
}

/* Waits for pid and checks what happened. A tracee's SIGCHLD stops (its children come and go at times that depend
 * on scheduling) are passed over: the tracee gets them, and they are ignored. */
static void expect_status(const char *label, pid_t pid, const char *want)
{
	int st = 0;
	pid_t r;
	while ((r = waitpid(pid, &st, __WALL)) == pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGCHLD && EV(st) == 0)
		ptrace(PTRACE_CONT, pid, 0, SIGCHLD);
	conf_expect_str(label, r == pid ? describe(st) : "waitpid failed", want);
}

static unsigned long eventmsg(pid_t pid)
{
	unsigned long msg = 0;
	ptrace(PTRACE_GETEVENTMSG, pid, 0, &msg);
	return msg;
}

static int pipe_wait(int fd)
{
	char b = 0;
	return read(fd, &b, 1) == 1 ? b : -1;
}

static void pipe_say(int fd, char b) { write(fd, &b, 1); }

/* A child that makes itself a tracee of its parent and stops, then runs fn. */
static pid_t traced_child(int (*fn)(void))
{
	pid_t pid = fork();
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0)
			_exit(100);
		raise(SIGSTOP);
		_exit(fn());
	}
	return pid;
}

static int sleeper(void)
{
	for (;;)
		pause();
	return 0;
}

/* ---- errnos ---- */

static int traceme_twice(void)
{
	errno = 0;
	long r = ptrace(PTRACE_TRACEME, 0, 0, 0);
	return r == -1 && errno == EPERM ? 0 : 1;
}

static void errnos(void)
{
	printf("== errnos\n");
	EXPECT_ERR("CONT on no such pid", ptrace(PTRACE_CONT, 0x7ffffff0, 0, 0), ESRCH);
	EXPECT_ERR("CONT on pid -1", ptrace(PTRACE_CONT, -1, 0, 0), ESRCH);
	EXPECT_ERR("ATTACH to itself", ptrace(PTRACE_ATTACH, getpid(), 0, 0), EPERM);
	EXPECT_ERR("SEIZE itself", ptrace(PTRACE_SEIZE, getpid(), 0, 0), EPERM);

	pid_t c = fork();
	if (c == 0)
		sleeper();
	EXPECT_ERR("CONT on an untraced child", ptrace(PTRACE_CONT, c, 0, 0), ESRCH);
	EXPECT_ERR("PEEKDATA on an untraced child", ptrace(PTRACE_PEEKDATA, c, &c, 0), ESRCH);
	EXPECT_ERR("INTERRUPT on an untraced child", ptrace(PTRACE_INTERRUPT, c, 0, 0), ESRCH);
	EXPECT_ERR("KILL on an untraced child", ptrace(PTRACE_KILL, c, 0, 0), ESRCH);
	EXPECT_ERR("SEIZE with addr", ptrace(PTRACE_SEIZE, c, 1, 0), EIO);
	EXPECT_ERR("SEIZE with an unknown option", ptrace(PTRACE_SEIZE, c, 0, 1UL << 30), EIO);
	EXPECT_OK("SEIZE", ptrace(PTRACE_SEIZE, c, 0, 0));
	EXPECT_ERR("SEIZE again", ptrace(PTRACE_SEIZE, c, 0, 0), EPERM);
	EXPECT_ERR("ATTACH a traced task", ptrace(PTRACE_ATTACH, c, 0, 0), EPERM);
	EXPECT_ERR("CONT while it runs", ptrace(PTRACE_CONT, c, 0, 0), ESRCH);
	EXPECT_ERR("GETEVENTMSG while it runs", ptrace(PTRACE_GETEVENTMSG, c, 0, &c), ESRCH);
	EXPECT_ERR("LISTEN while it runs", ptrace(PTRACE_LISTEN, c, 0, 0), ESRCH);
	int st;
	EXPECT_EQ("wait WNOHANG while it runs", waitpid(c, &st, __WALL | WNOHANG), 0);
	EXPECT_OK("INTERRUPT", ptrace(PTRACE_INTERRUPT, c, 0, 0));
	expect_status("after INTERRUPT", c, "event-stop SIGTRAP");
	siginfo_t si;
	EXPECT_OK("GETSIGINFO at an EVENT_STOP", ptrace(PTRACE_GETSIGINFO, c, 0, &si));
	EXPECT_TRUE("  its si_code is SIGTRAP | EVENT_STOP << 8", si.si_signo == SIGTRAP && si.si_code == (SIGTRAP | PTRACE_EVENT_STOP << 8));
	EXPECT_ERR("an unknown request", ptrace((enum __ptrace_request)12345, c, 0, 0), EIO);
	EXPECT_ERR("CONT with signal 65", ptrace(PTRACE_CONT, c, 0, 65), EIO);
	EXPECT_ERR("SYSCALL with signal 65", ptrace(PTRACE_SYSCALL, c, 0, 65), EIO);
	EXPECT_ERR("DETACH with signal 65", ptrace(PTRACE_DETACH, c, 0, 65), EIO);
	EXPECT_ERR("SETOPTIONS with an unknown option", ptrace(PTRACE_SETOPTIONS, c, 0, 1UL << 30), EINVAL);
	sigset_t set;
	EXPECT_ERR("GETSIGMASK with size 4", ptrace(PTRACE_GETSIGMASK, c, 4, &set), EINVAL);
	EXPECT_ERR("SETSIGMASK with size 4", ptrace(PTRACE_SETSIGMASK, c, 4, &set), EINVAL);
	EXPECT_ERR("GETSIGMASK to a bad pointer", ptrace(PTRACE_GETSIGMASK, c, 8, 8), EFAULT);
	EXPECT_ERR("SETSIGMASK from a bad pointer", ptrace(PTRACE_SETSIGMASK, c, 8, 8), EFAULT);
	char buf[64];
	struct iovec iov = {buf, sizeof buf};
	EXPECT_ERR("GETREGSET of an unknown regset", ptrace(PTRACE_GETREGSET, c, 0x999, &iov), EINVAL);
	EXPECT_ERR("GETREGSET with a bad iovec", ptrace(PTRACE_GETREGSET, c, NT_PRSTATUS, 8), EFAULT);
	EXPECT_ERR("GETEVENTMSG to a bad pointer", ptrace(PTRACE_GETEVENTMSG, c, 0, 8), EFAULT);
	EXPECT_ERR("GETSIGINFO to a bad pointer", ptrace(PTRACE_GETSIGINFO, c, 0, 8), EFAULT);
	EXPECT_ERR("SETSIGINFO from a bad pointer", ptrace(PTRACE_SETSIGINFO, c, 0, 8), EFAULT);
	EXPECT_ERR("PEEKDATA of an unmapped address", ptrace(PTRACE_PEEKDATA, c, 8, 0), EIO);
	EXPECT_ERR("PEEKTEXT of an unmapped address", ptrace(PTRACE_PEEKTEXT, c, 8, 0), EIO);
	EXPECT_ERR("POKEDATA at an unmapped address", ptrace(PTRACE_POKEDATA, c, 8, 0), EIO);
	struct __ptrace_peeksiginfo_args pa = {0, 2, 1};
	EXPECT_ERR("PEEKSIGINFO with an unknown flag", ptrace(PTRACE_PEEKSIGINFO, c, &pa, buf), EINVAL);
	pa.flags = 0;
	pa.nr = -1;
	EXPECT_ERR("PEEKSIGINFO with nr -1", ptrace(PTRACE_PEEKSIGINFO, c, &pa, buf), EINVAL);
	EXPECT_ERR("PEEKSIGINFO with bad arguments", ptrace(PTRACE_PEEKSIGINFO, c, 8, buf), EFAULT);
	EXPECT_OK("LISTEN at an EVENT_STOP", ptrace(PTRACE_LISTEN, c, 0, 0));
	EXPECT_ERR("CONT while it listens", ptrace(PTRACE_CONT, c, 0, 0), ESRCH);
	EXPECT_EQ("wait WNOHANG while it listens", waitpid(c, &st, __WALL | WNOHANG), 0);
	EXPECT_OK("INTERRUPT while it listens", ptrace(PTRACE_INTERRUPT, c, 0, 0));
	expect_status("after that INTERRUPT", c, "event-stop SIGTRAP");
	EXPECT_OK("DETACH", ptrace(PTRACE_DETACH, c, 0, 0));
	EXPECT_ERR("CONT after DETACH", ptrace(PTRACE_CONT, c, 0, 0), ESRCH);
	kill(c, SIGKILL);
	expect_status("the detached child", c, "killed SIGKILL");

	pid_t t = traced_child(traceme_twice);
	expect_status("TRACEME child", t, "stopped SIGSTOP");
	EXPECT_ERR("INTERRUPT a tracee that was not seized", ptrace(PTRACE_INTERRUPT, t, 0, 0), EIO);
	EXPECT_ERR("LISTEN on a tracee that was not seized", ptrace(PTRACE_LISTEN, t, 0, 0), EIO);
	EXPECT_OK("CONT", ptrace(PTRACE_CONT, t, 0, 0));
	expect_status("TRACEME a second time gives EPERM", t, "exited 0");
}

/* ---- signal-delivery stops ---- */

static volatile sig_atomic_t handled;
static void on_signal(int sig) { handled |= sig == SIGUSR1 ? 1 : sig == SIGUSR2 ? 2 : 4; }

static int signals_child(void)
{
	signal(SIGUSR1, on_signal);
	signal(SIGUSR2, on_signal);
	raise(SIGUSR1); /* suppressed by the tracer */
	raise(SIGUSR1); /* turned into SIGUSR2 */
	raise(SIGUSR1); /* its siginfo rewritten */
	signal(SIGUSR1, SIG_IGN);
	raise(SIGUSR1); /* ignored, but the tracer still sees it */
	raise(SIGTERM); /* fatal by default, suppressed */
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	sigprocmask(SIG_BLOCK, &block, NULL);
	raise(SIGUSR2); /* seen only once unblocked */
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	return handled;
}

static void signal_stops(void)
{
	printf("== signal-delivery stops\n");
	pid_t c = traced_child(signals_child);
	expect_status("first stop", c, "stopped SIGSTOP");
	siginfo_t si;
	EXPECT_OK("GETSIGINFO", ptrace(PTRACE_GETSIGINFO, c, 0, &si));
	EXPECT_TRUE("  SIGSTOP from tgkill by the child itself", si.si_signo == SIGSTOP && si.si_code == SI_TKILL && si.si_pid == c);
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_status("raise(SIGUSR1)", c, "stopped SIGUSR1");
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_status("raise(SIGUSR1) again", c, "stopped SIGUSR1");
	ptrace(PTRACE_CONT, c, 0, SIGUSR2);
	expect_status("raise(SIGUSR1) a third time", c, "stopped SIGUSR1");
	EXPECT_OK("GETSIGINFO", ptrace(PTRACE_GETSIGINFO, c, 0, &si));
	si.si_code = SI_QUEUE;
	si.si_value.sival_int = 77;
	EXPECT_OK("SETSIGINFO", ptrace(PTRACE_SETSIGINFO, c, 0, &si));
	memset(&si, 0, sizeof si);
	ptrace(PTRACE_GETSIGINFO, c, 0, &si);
	EXPECT_TRUE("  GETSIGINFO shows the new siginfo", si.si_code == SI_QUEUE && si.si_value.sival_int == 77);
	ptrace(PTRACE_CONT, c, 0, SIGUSR1);
	expect_status("an ignored SIGUSR1", c, "stopped SIGUSR1");
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_status("SIGTERM", c, "stopped SIGTERM");
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_status("SIGUSR2, once unblocked", c, "stopped SIGUSR2");
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_status("the handlers that ran (1 USR1, 2 USR2)", c, "exited 3");
}

/* ---- syscall stops ---- */

static int syscalls_child(void)
{
	syscall(SYS_getppid);
	syscall(SYS_chdir, "");
	syscall(SYS_gettid);
	syscall(SYS_exit_group, 7);
	return 1;
}

static void syscall_info(pid_t c, const char *label, long want_nr)
{
	struct ptrace_syscall_info info;
	memset(&info, 0xff, sizeof info);
	long n = ptrace(PTRACE_GET_SYSCALL_INFO, c, sizeof info, &info);
	char l[96];
	if (info.op == PTRACE_SYSCALL_INFO_ENTRY) {
		snprintf(l, sizeof l, "  %s: entry, size %ld, nr right, arch right, ip and sp", label, n);
		EXPECT_TRUE(l, info.entry.nr == (unsigned long)want_nr && info.arch == ARCH && info.instruction_pointer && info.stack_pointer);
	} else if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
		printf("  %s: exit, size %ld, rval %lld, is_error %d\n", label, n,
		       info.exit.rval == getpid() ? 0LL : (long long)info.exit.rval, info.exit.is_error);
	} else {
		printf("  %s: op %d, size %ld\n", label, info.op, n);
	}
	printf("  GETEVENTMSG: %lu\n", eventmsg(c));
}

/* PTRACE_SYSCALL to the next syscall stop, and what GET_SYSCALL_INFO says of it. */
static void next_syscall_stop(pid_t c, const char *stop, const char *name, long nr)
{
	ptrace(PTRACE_SYSCALL, c, 0, 0);
	expect_status(stop, c, "syscall-stop");
	syscall_info(c, name, nr);
}

/* exit_group(9), which SYSEMU skips, then exit(4). */
static int sysemu_child(void)
{
	syscall(SYS_exit_group, 9);
	return 4;
}

static int getppid_child(void)
{
	syscall(SYS_getppid);
	return 5;
}

static void syscall_stops(void)
{
	printf("== syscall stops\n");
	pid_t c = traced_child(syscalls_child);
	expect_status("first stop", c, "stopped SIGSTOP");
	struct ptrace_syscall_info info;
	memset(&info, 0, sizeof info);
	EXPECT_EQ("GET_SYSCALL_INFO at a signal stop", ptrace(PTRACE_GET_SYSCALL_INFO, c, sizeof info, &info), 24);
	EXPECT_TRUE("  op NONE, arch, ip and sp", info.op == PTRACE_SYSCALL_INFO_NONE && info.arch == ARCH && info.instruction_pointer && info.stack_pointer);
	/* Without TRACESYSGOOD a syscall stop is a plain SIGTRAP, and GET_SYSCALL_INFO cannot tell what it is. */
	EXPECT_OK("SYSCALL", ptrace(PTRACE_SYSCALL, c, 0, 0));
	expect_status("getppid entry without TRACESYSGOOD", c, "stopped SIGTRAP");
	memset(&info, 0, sizeof info);
	EXPECT_EQ("  GET_SYSCALL_INFO", ptrace(PTRACE_GET_SYSCALL_INFO, c, sizeof info, &info), 24);
	printf("  GETEVENTMSG: %lu\n", eventmsg(c));
	EXPECT_OK("SETOPTIONS TRACESYSGOOD", ptrace(PTRACE_SETOPTIONS, c, 0, PTRACE_O_TRACESYSGOOD));
	next_syscall_stop(c, "getppid exit", "getppid", SYS_getppid);
	EXPECT_EQ("GET_SYSCALL_INFO with size 0 writes nothing", ptrace(PTRACE_GET_SYSCALL_INFO, c, 0, 8), 33);
	EXPECT_ERR("GET_SYSCALL_INFO to a bad pointer", ptrace(PTRACE_GET_SYSCALL_INFO, c, sizeof info, 8), EFAULT);
	next_syscall_stop(c, "chdir entry", "chdir", SYS_chdir);
	next_syscall_stop(c, "chdir exit", "chdir", SYS_chdir);
	next_syscall_stop(c, "gettid entry", "gettid", SYS_gettid);
	/* CONT: no exit stop for gettid. */
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_status("exit_group(7)", c, "exited 7");

	/* SYSEMU: the syscall is skipped after its entry stop, and no exit stop follows. */
	pid_t e = traced_child(sysemu_child);
	expect_status("SYSEMU child", e, "stopped SIGSTOP");
	ptrace(PTRACE_SETOPTIONS, e, 0, PTRACE_O_TRACESYSGOOD);
	EXPECT_OK("SYSEMU", ptrace(PTRACE_SYSEMU, e, 0, 0));
	expect_status("exit_group(9) entry", e, "syscall-stop");
	syscall_info(e, "exit_group(9)", SYS_exit_group);
	EXPECT_OK("SYSEMU", ptrace(PTRACE_SYSEMU, e, 0, 0));
	expect_status("next syscall's entry", e, "syscall-stop");
	syscall_info(e, "exit_group(4)", SYS_exit_group);
	ptrace(PTRACE_CONT, e, 0, 0);
	expect_status("exit_group(9) was skipped", e, "exited 4");

	/* A signal given at a syscall stop is delivered. */
	pid_t s = traced_child(getppid_child);
	expect_status("child", s, "stopped SIGSTOP");
	ptrace(PTRACE_SETOPTIONS, s, 0, PTRACE_O_TRACESYSGOOD);
	ptrace(PTRACE_SYSCALL, s, 0, 0);
	expect_status("getppid entry", s, "syscall-stop");
	ptrace(PTRACE_SYSCALL, s, 0, SIGUSR1);
	expect_status("getppid exit", s, "syscall-stop");
	ptrace(PTRACE_CONT, s, 0, 0);
	expect_status("SIGUSR1 given at the entry stop", s, "stopped SIGUSR1");
	ptrace(PTRACE_CONT, s, 0, SIGUSR1);
	expect_status("delivered", s, "killed SIGUSR1");
}

/* ---- memory ---- */

static volatile long cell = 0x1234;
static const long rodata = 5;

static int memory_child(void)
{
	raise(SIGSTOP);
	return (cell == 0x5678 ? 1 : 0) | (*(volatile const long *)&rodata == 6 ? 2 : 0);
}

static void memory(void)
{
	printf("== PEEK and POKE\n");
	pid_t c = traced_child(memory_child);
	expect_status("first stop", c, "stopped SIGSTOP");
	errno = 0;
	long v = ptrace(PTRACE_PEEKDATA, c, &cell, 0);
	EXPECT_TRUE("PEEKDATA reads the child's variable", v == 0x1234 && errno == 0);
	v = ptrace(PTRACE_PEEKTEXT, c, (void *)memory_child, 0);
	EXPECT_TRUE("PEEKTEXT reads its code", v == *(long *)(void *)memory_child);
	EXPECT_OK("POKEDATA", ptrace(PTRACE_POKEDATA, c, &cell, 0x5678));
	EXPECT_OK("POKEDATA into read-only data (forced)", ptrace(PTRACE_POKEDATA, c, &rodata, 6));
	EXPECT_TRUE("our own copy is untouched", cell == 0x1234 && *(volatile const long *)&rodata == 5);
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_status("first SIGSTOP", c, "stopped SIGSTOP");
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_status("the child saw both writes", c, "exited 3");
}

/* ---- PTRACE_EVENT_* ---- */

static void *thread_main(void *arg) { return arg; }

static int events_child(void)
{
	pid_t f = fork();
	if (f == 0)
		_exit(5);
	int st;
	waitpid(f, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 5)
		return 20;
	pid_t v = vfork();
	if (v == 0)
		_exit(6);
	waitpid(v, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 6)
		return 21;
	pthread_t t;
	pthread_create(&t, NULL, thread_main, NULL);
	pthread_join(t, NULL);
	execl("/proc/self/exe", progname, "exit3", (char *)NULL);
	return 22;
}

/* A new tracee's first stop: SIGSTOP, or a PTRACE_EVENT_STOP when its parent was seized. */
static void first_stop(const char *what, pid_t pid, int seized)
{
	char label[64];
	snprintf(label, sizeof label, "%s's first stop", what);
	expect_status(label, pid, seized ? "event-stop SIGTRAP" : "stopped SIGSTOP");
	ptrace(PTRACE_CONT, pid, 0, 0);
}

static void events(int seized)
{
	printf("== events (%s)\n", seized ? "SEIZE" : "TRACEME");
	long opts = PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC |
		    PTRACE_O_TRACEVFORKDONE | PTRACE_O_TRACEEXIT;
	pid_t c;
	if (seized) {
		c = fork();
		if (c == 0) {
			raise(SIGSTOP);
			_exit(events_child());
		}
		int st;
		waitpid(c, &st, WUNTRACED);
		printf("  job-control stop: %s\n", describe(st));
		EXPECT_OK("SEIZE the stopped child", ptrace(PTRACE_SEIZE, c, 0, opts));
		kill(c, SIGCONT);
		expect_status("seized in its group stop", c, "event-stop SIGSTOP");
		EXPECT_OK("LISTEN", ptrace(PTRACE_LISTEN, c, 0, 0));
		expect_status("SIGCONT came: trap again", c, "event-stop SIGTRAP");
		ptrace(PTRACE_CONT, c, 0, 0);
		expect_status("SIGCONT's own stop", c, "stopped SIGCONT");
		ptrace(PTRACE_CONT, c, 0, SIGCONT);
	} else {
		c = traced_child(events_child);
		expect_status("first stop", c, "stopped SIGSTOP");
		EXPECT_OK("SETOPTIONS", ptrace(PTRACE_SETOPTIONS, c, 0, opts));
		ptrace(PTRACE_CONT, c, 0, 0);
	}
	expect_status("fork", c, "event FORK SIGTRAP");
	pid_t f = eventmsg(c);
	EXPECT_TRUE("  GETEVENTMSG is the child", f > 0 && f != c);
	first_stop("the fork child", f, seized);
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_status("the fork child's _exit(5)", f, "event EXIT SIGTRAP");
	EXPECT_EQ("  GETEVENTMSG", eventmsg(f), 5 << 8);
	ptrace(PTRACE_CONT, f, 0, 0);
	expect_status("the fork child is its tracer's zombie first", f, "exited 5");
	expect_status("vfork", c, "event VFORK SIGTRAP");
	pid_t v = eventmsg(c);
	ptrace(PTRACE_CONT, c, 0, 0);
	first_stop("the vfork child", v, seized);
	expect_status("the vfork child's _exit(6)", v, "event EXIT SIGTRAP");
	ptrace(PTRACE_CONT, v, 0, 0);
	expect_status("the vfork child", v, "exited 6");
	expect_status("vfork done", c, "event VFORK_DONE SIGTRAP");
	EXPECT_TRUE("  GETEVENTMSG is the vfork child", eventmsg(c) == (unsigned long)v);
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_status("pthread_create", c, "event CLONE SIGTRAP");
	pid_t t = eventmsg(c);
	ptrace(PTRACE_CONT, c, 0, 0);
	first_stop("the thread", t, seized);
	expect_status("the thread's exit", t, "event EXIT SIGTRAP");
	EXPECT_EQ("  GETEVENTMSG", eventmsg(t), 0);
	ptrace(PTRACE_CONT, t, 0, 0);
	expect_status("the thread", t, "exited 0");
	expect_status("exec", c, "event EXEC SIGTRAP");
	EXPECT_TRUE("  GETEVENTMSG is the old thread id", eventmsg(c) == (unsigned long)c);
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_status("exit(3) of the new image", c, "event EXIT SIGTRAP");
	EXPECT_EQ("  GETEVENTMSG", eventmsg(c), 3 << 8);
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_status("the child", c, "exited 3");
}

/* exec without PTRACE_O_TRACEEXEC: a SIGTRAP for a tracee that was not seized, nothing for a seized one. */
static void exec_sigtrap(void)
{
	printf("== exec without TRACEEXEC\n");
	pid_t c = fork();
	if (c == 0) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		execl("/proc/self/exe", progname, "exit3", (char *)NULL);
		_exit(99);
	}
	expect_status("TRACEME then exec", c, "stopped SIGTRAP");
	siginfo_t si;
	ptrace(PTRACE_GETSIGINFO, c, 0, &si);
	EXPECT_TRUE("  a SIGTRAP from the tracee itself (SI_USER)", si.si_code == SI_USER && si.si_pid == c);
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_status("the new image", c, "exited 3");

	int p[2];
	pipe(p);
	c = fork();
	if (c == 0) {
		char b;
		close(p[1]);
		read(p[0], &b, 1);
		execl("/proc/self/exe", progname, "exit3", (char *)NULL);
		_exit(99);
	}
	close(p[0]);
	EXPECT_OK("SEIZE", ptrace(PTRACE_SEIZE, c, 0, 0));
	close(p[1]);
	expect_status("seized, exec", c, "exited 3");
}

/* CLONE_PTRACE: a traced task's child is traced too, without any option asking for it. */
static int clone_ptrace_child(void)
{
	long r = syscall(SYS_clone, CLONE_PTRACE | SIGCHLD, 0, 0, 0, 0);
	if (r == 0)
		_exit(8);
	int st;
	return waitpid(r, &st, 0) == r && WIFEXITED(st) && WEXITSTATUS(st) == 8 ? 0 : 1;
}

static void clone_ptrace(void)
{
	printf("== CLONE_PTRACE\n");
	pid_t c = traced_child(clone_ptrace_child);
	expect_status("first stop", c, "stopped SIGSTOP");
	ptrace(PTRACE_CONT, c, 0, 0);
	int st;
	pid_t g = waitpid(-1, &st, __WALL);
	EXPECT_TRUE("the new child stops first, traced", g > 0 && g != c && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
	ptrace(PTRACE_CONT, g, 0, 0);
	expect_status("it exits", g, "exited 8");
	expect_status("its parent saw that", c, "exited 0");
}

/* ---- group stop ---- */

static void read_status(pid_t pid, const char *key, char *out, size_t n)
{
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	int fd = open(path, O_RDONLY);
	long len = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (fd >= 0)
		close(fd);
	out[0] = 0;
	if (len <= 0)
		return;
	buf[len] = 0;
	char *line = strstr(buf, key);
	if (!line)
		return;
	line += strlen(key);
	while (*line == '\t' || *line == ' ')
		line++;
	size_t i = 0;
	while (line[i] && line[i] != '\n' && i + 1 < n) {
		out[i] = line[i];
		i++;
	}
	out[i] = 0;
}

static void group_stop(void)
{
	printf("== group stop\n");
	/* Not seized: the group-stop looks like a signal stop, but GETSIGINFO fails. */
	pid_t c = traced_child(sleeper);
	expect_status("first stop", c, "stopped SIGSTOP");
	siginfo_t si;
	EXPECT_OK("  GETSIGINFO (a signal-delivery-stop)", ptrace(PTRACE_GETSIGINFO, c, 0, &si));
	ptrace(PTRACE_CONT, c, 0, SIGSTOP);
	expect_status("SIGSTOP delivered: group-stop", c, "stopped SIGSTOP");
	EXPECT_ERR("  GETSIGINFO (a group-stop)", ptrace(PTRACE_GETSIGINFO, c, 0, &si), EINVAL);
	char s[64];
	read_status(c, "State:", s, sizeof s);
	conf_expect_str("  State", s, "t (tracing stop)");
	read_status(c, "TracerPid:", s, sizeof s);
	EXPECT_TRUE("  TracerPid is the tracer", atoi(s) == getpid());
	EXPECT_OK("KILL", ptrace(PTRACE_KILL, c, 0, 0));
	expect_status("killed", c, "killed SIGKILL");

	/* Seized: PTRACE_EVENT_STOP traps, LISTEN, and a notification when SIGCONT ends the group stop. */
	c = fork();
	if (c == 0)
		sleeper();
	EXPECT_OK("SEIZE", ptrace(PTRACE_SEIZE, c, 0, 0));
	read_status(c, "TracerPid:", s, sizeof s);
	EXPECT_TRUE("  TracerPid is the tracer", atoi(s) == getpid());
	kill(c, SIGSTOP);
	expect_status("kill(SIGSTOP)", c, "stopped SIGSTOP");
	EXPECT_OK("  GETSIGINFO", ptrace(PTRACE_GETSIGINFO, c, 0, &si));
	EXPECT_TRUE("  from us (SI_USER)", si.si_code == SI_USER && si.si_pid == getpid());
	ptrace(PTRACE_CONT, c, 0, SIGSTOP);
	expect_status("group-stop", c, "event-stop SIGSTOP");
	EXPECT_OK("  GETSIGINFO", ptrace(PTRACE_GETSIGINFO, c, 0, &si));
	EXPECT_TRUE("  SIGSTOP | EVENT_STOP << 8", si.si_signo == SIGSTOP && si.si_code == (SIGSTOP | PTRACE_EVENT_STOP << 8));
	EXPECT_OK("LISTEN", ptrace(PTRACE_LISTEN, c, 0, 0));
	int st;
	EXPECT_EQ("  nothing to wait for", waitpid(c, &st, __WALL | WNOHANG), 0);
	read_status(c, "State:", s, sizeof s);
	conf_expect_str("  State", s, "t (tracing stop)");
	kill(c, SIGCONT);
	expect_status("SIGCONT wakes the listener", c, "event-stop SIGTRAP");
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_status("SIGCONT itself", c, "stopped SIGCONT");
	ptrace(PTRACE_CONT, c, 0, SIGCONT);
	EXPECT_EQ("  running again", waitpid(c, &st, __WALL | WNOHANG), 0);
	kill(c, SIGKILL);
	expect_status("killed", c, "killed SIGKILL");
}

/* ---- permission checks ---- */

static void become_nobody(void)
{
	setgroups(0, NULL);
	if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0)
		_exit(90);
}

/* A child that runs as nobody (dumpable as asked: a change of ids makes a process non-dumpable), then waits. */
static pid_t nobody_sleeper(int dumpable, int ready[2])
{
	pid_t pid = fork();
	if (pid == 0) {
		become_nobody();
		if (dumpable >= 0)
			prctl(PR_SET_DUMPABLE, dumpable);
		pipe_say(ready[1], 'r');
		sleeper();
	}
	pipe_wait(ready[0]);
	return pid;
}

static void permissions(void)
{
	printf("== permission checks\n");
	int ready[2];
	pipe(ready);
	pid_t root = fork();
	if (root == 0)
		sleeper();
	pid_t dump = nobody_sleeper(1, ready);
	pid_t nodump = nobody_sleeper(0, ready);
	pid_t changed = nobody_sleeper(-1, ready);
	pid_t a = fork();
	if (a == 0) {
		become_nobody();
		prctl(PR_SET_DUMPABLE, 1);
		int r = 0;
		errno = 0;
		if (ptrace(PTRACE_SEIZE, root, 0, 0) == -1 && errno == EPERM)
			r |= 1;
		if (ptrace(PTRACE_SEIZE, dump, 0, 0) == 0)
			r |= 2;
		errno = 0;
		if (ptrace(PTRACE_SEIZE, nodump, 0, 0) == -1 && errno == EPERM)
			r |= 4;
		errno = 0;
		if (ptrace(PTRACE_SEIZE, changed, 0, 0) == -1 && errno == EPERM)
			r |= 8;
		errno = 0;
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) == 0)
			r |= 16; /* no uid check for TRACEME */
		_exit(r);
	}
	expect_status("nobody attaches: root EPERM (1), nobody ok (2), non-dumpable EPERM (4), after setuid EPERM (8), TRACEME ok (16)", a, "exited 31");
	EXPECT_OK("root (CAP_SYS_PTRACE) seizes the non-dumpable one", ptrace(PTRACE_SEIZE, nodump, 0, 0));
	pid_t all[] = {root, dump, nodump, changed};
	for (int i = 0; i < 4; i++) {
		kill(all[i], SIGKILL);
		expect_status("killed", all[i], "killed SIGKILL");
	}
	close(ready[0]);
	close(ready[1]);
}

/* ---- pending signals and masks ---- */

static int pending_child(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &set, NULL);
	union sigval v = {.sival_int = 1};
	sigqueue(getpid(), SIGRTMIN, v);
	v.sival_int = 2;
	sigqueue(getpid(), SIGRTMIN, v);
	kill(getpid(), SIGUSR2);
	raise(SIGUSR1); /* tgkill: this thread's own queue */
	raise(SIGSTOP);
	return 0;
}

static void pending(void)
{
	printf("== PEEKSIGINFO, GETSIGMASK, SETSIGMASK\n");
	pid_t c = traced_child(pending_child);
	expect_status("first stop", c, "stopped SIGSTOP");
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_status("second SIGSTOP", c, "stopped SIGSTOP");
	siginfo_t si[8];
	struct __ptrace_peeksiginfo_args a = {0, 0, 8};
	long n = ptrace(PTRACE_PEEKSIGINFO, c, &a, si);
	EXPECT_EQ("PEEKSIGINFO, the thread's queue", n, 1);
	EXPECT_TRUE("  SIGUSR1 by tgkill", si[0].si_signo == SIGUSR1 && si[0].si_code == SI_TKILL);
	a.flags = PTRACE_PEEKSIGINFO_SHARED;
	n = ptrace(PTRACE_PEEKSIGINFO, c, &a, si);
	EXPECT_EQ("PEEKSIGINFO, the process's queue", n, 3);
	EXPECT_TRUE("  in queue order", n == 3 && si[0].si_signo == SIGRTMIN && si[0].si_value.sival_int == 1 &&
		    si[1].si_signo == SIGRTMIN && si[1].si_value.sival_int == 2 && si[2].si_signo == SIGUSR2);
	a.off = 1;
	a.nr = 1;
	n = ptrace(PTRACE_PEEKSIGINFO, c, &a, si);
	EXPECT_TRUE("  from offset 1, one", n == 1 && si[0].si_value.sival_int == 2);
	a.off = 3;
	a.nr = 4;
	EXPECT_EQ("  from the end", ptrace(PTRACE_PEEKSIGINFO, c, &a, si), 0);
	a.off = 0;
	a.nr = 0;
	EXPECT_EQ("  none asked", ptrace(PTRACE_PEEKSIGINFO, c, &a, si), 0);
	a.nr = 2;
	EXPECT_ERR("  to a bad buffer", ptrace(PTRACE_PEEKSIGINFO, c, &a, 8), EFAULT);
	uint64_t mask = 0;
	EXPECT_OK("GETSIGMASK", ptrace(PTRACE_GETSIGMASK, c, 8, &mask));
	EXPECT_TRUE("  USR1, USR2 and RTMIN blocked",
		    mask == ((1ULL << (SIGUSR1 - 1)) | (1ULL << (SIGUSR2 - 1)) | (1ULL << (SIGRTMIN - 1))));
	mask = ~0ULL;
	EXPECT_OK("SETSIGMASK everything", ptrace(PTRACE_SETSIGMASK, c, 8, &mask));
	ptrace(PTRACE_GETSIGMASK, c, 8, &mask);
	EXPECT_TRUE("  all but SIGKILL and SIGSTOP", mask == ~((1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1))));
	mask = 0;
	EXPECT_OK("SETSIGMASK nothing", ptrace(PTRACE_SETSIGMASK, c, 8, &mask));
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_status("pending, in order", c, "stopped SIGUSR1");
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_status("then", c, "stopped SIGUSR2");
	ptrace(PTRACE_CONT, c, 0, 0);
	wait_for("then", c);
	ptrace(PTRACE_CONT, c, 0, 0);
	wait_for("then", c);
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_status("the child", c, "exited 0");
}

/* ---- seccomp ---- */

#define NR offsetof(struct seccomp_data, nr)
static struct sock_filter allow_all[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
static struct sock_filter trace_getppid[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE | 0x42),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};
static struct sock_filter errno_getppid[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

static long install(struct sock_filter *f, unsigned short n, unsigned flags)
{
	struct sock_fprog prog = {n, f};
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

static int seccomp_child(void)
{
	pid_t parent = getppid();
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	if (install(allow_all, 1, 0) < 0 || install(trace_getppid, 4, SECCOMP_FILTER_FLAG_LOG) < 0)
		return 50;
	raise(SIGSTOP);
	long a = syscall(SYS_getppid);
	long b = syscall(SYS_getppid);
	return (a == parent ? 1 : 0) | (b == parent ? 2 : 0);
}

static int seccomp_errno_child(void)
{
	pid_t parent = getppid();
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	install(errno_getppid, 4, 0);
	raise(SIGSTOP);
	return syscall(SYS_getppid) == parent ? 1 : 2;
}

static int seccomp_untraced_child(void)
{
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	install(trace_getppid, 4, 0);
	raise(SIGSTOP);
	errno = 0;
	return syscall(SYS_getppid) == -1 && errno == ENOSYS ? 1 : 2;
}

static void seccomp(void)
{
	printf("== seccomp\n");
	pid_t c = traced_child(seccomp_child);
	expect_status("first stop", c, "stopped SIGSTOP");
	EXPECT_ERR("SECCOMP_GET_FILTER without a filter", ptrace(PTRACE_SECCOMP_GET_FILTER, c, 0, NULL), EINVAL);
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_status("filters installed", c, "stopped SIGSTOP");
	EXPECT_EQ("SECCOMP_GET_FILTER 0 (the first installed)", ptrace(PTRACE_SECCOMP_GET_FILTER, c, 0, NULL), 1);
	EXPECT_EQ("SECCOMP_GET_FILTER 1", ptrace(PTRACE_SECCOMP_GET_FILTER, c, 1, NULL), 4);
	EXPECT_ERR("SECCOMP_GET_FILTER 2", ptrace(PTRACE_SECCOMP_GET_FILTER, c, 2, NULL), ENOENT);
	struct sock_filter got[4];
	memset(got, 0, sizeof got);
	EXPECT_EQ("SECCOMP_GET_FILTER 1 with a buffer", ptrace(PTRACE_SECCOMP_GET_FILTER, c, 1, got), 4);
	EXPECT_TRUE("  the program as installed", memcmp(got, trace_getppid, sizeof got) == 0);
	EXPECT_ERR("  to a bad buffer", ptrace(PTRACE_SECCOMP_GET_FILTER, c, 1, 8), EFAULT);
	struct seccomp_metadata md = {0, 99};
	EXPECT_EQ("SECCOMP_GET_METADATA 0", ptrace(PTRACE_SECCOMP_GET_METADATA, c, sizeof md, &md), 16);
	printf("  flags: %llu\n", (unsigned long long)md.flags);
	md.filter_off = 1;
	EXPECT_EQ("SECCOMP_GET_METADATA 1", ptrace(PTRACE_SECCOMP_GET_METADATA, c, sizeof md, &md), 16);
	EXPECT_TRUE("  flags: LOG", md.flags == SECCOMP_FILTER_FLAG_LOG);
	md.filter_off = 1;
	EXPECT_EQ("SECCOMP_GET_METADATA 1, 8 bytes", ptrace(PTRACE_SECCOMP_GET_METADATA, c, 8, &md), 8);
	EXPECT_ERR("SECCOMP_GET_METADATA, 4 bytes", ptrace(PTRACE_SECCOMP_GET_METADATA, c, 4, &md), EINVAL);
	md.filter_off = 5;
	EXPECT_ERR("SECCOMP_GET_METADATA 5", ptrace(PTRACE_SECCOMP_GET_METADATA, c, sizeof md, &md), ENOENT);
	EXPECT_ERR("SECCOMP_GET_METADATA from a bad pointer", ptrace(PTRACE_SECCOMP_GET_METADATA, c, sizeof md, 8), EFAULT);
	EXPECT_OK("SETOPTIONS TRACESECCOMP", ptrace(PTRACE_SETOPTIONS, c, 0, PTRACE_O_TRACESECCOMP));
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_status("getppid", c, "event SECCOMP SIGTRAP");
	EXPECT_EQ("  GETEVENTMSG: SECCOMP_RET_DATA", eventmsg(c), 0x42);
	struct ptrace_syscall_info info;
	memset(&info, 0, sizeof info);
	EXPECT_EQ("  GET_SYSCALL_INFO", ptrace(PTRACE_GET_SYSCALL_INFO, c, sizeof info, &info), 84);
	EXPECT_TRUE("  op SECCOMP, nr, ret_data", info.op == PTRACE_SYSCALL_INFO_SECCOMP && info.seccomp.nr == SYS_getppid &&
		    info.seccomp.ret_data == 0x42 && info.arch == ARCH);
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_status("getppid again", c, "event SECCOMP SIGTRAP");
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_status("both calls ran", c, "exited 3");

	c = traced_child(seccomp_untraced_child);
	expect_status("first stop", c, "stopped SIGSTOP");
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_status("filter installed", c, "stopped SIGSTOP");
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_status("RET_TRACE without TRACESECCOMP gives ENOSYS", c, "exited 1");

	c = traced_child(seccomp_errno_child);
	expect_status("first stop", c, "stopped SIGSTOP");
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_status("filter installed", c, "stopped SIGSTOP");
	EXPECT_OK("SETOPTIONS SUSPEND_SECCOMP", ptrace(PTRACE_SETOPTIONS, c, 0, PTRACE_O_SUSPEND_SECCOMP));
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_status("the filter is suspended", c, "exited 1");
}

/* ---- tracers that are not the parent, and tracers that exit ---- */


static void sigusr1_exits(int sig) { _exit(sig == SIGUSR1 ? 11 : 13); }

/* A sibling attaches to the child of its parent; the parent sees its child's end only after the tracer reaped it. */
static void foreign_tracer(void)
{
	printf("== a tracer that is not the parent\n");
	int go[2], told[2], reap[2];
	pipe(go);
	pipe(told);
	pipe(reap);
	pid_t t = fork();
	if (t == 0) {
		pipe_wait(go[0]); /* until traced */
		_exit(4);
	}
	pid_t m = fork();
	if (m == 0) {
		if (ptrace(PTRACE_ATTACH, t, 0, 0) < 0)
			_exit(30);
		int st;
		if (waitpid(t, &st, 0) != t || !WIFSTOPPED(st) || WSTOPSIG(st) != SIGSTOP)
			_exit(31);
		ptrace(PTRACE_SETOPTIONS, t, 0, PTRACE_O_TRACEEXIT);
		ptrace(PTRACE_CONT, t, 0, 0);
		pipe_say(go[1], 'g');
		if (waitpid(t, &st, 0) != t || EV(st) != PTRACE_EVENT_EXIT)
			_exit(32);
		ptrace(PTRACE_CONT, t, 0, 0);
		siginfo_t si;
		memset(&si, 0, sizeof si);
		if (waitid(P_PID, t, &si, WEXITED | WNOWAIT) != 0 || si.si_code != CLD_EXITED || si.si_status != 4)
			_exit(33);
		pipe_say(told[1], 'z'); /* a zombie now, still ours */
		pipe_wait(reap[0]);
		if (waitpid(t, &st, 0) != t || !WIFEXITED(st) || WEXITSTATUS(st) != 4)
			_exit(34);
		_exit(0);
	}
	pipe_wait(told[0]);
	int st;
	EXPECT_EQ("the parent's WNOHANG wait while the tracer holds the zombie", waitpid(t, &st, WNOHANG), 0);
	pipe_say(reap[1], 'r');
	expect_status("the tracer", m, "exited 0");
	expect_status("then the parent reaps it", t, "exited 4");
	int fds[] = {go[0], go[1], told[0], told[1], reap[0], reap[1]};
	for (int i = 0; i < 6; i++)
		close(fds[i]);
}

/* The tracer exits: its tracees go on (the signal they stopped for is delivered unless the tracer had waited for it), or die with EXITKILL. */
static void tracer_exit(int exitkill, int waited)
{
	printf("== the tracer exits (%s)\n", exitkill ? "EXITKILL" : waited ? "after wait" : "before wait");
	int go[2];
	pipe(go);
	pid_t t = fork();
	if (t == 0) {
		signal(SIGUSR1, sigusr1_exits);
		pipe_wait(go[0]);
		raise(SIGUSR1);
		_exit(12);
	}
	pid_t m = fork();
	if (m == 0) {
		if (ptrace(PTRACE_SEIZE, t, 0, exitkill ? PTRACE_O_EXITKILL : 0) < 0)
			_exit(30);
		pipe_say(go[1], 'g');
		if (exitkill)
			_exit(0);
		siginfo_t si;
		memset(&si, 0, sizeof si);
		if (waitid(P_PID, t, &si, WEXITED | WSTOPPED | (waited ? 0 : WNOWAIT)) != 0)
			_exit(31);
		_exit(si.si_code == CLD_TRAPPED && si.si_status == SIGUSR1 ? 0 : 32);
	}
	expect_status("the tracer", m, "exited 0");
	expect_status("the tracee", t, exitkill ? "killed SIGKILL" : waited ? "exited 12" : "exited 11");
	close(go[0]);
	close(go[1]);
}

/* ---- waitid for tracers ---- */

static void waitid_reports(void)
{
	printf("== waitid\n");
	pid_t c = traced_child(syscalls_child);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	EXPECT_OK("waitid WEXITED sees a ptrace stop", waitid(P_PID, c, &si, WEXITED));
	EXPECT_TRUE("  CLD_TRAPPED, SIGSTOP, the tracee", si.si_code == CLD_TRAPPED && si.si_status == SIGSTOP && si.si_pid == c);
	ptrace(PTRACE_SETOPTIONS, c, 0, PTRACE_O_TRACESYSGOOD);
	ptrace(PTRACE_SYSCALL, c, 0, 0);
	memset(&si, 0, sizeof si);
	EXPECT_OK("waitid WSTOPPED|WNOWAIT", waitid(P_PID, c, &si, WSTOPPED | WNOWAIT));
	EXPECT_TRUE("  CLD_TRAPPED, SIGTRAP|0x80", si.si_code == CLD_TRAPPED && si.si_status == (SIGTRAP | 0x80));
	int st;
	EXPECT_TRUE("wait4 still sees it", waitpid(c, &st, 0) == c);
	EXPECT_EQ("  then nothing", waitpid(c, &st, WNOHANG), 0);
	ptrace(PTRACE_KILL, c, 0, 0);
	memset(&si, 0, sizeof si);
	EXPECT_OK("waitid after KILL", waitid(P_PID, c, &si, WEXITED));
	EXPECT_TRUE("  CLD_KILLED, SIGKILL", si.si_code == CLD_KILLED && si.si_status == SIGKILL);
	EXPECT_ERR("nothing left", waitpid(-1, &st, __WALL | WNOHANG), ECHILD);
}

/* __WNOTHREAD: another thread of the tracer's group sees the tracee only without it, and may not make requests. */
static pid_t wnothread_target;

static void *other_thread(void *arg)
{
	siginfo_t si;
	int *r = arg;
	errno = 0;
	if (waitid(P_PID, wnothread_target, &si, WEXITED | WNOWAIT | __WNOTHREAD) == -1 && errno == ECHILD)
		*r |= 1;
	memset(&si, 0, sizeof si);
	if (waitid(P_PID, wnothread_target, &si, WEXITED | WNOWAIT) == 0 && si.si_code == CLD_TRAPPED)
		*r |= 2;
	errno = 0;
	if (ptrace(PTRACE_CONT, wnothread_target, 0, 0) == -1 && errno == ESRCH)
		*r |= 4;
	return NULL;
}

static void wnothread(void)
{
	printf("== __WNOTHREAD and the tracer thread\n");
	wnothread_target = traced_child(sleeper);
	int r = 0;
	pthread_t t;
	pthread_create(&t, NULL, other_thread, &r);
	pthread_join(t, NULL);
	EXPECT_EQ("another thread: ECHILD with __WNOTHREAD (1), the stop without (2), ESRCH for CONT (4)", r, 7);
	int st;
	EXPECT_TRUE("the tracer thread waits with __WNOTHREAD", waitpid(wnothread_target, &st, __WNOTHREAD) == wnothread_target &&
		    WIFSTOPPED(st));
	ptrace(PTRACE_KILL, wnothread_target, 0, 0);
	expect_status("killed", wnothread_target, "killed SIGKILL");
}

/* ---- DETACH with a signal, rseq ---- */

static int detach_child(void)
{
	signal(SIGUSR1, sigusr1_exits);
	raise(SIGSTOP);
	return 1;
}

static void detach_and_rseq(void)
{
	printf("== DETACH with a signal, GET_RSEQ_CONFIGURATION\n");
	pid_t c = traced_child(detach_child);
	expect_status("first stop", c, "stopped SIGSTOP");
	struct {
		uint64_t ptr;
		uint32_t size, sig, flags, pad;
	} conf;
	memset(&conf, 0, sizeof conf);
	EXPECT_EQ("GET_RSEQ_CONFIGURATION", ptrace(0x420f, c, sizeof conf, &conf), 24);
	EXPECT_TRUE("  glibc registered rseq", conf.ptr != 0 && conf.size >= 32 && conf.flags == 0);
	ptrace(PTRACE_CONT, c, 0, 0);
	expect_status("second SIGSTOP", c, "stopped SIGSTOP");
	EXPECT_OK("DETACH with SIGUSR1", ptrace(PTRACE_DETACH, c, 0, SIGUSR1));
	expect_status("the handler ran", c, "exited 11");
}

int main(int argc, char **argv)
{
	progname = argv[0];
	if (argc > 1 && strcmp(argv[1], "exit3") == 0)
		return 3;
	setvbuf(stdout, NULL, _IONBF, 0);
	errnos();
	signal_stops();
	syscall_stops();
	memory();
	events(0);
	events(1);
	exec_sigtrap();
	clone_ptrace();
	group_stop();
	permissions();
	pending();
	seccomp();
	foreign_tracer();
	tracer_exit(0, 1);
	tracer_exit(0, 0);
	tracer_exit(1, 0);
	waitid_reports();
	wnothread();
	detach_and_rseq();
	return conf_exit();
}
