#!/usr/bin/env bats
# p11cert csr --batch: many requests with one login. Every request is checked
# with openssl; the PKCS#11 calls are counted from the pkcs11-spy.so log.

load helpers

bats_require_minimum_version 1.5.0

setup_file() {
    setup_token batch
    p11cert_pin -q keygen "$TOKEN_URI" --label rsa --type rsa:2048 >/dev/null &&
        p11cert_pin -q keygen "$TOKEN_URI" --label ec --type ec:p256 >/dev/null || {
        echo "setup_file: keygen failed" >&2
        return 1
    }
}

setup() {
    mkdir "$BATS_TEST_TMPDIR/work" && cd "$BATS_TEST_TMPDIR/work" || return 1
}

key_uri() {
    printf 'pkcs11:token=%s;object=%s\n' "$TOKEN_LABEL" "$1"
}

# batch_line KEY N [EXTRA]: a request for host N.example signed by KEY, written
# to out/N.csr; EXTRA is added to the object (e.g. a "san" or "hash" member).
batch_line() {
    printf '{"key": "%s", "subject": "/O=Batch/CN=h%s.example", "out": "out/%s.csr"%s}\n' \
        "$(key_uri "$1")" "$2" "$2" "${3:+, $3}"
}

@test "batch: 50 requests with an RSA and an EC key; each verifies and carries its key" {
    local i key extra
    mkdir out
    for i in $(seq 1 50); do
        key=rsa
        [ $((i % 2)) -eq 0 ] && key=ec
        extra=
        [ $((i % 5)) -eq 0 ] && extra='"san": ["DNS:h'$i'.example", "IP:192.0.2.'$i'"]'
        [ $((i % 7)) -eq 0 ] && extra='"hash": "sha384"'
        batch_line "$key" "$i" "$extra"
    done >batch.jsonl

    run --separate-stderr p11cert_pin csr --batch batch.jsonl
    echo "$output"
    echo "$stderr"
    [ "$status" -eq 0 ]
    [ "$(ls out | wc -l)" -eq 50 ]
    for i in $(seq 1 50); do
        verify_req "out/$i.csr"
    done

    # The subject, the SANs and the hash came from the line.
    run openssl req -in out/5.csr -noout -subject -nameopt RFC2253
    [ "$output" = "subject=CN=h5.example,O=Batch" ]
    run openssl req -in out/5.csr -noout -text
    [[ "$output" == *"DNS:h5.example, IP Address:192.0.2.5"* ]]
    [[ "$output" == *"sha256WithRSAEncryption"* ]]
    run openssl req -in out/14.csr -noout -text
    [[ "$output" == *"ecdsa-with-SHA384"* ]]
    # With no san, the CN became the DNS name.
    run openssl req -in out/1.csr -noout -text
    [[ "$output" == *"DNS:h1.example"* ]]

    # Odd lines carry the RSA key, even lines the EC key, as the token has them.
    token_pubkey "$TOKEN_LABEL" rsa rsa-token.der
    token_pubkey "$TOKEN_LABEL" ec ec-token.der
    for i in 1 49; do
        pubkey_der "out/$i.csr" req.der
        cmp rsa-token.der req.der
    done
    for i in 2 50; do
        pubkey_der "out/$i.csr" req.der
        cmp ec-token.der req.der
    done
}

@test "batch: bad lines are reported with their numbers; the other lines are written" {
    mkdir out
    echo "already here" >out/9.csr
    {
        batch_line rsa 1
        batch_line ec 2
        echo '{"key": "not json"' # 3: bad JSON
        batch_line rsa 4
        batch_line ec 5
        printf '{"key": "%s", "subject": "/CN", "out": "out/6.csr"}\n' "$(key_uri rsa)" # 6: bad DN
        batch_line ec 7
        batch_line no-such-key 8 # 8: unknown key
        batch_line rsa 9         # 9: out/9.csr exists, no --force
        batch_line ec 10
        printf '{"key": "%s", "subject": "/CN=h11.example"}\n' "$(key_uri rsa)" # 11: no out
        batch_line no-such-key 12 # 12: the same unknown key, from the cache
        batch_line rsa 13
    } >batch.jsonl

    run --separate-stderr p11cert_pin csr --batch batch.jsonl
    echo "$output"
    echo "$stderr"
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"p11cert: csr: line 3: bad JSON"* ]]
    [[ "$stderr" == *"p11cert: csr: line 6: bad subject"* ]]
    [[ "$stderr" == *"p11cert: csr: line 8: no key matches"*"no-such-key"* ]]
    [[ "$stderr" == *"p11cert: csr: line 9: \"out/9.csr\" exists"* ]]
    [[ "$stderr" == *"p11cert: csr: line 11: \"out\" is missing"* ]]
    [[ "$stderr" == *"p11cert: csr: line 12: no key matches"*"no-such-key"* ]]
    # No other line failed.
    [ "$(grep -cE '^p11cert: csr: line [0-9]+: [^h]' <<<"$stderr")" -eq 6 ]

    for i in 1 2 4 5 7 10 13; do
        verify_req "out/$i.csr"
    done
    [ ! -e out/3.csr ]
    [ ! -e out/6.csr ]
    [ ! -e out/8.csr ]
    [ ! -e out/12.csr ]
    [ "$(cat out/9.csr)" = "already here" ]
    # No temporary file is left behind.
    [ "$(ls -A out | wc -l)" -eq 8 ]
    [[ "$output" == *"requests: 13"* && "$output" == *"written: 7"* ]]
}

@test "batch: --json prints the summary; --force replaces; - reads standard input" {
    mkdir out
    echo "old" >out/2.csr
    {
        batch_line rsa 1
        batch_line ec 2
        echo 'garbage'
    } >batch.jsonl

    run --separate-stderr p11cert_pin --json csr --batch - --force <batch.jsonl
    echo "$output"
    echo "$stderr"
    [ "$status" -eq 1 ]
    verify_req out/1.csr
    verify_req out/2.csr
    # The summary is one JSON document (pretty-printed, a member a line).
    [[ "$output" == "{"*"}" ]]
    grep -qE '^  "requests": 3,$' <<<"$output"
    grep -qE '^  "written": 2,$' <<<"$output"
    grep -qE '^      "line": 3,$' <<<"$output"
    grep -qE '^      "error": "bad JSON at column [0-9]+: ' <<<"$output"
    [[ "$stderr" == *"p11cert: csr: line 3: bad JSON"* ]]
}

@test "batch: a key on another token fails its line; the batch's token is the first key's" {
    setup_token first second
    p11cert_pin -q keygen "pkcs11:token=first" --label k1 --type ec:p256 >/dev/null
    p11cert_pin -q keygen "pkcs11:token=second" --label k2 --type ec:p256 >/dev/null
    mkdir out
    {
        printf '{"key": "pkcs11:token=first;object=k1", "subject": "/CN=a.example", "out": "out/a.csr"}\n'
        printf '{"key": "pkcs11:token=second;object=k2", "subject": "/CN=b.example", "out": "out/b.csr"}\n'
        printf '{"key": "pkcs11:object=k1", "subject": "/CN=c.example", "out": "out/c.csr"}\n'
    } >batch.jsonl

    run --separate-stderr p11cert_pin csr --batch batch.jsonl
    echo "$stderr"
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"p11cert: csr: line 2: the key URI selects another token than the batch's first key"*'"first"'* ]]
    verify_req out/a.csr
    verify_req out/c.csr
    [ ! -e out/b.csr ]
}

@test "batch: a wrong PIN stops the batch at once, with one login attempt" {
    setup_token pin-test # its own token: a wrong PIN moves the token's counters
    p11cert_pin -q keygen "$TOKEN_URI" --label rsa --type ec:p256 >/dev/null
    mkdir out
    for i in 1 2 3; do batch_line rsa "$i"; done >batch.jsonl
    echo 000000 >wrong-pin
    chmod 0600 wrong-pin

    run --separate-stderr p11cert --pin-source file:wrong-pin csr --batch batch.jsonl
    echo "$stderr"
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"line 1: login to token"*"CKR_PIN_INCORRECT"* ]]
    [[ "$stderr" == *"stopped at line 1"* ]]
    [ "$(grep -c 'login to token' <<<"$stderr")" -eq 1 ]
    [ -z "$(ls -A out)" ]
}

@test "batch: KEY-URI, --subject or --out beside --batch is a usage error" {
    batch_line rsa 1 >batch.jsonl
    run --separate-stderr p11cert_pin csr "$(key_uri rsa)" --batch batch.jsonl
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--batch takes"* ]]
    run --separate-stderr p11cert_pin csr --batch batch.jsonl --subject /CN=x
    [ "$status" -eq 2 ]
    run --separate-stderr p11cert_pin csr --batch no-such-file
    [ "$status" -eq 1 ]
    [[ "$stderr" == *'cannot read batch file "no-such-file"'* ]]
}

@test "batch: 20 requests cost fewer than 16 + 3 x 20 PKCS#11 calls, one login, one lookup a key" {
    local i n key
    mkdir out
    for i in $(seq 1 20); do
        key=rsa
        [ $((i % 2)) -eq 0 ] && key=ec
        batch_line "$key" "$i"
    done >batch.jsonl

    n=$(SPY_DIR=$BATS_TEST_TMPDIR/spy spy_count p11cert_pin -q csr --batch batch.jsonl)
    echo "# csr --batch, 20 requests, 2 keys: $n PKCS#11 calls" >&3
    local log=$BATS_TEST_TMPDIR/spy/spy.log
    grep -E '^[0-9]+: C_' "$log" | awk '{ print $2 }' | sort | uniq -c
    [ "$n" -gt 0 ]
    [ "$n" -lt $((16 + 3 * 20)) ]
    [ "$(grep -cE '^[0-9]+: C_Login$' "$log")" -eq 1 ]
    [ "$(grep -cE '^[0-9]+: C_Initialize$' "$log")" -eq 1 ]
    [ "$(grep -cE '^[0-9]+: C_FindObjectsInit$' "$log")" -le 4 ]
    [ "$(grep -cE '^[0-9]+: C_Sign$' "$log")" -eq 20 ]
    for i in $(seq 1 20); do
        verify_req "out/$i.csr"
    done
}
