/* Which user must reach the token, and how: the module runs inside the
 * server's worker processes, as the worker user, and opens whatever it
 * needs there. Workers that cannot see SoftHSM's token files find an empty
 * token ("Object handle invalid"), so for SoftHSM the step is concrete:
 * its token directory, readable by that user. */
#include "workflow/server-config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/readfile.h"

#define SOFTHSM_DEFAULT_CONF "/etc/softhsm/softhsm2.conf"

/* SoftHSM's directories.tokendir from its configuration file, into dir. */
static int softhsm_token_dir(const char *conf, char *dir, size_t len)
{
    struct file_data file = {0};
    char why[256];
    int ret = -1;

    if (file_read_all(conf, 1 << 20, &file, why, sizeof(why)) < 0)
        return -1;
    for (char *save = NULL, *line = strtok_r((char *)file.data, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '='), *value, *end;

        while (*line == ' ' || *line == '\t')
            line++;
        if (!eq || strncmp(line, "directories.tokendir", 20) != 0)
            continue;
        for (value = eq + 1; *value == ' ' || *value == '\t'; value++)
            ;
        for (end = value + strlen(value);
             end > value && (end[-1] == ' ' || end[-1] == '\r' || end[-1] == '\t');)
            *--end = '\0';
        if (*value)
            ret = snprintf(dir, len, "%s", value) < (int)len ? 0 : -1;
    }
    file_data_free(&file);
    return ret;
}

static void add_line(json_t *access, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add_line(json_t *access, const char *fmt, ...)
{
    char line[3 * PATH_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    json_array_append_new(access, json_string(line));
}

void server_access_steps(const struct server_setup *s, json_t *access)
{
    const char *conf = getenv("SOFTHSM2_CONF");
    char dir[PATH_MAX];

    add_line(access,
             "# %s's workers run as %s, and the module %s runs inside them: whatever it needs "
             "(its configuration, token files, a device, a daemon's socket) must be open to %s",
             s->name, s->user, s->module, s->user);
    if (s->profile.worker_access != PROFILE_ACCESS_SOFTHSM)
        return;
    if (!conf || !*conf)
        conf = SOFTHSM_DEFAULT_CONF;
    if (softhsm_token_dir(conf, dir, sizeof(dir)) < 0) {
        add_line(access, "# SoftHSM: make the directories.tokendir of %s readable by %s", conf,
                 s->user);
        return;
    }
    add_line(access,
             "# SoftHSM keeps the token in files under %s: readable by %s, and every directory "
             "above it searchable",
             dir, s->user);
    add_line(access, "chgrp -R %s %s && chmod -R g+rX %s", s->group, dir, dir);
    add_line(access, "chgrp %s %s && chmod g+r %s", s->group, conf, conf);
}
