/* What the acme layer's files share: the unsigned HTTP exchange, the JWS
 * a request is wrapped in, and JSON accessors. */
#ifndef P11CERT_ACME_INTERNAL_H
#define P11CERT_ACME_INTERNAL_H

#include "acme/acme.h"

/* One HTTP exchange (GET, HEAD, or POST of body as application/jose+json)
 * under the client's deadline; transport failures are retried with
 * backoff. The Replay-Nonce of any answer becomes c->nonce. Returns 0 when
 * the server answered, -1 after reporting (what names the request). */
int acme_http(struct acme_client *c, const char *what, const char *method, const char *url,
              const char *body, const char *accept, struct acme_reply *reply);

/* The flattened JWS (RFC 7515 7.2.2) of payload (NULL: the empty payload of
 * POST-as-GET) for url with nonce, signed by c's key with the kid or the
 * JWK; malloc'd text, or NULL after reporting. */
char *acme_jws(struct acme_client *c, const char *url, const char *nonce, json_t *payload);

/* Retry-After (RFC 9110 10.2.3), delay-seconds or an HTTP-date, as
 * seconds from now; -1 when absent or not either. */
long acme_parse_retry_after(const char *value);

/* The rel="alternate" URLs of one Link header value (RFC 8288: one or
 * several links) appended to r->alternates. Returns 0, or -1 out of memory. */
int acme_parse_links(struct acme_reply *r, const char *value);

/* A string member of obj, or NULL. */
const char *acme_json_string(json_t *obj, const char *key);

/* strdup of a string member (NULL when absent); *failed set when it is
 * present and the copy failed. */
char *acme_json_dup(json_t *obj, const char *key, int *failed);

#endif
