/* raw-sign: the token's own signing rate, the ceiling for csr --batch.
 *
 *   raw-sign MODULE TOKEN-LABEL PIN-FILE KEY-LABEL [SECONDS [THREADS]]
 *
 * Loads MODULE (C_Initialize with CKF_OS_LOCKING_OK, as p11cert does), finds
 * the token by label, logs in once, finds the RSA private key labelled
 * KEY-LABEL and signs the same SHA-256 DigestInfo with CKM_RSA_PKCS
 * (C_SignInit + C_Sign) in a loop for SECONDS (default 3). With THREADS
 * (default 1), that many threads loop at once, each on a session of its own
 * (the ceiling for csr --batch --jobs THREADS); the count is all of theirs.
 * Prints "N signatures in S s: R signatures/s", then a line "R C" for
 * scripts: R signatures per second, C milliseconds of CPU time (user and
 * system, the module's included, all threads) per signature.
 *
 * Not part of p11cert: a benchmark baseline that calls PKCS#11 directly. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <p11-kit/pkcs11.h>

#define PROG "raw-sign"
#define THREADS_MAX 64

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

/* One signing thread: its own session, the loop until the deadline. */
struct signing {
    CK_FUNCTION_LIST *p11;
    CK_SLOT_ID slot;
    CK_OBJECT_HANDLE key; /* object handles hold across an application's sessions */
    pthread_barrier_t *start;
    double seconds;
    unsigned long count;
    double elapsed;
    CK_RV rv;
    const char *failed; /* the call that failed, or NULL */
};

static void *sign_loop(void *arg)
{
    struct signing *t = arg;
    CK_MECHANISM mech = {CKM_RSA_PKCS, NULL, 0};
    CK_BYTE input[sizeof(sha256_prefix) + 32], sig[1024];
    CK_SESSION_HANDLE session;
    double start;

    memcpy(input, sha256_prefix, sizeof(sha256_prefix));
    memset(input + sizeof(sha256_prefix), 0x5a, 32);
    t->rv = t->p11->C_OpenSession(t->slot, CKF_SERIAL_SESSION, NULL, NULL, &session);
    pthread_barrier_wait(t->start);
    if (t->rv != CKR_OK) {
        t->failed = "C_OpenSession";
        return NULL;
    }
    start = now();
    do {
        CK_ULONG sig_len = sizeof(sig);

        if ((t->rv = t->p11->C_SignInit(session, &mech, t->key)) != CKR_OK) {
            t->failed = "C_SignInit";
            break;
        }
        if ((t->rv = t->p11->C_Sign(session, input, sizeof(input), sig, &sig_len)) != CKR_OK) {
            t->failed = "C_Sign";
            break;
        }
        t->count++;
    } while ((t->elapsed = now() - start) < t->seconds);
    t->p11->C_CloseSession(session);
    return NULL;
}

int main(int argc, char **argv)
{
    CK_C_GetFunctionList get_list;
    CK_FUNCTION_LIST *p11 = NULL;
    CK_C_INITIALIZE_ARGS init_args;
    CK_SLOT_ID slot;
    CK_SESSION_HANDLE session;
    CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
    CK_OBJECT_HANDLE key;
    CK_ULONG n_found = 0;
    CK_RV rv;
    char pin[256] = "";
    double seconds = 3.0, elapsed = 0, cpu_start;
    struct signing threads[THREADS_MAX];
    pthread_t ids[THREADS_MAX];
    pthread_barrier_t start;
    unsigned long count = 0;
    int n_threads = 1, started = 0;
    void *module;
    FILE *f;
    int ret = 1;

    if (argc < 5 || argc > 7) {
        fprintf(stderr,
                "usage: " PROG " MODULE TOKEN-LABEL PIN-FILE KEY-LABEL [SECONDS [THREADS]]\n");
        return 2;
    }
    if (argc >= 6)
        seconds = atof(argv[5]);
    if (argc == 7)
        n_threads = atoi(argv[6]);
    if (n_threads < 1 || n_threads > THREADS_MAX) {
        fprintf(stderr, PROG ": THREADS must be 1 to %d\n", THREADS_MAX);
        return 2;
    }
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
    memset(&init_args, 0, sizeof(init_args));
    init_args.flags = CKF_OS_LOCKING_OK;
    if ((rv = p11->C_Initialize(&init_args)) != CKR_OK) {
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
    /* The threads open their sessions, then all start signing at once. */
    pthread_barrier_init(&start, NULL, (unsigned)n_threads + 1);
    for (; started < n_threads; started++) {
        threads[started] = (struct signing){p11, slot, key, &start, seconds, 0, 0, CKR_OK, NULL};
        if (pthread_create(&ids[started], NULL, sign_loop, &threads[started]) != 0) {
            fprintf(stderr, PROG ": cannot start thread %d\n", started + 1);
            return 1; /* the others wait at the barrier: nothing to clean up */
        }
    }
    cpu_start = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
    pthread_barrier_wait(&start);
    ret = 0;
    for (int i = 0; i < n_threads; i++) {
        pthread_join(ids[i], NULL);
        if (threads[i].failed)
            ret = fail(threads[i].failed, threads[i].rv);
        count += threads[i].count;
        if (threads[i].elapsed > elapsed)
            elapsed = threads[i].elapsed;
    }
    pthread_barrier_destroy(&start);
    if (ret != 0 || count == 0)
        goto cleanup;
    printf("%lu signatures in %.2f s on %d session(s): %.1f signatures/s\n%.1f %.3f\n", count,
           elapsed, n_threads, (double)count / elapsed, (double)count / elapsed,
           (clock_seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu_start) * 1000 / (double)count);
cleanup:
    if (p11)
        p11->C_Finalize(NULL);
    dlclose(module);
    return ret;
}
