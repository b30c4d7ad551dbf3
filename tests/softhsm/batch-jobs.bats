#!/usr/bin/env bats
# p11cert csr --batch --jobs N: N signing sessions on N threads. What --jobs 1
# writes and says, --jobs 2 and 4 write and say too, in input order; one
# login; the sessions and the C_Initialize flags are read from the
# pkcs11-spy.so log; a key that cannot sign comes from the fault module
# (tests/helpers/modules/p11-fault.c, P11FAULT_SIGN_LABEL). No timing here:
# the speed is make bench's (scripts/bench-jobs.sh).

load helpers

bats_require_minimum_version 1.5.0

setup_file() {
    setup_token jobs
    export SHIM=${P11CERT_BUILD:-$P11CERT_SRC/build}/tests/p11-fault.so
    [ -e "$SHIM" ] || {
        echo "build the test modules first (make check builds them)" >&2
        return 1
    }
    p11cert_pin -q keygen "$TOKEN_URI" --label rsa --type rsa:2048 >/dev/null &&
        p11cert_pin -q keygen "$TOKEN_URI" --label ec --type ec:p256 >/dev/null &&
        p11cert_pin -q keygen "$TOKEN_URI" --label doomed --type ec:p256 >/dev/null || {
        echo "setup_file: keygen failed" >&2
        return 1
    }
}

setup() {
    cd "$BATS_TEST_TMPDIR" || return 1
}

key_uri() {
    printf 'pkcs11:token=%s;object=%s\n' "$TOKEN_LABEL" "$1"
}

# batch_line KEY N [EXTRA]: a request for host N.example signed by KEY into
# out/N.csr (relative: each run has a directory of its own).
batch_line() {
    printf '{"key": "%s", "subject": "/O=Jobs/CN=h%s.example", "out": "out/%s.csr"%s}\n' \
        "$(key_uri "$1")" "$2" "$2" "${3:+, $3}"
}

# The key's label for line I of the mixed batch below.
mixed_key() {
    if [ $(($1 % 2)) -eq 0 ]; then echo ec; else echo rsa; fi
}

# run_in DIR ARGS...: p11cert csr --batch ../batch.jsonl ARGS... from DIR/,
# stdout in DIR/stdout, stderr in DIR/stderr, the status in DIR/status (124
# when it did not end within 120 s).
run_in() {
    local dir=$1 status=0
    shift
    mkdir -p "$dir/out"
    # A batch that hangs (a line waiting for a job that is gone) fails here.
    (cd "$dir" && timeout 120 p11cert --pin-source "file:$PIN_FILE" csr --batch ../batch.jsonl \
        "$@" >stdout 2>stderr) || status=$?
    echo "$status" >"$dir/status"
}

@test "jobs: --jobs 2 and 4 write what --jobs 1 writes; each request verifies and carries its key" {
    local i j extra
    for i in $(seq 1 40); do
        extra=
        [ $((i % 5)) -eq 0 ] && extra='"san": ["DNS:h'$i'.example", "IP:192.0.2.'$i'"]'
        [ $((i % 7)) -eq 0 ] && extra='"hash": "sha384"'
        batch_line "$(mixed_key "$i")" "$i" "$extra"
    done >batch.jsonl

    for j in 1 2 4; do
        run_in "j$j" --jobs "$j"
        cat "j$j/stderr"
        [ "$(cat "j$j/status")" -eq 0 ]
        [ ! -s "j$j/stderr" ]
        [ "$(cat "j$j/stdout")" = "$(printf 'requests: 40\nwritten: 40\nfailed: 0')" ]
        # 40 files and nothing else: no temporary file is left.
        [ "$(ls -A "j$j/out" | wc -l)" -eq 40 ]
    done

    token_pubkey "$TOKEN_LABEL" rsa rsa-token.der
    token_pubkey "$TOKEN_LABEL" ec ec-token.der
    for j in 2 4; do
        for i in $(seq 1 40); do
            verify_req "j$j/out/$i.csr"
            pubkey_der "j$j/out/$i.csr" req.der
            cmp "$(mixed_key "$i")-token.der" req.der
            if [ "$(mixed_key "$i")" = rsa ]; then
                # PKCS #1 v1.5 signatures are deterministic: the same bytes.
                cmp "j1/out/$i.csr" "j$j/out/$i.csr"
            else
                # ECDSA's are not: the same request apart from the signature.
                [ "$(openssl req -in "j1/out/$i.csr" -noout -text -reqopt no_sigdump)" = \
                    "$(openssl req -in "j$j/out/$i.csr" -noout -text -reqopt no_sigdump)" ]
            fi
        done
    done
    run openssl req -in j4/out/10.csr -noout -text
    [[ "$output" == *"DNS:h10.example, IP Address:192.0.2.10"* ]]
    run openssl req -in j4/out/14.csr -noout -text
    [[ "$output" == *"ecdsa-with-SHA384"* ]]
}

@test "jobs: failures, in the workers too, are reported in input order with their lines, as with --jobs 1" {
    local i j
    for i in $(seq 1 30); do
        case $i in
        5) echo '{"key": "not json"' ;;
        9 | 20) batch_line doomed "$i" ;; # signing fails, on a worker's session
        12) batch_line no-such-key "$i" ;;
        25) printf '{"key": "%s", "subject": "/CN", "out": "out/25.csr"}\n' "$(key_uri rsa)" ;;
        *) batch_line "$(mixed_key "$i")" "$i" ;;
        esac
    done >batch.jsonl
    for j in 1 4; do
        mkdir -p "j$j/out"
        echo "already here" >"j$j/out/17.csr"
        P11FAULT_MODULE=$SOFTHSM_MODULE P11FAULT_SIGN_LABEL=doomed \
            run_in "j$j" --module "$SHIM" --jobs "$j"
        cat "j$j/stderr"
        [ "$(cat "j$j/status")" -eq 1 ]
    done

    # The same messages in the same order, the same summary.
    diff j1/stderr j4/stderr
    diff j1/stdout j4/stdout
    [[ "$(cat j4/stdout)" == *"failed: 6 (line 5, 9, 12, 17, 20, 25)"* ]]
    # One error a failed line, in line order, each naming its line.
    [ "$(grep -vE ': hint: ' j4/stderr | sed -nE 's/^p11cert: csr: line ([0-9]+): .*/\1/p' |
        tr '\n' ' ')" = "5 9 12 17 20 25 " ]
    grep -q '^p11cert: csr: line 5: bad JSON' j4/stderr
    grep -q '^p11cert: csr: line 9: cannot sign: C_SignInit: CKR_DEVICE_ERROR$' j4/stderr
    grep -q '^p11cert: csr: line 20: cannot sign: C_SignInit: CKR_DEVICE_ERROR$' j4/stderr
    grep -q '^p11cert: csr: line 12: no key matches' j4/stderr
    grep -q '^p11cert: csr: line 17: "out/17.csr" exists' j4/stderr
    grep -q '^p11cert: csr: line 25: bad subject' j4/stderr

    # The lines after each failure went through; nothing else was written.
    for i in 1 4 6 8 10 11 13 16 18 19 21 24 26 30; do
        verify_req "j4/out/$i.csr"
    done
    for i in 5 9 12 20 25; do
        [ ! -e "j4/out/$i.csr" ]
    done
    [ "$(cat j4/out/17.csr)" = "already here" ]
    [ "$(ls -A j4/out | wc -l)" -eq 25 ] # 24 requests and 17.csr: no temporary file
}

@test "jobs: one login, N more sessions, CKF_OS_LOCKING_OK, and signing on more than one session" {
    local i j log
    for i in $(seq 1 30); do batch_line "$(mixed_key "$i")" "$i"; done >batch.jsonl
    for j in 2 4; do
        mkdir -p "j$j/out"
        (cd "j$j" && SPY_DIR=$PWD/spy spy_count p11cert_pin -q csr --batch ../batch.jsonl \
            --jobs "$j" >count)
        log=j$j/spy/spy.log
        grep -E '^[0-9]+: C_' "$log" | awk '{ print $2 }' | sort | uniq -c
        [ "$(grep -cE '^[0-9]+: C_Initialize$' "$log")" -eq 1 ]
        grep -A4 -E '^[0-9]+: C_Initialize$' "$log" | grep -q 'CKF_OS_LOCKING_OK'
        [ "$(grep -cE '^[0-9]+: C_Login$' "$log")" -eq 1 ]
        # The one of the lookups and the first line, and one per worker.
        [ "$(grep -cE '^[0-9]+: C_OpenSession$' "$log")" -eq $((j + 1)) ]
        [ "$(grep -cE '^[0-9]+: C_CloseSession$' "$log")" -eq "$j" ]
        # The first line is signed on the first session, the others by the
        # workers: at least two sessions signed.
        [ "$(grep -A2 -E '^[0-9]+: C_SignInit$' "$log" | sed -nE 's/^\[in\] hSession = //p' |
            sort -u | wc -l)" -ge 2 ]
        for i in $(seq 1 30); do
            verify_req "j$j/out/$i.csr"
        done
    done
}

@test "jobs: a token that gives fewer sessions than --jobs asks: a warning, and every line is written" {
    local i
    for i in $(seq 1 12); do batch_line "$(mixed_key "$i")" "$i"; done >batch.jsonl
    # The first C_OpenSession is the batch's own; the third is the second worker's.
    P11FAULT_MODULE=$SOFTHSM_MODULE P11FAULT_CALL=C_OpenSession P11FAULT_NTH=3 \
        P11FAULT_ACTION=fail run_in few --module "$SHIM" --jobs 4
    cat few/stderr
    [ "$(cat few/status)" -eq 0 ]
    grep -q '^p11cert: csr: warning: --jobs 4: the token gave only 1 of 4 signing sessions (C_OpenSession: CKR_DEVICE_ERROR)' few/stderr
    P11FAULT_MODULE=$SOFTHSM_MODULE P11FAULT_CALL=C_OpenSession P11FAULT_NTH=2 \
        P11FAULT_ACTION=fail run_in none --module "$SHIM" --jobs 4
    cat none/stderr
    [ "$(cat none/status)" -eq 0 ]
    grep -q '^p11cert: csr: warning: --jobs 4: the token gave no signing session (C_OpenSession: CKR_DEVICE_ERROR): signing on the one session' none/stderr
    for i in $(seq 1 12); do
        verify_req "few/out/$i.csr"
        verify_req "none/out/$i.csr"
    done
}

@test "jobs: --batch --jobs 4 killed midway: every request file left is complete and verifies" {
    local i pid status=0 n=0 f
    for i in $(seq 1 40); do batch_line ec "$i"; done >batch.jsonl
    mkdir out
    # One worker is held at the 20th signature while the others go on; the
    # files are named in input order, so the held line and those after it
    # never get their names.
    P11FAULT_MODULE=$SOFTHSM_MODULE P11FAULT_CALL=C_Sign P11FAULT_NTH=20 P11FAULT_ACTION=sleep \
        P11FAULT_SECONDS=120 P11FAULT_READY=$PWD/held \
        p11cert --module "$SHIM" --pin-source "file:$PIN_FILE" csr --batch batch.jsonl --jobs 4 \
        >/dev/null 2>err &
    pid=$!
    while [ ! -e held ]; do
        kill -0 "$pid" 2>/dev/null || {
            cat err
            return 1
        }
        sleep 0.05
    done
    kill -KILL "$pid"
    wait "$pid" || status=$?
    [ "$status" -eq 137 ]
    for f in out/*.csr; do
        [ -e "$f" ] || continue
        verify_req "$f"
        n=$((n + 1))
    done
    echo "$n complete requests"
    [ "$n" -lt 40 ]
    # Nothing half-written under a visible name.
    [ -z "$(ls out | grep -vE '^[0-9]+\.csr$')" ]
}

@test "jobs: --jobs outside 1 to 64, or without --batch, is a usage error" {
    local bad
    batch_line rsa 1 >batch.jsonl
    for bad in 0 65 -1 two 2x ""; do
        run --separate-stderr p11cert_pin csr --batch batch.jsonl --jobs "$bad"
        echo "$bad: $stderr"
        [ "$status" -eq 2 ]
        [[ "$stderr" == *"--jobs wants a whole number from 1 to 64"* ]]
    done
    run --separate-stderr p11cert_pin csr "$(key_uri rsa)" --subject /CN=x --jobs 2
    [ "$status" -eq 2 ]
    [[ "$stderr" == *"--jobs is for --batch"* ]]
    [ ! -e out ]
    run p11cert csr --help
    [[ "$output" == *"--jobs N"* ]]
}

@test "jobs: 400 requests, more than the lines kept in flight: --jobs 4 writes the same bytes as --jobs 1" {
    local i j
    # RSA PKCS #1 v1.5 signatures are deterministic: byte for byte the same.
    for i in $(seq 1 400); do batch_line rsa "$i"; done >batch.jsonl
    run_in j1 --jobs 1
    # With --jobs 4 the worker that makes the second signature (line 2's,
    # or so) is held for a second after it: the others go on, the lines
    # signed after it must wait for it to be finished, never take its place.
    P11FAULT_MODULE=$SOFTHSM_MODULE P11FAULT_CALL=C_Sign P11FAULT_NTH=2 P11FAULT_ACTION=sleep \
        P11FAULT_SECONDS=1 run_in j4 --module "$SHIM" --jobs 4
    for j in 1 4; do
        cat "j$j/stderr"
        [ "$(cat "j$j/status")" -eq 0 ]
        [ "$(cat "j$j/stdout")" = "$(printf 'requests: 400\nwritten: 400\nfailed: 0')" ]
    done
    [ "$(ls -A j4/out | wc -l)" -eq 400 ]
    diff -r j1/out j4/out
    for i in 1 127 128 129 256 400; do
        verify_req "j4/out/$i.csr"
        [ "$(openssl req -in "j4/out/$i.csr" -noout -subject -nameopt RFC2253)" = \
            "subject=CN=h$i.example,O=Jobs" ]
    done
}
