#!/usr/bin/env bash
# Benchmark harness: runs arm64 micro-benchmarks under our kernel and under
# qemu-aarch64 in the same run and reports medians, ratios and per-op costs.
# See docs/performance.md for what each figure means.
set -euo pipefail
export LC_ALL=C # EPOCHREALTIME and awk must use '.' as the decimal point

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
SRC="$BENCH_DIR/src"
OUT="$BENCH_DIR/out"

CC="${CC:-aarch64-linux-gnu-gcc}"
QEMU="${QEMU:-qemu-aarch64}"
KERNEL="${KERNEL:-$REPO/kernel}"
ROOTFS="${KERNEL_ROOTFS:-/var/cache/kernel/rootfs-bookworm-arm64}"

DEFAULT_BENCHES="getppid write_null cpu"
EXTRA_BENCHES="pipe_pingpong pipe4k futex_pingpong tmpfs_read open_close fork_wait fork_big thread_join mmap_touch epoll_wait poll_pipe signal_self timer_1khz msg_pingpong sem_pingpong"

# Per-benchmark iteration counts: "small large" (normal) and quick variants.
# The small run measures start-up; large - small isolates the loop.
declare -A N_NORMAL=(
    [getppid]="10000 500000"
    [write_null]="10000 500000"
    [cpu]="50 4000"
    [pipe_pingpong]="1000 50000"
    [pipe4k]="1000 20000"
    [futex_pingpong]="1000 50000"
    [tmpfs_read]="10000 300000"
    [open_close]="20000 300000"
    [fork_wait]="50 1000"
    [fork_big]="5 100"
    [thread_join]="100 3000"
    [mmap_touch]="100 3000"
    [epoll_wait]="1000 100000"
    [poll_pipe]="1000 100000"
    [signal_self]="1000 50000"
    [timer_1khz]="100 2000"
    [msg_pingpong]="1000 50000"
    [sem_pingpong]="1000 50000"
)
declare -A N_QUICK=(
    [getppid]="1000 100000"
    [write_null]="1000 100000"
    [cpu]="5 1000"
    [pipe_pingpong]="100 2000"
    [pipe4k]="100 1000"
    [futex_pingpong]="100 2000"
    [tmpfs_read]="1000 20000"
    [open_close]="500 5000"
    [fork_wait]="10 100"
    [fork_big]="2 20"
    [thread_join]="10 200"
    [mmap_touch]="10 200"
    [epoll_wait]="100 10000"
    [poll_pipe]="100 10000"
    [signal_self]="100 5000"
    [timer_1khz]="20 200"
    [msg_pingpong]="100 2000"
    [sem_pingpong]="100 2000"
)

RUNS=3
QUICK=0
MARKDOWN=0
QEMU_ONLY=0
TIMEOUT=600
BENCHES="$DEFAULT_BENCHES"

usage() {
    cat <<EOF
usage: bench/run.sh [options]
  --runs K         runs per benchmark and runner (default 3; median is reported)
  --quick          small N and 1 run (CI smoke check)
  --markdown       print the result tables as markdown (for docs/performance.md)
  --qemu-only      run only the qemu-aarch64 side (no kernel needed)
  --bench LIST     comma-separated benchmarks (default: ${DEFAULT_BENCHES// /,})
EXTRA_BENCHES="pipe_pingpong pipe4k futex_pingpong tmpfs_read open_close fork_wait fork_big thread_join mmap_touch epoll_wait poll_pipe signal_self timer_1khz msg_pingpong sem_pingpong"
  --kernel PATH    kernel launcher (default \$KERNEL or <repo>/kernel)
  --timeout SEC    per-process time limit (default $TIMEOUT)
Environment: CC, QEMU, KERNEL, KERNEL_ROOTFS.
EOF
}

die() { echo "bench: error: $*" >&2; exit 1; }
log() { echo "bench: $*" >&2; }

RUNS_SET=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --runs) [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*$ ]] || die "--runs needs a positive integer"
                RUNS="$2"; RUNS_SET=1; shift 2 ;;
        --quick) QUICK=1; shift ;;
        --markdown) MARKDOWN=1; shift ;;
        --qemu-only) QEMU_ONLY=1; shift ;;
        --bench) [[ $# -ge 2 ]] || die "--bench needs a list"; BENCHES="${2//,/ }"; shift 2 ;;
        --all) BENCHES="$DEFAULT_BENCHES $EXTRA_BENCHES"; shift ;;
        --kernel) [[ $# -ge 2 ]] || die "--kernel needs a path"; KERNEL="$2"; shift 2 ;;
        --timeout) [[ $# -ge 2 && "$2" =~ ^[1-9][0-9]*$ ]] || die "--timeout needs seconds"
                   TIMEOUT="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
done
if [[ $QUICK -eq 1 && $RUNS_SET -eq 0 ]]; then RUNS=1; fi

for b in $BENCHES; do
    [[ -f "$SRC/$b.c" && -n "${N_NORMAL[$b]:-}" ]] || die "unknown benchmark: $b"
done

# ---- tools -----------------------------------------------------------------
command -v "$CC" >/dev/null || die "$CC not found (apt-get install gcc-aarch64-linux-gnu)"
command -v "$QEMU" >/dev/null || die "$QEMU not found (apt-get install qemu-user)"
if [[ $QEMU_ONLY -eq 0 ]]; then
    [[ -x "$KERNEL" ]] || die "kernel launcher '$KERNEL' not found or not executable (build it, pass --kernel, or use --qemu-only)"
    KERNEL="$(cd "$(dirname "$KERNEL")" && pwd)/$(basename "$KERNEL")"
    if [[ ! -x /usr/bin/time ]]; then
        log "installing Debian's 'time' package for peak RSS"
        [[ $EUID -eq 0 ]] || die "/usr/bin/time missing and not root: apt-get install time"
        apt-get install -y -qq time >&2 || die "apt-get install time failed"
    fi
fi

# ---- build -----------------------------------------------------------------
mkdir -p "$OUT"
for b in $BENCHES; do
    if [[ ! -x "$OUT/$b" || "$SRC/$b.c" -nt "$OUT/$b" || "$SRC/common.h" -nt "$OUT/$b" ]]; then
        log "building $b"
        "$CC" -static -O2 -Wall -Wextra -Werror -o "$OUT/$b" "$SRC/$b.c" -lpthread \
            || die "build of $b failed"
    fi
done

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# ---- helpers ---------------------------------------------------------------
# run_timed RUNNER NAME N TAG: runs one benchmark, stores stdout in
# $WORK/TAG.out and echoes wall seconds. Fails loudly on a non-zero exit.
run_timed() {
    local runner="$1" name="$2" n="$3" tag="$4" t0 t1 rc=0
    local -a cmd
    if [[ "$runner" == kernel ]]; then
        cmd=("$KERNEL" run --mount "$OUT:/bench" -- "/bench/$name" "$n")
    else
        cmd=("$QEMU" "$OUT/$name" "$n")
    fi
    t0=$EPOCHREALTIME
    timeout "$TIMEOUT" "${cmd[@]}" >"$WORK/$tag.out" 2>"$WORK/$tag.err" </dev/null || rc=$?
    t1=$EPOCHREALTIME
    if [[ $rc -ne 0 ]]; then
        {
            local why=""
            if [[ $rc -eq 124 ]]; then why=" (timeout ${TIMEOUT}s)"; fi
            echo "bench: error: '${cmd[*]}' exited with status $rc$why"
            echo "--- stdout:"; head -c 4000 "$WORK/$tag.out"
            echo "--- stderr:"; head -c 4000 "$WORK/$tag.err"
        } >&2
        exit 1
    fi
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
}

# median of the arguments (mean of the middle two for an even count)
median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "nan"; exit }
        if (NR % 2) printf "%.6f\n", v[(NR + 1) / 2]
        else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# check_same FILE_A FILE_B WHAT: outputs must match byte for byte
check_same() {
    if ! cmp -s "$1" "$2"; then
        {
            echo "bench: error: output mismatch: $3"
            diff -u "$1" "$2" | head -20
        } >&2
        exit 1
    fi
}

runners=(qemu)
[[ $QEMU_ONLY -eq 0 ]] && runners=(kernel qemu)

# ---- benchmarks ------------------------------------------------------------
declare -A RES          # RES[bench,runner,field]
for b in $BENCHES; do
    if [[ $QUICK -eq 1 ]]; then read -r nsmall nlarge <<<"${N_QUICK[$b]}"
    else read -r nsmall nlarge <<<"${N_NORMAL[$b]}"; fi
    declare -a ts_kernel=() tl_kernel=() ts_qemu=() tl_qemu=()
    for ((r = 0; r < RUNS; r++)); do
        # Alternate which runner goes first so drift and noise hit both.
        order=("${runners[@]}")
        if (( r % 2 == 1 && ${#runners[@]} == 2 )); then order=(qemu kernel); fi
        for who in "${order[@]}"; do
            log "$b run $((r + 1))/$RUNS $who N=$nsmall,$nlarge"
            s=$(run_timed "$who" "$b" "$nsmall" "$b.$who.small.$r")
            l=$(run_timed "$who" "$b" "$nlarge" "$b.$who.large.$r")
            if [[ $who == kernel ]]; then ts_kernel+=("$s"); tl_kernel+=("$l")
            else ts_qemu+=("$s"); tl_qemu+=("$l"); fi
            # Every run of a runner must print the same checksum line.
            check_same "$WORK/$b.$who.small.0.out" "$WORK/$b.$who.small.$r.out" "$b N=$nsmall $who run 1 vs $((r + 1))"
            check_same "$WORK/$b.$who.large.0.out" "$WORK/$b.$who.large.$r.out" "$b N=$nlarge $who run 1 vs $((r + 1))"
        done
    done
    for size in small large; do
        [[ -s "$WORK/$b.qemu.$size.0.out" ]] || die "$b printed nothing under qemu"
        if [[ $QEMU_ONLY -eq 0 ]]; then
            check_same "$WORK/$b.qemu.$size.0.out" "$WORK/$b.kernel.$size.0.out" "$b ($size N) qemu vs kernel"
        fi
    done
    for who in "${runners[@]}"; do
        if [[ $who == kernel ]]; then ms=$(median "${ts_kernel[@]}"); ml=$(median "${tl_kernel[@]}")
        else ms=$(median "${ts_qemu[@]}"); ml=$(median "${tl_qemu[@]}"); fi
        RES[$b,$who,start]=$ms
        RES[$b,$who,large]=$ml
        RES[$b,$who,loop]=$(awk -v a="$ms" -v b="$ml" 'BEGIN { printf "%.6f", b - a }')
        if awk -v v="${RES[$b,$who,loop]}" 'BEGIN { exit !(v <= 0) }'; then
            log "warning: $b loop time under $who is not positive (${RES[$b,$who,loop]} s): start-up noise exceeds the loop; raise N or --runs"
        fi
        RES[$b,$who,ns]=$(awk -v a="$ms" -v b="$ml" -v n=$((nlarge - nsmall)) 'BEGIN { printf "%.1f", (b - a) * 1e9 / n }')
    done
    RES[$b,n]="$nsmall/$nlarge"
done

# ---- end to end and memory ---------------------------------------------------
E2E_KERNEL="-" E2E_QEMU="-" RSS_KERNEL="-" RSS_QEMU="-" RSS_BENCH="-"
if [[ -x "$ROOTFS/bin/busybox" || -L "$ROOTFS/bin/busybox" ]]; then
    declare -a e2e_k=() e2e_q=()
    for ((r = 0; r < RUNS; r++)); do
        if [[ $QEMU_ONLY -eq 0 ]]; then
            t0=$EPOCHREALTIME
            timeout "$TIMEOUT" "$KERNEL" run -- /bin/busybox true </dev/null >/dev/null 2>"$WORK/e2e.err" \
                || { cat "$WORK/e2e.err" >&2; die "kernel run -- /bin/busybox true failed"; }
            t1=$EPOCHREALTIME
            e2e_k+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')")
        fi
        # qemu-user resolves the dynamic loader inside the rootfs with -L.
        t0=$EPOCHREALTIME
        if timeout "$TIMEOUT" "$QEMU" -L "$ROOTFS" "$ROOTFS/bin/busybox" true </dev/null >/dev/null 2>&1; then
            t1=$EPOCHREALTIME
            e2e_q+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')")
        fi
    done
    [[ ${#e2e_k[@]} -gt 0 ]] && E2E_KERNEL=$(median "${e2e_k[@]}")
    [[ ${#e2e_q[@]} -gt 0 ]] && E2E_QEMU=$(median "${e2e_q[@]}")
else
    log "no busybox in $ROOTFS (run scripts/setup.sh): skipping the end-to-end figure"
fi

# Peak RSS during the benchmark that took the kernel (or qemu) longest.
ref=kernel; [[ $QEMU_ONLY -eq 1 ]] && ref=qemu
longest=""
for b in $BENCHES; do
    if [[ -z "$longest" ]] || awk -v a="${RES[$b,$ref,large]}" -v b="${RES[$longest,$ref,large]}" 'BEGIN { exit !(a > b) }'; then
        longest=$b
    fi
done
if [[ -n "$longest" && -x /usr/bin/time ]]; then
    RSS_BENCH=$longest
    nl=${RES[$longest,n]#*/}
    if [[ $QEMU_ONLY -eq 0 ]]; then
        timeout "$TIMEOUT" /usr/bin/time -o "$WORK/rss.k" -f %M "$KERNEL" run --mount "$OUT:/bench" -- "/bench/$longest" "$nl" \
            </dev/null >/dev/null 2>&1 || die "peak RSS run of $longest under the kernel failed"
        RSS_KERNEL=$(tail -1 "$WORK/rss.k")
    fi
    timeout "$TIMEOUT" /usr/bin/time -o "$WORK/rss.q" -f %M "$QEMU" "$OUT/$longest" "$nl" \
        </dev/null >/dev/null 2>&1 || die "peak RSS run of $longest under qemu failed"
    RSS_QEMU=$(tail -1 "$WORK/rss.q")
fi

# ---- report ------------------------------------------------------------------
fmt_ratio() { # kernel/qemu of two numbers, '-' when either is missing
    awk -v k="$1" -v q="$2" 'BEGIN { if (k == "-" || q == "-" || q + 0 <= 0) print "-"; else printf "%.2f", k / q }'
}
fmt_s() { [[ "$1" == "-" ]] && echo "-" || awk -v v="$1" 'BEGIN { printf "%.3f", v }'; }
fmt_mib() { [[ "$1" == "-" ]] && echo "-" || awk -v v="$1" 'BEGIN { printf "%.1f", v / 1024 }'; }

header=(benchmark N kernel_s qemu_s ratio kernel_ns/op qemu_ns/op kernel_start_s qemu_start_s)
rows=()
for b in $BENCHES; do
    if [[ $QEMU_ONLY -eq 0 ]]; then
        ks=$(fmt_s "${RES[$b,kernel,loop]}"); kns=${RES[$b,kernel,ns]}; kst=$(fmt_s "${RES[$b,kernel,start]}")
        ratio=$(fmt_ratio "${RES[$b,kernel,loop]}" "${RES[$b,qemu,loop]}")
    else
        ks="-"; kns="-"; kst="-"; ratio="-"
    fi
    rows+=("$b|${RES[$b,n]}|$ks|$(fmt_s "${RES[$b,qemu,loop]}")|$ratio|$kns|${RES[$b,qemu,ns]}|$kst|$(fmt_s "${RES[$b,qemu,start]}")")
done

mode="runs=$RUNS"
if [[ $QUICK -eq 1 ]]; then mode+=", quick"; fi
if [[ $QEMU_ONLY -eq 1 ]]; then mode+=", qemu only"; fi
e2e_ratio=$(fmt_ratio "$E2E_KERNEL" "$E2E_QEMU")
rss_ratio=$(fmt_ratio "$RSS_KERNEL" "$RSS_QEMU")
if [[ $MARKDOWN -eq 1 ]]; then
    echo "Measured $(date -u +%Y-%m-%d) on $(uname -m), $(nproc) cores ($mode); times are medians, loop time = large N - small N."
    echo
    echo "| Benchmark | N (small/large) | Kernel s | qemu s | Ratio | Kernel ns/op | qemu ns/op | Kernel start s | qemu start s |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    for row in "${rows[@]}"; do echo "| ${row//|/ | } |"; done
    echo
    echo "| Figure | Kernel | qemu | Ratio |"
    echo "|---|---:|---:|---:|"
    echo "| \`busybox true\` end to end, s | $(fmt_s "$E2E_KERNEL") | $(fmt_s "$E2E_QEMU") | $e2e_ratio |"
    echo "| Peak RSS ($RSS_BENCH), MiB | $(fmt_mib "$RSS_KERNEL") | $(fmt_mib "$RSS_QEMU") | $rss_ratio |"
else
    echo "# $mode; medians; *_s = loop time (large N - small N); *_start_s = small-N run"
    { IFS='|'; echo "${header[*]}"; for row in "${rows[@]}"; do echo "$row"; done; } | column -t -s '|'
    echo
    printf '%-32s kernel %-8s qemu %-8s ratio %s\n' "busybox_true_s" "$(fmt_s "$E2E_KERNEL")" "$(fmt_s "$E2E_QEMU")" "$e2e_ratio"
    printf '%-32s kernel %-8s qemu %-8s ratio %s\n' "peak_rss_mib($RSS_BENCH)" "$(fmt_mib "$RSS_KERNEL")" "$(fmt_mib "$RSS_QEMU")" "$rss_ratio"
fi
