#!/usr/bin/env bats
# p11cert dns apply: the CNAME records sent as one RFC 2136 UPDATE signed
# with TSIG to a real knotd, started here on 127.0.0.1 and a random high
# port with its own keys and ACLs, and stopped by its pid in teardown_file
# whatever happened. Every result is confirmed by dig and the zone's SOA
# serial, not by p11cert's own lines. Each test works on names of its own,
# so each passes alone (bats -f).
#
# The keys: apply-key (hmac-sha256) made by knot's keymgr -t, given to
# p11cert as its ALGORITHM:NAME:SECRET line and as a BIND key clause;
# key384 and key512 made by BIND's rndc-confgen -a, which writes the key
# clause as tsig-keygen does. The ACLs: example.com takes CNAME and TXT
# updates from those keys; tight.example only for names at or below
# ok.tight.example (update-owner); open.example any update from apply-key.
# Every output of p11cert is searched for every secret (apply below).

load helpers
load knot

bats_require_minimum_version 1.5.0

TARGET=gateway.us-east.example.net
ENDPOINTS=$P11CERT_SRC/data/endpoints

zone_file() {
    local zone=$1
    cat <<EOF
\$ORIGIN $zone.
\$TTL 300
@               IN SOA  ns1.$zone. hostmaster.$zone. 1 3600 900 604800 300
@               IN NS   ns1.$zone.
ns1             IN A    127.0.0.1
EOF
}

setup_file() {
    export KNOT_DIR=$BATS_FILE_TMPDIR/knot KEYS=$BATS_FILE_TMPDIR/keys
    local secret s384 s512 idle
    mkdir -p "$KNOT_DIR" "$KEYS" && chmod 700 "$KEYS" || return 1
    keymgr -t apply-key hmac-sha256 >"$KEYS/apply-key.knot" || return 1
    sed -n '1s/^# //p' "$KEYS/apply-key.knot" >"$KEYS/apply-key.line"
    secret=$(cut -d: -f3 "$KEYS/apply-key.line")
    [ -n "$secret" ] || return 1
    printf 'key "apply-key" {\n\talgorithm hmac-sha256;\n\tsecret "%s";\n};\n' "$secret" \
        >"$KEYS/apply-key.clause"
    rndc-confgen -a -A hmac-sha384 -k key384 -c "$KEYS/key384.clause" 2>/dev/null || return 1
    rndc-confgen -a -A hmac-sha512 -k key512 -c "$KEYS/key512.clause" 2>/dev/null || return 1
    s384=$(sed -n 's/.*secret "\(.*\)";/\1/p' "$KEYS/key384.clause")
    s512=$(sed -n 's/.*secret "\(.*\)";/\1/p' "$KEYS/key512.clause")
    idle=$(keymgr -t idle-key hmac-sha256 | sed -n '1s/^# hmac-sha256:idle-key://p')
    # The same name with another secret, and a key knotd has never heard of.
    echo "hmac-sha256:apply-key:$(head -c 32 /dev/urandom | base64)" >"$KEYS/wrong-secret.line"
    echo "hmac-sha256:stranger-key:$(head -c 32 /dev/urandom | base64)" >"$KEYS/unknown.line"
    { printf '%s\n' "$secret" "$s384" "$s512" "$idle" &&
        cut -d: -f3 "$KEYS/wrong-secret.line" "$KEYS/unknown.line"; } >"$KEYS/secrets"
    chmod 600 "$KEYS"/*

    {
        zone_file example.com
        cat <<'EOF'
refused-cname   IN CNAME elsewhere.example.org.
refused-data    IN A    192.0.2.10
replace-cname   IN CNAME elsewhere.example.org.
replace-data    IN A    192.0.2.11
delete-other    IN CNAME elsewhere.example.org.
delete-data     IN A    192.0.2.12
v1.parent       IN A    192.0.2.13
EOF
    } >"$KNOT_DIR/example.com.zone"
    zone_file tight.example >"$KNOT_DIR/tight.example.zone"
    {
        zone_file open.example
        printf 'data IN A 192.0.2.20\ndata IN TXT "old"\n'
    } >"$KNOT_DIR/open.example.zone"

    start_knotd example.com <<EOF || {
key:
  - id: apply-key
    algorithm: hmac-sha256
    secret: $secret
  - id: key384
    algorithm: hmac-sha384
    secret: $s384
  - id: key512
    algorithm: hmac-sha512
    secret: $s512
  - id: idle-key
    algorithm: hmac-sha256
    secret: $idle
acl:
  - id: cname-txt
    key: [apply-key, key384, key512]
    action: update
    update-type: [CNAME, TXT]
  - id: owner-ok
    key: apply-key
    action: update
    update-type: [CNAME, TXT]
    update-owner: name
    update-owner-match: sub-or-equal
    update-owner-name: [ok]
  - id: any-type
    key: apply-key
    action: update
zone:
  - domain: example.com
    acl: cname-txt
  - domain: tight.example
    acl: owner-ok
  - domain: open.example
    acl: any-type
EOF
        stop_knotd
        return 1
    }
    export KNOT_PORT SERVER=127.0.0.1:$KNOT_PORT
}

teardown_file() {
    stop_knotd
}

setup() {
    test_helper_on_path dns-txt || return 1
    mkdir "$BATS_TEST_TMPDIR/work" && cd "$BATS_TEST_TMPDIR/work" || return 1
}

teardown() {
    if [ -f "$BATS_TEST_TMPDIR/silent.pid" ]; then
        kill "$(cat "$BATS_TEST_TMPDIR/silent.pid")" 2>/dev/null || true
    fi
}

# p11cert dns apply --server $SERVER ARGS: its stdout and stderr are
# searched for every secret of this file, and a secret found fails the
# command with status 99, whatever it did; then both are passed on.
apply() {
    local out=$BATS_TEST_TMPDIR/apply.out err=$BATS_TEST_TMPDIR/apply.err status=0
    p11cert dns apply --server "$SERVER" "$@" >"$out" 2>"$err" || status=$?
    if grep -F -f "$KEYS/secrets" "$out" "$err" >/dev/null; then
        echo "apply: a TSIG secret was printed" >&2
        return 99
    fi
    cat "$out"
    cat "$err" >&2
    return "$status"
}

# What knotd answers, asked by dig.
cname_of() {
    dig @127.0.0.1 -p "$KNOT_PORT" +time=2 +tries=1 +short CNAME "$1"
}

data_of() {
    dig @127.0.0.1 -p "$KNOT_PORT" +time=2 +tries=1 +short "$2" "$1"
}

# How many records of TYPE knotd answers for NAME itself (a CNAME at NAME
# is not one of them).
count_of() {
    dig @127.0.0.1 -p "$KNOT_PORT" +time=2 +tries=1 +noall +answer "$2" "$1" |
        awk -v name="$1." -v type="$2" '$1 == name && $4 == type' | wc -l
}

# NOERROR, NXDOMAIN, ...
rcode_of() {
    dig @127.0.0.1 -p "$KNOT_PORT" +time=2 +tries=1 "$1" CNAME |
        sed -n 's/.*status: \([A-Z]*\),.*/\1/p'
}

@test "dns apply --help, and usage errors: no server, no key, a secret in argv" {
    run -0 p11cert dns apply --help
    [[ "$output" == *"usage: p11cert dns apply --domain NAME"*"--tsig-key SRC"* ]]
    [[ "$output" == *--replace* && "$output" == *--delete* && "$output" == *--zone* ]]
    run -0 p11cert dns --help
    [[ "$output" == *"apply     send the CNAME records to the zone's server"* ]]
    run -2 p11cert dns apply --domain a.example.com --target "$TARGET" \
        --tsig-key "file:$KEYS/apply-key.line"
    [[ "$output" == *"give --server ADDR[:PORT]"* ]]
    run -2 apply --domain a.example.com --target "$TARGET"
    [[ "$output" == *"give --tsig-key SRC"* ]]
    # A key typed where its source belongs is refused and not echoed.
    run -2 apply --domain a.example.com --target "$TARGET" \
        --tsig-key "$(cat "$KEYS/apply-key.line")"
    [[ "$output" == *"bad --tsig-key: not a source"* ]]
    run -2 apply --domain a.example.com --target "$TARGET" --tsig-key "file:$KEYS/apply-key.line" \
        --ttl 0
    [[ "$output" == *"--ttl"* ]]
    run -2 p11cert dns apply --server ns1.example.com --domain a.example.com --target "$TARGET" \
        --tsig-key "file:$KEYS/apply-key.line"
    [[ "$output" == *"bad --server"* ]]
}

@test "created: one UPDATE for two names; dig finds them and the serial moved by one" {
    local before
    before=$(zone_serial example.com)
    run -0 --separate-stderr apply --domain create-a.example.com --domain Create-B.example.com. \
        --region us-east --endpoints "$ENDPOINTS" --tsig-key "file:$KEYS/apply-key.line" --ttl 600
    [[ "$output" == *"created create-a.example.com. CNAME $TARGET."* ]]
    [[ "$output" == *"created create-b.example.com. CNAME $TARGET."* ]]
    [[ "$output" == *"PASS create-a.example.com: points at $TARGET."* ]]
    [[ "$output" == *"serial $before -> $((before + 1)), update signed with key apply-key (hmac-sha256)"* ]]
    [ -z "$stderr" ]
    [ "$(cname_of create-a.example.com)" = "$TARGET." ]
    [ "$(cname_of create-b.example.com)" = "$TARGET." ]
    # One update: one new serial for both names.
    [ "$(zone_serial example.com)" -eq $((before + 1)) ]
    run -0 dig @127.0.0.1 -p "$KNOT_PORT" +noall +answer CNAME create-a.example.com
    [[ "$output" == *"600"*"CNAME"* ]]
}

@test "unchanged: a CNAME already at the target is left alone, nothing sent, serial unchanged" {
    local serial
    run -0 apply --domain same.example.com --target "$TARGET" --tsig-key "file:$KEYS/apply-key.line"
    serial=$(zone_serial example.com)
    run -0 apply --domain same.example.com --target "$TARGET." --tsig-key "file:$KEYS/apply-key.line"
    [[ "$output" == *"unchanged same.example.com: already points at $TARGET."* ]]
    [[ "$output" == *"nothing to change: no update sent"* ]]
    [[ "$output" == *"PASS same.example.com"* ]]
    [ "$(zone_serial example.com)" -eq "$serial" ]
    [ "$(cname_of same.example.com)" = "$TARGET." ]
}

@test "refused without --replace: a different CNAME or other data; nothing sent for any name" {
    local serial
    serial=$(zone_serial example.com)
    run -1 apply --domain refused-cname.example.com --domain refused-data.example.com \
        --domain refused-new.example.com --target "$TARGET" --tsig-key "file:$KEYS/apply-key.line"
    [[ "$output" == *"refused refused-cname.example.com: has a CNAME to elsewhere.example.org., not to $TARGET. (--replace replaces it)"* ]]
    [[ "$output" == *"refused refused-data.example.com: holds other data (A)"* ]]
    [[ "$output" == *"nothing sent: 2 of 3 domains"* ]]
    [[ "$output" != *"created"* ]]
    [ "$(zone_serial example.com)" -eq "$serial" ]
    [ "$(cname_of refused-cname.example.com)" = "elsewhere.example.org." ]
    [ "$(data_of refused-data.example.com A)" = "192.0.2.10" ]
    [ "$(rcode_of refused-new.example.com)" = NXDOMAIN ]
}

@test "replaced with --replace: the CNAME elsewhere now points at the target" {
    local serial
    serial=$(zone_serial example.com)
    run -0 apply --domain replace-cname.example.com --domain replace-new.example.com \
        --target "$TARGET" --tsig-key "file:$KEYS/apply-key.line" --replace
    [[ "$output" == *"replaced replace-cname.example.com: now points at $TARGET. (was a CNAME to elsewhere.example.org.)"* ]]
    [[ "$output" == *"created replace-new.example.com."* ]]
    [ "$(cname_of replace-cname.example.com)" = "$TARGET." ]
    [ "$(cname_of replace-new.example.com)" = "$TARGET." ]
    [ "$(zone_serial example.com)" -eq $((serial + 1)) ]
}

@test "replaced with --replace: other data goes where the ACL allows it, is kept where not" {
    local serial open
    # example.com's ACL takes CNAME and TXT updates only: deleting the A
    # data is refused by knotd, and the whole update with it.
    serial=$(zone_serial example.com)
    run -1 apply --domain replace-data.example.com --target "$TARGET" \
        --tsig-key "file:$KEYS/apply-key.line" --replace
    [[ "$output" == *"refused the update: NOTAUTH, BADKEY"* ]]
    [ "$(data_of replace-data.example.com A)" = "192.0.2.11" ]
    [ "$(count_of replace-data.example.com CNAME)" -eq 0 ]
    [ "$(zone_serial example.com)" -eq "$serial" ]
    # open.example takes any update: the A and TXT data go, the CNAME comes.
    open=$(zone_serial open.example)
    run -0 apply --domain data.open.example --target "$TARGET" \
        --tsig-key "file:$KEYS/apply-key.line" --replace
    [[ "$output" == *"replaced data.open.example: now points at $TARGET."* ]]
    [ "$(cname_of data.open.example)" = "$TARGET." ]
    [ "$(count_of data.open.example TXT)" -eq 0 ]
    [ "$(count_of data.open.example A)" -eq 0 ]
    [ "$(zone_serial open.example)" -eq $((open + 1)) ]
}

@test "a name with only names below it (an empty non-terminal) takes a CNAME" {
    run -0 apply --domain parent.example.com --target "$TARGET" --tsig-key "file:$KEYS/apply-key.line"
    [[ "$output" == *"created parent.example.com."* ]]
    [ "$(cname_of parent.example.com)" = "$TARGET." ]
}

@test "deleted with --delete: CNAMEs to the target only, other data never; elsewhere with --replace" {
    local serial
    run -0 apply --domain delete-me.example.com --target "$TARGET" --tsig-key "file:$KEYS/apply-key.line"
    [ "$(cname_of delete-me.example.com)" = "$TARGET." ]
    serial=$(zone_serial example.com)
    run -1 apply --domain delete-me.example.com --domain delete-other.example.com \
        --target "$TARGET" --tsig-key "file:$KEYS/apply-key.line" --delete
    [[ "$output" == *"refused delete-other.example.com: its CNAME points at elsewhere.example.org., not at $TARGET."* ]]
    [ "$(cname_of delete-me.example.com)" = "$TARGET." ]
    [ "$(zone_serial example.com)" -eq "$serial" ]

    run -0 apply --domain delete-me.example.com --domain delete-data.example.com \
        --domain delete-never.example.com --target "$TARGET" \
        --tsig-key "file:$KEYS/apply-key.line" --delete
    [[ "$output" == *"deleted delete-me.example.com: its CNAME to $TARGET."* ]]
    [[ "$output" == *"unchanged delete-data.example.com: has no CNAME"* ]]
    [[ "$output" == *"PASS delete-me.example.com: no CNAME"* ]]
    [ "$(rcode_of delete-me.example.com)" = NXDOMAIN ]
    [ "$(data_of delete-data.example.com A)" = "192.0.2.12" ]
    [ "$(zone_serial example.com)" -eq $((serial + 1)) ]

    run -0 apply --domain delete-other.example.com --target "$TARGET" \
        --tsig-key "file:$KEYS/apply-key.line" --delete --replace
    [[ "$output" == *"deleted delete-other.example.com: its CNAME to elsewhere.example.org."* ]]
    [ -z "$(cname_of delete-other.example.com)" ]
    [ "$(zone_serial example.com)" -eq $((serial + 2)) ]
}

@test "keys as BIND key clauses: hmac-sha384 and hmac-sha512 from rndc-confgen, from file, env and fd" {
    local serial
    run -0 named-checkconf "$KEYS/key384.clause"
    run -0 named-checkconf "$KEYS/apply-key.clause"
    serial=$(zone_serial example.com)
    run -0 apply --domain sha384.example.com --target "$TARGET" --tsig-key "file:$KEYS/key384.clause"
    [[ "$output" == *"signed with key key384 (hmac-sha384)"* ]]
    [ "$(cname_of sha384.example.com)" = "$TARGET." ]
    P11CERT_TEST_KEY=$(cat "$KEYS/key512.clause") run -0 apply --domain sha512.example.com \
        --target "$TARGET" --tsig-key env:P11CERT_TEST_KEY
    [[ "$output" == *"signed with key key512 (hmac-sha512)"* ]]
    [ "$(cname_of sha512.example.com)" = "$TARGET." ]
    run -0 apply --domain clause.example.com --target "$TARGET" --tsig-key fd:3 \
        3<"$KEYS/apply-key.clause"
    [[ "$output" == *"signed with key apply-key (hmac-sha256)"* ]]
    [ "$(cname_of clause.example.com)" = "$TARGET." ]
    [ "$(zone_serial example.com)" -eq $((serial + 3)) ]
}

@test "a wrong secret: NOTAUTH, BADSIG; nothing changed" {
    local serial
    serial=$(zone_serial example.com)
    run -1 apply --domain wrong-secret.example.com --target "$TARGET" \
        --tsig-key "file:$KEYS/wrong-secret.line"
    [[ "$output" == *"p11cert: dns apply: 127.0.0.1 port $KNOT_PORT refused the update: NOTAUTH, BADSIG (key apply-key: the signature does not verify"* ]]
    [ "$(rcode_of wrong-secret.example.com)" = NXDOMAIN ]
    [ "$(zone_serial example.com)" -eq "$serial" ]
}

@test "an unknown key: NOTAUTH, BADKEY; nothing changed" {
    local serial
    serial=$(zone_serial example.com)
    run -1 apply --domain unknown-key.example.com --target "$TARGET" \
        --tsig-key "file:$KEYS/unknown.line"
    [[ "$output" == *"refused the update: NOTAUTH, BADKEY (key stranger-key: the server does not know this key"* ]]
    [ "$(rcode_of unknown-key.example.com)" = NXDOMAIN ]
    [ "$(zone_serial example.com)" -eq "$serial" ]
}

@test "names outside the ACL (update-owner) are refused, with the allowed ones in the same update" {
    local serial
    serial=$(zone_serial tight.example)
    run -1 apply --domain www.ok.tight.example --domain outside.tight.example --target "$TARGET" \
        --tsig-key "file:$KEYS/apply-key.line"
    [[ "$output" == *"refused the update: NOTAUTH, BADKEY"*"ACL"* ]]
    [[ "$output" == *"nothing was changed"* ]]
    [ "$(rcode_of www.ok.tight.example)" = NXDOMAIN ]
    [ "$(rcode_of outside.tight.example)" = NXDOMAIN ]
    [ "$(zone_serial tight.example)" -eq "$serial" ]
    run -0 apply --domain www.ok.tight.example --target "$TARGET" \
        --tsig-key "file:$KEYS/apply-key.line"
    [ "$(cname_of www.ok.tight.example)" = "$TARGET." ]
    [ "$(zone_serial tight.example)" -eq $((serial + 1)) ]
}

@test "a dead server (a port nobody answers on) fails within 15 s, naming the address" {
    local port
    port=$(free_port)
    # timeout is a hang guard: a run that took longer would exit 124, not 1.
    run -1 timeout 15 p11cert dns apply --server "127.0.0.1:$port" --domain dead.example.com \
        --target "$TARGET" --tsig-key "file:$KEYS/apply-key.line"
    [[ "$output" == *"p11cert: dns apply: cannot find the zone of dead.example.com: no answer from 127.0.0.1 port $port"* ]]
    [ "$(wc -l <<<"$output")" -eq 1 ]
    run -1 timeout 15 p11cert dns apply --server "127.0.0.1:$port" --domain dead.example.com \
        --target "$TARGET" --tsig-key "file:$KEYS/apply-key.line" --zone example.com
    [[ "$output" == *"no answer from 127.0.0.1 port $port"* ]]
}

@test "a silent server (a UDP socket that never answers) fails within 15 s, naming the address" {
    local port=""
    : >"$BATS_TEST_TMPDIR/silent.port" # there before the reader looks, empty until bound
    python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(120)' >>"$BATS_TEST_TMPDIR/silent.port" 3>&- &
    echo $! >"$BATS_TEST_TMPDIR/silent.pid"
    for _ in $(seq 1 100); do
        port=$(cat "$BATS_TEST_TMPDIR/silent.port")
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ]
    run -1 timeout 15 p11cert dns apply --server "127.0.0.1:$port" --domain silent.example.com \
        --target "$TARGET" --tsig-key "file:$KEYS/apply-key.line"
    [[ "$output" == *"no answer from 127.0.0.1 port $port"*"timed out"* ]]
}

@test "--zone: the zone named, a zone the server does not serve, a domain outside it" {
    run -0 apply --domain given-zone.example.com --zone example.com --target "$TARGET" \
        --tsig-key "file:$KEYS/apply-key.line"
    [ "$(cname_of given-zone.example.com)" = "$TARGET." ]
    run -1 apply --domain a.example.org --zone example.org --target "$TARGET" \
        --tsig-key "file:$KEYS/apply-key.line"
    [[ "$output" == *"answered REFUSED for example.org: it serves no zone that holds it"* ]]
    run -2 apply --domain a.example.org --zone example.com --target "$TARGET" \
        --tsig-key "file:$KEYS/apply-key.line"
    [[ "$output" == *"the domain a.example.org is not in the zone example.com"* ]]
    run -2 apply --domain example.com --zone example.com --target "$TARGET" \
        --tsig-key "file:$KEYS/apply-key.line"
    [[ "$output" == *"is the apex of the zone example.com"* ]]
}

@test "the zone is found per name: the apex, two zones, a zone not served are errors" {
    run -1 apply --domain example.com --target "$TARGET" --tsig-key "file:$KEYS/apply-key.line"
    [[ "$output" == *"the domain example.com is the apex of the zone example.com"* ]]
    run -1 apply --domain two-a.example.com --domain two-b.open.example --target "$TARGET" \
        --tsig-key "file:$KEYS/apply-key.line"
    [[ "$output" == *"different zones: two-a.example.com in example.com, two-b.open.example in open.example"* ]]
    [[ "$output" == *"hint: one UPDATE changes one zone"* ]]
    [ "$(rcode_of two-a.example.com)" = NXDOMAIN ]
    run -1 apply --domain a.example.org --target "$TARGET" --tsig-key "file:$KEYS/apply-key.line"
    [[ "$output" == *"cannot find the zone of a.example.org"*"REFUSED"* ]]
}

@test "bad key files: one line that quotes none of the key, nothing sent" {
    local serial secret
    serial=$(zone_serial example.com)
    secret=$(cut -d: -f3 "$KEYS/apply-key.line")
    printf 'key "apply-key" {\n\talgorithm hmac-sha256;\n\tsecret %s;\n};\n' "$secret" >bad.clause
    printf 'hmac-md5:apply-key:%s\n' "$secret" >weak.line
    printf '%s\n' "$secret" >bare.secret
    : >empty.key
    run -1 apply --domain bad-key.example.com --target "$TARGET" --tsig-key file:bad.clause
    [[ "$output" == *'bad TSIG key: line 3: expected secret "BASE64"'* ]]
    [ "$(wc -l <<<"$output")" -eq 1 ]
    run -1 apply --domain bad-key.example.com --target "$TARGET" --tsig-key file:weak.line
    [[ "$output" == *"the algorithm hmac-md5 is not accepted"* ]]
    run -1 apply --domain bad-key.example.com --target "$TARGET" --tsig-key file:bare.secret
    [[ "$output" == *"expected a key clause"*"or one line ALGORITHM:NAME:BASE64"* ]]
    run -1 apply --domain bad-key.example.com --target "$TARGET" --tsig-key file:empty.key
    [[ "$output" == *"the file is empty"* ]]
    run -1 apply --domain bad-key.example.com --target "$TARGET" --tsig-key file:missing.key
    [[ "$output" == *'cannot read the TSIG key from file "missing.key"'* ]]
    [ "$(rcode_of bad-key.example.com)" = NXDOMAIN ]
    [ "$(zone_serial example.com)" -eq "$serial" ]
}

@test "--json: records, checks, the key by name; no secret in any output, -v included" {
    local serial
    serial=$(zone_serial example.com)
    run -0 --separate-stderr apply --json --domain json-a.example.com --target "$TARGET" \
        --tsig-key "file:$KEYS/apply-key.line"
    [ "$(jq -r '.records[0].action' <<<"$output")" = created ]
    [ "$(jq -r '.records[0].check.ok' <<<"$output")" = true ]
    [ "$(jq -r '.records[0].check.name' <<<"$output")" = "cname json-a.example.com" ]
    [ "$(jq -r '.key.name + " " + .key.algorithm' <<<"$output")" = "apply-key hmac-sha256" ]
    [ "$(jq -r '.answer' <<<"$output")" = NOERROR ]
    [ "$(jq -r '.serial_after - .serial_before' <<<"$output")" -eq 1 ]
    [ "$(jq -r '.serial_before' <<<"$output")" -eq "$serial" ]
    [ "$(jq -r '.ok' <<<"$output")" = true ]
    run -1 --separate-stderr apply --json --domain refused-cname.example.com --target "$TARGET" \
        --tsig-key "file:$KEYS/apply-key.line"
    [ "$(jq -r '.records[0].action' <<<"$output")" = refused ]
    [ "$(jq -r '.sent' <<<"$output")" = false ]
    [ "$(jq -r '.ok' <<<"$output")" = false ]
    # -v says more on stderr, never the secret (apply checks every output).
    run -0 --separate-stderr apply -v --domain json-a.example.com --domain json-b.example.com \
        --target "$TARGET" --tsig-key "file:$KEYS/key512.clause"
    [[ "$stderr" == *"signed with key key512"* ]]
    run -1 --separate-stderr apply -v --json --domain json-c.example.com --target "$TARGET" \
        --tsig-key "file:$KEYS/wrong-secret.line"
    [[ "$stderr" == *"BADSIG"* ]]
    [ "$(jq -r '.answer' <<<"$output")" != NOERROR ]
}

@test "TXT records for dns-01 added and removed through the dns layer's RFC 2136 API" {
    local serial
    serial=$(zone_serial example.com)
    run -0 dns-txt "$SERVER" "file:$KEYS/apply-key.line" example.com add \
        _acme-challenge.txt.example.com first-token
    [ "$output" = NOERROR ]
    run -0 dns-txt "$SERVER" "file:$KEYS/key384.clause" example.com add \
        _acme-challenge.txt.example.com second-token
    run -0 data_of _acme-challenge.txt.example.com TXT
    [[ "$output" == *'"first-token"'* && "$output" == *'"second-token"'* ]]
    [ "$(wc -l <<<"$output")" -eq 2 ]
    run -0 dns-txt "$SERVER" "file:$KEYS/apply-key.line" example.com remove \
        _acme-challenge.txt.example.com first-token
    [ "$(data_of _acme-challenge.txt.example.com TXT)" = '"second-token"' ]
    [ "$(zone_serial example.com)" -eq $((serial + 3)) ]
    run -1 dns-txt "$SERVER" "file:$KEYS/wrong-secret.line" example.com remove \
        _acme-challenge.txt.example.com second-token
    [[ "$output" == *"NOTAUTH, BADSIG"* ]]
    [ "$(data_of _acme-challenge.txt.example.com TXT)" = '"second-token"' ]
}
