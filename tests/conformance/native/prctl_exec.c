/* What execve does to the capability state prctl sets (cap_bprm_creds_from_file): the ambient set survives and
 * becomes a non-root program's permitted and effective sets, SECBIT_KEEP_CAPS is cleared and the other securebits
 * kept, SECBIT_NOROOT denies root its capabilities. Native oracle: qemu-user cannot exec an arm64 program. */
#include "../prctl_caps.h"

#include <sys/wait.h>
#include <unistd.h>

#define NET_RAW 13
#define SYS_NICE 23

/* Runs in the exec'd program: its sets and bits, as relations where root's sets depend on the container. */
static int report(const char *how)
{
	uint64_t eff = status_caps("CapEff:\t"), prm = status_caps("CapPrm:\t"), inh = status_caps("CapInh:\t");
	uint64_t amb = status_caps("CapAmb:\t"), bnd = status_caps("CapBnd:\t");
	printf("%s: uid %d\n", how, (int)getuid());
	if (getuid() == 0 && strcmp(how, "root") == 0) {
		printf("  permitted is the bounding set: %d\n", prm == bnd);
		printf("  effective is permitted: %d\n", eff == prm);
	} else {
		printf("  CapEff %llx CapPrm %llx CapInh %llx CapAmb %llx\n", (unsigned long long)eff, (unsigned long long)prm,
		       (unsigned long long)inh, (unsigned long long)amb);
	}
	printf("  GET_KEEPCAPS %d GET_SECUREBITS %#x\n", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
	fflush(stdout);
	return 0;
}

static void run(const char *how, void (*prepare)(void))
{
	pid_t pid = fork();
	if (pid == 0) {
		prepare();
		fflush(stdout);
		execl("/proc/self/exe", "prctl_exec", how, (char *)NULL);
		_exit(99);
	}
	int status;
	waitpid(pid, &status, 0);
	printf("%s exit: %d\n", how, WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status));
}

/* uid 1000 keeping CAP_NET_RAW and CAP_SYS_NICE permitted, CAP_NET_RAW inheritable. */
static void become_user(int raise_ambient)
{
	prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
	EXPECT_OK("setresuid 1000", setresuid(1000, 1000, 1000));
	struct capsets c = {CAP_BIT(NET_RAW), CAP_BIT(NET_RAW) | CAP_BIT(SYS_NICE), CAP_BIT(NET_RAW)};
	EXPECT_OK("capset", caps_set(c));
	if (raise_ambient)
		EXPECT_OK("CAP_AMBIENT RAISE CAP_NET_RAW", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, NET_RAW, 0, 0));
}

static void user_with_ambient(void) { become_user(1); }
static void user_without_ambient(void) { become_user(0); }
static void root_plain(void) {}

static void root_noroot(void)
{
	EXPECT_OK("SET_SECUREBITS NOROOT|NOROOT_LOCKED|NO_SETUID_FIXUP", prctl(PR_SET_SECUREBITS, 0x1 | 0x2 | 0x4, 0, 0, 0));
}

static void root_noroot_ambient(void)
{
	struct capsets c = caps_get();
	c.inheritable |= CAP_BIT(SYS_NICE);
	caps_set(c);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, SYS_NICE, 0, 0);
	prctl(PR_SET_SECUREBITS, 0x1 | 0x10, 0, 0, 0);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 2)
		return report(argv[1]);
	run("user with ambient", user_with_ambient);
	run("user without ambient", user_without_ambient);
	run("root", root_plain);
	run("root under NOROOT", root_noroot);
	run("root under NOROOT with ambient CAP_SYS_NICE", root_noroot_ambient);
	return conf_exit();
}
