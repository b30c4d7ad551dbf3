/* p11cert keygen: a signing key pair generated on the token. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <openssl/obj_mac.h>
#include <openssl/sha.h>

#include "commands/cli.h"
#include "util/json-out.h"
#include "token/profile.h"
#include "signer/pubkey.h"

enum {
    OPT_LABEL = 1,
    OPT_ID,
    OPT_TYPE,
};

static const struct cli_option options[] = {
    {OPT_LABEL, "label", "L", "the label of both halves (required; must not be in use)"},
    {OPT_ID, "id", "HEX", "CKA_ID of both halves (default: SHA-1 of the public key value)"},
    {OPT_TYPE, "type", "T",
     "rsa:2048, rsa:3072, rsa:4096, ec:p256, ec:p384, ec:p521 or ed25519 (default: the token "
     "profile's default_key_type, rsa:2048 unless it says otherwise)"},
    {0, NULL, NULL, NULL},
};

static const struct cli_spec spec = {
    "TOKEN-URI --label L [--id HEX] [--type T]",
    "Generates a key pair on the token TOKEN-URI names. The private key is sensitive and\n"
    "never extractable, for signing only; its attributes are read back and checked.\n"
    "Prints the private key's URI, for csr, selfsign and servers (libp11, GnuTLS).",
    options,
    1,
    1,
};

struct key_type {
    const char *name;
    CK_KEY_TYPE type;
    CK_ULONG bits;
    int nid;
    CK_MECHANISM_TYPE mechanism;
};

static const struct key_type key_types[] = {
    {"rsa:2048", CKK_RSA, 2048, NID_undef, CKM_RSA_PKCS_KEY_PAIR_GEN},
    {"rsa:3072", CKK_RSA, 3072, NID_undef, CKM_RSA_PKCS_KEY_PAIR_GEN},
    {"rsa:4096", CKK_RSA, 4096, NID_undef, CKM_RSA_PKCS_KEY_PAIR_GEN},
    {"ec:p256", CKK_EC, 0, NID_X9_62_prime256v1, CKM_EC_KEY_PAIR_GEN},
    {"ec:p384", CKK_EC, 0, NID_secp384r1, CKM_EC_KEY_PAIR_GEN},
    {"ec:p521", CKK_EC, 0, NID_secp521r1, CKM_EC_KEY_PAIR_GEN},
    {"ed25519", CKK_EC_EDWARDS, 0, NID_ED25519, CKM_EC_EDWARDS_KEY_PAIR_GEN},
    {NULL, 0, 0, 0, 0},
};

static const struct key_type *key_type_by_name(const char *name)
{
    for (const struct key_type *t = key_types; t->name; t++) {
        if (strcmp(t->name, name) == 0)
            return t;
    }
    if (strncmp(name, "rsa:", 4) == 0 && atoi(name + 4) > 0 && atoi(name + 4) < 2048)
        cli_usage_error("--type %s is too weak: RSA keys have at least 2048 bits", name);
    else
        cli_usage_error("unknown --type \"%s\": use rsa:2048, rsa:3072, rsa:4096, ec:p256, "
                        "ec:p384, ec:p521 or ed25519",
                        name);
    return NULL;
}

/* keygen's type when --type is not given: the token profile's. */
static const struct key_type *profile_key_type(const struct token_profile *profile)
{
    for (const struct key_type *t = key_types; t->name; t++) {
        if (strcmp(t->name, profile->default_key_type) == 0)
            return t;
    }
    errorf("token profile %s: default_key_type \"%s\" is not a type keygen makes", profile->name,
           profile->default_key_type);
    return NULL;
}

/* --id: 1 to TOKEN_ID_MAX bytes of hex, colons allowed ("01:a2"). */
static int parse_id(const char *text, unsigned char *id, CK_ULONG *len)
{
    long n = 0;
    unsigned char *bytes = OPENSSL_hexstr2buf(text, &n);

    if (!bytes || n <= 0 || n > TOKEN_ID_MAX) {
        OPENSSL_free(bytes);
        return cli_usage_error("bad --id \"%s\": give 1 to %d bytes in hex, e.g. 01a2", text,
                               TOKEN_ID_MAX);
    }
    memcpy(id, bytes, (size_t)n);
    *len = (CK_ULONG)n;
    OPENSSL_free(bytes);
    return 0;
}

/* SIGINT, SIGTERM or SIGHUP while the pair is being made: the number of the
 * signal. A signal handler can only set a flag, so this one static is the
 * exception to "no global mutable state"; keygen checks it between steps and
 * removes the pair it made before dying of the signal. */
static volatile sig_atomic_t interrupted;

static const int caught_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define N_CAUGHT (sizeof(caught_signals) / sizeof(caught_signals[0]))

static void on_signal(int sig)
{
    interrupted = sig;
}

/* A signal ignored when p11cert started (nohup, a background job) stays
 * ignored. */
static void catch_signals(struct sigaction saved[N_CAUGHT])
{
    struct sigaction act;

    memset(&act, 0, sizeof(act));
    act.sa_handler = on_signal;
    sigemptyset(&act.sa_mask);
    for (size_t i = 0; i < N_CAUGHT; i++) {
        sigaction(caught_signals[i], NULL, &saved[i]);
        if (saved[i].sa_handler != SIG_IGN)
            sigaction(caught_signals[i], &act, NULL);
    }
}

static void restore_signals(const struct sigaction saved[N_CAUGHT])
{
    for (size_t i = 0; i < N_CAUGHT; i++)
        sigaction(caught_signals[i], &saved[i], NULL);
}

/* Dies of the signal that interrupted keygen, as if it had not been caught,
 * so the caller sees the real cause. */
static void die_of_signal(int sig)
{
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Keygens with one module on one machine take turns: an advisory lock on a
 * file named after the module in $XDG_RUNTIME_DIR or /tmp, held from before
 * the module is loaded until the pair is complete. Tokens that cache objects
 * per process need it: SoftHSM 2.6 does not see a pair another process made
 * while it was making its own (Generation::commit takes the other's update
 * of the generation file as its own), so the check after creating cannot
 * find it; and its logins rewrite token.object, truncated before it is
 * locked (ObjectFile::store), so a process reading it then sees no token.
 * Processes on other machines are still sorted out by token_keygen_contest.
 * Returns the locked descriptor, or -1 when there is no lock to be had (not
 * an error: keygen goes on without it). */
#define KEYGEN_LOCK_WAIT_POLLS 2400 /* 50 ms each: two minutes */

static int keygen_lock(const char *module)
{
    unsigned char digest[SHA256_DIGEST_LENGTH];
    const char *dir = getenv("XDG_RUNTIME_DIR");
    char path[512];
    int fd;

    SHA256((const unsigned char *)module, strlen(module), digest);
    if (!dir || *dir != '/')
        dir = "/tmp";
    snprintf(path, sizeof(path), "%s/p11cert-keygen-%02x%02x%02x%02x%02x%02x%02x%02x.lock", dir,
             digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6],
             digest[7]);
    fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        debugf("no keygen lock (%s: %s): relying on the check after creating", path,
               strerror(errno));
        return -1;
    }
    for (int poll = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; poll++) {
        if ((errno != EWOULDBLOCK && errno != EINTR) || poll == KEYGEN_LOCK_WAIT_POLLS) {
            warnf("another keygen holds %s: going ahead without waiting for it", path);
            close(fd);
            return -1;
        }
        if (poll == 0)
            debugf("waiting for another keygen on this token (%s)", path);
        nanosleep(&(struct timespec){0, 50 * 1000000L}, NULL);
    }
    return fd;
}

static int print_result(struct cli *cli, struct token_ctx *ctx, const struct token_key *key,
                        const struct key_type *type)
{
    char *priv = token_object_uri(ctx, CKO_PRIVATE_KEY, key->id, key->id_len, key->label);
    char *pub = token_object_uri(ctx, CKO_PUBLIC_KEY, key->id, key->id_len, key->label);
    int ret = -1;

    if (!priv || !pub) {
        errorf("cannot format the key's URI");
    } else if (cli->json) {
        ret = json_out_print(json_pack("{s:s, s:s, s:s, s:s, s:o}", "uri", priv, "public_uri", pub,
                                       "label", key->label, "type", type->name, "id",
                                       json_out_hex(key->id, key->id_len)));
    } else {
        printf("%s\n", priv);
        notef("generated %s key \"%s\" on the token; it cannot leave it", type->name, key->label);
        ret = 0;
    }
    free(priv);
    free(pub);
    return ret;
}

int cmd_keygen(struct cli *cli, int argc, char **argv)
{
    struct cli_parser parser;
    struct token_ctx ctx;
    struct token_key key;
    struct token_keygen gen;
    P11KitUri *uri = NULL;
    const struct key_type *type = NULL; /* --type, else the token profile's default */
    struct token_profile profile;
    unsigned char id[TOKEN_ID_MAX], params[32], derived[20];
    CK_ULONG id_len = 0;
    const char *arg, *label = NULL, *id_text = NULL;
    char **args;
    struct sigaction saved[N_CAUGHT];
    int opt, generated = 0, lost = 0, signals_caught = 0, random_id = 0, lock_fd = -1;
    int ret = EXIT_USAGE;

    memset(&ctx, 0, sizeof(ctx));
    memset(&gen, 0, sizeof(gen));
    if (cli_parser_init(&parser, cli, &spec, argc, argv) < 0)
        return EXIT_FAIL;
    while ((opt = cli_next(&parser, &arg)) >= 0) {
        if (opt == OPT_LABEL)
            label = arg;
        else if (opt == OPT_ID && (id_text = arg) && parse_id(arg, id, &id_len) < 0)
            goto cleanup;
        else if (opt == OPT_TYPE && !(type = key_type_by_name(arg)))
            goto cleanup;
    }
    if (opt == CLI_HELP)
        ret = EXIT_OK;
    if (opt != CLI_END || cli_args(&parser, &args) < 0)
        goto cleanup;
    if (label && !json_out_is_utf8(label)) {
        cli_usage_error("--label must be UTF-8 text, as PKCS#11 labels are");
        goto cleanup;
    }
    if (!label || !*label || strlen(label) >= TOKEN_LABEL_MAX) {
        cli_usage_error(label ? "--label takes 1 to %d characters"
                              : "--label is required (1 to %d characters)",
                        TOKEN_LABEL_MAX - 1);
        goto cleanup;
    }

    ret = EXIT_FAIL;
    if (!(uri = token_uri_parse(args[0], "token URI"))) {
        ret = EXIT_USAGE;
        goto cleanup;
    }
    lock_fd = keygen_lock(cli->token.module                  ? cli->token.module
                          : p11_kit_uri_get_module_path(uri) ? p11_kit_uri_get_module_path(uri)
                          : p11_kit_uri_get_module_name(uri) ? p11_kit_uri_get_module_name(uri)
                                                             : "(p11-kit registered modules)");
    if (token_ctx_init(&ctx, &cli->token, uri) < 0 ||
        token_open(&ctx, &cli->token, TOKEN_NEEDS_RW | TOKEN_NEEDS_LOGIN) < 0)
        goto cleanup;
    /* What the token's profile knows: its default key type, its label limit
     * and how it wants key ids. */
    if (token_profile_for_slot(&cli->token, &ctx.slot, &profile) < 0 ||
        (!type && !(type = profile_key_type(&profile))) ||
        token_profile_keygen_id(&profile, label, id, &id_len, &random_id) < 0)
        goto cleanup;
    if (random_id) {
        id_text = "(random)";
        notef("this token cannot set a key's id after generation (profile %s): the id is set at "
              "generation, and random",
              profile.name);
    }
    gen.type = type->type;
    gen.bits = type->bits;
    gen.label = label;
    gen.id = id_len ? id : NULL;
    gen.id_len = id_len;
    if (type->nid != NID_undef) {
        int len = x509_curve_params(type->nid, params, sizeof(params));

        if (len < 0) {
            errorf("cannot encode the curve of %s: %s", type->name, msg_openssl_reason());
            goto cleanup;
        }
        gen.ec_params = params;
        gen.ec_params_len = (CK_ULONG)len;
    }
    if (!token_has_mechanism(&ctx, type->mechanism)) {
        errorf("%s keys are not supported by this token (its mechanism list lacks the key "
               "generation mechanism)",
               type->name);
        goto cleanup;
    }
    if (token_require_unused(&ctx, CKA_LABEL, label, strlen(label), "label", label,
                             "choose another --label") < 0 ||
        (id_len && token_require_unused(&ctx, CKA_ID, id, id_len, "id", id_text,
                                        "choose another --id, or leave it out") < 0))
        goto cleanup;
    /* From here until the URI is printed, a signal means: remove the pair. */
    catch_signals(saved);
    signals_caught = 1;
    if (interrupted || token_generate_key_pair(&ctx, &gen, &key) < 0)
        goto cleanup;
    generated = 1;
    /* Without --id the pair is "pending" (no CKA_ID) until it has won the
     * label against any other keygen running at the same time. */
    if (!id_len && !interrupted) {
        if ((lost = token_keygen_contest(&ctx, &key, 0)) != 0)
            goto cleanup;
        if (x509_pubkey_id(&key.pubkey, derived) < 0 ||
            token_set_key_id(&ctx, &key, derived, sizeof(derived)) < 0)
            goto cleanup;
    }
    if (interrupted || (lost = token_keygen_contest(&ctx, &key, 1)) != 0 || interrupted)
        goto cleanup;
    if (print_result(cli, &ctx, &key, type) < 0)
        goto cleanup;
    ret = EXIT_OK;
cleanup:
    if (ret != EXIT_OK && generated)
        token_destroy_key(&ctx, &key);
    if (lost > 0) {
        errorf("another keygen made a key pair labelled \"%s\" on this token at the same time; "
               "that one keeps the label and this one was removed",
               label);
        hintf("use the other key ('p11cert list' shows it), or choose another label");
    }
    if (interrupted && ret != EXIT_OK)
        errorf("interrupted by signal %d: %s", (int)interrupted,
               generated ? "the key pair was removed from the token" : "no key pair was made");
    token_ctx_free(&ctx);
    if (lock_fd >= 0)
        close(lock_fd); /* never removed: another keygen may be waiting on it */
    cli_parser_free(&parser);
    if (signals_caught)
        restore_signals(saved);
    if (interrupted)
        die_of_signal(interrupted);
    return ret;
}
