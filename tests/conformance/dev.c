/* /dev and /sys: the character devices (numbers, modes, read and write
 * semantics), the /proc/self/fd links, /dev/shm and /dev/pts, /dev/tty without
 * a controlling terminal, and the parts of sysfs programs read. Only what is the
 * same on any Linux is printed: sysfs values that depend on the machine (how
 * many CPUs) are checked for their format. Nothing here may change the host:
 * under qemu these calls reach the real /dev and /sys as root. */
#include "conformance.h"
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static void device(const char *path, unsigned maj, unsigned min, unsigned mode)
{
	struct stat st;
	char label[96];
	snprintf(label, sizeof label, "stat %s", path);
	EXPECT_EQ(label, stat(path, &st), 0);
	printf("%s: chr %d %u:%u %o\n", path, S_ISCHR(st.st_mode) ? 1 : 0, major(st.st_rdev), minor(st.st_rdev), st.st_mode & 07777);
	snprintf(label, sizeof label, "%s is %u:%u mode %o", path, maj, min, mode);
	EXPECT_TRUE(label, S_ISCHR(st.st_mode) && st.st_rdev == makedev(maj, min) && (st.st_mode & 07777) == mode);
}

static void link_text(const char *path, const char *want)
{
	char buf[128] = {0};
	struct stat st;
	char label[96];
	snprintf(label, sizeof label, "lstat %s is a link", path);
	EXPECT_TRUE(label, lstat(path, &st) == 0 && S_ISLNK(st.st_mode));
	long n = readlink(path, buf, sizeof buf - 1);
	snprintf(label, sizeof label, "readlink %s", path);
	conf_expect_str(label, n > 0 ? buf : "", want);
}

static int all_zero(const unsigned char *b, int n)
{
	for (int i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

static void devices(void)
{
	device("/dev/null", 1, 3, 0666);
	device("/dev/zero", 1, 5, 0666);
	device("/dev/full", 1, 7, 0666);
	device("/dev/random", 1, 8, 0666);
	device("/dev/urandom", 1, 9, 0666);
	device("/dev/tty", 5, 0, 0666);
	device("/dev/console", 5, 1, 0600);
	device("/dev/ptmx", 5, 2, 0666);

	unsigned char buf[4096];
	int fd;
	EXPECT_OK("open /dev/null", fd = open("/dev/null", O_RDWR));
	EXPECT_EQ("write /dev/null", write(fd, "hello", 5), 5);
	EXPECT_EQ("read /dev/null", read(fd, buf, sizeof buf), 0);
	EXPECT_EQ("lseek /dev/null", lseek(fd, 100, SEEK_SET), 0);
	EXPECT_EQ("pread /dev/null", pread(fd, buf, 10, 5), 0);
	EXPECT_ERR("TCGETS /dev/null", ioctl(fd, TCGETS, buf), ENOTTY);
	close(fd);
	EXPECT_OK("open /dev/null read-only", fd = open("/dev/null", O_RDONLY));
	EXPECT_ERR("write read-only /dev/null", write(fd, "x", 1), EBADF);
	close(fd);

	EXPECT_OK("open /dev/zero", fd = open("/dev/zero", O_RDWR));
	memset(buf, 0xff, sizeof buf);
	EXPECT_EQ("read /dev/zero", read(fd, buf, sizeof buf), (long)sizeof buf);
	EXPECT_TRUE("zeros", all_zero(buf, sizeof buf));
	EXPECT_EQ("write /dev/zero", write(fd, "abc", 3), 3);
	EXPECT_EQ("lseek /dev/zero", lseek(fd, 12, SEEK_CUR), 0);
	close(fd);

	EXPECT_OK("open /dev/full", fd = open("/dev/full", O_RDWR));
	EXPECT_ERR("write /dev/full", write(fd, "abc", 3), ENOSPC);
	EXPECT_ERR("empty write /dev/full", write(fd, "", 0), ENOSPC);
	memset(buf, 0xff, 64);
	EXPECT_EQ("read /dev/full", read(fd, buf, 64), 64);
	EXPECT_TRUE("zeros from /dev/full", all_zero(buf, 64));
	close(fd);

	unsigned char a[32], b[32];
	EXPECT_OK("open /dev/urandom", fd = open("/dev/urandom", O_RDONLY));
	EXPECT_EQ("read /dev/urandom", read(fd, a, sizeof a), 32);
	EXPECT_EQ("read /dev/urandom again", read(fd, b, sizeof b), 32);
	EXPECT_TRUE("two reads differ", memcmp(a, b, sizeof a) != 0);
	EXPECT_TRUE("not all zero", !all_zero(a, sizeof a));
	static unsigned char big[1 << 20];
	EXPECT_EQ("a 1 MiB read is whole", read(fd, big, sizeof big), (long)sizeof big);
	close(fd);
	EXPECT_OK("open /dev/random non-blocking", fd = open("/dev/random", O_RDONLY | O_NONBLOCK));
	EXPECT_EQ("read /dev/random", read(fd, a, sizeof a), 32);
	close(fd);
}

static void links_and_dirs(void)
{
	link_text("/dev/fd", "/proc/self/fd");
	link_text("/dev/stdin", "/proc/self/fd/0");
	link_text("/dev/stdout", "/proc/self/fd/1");
	link_text("/dev/stderr", "/proc/self/fd/2");

	struct stat st;
	struct statfs sf;
	EXPECT_EQ("stat /dev/shm", stat("/dev/shm", &st), 0);
	EXPECT_TRUE("/dev/shm is a sticky world-writable directory", S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 01777);
	EXPECT_EQ("statfs /dev/shm", statfs("/dev/shm", &sf), 0);
	EXPECT_TRUE("/dev/shm is tmpfs", sf.f_type == 0x01021994);
	char path[64];
	snprintf(path, sizeof path, "/dev/shm/conformance-dev-%d", getpid());
	int fd;
	EXPECT_OK("create in /dev/shm", fd = open(path, O_CREAT | O_EXCL | O_RDWR, 0600));
	EXPECT_EQ("write in /dev/shm", write(fd, "shm", 3), 3);
	EXPECT_EQ("unlink in /dev/shm", unlink(path), 0);
	close(fd);

	EXPECT_EQ("stat /dev/pts", stat("/dev/pts", &st), 0);
	EXPECT_TRUE("/dev/pts is a directory", S_ISDIR(st.st_mode));
	EXPECT_EQ("statfs /dev/pts", statfs("/dev/pts", &sf), 0);
	EXPECT_TRUE("/dev/pts is devpts", sf.f_type == 0x1cd1);
	EXPECT_EQ("stat /dev", stat("/dev", &st), 0);
	EXPECT_TRUE("/dev is a directory", S_ISDIR(st.st_mode));
	EXPECT_ERR("open missing device", open("/dev/no-such-device", O_RDONLY), ENOENT);

	/* A new session has no controlling terminal: /dev/tty is ENXIO there. */
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		setsid();
		errno = 0;
		int r = open("/dev/tty", O_RDWR);
		_exit(r < 0 && errno == ENXIO ? 0 : 1);
	}
	int status = 0;
	waitpid(child, &status, 0);
	EXPECT_TRUE("/dev/tty without a controlling terminal is ENXIO", WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* "0", "0-3", "0,2-5"... */
static int is_cpu_list(const char *s)
{
	if (*s < '0' || *s > '9')
		return 0;
	for (; *s && *s != '\n'; s++)
		if (!((*s >= '0' && *s <= '9') || *s == '-' || *s == ','))
			return 0;
	return s[0] == '\n' && s[1] == 0;
}

static void read_text(const char *path, char *buf, int size)
{
	memset(buf, 0, size);
	int fd = open(path, O_RDONLY);
	if (fd >= 0) {
		(void)!read(fd, buf, size - 1);
		close(fd);
	}
}

static void sysfs(void)
{
	struct statfs sf;
	struct stat st;
	char buf[256], label[128];
	EXPECT_EQ("statfs /sys", statfs("/sys", &sf), 0);
	EXPECT_TRUE("/sys is sysfs", sf.f_type == 0x62656572);
	const char *lists[] = {"/sys/devices/system/cpu/online", "/sys/devices/system/cpu/possible", "/sys/devices/system/cpu/present"};
	for (int i = 0; i < 3; i++) {
		snprintf(label, sizeof label, "stat %s", lists[i]);
		EXPECT_EQ(label, stat(lists[i], &st), 0);
		snprintf(label, sizeof label, "%s: regular, 0444, size 4096", lists[i]);
		EXPECT_TRUE(label, S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0444 && st.st_size == 4096);
		read_text(lists[i], buf, sizeof buf);
		snprintf(label, sizeof label, "%s: a CPU list starting at 0", lists[i]);
		EXPECT_TRUE(label, is_cpu_list(buf) && buf[0] == '0');
	}
	EXPECT_TRUE("cpu0 is a directory", stat("/sys/devices/system/cpu/cpu0", &st) == 0 && S_ISDIR(st.st_mode));
	EXPECT_TRUE("/sys/fs/cgroup is a directory", stat("/sys/fs/cgroup", &st) == 0 && S_ISDIR(st.st_mode));
	const char *thp = "/sys/kernel/mm/transparent_hugepage/enabled";
	EXPECT_TRUE("THP policy file is 0644", stat(thp, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0644);
	read_text(thp, buf, sizeof buf);
	EXPECT_TRUE("THP policy lists never and marks one choice", strstr(buf, "never") && strchr(buf, '[') && strchr(buf, ']'));
	EXPECT_TRUE("online CPUs at least 1", sysconf(_SC_NPROCESSORS_ONLN) >= 1);

	/* Every one of these fails, on any Linux: kernfs allows no such change. */
	EXPECT_ERR("open a read-only attribute for writing", open(lists[0], O_WRONLY), EACCES);
	EXPECT_ERR("open it read-write", open(lists[0], O_RDWR), EACCES);
	EXPECT_ERR("create a file in /sys", open("/sys/conformance-new", O_CREAT | O_WRONLY, 0644), EACCES);
	EXPECT_ERR("create a file beside an attribute", open("/sys/devices/system/cpu/conformance-new", O_CREAT | O_WRONLY, 0644), EACCES);
	EXPECT_ERR("mkdir in /sys", mkdir("/sys/conformance-new", 0755), EPERM);
	EXPECT_ERR("unlink an attribute", unlink(lists[0]), EPERM);
	EXPECT_ERR("rmdir in /sys", rmdir("/sys/devices/system/cpu/cpu0"), EPERM);
	EXPECT_ERR("symlink in /sys", symlink("x", "/sys/devices/system/cpu/conformance-link"), EPERM);
	EXPECT_ERR("open a missing attribute", open("/sys/devices/system/cpu/no-such", O_RDONLY), ENOENT);
}

int main(void)
{
	devices();
	links_and_dirs();
	sysfs();
	return conf_exit();
}
