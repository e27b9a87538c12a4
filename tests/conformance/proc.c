/* /proc for the calling process: /proc/self and /proc/thread-self, the per-process files (status, stat,
 * statm, cmdline, environ, maps, limits, comm, auxv, mounts, mountinfo, oom_score_adj), the fd, fdinfo and
 * task directories, and the errors /proc gives. Under qemu-aarch64 most of these are the host's files for
 * the qemu process (maps, stat, cmdline, auxv and exe are qemu's emulation), so only their shape and their
 * relations to what the program itself knows (getpid, getrlimit, fstat...) are printed. */
#include "procfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sysmacros.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;
static int link_ends_with(const char *path, const char *suffix)
{
	char target[4096];
	ssize_t n = readlink(path, target, sizeof target - 1);
	if (n < 0 || (size_t)n < strlen(suffix))
		return 0;
	target[n] = 0;
	return strcmp(target + n - strlen(suffix), suffix) == 0;
}

static unsigned lmode(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 ? st.st_mode : 0;
}

static void self_links(void)
{
	char want[64], path[64];
	struct stat a, b;
	snprintf(want, sizeof want, "%d", getpid());
	EXPECT_TRUE("readlink /proc/self is getpid", link_is("/proc/self", want));
	snprintf(want, sizeof want, "%d/task/%ld", getpid(), (long)syscall(SYS_gettid));
	EXPECT_TRUE("readlink /proc/thread-self is pid/task/tid", link_is("/proc/thread-self", want));
	EXPECT_TRUE("lstat /proc/self is a symlink", S_ISLNK(lmode("/proc/self")));
	EXPECT_EQ("stat /proc/self", stat("/proc/self", &a), 0);
	EXPECT_TRUE("/proc/self is dr-xr-xr-x", a.st_mode == (S_IFDIR | 0555));
	snprintf(path, sizeof path, "/proc/%d", getpid());
	EXPECT_EQ("stat /proc/PID", stat(path, &b), 0);
	EXPECT_TRUE("/proc/self and /proc/PID are one directory", a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	EXPECT_TRUE("/proc/self/exe readlink ends with /proc", link_ends_with("/proc/self/exe", "/proc"));
	EXPECT_TRUE("/proc/self/exe is lrwxrwxrwx", lmode("/proc/self/exe") == (S_IFLNK | 0777));
	int fd = open("/proc/self/exe", O_RDONLY);
	EXPECT_TRUE("open /proc/self/exe", fd >= 0);
	char magic[4] = {0};
	EXPECT_EQ("read /proc/self/exe", read(fd, magic, 4), 4);
	EXPECT_TRUE("/proc/self/exe is an ELF file", memcmp(magic, "\177ELF", 4) == 0);
	close(fd);
	char cwd[4096];
	EXPECT_TRUE("getcwd", getcwd(cwd, sizeof cwd) != NULL);
	EXPECT_TRUE("readlink /proc/self/cwd is getcwd", link_is("/proc/self/cwd", cwd));
	EXPECT_TRUE("readlink /proc/self/root is /", link_is("/proc/self/root", "/"));
	EXPECT_TRUE("readlink /proc/mounts is self/mounts", link_is("/proc/mounts", "self/mounts"));
}

static void status_file(void)
{
	umask(027);
	EXPECT_TRUE("read /proc/self/status", slurp("/proc/self/status") > 0);
	const char *v;
	EXPECT_TRUE("status has Name line", line_value("Name:\t") != NULL);
	EXPECT_TRUE("status State is R (running)", (v = line_value("State:\t")) && strcmp(v, "R (running)") == 0);
	EXPECT_TRUE("status Umask is 0027", (v = line_value("Umask:\t")) && strcmp(v, "0027") == 0);
	EXPECT_TRUE("status Pid equals getpid", (v = line_value("Pid:\t")) && atoi(v) == getpid());
	EXPECT_TRUE("status Tgid equals getpid", (v = line_value("Tgid:\t")) && atoi(v) == getpid());
	EXPECT_TRUE("status PPid equals getppid", (v = line_value("PPid:\t")) && atoi(v) == getppid());
	unsigned r, e, s, f;
	EXPECT_TRUE("status Uid is 4 ids equal to getuid/geteuid",
		    (v = line_value("Uid:\t")) && sscanf(v, "%u %u %u %u", &r, &e, &s, &f) == 4 && r == getuid() && e == geteuid());
	EXPECT_TRUE("status Gid is 4 ids equal to getgid/getegid",
		    (v = line_value("Gid:\t")) && sscanf(v, "%u %u %u %u", &r, &e, &s, &f) == 4 && r == getgid() && e == getegid());
	/* qemu runs a thread of its own: compare with the task directory rather than with 1. */
	int threads = 0;
	DIR *d = opendir("/proc/self/task");
	for (struct dirent *e; (e = readdir(d));)
		threads += e->d_name[0] != '.';
	closedir(d);
	EXPECT_TRUE("status Threads counts the task directory", (v = line_value("Threads:\t")) && atoi(v) == threads);
	unsigned long kb;
	char unit[8];
	EXPECT_TRUE("status VmSize in kB > 0", (v = line_value("VmSize:\t")) && sscanf(v, "%lu %7s", &kb, unit) == 2 && kb > 0 && strcmp(unit, "kB") == 0);
	EXPECT_TRUE("status VmRSS in kB > 0", (v = line_value("VmRSS:\t")) && sscanf(v, "%lu %7s", &kb, unit) == 2 && kb > 0);
	EXPECT_TRUE("status SigBlk is 16 hex digits", (v = line_value("SigBlk:\t")) && strlen(v) == 16 && strspn(v, "0123456789abcdef") == 16);
	EXPECT_TRUE("status has FDSize", line_value("FDSize:\t") != NULL);
	umask(022);
}

static void stat_files(char **argv)
{
	EXPECT_TRUE("read /proc/self/stat", slurp("/proc/self/stat") > 0);
	int pid = 0, ppid = 0, fields = 0;
	char comm[64] = "";
	sscanf(buf, "%d %63s", &pid, comm);
	EXPECT_TRUE("stat pid equals getpid", pid == getpid());
	const char *base = strrchr(argv[0], '/');
	char want[64];
	snprintf(want, sizeof want, "(%.15s)", base ? base + 1 : argv[0]);
	EXPECT_TRUE("stat comm is the program name in parentheses", strcmp(comm, want) == 0);
	const char *rest = strrchr(buf, ')');
	if (rest)
		sscanf(rest + 2, "%*s %d", &ppid);
	EXPECT_TRUE("stat ppid equals getppid", rest && ppid == getppid());
	for (char *tok = strtok(buf, " \n"); tok; tok = strtok(NULL, " \n"))
		fields++;
	EXPECT_TRUE("stat has at least 44 fields", fields >= 44);

	EXPECT_TRUE("read /proc/self/statm", slurp("/proc/self/statm") > 0);
	unsigned long m[7];
	EXPECT_TRUE("statm has 7 numbers, size >= resident > 0",
		    sscanf(buf, "%lu %lu %lu %lu %lu %lu %lu", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5], &m[6]) == 7 && m[0] >= m[1] && m[1] > 0);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void cmdline_environ(int argc, char **argv)
{
	long n = slurp("/proc/self/cmdline");
	long want = 0;
	for (int i = 0; i < argc; i++)
		want += strlen(argv[i]) + 1;
	int same = n == want;
	const char *p = buf;
	for (int i = 0; same && i < argc; p += strlen(p) + 1, i++)
		same = strcmp(p, argv[i]) == 0;
	EXPECT_TRUE("cmdline is argv, NUL-terminated", same);

	/* The initial environment, as a set (qemu hands its own environment to the guest in another order). */
	n = slurp("/proc/self/environ");
	int count = 0, envc = 0;
	for (char **e = environ; *e; e++)
		envc++;
	char **mine = calloc(envc + 1, sizeof *mine), **theirs = calloc(n + 1, sizeof *theirs);
	for (int i = 0; i < envc; i++)
		mine[i] = environ[i];
	for (p = buf; p < buf + n; p += strlen(p) + 1)
		theirs[count++] = (char *)p;
	qsort(mine, envc, sizeof *mine, cmp_str);
	qsort(theirs, count, sizeof *theirs, cmp_str);
	same = count == envc;
	for (int i = 0; same && i < count; i++)
		same = strcmp(mine[i], theirs[i]) == 0;
	EXPECT_TRUE("environ holds the initial environment", same);
	EXPECT_TRUE("environ is -r--------", lmode("/proc/self/environ") == (S_IFREG | 0400));
	free(mine);
	free(theirs);
}

/* One maps line: its fields, and whether a name starts where Linux puts it. */
struct maps_line {
	unsigned long start, end, offset, ino;
	unsigned major, minor;
	char perms[5];
	const char *name;
	int layout_ok;
};

static int parse_maps_line(char *line, struct maps_line *m)
{
	int prefix = 0;
	if (sscanf(line, "%lx-%lx %4s %lx %x:%x %lu %n", &m->start, &m->end, m->perms, &m->offset, &m->major, &m->minor, &m->ino, &prefix) != 7)
		return 0;
	const char *name = line + prefix;
	m->name = *name ? name : NULL;
	/* Linux pads the fields to 73 columns before a name (or puts one space after a longer prefix). */
	m->layout_ok = !m->name || name - line == 73 || (name - line > 73 && name[-1] == ' ' && name[-2] != ' ');
	return 1;
}

static void maps_file(void)
{
	/* Three pages between two PROT_NONE guards, so that no neighbour merges with them. */
	long page = sysconf(_SC_PAGESIZE);
	char *guarded = mmap(NULL, 5 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT_TRUE("mmap 5 pages", guarded != MAP_FAILED);
	char *area = guarded + page;
	EXPECT_EQ("mprotect 3 pages read-write", mprotect(area, 3 * page, PROT_READ | PROT_WRITE), 0);
	EXPECT_EQ("mprotect middle page read-only", mprotect(area + page, page, PROT_READ), 0);
	int fd = open("/proc/self/exe", O_RDONLY);
	struct stat st;
	EXPECT_EQ("fstat exe", fstat(fd, &st), 0);
	char *mapped = mmap(NULL, page, PROT_READ, MAP_PRIVATE, fd, page);
	EXPECT_TRUE("mmap exe at offset one page", mapped != MAP_FAILED);
	close(fd);

	EXPECT_TRUE("read /proc/self/maps", slurp("/proc/self/maps") > 0);
	int lines = 0, parsed = 0, layout = 0, stack = 0, code = 0, rw = 0, ro = 0, rw2 = 0, file = 0, sorted = 1;
	unsigned long last_end = 0;
	int local;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		struct maps_line m;
		lines++;
		if (!parse_maps_line(line, &m))
			continue;
		parsed++;
		layout += m.layout_ok;
		if (m.start < last_end)
			sorted = 0;
		last_end = m.end;
		unsigned long a = (unsigned long)&local, f = (unsigned long)&maps_file, p = (unsigned long)area;
		if (m.name && strcmp(m.name, "[stack]") == 0 && a >= m.start && a < m.end)
			stack = 1;
		if (f >= m.start && f < m.end && strcmp(m.perms, "r-xp") == 0 && m.name && strlen(m.name) >= 5 &&
		    strcmp(m.name + strlen(m.name) - 5, "/proc") == 0)
			code = 1;
		if (m.start == p && m.end == p + page && strcmp(m.perms, "rw-p") == 0 && m.offset == 0 && m.ino == 0)
			rw = 1;
		if (m.start == p + page && m.end == p + 2 * page && strcmp(m.perms, "r--p") == 0)
			ro = 1;
		if (m.start == p + 2 * page && m.end == p + 3 * page && strcmp(m.perms, "rw-p") == 0)
			rw2 = 1;
		if (m.start == (unsigned long)mapped && m.end == (unsigned long)mapped + page && strcmp(m.perms, "r--p") == 0 &&
		    m.offset == (unsigned long)page && m.ino == st.st_ino && makedev(m.major, m.minor) == st.st_dev)
			file = 1;
	}
	EXPECT_TRUE("maps line format ok", lines > 0 && parsed == lines);
	EXPECT_TRUE("maps names start at column 73", layout == parsed);
	EXPECT_TRUE("maps sorted by address", sorted);
	EXPECT_TRUE("maps [stack] holds a local variable", stack);
	EXPECT_TRUE("maps r-xp line of the program holds its code", code);
	EXPECT_TRUE("maps anonymous rw-p page, offset 0, inode 0", rw);
	EXPECT_TRUE("maps mprotected page split out as r--p", ro);
	EXPECT_TRUE("maps last page rw-p", rw2);
	EXPECT_TRUE("maps file mapping: offset, device and inode of the file", file);
	munmap(guarded, 5 * page);
	munmap(mapped, page);
}

static void limits_file(void)
{
	struct rlimit nofile, stack;
	getrlimit(RLIMIT_NOFILE, &nofile);
	getrlimit(RLIMIT_STACK, &stack);
	EXPECT_TRUE("read /proc/self/limits", slurp("/proc/self/limits") > 0);
	EXPECT_TRUE("limits header", strncmp(buf, "Limit                     Soft Limit           Hard Limit           Units     \n", 79) == 0);
	const char *v;
	unsigned long soft, hard;
	EXPECT_TRUE("limits Max open files is getrlimit(RLIMIT_NOFILE)",
		    (v = line_value("Max open files            ")) && sscanf(v, "%lu %lu", &soft, &hard) == 2 &&
			    soft == nofile.rlim_cur && hard == nofile.rlim_max);
	char s1[32], s2[32];
	EXPECT_TRUE("limits Max stack size is getrlimit(RLIMIT_STACK)",
		    (v = line_value("Max stack size            ")) && sscanf(v, "%31s %31s", s1, s2) == 2 &&
			    (stack.rlim_cur == RLIM_INFINITY ? strcmp(s1, "unlimited") == 0 : strtoul(s1, NULL, 10) == stack.rlim_cur) &&
			    (stack.rlim_max == RLIM_INFINITY ? strcmp(s2, "unlimited") == 0 : strtoul(s2, NULL, 10) == stack.rlim_max));
	EXPECT_TRUE("limits has 17 lines", ({ int c = 0; for (char *p = buf; *p; p++) c += *p == '\n'; c; }) == 17);
}

static void comm_file(void)
{
	long n = slurp("/proc/self/comm");
	EXPECT_TRUE("comm is one line of at most 16 bytes", n > 1 && n <= 16 && buf[n - 1] == '\n');
	EXPECT_TRUE("comm is -rw-r--r--", lmode("/proc/self/comm") == (S_IFREG | 0644));
	int fd = open("/proc/self/comm", O_WRONLY);
	EXPECT_TRUE("open comm for writing", fd >= 0);
	EXPECT_EQ("write comm", write(fd, "renamed", 7), 7);
	close(fd);
	slurp("/proc/self/comm");
	EXPECT_TRUE("comm after write is renamed", strcmp(buf, "renamed\n") == 0);
	fd = open("/proc/self/comm", O_WRONLY);
	EXPECT_EQ("write a long comm", write(fd, "abcdefghijklmnopqrstuvwxyz", 26), 26);
	close(fd);
	slurp("/proc/self/comm");
	EXPECT_TRUE("comm keeps 15 bytes", strcmp(buf, "abcdefghijklmno\n") == 0);
}

static void oom_score_adj(void)
{
	EXPECT_TRUE("read oom_score_adj", slurp("/proc/self/oom_score_adj") > 0);
	int fd = open("/proc/self/oom_score_adj", O_WRONLY);
	EXPECT_TRUE("open oom_score_adj for writing", fd >= 0);
	EXPECT_ERR("write oom_score_adj abc", write(fd, "abc", 3), EINVAL);
	EXPECT_ERR("write oom_score_adj 2000", write(fd, "2000", 4), EINVAL);
	EXPECT_EQ("write oom_score_adj 5", write(fd, "5\n", 2), 2);
	close(fd);
	slurp("/proc/self/oom_score_adj");
	EXPECT_TRUE("oom_score_adj reads back 5", strcmp(buf, "5\n") == 0);
}

static void auxv_file(void)
{
	long n = slurp("/proc/self/auxv");
	int pagesz = 0, hwcap = 0, end = 0;
	for (long i = 0; i + 16 <= n; i += 16) {
		uint64_t type, value;
		memcpy(&type, buf + i, 8);
		memcpy(&value, buf + i + 8, 8);
		if (type == AT_PAGESZ)
			pagesz = value == (uint64_t)sysconf(_SC_PAGESIZE);
		if (type == AT_HWCAP)
			hwcap = value == getauxval(AT_HWCAP);
		if (type == AT_NULL)
			end = i + 16 == n;
	}
	EXPECT_TRUE("auxv AT_PAGESZ is the page size", pagesz);
	EXPECT_TRUE("auxv AT_HWCAP is getauxval(AT_HWCAP)", hwcap);
	EXPECT_TRUE("auxv ends with AT_NULL", end);
	EXPECT_TRUE("auxv is -r--------", lmode("/proc/self/auxv") == (S_IFREG | 0400));
}

static void mounts_files(void)
{
	EXPECT_TRUE("read /proc/self/mounts", slurp("/proc/self/mounts") > 0);
	int proc = 0;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		char src[256], dir[256], type[64], opts[256];
		int a, b;
		if (sscanf(line, "%255s %255s %63s %255s %d %d", src, dir, type, opts, &a, &b) == 6 && strcmp(dir, "/proc") == 0 &&
		    strcmp(type, "proc") == 0)
			proc = 1;
	}
	EXPECT_TRUE("mounts has proc on /proc", proc);
	EXPECT_TRUE("read /proc/self/mountinfo", slurp("/proc/self/mountinfo") > 0);
	int info = 0, root = 0;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		int id, parent;
		unsigned major, minor;
		char mroot[256], dir[256];
		if (sscanf(line, "%d %d %u:%u %255s %255s", &id, &parent, &major, &minor, mroot, dir) != 6)
			continue;
		char *dash = strstr(line, " - ");
		if (strcmp(dir, "/proc") == 0 && dash && strncmp(dash, " - proc ", 8) == 0)
			info = 1;
		if (strcmp(dir, "/") == 0)
			root = 1;
	}
	EXPECT_TRUE("mountinfo has proc on /proc", info);
	EXPECT_TRUE("mountinfo has the root", root);
}

static void fd_directory(void)
{
	char path[64], want[64];
	struct stat st, via;
	int fd = open("/etc/passwd", O_RDONLY);
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	EXPECT_TRUE("fd link of /etc/passwd", link_is(path, "/etc/passwd"));
	EXPECT_TRUE("fd link of a read-only file is lr-x------", lmode(path) == (S_IFLNK | 0500));
	fstat(fd, &st);
	EXPECT_EQ("stat through the fd link", stat(path, &via), 0);
	EXPECT_TRUE("fd link leads to the open file", via.st_ino == st.st_ino && via.st_dev == st.st_dev);
	char small[8];
	EXPECT_EQ("read 5 bytes", read(fd, small, 5), 5);
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
	EXPECT_TRUE("read fdinfo", slurp(path) > 0);
	const char *v;
	EXPECT_TRUE("fdinfo pos is 5", (v = line_value("pos:\t")) && strcmp(v, "5") == 0);
	EXPECT_TRUE("fdinfo flags are octal with O_RDONLY", (v = line_value("flags:\t")) && v[0] == '0' && (strtoul(v, NULL, 8) & O_ACCMODE) == O_RDONLY);
	EXPECT_TRUE("fdinfo flags without O_CLOEXEC", v && (strtoul(v, NULL, 8) & O_CLOEXEC) == 0);
	EXPECT_TRUE("fdinfo has mnt_id", (v = line_value("mnt_id:\t")) && atoi(v) > 0);
	EXPECT_TRUE("fdinfo ino is the file's", (v = line_value("ino:\t")) && strtoul(v, NULL, 10) == st.st_ino);
	EXPECT_TRUE("fdinfo entry is -r--r--r--", lmode(path) == (S_IFREG | 0444));

	char tmp[64];
	snprintf(tmp, sizeof tmp, "/tmp/proc_conf_%d", getpid());
	int rw = open(tmp, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	int wo = open(tmp, O_WRONLY);
	snprintf(path, sizeof path, "/proc/self/fd/%d", rw);
	EXPECT_TRUE("fd link of an O_RDWR file is lrwx------", lmode(path) == (S_IFLNK | 0700));
	EXPECT_TRUE("fd link of /tmp file", link_is(path, tmp));
	snprintf(path, sizeof path, "/proc/self/fd/%d", wo);
	EXPECT_TRUE("fd link of an O_WRONLY file is l-wx------", lmode(path) == (S_IFLNK | 0300));
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", rw);
	slurp(path);
	EXPECT_TRUE("fdinfo flags show O_RDWR|O_APPEND|O_CLOEXEC",
		    (v = line_value("flags:\t")) && (strtoul(v, NULL, 8) & (O_ACCMODE | O_APPEND | O_CLOEXEC)) == (O_RDWR | O_APPEND | O_CLOEXEC));

	int p[2];
	EXPECT_EQ("pipe", pipe(p), 0);
	fstat(p[0], &st);
	snprintf(want, sizeof want, "pipe:[%lu]", (unsigned long)st.st_ino);
	snprintf(path, sizeof path, "/proc/self/fd/%d", p[0]);
	EXPECT_TRUE("fd link of a pipe is pipe:[inode]", link_is(path, want));
	EXPECT_TRUE("fd link of a pipe's read end is lr-x------", lmode(path) == (S_IFLNK | 0500));
	EXPECT_EQ("stat through a pipe's fd link", stat(path, &via), 0);
	EXPECT_TRUE("a pipe's fd link leads to a FIFO", S_ISFIFO(via.st_mode) && via.st_ino == st.st_ino);
	snprintf(path, sizeof path, "/proc/self/fd/%d", p[1]);
	int again = open(path, O_WRONLY);
	EXPECT_TRUE("reopen a pipe's write end through /proc/self/fd", again >= 0);
	EXPECT_EQ("write through the reopened end", write(again, "x", 1), 1);
	EXPECT_EQ("read it from the pipe", read(p[0], small, 1), 1);
	EXPECT_TRUE("the byte went through the pipe", small[0] == 'x');
	close(again);

	/* The directory lists the descriptors, as symlinks. */
	int seen_fd = 0, seen_pipe = 0, seen_std = 0, all_links = 1;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		all_links &= e->d_type == DT_LNK;
		int n = atoi(e->d_name);
		seen_fd |= n == fd;
		seen_pipe |= n == p[1];
		seen_std += n == 0 || n == 1 || n == 2;
	}
	closedir(d);
	EXPECT_TRUE("fd directory lists the open files", seen_fd && seen_pipe && seen_std == 3);
	EXPECT_TRUE("fd directory entries are DT_LNK", all_links);
	EXPECT_TRUE("fd directory is dr-x------", lmode("/proc/self/fd") == (S_IFDIR | 0500));
	EXPECT_TRUE("fdinfo directory is dr-xr-xr-x", lmode("/proc/self/fdinfo") == (S_IFDIR | 0555));

	close(fd);
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	char target[64];
	EXPECT_ERR("readlink a closed fd's link", readlink(path, target, sizeof target), ENOENT);
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
	EXPECT_ERR("open a closed fd's fdinfo", open(path, O_RDONLY), ENOENT);
	EXPECT_ERR("readlink /proc/self/fd/999", readlink("/proc/self/fd/999", target, sizeof target), ENOENT);
	close(rw);
	close(wo);
	close(p[0]);
	close(p[1]);
	unlink(tmp);
}

static void task_directory(void)
{
	long tid = syscall(SYS_gettid);
	int self = 0;
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	while ((e = readdir(d)))
		self |= atol(e->d_name) == tid && e->d_type == DT_DIR;
	closedir(d);
	EXPECT_TRUE("task lists the caller's thread", self);
	char path[64];
	snprintf(path, sizeof path, "/proc/self/task/%ld/stat", tid);
	EXPECT_TRUE("task stat starts with the tid", slurp(path) > 0 && atol(buf) == tid);
	snprintf(path, sizeof path, "/proc/self/task/%ld/status", tid);
	const char *v;
	EXPECT_TRUE("task status Pid is the tid", slurp(path) > 0 && (v = line_value("Pid:\t")) && atol(v) == tid);
	snprintf(path, sizeof path, "/proc/self/task/%ld/task", tid);
	EXPECT_ERR("a task directory has no task directory", access(path, F_OK), ENOENT);
}

static void proc_directory(void)
{
	int self = 0, pid = 0, meminfo = 0;
	char want[16];
	snprintf(want, sizeof want, "%d", getpid());
	DIR *d = opendir("/proc");
	struct dirent *e;
	while ((e = readdir(d))) {
		self |= strcmp(e->d_name, "self") == 0 && e->d_type == DT_LNK;
		pid |= strcmp(e->d_name, want) == 0 && e->d_type == DT_DIR;
		meminfo |= strcmp(e->d_name, "meminfo") == 0 && e->d_type == DT_REG;
	}
	closedir(d);
	EXPECT_TRUE("/proc lists self as a link", self);
	EXPECT_TRUE("/proc lists the caller's pid as a directory", pid);
	EXPECT_TRUE("/proc lists meminfo as a file", meminfo);
	EXPECT_ERR("/proc/999999999 does not exist", access("/proc/999999999", F_OK), ENOENT);
	EXPECT_ERR("/proc/0001 is not a pid", access("/proc/0001", F_OK), ENOENT);
}

static void errors(void)
{
	char target[64];
	/* (qemu emulates stat and maps with files of its own, so the read-only checks use status and statm.) */
	int fd = open("/proc/self/status", O_WRONLY);
	EXPECT_TRUE("root opens /proc/self/status for writing", fd >= 0);
	EXPECT_ERR("write /proc/self/status", write(fd, "x", 1), EINVAL);
	close(fd);
	fd = open("/proc/self/statm", O_WRONLY | O_TRUNC);
	EXPECT_TRUE("open /proc/self/statm with O_TRUNC", fd >= 0);
	EXPECT_ERR("write /proc/self/statm", write(fd, "x", 1), EINVAL);
	close(fd);
	EXPECT_ERR("open /proc/self/missing", open("/proc/self/missing", O_RDONLY), ENOENT);
	EXPECT_ERR("create /proc/self/newfile", open("/proc/self/newfile", O_WRONLY | O_CREAT, 0600), ENOENT);
	EXPECT_ERR("mkdir /proc/self/dir", mkdir("/proc/self/dir", 0700), ENOENT);
	EXPECT_ERR("mkdir /proc/newdir", mkdir("/proc/newdir", 0700), ENOENT);
	EXPECT_ERR("unlink /proc/self/stat", unlink("/proc/self/stat"), EPERM);
	EXPECT_ERR("symlink in /proc/self", symlink("x", "/proc/self/link"), ENOENT);
	EXPECT_ERR("rename in /proc/self", rename("/proc/self/comm", "/proc/self/comm2"), ENOENT);
	EXPECT_ERR("readlink /proc/self/stat", readlink("/proc/self/stat", target, sizeof target), EINVAL);
	EXPECT_ERR("open /proc/self/fd for writing", open("/proc/self/fd", O_WRONLY), EISDIR);
	EXPECT_ERR("open /proc/self/status as a directory", open("/proc/self/status", O_RDONLY | O_DIRECTORY), ENOTDIR);
	EXPECT_ERR("open /proc/self/cwd with O_NOFOLLOW", open("/proc/self/cwd", O_RDONLY | O_NOFOLLOW), ELOOP);

	/* Offsets: reads continue where they stopped, SEEK_END is refused, a seek to 0 reads again. */
	fd = open("/proc/self/limits", O_RDONLY);
	char a[32], b[32];
	EXPECT_EQ("read 10 bytes of limits", read(fd, a, 10), 10);
	EXPECT_EQ("read 10 more", read(fd, a + 10, 10), 10);
	EXPECT_TRUE("the two reads continue each other", memcmp(a, "Limit                     Soft", 20) == 0);
	EXPECT_ERR("lseek SEEK_END", lseek(fd, 0, SEEK_END), EINVAL);
	EXPECT_EQ("lseek SEEK_CUR", lseek(fd, 6, SEEK_CUR), 26);
	EXPECT_EQ("lseek to 0", lseek(fd, 0, SEEK_SET), 0);
	EXPECT_EQ("read again", read(fd, b, 20), 20);
	EXPECT_TRUE("same bytes after the seek", memcmp(a, b, 20) == 0);
	EXPECT_EQ("pread at 26", pread(fd, b, 4, 26), 4);
	EXPECT_TRUE("pread reads at its offset", memcmp(b, "Soft", 4) == 0);
	EXPECT_ERR("lseek to a negative offset", lseek(fd, -1, SEEK_SET), EINVAL);
	EXPECT_EQ("lseek past the end", lseek(fd, 100000, SEEK_SET), 100000);
	EXPECT_EQ("read past the end", read(fd, b, 4), 0);
	close(fd);
}

int main(int argc, char **argv)
{
	self_links();
	status_file();
	stat_files(argv);
	cmdline_environ(argc, argv);
	maps_file();
	limits_file();
	comm_file();
	oom_score_adj();
	auxv_file();
	mounts_files();
	fd_directory();
	task_directory();
	proc_directory();
	errors();
	return conf_exit();
}
