#!/usr/bin/env bats
# p11cert convert: every reply format a CA sends, from two producers
# (openssl and GnuTLS certtool, via scripts/test-ca.sh), becomes PEM that
# openssl reads back and verifies; malformed input fails with one line and
# no output file. No token needed.

bats_require_minimum_version 1.5.0

load helpers

setup_file() {
    export CA=$BATS_FILE_TMPDIR/ca
    "$P11CERT_SRC/scripts/test-ca.sh" "$CA"
    # A request from elsewhere (a software key: test data), signed through
    # the same intermediates: the replies a vendor sends for a CSR.
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$BATS_FILE_TMPDIR/req.key" -subj "/CN=api.example.com" \
        -addext "subjectAltName=DNS:api.example.com" -out "$BATS_FILE_TMPDIR/req.csr" 2>/dev/null
    "$P11CERT_SRC/scripts/test-ca.sh" "$CA" sign "$BATS_FILE_TMPDIR/req.csr" "$CA/reply"
}

setup() {
    mkdir -p "$BATS_TEST_TMPDIR/work"
    cd "$BATS_TEST_TMPDIR/work"
}

fingerprint() {
    openssl x509 -in "$1" -inform "${2:-PEM}" -noout -fingerprint -sha256
}

# Subjects of the certificates in a PEM file, one a line.
subjects() {
    openssl crl2pkcs7 -nocrl -certfile "$1" | openssl pkcs7 -print_certs -noout |
        sed -n 's/^subject=//p'
}

# convert_ok FILE N LEAF: converts FILE with the test password; the result
# holds N certificates, the first is LEAF, and openssl verifies it with the
# others of the file as the untrusted set (a lone leaf: with the CA's).
convert_ok() {
    local file=$1 n=$2 leaf=$3
    rm -f out.pem
    run p11cert convert --password-source "file:$CA/pfx-password" "$file" --out out.pem
    [ "$status" -eq 0 ] || {
        echo "$output"
        return 1
    }
    [ "$(grep -c 'BEGIN CERTIFICATE' out.pem)" -eq "$n" ]
    [ "$(fingerprint out.pem)" = "$(fingerprint "$leaf")" ]
    ! grep -q 'PRIVATE KEY' out.pem || false
    if [ "$n" -eq 1 ]; then
        run openssl verify -CAfile "$CA/root.crt" -untrusted "$CA/int1.crt" \
            -untrusted "$CA/int2.crt" out.pem
    else
        run openssl verify -CAfile "$CA/root.crt" -untrusted out.pem out.pem
    fi
    [ "$status" -eq 0 ]
}

# bad_input FILE NEEDLE: exit 1, exactly one line on stderr containing
# NEEDLE, and no output file.
bad_input() {
    local file=$1 needle=$2
    run --separate-stderr p11cert convert --password-source "file:$CA/pfx-password" "$file" \
        --out out.pem
    [ "$status" -eq 1 ] || {
        echo "status $status: $stderr"
        return 1
    }
    [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] || {
        echo "not one line: $stderr"
        return 1
    }
    [[ "$stderr" == *"$needle"* ]] || {
        echo "\"$stderr\" lacks \"$needle\""
        return 1
    }
    [ ! -e out.pem ]
    [ -z "$(ls -A)" ]
}

@test "convert: a PEM certificate and a DER one (.cer) give the same PEM" {
    convert_ok "$CA/leaf.crt" 1 "$CA/leaf.crt"
    cp out.pem from-pem.pem
    convert_ok "$CA/leaf.cer" 1 "$CA/leaf.crt"
    cmp out.pem from-pem.pem
    cmp out.pem <(openssl x509 -in "$CA/leaf.cer" -inform DER)
}

@test "convert: PKCS#7 from openssl crl2pkcs7, DER and PEM, leaf first" {
    convert_ok "$CA/leaf.p7b" 4 "$CA/leaf.crt"
    convert_ok "$CA/leaf-pem.p7b" 4 "$CA/leaf.crt"
}

@test "convert: PKCS#7 from GnuTLS certtool --p7-generate, PEM and DER" {
    convert_ok "$CA/leaf-certtool.p7b" 4 "$CA/leaf.crt"
    convert_ok "$CA/leaf-certtool-der.p7b" 4 "$CA/leaf.crt"
}

@test "convert: PKCS#12 from openssl pkcs12 -export (modern) with a password" {
    convert_ok "$CA/leaf.p12" 4 "$CA/leaf.crt"
    run --separate-stderr p11cert --json convert --password-source "file:$CA/pfx-password" \
        "$CA/leaf.p12"
    [ "$status" -eq 0 ]
    [ "$(jq -r '.format[0]' <<<"$output")" = "PKCS#12" ]
}

@test "convert: legacy PKCS#12 (openssl -legacy: RC2-40, 3DES) through the legacy provider" {
    openssl pkcs12 -in "$CA/leaf-legacy.p12" -info -noout -passin "file:$CA/pfx-password" \
        2>&1 | grep -q 'RC2-40\|40BitRC2'
    convert_ok "$CA/leaf-legacy.p12" 4 "$CA/leaf.crt"
    run --separate-stderr p11cert --json convert --password-source "file:$CA/pfx-password" \
        "$CA/leaf-legacy.p12"
    [ "$status" -eq 0 ]
    [ "$(jq -r '.format[0]' <<<"$output")" = "PKCS#12 (legacy)" ]
    [ "$(jq -r '.private_key_found' <<<"$output")" = true ]
}

@test "convert: PKCS#12 from GnuTLS certtool --to-p12" {
    convert_ok "$CA/leaf-certtool.p12" 4 "$CA/leaf.crt"
}

@test "convert: PKCS#12 with an empty password needs no --password-source" {
    run p11cert convert "$CA/leaf-nopass.p12" --out out.pem
    [ "$status" -eq 0 ]
    [ "$(grep -c 'BEGIN CERTIFICATE' out.pem)" -eq 4 ]
    [ "$(fingerprint out.pem)" = "$(fingerprint "$CA/leaf.crt")" ]
}

@test "convert: the replies for a CSR signed by the test CA, every format" {
    for f in reply.crt reply.cer; do
        convert_ok "$CA/$f" 1 "$CA/reply.crt"
    done
    for f in reply.p7b reply-pem.p7b reply-certtool.p7b reply-certtool-der.p7b reply.p12 \
        reply-legacy.p12; do
        convert_ok "$CA/$f" 4 "$CA/reply.crt"
    done
    # The certificate is for the request's key.
    [ "$(openssl x509 -in out.pem -noout -pubkey)" = "$(openssl pkey -in "$BATS_FILE_TMPDIR/req.key" -pubout)" ]
}

@test "convert: PEM with a UTF-8 BOM, CRLF line ends and text before and between the blocks" {
    {
        printf '\xef\xbb\xbfYour certificate is ready.\r\n\r\n'
        sed 's/$/\r/' "$CA/leaf.crt"
        printf 'Intermediate:\r\n'
        sed 's/$/\r/' "$CA/int2.crt"
    } >messy.pem
    run p11cert convert messy.pem --out out.pem
    [ "$status" -eq 0 ]
    [ "$(grep -c 'BEGIN CERTIFICATE' out.pem)" -eq 2 ]
    ! grep -q $'\r' out.pem || false
    [ "$(fingerprint out.pem)" = "$(fingerprint "$CA/leaf.crt")" ]
}

@test "convert: several files, duplicates dropped, leaf first whatever the input order" {
    run --separate-stderr p11cert convert "$CA/leaf-bundle.pem" "$CA/leaf.p7b" "$CA/leaf.cer" \
        "$CA/root.crt" --out out.pem
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"duplicate certificates dropped"* ]]
    [ "$(grep -c 'BEGIN CERTIFICATE' out.pem)" -eq 4 ]
    run subjects out.pem
    [ "${lines[0]}" = "O = p11cert test, CN = developers.example.com" ]
    [ "${lines[1]}" = "O = p11cert test, CN = p11cert Test Intermediate 2" ]
    [ "${lines[2]}" = "O = p11cert test, CN = p11cert Test Intermediate 1" ]
    [ "${lines[3]}" = "O = p11cert test, CN = p11cert Test Root CA" ]
    run openssl verify -CAfile "$CA/root.crt" -untrusted out.pem "$CA/leaf.crt"
    [ "$status" -eq 0 ]
}

@test "convert: a shuffled CA bundle comes out ordered from its lowest CA" {
    run p11cert convert "$CA/leaf-bundle.pem" --out out.pem
    [ "$status" -eq 0 ]
    run subjects out.pem
    [ "${lines[0]}" = "O = p11cert test, CN = p11cert Test Intermediate 2" ]
    [ "${lines[2]}" = "O = p11cert test, CN = p11cert Test Root CA" ]
}

@test "convert: --der writes one DER certificate; more than one is a usage error" {
    run p11cert convert "$CA/leaf.crt" --der --out out.der
    [ "$status" -eq 0 ]
    cmp out.der "$CA/leaf.cer"
    run p11cert convert "$CA/leaf.p7b" --der --out two.der
    [ "$status" -eq 2 ]
    [ ! -e two.der ]
    run p11cert convert "$CA/leaf.crt" --der
    [ "$status" -eq 2 ]
}

@test "convert: a PKCS#12 private key is never written; the note says how to use it" {
    run --separate-stderr p11cert convert --password-source "file:$CA/pfx-password" \
        "$CA/leaf.p12" --out out.pem
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"holds a private key: it was not written"* ]]
    [[ "$stderr" == *"--import-key"* ]]
    [[ "$stderr" == *"--key-out"* ]]
    ! grep -q 'PRIVATE' out.pem || false
    [ "$(ls -A)" = out.pem ]
}

@test "convert: --import-key needs --label, --label needs --import-key (usage errors)" {
    run p11cert convert "$CA/leaf.p12" --import-key "pkcs11:token=x"
    [ "$status" -eq 2 ]
    run p11cert convert "$CA/leaf.p12" --label web
    [ "$status" -eq 2 ]
    run p11cert convert "$CA/leaf.crt" --key-out key.pem
    [ "$status" -eq 1 ]
    [[ "$output" == *"no private key among the inputs"* ]]
    [ ! -e key.pem ]
}

@test "convert: --json lists the certificates and the format of each input" {
    run --separate-stderr p11cert --json convert "$CA/leaf.cer" "$CA/leaf-pem.p7b" --out out.pem
    [ "$status" -eq 0 ]
    [ "$(jq -r '.certificates | length' <<<"$output")" -eq 4 ]
    [ "$(jq -r '.format | join(",")' <<<"$output")" = "DER,PKCS#7" ]
    [ "$(jq -r '.out' <<<"$output")" = out.pem ]
    [ "$(jq -r '.certificates[0].subject' <<<"$output")" = "CN=developers.example.com,O=p11cert test" ]
}

@test "convert: an existing output file is kept without --force" {
    echo keep >out.pem
    run p11cert convert "$CA/leaf.crt" --out out.pem
    [ "$status" -eq 1 ]
    [ "$(cat out.pem)" = keep ]
    run p11cert convert "$CA/leaf.crt" --out out.pem --force
    [ "$status" -eq 0 ]
    [ "$(fingerprint out.pem)" = "$(fingerprint "$CA/leaf.crt")" ]
}

@test "convert: wrong PFX password: exit 1, one line, no output" {
    mkdir in && echo "not-the-password" >in/pw
    chmod 0600 in/pw
    run --separate-stderr p11cert convert --password-source file:in/pw "$CA/leaf.p12" --out out.pem
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"wrong password"* ]]
    [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
    [ ! -e out.pem ]
    run --separate-stderr p11cert convert "$CA/leaf.p12" --out out.pem
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"needs a password: give --password-source"* ]]
    [ ! -e out.pem ]
}

@test "convert: garbage: exit 1, one line, no output" {
    head -c 300 /dev/urandom | tr '\060' '\061' >"$BATS_FILE_TMPDIR/garbage.bin"
    bad_input "$BATS_FILE_TMPDIR/garbage.bin" "not a certificate"
    printf 'Dear customer, your certificate will follow.\n' >"$BATS_FILE_TMPDIR/letter.txt"
    bad_input "$BATS_FILE_TMPDIR/letter.txt" "text without a \"-----BEGIN\" PEM line"
    printf -- '-----BEGIN CERTIFICATE-----\n%%%%garbage%%%%\n-----END CERTIFICATE-----\n' \
        >"$BATS_FILE_TMPDIR/garbage.pem"
    bad_input "$BATS_FILE_TMPDIR/garbage.pem" "no readable PEM block: bad base64 decode"
}

@test "convert: truncated DER: exit 1, one line, no output" {
    head -c 400 "$CA/leaf.cer" >"$BATS_FILE_TMPDIR/truncated.cer"
    bad_input "$BATS_FILE_TMPDIR/truncated.cer" "truncated DER"
}

@test "convert: an empty file and a directory: exit 1, one line, no output" {
    : >"$BATS_FILE_TMPDIR/empty.crt"
    bad_input "$BATS_FILE_TMPDIR/empty.crt" "is empty"
    mkdir -p "$BATS_FILE_TMPDIR/adir"
    bad_input "$BATS_FILE_TMPDIR/adir" "is a directory"
    bad_input "$BATS_FILE_TMPDIR/no-such-file.crt" "No such file"
}

@test "convert: a file over 16 MiB: exit 1, one line, no output" {
    truncate -s 17M "$BATS_FILE_TMPDIR/huge.crt"
    bad_input "$BATS_FILE_TMPDIR/huge.crt" "larger than 16 MiB"
}

@test "convert: a .p7b with no certificates: exit 1, one line, no output" {
    bad_input "$CA/empty.p7b" "holds no certificates"
}

@test "convert: UTF-16 PEM (with and without a BOM): exit 1, says convert it to UTF-8" {
    iconv -f UTF-8 -t UTF-16 "$CA/leaf.crt" >"$BATS_FILE_TMPDIR/utf16-bom.crt"
    iconv -f UTF-8 -t UTF-16LE "$CA/leaf.crt" >"$BATS_FILE_TMPDIR/utf16le.crt"
    bad_input "$BATS_FILE_TMPDIR/utf16-bom.crt" "UTF-16"
    bad_input "$BATS_FILE_TMPDIR/utf16le.crt" "convert it to UTF-8"
}

@test "convert: a private key file is not a certificate: exit 1, one line, no output" {
    bad_input "$CA/leaf.key" "holds a private key, not a certificate"
    openssl pkey -in "$CA/leaf.key" -outform DER -out "$BATS_FILE_TMPDIR/leaf-key.der"
    bad_input "$BATS_FILE_TMPDIR/leaf-key.der" "holds a private key, not a certificate"
}

@test "convert: one bad file among good ones writes nothing" {
    : >"$BATS_FILE_TMPDIR/empty2.crt"
    run p11cert convert "$CA/leaf.crt" "$BATS_FILE_TMPDIR/empty2.crt" --out out.pem
    [ "$status" -eq 1 ]
    [ ! -e out.pem ]
}
