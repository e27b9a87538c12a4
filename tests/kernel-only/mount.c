/* mount(2), umount2(2), pivot_root(2) and chroot(2) against their man pages.
 * Never run under qemu: it would mount on the host. Everything happens under
 * /tmp/mnt-test (a tmpfs in the sandbox) and ends with a pivot_root. */
#include "conformance.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#define T "/tmp/mnt-test"
#define TMPFS_MAGIC 0x01021994

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd >= 0) {
		write(fd, text, strlen(text));
		close(fd);
	}
}

static int exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static void read_first(const char *label, const char *path, const char *want)
{
	char buf[32] = { 0 };
	int fd = open(path, O_RDONLY);
	if (fd >= 0) {
		read(fd, buf, strlen(want));
		close(fd);
	}
	conf_expect_str(label, fd < 0 ? conf_errname(errno) : buf, want);
}

static void tmpfs_options(void)
{
	struct statfs sfs;
	struct stat st;
	mkdir(T "/sized", 0755);
	EXPECT_EQ("mount tmpfs size=8k,nr_inodes=3,mode=0700", mount("none", T "/sized", "tmpfs", 0, "size=8k,nr_inodes=3,mode=0700"), 0);
	EXPECT_OK("statfs", statfs(T "/sized", &sfs));
	EXPECT_EQ("f_type", sfs.f_type, TMPFS_MAGIC);
	EXPECT_EQ("f_blocks", sfs.f_blocks, 2);
	EXPECT_EQ("f_files", sfs.f_files, 3);
	EXPECT_OK("stat", stat(T "/sized", &st));
	EXPECT_EQ("root mode", st.st_mode & 07777, 0700);
	int fd = open(T "/sized/big", O_CREAT | O_WRONLY, 0644);
	static char block[4096];
	EXPECT_EQ("write page 1", write(fd, block, sizeof block), 4096);
	EXPECT_EQ("write page 2", write(fd, block, sizeof block), 4096);
	EXPECT_ERR("write page 3", write(fd, block, sizeof block), ENOSPC);
	close(fd);
	/* The root directory is one of the three nodes. */
	EXPECT_OK("mkdir node 3", mkdir(T "/sized/d", 0755));
	EXPECT_ERR("mkdir node 4", mkdir(T "/sized/e", 0755), ENOSPC);
	EXPECT_OK("rmdir node 3", rmdir(T "/sized/d"));
	EXPECT_OK("mkdir node 3 again", mkdir(T "/sized/e", 0755));
	EXPECT_EQ("umount2", umount2(T "/sized", 0), 0);
	EXPECT_ERR("unknown type", mount("none", T "/sized", "nosuchfs", 0, NULL), ENODEV);
	/* The virtual filesystems mount again elsewhere. */
	struct statfs vfs;
	EXPECT_EQ("mount -t proc", mount("proc", T "/sized", "proc", 0, NULL), 0);
	EXPECT_EQ("  it is procfs", statfs(T "/sized", &vfs) == 0 && vfs.f_type == 0x9fa0, 1);
	EXPECT_EQ("  with /self in it", access(T "/sized/self/status", R_OK), 0);
	umount2(T "/sized", 0);
	EXPECT_EQ("mount -t sysfs", mount("sysfs", T "/sized", "sysfs", 0, NULL), 0);
	EXPECT_EQ("  it is sysfs", statfs(T "/sized", &vfs) == 0 && vfs.f_type == 0x62656572, 1);
	umount2(T "/sized", 0);
	EXPECT_EQ("mount -t devpts", mount("devpts", T "/sized", "devpts", 0, NULL), 0);
	EXPECT_EQ("  with its ptmx", access(T "/sized/ptmx", F_OK), 0);
	umount2(T "/sized", 0);
	EXPECT_ERR("bad option", mount("none", T "/sized", "tmpfs", 0, "bogus=1"), EINVAL);
	EXPECT_ERR("bad size", mount("none", T "/sized", "tmpfs", 0, "size=lots"), EINVAL);
	EXPECT_ERR("missing target", mount("none", T "/missing", "tmpfs", 0, NULL), ENOENT);
	write_file(T "/file", "plain");
	EXPECT_ERR("file target", mount("none", T "/file", "tmpfs", 0, NULL), ENOTDIR);
	EXPECT_ERR("MS_NOUSER", mount("none", T "/sized", "tmpfs", MS_NOUSER, NULL), EINVAL);
	EXPECT_ERR("bad type pointer", syscall(SYS_mount, "none", T "/sized", 8, 0, 0), EFAULT);
}

static void flags_and_remount(void)
{
	struct statfs sfs;
	mkdir(T "/flags", 0755);
	EXPECT_EQ("mount nosuid,nodev,noexec", mount("t", T "/flags", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL), 0);
	EXPECT_OK("statfs", statfs(T "/flags", &sfs));
	EXPECT_TRUE("ST_NOSUID|ST_NODEV|ST_NOEXEC", (sfs.f_flags & (ST_NOSUID | ST_NODEV | ST_NOEXEC)) == (ST_NOSUID | ST_NODEV | ST_NOEXEC));
	int fd = open(T "/flags/prog", O_CREAT | O_WRONLY, 0755);
	close(fd);
	EXPECT_ERR("access X_OK on noexec", access(T "/flags/prog", X_OK), EACCES);
	EXPECT_EQ("access R_OK on noexec", access(T "/flags/prog", R_OK), 0);
	EXPECT_EQ("mknod char on nodev", mknod(T "/flags/null", S_IFCHR | 0666, makedev(1, 3)), 0);
	EXPECT_ERR("open char on nodev", open(T "/flags/null", O_RDONLY), EACCES);

	fd = open(T "/flags/open-for-write", O_CREAT | O_WRONLY, 0644);
	EXPECT_ERR("remount ro with a writer", mount(NULL, T "/flags", NULL, MS_REMOUNT | MS_RDONLY, NULL), EBUSY);
	close(fd);
	EXPECT_EQ("remount ro", mount(NULL, T "/flags", NULL, MS_REMOUNT | MS_RDONLY, NULL), 0);
	EXPECT_ERR("create on ro", open(T "/flags/new", O_CREAT | O_WRONLY, 0644), EROFS);
	EXPECT_ERR("unlink on ro", unlink(T "/flags/prog"), EROFS);
	EXPECT_ERR("mkdir on ro", mkdir(T "/flags/d", 0755), EROFS);
	EXPECT_OK("statfs", statfs(T "/flags", &sfs));
	EXPECT_TRUE("ST_RDONLY", (sfs.f_flags & ST_RDONLY) != 0);
	EXPECT_TRUE("reading still works", exists(T "/flags/prog"));
	EXPECT_EQ("remount rw", mount(NULL, T "/flags", NULL, MS_REMOUNT, NULL), 0);
	write_file(T "/flags/new", "x");
	EXPECT_TRUE("create after rw", exists(T "/flags/new"));
	EXPECT_ERR("remount of a non-mount-point", mount(NULL, T, NULL, MS_REMOUNT | MS_RDONLY, NULL), EINVAL);
	EXPECT_EQ("make private", mount(NULL, T "/flags", NULL, MS_PRIVATE | MS_REC, NULL), 0);
	EXPECT_ERR("two propagation types", mount(NULL, T "/flags", NULL, MS_PRIVATE | MS_SHARED, NULL), EINVAL);
	EXPECT_EQ("umount2", umount2(T "/flags", 0), 0);
}

static void binds(void)
{
	struct stat a, b;
	mkdir(T "/src", 0755);
	mkdir(T "/src/inner", 0755);
	mkdir(T "/view", 0755);
	mkdir(T "/rview", 0755);
	write_file(T "/src/data", "source");
	EXPECT_EQ("mount tmpfs on src/inner", mount("inner", T "/src/inner", "tmpfs", 0, NULL), 0);
	write_file(T "/src/inner/deep", "deep");
	EXPECT_EQ("bind", mount(T "/src", T "/view", NULL, MS_BIND, NULL), 0);
	read_first("read via bind", T "/view/data", "source");
	EXPECT_OK("stat a", stat(T "/view/data", &a));
	EXPECT_OK("stat b", stat(T "/src/data", &b));
	EXPECT_TRUE("same inode via bind", a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	write_file(T "/view/written", "via-bind");
	read_first("written via bind, read at source", T "/src/written", "via-bind");
	EXPECT_TRUE("non-recursive bind hides submounts", !exists(T "/view/inner/deep"));
	EXPECT_EQ("recursive bind", mount(T "/src", T "/rview", NULL, MS_BIND | MS_REC, NULL), 0);
	read_first("submount via recursive bind", T "/rview/inner/deep", "deep");
	EXPECT_EQ("read-only bind remount", mount(NULL, T "/view", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL), 0);
	EXPECT_ERR("write via ro bind", open(T "/view/new", O_CREAT | O_WRONLY, 0644), EROFS);
	write_file(T "/src/new", "still");
	read_first("source stays writable", T "/view/new", "still");
	EXPECT_ERR("bind without source", mount(NULL, T "/view", NULL, MS_BIND, NULL), EINVAL);
	EXPECT_ERR("bind missing source", mount(T "/nowhere", T "/view", NULL, MS_BIND, NULL), ENOENT);
	EXPECT_ERR("bind dir on file", mount(T "/src", T "/file", NULL, MS_BIND, NULL), ENOTDIR);
	EXPECT_EQ("bind file on file", mount(T "/src/data", T "/file", NULL, MS_BIND, NULL), 0);
	read_first("file bind", T "/file", "source");
	EXPECT_EQ("umount file bind", umount2(T "/file", 0), 0);
	read_first("file after umount", T "/file", "plain");

	/* MS_MOVE */
	mkdir(T "/moved", 0755);
	EXPECT_ERR("move into itself", mount(T "/rview", T "/rview/inner", NULL, MS_MOVE, NULL), ELOOP);
	EXPECT_ERR("move a non-mount-point", mount(T "/src/inner/..", T "/moved", NULL, MS_MOVE, NULL), EINVAL);
	EXPECT_EQ("move", mount(T "/rview", T "/moved", NULL, MS_MOVE, NULL), 0);
	read_first("moved with its submount", T "/moved/inner/deep", "deep");
	EXPECT_TRUE("old place empty", !exists(T "/rview/data"));
}

static void unmounting(void)
{
	mkdir(T "/u", 0755);
	write_file(T "/u/under", "under");
	EXPECT_EQ("mount 1", mount("one", T "/u", "tmpfs", 0, NULL), 0);
	write_file(T "/u/one", "one");
	EXPECT_EQ("mount 2 (stacked)", mount("two", T "/u", "tmpfs", 0, NULL), 0);
	EXPECT_TRUE("stacked hides the first", !exists(T "/u/one"));
	EXPECT_EQ("umount top", umount2(T "/u", 0), 0);
	read_first("first again", T "/u/one", "one");
	mkdir(T "/u/sub", 0755);
	EXPECT_EQ("mount sub", mount("sub", T "/u/sub", "tmpfs", 0, NULL), 0);
	EXPECT_ERR("umount with a submount", umount2(T "/u", 0), EBUSY);
	write_file(T "/u/sub/held", "held");
	int fd = open(T "/u/sub/held", O_RDONLY);
	EXPECT_ERR("umount with an open file", umount2(T "/u/sub", 0), EBUSY);
	EXPECT_OK("chdir into it", chdir(T "/u/sub"));
	close(fd);
	EXPECT_ERR("umount with a cwd inside", umount2(T "/u/sub", 0), EBUSY);
	EXPECT_OK("chdir out", chdir("/"));
	fd = open(T "/u/sub/held", O_RDONLY);
	EXPECT_EQ("MNT_DETACH", umount2(T "/u", MNT_DETACH), 0);
	read_first("under again", T "/u/under", "under");
	char buf[8] = { 0 };
	EXPECT_EQ("read from the detached mount", read(fd, buf, 4), 4);
	conf_expect_str("detached data", buf, "held");
	close(fd);
	EXPECT_ERR("umount a plain dir", umount2(T "/u", 0), EINVAL);
	EXPECT_ERR("umount bad flags", umount2(T "/u", 0x100), EINVAL);
	EXPECT_ERR("umount missing", umount2(T "/missing", 0), ENOENT);
	EXPECT_EQ("mount for expire", mount("exp", T "/u", "tmpfs", 0, NULL), 0);
	EXPECT_ERR("MNT_EXPIRE|MNT_DETACH", umount2(T "/u", MNT_EXPIRE | MNT_DETACH), EINVAL);
	EXPECT_ERR("MNT_EXPIRE first", umount2(T "/u", MNT_EXPIRE), EAGAIN);
	EXPECT_EQ("MNT_EXPIRE second", umount2(T "/u", MNT_EXPIRE), 0);
}

static void chroot_and_pivot(void)
{
	char cwd[256];
	/* chroot: lookups stop at the new root */
	mkdir(T "/jail", 0755);
	mkdir(T "/jail/etc", 0755);
	write_file(T "/jail/etc/passwd", "jail");
	int outside = open("/", O_RDONLY | O_DIRECTORY);
	EXPECT_ERR("chroot missing", chroot(T "/nowhere"), ENOENT);
	EXPECT_ERR("chroot file", chroot(T "/file"), ENOTDIR);
	EXPECT_EQ("chroot", chroot(T "/jail"), 0);
	EXPECT_OK("chdir /", chdir("/"));
	read_first("/etc/passwd in jail", "/etc/passwd", "jail");
	read_first("/../../etc/passwd in jail", "/../../etc/passwd", "jail");
	EXPECT_TRUE("getcwd /", getcwd(cwd, sizeof cwd) && strcmp(cwd, "/") == 0);
	/* fchdir to a directory opened before chroot leaves the jail, as on Linux; ".." then climbs to the real root */
	EXPECT_OK("fchdir outside", fchdir(outside));
	EXPECT_OK("chdir ../..", chdir("../.."));
	EXPECT_EQ("chroot .", chroot("."), 0);
	read_first("back at the sandbox root", "/etc/passwd", "root:");
	close(outside);

	/* pivot_root */
	mkdir(T "/newroot", 0755);
	EXPECT_EQ("mount newroot", mount("newroot", T "/newroot", "tmpfs", 0, NULL), 0);
	mkdir(T "/newroot/old", 0755);
	write_file(T "/newroot/marker", "new-root");
	EXPECT_ERR("pivot_root, new_root not a mount point", syscall(SYS_pivot_root, T "/newroot/old", T "/newroot/old"), EINVAL);
	EXPECT_ERR("pivot_root, put_old outside", syscall(SYS_pivot_root, T "/newroot", "/etc"), EBUSY);
	EXPECT_ERR("pivot_root, missing", syscall(SYS_pivot_root, T "/nowhere", T "/newroot/old"), ENOENT);
	EXPECT_EQ("pivot_root", syscall(SYS_pivot_root, T "/newroot", T "/newroot/old"), 0);
	EXPECT_OK("chdir /", chdir("/"));
	read_first("marker at /", "/marker", "new-root");
	read_first("old root at /old", "/old/etc/passwd", "root:");
	EXPECT_EQ("umount old root", umount2("/old", MNT_DETACH), 0);
	EXPECT_TRUE("old root gone", !exists("/old/etc"));
	read_first("/.. is still /", "/../marker", "new-root");
	EXPECT_TRUE("getcwd /", getcwd(cwd, sizeof cwd) && strcmp(cwd, "/") == 0);
}

/* Only uid 0 may change the mount table; the target is looked up first, as Linux does. */
static void unprivileged(void)
{
	EXPECT_EQ("setresuid(1000)", syscall(SYS_setresuid, 1000, 1000, 1000), 0);
	EXPECT_ERR("mount as uid 1000", mount("none", "/", "tmpfs", 0, NULL), EPERM);
	EXPECT_ERR("mount, missing target, as uid 1000", mount("none", "/missing", "tmpfs", 0, NULL), ENOENT);
	EXPECT_ERR("umount2 as uid 1000", umount2("/", 0), EPERM);
	EXPECT_ERR("pivot_root as uid 1000", syscall(SYS_pivot_root, "/", "/"), EPERM);
	EXPECT_ERR("chroot as uid 1000", chroot("/"), EPERM);
}

int main(void)
{
	mkdir(T, 0755);
	tmpfs_options();
	flags_and_remount();
	binds();
	unmounting();
	chroot_and_pivot();
	unprivileged();
	return conf_exit();
}
