/* Shared helpers for the conformance programs.
 *
 * Every line printed must be identical under any two correct Linux kernels:
 * results are printed as values only when they are deterministic, errors as
 * errno NAMES, and everything else as relations (1 = true, 0 = false).
 * Each check also knows the answer Linux gives; a mismatch adds a
 * "MISMATCH" line and makes the program exit 1, so the programs are
 * self-checking under the oracle (qemu-aarch64) too.
 */
#ifndef CONFORMANCE_H
#define CONFORMANCE_H

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int conf_failures;

static inline const char *conf_errname(int e)
{
	const char *n = strerrorname_np(e);
	return n ? n : "E?";
}

static inline void conf_mismatch(const char *label, const char *want)
{
	printf("MISMATCH %s: expected %s\n", label, want);
	conf_failures++;
}

/* Formats a syscall-style result: "-1 ENAME" on failure, else the value
 * (or "ok" when the value itself is not deterministic). */
static inline void conf_format(char *buf, size_t n, long ret, int err, int show_value)
{
	if (ret == -1)
		snprintf(buf, n, "-1 %s", conf_errname(err));
	else if (show_value)
		snprintf(buf, n, "%ld", ret);
	else
		snprintf(buf, n, "ok");
}

static inline void conf_expect_err(const char *label, long ret, int err, int want)
{
	char got[64], exp[64];
	conf_format(got, sizeof got, ret, err, 1);
	snprintf(exp, sizeof exp, "-1 %s", conf_errname(want));
	printf("%s: %s\n", label, got);
	if (strcmp(got, exp) != 0)
		conf_mismatch(label, exp);
}

static inline void conf_expect_ok(const char *label, long ret, int err)
{
	char got[64];
	conf_format(got, sizeof got, ret, err, 0);
	printf("%s: %s\n", label, got);
	if (ret == -1)
		conf_mismatch(label, "ok");
}

static inline void conf_expect_eq(const char *label, long ret, int err, long want)
{
	char got[64], exp[64];
	conf_format(got, sizeof got, ret, err, 1);
	snprintf(exp, sizeof exp, "%ld", want);
	printf("%s: %s\n", label, got);
	if (strcmp(got, exp) != 0)
		conf_mismatch(label, exp);
}

static inline void conf_expect_str(const char *label, const char *got, const char *want)
{
	printf("%s: %s\n", label, got ? got : "(null)");
	if (!got || strcmp(got, want) != 0)
		conf_mismatch(label, want);
}

/* errno is captured right after the call, before printf can touch it. */
#define EXPECT_ERR(label, expr, want) do { errno = 0; long r_ = (long)(expr); int e_ = errno; conf_expect_err(label, r_, e_, want); } while (0)
#define EXPECT_OK(label, expr) do { errno = 0; long r_ = (long)(expr); int e_ = errno; conf_expect_ok(label, r_, e_); } while (0)
#define EXPECT_EQ(label, expr, want) do { errno = 0; long r_ = (long)(expr); int e_ = errno; conf_expect_eq(label, r_, e_, (long)(want)); } while (0)
/* A relation: prints 1 or 0, expects 1. */
#define EXPECT_TRUE(label, cond) do { int c_ = (cond) ? 1 : 0; printf("%s: %d\n", label, c_); if (!c_) conf_mismatch(label, "1"); } while (0)

static inline int conf_exit(void)
{
	fflush(stdout);
	return conf_failures ? 1 : 0;
}

#endif
