/* Helpers shared by the readiness conformance programs (eventfd, epoll, poll, timerfd, inotify). */
#ifndef EVENTS_H
#define EVENTS_H

#include "conformance.h"

#include <time.h>

/* Milliseconds on CLOCK_MONOTONIC: timing is checked as relations ("elapsed >= 50ms"), never printed. */
static inline long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

/* qemu-user 7.2 (the oracle) lacks some calls the Linux it runs on has (epoll_pwait2): it answers ENOSYS.
 * Then the program prints what the man page specifies instead of checking, so both outputs match; run
 * with the argument "strict" (the kernel's own tests do) an ENOSYS is a failure instead. */
static int events_strict;

static inline int qemu_lacks(long ret, int err)
{
	if (ret == -1 && err == ENOSYS && !events_strict)
		return 1;
	if (ret == -1 && err == ENOSYS)
		conf_mismatch("strict mode", "the call to be implemented");
	return 0;
}

static inline void events_init(int argc, char **argv)
{
	events_strict = argc > 1 && strcmp(argv[1], "strict") == 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
}

#endif
