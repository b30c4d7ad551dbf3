#!/usr/bin/env bats
# PKCS#11 call counts of `p11cert csr`, seen through pkcs11-spy.so: few calls,
# and no more with 500 other objects on the token (the key is found with one
# search, not by walking the objects).

load helpers

bats_require_minimum_version 1.5.0

MAX_CSR_CALLS=16

# csr_calls LABEL: the number of PKCS#11 calls of one csr with key LABEL;
# the request it wrote must verify.
csr_calls() {
    local n
    rm -f "$BATS_TEST_TMPDIR/req.pem"
    n=$(SPY_DIR=$BATS_TEST_TMPDIR/spy spy_count p11cert_pin -q csr \
        "pkcs11:token=$TOKEN_LABEL;object=$1" --subject /CN=calls.example \
        --out "$BATS_TEST_TMPDIR/req.pem") || return 1
    openssl req -in "$BATS_TEST_TMPDIR/req.pem" -verify -noout 2>/dev/null || {
        echo "csr_calls: the request does not verify" >&2
        return 1
    }
    echo "$n"
}

# calls_flat TYPE: one key of TYPE alone on a fresh token, then 500 objects more.
calls_flat() {
    local type=$1 alone filled
    setup_token calls
    p11cert_pin -q keygen "$TOKEN_URI" --label the-key --type "$type" >/dev/null
    [ "$(token_object_count)" -eq 2 ]

    alone=$(csr_calls the-key)
    echo "# csr calls ($type, 1 key on the token): $alone" >&3
    grep -E '^[0-9]+: C_' "$BATS_TEST_TMPDIR/spy/spy.log" | awk '{ print $2 }' | tr '\n' ' '
    echo
    [ "$alone" -gt 0 ]
    [ "$alone" -le "$MAX_CSR_CALLS" ]

    p11-fill "$SOFTHSM_MODULE" "$TOKEN_LABEL" "$PIN_FILE" 500
    [ "$(token_object_count)" -ge 502 ]

    filled=$(csr_calls the-key)
    echo "# csr calls ($type, 500 more objects): $filled" >&3
    [ "$filled" -eq "$alone" ]
}

setup() {
    test_helper_on_path p11-fill
}

@test "calls: csr with an RSA key makes at most $MAX_CSR_CALLS PKCS#11 calls, as many with 500 objects" {
    calls_flat rsa:2048
}

@test "calls: csr with an EC P-256 key makes at most $MAX_CSR_CALLS PKCS#11 calls, as many with 500 objects" {
    calls_flat ec:p256
}
