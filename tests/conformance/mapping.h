/* Helpers for the programs that move and probe mappings (mremap, mremap_dontunmap). */
#ifndef CONFORMANCE_MAPPING_H
#define CONFORMANCE_MAPPING_H

#include <sys/mman.h>
#include <unistd.h>

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif

/* Whether the page at p is mapped: mincore answers ENOMEM for an unmapped one. */
static inline int conf_is_mapped(void *p)
{
	unsigned char v;
	return mincore(p, sysconf(_SC_PAGESIZE), &v) == 0;
}

#endif
