/* Presenting challenges and taking them away (workflow/acme-solve.h). */
#include "workflow/acme-solve.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dns/update.h"
#include "util/msg.h"
#include "util/outfile.h"

/* A dns-01 record lives a minute: long enough for the CA, short in caches. */
#define ACME_TXT_TTL 60

const char *acme_solver_type(const struct acme_challenge_options *o)
{
    return o->kind == ACME_SOLVE_DNS ? "dns-01" : "http-01";
}

int acme_solver_init(struct acme_solver *s, const struct acme_challenge_options *o)
{
    memset(s, 0, sizeof(*s));
    s->o = o;
    if (o->kind == ACME_SOLVE_DNS) {
        if (dns_tsig_key_read(o->tsig, &s->tsig) < 0)
            return EXIT_FAIL;
        s->have_tsig = 1;
    }
    return EXIT_OK;
}

/* A token is base64url (RFC 8555 8.1): nothing else goes into a path. */
static int token_ok(const char *token)
{
    if (!*token || strlen(token) > 256)
        return 0;
    for (const char *p = token; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return 0;
    return 1;
}

int acme_solver_add(struct acme_solver *s, const char *identifier, const char *token,
                    const char *key_authorization)
{
    struct acme_solver_item *grown, *it;

    if (!token_ok(token)) {
        errorf("the CA's challenge token for %s is not base64url", identifier);
        return -1;
    }
    if (!(grown = realloc(s->items, (s->n + 1) * sizeof(*grown)))) {
        errorf("out of memory");
        return -1;
    }
    s->items = grown;
    it = &s->items[s->n];
    memset(it, 0, sizeof(*it));
    it->identifier = strdup(identifier);
    it->token = strdup(token);
    it->key_authorization = strdup(key_authorization);
    s->n++;
    if (!it->identifier || !it->token || !it->key_authorization ||
        acme_dns01_value(key_authorization, it->value) < 0) {
        errorf("out of memory");
        return -1;
    }
    snprintf(it->name, sizeof(it->name), "_acme-challenge.%s", identifier);
    return 0;
}

/* One UPDATE for the TXT records of every item in item first's zone that
 * is not yet presented (add) or still is (removing): RFC 2136 applies it
 * whole, and one round trip serves all the names of a zone. in[j] gets 1
 * for each item it held. */
static int send_zone(struct acme_solver *s, size_t first, int add, unsigned char *in, char *why,
                     size_t why_len)
{
    struct dns_update_answer answer;
    struct dns_update *u = dns_update_new(s->items[first].zone, why, why_len);
    int ret = -1;

    memset(in, 0, s->n);
    if (!u)
        goto cleanup;
    for (size_t j = first; j < s->n; j++) {
        struct acme_solver_item *it = &s->items[j];

        in[j] = it->presented == !add && strcasecmp(it->zone, s->items[first].zone) == 0;
        if (in[j] && dns_update_txt(u, add, it->name, ACME_TXT_TTL, it->value, why, why_len) < 0)
            goto cleanup;
    }
    if (dns_update_send(u, &s->o->dns_server, &s->tsig, &answer, why, why_len) < 0)
        goto cleanup;
    if (!answer.applied) {
        snprintf(why, why_len, "the server answered %.400s", answer.words);
        goto cleanup;
    }
    ret = 0;
cleanup:
    dns_update_free(u);
    return ret;
}

static int present_dns(struct acme_solver *s)
{
    struct dns_resolver r;
    char why[512];
    uint32_t serial;
    unsigned char *in = calloc(s->n ? s->n : 1, 1);
    int ret = EXIT_FAIL;

    if (!in) {
        errorf("out of memory");
        return EXIT_FAIL;
    }
    if (dns_resolver_open(&r, &s->o->dns_server, why, sizeof(why)) < 0) {
        errorf("dns-01: %s", why);
        free(in);
        return EXIT_FAIL;
    }
    for (size_t i = 0; i < s->n; i++) {
        struct acme_solver_item *it = &s->items[i];

        if (s->o->zone)
            snprintf(it->zone, sizeof(it->zone), "%s", s->o->zone);
        else if (dns_find_zone(&r, it->name, it->zone, &serial, why, sizeof(why)) < 0) {
            errorf("dns-01: cannot find the zone of %s: %s", it->name, why);
            goto cleanup;
        }
    }
    for (size_t i = 0; i < s->n; i++) {
        if (s->items[i].presented)
            continue;
        if (send_zone(s, i, 1, in, why, sizeof(why)) < 0) {
            errorf("dns-01: cannot add the TXT record of %s: %s", s->items[i].name, why);
            goto cleanup;
        }
        for (size_t j = i; j < s->n; j++) {
            if (!in[j])
                continue;
            s->items[j].presented = 1;
            debugf("dns-01: TXT %s \"%s\" added to zone %s", s->items[j].name, s->items[j].value,
                   s->items[j].zone);
        }
    }
    ret = EXIT_OK;
cleanup:
    dns_resolver_close(&r);
    free(in);
    return ret;
}

static int present_listen(struct acme_solver *s)
{
    struct net_challenge *list = calloc(s->n ? s->n : 1, sizeof(*list));
    char why[512];

    if (!list) {
        errorf("out of memory");
        return EXIT_FAIL;
    }
    for (size_t i = 0; i < s->n; i++)
        list[i] = (struct net_challenge){s->items[i].token, s->items[i].key_authorization};
    s->responder = net_responder_start(s->o->listen, list, s->n, why, sizeof(why));
    free(list);
    if (!s->responder) {
        errorf("http-01: %s", why);
        return EXIT_FAIL;
    }
    debugf("http-01: answering %zu challenge(s) on %s", s->n, s->o->listen);
    return EXIT_OK;
}

/* DIR/.well-known and DIR/.well-known/acme-challenge, made when missing
 * (and remembered, to be removed again). */
static int make_dirs(struct acme_solver *s, char *dir, size_t len)
{
    const char *parts[2] = {"/.well-known", "/.well-known/acme-challenge"};

    for (int i = 0; i < 2; i++) {
        snprintf(dir, len, "%s%s", s->o->webroot, parts[i]);
        if (mkdir(dir, 0755) == 0) {
            if (!(s->dirs[i] = strdup(dir))) {
                errorf("out of memory");
                return -1;
            }
        } else if (errno != EEXIST) {
            errorf("http-01: cannot make \"%s\": %s", dir, strerror(errno));
            return -1;
        }
    }
    return 0;
}

static int present_webroot(struct acme_solver *s)
{
    char dir[4096];

    if (make_dirs(s, dir, sizeof(dir)) < 0)
        return EXIT_FAIL;
    for (size_t i = 0; i < s->n; i++) {
        struct acme_solver_item *it = &s->items[i];
        size_t len = strlen(dir) + 1 + strlen(it->token) + 1;

        if (!(it->path = malloc(len))) {
            errorf("out of memory");
            return EXIT_FAIL;
        }
        snprintf(it->path, len, "%s/%s", dir, it->token);
        if (outfile_write(it->path, 1, 0644, it->key_authorization, strlen(it->key_authorization)) <
            0)
            return EXIT_FAIL;
        it->presented = 1;
        debugf("http-01: wrote %s", it->path);
    }
    return EXIT_OK;
}

int acme_solver_present(struct acme_solver *s)
{
    if (s->o->kind == ACME_SOLVE_DNS)
        return present_dns(s);
    if (s->o->kind == ACME_SOLVE_LISTEN)
        return present_listen(s);
    return present_webroot(s);
}

/* The dns-01 records still presented taken away, one UPDATE per zone. */
static int remove_dns(struct acme_solver *s)
{
    unsigned char *in = calloc(s->n ? s->n : 1, 1);
    char why[512];
    int ret = 0;

    if (!in) {
        errorf("out of memory: the TXT records of this order are left in their zones");
        return -1;
    }
    for (size_t i = 0; i < s->n; i++) {
        int failed;

        if (!s->items[i].presented)
            continue;
        failed = send_zone(s, i, 0, in, why, sizeof(why)) < 0;
        for (size_t j = i; j < s->n; j++) {
            struct acme_solver_item *it = &s->items[j];

            if (!in[j])
                continue;
            it->presented = 0;
            if (!failed) {
                debugf("dns-01: TXT %s \"%s\" removed", it->name, it->value);
                continue;
            }
            errorf("dns-01: cannot remove the TXT record %s \"%s\": %s", it->name, it->value, why);
            hintf("remove it by hand from the zone %s", it->zone);
            ret = -1;
        }
    }
    free(in);
    return ret;
}

static int remove_file(struct acme_solver_item *it)
{
    if (!it->presented)
        return 0;
    it->presented = 0;
    if (it->path && unlink(it->path) < 0 && errno != ENOENT) {
        errorf("http-01: cannot remove \"%s\": %s", it->path, strerror(errno));
        return -1;
    }
    return 0;
}

int acme_solver_cleanup(struct acme_solver *s)
{
    int ret = 0;

    net_responder_stop(s->responder);
    s->responder = NULL;
    if (s->o->kind == ACME_SOLVE_DNS && remove_dns(s) < 0)
        ret = -1;
    for (size_t i = 0; i < s->n; i++) {
        if (s->o->kind != ACME_SOLVE_DNS && remove_file(&s->items[i]) < 0)
            ret = -1;
        free(s->items[i].identifier);
        free(s->items[i].token);
        free(s->items[i].key_authorization);
        free(s->items[i].path);
    }
    free(s->items);
    s->items = NULL;
    s->n = 0;
    for (int i = 1; i >= 0; i--) {
        if (s->dirs[i] && rmdir(s->dirs[i]) < 0 && errno != ENOENT)
            warnf("http-01: \"%s\" is left: %s", s->dirs[i], strerror(errno));
        free(s->dirs[i]);
        s->dirs[i] = NULL;
    }
    if (s->have_tsig)
        dns_tsig_key_wipe(&s->tsig);
    s->have_tsig = 0;
    return ret;
}
