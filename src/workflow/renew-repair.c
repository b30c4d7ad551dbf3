/* What a renew run that died left behind, finished or undone by the next
 * (the steps are in workflow/renew-replace.c): the record's "unfinished"
 * member says how far it got. Whatever it says, afterwards exactly one
 * certificate object carries the record key's id: the record's. */
#include "workflow/renew-internal.h"

#include <stdio.h>
#include <stdlib.h>
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

/* A certificate per record and this many more make one read of each
 * certificate's id cheaper than a search per record (3 calls, and 2 more for
 * each certificate's value). */
#define INDEX_SPARE_FACTOR 3

static int id_cmp(const void *a, const void *b)
{
    const struct renew_cert_id *x = a, *y = b;

    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return memcmp(x->id, y->id, x->len);
}

int renew_index_build(struct token_ctx *ctx, size_t n_records, struct renew_cert_index *ix)
{
    CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
    CK_ATTRIBUTE tmpl = {CKA_CLASS, &cls, sizeof(cls)};
    CK_OBJECT_HANDLE *found = NULL;
    CK_ULONG n_found = 0;
    int ret = -1;

    memset(ix, 0, sizeof(*ix));
    if (!n_records)
        return 0;
    if (token_list_objects(ctx, &tmpl, 1, &found, &n_found) < 0)
        return -1;
    if (n_found > INDEX_SPARE_FACTOR * n_records) {
        ret = 0;
        goto cleanup;
    }
    if (n_found && !(ix->ids = calloc(n_found, sizeof(*ix->ids)))) {
        errorf("out of memory");
        goto cleanup;
    }
    for (CK_ULONG i = 0; i < n_found; i++) {
        struct renew_cert_id *c = &ix->ids[ix->n];
        CK_ATTRIBUTE a = {CKA_ID, c->id, sizeof(c->id)};

        if (token_get_attributes(ctx, found[i], &a, 1) < 0)
            goto cleanup;
        /* No id, or one too long to be a record's: no record's key. */
        if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION || a.ulValueLen == 0)
            continue;
        c->len = a.ulValueLen;
        ix->n++;
    }
    qsort(ix->ids, ix->n, sizeof(*ix->ids), id_cmp);
    ix->active = 1;
    ret = 0;
cleanup:
    if (ret < 0)
        renew_index_free(ix);
    free(found);
    return ret;
}

long renew_index_count(const struct renew_cert_index *ix, const unsigned char *id, CK_ULONG len)
{
    struct renew_cert_id key = {.len = len};
    size_t lo = 0, hi, first;

    if (!ix || !ix->active || len > sizeof(key.id))
        return -1;
    memcpy(key.id, id, len);
    for (size_t i = 0; i < ix->n_changed; i++)
        if (id_cmp(&ix->changed[i], &key) == 0)
            return -1;
    /* The first entry not below id, then those equal to it. */
    hi = ix->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (id_cmp(&ix->ids[mid], &key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (first = lo; lo < ix->n && id_cmp(&ix->ids[lo], &key) == 0; lo++)
        ;
    return (long)(lo - first);
}

void renew_index_forget(struct renew_cert_index *ix, const unsigned char *id, CK_ULONG len)
{
    struct renew_cert_id *grown;

    if (!ix || !ix->active || !len)
        return;
    if (len > sizeof(ix->changed->id) ||
        !(grown = realloc(ix->changed, (ix->n_changed + 1) * sizeof(*grown)))) {
        ix->active = 0; /* then it answers nothing */
        return;
    }
    ix->changed = grown;
    memcpy(grown[ix->n_changed].id, id, len);
    grown[ix->n_changed++].len = len;
}

void renew_index_free(struct renew_cert_index *ix)
{
    free(ix->ids);
    free(ix->changed);
    memset(ix, 0, sizeof(*ix));
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
static int remove_named(struct token_ctx *ctx, struct renew_cert_index *ix, json_t *todo,
                        const char *key, const char *what)
{
    unsigned char id[TOKEN_ID_MAX];
    CK_ULONG len, n;

    if (renew_hex_id(json_string_value(json_object_get(todo, key)), id, &len) < 0) {
        errorf("the record's \"unfinished.%s\" is not hex", key);
        return -1;
    }
    if (!len)
        return 0;
    renew_index_forget(ix, id, len);
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

/* Whether r's key id may carry more than one certificate object: the ones
 * renew_repair would look at. */
static int may_have_others(struct renew_cert_index *ix, const struct renew_record *r)
{
    return r->o.import && r->key_id_len && renew_index_count(ix, r->key_id, r->key_id_len) != 0 &&
           renew_index_count(ix, r->key_id, r->key_id_len) != 1;
}

int renew_repair_plan(struct token_ctx *ctx, struct renew_cert_index *ix,
                      const struct renew_record *r, int *todo, CK_ULONG *extra)
{
    struct renew_certs certs;

    *todo = json_object_get(r->doc, "unfinished") != NULL;
    *extra = 0;
    if (!may_have_others(ix, r))
        return 0;
    if (renew_certs_find(ctx, r->key_id, r->key_id_len, r->fingerprint, &certs) < 0)
        return -1;
    *extra = certs.kept ? certs.n_others : 0;
    return 0;
}

int renew_repair(struct token_ctx *ctx, struct renew_cert_index *ix, struct renew_record *r,
                 int *repaired)
{
    json_t *todo = json_object_get(r->doc, "unfinished");
    CK_ULONG n = 0;

    *repaired = 0;
    if (todo) {
        *repaired = 1;
        if (remove_named(ctx, ix, todo, "new_key_id",
                         "a rotation that did not finish left its new key pair") < 0)
            return EXIT_FAIL;
        if (json_is_true(json_object_get(todo, "files"))) {
            if (rewrite_files(r) < 0)
                return EXIT_FAIL;
            notef("the files of a renewal that did not finish were written");
        }
        if (remove_named(ctx, ix, todo, "retired_key_id",
                         "a rotation that did not finish left the old key pair") < 0)
            return EXIT_FAIL;
    }
    if (may_have_others(ix, r)) {
        renew_index_forget(ix, r->key_id, r->key_id_len);
        if (renew_certs_remove_others(ctx, r->key_id, r->key_id_len, r->fingerprint, &n) < 0)
            return EXIT_FAIL;
    }
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
