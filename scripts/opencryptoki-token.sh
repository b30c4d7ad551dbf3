#!/usr/bin/env bash
# A throwaway openCryptoki soft token, with pkcsslotd in a private namespace.
# For tests; the token holds nothing of value.
#
#   scripts/opencryptoki-token.sh start DIR LABEL   namespace, pkcsslotd, token LABEL
#   scripts/opencryptoki-token.sh namespace DIR     the namespace alone, no pkcsslotd
#                                                   (a machine where it is not running)
#   scripts/opencryptoki-token.sh run DIR CMD...    CMD inside the namespace
#   scripts/opencryptoki-token.sh stop-daemon DIR   stop pkcsslotd only
#   scripts/opencryptoki-token.sh stop DIR          stop pkcsslotd and the namespace
#
# openCryptoki's paths are compiled in (/etc/opencryptoki, /var/lib/opencryptoki,
# /var/log/opencryptoki, the pid file, socket and locks under /run) and its
# processes share SysV IPC and /dev/shm. So a holder process (sleep) makes a
# mount and IPC namespace (`unshare --mount --ipc`, mounts private) in which
# private directories of DIR are bind-mounted over those paths and /dev/shm
# is a fresh tmpfs; pkcsslotd and everything that uses the token run in it
# (`nsenter`, which `run` does, in the caller's working directory). Nothing
# outside the namespace is touched, and DIR is the only thing written.
#
# DIR gets: ns.pid (the holder), run/pkcsslotd.pid (the daemon), pin and
# so-pin (123456 and 12345678, mode 0600), env. start prints, for eval:
#   OCK_MODULE  the module's path      OCK_DIR  DIR
#   OCK_RUN     "SCRIPT run DIR": prefix a command with $OCK_RUN to run it inside
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
self=$here/$(basename "${BASH_SOURCE[0]}")

usage() {
    echo "usage: $0 start DIR LABEL | namespace DIR | run DIR CMD... | stop-daemon DIR | stop DIR" >&2
    exit 2
}

die() {
    echo "opencryptoki-token: $*" >&2
    exit 1
}

module_path() {
    local p
    for p in /usr/lib/x86_64-linux-gnu/pkcs11/libopencryptoki.so \
        /usr/lib/x86_64-linux-gnu/opencryptoki/libopencryptoki.so; do
        if [ -e "$p" ]; then
            echo "$p"
            return 0
        fi
    done
    die "openCryptoki not found: install opencryptoki (scripts/install-deps.sh)"
}

# The pid in FILE, if the process lives.
live_pid() {
    local pid
    [ -f "$1" ] || return 1
    pid=$(cat "$1")
    [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

in_ns() {
    local dir=$1 pid
    shift
    pid=$(live_pid "$dir/ns.pid") || die "no namespace running for $dir"
    nsenter --target "$pid" --mount --ipc --wd="$PWD" "$@"
}

stop_pid() {
    "$here/stop-pid.sh" "$1"
}

# The holder: mounts inside a new namespace, says so, and sleeps there.
make_namespace() {
    local dir=$1
    mkdir -p "$dir/etc" "$dir/lib/swtok/TOK_OBJ" "$dir/log" "$dir/run/lock/opencryptoki/swtok"
    cat >"$dir/etc/opencryptoki.conf" <<'CONF'
version opencryptoki-3.1

# the soft token only: the others need hardware
slot 0
{
stdll = libpkcs11_sw.so
}
CONF
    chgrp -R pkcs11 "$dir/etc" "$dir/lib" "$dir/log" "$dir/run"
    chmod -R g+rwX "$dir/etc" "$dir/lib" "$dir/log" "$dir/run"
    # shellcheck disable=SC2016 # expanded by the inner shell
    unshare --mount --ipc --propagation private -- sh -c '
        set -e
        mount --bind "$1/etc" /etc/opencryptoki
        mount --bind "$1/lib" /var/lib/opencryptoki
        mount --bind "$1/log" /var/log
        mount --bind "$1/run" /run
        mount -t tmpfs -o mode=1777,size=64m tmpfs /dev/shm
        echo ready >"$1/ns.ready"
        exec sleep infinity' sh "$dir" </dev/null >"$dir/ns.log" 2>&1 3>&- &
    echo $! >"$dir/ns.pid"
    for _ in $(seq 1 100); do
        [ ! -e "$dir/ns.ready" ] || return 0
        kill -0 "$(cat "$dir/ns.pid")" 2>/dev/null || die "the namespace failed: $(cat "$dir/ns.log")"
        sleep 0.05
    done
    die "the namespace is not ready after 5 s"
}

# pkcsslotd forks into the background; its child writes the pid file.
start_daemon() {
    local dir=$1
    in_ns "$dir" pkcsslotd </dev/null >>"$dir/ns.log" 2>&1 3>&- || die "pkcsslotd failed: $(cat "$dir/ns.log")"
    for _ in $(seq 1 100); do
        live_pid "$dir/run/pkcsslotd.pid" >/dev/null && return 0
        sleep 0.05
    done
    die "pkcsslotd wrote no pid file in 5 s: $(cat "$dir/ns.log")"
}

step() {
    local out
    if ! out=$("$@" 2>&1); then
        die "$* failed: $out"
    fi
}

write_env() {
    local dir=$1
    {
        printf 'export OCK_MODULE=%q\n' "$(module_path)"
        printf 'export OCK_DIR=%q\n' "$dir"
        printf 'export OCK_RUN=%q\n' "$self run $dir"
    } >"$dir/env"
    cat "$dir/env"
}

# Makes DIR and the namespace; prints DIR's absolute path.
cmd_namespace() {
    local dir=$1
    command -v pkcsslotd >/dev/null || die "pkcsslotd not found: install opencryptoki"
    module_path >/dev/null
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ ! -e "$dir/ns.pid" ] || die "$dir holds a namespace already"
    make_namespace "$dir"
    echo "$dir"
}

cmd_start() {
    local dir=$1 label=$2 user_pin=123456 so_pin=12345678
    [ -n "$label" ] && [ "${#label}" -le 32 ] || die "bad label '$label': 1 to 32 characters"
    dir=$(cmd_namespace "$dir")
    # A start that fails half-way leaves nothing running.
    trap 'stop_pid "$dir/run/pkcsslotd.pid"; stop_pid "$dir/ns.pid"' EXIT
    start_daemon "$dir"
    # A new token has SO PIN 87654321; -I names it, -P sets the SO PIN, -u the user PIN.
    printf '%s\n' "$label" | step in_ns "$dir" pkcsconf -I -c 0 -S 87654321
    step in_ns "$dir" pkcsconf -P -c 0 -S 87654321 -n "$so_pin"
    step in_ns "$dir" pkcsconf -u -c 0 -S "$so_pin" -n "$user_pin"
    (
        umask 077
        printf '%s\n' "$user_pin" >"$dir/pin"
        printf '%s\n' "$so_pin" >"$dir/so-pin"
    )
    trap - EXIT
    write_env "$dir"
}

case "${1:-}" in
start)
    [ "$#" -eq 3 ] || usage
    cmd_start "$2" "$3"
    ;;
namespace)
    [ "$#" -eq 2 ] || usage
    write_env "$(cmd_namespace "$2")"
    ;;
run)
    [ "$#" -ge 3 ] || usage
    dir=$2
    shift 2
    in_ns "$dir" "$@"
    ;;
stop-daemon)
    [ "$#" -eq 2 ] || usage
    stop_pid "$2/run/pkcsslotd.pid"
    ;;
stop)
    [ "$#" -eq 2 ] || usage
    stop_pid "$2/run/pkcsslotd.pid"
    stop_pid "$2/ns.pid"
    rm -f "$2/ns.pid" "$2/ns.ready"
    ;;
*) usage ;;
esac
