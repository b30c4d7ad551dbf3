/* What acme issue says it did: text, or one JSON document. */
#include <stdio.h>

#include "commands/acme-issue.h"
#include "util/json-out.h"

static const char *member(json_t *obj, const char *key)
{
    const char *value = json_string_value(json_object_get(obj, key));

    return value ? value : "?";
}

int acme_issue_print(struct cli *cli, const struct issue_args *a, const struct acme_session *s,
                     const struct acme_issue_result *res)
{
    size_t i;
    json_t *c;

    if (cli->json)
        return json_out_print(json_pack(
            "{s:s, s:s, s:O, s:s, s:s, s:s?, s:i, s:s?, s:s?, s:I, s:O, s:b, s:b, s:s?, s:I, s:I}",
            "account", s->account.url, "order", res->order_url, "certificate", res->certificate,
            "out", a->o.out, "chain_out", a->o.chain_out, "fullchain", a->o.fullchain,
            "chain_certificates", res->chain_len, "root", res->root, "chain_issuer",
            res->chain_issuer, "alternate_chains", (json_int_t)res->n_alternates, "checks",
            res->checks, "imported", res->imported, "already_on_token", res->already_imported,
            "record", res->record, "signed_requests", (json_int_t)s->client.posts,
            "bad_nonces_retried", (json_int_t)s->client.nonces));
    printf("account: %s\n", s->account.url);
    printf("order: %s\n", res->order_url);
    printf("certificate: %s (serial %s, valid until %s)\n", a->o.out,
           member(res->certificate, "serial"), member(res->certificate, "not_after"));
    printf("chain: %s (%d certificate%s, root %s)\n", a->o.chain_out, res->chain_len,
           res->chain_len == 1 ? "" : "s", res->root ? res->root : "?");
    if (a->o.fullchain)
        printf("fullchain: %s\n", a->o.fullchain);
    json_array_foreach(res->checks, i, c)
    {
        printf("%s %s: %s\n", json_is_true(json_object_get(c, "ok")) ? "PASS" : "FAIL",
               member(c, "name"), member(c, "detail"));
    }
    if (res->imported)
        printf("imported: %s\n",
               res->already_imported ? "already on the token" : "on the token, beside its key");
    if (res->record)
        printf("record: %s\n", res->record);
    return 0;
}
