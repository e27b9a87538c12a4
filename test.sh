#!/usr/bin/env bash
# Sets the machine up, builds the solution and runs every test.
# Extra arguments go to `dotnet test` (e.g. ./test.sh --filter Rootfs).
# Ends with one line: "tests: N passed, N failed[, N skipped]".
set -euo pipefail

REPO=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
cd "$REPO"
export KERNEL_REPO=$REPO
export KERNEL_ROOTFS=${KERNEL_ROOTFS:-/var/cache/kernel/rootfs-bookworm-arm64}
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

scripts/setup.sh

echo "test.sh: building Kernel.sln (Release)" >&2
dotnet build Kernel.sln -c Release -nologo -v q

mkdir -p .cache
LOG=.cache/test.log
set +e
dotnet test Kernel.sln -c Release --no-build --nologo \
    --logger "console;verbosity=normal" "$@" 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}
set -e

# dotnet test prints one summary per test assembly: with a normal console
# logger a block ("Total tests: 20" then "Passed: 19", "Failed: 1", "Skipped: 0"
# lines), otherwise one line ("Passed!  - Failed: 0, Passed: 19, Skipped: 0, ...").
read -r passed failed skipped < <(awk '
    /^ *Total tests: *[0-9]+ *$/ { block = 1; blocks++; next }
    block && /^ *(Passed|Failed|Skipped): *[0-9]+ *$/ {
        v = $2 + 0
        if ($1 == "Passed:") bp += v; else if ($1 == "Failed:") bf += v; else bs += v
        next
    }
    { block = 0 }
    /(Passed|Failed)! +- +Failed: / {
        for (i = 1; i <= NF; i++) {
            v = $(i + 1); gsub(/,/, "", v)
            if ($i == "Failed:") lf += v
            else if ($i == "Passed:") lp += v
            else if ($i == "Skipped:") ls += v
        }
    }
    END { if (blocks) print bp + 0, bf + 0, bs + 0; else print lp + 0, lf + 0, ls + 0 }' "$LOG")

summary="tests: $passed passed, $failed failed"
(( skipped > 0 )) && summary+=", $skipped skipped"
echo "$summary"

if (( rc != 0 || failed > 0 )); then exit 1; fi
if (( passed + failed == 0 )); then
    echo "test.sh: no tests ran" >&2
    exit 1
fi
