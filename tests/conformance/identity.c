/* Credentials, groups, process groups and sessions: setuid and friends with
 * their saved and filesystem ids, setgroups/getgroups, setpgid/getpgid,
 * setsid/getsid, and each documented error. Runs as root (uid 0). Changes of
 * ids happen in forked children, so each case starts from root. */
#include "conformance.h"

#include <grp.h>
#include <stdlib.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* Runs fn in a child and waits: output stays in order and ids are reset. */
static void in_child(void (*fn)(void))
{
	pid_t p = fork();
	if (p == 0) {
		fn();
		fflush(stdout);
		_exit(conf_failures ? 1 : 0);
	}
	int st;
	waitpid(p, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		conf_failures++;
}

static void print_res(const char *label)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;
	getresuid(&r, &e, &s);
	getresgid(&gr, &ge, &gs);
	printf("%s: uid %u %u %u gid %u %u %u\n", label, r, e, s, gr, ge, gs);
}

static void uid_tests(void)
{
	print_res("start");
	EXPECT_ERR("setuid(-1)", syscall(SYS_setuid, -1), EINVAL);
	EXPECT_OK("setresgid 100 200 300", setresgid(100, 200, 300));
	EXPECT_EQ("setfsgid returns old fsgid", setfsgid(7), 200);
	EXPECT_EQ("setfsgid after", setfsgid(-1), 7);
	EXPECT_OK("setresuid 1000 1001 0", setresuid(1000, 1001, 0));
	print_res("after setres");
	EXPECT_ERR("unprivileged setuid(5)", setuid(5), EPERM);
	EXPECT_ERR("unprivileged setresuid to a new id", setresuid(-1, 5, -1), EPERM);
	EXPECT_ERR("unprivileged setgroups", setgroups(0, NULL), EPERM);
	EXPECT_EQ("unprivileged setfsuid to a new id keeps old", setfsuid(5), 1001);
	EXPECT_EQ("fsuid unchanged", setfsuid(-1), 1001);
	EXPECT_OK("unprivileged setuid to saved id 0", setuid(0));
	print_res("after setuid(0)");
	EXPECT_OK("privileged again: setreuid 10 20", setreuid(10, 20));
	print_res("after setreuid");
	EXPECT_OK("setreuid -1 10 (back to real)", setreuid(-1, 10));
	print_res("after setreuid -1 10");
	EXPECT_ERR("setreuid to a stranger", setreuid(-1, 99), EPERM);
}

static void gid_tests(void)
{
	EXPECT_OK("setregid 5 6", setregid(5, 6));
	print_res("after setregid");
	EXPECT_OK("setgid(9) as root", setgid(9));
	print_res("after setgid");
	gid_t list[] = { 30, 10, 20 };
	EXPECT_OK("setgroups 3", setgroups(3, list));
	EXPECT_EQ("getgroups(0) counts", getgroups(0, NULL), 3);
	gid_t got[8];
	EXPECT_EQ("getgroups", getgroups(8, got), 3);
	printf("groups: %u %u %u\n", got[0], got[1], got[2]);
	EXPECT_ERR("getgroups too small", getgroups(1, got), EINVAL);
	EXPECT_ERR("setgroups negative", syscall(SYS_setgroups, -1, list), EINVAL);
	EXPECT_ERR("setgroups bad pointer", syscall(SYS_setgroups, 2, (void *)8), EFAULT);
	EXPECT_OK("setgroups 0", setgroups(0, NULL));
	EXPECT_EQ("no groups", getgroups(0, NULL), 0);
}

static void session_tests(void)
{
	/* A forked child is never a group leader: setsid succeeds. */
	pid_t me = getpid();
	EXPECT_TRUE("child is not a group leader", getpgid(0) != me);
	EXPECT_TRUE("setsid returns own pid", setsid() == me);
	EXPECT_TRUE("getsid(0) is own pid", getsid(0) == me);
	EXPECT_TRUE("getpgid(0) is own pid", getpgid(0) == me);
	EXPECT_ERR("setsid again (group leader)", setsid(), EPERM);
	EXPECT_ERR("setpgid on a session leader", setpgid(0, 0), EPERM);
	EXPECT_ERR("setpgid negative group", setpgid(0, -1), EINVAL);
	EXPECT_ERR("getpgid of no process", getpgid(0x3ffffff), ESRCH);
	EXPECT_ERR("getsid of no process", getsid(0x3ffffff), ESRCH);
	EXPECT_ERR("setpgid of no process", setpgid(0x3ffffff, 0), ESRCH);

	/* Our own child: we may move it to a new group, then join another. */
	int go[2];
	pipe(go);
	pid_t child = fork();
	if (child == 0) {
		char c;
		read(go[0], &c, 1);
		_exit(0);
	}
	EXPECT_OK("setpgid(child, child)", setpgid(child, child));
	EXPECT_TRUE("child's group is its pid", getpgid(child) == child);
	EXPECT_OK("setpgid(child, 0) again", setpgid(child, 0));
	EXPECT_ERR("setpgid into a missing group", setpgid(child, 0x3ffffff), EPERM);
	EXPECT_TRUE("child in our session", getsid(child) == me);
	write(go[1], "x", 1);
	waitpid(child, NULL, 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	in_child(uid_tests);
	in_child(gid_tests);
	in_child(session_tests);
	return conf_exit();
}
