/* memfd_create and file seals (F_ADD_SEALS/F_GET_SEALS): seals enforced on
 * write, truncate, fallocate and mmap, MAP_SHARED mappings sharing pages
 * with the file, and the documented errors. */
#include "conformance.h"

#include <fcntl.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 8U
#define MFD_EXEC 0x10U
#endif
#ifndef F_SEAL_EXEC
#define F_SEAL_EXEC 0x20
#endif

static long size_of(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 ? (long)st.st_size : -1;
}

static void basics(void)
{
	struct stat st;
	int fd = memfd_create("conf", 0);
	EXPECT_TRUE("memfd_create>=0", fd >= 0);
	EXPECT_EQ("fstat", fstat(fd, &st), 0);
	EXPECT_TRUE("S_ISREG", S_ISREG(st.st_mode));
	printf("mode: %o\n", st.st_mode & 07777);
	EXPECT_EQ("size 0", st.st_size, 0);
	EXPECT_EQ("nlink 0", st.st_nlink, 0);
	EXPECT_EQ("F_GETFL access", fcntl(fd, F_GETFL) & O_ACCMODE, O_RDWR);
	EXPECT_EQ("F_GETFD", fcntl(fd, F_GETFD), 0);
	EXPECT_EQ("write", write(fd, "hello memfd", 11), 11);
	EXPECT_EQ("size 11", size_of(fd), 11);
	char buf[16] = { 0 };
	EXPECT_EQ("pread", pread(fd, buf, 5, 6), 5);
	conf_expect_str("pread data", buf, "memfd");
	EXPECT_EQ("ftruncate 8192", ftruncate(fd, 8192), 0);
	EXPECT_EQ("lseek SEEK_END", lseek(fd, 0, SEEK_END), 8192);
	EXPECT_EQ("F_GET_SEALS no sealing", fcntl(fd, F_GET_SEALS), F_SEAL_SEAL);
	EXPECT_ERR("F_ADD_SEALS no sealing", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EPERM);
	close(fd);

	fd = memfd_create("conf-cloexec", MFD_CLOEXEC);
	EXPECT_EQ("MFD_CLOEXEC", fcntl(fd, F_GETFD), FD_CLOEXEC);
	close(fd);
	fd = memfd_create("", 0);
	EXPECT_TRUE("empty name ok", fd >= 0);
	close(fd);

	char name[300];
	memset(name, 'n', sizeof name);
	name[249] = 0;
	fd = memfd_create(name, 0);
	EXPECT_TRUE("249-byte name ok", fd >= 0);
	close(fd);
	name[249] = 'n';
	name[250] = 0;
	EXPECT_ERR("250-byte name", memfd_create(name, 0), EINVAL);
	EXPECT_ERR("bad flags", memfd_create("x", 0x100), EINVAL);
	EXPECT_ERR("EXEC|NOEXEC_SEAL", memfd_create("x", MFD_EXEC | MFD_NOEXEC_SEAL), EINVAL);
	EXPECT_ERR("NULL name", memfd_create(NULL, 0), EFAULT);
	EXPECT_ERR("bad name pointer", memfd_create((const char *)8, 0), EFAULT);
}

static void seals(void)
{
	int fd = memfd_create("sealed", MFD_ALLOW_SEALING);
	EXPECT_EQ("F_GET_SEALS initial", fcntl(fd, F_GET_SEALS), 0);
	EXPECT_EQ("write 10", write(fd, "0123456789", 10), 10);

	EXPECT_EQ("add SHRINK", fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	EXPECT_ERR("shrink", ftruncate(fd, 5), EPERM);
	EXPECT_EQ("same size", ftruncate(fd, 10), 0);
	EXPECT_EQ("grow", ftruncate(fd, 5000), 0);

	EXPECT_EQ("add GROW", fcntl(fd, F_ADD_SEALS, F_SEAL_GROW), 0);
	EXPECT_EQ("seals SHRINK|GROW", fcntl(fd, F_GET_SEALS), F_SEAL_SHRINK | F_SEAL_GROW);
	EXPECT_ERR("grow sealed", ftruncate(fd, 6000), EPERM);
	EXPECT_EQ("write inside", pwrite(fd, "ab", 2, 4990), 2);
	EXPECT_ERR("write past end", pwrite(fd, "ab", 2, 4999), EPERM);
	EXPECT_ERR("write at end", pwrite(fd, "a", 1, 5000), EPERM);
	char big[8000];
	memset(big, 'b', sizeof big);
	EXPECT_EQ("write crossing end: first page only", pwrite(fd, big, sizeof big, 0), 4096);
	EXPECT_EQ("size kept", size_of(fd), 5000);
	EXPECT_EQ("fallocate inside", fallocate(fd, 0, 0, 4096), 0);
	EXPECT_ERR("fallocate beyond", fallocate(fd, 0, 4096, 4096), EPERM);
	EXPECT_ERR("fallocate KEEP_SIZE beyond", fallocate(fd, FALLOC_FL_KEEP_SIZE, 4096, 4096), EPERM);
	EXPECT_EQ("punch", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096), 0);

	EXPECT_EQ("add WRITE", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), 0);
	EXPECT_ERR("write sealed", write(fd, "x", 1), EPERM);
	EXPECT_ERR("pwrite sealed", pwrite(fd, "x", 1, 0), EPERM);
	EXPECT_ERR("punch sealed", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 10), EPERM);
	EXPECT_EQ("ftruncate same size", ftruncate(fd, 5000), 0);
	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT_TRUE("mmap shared writable refused", m == MAP_FAILED && errno == EPERM);
	m = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	EXPECT_TRUE("mmap shared read-only ok", m != MAP_FAILED);
	if (m != MAP_FAILED)
		munmap(m, 4096);
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	EXPECT_TRUE("mmap private writable ok", m != MAP_FAILED);
	if (m != MAP_FAILED)
		munmap(m, 4096);

	EXPECT_EQ("add SEAL", fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL), 0);
	EXPECT_EQ("seals all four", fcntl(fd, F_GET_SEALS), F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE);
	EXPECT_ERR("add after SEAL", fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE), EPERM);
	EXPECT_ERR("add nothing after SEAL", fcntl(fd, F_ADD_SEALS, 0), EPERM);
	close(fd);

	fd = memfd_create("future", MFD_ALLOW_SEALING);
	EXPECT_EQ("write", write(fd, "abc", 3), 3);
	EXPECT_EQ("add FUTURE_WRITE", fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE), 0);
	EXPECT_ERR("write after FUTURE_WRITE", write(fd, "x", 1), EPERM);
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT_TRUE("mmap shared writable refused (future)", m == MAP_FAILED && errno == EPERM);
	EXPECT_EQ("truncate allowed", ftruncate(fd, 100), 0);
	EXPECT_ERR("bad seal bits", fcntl(fd, F_ADD_SEALS, 0x40), EINVAL);
	EXPECT_EQ("add no seals", fcntl(fd, F_ADD_SEALS, 0), 0);
	close(fd);

	/* A writable shared mapping blocks F_SEAL_WRITE until it is gone. */
	fd = memfd_create("busy", MFD_ALLOW_SEALING);
	EXPECT_EQ("ftruncate", ftruncate(fd, 4096), 0);
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT_TRUE("mmap shared writable", m != MAP_FAILED);
	EXPECT_ERR("add WRITE while mapped", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EBUSY);
	EXPECT_EQ("add GROW while mapped", fcntl(fd, F_ADD_SEALS, F_SEAL_GROW), 0);
	EXPECT_EQ("munmap", munmap(m, 4096), 0);
	EXPECT_EQ("add WRITE after munmap", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), 0);
	close(fd);

	/* F_SEAL_EXEC on an executable memfd implies the write seals; MFD_NOEXEC_SEAL clears x bits. */
	fd = memfd_create("exec", MFD_ALLOW_SEALING);
	EXPECT_EQ("add EXEC", fcntl(fd, F_ADD_SEALS, F_SEAL_EXEC), 0);
	EXPECT_EQ("EXEC implies write seals", fcntl(fd, F_GET_SEALS),
		  F_SEAL_EXEC | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE);
	close(fd);
	fd = memfd_create("noexec", MFD_NOEXEC_SEAL);
	struct stat st;
	fstat(fd, &st);
	printf("NOEXEC_SEAL mode: %o\n", st.st_mode & 07777);
	EXPECT_EQ("NOEXEC_SEAL seals", fcntl(fd, F_GET_SEALS), F_SEAL_EXEC);
	EXPECT_EQ("write still allowed", write(fd, "x", 1), 1);
	EXPECT_EQ("NOEXEC_SEAL allows sealing", fcntl(fd, F_ADD_SEALS, F_SEAL_GROW), 0);
	EXPECT_ERR("now growing is sealed", write(fd, "x", 1), EPERM);
	close(fd);
	fd = memfd_create("exec2", MFD_EXEC | MFD_ALLOW_SEALING);
	fstat(fd, &st);
	printf("MFD_EXEC mode: %o\n", st.st_mode & 07777);
	close(fd);
}

static void other_files(void)
{
	int p[2];
	pipe(p);
	EXPECT_ERR("F_GET_SEALS pipe", fcntl(p[0], F_GET_SEALS), EINVAL);
	EXPECT_ERR("F_ADD_SEALS pipe write end", fcntl(p[1], F_ADD_SEALS, F_SEAL_WRITE), EINVAL);
	EXPECT_ERR("F_ADD_SEALS pipe read end", fcntl(p[0], F_ADD_SEALS, F_SEAL_WRITE), EPERM);
	close(p[0]);
	close(p[1]);
	int null = open("/dev/null", O_RDWR);
	EXPECT_ERR("F_GET_SEALS /dev/null", fcntl(null, F_GET_SEALS), EINVAL);
	close(null);
	/* tmpfs files carry seals too, with sealing itself sealed. */
	int fd = open("/dev/shm/conf-memfd", O_RDWR | O_CREAT | O_TRUNC, 0600);
	EXPECT_EQ("F_GET_SEALS tmpfs file", fcntl(fd, F_GET_SEALS), F_SEAL_SEAL);
	EXPECT_ERR("F_ADD_SEALS tmpfs file", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), EPERM);
	close(fd);
	unlink("/dev/shm/conf-memfd");
	EXPECT_ERR("F_GET_SEALS bad fd", fcntl(99, F_GET_SEALS), EBADF);
}

static void shared_mappings(void)
{
	int fd = memfd_create("shared", 0);
	EXPECT_EQ("ftruncate 8192", ftruncate(fd, 8192), 0);
	char *a = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *b = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);
	EXPECT_TRUE("two shared mappings", a != MAP_FAILED && b != MAP_FAILED);
	memcpy(a, "via-map", 7);
	char buf[8] = { 0 };
	EXPECT_EQ("pread sees mapping write", pread(fd, buf, 7, 0), 7);
	EXPECT_TRUE("data", memcmp(buf, "via-map", 7) == 0);
	EXPECT_EQ("pwrite", pwrite(fd, "via-write", 9, 4096), 9);
	EXPECT_TRUE("mapping sees pwrite", memcmp(a + 4096, "via-write", 9) == 0);
	EXPECT_TRUE("other mapping sees it", memcmp(b, "via-write", 9) == 0);
	b[100] = 'Q';
	EXPECT_TRUE("first mapping sees second's store", a[4196] == 'Q');
	char *priv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	EXPECT_TRUE("private copy has data", priv != MAP_FAILED && memcmp(priv, "via-map", 7) == 0);
	priv[0] = 'P';
	EXPECT_TRUE("private store stays private", a[0] == 'v');
	munmap(priv, 4096);
	munmap(b, 4096);
	munmap(a, 8192);
	char *c = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	EXPECT_TRUE("data outlives the mappings", c != MAP_FAILED && memcmp(c, "via-map", 7) == 0);
	munmap(c, 4096);
	/* The range a shared mapping left holds fresh zero pages again. */
	char *anon = mmap(c, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	EXPECT_TRUE("anonymous memory where a shared mapping was", anon == c && anon[0] == 0 && anon[4095] == 0);
	munmap(anon, 4096);

	/* mremap keeps a shared mapping shared, moved or grown. */
	char *g = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *g2 = mremap(g, 4096, 8192, MREMAP_MAYMOVE);
	EXPECT_TRUE("mremap grown mapping shows the file", g2 != MAP_FAILED && memcmp(g2, "via-map", 7) == 0 && memcmp(g2 + 4096, "via-write", 9) == 0);
	g2[4097] = 'R';
	EXPECT_EQ("pread sees store through remapped page", pread(fd, buf, 1, 4097), 1);
	EXPECT_TRUE("stored byte", buf[0] == 'R');
	munmap(g2, 8192);

	/* Truncation drops what lay past the new end, also for mappings. */
	char *t = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	t[100] = 'T';
	EXPECT_EQ("ftruncate 50", ftruncate(fd, 50), 0);
	EXPECT_EQ("ftruncate 8192 again", ftruncate(fd, 8192), 0);
	EXPECT_TRUE("mapping sees zeros past the old end", t[100] == 0 && t[0] == 'v');
	EXPECT_EQ("pread past the old end", pread(fd, buf, 1, 100), 1);
	EXPECT_TRUE("zero", buf[0] == 0);
	munmap(t, 8192);
	close(fd);

	/* A shared mapping stays shared with a forked child; a private one does not. */
	fd = memfd_create("fork", 0);
	EXPECT_EQ("ftruncate", ftruncate(fd, 4096), 0);
	char *f = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *fp = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	fp[0] = 'p'; /* the parent's own copy of that page from now on */
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		f[0] = 'C';
		fp[0] = 'P';
		_exit(0);
	}
	waitpid(child, NULL, 0);
	EXPECT_TRUE("parent sees the child's store to the shared mapping", f[0] == 'C');
	EXPECT_TRUE("but not to its private one", fp[0] == 'p');
	munmap(f, 4096);
	munmap(fp, 4096);
	close(fd);

	/* A named tmpfs file shares its pages the same way. */
	fd = open("/dev/shm/conf-memfd-map", O_RDWR | O_CREAT | O_TRUNC, 0600);
	EXPECT_EQ("write named", write(fd, "named", 5), 5);
	char *n = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	EXPECT_TRUE("named mapping has data", n != MAP_FAILED && memcmp(n, "named", 5) == 0);
	n[0] = 'N';
	EXPECT_EQ("pread named", pread(fd, buf, 5, 0), 5);
	EXPECT_TRUE("named store seen", memcmp(buf, "Named", 5) == 0);
	EXPECT_EQ("pwrite named", pwrite(fd, "X", 1, 1), 1);
	EXPECT_TRUE("named mapping sees pwrite", n[1] == 'X');
	EXPECT_EQ("size unchanged by stores", size_of(fd), 5);
	munmap(n, 4096);
	close(fd);
	unlink("/dev/shm/conf-memfd-map");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	basics();
	seals();
	other_files();
	shared_mappings();
	return conf_exit();
}
