/* stunnel.conf for server-config: stunnel 5 terminating TLS with the token
 * key and passing the plain bytes to the service behind it (also the way to
 * put a token key in front of haproxy, which has no engine support). */
#include "workflow/server-config.h"

#include <stdio.h>

void server_render_stunnel(FILE *out, const struct server_setup *s)
{
    char listen[300], connect[300];

    /* stunnel writes an IPv6 address without brackets: it splits at the last colon. */
    if (s->listen.ipv6)
        snprintf(listen, sizeof(listen), "%s:%s", s->listen.host, s->listen.port);
    else
        server_listen_text(&s->listen, listen, sizeof(listen));
    if (s->connect.ipv6)
        snprintf(connect, sizeof(connect), "%s:%s", s->connect.host, s->connect.port);
    else
        server_listen_text(&s->connect, connect, sizeof(connect));
    fprintf(out,
            "; stunnel configuration written by p11cert server-config: TLS with the token key\n"
            "; through the libp11 engine, in front of a plain service. Start it with\n"
            ";   OPENSSL_CONF=%s stunnel %s\n"
            "; It stays in the foreground and logs to stderr.\n"
            "foreground = yes\n"
            "pid =\n"
            "engine = pkcs11\n"
            "setuid = %s\n"
            "setgid = %s\n\n"
            "[https]\n"
            "accept = %s\n"
            "connect = %s\n"
            "engineId = pkcs11\n"
            "cert = %s\n"
            "key = %s\n"
            "sslVersionMin = TLSv1.2\n"
            "sslVersionMax = TLSv1.3\n",
            s->openssl_cnf, s->conf, s->user, s->group, listen, connect, s->fullchain, s->key_uri);
}
