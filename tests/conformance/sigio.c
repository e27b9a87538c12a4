/* O_ASYNC: with F_SETOWN and O_ASYNC (fcntl or FIOASYNC) a pipe that becomes readable sends SIGIO to its owner;
 * F_SETSIG picks another signal that carries si_fd and the band. */
#include "conformance.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

static volatile sig_atomic_t sigio_hits, rt_hits, rt_fd, rt_code;
static volatile long rt_band;

static void on_sigio(int sig) { (void)sig; sigio_hits++; }

static void on_rt(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	rt_hits++;
	rt_fd = si->si_fd;
	rt_code = si->si_code;
	rt_band = si->si_band;
}

static void wait_for(volatile sig_atomic_t *v)
{
	for (int i = 0; i < 200 && !*v; i++)
		usleep(5000);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	signal(SIGIO, on_sigio);
	int p[2];
	pipe(p);
	EXPECT_EQ("F_SETOWN to ourselves", fcntl(p[0], F_SETOWN, getpid()), 0);
	EXPECT_TRUE("F_GETOWN", fcntl(p[0], F_GETOWN) == getpid());
	write(p[1], "a", 1);
	usleep(50000);
	EXPECT_EQ("no SIGIO without O_ASYNC", sigio_hits, 0);
	char c;
	read(p[0], &c, 1);
	EXPECT_EQ("F_SETFL O_ASYNC", fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_ASYNC), 0);
	EXPECT_EQ("  F_GETFL shows it", (fcntl(p[0], F_GETFL) & O_ASYNC) != 0, 1);
	write(p[1], "b", 1);
	wait_for(&sigio_hits);
	EXPECT_TRUE("a write to the pipe sends SIGIO", sigio_hits >= 1);
	read(p[0], &c, 1);
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) & ~O_ASYNC);
	sigio_hits = 0;
	write(p[1], "c", 1);
	usleep(50000);
	EXPECT_EQ("none after O_ASYNC is cleared", sigio_hits, 0);
	read(p[0], &c, 1);

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_rt;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGRTMIN + 3, &sa, NULL);
	EXPECT_EQ("F_SETSIG", fcntl(p[0], F_SETSIG, SIGRTMIN + 3), 0);
	EXPECT_EQ("F_GETSIG", fcntl(p[0], F_GETSIG) == SIGRTMIN + 3, 1);
	int on = 1;
	EXPECT_EQ("FIOASYNC on", ioctl(p[0], FIOASYNC, &on), 0);
	EXPECT_EQ("  sets O_ASYNC", (fcntl(p[0], F_GETFL) & O_ASYNC) != 0, 1);
	write(p[1], "d", 1);
	wait_for(&rt_hits);
	EXPECT_TRUE("the F_SETSIG signal comes", rt_hits >= 1);
	EXPECT_EQ("  si_fd", rt_fd, p[0]);
	EXPECT_EQ("  si_code POLL_IN", rt_code, POLL_IN);
	EXPECT_TRUE("  si_band has POLLIN", (rt_band & POLLIN) != 0);
	on = 0;
	ioctl(p[0], FIOASYNC, &on);
	EXPECT_EQ("FIOASYNC off clears O_ASYNC", (fcntl(p[0], F_GETFL) & O_ASYNC) != 0, 0);
	EXPECT_ERR("FIOASYNC from a bad pointer", ioctl(p[0], FIOASYNC, (void *)8), EFAULT);
	EXPECT_EQ("F_SETSIG 0 goes back to SIGIO", fcntl(p[0], F_SETSIG, 0), 0);
	EXPECT_ERR("F_SETSIG 65", fcntl(p[0], F_SETSIG, 65), EINVAL);
	return conf_exit();
}
