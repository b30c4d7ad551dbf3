/* raw-sign: the token's own signing rate, the ceiling for csr --batch.
 *
 *   raw-sign MODULE TOKEN-LABEL PIN-FILE KEY-LABEL [SECONDS]
 *
 * Loads MODULE, finds the token by label, logs in once, finds the RSA
 * private key labelled KEY-LABEL and signs the same SHA-256 DigestInfo with
 * CKM_RSA_PKCS (C_SignInit + C_Sign) in a loop for SECONDS (default 3).
 * Prints "N signatures in S s: R signatures/s", then a line "R C" for
 * scripts: R signatures per second, C milliseconds of CPU time (user and
 * system, the module's included) per signature.
 *
 * Not part of p11cert: a benchmark baseline that calls PKCS#11 directly. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <p11-kit/pkcs11.h>

#define PROG "raw-sign"

/* DER DigestInfo prefix of SHA-256 (RFC 8017, 9.2 note 1); any 32 bytes
 * follow: the token signs what it is given. */
static const CK_BYTE sha256_prefix[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                        0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};

static double clock_seconds(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now(void)
{
    return clock_seconds(CLOCK_MONOTONIC);
}

static int fail(const char *what, CK_RV rv)
{
    fprintf(stderr, PROG ": %s failed: 0x%lx\n", what, (unsigned long)rv);
    return 1;
}

static int find_slot(CK_FUNCTION_LIST *p11, const char *label, CK_SLOT_ID *slot)
{
    CK_SLOT_ID slots[64];
    CK_ULONG count = 64;
    char padded[32];
    size_t len = strlen(label);

    if (len > sizeof(padded) || p11->C_GetSlotList(CK_TRUE, slots, &count) != CKR_OK)
        return -1;
    memset(padded, ' ', sizeof(padded));
    memcpy(padded, label, len);
    for (CK_ULONG i = 0; i < count; i++) {
        CK_TOKEN_INFO info;

        if (p11->C_GetTokenInfo(slots[i], &info) == CKR_OK &&
            memcmp(info.label, padded, sizeof(padded)) == 0) {
            *slot = slots[i];
            return 0;
        }
    }
    return -1;
}

int main(int argc, char **argv)
{
    CK_C_GetFunctionList get_list;
    CK_FUNCTION_LIST *p11 = NULL;
    CK_SLOT_ID slot;
    CK_SESSION_HANDLE session;
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_OBJECT_HANDLE key;
    CK_ULONG n_found = 0;
    CK_MECHANISM mech = {CKM_RSA_PKCS, NULL, 0};
    CK_BYTE input[sizeof(sha256_prefix) + 32], sig[1024];
    CK_RV rv;
    char pin[256] = "";
    double seconds = 3.0, start, elapsed, cpu_start;
    unsigned long count = 0;
    void *module;
    FILE *f;
    int ret = 1;

    if (argc < 5 || argc > 6) {
        fprintf(stderr, "usage: " PROG " MODULE TOKEN-LABEL PIN-FILE KEY-LABEL [SECONDS]\n");
        return 2;
    }
    if (argc == 6)
        seconds = atof(argv[5]);
    if (!(f = fopen(argv[3], "r")) || !fgets(pin, sizeof(pin), f)) {
        fprintf(stderr, PROG ": cannot read the PIN file %s\n", argv[3]);
        if (f)
            fclose(f);
        return 1;
    }
    fclose(f);
    pin[strcspn(pin, "\r\n")] = '\0';
    if (!(module = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL))) {
        fprintf(stderr, PROG ": cannot load %s: %s\n", argv[1], dlerror());
        return 1;
    }
    *(void **)&get_list = dlsym(module, "C_GetFunctionList");
    if (!get_list || get_list(&p11) != CKR_OK) {
        fprintf(stderr, PROG ": %s is not a PKCS#11 module\n", argv[1]);
        goto cleanup;
    }
    if ((rv = p11->C_Initialize(NULL)) != CKR_OK) {
        ret = fail("C_Initialize", rv);
        p11 = NULL;
        goto cleanup;
    }
    if (find_slot(p11, argv[2], &slot) < 0) {
        fprintf(stderr, PROG ": no token labelled %s\n", argv[2]);
        goto cleanup;
    }
    if ((rv = p11->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &session)) != CKR_OK) {
        ret = fail("C_OpenSession", rv);
        goto cleanup;
    }
    if ((rv = p11->C_Login(session, CKU_USER, (CK_UTF8CHAR *)pin, strlen(pin))) != CKR_OK) {
        ret = fail("C_Login", rv);
        goto cleanup;
    }
    {
        CK_ATTRIBUTE tmpl[] = {
            {CKA_CLASS, &cls, sizeof(cls)},
            {CKA_LABEL, argv[4], strlen(argv[4])},
        };

        if (p11->C_FindObjectsInit(session, tmpl, 2) != CKR_OK ||
            p11->C_FindObjects(session, &key, 1, &n_found) != CKR_OK ||
            p11->C_FindObjectsFinal(session) != CKR_OK || n_found != 1) {
            fprintf(stderr, PROG ": no private key labelled %s\n", argv[4]);
            goto cleanup;
        }
    }
    memcpy(input, sha256_prefix, sizeof(sha256_prefix));
    memset(input + sizeof(sha256_prefix), 0x5a, 32);
    cpu_start = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
    start = now();
    do {
        CK_ULONG sig_len = sizeof(sig);

        if ((rv = p11->C_SignInit(session, &mech, key)) != CKR_OK) {
            ret = fail("C_SignInit", rv);
            goto cleanup;
        }
        if ((rv = p11->C_Sign(session, input, sizeof(input), sig, &sig_len)) != CKR_OK) {
            ret = fail("C_Sign", rv);
            goto cleanup;
        }
        count++;
    } while ((elapsed = now() - start) < seconds);
    printf("%lu signatures in %.2f s: %.1f signatures/s\n%.1f %.3f\n", count, elapsed,
           (double)count / elapsed, (double)count / elapsed,
           (clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu_start) * 1000 / (double)count);
    ret = 0;
cleanup:
    if (p11)
        p11->C_Finalize(NULL);
    dlclose(module);
    return ret;
}
