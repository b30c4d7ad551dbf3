/* csr --batch: many requests from one file, one JSON object a line, with one
 * module load, one login and one key lookup per distinct key URI. The
 * single request is workflow/sign-job.h. */
#ifndef P11CERT_WORKFLOW_CSR_BATCH_H
#define P11CERT_WORKFLOW_CSR_BATCH_H

#include <jansson.h>

#include "token/token.h"
#include "workflow/sign-job.h"

struct csr_batch_options {
    const char *file;             /* the batch file, "-" for standard input */
    int force;                    /* replace existing output files */
    int der;                      /* write DER instead of PEM */
    int pss;                      /* RSASSA-PSS for RSA keys */
    struct token_opening opening; /* how to open the token the first key URI selects */
    unsigned jobs;                /* signing sessions and threads; 0 or 1: the one session */
    int progress;                 /* how far it is, on a terminal (util/progress.h); 0: --json */
};

struct csr_batch_result {
    size_t requests; /* non-blank lines */
    size_t written;
    json_t *failed;      /* [{"line", "error"}] */
    int read;            /* the file was read to its end: the summary applies */
    int stopped;         /* no token to sign with: the lines after were not tried */
    size_t stopped_line; /* where */
};

/* Reads the lines {"key": URI, "subject": DN, "san": [S, ...], "out": PATH,
 * "hash": H} ("san" and "hash" optional; blank lines skipped) and writes
 * one verified request per line. All keys must be on the token the first
 * key's URI selects. A failed line is reported as "line N: why" and the
 * others still go through; only a token that cannot be opened stops the
 * batch (trying again line after line would spend the PIN's tries).
 * With jobs > 1, once the token is open, jobs threads sign on sessions of
 * their own while this thread reads, writes and reports, still in input
 * order: the output, the messages and the summary are those of jobs = 1.
 * Returns the exit status: EXIT_OK when every request was written. */
int csr_batch_run(const struct csr_batch_options *opts, struct csr_batch_result *result);

void csr_batch_result_free(struct csr_batch_result *result);

/* Fills req from one line's object; its strings stay doc's. Returns 0, or
 * -1 after reporting what is wrong with it. */
int batch_request_parse(json_t *doc, struct sign_request *req);

#endif
