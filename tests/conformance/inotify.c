/* inotify_init1, inotify_add_watch, inotify_rm_watch: the events of changes made by this program in a private
 * directory under /tmp, in Linux's order (create, open, modify, access, close, attrib, delete, moves with cookies,
 * *_SELF, IN_IGNORED), the watch flags, reading the queue, and every documented error. */
#include "events.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int in;
static char dir[64];
static unsigned cookies[8];

static const char *path(const char *name)
{
	static char buf[2][128];
	static int which;
	which ^= 1;
	snprintf(buf[which], sizeof buf[which], "%s/%s", dir, name);
	return buf[which];
}

static void print_mask(unsigned m)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{ IN_ACCESS, "ACCESS" }, { IN_MODIFY, "MODIFY" }, { IN_ATTRIB, "ATTRIB" }, { IN_CLOSE_WRITE, "CLOSE_WRITE" },
		{ IN_CLOSE_NOWRITE, "CLOSE_NOWRITE" }, { IN_OPEN, "OPEN" }, { IN_MOVED_FROM, "MOVED_FROM" },
		{ IN_MOVED_TO, "MOVED_TO" }, { IN_CREATE, "CREATE" }, { IN_DELETE, "DELETE" }, { IN_DELETE_SELF, "DELETE_SELF" },
		{ IN_MOVE_SELF, "MOVE_SELF" }, { IN_Q_OVERFLOW, "Q_OVERFLOW" }, { IN_IGNORED, "IGNORED" }, { IN_ISDIR, "ISDIR" },
	};
	const char *sep = "";
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (m & names[i].bit) {
			printf("%s%s", sep, names[i].name);
			sep = "|";
			m &= ~names[i].bit;
		}
	}
	if (m)
		printf("%s0x%x", sep, m);
}

/* Reads and prints every queued event; cookies print as letters (A = the first one seen). */
static void drain(const char *label)
{
	char buf[4096] __attribute__((aligned(8)));
	printf("%s:\n", label);
	for (;;) {
		struct pollfd pf = { in, POLLIN, 0 };
		if (poll(&pf, 1, 0) != 1)
			break;
		long n = read(in, buf, sizeof buf);
		if (n <= 0) {
			printf("  read: %ld %s\n", n, n < 0 ? conf_errname(errno) : "");
			break;
		}
		for (long off = 0; off < n;) {
			struct inotify_event *e = (struct inotify_event *)(buf + off);
			printf("  wd=%d ", e->wd);
			print_mask(e->mask);
			if (e->len)
				printf(" name=%s", e->name);
			if (e->len % 16 != 0 || (e->len && strlen(e->name) >= e->len))
				printf(" BAD-LEN");
			if (e->cookie) {
				int k = 0;
				while (k < 8 && cookies[k] && cookies[k] != e->cookie)
					k++;
				if (k < 8)
					cookies[k] = e->cookie;
				printf(" cookie=%c", 'A' + k);
			}
			printf("\n");
			off += sizeof *e + e->len;
		}
	}
}

static void errors(void)
{
	EXPECT_ERR("init1 bad flags", inotify_init1(1), EINVAL);
	EXPECT_ERR("add mask 0", inotify_add_watch(in, dir, 0), EINVAL);
	EXPECT_ERR("add unknown bit 0x1000", inotify_add_watch(in, dir, IN_OPEN | 0x1000), EINVAL);
	EXPECT_ERR("add unknown bit 0x10000", inotify_add_watch(in, dir, IN_OPEN | 0x10000), EINVAL);
	EXPECT_ERR("add bad fd", inotify_add_watch(99, dir, IN_OPEN), EBADF);
	EXPECT_ERR("add bad fd, bad path", inotify_add_watch(99, (void *)8, IN_OPEN), EBADF);
	int p[2];
	pipe(p);
	EXPECT_ERR("add not inotify", inotify_add_watch(p[0], dir, IN_OPEN), EINVAL);
	EXPECT_ERR("add MASK_ADD|MASK_CREATE", inotify_add_watch(in, dir, IN_OPEN | IN_MASK_ADD | IN_MASK_CREATE), EINVAL);
	EXPECT_ERR("add bad path", inotify_add_watch(in, (void *)8, IN_OPEN), EFAULT);
	EXPECT_ERR("add missing", inotify_add_watch(in, path("missing"), IN_OPEN), ENOENT);
	EXPECT_ERR("add empty path", inotify_add_watch(in, "", IN_OPEN), ENOENT);
	char longname[300];
	memset(longname, 'n', 256);
	longname[256] = 0;
	EXPECT_ERR("add name of 256 bytes", inotify_add_watch(in, longname, IN_OPEN), ENAMETOOLONG);
	EXPECT_ERR("add through a file", inotify_add_watch(in, "/etc/passwd/x", IN_OPEN), ENOTDIR);
	/* Watching needs read permission on the file. */
	int secret = open(path("secret"), O_RDWR | O_CREAT, 0600);
	close(secret);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (setuid(65534) != 0)
			printf("setuid failed\n");
		EXPECT_ERR("add a 0600 file as uid 65534", inotify_add_watch(in, path("secret"), IN_OPEN), EACCES);
		fflush(stdout);
		_exit(conf_failures ? 1 : 0);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	EXPECT_TRUE("child checks passed", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	unlink(path("secret"));
	EXPECT_ERR("rm bad fd", inotify_rm_watch(99, 1), EBADF);
	EXPECT_ERR("rm not inotify", inotify_rm_watch(p[0], 1), EINVAL);
	EXPECT_ERR("rm unknown wd", inotify_rm_watch(in, 12345), EINVAL);
	char b[16];
	EXPECT_ERR("write", write(in, b, 16), EBADF);
	EXPECT_ERR("read empty (nonblocking)", read(in, b, 16), EAGAIN);
	EXPECT_EQ("F_GETFL", fcntl(in, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDONLY | O_NONBLOCK);
	close(p[0]);
	close(p[1]);
}

static void files(void)
{
	int wd = inotify_add_watch(in, dir, IN_ALL_EVENTS);
	EXPECT_EQ("watch dir", wd, 1);
	EXPECT_EQ("watch dir again: same wd", inotify_add_watch(in, dir, IN_ALL_EVENTS), 1);
	int fd = open(path("a"), O_CREAT | O_WRONLY | O_TRUNC, 0644);
	drain("create a");
	EXPECT_EQ("watch a", inotify_add_watch(in, path("a"), IN_ALL_EVENTS), 2);
	write(fd, "x", 1);
	write(fd, "y", 1);
	close(fd);
	drain("write twice, close");
	fd = open(path("a"), O_WRONLY | O_TRUNC);
	close(fd);
	drain("open O_TRUNC, close");
	fd = open(path("a"), O_WRONLY | O_APPEND);
	write(fd, "ab", 2);
	close(fd);
	drain("append, close");
	fd = open(path("a"), O_RDONLY);
	char c[2];
	read(fd, c, 1);
	pread(fd, c, 2, 0);
	read(fd, c, 1);
	read(fd, c, 1);
	close(fd);
	drain("read, pread, read, read at end, close");
	fd = open(path("a"), O_RDWR);
	write(fd, "z", 1);
	write(fd, "z", 1);
	ftruncate(fd, 0);
	close(fd);
	drain("write twice, ftruncate");
	truncate(path("a"), 1);
	drain("truncate");
	link(path("a"), path("b"));
	drain("link a b");
	unlink(path("b"));
	drain("unlink b");
	symlink("a", path("s"));
	drain("symlink s");
	EXPECT_EQ("watch s (followed: a's wd)", inotify_add_watch(in, path("s"), IN_ALL_EVENTS), 2);
	EXPECT_EQ("watch s IN_DONT_FOLLOW", inotify_add_watch(in, path("s"), IN_ALL_EVENTS | IN_DONT_FOLLOW), 3);
	unlink(path("s"));
	unlink(path("a"));
	drain("unlink s, unlink a");
}

static void directories(void)
{
	mkdir(path("sub"), 0755);
	drain("mkdir sub");
	EXPECT_EQ("watch sub", inotify_add_watch(in, path("sub"), IN_ALL_EVENTS), 4);
	rename(path("sub"), path("sub2"));
	drain("rename sub sub2");
	DIR *d = opendir(path("sub2"));
	while (readdir(d))
		;
	closedir(d);
	drain("list sub2");
	rmdir(path("sub2"));
	drain("rmdir sub2");
	EXPECT_ERR("rm the gone watch", inotify_rm_watch(in, 4), EINVAL);
}

static void open_while_unlinked(void)
{
	int f = open(path("c"), O_CREAT | O_RDONLY, 0644);
	int g = open(path("c"), O_RDONLY);
	drain("create c, open it twice (the second IN_OPEN merges)");
	EXPECT_EQ("watch c", inotify_add_watch(in, path("c"), IN_ALL_EVENTS), 5);
	unlink(path("c"));
	drain("unlink c (still open)");
	close(f);
	drain("close one");
	close(g);
	drain("close the last");
}

static void moves(void)
{
	mkdir(path("d"), 0755);
	int fd = open(path("d/t"), O_CREAT | O_RDONLY, 0644);
	close(fd);
	fd = open(path("f"), O_CREAT | O_RDONLY, 0644);
	close(fd);
	drain("setup");
	EXPECT_EQ("watch d", inotify_add_watch(in, path("d"), IN_ALL_EVENTS), 6);
	EXPECT_EQ("watch d/t", inotify_add_watch(in, path("d/t"), IN_ALL_EVENTS), 7);
	EXPECT_EQ("watch f", inotify_add_watch(in, path("f"), IN_ALL_EVENTS), 8);
	rename(path("f"), path("d/t"));
	drain("rename f over d/t");
	rename(path("d/t"), path("g"));
	drain("rename d/t g");
	unlink(path("g"));
	rmdir(path("d"));
	drain("unlink g, rmdir d");
}

static void flags(void)
{
	int fd = open(path("o"), O_CREAT | O_RDONLY, 0644);
	close(fd);
	drain("create o");
	EXPECT_ERR("IN_ONLYDIR on a file", inotify_add_watch(in, path("o"), IN_OPEN | IN_ONLYDIR), ENOTDIR);
	EXPECT_ERR("through a file", inotify_add_watch(in, path("o/x"), IN_OPEN), ENOTDIR);
	EXPECT_EQ("IN_ONESHOT", inotify_add_watch(in, path("o"), IN_OPEN | IN_CLOSE | IN_ONESHOT), 9);
	EXPECT_EQ("dir: IN_OPEN only", inotify_add_watch(in, dir, IN_OPEN), 1);
	EXPECT_ERR("IN_MASK_CREATE on a watched dir", inotify_add_watch(in, dir, IN_OPEN | IN_MASK_CREATE), EEXIST);
	fd = open(path("o"), O_RDONLY);
	close(fd);
	drain("open, close (oneshot ends; dir sees IN_OPEN only)");
	EXPECT_EQ("dir: IN_MASK_ADD IN_CLOSE", inotify_add_watch(in, dir, IN_CLOSE | IN_MASK_ADD), 1);
	fd = open(path("o"), O_RDONLY);
	close(fd);
	drain("open, close");
	EXPECT_EQ("dir: IN_EXCL_UNLINK", inotify_add_watch(in, dir, IN_ALL_EVENTS | IN_EXCL_UNLINK), 1);
	fd = open(path("o"), O_RDWR);
	unlink(path("o"));
	write(fd, "x", 1);
	close(fd);
	drain("open, unlink, write, close (no events about the unlinked child)");
	EXPECT_EQ("rm_watch", inotify_rm_watch(in, 1), 0);
	drain("rm_watch");
	EXPECT_ERR("rm_watch again", inotify_rm_watch(in, 1), EINVAL);
}

static void reading(void)
{
	int wd = inotify_add_watch(in, dir, IN_OPEN | IN_CLOSE);
	EXPECT_TRUE("watch dir again", wd > 9);
	int n = -1;
	EXPECT_EQ("FIONREAD empty", ioctl(in, FIONREAD, &n), 0);
	EXPECT_EQ("  bytes", n, 0);
	struct pollfd pf = { in, POLLIN | POLLRDNORM, 0 };
	EXPECT_EQ("poll empty", poll(&pf, 1, 0), 0);
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	close(fd);
	EXPECT_EQ("poll", poll(&pf, 1, 0), 1);
	EXPECT_EQ("  revents", pf.revents, POLLIN | POLLRDNORM);
	EXPECT_EQ("FIONREAD", ioctl(in, FIONREAD, &n), 0);
	EXPECT_EQ("  bytes (two events without names)", n, 32);
	char buf[64] __attribute__((aligned(8)));
	EXPECT_ERR("read 15 bytes", read(in, buf, 15), EINVAL);
	EXPECT_EQ("read 16 bytes: one event", read(in, buf, 16), 16);
	EXPECT_EQ("read 64 bytes: the other", read(in, buf, 64), 16);
	fd = open(path("longer-name"), O_CREAT | O_RDONLY, 0644);
	close(fd);
	EXPECT_ERR("read 16 bytes, event with a name", read(in, buf, 16), EINVAL);
	EXPECT_EQ("read 64 bytes: two 32-byte events", read(in, buf, 64), 64);
	unlink(path("longer-name"));

	/* A blocking instance: events already queued are read at once. */
	int blocking = inotify_init1(IN_CLOEXEC);
	EXPECT_EQ("IN_CLOEXEC", fcntl(blocking, F_GETFD), FD_CLOEXEC);
	inotify_add_watch(blocking, dir, IN_OPEN);
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	close(fd);
	EXPECT_EQ("blocking read with events", read(blocking, buf, sizeof buf), 16);
	close(blocking);
}

int main(int argc, char **argv)
{
	events_init(argc, argv);
	strcpy(dir, "/tmp/inotify-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	in = inotify_init1(IN_NONBLOCK);
	EXPECT_TRUE("inotify_init1(IN_NONBLOCK)", in >= 0);
	errors();
	files();
	directories();
	open_while_unlinked();
	moves();
	flags();
	reading();
	close(in);
	rmdir(dir);
	return conf_exit();
}
