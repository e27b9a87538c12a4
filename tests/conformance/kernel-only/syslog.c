/* syslog(2) reads the sandbox's own kernel log (its boot messages), never the host's: every action and errno,
 * dmesg_restrict for an unprivileged caller, and a READ that waits until a signal ends it. Kernel-only: the host's
 * log is the oracle's own and differs. */
#include "../conformance.h"

#include <signal.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long sl(int type, char *buf, int len) { return syscall(SYS_syslog, type, buf, len); }

static void on_alarm(int sig) { (void)sig; }

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	static char buf[1 << 17];
	EXPECT_EQ("SIZE_BUFFER", sl(10, NULL, 0), 131072);
	long unread = sl(9, NULL, 0);
	EXPECT_TRUE("SIZE_UNREAD before any read", unread > 0);
	long n = sl(3, buf, sizeof buf);
	EXPECT_TRUE("READ_ALL", n > 0 && n == unread);
	buf[n > 0 ? n : 0] = 0;
	EXPECT_TRUE("the first record: the version at level 5", strncmp(buf, "<5>[    0.000000] Linux version ", 32) == 0);
	EXPECT_TRUE("one line per record", buf[n - 1] == '\n');
	EXPECT_EQ("READ_ALL with a short buffer takes whole records", sl(3, buf, 10), 0);
	EXPECT_EQ("READ 5 bytes", sl(2, buf, 5), 5);
	EXPECT_TRUE("from the start", strncmp(buf, "<5>[ ", 5) == 0);
	EXPECT_EQ("SIZE_UNREAD drops by 5", sl(9, NULL, 0), unread - 5);
	EXPECT_EQ("READ the rest", sl(2, buf, sizeof buf), unread - 5);
	EXPECT_EQ("nothing unread", sl(9, NULL, 0), 0);
	EXPECT_EQ("READ_ALL still sees all", sl(3, buf, sizeof buf), unread);
	EXPECT_EQ("READ_CLEAR", sl(4, buf, sizeof buf), unread);
	EXPECT_EQ("cleared", sl(3, buf, sizeof buf), 0);
	EXPECT_OK("CLEAR", sl(5, NULL, 0));
	EXPECT_OK("CLOSE", sl(0, NULL, 0));
	EXPECT_OK("OPEN", sl(1, NULL, 0));
	EXPECT_OK("CONSOLE_OFF", sl(6, NULL, 0));
	EXPECT_OK("CONSOLE_ON", sl(7, NULL, 0));
	EXPECT_OK("CONSOLE_LEVEL 4", sl(8, NULL, 4));
	EXPECT_ERR("CONSOLE_LEVEL 9", sl(8, NULL, 9), EINVAL);
	EXPECT_ERR("an unknown action", sl(11, NULL, 0), EINVAL);
	EXPECT_ERR("READ_ALL without a buffer", sl(3, NULL, 10), EINVAL);
	EXPECT_ERR("READ_ALL negative length", sl(3, buf, -1), EINVAL);
	EXPECT_EQ("READ_ALL length 0", sl(3, buf, 0), 0);
	EXPECT_ERR("READ_ALL bad buffer", sl(3, (char *)8, 10), EFAULT);

	struct sigaction sa = { .sa_handler = on_alarm };
	sigaction(SIGALRM, &sa, NULL);
	alarm(1);
	EXPECT_ERR("READ with nothing new waits until a signal", sl(2, buf, 10), EINTR);

	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (setuid(65534) != 0)
			printf("setuid failed\n");
		EXPECT_ERR("nobody: READ_ALL (dmesg_restrict)", sl(3, buf, 10), EPERM);
		EXPECT_ERR("nobody: SIZE_BUFFER", sl(10, NULL, 0), EPERM);
		fflush(stdout);
		_exit(conf_failures != 0);
	}
	int st;
	waitpid(pid, &st, 0);
	EXPECT_TRUE("unprivileged child passed", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return conf_failures != 0;
}
