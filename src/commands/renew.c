/* p11cert renew: every renewal record (of TOKEN-URI's token, if given)
 * renewed when it is due, one line each; the deploy hook once after. The
 * steps are workflow/renew*.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/commands.h"
#include "util/interrupt.h"
#include "util/json-out.h"
#include "workflow/renew.h"

/* Seconds for each record's order, and the most --days takes. */
#define RENEW_TIMEOUT  300
#define RENEW_DAYS_MAX 3650

enum {
    OPT_STATE_DIR = 1,
    OPT_DAYS,
    OPT_FORCE,
    OPT_DRY_RUN,
    OPT_DEPLOY_HOOK,
    OPT_ROTATE_KEY,
    OPT_TIMEOUT,
};

static const struct cli_option options[] = {
    {OPT_STATE_DIR, "state-dir", "DIR", "where the renewal records are (default: as acme issue)"},
    {OPT_DAYS, "days", "N",
     "due when fewer than N days are left (default: a third of the lifetime)"},
    {OPT_FORCE, "force", NULL, "renew every record, due or not"},
    {OPT_DRY_RUN, "dry-run", NULL,
     "check each token and say what would be renewed or repaired; change nothing"},
    {OPT_DEPLOY_HOOK, "deploy-hook", "CMD", "run CMD (sh -c) once after a run that renewed any"},
    {OPT_ROTATE_KEY, "rotate-key", NULL, "a new key pair on the token for each renewal"},
    {OPT_TIMEOUT, "timeout", "S", "seconds for each record's order (default 300)"},
    {0, NULL, NULL, NULL},
};

static const struct cli_spec spec = {
    "[TOKEN-URI] [--state-dir DIR] [--days N] [--force] [--dry-run] [--deploy-hook CMD] "
    "[--rotate-key] [--timeout S]",
    "Renews each certificate that acme issue recorded (only TOKEN-URI's, if given) when less\n"
    "than a third of its lifetime is left, with the record's own settings; one login per\n"
    "token. The new certificate is imported and checked before the old one is removed. The\n"
    "deploy hook gets P11CERT_RENEWED_DOMAINS, P11CERT_RENEWED_FILES and\n"
    "P11CERT_RENEWED_RECORDS. One line per record; exit 1 if any failed.",
    options,
    0,
    1,
};

struct renew_args {
    struct renew_options o;
    const char *days, *timeout;
};

static int take(void *opts, int id, const char *arg)
{
    struct renew_args *a = opts;

    a->o.state_dir = id == OPT_STATE_DIR ? arg : a->o.state_dir;
    a->days = id == OPT_DAYS ? arg : a->days;
    a->o.force |= id == OPT_FORCE;
    a->o.dry_run |= id == OPT_DRY_RUN;
    a->o.deploy_hook = id == OPT_DEPLOY_HOOK ? arg : a->o.deploy_hook;
    a->o.rotate_key |= id == OPT_ROTATE_KEY;
    a->timeout = id == OPT_TIMEOUT ? arg : a->timeout;
    return 0;
}

static const char *outcome_name(enum renew_outcome outcome)
{
    static const char *names[] = {"not_due", "renewed", "would_renew", "failed"};

    return names[outcome];
}

static json_t *item_json(const struct renew_item *it)
{
    return json_pack("{s:s, s:s, s:O, s:O, s:s, s:I, s:s?, s:s?, s:O?, s:s?}", "record", it->path,
                     "name", it->name, "domains", it->domains ? it->domains : json_null(), "files",
                     it->files ? it->files : json_null(), "status", outcome_name(it->outcome),
                     "days_left", (json_int_t)it->days_left, "error", it->why, "note", it->note,
                     "certificate", it->certificate, "key", it->key);
}

static int print(struct cli *cli, const struct renew_args *a, const struct renew_report *rep)
{
    if (cli->json) {
        json_t *list = json_array();

        for (size_t i = 0; list && i < rep->n; i++)
            json_array_append_new(list, item_json(&rep->items[i]));
        return json_out_print(json_pack(
            "{s:o, s:b, s:I, s:I, s:o}", "records", list, "dry_run", a->o.dry_run, "renewed",
            (json_int_t)rep->renewed, "failed", (json_int_t)rep->failed, "deploy_hook",
            rep->hook_run
                ? json_pack("{s:s, s:i}", "command", a->o.deploy_hook, "status", rep->hook_status)
                : json_null()));
    }
    for (size_t i = 0; i < rep->n; i++) {
        const struct renew_item *it = &rep->items[i];
        const char *until = json_string_value(json_object_get(it->certificate, "not_after"));

        if (it->outcome == RENEW_RENEWED)
            printf("%s: renewed%s (valid until %s)\n", it->name, it->key ? " with a new key" : "",
                   until ? until : "?");
        else if (it->outcome == RENEW_FAILED)
            printf("%s: failed: %s\n", it->name, it->why);
        else
            printf("%s: %s (%ld day%s left)\n", it->name,
                   it->outcome == RENEW_NOT_DUE ? "not due" : "would renew", it->days_left,
                   it->days_left == 1 ? "" : "s");
    }
    if (rep->n == 0)
        notef("no renewal records%s", a->o.token ? " of that token" : "");
    return 0;
}

int cmd_renew(struct cli *cli, int argc, char **argv)
{
    struct renew_args a;
    struct renew_report rep;
    struct cli_args args;
    unsigned long days = 0, timeout = RENEW_TIMEOUT;
    int ret, sig;

    memset(&a, 0, sizeof(a));
    memset(&rep, 0, sizeof(rep));
    if (cli_parse(cli, &spec, argc, argv, take, &a, &args, &ret) < 0)
        return ret;
    if ((a.days && cli_parse_uint("--days", a.days, RENEW_DAYS_MAX, &days) < 0) ||
        (a.timeout && cli_parse_uint("--timeout", a.timeout, 86400, &timeout) < 0))
        return EXIT_USAGE;
    if (args.n == 1 && !(a.o.token = token_uri_parse(args.v[0], "TOKEN-URI")))
        return EXIT_USAGE;
    a.o.days = a.days ? (long)days : -1;
    a.o.timeout = (unsigned)timeout;
    a.o.config = &cli->token;
    a.o.progress = !cli->json;
    ret = renew_run(&a.o, &rep);
    /* The hook after the lines it follows; in the JSON document, its status. */
    if (cli->json && renew_run_hook(&a.o, &rep) != EXIT_OK)
        ret = EXIT_FAIL;
    if (print(cli, &a, &rep) < 0)
        ret = EXIT_FAIL;
    if (!cli->json) {
        fflush(stdout);
        if (renew_run_hook(&a.o, &rep) != EXIT_OK)
            ret = EXIT_FAIL;
    }
    sig = interrupt_pending();
    renew_report_free(&rep);
    if (a.o.token)
        p11_kit_uri_free(a.o.token);
    interrupt_die(sig);
    return ret;
}
