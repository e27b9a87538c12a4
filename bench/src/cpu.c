/* CPU-bound work with many stores: a sieve of Eratosthenes plus a small
 * integer matrix multiply per iteration, folded into a checksum so the
 * compiler cannot drop any of it. */
#include <stdint.h>
#include <string.h>
#include "common.h"

#define SIEVE 8192
#define M 16

static uint8_t composite[SIEVE];
static uint32_t a[M][M], b[M][M], c[M][M];

static uint32_t sieve(uint32_t salt)
{
    memset(composite, 0, sizeof composite);
    uint32_t count = 0, acc = salt;
    for (uint32_t i = 2; i < SIEVE; i++) {
        if (composite[i])
            continue;
        count++;
        acc = acc * 31u + i;
        for (uint32_t j = i * i; j < SIEVE; j += i)
            composite[j] = 1;
    }
    return acc ^ count;
}

static uint32_t matmul(uint32_t salt)
{
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++) {
            a[i][j] = (uint32_t)(i * M + j) ^ salt;
            b[i][j] = (uint32_t)(j * M + i) + salt;
        }
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++) {
            uint32_t s = 0;
            for (int k = 0; k < M; k++)
                s += a[i][k] * b[k][j];
            c[i][j] = s;
        }
    uint32_t acc = 0;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++)
            acc = acc * 17u + c[i][j];
    return acc;
}

int main(int argc, char **argv)
{
    long n = bench_n(argc, argv, 100);
    uint32_t sum = 0;
    for (long it = 0; it < n; it++)
        sum = sum * 1000003u + (sieve((uint32_t)it) ^ matmul(sum));
    printf("cpu n=%ld checksum=%08x\n", n, sum);
    return 0;
}
