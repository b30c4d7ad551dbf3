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
