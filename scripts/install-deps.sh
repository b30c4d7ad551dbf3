#!/usr/bin/env bash
# Installs the Debian 12 packages p11cert needs to build, test and demo.
# Idempotent: prints nothing and exits 0 when everything is already installed.
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
    # benchmarks (make bench): wall times
    hyperfine
)

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
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
