/* What renew's own files share: the certificate objects of a key id, told
 * apart by their SHA-256 fingerprint (the record's form, "AB:CD:..."). */
#ifndef P11CERT_WORKFLOW_RENEW_INTERNAL_H
#define P11CERT_WORKFLOW_RENEW_INTERNAL_H

#include "workflow/renew.h"

/* More certificate objects than one key ever carries. */
#define RENEW_CERTS_MAX 16

struct renew_certs {
    int kept;                  /* one of them has the fingerprint */
    CK_OBJECT_HANDLE kept_obj; /* that one */
    CK_OBJECT_HANDLE others[RENEW_CERTS_MAX];
    CK_ULONG n_others;
};

/* The certificate objects that carry id, with the one whose fingerprint is
 * fp set apart. Returns 0, or -1 reported. */
int renew_certs_find(struct token_ctx *ctx, const unsigned char *id, CK_ULONG id_len,
                     const char *fp, struct renew_certs *out);

/* Removes the objects of id other than fp's, and only when fp's is there
 * (a key is never left without its certificate); *removed may be NULL. */
int renew_certs_remove_others(struct token_ctx *ctx, const unsigned char *id, CK_ULONG id_len,
                              const char *fp, CK_ULONG *removed);

/* Removes fp's object of id (undoing an import). */
int renew_certs_remove_kept(struct token_ctx *ctx, const unsigned char *id, CK_ULONG id_len,
                            const char *fp);

/* The CKA_ID of every certificate object on a token, read once for a run's
 * records there: a record whose key id carries at most one certificate has
 * nothing to repair, and is told so without a search of its own. Ids that
 * the run changed objects of since are forgotten: those records search. */
struct renew_cert_index {
    int active; /* built: renew_index_count answers */
    struct renew_cert_id {
        unsigned char id[TOKEN_ID_MAX];
        CK_ULONG len;
    } * ids, *changed;
    size_t n, n_changed;
};

/* Builds ix for n_records records on ctx's token: one search for every
 * certificate object, then one read of each one's CKA_ID, unless the token
 * holds so many more certificates than n_records that a search per record
 * costs fewer calls (ix stays inactive then). Returns 0, or -1 reported. */
int renew_index_build(struct token_ctx *ctx, size_t n_records, struct renew_cert_index *ix);

/* How many certificate objects carry id, or -1 when ix cannot tell. */
long renew_index_count(const struct renew_cert_index *ix, const unsigned char *id, CK_ULONG len);

/* Marks id as changed on the token by this run: ix no longer answers for it. */
void renew_index_forget(struct renew_cert_index *ix, const unsigned char *id, CK_ULONG len);

void renew_index_free(struct renew_cert_index *ix);

/* Hex text (NULL: empty) as at most TOKEN_ID_MAX bytes. Returns 0 or -1. */
int renew_hex_id(const char *hex, unsigned char *out, CK_ULONG *len);

/* Runs the deploy hook CMD once (sh -c) for the records report renewed:
 * their domains, files and records in P11CERT_RENEWED_DOMAINS,
 * P11CERT_RENEWED_FILES and P11CERT_RENEWED_RECORDS (space-separated),
 * its stdout sent to stderr (stdout is renew's report). Sets
 * report->hook_run and hook_status; returns 0, or -1 reported when it
 * could not run or did not exit 0. */
int renew_deploy_hook(const char *cmd, struct renew_report *report);

#endif
