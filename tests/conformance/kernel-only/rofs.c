/* EROFS: every call that would change a read-only mount. Not differential: /conformance is a read-only
 * mount only in the sandbox (under qemu it is the host's writable out/ directory), and the host has no
 * read-only place a program may safely try to write. A tmpfs mounted read-only here, and a tmpfs remounted
 * read-only, give the same answers. Expected values from the man pages (EEXIST and ENOENT come before
 * EROFS, devices and fifos stay writable, as Linux's may_open). */
#include "../conformance.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

static void check(const char *d)
{
	char p[128], q[128];
	printf("-- %s\n", d);
#define AT(name) (snprintf(p, sizeof p, "%s/%s", d, name), p)
#define AT2(name) (snprintf(q, sizeof q, "%s/%s", d, name), q)
	EXPECT_ERR("open O_WRONLY", open(AT("f"), O_WRONLY), EROFS);
	EXPECT_ERR("open O_RDWR", open(AT("f"), O_RDWR), EROFS);
	EXPECT_ERR("open O_RDONLY|O_TRUNC", open(AT("f"), O_RDONLY | O_TRUNC), EROFS);
	EXPECT_ERR("open O_CREAT new", open(AT("new"), O_RDWR | O_CREAT, 0600), EROFS);
	int fd = open(AT("f"), O_RDONLY | O_CREAT, 0600);
	EXPECT_TRUE("open O_CREAT of an existing file read-only", fd >= 0);
	EXPECT_ERR("open O_CREAT|O_EXCL existing (EEXIST first)", open(AT("f"), O_RDWR | O_CREAT | O_EXCL, 0600), EEXIST);
	EXPECT_ERR("O_TMPFILE", open(d, O_TMPFILE | O_RDWR, 0600), EROFS);
	EXPECT_ERR("mkdir", mkdir(AT("nd"), 0755), EROFS);
	EXPECT_ERR("mkdir existing (EEXIST first)", mkdir(AT("dir"), 0755), EEXIST);
	EXPECT_ERR("mkdir in a missing dir (ENOENT first)", mkdir(AT("nodir/x"), 0755), ENOENT);
	EXPECT_ERR("mknod fifo", mknod(AT("fifo2"), S_IFIFO | 0600, 0), EROFS);
	EXPECT_ERR("symlink", symlink("f", AT("l2")), EROFS);
	EXPECT_ERR("link", link(AT("f"), AT2("f2")), EROFS);
	EXPECT_ERR("unlink", unlink(AT("f")), EROFS);
	EXPECT_ERR("unlink missing (EROFS before the lookup, as do_unlinkat)", unlink(AT("missing")), EROFS);
	EXPECT_ERR("rmdir", rmdir(AT("dir")), EROFS);
	EXPECT_ERR("rename", rename(AT("f"), AT2("g")), EROFS);
	EXPECT_ERR("renameat2 RENAME_EXCHANGE", renameat2(AT_FDCWD, AT("f"), AT_FDCWD, AT2("dir"), RENAME_EXCHANGE), EROFS);
	EXPECT_ERR("truncate", truncate(AT("f"), 0), EROFS);
	EXPECT_ERR("ftruncate of a read-only descriptor (EINVAL first)", ftruncate(fd, 0), EINVAL);
	EXPECT_ERR("access W_OK", access(AT("f"), W_OK), EROFS);
	EXPECT_OK("access R_OK", access(AT("f"), R_OK));
	EXPECT_ERR("faccessat2 AT_EACCESS W_OK", syscall(SYS_faccessat2, AT_FDCWD, AT("f"), W_OK, AT_EACCESS), EROFS);
	EXPECT_ERR("chmod", chmod(AT("f"), 0600), EROFS);
	EXPECT_ERR("fchmod", fchmod(fd, 0600), EROFS);
	EXPECT_ERR("chown", chown(AT("f"), 0, 0), EROFS);
	EXPECT_ERR("fchown", fchown(fd, 0, 0), EROFS);
	EXPECT_ERR("utimensat", utimensat(AT_FDCWD, AT("f"), NULL, 0), EROFS);
	EXPECT_ERR("setxattr", setxattr(AT("f"), "user.x", "v", 1, 0), EROFS);
	EXPECT_ERR("removexattr", removexattr(AT("f"), "user.x"), EROFS);
	EXPECT_ERR("fallocate of a read-only descriptor (EBADF first)", fallocate(fd, 0, 0, 10), EBADF);
	close(fd);
	/* A fifo stays openable for writing: it is not the filesystem that is written. */
	fd = open(AT("fifo"), O_RDWR);
	EXPECT_TRUE("open a fifo O_RDWR on a read-only mount", fd >= 0);
	close(fd);
	fd = open(AT("dir"), O_RDONLY | O_DIRECTORY);
	EXPECT_ERR("mkdirat via a dir fd", mkdirat(fd, "x", 0755), EROFS);
	close(fd);
}

static void populate(const char *d)
{
	char p[128];
	mkdir(d, 0755);
	snprintf(p, sizeof p, "%s/f", d);
	close(open(p, O_RDWR | O_CREAT, 0644));
	snprintf(p, sizeof p, "%s/dir", d);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/fifo", d);
	mknod(p, S_IFIFO | 0600, 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	umask(022);
	/* A tmpfs remounted read-only. */
	populate("/tmp/rofs");
	EXPECT_OK("mount tmpfs", mount("tmpfs", "/tmp/rofs", "tmpfs", 0, NULL));
	populate("/tmp/rofs");
	EXPECT_OK("remount read-only", mount(NULL, "/tmp/rofs", NULL, MS_REMOUNT | MS_RDONLY, NULL));
	check("/tmp/rofs");
	EXPECT_OK("remount read-write", mount(NULL, "/tmp/rofs", NULL, MS_REMOUNT, NULL));
	int fd = open("/tmp/rofs/f", O_WRONLY);
	EXPECT_TRUE("writable again", fd >= 0);
	close(fd);
	EXPECT_OK("umount", umount("/tmp/rofs"));
	/* The read-only bind of the conformance binaries: a file and a directory that exist. */
	EXPECT_ERR("open /conformance/rofs O_WRONLY", open("/conformance/kernel-only/rofs", O_WRONLY), EROFS);
	EXPECT_ERR("mkdir in /conformance", mkdir("/conformance/newdir", 0755), EROFS);
	EXPECT_ERR("unlink in /conformance", unlink("/conformance/kernel-only/rofs"), EROFS);
	return conf_exit();
}
