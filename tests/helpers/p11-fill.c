/* p11-fill: puts many objects on a PKCS#11 token, for tests and benchmarks.
 *
 *   p11-fill MODULE TOKEN-LABEL PIN-FILE COUNT [PREFIX]
 *
 * Loads MODULE, finds the token by label, logs in as the user with the PIN
 * on the first line of PIN-FILE and creates COUNT token objects in one
 * session: CKO_DATA objects alternating with EC P-256 key pairs (a pair
 * counts as two objects), so every class p11cert lists is present. Item N
 * (from 1) is labelled PREFIX-N (PREFIX defaults to "fill"); a key pair's
 * CKA_ID is N as 4 bytes, big-endian. Silent on success.
 *
 * Not part of p11cert: it calls PKCS#11 directly so that tests can set up
 * a token without trusting the code under test. */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>
#include <p11-kit/p11-kit.h>

#define PROG "p11-fill"

/* DER of the OID prime256v1 (1.2.840.10045.3.1.7), the CKA_EC_PARAMS value. */
static const CK_BYTE p256_params[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

static int report(const char *what, CK_RV rv)
{
    fprintf(stderr, PROG ": %s failed: %s (0x%lx)\n", what, p11_kit_strerror(rv),
            (unsigned long)rv);
    return -1;
}

/* Reads the first line of path into pin (NUL-terminated, newline dropped). */
static int read_pin(const char *path, char *pin, size_t pin_size)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, PROG ": cannot open PIN file %s: %s\n", path, strerror(errno));
        return -1;
    }
    int ret = -1;
    if (fgets(pin, (int)pin_size, f) == NULL) {
        fprintf(stderr, PROG ": PIN file %s is empty\n", path);
        goto cleanup;
    }
    pin[strcspn(pin, "\r\n")] = '\0';
    ret = 0;
cleanup:
    fclose(f);
    return ret;
}

/* Finds the slot whose token label, space-padded to 32 bytes, equals label. */
static int find_slot(CK_FUNCTION_LIST *p11, const char *label, CK_SLOT_ID *slot)
{
    CK_SLOT_ID *slots = NULL;
    CK_ULONG count = 0;
    int ret = -1;
    char padded[32];
    size_t len = strlen(label);

    if (len > sizeof(padded)) {
        fprintf(stderr, PROG ": token label '%s' is longer than 32 bytes\n", label);
        return -1;
    }
    memset(padded, ' ', sizeof(padded));
    memcpy(padded, label, len);

    CK_RV rv = p11->C_GetSlotList(CK_TRUE, NULL, &count);
    if (rv != CKR_OK)
        return report("C_GetSlotList", rv);
    slots = calloc(count ? count : 1, sizeof(*slots));
    if (slots == NULL) {
        fprintf(stderr, PROG ": out of memory\n");
        return -1;
    }
    rv = p11->C_GetSlotList(CK_TRUE, slots, &count);
    if (rv != CKR_OK) {
        report("C_GetSlotList", rv);
        goto cleanup;
    }
    for (CK_ULONG i = 0; i < count; i++) {
        CK_TOKEN_INFO info;
        if (p11->C_GetTokenInfo(slots[i], &info) != CKR_OK)
            continue;
        if (memcmp(info.label, padded, sizeof(padded)) == 0) {
            *slot = slots[i];
            ret = 0;
            goto cleanup;
        }
    }
    fprintf(stderr, PROG ": no token labelled '%s'\n", label);
cleanup:
    free(slots);
    return ret;
}

static int create_data(CK_FUNCTION_LIST *p11, CK_SESSION_HANDLE session, const char *label,
                       unsigned long n)
{
    CK_OBJECT_CLASS cls = CKO_DATA;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    char app[] = PROG;
    char value[64];
    int value_len = snprintf(value, sizeof(value), "p11-fill data object %lu", n);
    CK_ATTRIBUTE tmpl[] = {
        {CKA_CLASS, &cls, sizeof(cls)},      {CKA_TOKEN, &yes, sizeof(yes)},
        {CKA_PRIVATE, &no, sizeof(no)},      {CKA_LABEL, (void *)label, strlen(label)},
        {CKA_APPLICATION, app, strlen(app)}, {CKA_VALUE, value, (CK_ULONG)value_len},
    };
    CK_OBJECT_HANDLE obj;
    CK_RV rv = p11->C_CreateObject(session, tmpl, sizeof(tmpl) / sizeof(tmpl[0]), &obj);
    if (rv != CKR_OK)
        return report("C_CreateObject", rv);
    return 0;
}

static int create_ec_pair(CK_FUNCTION_LIST *p11, CK_SESSION_HANDLE session, const char *label,
                          unsigned long n)
{
    CK_MECHANISM mech = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
    CK_BBOOL yes = CK_TRUE;
    CK_BYTE id[4] = {(CK_BYTE)(n >> 24), (CK_BYTE)(n >> 16), (CK_BYTE)(n >> 8), (CK_BYTE)n};
    CK_ATTRIBUTE pub[] = {
        {CKA_TOKEN, &yes, sizeof(yes)},
        {CKA_VERIFY, &yes, sizeof(yes)},
        {CKA_EC_PARAMS, (void *)p256_params, sizeof(p256_params)},
        {CKA_LABEL, (void *)label, strlen(label)},
        {CKA_ID, id, sizeof(id)},
    };
    CK_ATTRIBUTE priv[] = {
        {CKA_TOKEN, &yes, sizeof(yes)},
        {CKA_PRIVATE, &yes, sizeof(yes)},
        {CKA_SENSITIVE, &yes, sizeof(yes)},
        {CKA_SIGN, &yes, sizeof(yes)},
        {CKA_LABEL, (void *)label, strlen(label)},
        {CKA_ID, id, sizeof(id)},
    };
    CK_OBJECT_HANDLE pub_obj, priv_obj;
    CK_RV rv = p11->C_GenerateKeyPair(session, &mech, pub, sizeof(pub) / sizeof(pub[0]), priv,
                                      sizeof(priv) / sizeof(priv[0]), &pub_obj, &priv_obj);
    if (rv != CKR_OK)
        return report("C_GenerateKeyPair", rv);
    return 0;
}

static int parse_count(const char *text, unsigned long *count)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (text[0] < '0' || text[0] > '9' || *end != '\0' || errno != 0 || v > 0xffffffffUL) {
        fprintf(stderr, PROG ": bad COUNT '%s': want a number of objects\n", text);
        return -1;
    }
    *count = v;
    return 0;
}

int main(int argc, char **argv)
{
    int ret = 1;
    void *module = NULL;
    CK_FUNCTION_LIST *p11 = NULL;
    int initialized = 0;
    CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
    char pin[256] = "";
    unsigned long count = 0;
    CK_SLOT_ID slot = 0;
    CK_RV rv;

    if (argc < 5 || argc > 6) {
        fprintf(stderr, "usage: " PROG " MODULE TOKEN-LABEL PIN-FILE COUNT [PREFIX]\n");
        return 2;
    }
    const char *prefix = argc == 6 ? argv[5] : "fill";
    if (parse_count(argv[4], &count) != 0)
        return 2;
    if (read_pin(argv[3], pin, sizeof(pin)) != 0)
        goto cleanup;

    module = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (module == NULL) {
        fprintf(stderr, PROG ": cannot load module: %s\n", dlerror());
        goto cleanup;
    }
    CK_C_GetFunctionList get_function_list =
        (CK_C_GetFunctionList)dlsym(module, "C_GetFunctionList");
    if (get_function_list == NULL) {
        fprintf(stderr, PROG ": %s has no C_GetFunctionList\n", argv[1]);
        goto cleanup;
    }
    rv = get_function_list(&p11);
    if (rv != CKR_OK) {
        report("C_GetFunctionList", rv);
        goto cleanup;
    }

    CK_C_INITIALIZE_ARGS init_args = {.flags = CKF_OS_LOCKING_OK};
    rv = p11->C_Initialize(&init_args);
    if (rv != CKR_OK) {
        report("C_Initialize", rv);
        goto cleanup;
    }
    initialized = 1;

    if (find_slot(p11, argv[2], &slot) != 0)
        goto cleanup;
    rv = p11->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &session);
    if (rv != CKR_OK) {
        report("C_OpenSession", rv);
        goto cleanup;
    }
    rv = p11->C_Login(session, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin));
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
        report("C_Login", rv);
        goto cleanup;
    }

    /* Odd items are data objects, even ones key pairs; a single object left
     * over at the end is a data object. */
    unsigned long created = 0;
    for (unsigned long n = 1; created < count; n++) {
        char label[128];
        snprintf(label, sizeof(label), "%s-%lu", prefix, n);
        if (n % 2 == 0 && count - created >= 2) {
            if (create_ec_pair(p11, session, label, n) != 0)
                goto cleanup;
            created += 2;
        } else {
            if (create_data(p11, session, label, n) != 0)
                goto cleanup;
            created += 1;
        }
    }
    ret = 0;

cleanup:
    explicit_bzero(pin, sizeof(pin));
    if (session != CK_INVALID_HANDLE) {
        p11->C_Logout(session);
        p11->C_CloseSession(session);
    }
    if (initialized)
        p11->C_Finalize(NULL);
    if (module != NULL)
        dlclose(module);
    return ret;
}
