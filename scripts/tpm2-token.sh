#!/usr/bin/env bash
# A throwaway TPM 2.0 token: swtpm on loopback TCP, and a tpm2-pkcs11 store
# with one token in it. For tests and the demo; the TPM holds nothing of value.
#
#   scripts/tpm2-token.sh start DIR LABEL   start swtpm, make the store and the token
#   scripts/tpm2-token.sh stop DIR          stop swtpm (by its pid file)
#
# start makes, in DIR (which must not hold a TPM already):
#   state/        swtpm's TPM state          swtpm.pid   its pid
#   store/        TPM2_PKCS11_STORE (tpm2-pkcs11's sqlite database)
#   bin/          tpm2-tools shims (see below), first on PATH for tpm2_ptool
#   pin, so-pin   the user PIN (123456) and SO PIN (12345678), mode 0600
#   env           the exports below, for `. DIR/env`
# and prints on stdout, for `eval "$(scripts/tpm2-token.sh start DIR tpm)"`:
#   TPM2_PKCS11_TCTI, TPM2TOOLS_TCTI  swtpm:host=127.0.0.1,port=P
#   TPM2_PKCS11_STORE                 DIR/store
#   TPM2_MODULE                       the tpm2-pkcs11 module's path
#   TPM2_DIR                          DIR
#   PATH                              DIR/bin first
#
# There is no resource manager (no tpm2-abrmd, no kernel /dev/tpmrm0): a
# tpm2-tools command leaves its transient objects loaded, and the simulator
# has room for three, so tpm2_ptool runs out of object contexts half-way
# through addtoken. Every tpm2-tools command in DIR/bin is the real one
# followed by `tpm2_flushcontext -t`.
#
# The dictionary-attack lockout is relaxed for tests (1000 tries, one
# forgiven a second); TPM2_TOKEN_DA_TRIES=N makes it strict instead (N wrong
# PINs lock the TPM for an hour), for a test of the lockout itself.
set -euo pipefail

usage() {
    echo "usage: $0 start DIR LABEL | stop DIR" >&2
    exit 2
}

die() {
    echo "tpm2-token: $*" >&2
    exit 1
}

module_path() {
    local p
    for p in /usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so \
        /usr/lib/x86_64-linux-gnu/libtpm2_pkcs11.so.1 /usr/lib/pkcs11/libtpm2_pkcs11.so; do
        if [ -e "$p" ]; then
            echo "$p"
            return 0
        fi
    done
    die "tpm2-pkcs11 not found: install libtpm2-pkcs11-1 (scripts/install-deps.sh)"
}

port_free() {
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# swtpm on two ports P (the TPM) and P+1 (its control channel), below the
# ephemeral range. A port taken between the check and the bind makes swtpm
# fail: then another pair is tried.
start_swtpm() {
    local dir=$1 port try
    for try in $(seq 1 20); do
        port=$((20000 + RANDOM % 12000))
        port_free "$port" && port_free $((port + 1)) || continue
        if swtpm socket --tpm2 --tpmstate "dir=$dir/state" \
            --server "type=tcp,port=$port,bindaddr=127.0.0.1" \
            --ctrl "type=tcp,port=$((port + 1)),bindaddr=127.0.0.1" \
            --flags not-need-init,startup-clear --pid "file=$dir/swtpm.pid" \
            --log "file=$dir/swtpm.log" --daemon </dev/null >>"$dir/swtpm.log" 2>&1 3>&-; then
            echo "$port"
            return 0
        fi
        rm -f "$dir/swtpm.pid"
    done
    die "swtpm did not start (20 tries; see $dir/swtpm.log)"
}

make_shims() {
    local dir=$1 tool name
    mkdir -p "$dir/bin"
    for tool in /usr/bin/tpm2_*; do
        name=${tool##*/}
        [ "$name" != tpm2_ptool ] || continue
        cat >"$dir/bin/$name" <<SHIM
#!/bin/sh
# $name, then its transient objects flushed (no resource manager here).
$tool "\$@"
status=\$?
/usr/bin/tpm2_flushcontext -t >/dev/null 2>&1
exit \$status
SHIM
        chmod 0755 "$dir/bin/$name"
    done
}

# Runs a setup step quietly; on failure shows what it printed.
step() {
    local out
    if ! out=$("$@" 2>&1); then
        die "$1 failed: $out"
    fi
}

cmd_start() {
    local dir=$1 label=$2 port module user_pin=123456 so_pin=12345678
    local tries=${TPM2_TOKEN_DA_TRIES:-1000} recovery=1

    [ -n "$label" ] && [ "${#label}" -le 32 ] || die "bad label '$label': 1 to 32 characters"
    command -v swtpm >/dev/null || die "swtpm not found: install swtpm (scripts/install-deps.sh)"
    command -v tpm2_ptool >/dev/null ||
        die "tpm2_ptool not found: install libtpm2-pkcs11-tools (scripts/install-deps.sh)"
    module=$(module_path)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [ ! -e "$dir/swtpm.pid" ] && [ ! -e "$dir/state" ] || die "$dir holds a TPM already"
    mkdir -p "$dir/state" "$dir/store"
    make_shims "$dir"
    port=$(start_swtpm "$dir")
    # A start that fails half-way leaves nothing running.
    trap 'cmd_stop "$dir"' EXIT

    export TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$port"
    export TPM2_PKCS11_TCTI=$TPM2TOOLS_TCTI TPM2_PKCS11_STORE=$dir/store
    export PATH="$dir/bin:$PATH"
    [ "${TPM2_TOKEN_DA_TRIES:-}" = "" ] || recovery=3600
    step tpm2_dictionarylockout --setup-parameters --max-tries="$tries" \
        --recovery-time="$recovery" --lockout-recovery-time=1
    step tpm2_ptool init
    step tpm2_ptool addtoken --pid=1 --label="$label" --sopin="$so_pin" --userpin="$user_pin"
    (
        umask 077
        printf '%s\n' "$user_pin" >"$dir/pin"
        printf '%s\n' "$so_pin" >"$dir/so-pin"
    )
    {
        printf 'export TPM2TOOLS_TCTI=%q\n' "$TPM2TOOLS_TCTI"
        printf 'export TPM2_PKCS11_TCTI=%q\n' "$TPM2_PKCS11_TCTI"
        printf 'export TPM2_PKCS11_STORE=%q\n' "$TPM2_PKCS11_STORE"
        printf 'export TPM2_MODULE=%q\n' "$module"
        printf 'export TPM2_DIR=%q\n' "$dir"
        printf 'export PATH=%q\n' "$PATH"
    } >"$dir/env"
    trap - EXIT
    cat "$dir/env"
}

cmd_stop() {
    "$(dirname "${BASH_SOURCE[0]}")/stop-pid.sh" "$1/swtpm.pid"
    rm -f "$1/swtpm.pid"
}

case "${1:-}" in
start)
    [ "$#" -eq 3 ] || usage
    cmd_start "$2" "$3"
    ;;
stop)
    [ "$#" -eq 2 ] || usage
    cmd_stop "$2"
    ;;
*) usage ;;
esac
