/* prctl options that qemu-user passes to Linux: TIMING, TIMERSLACK, MCE_KILL, NO_NEW_PRIVS, the capability options
 * (CAPBSET_READ/DROP, KEEPCAPS, SECUREBITS and their locks, CAP_AMBIENT and its rules), IO_FLUSHER's permission check,
 * argument checks, and the options arm64 Linux answers with EINVAL for which qemu's answer is also Linux's.
 * qemu answers PERF_EVENTS, SET_MM, THP_DISABLE, the SVE/PAC/tagged-address options and the newer ones itself: those
 * are in native/prctl_mm.c and kernel-only/prctl_arm64.c. Capability sets are printed as relations, because the
 * oracle's container may lack some (CAP_SYS_RESOURCE). Every change of credentials happens in a child. */
#include "prctl_caps.h"

#include <sys/wait.h>
#include <unistd.h>

#define NET_RAW 13
#define SYS_NICE 23
#define SETPCAP 8

#define in_child run_in_child

static void simple_options(void)
{
	EXPECT_EQ("GET_TIMING", prctl(PR_GET_TIMING, 0, 0, 0, 0), PR_TIMING_STATISTICAL);
	EXPECT_OK("SET_TIMING statistical", prctl(PR_SET_TIMING, PR_TIMING_STATISTICAL, 0, 0, 0));
	EXPECT_ERR("SET_TIMING timestamp", prctl(PR_SET_TIMING, PR_TIMING_TIMESTAMP, 0, 0, 0), EINVAL);

	long slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
	EXPECT_OK("SET_TIMERSLACK 12345", prctl(PR_SET_TIMERSLACK, 12345, 0, 0, 0));
	EXPECT_EQ("GET_TIMERSLACK", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0), 12345);
	EXPECT_OK("SET_TIMERSLACK 0 (the default again)", prctl(PR_SET_TIMERSLACK, 0, 0, 0, 0));
	EXPECT_TRUE("GET_TIMERSLACK is the default", prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0) == slack);

	EXPECT_OK("MCE_KILL CLEAR", prctl(PR_MCE_KILL, PR_MCE_KILL_CLEAR, 0, 0, 0));
	EXPECT_EQ("MCE_KILL_GET after CLEAR", prctl(PR_MCE_KILL_GET, 0, 0, 0, 0), PR_MCE_KILL_DEFAULT);
	EXPECT_OK("MCE_KILL SET EARLY", prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0));
	EXPECT_EQ("MCE_KILL_GET", prctl(PR_MCE_KILL_GET, 0, 0, 0, 0), PR_MCE_KILL_EARLY);
	EXPECT_OK("MCE_KILL SET LATE", prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_LATE, 0, 0));
	EXPECT_EQ("MCE_KILL_GET", prctl(PR_MCE_KILL_GET, 0, 0, 0, 0), PR_MCE_KILL_LATE);
	EXPECT_OK("MCE_KILL SET DEFAULT", prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_DEFAULT, 0, 0));
	EXPECT_EQ("MCE_KILL_GET", prctl(PR_MCE_KILL_GET, 0, 0, 0, 0), PR_MCE_KILL_DEFAULT);
	EXPECT_OK("MCE_KILL SET EARLY again", prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0));
	EXPECT_OK("MCE_KILL CLEAR keeps the early bit", prctl(PR_MCE_KILL, PR_MCE_KILL_CLEAR, 0, 0, 0));
	EXPECT_ERR("MCE_KILL SET with an unknown policy", prctl(PR_MCE_KILL, PR_MCE_KILL_SET, 7, 0, 0), EINVAL);
	EXPECT_EQ("MCE_KILL_GET after it (the process bit was set)", prctl(PR_MCE_KILL_GET, 0, 0, 0, 0), PR_MCE_KILL_EARLY);
	EXPECT_ERR("MCE_KILL CLEAR with an argument", prctl(PR_MCE_KILL, PR_MCE_KILL_CLEAR, 1, 0, 0), EINVAL);
	EXPECT_ERR("MCE_KILL with arg4", prctl(PR_MCE_KILL, PR_MCE_KILL_CLEAR, 0, 1, 0), EINVAL);
	EXPECT_ERR("MCE_KILL with an unknown command", prctl(PR_MCE_KILL, 5, 0, 0, 0), EINVAL);
	EXPECT_ERR("MCE_KILL_GET with an argument", prctl(PR_MCE_KILL_GET, 1, 0, 0, 0), EINVAL);
	prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_DEFAULT, 0, 0);

	EXPECT_ERR("GET_NO_NEW_PRIVS with an argument", prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0), EINVAL);
	EXPECT_ERR("SET_NO_NEW_PRIVS 2", prctl(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0), EINVAL);
	EXPECT_ERR("SET_NO_NEW_PRIVS with arg3", prctl(PR_SET_NO_NEW_PRIVS, 1, 1, 0, 0), EINVAL);

	EXPECT_EQ("CAPBSET_READ CAP_CHOWN", prctl(PR_CAPBSET_READ, 0, 0, 0, 0), 1);
	EXPECT_ERR("CAPBSET_READ 64", prctl(PR_CAPBSET_READ, 64, 0, 0, 0), EINVAL);
	EXPECT_EQ("GET_KEEPCAPS", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 0);
	EXPECT_ERR("SET_KEEPCAPS 2", prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0), EINVAL);
	EXPECT_EQ("GET_SECUREBITS", prctl(PR_GET_SECUREBITS, 0, 0, 0, 0), 0);

	/* Options that arm64 Linux does not have (other architectures', hardware it lacks) or that are gone. */
	static const struct { const char *name; int option; } absent[] = {
		{"GET_UNALIGN", PR_GET_UNALIGN}, {"SET_UNALIGN", PR_SET_UNALIGN}, {"GET_FPEMU", PR_GET_FPEMU},
		{"SET_FPEMU", PR_SET_FPEMU}, {"GET_FPEXC", PR_GET_FPEXC}, {"SET_FPEXC", PR_SET_FPEXC},
		{"GET_ENDIAN", PR_GET_ENDIAN}, {"SET_ENDIAN", PR_SET_ENDIAN}, {"GET_TSC", PR_GET_TSC}, {"SET_TSC", PR_SET_TSC},
		{"MPX_ENABLE_MANAGEMENT", 43}, {"MPX_DISABLE_MANAGEMENT", 44}, {"SET_FP_MODE", 45}, {"GET_FP_MODE", 46},
		{"SCHED_CORE", 62}, {"RISCV_V_SET_CONTROL", 69}, {"RISCV_V_GET_CONTROL", 70}, {"RISCV_SET_ICACHE_FLUSH_CTX", 71},
		{"PPC_GET_DEXCR", 72}, {"PPC_SET_DEXCR", 73}, {"GET_SHADOW_STACK_STATUS", 74}, {"SET_SHADOW_STACK_STATUS", 75},
		{"LOCK_SHADOW_STACK_STATUS", 76}, {"option 0", 0}, {"option 1000", 1000},
	};
	for (unsigned i = 0; i < sizeof absent / sizeof absent[0]; i++) {
		char label[64];
		snprintf(label, sizeof label, "%s", absent[i].name);
		EXPECT_ERR(label, prctl(absent[i].option, 0, 0, 0, 0), EINVAL);
	}
}

static void no_new_privs(void)
{
	EXPECT_EQ("GET_NO_NEW_PRIVS", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
	EXPECT_OK("SET_NO_NEW_PRIVS", prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
	EXPECT_EQ("GET_NO_NEW_PRIVS", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);
}

static void bounding_set(void)
{
	EXPECT_OK("CAPBSET_DROP CAP_NET_RAW", prctl(PR_CAPBSET_DROP, NET_RAW, 0, 0, 0));
	EXPECT_EQ("CAPBSET_READ CAP_NET_RAW", prctl(PR_CAPBSET_READ, NET_RAW, 0, 0, 0), 0);
	EXPECT_ERR("CAPBSET_DROP 64", prctl(PR_CAPBSET_DROP, 64, 0, 0, 0), EINVAL);
	struct capsets c = caps_get();
	c.effective &= ~CAP_BIT(SETPCAP);
	caps_set(c);
	EXPECT_ERR("CAPBSET_DROP without CAP_SETPCAP", prctl(PR_CAPBSET_DROP, SYS_NICE, 0, 0, 0), EPERM);
	EXPECT_ERR("CAPBSET_DROP 64 without CAP_SETPCAP (EPERM first)", prctl(PR_CAPBSET_DROP, 64, 0, 0, 0), EPERM);
}

static void securebits(void)
{
	EXPECT_OK("SET_KEEPCAPS 1", prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
	EXPECT_EQ("GET_SECUREBITS shows SECBIT_KEEP_CAPS", prctl(PR_GET_SECUREBITS, 0, 0, 0, 0), 0x10);
	EXPECT_OK("SET_SECUREBITS NOROOT", prctl(PR_SET_SECUREBITS, 0x1, 0, 0, 0));
	EXPECT_EQ("GET_KEEPCAPS (the bits were replaced)", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 0);
	EXPECT_OK("SET_SECUREBITS NOROOT|NOROOT_LOCKED|KEEP_CAPS_LOCKED", prctl(PR_SET_SECUREBITS, 0x1 | 0x2 | 0x20, 0, 0, 0));
	EXPECT_EQ("GET_SECUREBITS", prctl(PR_GET_SECUREBITS, 0, 0, 0, 0), 0x23);
	EXPECT_ERR("clearing a locked bit", prctl(PR_SET_SECUREBITS, 0x2 | 0x20, 0, 0, 0), EPERM);
	EXPECT_ERR("undoing a lock", prctl(PR_SET_SECUREBITS, 0x1 | 0x20, 0, 0, 0), EPERM);
	EXPECT_ERR("an unknown bit", prctl(PR_SET_SECUREBITS, 0x23 | 0x1000, 0, 0, 0), EPERM);
	EXPECT_ERR("SET_KEEPCAPS while KEEP_CAPS is locked", prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), EPERM);
	EXPECT_ERR("SET_KEEPCAPS 2 while locked (EINVAL first)", prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0), EINVAL);
	EXPECT_OK("adding NO_SETUID_FIXUP and NO_CAP_AMBIENT_RAISE", prctl(PR_SET_SECUREBITS, 0x23 | 0x4 | 0x40, 0, 0, 0));
	EXPECT_EQ("GET_SECUREBITS", prctl(PR_GET_SECUREBITS, 0, 0, 0, 0), 0x67);
	struct capsets c = caps_get();
	c.inheritable |= CAP_BIT(NET_RAW);
	caps_set(c);
	EXPECT_ERR("CAP_AMBIENT RAISE under NO_CAP_AMBIENT_RAISE", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, NET_RAW, 0, 0), EPERM);
	c.effective &= ~CAP_BIT(SETPCAP);
	caps_set(c);
	EXPECT_ERR("SET_SECUREBITS without CAP_SETPCAP", prctl(PR_SET_SECUREBITS, 0x67, 0, 0, 0), EPERM);
}

static void ambient(void)
{
	EXPECT_EQ("CAP_AMBIENT IS_SET CAP_NET_RAW", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, NET_RAW, 0, 0), 0);
	EXPECT_ERR("RAISE a capability not inheritable", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, NET_RAW, 0, 0), EPERM);
	struct capsets c = caps_get();
	c.inheritable |= CAP_BIT(NET_RAW) | CAP_BIT(SYS_NICE);
	EXPECT_OK("capset: CAP_NET_RAW and CAP_SYS_NICE inheritable", caps_set(c));
	EXPECT_OK("RAISE CAP_NET_RAW", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, NET_RAW, 0, 0));
	EXPECT_OK("RAISE CAP_SYS_NICE", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, SYS_NICE, 0, 0));
	EXPECT_EQ("IS_SET CAP_NET_RAW", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, NET_RAW, 0, 0), 1);
	EXPECT_TRUE("status CapAmb", status_caps("CapAmb:\t") == (CAP_BIT(NET_RAW) | CAP_BIT(SYS_NICE)));
	EXPECT_OK("LOWER CAP_SYS_NICE", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, SYS_NICE, 0, 0));
	EXPECT_EQ("IS_SET CAP_SYS_NICE", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, SYS_NICE, 0, 0), 0);
	EXPECT_ERR("IS_SET 64", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, 64, 0, 0), EINVAL);
	EXPECT_ERR("IS_SET with arg4", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, NET_RAW, 1, 0), EINVAL);
	EXPECT_ERR("an unknown command", prctl(PR_CAP_AMBIENT, 9, NET_RAW, 0, 0), EINVAL);
	EXPECT_ERR("CLEAR_ALL with arg3", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 1, 0, 0), EINVAL);
	/* capset keeps the ambient set within permitted and inheritable. */
	c = caps_get();
	c.inheritable &= ~CAP_BIT(NET_RAW);
	EXPECT_OK("capset: CAP_NET_RAW no longer inheritable", caps_set(c));
	EXPECT_EQ("IS_SET CAP_NET_RAW after it", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, NET_RAW, 0, 0), 0);
	c.inheritable |= CAP_BIT(NET_RAW);
	caps_set(c);
	EXPECT_OK("RAISE CAP_NET_RAW again", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, NET_RAW, 0, 0));
	EXPECT_OK("CLEAR_ALL", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0));
	EXPECT_TRUE("status CapAmb after CLEAR_ALL", status_caps("CapAmb:\t") == 0);
	/* Dropping every root uid clears the ambient set, even with keep-caps. */
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, NET_RAW, 0, 0);
	prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
	EXPECT_OK("setresuid to 1000 with KEEPCAPS", setresuid(1000, 1000, 1000));
	EXPECT_EQ("IS_SET CAP_NET_RAW after it", prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, NET_RAW, 0, 0), 0);
	EXPECT_TRUE("permitted kept CAP_NET_RAW", (caps_get().permitted & CAP_BIT(NET_RAW)) != 0);
}

static void io_flusher(void)
{
	/* Without CAP_SYS_RESOURCE both are EPERM, before their arguments are looked at. */
	struct capsets c = caps_get();
	c.effective &= ~CAP_BIT(24);
	caps_set(c);
	EXPECT_ERR("GET_IO_FLUSHER without CAP_SYS_RESOURCE", prctl(PR_GET_IO_FLUSHER, 0, 0, 0, 0), EPERM);
	EXPECT_ERR("SET_IO_FLUSHER without CAP_SYS_RESOURCE", prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0), EPERM);
	EXPECT_ERR("SET_IO_FLUSHER 5 without CAP_SYS_RESOURCE", prctl(PR_SET_IO_FLUSHER, 5, 0, 0, 0), EPERM);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	simple_options();
	printf("no_new_privs child: %d\n", in_child(no_new_privs));
	printf("bounding set child: %d\n", in_child(bounding_set));
	printf("securebits child: %d\n", in_child(securebits));
	printf("ambient child: %d\n", in_child(ambient));
	printf("io_flusher child: %d\n", in_child(io_flusher));
	return conf_exit();
}
