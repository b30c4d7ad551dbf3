/* Token profiles: what runtime queries cannot tell about a token family —
 * known quirks, defaults and where its module usually is. One small
 * "key = value" file per family in tokens/ (NAME.profile), chosen by
 * --profile or matched by the token's manufacturer and model (or by the
 * module it is reached through). Parsing is pure; finding and reading the
 * files are the only I/O here. */
#ifndef P11CERT_TOKEN_PROFILE_H
#define P11CERT_TOKEN_PROFILE_H

#include <stddef.h>

#include "token/token.h"

#define PROFILE_NAME_MAX    64
#define PROFILE_LIST_MAX    6
#define PROFILE_ITEM_MAX    256
#define PROFILE_KEYTYPE_MAX 16
#define PROFILE_HINT_MAX    4

/* A comma-separated list: globs to match, or module hints. */
struct profile_list {
    char items[PROFILE_LIST_MAX][PROFILE_ITEM_MAX];
    size_t count;
};

enum profile_cert_template {
    PROFILE_CERT_MINIMAL, /* the attributes PKCS#11 requires, and the id and label */
    PROFILE_CERT_FULL,    /* also not private, category, start and end dates */
};

enum profile_id_convention {
    PROFILE_ID_SHA1, /* CKA_ID = SHA-1 of the public key value (NSS, OpenSC, p11cert) */
    PROFILE_ID_PIV,  /* CKA_ID names the PIV key slot: 01 = 9a, 02 = 9c, 03 = 9d, 04 = 9e */
};

/* What a server's worker processes need to reach the token (server-config). */
enum profile_worker_access {
    PROFILE_ACCESS_MODULE,  /* whatever the module needs: the general rule only */
    PROFILE_ACCESS_SOFTHSM, /* SoftHSM: the token directory of its configuration file */
};

/* How the token signs a key type: a raw mechanism over a hash made here
 * (CKM_RSA_PKCS over a DigestInfo, CKM_RSA_PKCS_PSS or CKM_ECDSA over the
 * hash), or the hashed mechanism over the data (CKM_SHA256_RSA_PKCS,
 * CKM_SHA256_RSA_PKCS_PSS, CKM_ECDSA_SHA256, ...), for tokens whose raw
 * mechanism is something else (a TPM does raw RSA as a decryption). */
enum profile_sign_mode {
    PROFILE_SIGN_RAW,
    PROFILE_SIGN_HASHED,
};

/* What to tell the operator when the token answers rv: the token family's
 * likely cause, in place of p11cert's general hint. */
struct profile_hint {
    CK_RV rv;
    char text[PROFILE_ITEM_MAX];
};

struct token_profile {
    char name[PROFILE_NAME_MAX];
    char source[PROFILE_ITEM_MAX]; /* the file it came from, or "built-in" */
    char description[PROFILE_ITEM_MAX];
    struct profile_list match_manufacturer; /* fnmatch globs on CK_TOKEN_INFO */
    struct profile_list match_model;
    struct profile_list match_module; /* globs on the module's path or p11-kit name */
    struct profile_list module;       /* where the module usually is: paths, p11-kit names */
    char default_key_type[PROFILE_KEYTYPE_MAX]; /* keygen without --type */
    enum profile_cert_template cert_template;
    unsigned long label_max;     /* 0: no limit but PKCS#11's own */
    int set_id_after_generation; /* C_SetAttributeValue(CKA_ID) works after keygen */
    enum profile_id_convention id_convention;
    struct profile_list worker_env; /* variables the module reads: a server passes them on */
    enum profile_worker_access worker_access;
    int public_key_usage;  /* keygen sets the public half's usages (0: leaves them to the token) */
    int relogin_to_remove; /* a pair keygen removes again is removed after a new login */
    enum profile_sign_mode sign_rsa, sign_ec;
    struct profile_hint hints[PROFILE_HINT_MAX];
    size_t n_hints;
};

/* The built-in defaults (the generic profile) under name. */
void token_profile_defaults(struct token_profile *profile, const char *name);

/* Parses a profile's text over the defaults. Returns 0, or -1 with why as
 * "line N: reason". */
int token_profile_parse(const char *text, size_t len, struct token_profile *profile, char *why,
                        size_t why_len);

/* Whether the profile's match_* globs match the token and its module:
 * 2 by module, 1 by manufacturer/model, 0 not at all. info may be NULL
 * (a module whose tokens are not known): then only a module match counts. */
int token_profile_matches(const struct token_profile *profile, const CK_TOKEN_INFO *info,
                          const char *module);

/* The profile's hint for rv, or NULL. */
const char *token_profile_hint(const struct token_profile *profile, CK_RV rv);

/* Shows the profile's hint for rv (hintf, naming the profile), if it has
 * one: returns 1 then, else 0. */
int token_profile_hintf(const struct token_profile *profile, CK_RV rv);

/* The directory the profiles are in: $P11CERT_PROFILES, the installed
 * one, or the source tree's tokens/. malloc'd. */
char *token_profile_dir(void);

/* Loads config->profile (a name in the profile directory, or a file path).
 * Reports its own errors. */
int token_profile_load(const char *name_or_file, struct token_profile *profile);

/* The profile for a token: config->profile when given, else the profile
 * that matches it best (a module match before a manufacturer/model match,
 * then by name), else "generic". Reports its own errors. */
int token_profile_for_slot(const struct token_config *config, const struct token_slot *slot,
                           struct token_profile *profile);

/* The profile of the token ctx opened (token_profile_for_slot with the
 * configuration it was opened with), read once and kept in ctx. NULL after
 * reporting why. */
const struct token_profile *token_ctx_profile(struct token_ctx *ctx);

/* The profile for a module whose tokens are not known yet (it failed to
 * initialize): config->profile when given, else the one whose match_module
 * matches module, else "generic". Reports its own errors. */
int token_profile_for_module(const struct token_config *config, const char *module,
                             struct token_profile *profile);

/* A module path or p11-kit name from config->profile's module hints (the
 * first path that exists, else the first name), for when no module is
 * given. *hint is malloc'd, or NULL with no profile or no hint. Returns 0,
 * or -1 when the profile cannot be loaded (reported). */
int token_profile_module_hint(const struct token_config *config, char **hint);

/* What keygen must do about the profile's quirks before generating: label
 * length, the PIV id convention, and an id set at generation when the token
 * cannot set one afterwards (a random one, when none was given; *random
 * says so). Reports its own errors; returns 0 or -1. */
int token_profile_keygen_id(const struct token_profile *profile, const char *label,
                            unsigned char *id, CK_ULONG *id_len, int *random);

#endif
