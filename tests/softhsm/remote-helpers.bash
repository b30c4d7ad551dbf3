# Helpers for the remote-token tests: a `p11-kit server` in front of a SoftHSM2
# token, on a unix socket in the test file's temporary directory.
#
#   start_p11kit_server TOKEN-URI  starts `p11-kit server -f` for the token (with
#                                  SOFTHSM_MODULE as provider); exports
#                                  P11KIT_SOCKET, P11KIT_SERVER_PID,
#                                  P11_KIT_SERVER_ADDRESS and CLIENT_MODULE
#   stop_p11kit_server             stops it (call it from teardown_file: always)

_client_module() {
    _first_existing /usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so \
        /usr/lib/pkcs11/p11-kit-client.so
}

start_p11kit_server() {
    local uri=$1 base=${BATS_FILE_TMPDIR:-$BATS_TEST_TMPDIR} i
    CLIENT_MODULE=$(_client_module) || return 1
    export CLIENT_MODULE
    export P11KIT_SOCKET=$base/p11-kit.sock
    # -f: stay in the foreground, so that the PID is the server's own and it
    # can be stopped by it. Its output (the shell lines it prints) goes to a log.
    p11-kit server -f --provider "$SOFTHSM_MODULE" -n "$P11KIT_SOCKET" "$uri" \
        >"$base/p11-kit-server.log" 2>&1 3>&- &
    export P11KIT_SERVER_PID=$!
    echo "$P11KIT_SERVER_PID" >"$base/p11-kit-server.pid"
    for i in $(seq 100); do
        [ -S "$P11KIT_SOCKET" ] && break
        if ! kill -0 "$P11KIT_SERVER_PID" 2>/dev/null; then
            echo "start_p11kit_server: the server exited:" >&2
            cat "$base/p11-kit-server.log" >&2
            return 1
        fi
        sleep 0.1
    done
    if [ ! -S "$P11KIT_SOCKET" ]; then
        echo "start_p11kit_server: no socket after 10 s" >&2
        stop_p11kit_server
        return 1
    fi
    export P11_KIT_SERVER_ADDRESS=unix:path=$P11KIT_SOCKET
}

stop_p11kit_server() {
    local base=${BATS_FILE_TMPDIR:-$BATS_TEST_TMPDIR} pid
    pid=${P11KIT_SERVER_PID:-$(cat "$base/p11-kit-server.pid" 2>/dev/null)}
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null || true
    # Reap it, or wait for it to go if it is not our child.
    wait "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$base/p11-kit-server.pid" "${P11KIT_SOCKET:-}"
}
