/* mlock2(MLOCK_ONFAULT) locks without populating, and mlockall refuses unknown flags (mlock(2)). Kernel-only:
 * qemu-user answers the first with EINVAL and drops unknown mlockall bits before the host sees them. */
#include "../conformance.h"

#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	const size_t page = 4096;
	char *m = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT_EQ("mlock2(MLOCK_ONFAULT)", mlock2(m, 4 * page, MLOCK_ONFAULT), 0);
	unsigned char vec[4];
	mincore(m, 4 * page, vec);
	EXPECT_EQ("  nothing was populated", (vec[0] | vec[1] | vec[2] | vec[3]) & 1, 0);
	EXPECT_EQ("munlock", munlock(m, 4 * page), 0);
	EXPECT_ERR("mlockall with an unknown flag", mlockall(8 | MCL_CURRENT), EINVAL);
	return conf_exit();
}
