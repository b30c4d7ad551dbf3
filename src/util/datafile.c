/* Finding the data files that ship with p11cert: installed, or beside the
 * build directory when run from the source tree. */
#include "util/datafile.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *datafile_path(const char *installed, const char *relative)
{
    char exe[4096], *path = NULL;
    ssize_t len;

    if (access(installed, F_OK) == 0)
        return strdup(installed);
    len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len > 0) {
        exe[len] = '\0';
        if (asprintf(&path, "%s/%s", dirname(dirname(exe)), relative) < 0)
            path = NULL;
        if (path && access(path, F_OK) == 0)
            return path;
        free(path);
    }
    return strdup(installed);
}
