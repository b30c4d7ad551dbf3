/* net-request: one request through p11cert's net layer (net/http.h), for
 * the tests of what AIA fetching does not use (POST with a body, HEAD,
 * request headers, the response's headers, a 3xx taken as the answer, an
 * explicit CA bundle).
 *
 *   net-request [-X METHOD] [-H 'Name: value']... [-d BODY] [-m MAX_BYTES]
 *               [-t TIMEOUT_MS] [-r MAX_REDIRECTS] [-c CA_BUNDLE] URL
 *
 * Prints "status N", "url EFFECTIVE-URL", "redirects N", one "header NAME:
 * VALUE" line per header of the last response, the Location and every Link
 * as net_response_header finds them ("location V", "link V"), "body N
 * bytes", then the body; exit 0. A failure is "net-request: WHY" on stderr, exit 1. The
 * defaults are AIA's bounds: 1 MiB, 10 s, 3 redirects. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/http.h"

#define MAX_HEADERS 16

static int usage(void)
{
    fprintf(stderr, "usage: net-request [-X METHOD] [-H HEADER]... [-d BODY] [-m MAX_BYTES] "
                    "[-t TIMEOUT_MS] [-r MAX_REDIRECTS] [-c CA_BUNDLE] URL\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *headers[MAX_HEADERS + 1] = {NULL};
    struct net_request req = {0};
    struct net_response resp;
    const char *value;
    char why[512];
    size_t n_headers = 0;
    int opt;

    req.max_bytes = 1024 * 1024;
    req.timeout_ms = 10000;
    req.max_redirects = 3;
    while ((opt = getopt(argc, argv, "X:H:d:m:t:r:c:")) != -1) {
        switch (opt) {
        case 'X':
            req.method = optarg;
            break;
        case 'H':
            if (n_headers == MAX_HEADERS)
                return usage();
            headers[n_headers++] = optarg;
            break;
        case 'd':
            req.body = optarg;
            req.body_len = strlen(optarg);
            break;
        case 'm':
            req.max_bytes = strtoul(optarg, NULL, 10);
            break;
        case 't':
            req.timeout_ms = strtol(optarg, NULL, 10);
            break;
        case 'r':
            req.max_redirects = atoi(optarg);
            break;
        case 'c':
            req.ca_bundle = optarg;
            break;
        default:
            return usage();
        }
    }
    if (optind != argc - 1)
        return usage();
    req.url = argv[optind];
    req.headers = n_headers ? headers : NULL;
    if (net_request_perform(&req, &resp, why, sizeof(why)) < 0) {
        fprintf(stderr, "net-request: %s\n", why);
        net_response_free(&resp);
        return 1;
    }
    printf("status %ld\nurl %s\nredirects %ld\n", resp.status, resp.effective_url, resp.redirects);
    for (size_t i = 0; i < resp.n_headers; i++)
        printf("header %s: %s\n", resp.headers[i].name, resp.headers[i].value);
    if ((value = net_response_header(&resp, "location", 0)) != NULL)
        printf("location %s\n", value);
    for (size_t i = 0; (value = net_response_header(&resp, "LINK", i)) != NULL; i++)
        printf("link %s\n", value);
    printf("body %zu bytes\n", resp.body_len);
    fwrite(resp.body, 1, resp.body_len, stdout);
    net_response_free(&resp);
    return 0;
}
