/* Token profiles on disk: the profile directory, reading one file, and
 * choosing the profile for a token (--profile, else the best match) or the
 * module a profile hints at. The format itself is profile-parse.c's. */
#include "token/profile.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/datafile.h"
#include "util/msg.h"
#include "util/readfile.h"

#ifndef P11CERT_TOKENS
#define P11CERT_TOKENS "/usr/local/share/p11cert/tokens"
#endif

#define PROFILE_FILE_MAX (64 * 1024)
#define PROFILE_SUFFIX   ".profile"

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
    struct file_data file;
    char reason[256];
    int ret = -1;

    if (file_read_all(path, PROFILE_FILE_MAX, &file, reason, sizeof(reason)) < 0) {
        snprintf(why, why_len, "cannot read token profile \"%s\": %s", path, reason);
        return -1;
    }
    token_profile_defaults(profile, name);
    snprintf(profile->source, sizeof(profile->source), "%s", path);
    if (token_profile_parse((const char *)file.data, file.len, profile, reason, sizeof(reason)) <
        0) {
        snprintf(why, why_len, "token profile %s: %s", path, reason);
        goto cleanup;
    }
    ret = 0;
cleanup:
    file_data_free(&file);
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

/* The best profile for a module and, when known, its token (info may be
 * NULL): a module match before a manufacturer/model match, then by name;
 * else the generic profile. */
static int best_profile(const struct token_config *config, const CK_TOKEN_INFO *info,
                        const char *module, struct token_profile *profile)
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
        score = token_profile_matches(&candidate, info, module);
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

int token_profile_for_slot(const struct token_config *config, const struct token_slot *slot,
                           struct token_profile *profile)
{
    return best_profile(config, &slot->info, slot->module->name, profile);
}

const struct token_profile *token_ctx_profile(struct token_ctx *ctx)
{
    struct token_profile *profile;

    if (ctx->profile)
        return ctx->profile;
    if (!(profile = malloc(sizeof(*profile)))) {
        errorf("out of memory");
        return NULL;
    }
    if (token_profile_for_slot(ctx->config, &ctx->slot, profile) < 0) {
        free(profile);
        return NULL;
    }
    ctx->profile = profile;
    return profile;
}

int token_profile_for_module(const struct token_config *config, const char *module,
                             struct token_profile *profile)
{
    return best_profile(config, NULL, module, profile);
}

int token_profile_hintf(const struct token_profile *profile, CK_RV rv)
{
    const char *hint = token_profile_hint(profile, rv);

    if (hint)
        hintf("%s (token profile %s)", hint, profile->name);
    return hint != NULL;
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
