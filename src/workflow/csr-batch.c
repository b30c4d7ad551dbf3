/* csr --batch: each line parsed, signed, verified and written on its own
 * (one C_SignInit + C_Sign a line); the files get their names in groups,
 * after one sync (util/outfile.h). */
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
#include "x509/x509.h"

struct batch {
    const struct csr_batch_options *opts;
    struct csr_batch_result *result;
    struct batch_keys keys;
    struct outfile_batch files;
    size_t line; /* the line being processed, from 1 */
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

/* The request of one line, signed with the key's cached signer. */
static int sign_line(struct batch *b, const struct sign_request *req, struct sign_job *names,
                     BIO **data)
{
    struct batch_key *k;
    struct signer *signer;
    X509_REQ *x509 = NULL;
    int ret = -1;

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
    x509 = x509_request_new_spki(names->subject, names->sans, signer->pubkey, k->spki);
    if (x509 && signer_sign_request(signer, x509) == 0 &&
        (*data = x509_request_encode(x509, b->opts->der)) != NULL)
        ret = 0;
    X509_REQ_free(x509);
    return ret;
}

/* One line: parse, look the key up (cached), sign, verify, write. Errors
 * are reported with the line's number by the message layer. */
static int batch_line(struct batch *b, const char *text, const char *item)
{
    struct sign_request req;
    struct sign_job names;
    json_error_t jerr;
    json_t *doc;
    BIO *data = NULL;
    char *bytes;
    long len;
    int ret = -1;

    memset(&req, 0, sizeof(req));
    memset(&names, 0, sizeof(names));
    req.force = b->opts->force;
    req.pss = b->opts->pss;
    if (!(doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr))) {
        errorf("bad JSON at column %d: %s", jerr.column, jerr.text);
        goto cleanup;
    }
    if (batch_request_parse(doc, &req) < 0 || sign_job_parse(&names, &req, 1) != EXIT_OK ||
        outfile_check(req.out, req.force) < 0 || sign_line(b, &req, &names, &data) < 0)
        goto cleanup;
    len = BIO_get_mem_data(data, &bytes);
    if (outfile_batch_add(&b->files, req.out, req.force, 0644, bytes, (size_t)len, item, b->line) <
        0)
        goto cleanup;
    ret = 0;
cleanup:
    BIO_free(data);
    sign_job_close(&names);
    json_decref(doc);
    return ret;
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
    char *text = NULL, item[48];
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
        snprintf(item, sizeof(item), "line %zu", b.line);
        msg_set_item(item);
        if (batch_line(&b, text, item) < 0) {
            char why[512];

            /* Failures in line order: the lines before it are published first. */
            snprintf(why, sizeof(why), "%s", msg_last_error());
            msg_set_item(NULL);
            publish(&b);
            record_failure(&b, b.line, why);
        }
        msg_set_item(NULL);
        if (outfile_batch_full(&b.files))
            publish(&b);
        progress_show(&b.progress, result->requests, json_array_size(result->failed));
    }
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
