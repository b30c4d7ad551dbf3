/* The custom domains: where they must point, their records, and what a
 * resolver says about them. */
#include "workflow/domains.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/msg.h"
#include "util/outfile.h"
#include "x509/decode.h"
#include "x509/names.h"

int domains_target(const char *target, const char *region, const char *endpoints, char **host)
{
    struct dns_endpoints eps = {0};
    char *path = NULL, *known = NULL, why[768];
    const char *found;
    int ret = EXIT_USAGE;

    *host = NULL;
    if (target && region) {
        errorf("give --target or --region, not both");
        return EXIT_USAGE;
    }
    if (endpoints && !region) {
        errorf("--endpoints goes with --region");
        return EXIT_USAGE;
    }
    if (target) {
        *host = strdup(target);
        return *host ? EXIT_OK : EXIT_FAIL;
    }
    if (!region) {
        errorf("give the endpoint: --target HOST or --region R");
        return EXIT_USAGE;
    }
    path = endpoints ? strdup(endpoints) : dns_endpoints_default_path();
    if (!path)
        return EXIT_FAIL;
    if (dns_endpoints_read(path, &eps, why, sizeof(why)) < 0) {
        errorf("cannot use the endpoints file: %s", why);
        if (!endpoints)
            hintf("give one with --endpoints FILE, or the endpoint with --target HOST");
        ret = EXIT_FAIL;
        goto cleanup;
    }
    found = dns_endpoints_lookup(&eps, region);
    if (!found) {
        known = dns_endpoints_regions(&eps);
        errorf("unknown region \"%s\": %s knows %s", region, path,
               known && *known ? known : "no regions");
        goto cleanup;
    }
    debugf("region %s: %s (from %s)", region, found, path);
    *host = strdup(found);
    ret = *host ? EXIT_OK : EXIT_FAIL;
cleanup:
    free(known);
    free(path);
    dns_endpoints_free(&eps);
    return ret;
}

/* Every domain must be covered by the certificate's SANs (its first
 * certificate is the leaf: the one whose names matter). */
static int check_cert(const char *path, const struct dns_record_set *set)
{
    struct secret_source no_password = {0};
    struct x509_bundle bundle = {0};
    const char **names = NULL;
    char *uncovered = NULL;
    int ret = -1;

    if (x509_decode_file(path, &no_password, &bundle) < 0)
        goto cleanup;
    if (!(names = calloc(set->count ? set->count : 1, sizeof(*names)))) {
        errorf("out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < set->count; i++)
        names[i] = set->records[i].domain;
    if (!(uncovered = x509_uncovered_names(sk_X509_value(bundle.certs, 0), names, set->count))) {
        errorf("out of memory");
        goto cleanup;
    }
    if (*uncovered) {
        int several = strchr(uncovered, ',') != NULL;

        errorf("the certificate in %s does not cover %s (not in its subjectAltName)", path,
               uncovered);
        hintf("leave %s out, or get a certificate that names %s", several ? "them" : "it",
              several ? "them" : "it");
        goto cleanup;
    }
    ret = 0;
cleanup:
    free(uncovered);
    free(names);
    x509_bundle_free(&bundle);
    return ret;
}

int domains_records(const struct domains_records_request *req, struct dns_record_set *set)
{
    struct dns_records_request make = {req->domains, req->n_domains, req->target, req->origin,
                                       req->ttl};
    char why[768], hint[256];

    memset(set, 0, sizeof(*set));
    if (dns_records_make(&make, set, why, sizeof(why), hint, sizeof(hint)) < 0) {
        errorf("%s", why);
        if (hint[0])
            hintf("%s", hint);
        return EXIT_USAGE;
    }
    if (outfile_check(req->out, req->force) < 0 || (req->cert && check_cert(req->cert, set) < 0))
        return EXIT_FAIL;
    return EXIT_OK;
}

int domains_check(const char *const *domains, size_t n, const char *target,
                  const struct dns_server *server, struct domains_check_result *result)
{
    struct dns_resolver resolver = {0};
    char why[512];
    int ret = EXIT_USAGE;

    memset(result, 0, sizeof(*result));
    if (dns_name_normalize(target, result->target, why, sizeof(why)) < 0) {
        errorf("bad target \"%s\": %s", target, why);
        return EXIT_USAGE;
    }
    if (!(result->checks = calloc(n ? n : 1, sizeof(*result->checks)))) {
        errorf("out of memory");
        return EXIT_FAIL;
    }
    for (size_t i = 0; i < n; i++) {
        if (dns_name_normalize(domains[i], result->checks[i].domain, why, sizeof(why)) < 0) {
            errorf("bad domain \"%s\": %s", domains[i], why);
            return EXIT_USAGE;
        }
    }
    ret = EXIT_FAIL;
    if (dns_resolver_open(&resolver, server, why, sizeof(why)) < 0) {
        errorf("%s", why);
        goto cleanup;
    }
    snprintf(result->server, sizeof(result->server), "%s", resolver.desc);
    debugf("asking %s", resolver.desc);
    for (size_t i = 0; i < n; i++, result->n++) {
        dns_check_domain(&resolver, result->checks[i].domain, result->target,
                         &result->checks[i].result);
        if (result->checks[i].result.status != DNS_CHECK_TARGET)
            result->failed++;
    }
    snprintf(result->dead, sizeof(result->dead), "%s", resolver.dead);
    ret = EXIT_OK;
cleanup:
    dns_resolver_close(&resolver);
    return ret;
}

void domains_check_free(struct domains_check_result *result)
{
    free(result->checks);
    result->checks = NULL;
}
