/* Identity, uname, clocks and getrandom: only relations and fixed strings
 * are printed, never pids, ids or times. */
#include "conformance.h"

#include <stdlib.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	pid_t pid = getpid();
	EXPECT_TRUE("getpid>0", pid > 0);
	EXPECT_TRUE("gettid==getpid", syscall(SYS_gettid) == pid);
	EXPECT_TRUE("getppid!=getpid", getppid() != pid);
	EXPECT_TRUE("getppid>=0", getppid() >= 0);
	EXPECT_TRUE("getpid stable", getpid() == pid);

	EXPECT_TRUE("getuid==geteuid", getuid() == geteuid());
	EXPECT_TRUE("getgid==getegid", getgid() == getegid());
	uid_t r, e, s;
	EXPECT_EQ("getresuid", getresuid(&r, &e, &s), 0);
	EXPECT_TRUE("getresuid matches getuid/geteuid", r == getuid() && e == geteuid() && s == geteuid());
	gid_t gr, ge, gs;
	EXPECT_EQ("getresgid", getresgid(&gr, &ge, &gs), 0);
	EXPECT_TRUE("getresgid matches getgid/getegid", gr == getgid() && ge == getegid() && gs == getegid());

	struct utsname u;
	EXPECT_EQ("uname", uname(&u), 0);
	conf_expect_str("uname.sysname", u.sysname, "Linux");
	conf_expect_str("uname.machine", u.machine, "aarch64");
	EXPECT_TRUE("uname.release non-empty", u.release[0] != 0);
	EXPECT_TRUE("uname.nodename non-empty", u.nodename[0] != 0);
	EXPECT_ERR("uname(NULL)", syscall(SYS_uname, NULL), EFAULT);

	struct timespec prev, now;
	EXPECT_EQ("clock_gettime(MONOTONIC)", clock_gettime(CLOCK_MONOTONIC, &prev), 0);
	int decreasing = 0, bad_nsec = 0;
	for (int i = 0; i < 1000; i++) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec < prev.tv_sec || (now.tv_sec == prev.tv_sec && now.tv_nsec < prev.tv_nsec))
			decreasing++;
		if (now.tv_nsec < 0 || now.tv_nsec >= 1000000000L)
			bad_nsec++;
		prev = now;
	}
	EXPECT_EQ("monotonic decreases in 1000 calls", decreasing, 0);
	EXPECT_EQ("monotonic bad tv_nsec", bad_nsec, 0);

	struct timespec rt;
	EXPECT_EQ("clock_gettime(REALTIME)", clock_gettime(CLOCK_REALTIME, &rt), 0);
	time_t t = time(NULL);
	EXPECT_TRUE("|REALTIME - time()|<=5", labs((long)(rt.tv_sec - t)) <= 5);
	EXPECT_TRUE("REALTIME after 2020", rt.tv_sec > 1577836800L);
	struct timespec res;
	EXPECT_EQ("clock_getres(MONOTONIC)", clock_getres(CLOCK_MONOTONIC, &res), 0);
	EXPECT_TRUE("resolution<=1ms", res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 1000000);
	EXPECT_ERR("clock_gettime(bad clock)", syscall(SYS_clock_gettime, 12345, &rt), EINVAL);
	EXPECT_ERR("clock_gettime(NULL)", syscall(SYS_clock_gettime, CLOCK_MONOTONIC, NULL), EFAULT);

	unsigned char a[16], b[16];
	EXPECT_EQ("getrandom(16)", getrandom(a, sizeof a, 0), 16);
	EXPECT_EQ("getrandom(16) again", getrandom(b, sizeof b, 0), 16);
	EXPECT_TRUE("two getrandom results differ", memcmp(a, b, sizeof a) != 0);
	EXPECT_EQ("getrandom(0)", getrandom(a, 0, 0), 0);
	EXPECT_ERR("getrandom(bad flags)", getrandom(a, sizeof a, 0x100), EINVAL);
	return conf_exit();
}
