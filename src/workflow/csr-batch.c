/* csr --batch: each line parsed, signed, verified and written on its own
 * (one C_SignInit + C_Sign a line); the files get their names in groups,
 * after one sync (util/outfile.h). With --jobs N the signing is done by N
 * threads (workflow/batch-pool.h) while this one keeps preparing lines and
 * then finishes them in input order: every message a line makes is
 * captured (util/msg.h) and shown when the line is finished. */
#include "workflow/csr-batch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/msg.h"
#include "util/outfile.h"
#include "util/progress.h"
#include "workflow/batch-keys.h"
#include "workflow/batch-pool.h"
#include "x509/x509.h"

/* Lines prepared ahead of the oldest one not yet finished: enough to keep
 * the workers busy while this thread syncs a group of files. */
#define BATCH_WINDOW (2 * OUTFILE_BATCH_MAX)

/* A line between its preparation and its end. */
struct batch_line {
    size_t line;
    char item[48];           /* "line N", the prefix of its messages */
    json_t *doc;             /* the parsed line: out points into it */
    const char *out;         /* where the request goes */
    int submitted;           /* job is with the pool */
    struct batch_job job;    /* the signing */
    struct msg_capture msgs; /* what preparing it said, with --jobs */
};

struct batch {
    const struct csr_batch_options *opts;
    struct csr_batch_result *result;
    struct batch_keys keys;
    struct outfile_batch files;
    struct batch_pool *pool;   /* with --jobs N, once the token is open */
    int pool_tried;            /* start_pool was called */
    struct batch_line *window; /* BATCH_WINDOW lines, with the pool */
    size_t first, n_in_window; /* the oldest line of the window, how many */
    size_t line;               /* the line being read, from 1 */
    size_t finished;           /* lines finished, for the progress line */
    struct progress progress;
};

static void record_failure(void *arg, size_t line, const char *why)
{
    struct batch *b = arg;

    if (json_array_append_new(b->result->failed, json_pack("{s:I, s:s}", "line", (json_int_t)line,
                                                           "error", *why ? why : "failed")) < 0)
        errorf("out of memory");
}

static void publish(struct batch *b)
{
    b->result->written += outfile_batch_publish(&b->files, record_failure, b);
}

/* The request of one line, built for the key's cached signer, into job. */
static int build_request(struct batch *b, const struct sign_request *req, struct sign_job *names,
                         struct batch_job *job)
{
    struct batch_key *k;
    struct signer *signer;

    if (!(k = batch_keys_get(&b->keys, req->key_uri, b->line)))
        return -1;
    if (k->error) {
        if (k->error_line != b->line)
            errorf("%s", k->error); /* reported in full on the line that met it first */
        return -1;
    }
    if (!(signer = batch_keys_signer(&b->keys, k, req->hash, b->opts->pss)))
        return -1;
    if (names->cn_added)
        debugf("no san given: the CN was added as a DNS name");
    if (!k->spki && !(k->spki = x509_spki_new(signer->pubkey)))
        return -1;
    job->signer = signer;
    job->der = b->opts->der;
    job->req = x509_request_new_spki(names->subject, names->sans, signer->pubkey, k->spki);
    return job->req ? 0 : -1;
}

/* One line up to its signing: parse, check the output, look the key up
 * (cached), build the request. Errors are reported by the message layer. */
static int prepare_line(struct batch *b, const char *text, struct batch_line *l)
{
    struct sign_request req;
    struct sign_job names;
    json_error_t jerr;
    int ret = -1;

    memset(&req, 0, sizeof(req));
    memset(&names, 0, sizeof(names));
    req.force = b->opts->force;
    req.pss = b->opts->pss;
    if (!(l->doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr))) {
        errorf("bad JSON at column %d: %s", jerr.column, jerr.text);
        goto cleanup;
    }
    if (batch_request_parse(l->doc, &req) < 0 || sign_job_parse(&names, &req, 1) != EXIT_OK ||
        outfile_check(req.out, req.force) < 0 || build_request(b, &req, &names, &l->job) < 0)
        goto cleanup;
    l->out = req.out;
    ret = 0;
cleanup:
    sign_job_close(&names);
    return ret;
}

/* The end of a line, in input order, under its item (msg_set_item): its
 * captured messages shown, its request written to a temporary file, or its
 * failure recorded (after the lines before it are published, so that
 * failures come in line order). */
static void finish_line(struct batch *b, struct batch_line *l)
{
    char *bytes;
    long len;
    int ok;

    msg_capture_replay(&l->msgs);
    if (l->submitted) {
        batch_pool_wait(b->pool, &l->job);
        msg_capture_replay(&l->job.msgs);
    }
    ok = l->job.data != NULL;
    if (ok) {
        len = BIO_get_mem_data(l->job.data, &bytes);
        ok = outfile_batch_add(&b->files, l->out, b->opts->force, 0644, bytes, (size_t)len, l->item,
                               l->line) == 0;
    }
    if (!ok) {
        char why[512];

        snprintf(why, sizeof(why), "%s", msg_last_error());
        msg_set_item(NULL);
        publish(b);
        record_failure(b, l->line, why);
    }
    msg_set_item(NULL);
    if (outfile_batch_full(&b->files))
        publish(b);
    progress_show(&b->progress, ++b->finished, json_array_size(b->result->failed));
}

static void line_start(struct batch_line *l, size_t line)
{
    memset(l, 0, sizeof(*l));
    l->line = line;
    snprintf(l->item, sizeof(l->item), "line %zu", line);
}

/* Frees what a line holds; its job must not be with the pool. */
static void line_free(struct batch_line *l)
{
    X509_REQ_free(l->job.req);
    BIO_free(l->job.data);
    json_decref(l->doc);
    l->job.req = NULL;
    l->job.data = NULL;
    l->doc = NULL;
}

/* One line from start to end on this thread and the token's session, its
 * messages shown as they come: every line with --jobs 1, and with --jobs N
 * those until the token is open (a PIN prompt must not wait for a line). */
static void run_line(struct batch *b, const char *text)
{
    struct batch_line l;

    line_start(&l, b->line);
    msg_set_item(l.item);
    if (prepare_line(b, text, &l) == 0)
        batch_job_sign(&l.job, CK_INVALID_HANDLE);
    finish_line(b, &l);
    line_free(&l);
}

/* Finishes the oldest line of the window: waits for its signing. */
static void finish_oldest(struct batch *b)
{
    struct batch_line *l = &b->window[b->first];

    msg_set_item(l->item);
    finish_line(b, l);
    line_free(l);
    b->first = (b->first + 1) % BATCH_WINDOW;
    b->n_in_window--;
}

/* Finishes the oldest lines of the window as long as they are done. */
static void finish_done(struct batch *b)
{
    while (b->n_in_window > 0) {
        struct batch_line *l = &b->window[b->first];

        if (l->submitted && !batch_pool_done(b->pool, &l->job))
            break;
        finish_oldest(b);
    }
}

/* A line with the pool: prepared here with its messages captured, signed
 * by a worker, finished later in order; the lines whose signing is done
 * are finished now. */
static void queue_line(struct batch *b, const char *text)
{
    struct batch_line *l;

    if (b->n_in_window == BATCH_WINDOW) {
        /* The workers are behind: wait until about a quarter of the window
         * is signed, then finish what is done, rather than wake for each. */
        for (size_t i = BATCH_WINDOW / 4; i-- > 0;) {
            l = &b->window[(b->first + i) % BATCH_WINDOW];
            if (l->submitted) {
                batch_pool_wait(b->pool, &l->job);
                break;
            }
        }
        finish_done(b);
        if (b->n_in_window == BATCH_WINDOW)
            finish_oldest(b); /* its signing is not done yet: wait for it */
    }
    l = &b->window[(b->first + b->n_in_window++) % BATCH_WINDOW];
    line_start(l, b->line);
    msg_capture_start(&l->msgs);
    if (prepare_line(b, text, l) == 0) {
        batch_pool_submit(b->pool, &l->job);
        l->submitted = 1;
    }
    msg_capture_stop();
    finish_done(b);
}

/* With --jobs N, once the token is open: the workers and the window. With
 * neither (no other session, no memory), the lines go on one at a time. */
static void start_pool(struct batch *b)
{
    b->pool_tried = 1;
    if (!(b->window = calloc(BATCH_WINDOW, sizeof(*b->window)))) {
        warnf("signing on one session only: out of memory");
        return;
    }
    if (!(b->pool = batch_pool_start(&b->keys.ctx, b->opts->jobs))) {
        free(b->window);
        b->window = NULL;
        return;
    }
    debugf("signing on %u sessions, each with a thread of its own", batch_pool_workers(b->pool));
}

/* A batch line is a small JSON object: anything longer is not a batch file
 * (and /dev/zero on standard input must not fill the memory). */
#define BATCH_LINE_MAX (64 * 1024)

/* The next line of in into buf (BATCH_LINE_MAX + 1 bytes), newline
 * dropped. Returns 1 a line, 0 the end, -1 a line too long (reported). */
static int next_line(FILE *in, char *buf, size_t line)
{
    size_t n = 0;
    int c;

    while ((c = getc(in)) != EOF && c != '\n') {
        if (n == BATCH_LINE_MAX) {
            errorf("line %zu is longer than %d KiB: not a batch file of JSON lines", line,
                   BATCH_LINE_MAX / 1024);
            return -1;
        }
        buf[n++] = (char)c;
    }
    buf[n] = '\0';
    return c == EOF && n == 0 ? 0 : 1;
}

/* The batch file, or standard input for "-": a regular file only (a FIFO
 * would block, a device never ends). */
static FILE *open_batch(const char *file)
{
    struct stat st;
    FILE *in = NULL;
    int fd;

    if (strcmp(file, "-") == 0)
        return stdin;
    if ((fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)) < 0) {
        errorf("cannot read batch file \"%s\": %s", file, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0)
        errorf("cannot read batch file \"%s\": %s", file, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        errorf("cannot read batch file \"%s\": %s", file,
               S_ISDIR(st.st_mode) ? "it is a directory" : "not a regular file");
    else if (!(in = fdopen(fd, "r")))
        errorf("cannot read batch file \"%s\": %s", file, strerror(errno));
    if (!in)
        close(fd);
    return in;
}

static int blank(const char *s)
{
    return s[strspn(s, " \t\r\n")] == '\0';
}

int csr_batch_run(const struct csr_batch_options *opts, struct csr_batch_result *result)
{
    struct batch b;
    FILE *in = NULL;
    char *text = NULL;
    int ret = EXIT_FAIL, got = 0;

    memset(&b, 0, sizeof(b));
    memset(result, 0, sizeof(*result));
    b.opts = opts;
    b.result = result;
    b.keys.opening = opts->opening;
    if (!(result->failed = json_array())) {
        errorf("out of memory");
        goto cleanup;
    }
    if (!(text = malloc(BATCH_LINE_MAX + 1))) {
        errorf("out of memory");
        goto cleanup;
    }
    if (!(in = open_batch(opts->file)))
        goto cleanup;
    progress_start_lines(&b.progress, "requests", in, opts->progress);
    while (!b.keys.stopped && (got = next_line(in, text, b.line + 1)) > 0) {
        b.line++;
        if (blank(text))
            continue;
        result->requests++;
        if (b.pool) {
            queue_line(&b, text);
            continue;
        }
        run_line(&b, text);
        if (opts->jobs > 1 && b.keys.opened && !b.pool_tried)
            start_pool(&b);
    }
    while (b.n_in_window > 0)
        finish_oldest(&b);
    publish(&b);
    if (got < 0)
        goto cleanup;
    if (ferror(in)) {
        errorf("cannot read batch file \"%s\": %s", opts->file, strerror(errno));
        goto cleanup;
    }
    result->read = 1;
    result->stopped = b.keys.stopped;
    result->stopped_line = b.line;
    if (b.keys.stopped)
        errorf("stopped at line %zu: no token to sign with, so no later request was made", b.line);
    else if (json_array_size(result->failed) == 0)
        ret = EXIT_OK;
cleanup:
    progress_end(&b.progress);
    msg_set_item(NULL);
    batch_pool_stop(b.pool); /* the window is empty: every line was finished */
    free(b.window);
    free(text);
    if (in && in != stdin)
        fclose(in);
    outfile_batch_abort(&b.files);
    batch_keys_free(&b.keys);
    return ret;
}

void csr_batch_result_free(struct csr_batch_result *result)
{
    json_decref(result->failed);
    result->failed = NULL;
}
