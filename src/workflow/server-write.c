/* server-config's second half, on the opened token: the key is the
 * certificate's and signs (the one login with the PIN the server will
 * use), then every file is rendered in memory and only then written, each
 * atomically, and the steps left are put together. */
#include "workflow/server-config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "signer/libp11-key.h"
#include "signer/signer.h"
#include "util/json-out.h"
#include "util/msg.h"
#include "util/outfile.h"
#include "x509/x509.h"

enum { OUT_CNF, OUT_CHAIN, OUT_CONF, N_OUT };

/* A file's text, rendered before any file is written. */
struct rendered {
    char *text;
    size_t len;
};

/* The token key is the certificate's, libp11 can use it, and it signs. */
static int check_key(struct token_ctx *ctx, P11KitUri *key_uri, struct server_setup *s)
{
    X509 *leaf = sk_X509_value(s->cert.certs, 0);
    struct signer signer = {0};
    struct token_key key;
    char why[256] = "";
    int verified = 0, ret = EXIT_FAIL;

    if (token_find_key(ctx, key_uri, &key) < 0)
        return EXIT_FAIL;
    if (key.pubkey.type == CKK_EC_EDWARDS) {
        errorf("key \"%s\" is Ed25519: libp11 0.4.12, the engine servers load, cannot use it "
               "(nor any key on a token that holds one)",
               key.label);
        hintf("use an RSA or EC key for the server");
        return EXIT_FAIL;
    }
    if (signer_init(&signer, ctx, &key, NULL, 0) < 0)
        goto cleanup;
    if (EVP_PKEY_eq(signer.pubkey, X509_get0_pubkey(leaf)) != 1) {
        errorf("the certificate is not for key \"%s\": their public keys differ", key.label);
        goto cleanup;
    }
    if (signer_test_signature(&signer, X509_get0_pubkey(leaf), &verified, why, sizeof(why)) < 0)
        goto cleanup;
    if (!verified) {
        errorf("key \"%s\" does not sign for the certificate: %s", key.label, why);
        goto cleanup;
    }
    if (!(s->key_uri = token_object_uri(ctx, CKO_PRIVATE_KEY, key.id, key.id_len, key.label)) ||
        !(s->module = token_module_path(ctx))) {
        errorf("cannot name the key and its module for the server");
        goto cleanup;
    }
    ret = EXIT_OK;
cleanup:
    signer_free(&signer);
    return ret;
}

static int render(struct rendered *out, struct server_setup *s, const char *pin)
{
    FILE *fp = open_memstream(&out[OUT_CNF].text, &out[OUT_CNF].len);
    BIO *pem;
    char *data;
    long len;
    int ok = fp && server_render_openssl(fp, s, pin) == 0;

    if (fp && fclose(fp) != 0)
        ok = 0;
    if (!ok)
        return -1;
    if (!(pem = x509_certs_encode(s->served, 0, sk_X509_num(s->served), 0)))
        return -1;
    len = BIO_get_mem_data(pem, &data);
    out[OUT_CHAIN].text = len > 0 ? malloc((size_t)len) : NULL;
    if (out[OUT_CHAIN].text) {
        memcpy(out[OUT_CHAIN].text, data, (size_t)len);
        out[OUT_CHAIN].len = (size_t)len;
    }
    BIO_free(pem);
    if (!out[OUT_CHAIN].text || !(fp = open_memstream(&out[OUT_CONF].text, &out[OUT_CONF].len)))
        return -1;
    if (s->kind == SERVER_NGINX)
        server_render_nginx(fp, s);
    else if (s->kind == SERVER_APACHE)
        server_render_apache(fp, s);
    else
        server_render_stunnel(fp, s);
    return fclose(fp) == 0 ? 0 : -1;
}

/* Every file to its temporary name first; the names only once all are
 * complete, so a failure leaves none of them half-written. */
static int write_all(const struct server_setup *s, const struct rendered *r, int force)
{
    const char *paths[N_OUT] = {s->openssl_cnf, s->fullchain, s->conf};
    const mode_t modes[N_OUT] = {0600, 0644, 0644}; /* openssl.cnf holds the PIN */
    struct outfile out[N_OUT];
    int opened = 0, ret = -1;

    memset(out, 0, sizeof(out));
    for (; opened < N_OUT; opened++) {
        if (outfile_open(&out[opened], paths[opened], force, modes[opened]) < 0)
            goto cleanup;
        if (fwrite(r[opened].text, 1, r[opened].len, out[opened].fp) != r[opened].len) {
            errorf("cannot write \"%s\"", paths[opened]);
            opened++;
            goto cleanup;
        }
    }
    for (int i = 0; i < N_OUT; i++) {
        if (outfile_commit(&out[i]) < 0)
            goto cleanup;
    }
    ret = 0;
cleanup:
    for (int i = 0; i < opened; i++)
        outfile_abort(&out[i]);
    return ret;
}

static json_t *result_json(const struct server_setup *s)
{
    static const char *const start[] = {"nginx -c", "apache2 -f", "stunnel"};
    json_t *env = json_array(), *access = json_array();
    char command[PATH_MAX + 32];

    json_array_append_new(env,
                          json_pack("{s:s, s:s}", "name", "OPENSSL_CONF", "value", s->openssl_cnf));
    for (size_t i = 0; i < s->profile.worker_env.count; i++) {
        const char *name = s->profile.worker_env.items[i], *value = getenv(name);

        if (value)
            json_array_append_new(
                env, json_pack("{s:s, s:o}", "name", name, "value", json_out_text(value)));
    }
    server_access_steps(s, access);
    snprintf(command, sizeof(command), "%s %s", start[s->kind], s->conf);
    return json_pack("{s:s, s:[s,s,s], s:o, s:o, s:s, s:o, s:s}", "server", s->name, "files",
                     s->openssl_cnf, s->fullchain, s->conf, "key", json_out_text(s->key_uri), "env",
                     env, "user", s->user, "access", access, "start", command);
}

/* Whether openssl.cnf can carry the PIN (no control character). */
static int pin_fits(const char *pin)
{
    char quoted[2 * SECRET_MAX + 3];
    int ok = server_cnf_quote(pin, quoted, sizeof(quoted)) == 0;

    OPENSSL_cleanse(quoted, sizeof(quoted));
    if (!ok)
        errorf("the PIN holds a control character, which an OpenSSL configuration file cannot "
               "carry");
    return ok;
}

int server_config_write(const struct token_config *config, struct token_ctx *ctx,
                        P11KitUri *key_uri, struct server_setup *s, json_t **result)
{
    const char *pin = ctx->pin.data ? ctx->pin.data : "";
    struct rendered r[N_OUT];
    int ret = EXIT_FAIL;

    memset(r, 0, sizeof(r));
    if (!pin_fits(pin) || signer_engine_path(s->engine, sizeof(s->engine)) < 0 ||
        check_key(ctx, key_uri, s) != EXIT_OK ||
        token_profile_for_slot(config, &ctx->slot, &s->profile) < 0)
        goto cleanup;
    if (render(r, s, pin) < 0) {
        errorf("cannot put the configuration together: out of memory");
        goto cleanup;
    }
    if (write_all(s, r, s->force) < 0 || !(*result = result_json(s)))
        goto cleanup;
    ret = EXIT_OK;
cleanup:
    if (r[OUT_CNF].text)
        OPENSSL_cleanse(r[OUT_CNF].text, r[OUT_CNF].len); /* the PIN is in it */
    for (int i = 0; i < N_OUT; i++)
        free(r[i].text);
    return ret;
}
