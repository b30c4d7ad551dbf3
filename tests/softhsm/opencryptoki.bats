#!/usr/bin/env bats
# The token workflow on IBM openCryptoki's soft token (profile opencryptoki).
# pkcsslotd runs in a private mount and IPC namespace that setup_file makes and
# teardown_file stops by pid (scripts/opencryptoki-token.sh); every command that
# uses the token runs inside it ($OCK_RUN, nsenter). What p11cert did is checked
# with pkcs11-tool and pkcsconf on the same token and openssl, never with p11cert's
# own word. setup_file makes the key web (rsa:2048); anything else a test needs, it
# makes. The soft token has RSA only: no EC mechanism at all.

load helpers

bats_require_minimum_version 1.5.0

MAX_CSR_CALLS=16

setup_file() {
    export OCK_DIR=$BATS_FILE_TMPDIR/ock
    local env
    env=$("$P11CERT_SRC/scripts/opencryptoki-token.sh" start "$OCK_DIR" ock) || return 1
    eval "$env"
    export P11CERT_MODULE=$OCK_MODULE
    export PIN_FILE=$OCK_DIR/pin TOKEN_LABEL=ock TOKEN_URI=pkcs11:token=ock
    $OCK_RUN p11cert --pin-source "file:$PIN_FILE" -q keygen "$TOKEN_URI" --label web \
        --type rsa:2048 >/dev/null || return 1
}

teardown_file() {
    "$P11CERT_SRC/scripts/opencryptoki-token.sh" stop "$OCK_DIR"
}

setup() {
    mkdir "$BATS_TEST_TMPDIR/work" && cd "$BATS_TEST_TMPDIR/work" || return 1
}

teardown() {
    [ -z "${BARE_DIR:-}" ] || "$P11CERT_SRC/scripts/opencryptoki-token.sh" stop "$BARE_DIR"
}

# p11cert with the token's PIN, inside the namespace.
ock_p11cert() {
    $OCK_RUN p11cert --pin-source "file:$PIN_FILE" "$@"
}

# pkcs11-tool on the token, inside the namespace (its only slot is 0).
ock_tool() {
    $OCK_RUN pkcs11-tool --module "$OCK_MODULE" --slot 0 "$@"
}

ock_objects() {
    ock_tool --login --pin "$(user_pin)" --list-objects 2>/dev/null
}

object_count() {
    ock_objects | grep -cE '^(Private Key|Public Key|Certificate|Data) [oO]bject' || true
}

# pkcs11-tool's block for the object of TYPE (privkey, pubkey, cert) labelled LABEL.
object_block() {
    ock_tool --login --pin "$(user_pin)" --list-objects --type "$1" 2>/dev/null |
        object_block_of "$2"
}

# The public key of token key LABEL (pkcs11-tool) equals the one in the CSR or
# certificate FILE (openssl).
same_public_key() {
    ock_tool --read-object --type pubkey --label "$1" -o token.raw >/dev/null 2>&1
    openssl pkey -pubin -in token.raw -inform DER -outform DER -out token.der 2>/dev/null ||
        openssl rsa -RSAPublicKey_in -in token.raw -inform DER -pubout -outform DER -out token.der
    pubkey_der "$2" file.der
    cmp token.der file.der
}

@test "opencryptoki: tokens shows the soft token with the opencryptoki profile; pkcsconf agrees" {
    run ock_p11cert tokens "$TOKEN_URI"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"label:        ock"* ]]
    [[ $output == *"model:        IBM SoftTok"* ]]
    [[ $output == *"profile:      opencryptoki"* ]]
    $OCK_RUN pkcsconf -t -c 0 | grep -qE '^[[:space:]]*Label: ock *$'
}

@test "opencryptoki: keygen rsa:2048, 3072 and 4096: pkcs11-tool lists each sign-only key; csr verifies" {
    local type
    for type in rsa:3072 rsa:4096; do
        run ock_p11cert keygen "$TOKEN_URI" --label "k-$type" --type "$type"
        echo "$output"
        [ "$status" -eq 0 ]
    done
    for key in web k-rsa:3072 k-rsa:4096; do
        object_block privkey "$key" >"$key.txt"
        cat "$key.txt"
        grep -qE '^[[:space:]]*Usage:[[:space:]]*sign$' "$key.txt"
        grep -q 'Access:.*sensitive.*never extractable' "$key.txt"
        ock_p11cert -q csr "$TOKEN_URI;object=$key" --subject /CN=k.example.com --out "$key.csr"
        openssl req -in "$key.csr" -noout -verify
        same_public_key "$key" "$key.csr"
    done
    openssl req -in web.csr -noout -text | grep -q 'Public-Key: (2048 bit)'
    openssl req -in k-rsa:3072.csr -noout -text | grep -q 'Public-Key: (3072 bit)'
    openssl req -in k-rsa:4096.csr -noout -text | grep -q 'Public-Key: (4096 bit)'
}

@test "opencryptoki: EC and Ed25519 keygen are 'not supported by this token'; nothing created" {
    before=$(object_count)
    for type in ec:p256 ec:p384 ec:p521 ed25519; do
        run --separate-stderr ock_p11cert keygen "$TOKEN_URI" --label "no-$type" --type "$type"
        echo "$stderr"
        [ "$status" -eq 1 ]
        [ "$stderr" = "p11cert: keygen: $type keys are not supported by this token (its mechanism list lacks the key generation mechanism)" ]
    done
    [ "$(object_count)" -eq "$before" ]
}

@test "opencryptoki: csr (PKCS#1 v1.5 and PSS, sha256 to sha512) and selfsign; openssl verifies each" {
    local hash
    for hash in sha256 sha384 sha512; do
        ock_p11cert -q csr "$TOKEN_URI;object=web" --subject /CN=web.example.com --hash "$hash" \
            --out "web-$hash.csr"
        openssl req -in "web-$hash.csr" -noout -verify
        openssl req -in "web-$hash.csr" -noout -text | grep -q "${hash}WithRSAEncryption"
        ock_p11cert -q csr "$TOKEN_URI;object=web" --subject /CN=web.example.com --hash "$hash" \
            --pss --out "pss-$hash.csr"
        openssl req -in "pss-$hash.csr" -noout -verify
        openssl req -in "pss-$hash.csr" -noout -text | grep -q "Hash Algorithm: $hash"
    done
    ock_p11cert -q selfsign "$TOKEN_URI;object=web" --subject /CN=web.example.com --days 30 \
        --out web.crt
    openssl verify -CAfile web.crt web.crt
    same_public_key web web.crt
}

@test "opencryptoki: import --chain with the minimal template (no CKA_CERTIFICATE_CATEGORY), list, check --tls" {
    ock_p11cert -q keygen "$TOKEN_URI" --label gateway --type rsa:2048 >/dev/null
    ock_p11cert -q csr "$TOKEN_URI;object=gateway" --subject /CN=gateway.example.com --out gw.csr
    test_ca_issue gw.csr
    mv leaf.crt gw.crt
    spy=$(_spy_module)
    run $OCK_RUN env PKCS11SPY="$OCK_MODULE" PKCS11SPY_OUTPUT="$PWD/import.log" \
        p11cert --module "$spy" --profile opencryptoki --pin-source "file:$PIN_FILE" \
        import gw.crt --key "$TOKEN_URI;object=gateway" --chain chain.crt
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(grep -cE '^[0-9]+: C_CreateObject$' import.log)" -eq 4 ]
    ! grep -q CKA_CERTIFICATE_CATEGORY import.log || false
    # pkcs11-tool: the leaf under the key's label and id, the CA certificates beside it.
    key_id=$(object_block privkey gateway | sed -nE 's/^[[:space:]]*ID:[[:space:]]*//p')
    [ -n "$key_id" ]
    object_block cert gateway | grep -qE "^[[:space:]]*ID:[[:space:]]*$key_id\$"
    ock_tool --read-object --type cert --label gateway -o leaf.der >/dev/null
    cmp leaf.der <(openssl x509 -in gw.crt -outform DER)
    for name in "p11cert Test Root CA" "p11cert Test Intermediate 1" "p11cert Test Intermediate 2"; do
        [ -n "$(object_block cert "$name")" ]
    done
    run ock_p11cert list "$TOKEN_URI;object=gateway"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"private-key, RSA 2048, label \"gateway\""* ]]
    [[ $output == *"certificate, label \"gateway\""* ]]
    run ock_p11cert check --cert gw.crt --chain chain.crt --key "$TOKEN_URI;object=gateway" \
        --domain gateway.example.com --tls
    echo "$output"
    [ "$status" -eq 0 ]
    grep -q '^PASS  key pair' <<<"$output"
    grep -q '^PASS  chain' <<<"$output"
    grep -q '^PASS  tls 1.2' <<<"$output"
    grep -q '^PASS  tls 1.3' <<<"$output"
    openssl verify -CAfile reply-root.crt -untrusted <(cat reply-int1.crt reply-int2.crt) gw.crt
}

@test "opencryptoki: cert_template = full is refused (CKR_ATTRIBUTE_TYPE_INVALID): the error names the certificate" {
    ock_p11cert -q keygen "$TOKEN_URI" --label full-tmpl --type rsa:2048 >/dev/null
    ock_p11cert -q selfsign "$TOKEN_URI;object=full-tmpl" --subject /CN=full.example.com --out full.crt
    grep -v '^cert_template' "$P11CERT_SRC/tokens/opencryptoki.profile" >full.profile
    echo 'cert_template = full' >>full.profile
    before=$(object_count)
    run --separate-stderr ock_p11cert --profile "$PWD/full.profile" import full.crt --token "$TOKEN_URI"
    echo "$stderr"
    [ "$status" -eq 1 ]
    [ "${stderr_lines[0]}" = 'p11cert: import: cannot store the certificate "full-tmpl": C_CreateObject: CKR_ATTRIBUTE_TYPE_INVALID' ]
    [[ ${stderr_lines[1]} == *"hint: "*"cert_template = minimal"* ]]
    [ "$(object_count)" -eq "$before" ]
    [ -z "$(object_block cert full-tmpl)" ]
}

@test "calls: csr on openCryptoki makes at most $MAX_CSR_CALLS PKCS#11 calls" {
    n=$(SPY_DIR=$PWD/spy SPY_REAL_MODULE=$OCK_MODULE spy_count $OCK_RUN p11cert -q \
        --profile opencryptoki --pin-source "file:$PIN_FILE" csr "$TOKEN_URI;object=web" \
        --subject /CN=calls.example --out web.csr)
    echo "# csr calls on openCryptoki: $n" >&3
    openssl req -in web.csr -verify -noout
    [ "$n" -gt 0 ]
    [ "$n" -le "$MAX_CSR_CALLS" ]
}

@test "opencryptoki: a wrong PIN fails with CKR_PIN_INCORRECT, nothing created" {
    printf 'wrong1\n' >wrong
    chmod 0600 wrong
    before=$(object_count)
    run --separate-stderr $OCK_RUN p11cert --pin-source file:wrong keygen "$TOKEN_URI" --label never
    echo "$stderr"
    [ "$status" -eq 1 ]
    [[ ${stderr_lines[0]} == *'login to token "ock" failed: CKR_PIN_INCORRECT'* ]]
    [ "$(object_count)" -eq "$before" ]
}

@test "opencryptoki: without pkcsslotd, C_Initialize fails with CKR_FUNCTION_FAILED and the hint asks for it" {
    export BARE_DIR=$BATS_TEST_TMPDIR/bare
    "$P11CERT_SRC/scripts/opencryptoki-token.sh" namespace "$BARE_DIR" >bare.env
    . ./bare.env
    # pkcsconf (openCryptoki's own tool) fails the same way there.
    run $OCK_RUN pkcsconf -t
    echo "$output"
    [ "$status" -ne 0 ]
    [[ $output == *CKR_FUNCTION_FAILED* ]]
    run --separate-stderr $OCK_RUN p11cert --module "$OCK_MODULE" tokens
    echo "$stderr"
    [ "$status" -eq 1 ]
    [ -z "$output" ]
    [ "${#stderr_lines[@]}" -eq 2 ]
    [ "${stderr_lines[0]}" = "p11cert: tokens: cannot initialize PKCS#11 module $OCK_MODULE: CKR_FUNCTION_FAILED" ]
    [[ ${stderr_lines[1]} == "p11cert: tokens: hint: is pkcsslotd running?"*"(token profile opencryptoki)" ]]
}
