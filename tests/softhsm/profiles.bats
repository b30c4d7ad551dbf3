#!/usr/bin/env bats
# Token profiles (tokens/*.profile): chosen by the token's manufacturer and model or
# by --profile, shown by `tokens`, and each quirk switch changing what p11cert does.
# Test-local profiles live in a directory P11CERT_PROFILES names. What p11cert did
# is checked with pkcs11-tool and with pkcs11-spy's log of the calls it made.

load helpers

bats_require_minimum_version 1.5.0

setup_file() {
    setup_token profiles
    export PROFILES=$BATS_FILE_TMPDIR/profiles
    mkdir -p "$PROFILES"
    printf 'label_max = 8\n' >"$PROFILES/short-labels.profile"
    printf 'default_key_type = ec:p384\n' >"$PROFILES/ec-default.profile"
    printf 'set_id_after_generation = no\n' >"$PROFILES/fixed-id.profile"
    printf 'cert_template = full\n' >"$PROFILES/full-cert.profile"
    printf 'cert_template = minimal\n' >"$PROFILES/minimal-cert.profile"
}

setup() {
    mkdir "$BATS_TEST_TMPDIR/work" && cd "$BATS_TEST_TMPDIR/work" || return 1
}

# The pkcs11-tool --list-objects block of the private key labelled LABEL.
private_block() {
    pkcs11_tool_on "$TOKEN_LABEL" --login --pin "$(user_pin)" --list-objects --type privkey |
        awk -v label="$1" '
            /^Private Key Object/ { if (hit) exit; blk = "" }
            { blk = blk $0 "\n" }
            $1 == "label:" { l = $0; sub(/^[ \t]*label:[ \t]*/, "", l); if (l == label) hit = 1 }
            END { if (hit) printf "%s", blk }'
}

key_id() {
    private_block "$1" | sed -nE 's/^[[:space:]]*ID:[[:space:]]*//p' | head -n 1
}

@test "profiles: every shipped profile parses; tokens shows softhsm2 for SoftHSM (text and --json)" {
    for f in "$P11CERT_SRC"/tokens/*.profile; do
        name=$(basename "$f" .profile)
        run p11cert --profile "$name" tokens "$TOKEN_URI"
        echo "$name: $output"
        [ "$status" -eq 0 ]
        [[ $output == *"profile:      $name"* ]]
    done
    run p11cert tokens "$TOKEN_URI"
    echo "$output"
    [[ $output == *"profile:      softhsm2"* ]]
    run --separate-stderr p11cert --json tokens "$TOKEN_URI"
    [ "$(python3 -c 'import json,sys; print(json.load(sys.stdin)["tokens"][0]["profile"])' \
        <<<"$output")" = softhsm2 ]
}

@test "profiles: --profile FILE, an unknown --profile and a broken profile are errors that say why" {
    run p11cert --profile "$PROFILES/short-labels.profile" tokens "$TOKEN_URI"
    [ "$status" -eq 0 ]
    [[ $output == *"profile:      short-labels"* ]]
    run env P11CERT_PROFILES="$PROFILES" p11cert --profile nosuch tokens "$TOKEN_URI"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *'no token profile named "nosuch"'* ]]
    printf 'label_max = many\n' >broken.profile
    run p11cert --profile ./broken.profile tokens "$TOKEN_URI"
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"broken.profile: line 1: label_max wants a number"* ]]
    printf 'lable_max = 8\n' >typo.profile
    run p11cert --profile ./typo.profile tokens "$TOKEN_URI"
    [ "$status" -eq 1 ]
    [[ $output == *'unknown key "lable_max"'* ]]
}

@test "profiles: a broken profile met while matching is skipped with a warning" {
    mkdir dir
    cp "$P11CERT_SRC/tokens/softhsm2.profile" dir/
    printf 'match_model = *\ncert_template = huge\n' >dir/aaa-broken.profile
    run env P11CERT_PROFILES="$PWD/dir" p11cert tokens "$TOKEN_URI"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"aaa-broken.profile: line 2"*"skipped"* ]]
    [[ $output == *"profile:      softhsm2"* ]]
}

@test "profiles: with no --module, --profile softhsm2 loads the module its 'module =' names" {
    run --separate-stderr env -u P11CERT_MODULE p11cert --profile softhsm2 --json tokens
    echo "$output"
    [ "$status" -eq 0 ]
    python3 - "$output" "$SOFTHSM_MODULE" <<'PY'
import json, sys
t = json.loads(sys.argv[1])["tokens"]
assert {x["module"] for x in t} == {sys.argv[2]}, t  # that path, and no other module
assert "profiles" in [x["label"] for x in t], t
PY
}

@test "label_max: a label longer than the profile allows is refused, nothing created" {
    before=$(token_object_count)
    run env P11CERT_PROFILES="$PROFILES" p11cert --profile short-labels \
        --pin-source "file:$PIN_FILE" keygen "$TOKEN_URI" --label nine-char
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *'label "nine-char" has 9 characters; this token (profile short-labels) keeps at most 8'* ]]
    [ "$(token_object_count)" -eq "$before" ]
    run env P11CERT_PROFILES="$PROFILES" p11cert --profile short-labels \
        --pin-source "file:$PIN_FILE" keygen "$TOKEN_URI" --label eight-ch
    [ "$status" -eq 0 ]
    [ -n "$(private_block eight-ch)" ]
}

@test "default_key_type: keygen without --type makes the profile's type; --type still wins" {
    P11CERT_PROFILES=$PROFILES p11cert_pin --profile ec-default -q keygen "$TOKEN_URI" \
        --label by-profile >/dev/null
    private_block by-profile | grep -qE 'EC(DSA)?'
    token_pubkey "$TOKEN_LABEL" by-profile pub.der
    openssl pkey -pubin -inform DER -in pub.der -noout -text | grep -qE 'P-384|secp384r1'
    P11CERT_PROFILES=$PROFILES p11cert_pin --profile ec-default -q keygen "$TOKEN_URI" \
        --label by-option --type rsa:2048 >/dev/null
    private_block by-option | grep -q 'RSA'
    # The default profile (softhsm2) keeps rsa:2048.
    p11cert_pin -q keygen "$TOKEN_URI" --label by-default >/dev/null
    private_block by-default | grep -q 'RSA'
}

@test "set_id_after_generation=no: the id is set at generation, random; no C_SetAttributeValue" {
    spy=$(_spy_module)
    PKCS11SPY=$SOFTHSM_MODULE PKCS11SPY_OUTPUT=$PWD/fixed.log P11CERT_PROFILES=$PROFILES \
        p11cert --module "$spy" --profile fixed-id --pin-source "file:$PIN_FILE" \
        keygen "$TOKEN_URI" --label fixed-id >out 2>err
    cat out err
    grep -q 'the id is set at generation, and random' err
    ! grep -q 'C_SetAttributeValue' fixed.log || false
    grep -A30 'C_GenerateKeyPair' fixed.log | grep -q 'CKA_ID'
    id=$(key_id fixed-id)
    [ "${#id}" -eq 40 ]
    token_pubkey "$TOKEN_LABEL" fixed-id pub.der
    modulus=$(openssl rsa -pubin -inform DER -in pub.der -noout -modulus)
    [ "$id" != "$(sha1_of_hex "${modulus#Modulus=}")" ]
    # Both halves carry it (pkcs11-tool, public key object).
    pkcs11_tool_on "$TOKEN_LABEL" --list-objects --type pubkey --label fixed-id | grep -q "ID: *$id"
    # The default: generated without an id, then set to the SHA-1 of the modulus.
    PKCS11SPY=$SOFTHSM_MODULE PKCS11SPY_OUTPUT=$PWD/set.log \
        p11cert --module "$spy" --pin-source "file:$PIN_FILE" -q keygen "$TOKEN_URI" \
        --label set-after >/dev/null
    grep -q 'C_SetAttributeValue' set.log
    token_pubkey "$TOKEN_LABEL" set-after pub2.der
    modulus=$(openssl rsa -pubin -inform DER -in pub2.der -noout -modulus)
    [ "$(key_id set-after)" = "$(sha1_of_hex "${modulus#Modulus=}")" ]
}

@test "id_convention=piv (yubikey profile): keygen needs a PIV slot id, and uses the profile's ec:p256" {
    before=$(token_object_count)
    run p11cert_pin --profile yubikey keygen "$TOKEN_URI" --label piv-none
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"names keys by PIV slot: give --id 01 (slot 9a"* ]]
    run p11cert_pin --profile yubikey keygen "$TOKEN_URI" --label piv-bad --id 9a
    [ "$status" -eq 1 ]
    [ "$(token_object_count)" -eq "$before" ]
    run p11cert_pin --profile yubikey keygen "$TOKEN_URI" --label piv-sig --id 02
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(key_id piv-sig)" = 02 ]
    private_block piv-sig | grep -qE 'EC'
}

@test "cert_template=full: import also sends CKA_PRIVATE false, category and dates; minimal does not" {
    p11cert_pin -q keygen "$TOKEN_URI" --label certs >/dev/null
    p11cert_pin -q selfsign "pkcs11:token=profiles;object=certs" --subject /CN=certs.example.com \
        --days 30 --out certs.crt
    spy=$(_spy_module)
    PKCS11SPY=$SOFTHSM_MODULE PKCS11SPY_OUTPUT=$PWD/minimal.log P11CERT_PROFILES=$PROFILES \
        p11cert --module "$spy" --profile minimal-cert --pin-source "file:$PIN_FILE" -q \
        import certs.crt --token "$TOKEN_URI" >/dev/null
    sed -n '/C_CreateObject/,/Returned/p' minimal.log >minimal.tmpl
    grep -q CKA_VALUE minimal.tmpl
    ! grep -q CKA_START_DATE minimal.tmpl || false
    ! grep -q CKA_CERTIFICATE_CATEGORY minimal.tmpl || false
    # Remove it (pkcs11-tool), and import again with the full template.
    pkcs11_tool_on "$TOKEN_LABEL" --login --pin "$(user_pin)" --delete-object --type cert \
        --label certs >/dev/null
    PKCS11SPY=$SOFTHSM_MODULE PKCS11SPY_OUTPUT=$PWD/full.log P11CERT_PROFILES=$PROFILES \
        p11cert --module "$spy" --profile full-cert --pin-source "file:$PIN_FILE" -q \
        import certs.crt --token "$TOKEN_URI" >/dev/null
    # (pkcs11-spy shows the dates' presence and size, not their value.)
    sed -n '/C_CreateObject/,/Returned/p' full.log >full.tmpl
    grep -qE 'CKA_START_DATE .*/ 8$' full.tmpl
    grep -qE 'CKA_END_DATE .*/ 8$' full.tmpl
    grep -q 'Returned:  0 CKR_OK' full.tmpl
    grep -q CKA_CERTIFICATE_CATEGORY full.tmpl
    grep -qE 'CKA_PRIVATE +False' full.tmpl
    # The token took it, and anyone sees it without logging in (p11tool).
    run p11tool --provider "$SOFTHSM_MODULE" --list-all-certs "pkcs11:token=profiles"
    echo "$output"
    [[ $output == *"Label: certs"* ]]
}
