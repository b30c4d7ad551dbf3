/* The progress line: counting, pacing and wording here; drawing and
 * clearing it is util/msg's, the one writer of stderr. */
#include "util/progress.h"

#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "util/msg.h"

#define REDRAW_NS 100000000L /* a tenth of a second */

void progress_start(struct progress *p, const char *unit, size_t total, int wanted)
{
    memset(p, 0, sizeof(*p));
    p->unit = unit;
    p->total = total;
    p->on = wanted && msg_progress_possible();
    if (p->on)
        progress_show(p, 0, 0);
}

void progress_start_lines(struct progress *p, const char *unit, FILE *in, int wanted)
{
    int on = wanted && msg_progress_possible();

    progress_start(p, unit, on ? progress_count_lines(in) : 0, on);
}

static int due(struct progress *p, size_t done)
{
    struct timespec now;
    long ns;

    clock_gettime(CLOCK_MONOTONIC, &now);
    ns = (long)(now.tv_sec - p->last.tv_sec) * 1000000000L + (now.tv_nsec - p->last.tv_nsec);
    if (done != 0 && done != p->total && (p->last.tv_sec || p->last.tv_nsec) && ns < REDRAW_NS)
        return 0;
    p->last = now;
    return 1;
}

void progress_show(struct progress *p, size_t done, size_t failed)
{
    char line[128], fails[48] = "";

    if (!p->on || !due(p, done))
        return;
    if (failed)
        snprintf(fails, sizeof(fails), ", %zu failed", failed);
    if (p->total)
        snprintf(line, sizeof(line), "%zu of %zu %s%s", done, p->total, p->unit, fails);
    else
        snprintf(line, sizeof(line), "%zu %s%s", done, p->unit, fails);
    msg_progress(line);
}

void progress_end(struct progress *p)
{
    if (p->on)
        msg_progress(NULL);
    p->on = 0;
}

size_t progress_count_lines(FILE *in)
{
    struct stat st;
    off_t start;
    size_t n = 0;
    int c, filled = 0;

    if (fstat(fileno(in), &st) != 0 || !S_ISREG(st.st_mode) || (start = ftello(in)) < 0)
        return 0;
    while ((c = getc(in)) != EOF) {
        if (c == '\n') {
            n += filled;
            filled = 0;
        } else if (!strchr(" \t\r", c)) {
            filled = 1;
        }
    }
    n += filled;
    clearerr(in);
    if (fseeko(in, start, SEEK_SET) != 0)
        return 0;
    return n;
}
