#!/usr/bin/env bash
# Stops the process whose pid is in PIDFILE, if it lives: SIGTERM, then SIGKILL
# after SECONDS (default 5). For the scripts and tests that stop what they
# started by its pid, never by name (tpm2-token.sh, opencryptoki-token.sh,
# acme-test-env.sh, tests/softhsm/knot.bash).
#
#   scripts/stop-pid.sh PIDFILE [SECONDS]
set -euo pipefail

[ "$#" -eq 1 ] || [ "$#" -eq 2 ] || {
    echo "usage: $0 PIDFILE [SECONDS]" >&2
    exit 2
}
[ -f "$1" ] || exit 0
pid=$(cat "$1")
[[ $pid =~ ^[0-9]+$ ]] || {
    echo "stop-pid: $1 holds no pid" >&2
    exit 1
}
kill "$pid" 2>/dev/null || exit 0
for _ in $(seq 1 $((${2:-5} * 10))); do
    kill -0 "$pid" 2>/dev/null || exit 0
    sleep 0.1
done
kill -9 "$pid" 2>/dev/null || true
