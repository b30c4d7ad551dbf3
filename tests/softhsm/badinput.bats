#!/usr/bin/env bats
# Bad input, one row a case: every command given what it cannot use. Each
# case asserts (bad_case): the exit status (1, or 2 for usage), one to three
# lines on stderr, the first saying "p11cert: COMMAND: what failed", no
# crash (status below 128, no sanitizer report), nothing on stdout, no
# output file (not even a hidden temporary one) and the token's object count
# unchanged (pkcs11-tool counts). The input files are made in setup_file.

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

# bad_case STATUS CMD ARGS...: runs p11cert CMD ARGS with stdin not a
# terminal and checks everything the header promises.
bad_case() {
    local want=$1 before after errors
    shift
    before=$(token_object_count)
    run --separate-stderr p11cert "$@" </dev/null
    printf 'status %s\nstderr:\n%s\nstdout:\n%s\n' "$status" "$stderr" "$output"
    [ "$status" -lt 128 ]
    [[ $stderr != *Sanitizer* ]] && [[ $stderr != *"runtime error"* ]]
    [ "$status" -eq "$want" ]
    [ -z "$output" ]
    [ "${#stderr_lines[@]}" -ge 1 ] && [ "${#stderr_lines[@]}" -le 3 ]
    [[ ${stderr_lines[0]} == "p11cert: "* ]]
    [[ ${stderr_lines[0]} != *"hint:"* ]]
    [ -z "$(ls -A out)" ]
    after=$(token_object_count)
    [ "$after" -eq "$before" ]
}

pin() {
    printf '%s\n' --pin-source "file:$PIN_FILE"
}

# ---- convert -------------------------------------------------------------
@test "convert: empty file" { bad_case 1 convert "$IN/empty.crt" --out "$OUT"; }
@test "convert: truncated DER" { bad_case 1 convert "$IN/truncated.der" --out "$OUT"; }
@test "convert: random bytes" { bad_case 1 convert "$IN/random.bin" --out "$OUT"; }
@test "convert: zero-filled file" { bad_case 1 convert "$IN/zeros.bin" --out "$OUT"; }
@test "convert: a 20 MB file" { bad_case 1 convert "$IN/big-20mb.pem" --out "$OUT"; }
@test "convert: UTF-16 text" { bad_case 1 convert "$IN/utf16.pem" --out "$OUT"; }
@test "convert: a directory given as a file" { bad_case 1 convert "$IN/a-directory.crt" --out "$OUT"; }
@test "convert: PEM block with bad base64" { bad_case 1 convert "$IN/bad-base64.pem" --out "$OUT"; }
@test "convert: PEM block with no END line" { bad_case 1 convert "$IN/no-end.pem" --out "$OUT"; }
@test "convert: .p7b with no certificates" { bad_case 1 convert "$IN/empty.p7b" --out "$OUT"; }
@test "convert: a private key (PEM) where a certificate belongs" { bad_case 1 convert "$IN/soft.key" --out "$OUT"; }
@test "convert: a private key (DER) where a certificate belongs" { bad_case 1 convert "$IN/soft-key.der" --out "$OUT"; }
@test "convert: a CSR where a certificate belongs" { bad_case 1 convert "$IN/request.csr" --out "$OUT"; }
@test "convert: a file that does not exist" { bad_case 1 convert "$IN/nothing-here.crt" --out "$OUT"; }
@test "convert: PKCS#12 with a wrong password" { bad_case 1 convert "$IN/soft.p12" --password-source "file:$IN/wrong-pass" --out "$OUT"; }
@test "convert: PKCS#12 password file that does not exist" { bad_case 1 convert "$IN/soft.p12" --password-source "file:$IN/no-such-file" --out "$OUT"; }
@test "convert: PKCS#12 with no password source" { bad_case 1 convert "$IN/soft.p12" --out "$OUT"; }
@test "convert: a malformed --password-source (usage)" { bad_case 2 convert "$IN/soft.p12" --password-source right-pass --out "$OUT"; }
@test "convert: no file given (usage)" { bad_case 2 convert --out "$OUT"; }
@test "convert: an unknown option (usage)" { bad_case 2 convert "$IN/good.pem" --frobnicate --out "$OUT"; }
@test "convert: --import-key with a URI that is not a URI (usage)" { bad_case 2 $(pin) convert "$IN/soft.p12" --password-source "file:$IN/wrong-pass" --import-key token=x --label k --out "$OUT"; }

# ---- chain ----------------------------------------------------------------
@test "chain: empty file" { bad_case 1 chain "$IN/empty.crt" --out "$OUT"; }
@test "chain: truncated DER" { bad_case 1 chain "$IN/truncated.der" --out "$OUT"; }
@test "chain: random bytes" { bad_case 1 chain "$IN/random.bin" --out "$OUT"; }
@test "chain: zero-filled file" { bad_case 1 chain "$IN/zeros.bin" --out "$OUT"; }
@test "chain: a 20 MB file" { bad_case 1 chain "$IN/big-20mb.pem" --out "$OUT"; }
@test "chain: UTF-16 text" { bad_case 1 chain "$IN/utf16.pem" --out "$OUT"; }
@test "chain: a directory given as a file" { bad_case 1 chain "$IN/a-directory.crt" --out "$OUT"; }
@test "chain: a private key where a certificate belongs" { bad_case 1 chain "$IN/soft.key" --out "$OUT"; }
@test "chain: .p7b with no certificates" { bad_case 1 chain "$IN/empty.p7b" --out "$OUT"; }
@test "chain: a leaf whose issuer is missing" { bad_case 1 chain "$IN/orphan.pem" --out "$OUT"; }
@test "chain: --trust file that does not exist" { bad_case 1 chain "$IN/orphan.pem" --trust "$IN/nothing-here.pem" --out "$OUT"; }
@test "chain: no file given (usage)" { bad_case 2 chain --out "$OUT"; }

# ---- csr ------------------------------------------------------------------
@test "csr: a 3-letter country (usage)" { bad_case 2 $(pin) csr "$KEY" --subject /C=USA/CN=h.example --out "$OUT"; }
@test "csr: an unknown DN attribute (usage)" { bad_case 2 $(pin) csr "$KEY" --subject /XYZ=1/CN=h.example --out "$OUT"; }
@test "csr: a dangling backslash in the DN (usage)" { bad_case 2 $(pin) csr "$KEY" --subject '/CN=h.example\' --out "$OUT"; }
@test "csr: an empty DN value (usage)" { bad_case 2 $(pin) csr "$KEY" --subject /O=/CN=h.example --out "$OUT"; }
@test "csr: a 3,000-character DN value (usage)" { bad_case 2 $(pin) csr "$KEY" --subject "/O=$LONG_VALUE/CN=h.example" --out "$OUT"; }
@test "csr: an RFC 4514 DN with a bad escape (usage)" { bad_case 2 $(pin) csr "$KEY" --subject 'CN=a\zz,O=x' --out "$OUT"; }
@test "csr: a SAN with an empty label (usage)" { bad_case 2 $(pin) csr "$KEY" --subject /CN=h.example --san DNS:bad..example --out "$OUT"; }
@test "csr: a SAN of an unknown type (usage)" { bad_case 2 $(pin) csr "$KEY" --subject /CN=h.example --san foo:bar --out "$OUT"; }
@test "csr: an IP SAN that is no address (usage)" { bad_case 2 $(pin) csr "$KEY" --subject /CN=h.example --san IP:999.1.1.1 --out "$OUT"; }
@test "csr: an email SAN with no @ (usage)" { bad_case 2 $(pin) csr "$KEY" --subject /CN=h.example --san email:nobody --out "$OUT"; }
@test "csr: an unknown hash (usage)" { bad_case 2 $(pin) csr "$KEY" --subject /CN=h.example --hash md5 --out "$OUT"; }
@test "csr: a URI that matches no key" { bad_case 1 $(pin) csr "pkcs11:token=$TOKEN_LABEL;object=no-such-key" --subject /CN=h.example --out "$OUT"; }
@test "csr: a key argument that is not a URI (usage)" { bad_case 2 $(pin) csr token=x --subject /CN=h.example --out "$OUT"; }
@test "csr: a URI with an unknown attribute (usage)" { bad_case 2 $(pin) csr "pkcs11:token=$TOKEN_LABEL;colour=blue" --subject /CN=h.example --out "$OUT"; }
@test "csr: a token that is absent" { bad_case 1 $(pin) csr "pkcs11:token=absent-token;object=signer" --subject /CN=h.example --out "$OUT"; }
@test "csr: a module path that does not exist" { bad_case 1 $(pin) --module /nonexistent/module.so csr "$KEY" --subject /CN=h.example --out "$OUT"; }
@test "csr: a shared library that is not a PKCS#11 module" { bad_case 1 $(pin) --module "$NOT_A_MODULE" csr "$KEY" --subject /CN=h.example --out "$OUT"; }
@test "csr: a wrong PIN" { bad_case 1 --pin-source "file:$IN/wrong-pin" csr "$KEY" --subject /CN=h.example --out "$OUT"; }
@test "csr: a PIN file that does not exist" { bad_case 1 --pin-source "file:$IN/no-such-pin" csr "$KEY" --subject /CN=h.example --out "$OUT"; }
@test "csr: no PIN source and no terminal" { bad_case 1 csr "$KEY" --subject /CN=h.example --out "$OUT"; }
@test "csr: a malformed --pin-source (usage)" { bad_case 2 --pin-source 123456 csr "$KEY" --subject /CN=h.example --out "$OUT"; }
@test "csr: --pin on the command line is refused (usage)" { bad_case 2 --pin=secret123456 csr "$KEY" --subject /CN=h.example --out "$OUT"; }
@test "csr: an --out in a directory that does not exist" { bad_case 1 $(pin) csr "$KEY" --subject /CN=h.example --out "$BATS_TEST_TMPDIR/no/such/dir/r.csr"; }

# ---- selfsign -------------------------------------------------------------
@test "selfsign: a 3-letter country (usage)" { bad_case 2 $(pin) selfsign "$KEY" --subject /C=DEU/CN=h.example --out "$OUT"; }
@test "selfsign: an unknown DN attribute (usage)" { bad_case 2 $(pin) selfsign "$KEY" --subject 'FOO=bar,CN=h.example' --out "$OUT"; }
@test "selfsign: a bad SAN (usage)" { bad_case 2 $(pin) selfsign "$KEY" --subject /CN=h.example --san 'DNS:*.*.example' --out "$OUT"; }
@test "selfsign: --days 0 (usage)" { bad_case 2 $(pin) selfsign "$KEY" --subject /CN=h.example --days 0 --out "$OUT"; }
@test "selfsign: --days that is not a number (usage)" { bad_case 2 $(pin) selfsign "$KEY" --subject /CN=h.example --days soon --out "$OUT"; }
@test "selfsign: no --subject (usage)" { bad_case 2 $(pin) selfsign "$KEY" --out "$OUT"; }
@test "selfsign: a URI that matches no key" { bad_case 1 $(pin) selfsign "pkcs11:token=$TOKEN_LABEL;id=%ff%ff" --subject /CN=h.example --out "$OUT"; }
@test "selfsign: a token that is absent" { bad_case 1 $(pin) selfsign "pkcs11:token=gone;object=signer" --subject /CN=h.example --out "$OUT"; }
@test "selfsign: a wrong PIN" { bad_case 1 --pin-source "file:$IN/wrong-pin" selfsign "$KEY" --subject /CN=h.example --out "$OUT"; }
@test "selfsign: a PIN from an unset environment variable" { bad_case 1 --pin-source env:P11CERT_NO_SUCH_VAR selfsign "$KEY" --subject /CN=h.example --out "$OUT"; }

# ---- keygen ---------------------------------------------------------------
@test "keygen: a weak key type, rsa:1024 (usage)" { bad_case 2 $(pin) keygen "$TOKEN_URI" --label k1 --type rsa:1024; }
@test "keygen: an unknown key type, dsa:2048 (usage)" { bad_case 2 $(pin) keygen "$TOKEN_URI" --label k2 --type dsa:2048; }
@test "keygen: an unknown curve, ec:p192 (usage)" { bad_case 2 $(pin) keygen "$TOKEN_URI" --label k3 --type ec:p192; }
@test "keygen: a key type that is no type (usage)" { bad_case 2 $(pin) keygen "$TOKEN_URI" --label k4 --type banana; }
@test "keygen: an id that is not hex (usage)" { bad_case 2 $(pin) keygen "$TOKEN_URI" --label k5 --id xyz; }
@test "keygen: no --label (usage)" { bad_case 2 $(pin) keygen "$TOKEN_URI"; }
@test "keygen: a label already in use" { bad_case 1 $(pin) keygen "$TOKEN_URI" --label signer; }
@test "keygen: a token URI that is not a URI (usage)" { bad_case 2 $(pin) keygen badinput --label k6; }
@test "keygen: a token that is absent" { bad_case 1 $(pin) keygen "pkcs11:token=absent-token" --label k7; }
@test "keygen: a module path that does not exist" { bad_case 1 $(pin) --module /nonexistent/module.so keygen "$TOKEN_URI" --label k8; }
@test "keygen: a shared library that is not a PKCS#11 module" { bad_case 1 $(pin) --module "$NOT_A_MODULE" keygen "$TOKEN_URI" --label k9; }
@test "keygen: a wrong PIN" { bad_case 1 --pin-source "file:$IN/wrong-pin" keygen "$TOKEN_URI" --label k10; }
@test "keygen: a PIN file that does not exist" { bad_case 1 --pin-source "file:$IN/no-such-pin" keygen "$TOKEN_URI" --label k11; }
@test "keygen: no PIN source and no terminal" { bad_case 1 keygen "$TOKEN_URI" --label k12; }

# ---- import ---------------------------------------------------------------
@test "import: empty file" { bad_case 1 $(pin) import "$IN/empty.crt" --token "$TOKEN_URI"; }
@test "import: random bytes" { bad_case 1 $(pin) import "$IN/random.bin" --token "$TOKEN_URI"; }
@test "import: a directory given as a file" { bad_case 1 $(pin) import "$IN/a-directory.crt" --token "$TOKEN_URI"; }
@test "import: a private key where a certificate belongs" { bad_case 1 $(pin) import "$IN/soft.key" --token "$TOKEN_URI"; }
@test "import: a certificate whose key is not on the token" { bad_case 1 $(pin) import "$IN/nokey.pem" --token "$TOKEN_URI"; }
@test "import: a token that is absent" { bad_case 1 $(pin) import "$IN/good.pem" --token "pkcs11:token=absent-token"; }
@test "import: a wrong PIN" { bad_case 1 --pin-source "file:$IN/wrong-pin" import "$IN/good.pem" --token "$TOKEN_URI"; }
@test "import: neither --token nor --key (usage)" { bad_case 2 $(pin) import "$IN/good.pem"; }

# ---- check ----------------------------------------------------------------
@test "check: empty certificate file" { bad_case 1 check --cert "$IN/empty.crt"; }
@test "check: random bytes as the certificate" { bad_case 1 check --cert "$IN/random.bin"; }
@test "check: a directory as the certificate" { bad_case 1 check --cert "$IN/a-directory.crt"; }
@test "check: a certificate file that does not exist" { bad_case 1 check --cert "$IN/nothing-here.crt"; }
@test "check: a truncated chain file" { bad_case 1 check --cert "$IN/good.pem" --chain "$IN/truncated.der"; }
@test "check: a key URI that matches nothing" { bad_case 1 $(pin) check --cert "$IN/good.pem" --key "pkcs11:token=$TOKEN_LABEL;object=no-such-key"; }
@test "check: no --cert (usage)" { bad_case 2 check --domain good.example; }

# ---- dns ------------------------------------------------------------------
@test "dns records: a domain with an empty label (usage)" { bad_case 2 dns records --domain bad..example --target gw.example.net --out "$OUT"; }
@test "dns records: no --target or --region (usage)" { bad_case 2 dns records --domain www.example.com --out "$OUT"; }
@test "dns records: an unknown region (usage)" { bad_case 2 dns records --domain www.example.com --region mars-north --out "$OUT"; }
@test "dns records: an endpoints file that does not exist" { bad_case 1 dns records --domain www.example.com --region us-east --endpoints "$IN/nothing-here" --out "$OUT"; }
@test "dns records: an endpoints file with a malformed line" { bad_case 1 dns records --domain www.example.com --region us-east --endpoints "$IN/bad-endpoints" --out "$OUT"; }
@test "dns records: an endpoints file with a bad host" { bad_case 1 dns records --domain www.example.com --region us-east --endpoints "$IN/bad-host-endpoints" --out "$OUT"; }
@test "dns records: random bytes as the endpoints file" { bad_case 1 dns records --domain www.example.com --region us-east --endpoints "$IN/random.bin" --out "$OUT"; }
@test "dns records: a directory as the endpoints file" { bad_case 1 dns records --domain www.example.com --region us-east --endpoints "$IN/a-directory.crt" --out "$OUT"; }
@test "dns records: --ttl that is not a number (usage)" { bad_case 2 dns records --domain www.example.com --target gw.example.net --ttl forever --out "$OUT"; }
@test "dns records: --cert with random bytes" { bad_case 1 dns records --domain www.example.com --target gw.example.net --cert "$IN/random.bin" --out "$OUT"; }
@test "dns records: a CNAME at the zone apex (usage)" { bad_case 2 dns records --domain example.com --target gw.example.net --origin example.com --out "$OUT"; }
@test "dns check: a server that is not an address (usage)" { bad_case 2 dns check --domain www.example.com --target gw.example.net --server not-an-address; }
@test "dns: an unknown subcommand (usage)" { bad_case 2 dns frobnicate --domain www.example.com; }
