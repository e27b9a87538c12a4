/* seccomp user notification: a child's filter sends getppid to a listener that the parent takes with pidfd_getfd and
 * answers (a value, an error, CONTINUE, ADDFD); the listener's ioctls and their errnos, poll, signals during the wait
 * (EINTR, a restart, WAIT_KILLABLE_RECV), closing the listener, and POLLHUP once no task uses the filter.
 * Native oracle: qemu-user 7.2 has no seccomp(2). */
#include "../conformance.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#if defined(__x86_64__)
#define ARCH 0xC000003Eu /* AUDIT_ARCH_X86_64 */
#elif defined(__aarch64__)
#define ARCH 0xC00000B7u /* AUDIT_ARCH_AARCH64 */
#else
#error "unknown architecture"
#endif

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP 1
#endif

static long notify_getppid(unsigned flags)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {4, f};
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

static int up[2], down[2]; /* child to parent, parent to child */
static void tell(int fd, long v) { write(fd, &v, sizeof v); }
static long hear(int fd)
{
	long v = -1;
	read(fd, &v, sizeof v);
	return v;
}

static volatile int handled;
static void on_usr1(int sig) { (void)sig, handled++; }

static void handle_usr1(int flags)
{
	struct sigaction sa = {0};
	sa.sa_handler = on_usr1;
	sa.sa_flags = flags;
	sigaction(SIGUSR1, &sa, NULL);
}

static int child_out; /* what the child prints, shown when it has ended: the output does not depend on timing */

/* A child that installs a listener filter (after checking it in the first case), hands the parent the descriptor's
 * number, closes its own copy once the parent has one, and runs body. */
static pid_t spawn(unsigned flags, int (*body)(void), int check)
{
	pipe(up);
	pipe(down);
	child_out = memfd_create("child", 0);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(child_out, 1);
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		long l = notify_getppid(SECCOMP_FILTER_FLAG_NEW_LISTENER | flags);
		if (check) {
			EXPECT_TRUE("NEW_LISTENER returns a descriptor", l >= 0);
			EXPECT_EQ("  close-on-exec", fcntl(l, F_GETFD), FD_CLOEXEC);
			char path[64], link[64] = {0};
			snprintf(path, sizeof path, "/proc/self/fd/%ld", l);
			readlink(path, link, sizeof link - 1);
			printf("  it is %s\n", link);
			char c;
			EXPECT_ERR("  read", read(l, &c, 1), EINVAL);
			EXPECT_ERR("a second listener on the path", notify_getppid(SECCOMP_FILTER_FLAG_NEW_LISTENER), EBUSY);
		}
		tell(up[1], l);
		hear(down[0]);
		close(l);
		tell(up[1], 0);
		_exit(body());
	}
	return pid;
}

/* The parent's copy of the child's listener, once the child has closed its own. */
static int take_listener(pid_t pid)
{
	long fd = hear(up[0]);
	int pidfd = syscall(SYS_pidfd_open, pid, 0);
	int l = syscall(SYS_pidfd_getfd, pidfd, (int)fd, 0);
	close(pidfd);
	tell(down[1], 0);
	hear(up[0]);
	return l;
}

static void report(pid_t pid)
{
	int status;
	waitpid(pid, &status, 0);
	char buf[4096];
	long n = pread(child_out, buf, sizeof buf, 0);
	close(child_out);
	if (n > 0)
		fwrite(buf, 1, n, stdout);
	printf("  the child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

static struct seccomp_notif req;

static long recv_notif(int l)
{
	memset(&req, 0, sizeof req);
	return ioctl(l, SECCOMP_IOCTL_NOTIF_RECV, &req);
}

static long send_resp(int l, uint64_t id, int64_t val, int32_t error, uint32_t flags)
{
	struct seccomp_notif_resp resp = {id, val, error, flags};
	return ioctl(l, SECCOMP_IOCTL_NOTIF_SEND, &resp);
}

static long addfd(int l, uint64_t id, uint32_t flags, int src, uint32_t newfd, uint32_t newfd_flags)
{
	struct seccomp_notif_addfd a = {id, flags, (uint32_t)src, newfd, newfd_flags};
	return ioctl(l, SECCOMP_IOCTL_NOTIF_ADDFD, &a);
}

static int revents(int l, short events, int timeout)
{
	struct pollfd p = {l, events, 0};
	return poll(&p, 1, timeout) == 1 ? p.revents : 0;
}

/* ---- the main conversation ---- */

static int target(void)
{
	long ppid = hear(down[0]); /* getppid itself would be a notification */
	long r = syscall(SYS_getppid, 1);
	EXPECT_EQ("getppid(1), answered 42", r, 42);
	EXPECT_ERR("getppid(2), answered -EPERM", syscall(SYS_getppid, 2), EPERM);
	EXPECT_TRUE("getppid(3), answered CONTINUE, runs", syscall(SYS_getppid, 3) == ppid);
	long fd = syscall(SYS_getppid, 4);
	EXPECT_TRUE("getppid(4), answered by ADDFD|SEND, returns a new descriptor", fd > 2);
	EXPECT_EQ("  it is not close-on-exec", fcntl(fd, F_GETFD), 0);
	EXPECT_EQ("  it writes to the parent's pipe", write(fd, "x", 1), 1);
	close(fd);
	EXPECT_EQ("getppid(5), after an ADDFD at 100", syscall(SYS_getppid, 5), 0);
	EXPECT_EQ("  100 is close-on-exec", fcntl(100, F_GETFD), FD_CLOEXEC);
	EXPECT_EQ("  and writes to the parent's pipe", write(100, "y", 1), 1);
	close(100);
	handle_usr1(0);
	EXPECT_ERR("getppid(6), a signal comes while the parent has it", syscall(SYS_getppid, 6), EINTR);
	tell(up[1], 0);
	handle_usr1(SA_RESTART);
	EXPECT_EQ("getppid(7), with SA_RESTART the call is notified again", syscall(SYS_getppid, 7), 77);
	EXPECT_EQ("  handlers run", handled, 2);
	EXPECT_ERR("getppid(8), the listener is closed meanwhile", syscall(SYS_getppid, 8), ENOSYS);
	EXPECT_ERR("getppid(9), without a listener", syscall(SYS_getppid, 9), ENOSYS);
	long l = notify_getppid(SECCOMP_FILTER_FLAG_NEW_LISTENER);
	EXPECT_TRUE("a new listener may come on the path", l >= 0);
	return conf_exit();
}

static void conversation(void)
{
	printf("== the conversation\n");
	pid_t pid = spawn(0, target, 1);
	int l = take_listener(pid);
	tell(down[1], getpid());

	memset(&req, 0, sizeof req);
	req.id = 1;
	EXPECT_ERR("RECV into a buffer that is not zeroed", ioctl(l, SECCOMP_IOCTL_NOTIF_RECV, &req), EINVAL);
	EXPECT_ERR("RECV to a bad pointer", ioctl(l, SECCOMP_IOCTL_NOTIF_RECV, (void *)8), EFAULT);
	EXPECT_ERR("SEND from a bad pointer", ioctl(l, SECCOMP_IOCTL_NOTIF_SEND, (void *)8), EFAULT);
	EXPECT_ERR("ID_VALID from a bad pointer", ioctl(l, SECCOMP_IOCTL_NOTIF_ID_VALID, (void *)8), EFAULT);
	uint64_t x = 0;
	EXPECT_ERR("an unknown ioctl", ioctl(l, SECCOMP_IOW(9, __u64), &x), EINVAL);
	struct termios t;
	EXPECT_ERR("TCGETS", ioctl(l, TCGETS, &t), EINVAL);
	EXPECT_EQ("SET_FLAGS SYNC_WAKE_UP", ioctl(l, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP), 0);
	EXPECT_ERR("SET_FLAGS 2", ioctl(l, SECCOMP_IOCTL_NOTIF_SET_FLAGS, 2), EINVAL);
	EXPECT_EQ("FIOCLEX", ioctl(l, FIOCLEX), 0);

	/* 1: a value */
	printf("poll before RECV: %#x\n", revents(l, POLLIN | POLLOUT, -1));
	EXPECT_EQ("RECV", recv_notif(l), 0);
	EXPECT_TRUE("  pid", req.pid == (uint32_t)pid);
	EXPECT_TRUE("  nr", req.data.nr == SYS_getppid);
	EXPECT_TRUE("  arch", req.data.arch == ARCH);
	EXPECT_TRUE("  instruction_pointer", req.data.instruction_pointer != 0);
	EXPECT_EQ("  args[0]", req.data.args[0], 1);
	EXPECT_EQ("  flags", req.flags, 0);
	printf("poll after RECV: %#x\n", revents(l, POLLIN | POLLOUT, 0));
	uint64_t id = req.id;
	EXPECT_EQ("ID_VALID", ioctl(l, SECCOMP_IOCTL_NOTIF_ID_VALID, &id), 0);
	EXPECT_EQ("SEND 42", send_resp(l, id, 42, 0, 0), 0);
	EXPECT_ERR("ID_VALID after the answer", ioctl(l, SECCOMP_IOCTL_NOTIF_ID_VALID, &id), ENOENT);

	/* 2: an error; the next notification's id is known before it is received */
	revents(l, POLLIN, -1);
	EXPECT_ERR("SEND before RECV", send_resp(l, id + 1, 0, 0, 0), EINPROGRESS);
	EXPECT_ERR("ADDFD before RECV", addfd(l, id + 1, 0, 1, 0, 0), EINPROGRESS);
	EXPECT_ERR("ID_VALID before RECV", ioctl(l, SECCOMP_IOCTL_NOTIF_ID_VALID, &(uint64_t){id + 1}), ENOENT);
	recv_notif(l);
	EXPECT_TRUE("ids count up", req.id == id + 1 && req.data.args[0] == 2);
	EXPECT_ERR("SEND with an unknown flag", send_resp(l, req.id, 0, 0, 2), EINVAL);
	EXPECT_ERR("CONTINUE with a value", send_resp(l, req.id, 1, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE), EINVAL);
	EXPECT_ERR("CONTINUE with an error", send_resp(l, req.id, 0, -1, SECCOMP_USER_NOTIF_FLAG_CONTINUE), EINVAL);
	EXPECT_EQ("SEND -EPERM", send_resp(l, req.id, 99, -EPERM, 0), 0);

	/* 3: CONTINUE */
	recv_notif(l);
	EXPECT_EQ("SEND CONTINUE", send_resp(l, req.id, 0, 0, SECCOMP_USER_NOTIF_FLAG_CONTINUE), 0);

	/* 4: ADDFD and SEND at once */
	int p[2];
	pipe(p);
	recv_notif(l);
	EXPECT_ERR("ADDFD with O_NONBLOCK", addfd(l, req.id, 0, p[1], 0, O_NONBLOCK), EINVAL);
	EXPECT_ERR("ADDFD with an unknown flag", addfd(l, req.id, 4, p[1], 0, 0), EINVAL);
	EXPECT_ERR("ADDFD with newfd but no SETFD", addfd(l, req.id, 0, p[1], 5, 0), EINVAL);
	EXPECT_ERR("ADDFD of a bad descriptor", addfd(l, req.id, 0, -1, 0, 0), EBADF);
	EXPECT_ERR("ADDFD for no notification", addfd(l, req.id + 100, 0, p[1], 0, 0), ENOENT);
	struct {
		struct seccomp_notif_addfd a;
		uint64_t more;
	} big = {{req.id, 0, (uint32_t)p[1], 0, 0}, 1};
	EXPECT_ERR("ADDFD, a larger struct with more set", ioctl(l, _IOW('!', 3, big), &big), E2BIG);
	EXPECT_ERR("ADDFD, a smaller struct", ioctl(l, _IOW('!', 3, uint64_t[2]), &big), EINVAL);
	EXPECT_ERR("ADDFD from a bad pointer", ioctl(l, SECCOMP_IOCTL_NOTIF_ADDFD, (void *)8), EFAULT);
	long fd = addfd(l, req.id, SECCOMP_ADDFD_FLAG_SEND, p[1], 0, 0);
	EXPECT_TRUE("ADDFD|SEND returns the child's new descriptor", fd > 2);
	EXPECT_ERR("  and answers", send_resp(l, req.id, 0, 0, 0), ENOENT);
	char c = 0;
	read(p[0], &c, 1);
	printf("  the child wrote %c\n", c);

	/* 5: ADDFD at a chosen number, then SEND */
	recv_notif(l);
	EXPECT_EQ("ADDFD SETFD at 100, close-on-exec", addfd(l, req.id, SECCOMP_ADDFD_FLAG_SETFD, p[1], 100, O_CLOEXEC), 100);
	EXPECT_EQ("  the notification is still there", ioctl(l, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id), 0);
	EXPECT_EQ("  SEND 0", send_resp(l, req.id, 0, 0, 0), 0);
	read(p[0], &c, 1);
	printf("  the child wrote %c\n", c);

	/* 6: a signal ends the wait with EINTR */
	recv_notif(l);
	id = req.id;
	kill(pid, SIGUSR1);
	hear(up[0]);
	EXPECT_ERR("ID_VALID of the interrupted call", ioctl(l, SECCOMP_IOCTL_NOTIF_ID_VALID, &id), ENOENT);
	EXPECT_ERR("SEND to it", send_resp(l, id, 0, 0, 0), ENOENT);

	/* 7: SA_RESTART: the call comes again, as a new notification */
	recv_notif(l);
	id = req.id;
	kill(pid, SIGUSR1);
	recv_notif(l);
	EXPECT_TRUE("the restarted call is a new notification", req.id != id && req.data.args[0] == 7);
	EXPECT_ERR("  the old one is gone", ioctl(l, SECCOMP_IOCTL_NOTIF_ID_VALID, &id), ENOENT);
	EXPECT_EQ("  SEND 77", send_resp(l, req.id, 77, 0, 0), 0);

	/* 8: closing the listener answers ENOSYS */
	recv_notif(l);
	close(l);
	report(pid);
}

/* ---- WAIT_KILLABLE_RECV ---- */

static int killable_target(void)
{
	handle_usr1(0);
	long r = syscall(SYS_getppid, 1);
	printf("  getppid(1), signalled after RECV: %ld, handlers %d\n", r, handled);
	EXPECT_ERR("  getppid(2), signalled before RECV", syscall(SYS_getppid, 2), EINTR);
	return conf_exit();
}

static void killable(void)
{
	printf("== WAIT_KILLABLE_RECV\n");
	pid_t pid = spawn(SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, killable_target, 0);
	int l = take_listener(pid);
	recv_notif(l);
	kill(pid, SIGUSR1);
	usleep(100000);
	EXPECT_EQ("once received, a signal does not end the wait", ioctl(l, SECCOMP_IOCTL_NOTIF_ID_VALID, &req.id), 0);
	send_resp(l, req.id, 5, 0, 0);
	revents(l, POLLIN, -1);
	kill(pid, SIGUSR1);
	report(pid);
	close(l);
}

/* ---- POLLHUP ---- */

static int idle(void) { return 0; }

static int wait_go(void)
{
	hear(down[0]);
	return 0;
}

static int reaped_status;

static void *reap(void *arg)
{
	usleep(50000);
	tell(down[1], 0); /* the child goes */
	waitpid((pid_t)(intptr_t)arg, &reaped_status, 0);
	return NULL;
}

static void hangup(void)
{
	printf("== POLLHUP\n");
	pid_t pid = spawn(0, idle, 0);
	int l = take_listener(pid);
	report(pid);
	printf("  poll after the last user was reaped: %#x\n", revents(l, POLLIN, 5000));
	close(l);

	pid = spawn(0, wait_go, 0);
	l = take_listener(pid);
	printf("  poll while the child lives: %#x\n", revents(l, POLLIN, 0));
	pthread_t t;
	pthread_create(&t, NULL, reap, (void *)(intptr_t)pid);
	printf("  a poll waiting as the child goes: %#x\n", revents(l, POLLIN, 5000));
	pthread_join(t, NULL);
	printf("  the child exited %d\n", WEXITSTATUS(reaped_status));
	close(child_out);
	close(l);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	conversation();
	killable();
	hangup();
	return conf_exit();
}
