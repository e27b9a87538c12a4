/* POSIX message queues where qemu-user is no oracle: mq_notify (not translated), RLIMIT_MSGQUEUE's charge per queue
 * and O_WRONLY|O_RDWR (both mistranslated). Native oracle. */
#include "../conformance.h"

#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define Q "/conf-mqn"

static volatile sig_atomic_t got_signo, got_code, got_value, got_pid_ok;

static void on_signal(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	got_signo = sig;
	got_code = si->si_code;
	got_value = si->si_value.sival_int;
	got_pid_ok = si->si_pid == getpid() && si->si_uid == getuid();
}

static void show_line(mqd_t q)
{
	char line[128] = "";
	lseek(q, 0, SEEK_SET);
	ssize_t n = read(q, line, sizeof line - 1);
	if (n > 0) line[n] = 0;
	/* NOTIFY_PID is a pid: show whether it is ours. */
	char *pid = strstr(line, "NOTIFY_PID:");
	if (pid) { printf("status: %.*s own pid %d\n", (int)(pid - line), line, atoi(pid + 11) == getpid()); }
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	mq_unlink(Q);
	struct mq_attr attr = { .mq_maxmsg = 4, .mq_msgsize = 32 };
	mqd_t q = mq_open(Q, O_RDWR | O_CREAT, 0600, &attr);
	EXPECT_TRUE("create", q >= 0);
	EXPECT_ERR("O_WRONLY|O_RDWR on an existing queue", syscall(SYS_mq_open, Q + 1, O_WRONLY | O_RDWR, 0, NULL), EINVAL);

	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO };
	sigaction(SIGUSR1, &sa, NULL);
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1, .sigev_value.sival_int = 42 };
	EXPECT_OK("mq_notify SIGEV_SIGNAL", mq_notify(q, &ev));
	show_line(q);
	EXPECT_ERR("a second registration", mq_notify(q, &ev), EBUSY);
	pid_t pid = fork();
	if (pid == 0) _exit(mq_notify(q, &ev) == -1 && errno == EBUSY && mq_notify(q, NULL) == 0 ? 0 : 1);
	int status;
	waitpid(pid, &status, 0);
	EXPECT_EQ("another process: EBUSY, and its unregister does nothing", status, 0);
	EXPECT_OK("send to the empty queue", mq_send(q, "a", 1, 0));
	EXPECT_EQ("the signal came", got_signo, SIGUSR1);
	EXPECT_EQ("  si_code SI_MESGQ", got_code, SI_MESGQ);
	EXPECT_EQ("  si_value", got_value, 42);
	EXPECT_TRUE("  si_pid and si_uid of the sender", got_pid_ok);
	show_line(q);
	got_signo = 0;
	EXPECT_OK("mq_notify again (the registration was used)", mq_notify(q, &ev));
	EXPECT_OK("send to a non-empty queue", mq_send(q, "b", 1, 0));
	EXPECT_EQ("  no signal", got_signo, 0);
	char buf[64];
	mq_receive(q, buf, sizeof buf, NULL);
	mq_receive(q, buf, sizeof buf, NULL);
	EXPECT_OK("unregister", mq_notify(q, NULL));
	EXPECT_OK("  unregister when none", mq_notify(q, NULL));
	EXPECT_OK("send after unregistering", mq_send(q, "c", 1, 0));
	EXPECT_EQ("  no signal", got_signo, 0);
	mq_receive(q, buf, sizeof buf, NULL);
	ev.sigev_notify = SIGEV_NONE;
	EXPECT_OK("SIGEV_NONE", mq_notify(q, &ev));
	show_line(q);
	EXPECT_ERR("  blocks others", mq_notify(q, &(struct sigevent){ .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 }), EBUSY);
	mq_send(q, "d", 1, 0);
	EXPECT_OK("  used by a message", mq_notify(q, &(struct sigevent){ .sigev_notify = SIGEV_NONE }));
	mq_notify(q, NULL);
	mq_receive(q, buf, sizeof buf, NULL);
	EXPECT_ERR("bad sigev_notify", mq_notify(q, &(struct sigevent){ .sigev_notify = 7 }), EINVAL);
	EXPECT_ERR("bad signal", mq_notify(q, &(struct sigevent){ .sigev_notify = SIGEV_SIGNAL, .sigev_signo = 65 }), EINVAL);
	EXPECT_ERR("bad pointer", syscall(SYS_mq_notify, q, (void *)8), EFAULT);
	EXPECT_ERR("a bad descriptor", mq_notify(99, &ev), EBADF);
	EXPECT_ERR("not a queue", mq_notify(1, &ev), EBADF);
	char cookie[32] = "";
	struct sigevent th = { .sigev_notify = SIGEV_THREAD, .sigev_signo = 99 };
	EXPECT_ERR("SIGEV_THREAD without its cookie", syscall(SYS_mq_notify, q, &th), EFAULT);
	th.sigev_value.sival_ptr = cookie;
	EXPECT_ERR("SIGEV_THREAD with a bad socket descriptor", syscall(SYS_mq_notify, q, &th), EBADF);
	th.sigev_signo = q;
	EXPECT_ERR("SIGEV_THREAD with a descriptor that is no socket", syscall(SYS_mq_notify, q, &th), ENOTSOCK);
	/* Closing the owner's descriptor ends the registration. */
	ev.sigev_notify = SIGEV_SIGNAL;
	mqd_t q2 = mq_open(Q, O_RDWR);
	EXPECT_OK("register through a second descriptor", mq_notify(q2, &ev));
	mq_close(q2);
	EXPECT_OK("  gone once it is closed", mq_notify(q, &ev));
	mq_notify(q, NULL);
	mq_close(q);
	mq_unlink(Q);

	/* RLIMIT_MSGQUEUE: a queue charges maxmsg * (msgsize + 48) + min(maxmsg, 32768) * 48 bytes to its user. */
	pid = fork();
	if (pid == 0)
	{
		struct rlimit rl = { 1000, 1000 };
		setrlimit(RLIMIT_MSGQUEUE, &rl);
		struct mq_attr a = { .mq_maxmsg = 1, .mq_msgsize = 904 };
		mqd_t x = mq_open(Q, O_RDWR | O_CREAT, 0600, &a);
		EXPECT_TRUE("a queue of exactly the limit", x >= 0);
		a.mq_msgsize = 1;
		EXPECT_ERR("a second queue past it", mq_open(Q "2", O_RDWR | O_CREAT, 0600, &a), EMFILE);
		mq_close(x);
		EXPECT_ERR("  still charged while named", mq_open(Q "2", O_RDWR | O_CREAT, 0600, &a), EMFILE);
		mq_unlink(Q);
		a.mq_msgsize = 905;
		EXPECT_ERR("one byte more", mq_open(Q, O_RDWR | O_CREAT, 0600, &a), EMFILE);
		a.mq_msgsize = 904;
		x = mq_open(Q, O_RDWR | O_CREAT, 0600, &a);
		EXPECT_TRUE("the charge came back with the unlink", x >= 0);
		mq_close(x);
		mq_unlink(Q);
		_exit(conf_failures != 0);
	}
	waitpid(pid, &status, 0);
	EXPECT_EQ("rlimit checks", status, 0);
	return conf_failures != 0;
}
