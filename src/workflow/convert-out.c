/* convert's outputs: staged first (temporary files beside their names),
 * committed only when every step before has worked. */
#include "workflow/convert.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/msg.h"
#include "x509/x509.h"

int convert_stage(const struct convert_result *r, const char *out, int to_stdout,
                  const char *key_out, int force, int der, struct convert_outputs *o)
{
    char *bytes;
    long len;

    memset(o, 0, sizeof(*o));
    if (!(o->certs = x509_certs_encode(r->ordered, 0, sk_X509_num(r->ordered), der)))
        return EXIT_FAIL;
    o->to_stdout = !out && to_stdout;
    if (out) {
        len = BIO_get_mem_data(o->certs, &bytes);
        if (outfile_open(&o->out, out, force, 0644) < 0)
            return EXIT_FAIL;
        if (fwrite(bytes, 1, (size_t)len, o->out.fp) != (size_t)len) {
            errorf("cannot write \"%s\": %s", out, strerror(errno));
            return EXIT_FAIL;
        }
    }
    if (key_out) {
        if (convert_key_stage(key_out, force, r->key, &o->key) != EXIT_OK)
            return EXIT_FAIL;
        o->has_key = 1;
    }
    return EXIT_OK;
}

int convert_commit(struct convert_outputs *o)
{
    char *bytes;
    long len = BIO_get_mem_data(o->certs, &bytes);

    if (o->has_key && convert_key_commit(&o->key) != EXIT_OK)
        return EXIT_FAIL;
    if (o->out.path && outfile_commit(&o->out) < 0)
        return EXIT_FAIL;
    if (o->to_stdout && outfile_write(NULL, 0, 0644, bytes, (size_t)len) < 0)
        return EXIT_FAIL;
    return EXIT_OK;
}

void convert_outputs_free(struct convert_outputs *o)
{
    outfile_abort(&o->out);
    outfile_abort(&o->key);
    BIO_free(o->certs);
    memset(o, 0, sizeof(*o));
}
