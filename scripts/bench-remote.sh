#!/usr/bin/env bash
# The cost of a remote token: `p11cert csr` on a SoftHSM2 token loaded directly,
# and on the same token through p11-kit's remoting (`p11-kit server` on a unix
# socket, p11-kit-client.so here), in PKCS#11 calls (counted by pkcs11-spy.so) and
# wall time (hyperfine when installed, else a timed loop).
#
#   scripts/bench-remote.sh [BUILD_DIR] [RUNS]
#
# BUILD_DIR defaults to build (it must hold p11cert), RUNS to 20. Everything lives
# in a temporary directory that is removed at exit, the server included. Prints a
# Markdown table, one row per way, with the ratio of the remote time to the local
# one, so that `make bench` (scripts/bench.sh) can call it and keep its rows.
set -euo pipefail

build=${1:-build}
runs=${2:-20}
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
p11cert=$(cd "$build" && pwd)/p11cert
[ -x "$p11cert" ] || {
    echo "bench-remote: $p11cert not found: run make first" >&2
    exit 2
}

first_existing() {
    for p in "$@"; do
        [ -e "$p" ] && {
            echo "$p"
            return 0
        }
    done
    echo "bench-remote: none of $* exists (scripts/install-deps.sh installs them)" >&2
    return 1
}
softhsm=$(first_existing /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so)
client=$(first_existing /usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so)
spy=$(first_existing /usr/lib/x86_64-linux-gnu/pkcs11/pkcs11-spy.so /usr/lib/pkcs11/pkcs11-spy.so)

dir=$(mktemp -d "${TMPDIR:-/tmp}/p11cert-bench-remote.XXXXXX")
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$dir"
}
trap cleanup EXIT

eval "$("$src/scripts/softhsm-token.sh" "$dir/token" bench)"
export SOFTHSM2_CONF
pin="file:$dir/token/pin"
"$p11cert" --module "$softhsm" --pin-source "$pin" -q keygen pkcs11:token=bench --label web \
    --type ec:p256 >/dev/null

sock=$dir/p11-kit.sock
p11-kit server -f --provider "$softhsm" -n "$sock" pkcs11:token=bench >"$dir/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do
    [ -S "$sock" ] && break
    sleep 0.1
done
[ -S "$sock" ] || {
    echo "bench-remote: p11-kit server did not start:" >&2
    cat "$dir/server.log" >&2
    exit 1
}
export P11_KIT_SERVER_ADDRESS=unix:path=$sock

# The command measured: csr of the EC key, written to a file (overwritten).
csr_args=(--pin-source "$pin" -q csr "pkcs11:token=bench;object=web" --subject /CN=bench.example.com
    --out "$dir/out.csr" --force)

# calls MODULE: PKCS#11 calls one csr makes through MODULE (pkcs11-spy's log).
calls() {
    rm -f "$dir/spy.log"
    PKCS11SPY=$1 PKCS11SPY_OUTPUT=$dir/spy.log "$p11cert" --module "$spy" "${csr_args[@]}" \
        >/dev/null
    grep -cE '^[0-9]+: C_' "$dir/spy.log"
}

# seconds MODULE: mean wall time of one csr through MODULE, in milliseconds.
millis() {
    local module=$1 start end
    if command -v hyperfine >/dev/null 2>&1; then
        hyperfine --style none --warmup 2 --runs "$runs" --export-json "$dir/h.json" \
            "$(printf '%q ' "$p11cert" --module "$module" "${csr_args[@]}")" >/dev/null
        python3 -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][0]["mean"] * 1000))' \
            "$dir/h.json"
        return
    fi
    "$p11cert" --module "$module" "${csr_args[@]}" >/dev/null
    start=$(date +%s%N)
    for _ in $(seq "$runs"); do
        "$p11cert" --module "$module" "${csr_args[@]}" >/dev/null
    done
    end=$(date +%s%N)
    awk -v ns=$((end - start)) -v n="$runs" 'BEGIN { printf "%.1f\n", ns / n / 1e6 }'
}

local_calls=$(calls "$softhsm")
remote_calls=$(calls "$client")
local_ms=$(millis "$softhsm")
remote_ms=$(millis "$client")
ratio=$(awk -v r="$remote_ms" -v l="$local_ms" 'BEGIN { printf "%.2f", r / l }')

echo "| command | token | PKCS#11 calls | mean time (ms, $runs runs) | time vs local |"
echo "| --- | --- | ---: | ---: | ---: |"
echo "| csr (EC P-256) | SoftHSM2, loaded directly | $local_calls | $local_ms | 1.00 |"
echo "| csr (EC P-256) | SoftHSM2 through p11-kit server + p11-kit-client.so (unix socket) | $remote_calls | $remote_ms | $ratio |"
