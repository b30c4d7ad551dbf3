#!/usr/bin/env bats
# Progress on long work: csr --batch and renew say how far they are on one
# line of stderr, redrawn in place, when stderr is a terminal (a pseudo-
# terminal here, tests/helpers/on-tty.py, which keeps every byte written to
# it); nothing when it is not, with --quiet or with --json.

load helpers

bats_require_minimum_version 1.5.0

ON_TTY=$BATS_TEST_DIRNAME/../helpers/on-tty.py
# What the message layer writes to take the progress line back: a carriage
# return and ECMA-48 "erase in line".
CLEAR=$'\r\033[K'

setup_file() {
    setup_token progress
    p11cert_pin -q keygen "$TOKEN_URI" --label web --type ec:p256 >/dev/null || {
        echo "setup_file: keygen failed" >&2
        return 1
    }
}

setup() {
    mkdir "$BATS_TEST_TMPDIR/work" && cd "$BATS_TEST_TMPDIR/work" || return 1
    mkdir out
    # Four requests and a line with a bad DN, blank lines between.
    for i in 1 2 3; do
        printf '{"key": "pkcs11:token=%s;object=web", "subject": "/CN=h%s.example", "out": "out/%s.csr"}\n\n' \
            "$TOKEN_LABEL" "$i" "$i"
    done >batch.jsonl
    printf '{"key": "pkcs11:token=%s;object=web", "subject": "/CN=h4.example/bogus", "out": "out/4.csr"}\n' \
        "$TOKEN_LABEL" >>batch.jsonl
    printf '   \n{"key": "pkcs11:token=%s;object=web", "subject": "/CN=h5.example", "out": "out/5.csr"}' \
        "$TOKEN_LABEL" >>batch.jsonl
}

# The progress lines of a transcript: the texts drawn after each CLEAR.
progress_lines() {
    python3 -c '
import sys
data = open(sys.argv[1], "rb").read().decode()
for part in data.split("\r\x1b[K")[1:]:
    text = part.split("\r\n")[0]
    if text:
        print(text)' "$1"
}

@test "progress: csr --batch on a terminal counts the requests, the failed ones too, and clears itself" {
    run --separate-stderr python3 "$ON_TTY" tty.out p11cert --pin-source "file:$PIN_FILE" csr --batch batch.jsonl
    [ "$status" -eq 1 ]
    [ -z "$stderr" ]
    progress_lines tty.out >lines
    cat lines
    # Five requests (the blank lines are none), the first drawn before any.
    [ "$(head -n 1 lines)" = "p11cert: csr: 0 of 5 requests" ]
    grep -qx 'p11cert: csr: 5 of 5 requests, 1 failed' lines
    # The failure's message starts on a clean line, after the line was taken back.
    grep -qF "${CLEAR}p11cert: csr: line 7: " tty.out
    # The line is taken back at the end: what follows the last progress
    # drawing is the clearing, then only whole lines.
    last=$(python3 -c 'import sys; print(repr(open(sys.argv[1], "rb").read().rsplit(b"requests, 1 failed", 1)[1][:3]))' tty.out)
    [ "$last" = "b'\\r\\x1b['" ]
    # And the requests are what they would be without it.
    [ "$(ls out | wc -l)" -eq 4 ]
    openssl req -in out/5.csr -verify -noout
}

@test "progress: nothing when stderr is not a terminal" {
    run --separate-stderr p11cert_pin csr --batch batch.jsonl
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"line 7: "* ]]
    [[ "$stderr" != *$'\r'* ]]
    [[ "$stderr" != *"of 5 requests"* ]]
    [[ "$stderr" != *$'\033'* ]]
}

@test "progress: nothing with --quiet or --json, even on a terminal" {
    run --separate-stderr python3 "$ON_TTY" quiet.out p11cert --pin-source "file:$PIN_FILE" -q csr --batch batch.jsonl
    [ "$status" -eq 1 ]
    ! grep -q 'requests' quiet.out || false
    ! grep -q $'\033' quiet.out || false
    rm -f out/*
    run --separate-stderr python3 "$ON_TTY" json.out p11cert --pin-source "file:$PIN_FILE" --json csr --batch batch.jsonl
    [ "$status" -eq 1 ]
    ! grep -q 'requests' json.out || false
    ! grep -q $'\033' json.out || false
    # Standard output is the one JSON document it always is.
    echo "$output" | jq -e '.written == 4' >/dev/null
}

# A renewal record of the token's key that renew --dry-run can read:
# record NAME NOT_BEFORE NOT_AFTER.
record() {
    jq -n --arg name "$1" --arg nb "$2" --arg na "$3" --arg token "$TOKEN_URI" --arg mod "$SOFTHSM_MODULE" '{
        version: 1, domains: [$name], account_key: ($token + ";object=web"), key: ($token + ";object=web"),
        directory: "https://127.0.0.1:9/dir", out: ("out/" + $name + ".pem"), module: $mod, token: $token,
        challenge: {type: "http-01", webroot: "www"},
        certificate: {not_before: $nb, not_after: $na, subject: ("CN=" + $name), issuer: "CN=test",
                      serial: "01", sha256_fingerprint: "00"}}' >"state/$1.json"
}

@test "progress: renew counts the records on a terminal, and not with --json or off one" {
    # --dry-run logs in to check the keys the due records would renew with.
    mkdir state
    now=$(date -u +%s)
    record a.example "$(date -u -d @$((now - 86400)) +%FT%TZ)" "$(date -u -d @$((now + 90 * 86400 + 3600)) +%FT%TZ)"
    record b.example "$(date -u -d @$((now - 80 * 86400)) +%FT%TZ)" "$(date -u -d @$((now + 5 * 86400 + 3600)) +%FT%TZ)"
    record c.example "$(date -u -d @$((now - 86400)) +%FT%TZ)" "$(date -u -d @$((now + 60 * 86400 + 3600)) +%FT%TZ)"
    run --separate-stderr python3 "$ON_TTY" tty.out p11cert --pin-source "file:$PIN_FILE" renew --dry-run --state-dir state
    echo "$output"; cat tty.out
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 3 ]
    [[ "${lines[1]}" == "b.example: would renew (5 days left)" ]]
    progress_lines tty.out >lines
    cat lines
    [ "$(head -n 1 lines)" = "p11cert: renew: 0 of 3 records" ]
    grep -qx 'p11cert: renew: 3 of 3 records' lines
    # Not a terminal, or --json: no progress.
    run --separate-stderr p11cert --pin-source "file:$PIN_FILE" renew --dry-run --state-dir state
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
    run --separate-stderr python3 "$ON_TTY" json.out p11cert --pin-source "file:$PIN_FILE" --json renew --dry-run --state-dir state
    [ "$status" -eq 0 ]
    [ ! -s json.out ]
    echo "$output" | jq -e '.records | length == 3' >/dev/null
}

@test "progress: renew on the token itself (records not due), counted, then the lines" {
    mkdir state
    now=$(date -u +%s)
    record a.example "$(date -u -d @$((now - 86400)) +%FT%TZ)" "$(date -u -d @$((now + 90 * 86400 + 3600)) +%FT%TZ)"
    record c.example "$(date -u -d @$((now - 86400)) +%FT%TZ)" "$(date -u -d @$((now + 60 * 86400 + 3600)) +%FT%TZ)"
    run --separate-stderr python3 "$ON_TTY" tty.out p11cert --pin-source "file:$PIN_FILE" renew --state-dir state
    echo "$output"
    cat tty.out
    [ "$status" -eq 0 ]
    [ "$output" = "$(printf 'a.example: not due (90 days left)\nc.example: not due (60 days left)')" ]
    progress_lines tty.out >lines
    [ "$(head -n 1 lines)" = "p11cert: renew: 0 of 2 records" ]
    grep -qx 'p11cert: renew: 2 of 2 records' lines
}

@test "progress: a PIN prompt starts its own line, not after the progress line" {
    # All on the terminal, the PIN typed at the prompt (no --pin-source).
    run python3 "$ON_TTY" --answer "$PIN_FILE" tty.out p11cert csr --batch batch.jsonl
    cat -v tty.out
    [ "$status" -eq 1 ]
    grep -qF "p11cert: csr: 0 of 5 requests${CLEAR}Enter the " tty.out
    grep -qF 'p11cert: csr: 5 of 5 requests, 1 failed' tty.out
    [ "$(ls out | wc -l)" -eq 4 ]
}
