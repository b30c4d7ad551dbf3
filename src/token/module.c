/* Loading, initializing and finalizing PKCS#11 modules through p11-kit, and
 * parsing the RFC 7512 URI that says which module and token to use. */
#include "token/token.h"

#include <stdlib.h>
#include <string.h>

#include "util/msg.h"
#include "token/profile.h"

static int is_path(const char *module)
{
    return strchr(module, '/') != NULL || strstr(module, ".so") != NULL;
}

/* Calls C_Initialize ourselves (modules are loaded unmanaged) so that the
 * call count is ours alone and initialization arguments stay in our hands.
 * pReserved is non-standard but some modules need it (NSS softokn takes its
 * database there): --module-init-args, else the module's x-init-reserved in
 * p11-kit's registry — p11-kit applies that only to modules it initializes
 * itself (managed), so an unmanaged load must pass it on here. Returns the
 * module's answer; reports nothing. */
static CK_RV module_initialize(struct token_module *m, const char *init_args, int *had_args)
{
    CK_C_INITIALIZE_ARGS args;
    char *registered = NULL;
    CK_RV rv;

    memset(&args, 0, sizeof(args));
    args.flags = CKF_OS_LOCKING_OK;
    if (!init_args)
        init_args = registered = p11_kit_config_option(m->fn, "x-init-reserved");
    args.pReserved = (void *)init_args;
    *had_args = init_args != NULL;
    if (init_args)
        debugf("%s: C_Initialize with reserved arguments \"%s\"", m->name, init_args);
    rv = m->fn->C_Initialize(&args);
    free(registered);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED)
        return rv;
    m->initialized = rv == CKR_OK;
    m->usable = 1;
    return CKR_OK;
}

/* The operator's module failed to initialize: why, and what the token
 * profile for it (or p11cert) knows about that answer. */
static void report_initialize(const struct token_config *config, const struct token_module *m,
                              CK_RV rv, int had_args)
{
    struct token_profile profile;

    errorf("cannot initialize PKCS#11 module %s: %s", m->name, token_rv_name(rv));
    if (token_profile_for_module(config, m->name, &profile) == 0 &&
        token_profile_hintf(&profile, rv))
        return;
    if (rv == CKR_ARGUMENTS_BAD && !had_args)
        hintf("this module may need initialization arguments: --module-init-args "
              "(NSS softokn: \"configdir='sql:DIR' certPrefix='' keyPrefix='' "
              "secmod='secmod.db' flags=\")");
}

/* Initializes every loaded module. With one the operator asked for, its
 * failure is the operation's, with everything the module says itself.
 * Among all the registered modules (none asked for), one that cannot
 * initialize is skipped: its own complaints on stderr are silenced (a
 * tpm2-pkcs11 without a TPM prints a dozen TCTI errors) and -v names it. */
static int initialize_modules(struct token_ctx *ctx, const struct token_config *config,
                              int asked_for)
{
    for (size_t i = 0; i < ctx->n_modules; i++) {
        struct token_module *m = &ctx->modules[i];
        int had_args = 0, muted = -1;
        CK_RV rv;

        if (!asked_for)
            muted = msg_stderr_mute();
        rv = module_initialize(m, config->init_args, &had_args);
        msg_stderr_restore(muted);
        if (rv == CKR_OK)
            continue;
        if (asked_for || ctx->n_modules == 1) {
            report_initialize(config, m, rv, had_args);
            return -1;
        }
        debugf("skipped PKCS#11 module %s: it cannot initialize: %s", m->name, token_rv_name(rv));
    }
    return 0;
}

static int add_module(struct token_ctx *ctx, CK_FUNCTION_LIST *fn, const char *name)
{
    struct token_module *grown;

    grown = realloc(ctx->modules, (ctx->n_modules + 1) * sizeof(*grown));
    if (!grown)
        return -1;
    ctx->modules = grown;
    memset(&grown[ctx->n_modules], 0, sizeof(grown[ctx->n_modules]));
    grown[ctx->n_modules].fn = fn;
    grown[ctx->n_modules].name = strdup(name);
    if (!grown[ctx->n_modules].name)
        return -1;
    ctx->n_modules++;
    return 0;
}

static int load_path(struct token_ctx *ctx, const char *path)
{
    CK_FUNCTION_LIST *fn = p11_kit_module_load(path, P11_KIT_MODULE_UNMANAGED);

    if (!fn) {
        const char *why = p11_kit_message();

        /* p11-kit's messages repeat the path; say the cause once. */
        if (why && strstr(why, "C_GetFunctionList"))
            why = "not a PKCS#11 module (it has no C_GetFunctionList)";
        else if (why && strstr(why, "No such file or directory"))
            why = "no such file";
        errorf("cannot load PKCS#11 module \"%s\": %s", path, why ? why : "not a loadable module");
        hintf("give --module the path of the vendor's PKCS#11 library (.so) or a p11-kit "
              "module name (see 'p11-kit list-modules')");
        return -1;
    }
    if (add_module(ctx, fn, path) < 0) {
        p11_kit_module_release(fn);
        errorf("out of memory");
        return -1;
    }
    return 0;
}

/* Loads the registered modules; keeps the one called only_name, or all. */
static int load_registered(struct token_ctx *ctx, const char *only_name)
{
    CK_FUNCTION_LIST **all = p11_kit_modules_load(NULL, P11_KIT_MODULE_UNMANAGED);
    int ret = -1;

    if (!all) {
        errorf("cannot load the modules p11-kit registers: %s",
               p11_kit_message() ? p11_kit_message() : "unknown error");
        return -1;
    }
    for (size_t i = 0; all[i]; i++) {
        char *name = p11_kit_module_get_name(all[i]);
        int keep = !only_name || (name && strcmp(name, only_name) == 0);

        if (keep && add_module(ctx, all[i], name ? name : "(unnamed)") < 0) {
            free(name);
            errorf("out of memory");
            goto cleanup;
        }
        if (!keep)
            p11_kit_module_release(all[i]);
        free(name);
    }
    if (only_name && ctx->n_modules == 0) {
        errorf("no PKCS#11 module named \"%s\" is registered with p11-kit", only_name);
        hintf("'p11-kit list-modules' shows the registered names; --module also takes a path");
        goto cleanup;
    }
    if (ctx->n_modules == 0) {
        errorf("no PKCS#11 module is registered with p11-kit");
        hintf("give --module PATH or set P11CERT_MODULE");
        goto cleanup;
    }
    ret = 0;
cleanup:
    free(all); /* the entries now belong to ctx, or were released */
    return ret;
}

int token_ctx_init(struct token_ctx *ctx, const struct token_config *config, P11KitUri *uri)
{
    const char *module;
    char *hinted = NULL;
    int ret = -1;

    memset(ctx, 0, sizeof(*ctx));
    ctx->session = CK_INVALID_HANDLE;
    ctx->uri = uri;
    ctx->config = config;

    module = config->module;
    if (!module)
        module = p11_kit_uri_get_module_path(ctx->uri);
    if (!module)
        module = p11_kit_uri_get_module_name(ctx->uri);
    if (!module) {
        /* --profile says where its token family's module usually is. */
        if (token_profile_module_hint(config, &hinted) < 0)
            goto cleanup;
        module = hinted;
    }
    if (config->init_args && !module) {
        errorf("--module-init-args is given to one module: name it with --module");
        goto cleanup;
    }
    if (module && is_path(module) ? load_path(ctx, module) < 0 : load_registered(ctx, module) < 0)
        goto cleanup;
    if (initialize_modules(ctx, config, module != NULL) < 0)
        goto cleanup;
    ret = 0;
cleanup:
    free(hinted);
    if (ret != 0)
        token_ctx_free(ctx);
    return ret;
}

void token_ctx_free(struct token_ctx *ctx)
{
    for (size_t i = 0; i < ctx->n_modules; i++) {
        struct token_module *m = &ctx->modules[i];

        /* C_Finalize closes the session and logs out: no separate calls. */
        if (m->initialized)
            m->fn->C_Finalize(NULL);
        p11_kit_module_release(m->fn);
        free(m->name);
    }
    free(ctx->modules);
    free(ctx->profile);
    secret_wipe(&ctx->pin);
    if (ctx->uri)
        p11_kit_uri_free(ctx->uri);
    memset(ctx, 0, sizeof(*ctx));
    ctx->session = CK_INVALID_HANDLE;
}

char *token_module_path(const struct token_ctx *ctx)
{
    return ctx->slot.module ? p11_kit_module_get_filename(ctx->slot.module->fn) : NULL;
}
