/* Pseudo-terminals: /dev/ptmx and devpts, grantpt/unlockpt/ptsname, the line
 * discipline (canonical editing with echo, input and output processing, raw
 * mode with VMIN/VTIME), readiness for poll, select and epoll on both sides,
 * window size, flow control and flushing, hang-up, and controlling terminals
 * with job-control signals. Linux moves bytes between the two sides of a pty
 * in a worker thread, so every look at what arrived waits a moment first
 * (settle). */
#include "conformance.h"
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static int master = -1, slave = -1;
static char name[64];

static void settle(void) { usleep(50000); }

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Bytes as C-like text: printable ASCII as is, the rest as \xNN. */
static void escape(char *out, size_t size, const char *b, long n)
{
	size_t o = 0;
	for (long i = 0; i < n && o + 5 < size; i++) {
		unsigned char c = (unsigned char)b[i];
		if (c >= 32 && c < 127 && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
	}
	out[o] = 0;
}

static void expect_bytes(const char *label, const char *b, long n, const char *want)
{
	char got[1024];
	if (n < 0)
		snprintf(got, sizeof got, "-1 %s", conf_errname(errno));
	else
		escape(got, sizeof got, b, n);
	conf_expect_str(label, got, want);
}

/* Everything readable on fd now, after the other side has settled. */
static long drain(int fd, char *buf, long size)
{
	settle();
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	long total = 0;
	for (;;) {
		long n = read(fd, buf + total, size - total);
		if (n <= 0)
			break;
		total += n;
	}
	fcntl(fd, F_SETFL, fl);
	return total;
}

static void expect_master(const char *label, const char *want)
{
	char buf[1024];
	long n = drain(master, buf, sizeof buf);
	expect_bytes(label, buf, n, want);
}

/* One read of the slave (a line in canonical mode). */
static void expect_slave_read(const char *label, long size, const char *want)
{
	char buf[1024];
	errno = 0;
	long n = read(slave, buf, size);
	expect_bytes(label, buf, n, want);
}

static void put(const char *s) { (void)!write(master, s, strlen(s)); }

static struct termios attrs(void)
{
	struct termios t;
	memset(&t, 0, sizeof t); /* padding included, so whole structs compare */
	tcgetattr(slave, &t);
	return t;
}

static void set_attrs(struct termios *t) { tcsetattr(slave, TCSANOW, t); }

static void set_lflag(tcflag_t on, tcflag_t off)
{
	struct termios t = attrs();
	t.c_lflag = (t.c_lflag | on) & ~off;
	set_attrs(&t);
}

static struct termios defaults;

/* Typed input, the echo the master sees, and the line the slave then reads; first the local
 * modes are changed (from the defaults when fresh is set). */
struct exchange {
	const char *input, *label, *echo, *line;
	tcflag_t on, off;
	int fresh;
};

static void exchanges(const struct exchange *x, int n)
{
	for (int i = 0; i < n; i++) {
		char label[128];
		if (x[i].fresh)
			set_attrs(&defaults);
		if (x[i].on || x[i].off)
			set_lflag(x[i].on, x[i].off);
		put(x[i].input);
		expect_master(x[i].label, x[i].echo);
		snprintf(label, sizeof label, "line after %s", x[i].label);
		expect_slave_read(label, 100, x[i].line);
	}
}

static void open_pair(void)
{
	master = posix_openpt(O_RDWR | O_NOCTTY);
	grantpt(master);
	unlockpt(master);
	ptsname_r(master, name, sizeof name);
	slave = open(name, O_RDWR | O_NOCTTY);
}

static void close_pair(void)
{
	close(slave);
	close(master);
}

static void naming_and_nodes(void)
{
	unsigned ptn = 0;
	EXPECT_OK("posix_openpt", master = posix_openpt(O_RDWR | O_NOCTTY));
	EXPECT_EQ("TIOCGPTN", ioctl(master, TIOCGPTN, &ptn), 0);
	char want[64];
	snprintf(want, sizeof want, "/dev/pts/%u", ptn);
	EXPECT_EQ("ptsname_r", ptsname_r(master, name, sizeof name), 0);
	EXPECT_TRUE("ptsname is /dev/pts/N", strcmp(name, want) == 0);
	EXPECT_TRUE("ptsname() agrees", strcmp(ptsname(master), name) == 0);
	EXPECT_EQ("ptsname_r short buffer", ptsname_r(master, want, 5), ERANGE);
	EXPECT_ERR("open slave while locked", open(name, O_RDWR | O_NOCTTY), EIO);
	EXPECT_EQ("grantpt", grantpt(master), 0);
	EXPECT_EQ("unlockpt", unlockpt(master), 0);
	EXPECT_OK("open slave", slave = open(name, O_RDWR | O_NOCTTY));
	EXPECT_TRUE("isatty(master)", isatty(master));
	EXPECT_TRUE("isatty(slave)", isatty(slave));

	struct stat st, st2;
	EXPECT_EQ("fstat slave", fstat(slave, &st), 0);
	EXPECT_TRUE("slave is a char device", S_ISCHR(st.st_mode));
	EXPECT_EQ("slave major", major(st.st_rdev), 136);
	EXPECT_TRUE("slave minor is the pty number", minor(st.st_rdev) == ptn);
	EXPECT_TRUE("slave owned by the opener", st.st_uid == getuid());
	EXPECT_EQ("stat /dev/pts/N", stat(name, &st2), 0);
	EXPECT_TRUE("same inode by name", st.st_ino == st2.st_ino && st.st_dev == st2.st_dev);
	EXPECT_EQ("fstat master", fstat(master, &st), 0);
	EXPECT_TRUE("master is /dev/ptmx (5:2)", S_ISCHR(st.st_mode) && major(st.st_rdev) == 5 && minor(st.st_rdev) == 2);
	EXPECT_EQ("stat /dev/pts/ptmx", stat("/dev/pts/ptmx", &st), 0);
	EXPECT_TRUE("/dev/pts/ptmx is 5:2", S_ISCHR(st.st_mode) && st.st_rdev == makedev(5, 2));
	struct statfs sf;
	EXPECT_EQ("statfs /dev/pts", statfs("/dev/pts", &sf), 0);
	EXPECT_TRUE("devpts magic", sf.f_type == 0x1cd1);

	int peer;
	EXPECT_OK("TIOCGPTPEER", peer = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY));
	EXPECT_EQ("fstat peer", fstat(peer, &st), 0);
	EXPECT_TRUE("peer is the slave", major(st.st_rdev) == 136 && minor(st.st_rdev) == ptn);
	close(peer);

	EXPECT_ERR("TIOCGPTN on slave", ioctl(slave, TIOCGPTN, &ptn), ENOTTY);
	EXPECT_ERR("TIOCGPTPEER on slave", ioctl(slave, TIOCGPTPEER, O_RDWR), EIO);
	EXPECT_ERR("TIOCSPTLCK on slave", ioctl(slave, TIOCSPTLCK, &ptn), ENOTTY);
	struct termios t;
	EXPECT_ERR("TCGETS bad pointer", ioctl(slave, TCGETS, (void *)8), EFAULT);
	EXPECT_ERR("TCSETS bad pointer", ioctl(slave, TCSETS, (void *)8), EFAULT);
	EXPECT_ERR("tcgetattr bad fd", tcgetattr(-1, &t), EBADF);
	EXPECT_ERR("open missing pty", open("/dev/pts/999999", O_RDWR), ENOENT);

	int null = open("/dev/null", O_RDWR);
	int p[2];
	if (pipe(p) != 0)
		return;
	struct winsize ws;
	EXPECT_ERR("tcgetattr /dev/null", tcgetattr(null, &t), ENOTTY);
	/* (Linux answers ENOTTY to TCSETS with a bad pointer on a non-terminal, but qemu reads the argument first.) */
	EXPECT_ERR("TIOCGWINSZ /dev/null", ioctl(null, TIOCGWINSZ, &ws), ENOTTY);
	EXPECT_ERR("TIOCGPTN /dev/null", ioctl(null, TIOCGPTN, &ptn), ENOTTY);
	EXPECT_ERR("tcgetattr pipe", tcgetattr(p[0], &t), ENOTTY);
	EXPECT_ERR("TIOCSCTTY pipe", ioctl(p[0], TIOCSCTTY, 0), ENOTTY);
	EXPECT_TRUE("isatty(/dev/null) is 0", !isatty(null));
	EXPECT_ERR("grantpt /dev/null", grantpt(null), EINVAL);
	EXPECT_ERR("unlockpt /dev/null", unlockpt(null), EINVAL);
	EXPECT_EQ("ptsname_r /dev/null", ptsname_r(null, want, sizeof want), ENOTTY);
	close(null);
	close(p[0]);
	close(p[1]);
}

static void default_settings(void)
{
	struct termios t = attrs(), m;
	defaults = t;
	printf("c_iflag: %o\nc_oflag: %o\nc_cflag: %o\nc_lflag: %o\n", t.c_iflag, t.c_oflag, t.c_cflag, t.c_lflag);
	printf("c_cc:");
	for (int i = 0; i <= VEOL2; i++)
		printf(" %d", t.c_cc[i]);
	printf("\n");
	EXPECT_TRUE("ispeed is 38400", cfgetispeed(&t) == B38400);
	memset(&m, 0, sizeof m);
	EXPECT_EQ("tcgetattr master", tcgetattr(master, &m), 0);
	EXPECT_TRUE("master reports the slave's settings", memcmp(&t, &m, sizeof t) == 0);
	/* The pty driver keeps 8 data bits and the receiver on. */
	t.c_cflag = (t.c_cflag & ~CSIZE) | CS7 | PARENB;
	/* glibc's tcsetattr reports EINVAL when the terminal did not take every setting; the ioctl itself succeeds. */
	EXPECT_ERR("tcsetattr CS7|PARENB", tcsetattr(slave, TCSANOW, &t), EINVAL);
	EXPECT_EQ("TCSETS CS7|PARENB", ioctl(slave, TCSETS, &t), 0);
	t = attrs();
	EXPECT_TRUE("still CS8 without PARENB", (t.c_cflag & CSIZE) == CS8 && !(t.c_cflag & PARENB) && (t.c_cflag & CREAD));
	/* Settings made on the master are the slave's. */
	t.c_lflag &= ~ECHO;
	EXPECT_EQ("tcsetattr on master", tcsetattr(master, TCSANOW, &t), 0);
	EXPECT_TRUE("slave sees it", !(attrs().c_lflag & ECHO));
	set_attrs(&defaults);
}

static void canonical(void)
{
	int n = -1;
	static const struct exchange editing[] = {
		{"ab\x7f" "c\tx\x7f\x7f" "d\n", "echo: erase, tab, erase over tab",
		 "ab\\x08 \\x08c\\x09x\\x08 \\x08\\x08\\x08\\x08\\x08\\x08\\x08d\\x0d\\x0a", "acd\\x0a"},
		{"hello\x15" "x\n", "echo: kill (ECHOKE)", "hello\\x08 \\x08\\x08 \\x08\\x08 \\x08\\x08 \\x08\\x08 \\x08x\\x0d\\x0a", "x\\x0a"},
		{"foo bar\x17" "baz\n", "echo: word erase", "foo bar\\x08 \\x08\\x08 \\x08\\x08 \\x08baz\\x0d\\x0a", "foo baz\\x0a"},
	};
	exchanges(editing, 3);
	put("\x04");
	expect_slave_read("EOF at line start reads 0", 100, "");
	put("ab\x04");
	expect_slave_read("EOF ends a line without itself", 100, "ab");
	expect_master("EOF is not echoed", "ab");
	put("abcdef\n");
	expect_slave_read("short read of a line", 3, "abc");
	expect_slave_read("rest of the line", 100, "def\\x0a");
	put("one\ntwo\n");
	settle();
	expect_slave_read("one line per read", 100, "one\\x0a");
	expect_slave_read("next line", 100, "two\\x0a");
	drain(master, (char[256]){0}, 256);

	put("par");
	settle();
	EXPECT_EQ("FIONREAD partial line", ioctl(slave, FIONREAD, &n), 0);
	EXPECT_EQ("FIONREAD value", n, 0);
	EXPECT_EQ("master FIONREAD (echo)", ioctl(master, FIONREAD, &n), 0);
	EXPECT_EQ("master FIONREAD value", n, 3);
	int fl = fcntl(slave, F_GETFL);
	fcntl(slave, F_SETFL, fl | O_NONBLOCK);
	EXPECT_ERR("non-blocking read of a partial line", read(slave, (char[8]){0}, 8), EAGAIN);
	fcntl(slave, F_SETFL, fl);
	put("t\n");
	settle();
	EXPECT_EQ("FIONREAD complete line", ioctl(slave, FIONREAD, &n), 0);
	EXPECT_EQ("FIONREAD line value", n, 5);
	expect_slave_read("completed line", 100, "part\\x0a");
	expect_master("echo of the pieces", "part\\x0d\\x0a");

	static const struct exchange special[] = {
		{"\x01\x1b[A\r", "echo of control characters (ECHOCTL), CR as NL", "^A^[[A\\x0d\\x0a", "\\x01\\x1b[A\\x0a"},
		{"a\x01\x7f\x7f\n", "erasing a control character", "a^A\\x08 \\x08\\x08 \\x08\\x08 \\x08\\x0d\\x0a", "\\x0a"},
		{"\x16\x03\n", "echo of LNEXT (the next character is literal)", "^\\x08^C\\x0d\\x0a", "\\x03\\x0a"},
		{"ab\x12" "c\n", "echo of REPRINT", "ab^R\\x0d\\x0aabc\\x0d\\x0a", "abc\\x0a"},
		{"\x7f" "x\n", "erase at line start echoes nothing", "x\\x0d\\x0a", "x\\x0a"},
	};
	exchanges(special, 5);
}

static void echo_variants(void)
{
	static const struct exchange variants[] = {
		{"ab\x7f\n", "erase without ECHOE", "ab^?\\x0d\\x0a", "a\\x0a", 0, ECHOE, 0},
		{"ab\x7f\x01\n", "without ECHOCTL", "ab\\x7f\\x01\\x0d\\x0a", "a\\x01\\x0a", 0, ECHOCTL, 0},
		{"abc\x15" "d\n", "kill with ECHOK, without ECHOKE", "abc^U\\x0d\\x0ad\\x0d\\x0a", "d\\x0a", 0, ECHOKE, 1},
		{"abc\x7f\x7f" "d\n", "erase with ECHOPRT", "abc\\x5ccb/d\\x0d\\x0a", "ad\\x0a", ECHOPRT, 0, 0},
		{"secret\n", "ECHONL without ECHO", "\\x0d\\x0a", "secret\\x0a", ECHONL, ECHO, 1},
		{"quiet\n", "no echo", "", "quiet\\x0a", 0, ECHONL, 0},
	};
	exchanges(variants, 6);
	set_attrs(&defaults);
}

static void input_processing(void)
{
	struct termios t = defaults;
	t.c_iflag &= ~ICRNL;
	set_attrs(&t);
	put("a\rb\n");
	expect_master("CR kept without ICRNL", "a^Mb\\x0d\\x0a");
	expect_slave_read("line", 100, "a\\x0db\\x0a");
	t.c_iflag |= IGNCR;
	set_attrs(&t);
	put("a\rb\n");
	expect_slave_read("IGNCR drops CR", 100, "ab\\x0a");
	t.c_iflag = INLCR;
	set_attrs(&t);
	put("a\n\x04");
	expect_slave_read("INLCR turns NL into CR", 100, "a\\x0d");
	t.c_iflag = ISTRIP;
	set_attrs(&t);
	put("\xe9\n");
	expect_slave_read("ISTRIP", 100, "i\\x0a");
	set_attrs(&defaults);
	drain(master, (char[256]){0}, 256);
}

static void output_processing(void)
{
	struct termios t = defaults;
	(void)!write(slave, "a\nb\n", 4);
	expect_master("ONLCR", "a\\x0d\\x0ab\\x0d\\x0a");
	t.c_oflag &= ~OPOST;
	set_attrs(&t);
	(void)!write(slave, "a\nb\t\n", 5);
	expect_master("without OPOST", "a\\x0ab\\x09\\x0a");
	t.c_oflag = OPOST | OCRNL;
	set_attrs(&t);
	(void)!write(slave, "a\rb", 3);
	expect_master("OCRNL", "a\\x0ab");
	t.c_oflag = OPOST | ONOCR | ONLCR;
	set_attrs(&t);
	(void)!write(slave, "\r\nx\r", 4);
	expect_master("ONOCR (the column was not 0)", "\\x0d\\x0d\\x0ax\\x0d");
	(void)!write(slave, "\r", 1);
	expect_master("ONOCR at column 0", "");
	t.c_oflag = OPOST | XTABS;
	set_attrs(&t);
	(void)!write(slave, "ab\tc\t\n", 6);
	expect_master("XTABS", "ab      c       \\x0a");
	t.c_oflag = OPOST | OLCUC;
	set_attrs(&t);
	(void)!write(slave, "up!", 3);
	expect_master("OLCUC", "UP!");
	set_attrs(&defaults);
	put("ok\n");
	expect_master("echo goes through output processing", "ok\\x0d\\x0a");
	expect_slave_read("line", 100, "ok\\x0a");
}

static void flow_and_flush(void)
{
	int n = -1;
	int fl = fcntl(slave, F_GETFL);
	fcntl(slave, F_SETFL, fl | O_NONBLOCK);
	put("\x13");
	settle();
	EXPECT_ERR("write after STOP (IXON)", write(slave, "x", 1), EAGAIN);
	put("\x11");
	settle();
	EXPECT_EQ("write after START", write(slave, "x", 1), 1);
	expect_master("output after START", "x");
	EXPECT_EQ("TCXONC TCOOFF", tcflow(slave, TCOOFF), 0);
	EXPECT_ERR("write while TCOOFF", write(slave, "y", 1), EAGAIN);
	EXPECT_EQ("TCXONC TCOON", tcflow(slave, TCOON), 0);
	EXPECT_EQ("write after TCOON", write(slave, "y", 1), 1);
	expect_master("output after TCOON", "y");
	EXPECT_EQ("TCXONC TCIOFF", tcflow(slave, TCIOFF), 0);
	expect_master("TCIOFF sends STOP", "\\x13");
	EXPECT_ERR("TCXONC bad action", ioctl(slave, TCXONC, 7), EINVAL);
	fcntl(slave, F_SETFL, fl);

	put("abc\n");
	settle();
	EXPECT_EQ("tcflush TCIFLUSH", tcflush(slave, TCIFLUSH), 0);
	EXPECT_EQ("FIONREAD after flush", ioctl(slave, FIONREAD, &n), 0);
	EXPECT_EQ("FIONREAD value", n, 0);
	EXPECT_EQ("tcflush master input", tcflush(master, TCIFLUSH), 0);
	expect_master("echo flushed", "");
	EXPECT_EQ("tcflush TCOFLUSH", tcflush(slave, TCOFLUSH), 0);
	EXPECT_EQ("tcflush TCIOFLUSH", tcflush(slave, TCIOFLUSH), 0);
	EXPECT_ERR("tcflush bad queue", ioctl(slave, TCFLSH, 9), EINVAL);
	EXPECT_EQ("tcdrain", tcdrain(slave), 0);
	EXPECT_EQ("tcsendbreak", tcsendbreak(slave, 0), 0);
	EXPECT_EQ("TIOCOUTQ", ioctl(slave, TIOCOUTQ, &n), 0);
	put("xyz");
	settle();
	struct termios t = attrs();
	EXPECT_EQ("tcsetattr TCSAFLUSH", tcsetattr(slave, TCSAFLUSH, &t), 0);
	put("\n");
	expect_slave_read("TCSAFLUSH dropped the partial line", 100, "\\x0a");
	drain(master, (char[256]){0}, 256);
}

static void raw_mode(void)
{
	char buf[64];
	struct termios t = defaults;
	cfmakeraw(&t);
	EXPECT_EQ("cfmakeraw + tcsetattr", tcsetattr(slave, TCSANOW, &t), 0);
	t = attrs();
	printf("raw c_iflag: %o c_oflag: %o c_lflag: %o VMIN: %d VTIME: %d\n", t.c_iflag, t.c_oflag, t.c_lflag, t.c_cc[VMIN], t.c_cc[VTIME]);
	put("a\rb\x03\x7f\n");
	settle();
	expect_slave_read("raw bytes, no signal", 100, "a\\x0db\\x03\\x7f\\x0a");
	expect_master("no echo in raw mode", "");

	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	set_attrs(&t);
	expect_slave_read("VMIN 0 VTIME 0: nothing there", 10, "");
	t.c_cc[VTIME] = 2;
	set_attrs(&t);
	long start = now_ms();
	expect_slave_read("VMIN 0 VTIME 2: times out", 10, "");
	EXPECT_TRUE("waited about 0.2 s", now_ms() - start >= 150);
	put("q");
	settle();
	expect_slave_read("VMIN 0 VTIME 2: data", 10, "q");

	t.c_cc[VMIN] = 3;
	t.c_cc[VTIME] = 0;
	set_attrs(&t);
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		for (const char *p = "123"; *p; p++) {
			usleep(50000);
			(void)!write(master, p, 1);
		}
		_exit(0);
	}
	expect_slave_read("VMIN 3 waits for three bytes", 10, "123");
	waitpid(child, NULL, 0);

	t.c_cc[VMIN] = 5;
	t.c_cc[VTIME] = 2;
	set_attrs(&t);
	fflush(stdout);
	child = fork();
	if (child == 0) {
		usleep(50000);
		(void)!write(master, "ab", 2);
		usleep(1500000);
		_exit(0);
	}
	start = now_ms();
	expect_slave_read("VMIN 5 VTIME 2: inter-byte timeout", 10, "ab");
	EXPECT_TRUE("returned before the writer's pause ended", now_ms() - start < 1200);
	waitpid(child, NULL, 0);

	t.c_cc[VMIN] = 2;
	t.c_cc[VTIME] = 0;
	set_attrs(&t);
	int fl = fcntl(slave, F_GETFL);
	fcntl(slave, F_SETFL, fl | O_NONBLOCK);
	EXPECT_ERR("non-blocking raw read, nothing there", read(slave, buf, 10), EAGAIN);
	put("z");
	settle();
	expect_slave_read("non-blocking read takes fewer than VMIN", 10, "z");
	fcntl(slave, F_SETFL, fl);

	put("pend");
	settle();
	set_attrs(&defaults);
	expect_slave_read("pending raw input becomes a line", 100, "pend");
	put("xy");
	settle();
	t = defaults;
	cfmakeraw(&t);
	set_attrs(&t);
	expect_slave_read("a partial line is readable in raw mode", 100, "xy");
	set_attrs(&defaults);
	drain(master, buf, sizeof buf);
}

/* What poll(2) reports for fd now (after the other side settled), as n_tty_poll computes it. */
static int revents(int fd)
{
	struct pollfd p = {fd, POLLIN | POLLPRI | POLLOUT | POLLRDNORM | POLLWRNORM | POLLRDHUP, 0};
	settle();
	int n = poll(&p, 1, 0);
	return n < 0 ? -errno : p.revents;
}

static void expect_revents(const char *label, int fd, int want)
{
	int got = revents(fd);
	printf("%s: %#x\n", label, got);
	if (got != want) {
		char w[32];
		snprintf(w, sizeof w, "%#x", want);
		conf_mismatch(label, w);
	}
}

/* A child that writes s to fd after a pause, while the parent waits. */
static pid_t write_later(int fd, const char *s)
{
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		usleep(100000);
		(void)!write(fd, s, strlen(s));
		_exit(0);
	}
	return child;
}

/* poll, select and epoll on both sides report what Linux's n_tty_poll reports, and wake when it changes. */
static void readiness(void)
{
	char buf[64];
	const int in = POLLIN | POLLRDNORM, out = POLLOUT | POLLWRNORM;
	expect_revents("poll idle master", master, out);
	expect_revents("poll idle slave", slave, out);
	put("ab");
	expect_revents("poll master with echo", master, in | out);
	expect_revents("poll slave with a partial line", slave, out);
	put("\n");
	expect_revents("poll slave with a line", slave, in | out);
	expect_slave_read("the line", 100, "ab\\x0a");
	expect_revents("poll slave after reading it", slave, out);
	drain(master, buf, sizeof buf);
	expect_revents("poll master drained", master, out);

	fd_set r, w;
	struct timeval tv = {0, 0};
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(master, &r);
	FD_SET(slave, &r);
	FD_SET(master, &w);
	FD_SET(slave, &w);
	EXPECT_EQ("select idle pair", select((master > slave ? master : slave) + 1, &r, &w, NULL, &tv), 2);
	EXPECT_TRUE("select: both writable, neither readable",
		    FD_ISSET(master, &w) && FD_ISSET(slave, &w) && !FD_ISSET(master, &r) && !FD_ISSET(slave, &r));

	/* Blocking waits are woken by the other side. */
	struct pollfd p = {slave, POLLIN, 0};
	pid_t child = write_later(master, "typed\n");
	EXPECT_EQ("poll slave woken by a line", poll(&p, 1, 5000), 1);
	printf("woken slave revents: %#x\n", p.revents);
	waitpid(child, NULL, 0);
	expect_slave_read("the typed line", 100, "typed\\x0a");
	drain(master, buf, sizeof buf);
	p.fd = master;
	child = write_later(slave, "out");
	EXPECT_EQ("poll master woken by output", poll(&p, 1, 5000), 1);
	printf("woken master revents: %#x\n", p.revents);
	waitpid(child, NULL, 0);
	expect_master("the output", "out");

	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 1}, got[4];
	EXPECT_EQ("epoll_ctl ADD slave", epoll_ctl(ep, EPOLL_CTL_ADD, slave, &ev), 0);
	ev.data.u32 = 2;
	EXPECT_EQ("epoll_ctl ADD master", epoll_ctl(ep, EPOLL_CTL_ADD, master, &ev), 0);
	EXPECT_EQ("epoll_wait idle", epoll_wait(ep, got, 4, 0), 0);
	child = write_later(master, "x\n");
	int n = epoll_wait(ep, got, 4, 5000);
	EXPECT_TRUE("epoll_wait woken by the input", n >= 1);
	waitpid(child, NULL, 0);
	settle();
	n = epoll_wait(ep, got, 4, 0);
	int seen = 0;
	for (int i = 0; i < n; i++)
		seen |= got[i].events == EPOLLIN ? (int)got[i].data.u32 : 0x10;
	EXPECT_EQ("epoll: slave (line) and master (echo) readable", seen, 3);
	expect_slave_read("the epoll line", 100, "x\\x0a");
	drain(master, buf, sizeof buf);
	EXPECT_EQ("epoll_wait drained", epoll_wait(ep, got, 4, 0), 0);
	ev.events = EPOLLOUT;
	ev.data.u32 = 1;
	EXPECT_EQ("epoll_ctl MOD slave EPOLLOUT", epoll_ctl(ep, EPOLL_CTL_MOD, slave, &ev), 0);
	n = epoll_wait(ep, got, 4, 0);
	EXPECT_TRUE("epoll: slave writable", n == 1 && got[0].events == EPOLLOUT && got[0].data.u32 == 1);
	EXPECT_EQ("TCOOFF", tcflow(slave, TCOOFF), 0);
	EXPECT_EQ("epoll: stopped slave not writable", epoll_wait(ep, got, 4, 0), 0);
	expect_revents("poll stopped slave", slave, 0);
	EXPECT_EQ("TCOON", tcflow(slave, TCOON), 0);
	EXPECT_EQ("epoll: restarted slave writable", epoll_wait(ep, got, 4, 0), 1);
	close(ep);

	/* Raw mode: VMIN decides when poll says readable, unless VTIME is set. */
	struct termios t = defaults;
	cfmakeraw(&t);
	t.c_cc[VMIN] = 3;
	t.c_cc[VTIME] = 0;
	set_attrs(&t);
	put("12");
	expect_revents("poll raw slave, 2 of VMIN 3", slave, out);
	put("3");
	expect_revents("poll raw slave, 3 of VMIN 3", slave, in | out);
	t.c_cc[VMIN] = 5;
	set_attrs(&t);
	expect_revents("poll raw slave, 3 of VMIN 5", slave, out);
	t.c_cc[VTIME] = 1;
	set_attrs(&t);
	expect_revents("poll raw slave, VMIN 5 VTIME 1", slave, in | out);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	set_attrs(&t);
	expect_revents("poll raw slave, VMIN 0", slave, in | out);
	expect_slave_read("the raw bytes", 10, "123");
	set_attrs(&defaults);
	drain(master, buf, sizeof buf);

	/* Hang-ups: the slave's last close, then the master's. */
	int s2 = open(name, O_RDWR | O_NOCTTY);
	close(slave);
	expect_revents("poll master, one slave still open", master, out);
	close(s2);
	expect_revents("poll master after the slave closed", master, POLLHUP | out);
	slave = open(name, O_RDWR | O_NOCTTY);
	expect_revents("poll master after reopening", master, out);
	p.fd = slave;
	p.events = POLLIN;
	fflush(stdout);
	child = fork();
	if (child == 0) {
		usleep(100000);
		close(master);
		_exit(0);
	}
	close(master);
	EXPECT_EQ("poll slave woken by the hang-up", poll(&p, 1, 5000), 1);
	printf("hung-up slave revents: %#x\n", p.revents);
	waitpid(child, NULL, 0);
	expect_revents("poll hung-up slave", slave, in | out | POLLERR | POLLHUP);
	close(slave);
	open_pair();
}

static void window_size(void)
{
	struct winsize ws = {0}, got = {1, 1, 1, 1};
	EXPECT_EQ("TIOCGWINSZ", ioctl(slave, TIOCGWINSZ, &got), 0);
	EXPECT_TRUE("initially zero", got.ws_row == 0 && got.ws_col == 0 && got.ws_xpixel == 0 && got.ws_ypixel == 0);
	ws.ws_row = 24;
	ws.ws_col = 80;
	ws.ws_xpixel = 640;
	ws.ws_ypixel = 480;
	EXPECT_EQ("TIOCSWINSZ on master", ioctl(master, TIOCSWINSZ, &ws), 0);
	EXPECT_EQ("TIOCGWINSZ on slave", ioctl(slave, TIOCGWINSZ, &got), 0);
	printf("winsize: %d %d %d %d\n", got.ws_row, got.ws_col, got.ws_xpixel, got.ws_ypixel);
	ws.ws_row = 50;
	EXPECT_EQ("TIOCSWINSZ on slave", ioctl(slave, TIOCSWINSZ, &ws), 0);
	EXPECT_EQ("TIOCGWINSZ on master", ioctl(master, TIOCGWINSZ, &got), 0);
	EXPECT_EQ("rows", got.ws_row, 50);
	EXPECT_ERR("TIOCGWINSZ bad pointer", ioctl(slave, TIOCGWINSZ, (void *)8), EFAULT);
}

static void closing(void)
{
	char buf[64];
	(void)!write(slave, "bye\n", 4);
	close(slave);
	expect_master("output written before the close", "bye\\x0d\\x0a");
	EXPECT_ERR("master read after the slave closed", read(master, buf, sizeof buf), EIO);
	EXPECT_OK("reopen slave", slave = open(name, O_RDWR | O_NOCTTY));
	int fl = fcntl(master, F_GETFL);
	fcntl(master, F_SETFL, fl | O_NONBLOCK);
	EXPECT_ERR("master read after reopening", read(master, buf, sizeof buf), EAGAIN);
	fcntl(master, F_SETFL, fl);
	put("pending\n");
	settle();
	close(master);
	EXPECT_EQ("slave read after hang-up", read(slave, buf, sizeof buf), 0);
	EXPECT_ERR("slave write after hang-up", write(slave, "x", 1), EIO);
	struct termios t;
	EXPECT_ERR("tcgetattr after hang-up", tcgetattr(slave, &t), EIO);
	EXPECT_ERR("/dev/pts/N is gone", open(name, O_RDWR | O_NOCTTY), ENOENT);
	close(slave);
}

static int wait_status(pid_t pid)
{
	int status = 0;
	waitpid(pid, &status, 0);
	return status;
}

/* In a new session: the slave becomes the controlling terminal and job control applies. */
static void session_child(void)
{
	signal(SIGTTOU, SIG_IGN);
	EXPECT_TRUE("setsid returns our pid", setsid() == getpid());
	EXPECT_ERR("/dev/tty in a new session", open("/dev/tty", O_RDWR), ENXIO);
	EXPECT_ERR("setsid as a session leader", setsid(), EPERM);
	EXPECT_ERR("setpgid of a session leader", setpgid(0, 0), EPERM);
	int s;
	EXPECT_OK("open slave without O_NOCTTY", s = open(name, O_RDWR));
	pid_t v = 0;
	/* (qemu does not copy TIOCGSID's result back, so only the return value is compared.) */
	EXPECT_EQ("TIOCGSID", ioctl(s, TIOCGSID, &v), 0);
	EXPECT_TRUE("tcgetpgrp is our group", tcgetpgrp(s) == getpgrp());
	EXPECT_EQ("TIOCGPGRP on master", ioctl(master, TIOCGPGRP, &v), 0);
	EXPECT_TRUE("master sees the foreground group", v == getpgrp());
	EXPECT_EQ("TIOCSCTTY on our own terminal", ioctl(s, TIOCSCTTY, 0), 0);
	int t;
	struct stat st;
	EXPECT_OK("open /dev/tty", t = open("/dev/tty", O_RDWR));
	EXPECT_TRUE("/dev/tty is 5:0", fstat(t, &st) == 0 && st.st_rdev == makedev(5, 0));
	EXPECT_TRUE("/dev/tty is a terminal", isatty(t));
	close(t);
	EXPECT_ERR("tcsetpgrp negative", tcsetpgrp(s, -1), EINVAL);
	EXPECT_ERR("tcsetpgrp missing group", tcsetpgrp(s, INT_MAX), ESRCH);

	fflush(stdout);
	pid_t gc = fork();
	if (gc == 0) {
		setpgid(0, 0);
		usleep(3000000);
		_exit(0);
	}
	EXPECT_EQ("setpgid child into its own group", setpgid(gc, gc), 0);
	EXPECT_EQ("tcsetpgrp to the child's group", tcsetpgrp(s, gc), 0);
	EXPECT_TRUE("tcgetpgrp follows", tcgetpgrp(s) == gc);
	EXPECT_EQ("tcsetpgrp back (SIGTTOU ignored)", tcsetpgrp(s, getpgrp()), 0);
	kill(gc, SIGKILL);
	wait_status(gc);

	signal(SIGHUP, SIG_IGN);
	EXPECT_EQ("TIOCNOTTY", ioctl(s, TIOCNOTTY), 0);
	EXPECT_ERR("/dev/tty after TIOCNOTTY", open("/dev/tty", O_RDWR), ENXIO);
	EXPECT_ERR("TIOCGSID after TIOCNOTTY", ioctl(s, TIOCGSID, &v), ENOTTY);
	EXPECT_EQ("TIOCSCTTY takes it again", ioctl(s, TIOCSCTTY, 0), 0);
	EXPECT_TRUE("tcgetpgrp after TIOCSCTTY", tcgetpgrp(s) == getpgrp());
	fflush(stdout);
	_exit(conf_failures ? 1 : 0);
}

static void sessions(void)
{
	open_pair();
	EXPECT_ERR("TIOCGPGRP on a terminal that is not ours", ioctl(slave, TIOCGPGRP, &(pid_t){0}), ENOTTY);
	EXPECT_ERR("TIOCSPGRP on a terminal that is not ours", ioctl(slave, TIOCSPGRP, &(pid_t){0}), ENOTTY);
	EXPECT_ERR("TIOCNOTTY on a terminal that is not ours", ioctl(slave, TIOCNOTTY), ENOTTY);
	EXPECT_ERR("TIOCGSID without a session", ioctl(master, TIOCGSID, &(pid_t){0}), ENOTTY);
	EXPECT_ERR("setpgid bad group", setpgid(0, -1), EINVAL);
	EXPECT_ERR("setpgid missing process", setpgid(INT_MAX, 0), ESRCH);
	fflush(stdout);
	pid_t child = fork();
	if (child == 0)
		session_child();
	int status = wait_status(child);
	EXPECT_TRUE("session checks passed in the child", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close_pair();
}

/* A child that starts a session, takes the slave as its controlling terminal
 * and blocks reading it (then, with linger, stays a while). */
static pid_t start_session_reader(int linger)
{
	int ready[2];
	if (pipe(ready) != 0)
		return -1;
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		/* qemu reports a core-dumping signal on stderr: keep that out of the comparison. */
		dup2(open("/dev/null", O_WRONLY), 2);
		close(master);
		close(slave);
		setsid();
		int s = open(name, O_RDWR);
		(void)!write(ready[1], "r", 1);
		char b[16];
		(void)!read(s, b, sizeof b);
		if (linger)
			usleep(2000000);
		_exit(0);
	}
	char r;
	(void)!read(ready[0], &r, 1);
	close(ready[0]);
	close(ready[1]);
	settle();
	return child;
}

/* A signal character kills the foreground group of the session whose terminal this is. */
static void signal_character(const char *c, int sig, const char *label)
{
	open_pair();
	pid_t child = start_session_reader(0);
	put(c);
	int status = wait_status(child);
	EXPECT_TRUE(label, WIFSIGNALED(status) && WTERMSIG(status) == sig);
	close_pair();
}

static void hangup_signal(void)
{
	open_pair();
	pid_t child = start_session_reader(1);
	close_pair();
	int status = wait_status(child);
	EXPECT_TRUE("closing the master sends SIGHUP to the session leader", WIFSIGNALED(status) && WTERMSIG(status) == SIGHUP);
}

int main(void)
{
	naming_and_nodes();
	default_settings();
	canonical();
	echo_variants();
	input_processing();
	output_processing();
	flow_and_flush();
	raw_mode();
	readiness();
	window_size();
	closing();
	sessions();
	signal_character("\x03", SIGINT, "^C kills the foreground group with SIGINT");
	signal_character("\x1c", SIGQUIT, "^\\ kills the foreground group with SIGQUIT");
	hangup_signal();
	return conf_exit();
}
