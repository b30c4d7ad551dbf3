/* The challenges of one order presented, and removed again: dns-01 TXT
 * records through RFC 2136 (dns/update.h), http-01 answered by p11cert
 * itself (net/serve.h) or as files under a web server's root. Whatever was
 * presented is remembered until acme_solver_cleanup takes it away, which
 * every path of acme issue calls. */
#ifndef P11CERT_WORKFLOW_ACME_SOLVE_H
#define P11CERT_WORKFLOW_ACME_SOLVE_H

#include "dns/tsig.h"
#include "net/serve.h"
#include "workflow/acme.h"

struct acme_solver_item {
    char *identifier; /* the DNS name validated */
    char *token;
    char *key_authorization;
    char name[DNS_NAME_SIZE]; /* dns-01: _acme-challenge.NAME */
    char value[SIGNER_THUMBPRINT_SIZE];
    char zone[DNS_NAME_SIZE];
    char *path; /* webroot: the file */
    int presented;
};

struct acme_solver {
    const struct acme_challenge_options *o;
    struct acme_solver_item *items;
    size_t n;
    struct dns_tsig_key tsig;
    int have_tsig;
    struct net_responder *responder;
    char *dirs[2]; /* webroot: the folders made, to remove again */
};

/* "dns-01" or "http-01". */
const char *acme_solver_type(const struct acme_challenge_options *o);

/* Reads what the solver needs before the order (the TSIG key). Returns
 * the exit status. */
int acme_solver_init(struct acme_solver *s, const struct acme_challenge_options *o);

/* One challenge to present. */
int acme_solver_add(struct acme_solver *s, const char *identifier, const char *token,
                    const char *key_authorization);

/* Presents every challenge added: adds the TXT records, starts the HTTP
 * responder or writes the files. Returns the exit status (reported); what
 * was presented is still taken away by cleanup. */
int acme_solver_present(struct acme_solver *s);

/* Takes away whatever was presented, reporting what could not be, and
 * frees. Returns -1 when something could not be removed. */
int acme_solver_cleanup(struct acme_solver *s);

#endif
