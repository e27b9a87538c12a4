/* newfstatat, fstat, statx, statfs and fstatfs: success paths (links
 * followed or not, AT_EMPTY_PATH, O_PATH descriptors, tmpfs figures) and
 * each documented errno a guest can provoke. Files live in a private mkdtemp
 * dir in /dev/shm (tmpfs in both worlds); EACCES is checked as uid 65534. */
#include "conformance.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/eventfd.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define TMPFS_MAGIC 0x01021994
#define PIPEFS_MAGIC 0x50495045
#define ANON_INODE_FS_MAGIC 0x09041934

static char longname[300];

static long sx(int dirfd, const char *path, int flags, unsigned mask, struct statx *st)
{
	return syscall(SYS_statx, dirfd, path, flags, mask, st);
}

static void stats(void)
{
	struct stat st, st2;
	EXPECT_OK("stat f", stat("f", &st));
	EXPECT_TRUE("S_ISREG", S_ISREG(st.st_mode));
	EXPECT_EQ("size", st.st_size, 5);
	EXPECT_EQ("mode", st.st_mode & 07777, 0640);
	EXPECT_EQ("nlink", st.st_nlink, 1);
	EXPECT_EQ("blksize", st.st_blksize, 4096);
	EXPECT_OK("stat through a link", stat("l", &st2));
	EXPECT_TRUE("same inode through the link", st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
	EXPECT_OK("lstat the link", lstat("l", &st2));
	EXPECT_TRUE("lstat sees a link", S_ISLNK(st2.st_mode));
	EXPECT_EQ("link size is its target's length", st2.st_size, 1);
	int fd = open("f", O_RDONLY);
	EXPECT_OK("fstat", fstat(fd, &st2));
	EXPECT_TRUE("fstat same inode", st.st_ino == st2.st_ino);
	EXPECT_OK("fstatat AT_EMPTY_PATH", fstatat(fd, "", &st2, AT_EMPTY_PATH));
	EXPECT_TRUE("AT_EMPTY_PATH same inode", st.st_ino == st2.st_ino);
	EXPECT_ERR("fstatat empty path without flag", fstatat(fd, "", &st2, 0), ENOENT);
	EXPECT_ERR("fstat bad buffer", syscall(SYS_fstat, fd, (void *)1), EFAULT);
	EXPECT_ERR("fstatat bad buffer", syscall(SYS_newfstatat, AT_FDCWD, "f", (void *)1, 0), EFAULT);
	EXPECT_ERR("fstatat relative to a file", fstatat(fd, "x", &st2, 0), ENOTDIR);
	close(fd);
	fd = open("l", O_PATH | O_NOFOLLOW);
	EXPECT_OK("fstat of an O_PATH link", fstat(fd, &st2));
	EXPECT_TRUE("it is the link", S_ISLNK(st2.st_mode));
	close(fd);
	EXPECT_ERR("fstat bad fd", fstat(99, &st2), EBADF);
	EXPECT_ERR("fstatat bad dirfd", fstatat(99, "f", &st2, 0), EBADF);
	EXPECT_OK("fstatat bad dirfd, absolute path", fstatat(99, "/", &st2, 0));
	EXPECT_ERR("fstatat bad flag", fstatat(AT_FDCWD, "f", &st2, 0x1), EINVAL);
	EXPECT_ERR("stat missing", stat("missing", &st2), ENOENT);
	EXPECT_ERR("stat a dangling link", stat("dl", &st2), ENOENT);
	EXPECT_OK("lstat a dangling link", lstat("dl", &st2));
	EXPECT_ERR("stat through a file", stat("f/x", &st2), ENOTDIR);
	EXPECT_ERR("stat through a loop", stat("loop/x", &st2), ELOOP);
	EXPECT_ERR("stat a loop", stat("loop", &st2), ELOOP);
	EXPECT_ERR("stat name of 256 bytes", stat(longname, &st2), ENAMETOOLONG);
	EXPECT_ERR("stat bad path", syscall(SYS_newfstatat, AT_FDCWD, (void *)1, &st2, 0), EFAULT);
	EXPECT_ERR("stat empty path", stat("", &st2), ENOENT);
}

static void statxs(void)
{
	struct statx sx1, sx2;
	memset(&sx1, 0, sizeof sx1);
	EXPECT_OK("statx f", sx(AT_FDCWD, "f", 0, STATX_BASIC_STATS, &sx1));
	EXPECT_TRUE("statx mask has the basic stats", (sx1.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS);
	EXPECT_EQ("statx size", sx1.stx_size, 5);
	EXPECT_EQ("statx mode", sx1.stx_mode & 07777, 0640);
	EXPECT_TRUE("statx S_ISREG", S_ISREG(sx1.stx_mode));
	EXPECT_EQ("statx nlink", sx1.stx_nlink, 1);
	EXPECT_EQ("statx blksize", sx1.stx_blksize, 4096);
	struct stat st;
	stat("f", &st);
	EXPECT_TRUE("statx ino == stat ino", sx1.stx_ino == st.st_ino);
	EXPECT_TRUE("statx mtime == stat mtime", sx1.stx_mtime.tv_sec == st.st_mtim.tv_sec && sx1.stx_mtime.tv_nsec == st.st_mtim.tv_nsec);
	EXPECT_OK("statx mask 0", sx(AT_FDCWD, "f", 0, 0, &sx2));
	EXPECT_OK("statx a link, followed", sx(AT_FDCWD, "l", 0, STATX_BASIC_STATS, &sx2));
	EXPECT_TRUE("followed: same inode", sx2.stx_ino == sx1.stx_ino);
	EXPECT_OK("statx AT_SYMLINK_NOFOLLOW", sx(AT_FDCWD, "l", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx2));
	EXPECT_TRUE("not followed: the link", S_ISLNK(sx2.stx_mode));
	EXPECT_OK("statx AT_STATX_FORCE_SYNC", sx(AT_FDCWD, "f", AT_STATX_FORCE_SYNC, STATX_BASIC_STATS, &sx2));
	EXPECT_OK("statx AT_STATX_DONT_SYNC", sx(AT_FDCWD, "f", AT_STATX_DONT_SYNC, STATX_BASIC_STATS, &sx2));
	EXPECT_OK("statx AT_NO_AUTOMOUNT", sx(AT_FDCWD, "f", AT_NO_AUTOMOUNT, STATX_BASIC_STATS, &sx2));
	int fd = open("f", O_RDONLY);
	EXPECT_OK("statx AT_EMPTY_PATH", sx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx2));
	EXPECT_TRUE("AT_EMPTY_PATH same inode", sx2.stx_ino == sx1.stx_ino);
	EXPECT_ERR("statx empty path without flag", sx(fd, "", 0, STATX_BASIC_STATS, &sx2), ENOENT);
	EXPECT_ERR("statx relative to a file", sx(fd, "x", 0, STATX_BASIC_STATS, &sx2), ENOTDIR);
	close(fd);
	EXPECT_ERR("statx FORCE_SYNC|DONT_SYNC", sx(AT_FDCWD, "f", AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC, STATX_BASIC_STATS, &sx2), EINVAL);
	EXPECT_ERR("statx bad flag", sx(AT_FDCWD, "f", 0x1, STATX_BASIC_STATS, &sx2), EINVAL);
	EXPECT_ERR("statx reserved mask bit", sx(AT_FDCWD, "f", 0, 0x80000000u, &sx2), EINVAL);
	EXPECT_ERR("statx bad dirfd", sx(99, "f", 0, STATX_BASIC_STATS, &sx2), EBADF);
	EXPECT_ERR("statx bad buffer", sx(AT_FDCWD, "f", 0, STATX_BASIC_STATS, (void *)1), EFAULT);
	EXPECT_ERR("statx bad path", sx(AT_FDCWD, (void *)1, 0, STATX_BASIC_STATS, &sx2), EFAULT);
	EXPECT_ERR("statx missing", sx(AT_FDCWD, "missing", 0, STATX_BASIC_STATS, &sx2), ENOENT);
	EXPECT_ERR("statx through a file", sx(AT_FDCWD, "f/x", 0, STATX_BASIC_STATS, &sx2), ENOTDIR);
	EXPECT_ERR("statx a loop", sx(AT_FDCWD, "loop", 0, STATX_BASIC_STATS, &sx2), ELOOP);
	EXPECT_ERR("statx name of 256 bytes", sx(AT_FDCWD, longname, 0, STATX_BASIC_STATS, &sx2), ENAMETOOLONG);
}

static void statfss(void)
{
	struct statfs fs, fs2;
	EXPECT_OK("statfs f", statfs("f", &fs));
	EXPECT_EQ("statfs f_type tmpfs", fs.f_type, TMPFS_MAGIC);
	EXPECT_EQ("statfs f_namelen", fs.f_namelen, 255);
	EXPECT_EQ("statfs f_bsize", fs.f_bsize, 4096);
	EXPECT_EQ("statfs f_frsize", fs.f_frsize, 4096);
	EXPECT_TRUE("statfs f_flags has ST_VALID", (fs.f_flags & 0x20) != 0);
	EXPECT_OK("statfs through a link", statfs("l", &fs2));
	int fd = open("f", O_RDONLY);
	EXPECT_OK("fstatfs", fstatfs(fd, &fs2));
	EXPECT_EQ("fstatfs f_type", fs2.f_type, TMPFS_MAGIC);
	EXPECT_ERR("fstatfs bad buffer", syscall(SYS_fstatfs, fd, (void *)1), EFAULT);
	close(fd);
	fd = open("f", O_PATH);
	EXPECT_OK("fstatfs O_PATH", fstatfs(fd, &fs2));
	close(fd);
	int p[2];
	pipe(p);
	EXPECT_OK("fstatfs a pipe", fstatfs(p[0], &fs2));
	EXPECT_EQ("pipe f_type", fs2.f_type, PIPEFS_MAGIC);
	EXPECT_EQ("pipe f_bsize", fs2.f_bsize, 4096);
	EXPECT_EQ("pipe f_namelen", fs2.f_namelen, 255);
	EXPECT_EQ("pipe f_blocks", fs2.f_blocks, 0);
	EXPECT_TRUE("pipe f_flags has ST_VALID", (fs2.f_flags & 0x20) != 0);
	close(p[0]);
	close(p[1]);
	fd = eventfd(0, 0);
	EXPECT_OK("fstatfs an eventfd", fstatfs(fd, &fs2));
	EXPECT_EQ("eventfd f_type (anon_inodefs)", fs2.f_type, ANON_INODE_FS_MAGIC);
	close(fd);
	pipe(p);
	close(p[0]);
	close(p[1]);
	EXPECT_ERR("fstatfs bad fd", fstatfs(99, &fs2), EBADF);
	EXPECT_ERR("statfs bad buffer", syscall(SYS_statfs, "f", (void *)1), EFAULT);
	EXPECT_ERR("statfs bad path", syscall(SYS_statfs, (void *)1, &fs2), EFAULT);
	EXPECT_ERR("statfs missing", statfs("missing", &fs2), ENOENT);
	EXPECT_ERR("statfs a dangling link", statfs("dl", &fs2), ENOENT);
	EXPECT_ERR("statfs through a file", statfs("f/x", &fs2), ENOTDIR);
	EXPECT_ERR("statfs a loop", statfs("loop", &fs2), ELOOP);
	EXPECT_ERR("statfs name of 256 bytes", statfs(longname, &fs2), ENAMETOOLONG);
	EXPECT_ERR("statfs empty path", statfs("", &fs2), ENOENT);
}

static void nobody(void)
{
	struct stat st;
	struct statx sxb;
	struct statfs fs;
	EXPECT_ERR("nobody: stat through a 0700 dir", stat("private/f", &st), EACCES);
	EXPECT_ERR("nobody: statx through a 0700 dir", sx(AT_FDCWD, "private/f", 0, STATX_BASIC_STATS, &sxb), EACCES);
	EXPECT_ERR("nobody: statfs through a 0700 dir", statfs("private/f", &fs), EACCES);
	EXPECT_OK("nobody: stat the 0700 dir itself", stat("private", &st));
	EXPECT_OK("nobody: stat a 0000 file", stat("f0", &st));
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(longname, 'n', 256);
	char dir[64] = "/dev/shm/conf-stat-XXXXXX";
	if (!mkdtemp(dir) || chdir(dir) != 0) {
		printf("mkdtemp failed\n");
		return 1;
	}
	chmod(".", 0755);
	umask(022);
	int fd = open("f", O_RDWR | O_CREAT, 0640);
	write(fd, "hello", 5);
	close(fd);
	symlink("f", "l");
	symlink("missing", "dl");
	symlink("loop", "loop");
	mkdir("private", 0700);
	close(open("private/f", O_RDWR | O_CREAT, 0600));
	close(open("f0", O_RDWR | O_CREAT, 0));

	stats();
	statxs();
	statfss();

	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (setgid(65534) != 0 || setuid(65534) != 0)
			printf("setuid failed\n");
		nobody();
		fflush(stdout);
		_exit(conf_failures ? 1 : 0);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	EXPECT_TRUE("child checks passed", WIFEXITED(status) && WEXITSTATUS(status) == 0);

	unlink("private/f");
	rmdir("private");
	unlink("f0");
	unlink("f");
	unlink("l");
	unlink("dl");
	unlink("loop");
	chdir("/");
	EXPECT_OK("temp dir empty at the end", rmdir(dir));
	return conf_exit();
}
