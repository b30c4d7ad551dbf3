/* Token profiles, the format: "key = value" lines parsed over the built-in
 * defaults, and the match_* globs tested against a token. Pure: no I/O
 * (unit-tested in tests/unit/test-profile.c).
 *
 *     # a comment (a whole line; values may hold '#')
 *     description = SoftHSM 2, a software token
 *     match_manufacturer = SoftHSM*          (fnmatch globs, comma-separated)
 *     label_max = 32
 *     worker_env = SOFTHSM2_CONF             (what server-config tells a server to pass on)
 *     worker_access = softhsm-tokendir       (or module: how its workers reach the token)
 *
 * Unknown keys and bad values are errors that name the line, so a typo in a
 * profile never silently does nothing. */
#include "token/profile.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void token_profile_defaults(struct token_profile *profile, const char *name)
{
    memset(profile, 0, sizeof(*profile));
    snprintf(profile->name, sizeof(profile->name), "%s", name);
    snprintf(profile->source, sizeof(profile->source), "built-in");
    snprintf(profile->default_key_type, sizeof(profile->default_key_type), "rsa:2048");
    profile->cert_template = PROFILE_CERT_MINIMAL;
    profile->set_id_after_generation = 1;
    profile->id_convention = PROFILE_ID_SHA1;
    profile->public_key_usage = 1;
    profile->sign_rsa = profile->sign_ec = PROFILE_SIGN_RAW;
}

static const char *trim(char *s)
{
    char *end;

    while (*s == ' ' || *s == '\t')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        *--end = '\0';
    return s;
}

static int parse_list(const char *value, struct profile_list *list, char *why, size_t why_len)
{
    char copy[PROFILE_LIST_MAX * PROFILE_ITEM_MAX], *save = NULL, *item;

    list->count = 0;
    snprintf(copy, sizeof(copy), "%s", value);
    for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        const char *word = trim(item);

        if (!*word)
            continue;
        if (list->count == PROFILE_LIST_MAX || strlen(word) >= PROFILE_ITEM_MAX) {
            snprintf(why, why_len, "more than %d items, or one longer than %d characters",
                     PROFILE_LIST_MAX, PROFILE_ITEM_MAX - 1);
            return -1;
        }
        snprintf(list->items[list->count++], PROFILE_ITEM_MAX, "%s", word);
    }
    if (list->count == 0) {
        snprintf(why, why_len, "an empty list");
        return -1;
    }
    return 0;
}

/* One of two words; *out gets 0 for the first, 1 for the second. */
static int parse_choice(const char *value, const char *first, const char *second, int *out,
                        char *why, size_t why_len)
{
    if (strcmp(value, first) == 0 || strcmp(value, second) == 0) {
        *out = strcmp(value, second) == 0;
        return 0;
    }
    snprintf(why, why_len, "\"%s\" is neither %s nor %s", value, first, second);
    return -1;
}

/* hint_CKR_NAME = text: a return value PKCS#11 names, once each. */
static int parse_hint(struct token_profile *p, const char *rv_name, const char *value, char *why,
                      size_t why_len)
{
    CK_RV rv;

    if (token_rv_by_name(rv_name, &rv) < 0) {
        snprintf(why, why_len, "unknown key \"hint_%s\" (hint_ wants a CKR_ name)", rv_name);
        return -1;
    }
    if (!*value || strlen(value) >= PROFILE_ITEM_MAX) {
        snprintf(why, why_len, "hint_%s wants a text of 1 to %d characters", rv_name,
                 PROFILE_ITEM_MAX - 1);
        return -1;
    }
    for (size_t i = 0; i < p->n_hints; i++) {
        if (p->hints[i].rv == rv) {
            snprintf(why, why_len, "hint_%s is given twice", rv_name);
            return -1;
        }
    }
    if (p->n_hints == PROFILE_HINT_MAX) {
        snprintf(why, why_len, "more than %d hints", PROFILE_HINT_MAX);
        return -1;
    }
    p->hints[p->n_hints].rv = rv;
    snprintf(p->hints[p->n_hints++].text, PROFILE_ITEM_MAX, "%s", value);
    return 0;
}

static int parse_sign_mode(const char *value, enum profile_sign_mode *mode, char *why,
                           size_t why_len)
{
    int choice;

    if (parse_choice(value, "raw", "hashed", &choice, why, why_len) < 0)
        return -1;
    *mode = choice ? PROFILE_SIGN_HASHED : PROFILE_SIGN_RAW;
    return 0;
}

static int parse_pair(struct token_profile *p, const char *key, const char *value, char *why,
                      size_t why_len)
{
    int choice;

    if (strcmp(key, "description") == 0) {
        snprintf(p->description, sizeof(p->description), "%s", value);
    } else if (strcmp(key, "match_manufacturer") == 0) {
        return parse_list(value, &p->match_manufacturer, why, why_len);
    } else if (strcmp(key, "match_model") == 0) {
        return parse_list(value, &p->match_model, why, why_len);
    } else if (strcmp(key, "match_module") == 0) {
        return parse_list(value, &p->match_module, why, why_len);
    } else if (strcmp(key, "module") == 0) {
        return parse_list(value, &p->module, why, why_len);
    } else if (strcmp(key, "default_key_type") == 0) {
        if (!*value || strlen(value) >= sizeof(p->default_key_type) || strchr(value, ' ')) {
            snprintf(why, why_len, "default_key_type wants a key type such as rsa:2048");
            return -1;
        }
        snprintf(p->default_key_type, sizeof(p->default_key_type), "%s", value);
    } else if (strcmp(key, "cert_template") == 0) {
        if (parse_choice(value, "minimal", "full", &choice, why, why_len) < 0)
            return -1;
        p->cert_template = choice ? PROFILE_CERT_FULL : PROFILE_CERT_MINIMAL;
    } else if (strcmp(key, "label_max") == 0) {
        char *end = NULL;
        unsigned long n = strtoul(value, &end, 10);

        if (!*value || *end || n > TOKEN_LABEL_MAX - 1 || *value == '-') {
            snprintf(why, why_len, "label_max wants a number from 0 (no limit) to %d",
                     TOKEN_LABEL_MAX - 1);
            return -1;
        }
        p->label_max = n;
    } else if (strcmp(key, "set_id_after_generation") == 0) {
        if (parse_choice(value, "no", "yes", &choice, why, why_len) < 0)
            return -1;
        p->set_id_after_generation = choice;
    } else if (strcmp(key, "id_convention") == 0) {
        if (parse_choice(value, "sha1", "piv", &choice, why, why_len) < 0)
            return -1;
        p->id_convention = choice ? PROFILE_ID_PIV : PROFILE_ID_SHA1;
    } else if (strcmp(key, "worker_env") == 0) {
        return parse_list(value, &p->worker_env, why, why_len);
    } else if (strcmp(key, "worker_access") == 0) {
        if (parse_choice(value, "module", "softhsm-tokendir", &choice, why, why_len) < 0)
            return -1;
        p->worker_access = choice ? PROFILE_ACCESS_SOFTHSM : PROFILE_ACCESS_MODULE;
    } else if (strcmp(key, "public_key_usage") == 0) {
        if (parse_choice(value, "omit", "set", &choice, why, why_len) < 0)
            return -1;
        p->public_key_usage = choice;
    } else if (strcmp(key, "relogin_to_remove") == 0) {
        if (parse_choice(value, "no", "yes", &choice, why, why_len) < 0)
            return -1;
        p->relogin_to_remove = choice;
    } else if (strcmp(key, "sign_rsa") == 0) {
        return parse_sign_mode(value, &p->sign_rsa, why, why_len);
    } else if (strcmp(key, "sign_ec") == 0) {
        return parse_sign_mode(value, &p->sign_ec, why, why_len);
    } else if (strncmp(key, "hint_", 5) == 0) {
        return parse_hint(p, key + 5, value, why, why_len);
    } else {
        snprintf(why, why_len, "unknown key \"%s\"", key);
        return -1;
    }
    return 0;
}

int token_profile_parse(const char *text, size_t len, struct token_profile *profile, char *why,
                        size_t why_len)
{
    unsigned number = 0;
    size_t pos = 0;

    while (pos < len) {
        const char *eol = memchr(text + pos, '\n', len - pos);
        size_t line_len = eol ? (size_t)(eol - (text + pos)) : len - pos;
        char line[1024], reason[256], *eq;
        const char *key, *value, *start;

        number++;
        if (line_len >= sizeof(line) || memchr(text + pos, '\0', line_len)) {
            snprintf(why, why_len, "line %u: too long, or not text", number);
            return -1;
        }
        memcpy(line, text + pos, line_len);
        line[line_len] = '\0';
        pos += line_len + 1;
        /* Only whole lines are comments: values may hold '#' ("PKCS#15*"). */
        start = trim(line);
        if (!*start || *start == '#')
            continue;
        if (!(eq = strchr(line, '='))) {
            snprintf(why, why_len, "line %u: expected \"key = value\"", number);
            return -1;
        }
        *eq = '\0';
        key = trim(line);
        value = trim(eq + 1);
        if (parse_pair(profile, key, value, reason, sizeof(reason)) < 0) {
            snprintf(why, why_len, "line %u: %s", number, reason);
            return -1;
        }
    }
    return 0;
}

const char *token_profile_hint(const struct token_profile *profile, CK_RV rv)
{
    for (size_t i = 0; i < profile->n_hints; i++) {
        if (profile->hints[i].rv == rv)
            return profile->hints[i].text;
    }
    return NULL;
}

static int list_matches(const struct profile_list *list, const char *text)
{
    for (size_t i = 0; i < list->count; i++) {
        if (fnmatch(list->items[i], text, 0) == 0)
            return 1;
    }
    return 0;
}

int token_profile_matches(const struct token_profile *profile, const CK_TOKEN_INFO *info,
                          const char *module)
{
    struct token_names names;
    const char *base = strrchr(module, '/');

    if (profile->match_module.count)
        return (list_matches(&profile->match_module, module) ||
                (base && list_matches(&profile->match_module, base + 1)))
                   ? 2
                   : 0;
    if (!info || (!profile->match_manufacturer.count && !profile->match_model.count))
        return 0;
    token_info_names(info, &names);
    if (profile->match_manufacturer.count &&
        !list_matches(&profile->match_manufacturer, names.manufacturer))
        return 0;
    if (profile->match_model.count && !list_matches(&profile->match_model, names.model))
        return 0;
    return 1;
}
