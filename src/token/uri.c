/* RFC 7512 URIs: parsing what the operator typed (a malformed URI is a
 * usage error found before any module is loaded), showing one without its
 * pin-value, and whether a URI selects a token. The matching is pure (no
 * PKCS#11 call): unit-tested in tests/unit/test-uri.c. */
#include "token/token.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "util/msg.h"

P11KitUri *token_uri_parse(const char *text, const char *what)
{
    P11KitUri *uri = p11_kit_uri_new();
    int rc, shown;

    if (!uri) {
        errorf("out of memory");
        return NULL;
    }
    if (!text || !*text)
        text = "pkcs11:";
    /* A pin-value (in the query, or in the path, where p11-kit takes it too)
     * never reaches a message: they show the URI up to '?' or to it. */
    shown = (int)strcspn(text, "?");
    if (strstr(text, "pin-value") && strstr(text, "pin-value") - text < shown)
        shown = (int)(strstr(text, "pin-value") - text);
    rc = p11_kit_uri_parse(text, P11_KIT_URI_FOR_ANY, uri);
    if (rc != P11_KIT_URI_OK) {
        errorf("bad %s \"%.*s\": %s", what, shown, text, p11_kit_uri_message(rc));
        if (strncmp(text, "pkcs11:", 7) != 0)
            hintf("a %s is an RFC 7512 URI such as \"pkcs11:token=mytoken;object=mykey\"", what);
        p11_kit_uri_free(uri);
        return NULL;
    }
    /* p11-kit keeps unknown attributes and then matches nothing: say so. */
    if (p11_kit_uri_any_unrecognized(uri)) {
        errorf("bad %s \"%.*s\": it has an attribute RFC 7512 does not define", what, shown, text);
        hintf("path attributes: token, manufacturer, model, serial, object, id, type, slot-*; "
              "after '?': module-name, module-path, pin-source, pin-value");
        p11_kit_uri_free(uri);
        return NULL;
    }
    return uri;
}

char *token_uri_display(P11KitUri *uri, P11KitUriType type)
{
    const char *pin = p11_kit_uri_get_pin_value(uri);
    char *saved = pin ? strdup(pin) : NULL, *text = NULL;

    /* A pin-value never reaches a message: formatted without it. */
    if (pin && !saved)
        return NULL;
    p11_kit_uri_set_pin_value(uri, NULL);
    if (p11_kit_uri_format(uri, type, &text) != P11_KIT_URI_OK)
        text = NULL;
    if (saved) {
        p11_kit_uri_set_pin_value(uri, saved);
        OPENSSL_cleanse(saved, strlen(saved));
        free(saved);
    }
    return text;
}

int token_uri_has_module_info(P11KitUri *uri)
{
    CK_INFO *mi = p11_kit_uri_get_module_info(uri);

    return mi->manufacturerID[0] || mi->libraryDescription[0] ||
           mi->libraryVersion.major != (CK_BYTE)-1;
}

int token_uri_has_slot_info(P11KitUri *uri)
{
    CK_SLOT_INFO *si = p11_kit_uri_get_slot_info(uri);

    return si->slotDescription[0] || si->manufacturerID[0];
}

int token_uri_matches_token(P11KitUri *uri, CK_SLOT_ID slot, const CK_TOKEN_INFO *info)
{
    CK_SLOT_ID wanted = p11_kit_uri_get_slot_id(uri);

    if (wanted != (CK_SLOT_ID)-1 && wanted != slot)
        return 0;
    return p11_kit_uri_match_token_info(uri, info);
}

int token_uri_names_module(P11KitUri *uri, const char *module)
{
    const char *path = p11_kit_uri_get_module_path(uri);
    const char *name = p11_kit_uri_get_module_name(uri);

    if (path && strcmp(path, module) != 0)
        return 0;
    if (name && strcmp(name, module) != 0)
        return 0;
    return 1;
}
