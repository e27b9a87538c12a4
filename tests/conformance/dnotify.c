/* fcntl F_NOTIFY (dnotify): a directory descriptor's registration signals its process (F_SETSIG's signal with
 * POLL_MSG and si_fd, or SIGIO) on creates, deletes, changes, attribute changes, renames and reads of entries;
 * one-shot unless DN_MULTISHOT, masks add up, and a close of the descriptor or F_NOTIFY 0 ends it. */
#include "conformance.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char dir[64] = "/dev/shm/conf-dnotify-XXXXXX";

static char *at(const char *name)
{
	static char buf[2][128];
	static int i;
	i ^= 1;
	snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
	return buf[i];
}

/* How many of the signal arrived within 0.2 s (each checked for POLL_MSG and its si_fd). */
static int count(int sig, int fd)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	int n = 0;
	siginfo_t si;
	struct timespec ts = { 0, 200000000 };
	while (sigtimedwait(&set, &si, &ts) == sig) {
		n++;
		if (sig != SIGIO && (si.si_code != POLL_MSG || si.si_fd != fd))
			printf("unexpected siginfo: code %d fd %d\n", si.si_code, si.si_fd);
		ts.tv_nsec = 50000000;
	}
	return n;
}

static void touch(const char *name)
{
	close(open(at(name), O_CREAT | O_WRONLY, 0644));
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	sigaddset(&set, SIGIO);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (!mkdtemp(dir)) {
		printf("mkdtemp failed\n");
		return 1;
	}
	touch("f");
	int file = open(at("f"), O_RDONLY);
	EXPECT_ERR("F_NOTIFY on a file", fcntl(file, F_NOTIFY, DN_CREATE), ENOTDIR);
	EXPECT_OK("F_NOTIFY 0 on a file", fcntl(file, F_NOTIFY, 0));
	close(file);
	int p[2];
	(void)!pipe(p);
	EXPECT_ERR("F_NOTIFY on a pipe", fcntl(p[0], F_NOTIFY, DN_CREATE), ENOTDIR);
	close(p[0]);
	close(p[1]);

	int d = open(dir, O_RDONLY | O_DIRECTORY);
	fcntl(d, F_SETSIG, SIGRTMIN);
	EXPECT_OK("DN_CREATE", fcntl(d, F_NOTIFY, DN_CREATE));
	touch("a");
	EXPECT_EQ("a create signals", count(SIGRTMIN, d), 1);
	touch("b");
	EXPECT_EQ("one-shot: the next does not", count(SIGRTMIN, d), 0);

	EXPECT_OK("DN_CREATE|DN_MULTISHOT", fcntl(d, F_NOTIFY, DN_CREATE | DN_MULTISHOT));
	touch("c");
	touch("e");
	EXPECT_TRUE("multishot: every create signals", count(SIGRTMIN, d) >= 1);
	touch("g");
	EXPECT_EQ("still registered", count(SIGRTMIN, d), 1);
	EXPECT_OK("F_NOTIFY 0 removes it", fcntl(d, F_NOTIFY, 0));
	touch("h");
	EXPECT_EQ("removed: no signal", count(SIGRTMIN, d), 0);

	EXPECT_OK("DN_DELETE", fcntl(d, F_NOTIFY, DN_DELETE | DN_MULTISHOT));
	EXPECT_OK("masks add up: DN_ATTRIB", fcntl(d, F_NOTIFY, DN_ATTRIB | DN_MULTISHOT));
	unlink(at("a"));
	EXPECT_EQ("unlink signals", count(SIGRTMIN, d), 1);
	chmod(at("b"), 0600);
	EXPECT_EQ("chmod signals", count(SIGRTMIN, d), 1);
	touch("i");
	EXPECT_EQ("a create does not", count(SIGRTMIN, d), 0);
	fcntl(d, F_NOTIFY, 0);

	EXPECT_OK("DN_MODIFY", fcntl(d, F_NOTIFY, DN_MODIFY | DN_MULTISHOT));
	int w = open(at("b"), O_WRONLY);
	(void)!write(w, "x", 1);
	close(w);
	EXPECT_EQ("a write signals", count(SIGRTMIN, d), 1);
	fcntl(d, F_NOTIFY, 0);
	EXPECT_OK("DN_ACCESS", fcntl(d, F_NOTIFY, DN_ACCESS));
	char c;
	int r = open(at("b"), O_RDONLY);
	(void)!read(r, &c, 1);
	close(r);
	EXPECT_EQ("a read signals", count(SIGRTMIN, d), 1);
	EXPECT_OK("DN_RENAME", fcntl(d, F_NOTIFY, DN_RENAME));
	rename(at("b"), at("b2"));
	EXPECT_EQ("a rename signals", count(SIGRTMIN, d), 1);
	EXPECT_OK("DN_DELETE for a move out", fcntl(d, F_NOTIFY, DN_DELETE));
	rename(at("b2"), "/dev/shm/conf-dnotify-moved");
	EXPECT_EQ("moving an entry out signals DN_DELETE", count(SIGRTMIN, d), 1);
	unlink("/dev/shm/conf-dnotify-moved");
	EXPECT_OK("DN_CREATE for a subdirectory", fcntl(d, F_NOTIFY, DN_CREATE));
	mkdir(at("sub"), 0755);
	EXPECT_EQ("mkdir signals", count(SIGRTMIN, d), 1);

	int d2 = dup(d);
	EXPECT_OK("DN_CREATE again", fcntl(d, F_NOTIFY, DN_CREATE | DN_MULTISHOT));
	close(d2);
	touch("j");
	EXPECT_EQ("closing a duplicate ends it", count(SIGRTMIN, d), 0);

	fcntl(d, F_SETSIG, 0);
	EXPECT_OK("without F_SETSIG", fcntl(d, F_NOTIFY, DN_CREATE));
	touch("k");
	EXPECT_EQ("SIGIO", count(SIGIO, d), 1);

	const char *names[] = { "b", "c", "e", "f", "g", "h", "i", "j", "k" };
	for (unsigned i = 0; i < sizeof names / sizeof *names; i++)
		unlink(at(names[i]));
	rmdir(at("sub"));
	close(d);
	EXPECT_OK("rmdir", rmdir(dir));
	return conf_failures != 0;
}
