/* Fuzzes the renewal record reader (workflow/renew-record.c): records are
 * files an operator may edit. Also checks its promises: an accepted record
 * has domains, keys, a directory, an output and a certificate whose dates
 * are in order; a refused one says why. */
#include "fuzz.h"

#include "workflow/renew.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct token_config global = {0};
    struct renew_record r;
    char why[512] = "";

    if (renew_record_parse("/state/x.example.json", (const char *)data, size, &global, &r, why,
                           sizeof(why)) == 0) {
        if (r.o.n_domains == 0 || !r.o.domains[0] || !r.o.key_text || !r.o.account_key_text ||
            !r.t.directory || !r.o.out || !r.fingerprint || r.not_after <= r.not_before ||
            !r.token_text || strcmp(r.name, "x.example") != 0)
            abort();
        for (size_t i = 0; i < r.o.n_domains; i++)
            if (!r.o.domains[i])
                abort();
    } else if (!why[0]) {
        abort();
    }
    renew_record_free(&r);
    return 0;
}
