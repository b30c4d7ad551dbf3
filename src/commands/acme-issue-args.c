/* acme issue's CHALLENGE options, and the checks of what goes together. */
#include "commands/acme-issue.h"

int acme_issue_take_challenge(struct issue_args *a, int id, const char *arg)
{
    struct acme_challenge_options *c = &a->o.challenge;
    char why[256];

    if (id == OPT_DNS_SERVER) {
        a->challenges++;
        c->kind = ACME_SOLVE_DNS;
        c->dns_server_text = arg;
        if (dns_server_parse(arg, &c->dns_server, why, sizeof(why)) < 0) {
            cli_usage_error("bad --dns-server: %s", why);
            return -1;
        }
    } else if (id == OPT_TSIG_KEY) {
        c->tsig_text = arg;
        c->tsig = &a->tsig;
        return cli_parse_secret_source("--tsig-key", arg, &a->tsig);
    } else if (id == OPT_ZONE) {
        c->zone = arg;
    } else if (id == OPT_HTTP_LISTEN) {
        a->challenges++;
        c->kind = ACME_SOLVE_LISTEN;
        c->listen = arg;
    } else if (id == OPT_WEBROOT) {
        a->challenges++;
        c->kind = ACME_SOLVE_WEBROOT;
        c->webroot = arg;
    }
    return 0;
}

int acme_issue_check_args(struct issue_args *a, unsigned long *timeout)
{
    const struct acme_challenge_options *c = &a->o.challenge;

    if (acme_target_check(&a->target) < 0)
        return -1;
    if (!a->key || a->n_domains == 0) {
        cli_usage_error("--key KEY-URI and at least one --domain NAME are required");
        return -1;
    }
    if (a->challenges != 1) {
        cli_usage_error("give one challenge: --dns-server ADDR --tsig-key SRC, --http-listen "
                        "ADDR:PORT or --webroot DIR");
        return -1;
    }
    if ((c->kind == ACME_SOLVE_DNS) != (c->tsig != NULL) ||
        (c->zone && c->kind != ACME_SOLVE_DNS)) {
        cli_usage_error("--tsig-key and --zone belong to --dns-server, which needs --tsig-key");
        return -1;
    }
    if (a->o.rotate_key && a->o.no_record) {
        cli_usage_error("--rotate-key is a setting of the renewal record, which --no-record "
                        "leaves out");
        return -1;
    }
    if (a->timeout && cli_parse_uint("--timeout", a->timeout, ACME_ISSUE_TIMEOUT_MAX, timeout) < 0)
        return -1;
    return 0;
}
