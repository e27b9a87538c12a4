/* MREMAP_DONTUNMAP (mremap(2)): the pages move to the new place, the old range stays mapped and reads zeros, and it
 * can be used again. Kernel-only: the host kernel the native programs compare with refuses DONTUNMAP (EINVAL). */
#define _GNU_SOURCE
#include "../conformance.h"
#include "../mapping.h"

static long page;

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	page = sysconf(_SC_PAGESIZE);
	char *c = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(c, 'a', page);
	char *d = mremap(c, page, page, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
	EXPECT_TRUE("DONTUNMAP moves", d != MAP_FAILED && d != c && d[0] == 'a');
	EXPECT_TRUE("  the old range still mapped", conf_is_mapped(c));
	EXPECT_TRUE("  and empty", c[0] == 0 && c[page - 1] == 0);
	c[0] = 'z';
	EXPECT_TRUE("  and usable", c[0] == 'z' && d[0] == 'a');
	return conf_failures != 0;
}
