# Helpers for the end-to-end tests: throwaway SoftHSM2 tokens, the PIN, and
# independent views of the token (pkcs11-tool, pkcs11-spy call counts).
#
# Load from a .bats file with:   load helpers
#
#   setup_token [LABEL...]   fresh token dir (default label "test"); exports
#                            SOFTHSM2_CONF, P11CERT_MODULE, SOFTHSM_MODULE,
#                            PIN_FILE, SO_PIN_FILE, TOKEN_DIR, TOKEN_LABEL,
#                            TOKEN_URI (pkcs11:token=<first label>)
#   p11cert_pin ARGS...      p11cert --pin-source file:$PIN_FILE ARGS...
#   token_object_count [LABEL]  objects on the token, as pkcs11-tool counts them
#   spy_count CMD...         runs CMD through pkcs11-spy.so, prints the number
#                            of PKCS#11 calls it made (in front of SoftHSM, or
#                            of $SPY_REAL_MODULE when set)
#   token_slot [LABEL]       the slot ID pkcs11-tool gives the token LABEL
#   pkcs11_tool_on LABEL ARGS...  pkcs11-tool --module ... --slot <LABEL's slot> ARGS
#   user_pin                 prints the user PIN (first line of $PIN_FILE)
#   token_pubkey LABEL OBJECT OUT  the public key OBJECT on token LABEL, as DER
#                            SubjectPublicKeyInfo in OUT (pkcs11-tool, or p11tool)
#   pubkey_der FILE OUT      the public key of a PEM CSR or certificate FILE,
#                            as DER SubjectPublicKeyInfo in OUT (openssl)
#   sha1_of_hex HEX          SHA-1 (hex) of the bytes HEX stands for
#   object_block_of LABEL    from a pkcs11-tool --list-objects listing on stdin,
#                            the block of the first object labelled LABEL
#   test_ca_issue CSR        the test CA (scripts/test-ca.sh) issues CSR: reply.*
#                            in the working directory, chain.crt and leaf.crt
#   unused_port              a loopback TCP port nothing listens on now
#   wait_for_port PORT PID   waits (10 s at most) until PORT accepts; fails
#                            early if process PID is gone
#   test_helper_on_path NAME puts BUILD/tests (where the test helper NAME is
#                            built beside the binary) first on PATH; fails if
#                            it is not built
#   tls_handshake_ok PORT VERSION CAFILE NAME
#                            openssl s_client does a TLS VERSION (1.2 or 1.3)
#                            handshake with 127.0.0.1:PORT and verifies the
#                            server's certificate against CAFILE and NAME
#
# Assertions in a test or helper, one a line: bats fails a test on a line's
# last command only. `[ a ] && [ b ]` never fails on a, and a negation
# `! CMD` never fails at all unless it is the test's last line: write two
# lines, and `! CMD || false` (or `run ! CMD`).
#
# pkcs11-tool 0.23 (Debian 12) ignores --token-label when it picks the slot: it
# always uses the first slot with a token. Select a token with
# pkcs11_tool_on LABEL (which resolves the slot by label) instead.
#
# Tokens are selected by label, never by slot number (SoftHSM renumbers slots).

P11CERT_SRC=${P11CERT_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export P11CERT_SRC

# Run straight from bats (not via scripts/run-tests.sh): find the built binary.
if [ -n "${P11CERT_BUILD:-}" ]; then
    PATH="$P11CERT_BUILD:$PATH"
elif ! command -v p11cert >/dev/null 2>&1 && [ -x "$P11CERT_SRC/build/p11cert" ]; then
    PATH="$P11CERT_SRC/build:$PATH"
fi
export PATH

# First existing path of the arguments; fails if none exists.
_first_existing() {
    local p
    for p in "$@"; do
        if [ -e "$p" ]; then
            printf '%s\n' "$p"
            return 0
        fi
    done
    echo "helpers: none of these exists: $*" >&2
    return 1
}

_softhsm_module() {
    _first_existing /usr/lib/softhsm/libsofthsm2.so \
        /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so
}

_spy_module() {
    _first_existing /usr/lib/x86_64-linux-gnu/pkcs11/pkcs11-spy.so \
        /usr/lib/pkcs11/pkcs11-spy.so
}

# RFC 7512 percent-encoding of a path attribute value (all but unreserved).
_uri_encode() {
    local s=$1 out='' c i
    local LC_ALL=C
    for ((i = 0; i < ${#s}; i++)); do
        c=${s:i:1}
        case "$c" in
        [A-Za-z0-9._~-]) out+=$c ;;
        *) out+=$(printf '%%%02X' "'$c") ;;
        esac
    done
    printf '%s\n' "$out"
}

# A fresh token directory under the test's (or, from setup_file, the file's)
# temporary directory, with one token per LABEL.
setup_token() {
    local labels=("$@")
    [ "${#labels[@]}" -gt 0 ] || labels=(test)

    local base=${BATS_TEST_TMPDIR:-${BATS_FILE_TMPDIR:-}}
    if [ -z "$base" ]; then
        echo "setup_token: call it from a bats test, setup or setup_file" >&2
        return 1
    fi
    local dir module out
    dir=$(mktemp -d "$base/token.XXXXXX") || return 1
    module=$(_softhsm_module) || return 1
    out=$("$P11CERT_SRC/scripts/softhsm-token.sh" "$dir" "${labels[@]}") || {
        echo "setup_token: scripts/softhsm-token.sh failed" >&2
        return 1
    }
    eval "$out"
    export SOFTHSM2_CONF
    export SOFTHSM_MODULE=$module
    export P11CERT_MODULE=$module
    export TOKEN_DIR=$dir
    export PIN_FILE=$dir/pin
    export SO_PIN_FILE=$dir/so-pin
    export TOKEN_LABEL=${labels[0]}
    TOKEN_URI="pkcs11:token=$(_uri_encode "${labels[0]}")"
    export TOKEN_URI
}

p11cert_pin() {
    p11cert --pin-source "file:$PIN_FILE" "$@"
}

# Number of objects on the token LABEL (default: the first one set up),
# counted by pkcs11-tool, not by p11cert.
token_object_count() {
    local label=${1:-$TOKEN_LABEL} user_pin listing
    user_pin=$(head -n 1 "$PIN_FILE") || return 1
    listing=$(pkcs11_tool_on "$label" --login --pin "$user_pin" --list-objects 2>&1) || {
        echo "token_object_count: pkcs11-tool failed: $listing" >&2
        return 1
    }
    printf '%s\n' "$listing" |
        grep -cE '^(Private Key Object|Public Key Object|Certificate Object|Data object)' ||
        true
}

# Runs CMD with P11CERT_MODULE pointing at pkcs11-spy.so in front of SoftHSM,
# and prints the number of PKCS#11 calls CMD made (spy log lines "N: C_Name";
# C_GetInterface / C_GetFunctionList count too). 0 if CMD never loaded it.
# CMD's own stdout and stderr go to $SPY_DIR/out and $SPY_DIR/err (SPY_DIR
# defaults to a temp dir); the spy log to $SPY_DIR/spy.log. If CMD fails,
# its output is shown on stderr and spy_count returns CMD's status.
spy_count() {
    local spy real base dir status=0
    spy=$(_spy_module) || return 1
    real=${SPY_REAL_MODULE:-${SOFTHSM_MODULE:-$(_softhsm_module)}} || return 1
    base=${BATS_TEST_TMPDIR:-${BATS_FILE_TMPDIR:-${TMPDIR:-/tmp}}}
    dir=${SPY_DIR:-$(mktemp -d "$base/spy.XXXXXX")} || return 1
    mkdir -p "$dir"
    rm -f "$dir/spy.log" # the spy appends to an existing log
    P11CERT_MODULE=$spy PKCS11SPY=$real PKCS11SPY_OUTPUT=$dir/spy.log \
        "$@" >"$dir/out" 2>"$dir/err" || status=$?
    if [ "$status" -ne 0 ]; then
        echo "spy_count: '$*' exited $status; its output:" >&2
        cat "$dir/out" "$dir/err" >&2
        return "$status"
    fi
    # No log: CMD never loaded the module, which is zero calls.
    [ -e "$dir/spy.log" ] || {
        echo 0
        return 0
    }
    grep -cE '^[0-9]+: C_' "$dir/spy.log" || true
}

# The slot ID (as pkcs11-tool -L prints it, e.g. 0x1a2b3c4d) of the token
# whose label is LABEL (default: the first one set up). Fails if none has it.
token_slot() {
    local label=${1:-$TOKEN_LABEL}
    pkcs11-tool --module "${SOFTHSM_MODULE:-$P11CERT_MODULE}" -L 2>/dev/null |
        awk -v want="$label" '
            /^Slot [0-9]+ \(0x[0-9a-fA-F]+\)/ { slot = $3; gsub(/[():]/, "", slot) }
            /^  token label *: / {
                l = $0
                sub(/^  token label *: /, "", l)
                sub(/ +$/, "", l)
                if (l == want && !found) { print slot; found = 1 }
            }
            END { exit found ? 0 : 1 }' || {
        echo "token_slot: no token labelled '$label'" >&2
        return 1
    }
}

# pkcs11-tool on the token labelled LABEL, selected by label (see above).
pkcs11_tool_on() {
    local label=$1 slot
    shift
    slot=$(token_slot "$label") || return 1
    pkcs11-tool --module "${SOFTHSM_MODULE:-$P11CERT_MODULE}" --slot "$slot" "$@"
}

user_pin() {
    head -n 1 "$PIN_FILE"
}

# The public key OBJECT (its label) on token LABEL as DER SubjectPublicKeyInfo
# in OUT, read by pkcs11-tool (DER for RSA/EC, PEM for EdDSA). pkcs11-tool 0.23
# cannot build P-384 keys ("cannot create EVP_PKEY"): then GnuTLS p11tool
# exports it (slower: p11tool --export-pubkey takes ~3 s).
token_pubkey() {
    local label=$1 object=$2 out=$3 raw pem uri
    raw=$(mktemp "${BATS_TEST_TMPDIR:-${BATS_FILE_TMPDIR:-/tmp}}/pub.XXXXXX") || return 1
    if pkcs11_tool_on "$label" --read-object --type pubkey --label "$object" -o "$raw" \
        >/dev/null 2>&1 && openssl pkey -pubin -in "$raw" -outform DER -out "$out" 2>/dev/null; then
        rm -f "$raw"
        return 0
    fi
    rm -f "$raw"
    uri="pkcs11:token=$(_uri_encode "$label");object=$(_uri_encode "$object");type=public"
    pem=$(GNUTLS_PIN=$(head -n 1 "$PIN_FILE") p11tool --provider "${SOFTHSM_MODULE:-$P11CERT_MODULE}" \
        --login --export-pubkey "$uri" 2>/dev/null) || {
        echo "token_pubkey: neither pkcs11-tool nor p11tool can export $uri" >&2
        return 1
    }
    printf '%s\n' "$pem" | openssl pkey -pubin -outform DER -out "$out"
}

# openssl req -verify on a PEM (or, with DER as $2, DER) request FILE: fails,
# saying why, unless openssl says "verify OK".
verify_req() {
    local form=${2:-PEM} out
    out=$(openssl req -inform "$form" -in "$1" -verify -noout 2>&1) || {
        echo "openssl req -verify $1 failed: $out"
        return 1
    }
    [[ $out == *"verify OK"* ]]
}

# The public key in a PEM CSR or certificate FILE as DER SubjectPublicKeyInfo.
pubkey_der() {
    local file=$1 out=$2 pem
    if grep -q 'BEGIN CERTIFICATE REQUEST' "$file"; then
        pem=$(openssl req -in "$file" -noout -pubkey) || return 1
    else
        pem=$(openssl x509 -in "$file" -noout -pubkey) || return 1
    fi
    printf '%s\n' "$pem" | openssl pkey -pubin -outform DER -out "$out"
}

object_block_of() {
    awk -v label="$1" '
        /^(Private Key|Public Key|Certificate|Data) [oO]bject/ { if (hit) exit; blk = "" }
        { blk = blk $0 "\n" }
        $1 == "label:" { l = $0; sub(/^[ \t]*label:[ \t]*/, "", l); if (l == label) hit = 1 }
        END { if (hit) printf "%s", blk }'
}

test_ca_issue() {
    "$P11CERT_SRC/scripts/test-ca.sh" "${BATS_TEST_TMPDIR:-$BATS_FILE_TMPDIR}/ca" sign "$1" reply \
        >/dev/null || return 1
    p11cert -q chain reply.cer reply-int1.crt reply-int2.crt reply-root.crt --out chain.crt || return 1
    p11cert -q convert reply.cer --out leaf.crt
}

# SHA-1 (lower-case hex) of the bytes a hex string stands for.
sha1_of_hex() {
    local hex=$1
    printf '%b' "$(printf '%s' "$hex" | sed 's/../\\x&/g')" | sha1sum | cut -d' ' -f1
}

# A loopback TCP port in 20000..32767 (below Linux's ephemeral range) on
# which nothing listens right now.
unused_port() {
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 12768))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    echo "unused_port: no free port found" >&2
    return 1
}

# Waits until 127.0.0.1:PORT accepts a connection (10 s at most); fails at
# once if process PID has exited.
wait_for_port() {
    local port=$1 pid=$2
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "wait_for_port: process $pid exited before port $port opened" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "wait_for_port: nothing accepts on port $port after 10 s" >&2
    return 1
}

# openssl s_client (not p11cert) handshakes TLS VERSION (1.2 or 1.3) with the
# server on 127.0.0.1:PORT, and verifies its certificate chain against CAFILE
# and its name against NAME. Sets output and status (bats run).
tls_handshake_ok() {
    local port=$1 version=$2 cafile=$3 name=$4
    run openssl s_client -connect "127.0.0.1:$port" "-tls${version/./_}" -CAfile "$cafile" \
        -verify_return_error -verify_hostname "$name" -servername "$name" </dev/null
    echo "s_client TLS $version, port $port: status $status"
    grep -E 'Verif|Cipher is|Peer signature|error' <<<"$output" || true
    [ "$status" -eq 0 ]
    [[ $output == *"Verification: OK"* ]]
    [[ $output == *"Verified peername: $name"* ]]
    [[ $output == *"New, TLSv$version, Cipher is "* ]]
}

test_helper_on_path() {
    local dir
    for dir in "${P11CERT_BUILD:-}" "$P11CERT_SRC/build"; do
        if [ -n "$dir" ] && [ -x "$dir/tests/$1" ]; then
            PATH="$dir/tests:$PATH"
            return 0
        fi
    done
    echo "$1 not built: make build/tests/$1" >&2
    return 1
}
