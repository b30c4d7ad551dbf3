/* p11cert dns apply: the custom domains' CNAME records sent to the zone's
 * primary server as one RFC 2136 UPDATE signed with TSIG, then read back
 * (workflow/dns-apply.c). The TSIG key comes from a secret source, never
 * from argv, and is never printed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "commands/commands.h"
#include "commands/dns-options.h"
#include "util/json-out.h"
#include "workflow/dns-apply.h"

enum {
    OPT_SERVER = DNS_OPT_FIRST_OWN,
    OPT_TSIG_KEY,
    OPT_ZONE,
    OPT_TTL,
    OPT_REPLACE,
    OPT_DELETE,
};

static const struct cli_option options[] = {
    DNS_TARGET_OPTIONS,
    {OPT_SERVER, "server", "ADDR[:PORT]",
     "the zone's primary server (IPv4, or IPv6 as [ADDR]:PORT), which takes the update"},
    {OPT_TSIG_KEY, "tsig-key", "SRC",
     "the TSIG key: file:PATH, env:NAME or fd:N holding a BIND key clause (as tsig-keygen "
     "writes it) or one line ALGORITHM:NAME:BASE64; hmac-sha256, hmac-sha384 or hmac-sha512"},
    {OPT_ZONE, "zone", "ZONE", "the zone to update (default: found by asking the server)"},
    {OPT_TTL, "ttl", "N", "the records' TTL in seconds (default 3600)"},
    {OPT_REPLACE, "replace", NULL,
     "replace a different CNAME or other data at a name (with --delete: delete a CNAME that "
     "points elsewhere too)"},
    {OPT_DELETE, "delete", NULL, "delete the domains' CNAMEs to the target instead"},
    {0, NULL, NULL, NULL},
};

static const struct cli_spec spec = {
    "--domain NAME... (--target HOST | --region R [--endpoints FILE]) --server ADDR[:PORT] "
    "--tsig-key SRC [--zone ZONE] [--ttl N] [--replace] [--delete]",
    "Sends the CNAME records to the zone's primary server as one RFC 2136 UPDATE signed\n"
    "with TSIG, then reads each name back from that server. A CNAME already pointing at\n"
    "the target is left alone; a different CNAME or other data at a name is refused unless\n"
    "--replace, and then nothing is sent. The server applies the update whole or not at all.",
    options,
    0,
    0,
};

struct apply_args {
    struct dns_target_args dns;
    const char *server, *zone, *ttl;
    struct secret_source tsig;
    int replace, remove;
};

static int take(void *opts, int id, const char *arg)
{
    struct apply_args *a = opts;
    int taken;

    if (dns_target_take(&a->dns, id, arg, &taken) < 0)
        return -1;
    if (id == OPT_SERVER)
        a->server = arg;
    else if (id == OPT_TSIG_KEY && cli_parse_secret_source("--tsig-key", arg, &a->tsig) < 0) {
        /* What stands where the source belongs may be the key itself: the
         * copy in argv is wiped, as main does for --pin. */
        OPENSSL_cleanse((char *)arg, strlen(arg));
        return -1;
    } else if (id == OPT_ZONE)
        a->zone = arg;
    else if (id == OPT_TTL)
        a->ttl = arg;
    else if (id == OPT_REPLACE)
        a->replace = 1;
    else if (id == OPT_DELETE)
        a->remove = 1;
    return 0;
}

static json_t *name_json(const struct dns_apply_name *n, int remove)
{
    char check[DNS_NAME_SIZE + 8];

    snprintf(check, sizeof(check), "cname %s", n->domain);
    return json_pack("{s:s, s:s, s:s, s:o}", "domain", n->domain, "action",
                     dns_apply_action_name(n->action), "detail", n->detail, "check",
                     n->checked ? json_pack("{s:s, s:b, s:s, s:s?, s:s}", "name", check, "ok",
                                            dns_apply_check_ok(&n->check, remove), "detail",
                                            n->check.detail, "found",
                                            n->check.found[0] ? n->check.found : NULL, "status",
                                            dns_check_status_name(n->check.status))
                                : json_null());
}

static int print_json(const struct dns_apply_result *r, int ok)
{
    json_t *names = json_array();

    for (size_t i = 0; names && i < r->n; i++)
        json_array_append_new(names, name_json(&r->names[i], r->remove));
    return json_out_print(
        json_pack("{s:o, s:s, s:s, s:s, s:{s:s, s:s}, s:b, s:s?, s:I, s:o, s:b}", "records", names,
                  "zone", r->zone, "target", r->target, "server", r->server, "key", "name",
                  r->key_name, "algorithm", r->key_algorithm ? r->key_algorithm : "", "sent",
                  r->sent, "answer", r->sent ? r->answer.words : NULL, "serial_before",
                  (json_int_t)r->serial_before, "serial_after",
                  r->have_serial_after ? json_integer(r->serial_after) : json_null(), "ok", ok));
}

static void print_text(const struct dns_apply_result *r)
{
    /* The actions are facts only once the server took them (or when nothing
     * needed sending); a refusal lists what was refused. */
    int done = r->refused == 0 && (!r->sent || r->answer.applied) && r->zone_found;

    for (size_t i = 0; i < r->n; i++) {
        const struct dns_apply_name *n = &r->names[i];

        if (done || n->action == DNS_APPLY_REFUSED)
            printf("%s %s%s %s\n", dns_apply_action_name(n->action), n->domain,
                   n->action == DNS_APPLY_CREATE ? "." : ":", n->detail);
    }
    for (size_t i = 0; i < r->n; i++) {
        const struct dns_apply_name *n = &r->names[i];

        if (n->checked)
            printf("%s %s: %s\n", n->check_ok ? "PASS" : "FAIL", n->domain,
                   n->check_ok && r->remove ? "no CNAME" : n->check.detail);
    }
    if (!done)
        return;
    if (r->sent && r->have_serial_after)
        printf("zone %s on %s: serial %u -> %u, update signed with key %s (%s)\n", r->zone,
               r->server, (unsigned)r->serial_before, (unsigned)r->serial_after, r->key_name,
               r->key_algorithm);
    else if (!r->sent)
        printf("zone %s on %s: serial %u, nothing to change: no update sent\n", r->zone, r->server,
               (unsigned)r->serial_before);
}

int dns_cmd_apply(struct cli *cli, int argc, char **argv)
{
    struct apply_args a;
    struct dns_server server;
    struct dns_apply_result result = {0};
    struct dns_apply_request req;
    struct cli_args args;
    unsigned long ttl = DNS_TTL_DEFAULT;
    char *target = NULL, why[512];
    int ret;

    memset(&a, 0, sizeof(a));
    if (cli_parse(cli, &spec, argc, argv, take, &a, &args, &ret) < 0)
        goto cleanup;
    ret = EXIT_USAGE;
    if (dns_target_check(&a.dns) < 0 ||
        (a.ttl && cli_parse_uint("--ttl", a.ttl, DNS_TTL_MAX, &ttl) < 0))
        goto cleanup;
    if (!a.server) {
        cli_usage_error("give --server ADDR[:PORT], the zone's primary server");
        goto cleanup;
    }
    if (dns_server_parse(a.server, &server, why, sizeof(why)) < 0) {
        cli_usage_error("bad --server: %s", why);
        goto cleanup;
    }
    if (a.tsig.kind == SECRET_SOURCE_NONE) {
        cli_usage_error("give --tsig-key SRC (file:PATH, env:NAME or fd:N): updates are signed");
        goto cleanup;
    }
    if ((ret = dns_target_host(&a.dns, &target)) != EXIT_OK)
        goto cleanup;
    req = (struct dns_apply_request){a.dns.domains, a.dns.n_domains, target,    &server, &a.tsig,
                                     a.zone,        (uint32_t)ttl,   a.replace, a.remove};
    ret = dns_apply(&req, &result);
    if (!result.zone_found)
        goto cleanup; /* the error said it all: nothing was asked of the zone */
    if (cli->json) {
        if (print_json(&result, ret == EXIT_OK) < 0)
            ret = EXIT_FAIL;
    } else {
        print_text(&result);
    }
cleanup:
    dns_apply_free(&result);
    free(target);
    dns_target_free(&a.dns);
    return ret;
}
