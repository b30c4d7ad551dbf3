#!/usr/bin/env bash
# Makes throwaway SoftHSM2 tokens in their own directory.
#
#   scripts/softhsm-token.sh DIR LABEL [LABEL...]
#
# Creates DIR/tokens and DIR/softhsm2.conf, writes the user PIN (123456, or
# $SOFTHSM_TOKEN_USER_PIN) to DIR/pin and
# the SO PIN to DIR/so-pin (both mode 0600), and initialises one token per LABEL.
# Prints `export SOFTHSM2_CONF=DIR/softhsm2.conf` on stdout, so a caller can
#   eval "$(scripts/softhsm-token.sh "$dir" test)"
# Refuses a DIR whose tokens directory is not empty. Tokens are test tokens:
# select them by label, never by slot number (SoftHSM renumbers slots on init).
set -euo pipefail

usage() {
    echo "usage: $0 DIR LABEL [LABEL...]" >&2
    exit 2
}

[ "$#" -ge 2 ] || usage
dir=$1
shift

# Test PINs only; these tokens hold nothing of value. SOFTHSM_TOKEN_USER_PIN
# picks another user PIN (4 to 255 characters): a test that looks for the PIN
# in everything p11cert printed wants one that occurs nowhere else.
user_pin=${SOFTHSM_TOKEN_USER_PIN:-123456}
so_pin=12345678

for label in "$@"; do
    if [ -z "$label" ] || [ "$(printf %s "$label" | wc -c)" -gt 32 ]; then
        echo "softhsm-token: bad label '$label': must be 1 to 32 bytes" >&2
        exit 2
    fi
done

if ! command -v softhsm2-util >/dev/null 2>&1; then
    echo "softhsm-token: softhsm2-util not found: install softhsm2 (scripts/install-deps.sh)" >&2
    exit 1
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
if [ -d "$dir/tokens" ] && [ -n "$(ls -A "$dir/tokens")" ]; then
    echo "softhsm-token: $dir/tokens is not empty: refusing to reuse it" >&2
    exit 1
fi
mkdir -p "$dir/tokens"

conf="$dir/softhsm2.conf"
cat >"$conf" <<CONF
directories.tokendir = $dir/tokens
objectstore.backend = file
log.level = ERROR
CONF

(
    umask 077
    printf '%s\n' "$user_pin" >"$dir/pin"
    printf '%s\n' "$so_pin" >"$dir/so-pin"
)
chmod 0600 "$dir/pin" "$dir/so-pin"

for label in "$@"; do
    if ! out=$(SOFTHSM2_CONF="$conf" softhsm2-util --init-token --free --label "$label" \
        --so-pin "$so_pin" --pin "$user_pin" 2>&1); then
        echo "softhsm-token: initialising token '$label' failed: $out" >&2
        exit 1
    fi
done

printf 'export SOFTHSM2_CONF=%q\n' "$conf"
