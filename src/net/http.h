/* HTTP and HTTPS requests through libcurl: GET, HEAD and POST, each
 * bounded in body size, headers, time and redirects. Nothing here knows
 * what the bytes mean (a CA certificate, an ACME reply): an HTTP status is
 * an answer, not a failure, and the caller decides what a 404 means. */
#ifndef P11CERT_NET_HTTP_H
#define P11CERT_NET_HTTP_H

#include <stddef.h>

/* At most this many headers of the last response are kept. */
#define NET_MAX_HEADERS 64

struct net_request {
    const char *method;         /* "GET" (also when NULL), "HEAD" or "POST" */
    const char *url;            /* http:// or https:// only, also for redirects */
    const char *const *headers; /* extra request headers "Name: value", NULL-terminated, or NULL */
    const void *body;           /* the POST body (body_len bytes; NULL: empty) */
    size_t body_len;
    size_t max_bytes;       /* the response body may not be longer (required) */
    long timeout_ms;        /* the whole exchange, redirects included (required) */
    int max_redirects;      /* how many are followed; 0: a 3xx is the answer */
    const char *ca_bundle;  /* https: the CA certificates the server's certificate must chain
                               to; NULL: the system's store, where SSL_CERT_FILE and
                               SSL_CERT_DIR are honoured as OpenSSL does */
    const char *user_agent; /* NULL: "p11cert" */
};

struct net_header {
    char *name, *value;
};

struct net_response {
    long status;         /* the HTTP status of the last response */
    unsigned char *body; /* NUL-terminated (not counted in body_len); never NULL after success */
    size_t body_len;
    char *effective_url;        /* where the last response came from */
    long redirects;             /* how many were followed */
    struct net_header *headers; /* the last response's, in order (at most NET_MAX_HEADERS) */
    size_t n_headers;
};

/* Makes the request. Returns 0 with whatever status the server answered,
 * or -1 with why in words ("no complete answer within 10 s", "the answer
 * is larger than 1 MiB", "more than 3 redirects", curl's reason for a
 * refused connection or a TLS failure), to follow "cannot fetch URL: ".
 * resp is empty after a failure; free it with net_response_free always. */
int net_request_perform(const struct net_request *req, struct net_response *resp, char *why,
                        size_t why_len);

/* The index-th (0: first) value of header name (any case) in the last
 * response, or NULL. Some headers come several times (Link). */
const char *net_response_header(const struct net_response *resp, const char *name, size_t index);

void net_response_free(struct net_response *resp);

#endif
