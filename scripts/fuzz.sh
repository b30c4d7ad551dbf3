#!/usr/bin/env bash
# Runs libFuzzer targets (make fuzz builds them) for $FUZZ_SECONDS each.
#
#   scripts/fuzz.sh build/fuzz/fuzz-NAME...
#
# Each target starts from its committed seed corpus, tests/fuzz/corpus/NAME/
# (which also holds the regression inputs of every crash found and fixed),
# copied into build/fuzz/corpus-NAME/ so new inputs never land in the
# repository. A crash leaves build/fuzz/crash-NAME-* and fails the run.
# Prints executions per target (libFuzzer's stat::number_of_executed_units).
set -euo pipefail

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

[ "$#" -gt 0 ] || {
    echo "usage: $0 build/fuzz/fuzz-NAME..." >&2
    exit 2
}

failed=0
summary=()
for bin in "$@"; do
    name=${bin##*/fuzz-}
    seeds=tests/fuzz/corpus/$name
    work=build/fuzz/corpus-$name
    log=build/fuzz/$name.log
    [ -d "$seeds" ] || {
        echo "fuzz: no seed corpus $seeds" >&2
        exit 1
    }
    rm -rf "$work"
    mkdir -p "$work"
    cp "$seeds"/* "$work"/
    max_len=4096
    [ "$name" = decode ] && max_len=65536
    echo "=== fuzz-$name: ${FUZZ_SECONDS}s from $(ls "$seeds" | wc -l) seed(s)"
    status=0
    # -close_fd_mask=3: the targets' own messages (every bad input is
    # reported on stderr) would drown libFuzzer's, which it keeps.
    ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        "$bin" -max_total_time="$FUZZ_SECONDS" -print_final_stats=1 -close_fd_mask=3 \
        -timeout=20 -rss_limit_mb=2048 -max_len="$max_len" \
        -artifact_prefix="build/fuzz/crash-$name-" "$work" >"$log" 2>&1 || status=$?
    execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$log" | tail -n 1)
    if [ "$status" -ne 0 ]; then
        tail -n 40 "$log"
        echo "fuzz-$name: FAILED (exit $status); see $log and build/fuzz/crash-$name-*"
        failed=$((failed + 1))
    fi
    summary+=("fuzz-$name: ${execs:-?} executions in ${FUZZ_SECONDS}s, exit $status")
done
printf '%s\n' "${summary[@]}"
echo "fuzz: $(( $# - failed )) target(s) clean, $failed failed"
[ "$failed" -eq 0 ]
