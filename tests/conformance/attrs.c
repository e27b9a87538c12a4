/* File attributes: fchmod, fchmodat, fchown, fchownat, utimensat (explicit
 * times, UTIME_NOW, UTIME_OMIT, NULL path) and mknodat (regular files and
 * FIFOs), with their documented errors. Works in a fresh directory of /tmp. */
#include "conformance.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

	close(fd);
	unlinkat(dfd, "f", 0);
	unlinkat(dfd, "l", 0);
	unlinkat(dfd, "p", 0);
	unlinkat(dfd, "r", 0);
	close(dfd);
	EXPECT_OK("rmdir", rmdir(dir));
	return conf_exit();
}
