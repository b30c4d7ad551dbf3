# Sourced by scripts/bench.sh: what users of real tokens and of a CA feel.
#  - latency_measure: wall time of csr, selfsign, import, check and acme issue
#    for p11cert, certtool/p11tool and the libp11 engine on a token that
#    charges a fixed delay per PKCS#11 call (bench/modules/p11-latency.c),
#    with each command's calls on that token (pkcs11-spy);
#  - issuance_measure: `p11cert acme issue` for two names with dns-01 against
#    `p11cert csr` + `lego --csr ... run --dns rfc2136`, on one pebble + knotd
#    (scripts/acme-test-env.sh), and the PKCS#11 calls of one issuance;
#  - renew_measure: `renew --dry-run` and a real `renew` with nothing due on a
#    token with FLEET_COUNT certificates and as many records
#    (bench/renew-fleet.c), wall time and calls, against FLEET_SMALL records
#    for the calls per record.
# Each *_report prints its Markdown section; targets_real_rows the rows of
# the targets table. Uses bench.sh's WORK, SRC, SOFTHSM, SPY, P11CERT, KEY,
# LABEL, PIN_FILE, PIN, spy_calls, median_of, die, note, ms, ratio, le, verdict.
# The servers started here are stopped by real_cleanup (bench.sh's EXIT trap).

DELAYS=${BENCH_DELAYS:-"0 2 20"} # milliseconds per PKCS#11 call
LAT_RUNS=${BENCH_LAT_RUNS:-5}    # hyperfine runs per command and delay
ACME_RUNS=${BENCH_ACME_RUNS:-5}  # issuances per client (lego varies from 3 s to 10 s)
FLEET_COUNT=1000                 # certificates and records on the renewal token
FLEET_SMALL=100                  # the same, for the calls per record
FLEET_DUE_EVERY=50               # every 50th record is due: 2 %
ACME_NAMES="bench1.acme.test bench2.acme.test"
ENV_DIR=$WORK/acme-env

real_cleanup() {
    [ ! -d "$ENV_DIR" ] || "$SRC/scripts/acme-test-env.sh" stop "$ENV_DIR" || true
}

# A token directory holding a copy of the token files in FROM, with its own
# SOFTHSM2_CONF; prints that file's path.
token_copy() { # FROM DIR
    rm -rf "$2" && mkdir -p "$2" && cp -a "$1" "$2/tokens"
    printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
        "$2/tokens" >"$2/softhsm2.conf"
    printf '%s\n' "$2/softhsm2.conf"
}

# ---- the ACME world -----------------------------------------------------------------
acme_start() {
    local out
    out=$("$SRC/scripts/acme-test-env.sh" knot "$ENV_DIR") || die "knotd did not start"
    eval "$out"
    out=$("$SRC/scripts/acme-test-env.sh" pebble "$ENV_DIR" main "$KNOT_PORT") ||
        die "pebble did not start"
    eval "$out"
    "$SRC/scripts/acme-test-env.sh" roots "$ENV_DIR" main "$WORK/acme-root.pem"
    # Its own token: the account key and the certificate key.
    eval "$("$SRC/scripts/softhsm-token.sh" "$WORK/acme" acme)"
    CONF_ACME=$SOFTHSM2_CONF
    ACME_PIN=$WORK/acme/pin
    local k
    for k in acct:ec:p256 web:rsa:2048; do
        SOFTHSM2_CONF=$CONF_ACME "$P11CERT" -q --module "$SOFTHSM" --pin-source "file:$ACME_PIN" \
            keygen pkcs11:token=acme --label "${k%%:*}" --type "${k#*:}" >/dev/null
    done
    SOFTHSM2_CONF=$CONF_ACME "$P11CERT" -q --module "$SOFTHSM" --pin-source "file:$ACME_PIN" \
        acme account --account-key "pkcs11:token=acme;object=acct" --directory "$MAIN_DIRECTORY" \
        --ca-bundle "$MAIN_CA" --agree-tos --email ops@example.com >/dev/null ||
        die "the ACME account was not registered"
}

# The command line of one `acme issue` for ACME_NAMES, its module M.
acme_issue_cmd() { # M OUTDIR
    local d="--domain ${ACME_NAMES// / --domain }"
    printf '%s' "env SOFTHSM2_CONF=$CONF_ACME $P11CERT -q --module $1 --pin-source file:$ACME_PIN acme issue --directory $MAIN_DIRECTORY --ca-bundle $MAIN_CA --trust $WORK/acme-root.pem --no-record --account-key 'pkcs11:token=acme;object=acct' --key 'pkcs11:token=acme;object=web' $d --dns-server $KNOT_SERVER --tsig-key file:$TSIG_FILE --out $2/cert.pem --chain-out $2/chain.crt --force"
}

# ---- a token with a per-call delay --------------------------------------------------
# The commands, NAME|COMMAND with @M@ for the module; the import ones run on a
# token restored before each run.
lat_commands() {
    local d=$WORK/lat/out k="'$KEY;type=private'" e="'$KEY;type=private;pin-value=$PIN'"
    local p="$P11CERT -q --module @M@ --pin-source file:$PIN_FILE"
    cat <<EOF
csr/p11cert|$p csr '$KEY' --subject /CN=bench.example --out $d/p11cert.csr --force
csr/certtool|certtool --generate-request --load-privkey $k --template $WORK/template --provider @M@ --outfile $d/certtool.csr
csr/engine|env PKCS11_MODULE_PATH=@M@ openssl req -new -engine pkcs11 -keyform engine -key $e -subj /CN=bench.example -out $d/engine.csr
selfsign/p11cert|$p selfsign '$KEY' --subject /CN=bench.example --out $d/p11cert.crt --force
selfsign/certtool|certtool --generate-self-signed --load-privkey $k --template $WORK/template --provider @M@ --outfile $d/certtool.crt
selfsign/engine|env PKCS11_MODULE_PATH=@M@ openssl req -new -x509 -days 365 -engine pkcs11 -keyform engine -key $e -subj /CN=bench.example -out $d/engine.crt
check/p11cert|$p check --cert $d/p11cert.crt --key '$KEY' --domain bench.example
acme/p11cert|$(acme_issue_cmd @M@ "$WORK/lat/acme")
EOF
}
lat_imports() {
    local d=$WORK/lat/out
    cat <<EOF
import/p11cert|$P11CERT -q --module @M@ --pin-source file:$PIN_FILE import $d/p11cert.crt --key '$KEY'
import/certtool|p11tool --provider @M@ --login --write pkcs11:token=$LABEL --load-certificate $d/certtool.crt --label bench-gnutls-cert
EOF
}

declare -A LAT LAT_CALLS
# hyperfine_list CSV PREPARE: times the NAME|COMMAND lines of stdin with the
# latency module, P11LATENCY_MS from the caller.
hyperfine_list() {
    local csv=$1 prepare=$2 args=() name cmd
    while IFS='|' read -r name cmd; do
        args+=(-n "$name" "${cmd//@M@/$LATENCY}")
    done
    [ -z "$prepare" ] || args=(--prepare "$prepare" "${args[@]}")
    SOFTHSM2_CONF=$CONF_LAT P11LATENCY_MODULE=$SOFTHSM \
        hyperfine -N --style basic --warmup 1 --runs "$LAT_RUNS" --export-csv "$csv" "${args[@]}" \
        >"$csv.txt" 2>&1 || die "hyperfine failed: $(tail -n 5 "$csv.txt")"
}

latency_measure() {
    local restore name cmd ms
    mkdir -p "$WORK/lat/out" "$WORK/lat/acme"
    CONF_LAT=$(token_copy "$WORK/small-fresh" "$WORK/lat/token")
    # A script: with -N, hyperfine runs --prepare without a shell too.
    printf 'rm -rf %s && cp -a %s %s\n' "$WORK/lat/token/tokens" "$WORK/small-fresh" \
        "$WORK/lat/token/tokens" >"$WORK/lat/restore.sh"
    restore="bash $WORK/lat/restore.sh"
    # The calls of each command on this token, in the state it is timed in.
    note "counting the calls of each command on the latency table's token"
    while IFS='|' read -r name cmd; do
        case $name in import/*) bash -c "$restore" ;; esac
        LAT_CALLS[$name]=$(spy_calls "$CONF_LAT" "lat-${name//\//-}" bash -c "${cmd//@M@/$SPY}")
    done < <(lat_commands && lat_imports)
    for f in p11cert.csr certtool.csr engine.csr; do
        openssl req -in "$WORK/lat/out/$f" -verify -noout 2>/dev/null || die "$f does not verify"
    done
    for ms in $DELAYS; do
        note "timing on a token with $ms ms per call: $LAT_RUNS runs of each command"
        export P11LATENCY_MS=$ms
        lat_commands | hyperfine_list "$WORK/lat/times-$ms.csv" ""
        lat_imports | hyperfine_list "$WORK/lat/imports-$ms.csv" "$restore"
        unset P11LATENCY_MS
        while IFS='|' read -r name cmd; do
            LAT[$name,$ms]=$(median_of "$WORK/lat/times-$ms.csv" "$name")
            [ -n "${LAT[$name,$ms]}" ] || LAT[$name,$ms]=$(median_of "$WORK/lat/imports-$ms.csv" "$name")
        done < <(lat_commands && lat_imports)
    done
    openssl verify -CAfile "$WORK/acme-root.pem" -untrusted "$WORK/lat/acme/chain.crt" \
        "$WORK/lat/acme/cert.pem" >/dev/null || die "the latency run's certificate does not verify"
}

latency_report() {
    local op tool name ms first last label
    set -- $DELAYS
    first=$1
    last=${!#}
    echo "## On a token that charges per call"
    echo
    echo "\`bench/modules/p11-latency.c\` is a PKCS#11 module that forwards every call to SoftHSM"
    echo "after a fixed delay (P11LATENCY_MS): 2 ms is a network HSM's round trip, 20 ms a smart"
    echo "card's APDU exchange; 0 ms shows the wrapper costs nothing itself. Every tool loads it as"
    echo "its module (\`p11cert --module\`, \`certtool --provider\`, the engine's \`PKCS11_MODULE_PATH\`)."
    echo "Token: the 1-key token (one RSA-2048 key pair; imports start from it every run). Median of"
    echo "$LAT_RUNS runs (hyperfine, 1 warm-up). Calls: pkcs11-spy on the same token. \`acme issue\`:"
    echo "two names, dns-01, against the pebble + knotd of the issuance table below (its times carry"
    echo "knotd's own waits, see the notes: its \"added ÷ calls\" is noise). A tool without the command"
    echo "has no row: the libp11 engine imports nothing, and only p11cert checks or issues."
    echo
    printf '| command | tool | calls |'
    for ms in $DELAYS; do printf ' %s ms |' "$ms"; done
    echo " added ÷ calls at $last ms | p11cert ÷ tool at $last ms |"
    printf '| --- | --- | ---: |'
    for ms in $DELAYS; do printf ' ---: |'; done
    echo ' ---: | ---: |'
    for op in csr selfsign import check acme; do
        for tool in p11cert certtool engine; do
            name=$op/$tool
            [ -n "${LAT_CALLS[$name]:-}" ] || continue
            case $op/$tool in
            import/certtool) label="p11tool --write" ;;
            acme/p11cert) label="p11cert acme issue" ;;
            */engine) label="libp11 engine" ;;
            *) label=$tool ;;
            esac
            printf '| %s | %s | %s |' "$op" "$label" "${LAT_CALLS[$name]}"
            for ms in $DELAYS; do printf ' %s |' "$(ms "${LAT[$name,$ms]}")"; done
            # What the delay added, per call: close to the delay itself when
            # the calls are what the command waits for.
            awk -v a="${LAT[$name,$last]}" -v b="${LAT[$name,$first]}" -v c="${LAT_CALLS[$name]}" \
                'BEGIN { printf " %.1f ms |", (a - b) * 1000 / c }'
            if [ "$tool" = p11cert ]; then
                echo " — |"
            else
                echo " $(ratio "${LAT[$op/p11cert,$last]}" "${LAT[$name,$last]}") |"
            fi
        done
    done
    echo
}

# ---- issuance against lego --------------------------------------------------------
issuance_measure() {
    local d=$WORK/issue names_san="" n secret
    mkdir -p "$d/p11cert" "$d/lego"
    for n in $ACME_NAMES; do names_san="$names_san --san DNS:$n"; done
    set -- $ACME_NAMES
    note "issuance, two names with dns-01: p11cert acme issue and p11cert csr + lego, $ACME_RUNS runs each"
    ISSUE_CALLS=$(spy_calls "$CONF_ACME" acme-issue bash -c "$(acme_issue_cmd "$SPY" "$d/p11cert")")
    ISSUE_CSR_CALLS=$(spy_calls "$CONF_ACME" lego-csr "$P11CERT" -q --module "$SPY" \
        --pin-source "file:$ACME_PIN" csr 'pkcs11:token=acme;object=web' --subject "/CN=$1" \
        $names_san --out "$d/lego.csr" --force)
    secret=$(cut -d: -f3- "$TSIG_FILE")
    # The TSIG secret reaches lego in its environment, never in a command line.
    cat >"$d/lego.sh" <<EOF
set -e
SOFTHSM2_CONF=$CONF_ACME $P11CERT -q --module $SOFTHSM --pin-source file:$ACME_PIN csr pkcs11:token=acme\;object=web --subject /CN=$1$names_san --out $d/lego.csr --force
lego --server $MAIN_DIRECTORY --email ops@example.com --accept-tos --path $d/lego --csr $d/lego.csr --dns rfc2136 --dns.resolvers $KNOT_SERVER --dns.disable-cp run
EOF
    LEGO_CA_CERTIFICATES=$MAIN_CA RFC2136_NAMESERVER=$KNOT_SERVER RFC2136_TSIG_KEY=acme-test \
        RFC2136_TSIG_ALGORITHM=hmac-sha256. RFC2136_TSIG_SECRET=$secret \
        RFC2136_SEQUENCE_INTERVAL=1 RFC2136_POLLING_INTERVAL=1 RFC2136_PROPAGATION_TIMEOUT=60 \
        hyperfine --style basic --warmup 1 --runs "$ACME_RUNS" --export-csv "$d/times.csv" \
        -n p11cert "$(acme_issue_cmd "$SOFTHSM" "$d/p11cert")" \
        -n lego "bash $d/lego.sh" >"$d/hyperfine.txt" 2>&1 ||
        die "issuance timing failed: $(tail -n 5 "$d/hyperfine.txt")"
    ISSUE_P11CERT=$(median_of "$d/times.csv" p11cert)
    ISSUE_LEGO=$(median_of "$d/times.csv" lego)
    openssl verify -CAfile "$WORK/acme-root.pem" -untrusted "$d/p11cert/chain.crt" \
        "$d/p11cert/cert.pem" >/dev/null || die "p11cert's certificate does not verify"
    openssl verify -CAfile "$WORK/acme-root.pem" -untrusted "$d/lego/certificates/$1.issuer.crt" \
        "$d/lego/certificates/$1.crt" >/dev/null || die "lego's certificate does not verify"
    for n in $ACME_NAMES; do
        openssl x509 -in "$d/lego/certificates/$1.crt" -noout -ext subjectAltName | grep -q "DNS:$n" ||
            die "lego's certificate does not name $n"
    done
}

issuance_report() {
    echo "## Issuance: p11cert acme issue against lego"
    echo
    echo "One pebble (Debian's $(pkg_version pebble), PEBBLE_VA_NOSLEEP=1: it validates at once) and one"
    echo "knotd taking TSIG-signed RFC 2136 updates (\`scripts/acme-test-env.sh\`), both on loopback;"
    echo "two names, dns-01, account registered before; median of $ACME_RUNS runs each (hyperfine, 1"
    echo "warm-up, through a shell). p11cert: \`p11cert acme issue --domain ${ACME_NAMES// / --domain } --dns-server"
    echo "KNOT --tsig-key file:KEY\` (RSA-2048 key on SoftHSM, chain built and checked, files written)."
    echo "lego (Debian's $(pkg_version lego)): \`p11cert csr\` for the key on the token, then \`lego --csr"
    echo "REQ.csr --dns rfc2136 --dns.resolvers KNOT --dns.disable-cp run\` with"
    echo "\`RFC2136_SEQUENCE_INTERVAL=1 RFC2136_POLLING_INTERVAL=1\` (lego's shortest waits: whole seconds)."
    echo
    echo "| client | wall time | PKCS#11 calls |"
    echo "| --- | ---: | ---: |"
    echo "| p11cert acme issue | $(ms "$ISSUE_P11CERT") | $ISSUE_CALLS |"
    echo "| p11cert csr + lego run | $(ms "$ISSUE_LEGO") | $ISSUE_CSR_CALLS (the csr) |"
    echo "| p11cert ÷ lego | $(ratio "$ISSUE_P11CERT" "$ISSUE_LEGO") | |"
    echo
}

# ---- renewal at scale ---------------------------------------------------------------
fleet_make() { # DIR COUNT
    mkdir -p "$1/state/out"
    eval "$("$SRC/scripts/softhsm-token.sh" "$1" fleet)"
    "$FLEET" "$SOFTHSM" fleet "$1/pin" "$2" "$1/state" "$FLEET_DUE_EVERY" ||
        die "renew-fleet failed"
    printf '%s\n' "$SOFTHSM2_CONF"
}

declare -A RENEW RENEW_CALLS
renew_measure() {
    local n conf dir start lat_ms=2
    for n in "$FLEET_SMALL" "$FLEET_COUNT"; do
        dir=$WORK/fleet-$n
        start=$(date +%s.%N)
        conf=$(fleet_make "$dir" "$n")
        RENEW[gen,$n]=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
        note "renew on $n certificates and records (made in ${RENEW[gen,$n]} s)"
        RENEW_CALLS[dry,$n]=$(spy_calls "$conf" "renew-dry-$n" "$P11CERT" --module "$SPY" renew \
            --state-dir "$dir/state" --dry-run)
        [ "$(grep -c ': would renew' "$WORK/spy/renew-dry-$n.log.out")" -eq $((n / FLEET_DUE_EVERY)) ] ||
            die "renew --dry-run on $n records did not find the $((n / FLEET_DUE_EVERY)) due ones"
        [ "$(grep -c ': not due' "$WORK/spy/renew-dry-$n.log.out")" -eq $((n - n / FLEET_DUE_EVERY)) ] ||
            die "renew --dry-run on $n records: not every other record is not due"
        RENEW_CALLS[run,$n]=$(spy_calls "$conf" "renew-run-$n" "$P11CERT" --module "$SPY" renew \
            --state-dir "$dir/state" --days 1)
        [ "$(grep -c ': not due' "$WORK/spy/renew-run-$n.log.out")" -eq "$n" ] ||
            die "renew --days 1 on $n records: not all of them were not due"
    done
    dir=$WORK/fleet-$FLEET_COUNT
    SOFTHSM2_CONF=$conf hyperfine -N --style basic --warmup 1 --runs 5 \
        --export-csv "$dir/times.csv" \
        -n dry "$P11CERT -q renew --state-dir $dir/state --dry-run" \
        -n run "$P11CERT -q renew --state-dir $dir/state --days 1" >"$dir/hyperfine.txt" 2>&1 ||
        die "renew timing failed: $(tail -n 5 "$dir/hyperfine.txt")"
    RENEW[dry]=$(median_of "$dir/times.csv" dry)
    RENEW[run]=$(median_of "$dir/times.csv" run)
    # The same dry run on a network HSM: one run, its calls at lat_ms each.
    start=$(date +%s.%N)
    SOFTHSM2_CONF=$conf P11LATENCY_MODULE=$SOFTHSM P11LATENCY_MS=$lat_ms \
        "$P11CERT" -q --module "$LATENCY" renew --state-dir "$dir/state" --dry-run >/dev/null ||
        die "renew --dry-run through the latency module failed"
    RENEW[dry_lat]=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
    RENEW[lat_ms]=$lat_ms
}

per_record() { # KIND: the calls each added record costs, from FLEET_SMALL to FLEET_COUNT
    awk -v a="${RENEW_CALLS[$1,$FLEET_SMALL]}" -v b="${RENEW_CALLS[$1,$FLEET_COUNT]}" \
        -v n="$((FLEET_COUNT - FLEET_SMALL))" 'BEGIN { printf "%.3f", (b - a) / n }'
}
constant_calls() { # KIND: what is left at FLEET_SMALL
    awk -v a="${RENEW_CALLS[$1,$FLEET_SMALL]}" -v p="$(per_record "$1")" -v n="$FLEET_SMALL" \
        'BEGIN { printf "%.0f", a - p * n }'
}

renew_report() {
    echo "## renew on a token with $FLEET_COUNT certificates"
    echo
    echo "\`bench/renew-fleet.c\` makes a token as a fleet's renew run finds it: for each record an EC"
    echo "P-256 key pair, a certificate for its key stored beside it (\`CKA_ID\` as \`acme issue"
    echo "--import\` stores it) and the renewal record \`acme issue\` would have written; every"
    echo "${FLEET_DUE_EVERY}th certificate is due (2 %), the others not. $FLEET_COUNT records took ${RENEW[gen,$FLEET_COUNT]} s to make."
    echo "\`renew --dry-run\` opens the token read-only and logs in, reads every certificate's"
    echo "\`CKA_ID\` once (what a repair would remove), and for each due record checks that its key and"
    echo "its account key are on the token; \`renew --days 1\` is the real run with nothing due (lock,"
    echo "read-write session, the same checks). Wall time: median of 5 runs (hyperfine, 1 warm-up)."
    echo
    echo "| command | records | wall time | PKCS#11 calls | calls per added record | constant |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
    echo "| renew --dry-run | $FLEET_SMALL | | ${RENEW_CALLS[dry,$FLEET_SMALL]} | | |"
    echo "| renew --dry-run | $FLEET_COUNT | $(ms "${RENEW[dry]}") | ${RENEW_CALLS[dry,$FLEET_COUNT]} | $(per_record dry) | $(constant_calls dry) |"
    echo "| renew --days 1 (nothing due) | $FLEET_SMALL | | ${RENEW_CALLS[run,$FLEET_SMALL]} | | |"
    echo "| renew --days 1 (nothing due) | $FLEET_COUNT | $(ms "${RENEW[run]}") | ${RENEW_CALLS[run,$FLEET_COUNT]} | $(per_record run) | $(constant_calls run) |"
    echo "| renew --dry-run, ${RENEW[lat_ms]} ms per call (1 run) | $FLEET_COUNT | $(ms "${RENEW[dry_lat]}") | | | |"
    echo
}

targets_real_rows() {
    echo "| acme issue (2 names) wall time ≤ 0.25 × lego's | $(ratio "$ISSUE_P11CERT" "$ISSUE_LEGO") × ($(ms "$ISSUE_P11CERT") vs $(ms "$ISSUE_LEGO")) | $(verdict le "$(ratio "$ISSUE_P11CERT" "$ISSUE_LEGO")" 0.25) |"
    echo "| acme issue: at most 80 PKCS#11 calls | $ISSUE_CALLS | $(verdict le "$ISSUE_CALLS" 80) |"
    echo "| renew --dry-run on $FLEET_COUNT records under 2 s | $(ms "${RENEW[dry]}") | $(verdict le "${RENEW[dry]}" 2) |"
    echo "| renew --dry-run: at most 1.1 calls per record plus a constant | $(per_record dry) per record + $(constant_calls dry) | $(verdict le "$(per_record dry)" 1.1) |"
}
