/* Unit tests of the command-line frame (commands/cli.c, commands/help.c):
 * cli_parse on a fake command's option table (options and arguments in any
 * order, --opt=value and --opt value, a missing argument, unknown options,
 * too few or too many arguments, "--", --help and --version, the global
 * options after the command, --pin-source, a take function that refuses a
 * value), cli_parse_uint, cli_parse_secret_source and cli_parse_globals.
 * Each error is checked as the one line the operator sees on stderr. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "commands/cli.h"
#include "util/msg.h"

#include "capture.h"

/* ---- a fake command ------------------------------------------------------ */

enum {
    FAKE_OUT = 1,
    FAKE_FORCE,
    FAKE_LEVEL,
};

static const struct cli_option fake_options[] = {
    {FAKE_OUT, "out", "FILE", "write the result to FILE instead of stdout"},
    {FAKE_FORCE, "force", NULL, "overwrite FILE when it exists"},
    {FAKE_LEVEL, "level", "N", "how hard to try, from 1 to 9"},
    {0, NULL, NULL, NULL},
};

static const struct cli_spec fake_spec = {
    "[options] INPUT [OUTPUT]",
    "Does nothing: a command for the tests of the option parser.",
    fake_options,
    1,
    2,
};

/* No options of its own, any number of arguments. */
static const struct cli_spec bare_spec = {"[FILE...]", "Takes files.", NULL, 0, -1};

static const struct command fake_command = {"fake", NULL, "a command for tests", NEEDS_NO_TOKEN};

static const struct command commands[] = {
    {"list", NULL, "list the objects on a token", NEEDS_TOKEN},
    {"csr", NULL, "make a certificate request", NEEDS_TOKEN | NEEDS_LOGIN},
    {NULL, NULL, NULL, 0},
};

/* What the take functions were handed, in order. */
struct taken {
    int n;
    int ids[16];
    const char *args[16];
    const char *out;
    int force;
    unsigned long level;
};

static void record(struct taken *t, int id, const char *arg)
{
    assert_true(t->n < 16);
    t->ids[t->n] = id;
    t->args[t->n] = arg;
    t->n++;
}

static int take(void *opts, int id, const char *arg)
{
    struct taken *t = opts;

    record(t, id, arg);
    switch (id) {
    case FAKE_OUT:
        t->out = arg;
        return 0;
    case FAKE_FORCE:
        assert_null(arg);
        t->force++;
        return 0;
    case FAKE_LEVEL:
        return cli_parse_uint("--level", arg, 9, &t->level);
    default:
        fail_msg("take: unexpected option id %d", id);
        return -1;
    }
}

/* The same, but --out refuses "/" as a command would a value it cannot use. */
static int take_refusing(void *opts, int id, const char *arg)
{
    if (id == FAKE_OUT && strcmp(arg, "/") == 0) {
        record(opts, id, arg);
        cli_usage_error("--out \"%s\" is a directory", arg);
        return -1;
    }
    return take(opts, id, arg);
}

/* ---- running the parser -------------------------------------------------- */

/* One call of the parser, and everything it left behind. */
struct run {
    int ret, status;
    struct cli cli;
    struct taken taken;
    struct cli_args args;
    char *argv[32];
    int argc;
    char err[4096], out[16384];
};

/* A struct cli as main hands it to the command "fake". */
static void fresh_cli(struct cli *cli)
{
    memset(cli, 0, sizeof(*cli));
    cli->command = &fake_command;
    msg_setup(fake_command.name, MSG_NORMAL);
}

static void set_argv(struct run *r, const char *const *words)
{
    r->argc = 0;
    for (; *words; words++) {
        assert_true(r->argc < 31);
        r->argv[r->argc++] = (char *)*words;
    }
    r->argv[r->argc] = NULL;
}

/* cli_parse of words (NULL-terminated, words[0] the command's name). */
static void parse_with(struct run *r, const struct cli_spec *spec, cli_take_fn fn,
                       const char *const *words)
{
    struct capture cap;
    struct capture ocap;

    memset(r, 0, sizeof(*r));
    fresh_cli(&r->cli);
    set_argv(r, words);
    r->status = 12345;
    r->args.n = -1;
    capture_start(&cap);
    capture_stream_start(&ocap, stdout, STDOUT_FILENO);
    r->ret = cli_parse(&r->cli, spec, r->argc, r->argv, fn, &r->taken, &r->args, &r->status);
    capture_end(&ocap, r->out, sizeof(r->out));
    capture_end(&cap, r->err, sizeof(r->err));
    /* Whatever -q or -v did, the next test starts from the normal level. */
    msg_setup(fake_command.name, MSG_NORMAL);
}

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

static void parse(struct run *r, const char *const *words)
{
    parse_with(r, &fake_spec, take, words);
}

/* Accepted: 0, nothing printed, the positional arguments as listed
 * (NULL-terminated). */
static void assert_goes_on(const struct run *r, const char *const *args)
{
    int n = 0;

    if (r->ret != 0)
        fail_msg("refused (status %d): %s", r->status, r->err);
    assert_string_equal(r->err, "");
    assert_string_equal(r->out, "");
    for (; args[n]; n++) {
        assert_true(n < r->args.n);
        assert_string_equal(r->args.v[n], args[n]);
    }
    assert_int_equal(r->args.n, n);
}

/* A usage error: -1, EXIT_USAGE, exactly this one line on stderr (after
 * "p11cert: fake: "), nothing on stdout. */
static void assert_usage_error(const struct run *r, const char *line)
{
    char expected[1024];

    assert_int_equal(r->ret, -1);
    assert_int_equal(r->status, EXIT_USAGE);
    snprintf(expected, sizeof(expected), "p11cert: fake: %s\n", line);
    assert_string_equal(r->err, expected);
    assert_string_equal(r->out, "");
}

/* ---- cli_parse ----------------------------------------------------------- */

static void test_options_and_args_any_order(void **state)
{
    struct run r;

    (void)state;
    parse(&r, ARGV("fake", "in.pem", "--out", "o.pem", "--force", "out.pem"));
    assert_goes_on(&r, ARGV("in.pem", "out.pem"));
    assert_int_equal(r.taken.n, 2);
    assert_int_equal(r.taken.ids[0], FAKE_OUT);
    assert_string_equal(r.taken.args[0], "o.pem");
    assert_int_equal(r.taken.ids[1], FAKE_FORCE);
    assert_null(r.taken.args[1]);
    assert_string_equal(r.taken.out, "o.pem");
    assert_int_equal(r.taken.force, 1);

    parse(&r, ARGV("fake", "--force", "--level", "7", "in.pem"));
    assert_goes_on(&r, ARGV("in.pem"));
    assert_int_equal(r.taken.force, 1);
    assert_int_equal(r.taken.level, 7);
    assert_null(r.taken.out);

    parse(&r, ARGV("fake", "in.pem", "out.pem", "--out", "o.pem"));
    assert_goes_on(&r, ARGV("in.pem", "out.pem"));
    assert_string_equal(r.taken.out, "o.pem");
    assert_int_equal(r.taken.force, 0);

    /* "-" is an argument (stdin), not an option. */
    parse(&r, ARGV("fake", "-", "--force", "-"));
    assert_goes_on(&r, ARGV("-", "-"));
    assert_int_equal(r.taken.force, 1);

    /* The same option twice reaches take twice, in order. */
    parse(&r, ARGV("fake", "--out", "a", "in", "--out", "b"));
    assert_goes_on(&r, ARGV("in"));
    assert_int_equal(r.taken.n, 2);
    assert_string_equal(r.taken.args[0], "a");
    assert_string_equal(r.taken.args[1], "b");
    assert_string_equal(r.taken.out, "b");
}

static void test_option_value_forms(void **state)
{
    struct run r;

    (void)state;
    parse(&r, ARGV("fake", "--out=o.pem", "in"));
    assert_goes_on(&r, ARGV("in"));
    assert_string_equal(r.taken.out, "o.pem");

    parse(&r, ARGV("fake", "--out", "o.pem", "in"));
    assert_goes_on(&r, ARGV("in"));
    assert_string_equal(r.taken.out, "o.pem");

    /* Everything after the first '=' is the value, even nothing. */
    parse(&r, ARGV("fake", "in", "--out=a=b"));
    assert_goes_on(&r, ARGV("in"));
    assert_string_equal(r.taken.out, "a=b");
    parse(&r, ARGV("fake", "in", "--out="));
    assert_goes_on(&r, ARGV("in"));
    assert_string_equal(r.taken.out, "");

    /* The same for the global options. */
    parse(&r, ARGV("fake", "--module=/lib/one.so", "in"));
    assert_goes_on(&r, ARGV("in"));
    assert_string_equal(r.cli.token.module, "/lib/one.so");
    parse(&r, ARGV("fake", "--module", "/lib/two.so", "in"));
    assert_goes_on(&r, ARGV("in"));
    assert_string_equal(r.cli.token.module, "/lib/two.so");
}

static void test_missing_option_argument(void **state)
{
    struct run r;

    (void)state;
    parse(&r, ARGV("fake", "in", "--out"));
    assert_usage_error(&r, "--out needs an argument; see --help");
    assert_int_equal(r.taken.n, 0);

    parse(&r, ARGV("fake", "in", "--level"));
    assert_usage_error(&r, "--level needs an argument; see --help");

    parse(&r, ARGV("fake", "in", "--module"));
    assert_usage_error(&r, "--module needs an argument; see --help");
    assert_null(r.cli.token.module);

    parse(&r, ARGV("fake", "in", "--pin-source"));
    assert_usage_error(&r, "--pin-source needs an argument; see --help");
    assert_int_equal(r.cli.token.pin_source.kind, SECRET_SOURCE_NONE);
}

static void test_unknown_option(void **state)
{
    struct run r;

    (void)state;
    parse(&r, ARGV("fake", "--bogus", "in"));
    assert_usage_error(&r, "unknown or ambiguous option \"--bogus\"; see --help");
    assert_int_equal(r.taken.n, 0);

    parse(&r, ARGV("fake", "in", "-x"));
    assert_usage_error(&r, "unknown option -x; see --help");

    /* In a cluster of short options: the unknown letter is named. */
    parse(&r, ARGV("fake", "in", "-qz"));
    assert_usage_error(&r, "unknown option -z; see --help");

    /* An abbreviation that fits two options (--module, --module-init-args). */
    parse(&r, ARGV("fake", "in", "--mod", "x"));
    assert_usage_error(&r, "unknown or ambiguous option \"--mod\"; see --help");

    /* A flag given a value. */
    parse(&r, ARGV("fake", "in", "--force=yes"));
    assert_usage_error(&r, "unknown or ambiguous option \"--force=yes\"; see --help");
    assert_int_equal(r.taken.force, 0);

    /* Another command's option is unknown here. */
    parse_with(&r, &bare_spec, NULL, ARGV("fake", "a", "--out", "x"));
    assert_usage_error(&r, "unknown or ambiguous option \"--out\"; see --help");
}

static void test_argument_count(void **state)
{
    struct run r;

    (void)state;
    parse(&r, ARGV("fake"));
    assert_usage_error(&r, "missing argument: usage: p11cert fake [options] INPUT [OUTPUT]");

    parse(&r, ARGV("fake", "--force", "--out", "o"));
    assert_usage_error(&r, "missing argument: usage: p11cert fake [options] INPUT [OUTPUT]");

    parse(&r, ARGV("fake", "a", "b", "c"));
    assert_usage_error(&r, "unexpected argument \"c\"; see --help");

    /* The first one too many is named, wherever the options stood. */
    parse(&r, ARGV("fake", "a", "--force", "b", "c", "d"));
    assert_usage_error(&r, "unexpected argument \"c\"; see --help");

    parse(&r, ARGV("fake", "a", "b"));
    assert_goes_on(&r, ARGV("a", "b"));
    parse(&r, ARGV("fake", "a"));
    assert_goes_on(&r, ARGV("a"));

    /* No limit, none needed, no take function. */
    parse_with(&r, &bare_spec, NULL, ARGV("fake"));
    assert_goes_on(&r, ARGV(NULL));
    parse_with(&r, &bare_spec, NULL, ARGV("fake", "1", "2", "3", "4", "5", "6", "7", "8"));
    assert_goes_on(&r, ARGV("1", "2", "3", "4", "5", "6", "7", "8"));
}

static void test_double_dash(void **state)
{
    struct run r;

    (void)state;
    parse(&r, ARGV("fake", "--force", "--", "--out", "-x"));
    assert_goes_on(&r, ARGV("--out", "-x"));
    assert_int_equal(r.taken.force, 1);
    assert_null(r.taken.out);
    assert_int_equal(r.taken.n, 1);

    /* Not even --help or a global option after it. */
    parse(&r, ARGV("fake", "--", "--help", "--json"));
    assert_goes_on(&r, ARGV("--help", "--json"));
    assert_int_equal(r.cli.json, 0);

    /* And the count still applies. */
    parse(&r, ARGV("fake", "--"));
    assert_usage_error(&r, "missing argument: usage: p11cert fake [options] INPUT [OUTPUT]");
}

/* The line print_options makes for an option. */
static void option_line(char *line, size_t len, const char *left, const char *help)
{
    snprintf(line, len, "\n  %-22s  %s\n", left, help);
}

static void test_help(void **state)
{
    struct run r;
    char line[256];
    const char *p, *end;

    (void)state;
    parse(&r, ARGV("fake", "--help"));
    assert_int_equal(r.ret, -1);
    assert_int_equal(r.status, EXIT_OK);
    assert_string_equal(r.err, "");
    assert_int_equal(strncmp(r.out,
                             "usage: p11cert fake [options] INPUT [OUTPUT]\n\n"
                             "Does nothing: a command for the tests of the option parser.\n\n"
                             "options:\n",
                             strlen("usage: p11cert fake [options] INPUT [OUTPUT]\n\n"
                                    "Does nothing: a command for the tests of the option "
                                    "parser.\n\noptions:\n")),
                     0);
    option_line(line, sizeof(line), "--out FILE", "write the result to FILE instead of stdout");
    if (!strstr(r.out, line))
        fail_msg("no \"%s\" in:\n%s", line, r.out);
    option_line(line, sizeof(line), "--force", "overwrite FILE when it exists");
    if (!strstr(r.out, line))
        fail_msg("no \"%s\" in:\n%s", line, r.out);
    option_line(line, sizeof(line), "--level N", "how hard to try, from 1 to 9");
    if (!strstr(r.out, line))
        fail_msg("no \"%s\" in:\n%s", line, r.out);
    /* The command's options, then the global ones, then the statuses. */
    p = strstr(r.out, "\nglobal options:\n");
    assert_non_null(p);
    assert_true(p > strstr(r.out, "--level N"));
    assert_non_null(strstr(p, "\n  --pin-source SRC        where the user PIN comes from: "));
    assert_non_null(strstr(p, "\n  --json                  one JSON document on stdout"));
    assert_non_null(strstr(p, "\nexit status: 0 success, 1 the operation or a check failed, 2 "
                              "usage error"));
    /* The options' help wrapped at 80 columns. */
    p = strstr(r.out, "\noptions:\n");
    end = strstr(r.out, "\nexit status:");
    assert_non_null(p);
    assert_non_null(end);
    for (const char *s = p; s < end;) {
        size_t len = strcspn(s, "\n");

        if (len > 79)
            fail_msg("help line of %zu columns: %.*s", len, (int)len, s);
        s += len + (s[len] == '\n');
    }
    /* Nothing taken: --help stops the parse. */
    assert_int_equal(r.taken.n, 0);

    /* -h, and --help wins over the arguments' count and a later error. */
    parse(&r, ARGV("fake", "-h"));
    assert_int_equal(r.ret, -1);
    assert_int_equal(r.status, EXIT_OK);
    assert_int_equal(strncmp(r.out, "usage: p11cert fake ", 20), 0);
    parse(&r, ARGV("fake", "a", "b", "c", "--help", "--bogus"));
    assert_int_equal(r.ret, -1);
    assert_int_equal(r.status, EXIT_OK);
    assert_string_equal(r.err, "");
    assert_int_equal(strncmp(r.out, "usage: p11cert fake ", 20), 0);
    /* An error before it is an error. */
    parse(&r, ARGV("fake", "--bogus", "--help"));
    assert_usage_error(&r, "unknown or ambiguous option \"--bogus\"; see --help");

    /* A command without options of its own still lists the global ones. */
    parse_with(&r, &bare_spec, NULL, ARGV("fake", "--help"));
    assert_int_equal(r.status, EXIT_OK);
    assert_int_equal(strncmp(r.out,
                             "usage: p11cert fake [FILE...]\n\nTakes files.\n\noptions:\n"
                             "\nglobal options:\n",
                             strlen("usage: p11cert fake [FILE...]\n\nTakes files.\n\n"
                                    "options:\n\nglobal options:\n")),
                     0);
}

/* "p11cert N.N.N\n", then a line per library it runs with. */
static void assert_version(const char *out)
{
    static const char *libraries[] = {"\nOpenSSL ", "\np11-kit ", "\nlibp11 ",       "\nldns ",
                                      "\nlibcurl ", "\njansson ", "\nlibmicrohttpd "};
    const char *v = out + strlen("p11cert ");

    assert_int_equal(strncmp(out, "p11cert ", 8), 0);
    assert_true(*v >= '0' && *v <= '9');
    assert_int_equal(v[strspn(v, "0123456789.")], '\n');
    for (size_t i = 0; i < sizeof(libraries) / sizeof(libraries[0]); i++)
        assert_non_null(strstr(out, libraries[i]));
    assert_string_equal(out + strlen(out) - 1, "\n");
}

static void test_version(void **state)
{
    struct run r;

    (void)state;
    parse(&r, ARGV("fake", "in", "--version"));
    assert_int_equal(r.ret, -1);
    assert_int_equal(r.status, EXIT_OK);
    assert_string_equal(r.err, "");
    assert_version(r.out);
}

static void test_global_options_after_command(void **state)
{
    struct run r;

    (void)state;
    setenv("P11CERT_TEST_PIN", "987654", 1);
    parse(&r, ARGV("fake", "in", "--json", "-q", "--module", "/lib/softhsm2.so", "--force",
                   "--pin-source", "env:P11CERT_TEST_PIN", "--module-init-args",
                   "configdir='sql:/db'", "--profile", "softhsm", "out"));
    assert_goes_on(&r, ARGV("in", "out"));
    assert_int_equal(r.cli.json, 1);
    assert_int_equal(r.cli.level, MSG_QUIET);
    assert_string_equal(r.cli.token.module, "/lib/softhsm2.so");
    assert_string_equal(r.cli.token.init_args, "configdir='sql:/db'");
    assert_string_equal(r.cli.token.profile, "softhsm");
    assert_int_equal(r.cli.token.pin_source.kind, SECRET_SOURCE_ENV);
    assert_string_equal(r.cli.token.pin_source.path, "P11CERT_TEST_PIN");
    /* Where the PIN is, not the PIN: it is read at login, not here. */
    assert_null(memmem(&r.cli, sizeof(r.cli), "987654", 6));
    unsetenv("P11CERT_TEST_PIN");
    /* Global options are not the command's. */
    assert_int_equal(r.taken.n, 1);
    assert_int_equal(r.taken.ids[0], FAKE_FORCE);
    assert_ptr_equal(r.cli.command, &fake_command);

    parse(&r, ARGV("fake", "-v", "in"));
    assert_goes_on(&r, ARGV("in"));
    assert_int_equal(r.cli.level, MSG_VERBOSE);
    assert_int_equal(r.cli.json, 0);
    assert_null(r.cli.token.module);
    assert_int_equal(r.cli.token.pin_source.kind, SECRET_SOURCE_NONE);

    /* The last of -q and -v counts. */
    parse(&r, ARGV("fake", "-q", "in", "--verbose"));
    assert_int_equal(r.cli.level, MSG_VERBOSE);
    parse(&r, ARGV("fake", "-v", "in", "--quiet"));
    assert_int_equal(r.cli.level, MSG_QUIET);
    parse(&r, ARGV("fake", "-vq", "in"));
    assert_int_equal(r.cli.level, MSG_QUIET);

    parse(&r, ARGV("fake", "in", "--profile="));
    assert_usage_error(&r, "--profile wants a profile name or file");
    assert_null(r.cli.token.profile);
}

/* -q reaches the message layer, with the command's name. */
static void test_quiet_reaches_messages(void **state)
{
    struct cli cli;
    struct cli_args args;
    struct capture cap;
    char *argv[] = {"fake", "-q", "in", NULL};
    char err[1024];
    int status, ret;

    (void)state;
    fresh_cli(&cli);
    capture_start(&cap);
    ret = cli_parse(&cli, &fake_spec, 3, argv, take, &(struct taken){0}, &args, &status);
    warnf("a warning");
    notef("a note");
    errorf("an error");
    capture_end(&cap, err, sizeof(err));
    msg_setup(fake_command.name, MSG_NORMAL);
    assert_int_equal(ret, 0);
    assert_string_equal(err, "p11cert: fake: an error\n");

    /* Without it, the warning shows. */
    capture_start(&cap);
    warnf("a warning");
    capture_end(&cap, err, sizeof(err));
    assert_string_equal(err, "p11cert: fake: warning: a warning\n");
}

static void test_pin_source(void **state)
{
    struct run r;

    (void)state;
    parse(&r, ARGV("fake", "in", "--pin-source", "file:/run/pin"));
    assert_goes_on(&r, ARGV("in"));
    assert_int_equal(r.cli.token.pin_source.kind, SECRET_SOURCE_FILE);
    assert_string_equal(r.cli.token.pin_source.path, "/run/pin");
    parse(&r, ARGV("fake", "in", "--pin-source=fd:3"));
    assert_goes_on(&r, ARGV("in"));
    assert_int_equal(r.cli.token.pin_source.kind, SECRET_SOURCE_FD);
    assert_int_equal(r.cli.token.pin_source.fd, 3);
    parse(&r, ARGV("fake", "in", "--pin-source", "prompt"));
    assert_goes_on(&r, ARGV("in"));
    assert_int_equal(r.cli.token.pin_source.kind, SECRET_SOURCE_PROMPT);

    /* An unknown kind is named, what follows it is never echoed. */
    parse(&r, ARGV("fake", "in", "--pin-source", "nonsense:s3cret"));
    assert_usage_error(&r, "bad --pin-source: unknown source type \"nonsense:\" (use prompt, "
                           "file:PATH, env:NAME or fd:N)");
    assert_int_equal(r.cli.token.pin_source.kind, SECRET_SOURCE_NONE);

    /* A PIN where its source belongs: refused, never shown, never kept. */
    parse(&r, ARGV("fake", "in", "--pin-source", "123456"));
    assert_usage_error(&r, "bad --pin-source: not a source (use prompt, file:PATH, env:NAME or "
                           "fd:N)");
    assert_null(memmem(&r.cli, sizeof(r.cli), "123456", 6));
    parse(&r, ARGV("fake", "in", "--pin-source", "env:123456"));
    assert_usage_error(&r, "bad --pin-source: env: takes a variable name (letters, digits and _)");
    assert_null(memmem(&r.cli, sizeof(r.cli), "123456", 6));
    parse(&r, ARGV("fake", "in", "--pin-source", "env:"));
    assert_usage_error(&r, "bad --pin-source: env: needs a name");
    parse(&r, ARGV("fake", "in", "--pin-source="));
    assert_usage_error(&r, "bad --pin-source: empty source (use prompt, file:PATH, env:NAME or "
                           "fd:N)");

    /* There is no --pin: whatever getopt makes of it, the value is no PIN. */
    parse(&r, ARGV("fake", "in", "--pin", "123456"));
    assert_int_equal(r.ret, -1);
    assert_int_equal(r.status, EXIT_USAGE);
    assert_null(strstr(r.err, "123456"));
    assert_int_equal(r.cli.token.pin_source.kind, SECRET_SOURCE_NONE);
}

static void test_take_refuses(void **state)
{
    struct run r;

    (void)state;
    parse_with(&r, &fake_spec, take_refusing, ARGV("fake", "in", "--out", "/", "--force"));
    assert_usage_error(&r, "--out \"/\" is a directory");
    /* The parse stopped there. */
    assert_int_equal(r.taken.n, 1);
    assert_int_equal(r.taken.force, 0);

    parse_with(&r, &fake_spec, take_refusing, ARGV("fake", "in", "--out", "o.pem"));
    assert_goes_on(&r, ARGV("in"));
    assert_string_equal(r.taken.out, "o.pem");

    /* A value checked with cli_parse_uint. */
    parse(&r, ARGV("fake", "in", "--level", "0"));
    assert_usage_error(&r, "--level wants a whole number from 1 to 9, not \"0\"");
    parse(&r, ARGV("fake", "in", "--level=10"));
    assert_usage_error(&r, "--level wants a whole number from 1 to 9, not \"10\"");
    parse(&r, ARGV("fake", "in", "--level", "-3"));
    assert_usage_error(&r, "--level wants a whole number from 1 to 9, not \"-3\"");
    parse(&r, ARGV("fake", "in", "--level", "9"));
    assert_goes_on(&r, ARGV("in"));
    assert_int_equal(r.taken.level, 9);
}

/* ---- cli_parse_uint, cli_parse_secret_source ----------------------------- */

/* Refused: -1, *out untouched, this line on stderr. */
static void uint_refused(const char *text, unsigned long max, const char *line)
{
    struct capture cap;
    char err[512], expected[512];
    unsigned long out = 77;
    int ret;

    capture_start(&cap);
    ret = cli_parse_uint("--count", text, max, &out);
    capture_end(&cap, err, sizeof(err));
    assert_int_equal(ret, -1);
    assert_int_equal(out, 77);
    snprintf(expected, sizeof(expected), "p11cert: fake: %s\n", line);
    assert_string_equal(err, expected);
}

static void uint_taken(const char *text, unsigned long max, unsigned long want)
{
    struct capture cap;
    char err[512];
    unsigned long out = 77;
    int ret;

    capture_start(&cap);
    ret = cli_parse_uint("--count", text, max, &out);
    capture_end(&cap, err, sizeof(err));
    if (ret != 0)
        fail_msg("\"%s\" refused: %s", text, err);
    assert_string_equal(err, "");
    assert_int_equal(out, want);
}

static void test_parse_uint(void **state)
{
    (void)state;
    msg_setup(fake_command.name, MSG_NORMAL);
    uint_taken("1", 100, 1);
    uint_taken("42", 100, 42);
    uint_taken("100", 100, 100);
    uint_taken("007", 100, 7);
    uint_taken("4294967296", 1UL << 40, 4294967296UL);
    uint_refused("0", 100, "--count wants a whole number from 1 to 100, not \"0\"");
    uint_refused("101", 100, "--count wants a whole number from 1 to 100, not \"101\"");
    uint_refused("99999999999999999999999", 100,
                 "--count wants a whole number from 1 to 100, not \"99999999999999999999999\"");
    uint_refused("12x", 100, "--count wants a whole number from 1 to 100, not \"12x\"");
    uint_refused("1.5", 100, "--count wants a whole number from 1 to 100, not \"1.5\"");
    uint_refused("0x10", 100, "--count wants a whole number from 1 to 100, not \"0x10\"");
    uint_refused("-1", 100, "--count wants a whole number from 1 to 100, not \"-1\"");
    uint_refused("+1", 100, "--count wants a whole number from 1 to 100, not \"+1\"");
    uint_refused(" 5", 100, "--count wants a whole number from 1 to 100, not \" 5\"");
    uint_refused("", 100, "--count wants a whole number from 1 to 100, not \"\"");
    uint_refused(NULL, 100, "--count wants a whole number from 1 to 100, not \"\"");
}

static void test_parse_secret_source(void **state)
{
    struct secret_source src;
    struct capture cap;
    char err[512];
    int ret;

    (void)state;
    msg_setup(fake_command.name, MSG_NORMAL);
    assert_int_equal(cli_parse_secret_source("--password-source", "prompt", &src), 0);
    assert_int_equal(src.kind, SECRET_SOURCE_PROMPT);
    assert_int_equal(cli_parse_secret_source("--password-source", "env:PFX_PASS", &src), 0);
    assert_int_equal(src.kind, SECRET_SOURCE_ENV);
    assert_string_equal(src.path, "PFX_PASS");
    assert_int_equal(cli_parse_secret_source("--password-source", "file:/etc/pass", &src), 0);
    assert_int_equal(src.kind, SECRET_SOURCE_FILE);
    assert_string_equal(src.path, "/etc/pass");
    assert_int_equal(cli_parse_secret_source("--tsig-key", "fd:0", &src), 0);
    assert_int_equal(src.kind, SECRET_SOURCE_FD);
    assert_int_equal(src.fd, 0);

    /* The option's name leads the reason; a bare path is no source here. */
    capture_start(&cap);
    ret = cli_parse_secret_source("--password-source", "/etc/pass", &src);
    capture_end(&cap, err, sizeof(err));
    assert_int_equal(ret, -1);
    assert_string_equal(err, "p11cert: fake: bad --password-source: not a source (use prompt, "
                             "file:PATH, env:NAME or fd:N)\n");
    capture_start(&cap);
    ret = cli_parse_secret_source("--tsig-key", "fd:-1", &src);
    capture_end(&cap, err, sizeof(err));
    assert_int_equal(ret, -1);
    assert_string_equal(
        err, "p11cert: fake: bad --tsig-key: fd: needs a descriptor number (0 or more)\n");
    capture_start(&cap);
    ret = cli_parse_secret_source("--tsig-key", "file:", &src);
    capture_end(&cap, err, sizeof(err));
    assert_int_equal(ret, -1);
    assert_string_equal(err, "p11cert: fake: bad --tsig-key: file: needs a path\n");
}

/* ---- cli_parse_globals --------------------------------------------------- */

struct global_run {
    int ret, status;
    struct cli cli;
    char *argv[16];
    char err[2048], out[16384];
};

static void parse_globals(struct global_run *g, const char *const *words)
{
    struct capture cap;
    struct capture ocap;
    int argc = 0;

    memset(g, 0, sizeof(*g));
    for (; *words; words++)
        g->argv[argc++] = (char *)*words;
    /* As main calls it: no command chosen yet. */
    msg_setup(NULL, MSG_NORMAL);
    g->status = 12345;
    capture_start(&cap);
    capture_stream_start(&ocap, stdout, STDOUT_FILENO);
    g->ret = cli_parse_globals(&g->cli, commands, argc, g->argv, &g->status);
    capture_end(&ocap, g->out, sizeof(g->out));
    capture_end(&cap, g->err, sizeof(g->err));
    msg_setup(NULL, MSG_NORMAL);
}

static void assert_globals_error(const struct global_run *g, const char *line)
{
    char expected[512];

    assert_int_equal(g->ret, -1);
    assert_int_equal(g->status, EXIT_USAGE);
    snprintf(expected, sizeof(expected), "p11cert: %s\n", line);
    assert_string_equal(g->err, expected);
    assert_string_equal(g->out, "");
}

static void test_globals_command_index(void **state)
{
    struct global_run g;

    (void)state;
    parse_globals(&g, ARGV("p11cert", "--json", "-v", "list", "--out", "x"));
    assert_int_equal(g.ret, 3);
    assert_string_equal(g.argv[g.ret], "list");
    assert_string_equal(g.err, "");
    assert_int_equal(g.cli.json, 1);
    assert_int_equal(g.cli.level, MSG_VERBOSE);

    parse_globals(&g, ARGV("p11cert", "--module", "/lib/softhsm2.so", "--pin-source", "env:PIN_VAR",
                           "-q", "csr", "--json"));
    assert_int_equal(g.ret, 6);
    assert_string_equal(g.argv[g.ret], "csr");
    assert_string_equal(g.cli.token.module, "/lib/softhsm2.so");
    assert_int_equal(g.cli.token.pin_source.kind, SECRET_SOURCE_ENV);
    assert_string_equal(g.cli.token.pin_source.path, "PIN_VAR");
    assert_int_equal(g.cli.level, MSG_QUIET);
    /* What follows the command is the command's to parse. */
    assert_int_equal(g.cli.json, 0);

    parse_globals(&g, ARGV("p11cert", "list", "--help"));
    assert_int_equal(g.ret, 1);
    assert_string_equal(g.out, "");

    /* No command: the index is argc, main says what is missing. */
    parse_globals(&g, ARGV("p11cert", "--json"));
    assert_int_equal(g.ret, 2);
    parse_globals(&g, ARGV("p11cert"));
    assert_int_equal(g.ret, 1);
}

static void test_globals_help_and_version(void **state)
{
    static const char head[] = "usage: p11cert [global options] COMMAND [options] [arguments]\n";
    struct global_run g;

    (void)state;
    parse_globals(&g, ARGV("p11cert", "--help", "list"));
    assert_int_equal(g.ret, -1);
    assert_int_equal(g.status, EXIT_OK);
    assert_string_equal(g.err, "");
    assert_int_equal(strncmp(g.out, head, strlen(head)), 0);
    assert_non_null(strstr(g.out, "\ncommands:\n  list        list the objects on a token\n"
                                  "  csr         make a certificate request\n\n"));
    assert_non_null(strstr(g.out, "\nglobal options (before or after COMMAND):\n"));
    assert_non_null(strstr(g.out, "\n  --module PATH|NAME      PKCS#11 module: "));
    assert_non_null(strstr(g.out, "\n'p11cert COMMAND --help' describes a command.\n"));

    parse_globals(&g, ARGV("p11cert", "-h"));
    assert_int_equal(g.ret, -1);
    assert_int_equal(g.status, EXIT_OK);
    assert_int_equal(strncmp(g.out, head, strlen(head)), 0);

    parse_globals(&g, ARGV("p11cert", "--version"));
    assert_int_equal(g.ret, -1);
    assert_int_equal(g.status, EXIT_OK);
    assert_string_equal(g.err, "");
    assert_version(g.out);
}

static void test_globals_errors(void **state)
{
    struct global_run g;

    (void)state;
    parse_globals(&g, ARGV("p11cert", "--bogus", "list"));
    assert_globals_error(&g, "unknown or ambiguous option \"--bogus\"; see --help");
    parse_globals(&g, ARGV("p11cert", "-x", "list"));
    assert_globals_error(&g, "unknown option -x; see --help");
    /* A command's option before the command. */
    parse_globals(&g, ARGV("p11cert", "--out", "x", "list"));
    assert_globals_error(&g, "unknown or ambiguous option \"--out\"; see --help");
    parse_globals(&g, ARGV("p11cert", "--module"));
    assert_globals_error(&g, "--module needs an argument; see --help");
    parse_globals(&g, ARGV("p11cert", "--pin-source", "nonsense:x", "list"));
    assert_globals_error(&g, "bad --pin-source: unknown source type \"nonsense:\" (use prompt, "
                             "file:PATH, env:NAME or fd:N)");
    parse_globals(&g, ARGV("p11cert", "--profile=", "list"));
    assert_globals_error(&g, "--profile wants a profile name or file");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_and_args_any_order),
        cmocka_unit_test(test_option_value_forms),
        cmocka_unit_test(test_missing_option_argument),
        cmocka_unit_test(test_unknown_option),
        cmocka_unit_test(test_argument_count),
        cmocka_unit_test(test_double_dash),
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_global_options_after_command),
        cmocka_unit_test(test_quiet_reaches_messages),
        cmocka_unit_test(test_pin_source),
        cmocka_unit_test(test_take_refuses),
        cmocka_unit_test(test_parse_uint),
        cmocka_unit_test(test_parse_secret_source),
        cmocka_unit_test(test_globals_command_index),
        cmocka_unit_test(test_globals_help_and_version),
        cmocka_unit_test(test_globals_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
