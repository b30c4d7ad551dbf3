#!/usr/bin/env bats
# The second half of the workflow on a token: the CA's reply imported beside
# the key, the bundle checked, a PFX's key imported, and the result served by
# a real TLS server (openssl s_server with the libp11 engine) to a real client.
#
# The token holds RSA and EC keys only: libp11 0.4.12 (Debian 12) cannot
# enumerate the keys of a token that has an Ed25519 key on it.

load helpers

bats_require_minimum_version 1.5.0

setup_file() {
    setup_token import
    local dir=$BATS_FILE_TMPDIR
    p11cert_pin -q keygen "$TOKEN_URI" --label web --type rsa:2048 >/dev/null || return 1
    p11cert_pin -q keygen "$TOKEN_URI" --label edge --type ec:p256 >/dev/null || return 1
    p11cert_pin -q csr "pkcs11:token=$TOKEN_LABEL;object=web" \
        --subject /O=Org/CN=developers.example.com \
        --san DNS:developers.example.com --san DNS:gateway.example.com --out "$dir/web.csr" \
        >/dev/null || return 1
    p11cert_pin -q csr "pkcs11:token=$TOKEN_LABEL;object=edge" \
        --subject /CN=gateway.example.com --out "$dir/edge.csr" >/dev/null || return 1
    mkdir -p "$dir/reply"
    "$P11CERT_SRC/scripts/test-ca.sh" "$dir/ca" sign "$dir/web.csr" "$dir/reply/web" >/dev/null || return 1
    "$P11CERT_SRC/scripts/test-ca.sh" "$dir/ca" sign "$dir/edge.csr" "$dir/reply/edge" >/dev/null || return 1
    p11cert chain "$dir/reply/web.cer" "$dir/reply/web-int1.crt" "$dir/reply/web-int2.crt" \
        "$dir/reply/web-root.crt" --out "$dir/chain.crt" >/dev/null || return 1
    p11cert convert "$dir/reply/web.cer" --out "$dir/web.crt" >/dev/null || return 1
    p11cert convert "$dir/reply/edge.cer" --out "$dir/edge.crt" >/dev/null || return 1
    # libp11 reads a pin-source file whole: the PIN without its newline.
    export ENGINE_PIN_FILE=$dir/engine-pin
    (
        umask 077
        printf '%s' "$(head -n 1 "$PIN_FILE")" >"$ENGINE_PIN_FILE"
    )
    export FILES=$dir
}

setup() {
    mkdir "$BATS_TEST_TMPDIR/work" && cd "$BATS_TEST_TMPDIR/work" || return 1
}

# The CKA_ID (hex) p11cert lists for the first object of class CLASS labelled LABEL.
object_id() {
    p11cert_pin list "pkcs11:token=$TOKEN_LABEL;object=$2" --json |
        python3 -c 'import json,sys; print([o["id"] for o in json.load(sys.stdin)["objects"] if o["class"] == sys.argv[1]][0])' "$1"
}

# Certificates on the token according to GnuTLS p11tool: "LABEL ID" lines.
p11tool_certs() {
    GNUTLS_PIN=$(user_pin) p11tool --provider "$P11CERT_MODULE" --login --list-all-certs \
        "pkcs11:token=$TOKEN_LABEL" 2>/dev/null |
        awk '/Label:/ {sub(/^[ \t]*Label: /, ""); label=$0} /ID:/ {gsub(/[: \t]|ID/, ""); print label " " $0}'
}

@test "import: the certificate is stored beside its key, with the key's id, as p11tool sees it" {
    run p11cert_pin import "$FILES/web.crt" --token "$TOKEN_URI"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"type=cert"* ]]
    key_id=$(object_id private-key web)
    run p11tool_certs
    echo "$output"
    [[ $output == *"web $key_id"* ]]
    # The stored certificate is the file's, byte for byte (p11tool exports it).
    GNUTLS_PIN=$(user_pin) p11tool --provider "$P11CERT_MODULE" --login --export \
        "pkcs11:token=$TOKEN_LABEL;object=web;type=cert" >exported.pem 2>/dev/null
    [ "$(openssl x509 -in exported.pem -outform DER | sha256sum)" = \
        "$(openssl x509 -in "$FILES/web.crt" -outform DER | sha256sum)" ]
}

@test "import: the same certificate twice is a no-op that says so" {
    p11cert_pin -q import "$FILES/web.crt" --token "$TOKEN_URI" >/dev/null || true
    before=$(token_object_count "$TOKEN_LABEL")
    run p11cert_pin import "$FILES/web.crt" --token "$TOKEN_URI"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"already"* ]]
    [ "$(token_object_count "$TOKEN_LABEL")" -eq "$before" ]
}

@test "import: a certificate whose key is not on the token is refused, the token unchanged" {
    before=$(token_object_count "$TOKEN_LABEL")
    run p11cert_pin import "$FILES/ca/leaf.crt" --token "$TOKEN_URI"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"not on this token"* ]]
    [ "$(token_object_count "$TOKEN_LABEL")" -eq "$before" ]
}

@test "import --key: a certificate for another key is refused" {
    before=$(token_object_count "$TOKEN_LABEL")
    run p11cert_pin import "$FILES/edge.crt" --key "pkcs11:token=$TOKEN_LABEL;object=web"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"not for the key"* ]]
    [ "$(token_object_count "$TOKEN_LABEL")" -eq "$before" ]
}

@test "import --chain: the CA certificates are stored too, without an id" {
    run p11cert_pin import "$FILES/edge.crt" --key "pkcs11:token=$TOKEN_LABEL;object=edge" \
        --chain "$FILES/chain.crt" --json
    echo "$output"
    [ "$status" -eq 0 ]
    run p11tool_certs
    echo "$output"
    [[ $output == *"p11cert Test Intermediate 2 "* ]]
    [[ $output == *"p11cert Test Root CA "* ]]
    # No id on the CA certificates: the label is followed by nothing.
    [[ $(grep '^p11cert Test Root CA' <<<"$output") == "p11cert Test Root CA " ]]
}

@test "check: a good bundle passes every check, TLS 1.2 and 1.3 handshakes included" {
    run p11cert_pin check --cert "$FILES/web.crt" --chain "$FILES/chain.crt" \
        --key "pkcs11:token=$TOKEN_LABEL;object=web" \
        --domain developers.example.com --domain gateway.example.com --tls
    echo "$output"
    [ "$status" -eq 0 ]
    for name in "key pair" chain "name developers.example.com" "name gateway.example.com" \
        validity "server auth" "tls 1.2" "tls 1.3"; do
        grep -q "^PASS  $name" <<<"$output"
    done
    ! grep -q '^FAIL' <<<"$output" || false
    [[ $output == *TLSv1.2* && $output == *TLSv1.3* ]]
}

@test "check --json: the checks with name, ok and detail, for an EC key" {
    run --separate-stderr p11cert_pin check --json --cert "$FILES/edge.crt" \
        --chain "$FILES/chain.crt" --key "pkcs11:token=$TOKEN_LABEL;object=edge" --tls
    echo "$output"
    [ "$status" -eq 0 ]
    python3 - "$output" <<'PY'
import json, sys
doc = json.loads(sys.argv[1])
assert doc["ok"] is True
names = [c["name"] for c in doc["checks"]]
assert names == ["key pair", "chain", "validity", "server auth", "leaf", "san names", "tls 1.2",
                 "tls 1.3"], names
assert all(c["ok"] and c["detail"] for c in doc["checks"])
assert "ECDSA" in doc["checks"][6]["detail"]
PY
}

@test "check: an uncovered name, a missing intermediate and the wrong key each fail" {
    run p11cert_pin check --cert "$FILES/web.crt" --chain "$FILES/reply/web-root.crt" \
        --key "pkcs11:token=$TOKEN_LABEL;object=edge" --domain other.example.com
    echo "$output"
    [ "$status" -eq 1 ]
    grep -q '^FAIL  key pair' <<<"$output"
    grep -q '^FAIL  chain .*no issuer found for' <<<"$output"
    grep -q '^FAIL  name other.example.com' <<<"$output"
    grep -q '^PASS  validity' <<<"$output"
}

@test "check: a self-signed certificate validates to itself" {
    p11cert_pin -q selfsign "pkcs11:token=$TOKEN_LABEL;object=web" --subject /CN=internal.example.com \
        --out self.crt >/dev/null
    run p11cert_pin check --cert self.crt --key "pkcs11:token=$TOKEN_LABEL;object=web" \
        --domain internal.example.com --tls
    echo "$output"
    [ "$status" -eq 0 ]
    grep -q '^PASS  chain' <<<"$output"
    grep -q '^PASS  tls 1.3' <<<"$output"
}

# A loopback port nothing listens on.
free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

@test "TLS: openssl s_server with the libp11 engine serves the token key and chain to a verifying client" {
    port=$(free_port)
    openssl s_server -engine pkcs11 -keyform engine \
        -key "pkcs11:token=$TOKEN_LABEL;object=web;type=private;pin-source=file:$ENGINE_PIN_FILE" \
        -cert "$FILES/web.crt" -cert_chain "$FILES/chain.crt" -accept "127.0.0.1:$port" -www \
        >server.log 2>&1 &
    server=$!
    for _ in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.1
    done
    run openssl s_client -connect "127.0.0.1:$port" -servername developers.example.com \
        -verify_hostname developers.example.com -CAfile "$FILES/reply/web-root.crt" \
        -verify_return_error </dev/null
    client_status=$status
    client_output=$output
    run curl -sS --max-time 10 --cacert "$FILES/reply/web-root.crt" \
        --resolve "developers.example.com:$port:127.0.0.1" "https://developers.example.com:$port/"
    curl_status=$status
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    echo "$client_output" | tail -n 20
    cat server.log
    [ "$client_status" -eq 0 ]
    [[ $client_output == *"Verify return code: 0 (ok)"* ]]
    [ "$curl_status" -eq 0 ]
}

@test "convert --import-key: a PFX's key goes on the token non-extractable, its certificate beside it" {
    before=$(token_object_count "$TOKEN_LABEL")
    run p11cert_pin convert "$FILES/ca/leaf.p12" --password-source "file:$FILES/ca/pfx-password" \
        --import-key "$TOKEN_URI" --label from-pfx --out leaf.pem
    echo "$output"
    [ "$status" -eq 0 ]
    [ -s leaf.pem ]
    # Nothing like a private key in the output.
    ! grep -q 'PRIVATE KEY' leaf.pem || false
    # Private key, public key and certificate: three new objects.
    [ "$(token_object_count "$TOKEN_LABEL")" -eq $((before + 3)) ]
    run --separate-stderr p11cert_pin list "pkcs11:token=$TOKEN_LABEL;object=from-pfx" --json
    python3 - "$output" <<'PY'
import json, sys
objs = json.loads(sys.argv[1])["objects"]
priv = [o for o in objs if o["class"] == "private-key"][0]
assert priv["sensitive"] is True and priv["extractable"] is False, priv
ids = {o["id"] for o in objs}
assert len(objs) == 3 and len(ids) == 1, objs
PY
    # The token now signs with the PFX's key: a CSR carries its public key.
    p11cert_pin -q csr "pkcs11:token=$TOKEN_LABEL;object=from-pfx" --subject /CN=x.example.com \
        --out pfx.csr >/dev/null
    openssl req -in pfx.csr -verify -noout
    [ "$(openssl req -in pfx.csr -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum)" = \
        "$(openssl pkey -in "$FILES/ca/leaf.key" -pubout -outform DER | sha256sum)" ]
}

@test "convert --key-out: the key is written 0600 with a warning, and only when asked" {
    run p11cert convert "$FILES/ca/leaf.p12" --password-source "file:$FILES/ca/pfx-password" \
        --out certs.pem
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"--key-out"* ]]
    ! grep -q 'PRIVATE KEY' certs.pem || false
    run p11cert convert "$FILES/ca/leaf.p12" --password-source "file:$FILES/ca/pfx-password" \
        --key-out key.pem --out certs2.pem
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"warning"* ]]
    [ "$(stat -c %a key.pem)" = 600 ]
    [ "$(openssl pkey -in key.pem -pubout | sha256sum)" = \
        "$(openssl pkey -in "$FILES/ca/leaf.key" -pubout | sha256sum)" ]
}
