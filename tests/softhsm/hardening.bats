#!/usr/bin/env bats
# What a hostile or careless operator can do to the outputs, the locks, the
# inputs and the terminal (the hardening issue's items 1-4 and 7-13, and the
# small ones after them). Each test states the defect it guards against;
# results are confirmed with ls/stat, openssl and pkcs11-tool, not by
# p11cert's own word.

load helpers

bats_require_minimum_version 1.5.0

setup_file() {
    setup_token hardening
    p11cert_pin -q keygen "$TOKEN_URI" --label signer --type ec:p256 >/dev/null
    export KEY="pkcs11:token=$TOKEN_LABEL;object=signer"
    export CA=$BATS_FILE_TMPDIR/ca
    mkdir -p "$CA"
    # A PFX whose key is on no token, and its certificate.
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$CA/soft.key" \
        -subj /CN=soft.example -days 30 -out "$CA/soft.pem" 2>/dev/null
    openssl pkcs12 -export -in "$CA/soft.pem" -inkey "$CA/soft.key" -passout pass: \
        -out "$CA/soft.p12"
}

setup() {
    cd "$BATS_TEST_TMPDIR" || return 1
    # Locks go in a private directory of the test's own (token-lock.c).
    export XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/run
    mkdir -m 0700 run
}

# --- 1. outputs that are not regular files -----------------------------------

@test "1: --out naming a FIFO or a device is refused, even with --force; nothing replaces it" {
    mkfifo fifo
    run --separate-stderr p11cert_pin selfsign "$KEY" --subject /CN=a.example --out fifo --force
    [ "$status" -eq 1 ]
    [[ "$stderr" == *'"fifo": it is not a regular file'* ]]
    [ -p fifo ]
    ln -s /dev/null null-link
    run --separate-stderr p11cert chain "$CA/soft.pem" --out null-link --force
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"it is not a regular file"* ]]
    [ -L null-link ]
    [ -c /dev/null ]
    # No temporary file was left beside them.
    [ -z "$(ls -A . | grep '^\.')" ]
}

@test "1: --out - is standard output, not a file named -" {
    run --separate-stderr p11cert convert "$CA/soft.pem" --out -
    [ "$status" -eq 0 ]
    [[ "$output" == *"BEGIN CERTIFICATE"* ]]
    [ ! -e ./- ]
    openssl x509 -noout -subject <<<"$output" | grep -q soft.example
}

@test "also: --out \"\" is a usage error; --key-out - and --fullchain - want a file" {
    run --separate-stderr p11cert convert "$CA/soft.pem" --out ""
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--out wants a file name"* ]]
    run --separate-stderr p11cert convert "$CA/soft.p12" --key-out -
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--key-out wants a file name"* ]]
    run --separate-stderr p11cert chain "$CA/soft.pem" --fullchain -
    [ "$status" -eq 2 ]
}

# --- 2. the same file spelled two ways ----------------------------------------

@test "2: --out ./k.pem --key-out k.pem is one file: refused before anything is written" {
    run --separate-stderr p11cert convert "$CA/soft.p12" --out ./k.pem --key-out k.pem
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--out and --key-out name the same file"* ]]
    [ ! -e k.pem ]
}

@test "2: an output that is an input (another spelling, a link) is refused; the input is intact" {
    cp "$CA/soft.pem" c.pem
    before=$(sha256sum <c.pem)
    run --separate-stderr p11cert chain ./c.pem --out c.pem --fullchain ../"$(basename "$PWD")"/full.pem --force
    [ "$status" -eq 2 ]
    [[ "$stderr" == *'--out names an input (FILE "./c.pem")'* ]]
    ln -s c.pem alias.pem
    run --separate-stderr p11cert convert alias.pem --out c.pem --force
    [ "$status" -eq 2 ]
    [ "$(sha256sum <c.pem)" = "$before" ]
    run --separate-stderr p11cert chain c.pem --out ./x.pem --fullchain x.pem
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--out and --fullchain name the same file"* ]]
}

# --- 3. a failed output after --import-key leaves the token as it was ---------

@test "3: convert --import-key whose --out cannot be named leaves the token unchanged" {
    local pid status=0
    before=$(token_object_count)
    mkdir outdir
    # The import waits in its last C_CreateObject (the certificate), with
    # --out already staged; meanwhile the name is taken, so the final link
    # fails: the key and certificate just stored must go again.
    P11FAULT_MODULE=$SOFTHSM_MODULE P11FAULT_CALL=C_CreateObject P11FAULT_NTH=3 \
        P11FAULT_ACTION=wait P11FAULT_READY=$PWD/stored P11FAULT_GO=$PWD/go \
        p11cert --module "$P11CERT_BUILD/tests/p11-fault.so" --pin-source "file:$PIN_FILE" \
        convert "$CA/soft.p12" --import-key "$TOKEN_URI" --label pfx-key --out outdir/c.pem \
        >conv.out 2>conv.err &
    pid=$!
    while [ ! -e stored ]; do
        kill -0 "$pid"
        sleep 0.05
    done
    mkdir outdir/c.pem
    touch go
    wait "$pid" || status=$?
    cat conv.err
    [ "$status" -eq 1 ]
    grep -q "the key put on the token was removed again" conv.err
    [ "$(token_object_count)" -eq "$before" ]
    run pkcs11_tool_on "$TOKEN_LABEL" --login --pin "$(user_pin)" --list-objects
    [[ "$output" != *pfx-key* ]]
    # A rerun once the way is clear works: no "id in use".
    rmdir outdir/c.pem
    run --separate-stderr p11cert_pin convert "$CA/soft.p12" --import-key "$TOKEN_URI" \
        --label pfx-key --out outdir/c.pem
    [ "$status" -eq 0 ]
    [ "$(token_object_count)" -eq $((before + 3)) ]
    openssl x509 -in outdir/c.pem -noout -subject | grep -q soft.example
}

# --- 4. concurrent twins ---------------------------------------------------------

@test "4: four parallel imports of one certificate store it once" {
    p11cert_pin -q selfsign "$KEY" --subject /CN=twins.example --out twins.pem
    for i in 1 2 3 4; do
        p11cert_pin -q import twins.pem --token "$TOKEN_URI" >"import-$i.out" 2>&1 &
    done
    wait
    run pkcs11_tool_on "$TOKEN_LABEL" --login --pin "$(user_pin)" --list-objects --type cert
    [ "$(grep -c 'CN=twins.example\|twins.example' <<<"$output")" -eq 1 ]
}

@test "4: four parallel convert --import-key with one label store one key" {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout twin.key \
        -subj /CN=twin.example -days 30 -out twin.pem 2>/dev/null
    openssl pkcs12 -export -in twin.pem -inkey twin.key -passout pass: -out twin.p12
    for i in 1 2 3 4; do
        p11cert_pin -q convert twin.p12 --import-key "$TOKEN_URI" --label same \
            --out "c-$i.pem" >"conv-$i.out" 2>&1 &
    done
    wait
    run pkcs11_tool_on "$TOKEN_LABEL" --login --pin "$(user_pin)" --list-objects --type privkey
    [ "$(grep -c "label: *same" <<<"$output")" -eq 1 ]
    [ "$(cat conv-*.out | grep -c 'is already used on this token')" -eq 3 ]
}

# --- 7. terminal controls ---------------------------------------------------------

@test "7: control characters in a file name are escaped in messages" {
    name=$'evil\e]0;pwned\a.pem'
    run --separate-stderr p11cert convert "$name"
    [ "$status" -eq 1 ]
    [[ "$stderr" == *'evil\x1b]0;pwned\x07.pem'* ]]
    [[ "$stderr" != *$'\e'* ]]
}

@test "7: a token label with an escape sequence is printed escaped by tokens and list" {
    pkcs11_tool_on "$TOKEN_LABEL" --login --pin "$(user_pin)" --keypairgen --key-type EC:prime256v1 \
        --label $'bad\e[2Jlabel' --id 77 >/dev/null 2>&1
    run --separate-stderr p11cert_pin list "$TOKEN_URI"
    [ "$status" -eq 0 ]
    [[ "$output" == *'bad\x1b[2Jlabel'* ]]
    [[ "$output" != *$'\e'* ]]
    pkcs11_tool_on "$TOKEN_LABEL" --login --pin "$(user_pin)" --delete-object --type privkey --id 77 >/dev/null 2>&1
    pkcs11_tool_on "$TOKEN_LABEL" --login --pin "$(user_pin)" --delete-object --type pubkey --id 77 >/dev/null 2>&1
}

@test "7: keygen and import refuse a label with control characters or invalid UTF-8" {
    before=$(token_object_count)
    run --separate-stderr p11cert_pin keygen "$TOKEN_URI" --label $'a\tb' --type ec:p256
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"without control characters"* ]]
    run --separate-stderr p11cert_pin keygen "$TOKEN_URI" --label $'a\xffb' --type ec:p256
    [ "$status" -eq 2 ]
    p11cert_pin -q selfsign "$KEY" --subject /CN=label.example --out l.pem
    run --separate-stderr p11cert_pin import l.pem --token "$TOKEN_URI" --label $'x\e[1my'
    [ "$status" -eq 2 ]
    [ "$(token_object_count)" -eq "$before" ]
}

# --- 8. secret files open to others -----------------------------------------------

@test "8: a PIN file others can read is used, with a warning that names its mode" {
    cp "$PIN_FILE" open-pin
    chmod 0644 open-pin
    run --separate-stderr p11cert --pin-source file:open-pin selfsign "$KEY" --subject /CN=w.example --out w.pem
    [ "$status" -eq 0 ]
    [[ "$stderr" == *'"open-pin", can be read or changed by others (mode 0644): chmod 600 it'* ]]
    chmod 0600 open-pin
    run --separate-stderr p11cert --pin-source file:open-pin selfsign "$KEY" --subject /CN=w.example --out w2.pem
    [ "$status" -eq 0 ]
    [[ "$stderr" != *"by others"* ]]
}

# --- 9. the lock lives where only this user can create it -------------------------

@test "9: without XDG_RUNTIME_DIR the lock is in a private TMPDIR/p11cert-UID, made 0700" {
    unset XDG_RUNTIME_DIR
    export TMPDIR=$BATS_TEST_TMPDIR/tmp
    mkdir tmp
    run --separate-stderr p11cert_pin keygen "$TOKEN_URI" --label lock-a --type ec:p256
    [ "$status" -eq 0 ]
    [ "$(stat -c %a "tmp/p11cert-$(id -u)")" = 700 ]
    ls "tmp/p11cert-$(id -u)"/p11cert-token-*.lock
}

@test "9: a lock directory another user owns, or one open to others, is refused at once" {
    unset XDG_RUNTIME_DIR
    export TMPDIR=$BATS_TEST_TMPDIR/tmp
    mkdir -p "tmp/p11cert-$(id -u)"
    chown nobody "tmp/p11cert-$(id -u)"
    before=$(token_object_count)
    SECONDS=0
    run --separate-stderr p11cert_pin keygen "$TOKEN_URI" --label lock-b --type ec:p256
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"is not a directory of this user's alone"* ]]
    [ "$(token_object_count)" -eq "$before" ]
    chown "$(id -u)" "tmp/p11cert-$(id -u)"
    chmod 0777 "tmp/p11cert-$(id -u)"
    run --separate-stderr p11cert_pin keygen "$TOKEN_URI" --label lock-b --type ec:p256
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"mode 0777"* ]]
}

# --- 10. FIFOs as inputs -------------------------------------------------------------

@test "10: a FIFO as a certificate, --endpoints, --profile or --batch file is refused at once" {
    mkfifo in.fifo
    run -1 timeout 10 p11cert convert in.fifo
    [[ "$output" == *"not a regular file"* ]]
    run -1 timeout 10 p11cert dns records --domain a.example.com --region us-east --endpoints in.fifo
    [[ "$output" == *"not a regular file"* ]]
    run -1 timeout 10 p11cert --profile "$PWD/in.fifo" tokens
    [[ "$output" == *"not a regular file"* ]]
    run -1 timeout 10 p11cert --pin-source "file:$PIN_FILE" csr --batch in.fifo
    [[ "$output" == *"not a regular file"* ]]
    run -1 timeout 10 p11cert chain "$CA/soft.pem" --leaf "$CA/soft.pem" in.fifo
    [[ "$output" == *"not a regular file"* ]]
}

# --- 11. batch lines of any length ----------------------------------------------------

@test "11: a batch line over 64 KiB stops the batch clearly; /dev/zero on stdin too" {
    head -c $((200 * 1024)) /dev/zero | tr '\0' 'x' >long.jsonl
    run --separate-stderr timeout 30 p11cert --pin-source "file:$PIN_FILE" csr --batch long.jsonl
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"line 1 is longer than 64 KiB"* ]]
    run --separate-stderr timeout 30 p11cert --pin-source "file:$PIN_FILE" csr --batch - </dev/zero
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"longer than 64 KiB"* ]]
    run --separate-stderr timeout 10 p11cert --pin-source "file:$PIN_FILE" csr --batch /dev/zero
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"not a regular file"* ]]
}

# --- 12. the terminal after Ctrl-C at the PIN prompt -------------------------------------

@test "12: Ctrl-C at the PIN prompt leaves the terminal with echo on, and p11cert dies of SIGINT" {
    run python3 "$BATS_TEST_DIRNAME/../helpers/prompt-interrupt.py" p11cert selfsign "$KEY" \
        --subject /CN=p.example --out p.pem
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"prompt seen"* ]]
    [[ "$output" == *"echo after: on"* ]]
    [[ "$output" == *"killed by signal 2"* ]]
    [ ! -e p.pem ]
}

# --- 13. list survives damaged and orphan objects -------------------------------------------

@test "13: list shows every object when one cannot be read, and exits 1 naming it" {
    fault=$P11CERT_BUILD/tests/p11-fault.so
    run --separate-stderr env P11FAULT_MODULE="$SOFTHSM_MODULE" P11FAULT_CALL=C_GetAttributeValue \
        P11FAULT_NTH=1 P11FAULT_ACTION=fail p11cert --module "$fault" --pin-source "file:$PIN_FILE" list "$TOKEN_URI"
    [ "$status" -eq 1 ]
    [[ "$output" == *"unreadable: cannot read the object's attributes"* ]]
    [[ "$output" == *"object=signer"* ]]
    [[ "$stderr" == *"1 object(s) could not be read"* ]]
}

@test "13: a public key without its private key is shown as such" {
    pkcs11_tool_on "$TOKEN_LABEL" --login --pin "$(user_pin)" --keypairgen --key-type EC:prime256v1 \
        --label orphan --id 99 >/dev/null 2>&1
    pkcs11_tool_on "$TOKEN_LABEL" --login --pin "$(user_pin)" --delete-object --type privkey --id 99
    run --separate-stderr p11cert_pin list "$TOKEN_URI"
    [ "$status" -eq 0 ]
    [[ "$(grep 'object=orphan' -A1 <<<"$output")" == *"no private key with its id"* ]]
    [[ "$(grep 'object=signer;type=public' -A1 <<<"$output")" != *"no private key"* ]]
    run p11cert_pin --json list "$TOKEN_URI"
    [ "$(jq '[.objects[] | select(.label == "orphan") | .private_key] | .[0]' <<<"$output")" = false ]
    pkcs11_tool_on "$TOKEN_LABEL" --login --pin "$(user_pin)" --delete-object --type pubkey --id 99
}

# --- also -----------------------------------------------------------------------------------

@test "also: a 250-byte file name works as --out" {
    name=$(head -c 250 /dev/zero | tr '\0' 'n')
    run --separate-stderr p11cert convert "$CA/soft.pem" --out "$name"
    [ "$status" -eq 0 ]
    openssl x509 -in "$name" -noout -subject | grep -q soft.example
}

@test "also: --out at a dangling symlink says so" {
    ln -s nowhere/at-all dangling.pem
    run --separate-stderr p11cert convert "$CA/soft.pem" --out dangling.pem --force
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"symbolic link to a file that does not exist"* ]]
}

@test "also: tokens URI that matches nothing exits 1" {
    run --separate-stderr p11cert tokens 'pkcs11:token=no-such-token'
    [ "$status" -eq 1 ]
    [[ "$stderr" == *'no token matches "pkcs11:token=no-such-token"'* ]]
}

@test "also: keygen ed25519 warns about the libp11 engine; check --tls says why it cannot" {
    setup_token eddsa
    p11cert_pin -q keygen "$TOKEN_URI" --label ec --type ec:p256 >/dev/null
    run --separate-stderr p11cert_pin keygen "$TOKEN_URI" --label ed --type ed25519
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"find no key at all on a token that holds an Ed25519 key"* ]]
    p11cert_pin -q selfsign "pkcs11:token=eddsa;object=ec" --subject /CN=e.example --out e.pem
    run --separate-stderr p11cert_pin check --cert e.pem --key "pkcs11:token=eddsa;object=ec" --tls
    [ "$status" -eq 1 ]
    [[ "$output" == *"FAIL  tls 1.2"*"cannot use any key on a token that holds an Ed25519 key"* ]]
}
