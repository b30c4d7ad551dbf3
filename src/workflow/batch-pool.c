/* The signing threads of csr --batch --jobs N. Each worker has its own
 * PKCS#11 session (a session serves one thread at a time; the login is the
 * token's and covers them all) and takes the queued jobs one by one; its
 * messages are captured into the job (util/msg.h), for the main thread to
 * show in input order. The token's module was initialized with
 * CKF_OS_LOCKING_OK (token/module.c), so it locks for itself; OpenSSL 3
 * objects are each used by one thread at a time, except the signer's
 * public key and algorithm, which are only read. */
#include "workflow/batch-pool.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "x509/x509.h"

struct batch_worker {
    struct batch_pool *pool;
    pthread_t thread;
    CK_SESSION_HANDLE session;
};

struct batch_pool {
    struct token_ctx *ctx;
    pthread_mutex_t lock;
    pthread_cond_t queued;   /* a job was queued, or the pool is stopping */
    pthread_cond_t finished; /* the awaited job is done */
    struct batch_job *head, *tail;
    /* The job batch_pool_wait waits for: only its end wakes the main
     * thread (a wake-up for every job cost a context switch a request). */
    struct batch_job *awaited;
    int stopping;
    struct batch_worker workers[BATCH_JOBS_MAX];
    unsigned n_workers; /* started */
};

int batch_job_sign(struct batch_job *job, CK_SESSION_HANDLE session)
{
    struct signer on_session = *job->signer; /* owns nothing: never freed */

    if (session != CK_INVALID_HANDLE)
        on_session.session = session;
    if (signer_sign_request(&on_session, job->req) < 0)
        return -1;
    job->data = x509_request_encode(job->req, job->der);
    return job->data ? 0 : -1;
}

static void *work(void *arg)
{
    struct batch_worker *w = arg;
    struct batch_pool *pool = w->pool;
    struct batch_job *job;

    pthread_mutex_lock(&pool->lock);
    for (;;) {
        while (!pool->head && !pool->stopping)
            pthread_cond_wait(&pool->queued, &pool->lock);
        if (!(job = pool->head))
            break; /* stopping, and nothing left to do */
        pool->head = job->next;
        if (!pool->head)
            pool->tail = NULL;
        pthread_mutex_unlock(&pool->lock);

        msg_capture_start(&job->msgs);
        batch_job_sign(job, w->session);
        msg_capture_stop();

        pthread_mutex_lock(&pool->lock);
        job->done = 1;
        if (pool->awaited == job)
            pthread_cond_signal(&pool->finished);
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

struct batch_pool *batch_pool_start(struct token_ctx *ctx, unsigned workers)
{
    struct batch_pool *pool = calloc(1, sizeof(*pool));
    char why[128] = "";

    if (!pool) {
        errorf("out of memory");
        return NULL;
    }
    pool->ctx = ctx;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->queued, NULL);
    pthread_cond_init(&pool->finished, NULL);
    if (workers > BATCH_JOBS_MAX)
        workers = BATCH_JOBS_MAX;
    while (pool->n_workers < workers) {
        struct batch_worker *w = &pool->workers[pool->n_workers];
        CK_RV rv;
        int rc;

        w->pool = pool;
        if ((rv = token_open_session(ctx, &w->session)) != CKR_OK) {
            snprintf(why, sizeof(why), "C_OpenSession: %s", token_rv_name(rv));
            break;
        }
        if ((rc = pthread_create(&w->thread, NULL, work, w)) != 0) {
            snprintf(why, sizeof(why), "cannot start a thread: %s", strerror(rc));
            token_close_session(ctx, w->session);
            break;
        }
        pool->n_workers++;
    }
    if (pool->n_workers == 0) {
        warnf("--jobs %u: the token gave no signing session (%s): signing on the one session",
              workers, why);
        batch_pool_stop(pool);
        return NULL;
    }
    if (pool->n_workers < workers)
        warnf("--jobs %u: the token gave only %u of %u signing sessions (%s)", workers,
              pool->n_workers, workers, why);
    return pool;
}

unsigned batch_pool_workers(const struct batch_pool *pool)
{
    return pool->n_workers;
}

void batch_pool_submit(struct batch_pool *pool, struct batch_job *job)
{
    job->next = NULL;
    job->done = 0;
    pthread_mutex_lock(&pool->lock);
    if (pool->tail)
        pool->tail->next = job;
    else
        pool->head = job;
    pool->tail = job;
    pthread_cond_signal(&pool->queued);
    pthread_mutex_unlock(&pool->lock);
}

int batch_pool_done(struct batch_pool *pool, struct batch_job *job)
{
    int done;

    pthread_mutex_lock(&pool->lock);
    done = job->done;
    pthread_mutex_unlock(&pool->lock);
    return done;
}

void batch_pool_wait(struct batch_pool *pool, struct batch_job *job)
{
    pthread_mutex_lock(&pool->lock);
    pool->awaited = job;
    while (!job->done)
        pthread_cond_wait(&pool->finished, &pool->lock);
    pool->awaited = NULL;
    pthread_mutex_unlock(&pool->lock);
}

void batch_pool_stop(struct batch_pool *pool)
{
    if (!pool)
        return;
    pthread_mutex_lock(&pool->lock);
    pool->stopping = 1;
    pthread_cond_broadcast(&pool->queued);
    pthread_mutex_unlock(&pool->lock);
    for (unsigned i = 0; i < pool->n_workers; i++) {
        pthread_join(pool->workers[i].thread, NULL);
        token_close_session(pool->ctx, pool->workers[i].session);
    }
    pthread_cond_destroy(&pool->finished);
    pthread_cond_destroy(&pool->queued);
    pthread_mutex_destroy(&pool->lock);
    free(pool);
}
