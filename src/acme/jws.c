/* The JWS every ACME request travels in (RFC 8555 6.2): the protected
 * header names the algorithm, the nonce, the URL and the key (the JWK for
 * newAccount and revocations by key, else the account URL as kid); the
 * token signs. And the External Account Binding (7.3.4): a JWS over the
 * JWK, MACed with the key the CA handed out. */
#include "acme/internal.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "util/base64url.h"
#include "util/msg.h"

/* base64url of json's compact text; "" for NULL (POST-as-GET). */
static char *encode_json(json_t *json)
{
    char *text, *encoded;

    if (!json)
        return strdup("");
    if (!(text = json_dumps(json, JSON_COMPACT)))
        return NULL;
    encoded = base64url_encode(text, strlen(text));
    free(text);
    return encoded;
}

/* "PROTECTED.PAYLOAD", the bytes a JWS signature covers. */
static char *signing_input(const char *protected_b64, const char *payload_b64)
{
    size_t len = strlen(protected_b64) + 1 + strlen(payload_b64) + 1;
    char *input = malloc(len);

    if (input)
        snprintf(input, len, "%s.%s", protected_b64, payload_b64);
    return input;
}

/* The flattened serialization, as JSON text; malloc'd. */
static char *flattened(const char *protected_b64, const char *payload_b64, const char *sig_b64)
{
    json_t *jws = json_pack("{s:s, s:s, s:s}", "protected", protected_b64, "payload", payload_b64,
                            "signature", sig_b64);
    char *text = jws ? json_dumps(jws, JSON_COMPACT) : NULL;

    json_decref(jws);
    return text;
}

char *acme_jws(struct acme_client *c, const char *url, const char *nonce, json_t *payload)
{
    json_t *header;
    char *protected_b64 = NULL, *payload_b64 = NULL, *input = NULL, *sig_b64 = NULL;
    char *out = NULL;
    unsigned char sig[SIGNER_JWS_SIG_MAX];
    size_t sig_len;

    if (c->account_url)
        header = json_pack("{s:s, s:s, s:s, s:s}", "alg", c->key->alg, "kid", c->account_url,
                           "nonce", nonce, "url", url);
    else
        header = json_pack("{s:s, s:O, s:s, s:s}", "alg", c->key->alg, "jwk", c->jwk, "nonce",
                           nonce, "url", url);
    if (!header || !(protected_b64 = encode_json(header)) ||
        !(payload_b64 = encode_json(payload)) ||
        !(input = signing_input(protected_b64, payload_b64))) {
        errorf("cannot build the request: out of memory");
        goto cleanup;
    }
    if (signer_jws_sign(c->key, input, strlen(input), sig, &sig_len) < 0)
        goto cleanup;
    if (!(sig_b64 = base64url_encode(sig, sig_len)) ||
        !(out = flattened(protected_b64, payload_b64, sig_b64)))
        errorf("cannot build the request: out of memory");
cleanup:
    json_decref(header);
    free(protected_b64);
    free(payload_b64);
    free(input);
    free(sig_b64);
    return out;
}

static const EVP_MD *eab_hash(const char *alg)
{
    if (!alg || strcmp(alg, "HS256") == 0)
        return EVP_sha256();
    if (strcmp(alg, "HS384") == 0)
        return EVP_sha384();
    if (strcmp(alg, "HS512") == 0)
        return EVP_sha512();
    return NULL;
}

json_t *acme_eab_binding(struct acme_client *c, const struct acme_eab *eab)
{
    const EVP_MD *md = eab_hash(eab->alg);
    json_t *header = NULL, *binding = NULL;
    char *protected_b64 = NULL, *payload_b64 = NULL, *input = NULL, *mac_b64 = NULL;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned mac_len = 0;

    if (!md) {
        errorf("unknown EAB algorithm \"%s\": use HS256, HS384 or HS512", eab->alg);
        return NULL;
    }
    header = json_pack("{s:s, s:s, s:s}", "alg", eab->alg ? eab->alg : "HS256", "kid", eab->kid,
                       "url", c->dir.new_account);
    if (!header || !(protected_b64 = encode_json(header)) || !(payload_b64 = encode_json(c->jwk)) ||
        !(input = signing_input(protected_b64, payload_b64)))
        goto oom;
    if (!HMAC(md, eab->key, (int)eab->key_len, (const unsigned char *)input, strlen(input), mac,
              &mac_len)) {
        errorf("cannot compute the EAB MAC: %s", msg_openssl_reason());
        goto cleanup;
    }
    if (!(mac_b64 = base64url_encode(mac, mac_len)) ||
        !(binding = json_pack("{s:s, s:s, s:s}", "protected", protected_b64, "payload", payload_b64,
                              "signature", mac_b64)))
        goto oom;
    goto cleanup;
oom:
    errorf("cannot build the external account binding: out of memory");
cleanup:
    OPENSSL_cleanse(mac, sizeof(mac));
    json_decref(header);
    free(protected_b64);
    free(payload_b64);
    free(input);
    free(mac_b64);
    return binding;
}

char *acme_key_authorization(const struct acme_client *c, const char *token)
{
    size_t len = strlen(token) + 1 + strlen(c->thumbprint) + 1;
    char *text = malloc(len);

    if (text)
        snprintf(text, len, "%s.%s", token, c->thumbprint);
    return text;
}

int acme_dns01_value(const char *key_authorization, char out[SIGNER_THUMBPRINT_SIZE])
{
    unsigned char hash[32];
    char *text;

    if (!EVP_Digest(key_authorization, strlen(key_authorization), hash, NULL, EVP_sha256(), NULL) ||
        !(text = base64url_encode(hash, sizeof(hash))))
        return -1;
    memcpy(out, text, strlen(text) + 1);
    free(text);
    return 0;
}
