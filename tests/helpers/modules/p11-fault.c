/* p11-fault.so: a test-only PKCS#11 module that forwards every call to a
 * real module (SoftHSM2) and injects one fault at a chosen call. It is never
 * built into p11cert or installed: tests select it with --module.
 *
 * Environment (read once, when p11-kit asks for the function list):
 *   P11FAULT_MODULE   the real module's path (required)
 *   P11FAULT_CALL     the call to act on: C_GenerateKeyPair, C_GetAttributeValue,
 *                     C_SetAttributeValue, C_FindObjectsInit, C_Login, C_Sign,
 *                     C_SignInit, C_CreateObject, C_DestroyObject, C_OpenSession
 *   P11FAULT_NTH      act on the Nth such call of the process (default 1)
 *   P11FAULT_ACTION   fail:  return P11FAULT_RV (default CKR_DEVICE_ERROR)
 *                            without calling the real module
 *                     sleep: make the real call, then create the file
 *                            P11FAULT_READY (so a test knows the call is
 *                            done) and sleep P11FAULT_SECONDS (default 30),
 *                            or until a signal interrupts the sleep
 *                     wait:  make the real call, create P11FAULT_READY, then
 *                            wait until the file P11FAULT_GO exists
 *   P11FAULT_SIGN_LABEL  every C_SignInit with the key of this CKA_LABEL fails
 *                     with P11FAULT_RV, whichever thread and session calls it
 *                     (a key that cannot sign, for csr --batch --jobs)
 *   P11FAULT_LOG      append "C_Name" a line for every intercepted call
 *   P11FAULT_FRESH    with SoftHSM2: before every C_FindObjectsInit, bump each
 *                     token's generation file so that this process re-reads
 *                     the token directory and sees objects other processes
 *                     made. SoftHSM 2.6 misses them once it has written
 *                     itself (Generation::commit takes another process's
 *                     update as its own); a real token has no such cache.
 *
 * Every other function goes straight to the real module's list. */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list);

static CK_FUNCTION_LIST *real;
static CK_FUNCTION_LIST shim;
static const char *fault_call, *fault_action, *ready_path, *go_path, *log_path, *sign_label;
static int fresh_view;
static long fault_nth = 1, fault_seconds = 30, seen;
static CK_RV fault_rv = CKR_DEVICE_ERROR;

static CK_RV rv_by_name(const char *name)
{
    static const struct {
        const char *name;
        CK_RV rv;
    } names[] = {
        {"CKR_DEVICE_ERROR", CKR_DEVICE_ERROR},
        {"CKR_GENERAL_ERROR", CKR_GENERAL_ERROR},
        {"CKR_DEVICE_REMOVED", CKR_DEVICE_REMOVED},
        {"CKR_TOKEN_NOT_PRESENT", CKR_TOKEN_NOT_PRESENT},
        {"CKR_DEVICE_MEMORY", CKR_DEVICE_MEMORY},
        {"CKR_FUNCTION_FAILED", CKR_FUNCTION_FAILED},
        {"CKR_ATTRIBUTE_READ_ONLY", CKR_ATTRIBUTE_READ_ONLY},
        {"CKR_SESSION_HANDLE_INVALID", CKR_SESSION_HANDLE_INVALID},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(names[i].name, name) == 0)
            return names[i].rv;
    return (CK_RV)strtoul(name, NULL, 0);
}

static void note_call(const char *name)
{
    if (log_path) {
        FILE *f = fopen(log_path, "a");
        if (f) {
            fprintf(f, "%s\n", name);
            fclose(f);
        }
    }
}

/* 1 when this call of name is the one to act on. */
static int hit(const char *name)
{
    note_call(name);
    if (!fault_call || strcmp(fault_call, name) != 0)
        return 0;
    /* Calls may come from several threads (csr --batch --jobs). */
    return __atomic_add_fetch(&seen, 1, __ATOMIC_SEQ_CST) == fault_nth;
}

static int failing(void)
{
    return fault_action && strcmp(fault_action, "fail") == 0;
}

static void pause_after(void)
{
    struct timespec ts = {fault_seconds, 0};

    if (!fault_action || (strcmp(fault_action, "sleep") != 0 && strcmp(fault_action, "wait") != 0))
        return;
    if (ready_path) {
        int fd = open(ready_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd >= 0)
            close(fd);
    }
    if (strcmp(fault_action, "wait") == 0) {
        struct timespec tick = {0, 10 * 1000000L};
        while (go_path && access(go_path, F_OK) != 0)
            nanosleep(&tick, NULL);
        return;
    }
    /* A signal ends the sleep: the caller's handler has run by then. */
    nanosleep(&ts, NULL);
}

/* SoftHSM's generation file holds one 8-byte big-endian counter, locked
 * with fcntl as SoftHSM's File::lock does. */
static void bump_generation(const char *path)
{
    struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    unsigned char b[8];
    unsigned long long v = 0;
    int fd = open(path, O_RDWR | O_CLOEXEC);

    if (fd < 0)
        return;
    if (fcntl(fd, F_SETLKW, &lk) == 0 && pread(fd, b, 8, 0) == 8) {
        for (int i = 0; i < 8; i++)
            v = v << 8 | b[i];
        v++;
        for (int i = 7; i >= 0; i--, v >>= 8)
            b[i] = (unsigned char)(v & 0xff);
        if (pwrite(fd, b, 8, 0) != 8)
            fprintf(stderr, "p11-fault: cannot write %s\n", path);
    }
    close(fd); /* releases the lock */
}

static void refresh_softhsm(void)
{
    const char *conf = getenv("SOFTHSM2_CONF");
    char line[4096], dir[4096] = "", path[8192];
    FILE *f;
    DIR *d;
    struct dirent *e;

    if (!fresh_view || !conf || !(f = fopen(conf, "r")))
        return;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, " directories.tokendir = %4095s", dir) == 1)
            break;
    fclose(f);
    if (!*dir || !(d = opendir(dir)))
        return;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s/generation", dir, e->d_name);
        bump_generation(path);
    }
    closedir(d);
}

/* One wrapper per call a test may want to break: act before (fail) or after
 * (sleep) the real call. */
#define WRAP(name, params, args)                                                                   \
    static CK_RV shim_##name params                                                                \
    {                                                                                              \
        CK_RV rv;                                                                                  \
        int act = hit(#name);                                                                      \
        if (act && failing())                                                                      \
            return fault_rv;                                                                       \
        rv = real->name args;                                                                      \
        if (act)                                                                                   \
            pause_after();                                                                         \
        return rv;                                                                                 \
    }

WRAP(C_OpenSession,
     (CK_SLOT_ID slot, CK_FLAGS flags, void *app, CK_NOTIFY notify, CK_SESSION_HANDLE_PTR s),
     (slot, flags, app, notify, s))
WRAP(C_Login, (CK_SESSION_HANDLE s, CK_USER_TYPE u, CK_UTF8CHAR_PTR pin, CK_ULONG len),
     (s, u, pin, len))
WRAP(C_GenerateKeyPair,
     (CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR pub, CK_ULONG npub,
      CK_ATTRIBUTE_PTR priv, CK_ULONG npriv, CK_OBJECT_HANDLE_PTR hpub, CK_OBJECT_HANDLE_PTR hpriv),
     (s, m, pub, npub, priv, npriv, hpub, hpriv))
WRAP(C_GetAttributeValue, (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t, CK_ULONG n),
     (s, o, t, n))
WRAP(C_SetAttributeValue, (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t, CK_ULONG n),
     (s, o, t, n))
static CK_RV shim_C_FindObjectsInit(CK_SESSION_HANDLE s, CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
    CK_RV rv;
    int act = hit("C_FindObjectsInit");

    if (act && failing())
        return fault_rv;
    refresh_softhsm();
    rv = real->C_FindObjectsInit(s, t, n);
    if (act)
        pause_after();
    return rv;
}
WRAP(C_SignInit, (CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k), (s, m, k))

/* Whether the key's CKA_LABEL is sign_label. */
static int doomed_key(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE k)
{
    char label[256];
    CK_ATTRIBUTE attr = {CKA_LABEL, label, sizeof(label)};

    return sign_label && real->C_GetAttributeValue(s, k, &attr, 1) == CKR_OK &&
           attr.ulValueLen == strlen(sign_label) && memcmp(label, sign_label, attr.ulValueLen) == 0;
}

static CK_RV shim_sign_init_by_label(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
    if (doomed_key(s, k))
        return fault_rv;
    return shim_C_SignInit(s, m, k);
}
WRAP(C_Sign, (CK_SESSION_HANDLE s, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR sig, CK_ULONG_PTR sl),
     (s, d, dl, sig, sl))
WRAP(C_CreateObject, (CK_SESSION_HANDLE s, CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR o),
     (s, t, n, o))
WRAP(C_DestroyObject, (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o), (s, o))

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
    CK_C_GetFunctionList get;
    const char *path = getenv("P11FAULT_MODULE"), *text;
    void *lib;
    CK_RV rv;

    if (!list)
        return CKR_ARGUMENTS_BAD;
    if (!real) {
        if (!path) {
            fprintf(stderr, "p11-fault: P11FAULT_MODULE is not set\n");
            return CKR_GENERAL_ERROR;
        }
        if (!(lib = dlopen(path, RTLD_NOW | RTLD_LOCAL))) {
            fprintf(stderr, "p11-fault: %s\n", dlerror());
            return CKR_GENERAL_ERROR;
        }
        get = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList");
        if (!get || (rv = get(&real)) != CKR_OK)
            return CKR_GENERAL_ERROR;
        fault_call = getenv("P11FAULT_CALL");
        fault_action = getenv("P11FAULT_ACTION");
        ready_path = getenv("P11FAULT_READY");
        go_path = getenv("P11FAULT_GO");
        fresh_view = getenv("P11FAULT_FRESH") != NULL;
        log_path = getenv("P11FAULT_LOG");
        sign_label = getenv("P11FAULT_SIGN_LABEL");
        if ((text = getenv("P11FAULT_NTH")))
            fault_nth = strtol(text, NULL, 10);
        if ((text = getenv("P11FAULT_SECONDS")))
            fault_seconds = strtol(text, NULL, 10);
        if ((text = getenv("P11FAULT_RV")))
            fault_rv = rv_by_name(text);
        shim = *real;
        shim.C_GetFunctionList = C_GetFunctionList;
        shim.C_OpenSession = shim_C_OpenSession;
        shim.C_Login = shim_C_Login;
        shim.C_GenerateKeyPair = shim_C_GenerateKeyPair;
        shim.C_GetAttributeValue = shim_C_GetAttributeValue;
        shim.C_SetAttributeValue = shim_C_SetAttributeValue;
        shim.C_FindObjectsInit = shim_C_FindObjectsInit;
        shim.C_SignInit = shim_sign_init_by_label;
        shim.C_Sign = shim_C_Sign;
        shim.C_CreateObject = shim_C_CreateObject;
        shim.C_DestroyObject = shim_C_DestroyObject;
    }
    *list = &shim;
    return CKR_OK;
}
