/* What the token layer's files share among themselves and nothing above
 * them uses. */
#ifndef P11CERT_TOKEN_INTERNAL_H
#define P11CERT_TOKEN_INTERNAL_H

#include "token/token.h"

/* Logs in to the opened session as needs says: the PIN from its source
 * (or the PIN pad), a failure explained with the token's flags. */
int token_login(struct token_ctx *ctx, const struct token_config *config, unsigned needs);

/* A space-padded PKCS#11 string field as a C string; out holds width + 1. */
char *token_padded_string(char *out, const unsigned char *in, size_t width);

#endif
