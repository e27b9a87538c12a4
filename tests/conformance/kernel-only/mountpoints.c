/* Errors that need a mount of the program's own: EBUSY for a mount point (rmdir, rename, umount of a busy
 * mount), ENOSPC from a tmpfs mounted with size= and nr_inodes= limits (write, fallocate, creating files and
 * directories), and EXDEV for a link or rename across two mounts of tmpfs. Not differential: mounting on
 * the host is not something a test may do. Expected values from rmdir(2), rename(2), umount(2), write(2),
 * fallocate(2), open(2), mkdir(2), link(2), and tmpfs's accounting in mm/shmem.c (a hard link takes an inode). */
#include "../conformance.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	mkdir("/tmp/mp", 0755);
	mkdir("/tmp/mp2", 0755);
	EXPECT_OK("mount a small tmpfs", mount("tmpfs", "/tmp/mp", "tmpfs", 0, "size=64k,nr_inodes=4"));
	EXPECT_ERR("rmdir a mount point", rmdir("/tmp/mp"), EBUSY);
	EXPECT_ERR("rename a mount point", rename("/tmp/mp", "/tmp/mp-moved"), EBUSY);
	EXPECT_ERR("rename over a mount point", rename("/tmp/mp2", "/tmp/mp"), EBUSY);

	int fd = open("/tmp/mp/f", O_RDWR | O_CREAT, 0600);
	EXPECT_TRUE("create a file", fd >= 0);
	static char buf[100000];
	long n = write(fd, buf, sizeof buf);
	EXPECT_EQ("write stops at size=64k", n, 65536);
	EXPECT_ERR("write on a full tmpfs", write(fd, buf, 1), ENOSPC);
	EXPECT_ERR("fallocate past the size", fallocate(fd, 0, 65536, 4096), ENOSPC);
	EXPECT_OK("ftruncate frees the space", ftruncate(fd, 0));
	EXPECT_EQ("write again", write(fd, buf, 4096), 4096);
	close(fd);
	/* nr_inodes=4: the root and f use two; two more fit. */
	EXPECT_OK("mkdir d", mkdir("/tmp/mp/d", 0755));
	EXPECT_OK("symlink l", symlink("f", "/tmp/mp/l"));
	EXPECT_ERR("open O_CREAT with no inodes left", open("/tmp/mp/g", O_RDWR | O_CREAT, 0600), ENOSPC);
	EXPECT_ERR("mkdir with no inodes left", mkdir("/tmp/mp/e", 0755), ENOSPC);
	EXPECT_ERR("mknod with no inodes left", mknod("/tmp/mp/p", S_IFIFO | 0600, 0), ENOSPC);
	EXPECT_ERR("a hard link costs an inode too, as shmem_link counts", link("/tmp/mp/f", "/tmp/mp/h"), ENOSPC);
	EXPECT_OK("unlink the symlink", unlink("/tmp/mp/l"));
	EXPECT_OK("then the hard link fits", link("/tmp/mp/f", "/tmp/mp/h"));
	EXPECT_ERR("and nothing more", symlink("f", "/tmp/mp/l"), ENOSPC);
	EXPECT_OK("unlinking the extra name gives its inode back", unlink("/tmp/mp/h"));
	EXPECT_OK("so a symlink fits again", symlink("f", "/tmp/mp/l"));

	EXPECT_OK("mount a second tmpfs", mount("tmpfs", "/tmp/mp2", "tmpfs", 0, NULL));
	/* Device nodes: one without a driver (major 0 is never registered) is ENXIO; any is EACCES on a nodev mount. */
	EXPECT_OK("mknod char 0:7", mknod("/tmp/mp2/nodrv", S_IFCHR | 0600, makedev(0, 7)));
	EXPECT_ERR("open a device without a driver", open("/tmp/mp2/nodrv", O_RDONLY), ENXIO);
	EXPECT_OK("mknod char 1:3", mknod("/tmp/mp2/null", S_IFCHR | 0666, makedev(1, 3)));
	int nfd = open("/tmp/mp2/null", O_RDWR);
	EXPECT_TRUE("a char 1:3 node opens as /dev/null", nfd >= 0);
	EXPECT_EQ("write to it", write(nfd, "abc", 3), 3);
	EXPECT_EQ("read from it", read(nfd, buf, 3), 0);
	close(nfd);
	EXPECT_OK("remount nodev", mount(NULL, "/tmp/mp2", NULL, MS_REMOUNT | MS_NODEV, NULL));
	EXPECT_ERR("open a device on a nodev mount", open("/tmp/mp2/null", O_RDONLY), EACCES);
	EXPECT_ERR("/tmp is nodev here, as a systemd /tmp", (mknod("/tmp/nd", S_IFCHR | 0600, makedev(1, 3)), open("/tmp/nd", O_RDONLY)), EACCES);
	unlink("/tmp/nd");
	unlink("/tmp/mp2/nodrv");
	unlink("/tmp/mp2/null");
	EXPECT_ERR("link across two tmpfs mounts", link("/tmp/mp/f", "/tmp/mp2/f"), EXDEV);
	EXPECT_ERR("rename across two tmpfs mounts", rename("/tmp/mp/f", "/tmp/mp2/f"), EXDEV);
	EXPECT_OK("umount the second", umount("/tmp/mp2"));

	fd = open("/tmp/mp/f", O_RDONLY);
	EXPECT_OK("chdir into the mount", chdir("/tmp/mp/d"));
	EXPECT_ERR("umount with an open file", umount("/tmp/mp"), EBUSY);
	close(fd);
	EXPECT_ERR("umount with the cwd inside", umount("/tmp/mp"), EBUSY);
	EXPECT_OK("chdir out", chdir("/"));
	EXPECT_OK("umount once idle", umount("/tmp/mp"));
	EXPECT_ERR("umount again", umount("/tmp/mp"), EINVAL);
	EXPECT_OK("rmdir the old mount point", rmdir("/tmp/mp"));
	EXPECT_OK("rmdir the other", rmdir("/tmp/mp2"));
	return conf_exit();
}
