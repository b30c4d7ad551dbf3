#!/usr/bin/env bats
# p11cert keygen against a throwaway SoftHSM2 token, checked with pkcs11-tool,
# p11tool and openssl (not with p11cert itself).

load helpers

bats_require_minimum_version 1.5.0

setup_file() {
    setup_token keygen
}

setup() {
    user_pin=$(user_pin)
}

# The pkcs11-tool --list-objects block of the KIND ("Private Key Object",
# "Public Key Object") object labelled LABEL on this file's token.
object_block() {
    local kind=$1 label=$2 listing
    listing=$(pkcs11_tool_on "$TOKEN_LABEL" --login --pin "$user_pin" --list-objects) || return 1
    printf '%s\n' "$listing" | awk -v kind="$kind" -v label="$label" '
        function flush() { if (blk != "" && hit) printf "%s", blk; blk = ""; hit = 0 }
        /^[^ \t]/ { flush(); inkind = index($0, kind) == 1 }
        inkind { blk = blk $0 "\n" }
        inkind && $1 == "label:" {
            l = $0; sub(/^[ \t]*label:[ \t]*/, "", l)
            if (l == label) hit = 1
        }
        END { flush() }'
}

# The value of FIELD ("ID", "Usage", "Access") in a pkcs11-tool block.
block_field() {
    printf '%s\n' "$1" | sed -nE "s/^[[:space:]]*$2:[[:space:]]*//p" | head -n 1
}

# The CKA_ID a key's public value gives, computed by openssl from the
# SubjectPublicKeyInfo in DER file SPKI: SHA-1 of the RSA modulus, or of the
# EC point / Ed25519 key (the last BYTES bytes of the SPKI) without DER wrapping.
expected_id() {
    local spki=$1 bytes=${2:-}
    if [ -z "$bytes" ]; then
        local modulus
        modulus=$(openssl rsa -pubin -inform DER -in "$spki" -noout -modulus) || return 1
        sha1_of_hex "${modulus#Modulus=}"
    else
        tail -c "$bytes" "$spki" | sha1sum | cut -d' ' -f1
    fi
}

# keygen_and_check TYPE LABEL PATTERN [POINT-BYTES]
#   TYPE "" means no --type (the default). PATTERN is an ERE that openssl's
#   text dump of the public key must match (size / curve). POINT-BYTES: see
#   expected_id (empty for RSA).
keygen_and_check() {
    local type=$1 label=$2 pattern=$3 bytes=${4:-} before block id spki want
    local args=(keygen "$TOKEN_URI" --label "$label")
    [ -z "$type" ] || args+=(--type "$type")

    before=$(token_object_count)
    run --separate-stderr p11cert_pin "${args[@]}"
    [ "$status" -eq 0 ] || {
        echo "keygen exited $status: $output $stderr"
        return 1
    }

    # One line: the private key's RFC 7512 URI.
    [ "${#lines[@]}" -eq 1 ]
    [[ ${lines[0]} == pkcs11:* ]]
    [[ ${lines[0]} == *";type=private"* ]]
    [[ ${lines[0]} == *"object=$label"* ]]
    [[ ${lines[0]} == *"token=$TOKEN_LABEL"* ]]
    local uri=${lines[0]}

    # Two new objects (the pair), counted by pkcs11-tool.
    [ "$(token_object_count)" -eq $((before + 2)) ]

    # The URI it printed selects exactly that private key for GnuTLS.
    run env GNUTLS_PIN="$user_pin" p11tool --provider "$SOFTHSM_MODULE" --login --list-all "$uri"
    [ "$status" -eq 0 ]
    [ "$(grep -c '^Object ' <<<"$output")" -eq 1 ]
    grep -q "Type: Private key" <<<"$output"
    grep -qx "	Label: $label" <<<"$output"

    # pkcs11-tool: sensitive, always sensitive, never extractable.
    block=$(object_block "Private Key Object" "$label")
    [ -n "$block" ] || {
        echo "pkcs11-tool lists no private key '$label'"
        return 1
    }
    echo "$block"
    [[ $(block_field "$block" Access) =~ ^sensitive,\ always\ sensitive,\ never\ extractable(,\ local)?$ ]]

    # The public key: its type and size as openssl reads it, and the CKA_ID.
    spki=$BATS_TEST_TMPDIR/$label.spki.der
    token_pubkey "$TOKEN_LABEL" "$label" "$spki"
    openssl pkey -pubin -inform DER -in "$spki" -noout -text | grep -Eq "$pattern"
    want=$(expected_id "$spki" "$bytes")
    id=$(block_field "$block" ID)
    echo "CKA_ID $id, expected $want"
    [ "$id" = "$want" ]
    # Both halves carry it.
    [ "$(block_field "$(object_block "Public Key Object" "$label")" ID)" = "$want" ]
}

@test "keygen: default type is rsa:2048; sensitive, never extractable; CKA_ID = SHA-1 of the modulus" {
    keygen_and_check "" k-default 'Public-Key: \(2048 bit\)'
    token_pubkey "$TOKEN_LABEL" k-default "$BATS_TEST_TMPDIR/e.der"
    openssl pkey -pubin -inform DER -in "$BATS_TEST_TMPDIR/e.der" -noout -text |
        grep -q 'Exponent: 65537'
}

@test "keygen --type rsa:3072" {
    keygen_and_check rsa:3072 k-rsa3072 'Public-Key: \(3072 bit\)'
}

@test "keygen --type rsa:4096" {
    keygen_and_check rsa:4096 k-rsa4096 'Public-Key: \(4096 bit\)'
}

@test "keygen --type ec:p256: CKA_ID = SHA-1 of the EC point" {
    keygen_and_check ec:p256 k-p256 'NIST CURVE: P-256' 65
}

@test "keygen --type ec:p384" {
    keygen_and_check ec:p384 k-p384 'NIST CURVE: P-384' 97
}

@test "keygen --type ec:p521" {
    keygen_and_check ec:p521 k-p521 'NIST CURVE: P-521' 133
}

@test "keygen --type ed25519" {
    keygen_and_check ed25519 k-ed25519 'ED25519 Public-Key' 32
}

# ARCHITECTURE.md: CKA_SIGN / CKA_VERIFY only; keygen --help: "for signing only".
@test "keygen: the private key's usage is sign only (pkcs11-tool), for RSA, EC and Ed25519" {
    local type label block bad=0
    for type in rsa:2048 ec:p256 ed25519; do
        label=usage-${type/:/-}
        run p11cert_pin keygen "$TOKEN_URI" --label "$label" --type "$type"
        [ "$status" -eq 0 ]
        block=$(object_block "Private Key Object" "$label")
        [ -n "$block" ]
        echo "$type private key usage: $(block_field "$block" Usage)"
        [ "$(block_field "$block" Usage)" = sign ] || bad=1
    done
    [ "$bad" -eq 0 ]
}

@test "keygen: the public key's usage is verify only (pkcs11-tool), for RSA, EC and Ed25519" {
    local type label block bad=0
    for type in rsa:2048 ec:p256 ed25519; do
        label=pubusage-${type/:/-}
        run p11cert_pin keygen "$TOKEN_URI" --label "$label" --type "$type"
        [ "$status" -eq 0 ]
        block=$(object_block "Public Key Object" "$label")
        [ -n "$block" ]
        echo "$type public key usage: $(block_field "$block" Usage)"
        [ "$(block_field "$block" Usage)" = verify ] || bad=1
    done
    [ "$bad" -eq 0 ]
}

@test "keygen: p11tool sees CKA_PRIVATE, CKA_SENSITIVE, CKA_NEVER_EXTRACTABLE and not CKA_EXTRACTABLE" {
    run p11cert_pin keygen "$TOKEN_URI" --label k-p11tool --type ec:p256
    [ "$status" -eq 0 ]
    run env GNUTLS_PIN="$user_pin" p11tool --provider "$SOFTHSM_MODULE" --login --list-all \
        "pkcs11:token=$TOKEN_LABEL;object=k-p11tool;type=private"
    [ "$status" -eq 0 ]
    local flags
    flags=$(grep 'Flags:' <<<"$output")
    echo "$flags"
    [ "$(wc -l <<<"$flags")" -eq 1 ]
    [[ $flags == *"CKA_PRIVATE;"* ]]
    [[ $flags == *"CKA_SENSITIVE;"* ]]
    [[ $flags == *"CKA_NEVER_EXTRACTABLE;"* ]]
    [[ ! $flags =~ (:|;)\ CKA_EXTRACTABLE\; ]]
}

@test "keygen --id 0a0b sets that CKA_ID on both halves" {
    run --separate-stderr p11cert_pin keygen "$TOKEN_URI" --label k-id --id 0a0b --type ec:p256
    [ "$status" -eq 0 ]
    [[ $output == *"id=%0A%0B"* ]] || [[ $output == *"id=%0a%0b"* ]]
    [ "$(block_field "$(object_block "Private Key Object" k-id)" ID)" = 0a0b ]
    [ "$(block_field "$(object_block "Public Key Object" k-id)" ID)" = 0a0b ]
}

@test "keygen: a label already in use is refused (exit 1), nothing created" {
    run p11cert_pin keygen "$TOKEN_URI" --label k-dup --type ec:p256
    [ "$status" -eq 0 ]
    local before
    before=$(token_object_count)
    run --separate-stderr p11cert_pin keygen "$TOKEN_URI" --label k-dup --type ec:p256
    echo "$stderr"
    [ "$status" -eq 1 ]
    [ -z "$output" ]
    [[ $stderr == *k-dup* ]]
    [ "$(token_object_count)" -eq "$before" ]
}

@test "keygen: an id already in use is refused (exit 1), nothing created" {
    run p11cert_pin keygen "$TOKEN_URI" --label k-dupid-1 --id c0ffee --type ec:p256
    [ "$status" -eq 0 ]
    local before
    before=$(token_object_count)
    run --separate-stderr p11cert_pin keygen "$TOKEN_URI" --label k-dupid-2 --id c0ffee --type ec:p256
    echo "$stderr"
    [ "$status" -eq 1 ]
    [ -z "$output" ]
    [ "$(token_object_count)" -eq "$before" ]
    [ -z "$(object_block "Private Key Object" k-dupid-2)" ]
}

@test "keygen --type rsa:1024 is a usage error (exit 2), nothing created" {
    local before
    before=$(token_object_count)
    run --separate-stderr p11cert_pin keygen "$TOKEN_URI" --label k-1024 --type rsa:1024
    echo "$stderr"
    [ "$status" -eq 2 ]
    [[ $stderr == *rsa:1024* ]]
    [ "$(token_object_count)" -eq "$before" ]
}

@test "keygen --type dsa:2048 is a usage error (exit 2), nothing created" {
    local before
    before=$(token_object_count)
    run --separate-stderr p11cert_pin keygen "$TOKEN_URI" --label k-dsa --type dsa:2048
    echo "$stderr"
    [ "$status" -eq 2 ]
    [[ $stderr == *dsa:2048* ]]
    [ "$(token_object_count)" -eq "$before" ]
}

@test "keygen without --label is a usage error (exit 2), nothing created" {
    local before
    before=$(token_object_count)
    run --separate-stderr p11cert_pin keygen "$TOKEN_URI" --type ec:p256
    echo "$stderr"
    [ "$status" -eq 2 ]
    [[ $stderr == *--label* ]]
    [ "$(token_object_count)" -eq "$before" ]
}

@test "keygen --id with non-hex is a usage error (exit 2), nothing created" {
    local before
    before=$(token_object_count)
    run --separate-stderr p11cert_pin keygen "$TOKEN_URI" --label k-badid --id xyz --type ec:p256
    echo "$stderr"
    [ "$status" -eq 2 ]
    [ "$(token_object_count)" -eq "$before" ]
}

@test "keygen --json: one JSON document with uri, label, id, type" {
    run --separate-stderr p11cert_pin --json keygen "$TOKEN_URI" --label k-json --type ec:p384
    [ "$status" -eq 0 ]
    printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/out.json"
    python3 -m json.tool "$BATS_TEST_TMPDIR/out.json" >/dev/null
    run python3 - "$BATS_TEST_TMPDIR/out.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("uri", "label", "id", "type"):
    assert k in d, "missing " + k
print(d["uri"]); print(d["label"]); print(d["id"]); print(d["type"])
EOF
    echo "$output"
    [ "$status" -eq 0 ]
    [[ ${lines[0]} == pkcs11:*";type=private"* ]]
    [ "${lines[1]}" = k-json ]
    [ "${lines[3]}" = ec:p384 ]
    # The id it reports is the one pkcs11-tool sees.
    [ "${lines[2]}" = "$(block_field "$(object_block "Private Key Object" k-json)" ID)" ]
}
