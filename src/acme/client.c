/* The client: its directory, its deadline, its waits. */
#include "acme/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/msg.h"

const char *acme_json_string(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

char *acme_json_dup(json_t *obj, const char *key, int *failed)
{
    const char *value = acme_json_string(obj, key);
    char *copy;

    if (!value)
        return NULL;
    if (!(copy = strdup(value)))
        *failed = 1;
    return copy;
}

long acme_time_left(const struct acme_client *c)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec >= c->deadline.tv_sec)
        return 0;
    return (long)(c->deadline.tv_sec - now.tv_sec);
}

int acme_wait_ms(struct acme_client *c, const char *what, long ms)
{
    struct timespec slice = {0, 100 * 1000 * 1000}, now, until;

    if (ms < 1)
        ms = 1;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    if (until.tv_sec > c->deadline.tv_sec)
        until = c->deadline;
    for (;;) {
        long left_ns;

        if (c->interrupted && c->interrupted()) {
            c->stopped = 1;
            return -1;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > until.tv_sec ||
            (now.tv_sec == until.tv_sec && now.tv_nsec >= until.tv_nsec))
            break;
        /* Short slices: a signal may be taken by another thread (the
         * http-01 server's), so this one is not always woken by it. */
        left_ns = (until.tv_sec - now.tv_sec) * 1000000000L + (until.tv_nsec - now.tv_nsec);
        slice.tv_nsec = left_ns < 100 * 1000 * 1000 ? left_ns : 100 * 1000 * 1000;
        if (nanosleep(&slice, NULL) < 0 && errno != EINTR)
            break;
    }
    if (acme_time_left(c) == 0) {
        errorf("%s: no answer within the %u s of --timeout", what, c->timeout);
        return -1;
    }
    return 0;
}

int acme_wait(struct acme_client *c, const char *what, long seconds)
{
    return acme_wait_ms(c, what, (seconds < 1 ? 1 : seconds) * 1000);
}

static int read_directory(struct acme_client *c)
{
    struct acme_reply reply;
    json_t *meta;
    int failed = 0, ret = -1;

    if (acme_http(c, "reading the ACME directory", "GET", c->directory_url, NULL, NULL, &reply) <
            0 ||
        acme_expect(&reply, "reading the ACME directory") < 0)
        goto cleanup;
    if (!json_is_object(reply.json)) {
        errorf("reading the ACME directory: %s is not an ACME directory (no JSON object)",
               c->directory_url);
        goto cleanup;
    }
    c->dir.new_nonce = acme_json_dup(reply.json, "newNonce", &failed);
    c->dir.new_account = acme_json_dup(reply.json, "newAccount", &failed);
    c->dir.new_order = acme_json_dup(reply.json, "newOrder", &failed);
    c->dir.revoke_cert = acme_json_dup(reply.json, "revokeCert", &failed);
    c->dir.key_change = acme_json_dup(reply.json, "keyChange", &failed);
    meta = json_object_get(reply.json, "meta");
    c->dir.terms_of_service = acme_json_dup(meta, "termsOfService", &failed);
    c->dir.eab_required = json_is_true(json_object_get(meta, "externalAccountRequired"));
    if (failed) {
        errorf("out of memory");
        goto cleanup;
    }
    if (!c->dir.new_nonce || !c->dir.new_account || !c->dir.new_order) {
        errorf("reading the ACME directory: %s names no %s", c->directory_url,
               !c->dir.new_nonce     ? "newNonce"
               : !c->dir.new_account ? "newAccount"
                                     : "newOrder");
        goto cleanup;
    }
    ret = 0;
cleanup:
    acme_reply_free(&reply);
    return ret;
}

int acme_client_open(struct acme_client *c, const struct acme_client_config *cfg)
{
    memset(c, 0, sizeof(*c));
    c->key = cfg->key;
    c->ca_bundle = cfg->ca_bundle;
    c->timeout = cfg->timeout;
    c->interrupted = cfg->interrupted;
    clock_gettime(CLOCK_MONOTONIC, &c->deadline);
    c->deadline.tv_sec += cfg->timeout;
    if (!(c->directory_url = strdup(cfg->directory))) {
        errorf("out of memory");
        return -1;
    }
    if (!(c->jwk = signer_jws_jwk(c->key)) || signer_jws_thumbprint(c->key, c->thumbprint) < 0 ||
        read_directory(c) < 0) {
        acme_client_free(c);
        return -1;
    }
    return 0;
}

void acme_client_free(struct acme_client *c)
{
    json_decref(c->jwk);
    free(c->account_url);
    free(c->directory_url);
    free(c->nonce);
    free(c->dir.new_nonce);
    free(c->dir.new_account);
    free(c->dir.new_order);
    free(c->dir.revoke_cert);
    free(c->dir.key_change);
    free(c->dir.terms_of_service);
    c->jwk = NULL;
    c->account_url = c->directory_url = c->nonce = NULL;
    memset(&c->dir, 0, sizeof(c->dir));
}
