/* HTTP through libcurl. libcurl speaks the protocol; this file sets the
 * bounds (body and header bytes, the whole exchange's time, redirects,
 * http and https only), collects the body and the last response's headers,
 * and turns libcurl's failures into one short reason. */
#include "net/http.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "util/msg.h"

/* Header bytes a response may carry, per response followed. */
#define NET_MAX_HEADER_BYTES (64UL * 1024)

struct body {
    unsigned char *data;
    size_t len, cap, max;
    int over; /* the server sent more than max */
    int oom;
};

struct header_count {
    size_t bytes, max;
    int over;
};

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    struct body *b = arg;
    size_t len = size * n, cap;
    unsigned char *grown;

    if (len > b->max - b->len) {
        b->over = 1;
        return 0; /* libcurl stops with CURLE_WRITE_ERROR */
    }
    if (b->len + len + 1 > b->cap) {
        cap = b->cap ? b->cap : 16384;
        while (cap < b->len + len + 1)
            cap *= 2;
        if (cap > b->max + 1)
            cap = b->max + 1;
        if (!(grown = realloc(b->data, cap))) {
            b->oom = 1;
            return 0;
        }
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return len;
}

/* Only counts: libcurl parses the headers, curl_easy_nextheader reads them. */
static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
    struct header_count *h = arg;
    size_t len = size * n;

    (void)data;
    if (len > h->max - h->bytes) {
        h->over = 1;
        return 0;
    }
    h->bytes += len;
    return len;
}

static int is_http_url(const char *url)
{
    return url && (strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0);
}

static void time_text(long ms, char *text, size_t len)
{
    if (ms % 1000 == 0)
        snprintf(text, len, "%ld s", ms / 1000);
    else
        snprintf(text, len, "%ld ms", ms);
}

/* libcurl's words for a failure, starting lower-case like every message
 * (but "SSL certificate problem" keeps its acronym). */
static void curl_reason(CURLcode rc, const char *errbuf, char *why, size_t why_len)
{
    snprintf(why, why_len, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
    if (isupper((unsigned char)why[0]) && islower((unsigned char)why[1]))
        why[0] = (char)tolower((unsigned char)why[0]);
}

static void failure_text(const struct net_request *req, CURLcode rc, const struct body *b,
                         const struct header_count *h, const char *errbuf, char *why,
                         size_t why_len)
{
    char amount[32];

    if (b->over || rc == CURLE_FILESIZE_EXCEEDED) {
        msg_size_text(req->max_bytes, amount, sizeof(amount));
        snprintf(why, why_len, "the answer is larger than %s", amount);
    } else if (h->over) {
        msg_size_text(h->max, amount, sizeof(amount));
        snprintf(why, why_len, "the answer's headers are larger than %s", amount);
    } else if (b->oom) {
        snprintf(why, why_len, "out of memory");
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        time_text(req->timeout_ms, amount, sizeof(amount));
        snprintf(why, why_len, "no complete answer within %s", amount);
    } else if (rc == CURLE_TOO_MANY_REDIRECTS) {
        snprintf(why, why_len, "more than %d redirect%s", req->max_redirects,
                 req->max_redirects == 1 ? "" : "s");
    } else {
        curl_reason(rc, errbuf, why, why_len);
    }
}

/* One curl_easy_setopt that worked, for a chain of them. */
#define SET(curl, option, value) (curl_easy_setopt(curl, option, value) == CURLE_OK)

/* The trust for https: the bundle asked for and nothing else, or the
 * system's store as OpenSSL finds it: SSL_CERT_FILE and SSL_CERT_DIR when
 * set (libcurl reads neither), else libcurl's built-in file and folder. */
static int set_trust(CURL *curl, const char *ca_bundle)
{
    const char *file = getenv("SSL_CERT_FILE"), *dir = getenv("SSL_CERT_DIR");

    if (ca_bundle)
        return SET(curl, CURLOPT_CAINFO, ca_bundle) && SET(curl, CURLOPT_CAPATH, NULL) ? 0 : -1;
    if (file && *file && !SET(curl, CURLOPT_CAINFO, file))
        return -1;
    if (dir && *dir && !SET(curl, CURLOPT_CAPATH, dir))
        return -1;
    return 0;
}

/* GET, HEAD or POST (net_request_perform refused any other). */
static int set_method(CURL *curl, const struct net_request *req)
{
    if (!req->method || strcmp(req->method, "GET") == 0)
        return 0;
    if (strcmp(req->method, "HEAD") == 0)
        return SET(curl, CURLOPT_NOBODY, 1L) ? 0 : -1;
    if (SET(curl, CURLOPT_POST, 1L) &&
        SET(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len) &&
        SET(curl, CURLOPT_POSTFIELDS, req->body ? req->body : ""))
        return 0;
    return -1;
}

/* The request headers, with libcurl's "Expect: 100-continue" switched off:
 * a POST goes in one round trip. */
static int header_list(const struct net_request *req, struct curl_slist **list)
{
    struct curl_slist *grown;

    *list = NULL;
    for (size_t i = 0; req->headers && req->headers[i]; i++) {
        if (!(grown = curl_slist_append(*list, req->headers[i])))
            return -1;
        *list = grown;
    }
    if (req->method && strcmp(req->method, "POST") == 0) {
        if (!(grown = curl_slist_append(*list, "Expect:")))
            return -1;
        *list = grown;
    }
    return 0;
}

static int configure(CURL *curl, const struct net_request *req, struct curl_slist *headers,
                     struct body *b, struct header_count *h, char *errbuf)
{
    long follow = req->max_redirects > 0;
    const char *agent = req->user_agent ? req->user_agent : "p11cert";

    if (SET(curl, CURLOPT_URL, req->url) && SET(curl, CURLOPT_PROTOCOLS_STR, "http,https") &&
        SET(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") &&
        SET(curl, CURLOPT_FOLLOWLOCATION, follow) &&
        SET(curl, CURLOPT_MAXREDIRS, (long)req->max_redirects) &&
        SET(curl, CURLOPT_TIMEOUT_MS, req->timeout_ms) &&
        SET(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_bytes) &&
        SET(curl, CURLOPT_NOSIGNAL, 1L) && SET(curl, CURLOPT_ERRORBUFFER, errbuf) &&
        SET(curl, CURLOPT_USERAGENT, agent) && SET(curl, CURLOPT_WRITEFUNCTION, on_body) &&
        SET(curl, CURLOPT_WRITEDATA, b) && SET(curl, CURLOPT_HEADERFUNCTION, on_header) &&
        SET(curl, CURLOPT_HEADERDATA, h) && SET(curl, CURLOPT_HTTPHEADER, headers) &&
        set_method(curl, req) == 0 && set_trust(curl, req->ca_bundle) == 0)
        return 0;
    return -1;
}

/* The last response's status, URL and headers into resp. */
static int collect(CURL *curl, struct net_response *resp)
{
    struct curl_header *prev = NULL, *h;
    char *url = NULL;

    if (curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->status) != CURLE_OK ||
        curl_easy_getinfo(curl, CURLINFO_REDIRECT_COUNT, &resp->redirects) != CURLE_OK ||
        curl_easy_getinfo(curl, CURLINFO_EFFECTIVE_URL, &url) != CURLE_OK ||
        !(resp->effective_url = strdup(url ? url : "")) ||
        !(resp->headers = calloc(NET_MAX_HEADERS, sizeof(*resp->headers))))
        return -1;
    while (resp->n_headers < NET_MAX_HEADERS &&
           (h = curl_easy_nextheader(curl, CURLH_HEADER, -1, prev)) != NULL) {
        struct net_header *out = &resp->headers[resp->n_headers];

        out->name = strdup(h->name);
        out->value = strdup(h->value);
        resp->n_headers++;
        if (!out->name || !out->value)
            return -1;
        prev = h;
    }
    return 0;
}

int net_request_perform(const struct net_request *req, struct net_response *resp, char *why,
                        size_t why_len)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    struct body b = {NULL, 0, 0, req->max_bytes, 0, 0};
    struct header_count h = {0, 0, 0};
    struct curl_slist *headers = NULL;
    CURL *curl = NULL;
    CURLcode rc;
    int ret = -1;

    memset(resp, 0, sizeof(*resp));
    if (req->method && strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0 &&
        strcmp(req->method, "POST") != 0) {
        snprintf(why, why_len, "method \"%s\" is not one of GET, HEAD, POST", req->method);
        return -1;
    }
    if (!is_http_url(req->url)) {
        snprintf(why, why_len, "not an http:// or https:// URL");
        return -1;
    }
    if (req->max_bytes == 0 || req->timeout_ms <= 0 || req->max_redirects < 0) {
        snprintf(why, why_len, "the request has no size, time or redirect limit");
        return -1;
    }
    h.max = NET_MAX_HEADER_BYTES * (size_t)(req->max_redirects + 1);
    if (header_list(req, &headers) < 0 || !(curl = curl_easy_init())) {
        snprintf(why, why_len, "out of memory");
        goto cleanup;
    }
    if (configure(curl, req, headers, &b, &h, errbuf) < 0) {
        snprintf(why, why_len, "libcurl refuses the request's settings");
        goto cleanup;
    }
    if ((rc = curl_easy_perform(curl)) != CURLE_OK) {
        failure_text(req, rc, &b, &h, errbuf, why, why_len);
        goto cleanup;
    }
    if (!b.data && !(b.data = calloc(1, 1))) {
        snprintf(why, why_len, "out of memory");
        goto cleanup;
    }
    if (collect(curl, resp) < 0) {
        snprintf(why, why_len, "out of memory");
        goto cleanup;
    }
    resp->body = b.data;
    resp->body_len = b.len;
    b.data = NULL;
    ret = 0;
cleanup:
    if (ret < 0)
        net_response_free(resp);
    free(b.data);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return ret;
}

const char *net_response_header(const struct net_response *resp, const char *name, size_t index)
{
    for (size_t i = 0; i < resp->n_headers; i++)
        if (strcasecmp(resp->headers[i].name, name) == 0 && index-- == 0)
            return resp->headers[i].value;
    return NULL;
}

void net_response_free(struct net_response *resp)
{
    if (!resp)
        return;
    for (size_t i = 0; resp->headers && i < resp->n_headers; i++) {
        free(resp->headers[i].name);
        free(resp->headers[i].value);
    }
    free(resp->headers);
    free(resp->body);
    free(resp->effective_url);
    memset(resp, 0, sizeof(*resp));
}
