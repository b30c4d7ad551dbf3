/* Orders, authorizations and challenges (RFC 8555 7.4, 7.5): a new order,
 * its authorizations read with POST-as-GET, challenges answered and polled,
 * finalization with the CSR, the certificate chain downloaded. */
#include "acme/internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/base64url.h"
#include "util/msg.h"

/* Milliseconds between polls when the server names none (Retry-After):
 * soon at first, doubling from 100 ms to 1 s (a CA that validates at once
 * is seen at once; one that takes a second costs 4 more requests than
 * polling each second would), then 1 s, 2 s and 5 s apart. */
static long poll_interval_ms(const struct acme_reply *reply, unsigned polls)
{
    if (reply->retry_after > 0)
        return reply->retry_after * 1000;
    if (polls < 4)
        return 100L << polls;
    return polls < 6 ? 1000 : polls < 11 ? 2000 : 5000;
}

static int take_order(json_t *json, struct acme_order *order)
{
    json_t *authz = json_object_get(json, "authorizations"), *item;
    int failed = 0;
    size_t i;

    free(order->status);
    free(order->finalize);
    free(order->certificate);
    json_decref(order->error);
    order->status = acme_json_dup(json, "status", &failed);
    order->finalize = acme_json_dup(json, "finalize", &failed);
    order->certificate = acme_json_dup(json, "certificate", &failed);
    order->error = json_incref(json_object_get(json, "error"));
    if (json_array_size(authz) && !order->authorizations) {
        if (!(order->authorizations = calloc(json_array_size(authz), sizeof(char *))))
            failed = 1;
        json_array_foreach(authz, i, item)
        {
            if (failed || !json_string_value(item))
                continue;
            if (!(order->authorizations[order->n_authorizations] = strdup(json_string_value(item))))
                failed = 1;
            else
                order->n_authorizations++;
        }
    }
    if (failed) {
        errorf("out of memory");
        return -1;
    }
    if (!order->status) {
        errorf("the CA's order has no status");
        return -1;
    }
    return 0;
}

int acme_order_new(struct acme_client *c, const char *const *names, size_t n,
                   struct acme_order *order)
{
    json_t *ids = json_array(), *payload = NULL;
    struct acme_reply reply;
    int ret = -1;

    memset(order, 0, sizeof(*order));
    memset(&reply, 0, sizeof(reply));
    for (size_t i = 0; ids && i < n; i++)
        json_array_append_new(ids, json_pack("{s:s, s:s}", "type", "dns", "value", names[i]));
    if (!ids || !(payload = json_pack("{s:O}", "identifiers", ids))) {
        errorf("out of memory");
        goto cleanup;
    }
    if (acme_post(c, "creating the order", c->dir.new_order, payload, NULL, &reply) < 0 ||
        acme_expect(&reply, "creating the order") < 0)
        goto cleanup;
    if (!reply.location || !json_is_object(reply.json)) {
        errorf("creating the order: the CA sent no order (%s)",
               reply.location ? "no JSON object" : "no Location");
        goto cleanup;
    }
    if (!(order->url = strdup(reply.location))) {
        errorf("out of memory");
        goto cleanup;
    }
    if (take_order(reply.json, order) < 0)
        goto cleanup;
    if (order->n_authorizations == 0 || !order->finalize) {
        errorf("creating the order: the CA's order has no %s",
               order->finalize ? "authorizations" : "finalize URL");
        goto cleanup;
    }
    ret = 0;
cleanup:
    json_decref(ids);
    json_decref(payload);
    acme_reply_free(&reply);
    return ret;
}

static void free_challenges(struct acme_authz *authz)
{
    for (size_t i = 0; i < authz->n_challenges; i++) {
        free(authz->challenges[i].type);
        free(authz->challenges[i].url);
        free(authz->challenges[i].token);
        free(authz->challenges[i].status);
        json_decref(authz->challenges[i].error);
    }
    free(authz->challenges);
    authz->challenges = NULL;
    authz->n_challenges = 0;
}

static int take_authz(json_t *json, struct acme_authz *authz)
{
    json_t *challenges = json_object_get(json, "challenges"), *ch;
    int failed = 0;
    size_t i;

    free(authz->status);
    free(authz->identifier);
    free_challenges(authz);
    authz->status = acme_json_dup(json, "status", &failed);
    authz->identifier = acme_json_dup(json_object_get(json, "identifier"), "value", &failed);
    authz->wildcard = json_is_true(json_object_get(json, "wildcard"));
    if (json_array_size(challenges) &&
        !(authz->challenges = calloc(json_array_size(challenges), sizeof(*authz->challenges))))
        failed = 1;
    json_array_foreach(challenges, i, ch)
    {
        struct acme_challenge *out;

        if (failed)
            break;
        out = &authz->challenges[authz->n_challenges++];
        out->type = acme_json_dup(ch, "type", &failed);
        out->url = acme_json_dup(ch, "url", &failed);
        out->token = acme_json_dup(ch, "token", &failed);
        out->status = acme_json_dup(ch, "status", &failed);
        out->error = json_incref(json_object_get(ch, "error"));
    }
    if (failed) {
        errorf("out of memory");
        return -1;
    }
    if (!authz->status || !authz->identifier) {
        errorf("the CA's authorization %s has no %s", authz->url,
               authz->status ? "identifier" : "status");
        return -1;
    }
    return 0;
}

/* POST-as-GET of url into reply, which must be a JSON object. */
static int fetch_object(struct acme_client *c, const char *what, const char *url,
                        struct acme_reply *reply)
{
    if (acme_post(c, what, url, NULL, NULL, reply) < 0)
        return -1;
    if (acme_expect(reply, what) < 0)
        return -1;
    if (!json_is_object(reply->json)) {
        errorf("%s: the CA's answer is not a JSON object", what);
        return -1;
    }
    return 0;
}

int acme_authz_get(struct acme_client *c, const char *url, struct acme_authz *authz)
{
    struct acme_reply reply;
    int ret = -1;

    memset(authz, 0, sizeof(*authz));
    if (!(authz->url = strdup(url))) {
        errorf("out of memory");
        return -1;
    }
    if (fetch_object(c, "reading the authorization", url, &reply) == 0 &&
        take_authz(reply.json, authz) == 0)
        ret = 0;
    acme_reply_free(&reply);
    return ret;
}

const struct acme_challenge *acme_authz_challenge(const struct acme_authz *authz, const char *type)
{
    for (size_t i = 0; i < authz->n_challenges; i++)
        if (authz->challenges[i].type && strcmp(authz->challenges[i].type, type) == 0 &&
            authz->challenges[i].url && authz->challenges[i].token)
            return &authz->challenges[i];
    return NULL;
}

int acme_challenge_respond(struct acme_client *c, const char *url)
{
    struct acme_reply reply;
    json_t *empty = json_object();
    int ret = -1;

    if (!empty) {
        errorf("out of memory");
        return -1;
    }
    if (acme_post(c, "answering the challenge", url, empty, NULL, &reply) == 0 &&
        acme_expect(&reply, "answering the challenge") == 0)
        ret = 0;
    json_decref(empty);
    acme_reply_free(&reply);
    return ret;
}

/* Why an authorization is not valid: its challenges' errors in words. */
static void report_authz(const struct acme_authz *authz)
{
    char words[1024];

    for (size_t i = 0; i < authz->n_challenges; i++) {
        if (!authz->challenges[i].error)
            continue;
        acme_problem_words(authz->challenges[i].error, words, sizeof(words));
        errorf("the CA could not validate %s (%s): %s", authz->identifier,
               authz->challenges[i].type, words);
        return;
    }
    errorf("the authorization of %s is %s", authz->identifier, authz->status);
}

int acme_authz_wait(struct acme_client *c, struct acme_authz *authz)
{
    struct acme_reply reply;
    char what[300];
    int ret = -1;

    snprintf(what, sizeof(what), "waiting for the validation of %s", authz->identifier);
    for (unsigned polls = 0;; polls++) {
        if (fetch_object(c, what, authz->url, &reply) < 0 || take_authz(reply.json, authz) < 0)
            break;
        if (strcmp(authz->status, "valid") == 0) {
            ret = 0;
            break;
        }
        if (strcmp(authz->status, "pending") != 0) {
            report_authz(authz);
            break;
        }
        if (acme_wait_ms(c, what, poll_interval_ms(&reply, polls)) < 0)
            break;
        acme_reply_free(&reply);
    }
    acme_reply_free(&reply);
    return ret;
}

/* Polls the order while its status is from (a "|"-separated list). */
static int order_wait(struct acme_client *c, struct acme_order *order, const char *from,
                      const char *what)
{
    struct acme_reply reply;
    char status[40];
    int ret = -1;

    memset(&reply, 0, sizeof(reply));
    reply.retry_after = -1;
    for (unsigned polls = 0;; polls++) {
        snprintf(status, sizeof(status), "|%s|", order->status);
        if (!strstr(from, status)) {
            ret = 0;
            break;
        }
        if (acme_wait_ms(c, what, poll_interval_ms(&reply, polls)) < 0)
            break;
        acme_reply_free(&reply);
        if (fetch_object(c, what, order->url, &reply) < 0 || take_order(reply.json, order) < 0)
            break;
    }
    acme_reply_free(&reply);
    return ret;
}

static int order_failed(const struct acme_order *order, const char *what)
{
    char words[1024] = "";

    if (order->error)
        acme_problem_words(order->error, words, sizeof(words));
    errorf("%s: the order is %s%s%s", what, order->status, words[0] ? ": " : "", words);
    return -1;
}

int acme_order_finalize(struct acme_client *c, struct acme_order *order, const unsigned char *csr,
                        size_t csr_len)
{
    struct acme_reply reply;
    json_t *payload = NULL;
    char *encoded = NULL;
    int ret = -1;

    memset(&reply, 0, sizeof(reply));
    reply.retry_after = -1;
    /* The CA marks the order ready once every authorization is valid. */
    if (order_wait(c, order, "|pending|", "waiting for the order to be ready") < 0)
        goto cleanup;
    if (strcmp(order->status, "ready") != 0 && strcmp(order->status, "valid") != 0) {
        order_failed(order, "finalizing the order");
        goto cleanup;
    }
    if (strcmp(order->status, "ready") == 0) {
        if (!(encoded = base64url_encode(csr, csr_len)) ||
            !(payload = json_pack("{s:s}", "csr", encoded))) {
            errorf("out of memory");
            goto cleanup;
        }
        if (acme_post(c, "finalizing the order", order->finalize, payload, NULL, &reply) < 0 ||
            acme_expect(&reply, "finalizing the order") < 0)
            goto cleanup;
    }
    if (json_is_object(reply.json) && take_order(reply.json, order) < 0)
        goto cleanup;
    if (order_wait(c, order, "|ready|processing|", "waiting for the certificate") < 0)
        goto cleanup;
    if (strcmp(order->status, "valid") != 0 || !order->certificate) {
        order_failed(order, "finalizing the order");
        goto cleanup;
    }
    ret = 0;
cleanup:
    free(encoded);
    json_decref(payload);
    acme_reply_free(&reply);
    return ret;
}

int acme_certificate_get(struct acme_client *c, const char *url, struct acme_reply *reply)
{
    if (acme_post(c, "downloading the certificate", url, NULL, "application/pem-certificate-chain",
                  reply) < 0 ||
        acme_expect(reply, "downloading the certificate") < 0)
        return -1;
    return 0;
}

void acme_order_free(struct acme_order *order)
{
    free(order->url);
    free(order->status);
    for (size_t i = 0; i < order->n_authorizations; i++)
        free(order->authorizations[i]);
    free(order->authorizations);
    free(order->finalize);
    free(order->certificate);
    json_decref(order->error);
    memset(order, 0, sizeof(*order));
}

void acme_authz_free(struct acme_authz *authz)
{
    free(authz->url);
    free(authz->identifier);
    free(authz->status);
    free_challenges(authz);
    memset(authz, 0, sizeof(*authz));
}
