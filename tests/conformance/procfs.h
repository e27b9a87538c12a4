/* Helpers of the /proc conformance programs: whole-file reads, "Label:" lookups, link targets. */
#ifndef PROCFS_H
#define PROCFS_H

#include "conformance.h"

#include <fcntl.h>
#include <unistd.h>

static char buf[1 << 17];

/* Reads a whole file into buf (NUL-terminated); the length, or -1. */
static inline long slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	long n = 0, r;
	while (n < (long)sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = 0;
	return n;
}

/* The text after "label" at the start of a line of buf, up to the end of the line (static copy), or NULL. */
static inline const char *line_value(const char *label)
{
	static char value[4096];
	size_t len = strlen(label);
	for (const char *p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, label, len) == 0) {
			const char *end = strchrnul(p + len, '\n');
			snprintf(value, sizeof value, "%.*s", (int)(end - p - len), p + len);
			return value;
		}
	}
	return NULL;
}

/* Whether the symlink at path reads exactly want. */
static inline int link_is(const char *path, const char *want)
{
	char target[4096];
	ssize_t n = readlink(path, target, sizeof target - 1);
	if (n < 0)
		return 0;
	target[n] = 0;
	return strcmp(target, want) == 0;
}

#endif
