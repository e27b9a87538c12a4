/* The magic links of /proc (/proc/self/cwd, root, exe, fd/N): following one jumps to the file itself, not
 * to its path, so it reaches deleted files, unnamed O_TMPFILE files and pipes, and ".." walks from the place
 * it leads to. Attempts to climb out of the root through them stay at the root. */
#include "procfs.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char path[256], path2[256], tmpname[64];

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev;
}

/* The contents of a file, or "" when it cannot be read. */
static const char *contents(const char *p)
{
	return slurp(p) < 0 ? "" : buf;
}

static void root_and_cwd(void)
{
	char passwd[8192];
	snprintf(passwd, sizeof passwd, "%s", contents("/etc/passwd"));
	EXPECT_TRUE("/etc/passwd is not empty", passwd[0] != 0);
	EXPECT_TRUE("/proc/self/root/etc/passwd is /etc/passwd", strcmp(contents("/proc/self/root/etc/passwd"), passwd) == 0);
	EXPECT_TRUE("/proc/self/root/.. stays at the root", same_file("/proc/self/root/..", "/proc/self/root"));
	EXPECT_TRUE("/proc/self/root/../../.. stays at the root", same_file("/proc/self/root/../../..", "/proc/self/root"));
	EXPECT_TRUE("/proc/self/root/proc/self/root/.. stays at the root", same_file("/proc/self/root/proc/self/root/..", "/proc/self/root"));
	EXPECT_TRUE("/proc/self/root/../etc/passwd is /etc/passwd", strcmp(contents("/proc/self/root/../etc/passwd"), passwd) == 0);

	EXPECT_EQ("chdir /tmp", chdir("/tmp"), 0);
	EXPECT_TRUE("cwd link is /tmp", link_is("/proc/self/cwd", "/tmp"));
	EXPECT_TRUE("/proc/self/cwd is /tmp", same_file("/proc/self/cwd", "/tmp"));
	EXPECT_TRUE("/proc/self/cwd/.. is the root", same_file("/proc/self/cwd/..", "/proc/self/root"));
	EXPECT_TRUE("/proc/self/cwd/../../../.. stays at the root", same_file("/proc/self/cwd/../../../..", "/proc/self/root"));
	EXPECT_EQ("chdir /proc/self/cwd", chdir("/proc/self/cwd"), 0);
	char cwd[256];
	EXPECT_TRUE("getcwd after chdir through the link is /tmp", getcwd(cwd, sizeof cwd) && strcmp(cwd, "/tmp") == 0);

	/* A symlink whose text climbs through the magic link resolves inside the root. */
	snprintf(tmpname, sizeof tmpname, "/tmp/proclinks_%d", getpid());
	EXPECT_EQ("symlink to /proc/self/root/../../../../etc/passwd", symlink("/proc/self/root/../../../../etc/passwd", tmpname), 0);
	EXPECT_TRUE("the symlink reads /etc/passwd", strcmp(contents(tmpname), passwd) == 0);
	unlink(tmpname);
	EXPECT_EQ("chdir /", chdir("/"), 0);
}

static void directory_fd(void)
{
	int d = open("/tmp", O_RDONLY | O_DIRECTORY);
	snprintf(path, sizeof path, "/proc/self/fd/%d", d);
	EXPECT_TRUE("fd link of a directory names it", link_is(path, "/tmp"));
	snprintf(path, sizeof path, "/proc/self/fd/%d/..", d);
	EXPECT_TRUE("fd link of /tmp, then .., is the root", same_file(path, "/proc/self/root"));
	snprintf(path, sizeof path, "/proc/self/fd/%d/../../..", d);
	EXPECT_TRUE("fd link of /tmp, then ../../.., stays at the root", same_file(path, "/proc/self/root"));
	snprintf(tmpname, sizeof tmpname, "/tmp/proclinks_%d", getpid());
	int f = open(tmpname, O_WRONLY | O_CREAT | O_EXCL, 0600);
	EXPECT_EQ("write a file in /tmp", write(f, "in tmp", 6), 6);
	close(f);
	snprintf(path, sizeof path, "/proc/self/fd/%d/proclinks_%d", d, getpid());
	EXPECT_TRUE("a file below a directory's fd link", strcmp(contents(path), "in tmp") == 0);
	unlink(tmpname);
	close(d);
}

static void deleted_and_unnamed(void)
{
	snprintf(tmpname, sizeof tmpname, "/tmp/proclinks_%d", getpid());
	int f = open(tmpname, O_RDWR | O_CREAT | O_EXCL, 0600);
	EXPECT_EQ("write hello", write(f, "hello", 5), 5);
	EXPECT_EQ("unlink it", unlink(tmpname), 0);
	snprintf(path, sizeof path, "/proc/self/fd/%d", f);
	snprintf(path2, sizeof path2, "%s (deleted)", tmpname);
	EXPECT_TRUE("fd link of a deleted file ends in (deleted)", link_is(path, path2));
	EXPECT_TRUE("the deleted file is reached through its fd link", strcmp(contents(path), "hello") == 0);
	EXPECT_ERR("its old name is gone", access(tmpname, F_OK), ENOENT);
	int again = open(path, O_RDONLY);
	EXPECT_TRUE("reopen the deleted file", again >= 0);
	char b[8] = {0};
	EXPECT_EQ("a reopened file has its own offset", read(again, b, 5), 5);
	EXPECT_TRUE("and reads from the start", strcmp(b, "hello") == 0);
	close(again);
	close(f);

	f = open("/tmp", O_TMPFILE | O_RDWR, 0600);
	EXPECT_TRUE("O_TMPFILE in /tmp", f >= 0);
	EXPECT_EQ("write to the unnamed file", write(f, "unnamed", 7), 7);
	snprintf(path, sizeof path, "/proc/self/fd/%d", f);
	char target[256];
	ssize_t n = readlink(path, target, sizeof target - 1);
	target[n > 0 ? n : 0] = 0;
	EXPECT_TRUE("fd link of an unnamed file is /tmp/#N (deleted)",
		    strncmp(target, "/tmp/#", 6) == 0 && n > 10 && strcmp(target + n - 10, " (deleted)") == 0);
	EXPECT_EQ("linkat through /proc/self/fd with AT_SYMLINK_FOLLOW", linkat(AT_FDCWD, path, AT_FDCWD, tmpname, AT_SYMLINK_FOLLOW), 0);
	EXPECT_TRUE("the unnamed file now has a name", strcmp(contents(tmpname), "unnamed") == 0);
	unlink(tmpname);
	close(f);
}

static void pipes_and_stdio(void)
{
	int p[2];
	EXPECT_EQ("pipe", pipe(p), 0);
	EXPECT_EQ("write into the pipe", write(p[1], "piped", 5), 5);
	snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
	int r = open(path, O_RDONLY | O_NONBLOCK);
	EXPECT_TRUE("reopen the read end through its fd link", r >= 0);
	char b[8] = {0};
	EXPECT_EQ("read from the reopened end", read(r, b, 5), 5);
	EXPECT_TRUE("the pipe's data", strcmp(b, "piped") == 0);
	EXPECT_ERR("open a pipe link with O_NOFOLLOW", open(path, O_RDONLY | O_NOFOLLOW), ELOOP);
	EXPECT_ERR("open a pipe link as a directory", open(path, O_RDONLY | O_DIRECTORY), ENOTDIR);
	close(r);
	close(p[0]);
	close(p[1]);

	struct stat a, b2;
	EXPECT_TRUE("/dev/stdin links to /proc/self/fd/0", link_is("/dev/stdin", "/proc/self/fd/0"));
	EXPECT_EQ("fstat 0", fstat(0, &a), 0);
	EXPECT_EQ("stat /dev/stdin", stat("/dev/stdin", &b2), 0);
	EXPECT_TRUE("/dev/stdin leads to fd 0's file", a.st_ino == b2.st_ino && a.st_dev == b2.st_dev && a.st_mode == b2.st_mode);
}

static void exe_link(char **argv)
{
	EXPECT_TRUE("open /proc/self/exe", contents("/proc/self/exe")[0] == 0x7f);
	EXPECT_ERR("/proc/self/exe/x is not a directory", access("/proc/self/exe/x", F_OK), ENOTDIR);
	EXPECT_ERR("/proc/self/fd/0/x is not a directory", access("/proc/self/fd/0/x", F_OK), ENOTDIR);
	(void)argv;
}

int main(int argc, char **argv)
{
	(void)argc;
	root_and_cwd();
	directory_fd();
	deleted_and_unnamed();
	pipes_and_stdio();
	exe_link(argv);
	return conf_exit();
}
