/* Problem documents (RFC 7807; RFC 8555 6.7) in words: what the CA said,
 * not a status number. */
#include "acme/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char acme_prefix[] = "urn:ietf:params:acme:error:";

static void append(char *text, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void append(char *text, size_t len, const char *fmt, ...)
{
    size_t used = strlen(text);
    va_list ap;

    if (used + 1 >= len)
        return;
    va_start(ap, fmt);
    vsnprintf(text + used, len - used, fmt, ap);
    va_end(ap);
}

/* "DETAIL (TYPE)" of one problem, appended. */
static void one_problem(json_t *problem, char *text, size_t len)
{
    const char *type = acme_json_string(problem, "type");
    const char *detail = acme_json_string(problem, "detail");

    if (type && strncmp(type, acme_prefix, sizeof(acme_prefix) - 1) == 0)
        type += sizeof(acme_prefix) - 1;
    if (detail && *detail)
        append(text, len, "%s (%s)", detail, type ? type : "no type");
    else
        append(text, len, "%s", type ? type : "a problem without type or detail");
}

void acme_problem_words(json_t *problem, char *text, size_t len)
{
    json_t *subs = json_object_get(problem, "subproblems"), *sub;
    size_t i;

    if (len == 0)
        return;
    text[0] = '\0';
    one_problem(problem, text, len);
    json_array_foreach(subs, i, sub)
    {
        json_t *id = json_object_get(sub, "identifier");
        const char *value = acme_json_string(id, "value");

        append(text, len,
               "; %s%s%s: ", acme_json_string(id, "type") ? acme_json_string(id, "type") : "",
               value ? ":" : "", value ? value : "(no identifier)");
        one_problem(sub, text, len);
    }
}
