/* Test helper: adds or removes one TXT record through the dns layer's RFC
 * 2136 API (dns/update.h), as ACME dns-01 will, so the end-to-end tests can
 * check it against knotd with dig.
 *
 *   dns-txt ADDR[:PORT] KEY-SOURCE ZONE add|remove NAME VALUE
 *
 * KEY-SOURCE is a secret source (file:PATH, env:NAME, fd:N). Prints the
 * server's answer in words; exits 0 when the update was applied, 1 when the
 * server refused it or did not answer, 2 on a usage error. */
#include <stdio.h>
#include <string.h>

#include "dns/update.h"
#include "util/msg.h"
#include "util/secret.h"

int main(int argc, char **argv)
{
    struct dns_server server;
    struct secret_source src;
    struct dns_tsig_key key = {0};
    struct dns_update_answer answer;
    struct dns_update *u = NULL;
    char why[768];
    int ret = 2, add;

    msg_setup("dns-txt", MSG_NORMAL);
    if (argc != 7 || (strcmp(argv[4], "add") != 0 && strcmp(argv[4], "remove") != 0)) {
        fprintf(stderr, "usage: dns-txt ADDR[:PORT] KEY-SOURCE ZONE add|remove NAME VALUE\n");
        return 2;
    }
    add = strcmp(argv[4], "add") == 0;
    if (dns_server_parse(argv[1], &server, why, sizeof(why)) < 0 ||
        secret_source_parse(argv[2], 0, &src, why, sizeof(why)) < 0) {
        errorf("%s", why);
        return 2;
    }
    ret = 1;
    if (dns_tsig_key_read(&src, &key) < 0)
        goto cleanup;
    if (!(u = dns_update_new(argv[3], why, sizeof(why))) ||
        dns_update_txt(u, add, argv[5], 300, argv[6], why, sizeof(why)) < 0 ||
        dns_update_send(u, &server, &key, &answer, why, sizeof(why)) < 0) {
        errorf("%s", why);
        goto cleanup;
    }
    printf("%s\n", answer.words);
    ret = answer.applied ? 0 : 1;
cleanup:
    dns_update_free(u);
    dns_tsig_key_wipe(&key);
    return ret;
}
