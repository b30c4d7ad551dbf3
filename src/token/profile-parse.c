/* Token profiles: parsing "key = value" files, matching them to a token,
 * and what their switches change in key generation. The format:
 *
 *     # a comment (a whole line; values may hold '#')
 *     description = SoftHSM 2, a software token
 *     match_manufacturer = SoftHSM*          (fnmatch globs, comma-separated)
 *     label_max = 32
 *
 * Unknown keys and bad values are errors that name the line, so a typo in a
 * profile never silently does nothing. */
#include "token/profile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/datafile.h"
#include "util/msg.h"

#ifndef P11CERT_TOKENS
#define P11CERT_TOKENS "/usr/local/share/p11cert/tokens"
#endif

#define PROFILE_FILE_MAX (64 * 1024)
#define PROFILE_SUFFIX   ".profile"

void token_profile_defaults(struct token_profile *profile, const char *name)
{
    memset(profile, 0, sizeof(*profile));
    snprintf(profile->name, sizeof(profile->name), "%s", name);
    snprintf(profile->source, sizeof(profile->source), "built-in");
    snprintf(profile->default_key_type, sizeof(profile->default_key_type), "rsa:2048");
    profile->cert_template = PROFILE_CERT_MINIMAL;
    profile->set_id_after_generation = 1;
    profile->id_convention = PROFILE_ID_SHA1;
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
    char manufacturer[33], model[17];
    const char *base = strrchr(module, '/');

    if (profile->match_module.count)
        return (list_matches(&profile->match_module, module) ||
                (base && list_matches(&profile->match_module, base + 1)))
                   ? 2
                   : 0;
    if (!profile->match_manufacturer.count && !profile->match_model.count)
        return 0;
    token_padded_string(manufacturer, info->manufacturerID, sizeof(info->manufacturerID));
    token_padded_string(model, info->model, sizeof(info->model));
    if (profile->match_manufacturer.count &&
        !list_matches(&profile->match_manufacturer, manufacturer))
        return 0;
    if (profile->match_model.count && !list_matches(&profile->match_model, model))
        return 0;
    return 1;
}

char *token_profile_dir(void)
{
    const char *dir = getenv("P11CERT_PROFILES");

    if (dir && *dir)
        return strdup(dir);
    return datafile_path(P11CERT_TOKENS, "tokens");
}

/* Reads and parses path. Returns 0, or -1 with why: the caller reports it
 * as an error, or, for a broken profile met while matching, as a warning. */
static int load_file(const char *path, const char *name, struct token_profile *profile, char *why,
                     size_t why_len)
{
    char *text = NULL, reason[256];
    struct stat st;
    ssize_t got = 0;
    size_t len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC), ret = -1;

    if (fd < 0) {
        snprintf(why, why_len, "cannot read token profile \"%s\": %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > PROFILE_FILE_MAX) {
        snprintf(why, why_len, "token profile \"%s\" is not a regular file of at most %d bytes",
                 path, PROFILE_FILE_MAX);
        goto cleanup;
    }
    if (!(text = malloc((size_t)st.st_size + 1))) {
        snprintf(why, why_len, "out of memory");
        goto cleanup;
    }
    while (len < (size_t)st.st_size && (got = read(fd, text + len, (size_t)st.st_size - len)) > 0)
        len += (size_t)got;
    if (got < 0) {
        snprintf(why, why_len, "cannot read token profile \"%s\": %s", path, strerror(errno));
        goto cleanup;
    }
    token_profile_defaults(profile, name);
    snprintf(profile->source, sizeof(profile->source), "%s", path);
    if (token_profile_parse(text, len, profile, reason, sizeof(reason)) < 0) {
        snprintf(why, why_len, "token profile %s: %s", path, reason);
        goto cleanup;
    }
    ret = 0;
cleanup:
    free(text);
    close(fd);
    return ret;
}

int token_profile_load(const char *name_or_file, struct token_profile *profile)
{
    char *dir = NULL, *path = NULL, name[PROFILE_NAME_MAX], why[600];
    const char *base;
    size_t len;
    int ret = -1;

    if (strchr(name_or_file, '/')) {
        base = strrchr(name_or_file, '/') + 1;
        len = strlen(base);
        if (len > strlen(PROFILE_SUFFIX) &&
            strcmp(base + len - strlen(PROFILE_SUFFIX), PROFILE_SUFFIX) == 0)
            len -= strlen(PROFILE_SUFFIX);
        snprintf(name, sizeof(name), "%.*s", (int)len, base);
        if (load_file(name_or_file, name, profile, why, sizeof(why)) < 0) {
            errorf("%s", why);
            return -1;
        }
        return 0;
    }
    if (!(dir = token_profile_dir()) ||
        asprintf(&path, "%s/%s%s", dir, name_or_file, PROFILE_SUFFIX) < 0) {
        path = NULL;
        errorf("out of memory");
        goto cleanup;
    }
    if (access(path, F_OK) != 0) {
        errorf("no token profile named \"%s\" (no %s)", name_or_file, path);
        hintf("the profiles are the *.profile files in %s; --profile also takes a file", dir);
        goto cleanup;
    }
    if (load_file(path, name_or_file, profile, why, sizeof(why)) < 0) {
        errorf("%s", why);
        goto cleanup;
    }
    ret = 0;
cleanup:
    free(path);
    free(dir);
    return ret;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.profile names in dir, sorted; *names malloc'd. Missing dir: none. */
static size_t profile_names(const char *dir, char ***names)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;

    *names = NULL;
    if (!d)
        return 0;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name), suffix = strlen(PROFILE_SUFFIX);
        char **grown;

        if (len <= suffix || strcmp(e->d_name + len - suffix, PROFILE_SUFFIX) != 0 ||
            len - suffix >= PROFILE_NAME_MAX)
            continue;
        if (!(grown = realloc(*names, (n + 1) * sizeof(*grown))))
            break;
        *names = grown;
        if (((*names)[n] = strndup(e->d_name, len - suffix)) != NULL)
            n++;
    }
    closedir(d);
    if (n)
        qsort(*names, n, sizeof(**names), by_name);
    return n;
}

int token_profile_for_slot(const struct token_config *config, const struct token_slot *slot,
                           struct token_profile *profile)
{
    struct token_profile candidate;
    char *dir, **names = NULL, *path = NULL, why[600];
    size_t n_names;
    int best = 0, have_generic = 0;

    if (config->profile)
        return token_profile_load(config->profile, profile);
    token_profile_defaults(profile, "generic");
    if (!(dir = token_profile_dir()))
        return 0;
    n_names = profile_names(dir, &names);
    for (size_t i = 0; i < n_names; i++) {
        int score;

        free(path);
        if (asprintf(&path, "%s/%s%s", dir, names[i], PROFILE_SUFFIX) < 0) {
            path = NULL;
            continue;
        }
        /* A broken profile is reported and skipped: it must not stop
         * every token from being used. */
        if (load_file(path, names[i], &candidate, why, sizeof(why)) < 0) {
            warnf("%s: skipped", why);
            continue;
        }
        if (strcmp(names[i], "generic") == 0 && best == 0) {
            *profile = candidate;
            have_generic = 1;
            continue;
        }
        score = token_profile_matches(&candidate, &slot->info, slot->module->name);
        if (score > best) {
            *profile = candidate;
            best = score;
        }
    }
    debugf("token profile: %s (%s)%s", profile->name, profile->source,
           best || have_generic ? "" : ", no profile file matched");
    for (size_t i = 0; i < n_names; i++)
        free(names[i]);
    free(names);
    free(path);
    free(dir);
    return 0;
}

static int is_path(const char *module)
{
    return strchr(module, '/') != NULL;
}

int token_profile_module_hint(const struct token_config *config, char **hint)
{
    struct token_profile profile;
    const char *name = NULL;

    *hint = NULL;
    if (!config->profile)
        return 0;
    if (token_profile_load(config->profile, &profile) < 0)
        return -1;
    for (size_t i = 0; i < profile.module.count; i++) {
        const char *item = profile.module.items[i];

        if (is_path(item) && access(item, F_OK) == 0) {
            name = item;
            break;
        }
        if (!is_path(item) && !name)
            name = item;
    }
    if (name && !(*hint = strdup(name))) {
        errorf("out of memory");
        return -1;
    }
    if (name)
        debugf("module from token profile %s: %s", profile.name, name);
    return 0;
}

/* PIV key slots as ykcs11 and OpenSC name them by CKA_ID: 01-04 for 9a, 9c,
 * 9d and 9e, 05-18 for the retired key-management slots 82-95. */
static int is_piv_id(const unsigned char *id, CK_ULONG id_len)
{
    return id_len == 1 && id[0] >= 0x01 && id[0] <= 0x18;
}

int token_profile_keygen_id(const struct token_profile *profile, const char *label,
                            unsigned char *id, CK_ULONG *id_len, int *random)
{
    *random = 0;
    if (profile->label_max && strlen(label) > profile->label_max) {
        errorf("label \"%s\" has %zu characters; this token (profile %s) keeps at most %lu", label,
               strlen(label), profile->name, profile->label_max);
        return -1;
    }
    if (profile->id_convention == PROFILE_ID_PIV) {
        if (!is_piv_id(id, *id_len)) {
            errorf("this token (profile %s) names keys by PIV slot: give --id 01 (slot 9a, "
                   "authentication), 02 (9c, signature), 03 (9d, key management), 04 (9e, card "
                   "authentication) or 05 to 18 (retired slots 82 to 95)",
                   profile->name);
            return -1;
        }
        return 0;
    }
    if (*id_len || profile->set_id_after_generation)
        return 0;
    /* The token cannot change CKA_ID after generation, and the SHA-1 of a
     * public key that does not exist yet cannot be known: the id is set at
     * generation, and random. It only has to be unique and the same on both
     * halves; p11cert finds a certificate's key by its public value. */
    if (getrandom(id, 20, 0) != 20) {
        errorf("cannot make a random key id: %s", strerror(errno));
        return -1;
    }
    *id_len = 20;
    *random = 1;
    return 0;
}
