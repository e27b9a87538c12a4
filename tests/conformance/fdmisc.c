/* Descriptor odds and ends: close_range, lseek SEEK_DATA/SEEK_HOLE,
 * fallocate, the sync family, readahead, fadvise64 and pipe2(O_DIRECT)
 * packet mode, with their documented errors. (preadv2/pwritev2, which
 * qemu-aarch64 7.2 does not translate, are in native/rwv2.c.)
 * Files live in /dev/shm: tmpfs both here and under the oracle. */
#include "conformance.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <linux/falloc.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *path = "/dev/shm/conf-fdmisc";

static int is_open(int fd) { return fcntl(fd, F_GETFD) >= 0; }

static void close_ranges(void)
{
	int base = open("/dev/null", O_RDONLY);
	int fds[6];
	for (int i = 0; i < 6; i++)
		fds[i] = dup2(base, 100 + i);
	EXPECT_EQ("dup2 to 105", fds[5], 105);
	EXPECT_EQ("close_range 101..102", syscall(SYS_close_range, 101, 102, 0), 0);
	EXPECT_TRUE("100 open, 101-102 closed, 103 open", is_open(100) && !is_open(101) && !is_open(102) && is_open(103));
	EXPECT_EQ("close_range CLOEXEC 103..104", syscall(SYS_close_range, 103, 104, CLOSE_RANGE_CLOEXEC), 0);
	EXPECT_EQ("103 FD_CLOEXEC", fcntl(103, F_GETFD), FD_CLOEXEC);
	EXPECT_EQ("105 no FD_CLOEXEC", fcntl(105, F_GETFD), 0);
	EXPECT_EQ("close_range UNSHARE 100..100", syscall(SYS_close_range, 100, 100, CLOSE_RANGE_UNSHARE), 0);
	EXPECT_TRUE("100 closed", !is_open(100));
	EXPECT_EQ("close_range empty span", syscall(SYS_close_range, 200, 300, 0), 0);
	EXPECT_EQ("close_range 103..~0", syscall(SYS_close_range, 103, ~0U, 0), 0);
	EXPECT_TRUE("103-105 closed", !is_open(103) && !is_open(104) && !is_open(105));
	EXPECT_TRUE("base still open", is_open(base));
	EXPECT_ERR("close_range first>last", syscall(SYS_close_range, 5, 4, 0), EINVAL);
	EXPECT_ERR("close_range bad flags", syscall(SYS_close_range, 100, 101, 1), EINVAL);
	EXPECT_ERR("close_range bad flags 8", syscall(SYS_close_range, 100, 101, 8), EINVAL);
	close(base);
}

static void seek_data_hole(void)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	EXPECT_EQ("ftruncate 64K", ftruncate(fd, 65536), 0);
	EXPECT_EQ("pwrite at 16K", pwrite(fd, "x", 1, 16384), 1);
	EXPECT_EQ("SEEK_DATA 0", lseek(fd, 0, SEEK_DATA), 16384);
	EXPECT_EQ("SEEK_HOLE 0", lseek(fd, 0, SEEK_HOLE), 0);
	EXPECT_EQ("SEEK_HOLE 16384", lseek(fd, 16384, SEEK_HOLE), 20480);
	EXPECT_EQ("SEEK_DATA 16385", lseek(fd, 16385, SEEK_DATA), 16385);
	EXPECT_ERR("SEEK_DATA past data", lseek(fd, 20480, SEEK_DATA), ENXIO);
	EXPECT_ERR("SEEK_DATA at size", lseek(fd, 65536, SEEK_DATA), ENXIO);
	EXPECT_ERR("SEEK_HOLE at size", lseek(fd, 65536, SEEK_HOLE), ENXIO);
	EXPECT_ERR("SEEK_DATA negative", lseek(fd, -1, SEEK_DATA), ENXIO);
	EXPECT_ERR("whence 5", lseek(fd, 0, 5), EINVAL);
	close(fd);
}

static void fallocates(void)
{
	struct stat st;
	char buf[16];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	EXPECT_EQ("fallocate 0..8192", fallocate(fd, 0, 0, 8192), 0);
	EXPECT_EQ("fstat", fstat(fd, &st), 0);
	EXPECT_EQ("size after fallocate", st.st_size, 8192);
	EXPECT_TRUE("blocks allocated", st.st_blocks >= 16);
	/* Preallocated tmpfs pages hold no data yet: they are still holes to SEEK_DATA. */
	EXPECT_ERR("SEEK_DATA after fallocate", lseek(fd, 0, SEEK_DATA), ENXIO);
	EXPECT_EQ("fallocate KEEP_SIZE", fallocate(fd, FALLOC_FL_KEEP_SIZE, 8192, 8192), 0);
	EXPECT_EQ("fstat", fstat(fd, &st), 0);
	EXPECT_EQ("size kept", st.st_size, 8192);
	EXPECT_EQ("fallocate inside", fallocate(fd, 0, 100, 10), 0);
	EXPECT_EQ("fstat", fstat(fd, &st), 0);
	EXPECT_EQ("size unchanged by inside", st.st_size, 8192);
	EXPECT_EQ("write data", pwrite(fd, "0123456789abcdef", 16, 4090), 16);
	EXPECT_EQ("PUNCH_HOLE|KEEP_SIZE", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4092, 8), 0);
	EXPECT_EQ("pread punched", pread(fd, buf, 16, 4090), 16);
	EXPECT_TRUE("punched bytes are zero", memcmp(buf, "01\0\0\0\0\0\0\0\0abcdef", 16) == 0);
	EXPECT_EQ("fstat", fstat(fd, &st), 0);
	EXPECT_EQ("size after punch", st.st_size, 8192);
	EXPECT_EQ("punch whole page", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096), 0);
	EXPECT_EQ("SEEK_HOLE after punch", lseek(fd, 0, SEEK_HOLE), 0);
	EXPECT_EQ("SEEK_DATA after punch", lseek(fd, 0, SEEK_DATA), 4096);
	EXPECT_EQ("punch past EOF", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 100000, 10), 0);
	EXPECT_EQ("fstat", fstat(fd, &st), 0);
	EXPECT_EQ("size after punch past EOF", st.st_size, 8192);

	EXPECT_ERR("PUNCH_HOLE without KEEP_SIZE", fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 10), EOPNOTSUPP);
	EXPECT_ERR("ZERO_RANGE on tmpfs", fallocate(fd, FALLOC_FL_ZERO_RANGE, 0, 4096), EOPNOTSUPP);
	EXPECT_ERR("COLLAPSE_RANGE on tmpfs", fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 0, 4096), EOPNOTSUPP);
	EXPECT_ERR("INSERT_RANGE on tmpfs", fallocate(fd, FALLOC_FL_INSERT_RANGE, 0, 4096), EOPNOTSUPP);
	EXPECT_ERR("COLLAPSE|KEEP_SIZE", fallocate(fd, FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_KEEP_SIZE, 0, 4096), EOPNOTSUPP);
	EXPECT_ERR("unknown mode bit", fallocate(fd, 0x8000, 0, 4096), EOPNOTSUPP);
	EXPECT_ERR("PUNCH|ZERO", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 0, 4096), EOPNOTSUPP);
	EXPECT_ERR("len 0", fallocate(fd, 0, 0, 0), EINVAL);
	EXPECT_ERR("len -1", fallocate(fd, 0, 0, -1), EINVAL);
	EXPECT_ERR("offset -1", fallocate(fd, 0, -1, 10), EINVAL);
	EXPECT_ERR("offset+len overflows", fallocate(fd, 0, LONG_MAX - 5, 10), EFBIG);
	EXPECT_ERR("bad fd", fallocate(99, 0, 0, 10), EBADF);
	int ro = open(path, O_RDONLY);
	EXPECT_ERR("O_RDONLY fd", fallocate(ro, 0, 0, 10), EBADF);
	EXPECT_ERR("O_RDONLY fd, bad mode first", fallocate(ro, 0x8000, 0, 10), EOPNOTSUPP);
	close(ro);
	int p[2];
	EXPECT_EQ("pipe", pipe(p), 0);
	EXPECT_ERR("pipe write end", fallocate(p[1], 0, 0, 10), ESPIPE);
	EXPECT_ERR("pipe read end", fallocate(p[0], 0, 0, 10), EBADF);
	close(p[0]);
	close(p[1]);
	int null = open("/dev/null", O_WRONLY);
	EXPECT_ERR("/dev/null", fallocate(null, 0, 0, 10), ENODEV);
	close(null);
	close(fd);
}

static void syncs(void)
{
	int fd = open(path, O_RDWR);
	int dir = open("/dev/shm", O_RDONLY | O_DIRECTORY);
	int pa = open(path, O_PATH);
	int p[2];
	pipe(p);
	int null = open("/dev/null", O_RDWR);
	sync();
	printf("sync: done\n");
	EXPECT_EQ("fsync file", fsync(fd), 0);
	EXPECT_EQ("fdatasync file", fdatasync(fd), 0);
	EXPECT_EQ("fsync dir", fsync(dir), 0);
	EXPECT_ERR("fsync pipe", fsync(p[1]), EINVAL);
	EXPECT_ERR("fdatasync pipe", fdatasync(p[0]), EINVAL);
	EXPECT_ERR("fsync /dev/null", fsync(null), EINVAL);
	EXPECT_ERR("fsync bad fd", fsync(99), EBADF);
	EXPECT_ERR("fdatasync bad fd", fdatasync(99), EBADF);
	EXPECT_ERR("fsync O_PATH", fsync(pa), EBADF);
	EXPECT_EQ("syncfs", syncfs(fd), 0);
	EXPECT_EQ("syncfs pipe", syncfs(p[0]), 0);
	EXPECT_ERR("syncfs bad fd", syncfs(99), EBADF);
	EXPECT_ERR("syncfs O_PATH", syncfs(pa), EBADF);

	EXPECT_EQ("sync_file_range", sync_file_range(fd, 0, 100, SYNC_FILE_RANGE_WRITE), 0);
	EXPECT_EQ("sync_file_range all flags", sync_file_range(fd, 0, 0, 7), 0);
	EXPECT_EQ("sync_file_range dir", sync_file_range(dir, 0, 0, 0), 0);
	EXPECT_ERR("sync_file_range bad flags", sync_file_range(fd, 0, 100, 8), EINVAL);
	EXPECT_ERR("sync_file_range offset<0", sync_file_range(fd, -1, 100, 0), EINVAL);
	EXPECT_ERR("sync_file_range nbytes<0", sync_file_range(fd, 0, -1, 0), EINVAL);
	EXPECT_ERR("sync_file_range overflow", sync_file_range(fd, LONG_MAX, 10, 0), EINVAL);
	EXPECT_ERR("sync_file_range pipe", sync_file_range(p[0], 0, 0, 0), ESPIPE);
	EXPECT_ERR("sync_file_range /dev/null", sync_file_range(null, 0, 0, 0), ESPIPE);
	EXPECT_ERR("sync_file_range bad fd", sync_file_range(99, 0, 0, 0), EBADF);
	EXPECT_ERR("sync_file_range bad fd, bad flags", sync_file_range(99, 0, 0, 8), EBADF);
	EXPECT_ERR("sync_file_range pipe bad flags", sync_file_range(p[0], 0, 0, 8), EINVAL);

	EXPECT_EQ("readahead", readahead(fd, 0, 4096), 0);
	EXPECT_EQ("readahead past EOF", readahead(fd, 1 << 20, 4096), 0);
	EXPECT_ERR("readahead pipe", readahead(p[0], 0, 10), EINVAL);
	EXPECT_ERR("readahead /dev/null", readahead(null, 0, 10), EINVAL);
	EXPECT_ERR("readahead dir", readahead(dir, 0, 10), EINVAL);
	EXPECT_ERR("readahead bad fd", readahead(99, 0, 10), EBADF);
	int wo = open(path, O_WRONLY);
	EXPECT_ERR("readahead O_WRONLY", readahead(wo, 0, 10), EBADF);

	/* posix_fadvise returns the error number instead of setting errno. */
	printf("fadvise NORMAL: %d\n", posix_fadvise(fd, 0, 0, POSIX_FADV_NORMAL));
	printf("fadvise WILLNEED: %d\n", posix_fadvise(fd, 0, 100, POSIX_FADV_WILLNEED));
	printf("fadvise DONTNEED: %d\n", posix_fadvise(fd, 0, 100, POSIX_FADV_DONTNEED));
	printf("fadvise NOREUSE: %d\n", posix_fadvise(fd, 0, 100, POSIX_FADV_NOREUSE));
	printf("fadvise O_WRONLY: %d\n", posix_fadvise(wo, 0, 100, POSIX_FADV_SEQUENTIAL));
	EXPECT_EQ("fadvise64 RANDOM", syscall(SYS_fadvise64, fd, 0, 100, POSIX_FADV_RANDOM), 0);
	EXPECT_ERR("fadvise64 bad advice", syscall(SYS_fadvise64, fd, 0, 100, 6), EINVAL);
	EXPECT_ERR("fadvise64 advice -1", syscall(SYS_fadvise64, fd, 0, 100, -1), EINVAL);
	EXPECT_EQ("fadvise64 len<0", syscall(SYS_fadvise64, fd, 0, -1, 0), 0);
	EXPECT_EQ("fadvise64 offset<0", syscall(SYS_fadvise64, fd, -1, 10, 0), 0);
	EXPECT_ERR("fadvise64 pipe", syscall(SYS_fadvise64, p[0], 0, 100, 0), ESPIPE);
	EXPECT_ERR("fadvise64 pipe bad advice", syscall(SYS_fadvise64, p[0], 0, 100, 99), ESPIPE);
	EXPECT_ERR("fadvise64 bad fd", syscall(SYS_fadvise64, 99, 0, 100, 0), EBADF);
	EXPECT_ERR("fadvise64 O_PATH", syscall(SYS_fadvise64, pa, 0, 100, 0), EBADF);
	EXPECT_EQ("fadvise64 /dev/null", syscall(SYS_fadvise64, null, 0, 100, 0), 0);
	EXPECT_EQ("fadvise64 dir", syscall(SYS_fadvise64, dir, 0, 100, 0), 0);
	close(wo);
	close(fd);
	close(dir);
	close(pa);
	close(null);
	close(p[0]);
	close(p[1]);
}

static void packet_pipes(void)
{
	int p[2];
	char buf[8192];
	EXPECT_EQ("pipe2 O_DIRECT|O_NONBLOCK", pipe2(p, O_DIRECT | O_NONBLOCK), 0);
	EXPECT_TRUE("F_GETFL has O_DIRECT", (fcntl(p[1], F_GETFL) & O_DIRECT) != 0);
	EXPECT_EQ("write 3", write(p[1], "abc", 3), 3);
	EXPECT_EQ("write 2", write(p[1], "de", 2), 2);
	EXPECT_EQ("write 4", write(p[1], "fghi", 4), 4);
	int n = 0;
	EXPECT_EQ("FIONREAD", ioctl(p[0], FIONREAD, &n), 0);
	EXPECT_EQ("FIONREAD bytes", n, 9);
	EXPECT_EQ("read one packet", read(p[0], buf, sizeof buf), 3);
	EXPECT_EQ("read short of a packet", read(p[0], buf, 1), 1);
	EXPECT_EQ("rest of that packet dropped", read(p[0], buf, sizeof buf), 4);
	EXPECT_TRUE("packet data", memcmp(buf, "fghi", 4) == 0);
	EXPECT_ERR("empty", read(p[0], buf, sizeof buf), EAGAIN);

	/* A write larger than a page is cut into page-sized packets. */
	memset(buf, 'x', sizeof buf);
	EXPECT_EQ("write 5000", write(p[1], buf, 5000), 5000);
	EXPECT_EQ("first packet 4096", read(p[0], buf, sizeof buf), 4096);
	EXPECT_EQ("second packet 904", read(p[0], buf, sizeof buf), 904);

	/* Each packet takes a whole slot: 16 of them fill a 64 KiB pipe. */
	int count = 0;
	while (write(p[1], "z", 1) == 1 && count < 100)
		count++;
	EXPECT_EQ("packets until full", count, 16);
	EXPECT_ERR("17th write", write(p[1], "z", 1), EAGAIN);
	EXPECT_EQ("read a 1-byte packet", read(p[0], buf, sizeof buf), 1);
	EXPECT_EQ("room for one more", write(p[1], "zz", 2), 2);
	close(p[0]);
	close(p[1]);

	/* Packet mode is a property of the writer: F_SETFL can turn it on and off. */
	EXPECT_EQ("pipe2 plain", pipe2(p, O_NONBLOCK), 0);
	EXPECT_EQ("write plain", write(p[1], "ab", 2), 2);
	EXPECT_EQ("F_SETFL O_DIRECT", fcntl(p[1], F_SETFL, O_DIRECT | O_NONBLOCK), 0);
	EXPECT_EQ("write packet", write(p[1], "cd", 2), 2);
	EXPECT_EQ("write packet 2", write(p[1], "ef", 2), 2);
	/* Small writes merge into a plain (mergeable) last buffer even in packet mode. */
	EXPECT_EQ("read merged", read(p[0], buf, sizeof buf), 6);
	EXPECT_TRUE("data", memcmp(buf, "abcdef", 6) == 0);
	EXPECT_EQ("write packet 3", write(p[1], "gh", 2), 2);
	EXPECT_EQ("write packet 4", write(p[1], "ij", 2), 2);
	EXPECT_EQ("F_SETFL plain", fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
	EXPECT_EQ("write plain after packet", write(p[1], "kl", 2), 2);
	EXPECT_EQ("read packet 3", read(p[0], buf, sizeof buf), 2);
	EXPECT_EQ("read packet 4 stops at its end", read(p[0], buf, sizeof buf), 2);
	EXPECT_TRUE("packet 4 data", memcmp(buf, "ij", 2) == 0);
	EXPECT_EQ("read plain", read(p[0], buf, sizeof buf), 2);
	close(p[0]);
	close(p[1]);
	EXPECT_ERR("pipe2 bad flag", pipe2(p, O_APPEND), EINVAL);
}

/* O_DIRECT: tmpfs files do direct I/O (Linux 6.6+); directories, procfs files and devices refuse it. */
static void direct_io(void)
{
	int fd = open("/dev/shm/conf-fdmisc-direct", O_CREAT | O_RDWR | O_DIRECT, 0600);
	EXPECT_TRUE("open a tmpfs file O_DIRECT", fd >= 0);
	EXPECT_TRUE("F_GETFL keeps O_DIRECT", (fcntl(fd, F_GETFL) & O_DIRECT) != 0);
	EXPECT_EQ("an unaligned write still works", pwrite(fd, "x", 1, 1), 1);
	close(fd);
	fd = open("/dev/shm/conf-fdmisc-direct", O_RDONLY);
	EXPECT_EQ("F_SETFL O_DIRECT on a tmpfs file", fcntl(fd, F_SETFL, O_DIRECT), 0);
	close(fd);
	unlink("/dev/shm/conf-fdmisc-direct");
	EXPECT_ERR("O_DIRECT on a directory", open("/dev/shm", O_RDONLY | O_DIRECT), EINVAL);
	EXPECT_ERR("O_DIRECT on a procfs file", open("/proc/self/status", O_RDONLY | O_DIRECT), EINVAL);
	EXPECT_ERR("O_DIRECT on /dev/null", open("/dev/null", O_RDONLY | O_DIRECT), EINVAL);
	EXPECT_ERR("O_DIRECT on /dev/zero", open("/dev/zero", O_RDONLY | O_DIRECT), EINVAL);
	fd = open("/dev/null", O_RDONLY);
	EXPECT_ERR("F_SETFL O_DIRECT on /dev/null", fcntl(fd, F_SETFL, O_DIRECT), EINVAL);
	close(fd);
	fd = open("/proc/self/status", O_RDONLY);
	EXPECT_ERR("F_SETFL O_DIRECT on procfs", fcntl(fd, F_SETFL, O_DIRECT), EINVAL);
	close(fd);
	fd = open("/proc/self/status", O_RDONLY | O_DIRECT | O_PATH);
	EXPECT_TRUE("O_PATH ignores O_DIRECT", fd >= 0);
	close(fd);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	direct_io();
	close_ranges();
	seek_data_hole();
	fallocates();
	syncs();
	packet_pipes();
	unlink(path);
	return conf_exit();
}
