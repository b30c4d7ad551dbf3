/* Fuzzes the endpoints file parser ("REGION HOST" a line, '#' comments):
 * on success every region maps to a normalized host and can be looked up. */
#include "fuzz.h"

#include "dns/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dns_endpoints eps;
    char why[1024];

    if (dns_endpoints_parse((const char *)data, size, "fuzz", &eps, why, sizeof(why)) == 0) {
        for (size_t i = 0; i < eps.count; i++) {
            if (!eps.entries[i].region || !eps.entries[i].host ||
                dns_endpoints_lookup(&eps, eps.entries[i].region) == NULL)
                abort();
        }
        free(dns_endpoints_regions(&eps));
        dns_endpoints_free(&eps);
    } else if (why[0] == '\0') {
        abort();
    }
    return 0;
}
