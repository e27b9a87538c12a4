/* File attributes: fchmod, fchmodat, fchown, fchownat, utimensat (explicit
 * times, UTIME_NOW, UTIME_OMIT, NULL path) and mknodat (regular files and
 * FIFOs), with their documented errors. Works in a fresh directory of /tmp. */
#include "conformance.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char dir[64];

static const char *at(const char *name)
{
	static char buf[128];
	snprintf(buf, sizeof buf, "%s/%s", dir, name);
	return buf;
}

static int mode_of(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

/* Path errors shared by every call, and what uid 65534 may not do to root's files. */
static void errors(int dfd)
{
	char longname[300];
	memset(longname, 'n', 256);
	longname[256] = 0;
	struct timespec now[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
	symlinkat("loop", dfd, "loop");
	EXPECT_ERR("fchmodat through a file", fchmodat(dfd, "g/x", 0600, 0), ENOTDIR);
	EXPECT_ERR("fchmodat a loop", fchmodat(dfd, "loop", 0600, 0), ELOOP);
	EXPECT_ERR("fchmodat name of 256 bytes", fchmodat(dfd, longname, 0600, 0), ENAMETOOLONG);
	EXPECT_ERR("fchmodat bad path", syscall(SYS_fchmodat, dfd, (void *)1, 0600), EFAULT);
	EXPECT_ERR("fchmodat bad dirfd", syscall(SYS_fchmodat, 99, "g", 0600), EBADF);
	EXPECT_ERR("fchownat through a file", fchownat(dfd, "g/x", 0, 0, 0), ENOTDIR);
	EXPECT_ERR("fchownat a loop", fchownat(dfd, "loop", 0, 0, 0), ELOOP);
	EXPECT_OK("fchownat NOFOLLOW on the loop link itself", fchownat(dfd, "loop", 0, 0, AT_SYMLINK_NOFOLLOW));
	EXPECT_ERR("fchownat name of 256 bytes", fchownat(dfd, longname, 0, 0, 0), ENAMETOOLONG);
	EXPECT_ERR("fchownat bad path", syscall(SYS_fchownat, dfd, (void *)1, 0, 0, 0), EFAULT);
	EXPECT_ERR("fchownat bad dirfd", fchownat(99, "g", 0, 0, 0), EBADF);
	EXPECT_ERR("fchownat missing", fchownat(dfd, "missing", 0, 0, 0), ENOENT);
	EXPECT_ERR("fchown bad fd", fchown(99, 0, 0), EBADF);
	EXPECT_ERR("utimensat through a file", utimensat(dfd, "g/x", now, 0), ENOTDIR);
	EXPECT_ERR("utimensat a loop", utimensat(dfd, "loop", now, 0), ELOOP);
	EXPECT_ERR("utimensat name of 256 bytes", utimensat(dfd, longname, now, 0), ENAMETOOLONG);
	EXPECT_ERR("utimensat bad dirfd", utimensat(99, "g", now, 0), EBADF);
	EXPECT_ERR("utimensat NULL path, bad fd", syscall(SYS_utimensat, 99, NULL, now, 0), EBADF);
	EXPECT_ERR("utimensat NULL path with AT_SYMLINK_NOFOLLOW", syscall(SYS_utimensat, dfd, NULL, now, AT_SYMLINK_NOFOLLOW), EINVAL);
	EXPECT_OK("utimensat AT_SYMLINK_NOFOLLOW on a link", utimensat(dfd, "loop", now, AT_SYMLINK_NOFOLLOW));
	EXPECT_ERR("mknodat bad path", syscall(SYS_mknodat, dfd, (void *)1, S_IFIFO | 0600, 0), EFAULT);
	EXPECT_ERR("mknodat bad dirfd", mknodat(99, "x", S_IFIFO | 0600, 0), EBADF);
	EXPECT_ERR("mknodat through a file", mknodat(dfd, "g/x", S_IFIFO | 0600, 0), ENOTDIR);
	EXPECT_ERR("mknodat name of 256 bytes", mknodat(dfd, longname, S_IFIFO | 0600, 0), ENAMETOOLONG);
	EXPECT_ERR("mknodat through a loop", mknodat(dfd, "loop/x", S_IFIFO | 0600, 0), ELOOP);
	EXPECT_OK("mknodat a char device as root", mknodat(dfd, "null", S_IFCHR | 0600, makedev(1, 3)));
	struct stat st;
	fstatat(dfd, "null", &st, 0);
	EXPECT_TRUE("it is char 1:3", S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3));
	unlinkat(dfd, "null", 0);
	unlinkat(dfd, "loop", 0);

	fchmod(dfd, 0777);
	fchmodat(dfd, "g", 0644, 0);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (setgid(65534) != 0 || setuid(65534) != 0)
			printf("setuid failed\n");
		struct timespec t[2] = { { 1, 0 }, { 1, 0 } };
		EXPECT_ERR("nobody: fchmodat root's file", fchmodat(dfd, "g", 0600, 0), EPERM);
		int g = openat(dfd, "g", O_RDONLY);
		EXPECT_ERR("nobody: fchmod root's file", fchmod(g, 0600), EPERM);
		EXPECT_ERR("nobody: fchown root's file", fchown(g, 65534, -1), EPERM);
		EXPECT_ERR("nobody: futimens explicit times on root's file", futimens(g, t), EPERM);
		close(g);
		EXPECT_ERR("nobody: fchownat root's file", fchownat(dfd, "g", 65534, 65534, 0), EPERM);
		EXPECT_ERR("nobody: fchownat own file to root", (close(openat(dfd, "mine", O_CREAT | O_RDWR, 0644)), fchownat(dfd, "mine", 0, -1, 0)), EPERM);
		EXPECT_ERR("nobody: fchownat own file to a foreign group", fchownat(dfd, "mine", -1, 0, 0), EPERM);
		EXPECT_OK("nobody: fchownat own file, own ids", fchownat(dfd, "mine", 65534, 65534, 0));
		EXPECT_OK("nobody: fchmodat own file", fchmodat(dfd, "mine", 0600, 0));
		EXPECT_ERR("nobody: utimensat explicit times on root's file", utimensat(dfd, "g", t, 0), EPERM);
		EXPECT_ERR("nobody: utimensat now on root's read-only file", utimensat(dfd, "g", NULL, 0), EACCES);
		EXPECT_OK("nobody: utimensat explicit times on its own file", utimensat(dfd, "mine", t, 0));
		EXPECT_ERR("nobody: mknodat a char device", mknodat(dfd, "dev", S_IFCHR | 0600, makedev(1, 3)), EPERM);
		EXPECT_OK("nobody: mknodat a fifo", mknodat(dfd, "fifo", S_IFIFO | 0600, 0));
		unlinkat(dfd, "fifo", 0);
		unlinkat(dfd, "mine", 0);
		fflush(stdout);
		_exit(conf_failures ? 1 : 0);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	EXPECT_TRUE("child checks passed", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	fchmod(dfd, 0755);
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/conf-attrs-%d", getpid());
	umask(022);
	EXPECT_OK("mkdir", mkdir(dir, 0755));
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	int fd = openat(dfd, "f", O_CREAT | O_RDWR, 0644);
	EXPECT_TRUE("create f", fd >= 0);

	EXPECT_OK("fchmod 600", fchmod(fd, 0600));
	EXPECT_EQ("mode after fchmod", mode_of(at("f")), 0600);
	EXPECT_OK("fchmodat 4751", fchmodat(dfd, "f", 04751, 0));
	EXPECT_EQ("mode after fchmodat", mode_of(at("f")), 04751);
	EXPECT_ERR("fchmod bad fd", fchmod(-1, 0600), EBADF);
	EXPECT_ERR("fchmodat missing", fchmodat(dfd, "missing", 0600, 0), ENOENT);
	int pfd = open(at("f"), O_PATH);
	EXPECT_ERR("fchmod O_PATH fd", fchmod(pfd, 0600), EBADF);
	close(pfd);

	EXPECT_OK("fchown -1 -1", fchown(fd, -1, -1));
	EXPECT_OK("fchown to root", fchown(fd, 0, 0));
	EXPECT_OK("symlink", symlinkat("f", dfd, "l"));
	EXPECT_OK("fchownat NOFOLLOW on link", fchownat(dfd, "l", 0, 0, AT_SYMLINK_NOFOLLOW));
	EXPECT_ERR("fchownat bad flag", fchownat(dfd, "f", 0, 0, 0x4), EINVAL);
	EXPECT_OK("fchownat AT_EMPTY_PATH", fchownat(fd, "", 0, 0, AT_EMPTY_PATH));
	EXPECT_ERR("fchownat empty path without flag", fchownat(fd, "", 0, 0, 0), ENOENT);

	struct timespec times[2] = { { 1000000000, 123456789 }, { 1200000000, 5 } };
	EXPECT_OK("utimensat explicit", utimensat(dfd, "f", times, 0));
	struct stat st;
	stat(at("f"), &st);
	EXPECT_EQ("atime sec", st.st_atim.tv_sec, 1000000000);
	EXPECT_EQ("atime nsec", st.st_atim.tv_nsec, 123456789);
	EXPECT_EQ("mtime sec", st.st_mtim.tv_sec, 1200000000);
	EXPECT_EQ("mtime nsec", st.st_mtim.tv_nsec, 5);
	struct timespec omit_now[2] = { { 0, UTIME_OMIT }, { 0, UTIME_NOW } };
	time_t before = time(NULL);
	EXPECT_OK("utimensat OMIT/NOW", utimensat(dfd, "f", omit_now, 0));
	stat(at("f"), &st);
	EXPECT_EQ("atime kept by OMIT", st.st_atim.tv_sec, 1000000000);
	EXPECT_TRUE("mtime set to now", st.st_mtim.tv_sec >= before && st.st_mtim.tv_sec <= time(NULL) + 1);
	EXPECT_OK("utimensat NULL path (fd)", syscall(SYS_utimensat, fd, NULL, times, 0));
	stat(at("f"), &st);
	EXPECT_EQ("mtime via fd", st.st_mtim.tv_sec, 1200000000);
	EXPECT_OK("utimensat NULL times", utimensat(dfd, "f", NULL, 0));
	struct timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
	EXPECT_ERR("utimensat bad nsec", utimensat(dfd, "f", bad, 0), EINVAL);
	EXPECT_ERR("utimensat bad flag", utimensat(dfd, "f", times, 0x2), EINVAL);
	EXPECT_ERR("utimensat missing", utimensat(dfd, "missing", times, 0), ENOENT);
	EXPECT_ERR("utimensat bad times pointer", syscall(SYS_utimensat, dfd, "f", (void *)8, 0), EFAULT);
	struct timespec both_omit[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };
	EXPECT_OK("utimensat both OMIT on a missing file", utimensat(dfd, "missing", both_omit, 0));

	EXPECT_OK("mknodat fifo", mknodat(dfd, "p", S_IFIFO | 0640, 0));
	lstat(at("p"), &st);
	EXPECT_TRUE("is a fifo", S_ISFIFO(st.st_mode));
	EXPECT_EQ("fifo mode", st.st_mode & 07777, 0640);
	EXPECT_OK("mknodat regular", mknodat(dfd, "r", S_IFREG | 0600, 0));
	lstat(at("r"), &st);
	EXPECT_TRUE("is regular", S_ISREG(st.st_mode));
	EXPECT_ERR("mknodat exists", mknodat(dfd, "r", S_IFREG | 0600, 0), EEXIST);
	EXPECT_ERR("mknodat bad type", mknodat(dfd, "bad", 0170000 | 0600, 0), EINVAL);
	EXPECT_ERR("mknodat missing dir", mknodat(dfd, "nodir/x", S_IFREG | 0600, 0), ENOENT);
	EXPECT_OK("mknodat a socket node", mknodat(dfd, "s", S_IFSOCK | 0600, 0));
	lstat(at("s"), &st);
	EXPECT_TRUE("is a socket", S_ISSOCK(st.st_mode));
	EXPECT_ERR("open a socket node", openat(dfd, "s", O_RDONLY), ENXIO);
	int fd2;
	EXPECT_OK("open a socket node O_PATH", fd2 = openat(dfd, "s", O_PATH));
	close(fd2);
	EXPECT_OK("mknodat type 0 makes a regular file", mknodat(dfd, "z", 0600, 0));
	lstat(at("z"), &st);
	EXPECT_TRUE("type 0 is regular", S_ISREG(st.st_mode));
	EXPECT_OK("mknodat a block device as root", mknodat(dfd, "b", S_IFBLK | 0600, makedev(7, 0)));
	lstat(at("b"), &st);
	EXPECT_TRUE("is a block device", S_ISBLK(st.st_mode));
	EXPECT_TRUE("its number", major(st.st_rdev) == 7 && minor(st.st_rdev) == 0);
	EXPECT_OK("mknodat a char node of no driver", mknodat(dfd, "c", S_IFCHR | 0600, makedev(240, 7)));
	unlinkat(dfd, "s", 0);
	unlinkat(dfd, "z", 0);
	unlinkat(dfd, "b", 0);
	unlinkat(dfd, "c", 0);

	close(fd);
	close(openat(dfd, "g", O_CREAT | O_RDWR, 0644));
	errors(dfd);
	unlinkat(dfd, "g", 0);
	unlinkat(dfd, "f", 0);
	unlinkat(dfd, "l", 0);
	unlinkat(dfd, "p", 0);
	unlinkat(dfd, "r", 0);
	close(dfd);
	EXPECT_OK("rmdir", rmdir(dir));
	return conf_exit();
}
