#!/usr/bin/env bats
# acme account, acme issue and acme revoke against a real ACME server:
# pebble 2.4 on loopback (its default of refusing 5 % of good nonces left
# on), validating through a test knotd that p11cert updates with TSIG. Both
# keys on the token. Results are confirmed by other tools: openssl (verify
# against pebble's /roots/0, the certificate's names and key), pkcs11-tool
# (the token's key and certificate objects), dig (the TXT records), curl
# (pebble's management interface) and pebble's own log.

load acme-helpers

bats_require_minimum_version 1.5.0

setup_file() {
    setup_token acme
    acme_world || return 1
    acme_key acct-ec ec:p256 && acme_key web-ec ec:p256 || return 1
    acme_account acct-ec || return 1
    export ACCT="pkcs11:token=$TOKEN_LABEL;object=acct-ec"
    export WEB="pkcs11:token=$TOKEN_LABEL;object=web-ec"
}

teardown_file() {
    acme_stop
}

setup() {
    mkdir "$BATS_TEST_TMPDIR/work" && cd "$BATS_TEST_TMPDIR/work" || return 1
}

# The certificate's public key equals the token key LABEL's (both as DER SPKI).
same_key_as_token() {
    token_pubkey "$TOKEN_LABEL" "$2" "$BATS_TEST_TMPDIR/token.der"
    pubkey_der "$1" "$BATS_TEST_TMPDIR/cert.der"
    cmp "$BATS_TEST_TMPDIR/token.der" "$BATS_TEST_TMPDIR/cert.der"
}

@test "acme account: created with --agree-tos, then found again (pebble counts one account more)" {
    acme_key acct-new ec:p256
    before=$(grep -c 'accounts in memory' "$MAIN_LOG" || true)
    run p11cert_pin acme account --account-key "pkcs11:token=$TOKEN_LABEL;object=acct-new" \
        --directory "$MAIN_DIRECTORY" --ca-bundle "$MAIN_CA" --agree-tos --email a@example.com --json
    echo "$output"
    [ "$status" -eq 0 ]
    url=$(jq -r .url <<<"$output")
    [ "$(jq -r .created <<<"$output")" = true ]
    [[ $url == https://127.0.0.1:*/my-account/* ]]
    [ "$(grep -c 'accounts in memory' "$MAIN_LOG")" -eq $((before + 1)) ]
    run p11cert_pin acme account --account-key "pkcs11:token=$TOKEN_LABEL;object=acct-new" \
        --directory "$MAIN_DIRECTORY" --ca-bundle "$MAIN_CA" --json
    [ "$status" -eq 0 ]
    [ "$(jq -r .url <<<"$output")" = "$url" ]
    [ "$(jq -r .created <<<"$output")" = false ]
    [ "$(grep -c 'accounts in memory' "$MAIN_LOG")" -eq $((before + 1)) ]
}

@test "acme account: an unknown key without --agree-tos makes no account" {
    acme_key acct-none ec:p256
    before=$(grep -c 'accounts in memory' "$MAIN_LOG" || true)
    run p11cert_pin acme account --account-key "pkcs11:token=$TOKEN_LABEL;object=acct-none" \
        --directory "$MAIN_DIRECTORY" --ca-bundle "$MAIN_CA"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"no account for this key"*"--agree-tos"* ]]
    [ "$(grep -c 'accounts in memory' "$MAIN_LOG")" -eq "$before" ]
}

@test "acme issue dns-01: several names, chain verified against /roots/0, TXT records gone" {
    run acme_issue --account-key "$ACCT" --key "$WEB" --domain a.acme.test --domain b.acme.test \
        --domain c.acme.test --dns-server "$KNOT_SERVER" --tsig-key "file:$TSIG_FILE" \
        --fullchain full.pem
    echo "$output"
    [ "$status" -eq 0 ]
    openssl verify -CAfile "$ROOT0" -untrusted chain.crt cert.pem
    openssl verify -CAfile "$ROOT0" -untrusted full.pem cert.pem
    san=$(openssl x509 -in cert.pem -noout -ext subjectAltName)
    [[ $san == *"DNS:a.acme.test"* ]]
    [[ $san == *"DNS:b.acme.test"* ]]
    [[ $san == *"DNS:c.acme.test"* ]]
    # chain.crt: the issuer first, pebble's root last.
    [ "$(grep -c 'BEGIN CERTIFICATE' chain.crt)" -eq 2 ]
    openssl x509 -in chain.crt -noout -issuer >issuer.txt
    [ "$(openssl x509 -in cert.pem -noout -issuer)" = "$(cat issuer.txt)" ] || \
        [ "$(openssl x509 -in cert.pem -noout -issuer | sed 's/issuer/subject/')" = "$(openssl x509 -in chain.crt -noout -subject)" ]
    tail_root=$(awk '/BEGIN/{n++} n==2' chain.crt | openssl x509 -noout -fingerprint -sha256)
    [ "$tail_root" = "$(openssl x509 -in "$ROOT0" -noout -fingerprint -sha256)" ]
    same_key_as_token cert.pem web-ec
    [ -z "$(txt_records _acme-challenge.a.acme.test)" ]
    [ -z "$(txt_records _acme-challenge.b.acme.test)" ]
    [ -z "$(txt_records _acme-challenge.c.acme.test)" ]
    grep -q 'Value:"c.acme.test"' "$MAIN_LOG"
}

@test "acme issue http-01 --http-listen: several names; nothing listens afterwards" {
    run acme_issue --account-key "$ACCT" --key "$WEB" --domain d.acme.test --domain www.acme.test \
        --http-listen "127.0.0.1:$MAIN_HTTP_PORT"
    echo "$output"
    [ "$status" -eq 0 ]
    openssl verify -CAfile "$ROOT0" -untrusted chain.crt cert.pem
    [[ $(openssl x509 -in cert.pem -noout -ext subjectAltName) == *"DNS:www.acme.test"* ]]
    grep -q 'Value:"www.acme.test"' "$MAIN_LOG"
    run ! curl -sS -o /dev/null "http://127.0.0.1:$MAIN_HTTP_PORT/.well-known/acme-challenge/x"
}

@test "acme issue http-01 --webroot: served by another server, files removed afterwards" {
    mkdir -p root
    python3 -m http.server --bind 127.0.0.1 --directory root "$MAIN_HTTP_PORT" >http.log 2>&1 3>&- &
    server=$!
    wait_for_port "$MAIN_HTTP_PORT" "$server"
    run acme_issue --account-key "$ACCT" --key "$WEB" --domain f.acme.test --domain g.acme.test \
        --webroot root
    kill "$server"
    echo "$output"
    [ "$status" -eq 0 ]
    openssl verify -CAfile "$ROOT0" -untrusted chain.crt cert.pem
    grep -q 'GET /.well-known/acme-challenge/' http.log
    [ -z "$(find root -mindepth 1)" ]
}

@test "acme issue: an order that fails validation ends cleanly, the CA's problem in words" {
    mkdir -p root
    # Nothing serves root: pebble's http-01 connection is refused.
    run acme_issue --account-key "$ACCT" --key "$WEB" --domain fail.acme.test --webroot root
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"could not validate fail.acme.test (http-01): "*"connection refused"* ]]
    [ ! -e cert.pem ]
    [ ! -e chain.crt ]
    [ -z "$(find root -mindepth 1)" ]
    [ ! -e "$BATS_TEST_TMPDIR/state/fail.acme.test.json" ]
}

@test "acme issue: a refused TSIG key ends cleanly; nothing was added to the zone" {
    printf 'hmac-sha256:acme-test:%s\n' "$(openssl rand -base64 32)" >wrong.key
    run acme_issue --account-key "$ACCT" --key "$WEB" --domain h.acme.test \
        --dns-server "$KNOT_SERVER" --tsig-key file:wrong.key
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"cannot add the TXT record of _acme-challenge.h.acme.test"*"NOTAUTH"* ]]
    [ -z "$(txt_records _acme-challenge.h.acme.test)" ]
    [ ! -e cert.pem ]
}

@test "acme issue: pebble down is one clear line" {
    port=$(unused_port)
    run p11cert_pin acme issue --directory "https://127.0.0.1:$port/dir" --ca-bundle "$MAIN_CA" \
        --account-key "$ACCT" --key "$WEB" --domain a.acme.test --http-listen 127.0.0.1:1 \
        --state-dir state
    echo "$output"
    [ "$status" -eq 1 ]
    [[ ${lines[0]} == *"reading the ACME directory: cannot reach https://127.0.0.1:$port/dir: "* ]]
    [ "${#lines[@]}" -le 2 ]
    [ ! -e cert.pem ]
}

@test "acme issue --import: the certificate is stored beside its key (pkcs11-tool)" {
    acme_key web-imp ec:p256
    run acme_issue --account-key "$ACCT" --key "pkcs11:token=$TOKEN_LABEL;object=web-imp" \
        --domain api.acme.test --http-listen "127.0.0.1:$MAIN_HTTP_PORT" --import
    echo "$output"
    [ "$status" -eq 0 ]
    listing=$(pkcs11_tool_on "$TOKEN_LABEL" --login --pin "$(user_pin)" --list-objects --type cert)
    echo "$listing"
    key_id=$(pkcs11_tool_on "$TOKEN_LABEL" --login --pin "$(user_pin)" --list-objects --type privkey |
        awk '/label: *web-imp/ {f=1} f && /ID:/ {print $2; exit}')
    [ -n "$key_id" ]
    [[ $listing == *"ID:         $key_id"* ]]
}

@test "acme issue: the renewal record names every setting and holds no secret" {
    run acme_issue --account-key "$ACCT" --key "$WEB" --domain web.acme.test \
        --dns-server "$KNOT_SERVER" --tsig-key "file:$TSIG_FILE" -v
    [ "$status" -eq 0 ]
    record=$BATS_TEST_TMPDIR/state/web.acme.test.json
    jq -e . "$record" >/dev/null
    [ "$(jq -r .key "$record")" = "$WEB" ]
    [ "$(jq -r .account_key "$record")" = "$ACCT" ]
    [ "$(jq -r .challenge.type "$record")" = dns-01 ]
    [ "$(jq -r .challenge.tsig_key "$record")" = "file:$TSIG_FILE" ]
    [ "$(jq -r .out "$record")" = "$PWD/cert.pem" ]
    [ "$(jq -r .certificate.serial "$record" | tr A-F a-f)" = "$(serial_hex cert.pem)" ]
    [ "$(stat -c %a "$record")" = 600 ]
    secret=$(cut -d: -f3 "$TSIG_FILE")
    pin=$(user_pin)
    ! grep -rqF -e "$secret" -e "$pin" "$BATS_TEST_TMPDIR/state" || false
    [[ $output != *"$secret"* ]]
    [[ $output != *"$pin"* ]]
}

@test "acme revoke: pebble's management interface reports the certificate revoked" {
    run acme_issue --account-key "$ACCT" --key "$WEB" --domain mail.acme.test \
        --http-listen "127.0.0.1:$MAIN_HTTP_PORT" --no-record
    [ "$status" -eq 0 ]
    serial=$(serial_hex cert.pem)
    status_of() {
        curl -fsS --cacert "$MAIN_CA" "$MAIN_MGMT/cert-status-by-serial/$serial" | jq -r .Status
    }
    [ "$(status_of)" = Valid ]
    run p11cert_pin acme revoke --account-key "$ACCT" --cert cert.pem --reason superseded \
        --directory "$MAIN_DIRECTORY" --ca-bundle "$MAIN_CA"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(status_of)" = Revoked ]
}

@test "acme issue: usage errors before any token or server is touched" {
    run -2 p11cert acme issue --account-key "$ACCT" --key "$WEB" --domain a.acme.test
    [[ $output == *"give one challenge"* ]]
    run -2 p11cert acme issue --account-key "$ACCT" --key "$WEB" --domain a.acme.test \
        --webroot . --http-listen 127.0.0.1:80
    [[ $output == *"give one challenge"* ]]
    run -2 p11cert acme issue --account-key "$ACCT" --key "$WEB" --domain a.acme.test \
        --dns-server 127.0.0.1
    [[ $output == *"--tsig-key"* ]]
    run -2 p11cert acme issue --account-key "$ACCT" --key "$WEB" --domain '*.acme.test' \
        --webroot .
    [[ $output == *"only be validated with dns-01"* ]]
    run -2 p11cert acme issue --key "$WEB" --domain a.acme.test --webroot .
    [[ $output == *"--account-key"* ]]
    run -1 p11cert_pin acme issue --account-key "$ACCT" --key "pkcs11:token=other;object=x" \
        --domain a.acme.test --webroot . --directory "$MAIN_DIRECTORY"
    [[ $output == *"both keys must be on one token"* ]]
}

@test "acme issue: one login and the PKCS#11 call count of one issuance (pkcs11-spy)" {
    export SPY_DIR=$BATS_TEST_TMPDIR/spy
    start=$(date +%s%N)
    count=$(spy_count p11cert --pin-source "file:$PIN_FILE" acme issue --directory "$MAIN_DIRECTORY" \
        --ca-bundle "$MAIN_CA" --trust "$ROOT0" --no-record --account-key "$ACCT" --key "$WEB" \
        --domain spy.acme.test --dns-server "$KNOT_SERVER" --tsig-key "file:$TSIG_FILE")
    end=$(date +%s%N)
    echo "# acme issue: $count PKCS#11 calls, $(((end - start) / 1000000)) ms" >&3
    [ "$(grep -c ': C_Login$' "$SPY_DIR/spy.log")" -eq 1 ]
    [ "$(grep -c ': C_Initialize$' "$SPY_DIR/spy.log")" -eq 1 ]
    [ "$count" -gt 0 ]
    openssl verify -CAfile "$ROOT0" -untrusted chain.crt cert.pem
}

@test "acme issue: a dropped connection, a 503 and a 429 with Retry-After are waited out" {
    port=$(unused_port)
    upstream=${MAIN_DIRECTORY#https://}
    python3 "$P11CERT_SRC/tests/helpers/acme/fault-proxy.py" "$port" "${upstream%/dir}" \
        "$ENV_DIR/pebble-main/listener.pem" "$ENV_DIR/pebble-main/listener.key" "$MAIN_CA" \
        proxy.log 3>&- &
    proxy=$!
    wait_for_port "$port" "$proxy"
    run p11cert_pin acme issue --directory "https://127.0.0.1:$port/dir" --ca-bundle "$MAIN_CA" \
        --trust "$ROOT0" --no-record --account-key "$ACCT" --key "$WEB" --domain b.acme.test \
        --http-listen "127.0.0.1:$MAIN_HTTP_PORT"
    kill "$proxy"
    echo "$output"
    cat proxy.log
    [ "$status" -eq 0 ]
    openssl verify -CAfile "$ROOT0" -untrusted chain.crt cert.pem
    [ "$(grep -c ' GET /dir ' proxy.log)" -eq 3 ]
    grep -q ' GET /dir drop$' proxy.log
    grep -q ' GET /dir 503$' proxy.log
    # One 429, then the order went through (more than once when pebble,
    # which refuses 5 % of nonces here, refused the retry's nonce).
    [ "$(grep -c ' POST /order-plz 429$' proxy.log)" -eq 1 ]
    grep -q ' POST /order-plz forwarded$' proxy.log
    # Retry-After: 1 honoured: each retry came a second or more after its refusal.
    awk '/ GET \/dir 503$/ {t = $1} / GET \/dir forwarded$/ {ok = ($1 - t >= 1.0)} END {exit !ok}' proxy.log
    awk '/ POST \/order-plz 429$/ {t = $1} / POST \/order-plz forwarded$/ {ok = ($1 - t >= 1.0)} END {exit !ok}' proxy.log
    [[ $output == *"HTTP 503, the server asks to try again in 1 s"* ]]
    [[ $output == *"HTTP 429, the server asks to try again in 1 s"* ]]
}
