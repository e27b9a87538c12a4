/* rseq: registration, its errnos, and the cpu fields the kernel keeps. glibc registers each thread at start; the
 * program takes that registration back first and gives it back at the end. Native oracle: qemu-user 7.2 has no rseq. */
#include "../conformance.h"

#include <stdint.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <unistd.h>

static struct rseq area __attribute__((aligned(32)));

/* glibc registers sizeof(struct rseq) (32) bytes; __rseq_size is the size of the features it uses, which may be less. */
#define GLIBC_LEN 32

static long rseq_call(void *p, uint32_t len, int flags, uint32_t sig) { return syscall(SYS_rseq, p, len, flags, sig); }

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct rseq *glibc = (struct rseq *)((char *)__builtin_thread_pointer() + __rseq_offset);
	EXPECT_TRUE("glibc registered this thread", __rseq_size > 0);
	EXPECT_TRUE("  cpu_id is a cpu", (int32_t)glibc->cpu_id >= 0);
	EXPECT_ERR("registering again", rseq_call(glibc, GLIBC_LEN, 0, RSEQ_SIG), EBUSY);
	EXPECT_ERR("  with another signature", rseq_call(glibc, GLIBC_LEN, 0, RSEQ_SIG + 1), EPERM);
	EXPECT_ERR("  another area", rseq_call(&area, 32, 0, RSEQ_SIG), EINVAL);
	EXPECT_ERR("unregistering with another signature", rseq_call(glibc, GLIBC_LEN, RSEQ_FLAG_UNREGISTER, RSEQ_SIG + 1), EPERM);
	EXPECT_ERR("unregistering another area", rseq_call(&area, 32, RSEQ_FLAG_UNREGISTER, RSEQ_SIG), EINVAL);
	EXPECT_EQ("unregistering glibc's", rseq_call(glibc, GLIBC_LEN, RSEQ_FLAG_UNREGISTER, RSEQ_SIG), 0);
	EXPECT_TRUE("  cpu_id says unregistered", (int32_t)glibc->cpu_id == RSEQ_CPU_ID_UNINITIALIZED);
	EXPECT_ERR("unregistering again", rseq_call(glibc, GLIBC_LEN, RSEQ_FLAG_UNREGISTER, RSEQ_SIG), EINVAL);
	EXPECT_ERR("a bad flag", rseq_call(&area, 32, 2, RSEQ_SIG), EINVAL);
	EXPECT_ERR("too short", rseq_call(&area, 16, 0, RSEQ_SIG), EINVAL);
	EXPECT_ERR("misaligned", rseq_call((char *)&area + 8, 32, 0, RSEQ_SIG), EINVAL);
	area.cpu_id = (uint32_t)-1;
	EXPECT_EQ("registering our own", rseq_call(&area, 32, 0, RSEQ_SIG), 0);
	usleep(1000); /* a return to user space after a sleep: the fields are current */
	EXPECT_TRUE("  cpu_id is filled in", (int32_t)area.cpu_id >= 0);
	EXPECT_TRUE("  cpu_id_start agrees", area.cpu_id_start == area.cpu_id);
	EXPECT_EQ("unregistering it", rseq_call(&area, 32, RSEQ_FLAG_UNREGISTER, RSEQ_SIG), 0);
	EXPECT_EQ("giving glibc's back", rseq_call(glibc, GLIBC_LEN, 0, RSEQ_SIG), 0);
	return conf_exit();
}
