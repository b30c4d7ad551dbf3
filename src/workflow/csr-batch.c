/* csr --batch: the token is opened and logged in to once, each distinct key
 * URI is looked up once (the result, found or not, is cached by the URI's
 * text), and each line costs one C_SignInit + C_Sign. Every line is parsed,
 * signed, verified and written on its own: a bad line is reported with its
 * number ("line 7: ...") and the next one goes on. Only a token that cannot
 * be opened stops the batch: trying again line after line would spend the
 * PIN's tries. */
#include "workflow/csr-batch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json-out.h"
#include "util/outfile.h"
#include "workflow/sign-job.h"
#include "x509/x509.h"

/* sha256, sha384, sha512: a signer per key and hash, made on first use. */
#define BATCH_HASHES 3

/* Requests written but not yet named: one syncfs for this many files, not
 * an fsync each (on a busy disk the fsyncs cost more than the token). */
#define BATCH_PENDING_MAX 64

struct pending {
    struct outfile file;
    size_t line;
};

struct batch_key {
    char *uri_text; /* the key URI as the line gave it: the cache key */
    P11KitUri *uri; /* parsed, for the lookup and the token match */
    struct token_key key;
    X509_PUBKEY *spki; /* the public key encoded once, for every request */
    char *error;       /* why the key cannot sign, when it cannot */
    size_t error_line; /* the line that reported it first */
    struct signer signers[BATCH_HASHES];
    char *signer_errors[BATCH_HASHES];
    int signer_state[BATCH_HASHES]; /* 0 not made, 1 ready, -1 failed */
};

struct batch {
    struct cli *cli;
    const struct csr_batch_options *opts;
    struct token_ctx ctx; /* the token the first key's URI selects */
    int opened;           /* ctx holds an open, logged-in session */
    int stopped;          /* the token could not be opened: stop */
    P11KitUri *first;     /* the first key's URI (module and token) */
    struct batch_key **keys;
    size_t n_keys;
    size_t line;     /* the line being processed, from 1 */
    size_t requests; /* non-blank lines */
    size_t written;
    json_t *failed; /* [{"line", "error"}] */
    struct pending pending[BATCH_PENDING_MAX];
    size_t n_pending;
};

static int hash_index(const char *hash)
{
    if (hash && strcmp(hash, "sha384") == 0)
        return 1;
    if (hash && strcmp(hash, "sha512") == 0)
        return 2;
    return 0;
}

static char *dup_error(void)
{
    const char *last = msg_last_error();

    return strdup(*last ? last : "failed");
}

/* A key URI of the batch must select the token the first one opened: all
 * keys of a batch are signed through one login. */
static int on_opened_token(struct batch *b, P11KitUri *uri)
{
    CK_SLOT_ID wanted = p11_kit_uri_get_slot_id(uri);
    const char *path = p11_kit_uri_get_module_path(uri);
    const char *name = p11_kit_uri_get_module_name(uri);
    const char *first_path = p11_kit_uri_get_module_path(b->first);
    const char *first_name = p11_kit_uri_get_module_name(b->first);
    char label[33];

    token_padded_string(label, b->ctx.slot.info.label, sizeof(b->ctx.slot.info.label));
    if (!b->cli->token.module && ((path && (!first_path || strcmp(path, first_path) != 0)) ||
                                  (name && (!first_name || strcmp(name, first_name) != 0)))) {
        errorf("the key URI names another module than the batch's first key: all keys of a "
               "batch must be on token \"%s\"",
               label);
        return 0;
    }
    if ((wanted != (CK_SLOT_ID)-1 && wanted != b->ctx.slot.id) ||
        !p11_kit_uri_match_token_info(uri, &b->ctx.slot.info)) {
        errorf("the key URI selects another token than the batch's first key: all keys of a "
               "batch must be on token \"%s\"",
               label);
        return 0;
    }
    return 1;
}

/* Opens the token the first key's URI selects, and logs in. */
static int open_token(struct batch *b, const char *uri_text)
{
    P11KitUri *uri = token_uri_parse(uri_text, "key URI");

    b->first = token_uri_parse(uri_text, "key URI");
    if (!uri || !b->first) {
        if (uri)
            p11_kit_uri_free(uri);
        b->stopped = 1;
        return -1;
    }
    if (sign_job_open_token(&b->ctx, b->cli, uri) < 0) {
        b->stopped = 1;
        return -1;
    }
    b->opened = 1;
    return 0;
}

/* The cache entry of a key URI, looked up on the token the first time it is
 * seen; entry->error says why it cannot sign. NULL: out of memory. */
static struct batch_key *batch_key_get(struct batch *b, const char *uri_text)
{
    struct batch_key *k, **grown;

    for (size_t i = 0; i < b->n_keys; i++) {
        if (strcmp(b->keys[i]->uri_text, uri_text) == 0)
            return b->keys[i];
    }
    grown = realloc(b->keys, (b->n_keys + 1) * sizeof(*grown));
    if (!grown || !(k = calloc(1, sizeof(*k)))) {
        if (grown)
            b->keys = grown;
        errorf("out of memory");
        return NULL;
    }
    b->keys = grown;
    b->keys[b->n_keys++] = k;
    k->key.priv = k->key.pub = CK_INVALID_HANDLE;
    k->error_line = b->line;
    if (!(k->uri_text = strdup(uri_text))) {
        errorf("out of memory");
        goto failed;
    }
    if (!(k->uri = token_uri_parse(uri_text, "key URI")))
        goto failed;
    if (!b->opened && open_token(b, uri_text) < 0)
        goto failed;
    if (!on_opened_token(b, k->uri) || sign_job_find_key(&b->ctx, k->uri, &k->key) < 0)
        goto failed;
    return k;
failed:
    k->error = dup_error();
    return k;
}

/* The key's signer for a hash, made once; NULL when it cannot be made
 * (reported on this line). */
static struct signer *batch_signer(struct batch *b, struct batch_key *k, const char *hash)
{
    int i = hash_index(hash);

    if (k->signer_state[i] == 0) {
        if (signer_init(&k->signers[i], &b->ctx, &k->key, hash, b->opts->pss) < 0) {
            k->signer_state[i] = -1;
            k->signer_errors[i] = dup_error();
            return NULL;
        }
        k->signer_state[i] = 1;
    }
    if (k->signer_state[i] < 0) {
        errorf("%s", k->signer_errors[i] ? k->signer_errors[i] : "cannot sign with this key");
        return NULL;
    }
    return &k->signers[i];
}

static const char *string_member(json_t *value, const char *name, int *bad)
{
    if (!json_is_string(value)) {
        errorf("\"%s\" must be a string", name);
        *bad = 1;
        return NULL;
    }
    return json_string_value(value);
}

/* Fills req from one line's object; its strings stay doc's. */
static int request_from_json(json_t *doc, struct sign_request *req)
{
    const char *name;
    json_t *value, *san;
    size_t i;
    int bad = 0;

    if (!json_is_object(doc)) {
        errorf("a line must hold one JSON object {\"key\": ..., \"subject\": ..., \"out\": ...}");
        return -1;
    }
    json_object_foreach(doc, name, value)
    {
        if (strcmp(name, "key") == 0) {
            req->key_uri = string_member(value, name, &bad);
        } else if (strcmp(name, "subject") == 0) {
            req->subject = string_member(value, name, &bad);
        } else if (strcmp(name, "out") == 0) {
            req->out = string_member(value, name, &bad);
        } else if (strcmp(name, "hash") == 0) {
            req->hash = string_member(value, name, &bad);
        } else if (strcmp(name, "san") == 0) {
            if (!json_is_array(value)) {
                errorf("\"san\" must be an array of strings such as [\"DNS:a.example\"]");
                return -1;
            }
            if (json_array_size(value) > SIGN_JOB_MAX_SANS) {
                errorf("\"san\" holds more than %d names", SIGN_JOB_MAX_SANS);
                return -1;
            }
            json_array_foreach(value, i, san)
            {
                if (!(req->sans[req->n_sans++] = string_member(san, "san[]", &bad)))
                    return -1;
            }
        } else {
            errorf("unknown member \"%s\" (a line has key, subject, san, out and hash)", name);
            return -1;
        }
        if (bad)
            return -1;
    }
    if (!req->key_uri) {
        errorf("\"key\" is missing: the URI of the key to sign with");
        return -1;
    }
    if (!req->out || !*req->out) {
        errorf("\"out\" is missing: each request needs its own file");
        return -1;
    }
    return 0;
}

static int record_failure(struct batch *b, size_t line, const char *why)
{
    return json_array_append_new(b->failed, json_pack("{s:I, s:s}", "line", (json_int_t)line,
                                                      "error", *why ? why : "failed"));
}

static size_t dir_len(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? (size_t)(slash - path) : 0;
}

/* Syncs the pending files and gives them their names; a file that cannot
 * have its name fails its own line. */
static void publish_pending(struct batch *b)
{
    char item[48], sync_error[512] = "";

    for (size_t i = 0; i < b->n_pending; i++) {
        const char *path = b->pending[i].file.path, *prev = i ? b->pending[i - 1].file.path : NULL;

        /* One syncfs per directory in a row (a batch usually has one). */
        if (prev && dir_len(prev) == dir_len(path) && strncmp(prev, path, dir_len(path)) == 0)
            continue;
        snprintf(item, sizeof(item), "line %zu", b->pending[i].line);
        msg_set_item(item);
        if (outfile_sync_dir_of(path) < 0 && !sync_error[0])
            snprintf(sync_error, sizeof(sync_error), "%s", msg_last_error());
    }
    for (size_t i = 0; i < b->n_pending; i++) {
        struct pending *p = &b->pending[i];

        snprintf(item, sizeof(item), "line %zu", p->line);
        msg_set_item(item);
        if (!sync_error[0] && outfile_publish(&p->file) == 0) {
            b->written++;
        } else {
            outfile_abort(&p->file);
            if (record_failure(b, p->line, sync_error[0] ? sync_error : msg_last_error()) < 0)
                errorf("out of memory");
        }
        free((char *)p->file.path);
    }
    b->n_pending = 0;
    msg_set_item(NULL);
}

/* Writes the request to a temporary file beside path; it gets its name
 * when the pending files are published. */
static int write_request(struct batch *b, BIO *data, const char *path, int force)
{
    struct pending *p = &b->pending[b->n_pending];
    char *bytes;
    long len = BIO_get_mem_data(data, &bytes);

    if (outfile_open(&p->file, path, force, 0644) < 0)
        return -1;
    if (fwrite(bytes, 1, (size_t)len, p->file.fp) != (size_t)len) {
        errorf("cannot write \"%s\": %s", path, strerror(errno));
        outfile_abort(&p->file);
        return -1;
    }
    if (outfile_close_unsynced(&p->file) < 0)
        return -1;
    /* The path is the line's JSON string, freed with the line: keep a copy. */
    if (!(p->file.path = strdup(path))) {
        errorf("out of memory");
        outfile_abort(&p->file);
        return -1;
    }
    p->line = b->line;
    b->n_pending++;
    return 0;
}

/* One line: parse, look the key up (cached), sign, verify, write. Errors
 * are reported with the line's number by the message layer. */
static int batch_line(struct batch *b, const char *text)
{
    struct sign_request req;
    struct sign_job names;
    struct batch_key *k;
    struct signer *signer;
    json_error_t jerr;
    json_t *doc;
    X509_REQ *x509 = NULL;
    BIO *data = NULL;
    int ret = -1;

    memset(&req, 0, sizeof(req));
    memset(&names, 0, sizeof(names));
    names.ctx.session = CK_INVALID_HANDLE;
    req.force = b->opts->force;
    req.pss = b->opts->pss;
    doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        errorf("bad JSON at column %d: %s", jerr.column, jerr.text);
        goto cleanup;
    }
    if (request_from_json(doc, &req) < 0 || sign_job_parse(&names, &req, 1) != EXIT_OK ||
        outfile_check(req.out, req.force) < 0)
        goto cleanup;
    if (!(k = batch_key_get(b, req.key_uri)))
        goto cleanup;
    if (k->error) {
        if (k->error_line != b->line)
            errorf("%s", k->error); /* reported in full on the line that met it first */
        goto cleanup;
    }
    if (!(signer = batch_signer(b, k, req.hash)))
        goto cleanup;
    if (names.cn_added)
        debugf("no san given: the CN was added as a DNS name");
    if (!k->spki && !(k->spki = x509_spki_new(signer->pubkey)))
        goto cleanup;
    x509 = x509_request_new_spki(names.subject, names.sans, signer->pubkey, k->spki);
    if (!x509)
        goto cleanup; /* reported */
    if (signer_sign_request(signer, x509) < 0)
        goto cleanup;
    if (!(data = x509_request_encode(x509, b->opts->der)))
        goto cleanup; /* reported */
    if (write_request(b, data, req.out, req.force) < 0)
        goto cleanup;
    ret = 0;
cleanup:
    BIO_free(data);
    X509_REQ_free(x509);
    sign_job_close(&names);
    json_decref(doc);
    return ret;
}

static int blank(const char *s)
{
    return s[strspn(s, " \t\r\n")] == '\0';
}

static int print_summary(struct batch *b)
{
    json_t *doc;
    size_t i;
    json_t *f;

    if (b->cli->json) {
        doc = json_pack("{s:I, s:I, s:O}", "requests", (json_int_t)b->requests, "written",
                        (json_int_t)b->written, "failed", b->failed);
        if (doc && b->stopped)
            json_object_set_new(doc, "stopped_at_line", json_integer((json_int_t)b->line));
        return json_out_print(doc);
    }
    printf("requests: %zu\nwritten: %zu\nfailed: %zu", b->requests, b->written,
           json_array_size(b->failed));
    json_array_foreach(b->failed, i, f)
    {
        printf("%s%lld", i ? ", " : " (line ",
               (long long)json_integer_value(json_object_get(f, "line")));
    }
    printf("%s\n", json_array_size(b->failed) ? ")" : "");
    return 0;
}

static void batch_free(struct batch *b)
{
    for (size_t i = 0; i < b->n_pending; i++) {
        outfile_abort(&b->pending[i].file);
        free((char *)b->pending[i].file.path);
    }
    for (size_t i = 0; i < b->n_keys; i++) {
        struct batch_key *k = b->keys[i];

        for (int h = 0; h < BATCH_HASHES; h++) {
            if (k->signer_state[h] > 0)
                signer_free(&k->signers[h]);
            free(k->signer_errors[h]);
        }
        X509_PUBKEY_free(k->spki);
        if (k->uri)
            p11_kit_uri_free(k->uri);
        free(k->uri_text);
        free(k->error);
        free(k);
    }
    free(b->keys);
    if (b->first)
        p11_kit_uri_free(b->first);
    token_ctx_free(&b->ctx); /* C_Finalize logs out and closes the session */
    json_decref(b->failed);
}

int csr_batch_run(struct cli *cli, const struct csr_batch_options *opts)
{
    struct batch b;
    FILE *in = NULL;
    char *text = NULL, item[48];
    size_t cap = 0;
    ssize_t len;
    int ret = EXIT_FAIL;

    memset(&b, 0, sizeof(b));
    b.cli = cli;
    b.opts = opts;
    b.ctx.session = CK_INVALID_HANDLE;
    if (!(b.failed = json_array())) {
        errorf("out of memory");
        goto cleanup;
    }
    in = strcmp(opts->file, "-") == 0 ? stdin : fopen(opts->file, "r");
    if (!in) {
        errorf("cannot read batch file \"%s\": %s", opts->file, strerror(errno));
        goto cleanup;
    }
    while (!b.stopped && (len = getline(&text, &cap, in)) >= 0) {
        b.line++;
        if (blank(text))
            continue;
        b.requests++;
        snprintf(item, sizeof(item), "line %zu", b.line);
        msg_set_item(item);
        if (batch_line(&b, text) < 0) {
            char why[512];

            /* Failures in line order: the lines before it are published first. */
            snprintf(why, sizeof(why), "%s", msg_last_error());
            msg_set_item(NULL);
            publish_pending(&b);
            if (record_failure(&b, b.line, why) < 0)
                errorf("out of memory");
        }
        msg_set_item(NULL);
        if (b.n_pending == BATCH_PENDING_MAX)
            publish_pending(&b);
    }
    publish_pending(&b);
    if (ferror(in)) {
        errorf("cannot read batch file \"%s\": %s", opts->file, strerror(errno));
        goto cleanup;
    }
    if (b.stopped)
        errorf("stopped at line %zu: no token to sign with, so no later request was made", b.line);
    if (print_summary(&b) < 0)
        goto cleanup;
    if (!b.stopped && json_array_size(b.failed) == 0)
        ret = EXIT_OK;
cleanup:
    msg_set_item(NULL);
    free(text);
    if (in && in != stdin)
        fclose(in);
    batch_free(&b);
    return ret;
}
