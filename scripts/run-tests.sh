#!/usr/bin/env bash
# Runs every test suite against a build and prints one summary line.
#
#   scripts/run-tests.sh BUILD_DIR [unit | e2e | FILE...]
#
# With no selection, everything below; "unit" only the unit tests, "e2e" only the
# bats files; FILEs (tests/softhsm/csr.bats, tests/unit/test-dn.c or the binary
# BUILD_DIR/tests/test-dn) only those.
#
# 1. unit: every BUILD_DIR/tests/test-* binary (cmocka); its "[  PASSED  ] N test(s)."
#    and "[  FAILED  ] N test(s)" lines are counted; a binary that crashes, hangs or
#    exits non-zero without reporting a failure counts as one failure.
# 2. bats: every tests/style/*.bats file (checks on the sources, such as the layers of
#    src/), then every tests/softhsm/*.bats file (end-to-end), with `bats --tap`; `ok`
#    and `not ok` lines are counted. With CI=true a skipped test is a failure: nothing
#    is skipped in CI.
#
# Exports P11CERT_BUILD (absolute BUILD_DIR) and P11CERT_SRC (repo root) and puts
# BUILD_DIR first on PATH, so tests run the built `p11cert`.
# 3. with P11CERT_SANITIZER_LOGS (make sanitize): every sanitizer report file in
#    that directory counts as one failure.
# Ends with exactly one line `N passed, M failed`; exits 1 if M > 0 or nothing ran.
set -euo pipefail

if [ "$#" -lt 1 ]; then
    echo "usage: $0 BUILD_DIR [unit | e2e | FILE...]" >&2
    exit 2
fi
if [ ! -d "$1" ]; then
    echo "run-tests: build directory $1 does not exist (run make first)" >&2
    exit 2
fi

P11CERT_BUILD=$(cd "$1" && pwd)
P11CERT_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PATH="$P11CERT_BUILD:$PATH"
export P11CERT_BUILD P11CERT_SRC PATH
cd "$P11CERT_SRC"
shift

# What to run: every unit binary and bats file, or the selection.
shopt -s nullglob
unit_bins=("$P11CERT_BUILD"/tests/test-*)
bats_files=(tests/style/*.bats tests/softhsm/*.bats)
if [ "$#" -gt 0 ]; then
    case "$1" in
    unit) bats_files=() ;;
    e2e) unit_bins=() ;;
    *)
        unit_bins=()
        bats_files=()
        for f in "$@"; do
            case "$f" in
            *.bats) test_file=$f ;;
            *test-*) test_file=$P11CERT_BUILD/tests/$(basename "${f%.c}") ;;
            *) test_file= ;;
            esac
            if [ -z "$test_file" ] || [ ! -f "$test_file" ]; then
                echo "run-tests: no such test: $f (a .bats file, or a unit test built in $P11CERT_BUILD/tests)" >&2
                exit 2
            fi
            case "$f" in
            *.bats) bats_files+=("$test_file") ;;
            *) unit_bins+=("$test_file") ;;
            esac
        done
        ;;
    esac
fi

# Hang guards only: a test never passes or fails on time, but CI must not hang.
UNIT_TIMEOUT=${P11CERT_UNIT_TIMEOUT:-600}
BATS_TIMEOUT=${P11CERT_BATS_TIMEOUT:-3600}

in_ci=0
case "${CI:-}" in
true | TRUE | True | 1) in_ci=1 ;;
esac

passed=0
failed=0
skipped=0
suites=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# Describes an exit status: "exited N", "killed by SIGSEGV", "timed out".
describe_status() {
    local st=$1
    if [ "$st" -eq 124 ]; then
        echo "timed out"
    elif [ "$st" -gt 128 ]; then
        echo "killed by SIG$(kill -l $((st - 128)) 2>/dev/null || echo $((st - 128)))"
    else
        echo "exited $st"
    fi
}

# --- unit tests (cmocka) ---------------------------------------------------
for bin in "${unit_bins[@]}"; do
    case "$bin" in
    *.d | *.o) continue ;;
    esac
    if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then
        continue
    fi
    name=${bin##*/}
    suites=$((suites + 1))
    echo "=== unit: $name"
    status=0
    # In a subshell, so that the shell's "Segmentation fault" note lands in the log.
    (
        CMOCKA_MESSAGE_OUTPUT=STDOUT timeout "$UNIT_TIMEOUT" "$bin"
        exit $?
    ) 2>&1 | tee "$log" || status=$?

    # A binary may run several groups: add up every summary line.
    p=$(sed -nE 's/^\[  PASSED  \] ([0-9]+) test\(s\)\..*/\1/p' "$log" |
        awk '{ s += $1 } END { print s + 0 }')
    f=$(sed -nE 's/^\[  FAILED  \] ([0-9]+) test\(s\).*/\1/p' "$log" |
        awk '{ s += $1 } END { print s + 0 }')
    summaries=$(grep -cE '^\[  (PASSED|FAILED)  \] [0-9]+ test\(s\)' "$log" || true)
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "run-tests: $name $(describe_status "$status") without reporting a failed test: counted as 1 failure"
        failed=$((failed + 1))
    elif [ "$status" -eq 0 ] && [ "$summaries" -eq 0 ]; then
        echo "run-tests: $name printed no cmocka summary: counted as 1 failure"
        failed=$((failed + 1))
    fi
done

# --- style and end-to-end tests (bats) -------------------------------------
if [ "${#bats_files[@]}" -gt 0 ] && ! command -v bats >/dev/null 2>&1; then
    echo "run-tests: bats not found (scripts/install-deps.sh installs it): ${#bats_files[@]} file(s) counted as failures"
    failed=$((failed + ${#bats_files[@]}))
    bats_files=()
fi
for file in "${bats_files[@]}"; do
    suites=$((suites + 1))
    echo "=== bats: $file"
    status=0
    timeout "$BATS_TIMEOUT" bats --tap "$file" 2>&1 | tee "$log" || status=$?

    ok=$(grep -cE '^ok ' "$log" || true)
    notok=$(grep -cE '^not ok ' "$log" || true)
    skip=$(grep -ciE '^ok [0-9]+ .*# skip' "$log" || true)
    planned=$(sed -nE 's/^1\.\.([0-9]+)$/\1/p' "$log" | head -n 1)
    planned=${planned:-0}

    ok=$((ok - skip))
    passed=$((passed + ok))
    failed=$((failed + notok))
    if [ "$skip" -gt 0 ]; then
        if [ "$in_ci" -eq 1 ]; then
            echo "run-tests: $file: $skip test(s) skipped in CI: counted as failures"
            failed=$((failed + skip))
        else
            skipped=$((skipped + skip))
        fi
    fi
    seen=$((ok + skip + notok))
    if [ "$seen" -lt "$planned" ]; then
        echo "run-tests: $file: $((planned - seen)) of $planned planned test(s) never reported: counted as failures"
        failed=$((failed + planned - seen))
    elif [ "$status" -ne 0 ] && [ "$notok" -eq 0 ]; then
        echo "run-tests: $file: bats $(describe_status "$status") without a failed test: counted as 1 failure"
        failed=$((failed + 1))
    fi
done

# Sanitizer builds (make sanitize) log every report to files under
# $P11CERT_SANITIZER_LOGS: each one is a failure, whatever the test concluded.
if [ -n "${P11CERT_SANITIZER_LOGS:-}" ] && [ -d "$P11CERT_SANITIZER_LOGS" ]; then
    reports=("$P11CERT_SANITIZER_LOGS"/*)
    if [ "${#reports[@]}" -gt 0 ]; then
        for r in "${reports[@]}"; do
            echo "=== sanitizer report: $r"
            head -n 40 "$r"
        done
        echo "run-tests: ${#reports[@]} sanitizer report(s): counted as failures"
        failed=$((failed + ${#reports[@]}))
    fi
fi

if [ "$suites" -eq 0 ] || [ $((passed + failed)) -eq 0 ]; then
    echo "run-tests: no tests ran (no $P11CERT_BUILD/tests/test-* binaries, no tests/style/*.bats or tests/softhsm/*.bats)"
fi
if [ "$skipped" -gt 0 ]; then
    echo "run-tests: $skipped test(s) skipped (a failure when CI=true)"
fi
echo "$passed passed, $failed failed"
if [ "$failed" -gt 0 ] || [ $((passed + failed)) -eq 0 ]; then
    exit 1
fi
exit 0
