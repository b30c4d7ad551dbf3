#!/usr/bin/env bats
# renew against real ACME servers: pebble 2.4 ("main", whose certificates
# are valid 10 days, so that a fresh one is not due and `--days 11` makes it
# due; "short", valid 30 seconds, for the third-of-the-lifetime rule) and
# the knotd of scripts/acme-test-env.sh. Each test issues its own records
# with acme issue (its own key, its own state directory), then renews them.
# Results are confirmed by other tools: openssl (serials, verification, the
# certificate's key), pkcs11-tool (the certificate objects beside a key, key
# ids), pkcs11-spy (the module loads and logins), jq (the records), pebble's
# log (what it issued).
#
# The SIGKILL tests kill a renew run in the middle (held there by the
# fault-injecting module tests/helpers/modules/p11-fault.c, never by time)
# on a token of their own: SoftHSM 2.6 rewrites its token files in place,
# not atomically, so a process killed while it writes them can leave the
# token unreadable. Such a test then says so on the test output and ends;
# it does not pretend the repair was exercised.

load acme-helpers

bats_require_minimum_version 1.5.0

setup_file() {
    setup_token renew other
    acme_world VALIDITY=864000 || return 1
    acme_pebble short VALIDITY=30 || return 1
    export SHORT_ROOT=$ENV_DIR/short-root.pem
    "$ENV_SCRIPT" roots "$ENV_DIR" short "$SHORT_ROOT" || return 1
    acme_key acct ec:p256 || return 1
    acme_account acct || return 1
    acme_account acct SHORT || return 1
    export ACCT="pkcs11:token=$TOKEN_LABEL;object=acct"
    export SHIM=${P11CERT_BUILD:-$P11CERT_SRC/build}/tests/p11-fault.so
    [ -e "$SHIM" ] || {
        echo "build the test modules first (make check builds them)" >&2
        return 1
    }
}

teardown_file() {
    acme_stop
}

setup() {
    mkdir "$BATS_TEST_TMPDIR/work" && cd "$BATS_TEST_TMPDIR/work" || return 1
    export STATE=$BATS_TEST_TMPDIR/state
}

# issue LABEL NAME [ARGS...]: a new key LABEL and a certificate for
# NAME.acme.test from pebble main (dns-01), imported beside the key; files
# NAME.pem, NAME.chain, NAME.full; its record in $STATE.
issue() {
    local label=$1 name=$2
    shift 2
    acme_key "$label" ec:p256 || return 1
    p11cert_pin -q acme issue --directory "$MAIN_DIRECTORY" --ca-bundle "$MAIN_CA" \
        --trust "$ROOT0" --state-dir "$STATE" --account-key "$ACCT" \
        --key "pkcs11:token=$TOKEN_LABEL;object=$label" --domain "$name.acme.test" \
        --dns-server "$KNOT_SERVER" --tsig-key "file:$TSIG_FILE" --import \
        --out "$name.pem" --chain-out "$name.chain" --fullchain "$name.full" "$@" >/dev/null
}

# The ids of the private keys labelled LABEL (pkcs11-tool), one a line.
key_ids() {
    pkcs11_tool_on "${2:-$TOKEN_LABEL}" --login --pin "$(user_pin)" --list-objects --type privkey |
        awk -v l="$1" '/^Private Key Object/ {f=0} $1 == "label:" && $2 == l {f=1} f && $1 == "ID:" {print $2}'
}

# The serials of the certificate objects whose id is ID, one a line.
cert_serials() {
    pkcs11_tool_on "${2:-$TOKEN_LABEL}" --login --pin "$(user_pin)" --list-objects --type cert |
        awk -v id="$1" '/^Certificate Object/ {s=""} $1 == "serial:" {s=$2} $1 == "ID:" && $2 == id {print s}'
}

# Every object with id ID, of any class (pkcs11-tool).
objects_with_id() {
    pkcs11_tool_on "${2:-$TOKEN_LABEL}" --login --pin "$(user_pin)" --list-objects |
        grep -c "ID:[[:space:]]*$1\$" || true
}

serial_upper() {
    openssl x509 -in "$1" -noout -serial | cut -d= -f2
}

issued_count() {
    grep -c 'Issued certificate serial' "$1" || true
}

# The token's objects, the files and the records, as text to compare
# (with "times": also every file's modification time, to the nanosecond).
snapshot() {
    pkcs11_tool_on "$TOKEN_LABEL" --login --pin "$(user_pin)" --list-objects
    sha256sum ./*.pem ./*.chain ./*.full
    (
        cd "$STATE" || exit 1
        # The lock file a first real run makes is the run's, not state;
        # with "times" (--dry-run) nothing at all may appear.
        if [ "${1:-}" = times ]; then names=$(ls -A); else names=$(ls -A | grep -vx .renew.lock); fi
        echo "$names"
        # shellcheck disable=SC2086 # the names are the test's own
        stat -c '%n %a %s' . $names
        sha256sum ./*.json
        # shellcheck disable=SC2086
        [ "${1:-}" != times ] || stat -c '%n %y' . $names "$OLDPWD" "$OLDPWD"/*
    )
}

@test "renew: a fresh certificate is not due: one line with its days left, nothing changed" {
    issue k-fresh fresh
    before=$(snapshot)
    issued=$(issued_count "$MAIN_LOG")
    run --separate-stderr p11cert renew --state-dir "$STATE"
    echo "$output"
    echo "$stderr"
    [ "$status" -eq 0 ]
    [ "$output" = "fresh.acme.test: not due (9 days left)" ]
    [ "$(issued_count "$MAIN_LOG")" -eq "$issued" ]
    [ "$(snapshot)" = "$before" ]
}

@test "renew --days: due when fewer than N days are left; exactly one certificate object remains" {
    issue k-days days
    id=$(key_ids k-days)
    old=$(serial_upper days.pem)
    [ "$(cert_serials "$id")" = "$old" ]
    run p11cert renew --state-dir "$STATE" --days 9
    [ "$status" -eq 0 ]
    [ "$output" = "days.acme.test: not due (9 days left)" ]
    run --separate-stderr p11cert renew --state-dir "$STATE" --days 11
    echo "$output"
    echo "$stderr"
    [ "$status" -eq 0 ]
    [[ $output == "days.acme.test: renewed (valid until "*")" ]]
    new=$(serial_upper days.pem)
    [ "$new" != "$old" ]
    openssl verify -CAfile "$ROOT0" -untrusted days.chain days.pem
    openssl verify -CAfile "$ROOT0" -untrusted days.full days.pem
    # The token: one certificate object beside the key, the new one.
    [ "$(cert_serials "$id")" = "$new" ]
    [ "$(jq -r .certificate.serial "$STATE/days.acme.test.json")" = "$new" ]
    [ "$(jq -r .unfinished "$STATE/days.acme.test.json")" = null ]
    # The same key: the certificate's public key is the token key's.
    token_pubkey "$TOKEN_LABEL" k-days "$BATS_TEST_TMPDIR/token.der"
    pubkey_der days.pem "$BATS_TEST_TMPDIR/cert.der"
    cmp "$BATS_TEST_TMPDIR/token.der" "$BATS_TEST_TMPDIR/cert.der"
}

@test "renew --force: renewed though not due, twice; still one certificate object" {
    issue k-force force
    id=$(key_ids k-force)
    first=$(serial_upper force.pem)
    run p11cert renew --state-dir "$STATE" --force
    [ "$status" -eq 0 ]
    second=$(serial_upper force.pem)
    run --separate-stderr p11cert renew --state-dir "$STATE" --force --json
    echo "$output"
    [ "$status" -eq 0 ]
    third=$(serial_upper force.pem)
    [ "$first" != "$second" ]
    [ "$second" != "$third" ]
    [ "$(cert_serials "$id")" = "$third" ]
    [ "$(jq -r '.records[0].status' <<<"$output")" = renewed ]
    [ "$(jq -r '.records[0].certificate.serial' <<<"$output")" = "$third" ]
    [ "$(jq -r .renewed <<<"$output")" -eq 1 ]
}

@test "renew: due once less than a third of the lifetime is left (pebble short, 30 s certificates)" {
    acme_key k-short ec:p256
    p11cert_pin -q acme issue --directory "$SHORT_DIRECTORY" --ca-bundle "$SHORT_CA" \
        --trust "$SHORT_ROOT" --state-dir "$STATE" --account-key "$ACCT" \
        --key "pkcs11:token=$TOKEN_LABEL;object=k-short" --domain short.acme.test \
        --dns-server "$KNOT_SERVER" --tsig-key "file:$TSIG_FILE" --import --out short.pem \
        --chain-out short.chain >/dev/null
    old=$(serial_upper short.pem)
    # openssl, not p11cert, says when less than a third (10 s; 8 with a
    # margin for the whole seconds of the dates) is left.
    while openssl x509 -in short.pem -noout -checkend 8 >/dev/null; do sleep 0.2; done
    run --separate-stderr p11cert renew --state-dir "$STATE"
    echo "$output"
    echo "$stderr"
    [ "$status" -eq 0 ]
    [[ $output == "short.acme.test: renewed (valid until "*")" ]]
    [ "$(serial_upper short.pem)" != "$old" ]
    openssl verify -no_check_time -CAfile "$SHORT_ROOT" -untrusted short.chain short.pem
    [ "$(cert_serials "$(key_ids k-short)")" = "$(serial_upper short.pem)" ]
}

@test "renew --dry-run: says what it would renew and changes nothing (token, files, records)" {
    issue k-dry dry
    issue k-dry2 dry2
    before=$(snapshot times)
    issued=$(issued_count "$MAIN_LOG")
    run --separate-stderr p11cert renew --state-dir "$STATE" --days 11 --dry-run --deploy-hook \
        "touch $BATS_TEST_TMPDIR/hook-ran"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "dry.acme.test: would renew (9 days left)" ]
    [ "${lines[1]}" = "dry2.acme.test: would renew (9 days left)" ]
    [ "$(issued_count "$MAIN_LOG")" -eq "$issued" ]
    diff <(snapshot times) <(echo "$before")
    [ ! -e "$BATS_TEST_TMPDIR/hook-ran" ]
}

@test "renew --dry-run: checks the token: a due record whose key is gone fails, nothing changed" {
    issue k-lost lost
    issue k-stays stays
    id=$(key_ids k-lost)
    pkcs11_tool_on "$TOKEN_LABEL" --login --pin "$(user_pin)" --delete-object --type privkey \
        --id "$id" >/dev/null
    before=$(snapshot times)
    run --separate-stderr p11cert renew --state-dir "$STATE" --days 11 --dry-run
    echo "$output"
    echo "$stderr"
    [ "$status" -eq 1 ]
    [ "${lines[0]}" = "lost.acme.test: failed: the record's key is not on the token: renewing it would fail" ]
    [ "${lines[1]}" = "stays.acme.test: would renew (9 days left)" ]
    diff <(snapshot times) <(echo "$before")
    # Not due, its key is not looked for: the dry run says what the run would do.
    run --separate-stderr p11cert renew --state-dir "$STATE" --dry-run
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "lost.acme.test: not due (9 days left)" ]
}

# On the token "other", which holds nothing else: the run reads the ids of
# its certificates once (workflow/renew-repair.c's index) instead of a
# search per record.
@test "renew: one read of the certificates for all records; a second certificate beside a key is found, said by --dry-run, removed by the run" {
    local acct="pkcs11:token=other;object=acct-o" n
    for n in acct-o:ec:p256 k-o1:ec:p256 k-o2:ec:p256; do
        p11cert_pin -q keygen pkcs11:token=other --label "${n%%:*}" --type "${n#*:}" >/dev/null
    done
    p11cert_pin -q acme account --account-key "$acct" --directory "$MAIN_DIRECTORY" \
        --ca-bundle "$MAIN_CA" --agree-tos --email ops@example.com >/dev/null
    for n in o1 o2; do
        p11cert_pin -q acme issue --directory "$MAIN_DIRECTORY" --ca-bundle "$MAIN_CA" \
            --trust "$ROOT0" --state-dir "$STATE" --account-key "$acct" \
            --key "pkcs11:token=other;object=k-$n" --domain "$n.acme.test" \
            --dns-server "$KNOT_SERVER" --tsig-key "file:$TSIG_FILE" --import --out "$n.pem" \
            --chain-out "$n.chain" >/dev/null
    done
    export SPY_DIR=$BATS_TEST_TMPDIR/spy
    spy_count p11cert renew --state-dir "$STATE" >/dev/null
    [ "$(grep -c 'not due' "$SPY_DIR/out")" -eq 2 ]
    # One search: every certificate object, listed once; none per record.
    [ "$(grep -c ': C_FindObjectsInit$' "$SPY_DIR/spy.log")" -eq 1 ]
    # A second certificate object with o1's key id (o2's certificate, DER).
    id=$(key_ids k-o1 other)
    openssl x509 -in o2.pem -outform DER -out o2.der
    pkcs11_tool_on other --login --pin "$(user_pin)" --write-object o2.der --type cert \
        --id "$id" --label stray >/dev/null
    [ "$(cert_serials "$id" other | wc -l)" -eq 2 ]
    run --separate-stderr p11cert --json renew --state-dir "$STATE" --dry-run
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(jq -r '.records[] | select(.name == "o1.acme.test") | .note' <<<"$output")" = \
        "1 certificate object(s) beside the key that are not the record's would be removed" ]
    [ "$(jq -r '.records[] | select(.name == "o2.acme.test") | .note' <<<"$output")" = null ]
    [ "$(cert_serials "$id" other | wc -l)" -eq 2 ]
    run --separate-stderr p11cert renew --state-dir "$STATE"
    echo "$output"
    echo "$stderr"
    [ "$status" -eq 0 ]
    [ "$(cert_serials "$id" other)" = "$(serial_upper o1.pem)" ]
    [ "$(cert_serials "$(key_ids k-o2 other)" other)" = "$(serial_upper o2.pem)" ]
}

@test "renew --rotate-key: a new key id; the old pair and its certificate go only after success" {
    issue k-rot rot
    old_id=$(key_ids k-rot)
    [ "$(objects_with_id "$old_id")" -eq 3 ]
    # The CA down: the rotation fails and leaves everything as it was.
    sed -i "s|\"directory\": \".*\"|\"directory\": \"https://127.0.0.1:$(unused_port)/dir\"|" \
        "$STATE/rot.acme.test.json"
    before=$(snapshot)
    run --separate-stderr p11cert renew --state-dir "$STATE" --force --rotate-key
    echo "$output"
    [ "$status" -eq 1 ]
    [[ $output == "rot.acme.test: failed: "*"cannot reach"* ]]
    [ "$(key_ids k-rot)" = "$old_id" ]
    diff <(snapshot) <(echo "$before")
    # The CA back: a new pair, its certificate, and the old pair gone.
    sed -i "s|\"directory\": \".*\"|\"directory\": \"$MAIN_DIRECTORY\"|" "$STATE/rot.acme.test.json"
    run --separate-stderr p11cert renew --state-dir "$STATE" --force --rotate-key
    echo "$output"
    echo "$stderr"
    [ "$status" -eq 0 ]
    [[ $output == "rot.acme.test: renewed with a new key (valid until "*")" ]]
    new_id=$(key_ids k-rot)
    [ -n "$new_id" ]
    [ "$new_id" != "$old_id" ]
    [ "$(objects_with_id "$old_id")" -eq 0 ]
    [ "$(cert_serials "$new_id")" = "$(serial_upper rot.pem)" ]
    token_pubkey "$TOKEN_LABEL" k-rot "$BATS_TEST_TMPDIR/token.der"
    pubkey_der rot.pem "$BATS_TEST_TMPDIR/cert.der"
    cmp "$BATS_TEST_TMPDIR/token.der" "$BATS_TEST_TMPDIR/cert.der"
    # The record names the new key, by its id.
    [ "$(jq -r .key_id "$STATE/rot.acme.test.json")" = "$new_id" ]
    [[ $(jq -r .key "$STATE/rot.acme.test.json") == *"type=private"* ]]
    openssl verify -CAfile "$ROOT0" -untrusted rot.chain rot.pem
}

@test "acme issue --rotate-key: the record rotates an RSA key at every renewal, no flag needed" {
    acme_key k-rsa rsa:2048
    p11cert_pin -q acme issue --directory "$MAIN_DIRECTORY" --ca-bundle "$MAIN_CA" \
        --trust "$ROOT0" --state-dir "$STATE" --account-key "$ACCT" \
        --key "pkcs11:token=$TOKEN_LABEL;object=k-rsa" --domain rsa.acme.test \
        --dns-server "$KNOT_SERVER" --tsig-key "file:$TSIG_FILE" --import \
        --out rsa.pem --chain-out rsa.chain --rotate-key >/dev/null
    [ "$(jq -r .rotate_key "$STATE/rsa.acme.test.json")" = true ]
    ids=$(key_ids k-rsa)
    for round in 1 2; do
        run --separate-stderr p11cert renew --state-dir "$STATE" --force
        echo "$output"
        echo "$stderr"
        [ "$status" -eq 0 ]
        [[ $output == "rsa.acme.test: renewed with a new key (valid until "*")" ]]
        id=$(key_ids k-rsa)
        [ "$(echo "$id" | wc -l)" -eq 1 ]
        # A key id not seen before, round after round.
        ! grep -qx "$id" <<<"$ids" || false
        ids=$(printf '%s\n%s' "$ids" "$id")
        [ "$(cert_serials "$id")" = "$(serial_upper rsa.pem)" ]
        # The new pair is RSA 2048 as the old one was, and the certificate's.
        token_pubkey "$TOKEN_LABEL" k-rsa "$BATS_TEST_TMPDIR/token.der"
        openssl pkey -pubin -inform DER -in "$BATS_TEST_TMPDIR/token.der" -noout -text |
            grep -q "Public-Key: (2048 bit)"
        pubkey_der rsa.pem "$BATS_TEST_TMPDIR/cert.der"
        cmp "$BATS_TEST_TMPDIR/token.der" "$BATS_TEST_TMPDIR/cert.der"
        [ "$(jq -r .key_id "$STATE/rsa.acme.test.json")" = "$id" ]
        openssl verify -CAfile "$ROOT0" -untrusted rsa.chain rsa.pem
    done
}

@test "acme issue: --rotate-key with --no-record is a usage error, before the CA is asked" {
    run --separate-stderr p11cert acme issue --directory "https://127.0.0.1:1/dir" \
        --account-key "$ACCT" --key "pkcs11:object=x" --domain x.acme.test --webroot . \
        --no-record --rotate-key
    [ "$status" -eq 2 ]
    [ -z "$output" ]
    [[ $stderr == *"--rotate-key is a setting of the renewal record, which --no-record leaves out"* ]]
}

@test "renew: a record whose CA is down fails while the others renew; exit 1" {
    acme_pebble gone VALIDITY=864000
    acme_account acct GONE
    "$ENV_SCRIPT" roots "$ENV_DIR" gone "$BATS_TEST_TMPDIR/gone-root.pem"
    acme_key k-gone ec:p256
    p11cert_pin -q acme issue --directory "$GONE_DIRECTORY" --ca-bundle "$GONE_CA" \
        --trust "$BATS_TEST_TMPDIR/gone-root.pem" --state-dir "$STATE" --account-key "$ACCT" \
        --key "pkcs11:token=$TOKEN_LABEL;object=k-gone" --domain b.acme.test \
        --dns-server "$KNOT_SERVER" --tsig-key "file:$TSIG_FILE" --import --out b.pem >/dev/null
    issue k-a a
    issue k-c c
    kill "$GONE_PID"
    while kill -0 "$GONE_PID" 2>/dev/null; do sleep 0.1; done
    b_serial=$(serial_upper b.pem)
    b_record=$(sha256sum <"$STATE/b.acme.test.json")
    a_serial=$(serial_upper a.pem)
    run --separate-stderr p11cert renew --state-dir "$STATE" --force
    echo "$output"
    echo "$stderr"
    [ "$status" -eq 1 ]
    [[ ${lines[0]} == "a.acme.test: renewed (valid until "*")" ]]
    [[ ${lines[1]} == "b.acme.test: failed: "*"cannot reach https://127.0.0.1:"* ]]
    [[ ${lines[2]} == "c.acme.test: renewed (valid until "*")" ]]
    [ "${#lines[@]}" -eq 3 ]
    [ "$(serial_upper a.pem)" != "$a_serial" ]
    # The failed one: its certificate, its object and its record as they were.
    [ "$(serial_upper b.pem)" = "$b_serial" ]
    [ "$(cert_serials "$(key_ids k-gone)")" = "$b_serial" ]
    [ "$(sha256sum <"$STATE/b.acme.test.json")" = "$b_record" ]
}

@test "renew --deploy-hook: run once after renewals, with their domains and files" {
    issue k-h1 h1
    issue k-h2 h2
    hook=$BATS_TEST_TMPDIR/hook.log
    run --separate-stderr p11cert renew --state-dir "$STATE" --force --deploy-hook \
        "printf '%s|%s\n' \"\$P11CERT_RENEWED_DOMAINS\" \"\$P11CERT_RENEWED_FILES\" >>$hook"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$(wc -l <"$hook")" -eq 1 ]
    [ "$(cut -d'|' -f1 "$hook")" = "h1.acme.test h2.acme.test" ]
    [[ $(cut -d'|' -f2 "$hook") == "$PWD/h1.pem $PWD/h1.chain $PWD/h1.full $PWD/h2.pem "* ]]
    # Nothing renewed: no hook.
    rm "$hook"
    run p11cert renew --state-dir "$STATE" --deploy-hook "echo ran >>$hook"
    [ "$status" -eq 0 ]
    [ ! -e "$hook" ]
    # A hook that fails: reported, exit 1, the renewal kept.
    old=$(serial_upper h1.pem)
    run --separate-stderr p11cert renew --state-dir "$STATE" --force --deploy-hook "exit 3" --json
    echo "$stderr"
    [ "$status" -eq 1 ]
    [[ $stderr == *"the deploy hook failed: it exited with status 3"* ]]
    [ "$(jq -r .deploy_hook.status <<<"$output")" -eq 3 ]
    [ "$(jq -r .renewed <<<"$output")" -eq 2 ]
    [ "$(serial_upper h1.pem)" != "$old" ]
}

@test "renew: the records hold no secret and are not world-readable" {
    issue k-sec sec
    run p11cert renew --state-dir "$STATE" --force
    [ "$status" -eq 0 ]
    secret=$(cut -d: -f3 "$TSIG_FILE")
    pin=$(user_pin)
    ! grep -rqF -e "$secret" -e "$pin" "$STATE" || false
    [ "$(stat -c %a "$STATE")" = 700 ]
    [ "$(stat -c %a "$STATE/sec.acme.test.json")" = 600 ]
    [ "$(stat -c %a "$STATE/.renew.lock")" = 600 ]
    [ "$(jq -r .pin_source "$STATE/sec.acme.test.json")" = "file:$PIN_FILE" ]
    [ "$(jq -r .challenge.tsig_key "$STATE/sec.acme.test.json")" = "file:$TSIG_FILE" ]
}

@test "renew: one module load and one login for all the records of a token (pkcs11-spy)" {
    issue k-s1 s1
    issue k-s2 s2
    issue k-s3 s3
    export SPY_DIR=$BATS_TEST_TMPDIR/spy
    count=$(spy_count p11cert renew --state-dir "$STATE" --force)
    echo "# renew of 3 records: $count PKCS#11 calls" >&3
    [ "$(grep -c 'renewed' "$SPY_DIR/out")" -eq 3 ]
    [ "$(grep -c ': C_Initialize$' "$SPY_DIR/spy.log")" -eq 1 ]
    [ "$(grep -c ': C_Login$' "$SPY_DIR/spy.log")" -eq 1 ]
}

@test "renew TOKEN-URI: only that token's records" {
    issue k-mine mine
    run --separate-stderr p11cert renew "pkcs11:token=other" --state-dir "$STATE" --dry-run --force
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    run --separate-stderr p11cert renew "pkcs11:token=$TOKEN_LABEL" --state-dir "$STATE" --dry-run \
        --force
    [ "$status" -eq 0 ]
    [ "$output" = "mine.acme.test: would renew (9 days left)" ]
}

@test "renew: a broken record fails with its reason, the others still run" {
    issue k-ok ok
    printf '{"version": 1, "domains": [' >"$STATE/broken.acme.test.json"
    printf '{"version": 1, "domains": ["x.acme.test"]}' >"$STATE/partial.acme.test.json"
    run --separate-stderr p11cert renew --state-dir "$STATE" --force
    echo "$output"
    echo "$stderr"
    [ "$status" -eq 1 ]
    [[ ${lines[0]} == "broken.acme.test: failed: it is not JSON: "* ]]
    [[ ${lines[1]} == "ok.acme.test: renewed (valid until "*")" ]]
    [ "${lines[2]}" = 'partial.acme.test: failed: it has no "account_key"' ]
}

@test "renew: usage errors" {
    run -2 p11cert renew --days many
    [[ $output == *"--days"* ]]
    run -2 p11cert renew 'notauri' --dry-run
    [[ $output == *"TOKEN-URI"* ]]
    run -2 p11cert renew --bogus
    [[ $output == *"--bogus"* ]]
}

@test "renew: two concurrent runs never renew the same record twice (the state directory's lock)" {
    issue k-two two
    issued=$(issued_count "$MAIN_LOG")
    # Run A is held right after importing the new certificate.
    P11FAULT_MODULE=$SOFTHSM_MODULE P11FAULT_CALL=C_CreateObject P11FAULT_ACTION=wait \
        P11FAULT_READY=$PWD/held P11FAULT_GO=$PWD/go \
        p11cert --module "$SHIM" renew --state-dir "$STATE" --force >a.out 2>a.err &
    a=$!
    while [ ! -e held ]; do
        kill -0 "$a" 2>/dev/null || break
        sleep 0.05
    done
    [ -e held ]
    p11cert renew --state-dir "$STATE" --force >b.out 2>b.err &
    b=$!
    until grep -q 'waiting for another renew run' b.err; do
        kill -0 "$b" 2>/dev/null || break
        sleep 0.05
    done
    touch go
    wait "$a"
    wait "$b"
    cat a.out a.err b.out b.err
    [[ $(cat a.out) == "two.acme.test: renewed (valid until "*")" ]]
    [ "$(cat b.out)" = "two.acme.test: not due (9 days left)" ]
    grep -q 'renewed by another renew run meanwhile' b.err
    [ "$(issued_count "$MAIN_LOG")" -eq $((issued + 1)) ]
    [ "$(cert_serials "$(key_ids k-two)")" = "$(serial_upper two.pem)" ]
}

# kill_renew CALL [ARGS...]: renew --force ARGS through the fault module,
# held (sleep) right after its first PKCS#11 CALL, killed with SIGKILL there.
kill_renew() {
    local call=$1 pid status=0
    shift
    P11FAULT_MODULE="$SOFTHSM_MODULE" P11FAULT_CALL=$call P11FAULT_ACTION=sleep \
        P11FAULT_SECONDS=120 P11FAULT_READY="$PWD/held" \
        p11cert --module "$SHIM" renew --state-dir "$STATE" --force "$@" >killed.out 2>killed.err &
    pid=$!
    while [ ! -e held ]; do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    [ -e held ] || {
        cat killed.err
        return 1
    }
    kill -KILL "$pid"
    wait "$pid" || status=$?
    [ "$status" -eq 137 ]
}

# own_token LABEL: a token of the test's own, with its account key
# registered at pebble main (ACCT): a SIGKILL may cost SoftHSM the token.
own_token() {
    setup_token "$1"
    acme_key acct ec:p256
    acme_account acct
    export ACCT="pkcs11:token=$TOKEN_LABEL;object=acct"
}

# Whether the killed run left the token readable; says so when it did not.
token_survived() {
    if ! pkcs11_tool_on "$TOKEN_LABEL" --login --pin "$(user_pin)" --list-objects >/dev/null 2>&1 ||
        [ -z "$(key_ids acct)" ]; then
        echo "# SoftHSM 2.6 lost its token files to the SIGKILL (it rewrites them in place):" \
            "the repair could not be exercised in this run" >&3
        return 1
    fi
}

# Waits until FILE holds TEXT while PID runs; fails if PID ends first.
wait_for_text() {
    local file=$1 text=$2 pid=$3
    until grep -q "$text" "$file"; do
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.05
    done
}

@test "renew and acme issue --import wait for the token's other writers (the token lock)" {
    export XDG_RUNTIME_DIR=$PWD/run
    mkdir -m 0700 run
    issue k-tl tl
    lock=$(ls run/p11cert-token-*.lock)
    [ "$(echo "$lock" | wc -l)" -eq 1 ]
    old=$(serial_upper tl.pem)
    # Another writer holds the lock: renew waits and has changed nothing.
    exec 9>"$lock"
    flock 9
    p11cert -v renew --state-dir "$STATE" --force >r.out 2>r.err &
    pid=$!
    wait_for_text r.err 'waiting for another p11cert writing to this token' "$pid"
    [ "$(serial_upper tl.pem)" = "$old" ]
    exec 9>&-
    wait "$pid"
    cat r.out r.err
    [[ $(cat r.out) == "tl.acme.test: renewed (valid until "*")" ]]
    [ "$(serial_upper tl.pem)" != "$old" ]
    # acme issue --import waits in the same way.
    acme_key k-tl2 ec:p256
    exec 9>"$lock"
    flock 9
    p11cert_pin -v acme issue --directory "$MAIN_DIRECTORY" --ca-bundle "$MAIN_CA" \
        --trust "$ROOT0" --state-dir "$STATE" --account-key "$ACCT" \
        --key "pkcs11:token=$TOKEN_LABEL;object=k-tl2" --domain tl2.acme.test \
        --dns-server "$KNOT_SERVER" --tsig-key "file:$TSIG_FILE" --import \
        --out tl2.pem --chain-out tl2.chain >i.out 2>i.err &
    pid=$!
    wait_for_text i.err 'waiting for another p11cert writing to this token' "$pid"
    [ ! -e tl2.pem ]
    exec 9>&-
    wait "$pid"
    [ "$(cert_serials "$(key_ids k-tl2)")" = "$(serial_upper tl2.pem)" ]
}

@test "renew killed (SIGKILL) between import and removal: the next run leaves one certificate" {
    own_token killed
    issue k-kill kill
    id=$(key_ids k-kill)
    old=$(serial_upper kill.pem)
    kill_renew C_CreateObject
    token_survived || return 0
    # Killed after the import: two certificate objects beside the key.
    [ "$(cert_serials "$id" | wc -l)" -eq 2 ]
    run --separate-stderr p11cert renew --state-dir "$STATE"
    echo "$output"
    echo "$stderr"
    [ "$status" -eq 0 ]
    [ "$output" = "kill.acme.test: not due (9 days left)" ]
    [[ $stderr == *"1 certificate object(s) beside the key that are not the record's were removed"* ]]
    # The record's certificate stays, the one in the files.
    [ "$(cert_serials "$id")" = "$old" ]
    [ "$(serial_upper kill.pem)" = "$old" ]
}

@test "renew --rotate-key killed after the new pair was made: the next run removes it, the old stays" {
    own_token killrot
    issue k-kr kr
    old_id=$(key_ids k-kr)
    old=$(serial_upper kr.pem)
    kill_renew C_GenerateKeyPair --rotate-key
    token_survived || return 0
    [ "$(key_ids k-kr | wc -l)" -eq 2 ]
    [ "$(jq -r .unfinished.new_key_id "$STATE/kr.acme.test.json")" != null ]
    run --separate-stderr p11cert renew --state-dir "$STATE"
    echo "$output"
    echo "$stderr"
    [ "$status" -eq 0 ]
    [ "$output" = "kr.acme.test: not due (9 days left)" ]
    [ "$(key_ids k-kr)" = "$old_id" ]
    [ "$(cert_serials "$old_id")" = "$old" ]
    [ "$(jq -r .unfinished "$STATE/kr.acme.test.json")" = null ]
}

@test "make install: the renew service and timer, which systemd-analyze accepts with their man pages" {
    dest=$BATS_TEST_TMPDIR/dest
    make -s -C "$P11CERT_SRC" install DESTDIR="$dest" PREFIX=/usr BUILD="${P11CERT_BUILD:-build}" \
        >/dev/null
    units=$dest/usr/lib/systemd/system
    [ -f "$units/p11cert-renew.service" ]
    [ -f "$units/p11cert-renew.timer" ]
    grep -qx "ExecStart=/bin/sh -c 'eval exec /usr/bin/p11cert renew \"\$\$P11CERT_RENEW_ARGS\"'" \
        "$units/p11cert-renew.service"
    # Twice a day, with a random delay, made up after downtime.
    grep -qx 'OnCalendar=\*-\*-\* 00,12:00:00' "$units/p11cert-renew.timer"
    grep -qx 'RandomizedDelaySec=12h' "$units/p11cert-renew.timer"
    grep -qx 'Persistent=true' "$units/p11cert-renew.timer"
    # The man pages their Documentation= names are the ones installed beside them.
    grep -qx 'Documentation=man:p11cert-renew(1) man:p11cert(1)' "$units/p11cert-renew.service"
    (cd "$units" && MANPATH=$dest/usr/share/man systemd-analyze verify ./p11cert-renew.service \
        ./p11cert-renew.timer)
}

@test "the service's command line: the options of /etc/default/p11cert reach renew as words" {
    # What sh makes of the ExecStart line, with an option holding spaces,
    # when p11cert is a script that shows its arguments.
    mkdir bin
    printf '#!/bin/sh\nprintf "<%%s>" "$@"\n' >bin/p11cert
    chmod +x bin/p11cert
    line=$(sed -n "s/^ExecStart=\/bin\/sh -c '\(.*\)'\$/\1/p" \
        "$P11CERT_SRC/data/systemd/p11cert-renew.service")
    line=${line//@BINDIR@/$PWD/bin}
    line=${line//\$\$/\$} # systemd's $$ is sh's $
    run env P11CERT_RENEW_ARGS="--days 20 --deploy-hook 'systemctl reload nginx'" sh -c "$line"
    [ "$status" -eq 0 ]
    [ "$output" = "<renew><--days><20><--deploy-hook><systemctl reload nginx>" ]
}

@test "renew killed (SIGKILL) after the commit: the next run writes the files from the record" {
    own_token killcommit
    issue k-kc kc
    id=$(key_ids k-kc)
    old=$(serial_upper kc.pem)
    # Held after the old certificate object was removed, before the record
    # was saved finished.
    kill_renew C_DestroyObject
    token_survived || return 0
    [ "$(jq -r .unfinished.files "$STATE/kc.acme.test.json")" = true ]
    new=$(jq -r .certificate.serial "$STATE/kc.acme.test.json")
    [ "$new" != "$old" ]
    [ "$(cert_serials "$id")" = "$new" ]
    # As if it had died before the files got their names.
    rm kc.pem kc.chain
    run --separate-stderr p11cert renew --state-dir "$STATE"
    echo "$output"
    echo "$stderr"
    [ "$status" -eq 0 ]
    [ "$output" = "kc.acme.test: not due (9 days left)" ]
    [[ $stderr == *"the files of a renewal that did not finish were written"* ]]
    [ "$(serial_upper kc.pem)" = "$new" ]
    openssl verify -CAfile "$ROOT0" -untrusted kc.chain kc.pem
    [ "$(jq -r .unfinished "$STATE/kc.acme.test.json")" = null ]
    [ "$(cert_serials "$id")" = "$new" ]
}
