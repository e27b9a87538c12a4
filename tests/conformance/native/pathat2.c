/* openat2 (struct open_how, RESOLVE_*) and fchmodat2: success paths and each
 * documented errno. qemu-aarch64 7.2 answers both with ENOSYS, so the oracle
 * is the host kernel running a native build. Everything happens under a
 * private mkdtemp dir in /tmp, reached through a directory descriptor, so the
 * filesystem type of /tmp (ext4 on the host, tmpfs here) does not show. */
#include "../conformance.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

static int dfd;

static long o2(int at, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve)
{
	struct open_how how = { .flags = flags, .mode = mode, .resolve = resolve };
	return syscall(SYS_openat2, (long)at, path, &how, (long)sizeof how);
}

static int ok_close(long fd)
{
	if (fd >= 0)
		close((int)fd);
	return fd >= 0;
}

static void openat2_calls(void)
{
	EXPECT_TRUE("openat2 plain", ok_close(o2(dfd, "f", O_RDONLY, 0, 0)));
	EXPECT_TRUE("openat2 O_CREAT with mode", ok_close(o2(dfd, "new", O_RDWR | O_CREAT, 0600, 0)));
	struct stat st;
	fstatat(dfd, "new", &st, 0);
	EXPECT_EQ("created mode", st.st_mode & 07777, 0600);
	EXPECT_ERR("mode without O_CREAT", o2(dfd, "f", O_RDONLY, 0600, 0), EINVAL);
	EXPECT_ERR("mode above 07777", o2(dfd, "n2", O_RDWR | O_CREAT, 010000, 0), EINVAL);
	EXPECT_ERR("unknown flag bit", o2(dfd, "f", O_RDONLY | (1ULL << 40), 0, 0), EINVAL);
	EXPECT_ERR("unknown resolve bit", o2(dfd, "f", O_RDONLY, 0, 0x80), EINVAL);
	EXPECT_ERR("RESOLVE_BENEATH|RESOLVE_IN_ROOT", o2(dfd, "f", O_RDONLY, 0, RESOLVE_BENEATH | RESOLVE_IN_ROOT), EINVAL);
	EXPECT_ERR("O_CREAT|O_DIRECTORY", o2(dfd, "n3", O_RDWR | O_CREAT | O_DIRECTORY, 0600, 0), EINVAL);

	struct open_how how = { .flags = O_RDONLY };
	EXPECT_ERR("size below OPEN_HOW_SIZE_VER0", syscall(SYS_openat2, (long)dfd, "f", &how, 23L), EINVAL);
	EXPECT_ERR("size 0", syscall(SYS_openat2, (long)dfd, "f", &how, 0L), EINVAL);
	struct {
		struct open_how how;
		uint64_t extra;
	} big = { { .flags = O_RDONLY }, 0 };
	EXPECT_TRUE("larger size, zero tail", ok_close(syscall(SYS_openat2, (long)dfd, "f", &big, (long)sizeof big)));
	big.extra = 1;
	EXPECT_ERR("larger size, non-zero tail", syscall(SYS_openat2, (long)dfd, "f", &big, (long)sizeof big), E2BIG);
	EXPECT_ERR("size above a page", syscall(SYS_openat2, (long)dfd, "f", &how, 8192L), E2BIG);
	EXPECT_ERR("bad how pointer", syscall(SYS_openat2, (long)dfd, "f", (void *)1, (long)sizeof how), EFAULT);
	EXPECT_ERR("bad path pointer", syscall(SYS_openat2, (long)dfd, (void *)1, &how, (long)sizeof how), EFAULT);
	EXPECT_ERR("bad dirfd", o2(99, "f", O_RDONLY, 0, 0), EBADF);
	EXPECT_ERR("missing", o2(dfd, "missing", O_RDONLY, 0, 0), ENOENT);

	/* RESOLVE_BENEATH: no escape by "..", an absolute path or an absolute link. */
	EXPECT_TRUE("BENEATH inside", ok_close(o2(dfd, "d/../f", O_RDONLY, 0, RESOLVE_BENEATH)));
	EXPECT_ERR("BENEATH ..", o2(dfd, "../x", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);
	EXPECT_ERR("BENEATH d/../..", o2(dfd, "d/../..", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);
	EXPECT_ERR("BENEATH absolute path", o2(dfd, "/", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);
	EXPECT_ERR("BENEATH absolute link", o2(dfd, "abs", O_RDONLY, 0, RESOLVE_BENEATH), EXDEV);
	EXPECT_TRUE("BENEATH relative link", ok_close(o2(dfd, "rel", O_RDONLY, 0, RESOLVE_BENEATH)));
	/* RESOLVE_IN_ROOT: "/" and ".." stop at the dirfd. */
	EXPECT_TRUE("IN_ROOT absolute link resolves inside", ok_close(o2(dfd, "abs", O_RDONLY, 0, RESOLVE_IN_ROOT)));
	EXPECT_TRUE("IN_ROOT /f", ok_close(o2(dfd, "/f", O_RDONLY, 0, RESOLVE_IN_ROOT)));
	EXPECT_TRUE("IN_ROOT ../../f", ok_close(o2(dfd, "../../f", O_RDONLY, 0, RESOLVE_IN_ROOT)));
	EXPECT_ERR("IN_ROOT /missing", o2(dfd, "/missing", O_RDONLY, 0, RESOLVE_IN_ROOT), ENOENT);
	/* RESOLVE_NO_SYMLINKS and RESOLVE_NO_MAGICLINKS. */
	EXPECT_ERR("NO_SYMLINKS through a link", o2(dfd, "rel", O_RDONLY, 0, RESOLVE_NO_SYMLINKS), ELOOP);
	EXPECT_ERR("NO_SYMLINKS through a dir link", o2(dfd, "dl/x", O_RDONLY, 0, RESOLVE_NO_SYMLINKS), ELOOP);
	EXPECT_TRUE("NO_SYMLINKS O_PATH|O_NOFOLLOW on the link itself", ok_close(o2(dfd, "rel", O_PATH | O_NOFOLLOW, 0, RESOLVE_NO_SYMLINKS)));
	EXPECT_TRUE("NO_SYMLINKS plain path", ok_close(o2(dfd, "d/x", O_RDONLY, 0, RESOLVE_NO_SYMLINKS)));
	int f = openat(dfd, "f", O_RDONLY);
	char magic[64];
	snprintf(magic, sizeof magic, "/proc/self/fd/%d", f);
	EXPECT_TRUE("a magic link without the flag", ok_close(o2(AT_FDCWD, magic, O_RDONLY, 0, 0)));
	EXPECT_ERR("NO_MAGICLINKS", o2(AT_FDCWD, magic, O_RDONLY, 0, RESOLVE_NO_MAGICLINKS), ELOOP);
	EXPECT_ERR("NO_SYMLINKS stops magic links too", o2(AT_FDCWD, magic, O_RDONLY, 0, RESOLVE_NO_SYMLINKS), ELOOP);
	close(f);
	/* RESOLVE_NO_XDEV: /proc is another mount in both worlds. */
	int root = open("/", O_PATH | O_DIRECTORY);
	EXPECT_ERR("NO_XDEV into /proc", o2(root, "proc/self", O_PATH, 0, RESOLVE_NO_XDEV), EXDEV);
	EXPECT_TRUE("NO_XDEV within a mount", ok_close(o2(dfd, "d/x", O_RDONLY, 0, RESOLVE_NO_XDEV)));
	close(root);
	/* RESOLVE_CACHED cannot create or truncate. */
	EXPECT_ERR("CACHED with O_CREAT", o2(dfd, "n4", O_RDWR | O_CREAT, 0600, RESOLVE_CACHED), EAGAIN);
	EXPECT_ERR("CACHED with O_TRUNC", o2(dfd, "f", O_RDWR | O_TRUNC, 0, RESOLVE_CACHED), EAGAIN);
	unlinkat(dfd, "new", 0);
}

static void fchmodat2_calls(void)
{
	struct stat st;
	EXPECT_OK("fchmodat2 plain", syscall(SYS_fchmodat2, (long)dfd, "f", 0600L, 0L));
	fstatat(dfd, "f", &st, 0);
	EXPECT_EQ("mode", st.st_mode & 07777, 0600);
	EXPECT_OK("fchmodat2 through a link", syscall(SYS_fchmodat2, (long)dfd, "rel", 0640L, 0L));
	fstatat(dfd, "f", &st, 0);
	EXPECT_EQ("mode via the link", st.st_mode & 07777, 0640);
	EXPECT_ERR("fchmodat2 NOFOLLOW on a link", syscall(SYS_fchmodat2, (long)dfd, "rel", 0600L, (long)AT_SYMLINK_NOFOLLOW), EOPNOTSUPP);
	EXPECT_OK("fchmodat2 NOFOLLOW on a file", syscall(SYS_fchmodat2, (long)dfd, "f", 0644L, (long)AT_SYMLINK_NOFOLLOW));
	int f = openat(dfd, "f", O_PATH);
	EXPECT_OK("fchmodat2 AT_EMPTY_PATH on an O_PATH fd", syscall(SYS_fchmodat2, (long)f, "", 0604L, (long)AT_EMPTY_PATH));
	fstatat(dfd, "f", &st, 0);
	EXPECT_EQ("mode via AT_EMPTY_PATH", st.st_mode & 07777, 0604);
	EXPECT_ERR("fchmodat2 empty path without flag", syscall(SYS_fchmodat2, (long)f, "", 0600L, 0L), ENOENT);
	close(f);
	EXPECT_ERR("fchmodat2 bad flag", syscall(SYS_fchmodat2, (long)dfd, "f", 0600L, 0x1L), EINVAL);
	EXPECT_ERR("fchmodat2 missing", syscall(SYS_fchmodat2, (long)dfd, "missing", 0600L, 0L), ENOENT);
	EXPECT_ERR("fchmodat2 bad dirfd", syscall(SYS_fchmodat2, 99L, "f", 0600L, 0L), EBADF);
	EXPECT_ERR("fchmodat2 bad path", syscall(SYS_fchmodat2, (long)dfd, (void *)1, 0600L, 0L), EFAULT);
	EXPECT_ERR("fchmodat2 through a file", syscall(SYS_fchmodat2, (long)dfd, "f/x", 0600L, 0L), ENOTDIR);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	char dir[64] = "/tmp/conf-pathat2-XXXXXX";
	if (!mkdtemp(dir)) {
		printf("mkdtemp failed\n");
		return 1;
	}
	umask(022);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	close(openat(dfd, "f", O_RDWR | O_CREAT, 0644));
	mkdirat(dfd, "d", 0755);
	close(openat(dfd, "d/x", O_RDWR | O_CREAT, 0644));
	symlinkat("f", dfd, "rel");
	symlinkat("/f", dfd, "abs");
	symlinkat("d", dfd, "dl");

	openat2_calls();
	fchmodat2_calls();

	unlinkat(dfd, "d/x", 0);
	unlinkat(dfd, "d", AT_REMOVEDIR);
	unlinkat(dfd, "f", 0);
	unlinkat(dfd, "rel", 0);
	unlinkat(dfd, "abs", 0);
	unlinkat(dfd, "dl", 0);
	close(dfd);
	EXPECT_OK("temp dir empty at the end", rmdir(dir));
	return conf_exit();
}
