/* A renewal record read back into acme issue's options, and when it is due.
 * A record is outside data (an operator may edit one): every member is
 * checked for its type, and a bad one is named. */
#include "workflow/renew.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/msg.h"
#include "util/readfile.h"
#include "workflow/renew-internal.h"

/* Records are small; a bigger file is not one. */
#define RENEW_RECORD_MAX (256 * 1024)

time_t renew_parse_time(const char *text)
{
    struct tm tm;
    char *end;

    memset(&tm, 0, sizeof(tm));
    if (!text || !(end = strptime(text, "%Y-%m-%dT%H:%M:%SZ", &tm)) || *end)
        return (time_t)-1;
    return timegm(&tm);
}

int renew_is_due(time_t now, time_t not_before, time_t not_after, long days, int force,
                 long *days_left)
{
    double left = difftime(not_after, now), lifetime = difftime(not_after, not_before);
    double day = 86400.0;

    *days_left = (long)(left >= 0 ? left / day : -((-left + day - 1) / day));
    if (force)
        return 1;
    if (days >= 0)
        return left < (double)days * day;
    return left * 3 < lifetime;
}

/* A string member: required, or NULL when optional and absent or null. */
static int member_string(json_t *obj, const char *key, int required, const char **out, char *why,
                         size_t len)
{
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            snprintf(why, len, "it has no \"%s\"", key);
        return required ? -1 : 0;
    }
    if (!json_is_string(v) || !*json_string_value(v)) {
        snprintf(why, len, "its \"%s\" is not a string", key);
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

static int member_bool(json_t *obj, const char *key, int *out, char *why, size_t len)
{
    json_t *v = json_object_get(obj, key);

    *out = 0;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_boolean(v)) {
        snprintf(why, len, "its \"%s\" is not true or false", key);
        return -1;
    }
    *out = json_is_true(v);
    return 0;
}

static int source(const char *text, const char *key, struct secret_source *out, char *why,
                  size_t len)
{
    char reason[256];

    if (secret_source_parse(text, 0, out, reason, sizeof(reason)) < 0) {
        snprintf(why, len, "its \"%s\" is not a secret source: %s", key, reason);
        return -1;
    }
    return 0;
}

static int load_challenge(json_t *c, struct renew_record *r, char *why, size_t len)
{
    struct acme_challenge_options *ch = &r->o.challenge;
    const char *type, *tsig = NULL;
    char reason[256];

    if (!json_is_object(c)) {
        snprintf(why, len, "it has no \"challenge\" object");
        return -1;
    }
    if (member_string(c, "type", 1, &type, why, len) < 0)
        return -1;
    if (strcmp(type, "dns-01") == 0) {
        ch->kind = ACME_SOLVE_DNS;
        if (member_string(c, "dns_server", 1, &ch->dns_server_text, why, len) < 0 ||
            member_string(c, "tsig_key", 1, &tsig, why, len) < 0 ||
            member_string(c, "zone", 0, &ch->zone, why, len) < 0 ||
            source(tsig, "challenge.tsig_key", &r->tsig, why, len) < 0)
            return -1;
        if (dns_server_parse(ch->dns_server_text, &ch->dns_server, reason, sizeof(reason)) < 0) {
            snprintf(why, len, "its \"challenge.dns_server\" is bad: %s", reason);
            return -1;
        }
        ch->tsig_text = tsig;
        ch->tsig = &r->tsig;
        return 0;
    }
    if (strcmp(type, "http-01") != 0) {
        snprintf(why, len, "its challenge type \"%s\" is neither dns-01 nor http-01", type);
        return -1;
    }
    if (member_string(c, "http_listen", 0, &ch->listen, why, len) < 0 ||
        member_string(c, "webroot", 0, &ch->webroot, why, len) < 0)
        return -1;
    if (!ch->listen == !ch->webroot) {
        snprintf(why, len, "its http-01 challenge wants one of \"http_listen\" and \"webroot\"");
        return -1;
    }
    ch->kind = ch->listen ? ACME_SOLVE_LISTEN : ACME_SOLVE_WEBROOT;
    return 0;
}

static int load_domains(json_t *doc, struct renew_record *r, char *why, size_t len)
{
    json_t *list = json_object_get(doc, "domains"), *d;
    size_t i;

    if (!json_is_array(list) || json_array_size(list) == 0) {
        snprintf(why, len, "it has no \"domains\" list");
        return -1;
    }
    if (!(r->domains = calloc(json_array_size(list), sizeof(*r->domains)))) {
        snprintf(why, len, "out of memory");
        return -1;
    }
    json_array_foreach(list, i, d)
    {
        if (!json_is_string(d)) {
            snprintf(why, len, "its \"domains\" hold something that is not a name");
            return -1;
        }
        r->domains[i] = json_string_value(d);
    }
    r->o.domains = r->domains;
    r->o.n_domains = json_array_size(list);
    return 0;
}

/* The certificate it was last issued: its dates decide whether it is due. */
static int load_certificate(json_t *doc, struct renew_record *r, char *why, size_t len)
{
    json_t *cert = json_object_get(doc, "certificate");
    const char *nb, *na;

    if (!json_is_object(cert) || member_string(cert, "not_before", 1, &nb, why, len) < 0 ||
        member_string(cert, "not_after", 1, &na, why, len) < 0 ||
        member_string(cert, "sha256_fingerprint", 1, &r->fingerprint, why, len) < 0) {
        if (!json_is_object(cert))
            snprintf(why, len, "it has no \"certificate\"");
        return -1;
    }
    if ((r->not_before = renew_parse_time(nb)) == (time_t)-1 ||
        (r->not_after = renew_parse_time(na)) == (time_t)-1 || r->not_after <= r->not_before) {
        snprintf(why, len, "its certificate's dates are not RFC 3339 UTC times in order");
        return -1;
    }
    return 0;
}

int renew_hex_id(const char *hex, unsigned char *out, CK_ULONG *len)
{
    static const char digits[] = "0123456789abcdef";

    *len = 0;
    for (size_t i = 0; hex && hex[i]; i += 2) {
        const char *hi = hex[i] ? strchr(digits, tolower((unsigned char)hex[i])) : NULL;
        const char *lo = hex[i + 1] ? strchr(digits, tolower((unsigned char)hex[i + 1])) : NULL;

        if (*len == TOKEN_ID_MAX || !hi || !lo)
            return -1;
        out[(*len)++] = (unsigned char)((hi - digits) << 4 | (lo - digits));
    }
    return 0;
}

static int load_key_id(json_t *doc, struct renew_record *r, char *why, size_t len)
{
    const char *hex;

    if (member_string(doc, "key_id", 0, &hex, why, len) < 0)
        return -1;
    if (renew_hex_id(hex, r->key_id, &r->key_id_len) < 0) {
        snprintf(why, len, "its \"key_id\" is not hex");
        return -1;
    }
    return 0;
}

static int load(struct renew_record *r, const struct token_config *global, char *why, size_t len)
{
    json_t *doc = r->doc;
    const char *pin = NULL, *token = NULL;
    int rotate;

    if (!json_is_object(doc) || json_integer_value(json_object_get(doc, "version")) != 1) {
        snprintf(why, len, "it is not a version 1 renewal record");
        return -1;
    }
    if (load_domains(doc, r, why, len) < 0 ||
        member_string(doc, "account_key", 1, &r->o.account_key_text, why, len) < 0 ||
        member_string(doc, "key", 1, &r->o.key_text, why, len) < 0 ||
        member_string(doc, "directory", 1, &r->t.directory, why, len) < 0 ||
        member_string(doc, "ca_bundle", 0, &r->t.ca_bundle, why, len) < 0 ||
        member_string(doc, "trust", 0, &r->o.trust, why, len) < 0 ||
        member_string(doc, "subject", 0, &r->o.subject, why, len) < 0 ||
        member_string(doc, "preferred_chain", 0, &r->o.preferred_chain, why, len) < 0 ||
        member_string(doc, "out", 1, &r->o.out, why, len) < 0 ||
        member_string(doc, "chain_out", 0, &r->o.chain_out, why, len) < 0 ||
        member_string(doc, "fullchain", 0, &r->o.fullchain, why, len) < 0 ||
        member_string(doc, "module", 0, &r->own.module, why, len) < 0 ||
        member_string(doc, "pin_source", 0, &pin, why, len) < 0 ||
        member_string(doc, "token", 0, &token, why, len) < 0 ||
        member_bool(doc, "import", &r->o.import, why, len) < 0 ||
        member_bool(doc, "rotate_key", &rotate, why, len) < 0 ||
        load_challenge(json_object_get(doc, "challenge"), r, why, len) < 0 ||
        load_certificate(doc, r, why, len) < 0 || load_key_id(doc, r, why, len) < 0)
        return -1;
    r->o.rotate_key = rotate;
    if (pin && source(pin, "pin_source", &r->pin, why, len) < 0)
        return -1;
    r->own.init_args = global->init_args;
    r->own.profile = global->profile;
    r->own.pin_source = r->pin;
    /* The command line's module and PIN source, when given, win. */
    r->config = r->own;
    r->config.module = global->module ? global->module : r->own.module;
    if (global->pin_source.kind != SECRET_SOURCE_NONE)
        r->config.pin_source = global->pin_source;
    r->token_text = token ? token : r->o.key_text;
    r->o.config = &r->own;
    r->o.force = 1; /* the record's own files */
    r->o.state_dir = NULL;
    return 0;
}

int renew_record_parse(const char *path, const char *text, size_t len,
                       const struct token_config *global, struct renew_record *r, char *why,
                       size_t why_len)
{
    const char *base = strrchr(path, '/');
    size_t base_len;
    json_error_t jerr;

    memset(r, 0, sizeof(*r));
    base = base ? base + 1 : path;
    base_len = strlen(base);
    if (base_len > 5 && strcmp(base + base_len - 5, ".json") == 0)
        base_len -= 5;
    if (!(r->path = strdup(path)) || !(r->name = strndup(base, base_len))) {
        snprintf(why, why_len, "out of memory");
        return -1;
    }
    if (!(r->doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr))) {
        snprintf(why, why_len, "it is not JSON: %s (line %d)", jerr.text, jerr.line);
        return -1;
    }
    return load(r, global, why, why_len);
}

int renew_record_load(const char *path, const struct token_config *global, struct renew_record *r,
                      char *why, size_t why_len)
{
    struct file_data file = {0};
    int ret;

    memset(r, 0, sizeof(*r));
    if (file_read_all(path, RENEW_RECORD_MAX, &file, why, why_len) < 0)
        return -1;
    ret = renew_record_parse(path, (const char *)file.data, file.len, global, r, why, why_len);
    file_data_free(&file);
    return ret;
}

void renew_record_free(struct renew_record *r)
{
    free(r->path);
    free(r->name);
    free(r->domains);
    json_decref(r->doc);
    memset(r, 0, sizeof(*r));
}
