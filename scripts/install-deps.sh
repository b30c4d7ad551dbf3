#!/usr/bin/env bash
# Installs the Debian 12 packages p11cert needs to build, test and demo.
# Idempotent: prints nothing and exits 0 when everything is already installed.
#
#   scripts/install-deps.sh            what make, make check and make demo need
#   scripts/install-deps.sh --package  that, and what make deb / make package-check need
set -euo pipefail

PACKAGES=(
    # build: compiler, pkg-config, formatter
    build-essential pkg-config clang-format
    # libraries p11cert links against (headers + pkg-config files)
    libssl-dev libp11-kit-dev libp11-dev libldns-dev libjansson-dev
    # HTTP(S) for fetching missing issuers (AIA caIssuers) and ACME: libcurl on OpenSSL
    libcurl4-openssl-dev
    # the http-01 responder of acme issue --http-listen
    libmicrohttpd-dev
    # ACME tests and the demo: pebble, the RFC 8555 test CA (no service of its own)
    pebble
    # PKCS#11 runtime: p11-kit, its modules, OpenSSL and the libp11 engine
    openssl p11-kit p11-kit-modules libengine-pkcs11-openssl
    # test tokens and independent cross-check tools (pkcs11-tool, pkcs11-spy, certtool, p11tool)
    softhsm2 opensc gnutls-bin
    # a second PKCS#11 implementation for the token workflow tests: NSS softokn
    # (libsoftokn3.so) and NSS's own certutil to cross-check it
    libnss3 libnss3-tools
    # DNS cross-checks: knotd serves the emitted records, named-checkzone and dig read them
    knot bind9-utils dnsutils
    # test frameworks; python3 and jq read the --json outputs in tests; curl is the TLS
    # client of the s_server test; strace checks how key files are opened; ss finds free ports
    libcmocka-dev bats python3 jq curl strace iproute2
    # make fuzz: libFuzzer with clang 14
    clang-14 libclang-rt-14-dev
    # trust store for chain checks against the system roots
    ca-certificates
    # benchmarks (make bench): wall times; lego, the ACME client p11cert's issuance is
    # compared with (it signs nothing itself: it takes p11cert's CSR with --csr)
    hyperfine lego
    # real TLS servers for server-config's tests (serve.bats), with the libp11 engine
    nginx apache2 stunnel4
    # hardware-like tokens (tests/softhsm/tpm2.bats, opencryptoki.bats): a TPM 2.0
    # simulator on loopback with tpm2-pkcs11 and the tools that make its token, and
    # openCryptoki's soft token with pkcsslotd (run by the tests in a private namespace;
    # util-linux gives unshare and nsenter)
    swtpm swtpm-tools tpm2-tools libtss2-tcti-swtpm0 libtpm2-pkcs11-1 libtpm2-pkcs11-tools
    opencryptoki util-linux
    # the man pages: scdoc makes them, mandoc (and groff, man-db) lint them in tests;
    # bash-completion for the completion's test (tests/softhsm/completion.bats);
    # script (bsdutils) gives the progress tests a terminal
    scdoc mandoc man-db groff-base bash-completion bsdutils
)

# make deb and make package-check: the Debian package, built and linted.
if [ "${1:-}" = "--package" ]; then
    PACKAGES+=(debhelper dpkg-dev lintian fakeroot)
elif [ "$#" -gt 0 ]; then
    echo "usage: $0 [--package]" >&2
    exit 2
fi

# The services these packages start by themselves on install (nginx and
# apache2 on ports 80/443), as PACKAGE:SERVICE: kept from starting by a
# policy-rc.d, and stopped and disabled if they did all the same.
SERVICES=(nginx:nginx apache2:apache2 apache2:apache-htcacheclean stunnel4:stunnel4)

# One dpkg-query for all: it prints a line per known package (unknown ones only
# on stderr), so anything not listed as "installed" is missing.
installed=" $(dpkg-query -W -f='${Package}:${db:Status-Status} ' "${PACKAGES[@]}" 2>/dev/null || true)"
missing=()
for pkg in "${PACKAGES[@]}"; do
    case "$installed" in
    *" $pkg:installed "*) ;;
    *) missing+=("$pkg") ;;
    esac
done

if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages: ${missing[*]}" >&2
    echo "install-deps: run this as root (or with sudo): sudo $0" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# invoke-rc.d asks /usr/sbin/policy-rc.d before starting a service: 101 says
# "not allowed". One already there (a container's) is left as it is.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
    trap 'rm -f "$policy"' EXIT
    printf '#!/bin/sh\n# install-deps (p11cert): no service starts while packages install\nexit 101\n' >"$policy"
    chmod 755 "$policy"
fi
status=0
{ apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; } || status=$?
# Whatever started anyway (a systemd unit enabled by its postinst) is stopped
# and disabled: the tests start their own servers on loopback ports.
for entry in "${SERVICES[@]}"; do
    svc=${entry#*:}
    case " ${missing[*]} " in
    *" ${entry%%:*} "*) ;;
    *) continue ;;
    esac
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        systemctl disable --now "$svc" >/dev/null 2>&1 || true
    elif [ -x "/etc/init.d/$svc" ]; then
        "/etc/init.d/$svc" stop >/dev/null 2>&1 || true
        update-rc.d "$svc" disable >/dev/null 2>&1 || true
    fi
done
exit "$status"
