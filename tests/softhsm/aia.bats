#!/usr/bin/env bats
# Fetching what the CA did not send: `chain` and `check` follow the
# Authority Information Access caIssuers URL of the last certificate they
# have. A test CA (scripts/test-ca.sh with TEST_CA_AIA) issues certificates
# whose URLs point at the test's own small server on 127.0.0.1
# (tests/helpers/aia-server.py, port 0 read back, one log line a request,
# stopped by pid in teardown_file), which also gives every bad answer: 404,
# garbage, bodies over 1 MiB, a redirect loop, silence, a certificate that
# did not issue the one it should. chain.crt's order is confirmed by
# `openssl verify -untrusted`, what was requested by the server's log.
# No token needed.

bats_require_minimum_version 1.5.0

load helpers
load aia-helpers

# An impostor of Intermediate 2: its subject and key identifier, another key.
make_impostor() {
    local d=$BATS_FILE_TMPDIR/impostor ski
    mkdir -p "$d"
    ski=$(openssl x509 -in "$CA/int2.crt" -noout -ext subjectKeyIdentifier | sed -n 2p | tr -d ' ')
    printf '[req]\ndistinguished_name=dn\n[dn]\n[ext]\nbasicConstraints=critical,CA:TRUE\n' \
        >"$d/req.cnf"
    printf 'keyUsage=critical,keyCertSign\nsubjectKeyIdentifier=%s\n' "$ski" >>"$d/req.cnf"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/key.pem" \
        -config "$d/req.cnf" -extensions ext -subj "/O=p11cert test/CN=p11cert Test Intermediate 2" \
        -days 30 -outform DER -out "$WWW/impostor-int2.cer" 2>/dev/null
}

# leaf NAME URL: $CA/NAME.crt, a leaf of Intermediate 2 with caIssuers URL.
leaf() {
    "$P11CERT_SRC/scripts/test-ca.sh" "$CA" leaf "$CA/$1" "$2"
}

setup_file() {
    export WWW=$BATS_FILE_TMPDIR/www CA=$BATS_FILE_TMPDIR/ca
    mkdir -p "$WWW"
    start_http_and_https || return 1
    # leaf.crt -> BASE/int2.cer, int2 -> BASE/int1.cer, int1 -> BASE/root.cer
    TEST_CA_AIA=$BASE "$P11CERT_SRC/scripts/test-ca.sh" "$CA" &&
        cp "$CA"/aia/* "$WWW"/ &&
        printf '<html><body>Moved to our new portal</body></html>\n' >"$WWW/portal.cer" &&
        cp "$CA/aia/newroot.cer" "$WWW/wrong.cer" &&
        openssl x509 -in "$CA/loop-a.crt" -outform DER -out "$WWW/loopa.cer" &&
        make_impostor &&
        leaf pem "$BASE/int2.pem" &&
        leaf p7 "$BASE/int2.p7c" &&
        leaf redirected "$BASE/redirect/3/int2.cer" &&
        leaf https "$TLS_BASE/int2.cer" &&
        leaf notfound "$BASE/no-such.cer" &&
        leaf garbage "$BASE/portal.cer" &&
        leaf big "$BASE/big" &&
        leaf bignolength "$BASE/big-nolength" &&
        leaf loop "$BASE/loop" &&
        leaf toomany "$BASE/redirect/4/int2.cer" &&
        leaf silent "$BASE/silent" &&
        leaf trickle "$BASE/trickle" &&
        leaf wrong "$BASE/wrong.cer" &&
        leaf impostor "$BASE/impostor-int2.cer" &&
        leaf down "http://127.0.0.1:$(unused_port)/int2.cer" || {
        stop_servers
        return 1
    }
}

teardown_file() {
    stop_servers
}

setup() {
    mkdir -p "$BATS_TEST_TMPDIR/work"
    cd "$BATS_TEST_TMPDIR/work" || return 1
}

# Subjects' CNs of the certificates in a PEM file, one a line.
cns() {
    openssl crl2pkcs7 -nocrl -certfile "$1" | openssl pkcs7 -print_certs -noout |
        sed -n 's/^subject=.*CN = //p'
}

# Requests the server logged so far.
requests() {
    wc -l <"${1:-$HTTP_LOG}"
}

# chain.crt is Intermediate 2, Intermediate 1, the root, and openssl builds
# the leaf's path from it alone.
chain_crt_verifies() {
    run cns chain.crt
    [ "${#lines[@]}" -eq 3 ]
    [ "${lines[0]}" = "p11cert Test Intermediate 2" ]
    [ "${lines[1]}" = "p11cert Test Intermediate 1" ]
    [ "${lines[2]}" = "p11cert Test Root CA" ]
    run openssl verify -CAfile "$CA/root.crt" -untrusted chain.crt "$1"
    echo "$output"
    [ "$status" -eq 0 ]
}

# fails_with REASON CMD...: exit 1, one error line on stderr holding REASON
# (and at most a hint line after it), nothing on stdout, no file left behind.
fails_with() {
    local reason=$1
    shift
    run --separate-stderr "$@"
    echo "status $status; stderr: $stderr"
    [ "$status" -eq 1 ]
    [ "${#stderr_lines[@]}" -ge 1 ]
    [ "${#stderr_lines[@]}" -le 2 ]
    [[ "${stderr_lines[0]}" == *"$reason"* ]]
    [[ "${stderr_lines[1]:-p11cert: x: hint: }" == "p11cert: "*": hint: "* ]]
    [ -z "$output" ]
    [ -z "$(ls -A)" ]
}

@test "aia: chain leaf.crt --trust root.crt completes the path from DER answers" {
    local before
    before=$(requests)
    run --separate-stderr p11cert chain "$CA/leaf.crt" --trust "$CA/root.crt" --out chain.crt
    echo "$stderr"
    [ "$status" -eq 0 ]
    chain_crt_verifies "$CA/leaf.crt"
    # Two fetches, each one line on stderr; the root came from --trust.
    [ "${#stderr_lines[@]}" -eq 2 ]
    [ "${stderr_lines[0]}" = "p11cert: chain: fetched CN=p11cert Test Intermediate 2,O=p11cert test from $BASE/int2.cer" ]
    [ "${stderr_lines[1]}" = "p11cert: chain: fetched CN=p11cert Test Intermediate 1,O=p11cert test from $BASE/int1.cer" ]
    # The server saw exactly those two requests.
    [ "$(($(requests) - before))" -eq 2 ]
    run tail -n 2 "$HTTP_LOG"
    [ "${lines[0]}" = "GET /int2.cer" ]
    [ "${lines[1]}" = "GET /int1.cer" ]
}

@test "aia: the leaf alone, the root as an input: the intermediates are fetched" {
    run --separate-stderr p11cert chain "$CA/leaf.crt" "$CA/root.crt" --out chain.crt \
        --fullchain full.crt
    [ "$status" -eq 0 ]
    chain_crt_verifies "$CA/leaf.crt"
    run cns full.crt
    [ "${lines[0]}" = "developers.example.com" ]
    [ "${lines[2]}" = "p11cert Test Intermediate 1" ]
}

@test "aia: --json lists every fetch with its URL and subject" {
    run --separate-stderr p11cert --json chain "$CA/leaf.crt" --trust "$CA/root.crt" \
        --out chain.crt
    [ "$status" -eq 0 ]
    [ "$(jq -r '.fetched | length' <<<"$output")" -eq 2 ]
    [ "$(jq -r '.fetched[0].url' <<<"$output")" = "$BASE/int2.cer" ]
    [ "$(jq -r '.fetched[0].subject' <<<"$output")" = "CN=p11cert Test Intermediate 2,O=p11cert test" ]
    [ "$(jq -r '.fetched[1].url' <<<"$output")" = "$BASE/int1.cer" ]
    [ "$(jq -r '.fetched[1].subject' <<<"$output")" = "CN=p11cert Test Intermediate 1,O=p11cert test" ]
    [ "$(jq -r '[.path[].role] | join(",")' <<<"$output")" = "leaf,intermediate,intermediate,root" ]
    # Nothing fetched when the inputs complete the path: an empty list.
    run --separate-stderr p11cert --json chain "$CA/leaf.p7b"
    [ "$status" -eq 0 ]
    [ "$(jq -r '.fetched | length' <<<"$output")" -eq 0 ]
}

@test "aia: a PKCS#7 (certs-only) answer" {
    run --separate-stderr p11cert --json chain "$CA/p7.crt" --trust "$CA/root.crt" --out chain.crt
    [ "$status" -eq 0 ]
    [ "$(jq -r '.fetched[0].url' <<<"$output")" = "$BASE/int2.p7c" ]
    [ "$(jq -r '.fetched[0].format' <<<"$output")" = "PKCS#7" ]
    chain_crt_verifies "$CA/p7.crt"
    # The answer really was PKCS#7: openssl reads it as such.
    run openssl pkcs7 -inform DER -in "$WWW/int2.p7c" -print_certs -noout
    [ "$status" -eq 0 ]
}

@test "aia: a PEM answer" {
    run --separate-stderr p11cert --json chain "$CA/pem.crt" --trust "$CA/root.crt" --out chain.crt
    [ "$status" -eq 0 ]
    [ "$(jq -r '.fetched[0].url' <<<"$output")" = "$BASE/int2.pem" ]
    [ "$(jq -r '.fetched[0].format' <<<"$output")" = "PEM" ]
    chain_crt_verifies "$CA/pem.crt"
}

@test "aia: three redirects are followed" {
    local before
    before=$(requests)
    run --separate-stderr p11cert chain "$CA/redirected.crt" --trust "$CA/root.crt" --out chain.crt
    echo "$stderr"
    [ "$status" -eq 0 ]
    chain_crt_verifies "$CA/redirected.crt"
    # Three answered with a redirect, then the certificate, then int1.
    [ "$(($(requests) - before))" -eq 5 ]
    grep -qx 'GET /redirect/1/int2.cer' "$HTTP_LOG"
}

@test "aia: https, the server trusted through SSL_CERT_FILE" {
    local before
    before=$(requests "$TLS_LOG")
    SSL_CERT_FILE=$WEB_CA run --separate-stderr p11cert chain "$CA/https.crt" \
        --trust "$CA/root.crt" --out chain.crt
    echo "$stderr"
    [ "$status" -eq 0 ]
    [[ "${stderr_lines[0]}" == *"fetched CN=p11cert Test Intermediate 2,O=p11cert test from $TLS_BASE/int2.cer" ]]
    chain_crt_verifies "$CA/https.crt"
    [ "$(($(requests "$TLS_LOG") - before))" -eq 1 ]
}

@test "aia: https, the server trusted through SSL_CERT_DIR" {
    mkdir "$BATS_TEST_TMPDIR/certs"
    cp "$WEB_CA" "$BATS_TEST_TMPDIR/certs/"
    openssl rehash "$BATS_TEST_TMPDIR/certs"
    SSL_CERT_DIR=$BATS_TEST_TMPDIR/certs run --separate-stderr p11cert chain "$CA/https.crt" \
        --trust "$CA/root.crt" --out chain.crt
    echo "$stderr"
    [ "$status" -eq 0 ]
    chain_crt_verifies "$CA/https.crt"
}

@test "aia: https to a server nothing trusts is a clean failure" {
    # The system's store does not hold the test web CA.
    fails_with "SSL certificate problem" p11cert chain "$CA/https.crt" --trust "$CA/root.crt" \
        --out chain.crt
    [[ "$stderr" == *"cannot fetch the issuer of \"CN=https.example.com,O=p11cert test\" from $TLS_BASE/int2.cer"* ]]
}

@test "aia: --trust system honours SSL_CERT_FILE" {
    SSL_CERT_FILE=$CA/root.crt run --separate-stderr p11cert chain "$CA/leaf.crt" \
        --trust system --out chain.crt
    echo "$stderr"
    [ "$status" -eq 0 ]
    chain_crt_verifies "$CA/leaf.crt"
    rm chain.crt
    # Without it, the system's store does not trust the test root: the path
    # ends in the fetched root, which is never trusted.
    run --separate-stderr p11cert chain "$CA/leaf.crt" --trust system --out chain.crt
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"a fetched root is never trusted"* ]]
    [ ! -e chain.crt ]
}

@test "aia: --trust system honours SSL_CERT_DIR" {
    mkdir "$BATS_TEST_TMPDIR/certs"
    cp "$CA/root.crt" "$BATS_TEST_TMPDIR/certs/"
    openssl rehash "$BATS_TEST_TMPDIR/certs"
    SSL_CERT_DIR=$BATS_TEST_TMPDIR/certs run --separate-stderr p11cert chain "$CA/leaf.crt" \
        --trust system --out chain.crt
    echo "$stderr"
    [ "$status" -eq 0 ]
    chain_crt_verifies "$CA/leaf.crt"
}

@test "aia: a fetched root is never a trust anchor" {
    run --separate-stderr p11cert chain "$CA/leaf.crt" --out chain.crt
    echo "$stderr"
    [ "$status" -eq 1 ]
    # int2, int1 and the root fetched, then the error and its hint.
    [ "$(grep -c ': fetched CN=' <<<"$stderr")" -eq 3 ]
    [[ "$stderr" == *"the path ends in \"CN=p11cert Test Root CA,O=p11cert test\""*"a fetched root is never trusted"* ]]
    [[ "$stderr" == *"hint: give the root as a FILE"* ]]
    [ -z "$(ls -A)" ]
}

@test "aia: check --cert leaf.crt --trust root.crt completes the path from AIA alone" {
    local before
    before=$(requests)
    run --separate-stderr p11cert check --cert "$CA/leaf.crt" --trust "$CA/root.crt"
    echo "$output"
    echo "$stderr"
    [ "$status" -eq 0 ]
    [[ "$output" == *"PASS  chain          validates to CN=p11cert Test Root CA,O=p11cert test (4 certificate(s)"* ]]
    [ "$(grep -c ': fetched CN=' <<<"$stderr")" -eq 2 ]
    [ "$(($(requests) - before))" -eq 2 ]
    # The same check without fetching fails: the PASS came from the fetches.
    run p11cert check --cert "$CA/leaf.crt" --trust "$CA/root.crt" --offline
    [ "$status" -eq 1 ]
}

@test "aia: check --json lists the fetches" {
    run --separate-stderr p11cert --json check --cert "$CA/p7.crt" --trust "$CA/root.crt"
    [ "$status" -eq 0 ]
    [ "$(jq -r '.ok' <<<"$output")" = true ]
    [ "$(jq -r '.fetched | length' <<<"$output")" -eq 2 ]
    [ "$(jq -r '.fetched[0].url' <<<"$output")" = "$BASE/int2.p7c" ]
    [ "$(jq -r '.checks[] | select(.name == "chain") | .ok' <<<"$output")" = true ]
}

@test "aia: chain --offline makes no request and names the issuer and its URL" {
    local before
    before=$(requests)
    fails_with "no issuer found for \"CN=developers.example.com,O=p11cert test\" (issuer \"CN=p11cert Test Intermediate 2,O=p11cert test\"" \
        p11cert -q chain "$CA/leaf.crt" --trust "$CA/root.crt" --offline --out chain.crt
    [[ "${stderr_lines[0]}" == *"--offline: its issuer was not fetched from $BASE/int2.cer" ]]
    [[ "${stderr_lines[1]}" == *"hint: leave out --offline"* ]]
    [ "$(requests)" -eq "$before" ]
    # The log does record requests: the same command online adds two.
    run p11cert chain "$CA/leaf.crt" --trust "$CA/root.crt" --out chain.crt
    [ "$status" -eq 0 ]
    [ "$(requests)" -eq $((before + 2)) ]
}

@test "aia: check --offline makes no request; the chain FAILs naming the URL" {
    local before
    before=$(requests)
    run --separate-stderr p11cert check --cert "$CA/leaf.crt" --trust "$CA/root.crt" --offline
    [ "$status" -eq 1 ]
    [[ "$output" == *"FAIL  chain"*"no issuer found for \"CN=developers.example.com"*"--offline: its issuer was not fetched from $BASE/int2.cer"* ]]
    [ -z "$stderr" ]
    [ "$(requests)" -eq "$before" ]
}

@test "aia: a certificate without a caIssuers URL: no fetch, the missing link named" {
    local before
    before=$(requests)
    # The plain test CA's leaf has no AIA extension.
    "$P11CERT_SRC/scripts/test-ca.sh" "$BATS_TEST_TMPDIR/plain"
    fails_with "no issuer found for \"CN=developers.example.com" \
        p11cert -q chain "$BATS_TEST_TMPDIR/plain/leaf.crt" --trust "$CA/root.crt" --out chain.crt
    [ "$(requests)" -eq "$before" ]
}

@test "aia: a 404 is a clean failure" {
    fails_with "cannot fetch the issuer of \"CN=notfound.example.com,O=p11cert test\" from $BASE/no-such.cer: the server answered HTTP 404" \
        p11cert chain "$CA/notfound.crt" --trust "$CA/root.crt" --out chain.crt
}

@test "aia: a server that is down is a clean failure" {
    fails_with "cannot fetch the issuer of \"CN=down.example.com,O=p11cert test\" from http://127.0.0.1:" \
        p11cert chain "$CA/down.crt" --trust "$CA/root.crt" --out chain.crt
    [[ "$stderr" == *"connect"* ]]
}

@test "aia: garbage (an HTML page) is a clean failure" {
    fails_with "cannot read \"$BASE/portal.cer\": not a certificate" \
        p11cert chain "$CA/garbage.crt" --trust "$CA/root.crt" --out chain.crt
}

@test "aia: a body over 1 MiB is a clean failure, with or without a length" {
    fails_with "from $BASE/big: the answer is larger than 1 MiB" \
        p11cert chain "$CA/big.crt" --trust "$CA/root.crt" --out chain.crt
    fails_with "from $BASE/big-nolength: the answer is larger than 1 MiB" \
        p11cert chain "$CA/bignolength.crt" --trust "$CA/root.crt" --out chain.crt
}

@test "aia: a redirect loop, and a fourth redirect, are clean failures" {
    fails_with "from $BASE/loop: more than 3 redirects" \
        p11cert chain "$CA/loop.crt" --trust "$CA/root.crt" --out chain.crt
    fails_with "from $BASE/redirect/4/int2.cer: more than 3 redirects" \
        p11cert chain "$CA/toomany.crt" --trust "$CA/root.crt" --out chain.crt
}

@test "aia: a server that never answers is a clean failure after 10 s" {
    # The guard only stops a hang; the outcome is p11cert's own message.
    fails_with "from $BASE/silent: no complete answer within 10 s" \
        timeout 60 p11cert chain "$CA/silent.crt" --trust "$CA/root.crt" --out chain.crt
}

@test "aia: a certificate that did not issue the one it should is a clean failure" {
    fails_with "the certificate from $BASE/wrong.cer (\"CN=p11cert Test Root R2,O=p11cert test\") did not issue \"CN=wrong.example.com,O=p11cert test\": its subject is not the issuer" \
        p11cert chain "$CA/wrong.crt" --trust "$CA/root.crt" --out chain.crt
}

@test "aia: an impostor with the issuer's name and key identifier: the signature tells" {
    # openssl agrees: the leaf's signature does not verify with its key.
    openssl x509 -inform DER -in "$WWW/impostor-int2.cer" -out "$BATS_TEST_TMPDIR/impostor.pem"
    run openssl verify -partial_chain -trusted "$BATS_TEST_TMPDIR/impostor.pem" "$CA/impostor.crt"
    [ "$status" -ne 0 ]
    [[ "$output" == *"signature failure"* ]]
    fails_with "did not issue \"CN=impostor.example.com,O=p11cert test\": the signature does not verify with its key" \
        p11cert chain "$CA/impostor.crt" --trust "$CA/root.crt" --out chain.crt
}

@test "aia: check with a bad answer: one error line, and the chain FAILs" {
    run --separate-stderr timeout 60 p11cert check --cert "$CA/trickle.crt" --trust "$CA/root.crt"
    echo "$output"
    echo "$stderr"
    [ "$status" -eq 1 ]
    [ "${#stderr_lines[@]}" -eq 1 ]
    [[ "${stderr_lines[0]}" == *"from $BASE/trickle: no complete answer within 10 s" ]]
    [[ "$output" == *"FAIL  chain          no issuer found for \"CN=trickle.example.com"*"its issuer could not be fetched"* ]]
    [[ "$output" == *"PASS  validity"* ]]
}

@test "aia: issuers that issued each other: a loop, named, after two fetches" {
    # loop-leaf names Loop A's URL, which serves Loop A issued by Loop B,
    # whose URL serves Loop B issued by Loop A.
    run --separate-stderr p11cert chain "$CA/loop-leaf.crt" --trust "$CA/root.crt" --out chain.crt
    echo "$stderr"
    [ "$status" -eq 1 ]
    [ "${#stderr_lines[@]}" -eq 3 ]
    [[ "${stderr_lines[0]}" == *"fetched CN=p11cert Test Loop A,O=p11cert test from $BASE/loopa.cer" ]]
    [[ "${stderr_lines[1]}" == *"fetched CN=p11cert Test Loop B,O=p11cert test from $BASE/loopb.cer" ]]
    [[ "${stderr_lines[2]}" == *"a loop: "*"which is already in the path"* ]]
    [ -z "$(ls -A)" ]
}

# deep_chain DIR N: root -> ca1 -> ... -> caN -> leaf in DIR, each naming
# its issuer's URL $BASE/deep-ISSUER.cer, where the server publishes it.
deep_chain() {
    local d=$1 n=$2 issuer=root i name
    mkdir -p "$d"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/root.key" \
        -subj "/CN=deep root" -days 30 -out "$d/root.crt" 2>/dev/null || return 1
    for i in $(seq 1 $((n + 1))); do
        name=ca$i
        [ "$i" -le "$n" ] || name=leaf
        {
            if [ "$name" = leaf ]; then
                echo "basicConstraints=critical,CA:FALSE"
                echo "subjectAltName=DNS:deep.example.com"
            else
                echo "basicConstraints=critical,CA:TRUE"
                echo "keyUsage=critical,keyCertSign"
            fi
            echo "subjectKeyIdentifier=hash"
            echo "authorityKeyIdentifier=keyid"
            echo "authorityInfoAccess=caIssuers;URI:$BASE/deep-$issuer.cer"
        } >"$d/$name.ext"
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
            -keyout "$d/$name.key" -subj "/CN=deep $name" -out "$d/$name.csr" 2>/dev/null &&
            openssl x509 -req -in "$d/$name.csr" -CA "$d/$issuer.crt" -CAkey "$d/$issuer.key" \
                -days 30 -extfile "$d/$name.ext" -out "$d/$name.crt" 2>/dev/null &&
            openssl x509 -in "$d/$name.crt" -outform DER -out "$WWW/deep-$name.cer" || return 1
        issuer=$name
    done
}

@test "aia: at most 8 fetches for one path" {
    local d=$BATS_TEST_TMPDIR/deep before
    deep_chain "$d" 9
    # openssl confirms the chain is sound.
    cat "$d"/ca*.crt >"$d/all-cas.pem"
    run openssl verify -CAfile "$d/root.crt" -untrusted "$d/all-cas.pem" "$d/leaf.crt"
    [ "$status" -eq 0 ]
    # Nine intermediates to fetch: the eighth fetch is the last.
    before=$(grep -c '^GET /deep-' "$HTTP_LOG" || true)
    fails_with "8 certificates fetched already, the most p11cert fetches for one path" \
        p11cert -q chain "$d/leaf.crt" --trust "$d/root.crt" --out chain.crt
    [[ "$stderr" == *"no issuer found for \"CN=deep ca2\""* ]]
    [ "$(grep -c '^GET /deep-' "$HTTP_LOG")" -eq $((before + 8)) ]
    # With the first intermediate given, eight fetches complete the path.
    run --separate-stderr p11cert chain "$d/leaf.crt" "$d/ca1.crt" --trust "$d/root.crt" \
        --out chain.crt
    [ "$status" -eq 0 ]
    [ "$(grep -c ': fetched CN=' <<<"$stderr")" -eq 8 ]
    run openssl verify -CAfile "$d/root.crt" -untrusted chain.crt "$d/leaf.crt"
    [ "$status" -eq 0 ]
    [ "$(grep -c 'BEGIN CERTIFICATE' chain.crt)" -eq 10 ]
}
