#!/usr/bin/env bats
# Token selection, listing, PIN sources, module selection and the errors
# around them, against throwaway SoftHSM2 tokens.

load helpers

bats_require_minimum_version 1.5.0

setup_file() {
    setup_token token-a
    p11cert_pin -q keygen "$TOKEN_URI" --label web --type ec:p256 >/dev/null || return 1
    p11cert_pin -q keygen "$TOKEN_URI" --label api --type rsa:2048 >/dev/null || return 1
    export KEY_URI="pkcs11:token=$TOKEN_LABEL;object=web"
}

setup() {
    user_pin=$(user_pin)
    mkdir "$BATS_TEST_TMPDIR/work" && cd "$BATS_TEST_TMPDIR/work" || return 1
}

# The request in FILE verifies with openssl.
req_ok() {
    openssl req -in "$1" -verify -noout 2>&1 | grep -q 'verify OK'
}

# Lines of stderr that are errors, not hints.
error_lines() {
    grep -v '^p11cert: \([a-z]*: \)\?hint: ' <<<"$stderr" | grep -c . || true
}

@test "tokens: lists the token with label, manufacturer, model, serial (as pkcs11-tool sees it)" {
    run --separate-stderr p11cert tokens
    echo "$output"
    [ "$status" -eq 0 ]
    local block serial
    # The block that starts with this token's URI.
    block=$(awk -v want="token=$TOKEN_LABEL" '
        /^pkcs11:/ { show = ($0 ~ (want "(;|$)")) }
        show' <<<"$output")
    [ -n "$block" ]
    [[ $(head -n 1 <<<"$block") == pkcs11:*"token=$TOKEN_LABEL"* ]]
    grep -Eq "^ +label: +$TOKEN_LABEL\$" <<<"$block"
    grep -Eq '^ +manufacturer: +SoftHSM project$' <<<"$block"
    grep -Eq '^ +model: +SoftHSM v2$' <<<"$block"
    grep -Eq '^ +flags: .*login required' <<<"$block"
    serial=$(pkcs11_tool_on "$TOKEN_LABEL" -L | awk -v want="$TOKEN_LABEL" '
        /token label *:/ { l = $0; sub(/^[^:]*: /, "", l); hit = (l == want) }
        hit && /serial num *:/ { s = $0; sub(/^[^:]*: /, "", s); print s; exit }')
    [ -n "$serial" ]
    grep -Eq "^ +serial: +$serial\$" <<<"$block"
}

@test "tokens --json: tokens[] with uri, label, flags" {
    run --separate-stderr p11cert --json tokens
    [ "$status" -eq 0 ]
    printf '%s\n' "$output" >tokens.json
    run python3 - tokens.json "$TOKEN_LABEL" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
mine = [t for t in d["tokens"] if t.get("label") == sys.argv[2]]
assert len(mine) == 1, mine
t = mine[0]
assert t["uri"].startswith("pkcs11:") and ("token=" + sys.argv[2]) in t["uri"], t["uri"]
assert t["manufacturer"] == "SoftHSM project", t
assert isinstance(t["flags"], list) and t["flags"], t["flags"]
print(" ".join(t["flags"]))
EOF
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"login required"* ]]
}

@test "list: keys with sensitive=yes extractable=no; the same objects pkcs11-tool counts" {
    run --separate-stderr p11cert_pin list "$TOKEN_URI"
    echo "$output"
    [ "$status" -eq 0 ]
    local priv
    priv=$(grep -A1 ';object=web;type=private' <<<"$output" | tail -n 1)
    [[ $priv == *"private-key"* ]]
    [[ $priv == *"EC P-256"* ]]
    [[ $priv == *"sensitive=yes"* ]]
    [[ $priv == *"extractable=no"* ]]
    priv=$(grep -A1 ';object=api;type=private' <<<"$output" | tail -n 1)
    [[ $priv == *"RSA 2048"* ]]
    [[ $priv == *"sensitive=yes"* ]]
    [[ $priv == *"extractable=no"* ]]
    [ "$(grep -c '^pkcs11:' <<<"$output")" -eq "$(token_object_count)" ]
}

@test "list --json: objects with uri, class, label, id; private keys sensitive, not extractable" {
    run --separate-stderr p11cert_pin --json list "$TOKEN_URI"
    [ "$status" -eq 0 ]
    printf '%s\n' "$output" >list.json
    run python3 - list.json <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
objs = d["objects"]
for o in objs:
    for k in ("uri", "class", "label", "id"):
        assert k in o, (k, o)
priv = [o for o in objs if o["class"] == "private-key"]
assert sorted(o["label"] for o in priv) == ["api", "web"], priv
for o in priv:
    assert o["sensitive"] is True and o["extractable"] is False, o
    assert o["never_extractable"] is True, o
print(len(objs))
EOF
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" -eq "$(token_object_count)" ]
}

@test "PIN from --pin-source file:PATH" {
    run p11cert --pin-source "file:$PIN_FILE" -q csr "$KEY_URI" --subject /CN=h.example --out r.pem
    [ "$status" -eq 0 ]
    req_ok r.pem
}

@test "PIN from --pin-source env:NAME" {
    MY_TEST_PIN=$user_pin run p11cert --pin-source env:MY_TEST_PIN -q csr "$KEY_URI" \
        --subject /CN=h.example --out r.pem
    [ "$status" -eq 0 ]
    req_ok r.pem
}

@test "PIN from --pin-source fd:3" {
    run p11cert --pin-source fd:3 -q csr "$KEY_URI" --subject /CN=h.example --out r.pem 3<"$PIN_FILE"
    [ "$status" -eq 0 ]
    req_ok r.pem
}

@test "PIN from the URI's pin-source= (query attribute)" {
    run p11cert -q csr "$KEY_URI?pin-source=file:$PIN_FILE" --subject /CN=h.example --out r.pem </dev/null
    [ "$status" -eq 0 ]
    req_ok r.pem
}

@test "--pin VALUE is refused anywhere (exit 2) with a message naming --pin-source" {
    local args
    for args in "--pin|$user_pin|csr|$KEY_URI|--subject|/CN=h" \
        "csr|$KEY_URI|--subject|/CN=h|--pin|$user_pin" \
        "csr|--pin=$user_pin|$KEY_URI|--subject|/CN=h" \
        "keygen|$TOKEN_URI|--label|x|--pin|$user_pin"; do
        IFS='|' read -r -a argv <<<"$args"
        run --separate-stderr p11cert "${argv[@]}"
        echo "${argv[*]} -> $status: $stderr"
        [ "$status" -eq 2 ]
        [ -z "$output" ]
        [[ $stderr == *--pin-source* ]]
        # The PIN is not echoed back.
        [[ $stderr != *"$user_pin"* ]]
    done
    [ -z "$(ls -A .)" ]
    [ -z "$(pkcs11_tool_on "$TOKEN_LABEL" --login --pin "$user_pin" --list-objects | grep 'label: *x$')" ]
}

@test "no PIN source and stdin not a terminal: exit 1 naming --pin-source" {
    run --separate-stderr p11cert csr "$KEY_URI" --subject /CN=h.example --out r.pem </dev/null
    echo "$stderr"
    [ "$status" -eq 1 ]
    [[ $stderr == *--pin-source* ]]
    [ ! -e r.pem ]
}

@test "wrong PIN: exit 1 with CKR_PIN_INCORRECT, no file" {
    # Its own token: a failed login changes the token's PIN-count flags.
    setup_token wrong-pin
    p11cert_pin -q keygen "$TOKEN_URI" --label k --type ec:p256 >/dev/null
    local bad
    bad=$(printf '%0*d' 6 0)
    printf '%s\n' "$bad" >bad-pin
    chmod 0600 bad-pin
    run --separate-stderr p11cert --pin-source file:bad-pin csr "pkcs11:token=wrong-pin;object=k" \
        --subject /CN=h.example --out r.pem
    echo "$stderr"
    [ "$status" -eq 1 ]
    [[ $stderr == *CKR_PIN_INCORRECT* ]]
    [ "$(error_lines)" -eq 1 ]
    [ ! -e r.pem ]
}

@test "a key URI that matches nothing: exit 1, says what was searched" {
    run --separate-stderr p11cert_pin csr "pkcs11:token=$TOKEN_LABEL;object=no-such-key" \
        --subject /CN=h.example --out r.pem
    echo "$stderr"
    [ "$status" -eq 1 ]
    [[ $stderr == *no-such-key* ]]
    [ ! -e r.pem ]
    # A token label that matches nothing, likewise.
    run --separate-stderr p11cert_pin csr "pkcs11:token=no-such-token;object=web" \
        --subject /CN=h.example --out r.pem
    echo "$stderr"
    [ "$status" -eq 1 ]
    [[ $stderr == *no-such-token* ]]
    [ ! -e r.pem ]
}

@test "two keys with one label: csr exits 1 and lists the candidates" {
    setup_token dup-label
    local first
    first=$(p11cert_pin -q keygen "$TOKEN_URI" --label same --type ec:p256)
    pkcs11_tool_on dup-label --login --pin "$user_pin" --keypairgen --key-type EC:prime256v1 \
        --label same --id 0102 >/dev/null
    run --separate-stderr p11cert_pin csr "pkcs11:token=dup-label;object=same" \
        --subject /CN=h.example --out r.pem
    echo "$stderr"
    [ "$status" -eq 1 ]
    [ ! -e r.pem ]
    # Both candidates, by id: pkcs11-tool's 0102 and p11cert's.
    [[ $stderr == *"id=%01%02"* ]]
    local id=${first#*;id=}
    id=${id%%;*}
    [[ $stderr == *"id=$id"* ]]
}

@test "--module /nonexistent.so: exit 1 with one clear error line" {
    run --separate-stderr p11cert_pin --module /nonexistent.so csr "$KEY_URI" --subject /CN=h.example \
        --out r.pem
    echo "$stderr"
    [ "$status" -eq 1 ]
    [ "$(error_lines)" -eq 1 ]
    [[ ${stderr_lines[0]} == "p11cert: csr: "*"/nonexistent.so"* ]]
    [ ! -e r.pem ]
}

@test "a key argument that is not a PKCS#11 URI: exit 1 or 2 with a clear message" {
    run --separate-stderr p11cert_pin csr token=x --subject /CN=h.example --out r.pem
    echo "$stderr"
    [ "$status" -eq 1 ] || [ "$status" -eq 2 ]
    [[ ${stderr_lines[0]} == "p11cert: csr: "*"token=x"* ]]
    [[ $stderr == *pkcs11:* ]]
    [ ! -e r.pem ]
}

@test "P11CERT_MODULE selects the module" {
    run p11cert_pin -q csr "$KEY_URI" --subject /CN=h.example --out r.pem
    [ "$status" -eq 0 ]
    req_ok r.pem
    # It is really used: a bad one fails, naming it.
    P11CERT_MODULE=/nonexistent/p11.so run --separate-stderr p11cert_pin csr "$KEY_URI" \
        --subject /CN=h.example --out r2.pem
    echo "$stderr"
    [ "$status" -eq 1 ]
    [[ $stderr == */nonexistent/p11.so* ]]
    [ ! -e r2.pem ]
}

@test "module-path= in the URI selects the module" {
    unset P11CERT_MODULE
    run p11cert_pin -q csr "$KEY_URI?module-path=$SOFTHSM_MODULE" --subject /CN=h.example --out r.pem
    [ "$status" -eq 0 ]
    req_ok r.pem
    run --separate-stderr p11cert_pin csr "$KEY_URI?module-path=/nonexistent/p11.so" \
        --subject /CN=h.example --out r2.pem
    echo "$stderr"
    [ "$status" -eq 1 ]
    [[ $stderr == */nonexistent/p11.so* ]]
    [ ! -e r2.pem ]
}

@test "--module beats P11CERT_MODULE" {
    P11CERT_MODULE=/nonexistent/p11.so run p11cert_pin -q --module "$SOFTHSM_MODULE" csr "$KEY_URI" \
        --subject /CN=h.example --out r.pem
    [ "$status" -eq 0 ]
    req_ok r.pem
}

@test "--pin-source with an unknown type is a usage error (exit 2)" {
    run --separate-stderr p11cert --pin-source bogus:x csr "$KEY_URI" --subject /CN=h.example --out r.pem
    [ "$status" -eq 2 ]
    [[ $stderr == *pin-source* ]]
    [ ! -e r.pem ]
}

@test "tokens URI: only the tokens the URI matches" {
    setup_token tok-one tok-two
    run --separate-stderr p11cert tokens "pkcs11:token=tok-two"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(grep -c '^pkcs11:' <<<"$output")" -eq 1 ]
    grep -Eq '^ +label: +tok-two$' <<<"$output"
    [[ $output != *tok-one* ]]
    # Without a URI, both (and SoftHSM's spare uninitialised slot).
    run --separate-stderr p11cert tokens
    grep -Eq '^ +label: +tok-one$' <<<"$output"
    grep -Eq '^ +label: +tok-two$' <<<"$output"
}

@test "labels with spaces and reserved characters: the printed URI is percent-encoded and round-trips" {
    setup_token 'My Token;1'
    local uri
    run --separate-stderr p11cert_pin keygen 'pkcs11:token=My%20Token%3B1' --label 'web key;a/b' \
        --type ec:p256
    echo "$output"
    [ "$status" -eq 0 ]
    uri=$output
    [[ $uri == *"token=My%20Token%3B1"* ]]
    [[ $uri == *"object=web%20key%3Ba%2Fb"* ]]
    # GnuTLS reads the URI as that key.
    run env GNUTLS_PIN="$user_pin" p11tool --provider "$SOFTHSM_MODULE" --login --list-all "$uri"
    [ "$status" -eq 0 ]
    [ "$(grep -c '^Object ' <<<"$output")" -eq 1 ]
    grep -qx '	Label: web key;a/b' <<<"$output"
    # And p11cert takes its own URI back.
    run p11cert_pin -q csr "$uri" --subject /CN=h.example --out r.pem
    [ "$status" -eq 0 ]
    req_ok r.pem
}

@test "list without a PIN source: public objects only, exit 0, and it says why" {
    run --separate-stderr p11cert list "$TOKEN_URI" </dev/null
    echo "$output"
    echo "$stderr"
    [ "$status" -eq 0 ]
    [[ $output == *";object=web;type=public"* ]]
    [[ $output != *"type=private"* ]]
    [[ $stderr == *"private"* ]]
}
