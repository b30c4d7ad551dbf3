/* acme issue's options, shared by its option file and its output file. */
#ifndef P11CERT_COMMANDS_ACME_ISSUE_H
#define P11CERT_COMMANDS_ACME_ISSUE_H

#include "commands/acme-options.h"

/* The default --timeout, and the longest accepted. */
#define ACME_ISSUE_TIMEOUT     300
#define ACME_ISSUE_TIMEOUT_MAX 86400

enum {
    OPT_KEY = ACME_OPT_FIRST_OWN,
    OPT_DOMAIN,
    OPT_DNS_SERVER,
    OPT_TSIG_KEY,
    OPT_ZONE,
    OPT_HTTP_LISTEN,
    OPT_WEBROOT,
    OPT_SUBJECT,
    OPT_OUT,
    OPT_CHAIN_OUT,
    OPT_FULLCHAIN,
    OPT_FORCE,
    OPT_IMPORT,
    OPT_PREFERRED_CHAIN,
    OPT_TRUST,
    OPT_STATE_DIR,
    OPT_NO_RECORD,
    OPT_ROTATE_KEY,
    OPT_TIMEOUT,
};

struct issue_args {
    struct acme_target_args target;
    struct acme_issue_options o;
    const char **domains;
    size_t n_domains;
    const char *key, *timeout;
    struct secret_source tsig;
    int challenges; /* how many CHALLENGE modes were given */
};

/* Takes a CHALLENGE option (--dns-server, --tsig-key, --zone,
 * --http-listen, --webroot); other ids are left alone. Returns 0, or -1
 * after a usage error. */
int acme_issue_take_challenge(struct issue_args *a, int id, const char *arg);

/* The options that go together do, one CHALLENGE is given, --timeout is
 * a number. Returns 0, or -1 after a usage error. */
int acme_issue_check_args(struct issue_args *a, unsigned long *timeout);

/* Prints what was issued (text or --json). Returns 0 or -1. */
int acme_issue_print(struct cli *cli, const struct issue_args *a, const struct acme_session *s,
                     const struct acme_issue_result *res);

#endif
