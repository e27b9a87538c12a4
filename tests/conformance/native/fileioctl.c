/* The ioctls every file has. Inode flags (chattr/lsattr): FS_IOC_GETFLAGS/SETFLAGS and FS_IOC_FSGETXATTR/FSSETXATTR on tmpfs (/dev/shm), and
 * what immutable and append-only forbid: writes, truncation, removal, renames, links, attribute changes, xattrs,
 * F_SETFL dropping O_APPEND, fallocate modes. Inherited nodump/noatime, statx attributes, the ownership and
 * CAP_LINUX_IMMUTABLE checks. FICLONE/FICLONERANGE, FS_IOC_FIEMAP, FIFREEZE/FITHAW refused
 * as tmpfs refuses them, after the same checks. Native oracle: qemu-user 7.2 does not translate FS_IOC_FS[GS]ETXATTR. */
#include "../conformance.h"

#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#define D "/dev/shm/conf-fileioctl"

static int getflags(const char *path)
{
	int fd = open(path, O_RDONLY), f = -1;
	if (ioctl(fd, FS_IOC_GETFLAGS, &f) < 0) f = -errno;
	close(fd);
	return f;
}

static long setflags(const char *path, int flags)
{
	int fd = open(path, O_RDONLY);
	long r = ioctl(fd, FS_IOC_SETFLAGS, &flags);
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

static unsigned long long attrs(const char *path)
{
	struct statx sx;
	if (statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &sx) < 0) return ~0ULL;
	return sx.stx_attributes & (STATX_ATTR_IMMUTABLE | STATX_ATTR_APPEND | STATX_ATTR_NODUMP);
}

static void cleanup(void)
{
	const char *all[] = { D "/i", D "/a", D "/n/f", D "/n", D "/idir/f", D "/idir", D "/adir/f", D "/adir/g", D "/adir", D "/u", D "/x" };
	for (unsigned i = 0; i < sizeof all / sizeof *all; i++) setflags(all[i], 0);
	for (unsigned i = 0; i < sizeof all / sizeof *all; i++) { unlink(all[i]); rmdir(all[i]); }
	unlink(D "/i2"); unlink(D "/a2"); unlink(D "/ilink"); unlink(D "/alink");
	rmdir(D);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	cleanup();
	mkdir(D, 0777);

	/* Getting and setting. */
	int fd = open(D "/x", O_CREAT | O_RDWR, 0644), f = -1;
	EXPECT_OK("GETFLAGS", ioctl(fd, FS_IOC_GETFLAGS, &f));
	EXPECT_EQ("a new file has none", f, 0);
	EXPECT_ERR("FS_IOC32_GETFLAGS is for 32-bit callers", ioctl(fd, FS_IOC32_GETFLAGS, &f), ENOTTY);
	EXPECT_ERR("GETFLAGS bad pointer", ioctl(fd, FS_IOC_GETFLAGS, (void *)8), EFAULT);
	EXPECT_ERR("SETFLAGS bad pointer", ioctl(fd, FS_IOC_SETFLAGS, (void *)8), EFAULT);
	f = FS_COMPR_FL;
	EXPECT_ERR("SETFLAGS compression (tmpfs has none)", ioctl(fd, FS_IOC_SETFLAGS, &f), EOPNOTSUPP);
	f = FS_NODUMP_FL | FS_NOATIME_FL;
	EXPECT_OK("SETFLAGS nodump noatime", ioctl(fd, FS_IOC_SETFLAGS, &f));
	EXPECT_EQ("read back", getflags(D "/x"), FS_NODUMP_FL | FS_NOATIME_FL);
	EXPECT_EQ("statx shows nodump", attrs(D "/x"), STATX_ATTR_NODUMP);
	struct fsxattr fsx;
	memset(&fsx, 0xff, sizeof fsx);
	EXPECT_OK("FSGETXATTR", ioctl(fd, FS_IOC_FSGETXATTR, &fsx));
	EXPECT_EQ("xflags nodump|noatime", fsx.fsx_xflags, FS_XFLAG_NODUMP | FS_XFLAG_NOATIME);
	EXPECT_EQ("no extent size", fsx.fsx_extsize, 0);
	EXPECT_EQ("no project", fsx.fsx_projid, 0);
	memset(&fsx, 0, sizeof fsx);
	fsx.fsx_xflags = FS_XFLAG_NODUMP;
	EXPECT_OK("FSSETXATTR nodump", ioctl(fd, FS_IOC_FSSETXATTR, &fsx));
	EXPECT_EQ("noatime went", getflags(D "/x"), FS_NODUMP_FL);
	fsx.fsx_extsize = 4096;
	EXPECT_ERR("FSSETXATTR with an extent size", ioctl(fd, FS_IOC_FSSETXATTR, &fsx), EOPNOTSUPP);
	fsx.fsx_extsize = 0;
	fsx.fsx_xflags = FS_XFLAG_REALTIME;
	EXPECT_ERR("FSSETXATTR realtime", ioctl(fd, FS_IOC_FSSETXATTR, &fsx), EOPNOTSUPP);
	close(fd);

	int p[2];
	pipe(p);
	EXPECT_ERR("GETFLAGS of a pipe", ioctl(p[0], FS_IOC_GETFLAGS, &f), ENOTTY);
	close(p[0]); close(p[1]);
	int pr = open("/proc/self/status", O_RDONLY);
	EXPECT_ERR("GETFLAGS of a procfs file", ioctl(pr, FS_IOC_GETFLAGS, &f), ENOTTY);
	close(pr);

	/* Clones, extent maps and freezing: tmpfs has none of them. */
	int a = open(D "/x", O_RDWR), b = open(D "/u", O_CREAT | O_RDWR, 0644), ro = open(D "/x", O_RDONLY);
	int dir = open(D, O_RDONLY), ap = open(D "/u", O_WRONLY | O_APPEND), other = open("/tmp/conf-fileioctl", O_CREAT | O_RDWR, 0644);
	write(a, "hello", 5);
	EXPECT_ERR("FICLONE", ioctl(b, FICLONE, a), EOPNOTSUPP);
	EXPECT_ERR("FICLONE bad fd", ioctl(b, FICLONE, 99), EBADF);
	EXPECT_ERR("FICLONE of a directory", ioctl(b, FICLONE, dir), EISDIR);
	EXPECT_ERR("FICLONE into a read-only fd", ioctl(ro, FICLONE, a), EBADF);
	EXPECT_ERR("FICLONE into an O_APPEND fd", ioctl(ap, FICLONE, a), EBADF);
	EXPECT_ERR("FICLONE across filesystems", ioctl(other, FICLONE, a), EXDEV);
	pipe(p);
	EXPECT_ERR("FICLONE into a pipe", ioctl(p[1], FICLONE, a), EXDEV);
	struct file_clone_range cr = { .src_fd = a };
	EXPECT_ERR("FICLONERANGE", ioctl(b, FICLONERANGE, &cr), EOPNOTSUPP);
	EXPECT_ERR("FICLONERANGE bad pointer", ioctl(b, FICLONERANGE, (void *)8), EFAULT);
	struct fiemap fm = { .fm_length = ~0ULL };
	EXPECT_ERR("FS_IOC_FIEMAP", ioctl(a, FS_IOC_FIEMAP, &fm), EOPNOTSUPP);
	EXPECT_ERR("FS_IOC_FIEMAP of a pipe", ioctl(p[0], FS_IOC_FIEMAP, &fm), EOPNOTSUPP);
	EXPECT_ERR("FIFREEZE", ioctl(a, FIFREEZE, 0), EOPNOTSUPP);
	EXPECT_ERR("FITHAW (not frozen)", ioctl(a, FITHAW, 0), EINVAL);
	close(p[0]); close(p[1]);
	close(a); close(b); close(ro); close(dir); close(ap); close(other);
	unlink("/tmp/conf-fileioctl");
	unlink(D "/u");

	/* Inheritance of nodump and noatime (not of immutable or append). */
	mkdir(D "/n", 0777);
	EXPECT_OK("dir nodump noatime append", setflags(D "/n", FS_NODUMP_FL | FS_NOATIME_FL | FS_APPEND_FL));
	close(open(D "/n/f", O_CREAT | O_WRONLY, 0644));
	EXPECT_EQ("a new file inherits nodump and noatime", getflags(D "/n/f"), FS_NODUMP_FL | FS_NOATIME_FL);

	/* Immutable. */
	close(open(D "/i", O_CREAT | O_WRONLY, 0644));
	write(fd = open(D "/i", O_WRONLY), "abc", 3);
	close(fd);
	EXPECT_OK("+i", setflags(D "/i", FS_IMMUTABLE_FL));
	EXPECT_EQ("statx immutable", attrs(D "/i"), STATX_ATTR_IMMUTABLE);
	EXPECT_ERR("open for writing", open(D "/i", O_WRONLY), EPERM);
	EXPECT_ERR("open O_RDWR", open(D "/i", O_RDWR), EPERM);
	fd = open(D "/i", O_RDONLY);
	EXPECT_TRUE("open for reading works", fd >= 0);
	EXPECT_ERR("ftruncate of a read-only fd", ftruncate(fd, 0), EINVAL);
	close(fd);
	EXPECT_ERR("access W_OK", access(D "/i", W_OK), EPERM);
	EXPECT_OK("access R_OK", access(D "/i", R_OK));
	EXPECT_ERR("truncate", truncate(D "/i", 0), EPERM);
	EXPECT_ERR("unlink", unlink(D "/i"), EPERM);
	EXPECT_ERR("rename", rename(D "/i", D "/i2"), EPERM);
	EXPECT_ERR("link", link(D "/i", D "/ilink"), EPERM);
	EXPECT_ERR("chmod", chmod(D "/i", 0600), EPERM);
	EXPECT_ERR("chown", chown(D "/i", 0, 0), EPERM);
	EXPECT_OK("chown -1 -1", chown(D "/i", -1, -1));
	EXPECT_ERR("utimes now", utimensat(AT_FDCWD, D "/i", NULL, 0), EPERM);
	struct timespec ts[2] = { { 1, 0 }, { 2, 0 } };
	EXPECT_ERR("utimes explicit", utimensat(AT_FDCWD, D "/i", ts, 0), EPERM);
	EXPECT_ERR("setxattr", setxattr(D "/i", "user.k", "v", 1, 0), EPERM);
	EXPECT_OK("a rename onto it is refused", close(open(D "/i2", O_CREAT | O_WRONLY, 0644)));
	EXPECT_ERR("rename over it", rename(D "/i2", D "/i"), EPERM);
	unlink(D "/i2");
	mkdir(D "/idir", 0777);
	close(open(D "/idir/f", O_CREAT | O_WRONLY, 0644));
	EXPECT_OK("+i on a directory", setflags(D "/idir", FS_IMMUTABLE_FL));
	EXPECT_ERR("create in it", open(D "/idir/g", O_CREAT | O_WRONLY, 0644), EPERM);
	EXPECT_ERR("mkdir in it", mkdir(D "/idir/d", 0777), EPERM);
	EXPECT_ERR("unlink in it", unlink(D "/idir/f"), EPERM);
	EXPECT_OK("its files stay writable", close(open(D "/idir/f", O_WRONLY)));
	EXPECT_OK("-i", setflags(D "/i", 0));
	EXPECT_OK("writable again", close(open(D "/i", O_WRONLY)));

	/* Append-only. */
	close(open(D "/a", O_CREAT | O_WRONLY, 0644));
	EXPECT_OK("+a", setflags(D "/a", FS_APPEND_FL));
	EXPECT_EQ("statx append", attrs(D "/a"), STATX_ATTR_APPEND);
	EXPECT_ERR("open O_WRONLY", open(D "/a", O_WRONLY), EPERM);
	EXPECT_ERR("open O_APPEND|O_TRUNC", open(D "/a", O_WRONLY | O_APPEND | O_TRUNC), EPERM);
	fd = open(D "/a", O_WRONLY | O_APPEND);
	EXPECT_TRUE("open O_APPEND works", fd >= 0);
	EXPECT_EQ("write", write(fd, "hello", 5), 5);
	EXPECT_EQ("pwrite appends", pwrite(fd, "!", 1, 0), 1);
	EXPECT_ERR("F_SETFL without O_APPEND", fcntl(fd, F_SETFL, 0), EPERM);
	EXPECT_OK("F_SETFL keeping O_APPEND", fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK));
	EXPECT_ERR("ftruncate", ftruncate(fd, 0), EPERM);
	EXPECT_OK("fallocate", fallocate(fd, 0, 0, 100));
	EXPECT_OK("fallocate keep size", fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 200));
	EXPECT_ERR("fallocate punch hole", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 1), EPERM);
	close(fd);
	struct stat st;
	stat(D "/a", &st);
	EXPECT_EQ("size after appends and fallocate", st.st_size, 100);
	EXPECT_ERR("truncate", truncate(D "/a", 0), EPERM);
	EXPECT_ERR("unlink", unlink(D "/a"), EPERM);
	EXPECT_ERR("rename", rename(D "/a", D "/a2"), EPERM);
	EXPECT_ERR("link", link(D "/a", D "/alink"), EPERM);
	EXPECT_ERR("chmod", chmod(D "/a", 0600), EPERM);
	EXPECT_OK("utimes now", utimensat(AT_FDCWD, D "/a", NULL, 0));
	EXPECT_ERR("utimes explicit", utimensat(AT_FDCWD, D "/a", ts, 0), EPERM);
	EXPECT_ERR("setxattr", setxattr(D "/a", "user.k", "v", 1, 0), EPERM);
	mkdir(D "/adir", 0777);
	close(open(D "/adir/f", O_CREAT | O_WRONLY, 0644));
	EXPECT_OK("+a on a directory", setflags(D "/adir", FS_APPEND_FL));
	EXPECT_OK("create in it", close(open(D "/adir/g", O_CREAT | O_WRONLY, 0644)));
	EXPECT_ERR("unlink in it", unlink(D "/adir/f"), EPERM);
	EXPECT_ERR("rename out of it", rename(D "/adir/f", D "/a2"), EPERM);

	/* Who may set them. */
	close(open(D "/u", O_CREAT | O_WRONLY, 0644));
	chown(D "/u", 1000, 1000);
	pid_t pid = fork();
	if (pid == 0)
	{
		setgid(1000);
		setuid(1000);
		EXPECT_OK("owner sets nodump", setflags(D "/u", FS_NODUMP_FL));
		EXPECT_ERR("owner sets immutable (no CAP_LINUX_IMMUTABLE)", setflags(D "/u", FS_IMMUTABLE_FL), EPERM);
		EXPECT_ERR("owner sets append", setflags(D "/u", FS_APPEND_FL | FS_NODUMP_FL), EPERM);
		EXPECT_ERR("another's file", setflags(D "/x", 0), EPERM);
		EXPECT_ERR("clearing another's append", setflags(D "/a", 0), EPERM);
		int x = open(D "/u", O_RDONLY);
		EXPECT_ERR("FIFREEZE without CAP_SYS_ADMIN", ioctl(x, FIFREEZE, 0), EPERM);
		EXPECT_ERR("FITHAW without CAP_SYS_ADMIN", ioctl(x, FITHAW, 0), EPERM);
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	EXPECT_EQ("child done", status, 0);
	EXPECT_EQ("nodump kept", getflags(D "/u"), FS_NODUMP_FL);

	cleanup();
	EXPECT_ERR("all gone", access(D, F_OK), ENOENT);
	return conf_failures != 0;
}
