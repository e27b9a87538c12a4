/* prctl options of the address space, against the host kernel (qemu-user answers them with EINVAL itself):
 * PR_SET_MM (MAP_SIZE, MAP with /proc/self/cmdline and environ following it, the setproctitle rule, argument checks,
 * CAP_SYS_RESOURCE for single fields, EXE_FILE while the old one is mapped), PR_GET_AUXV against /proc/self/auxv,
 * PR_SET/GET_MDWE with mmap and mprotect under it and across fork, PR_SET/GET_MEMORY_MERGE. The auxv's size is the
 * architecture's, so only relations are printed. */
#include "../prctl_caps.h"

#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct mm_map {
	uint64_t start_code, end_code, start_data, end_data, start_brk, brk, start_stack, arg_start, arg_end, env_start, env_end;
	uint64_t auxv;
	uint32_t auxv_size, exe_fd;
};

/* The current boundaries, from /proc/self/stat (fields 26-28 and 45-51). */
static struct mm_map current_map(void)
{
	struct mm_map m = {0};
	slurp("/proc/self/stat");
	char *p = strrchr(buf, ')') + 2;
	unsigned long long f[53] = {0};
	for (int i = 3; i <= 52 && p; i++) {
		f[i] = strtoull(p, NULL, 10);
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	m.start_code = f[26];
	m.end_code = f[27];
	m.start_stack = f[28];
	m.start_data = f[45];
	m.end_data = f[46];
	m.start_brk = f[47];
	m.brk = (uint64_t)(uintptr_t)sbrk(0);
	m.arg_start = f[48];
	m.arg_end = f[49];
	m.env_start = f[50];
	m.env_end = f[51];
	m.exe_fd = (uint32_t)-1;
	return m;
}

static void print_nul_separated(const char *label, long n)
{
	printf("%s:", label);
	for (long i = 0; i < n; i++)
		putchar(buf[i] ? buf[i] : '|');
	putchar('\n');
}

/* Initialized data: a file mapping, which /proc/self/cmdline does not read (FOLL_ANON). */
static char data_area[64] = "in\0data\0";

static void set_mm(void)
{
	unsigned size = 0;
	EXPECT_OK("SET_MM_MAP_SIZE", prctl(PR_SET_MM, PR_SET_MM_MAP_SIZE, &size, 0, 0));
	printf("  size: %u\n", size);
	EXPECT_ERR("SET_MM_MAP_SIZE to a bad pointer", prctl(PR_SET_MM, PR_SET_MM_MAP_SIZE, 8, 0, 0), EFAULT);
	EXPECT_ERR("SET_MM with arg5", prctl(PR_SET_MM, PR_SET_MM_ARG_START, data_area, 0, 1), EINVAL);
	EXPECT_ERR("SET_MM_ARG_START with arg4", prctl(PR_SET_MM, PR_SET_MM_ARG_START, data_area, 1, 0), EINVAL);

	struct mm_map m = current_map();
	EXPECT_TRUE("/proc/self/stat gives a layout", m.start_code != 0 && m.arg_start != 0 && m.env_end > m.env_start);
	EXPECT_ERR("SET_MM_MAP with a wrong size", prctl(PR_SET_MM, PR_SET_MM_MAP, &m, sizeof m - 8, 0), EINVAL);
	EXPECT_ERR("SET_MM_MAP from a bad pointer", prctl(PR_SET_MM, PR_SET_MM_MAP, 8, sizeof m, 0), EFAULT);
	struct mm_map bad = m;
	bad.arg_end = bad.arg_start - 1;
	EXPECT_ERR("SET_MM_MAP with arg_end before arg_start", prctl(PR_SET_MM, PR_SET_MM_MAP, &bad, sizeof bad, 0), EINVAL);
	bad = m;
	bad.start_code = bad.end_code;
	EXPECT_ERR("SET_MM_MAP with empty code", prctl(PR_SET_MM, PR_SET_MM_MAP, &bad, sizeof bad, 0), EINVAL);
	bad = m;
	bad.env_end = 1ULL << 60;
	EXPECT_ERR("SET_MM_MAP beyond TASK_SIZE", prctl(PR_SET_MM, PR_SET_MM_MAP, &bad, sizeof bad, 0), EINVAL);
	bad = m;
	bad.auxv = (uint64_t)(uintptr_t)data_area;
	bad.auxv_size = 4096;
	EXPECT_ERR("SET_MM_MAP with too big an auxv", prctl(PR_SET_MM, PR_SET_MM_MAP, &bad, sizeof bad, 0), EINVAL);
	bad.auxv = 0;
	bad.auxv_size = 16;
	EXPECT_ERR("SET_MM_MAP with auxv_size but no auxv", prctl(PR_SET_MM, PR_SET_MM_MAP, &bad, sizeof bad, 0), EINVAL);
	bad = m;
	bad.exe_fd = open("/proc/self/exe", O_RDONLY);
	EXPECT_ERR("SET_MM_MAP exe_fd while the program is mapped", prctl(PR_SET_MM, PR_SET_MM_MAP, &bad, sizeof bad, 0), EBUSY);
	bad.exe_fd = 999;
	EXPECT_ERR("SET_MM_MAP exe_fd not open", prctl(PR_SET_MM, PR_SET_MM_MAP, &bad, sizeof bad, 0), EBADF);

	/* New argument and environment areas in anonymous memory: /proc/self/cmdline and environ read them. */
	char *area = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memcpy(area, "new\0args\0A=1\0B=2\0", 17);
	struct mm_map moved = m;
	moved.arg_start = (uint64_t)(uintptr_t)area;
	moved.arg_end = moved.arg_start + 9;
	moved.env_start = moved.arg_end;
	moved.env_end = moved.env_start + 8;
	EXPECT_OK("SET_MM_MAP with new arg and env areas", prctl(PR_SET_MM, PR_SET_MM_MAP, &moved, sizeof moved, 0));
	print_nul_separated("  cmdline", slurp("/proc/self/cmdline"));
	print_nul_separated("  environ", slurp("/proc/self/environ"));
	/* setproctitle: once the last byte of the arguments is not NUL, cmdline is one string, which may run into env. */
	area[8] = '+';
	print_nul_separated("  cmdline after overwriting its last NUL", slurp("/proc/self/cmdline"));
	area[8] = 0;
	moved.arg_start = (uint64_t)(uintptr_t)data_area;
	moved.arg_end = moved.arg_start + 8;
	moved.env_start = moved.env_end = moved.arg_end;
	EXPECT_OK("SET_MM_MAP with arguments in initialized data", prctl(PR_SET_MM, PR_SET_MM_MAP, &moved, sizeof moved, 0));
	EXPECT_EQ("  cmdline of a file mapping's bytes", slurp("/proc/self/cmdline"), 0);
	EXPECT_OK("SET_MM_MAP back to the original", prctl(PR_SET_MM, PR_SET_MM_MAP, &m, sizeof m, 0));
	EXPECT_TRUE("  cmdline is the original again", slurp("/proc/self/cmdline") > 0);

	/* Single fields need CAP_SYS_RESOURCE (the oracle's container may not even have it: drop it). */
	struct capsets c = caps_get();
	c.effective &= ~CAP_BIT(24);
	caps_set(c);
	EXPECT_ERR("SET_MM_ARG_START without CAP_SYS_RESOURCE", prctl(PR_SET_MM, PR_SET_MM_ARG_START, data_area, 0, 0), EPERM);
	EXPECT_ERR("SET_MM_AUXV without CAP_SYS_RESOURCE", prctl(PR_SET_MM, PR_SET_MM_AUXV, data_area, 16, 0), EPERM);
	EXPECT_ERR("SET_MM 99 without CAP_SYS_RESOURCE", prctl(PR_SET_MM, 99, data_area, 0, 0), EPERM);
}

static void auxv(void)
{
	unsigned long vec[128];
	memset(vec, 0xff, sizeof vec);
	long size = prctl(PR_GET_AUXV, vec, sizeof vec, 0, 0);
	EXPECT_TRUE("GET_AUXV returns the saved vector's size", size > 0 && size % 16 == 0 && size < (long)sizeof vec);
	long n = slurp("/proc/self/auxv");
	EXPECT_TRUE("GET_AUXV's entries are /proc/self/auxv's", n > 0 && n <= size && memcmp(vec, buf, n) == 0);
	EXPECT_TRUE("the rest of it is zero", vec[n / 8] == 0 && vec[size / 8 - 1] == 0);
	EXPECT_TRUE("past it nothing was written", vec[size / 8] == ~0UL);
	int found = 0;
	for (long i = 0; i < n / 8; i += 2)
		if (vec[i] == AT_PAGESZ)
			found = vec[i + 1] == 4096;
	EXPECT_TRUE("it has AT_PAGESZ 4096", found);
	EXPECT_TRUE("GET_AUXV with length 0", prctl(PR_GET_AUXV, NULL, 0, 0, 0) == size);
	unsigned long two[2];
	EXPECT_TRUE("GET_AUXV into 16 bytes", prctl(PR_GET_AUXV, two, 16, 0, 0) == size && two[0] == vec[0] && two[1] == vec[1]);
	EXPECT_ERR("GET_AUXV to a bad pointer", prctl(PR_GET_AUXV, 8, 16, 0, 0), EFAULT);
	EXPECT_ERR("GET_AUXV with arg4", prctl(PR_GET_AUXV, vec, sizeof vec, 1, 0), EINVAL);
}

static void mdwe(void)
{
	EXPECT_EQ("GET_MDWE", prctl(PR_GET_MDWE, 0, 0, 0, 0), 0);
	EXPECT_ERR("GET_MDWE with an argument", prctl(PR_GET_MDWE, 1, 0, 0, 0), EINVAL);
	EXPECT_ERR("SET_MDWE an unknown bit", prctl(PR_SET_MDWE, 4, 0, 0, 0), EINVAL);
	EXPECT_ERR("SET_MDWE NO_INHERIT alone", prctl(PR_SET_MDWE, PR_MDWE_NO_INHERIT, 0, 0, 0), EINVAL);
	EXPECT_ERR("SET_MDWE with arg3", prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 1, 0, 0), EINVAL);
	EXPECT_OK("SET_MDWE 0 while off", prctl(PR_SET_MDWE, 0, 0, 0, 0));
	char *rw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *rx = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT_OK("SET_MDWE REFUSE_EXEC_GAIN", prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0));
	EXPECT_EQ("GET_MDWE", prctl(PR_GET_MDWE, 0, 0, 0, 0), PR_MDWE_REFUSE_EXEC_GAIN);
	EXPECT_ERR("SET_MDWE 0 (no way back)", prctl(PR_SET_MDWE, 0, 0, 0, 0), EPERM);
	EXPECT_ERR("SET_MDWE adding NO_INHERIT", prctl(PR_SET_MDWE, 3, 0, 0, 0), EPERM);
	EXPECT_OK("SET_MDWE the same again", prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0));
	EXPECT_TRUE("mmap PROT_WRITE|PROT_EXEC", mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED && errno == EACCES);
	EXPECT_TRUE("mmap PROT_EXEC", mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != MAP_FAILED);
	EXPECT_ERR("mprotect writable to executable", mprotect(rw, 4096, PROT_READ | PROT_EXEC), EACCES);
	EXPECT_ERR("mprotect executable to writable and executable", mprotect(rx, 4096, PROT_READ | PROT_WRITE | PROT_EXEC), EACCES);
	EXPECT_OK("mprotect executable to executable", mprotect(rx, 4096, PROT_EXEC));
	EXPECT_OK("mprotect executable to writable", mprotect(rx, 4096, PROT_READ | PROT_WRITE));
	EXPECT_ERR("... and back to executable", mprotect(rx, 4096, PROT_READ | PROT_EXEC), EACCES);
	pid_t child = fork();
	if (child == 0)
		_exit(prctl(PR_GET_MDWE, 0, 0, 0, 0));
	int status;
	waitpid(child, &status, 0);
	EXPECT_EQ("a forked child's GET_MDWE", WEXITSTATUS(status), PR_MDWE_REFUSE_EXEC_GAIN);
}

static void mdwe_no_inherit(void)
{
	EXPECT_OK("SET_MDWE REFUSE_EXEC_GAIN|NO_INHERIT", prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN | PR_MDWE_NO_INHERIT, 0, 0, 0));
	EXPECT_EQ("GET_MDWE", prctl(PR_GET_MDWE, 0, 0, 0, 0), 3);
	pid_t child = fork();
	if (child == 0)
		_exit(prctl(PR_GET_MDWE, 0, 0, 0, 0));
	int status;
	waitpid(child, &status, 0);
	EXPECT_EQ("a forked child's GET_MDWE", WEXITSTATUS(status), 0);
}

static void memory_merge(void)
{
	EXPECT_EQ("GET_MEMORY_MERGE", prctl(PR_GET_MEMORY_MERGE, 0, 0, 0, 0), 0);
	EXPECT_OK("SET_MEMORY_MERGE 1", prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0));
	EXPECT_EQ("GET_MEMORY_MERGE", prctl(PR_GET_MEMORY_MERGE, 0, 0, 0, 0), 1);
	EXPECT_OK("SET_MEMORY_MERGE 0", prctl(PR_SET_MEMORY_MERGE, 0, 0, 0, 0));
	EXPECT_EQ("GET_MEMORY_MERGE", prctl(PR_GET_MEMORY_MERGE, 0, 0, 0, 0), 0);
	EXPECT_ERR("SET_MEMORY_MERGE with arg3", prctl(PR_SET_MEMORY_MERGE, 1, 1, 0, 0), EINVAL);
	EXPECT_ERR("GET_MEMORY_MERGE with an argument", prctl(PR_GET_MEMORY_MERGE, 1, 0, 0, 0), EINVAL);
}

static void in_child(const char *name, void (*body)(void))
{
	int code = run_in_child(body);
	printf("%s child: %d\n", name, code);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	in_child("set_mm", set_mm);
	auxv();
	in_child("mdwe", mdwe);
	in_child("mdwe no inherit", mdwe_no_inherit);
	in_child("memory merge", memory_merge);
	return conf_exit();
}
