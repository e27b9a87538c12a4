/* /proc/[pid]/mem: reads, writes and lseek at addresses of the process itself and of a child, writes through
 * read-only protection (FOLL_FORCE), EIO at unmapped addresses, who may open it, and what a descriptor gives once its
 * process has exec'd or exited. Native oracle: under qemu-user, /proc/self/mem is qemu's own memory. */
#include "../conformance.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static char message[64] = "the original text";
static volatile int child_value = 1234;

static int open_mem(pid_t pid, int flags)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
	return open(path, flags);
}

static void self_checks(void)
{
	int fd = open("/proc/self/mem", O_RDWR);
	EXPECT_TRUE("open /proc/self/mem O_RDWR", fd >= 0);
	char buf[32] = {0};
	EXPECT_EQ("pread at a global's address", pread(fd, buf, 17, (off_t)(uintptr_t)message), 17);
	printf("  read: %s\n", buf);
	EXPECT_EQ("pwrite at its address", pwrite(fd, "THE", 3, (off_t)(uintptr_t)message), 3);
	printf("  now: %s\n", message);
	EXPECT_EQ("lseek SEEK_SET to an address", lseek(fd, (off_t)(uintptr_t)(message + 4), SEEK_SET) == (off_t)(uintptr_t)(message + 4), 1);
	EXPECT_EQ("read at the position", read(fd, buf, 8), 8);
	printf("  read: %.8s\n", buf);
	EXPECT_EQ("position moved by the read", lseek(fd, 0, SEEK_CUR) == (off_t)(uintptr_t)(message + 12), 1);
	EXPECT_EQ("lseek SEEK_CUR back", lseek(fd, -8, SEEK_CUR) == (off_t)(uintptr_t)(message + 4), 1);
	EXPECT_ERR("lseek SEEK_END", lseek(fd, 0, SEEK_END), EINVAL);

	/* A read-only page is written anyway (FOLL_FORCE), and a PROT_NONE one read. */
	char *page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	strcpy(page, "before");
	mprotect(page, 4096, PROT_READ);
	EXPECT_EQ("pwrite into a read-only page", pwrite(fd, "after!", 6, (off_t)(uintptr_t)page), 6);
	printf("  page: %s\n", page);
	strcpy(page + 4096, "hidden");
	mprotect(page + 4096, 4096, PROT_NONE);
	EXPECT_EQ("pread of a PROT_NONE page", pread(fd, buf, 6, (off_t)(uintptr_t)(page + 4096)), 6);
	printf("  read: %.6s\n", buf);
	/* Unmapped: EIO; a range that runs into a hole stops there. */
	munmap(page + 4096, 4096);
	EXPECT_ERR("pread of an unmapped page", pread(fd, buf, 4, (off_t)(uintptr_t)(page + 4096)), EIO);
	EXPECT_ERR("pwrite to an unmapped page", pwrite(fd, "x", 1, (off_t)(uintptr_t)(page + 4096)), EIO);
	EXPECT_EQ("pread across the end of a mapping", pread(fd, buf, 16, (off_t)(uintptr_t)(page + 4096 - 6)), 6);
	EXPECT_ERR("pread at address 0", pread(fd, buf, 4, 0), EIO);
	EXPECT_EQ("pread of 0 bytes", pread(fd, buf, 0, (off_t)(uintptr_t)message), 0);
	close(fd);

	int ro = open("/proc/self/mem", O_RDONLY);
	EXPECT_ERR("write through an O_RDONLY descriptor", pwrite(ro, "x", 1, (off_t)(uintptr_t)message), EBADF);
	close(ro);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "exec'd") == 0) {
		/* The child as a new program: it says so and waits to be killed. */
		write(atoi(argv[2]), "x", 1);
		pause();
		return 0;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	self_checks();

	int ready[2], done[2];
	pipe(ready);
	pipe(done);
	pid_t child = fork();
	if (child == 0) {
		child_value = 5678;
		write(ready[1], "r", 1);
		char c;
		read(done[0], &c, 1);
		/* Report what the parent wrote into us, then become another program. */
		int v = child_value;
		write(ready[1], &v, sizeof v);
		read(done[0], &c, 1);
		char fdtext[16];
		snprintf(fdtext, sizeof fdtext, "%d", ready[1]);
		execl("/proc/self/exe", "procmem", "exec'd", fdtext, (char *)NULL);
		_exit(9);
	}
	char c;
	read(ready[0], &c, 1);
	int fd = open_mem(child, O_RDWR);
	EXPECT_TRUE("open a child's mem", fd >= 0);
	int v = 0;
	EXPECT_EQ("pread a child's variable", pread(fd, &v, sizeof v, (off_t)(uintptr_t)&child_value), sizeof v);
	printf("  child's value: %d (ours %d)\n", v, child_value);
	v = 4242;
	EXPECT_EQ("pwrite a child's variable", pwrite(fd, &v, sizeof v, (off_t)(uintptr_t)&child_value), sizeof v);
	write(done[1], "d", 1);
	read(ready[0], &v, sizeof v);
	printf("  child saw: %d\n", v);
	write(done[1], "e", 1);
	/* The child's exec replaces its memory: the old descriptor reads and writes nothing. */
	EXPECT_EQ("child exec'd", read(ready[0], &c, 1), 1);
	EXPECT_EQ("pread after the exec", pread(fd, &v, sizeof v, (off_t)(uintptr_t)&child_value), 0);
	EXPECT_EQ("pwrite after the exec", pwrite(fd, &v, sizeof v, (off_t)(uintptr_t)&child_value), 0);
	close(fd);
	kill(child, SIGKILL);
	int status;
	waitpid(child, &status, 0);

	/* Who may open it: another user's process is refused, a process of one's own user is not. */
	pid_t other = fork();
	if (other == 0) {
		pause();
		_exit(0);
	}
	pid_t probe = fork();
	if (probe == 0) {
		setresgid(1000, 1000, 1000);
		setresuid(1000, 1000, 1000);
		EXPECT_ERR("open root's process's mem as uid 1000", open_mem(other, O_RDONLY), EACCES);
		/* The change of ids made it undumpable: its /proc files belong to root until it is dumpable again. */
		EXPECT_ERR("open one's own mem as uid 1000, undumpable", open("/proc/self/mem", O_RDONLY), EACCES);
		prctl(PR_SET_DUMPABLE, 1);
		int own = open("/proc/self/mem", O_RDONLY);
		EXPECT_TRUE("open one's own mem as uid 1000, dumpable", own >= 0);
		_exit(conf_exit());
	}
	waitpid(probe, &status, 0);
	printf("uid 1000 probe exit: %d\n", WEXITSTATUS(status));
	kill(other, SIGKILL);
	waitpid(other, &status, 0);
	return conf_exit();
}
