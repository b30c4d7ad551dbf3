/* TSIG keys as operators have them: a BIND key clause (tsig-keygen's
 * output) or one line ALGORITHM:NAME:BASE64 (nsupdate -y's form). The text
 * holds the secret: it is read through util/secret.c, wiped after parsing,
 * and no error quotes any of it; only line numbers and what was expected. */
#include "dns/tsig.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "util/msg.h"

#define ALGORITHMS "hmac-sha256, hmac-sha384 or hmac-sha512"
#define LINE_FORM  "ALGORITHM:NAME:BASE64"

static const struct {
    const char *name;
    enum dns_tsig_alg alg;
} algorithms[] = {
    {"hmac-sha256", DNS_TSIG_HMAC_SHA256},
    {"hmac-sha384", DNS_TSIG_HMAC_SHA384},
    {"hmac-sha512", DNS_TSIG_HMAC_SHA512},
};

/* Known to exist but too weak for p11cert: named when refused. */
static const char *const weak_algorithms[] = {"hmac-md5", "hmac-md5.sig-alg.reg.int", "hmac-sha1",
                                              "hmac-sha224"};

const char *dns_tsig_alg_name(enum dns_tsig_alg alg)
{
    for (size_t i = 0; i < sizeof(algorithms) / sizeof(algorithms[0]); i++)
        if (algorithms[i].alg == alg)
            return algorithms[i].name;
    return "";
}

/* A piece of the text: no copy is made, so the secret stays in one place. */
struct span {
    const char *p;
    size_t len;
};

static int span_is(struct span s, const char *word)
{
    return s.len == strlen(word) && strncasecmp(s.p, word, s.len) == 0;
}

static int take_algorithm(struct span s, struct dns_tsig_key *key, char *why, size_t why_len)
{
    for (size_t i = 0; i < sizeof(algorithms) / sizeof(algorithms[0]); i++)
        if (span_is(s, algorithms[i].name)) {
            key->alg = algorithms[i].alg;
            return 0;
        }
    for (size_t i = 0; i < sizeof(weak_algorithms) / sizeof(weak_algorithms[0]); i++)
        if (span_is(s, weak_algorithms[i])) {
            snprintf(why, why_len, "the algorithm %s is not accepted (use " ALGORITHMS ")",
                     weak_algorithms[i]);
            return -1;
        }
    snprintf(why, why_len, "unknown algorithm (use " ALGORITHMS ")");
    return -1;
}

/* Labels of letters, digits, '-' and '_', one trailing dot allowed. */
static int take_name(struct span s, struct dns_tsig_key *key, char *why, size_t why_len)
{
    size_t label = 0, len = s.len;
    int bad = 0;

    if (len > 1 && s.p[len - 1] == '.')
        len--;
    if (len == 0 || len > 253) {
        snprintf(why, why_len, "the key name must be 1 to 253 characters");
        return -1;
    }
    for (size_t i = 0; i < len && !bad; i++) {
        unsigned char c = (unsigned char)s.p[i];

        if (c == '.') {
            bad = label == 0;
            label = 0;
        } else if (isalnum(c) || c == '-' || c == '_') {
            bad = ++label > 63;
        } else {
            bad = 1;
        }
        key->name[i] = (char)tolower(c);
    }
    if (bad || label == 0) {
        memset(key->name, 0, sizeof(key->name));
        snprintf(why, why_len,
                 "the key name must be labels of letters, digits, '-' and '_', "
                 "up to 63 each, joined by dots");
        return -1;
    }
    key->name[len] = '\0';
    return 0;
}

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Strict base64 (blanks between the characters skipped; '=' only to pad the
 * last group), decoded into a buffer of its own that is wiped when freed. */
static int take_secret(struct span s, struct dns_tsig_key *key, char *why, size_t why_len)
{
    size_t cap = s.len / 4 * 3 + 3, n = 0, chars = 0, pad = 0;
    unsigned char *out = OPENSSL_malloc(cap);
    unsigned acc = 0;
    int ret = -1, bad = 0;

    if (!out) {
        snprintf(why, why_len, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < s.len && !bad; i++) {
        unsigned char c = (unsigned char)s.p[i];
        int v;

        if (c == ' ' || c == '\t')
            continue;
        if (c == '=') {
            bad = chars % 4 < 2 || pad == 2;
            pad++;
            v = 0;
        } else if ((v = b64_value(c)) < 0 || pad > 0) {
            bad = 1;
            v = 0;
        }
        acc = (acc << 6) | (unsigned)v;
        if (++chars % 4 == 0) {
            out[n++] = (unsigned char)(acc >> 16);
            out[n++] = (unsigned char)(acc >> 8);
            out[n++] = (unsigned char)acc;
            acc = 0;
        }
    }
    if (bad || chars % 4 != 0) {
        snprintf(why, why_len, "the secret is not base64");
        goto cleanup;
    }
    n -= pad;
    if (n == 0 || n > DNS_TSIG_SECRET_MAX) {
        snprintf(why, why_len, "the secret must decode to 1 to %d bytes", DNS_TSIG_SECRET_MAX);
        goto cleanup;
    }
    key->secret = out;
    key->secret_len = n;
    out = NULL;
    ret = 0;
cleanup:
    OPENSSL_clear_free(out, cap);
    OPENSSL_cleanse(&acc, sizeof(acc));
    return ret;
}

/* ---- the key clause: words, "strings", { } ; and BIND's three comments ---- */

enum token_kind { TOKEN_END, TOKEN_WORD, TOKEN_STRING, TOKEN_PUNCT, TOKEN_BAD };

struct lexer {
    const char *start, *p, *end;
};

struct token {
    enum token_kind kind;
    struct span s; /* a word, or a string's content */
    unsigned line;
};

static unsigned line_at(const struct lexer *lx, const char *at)
{
    unsigned line = 1;

    for (const char *c = lx->start; c < at; c++)
        line += *c == '\n';
    return line;
}

/* Skips blanks and comments (# and // to the end of the line, slash-star to
 * star-slash). Returns 0, or -1 for a comment that is not closed. */
static int skip_blanks(struct lexer *lx)
{
    while (lx->p < lx->end) {
        size_t left = (size_t)(lx->end - lx->p);

        if (isspace((unsigned char)*lx->p)) {
            lx->p++;
        } else if (*lx->p == '#' || (left >= 2 && lx->p[0] == '/' && lx->p[1] == '/')) {
            while (lx->p < lx->end && *lx->p != '\n')
                lx->p++;
        } else if (left >= 2 && lx->p[0] == '/' && lx->p[1] == '*') {
            const char *close = NULL;

            for (const char *c = lx->p + 2; c + 1 < lx->end && !close; c++)
                if (c[0] == '*' && c[1] == '/')
                    close = c;
            if (!close)
                return -1;
            lx->p = close + 2;
        } else {
            break;
        }
    }
    return 0;
}

static int word_char(unsigned char c)
{
    return c > ' ' && c < 0x7f && !strchr("\"{};#", c);
}

static void next_token(struct lexer *lx, struct token *t)
{
    memset(t, 0, sizeof(*t));
    if (skip_blanks(lx) < 0) {
        t->kind = TOKEN_BAD;
        t->line = line_at(lx, lx->p);
        return;
    }
    t->line = line_at(lx, lx->p);
    if (lx->p == lx->end) {
        t->kind = TOKEN_END;
    } else if (*lx->p == '"') {
        const char *c = ++lx->p;

        while (c < lx->end && *c != '"' && *c != '\n' && *c != '\0')
            c++;
        t->kind = c < lx->end && *c == '"' ? TOKEN_STRING : TOKEN_BAD;
        t->s = (struct span){lx->p, (size_t)(c - lx->p)};
        lx->p = c < lx->end ? c + 1 : c;
    } else if (strchr("{};", *lx->p) && *lx->p != '\0') {
        t->kind = TOKEN_PUNCT;
        t->s = (struct span){lx->p++, 1};
    } else if (word_char((unsigned char)*lx->p)) {
        const char *c = lx->p;

        while (c < lx->end && word_char((unsigned char)*c))
            c++;
        t->kind = TOKEN_WORD;
        t->s = (struct span){lx->p, (size_t)(c - lx->p)};
        lx->p = c;
    } else {
        t->kind = TOKEN_BAD;
    }
}

static int is_punct(const struct token *t, char c)
{
    return t->kind == TOKEN_PUNCT && t->s.p[0] == c;
}

/* The next token must be the punctuation c. */
static int expect_punct(struct lexer *lx, char c, const char *after, char *why, size_t why_len)
{
    struct token t;

    next_token(lx, &t);
    if (is_punct(&t, c))
        return 0;
    snprintf(why, why_len, "line %u: expected '%c' after %s", t.line, c, after);
    return -1;
}

/* key "NAME" { algorithm ALG; secret "BASE64"; }; and nothing after it. */
static int parse_clause(struct lexer *lx, struct dns_tsig_key *key, char *why, size_t why_len)
{
    struct token t;
    char reason[200];
    int have_alg = 0;

    next_token(lx, &t); /* "key", checked by the caller */
    next_token(lx, &t);
    if (t.kind != TOKEN_STRING && t.kind != TOKEN_WORD) {
        snprintf(why, why_len, "line %u: expected the key's name after \"key\"", t.line);
        return -1;
    }
    if (take_name(t.s, key, reason, sizeof(reason)) < 0) {
        snprintf(why, why_len, "line %u: %s", t.line, reason);
        return -1;
    }
    if (expect_punct(lx, '{', "the key's name", why, why_len) < 0)
        return -1;
    for (;;) {
        next_token(lx, &t);
        if (is_punct(&t, '}'))
            break;
        if (t.kind == TOKEN_WORD && span_is(t.s, "algorithm") && !have_alg) {
            next_token(lx, &t);
            if (t.kind != TOKEN_WORD || take_algorithm(t.s, key, reason, sizeof(reason)) < 0) {
                snprintf(why, why_len, "line %u: %s", t.line,
                         t.kind == TOKEN_WORD ? reason : "expected the algorithm's name");
                return -1;
            }
            have_alg = 1;
        } else if (t.kind == TOKEN_WORD && span_is(t.s, "secret") && !key->secret) {
            next_token(lx, &t);
            if (t.kind != TOKEN_STRING || take_secret(t.s, key, reason, sizeof(reason)) < 0) {
                snprintf(why, why_len, "line %u: %s", t.line,
                         t.kind == TOKEN_STRING ? reason : "expected secret \"BASE64\"");
                return -1;
            }
        } else {
            snprintf(why, why_len, "line %u: expected algorithm, secret or '}' in the key clause%s",
                     t.line, have_alg || key->secret ? " (each once)" : "");
            return -1;
        }
        if (expect_punct(lx, ';', have_alg && key->secret ? "the secret" : "the value", why,
                         why_len) < 0)
            return -1;
    }
    if (expect_punct(lx, ';', "the key clause's '}'", why, why_len) < 0)
        return -1;
    next_token(lx, &t);
    if (t.kind != TOKEN_END) {
        snprintf(why, why_len, "line %u: more after the key clause (one key a file)", t.line);
        return -1;
    }
    if (!have_alg || !key->secret) {
        snprintf(why, why_len, "the key clause has no %s", have_alg ? "secret" : "algorithm");
        return -1;
    }
    return 0;
}

/* ALGORITHM:NAME:BASE64 on one line (a final newline allowed). */
static int parse_line(const char *text, size_t len, struct dns_tsig_key *key, char *why,
                      size_t why_len)
{
    const char *first, *second, *end = text + len;
    char reason[200];

    while (end > text && isspace((unsigned char)end[-1]))
        end--;
    while (text < end && isspace((unsigned char)*text))
        text++;
    first = memchr(text, ':', (size_t)(end - text));
    second = first ? memchr(first + 1, ':', (size_t)(end - first - 1)) : NULL;
    if (!second || memchr(text, '\n', (size_t)(end - text)) ||
        memchr(text, '\0', (size_t)(end - text))) {
        snprintf(why, why_len,
                 "expected a key clause (key \"NAME\" { algorithm ALG; secret \"BASE64\"; };) "
                 "or one line " LINE_FORM);
        return -1;
    }
    if (take_algorithm((struct span){text, (size_t)(first - text)}, key, reason, sizeof(reason)) <
            0 ||
        take_name((struct span){first + 1, (size_t)(second - first - 1)}, key, reason,
                  sizeof(reason)) < 0 ||
        take_secret((struct span){second + 1, (size_t)(end - second - 1)}, key, reason,
                    sizeof(reason)) < 0) {
        snprintf(why, why_len, "%s (in " LINE_FORM ")", reason);
        return -1;
    }
    return 0;
}

int dns_tsig_key_parse(const char *text, size_t len, struct dns_tsig_key *key, char *why,
                       size_t why_len)
{
    struct lexer lx = {text, text, text + len};
    struct token first;
    int ret;

    memset(key, 0, sizeof(*key));
    next_token(&lx, &first);
    lx.p = text;
    if (first.kind == TOKEN_WORD && span_is(first.s, "key"))
        ret = parse_clause(&lx, key, why, why_len);
    else
        ret = parse_line(text, len, key, why, why_len);
    if (ret < 0)
        dns_tsig_key_wipe(key);
    return ret;
}

int dns_tsig_key_read(const struct secret_source *src, struct dns_tsig_key *key)
{
    struct secret text = {0};
    char why[256];
    int ret = -1;

    memset(key, 0, sizeof(*key));
    if (secret_read_text(src, "TSIG key", &text) < 0)
        goto cleanup;
    if (dns_tsig_key_parse(text.data, text.len, key, why, sizeof(why)) < 0) {
        errorf("bad TSIG key: %s", why);
        goto cleanup;
    }
    ret = 0;
cleanup:
    secret_wipe(&text);
    return ret;
}

void dns_tsig_key_wipe(struct dns_tsig_key *key)
{
    if (!key)
        return;
    OPENSSL_clear_free(key->secret, key->secret_len);
    memset(key, 0, sizeof(*key));
}
