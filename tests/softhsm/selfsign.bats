#!/usr/bin/env bats
# p11cert selfsign against a throwaway SoftHSM2 token; certificates are checked
# with openssl (verify, extensions, dates, public key) and GnuTLS certtool.

load helpers

bats_require_minimum_version 1.5.0

setup_file() {
    setup_token selfsign
    local spec label type
    for spec in rsa:rsa:2048 p256:ec:p256 ed25519:ed25519; do
        label=${spec%%:*}
        type=${spec#*:}
        p11cert_pin -q keygen "$TOKEN_URI" --label "$label" --type "$type" >/dev/null || {
            echo "setup_file: keygen $type failed" >&2
            return 1
        }
    done
}

setup() {
    mkdir "$BATS_TEST_TMPDIR/work" && cd "$BATS_TEST_TMPDIR/work" || return 1
}

key_uri() {
    printf 'pkcs11:token=%s;object=%s\n' "$TOKEN_LABEL" "$1"
}

# The text of the extension NAME in openssl x509 -text (the lines below it).
ext_value() {
    openssl x509 -in "$1" -noout -text | grep -A1 "X509v3 $2" | tail -n 1 | sed 's/^ *//'
}

# selfsign_for_key LABEL SIGALG
selfsign_for_key() {
    local label=$1 sigalg=$2
    run --separate-stderr p11cert_pin selfsign "$(key_uri "$label")" \
        --subject '/C=US/O=Org/CN=www.example.com' --san DNS:www.example.com \
        --san DNS:alt.example.com --san IP:192.0.2.7 --days 30 --out cert.pem
    echo "$stderr"
    [ "$status" -eq 0 ]

    # Self-signed: it verifies against itself.
    run openssl verify -CAfile cert.pem cert.pem
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "cert.pem: OK" ]

    run openssl x509 -in cert.pem -noout -subject -issuer -nameopt RFC2253
    [ "${lines[0]}" = "subject=CN=www.example.com,O=Org,C=US" ]
    [ "${lines[1]}" = "issuer=CN=www.example.com,O=Org,C=US" ]
    openssl x509 -in cert.pem -noout -text | grep -q "Signature Algorithm: $sigalg\$"
    openssl x509 -in cert.pem -noout -text | grep -q 'Version: 3 (0x2)'

    # Extensions.
    [ "$(ext_value cert.pem 'Basic Constraints')" = CA:FALSE ]
    [ "$(ext_value cert.pem 'Key Usage')" = "Digital Signature" ]
    [ "$(ext_value cert.pem 'Extended Key Usage')" = "TLS Web Server Authentication" ]
    [[ $(ext_value cert.pem 'Subject Key Identifier') =~ ^([0-9A-F]{2}:){19}[0-9A-F]{2}$ ]]
    [ "$(ext_value cert.pem 'Subject Alternative Name')" = \
        "DNS:www.example.com, DNS:alt.example.com, IP Address:192.0.2.7" ]

    # --days 30: still valid in 29 days, expired in 31.
    run openssl x509 -in cert.pem -noout -checkend $((29 * 86400))
    [ "$status" -eq 0 ]
    run openssl x509 -in cert.pem -noout -checkend $((31 * 86400))
    [ "$status" -eq 1 ]
    # And valid now (-checkend 0).
    run openssl x509 -in cert.pem -noout -checkend 0
    [ "$status" -eq 0 ]

    # The public key is the token's.
    token_pubkey "$TOKEN_LABEL" "$label" token.der
    pubkey_der cert.pem cert.der
    cmp token.der cert.der

    # GnuTLS parses it too, and reads the same subject and SANs.
    run certtool -i --infile cert.pem
    [ "$status" -eq 0 ]
    grep -q 'Subject: C=US,O=Org,CN=www.example.com' <<<"$output" ||
        grep -q 'Subject: CN=www.example.com,O=Org,C=US' <<<"$output"
    grep -q 'DNSname: alt.example.com' <<<"$output"
    grep -q 'IPAddress: 192.0.2.7' <<<"$output"
    grep -q 'Certificate Authority (CA): FALSE' <<<"$output"
}

@test "selfsign: RSA key: verifies, CA:FALSE, digitalSignature, serverAuth, SKI, SANs, 30 days" {
    selfsign_for_key rsa sha256WithRSAEncryption
}

@test "selfsign: EC P-256 key" {
    selfsign_for_key p256 ecdsa-with-SHA256
}

@test "selfsign: Ed25519 key" {
    selfsign_for_key ed25519 ED25519
}

@test "selfsign: default validity is 365 days" {
    run p11cert_pin -q selfsign "$(key_uri p256)" --subject /CN=h.example --out cert.pem
    [ "$status" -eq 0 ]
    run openssl x509 -in cert.pem -noout -checkend $((364 * 86400))
    [ "$status" -eq 0 ]
    run openssl x509 -in cert.pem -noout -checkend $((366 * 86400))
    [ "$status" -eq 1 ]
}

@test "selfsign: no --san and a host-name CN adds DNS:CN" {
    run --separate-stderr p11cert_pin selfsign "$(key_uri p256)" --subject /CN=h.example --out cert.pem
    [ "$status" -eq 0 ]
    [[ $stderr == *"DNS:h.example"* ]]
    [ "$(ext_value cert.pem 'Subject Alternative Name')" = DNS:h.example ]
}

@test "selfsign --hash sha384 on RSA" {
    run p11cert_pin -q selfsign "$(key_uri rsa)" --subject /CN=h.example --hash sha384 --out cert.pem
    [ "$status" -eq 0 ]
    run openssl verify -CAfile cert.pem cert.pem
    [ "$status" -eq 0 ]
    openssl x509 -in cert.pem -noout -text | grep -q 'Signature Algorithm: sha384WithRSAEncryption'
}

@test "selfsign --days 0, 3651 and abc are usage errors (exit 2), no file" {
    local d
    for d in 0 3651 abc -5; do
        run --separate-stderr p11cert_pin selfsign "$(key_uri p256)" --subject /CN=h.example \
            --days "$d" --out cert.pem
        echo "$d -> $status: $stderr"
        [ "$status" -eq 2 ]
        [[ $stderr == *--days* ]]
        [ ! -e cert.pem ]
    done
}

@test "selfsign: an existing --out file is refused (exit 1, unchanged); --force replaces it" {
    printf 'keep me\n' >cert.pem
    run --separate-stderr p11cert_pin selfsign "$(key_uri p256)" --subject /CN=h.example --out cert.pem
    [ "$status" -eq 1 ]
    [ "$(cat cert.pem)" = "keep me" ]
    [ "$(ls -A .)" = cert.pem ]
    run p11cert_pin -q selfsign "$(key_uri p256)" --subject /CN=h.example --out cert.pem --force
    [ "$status" -eq 0 ]
    run openssl verify -CAfile cert.pem cert.pem
    [ "$status" -eq 0 ]
}

@test "selfsign --der --out: DER that openssl reads and verifies" {
    run p11cert_pin -q selfsign "$(key_uri p256)" --subject /CN=h.example --der --out cert.der
    [ "$status" -eq 0 ]
    openssl x509 -inform DER -in cert.der -out cert.pem
    run openssl verify -CAfile cert.pem cert.pem
    [ "$status" -eq 0 ]
}

@test "selfsign --json: subject, issuer, serial, RFC 3339 dates, sha256_fingerprint match openssl" {
    run --separate-stderr p11cert_pin --json selfsign "$(key_uri rsa)" --subject /CN=h.example --days 30
    [ "$status" -eq 0 ]
    printf '%s\n' "$output" >out.json
    run python3 - out.json <<'EOF'
import json, re, sys
d = json.load(open(sys.argv[1]))
for k in ("subject", "issuer", "serial", "not_before", "not_after", "sha256_fingerprint", "pem"):
    assert k in d, "missing " + k
for k in ("not_before", "not_after"):
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)", d[k]), d[k]
open("json.pem", "w").write(d["pem"])
print(d["subject"]); print(d["issuer"]); print(d["serial"]); print(d["sha256_fingerprint"])
EOF
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = CN=h.example ]
    [ "${lines[1]}" = CN=h.example ]
    local serial fp
    serial=$(openssl x509 -in json.pem -noout -serial)
    fp=$(openssl x509 -in json.pem -noout -fingerprint -sha256)
    [ "$(tr a-f A-F <<<"${lines[2]}" | tr -d :)" = "${serial#serial=}" ]
    [ "$(tr a-f A-F <<<"${lines[3]}" | tr -d :)" = "$(tr -d : <<<"${fp#*=}")" ]
    run openssl verify -CAfile json.pem json.pem
    [ "$status" -eq 0 ]
}
