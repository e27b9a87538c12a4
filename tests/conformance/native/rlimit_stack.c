/* RLIMIT_STACK: the main stack grows as far as the soft limit allows and a deeper stack faults (SIGSEGV); exec
 * bounds the arguments by a quarter of it; a limit raised after exec lets the stack grow further, and one lowered
 * stops growth past it but keeps what the stack already used; an unlimited stack
 * grows past 8 MiB. Each case runs in a child that re-executes this program with the limit set.
 * Native oracle: qemu-user 7.2 never passes RLIMIT_STACK to the host and gives the guest a fixed stack. */
#include "../conformance.h"

#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static char self[PATH_MAX];
extern char **environ;

/* Uses about <kb> KiB of stack, touching each page on the way down. */
static int deep(int kb)
{
	volatile char frame[4096];
	frame[0] = (char)kb;
	frame[4095] = 1;
	if (kb <= 4)
		return frame[0];
	return deep(kb - 4) + frame[4095];
}

/* Moves the stack pointer <mb> MiB down at once and touches only the two ends: a stack limit of gigabytes works
 * without using gigabytes. No stack-clash probes, which would touch every page on the way. */
__attribute__((optimize("no-stack-clash-protection"))) static int far(long mb)
{
	size_t size = (size_t)mb << 20;
	volatile char *p = __builtin_alloca(size);
	p[0] = 1;
	p[size - 1] = 2;
	return p[0] + p[size - 1];
}

/* In the re-executed image: argv[2] = KiB to use, argv[3] = a new soft limit to set first (0: none), or "u<KiB>":
 * use the stack first, then set that limit and use it again, or "f": argv[2] MiB at once (far). */
static int child(char **argv)
{
	if (argv[3][0] == 'f')
		return far(atol(argv[2])) == 3 ? 0 : 8;
	if (argv[3][0] == 'u') {
		if (deep(atoi(argv[2])) <= 0)
			return 8;
		struct rlimit rl;
		getrlimit(RLIMIT_STACK, &rl);
		rl.rlim_cur = (rlim_t)atol(argv[3] + 1) << 10;
		if (setrlimit(RLIMIT_STACK, &rl) != 0)
			return 9;
		return deep(atoi(argv[2])) > 0 ? 0 : 8;
	}
	long raise_to = atol(argv[3]);
	if (raise_to) {
		struct rlimit rl;
		getrlimit(RLIMIT_STACK, &rl);
		rl.rlim_cur = (rlim_t)raise_to << 10;
		if (setrlimit(RLIMIT_STACK, &rl) != 0)
			return 9;
	}
	return deep(atoi(argv[2])) > 0 ? 0 : 8;
}

/* Re-executes this program with RLIMIT_STACK's soft value <soft_kb> (-1: unlimited); returns its wait status. */
static int run(long soft_kb, const char *use_kb, const char *raise_kb)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit rl;
		getrlimit(RLIMIT_STACK, &rl);
		rl.rlim_cur = soft_kb < 0 ? RLIM_INFINITY : (rlim_t)soft_kb << 10;
		if (setrlimit(RLIMIT_STACK, &rl) != 0)
			_exit(7);
		char *args[] = {self, "child", (char *)use_kb, (char *)raise_kb, NULL};
		execve(self, args, environ);
		_exit(6);
	}
	int status;
	waitpid(pid, &status, 0);
	return status;
}

static void report(const char *label, int status)
{
	if (WIFSIGNALED(status))
		printf("%s: killed by %s\n", label, WTERMSIG(status) == SIGSEGV ? "SIGSEGV" : "another signal");
	else
		printf("%s: exit %d\n", label, WEXITSTATUS(status));
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "child") == 0)
		return child(argv);
	long len = readlink("/proc/self/exe", self, sizeof self - 1);
	if (len <= 0)
		return 1;
	self[len] = 0;

	report("256 KiB limit, 128 KiB used", run(256, "128", "0"));
	report("256 KiB limit, 1 MiB used", run(256, "1024", "0"));
	report("1 MiB limit, 2 MiB used", run(1024, "2048", "0"));
	report("16 MiB limit, 12 MiB used", run(16384, "12288", "0"));
	report("256 KiB at exec, raised to 4 MiB, 2 MiB used", run(256, "2048", "4096"));
	report("256 KiB at exec, raised to 4 MiB, 8 MiB used", run(256, "8192", "4096"));
	report("unlimited, 16 MiB used", run(-1, "16384", "0"));
	/* Big limits: the mmap area and the interpreter move down at exec to leave the stack its room. */
	report("6 GiB limit, 5 GiB deep", run(6L << 20, "5120", "f"));
	report("6 GiB limit, 7 GiB deep", run(6L << 20, "7168", "f"));
	report("unlimited, 5 GiB deep", run(-1, "5120", "f"));
	report("8 MiB at exec, lowered to 1 MiB, 4 MiB used", run(8192, "4096", "1024"));
	report("8 MiB at exec, 4 MiB used, lowered to 1 MiB, 4 MiB used again", run(8192, "4096", "u1024"));

	/* exec lets the arguments and environment take a quarter of the limit, at least ARG_MAX (128 KiB). */
	static char big[4][50 * 1024];
	for (int i = 0; i < 4; i++) {
		memset(big[i], 'x', sizeof big[i] - 1);
		big[i][0] = 'A' + i;
		big[i][1] = '=';
	}
	for (int limit_kb = 512; limit_kb <= 1024; limit_kb *= 2) {
		fflush(stdout);
		pid_t pid = fork();
		if (pid == 0) {
			struct rlimit rl;
			getrlimit(RLIMIT_STACK, &rl);
			rl.rlim_cur = (rlim_t)limit_kb << 10;
			setrlimit(RLIMIT_STACK, &rl);
			char *args[] = {self, "child", "4", "0", NULL};
			char *env[] = {big[0], big[1], big[2], big[3], NULL};
			execve(self, args, env);
			_exit(errno == E2BIG ? 2 : 3);
		}
		int status;
		waitpid(pid, &status, 0);
		printf("a 200 KiB environment with a %d KiB limit: %s\n", limit_kb,
		       WIFEXITED(status) && WEXITSTATUS(status) == 2 ? "E2BIG" : WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "runs" : "?");
	}
	return conf_exit();
}
