/* apache.conf for server-config: a whole Apache 2.4 configuration (no
 * Debian include tree) with the event MPM, mod_ssl's crypto device set to
 * the libp11 engine and the key by its URI. */
#include "workflow/server-config.h"

#include <stdio.h>

/* Debian's place for Apache's modules. */
#define APACHE_MODULES "/usr/lib/apache2/modules"

void server_render_apache(FILE *out, const struct server_setup *s)
{
    static const char *const modules[][2] = {
        {"mpm_event_module", "mod_mpm_event.so"},
        {"authz_core_module", "mod_authz_core.so"},
        {"dir_module", "mod_dir.so"},
        {"socache_shmcb_module", "mod_socache_shmcb.so"},
        {"ssl_module", "mod_ssl.so"},
    };
    char listen[300];

    fprintf(out,
            "# Apache configuration written by p11cert server-config: TLS with the token key\n"
            "# through the libp11 engine, the event MPM. Start it with\n"
            "#   OPENSSL_CONF=%s apache2 -f %s\n"
            "DefaultRuntimeDir %s\n"
            "PidFile %s/apache2.pid\n"
            "Mutex file:%s default\n"
            "ErrorLog %s/apache-error.log\n"
            "LogLevel warn\n",
            s->openssl_cnf, s->conf, s->dir, s->dir, s->dir, s->dir);
    for (size_t i = 0; i < sizeof(modules) / sizeof(modules[0]); i++)
        fprintf(out, "LoadModule %s " APACHE_MODULES "/%s\n", modules[i][0], modules[i][1]);
    server_listen_text(&s->listen, listen, sizeof(listen));
    fprintf(out,
            "User %s\n"
            "Group %s\n"
            "ServerName %s\n"
            "Listen %s\n\n"
            "# mod_ssl loads the key through the engine that openssl.cnf configures.\n"
            "SSLCryptoDevice pkcs11\n"
            "SSLSessionCache shmcb:%s/apache-ssl-cache(512000)\n"
            "DocumentRoot /var/www/html\n"
            "<Directory /var/www/html>\n"
            "    Require all granted\n"
            "</Directory>\n\n"
            "<VirtualHost %s%s>\n",
            s->user, s->group, s->n_domains ? s->domains[0] : "localhost", listen, s->dir,
            s->listen.host[0] ? "" : "*:", listen);
    if (s->n_domains)
        fprintf(out, "    ServerName %s\n", s->domains[0]);
    for (size_t i = 1; i < s->n_domains; i++)
        fprintf(out, "    ServerAlias %s\n", s->domains[i]);
    fprintf(out,
            "    SSLEngine on\n"
            "    SSLProtocol -all +TLSv1.2 +TLSv1.3\n"
            "    SSLCertificateFile %s\n"
            "    SSLCertificateKeyFile \"%s\"\n"
            "</VirtualHost>\n",
            s->fullchain, s->key_uri);
}
