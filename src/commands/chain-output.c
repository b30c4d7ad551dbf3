/* chain's outputs: chain.crt and the fullchain written from the path, and
 * the path described on standard output (or stderr when chain.crt goes
 * there), or as one JSON document. */
#include "commands/chain-output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json-out.h"
#include "util/msg.h"
#include "util/outfile.h"
#include "x509/x509.h"

static const char *role(int i, int n)
{
    if (i == 0)
        return "leaf";
    return i == n - 1 ? "root" : "intermediate";
}

/* certs[from..to) as PEM: to path (stdout when NULL), or into *json. */
static int write_certs(const char *path, int force, STACK_OF(X509) *certs, int from, int to,
                       json_t **json)
{
    BIO *data = x509_certs_encode(certs, from, to, 0);
    char *bytes = NULL;
    long len;
    int ret = -1;

    if (data) {
        len = BIO_get_mem_data(data, &bytes);
        if (json)
            ret = (*json = json_stringn(bytes ? bytes : "", (size_t)len)) ? 0 : -1;
        else
            ret = outfile_write(path, force, 0644, bytes, (size_t)len);
    }
    BIO_free(data);
    return ret;
}

static void describe_path(const struct x509_path *path, const char *trust, int to_stdout)
{
    int n = sk_X509_num(path->certs);
    const char *anchor = !trust                         ? "a self-signed input"
                         : strcmp(trust, "system") == 0 ? "the system's store"
                                                        : trust;

    for (int i = 0; i < n; i++) {
        char *subject = x509_name_text(X509_get_subject_name(sk_X509_value(path->certs, i)));
        if (to_stdout)
            printf("%-13s %s\n", role(i, n), subject ? subject : "?");
        else
            notef("%s: %s", role(i, n), subject ? subject : "?");
        free(subject);
    }
    if (to_stdout)
        printf("root from %s\n", anchor);
    else
        notef("root from %s", anchor);
}

static int output_json(const struct chain_args *a, const struct x509_path *path, int chain_end)
{
    int n = sk_X509_num(path->certs);
    json_t *list = json_array(), *pem = NULL, *doc;

    for (int i = 0; list && i < n; i++) {
        json_t *c = x509_certificate_json(sk_X509_value(path->certs, i));

        json_object_set_new(c, "role", json_string(role(i, n)));
        json_array_append_new(list, c);
    }
    doc = json_pack("{s:o, s:s?, s:b, s:s?, s:s?, s:O}", "path", list, "root", path->root_name,
                    "root_included", chain_end == n && n > 1, "out", a->out, "fullchain",
                    a->fullchain, "fetched", a->fetched);
    if (!doc ||
        write_certs(a->out, a->force, path->certs, 1, chain_end, a->out ? NULL : &pem) < 0) {
        json_decref(doc);
        return -1;
    }
    if (pem)
        json_object_set_new(doc, "pem", pem);
    return json_out_print(doc);
}

int chain_output(struct cli *cli, const struct chain_args *a, const struct x509_path *path)
{
    int n = sk_X509_num(path->certs);
    int chain_end = a->no_root || n == 1 ? n - 1 : n; /* chain.crt is [1, chain_end) */
    int full_end = n > 1 ? n - 1 : 1;                 /* fullchain is [0, full_end) */

    if (chain_end <= 1)
        notef("chain.crt is empty: %s",
              n == 1 ? "the leaf is its own root" : "the leaf's issuer is the root, left out");
    if (a->fullchain && write_certs(a->fullchain, a->force, path->certs, 0, full_end, NULL) < 0)
        return -1;
    if (cli->json)
        return output_json(a, path, chain_end);
    if (write_certs(a->out, a->force, path->certs, 1, chain_end, NULL) < 0)
        return -1;
    describe_path(path, a->trust, a->out != NULL);
    if (a->out)
        printf("chain: %s (%d certificate%s)\n", a->out, chain_end > 1 ? chain_end - 1 : 0,
               chain_end - 1 == 1 ? "" : "s");
    if (a->fullchain && a->out)
        printf("fullchain: %s (%d certificate%s)\n", a->fullchain, full_end,
               full_end == 1 ? "" : "s");
    return 0;
}
