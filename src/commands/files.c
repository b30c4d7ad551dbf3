/* Options that name files: "-" for standard output, and outputs that would
 * replace each other or an input, however the paths are spelled. */
#include "commands/cli.h"

#include <stdlib.h>
#include <string.h>

#include "util/outfile.h"

int cli_parse_output(const char *option, const char *arg, int to_stdout, const char **path)
{
    int dash = strcmp(arg, "-") == 0;

    if (!*arg || (dash && !to_stdout)) {
        cli_usage_error("%s wants a file name%s", option,
                        to_stdout ? " (or - for standard output)" : "");
        return -1;
    }
    *path = dash ? NULL : arg;
    return 0;
}

int cli_check_files(const struct cli_file *outs, size_t n_outs, const struct cli_file *ins,
                    size_t n_ins)
{
    for (size_t i = 0; i < n_outs; i++) {
        if (!outs[i].path)
            continue;
        for (size_t k = i + 1; k < n_outs; k++) {
            if (outs[k].path && outfile_same_file(outs[i].path, outs[k].path)) {
                cli_usage_error("%s and %s name the same file", outs[i].option, outs[k].option);
                return -1;
            }
        }
        for (size_t k = 0; k < n_ins; k++) {
            if (ins[k].path && outfile_same_file(outs[i].path, ins[k].path)) {
                cli_usage_error("%s names an input (%s \"%s\"): it would be replaced while it "
                                "is read",
                                outs[i].option, ins[k].option, ins[k].path);
                return -1;
            }
        }
    }
    return 0;
}

int cli_check_outputs(const struct cli_file *outs, size_t n_outs, const struct cli_args *files,
                      const struct cli_file *extra, size_t n_extra)
{
    size_t n = (size_t)files->n + n_extra;
    struct cli_file *ins = calloc(n ? n : 1, sizeof(*ins));
    int ret;

    if (!ins) {
        errorf("out of memory");
        return -1;
    }
    for (int i = 0; i < files->n; i++)
        ins[i] = (struct cli_file){"FILE", files->v[i]};
    for (size_t i = 0; i < n_extra; i++)
        ins[(size_t)files->n + i] = extra[i];
    ret = cli_check_files(outs, n_outs, ins, n);
    free(ins);
    return ret;
}
