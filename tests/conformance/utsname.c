/* sethostname and setdomainname, read back through uname and /proc/sys/kernel, and their errors.
 * Under qemu-aarch64 the calls reach the host kernel, so the program first moves into a UTS namespace of its own
 * (our kernel's sandbox has one already and answers unshare with ENOSYS): the host's names are never touched. */
#include "conformance.h"

#include <sched.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>

static void show_proc(const char *label, const char *path)
{
	char buf[128] = {0};
	FILE *f = fopen(path, "r");
	if (f == NULL || fgets(buf, sizeof buf, f) == NULL)
		strcpy(buf, "(unreadable)\n");
	if (f)
		fclose(f);
	printf("%s: %s", label, buf);
}

int main(void)
{
	if (unshare(CLONE_NEWUTS) != 0 && errno != ENOSYS) {
		printf("cannot get a UTS namespace of its own: %s\n", strerror(errno));
		return 1;
	}
	struct utsname u;
	EXPECT_OK("sethostname", sethostname("conf-host", 9));
	uname(&u);
	printf("nodename: %s\n", u.nodename);
	char name[65];
	EXPECT_OK("gethostname", gethostname(name, sizeof name));
	printf("gethostname: %s\n", name);
	show_proc("/proc/sys/kernel/hostname", "/proc/sys/kernel/hostname");
	EXPECT_OK("sethostname with an embedded NUL", sethostname("ab\0cd", 5));
	uname(&u);
	printf("nodename: %s\n", u.nodename);
	char longest[65];
	memset(longest, 'x', 64);
	longest[64] = 0;
	EXPECT_OK("sethostname of 64 bytes", sethostname(longest, 64));
	uname(&u);
	EXPECT_EQ("nodename length", strlen(u.nodename), 64);
	EXPECT_ERR("sethostname of 65 bytes", sethostname(longest, 65), EINVAL);
	EXPECT_ERR("sethostname with a negative length", syscall(SYS_sethostname, "x", -1L), EINVAL);
	EXPECT_ERR("sethostname bad pointer", syscall(SYS_sethostname, (const char *)8, 4L), EFAULT);

	EXPECT_OK("setdomainname", setdomainname("conf-domain", 11));
	uname(&u);
	printf("domainname: %s\n", u.domainname);
	show_proc("/proc/sys/kernel/domainname", "/proc/sys/kernel/domainname");
	EXPECT_ERR("setdomainname of 65 bytes", setdomainname(longest, 65), EINVAL);
	EXPECT_OK("setdomainname empty", setdomainname("", 0));
	uname(&u);
	printf("empty domainname: '%s'\n", u.domainname);

	pid_t pid = fork();
	if (pid == 0) {
		if (setuid(54321) != 0)
			_exit(2);
		errno = 0;
		long r = sethostname("nope", 4);
		_exit(r == -1 && errno == EPERM ? 0 : 1);
	}
	int status;
	waitpid(pid, &status, 0);
	EXPECT_TRUE("an unprivileged process gets EPERM", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_OK("sethostname back", sethostname("conf-host", 9));
	return conf_exit();
}
