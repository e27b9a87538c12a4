/* With CAP_SYS_TIME (root in the sandbox) clock_settime, settimeofday and adjtimex(ADJ_SETOFFSET) move the
 * sandbox's CLOCK_REALTIME; CLOCK_MONOTONIC does not move. Kernel-only: under the oracle this would set the host's
 * clock. */
#include "../conformance.h"

#include <poll.h>
#include <stdint.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct timespec before, mono0, mono1, now;
	clock_gettime(CLOCK_REALTIME, &before);
	clock_gettime(CLOCK_MONOTONIC, &mono0);
	struct timespec y2k = {946684800, 0};
	EXPECT_EQ("clock_settime to 2000-01-01", clock_settime(CLOCK_REALTIME, &y2k), 0);
	clock_gettime(CLOCK_REALTIME, &now);
	EXPECT_TRUE("  CLOCK_REALTIME reads it", now.tv_sec >= 946684800 && now.tv_sec < 946684800 + 5);
	struct timeval tv;
	gettimeofday(&tv, NULL);
	EXPECT_TRUE("  gettimeofday agrees", tv.tv_sec >= 946684800 && tv.tv_sec < 946684800 + 5);
	EXPECT_TRUE("  time() agrees", time(NULL) >= 946684800 && time(NULL) < 946684800 + 5);
	clock_gettime(CLOCK_MONOTONIC, &mono1);
	EXPECT_TRUE("  CLOCK_MONOTONIC did not jump", mono1.tv_sec - mono0.tv_sec < 5);
	struct timex tx;
	memset(&tx, 0, sizeof tx);
	tx.modes = ADJ_SETOFFSET;
	tx.time.tv_sec = 3600;
	EXPECT_TRUE("adjtimex(ADJ_SETOFFSET) one hour on", adjtimex(&tx) >= 0);
	clock_gettime(CLOCK_REALTIME, &now);
	EXPECT_TRUE("  CLOCK_REALTIME moved an hour", now.tv_sec >= 946684800 + 3600 && now.tv_sec < 946684800 + 3605);
	struct timeval back = {before.tv_sec, 0};
	EXPECT_EQ("settimeofday back", settimeofday(&back, NULL), 0);
	clock_gettime(CLOCK_REALTIME, &now);
	EXPECT_TRUE("  the real time again", now.tv_sec >= before.tv_sec && now.tv_sec < before.tv_sec + 60);
	/* A TIMER_ABSTIME sleep uses the sandbox's clock. */
	clock_settime(CLOCK_REALTIME, &y2k);
	struct timespec wake = {946684800 + 1, 0}, m0, m1;
	clock_gettime(CLOCK_MONOTONIC, &m0);
	EXPECT_EQ("clock_nanosleep(TIMER_ABSTIME) to a sandbox time", clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &wake, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &m1);
	EXPECT_TRUE("  it slept about a second, not decades", m1.tv_sec - m0.tv_sec < 5);

	/* TFD_TIMER_CANCEL_ON_SET: setting the clock cancels an absolute realtime timerfd. */
	clock_gettime(CLOCK_REALTIME, &now);
	int tfd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
	struct itimerspec far = {{0, 0}, {now.tv_sec + 3600, 0}};
	EXPECT_EQ("timerfd_settime(ABSTIME | CANCEL_ON_SET)", timerfd_settime(tfd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &far, NULL), 0);
	uint64_t ticks;
	EXPECT_ERR("  nothing to read yet", read(tfd, &ticks, 8), EAGAIN);
	struct timespec later = {now.tv_sec + 10, 0};
	clock_settime(CLOCK_REALTIME, &later);
	struct pollfd p = {tfd, POLLIN, 0};
	EXPECT_EQ("  setting the clock makes it readable", poll(&p, 1, 1000), 1);
	EXPECT_ERR("  and the read says ECANCELED", read(tfd, &ticks, 8), ECANCELED);
	EXPECT_ERR("  once", read(tfd, &ticks, 8), EAGAIN);
	/* An absolute realtime timerfd fires at the sandbox's time. */
	clock_settime(CLOCK_REALTIME, &y2k);
	struct itimerspec soon = {{0, 0}, {946684800 + 1, 0}};
	timerfd_settime(tfd, TFD_TIMER_ABSTIME, &soon, NULL);
	EXPECT_EQ("an absolute timerfd at the sandbox's time fires", poll(&p, 1, 5000), 1);
	EXPECT_EQ("  one expiry", read(tfd, &ticks, 8) == 8 && ticks == 1, 1);
	clock_settime(CLOCK_REALTIME, &before);
	return conf_exit();
}
