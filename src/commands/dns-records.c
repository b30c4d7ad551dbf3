/* p11cert dns records: CNAME records that point custom domains at the
 * service endpoint, as zone-file text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/commands.h"
#include "commands/dns-options.h"
#include "util/json-out.h"
#include "util/outfile.h"
#include "workflow/domains.h"

enum {
    OPT_TTL = DNS_OPT_FIRST_OWN,
    OPT_ORIGIN,
    OPT_CERT,
    OPT_OUT,
    OPT_FORCE,
};

static const struct cli_option options[] = {
    DNS_TARGET_OPTIONS,
    {OPT_TTL, "ttl", "N", "the records' TTL in seconds (default 3600)"},
    {OPT_ORIGIN, "origin", "ZONE",
     "write owners relative to ZONE, after a $ORIGIN line; every domain must lie below it"},
    {OPT_CERT, "cert", "F", "refuse domains the certificate in F does not cover (its SANs)"},
    {OPT_OUT, "out", "F", "write the zone text to F (default: stdout)"},
    {OPT_FORCE, "force", NULL, "replace F if it exists"},
    {0, NULL, NULL, NULL},
};

static const struct cli_spec spec = {
    "--domain NAME... (--target HOST | --region R [--endpoints FILE]) [--ttl N] [--origin ZONE] "
    "[--cert F] [--out F] [--force]",
    "Writes CNAME records that point each custom domain at the service endpoint, as\n"
    "zone-file text (absolute names, or relative to --origin). A CNAME at a zone's apex is\n"
    "refused: it cannot coexist with the zone's SOA and NS records.",
    options,
    0,
    0,
};

struct records_args {
    struct dns_target_args dns;
    const char *ttl, *origin, *cert, *out;
    int force;
};

static int take(void *opts, int id, const char *arg)
{
    struct records_args *a = opts;
    int taken;

    if (dns_target_take(&a->dns, id, arg, &taken) < 0)
        return -1;
    if (id == OPT_TTL)
        a->ttl = arg;
    else if (id == OPT_ORIGIN)
        a->origin = arg;
    else if (id == OPT_CERT)
        a->cert = arg;
    else if (id == OPT_OUT)
        return cli_parse_output("--out", arg, 1, &a->out);
    else if (id == OPT_FORCE)
        a->force = 1;
    return 0;
}

static json_t *records_json(const struct dns_record_set *set, const char *region, const char *out)
{
    json_t *records = json_array();

    for (size_t i = 0; records && i < set->count; i++)
        json_array_append_new(records,
                              json_pack("{s:s, s:s, s:I, s:s}", "domain", set->records[i].domain,
                                        "target", set->target, "ttl", (json_int_t)set->ttl, "text",
                                        set->records[i].text));
    return json_pack("{s:o, s:s, s:s*, s:s*, s:s*}", "records", records, "zone_text",
                     set->zone_text, "origin", set->origin, "region", region, "out", out);
}

static int write_records(struct cli *cli, const struct records_args *args,
                         const struct dns_record_set *set)
{
    int ret = -1;

    if ((args->out || !cli->json) &&
        outfile_write(args->out, args->force, 0644, set->zone_text, strlen(set->zone_text)) < 0)
        goto cleanup;
    if (cli->json) {
        ret = json_out_print(records_json(set, args->dns.region, args->out));
        goto cleanup;
    }
    if (args->out) {
        printf("records: %s (%zu CNAME to %s.)\n", args->out, set->count, set->target);
        if (set->origin)
            printf("$ORIGIN %s.\n", set->origin);
        for (size_t i = 0; i < set->count; i++)
            printf("%s\n", set->records[i].text);
    }
    ret = 0;
cleanup:
    return ret;
}

int dns_cmd_records(struct cli *cli, int argc, char **argv)
{
    struct records_args a;
    struct dns_record_set set = {0};
    struct domains_records_request req;
    struct cli_args args;
    struct cli_file outs[] = {{"--out", NULL}}, ins[] = {{"--cert", NULL}, {"--endpoints", NULL}};
    unsigned long ttl = DNS_TTL_DEFAULT;
    char *target = NULL;
    int ret;

    memset(&a, 0, sizeof(a));
    if (cli_parse(cli, &spec, argc, argv, take, &a, &args, &ret) < 0)
        goto cleanup;
    ret = EXIT_USAGE;
    outs[0].path = a.out;
    ins[0].path = a.cert;
    ins[1].path = a.dns.endpoints;
    if (cli_check_files(outs, 1, ins, 2) < 0 || dns_target_check(&a.dns) < 0 ||
        (a.ttl && cli_parse_uint("--ttl", a.ttl, DNS_TTL_MAX, &ttl) < 0))
        goto cleanup;
    if ((ret = dns_target_host(&a.dns, &target)) != EXIT_OK)
        goto cleanup;
    req = (struct domains_records_request){a.dns.domains, a.dns.n_domains, target, a.origin,
                                           (uint32_t)ttl, a.cert,          a.out,  a.force};
    if ((ret = domains_records(&req, &set)) == EXIT_OK && write_records(cli, &a, &set) < 0)
        ret = EXIT_FAIL;
cleanup:
    dns_record_set_free(&set);
    free(target);
    dns_target_free(&a.dns);
    return ret;
}
