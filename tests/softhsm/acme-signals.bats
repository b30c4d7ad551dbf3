#!/usr/bin/env bats
# acme issue interrupted: SIGTERM or Ctrl-C (SIGINT) while the CA is still
# validating takes the challenges away (dns-01 TXT records, as dig sees
# them; http-01 files; the http-01 responder) and then p11cert dies of the
# signal. The pebble here sleeps before it validates (PEBBLE_VA_SLEEPTIME of
# a day, each of its three validations a random part of it), so an order
# is still pending when the signal comes, whatever the timing.

load acme-helpers

bats_require_minimum_version 1.5.0

setup_file() {
    setup_token sig
    acme_world PEBBLE_VA_NOSLEEP=0 PEBBLE_VA_SLEEPTIME=86400 || return 1
    acme_key acct ec:p256 && acme_key web ec:p256 || return 1
    acme_account acct || return 1
    export ACCT="pkcs11:token=$TOKEN_LABEL;object=acct"
    export WEB="pkcs11:token=$TOKEN_LABEL;object=web"
}

teardown_file() {
    acme_stop
}

setup() {
    mkdir "$BATS_TEST_TMPDIR/work" && cd "$BATS_TEST_TMPDIR/work" || return 1
}

# Starts acme issue in the background with SIGINT and SIGTERM at their
# defaults (a background job of a script starts with SIGINT ignored); its
# pid in ISSUE_PID, its stderr in err.
issue_in_background() {
    env --default-signal=INT,TERM p11cert --pin-source "file:$PIN_FILE" acme issue \
        --directory "$MAIN_DIRECTORY" --ca-bundle "$MAIN_CA" --trust "$ROOT0" --no-record \
        --account-key "$ACCT" --key "$WEB" --timeout 300 "$@" >out 2>err 3>&- &
    ISSUE_PID=$!
}

# Waits (30 s at most) until CMD prints something; fails if the issue ended.
wait_until() {
    for _ in $(seq 1 300); do
        [ -z "$("$@" 2>/dev/null)" ] || return 0
        kill -0 "$ISSUE_PID" 2>/dev/null || {
            cat err >&2
            return 1
        }
        sleep 0.1
    done
    return 1
}

interrupt_and_wait() {
    kill "-$1" "$ISSUE_PID"
    status=0
    wait "$ISSUE_PID" || status=$?
    cat err
}

@test "SIGTERM during dns-01 validation: the TXT records are removed, p11cert dies of it" {
    issue_in_background --domain a.acme.test --domain b.acme.test --dns-server "$KNOT_SERVER" \
        --tsig-key "file:$TSIG_FILE"
    wait_until txt_records _acme-challenge.b.acme.test
    [ -n "$(txt_records _acme-challenge.a.acme.test)" ]
    interrupt_and_wait TERM
    [ "$status" -eq 143 ]
    grep -q 'interrupted by signal 15' err
    [ -z "$(txt_records _acme-challenge.a.acme.test)" ]
    [ -z "$(txt_records _acme-challenge.b.acme.test)" ]
    [ ! -e cert.pem ]
}

@test "SIGINT (Ctrl-C) during dns-01 validation: the TXT record is removed" {
    issue_in_background --domain c.acme.test --dns-server "$KNOT_SERVER" --tsig-key "file:$TSIG_FILE"
    wait_until txt_records _acme-challenge.c.acme.test
    interrupt_and_wait INT
    [ "$status" -eq 130 ]
    grep -q 'interrupted by signal 2' err
    [ -z "$(txt_records _acme-challenge.c.acme.test)" ]
}

@test "http-01 --http-listen answers only this order's tokens, and stops on SIGTERM" {
    port=$(unused_port)
    issue_in_background --domain d.acme.test --http-listen "127.0.0.1:$port"
    wait_for_port "$port" "$ISSUE_PID"
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/.well-known/acme-challenge/not-this-order")
    [ "$code" = 404 ]
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/index.html")
    [ "$code" = 404 ]
    interrupt_and_wait TERM
    [ "$status" -eq 143 ]
    run ! curl -sS -o /dev/null "http://127.0.0.1:$port/"
}

@test "SIGTERM during http-01 --webroot validation: the challenge file is removed" {
    mkdir root
    issue_in_background --domain e.acme.test --webroot root
    wait_until find root/.well-known/acme-challenge -type f
    token=$(ls root/.well-known/acme-challenge)
    [[ $(cat "root/.well-known/acme-challenge/$token") == "$token".* ]]
    interrupt_and_wait TERM
    [ "$status" -eq 143 ]
    [ -z "$(find root -mindepth 1)" ]
}

@test "--timeout: an order still pending when it runs out ends cleanly, the records removed" {
    run p11cert_pin acme issue --directory "$MAIN_DIRECTORY" --ca-bundle "$MAIN_CA" \
        --trust "$ROOT0" --no-record --account-key "$ACCT" --key "$WEB" --domain f.acme.test \
        --dns-server "$KNOT_SERVER" --tsig-key "file:$TSIG_FILE" --timeout 4
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"waiting for the validation of f.acme.test: no answer within the 4 s of --timeout"* ]]
    [ -z "$(txt_records _acme-challenge.f.acme.test)" ]
    [ ! -e cert.pem ]
}
