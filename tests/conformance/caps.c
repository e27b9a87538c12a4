/* capget and capset: header versions, the three sets, capset's rules, what setuid does to the sets
 * (with and without PR_SET_KEEPCAPS), and that the sets are per thread: capset changes only the caller, capget of a tid
 * reads that thread, new threads inherit their creator's, checks use the calling thread's set, and glibc's setuid
 * (which every thread repeats) clears every thread's. Values are printed as relations: a container may run with fewer caps. */
#include "conformance.h"

#include <linux/capability.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long capget_(cap_user_header_t h, cap_user_data_t d) { return syscall(SYS_capget, h, d); }
static long capset_(cap_user_header_t h, cap_user_data_t d) { return syscall(SYS_capset, h, d); }

static int has(uint32_t set, int cap) { return (set >> cap) & 1; }

static uint64_t status_field(const char *name)
{
	char line[256];
	uint64_t v = ~0ULL;
	FILE *f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, name, strlen(name)) == 0)
			v = strtoull(line + strlen(name) + 1, NULL, 16);
	if (f)
		fclose(f);
	return v;
}

static struct __user_cap_header_struct self_header = {_LINUX_CAPABILITY_VERSION_3, 0};

static int effective_has(pid_t tid, int cap)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, tid};
	struct __user_cap_data_struct d[2];
	if (capget_(&h, d) != 0)
		return -1;
	return has(d[0].effective, cap);
}

/* Clears <cap> from the calling thread's effective set. */
static long drop_effective(int cap)
{
	struct __user_cap_data_struct d[2];
	capget_(&self_header, d);
	d[0].effective &= ~(1u << cap);
	return capset_(&self_header, d);
}

static long raise_effective(int cap)
{
	struct __user_cap_data_struct d[2];
	capget_(&self_header, d);
	d[0].effective |= 1u << cap;
	return capset_(&self_header, d);
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int stage;
static pid_t worker_tid;
static int worker_fifo_errno, worker_sees_nice;

static void wait_stage(int n)
{
	pthread_mutex_lock(&lock);
	while (stage < n)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
}

static void set_stage(int n)
{
	pthread_mutex_lock(&lock);
	stage = n;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

static void *worker(void *arg)
{
	(void)arg;
	worker_tid = gettid();
	drop_effective(CAP_SYS_NICE);
	/* Its own check: without CAP_SYS_NICE (and RLIMIT_RTPRIO 0) a real-time policy is refused. */
	struct sched_param p = {.sched_priority = 1};
	worker_fifo_errno = sched_setscheduler(0, SCHED_FIFO, &p) == 0 ? 0 : errno;
	set_stage(1);
	wait_stage(2);
	return NULL;
}

static void *inheritor(void *arg)
{
	(void)arg;
	worker_sees_nice = effective_has(0, CAP_SYS_NICE);
	return NULL;
}

static void *bystander(void *arg)
{
	(void)arg;
	wait_stage(1);
	struct __user_cap_data_struct d[2];
	capget_(&self_header, d);
	return (void *)(long)(d[0].effective == 0 && d[0].permitted == 0 && d[1].effective == 0 && d[1].permitted == 0);
}

static void per_thread(void)
{
	struct rlimit rt;
	getrlimit(RLIMIT_RTPRIO, &rt);
	rt.rlim_cur = 0;
	setrlimit(RLIMIT_RTPRIO, &rt);
	pthread_t t;
	pthread_create(&t, NULL, worker, NULL);
	wait_stage(1);
	EXPECT_EQ("a thread drops CAP_SYS_NICE: the main thread keeps it", effective_has(0, CAP_SYS_NICE), 1);
	EXPECT_EQ("capget of the thread's tid shows it dropped", effective_has(worker_tid, CAP_SYS_NICE), 0);
	EXPECT_EQ("its SCHED_FIFO was refused by its own set", worker_fifo_errno, EPERM);
	struct __user_cap_header_struct other = {_LINUX_CAPABILITY_VERSION_3, worker_tid};
	struct __user_cap_data_struct d[2];
	capget_(&self_header, d);
	EXPECT_ERR("capset of another thread", capset_(&other, d), EPERM);
	struct sched_param p = {.sched_priority = 1};
	EXPECT_OK("the main thread's SCHED_FIFO is allowed", sched_setscheduler(0, SCHED_FIFO, &p));
	p.sched_priority = 0;
	sched_setscheduler(0, SCHED_OTHER, &p);
	set_stage(2);
	pthread_join(t, NULL);

	EXPECT_OK("the main thread drops CAP_SYS_NICE", drop_effective(CAP_SYS_NICE));
	pthread_create(&t, NULL, inheritor, NULL);
	pthread_join(t, NULL);
	EXPECT_EQ("a thread it creates starts without it", worker_sees_nice, 0);
	EXPECT_OK("and raises it again from permitted", raise_effective(CAP_SYS_NICE));
	EXPECT_EQ("back", effective_has(0, CAP_SYS_NICE), 1);

	/* glibc's setresuid makes every thread change its ids: each thread's sets are cleared. */
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		stage = 0;
		pthread_create(&t, NULL, bystander, NULL);
		if (setresuid(54321, 54321, 54321) != 0)
			_exit(9);
		set_stage(1);
		void *ok;
		pthread_join(t, &ok);
		_exit(ok ? 0 : 1);
	}
	int status;
	waitpid(pid, &status, 0);
	EXPECT_TRUE("setresuid clears the other thread's sets too", WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	EXPECT_OK("version probe (NULL data)", capget_(&h, NULL));
	h.version = 0x12345678;
	EXPECT_ERR("unknown version", capget_(&h, d), EINVAL);
	EXPECT_EQ("the kernel answers with version 3", h.version, _LINUX_CAPABILITY_VERSION_3);
	EXPECT_ERR("bad header pointer", capget_((cap_user_header_t)8, d), EFAULT);
	h.pid = 0;
	EXPECT_ERR("bad data pointer", capget_(&h, (cap_user_data_t)8), EFAULT);
	h.pid = -1;
	EXPECT_ERR("capget pid -1", capget_(&h, d), EINVAL);
	h.pid = 999999;
	EXPECT_ERR("capget of no such process", capget_(&h, d), ESRCH);
	h.pid = 0;
	EXPECT_OK("capget self", capget_(&h, d));
	EXPECT_EQ("root has CAP_SETUID effective", has(d[0].effective, CAP_SETUID), 1);
	EXPECT_EQ("and permitted", has(d[0].permitted, CAP_SETUID), 1);
	EXPECT_EQ("/proc/self/status CapEff matches", status_field("CapEff:") == ((uint64_t)d[1].effective << 32 | d[0].effective), 1);
	h.pid = getpid();
	struct __user_cap_data_struct byid[2];
	EXPECT_OK("capget by own pid", capget_(&h, byid));
	EXPECT_EQ("the same sets", memcmp(d, byid, sizeof d), 0);
	h.pid = 0;

	/* Drop CAP_NET_RAW from the effective set only. */
	d[0].effective &= ~(1u << CAP_NET_RAW);
	EXPECT_OK("capset without CAP_NET_RAW effective", capset_(&h, d));
	struct __user_cap_data_struct now[2];
	capget_(&h, now);
	EXPECT_EQ("CAP_NET_RAW no longer effective", has(now[0].effective, CAP_NET_RAW), 0);
	EXPECT_EQ("still permitted", has(now[0].permitted, CAP_NET_RAW), 1);
	/* Effective may not exceed permitted. */
	struct __user_cap_data_struct bad[2];
	memcpy(bad, now, sizeof bad);
	bad[0].permitted &= ~(1u << CAP_NET_RAW);
	bad[0].effective |= 1u << CAP_NET_RAW;
	EXPECT_ERR("effective outside permitted", capset_(&h, bad), EPERM);
	/* Permitted only shrinks. */
	now[0].permitted &= ~(1u << CAP_NET_RAW);
	EXPECT_OK("drop CAP_NET_RAW from permitted", capset_(&h, now));
	now[0].permitted |= 1u << CAP_NET_RAW;
	EXPECT_ERR("take it back", capset_(&h, now), EPERM);
	now[0].permitted &= ~(1u << CAP_NET_RAW);
	h.pid = 1;
	if (getpid() != 1)
		EXPECT_ERR("capset of another process", capset_(&h, now), EPERM);
	else
		printf("capset of another process: -1 EPERM\n");
	h.pid = 0;
	struct __user_cap_header_struct v1 = {_LINUX_CAPABILITY_VERSION_1, 0};
	struct __user_cap_data_struct one;
	EXPECT_OK("capget version 1 (one word)", capget_(&v1, &one));
	EXPECT_EQ("the low word", one.effective == now[0].effective, 1);

	/* setuid to a non-root user clears the sets, unless PR_SET_KEEPCAPS keeps the permitted one. */
	for (int keep = 0; keep < 2; keep++) {
		pid_t pid = fork();
		if (pid == 0) {
			prctl(PR_SET_KEEPCAPS, keep);
			if (setresuid(54321, 54321, 54321) != 0)
				_exit(9);
			struct __user_cap_data_struct after[2];
			capget_(&h, after);
			int ok = after[0].effective == 0 && (keep ? has(after[0].permitted, CAP_SETUID) : after[0].permitted == 0);
			_exit(ok ? 0 : 1);
		}
		int status;
		waitpid(pid, &status, 0);
		if (keep)
			EXPECT_TRUE("with KEEPCAPS: effective cleared, permitted kept", WIFEXITED(status) && WEXITSTATUS(status) == 0);
		else
			EXPECT_TRUE("without KEEPCAPS: both cleared", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	/* seteuid away from root and back: effective cleared, then restored from permitted. */
	pid_t pid = fork();
	if (pid == 0) {
		if (seteuid(54321) != 0)
			_exit(9);
		struct __user_cap_data_struct away[2], back[2];
		capget_(&h, away);
		if (seteuid(0) != 0)
			_exit(8);
		capget_(&h, back);
		_exit(away[0].effective == 0 && back[0].effective == back[0].permitted ? 0 : 1);
	}
	int status;
	waitpid(pid, &status, 0);
	EXPECT_TRUE("seteuid drops effective and restores it", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	per_thread();
	return conf_exit();
}
