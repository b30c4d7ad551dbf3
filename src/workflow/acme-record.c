/* The renewal record: what `renew` needs to order the same certificate
 * again, as JSON in the state directory. It holds no secret: the TSIG key
 * and the PIN are named by their sources, never copied. */
#include "workflow/acme-finish.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/json-out.h"
#include "util/msg.h"
#include "util/outfile.h"
#include "x509/x509.h"

#define ACME_RECORD_VERSION 1

char *acme_state_dir_default(void)
{
    const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    char path[PATH_MAX];

    if (geteuid() == 0)
        return strdup("/var/lib/p11cert");
    if (xdg && *xdg == '/')
        snprintf(path, sizeof(path), "%s/p11cert", xdg);
    else
        snprintf(path, sizeof(path), "%s/.local/state/p11cert", home && *home ? home : ".");
    return strdup(path);
}

/* mkdir -p, private: the records say which keys sign what. */
static int make_dir(const char *dir)
{
    char path[PATH_MAX];

    snprintf(path, sizeof(path), "%s", dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(path, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

/* A file's absolute path (the record outlives the working directory);
 * as given when its folder cannot be resolved. */
static void absolute_path(const char *file, char *out, size_t len)
{
    char dir[PATH_MAX], full[PATH_MAX];
    const char *slash = strrchr(file, '/');

    snprintf(out, len, "%s", file);
    if (file[0] == '/')
        return;
    snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - file) : 1, slash ? file : ".");
    if (realpath(dir, full))
        snprintf(out, len, "%s/%s", full, slash ? slash + 1 : file);
}

static json_t *absolute(const char *file)
{
    char path[PATH_MAX * 2];

    if (!file)
        return json_null();
    absolute_path(file, path, sizeof(path));
    return json_string(path);
}

/* A secret's source as text: where it is, never what it is. */
static json_t *source_text(const struct secret_source *src)
{
    char text[PATH_MAX * 2 + 8], path[PATH_MAX * 2];

    switch (src->kind) {
    case SECRET_SOURCE_FILE:
        absolute_path(src->path, path, sizeof(path));
        snprintf(text, sizeof(text), "file:%s", path);
        return json_string(text);
    case SECRET_SOURCE_ENV:
        snprintf(text, sizeof(text), "env:%s", src->path);
        return json_string(text);
    case SECRET_SOURCE_PROMPT:
        return json_string("prompt");
    default:
        return json_null(); /* fd:N means nothing to a later run */
    }
}

static json_t *challenge_json(const struct acme_challenge_options *c)
{
    if (c->kind == ACME_SOLVE_DNS)
        return json_pack("{s:s, s:s, s:o, s:s*}", "type", "dns-01", "dns_server",
                         c->dns_server_text, "tsig_key", source_text(c->tsig), "zone", c->zone);
    if (c->kind == ACME_SOLVE_LISTEN)
        return json_pack("{s:s, s:s}", "type", "http-01", "http_listen", c->listen);
    return json_pack("{s:s, s:o}", "type", "http-01", "webroot", absolute(c->webroot));
}

/* The certificates of the path as one PEM text: what renew writes the
 * outputs from again when a run died before it had. */
static json_t *path_pem(const struct x509_path *path)
{
    BIO *pem = path->certs ? x509_certs_encode(path->certs, 0, sk_X509_num(path->certs), 0) : NULL;
    char *bytes = NULL;
    long len;
    json_t *text;

    if (!pem)
        return json_null();
    len = BIO_get_mem_data(pem, &bytes);
    text = json_stringn(bytes, (size_t)len);
    BIO_free(pem);
    return text ? text : json_null();
}

json_t *acme_record_json(struct token_ctx *ctx, const struct acme_target *t,
                         const struct acme_issue_options *o, const struct acme_issue_result *res)
{
    json_t *domains = json_array();
    char now[32], *token = token_slot_uri(&ctx->slot);
    time_t clock = time(NULL);
    struct tm tm;
    json_t *record;

    strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&clock, &tm));
    for (size_t i = 0; domains && i < o->n_domains; i++)
        json_array_append_new(domains, json_string(o->domains[i]));
    record = json_pack(
        "{s:i, s:o, s:s, s:s, s:s, s:o, s:o, s:s*, s:s*, s:o, s:b, s:o, s:o, s:o,"
        " s:s*, s:o, s:s, s:s, s:O*}",
        "version", ACME_RECORD_VERSION, "domains", domains, "account_key", o->account_key_text,
        "key", o->key_text, "directory", t->directory ? t->directory : ACME_DEFAULT_DIRECTORY,
        "ca_bundle", absolute(t->ca_bundle), "trust",
        o->trust && strcmp(o->trust, "system") == 0 ? json_string("system") : absolute(o->trust),
        "subject", o->subject, "preferred_chain", o->preferred_chain, "challenge",
        challenge_json(&o->challenge), "import", o->import, "out", absolute(o->out), "chain_out",
        absolute(o->chain_out), "fullchain", absolute(o->fullchain), "module", o->config->module,
        "pin_source", source_text(&o->config->pin_source), "issued_at", now, "order",
        res->order_url, "certificate", res->certificate);
    /* Which token, for renew [TOKEN-URI] and its one login per token; the
     * key's id, which no later rename changes. */
    if (record &&
        (json_object_set_new(record, "token", token ? json_string(token) : json_null()) < 0 ||
         json_object_set_new(record, "key_id", json_out_hex(res->key_id, res->key_id_len)) < 0 ||
         json_object_set_new(record, "rotate_key", json_boolean(o->rotate_key)) < 0 ||
         json_object_set_new(record, "certificates_pem", path_pem(&res->path)) < 0)) {
        json_decref(record);
        record = NULL;
    }
    free(token);
    return record;
}

char *acme_record_path(const char *state_dir, const char *first_domain)
{
    char *dir = state_dir ? strdup(state_dir) : acme_state_dir_default(), *path = NULL;
    const char *name = first_domain[0] == '*' ? first_domain + 2 : first_domain;
    size_t len;

    if (dir && (path = malloc(len = strlen(dir) + strlen(name) + 8)))
        snprintf(path, len, "%s/%s.json", dir, name);
    free(dir);
    if (!path)
        errorf("out of memory");
    return path;
}

int acme_record_save(const char *path, json_t *record)
{
    char dir[PATH_MAX], *text = NULL, *grown;
    const char *slash = strrchr(path, '/');
    int ret = -1;

    snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
    if (!(text = json_dumps(record, JSON_INDENT(2) | JSON_SORT_KEYS)) ||
        !(grown = realloc(text, strlen(text) + 2))) {
        errorf("cannot make the renewal record: out of memory");
        goto cleanup;
    }
    text = grown;
    strcat(text, "\n");
    if (make_dir(dir) < 0) {
        errorf("cannot make the state directory \"%s\": %s", dir, strerror(errno));
        hintf("give another with --state-dir, or --no-record");
        goto cleanup;
    }
    /* A record replaces the last one for the same name: it is that name's. */
    if (outfile_write(path, 1, 0600, text, strlen(text)) < 0)
        goto cleanup;
    ret = 0;
cleanup:
    free(text);
    return ret;
}

int acme_record_write(struct token_ctx *ctx, const struct acme_target *t,
                      const struct acme_issue_options *o, struct acme_issue_result *res)
{
    json_t *record = acme_record_json(ctx, t, o, res);
    int ret = -1;

    if (!record) {
        errorf("cannot make the renewal record: out of memory");
        return -1;
    }
    if ((res->record = acme_record_path(o->state_dir, o->domains[0])) &&
        acme_record_save(res->record, record) == 0)
        ret = 0;
    json_decref(record);
    return ret;
}
