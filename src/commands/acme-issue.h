/* acme issue's options, shared by its option file and its output file. */
#ifndef P11CERT_COMMANDS_ACME_ISSUE_H
#define P11CERT_COMMANDS_ACME_ISSUE_H

#include "commands/acme-options.h"

/* The default --timeout, and the longest accepted. */
#define ACME_ISSUE_TIMEOUT     300
#define ACME_ISSUE_TIMEOUT_MAX 86400

struct issue_args {
    struct acme_target_args target;
    struct acme_issue_options o;
    const char **domains;
    size_t n_domains;
    const char *key, *timeout;
    struct secret_source tsig;
    int challenges; /* how many CHALLENGE modes were given */
};

/* Prints what was issued (text or --json). Returns 0 or -1. */
int acme_issue_print(struct cli *cli, const struct issue_args *a, const struct acme_session *s,
                     const struct acme_issue_result *res);

#endif
