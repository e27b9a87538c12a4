/* MAP_SHARED file mappings are the file's pages (mmap(2), msync(2), mremap(2)): stores through a mapping reach read(2)
 * at once, write(2) shows in every mapping, a forked child's stores (through its inherited mapping or its own) reach
 * the parent, a file shrunk under a mapping faults with SIGBUS past its end and an extended one maps again, msync
 * writes back, PROT_WRITE needs a descriptor open for writing (EACCES, for mmap and mprotect), and mremap moves and
 * grows a mapping that stays the file's (old size 0 and MREMAP_DONTUNMAP: kernel-only/mremap_shared, as qemu-user 7.2
 * gets them wrong).
 * The file is made in argv[1] (default /tmp: ext4 under the oracle, tmpfs here); RootFsTests runs this program in a
 * host directory given as a writable root and in the overlay root, with an existing file (argv[2]) to map shared too.
 * Files that exist in both worlds are mapped read
 * only: this program itself (/conformance, a host directory mount here) and /etc/passwd (the overlay's lower layer). */
#define _GNU_SOURCE
#include "conformance.h"
#include "mapping.h"
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/wait.h>

static long page;
static sigjmp_buf jump;
static volatile int fault_sig, fault_code;
static void *volatile fault_addr;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	fault_sig = sig;
	fault_code = si->si_code;
	fault_addr = si->si_addr;
	siglongjmp(jump, 1);
}

/* Touches p (a load, or a store of v): 0 when it worked, else the signal it raised. */
static int touch(volatile char *p, int store, char v)
{
	fault_sig = 0;
	if (sigsetjmp(jump, 1) == 0) {
		if (store) *p = v;
		else (void)*p;
		return 0;
	}
	return fault_sig;
}

static int file_has(int fd, long off, const char *want)
{
	char buf[64] = {0};
	size_t n = strlen(want);
	return pread(fd, buf, n, off) == (ssize_t)n && memcmp(buf, want, n) == 0;
}

/* A file that exists in both worlds, mapped shared from a read-only descriptor: the same bytes as read(2). */
static void map_readonly_file(const char *label, const char *path)
{
	int fd = open(path, O_RDONLY);
	char buf[256];
	ssize_t n = pread(fd, buf, sizeof buf, 0);
	char *m = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	printf("%s:\n", label);
	EXPECT_TRUE("  shared read-only mapping shows the file", m != MAP_FAILED && n > 0 && memcmp(m, buf, n) == 0);
	EXPECT_ERR("  PROT_WRITE shared from O_RDONLY", mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), EACCES);
	EXPECT_ERR("  mprotect adds PROT_WRITE", mprotect(m, page, PROT_READ | PROT_WRITE), EACCES);
	EXPECT_OK("  mprotect PROT_NONE", mprotect(m, page, PROT_NONE));
	EXPECT_OK("  and back to PROT_READ", mprotect(m, page, PROT_READ));
	char *p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	EXPECT_TRUE("  PROT_WRITE private from O_RDONLY", p != MAP_FAILED && memcmp(p, buf, n) == 0);
	if (p != MAP_FAILED) p[0] ^= 1; /* a private copy: the file does not change */
	EXPECT_TRUE("  the file unchanged", m[0] == buf[0] && file_has(fd, 0, (char[]){buf[0], 0}));
	EXPECT_OK("  msync", msync(m, page, MS_SYNC));
	munmap(m, page);
	munmap(p, page);
	close(fd);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	page = sysconf(_SC_PAGESIZE);
	struct sigaction sa = {0};
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);

	char path[256];
	snprintf(path, sizeof path, "%s/sharedfile.%d", argc > 1 ? argv[1] : "/tmp", getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	EXPECT_OK("ftruncate to two pages", ftruncate(fd, 2 * page));
	char *m = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT_TRUE("mmap shared", m != MAP_FAILED);

	memcpy(m, "mapped", 6);
	EXPECT_TRUE("a store through the mapping reaches read(2)", file_has(fd, 0, "mapped"));
	pwrite(fd, "written", 7, page);
	EXPECT_TRUE("write(2) shows in the mapping", memcmp(m + page, "written", 7) == 0);
	int ro = open(path, O_RDONLY);
	char *r = mmap(NULL, 2 * page, PROT_READ, MAP_SHARED, ro, 0);
	EXPECT_TRUE("a read-only shared mapping shows it too", r != MAP_FAILED && memcmp(r, "mapped", 6) == 0);
	m[10] = 'X';
	EXPECT_TRUE("  and sees later stores", r[10] == 'X');
	pwrite(fd, "again", 5, 20);
	EXPECT_TRUE("  and later writes", memcmp(r + 20, "again", 5) == 0);

	pid_t child = fork();
	if (child == 0) {
		memcpy(m + 100, "inherited", 9);
		int cfd = open(path, O_RDWR);
		char *c = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
		memcpy(c + 200, "child", 5);
		_exit(memcmp(c, "mapped", 6) != 0);
	}
	int status;
	waitpid(child, &status, 0);
	EXPECT_TRUE("the child saw the parent's stores", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_TRUE("the child's stores through the inherited mapping", memcmp(m + 100, "inherited", 9) == 0 && file_has(fd, 100, "inherited"));
	EXPECT_TRUE("the child's stores through its own mapping", memcmp(m + 200, "child", 5) == 0 && file_has(fd, 200, "child"));

	EXPECT_OK("msync MS_SYNC", msync(m, 2 * page, MS_SYNC));
	EXPECT_OK("msync MS_ASYNC", msync(m, 2 * page, MS_ASYNC));
	EXPECT_OK("msync MS_INVALIDATE", msync(m, 2 * page, MS_INVALIDATE));
	EXPECT_ERR("msync MS_SYNC|MS_ASYNC", msync(m, page, MS_SYNC | MS_ASYNC), EINVAL);
	EXPECT_ERR("msync unaligned", msync(m + 1, page, MS_SYNC), EINVAL);
	EXPECT_TRUE("  the file has the stores", file_has(fd, 0, "mapped") && file_has(fd, 100, "inherited"));

	/* Shrinking under the mapping: the partial page stays (zeros past the end), whole pages past it fault. */
	EXPECT_OK("ftruncate to 100 bytes", ftruncate(fd, 100));
	EXPECT_TRUE("  the page with the end still maps", touch(m + 50, 0, 0) == 0 && m[0] == 'm');
	EXPECT_TRUE("  zeros past the end in that page", m[100] == 0 && m[page - 1] == 0);
	int sig = touch(m + page, 0, 0);
	EXPECT_TRUE("  a load past it: SIGBUS", sig == SIGBUS);
	EXPECT_TRUE("  BUS_ADRERR at the address", fault_code == BUS_ADRERR && fault_addr == m + page);
	EXPECT_TRUE("  a store past it: SIGBUS", touch(m + page + 8, 1, 'z') == SIGBUS && fault_addr == m + page + 8);
	EXPECT_TRUE("  the read-only mapping too", touch(r + page, 0, 0) == SIGBUS);
	EXPECT_ERR("  read(2) into the page past the end", pread(fd, m + page, 10, 0), EFAULT);
	EXPECT_ERR("  write(2) from it", pwrite(fd, m + page, 10, 0), EFAULT);
	EXPECT_OK("ftruncate back to two pages", ftruncate(fd, 2 * page));
	EXPECT_TRUE("  the page maps again, zero", touch(m + page, 0, 0) == 0 && m[page] == 0 && m[page + 8] == 0);
	EXPECT_OK("ftruncate to one page", ftruncate(fd, page));
	EXPECT_TRUE("  past the end again", touch(m + page, 0, 0) == SIGBUS);
	pwrite(fd, "grown", 5, page);
	EXPECT_TRUE("a write(2) past the end maps the page again", touch(m + page, 0, 0) == 0 && memcmp(m + page, "grown", 5) == 0);
	child = fork();
	if (child == 0) _exit(ftruncate(fd, 100) != 0);
	waitpid(child, &status, 0);
	EXPECT_TRUE("a child's ftruncate: SIGBUS in the parent", touch(m + page, 0, 0) == SIGBUS && fault_addr == m + page);
	pwrite(fd, "grown", 5, page);
	EXPECT_TRUE("  until a write(2) grows it again", touch(m + page, 0, 0) == 0 && memcmp(m + page, "grown", 5) == 0);

	/* mremap: the moved, grown or duplicated mapping is still the file's. */
	char *spot = mmap(NULL, 8 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(spot, 8 * page);
	char *n = mremap(m, 2 * page, 2 * page, MREMAP_MAYMOVE | MREMAP_FIXED, spot);
	EXPECT_TRUE("mremap FIXED moves the mapping", n == spot && memcmp(n, "mapped", 6) == 0);
	EXPECT_TRUE("  the old range unmapped", !conf_is_mapped(m));
	memcpy(n + 300, "moved", 5);
	EXPECT_TRUE("  stores reach the file", file_has(fd, 300, "moved") && memcmp(r + 300, "moved", 5) == 0);
	pwrite(fd, "seen", 4, 400);
	EXPECT_TRUE("  writes show", memcmp(n + 400, "seen", 4) == 0);
	char *g = mremap(n, 2 * page, 4 * page, MREMAP_MAYMOVE);
	EXPECT_TRUE("mremap grows it", g != MAP_FAILED && memcmp(g + 300, "moved", 5) == 0);
	EXPECT_TRUE("  past the end of the file: SIGBUS", touch(g + 2 * page, 0, 0) == SIGBUS);
	ftruncate(fd, 4 * page);
	EXPECT_TRUE("  until the file grows", touch(g + 3 * page, 1, 'q') == 0 && file_has(fd, 3 * page, "q"));
	char *pv = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	pv[0] = 'V';
	char *pv2 = mremap(pv, 3 * page, 4 * page, MREMAP_MAYMOVE);
	EXPECT_TRUE("mremap grows a private file mapping with more of the file", pv2 != MAP_FAILED && pv2[0] == 'V' && pv2[3 * page] == 'q');
	EXPECT_TRUE("  a private copy still", file_has(fd, 0, "m"));
	char *ip = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	munmap(ip + 3 * page, page);
	EXPECT_TRUE("  grown in place", mremap(ip, 3 * page, 4 * page, 0) == ip && ip[3 * page] == 'q');
	char *sh = mremap(g + page, page, page, MREMAP_MAYMOVE | MREMAP_FIXED, spot + 6 * page);
	EXPECT_TRUE("mremap FIXED of a part", sh == spot + 6 * page && touch(sh, 1, 'P') == 0 && file_has(fd, page, "P"));
	EXPECT_TRUE("  the rest stays", !conf_is_mapped(g + page) && g[0] == 'm' && g[2 * page + 1] == 0);

	/* MAP_SHARED of /dev/zero is shared anonymous memory. */
	int z = open("/dev/zero", O_RDWR);
	char *zm = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, z, 0);
	child = fork();
	if (child == 0) {
		zm[0] = 'Z';
		_exit(0);
	}
	waitpid(child, &status, 0);
	EXPECT_TRUE("/dev/zero shared with a child", zm != MAP_FAILED && zm[0] == 'Z');

	map_readonly_file("this program", argv[0]);
	map_readonly_file("/etc/passwd", "/etc/passwd");

	int dir = open("/", O_RDONLY | O_DIRECTORY);
	EXPECT_ERR("MAP_SHARED of a directory", mmap(NULL, page, PROT_READ, MAP_SHARED, dir, 0), ENODEV);
	int pfd[2];
	pipe(pfd);
	EXPECT_ERR("MAP_SHARED of a pipe", mmap(NULL, page, PROT_READ, MAP_SHARED, pfd[0], 0), ENODEV);
	int wo = open(path, O_WRONLY);
	EXPECT_ERR("MAP_SHARED from O_WRONLY", mmap(NULL, page, PROT_WRITE, MAP_SHARED, wo, 0), EACCES);

	if (argc > 2) {
		/* An existing file (RootFsTests: a file of the host tree; under the overlay its lower layer, copied up by the
		 * open for writing, as overlayfs copies up): stores through the mapping reach read(2) of the file. */
		int ex = open(argv[2], O_RDWR);
		int exr = open(argv[2], O_RDONLY);
		char *em = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, ex, 0);
		EXPECT_TRUE("an existing file mapped shared", em != MAP_FAILED && em[0] == 'd');
		memcpy(em, "guest", 5);
		EXPECT_TRUE("  stores reach read(2)", file_has(exr, 0, "guest") && file_has(ex, 0, "guest"));
		EXPECT_OK("  msync", msync(em, page, MS_SYNC));
	}
	unlink(path);
	EXPECT_TRUE("an unlinked file stays mapped", g[0] == 'm' && touch(g + 10, 1, 'u') == 0 && r[10] == 'u');
	return conf_failures != 0;
}
