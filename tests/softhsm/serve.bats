#!/usr/bin/env bats
# Serving TLS from the token: nginx, Apache and stunnel started from exactly
# the files `server-config` wrote, on loopback ports, with their worker
# processes as www-data; curl (verifying the chain) makes 200 requests, 8 at
# a time, against each; openssl s_client and `check --server` look at what
# each presents. `check --server` must also fail against openssl s_server
# presenting no intermediate, and presenting another key's certificate.
#
# The token holds RSA and EC keys only: libp11 0.4.12 cannot use a token
# that holds an Ed25519 key. Requests per second are printed as "# ..."
# lines: a figure, not a gate.

load helpers

bats_require_minimum_version 1.5.0

# A PIN that occurs nowhere else, with characters openssl.cnf must quote.
PIN='Sv7#q$w"x9'
NAME=developers.example.com
REQUESTS=200
PARALLEL=8

setup_file() {
    SOFTHSM_TOKEN_USER_PIN=$PIN setup_token serve
    local dir=$BATS_FILE_TMPDIR
    p11cert_pin -q keygen "$TOKEN_URI" --label web --type rsa:2048 >/dev/null || return 1
    p11cert_pin -q keygen "$TOKEN_URI" --label edge --type ec:p256 >/dev/null || return 1
    local key
    for key in web edge; do
        p11cert_pin -q csr "pkcs11:token=$TOKEN_LABEL;object=$key" --subject "/CN=$NAME" \
            --san "DNS:$NAME" --out "$dir/$key.csr" >/dev/null || return 1
        "$P11CERT_SRC/scripts/test-ca.sh" "$dir/ca" sign "$dir/$key.csr" "$dir/$key" \
            >/dev/null || return 1
    done
    p11cert -q chain "$dir/web.crt" "$dir/ca/int1.crt" "$dir/ca/int2.crt" "$dir/ca/root.crt" \
        --out "$dir/chain.crt" >/dev/null || return 1
    # The workers (www-data) must be able to walk down to the token directory:
    # bats makes its temporary directories 0700.
    local d=$TOKEN_DIR
    while [ "$d" != / ] && [ "$d" != /tmp ]; do
        chmod o+x "$d" || return 1
        d=$(dirname "$d")
    done
    export FILES=$dir ROOT=$dir/ca/root.crt
}

setup() {
    mkdir "$BATS_TEST_TMPDIR/out" || return 1
    chmod 755 "$BATS_TEST_TMPDIR/out"
    OUT=$BATS_TEST_TMPDIR/out
    PIDS=$BATS_TEST_TMPDIR/pids
    : >"$PIDS"
}

# Every server this test started, stopped by its pid: TERM, then KILL only
# if it is still there after 10 s (a SIGKILLed SoftHSM user can damage the
# token's files).
teardown() {
    local pid
    while read -r pid; do
        [ -n "$pid" ] || continue
        kill -TERM "$pid" 2>/dev/null || continue
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    done <"$PIDS"
}

# server-config SERVER KEY [ARGS...] into $OUT, with the PIN from the token's
# PIN file; its steps in $OUT/steps.
configure() {
    local server=$1 key=$2
    shift 2
    p11cert server-config "$server" --key "pkcs11:token=$TOKEN_LABEL;object=$key" \
        --cert "$FILES/$key.crt" --chain "$FILES/chain.crt" --domain "$NAME" \
        --pin-file "$PIN_FILE" --out-dir "$OUT" "$@" >"$OUT/steps"
}

# Carries out the steps server-config printed for the worker user (the
# chgrp/chmod lines), and exports its environment lines.
follow_steps() {
    local line
    while IFS= read -r line; do
        case "$line" in
        export\ *) eval "$line" ;;
        chgrp\ *) eval "$line" || return 1 ;;
        esac
    done <"$OUT/steps"
}

# 200 requests, 8 at a time, each a new curl verifying the chain against the
# test root and the name; prints one line per request: curl's status and the
# HTTP code. Prints "# SERVER: N requests/s" on fd 3.
load_test() {
    local server=$1 port=$2 start end
    start=$(date +%s.%N)
    # One line a request, written at once by curl: "HTTP-CODE CURL-EXIT-CODE".
    seq "$REQUESTS" | xargs -P "$PARALLEL" -I{} curl -sS -o /dev/null \
        -w '%{http_code} %{exitcode}\n' --max-time 20 --cacert "$ROOT" \
        --resolve "$NAME:$port:127.0.0.1" "https://$NAME:$port/" >"$OUT/load" 2>"$OUT/load.err"
    end=$(date +%s.%N)
    awk -v s="$server" -v n="$REQUESTS" -v p="$PARALLEL" -v t0="$start" -v t1="$end" \
        'BEGIN { printf "# %s: %d requests, %d at a time: %.0f requests/s\n", s, n, p, n / (t1 - t0) }' >&3
}

# Asserts the load test's result: every request answered 200, none failed.
load_passed() {
    cat "$OUT/load.err"
    [ "$(grep -c '^200 0$' "$OUT/load")" -eq "$REQUESTS" ]
}

# The PIN is in openssl.cnf (0600; there its '"' is escaped, so its part
# before the quote is looked for) and in no other file server-config or the
# server wrote, logs included.
pin_only_in_openssl_cnf() {
    local files
    files=$(grep -rlF -e "$PIN" -e "${PIN%%\"*}" "$OUT" || true)
    echo "files holding the PIN: $files"
    [ "$files" = "$OUT/openssl.cnf" ]
    [ "$(stat -c %a "$OUT/openssl.cnf")" = 600 ]
    grep -qF "PIN = \"${PIN%%\"*}\\\"${PIN#*\"}\"" "$OUT/openssl.cnf"
}

# check --server against 127.0.0.1:PORT with the token key KEY.
check_server() {
    run p11cert_pin check --server "127.0.0.1:$1" --servername "$NAME" --domain "$NAME" \
        --key "pkcs11:token=$TOKEN_LABEL;object=$2" --trust "$ROOT"
    echo "$output"
}

# The users the children of process PID run as, one a line.
worker_users() {
    ps -o user= --ppid "$1" | sort -u
}

@test "nginx: workers as www-data serve the RSA token key; 200 requests, 8 at a time, all verified" {
    port=$(unused_port)
    configure nginx web --listen "127.0.0.1:$port"
    cat "$OUT/steps"
    follow_steps
    nginx -c "$OUT/nginx.conf" 2>"$OUT/nginx-start.log"
    for _ in $(seq 1 50); do
        [ -s "$OUT/nginx.pid" ] && break
        sleep 0.1
    done
    master=$(cat "$OUT/nginx.pid")
    echo "$master" >>"$PIDS"
    wait_for_port "$port" "$master"
    tls_handshake_ok "$port" 1.2 "$ROOT" "$NAME"
    tls_handshake_ok "$port" 1.3 "$ROOT" "$NAME"
    load_test nginx "$port"
    load_passed
    # The requests were answered by workers, all of them www-data.
    [ "$(worker_users "$master")" = www-data ]
    check_server "$port" web
    [ "$status" -eq 0 ]
    [ "$(grep -c '^PASS' <<<"$output")" -eq 8 ]
    cat "$OUT/nginx-error.log" "$OUT/nginx-start.log"
    pin_only_in_openssl_cnf
}

@test "apache: the event MPM's children as www-data serve the EC token key; 200 requests, all verified" {
    port=$(unused_port)
    configure apache edge --listen "127.0.0.1:$port"
    follow_steps
    # In its own session: Apache signals its whole process group.
    setsid apache2 -f "$OUT/apache.conf" -DFOREGROUND -e info >"$OUT/apache-stdout.log" 2>&1 &
    echo "$!" >>"$PIDS"
    wait_for_port "$port" "$!"
    tls_handshake_ok "$port" 1.2 "$ROOT" "$NAME"
    tls_handshake_ok "$port" 1.3 "$ROOT" "$NAME"
    load_test apache "$port"
    load_passed
    # The event MPM answered, through children that are www-data.
    grep -q 'mpm_event:notice.*AH00489' "$OUT/apache-error.log"
    master=$(cat "$OUT/apache2.pid")
    [ "$(worker_users "$master")" = www-data ]
    check_server "$port" edge
    [ "$status" -eq 0 ]
    [ "$(grep -c '^PASS' <<<"$output")" -eq 8 ]
    pin_only_in_openssl_cnf
}

@test "stunnel: as www-data in front of a plain server, the RSA token key; 200 requests, all verified" {
    backend=$(unused_port)
    python3 -m http.server --bind 127.0.0.1 --directory /var/www/html "$backend" \
        >"$OUT/backend.log" 2>&1 &
    echo "$!" >>"$PIDS"
    wait_for_port "$backend" "$!"
    port=$(unused_port)
    configure stunnel web --listen "127.0.0.1:$port" --connect "127.0.0.1:$backend"
    follow_steps
    stunnel "$OUT/stunnel.conf" >"$OUT/stunnel.log" 2>&1 &
    server=$!
    echo "$server" >>"$PIDS"
    wait_for_port "$port" "$server"
    [ "$(ps -o user= -p "$server")" = www-data ]
    tls_handshake_ok "$port" 1.2 "$ROOT" "$NAME"
    tls_handshake_ok "$port" 1.3 "$ROOT" "$NAME"
    load_test stunnel "$port"
    load_passed
    check_server "$port" web
    [ "$status" -eq 0 ]
    [ "$(grep -c '^PASS' <<<"$output")" -eq 8 ]
    pin_only_in_openssl_cnf
}

@test "check --server fails on a server that omits the intermediate, as s_client does" {
    port=$(unused_port)
    openssl s_server -accept "127.0.0.1:$port" -cert "$FILES/ca/leaf.crt" \
        -key "$FILES/ca/leaf.key" -www >"$OUT/s_server.log" 2>&1 &
    echo "$!" >>"$PIDS"
    wait_for_port "$port" "$!"
    run openssl s_client -connect "127.0.0.1:$port" -CAfile "$ROOT" -verify_return_error \
        </dev/null
    [ "$status" -ne 0 ]
    run p11cert check --server "127.0.0.1:$port" --servername "$NAME" --trust "$ROOT"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"PASS  tls 1.3"* ]]
    [[ $output == *"FAIL  chain "*"no issuer found"* ]]
}

@test "check --server fails on a server that presents another key's certificate" {
    port=$(unused_port)
    openssl s_server -accept "127.0.0.1:$port" -cert "$FILES/ca/leaf.crt" \
        -key "$FILES/ca/leaf.key" -cert_chain "$FILES/chain.crt" -www >"$OUT/s_server.log" 2>&1 &
    echo "$!" >>"$PIDS"
    wait_for_port "$port" "$!"
    check_server "$port" web
    [ "$status" -eq 1 ]
    [[ $output == *"FAIL  key pair       the certificate's public key is not the token key's"* ]]
    [[ $output == *"PASS  chain "* ]]
    # openssl agrees: the presented key is not the token's.
    openssl s_client -connect "127.0.0.1:$port" </dev/null 2>/dev/null |
        openssl x509 -pubkey -noout >"$OUT/presented.pub"
    openssl x509 -in "$FILES/web.crt" -pubkey -noout >"$OUT/web.pub"
    ! cmp -s "$OUT/presented.pub" "$OUT/web.pub" || false
}

@test "check --server: nothing listening is a FAIL for each version, exit 1" {
    port=$(unused_port)
    run p11cert check --server "127.0.0.1:$port" --trust "$ROOT"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"FAIL  tls 1.3        cannot connect to 127.0.0.1 port $port"* ]]
    [[ $output == *"FAIL  tls 1.2        cannot connect to 127.0.0.1 port $port"* ]]
}

@test "server-config haproxy is refused with the reason and stunnel in front as the way" {
    run p11cert server-config haproxy --key "pkcs11:token=$TOKEN_LABEL;object=web" \
        --cert "$FILES/web.crt" --out-dir "$OUT"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"haproxy 2.6 is built without OpenSSL engine support"* ]]
    [[ $output == *"server-config stunnel --connect"* ]]
    [ -z "$(ls -A "$OUT")" ]
}

@test "server-config: an unknown server or --connect for nginx is a usage error, no file" {
    run p11cert server-config lighttpd --key "pkcs11:token=$TOKEN_LABEL;object=web" \
        --cert "$FILES/web.crt" --out-dir "$OUT"
    [ "$status" -eq 2 ]
    [[ $output == *"unknown server \"lighttpd\""* ]]
    run p11cert server-config nginx --key "pkcs11:token=$TOKEN_LABEL;object=web" \
        --cert "$FILES/web.crt" --connect 127.0.0.1:8080 --out-dir "$OUT"
    [ "$status" -eq 2 ]
    [[ $output == *"--connect is stunnel's"* ]]
    [ -z "$(ls -A "$OUT")" ]
}

@test "server-config: existing files stay without --force; --force replaces them" {
    echo keep >"$OUT/nginx.conf"
    run configure nginx web
    [ "$status" -eq 1 ]
    [ "$(cat "$OUT/nginx.conf")" = keep ]
    [ ! -e "$OUT/openssl.cnf" ]
    configure nginx web --force
    grep -q 'ssl_certificate_key "engine:pkcs11:pkcs11:' "$OUT/nginx.conf"
    [ -z "$(find "$OUT" -name '.*')" ]
}

@test "server-config: a wrong PIN or another key's certificate writes nothing" {
    printf 'wrong-pin\n' >"$BATS_TEST_TMPDIR/wrong"
    run p11cert server-config nginx --key "pkcs11:token=$TOKEN_LABEL;object=web" \
        --cert "$FILES/web.crt" --pin-file "$BATS_TEST_TMPDIR/wrong" --out-dir "$OUT"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"CKR_PIN_INCORRECT"* ]]
    run p11cert server-config nginx --key "pkcs11:token=$TOKEN_LABEL;object=edge" \
        --cert "$FILES/web.crt" --pin-file "$PIN_FILE" --out-dir "$OUT"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"the certificate is not for key \"edge\""* ]]
    [ -z "$(ls -A "$OUT")" ]
}

@test "server-config: the PIN with '#', '\$' and '\"' reaches the engine intact (openssl reads openssl.cnf)" {
    configure stunnel web
    ! grep -qF -- "$PIN" "$OUT/steps" || false
    # OpenSSL's own parser reads the PIN back: openssl signs with the token key
    # through the engine, logged in with nothing but openssl.cnf.
    printf 'data' >"$BATS_TEST_TMPDIR/data"
    uri=$(sed -n 's/^key = //p' "$OUT/stunnel.conf")
    OPENSSL_CONF=$OUT/openssl.cnf openssl pkeyutl -sign -engine pkcs11 -keyform engine \
        -inkey "$uri" -in "$BATS_TEST_TMPDIR/data" -out "$BATS_TEST_TMPDIR/sig" </dev/null
    openssl x509 -in "$FILES/web.crt" -pubkey -noout >"$BATS_TEST_TMPDIR/web.pub"
    openssl pkeyutl -verify -pubin -inkey "$BATS_TEST_TMPDIR/web.pub" \
        -in "$BATS_TEST_TMPDIR/data" -sigfile "$BATS_TEST_TMPDIR/sig"
}
