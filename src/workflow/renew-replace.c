/* One record renewed on the token, in an order that never leaves the
 * operator without a whole certificate:
 *
 *   1. (--rotate-key) the record notes the new pair's id ("unfinished":
 *      {"new_key_id"}), then the pair is made beside the old one;
 *   2. the order, through acme issue's own steps (acme_order_certificate);
 *   3. the certificate imported beside its key and read back from the token;
 *   4. the outputs written to hidden temporary files beside their names;
 *   5. the commit: the record saved naming the new certificate (and key),
 *      with "unfinished": {"files", "retired_key_id"};
 *   6. the outputs named; the old certificate objects (and the old pair)
 *      removed; the record saved once more, finished.
 *
 * A failure before 5 undoes 1-4: token, files and record as they were. A
 * run that dies anywhere is finished or undone by renew_repair
 * (workflow/renew-repair.c) at the start of the next. */
#include "workflow/renew.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "token/profile.h"
#include "util/interrupt.h"
#include "util/json-out.h"
#include "util/msg.h"
#include "workflow/acme-finish.h"
#include "workflow/renew-internal.h"

/* The new pair: the old one's type and label, a new random id (the label
 * stays the servers' name for the key; the id tells the two apart). */
static int make_pair(struct token_ctx *ctx, struct renew_record *r, const struct token_key *old,
                     struct token_key *fresh, unsigned char id[20])
{
    const struct token_profile *profile = token_ctx_profile(ctx);
    struct token_keygen spec = {
        .type = old->pubkey.type,
        .bits = old->pubkey.modulus_len * 8,
        .ec_params = old->pubkey.ec_params,
        .ec_params_len = old->pubkey.ec_params_len,
        .label = old->label,
        .id = id,
        .id_len = 20,
    };
    json_t *journal;

    if (!profile)
        return -1;
    spec.public_usage = profile->public_key_usage;
    spec.relogin_to_remove = profile->relogin_to_remove;
    if (getrandom(id, 20, 0) != 20) {
        errorf("cannot make a random key id");
        return -1;
    }
    /* Noted before the pair exists: a run that dies from here on leaves a
     * pair the next one knows to remove. */
    if (!(journal = json_deep_copy(r->doc)) ||
        json_object_set_new(journal, "unfinished",
                            json_pack("{s:o}", "new_key_id", json_out_hex(id, 20))) < 0) {
        json_decref(journal);
        errorf("out of memory");
        return -1;
    }
    if (acme_record_save(r->path, journal) < 0) {
        json_decref(journal);
        return -1;
    }
    json_decref(journal);
    if (token_generate_key_pair(ctx, &spec, fresh) < 0)
        return -1;
    notef("a new %s key pair for the renewal, labelled \"%s\"",
          old->pubkey.type == CKK_RSA ? "RSA" : "EC", old->label);
    return 0;
}

/* The imported certificate is on the token beside its key, as issued. */
static int verify_import(struct token_ctx *ctx, const unsigned char *id, CK_ULONG id_len,
                         const char *fingerprint)
{
    struct renew_certs certs;
    int ret;

    if (renew_certs_find(ctx, id, id_len, fingerprint, &certs) < 0)
        return -1;
    ret = certs.kept ? 0 : -1;
    if (!certs.kept)
        errorf("the imported certificate is not on the token beside its key when read back");
    return ret;
}

/* The record as committed: what was issued, and what is left to do. */
static json_t *committed_record(struct token_ctx *ctx, struct renew_record *r,
                                const struct acme_issue_options *o, struct acme_issue_result *res,
                                const struct token_key *old, int rotate)
{
    json_t *record = acme_record_json(ctx, &r->t, o, res), *todo;

    if (!record)
        return NULL;
    todo = rotate ? json_pack("{s:b, s:o}", "files", 1, "retired_key_id",
                              json_out_hex(old->id, old->id_len))
                  : json_pack("{s:b}", "files", 1);
    if (json_object_set_new(record, "unfinished", todo) < 0) {
        json_decref(record);
        return NULL;
    }
    return record;
}

/* After the commit: the outputs named, the old objects removed, the
 * record finished. A failure here is repaired by the next run. */
static int finish(struct token_ctx *ctx, struct renew_record *r, json_t *record,
                  struct outfile_batch *batch, const struct acme_issue_result *res,
                  const struct token_key *old, int rotate)
{
    const char *fp = json_string_value(json_object_get(res->certificate, "sha256_fingerprint"));
    int published = acme_outputs_publish(batch);
    CK_ULONG gone;

    msg_set_item(r->name); /* publishing ends its items */
    if (published < 0) {
        errorf("the new certificate is in the record, but its files could not all be named: "
               "the next renew writes them");
        return -1;
    }
    if ((r->o.import &&
         renew_certs_remove_others(ctx, res->key_id, res->key_id_len, fp, NULL) < 0) ||
        (rotate && token_destroy_by_id(ctx, old->id, old->id_len, &gone) < 0))
        return -1;
    if (rotate)
        notef("the old key pair and its certificate were removed (%lu objects)",
              (unsigned long)gone);
    json_object_del(record, "unfinished");
    return acme_record_save(r->path, record);
}

/* Before the commit: what this run put on the token taken off again, and
 * the record as it was. */
static void undo(struct token_ctx *ctx, struct renew_record *r, const unsigned char *new_id,
                 int made, const struct acme_issue_result *res)
{
    const char *fp = json_string_value(json_object_get(res->certificate, "sha256_fingerprint"));
    CK_ULONG gone;

    if (made) {
        if (token_destroy_by_id(ctx, new_id, 20, &gone) == 0)
            debugf("the new key pair was removed (%lu objects)", (unsigned long)gone);
        acme_record_save(r->path, r->doc);
    } else if (res->imported && !res->already_imported && fp) {
        renew_certs_remove_kept(ctx, res->key_id, res->key_id_len, fp);
    }
}

struct renewal {
    struct acme_issue_options o;
    struct sign_job job;
    struct acme_session s;
    struct acme_issue_result res;
    struct outfile_batch batch;
    struct token_key old, fresh;
    unsigned char new_id[20];
    P11KitUri *key_uri, *new_uri;
    char *new_text;
    json_t *record;
    int made, prepared;
};

static int order(struct token_ctx *ctx, struct renew_record *r, int rotate, struct renewal *w)
{
    if (!(w->key_uri = token_uri_parse(r->o.key_text, "the record's key URI")) ||
        !(r->t.account_uri = token_uri_parse(r->o.account_key_text, "the record's account key")) ||
        token_find_key(ctx, w->key_uri, &w->old) < 0)
        return EXIT_FAIL;
    w->o = r->o;
    w->o.key_uri = w->key_uri;
    if (rotate) {
        if (make_pair(ctx, r, &w->old, &w->fresh, w->new_id) < 0)
            return EXIT_FAIL;
        w->made = 1;
        if (!(w->new_text = token_object_uri(ctx, CKO_PRIVATE_KEY, w->new_id, 20, NULL)) ||
            !(w->new_uri = token_uri_parse(w->new_text, "the new key's URI")))
            return EXIT_FAIL;
        w->o.key_uri = w->new_uri;
        w->o.key_text = w->new_text;
    }
    if (acme_issue_prepare(&w->o, &w->job) != EXIT_OK)
        return EXIT_FAIL;
    return acme_order_certificate(ctx, &r->t, &w->o, &w->job, &w->s, &w->res);
}

int renew_record_renew(struct token_ctx *ctx, struct renew_record *r, int rotate, unsigned timeout,
                       struct renew_item *item)
{
    struct renewal w;
    const char *fp;
    int ret = EXIT_FAIL;

    memset(&w, 0, sizeof(w));
    r->t.timeout = timeout;
    if (order(ctx, r, rotate, &w) != EXIT_OK || interrupt_pending())
        goto undo;
    fp = json_string_value(json_object_get(w.res.certificate, "sha256_fingerprint"));
    if (w.o.import &&
        (acme_import_leaf(ctx, &w.o, sk_X509_value(w.res.path.certs, 0), &w.res) != EXIT_OK ||
         verify_import(ctx, w.res.key_id, w.res.key_id_len, fp) < 0))
        goto undo;
    if (acme_outputs_prepare(&w.o, &w.res.path, &w.batch) < 0)
        goto undo;
    w.prepared = 1;
    if (!(w.record = committed_record(ctx, r, &w.o, &w.res, &w.old, rotate))) {
        errorf("out of memory");
        goto undo;
    }
    if (interrupt_pending() || acme_record_save(r->path, w.record) < 0)
        goto undo;
    /* Committed: from here on the new certificate is the record's. */
    w.prepared = 0;
    item->certificate = json_incref(w.res.certificate);
    if (rotate)
        item->key = strdup(w.new_text);
    ret = finish(ctx, r, w.record, &w.batch, &w.res, &w.old, rotate) < 0 ? EXIT_FAIL : EXIT_OK;
    goto cleanup;
undo:
    undo(ctx, r, w.new_id, w.made, &w.res);
cleanup:
    if (w.prepared)
        outfile_batch_abort(&w.batch);
    json_decref(w.record);
    acme_issue_result_free(&w.res);
    sign_job_close(&w.job);
    acme_session_close(&w.s);
    if (w.key_uri)
        p11_kit_uri_free(w.key_uri);
    if (w.new_uri)
        p11_kit_uri_free(w.new_uri);
    if (r->t.account_uri)
        p11_kit_uri_free(r->t.account_uri);
    r->t.account_uri = NULL;
    free(w.new_text);
    return ret;
}
