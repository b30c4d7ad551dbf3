/* After the order is valid: the chain downloaded (the one --preferred-chain
 * names, among the alternates), its leaf checked against the --key, the
 * path built as chain builds it, the checks of check run, the certificate
 * imported as import does, the outputs written, the renewal record kept. */
#ifndef P11CERT_WORKFLOW_ACME_FINISH_H
#define P11CERT_WORKFLOW_ACME_FINISH_H

#include "workflow/acme.h"

/* Returns the exit status. */
int acme_finish(struct acme_session *s, const struct acme_issue_options *o, struct sign_job *job,
                const char *cert_url, struct acme_issue_result *res);

/* The renewal record (workflow/acme-record.c): JSON, no secret, in the
 * state directory (o->state_dir, else CLI.md's default), named after the
 * first domain; its path into res->record. Returns 0, or -1 reported. */
int acme_record_write(const struct acme_target *t, const struct acme_issue_options *o,
                      struct acme_issue_result *res);

/* The state directory CLI.md names: /var/lib/p11cert for root, else
 * $XDG_STATE_HOME/p11cert or ~/.local/state/p11cert; malloc'd. */
char *acme_state_dir_default(void);

#endif
