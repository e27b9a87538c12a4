/* The system-wide files of /proc: meminfo, cpuinfo, stat, uptime, loadavg, filesystems, version and
 * /proc/sys. Their values are the machine's (under qemu-aarch64, the host's), so the program prints their
 * shape and their relations to what other calls report (sysinfo, uname, clock_gettime, sysconf). */
#include "procfs.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/* The first line of a file, without its newline (static copy). */
static const char *first_line(const char *path)
{
	static char line[4096];
	if (slurp(path) < 0)
		return "";
	snprintf(line, sizeof line, "%.*s", (int)(strchrnul(buf, '\n') - buf), buf);
	return line;
}

static int is_number(const char *s)
{
	return *s && strspn(s, "0123456789") == strlen(s);
}

static double boottime(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void meminfo(void)
{
	struct sysinfo si;
	EXPECT_EQ("sysinfo", sysinfo(&si), 0);
	EXPECT_TRUE("read /proc/meminfo", slurp("/proc/meminfo") > 0);
	const char *v;
	unsigned long total = 0, free_kb = 0, avail = 0;
	EXPECT_TRUE("meminfo has MemTotal line", (v = line_value("MemTotal:")) && sscanf(v, "%lu kB", &total) == 1);
	EXPECT_TRUE("meminfo MemTotal is sysinfo's totalram", total == (unsigned long)((unsigned long long)si.totalram * si.mem_unit / 1024));
	EXPECT_TRUE("meminfo has MemFree <= MemTotal", (v = line_value("MemFree:")) && sscanf(v, "%lu kB", &free_kb) == 1 && free_kb <= total);
	EXPECT_TRUE("meminfo has MemAvailable <= MemTotal", (v = line_value("MemAvailable:")) && sscanf(v, "%lu", &avail) == 1 && avail <= total);
	EXPECT_TRUE("meminfo has Cached, SwapTotal, Committed_AS",
		    line_value("Cached:") && line_value("SwapTotal:") && line_value("Committed_AS:"));
	/* Every line is "Label:" padded to 16 columns, a number right-aligned in 8 more, and " kB" or nothing. */
	int lines = 0, good = 0;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		lines++;
		char *colon = strchr(line, ':');
		if (!colon || colon - line > 15)
			continue;
		char *digits = colon + 1 + strspn(colon + 1, " ");
		size_t n = strspn(digits, "0123456789");
		const char *rest = digits + n;
		good += n > 0 && (digits + n - line == 24 || (n > 8 && digits - line == 16)) && (!*rest || strcmp(rest, " kB") == 0);
	}
	EXPECT_TRUE("meminfo lines are label, padded number, unit", lines > 10 && good == lines);
}

static void cpuinfo(void)
{
	EXPECT_TRUE("read /proc/cpuinfo", slurp("/proc/cpuinfo") > 0);
	EXPECT_TRUE("cpuinfo starts with processor 0", strncmp(buf, "processor\t: 0\n", 14) == 0);
	int processors = 0;
	for (char *p = buf; (p = strstr(p, "processor\t: ")); p++)
		processors++;
	EXPECT_TRUE("cpuinfo lists sysconf(_SC_NPROCESSORS_CONF) processors", processors == sysconf(_SC_NPROCESSORS_CONF));
	EXPECT_TRUE("cpuinfo ends with an empty line", strlen(buf) > 2 && strcmp(buf + strlen(buf) - 2, "\n\n") == 0);
}

static void uptime_loadavg_stat(void)
{
	double up, idle;
	EXPECT_TRUE("read /proc/uptime", slurp("/proc/uptime") > 0);
	EXPECT_TRUE("uptime is two numbers with 2 decimals",
		    sscanf(buf, "%lf %lf", &up, &idle) == 2 && buf[strcspn(buf, ".") + 3] == ' ' && buf[strlen(buf) - 1] == '\n');
	EXPECT_TRUE("uptime is CLOCK_BOOTTIME", up - boottime() < 1 && boottime() - up < 1);

	float a, b, c;
	int running, total, last;
	EXPECT_TRUE("read /proc/loadavg", slurp("/proc/loadavg") > 0);
	EXPECT_TRUE("loadavg has 3 averages, running/total, last pid",
		    sscanf(buf, "%f %f %f %d/%d %d", &a, &b, &c, &running, &total, &last) == 6);
	EXPECT_TRUE("loadavg counts the caller running", running >= 1 && running <= total);
	EXPECT_TRUE("loadavg last pid >= getpid", last >= getpid());

	EXPECT_TRUE("read /proc/stat", slurp("/proc/stat") > 0);
	unsigned long long user, nice, sys, idle_ticks;
	EXPECT_TRUE("stat starts with the cpu line", sscanf(buf, "cpu  %llu %llu %llu %llu", &user, &nice, &sys, &idle_ticks) == 4);
	EXPECT_TRUE("stat has cpu0", line_value("cpu0 ") != NULL);
	const char *v;
	long btime = 0;
	EXPECT_TRUE("stat has btime", (v = line_value("btime ")) && (btime = atol(v)) > 0);
	EXPECT_TRUE("stat btime + uptime is now", labs(btime + (long)boottime() - (long)time(NULL)) <= 2);
	EXPECT_TRUE("stat has intr, ctxt, processes, procs_running, procs_blocked, softirq",
		    line_value("intr ") && line_value("ctxt ") && line_value("processes ") && line_value("procs_running ") &&
			    line_value("procs_blocked ") && line_value("softirq "));
	EXPECT_TRUE("stat procs_running >= 1", (v = line_value("procs_running ")) && atoi(v) >= 1);
}

static void filesystems_version(void)
{
	EXPECT_TRUE("read /proc/filesystems", slurp("/proc/filesystems") > 0);
	EXPECT_TRUE("filesystems has nodev proc", strstr(buf, "nodev\tproc\n") != NULL);
	EXPECT_TRUE("filesystems has nodev tmpfs", strstr(buf, "nodev\ttmpfs\n") != NULL);
	struct utsname u;
	uname(&u);
	char want[256];
	snprintf(want, sizeof want, "Linux version %s ", u.release);
	EXPECT_TRUE("version starts with Linux version and the release", strncmp(first_line("/proc/version"), want, strlen(want)) == 0);
	struct statfs sf;
	EXPECT_EQ("statfs /proc", statfs("/proc", &sf), 0);
	EXPECT_TRUE("statfs /proc is PROC_SUPER_MAGIC", sf.f_type == 0x9fa0);
}

static void sys(void)
{
	struct utsname u;
	uname(&u);
	EXPECT_TRUE("sys/kernel/osrelease is uname's release", strcmp(first_line("/proc/sys/kernel/osrelease"), u.release) == 0);
	EXPECT_TRUE("sys/kernel/hostname is uname's nodename", strcmp(first_line("/proc/sys/kernel/hostname"), u.nodename) == 0);
	EXPECT_TRUE("sys/kernel/ostype is Linux", strcmp(first_line("/proc/sys/kernel/ostype"), "Linux") == 0);
	EXPECT_TRUE("sys/kernel/ngroups_max is 65536", strcmp(first_line("/proc/sys/kernel/ngroups_max"), "65536") == 0);
	EXPECT_TRUE("sysconf(_SC_NGROUPS_MAX) is 65536", sysconf(_SC_NGROUPS_MAX) == 65536);
	const char *v = first_line("/proc/sys/kernel/pid_max");
	EXPECT_TRUE("sys/kernel/pid_max is a number >= getpid", is_number(v) && atol(v) >= getpid());
	v = first_line("/proc/sys/fs/nr_open");
	EXPECT_TRUE("sys/fs/nr_open is a number >= 1024", is_number(v) && atol(v) >= 1024);
	v = first_line("/proc/sys/fs/pipe-max-size");
	EXPECT_TRUE("sys/fs/pipe-max-size is a number >= 4096", is_number(v) && atol(v) >= 4096);
	v = first_line("/proc/sys/fs/file-max");
	EXPECT_TRUE("sys/fs/file-max is a number > 0", is_number(v) && atol(v) > 0);
	v = first_line("/proc/sys/vm/overcommit_memory");
	EXPECT_TRUE("sys/vm/overcommit_memory is 0, 1 or 2", strlen(v) == 1 && strchr("012", v[0]));
	struct stat st;
	EXPECT_EQ("stat sys/kernel/osrelease", stat("/proc/sys/kernel/osrelease", &st), 0);
	EXPECT_TRUE("osrelease is -r--r--r-- root", st.st_mode == (S_IFREG | 0444) && st.st_uid == 0);
	EXPECT_EQ("stat sys/kernel/hostname", stat("/proc/sys/kernel/hostname", &st), 0);
	EXPECT_TRUE("hostname is -rw-r--r-- root", st.st_mode == (S_IFREG | 0644) && st.st_uid == 0);
	EXPECT_ERR("open osrelease for writing", open("/proc/sys/kernel/osrelease", O_WRONLY), EACCES);
	EXPECT_ERR("open ngroups_max for writing", open("/proc/sys/kernel/ngroups_max", O_WRONLY), EACCES);
}

static void errors(void)
{
	int fd = open("/proc/meminfo", O_WRONLY);
	EXPECT_TRUE("root opens /proc/meminfo for writing", fd >= 0);
	EXPECT_ERR("write /proc/meminfo", write(fd, "x", 1), EIO);
	close(fd);
	EXPECT_ERR("open /proc/uptime with O_TRUNC and write", ({
			   int t = open("/proc/uptime", O_WRONLY | O_TRUNC);
			   long r = write(t, "1", 1);
			   int e = errno;
			   close(t);
			   errno = e;
			   r;
		   }),
		   EIO);
	fd = open("/proc/version", O_RDONLY);
	char a[16], b[16];
	EXPECT_EQ("read 8 bytes of version", read(fd, a, 8), 8);
	EXPECT_TRUE("version starts with Linux", memcmp(a, "Linux ve", 8) == 0);
	EXPECT_ERR("lseek /proc/version SEEK_END", lseek(fd, 0, SEEK_END), EINVAL);
	EXPECT_EQ("pread version at 6", pread(fd, b, 7, 6), 7);
	EXPECT_TRUE("pread reads version at its offset", memcmp(b, "version", 7) == 0);
	EXPECT_EQ("read continues after 8", read(fd, b, 6), 6);
	EXPECT_TRUE("read continued at 8", memcmp(b, "rsion ", 6) == 0);
	close(fd);
	EXPECT_ERR("open /proc/missing", open("/proc/missing", O_RDONLY), ENOENT);
	EXPECT_ERR("create /proc/newfile", open("/proc/newfile", O_WRONLY | O_CREAT, 0600), ENOENT);
	EXPECT_ERR("open /proc/sys/kernel/missing", open("/proc/sys/kernel/missing", O_RDONLY), ENOENT);
}

int main(void)
{
	meminfo();
	cpuinfo();
	uptime_loadavg_stat();
	filesystems_version();
	sys();
	errors();
	return conf_exit();
}
