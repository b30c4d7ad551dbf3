#!/usr/bin/env bats
# Secrets: the PIN and a PFX password never appear in anything p11cert
# prints (messages, -v detail, JSON, output files), whatever the command,
# the PIN source or the outcome; key files are created 0600 with O_EXCL.
# The token's PIN and the PFX password are distinctive strings, so that a
# match can only be a leak. (A PIN typed where a file's path belongs, as in
# file:PIN, is echoed as the path that does not exist: that message needs the
# path to be of any use.)

load helpers

bats_require_minimum_version 1.5.0

PIN=Pin-7f3a9c
PFX_PASS=Pfx-e1d2c3

setup_file() {
    SOFTHSM_TOKEN_USER_PIN=$PIN setup_token secrets
    [ "$(user_pin)" = "$PIN" ] || return 1
}

setup() {
    cd "$BATS_TEST_TMPDIR" || return 1
    LOG=$BATS_TEST_TMPDIR/everything.log
    : >"$LOG"
}

# Runs p11cert ARGS, appending its stdout and stderr to $LOG (the status
# does not matter here: failures must not leak either).
p() {
    local status=0
    # The command lines hold the secrets (that is the point of some of
    # them): they go elsewhere.
    printf '$ p11cert %s\n' "$*" >>"$LOG.commands"
    printf '$ p11cert ...\n' >>"$LOG"
    p11cert "$@" >>"$LOG" 2>&1 </dev/null || status=$?
    printf '[exit %s]\n' "$status" >>"$LOG"
}

no_secret_in() {
    local f
    for f in "$@"; do
        if grep -aF -e "$PIN" -e "$PFX_PASS" "$f"; then
            echo "a secret appears in $f"
            return 1
        fi
    done
}

@test "no PIN or PFX password in anything p11cert prints, across every command and outcome" {
    local key="pkcs11:token=$TOKEN_LABEL;object=web"
    export HSM_PIN=$PIN PFX_PASSWORD=$PFX_PASS
    printf '%s\n' "$PFX_PASS" >pfx-pass
    chmod 0600 pfx-pass

    # Token commands with every PIN source, text and JSON, with -v.
    p -v tokens
    p --json tokens
    p -v --pin-source "file:$PIN_FILE" keygen "pkcs11:token=$TOKEN_LABEL" --label web --type ec:p256
    p --json --pin-source env:HSM_PIN keygen "pkcs11:token=$TOKEN_LABEL" --label api --type rsa:2048
    p -v --pin-source "file:$PIN_FILE" list "pkcs11:token=$TOKEN_LABEL"
    p --json --pin-source env:HSM_PIN list "pkcs11:token=$TOKEN_LABEL"
    p -v --pin-source env:HSM_PIN csr "$key" --subject /CN=web.example --out r1.csr
    { p -v --pin-source fd:3 csr "$key" --subject /CN=web.example --out r2.csr; } 3<"$PIN_FILE"
    p -v csr "$key?pin-source=$PIN_FILE" --subject /CN=web.example --out r3.csr
    p -v csr "$key?pin-value=$PIN" --subject /CN=web.example --out r4.csr
    p --json csr "$key?pin-value=$PIN" --subject /CN=web.example
    p -v --json --pin-source env:HSM_PIN selfsign "$key" --subject /CN=web.example \
        --san DNS:web.example --out self.pem
    p -v --pin-source env:HSM_PIN import self.pem --token "pkcs11:token=$TOKEN_LABEL"
    p -v --json --pin-source env:HSM_PIN check --cert self.pem --key "$key" --domain web.example --tls

    # Certificate and DNS commands, a PFX with a password, its key put on the token.
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout soft.key \
        -subj /CN=pfx.example -days 30 -out soft.pem 2>/dev/null
    openssl pkcs12 -export -in soft.pem -inkey soft.key -passout "pass:$PFX_PASS" -out soft.p12
    p -v --json convert soft.p12 --password-source env:PFX_PASSWORD --out conv.pem
    p -v --pin-source env:HSM_PIN convert soft.p12 --password-source "file:$PWD/pfx-pass" \
        --import-key "pkcs11:token=$TOKEN_LABEL" --label from-pfx --out conv2.pem
    p -v convert soft.p12 --password-source env:PFX_PASSWORD --key-out soft-out.key
    p -v chain self.pem --out chain.pem
    p -v --json dns records --domain web.example --target gw.example.net --cert self.pem

    # Failures with the secrets at hand.
    p -v csr "$key?pin-value=$PIN" --subject /C=USA/CN=x
    p -v csr "pkcs11:token=$TOKEN_LABEL;object=nothing?pin-value=$PIN" --subject /CN=x
    p -v csr "pkcs11:token=$TOKEN_LABEL;object=web;colour=red?pin-value=$PIN" --subject /CN=x
    p -v csr "pkcs11:token=$TOKEN_LABEL;object=web?pin-value=$PIN&colour=red" --subject /CN=x
    p -v csr "pkcs11:token=absent;object=web?pin-value=$PIN" --subject /CN=x
    p -v keygen "pkcs11:token=$TOKEN_LABEL?pin-value=$PIN" --label web
    p -v --pin-source "$PIN" csr "$key" --subject /CN=x
    p -v --pin-source "env:$PIN" csr "$key" --subject /CN=x
    p -v --pin "$PIN" csr "$key" --subject /CN=x
    p -v --pin="$PIN" csr "$key" --subject /CN=x
    p -v convert soft.p12 --password-source "$PFX_PASS"
    p -v convert soft.p12 --password-source "env:$PFX_PASS"
    printf 'not-it\n' >wrong
    p -v --json convert soft.p12 --password-source "file:$PWD/wrong"

    cat "$LOG"
    # The run did what it says (so the check below looks at real output).
    grep -q 'BEGIN CERTIFICATE REQUEST' r1.csr
    grep -q 'BEGIN CERTIFICATE REQUEST' r4.csr
    grep -q '"name": "tls 1.3"' "$LOG"
    [ -s soft-out.key ]
    no_secret_in "$LOG" ./*.csr ./*.pem
}

@test "a key file from --key-out is created 0600 with O_CREAT|O_EXCL, then renamed" {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout soft.key \
        -subj /CN=pfx.example -days 30 -out soft.pem 2>/dev/null
    openssl pkcs12 -export -in soft.pem -inkey soft.key -passout pass: -out soft.p12
    # LeakSanitizer cannot run under ptrace (make sanitize): leaks are checked elsewhere.
    run --separate-stderr env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
        strace -f -e trace=openat,link,rename,renameat2 -o trace \
        p11cert convert soft.p12 --key-out out.key --out out.pem
    cat trace
    [ "$status" -eq 0 ]
    [ "$(stat -c %a out.key)" = 600 ]
    # The only file opened for the key is a hidden one beside it, exclusively.
    grep -E 'openat\(.*"(\./)?\.out\.key\.[A-Za-z0-9]{6}", O_RDWR\|O_CREAT\|O_EXCL, 0600\)' trace
    ! grep -E 'openat\(.*"(\./)?out\.key"' trace || false
    # It takes its name without replacing anything: renameat2 with
    # RENAME_NOREPLACE, or link() where the filesystem lacks it.
    grep -E 'renameat2\(AT_FDCWD, ".*\.out\.key\.[A-Za-z0-9]{6}", AT_FDCWD, "out\.key", RENAME_NOREPLACE\) = 0|link\(".*\.out\.key\.[A-Za-z0-9]{6}", "out\.key"\) = 0' trace
}
