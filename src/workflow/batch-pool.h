/* csr --batch --jobs N: N threads, each signing on a session of its own,
 * for the main thread, which keeps reading, preparing and writing in input
 * order (workflow/batch-pool.c); only csr-batch.c uses it. */
#ifndef P11CERT_WORKFLOW_BATCH_POOL_H
#define P11CERT_WORKFLOW_BATCH_POOL_H

#include <openssl/bio.h>

#include "signer/signer.h"
#include "util/msg.h"

/* The most signing threads --jobs asks for. */
#define BATCH_JOBS_MAX 64

/* One request to sign: built by the main thread, signed and verified on
 * the token and encoded by a worker, taken back by the main thread. */
struct batch_job {
    X509_REQ *req;               /* built, not yet signed; the job's */
    const struct signer *signer; /* the key's, read only while the job runs */
    int der;                     /* encode as DER instead of PEM */
    BIO *data;                   /* out: the signed, verified request; NULL: failed */
    struct msg_capture msgs;     /* out: what signing said (why it failed) */
    struct batch_job *next;      /* the pool's queue */
    int done;                    /* under the pool's lock */
};

/* Signs, verifies and encodes the job's request on session (CK_INVALID_HANDLE:
 * the signer's own), reporting through util/msg: 0 or -1. */
int batch_job_sign(struct batch_job *job, CK_SESSION_HANDLE session);

struct batch_pool;

/* Opens a session per worker on ctx's opened, logged-in token and starts
 * the workers: NULL when not even one could start (reported). Fewer than
 * asked are started (with a warning) when the token has no more sessions. */
struct batch_pool *batch_pool_start(struct token_ctx *ctx, unsigned workers);

/* How many workers signing. */
unsigned batch_pool_workers(const struct batch_pool *pool);

/* Queues the job (jobs are taken in the order they come). */
void batch_pool_submit(struct batch_pool *pool, struct batch_job *job);

/* Whether the job is done; batch_pool_wait waits until it is. Its results
 * are the caller's again afterwards. */
int batch_pool_done(struct batch_pool *pool, struct batch_job *job);
void batch_pool_wait(struct batch_pool *pool, struct batch_job *job);

/* Lets the workers finish every queued job, joins them and closes their
 * sessions; NULL-safe. */
void batch_pool_stop(struct batch_pool *pool);

#endif
