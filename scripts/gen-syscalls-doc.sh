#!/usr/bin/env bash
# Regenerates docs/syscalls.md from the [Syscall] attributes in the source.
# It runs the docs test in update mode, so it works whatever state the `kernel` CLI is in;
# the result is identical to `kernel syscalls > docs/syscalls.md`.
set -euo pipefail
cd "$(dirname "$0")/.."
UPDATE_SYSCALLS_DOC=1 dotnet test tests/Kernel.Tests -nologo -v q \
    --filter "FullyQualifiedName~Kernel.Tests.Table.MarkdownTests.Docs_syscalls_md_is_up_to_date"
echo "wrote docs/syscalls.md ($(($(wc -l < docs/syscalls.md) - 5)) syscalls)"
