/* nginx.conf for server-config: nginx 1.22 with worker processes. nginx
 * cannot read a certificate through the engine (a file, with its chain),
 * keeps TLS 1.3 off unless ssl_protocols says so, and clears the workers'
 * environment: the module's variables are passed on by name. */
#include "workflow/server-config.h"

#include <stdio.h>

void server_render_nginx(FILE *out, const struct server_setup *s)
{
    char listen[300];

    fprintf(out,
            "# nginx configuration written by p11cert server-config: TLS with the token key\n"
            "# through the libp11 engine. Start it with\n"
            "#   OPENSSL_CONF=%s nginx -c %s\n"
            "user %s %s;\n"
            "worker_processes auto;\n"
            "pid %s/nginx.pid;\n"
            "error_log %s/nginx-error.log;\n",
            s->openssl_cnf, s->conf, s->user, s->group, s->dir, s->dir);
    if (s->profile.worker_env.count)
        fprintf(out, "# The workers open the token again after the fork, with the module's "
                     "environment.\n");
    for (size_t i = 0; i < s->profile.worker_env.count; i++)
        fprintf(out, "env %s;\n", s->profile.worker_env.items[i]);
    fprintf(out,
            "\nevents {\n"
            "    worker_connections 1024;\n"
            "}\n\n"
            "http {\n"
            "    access_log %s/nginx-access.log;\n\n"
            "    server {\n"
            "        listen %s ssl;\n",
            s->dir, server_listen_text(&s->listen, listen, sizeof(listen)));
    if (s->n_domains) {
        fprintf(out, "        server_name");
        for (size_t i = 0; i < s->n_domains; i++)
            fprintf(out, " %s", s->domains[i]);
        fprintf(out, ";\n");
    }
    fprintf(out,
            "        # The certificate and its chain from a file: nginx cannot read them through\n"
            "        # the engine. The key by its URI: it never leaves the token.\n"
            "        ssl_certificate %s;\n"
            "        ssl_certificate_key \"engine:pkcs11:%s\";\n"
            "        ssl_protocols TLSv1.2 TLSv1.3;\n\n"
            "        location / {\n"
            "            default_type text/plain;\n"
            "            return 200 \"served by nginx with a key on the token\\n\";\n"
            "        }\n"
            "    }\n"
            "}\n",
            s->fullchain, s->key_uri);
}
