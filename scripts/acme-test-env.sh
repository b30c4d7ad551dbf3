#!/usr/bin/env bash
# The ACME test world on loopback, for the tests and the demo: a knotd that
# takes TSIG-signed RFC 2136 updates for the zone acme.test (and serves A
# records 127.0.0.1 for its test names, for http-01), and pebble instances
# (Debian's pebble 2.4) whose validation asks that knotd (-dnsserver).
# Everything runs on 127.0.0.1 with ports below 32768, and every process is
# recorded by pid in DIR, so that `stop` ends exactly those.
#
#   scripts/acme-test-env.sh knot DIR
#       starts knotd; prints KNOT_PORT=, KNOT_SERVER=127.0.0.1:PORT,
#       TSIG_FILE= (hmac-sha256:acme-test:SECRET, as --tsig-key file: reads it),
#       ACME_ZONE=acme.test
#   scripts/acme-test-env.sh pebble DIR NAME KNOT_PORT [VAR=VALUE...]
#       starts pebble NAME (its files in DIR/pebble-NAME) with a throwaway CA
#       for its listener; VARs are pebble's environment (PEBBLE_VA_NOSLEEP=1
#       and PEBBLE_AUTHZREUSE=0 unless given; PEBBLE_WFE_NONCEREJECT is left
#       at pebble's 5 % unless given). EAB=1 among the VARs makes a config with
#       externalAccountBindingRequired and the key id "kid-1" (its HMAC key in
#       DIR/pebble-NAME/eab-hmac). VALIDITY=SECONDS makes its certificates
#       valid that long (certificateValidityPeriod; pebble's default is 5
#       years). Prints, for NAME in upper case:
#       NAME_DIRECTORY=https://127.0.0.1:P/dir NAME_MGMT=https://127.0.0.1:M
#       NAME_CA= (the listener's CA, for --ca-bundle and curl --cacert)
#       NAME_HTTP_PORT= (where it validates http-01) NAME_PID= NAME_LOG=
#       NAME_EAB_HMAC= (with EAB=1)
#   scripts/acme-test-env.sh roots DIR NAME OUT [N]
#       writes pebble NAME's root certificates 0..N-1 (default 1) into OUT,
#       fetched from its management interface (curl, not p11cert)
#   scripts/acme-test-env.sh stop DIR
#       stops every process this script started in DIR, by pid
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ZONE=acme.test
# The names the zone holds A records for (http-01 connects there).
NAMES="a b c d e f g h www api web mail demo rsa ec sig fail alt eab spy"

die() {
    echo "acme-test-env: $*" >&2
    exit 1
}

# A port in 20000..32767 on which nothing listens (UDP or TCP) right now.
free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 12768))
        if [ -z "$(ss -Hlnu "sport = :$port" 2>/dev/null)" ] &&
            [ -z "$(ss -Hlnt "sport = :$port" 2>/dev/null)" ] &&
            ! grep -qx "$port" "$DIR/ports" 2>/dev/null; then
            echo "$port" >>"$DIR/ports"
            echo "$port"
            return 0
        fi
    done
    die "no free port"
}

# Ends the process whose pid FILE holds (scripts/stop-pid.sh: TERM, up to
# 10 s, then KILL), and forgets FILE.
stop_pid() {
    "$HERE/stop-pid.sh" "$1" 10
    rm -f "$1"
}

start_knot() {
    local k=$DIR/knot port secret pid
    mkdir -p "$k/db"
    secret=$(openssl rand -base64 32)
    printf 'hmac-sha256:acme-test:%s\n' "$secret" >"$k/tsig.key"
    chmod 600 "$k/tsig.key"
    {
        printf '$ORIGIN %s.\n$TTL 60\n' "$ZONE"
        printf '@ IN SOA ns1 hostmaster 1 3600 900 604800 60\n@ IN NS ns1\nns1 IN A 127.0.0.1\n'
        for n in $NAMES; do printf '%s IN A 127.0.0.1\n' "$n"; done
    } >"$k/$ZONE.zone"
    for _ in 1 2 3; do
        port=$(free_port)
        cat >"$k/knot.conf" <<CONF
server:
    listen: 127.0.0.1@$port
    rundir: "$k"
    pidfile: "$k/knot.pid"
database:
    storage: "$k/db"
log:
  - target: stderr
    any: info
key:
  - id: acme-test
    algorithm: hmac-sha256
    secret: $secret
acl:
  - id: update
    key: acme-test
    action: update
template:
  - id: default
    storage: "$k"
    file: "%s.zone"
    zonefile-sync: -1
zone:
  - domain: $ZONE
    acl: update
CONF
        # Detached from the caller's descriptors (bats waits for them).
        knotd -c "$k/knot.conf" >"$k/knotd.log" 2>&1 3>&- </dev/null &
        pid=$!
        echo "$pid" >"$DIR/knotd.pid.env"
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            if [ -n "$(dig @127.0.0.1 -p "$port" +time=1 +tries=1 +short SOA "$ZONE" 2>/dev/null)" ]; then
                echo "KNOT_PORT=$port"
                echo "KNOT_SERVER=127.0.0.1:$port"
                echo "TSIG_FILE=$k/tsig.key"
                echo "ACME_ZONE=$ZONE"
                return 0
            fi
            sleep 0.1
        done
        stop_pid "$DIR/knotd.pid.env"
    done
    cat "$k/knotd.log" >&2
    die "knotd did not serve $ZONE"
}

# The listener's throwaway CA and its certificate for 127.0.0.1 and localhost.
listener_ca() {
    local p=$1
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj "/CN=pebble listener test CA" -keyout "$p/ca.key" -out "$p/ca.pem" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
        -keyout "$p/listener.key" -out "$p/listener.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$p/ext"
    openssl x509 -req -in "$p/listener.csr" -CA "$p/ca.pem" -CAkey "$p/ca.key" \
        -CAcreateserial -days 2 -extfile "$p/ext" -out "$p/listener.pem" 2>/dev/null
}

start_pebble() {
    local name=$1 knot_port=$2 up p port mport hport tport pid eab=0 validity='' v
    shift 2
    up=$(printf '%s' "$name" | tr '[:lower:]-' '[:upper:]_')
    p=$DIR/pebble-$name
    mkdir -p "$p"
    local envs=(PEBBLE_VA_NOSLEEP=1 PEBBLE_AUTHZREUSE=0)
    for v in "$@"; do
        case "$v" in
        EAB=1) eab=1 ;;
        VALIDITY=*) validity=",
    \"certificateValidityPeriod\": ${v#VALIDITY=}" ;;
        PEBBLE_*=*) envs+=("$v") ;;
        *) die "pebble: not VAR=VALUE: $v" ;;
        esac
    done
    listener_ca "$p"
    # The EAB key as a CA would hand it out: base64url.
    openssl rand 32 | base64 -w0 | tr '+/' '-_' | tr -d '=' >"$p/eab-hmac"
    port=$(free_port)
    mport=$(free_port)
    hport=$(free_port)
    tport=$(free_port)
    cat >"$p/config.json" <<CONF
{
  "pebble": {
    "listenAddress": "127.0.0.1:$port",
    "managementListenAddress": "127.0.0.1:$mport",
    "certificate": "$p/listener.pem",
    "privateKey": "$p/listener.key",
    "httpPort": $hport,
    "tlsPort": $tport,
    "ocspResponderURL": "",
    "externalAccountBindingRequired": $([ "$eab" = 1 ] && echo true || echo false),
    "externalAccountMACKeys": { "kid-1": "$(cat "$p/eab-hmac")" }$validity
  }
}
CONF
    env "${envs[@]}" pebble -config "$p/config.json" -dnsserver "127.0.0.1:$knot_port" \
        >"$p/pebble.log" 2>&1 3>&- </dev/null &
    pid=$!
    echo "$pid" >"$DIR/pebble-$name.pid.env"
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        if curl -fsS --cacert "$p/ca.pem" "https://127.0.0.1:$port/dir" >/dev/null 2>&1 &&
            curl -fsS --cacert "$p/ca.pem" "https://127.0.0.1:$mport/roots/0" >/dev/null 2>&1; then
            echo "${up}_DIRECTORY=https://127.0.0.1:$port/dir"
            echo "${up}_MGMT=https://127.0.0.1:$mport"
            echo "${up}_CA=$p/ca.pem"
            echo "${up}_HTTP_PORT=$hport"
            echo "${up}_PID=$pid"
            echo "${up}_LOG=$p/pebble.log"
            [ "$eab" = 0 ] || echo "${up}_EAB_HMAC=$p/eab-hmac"
            return 0
        fi
        sleep 0.1
    done
    cat "$p/pebble.log" >&2
    stop_pid "$DIR/pebble-$name.pid.env"
    die "pebble $name did not start"
}

roots() {
    local name=$1 out=$2 n=${3:-1} p=$DIR/pebble-$1 mgmt i
    mgmt=$(sed -n 's/.*"managementListenAddress": "\(.*\)".*/\1/p' "$p/config.json")
    : >"$out"
    for ((i = 0; i < n; i++)); do
        curl -fsS --cacert "$p/ca.pem" "https://$mgmt/roots/$i" >>"$out"
    done
}

[ "$#" -ge 2 ] || die "usage: $0 knot|pebble|roots|stop DIR ..."
cmd=$1
DIR=$2
shift 2
mkdir -p "$DIR"
case "$cmd" in
knot) start_knot ;;
pebble)
    [ "$#" -ge 2 ] || die "usage: $0 pebble DIR NAME KNOT_PORT [VAR=VALUE...]"
    start_pebble "$@"
    ;;
roots) roots "$@" ;;
stop)
    for f in "$DIR"/*.pid.env; do
        [ -e "$f" ] && stop_pid "$f"
    done
    ;;
*) die "unknown command $cmd" ;;
esac
