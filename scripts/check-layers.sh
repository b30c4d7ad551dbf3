#!/usr/bin/env bash
# Keeps the layers of src/ clean: checks every `#include "..."` of every *.c
# and *.h file against the layer table below.
#
#   scripts/check-layers.sh [SRC_DIR]      (default: src/ of this repository)
#
# src/ holds main.c and one folder per layer; nothing else. A quoted include
# names its folder ("token/token.h", "util/msg.h", as the Makefile passes -Isrc),
# the file must exist under SRC_DIR, and its folder must be one the including
# file's layer may use. <...> includes (system, libraries) are not checked.
# Errors:
#   - a *.c or *.h file directly in SRC_DIR other than main.c;
#   - a folder of SRC_DIR that is not in the table (add the new layer, with its rule);
#   - a quoted include without a folder ("token.h": write it as "token/token.h"),
#     with . or .. or an empty part, of a folder that is not a layer, of a file
#     that does not exist, or of a layer the table does not allow.
# Prints one line per error on stderr,
#   check-layers: src/token/slots.c:12: includes "commands/cli.h": token may include only token, util
# and exits 1; with none, prints `layers: ok` and exits 0. Exits 2 on a usage error.
# Hidden files and folders (.*) are skipped. Includes in comments and in #if 0
# count like any other.
set -euo pipefail

# --- the layer table -----------------------------------------------------------
# "LAYER: LAYERS IT MAY INCLUDE". LAYER is a folder of src/, or main.c (the one
# file directly in src/). A layer lists itself if its files include each other.
# A new folder under src/ is an error until it has a line here.
rules=(
    # src/main.c: the entry point; hands the command line to commands/.
    "main.c: commands util"
    # src/commands/: one file per verb, the option table, the command table.
    "commands: commands workflow acme token signer x509 dns net util"
    # src/workflow/: what the commands do.
    "workflow: workflow acme token signer x509 dns net util"
    # src/acme/: the RFC 8555 (ACME) protocol (future).
    "acme: acme signer net util"
    # src/signer/: the bridge between OpenSSL and the token.
    "signer: signer token x509 util"
    # src/token/: the only PKCS#11 code.
    "token: token util"
    # src/x509/: OpenSSL X.509 (certificates, requests, names, keys).
    "x509: x509 util"
    # src/dns/: DNS lookups (ldns).
    "dns: dns util"
    # src/net/: HTTP (libcurl) (future).
    "net: net util"
    # src/util/: messages, secrets, files.
    "util: util"
)
# -------------------------------------------------------------------------------

usage() {
    echo "usage: $0 [SRC_DIR]" >&2
    exit 2
}

[ "$#" -le 1 ] || usage
case "${1:-}" in
-*) usage ;;
esac

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
src_arg=${1:-$repo/src}
if [ ! -d "$src_arg" ]; then
    echo "check-layers: $src_arg: no such directory" >&2
    exit 2
fi
src=$(cd "$src_arg" && pwd -P)

# How paths are shown: relative to the repository when SRC_DIR is inside it
# (src/token/slots.c), else from SRC_DIR's own name (a tree elsewhere).
case "$src/" in
"$repo"/?*) shown=${src#"$repo"/} ;;
*) shown=${src##*/} ;;
esac

# Every file under SRC_DIR, relative to it ("token/slots.c"), sorted, so that
# the errors come out in a stable order. A failing find stops here (set -e).
files=$(cd "$src" && find . -mindepth 1 -name '.?*' -prune -o ! -type d -print | sed 's|^\./||' | LC_ALL=C sort)

rules_joined=$(
    IFS=';'
    echo "${rules[*]}"
)

# One awk over all files: reads the list on stdin, then each *.c and *.h itself.
# Paths go in through the environment: awk -v would expand backslashes in them.
CHECK_LAYERS_SRC=$src CHECK_LAYERS_SHOWN=$shown awk -v rules="$rules_joined" \
    -v script="scripts/check-layers.sh" '
function err(where, msg) {
    print "check-layers: " where ": " msg > "/dev/stderr"
    errors++
}
# "a b c" -> "a, b, c"
function commas(s) {
    gsub(/ +/, ", ", s)
    return s
}
BEGIN {
    src = ENVIRON["CHECK_LAYERS_SRC"]
    shown = ENVIRON["CHECK_LAYERS_SHOWN"]
    nrules = split(rules, rl, ";")
    layer_list = ""
    for (i = 1; i <= nrules; i++) {
        line = rl[i]
        if (line !~ /^[A-Za-z0-9_.-]+: *[A-Za-z0-9_ -]*$/) {
            print "check-layers: " script ": bad rule \"" line "\"" > "/dev/stderr"
            bad_table = 1
            continue
        }
        name = line
        sub(/:.*/, "", name)
        deps = line
        sub(/^[^:]*: */, "", deps)
        sub(/ +$/, "", deps)
        allowed_text[name] = deps
        nd = split(deps, d, " ")
        for (j = 1; j <= nd; j++)
            allowed[name, d[j]] = 1
        if (name != "main.c") {
            is_layer[name] = 1
            layer_list = layer_list (layer_list == "" ? "" : " ") name
        }
    }
    # Every layer a rule names must itself be in the table.
    for (key in allowed) {
        split(key, kp, SUBSEP)
        if (!(kp[2] in is_layer)) {
            print "check-layers: " script ": " kp[1] " may include " kp[2] \
                ", which is not a layer of the table" > "/dev/stderr"
            bad_table = 1
        }
    }
    if (!("main.c" in allowed_text)) {
        print "check-layers: " script ": no rule for main.c" > "/dev/stderr"
        bad_table = 1
    }
    if (bad_table)
        exit 2
    layers = commas(layer_list)
}
$0 == "" { next }
{
    n++
    path[n] = $0
    exists[$0] = 1
    # Headers in folders, by their file name, for the "write it as" hint.
    if (index($0, "/")) {
        base = $0
        sub(/.*\//, "", base)
        if (base in hint)
            hint[base] = hint[base] " " $0
        else
            hint[base] = $0
    }
}
END {
    if (bad_table)
        exit 2
    for (i = 1; i <= n; i++) {
        f = path[i]
        if (f !~ /\.[ch]$/ && index(f, "/") == 0)
            continue
        where = shown "/" f
        dir = ""
        layer = ""
        if (index(f, "/")) {
            top = f
            sub(/\/.*/, "", top)
            dir = f
            sub(/\/[^\/]*$/, "", dir)
            if (top in is_layer)
                layer = top
            else if (!(top in reported_dir)) {
                reported_dir[top] = 1
                err(shown "/" top "/", top " is not a layer: add it, with its rule, to the table in " \
                    script " (layers: " layers ")")
            }
        } else if (f == "main.c") {
            layer = "main.c"
        } else {
            err(where, "not in a layer folder: only main.c lives directly in " shown \
                "/ (layers: " layers ")")
        }
        if (f !~ /\.[ch]$/)
            continue
        checked++

        lineno = 0
        while ((rc = (getline line < (src "/" f))) > 0) {
            lineno++
            if (line !~ /^[ \t]*#[ \t]*include[ \t]*"/)
                continue
            inc = line
            sub(/^[^"]*"/, "", inc)
            if (index(inc, "\"") == 0)
                continue  # no closing quote: the compiler says so
            inc = substr(inc, 1, index(inc, "\"") - 1)
            at = where ":" lineno
            what = "includes \"" inc "\": "

            if (index(inc, "/") == 0) {
                if (dir != "" && ((dir "/" inc) in exists))
                    err(at, what "write it as \"" dir "/" inc "\"")
                else if ((inc in hint) && index(hint[inc], " ") == 0)
                    err(at, what "write it as \"" hint[inc] "\"")
                else if (inc in hint)
                    err(at, what "name its folder: one of " commas(hint[inc]))
                else
                    err(at, what "name its folder (\"LAYER/" inc "\"); no layer folder holds " inc)
                continue
            }
            np = split(inc, part, "/")
            plain = 1
            for (j = 1; j <= np; j++)
                if (part[j] == "" || part[j] == "." || part[j] == "..")
                    plain = 0
            if (!plain) {
                err(at, what "write it as a plain \"LAYER/file.h\" path (no ., .. or empty parts)")
                continue
            }
            if (!(part[1] in is_layer)) {
                err(at, what part[1] " is not a layer (layers: " layers ")")
                continue
            }
            if (!(inc in exists)) {
                err(at, what "no such file " shown "/" inc)
                continue
            }
            if (layer != "" && !((layer, part[1]) in allowed))
                err(at, what layer " may include only " commas(allowed_text[layer]))
        }
        if (rc < 0)
            err(where, "cannot read it")
        close(src "/" f)
    }
    if (!checked)
        err(shown, "no *.c or *.h files: is this the source tree?")
    if (errors)
        exit 1
    print "layers: ok"
}' <<<"$files"
