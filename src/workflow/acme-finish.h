/* After the order is valid: the chain downloaded (the one --preferred-chain
 * names, among the alternates), its leaf checked against the --key, the
 * path built as chain builds it, the checks of check run, the certificate
 * imported as import does, the outputs written, the renewal record kept. */
#ifndef P11CERT_WORKFLOW_ACME_FINISH_H
#define P11CERT_WORKFLOW_ACME_FINISH_H

#include "util/outfile.h"
#include "workflow/acme.h"

/* The chain at cert_url downloaded (the preferred one among the
 * alternates), its leaf checked against the job's key, the path built as
 * chain builds it into res->path and check's checks run on it. Nothing is
 * written or stored. Returns the exit status. */
int acme_obtain(struct acme_session *s, const struct acme_issue_options *o, struct sign_job *job,
                const char *cert_url, struct acme_issue_result *res);

/* acme issue's way with what acme_obtain brought: the leaf imported beside
 * its key (o->import), then the outputs written. Returns the exit status. */
int acme_install(struct token_ctx *ctx, const struct acme_issue_options *o,
                 struct acme_issue_result *res);

/* The leaf stored beside o->key_uri's key, as import does (res->imported,
 * res->already_imported). Returns the exit status. */
int acme_import_leaf(struct token_ctx *ctx, const struct acme_issue_options *o, X509 *leaf,
                     struct acme_issue_result *res);

/* o's outputs (--out, --chain-out, --fullchain) from the path, each in a
 * hidden temporary file beside its name (o->force: replacing what is
 * there); acme_outputs_publish names them all, outfile_batch_abort
 * removes them. Return 0, or -1 reported (nothing left behind). */
int acme_outputs_prepare(const struct acme_issue_options *o, const struct x509_path *path,
                         struct outfile_batch *batch);
int acme_outputs_publish(struct outfile_batch *batch);

/* The renewal record (workflow/acme-record.c; docs/RENEWAL.md has the
 * format): JSON, no secret, in the state directory (o->state_dir, else
 * CLI.md's default), named after the first domain; its path into
 * res->record. Returns 0, or -1 reported. */
int acme_record_write(struct token_ctx *ctx, const struct acme_target *t,
                      const struct acme_issue_options *o, struct acme_issue_result *res);

/* The record for what was issued (ctx's token, o's settings, res's
 * certificate and path); NULL when out of memory. */
json_t *acme_record_json(struct token_ctx *ctx, const struct acme_target *t,
                         const struct acme_issue_options *o, const struct acme_issue_result *res);

/* STATE_DIR/NAME.json for the first domain (a wildcard without its "*.");
 * state_dir NULL: the default. malloc'd, or NULL reported. */
char *acme_record_path(const char *state_dir, const char *first_domain);

/* Writes the record atomically, mode 0600, its directory made 0700 if it
 * is not there. Returns 0, or -1 reported. */
int acme_record_save(const char *path, json_t *record);

/* The state directory CLI.md names: /var/lib/p11cert for root, else
 * $XDG_STATE_HOME/p11cert or ~/.local/state/p11cert; malloc'd. */
char *acme_state_dir_default(void);

#endif
