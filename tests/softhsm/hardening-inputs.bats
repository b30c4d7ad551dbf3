#!/usr/bin/env bats
# Hostile inputs (issue 11, items 5, 6, 14, 15, 16, 17): spoofed DNS answers,
# PKCS#12 files with huge or broken MAC and key-derivation parameters, a PFX
# holding two keys, leaf certificates browsers refuse, bad --domain values,
# and unrelated certificates given to import --chain. Each result is
# confirmed by another implementation: dig, openssl, pkcs11-tool, p11tool.

load helpers

bats_require_minimum_version 1.5.0

RESPONDER=$P11CERT_SRC/tests/helpers/dns-responder.py
TARGET=gw.example.net

setup() {
    mkdir "$BATS_TEST_TMPDIR/work" && cd "$BATS_TEST_TMPDIR/work" || return 1
}

teardown() {
    stop_responder
}

# ---- item 5: dns check takes only answers that match its query ----

# The test's own DNS responder (tests/helpers/dns-responder.py) on
# 127.0.0.1, port 0 read back into RESPONDER_PORT, answering MODE; one
# started before is stopped first.
start_responder() {
    local mode=$1
    stop_responder
    rm -f "$BATS_TEST_TMPDIR/responder.port"
    python3 "$RESPONDER" "$mode" "$TARGET" "$BATS_TEST_TMPDIR/responder.port" \
        >"$BATS_TEST_TMPDIR/responder.log" 2>&1 3>&- </dev/null &
    echo "$!" >"$BATS_TEST_TMPDIR/responder.pid"
    for _ in $(seq 1 100); do
        if [ -s "$BATS_TEST_TMPDIR/responder.port" ]; then
            RESPONDER_PORT=$(cat "$BATS_TEST_TMPDIR/responder.port")
            return 0
        fi
        kill -0 "$(cat "$BATS_TEST_TMPDIR/responder.pid")" 2>/dev/null || break
        sleep 0.1
    done
    echo "start_responder: the responder did not start; its log:" >&2
    cat "$BATS_TEST_TMPDIR/responder.log" >&2
    return 1
}

stop_responder() {
    local pid
    [ -f "$BATS_TEST_TMPDIR/responder.pid" ] || return 0
    pid=$(cat "$BATS_TEST_TMPDIR/responder.pid")
    rm -f "$BATS_TEST_TMPDIR/responder.pid"
    kill "$pid" 2>/dev/null || return 0
    wait "$pid" 2>/dev/null || true
}

# dns check against the responder; timeout is a hang guard only.
dns_check_responder() {
    run timeout 60 p11cert dns check --server "127.0.0.1:$RESPONDER_PORT" --target "$TARGET" \
        --domain a.example.com
}

# dns check against the responder fails: no answer taken, REASON given.
assert_dns_check_fails() {
    local reason=$1
    dns_check_responder
    [ "$status" -eq 1 ]
    [[ "$output" == *"FAIL a.example.com: no answer from 127.0.0.1 port $RESPONDER_PORT"* ]]
    [[ "$output" == *"$reason"* ]]
    [[ "$output" != *PASS* ]]
}

@test "dns check: a correct answer passes (dig agrees)" {
    start_responder good
    run -0 dig @127.0.0.1 -p "$RESPONDER_PORT" +time=2 +tries=1 +short CNAME a.example.com
    [ "$output" = "$TARGET." ]
    dns_check_responder
    [ "$status" -eq 0 ]
    [[ "$output" == *"PASS a.example.com: points at $TARGET."* ]]
}

@test "dns check: an answer with the wrong transaction id is dropped" {
    start_responder wrong-id
    run dig @127.0.0.1 -p "$RESPONDER_PORT" +time=2 +tries=1 CNAME a.example.com
    [[ "$output" == *"ID mismatch"* ]]
    assert_dns_check_fails "dropped 2 answers not matching the query (a wrong transaction id)"
}

@test "dns check: an answer with QR=0 is dropped" {
    start_responder qr0
    # What the responder sends has QR clear (0x0500: AA and RD only).
    run -0 python3 -c 'import socket,struct,sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)
q = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + b"\x01a\x07example\x03com\x00" + struct.pack("!HH", 5, 1)
s.sendto(q, ("127.0.0.1", int(sys.argv[1])))
print("flags %04x" % struct.unpack("!H", s.recv(512)[2:4]))' "$RESPONDER_PORT"
    [ "$output" = "flags 0500" ]
    assert_dns_check_fails "(QR=0, a query and not an answer)"
}

@test "dns check: an answer to another question name is dropped" {
    start_responder other-name
    run dig @127.0.0.1 -p "$RESPONDER_PORT" +time=2 +tries=1 CNAME a.example.com
    [[ "$output" == *"Question section mismatch: got spoofed.example.org/CNAME/IN"* ]]
    assert_dns_check_fails "(another question)"
}

@test "dns check: an answer to another question type is dropped" {
    start_responder other-type
    run dig @127.0.0.1 -p "$RESPONDER_PORT" +time=2 +tries=1 CNAME a.example.com
    [[ "$output" == *"Question section mismatch: got a.example.com/A/IN"* ]]
    assert_dns_check_fails "(another question)"
}

@test "dns check: an answer from another port is not taken" {
    start_responder other-port
    run dig @127.0.0.1 -p "$RESPONDER_PORT" +time=2 +tries=1 CNAME a.example.com
    [[ "$output" == *"timed out"* ]]
    assert_dns_check_fails "timed out"
}

@test "dns check: an answer from another address is not taken" {
    start_responder other-address
    run dig @127.0.0.1 -p "$RESPONDER_PORT" +time=2 +tries=1 CNAME a.example.com
    [[ "$output" == *"timed out"* ]]
    assert_dns_check_fails "timed out"
}

@test "dns check: a spoofed answer before the real one is dropped, the real one taken" {
    start_responder spoof-then-good
    dns_check_responder
    [ "$status" -eq 0 ]
    [[ "$output" == *"PASS a.example.com: points at $TARGET."* ]]
}

@test "dns check: a truncated answer is asked again over TCP (dig +tcp agrees)" {
    start_responder truncated
    run -0 dig @127.0.0.1 -p "$RESPONDER_PORT" +tcp +time=2 +tries=1 +short CNAME a.example.com
    [ "$output" = "$TARGET." ]
    dns_check_responder
    [ "$status" -eq 0 ]
    [[ "$output" == *"PASS a.example.com: points at $TARGET."* ]]
}
