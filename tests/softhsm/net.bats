#!/usr/bin/env bats
# The net layer (src/net/http.c) on what AIA fetching does not use, driven
# by tests/helpers/net-request against tests/helpers/aia-server.py on
# 127.0.0.1 (started and stopped by pid here): POST with a body and request
# headers, HEAD, the response's headers (Location, Link twice,
# Replay-Nonce), an HTTP status that is an answer and not a failure, a 3xx
# taken as the answer, exact size bounds, a bound in milliseconds, and an
# explicit CA bundle that is the only trust. What arrived is the server's
# word (its echo and its log), not net-request's.

bats_require_minimum_version 1.5.0

load helpers
load aia-helpers

setup_file() {
    export WWW=$BATS_FILE_TMPDIR/www
    mkdir -p "$WWW"
    head -c 1000 /dev/urandom >"$WWW/thousand.bin"
    start_http_and_https || return 1
    export NET_REQUEST=${P11CERT_BUILD:-$P11CERT_SRC/build}/tests/net-request
}

teardown_file() {
    stop_servers
}

setup() {
    cd "$BATS_TEST_TMPDIR" || return 1
}

# The JSON body net-request printed after its "body N bytes" line.
echoed() {
    sed '1,/^body [0-9]* bytes$/d' <<<"$output"
}

@test "net: POST sends the body and the headers, and reads the answer's headers" {
    run --separate-stderr "$NET_REQUEST" -X POST -H 'Content-Type: application/jose+json' \
        -H 'X-Test: one' -d '{"protected":"e30","payload":""}' "$BASE/echo"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "status 201" ]
    # What the server received.
    [ "$(echoed | jq -r .method)" = POST ]
    [ "$(echoed | jq -r .body)" = '{"protected":"e30","payload":""}' ]
    [ "$(echoed | jq -r '.headers["content-type"]')" = application/jose+json ]
    [ "$(echoed | jq -r '.headers["x-test"]')" = one ]
    [ "$(echoed | jq -r '.headers["user-agent"]')" = p11cert ]
    # One round trip: no "Expect: 100-continue".
    [ "$(echoed | jq -r '.headers.expect // "none"')" = none ]
    # The answer's headers, found by name in any case, both Links in order.
    grep -qx 'header Replay-Nonce: nonce-post' <<<"$output"
    grep -qx 'location /echo/created' <<<"$output"
    [ "$(grep -c '^link ' <<<"$output")" -eq 2 ]
    [ "$(grep '^link ' <<<"$output" | sed -n 2p)" = 'link </echo/alternate>;rel="alternate"' ]
    grep -qx 'POST /echo' "$HTTP_LOG"
}

@test "net: POST with an empty body (ACME's POST-as-GET)" {
    run --separate-stderr "$NET_REQUEST" -X POST -d '' "$BASE/echo"
    [ "$status" -eq 0 ]
    [ "$(echoed | jq -r .method)" = POST ]
    [ "$(echoed | jq -r .body)" = "" ]
    [ "$(echoed | jq -r '.headers["content-length"]')" = 0 ]
}

@test "net: HEAD reads headers and no body" {
    local before
    before=$(grep -c '^HEAD /echo' "$HTTP_LOG" || true)
    run --separate-stderr "$NET_REQUEST" -X HEAD "$BASE/echo"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "status 200" ]
    grep -qx 'header Replay-Nonce: nonce-head' <<<"$output"
    grep -qx 'body 0 bytes' <<<"$output"
    [ "$(grep -c '^HEAD /echo' "$HTTP_LOG")" -eq $((before + 1)) ]
}

@test "net: a status is an answer: 404 and an unfollowed 302 come back as such" {
    run --separate-stderr "$NET_REQUEST" "$BASE/no-such-file"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "status 404" ]
    # No redirect followed: the 302 and its Location are the answer.
    run --separate-stderr "$NET_REQUEST" -r 0 "$BASE/redirect/1/thousand.bin"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "status 302" ]
    grep -qx 'location /thousand.bin' <<<"$output"
    # Followed: the effective URL and the count say where the answer came from.
    run --separate-stderr "$NET_REQUEST" -r 1 "$BASE/redirect/1/thousand.bin"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "status 200" ]
    [ "${lines[1]}" = "url $BASE/thousand.bin" ]
    [ "${lines[2]}" = "redirects 1" ]
    # One more than allowed is a failure.
    run --separate-stderr "$NET_REQUEST" -r 1 "$BASE/redirect/2/thousand.bin"
    [ "$status" -eq 1 ]
    [ "$stderr" = "net-request: more than 1 redirect" ]
}

@test "net: the size bound is exact" {
    run --separate-stderr "$NET_REQUEST" -m 1000 "$BASE/thousand.bin"
    [ "$status" -eq 0 ]
    grep -qx 'body 1000 bytes' <<<"$output"
    # The bytes are the file's.
    "$NET_REQUEST" -m 1000 "$BASE/thousand.bin" | tail -c 1000 >got.bin
    cmp got.bin "$WWW/thousand.bin"
    run --separate-stderr "$NET_REQUEST" -m 999 "$BASE/thousand.bin"
    [ "$status" -eq 1 ]
    [ "$stderr" = "net-request: the answer is larger than 999 bytes" ]
}

@test "net: the time bound covers the whole exchange, in milliseconds" {
    run --separate-stderr timeout 60 "$NET_REQUEST" -t 300 "$BASE/silent"
    [ "$status" -eq 1 ]
    [ "$stderr" = "net-request: no complete answer within 300 ms" ]
}

@test "net: an explicit CA bundle is the only trust for https" {
    run --separate-stderr "$NET_REQUEST" -c "$WEB_CA" "$TLS_BASE/thousand.bin"
    echo "$stderr"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "status 200" ]
    # Another bundle, while SSL_CERT_FILE would trust the server: refused.
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other.key \
        -subj "/CN=another CA" -days 1 -out other.crt 2>/dev/null
    SSL_CERT_FILE=$WEB_CA run --separate-stderr "$NET_REQUEST" -c other.crt "$TLS_BASE/thousand.bin"
    [ "$status" -eq 1 ]
    [[ "$stderr" == "net-request: SSL certificate problem: "* ]]
    # And with no bundle, SSL_CERT_FILE is the system's store.
    SSL_CERT_FILE=$WEB_CA run --separate-stderr "$NET_REQUEST" "$TLS_BASE/thousand.bin"
    [ "$status" -eq 0 ]
}
