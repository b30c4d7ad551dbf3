#!/usr/bin/env bats
# The man pages (man/*.scd, built into BUILD/man by make): one per command and
# subcommand, each listing exactly the options that command's --help lists
# (and p11cert(1) the global ones), rendered by groff and mandoc without a
# warning. And --version: p11cert's version and the libraries it runs with,
# cross-checked with what dpkg and the libraries' own tools say.

load helpers

setup_file() {
    MAN_DIR=${P11CERT_BUILD:-$P11CERT_SRC/build}/man
    export MAN_DIR
}

setup() {
    cd "$BATS_TEST_TMPDIR"
}

# The pages' text, as mandoc renders it (no overstrike).
rendered() {
    mandoc -T ascii -O width=400 "$1" | sed 's/.\x08//g'
}

# "--name ARG" (or "--name"), one a line, sorted: the option entries of the
# OPTIONS section of page $1 (entries are the lines indented 7 spaces that
# start with a dash; "-q, --quiet" counts as --quiet).
man_options() {
    rendered "$1" | awk '/^[A-Z]/ { on = ($0 == "OPTIONS") } on' |
        sed -nE 's/^       (-[a-z], )?(--[a-z0-9-]+)( [^ ]+)?$/\2\3/p' | LC_ALL=C sort
}

# The same from --help: the lines "  --name ARG  help" of the section $1
# ("options:" or "global options").
help_options() {
    local section=$1
    shift
    p11cert "$@" --help | awk -v s="$section" '/^[a-z].*:$/ { on = (index($0, s) == 1) } on' |
        sed -nE 's/^  (--[a-z0-9-]+)( [^ ]+)?( .*)?$/\1\2/p' | LC_ALL=C sort
}

# The subcommands of `p11cert $1 --help`, one a line.
subcommands() {
    p11cert "$1" --help | awk '/^subcommands:/ { on = 1; next } /^$/ { on = 0 } on { print $1 }'
}

# The commands of --help ("dns" and "acme" replaced by their subcommands),
# as page names: the pages that list options.
command_pages() {
    local c s
    for c in $(p11cert --help | awk '/^commands:/ { on = 1; next } /^$/ { on = 0 } on { print $1 }'); do
        case "$c" in
        dns | acme)
            for s in $(subcommands "$c"); do
                echo "p11cert-$c-$s.1"
            done
            ;;
        *) echo "p11cert-$c.1" ;;
        esac
    done | LC_ALL=C sort
}

@test "man: a page for p11cert, each command and subcommand, dns and acme, and no other" {
    expected=$( (printf '%s\n' p11cert.1 p11cert-dns.1 p11cert-acme.1; command_pages) | LC_ALL=C sort)
    actual=$(cd "$MAN_DIR" && ls | LC_ALL=C sort)
    [ "$(echo "$expected" | wc -l)" -eq 20 ]
    [ "$actual" = "$expected" ]
}

@test "man: p11cert-dns(1) and p11cert-acme(1) list exactly the subcommands of their --help" {
    for c in dns acme; do
        want=$(subcommands "$c" | LC_ALL=C sort)
        have=$(rendered "$MAN_DIR/p11cert-$c.1" | awk '/^[A-Z]/ { on = ($0 == "SUBCOMMANDS") } on' |
            sed -nE 's/^       ([a-z]+)$/\1/p' | LC_ALL=C sort)
        [ "$(echo "$want" | wc -l)" -eq 3 ]
        [ "$have" = "$want" ]
        # No options of their own: those are on the subcommands' pages.
        ! rendered "$MAN_DIR/p11cert-$c.1" | grep -qx OPTIONS || false
    done
}

@test "man: each command's page lists exactly the options of its --help" {
    n=0
    for page in $(command_pages); do
        words=${page#p11cert-}
        words=${words%.1}
        case "$words" in
        dns-* | acme-*) words=${words/-/ } ;;
        esac
        # shellcheck disable=SC2086 # the words of the command
        want=$(help_options "options:" $words)
        have=$(man_options "$MAN_DIR/$page")
        if [ "$have" != "$want" ]; then
            echo "$page differs from p11cert $words --help (< man, > help):"
            diff <(echo "$have") <(echo "$want") || true
            return 1
        fi
        n=$((n + 1))
    done
    [ "$n" -eq 17 ]
}

@test "man: p11cert(1) lists exactly the global options, with their short forms" {
    want=$(help_options "global options")
    have=$(man_options "$MAN_DIR/p11cert.1")
    [ -n "$want" ]
    [ "$have" = "$want" ]
    for short in q v h; do
        rendered "$MAN_DIR/p11cert.1" | grep -qE "^       -$short, --"
    done
}

@test "man: a page that lost an option is caught (the comparison can fail)" {
    sed '/^\\fB--pss\\fR/,/^\.RE/d' "$MAN_DIR/p11cert-csr.1" >csr.1
    [ "$(man_options csr.1 | wc -l)" -eq "$(($(man_options "$MAN_DIR/p11cert-csr.1" | wc -l) - 1))" ]
    [ "$(man_options csr.1)" != "$(help_options "options:" csr)" ]
}

@test "man: groff (as man and lintian run it) and mandoc -T lint render every page without a warning" {
    for page in "$MAN_DIR"/*.1; do
        out=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$page" 2>&1 >/dev/null)
        [ -z "$out" ] || { echo "$page: $out"; return 1; }
        out=$(groff -man -ww -z "$page" 2>&1)
        [ -z "$out" ] || { echo "$page: $out"; return 1; }
        # mandoc's warnings and errors (style notes, such as a lower-case title, are not).
        out=$(mandoc -T lint -W warning "$page" 2>&1)
        [ -z "$out" ] || { echo "$page: $out"; return 1; }
    done
}

@test "man: the pages name the installed data files, not the source's @DATADIR@" {
    ! grep -l '@DATADIR@' "$MAN_DIR"/*.1 || false
    rendered "$MAN_DIR/p11cert.1" | grep -q 'share/p11cert/endpoints'
}

@test "--version: p11cert's version, the one debian/changelog has" {
    run p11cert --version
    [ "$status" -eq 0 ]
    changelog=$(sed -nE '1s/^p11cert \(([^)]+)\).*/\1/p' "$P11CERT_SRC/debian/changelog")
    [ -n "$changelog" ]
    [ "${lines[0]}" = "p11cert $changelog" ]
}

@test "--version: the libraries it runs with, as their own tools and dpkg report them" {
    run p11cert --version
    [ "$status" -eq 0 ]
    # OpenSSL at run time: the openssl command uses the same libcrypto.
    [ "${lines[1]}" = "OpenSSL $(openssl version | awk '{ print $2 }')" ]
    # The libraries' Debian packages, without the Debian revision.
    upstream() { dpkg-query -W -f='${Version}' "$1" | sed -E 's/^[0-9]+://; s/-[^-]+$//'; }
    [ "${lines[2]}" = "p11-kit $(upstream libp11-kit0) (at build time: it has no call that tells its version)" ]
    [ "${lines[3]}" = "libp11 $(upstream libp11-3) (at build time: it has no call that tells its version)" ]
    [ "${lines[4]}" = "ldns $(upstream libldns3)" ]
    [ "${lines[5]}" = "libcurl $(curl --version | sed -nE '1s/.* libcurl\/([^ ]+).*/\1/p')" ]
    [ "${lines[6]}" = "jansson $(upstream libjansson4)" ]
    [ "${lines[7]}" = "libmicrohttpd $(upstream libmicrohttpd12)" ]
    [ "${#lines[@]}" -eq 8 ]
}

@test "--version after a command, and as p11cert(1) says" {
    run p11cert csr --version
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "$(p11cert --version | head -n 1)" ]
}
