/* renew: every renewal record in the state directory (docs/RENEWAL.md has
 * their format) looked at, and each one that is due ordered again with its
 * own settings through acme issue's steps (acme_order_certificate), on a
 * token opened and logged in once for all of its records. The new
 * certificate replaces the old one on the token and in the files without a
 * moment where neither is whole; a run that died half-way is finished by
 * the next (workflow/renew-replace.c). */
#ifndef P11CERT_WORKFLOW_RENEW_H
#define P11CERT_WORKFLOW_RENEW_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "workflow/acme.h"

struct renew_options {
    const char *state_dir;             /* NULL: CLI.md's default */
    P11KitUri *token;                  /* TOKEN-URI: only that token's records; NULL: all */
    long days;                         /* --days N; -1: a third of the lifetime */
    int force, dry_run, rotate_key;    /* --force, --dry-run, --rotate-key */
    const char *deploy_hook;           /* --deploy-hook CMD, or NULL */
    const struct token_config *config; /* global --module / --pin-source win over a record's */
    unsigned timeout;                  /* seconds for each record's order */
    int progress; /* how far it is, on a terminal (util/progress.h); 0: --json */
};

enum renew_outcome {
    RENEW_NOT_DUE,
    RENEW_RENEWED,
    RENEW_WOULD_RENEW, /* --dry-run */
    RENEW_FAILED,
};

/* What became of one record. */
struct renew_item {
    char *path; /* the record */
    char *name; /* its file name without .json: the first domain */
    enum renew_outcome outcome;
    long days_left; /* of the certificate it had (whole days, negative once expired) */
    char *why;      /* RENEW_FAILED: the reason */
    char *note;     /* NULL, or what else happened (a repair, a key rotated) */
    json_t *domains;
    json_t *files;       /* the output files it names */
    json_t *certificate; /* RENEW_RENEWED: the new one */
    char *key;           /* RENEW_RENEWED with a new key: its URI */
};

struct renew_report {
    struct renew_item *items;
    size_t n;
    size_t renewed, failed;
    int hook_run;    /* the deploy hook ran */
    int hook_status; /* its exit status (128 + N for signal N) */
};

/* Looks at every record and renews what is due. Returns the exit status:
 * EXIT_FAIL if any record failed (the others still ran). */
int renew_run(const struct renew_options *o, struct renew_report *report);

/* After renew_run: the deploy hook, once, if anything was renewed
 * (workflow/renew-hook.c). Returns the exit status: EXIT_FAIL when it
 * could not run or failed (reported). */
int renew_run_hook(const struct renew_options *o, struct renew_report *report);
void renew_report_free(struct renew_report *report);

/* ---- one record (workflow/renew-record.c) ---- */

/* A record read back: everything acme issue's steps need, pointing into
 * doc (kept until renew_record_free). */
struct renew_record {
    char *path, *name;
    json_t *doc;
    const char **domains;
    struct acme_issue_options o;
    struct acme_target t;
    struct secret_source tsig, pin;
    struct token_config config; /* what opens its token: the global module and PIN source, else
                                 * the record's */
    struct token_config own;    /* the record's own, which its next version keeps */
    const char *token_text;     /* its token's URI (the key URI's when it names none) */
    time_t not_before, not_after;
    const char *fingerprint; /* the certificate's SHA-256, as the record has it */
    unsigned char key_id[TOKEN_ID_MAX];
    CK_ULONG key_id_len;
};

/* Reads and checks the record at path; global's module and PIN source,
 * when given, replace the record's. On failure why says what is wrong with
 * it. Returns 0 or -1. */
int renew_record_load(const char *path, const struct token_config *global, struct renew_record *r,
                      char *why, size_t why_len);
void renew_record_free(struct renew_record *r);

/* The same for a record's text (path names it). */
int renew_record_parse(const char *path, const char *text, size_t len,
                       const struct token_config *global, struct renew_record *r, char *why,
                       size_t why_len);

/* Whether a certificate valid from not_before to not_after is due at now:
 * always with force; with days >= 0 when fewer than days days are left;
 * else when less than a third of its lifetime is. *days_left gets the
 * whole days left (negative once expired). */
int renew_is_due(time_t now, time_t not_before, time_t not_after, long days, int force,
                 long *days_left);

/* RFC 3339 "YYYY-MM-DDTHH:MM:SSZ" as a time; -1 when it is not one. */
time_t renew_parse_time(const char *text);

/* ---- on the token (workflow/renew-replace.c) ---- */

struct renew_cert_index;

/* Finishes what a run that died left of r's renewal (an unfinished new key
 * pair removed, the files written, the old pair or certificates removed),
 * so that exactly one certificate object carries the key's id. *repaired
 * says whether anything was done. ix (NULL: none) spares the search when it
 * knows the key id carries at most one certificate. Returns the exit
 * status. */
int renew_repair(struct token_ctx *ctx, struct renew_cert_index *ix, struct renew_record *r,
                 int *repaired);

/* What renew_repair would do to r, with nothing changed (renew --dry-run):
 * *todo gets 1 when r has an unfinished renewal, *extra the certificate
 * objects beside r's key that it would remove. Returns 0, or -1 reported. */
int renew_repair_plan(struct token_ctx *ctx, struct renew_cert_index *ix,
                      const struct renew_record *r, int *todo, CK_ULONG *extra);

/* Renews r on ctx's token: a new key pair first when rotate, the order
 * (acme_order_certificate), the certificate imported and read back, the
 * record saved (the commit), the outputs named, the old certificate (and
 * with rotate the old pair) removed. A failure before the commit leaves
 * token, files and record as they were. Returns the exit status. */
int renew_record_renew(struct token_ctx *ctx, struct renew_record *r, int rotate, unsigned timeout,
                       struct renew_item *item);

#endif
