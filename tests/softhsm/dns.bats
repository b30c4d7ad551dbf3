#!/usr/bin/env bats
# p11cert dns records / dns check (no token needed). The records p11cert
# emits are confirmed by other implementations: named-checkzone loads them
# in a zone with SOA and NS, knotd (started here on 127.0.0.1 and a random
# high port, stopped in teardown_file whatever happened) serves them, dig
# reads them back, and dns check must agree.

load helpers
load knot

bats_require_minimum_version 1.5.0

ENDPOINTS=$P11CERT_SRC/data/endpoints
US_EAST=gateway.us-east.example.net
US_WEST=gateway.us-west.example.net

# The zone around the records: SOA, NS, and names that are not CNAMEs to the
# endpoint (a name with no CNAME, a CNAME elsewhere, a chain to the endpoint).
zone_head() {
    cat <<'EOF'
$ORIGIN example.com.
$TTL 300
@       IN SOA  ns1.example.com. hostmaster.example.com. 1 3600 900 604800 300
@       IN NS   ns1.example.com.
ns1     IN A    127.0.0.1
www     IN A    192.0.2.10
other   IN CNAME elsewhere.example.org.
chain   IN CNAME developers.example.com.
EOF
}

setup_file() {
    export KNOT_DIR=$BATS_FILE_TMPDIR/knot
    mkdir -p "$KNOT_DIR/db"
    # The records knotd serves: relative to --origin, which must load as well.
    {
        zone_head
        p11cert dns records --domain developers.example.com --domain gateway.example.com \
            --region us-east --endpoints "$ENDPOINTS" --origin example.com --ttl 300
    } >"$KNOT_DIR/example.com.zone" || return 1
    start_knotd example.com <<<$'zone:\n  - domain: example.com' || {
        stop_knotd
        return 1
    }
    export KNOT_PORT
    export SERVER=127.0.0.1:$KNOT_PORT
}

teardown_file() {
    stop_knotd
}

setup() {
    mkdir "$BATS_TEST_TMPDIR/work" && cd "$BATS_TEST_TMPDIR/work" || return 1
}

# No file in the test's directory.
assert_no_output_file() {
    local left
    left=$(ls -A)
    [ -z "$left" ] || {
        echo "files left behind: $left"
        return 1
    }
}

@test "dns --help and dns records --help both answer" {
    run -0 p11cert dns --help
    [[ "$output" == *records* && "$output" == *check* ]]
    run -0 p11cert dns records --help
    [[ "$output" == *"usage: p11cert dns records --domain NAME"* ]]
    [[ "$output" == *--origin* && "$output" == *--cert* ]]
    run -0 p11cert dns check --help
    [[ "$output" == *"--server ADDR[:PORT]"* ]]
    run -2 p11cert dns
    [[ "$output" == *subcommand* ]]
    run -2 p11cert dns frobnicate
    [[ "$output" == *'unknown subcommand "frobnicate"'* ]]
}

@test "records: a CNAME per domain, absolute names, the region from the default endpoints file" {
    run -0 --separate-stderr p11cert dns records --domain developers.example.com \
        --domain Gateway.Example.COM. --region us-east
    [[ "$output" == *"developers.example.com."$'\t'"3600"$'\t'"IN"$'\t'"CNAME"$'\t'"$US_EAST."* ]]
    [[ "$output" == *"gateway.example.com."$'\t'"3600"$'\t'"IN"$'\t'"CNAME"$'\t'"$US_EAST."* ]]
    [ "$(grep -c $'\tCNAME\t' <<<"$output")" -eq 2 ]
    [ -z "$stderr" ]
}

@test "records: named-checkzone loads them in a zone with SOA and NS, absolute and with --origin" {
    { zone_head && p11cert dns records --domain developers.example.com \
        --domain gateway.example.com --target "$US_EAST" --ttl 600; } >abs.zone
    run -0 named-checkzone -D -o dump.zone example.com abs.zone
    [[ "$output" == *"loaded serial 1"* ]]
    grep -E "^developers\.example\.com\.[[:space:]]+600[[:space:]]+IN[[:space:]]+CNAME[[:space:]]+$US_EAST\.$" dump.zone
    grep -E "^gateway\.example\.com\.[[:space:]]+600[[:space:]]+IN[[:space:]]+CNAME[[:space:]]+$US_EAST\.$" dump.zone

    run -0 p11cert dns records --domain api.eu.example.com --target "$US_EAST" \
        --origin example.com --out rel.txt
    grep -Fx '$ORIGIN example.com.' rel.txt
    grep -E "^api\.eu[[:space:]]" rel.txt
    { zone_head && cat rel.txt; } >rel.zone
    run -0 named-checkzone -D -o dump2.zone example.com rel.zone
    grep -E "^api\.eu\.example\.com\.[[:space:]]+3600[[:space:]]+IN[[:space:]]+CNAME[[:space:]]+$US_EAST\.$" dump2.zone
}

@test "knotd serves the records (dig) and dns check --server finds them" {
    run -0 dig @127.0.0.1 -p "$KNOT_PORT" +short CNAME developers.example.com
    [ "$output" = "$US_EAST." ]
    run -0 dig @127.0.0.1 -p "$KNOT_PORT" +short CNAME gateway.example.com
    [ "$output" = "$US_EAST." ]

    run -0 p11cert dns check --server "$SERVER" --region us-east --endpoints "$ENDPOINTS" \
        --domain developers.example.com --domain gateway.example.com
    [[ "$output" == *"PASS developers.example.com: points at $US_EAST."* ]]
    [[ "$output" == *"PASS gateway.example.com: points at $US_EAST."* ]]
}

@test "dns check follows a CNAME chain to the target" {
    run -0 p11cert dns check --server "$SERVER" --target "$US_EAST" --domain chain.example.com
    [[ "$output" == *"PASS chain.example.com: points at $US_EAST. (via developers.example.com.)"* ]]
}

@test "dns check --json: checks carry name, ok, detail" {
    run -1 --separate-stderr p11cert --json dns check --server "$SERVER" --target "$US_EAST" \
        --domain developers.example.com --domain missing.example.com
    [[ "$output" == *'"name": "cname developers.example.com"'* ]]
    [[ "$output" == *'"ok": true'* && "$output" == *'"ok": false'* ]]
    [[ "$output" == *"\"found\": \"$US_EAST\""* ]]
    [[ "$output" == *'"detail": "no record: the name does not exist (NXDOMAIN)"'* ]]
    [ "$(grep -c '"name":' <<<"$output")" -eq 2 ]
}

@test "dns check: a wrong target fails and says where the name points" {
    run -1 p11cert dns check --server "$SERVER" --region us-west --endpoints "$ENDPOINTS" \
        --domain developers.example.com --domain other.example.com
    [[ "$output" == *"FAIL developers.example.com: points at $US_EAST., not at $US_WEST."* ]]
    [[ "$output" == *"FAIL other.example.com: points at elsewhere.example.org., not at $US_WEST."* ]]
    [[ "$output" == *"2 of 2 domains do not point at $US_WEST."* ]]
}

@test "dns check: a missing name fails with no record, NXDOMAIN or NODATA" {
    run -1 p11cert dns check --server "$SERVER" --target "$US_EAST" \
        --domain missing.example.com --domain www.example.com --domain developers.example.com
    [[ "$output" == *"FAIL missing.example.com: no record: the name does not exist (NXDOMAIN)"* ]]
    [[ "$output" == *"FAIL www.example.com: no record: the name has no CNAME (NODATA)"* ]]
    [[ "$output" == *"PASS developers.example.com"* ]]
    [[ "$output" == *"2 of 3 domains"* ]]
}

@test "dns check: a dead server fails within 15 s with a clear error" {
    local port
    port=$(free_port)
    # timeout is a hang guard: a check that took longer would exit 124, not 1.
    run -1 timeout 15 p11cert dns check --server "127.0.0.1:$port" --target "$US_EAST" \
        --domain developers.example.com --domain gateway.example.com
    [[ "$output" == *"FAIL developers.example.com: no answer from 127.0.0.1 port $port"* ]]
    [[ "$output" == *"timed out"* ]]
    [[ "$output" == *"FAIL gateway.example.com: not asked"* ]]
    [[ "$output" == *"p11cert: dns check: no answer from 127.0.0.1 port $port"* ]]
}

@test "dns check: bad --server and bad names are usage errors" {
    run -2 p11cert dns check --server ns1.example.com --target "$US_EAST" --domain a.example.com
    [[ "$output" == *"bad --server"*"not an IP address"* ]]
    run -2 p11cert dns check --server '[::1]5353' --target "$US_EAST" --domain a.example.com
    [[ "$output" == *"bad --server"* ]]
    run -2 p11cert dns check --server "$SERVER" --target "$US_EAST" --domain 'bad_name.example.com'
    [[ "$output" == *'bad domain "bad_name.example.com"'* ]]
    run -2 p11cert dns check --server "$SERVER" --domain a.example.com
    [[ "$output" == *"--target HOST or --region R"* ]]
}

@test "records --cert: covered domains pass, an uncovered one is refused by name" {
    openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 2 \
        -subj /CN=developers.example.com \
        -addext 'subjectAltName=DNS:developers.example.com,DNS:gateway.example.com,DNS:*.api.example.com' \
        2>/dev/null
    run -0 p11cert dns records --cert cert.pem --target "$US_EAST" --domain developers.example.com \
        --domain gateway.example.com --domain v1.api.example.com --out ok.zone
    [ "$(grep -c $'\tCNAME\t' ok.zone)" -eq 3 ]

    run -1 p11cert dns records --cert cert.pem --target "$US_EAST" --domain developers.example.com \
        --domain store.example.com --domain a.b.api.example.com --out refused.zone
    [[ "$output" == *"does not cover store.example.com, a.b.api.example.com"* ]]
    [[ "$output" != *"cover developers.example.com"* ]]
    [ ! -e refused.zone ]
}

@test "records: invalid names are usage errors, nothing written" {
    local name
    for name in 'bad_name.example.com' '-lead.example.com' 'a..example.com' '*.example.com' \
        "$(printf 'a%.0s' $(seq 1 64)).example.com" 'bücher.example.com' '192.0.2.1'; do
        run -2 p11cert dns records --domain "$name" --target "$US_EAST" --out out.zone
        [[ "$output" == *"bad domain"* ]] || {
            echo "for $name: $output"
            return 1
        }
        [ "$(wc -l <<<"$output")" -eq 1 ]
    done
    run -2 p11cert dns records --domain a.example.com --target 'bad_target!' --out out.zone
    [[ "$output" == *"bad target"* ]]
    run -2 p11cert dns records --domain a.example.com --target "$US_EAST" --ttl 0 --out out.zone
    [[ "$output" == *"--ttl"* ]]
    run -2 p11cert dns records --domain "$US_EAST" --target "$US_EAST." --out out.zone
    [[ "$output" == *"is the target itself"* ]]
    run -2 p11cert dns records --domain a.example.org --target "$US_EAST" --origin example.com \
        --out out.zone
    [[ "$output" == *"not in the zone example.com"* ]]
    assert_no_output_file
}

@test "records: a CNAME at the zone apex is refused with a hint" {
    run -2 p11cert dns records --domain example.com --target "$US_EAST" --origin example.com \
        --out out.zone
    [[ "$output" == *"apex of the zone example.com"*"SOA and NS"* ]]
    [[ "$output" == *"hint:"*"ALIAS/ANAME"* ]]
    assert_no_output_file
}

@test "records: an unknown region is an error that lists the known ones" {
    run -2 p11cert dns records --domain a.example.com --region mars --endpoints "$ENDPOINTS" \
        --out out.zone
    [[ "$output" == *'unknown region "mars"'* ]]
    [[ "$output" == *"us-east, us-west, eu-ireland, eu-frankfurt"* ]]
    assert_no_output_file
}

@test "records: a malformed endpoints line is an error with file and line" {
    printf '# regions\nus-east gateway.us-east.example.net\nus-west\n' >bad-endpoints
    run -1 p11cert dns records --domain a.example.com --region us-east --endpoints bad-endpoints \
        --out out.zone
    [[ "$output" == *"bad-endpoints:3: expected \"REGION HOST\""* ]]
    printf 'us-east gw_1.example.net\n' >bad-endpoints
    run -1 p11cert dns check --domain a.example.com --region us-east --endpoints bad-endpoints \
        --server "$SERVER"
    [[ "$output" == *"bad-endpoints:1: host \"gw_1.example.net\""* ]]
    run -1 p11cert dns records --domain a.example.com --region us-east --endpoints missing-file
    [[ "$output" == *'cannot read "missing-file"'* ]]
    rm bad-endpoints
    assert_no_output_file
}

@test "records --out: written whole, an existing file kept without --force" {
    run -0 p11cert dns records --domain a.example.com --target "$US_EAST" --out r.zone
    [[ "$output" == *"records: r.zone"* ]]
    grep -q "^a.example.com." r.zone
    run -1 p11cert dns records --domain b.example.com --target "$US_EAST" --out r.zone
    [[ "$output" == *"exists"*"--force"* ]]
    grep -q "^a.example.com." r.zone
    run -0 p11cert dns records --domain b.example.com --target "$US_EAST" --out r.zone --force
    grep -q "^b.example.com." r.zone
    [ "$(ls -A)" = r.zone ]
}

@test "records --json: records with domain, target, ttl, text, and the zone text" {
    run -0 --separate-stderr p11cert --json dns records --domain developers.example.com \
        --target "$US_EAST" --ttl 120 --origin example.com
    [[ "$output" == *'"domain": "developers.example.com"'* ]]
    [[ "$output" == *"\"target\": \"$US_EAST\""* ]]
    [[ "$output" == *'"ttl": 120'* ]]
    [[ "$output" == *"\"text\": \"developers\\t120\\tIN\\tCNAME\\t$US_EAST.\""* ]]
    [[ "$output" == *'"zone_text": "; CNAME records'*'$ORIGIN example.com.\n'* ]]
}
