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

# A random high port on which nothing listens (TCP or UDP): the demo needs
# neither root nor a well-known port.
free_port() {
    local port=$((20000 + RANDOM % 40000))
    while [ -n "$(ss -Hlntu "sport = :$port" 2>/dev/null)" ]; do
        port=$((20000 + RANDOM % 40000))
    done
    echo "$port"
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

step "3. The CA signs the request. A throwaway test CA (scripts/test-ca.sh) plays the vendor:"
echo "it sends back a PKCS#7 (.p7b), a DER .cer, and its intermediate and root certificates"
echo "as separate files, and p11cert takes them in any order."
# Its certificates name where their issuers are published (AIA caIssuers):
# a web server of the CA on this machine, started in step 5b.
aia_port=$(free_port)
mkdir -p vendor
TEST_CA_AIA=http://127.0.0.1:$aia_port "$top/scripts/test-ca.sh" "$demo/ca" sign request.csr \
    "$demo/vendor/reply" >/dev/null
ls vendor/reply.p7b vendor/reply.cer vendor/reply-int1.crt vendor/reply-int2.crt vendor/reply-root.crt

step "4. Convert whatever the CA sent to PEM: the format is read from the content."
run p11cert convert vendor/reply.p7b --out reply-from-p7b.pem
run p11cert convert vendor/reply.cer --out developers.crt
echo "-- checked by OpenSSL, independently:"
run openssl x509 -in developers.crt -noout -subject -issuer -ext subjectAltName

step "5. Build chain.crt (the leaf's issuer first, the root last) from the files in any order."
run p11cert chain vendor/reply-root.crt vendor/reply-int1.crt developers.crt \
    vendor/reply-int2.crt --out chain.crt --fullchain fullchain.crt
echo "-- checked by OpenSSL, independently:"
run openssl verify -CAfile vendor/reply-root.crt -untrusted chain.crt developers.crt

step "5b. Some CAs send only the leaf: p11cert fetches the intermediates from the caIssuers URLs."
echo "The certificates name their issuer's URL; the CA's web server is python3 -m http.server"
echo "on 127.0.0.1 port $aia_port here. The root is one you already trust (--trust)."
aia_pid=
stop_aia_server() {
    if [ -n "$aia_pid" ]; then
        kill "$aia_pid" 2>/dev/null || true
        wait "$aia_pid" 2>/dev/null || true
        aia_pid=
    fi
}
trap stop_aia_server EXIT
printf '%s$ %s%s\n' "$bold" \
    "python3 -m http.server --bind 127.0.0.1 --directory ca/aia $aia_port &" "$plain"
python3 -m http.server --bind 127.0.0.1 --directory "$demo/ca/aia" "$aia_port" \
    >"$demo/aia-http.log" 2>&1 &
aia_pid=$!
for _ in $(seq 1 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$aia_port") 2>/dev/null && break
    sleep 0.1
done
run openssl x509 -in developers.crt -noout -ext authorityInfoAccess
run p11cert chain developers.crt --trust vendor/reply-root.crt --out chain-from-aia.crt
echo "-- checked by OpenSSL, independently, and the same as the chain built from every file:"
run openssl verify -CAfile vendor/reply-root.crt -untrusted chain-from-aia.crt developers.crt
run cmp chain.crt chain-from-aia.crt
echo "-- what the web server was asked:"
grep -o '"GET [^"]*"' "$demo/aia-http.log"
stop_aia_server
trap - EXIT
echo "The web server is stopped."

step "6. Store the certificate on the token beside its key (found by its public key)."
run p11cert --pin-source file:pin import developers.crt --token "pkcs11:token=$token" \
    --chain chain.crt
run p11cert --pin-source file:pin list "pkcs11:token=$token;type=cert"

step "7. Check the bundle: key pair, chain, names, dates, and real TLS handshakes with the token key."
run p11cert --pin-source file:pin check --cert developers.crt --chain chain.crt \
    --key "pkcs11:token=$token;object=web" \
    --domain developers.example.com --domain gateway.example.com --tls

step "Or, for internal use only: a self-signed certificate, signed on the token."
run p11cert --pin-source file:pin selfsign "pkcs11:token=$token;object=web" \
    --subject "$subject" --san DNS:developers.example.com --san DNS:gateway.example.com \
    --days 365 --out selfsigned.crt
echo "-- checked by OpenSSL, independently:"
run openssl verify -CAfile selfsigned.crt selfsigned.crt

# --- DNS: CNAME records for the custom domains, served by knotd, checked live ---
step "DNS: CNAME records that point the custom domains at the service endpoint (region us-east)."
echo "The endpoint comes from the endpoints file that ships with p11cert; --cert refuses a"
echo "domain the certificate does not cover."
run p11cert dns records --domain developers.example.com --domain gateway.example.com \
    --region us-east --origin example.com --cert developers.crt --out records.zone
knot_dir="$demo/knot"
mkdir -p "$knot_dir/db"
{
    printf '$ORIGIN example.com.\n$TTL 300\n'
    printf '@    IN SOA ns1.example.com. hostmaster.example.com. 1 3600 900 604800 300\n'
    printf '@    IN NS  ns1.example.com.\nns1  IN A   127.0.0.1\n'
} >"$knot_dir/example.com.zone"
{ cat "$knot_dir/example.com.zone" records.zone; } >"$knot_dir/with-records.zone"
echo "-- the zone example.com with the records pasted in, checked by BIND, independently:"
run named-checkzone example.com "$knot_dir/with-records.zone"
# The TSIG key the zone takes updates with: keymgr writes knotd's key section,
# and the same key as one ALGORITHM:NAME:SECRET line (mode 0600) for p11cert.
keymgr -t p11cert-demo hmac-sha256 >"$knot_dir/tsig.knot"
(umask 077 && sed -n '1s/^# //p' "$knot_dir/tsig.knot" >tsig.key)

knot_port=$(free_port)
cat >"$knot_dir/knot.conf" <<KNOTCONF
server:
    listen: 127.0.0.1@$knot_port
    rundir: "$knot_dir"
database:
    storage: "$knot_dir/db"
log:
  - target: stderr
    any: warning
template:
  - id: default
    storage: "$knot_dir"
    file: "%s.zone"
    zonefile-sync: -1
    journal-content: none
$(sed 1d "$knot_dir/tsig.knot")
acl:
  - id: p11cert-updates
    key: p11cert-demo
    action: update
    update-type: [CNAME, TXT]
zone:
  - domain: example.com
    acl: p11cert-updates
KNOTCONF

step "DNS: Knot DNS serves the zone on 127.0.0.1 port $knot_port; p11cert sends it the records."
knot_pid=
stop_knotd() {
    if [ -n "$knot_pid" ]; then
        kill "$knot_pid" 2>/dev/null || true
        wait "$knot_pid" 2>/dev/null || true
        knot_pid=
    fi
}
trap stop_knotd EXIT
printf '%s$ %s%s\n' "$bold" "knotd -c $knot_dir/knot.conf &" "$plain"
knotd -c "$knot_dir/knot.conf" 2>"$knot_dir/knotd.log" &
knot_pid=$!
for _ in $(seq 1 50); do
    if dig @127.0.0.1 -p "$knot_port" +time=1 +tries=1 +short SOA example.com 2>/dev/null |
        grep -q .; then
        break
    fi
    sleep 0.1
done
echo "One RFC 2136 UPDATE signed with the TSIG key (read from a file, never from argv), then"
echo "each name read back from the server; run again, it changes nothing."
run p11cert dns apply --server "127.0.0.1:$knot_port" --tsig-key file:tsig.key \
    --region us-east --domain developers.example.com --domain gateway.example.com
run p11cert dns apply --server "127.0.0.1:$knot_port" --tsig-key file:tsig.key \
    --region us-east --domain developers.example.com --domain gateway.example.com
echo "-- what Knot DNS answers, asked by dig, independently:"
run dig @127.0.0.1 -p "$knot_port" +short CNAME developers.example.com
run dig @127.0.0.1 -p "$knot_port" +short SOA example.com
run p11cert dns check --server "127.0.0.1:$knot_port" --region us-east \
    --domain developers.example.com --domain gateway.example.com
stop_knotd
trap - EXIT
echo "knotd stopped. For a DNS provider without RFC 2136, the same records: $demo/records.zone"

# --- ACME: both keys on the token; a test CA (pebble) and knotd on loopback ---
step "ACME (RFC 8555): the account key and the certificate key both on the token; pebble as the CA, knotd taking the dns-01 records (TSIG), both on 127.0.0.1."
acme_env=$demo/acme
stop_acme() {
    "$top/scripts/acme-test-env.sh" stop "$acme_env"
}
trap stop_acme EXIT
eval "$("$top/scripts/acme-test-env.sh" knot "$acme_env")"
eval "$("$top/scripts/acme-test-env.sh" pebble "$acme_env" ca "$KNOT_PORT")"
"$top/scripts/acme-test-env.sh" roots "$acme_env" ca "$acme_env/root.pem"
echo "CA directory: $CA_DIRECTORY (a real CA: https://acme-v02.api.letsencrypt.org/directory)"
run p11cert --pin-source file:pin keygen "pkcs11:token=$token" --label acme-account --type ec:p256
run p11cert --pin-source file:pin keygen "pkcs11:token=$token" --label www --type ec:p256
run p11cert --pin-source file:pin acme account \
    --account-key "pkcs11:token=$token;object=acme-account" \
    --directory "$CA_DIRECTORY" --ca-bundle "$CA_CA" --agree-tos --email ops@example.com
run p11cert --pin-source file:pin acme issue \
    --account-key "pkcs11:token=$token;object=acme-account" --key "pkcs11:token=$token;object=www" \
    --domain www.acme.test --domain api.acme.test \
    --dns-server "$KNOT_SERVER" --tsig-key "file:$TSIG_FILE" \
    --directory "$CA_DIRECTORY" --ca-bundle "$CA_CA" --trust "$acme_env/root.pem" \
    --out www.crt --chain-out www-chain.crt --import --state-dir "$demo/state"
echo "-- openssl verifies the issued chain against the CA's root, independently:"
run openssl verify -CAfile "$acme_env/root.pem" -untrusted www-chain.crt www.crt
echo "-- the dns-01 records are gone again, as dig sees it:"
run dig @127.0.0.1 -p "$KNOT_PORT" +short TXT _acme-challenge.www.acme.test
echo "-- the renewal record (no secret in it: the TSIG key and the PIN by their sources; the PEM left out here):"
run jq 'del(.certificates_pem)' "$demo/state/www.acme.test.json"
echo "-- renew, as the timer runs it twice a day: a fresh certificate is not due..."
run p11cert renew --state-dir "$demo/state"
echo "-- ...and --force renews it now: the new certificate replaces the old one on the token, the hook runs once:"
run p11cert renew --state-dir "$demo/state" --force \
    --deploy-hook 'echo "deploy hook: reload the servers of $P11CERT_RENEWED_DOMAINS"'
stop_acme
trap - EXIT
echo "pebble and knotd stopped."

step "Done: chain.crt, fullchain.crt and developers.crt are ready to upload (and www.crt with www-chain.crt from ACME), the key never left the token, and the DNS records are live on the zone's server. Files: $demo"
