#!/usr/bin/env bash
# The whole p11cert workflow on a local SoftHSM2 token made for the demo
# (fresh each run, under BUILD/demo). Each step is printed as the command an
# operator would type, then run. Usage: scripts/demo.sh BUILD_DIR
set -euo pipefail

build=$(cd "${1:-build}" && pwd)
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
demo="$build/demo"
token=p11cert-demo
subject='/C=US/ST=California/L=Mountain View/O=WSO2/OU=IT/CN=developers.example.com'

for candidate in /usr/lib/softhsm/libsofthsm2.so /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so; do
    [ -e "$candidate" ] && module=$candidate && break
done
[ -n "${module:-}" ] || { echo "demo: SoftHSM2 is not installed (make deps)" >&2; exit 1; }

bold= plain=
if [ -t 1 ]; then
    bold=$(tput bold 2>/dev/null || true)
    plain=$(tput sgr0 2>/dev/null || true)
fi

step() {
    printf '\n%s== %s%s\n' "$bold" "$*" "$plain"
}

# Prints the command as an operator would type it, then runs it.
run() {
    local arg shown=""
    for arg in "$@"; do
        case "$arg" in
        *[!A-Za-z0-9_./:=@%+,-]*) shown+="'$arg' " ;;
        *) shown+="$arg " ;;
        esac
    done
    printf '%s$ %s%s\n' "$bold" "${shown% }" "$plain"
    "$@"
}

rm -rf "$demo"
mkdir -p "$demo"
eval "$("$top/scripts/softhsm-token.sh" "$demo" "$token")"
export PATH="$build:$PATH" P11CERT_MODULE="$module"
cd "$demo"

step "A SoftHSM2 token stands in for the HSM or smart card (SOFTHSM2_CONF=$demo/softhsm2.conf)."
echo "The module is given once: export P11CERT_MODULE=$module"
echo "The user PIN is read from a file, never from the command line: --pin-source file:pin"
run p11cert tokens "pkcs11:token=$token"

step "1. Generate an RSA 2048 key pair on the token. The private key never leaves it."
run p11cert --pin-source file:pin keygen "pkcs11:token=$token" --label web --type rsa:2048
run p11cert --pin-source file:pin list "pkcs11:token=$token"

step "2. A certificate signing request for the custom domains, signed on the token."
run p11cert --pin-source file:pin csr "pkcs11:token=$token;object=web" \
    --subject "$subject" --san DNS:developers.example.com --san DNS:gateway.example.com \
    --out request.csr
echo "-- checked by OpenSSL, independently:"
run openssl req -in request.csr -noout -verify -subject -nameopt compat

step "3. A self-signed certificate for internal use, signed on the token."
run p11cert --pin-source file:pin selfsign "pkcs11:token=$token;object=web" \
    --subject "$subject" --san DNS:developers.example.com --san DNS:gateway.example.com \
    --days 365 --out selfsigned.crt
echo "-- checked by OpenSSL, independently:"
run openssl verify -CAfile selfsigned.crt selfsigned.crt
run openssl x509 -in selfsigned.crt -noout -subject -enddate -ext subjectAltName,extendedKeyUsage

step "Done. The request (request.csr) goes to the CA; the files are in $demo."
