#!/usr/bin/env bats
# The token workflow through p11-kit's remoting, as an operator reaches an HSM on
# another host: `p11-kit server` exposes a SoftHSM2 token on a unix socket (in this
# file's temporary directory), and p11cert loads p11-kit-client.so, which finds it
# through P11_KIT_SERVER_ADDRESS. What p11cert did remotely is checked on the token
# directly (pkcs11-tool and p11tool on SoftHSM itself), with openssl, and with
# GnuTLS's gnutls-serv serving the token's key to openssl s_client.
#
# Every test runs alone (bats -f): setup_file starts the server and makes the
# keys web (rsa:2048) and edge (ec:p256); anything else a test needs, it makes.
#
# p11-kit 0.24's RPC forwards no hashed ECDSA/PSS and no EdDSA mechanisms: p11cert
# hashes locally and signs with CKM_RSA_PKCS / CKM_RSA_PKCS_PSS / CKM_ECDSA, which it
# does forward. The tests prove both halves of that.

load helpers
load remote-helpers

bats_require_minimum_version 1.5.0

setup_file() {
    setup_token remote
    start_p11kit_server "$TOKEN_URI" || return 1
    export P11CERT_MODULE=$CLIENT_MODULE
    # The server is stopped even when setup fails half-way.
    if ! p11cert_pin -q keygen "$TOKEN_URI" --label web --type rsa:2048 >/dev/null ||
        ! p11cert_pin -q keygen "$TOKEN_URI" --label edge --type ec:p256 >/dev/null; then
        stop_p11kit_server
        return 1
    fi
}

teardown_file() {
    stop_p11kit_server
}

setup() {
    mkdir "$BATS_TEST_TMPDIR/work" && cd "$BATS_TEST_TMPDIR/work" || return 1
}

# Background servers a test started (a second p11-kit server, gnutls-serv) are
# stopped even when the test fails half-way.
teardown() {
    local pid
    for pid in ${TEST_SERVER_PIDS:-}; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}

# The ID (hex) pkcs11-tool on SoftHSM itself shows for the object of TYPE
# (privkey, pubkey, cert) labelled LABEL on the token "remote" (its
# --list-objects ignores --label: the block is picked here).
object_id() {
    local type=$1 label=$2
    pkcs11_tool_on remote --login --pin "$(user_pin)" --list-objects --type "$type" \
        2>/dev/null | awk -v want="$label" '
            /^[A-Z][A-Za-z ]* [Oo]bject/ { hit = 0 }
            /^  label: / { l = $0; sub(/^  label: +/, "", l); hit = (l == want) }
            hit && /^  ID: / { print $2; exit }'
}

# GnuTLS's gnutls-serv (not p11cert, not libp11) serves CERT with the private
# key KEY-URI through p11-kit-client.so, that is through the remoting, on a
# free port: sets GNUTLS_SERV_PORT.
start_gnutls_serv() {
    local cert=$1 key=$2 pid
    GNUTLS_SERV_PORT=$(unused_port) || return 1
    GNUTLS_PIN=$(user_pin) gnutls-serv --provider "$CLIENT_MODULE" --x509certfile "$cert" \
        --x509keyfile "$key" -p "$GNUTLS_SERV_PORT" --echo \
        >"$BATS_TEST_TMPDIR/gnutls-serv.log" 2>&1 3>&- &
    pid=$!
    TEST_SERVER_PIDS="${TEST_SERVER_PIDS:-} $pid"
    wait_for_port "$GNUTLS_SERV_PORT" "$pid" || {
        cat "$BATS_TEST_TMPDIR/gnutls-serv.log"
        return 1
    }
}

@test "remote: the server runs on a socket in the test's directory; tokens lists the token through it" {
    [ -S "$P11KIT_SOCKET" ]
    [[ $P11KIT_SOCKET == "$BATS_FILE_TMPDIR"/* ]]
    run p11cert tokens
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"label:        remote"* ]]
    [[ $output == *"manufacturer: SoftHSM project"* ]]
    [[ $output == *"module:       $CLIENT_MODULE"* ]]
    [[ $output == *"profile:      p11-kit-client"* ]]
    # pkcs11-tool sees the same token through the client module.
    run pkcs11-tool --module "$CLIENT_MODULE" -L
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"token label        : remote"* ]]
    [[ $output == *"token manufacturer : SoftHSM project"* ]]
    run p11cert --json tokens
    [ "$status" -eq 0 ]
    python3 - "$output" <<'PY'
import json, sys
t = json.loads(sys.argv[1])["tokens"]
assert [x["label"] for x in t] == ["remote"], t
assert t[0]["profile"] == "p11-kit-client", t
PY
}

@test "remote: without the server's address the client module finds no token" {
    run env -u P11_KIT_SERVER_ADDRESS XDG_RUNTIME_DIR="$BATS_TEST_TMPDIR" p11cert tokens
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"no token found in 1 module(s)"* ]]
    [[ $output != *"label:        remote"* ]]
    # pkcs11-tool, with the same environment, finds no slot either.
    run env -u P11_KIT_SERVER_ADDRESS XDG_RUNTIME_DIR="$BATS_TEST_TMPDIR" \
        pkcs11-tool --module "$CLIENT_MODULE" -L
    echo "$output"
    [[ $output == *"No slots."* ]]
    [[ $output != *"token label"* ]]
}

@test "remote: keygen rsa:2048 and ec:p256 made the keys on the server's token (pkcs11-tool on SoftHSM)" {
    run pkcs11_tool_on remote --login --pin "$(user_pin)" --list-objects --type privkey
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"label:      web"* ]]
    [[ $output == *"label:      edge"* ]]
    # CKA_ID = SHA-1 of the modulus, set through the remoting layer after generation.
    token_pubkey remote web web.der
    modulus=$(openssl rsa -pubin -inform DER -in web.der -noout -modulus)
    want=$(sha1_of_hex "${modulus#Modulus=}")
    run pkcs11_tool_on remote --list-objects --type pubkey --label web
    echo "$output"
    [ "$status" -eq 0 ]
    [[ ${output//[: ]/} == *"ID${want}"* ]]
    [ "$(object_id privkey web)" = "$want" ]
}

@test "remote: ed25519 keygen is 'not supported by this token' through the client, though SoftHSM makes it" {
    run pkcs11-tool --module "$SOFTHSM_MODULE" --slot "$(token_slot remote)" -M
    [[ $output == *"EC-EDWARDS-KEY-PAIR-GEN"* || $output == *"0x1055"* ]]
    before=$(token_object_count remote)
    run p11cert_pin keygen "$TOKEN_URI" --label ed --type ed25519
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"not supported by this token"* ]]
    [ "$(token_object_count remote)" -eq "$before" ]
}

@test "remote: the client forwards no hashed ECDSA/PSS mechanisms; csr signs with raw CKM_ECDSA and openssl verifies" {
    run pkcs11-tool --module "$CLIENT_MODULE" -M
    echo "$output"
    [[ $output == *"ECDSA,"* ]]
    [[ $output != *"SHA256-RSA-PKCS-PSS"* ]]
    [[ $output != *"ECDSA-SHA256"* ]]
    # The same token, directly: SoftHSM lists hashed PSS, the client drops it.
    run pkcs11-tool --module "$SOFTHSM_MODULE" --slot "$(token_slot remote)" -M
    [[ $output == *"SHA256-RSA-PKCS-PSS"* ]]

    spy=$(_spy_module)
    PKCS11SPY=$CLIENT_MODULE PKCS11SPY_OUTPUT=$PWD/spy.log \
        p11cert --module "$spy" --pin-source "file:$PIN_FILE" -q csr \
        "pkcs11:token=remote;object=edge" --subject /CN=edge.example.com --out edge.csr
    openssl req -in edge.csr -noout -verify
    grep -A4 'C_SignInit' spy.log | grep -q 'pMechanism->type = CKM_ECDSA *$'
    ! grep -q 'CKM_ECDSA_SHA' spy.log || false
    token_pubkey remote edge edge.der
    pubkey_der edge.csr csr.der
    cmp edge.der csr.der
}

@test "remote: csr RSA PKCS#1 v1.5 and PSS (CKM_RSA_PKCS_PSS with its parameters goes through)" {
    p11cert_pin -q csr "pkcs11:token=remote;object=web" --subject /CN=web.example.com --out web.csr
    openssl req -in web.csr -noout -verify
    openssl req -in web.csr -noout -text | grep -q 'sha256WithRSAEncryption'
    p11cert_pin -q csr "pkcs11:token=remote;object=web" --subject /CN=web.example.com --pss \
        --out pss.csr
    openssl req -in pss.csr -noout -verify
    openssl req -in pss.csr -noout -text | grep -q 'rsassaPss'
    token_pubkey remote web web.der
    pubkey_der pss.csr csr.der
    cmp web.der csr.der
}

@test "remote: selfsign RSA and EC; openssl verifies each against itself" {
    for key in web edge; do
        p11cert_pin -q selfsign "pkcs11:token=remote;object=$key" \
            --subject "/CN=$key.example.com" --days 30 --out "$key.crt"
        openssl verify -CAfile "$key.crt" "$key.crt"
        token_pubkey remote "$key" "$key.der"
        pubkey_der "$key.crt" "$key-cert.der"
        cmp "$key.der" "$key-cert.der"
    done
}

@test "remote: import stores the certificate beside its key; p11tool on SoftHSM sees it with the key's id" {
    p11cert_pin -q selfsign "pkcs11:token=remote;object=web" --subject /CN=web.example.com \
        --out web.crt
    run p11cert_pin import web.crt --token "$TOKEN_URI"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"type=cert"* ]]
    run env GNUTLS_PIN="$(user_pin)" p11tool --provider "$SOFTHSM_MODULE" --login \
        --list-all-certs "pkcs11:token=remote"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"Label: web"* ]]
    GNUTLS_PIN=$(user_pin) p11tool --provider "$SOFTHSM_MODULE" --login --export \
        "pkcs11:token=remote;object=web;type=cert" >exported.pem 2>/dev/null
    [ "$(openssl x509 -in exported.pem -outform DER | sha256sum)" = \
        "$(openssl x509 -in web.crt -outform DER | sha256sum)" ]
    # The key's id (pkcs11-tool on SoftHSM): the certificate carries the same.
    local key_id cert_id
    key_id=$(object_id privkey web)
    cert_id=$(object_id cert web)
    echo "key id $key_id, certificate id $cert_id"
    [ -n "$key_id" ]
    [ "$cert_id" = "$key_id" ]
}

@test "remote: check --tls: libp11 loads p11-kit-client.so too, and both handshakes pass" {
    p11cert_pin -q selfsign "pkcs11:token=remote;object=web" --subject /CN=web.example.com \
        --out web.crt
    run p11cert_pin check --cert web.crt --key "pkcs11:token=remote;object=web" \
        --domain web.example.com --tls
    echo "$output"
    [ "$status" -eq 0 ]
    grep -q '^PASS  key pair' <<<"$output"
    grep -q '^PASS  tls 1.2' <<<"$output"
    grep -q '^PASS  tls 1.3' <<<"$output"
    p11cert_pin -q selfsign "pkcs11:token=remote;object=edge" --subject /CN=edge.example.com \
        --out edge.crt
    run p11cert_pin check --cert edge.crt --key "pkcs11:token=remote;object=edge" --tls
    echo "$output"
    [ "$status" -eq 0 ]
    grep -q '^PASS  tls 1.3 .*TLSv1.3' <<<"$output"
    # Independently, for each key: the certificate's public key is the one on
    # SoftHSM (pkcs11-tool), and gnutls-serv, signing with the token's key
    # through the remoting, completes TLS 1.2 and 1.3 handshakes that openssl
    # s_client verifies against the certificate.
    local key
    for key in web edge; do
        token_pubkey remote "$key" "$key-token.der"
        pubkey_der "$key.crt" "$key-cert.der"
        cmp "$key-token.der" "$key-cert.der"
        start_gnutls_serv "$key.crt" "pkcs11:token=remote;object=$key;type=private"
        tls_handshake_ok "$GNUTLS_SERV_PORT" 1.2 "$key.crt" "$key.example.com"
        tls_handshake_ok "$GNUTLS_SERV_PORT" 1.3 "$key.crt" "$key.example.com"
    done
}

@test "remote: the server exits when stopped, and the client then fails with one clear error" {
    # A second server of our own, stopped here, so the file's server stays up.
    local sock=$BATS_TEST_TMPDIR/second.sock pid
    p11-kit server -f --provider "$SOFTHSM_MODULE" -n "$sock" "$TOKEN_URI" >/dev/null 2>&1 3>&- &
    pid=$!
    TEST_SERVER_PIDS=$pid
    for _ in $(seq 50); do
        if [ -S "$sock" ]; then
            break
        fi
        sleep 0.1
    done
    [ -S "$sock" ]
    run env P11_KIT_SERVER_ADDRESS=unix:path=$sock pkcs11-tool --module "$CLIENT_MODULE" -L
    [[ $output == *"token label        : remote"* ]]
    P11_KIT_SERVER_ADDRESS=unix:path=$sock p11cert tokens | grep -q 'label:        remote'
    kill "$pid"
    wait "$pid" || true
    ! kill -0 "$pid" 2>/dev/null || false
    run env P11_KIT_SERVER_ADDRESS=unix:path=$sock p11cert --pin-source "file:$PIN_FILE" csr \
        "pkcs11:token=remote;object=web" --subject /CN=web.example.com --out gone.csr
    echo "$output"
    [ "$status" -eq 1 ]
    [ ! -e gone.csr ]
    [ "$(grep -c '^p11cert: csr: ' <<<"$output")" -ge 1 ]
    # pkcs11-tool finds no token behind the dead socket either.
    run env P11_KIT_SERVER_ADDRESS=unix:path=$sock pkcs11-tool --module "$CLIENT_MODULE" -L
    echo "$output"
    [[ $output != *"token label"* ]]
}
