/* execveat: a program run by path, relative to a directory descriptor, by its own descriptor (AT_EMPTY_PATH: fexecve,
 * O_PATH descriptors, memfds), AT_SYMLINK_NOFOLLOW, and each errno. The program re-executes itself; the child reports
 * AT_EXECFN and its comm, which Linux takes from /dev/fd/N[/path]. Native oracle: qemu-user 7.2 hands execveat to the
 * host, which cannot run an arm64 file. */
#include "../conformance.h"

#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char self[PATH_MAX];
static char tmpdir[64] = "/dev/shm/conf-execveat-XXXXXX";
extern char **environ;

static long xat(int dirfd, const char *path, int flags)
{
	char *argv[] = { "conf-child", "child", NULL };
	return syscall(SYS_execveat, dirfd, path, argv, environ, flags);
}

/* Runs execveat in a child; prints what the new image saw, or the errno. */
static void run(const char *label, int dirfd, const char *path, int flags, const char *expect_execfn, const char *expect_comm)
{
	fflush(stdout);
	int p[2];
	(void)!pipe(p);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 100);
		xat(dirfd, path, flags);
		printf("%s: -1 %s\n", label, conf_errname(errno));
		fflush(stdout);
		_exit(99);
	}
	close(p[1]);
	char buf[512] = "";
	long n = read(p[0], buf, sizeof buf - 1);
	close(p[0]);
	int status;
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 99)
		return;
	buf[n > 0 ? n : 0] = 0;
	char execfn[256] = "", comm[32] = "";
	sscanf(buf, "%255s %31s", execfn, comm);
	printf("%s: ran, status %d\n", label, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	if (expect_execfn) {
		EXPECT_TRUE("  AT_EXECFN as Linux names it", strcmp(execfn, expect_execfn) == 0);
		EXPECT_TRUE("  comm", strncmp(comm, expect_comm, 15) == 0);
	}
}

static void child(void)
{
	char comm[32] = "";
	prctl(PR_GET_NAME, comm);
	dprintf(100, "%s %s\n", (const char *)getauxval(AT_EXECFN), comm);
	_exit(7);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "child") == 0)
		child();
	setvbuf(stdout, NULL, _IONBF, 0);
	long len = readlink("/proc/self/exe", self, sizeof self - 1);
	if (len <= 0 || !mkdtemp(tmpdir)) {
		printf("setup failed\n");
		return 1;
	}
	self[len] = 0;
	char dirbuf[PATH_MAX];
	strcpy(dirbuf, self);
	char *dir = dirname(dirbuf);
	const char *base = strrchr(self, '/') + 1;
	char want[PATH_MAX];

	run("absolute path", AT_FDCWD, self, 0, NULL, NULL);
	run("absolute path, dirfd ignored", 99, self, 0, NULL, NULL);
	int exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	snprintf(want, sizeof want, "/dev/fd/%d", exe);
	run("AT_EMPTY_PATH (fexecve)", exe, "", AT_EMPTY_PATH, want, base); /* comm: the file's own name */
	int path_fd = open(self, O_PATH);
	snprintf(want, sizeof want, "/dev/fd/%d", path_fd);
	run("AT_EMPTY_PATH on an O_PATH descriptor", path_fd, "", AT_EMPTY_PATH, want, base);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	snprintf(want, sizeof want, "/dev/fd/%d/%s", dfd, base);
	run("relative to a directory descriptor", dfd, base, 0, want, base);

	/* A copy in a memfd, as runc and systemd run programs. */
	int mfd = memfd_create("prog", MFD_CLOEXEC);
	char chunk[65536];
	int src = open(self, O_RDONLY);
	long r;
	while ((r = read(src, chunk, sizeof chunk)) > 0)
		(void)!write(mfd, chunk, r);
	close(src);
	snprintf(want, sizeof want, "/dev/fd/%d", mfd);
	run("a memfd", mfd, "", AT_EMPTY_PATH, want, "memfd:prog");

	char link[128], plain[128];
	snprintf(link, sizeof link, "%s/link", tmpdir);
	snprintf(plain, sizeof plain, "%s/plain", tmpdir);
	(void)!symlink(self, link);
	run("through a symlink", AT_FDCWD, link, 0, NULL, NULL);
	run("AT_SYMLINK_NOFOLLOW on a symlink", AT_FDCWD, link, AT_SYMLINK_NOFOLLOW, NULL, NULL);
	int tdir = open(tmpdir, O_RDONLY | O_DIRECTORY);
	run("AT_SYMLINK_NOFOLLOW, relative", tdir, "link", AT_SYMLINK_NOFOLLOW, NULL, NULL);
	int lfd = open(link, O_PATH | O_NOFOLLOW);
	run("AT_EMPTY_PATH on an O_PATH symlink", lfd, "", AT_EMPTY_PATH, NULL, NULL);
	close(open(plain, O_CREAT | O_WRONLY, 0644));
	run("a file without execute permission", AT_FDCWD, plain, 0, NULL, NULL);

	run("bad flag", AT_FDCWD, self, 0x1, NULL, NULL);
	run("empty path without AT_EMPTY_PATH", exe, "", 0, NULL, NULL);
	run("bad descriptor", 99, "x", 0, NULL, NULL);
	run("bad descriptor, AT_EMPTY_PATH", 99, "", AT_EMPTY_PATH, NULL, NULL);
	run("relative to a file", exe, "x", 0, NULL, NULL);
	run("missing, relative", dfd, "no-such-program", 0, NULL, NULL);
	int p[2];
	(void)!pipe(p);
	run("AT_EMPTY_PATH on a pipe", p[0], "", AT_EMPTY_PATH, NULL, NULL);
	run("AT_EMPTY_PATH on a directory", dfd, "", AT_EMPTY_PATH, NULL, NULL);
	EXPECT_ERR("bad path pointer", syscall(SYS_execveat, AT_FDCWD, (void *)1, NULL, NULL, 0), EFAULT);

	unlink(link);
	unlink(plain);
	rmdir(tmpdir);
	return conf_failures != 0;
}
