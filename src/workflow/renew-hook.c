/* The deploy hook: once after a run that renewed anything, so that the
 * servers take the new certificates (a reload), however many there were. */
#include "workflow/renew-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/msg.h"

/* The strings of list (or one string) appended to *text, space-separated. */
static int append(char **text, size_t *len, json_t *list, const char *one)
{
    size_t i, n = one ? 1 : json_array_size(list);

    for (i = 0; i < n; i++) {
        const char *s = one ? one : json_string_value(json_array_get(list, i));
        size_t add = s ? strlen(s) : 0;
        char *grown;

        if (!s)
            continue;
        if (!(grown = realloc(*text, *len + add + 2)))
            return -1;
        *text = grown;
        if (*len)
            (*text)[(*len)++] = ' ';
        memcpy(*text + *len, s, add);
        *len += add;
        (*text)[*len] = '\0';
    }
    return 0;
}

int renew_deploy_hook(const char *cmd, struct renew_report *rep)
{
    char *domains = NULL, *files = NULL, *records = NULL;
    size_t dl = 0, fl = 0, rl = 0;
    int status = 0, ret = -1;
    pid_t pid;

    for (size_t i = 0; i < rep->n; i++) {
        struct renew_item *it = &rep->items[i];

        if (it->outcome != RENEW_RENEWED)
            continue;
        if (append(&domains, &dl, it->domains, NULL) < 0 ||
            append(&files, &fl, it->files, NULL) < 0 || append(&records, &rl, NULL, it->path) < 0) {
            errorf("cannot run the deploy hook: out of memory");
            goto cleanup;
        }
    }
    fflush(stdout);
    if ((pid = fork()) < 0) {
        errorf("cannot run the deploy hook: fork: %s", strerror(errno));
        goto cleanup;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY);

        if (null >= 0)
            dup2(null, 0);
        dup2(2, 1);
        setenv("P11CERT_RENEWED_DOMAINS", domains ? domains : "", 1);
        setenv("P11CERT_RENEWED_FILES", files ? files : "", 1);
        setenv("P11CERT_RENEWED_RECORDS", records ? records : "", 1);
        signal(SIGPIPE, SIG_DFL);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            errorf("cannot wait for the deploy hook: %s", strerror(errno));
            goto cleanup;
        }
    rep->hook_run = 1;
    rep->hook_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (rep->hook_status != 0) {
        if (WIFEXITED(status))
            errorf("the deploy hook failed: it exited with status %d", rep->hook_status);
        else
            errorf("the deploy hook failed: it was killed by signal %d", WTERMSIG(status));
        hintf("the certificates were renewed: run the hook's command again by hand");
        goto cleanup;
    }
    ret = 0;
cleanup:
    free(domains);
    free(files);
    free(records);
    return ret;
}
