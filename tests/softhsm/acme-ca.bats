#!/usr/bin/env bats
# What differs from CA to CA, each against its own pebble: External Account
# Binding required (refused without it, accepted with it, HS256/384/512),
# alternate chains to other roots (--preferred-chain), a CA that refuses
# half of the good nonces (badNonce retried), and account and certificate
# keys of every type pebble takes (ES256, ES384, ES512, RS256 account keys;
# P-256, P-384, RSA certificate keys).

load acme-helpers

bats_require_minimum_version 1.5.0

setup_file() {
    setup_token ca
    acme_world || return 1
    acme_pebble eab EAB=1 || return 1
    acme_pebble alt PEBBLE_ALTERNATE_ROOTS=1 || return 1
    acme_pebble nonce PEBBLE_WFE_NONCEREJECT=50 || return 1
    for t in p256 p384 p521; do acme_key "acct-$t" "ec:$t" || return 1; done
    acme_key acct-rsa rsa:2048 || return 1
    for t in p256 p384; do acme_key "web-$t" "ec:$t" || return 1; done
    acme_key web-rsa rsa:2048 || return 1
    export ALT_ROOTS=$ENV_DIR/alt-roots.pem
    "$ENV_SCRIPT" roots "$ENV_DIR" alt "$ALT_ROOTS" 2 || return 1
    "$ENV_SCRIPT" roots "$ENV_DIR" nonce "$ENV_DIR/nonce-root.pem" || return 1
}

teardown_file() {
    acme_stop
}

setup() {
    mkdir "$BATS_TEST_TMPDIR/work" && cd "$BATS_TEST_TMPDIR/work" || return 1
}

uri() {
    echo "pkcs11:token=$TOKEN_LABEL;object=$1"
}

eab_account() {
    p11cert_pin acme account --account-key "$(uri "$1")" --directory "$EAB_DIRECTORY" \
        --ca-bundle "$EAB_CA" --agree-tos "${@:2}"
}

@test "EAB required: refused without a binding, in the CA's words" {
    acme_key acct-eab0 ec:p256
    run eab_account acct-eab0
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"externalAccountRequired"* ]]
    [[ $output == *"--eab-kid"* ]]
    run ! grep -q 'accounts in memory' "$EAB_LOG"
}

@test "EAB required: accepted with --eab-kid and --eab-hmac (HS256), pebble logs the binding" {
    acme_key acct-eab1 ec:p256
    run eab_account acct-eab1 --eab-kid kid-1 --eab-hmac "file:$EAB_EAB_HMAC"
    echo "$output"
    [ "$status" -eq 0 ]
    grep -q 'Successful newAccount Binding with CA using kid "kid-1"' "$EAB_LOG"
    [[ $output != *"$(cat "$EAB_EAB_HMAC")"* ]]
}

@test "EAB: HS384 and HS512 are accepted, a wrong HMAC key is refused" {
    acme_key acct-eab2 rsa:2048
    acme_key acct-eab3 ec:p384
    acme_key acct-eab4 ec:p256
    run eab_account acct-eab2 --eab-kid kid-1 --eab-hmac "file:$EAB_EAB_HMAC" --eab-alg HS384
    [ "$status" -eq 0 ]
    run eab_account acct-eab3 --eab-kid kid-1 --eab-hmac "file:$EAB_EAB_HMAC" --eab-alg HS512
    [ "$status" -eq 0 ]
    openssl rand 32 | base64 -w0 | tr '+/' '-_' | tr -d '=' >wrong
    run eab_account acct-eab4 --eab-kid kid-1 --eab-hmac file:wrong
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"creating the account: "* ]]
}

@test "--preferred-chain: the chain to the alternate root, verified against that root" {
    acme_account acct-p256 ALT
    cn1=$(awk '/BEGIN/{n++} n==2' "$ALT_ROOTS" | openssl x509 -noout -subject -nameopt multiline |
        sed -n 's/^ *commonName *= *//p')
    [ -n "$cn1" ]
    run --separate-stderr p11cert_pin acme issue --directory "$ALT_DIRECTORY" --ca-bundle "$ALT_CA" \
        --trust "$ALT_ROOTS" --no-record --account-key "$(uri acct-p256)" --key "$(uri web-p256)" \
        --domain alt.acme.test --dns-server "$KNOT_SERVER" --tsig-key "file:$TSIG_FILE" \
        --preferred-chain "$cn1" --json
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(jq -r .alternate_chains <<<"$output")" -ge 1 ]
    awk '/BEGIN/{n++} n==2' "$ALT_ROOTS" >root1.pem
    awk '/BEGIN/{n++} n==1' "$ALT_ROOTS" >root0.pem
    last=$(awk '/BEGIN/{n++} n==2' chain.crt | openssl x509 -noout -fingerprint -sha256)
    [ "$last" = "$(openssl x509 -in root1.pem -noout -fingerprint -sha256)" ]
    openssl verify -CAfile root1.pem -untrusted chain.crt cert.pem
    run ! openssl verify -CAfile root0.pem -untrusted chain.crt cert.pem
}

@test "without --preferred-chain the CA's default chain, to /roots/0" {
    acme_account acct-p384 ALT
    run p11cert_pin acme issue --directory "$ALT_DIRECTORY" --ca-bundle "$ALT_CA" \
        --trust "$ALT_ROOTS" --no-record --account-key "$(uri acct-p384)" --key "$(uri web-p256)" \
        --domain alt.acme.test --dns-server "$KNOT_SERVER" --tsig-key "file:$TSIG_FILE"
    [ "$status" -eq 0 ]
    awk '/BEGIN/{n++} n==1' "$ALT_ROOTS" >root0.pem
    openssl verify -CAfile root0.pem -untrusted chain.crt cert.pem
}

@test "badNonce: a CA refusing half of the good nonces, every refusal retried" {
    acme_account acct-p256 NONCE
    run --separate-stderr p11cert_pin acme issue --directory "$NONCE_DIRECTORY" --ca-bundle "$NONCE_CA" \
        --no-record --trust "$ENV_DIR/nonce-root.pem" --account-key "$(uri acct-p256)" \
        --key "$(uri web-p256)" --domain a.acme.test --dns-server "$KNOT_SERVER" \
        --tsig-key "file:$TSIG_FILE" --json
    echo "$output"
    [ "$status" -eq 0 ]
    # At 50 %, ten signed requests pass without a refusal once in a thousand
    # runs: the order is made of more.
    [ "$(jq -r .bad_nonces_retried <<<"$output")" -ge 1 ]
    openssl verify -CAfile "$ENV_DIR/nonce-root.pem" -untrusted chain.crt cert.pem
}

# Every account key type with every certificate key type pebble takes.
issue_with() {
    local acct=$1 web=$2 name=$3
    rm -f cert.pem chain.crt
    acme_issue --account-key "$(uri "acct-$acct")" --key "$(uri "web-$web")" \
        --domain "$name.acme.test" --http-listen "127.0.0.1:$MAIN_HTTP_PORT" --no-record --force \
        >/dev/null &&
        openssl verify -CAfile "$ROOT0" -untrusted chain.crt cert.pem >/dev/null &&
        token_pubkey "$TOKEN_LABEL" "web-$web" token.der && pubkey_der cert.pem cert.der &&
        cmp token.der cert.der
}

@test "ES256 account key: P-256, P-384 and RSA certificate keys" {
    acme_account acct-p256
    issue_with p256 p256 a
    issue_with p256 p384 b
    issue_with p256 rsa c
}

@test "ES384 account key: P-256, P-384 and RSA certificate keys" {
    acme_account acct-p384
    issue_with p384 p256 d
    issue_with p384 p384 e
    issue_with p384 rsa f
}

@test "ES512 account key: P-256, P-384 and RSA certificate keys" {
    acme_account acct-p521
    issue_with p521 p256 g
    issue_with p521 p384 h
    issue_with p521 rsa www
}

@test "RS256 account key: P-256, P-384 and RSA certificate keys" {
    acme_account acct-rsa
    issue_with rsa p256 api
    issue_with rsa p384 web
    issue_with rsa rsa rsa
}
