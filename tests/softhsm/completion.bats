#!/usr/bin/env bats
# The bash completion (data/bash-completion/p11cert, built into
# BUILD/bash-completion): commands, subcommands, options, key types, regions
# and file arguments, completed by bash-completion's own machinery the way an
# interactive shell calls it.

load helpers

setup_file() {
    COMPLETION=${P11CERT_BUILD:-$P11CERT_SRC/build}/bash-completion/p11cert
    export COMPLETION
}

setup() {
    cd "$BATS_TEST_TMPDIR"
}

# The completions of the command line "$@" (the last word being completed),
# one a line, sorted. ENDPOINTS, when set, stands for the installed endpoints
# file.
complete_words() {
    bash -c '
        source /usr/share/bash-completion/bash_completion
        source "$COMPLETION"
        [ -z "${ENDPOINTS:-}" ] || _p11cert_endpoints=$ENDPOINTS
        COMP_WORDS=("$@")
        COMP_CWORD=$(($# - 1))
        COMP_LINE="$*"
        COMP_POINT=${#COMP_LINE}
        COMPREPLY=()
        _p11cert p11cert "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        printf "%s\n" "${COMPREPLY[@]}"
    ' bash "$@" | sed '/^$/d' | LC_ALL=C sort
}

sorted() {
    printf '%s\n' "$@" | LC_ALL=C sort
}

@test "completion: the commands, from p11cert --help" {
    want=$(p11cert --help | awk '/^commands:/ { on = 1; next } /^$/ { on = 0 } on { print $1 }' |
        LC_ALL=C sort -u)
    [ "$(echo "$want" | wc -l)" -eq 13 ]
    [ "$(complete_words p11cert '')" = "$want" ]
    [ "$(complete_words p11cert c)" = "$(sorted chain check convert csr)" ]
    # After global options and their arguments too.
    [ "$(complete_words p11cert --module /x.so --json ke)" = keygen ]
}

@test "completion: the subcommands of dns and acme" {
    [ "$(complete_words p11cert dns '')" = "$(sorted apply check records)" ]
    [ "$(complete_words p11cert -q acme '')" = "$(sorted account issue revoke)" ]
    [ "$(complete_words p11cert acme i)" = issue ]
}

@test "completion: a command's options and the global ones, as --help lists them" {
    want=$(p11cert csr --help | sed -nE 's/^  (--[a-z0-9-]+).*/\1/p' | LC_ALL=C sort)
    [ "$(echo "$want" | grep -c .)" -ge 15 ]
    [ "$(complete_words p11cert csr --)" = "$want" ]
    [ "$(complete_words p11cert csr 'pkcs11:token=t;object=k' --s)" = "$(sorted --san --subject)" ]
    [ "$(complete_words p11cert dns apply --re)" = "$(sorted --region --replace)" ]
    [ "$(complete_words p11cert --json acme issue --rot)" = --rotate-key ]
    [ "$(complete_words p11cert --ver)" = "$(sorted --verbose --version)" ]
    # Nothing is offered for an argument it cannot know.
    [ -z "$(complete_words p11cert csr --subject '')" ]
}

@test "completion: the key types are the ones keygen --help lists" {
    want=$(p11cert keygen --help | sed -n '/^  --type/,/^$/p' | grep -oE '(rsa|ec):[a-z0-9]+|ed25519' |
        LC_ALL=C sort -u)
    [ "$(echo "$want" | wc -l)" -eq 7 ]
    [ "$(complete_words p11cert keygen 'pkcs11:token=t' --type '')" = "$want" ]
    [ "$(complete_words p11cert keygen --type ec)" = "$(sorted ec:p256 ec:p384 ec:p521)" ]
}

@test "completion: --region names from the endpoints file, or the one --endpoints names" {
    want=$(sed -e 's/#.*//' "$P11CERT_SRC/data/endpoints" | awk 'NF == 2 { print $1 }' | LC_ALL=C sort)
    [ "$(echo "$want" | wc -l)" -ge 2 ]
    [ "$(ENDPOINTS=$P11CERT_SRC/data/endpoints complete_words p11cert dns records --region '')" = "$want" ]
    printf '# mine\nnorth n.example.net\nnowhere\nsouth s.example.net # a comment\n' >mine
    [ "$(complete_words p11cert dns check --endpoints mine --domain a.example --region '')" = "$(sorted north south)" ]
    [ "$(complete_words p11cert dns check --endpoints mine --region no)" = north ]
}

@test "completion: file arguments, directories where a directory is wanted" {
    mkdir certs
    touch reply.p7b root.crt
    [ "$(complete_words p11cert convert '')" = "$(sorted certs reply.p7b root.crt)" ]
    [ "$(complete_words p11cert chain root.crt r)" = "$(sorted reply.p7b root.crt)" ]
    [ "$(complete_words p11cert csr --out r)" = "$(sorted reply.p7b root.crt)" ]
    [ "$(complete_words p11cert server-config nginx --out-dir '')" = certs ]
    [ "$(complete_words p11cert server-config '')" = "$(sorted apache nginx stunnel)" ]
    [ "$(complete_words p11cert server-config --key 'pkcs11:token=t' n)" = nginx ]
    [ -z "$(complete_words p11cert server-config stunnel --user www-data '')" ]
    [ "$(complete_words p11cert chain --trust s)" = system ]
}

@test "completion: secret sources, and file names after file:" {
    touch pin.txt
    [ "$(complete_words p11cert --pin-source '')" = "$(sorted env: fd: file: prompt)" ]
    # readline inserts what follows the last ':' of the word.
    [ "$(complete_words p11cert --pin-source file:p)" = pin.txt ]
    [ "$(complete_words p11cert dns apply --tsig-key e)" = env: ]
}
