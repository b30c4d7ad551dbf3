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
    printf 'public_key_usage = omit\n' >"$PROFILES/omit-usage.profile"
    printf 'sign_rsa = hashed\n' >"$PROFILES/hashed-rsa.profile"
    printf 'sign_ec = hashed\n' >"$PROFILES/hashed-ec.profile"
    printf 'relogin_to_remove = yes\n' >"$PROFILES/relogin.profile"
    printf 'hint_CKR_PIN_INCORRECT = the words of profile pin-hint about a wrong PIN\n' \
        >"$PROFILES/pin-hint.profile"
}

setup() {
    mkdir "$BATS_TEST_TMPDIR/work" && cd "$BATS_TEST_TMPDIR/work" || return 1
}

# The pkcs11-tool --list-objects block of the private key labelled LABEL.
private_block() {
    pkcs11_tool_on "$TOKEN_LABEL" --login --pin "$(user_pin)" --list-objects --type privkey |
        object_block_of "$1"
}

# p11cert through pkcs11-spy.so in front of SoftHSM, its log in LOG.
spied() {
    local log=$1
    shift
    PKCS11SPY=$SOFTHSM_MODULE PKCS11SPY_OUTPUT=$log P11CERT_PROFILES=$PROFILES \
        p11cert --module "$(_spy_module)" --pin-source "file:$PIN_FILE" "$@"
}

# The spy's record of the first call NAME in LOG (to its "Returned" line).
spy_call() {
    sed -n "/: $2\$/,/^Returned/p" "$1" | sed '/^Returned/q'
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

@test "public_key_usage=omit: keygen's public template has no usages; the private half is still sign only" {
    spied omit.log --profile omit-usage -q keygen "$TOKEN_URI" --label omit-usage --type ec:p256 >/dev/null
    spy_call omit.log C_GenerateKeyPair >gen.txt
    sed -n '/pPublicKeyTemplate/,/pPrivateKeyTemplate/p' gen.txt >pub.txt
    sed -n '/pPrivateKeyTemplate/,$p' gen.txt >priv.txt
    cat gen.txt
    grep -q 'CKA_TOKEN  *True' pub.txt
    grep -q 'CKA_EC_PARAMS' pub.txt
    ! grep -qE 'CKA_(VERIFY|ENCRYPT|WRAP|DERIVE) ' pub.txt || false
    grep -q 'CKA_SIGN  *True' priv.txt
    grep -q 'CKA_DECRYPT  *False' priv.txt
    grep -q 'Returned:  0 CKR_OK' gen.txt
    # pkcs11-tool: the private key signs and does nothing else.
    private_block omit-usage | grep -qE '^[[:space:]]*Usage:[[:space:]]*sign$'
    # The default (set) says verify only on the public half.
    spied set.log -q keygen "$TOKEN_URI" --label set-usage --type ec:p256 >/dev/null
    spy_call set.log C_GenerateKeyPair | sed -n '/pPublicKeyTemplate/,/pPrivateKeyTemplate/p' >pub-set.txt
    grep -q 'CKA_VERIFY  *True' pub-set.txt
    grep -q 'CKA_ENCRYPT  *False' pub-set.txt
}

@test "sign_rsa=hashed: csr, csr --pss and selfsign give the token the whole TBS (CKM_SHA*_RSA_PKCS, _PSS); openssl verifies" {
    p11cert_pin -q keygen "$TOKEN_URI" --label hashed-rsa --type rsa:2048 >/dev/null
    key="pkcs11:token=profiles;object=hashed-rsa"
    spied hashed.log --profile hashed-rsa -q csr "$key" --subject /CN=hashed.example --out hashed.csr
    spy_call hashed.log C_SignInit >init.txt
    spy_call hashed.log C_Sign >sign.txt
    cat init.txt sign.txt
    grep -q 'pMechanism->type = CKM_SHA256_RSA_PKCS ' init.txt
    # The whole request body, not a 51-byte DigestInfo.
    len=$(sed -nE 's/.*pData\[ulDataLen\] [0-9a-f]+ \/ ([0-9]+)$/\1/p' sign.txt | head -n 1)
    [ "$len" -gt 200 ]
    openssl req -in hashed.csr -verify -noout
    spied pss.log --profile hashed-rsa -q csr "$key" --subject /CN=hashed.example --pss \
        --hash sha384 --out pss.csr
    spy_call pss.log C_SignInit | grep -q 'pMechanism->type = CKM_SHA384_RSA_PKCS_PSS '
    openssl req -in pss.csr -noout -text | grep -q 'Signature Algorithm: rsassaPss'
    openssl req -in pss.csr -noout -text | grep -q 'Hash Algorithm: sha384'
    openssl req -in pss.csr -verify -noout
    spied self.log --profile hashed-rsa -q selfsign "$key" --subject /CN=hashed.example \
        --hash sha512 --days 2 --out self.crt
    spy_call self.log C_SignInit | grep -q 'pMechanism->type = CKM_SHA512_RSA_PKCS '
    openssl x509 -in self.crt -noout -text | grep -q 'Signature Algorithm: sha512WithRSAEncryption'
    openssl verify -check_ss_sig -partial_chain -CAfile self.crt self.crt
    # The default (raw): CKM_RSA_PKCS over the 51-byte DigestInfo of SHA-256.
    spied raw.log -q csr "$key" --subject /CN=raw.example --out raw.csr
    spy_call raw.log C_SignInit | grep -q 'pMechanism->type = CKM_RSA_PKCS '
    spy_call raw.log C_Sign | grep -qE 'pData\[ulDataLen\] [0-9a-f]+ / 51$'
    openssl req -in raw.csr -verify -noout
}

@test "sign_ec=hashed: on a token without hashed ECDSA (SoftHSM) csr says which mechanism it lacks, no file" {
    p11cert_pin -q keygen "$TOKEN_URI" --label hashed-ec --type ec:p256 >/dev/null
    run --separate-stderr env P11CERT_PROFILES="$PROFILES" p11cert --profile hashed-ec \
        --pin-source "file:$PIN_FILE" csr "pkcs11:token=profiles;object=hashed-ec" \
        --subject /CN=ec.example --out ec.csr
    echo "$stderr"
    [ "$status" -eq 1 ]
    [ "$stderr" = "p11cert: csr: CKM_ECDSA_SHA256 is not supported by this token" ]
    [ ! -e ec.csr ]
    # The default (raw) signs with CKM_ECDSA over the hash, and openssl verifies it.
    spied ec.log -q csr "pkcs11:token=profiles;object=hashed-ec" --subject /CN=ec.example --out ec.csr
    spy_call ec.log C_SignInit | grep -q 'pMechanism->type = CKM_ECDSA '
    openssl req -in ec.csr -verify -noout
}

@test "relogin_to_remove=yes: a pair keygen removes again is removed after C_Logout and C_Login; nothing left" {
    fault=$P11CERT_BUILD/tests/p11-fault.so
    before=$(token_object_count)
    # The id cannot be set after generation (the fault module fails it): keygen removes the pair.
    run env PKCS11SPY="$fault" P11FAULT_MODULE="$SOFTHSM_MODULE" P11FAULT_CALL=C_SetAttributeValue \
        P11FAULT_ACTION=fail PKCS11SPY_OUTPUT="$PWD/relogin.log" P11CERT_PROFILES="$PROFILES" \
        p11cert --module "$(_spy_module)" --profile relogin --pin-source "file:$PIN_FILE" \
        keygen "$TOKEN_URI" --label relogin --type ec:p256
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == *"cannot set the key's id"* ]]
    [ "$(token_object_count)" -eq "$before" ]
    grep -oE '^[0-9]+: C_(GenerateKeyPair|Logout|Login|DestroyObject)$' relogin.log |
        awk '{ print $2 }' | tr '\n' ' ' >order.txt
    cat order.txt
    [ "$(cat order.txt)" = "C_Login C_GenerateKeyPair C_Logout C_Login C_DestroyObject C_DestroyObject " ]
    [ "$(grep -A20 -E '^[0-9]+: C_DestroyObject$' relogin.log | grep -c 'Returned:  0 CKR_OK')" -ge 2 ]
    # Without the switch: no second login.
    run env PKCS11SPY="$fault" P11FAULT_MODULE="$SOFTHSM_MODULE" P11FAULT_CALL=C_SetAttributeValue \
        P11FAULT_ACTION=fail PKCS11SPY_OUTPUT="$PWD/plain.log" \
        p11cert --module "$(_spy_module)" --pin-source "file:$PIN_FILE" \
        keygen "$TOKEN_URI" --label plain --type ec:p256
    [ "$status" -eq 1 ]
    [ "$(grep -cE '^[0-9]+: C_Logout$' plain.log)" -eq 0 ]
    [ "$(grep -cE '^[0-9]+: C_DestroyObject$' plain.log)" -eq 2 ]
    [ "$(token_object_count)" -eq "$before" ]
}

@test "hint_CKR_PIN_INCORRECT: a wrong PIN shows the profile's hint in place of p11cert's" {
    printf 'wrong-pin\n' >wrong
    chmod 0600 wrong
    run --separate-stderr env P11CERT_PROFILES="$PROFILES" p11cert --profile pin-hint \
        --pin-source file:wrong list "$TOKEN_URI"
    echo "$stderr"
    [ "$status" -eq 1 ]
    [ "${#stderr_lines[@]}" -eq 2 ]
    [[ ${stderr_lines[0]} == *"CKR_PIN_INCORRECT"* ]]
    [ "${stderr_lines[1]}" = "p11cert: list: hint: the words of profile pin-hint about a wrong PIN (token profile pin-hint)" ]
    run --separate-stderr p11cert --pin-source file:wrong list "$TOKEN_URI"
    echo "$stderr"
    [ "$status" -eq 1 ]
    [[ $stderr == *"hint: "*"check the PIN source"* ]]
}
