/* Signals that end waits: EINTR and SA_RESTART on blocking calls, sleeps that report the time left, ppoll's
 * mask, SIGCHLD and its SIG_IGN/SA_NOCLDWAIT reaping, SIGPIPE, signals to threads, pidfd_send_signal. */
#include "conformance.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t hits;
static volatile pid_t chld_pid;
static volatile int chld_code, chld_status;

static void on_sig(int sig) { (void)sig; hits++; }

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	chld_pid = si->si_pid;
	chld_code = si->si_code;
	chld_status = si->si_status;
}

static void handle(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigaction(sig, &sa, NULL);
}

/* A child that sends SIGUSR1 to the parent after a moment, then (optionally) writes a byte into the pipe. */
static pid_t poke_later(int write_fd)
{
	pid_t parent = getpid();
	pid_t child = fork();
	if (child == 0) {
		usleep(50000);
		kill(parent, SIGUSR1);
		if (write_fd >= 0) {
			usleep(50000);
			write(write_fd, "x", 1);
		}
		_exit(0);
	}
	return child;
}

static void interrupted_calls(void)
{
	int p[2];
	char c;
	pipe(p);
	handle(SIGUSR1, on_sig, 0);
	hits = 0;
	pid_t child = poke_later(-1);
	EXPECT_ERR("a pipe read interrupted by a handler (no SA_RESTART)", read(p[0], &c, 1), EINTR);
	EXPECT_EQ("  the handler ran", hits, 1);
	waitpid(child, NULL, 0);

	handle(SIGUSR1, on_sig, SA_RESTART);
	hits = 0;
	child = poke_later(p[1]);
	EXPECT_EQ("with SA_RESTART the read goes on and gets the byte", read(p[0], &c, 1), 1);
	EXPECT_EQ("  the handler ran", hits, 1);
	waitpid(child, NULL, 0);

	hits = 0;
	child = poke_later(-1);
	struct pollfd pfd = {p[0], POLLIN, 0};
	EXPECT_ERR("poll is interrupted even with SA_RESTART", poll(&pfd, 1, 5000), EINTR);
	waitpid(child, NULL, 0);

	handle(SIGUSR1, on_sig, 0);
	child = poke_later(-1);
	struct timespec req = {5, 0}, rem = {0, 0};
	EXPECT_ERR("nanosleep interrupted", nanosleep(&req, &rem), EINTR);
	EXPECT_TRUE("  the time left is written", rem.tv_sec > 0 && rem.tv_sec <= 5);
	waitpid(child, NULL, 0);

	pid_t parent = getpid();
	child = fork();
	if (child == 0) {
		usleep(50000);
		kill(parent, SIGUSR1);
		usleep(300000);
		_exit(0);
	}
	EXPECT_ERR("wait4 interrupted while the child still runs", waitpid(child, NULL, 0), EINTR);
	waitpid(child, NULL, 0);

	/* ppoll's mask: a signal blocked before the call but not by its mask ends it at once. */
	sigset_t block, empty;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigemptyset(&empty);
	sigprocmask(SIG_BLOCK, &block, NULL);
	hits = 0;
	raise(SIGUSR1);
	struct timespec ts = {5, 0};
	EXPECT_ERR("ppoll with a mask that lets a pending signal in", ppoll(&pfd, 1, &ts, &empty), EINTR);
	EXPECT_EQ("  the handler ran", hits, 1);
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	EXPECT_EQ("  and the signal is blocked again afterwards", sigismember(&now, SIGUSR1), 1);
	ts.tv_sec = 0;
	EXPECT_EQ("ppoll with a mask and nothing pending times out", ppoll(&pfd, 1, &ts, &empty), 0);
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	close(p[0]);
	close(p[1]);
	handle(SIGUSR1, SIG_DFL, 0);
}

static void children(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGCHLD, &sa, NULL);
	chld_pid = 0;
	pid_t child = fork();
	if (child == 0)
		_exit(5);
	int status;
	EXPECT_TRUE("waitpid with a SIGCHLD handler (SA_RESTART)", waitpid(child, &status, 0) == child);
	for (int i = 0; i < 100 && chld_pid == 0; i++)
		usleep(10000);
	EXPECT_TRUE("SIGCHLD names the child", chld_pid == child);
	EXPECT_EQ("  CLD_EXITED", chld_code, CLD_EXITED);
	EXPECT_EQ("  its status", chld_status, 5);

	chld_pid = 0;
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	kill(child, SIGTERM);
	waitpid(child, &status, 0);
	for (int i = 0; i < 100 && chld_pid == 0; i++)
		usleep(10000);
	EXPECT_EQ("a child killed by SIGTERM: CLD_KILLED", chld_code, CLD_KILLED);
	EXPECT_EQ("  the signal", chld_status, SIGTERM);

	signal(SIGCHLD, SIG_IGN);
	child = fork();
	if (child == 0)
		_exit(0);
	EXPECT_ERR("with SIGCHLD ignored, children are not kept: wait gives ECHILD", waitpid(child, &status, 0), ECHILD);

	/* SA_NOCLDWAIT is not checked here: qemu-user keeps it from the host kernel (kernel-only/nocldwait.c). */
	signal(SIGCHLD, SIG_DFL);

	/* PR_SET_PDEATHSIG: the child hears of its parent's death. */
	int p[2], q[2];
	pipe(p);
	pipe(q);
	pid_t middle = fork();
	if (middle == 0) {
		pid_t grandchild = fork();
		if (grandchild == 0) {
			handle(SIGUSR2, on_sig, 0);
			hits = 0;
			prctl(PR_SET_PDEATHSIG, SIGUSR2);
			write(q[1], "s", 1);
			for (int i = 0; i < 300 && hits == 0; i++)
				usleep(10000);
			char r = hits ? 'y' : 'n';
			write(p[1], &r, 1);
			_exit(0);
		}
		char s;
		read(q[0], &s, 1);
		_exit(0);
	}
	close(p[1]);
	close(q[0]);
	close(q[1]);
	waitpid(middle, NULL, 0);
	char r = 0;
	read(p[0], &r, 1);
	EXPECT_TRUE("PR_SET_PDEATHSIG delivers when the parent exits", r == 'y');
	close(p[0]);
}

static void broken_pipe(void)
{
	int p[2];
	pipe(p);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	EXPECT_ERR("write to a pipe with no reader, SIGPIPE ignored", write(p[1], "x", 1), EPIPE);
	signal(SIGPIPE, SIG_DFL);
	pid_t child = fork();
	if (child == 0) {
		write(p[1], "x", 1);
		_exit(0);
	}
	int status;
	waitpid(child, &status, 0);
	EXPECT_TRUE("with the default action SIGPIPE kills the writer", WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE);
	close(p[1]);

	/* Writing past RLIMIT_FSIZE: EFBIG with SIGXFSZ ignored, death by SIGXFSZ with its default action. */
	char dir[] = "/tmp/sigwakeXXXXXX";
	mkdtemp(dir);
	char path[64];
	snprintf(path, sizeof path, "%s/f", dir);
	child = fork();
	if (child == 0) {
		int null = open("/dev/null", O_WRONLY); /* qemu-user reports a fatal core signal on stderr */
		dup2(null, 2);
		struct rlimit lim = {4096, 4096};
		setrlimit(RLIMIT_FSIZE, &lim);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		static char block[8192];
		signal(SIGXFSZ, SIG_IGN);
		int ok = write(fd, block, 4096) == 4096 && write(fd, block, 1) == -1 && errno == EFBIG;
		signal(SIGXFSZ, SIG_DFL);
		if (ok)
			write(fd, block, 1);
		_exit(ok ? 0 : 1);
	}
	waitpid(child, &status, 0);
	EXPECT_TRUE("past RLIMIT_FSIZE: EFBIG when SIGXFSZ is ignored, else SIGXFSZ kills", WIFSIGNALED(status) && WTERMSIG(status) == SIGXFSZ);
	unlink(path);
	rmdir(dir);
}

static volatile pid_t handler_tid;
static volatile int thread_ready;
static void on_thread_sig(int sig) { (void)sig; handler_tid = gettid(); }

static void *sleeper(void *arg)
{
	(void)arg;
	thread_ready = gettid();
	struct timespec t = {0, 300 * 1000 * 1000};
	nanosleep(&t, NULL);
	return NULL;
}

static void threads(void)
{
	handle(SIGUSR1, on_thread_sig, 0);
	pthread_t t;
	thread_ready = 0;
	pthread_create(&t, NULL, sleeper, NULL);
	while (!thread_ready)
		usleep(1000);
	handler_tid = 0;
	EXPECT_EQ("pthread_kill to a sleeping thread", pthread_kill(t, SIGUSR1), 0);
	pthread_join(t, NULL);
	EXPECT_TRUE("  its handler ran on that thread", handler_tid == thread_ready);

	/* A process-directed signal blocked by the main thread goes to a thread that takes it. */
	sigset_t block;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	thread_ready = 0;
	pthread_create(&t, NULL, sleeper, NULL);
	while (!thread_ready)
		usleep(1000);
	pthread_sigmask(SIG_BLOCK, &block, NULL);
	handler_tid = 0;
	kill(getpid(), SIGUSR1);
	pthread_join(t, NULL);
	EXPECT_TRUE("kill() with the main thread blocking it runs on the other thread", handler_tid == thread_ready);
	pthread_sigmask(SIG_UNBLOCK, &block, NULL);
	signal(SIGUSR1, SIG_DFL);
}

static void pidfds(void)
{
	pid_t child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	int pfd = syscall(SYS_pidfd_open, child, 0);
	EXPECT_ERR("pidfd_send_signal with an unknown flag", syscall(SYS_pidfd_send_signal, pfd, SIGTERM, NULL, 8), EINVAL);
	EXPECT_ERR("pidfd_send_signal on a pipe", syscall(SYS_pidfd_send_signal, 0, SIGTERM, NULL, 0), EBADF);
	EXPECT_EQ("pidfd_send_signal(SIGTERM)", syscall(SYS_pidfd_send_signal, pfd, SIGTERM, NULL, 0), 0);
	int status;
	waitpid(child, &status, 0);
	EXPECT_TRUE("  the child died of it", WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
	EXPECT_ERR("pidfd_send_signal after the reap", syscall(SYS_pidfd_send_signal, pfd, SIGTERM, NULL, 0), ESRCH);
	close(pfd);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	interrupted_calls();
	children();
	broken_pipe();
	threads();
	pidfds();
	return conf_exit();
}
