/* mremap: shrinking, growing in place or by moving, MREMAP_FIXED (to an exact address, replacing what is there) and
 * the errnos of MREMAP_DONTUNMAP. Native oracle: qemu-user 7.2 checks a zero length itself. A DONTUNMAP move is
 * checked in kernel-only/mremap_dontunmap (this host's kernel refuses it). */
#define _GNU_SOURCE
#include "../conformance.h"
#include "../mapping.h"

static long page;

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	page = sysconf(_SC_PAGESIZE);
	char *a = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(a, 'a', 2 * page);
	/* A free place for the fixed target: map four pages, then unmap them. */
	char *spot = mmap(NULL, 4 * page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(spot, 4 * page);

	EXPECT_ERR("FIXED without MAYMOVE", (long)mremap(a, 2 * page, 2 * page, MREMAP_FIXED, spot), EINVAL);
	EXPECT_ERR("DONTUNMAP without MAYMOVE", (long)mremap(a, 2 * page, 2 * page, MREMAP_DONTUNMAP), EINVAL);
	EXPECT_ERR("DONTUNMAP that resizes", (long)mremap(a, 2 * page, 3 * page, MREMAP_MAYMOVE | MREMAP_DONTUNMAP), EINVAL);
	EXPECT_ERR("an unknown flag", (long)mremap(a, 2 * page, 2 * page, 8), EINVAL);
	EXPECT_ERR("FIXED onto itself", (long)mremap(a, 2 * page, 2 * page, MREMAP_MAYMOVE | MREMAP_FIXED, a + page), EINVAL);
	EXPECT_ERR("FIXED unaligned", (long)mremap(a, 2 * page, 2 * page, MREMAP_MAYMOVE | MREMAP_FIXED, spot + 1), EINVAL);
	EXPECT_ERR("unaligned old address", (long)mremap(a + 1, page, page, MREMAP_MAYMOVE), EINVAL);
	EXPECT_ERR("new length 0", (long)mremap(a, page, 0, MREMAP_MAYMOVE), EINVAL);
	EXPECT_ERR("nothing mapped there", (long)mremap(spot, page, page, MREMAP_MAYMOVE | MREMAP_FIXED, spot + 2 * page), EFAULT);

	char *b = mremap(a, 2 * page, 3 * page, MREMAP_MAYMOVE | MREMAP_FIXED, spot);
	EXPECT_TRUE("FIXED moves to the address", b == spot);
	EXPECT_TRUE("  with the contents", b[0] == 'a' && b[2 * page - 1] == 'a');
	EXPECT_TRUE("  grown, the new page zero", b[3 * page - 1] == 0);
	EXPECT_TRUE("  the old range unmapped", !conf_is_mapped(a));

	char *c = mremap(b, 3 * page, page, MREMAP_MAYMOVE | MREMAP_FIXED, a);
	EXPECT_TRUE("FIXED and shrinking", c == a && c[0] == 'a');
	EXPECT_TRUE("  the old range unmapped", !conf_is_mapped(b) && !conf_is_mapped(b + 2 * page));

	return conf_failures != 0;
}
