#!/usr/bin/env bats
# make install and make uninstall into a DESTDIR: exactly the expected files
# with their modes (the binary, the data, the renew units, the man pages, the
# completion), paths that follow PREFIX, and an uninstall that leaves the tree
# as it was. The installed man pages are read by man(1), the installed
# completion is found by bash-completion's own loader.

load helpers

setup() {
    cd "$BATS_TEST_TMPDIR"
}

# make -C the source tree TARGET DESTDIR=dest [VAR=VALUE...]
make_in() {
    make -s -C "$P11CERT_SRC" BUILD="${P11CERT_BUILD:-build}" DESTDIR="$BATS_TEST_TMPDIR/dest" "$@"
}

# Every file and link under dest with its mode, sorted: "0644 usr/bin/x".
listing() {
    (cd dest && find . ! -type d -printf '%m %P\n' | LC_ALL=C sort)
}

# What an install under PREFIX $1 (without the leading /) must hold.
expected() {
    local p=$1 units=${2:-$1/lib/systemd/system}
    printf '755 %s\n' "$p/bin/p11cert"
    printf '644 %s\n' "$units/p11cert-renew.service" "$units/p11cert-renew.timer" \
        "$p/share/bash-completion/completions/p11cert" "$p/share/p11cert/endpoints"
    for page in p11cert p11cert-acme p11cert-dns p11cert-acme-account p11cert-acme-issue p11cert-acme-revoke p11cert-chain \
        p11cert-check p11cert-convert p11cert-csr p11cert-dns-apply p11cert-dns-check \
        p11cert-dns-records p11cert-import p11cert-keygen p11cert-list p11cert-renew \
        p11cert-selfsign p11cert-server-config p11cert-tokens; do
        printf '644 %s\n' "$p/share/man/man1/$page.1"
    done
    for profile in generic nss-softokn opencryptoki opensc p11-kit-client softhsm2 tpm2-pkcs11 yubikey; do
        printf '644 %s\n' "$p/share/p11cert/tokens/$profile.profile"
    done
}

@test "make install PREFIX=/usr: exactly the expected files, with their modes" {
    make_in install PREFIX=/usr >/dev/null
    diff <(expected usr | LC_ALL=C sort -k 2) <(listing | LC_ALL=C sort -k 2)
    [ "$(listing | wc -l)" -eq 33 ]
    # The installed binary is the one built.
    cmp dest/usr/bin/p11cert "${P11CERT_BUILD:-$P11CERT_SRC/build}/p11cert"
}

@test "make install: the default PREFIX (/usr/local), and SYSTEMDUNITDIR as Debian's /lib has it" {
    make_in install SYSTEMDUNITDIR=/lib/systemd/system >/dev/null
    diff <(expected usr/local lib/systemd/system | LC_ALL=C sort -k 2) <(listing | LC_ALL=C sort -k 2)
}

@test "make install: the man pages and the completion name the installed data, for each PREFIX" {
    make_in install PREFIX=/opt/p11 >/dev/null
    man -M dest/opt/p11/share/man -P cat p11cert 2>/dev/null | grep -q '/opt/p11/share/p11cert/endpoints'
    grep -qx '_p11cert_endpoints=/opt/p11/share/p11cert/endpoints' \
        dest/opt/p11/share/bash-completion/completions/p11cert
    grep -q "ExecStart=/bin/sh -c 'eval exec /opt/p11/bin/p11cert renew" \
        dest/opt/p11/lib/systemd/system/p11cert-renew.service
    ! grep -rl '@DATADIR@\|@BINDIR@' dest || false
}

@test "make install: man finds every page, and bash-completion loads the completion by itself" {
    make_in install PREFIX=/usr >/dev/null
    for page in dest/usr/share/man/man1/*.1; do
        name=$(basename "$page" .1)
        man -M dest/usr/share/man -P cat "$name" 2>/dev/null | grep -q "^NAME"
    done
    # bash-completion's on-demand loader, looking in XDG_DATA_DIRS, as for any
    # package's completion; --region from the installed endpoints file's
    # place is the source's data here.
    sed -i "s|^_p11cert_endpoints=.*|_p11cert_endpoints=$P11CERT_SRC/data/endpoints|" \
        dest/usr/share/bash-completion/completions/p11cert
    run bash -c '
        source /usr/share/bash-completion/bash_completion
        XDG_DATA_DIRS=$1 __load_completion p11cert || exit 1
        complete -p p11cert
        COMP_WORDS=(p11cert dns records --region us-)
        COMP_CWORD=4
        _p11cert p11cert us- --region
        printf "%s\n" "${COMPREPLY[@]}"' bash "$BATS_TEST_TMPDIR/dest/usr/share"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "complete -F _p11cert p11cert" ]
    [ "${lines[1]}" = us-east ]
    [ "${lines[2]}" = us-west ]
}

@test "make uninstall: removes exactly what make install put there" {
    # A tree that holds files of others where p11cert installs its own.
    mkdir -p dest/usr/bin dest/usr/share/man/man1 dest/usr/share/bash-completion/completions \
        dest/usr/lib/systemd/system
    touch dest/usr/bin/other dest/usr/share/man/man1/other.1 \
        dest/usr/share/bash-completion/completions/other dest/usr/lib/systemd/system/other.service
    before=$(cd dest && find . | LC_ALL=C sort)
    make_in install PREFIX=/usr >/dev/null
    [ "$(listing | wc -l)" -eq 37 ]
    make_in uninstall PREFIX=/usr >/dev/null
    [ "$(cd dest && find . | LC_ALL=C sort)" = "$before" ]
}
