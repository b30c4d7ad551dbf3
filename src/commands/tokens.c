/* p11cert tokens: every slot with a token, as URIs an operator can paste. */
#include <stdlib.h>
#include <string.h>

#include "commands/cli.h"
#include "util/json-out.h"
#include "token/profile.h"

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
    char label[33], manufacturer[33], model[17], serial[17];
    const char *flags[16];
    size_t n_flags = token_flag_names(slot->info.flags, flags, 16);
    char *uri = token_slot_uri(slot);
    json_t *list = json_array();

    for (size_t i = 0; i < n_flags; i++)
        json_array_append_new(list, json_string(flags[i]));
    json_t *obj = json_pack(
        "{s:s?, s:o, s:o, s:o, s:o, s:o, s:o}", "uri", uri, "label",
        json_out_text(token_padded_string(label, slot->info.label, sizeof(slot->info.label))),
        "manufacturer",
        json_out_text(token_padded_string(manufacturer, slot->info.manufacturerID,
                                          sizeof(slot->info.manufacturerID))),
        "model",
        json_out_text(token_padded_string(model, slot->info.model, sizeof(slot->info.model))),
        "serial",
        json_out_text(
            token_padded_string(serial, slot->info.serialNumber, sizeof(slot->info.serialNumber))),
        "module", json_out_text(slot->module->name), "flags", list);
    json_object_set_new(obj, "profile", json_string(profile->name));
    free(uri);
    return obj;
}

static void print_slot(json_t *slot)
{
    json_t *flags = json_object_get(slot, "flags"), *flag;
    size_t i;

    printf("%s\n", json_string_value(json_object_get(slot, "uri")));
    printf("    label:        %s\n", json_string_value(json_object_get(slot, "label")));
    printf("    manufacturer: %s\n", json_string_value(json_object_get(slot, "manufacturer")));
    printf("    model:        %s\n", json_string_value(json_object_get(slot, "model")));
    printf("    serial:       %s\n", json_string_value(json_object_get(slot, "serial")));
    printf("    module:       %s\n", json_string_value(json_object_get(slot, "module")));
    printf("    profile:      %s\n", json_string_value(json_object_get(slot, "profile")));
    printf("    flags:       ");
    json_array_foreach(flags, i, flag)
    {
        printf("%s %s", i ? "," : "", json_string_value(flag));
    }
    printf("\n");
}

int cmd_tokens(struct cli *cli, int argc, char **argv)
{
    struct cli_parser parser;
    struct token_ctx ctx;
    P11KitUri *uri;
    struct token_slot *slots = NULL;
    size_t n_slots = 0;
    json_t *list = NULL, *slot;
    const char *arg;
    char **args;
    int opt, n_args, ret = EXIT_USAGE;
    size_t i;

    memset(&ctx, 0, sizeof(ctx));
    if (cli_parser_init(&parser, cli, &spec, argc, argv) < 0)
        return EXIT_FAIL;
    while ((opt = cli_next(&parser, &arg)) >= 0)
        ;
    if (opt == CLI_HELP)
        ret = EXIT_OK;
    if (opt != CLI_END || (n_args = cli_args(&parser, &args)) < 0)
        goto cleanup;
    if (!(uri = token_uri_parse(n_args ? args[0] : NULL, "URI")))
        goto cleanup;
    ret = EXIT_FAIL;
    if (token_ctx_init(&ctx, &cli->token, uri) < 0 ||
        token_find_slots(&ctx, 1, &slots, &n_slots) < 0)
        goto cleanup;
    list = json_array();
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
    cli_parser_free(&parser);
    return ret;
}
