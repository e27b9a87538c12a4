/* seccomp: strict mode, classic-BPF filters and every action, their checks and errnos, stacking, inheritance by fork,
 * execve and threads (TSYNC), and what /proc and prctl report. Each case runs in a child, whose end the parent reports.
 * Native oracle: qemu-user 7.2 answers prctl(PR_SET_SECCOMP) with EINVAL and has no seccomp(2). Syscall numbers and the
 * audit arch come from the architecture the program is built for; only relations and portable values are printed. */
#include "../conformance.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#else
#error "unknown architecture"
#endif

#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1 /* SIGSYS's si_code from seccomp */
#endif

#define NR offsetof(struct seccomp_data, nr)
#define ARG0 offsetof(struct seccomp_data, args[0])
#define STMT(code, k) BPF_STMT(code, k)
#define JUMP(code, k, jt, jf) BPF_JUMP(code, k, jt, jf)
/* "getppid gets ACTION, everything else is allowed" */
#define ON_GETPPID(action) STMT(BPF_LD | BPF_W | BPF_ABS, NR), JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1), \
	STMT(BPF_RET | BPF_K, (action)), STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

static long sc(unsigned op, unsigned flags, void *args) { return syscall(SYS_seccomp, op, flags, args); }

static long install_n(struct sock_filter *f, unsigned short n, unsigned flags)
{
	struct sock_fprog prog = {n, f};
	return sc(SECCOMP_SET_MODE_FILTER, flags, &prog);
}
#define INSTALL(f, flags) install_n(f, sizeof(f) / sizeof(f[0]), flags)

static long on_getppid(unsigned action, unsigned flags)
{
	struct sock_filter f[] = {ON_GETPPID(action)};
	return INSTALL(f, flags);
}

static void say(const char *s) { syscall(SYS_write, 1, s, strlen(s)); }

/* The seccomp lines of a status file, as the kernel wrote them. */
static void status_lines(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY);
	long n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0) {
		printf("  %s: unreadable\n", path);
		return;
	}
	buf[n] = 0;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (!strncmp(line, "NoNewPrivs:", 11) || !strncmp(line, "Seccomp:", 8) || !strncmp(line, "Seccomp_filters:", 16))
			printf("  %s\n", line);
}

static int dump_core;

/* Runs one case in a child and reports how it ended. */
static void run(const char *name, int (*fn)(void))
{
	printf("== %s\n", name);
	pid_t pid = fork();
	if (pid == 0) {
		/* Without dump_core a fatal SIGSYS dumps no core: WCOREDUMP is 0. */
		struct rlimit core = {dump_core ? RLIM_INFINITY : 0, dump_core ? RLIM_INFINITY : 0};
		setrlimit(RLIMIT_CORE, &core);
		_exit(fn());
	}
	int status;
	waitpid(pid, &status, 0);
	if (WIFEXITED(status))
		printf("  exited %d\n", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		printf("  killed by SIG%s, core %d\n", sigabbrev_np(WTERMSIG(status)), WCOREDUMP(status) ? 1 : 0);
}

static int nnp(void) { return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); }

/* ---- argument checks, without a filter ---- */

static void errnos(void)
{
	struct sock_filter allow[] = {STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
	struct sock_fprog prog = {1, allow};
	EXPECT_ERR("unknown operation", sc(99, 0, NULL), EINVAL);
	EXPECT_ERR("strict with flags", sc(SECCOMP_SET_MODE_STRICT, 1, NULL), EINVAL);
	EXPECT_ERR("strict with arguments", sc(SECCOMP_SET_MODE_STRICT, 0, &prog), EINVAL);
	EXPECT_ERR("filter with an unknown flag", sc(SECCOMP_SET_MODE_FILTER, 1 << 10, &prog), EINVAL);
	EXPECT_ERR("TSYNC with NEW_LISTENER", sc(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog), EINVAL);
	EXPECT_ERR("WAIT_KILLABLE_RECV alone", sc(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, &prog), EINVAL);
	EXPECT_ERR("a bad sock_fprog pointer", sc(SECCOMP_SET_MODE_FILTER, 0, (void *)8), EFAULT);
	struct sock_fprog empty = {0, allow}, huge = {4097, allow}, null = {1, NULL}, bad = {1, (void *)8};
	EXPECT_ERR("no instructions", sc(SECCOMP_SET_MODE_FILTER, 0, &empty), EINVAL);
	EXPECT_ERR("4097 instructions", sc(SECCOMP_SET_MODE_FILTER, 0, &huge), EINVAL);
	EXPECT_ERR("a NULL program", sc(SECCOMP_SET_MODE_FILTER, 0, &null), EINVAL);
	EXPECT_ERR("a bad program pointer", sc(SECCOMP_SET_MODE_FILTER, 0, &bad), EFAULT);
	EXPECT_ERR("prctl SET_SECCOMP with mode 3", prctl(PR_SET_SECCOMP, 3, 0, 0, 0), EINVAL);
	EXPECT_EQ("PR_GET_SECCOMP", prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 0);

	uint32_t action = SECCOMP_RET_ALLOW;
	const uint32_t known[] = {SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_KILL_THREAD, SECCOMP_RET_TRAP, SECCOMP_RET_ERRNO,
		SECCOMP_RET_USER_NOTIF, SECCOMP_RET_TRACE, SECCOMP_RET_LOG, SECCOMP_RET_ALLOW};
	int all = 1;
	for (unsigned i = 0; i < sizeof known / sizeof known[0]; i++)
		all &= sc(SECCOMP_GET_ACTION_AVAIL, 0, (void *)&known[i]) == 0;
	EXPECT_TRUE("GET_ACTION_AVAIL knows the eight actions", all);
	action = 0x00010000;
	EXPECT_ERR("GET_ACTION_AVAIL of an unknown action", sc(SECCOMP_GET_ACTION_AVAIL, 0, &action), EOPNOTSUPP);
	action = SECCOMP_RET_ERRNO | 5;
	EXPECT_ERR("  with a data part", sc(SECCOMP_GET_ACTION_AVAIL, 0, &action), EOPNOTSUPP);
	EXPECT_ERR("  with flags", sc(SECCOMP_GET_ACTION_AVAIL, 1, &action), EINVAL);
	EXPECT_ERR("  from a bad pointer", sc(SECCOMP_GET_ACTION_AVAIL, 0, (void *)8), EFAULT);
	struct seccomp_notif_sizes sizes = {0};
	EXPECT_EQ("GET_NOTIF_SIZES", sc(SECCOMP_GET_NOTIF_SIZES, 0, &sizes), 0);
	printf("  notif %u, resp %u, data %u\n", sizes.seccomp_notif, sizes.seccomp_notif_resp, sizes.seccomp_data);
	EXPECT_ERR("  with flags", sc(SECCOMP_GET_NOTIF_SIZES, 1, &sizes), EINVAL);
	EXPECT_ERR("  to a bad pointer", sc(SECCOMP_GET_NOTIF_SIZES, 0, (void *)8), EFAULT);
	status_lines("/proc/self/status");
	char buf[128] = {0};
	int fd = open("/proc/sys/kernel/seccomp/actions_avail", O_RDONLY);
	read(fd, buf, sizeof buf - 1);
	close(fd);
	printf("actions_avail: %s", buf);
	memset(buf, 0, sizeof buf);
	fd = open("/proc/sys/kernel/seccomp/actions_logged", O_RDONLY);
	read(fd, buf, sizeof buf - 1);
	close(fd);
	printf("actions_logged: %s", buf);
}

/* Programs Linux refuses (bpf_check_classic, seccomp_check_filter). */
static void bad_programs(void)
{
	struct {
		const char *what;
		struct sock_filter f[4];
		unsigned short n;
	} cases[] = {
		{"a last instruction that is no return", {STMT(BPF_LD | BPF_W | BPF_ABS, NR)}, 1},
		{"an unknown opcode", {STMT(0xffff, 0), STMT(BPF_RET | BPF_K, 0)}, 2},
		{"BPF_MOD (classic, but not seccomp)", {STMT(BPF_ALU | BPF_MOD | BPF_K, 3), STMT(BPF_RET | BPF_K, 0)}, 2},
		{"a half-word load", {STMT(BPF_LD | BPF_H | BPF_ABS, 0), STMT(BPF_RET | BPF_K, 0)}, 2},
		{"an indirect load", {STMT(BPF_LD | BPF_W | BPF_IND, 0), STMT(BPF_RET | BPF_K, 0)}, 2},
		{"BPF_MSH", {STMT(BPF_LDX | BPF_B | BPF_MSH, 0), STMT(BPF_RET | BPF_K, 0)}, 2},
		{"a misaligned load", {STMT(BPF_LD | BPF_W | BPF_ABS, 2), STMT(BPF_RET | BPF_K, 0)}, 2},
		{"a load past seccomp_data", {STMT(BPF_LD | BPF_W | BPF_ABS, 64), STMT(BPF_RET | BPF_K, 0)}, 2},
		{"an ancillary load", {STMT(BPF_LD | BPF_W | BPF_ABS, 0xfffff000), STMT(BPF_RET | BPF_K, 0)}, 2},
		{"a jump past the end", {STMT(BPF_JMP | BPF_JA, 1), STMT(BPF_RET | BPF_K, 0)}, 2},
		{"a conditional jump past the end", {JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), STMT(BPF_RET | BPF_K, 0)}, 2},
		{"a load of scratch memory never stored", {STMT(BPF_LD | BPF_MEM, 3), STMT(BPF_RET | BPF_A, 0)}, 2},
		{"a store past scratch memory", {STMT(BPF_ST, 16), STMT(BPF_RET | BPF_K, 0)}, 2},
		{"a division by a constant 0", {STMT(BPF_ALU | BPF_DIV | BPF_K, 0), STMT(BPF_RET | BPF_K, 0)}, 2},
		{"a shift by 32", {STMT(BPF_ALU | BPF_LSH | BPF_K, 32), STMT(BPF_RET | BPF_K, 0)}, 2},
		{"a store on one path only", {JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), STMT(BPF_ST, 0), STMT(BPF_LD | BPF_MEM, 0), STMT(BPF_RET | BPF_A, 0)}, 4},
	};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++)
		EXPECT_ERR(cases[i].what, install_n(cases[i].f, cases[i].n, 0), EINVAL);
	EXPECT_EQ("  and nothing was installed", prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 0);
}

/* ---- cases in children ---- */

static int strict_ok(void)
{
	say("  strict mode: write works\n");
	if (sc(SECCOMP_SET_MODE_STRICT, 0, NULL) != 0)
		return 1;
	say("  after strict mode: write still works\n");
	char c;
	syscall(SYS_read, 0, &c, 0);
	syscall(SYS_exit, 5);
	return 9;
}

static int strict_getpid(void)
{
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0) != 0)
		return 1;
	say("  strict mode through prctl; now getpid\n");
	syscall(SYS_getpid);
	say("  getpid returned\n");
	return 2;
}

static int strict_prctl(void)
{
	sc(SECCOMP_SET_MODE_STRICT, 0, NULL);
	prctl(PR_GET_SECCOMP, 0, 0, 0, 0); /* not one of the four calls */
	return 2;
}

static int strict_exit_group(void)
{
	sc(SECCOMP_SET_MODE_STRICT, 0, NULL);
	_exit(0); /* exit_group is not exit */
}

static int unprivileged(void)
{
	if (setuid(65534) != 0)
		return 1;
	struct sock_filter f[] = {ON_GETPPID(SECCOMP_RET_ERRNO | EPERM)};
	struct sock_fprog prog = {2 + 2, f};
	struct sock_fprog empty = {0, f};
	EXPECT_ERR("a filter without no_new_privs or CAP_SYS_ADMIN", INSTALL(f, 0), EACCES);
	EXPECT_ERR("  through prctl", prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0), EACCES);
	EXPECT_ERR("  but a bad length is checked first", sc(SECCOMP_SET_MODE_FILTER, 0, &empty), EINVAL);
	EXPECT_EQ("PR_SET_NO_NEW_PRIVS", nnp(), 0);
	EXPECT_EQ("then the filter goes on", prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0), 0);
	EXPECT_ERR("  getppid", syscall(SYS_getppid), EPERM);
	EXPECT_ERR("  strict mode on top of a filter", sc(SECCOMP_SET_MODE_STRICT, 0, NULL), EINVAL);
	return conf_exit();
}

static int unprivileged_strict(void)
{
	if (setuid(65534) != 0)
		return 1;
	if (sc(SECCOMP_SET_MODE_STRICT, 0, NULL) != 0) /* strict mode needs no privilege */
		return 2;
	say("  strict mode without privileges\n");
	syscall(SYS_exit, 0);
	return 3;
}

static int errno_action(void)
{
	nnp();
	EXPECT_EQ("ERRNO|EPERM for getppid", on_getppid(SECCOMP_RET_ERRNO | EPERM, 0), 0);
	EXPECT_ERR("  getppid", syscall(SYS_getppid), EPERM);
	EXPECT_TRUE("  getpid still works", syscall(SYS_getpid) == getpid());
	EXPECT_EQ("  PR_GET_SECCOMP", prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 2);
	status_lines("/proc/self/status");
	EXPECT_EQ("ERRNO|0 on top", on_getppid(SECCOMP_RET_ERRNO | 0, 0), 0);
	EXPECT_EQ("  getppid returns 0", syscall(SYS_getppid), 0);
	status_lines("/proc/self/status");
	return conf_exit();
}

static int errno_capped(void)
{
	nnp();
	on_getppid(SECCOMP_RET_ERRNO | 5000, 0);
	errno = 0;
	long r = syscall(SYS_getppid);
	printf("  ERRNO|5000: %ld, errno %d\n", r, errno); /* MAX_ERRNO */
	on_getppid(SECCOMP_RET_ERRNO | 512, 0);
	errno = 0;
	r = syscall(SYS_getppid);
	printf("  ERRNO|512 (ERESTARTSYS, no signal): %ld, errno %d\n", r, errno);
	return 0;
}

static volatile siginfo_t trapped;
static volatile int traps;

static void on_sigsys(int sig, siginfo_t *info, void *uc)
{
	(void)sig, (void)uc;
	trapped = *info;
	traps++;
}

static int trap_action(void)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSYS, &sa, NULL);
	nnp();
	on_getppid(SECCOMP_RET_TRAP | 0x42, 0);
	/* x0/rax as the handler found it: arm64 keeps the first argument, x86 the number; both are SYS_getppid here. */
	long r = syscall(SYS_getppid, SYS_getppid, 2, 3);
	EXPECT_TRUE("TRAP: getppid did not run and returned its register", r == SYS_getppid);
	EXPECT_EQ("  handler calls", traps, 1);
	EXPECT_EQ("  si_signo", trapped.si_signo, SIGSYS);
	EXPECT_EQ("  si_code (SYS_SECCOMP)", trapped.si_code, SYS_SECCOMP);
	EXPECT_EQ("  si_errno (the data)", trapped.si_errno, 0x42);
	EXPECT_TRUE("  si_syscall", trapped.si_syscall == SYS_getppid);
	EXPECT_TRUE("  si_arch", trapped.si_arch == ARCH);
	EXPECT_TRUE("  si_call_addr is set", trapped.si_call_addr != NULL);
	return conf_exit();
}

static int trap_blocked(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGSYS);
	sigprocmask(SIG_BLOCK, &set, NULL);
	nnp();
	on_getppid(SECCOMP_RET_TRAP, 0);
	syscall(SYS_getppid);
	return 3;
}

static int trap_ignored(void)
{
	signal(SIGSYS, SIG_IGN);
	nnp();
	on_getppid(SECCOMP_RET_TRAP, 0);
	syscall(SYS_getppid);
	return 3;
}

static int kill_process(void)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSYS, &sa, NULL); /* a handler does not save it */
	nnp();
	on_getppid(SECCOMP_RET_KILL_PROCESS, 0);
	syscall(SYS_getppid);
	return 3;
}

static int kill_thread_alone(void)
{
	nnp();
	on_getppid(SECCOMP_RET_KILL_THREAD, 0);
	syscall(SYS_getppid);
	return 3;
}

static int unknown_action(void)
{
	nnp();
	on_getppid(0x00010000, 0);
	syscall(SYS_getppid);
	return 3;
}

static int pipe_fds[2];

static void *sleeper(void *arg)
{
	(void)arg;
	char c;
	read(pipe_fds[0], &c, 1);
	return NULL;
}

static int kill_process_threads(void)
{
	pthread_t t;
	pipe(pipe_fds);
	pthread_create(&t, NULL, sleeper, NULL);
	nnp();
	on_getppid(SECCOMP_RET_KILL_PROCESS, 0);
	syscall(SYS_getppid);
	return 3;
}

static void *killed_thread(void *arg)
{
	(void)arg;
	on_getppid(SECCOMP_RET_KILL_THREAD, 0); /* this thread only */
	syscall(SYS_getppid);
	say("  the thread survived\n");
	return NULL;
}

static int kill_thread_of_two(void)
{
	pthread_t t;
	nnp();
	pthread_create(&t, NULL, killed_thread, NULL);
	pthread_join(t, NULL);
	say("  the other thread was joined\n");
	EXPECT_TRUE("  getppid works here", syscall(SYS_getppid) == getppid());
	return 7;
}

static int div_by_zero(void)
{
	struct sock_filter f[] = {
		STMT(BPF_LD | BPF_W | BPF_ABS, NR),
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 1, 0),
		STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		STMT(BPF_LDX | BPF_IMM, 0),
		STMT(BPF_ALU | BPF_DIV | BPF_X, 0), /* ends the program with 0: KILL_THREAD */
		STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	nnp();
	INSTALL(f, 0);
	syscall(SYS_getppid);
	return 3;
}

static int log_trace_notif(void)
{
	nnp();
	EXPECT_EQ("LOG for getppid", on_getppid(SECCOMP_RET_LOG, SECCOMP_FILTER_FLAG_LOG), 0);
	EXPECT_TRUE("  getppid runs", syscall(SYS_getppid) == getppid());
	EXPECT_EQ("TRACE for getppid", on_getppid(SECCOMP_RET_TRACE | 3, 0), 0);
	EXPECT_ERR("  without a tracer it fails", syscall(SYS_getppid), ENOSYS);
	EXPECT_EQ("USER_NOTIF for getppid, no listener", on_getppid(SECCOMP_RET_USER_NOTIF, SECCOMP_FILTER_FLAG_SPEC_ALLOW), 0);
	EXPECT_ERR("  fails with ENOSYS", syscall(SYS_getppid), ENOSYS);
	EXPECT_EQ("ALLOW for everything", INSTALL(((struct sock_filter[]){STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)}), 0), 0);
	EXPECT_ERR("  the stricter filter still wins", syscall(SYS_getppid), ENOSYS);
	status_lines("/proc/self/status");
	return conf_exit();
}

static int stacking(void)
{
	nnp();
	on_getppid(SECCOMP_RET_ERRNO | EPERM, 0);
	on_getppid(SECCOMP_RET_ERRNO | EACCES, 0);
	EXPECT_ERR("two ERRNOs: the newest filter's data", syscall(SYS_getppid), EACCES);
	on_getppid(SECCOMP_RET_TRACE, 0);
	on_getppid(SECCOMP_RET_LOG, 0);
	EXPECT_ERR("ERRNO beats TRACE and LOG", syscall(SYS_getppid), EACCES);
	struct sigaction sa = {0};
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSYS, &sa, NULL);
	on_getppid(SECCOMP_RET_TRAP | 9, 0);
	syscall(SYS_getppid, SYS_getppid);
	EXPECT_TRUE("TRAP beats ERRNO", traps == 1 && trapped.si_errno == 9);
	status_lines("/proc/self/status");
	on_getppid(SECCOMP_RET_KILL_THREAD, 0);
	say("  KILL_THREAD beats TRAP:\n");
	syscall(SYS_getppid);
	return 3;
}

static int interpreter(void)
{
	/* Every ALU, jump and memory instruction seccomp takes, on args[0] = 7; the result is the errno. */
	struct sock_filter f[] = {
		STMT(BPF_LD | BPF_W | BPF_ABS, NR),
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 1, 0),
		STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		STMT(BPF_LD | BPF_W | BPF_ABS, ARG0),  /* 7 */
		STMT(BPF_ALU | BPF_ADD | BPF_K, 3),    /* 10 */
		STMT(BPF_ALU | BPF_MUL | BPF_K, 5),    /* 50 */
		STMT(BPF_ALU | BPF_SUB | BPF_K, 1),    /* 49 */
		STMT(BPF_ST, 0),
		STMT(BPF_LDX | BPF_IMM, 2),
		STMT(BPF_ALU | BPF_DIV | BPF_X, 0),    /* 24 */
		STMT(BPF_ALU | BPF_OR | BPF_K, 0x100), /* 280 */
		STMT(BPF_ALU | BPF_XOR | BPF_K, 3),    /* 283 */
		STMT(BPF_ALU | BPF_LSH | BPF_K, 4),    /* 4528 */
		STMT(BPF_ALU | BPF_RSH | BPF_K, 3),    /* 566 */
		STMT(BPF_ALU | BPF_NEG, 0),
		STMT(BPF_ALU | BPF_NEG, 0),            /* 566 */
		STMT(BPF_ALU | BPF_AND | BPF_K, 0x3ff), /* 566 */
		STMT(BPF_MISC | BPF_TAX, 0),           /* X = 566 */
		STMT(BPF_LD | BPF_W | BPF_LEN, 0),     /* 64 */
		STMT(BPF_ALU | BPF_ADD | BPF_X, 0),    /* 630 */
		STMT(BPF_STX, 1),                      /* M[1] = 566 */
		STMT(BPF_LDX | BPF_MEM, 0),            /* X = 49 */
		STMT(BPF_ALU | BPF_SUB | BPF_X, 0),    /* 581 */
		JUMP(BPF_JMP | BPF_JGT | BPF_X, 0, 1, 0), /* 581 > 49 */
		STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 1),
		JUMP(BPF_JMP | BPF_JGE | BPF_K, 581, 1, 0),
		STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 2),
		JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x200, 1, 0), /* 581 = 0x245 */
		STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 3),
		JUMP(BPF_JMP | BPF_JEQ | BPF_X, 0, 0, 1), /* 581 != 49 */
		STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 4),
		STMT(BPF_JMP | BPF_JA, 1),
		STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 5),
		STMT(BPF_LDX | BPF_IMM, 3),
		STMT(BPF_ALU | BPF_MUL | BPF_X, 0),    /* 1743 */
		STMT(BPF_ALU | BPF_AND | BPF_X, 0),    /* 1743 & 3 = 3 */
		STMT(BPF_ALU | BPF_OR | BPF_X, 0),     /* 3 */
		STMT(BPF_ALU | BPF_LSH | BPF_X, 0),    /* 24 */
		STMT(BPF_ALU | BPF_XOR | BPF_X, 0),    /* 27 */
		STMT(BPF_LDX | BPF_IMM, 35),
		STMT(BPF_ALU | BPF_LSH | BPF_X, 0),    /* shift counts are taken mod 32: 27 << 3 = 216 */
		STMT(BPF_LDX | BPF_IMM, 1),
		STMT(BPF_ALU | BPF_RSH | BPF_X, 0),    /* 108 */
		JUMP(BPF_JMP | BPF_JSET | BPF_X, 0, 0, 1), /* 108 & 1 = 0 */
		STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 6),
		JUMP(BPF_JMP | BPF_JGE | BPF_X, 0, 1, 0),
		STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 7),
		STMT(BPF_LD | BPF_MEM, 1),             /* 566 */
		STMT(BPF_ALU | BPF_ADD | BPF_K, 108),  /* 674 */
		STMT(BPF_MISC | BPF_TXA, 0),           /* 1 */
		STMT(BPF_LD | BPF_MEM, 1),
		STMT(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO),
		STMT(BPF_RET | BPF_A, 0),
	};
	nnp();
	EXPECT_EQ("a program with every instruction", INSTALL(f, 0), 0);
	errno = 0;
	long r = syscall(SYS_getppid, 7);
	printf("  getppid(7): %ld, errno %d\n", r, errno);
	/* The arch check programs use. */
	struct sock_filter arch[] = {
		STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0),
		STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
		JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x1234, 0, 1),
		STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 11),
		STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	EXPECT_EQ("an arch check and a second argument", INSTALL(arch, 0), 0);
	EXPECT_ERR("  getpid(0, 0x1234)", syscall(SYS_getpid, 0, 0x1234), EAGAIN);
	EXPECT_TRUE("  getpid(0, 0)", syscall(SYS_getpid, 0, 0) == getpid());
	return conf_exit();
}

/* With RLIMIT_CORE a killed process dumps core (the host writes "core" into the working directory, a fresh one). */
static void with_core(void)
{
	char dir[] = "/tmp/seccomp-core-XXXXXX";
	int cwd = open(".", O_RDONLY | O_DIRECTORY);
	if (!mkdtemp(dir) || chdir(dir) != 0) {
		printf("no temporary directory\n");
		return;
	}
	dump_core = 1;
	run("KILL_PROCESS with RLIMIT_CORE", kill_process);
	run("KILL_THREAD of the only thread with RLIMIT_CORE", kill_thread_alone);
	run("strict mode, then getpid, with RLIMIT_CORE", strict_getpid);
	dump_core = 0;
	DIR *d = opendir(".");
	for (struct dirent *e; d && (e = readdir(d));)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlink(e->d_name);
	if (d)
		closedir(d);
	fchdir(cwd);
	close(cwd);
	rmdir(dir);
}

/* The limit of MAX_INSNS_PER_PATH (32768) counts the eBPF instructions Linux converts each program to, plus 4 per
 * filter: a prologue of 3, 2 per constant return, 5 per division by X (its zero check), 2 per jump on a negative
 * constant, 2 per conditional jump that needs a JA for its false branch. */
static struct sock_filter big[4096];
static int big_len;

static int too_many(void)
{
	for (int i = 0; i < 4096; i++)
		big[i] = (struct sock_filter)STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	nnp();
	int ok = 1;
	for (int i = 0; i < 3; i++)
		ok &= install_n(big, 4096, 0) == 0;
	EXPECT_TRUE("three filters of 4096 returns", ok);
	EXPECT_ERR("a fourth", install_n(big, 4096, 0), ENOMEM);
	EXPECT_ERR("  one of 4085", install_n(big, 4085, 0), ENOMEM);
	EXPECT_EQ("  one of 4084 fits", install_n(big, 4084, 0), 0);
	EXPECT_ERR("  then nothing more", install_n(big, 1, 0), ENOMEM);
	status_lines("/proc/self/status");
	return conf_exit();
}

/* How many copies of the program in big fit. */
static int fits(void)
{
	nnp();
	int n = 0;
	while (n < 20 && install_n(big, big_len, 0) == 0)
		n++;
	printf("  %d fit, then %s\n", n, strerrorname_np(errno));
	return 0;
}

/* A program that allows at once, followed by copies of one instruction (never run) and returns. */
static void limit_case(const char *name, struct sock_filter body, int copies, int returns)
{
	big[0] = (struct sock_filter)STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	for (int i = 1; i <= copies; i++)
		big[i] = body;
	for (int i = 1; i <= returns; i++)
		big[copies + i] = (struct sock_filter)STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	big_len = 1 + copies + returns;
	run(name, fits);
}

static void converted_limits(void)
{
	limit_case("4094 divisions by X", (struct sock_filter)STMT(BPF_ALU | BPF_DIV | BPF_X, 0), 4094, 1);
	limit_case("4094 divisions by a constant", (struct sock_filter)STMT(BPF_ALU | BPF_DIV | BPF_K, 3), 4094, 1);
	limit_case("4094 JEQ on a positive constant", (struct sock_filter)JUMP(BPF_JMP | BPF_JEQ | BPF_K, 5, 0, 0), 4094, 1);
	limit_case("4094 JEQ on a negative constant", (struct sock_filter)JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x80000000u, 0, 0), 4094, 1);
	limit_case("4093 JEQ with a false branch", (struct sock_filter)JUMP(BPF_JMP | BPF_JEQ | BPF_K, 5, 0, 1), 4093, 2);
	limit_case("4093 JGT on X with a false branch", (struct sock_filter)JUMP(BPF_JMP | BPF_JGT | BPF_X, 0, 0, 1), 4093, 2);
	limit_case("4093 JSET with a false branch", (struct sock_filter)JUMP(BPF_JMP | BPF_JSET | BPF_K, 5, 0, 1), 4093, 2);
	limit_case("4093 JSET without one", (struct sock_filter)JUMP(BPF_JMP | BPF_JSET | BPF_K, 5, 1, 0), 4093, 2);
	limit_case("4093 JGE with both branches", (struct sock_filter)JUMP(BPF_JMP | BPF_JGE | BPF_K, 5, 1, 1), 4093, 2);
	limit_case("4094 returns of A", (struct sock_filter)STMT(BPF_RET | BPF_A, 0), 4094, 1);
}

static int inherit(void)
{
	nnp();
	on_getppid(SECCOMP_RET_ERRNO | EPERM, 0);
	pid_t pid = fork();
	if (pid == 0) {
		EXPECT_ERR("  a forked child: getppid", syscall(SYS_getppid), EPERM);
		status_lines("/proc/self/status");
		_exit(conf_exit());
	}
	int status;
	waitpid(pid, &status, 0);
	printf("  the child exited %d\n", WEXITSTATUS(status));
	fflush(stdout);
	execl("/proc/self/exe", "seccomp", "exec-check", (char *)NULL);
	return 4;
}

static int exec_check(void)
{
	EXPECT_ERR("  after execve: getppid", syscall(SYS_getppid), EPERM);
	EXPECT_EQ("  PR_GET_SECCOMP", prctl(PR_GET_SECCOMP, 0, 0, 0, 0), 2);
	status_lines("/proc/self/status");
	return conf_exit() ? 1 : 6;
}

/* ---- threads ---- */

static int go[2], done[2];
static volatile long thread_tid;

static void *sibling(void *arg)
{
	int own_filter = (int)(intptr_t)arg;
	thread_tid = syscall(SYS_gettid);
	if (own_filter == 1)
		on_getppid(SECCOMP_RET_ERRNO | EACCES, 0);
	write(done[1], "r", 1);
	char c;
	read(go[0], &c, 1);
	char path[64];
	snprintf(path, sizeof path, "/proc/self/task/%ld/status", thread_tid);
	errno = 0;
	long r = syscall(SYS_getppid);
	printf("  sibling: getppid %s, PR_GET_NO_NEW_PRIVS %d\n", r == -1 ? strerrorname_np(errno) : "ran",
		prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	status_lines(path);
	write(done[1], "d", 1);
	return NULL;
}

static pthread_t start_sibling(int own_filter)
{
	pthread_t t;
	char c;
	pthread_create(&t, NULL, sibling, (void *)(intptr_t)own_filter);
	read(done[0], &c, 1);
	return t;
}

static void finish_sibling(pthread_t t)
{
	char c;
	write(go[1], "g", 1);
	read(done[0], &c, 1);
	pthread_join(t, NULL);
}

static int tsync(void)
{
	pipe(go);
	pipe(done);
	pthread_t t = start_sibling(0);
	nnp(); /* this thread only */
	EXPECT_EQ("TSYNC", on_getppid(SECCOMP_RET_ERRNO | EPERM, SECCOMP_FILTER_FLAG_TSYNC), 0);
	finish_sibling(t);
	EXPECT_ERR("  and here", syscall(SYS_getppid), EPERM);

	t = start_sibling(0);
	EXPECT_EQ("a filter on this thread only", on_getppid(SECCOMP_RET_ERRNO | ENOENT, 0), 0);
	EXPECT_EQ("TSYNC: the sibling's filter is an ancestor", on_getppid(SECCOMP_RET_ERRNO | EPERM, SECCOMP_FILTER_FLAG_TSYNC), 0);
	finish_sibling(t);
	return conf_exit();
}

static int tsync_conflict(void)
{
	pipe(go);
	pipe(done);
	nnp();
	pthread_t t = start_sibling(1); /* the sibling has a filter of its own */
	long r = on_getppid(SECCOMP_RET_ERRNO | EPERM, SECCOMP_FILTER_FLAG_TSYNC);
	EXPECT_TRUE("TSYNC against a sibling's own filter returns its tid", r == thread_tid);
	EXPECT_ERR("  with TSYNC_ESRCH", on_getppid(SECCOMP_RET_ERRNO | EPERM, SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_TSYNC_ESRCH), ESRCH);
	EXPECT_TRUE("  nothing was installed here", syscall(SYS_getppid) == getppid() && prctl(PR_GET_SECCOMP, 0, 0, 0, 0) == 0);
	finish_sibling(t);
	return conf_exit();
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && !strcmp(argv[1], "exec-check"))
		return exec_check();
	errnos();
	bad_programs();
	run("strict mode, then write, read and exit", strict_ok);
	run("strict mode, then getpid", strict_getpid);
	run("strict mode, then prctl", strict_prctl);
	run("strict mode, then exit_group", strict_exit_group);
	run("without privileges", unprivileged);
	run("strict mode without privileges", unprivileged_strict);
	run("ERRNO", errno_action);
	run("ERRNO past MAX_ERRNO", errno_capped);
	run("TRAP", trap_action);
	run("TRAP with SIGSYS blocked", trap_blocked);
	run("TRAP with SIGSYS ignored", trap_ignored);
	run("KILL_PROCESS", kill_process);
	run("KILL_THREAD of the only thread", kill_thread_alone);
	run("an unknown action", unknown_action);
	with_core();
	run("KILL_PROCESS with two threads", kill_process_threads);
	run("KILL_THREAD of one of two threads", kill_thread_of_two);
	run("a division by zero in the program", div_by_zero);
	run("LOG, TRACE, USER_NOTIF without listener, ALLOW", log_trace_notif);
	run("stacked filters", stacking);
	run("the interpreter", interpreter);
	run("the instruction limit", too_many);
	converted_limits();
	run("fork and execve keep the filters", inherit);
	run("TSYNC", tsync);
	run("TSYNC conflicts", tsync_conflict);
	return conf_exit();
}
