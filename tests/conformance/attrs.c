/* File attributes and nodes: fchmod, fchmodat, fchownat, fchown, utimensat,
 * mknodat, on files in /tmp, with their documented errors. Both worlds run as
 * uid 0 (the permission cases of other users are VFS unit tests until setresuid lands). */
#include "conformance.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define D "/tmp/attrs-conformance"

static void cleanup(void)
{
	unlink(D "/f");
	unlink(D "/l");
	unlink(D "/fifo");
	unlink(D "/sock");
	unlink(D "/chr");
	unlink(D "/reg");
	rmdir(D "/sub");
	rmdir(D);
}

static unsigned mode_of(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 ? st.st_mode : 0;
}

int main(void)
{
	struct stat st;
	cleanup();
	EXPECT_OK("mkdir", mkdir(D, 0755));
	int fd = open(D "/f", O_CREAT | O_RDWR, 0600);
	EXPECT_TRUE("open>=0", fd >= 0);
	EXPECT_OK("symlink", symlink("f", D "/l"));

	/* chmod */
	EXPECT_EQ("fchmod(0640)", fchmod(fd, 0640), 0);
	printf("mode after fchmod: %o\n", mode_of(D "/f"));
	EXPECT_EQ("fchmodat(04755)", fchmodat(AT_FDCWD, D "/f", 04755, 0), 0);
	printf("mode after fchmodat: %o\n", mode_of(D "/f"));
	EXPECT_EQ("fchmodat(via symlink, 0600)", fchmodat(AT_FDCWD, D "/l", 0600, 0), 0);
	printf("mode via symlink: %o link: %o\n", mode_of(D "/f"), mode_of(D "/l"));
	EXPECT_ERR("fchmod(fd 99)", fchmod(99, 0600), EBADF);
	EXPECT_ERR("fchmodat(missing)", fchmodat(AT_FDCWD, D "/missing", 0600, 0), ENOENT);
	EXPECT_ERR("fchmodat(bad pointer)", syscall(SYS_fchmodat, AT_FDCWD, 8, 0600), EFAULT);
	int pfd = open(D "/f", O_PATH);
	EXPECT_ERR("fchmod(O_PATH fd)", fchmod(pfd, 0600), EBADF);

	/* chown */
	EXPECT_EQ("fchown(5, 6)", fchown(fd, 5, 6), 0);
	EXPECT_OK("stat", stat(D "/f", &st));
	printf("owner after fchown: %u %u\n", st.st_uid, st.st_gid);
	EXPECT_EQ("fchownat(-1, 7)", fchownat(AT_FDCWD, D "/f", -1, 7, 0), 0);
	EXPECT_OK("stat", stat(D "/f", &st));
	printf("owner after fchownat(-1, 7): %u %u\n", st.st_uid, st.st_gid);
	EXPECT_EQ("fchownat(link, NOFOLLOW)", fchownat(AT_FDCWD, D "/l", 8, 8, AT_SYMLINK_NOFOLLOW), 0);
	EXPECT_OK("lstat", lstat(D "/l", &st));
	printf("link owner: %u %u\n", st.st_uid, st.st_gid);
	EXPECT_OK("stat", stat(D "/f", &st));
	printf("file owner after link chown: %u %u\n", st.st_uid, st.st_gid);
	EXPECT_EQ("fchownat(O_PATH fd, EMPTY_PATH)", fchownat(pfd, "", 0, 0, AT_EMPTY_PATH), 0);
	EXPECT_ERR("fchownat(bad flag)", fchownat(AT_FDCWD, D "/f", 0, 0, 0x4), EINVAL);
	EXPECT_ERR("fchownat(empty path)", fchownat(AT_FDCWD, "", 0, 0, 0), ENOENT);
	EXPECT_ERR("fchown(fd 99)", fchown(99, 0, 0), EBADF);
	close(pfd);

	/* utimensat */
	struct timespec ts[2] = { { 1000, 500 }, { 2000, 700 } };
	EXPECT_EQ("utimensat(explicit)", utimensat(AT_FDCWD, D "/f", ts, 0), 0);
	EXPECT_OK("stat", stat(D "/f", &st));
	printf("times: %ld.%ld %ld.%ld\n", (long)st.st_atim.tv_sec, st.st_atim.tv_nsec, (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	struct timespec omit_atime[2] = { { 0, UTIME_OMIT }, { 3000, 0 } };
	EXPECT_EQ("utimensat(OMIT atime)", utimensat(AT_FDCWD, D "/f", omit_atime, 0), 0);
	EXPECT_OK("stat", stat(D "/f", &st));
	printf("times after omit: %ld %ld\n", (long)st.st_atim.tv_sec, (long)st.st_mtim.tv_sec);
	EXPECT_EQ("futimens(NOW)", futimens(fd, NULL), 0);
	EXPECT_OK("stat", stat(D "/f", &st));
	EXPECT_TRUE("mtime now > 3000", st.st_mtim.tv_sec > 3000);
	struct timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
	EXPECT_ERR("utimensat(bad nsec)", utimensat(AT_FDCWD, D "/f", bad, 0), EINVAL);
	struct timespec omit[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };
	EXPECT_EQ("utimensat(both OMIT, missing path)", utimensat(AT_FDCWD, D "/missing", omit, 0), 0);
	EXPECT_ERR("utimensat(missing)", utimensat(AT_FDCWD, D "/missing", ts, 0), ENOENT);
	EXPECT_ERR("utimensat(bad flags)", utimensat(AT_FDCWD, D "/f", ts, 0x4), EINVAL);
	EXPECT_ERR("utimensat(fd, NULL path, flags)", syscall(SYS_utimensat, fd, NULL, ts, AT_SYMLINK_NOFOLLOW), EINVAL);
	EXPECT_ERR("utimensat(fd 99, NULL path)", syscall(SYS_utimensat, 99, NULL, ts, 0), EBADF);
	EXPECT_ERR("utimensat(AT_FDCWD, NULL path)", syscall(SYS_utimensat, AT_FDCWD, NULL, ts, 0), EFAULT);
	EXPECT_EQ("utimensat(link, NOFOLLOW)", utimensat(AT_FDCWD, D "/l", ts, AT_SYMLINK_NOFOLLOW), 0);
	EXPECT_OK("lstat", lstat(D "/l", &st));
	printf("link mtime: %ld\n", (long)st.st_mtim.tv_sec);

	/* mknodat */
	EXPECT_EQ("mknodat(fifo)", mknodat(AT_FDCWD, D "/fifo", S_IFIFO | 0640, 0), 0);
	printf("fifo mode: %o\n", mode_of(D "/fifo"));
	EXPECT_EQ("mknodat(socket)", mknodat(AT_FDCWD, D "/sock", S_IFSOCK | 0600, 0), 0);
	printf("socket mode: %o\n", mode_of(D "/sock"));
	EXPECT_EQ("mknodat(regular, mode 0)", mknodat(AT_FDCWD, D "/reg", 0644, 0), 0);
	printf("regular mode: %o\n", mode_of(D "/reg"));
	EXPECT_EQ("mknodat(char 1:3)", mknodat(AT_FDCWD, D "/chr", S_IFCHR | 0600, makedev(1, 3)), 0);
	EXPECT_OK("lstat", lstat(D "/chr", &st));
	printf("chr: %o %u:%u\n", st.st_mode, major(st.st_rdev), minor(st.st_rdev));
	EXPECT_ERR("mknodat(existing)", mknodat(AT_FDCWD, D "/fifo", S_IFIFO | 0640, 0), EEXIST);
	EXPECT_ERR("mknodat(S_IFDIR)", mknodat(AT_FDCWD, D "/sub", S_IFDIR | 0755, 0), EPERM);
	EXPECT_ERR("mknodat(bad type)", mknodat(AT_FDCWD, D "/bad", 0170000 | 0644, 0), EINVAL);
	EXPECT_ERR("mknodat(missing dir)", mknodat(AT_FDCWD, D "/missing/x", S_IFIFO | 0644, 0), ENOENT);
	EXPECT_ERR("mknodat(dir fd 99)", mknodat(99, "x", S_IFIFO | 0644, 0), EBADF);

	return conf_exit();
}
