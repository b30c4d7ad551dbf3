/* p11cert dns check: whether each custom domain's CNAME points at the
 * endpoint, asked live. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/commands.h"
#include "commands/dns-options.h"
#include "util/json-out.h"
#include "workflow/domains.h"

enum {
    OPT_SERVER = DNS_OPT_FIRST_OWN,
};

static const struct cli_option options[] = {
    DNS_TARGET_OPTIONS,
    {OPT_SERVER, "server", "ADDR[:PORT]",
     "ask this name server (IPv4, or IPv6 as [ADDR]:PORT) instead of the system's resolver"},
    {0, NULL, NULL, NULL},
};

static const struct cli_spec spec = {
    "--domain NAME... (--target HOST | --region R [--endpoints FILE]) [--server ADDR[:PORT]]",
    "Asks a resolver for each domain's CNAME, follows it, and reports whether it points at\n"
    "the endpoint, somewhere else, nowhere (no record) or could not be asked (no answer).\n"
    "Exit 0 only if every domain points at the endpoint.",
    options,
    0,
    0,
};

struct check_args {
    struct dns_target_args dns;
    const char *server;
};

static int take(void *opts, int id, const char *arg)
{
    struct check_args *a = opts;
    int taken;

    if (dns_target_take(&a->dns, id, arg, &taken) < 0)
        return -1;
    if (id == OPT_SERVER)
        a->server = arg;
    return 0;
}

static json_t *check_json(const char *domain, const struct dns_check *check)
{
    char name[DNS_NAME_SIZE + 8];

    snprintf(name, sizeof(name), "cname %s", domain);
    return json_pack("{s:s, s:b, s:s, s:s, s:s?, s:s}", "name", name, "ok",
                     check->status == DNS_CHECK_TARGET, "detail", check->detail, "domain", domain,
                     "found", check->found[0] ? check->found : NULL, "status",
                     dns_check_status_name(check->status));
}

static int report(struct cli *cli, const struct domains_check_result *r)
{
    json_t *checks = json_array();
    int ret = 0;

    for (size_t i = 0; i < r->n; i++) {
        const struct domains_check *c = &r->checks[i];

        if (cli->json)
            json_array_append_new(checks, check_json(c->domain, &c->result));
        else
            printf("%s %s: %s\n", c->result.status == DNS_CHECK_TARGET ? "PASS" : "FAIL", c->domain,
                   c->result.detail);
    }
    if (cli->json)
        ret = json_out_print(json_pack("{s:O, s:s, s:s, s:b}", "checks", checks, "target",
                                       r->target, "server", r->server, "ok", r->failed == 0));
    json_decref(checks);
    if (r->dead[0])
        errorf("%s", r->dead);
    else if (r->failed > 0)
        errorf("%zu of %zu domains do not point at %s.", r->failed, r->n, r->target);
    return ret;
}

int dns_cmd_check(struct cli *cli, int argc, char **argv)
{
    struct check_args a;
    struct dns_server server;
    struct domains_check_result result = {0};
    struct cli_args args;
    char *target = NULL, why[512];
    int ret;

    memset(&a, 0, sizeof(a));
    if (cli_parse(cli, &spec, argc, argv, take, &a, &args, &ret) < 0)
        goto cleanup;
    ret = EXIT_USAGE;
    if (dns_target_check(&a.dns) < 0)
        goto cleanup;
    if (a.server && dns_server_parse(a.server, &server, why, sizeof(why)) < 0) {
        cli_usage_error("bad --server: %s", why);
        goto cleanup;
    }
    if ((ret = dns_target_host(&a.dns, &target)) != EXIT_OK ||
        (ret = domains_check(a.dns.domains, a.dns.n_domains, target, a.server ? &server : NULL,
                             &result)) != EXIT_OK)
        goto cleanup;
    ret = report(cli, &result) == 0 && result.failed == 0 ? EXIT_OK : EXIT_FAIL;
cleanup:
    domains_check_free(&result);
    free(target);
    dns_target_free(&a.dns);
    return ret;
}
