/* File syscalls: openat, read, write, close, fstat, newfstatat, lseek,
 * getdents64, unlink, getcwd, chdir and their documented errors.
 * /conformance is the (read-only) directory holding these binaries. */
#include "conformance.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static void conformance_dir(void)
{
	struct stat st;
	char buf[4096];
	int fd = openat(AT_FDCWD, "/conformance", O_RDONLY | O_DIRECTORY);
	EXPECT_TRUE("openat(/conformance)>=0", fd >= 0);
	EXPECT_EQ("fstat(/conformance)", fstat(fd, &st), 0);
	EXPECT_TRUE("S_ISDIR(/conformance)", S_ISDIR(st.st_mode));
	/* Before any getdents: on ext4 the directory offset afterwards is a hash
	 * cookie near 2^63, and read() then fails the offset check with EINVAL
	 * instead of EISDIR, which is filesystem-specific. */
	EXPECT_ERR("read(dirfd)", read(fd, buf, sizeof buf), EISDIR);

	int dot = 0, dotdot = 0, self = 0, self_reg = 0, entries = 0, bad_reclen = 0;
	long n;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			if (d->d_reclen == 0 || d->d_reclen % 8 != 0) {
				bad_reclen = 1;
				break;
			}
			entries++;
			if (strcmp(d->d_name, ".") == 0)
				dot = 1;
			else if (strcmp(d->d_name, "..") == 0)
				dotdot = 1;
			else if (strcmp(d->d_name, "files") == 0) {
				self = 1;
				self_reg = d->d_type == DT_REG;
			}
			off += d->d_reclen;
		}
		if (bad_reclen)
			break;
	}
	EXPECT_EQ("getdents64(/conformance) end", n, 0);
	EXPECT_TRUE("getdents64 reclen 8-aligned", !bad_reclen);
	EXPECT_TRUE("getdents64 has .", dot);
	EXPECT_TRUE("getdents64 has ..", dotdot);
	EXPECT_TRUE("getdents64 has files", self);
	EXPECT_TRUE("getdents64 files is DT_REG", self_reg);
	EXPECT_TRUE("getdents64 entries>=3", entries >= 3);
	EXPECT_EQ("getdents64 at end again", syscall(SYS_getdents64, fd, buf, sizeof buf), 0);
	EXPECT_EQ("lseek(dir, 0, SEEK_SET)", lseek(fd, 0, SEEK_SET), 0);
	EXPECT_TRUE("getdents64 after rewind>0", syscall(SYS_getdents64, fd, buf, sizeof buf) > 0);
	EXPECT_ERR("getdents64(fd 99)", syscall(SYS_getdents64, 99, buf, sizeof buf), EBADF);

	/* newfstatat relative to the directory fd. */
	struct stat self_st;
	EXPECT_EQ("newfstatat(dirfd, files)", fstatat(fd, "files", &self_st, 0), 0);
	EXPECT_TRUE("S_ISREG(files)", S_ISREG(self_st.st_mode));
	EXPECT_TRUE("files size>0", self_st.st_size > 0);
	EXPECT_TRUE("files executable", (self_st.st_mode & 0111) != 0);
	EXPECT_ERR("newfstatat(dirfd, missing)", fstatat(fd, "missing", &st, 0), ENOENT);
	EXPECT_EQ("close(dirfd)", close(fd), 0);
	EXPECT_ERR("close(dirfd) again", close(fd), EBADF);
}

static void etc_passwd(void)
{
	struct stat st, st2;
	char buf[512], head[8];
	int fd = openat(AT_FDCWD, "/etc/passwd", O_RDONLY);
	EXPECT_TRUE("openat(/etc/passwd)>=0", fd >= 0);
	EXPECT_EQ("fstat(passwd)", fstat(fd, &st), 0);
	EXPECT_TRUE("S_ISREG(passwd)", S_ISREG(st.st_mode));
	EXPECT_TRUE("passwd size>0", st.st_size > 0);
	EXPECT_EQ("newfstatat(/etc/passwd)", fstatat(AT_FDCWD, "/etc/passwd", &st2, 0), 0);
	EXPECT_TRUE("newfstatat size==fstat size", st2.st_size == st.st_size);
	EXPECT_TRUE("newfstatat ino==fstat ino", st2.st_ino == st.st_ino && st2.st_dev == st.st_dev);
	EXPECT_TRUE("passwd blksize>0", st.st_blksize > 0);

	long total = 0, n;
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		if (total == 0)
			memcpy(head, buf, 5);
		total += n;
	}
	EXPECT_EQ("read(passwd) end", n, 0);
	EXPECT_TRUE("read total==st_size", total == st.st_size);
	head[5] = 0;
	conf_expect_str("passwd starts", head, "root:");
	EXPECT_TRUE("lseek(SEEK_CUR)==size", lseek(fd, 0, SEEK_CUR) == st.st_size);
	EXPECT_EQ("read at EOF", read(fd, buf, sizeof buf), 0);
	EXPECT_EQ("lseek(0, SEEK_SET)", lseek(fd, 0, SEEK_SET), 0);
	memset(buf, 0, sizeof buf);
	EXPECT_EQ("read(5)", read(fd, buf, 5), 5);
	conf_expect_str("read(5) data", buf, "root:");
	EXPECT_EQ("lseek(-5, SEEK_CUR)", lseek(fd, -5, SEEK_CUR), 0);
	EXPECT_TRUE("lseek(0, SEEK_END)==size", lseek(fd, 0, SEEK_END) == st.st_size);
	EXPECT_TRUE("lseek(10, SEEK_END)==size+10", lseek(fd, 10, SEEK_END) == st.st_size + 10);
	EXPECT_EQ("read past EOF", read(fd, buf, sizeof buf), 0);
	EXPECT_ERR("lseek(-1, SEEK_SET)", lseek(fd, -1, SEEK_SET), EINVAL);
	EXPECT_ERR("lseek(whence 99)", lseek(fd, 0, 99), EINVAL);
	lseek(fd, 0, SEEK_SET);
	/* Raw syscall: glibc's headers reject an obviously bad buffer at compile time. */
	EXPECT_ERR("read into (void*)1", syscall(SYS_read, fd, (void *)1, 16), EFAULT);
	EXPECT_ERR("write(read-only fd)", write(fd, "x", 1), EBADF);
	EXPECT_ERR("openat(passwd fd, relative)", openat(fd, "x", O_RDONLY), ENOTDIR);
	EXPECT_EQ("close(passwd)", close(fd), 0);
}

static void errors(void)
{
	struct stat st;
	char buf[16];
	EXPECT_ERR("open(missing)", openat(AT_FDCWD, "/etc/does-not-exist", O_RDONLY), ENOENT);
	EXPECT_ERR("open(missing dir/file)", openat(AT_FDCWD, "/does-not-exist/file", O_RDONLY), ENOENT);
	EXPECT_ERR("open(/etc/passwd/x)", openat(AT_FDCWD, "/etc/passwd/x", O_RDONLY), ENOTDIR);
	EXPECT_ERR("open(/etc/passwd, O_DIRECTORY)", openat(AT_FDCWD, "/etc/passwd", O_RDONLY | O_DIRECTORY), ENOTDIR);
	EXPECT_ERR("newfstatat(missing)", fstatat(AT_FDCWD, "/etc/does-not-exist", &st, 0), ENOENT);
	EXPECT_ERR("newfstatat(/etc/passwd/x)", fstatat(AT_FDCWD, "/etc/passwd/x", &st, 0), ENOTDIR);
	EXPECT_ERR("read(fd 99)", read(99, buf, sizeof buf), EBADF);
	EXPECT_ERR("fstat(fd 99)", fstat(99, &st), EBADF);
	EXPECT_ERR("lseek(fd 99)", lseek(99, 0, SEEK_SET), EBADF);
	EXPECT_ERR("close(fd 99)", close(99), EBADF);
	EXPECT_ERR("openat(fd 99, relative)", openat(99, "x", O_RDONLY), EBADF);
	EXPECT_ERR("open(/, O_WRONLY)", openat(AT_FDCWD, "/", O_WRONLY), EISDIR);
}

static void tmp_file(void)
{
	char path[64], buf[32];
	struct stat st;
	static const char data[] = "hello tmp\n";
	/* The pid only makes the name unique; it is never printed. */
	snprintf(path, sizeof path, "/tmp/conformance-files-%d", getpid());
	umask(022);

	int fd = openat(AT_FDCWD, path, O_RDWR | O_CREAT | O_EXCL, 0600);
	EXPECT_TRUE("openat(tmp, O_CREAT|O_EXCL)>=0", fd >= 0);
	EXPECT_EQ("write(tmp)", write(fd, data, 10), 10);
	EXPECT_EQ("fstat(tmp)", fstat(fd, &st), 0);
	EXPECT_EQ("tmp size", st.st_size, 10);
	EXPECT_TRUE("tmp mode==0600", (st.st_mode & 07777) == 0600);
	EXPECT_EQ("lseek(tmp, 0)", lseek(fd, 0, SEEK_SET), 0);
	memset(buf, 0, sizeof buf);
	EXPECT_EQ("read(tmp)", read(fd, buf, sizeof buf), 10);
	EXPECT_TRUE("read back==written", memcmp(buf, data, 10) == 0);
	EXPECT_EQ("lseek(tmp, 6)", lseek(fd, 6, SEEK_SET), 6);
	EXPECT_EQ("overwrite", write(fd, "TMP", 3), 3);
	EXPECT_EQ("lseek(tmp, 20) past end", lseek(fd, 20, SEEK_SET), 20);
	EXPECT_EQ("write past end", write(fd, "!", 1), 1);
	EXPECT_EQ("fstat(tmp) again", fstat(fd, &st), 0);
	EXPECT_EQ("tmp size after hole", st.st_size, 21);
	EXPECT_EQ("rewind", lseek(fd, 0, SEEK_SET), 0);
	memset(buf, 'x', sizeof buf);
	EXPECT_EQ("read(tmp, 21)", read(fd, buf, sizeof buf), 21);
	EXPECT_TRUE("data with hole", memcmp(buf, "hello TMP\n\0\0\0\0\0\0\0\0\0\0!", 21) == 0);
	EXPECT_ERR("openat(tmp, O_CREAT|O_EXCL) again", openat(AT_FDCWD, path, O_RDWR | O_CREAT | O_EXCL, 0600), EEXIST);
	EXPECT_EQ("close(tmp)", close(fd), 0);
	EXPECT_EQ("unlink(tmp)", unlink(path), 0);
	EXPECT_ERR("open(tmp) after unlink", openat(AT_FDCWD, path, O_RDONLY), ENOENT);
	EXPECT_ERR("unlink(tmp) again", unlink(path), ENOENT);
	/* A directory on a writable filesystem: the root may be read-only (EROFS would come first, as on Linux). */
	EXPECT_EQ("mkdir(/tmp/conf_dir)", mkdir("/tmp/conf_dir", 0755), 0);
	EXPECT_ERR("unlink(directory)", unlink("/tmp/conf_dir"), EISDIR);
	EXPECT_EQ("rmdir(/tmp/conf_dir)", rmdir("/tmp/conf_dir"), 0);
}

/* getdents64 and lseek errors that need a directory or a pipe of our own. */
static void dir_errors(void)
{
	char buf[4096];
	int p[2];
	EXPECT_EQ("mkdir(/tmp/conf_gd)", mkdir("/tmp/conf_gd", 0755), 0);
	int fd = open("/tmp/conf_gd", O_RDONLY | O_DIRECTORY);
	EXPECT_ERR("getdents64 buffer too small", syscall(SYS_getdents64, fd, buf, 8), EINVAL);
	EXPECT_ERR("getdents64 bad buffer", syscall(SYS_getdents64, fd, (void *)1, sizeof buf), EFAULT);
	EXPECT_EQ("rmdir while open", rmdir("/tmp/conf_gd"), 0);
	EXPECT_ERR("getdents64 of a removed dir", syscall(SYS_getdents64, fd, buf, sizeof buf), ENOENT);
	close(fd);
	fd = open("/etc/passwd", O_RDONLY);
	EXPECT_ERR("getdents64 of a file", syscall(SYS_getdents64, fd, buf, sizeof buf), ENOTDIR);
	close(fd);
	fd = open("/etc", O_PATH);
	EXPECT_ERR("getdents64 of an O_PATH dir fd", syscall(SYS_getdents64, fd, buf, sizeof buf), EBADF);
	close(fd);
	EXPECT_EQ("pipe", pipe(p), 0);
	EXPECT_ERR("getdents64 of a pipe", syscall(SYS_getdents64, p[0], buf, sizeof buf), ENOTDIR);
	EXPECT_ERR("lseek a pipe", lseek(p[0], 0, SEEK_SET), ESPIPE);
	EXPECT_ERR("lseek a pipe's write end", lseek(p[1], 0, SEEK_CUR), ESPIPE);
	close(p[0]);
	close(p[1]);
	EXPECT_EQ("mkfifo", mkfifo("/tmp/conf_fifo", 0600), 0);
	fd = open("/tmp/conf_fifo", O_RDWR);
	EXPECT_ERR("lseek a fifo", lseek(fd, 0, SEEK_SET), ESPIPE);
	close(fd);
	unlink("/tmp/conf_fifo");
	fd = open("/etc/passwd", O_PATH);
	EXPECT_ERR("lseek an O_PATH fd", lseek(fd, 0, SEEK_SET), EBADF);
	close(fd);
}

static void cwd(void)
{
	char buf[256];
	EXPECT_EQ("chdir(/)", chdir("/"), 0);
	conf_expect_str("getcwd", getcwd(buf, sizeof buf), "/");
	EXPECT_EQ("chdir(/tmp)", chdir("/tmp"), 0);
	conf_expect_str("getcwd", getcwd(buf, sizeof buf), "/tmp");
	EXPECT_EQ("chdir(..)", chdir(".."), 0);
	conf_expect_str("getcwd", getcwd(buf, sizeof buf), "/");
	EXPECT_EQ("chdir(etc) relative", chdir("etc"), 0);
	conf_expect_str("getcwd", getcwd(buf, sizeof buf), "/etc");
	int fd = openat(AT_FDCWD, "passwd", O_RDONLY);
	EXPECT_TRUE("openat(relative passwd)>=0", fd >= 0);
	close(fd);
	EXPECT_ERR("getcwd(size 1)", syscall(SYS_getcwd, buf, 1), ERANGE);
	EXPECT_ERR("getcwd(NULL buf)", syscall(SYS_getcwd, NULL, sizeof buf), EFAULT);
	EXPECT_ERR("chdir(/etc/passwd)", chdir("/etc/passwd"), ENOTDIR);
	EXPECT_ERR("chdir(missing)", chdir("/does-not-exist"), ENOENT);
	conf_expect_str("getcwd unchanged", getcwd(buf, sizeof buf), "/etc");
	EXPECT_EQ("chdir(/)", chdir("/"), 0);
}

int main(void)
{
	conformance_dir();
	etc_passwd();
	errors();
	tmp_file();
	dir_errors();
	cwd();
	return conf_exit();
}
