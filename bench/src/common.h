/* Shared helpers for the micro-benchmarks: parse N, print the checksum line. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H
#include <stdio.h>
#include <stdlib.h>

static inline long bench_n(int argc, char **argv, long dflt)
{
    if (argc < 2)
        return dflt;
    char *end;
    long n = strtol(argv[1], &end, 10);
    if (*end != '\0' || n < 0) {
        fprintf(stderr, "usage: %s N (N >= 0)\n", argv[0]);
        exit(2);
    }
    return n;
}
#endif
