/* unshare, setns and /proc/[pid]/ns: a new UTS namespace has its own host name, a new mount namespace its own
 * mounts; setns joins another process's namespace through /proc/[pid]/ns/X or a pidfd; clone(CLONE_NEWUTS);
 * and each errno (EINVAL for unknown flags and kind mismatches, EPERM without CAP_SYS_ADMIN, EBADF). Everything
 * that changes namespaces runs in children, and mounts are made private first; clone(CLONE_NEWNS) gives the child
 * its own mounts. Native oracle: under qemu-user,
 * whose process has threads of its own, setns to a mount namespace gives EINVAL. */
#include "../conformance.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64] = "/dev/shm/conf-ns-XXXXXX";
static char mnt[96];

static int finish(pid_t pid)
{
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static unsigned long ns_ino(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (unsigned long)st.st_ino : 0;
}

static void links(void)
{
	char buf[64] = "";
	EXPECT_TRUE("readlink ns/uts", readlink("/proc/self/ns/uts", buf, sizeof buf - 1) > 0);
	EXPECT_TRUE("uts:[N]", strncmp(buf, "uts:[", 5) == 0 && buf[strlen(buf) - 1] == ']');
	struct stat st;
	EXPECT_OK("stat -L ns/mnt", stat("/proc/self/ns/mnt", &st));
	EXPECT_TRUE("a regular file", S_ISREG(st.st_mode));
	char name[64];
	snprintf(name, sizeof name, "%s:[%lu]", "uts", ns_ino("/proc/self/ns/uts"));
	EXPECT_TRUE("the link names the inode", strcmp(name, buf) == 0);
	EXPECT_TRUE("ipc and uts differ", ns_ino("/proc/self/ns/ipc") != ns_ino("/proc/self/ns/uts"));
	int fd = open("/proc/self/ns/uts", O_RDONLY);
	EXPECT_TRUE("open ns/uts", fd >= 0);
	char c;
	EXPECT_ERR("read a namespace file", read(fd, &c, 1), EINVAL);
	close(fd);
}

/* The first child: new UTS and mount namespaces, then waits until told to go. */
static void holder(int ready, int go)
{
	unsigned long uts0 = ns_ino("/proc/self/ns/uts"), mnt0 = ns_ino("/proc/self/ns/mnt");
	EXPECT_OK("unshare CLONE_NEWUTS", unshare(CLONE_NEWUTS));
	EXPECT_TRUE("  a new uts namespace", ns_ino("/proc/self/ns/uts") != uts0);
	EXPECT_OK("  sethostname", sethostname("nsbox", 5));
	struct utsname u;
	uname(&u);
	EXPECT_TRUE("  uname sees it", strcmp(u.nodename, "nsbox") == 0);
	EXPECT_OK("unshare CLONE_NEWNS", unshare(CLONE_NEWNS));
	EXPECT_TRUE("  a new mount namespace", ns_ino("/proc/self/ns/mnt") != mnt0);
	EXPECT_OK("  make every mount private", mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	EXPECT_OK("  mount a tmpfs", mount("none", mnt, "tmpfs", 0, NULL));
	char path[128];
	snprintf(path, sizeof path, "%s/marker", mnt);
	close(open(path, O_CREAT | O_WRONLY, 0644));
	EXPECT_OK("  its file is there", access(path, F_OK));
	EXPECT_ERR("unshare an unknown flag", unshare(0x1), EINVAL);
	fflush(stdout);
	(void)!write(ready, "r", 1);
	char c;
	(void)!read(go, &c, 1);
	_exit(conf_failures != 0);
}

static void joiner(pid_t target)
{
	char path[96], marker[128];
	snprintf(marker, sizeof marker, "%s/marker", mnt);
	EXPECT_ERR("the parent's tree has no marker", access(marker, F_OK), ENOENT);
	snprintf(path, sizeof path, "/proc/%d/ns/uts", target);
	int uts = open(path, O_RDONLY);
	EXPECT_ERR("setns with the wrong kind", setns(uts, CLONE_NEWIPC), EINVAL);
	EXPECT_OK("setns uts", setns(uts, CLONE_NEWUTS));
	struct utsname u;
	uname(&u);
	EXPECT_TRUE("  the joined host name", strcmp(u.nodename, "nsbox") == 0);
	close(uts);
	snprintf(path, sizeof path, "/proc/%d/ns/mnt", target);
	int m = open(path, O_RDONLY);
	EXPECT_OK("setns mnt", setns(m, CLONE_NEWNS));
	EXPECT_OK("  the joined mount's file", access(marker, F_OK));
	close(m);
	EXPECT_ERR("setns a regular file", setns(0, 0), EINVAL);
	EXPECT_ERR("setns a bad descriptor", setns(99, 0), EBADF);
	fflush(stdout);
	_exit(conf_failures != 0);
}

static void pidfd_joiner(pid_t target)
{
	int pidfd = syscall(SYS_pidfd_open, target, 0);
	EXPECT_ERR("setns pidfd without kinds", setns(pidfd, 0), EINVAL);
	EXPECT_OK("setns pidfd uts|mnt", setns(pidfd, CLONE_NEWUTS | CLONE_NEWNS));
	struct utsname u;
	uname(&u);
	EXPECT_TRUE("  the joined host name", strcmp(u.nodename, "nsbox") == 0);
	char marker[128];
	snprintf(marker, sizeof marker, "%s/marker", mnt);
	EXPECT_OK("  the joined mount's file", access(marker, F_OK));
	fflush(stdout);
	_exit(conf_failures != 0);
}

/* A clone whose child (if it is made at all) leaves at once. */
static long clone_or_exit(unsigned long flags)
{
	long k = syscall(SYS_clone, flags, 0, 0, 0, 0);
	if (k == 0)
		_exit(0);
	return k;
}

static void unprivileged(void)
{
	if (setuid(65534) != 0)
		printf("setuid failed\n");
	EXPECT_ERR("nobody: unshare CLONE_NEWUTS", unshare(CLONE_NEWUTS), EPERM);
	EXPECT_ERR("nobody: unshare CLONE_NEWNS", unshare(CLONE_NEWNS), EPERM);
	EXPECT_ERR("nobody: clone CLONE_NEWNS", clone_or_exit(CLONE_NEWNS | SIGCHLD), EPERM);
	EXPECT_OK("nobody: unshare CLONE_FILES", unshare(CLONE_FILES));
	EXPECT_OK("nobody: unshare CLONE_FS", unshare(CLONE_FS));
	int fd = open("/proc/1/ns/uts", O_RDONLY);
	if (fd < 0)
		fd = open("/proc/self/ns/uts", O_RDONLY);
	EXPECT_ERR("nobody: setns", setns(fd, CLONE_NEWUTS), EPERM);
	fflush(stdout);
	_exit(conf_failures != 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (!mkdtemp(dir)) {
		printf("mkdtemp failed\n");
		return 1;
	}
	snprintf(mnt, sizeof mnt, "%s/m", dir);
	mkdir(mnt, 0755);
	links();
	struct utsname before;
	uname(&before);

	int ready[2], go[2];
	(void)!pipe(ready);
	(void)!pipe(go);
	pid_t h = fork();
	if (h == 0)
		holder(ready[1], go[0]);
	char c;
	(void)!read(ready[0], &c, 1);
	pid_t j = fork();
	if (j == 0)
		joiner(h);
	EXPECT_EQ("joiner passed", finish(j), 0);
	j = fork();
	if (j == 0)
		pidfd_joiner(h);
	EXPECT_EQ("pidfd joiner passed", finish(j), 0);
	(void)!write(go[1], "g", 1);
	EXPECT_EQ("holder passed", finish(h), 0);
	struct utsname after;
	uname(&after);
	EXPECT_TRUE("the parent's host name is unchanged", strcmp(before.nodename, after.nodename) == 0);

	pid_t u = fork();
	if (u == 0)
		unprivileged();
	EXPECT_EQ("unprivileged child passed", finish(u), 0);

	/* clone with CLONE_NEWUTS: the child names its own host. */
	fflush(stdout);
	pid_t k = syscall(SYS_clone, CLONE_NEWUTS | SIGCHLD, 0, 0, 0, 0);
	if (k == 0) {
		sethostname("cloned", 6);
		struct utsname v;
		uname(&v);
		_exit(strcmp(v.nodename, "cloned") == 0 ? 0 : 1);
	}
	EXPECT_EQ("clone(CLONE_NEWUTS) child", finish(k), 0);
	uname(&after);
	EXPECT_TRUE("the parent's host name is still unchanged", strcmp(before.nodename, after.nodename) == 0);
	EXPECT_ERR("clone(CLONE_NEWIPC|CLONE_SYSVSEM)", syscall(SYS_clone, CLONE_NEWIPC | CLONE_SYSVSEM | SIGCHLD, 0, 0, 0, 0), EINVAL);

	/* clone with CLONE_NEWNS: the child's mount is its own. */
	unsigned long mnt0 = ns_ino("/proc/self/ns/mnt");
	char cloned[128];
	snprintf(cloned, sizeof cloned, "%s/cloned", mnt);
	fflush(stdout);
	pid_t n = syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
	if (n == 0) {
		if (ns_ino("/proc/self/ns/mnt") == mnt0)
			_exit(2);
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 || mount("none", mnt, "tmpfs", 0, NULL) != 0)
			_exit(3);
		close(open(cloned, O_CREAT | O_WRONLY, 0644));
		_exit(access(cloned, F_OK) == 0 ? 0 : 1);
	}
	EXPECT_EQ("clone(CLONE_NEWNS) child", finish(n), 0);
	EXPECT_ERR("  the parent does not see its file", access(cloned, F_OK), ENOENT);
	EXPECT_ERR("clone(CLONE_NEWNS|CLONE_FS)", syscall(SYS_clone, CLONE_NEWNS | CLONE_FS | SIGCHLD, 0, 0, 0, 0), EINVAL);

	rmdir(mnt);
	rmdir(dir);
	return conf_failures != 0;
}
