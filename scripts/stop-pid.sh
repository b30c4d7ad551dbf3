#!/usr/bin/env bash
# Stops the process whose pid is in PIDFILE, if it lives: SIGTERM, then SIGKILL
# after 5 s. For the test-token scripts (tpm2-token.sh, opencryptoki-token.sh),
# which stop what they started by its pid, never by name.
#
#   scripts/stop-pid.sh PIDFILE
set -euo pipefail

[ "$#" -eq 1 ] || {
    echo "usage: $0 PIDFILE" >&2
    exit 2
}
[ -f "$1" ] || exit 0
pid=$(cat "$1")
[[ $pid =~ ^[0-9]+$ ]] || {
    echo "stop-pid: $1 holds no pid" >&2
    exit 1
}
kill "$pid" 2>/dev/null || exit 0
for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || exit 0
    sleep 0.1
done
kill -9 "$pid" 2>/dev/null || true
