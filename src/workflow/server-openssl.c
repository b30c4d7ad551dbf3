/* server-config's openssl.cnf (the libp11 engine, the module, the PIN),
 * and what the server templates share. */
#include "workflow/server-config.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "util/msg.h"
#include "util/secret.h"

int server_cnf_quote(const char *value, char *out, size_t out_len)
{
    size_t n = 0;

    if (out_len < 3)
        return -1;
    out[n++] = '"';
    for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
        if (*p < 0x20 || *p == 0x7f || n + 4 > out_len)
            return -1;
        if (*p == '"' || *p == '\\')
            out[n++] = '\\';
        out[n++] = (char)*p;
    }
    out[n++] = '"';
    out[n] = '\0';
    return 0;
}

int server_render_openssl(FILE *out, const struct server_setup *s, const char *pin)
{
    char engine[2 * PATH_MAX + 3], module[2 * PATH_MAX + 3], quoted[2 * SECRET_MAX + 3];
    int ret = -1;

    if (server_cnf_quote(s->engine, engine, sizeof(engine)) == 0 &&
        server_cnf_quote(s->module, module, sizeof(module)) == 0 &&
        server_cnf_quote(pin, quoted, sizeof(quoted)) == 0) {
        fprintf(out,
                "# OpenSSL configuration for %s, written by p11cert server-config: the libp11\n"
                "# engine and the token's module. It holds the token's PIN, as the engine's PIN\n"
                "# setting (never in a key URI: servers log those): keep it mode 0600. The\n"
                "# server finds it through OPENSSL_CONF=%s\n"
                "openssl_conf = p11cert_init\n\n"
                "[p11cert_init]\n"
                "engines = p11cert_engines\n\n"
                "[p11cert_engines]\n"
                "pkcs11 = p11cert_pkcs11\n\n"
                "[p11cert_pkcs11]\n"
                "engine_id = pkcs11\n"
                "dynamic_path = %s\n"
                "MODULE_PATH = %s\n"
                "PIN = %s\n",
                s->name, s->openssl_cnf, engine, module, quoted);
        ret = ferror(out) ? -1 : 0;
    }
    OPENSSL_cleanse(quoted, sizeof(quoted));
    return ret;
}

const char *server_listen_text(const struct hostport *hp, char *buf, size_t len)
{
    if (!hp->host[0])
        snprintf(buf, len, "%s", hp->port);
    else
        snprintf(buf, len, hp->ipv6 ? "[%s]:%s" : "%s:%s", hp->host, hp->port);
    return buf;
}
