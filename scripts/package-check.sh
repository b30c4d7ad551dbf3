#!/usr/bin/env bash
# Checks the Debian package make deb built (make package-check, from .ci/run):
#
#   scripts/package-check.sh DEB
#
# 1. lintian reports no error on it (warnings and notes are printed), and does
#    report one on a copy of it without its copyright file: the lint can fail.
# 2. dpkg-deb -c: the binary, the data, every man page of man/, the bash
#    completion and the renew units, at Debian's paths; nothing else.
# 3. dpkg-deb -I: the dependencies come from the libraries the binary links
#    (${shlibs:Depends}), and the package has no maintainer scripts.
# 4. apt could install it here with what is installed (a simulation: nothing
#    changes).
# 5. dpkg installs it into a throwaway root (dpkg --root) and removes it
#    again: the tree is as it was before. The installed binary runs.
# 6. With P11CERT_PACKAGE_INSTALL=1 only (it changes the machine for a
#    moment): apt install ./DEB and apt remove p11cert on this system, and the
#    installed files, dpkg's state and systemd's are as they were. Off in CI.
#
# Prints "package-check: ok" and exits 0, or names what failed and exits 1.
set -euo pipefail

if [ "$#" -ne 1 ] || [ ! -f "$1" ]; then
    echo "usage: $0 DEB (make deb builds it)" >&2
    exit 2
fi
deb=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
    echo "package-check: $*" >&2
    exit 1
}

# --- 1. lintian --------------------------------------------------------------
echo "=== lintian $deb"
# lintian says root is not recommended; that is all it says about it.
lintian --fail-on error --info "$deb" 2> >(grep -v 'running with root privileges' >&2) ||
    fail "lintian reports an error on $deb"
dpkg-deb -R "$deb" "$work/broken"
rm "$work/broken/usr/share/doc/p11cert/copyright"
dpkg-deb -b --root-owner-group "$work/broken" "$work/broken.deb" >/dev/null
if lintian --fail-on error "$work/broken.deb" >"$work/broken.lintian" 2>/dev/null; then
    fail "lintian found no error in a package without its copyright file: it checks nothing"
fi
grep -q 'E: p11cert: no-copyright-file' "$work/broken.lintian" ||
    fail "lintian did not name the missing copyright file: $(cat "$work/broken.lintian")"

# --- 2. the contents ---------------------------------------------------------
echo "=== dpkg-deb -c $deb"
dpkg-deb -c "$deb" | tee "$work/contents"
awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }' "$work/contents" | LC_ALL=C sort >"$work/files"
{
    echo /usr/bin/p11cert
    echo /lib/systemd/system/p11cert-renew.service
    echo /lib/systemd/system/p11cert-renew.timer
    echo /usr/share/bash-completion/completions/p11cert
    for scd in "$src"/man/*.scd; do
        echo "/usr/share/man/man1/$(basename "$scd" .scd).gz"
    done
    echo /usr/share/p11cert/endpoints
    for profile in "$src"/tokens/*.profile; do
        echo "/usr/share/p11cert/tokens/$(basename "$profile")"
    done
    echo /usr/share/doc/p11cert/changelog.gz
    echo /usr/share/doc/p11cert/copyright
} | LC_ALL=C sort >"$work/expected"
diff "$work/expected" "$work/files" >"$work/diff" ||
    fail "the package's files are not the expected ones (< expected, > in the package):
$(cat "$work/diff")"
[ "$(grep -c '^/usr/share/man/man1/' "$work/files")" -ge 20 ] || fail "fewer than 20 man pages"
grep -q '^-rwxr-xr-x root/root .* \./usr/bin/p11cert$' "$work/contents" ||
    fail "/usr/bin/p11cert is not an executable owned by root"

# --- 3. the control data -----------------------------------------------------
echo "=== dpkg-deb -I $deb"
dpkg-deb -I "$deb" | tee "$work/info"
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libssl3 libp11-kit0 libp11-3 libldns3 libjansson4 libcurl4 libmicrohttpd12; do
    [[ ", $depends," == *", $lib "* ]] || fail "Depends does not name $lib: $depends"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -t | sed 's|^\./||; /^$/d' | LC_ALL=C sort >"$work/control"
[ "$(cat "$work/control")" = "$(printf 'control\nmd5sums')" ] ||
    fail "the package has control files beyond control and md5sums: $(tr '\n' ' ' <"$work/control")"

# --- 4. installable here -----------------------------------------------------
echo "=== apt-get install --simulate $deb"
apt-get install --simulate --no-install-recommends "$deb" >"$work/simulate" 2>&1 ||
    fail "apt could not install it: $(tail -n 5 "$work/simulate")"
grep -q '^Inst p11cert ' "$work/simulate" || fail "apt would not install p11cert: $(cat "$work/simulate")"

# --- 5. install and remove in a throwaway root -------------------------------
echo "=== dpkg --root: install, run, remove"
root=$work/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/triggers"
touch "$root/var/lib/dpkg/status"
tree() { (cd "$root" && find . ! -path './var/lib/dpkg/*' | LC_ALL=C sort); }
before=$(tree)
# The libraries are the host's, not the throwaway root's: their dependency
# is what apt checked above.
dpkg --root="$root" --log=/dev/null --force-depends -i "$deb" >"$work/dpkg" 2>&1 ||
    fail "dpkg -i into a throwaway root failed: $(cat "$work/dpkg")"
[ "$(dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status}' p11cert)" = "install ok installed" ] ||
    fail "dpkg does not list p11cert as installed in the throwaway root"
"$root/usr/bin/p11cert" --version | head -n 1 | grep -qx "p11cert $(dpkg-deb -f "$deb" Version)" ||
    fail "the installed binary does not run"
grep -q '/usr/share/p11cert/endpoints' "$root/usr/bin/p11cert" ||
    fail "the installed binary does not look for its data in /usr/share/p11cert"
dpkg --root="$root" --log=/dev/null -r p11cert >"$work/dpkg" 2>&1 ||
    fail "dpkg -r in the throwaway root failed: $(cat "$work/dpkg")"
[ "$(tree)" = "$before" ] || fail "removing the package left files behind: $(diff <(echo "$before") <(tree))"

# --- 6. apt install and remove on this machine, when asked --------------------
if [ "${P11CERT_PACKAGE_INSTALL:-0}" = 1 ]; then
    echo "=== apt install $deb, then apt remove p11cert (P11CERT_PACKAGE_INSTALL=1)"
    if dpkg-query -W -f='${Status}' p11cert 2>/dev/null | grep -q 'installed'; then
        fail "p11cert is installed on this machine already: not touching it"
    fi
    state() {
        find /usr /lib /etc /var/lib/dpkg/info /var/lib/systemd -xdev \
            \( -path /usr/src -o -path /var/lib/systemd/timers \) -prune -o -print 2>/dev/null |
            LC_ALL=C sort
        dpkg-query -W -f='${Package} ${Status}\n' | LC_ALL=C sort
    }
    state >"$work/state-before"
    apt-get install -y --no-install-recommends "$deb" >"$work/apt" 2>&1 ||
        fail "apt install failed: $(tail -n 5 "$work/apt")"
    man -w p11cert-csr >/dev/null || fail "man does not find p11cert-csr(1) once installed"
    /usr/bin/p11cert --version >/dev/null || fail "the installed /usr/bin/p11cert does not run"
    apt-get remove -y p11cert >"$work/apt" 2>&1 || fail "apt remove failed: $(tail -n 5 "$work/apt")"
    state >"$work/state-after"
    diff "$work/state-before" "$work/state-after" >"$work/diff" ||
        fail "apt install then apt remove changed the machine:
$(cat "$work/diff")"
fi
echo "package-check: ok"
