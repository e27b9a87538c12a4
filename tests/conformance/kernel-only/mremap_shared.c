/* mremap(2) of shared mappings: MREMAP_DONTUNMAP (Linux 5.13+ takes any private or shared mapping; the old range stays
 * mapped: shared, it keeps showing the same file; private, its pages moved: anonymous memory reads zeros, a file's
 * mapping the file again), an old size of 0 (a second mapping of the same shared pages), and
 * RLIMIT_AS on growth (ENOMEM). Kernel-only: qemu-user 7.2 unmaps DONTUNMAP's old range and refuses the duplicate,
 * and the host kernel the native programs compare with refuses DONTUNMAP. */
#define _GNU_SOURCE
#include "../conformance.h"
#include "../mapping.h"
#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>

static long page;

static int file_has(int fd, long off, char want)
{
	char c = 0;
	return pread(fd, &c, 1, off) == 1 && c == want;
}

/* VmSize of /proc/self/status, in bytes. */
static long vm_size(void)
{
	char buf[4096];
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	char *p = strstr(buf, "VmSize:");
	return p ? atol(p + 7) * 1024 : 0;
}

int main(int argc, char **argv)
{
	(void)argc;
	setvbuf(stdout, NULL, _IONBF, 0);
	page = sysconf(_SC_PAGESIZE);
	char *spot = mmap(NULL, 16 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(spot, 16 * page);

	/* A shared file mapping: both ranges are the file's pages afterwards. */
	char path[64];
	snprintf(path, sizeof path, "/tmp/mremap_shared.%d", getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ftruncate(fd, 2 * page);
	char *m = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	m[0] = 'f';
	char *d = mremap(m, 2 * page, 2 * page, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
	EXPECT_TRUE("DONTUNMAP of a shared file mapping moves it", d != MAP_FAILED && d != m && d[0] == 'f');
	EXPECT_TRUE("  the old range still maps the file", conf_is_mapped(m) && m[0] == 'f');
	m[page] = 'o';
	EXPECT_TRUE("  stores through the old range", d[page] == 'o' && file_has(fd, page, 'o'));
	d[1] = 'n';
	EXPECT_TRUE("  stores through the new one", m[1] == 'n' && file_has(fd, 1, 'n'));
	char *fx = mremap(d, page, page, MREMAP_MAYMOVE | MREMAP_DONTUNMAP | MREMAP_FIXED, spot);
	EXPECT_TRUE("DONTUNMAP with FIXED", fx == spot && fx[1] == 'n' && d[1] == 'n');
	fx[2] = 'x';
	EXPECT_TRUE("  the same pages", m[2] == 'x' && d[2] == 'x');

	/* Shared anonymous memory stays shared with the old range and with a child. */
	char *s = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	s[0] = 's';
	char *s2 = mremap(s, page, page, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
	EXPECT_TRUE("DONTUNMAP of shared anonymous memory", s2 != MAP_FAILED && s2 != s && s2[0] == 's' && s[0] == 's');
	s[0] = 't';
	EXPECT_TRUE("  one object", s2[0] == 't');
	pid_t child = fork();
	if (child == 0) {
		s2[1] = 'c';
		_exit(0);
	}
	int status;
	waitpid(child, &status, 0);
	EXPECT_TRUE("  a child's store shows in both", s[1] == 'c' && s2[1] == 'c');

	/* A private mapping with FIXED: the pages move, the old range is emptied. */
	char *p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p[0] = 'p';
	char *p2 = mremap(p, page, page, MREMAP_MAYMOVE | MREMAP_DONTUNMAP | MREMAP_FIXED, spot + 4 * page);
	EXPECT_TRUE("DONTUNMAP|FIXED of a private mapping", p2 == spot + 4 * page && p2[0] == 'p' && conf_is_mapped(p) && p[0] == 0);

	/* A private file mapping: the old range shows the file again, not the changes that moved. */
	char *pf = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	pf[0] = 'P';
	char *pf2 = mremap(pf, 2 * page, 2 * page, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
	EXPECT_TRUE("DONTUNMAP of a private file mapping", pf2 != MAP_FAILED && pf2[0] == 'P' && pf2[1] == 'n');
	EXPECT_TRUE("  the old range reads the file again", pf[0] == 'f' && pf[1] == 'n' && pf[page] == 'o');

	/* A read-only shared mapping of a file of a host directory (this program, under /conformance). */
	int self = open(argv[0], O_RDONLY);
	char *e = mmap(NULL, page, PROT_READ, MAP_SHARED, self, 0);
	char *e2 = mremap(e, page, page, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
	EXPECT_TRUE("DONTUNMAP of a host file mapping", e2 != MAP_FAILED && memcmp(e2, "\177ELF", 4) == 0 && memcmp(e, "\177ELF", 4) == 0);
	EXPECT_ERR("  still no PROT_WRITE", mprotect(e2, page, PROT_READ | PROT_WRITE), EACCES);
	char *ep = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, self, 0);
	ep[0] = 'X';
	char *ep2 = mremap(ep, page, page, MREMAP_MAYMOVE | MREMAP_DONTUNMAP);
	EXPECT_TRUE("DONTUNMAP of a private host file mapping", ep2 != MAP_FAILED && ep2[0] == 'X' && memcmp(ep, "\177ELF", 4) == 0);

	/* An old size of 0: another mapping of the same shared pages, the first one stays. */
	char *dup = mremap(m, 0, page, MREMAP_MAYMOVE);
	EXPECT_TRUE("old size 0 duplicates a shared mapping", dup != MAP_FAILED && dup != m && dup[0] == 'f' && m[0] == 'f');
	dup[3] = 'd';
	EXPECT_TRUE("  the same pages", m[3] == 'd' && file_has(fd, 3, 'd'));
	char *dupf = mremap(s, 0, page, MREMAP_MAYMOVE | MREMAP_FIXED, spot + 8 * page);
	EXPECT_TRUE("  with FIXED", dupf == spot + 8 * page && dupf[0] == 't');
	EXPECT_ERR("  of a private mapping", mremap(p2, 0, page, MREMAP_MAYMOVE), EINVAL);
	EXPECT_ERR("  without MAYMOVE", mremap(m, 0, page, 0), ENOMEM);

	/* RLIMIT_AS: growth past the limit is ENOMEM and leaves the mapping as it was. */
	struct rlimit old;
	getrlimit(RLIMIT_AS, &old);
	char *a = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	a[0] = 'a';
	struct rlimit lim = {vm_size() + 64 * page, old.rlim_max};
	EXPECT_OK("setrlimit RLIMIT_AS", setrlimit(RLIMIT_AS, &lim));
	EXPECT_ERR("growing past RLIMIT_AS", mremap(a, 2 * page, 1024 * page, MREMAP_MAYMOVE), ENOMEM);
	EXPECT_TRUE("  the mapping unchanged", a[0] == 'a' && a[page + 1] == 0);
	char *big = mmap(NULL, 48 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT_TRUE("  a mapping within it", big != MAP_FAILED);
	EXPECT_ERR("DONTUNMAP past RLIMIT_AS", mremap(big, 48 * page, 48 * page, MREMAP_MAYMOVE | MREMAP_DONTUNMAP), ENOMEM);
	char *a2 = mremap(a, 2 * page, 4 * page, MREMAP_MAYMOVE);
	EXPECT_TRUE("growing within it", a2 != MAP_FAILED && a2[0] == 'a');
	EXPECT_OK("restore RLIMIT_AS", setrlimit(RLIMIT_AS, &old));

	unlink(path);
	return conf_failures != 0;
}
