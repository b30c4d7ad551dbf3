/* Accounts (RFC 8555 7.3): found by the key with onlyReturnExisting, made
 * with termsOfServiceAgreed and, for CAs that want it, an External Account
 * Binding; and revocation (7.6), signed by the account. */
#include "acme/internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/base64url.h"
#include "util/msg.h"

static int take_account(struct acme_reply *reply, struct acme_account *out)
{
    int failed = 0;

    if (!reply->location) {
        errorf("the CA sent no account URL (Location) for this key");
        return -1;
    }
    out->found = 1;
    out->url = strdup(reply->location);
    out->status = acme_json_dup(reply->json, "status", &failed);
    out->contact = json_incref(json_object_get(reply->json, "contact"));
    if (!out->url || failed) {
        errorf("out of memory");
        return -1;
    }
    return 0;
}

static json_t *new_account_payload(struct acme_client *c, const struct acme_account_request *req)
{
    json_t *payload = json_pack("{s:b}", "termsOfServiceAgreed", req->agree_tos), *contacts;

    if (payload && req->n_contacts) {
        contacts = json_array();
        for (size_t i = 0; contacts && i < req->n_contacts; i++)
            json_array_append_new(contacts, json_string(req->contacts[i]));
        json_object_set_new(payload, "contact", contacts);
    }
    if (payload && req->eab) {
        json_t *binding = acme_eab_binding(c, req->eab);

        if (!binding) {
            json_decref(payload);
            return NULL;
        }
        json_object_set_new(payload, "externalAccountBinding", binding);
    }
    if (!payload)
        errorf("out of memory");
    return payload;
}

int acme_account_get(struct acme_client *c, const struct acme_account_request *req,
                     struct acme_account *out)
{
    struct acme_reply reply;
    json_t *payload = json_pack("{s:b}", "onlyReturnExisting", 1);
    const char *type;
    int ret = -1;

    memset(out, 0, sizeof(*out));
    memset(&reply, 0, sizeof(reply));
    if (!payload) {
        errorf("out of memory");
        return -1;
    }
    if (acme_post(c, "looking up the account", c->dir.new_account, payload, NULL, &reply) < 0)
        goto cleanup;
    type = acme_problem_type(&reply);
    if (reply.status / 100 == 2) {
        ret = take_account(&reply, out);
        goto cleanup;
    }
    if (!type || strcmp(type, "accountDoesNotExist") != 0) {
        acme_expect(&reply, "looking up the account");
        goto cleanup;
    }
    if (!req->create) {
        ret = 0; /* not found, which the caller reports */
        goto cleanup;
    }
    acme_reply_free(&reply);
    json_decref(payload);
    if (!(payload = new_account_payload(c, req)))
        goto cleanup;
    if (acme_post(c, "creating the account", c->dir.new_account, payload, NULL, &reply) < 0)
        goto cleanup;
    if (acme_expect(&reply, "creating the account") < 0) {
        type = acme_problem_type(&reply);
        if (type && strcmp(type, "externalAccountRequired") == 0)
            hintf("this CA wants External Account Binding: give --eab-kid ID --eab-hmac SRC "
                  "(the CA hands out both)");
        goto cleanup;
    }
    if (take_account(&reply, out) < 0)
        goto cleanup;
    out->created = reply.status == 201;
    ret = 0;
cleanup:
    if (out->found && !(c->account_url = strdup(out->url))) {
        errorf("out of memory");
        ret = -1;
    }
    json_decref(payload);
    acme_reply_free(&reply);
    return ret;
}

void acme_account_free(struct acme_account *a)
{
    free(a->url);
    free(a->status);
    json_decref(a->contact);
    memset(a, 0, sizeof(*a));
}

int acme_revoke(struct acme_client *c, const unsigned char *der, size_t der_len, int reason)
{
    struct acme_reply reply;
    json_t *payload = NULL;
    char *cert = NULL;
    int ret = -1;

    memset(&reply, 0, sizeof(reply));
    if (!c->dir.revoke_cert) {
        errorf("revoking the certificate: the CA's directory names no revokeCert");
        return -1;
    }
    if (!(cert = base64url_encode(der, der_len)) ||
        !(payload = json_pack("{s:s}", "certificate", cert)) ||
        (reason >= 0 && json_object_set_new(payload, "reason", json_integer(reason)) < 0)) {
        errorf("out of memory");
        goto cleanup;
    }
    if (acme_post(c, "revoking the certificate", c->dir.revoke_cert, payload, NULL, &reply) < 0 ||
        acme_expect(&reply, "revoking the certificate") < 0)
        goto cleanup;
    ret = 0;
cleanup:
    free(cert);
    json_decref(payload);
    acme_reply_free(&reply);
    return ret;
}
