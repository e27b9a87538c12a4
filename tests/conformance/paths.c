/* Path resolution and the namespace calls: openat's path errors, mkdirat,
 * unlinkat, symlinkat, linkat, renameat, renameat2, readlinkat, faccessat,
 * faccessat2, truncate, ftruncate, chdir, fchdir, getcwd, chroot and umask,
 * each success path and each documented errno a guest can provoke.
 * Everything happens in a private directory made by mkdtemp in /tmp (the
 * oracle acts on the real host); permission errors are checked in a forked
 * child that has become uid 65534. */
#include "conformance.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#define RENAME_WHITEOUT 4
#endif

static char dir[64];
static char longname[300];
static char longpath[PATH_MAX + 64];

static void put(const char *path, const char *data)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		if (write(fd, data, strlen(data)) < 0)
			printf("write %s failed\n", path);
		close(fd);
	}
}

static const char *get(const char *path)
{
	static char buf[64];
	memset(buf, 0, sizeof buf);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return "(none)";
	if (read(fd, buf, sizeof buf - 1) < 0)
		strcpy(buf, "(error)");
	close(fd);
	return buf;
}

static int exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* Runs fn in a child as uid/gid 65534 and waits, so its lines come in order. */
static void as_nobody(void (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (setgid(65534) != 0 || setuid(65534) != 0)
			printf("setuid failed\n");
		fn();
		fflush(stdout);
		_exit(conf_failures ? 1 : 0);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		conf_failures++;
}

static void open_paths(void)
{
	put("file", "data");
	EXPECT_OK("symlink link->file", symlink("file", "link"));
	EXPECT_OK("symlink dangling->missing", symlink("missing", "dangling"));
	EXPECT_OK("symlink loop1->loop2", symlink("loop2", "loop1"));
	EXPECT_OK("symlink loop2->loop1", symlink("loop1", "loop2"));
	EXPECT_OK("mkdir d", mkdir("d", 0755));

	int fd = open("link", O_RDONLY);
	EXPECT_TRUE("open follows link", fd >= 0);
	close(fd);
	EXPECT_ERR("open O_NOFOLLOW on link", open("link", O_RDONLY | O_NOFOLLOW), ELOOP);
	fd = open("link", O_PATH | O_NOFOLLOW);
	EXPECT_TRUE("open O_PATH|O_NOFOLLOW on link", fd >= 0);
	struct stat st;
	EXPECT_OK("fstat of the link itself", fstat(fd, &st));
	EXPECT_TRUE("is the link", S_ISLNK(st.st_mode));
	close(fd);
	EXPECT_ERR("open symlink loop", open("loop1", O_RDONLY), ELOOP);
	EXPECT_ERR("open through symlink loop", open("loop1/x", O_RDONLY), ELOOP);
	EXPECT_ERR("open O_CREAT|O_EXCL on link", open("link", O_RDWR | O_CREAT | O_EXCL, 0600), EEXIST);
	EXPECT_ERR("open O_CREAT|O_EXCL on dangling link", open("dangling", O_RDWR | O_CREAT | O_EXCL, 0600), EEXIST);
	fd = open("dangling", O_RDWR | O_CREAT, 0600);
	EXPECT_TRUE("open O_CREAT through dangling link creates the target", fd >= 0 && exists("missing"));
	close(fd);
	unlink("missing");
	EXPECT_ERR("open O_CREAT|O_NOFOLLOW on dangling link", open("dangling", O_RDWR | O_CREAT | O_NOFOLLOW, 0600), ELOOP);

	/* Linux follows at most 40 links in one lookup. */
	char a[16], b[16];
	EXPECT_OK("symlink s0->file", symlink("file", "s0"));
	for (int i = 1; i <= 40; i++) {
		snprintf(a, sizeof a, "s%d", i);
		snprintf(b, sizeof b, "s%d", i - 1);
		if (symlink(b, a) != 0)
			printf("symlink %s failed\n", a);
	}
	fd = open("s39", O_RDONLY);
	EXPECT_TRUE("open through 40 links", fd >= 0);
	close(fd);
	EXPECT_ERR("open through 41 links", open("s40", O_RDONLY), ELOOP);
	for (int i = 0; i <= 40; i++) {
		snprintf(a, sizeof a, "s%d", i);
		unlink(a);
	}

	EXPECT_ERR("open name of 256 bytes", open(longname, O_RDONLY), ENAMETOOLONG);
	EXPECT_ERR("open O_CREAT name of 256 bytes", open(longname, O_RDWR | O_CREAT, 0600), ENAMETOOLONG);
	EXPECT_ERR("open path of PATH_MAX bytes", open(longpath, O_RDONLY), ENAMETOOLONG);
	EXPECT_ERR("open file/ (trailing slash)", open("file/", O_RDONLY), ENOTDIR);
	EXPECT_ERR("open new/ O_CREAT", open("new/", O_RDWR | O_CREAT, 0600), EISDIR);
	EXPECT_ERR("open dir O_CREAT", open("d", O_RDONLY | O_CREAT, 0600), EISDIR);
	EXPECT_ERR("open dir O_RDWR", open("d", O_RDWR), EISDIR);
	EXPECT_ERR("open dir O_WRONLY|O_TRUNC", open("d", O_WRONLY | O_TRUNC), EISDIR);
	EXPECT_ERR("open dir O_RDONLY|O_TRUNC", open("d", O_RDONLY | O_TRUNC), EISDIR);
	EXPECT_ERR("open O_CREAT|O_DIRECTORY", open("newdir", O_RDWR | O_CREAT | O_DIRECTORY, 0600), EINVAL);
	EXPECT_TRUE("nothing created by O_CREAT|O_DIRECTORY", !exists("newdir"));
	EXPECT_ERR("open empty path", open("", O_RDONLY), ENOENT);
	EXPECT_ERR("open bad path pointer", syscall(SYS_openat, AT_FDCWD, (void *)1, O_RDONLY), EFAULT);
	fd = open("d/", O_RDONLY);
	EXPECT_TRUE("open dir/ (trailing slash)", fd >= 0);
	close(fd);
	fd = open("d/.././file", O_RDONLY);
	EXPECT_TRUE("open d/.././file", fd >= 0);
	close(fd);
	/* open ignores unknown flag bits (openat2 rejects them). */
	fd = syscall(SYS_openat, AT_FDCWD, "file", O_RDONLY | 0x40000000);
	EXPECT_TRUE("open ignores an unknown flag", fd >= 0);
	close(fd);

	EXPECT_ERR("O_TMPFILE read-only", open("d", O_TMPFILE | O_RDONLY, 0600), EINVAL);
	EXPECT_ERR("O_TMPFILE on a file", open("file", O_TMPFILE | O_RDWR, 0600), ENOTDIR);
	EXPECT_ERR("O_TMPFILE in a missing dir", open("nodir", O_TMPFILE | O_RDWR, 0600), ENOENT);
	/* procfs has no unnamed files; the attempt creates nothing. */
	EXPECT_ERR("O_TMPFILE in /proc", open("/proc", O_TMPFILE | O_RDWR, 0600), EOPNOTSUPP);
	fd = open("d", O_TMPFILE | O_RDWR, 0600);
	EXPECT_TRUE("O_TMPFILE in d", fd >= 0);
	EXPECT_EQ("O_TMPFILE write", write(fd, "tmp", 3), 3);
	EXPECT_OK("fstat O_TMPFILE", fstat(fd, &st));
	EXPECT_EQ("O_TMPFILE nlink", st.st_nlink, 0);
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	EXPECT_OK("linkat an O_TMPFILE file into d", linkat(AT_FDCWD, proc, AT_FDCWD, "d/named", AT_SYMLINK_FOLLOW));
	conf_expect_str("linked O_TMPFILE content", get("d/named"), "tmp");
	close(fd);
	fd = open("d", O_TMPFILE | O_RDWR | O_EXCL, 0600);
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	EXPECT_ERR("linkat an O_TMPFILE|O_EXCL file", linkat(AT_FDCWD, proc, AT_FDCWD, "d/named2", AT_SYMLINK_FOLLOW), ENOENT);
	close(fd);
	unlink("d/named");
}

static void emfile(void)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit rl = { 8, 8 };
		setrlimit(RLIMIT_NOFILE, &rl);
		for (int f = 3; f < 8; f++)
			if (open("file", O_RDONLY) < 0)
				printf("open %d failed\n", f);
		EXPECT_ERR("open beyond RLIMIT_NOFILE", open("file", O_RDONLY), EMFILE);
		EXPECT_ERR("O_CREAT beyond RLIMIT_NOFILE creates nothing", open("emfile", O_RDWR | O_CREAT, 0600), EMFILE);
		EXPECT_TRUE("no file created", !exists("emfile"));
		fflush(stdout);
		_exit(conf_failures ? 1 : 0);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		conf_failures++;
}

static void mkdirs(void)
{
	struct stat st;
	umask(027);
	EXPECT_OK("mkdir m 0777", mkdir("m", 0777));
	stat("m", &st);
	EXPECT_EQ("mkdir mode after umask 027", st.st_mode & 07777, 0750);
	EXPECT_EQ("umask returns the old mask", umask(022), 027);
	EXPECT_EQ("umask keeps only 0777", umask(0777 | 07000), 022);
	EXPECT_EQ("umask read back", umask(022), 0777);
	EXPECT_OK("mkdirat dirfd-relative", mkdirat(open("m", O_RDONLY | O_DIRECTORY), "sub", 0700));
	EXPECT_OK("mkdir with a trailing slash", mkdir("m2/", 0755));
	EXPECT_ERR("mkdir existing dir", mkdir("m", 0755), EEXIST);
	EXPECT_ERR("mkdir existing file", mkdir("file", 0755), EEXIST);
	EXPECT_ERR("mkdir on a dangling link", mkdir("dangling", 0755), EEXIST);
	EXPECT_ERR("mkdir missing parent", mkdir("nodir/x", 0755), ENOENT);
	EXPECT_ERR("mkdir parent is a file", mkdir("file/x", 0755), ENOTDIR);
	EXPECT_ERR("mkdir through a loop", mkdir("loop1/x", 0755), ELOOP);
	EXPECT_ERR("mkdir name of 256 bytes", mkdir(longname, 0755), ENAMETOOLONG);
	EXPECT_ERR("mkdir bad pointer", syscall(SYS_mkdirat, AT_FDCWD, (void *)1, 0755), EFAULT);
	EXPECT_ERR("mkdirat bad dirfd", mkdirat(99, "x", 0755), EBADF);
	EXPECT_ERR("mkdirat file dirfd", mkdirat(open("file", O_RDONLY), "x", 0755), ENOTDIR);
	EXPECT_ERR("mkdir empty path", mkdir("", 0755), ENOENT);
	EXPECT_ERR("mkdir .", mkdir(".", 0755), EEXIST);
}

static void unlinks(void)
{
	put("m/f", "x");
	EXPECT_ERR("rmdir non-empty", rmdir("m"), ENOTEMPTY);
	EXPECT_ERR("unlinkat AT_REMOVEDIR non-empty", unlinkat(AT_FDCWD, "m", AT_REMOVEDIR), ENOTEMPTY);
	EXPECT_ERR("rmdir a file", rmdir("file"), ENOTDIR);
	EXPECT_ERR("rmdir a link to a dir", (symlink("m", "mlink"), rmdir("mlink")), ENOTDIR);
	EXPECT_OK("unlink the link to a dir", unlink("mlink"));
	EXPECT_ERR("rmdir .", rmdir("."), EINVAL);
	EXPECT_ERR("rmdir m/.", rmdir("m/."), EINVAL);
	EXPECT_ERR("rmdir ..", rmdir(".."), ENOTEMPTY);
	EXPECT_ERR("unlinkat bad flag", unlinkat(AT_FDCWD, "file", 0x1), EINVAL);
	EXPECT_ERR("unlink file/", unlink("file/"), ENOTDIR);
	EXPECT_ERR("unlink missing", unlink("missing"), ENOENT);
	EXPECT_ERR("unlink through missing dir", unlink("nodir/x"), ENOENT);
	EXPECT_ERR("unlink through a file", unlink("file/x"), ENOTDIR);
	EXPECT_ERR("unlink through a loop", unlink("loop1/x"), ELOOP);
	EXPECT_ERR("unlink name of 256 bytes", unlink(longname), ENAMETOOLONG);
	EXPECT_ERR("unlink bad pointer", syscall(SYS_unlinkat, AT_FDCWD, (void *)1, 0), EFAULT);
	EXPECT_ERR("unlinkat bad dirfd", unlinkat(99, "x", 0), EBADF);
	EXPECT_ERR("unlink empty path", unlink(""), ENOENT);
	EXPECT_OK("unlink a dangling link", (symlink("nowhere", "dl"), unlink("dl")));
	EXPECT_OK("rmdir with trailing slash", (mkdir("r", 0755), rmdir("r/")));
	EXPECT_OK("unlinkat AT_REMOVEDIR", (mkdir("r", 0755), unlinkat(AT_FDCWD, "r", AT_REMOVEDIR)));
}

static void symlinks(void)
{
	char buf[64];
	EXPECT_ERR("symlink over a file", symlink("x", "file"), EEXIST);
	EXPECT_ERR("symlink over a dangling link", symlink("x", "dangling"), EEXIST);
	EXPECT_ERR("symlink empty target", symlink("", "empty"), ENOENT);
	EXPECT_ERR("symlink missing parent", symlink("x", "nodir/l"), ENOENT);
	EXPECT_ERR("symlink parent is a file", symlink("x", "file/l"), ENOTDIR);
	EXPECT_ERR("symlink name of 256 bytes", symlink("x", longname), ENAMETOOLONG);
	EXPECT_ERR("symlink target of PATH_MAX bytes", symlink(longpath, "longl"), ENAMETOOLONG);
	EXPECT_ERR("symlink bad target pointer", syscall(SYS_symlinkat, (void *)1, AT_FDCWD, "l"), EFAULT);
	EXPECT_ERR("symlinkat bad dirfd", symlinkat("x", 99, "l"), EBADF);
	EXPECT_ERR("symlink through a loop", symlink("x", "loop1/l"), ELOOP);

	memset(buf, 0, sizeof buf);
	EXPECT_EQ("readlink", readlink("link", buf, sizeof buf), 4);
	conf_expect_str("readlink content", buf, "file");
	memset(buf, 0, sizeof buf);
	EXPECT_EQ("readlink truncates", readlink("link", buf, 2), 2);
	conf_expect_str("readlink truncated content", buf, "fi");
	EXPECT_ERR("readlink bufsiz 0", syscall(SYS_readlinkat, AT_FDCWD, "link", buf, 0), EINVAL);
	EXPECT_ERR("readlink a file", readlink("file", buf, sizeof buf), EINVAL);
	EXPECT_ERR("readlink a dir", readlink("d", buf, sizeof buf), EINVAL);
	EXPECT_ERR("readlink missing", readlink("missing", buf, sizeof buf), ENOENT);
	EXPECT_ERR("readlink through a file", readlink("file/x", buf, sizeof buf), ENOTDIR);
	EXPECT_ERR("readlink through a loop", readlink("loop1/x", buf, sizeof buf), ELOOP);
	EXPECT_ERR("readlink name of 256 bytes", readlink(longname, buf, sizeof buf), ENAMETOOLONG);
	EXPECT_ERR("readlink bad buffer", syscall(SYS_readlinkat, AT_FDCWD, "link", (void *)1, 64), EFAULT);
	EXPECT_ERR("readlinkat bad dirfd", readlinkat(99, "link", buf, sizeof buf), EBADF);
	EXPECT_ERR("readlink empty path", readlink("", buf, sizeof buf), ENOENT);
	int fd = open("link", O_PATH | O_NOFOLLOW);
	memset(buf, 0, sizeof buf);
	EXPECT_EQ("readlinkat(O_PATH link fd, \"\")", readlinkat(fd, "", buf, sizeof buf), 4);
	conf_expect_str("readlinkat empty path content", buf, "file");
	close(fd);
	fd = open("file", O_PATH);
	EXPECT_ERR("readlinkat(file fd, \"\")", readlinkat(fd, "", buf, sizeof buf), ENOENT);
	close(fd);
}

static void links(void)
{
	struct stat st;
	EXPECT_OK("link file->hard", link("file", "hard"));
	stat("file", &st);
	EXPECT_EQ("nlink after link", st.st_nlink, 2);
	conf_expect_str("hard link content", get("hard"), "data");
	EXPECT_ERR("link onto an existing name", link("file", "hard"), EEXIST);
	EXPECT_ERR("link a directory", link("d", "dlink"), EPERM);
	EXPECT_ERR("link missing source", link("missing", "x"), ENOENT);
	EXPECT_ERR("link into a missing dir", link("file", "nodir/x"), ENOENT);
	EXPECT_ERR("link source through a file", link("file/x", "x"), ENOTDIR);
	EXPECT_ERR("link name of 256 bytes", link("file", longname), ENAMETOOLONG);
	EXPECT_ERR("link through a loop", link("file", "loop1/x"), ELOOP);
	EXPECT_ERR("link a loop with AT_SYMLINK_FOLLOW", linkat(AT_FDCWD, "loop1", AT_FDCWD, "x", AT_SYMLINK_FOLLOW), ELOOP);
	EXPECT_ERR("linkat bad flag", linkat(AT_FDCWD, "file", AT_FDCWD, "x", 0x2), EINVAL);
	EXPECT_ERR("linkat bad dirfd", linkat(99, "file", AT_FDCWD, "x", 0), EBADF);
	EXPECT_ERR("link bad pointer", syscall(SYS_linkat, AT_FDCWD, (void *)1, AT_FDCWD, "x", 0), EFAULT);
	EXPECT_ERR("link across filesystems", link("file", "/dev/shm/conf-paths-xdev"), EXDEV);
	EXPECT_OK("linkat a symlink (no follow)", linkat(AT_FDCWD, "link", AT_FDCWD, "hl", 0));
	lstat("hl", &st);
	EXPECT_TRUE("hard link to the symlink is a symlink", S_ISLNK(st.st_mode));
	EXPECT_OK("linkat AT_SYMLINK_FOLLOW", linkat(AT_FDCWD, "link", AT_FDCWD, "hf", AT_SYMLINK_FOLLOW));
	lstat("hf", &st);
	EXPECT_TRUE("AT_SYMLINK_FOLLOW links the target", S_ISREG(st.st_mode) && st.st_nlink == 3);
	int fd = open("file", O_RDONLY);
	EXPECT_OK("linkat AT_EMPTY_PATH", linkat(fd, "", AT_FDCWD, "he", AT_EMPTY_PATH));
	EXPECT_ERR("linkat empty path without flag", linkat(fd, "", AT_FDCWD, "he2", 0), ENOENT);
	close(fd);
	unlink("hard");
	unlink("hl");
	unlink("hf");
	unlink("he");
}

static void renames(void)
{
	put("a", "A");
	put("b", "B");
	EXPECT_OK("rename a->c", rename("a", "c"));
	EXPECT_TRUE("a gone, c there", !exists("a") && exists("c"));
	EXPECT_OK("rename c over b", rename("c", "b"));
	conf_expect_str("b replaced", get("b"), "A");
	EXPECT_OK("rename onto itself", rename("b", "b"));
	EXPECT_OK("rename onto a hard link of itself", (link("b", "bh"), rename("b", "bh")));
	EXPECT_TRUE("both names stay", exists("b") && exists("bh"));
	unlink("bh");
	put("a", "A");
	EXPECT_ERR("RENAME_NOREPLACE onto a file", renameat2(AT_FDCWD, "a", AT_FDCWD, "b", RENAME_NOREPLACE), EEXIST);
	EXPECT_OK("RENAME_NOREPLACE to a new name", renameat2(AT_FDCWD, "a", AT_FDCWD, "a2", RENAME_NOREPLACE));
	EXPECT_OK("RENAME_EXCHANGE", renameat2(AT_FDCWD, "a2", AT_FDCWD, "b", RENAME_EXCHANGE));
	conf_expect_str("exchanged b", get("b"), "A");
	conf_expect_str("exchanged a2", get("a2"), "A");
	put("a2", "X");
	EXPECT_OK("RENAME_EXCHANGE file and dir", renameat2(AT_FDCWD, "a2", AT_FDCWD, "m2", RENAME_EXCHANGE));
	struct stat st;
	lstat("a2", &st);
	EXPECT_TRUE("a2 is now the dir", S_ISDIR(st.st_mode));
	renameat2(AT_FDCWD, "a2", AT_FDCWD, "m2", RENAME_EXCHANGE);
	EXPECT_ERR("RENAME_EXCHANGE with a missing target", renameat2(AT_FDCWD, "a2", AT_FDCWD, "missing", RENAME_EXCHANGE), ENOENT);
	EXPECT_ERR("RENAME_NOREPLACE|RENAME_EXCHANGE", renameat2(AT_FDCWD, "a2", AT_FDCWD, "b", RENAME_NOREPLACE | RENAME_EXCHANGE), EINVAL);
	EXPECT_ERR("RENAME_WHITEOUT|RENAME_EXCHANGE", renameat2(AT_FDCWD, "a2", AT_FDCWD, "b", RENAME_WHITEOUT | RENAME_EXCHANGE), EINVAL);
	EXPECT_ERR("renameat2 unknown flag", renameat2(AT_FDCWD, "a2", AT_FDCWD, "b", 0x8), EINVAL);
	EXPECT_OK("RENAME_WHITEOUT", renameat2(AT_FDCWD, "a2", AT_FDCWD, "w", RENAME_WHITEOUT));
	lstat("a2", &st);
	EXPECT_TRUE("a whiteout (char 0:0) is left", S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0));
	unlink("a2");
	unlink("w");

	EXPECT_OK("mkdir e1", mkdir("e1", 0755));
	EXPECT_OK("mkdir e2", mkdir("e2", 0755));
	put("e2/x", "x");
	EXPECT_ERR("rename a dir over a non-empty dir", rename("e1", "e2"), ENOTEMPTY);
	EXPECT_ERR("rename a file over a dir", rename("b", "e1"), EISDIR);
	EXPECT_ERR("rename a dir over a file", rename("e1", "b"), ENOTDIR);
	EXPECT_ERR("rename a dir into itself", rename("e2", "e2/sub"), EINVAL);
	EXPECT_ERR("rename a dir over its own child", rename("e2", "e2/x"), EINVAL);
	EXPECT_ERR("rename a file with a trailing slash", rename("b", "b2/"), ENOTDIR);
	EXPECT_ERR("rename missing", rename("missing", "x"), ENOENT);
	EXPECT_ERR("rename into a missing dir", rename("b", "nodir/x"), ENOENT);
	EXPECT_ERR("rename through a file", rename("file/x", "x"), ENOTDIR);
	EXPECT_ERR("rename through a loop", rename("loop1/x", "x"), ELOOP);
	EXPECT_ERR("rename to a name of 256 bytes", rename("b", longname), ENAMETOOLONG);
	EXPECT_ERR("rename .", rename(".", "x"), EBUSY);
	EXPECT_ERR("rename onto ..", rename("e1", ".."), EBUSY);
	EXPECT_ERR("rename across filesystems", rename("b", "/dev/shm/conf-paths-xdev"), EXDEV);
	EXPECT_ERR("renameat bad dirfd", renameat(99, "b", AT_FDCWD, "x"), EBADF);
	EXPECT_ERR("rename bad pointer", syscall(SYS_renameat2, AT_FDCWD, (void *)1, AT_FDCWD, "x", 0), EFAULT);
	EXPECT_OK("rename a dir over an empty dir", rename("e1", "m2"));
	EXPECT_OK("rename a dir with a trailing slash", rename("m2/", "e1/"));
	unlink("e2/x");
	rmdir("e2");
	rmdir("e1");
	unlink("b");
}

static void access_calls(void)
{
	chmod("file", 0644);
	EXPECT_OK("access F_OK", access("file", F_OK));
	EXPECT_OK("access R_OK|W_OK as root", access("file", R_OK | W_OK));
	EXPECT_ERR("access X_OK on a non-executable file, even as root", access("file", X_OK), EACCES);
	EXPECT_OK("access X_OK on a dir", access("d", X_OK));
	EXPECT_ERR("faccessat bad mode", syscall(SYS_faccessat, AT_FDCWD, "file", 8), EINVAL);
	EXPECT_ERR("access missing", access("missing", F_OK), ENOENT);
	EXPECT_ERR("access dangling link", access("dangling", F_OK), ENOENT);
	EXPECT_ERR("access through a file", access("file/x", F_OK), ENOTDIR);
	EXPECT_ERR("access through a loop", access("loop1", F_OK), ELOOP);
	EXPECT_ERR("access name of 256 bytes", access(longname, F_OK), ENAMETOOLONG);
	EXPECT_ERR("access bad pointer", syscall(SYS_faccessat, AT_FDCWD, (void *)1, F_OK), EFAULT);
	EXPECT_ERR("faccessat bad dirfd", syscall(SYS_faccessat, 99, "file", F_OK), EBADF);
	EXPECT_OK("faccessat2 AT_SYMLINK_NOFOLLOW on a dangling link", syscall(SYS_faccessat2, AT_FDCWD, "dangling", F_OK, AT_SYMLINK_NOFOLLOW));
	EXPECT_OK("faccessat2 AT_EACCESS", syscall(SYS_faccessat2, AT_FDCWD, "file", R_OK, AT_EACCESS));
	int fd = open("file", O_RDONLY);
	EXPECT_OK("faccessat2 AT_EMPTY_PATH", syscall(SYS_faccessat2, fd, "", R_OK, AT_EMPTY_PATH));
	EXPECT_ERR("faccessat2 AT_EMPTY_PATH X_OK checks the file, not the cwd", syscall(SYS_faccessat2, fd, "", X_OK, AT_EMPTY_PATH), EACCES);
	EXPECT_ERR("faccessat2 AT_EMPTY_PATH bad fd", syscall(SYS_faccessat2, 99, "", R_OK, AT_EMPTY_PATH), EBADF);
	EXPECT_ERR("faccessat2 empty path without flag", syscall(SYS_faccessat2, fd, "", R_OK, 0), ENOENT);
	close(fd);
	EXPECT_ERR("faccessat2 bad flag", syscall(SYS_faccessat2, AT_FDCWD, "file", F_OK, 0x1), EINVAL);
	EXPECT_ERR("faccessat2 bad mode", syscall(SYS_faccessat2, AT_FDCWD, "file", 8, 0), EINVAL);
}

static void truncates(void)
{
	struct stat st;
	put("t", "0123456789");
	EXPECT_OK("truncate shrink", truncate("t", 4));
	stat("t", &st);
	EXPECT_EQ("size after shrink", st.st_size, 4);
	EXPECT_OK("truncate extend", truncate("t", 100));
	stat("t", &st);
	EXPECT_EQ("size after extend", st.st_size, 100);
	EXPECT_OK("truncate through a link", truncate("link", 4));
	EXPECT_ERR("truncate a dir", truncate("d", 0), EISDIR);
	EXPECT_ERR("truncate negative", truncate("t", -1), EINVAL);
	EXPECT_ERR("truncate missing", truncate("missing", 0), ENOENT);
	EXPECT_ERR("truncate through a file", truncate("file/x", 0), ENOTDIR);
	EXPECT_ERR("truncate through a loop", truncate("loop1", 0), ELOOP);
	EXPECT_ERR("truncate name of 256 bytes", truncate(longname, 0), ENAMETOOLONG);
	EXPECT_ERR("truncate bad pointer", syscall(SYS_truncate, (void *)1, 0L), EFAULT);
	EXPECT_ERR("truncate a fifo", (mkfifo("fifo", 0600), truncate("fifo", 0)), EINVAL);
	unlink("fifo");

	int fd = open("t", O_RDWR);
	EXPECT_OK("ftruncate", ftruncate(fd, 2));
	fstat(fd, &st);
	EXPECT_EQ("size after ftruncate", st.st_size, 2);
	EXPECT_ERR("ftruncate negative", ftruncate(fd, -1), EINVAL);
	close(fd);
	fd = open("t", O_RDONLY);
	EXPECT_ERR("ftruncate read-only fd", ftruncate(fd, 0), EINVAL);
	close(fd);
	fd = open("d", O_RDONLY);
	EXPECT_ERR("ftruncate dir fd", ftruncate(fd, 0), EINVAL);
	close(fd);
	fd = open("t", O_PATH);
	EXPECT_ERR("ftruncate O_PATH fd", ftruncate(fd, 0), EBADF);
	close(fd);
	int p[2];
	pipe(p);
	EXPECT_ERR("ftruncate a pipe", ftruncate(p[1], 0), EINVAL);
	close(p[0]);
	close(p[1]);
	EXPECT_ERR("ftruncate bad fd", ftruncate(99, 0), EBADF);
	fd = open("t", O_WRONLY | O_APPEND);
	EXPECT_OK("ftruncate O_APPEND fd", ftruncate(fd, 1));
	close(fd);
	unlink("t");
}

static void dirs(void)
{
	char buf[PATH_MAX];
	char here[PATH_MAX];
	getcwd(here, sizeof here);
	EXPECT_OK("chdir d", chdir("d"));
	EXPECT_OK("chdir ..", chdir(".."));
	EXPECT_ERR("chdir through a loop", chdir("loop1"), ELOOP);
	EXPECT_ERR("chdir name of 256 bytes", chdir(longname), ENAMETOOLONG);
	EXPECT_ERR("chdir bad pointer", syscall(SYS_chdir, (void *)1), EFAULT);
	EXPECT_ERR("chdir a file", chdir("file"), ENOTDIR);
	EXPECT_ERR("chdir dangling link", chdir("dangling"), ENOENT);

	int fd = open("d", O_RDONLY | O_DIRECTORY);
	EXPECT_OK("fchdir", fchdir(fd));
	conf_expect_str("getcwd after fchdir ends in /d", strrchr(getcwd(buf, sizeof buf), '/'), "/d");
	close(fd);
	fd = open("..", O_PATH);
	EXPECT_OK("fchdir O_PATH dir fd", fchdir(fd));
	close(fd);
	EXPECT_TRUE("back in the temp dir", strcmp(getcwd(buf, sizeof buf), here) == 0);
	fd = open("file", O_RDONLY);
	EXPECT_ERR("fchdir a file fd", fchdir(fd), ENOTDIR);
	close(fd);
	EXPECT_ERR("fchdir bad fd", fchdir(99), EBADF);

	/* getcwd of a removed directory. */
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		mkdir("gone", 0755);
		chdir("gone");
		rmdir("../gone");
		EXPECT_ERR("getcwd of a removed dir", syscall(SYS_getcwd, buf, sizeof buf), ENOENT);
		EXPECT_ERR("open . in a removed dir with O_CREAT", open("x", O_RDWR | O_CREAT, 0600), ENOENT);
		fflush(stdout);
		_exit(conf_failures ? 1 : 0);
	}
	int status;
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		conf_failures++;

	/* chroot, as root, in a child: the new root is the temp dir. */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		EXPECT_ERR("chroot missing", chroot("missing"), ENOENT);
		EXPECT_ERR("chroot a file", chroot("file"), ENOTDIR);
		EXPECT_ERR("chroot through a loop", chroot("loop1"), ELOOP);
		EXPECT_ERR("chroot bad pointer", syscall(SYS_chroot, (void *)1), EFAULT);
		EXPECT_ERR("chroot name of 256 bytes", chroot(longname), ENAMETOOLONG);
		EXPECT_OK("chroot d", chroot("d"));
		EXPECT_OK("chdir / in the new root", chdir("/"));
		put("/inside", "in");
		fflush(stdout);
		_exit(conf_failures ? 1 : 0);
	}
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		conf_failures++;
	conf_expect_str("file made at the chroot's /", get("d/inside"), "in");
	unlink("d/inside");
}

static void nobody(void)
{
	char buf[64];
	EXPECT_ERR("nobody: open a 0600 file", open("secret", O_RDONLY), EACCES);
	EXPECT_ERR("nobody: open through a 0700 dir", open("private/f", O_RDONLY), EACCES);
	EXPECT_ERR("nobody: stat through a 0700 dir", access("private/f", F_OK), EACCES);
	EXPECT_ERR("nobody: create in a 0555 dir", open("ro/new", O_RDWR | O_CREAT, 0600), EACCES);
	EXPECT_ERR("nobody: O_TRUNC a 0644 file", open("pub", O_RDONLY | O_TRUNC), EACCES);
	EXPECT_ERR("nobody: O_NOATIME on root's file", open("pub", O_RDONLY | O_NOATIME), EPERM);
	int theirs = open("pub", O_RDONLY);
	EXPECT_ERR("nobody: F_SETFL O_NOATIME on root's file", fcntl(theirs, F_SETFL, O_NOATIME), EPERM);
	close(theirs);
	int own = open("mine", O_RDONLY | O_NOATIME);
	EXPECT_TRUE("nobody: O_NOATIME on its own file", own >= 0);
	close(own);
	EXPECT_ERR("nobody: mkdir in a 0555 dir", mkdir("ro/x", 0755), EACCES);
	EXPECT_ERR("nobody: mknod a fifo in a 0555 dir", mknod("ro/p", S_IFIFO | 0600, 0), EACCES);
	EXPECT_ERR("nobody: unlink in a 0555 dir", unlink("ro/f"), EACCES);
	EXPECT_ERR("nobody: rmdir in a 0555 dir", rmdir("ro/sub"), EACCES);
	EXPECT_ERR("nobody: symlink in a 0555 dir", symlink("x", "ro/l"), EACCES);
	EXPECT_ERR("nobody: link into a 0555 dir", link("mine", "ro/l"), EACCES);
	EXPECT_ERR("nobody: rename out of a 0555 dir", rename("ro/f", "mine"), EACCES);
	EXPECT_ERR("nobody: readlink through a 0700 dir", readlink("private/l", buf, sizeof buf), EACCES);
	EXPECT_ERR("nobody: access W_OK", access("pub", W_OK), EACCES);
	EXPECT_OK("nobody: access R_OK", access("pub", R_OK));
	EXPECT_ERR("nobody: faccessat2 AT_EACCESS W_OK", syscall(SYS_faccessat2, AT_FDCWD, "pub", W_OK, AT_EACCESS), EACCES);
	EXPECT_ERR("nobody: truncate a 0644 file", truncate("pub", 0), EACCES);
	EXPECT_ERR("nobody: chdir a 0700 dir", chdir("private"), EACCES);
	int fd = open("private", O_PATH);
	EXPECT_ERR("nobody: fchdir a 0700 dir", fchdir(fd), EACCES);
	close(fd);
	EXPECT_ERR("nobody: chroot", chroot("ro"), EPERM);
	EXPECT_ERR("nobody: chroot a 0700 dir", chroot("private"), EACCES);
	/* The sticky bit: only the owner of a file (or of the dir) removes it. */
	EXPECT_ERR("nobody: unlink root's file in a sticky dir", unlink("sticky/rootf"), EPERM);
	EXPECT_ERR("nobody: rename root's file in a sticky dir", rename("sticky/rootf", "sticky/x"), EPERM);
	EXPECT_ERR("nobody: rmdir root's dir in a sticky dir", rmdir("sticky/rootd"), EPERM);
}

static void permissions(void)
{
	chmod(".", 0755);
	put("secret", "s");
	chmod("secret", 0600);
	put("pub", "p");
	mkdir("private", 0700);
	put("private/f", "f");
	symlink("f", "private/l");
	mkdir("ro", 0755);
	put("ro/f", "f");
	mkdir("ro/sub", 0755);
	chmod("ro", 0555);
	put("mine", "m");
	chown("mine", 65534, 65534);
	mkdir("sticky", 0755);
	chmod("sticky", 01777);
	put("sticky/rootf", "r");
	mkdir("sticky/rootd", 0755);
	as_nobody(nobody);
	unlink("secret");
	unlink("pub");
	unlink("mine");
	unlink("private/f");
	unlink("private/l");
	rmdir("private");
	unlink("ro/f");
	rmdir("ro/sub");
	rmdir("ro");
	unlink("sticky/rootf");
	rmdir("sticky/rootd");
	rmdir("sticky");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(longname, 'n', 256);
	memset(longpath, 0, sizeof longpath);
	for (int i = 0; i < PATH_MAX; i += 2)
		memcpy(longpath + i, "./", 2);
	longpath[PATH_MAX] = 0;
	strcpy(dir, "/tmp/conf-paths-XXXXXX");
	if (!mkdtemp(dir) || chdir(dir) != 0) {
		printf("mkdtemp failed\n");
		return 1;
	}
	open_paths();
	emfile();
	mkdirs();
	unlinks();
	symlinks();
	links();
	renames();
	access_calls();
	truncates();
	dirs();
	permissions();

	/* Clean up everything this program made. */
	unlink("m/f");
	rmdir("m/sub");
	rmdir("m");
	rmdir("m2");
	rmdir("d");
	unlink("file");
	unlink("link");
	unlink("dangling");
	unlink("loop1");
	unlink("loop2");
	chdir("/");
	EXPECT_OK("temp dir empty at the end", rmdir(dir));
	return conf_exit();
}
