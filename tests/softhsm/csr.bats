#!/usr/bin/env bats
# p11cert csr against a throwaway SoftHSM2 token; every request is checked
# with openssl (signature, subject, extensions, public key).

load helpers

bats_require_minimum_version 1.5.0

CLASSIC='/C=US/ST=California/L=Mountain View/O=WSO2/OU=IT/'
CLASSIC_RFC2253='OU=IT,O=WSO2,L=Mountain View,ST=California,C=US'

setup_file() {
    setup_token csr
    local spec label type
    for spec in rsa:rsa:2048 p256:ec:p256 p384:ec:p384 p521:ec:p521 ed25519:ed25519; do
        label=${spec%%:*}
        type=${spec#*:}
        p11cert_pin -q keygen "$TOKEN_URI" --label "$label" --type "$type" >/dev/null || {
            echo "setup_file: keygen $type failed" >&2
            return 1
        }
    done
}

# Each test runs in an empty directory of its own (bats keeps its own files in
# BATS_TEST_TMPDIR), so that "no file written" can be checked with ls.
setup() {
    mkdir "$BATS_TEST_TMPDIR/work" && cd "$BATS_TEST_TMPDIR/work" || return 1
}

key_uri() {
    printf 'pkcs11:token=%s;object=%s\n' "$TOKEN_LABEL" "$1"
}

req_text() {
    openssl req -in "$1" -noout -text
}

# csr_for_key LABEL SIGALG: CSR with the classic DN + CN, verified by openssl,
# subject read back, signature algorithm, and the public key is the token's.
csr_for_key() {
    local label=$1 sigalg=$2
    run --separate-stderr p11cert_pin csr "$(key_uri "$label")" \
        --subject "${CLASSIC}CN=api.example.com" --out req.pem
    echo "$stderr"
    [ "$status" -eq 0 ]
    verify_req req.pem
    run openssl req -in req.pem -noout -subject -nameopt RFC2253
    [ "$output" = "subject=CN=api.example.com,$CLASSIC_RFC2253" ]
    run openssl req -in req.pem -noout -subject -nameopt compat
    [ "$output" = "subject=${CLASSIC}CN=api.example.com" ]
    req_text req.pem | grep -q "Signature Algorithm: $sigalg\$"
    # The public key in the request is the one on the token.
    token_pubkey "$TOKEN_LABEL" "$label" token.der
    pubkey_der req.pem req.der
    cmp token.der req.der
}

@test "csr: RSA key, classic DN; openssl verifies it; the public key is the token's" {
    csr_for_key rsa sha256WithRSAEncryption
}

@test "csr: EC P-256 key" {
    csr_for_key p256 ecdsa-with-SHA256
}

@test "csr: EC P-384 key" {
    csr_for_key p384 ecdsa-with-SHA256
}

@test "csr: EC P-521 key" {
    csr_for_key p521 ecdsa-with-SHA256
}

@test "csr: Ed25519 key" {
    csr_for_key ed25519 ED25519
}

@test "csr: a trailing slash after the CN changes nothing" {
    run p11cert_pin -q csr "$(key_uri p256)" --subject "${CLASSIC}CN=api.example.com/" --out req.pem
    [ "$status" -eq 0 ]
    verify_req req.pem
    run openssl req -in req.pem -noout -subject -nameopt compat
    [ "$output" = "subject=${CLASSIC}CN=api.example.com" ]
}

@test "csr: RFC 4514 subject CN=api.example.com,O=Org,C=US is encoded C, O, CN" {
    run p11cert_pin -q csr "$(key_uri p256)" --subject 'CN=api.example.com,O=Org,C=US' --out req.pem
    [ "$status" -eq 0 ]
    verify_req req.pem
    run openssl req -in req.pem -noout -subject -nameopt compat
    [ "$output" = "subject=/C=US/O=Org/CN=api.example.com" ]
    run openssl req -in req.pem -noout -subject -nameopt RFC2253
    [ "$output" = "subject=CN=api.example.com,O=Org,C=US" ]
}

@test "csr: DN escapes: \\/ in the OpenSSL form, \\, in RFC 4514, + joins an RDN" {
    run p11cert_pin -q csr "$(key_uri p256)" --subject '/O=A\/B/CN=h.example+OU=z' --out a.pem
    [ "$status" -eq 0 ]
    run openssl req -in a.pem -noout -subject -nameopt RFC2253
    echo "$output"
    # Two RDNs: O, then CN and OU in one multi-valued RDN (RFC 2253 joins them with +).
    [ "$output" = "subject=CN=h.example+OU=z,O=A/B" ] || [ "$output" = "subject=OU=z+CN=h.example,O=A/B" ]
    run p11cert_pin -q csr "$(key_uri p256)" --subject 'CN=Smith\, John,O=Org' --out b.pem
    [ "$status" -eq 0 ]
    run openssl req -in b.pem -noout -subject -nameopt RFC2253
    [ "$output" = 'subject=CN=Smith\, John,O=Org' ]
}

@test "csr --san: DNS, IP (v4, v6), email and URI SANs are in the request; the CN is not added" {
    run --separate-stderr p11cert_pin csr "$(key_uri rsa)" --subject /CN=api.example.com \
        --san DNS:www.example.com --san IP:192.0.2.10 --san IP:2001:db8::1 \
        --san email:ops@example.com --san URI:https://example.com/x --out req.pem
    [ "$status" -eq 0 ]
    [[ $stderr != *"added"* ]]
    verify_req req.pem
    run req_text req.pem
    local san
    san=$(grep -A1 'X509v3 Subject Alternative Name' <<<"$output" | tail -n 1)
    echo "SAN: $san"
    [[ $san == *"DNS:www.example.com"* ]]
    [[ $san == *"IP Address:192.0.2.10"* ]]
    [[ $san == *"IP Address:2001:DB8:0:0:0:0:0:1"* ]]
    [[ $san == *"email:ops@example.com"* ]]
    [[ $san == *"URI:https://example.com/x"* ]]
    [[ $san != *"DNS:api.example.com"* ]]
}

@test "csr: no --san and a host-name CN adds DNS:CN, and says so on stderr" {
    run --separate-stderr p11cert_pin csr "$(key_uri rsa)" --subject /O=Org/CN=api.example.com --out req.pem
    [ "$status" -eq 0 ]
    echo "$stderr"
    [[ $stderr == *"DNS:api.example.com"* ]]
    verify_req req.pem
    run req_text req.pem
    [ "$(grep -A1 'X509v3 Subject Alternative Name' <<<"$output" | tail -n 1 | tr -d ' ')" = \
        DNS:api.example.com ]
}

@test "csr: no --san and a CN that is no host name: no SAN extension, nothing said" {
    run --separate-stderr p11cert_pin csr "$(key_uri rsa)" --subject '/O=Org/CN=John Smith' --out req.pem
    [ "$status" -eq 0 ]
    [[ $stderr != *"DNS:"* ]]
    verify_req req.pem
    run req_text req.pem
    [ "$status" -eq 0 ]
    [[ $output != *"Subject Alternative Name"* ]]
}

@test "csr --hash sha384 / sha512 (RSA), sha384 (EC)" {
    run p11cert_pin -q csr "$(key_uri rsa)" --subject /CN=h.example --hash sha384 --out 384.pem
    [ "$status" -eq 0 ]
    verify_req 384.pem
    req_text 384.pem | grep -q 'Signature Algorithm: sha384WithRSAEncryption'
    run p11cert_pin -q csr "$(key_uri rsa)" --subject /CN=h.example --hash sha512 --out 512.pem
    [ "$status" -eq 0 ]
    verify_req 512.pem
    req_text 512.pem | grep -q 'Signature Algorithm: sha512WithRSAEncryption'
    run p11cert_pin -q csr "$(key_uri p384)" --subject /CN=h.example --hash sha384 --out ec384.pem
    [ "$status" -eq 0 ]
    verify_req ec384.pem
    req_text ec384.pem | grep -q 'Signature Algorithm: ecdsa-with-SHA384'
}

@test "csr --hash md5 is a usage error (exit 2), no file" {
    run --separate-stderr p11cert_pin csr "$(key_uri rsa)" --subject /CN=h.example --hash md5 --out r.pem
    [ "$status" -eq 2 ]
    [[ $stderr == *md5* ]]
    [ ! -e r.pem ]
}

@test "csr --pss on RSA: RSASSA-PSS, openssl verifies it" {
    run p11cert_pin -q csr "$(key_uri rsa)" --subject /CN=h.example --pss --out pss.pem
    [ "$status" -eq 0 ]
    verify_req pss.pem
    run req_text pss.pem
    grep -Eq 'Signature Algorithm: (rsassaPss|RSASSA-PSS)' <<<"$output"
    grep -q 'Hash Algorithm: sha256' <<<"$output"
    # With --hash the PSS hash follows.
    run p11cert_pin -q csr "$(key_uri rsa)" --subject /CN=h.example --pss --hash sha384 --out pss384.pem
    [ "$status" -eq 0 ]
    verify_req pss384.pem
    req_text pss384.pem | grep -q 'Hash Algorithm: sha384'
}

@test "csr --pss on an EC key fails (exit 1), no file" {
    run --separate-stderr p11cert_pin csr "$(key_uri p256)" --subject /CN=h.example --pss --out pss.pem
    echo "$stderr"
    [ "$status" -eq 1 ]
    [[ $stderr == *"p11cert: csr:"* ]]
    [ ! -e pss.pem ]
    [ -z "$(ls -A .)" ]
}

@test "csr --der --out: DER that openssl req -inform DER verifies" {
    run p11cert_pin -q csr "$(key_uri p256)" --subject /CN=h.example --der --out req.der
    [ "$status" -eq 0 ]
    verify_req req.der DER
    run ! grep -q -- '-----BEGIN' req.der
    run openssl req -inform DER -in req.der -noout -subject -nameopt compat
    [ "$output" = "subject=/CN=h.example" ]
}

@test "csr --der without --out is a usage error (exit 2)" {
    run --separate-stderr p11cert_pin csr "$(key_uri p256)" --subject /CN=h.example --der
    [ "$status" -eq 2 ]
    [ -z "$output" ]
}

@test "csr without --out writes PEM to stdout and no file" {
    run --separate-stderr p11cert_pin csr "$(key_uri p256)" --subject /CN=h.example
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "-----BEGIN CERTIFICATE REQUEST-----" ]
    [ "${lines[-1]}" = "-----END CERTIFICATE REQUEST-----" ]
    printf '%s\n' "$output" >"$BATS_FILE_TMPDIR/stdout.pem"
    verify_req "$BATS_FILE_TMPDIR/stdout.pem"
    [ -z "$(ls -A .)" ]
}

@test "csr: an existing --out file is refused (exit 1, unchanged); --force replaces it" {
    printf 'keep me\n' >req.pem
    run --separate-stderr p11cert_pin csr "$(key_uri p256)" --subject /CN=h.example --out req.pem
    echo "$stderr"
    [ "$status" -eq 1 ]
    [[ $stderr == *"--force"* ]]
    [ "$(cat req.pem)" = "keep me" ]
    [ "$(ls -A .)" = req.pem ] # no temporary file left beside it
    run p11cert_pin -q csr "$(key_uri p256)" --subject /CN=h.example --out req.pem --force
    [ "$status" -eq 0 ]
    verify_req req.pem
    [ "$(ls -A .)" = req.pem ]
}

@test "csr: bad DNs (/C=USA/CN=x, /XX=y, /CN=) are usage errors (exit 2), no file" {
    local dn
    for dn in '/C=USA/CN=x' '/XX=y' '/CN=' 'CN=x,,O=y' '/CN=a\'; do
        run --separate-stderr p11cert_pin csr "$(key_uri p256)" --subject "$dn" --out req.pem
        echo "$dn -> $status: $stderr"
        [ "$status" -eq 2 ]
        [[ $stderr == "p11cert: csr: "* ]]
        [ ! -e req.pem ]
    done
    [ -z "$(ls -A .)" ]
}

@test "csr: bad SANs are usage errors (exit 2), no file" {
    local san
    for san in 'DNS:' 'DNS:-bad-.example' 'IP:1.2.3' 'IP:300.1.1.1' 'email:nope' \
        'URI:not a uri' 'FOO:x' 'www.example.com'; do
        run --separate-stderr p11cert_pin csr "$(key_uri p256)" --subject /CN=h.example \
            --san "$san" --out req.pem
        echo "$san -> $status: $stderr"
        [ "$status" -eq 2 ]
        [[ $stderr == "p11cert: csr: "* ]]
        [ ! -e req.pem ]
    done
}

@test "csr without --subject is a usage error (exit 2)" {
    run --separate-stderr p11cert_pin csr "$(key_uri p256)" --out req.pem
    [ "$status" -eq 2 ]
    [[ $stderr == *--subject* ]]
    [ ! -e req.pem ]
}

@test "csr --json: subject, san, key, signature_algorithm, pem; the pem verifies" {
    run --separate-stderr p11cert_pin --json csr "$(key_uri rsa)" --subject 'CN=api.example.com,O=Org,C=US' \
        --san DNS:api.example.com --san IP:192.0.2.1
    [ "$status" -eq 0 ]
    printf '%s\n' "$output" >out.json
    python3 -m json.tool out.json >/dev/null
    run python3 - out.json <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("subject", "san", "key", "signature_algorithm", "pem"):
    assert k in d, "missing " + k
assert d["san"] == ["DNS:api.example.com", "IP:192.0.2.1"], d["san"]
assert d["key"].startswith("pkcs11:"), d["key"]
print(d["subject"])
print(d["signature_algorithm"])
open("json.pem", "w").write(d["pem"])
EOF
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "CN=api.example.com,O=Org,C=US" ]
    [ "${lines[1]}" = sha256WithRSAEncryption ]
    verify_req json.pem
    run openssl req -in json.pem -noout -subject -nameopt RFC2253
    [ "$output" = "subject=CN=api.example.com,O=Org,C=US" ]
}
