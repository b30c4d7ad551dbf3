#!/usr/bin/env bash
# A throwaway test CA and the replies a commercial CA sends, made with
# openssl and GnuTLS certtool (files p11cert did not write). Test data only:
# the keys are software keys in DIR and the PKCS#12 password is in a file.
#
#   scripts/test-ca.sh DIR                      make the CA in DIR, fresh
#   scripts/test-ca.sh DIR sign CSR OUT_PREFIX  issue a leaf for CSR (making the
#                                               CA first if DIR has none) and
#                                               write the vendor replies
#   scripts/test-ca.sh DIR leaf OUT URL [CA]    issue OUT.crt, a leaf of CA (default
#                                               int2) whose caIssuers URL is URL
#
# With TEST_CA_AIA=BASE_URL (http://127.0.0.1:PORT), every certificate a CA
# issues carries an Authority Information Access caIssuers URL BASE_URL/CA.cer
# (int2's leaves name BASE_URL/int2.cer, int2 names BASE_URL/int1.cer, ...),
# and DIR/aia/ holds what a server there would publish, for every CA:
# CA.cer (DER), CA.pem (PEM), CA.p7c (PKCS#7 certs-only, DER).
#
# DIR holds, as PEM unless said otherwise:
#   root.crt  int1.crt  int2.crt  leaf.crt leaf.key    root -> int1 -> int2 -> leaf
#       (CAs: basicConstraints CA:TRUE, SKI/AKI; leaf: serverAuth, SANs
#        developers.example.com and gateway.example.com)
#   int2-expired.crt     int2's subject and key, issued by int1, expired in 2021
#   newroot.crt          a second self-signed root "R2"
#   newroot-cross.crt    R2's subject and key, cross-signed by root (old signs new)
#   newroot-expired.crt  R2 self-signed, expired
#   xint.crt xleaf.crt   an intermediate under R2 and a leaf under it
#   pfx-password         the password of every PKCS#12 file here
#   leaf.* / OUT_PREFIX.* the replies (see replies() below):
#     .crt (PEM leaf)  .cer (DER leaf)  -int2.crt -int1.crt -root.crt
#     .p7b (PKCS#7 DER, crl2pkcs7 -nocrl)  -pem.p7b (PKCS#7 PEM)
#     -certtool.p7b (certtool --p7-generate, PEM)  -certtool-der.p7b
#     -bundle.pem (the CA certificates, shuffled)
#     .p12 (pkcs12 -export, AES)  -legacy.p12 (pkcs12 -export -legacy: RC2-40/3DES)
#     -nopass.p12 (empty password)  -certtool.p12 (certtool --to-p12)
#     for `sign`: the PKCS#12 files hold the certificates only (the key is on the token)
#   loop-leaf.crt loop-a.crt loop-b.crt  Loop A and Loop B issued each other
#   empty.p7b            a PKCS#7 with no certificates (DER)
set -euo pipefail

usage() {
    echo "usage: $0 DIR | $0 DIR sign CSR OUT_PREFIX | $0 DIR leaf OUT URL [CA]" >&2
    exit 2
}

[ "$#" -ge 1 ] || usage
DIR=$1
shift

PASSWORD="test-ca-pfx-password"

# One openssl config for every CA; the CA's directory comes from $CA_DIR.
write_config() {
    cat >"$DIR/ca.cnf" <<'EOF'
[ ca ]
default_ca = test_ca

[ test_ca ]
dir             = $ENV::CA_DIR
database        = $dir/index.txt
new_certs_dir   = $dir/new
certificate     = $dir/ca.crt
private_key     = $dir/ca.key
serial          = $dir/serial
default_md      = sha256
policy          = policy_any
unique_subject  = no
copy_extensions = copy
email_in_dn     = no

[ policy_any ]
commonName          = supplied
organizationName    = optional
countryName         = optional

[ req ]
distinguished_name = req_dn
prompt             = no

[ req_dn ]
CN = unused

[ v3_root ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash

[ v3_ca ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ v3_leaf ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
EOF
}

# new_ca NAME: a CA directory with a key.
new_ca() {
    local d=$DIR/$1
    mkdir -p "$d/new"
    : >"$d/index.txt"
    openssl rand -hex 16 >"$d/serial"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$d/ca.key" 2>/dev/null
}

# csr KEY SUBJECT OUT [extra req args]
csr() {
    local key=$1 subject=$2 out=$3
    shift 3
    CA_DIR=$DIR openssl req -new -config "$DIR/ca.cnf" -key "$key" -subj "$subject" -out "$out" "$@"
}

# issue ISSUER CSR OUT EXTENSIONS DATES...: the issuer CA signs CSR. The
# caIssuers URL is $AIA_URL when set, else $TEST_CA_AIA/ISSUER.cer when that
# is set, else there is none.
issue() {
    local issuer=$1 in=$2 out=$3 ext=$4 url ret=0
    shift 4
    url=${AIA_URL:-}
    if [ -z "$url" ] && [ -n "${TEST_CA_AIA:-}" ]; then
        url=$TEST_CA_AIA/$issuer.cer
    fi
    if [ -z "$url" ]; then
        CA_DIR=$DIR/$issuer openssl ca -batch -notext -preserveDN -config "$DIR/ca.cnf" \
            -extensions "$ext" -in "$in" -out "$out" "$@" 2>/dev/null
        return
    fi
    # The section's extensions and the URL, as an extension file of its own.
    {
        echo "[ with_aia ]"
        sed -n "/^\[ $ext \]/,/^\[/p" "$DIR/ca.cnf" | grep -v '^\['
        echo "authorityInfoAccess = caIssuers;URI:$url"
    } >"$DIR/aia-ext.cnf"
    CA_DIR=$DIR/$issuer openssl ca -batch -notext -preserveDN -config "$DIR/ca.cnf" \
        -extfile "$DIR/aia-ext.cnf" -extensions with_aia -in "$in" -out "$out" "$@" \
        2>/dev/null || ret=$?
    rm -f "$DIR/aia-ext.cnf"
    return "$ret"
}

# publish: every CA's certificate under DIR/aia/, as DER, PEM and PKCS#7.
publish() {
    local d name
    mkdir -p "$DIR/aia"
    for d in "$DIR"/*/ca.crt; do
        name=$(basename "$(dirname "$d")")
        openssl x509 -in "$d" -outform DER -out "$DIR/aia/$name.cer"
        openssl x509 -in "$d" -out "$DIR/aia/$name.pem"
        openssl crl2pkcs7 -nocrl -certfile "$d" -outform DER -out "$DIR/aia/$name.p7c"
    done
}

# selfsign NAME SUBJECT OUT DATES...: a self-signed root certificate of CA NAME.
selfsign() {
    local name=$1 subject=$2 out=$3
    shift 3
    csr "$DIR/$name/ca.key" "$subject" "$DIR/$name/ca.csr"
    CA_DIR=$DIR/$name openssl ca -batch -notext -preserveDN -selfsign -config "$DIR/ca.cnf" \
        -keyfile "$DIR/$name/ca.key" -extensions v3_root -in "$DIR/$name/ca.csr" \
        -out "$out" "$@" 2>/dev/null
}

# intermediate NAME ISSUER SUBJECT: a CA certified by ISSUER.
intermediate() {
    local name=$1 issuer=$2 subject=$3
    new_ca "$name"
    csr "$DIR/$name/ca.key" "$subject" "$DIR/$name/ca.csr"
    issue "$issuer" "$DIR/$name/ca.csr" "$DIR/$name/ca.crt" v3_ca -days 3650
    cp "$DIR/$name/ca.crt" "$DIR/$name.crt"
}

# replies PREFIX LEAF_CRT [KEY]: what CAs send back, in every format.
replies() {
    local prefix=$1 leaf=$2 key=${3:-} tmp
    tmp=$(mktemp -d)
    [ "$leaf" = "$prefix.crt" ] || cp "$leaf" "$prefix.crt"
    openssl x509 -in "$prefix.crt" -outform DER -out "$prefix.cer"
    cp "$DIR/int2.crt" "$prefix-int2.crt"
    cp "$DIR/int1.crt" "$prefix-int1.crt"
    cp "$DIR/root.crt" "$prefix-root.crt"
    cat "$DIR/int1.crt" "$DIR/root.crt" "$DIR/int2.crt" >"$prefix-bundle.pem"
    cat "$prefix.crt" "$DIR/int2.crt" "$DIR/int1.crt" "$DIR/root.crt" >"$tmp/all.pem"
    cat "$DIR/int2.crt" "$DIR/int1.crt" "$DIR/root.crt" >"$tmp/cas.pem"

    openssl crl2pkcs7 -nocrl -certfile "$prefix.crt" -certfile "$DIR/int2.crt" \
        -certfile "$DIR/int1.crt" -certfile "$DIR/root.crt" -outform DER -out "$prefix.p7b"
    openssl crl2pkcs7 -nocrl -certfile "$prefix.crt" -certfile "$DIR/int2.crt" \
        -certfile "$DIR/int1.crt" -certfile "$DIR/root.crt" -outform PEM -out "$prefix-pem.p7b"
    certtool --p7-generate --load-certificate "$tmp/all.pem" --outfile "$prefix-certtool.p7b" \
        2>/dev/null
    certtool --p7-generate --load-certificate "$tmp/all.pem" --outder \
        --outfile "$prefix-certtool-der.p7b" 2>/dev/null

    if [ -n "$key" ]; then
        openssl pkcs12 -export -inkey "$key" -in "$prefix.crt" -certfile "$tmp/cas.pem" \
            -name leaf -passout "file:$DIR/pfx-password" -out "$prefix.p12"
        openssl pkcs12 -export -legacy -inkey "$key" -in "$prefix.crt" -certfile "$tmp/cas.pem" \
            -name leaf -passout "file:$DIR/pfx-password" -out "$prefix-legacy.p12"
        openssl pkcs12 -export -inkey "$key" -in "$prefix.crt" -certfile "$tmp/cas.pem" \
            -name leaf -passout pass: -out "$prefix-nopass.p12"
        certtool --to-p12 --load-privkey "$key" --load-certificate "$tmp/all.pem" \
            --p12-name leaf --password "$(cat "$DIR/pfx-password")" --outder \
            --outfile "$prefix-certtool.p12" 2>/dev/null
    else
        openssl pkcs12 -export -nokeys -in "$tmp/all.pem" -passout "file:$DIR/pfx-password" \
            -out "$prefix.p12"
        openssl pkcs12 -export -nokeys -legacy -in "$tmp/all.pem" \
            -passout "file:$DIR/pfx-password" -out "$prefix-legacy.p12"
        openssl pkcs12 -export -nokeys -in "$tmp/all.pem" -passout pass: -out "$prefix-nopass.p12"
    fi
    rm -rf "$tmp"
}

make_ca() {
    rm -rf "$DIR"
    mkdir -p "$DIR"
    DIR=$(cd "$DIR" && pwd)
    write_config
    printf '%s\n' "$PASSWORD" >"$DIR/pfx-password"
    chmod 600 "$DIR/pfx-password"

    new_ca root
    selfsign root "/O=p11cert test/CN=p11cert Test Root CA" "$DIR/root/ca.crt" -days 7300
    cp "$DIR/root/ca.crt" "$DIR/root.crt"
    intermediate int1 root "/O=p11cert test/CN=p11cert Test Intermediate 1"
    intermediate int2 int1 "/O=p11cert test/CN=p11cert Test Intermediate 2"

    # int2 again (same subject and key), but expired.
    issue int1 "$DIR/int2/ca.csr" "$DIR/int2-expired.crt" v3_ca \
        -startdate 20200101000000Z -enddate 20210101000000Z

    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$DIR/leaf.key" 2>/dev/null
    csr "$DIR/leaf.key" "/O=p11cert test/CN=developers.example.com" "$DIR/leaf.csr" \
        -addext "subjectAltName=DNS:developers.example.com,DNS:gateway.example.com"
    issue int2 "$DIR/leaf.csr" "$DIR/leaf.crt" v3_leaf -days 365

    # Old root signs new root: R2 self-signed, R2 cross-signed by root, and
    # R2 self-signed but expired.
    new_ca newroot
    selfsign newroot "/O=p11cert test/CN=p11cert Test Root R2" "$DIR/newroot/ca.crt" -days 7300
    cp "$DIR/newroot/ca.crt" "$DIR/newroot.crt"
    issue root "$DIR/newroot/ca.csr" "$DIR/newroot-cross.crt" v3_ca -days 3650
    selfsign newroot "/O=p11cert test/CN=p11cert Test Root R2" "$DIR/newroot-expired.crt" \
        -startdate 20150101000000Z -enddate 20200101000000Z
    intermediate xint newroot "/O=p11cert test/CN=p11cert Test Intermediate R2"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$DIR/xleaf.key" \
        2>/dev/null
    csr "$DIR/xleaf.key" "/O=p11cert test/CN=gateway.example.com" "$DIR/xleaf.csr" \
        -addext "subjectAltName=DNS:gateway.example.com"
    issue xint "$DIR/xleaf.csr" "$DIR/xleaf.crt" v3_leaf -days 365

    # A loop: Loop A is issued by Loop B and Loop B by Loop A (neither is
    # self-signed); loop-leaf is issued by Loop A.
    new_ca loopa
    selfsign loopa "/O=p11cert test/CN=p11cert Test Loop A" "$DIR/loopa/ca.crt" -days 3650
    intermediate loopb loopa "/O=p11cert test/CN=p11cert Test Loop B"
    mv "$DIR/loopb.crt" "$DIR/loop-b.crt"
    issue loopb "$DIR/loopa/ca.csr" "$DIR/loop-a.crt" v3_ca -days 3650
    csr "$DIR/xleaf.key" "/O=p11cert test/CN=loop.example.com" "$DIR/loop-leaf.csr"
    issue loopa "$DIR/loop-leaf.csr" "$DIR/loop-leaf.crt" v3_leaf -days 365

    openssl crl2pkcs7 -nocrl -outform DER -out "$DIR/empty.p7b"

    replies "$DIR/leaf" "$DIR/leaf.crt" "$DIR/leaf.key"
    if [ -n "${TEST_CA_AIA:-}" ]; then
        publish
    fi
}

if [ "$#" -eq 0 ]; then
    make_ca
    exit 0
fi
if [ "$1" = leaf ]; then
    [ "$#" -ge 3 ] && [ "$#" -le 4 ] || usage
    [ -e "$DIR/ca.cnf" ] || make_ca
    DIR=$(cd "$DIR" && pwd)
    out=$2
    name=$(basename "$out")
    csr "$DIR/leaf.key" "/O=p11cert test/CN=$name.example.com" "$out.csr" \
        -addext "subjectAltName=DNS:$name.example.com"
    AIA_URL=$3 issue "${4:-int2}" "$out.csr" "$out.crt" v3_leaf -days 365
    rm -f "$out.csr"
    exit 0
fi
[ "$#" -eq 3 ] && [ "$1" = sign ] || usage
CSR=$2
PREFIX=$3
[ -r "$CSR" ] || {
    echo "$0: cannot read CSR $CSR" >&2
    exit 1
}
if [ ! -e "$DIR/ca.cnf" ]; then
    make_ca
fi
DIR=$(cd "$DIR" && pwd)
issue int2 "$CSR" "$PREFIX.crt" v3_leaf -days 365
replies "$PREFIX" "$PREFIX.crt"
