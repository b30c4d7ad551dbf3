/* One line of a csr --batch file: a JSON object with key, subject, san, out
 * and hash, checked member by member. */
#include "workflow/csr-batch.h"

#include <string.h>

#include "util/msg.h"

static const char *string_member(json_t *value, const char *name, int *bad)
{
    if (!json_is_string(value)) {
        errorf("\"%s\" must be a string", name);
        *bad = 1;
        return NULL;
    }
    return json_string_value(value);
}

int batch_request_parse(json_t *doc, struct sign_request *req)
{
    const char *name;
    json_t *value, *san;
    size_t i;
    int bad = 0;

    if (!json_is_object(doc)) {
        errorf("a line must hold one JSON object {\"key\": ..., \"subject\": ..., \"out\": ...}");
        return -1;
    }
    json_object_foreach(doc, name, value)
    {
        if (strcmp(name, "key") == 0) {
            req->key_uri = string_member(value, name, &bad);
        } else if (strcmp(name, "subject") == 0) {
            req->subject = string_member(value, name, &bad);
        } else if (strcmp(name, "out") == 0) {
            req->out = string_member(value, name, &bad);
        } else if (strcmp(name, "hash") == 0) {
            req->hash = string_member(value, name, &bad);
        } else if (strcmp(name, "san") == 0) {
            if (!json_is_array(value)) {
                errorf("\"san\" must be an array of strings such as [\"DNS:a.example\"]");
                return -1;
            }
            if (json_array_size(value) > SIGN_JOB_MAX_SANS) {
                errorf("\"san\" holds more than %d names", SIGN_JOB_MAX_SANS);
                return -1;
            }
            json_array_foreach(value, i, san)
            {
                if (!(req->sans[req->n_sans++] = string_member(san, "san[]", &bad)))
                    return -1;
            }
        } else {
            errorf("unknown member \"%s\" (a line has key, subject, san, out and hash)", name);
            return -1;
        }
        if (bad)
            return -1;
    }
    if (!req->key_uri) {
        errorf("\"key\" is missing: the URI of the key to sign with");
        return -1;
    }
    if (!req->out || !*req->out) {
        errorf("\"out\" is missing: each request needs its own file");
        return -1;
    }
    return 0;
}
