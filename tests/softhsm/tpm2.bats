#!/usr/bin/env bats
# The token workflow on a TPM 2.0: swtpm on loopback with tpm2-pkcs11 (profile
# tpm2-pkcs11), started by setup_file and stopped by its pid in teardown_file
# (scripts/tpm2-token.sh). What p11cert did is checked with pkcs11-tool on the same
# module, tpm2-tools (what the TPM holds loaded) and openssl, never with p11cert's
# own word. setup_file makes the keys web (rsa:2048) and edge (ec:p256); anything
# else a test needs, it makes.
#
# Through pkcs11-spy.so the module is the spy, which no profile matches: those runs
# name the profile (--profile tpm2-pkcs11, or a file made from it).
#
# Without a resource manager a TPM object left loaded stays until it is flushed,
# and the TPM has room for three: tests that leave nothing say so with
# `tpm2_getcap handles-transient`, and teardown flushes whatever a failed test left.

load helpers

bats_require_minimum_version 1.5.0

MAX_CSR_CALLS=16

setup_file() {
    export TPM_DIR=$BATS_FILE_TMPDIR/tpm
    local env
    env=$("$P11CERT_SRC/scripts/tpm2-token.sh" start "$TPM_DIR" tpm) || return 1
    eval "$env"
    export P11CERT_MODULE=$TPM2_MODULE
    export PIN_FILE=$TPM_DIR/pin TOKEN_LABEL=tpm TOKEN_URI=pkcs11:token=tpm
    p11cert_pin -q keygen "$TOKEN_URI" --label web --type rsa:2048 >/dev/null || return 1
    p11cert_pin -q keygen "$TOKEN_URI" --label edge --type ec:p256 >/dev/null || return 1
}

teardown_file() {
    "$P11CERT_SRC/scripts/tpm2-token.sh" stop "$TPM_DIR"
    [ -z "${LOCK_DIR:-}" ] || "$P11CERT_SRC/scripts/tpm2-token.sh" stop "$LOCK_DIR"
}

setup() {
    mkdir "$BATS_TEST_TMPDIR/work" && cd "$BATS_TEST_TMPDIR/work" || return 1
}

teardown() {
    [ -z "${LOCK_DIR:-}" ] || "$P11CERT_SRC/scripts/tpm2-token.sh" stop "$LOCK_DIR"
    tpm2_flushcontext -t >/dev/null 2>&1 || true
}

# What the TPM holds loaded (transient objects): nothing, after any p11cert run.
nothing_loaded() {
    local loaded
    loaded=$(tpm2_getcap handles-transient) || return 1
    [ -z "$loaded" ] || {
        echo "loaded in the TPM: $loaded"
        return 1
    }
}

# pkcs11-tool's block for the object of TYPE (privkey, pubkey, cert) labelled LABEL.
object_block() {
    pkcs11_tool_on "$TOKEN_LABEL" --login --pin "$(user_pin)" --list-objects --type "$1" 2>/dev/null |
        object_block_of "$2"
}

# The public key of token key LABEL (pkcs11-tool) equals the one in the CSR or
# certificate FILE (openssl).
same_public_key() {
    token_pubkey "$TOKEN_LABEL" "$1" token.der
    pubkey_der "$2" file.der
    cmp token.der file.der
}

@test "tpm2: tokens shows the TPM's token with the tpm2-pkcs11 profile; pkcs11-tool sees it too" {
    run p11cert tokens "$TOKEN_URI"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"label:        tpm"* ]]
    [[ $output == *"profile:      tpm2-pkcs11"* ]]
    [[ $output == *"flags:        login required, user PIN set, initialized"* ]]
    token_slot tpm
    nothing_loaded
}

@test "tpm2: keygen makes every type the TPM offers; pkcs11-tool lists each sign-only key, openssl its size or curve" {
    local type
    for type in rsa:3072 ec:p384; do
        run p11cert_pin keygen "$TOKEN_URI" --label "k-$type" --type "$type"
        echo "$output"
        [ "$status" -eq 0 ]
    done
    for key in web edge k-rsa:3072 k-ec:p384; do
        object_block privkey "$key" >"$key.txt"
        cat "$key.txt"
        grep -qE '^[[:space:]]*Usage:[[:space:]]*sign$' "$key.txt"
        grep -q 'Access:.*sensitive.*never extractable' "$key.txt"
        p11cert_pin -q csr "$TOKEN_URI;object=$key" --subject /CN=k.example.com --out "$key.csr"
        openssl req -in "$key.csr" -noout -verify
        same_public_key "$key" "$key.csr"
    done
    openssl req -in web.csr -noout -text | grep -q 'Public-Key: (2048 bit)'
    openssl req -in k-rsa:3072.csr -noout -text | grep -q 'Public-Key: (3072 bit)'
    openssl req -in edge.csr -noout -text | grep -q 'NIST CURVE: P-256'
    openssl req -in k-ec:p384.csr -noout -text | grep -q 'NIST CURVE: P-384'
    nothing_loaded
}

@test "tpm2: rsa:4096 is refused from the token's mechanism info, before generating; nothing made or loaded" {
    before=$(token_object_count)
    SPY_DIR=$PWD/spy SPY_REAL_MODULE=$TPM2_MODULE run spy_count p11cert_pin --profile tpm2-pkcs11 keygen "$TOKEN_URI" \
        --label big --type rsa:4096
    [ "$status" -eq 1 ]
    cat spy/err
    grep -qx "p11cert: keygen: rsa:4096 keys are not supported by this token (its key generation mechanism takes 1024 to 3072 bits)" spy/err
    [ "$(grep -c '^p11cert: keygen: ' spy/err)" -eq 2 ] # and the note that the id will be random
    ! grep -q C_GenerateKeyPair spy/spy.log || false
    [ "$(token_object_count)" -eq "$before" ]
    nothing_loaded
}

@test "tpm2: ec:p521 comes back with a mis-encoded point: keygen removes the pair after a new login; nothing left" {
    before=$(token_object_count)
    run --separate-stderr p11cert_pin keygen "$TOKEN_URI" --label p521 --type ec:p521
    echo "$stderr"
    [ "$status" -eq 1 ]
    [ -z "$output" ]
    grep -qx "p11cert: keygen: the token's public key cannot be used: invalid encoding" <<<"$stderr"
    grep -q "hint: the token made a ec:p521 key whose public half cannot be decoded: the pair was removed" <<<"$stderr"
    [ "$(token_object_count)" -eq "$before" ]
    [ -z "$(object_block privkey p521)" ]
    nothing_loaded
}

@test "tpm2: ed25519 keygen is 'not supported by this token'; nothing created" {
    before=$(token_object_count)
    run p11cert_pin keygen "$TOKEN_URI" --label ed --type ed25519
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"ed25519 keys are not supported by this token"* ]]
    [ "$(token_object_count)" -eq "$before" ]
}

@test "tpm2: the profile's switches are what make keygen and RSA signing work on a TPM" {
    # With the public half's usages set (public_key_usage = set), tpm2-pkcs11 refuses the template.
    grep -v '^public_key_usage' "$P11CERT_SRC/tokens/tpm2-pkcs11.profile" >usage-set.profile
    echo 'public_key_usage = set' >>usage-set.profile
    before=$(token_object_count)
    run --separate-stderr p11cert_pin --profile ./usage-set.profile keygen "$TOKEN_URI" \
        --label usage-set --type ec:p256
    echo "$stderr"
    [ "$status" -eq 1 ]
    [[ $stderr == *"key generation failed: C_GenerateKeyPair: CKR_GENERAL_ERROR"* ]]
    tpm2_flushcontext -t # tpm2-pkcs11 leaves what it loaded for the refused template
    [ "$(token_object_count)" -eq "$before" ]
    # With raw RSA signing (sign_rsa = raw), the TPM refuses to sign: no request is written.
    grep -v '^sign_rsa' "$P11CERT_SRC/tokens/tpm2-pkcs11.profile" >raw-rsa.profile
    echo 'sign_rsa = raw' >>raw-rsa.profile
    run --separate-stderr p11cert_pin --profile ./raw-rsa.profile csr "$TOKEN_URI;object=web" \
        --subject /CN=raw.example.com --out raw.csr
    echo "$stderr"
    [ "$status" -eq 1 ]
    [[ $stderr == *"cannot sign: C_Sign: CKR_GENERAL_ERROR"* ]]
    [ ! -e raw.csr ]
    # The shipped profile (hashed): pkcs11-spy sees CKM_SHA256_RSA_PKCS over the whole request.
    SPY_DIR=$PWD/spy SPY_REAL_MODULE=$TPM2_MODULE run spy_count p11cert_pin -q \
        --profile tpm2-pkcs11 csr "$TOKEN_URI;object=web" --subject /CN=web.example.com --out web.csr
    [ "$status" -eq 0 ]
    sed -n '/: C_SignInit$/,/^Returned/p' spy/spy.log | grep -q 'pMechanism->type = CKM_SHA256_RSA_PKCS '
    openssl req -in web.csr -noout -verify
    nothing_loaded
}

@test "tpm2: csr RSA (PKCS#1 v1.5 and PSS, sha256 to sha512) and EC; openssl verifies each" {
    local hash
    for hash in sha256 sha384 sha512; do
        p11cert_pin -q csr "$TOKEN_URI;object=web" --subject /CN=web.example.com --hash "$hash" \
            --out "web-$hash.csr"
        openssl req -in "web-$hash.csr" -noout -verify
        openssl req -in "web-$hash.csr" -noout -text | grep -q "${hash}WithRSAEncryption"
        p11cert_pin -q csr "$TOKEN_URI;object=web" --subject /CN=web.example.com --hash "$hash" \
            --pss --out "pss-$hash.csr"
        openssl req -in "pss-$hash.csr" -noout -verify
        openssl req -in "pss-$hash.csr" -noout -text | grep -q "Hash Algorithm: $hash"
        p11cert_pin -q csr "$TOKEN_URI;object=edge" --subject /CN=edge.example.com --hash "$hash" \
            --out "edge-$hash.csr"
        openssl req -in "edge-$hash.csr" -noout -verify
        openssl req -in "edge-$hash.csr" -noout -text | grep -qi "ecdsa-with-$hash"
    done
    same_public_key web web-sha256.csr
    same_public_key edge edge-sha256.csr
    nothing_loaded
}

@test "tpm2: sign_ec = hashed works too on a TPM (CKM_ECDSA_SHA384); openssl verifies" {
    grep -v '^sign_ec' "$P11CERT_SRC/tokens/tpm2-pkcs11.profile" >ec-hashed.profile
    echo 'sign_ec = hashed' >>ec-hashed.profile
    SPY_DIR=$PWD/spy SPY_REAL_MODULE=$TPM2_MODULE run spy_count p11cert_pin -q \
        --profile ./ec-hashed.profile csr "$TOKEN_URI;object=edge" --subject /CN=edge.example.com \
        --hash sha384 --out edge.csr
    [ "$status" -eq 0 ]
    # (pkcs11-spy 0.23 has no name for CKM_ECDSA_SHA384, 0x1045)
    sed -n '/: C_SignInit$/,/^Returned/p' spy/spy.log | grep -qE 'pMechanism->type = (CKM_ECDSA_SHA384 |0x00001045$)'
    openssl req -in edge.csr -noout -verify
    openssl req -in edge.csr -noout -text | grep -q ecdsa-with-SHA384
}

@test "tpm2: selfsign RSA and EC; openssl verifies each against itself" {
    local key
    for key in web edge; do
        p11cert_pin -q selfsign "$TOKEN_URI;object=$key" --subject "/CN=$key.example.com" \
            --days 30 --out "$key.crt"
        openssl verify -CAfile "$key.crt" "$key.crt"
        same_public_key "$key" "$key.crt"
    done
    nothing_loaded
}

@test "tpm2: import --chain, list and check --tls: pkcs11-tool sees the certificates, the TLS handshakes pass" {
    p11cert_pin -q keygen "$TOKEN_URI" --label gateway --type ec:p256 >/dev/null
    p11cert_pin -q csr "$TOKEN_URI;object=gateway" --subject /CN=gateway.example.com --out gw.csr
    test_ca_issue gw.csr
    mv leaf.crt gw.crt
    run p11cert_pin import gw.crt --key "$TOKEN_URI;object=gateway" --chain chain.crt
    echo "$output"
    [ "$status" -eq 0 ]
    # pkcs11-tool: the leaf under the key's label and id, the CA certificates without an id.
    object_block cert gateway >leaf.txt
    cat leaf.txt
    key_id=$(object_block privkey gateway | sed -nE 's/^[[:space:]]*ID:[[:space:]]*//p')
    [ -n "$key_id" ]
    grep -qE "^[[:space:]]*ID:[[:space:]]*$key_id\$" leaf.txt
    pkcs11_tool_on tpm --read-object --type cert --label gateway -o leaf.der
    cmp leaf.der <(openssl x509 -in gw.crt -outform DER)
    for name in "p11cert Test Root CA" "p11cert Test Intermediate 1" "p11cert Test Intermediate 2"; do
        [ -n "$(object_block cert "$name")" ]
    done
    # list shows the key pair and the certificate.
    run p11cert_pin list "$TOKEN_URI;object=gateway"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"private-key, EC P-256, label \"gateway\""* ]]
    [[ $output == *"certificate, label \"gateway\""* ]]
    # check --tls: libp11 serves the TPM key to openssl's client, TLS 1.2 and 1.3.
    run p11cert_pin check --cert gw.crt --chain chain.crt --key "$TOKEN_URI;object=gateway" \
        --domain gateway.example.com --tls
    echo "$output"
    [ "$status" -eq 0 ]
    grep -q '^PASS  key pair' <<<"$output"
    grep -q '^PASS  chain' <<<"$output"
    grep -q '^PASS  tls 1.2' <<<"$output"
    grep -q '^PASS  tls 1.3' <<<"$output"
    openssl verify -CAfile reply-root.crt -untrusted <(cat reply-int1.crt reply-int2.crt) gw.crt
    nothing_loaded
}

@test "calls: csr on the TPM makes at most $MAX_CSR_CALLS PKCS#11 calls (RSA and EC)" {
    local key n
    for key in web edge; do
        n=$(SPY_DIR=$PWD/spy-$key SPY_REAL_MODULE=$TPM2_MODULE spy_count p11cert_pin -q \
            --profile tpm2-pkcs11 csr "$TOKEN_URI;object=$key" --subject /CN=calls.example \
            --out "$key.csr")
        echo "# csr calls on the TPM ($key): $n" >&3
        openssl req -in "$key.csr" -verify -noout
        [ "$n" -gt 0 ]
        [ "$n" -le "$MAX_CSR_CALLS" ]
    done
}

@test "tpm2: a TPM in dictionary-attack lockout: CKR_PIN_LOCKED with the TPM's hint, not the security officer's" {
    export LOCK_DIR=$BATS_TEST_TMPDIR/lock
    TPM2_TOKEN_DA_TRIES=2 "$P11CERT_SRC/scripts/tpm2-token.sh" start "$LOCK_DIR" locked >lock.env
    printf 'wrong-pin\n' >wrong
    chmod 0600 wrong
    # In a subshell with the second TPM's variables (lock.env).
    on_locked() {
        (
            . ./lock.env
            "$@"
        )
    }
    for _ in 1 2; do
        run on_locked p11cert --pin-source file:wrong list pkcs11:token=locked
        [[ $output == *CKR_PIN_INCORRECT* ]]
    done
    on_locked tpm2_getcap properties-variable >props.txt
    grep -qE '^[[:space:]]*inLockout:[[:space:]]*1' props.txt
    # Now even the right PIN is refused, and the hint says why (p11cert's lines;
    # tpm2-pkcs11 adds its own).
    on_locked p11cert --pin-source "file:$LOCK_DIR/pin" list pkcs11:token=locked >out 2>err || true
    run grep '^p11cert:' err
    echo "$output"
    [ "${#lines[@]}" -eq 2 ]
    [ "${lines[0]}" = 'p11cert: list: login to token "locked" failed: CKR_PIN_LOCKED: the user PIN is locked' ]
    [[ ${lines[1]} == "p11cert: list: hint: the TPM is in dictionary-attack lockout"*"(token profile tpm2-pkcs11)" ]]
    [[ $output != *"security officer"* ]]
}

@test "tpm2: a registered tpm2_pkcs11 that cannot reach a TPM is quiet without --module; -v names it once" {
    # Registered with p11-kit by the package (p11-kit's own list-modules prints its TCTI errors).
    grep -q '^module: libtpm2_pkcs11.so' /usr/share/p11-kit/modules/tpm2_pkcs11.module
    # No TPM where its TCTI points (the port of a stopped swtpm would do; this one is never used).
    export TPM2_PKCS11_TCTI=swtpm:host=127.0.0.1,port=1 TPM2_PKCS11_STORE=$PWD/store
    mkdir store
    run --separate-stderr env -u P11CERT_MODULE p11cert tokens
    echo "$stderr"
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
    run --separate-stderr env -u P11CERT_MODULE p11cert -v tokens
    echo "$stderr"
    [ "$status" -eq 0 ]
    [ "$(grep -c 'tpm2_pkcs11' <<<"$stderr")" -eq 1 ]
    [[ $stderr == *"debug: skipped PKCS#11 module tpm2_pkcs11: it cannot initialize: CKR_GENERAL_ERROR"* ]]
    ! grep -qi 'tcti' <<<"$stderr" || false
    # Asked for by name, its own errors are shown with p11cert's.
    run --separate-stderr env -u P11CERT_MODULE p11cert --module tpm2_pkcs11 tokens
    echo "$stderr"
    [ "$status" -eq 1 ]
    grep -qi 'tcti' <<<"$stderr"
    [[ $stderr == *"p11cert: tokens: cannot initialize PKCS#11 module tpm2_pkcs11: CKR_GENERAL_ERROR"* ]]
}
