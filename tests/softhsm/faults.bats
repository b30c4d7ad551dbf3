#!/usr/bin/env bats
# Faults and races: a keygen that fails or is interrupted between creating
# the pair and checking it leaves nothing; a run killed with SIGKILL leaves
# no partial output; concurrent keygens end with one pair per label.
#
# Faults come from tests/helpers/modules/p11-fault.c (a PKCS#11 module that
# forwards to SoftHSM2 and fails, sleeps or waits at a chosen call, selected
# with --module) and slow-fsync.c (LD_PRELOAD, holds a process in fsync).
# Every wait is on a file the fault module creates, never on time.

load helpers

bats_require_minimum_version 1.5.0

setup_file() {
    setup_token faults
    export SHIM=$P11CERT_BUILD/tests/p11-fault.so
    export SLOW_FSYNC=$P11CERT_BUILD/tests/slow-fsync.so
    [ -e "$SHIM" ] && [ -e "$SLOW_FSYNC" ] || {
        echo "build the test modules first (make check builds them)" >&2
        return 1
    }
    p11cert_pin -q keygen "$TOKEN_URI" --label signer --type ec:p256 >/dev/null
}

setup() {
    cd "$BATS_TEST_TMPDIR" || return 1
    # Each test has its own keygen lock directory unless it says otherwise.
    export XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR
}

# p11cert through the fault module; P11FAULT_* variables select the fault.
faulty() {
    P11FAULT_MODULE=$SOFTHSM_MODULE p11cert --module "$SHIM" --pin-source "file:$PIN_FILE" "$@"
}

# Waits (without a time limit of its own: bats' hang guard covers it) until
# FILE exists or process PID is gone.
wait_for() {
    local file=$1 pid=$2
    while [ ! -e "$file" ]; do
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.05
    done
}

# The number of objects labelled LABEL, counted by pkcs11-tool.
labelled() {
    pkcs11_tool_on "$TOKEN_LABEL" --login --pin "$(user_pin)" --list-objects 2>/dev/null |
        grep -cE "^[[:space:]]*label:[[:space:]]+$1\$" || true
}

keygen_fault() {
    local call=$1 nth=$2 before
    before=$(token_object_count)
    run --separate-stderr env P11FAULT_CALL="$call" P11FAULT_NTH="$nth" P11FAULT_ACTION=fail \
        bash -c 'faulty "$@"' _ keygen "$TOKEN_URI" --label "f-$call-$nth" --type ec:p256
    echo "$stderr"
    [ "$status" -eq 1 ]
    [ -z "$output" ]
    [ "$(wc -l <<<"$stderr")" -le 3 ]
    [[ $stderr == *CKR_DEVICE_ERROR* ]]
    [ "$(token_object_count)" -eq "$before" ]
    [ "$(labelled "f-$call-$nth")" -eq 0 ]
}
export -f faulty

@test "keygen: reading the new pair back fails (C_GetAttributeValue): no object left" {
    keygen_fault C_GetAttributeValue 1
}

@test "keygen: reading the public half fails: no object left" {
    keygen_fault C_GetAttributeValue 2
}

@test "keygen: the check after creating fails (C_FindObjectsInit): no object left" {
    keygen_fault C_FindObjectsInit 2
}

@test "keygen: setting the key id fails (C_SetAttributeValue): no object left" {
    keygen_fault C_SetAttributeValue 1
}

@test "keygen: the token fails to generate (C_GenerateKeyPair): no object, one clear error" {
    keygen_fault C_GenerateKeyPair 1
}

@test "import --chain: the token refuses a CA certificate: the error names it, the leaf stored before is removed" {
    # A leaf the CA issued: import --chain stores only the leaf's path.
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
        -subj "/CN=Fault Test CA" -days 2 -out ca.crt 2>/dev/null
    p11cert_pin -q csr "$TOKEN_URI;object=signer" --subject /CN=signer.example.com --out leaf.csr
    openssl x509 -req -in leaf.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
        -copy_extensions copy -out leaf.crt 2>/dev/null
    before=$(token_object_count)
    # The second C_CreateObject (the CA certificate, after the leaf) fails.
    run --separate-stderr env P11FAULT_CALL=C_CreateObject P11FAULT_NTH=2 P11FAULT_ACTION=fail \
        bash -c 'faulty "$@"' _ import leaf.crt --key "$TOKEN_URI;object=signer" --chain ca.crt
    echo "$stderr"
    [ "$status" -eq 1 ]
    [ -z "$output" ]
    [ "${stderr_lines[0]}" = 'p11cert: import: cannot store the CA certificate "Fault Test CA": C_CreateObject: CKR_DEVICE_ERROR' ]
    [ "$(token_object_count)" -eq "$before" ]
    [ "$(labelled signer)" -eq 2 ] # the key pair, and no certificate
}

# keygen_signal SIG: the pair exists (C_GenerateKeyPair returned) and keygen
# is held right after it; then SIG arrives. keygen removes the pair and dies
# of the signal.
keygen_signal() {
    local sig=$1 before pid status=0
    before=$(token_object_count)
    # A background job starts with SIGINT ignored; env restores the default
    # so that keygen sees the signal as a terminal would deliver it.
    P11FAULT_MODULE=$SOFTHSM_MODULE P11FAULT_CALL=C_GenerateKeyPair P11FAULT_ACTION=sleep \
        P11FAULT_SECONDS=120 P11FAULT_READY=$PWD/made \
        env --default-signal=INT,TERM p11cert --module "$SHIM" --pin-source "file:$PIN_FILE" \
        keygen "$TOKEN_URI" --label "sig-$sig" --type ec:p256 >out 2>err &
    pid=$!
    wait_for made "$pid"
    # The pair is on the token now.
    [ "$(labelled "sig-$sig")" -eq 2 ]
    kill -s "$sig" "$pid"
    wait "$pid" || status=$?
    cat err
    [ "$status" -eq $((128 + $(kill -l "$sig"))) ]
    grep -q 'the key pair was removed' err
    [ ! -s out ]
    [ "$(labelled "sig-$sig")" -eq 0 ]
    [ "$(token_object_count)" -eq "$before" ]
}

@test "keygen interrupted by SIGINT after creating the pair: the pair is removed" {
    keygen_signal INT
}

@test "keygen interrupted by SIGTERM after creating the pair: the pair is removed" {
    keygen_signal TERM
}

# killed_while_writing OUT CMD...: CMD is held inside fsync of its output
# (data written, not yet renamed), then killed with SIGKILL. OUT must not
# exist; whatever is left is hidden (dot-prefixed) beside it.
killed_while_writing() {
    local out=$1 pid status=0
    shift
    mkdir outdir
    # ASan (make sanitize) wants its runtime first; this library need not be.
    SLOW_FSYNC_READY=$PWD/in-fsync SLOW_FSYNC_SECONDS=120 LD_PRELOAD=$SLOW_FSYNC \
        ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
        "$@" >/dev/null 2>err &
    pid=$!
    wait_for in-fsync "$pid" || {
        cat err
        return 1
    }
    kill -KILL "$pid"
    wait "$pid" || status=$?
    [ "$status" -eq 137 ]
    [ ! -e "outdir/$out" ]
    # Nothing visible, only the hidden temporary file.
    [ -z "$(ls outdir)" ]
    ls -A outdir | grep -Eq "^\.$out\.[A-Za-z0-9]{6}\$"
}

@test "csr killed with SIGKILL while writing: no request file, only a hidden temporary" {
    killed_while_writing r.csr p11cert --pin-source "file:$PIN_FILE" csr \
        "pkcs11:token=$TOKEN_LABEL;object=signer" --subject /CN=kill.example --out outdir/r.csr
}

@test "selfsign killed with SIGKILL while writing: no certificate file" {
    killed_while_writing c.pem p11cert --pin-source "file:$PIN_FILE" selfsign \
        "pkcs11:token=$TOKEN_LABEL;object=signer" --subject /CN=kill.example --out outdir/c.pem
}

@test "convert killed with SIGKILL while writing: no output file" {
    p11cert --pin-source "file:$PIN_FILE" selfsign "pkcs11:token=$TOKEN_LABEL;object=signer" \
        --subject /CN=conv.example --out in.pem
    openssl x509 -in in.pem -outform DER -out in.der
    killed_while_writing out.pem p11cert convert in.der --out outdir/out.pem
}

@test "csr --batch killed midway: every request file left is complete and verifies" {
    local i pid status=0 n=0 f
    : >batch.jsonl
    mkdir reqs
    for i in $(seq 1 40); do
        printf '{"key": "pkcs11:token=%s;object=signer", "subject": "/CN=h%d.example", "out": "reqs/r%02d.csr"}\n' \
            "$TOKEN_LABEL" "$i" "$i" >>batch.jsonl
    done
    # Held at the 20th signature, then killed: 19 requests are written.
    P11FAULT_MODULE=$SOFTHSM_MODULE P11FAULT_CALL=C_Sign P11FAULT_NTH=20 P11FAULT_ACTION=sleep \
        P11FAULT_SECONDS=120 P11FAULT_READY=$PWD/held \
        p11cert --module "$SHIM" --pin-source "file:$PIN_FILE" csr --batch batch.jsonl \
        >/dev/null 2>err &
    pid=$!
    wait_for held "$pid" || {
        cat err
        return 1
    }
    kill -KILL "$pid"
    wait "$pid" || status=$?
    [ "$status" -eq 137 ]
    for f in reqs/*.csr; do
        [ -e "$f" ] || continue
        openssl req -in "$f" -noout -verify 2>&1 | grep -q 'verify OK' || {
            echo "$f does not verify"
            return 1
        }
        n=$((n + 1))
    done
    # How many were published before the kill depends on how --batch
    # batches its writes; none may be partial, and the run did not finish.
    echo "$n complete requests"
    [ "$n" -lt 40 ]
    # Nothing half-written under a visible name.
    [ -z "$(ls reqs | grep -v '^r[0-9][0-9]\.csr$')" ]
}

@test "8 concurrent keygens with distinct labels on one token: all succeed, distinct ids" {
    local i pids=() status fails=0 before
    export XDG_RUNTIME_DIR=$BATS_FILE_TMPDIR
    before=$(token_object_count)
    for i in $(seq 1 8); do
        p11cert_pin --json keygen "$TOKEN_URI" --label "par-$i" --type ec:p256 >"par-$i.json" \
            2>"par-$i.err" &
        pids+=($!)
    done
    for i in "${!pids[@]}"; do
        status=0
        wait "${pids[$i]}" || status=$?
        [ "$status" -eq 0 ] || {
            echo "keygen $((i + 1)) exited $status: $(cat "par-$((i + 1)).err")"
            fails=$((fails + 1))
        }
    done
    [ "$fails" -eq 0 ]
    [ "$(token_object_count)" -eq $((before + 16)) ]
    # Eight distinct ids, each on exactly one pair (pkcs11-tool's view).
    for i in $(seq 1 8); do
        python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "par-$i.json"
    done | sort -u >ids
    [ "$(wc -l <ids)" -eq 8 ]
    for i in $(seq 1 8); do
        [ "$(labelled "par-$i")" -eq 2 ]
    done
}

@test "4 concurrent keygens for one label: one pair, the others fail with a clear message" {
    local i pids=() status ok=0 failed=0
    export XDG_RUNTIME_DIR=$BATS_FILE_TMPDIR
    for i in 1 2 3 4; do
        p11cert_pin keygen "$TOKEN_URI" --label same-label --type rsa:2048 >"s-$i.out" \
            2>"s-$i.err" &
        pids+=($!)
    done
    for i in "${!pids[@]}"; do
        status=0
        wait "${pids[$i]}" || status=$?
        cat "s-$((i + 1)).err"
        if [ "$status" -eq 0 ]; then
            ok=$((ok + 1))
        else
            [ "$status" -eq 1 ]
            [ ! -s "s-$((i + 1)).out" ]
            grep -Eq 'label "same-label" is already used|another keygen made a key pair labelled "same-label"' \
                "s-$((i + 1)).err"
            failed=$((failed + 1))
        fi
    done
    [ "$ok" -eq 1 ]
    [ "$failed" -eq 3 ]
    [ "$(labelled same-label)" -eq 2 ]
}

# Two keygens that do not share a lock (as from two machines) meet on the
# token: the one that comes second sees a committed pair after creating its
# own, and removes its own. P11FAULT_FRESH lets SoftHSM see the other
# process's objects (see p11-fault.c).
@test "keygens from two machines, the second creates after the first completed: it removes its pair" {
    local b status=0
    mkdir lock-a lock-b
    P11FAULT_FRESH=1 P11FAULT_CALL=C_FindObjectsInit P11FAULT_NTH=1 P11FAULT_ACTION=wait \
        P11FAULT_READY=$PWD/b-checked P11FAULT_GO=$PWD/b-go XDG_RUNTIME_DIR=$PWD/lock-b \
        faulty keygen "$TOKEN_URI" --label two-hosts --type ec:p256 >b.out 2>b.err &
    b=$!
    wait_for b-checked "$b"
    # B found the label unused and waits; A makes its pair from start to end.
    run --separate-stderr env P11FAULT_FRESH=1 XDG_RUNTIME_DIR=$PWD/lock-a \
        bash -c 'faulty "$@"' _ keygen "$TOKEN_URI" --label two-hosts --type ec:p256
    [ "$status" -eq 0 ]
    touch b-go
    wait "$b" || status=$?
    cat b.err
    [ "$status" -eq 1 ]
    [ ! -s b.out ]
    grep -q 'another keygen made a key pair labelled "two-hosts"' b.err
    [ "$(labelled two-hosts)" -eq 2 ]
}

@test "keygens from two machines, both pairs made before either checks: exactly one stays" {
    local a b sa=0 sb=0
    mkdir lock-a lock-b
    P11FAULT_FRESH=1 P11FAULT_CALL=C_FindObjectsInit P11FAULT_NTH=1 P11FAULT_ACTION=wait \
        P11FAULT_READY=$PWD/b-checked P11FAULT_GO=$PWD/b-go XDG_RUNTIME_DIR=$PWD/lock-b \
        faulty keygen "$TOKEN_URI" --label both-pending --type ec:p256 >b.out 2>b.err &
    b=$!
    wait_for b-checked "$b"
    P11FAULT_FRESH=1 P11FAULT_CALL=C_GenerateKeyPair P11FAULT_ACTION=wait \
        P11FAULT_READY=$PWD/a-made P11FAULT_GO=$PWD/a-go XDG_RUNTIME_DIR=$PWD/lock-a \
        faulty keygen "$TOKEN_URI" --label both-pending --type ec:p256 >a.out 2>a.err &
    a=$!
    wait_for a-made "$a"
    # A's pair is on the token, pending; B now makes its own and decides.
    touch b-go
    wait "$b" || sb=$?
    touch a-go
    wait "$a" || sa=$?
    cat a.err b.err
    [ $((sa + sb)) -eq 1 ]
    [ "$(labelled both-pending)" -eq 2 ]
}
