/* Secrets (PINs, passwords, TSIG keys) and where they come from.
 *
 * A secret lives in one heap buffer, is wiped with OPENSSL_cleanse on every
 * path and the process is non-dumpable while one is held. A PIN never comes
 * from argv: the sources are a prompt, a file, an environment variable or an
 * inherited file descriptor. */
#ifndef P11CERT_SECRET_H
#define P11CERT_SECRET_H

#include <stddef.h>

enum secret_source_kind {
    SECRET_SOURCE_NONE = 0, /* nothing given */
    SECRET_SOURCE_PROMPT,   /* ask on the terminal, echo off */
    SECRET_SOURCE_FILE,     /* first line of a file */
    SECRET_SOURCE_ENV,      /* an environment variable */
    SECRET_SOURCE_FD,       /* read an inherited descriptor to EOF or newline */
};

struct secret_source {
    enum secret_source_kind kind;
    char path[4096]; /* FILE: the path; ENV: the variable's name */
    int fd;          /* FD: the descriptor */
};

struct secret {
    char *data; /* NUL-terminated, never printed */
    size_t len;
};

/* Largest secret accepted from any source. */
#define SECRET_MAX 256

/* Parses "prompt", "file:PATH", "env:NAME" or "fd:N". A bare path (as an
 * RFC 7512 pin-source= may be) is taken as a file when allow_bare_path.
 * Returns 0, or -1 with a reason in why (no secret is ever in it). */
int secret_source_parse(const char *text, int allow_bare_path, struct secret_source *out, char *why,
                        size_t why_len);

/* Reads the secret. what names it in prompts and errors ("user PIN for
 * token \"x\""). Reports its own errors; returns 0 or -1. */
int secret_read(const struct secret_source *src, const char *what, struct secret *out);

/* Largest secret text accepted by secret_read_text. */
#define SECRET_TEXT_MAX 4096

/* Like secret_read, but the whole content of a file, a descriptor (to its
 * end) or a variable, newlines and all, for secrets that are small files
 * (a TSIG key clause); a prompt still reads one line. */
int secret_read_text(const struct secret_source *src, const char *what, struct secret *out);

/* Takes a copy of a secret given in memory (e.g. a URI's pin-value). */
int secret_set(struct secret *out, const char *value);

/* Marks the process non-dumpable (no core dump, no ptrace by the same user)
 * for the rest of its life: called before any secret is read, and before a
 * file that may hold a private key (PKCS#12) is decoded. */
void secret_protect_process(void);

/* Wipes and frees; safe on an empty secret. */
void secret_wipe(struct secret *s);

#endif
