#!/usr/bin/env bash
# Benchmarks p11cert against GnuTLS (certtool, p11tool) and OpenSSL's libp11
# engine on SoftHSM2, writes BENCHMARKS.md and prints it. Not a test: no
# number here passes or fails anything; the targets are shown as met or not.
#
#   scripts/bench.sh BUILD_DIR      (make bench builds what it needs first)
#
# In one run, on throwaway tokens under BUILD_DIR/bench/run/:
#  - PKCS#11 calls (pkcs11-spy.so) of csr, selfsign, import and check, and of
#    the other tools doing the same, on a token holding one RSA-2048 key and
#    on one holding that key and 1,000 other objects (p11-fill);
#  - wall time (hyperfine) of one CSR: p11cert, certtool, the libp11 engine,
#    and `pkcs11-tool -L` as the floor any process pays on the token;
#  - csr --batch on 1,000 requests against the token's raw C_Sign rate
#    (bench/raw-sign.c);
#  - chain on pools of 2,500, 5,000 and 10,000 certificates (bench/cert-pool.c)
#    against `openssl verify -untrusted POOL -CAfile ROOT LEAF`;
#  - what users of real tokens and CAs feel (scripts/bench-real.sh): wall
#    times on a token with a delay per call (bench/modules/p11-latency.c),
#    acme issue against lego on pebble + knotd, renew on a token with 1,000
#    certificates and records (bench/renew-fleet.c).
#  - csr --batch --jobs N against raw-sign over N sessions (scripts/bench-jobs.sh).
# Every server it starts is stopped by its pid when it ends, also on failure.
set -euo pipefail

if [ "$#" -ne 1 ] || [ ! -d "$1" ]; then
    echo "usage: $0 BUILD_DIR" >&2
    exit 2
fi
BUILD=$(cd "$1" && pwd)
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
P11CERT=$BUILD/p11cert
FILL=$BUILD/tests/p11-fill
RAW_SIGN=$BUILD/bench/raw-sign
CERT_POOL=$BUILD/bench/cert-pool
LATENCY=$BUILD/bench/p11-latency.so
FLEET=$BUILD/bench/renew-fleet
WORK=$BUILD/bench/run
OUT_MD=$SRC/BENCHMARKS.md

RUNS=${BENCH_RUNS:-20}     # hyperfine runs per single-CSR command
FILL_COUNT=1000            # other objects on the big token
BATCH_COUNT=1000           # requests in the batch
POOL_SIZES="2500 5000 10000"

die() {
    echo "bench: $*" >&2
    exit 1
}

first_existing() {
    local p
    for p in "$@"; do
        [ -e "$p" ] && {
            printf '%s\n' "$p"
            return 0
        }
    done
    return 1
}

for bin in "$P11CERT" "$FILL" "$RAW_SIGN" "$CERT_POOL" "$LATENCY" "$FLEET"; do
    [ -e "$bin" ] || die "$bin is not built: run make bench"
done
for tool in hyperfine certtool p11tool pkcs11-tool openssl softhsm2-util lego pebble knotd dig; do
    command -v "$tool" >/dev/null || die "$tool not found: scripts/install-deps.sh installs it"
done
SOFTHSM=$(first_existing /usr/lib/softhsm/libsofthsm2.so \
    /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so) || die "SoftHSM2 module not found"
SPY=$(first_existing /usr/lib/x86_64-linux-gnu/pkcs11/pkcs11-spy.so \
    /usr/lib/pkcs11/pkcs11-spy.so) || die "pkcs11-spy.so not found (opensc)"
ENGINE_DIR=$(openssl version -e | sed -nE 's/^ENGINESDIR: "(.*)"$/\1/p')
[ -e "$ENGINE_DIR/pkcs11.so" ] || die "the libp11 engine is not in $ENGINE_DIR"

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
rm -rf "$WORK"
mkdir -p "$WORK/bin"
cd "$WORK"
# Copies: a rebuild of BUILD during the run must not change what is measured.
cp "$P11CERT" "$FILL" "$RAW_SIGN" "$CERT_POOL" "$LATENCY" "$FLEET" "$WORK/bin/"
P11CERT=$WORK/bin/p11cert
FILL=$WORK/bin/p11-fill
RAW_SIGN=$WORK/bin/raw-sign
CERT_POOL=$WORK/bin/cert-pool
LATENCY=$WORK/bin/p11-latency.so
FLEET=$WORK/bin/renew-fleet
note() { echo "bench: $*" >&2; }
# shellcheck source=scripts/bench-real.sh
. "$SRC/scripts/bench-real.sh"
trap real_cleanup EXIT
trap 'exit 130' INT TERM

# ---- tokens -------------------------------------------------------------------
# Two token directories, each with its own SOFTHSM2_CONF and a token labelled
# "bench" holding the key "bench-key": the same URIs work on both.
LABEL=bench
KEY="pkcs11:token=$LABEL;object=bench-key"
make_token() { # DIR FILL
    local dir=$1 fill=$2
    eval "$("$SRC/scripts/softhsm-token.sh" "$dir" "$LABEL")"
    export SOFTHSM2_CONF
    "$P11CERT" -q --module "$SOFTHSM" --pin-source "file:$dir/pin" keygen "pkcs11:token=$LABEL" \
        --label bench-key --type rsa:2048 >/dev/null
    if [ "$fill" -gt 0 ]; then
        "$FILL" "$SOFTHSM" "$LABEL" "$dir/pin" "$fill"
    fi
    printf '%s\n' "$SOFTHSM2_CONF"
}
note "making the tokens (one key; one key and $FILL_COUNT other objects)"
CONF_SMALL=$(make_token "$WORK/small" 0)
# The 1-key token as made, for the latency table (the counts below import into it).
cp -a "$WORK/small/tokens" "$WORK/small-fresh"
CONF_BIG=$(make_token "$WORK/big" "$FILL_COUNT")
PIN_FILE=$WORK/big/pin # the same test PIN on both
PIN=$(head -n 1 "$PIN_FILE")
export GNUTLS_PIN=$PIN

cat >"$WORK/template" <<'EOF'
cn = "bench.example"
dns_name = "bench.example"
expiration_days = 365
tls_www_server
signing_key
EOF

# ---- PKCS#11 calls ----------------------------------------------------------------
# spy_calls CONF NAME CMD...: runs CMD with the spy's log in $WORK/spy/NAME.log
# (CMD loads $SPY itself) and prints the number of PKCS#11 calls it made.
mkdir -p "$WORK/spy"
spy_calls() {
    local conf=$1 name=$2 log
    shift 2
    log=$WORK/spy/$name.log
    rm -f "$log"
    SOFTHSM2_CONF=$conf PKCS11SPY=$SOFTHSM PKCS11SPY_OUTPUT=$log "$@" >"$log.out" 2>"$log.err" ||
        die "'$*' failed: $(cat "$log.err")"
    if [ -e "$log" ]; then grep -cE '^[0-9]+: C_' "$log" || true; else echo 0; fi
}

declare -A CALLS
count_calls() { # SIZE CONF
    local size=$1 conf=$2 d=$WORK/out-$1
    mkdir -p "$d"
    CALLS[csr,p11cert,$size]=$(spy_calls "$conf" "p11cert-csr-$size" \
        env P11CERT_MODULE="$SPY" "$P11CERT" --pin-source "file:$PIN_FILE" csr "$KEY" \
        --subject /CN=bench.example --out "$d/p11cert.csr")
    CALLS[selfsign,p11cert,$size]=$(spy_calls "$conf" "p11cert-selfsign-$size" \
        env P11CERT_MODULE="$SPY" "$P11CERT" --pin-source "file:$PIN_FILE" selfsign "$KEY" \
        --subject /CN=bench.example --out "$d/p11cert.crt")
    CALLS[import,p11cert,$size]=$(spy_calls "$conf" "p11cert-import-$size" \
        env P11CERT_MODULE="$SPY" "$P11CERT" --pin-source "file:$PIN_FILE" import \
        "$d/p11cert.crt" --key "$KEY")
    CALLS[check,p11cert,$size]=$(spy_calls "$conf" "p11cert-check-$size" \
        env P11CERT_MODULE="$SPY" "$P11CERT" --pin-source "file:$PIN_FILE" check \
        --cert "$d/p11cert.crt" --key "$KEY" --domain bench.example)

    CALLS[csr,certtool,$size]=$(spy_calls "$conf" "certtool-csr-$size" \
        certtool --generate-request --load-privkey "$KEY;type=private" \
        --template "$WORK/template" --provider "$SPY" --outfile "$d/certtool.csr")
    CALLS[selfsign,certtool,$size]=$(spy_calls "$conf" "certtool-selfsign-$size" \
        certtool --generate-self-signed --load-privkey "$KEY;type=private" \
        --template "$WORK/template" --provider "$SPY" --outfile "$d/certtool.crt")
    CALLS[import,certtool,$size]=$(spy_calls "$conf" "p11tool-import-$size" \
        p11tool --provider "$SPY" --login --write "pkcs11:token=$LABEL" \
        --load-certificate "$d/certtool.crt" --label bench-gnutls-cert)

    CALLS[csr,engine,$size]=$(spy_calls "$conf" "engine-csr-$size" \
        env PKCS11_MODULE_PATH="$SPY" openssl req -new -engine pkcs11 -keyform engine \
        -key "$KEY;type=private;pin-value=$PIN" -subj /CN=bench.example -out "$d/engine.csr")
    CALLS[selfsign,engine,$size]=$(spy_calls "$conf" "engine-selfsign-$size" \
        env PKCS11_MODULE_PATH="$SPY" openssl req -new -x509 -days 365 -engine pkcs11 \
        -keyform engine -key "$KEY;type=private;pin-value=$PIN" -subj /CN=bench.example \
        -out "$d/engine.crt")

    # Every tool made what it was asked for.
    for f in p11cert.csr certtool.csr engine.csr; do
        openssl req -in "$d/$f" -verify -noout 2>/dev/null || die "$d/$f does not verify"
    done
}
note "counting PKCS#11 calls with pkcs11-spy"
count_calls 1 "$CONF_SMALL"
count_calls 1000 "$CONF_BIG"

# ---- wall time of one CSR -------------------------------------------------------------
# median_of CSV NAME: the median (seconds) of the command NAME in a hyperfine CSV.
median_of() {
    awk -F, -v want="$2" 'NR > 1 && $1 == want { print $4 }' "$1"
}
time_csr() { # SIZE CONF
    local size=$1 conf=$2 d=$WORK/time-$1
    mkdir -p "$d"
    note "timing one CSR, $size: $RUNS runs each"
    SOFTHSM2_CONF=$conf PKCS11_MODULE_PATH=$SOFTHSM P11CERT_MODULE=$SOFTHSM \
        hyperfine -N --style basic --warmup 3 --runs "$RUNS" --export-csv "$d/times.csv" \
        -n p11cert "$P11CERT -q --pin-source file:$PIN_FILE csr '$KEY' --subject /CN=bench.example --out $d/p11cert.csr --force" \
        -n certtool "certtool --generate-request --load-privkey '$KEY;type=private' --template $WORK/template --provider $SOFTHSM --outfile $d/certtool.csr" \
        -n engine "openssl req -new -engine pkcs11 -keyform engine -key '$KEY;type=private;pin-value=$PIN' -subj /CN=bench.example -out $d/engine.csr" \
        -n floor "pkcs11-tool --module $SOFTHSM -L" >"$d/hyperfine.txt" 2>&1 ||
        die "hyperfine failed: $(tail -n 5 "$d/hyperfine.txt")"
}
time_csr 1 "$CONF_SMALL"
time_csr 1000 "$CONF_BIG"

# ---- csr --batch against the raw signing rate ---------------------------------------
# Three rounds, each a 3 s raw-sign run then one batch, so that both see the
# same load; medians of each.
note "csr --batch with $BATCH_COUNT requests against the raw C_Sign rate: 3 rounds"
export SOFTHSM2_CONF=$CONF_BIG
mkdir -p "$WORK/batch"
for i in $(seq 1 "$BATCH_COUNT"); do
    printf '{"key": "%s", "subject": "/O=Bench/CN=host%d.bench.example", "out": "%s/out/%d.csr"}\n' \
        "$KEY" "$i" "$WORK/batch" "$i"
done >"$WORK/batch/requests.jsonl"
: >"$WORK/batch/raw.txt"
: >"$WORK/batch/runs.txt"
: >"$WORK/batch/runs-1.txt"
head -n 1 "$WORK/batch/requests.jsonl" | sed 's#/out/#/out1/#' >"$WORK/batch/request-1.jsonl"
for round in 1 2 3; do
    "$RAW_SIGN" "$SOFTHSM" "$LABEL" "$PIN_FILE" bench-key 3 | tail -n 1 >>"$WORK/batch/raw.txt"
    rm -rf "$WORK/batch/out" && mkdir "$WORK/batch/out"
    # bash's time keyword: wall, user and system seconds, a line a run.
    TIMEFORMAT='%R %U %S'
    { time P11CERT_MODULE=$SOFTHSM "$P11CERT" -q --pin-source "file:$PIN_FILE" csr \
        --batch "$WORK/batch/requests.jsonl" >/dev/null 2>"$WORK/batch/err"; } \
        2>>"$WORK/batch/runs.txt" || die "csr --batch failed: $(cat "$WORK/batch/err")"
    # The same start with one request: what the batch pays once (module
    # load, login, key lookup, finalize), to tell it from the per-request cost.
    rm -rf "$WORK/batch/out1" && mkdir "$WORK/batch/out1"
    { time P11CERT_MODULE=$SOFTHSM "$P11CERT" -q --pin-source "file:$PIN_FILE" csr \
        --batch "$WORK/batch/request-1.jsonl" >/dev/null 2>"$WORK/batch/err"; } \
        2>>"$WORK/batch/runs-1.txt" || die "csr --batch failed: $(cat "$WORK/batch/err")"
done
[ "$(ls "$WORK/batch/out" | wc -l)" -eq "$BATCH_COUNT" ] || die "csr --batch wrote too few requests"
for i in 1 "$BATCH_COUNT"; do
    openssl req -in "$WORK/batch/out/$i.csr" -verify -noout 2>/dev/null ||
        die "batch request $i does not verify"
done
median_col() { # FILE COLUMN: the median of three values
    awk -v c="$2" '{ print $c }' "$1" | sort -g | sed -n 2p
}
RAW_RATE=$(median_col "$WORK/batch/raw.txt" 1)
RAW_CPU_MS=$(median_col "$WORK/batch/raw.txt" 2)
BATCH_SECONDS=$(median_col "$WORK/batch/runs.txt" 1)
START_SECONDS=$(median_col "$WORK/batch/runs-1.txt" 1)
STEADY_RATE=$(awk -v n="$BATCH_COUNT" -v a="$BATCH_SECONDS" -v b="$START_SECONDS" \
    'BEGIN { printf "%.1f", (n - 1) / (a - b) }')
BATCH_CPU_MS=$(awk -v n="$BATCH_COUNT" '{ print ($2 + $3) * 1000 / n }' "$WORK/batch/runs.txt" |
    sort -g | sed -n 2p)
# A regular file: --batch refuses a pipe (a FIFO would block; only - reads one).
head -n 20 "$WORK/batch/requests.jsonl" >"$WORK/batch/requests-20.jsonl"
BATCH_SPY=$(spy_calls "$CONF_BIG" batch-20 env P11CERT_MODULE="$SPY" "$P11CERT" -q \
    --pin-source "file:$PIN_FILE" csr --force --batch "$WORK/batch/requests-20.jsonl")

# ---- chain on certificate pools ----------------------------------------------------------
declare -A CHAIN VERIFY GEN
for n in $POOL_SIZES; do
    d=$WORK/pool-$n
    mkdir -p "$d"
    start=$(date +%s.%N)
    "$CERT_POOL" "$d" "$n"
    GEN[$n]=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    note "chain on $n certificates (pool made in ${GEN[$n]} s)"
    hyperfine -N --style basic --warmup 1 --runs 5 --export-csv "$d/times.csv" \
        -n chain "$P11CERT -q chain $d/pool.pem --leaf $d/leaf.pem --trust $d/root.pem --out $d/chain.crt --force" \
        -n verify "openssl verify -untrusted $d/pool.pem -CAfile $d/root.pem $d/leaf.pem" \
        >"$d/hyperfine.txt" 2>&1 || die "chain timing failed: $(tail -n 5 "$d/hyperfine.txt")"
    [ "$(grep -c 'BEGIN CERTIFICATE' "$d/chain.crt")" -eq 3 ] || die "chain on $n: not 3 certificates"
    CHAIN[$n]=$(median_of "$d/times.csv" chain)
    VERIFY[$n]=$(median_of "$d/times.csv" verify)
done

# ---- real tokens, a real CA, renewal at scale (scripts/bench-real.sh) ----------------------
note "starting pebble and knotd on loopback"
acme_start
latency_measure
issuance_measure
renew_measure
real_cleanup

# ---- the report --------------------------------------------------------------------------
ms() { awk -v s="$1" 'BEGIN { printf "%.1f ms", s * 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
verdict() { if "$@"; then echo "met"; else echo "**missed**"; fi; }
pkg_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "not installed"; }

declare -A MED
for size in 1 1000; do
    for tool in p11cert certtool engine floor; do
        MED[$tool,$size]=$(median_of "$WORK/time-$size/times.csv" "$tool")
    done
done
BATCH_RATE=$(awk -v n="$BATCH_COUNT" -v s="$BATCH_SECONDS" 'BEGIN { printf "%.1f", n / s }')
BATCH_RATIO=$(ratio "$BATCH_RATE" "$RAW_RATE")
set -- $POOL_SIZES
P1=$1 P2=$2 P3=$3
# The cost of each added certificate between sizes: equal costs mean linear.
MARGIN1=$(awk -v a="${CHAIN[$P1]}" -v b="${CHAIN[$P2]}" -v n="$((P2 - P1))" 'BEGIN { printf "%.1f", (b - a) / n * 1e6 }')
MARGIN2=$(awk -v a="${CHAIN[$P2]}" -v b="${CHAIN[$P3]}" -v n="$((P3 - P2))" 'BEGIN { printf "%.1f", (b - a) / n * 1e6 }')

cpu=$(sed -nE 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)

# floor_note FACTOR TOOL: when FACTOR x TOOL's time is below the floor (the
# time of loading SoftHSM and listing its slots), no process can meet it.
floor_note() {
    awk -v f="$1" -v t="${MED[$2,1000]}" -v floor="${MED[floor,1000]}" -v p="${MED[p11cert,1000]}" \
        'BEGIN { if (f * t < floor) printf "; %.1f ms = %s × %s is below the floor, %.1f ms (p11cert: %.2f × the floor)", f * t * 1000, f, "'"$2"'", floor * 1000, p / floor }'
}

calls_row() { # OP TOOL NAME
    local a=${CALLS[$1,$2,1]:-} b=${CALLS[$1,$2,1000]:-}
    if [ -z "$a" ]; then
        printf '| %s | %s | — | — |\n' "$1" "$3"
    else
        printf '| %s | %s | %s | %s |\n' "$1" "$3" "$a" "$b"
    fi
}

# csr --batch --jobs N against the raw rate over N sessions: its own section.
"$SRC/scripts/bench-jobs.sh" "$BUILD" "$WORK/jobs" >"$WORK/jobs.md"

{
    echo "# p11cert benchmarks"
    echo
    echo "Made by \`make bench\` ([scripts/bench.sh](scripts/bench.sh)) on $(date -u '+%Y-%m-%d %H:%M UTC')."
    echo "All numbers come from one run on the machine below, every tool on the same SoftHSM2 tokens;"
    echo "ratios compare tools measured in that run. No test depends on them."
    echo
    echo "## Machine"
    echo
    echo "| | |"
    echo "| --- | --- |"
    echo "| CPUs (\`nproc\`) | $(nproc) |"
    echo "| CPU | ${cpu:-unknown} |"
    echo "| memory | $mem |"
    echo "| load average (1, 5, 15 min) when the run began, and ended | $LOAD_START; $(cut -d' ' -f1-3 /proc/loadavg) |"
    echo "| Debian | $(cat /etc/debian_version 2>/dev/null || echo unknown) |"
    echo "| softhsm2 | $(pkg_version softhsm2) |"
    echo "| opensc (pkcs11-spy, pkcs11-tool) | $(pkg_version opensc) |"
    echo "| gnutls-bin (certtool, p11tool) | $(pkg_version gnutls-bin) |"
    echo "| libp11 (libp11-3, libengine-pkcs11-openssl) | $(pkg_version libp11-3), $(pkg_version libengine-pkcs11-openssl) |"
    echo "| openssl | $(pkg_version openssl) |"
    echo "| hyperfine | $(pkg_version hyperfine) |"
    echo "| pebble, knot, lego | $(pkg_version pebble), $(pkg_version knot), $(pkg_version lego) |"
    echo
    echo "## PKCS#11 calls per command"
    echo
    echo "Counted from the log of OpenSC's \`pkcs11-spy.so\` (lines \`N: C_...\`), from"
    echo "\`C_GetFunctionList\` to \`C_Finalize\`. Token \"1 key\": one RSA-2048 key pair and nothing"
    echo "else; token \"1,000 objects\": the same key among $FILL_COUNT other objects (data objects and"
    echo "EC key pairs, made by \`p11-fill\`). GnuTLS's import is \`p11tool --write\`; the libp11"
    echo "engine has no import, and no tool has an equivalent of \`check\`."
    echo
    echo "| command | tool | 1 key | 1,000 objects |"
    echo "| --- | --- | ---: | ---: |"
    calls_row csr p11cert "p11cert"
    calls_row csr certtool "certtool (GnuTLS)"
    calls_row csr engine "openssl req, libp11 engine"
    calls_row selfsign p11cert "p11cert"
    calls_row selfsign certtool "certtool (GnuTLS)"
    calls_row selfsign engine "openssl req -x509, libp11 engine"
    calls_row import p11cert "p11cert"
    calls_row import certtool "p11tool --write (GnuTLS)"
    calls_row check p11cert "p11cert (without --tls)"
    echo "| csr --batch, 20 requests | p11cert | — | $BATCH_SPY |"
    echo
    echo "## Wall time of one CSR"
    echo
    echo "Median of $RUNS runs (hyperfine, 3 warm-up runs, no shell), RSA-2048 key, SHA-256."
    echo "\`pkcs11-tool -L\` only loads SoftHSM and lists the slots: the floor any process pays."
    echo
    echo "| tool | 1 key | 1,000 objects | p11cert ÷ tool (1,000 objects) |"
    echo "| --- | ---: | ---: | ---: |"
    for tool in p11cert certtool engine floor; do
        case $tool in
        p11cert) name="p11cert csr" ;;
        certtool) name="certtool --generate-request" ;;
        engine) name="openssl req -engine pkcs11 (libp11)" ;;
        floor) name="pkcs11-tool -L (floor)" ;;
        esac
        echo "| $name | $(ms "${MED[$tool,1]}") | $(ms "${MED[$tool,1000]}") | $(ratio "${MED[p11cert,1000]}" "${MED[$tool,1000]}") |"
    done
    echo
    echo "## csr --batch against the token's raw signing rate"
    echo
    echo "On the 1,000-object token. Raw rate: \`bench/raw-sign.c\` logs in once and loops"
    echo "\`C_SignInit\` + \`C_Sign\` (CKM_RSA_PKCS over a SHA-256 DigestInfo) for 3 s, timing the"
    echo "loop only. Batch: \`p11cert csr --batch\` with $BATCH_COUNT requests, each built, signed on"
    echo "the token, verified and written to its own file atomically, timed as a whole process."
    echo "Three rounds (raw-sign, then the batch, then a 1-request batch), medians. CPU time is user + system of"
    echo "the whole process (SoftHSM's work included), per signature or per request; the batch's"
    echo "includes its start (module load, login, key lookup)."
    echo
    echo "| | per second | CPU time each |"
    echo "| --- | ---: | ---: |"
    echo "| raw C_Sign | $RAW_RATE signatures/s | $RAW_CPU_MS ms |"
    echo "| csr --batch, $BATCH_COUNT requests in $(awk -v s="$BATCH_SECONDS" 'BEGIN { printf "%.2f s", s }') | $BATCH_RATE requests/s | $(awk -v c="$BATCH_CPU_MS" 'BEGIN { printf "%.3f", c }') ms |"
    echo "| batch ÷ raw | $BATCH_RATIO | $(ratio "$RAW_CPU_MS" "$BATCH_CPU_MS") (raw CPU ÷ batch CPU) |"
    echo "| csr --batch with 1 request (the start alone) | $(ms "$START_SECONDS") | |"
    echo "| csr --batch, start excluded: ($BATCH_COUNT - 1) ÷ (time of $BATCH_COUNT − time of 1) | $STEADY_RATE requests/s | |"
    echo "| steady batch ÷ raw | $(ratio "$STEADY_RATE" "$RAW_RATE") | |"
    echo
    echo "## chain on a pool of certificates"
    echo
    echo "\`bench/cert-pool.c\` makes one PEM file: root → int1 → int2 → leaf spread among"
    echo "unrelated certificates (8 throwaway CAs and what they issued), all EC P-256. Compared:"
    echo "\`p11cert chain POOL --leaf LEAF --trust ROOT --out chain.crt\` and"
    echo "\`openssl verify -untrusted POOL -CAfile ROOT LEAF\`; median of 5 runs each."
    echo
    echo "| certificates | pool made in | p11cert chain | openssl verify | p11cert ÷ openssl |"
    echo "| ---: | ---: | ---: | ---: | ---: |"
    for n in $POOL_SIZES; do
        echo "| $n | ${GEN[$n]} s | $(ms "${CHAIN[$n]}") | $(ms "${VERIFY[$n]}") | $(ratio "${CHAIN[$n]}" "${VERIFY[$n]}") |"
    done
    echo
    echo "Cost of each added certificate: $MARGIN1 µs from $P1 to $P2, $MARGIN2 µs from $P2 to $P3."
    echo
    latency_report
    issuance_report
    renew_report
    cat "$WORK/jobs.md"
    echo
    echo "## Targets (issue 5)"
    echo
    echo "| target | measured | |"
    echo "| --- | --- | --- |"
    echo "| csr: at most 16 PKCS#11 calls, the same at 1 and at 1,000 objects | ${CALLS[csr,p11cert,1]} and ${CALLS[csr,p11cert,1000]} | $(verdict eval "[ ${CALLS[csr,p11cert,1]} -le 16 ] && [ ${CALLS[csr,p11cert,1]} -eq ${CALLS[csr,p11cert,1000]} ]") |"
    echo "| csr wall time ≤ 0.9 × certtool's (1,000 objects) | $(ratio "${MED[p11cert,1000]}" "${MED[certtool,1000]}") ×$(floor_note 0.9 certtool) | $(verdict le "$(ratio "${MED[p11cert,1000]}" "${MED[certtool,1000]}")" 0.9) |"
    echo "| csr wall time ≤ 0.5 × the libp11 engine's (1,000 objects) | $(ratio "${MED[p11cert,1000]}" "${MED[engine,1000]}") ×$(floor_note 0.5 engine) | $(verdict le "$(ratio "${MED[p11cert,1000]}" "${MED[engine,1000]}")" 0.5) |"
    echo "| csr --batch ≥ 0.8 × the raw C_Sign rate | $BATCH_RATIO × ($(ratio "$STEADY_RATE" "$RAW_RATE") × with the start excluded) | $(verdict le 0.8 "$BATCH_RATIO") |"
    echo "| chain on $P3 certificates faster than openssl verify | $(ms "${CHAIN[$P3]}") vs $(ms "${VERIFY[$P3]}") | $(verdict le "${CHAIN[$P3]}" "${VERIFY[$P3]}") |"
    echo "| chain grows linearly with the pool | $MARGIN1 µs and $MARGIN2 µs per added certificate | $(verdict awk -v a="$MARGIN1" -v b="$MARGIN2" 'BEGIN { m = a > b ? a : b; n = a > b ? b : a; exit !(m <= 2 * n + 5) }') |"
    echo
    echo "## Targets (issue 19)"
    echo
    echo "| target | measured | |"
    echo "| --- | --- | --- |"
    targets_real_rows
    cat "$WORK/jobs/targets.md"
    if [ -f "$SRC/bench/NOTES.md" ]; then
        echo
        cat "$SRC/bench/NOTES.md"
    fi
} >"$OUT_MD"

cat "$OUT_MD"
note "wrote $OUT_MD (logs and tokens in $WORK)"
