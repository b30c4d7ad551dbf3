/* keygen: a signing key pair made on the token, never extractable, with
 * everything around it that makes it safe to run — the token profile's
 * quirks, a lock so that keygens on one machine take turns, the label
 * contest with keygens elsewhere, and a pair removed again when a step
 * fails or a signal comes before the caller has handed its URI over. */
#ifndef P11CERT_WORKFLOW_KEYGEN_H
#define P11CERT_WORKFLOW_KEYGEN_H

#include "token/token.h"
#include "util/interrupt.h"

struct keygen_type {
    const char *name; /* "rsa:2048", "ec:p256", "ed25519", ... */
    CK_KEY_TYPE type;
    CK_ULONG bits;
    int nid; /* the curve, or NID_undef */
    CK_MECHANISM_TYPE mechanism;
};

/* The type keygen makes under that name; NULL when there is none (the
 * caller reports the usage error: keygen_type_choices() lists them, and
 * keygen_type_too_weak() tells a short RSA key apart). */
const struct keygen_type *keygen_type_by_name(const char *name);
int keygen_type_too_weak(const char *name);
const char *keygen_type_choices(void);

struct keygen_request {
    const char *label;
    const unsigned char *id; /* --id; NULL: the SHA-1 of the public value */
    CK_ULONG id_len;
    const char *id_text;            /* --id as given, for messages */
    const struct keygen_type *type; /* NULL: the token profile's default_key_type */
};

struct keygen_result {
    struct token_key key;
    const struct keygen_type *type;
    int made; /* the pair is on the token, and removed by keygen_finish unless handed over */
    int lost; /* another keygen made a pair with this label at the same time, and won */
    int relogin_to_remove; /* the token profile's: a pair is removed after a new login */
    struct interrupt_guard guard;
};

/* Makes the pair on ctx's token (opened read-write and logged in). From
 * generation on, SIGINT/SIGTERM/SIGHUP are caught until keygen_finish.
 * Returns the exit status; keygen_finish follows in every case. */
int keygen_generate(struct token_ctx *ctx, const struct token_config *config,
                    const struct keygen_request *req, struct keygen_result *out);

/* After the caller printed the key's URI (status EXIT_OK) or failed to:
 * removes the pair unless it was handed over and no signal came, says what
 * happened, and restores the signals' handling. Returns the exit status.
 * The caller then frees the token and dies of interrupt_pending(), if any. */
int keygen_finish(struct token_ctx *ctx, struct keygen_result *out, int status);

#endif
