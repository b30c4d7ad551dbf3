/* The token layer: the only code that calls PKCS#11.
 *
 * Modules are loaded through p11-kit; a token is chosen by an RFC 7512 URI
 * (never by slot number); every object lookup is one C_FindObjectsInit with
 * a template, so no operation costs more calls on a token that holds more
 * objects. Nothing here knows about X.509: keys come out as raw attribute
 * values, signatures go in and out as bytes. */
#ifndef P11CERT_TOKEN_H
#define P11CERT_TOKEN_H

#include <stddef.h>

#include <p11-kit/p11-kit.h>
#include <p11-kit/uri.h>

#include "util/secret.h"

/* What the CLI tells the token layer. */
struct token_config {
    const char *module;              /* --module or $P11CERT_MODULE: a path or a p11-kit name */
    const char *init_args;           /* --module-init-args: CK_C_INITIALIZE_ARGS.pReserved */
    const char *profile;             /* --profile: a profile's name or file; NULL: matched */
    struct secret_source pin_source; /* --pin-source; kind NONE when not given */
};

/* What an operation needs from the token it opens. */
enum token_needs {
    TOKEN_NEEDS_NOTHING = 0,
    TOKEN_NEEDS_RW = 1 << 0,     /* a read-write session (keygen, import) */
    TOKEN_NEEDS_LOGIN = 1 << 1,  /* a user login, PIN required */
    TOKEN_LOGIN_IF_PIN = 1 << 2, /* log in when a PIN source is at hand (list) */
    TOKEN_KEEP_PIN = 1 << 3,     /* keep the PIN for a second login (libp11, check --tls) */
};

struct token_module {
    CK_FUNCTION_LIST *fn;
    char *name;      /* p11-kit's name, or the path it was loaded from */
    int initialized; /* we called C_Initialize, so we call C_Finalize */
    int usable;      /* initialized by us or before us */
};

/* A slot with a token in it, as C_GetTokenInfo described it. */
struct token_slot {
    struct token_module *module;
    CK_SLOT_ID id;
    CK_TOKEN_INFO info;
};

struct token_profile; /* token/profile.h */

/* The loaded modules, the token an operation works on and its session. */
struct token_ctx {
    const struct token_config *config; /* what it was opened with */
    struct token_module *modules;
    size_t n_modules;
    P11KitUri *uri;            /* the URI the operation was given (never NULL) */
    struct token_slot slot;    /* the chosen token, when one was opened */
    CK_SESSION_HANDLE session; /* CK_INVALID_HANDLE until token_open */
    int logged_in;
    struct secret pin;             /* with TOKEN_KEEP_PIN only; wiped by token_ctx_free */
    struct token_profile *profile; /* the opened token's, once token_ctx_profile read it */
};

/* Parses a URI given on the command line (NULL or "" means "pkcs11:");
 * what names it in errors. Returns NULL after reporting why: the caller
 * exits with the usage status, before any module is loaded. */
P11KitUri *token_uri_parse(const char *text, const char *what);

/* Loads and initializes the module(s) config and uri name, else every module
 * p11-kit registers. Takes uri (from token_uri_parse) in every case.
 * Reports its own errors; returns 0 or -1. */
int token_ctx_init(struct token_ctx *ctx, const struct token_config *config, P11KitUri *uri);

/* The file the opened token's module was loaded from (p11-kit resolves
 * a registered name); malloc'd, NULL when it cannot tell. */
char *token_module_path(const struct token_ctx *ctx);

/* Finalizes every module (SoftHSM crashes at exit without it) and frees. */
void token_ctx_free(struct token_ctx *ctx);

/* Every slot with a token that the URI matches, across modules. *slots is
 * malloc'd. Uninitialized tokens are included only when with_uninitialized. */
int token_find_slots(struct token_ctx *ctx, int with_uninitialized, struct token_slot **slots,
                     size_t *n_slots);

/* Chooses the one token the URI matches (an error lists them when more than
 * one does), opens a session and logs in as needs says. */
int token_open(struct token_ctx *ctx, const struct token_config *config, unsigned needs);

/* How to open a token whose URI is known only later: the configuration
 * and what the operation needs (enum token_needs). */
struct token_opening {
    const struct token_config *config;
    unsigned needs;
};

/* token_ctx_init and token_open in one: loads the module(s), opens the one
 * token uri selects and logs in as how says; ctx takes uri in every case.
 * Reports its own errors; returns 0 or -1. */
int token_open_uri(struct token_ctx *ctx, const struct token_opening *how, P11KitUri *uri);

/* Same, on a slot already found by token_find_slots. */
int token_open_slot(struct token_ctx *ctx, const struct token_config *config,
                    const struct token_slot *slot, unsigned needs);

/* One more read-only session on ctx's opened token, for a thread of its
 * own (a session is used by one thread at a time). The login is the
 * token's, not the session's: it is logged in when ctx is. Returns the
 * module's answer and reports nothing: whether a refusal is an error is
 * the caller's to say. */
CK_RV token_open_session(struct token_ctx *ctx, CK_SESSION_HANDLE *session);
void token_close_session(struct token_ctx *ctx, CK_SESSION_HANDLE session);

/* Another user of the same module instance (libp11) closed every session
 * of the slot, ours included: forget it, so that nothing uses or closes
 * it again. */
void token_session_lost(struct token_ctx *ctx);

/* The token flags that are set, in words, into names[0..max). */
size_t token_flag_names(CK_FLAGS flags, const char **names, size_t max);

/* Token flags in words ("login required, PIN count low"); writes into buf. */
const char *token_flags_words(CK_FLAGS flags, char *buf, size_t len);

/* CK_TOKEN_INFO's space-padded text fields as C strings. */
struct token_names {
    char label[sizeof(((CK_TOKEN_INFO *)0)->label) + 1];
    char manufacturer[sizeof(((CK_TOKEN_INFO *)0)->manufacturerID) + 1];
    char model[sizeof(((CK_TOKEN_INFO *)0)->model) + 1];
    char serial[sizeof(((CK_TOKEN_INFO *)0)->serialNumber) + 1];
};

void token_info_names(const CK_TOKEN_INFO *info, struct token_names *out);

/* ---- URIs (pure: no PKCS#11 call) -------------------------------------- */

/* Whether the URI says anything about the module (library-*) or the slot
 * (slot-description, slot-manufacturer): matching those costs a call. */
int token_uri_has_module_info(P11KitUri *uri);
int token_uri_has_slot_info(P11KitUri *uri);

/* Whether uri selects the token in slot: its slot-id, if any, and its
 * token attributes (token, manufacturer, model, serial). */
int token_uri_matches_token(P11KitUri *uri, CK_SLOT_ID slot, const CK_TOKEN_INFO *info);

/* Whether uri's module-path / module-name, if any, name module (the path
 * or p11-kit name it was loaded as). */
int token_uri_names_module(P11KitUri *uri, const char *module);

/* The PKCS#11 name of a return value ("CKR_PIN_INCORRECT"). */
const char *token_rv_name(CK_RV rv);

/* The return value PKCS#11 calls name (a name token_rv_name knows):
 * 0 with *rv, or -1. */
int token_rv_by_name(const char *name, CK_RV *rv);

/* ---- objects ----------------------------------------------------------- */

/* Up to max handles of objects matching the template: one FindObjectsInit,
 * one FindObjects, one FindObjectsFinal. */
int token_find_objects(struct token_ctx *ctx, CK_ATTRIBUTE *tmpl, CK_ULONG n,
                       CK_OBJECT_HANDLE *found, CK_ULONG max, CK_ULONG *n_found);

/* Every object matching the template (for listing, never for a lookup):
 * one search, FindObjects repeated until it is exhausted. *found is
 * malloc'd. */
int token_list_objects(struct token_ctx *ctx, CK_ATTRIBUTE *tmpl, CK_ULONG n,
                       CK_OBJECT_HANDLE **found, CK_ULONG *n_found);

/* Refuses a label or id (attr) already carried by an object on the token,
 * before anything is created: "WHAT \"SHOWN\" is already used on this
 * token" and hint. Returns 0 when unused, -1 after reporting. */
int token_require_unused(struct token_ctx *ctx, CK_ATTRIBUTE_TYPE attr, const void *value,
                         CK_ULONG len, const char *what, const char *shown, const char *hint);

/* One C_GetAttributeValue; attributes the object lacks or hides come back
 * with ulValueLen = CK_UNAVAILABLE_INFORMATION, which is not an error. */
int token_get_attributes(struct token_ctx *ctx, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE *attrs,
                         CK_ULONG n);

#define TOKEN_ID_MAX    64
#define TOKEN_LABEL_MAX 256

/* One object as `list` shows it. Flags are 1, 0 or -1 (the token does not
 * say). */
struct token_object {
    CK_OBJECT_CLASS cls;
    int is_key; /* it has a CKA_KEY_TYPE */
    CK_KEY_TYPE key_type;
    CK_ULONG bits; /* RSA; 0 when unknown */
    unsigned char ec_params[128];
    CK_ULONG ec_params_len; /* EC and EdDSA: the curve */
    int sensitive, extractable, never_extractable;
    unsigned char id[TOKEN_ID_MAX];
    CK_ULONG id_len;
    char label[TOKEN_LABEL_MAX];
};

/* Reads what struct token_object holds, in one call. */
int token_describe_object(struct token_ctx *ctx, CK_OBJECT_HANDLE obj, struct token_object *out);

/* Whether a private key carries id (one search): a public key without one
 * is an orphan, left by a key generation that did not finish. */
int token_private_key_exists(struct token_ctx *ctx, const unsigned char *id, CK_ULONG id_len,
                             int *exists);

/* Whether any key of that type is on the token (one search). */
int token_holds_key_type(struct token_ctx *ctx, CK_KEY_TYPE type, int *holds);

/* A public key as the token holds it. ec_point is the value of CKA_EC_POINT
 * (usually a DER OCTET STRING around the point, raw on some tokens). */
struct token_pubkey {
    CK_KEY_TYPE type;
    unsigned char modulus[1024];
    CK_ULONG modulus_len;
    unsigned char exponent[16];
    CK_ULONG exponent_len;
    unsigned char ec_params[128];
    CK_ULONG ec_params_len;
    unsigned char ec_point[160];
    CK_ULONG ec_point_len;
    unsigned char ec_point_raw[160]; /* the point itself, for tokens that store it so */
    CK_ULONG ec_point_raw_len;       /* 0 when unknown */
};

/* A key pair on the token. */
struct token_key {
    CK_OBJECT_HANDLE priv;
    CK_OBJECT_HANDLE pub; /* CK_INVALID_HANDLE when the token keeps no public object */
    unsigned char id[TOKEN_ID_MAX];
    CK_ULONG id_len;
    char label[TOKEN_LABEL_MAX]; /* NUL-terminated */
    struct token_pubkey pubkey;
};

/* Finds on the opened token the one key pair that key_uri names by its
 * object attributes (type, label, id; the token attributes chose the token
 * already): by name in one search, else the public key first (its
 * attributes in one call), then the private key by its CKA_ID. No match
 * and more than one match are errors that say what was searched or list
 * the candidates. Needs a logged-in session. */
int token_find_key(struct token_ctx *ctx, P11KitUri *key_uri, struct token_key *key);

/* One read of everything a key lookup needs: class, type, id, label and the
 * public value (RSA private keys carry it too; EC private keys do not). */
int token_read_key(struct token_ctx *ctx, CK_OBJECT_HANDLE obj, CK_OBJECT_CLASS *cls,
                   struct token_key *key);

/* Whether key->pubkey holds the public value (modulus, or EC point). */
int token_key_has_public_value(const struct token_key *key);

/* Finds the key pair whose public value is pk's with template searches on
 * the value itself (RSA modulus, EC point): no enumeration. *found says
 * whether it is on the token. Returns 0, or -1 on error (reported). */
int token_find_key_by_public(struct token_ctx *ctx, const struct token_pubkey *pk,
                             struct token_key *key, int *found);

/* A certificate to store, DER pieces as OpenSSL encodes them. */
struct token_certificate {
    const unsigned char *value, *subject, *issuer, *serial;
    CK_ULONG value_len, subject_len, issuer_len, serial_len;
    const unsigned char *id; /* NULL for authority certificates */
    CK_ULONG id_len;
    const char *label;
    int authority;                /* CKA_CERTIFICATE_CATEGORY 2 */
    int full;                     /* a token profile's cert_template = full: also the below */
    CK_DATE start_date, end_date; /* the validity, for CKA_START_DATE / CKA_END_DATE */
};

/* Stores cert with a minimal template (with cert->full: also not private,
 * its category and its dates) unless the same value is on the token
 * already (*already set, nothing changed). *made: the new object, for
 * undoing, or CK_INVALID_HANDLE. A failure names the certificate. */
int token_store_certificate(struct token_ctx *ctx, const struct token_certificate *cert,
                            int *already, CK_OBJECT_HANDLE *made);

/* Destroys one object (an object this command made, when undoing; or one
 * that renew retires). CK_INVALID_HANDLE does nothing; a failure is
 * reported. */
int token_destroy_object(struct token_ctx *ctx, CK_OBJECT_HANDLE obj);

/* ---- replacing (token/retire.c) ---------------------------------------- */

/* The largest object value token_read_value reads (a certificate). */
#define TOKEN_VALUE_MAX (64 * 1024)

/* Up to max certificate objects that carry the key id. */
int token_find_certificates_by_id(struct token_ctx *ctx, const unsigned char *id, CK_ULONG id_len,
                                  CK_OBJECT_HANDLE *found, CK_ULONG max, CK_ULONG *n_found);

/* An object's CKA_VALUE, malloc'd into *value. */
int token_read_value(struct token_ctx *ctx, CK_OBJECT_HANDLE obj, unsigned char **value,
                     CK_ULONG *len);

/* Every object that carries id (a key pair and its certificates), found
 * by one search; *n_destroyed says how many went. */
int token_destroy_by_id(struct token_ctx *ctx, const unsigned char *id, CK_ULONG id_len,
                        CK_ULONG *n_destroyed);

/* Creates a key pair from key material (a PFX's private key): the
 * material attributes come from the caller, the policy from here —
 * sensitive, never extractable, signing only, the same id and label on
 * both halves. On failure nothing is left on the token. */
int token_create_key_pair(struct token_ctx *ctx, CK_KEY_TYPE type, CK_ATTRIBUTE *priv_material,
                          CK_ULONG n_priv, CK_ATTRIBUTE *pub_material, CK_ULONG n_pub,
                          const char *label, const unsigned char *id, CK_ULONG id_len,
                          struct token_key *key);

/* uri as text for messages, without any pin-value; malloc'd. */
char *token_uri_display(P11KitUri *uri, P11KitUriType type);

/* The RFC 7512 URI of an object on the opened token; malloc'd. */
char *token_object_uri(struct token_ctx *ctx, CK_OBJECT_CLASS cls, const unsigned char *id,
                       CK_ULONG id_len, const char *label);

/* The same without the token's attributes, for naming candidates. */
char *token_object_short_uri(struct token_ctx *ctx, CK_OBJECT_CLASS cls, const unsigned char *id,
                             CK_ULONG id_len, const char *label);

/* The RFC 7512 URI of a token; malloc'd. */
char *token_slot_uri(const struct token_slot *slot);

/* ---- mechanisms, signing, key generation --------------------------------- */

/* Whether the opened token lists mech (one C_GetMechanismList). */
int token_has_mechanism(struct token_ctx *ctx, CK_MECHANISM_TYPE mech);

/* Whether the token tells the key sizes mech takes (C_GetMechanismInfo):
 * 1 with *min and *max, 0 when it does not say (no answer, or 0 to 0). */
int token_mechanism_key_sizes(struct token_ctx *ctx, CK_MECHANISM_TYPE mech, CK_ULONG *min,
                              CK_ULONG *max);

/* C_SignInit + C_Sign on session (ctx's own, or one of token_open_session),
 * the output buffer sized up front so no length query is made. *sig_len is
 * the buffer size in, the signature's length out. Calls on different
 * sessions may run at once on different threads (the module was
 * initialized with CKF_OS_LOCKING_OK). */
int token_sign(struct token_ctx *ctx, CK_SESSION_HANDLE session, CK_OBJECT_HANDLE key,
               CK_MECHANISM *mech, const unsigned char *data, CK_ULONG data_len, unsigned char *sig,
               CK_ULONG *sig_len);

struct token_keygen {
    CK_KEY_TYPE type;               /* CKK_RSA, CKK_EC or CKK_EC_EDWARDS */
    CK_ULONG bits;                  /* RSA */
    const unsigned char *ec_params; /* DER OID of the curve (EC, Ed25519) */
    CK_ULONG ec_params_len;
    const char *label;
    const unsigned char *id; /* NULL: the caller sets it afterwards */
    CK_ULONG id_len;
    int public_usage;      /* set the public half's usages (0: the token's own) */
    int relogin_to_remove; /* a pair that fails its checks is removed after a new login */
};

/* Generates a non-extractable signing key pair with the minimal template of
 * ARCHITECTURE.md, reads the attributes back and checks them. On failure no
 * object is left behind. */
int token_generate_key_pair(struct token_ctx *ctx, const struct token_keygen *spec,
                            struct token_key *key);

/* Appends p11cert's key policy (TOKEN_KEY_POLICY_SIZE attributes at most to
 * each half: sensitive, never extractable, sign/verify only, every other
 * usage off) to the templates of a key pair being generated or imported.
 * public_usage 0 leaves the public half's usages out (a token profile's
 * public_key_usage = omit); the private half always has them. */
#define TOKEN_KEY_POLICY_SIZE 8
void token_key_policy(CK_ATTRIBUTE *priv, CK_ULONG *n_priv, CK_ATTRIBUTE *pub, CK_ULONG *n_pub,
                      int public_usage);

/* Reads the private half back and reports any attribute that is not as the
 * policy says (one read). Returns 0, or -1 after reporting. */
int token_check_key_policy(struct token_ctx *ctx, const struct token_key *key);

/* Sets CKA_ID on both halves. */
int token_set_key_id(struct token_ctx *ctx, struct token_key *key, const unsigned char *id,
                     CK_ULONG id_len);

/* Destroys both halves (best effort, for undoing a failed generation).
 * relogin: log out and in again first (the PIN kept, TOKEN_KEEP_PIN), for
 * a token that unloads what it made only at logout (a token profile's
 * relogin_to_remove; tpm2-pkcs11 leaves a destroyed key's objects loaded
 * in the TPM otherwise). */
void token_destroy_key(struct token_ctx *ctx, const struct token_key *key, int relogin);

/* C_Logout and C_Login again with the kept PIN (TOKEN_KEEP_PIN). Reports
 * its own errors; returns 0 or -1. */
int token_relogin(struct token_ctx *ctx);

/* Destroys the certificates carrying id (best effort, for undoing a failed
 * import of a key and its certificate). */
void token_destroy_certificates(struct token_ctx *ctx, const unsigned char *id, CK_ULONG id_len);

/* Whether key, just generated, keeps its label against pairs another process
 * made with the same label at the same time (token/keygen.c has the rule).
 * committed: key's CKA_ID is set (0: generated without one, not yet set).
 * *lost: it must be removed. Returns 0, or -1 on error (reported). */
int token_keygen_contest(struct token_ctx *ctx, const struct token_key *key, int committed,
                         int *lost);

#endif
