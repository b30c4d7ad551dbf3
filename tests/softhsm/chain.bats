#!/usr/bin/env bats
# p11cert chain: chain.crt in path order (the leaf's issuer first, the root
# last) from any files in any order, confirmed by `openssl verify`; missing
# links, expired certificates, broken signatures and loops named; a
# cross-signed root resolved to the trusted self-signed one. No token needed.

bats_require_minimum_version 1.5.0

load helpers

setup_file() {
    export CA=$BATS_FILE_TMPDIR/ca
    "$P11CERT_SRC/scripts/test-ca.sh" "$CA"
}

setup() {
    mkdir -p "$BATS_TEST_TMPDIR/work"
    cd "$BATS_TEST_TMPDIR/work"
}

# Subjects' CNs of the certificates in a PEM file, one a line.
cns() {
    openssl crl2pkcs7 -nocrl -certfile "$1" | openssl pkcs7 -print_certs -noout |
        sed -n 's/^subject=.*CN = //p'
}

# fails FILE... -- NEEDLE...: exit 1, the first stderr line names every
# NEEDLE, no chain.crt written.
fails_naming() {
    local args=() needle
    while [ "$1" != -- ]; do
        args+=("$1")
        shift
    done
    shift
    run --separate-stderr p11cert chain "${args[@]}" --out chain.crt
    [ "$status" -eq 1 ] || {
        echo "status $status: $stderr"
        return 1
    }
    for needle in "$@"; do
        [[ "${stderr%%$'\n'*}" == *"$needle"* ]] || {
            echo "\"$stderr\" lacks \"$needle\""
            return 1
        }
    done
    [ ! -e chain.crt ]
    [ -z "$(ls -A)" ]
}

@test "chain: chain.crt is issuer first, root last, and openssl verifies the leaf with it" {
    run p11cert chain "$CA/root.crt" "$CA/leaf.crt" "$CA/int1.crt" "$CA/int2.crt" --out chain.crt
    [ "$status" -eq 0 ]
    run cns chain.crt
    [ "${#lines[@]}" -eq 3 ]
    [ "${lines[0]}" = "p11cert Test Intermediate 2" ]
    [ "${lines[1]}" = "p11cert Test Intermediate 1" ]
    [ "${lines[2]}" = "p11cert Test Root CA" ]
    run openssl verify -CAfile "$CA/root.crt" -untrusted chain.crt "$CA/leaf.crt"
    [ "$status" -eq 0 ]
    # The root in chain.crt is the one openssl trusts.
    awk '/BEGIN/{n++} n==3' chain.crt >last.pem
    cmp last.pem "$CA/root.crt"
    run openssl verify -CAfile last.pem -untrusted chain.crt "$CA/leaf.crt"
    [ "$status" -eq 0 ]
}

@test "chain: the text output names each certificate of the path and the root" {
    run p11cert chain "$CA/leaf.p7b" --out chain.crt
    [ "$status" -eq 0 ]
    [[ "$output" == *"leaf"*"developers.example.com"* ]]
    [[ "$output" == *"root"*"p11cert Test Root CA"* ]]
    [[ "$output" == *"chain: chain.crt (3 certificates)"* ]]
}

@test "chain: --no-root leaves the root out" {
    run p11cert chain "$CA/leaf.p7b" --no-root --out chain.crt
    [ "$status" -eq 0 ]
    run cns chain.crt
    [ "${#lines[@]}" -eq 2 ]
    [ "${lines[0]}" = "p11cert Test Intermediate 2" ]
    [ "${lines[1]}" = "p11cert Test Intermediate 1" ]
    run openssl verify -CAfile "$CA/root.crt" -untrusted chain.crt "$CA/leaf.crt"
    [ "$status" -eq 0 ]
}

@test "chain: --fullchain is the leaf and the intermediates" {
    run p11cert chain "$CA/leaf.p7b" --out chain.crt --fullchain full.crt
    [ "$status" -eq 0 ]
    run cns full.crt
    [ "${#lines[@]}" -eq 3 ]
    [ "${lines[0]}" = "developers.example.com" ]
    [ "${lines[1]}" = "p11cert Test Intermediate 2" ]
    [ "${lines[2]}" = "p11cert Test Intermediate 1" ]
    run openssl verify -CAfile "$CA/root.crt" -untrusted full.crt full.crt
    [ "$status" -eq 0 ]
}

@test "chain: without --out, chain.crt goes to standard output" {
    run --separate-stderr p11cert chain "$CA/leaf.p12" --password-source "file:$CA/pfx-password"
    [ "$status" -eq 0 ]
    [ "$(grep -c 'BEGIN CERTIFICATE' <<<"$output")" -eq 3 ]
    [ -z "$(ls -A)" ]
}

@test "chain: shuffled inputs, other formats and duplicates give the same chain.crt" {
    run p11cert chain "$CA/leaf.crt" "$CA/int2.crt" "$CA/int1.crt" "$CA/root.crt" --out a.crt
    [ "$status" -eq 0 ]
    run p11cert chain "$CA/leaf-bundle.pem" "$CA/leaf.cer" --out b.crt
    [ "$status" -eq 0 ]
    run p11cert chain "$CA/root.crt" "$CA/leaf-certtool.p7b" "$CA/leaf-bundle.pem" "$CA/int2.crt" \
        "$CA/leaf.crt" --out c.crt
    [ "$status" -eq 0 ]
    cmp a.crt b.crt
    cmp a.crt c.crt
    [ "$(grep -c 'BEGIN CERTIFICATE' c.crt)" -eq 3 ]
}

@test "chain: a missing intermediate is an error naming it: exit 1, no output" {
    fails_naming "$CA/leaf.crt" "$CA/int2.crt" "$CA/root.crt" -- \
        "no issuer found for" "p11cert Test Intermediate 2" \
        "issuer \"CN=p11cert Test Intermediate 1" "AKI "
}

@test "chain: an expired intermediate is an error naming it: exit 1, no output" {
    fails_naming "$CA/leaf.crt" "$CA/int2-expired.crt" "$CA/int1.crt" "$CA/root.crt" -- \
        "p11cert Test Intermediate 2" "expired on 2021-01-01"
}

@test "chain: a broken signature is an error naming the certificate" {
    cp "$CA/leaf.cer" "$BATS_TEST_TMPDIR/bad.cer"
    local size last
    size=$(stat -c %s "$BATS_TEST_TMPDIR/bad.cer")
    last=$(tail -c 1 "$BATS_TEST_TMPDIR/bad.cer" | od -An -tu1 | tr -d ' ')
    printf "\\$(printf %03o $((last ^ 1)))" |
        dd of="$BATS_TEST_TMPDIR/bad.cer" bs=1 seek=$((size - 1)) conv=notrunc 2>/dev/null
    ! cmp -s "$CA/leaf.cer" "$BATS_TEST_TMPDIR/bad.cer" || false
    run openssl verify -CAfile "$CA/root.crt" -untrusted "$CA/leaf-bundle.pem" \
        "$BATS_TEST_TMPDIR/bad.cer"
    [ "$status" -ne 0 ]
    fails_naming "$BATS_TEST_TMPDIR/bad.cer" "$CA/leaf-bundle.pem" -- \
        "signature of \"CN=developers.example.com" "does not verify"
}

@test "chain: a loop is an error naming it" {
    fails_naming "$CA/loop-leaf.crt" "$CA/loop-a.crt" "$CA/loop-b.crt" -- \
        "a loop" "p11cert Test Loop"
}

@test "chain: cross-signed root: the trusted self-signed root is chosen and named" {
    run --separate-stderr p11cert chain "$CA/xleaf.crt" "$CA/newroot-cross.crt" "$CA/root.crt" \
        "$CA/xint.crt" "$CA/newroot.crt" --out chain.crt
    [ "$status" -eq 0 ]
    run cns chain.crt
    [ "${#lines[@]}" -eq 2 ]
    [ "${lines[1]}" = "p11cert Test Root R2" ]
    # The last certificate is the self-signed R2, not the cross-signed one.
    openssl crl2pkcs7 -nocrl -certfile chain.crt | openssl pkcs7 -print_certs |
        awk '/BEGIN/{n++} n==2' >last.pem
    [ "$(openssl x509 -in last.pem -noout -issuer)" = "issuer=O = p11cert test, CN = p11cert Test Root R2" ]
    [ "$(openssl x509 -in last.pem -noout -fingerprint)" = "$(openssl x509 -in "$CA/newroot.crt" -noout -fingerprint)" ]
    run openssl verify -CAfile last.pem -untrusted chain.crt "$CA/xleaf.crt"
    [ "$status" -eq 0 ]
}

@test "chain: cross-signed root: the path through the cross-certificate to the old root" {
    # R2 self-signed is absent: the path goes through the cross-certificate.
    run p11cert chain "$CA/xleaf.crt" "$CA/newroot-cross.crt" "$CA/root.crt" "$CA/xint.crt" \
        --out chain.crt
    [ "$status" -eq 0 ]
    run cns chain.crt
    [ "${#lines[@]}" -eq 3 ]
    [ "${lines[1]}" = "p11cert Test Root R2" ]
    [ "${lines[2]}" = "p11cert Test Root CA" ]
    run openssl verify -CAfile "$CA/root.crt" -untrusted chain.crt "$CA/xleaf.crt"
    [ "$status" -eq 0 ]
}

@test "chain: cross-signed root: an expired self-signed R2 gives way to the unexpired path" {
    run --separate-stderr p11cert chain "$CA/xleaf.crt" "$CA/newroot-expired.crt" \
        "$CA/newroot-cross.crt" "$CA/root.crt" "$CA/xint.crt" --out chain.crt
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"p11cert Test Root R2"*"expired"* ]]
    run cns chain.crt
    [ "${lines[2]}" = "p11cert Test Root CA" ]
    run openssl verify -CAfile "$CA/root.crt" -untrusted chain.crt "$CA/xleaf.crt"
    [ "$status" -eq 0 ]
}

@test "chain: --trust FILE: only its roots are anchors" {
    run p11cert chain "$CA/xleaf.crt" "$CA/newroot-cross.crt" "$CA/newroot.crt" "$CA/xint.crt" \
        --trust "$CA/root.crt" --out chain.crt
    [ "$status" -eq 0 ]
    run cns chain.crt
    [ "${lines[2]}" = "p11cert Test Root CA" ]
    rm chain.crt
    fails_naming "$CA/xleaf.crt" "$CA/newroot.crt" "$CA/xint.crt" --trust "$CA/root.crt" -- \
        "no issuer found for" "p11cert Test Intermediate R2"
    [[ "$stderr" == *"is among the inputs, but --trust does not trust it"* ]]
}

@test "chain: --trust system does not trust the test root" {
    fails_naming "$CA/leaf.p7b" --trust system -- "no issuer found for" "p11cert Test Intermediate 1"
}

@test "chain: two leaves need --leaf; the error names both" {
    fails_naming "$CA/leaf.p7b" "$CA/xleaf.crt" "$CA/xint.crt" "$CA/newroot.crt" -- \
        "2 leaf certificates" "developers.example.com" "gateway.example.com"
    [[ "$stderr" == *"--leaf"* ]]
    run p11cert chain "$CA/leaf.p7b" "$CA/xint.crt" "$CA/newroot.crt" --leaf "$CA/xleaf.crt" \
        --out chain.crt
    [ "$status" -eq 0 ]
    run cns chain.crt
    [ "${lines[0]}" = "p11cert Test Intermediate R2" ]
}

@test "chain: --json lists the path with roles" {
    run --separate-stderr p11cert --json chain "$CA/leaf.p7b" --out chain.crt
    [ "$status" -eq 0 ]
    [ "$(jq -r '.path | length' <<<"$output")" -eq 4 ]
    [ "$(jq -r '[.path[].role] | join(",")' <<<"$output")" = "leaf,intermediate,intermediate,root" ]
    [ "$(jq -r '.root' <<<"$output")" = "CN=p11cert Test Root CA,O=p11cert test" ]
    [ "$(jq -r '.path[0].sha256_fingerprint' <<<"$output" | tr -d :)" = "$(openssl x509 -in "$CA/leaf.crt" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g')" ]
}

@test "chain: an existing chain.crt is kept without --force" {
    echo keep >chain.crt
    run p11cert chain "$CA/leaf.p7b" --out chain.crt
    [ "$status" -eq 1 ]
    [ "$(cat chain.crt)" = keep ]
}
