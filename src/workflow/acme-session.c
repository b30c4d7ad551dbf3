/* What acme account, issue and revoke share: the account key on the token,
 * its JWS signer, the CA's directory; and acme account and acme revoke
 * themselves, which are one request each. */
#include "workflow/acme.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "util/base64url.h"
#include "util/msg.h"
#include "x509/decode.h"

int acme_session_open(struct token_ctx *ctx, const struct acme_target *t, int (*interrupted)(void),
                      struct acme_session *s)
{
    struct acme_client_config cfg = {NULL, t->directory ? t->directory : ACME_DEFAULT_DIRECTORY,
                                     t->ca_bundle, t->timeout, interrupted};

    memset(s, 0, sizeof(*s));
    if (token_find_key(ctx, t->account_uri, &s->key) < 0 ||
        signer_jws_init(&s->jws, ctx, &s->key) < 0)
        return EXIT_FAIL;
    s->have_jws = 1;
    cfg.key = &s->jws;
    if (acme_client_open(&s->client, &cfg) < 0)
        return EXIT_FAIL;
    s->have_client = 1;
    debugf("account key: %s, JWK thumbprint %s", s->jws.alg, s->client.thumbprint);
    return EXIT_OK;
}

void acme_session_close(struct acme_session *s)
{
    acme_account_free(&s->account);
    if (s->have_client)
        acme_client_free(&s->client);
    if (s->have_jws)
        signer_jws_free(&s->jws);
    s->have_client = s->have_jws = 0;
}

/* The EAB key: base64url text from its secret source, decoded; the text
 * and the key are wiped on every path. */
static int read_eab_key(const struct secret_source *src, unsigned char **key, size_t *len)
{
    struct secret text = {0};
    char why[256];
    int ret = -1;

    if (secret_read(src, "EAB HMAC key", &text) < 0)
        return -1;
    if (base64url_decode(text.data, text.len, key, len, why, sizeof(why)) < 0)
        errorf("cannot read the EAB HMAC key: %s", why);
    else if (*len == 0)
        errorf("cannot read the EAB HMAC key: it is empty");
    else
        ret = 0;
    secret_wipe(&text);
    return ret;
}

static char **mailto_list(const struct acme_account_options *o)
{
    char **list = calloc(o->n_emails + 1, sizeof(char *));

    for (size_t i = 0; list && i < o->n_emails; i++) {
        size_t len = strlen(o->emails[i]) + 8;

        if (!(list[i] = malloc(len)))
            break;
        snprintf(list[i], len, "mailto:%s", o->emails[i]);
    }
    return list;
}

int acme_account_run(struct token_ctx *ctx, const struct acme_target *t,
                     const struct acme_account_options *o, struct acme_session *s)
{
    struct acme_account_request req = {NULL, o->n_emails, o->agree_tos, 1, NULL};
    struct acme_eab eab = {o->eab_kid, NULL, 0, o->eab_alg};
    unsigned char *key = NULL;
    size_t key_len = 0;
    char **contacts = NULL;
    int ret = EXIT_FAIL;

    /* The key is read before anything else: a bad source costs no token. */
    if (o->eab_kid && read_eab_key(o->eab_hmac, &key, &key_len) < 0)
        return EXIT_FAIL;
    eab.key = key;
    eab.key_len = key_len;
    req.eab = o->eab_kid ? &eab : NULL;
    if (!(contacts = mailto_list(o))) {
        errorf("out of memory");
        goto cleanup;
    }
    req.contacts = (const char *const *)contacts;
    if (acme_session_open(ctx, t, NULL, s) != EXIT_OK)
        goto cleanup;
    /* Looked up first (onlyReturnExisting): a new account is made only
     * when there is none, and only with --agree-tos. */
    req.create = o->agree_tos;
    if (acme_account_get(&s->client, &req, &s->account) < 0)
        goto cleanup;
    if (!s->account.found && !o->agree_tos) {
        errorf("there is no account for this key at %s, and making one needs --agree-tos",
               s->client.directory_url);
        if (s->client.dir.terms_of_service)
            hintf("read the CA's terms of service, %s, then give --agree-tos",
                  s->client.dir.terms_of_service);
        goto cleanup;
    }
    ret = EXIT_OK;
cleanup:
    for (size_t i = 0; contacts && i < o->n_emails; i++)
        free(contacts[i]);
    free(contacts);
    OPENSSL_clear_free(key, key_len);
    return ret;
}

int acme_reason_code(const char *name)
{
    static const struct {
        const char *name;
        int code;
    } reasons[] = {
        {"unspecified", 0}, {"keyCompromise", 1}, {"superseded", 4}, {"cessationOfOperation", 5}};

    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
        if (strcmp(name, reasons[i].name) == 0)
            return reasons[i].code;
    return -1;
}

int acme_revoke_run(struct token_ctx *ctx, const struct acme_target *t, const char *cert_file,
                    int reason, struct acme_session *s)
{
    struct secret_source no_password = {0};
    struct acme_account_request req = {NULL, 0, 0, 0, NULL};
    struct x509_bundle b = {0};
    unsigned char *der = NULL;
    int len, ret = EXIT_FAIL;

    if (x509_decode_file(cert_file, &no_password, &b) < 0)
        return EXIT_FAIL;
    if ((len = i2d_X509(sk_X509_value(b.certs, 0), &der)) <= 0) {
        errorf("cannot encode the certificate of \"%s\": %s", cert_file, msg_openssl_reason());
        goto cleanup;
    }
    if (acme_session_open(ctx, t, NULL, s) != EXIT_OK ||
        acme_account_get(&s->client, &req, &s->account) < 0)
        goto cleanup;
    if (!s->account.found) {
        errorf("there is no account for this key at %s", s->client.directory_url);
        hintf("revoke with the account key that ordered the certificate");
        goto cleanup;
    }
    if (acme_revoke(&s->client, der, (size_t)len, reason) < 0)
        goto cleanup;
    ret = EXIT_OK;
cleanup:
    OPENSSL_free(der);
    x509_bundle_free(&b);
    return ret;
}
