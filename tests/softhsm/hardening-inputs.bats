#!/usr/bin/env bats
# Hostile inputs (issue 11, items 5, 6, 14, 15, 16, 17): spoofed DNS answers,
# PKCS#12 files with huge or broken MAC and key-derivation parameters, a PFX
# holding two keys, leaf certificates browsers refuse, bad --domain values,
# and unrelated certificates given to import --chain. Each result is
# confirmed by another implementation: dig, openssl, pkcs11-tool, p11tool.

load helpers

bats_require_minimum_version 1.5.0

RESPONDER=$P11CERT_SRC/tests/helpers/dns-responder.py
P12_EDIT=$P11CERT_SRC/tests/helpers/p12-edit.py
TARGET=gw.example.net

# The inputs, made here with openssl and edited as DER by
# tests/helpers/p12-edit.py (which recomputes the MAC, so that only the
# edited field is wrong): in $P12 (password "$P12/pw").
make_p12_inputs() {
    export P12=$BATS_FILE_TMPDIR/p12
    mkdir -p "$P12" && cd "$P12" || return 1
    printf 'hardening-pfx-pw\n' >pw
    printf 'not-the-pfx-pw\n' >wrong-pw
    chmod 0600 pw wrong-pw # secret files, as they should be
    openssl req -x509 -newkey rsa:2048 -nodes -keyout one.key -out one.crt -days 30 \
        -subj /CN=one.example -addext basicConstraints=critical,CA:FALSE 2>/dev/null
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout two.key \
        -out two.crt -days 30 -subj /CN=two.example -addext basicConstraints=critical,CA:FALSE \
        2>/dev/null
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout other.key \
        -out other.crt -days 30 -subj /CN=other.example 2>/dev/null
    # one.p12, two.p12: part 0 the certificate (encrypted), part 1 the key.
    openssl pkcs12 -export -in one.crt -inkey one.key -passout file:pw -out one.p12
    openssl pkcs12 -export -in two.crt -inkey two.key -passout file:pw -out two.p12
    openssl pkcs12 -export -in other.crt -inkey other.key -passout file:pw -out other.p12
    openssl pkcs12 -export -in one.crt -inkey one.key -passout file:pw -iter 100000 \
        -out iter-100000.p12
    local pass
    pass=$(cat pw)
    python3 "$P12_EDIT" one.p12 mac-iter-huge.p12 --mac-iter 2147483647
    python3 "$P12_EDIT" one.p12 key-iter-huge.p12 --password "$pass" --key-iter 2147483647 --remac
    python3 "$P12_EDIT" one.p12 part-iter-huge.p12 --password "$pass" --content-iter 2147483647 \
        --remac
    python3 "$P12_EDIT" one.p12 mac-iter-0.p12 --mac-iter 0
    python3 "$P12_EDIT" one.p12 mac-damaged.p12 --corrupt-mac
    # PBMAC1 (RFC 9579), which OpenSSL 3.0 cannot compute.
    python3 "$P12_EDIT" one.p12 mac-pbmac1.p12 --mac-alg 1.2.840.113549.1.5.14
    # Two keys: the RSA key of one, the EC key of two, and two's certificate
    # only; both certificates; or a third one's.
    python3 "$P12_EDIT" --merge two-keys.p12 "$pass" one.p12:1 two.p12:0 two.p12:1
    python3 "$P12_EDIT" --merge two-keys-two-certs.p12 "$pass" one.p12:0 one.p12:1 two.p12:0 \
        two.p12:1
    python3 "$P12_EDIT" --merge two-keys-no-cert.p12 "$pass" one.p12:1 two.p12:1 other.p12:0
}

setup_file() {
    setup_token hardening
    make_p12_inputs || return 1
    make_chain_inputs
}

setup() {
    mkdir "$BATS_TEST_TMPDIR/work" && cd "$BATS_TEST_TMPDIR/work" || return 1
}

teardown() {
    stop_responder
}

# ---- item 5: dns check takes only answers that match its query ----

# The test's own DNS responder (tests/helpers/dns-responder.py) on
# 127.0.0.1, port 0 read back into RESPONDER_PORT, answering MODE; one
# started before is stopped first.
start_responder() {
    local mode=$1
    stop_responder
    rm -f "$BATS_TEST_TMPDIR/responder.port"
    python3 "$RESPONDER" "$mode" "$TARGET" "$BATS_TEST_TMPDIR/responder.port" \
        >"$BATS_TEST_TMPDIR/responder.log" 2>&1 3>&- </dev/null &
    echo "$!" >"$BATS_TEST_TMPDIR/responder.pid"
    for _ in $(seq 1 100); do
        if [ -s "$BATS_TEST_TMPDIR/responder.port" ]; then
            RESPONDER_PORT=$(cat "$BATS_TEST_TMPDIR/responder.port")
            return 0
        fi
        kill -0 "$(cat "$BATS_TEST_TMPDIR/responder.pid")" 2>/dev/null || break
        sleep 0.1
    done
    echo "start_responder: the responder did not start; its log:" >&2
    cat "$BATS_TEST_TMPDIR/responder.log" >&2
    return 1
}

stop_responder() {
    local pid
    [ -f "$BATS_TEST_TMPDIR/responder.pid" ] || return 0
    pid=$(cat "$BATS_TEST_TMPDIR/responder.pid")
    rm -f "$BATS_TEST_TMPDIR/responder.pid"
    kill "$pid" 2>/dev/null || return 0
    wait "$pid" 2>/dev/null || true
}

# dns check against the responder; timeout is a hang guard only.
dns_check_responder() {
    run timeout 60 p11cert dns check --server "127.0.0.1:$RESPONDER_PORT" --target "$TARGET" \
        --domain a.example.com
}

# dns check against the responder fails: no answer taken, REASON given.
assert_dns_check_fails() {
    local reason=$1
    dns_check_responder
    [ "$status" -eq 1 ]
    [[ "$output" == *"FAIL a.example.com: no answer from 127.0.0.1 port $RESPONDER_PORT"* ]]
    [[ "$output" == *"$reason"* ]]
    [[ "$output" != *PASS* ]]
}

@test "dns check: a correct answer passes (dig agrees)" {
    start_responder good
    run -0 dig @127.0.0.1 -p "$RESPONDER_PORT" +time=2 +tries=1 +short CNAME a.example.com
    [ "$output" = "$TARGET." ]
    dns_check_responder
    [ "$status" -eq 0 ]
    [[ "$output" == *"PASS a.example.com: points at $TARGET."* ]]
}

@test "dns check: an answer with the wrong transaction id is dropped" {
    start_responder wrong-id
    run dig @127.0.0.1 -p "$RESPONDER_PORT" +time=2 +tries=1 CNAME a.example.com
    [[ "$output" == *"ID mismatch"* ]]
    assert_dns_check_fails "dropped 2 answers not matching the query (a wrong transaction id)"
}

@test "dns check: an answer with QR=0 is dropped" {
    start_responder qr0
    # What the responder sends has QR clear (0x0500: AA and RD only).
    run -0 python3 -c 'import socket,struct,sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)
q = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + b"\x01a\x07example\x03com\x00" + struct.pack("!HH", 5, 1)
s.sendto(q, ("127.0.0.1", int(sys.argv[1])))
print("flags %04x" % struct.unpack("!H", s.recv(512)[2:4]))' "$RESPONDER_PORT"
    [ "$output" = "flags 0500" ]
    assert_dns_check_fails "(QR=0, a query and not an answer)"
}

@test "dns check: an answer to another question name is dropped" {
    start_responder other-name
    run dig @127.0.0.1 -p "$RESPONDER_PORT" +time=2 +tries=1 CNAME a.example.com
    [[ "$output" == *"Question section mismatch: got spoofed.example.org/CNAME/IN"* ]]
    assert_dns_check_fails "(another question)"
}

@test "dns check: an answer to another question type is dropped" {
    start_responder other-type
    run dig @127.0.0.1 -p "$RESPONDER_PORT" +time=2 +tries=1 CNAME a.example.com
    [[ "$output" == *"Question section mismatch: got a.example.com/A/IN"* ]]
    assert_dns_check_fails "(another question)"
}

@test "dns check: an answer from another port is not taken" {
    start_responder other-port
    run dig @127.0.0.1 -p "$RESPONDER_PORT" +time=2 +tries=1 CNAME a.example.com
    [[ "$output" == *"timed out"* ]]
    assert_dns_check_fails "timed out"
}

@test "dns check: an answer from another address is not taken" {
    start_responder other-address
    run dig @127.0.0.1 -p "$RESPONDER_PORT" +time=2 +tries=1 CNAME a.example.com
    [[ "$output" == *"timed out"* ]]
    assert_dns_check_fails "timed out"
}

@test "dns check: a spoofed answer before the real one is dropped, the real one taken" {
    start_responder spoof-then-good
    dns_check_responder
    [ "$status" -eq 0 ]
    [[ "$output" == *"PASS a.example.com: points at $TARGET."* ]]
}

@test "dns check: a truncated answer is asked again over TCP (dig +tcp agrees)" {
    start_responder truncated
    run -0 dig @127.0.0.1 -p "$RESPONDER_PORT" +tcp +time=2 +tries=1 +short CNAME a.example.com
    [ "$output" = "$TARGET." ]
    dns_check_responder
    [ "$status" -eq 0 ]
    [[ "$output" == *"PASS a.example.com: points at $TARGET."* ]]
}

# ---- items 6 and 16: PKCS#12 key derivations and MACs ----

# A SHA-256 of the DER public key in FILE (a certificate, or with -k a
# private key), by openssl.
pubkey_sum() {
    if [ "$1" = -k ]; then
        openssl pkey -in "$2" -pubout -outform DER | sha256sum
    else
        openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum
    fi
}

# CMD... fails with status 1, its stderr one line that holds REASON, and
# leaves no file in the test's directory. timeout is a hang guard only.
refused() {
    local reason=$1
    shift
    run --separate-stderr timeout 60 p11cert "$@"
    echo "status $status: $stderr"
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"$reason"* ]]
    [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
    [ -z "$(ls -A)" ]
}

@test "PKCS#12: a MAC asking for 2^31-1 iterations is refused by convert, chain and check" {
    run -0 openssl asn1parse -inform DER -in "$P12/mac-iter-huge.p12"
    [[ "$(tail -n 1 <<<"$output")" == *"INTEGER           :7FFFFFFF" ]]
    local why="the MAC asks for 2147483647 PKCS#12 KDF iterations, over the limit of 1000000"
    refused "$why" convert "$P12/mac-iter-huge.p12" --password-source "file:$P12/pw" --out o.pem
    refused "$why" chain "$P12/mac-iter-huge.p12" --password-source "file:$P12/pw" --out c.crt
    refused "$why" check --cert "$P12/mac-iter-huge.p12"
}

@test "PKCS#12: a shrouded key asking for 2^31-1 PBKDF2 iterations is refused" {
    # openssl: the MAC verifies, and the key bag asks for that many.
    run -0 openssl pkcs12 -in "$P12/key-iter-huge.p12" -passin "file:$P12/pw" -noout
    run -0 openssl pkcs12 -in "$P12/key-iter-huge.p12" -passin "file:$P12/pw" -info -nokeys -noout
    [[ "$output" == *"Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 2147483647"* ]]
    refused "the private key in part 2 asks for 2147483647 PBKDF2 iterations, over the limit" \
        convert "$P12/key-iter-huge.p12" --password-source "file:$P12/pw" --out o.pem
    refused "the private key in part 2 asks for 2147483647 PBKDF2 iterations" \
        chain "$P12/key-iter-huge.p12" --password-source "file:$P12/pw" --out c.crt
}

@test "PKCS#12: an encrypted part asking for 2^31-1 PBKDF2 iterations is refused" {
    # (not openssl pkcs12 -noout: it would decrypt that part, for minutes)
    local authsafe
    authsafe=$(openssl asn1parse -inform DER -in "$P12/part-iter-huge.p12" |
        awk '/prim: OCTET STRING/ { sub(/:.*/, ""); print $1; exit }')
    run -0 openssl asn1parse -inform DER -in "$P12/part-iter-huge.p12" -strparse "$authsafe"
    [[ "$output" == *"INTEGER           :7FFFFFFF"* ]]
    refused "the encrypted part 1 asks for 2147483647 PBKDF2 iterations, over the limit" \
        convert "$P12/part-iter-huge.p12" --password-source "file:$P12/pw" --out o.pem
    refused "the encrypted part 1 asks for 2147483647 PBKDF2 iterations" \
        check --cert "$P12/part-iter-huge.p12"
}

@test "PKCS#12: 100000 iterations (openssl pkcs12 -iter 100000) are read as before" {
    run -0 openssl pkcs12 -in "$P12/iter-100000.p12" -passin "file:$P12/pw" -info -nokeys -noout
    [[ "$output" == *"MAC: sha256, Iteration 100000"* ]]
    run -0 p11cert convert "$P12/iter-100000.p12" --password-source "file:$P12/pw" --out o.pem
    [ "$(pubkey_sum o.pem)" = "$(pubkey_sum "$P12/one.crt")" ]
}

@test "PKCS#12: a damaged MAC is named, not taken for a wrong password" {
    # openssl: the MAC does not verify, yet the password decrypts the key.
    run openssl pkcs12 -in "$P12/mac-damaged.p12" -passin "file:$P12/pw" -noout
    [ "$status" -ne 0 ]
    [[ "$output" == *"Mac verify error"* ]]
    run -0 openssl pkcs12 -in "$P12/mac-damaged.p12" -passin "file:$P12/pw" -nomacver \
        -nocerts -nodes -out "$BATS_TEST_TMPDIR/key.pem"
    [ "$(pubkey_sum -k "$BATS_TEST_TMPDIR/key.pem")" = "$(pubkey_sum "$P12/one.crt")" ]
    refused "its MAC does not verify, yet the password decrypts its contents: the MAC is damaged" \
        convert "$P12/mac-damaged.p12" --password-source "file:$P12/pw" --out o.pem
    refused "wrong password (the PKCS#12 integrity check fails)" \
        convert "$P12/mac-damaged.p12" --password-source "file:$P12/wrong-pw" --out o.pem
}

@test "PKCS#12: a MAC iteration count of 0 is named" {
    run -0 openssl asn1parse -inform DER -in "$P12/mac-iter-0.p12"
    [[ "$(tail -n 1 <<<"$output")" == *"INTEGER           :00" ]]
    refused "the MAC has an iteration count of 0, and it must be at least 1" \
        convert "$P12/mac-iter-0.p12" --password-source "file:$P12/pw" --out o.pem
    refused "the MAC has an iteration count of 0" check --cert "$P12/mac-iter-0.p12"
}

@test "PKCS#12: a MAC algorithm OpenSSL cannot compute is named" {
    run -0 openssl asn1parse -inform DER -in "$P12/mac-pbmac1.p12"
    [[ "$output" == *"OBJECT            :PBMAC1"* ]]
    run openssl pkcs12 -in "$P12/mac-pbmac1.p12" -passin "file:$P12/pw" -noout
    [ "$status" -ne 0 ]
    refused "its MAC uses PBMAC1, an algorithm OpenSSL cannot compute" \
        convert "$P12/mac-pbmac1.p12" --password-source "file:$P12/pw" --out o.pem
    refused "its MAC uses PBMAC1" check --cert "$P12/mac-pbmac1.p12"
}

# ---- item 14: a PFX holding two keys ----

@test "PKCS#12 with two keys: the key of the certificate is written (openssl agrees)" {
    run -0 openssl pkcs12 -in "$P12/two-keys.p12" -passin "file:$P12/pw" -info -nokeys -noout
    [ "$(grep -c '^Shrouded Keybag' <<<"$output")" -eq 2 ]
    [ "$(grep -c '^Certificate bag' <<<"$output")" -eq 1 ]
    run --separate-stderr p11cert convert "$P12/two-keys.p12" --password-source "file:$P12/pw" \
        --key-out key.pem --out cert.pem
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"holds 2 private keys: the key of two.example is kept"*"left out: RSA 2048"* ]]
    [ "$(pubkey_sum -k key.pem)" = "$(pubkey_sum "$P12/two.crt")" ]
    [ "$(pubkey_sum cert.pem)" = "$(pubkey_sum "$P12/two.crt")" ]
}

@test "PKCS#12 with two keys: --import-key puts the certificate's key on the token" {
    local before label=two-keys-$BATS_TEST_NUMBER
    before=$(token_object_count)
    run -0 p11cert_pin convert "$P12/two-keys.p12" --password-source "file:$P12/pw" \
        --import-key "$TOKEN_URI" --label "$label" --out cert.pem
    [ "$(token_object_count)" -eq $((before + 3)) ]
    # pkcs11-tool reads back the public key stored: two's, not one's.
    token_pubkey "$TOKEN_LABEL" "$label" pub.der
    [ "$(sha256sum <pub.der)" = "$(pubkey_sum "$P12/two.crt")" ]
    run -0 pkcs11_tool_on "$TOKEN_LABEL" --login --pin "$(user_pin)" --list-objects \
        --type cert --label "$label"
    [[ "$output" == *"subject:    DN: CN=two.example"* ]]
}

@test "PKCS#12 with two keys and both certificates, or neither, is refused naming them" {
    local before
    before=$(token_object_count)
    refused "it holds 2 private keys with their certificates (the key of one.example, the key of two.example)" \
        convert "$P12/two-keys-two-certs.p12" --password-source "file:$P12/pw" --key-out k.pem
    refused "it holds 2 private keys (RSA 2048, EC P-256) and the certificate of none of them" \
        convert "$P12/two-keys-no-cert.p12" --password-source "file:$P12/pw" --key-out k.pem
    run p11cert_pin convert "$P12/two-keys-two-certs.p12" --password-source "file:$P12/pw" \
        --import-key "$TOKEN_URI" --label refused --out cert.pem
    [ "$status" -eq 1 ]
    [ "$(token_object_count)" -eq "$before" ]
    [ ! -e cert.pem ]
}

# ---- item 15: check refuses what browsers refuse, and bad --domain values ----

# A self-signed server certificate for a software key in the test's
# directory: NAME.crt, with the extensions given (-addext ...).
server_cert() {
    local name=$1
    shift
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$BATS_TEST_TMPDIR/$name.key" -out "$name.crt" -days 30 -subj "/CN=$name" \
        -addext extendedKeyUsage=serverAuth -addext keyUsage=critical,digitalSignature "$@" \
        2>/dev/null
}

@test "check: a good leaf passes the leaf and SAN-name checks" {
    server_cert good -addext basicConstraints=critical,CA:FALSE \
        -addext subjectAltName=DNS:good.example,DNS:*.api.example,IP:192.0.2.1
    run -0 p11cert check --cert good.crt --domain good.example --domain 192.0.2.1
    [[ "$output" == *"PASS  leaf           an end-entity certificate"* ]]
    [[ "$output" == *"PASS  san names      2 dNSName(s), each a valid host name"* ]]
    [[ "$output" == *"PASS  name 192.0.2.1"* ]]
}

@test "check: a leaf with basicConstraints CA:TRUE fails (openssl shows CA:TRUE)" {
    server_cert ca-leaf -addext basicConstraints=critical,CA:TRUE \
        -addext subjectAltName=DNS:ca-leaf.example
    run -0 openssl x509 -in ca-leaf.crt -noout -ext basicConstraints
    [[ "$output" == *"CA:TRUE"* ]]
    run p11cert check --cert ca-leaf.crt --domain ca-leaf.example
    [ "$status" -eq 1 ]
    [[ "$output" == *"FAIL  leaf           basicConstraints says CA:TRUE: a CA certificate, which browsers refuse"* ]]
    [[ "$output" == *"PASS  name ca-leaf.example"* ]]
}

@test "check: a dNSName of raw UTF-8 fails, shown escaped (asn1parse shows the bytes)" {
    server_cert utf8 -addext basicConstraints=critical,CA:FALSE \
        -addext 'subjectAltName=DNS:bücher.example,DNS:ok.example'
    # The IA5String holds the UTF-8 octets C3 BC of "ü".
    run -0 openssl asn1parse -in utf8.crt
    [[ "$output" == *"820F62C3BC636865722E6578616D706C65"* ]]
    run p11cert check --cert utf8.crt --domain ok.example
    [ "$status" -eq 1 ]
    [[ "$output" == *'FAIL  san names      dNSName "b\xc3\xbccher.example" is not a host name: it is not ASCII'* ]]
    [[ "$output" != *"bücher"* ]]
}

@test "check: --domain '' and bad..name are usage errors, before any file is read" {
    local name
    for name in '' 'bad..name' 'bad_name.example' '*.example.com' '-x.example'; do
        run --separate-stderr p11cert check --cert does-not-exist.crt --domain "$name"
        [ "$status" -eq 2 ]
        [[ "$stderr" == *"bad domain \"$name\""* ]]
        [[ "$stderr" != *does-not-exist* ]]
        [ -z "$output" ]
    done
    # An address and a trailing dot are names check can take.
    run --separate-stderr p11cert check --cert does-not-exist.crt --domain 192.0.2.1 \
        --domain '2001:db8::1' --domain www.example.com.
    [ "$status" -eq 1 ]
    [[ "$stderr" == *'does-not-exist.crt": No such file or directory'* ]]
}

# ---- item 17: import --chain stores only the leaf's path ----

# The test CA (root -> int1 -> int2) in $CA, and chain files:
#   mixed.pem   int2, int1, root, and what is not a path of int2's leaves:
#               the CA's own leaf (an end entity), root R2, an intermediate
#               under R2 and a leaf under that
#   forged.pem  a CA named like int2, with int2's key identifier but another
#               key (so no signature of int2 verifies with it), int1, root
make_chain_inputs() {
    export CA=$BATS_FILE_TMPDIR/ca
    "$P11CERT_SRC/scripts/test-ca.sh" "$CA" >/dev/null || return 1
    cat "$CA/int2.crt" "$CA/int1.crt" "$CA/root.crt" "$CA/leaf.crt" "$CA/newroot.crt" \
        "$CA/xint.crt" "$CA/xleaf.crt" >"$CA/mixed.pem"
    local ski
    ski=$(openssl x509 -in "$CA/int2.crt" -noout -ext subjectKeyIdentifier | tail -n 1 | tr -d ' ')
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$CA/forged.key" -subj "/O=p11cert test/CN=p11cert Test Intermediate 2" \
        -out "$CA/forged.csr" 2>/dev/null
    printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\nsubjectKeyIdentifier=%s\n' \
        "$ski" >"$CA/forged.ext"
    openssl x509 -req -in "$CA/forged.csr" -CA "$CA/int1.crt" -CAkey "$CA/int1/ca.key" \
        -CAcreateserial -days 30 -extfile "$CA/forged.ext" -out "$CA/forged-int2.crt" 2>/dev/null
    cat "$CA/forged-int2.crt" "$CA/int1.crt" "$CA/root.crt" >"$CA/forged.pem"
}

# A token of the test's own with a key "chained" and its certificate from
# int2, in chained.crt.
chained_token() {
    setup_token chain
    p11cert_pin -q keygen "$TOKEN_URI" --label chained --type ec:p256 >/dev/null
    p11cert_pin -q csr "$TOKEN_URI;object=chained" --subject /CN=chained.example \
        --out "$BATS_TEST_TMPDIR/chained.csr" >/dev/null
    "$P11CERT_SRC/scripts/test-ca.sh" "$CA" sign "$BATS_TEST_TMPDIR/chained.csr" \
        "$BATS_TEST_TMPDIR/chained" >/dev/null
}

# The labels of the certificates on the token, as p11tool lists them, sorted
# and joined with commas.
p11tool_cert_labels() {
    GNUTLS_PIN=$(user_pin) p11tool --provider "$P11CERT_MODULE" --login --list-all-certs \
        "$TOKEN_URI" 2>/dev/null | sed -n 's/^[[:space:]]*Label: //p' | sort | paste -sd, -
}

@test "import --chain: only the leaf's path is stored, the rest named with why (p11tool agrees)" {
    chained_token
    run -0 openssl verify -CAfile "$CA/root.crt" -untrusted "$CA/int1.crt" \
        -untrusted "$CA/int2.crt" "$BATS_TEST_TMPDIR/chained.crt"
    run --separate-stderr p11cert_pin import "$BATS_TEST_TMPDIR/chained.crt" \
        --token "$TOKEN_URI" --chain "$CA/mixed.pem"
    echo "$stderr"
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"stored 3 CA certificate(s) from the chain"* ]]
    [[ "$stderr" == *'left out of --chain: "developers.example.com": an end-entity certificate, not a CA'* ]]
    [[ "$stderr" == *'left out of --chain: "p11cert Test Root R2": a CA certificate that issued nothing on the leaf'"'"'s path'* ]]
    [[ "$stderr" == *'left out of --chain: "p11cert Test Intermediate R2": a CA certificate that issued nothing'* ]]
    [[ "$stderr" == *'left out of --chain: "gateway.example.com": an end-entity certificate, not a CA'* ]]
    run -0 p11tool_cert_labels
    [ "$output" = "chained,p11cert Test Intermediate 1,p11cert Test Intermediate 2,p11cert Test Root CA" ]
    run -0 pkcs11_tool_on chain --login --pin "$(user_pin)" --list-objects --type cert
    [ "$(grep -c '^Certificate Object' <<<"$output")" -eq 4 ]
}

@test "import --chain: a CA named like the issuer, whose signature does not verify, is left out" {
    chained_token
    run openssl verify -CAfile "$CA/root.crt" -untrusted "$CA/int1.crt" \
        -untrusted "$CA/forged-int2.crt" "$BATS_TEST_TMPDIR/chained.crt"
    [ "$status" -ne 0 ]
    [[ "$output" == *"certificate signature failure"* ]]
    run --separate-stderr p11cert_pin --json import "$BATS_TEST_TMPDIR/chained.crt" \
        --token "$TOKEN_URI" --chain "$CA/forged.pem"
    [ "$status" -eq 0 ]
    [ "$(jq -r '.chain | length' <<<"$output")" -eq 0 ]
    [ "$(jq -r '.chain_left_out[0].label' <<<"$output")" = "p11cert Test Intermediate 2" ]
    [ "$(jq -r '.chain_left_out[0].why' <<<"$output")" = \
        "its signature on the certificate below it does not verify" ]
    [ "$(jq -r '.chain_left_out | length' <<<"$output")" -eq 3 ]
    run -0 p11tool_cert_labels
    [ "$output" = chained ]
}
