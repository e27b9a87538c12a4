/* statx beyond the basic stats: tmpfs reports a birth time only when asked for, the mount id always, MOUNT_ROOT on a
 * mount's root, and the attribute flags it supports. Native oracle: qemu-user 7.2 drops stx_mnt_id. */
#include "../conformance.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static long sx(int dirfd, const char *path, int flags, unsigned mask, struct statx *st)
{
	return syscall(SYS_statx, dirfd, path, flags, mask, st);
}

#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x2000
#endif

/* Birth time, mount ids and attributes: tmpfs reports a birth time only when
 * asked for, the mount id always, and MOUNT_ROOT on the mount's root. */
int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	char dir[64] = "/dev/shm/conf-statx-XXXXXX";
	if (!mkdtemp(dir) || chdir(dir) != 0) {
		printf("mkdtemp failed\n");
		return 1;
	}
	close(open("f", O_RDWR | O_CREAT, 0600));
	struct statx a, b, r;
	memset(&a, 0, sizeof a);
	EXPECT_OK("statx basic", sx(AT_FDCWD, "f", 0, STATX_BASIC_STATS, &a));
	EXPECT_EQ("mask: basic stats and mount id", a.stx_mask, STATX_BASIC_STATS | STATX_MNT_ID);
	EXPECT_EQ("no birth time unasked", a.stx_btime.tv_sec, 0);
	EXPECT_OK("statx all", sx(AT_FDCWD, "f", 0, STATX_ALL | STATX_MNT_ID, &b));
	EXPECT_EQ("mask with btime", b.stx_mask, STATX_BASIC_STATS | STATX_BTIME | STATX_MNT_ID);
	EXPECT_TRUE("birth time set", b.stx_btime.tv_sec > 0);
	EXPECT_TRUE("birth time not after ctime", b.stx_btime.tv_sec <= b.stx_ctime.tv_sec);
	EXPECT_TRUE("mount id set", a.stx_mnt_id != 0);
	EXPECT_EQ("not a mount root", a.stx_attributes & STATX_ATTR_MOUNT_ROOT, 0);
	EXPECT_TRUE("MOUNT_ROOT supported", (a.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) != 0);
	EXPECT_TRUE("tmpfs supports append, immutable, nodump",
		(a.stx_attributes_mask & (STATX_ATTR_APPEND | STATX_ATTR_IMMUTABLE | STATX_ATTR_NODUMP)) ==
		(STATX_ATTR_APPEND | STATX_ATTR_IMMUTABLE | STATX_ATTR_NODUMP));
	EXPECT_EQ("no attributes set", a.stx_attributes, 0);
	EXPECT_OK("statx /dev/shm", sx(AT_FDCWD, "/dev/shm", 0, STATX_BASIC_STATS, &r));
	EXPECT_TRUE("/dev/shm is a mount root", (r.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0);
	EXPECT_TRUE("same mount as its file", r.stx_mnt_id == a.stx_mnt_id);
	EXPECT_OK("statx /proc", sx(AT_FDCWD, "/proc", 0, STATX_ALL, &r));
	EXPECT_TRUE("/proc: another mount", r.stx_mnt_id != a.stx_mnt_id);
	EXPECT_EQ("/proc: no birth time", r.stx_mask & STATX_BTIME, 0);
	EXPECT_TRUE("/proc is a mount root", (r.stx_attributes & STATX_ATTR_MOUNT_ROOT) != 0);
	EXPECT_EQ("/proc: no append attribute", r.stx_attributes_mask & STATX_ATTR_APPEND, 0);
	int fd = open("f", O_RDONLY);
	EXPECT_OK("statx AT_EMPTY_PATH all", sx(fd, "", AT_EMPTY_PATH, STATX_ALL | STATX_MNT_ID, &r));
	EXPECT_TRUE("same birth time through the fd", r.stx_btime.tv_sec == b.stx_btime.tv_sec && r.stx_btime.tv_nsec == b.stx_btime.tv_nsec);
	EXPECT_TRUE("same mount through the fd", r.stx_mnt_id == a.stx_mnt_id);
	close(fd);
	unlink("f");
	chdir("/");
	rmdir(dir);
	return 0;
}
