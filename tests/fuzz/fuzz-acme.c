/* Fuzzes what acme issue parses of a CA's answers: the body as a problem
 * document put in words (with subproblems), each line as a Link header
 * (alternate chains) and as a Retry-After value; and base64url decoding. */
#include "fuzz.h"

#include "acme/internal.h"
#include "util/base64url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_string(data, size), words[256], why[128], *line, *save = NULL;
    json_t *problem = json_loadb((const char *)data, size, 0, NULL);
    struct acme_reply reply;
    unsigned char *decoded = NULL;
    size_t decoded_len = 0;

    if (!text)
        return 0;
    acme_problem_words(problem, words, sizeof(words));
    if (strlen(words) >= sizeof(words))
        abort();
    json_decref(problem);
    memset(&reply, 0, sizeof(reply));
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        acme_parse_links(&reply, line);
        (void)acme_parse_retry_after(line);
    }
    acme_reply_free(&reply);
    if (base64url_decode((const char *)data, size, &decoded, &decoded_len, why, sizeof(why)) == 0)
        OPENSSL_free(decoded);
    free(text);
    return 0;
}
