# knotd for the DNS tests: started on 127.0.0.1 and a random high port by a
# test file's setup_file, stopped by its pid in teardown_file whatever
# happened. Load after helpers:   load helpers; load knot
#
#   free_port            a port in 20000..59999 on which nothing listens (UDP
#                        or TCP) right now
#   start_knotd ZONE     knotd serving the zones of the configuration read
#                        from stdin (its key:, acl: and zone: sections; each
#                        zone's file is $KNOT_DIR/NAME.zone); waits until dig
#                        gets ZONE's SOA from it; sets KNOT_PORT. Tries another
#                        port if knotd could not take the first one.
#   stop_knotd           stops it (10 s for a clean exit, then SIGKILL)
#   zone_serial ZONE     the SOA serial knotd serves for ZONE, read by dig
#
# KNOT_DIR must be set (and exist) first.

free_port() {
    local port
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        port=$((20000 + RANDOM % 40000))
        if [ -z "$(ss -Hlnu "sport = :$port" 2>/dev/null)" ] &&
            [ -z "$(ss -Hlnt "sport = :$port" 2>/dev/null)" ]; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

stop_knotd() {
    "$P11CERT_SRC/scripts/stop-pid.sh" "$KNOT_DIR/knotd.pid.test" 10
    rm -f "$KNOT_DIR/knotd.pid.test"
}

start_knotd() {
    local zone=$1 tail port pid
    tail=$(cat)
    mkdir -p "$KNOT_DIR/db"
    for _ in 1 2 3; do
        port=$(free_port) || return 1
        cat >"$KNOT_DIR/knot.conf" <<EOF
server:
    listen: 127.0.0.1@$port
    rundir: "$KNOT_DIR"
    pidfile: "$KNOT_DIR/knot.pid"
database:
    storage: "$KNOT_DIR/db"
log:
  - target: stderr
    any: info
template:
  - id: default
    storage: "$KNOT_DIR"
    file: "%s.zone"
    zonefile-sync: -1
    journal-content: none
$tail
EOF
        # Detached from bats's descriptors, or bats would wait for it.
        knotd -c "$KNOT_DIR/knot.conf" >"$KNOT_DIR/knotd.log" 2>&1 3>&- </dev/null &
        pid=$!
        echo "$pid" >"$KNOT_DIR/knotd.pid.test"
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            if [ "$(dig @127.0.0.1 -p "$port" +time=1 +tries=1 +short SOA "$zone" 2>/dev/null)" ]; then
                KNOT_PORT=$port
                return 0
            fi
            sleep 0.1
        done
        stop_knotd
    done
    echo "start_knotd: knotd did not serve $zone; its log:" >&2
    cat "$KNOT_DIR/knotd.log" >&2
    return 1
}

zone_serial() {
    dig @127.0.0.1 -p "$KNOT_PORT" +time=2 +tries=1 +short SOA "$1" | awk '{ print $3 }'
}
