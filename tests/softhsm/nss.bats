#!/usr/bin/env bats
# The token workflow on a second, independent PKCS#11 implementation: NSS softokn
# (libsoftokn3.so) over a throwaway NSS database, token "NSS Certificate DB".
# softokn needs C_Initialize's reserved arguments naming its database
# (--module-init-args, $P11CERT_MODULE_INIT_ARGS, or x-init-reserved in p11-kit's
# registry). What p11cert did is checked with NSS's own certutil, and openssl.

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
    export FILES=$BATS_FILE_TMPDIR
    p11cert_pin -q keygen "$TOKEN_URI" --label web --type rsa:2048 >/dev/null || return 1
    p11cert_pin -q keygen "$TOKEN_URI" --label edge --type ec:p256 >/dev/null || return 1
}

setup() {
    mkdir "$BATS_TEST_TMPDIR/work" && cd "$BATS_TEST_TMPDIR/work" || return 1
}

teardown() {
    [ -z "${REGISTRY_DIR:-}" ] || rm -rf "$REGISTRY_DIR"
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

# SHA-1 of the EC point (65 bytes for P-256) of the public key in FILE.
ec_id_of() {
    local der=$BATS_TEST_TMPDIR/id.der
    pubkey_der "$1" "$der" || return 1
    tail -c 65 "$der" | sha1sum | cut -d' ' -f1
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
    p11cert_pin -q csr "$TOKEN_URI;object=web" --subject /CN=web.example.com --out web.csr
    p11cert_pin -q csr "$TOKEN_URI;object=edge" --subject /CN=edge.example.com --out edge.csr
    run nss_keys
    echo "$output"
    grep -qE "^rsa +$(rsa_id_of web.csr) +web$" <<<"$output"
    grep -qE "^ec +$(ec_id_of edge.csr) +edge$" <<<"$output"
}

@test "nss: keygen rsa:3072, ec:p384 and ec:p521 too" {
    for type in rsa:3072 ec:p384 ec:p521; do
        run p11cert_pin keygen "$TOKEN_URI" --label "k-$type" --type "$type"
        echo "$output"
        [ "$status" -eq 0 ]
    done
    run nss_keys
    echo "$output"
    [[ $output == *"k-rsa:3072"* && $output == *"k-ec:p384"* && $output == *"k-ec:p521"* ]]
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
    p11cert_pin -q csr "$TOKEN_URI;object=web" --subject /CN=web.example.com --pss --out pss.csr
    openssl req -in pss.csr -noout -verify
    openssl req -in pss.csr -noout -text | grep -q rsassaPss
    p11cert_pin -q csr "$TOKEN_URI;object=edge" --subject /CN=edge.example.com --hash sha384 \
        --out edge.csr
    openssl req -in edge.csr -noout -verify
    openssl req -in edge.csr -noout -text | grep -q ecdsa-with-SHA384
}

@test "nss: selfsign RSA and EC; openssl verifies each against itself" {
    for key in web edge; do
        p11cert_pin -q selfsign "$TOKEN_URI;object=$key" --subject "/CN=$key.example.com" \
            --days 30 --out "$key.crt"
        openssl verify -CAfile "$key.crt" "$key.crt"
    done
}

@test "nss: import: certutil -L lists the certificate under the key's label, and it is the file's" {
    p11cert_pin -q selfsign "$TOKEN_URI;object=web" --subject /CN=web.example.com \
        --out "$FILES/web.crt" --force
    run p11cert_pin import "$FILES/web.crt" --token "$TOKEN_URI"
    echo "$output"
    [ "$status" -eq 0 ]
    certutil -L -d "sql:$NSS_DIR" | grep -qE '^web +u,u,u'
    certutil -L -d "sql:$NSS_DIR" -n web -a >exported.pem
    [ "$(openssl x509 -in exported.pem -outform DER | sha256sum)" = \
        "$(openssl x509 -in "$FILES/web.crt" -outform DER | sha256sum)" ]
    # certutil -K now names the key by its certificate: the pair is linked by CKA_ID.
    nss_keys | grep -qE "^rsa +$(rsa_id_of "$FILES/web.crt") +web$"
    run p11cert_pin import "$FILES/web.crt" --token "$TOKEN_URI"
    [ "$status" -eq 0 ]
    [[ $output == *"already"* ]]
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
    grep -q '^p11cert Test Root CA' <<<"$output"
    grep -q '^p11cert Test Intermediate 1' <<<"$output"
    run p11cert_pin check --cert edge.crt --chain chain.crt --key "$TOKEN_URI;object=edge" --tls
    echo "$output"
    [ "$status" -eq 0 ]
    grep -q '^PASS  chain' <<<"$output"
}

@test "nss: check --tls: libp11 reuses the initialized softokn, and both handshakes pass" {
    [ -e "$FILES/web.crt" ] || p11cert_pin -q selfsign "$TOKEN_URI;object=web" \
        --subject /CN=web.example.com --out "$FILES/web.crt"
    run p11cert_pin check --cert "$FILES/web.crt" --key "$TOKEN_URI;object=web" \
        --domain web.example.com --tls
    echo "$output"
    [ "$status" -eq 0 ]
    grep -q '^PASS  key pair' <<<"$output"
    grep -q '^PASS  tls 1.2' <<<"$output"
    grep -q '^PASS  tls 1.3' <<<"$output"
}

@test "nss: a wrong PIN fails with CKR_PIN_INCORRECT, nothing created" {
    printf 'wrong\n' >wrong-pin
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
