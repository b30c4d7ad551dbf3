/* p11cert tokens: every slot with a token, as URIs an operator can paste. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/commands.h"
#include "token/profile.h"
#include "util/json-out.h"
#include "util/text.h"

static const struct cli_option options[] = {
    {0, NULL, NULL, NULL},
};

static const struct cli_spec spec = {
    "[URI]",
    "Lists the tokens of the module(s) (--module, $P11CERT_MODULE, else every module p11-kit\n"
    "registers), or those a URI matches: URI, label, manufacturer, model, serial and flags\n"
    "(login required, PIN pad, PIN count low / final try / locked), and the token profile\n"
    "p11cert uses for it (--profile, else the one its manufacturer and model match).",
    options,
    0,
    1,
};

static json_t *slot_json(const struct token_slot *slot, const struct token_profile *profile)
{
    struct token_names names;
    const char *flags[16];
    size_t n_flags = token_flag_names(slot->info.flags, flags, 16);
    char *uri = token_slot_uri(slot);
    json_t *list = json_array(), *obj;

    token_info_names(&slot->info, &names);
    for (size_t i = 0; i < n_flags; i++)
        json_array_append_new(list, json_string(flags[i]));
    obj = json_pack("{s:s?, s:o, s:o, s:o, s:o, s:o, s:o, s:s}", "uri", uri, "label",
                    json_out_text(names.label), "manufacturer", json_out_text(names.manufacturer),
                    "model", json_out_text(names.model), "serial", json_out_text(names.serial),
                    "module", json_out_text(slot->module->name), "flags", list, "profile",
                    profile->name);
    free(uri);
    return obj;
}

static void print_slot(json_t *slot)
{
    static const char *const fields[] = {"label",  "manufacturer", "model",
                                         "serial", "module",       "profile"};
    json_t *flags = json_object_get(slot, "flags"), *flag;
    size_t i;

    printf("%s\n", json_string_value(json_object_get(slot, "uri")));
    for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        char key[16], shown[4 * 256 + 1];

        snprintf(key, sizeof(key), "%s:", fields[i]);
        printf(
            "    %-14s%s\n", key,
            text_escape(json_string_value(json_object_get(slot, fields[i])), shown, sizeof(shown)));
    }
    printf("    flags:       ");
    json_array_foreach(flags, i, flag)
    {
        printf("%s %s", i ? "," : "", json_string_value(flag));
    }
    printf("\n");
}

int cmd_tokens(struct cli *cli, int argc, char **argv)
{
    struct cli_args args;
    struct token_ctx ctx;
    P11KitUri *uri;
    struct token_slot *slots = NULL;
    size_t n_slots = 0, i;
    json_t *list = NULL, *slot;
    int ret;

    memset(&ctx, 0, sizeof(ctx));
    if (cli_parse(cli, &spec, argc, argv, NULL, NULL, &args, &ret) < 0)
        return ret;
    if (!(uri = token_uri_parse(args.n ? args.v[0] : NULL, "URI")))
        return EXIT_USAGE;
    ret = EXIT_FAIL;
    /* No session: the slots are listed straight from the modules. */
    if (token_ctx_init(&ctx, &cli->token, uri) < 0 ||
        token_find_slots(&ctx, 1, &slots, &n_slots) < 0 || !(list = json_array()))
        goto cleanup;
    for (i = 0; i < n_slots; i++) {
        struct token_profile profile;

        if (token_profile_for_slot(&cli->token, &slots[i], &profile) < 0)
            goto cleanup;
        json_array_append_new(list, slot_json(&slots[i], &profile));
    }
    if (cli->json) {
        ret = json_out_print(json_pack("{s:O}", "tokens", list)) < 0 ? EXIT_FAIL : EXIT_OK;
        goto cleanup;
    }
    if (n_slots == 0 && args.n) {
        /* Asked for a token that is not there: a script must see it fail. */
        char *shown = token_uri_display(ctx.uri, P11_KIT_URI_FOR_TOKEN | P11_KIT_URI_FOR_MODULE);

        errorf("no token matches \"%s\" in %zu module(s)",
               shown ? shown : "pkcs11:", ctx.n_modules);
        hintf("'p11cert tokens' without a URI lists them all");
        free(shown);
        goto cleanup;
    }
    if (n_slots == 0)
        notef("no token found in %zu module(s)", ctx.n_modules);
    json_array_foreach(list, i, slot)
    {
        print_slot(slot);
    }
    ret = EXIT_OK;
cleanup:
    json_decref(list);
    free(slots);
    token_ctx_free(&ctx);
    return ret;
}
