/* p11cert dns: CNAME records that point custom domains at the service
 * endpoint (dns records), and a live check that they do (dns check). The
 * endpoints file, the records and the queries are in the dns layer (dns.h);
 * this file parses options and prints. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/cli.h"
#include "dns/dns.h"
#include "util/json-out.h"
#include "util/outfile.h"
#include "x509/decode.h"

enum {
    OPT_DOMAIN = 1,
    OPT_TARGET,
    OPT_REGION,
    OPT_ENDPOINTS,
    OPT_TTL,
    OPT_ORIGIN,
    OPT_CERT,
    OPT_OUT,
    OPT_FORCE,
    OPT_SERVER,
};

/* The options both subcommands take: which domains, and where they point. */
#define DNS_TARGET_OPTIONS                                                                         \
    {OPT_DOMAIN, "domain", "NAME", "a custom domain (repeat for more); an IDN as its A-label"},    \
        {OPT_TARGET, "target", "HOST", "the endpoint host the domains point at"},                  \
        {OPT_REGION, "region", "R", "the endpoint of region R, from the endpoints file"},          \
    {                                                                                              \
        OPT_ENDPOINTS, "endpoints", "FILE",                                                        \
            "the endpoints file (\"REGION HOST\" a line, # comments) instead of the one that "     \
            "ships with p11cert"                                                                   \
    }

static const struct cli_option records_options[] = {
    DNS_TARGET_OPTIONS,
    {OPT_TTL, "ttl", "N", "the records' TTL in seconds (default 3600)"},
    {OPT_ORIGIN, "origin", "ZONE",
     "write owners relative to ZONE, after a $ORIGIN line; every domain must lie below it"},
    {OPT_CERT, "cert", "F", "refuse domains the certificate in F does not cover (its SANs)"},
    {OPT_OUT, "out", "F", "write the zone text to F (default: stdout)"},
    {OPT_FORCE, "force", NULL, "replace F if it exists"},
    {0, NULL, NULL, NULL},
};

static const struct cli_spec records_spec = {
    "--domain NAME... (--target HOST | --region R [--endpoints FILE]) [--ttl N] [--origin ZONE] "
    "[--cert F] [--out F] [--force]",
    "Writes CNAME records that point each custom domain at the service endpoint, as\n"
    "zone-file text (absolute names, or relative to --origin). A CNAME at a zone's apex is\n"
    "refused: it cannot coexist with the zone's SOA and NS records.",
    records_options,
    0,
    0,
};

static const struct cli_option check_options[] = {
    DNS_TARGET_OPTIONS,
    {OPT_SERVER, "server", "ADDR[:PORT]",
     "ask this name server (IPv4, or IPv6 as [ADDR]:PORT) instead of the system's resolver"},
    {0, NULL, NULL, NULL},
};

static const struct cli_spec check_spec = {
    "--domain NAME... (--target HOST | --region R [--endpoints FILE]) [--server ADDR[:PORT]]",
    "Asks a resolver for each domain's CNAME, follows it, and reports whether it points at\n"
    "the endpoint, somewhere else, nowhere (no record) or could not be asked (no answer).\n"
    "Exit 0 only if every domain points at the endpoint.",
    check_options,
    0,
    0,
};

/* What both subcommands are given. */
struct dns_args {
    const char **domains;
    size_t n_domains;
    const char *target, *region, *endpoints;
    const char *ttl, *origin, *cert, *out, *server;
    int force;
};

/* The endpoint: --target, or --region looked up in the endpoints file.
 * Returns EXIT_OK with a malloc'd host in *target, or the exit status. */
static int resolve_target(const struct dns_args *args, char **target)
{
    struct dns_endpoints eps = {0};
    char *path = NULL, *known = NULL, why[768];
    const char *host;
    int ret = EXIT_USAGE;

    *target = NULL;
    if (args->target && args->region) {
        cli_usage_error("give --target or --region, not both");
        return EXIT_USAGE;
    }
    if (args->endpoints && !args->region) {
        cli_usage_error("--endpoints goes with --region");
        return EXIT_USAGE;
    }
    if (args->target) {
        *target = strdup(args->target);
        return *target ? EXIT_OK : EXIT_FAIL;
    }
    if (!args->region) {
        cli_usage_error("give the endpoint: --target HOST or --region R");
        return EXIT_USAGE;
    }
    path = args->endpoints ? strdup(args->endpoints) : dns_endpoints_default_path();
    if (!path)
        return EXIT_FAIL;
    if (dns_endpoints_read(path, &eps, why, sizeof(why)) < 0) {
        errorf("cannot use the endpoints file: %s", why);
        if (!args->endpoints)
            hintf("give one with --endpoints FILE, or the endpoint with --target HOST");
        ret = EXIT_FAIL;
        goto cleanup;
    }
    host = dns_endpoints_lookup(&eps, args->region);
    if (!host) {
        known = dns_endpoints_regions(&eps);
        errorf("unknown region \"%s\": %s knows %s", args->region, path,
               known && *known ? known : "no regions");
        goto cleanup;
    }
    debugf("region %s: %s (from %s)", args->region, host, path);
    *target = strdup(host);
    ret = *target ? EXIT_OK : EXIT_FAIL;
cleanup:
    free(known);
    free(path);
    dns_endpoints_free(&eps);
    return ret;
}

/* Parses a subcommand's options into args. Returns EXIT_OK, or the exit
 * status (EXIT_OK with *done set after --help). */
static int parse_args(struct cli *cli, const struct cli_spec *spec, int argc, char **argv,
                      struct dns_args *args, int *done)
{
    struct cli_parser parser;
    const char *arg;
    const char **grown;
    char **rest;
    int opt, ret = EXIT_USAGE;

    *done = 0;
    if (cli_parser_init(&parser, cli, spec, argc, argv) < 0)
        return EXIT_FAIL;
    while ((opt = cli_next(&parser, &arg)) >= 0) {
        switch (opt) {
        case OPT_DOMAIN:
            grown = realloc(args->domains, (args->n_domains + 1) * sizeof(*grown));
            if (!grown) {
                ret = EXIT_FAIL;
                goto cleanup;
            }
            args->domains = grown;
            args->domains[args->n_domains++] = arg;
            break;
        case OPT_TARGET:
            args->target = arg;
            break;
        case OPT_REGION:
            args->region = arg;
            break;
        case OPT_ENDPOINTS:
            args->endpoints = arg;
            break;
        case OPT_TTL:
            args->ttl = arg;
            break;
        case OPT_ORIGIN:
            args->origin = arg;
            break;
        case OPT_CERT:
            args->cert = arg;
            break;
        case OPT_OUT:
            args->out = arg;
            break;
        case OPT_FORCE:
            args->force = 1;
            break;
        case OPT_SERVER:
            args->server = arg;
            break;
        }
    }
    if (opt == CLI_HELP) {
        *done = 1;
        ret = EXIT_OK;
    }
    if (opt != CLI_END || cli_args(&parser, &rest) < 0)
        goto cleanup;
    if (args->n_domains == 0) {
        cli_usage_error("give at least one --domain NAME");
        goto cleanup;
    }
    ret = EXIT_OK;
cleanup:
    cli_parser_free(&parser);
    return ret;
}

/* --cert: every domain must be covered by the certificate's SANs. */
static int check_cert(const char *path, const struct dns_record_set *set)
{
    struct secret_source no_password;
    struct x509_bundle bundle = {0};
    char *uncovered = NULL;
    size_t size = 0;
    FILE *list = NULL;
    int n = 0, ret = -1;

    memset(&no_password, 0, sizeof(no_password));
    if (x509_decode_file(path, &no_password, &bundle) < 0)
        goto cleanup;
    if (!bundle.certs || sk_X509_num(bundle.certs) == 0) {
        errorf("\"%s\" holds no certificate", path);
        goto cleanup;
    }
    if (!(list = open_memstream(&uncovered, &size)))
        goto cleanup;
    /* The first certificate is the leaf: the one whose names matter. */
    for (size_t i = 0; i < set->count; i++) {
        if (x509_covers_host(sk_X509_value(bundle.certs, 0), set->records[i].domain) != 1)
            fprintf(list, "%s%s", n++ ? ", " : "", set->records[i].domain);
    }
    if (fclose(list) != 0) {
        list = NULL;
        goto cleanup;
    }
    list = NULL;
    if (n > 0) {
        errorf("the certificate in %s does not cover %s (not in its subjectAltName)", path,
               uncovered);
        hintf("leave %s out, or get a certificate that names %s", n > 1 ? "them" : "it",
              n > 1 ? "them" : "it");
        goto cleanup;
    }
    ret = 0;
cleanup:
    if (list)
        fclose(list);
    free(uncovered);
    x509_bundle_free(&bundle);
    return ret;
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

static int write_records(struct cli *cli, const struct dns_args *args,
                         const struct dns_record_set *set)
{
    int ret = -1;

    if ((args->out || !cli->json) &&
        outfile_write(args->out, args->force, 0644, set->zone_text, strlen(set->zone_text)) < 0)
        goto cleanup;
    if (cli->json) {
        ret = json_out_print(records_json(set, args->region, args->out));
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

static int run_records(struct cli *cli, int argc, char **argv)
{
    struct dns_args args = {0};
    struct dns_record_set set = {0};
    struct dns_records_request req = {0};
    unsigned long ttl = DNS_TTL_DEFAULT;
    char *target = NULL, why[768], hint[256];
    int done, ret;

    ret = parse_args(cli, &records_spec, argc, argv, &args, &done);
    if (ret != EXIT_OK || done)
        goto cleanup;
    ret = EXIT_USAGE;
    if (args.ttl && cli_parse_uint("--ttl", args.ttl, DNS_TTL_MAX, &ttl) < 0)
        goto cleanup;
    if ((ret = resolve_target(&args, &target)) != EXIT_OK)
        goto cleanup;
    req = (struct dns_records_request){args.domains, args.n_domains, target, args.origin,
                                       (uint32_t)ttl};
    if (dns_records_make(&req, &set, why, sizeof(why), hint, sizeof(hint)) < 0) {
        errorf("%s", why);
        if (hint[0])
            hintf("%s", hint);
        ret = EXIT_USAGE;
        goto cleanup;
    }
    ret = EXIT_FAIL;
    if (outfile_check(args.out, args.force) < 0 || (args.cert && check_cert(args.cert, &set) < 0))
        goto cleanup;
    if (write_records(cli, &args, &set) < 0)
        goto cleanup;
    ret = EXIT_OK;
cleanup:
    dns_record_set_free(&set);
    free(target);
    free(args.domains);
    return ret;
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

static int run_check(struct cli *cli, int argc, char **argv)
{
    struct dns_args args = {0};
    struct dns_server server;
    struct dns_resolver resolver = {0};
    struct dns_check check;
    char *target = NULL, (*domains)[DNS_NAME_SIZE] = NULL, host[DNS_NAME_SIZE], why[512];
    json_t *checks = NULL;
    size_t failed = 0;
    int done, ret;

    ret = parse_args(cli, &check_spec, argc, argv, &args, &done);
    if (ret != EXIT_OK || done)
        goto cleanup;
    ret = EXIT_USAGE;
    if (args.server && dns_server_parse(args.server, &server, why, sizeof(why)) < 0) {
        cli_usage_error("bad --server: %s", why);
        goto cleanup;
    }
    if ((ret = resolve_target(&args, &target)) != EXIT_OK)
        goto cleanup;
    ret = EXIT_USAGE;
    if (dns_name_normalize(target, host, why, sizeof(why)) < 0) {
        cli_usage_error("bad target \"%s\": %s", target, why);
        goto cleanup;
    }
    if (!(domains = calloc(args.n_domains, sizeof(*domains)))) {
        errorf("out of memory");
        ret = EXIT_FAIL;
        goto cleanup;
    }
    for (size_t i = 0; i < args.n_domains; i++) {
        if (dns_name_normalize(args.domains[i], domains[i], why, sizeof(why)) < 0) {
            cli_usage_error("bad domain \"%s\": %s", args.domains[i], why);
            goto cleanup;
        }
    }
    ret = EXIT_FAIL;
    if (dns_resolver_open(&resolver, args.server ? &server : NULL, why, sizeof(why)) < 0) {
        errorf("%s", why);
        goto cleanup;
    }
    if (!(checks = json_array()))
        goto cleanup;
    debugf("asking %s", resolver.desc);
    for (size_t i = 0; i < args.n_domains; i++) {
        dns_check_domain(&resolver, domains[i], host, &check);
        if (check.status != DNS_CHECK_TARGET)
            failed++;
        if (cli->json)
            json_array_append_new(checks, check_json(domains[i], &check));
        else
            printf("%s %s: %s\n", check.status == DNS_CHECK_TARGET ? "PASS" : "FAIL", domains[i],
                   check.detail);
    }
    if (cli->json &&
        json_out_print(json_pack("{s:O, s:s, s:s, s:b}", "checks", checks, "target", host, "server",
                                 resolver.desc, "ok", failed == 0)) < 0)
        goto cleanup;
    if (resolver.dead[0])
        errorf("%s", resolver.dead);
    else if (failed > 0)
        errorf("%zu of %zu domains do not point at %s.", failed, args.n_domains, host);
    if (failed == 0)
        ret = EXIT_OK;
cleanup:
    json_decref(checks);
    dns_resolver_close(&resolver);
    free(domains);
    free(target);
    free(args.domains);
    return ret;
}

struct subcommand {
    struct command command; /* its name includes "dns ": the prefix of its messages */
    const char *word;
};

static const struct subcommand subcommands[] = {
    {{"dns records", run_records, "CNAME records pointing custom domains at the endpoint"},
     "records"},
    {{"dns check", run_check, "ask a resolver whether the domains point at the endpoint"}, "check"},
};

static void print_dns_help(void)
{
    printf("usage: p11cert dns SUBCOMMAND [options]\n\n"
           "DNS for custom domains: CNAME records that point them at the service endpoint\n"
           "(--target HOST, or --region R from the endpoints file), and a live check.\n\n"
           "subcommands:\n");
    for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
        printf("  %-8s  %s\n", subcommands[i].word, subcommands[i].command.summary);
    printf("\n'p11cert dns SUBCOMMAND --help' describes one.\n");
}

/* The subcommand comes first, as with git: `p11cert dns records ...`
 * (global options before "dns" are main's; after the subcommand, its own). */
int cmd_dns(struct cli *cli, int argc, char **argv)
{
    const struct subcommand *sub = NULL;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        if (argc < 2) {
            errorf("give a subcommand: records or check; 'p11cert dns --help' describes them");
            return EXIT_USAGE;
        }
        print_dns_help();
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
        if (strcmp(argv[1], subcommands[i].word) == 0)
            sub = &subcommands[i];
    if (!sub) {
        errorf("unknown subcommand \"%s\": records or check", argv[1]);
        return EXIT_USAGE;
    }
    cli->command = &sub->command;
    msg_setup(sub->command.name, cli->level);
    argv[1] = (char *)sub->command.name;
    return sub->command.run(cli, argc - 1, argv + 1);
}
