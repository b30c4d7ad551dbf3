/* Requests to the ACME server: the HTTP exchange (net/http.h) with its
 * retries, the nonces, and signed POSTs with theirs. */
#include "acme/internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/http.h"
#include "util/msg.h"

/* No single exchange takes longer, whatever the deadline leaves. */
#define ACME_REQUEST_SECONDS 30

/* Retry-After (RFC 9110 10.2.3): delay-seconds or an HTTP-date. */
long acme_parse_retry_after(const char *value)
{
    struct tm tm;
    char *end;
    long seconds;
    time_t when;

    if (!value)
        return -1;
    while (*value == ' ')
        value++;
    seconds = strtol(value, &end, 10);
    if (end != value && *end == '\0' && seconds >= 0)
        return seconds;
    memset(&tm, 0, sizeof(tm));
    end = strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || *end)
        return -1;
    when = timegm(&tm);
    return when > time(NULL) ? (long)(when - time(NULL)) : 0;
}

static int add_alternate(struct acme_reply *r, const char *url, size_t len)
{
    char **grown = realloc(r->alternates, (r->n_alternates + 1) * sizeof(*grown));

    if (!grown)
        return -1;
    r->alternates = grown;
    if (!(grown[r->n_alternates] = strndup(url, len)))
        return -1;
    r->n_alternates++;
    return 0;
}

/* Link: <URL>;rel="alternate", <URL2>;rel="up" (RFC 8288), one header or
 * several. */
int acme_parse_links(struct acme_reply *r, const char *value)
{
    const char *p = value;

    while ((p = strchr(p, '<')) != NULL) {
        const char *url = p + 1, *close = strchr(url, '>'), *next;
        size_t params_len;

        if (!close)
            break;
        next = strchr(close, '<');
        params_len = next ? (size_t)(next - close) : strlen(close);
        /* The link's parameters, up to the next one. */
        for (const char *q = close; q && q < close + params_len; q = strchr(q + 1, ';')) {
            const char *v = q + 1;

            while (*v == ' ')
                v++;
            if ((strncasecmp(v, "rel=\"alternate\"", 15) == 0 ||
                 strncasecmp(v, "rel=alternate", 13) == 0) &&
                add_alternate(r, url, (size_t)(close - url)) < 0)
                return -1;
        }
        p = close;
    }
    return 0;
}

/* The answer's headers and body into reply; the nonce into c. */
static int take_response(struct acme_client *c, struct net_response *resp, struct acme_reply *reply)
{
    const char *nonce = net_response_header(resp, "Replay-Nonce", 0);
    const char *type = net_response_header(resp, "Content-Type", 0);
    const char *location = net_response_header(resp, "Location", 0);
    const char *link;
    size_t len;

    reply->status = resp->status;
    reply->retry_after = acme_parse_retry_after(net_response_header(resp, "Retry-After", 0));
    if (nonce && *nonce) {
        free(c->nonce);
        if (!(c->nonce = strdup(nonce)))
            return -1;
    }
    if (location && !(reply->location = strdup(location)))
        return -1;
    if (type) {
        len = strcspn(type, "; ");
        if (!(reply->content_type = strndup(type, len)))
            return -1;
        for (char *p = reply->content_type; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    }
    for (size_t i = 0; (link = net_response_header(resp, "Link", i)) != NULL; i++)
        if (acme_parse_links(reply, link) < 0)
            return -1;
    reply->body = resp->body;
    reply->body_len = resp->body_len;
    resp->body = NULL;
    if (reply->content_type && (strcmp(reply->content_type, "application/json") == 0 ||
                                strcmp(reply->content_type, "application/problem+json") == 0))
        reply->json = json_loadb((const char *)reply->body, reply->body_len, 0, NULL);
    return 0;
}

int acme_http(struct acme_client *c, const char *what, const char *method, const char *url,
              const char *body, const char *accept, struct acme_reply *reply)
{
    char why[512], accept_header[128];
    const char *headers[3] = {NULL, NULL, NULL};
    struct net_response resp;
    size_t n = 0;
    long left;

    memset(reply, 0, sizeof(*reply));
    reply->retry_after = -1;
    if (body)
        headers[n++] = "Content-Type: application/jose+json";
    if (accept) {
        snprintf(accept_header, sizeof(accept_header), "Accept: %s", accept);
        headers[n++] = accept_header;
    }
    for (int attempt = 0;; attempt++) {
        struct net_request req = {
            method,         url, headers, body,         body ? strlen(body) : 0,
            ACME_MAX_REPLY, 0,   0,       c->ca_bundle, NULL};

        if (c->interrupted && c->interrupted()) {
            c->stopped = 1;
            return -1;
        }
        if ((left = acme_time_left(c)) == 0) {
            errorf("%s: the %u s of --timeout have passed", what, c->timeout);
            return -1;
        }
        req.timeout_ms = 1000L * (left < ACME_REQUEST_SECONDS ? left : ACME_REQUEST_SECONDS);
        if (net_request_perform(&req, &resp, why, sizeof(why)) == 0) {
            long after = acme_parse_retry_after(net_response_header(&resp, "Retry-After", 0));

            /* A GET or HEAD the server wants again later is asked again
             * (a POST is signed anew, by acme_post); a 503 without
             * Retry-After is a server that is not there yet. */
            if (!body && (resp.status == 429 || resp.status == 503) && after >= 0 &&
                after < acme_time_left(c)) {
                notef("%s: HTTP %ld, the server asks to try again in %ld s", what, resp.status,
                      after);
                net_response_free(&resp);
                if (acme_wait(c, what, after) < 0)
                    return -1;
                attempt--;
                continue;
            }
            if (resp.status == 503 && after < 0 && attempt < ACME_TRANSPORT_RETRIES) {
                snprintf(why, sizeof(why), "HTTP 503 (service unavailable)");
                net_response_free(&resp);
            } else {
                int taken = take_response(c, &resp, reply);

                net_response_free(&resp);
                if (taken < 0) {
                    errorf("out of memory");
                    acme_reply_free(reply);
                    return -1;
                }
                return 0;
            }
        } else {
            net_response_free(&resp);
        }
        if (attempt >= ACME_TRANSPORT_RETRIES) {
            errorf("%s: cannot reach %s: %s", what, url, why);
            if (attempt > 0)
                hintf("tried %d times; is the ACME server up, and is --directory right?",
                      attempt + 1);
            return -1;
        }
        debugf("%s: %s; trying again in %d s", what, why, 1 << attempt);
        if (acme_wait(c, what, 1L << attempt) < 0)
            return -1;
    }
}

/* A fresh nonce from newNonce (RFC 8555 7.2), when no reply left one. */
static int fetch_nonce(struct acme_client *c, const char *what)
{
    struct acme_reply reply;
    int ret = -1;

    if (acme_http(c, what, "HEAD", c->dir.new_nonce, NULL, NULL, &reply) < 0)
        return -1;
    if (reply.status / 100 != 2)
        errorf("%s: newNonce answered HTTP %ld", what, reply.status);
    else if (!c->nonce)
        errorf("%s: newNonce sent no Replay-Nonce", what);
    else
        ret = 0;
    acme_reply_free(&reply);
    return ret;
}

int acme_post(struct acme_client *c, const char *what, const char *url, json_t *payload,
              const char *accept, struct acme_reply *reply)
{
    int bad_nonces = 0;

    memset(reply, 0, sizeof(*reply));
    for (;;) {
        char *nonce, *body;
        const char *type;
        int rc;

        if (!c->nonce && fetch_nonce(c, what) < 0)
            return -1;
        nonce = c->nonce;
        c->nonce = NULL; /* used once */
        body = acme_jws(c, url, nonce, payload);
        free(nonce);
        if (!body)
            return -1;
        rc = acme_http(c, what, "POST", url, body, accept, reply);
        free(body);
        if (rc < 0)
            return -1;
        c->posts++;
        type = acme_problem_type(reply);
        if (reply->status == 400 && type && strcmp(type, "badNonce") == 0 &&
            bad_nonces < ACME_NONCE_RETRIES) {
            bad_nonces++;
            c->nonces++;
            debugf("%s: the server refused the nonce (badNonce); again with the one it sent", what);
            acme_reply_free(reply);
            continue;
        }
        if ((reply->status == 429 || reply->status == 503) && reply->retry_after >= 0 &&
            reply->retry_after < acme_time_left(c)) {
            notef("%s: HTTP %ld, the server asks to try again in %ld s", what, reply->status,
                  reply->retry_after);
            if (acme_wait(c, what, reply->retry_after) < 0) {
                acme_reply_free(reply);
                return -1;
            }
            acme_reply_free(reply);
            continue;
        }
        return 0;
    }
}

const char *acme_problem_type(const struct acme_reply *reply)
{
    static const char prefix[] = "urn:ietf:params:acme:error:";
    const char *type;

    if (!reply->content_type || strcmp(reply->content_type, "application/problem+json") != 0 ||
        !(type = acme_json_string(reply->json, "type")))
        return NULL;
    return strncmp(type, prefix, sizeof(prefix) - 1) == 0 ? type + sizeof(prefix) - 1 : type;
}

int acme_expect(const struct acme_reply *reply, const char *what)
{
    char words[1024];

    if (reply->status / 100 == 2)
        return 0;
    if (reply->json && acme_problem_type(reply)) {
        acme_problem_words(reply->json, words, sizeof(words));
        errorf("%s: %s", what, words);
    } else {
        errorf("%s: HTTP %ld%s", what, reply->status, reply->status == 404 ? " (not found)" : "");
    }
    if (reply->status == 429 || reply->status == 503) {
        if (reply->retry_after >= 0)
            hintf("the server asks to try again in %ld s, which is past --timeout",
                  reply->retry_after);
        else
            hintf("rate limited: try again later");
    }
    return -1;
}

void acme_reply_free(struct acme_reply *reply)
{
    json_decref(reply->json);
    free(reply->body);
    free(reply->location);
    free(reply->content_type);
    for (size_t i = 0; i < reply->n_alternates; i++)
        free(reply->alternates[i]);
    free(reply->alternates);
    memset(reply, 0, sizeof(*reply));
    reply->retry_after = -1;
}
