/* prctl options qemu-user cannot pass to Linux (it answers EINVAL itself):
 * expected values from prctl(2). Run under our kernel only. */
#include "../conformance.h"

#include <sys/prctl.h>

int main(void)
{
	int sub = -1;
	EXPECT_EQ("GET_CHILD_SUBREAPER initially", prctl(PR_GET_CHILD_SUBREAPER, &sub), 0);
	EXPECT_EQ("not a subreaper", sub, 0);
	EXPECT_OK("SET_CHILD_SUBREAPER", prctl(PR_SET_CHILD_SUBREAPER, 1));
	EXPECT_OK("GET_CHILD_SUBREAPER", prctl(PR_GET_CHILD_SUBREAPER, &sub));
	EXPECT_EQ("subreaper", sub, 1);
	EXPECT_ERR("GET_CHILD_SUBREAPER bad pointer", prctl(PR_GET_CHILD_SUBREAPER, (void *)8), EFAULT);
	EXPECT_EQ("GET_SECCOMP without a filter", prctl(PR_GET_SECCOMP), 0);
	return conf_exit();
}
