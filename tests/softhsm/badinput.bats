#!/usr/bin/env bats
# Bad input, one row a case: every command given what it cannot use. Each
# case asserts (bad_case): the exit status (1, or 2 for usage), one to three
# lines on stderr, the first saying "p11cert: COMMAND: what failed" and naming
# the case's own reason (a substring of the message), no crash (status below
# 128, no sanitizer report), nothing on stdout, no output file (not even a
# hidden temporary one) and the token's object count unchanged (pkcs11-tool
# counts). The input files are made in setup_file.

load helpers

bats_require_minimum_version 1.5.0

setup_file() {
    setup_token badinput
    p11cert_pin -q keygen "$TOKEN_URI" --label signer --type ec:p256 >/dev/null
    export KEY="pkcs11:token=$TOKEN_LABEL;object=signer"
    export IN=$BATS_FILE_TMPDIR/in
    mkdir -p "$IN/a-directory.crt"
    cd "$IN" || return 1
    # A certificate of the token's key, and one whose key is nowhere.
    p11cert_pin -q selfsign "$KEY" --subject /CN=good.example --out good.pem
    openssl x509 -in good.pem -outform DER -out good.der
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout soft.key \
        -subj /CN=soft.example -days 30 -out nokey.pem 2>/dev/null
    openssl pkey -in soft.key -outform DER -out soft-key.der
    openssl req -new -key soft.key -subj /CN=req.example -out request.csr
    # A leaf whose issuer is not given.
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
        -subj /CN=Missing-CA -days 30 -out ca.pem 2>/dev/null
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout leaf.key \
        -subj /CN=orphan.example -out leaf.csr 2>/dev/null
    openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
        -out orphan.pem 2>/dev/null
    : >empty.crt
    head -c 200 good.der >truncated.der
    # Pseudo-random bytes, the same on every run.
    openssl enc -aes-128-ctr -K 000102030405060708090a0b0c0d0e0f -iv 0 -in /dev/zero 2>/dev/null |
        head -c 4096 >random.bin
    head -c 4096 /dev/zero >zeros.bin
    head -c $((20 * 1024 * 1024)) /dev/zero | tr '\0' 'A' >big-20mb.pem
    iconv -f UTF-8 -t UTF-16 good.pem >utf16.pem
    sed '2s/^..../!!!!/' good.pem >bad-base64.pem
    grep -v -- '-----END' good.pem >no-end.pem
    openssl crl2pkcs7 -nocrl -out empty.p7b -outform DER 2>/dev/null ||
        openssl crl2pkcs7 -nocrl -certfile /dev/null -out empty.p7b -outform DER
    openssl pkcs12 -export -in nokey.pem -inkey soft.key -passout pass:right-pass -out soft.p12
    printf 'wrong-pass\n' >wrong-pass
    printf 'not-the-pin\n' >wrong-pin
    chmod 0600 wrong-pass wrong-pin # secret files: p11cert warns about open ones
    printf 'us-east gateway.us-east.example.net\nthis line has three fields\n' >bad-endpoints
    printf 'us-east bad..host\n' >bad-host-endpoints
    # A shared library that is not a PKCS#11 module.
    NOT_A_MODULE=$(_first_existing /lib/x86_64-linux-gnu/libz.so.1 /usr/lib/x86_64-linux-gnu/libz.so.1)
    export NOT_A_MODULE
    LONG_VALUE=$(head -c 3000 /dev/zero | tr '\0' 'x')
    export LONG_VALUE
}

setup() {
    cd "$BATS_TEST_TMPDIR" || return 1
    mkdir out
    OUT=$BATS_TEST_TMPDIR/out/result
}

# bad_case STATUS REASON CMD ARGS...: runs p11cert CMD ARGS with stdin not a
# terminal and checks everything the header promises; REASON (required, not
# empty) is a substring the first stderr line must contain: the cause, as the
# current binary words it, not just "p11cert: COMMAND:".
bad_case() {
    local want=$1 reason=$2 before after
    if [ "$#" -lt 3 ] || [ -z "$reason" ]; then
        echo "bad_case: usage: bad_case STATUS REASON CMD ARGS..." >&2
        return 1
    fi
    shift 2
    before=$(token_object_count)
    run --separate-stderr p11cert "$@" </dev/null
    printf 'status %s\nstderr:\n%s\nstdout:\n%s\nwanted reason: %s\n' \
        "$status" "$stderr" "$output" "$reason"
    [ "$status" -lt 128 ]
    [[ $stderr != *Sanitizer* ]]
    [[ $stderr != *"runtime error"* ]]
    [ "$status" -eq "$want" ]
    [ -z "$output" ]
    [ "${#stderr_lines[@]}" -ge 1 ]
    [ "${#stderr_lines[@]}" -le 3 ]
    [[ ${stderr_lines[0]} == "p11cert: "* ]]
    [[ ${stderr_lines[0]} != *"hint:"* ]]
    [[ ${stderr_lines[0]} == *"$reason"* ]]
    [ -z "$(ls -A out)" ]
    after=$(token_object_count)
    [ "$after" -eq "$before" ]
}

pin() {
    printf '%s\n' --pin-source "file:$PIN_FILE"
}

# ---- convert -------------------------------------------------------------
@test "convert: empty file" { bad_case 1 'the file is empty' convert "$IN/empty.crt" --out "$OUT"; }
@test "convert: truncated DER" { bad_case 1 'truncated DER: the outer structure says' convert "$IN/truncated.der" --out "$OUT"; }
@test "convert: random bytes" { bad_case 1 'not a certificate: neither PEM nor DER' convert "$IN/random.bin" --out "$OUT"; }
@test "convert: zero-filled file" { bad_case 1 'not a certificate: neither PEM nor DER' convert "$IN/zeros.bin" --out "$OUT"; }
@test "convert: a 20 MB file" { bad_case 1 'larger than 16 MiB' convert "$IN/big-20mb.pem" --out "$OUT"; }
@test "convert: UTF-16 text" { bad_case 1 'it is UTF-16 text' convert "$IN/utf16.pem" --out "$OUT"; }
@test "convert: a directory given as a file" { bad_case 1 'it is a directory' convert "$IN/a-directory.crt" --out "$OUT"; }
@test "convert: PEM block with bad base64" { bad_case 1 'no readable PEM block: bad base64 decode' convert "$IN/bad-base64.pem" --out "$OUT"; }
@test "convert: PEM block with no END line" { bad_case 1 'no readable PEM block: bad end line' convert "$IN/no-end.pem" --out "$OUT"; }
@test "convert: .p7b with no certificates" { bad_case 1 'the PKCS#7 file holds no certificates' convert "$IN/empty.p7b" --out "$OUT"; }
@test "convert: a private key (PEM) where a certificate belongs" { bad_case 1 'it holds a private key, not a certificate' convert "$IN/soft.key" --out "$OUT"; }
@test "convert: a private key (DER) where a certificate belongs" { bad_case 1 'it holds a private key, not a certificate' convert "$IN/soft-key.der" --out "$OUT"; }
@test "convert: a CSR where a certificate belongs" { bad_case 1 'it holds a certificate request (CSR), not a certificate' convert "$IN/request.csr" --out "$OUT"; }
@test "convert: a file that does not exist" { bad_case 1 'nothing-here.crt": No such file or directory' convert "$IN/nothing-here.crt" --out "$OUT"; }
@test "convert: PKCS#12 with a wrong password" { bad_case 1 'wrong password (the PKCS#12 integrity check fails)' convert "$IN/soft.p12" --password-source "file:$IN/wrong-pass" --out "$OUT"; }
@test "convert: PKCS#12 password file that does not exist" { bad_case 1 'no-such-file": No such file or directory' convert "$IN/soft.p12" --password-source "file:$IN/no-such-file" --out "$OUT"; }
@test "convert: PKCS#12 with no password source" { bad_case 1 'the PKCS#12 file needs a password' convert "$IN/soft.p12" --out "$OUT"; }
@test "convert: a malformed --password-source (usage)" { bad_case 2 'bad --password-source: not a source' convert "$IN/soft.p12" --password-source right-pass --out "$OUT"; }
@test "convert: no file given (usage)" { bad_case 2 'missing argument' convert --out "$OUT"; }
@test "convert: an unknown option (usage)" { bad_case 2 'unknown or ambiguous option "--frobnicate"' convert "$IN/good.pem" --frobnicate --out "$OUT"; }
@test "convert: --import-key with a URI that is not a URI (usage)" { bad_case 2 'bad token URI "token=x"' $(pin) convert "$IN/soft.p12" --password-source "file:$IN/wrong-pass" --import-key token=x --label k --out "$OUT"; }

# ---- chain ----------------------------------------------------------------
@test "chain: empty file" { bad_case 1 'the file is empty' chain "$IN/empty.crt" --out "$OUT"; }
@test "chain: truncated DER" { bad_case 1 'truncated DER: the outer structure says' chain "$IN/truncated.der" --out "$OUT"; }
@test "chain: random bytes" { bad_case 1 'not a certificate: neither PEM nor DER' chain "$IN/random.bin" --out "$OUT"; }
@test "chain: zero-filled file" { bad_case 1 'not a certificate: neither PEM nor DER' chain "$IN/zeros.bin" --out "$OUT"; }
@test "chain: a 20 MB file" { bad_case 1 'larger than 16 MiB' chain "$IN/big-20mb.pem" --out "$OUT"; }
@test "chain: UTF-16 text" { bad_case 1 'it is UTF-16 text' chain "$IN/utf16.pem" --out "$OUT"; }
@test "chain: a directory given as a file" { bad_case 1 'it is a directory' chain "$IN/a-directory.crt" --out "$OUT"; }
@test "chain: a private key where a certificate belongs" { bad_case 1 'it holds a private key, not a certificate' chain "$IN/soft.key" --out "$OUT"; }
@test "chain: .p7b with no certificates" { bad_case 1 'the PKCS#7 file holds no certificates' chain "$IN/empty.p7b" --out "$OUT"; }
@test "chain: a leaf whose issuer is missing" { bad_case 1 'no issuer found for "CN=orphan.example"' chain "$IN/orphan.pem" --out "$OUT"; }
@test "chain: --trust file that does not exist" { bad_case 1 'nothing-here.pem": No such file or directory' chain "$IN/orphan.pem" --trust "$IN/nothing-here.pem" --out "$OUT"; }
@test "chain: no file given (usage)" { bad_case 2 'missing argument' chain --out "$OUT"; }

# ---- csr ------------------------------------------------------------------
@test "csr: a 3-letter country (usage)" { bad_case 2 'bad --subject: C: "USA" must be 2 characters' $(pin) csr "$KEY" --subject /C=USA/CN=h.example --out "$OUT"; }
@test "csr: an unknown DN attribute (usage)" { bad_case 2 'bad --subject: unknown attribute "XYZ"' $(pin) csr "$KEY" --subject /XYZ=1/CN=h.example --out "$OUT"; }
@test "csr: a dangling backslash in the DN (usage)" { bad_case 2 "bad --subject: CN: dangling '\\' at the end" $(pin) csr "$KEY" --subject '/CN=h.example\' --out "$OUT"; }
@test "csr: an empty DN value (usage)" { bad_case 2 'bad --subject: O: empty value' $(pin) csr "$KEY" --subject /O=/CN=h.example --out "$OUT"; }
@test "csr: a 3,000-character DN value (usage)" { bad_case 2 'is longer than 64 characters' $(pin) csr "$KEY" --subject "/O=$LONG_VALUE/CN=h.example" --out "$OUT"; }
@test "csr: an RFC 4514 DN with a bad escape (usage)" { bad_case 2 'bad --subject: CN: bad escape "\z"' $(pin) csr "$KEY" --subject 'CN=a\zz,O=x' --out "$OUT"; }
@test "csr: a SAN with an empty label (usage)" { bad_case 2 'bad SAN "DNS:bad..example": empty label' $(pin) csr "$KEY" --subject /CN=h.example --san DNS:bad..example --out "$OUT"; }
@test "csr: a SAN of an unknown type (usage)" { bad_case 2 'bad SAN "foo:bar": unknown type "foo"' $(pin) csr "$KEY" --subject /CN=h.example --san foo:bar --out "$OUT"; }
@test "csr: an IP SAN that is no address (usage)" { bad_case 2 'bad SAN "IP:999.1.1.1": not an IPv4 or IPv6 address' $(pin) csr "$KEY" --subject /CN=h.example --san IP:999.1.1.1 --out "$OUT"; }
@test "csr: an email SAN with no @ (usage)" { bad_case 2 "bad SAN \"email:nobody\": expected one '@'" $(pin) csr "$KEY" --subject /CN=h.example --san email:nobody --out "$OUT"; }
@test "csr: an unknown hash (usage)" { bad_case 2 'bad --hash "md5"' $(pin) csr "$KEY" --subject /CN=h.example --hash md5 --out "$OUT"; }
@test "csr: a URI that matches no key" { bad_case 1 "no key matches \"pkcs11:token=$TOKEN_LABEL;object=no-such-key\"" $(pin) csr "pkcs11:token=$TOKEN_LABEL;object=no-such-key" --subject /CN=h.example --out "$OUT"; }
@test "csr: a key argument that is not a URI (usage)" { bad_case 2 'bad key URI "token=x": URI scheme must be' $(pin) csr token=x --subject /CN=h.example --out "$OUT"; }
@test "csr: a URI with an unknown attribute (usage)" { bad_case 2 'it has an attribute RFC 7512 does not define' $(pin) csr "pkcs11:token=$TOKEN_LABEL;colour=blue" --subject /CN=h.example --out "$OUT"; }
@test "csr: a token that is absent" { bad_case 1 'no initialized token matches "pkcs11:token=absent-token"' $(pin) csr "pkcs11:token=absent-token;object=signer" --subject /CN=h.example --out "$OUT"; }
@test "csr: a module path that does not exist" { bad_case 1 'cannot load PKCS#11 module "/nonexistent/module.so": no such file' $(pin) --module /nonexistent/module.so csr "$KEY" --subject /CN=h.example --out "$OUT"; }
@test "csr: a shared library that is not a PKCS#11 module" { bad_case 1 'not a PKCS#11 module (it has no C_GetFunctionList)' $(pin) --module "$NOT_A_MODULE" csr "$KEY" --subject /CN=h.example --out "$OUT"; }
@test "csr: a wrong PIN" { bad_case 1 'failed: CKR_PIN_INCORRECT' --pin-source "file:$IN/wrong-pin" csr "$KEY" --subject /CN=h.example --out "$OUT"; }
@test "csr: a PIN file that does not exist" { bad_case 1 'no-such-pin": No such file or directory' --pin-source "file:$IN/no-such-pin" csr "$KEY" --subject /CN=h.example --out "$OUT"; }
@test "csr: no PIN source and no terminal" { bad_case 1 'needs the user PIN and there is no terminal' csr "$KEY" --subject /CN=h.example --out "$OUT"; }
@test "csr: a malformed --pin-source (usage)" { bad_case 2 'bad --pin-source: not a source' --pin-source 123456 csr "$KEY" --subject /CN=h.example --out "$OUT"; }
@test "csr: --pin on the command line is refused (usage)" { bad_case 2 'there is no --pin option' --pin=secret123456 csr "$KEY" --subject /CN=h.example --out "$OUT"; }
@test "csr: an --out in a directory that does not exist" { bad_case 1 '/no/such/dir" does not exist' $(pin) csr "$KEY" --subject /CN=h.example --out "$BATS_TEST_TMPDIR/no/such/dir/r.csr"; }

# ---- selfsign -------------------------------------------------------------
@test "selfsign: a 3-letter country (usage)" { bad_case 2 'bad --subject: C: "DEU" must be 2 characters' $(pin) selfsign "$KEY" --subject /C=DEU/CN=h.example --out "$OUT"; }
@test "selfsign: an unknown DN attribute (usage)" { bad_case 2 'bad --subject: unknown attribute "FOO"' $(pin) selfsign "$KEY" --subject 'FOO=bar,CN=h.example' --out "$OUT"; }
@test "selfsign: a bad SAN (usage)" { bad_case 2 "bad SAN \"DNS:*.*.example\": '*' is only allowed as the whole leftmost label" $(pin) selfsign "$KEY" --subject /CN=h.example --san 'DNS:*.*.example' --out "$OUT"; }
@test "selfsign: --days 0 (usage)" { bad_case 2 '--days wants a whole number from 1 to 3650, not "0"' $(pin) selfsign "$KEY" --subject /CN=h.example --days 0 --out "$OUT"; }
@test "selfsign: --days that is not a number (usage)" { bad_case 2 '--days wants a whole number from 1 to 3650, not "soon"' $(pin) selfsign "$KEY" --subject /CN=h.example --days soon --out "$OUT"; }
@test "selfsign: no --subject (usage)" { bad_case 2 '--subject is required' $(pin) selfsign "$KEY" --out "$OUT"; }
@test "selfsign: a URI that matches no key" { bad_case 1 "no key matches \"pkcs11:token=$TOKEN_LABEL;id=%FF%FF\"" $(pin) selfsign "pkcs11:token=$TOKEN_LABEL;id=%ff%ff" --subject /CN=h.example --out "$OUT"; }
@test "selfsign: a token that is absent" { bad_case 1 'no initialized token matches "pkcs11:token=gone"' $(pin) selfsign "pkcs11:token=gone;object=signer" --subject /CN=h.example --out "$OUT"; }
@test "selfsign: a wrong PIN" { bad_case 1 'failed: CKR_PIN_INCORRECT' --pin-source "file:$IN/wrong-pin" selfsign "$KEY" --subject /CN=h.example --out "$OUT"; }
@test "selfsign: a PIN from an unset environment variable" { bad_case 1 'environment variable "P11CERT_NO_SUCH_VAR" is not set' --pin-source env:P11CERT_NO_SUCH_VAR selfsign "$KEY" --subject /CN=h.example --out "$OUT"; }

# ---- keygen ---------------------------------------------------------------
@test "keygen: a weak key type, rsa:1024 (usage)" { bad_case 2 '--type rsa:1024 is too weak' $(pin) keygen "$TOKEN_URI" --label k1 --type rsa:1024; }
@test "keygen: an unknown key type, dsa:2048 (usage)" { bad_case 2 'unknown --type "dsa:2048"' $(pin) keygen "$TOKEN_URI" --label k2 --type dsa:2048; }
@test "keygen: an unknown curve, ec:p192 (usage)" { bad_case 2 'unknown --type "ec:p192"' $(pin) keygen "$TOKEN_URI" --label k3 --type ec:p192; }
@test "keygen: a key type that is no type (usage)" { bad_case 2 'unknown --type "banana"' $(pin) keygen "$TOKEN_URI" --label k4 --type banana; }
@test "keygen: an id that is not hex (usage)" { bad_case 2 'bad --id "xyz"' $(pin) keygen "$TOKEN_URI" --label k5 --id xyz; }
@test "keygen: no --label (usage)" { bad_case 2 '--label is required' $(pin) keygen "$TOKEN_URI"; }
@test "keygen: a label already in use" { bad_case 1 'label "signer" is already used on this token' $(pin) keygen "$TOKEN_URI" --label signer; }
@test "keygen: a token URI that is not a URI (usage)" { bad_case 2 'bad token URI "badinput": URI scheme must be' $(pin) keygen badinput --label k6; }
@test "keygen: a token that is absent" { bad_case 1 'no initialized token matches "pkcs11:token=absent-token"' $(pin) keygen "pkcs11:token=absent-token" --label k7; }
@test "keygen: a module path that does not exist" { bad_case 1 'cannot load PKCS#11 module "/nonexistent/module.so": no such file' $(pin) --module /nonexistent/module.so keygen "$TOKEN_URI" --label k8; }
@test "keygen: a shared library that is not a PKCS#11 module" { bad_case 1 'not a PKCS#11 module (it has no C_GetFunctionList)' $(pin) --module "$NOT_A_MODULE" keygen "$TOKEN_URI" --label k9; }
@test "keygen: a wrong PIN" { bad_case 1 'failed: CKR_PIN_INCORRECT' --pin-source "file:$IN/wrong-pin" keygen "$TOKEN_URI" --label k10; }
@test "keygen: a PIN file that does not exist" { bad_case 1 'no-such-pin": No such file or directory' --pin-source "file:$IN/no-such-pin" keygen "$TOKEN_URI" --label k11; }
@test "keygen: no PIN source and no terminal" { bad_case 1 'needs the user PIN and there is no terminal' keygen "$TOKEN_URI" --label k12; }

# ---- import ---------------------------------------------------------------
@test "import: empty file" { bad_case 1 'the file is empty' $(pin) import "$IN/empty.crt" --token "$TOKEN_URI"; }
@test "import: random bytes" { bad_case 1 'not a certificate: neither PEM nor DER' $(pin) import "$IN/random.bin" --token "$TOKEN_URI"; }
@test "import: a directory given as a file" { bad_case 1 'it is a directory' $(pin) import "$IN/a-directory.crt" --token "$TOKEN_URI"; }
@test "import: a private key where a certificate belongs" { bad_case 1 'it holds a private key, not a certificate' $(pin) import "$IN/soft.key" --token "$TOKEN_URI"; }
@test "import: a certificate whose key is not on the token" { bad_case 1 "the certificate's key is not on this token" $(pin) import "$IN/nokey.pem" --token "$TOKEN_URI"; }
@test "import: a token that is absent" { bad_case 1 'no initialized token matches "pkcs11:token=absent-token"' $(pin) import "$IN/good.pem" --token "pkcs11:token=absent-token"; }
@test "import: a wrong PIN" { bad_case 1 'failed: CKR_PIN_INCORRECT' --pin-source "file:$IN/wrong-pin" import "$IN/good.pem" --token "$TOKEN_URI"; }
@test "import: neither --token nor --key (usage)" { bad_case 2 'give either --token TOKEN-URI or --key KEY-URI' $(pin) import "$IN/good.pem"; }

# ---- check ----------------------------------------------------------------
@test "check: empty certificate file" { bad_case 1 'the file is empty' check --cert "$IN/empty.crt"; }
@test "check: random bytes as the certificate" { bad_case 1 'not a certificate: neither PEM nor DER' check --cert "$IN/random.bin"; }
@test "check: a directory as the certificate" { bad_case 1 'it is a directory' check --cert "$IN/a-directory.crt"; }
@test "check: a certificate file that does not exist" { bad_case 1 'nothing-here.crt": No such file or directory' check --cert "$IN/nothing-here.crt"; }
@test "check: a truncated chain file" { bad_case 1 'truncated.der": truncated DER' check --cert "$IN/good.pem" --chain "$IN/truncated.der"; }
@test "check: a key URI that matches nothing" { bad_case 1 "no key matches \"pkcs11:token=$TOKEN_LABEL;object=no-such-key\"" $(pin) check --cert "$IN/good.pem" --key "pkcs11:token=$TOKEN_LABEL;object=no-such-key"; }
@test "check: no --cert (usage)" { bad_case 2 '--cert F is required' check --domain good.example; }

# ---- dns ------------------------------------------------------------------
@test "dns records: a domain with an empty label (usage)" { bad_case 2 'bad domain "bad..example": empty label' dns records --domain bad..example --target gw.example.net --out "$OUT"; }
@test "dns records: no --target or --region (usage)" { bad_case 2 'give the endpoint: --target HOST or --region R' dns records --domain www.example.com --out "$OUT"; }
@test "dns records: an unknown region (usage)" { bad_case 2 'unknown region "mars-north"' dns records --domain www.example.com --region mars-north --out "$OUT"; }
@test "dns records: an endpoints file that does not exist" { bad_case 1 'nothing-here": No such file or directory' dns records --domain www.example.com --region us-east --endpoints "$IN/nothing-here" --out "$OUT"; }
@test "dns records: an endpoints file with a malformed line" { bad_case 1 'bad-endpoints:2: expected "REGION HOST", found more than two words' dns records --domain www.example.com --region us-east --endpoints "$IN/bad-endpoints" --out "$OUT"; }
@test "dns records: an endpoints file with a bad host" { bad_case 1 'bad-host-endpoints:1: host "bad..host": empty label' dns records --domain www.example.com --region us-east --endpoints "$IN/bad-host-endpoints" --out "$OUT"; }
@test "dns records: random bytes as the endpoints file" { bad_case 1 'random.bin:1: expected "REGION HOST"' dns records --domain www.example.com --region us-east --endpoints "$IN/random.bin" --out "$OUT"; }
@test "dns records: a directory as the endpoints file" { bad_case 1 'a-directory.crt": it is a directory' dns records --domain www.example.com --region us-east --endpoints "$IN/a-directory.crt" --out "$OUT"; }
@test "dns records: --ttl that is not a number (usage)" { bad_case 2 '--ttl wants a whole number from 1 to 2147483647, not "forever"' dns records --domain www.example.com --target gw.example.net --ttl forever --out "$OUT"; }
@test "dns records: --cert with random bytes" { bad_case 1 'random.bin": not a certificate: neither PEM nor DER' dns records --domain www.example.com --target gw.example.net --cert "$IN/random.bin" --out "$OUT"; }
@test "dns records: a CNAME at the zone apex (usage)" { bad_case 2 'is the apex of the zone example.com: a CNAME there cannot coexist' dns records --domain example.com --target gw.example.net --origin example.com --out "$OUT"; }
@test "dns check: a server that is not an address (usage)" { bad_case 2 'bad --server: "not-an-address" is not an IP address' dns check --domain www.example.com --target gw.example.net --server not-an-address; }
@test "dns: an unknown subcommand (usage)" { bad_case 2 'unknown subcommand "frobnicate"' dns frobnicate --domain www.example.com; }
