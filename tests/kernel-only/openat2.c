/* openat2(2) against its man page (qemu-aarch64 7.2, the oracle, has no openat2).
 * Layout made here: /tmp/o2/{file, sub/, sub/file, link-rel -> file,
 * link-abs -> /etc/passwd, link-dir -> sub, jail/etc/passwd, jail/abs -> /etc/passwd}. */
#include "conformance.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#define RESOLVE_NO_XDEV 0x01
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_NO_SYMLINKS 0x04
#define RESOLVE_BENEATH 0x08
#define RESOLVE_IN_ROOT 0x10
#define RESOLVE_CACHED 0x20

struct how {
	uint64_t flags, mode, resolve;
};

static long o2(int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve)
{
	struct how h = { flags, mode, resolve };
	return syscall(SYS_openat2, dirfd, path, &h, sizeof h);
}

/* Opens and reads the first line's first 5 bytes, to tell which file was reached. */
static void expect_content(const char *label, long fd, const char *want)
{
	char buf[16] = { 0 };
	if (fd < 0) {
		printf("%s: -1 %s\n", label, conf_errname(errno));
		conf_mismatch(label, want);
		return;
	}
	long n = read((int)fd, buf, 5);
	buf[n > 0 ? n : 0] = 0;
	close((int)fd);
	conf_expect_str(label, buf, want);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	write(fd, text, strlen(text));
	close(fd);
}

int main(void)
{
	mkdir("/tmp/o2", 0755);
	mkdir("/tmp/o2/sub", 0755);
	mkdir("/tmp/o2/jail", 0755);
	mkdir("/tmp/o2/jail/etc", 0755);
	write_file("/tmp/o2/file", "file-data\n");
	write_file("/tmp/o2/sub/file", "subf-data\n");
	write_file("/tmp/o2/jail/etc/passwd", "jail-passwd\n");
	symlink("file", "/tmp/o2/link-rel");
	symlink("/etc/passwd", "/tmp/o2/link-abs");
	symlink("sub", "/tmp/o2/link-dir");
	symlink("/etc/passwd", "/tmp/o2/jail/abs");
	symlink("../../../etc/passwd", "/tmp/o2/jail/up");
	symlink("nowhere", "/tmp/o2/jail/dangling");
	int dir = open("/tmp/o2", O_RDONLY | O_DIRECTORY);
	int jail = open("/tmp/o2/jail", O_PATH | O_DIRECTORY);
	int root = open("/", O_PATH | O_DIRECTORY);
	EXPECT_TRUE("setup fds", dir >= 0 && jail >= 0 && root >= 0);

	/* struct sizes: smaller than version 0 is EINVAL, more than a page E2BIG; a larger struct is fine when its tail is zero */
	struct { struct how h; uint64_t extra; } big = { { O_RDONLY, 0, 0 }, 0 };
	EXPECT_ERR("size 23", syscall(SYS_openat2, dir, "file", &big, 23), EINVAL);
	EXPECT_ERR("size 4097", syscall(SYS_openat2, dir, "file", &big, 4097), E2BIG);
	long fd = syscall(SYS_openat2, dir, "file", &big, sizeof big);
	EXPECT_TRUE("size 32, zero tail", fd >= 0);
	close((int)fd);
	big.extra = 1;
	EXPECT_ERR("size 32, nonzero tail", syscall(SYS_openat2, dir, "file", &big, sizeof big), E2BIG);
	EXPECT_ERR("bad how pointer", syscall(SYS_openat2, dir, "file", (void *)8, 24), EFAULT);

	/* strict flags */
	EXPECT_ERR("unknown open flag", o2(dir, "file", 1ULL << 40, 0, 0), EINVAL);
	EXPECT_ERR("unknown resolve flag", o2(dir, "file", O_RDONLY, 0, 0x40), EINVAL);
	EXPECT_ERR("BENEATH|IN_ROOT", o2(dir, "file", O_RDONLY, 0, RESOLVE_BENEATH | RESOLVE_IN_ROOT), EINVAL);
	EXPECT_ERR("mode without O_CREAT", o2(dir, "file", O_RDONLY, 0644, 0), EINVAL);
	EXPECT_ERR("mode above 07777", o2(dir, "new", O_CREAT | O_WRONLY, 010000, 0), EINVAL);
	EXPECT_ERR("O_CREAT|O_DIRECTORY", o2(dir, "new", O_CREAT | O_DIRECTORY, 0644, 0), EINVAL);
	EXPECT_ERR("O_PATH|O_RDWR", o2(dir, "file", O_PATH | O_RDWR, 0, 0), EINVAL);
	EXPECT_ERR("O_TMPFILE read-only", o2(dir, ".", O_TMPFILE | O_RDONLY, 0600, 0), EINVAL);
	EXPECT_ERR("RESOLVE_CACHED with O_CREAT", o2(dir, "new", O_CREAT | O_WRONLY, 0644, RESOLVE_CACHED), EAGAIN);
	fd = o2(dir, "created", O_CREAT | O_WRONLY | O_CLOEXEC, 0640, 0);
	EXPECT_TRUE("O_CREAT with mode", fd >= 0);
	EXPECT_EQ("O_CLOEXEC set", fcntl((int)fd, F_GETFD), FD_CLOEXEC);
	close((int)fd);
	struct stat st;
	EXPECT_OK("stat created", stat("/tmp/o2/created", &st));
	printf("created mode: %o\n", st.st_mode & 07777);

	/* RESOLVE_BENEATH: nothing may leave the directory */
	expect_content("BENEATH file", o2(dir, "file", O_RDONLY, 0, RESOLVE_BENEATH), "file-");
	expect_content("BENEATH sub/../file", o2(dir, "sub/../file", O_RDONLY, 0, RESOLVE_BENEATH), "file-");
	expect_content("BENEATH link-rel", o2(dir, "link-rel", O_RDONLY, 0, RESOLVE_BENEATH), "file-");
	EXPECT_ERR("BENEATH ..", o2(dir, "..", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);
	EXPECT_ERR("BENEATH sub/../../etc/passwd", o2(dir, "sub/../../etc/passwd", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);
	EXPECT_ERR("BENEATH absolute", o2(dir, "/etc/passwd", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);
	EXPECT_ERR("BENEATH absolute symlink", o2(dir, "link-abs", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);
	EXPECT_ERR("BENEATH jail/up", o2(dir, "jail/up", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);

	/* RESOLVE_IN_ROOT: the directory is "/" for this lookup */
	expect_content("IN_ROOT /etc/passwd", o2(jail, "/etc/passwd", O_RDONLY, 0, RESOLVE_IN_ROOT), "jail-");
	expect_content("IN_ROOT ../../etc/passwd", o2(jail, "../../etc/passwd", O_RDONLY, 0, RESOLVE_IN_ROOT), "jail-");
	expect_content("IN_ROOT abs symlink", o2(jail, "abs", O_RDONLY, 0, RESOLVE_IN_ROOT), "jail-");
	expect_content("IN_ROOT up symlink", o2(jail, "up", O_RDONLY, 0, RESOLVE_IN_ROOT), "jail-");
	expect_content("without IN_ROOT abs symlink", o2(jail, "abs", O_RDONLY, 0, 0), "root:");
	fd = o2(jail, "/", O_RDONLY | O_DIRECTORY, 0, RESOLVE_IN_ROOT);
	EXPECT_TRUE("IN_ROOT / is the directory", fd >= 0);
	struct stat a, b;
	fstat((int)fd, &a);
	stat("/tmp/o2/jail", &b);
	EXPECT_TRUE("IN_ROOT / same inode", a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	close((int)fd);

	/* RESOLVE_NO_SYMLINKS: no symlink anywhere, even the last one unless O_NOFOLLOW|O_PATH asks for it */
	EXPECT_ERR("NO_SYMLINKS link-rel", o2(dir, "link-rel", O_RDONLY, 0, RESOLVE_NO_SYMLINKS), ELOOP);
	EXPECT_ERR("NO_SYMLINKS link-dir/file", o2(dir, "link-dir/file", O_RDONLY, 0, RESOLVE_NO_SYMLINKS), ELOOP);
	fd = o2(dir, "link-rel", O_PATH | O_NOFOLLOW, 0, RESOLVE_NO_SYMLINKS);
	EXPECT_TRUE("NO_SYMLINKS O_PATH|O_NOFOLLOW opens the link", fd >= 0);
	close((int)fd);
	expect_content("NO_SYMLINKS plain path", o2(dir, "sub/file", O_RDONLY, 0, RESOLVE_NO_SYMLINKS), "subf-");
	EXPECT_ERR("NO_SYMLINKS O_CREAT through a dangling link", o2(dir, "jail/dangling", O_CREAT | O_WRONLY, 0644, RESOLVE_NO_SYMLINKS), ELOOP);

	/* RESOLVE_NO_MAGICLINKS: ordinary symlinks are still followed */
	expect_content("NO_MAGICLINKS link-rel", o2(dir, "link-rel", O_RDONLY, 0, RESOLVE_NO_MAGICLINKS), "file-");

	/* RESOLVE_NO_XDEV: /tmp is a mount of its own */
	EXPECT_ERR("NO_XDEV / -> tmp/o2/file", o2(root, "tmp/o2/file", O_RDONLY, 0, RESOLVE_NO_XDEV), EXDEV);
	expect_content("NO_XDEV / -> etc/passwd", o2(root, "etc/passwd", O_RDONLY, 0, RESOLVE_NO_XDEV), "root:");
	expect_content("NO_XDEV within /tmp", o2(dir, "sub/file", O_RDONLY, 0, RESOLVE_NO_XDEV), "subf-");
	EXPECT_ERR("NO_XDEV /tmp/o2 -> ../../etc/passwd", o2(dir, "../../etc/passwd", O_RDONLY, 0, RESOLVE_NO_XDEV), EXDEV);
	EXPECT_ERR("NO_XDEV absolute symlink out of /tmp", o2(dir, "link-abs", O_RDONLY, 0, RESOLVE_NO_XDEV), EXDEV);

	/* RESOLVE_CACHED: this kernel answers no lookup from a cache */
	EXPECT_ERR("RESOLVE_CACHED", o2(dir, "file", O_RDONLY, 0, RESOLVE_CACHED), EAGAIN);

	/* ordinary errors */
	EXPECT_ERR("missing", o2(dir, "missing", O_RDONLY, 0, 0), ENOENT);
	EXPECT_ERR("bad dirfd", o2(99, "file", O_RDONLY, 0, 0), EBADF);
	EXPECT_ERR("bad path pointer", syscall(SYS_openat2, dir, (char *)8, &big.h, 24), EFAULT);

	/* Devices that depend on the opener: a session leader's pty slave becomes its controlling terminal,
	 * which /dev/tty then opens. */
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		setsid();
		EXPECT_ERR("/dev/tty without a controlling terminal", o2(AT_FDCWD, "/dev/tty", O_RDWR, 0, 0), ENXIO);
		int m = (int)o2(AT_FDCWD, "/dev/ptmx", O_RDWR | O_NOCTTY, 0, 0);
		unlockpt(m);
		EXPECT_OK("slave, acquiring it", o2(AT_FDCWD, ptsname(m), O_RDWR, 0, 0));
		EXPECT_OK("/dev/tty", o2(AT_FDCWD, "/dev/tty", O_RDWR, 0, 0));
		exit(conf_exit());
	}
	int status;
	waitpid(child, &status, 0);
	EXPECT_EQ("child's checks", WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0);
	return conf_exit();
}
