/* The mqueue filesystem: mount -t mqueue shows the IPC namespace's queues as files (created, read and removed
 * through the path too), the fs.mqueue sysctls set the defaults, and a new IPC namespace has queues of its own.
 * Kernel-only: the test mounts and writes sysctls, which a test must not do to the host. */
#define _GNU_SOURCE
#include "../conformance.h"

#include <dirent.h>
#include <fcntl.h>
#include <mqueue.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

static int listed(const char *name)
{
	DIR *d = opendir("/dev/mqueue");
	struct dirent *e;
	int found = 0;
	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, name) == 0) found = 1;
	if (d) closedir(d);
	return found;
}

static long write_sysctl(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY);
	long r = write(fd, value, strlen(value));
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	mkdir("/dev/mqueue", 0755);
	EXPECT_OK("mount -t mqueue", mount("none", "/dev/mqueue", "mqueue", 0, NULL));
	struct statfs sf;
	statfs("/dev/mqueue", &sf);
	EXPECT_EQ("  statfs type", sf.f_type, 0x19800202);
	struct stat st;
	stat("/dev/mqueue", &st);
	EXPECT_EQ("  root mode", st.st_mode, S_IFDIR | 01777);

	mqd_t q = mq_open("/kq", O_RDWR | O_CREAT, 0640, NULL);
	EXPECT_TRUE("mq_open", q >= 0);
	EXPECT_TRUE("  listed in /dev/mqueue", listed("kq"));
	EXPECT_OK("  stat", stat("/dev/mqueue/kq", &st));
	EXPECT_EQ("  mode", st.st_mode, S_IFREG | 0640);
	mq_send(q, "hello", 5, 0);
	char line[128] = "";
	int fd = open("/dev/mqueue/kq", O_RDONLY);
	read(fd, line, sizeof line - 1);
	conf_expect_str("  read through the path", line, "QSIZE:5          NOTIFY:0     SIGNO:0     NOTIFY_PID:0     \n");
	close(fd);
	fd = open("/dev/mqueue/kq", O_RDONLY);
	char buf[8192];
	EXPECT_EQ("  an open of the path is a queue descriptor", mq_receive(fd, buf, sizeof buf, NULL), 5);
	close(fd);

	EXPECT_OK("open(O_CREAT) in the mount", close(open("/dev/mqueue/made", O_RDWR | O_CREAT, 0600)));
	mqd_t m = mq_open("/made", O_RDWR);
	struct mq_attr a;
	mq_getattr(m, &a);
	EXPECT_TRUE("  a queue with the default sizes", a.mq_maxmsg == 10 && a.mq_msgsize == 8192);
	mq_close(m);
	EXPECT_ERR("mkdir in it", mkdir("/dev/mqueue/d", 0755), EPERM);
	EXPECT_OK("unlink through the path", unlink("/dev/mqueue/made"));
	EXPECT_ERR("  gone for mq_open", mq_open("/made", O_RDWR), ENOENT);

	EXPECT_EQ("msg_default 5", write_sysctl("/proc/sys/fs/mqueue/msg_default", "5\n"), 2);
	m = mq_open("/five", O_RDWR | O_CREAT, 0600, NULL);
	mq_getattr(m, &a);
	EXPECT_EQ("  new queues take it", a.mq_maxmsg, 5);
	mq_close(m);
	mq_unlink("/five");
	EXPECT_ERR("msg_default 0", write_sysctl("/proc/sys/fs/mqueue/msg_default", "0"), EINVAL);
	write_sysctl("/proc/sys/fs/mqueue/msg_default", "10");

	pid_t pid = fork();
	if (pid == 0)
	{
		if (unshare(CLONE_NEWIPC) != 0) _exit(2);
		if (mq_open("/kq", O_RDWR) != -1 || errno != ENOENT) _exit(3);
		mqd_t own = mq_open("/child", O_RDWR | O_CREAT, 0600, NULL);
		_exit(own >= 0 ? 0 : 4);
	}
	int status;
	waitpid(pid, &status, 0);
	EXPECT_EQ("a new IPC namespace has its own queues", status, 0);
	EXPECT_ERR("  the parent's namespace has no /child", mq_open("/child", O_RDWR), ENOENT);
	EXPECT_TRUE("  nor its mount", !listed("child"));

	mq_close(q);
	mq_unlink("/kq");
	EXPECT_TRUE("unlinked: not listed", !listed("kq"));
	EXPECT_OK("umount", umount("/dev/mqueue"));
	return conf_failures != 0;
}
