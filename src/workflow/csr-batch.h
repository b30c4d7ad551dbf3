/* csr --batch: many requests from one file, one JSON object a line, with one
 * module load, one login and one key lookup per distinct key URI. The
 * single-request csr lives in cmd-csr.c and sign-job.c. */
#ifndef P11CERT_CSR_BATCH_H
#define P11CERT_CSR_BATCH_H

#include "commands/cli.h"

/* What the command line says about the whole batch. */
struct csr_batch_options {
    const char *file; /* the batch file, "-" for standard input */
    int force;        /* replace existing output files */
    int der;          /* write DER instead of PEM */
    int pss;          /* RSASSA-PSS for RSA keys */
};

/* Reads the lines {"key": URI, "subject": DN, "san": [S, ...], "out": PATH,
 * "hash": H} ("san" and "hash" optional; blank lines skipped) and writes
 * one verified request per line. All keys must be on the token the first
 * key's URI selects. A failed line is reported as "line N: why" and the
 * others still go through. Prints a summary (with --json the document
 * {"requests", "written", "failed": [{"line", "error"}]}). Returns the exit
 * status: EXIT_OK when every request was written, else EXIT_FAIL. */
int csr_batch_run(struct cli *cli, const struct csr_batch_options *opts);

#endif
