/* What a renew run that died left behind, finished or undone by the next
 * (the steps are in workflow/renew-replace.c): the record's "unfinished"
 * member says how far it got. Whatever it says, afterwards exactly one
 * certificate object carries the record key's id: the record's. */
#include "workflow/renew-internal.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/sha.h>

#include "util/msg.h"
#include "workflow/acme-finish.h"
#include "x509/decode.h"

/* The record's form of a certificate's fingerprint. */
static void fingerprint(const unsigned char *der, CK_ULONG len, char out[3 * SHA256_DIGEST_LENGTH])
{
    unsigned char digest[SHA256_DIGEST_LENGTH];

    SHA256(der, len, digest);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(out + 3 * i, 4, i + 1 < SHA256_DIGEST_LENGTH ? "%02X:" : "%02X", digest[i]);
}

int renew_certs_find(struct token_ctx *ctx, const unsigned char *id, CK_ULONG id_len,
                     const char *fp, struct renew_certs *out)
{
    CK_OBJECT_HANDLE found[RENEW_CERTS_MAX];
    CK_ULONG n;

    memset(out, 0, sizeof(*out));
    if (token_find_certificates_by_id(ctx, id, id_len, found, RENEW_CERTS_MAX, &n) < 0)
        return -1;
    for (CK_ULONG i = 0; i < n; i++) {
        char text[3 * SHA256_DIGEST_LENGTH];
        unsigned char *der;
        CK_ULONG len;

        if (token_read_value(ctx, found[i], &der, &len) < 0)
            return -1;
        fingerprint(der, len, text);
        free(der);
        if (!out->kept && fp && strcasecmp(text, fp) == 0) {
            out->kept = 1;
            out->kept_obj = found[i];
        } else {
            out->others[out->n_others++] = found[i];
        }
    }
    return 0;
}

int renew_certs_remove_others(struct token_ctx *ctx, const unsigned char *id, CK_ULONG id_len,
                              const char *fp, CK_ULONG *removed)
{
    struct renew_certs certs;

    if (removed)
        *removed = 0;
    if (renew_certs_find(ctx, id, id_len, fp, &certs) < 0)
        return -1;
    for (CK_ULONG i = 0; certs.kept && i < certs.n_others; i++) {
        if (token_destroy_object(ctx, certs.others[i]) < 0)
            return -1;
        if (removed)
            (*removed)++;
    }
    return 0;
}

int renew_certs_remove_kept(struct token_ctx *ctx, const unsigned char *id, CK_ULONG id_len,
                            const char *fp)
{
    struct renew_certs certs;

    if (renew_certs_find(ctx, id, id_len, fp, &certs) < 0)
        return -1;
    return certs.kept ? token_destroy_object(ctx, certs.kept_obj) : 0;
}

/* Every object of the id that the member key of "unfinished" names, if
 * any, removed; what says what they were. */
static int remove_named(struct token_ctx *ctx, json_t *todo, const char *key, const char *what)
{
    unsigned char id[TOKEN_ID_MAX];
    CK_ULONG len, n;

    if (renew_hex_id(json_string_value(json_object_get(todo, key)), id, &len) < 0) {
        errorf("the record's \"unfinished.%s\" is not hex", key);
        return -1;
    }
    if (!len)
        return 0;
    if (token_destroy_by_id(ctx, id, len, &n) < 0)
        return -1;
    notef("%s: removed (%lu objects)", what, (unsigned long)n);
    return 0;
}

/* The outputs written again from the certificates the record holds. */
static int rewrite_files(struct renew_record *r)
{
    const char *pem = json_string_value(json_object_get(r->doc, "certificates_pem"));
    struct secret_source no_password = {0};
    struct x509_bundle b = {0};
    struct x509_path path = {0};
    struct outfile_batch batch;
    int ret = -1;

    if (!pem) {
        errorf("the record holds no certificates to write its files from");
        return -1;
    }
    if (x509_decode((const unsigned char *)pem, strlen(pem), "the record's certificates",
                    &no_password, &b) < 0)
        return -1;
    path.certs = b.certs;
    if (acme_outputs_prepare(&r->o, &path, &batch) == 0 && acme_outputs_publish(&batch) == 0)
        ret = 0;
    msg_set_item(r->name);
    x509_bundle_free(&b);
    return ret;
}

int renew_repair(struct token_ctx *ctx, struct renew_record *r, int *repaired)
{
    json_t *todo = json_object_get(r->doc, "unfinished");
    CK_ULONG n = 0;

    *repaired = 0;
    if (todo) {
        *repaired = 1;
        if (remove_named(ctx, todo, "new_key_id",
                         "a rotation that did not finish left its new key pair") < 0)
            return EXIT_FAIL;
        if (json_is_true(json_object_get(todo, "files"))) {
            if (rewrite_files(r) < 0)
                return EXIT_FAIL;
            notef("the files of a renewal that did not finish were written");
        }
        if (remove_named(ctx, todo, "retired_key_id",
                         "a rotation that did not finish left the old key pair") < 0)
            return EXIT_FAIL;
    }
    if (r->o.import && r->key_id_len &&
        renew_certs_remove_others(ctx, r->key_id, r->key_id_len, r->fingerprint, &n) < 0)
        return EXIT_FAIL;
    if (r->o.import && r->key_id_len && n) {
        *repaired = 1;
        notef("%lu certificate object(s) beside the key that are not the record's were removed "
              "(a renewal that did not finish)",
              (unsigned long)n);
    }
    if (!todo)
        return EXIT_OK;
    json_object_del(r->doc, "unfinished");
    return acme_record_save(r->path, r->doc) < 0 ? EXIT_FAIL : EXIT_OK;
}
