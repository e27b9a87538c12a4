/* RLIMIT_AS and RLIMIT_DATA: mmap past the address-space limit, or past the data limit with a private writable
 * mapping, is ENOMEM; read-only and shared mappings do not count as data; brk cannot grow past either; and prlimit
 * on another process (with its errnos). Native oracle: qemu-user 7.2 ignores these two limits. */
#include "../conformance.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MB (1UL << 20)

static int mapped(size_t len, int prot, int flags)
{
	void *p = mmap(NULL, len, prot, flags | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	munmap(p, len);
	return 0;
}

static void limits_in_child(void)
{
	struct rlimit as = { 256 * MB, RLIM_INFINITY };
	EXPECT_OK("RLIMIT_AS 256 MiB", setrlimit(RLIMIT_AS, &as));
	EXPECT_EQ("mmap 512 MiB", mapped(512 * MB, PROT_READ, MAP_PRIVATE), -ENOMEM);
	EXPECT_EQ("mmap 16 MiB", mapped(16 * MB, PROT_READ, MAP_PRIVATE), 0);
	as.rlim_cur = RLIM_INFINITY;
	setrlimit(RLIMIT_AS, &as);
	EXPECT_EQ("unlimited again: 512 MiB", mapped(512 * MB, PROT_READ, MAP_PRIVATE | MAP_NORESERVE), 0);

	struct rlimit data = { 64 * MB, RLIM_INFINITY };
	EXPECT_OK("RLIMIT_DATA 64 MiB", setrlimit(RLIMIT_DATA, &data));
	EXPECT_EQ("private writable 128 MiB", mapped(128 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE), -ENOMEM);
	EXPECT_EQ("private read-only 128 MiB", mapped(128 * MB, PROT_READ, MAP_PRIVATE), 0);
	EXPECT_EQ("shared writable 128 MiB", mapped(128 * MB, PROT_READ | PROT_WRITE, MAP_SHARED), 0);
	EXPECT_EQ("private writable 8 MiB", mapped(8 * MB, PROT_READ | PROT_WRITE, MAP_PRIVATE), 0);
	void *start = sbrk(0);
	EXPECT_TRUE("brk cannot grow by 128 MiB", syscall(SYS_brk, (char *)start + 128 * MB) == (long)start);
	EXPECT_TRUE("brk grows by 1 MiB", syscall(SYS_brk, (char *)start + MB) == (long)((char *)start + MB));
	syscall(SYS_brk, start);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		limits_in_child();
		fflush(stdout);
		_exit(conf_failures != 0);
	}
	int st;
	waitpid(pid, &st, 0);
	EXPECT_TRUE("limits child passed", WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* prlimit on another process: read, lower, raise back (root), and the errnos. */
	int go[2];
	(void)!pipe(go);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		char c;
		(void)!read(go[0], &c, 1);
		struct rlimit r;
		getrlimit(RLIMIT_NOFILE, &r);
		_exit(r.rlim_cur == 100 ? 0 : 1);
	}
	struct rlimit old, lim = { 100, 200 };
	EXPECT_OK("prlimit another process", prlimit(pid, RLIMIT_NOFILE, &lim, &old));
	struct rlimit now;
	EXPECT_OK("read it back", prlimit(pid, RLIMIT_NOFILE, NULL, &now));
	EXPECT_TRUE("  the new values", now.rlim_cur == 100 && now.rlim_max == 200);
	EXPECT_ERR("a bad resource", prlimit(pid, 99, NULL, &now), EINVAL);
	EXPECT_ERR("no such process", prlimit(99999, RLIMIT_NOFILE, NULL, &now), ESRCH);
	EXPECT_ERR("cur above max", prlimit(pid, RLIMIT_NOFILE, &(struct rlimit){ 300, 200 }, NULL), EINVAL);
	(void)!write(go[1], "g", 1);
	waitpid(pid, &st, 0);
	EXPECT_TRUE("the child saw its new limit", WIFEXITED(st) && WEXITSTATUS(st) == 0);

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (setuid(65534) != 0)
			printf("setuid failed\n");
		EXPECT_ERR("nobody: prlimit of root's process", prlimit(getppid(), RLIMIT_NOFILE, NULL, &now), EPERM);
		struct rlimit mine;
		getrlimit(RLIMIT_NOFILE, &mine);
		mine.rlim_max += 1;
		EXPECT_ERR("nobody: raising a hard limit", setrlimit(RLIMIT_NOFILE, &mine), EPERM);
		fflush(stdout);
		_exit(conf_failures != 0);
	}
	waitpid(pid, &st, 0);
	EXPECT_TRUE("unprivileged child passed", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return conf_failures != 0;
}
