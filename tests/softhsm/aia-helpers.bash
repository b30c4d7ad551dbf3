# The HTTP(S) server of the AIA and net tests (tests/helpers/aia-server.py)
# started and stopped by pid, and a web PKI of its own for https.
#
# Load from a .bats file after helpers, with WWW (the folder served) set:
#   load aia-helpers
#
#   start_server NAME [--cert F --key F]  serves $WWW on 127.0.0.1, port 0:
#                            the port in $BATS_FILE_TMPDIR/NAME.port, one line
#                            a request in NAME.log, the pid in NAME.pid
#   stop_servers             stops every server started (by pid), even when
#                            a test failed; for teardown_file
#   make_web_pki             $BATS_FILE_TMPDIR/web/: ca.crt, and server.crt /
#                            server.key for 127.0.0.1 issued by it
#   start_http_and_https     both servers of $WWW, for setup_file: exports BASE
#                            and TLS_BASE (http://127.0.0.1:PORT, https://...),
#                            HTTP_LOG and TLS_LOG, WEB_CA (what https chains
#                            to); stops what it started when it fails

# Waits (10 s at most) for FILE to exist; fails at once if PID is gone.
wait_for_file() {
    local file=$1 pid=$2
    for _ in $(seq 1 100); do
        [ -s "$file" ] && return 0
        kill -0 "$pid" 2>/dev/null || {
            echo "wait_for_file: process $pid exited before writing $file" >&2
            return 1
        }
        sleep 0.1
    done
    echo "wait_for_file: no $file after 10 s" >&2
    return 1
}

# start_server NAME [--cert F --key F]: the AIA server serving $WWW, its port
# in $BATS_FILE_TMPDIR/NAME.port, its log in NAME.log, its pid in NAME.pid.
start_server() {
    local name=$1 pid
    shift
    # Detached from bats's descriptors, or bats would wait for it.
    python3 "$P11CERT_SRC/tests/helpers/aia-server.py" --root "$WWW" \
        --port-file "$BATS_FILE_TMPDIR/$name.port" --log "$BATS_FILE_TMPDIR/$name.log" "$@" \
        >"$BATS_FILE_TMPDIR/$name.out" 2>&1 3>&- </dev/null &
    pid=$!
    echo "$pid" >"$BATS_FILE_TMPDIR/$name.pid"
    wait_for_file "$BATS_FILE_TMPDIR/$name.port" "$pid" || {
        cat "$BATS_FILE_TMPDIR/$name.out" >&2
        return 1
    }
}

stop_servers() {
    local f pid
    for f in "$BATS_FILE_TMPDIR"/*.pid; do
        [ -f "$f" ] || continue
        pid=$(cat "$f")
        rm -f "$f"
        kill "$pid" 2>/dev/null || continue
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    done
}

# A web server certificate for 127.0.0.1 from a CA of its own (not the test
# CA): the https server's, trusted only through SSL_CERT_FILE / SSL_CERT_DIR.
make_web_pki() {
    local d=$BATS_FILE_TMPDIR/web
    mkdir -p "$d"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/ca.key" \
        -subj "/CN=p11cert test web CA" -days 30 -out "$d/ca.crt" 2>/dev/null &&
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
            -keyout "$d/server.key" -subj "/CN=127.0.0.1" -out "$d/server.csr" 2>/dev/null &&
        printf 'subjectAltName=IP:127.0.0.1\n' >"$d/server.ext" &&
        openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -days 30 \
            -extfile "$d/server.ext" -out "$d/server.crt" 2>/dev/null
}

start_http_and_https() {
    export HTTP_LOG=$BATS_FILE_TMPDIR/http.log TLS_LOG=$BATS_FILE_TMPDIR/https.log
    export WEB_CA=$BATS_FILE_TMPDIR/web/ca.crt
    make_web_pki || return 1
    if ! start_server http || ! start_server https --cert "$BATS_FILE_TMPDIR/web/server.crt" \
        --key "$BATS_FILE_TMPDIR/web/server.key"; then
        stop_servers
        return 1
    fi
    export BASE=http://127.0.0.1:$(cat "$BATS_FILE_TMPDIR/http.port")
    export TLS_BASE=https://127.0.0.1:$(cat "$BATS_FILE_TMPDIR/https.port")
}
