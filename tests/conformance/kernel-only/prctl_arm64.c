/* prctl options the oracles cannot show (qemu-user answers them itself, and the host is x86_64 without Yama or
 * CONFIG_ANON_VMA_NAME, nor CAP_SYS_RESOURCE): arm64's own options for a CPU without SVE, SME, pointer authentication
 * or MTE that store bypass does not affect (arch/arm64), the tagged address ABI of syscalls, PR_SET_VMA names in
 * /proc/self/maps, Yama's PR_SET_PTRACER, IO_FLUSHER and PR_SET_MM's single fields with CAP_SYS_RESOURCE, perf events.
 * Expected values from prctl(2) and the kernel sources. Run under our kernel only. */
#include "../prctl_caps.h"

#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define TAG(p) ((void *)((uintptr_t)(p) | (0x5aUL << 56)))

static void absent_hardware(void)
{
	EXPECT_ERR("SVE_GET_VL", prctl(51, 0, 0, 0, 0), EINVAL);
	EXPECT_ERR("SVE_SET_VL", prctl(50, 16, 0, 0, 0), EINVAL);
	EXPECT_ERR("SME_GET_VL", prctl(64, 0, 0, 0, 0), EINVAL);
	EXPECT_ERR("SME_SET_VL", prctl(63, 16, 0, 0, 0), EINVAL);
	EXPECT_ERR("PAC_RESET_KEYS", prctl(54, 0, 0, 0, 0), EINVAL);
	EXPECT_ERR("PAC_SET_ENABLED_KEYS", prctl(60, 1, 1, 0, 0), EINVAL);
	EXPECT_ERR("PAC_GET_ENABLED_KEYS", prctl(61, 0, 0, 0, 0), EINVAL);
	EXPECT_ERR("SET_SYSCALL_USER_DISPATCH", prctl(59, 0, 0, 0, 0), EINVAL);
	EXPECT_OK("TASK_PERF_EVENTS_DISABLE", prctl(PR_TASK_PERF_EVENTS_DISABLE, 0, 0, 0, 0));
	EXPECT_OK("TASK_PERF_EVENTS_ENABLE", prctl(PR_TASK_PERF_EVENTS_ENABLE, 0, 0, 0, 0));
}

static void speculation(void)
{
	EXPECT_EQ("GET_SPECULATION_CTRL STORE_BYPASS (not affected)", prctl(PR_GET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, 0, 0, 0), PR_SPEC_NOT_AFFECTED);
	EXPECT_ERR("GET_SPECULATION_CTRL INDIRECT_BRANCH", prctl(PR_GET_SPECULATION_CTRL, PR_SPEC_INDIRECT_BRANCH, 0, 0, 0), ENODEV);
	EXPECT_ERR("GET_SPECULATION_CTRL with arg3", prctl(PR_GET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, 1, 0, 0), EINVAL);
	EXPECT_OK("SET_SPECULATION_CTRL ENABLE", prctl(PR_SET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, PR_SPEC_ENABLE, 0, 0));
	EXPECT_OK("SET_SPECULATION_CTRL DISABLE", prctl(PR_SET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, PR_SPEC_DISABLE, 0, 0));
	EXPECT_ERR("SET_SPECULATION_CTRL an unknown control", prctl(PR_SET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, 3, 0, 0), ERANGE);
	EXPECT_ERR("SET_SPECULATION_CTRL INDIRECT_BRANCH", prctl(PR_SET_SPECULATION_CTRL, PR_SPEC_INDIRECT_BRANCH, PR_SPEC_ENABLE, 0, 0), ENODEV);
	EXPECT_ERR("SET_SPECULATION_CTRL with arg4", prctl(PR_SET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, PR_SPEC_ENABLE, 1, 0), EINVAL);
	EXPECT_OK("SET_SPECULATION_CTRL FORCE_DISABLE", prctl(PR_SET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, PR_SPEC_FORCE_DISABLE, 0, 0));
	EXPECT_ERR("ENABLE after FORCE_DISABLE", prctl(PR_SET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, PR_SPEC_ENABLE, 0, 0), EPERM);
	EXPECT_ERR("DISABLE_NOEXEC after FORCE_DISABLE", prctl(PR_SET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, PR_SPEC_DISABLE_NOEXEC, 0, 0), EPERM);
	EXPECT_OK("DISABLE after FORCE_DISABLE", prctl(PR_SET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, PR_SPEC_DISABLE, 0, 0));
	EXPECT_EQ("GET_SPECULATION_CTRL still not affected", prctl(PR_GET_SPECULATION_CTRL, PR_SPEC_STORE_BYPASS, 0, 0, 0), PR_SPEC_NOT_AFFECTED);
}

static int tagged_state_after_exec(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		execl("/proc/self/exe", "prctl_arm64", "tagged", (char *)NULL);
		_exit(99);
	}
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void tagged_addresses(void)
{
	static struct utsname names;
	EXPECT_EQ("GET_TAGGED_ADDR_CTRL", prctl(PR_GET_TAGGED_ADDR_CTRL, 0, 0, 0, 0), 0);
	EXPECT_ERR("GET_TAGGED_ADDR_CTRL with an argument", prctl(PR_GET_TAGGED_ADDR_CTRL, 1, 0, 0, 0), EINVAL);
	EXPECT_ERR("SET_TAGGED_ADDR_CTRL an MTE mode without MTE", prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE | 2, 0, 0, 0), EINVAL);
	EXPECT_ERR("SET_TAGGED_ADDR_CTRL with arg3", prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE, 1, 0, 0), EINVAL);
	EXPECT_ERR("uname into a tagged pointer, ABI off", syscall(SYS_uname, TAG(&names)), EFAULT);
	EXPECT_OK("SET_TAGGED_ADDR_CTRL ENABLE", prctl(PR_SET_TAGGED_ADDR_CTRL, PR_TAGGED_ADDR_ENABLE, 0, 0, 0));
	EXPECT_EQ("GET_TAGGED_ADDR_CTRL", prctl(PR_GET_TAGGED_ADDR_CTRL, 0, 0, 0, 0), PR_TAGGED_ADDR_ENABLE);
	EXPECT_OK("uname into a tagged pointer, ABI on", syscall(SYS_uname, TAG(&names)));
	conf_expect_str("  it wrote the untagged buffer", names.sysname, "Linux");
	char data[8] = "abcdefg";
	int zero = open("/dev/zero", O_RDONLY);
	EXPECT_EQ("read from /dev/zero into a tagged pointer", read(zero, TAG(data), 4), 4);
	EXPECT_EQ("  it zeroed the untagged buffer", data[0] == 0 && data[3] == 0 && data[4] == 'e', 1);
	close(zero);
	pid_t pid = fork();
	if (pid == 0)
		_exit(prctl(PR_GET_TAGGED_ADDR_CTRL, 0, 0, 0, 0) + 2 * (syscall(SYS_uname, TAG(&names)) == 0));
	int status;
	waitpid(pid, &status, 0);
	EXPECT_EQ("a forked child's GET_TAGGED_ADDR_CTRL, and its uname into a tagged pointer", WEXITSTATUS(status), 3);
	EXPECT_EQ("GET_TAGGED_ADDR_CTRL after an exec", tagged_state_after_exec(), 0);
	EXPECT_OK("SET_TAGGED_ADDR_CTRL 0", prctl(PR_SET_TAGGED_ADDR_CTRL, 0, 0, 0, 0));
	EXPECT_ERR("uname into a tagged pointer, ABI off again", syscall(SYS_uname, TAG(&names)), EFAULT);
}

/* The /proc/self/maps line of the area holding address a (its name column), or "". */
static const char *maps_name(void *a)
{
	static char name[256];
	slurp("/proc/self/maps");
	name[0] = 0;
	for (char *line = buf; *line;) {
		char *end = strchrnul(line, '\n');
		unsigned long lo, hi;
		int at = 0;
		/* The name is what follows the fifth field (inode), after the padding. */
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s%n", &lo, &hi, &at) == 2 && lo <= (uintptr_t)a && (uintptr_t)a < hi) {
			char *n = line + at;
			while (n < end && *n == ' ')
				n++;
			snprintf(name, sizeof name, "%.*s", (int)(end - n), n);
			break;
		}
		line = *end ? end + 1 : end;
	}
	return name;
}

static void vma_names(void)
{
	char *area = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT_OK("SET_VMA_ANON_NAME", prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, area, 4 * 4096, "my buffer"));
	conf_expect_str("  maps", maps_name(area), "[anon:my buffer]");
	EXPECT_OK("naming the second page only", prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, area + 4096, 4096, "page two"));
	conf_expect_str("  first page", maps_name(area), "[anon:my buffer]");
	conf_expect_str("  second page", maps_name(area + 4096), "[anon:page two]");
	conf_expect_str("  third page", maps_name(area + 8192), "[anon:my buffer]");
	EXPECT_OK("clearing the name (NULL)", prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, area, 4 * 4096, NULL));
	conf_expect_str("  maps", maps_name(area + 4096), "");
	EXPECT_OK("a length rounded up to pages", prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, area, 1, "one"));
	conf_expect_str("  second page unnamed", maps_name(area + 4096), "");
	EXPECT_OK("length 0", prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, area, 0, "none"));
	char longest[80], too_long[81];
	memset(longest, 'x', 79);
	longest[79] = 0;
	memset(too_long, 'x', 80);
	too_long[80] = 0;
	EXPECT_OK("a name of 79 characters", prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, area, 4096, longest));
	EXPECT_ERR("a name of 80 characters", prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, area, 4096, too_long), EINVAL);
	EXPECT_ERR("a name with '['", prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, area, 4096, "a[b"), EINVAL);
	EXPECT_ERR("a name with a newline", prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, area, 4096, "a\nb"), EINVAL);
	EXPECT_ERR("a name at a bad pointer", prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, area, 4096, (char *)8), EFAULT);
	EXPECT_ERR("an unaligned start", prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, area + 1, 4096, "x"), EINVAL);
	EXPECT_ERR("an unknown PR_SET_VMA option", prctl(PR_SET_VMA, 1, area, 4096, "x"), EINVAL);
	munmap(area + 8192, 4096);
	EXPECT_ERR("a range with a hole", prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, area, 4 * 4096, "holey"), ENOMEM);
	conf_expect_str("  the pages before the hole were named", maps_name(area), "[anon:holey]");
	conf_expect_str("  and those after it", maps_name(area + 3 * 4096), "[anon:holey]");
	int fd = open("/proc/self/exe", O_RDONLY);
	void *file = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	EXPECT_ERR("a file mapping", prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, file, 4096, "x"), EBADF);
	char *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	EXPECT_OK("shared anonymous memory", prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, shared, 4096, "shm"));
	conf_expect_str("  maps", maps_name(shared), "[anon_shmem:shm]");
	char *gap = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(gap, 4096);
	EXPECT_ERR("nothing mapped", prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, gap, 4096, "x"), ENOMEM);
}

static void yama_and_flags(void)
{
	EXPECT_OK("SET_PTRACER the parent", prctl(PR_SET_PTRACER, getppid(), 0, 0, 0));
	EXPECT_OK("SET_PTRACER_ANY", prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0));
	EXPECT_OK("SET_PTRACER 0", prctl(PR_SET_PTRACER, 0, 0, 0, 0));
	EXPECT_ERR("SET_PTRACER a pid that does not exist", prctl(PR_SET_PTRACER, 999999, 0, 0, 0), EINVAL);

	EXPECT_EQ("GET_IO_FLUSHER", prctl(PR_GET_IO_FLUSHER, 0, 0, 0, 0), 0);
	EXPECT_OK("SET_IO_FLUSHER 1", prctl(PR_SET_IO_FLUSHER, 1, 0, 0, 0));
	EXPECT_EQ("GET_IO_FLUSHER", prctl(PR_GET_IO_FLUSHER, 0, 0, 0, 0), 1);
	EXPECT_ERR("SET_IO_FLUSHER 2", prctl(PR_SET_IO_FLUSHER, 2, 0, 0, 0), EINVAL);
	EXPECT_ERR("SET_IO_FLUSHER with arg3", prctl(PR_SET_IO_FLUSHER, 1, 1, 0, 0), EINVAL);
	EXPECT_ERR("GET_IO_FLUSHER with an argument", prctl(PR_GET_IO_FLUSHER, 1, 0, 0, 0), EINVAL);
	EXPECT_OK("SET_IO_FLUSHER 0", prctl(PR_SET_IO_FLUSHER, 0, 0, 0, 0));
	EXPECT_EQ("GET_IO_FLUSHER", prctl(PR_GET_IO_FLUSHER, 0, 0, 0, 0), 0);
}

/* Field n of /proc/self/stat. */
static unsigned long stat_field(int n)
{
	slurp("/proc/self/stat");
	char *p = strrchr(buf, ')') + 2;
	for (int f = 3; f < n; f++)
		p = strchr(p, ' ') + 1;
	return strtoul(p, NULL, 10);
}

static void set_mm_fields(void)
{
	char *area = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memcpy(area, "one\0two\0X=1\0", 12);
	/* arg_start <= arg_end must hold after each change: move the end first. */
	char cmdline[256];
	long cmdline_length = slurp("/proc/self/cmdline");
	memcpy(cmdline, buf, sizeof cmdline);
	unsigned long old_arg_start = stat_field(48), old_arg_end = stat_field(49);
	unsigned long old_env_start = stat_field(50), old_env_end = stat_field(51);
	int low = (uintptr_t)area < old_arg_start;
	EXPECT_TRUE("the new area lies below the stack", low);
	EXPECT_ERR("ARG_END before ARG_START", prctl(PR_SET_MM, PR_SET_MM_ARG_END, area + 8, 0, 0), EINVAL);
	EXPECT_OK("ARG_START", prctl(PR_SET_MM, PR_SET_MM_ARG_START, area, 0, 0));
	EXPECT_OK("ARG_END", prctl(PR_SET_MM, PR_SET_MM_ARG_END, area + 8, 0, 0));
	EXPECT_TRUE("  /proc/self/stat arg_start", stat_field(48) == (uintptr_t)area);
	long n = slurp("/proc/self/cmdline");
	EXPECT_TRUE("  /proc/self/cmdline", n == 8 && memcmp(buf, "one\0two\0", 8) == 0);
	EXPECT_OK("ENV_START", prctl(PR_SET_MM, PR_SET_MM_ENV_START, area + 8, 0, 0));
	EXPECT_OK("ENV_END", prctl(PR_SET_MM, PR_SET_MM_ENV_END, area + 12, 0, 0));
	n = slurp("/proc/self/environ");
	EXPECT_TRUE("  /proc/self/environ", n == 4 && memcmp(buf, "X=1\0", 4) == 0);
	EXPECT_ERR("ENV_END past every mapping", prctl(PR_SET_MM, PR_SET_MM_ENV_END, 1UL << 46, 0, 0), EFAULT);
	EXPECT_ERR("START_STACK past every mapping", prctl(PR_SET_MM, PR_SET_MM_START_STACK, 1UL << 46, 0, 0), EFAULT);
	EXPECT_ERR("an address below mmap_min_addr", prctl(PR_SET_MM, PR_SET_MM_ARG_START, 4096, 0, 0), EINVAL);
	EXPECT_ERR("an address past TASK_SIZE", prctl(PR_SET_MM, PR_SET_MM_ARG_START, 1UL << 60, 0, 0), EINVAL);
	EXPECT_ERR("START_CODE past END_CODE", prctl(PR_SET_MM, PR_SET_MM_START_CODE, 1UL << 46, 0, 0), EINVAL);
	EXPECT_ERR("an unknown field", prctl(PR_SET_MM, 99, area, 0, 0), EINVAL);
	EXPECT_OK("ENV back", prctl(PR_SET_MM, PR_SET_MM_ENV_END, old_env_end, 0, 0) |
				      prctl(PR_SET_MM, PR_SET_MM_ENV_START, old_env_start, 0, 0));
	EXPECT_OK("ARG back", prctl(PR_SET_MM, PR_SET_MM_ARG_END, old_arg_end, 0, 0) |
				      prctl(PR_SET_MM, PR_SET_MM_ARG_START, old_arg_start, 0, 0));
	n = slurp("/proc/self/cmdline");
	EXPECT_TRUE("  /proc/self/cmdline is the program's again", n == cmdline_length && memcmp(buf, cmdline, n) == 0);

	unsigned long aux[4] = {6 /* AT_PAGESZ */, 4096, 0, 0};
	EXPECT_OK("SET_MM_AUXV", prctl(PR_SET_MM, PR_SET_MM_AUXV, aux, sizeof aux, 0));
	n = slurp("/proc/self/auxv");
	EXPECT_TRUE("  /proc/self/auxv is the new vector", n == 32 && memcmp(buf, aux, 32) == 0);
	unsigned long got[4];
	EXPECT_EQ("  GET_AUXV (arm64's AT_VECTOR_SIZE)", prctl(PR_GET_AUXV, got, sizeof got, 0, 0), 432);
	EXPECT_TRUE("  GET_AUXV's entries", memcmp(got, aux, sizeof aux) == 0);
	EXPECT_ERR("SET_MM_AUXV longer than the saved vector", prctl(PR_SET_MM, PR_SET_MM_AUXV, area, 440, 0), EINVAL);
	EXPECT_ERR("SET_MM_AUXV from a bad pointer", prctl(PR_SET_MM, PR_SET_MM_AUXV, 8, 16, 0), EFAULT);

	EXPECT_ERR("SET_MM_EXE_FILE not open", prctl(PR_SET_MM, PR_SET_MM_EXE_FILE, 999, 0, 0), EBADF);
	int dir = open("/", O_RDONLY | O_DIRECTORY);
	EXPECT_ERR("SET_MM_EXE_FILE a directory", prctl(PR_SET_MM, PR_SET_MM_EXE_FILE, dir, 0, 0), EACCES);
	int exe = open("/proc/self/exe", O_RDONLY);
	EXPECT_ERR("SET_MM_EXE_FILE while the program is mapped", prctl(PR_SET_MM, PR_SET_MM_EXE_FILE, exe, 0, 0), EBUSY);
}

static void in_child(const char *name, void (*body)(void))
{
	int code = run_in_child(body);
	printf("%s child: %d\n", name, code);
	if (code != 0)
		conf_mismatch(name, "0");
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "tagged") == 0)
		return prctl(PR_GET_TAGGED_ADDR_CTRL, 0, 0, 0, 0);
	setvbuf(stdout, NULL, _IONBF, 0);
	absent_hardware();
	in_child("speculation", speculation);
	in_child("tagged addresses", tagged_addresses);
	in_child("vma names", vma_names);
	in_child("yama and flags", yama_and_flags);
	in_child("set_mm", set_mm_fields);
	return conf_exit();
}
