#!/usr/bin/env bats
# scripts/check-layers.sh: the include rules between the layers of src/, on
# small fake source trees, and on the repository's own src/.

bats_require_minimum_version 1.5.0

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
CHECK_LAYERS="$REPO/scripts/check-layers.sh"

# put FILE [LINE...]: writes the lines to $tree/FILE (creating its folder).
put() {
    local file=$tree/$1
    shift
    mkdir -p "$(dirname "$file")"
    printf '%s\n' "$@" >"$file"
}

# A small clean tree: every layer, every include the table allows.
setup() {
    tree=$BATS_TEST_TMPDIR/src
    put main.c '#include <stdio.h>' '#include "commands/cli.h"' '#include "util/msg.h"'
    put commands/cli.h '#include "workflow/job.h"'
    put commands/cli.c '#include "commands/cli.h"' '#include "token/token.h"' '#include "dns/dns.h"'
    put workflow/job.h '#include "signer/signer.h"'
    put workflow/job.c '#include "workflow/job.h"' '  #  include "x509/x509.h"' '#include "dns/dns.h"'
    put signer/signer.h '#include "token/token.h"' '#include "x509/x509.h"'
    put signer/signer.c '#include "signer/signer.h"' '#include "util/msg.h"'
    put token/token.h '#include <pkcs11.h>'
    put token/slots.c '#include "token/token.h"' '#include "util/msg.h"'
    put x509/x509.h '#include <openssl/x509.h>'
    put x509/parse.c '#include "x509/x509.h"' '#include "util/msg.h"'
    put dns/dns.h '#include <ldns/ldns.h>'
    put dns/query.c '#include "dns/dns.h"' '#include "util/secret.h"'
    put util/msg.h '#include <stdarg.h>'
    put util/secret.h '#include "util/msg.h"'
    put util/msg.c '#include "util/msg.h"'
}

# Runs the check on the fake tree; shows what it printed when a test fails.
check() {
    run --separate-stderr "$CHECK_LAYERS" "$tree"
    echo "status: $status"
    echo "stdout: $output"
    echo "stderr: $stderr"
}

# The number of error lines on stderr.
error_count() {
    grep -c '^check-layers: ' <<<"$stderr" || true
}

# stderr has a line with TEXT in it.
error_has() {
    grep -qF -- "$1" <<<"$stderr"
}

@test "layers: a clean tree passes: layers: ok, status 0, nothing on stderr" {
    check
    [ "$status" -eq 0 ]
    [ "$output" = "layers: ok" ]
    [ -z "$stderr" ]
}

@test "layers: token including commands/cli.h fails, naming file, line and include" {
    put token/slots.c '#include "token/token.h"' '' '#include "commands/cli.h"'
    check
    [ "$status" -eq 1 ]
    [ -z "$output" ]
    [ "$(error_count)" -eq 1 ]
    # The whole line: the path as shown is the tree's own name (src/...).
    [[ "$stderr" =~ ^check-layers:\ (.*/)?src/token/slots\.c:3:\ includes\ \"commands/cli\.h\":\ token\ may\ include\ only\ token,\ util$ ]]
}

@test "layers: token including x509/x509.h (sideways) fails" {
    put token/store.c '#include "token/token.h"' '#include "x509/x509.h"'
    check
    [ "$status" -eq 1 ]
    [ "$(error_count)" -eq 1 ]
    error_has 'src/token/store.c:2: includes "x509/x509.h": token may include only token, util'
}

@test "layers: x509 including token/token.h fails" {
    put x509/parse.c '#include "x509/x509.h"' '#include "token/token.h"'
    check
    [ "$status" -eq 1 ]
    [ "$(error_count)" -eq 1 ]
    error_has 'src/x509/parse.c:2: includes "token/token.h": x509 may include only x509, util'
}

@test "layers: util including any layer above it fails, once per include" {
    put util/msg.c '#include "util/msg.h"' \
        '#include "token/token.h"' '#include "x509/x509.h"' '#include "dns/dns.h"' \
        '#include "signer/signer.h"' '#include "workflow/job.h"' '#include "commands/cli.h"'
    check
    [ "$status" -eq 1 ]
    [ "$(error_count)" -eq 6 ]
    local n inc
    n=2
    for inc in token/token.h x509/x509.h dns/dns.h signer/signer.h workflow/job.h commands/cli.h; do
        error_has "src/util/msg.c:$n: includes \"$inc\": util may include only util"
        n=$((n + 1))
    done
}

@test "layers: main.c may include only commands and util" {
    put main.c '#include "commands/cli.h"' '#include "workflow/job.h"'
    check
    [ "$status" -eq 1 ]
    [ "$(error_count)" -eq 1 ]
    error_has 'src/main.c:2: includes "workflow/job.h": main.c may include only commands, util'
}

@test "layers: an include without its folder fails, with the folder to write" {
    put token/slots.c '#include "token.h"' '#include "msg.h"'
    check
    [ "$status" -eq 1 ]
    [ "$(error_count)" -eq 2 ]
    error_has 'src/token/slots.c:1: includes "token.h": write it as "token/token.h"'
    error_has 'src/token/slots.c:2: includes "msg.h": write it as "util/msg.h"'
}

@test "layers: a file directly in src/ other than main.c fails" {
    put cli.c '#include "util/msg.h"'
    check
    [ "$status" -eq 1 ]
    [ "$(error_count)" -eq 1 ]
    error_has 'src/cli.c: not in a layer folder: only main.c lives directly in src/'
}

@test "layers: a folder that is not in the table fails, once, and its includes are still checked" {
    put crypto/hash.c '#include "crypto/hash.h"' '#include "util/msg.h"'
    put crypto/hash.h '#include "util/nothere.h"'
    check
    [ "$status" -eq 1 ]
    [ "$(error_count)" -eq 3 ]
    error_has 'src/crypto/: crypto is not a layer: add it, with its rule, to the table in scripts/check-layers.sh'
    error_has 'src/crypto/hash.c:1: includes "crypto/hash.h": crypto is not a layer'
    error_has 'src/crypto/hash.h:1: includes "util/nothere.h": no such file src/util/nothere.h'
}

@test "layers: an include of a header that does not exist fails" {
    put token/slots.c '#include "token/token.h"' '#include "token/nothere.h"'
    check
    [ "$status" -eq 1 ]
    [ "$(error_count)" -eq 1 ]
    error_has 'src/token/slots.c:2: includes "token/nothere.h": no such file src/token/nothere.h'
}

@test "layers: an include with .. fails (no walking around the table)" {
    put token/slots.c '#include "token/../commands/cli.h"'
    check
    [ "$status" -eq 1 ]
    [ "$(error_count)" -eq 1 ]
    error_has 'src/token/slots.c:1: includes "token/../commands/cli.h": write it as a plain "LAYER/file.h" path'
}

@test "layers: every violation is reported, one line each" {
    put token/slots.c '#include "commands/cli.h"' '#include "x509/x509.h"' '#include "token.h"'
    put x509/parse.c '#include "token/token.h"'
    put util/msg.c '# include "dns/dns.h"'
    put stray.h '/* nothing */'
    put crypto/hash.c '/* nothing */'
    check
    [ "$status" -eq 1 ]
    [ -z "$output" ]
    [ "$(error_count)" -eq 7 ]
    [ "$(grep -c . <<<"$stderr")" -eq 7 ]
    error_has 'src/token/slots.c:1: includes "commands/cli.h"'
    error_has 'src/token/slots.c:2: includes "x509/x509.h"'
    error_has 'src/token/slots.c:3: includes "token.h"'
    error_has 'src/x509/parse.c:1: includes "token/token.h"'
    error_has 'src/util/msg.c:1: includes "dns/dns.h"'
    error_has 'src/stray.h: not in a layer folder'
    error_has 'src/crypto/: crypto is not a layer'
}

@test "layers: <...> includes and other lines are not checked" {
    put token/slots.c '#include <commands/cli.h>' '// #include <x509/x509.h>' \
        'static const char *s = "#include";' '#include "token/token.h" /* ok */'
    check
    [ "$status" -eq 0 ]
    [ "$output" = "layers: ok" ]
}

@test "layers: a missing directory or two arguments are usage errors; a tree without sources fails" {
    run --separate-stderr "$CHECK_LAYERS" "$BATS_TEST_TMPDIR/nothere"
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"nothere: no such directory"* ]]
    run --separate-stderr "$CHECK_LAYERS" a b
    [ "$status" -eq 2 ]
    [[ "$stderr" == usage:* ]]
    # Not "layers: ok" for a wrong directory that happens to exist.
    mkdir "$BATS_TEST_TMPDIR/empty"
    run --separate-stderr "$CHECK_LAYERS" "$BATS_TEST_TMPDIR/empty"
    [ "$status" -eq 1 ]
    [ -z "$output" ]
    [[ "$stderr" == *"no *.c or *.h files"* ]]
}

@test "layers: a header name in several folders: the one next to the file, else all are listed" {
    put util/token.h '/* a second token.h */'
    put token/slots.c '#include "token.h"'
    put dns/query.c '#include "token.h"'
    check
    [ "$status" -eq 1 ]
    [ "$(error_count)" -eq 2 ]
    error_has 'src/token/slots.c:1: includes "token.h": write it as "token/token.h"'
    error_has 'src/dns/query.c:1: includes "token.h": name its folder: one of token/token.h, util/token.h'
}

@test "layers: with no argument it checks the src/ of its own repository" {
    run --separate-stderr "$CHECK_LAYERS" "$REPO/src"
    local want_status=$status want_output=$output want_stderr=$stderr
    run --separate-stderr "$CHECK_LAYERS"
    [ "$status" -eq "$want_status" ]
    [ "$output" = "$want_output" ]
    [ "$stderr" = "$want_stderr" ]
}

@test "layers: the repository's own src/ keeps the layers" {
    local src=${P11CERT_SRC:-$REPO}/src
    run --separate-stderr "$CHECK_LAYERS" "$src"
    echo "stdout: $output"
    echo "stderr: $stderr"
    [ "$status" -eq 0 ]
    [ "$output" = "layers: ok" ]
}
