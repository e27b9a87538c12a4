/* File leases: F_SETLEASE/F_GETLEASE with their errnos, read leases shared by readers, and breaks: an open for
 * writing breaks every lease (the holder gets F_SETSIG's signal with POLL_MSG and si_fd, F_GETLEASE shows the
 * break's target, the opener waits until the holder unlocks or closes), a read-only O_NONBLOCK open of a write
 * lease gets EWOULDBLOCK and the holder downgrades; truncate(2) breaks leases as a writer's open does. */
#include "conformance.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *path = "/dev/shm/conf-leases";

/* Waits (5 s at most) for the lease-break signal; prints what it carried. */
static void expect_break(const char *label, int fd)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	siginfo_t si;
	struct timespec ts = { 5, 0 };
	int sig = sigtimedwait(&set, &si, &ts);
	printf("%s: signal %s\n", label, sig == SIGRTMIN ? "SIGRTMIN" : "none");
	if (sig != SIGRTMIN)
		return;
	EXPECT_EQ("  si_code POLL_MSG", si.si_code, POLL_MSG);
	EXPECT_EQ("  si_fd", si.si_fd, fd);
	EXPECT_EQ("  si_band", si.si_band, POLLIN | POLLRDNORM | POLLMSG);
}

/* A child that opens the file with flags and reports the outcome in its exit status (0 opened, else errno). */
static pid_t opener(int flags)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(path, flags);
		_exit(fd >= 0 ? 0 : errno);
	}
	return pid;
}

static int status_of(pid_t pid)
{
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void errors(void)
{
	int fd = open(path, O_RDWR);
	EXPECT_ERR("bad lease type", fcntl(fd, F_SETLEASE, 7), EINVAL);
	EXPECT_ERR("unlock without a lease", fcntl(fd, F_SETLEASE, F_UNLCK), EAGAIN);
	EXPECT_ERR("read lease on a file open for writing", fcntl(fd, F_SETLEASE, F_RDLCK), EAGAIN);
	EXPECT_EQ("no lease", fcntl(fd, F_GETLEASE), F_UNLCK);
	int dir = open("/dev/shm", O_RDONLY | O_DIRECTORY);
	EXPECT_ERR("lease on a directory", fcntl(dir, F_SETLEASE, F_RDLCK), EINVAL);
	close(dir);
	int p[2];
	(void)!pipe(p);
	EXPECT_ERR("lease on a pipe", fcntl(p[0], F_SETLEASE, F_RDLCK), EINVAL);
	EXPECT_EQ("F_GETLEASE of a pipe", fcntl(p[0], F_GETLEASE), F_UNLCK);
	close(p[0]);
	close(p[1]);
	int o = open(path, O_PATH);
	EXPECT_ERR("lease on an O_PATH descriptor", fcntl(o, F_SETLEASE, F_RDLCK), EBADF);
	close(o);
	EXPECT_OK("write lease, the only open", fcntl(fd, F_SETLEASE, F_WRLCK));
	EXPECT_EQ("F_GETLEASE write", fcntl(fd, F_GETLEASE), F_WRLCK);
	int dup_fd = dup(fd);
	EXPECT_EQ("a dup shares it", fcntl(dup_fd, F_GETLEASE), F_WRLCK);
	close(dup_fd);
	EXPECT_OK("unlock", fcntl(fd, F_SETLEASE, F_UNLCK));
	EXPECT_EQ("gone", fcntl(fd, F_GETLEASE), F_UNLCK);
	close(fd);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (setuid(65534) != 0)
			printf("setuid failed\n");
		int r = open(path, O_RDONLY);
		EXPECT_ERR("nobody: lease on another's file", fcntl(r, F_SETLEASE, F_RDLCK), EACCES);
		fflush(stdout);
		_exit(conf_failures != 0);
	}
	EXPECT_EQ("unprivileged child passed", status_of(pid), 0);
}

static void shared_reads(void)
{
	int a = open(path, O_RDONLY), b = open(path, O_RDONLY);
	EXPECT_OK("read lease", fcntl(a, F_SETLEASE, F_RDLCK));
	EXPECT_OK("a second reader's read lease", fcntl(b, F_SETLEASE, F_RDLCK));
	EXPECT_ERR("write lease with others open", fcntl(a, F_SETLEASE, F_WRLCK), EAGAIN);
	pid_t pid = opener(O_RDONLY | O_NONBLOCK);
	EXPECT_EQ("a read-only open does not break read leases", status_of(pid), 0);
	EXPECT_EQ("still read", fcntl(a, F_GETLEASE), F_RDLCK);
	close(b);
	close(a);
}

static void break_by_writer(void)
{
	int fd = open(path, O_RDONLY);
	fcntl(fd, F_SETSIG, SIGRTMIN);
	EXPECT_OK("read lease", fcntl(fd, F_SETLEASE, F_RDLCK));
	pid_t pid = opener(O_WRONLY);
	expect_break("a writer's open", fd);
	EXPECT_EQ("F_GETLEASE shows the break's target", fcntl(fd, F_GETLEASE), F_UNLCK);
	int other = open(path, O_RDONLY | O_NONBLOCK);
	EXPECT_ERR("no new lease while breaking", fcntl(other, F_SETLEASE, F_RDLCK), EAGAIN);
	close(other);
	usleep(100000);
	EXPECT_EQ("the writer still waits", waitpid(pid, NULL, WNOHANG), 0);
	EXPECT_OK("the holder unlocks", fcntl(fd, F_SETLEASE, F_UNLCK));
	EXPECT_EQ("then the writer opens", status_of(pid), 0);
	close(fd);
}

static void break_nonblocking(void)
{
	int fd = open(path, O_RDWR);
	fcntl(fd, F_SETSIG, SIGRTMIN);
	EXPECT_OK("write lease", fcntl(fd, F_SETLEASE, F_WRLCK));
	pid_t pid = opener(O_RDONLY | O_NONBLOCK);
	EXPECT_EQ("a non-blocking reader gets EWOULDBLOCK", status_of(pid), EWOULDBLOCK);
	expect_break("its open still started the break", fd);
	EXPECT_EQ("breaking to a read lease", fcntl(fd, F_GETLEASE), F_RDLCK);
	close(fd);
	pid = opener(O_RDONLY | O_NONBLOCK);
	EXPECT_EQ("closing the holder ends the lease", status_of(pid), 0);
}

static void break_by_close(void)
{
	int fd = open(path, O_RDONLY);
	fcntl(fd, F_SETSIG, SIGRTMIN);
	EXPECT_OK("read lease", fcntl(fd, F_SETLEASE, F_RDLCK));
	pid_t pid = opener(O_RDWR | O_TRUNC);
	expect_break("an O_TRUNC open", fd);
	close(fd);
	EXPECT_EQ("the holder's close lets it open", status_of(pid), 0);
}

static void break_by_truncate(void)
{
	int fd = open(path, O_RDONLY);
	fcntl(fd, F_SETSIG, SIGRTMIN);
	EXPECT_OK("read lease", fcntl(fd, F_SETLEASE, F_RDLCK));
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(truncate(path, 0) == 0 ? 0 : errno);
	expect_break("truncate(2)", fd);
	EXPECT_OK("the holder unlocks", fcntl(fd, F_SETLEASE, F_UNLCK));
	EXPECT_EQ("then the truncate runs", status_of(pid), 0);
	close(fd);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &set, NULL);
	unlink(path);
	close(open(path, O_CREAT | O_RDWR, 0644));
	errors();
	shared_reads();
	break_by_writer();
	break_nonblocking();
	break_by_close();
	break_by_truncate();
	unlink(path);
	return conf_failures != 0;
}
