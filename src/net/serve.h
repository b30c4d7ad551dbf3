/* The http-01 responder (RFC 8555 8.3) of acme issue --http-listen: an HTTP
 * server, libmicrohttpd's, that answers GET /.well-known/acme-challenge/TOKEN
 * for the tokens it was given, with their key authorizations, and 404 for
 * anything else. It runs in its own thread, which takes no signals (they
 * stay with the main thread), until stopped. */
#ifndef P11CERT_NET_SERVE_H
#define P11CERT_NET_SERVE_H

#include <stddef.h>

struct net_challenge {
    const char *token;             /* the path's last segment */
    const char *key_authorization; /* the body */
};

struct net_responder;

/* Listens on listen ("ADDR:PORT", "[IPv6]:PORT") and answers for
 * challenges[0..n) (copied). Returns the responder, or NULL with why
 * ("cannot listen on ...: Address already in use"). */
struct net_responder *net_responder_start(const char *listen,
                                          const struct net_challenge *challenges, size_t n,
                                          char *why, size_t why_len);

/* How many challenge answers it gave. */
unsigned net_responder_answers(const struct net_responder *r);

/* Stops the server and frees; safe on NULL. */
void net_responder_stop(struct net_responder *r);

/* Parses "ADDR:PORT" or "[ADDR]:PORT" into a socket address. Returns 0, or
 * -1 with why. */
int net_listen_parse(const char *text, void *addr, size_t addr_size, unsigned *addr_len, char *why,
                     size_t why_len);

#endif
