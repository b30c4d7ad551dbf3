/* Which host names a certificate covers, as browsers match them (RFC 6125:
 * subjectAltName only, a wildcard for exactly one leftmost label, an
 * address only by an iPAddress entry). The one place p11cert decides it:
 * `check --domain` and `dns records --cert` both ask here. */
#include "x509/names.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

int x509_covers_host(X509 *cert, const char *host)
{
    unsigned char addr[16];
    char name[256];
    size_t len;

    if (!cert || !host || !*host)
        return 0;
    /* An address is matched against iPAddress entries only: a DNS entry
     * that reads "192.0.2.1" does not cover it. */
    if (inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1)
        return X509_check_ip_asc(cert, host, 0) == 1;
    len = strlen(host);
    if (len >= sizeof(name))
        return 0;
    memcpy(name, host, len + 1);
    if (len > 1 && name[len - 1] == '.')
        name[--len] = '\0';
    return X509_check_host(cert, name, len,
                           X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS |
                               X509_CHECK_FLAG_NEVER_CHECK_SUBJECT,
                           NULL) == 1;
}

char *x509_uncovered_names(X509 *cert, const char *const *names, size_t n)
{
    char *list = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&list, &size);
    int count = 0;

    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (!x509_covers_host(cert, names[i]))
            fprintf(out, "%s%s", count++ ? ", " : "", names[i]);
    }
    if (fclose(out) != 0) {
        free(list);
        return NULL;
    }
    return list;
}
