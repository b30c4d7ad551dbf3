/* renew, the run: the records of the state directory, read under its lock;
 * for each token, one module load and one login for all of its records, and
 * one read of its certificates' ids (renew_index_build) instead of a search
 * per record; each record repaired if a run died on it, then renewed when
 * it is due; the deploy hook once at the end (workflow/renew-hook.c). A dry
 * run opens each token the same way but read-only and changes nothing. */
#include "workflow/renew.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/interrupt.h"
#include "util/lockfile.h"
#include "util/msg.h"
#include "util/progress.h"
#include "workflow/acme-finish.h"
#include "workflow/renew-internal.h"
#include "workflow/token-lock.h"

static int is_record(const struct dirent *e)
{
    size_t len = strlen(e->d_name);

    return e->d_name[0] != '.' && len > 5 && strcmp(e->d_name + len - 5, ".json") == 0;
}

/* Every STATE_DIR/NAME.json, sorted; none when the directory is not there. */
static int list_records(const char *dir, char ***paths, size_t *n)
{
    struct dirent **entries = NULL;
    int count = scandir(dir, &entries, is_record, alphasort), ret = 0;

    *paths = NULL;
    *n = 0;
    if (count < 0) {
        if (errno == ENOENT)
            return 0;
        errorf("cannot read the state directory \"%s\": %s", dir, strerror(errno));
        return -1;
    }
    if (count && !(*paths = calloc((size_t)count, sizeof(char *))))
        ret = -1;
    for (int i = 0; i < count; i++) {
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s/%s", dir, entries[i]->d_name);
        if (ret == 0 && !((*paths)[(*n)++] = strdup(path)))
            ret = -1;
        free(entries[i]);
    }
    free(entries);
    if (ret < 0)
        errorf("out of memory");
    return ret;
}

static void lock_waiting(void *arg, const char *path)
{
    (void)arg;
    notef("waiting for another renew run to finish (it holds %s)", path);
}

/* The run's own view of each record. */
struct entry {
    struct renew_record r;
    int loaded, selected, done;
    char *seen; /* the record's fingerprint before the lock was taken */
    char why[512];
};

/* Whether the record belongs to the TOKEN-URI given (pure: no module). */
static int selected(const struct renew_options *o, const struct renew_record *r)
{
    P11KitUri *uri;
    int match;

    if (!o->token)
        return 1;
    if (p11_kit_uri_parse(r->token_text, P11_KIT_URI_FOR_ANY, (uri = p11_kit_uri_new())) !=
        P11_KIT_URI_OK) {
        p11_kit_uri_free(uri);
        return 0;
    }
    match = token_uri_matches_token(o->token, (CK_SLOT_ID)-1, p11_kit_uri_get_token_info(uri));
    p11_kit_uri_free(uri);
    return match;
}

/* Records opened together: the same token, module and PIN source. */
static int same_group(const struct renew_record *a, const struct renew_record *b)
{
    return strcmp(a->token_text, b->token_text) == 0 &&
           !strcmp(a->config.module ? a->config.module : "",
                   b->config.module ? b->config.module : "") &&
           a->config.pin_source.kind == b->config.pin_source.kind &&
           strcmp(a->config.pin_source.path, b->config.pin_source.path) == 0;
}

static int set_text(char **field, const char *text)
{
    free(*field);
    return (*field = strdup(text ? text : "")) ? 0 : -1;
}

static void failed(struct renew_item *item, const char *why)
{
    item->outcome = RENEW_FAILED;
    set_text(&item->why, why && *why ? why : "see the messages above");
}

/* One record on its opened token: repair, decide, renew. */
static void one_record(const struct renew_options *o, struct token_ctx *ctx,
                       struct renew_cert_index *ix, struct entry *e, struct renew_item *item,
                       time_t now)
{
    struct renew_record *r = &e->r;
    int repaired, due;

    msg_set_item(r->name);
    due = renew_is_due(now, r->not_before, r->not_after, o->days, o->force, &item->days_left);
    if (e->seen && strcmp(e->seen, r->fingerprint) != 0) {
        /* Another run renewed it while this one waited for the lock. */
        notef("renewed by another renew run meanwhile: not renewing it again");
        item->outcome = RENEW_NOT_DUE;
        return;
    }
    if (renew_repair(ctx, ix, r, &repaired) != EXIT_OK) {
        failed(item, msg_last_error());
        return;
    }
    if (repaired)
        set_text(&item->note, "an unfinished renewal was finished");
    if (!due) {
        item->outcome = RENEW_NOT_DUE;
        return;
    }
    /* The renewal changes the objects of the key's id (and with a
     * rotation, of the new key's): the index no longer knows them. */
    renew_index_forget(ix, r->key_id, r->key_id_len);
    if (renew_record_renew(ctx, r, o->rotate_key || r->o.rotate_key, o->timeout, item) != EXIT_OK)
        failed(item, msg_last_error());
    else
        item->outcome = RENEW_RENEWED;
    renew_index_forget(ix, r->key_id, r->key_id_len);
}

/* Whether the key uri names is on the token (a search, and a read). */
static int key_found(struct token_ctx *ctx, const char *uri_text, const char *what)
{
    P11KitUri *uri = token_uri_parse(uri_text, what);
    struct token_key key;
    int found;

    found = uri && token_find_key(ctx, uri, &key) == 0;
    if (uri)
        p11_kit_uri_free(uri);
    return found;
}

/* renew --dry-run on one record, on its token opened and logged in to but
 * never changed: what the run would repair, whether it is due, and for one
 * that is, that its key (by its id) and its account key are there to renew
 * with. *account: the account key URI found last, checked once per token. */
static void dry_record(const struct renew_options *o, struct token_ctx *ctx,
                       struct renew_cert_index *ix, struct entry *e, struct renew_item *item,
                       time_t now, const char **account)
{
    struct renew_record *r = &e->r;
    CK_ULONG extra = 0;
    char note[160];
    int todo = 0, due, exists = 1;

    msg_set_item(r->name);
    due = renew_is_due(now, r->not_before, r->not_after, o->days, o->force, &item->days_left);
    if (renew_repair_plan(ctx, ix, r, &todo, &extra) < 0) {
        failed(item, msg_last_error());
        return;
    }
    if (todo)
        set_text(&item->note, "an unfinished renewal would be finished first");
    else if (extra) {
        snprintf(note, sizeof(note),
                 "%lu certificate object(s) beside the key that are not the record's would be "
                 "removed",
                 (unsigned long)extra);
        set_text(&item->note, note);
    }
    item->outcome = due ? RENEW_WOULD_RENEW : RENEW_NOT_DUE;
    if (!due)
        return;
    if (r->key_id_len ? token_private_key_exists(ctx, r->key_id, r->key_id_len, &exists) < 0
                      : !key_found(ctx, r->o.key_text, "the record's key")) {
        failed(item, msg_last_error()); /* the search failed, or no key matches the URI */
        return;
    }
    if (!exists) {
        errorf("the record's key is not on the token: renewing it would fail");
        failed(item, msg_last_error());
        return;
    }
    if ((!*account || strcmp(*account, r->o.account_key_text) != 0) &&
        !key_found(ctx, r->o.account_key_text, "the record's account key")) {
        failed(item, msg_last_error());
        return;
    }
    *account = r->o.account_key_text;
}

/* How many of the records this run looks at are done, and failed: counted
 * only when there is a progress line to draw. */
static void show_progress(struct progress *p, const struct entry *e, const struct renew_item *items,
                          size_t n)
{
    size_t done = 0, failed = 0;

    if (!p->on)
        return;
    for (size_t i = 0; i < n; i++) {
        if (e[i].loaded && e[i].selected && e[i].done) {
            done++;
            failed += items[i].outcome == RENEW_FAILED;
        }
    }
    progress_show(p, done, failed);
}

/* The records of e[first]'s group, on its token opened once; a real run
 * takes the token's writer lock, a dry run opens it read-only. */
static void one_token(const struct renew_options *o, struct entry *e, size_t n, size_t first,
                      struct renew_item *items, time_t now, struct progress *progress)
{
    struct token_opening how = {&e[first].r.config,
                                TOKEN_NEEDS_LOGIN | (o->dry_run ? 0 : TOKEN_NEEDS_RW)};
    struct renew_cert_index ix;
    struct token_ctx ctx;
    const char *account = NULL;
    P11KitUri *uri;
    size_t in_group = 0;
    int opened, lock_fd = -1;

    memset(&ctx, 0, sizeof(ctx));
    memset(&ix, 0, sizeof(ix));
    msg_set_item(e[first].r.name);
    uri = token_uri_parse(e[first].r.token_text, "the record's token URI");
    /* renew writes to the token (imports, keys, removals): it takes its
     * turn with the other writers to that module, as import and keygen do. */
    if (uri && !o->dry_run && token_lock(how.config, uri, &lock_fd) < 0) {
        p11_kit_uri_free(uri);
        uri = NULL;
    }
    opened = uri && token_open_uri(&ctx, &how, uri) == 0;
    for (size_t i = first; i < n; i++)
        in_group += e[i].loaded && e[i].selected && !e[i].done && e[i].r.o.import &&
                    same_group(&e[first].r, &e[i].r);
    /* Without the index, each record searches for itself. */
    if (opened && renew_index_build(&ctx, in_group, &ix) < 0)
        renew_index_free(&ix);
    for (size_t i = first; i < n; i++) {
        if (!e[i].loaded || !e[i].selected || e[i].done || !same_group(&e[first].r, &e[i].r))
            continue;
        e[i].done = 1;
        if (!opened)
            failed(&items[i], msg_last_error());
        else if (interrupt_pending())
            failed(&items[i], "interrupted");
        else if (o->dry_run)
            dry_record(o, &ctx, &ix, &e[i], &items[i], now, &account);
        else
            one_record(o, &ctx, &ix, &e[i], &items[i], now);
        show_progress(progress, e, items, n);
    }
    msg_set_item(NULL);
    renew_index_free(&ix);
    token_ctx_free(&ctx);
    token_unlock(lock_fd);
}

static void describe(struct entry *e, struct renew_item *item)
{
    const struct acme_issue_options *ro = &e->r.o;
    const char *files[3] = {ro->out, ro->chain_out, ro->fullchain};

    item->domains = json_array();
    item->files = json_array();
    for (size_t i = 0; i < ro->n_domains; i++)
        json_array_append_new(item->domains, json_string(ro->domains[i]));
    for (int i = 0; i < 3; i++)
        if (files[i])
            json_array_append_new(item->files, json_string(files[i]));
}

/* The records read (again, under the lock), each item named. */
static int load_all(const struct renew_options *o, char **paths, size_t n, struct entry *e,
                    struct renew_item *items)
{
    for (size_t i = 0; i < n; i++) {
        const char *base = strrchr(paths[i], '/');

        renew_record_free(&e[i].r);
        items[i].path = strdup(paths[i]);
        items[i].name = strndup(base + 1, strlen(base + 1) - 5);
        if (!items[i].path || !items[i].name)
            return -1;
        e[i].loaded =
            renew_record_load(paths[i], o->config, &e[i].r, e[i].why, sizeof(e[i].why)) == 0;
        e[i].selected = e[i].loaded ? selected(o, &e[i].r) : !o->token;
        if (e[i].loaded)
            describe(&e[i], &items[i]);
        else if (e[i].selected)
            failed(&items[i], e[i].why);
    }
    return 0;
}

static int run(const struct renew_options *o, const char *dir, char **paths, size_t n,
               struct entry *e, struct renew_report *rep)
{
    char lock_path[PATH_MAX], why[PATH_MAX + 64];
    struct progress progress;
    size_t total = 0;
    time_t now;
    int lock = -1;

    if (!(rep->items = calloc(n ? n : 1, sizeof(*rep->items))))
        return -1;
    rep->n = n;
    /* What each record was before this run waited for the lock. */
    for (size_t i = 0; i < n && !o->dry_run; i++)
        if (renew_record_load(paths[i], o->config, &e[i].r, why, sizeof(why)) == 0)
            e[i].seen = strdup(e[i].r.fingerprint);
    snprintf(lock_path, sizeof(lock_path), "%s/.renew.lock", dir);
    if (!o->dry_run &&
        (lock = lockfile_take(lock_path, -1, lock_waiting, NULL, why, sizeof(why))) < 0) {
        errorf("cannot take the renew lock: %s", why);
        return -1;
    }
    if (load_all(o, paths, n, e, rep->items) < 0) {
        close(lock);
        return -1;
    }
    now = time(NULL);
    for (size_t i = 0; i < n; i++)
        total += e[i].loaded && e[i].selected;
    progress_start(&progress, "records", total, o->progress);
    for (size_t i = 0; i < n; i++) {
        if (!e[i].loaded || !e[i].selected || e[i].done)
            continue;
        one_token(o, e, n, i, rep->items, now, &progress);
        e[i].done = 1;
        show_progress(&progress, e, rep->items, n);
    }
    progress_end(&progress);
    if (lock >= 0)
        close(lock);
    return 0;
}

int renew_run(const struct renew_options *o, struct renew_report *rep)
{
    char *dir = o->state_dir ? strdup(o->state_dir) : acme_state_dir_default(), **paths = NULL;
    struct entry *e = NULL;
    size_t n = 0, kept = 0;
    int ret = EXIT_FAIL;

    memset(rep, 0, sizeof(*rep));
    if (!dir || list_records(dir, &paths, &n) < 0)
        goto cleanup;
    if (!(e = calloc(n ? n : 1, sizeof(*e))) || run(o, dir, paths, n, e, rep) < 0) {
        errorf("renew stopped: %s", e ? "see the messages above" : "out of memory");
        goto cleanup;
    }
    /* Records of other tokens are left out of the report. */
    for (size_t i = 0; i < n; i++) {
        if (!e[i].selected) {
            free(rep->items[i].path);
            free(rep->items[i].name);
            json_decref(rep->items[i].domains);
            json_decref(rep->items[i].files);
            continue;
        }
        rep->items[kept++] = rep->items[i];
        rep->renewed += rep->items[i].outcome == RENEW_RENEWED;
        rep->failed += rep->items[i].outcome == RENEW_FAILED;
    }
    rep->n = kept;
    ret = rep->failed ? EXIT_FAIL : EXIT_OK;
cleanup:
    for (size_t i = 0; i < n; i++) {
        if (e) {
            renew_record_free(&e[i].r);
            free(e[i].seen);
        }
        free(paths[i]);
    }
    free(e);
    free(paths);
    free(dir);
    return ret;
}

int renew_run_hook(const struct renew_options *o, struct renew_report *rep)
{
    if (!rep->renewed || !o->deploy_hook || o->dry_run)
        return EXIT_OK;
    return renew_deploy_hook(o->deploy_hook, rep) < 0 ? EXIT_FAIL : EXIT_OK;
}

void renew_report_free(struct renew_report *rep)
{
    for (size_t i = 0; i < rep->n; i++) {
        struct renew_item *it = &rep->items[i];

        free(it->path);
        free(it->name);
        free(it->why);
        free(it->note);
        free(it->key);
        json_decref(it->domains);
        json_decref(it->files);
        json_decref(it->certificate);
    }
    free(rep->items);
    memset(rep, 0, sizeof(*rep));
}
