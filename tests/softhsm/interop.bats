#!/usr/bin/env bats
# Keys p11cert generated are usable by other PKCS#11 consumers: OpenSSL's
# libp11 engine and GnuTLS certtool sign with them, and what they sign carries
# the same public key as p11cert's own CSR.
#
# The token holds RSA and EC keys only: libp11 0.4.12 (Debian 12) cannot
# enumerate the keys of a token that has an Ed25519 key on it.

load helpers

bats_require_minimum_version 1.5.0

setup_file() {
    setup_token interop
    p11cert_pin -q keygen "$TOKEN_URI" --label rsa-key --type rsa:2048 >/dev/null || return 1
    p11cert_pin -q keygen "$TOKEN_URI" --label ec-key --type ec:p256 >/dev/null || return 1
    # libp11 reads a pin-source file whole: the PIN without its newline.
    export ENGINE_PIN_FILE=$BATS_FILE_TMPDIR/engine-pin
    (
        umask 077
        printf '%s' "$(head -n 1 "$PIN_FILE")" >"$ENGINE_PIN_FILE"
    )
}

setup() {
    mkdir "$BATS_TEST_TMPDIR/work" && cd "$BATS_TEST_TMPDIR/work" || return 1
}

# p11cert's CSR for key LABEL, verified, its public key (DER SPKI) in OUT.
p11cert_csr_pubkey() {
    p11cert_pin -q csr "pkcs11:token=$TOKEN_LABEL;object=$1" --subject /CN=p11cert.example \
        --out p11cert.csr
    openssl req -in p11cert.csr -verify -noout
    pubkey_der p11cert.csr "$2"
}

# openssl req through the libp11 engine with the key LABEL; the request must
# verify and carry the same public key as p11cert's CSR.
engine_csr() {
    local label=$1
    run openssl req -new -engine pkcs11 -keyform engine \
        -key "pkcs11:token=$TOKEN_LABEL;object=$label;type=private;pin-source=file:$ENGINE_PIN_FILE" \
        -subj /CN=engine.example -out engine.csr
    echo "$output"
    [ "$status" -eq 0 ]
    run openssl req -in engine.csr -verify -noout
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"verify OK"* ]]
    p11cert_csr_pubkey "$label" p11cert.der
    pubkey_der engine.csr engine.der
    cmp p11cert.der engine.der
}

# certtool --generate-self-signed with the key LABEL (GnuTLS, --provider the
# SoftHSM module); openssl must verify the certificate, whose public key is the
# one in p11cert's CSR.
gnutls_selfsigned() {
    local label=$1
    cat >template <<'EOF'
cn = "gnutls.example"
dns_name = "gnutls.example"
expiration_days = 30
signing_key
tls_www_server
EOF
    run env GNUTLS_PIN="$(user_pin)" certtool --generate-self-signed \
        --load-privkey "pkcs11:token=$TOKEN_LABEL;object=$label;type=private" \
        --provider "$SOFTHSM_MODULE" --template template --outfile gnutls.pem
    [ "$status" -eq 0 ] || {
        echo "$output"
        return 1
    }
    run openssl verify -CAfile gnutls.pem gnutls.pem
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "gnutls.pem: OK" ]
    p11cert_csr_pubkey "$label" p11cert.der
    pubkey_der gnutls.pem gnutls.der
    cmp p11cert.der gnutls.der
}

@test "interop: OpenSSL libp11 engine signs a CSR with p11cert's RSA key" {
    PKCS11_MODULE_PATH=$SOFTHSM_MODULE engine_csr rsa-key
}

@test "interop: OpenSSL libp11 engine signs a CSR with p11cert's EC P-256 key" {
    PKCS11_MODULE_PATH=$SOFTHSM_MODULE engine_csr ec-key
}

@test "interop: libp11 engine through its default module (p11-kit-proxy) finds the key too" {
    # p11-kit-proxy loads the registered SoftHSM module, which reads SOFTHSM2_CONF.
    unset PKCS11_MODULE_PATH
    engine_csr rsa-key
}

@test "interop: GnuTLS certtool self-signs with p11cert's RSA key" {
    gnutls_selfsigned rsa-key
}

@test "interop: GnuTLS certtool self-signs with p11cert's EC P-256 key" {
    gnutls_selfsigned ec-key
}

@test "interop: the RSA key signs RSASSA-PSS through GnuTLS as well as through p11cert" {
    cat >template <<'EOF'
cn = "pss.example"
expiration_days = 30
signing_key
EOF
    run env GNUTLS_PIN="$(user_pin)" certtool --generate-self-signed --sign-params RSA-PSS \
        --load-privkey "pkcs11:token=$TOKEN_LABEL;object=rsa-key;type=private" \
        --provider "$SOFTHSM_MODULE" --template template --outfile pss.pem
    echo "$output" | tail -n 3
    [ "$status" -eq 0 ]
    run openssl x509 -in pss.pem -noout -text
    grep -Eq 'Signature Algorithm: (rsassaPss|RSASSA-PSS)' <<<"$output"
    run openssl verify -CAfile pss.pem pss.pem
    [ "$status" -eq 0 ]
    run p11cert_pin -q csr "pkcs11:token=$TOKEN_LABEL;object=rsa-key" --subject /CN=p.example --pss \
        --out p11cert-pss.csr
    [ "$status" -eq 0 ]
    openssl req -in p11cert-pss.csr -verify -noout
}
