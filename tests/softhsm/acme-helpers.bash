# What the ACME test files share: the ACME world of scripts/acme-test-env.sh
# (knotd with TSIG, pebble) started in setup_file and stopped by pid in
# teardown_file, a token with account and certificate keys, and helpers.
#
#   acme_world [VAR=VALUE...]  knotd and pebble "main" (its VARs); exports
#                       ENV_DIR, KNOT_PORT, KNOT_SERVER, TSIG_FILE, ACME_ZONE,
#                       MAIN_* (see the script), ROOT0 (pebble's /roots/0)
#   acme_pebble NAME [VAR=VALUE...]  another pebble; exports NAME_*
#   acme_stop           stops everything acme_world and acme_pebble started
#   acme_key LABEL TYPE keygen on the test token
#   acme_account LABEL [DIRVAR]  registers the account key LABEL at pebble
#                       main (or the one whose _DIRECTORY variable is DIRVAR)
#   acme_issue ARGS...  p11cert_pin acme issue with --directory, --ca-bundle,
#                       --trust and --state-dir of pebble main
#   txt_records NAME    the TXT records of NAME on knotd, as dig sees them
#   serial_hex FILE     the serial of a certificate, lower-case hex (openssl)

load helpers

ENV_SCRIPT=$P11CERT_SRC/scripts/acme-test-env.sh

acme_world() {
    export ENV_DIR=$BATS_FILE_TMPDIR/acme
    local out
    out=$("$ENV_SCRIPT" knot "$ENV_DIR") || return 1
    eval "$out"
    export KNOT_PORT KNOT_SERVER TSIG_FILE ACME_ZONE
    acme_pebble main "$@" || return 1
    export ROOT0=$ENV_DIR/root0.pem
    "$ENV_SCRIPT" roots "$ENV_DIR" main "$ROOT0" || return 1
}

acme_pebble() {
    local name=$1 out v
    shift
    out=$("$ENV_SCRIPT" pebble "$ENV_DIR" "$name" "$KNOT_PORT" "$@") || return 1
    eval "$out"
    for v in $(printf '%s\n' "$out" | cut -d= -f1); do
        export "${v?}"
    done
}

acme_stop() {
    [ -z "${ENV_DIR:-}" ] || "$ENV_SCRIPT" stop "$ENV_DIR"
}

acme_key() {
    p11cert_pin -q keygen "$TOKEN_URI" --label "$1" --type "$2" >/dev/null
}

acme_account() {
    local label=$1 dirvar=${2:-MAIN}
    local dir_var=${dirvar}_DIRECTORY ca_var=${dirvar}_CA
    p11cert_pin -q acme account --account-key "pkcs11:token=$TOKEN_LABEL;object=$label" \
        --directory "${!dir_var}" --ca-bundle "${!ca_var}" --agree-tos --email "ops@example.com" \
        >/dev/null
}

acme_issue() {
    p11cert_pin acme issue --directory "$MAIN_DIRECTORY" --ca-bundle "$MAIN_CA" --trust "$ROOT0" \
        --state-dir "$BATS_TEST_TMPDIR/state" "$@"
}

txt_records() {
    dig @127.0.0.1 -p "$KNOT_PORT" +time=2 +tries=1 +short TXT "$1"
}

serial_hex() {
    openssl x509 -in "$1" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f'
}
