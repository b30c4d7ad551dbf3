/* convert's inputs: each file decoded by content, the certificates pooled
 * once each and put in order. The private key is convert-key.c's. */
#include "workflow/convert.h"

#include <stdlib.h>
#include <string.h>

#include "util/msg.h"
#include "x509/chain.h"

static int take_bundle(struct convert_result *out, struct x509_bundle *b, const char *file)
{
    debugf("\"%s\": %s, %d certificate(s)%s", file, b->format, sk_X509_num(b->certs),
           b->key ? " and a private key" : "");
    json_array_append_new(out->formats, json_string(b->format));
    if (b->key) {
        out->n_keys++;
        out->key = b->key;
        out->key_file = file;
    }
    for (int k = 0; k < sk_X509_num(b->certs); k++) {
        X509 *cert = sk_X509_value(b->certs, k);

        if (!X509_up_ref(cert))
            return -1;
        if (!sk_X509_push(out->all, cert)) {
            X509_free(cert);
            return -1;
        }
    }
    return 0;
}

/* What the operator should know about the order the output has. */
static void note_order(const struct convert_result *out)
{
    int n = sk_X509_num(out->all), off_path = n - out->chained;

    if (!out->chained && n > 1)
        notef("the certificates do not form one chain from a single leaf: written in input "
              "order");
    else if (out->chained && off_path > 0)
        notef("%d certificate%s not on the leaf's path: written after it in input order", off_path,
              off_path == 1 ? " is" : "s are");
}

int convert_read(const struct convert_request *req, struct convert_result *out)
{
    int dropped;

    memset(out, 0, sizeof(*out));
    if (!(out->all = sk_X509_new_null()) || !(out->formats = json_array()) ||
        !(out->bundles = calloc((size_t)req->n_files, sizeof(*out->bundles)))) {
        errorf("out of memory");
        return EXIT_FAIL;
    }
    for (int i = 0; i < req->n_files; i++) {
        if (x509_decode_file(req->files[i], req->password, &out->bundles[i]) < 0)
            return EXIT_FAIL;
        out->n_bundles = i + 1;
        if (take_bundle(out, &out->bundles[i], req->files[i]) < 0) {
            errorf("out of memory");
            return EXIT_FAIL;
        }
    }
    if (x509_certs_dedup(out->all, &dropped) < 0) {
        errorf("cannot compare the certificates: out of memory");
        return EXIT_FAIL;
    }
    if (dropped > 0)
        notef("%d duplicate certificate%s dropped", dropped, dropped == 1 ? "" : "s");
    if (req->der && sk_X509_num(out->all) > 1) {
        errorf("--der writes one certificate; the inputs hold %d: leave out --der for PEM",
               sk_X509_num(out->all));
        return EXIT_USAGE;
    }
    if (!(out->ordered = x509_certs_order(out->all, &out->chained))) {
        errorf("out of memory");
        return EXIT_FAIL;
    }
    note_order(out);
    return EXIT_OK;
}

int convert_one_key(const struct convert_result *r, const char *option)
{
    if (r->n_keys == 1)
        return EXIT_OK;
    if (r->n_keys == 0)
        errorf("no private key among the inputs: %s needs a PKCS#12 file that holds one", option);
    else
        errorf("%d inputs hold a private key: convert them one at a time", r->n_keys);
    return EXIT_FAIL;
}

void convert_result_free(struct convert_result *result)
{
    for (int i = 0; result->bundles && i < result->n_bundles; i++)
        x509_bundle_free(&result->bundles[i]);
    free(result->bundles);
    sk_X509_free(result->ordered);
    sk_X509_pop_free(result->all, X509_free);
    json_decref(result->formats);
    memset(result, 0, sizeof(*result));
}
