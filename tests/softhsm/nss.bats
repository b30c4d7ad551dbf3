#!/usr/bin/env bats
# The token workflow on a second, independent PKCS#11 implementation: NSS softokn
# (libsoftokn3.so) over a throwaway NSS database, token "NSS Certificate DB".
# softokn needs C_Initialize's reserved arguments naming its database
# (--module-init-args, $P11CERT_MODULE_INIT_ARGS, or x-init-reserved in p11-kit's
# registry). What p11cert did is checked with NSS's own tools (certutil, and
# selfserv serving the token's key) and openssl, never with p11cert's own word.
# Every test runs alone (bats -f): setup_file makes the database and the keys
# web (rsa:2048) and edge (ec:p256); anything else a test needs, it makes.

load helpers

bats_require_minimum_version 1.5.0

_nss_module() {
    _first_existing /usr/lib/x86_64-linux-gnu/libsoftokn3.so /usr/lib64/libsoftokn3.so
}

# A fresh NSS database in DIR whose password (the token's user PIN) is in PINFILE.
make_nss_db() {
    local dir=$1 pinfile=$2
    mkdir -p "$dir"
    (
        umask 077
        printf 'nss-test-pin\n' >"$pinfile"
    )
    certutil -N -d "sql:$dir" -f "$pinfile" >/dev/null
}

nss_init_args() {
    printf "configdir='sql:%s' certPrefix='' keyPrefix='' secmod='secmod.db' flags=" "$1"
}

setup_file() {
    export NSS_DIR=$BATS_FILE_TMPDIR/nssdb
    export PIN_FILE=$BATS_FILE_TMPDIR/nss-pin
    make_nss_db "$NSS_DIR" "$PIN_FILE" || return 1
    NSS_MODULE=$(_nss_module) || return 1
    export NSS_MODULE P11CERT_MODULE=$NSS_MODULE
    P11CERT_MODULE_INIT_ARGS=$(nss_init_args "$NSS_DIR")
    export P11CERT_MODULE_INIT_ARGS
    export TOKEN_LABEL="NSS Certificate DB"
    export TOKEN_URI="pkcs11:token=NSS%20Certificate%20DB"
    p11cert_pin -q keygen "$TOKEN_URI" --label web --type rsa:2048 >/dev/null || return 1
    p11cert_pin -q keygen "$TOKEN_URI" --label edge --type ec:p256 >/dev/null || return 1
}

setup() {
    mkdir "$BATS_TEST_TMPDIR/work" && cd "$BATS_TEST_TMPDIR/work" || return 1
}

teardown() {
    [ -z "${REGISTRY_DIR:-}" ] || rm -rf "$REGISTRY_DIR"
    if [ -n "${SELFSERV_PID:-}" ]; then
        kill "$SELFSERV_PID" 2>/dev/null || true
        wait "$SELFSERV_PID" 2>/dev/null || true
    fi
}

# certutil -K: "<n> TYPE ID LABEL" lines for the database's private keys.
nss_keys() {
    certutil -K -d "sql:$NSS_DIR" -f "$PIN_FILE" 2>/dev/null | sed -nE 's/^< *[0-9]+> +//p'
}

# SHA-1 of the RSA modulus of the public key in a PEM CSR or certificate FILE.
rsa_id_of() {
    local der=$BATS_TEST_TMPDIR/id.der modulus
    pubkey_der "$1" "$der" || return 1
    modulus=$(openssl rsa -pubin -inform DER -in "$der" -noout -modulus) || return 1
    sha1_of_hex "${modulus#Modulus=}"
}

# SHA-1 of the EC point (uncompressed, as openssl prints it) of the public key
# in a PEM CSR or certificate FILE.
ec_id_of() {
    local der=$BATS_TEST_TMPDIR/id.der point
    pubkey_der "$1" "$der" || return 1
    point=$(openssl ec -pubin -inform DER -in "$der" -noout -text 2>/dev/null |
        sed -n '/^pub:/,/^[^ ]/s/^ \+//p' | tr -d ':\n')
    [ -n "$point" ] || return 1
    sha1_of_hex "$point"
}

# certutil -K lists the key LABEL, of TYPE (rsa or ec), with the CKA_ID that
# NSS derives from the public key in the CSR or certificate FILE.
nss_has_key() {
    local type=$1 label=$2 file=$3 id
    if [ "$type" = rsa ]; then
        id=$(rsa_id_of "$file") || return 1
    else
        id=$(ec_id_of "$file") || return 1
    fi
    nss_keys | grep -qE "^$type +$id +$label\$" || {
        echo "certutil -K has no $type key $id labelled $label:"
        nss_keys
        return 1
    }
}

# NSS's selfserv serves the certificate NICK of the database DB (in the sql:
# form), with its key on the token; the caller stops SELFSERV_PID (teardown
# does too). Sets SELFSERV_PORT.
start_selfserv() {
    local db=$1 nick=$2
    SELFSERV_PORT=$(unused_port) || return 1
    selfserv -d "$db" -f "$PIN_FILE" -n "$nick" -p "$SELFSERV_PORT" -V tls1.2:tls1.3 \
        >"$BATS_TEST_TMPDIR/selfserv.log" 2>&1 3>&- &
    SELFSERV_PID=$!
    wait_for_port "$SELFSERV_PORT" "$SELFSERV_PID" || {
        cat "$BATS_TEST_TMPDIR/selfserv.log"
        return 1
    }
}

@test "nss: without init arguments softokn refuses C_Initialize; the error says what to give" {
    run env -u P11CERT_MODULE_INIT_ARGS p11cert tokens
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"cannot initialize PKCS#11 module"*"CKR_ARGUMENTS_BAD"* ]]
    [[ $output == *"--module-init-args"* ]]
}

@test "nss: --module-init-args is passed to C_Initialize; tokens lists both NSS tokens, profile nss-softokn" {
    run env -u P11CERT_MODULE_INIT_ARGS p11cert --module-init-args "$(nss_init_args "$NSS_DIR")" \
        --json tokens
    echo "$output"
    [ "$status" -eq 0 ]
    python3 - "$output" <<'PY'
import json, sys
t = {x["label"]: x for x in json.loads(sys.argv[1])["tokens"]}
assert set(t) == {"NSS Generic Crypto Services", "NSS Certificate DB"}, t
db = t["NSS Certificate DB"]
assert db["manufacturer"] == "Mozilla Foundation" and db["profile"] == "nss-softokn", db
assert "login required" in db["flags"], db
PY
}

@test "nss: --module-init-args without a module is refused" {
    run env -u P11CERT_MODULE -u P11CERT_MODULE_INIT_ARGS p11cert --module-init-args "x=y" tokens
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"--module-init-args is given to one module"* ]]
}

@test "nss: keygen rsa:2048 and ec:p256: certutil -K lists both, with CKA_ID = SHA-1 of the public value" {
    # The public values, from requests the token's keys signed (openssl verifies).
    p11cert_pin -q csr "$TOKEN_URI;object=web" --subject /CN=web.example.com --out web.csr
    p11cert_pin -q csr "$TOKEN_URI;object=edge" --subject /CN=edge.example.com --out edge.csr
    openssl req -in web.csr -noout -verify
    openssl req -in edge.csr -noout -verify
    nss_keys
    nss_has_key rsa web web.csr
    nss_has_key ec edge edge.csr
    openssl req -in web.csr -noout -text | grep -q 'Public-Key: (2048 bit)'
    openssl req -in edge.csr -noout -text | grep -q 'NIST CURVE: P-256'
}

@test "nss: keygen rsa:3072, ec:p384 and ec:p521 too" {
    local type
    for type in rsa:3072 ec:p384 ec:p521; do
        run p11cert_pin keygen "$TOKEN_URI" --label "k-$type" --type "$type"
        echo "$output"
        [ "$status" -eq 0 ]
        p11cert_pin -q csr "$TOKEN_URI;object=k-$type" --subject /CN=k.example.com \
            --out "k-$type.csr"
        openssl req -in "k-$type.csr" -noout -verify
    done
    nss_keys
    # certutil: each key is there, of its type, with the id of the public value
    # that openssl reads from the request; openssl: of its size or curve.
    nss_has_key rsa k-rsa:3072 k-rsa:3072.csr
    nss_has_key ec k-ec:p384 k-ec:p384.csr
    nss_has_key ec k-ec:p521 k-ec:p521.csr
    openssl req -in k-rsa:3072.csr -noout -text | grep -q 'Public-Key: (3072 bit)'
    openssl req -in k-ec:p384.csr -noout -text | grep -q 'NIST CURVE: P-384'
    openssl req -in k-ec:p521.csr -noout -text | grep -q 'NIST CURVE: P-521'
}

@test "nss: ed25519 keygen is 'not supported by this token'; certutil sees nothing new" {
    before=$(nss_keys | wc -l)
    run p11cert_pin keygen "$TOKEN_URI" --label ed --type ed25519
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"ed25519 keys are not supported by this token"* ]]
    [ "$(nss_keys | wc -l)" -eq "$before" ]
}

@test "nss: keygen with --id sets it at generation; a label in use is refused" {
    run p11cert_pin keygen "$TOKEN_URI" --label with-id --id 0a0b0c
    [ "$status" -eq 0 ]
    nss_keys | grep -qE '^rsa +0a0b0c +with-id$'
    before=$(nss_keys | wc -l)
    run p11cert_pin keygen "$TOKEN_URI" --label web
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *'label "web" is already used'* ]]
    [ "$(nss_keys | wc -l)" -eq "$before" ]
}

@test "nss: csr RSA (PKCS#1 v1.5 and PSS) and EC; openssl verifies each" {
    p11cert_pin -q csr "$TOKEN_URI;object=web" --subject /O=Org/CN=web.example.com --out web.csr
    openssl req -in web.csr -noout -verify
    openssl req -in web.csr -noout -text | grep -q sha256WithRSAEncryption
    p11cert_pin -q csr "$TOKEN_URI;object=web" --subject /CN=web.example.com --pss --out pss.csr
    openssl req -in pss.csr -noout -verify
    openssl req -in pss.csr -noout -text | grep -q rsassaPss
    p11cert_pin -q csr "$TOKEN_URI;object=edge" --subject /CN=edge.example.com --hash sha384 \
        --out edge.csr
    openssl req -in edge.csr -noout -verify
    openssl req -in edge.csr -noout -text | grep -q ecdsa-with-SHA384
    # Each request carries the public key of the token key it names (certutil -K).
    nss_has_key rsa web web.csr
    nss_has_key rsa web pss.csr
    nss_has_key ec edge edge.csr
}

@test "nss: selfsign RSA and EC; openssl verifies each against itself" {
    local key
    for key in web edge; do
        p11cert_pin -q selfsign "$TOKEN_URI;object=$key" --subject "/CN=$key.example.com" \
            --days 30 --out "$key.crt"
        openssl verify -CAfile "$key.crt" "$key.crt"
    done
    nss_has_key rsa web web.crt
    nss_has_key ec edge edge.crt
}

@test "nss: import: certutil -L lists the certificate under the key's label, and it is the file's" {
    p11cert_pin -q selfsign "$TOKEN_URI;object=web" --subject /CN=web.example.com \
        --out web.crt
    run p11cert_pin import web.crt --token "$TOKEN_URI"
    echo "$output"
    [ "$status" -eq 0 ]
    certutil -L -d "sql:$NSS_DIR" | grep -qE '^web +u,u,u'
    certutil -L -d "sql:$NSS_DIR" -n web -a >exported.pem
    [ "$(openssl x509 -in exported.pem -outform DER | sha256sum)" = \
        "$(openssl x509 -in web.crt -outform DER | sha256sum)" ]
    # certutil -K now names the key by its certificate: the pair is linked by CKA_ID.
    nss_has_key rsa web web.crt
    run p11cert_pin import web.crt --token "$TOKEN_URI"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"already"* ]]
    # Not stored twice: certutil still lists one certificate named web.
    [ "$(certutil -L -d "sql:$NSS_DIR" | grep -cE '^web +')" -eq 1 ]
}

@test "nss: import --chain: the test CA's certificates are in certutil -L, without trust" {
    p11cert_pin -q csr "$TOKEN_URI;object=edge" --subject /CN=edge.example.com --out edge.csr
    "$P11CERT_SRC/scripts/test-ca.sh" "$BATS_TEST_TMPDIR/ca" sign edge.csr reply >/dev/null
    p11cert -q chain reply.cer reply-int1.crt reply-int2.crt reply-root.crt --out chain.crt
    p11cert -q convert reply.cer --out edge.crt
    run p11cert_pin import edge.crt --key "$TOKEN_URI;object=edge" --chain chain.crt
    echo "$output"
    [ "$status" -eq 0 ]
    run certutil -L -d "sql:$NSS_DIR"
    echo "$output"
    grep -qE '^edge +u,u,u' <<<"$output"
    # The three CA certificates, with no trust flags at all.
    grep -qE '^p11cert Test Root CA +,, *$' <<<"$output"
    grep -qE '^p11cert Test Intermediate 1 +,, *$' <<<"$output"
    grep -qE '^p11cert Test Intermediate 2 +,, *$' <<<"$output"
    # What the token holds is the chain: openssl verifies the leaf with the
    # certificates certutil exports from it, and the root is the CA's own.
    local name
    for name in edge "p11cert Test Root CA" "p11cert Test Intermediate 1" \
        "p11cert Test Intermediate 2"; do
        certutil -L -d "sql:$NSS_DIR" -n "$name" -a >"token-$name.pem"
    done
    cat "token-p11cert Test Intermediate 1.pem" "token-p11cert Test Intermediate 2.pem" \
        >token-ints.pem
    openssl verify -CAfile "token-p11cert Test Root CA.pem" -untrusted token-ints.pem \
        token-edge.pem
    cmp <(openssl x509 -in "token-p11cert Test Root CA.pem" -outform DER) \
        <(openssl x509 -in reply-root.crt -outform DER)
    nss_has_key ec edge token-edge.pem
    # NSS itself does not trust the chain (no trust was given)...
    run certutil -V -d "sql:$NSS_DIR" -n edge -u V
    echo "$output"
    [ "$status" -ne 0 ]
    [[ $output == *"certificate is invalid"*"issuer"* ]]
    # ...and does once the root is trusted (in a copy of the database): the
    # chain on the token is complete, only trust is missing.
    cp -r "$NSS_DIR" trusted-db
    certutil -M -d sql:trusted-db -f "$PIN_FILE" -n "p11cert Test Root CA" -t C,,
    run certutil -V -d sql:trusted-db -n edge -u V
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"certificate is valid"* ]]
    # p11cert check agrees.
    run p11cert_pin check --cert edge.crt --chain chain.crt --key "$TOKEN_URI;object=edge" --tls
    echo "$output"
    [ "$status" -eq 0 ]
    grep -q '^PASS  chain' <<<"$output"
}

@test "nss: check --tls: libp11 reuses the initialized softokn, and both handshakes pass" {
    p11cert_pin -q selfsign "$TOKEN_URI;object=web" --subject /CN=web.example.com \
        --out web.crt
    run p11cert_pin check --cert web.crt --key "$TOKEN_URI;object=web" \
        --domain web.example.com --tls
    echo "$output"
    [ "$status" -eq 0 ]
    grep -q '^PASS  key pair' <<<"$output"
    grep -q '^PASS  tls 1.2' <<<"$output"
    grep -q '^PASS  tls 1.3' <<<"$output"
    # Independently: the certificate's public key is the token key web's
    # (certutil -K, CKA_ID), and NSS's selfserv, serving the certificate with
    # that key from the token (a copy of the database, with the certificate
    # added by certutil), completes TLS 1.2 and 1.3 handshakes that openssl
    # s_client verifies.
    nss_has_key rsa web web.crt
    cp -r "$NSS_DIR" tls-db
    certutil -A -d sql:tls-db -f "$PIN_FILE" -n web-tls -t ,, -i web.crt
    certutil -L -d sql:tls-db | grep -qE '^web-tls +u,u,u'
    start_selfserv sql:tls-db web-tls
    tls_handshake_ok "$SELFSERV_PORT" 1.2 web.crt web.example.com
    tls_handshake_ok "$SELFSERV_PORT" 1.3 web.crt web.example.com
}

@test "nss: a wrong PIN fails with CKR_PIN_INCORRECT, nothing created" {
    printf 'wrong\n' >wrong-pin
    chmod 0600 wrong-pin
    before=$(nss_keys | wc -l)
    run p11cert --pin-source file:wrong-pin keygen "$TOKEN_URI" --label never
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"CKR_PIN_INCORRECT"* ]]
    [ "$(nss_keys | wc -l)" -eq "$before" ]
}

@test "nss: x-init-reserved from p11-kit's registry reaches C_Initialize (--module NAME)" {
    # p11-kit reads no user configuration as root: run p11cert as nobody, with a
    # HOME whose ~/.config/pkcs11/modules registers softokn with x-init-reserved.
    # Its directory must be reachable by nobody, which bats's own may not be: a
    # directory of its own, removed by teardown.
    local dir
    dir=$(mktemp -d "${TMPDIR:-/tmp}/p11cert-registry.XXXXXX")
    REGISTRY_DIR=$dir
    mkdir -p "$dir/home/.config/pkcs11/modules" "$dir/bin"
    make_nss_db "$dir/nssdb" "$dir/pin"
    cp "$(command -v p11cert)" "$dir/bin/p11cert"
    {
        echo "module: $NSS_MODULE"
        echo "x-init-reserved: $(nss_init_args "$dir/nssdb")"
    } >"$dir/home/.config/pkcs11/modules/nss-test.module"
    chown -R nobody "$dir"
    chmod 0755 "$dir"
    as_nobody() {
        env -u P11CERT_MODULE -u P11CERT_MODULE_INIT_ARGS HOME="$dir/home" \
            setpriv --reuid=nobody --regid=nogroup --clear-groups "$dir/bin/p11cert" "$@"
    }
    run as_nobody --module nss-test --json tokens
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *'"label": "NSS Certificate DB"'* ]]
    [[ $output == *'"module": "nss-test"'* ]]
    run as_nobody --module nss-test --pin-source "file:$dir/pin" keygen \
        "$TOKEN_URI" --label registry --type ec:p256
    echo "$output"
    [ "$status" -eq 0 ]
    certutil -K -d "sql:$dir/nssdb" -f "$dir/pin" | grep -qE 'ec +[0-9a-f]{40} +registry$'
    # The same module file without x-init-reserved: that line is what makes it work.
    echo "module: $NSS_MODULE" >"$dir/home/.config/pkcs11/modules/nss-test.module"
    run as_nobody --module nss-test tokens
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"CKR_ARGUMENTS_BAD"* ]]
}
