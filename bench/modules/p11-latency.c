/* p11-latency.so: a benchmark-only PKCS#11 module that forwards every call to
 * a real module (SoftHSM2) after a fixed delay, so that a benchmark measures
 * what a command costs on a token that charges per call: a smart card's APDU
 * exchange, a network HSM's round trip. Never built into p11cert.
 *
 * Environment (read once, when the function list is first asked for):
 *   P11LATENCY_MODULE  the real module's path (required)
 *   P11LATENCY_MS      the delay before each call, in milliseconds (decimals
 *                      allowed; default 0)
 *
 * Every function of the version 2 list is delayed, C_Initialize and
 * C_Finalize included; C_GetFunctionList, which a real token never sees, is
 * not. A function the real module does not have stays NULL. */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <p11-kit/pkcs11.h>

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list);

static CK_FUNCTION_LIST *real;
static CK_FUNCTION_LIST shim;
static struct timespec delay;

static void wait_delay(void)
{
    struct timespec left = delay;

    while (nanosleep(&left, &left) < 0 && errno == EINTR)
        ;
}

#define WRAP(name, params, args)                                                                   \
    static CK_RV lat_##name params                                                                 \
    {                                                                                              \
        wait_delay();                                                                              \
        return real->name args;                                                                    \
    }

typedef CK_SESSION_HANDLE S;
typedef CK_OBJECT_HANDLE O;
typedef CK_ULONG U;
typedef CK_BYTE_PTR B;

WRAP(C_Initialize, (void *a), (a))
WRAP(C_Finalize, (void *a), (a))
WRAP(C_GetInfo, (CK_INFO_PTR a), (a))
WRAP(C_GetSlotList, (CK_BBOOL a, CK_SLOT_ID_PTR b, U *c), (a, b, c))
WRAP(C_GetSlotInfo, (CK_SLOT_ID a, CK_SLOT_INFO_PTR b), (a, b))
WRAP(C_GetTokenInfo, (CK_SLOT_ID a, CK_TOKEN_INFO_PTR b), (a, b))
WRAP(C_GetMechanismList, (CK_SLOT_ID a, CK_MECHANISM_TYPE_PTR b, U *c), (a, b, c))
WRAP(C_GetMechanismInfo, (CK_SLOT_ID a, CK_MECHANISM_TYPE b, CK_MECHANISM_INFO_PTR c), (a, b, c))
WRAP(C_InitToken, (CK_SLOT_ID a, B b, U c, B d), (a, b, c, d))
WRAP(C_InitPIN, (S a, B b, U c), (a, b, c))
WRAP(C_SetPIN, (S a, B b, U c, B d, U e), (a, b, c, d, e))
WRAP(C_OpenSession, (CK_SLOT_ID a, CK_FLAGS b, void *c, CK_NOTIFY d, S *e), (a, b, c, d, e))
WRAP(C_CloseSession, (S a), (a))
WRAP(C_CloseAllSessions, (CK_SLOT_ID a), (a))
WRAP(C_GetSessionInfo, (S a, CK_SESSION_INFO_PTR b), (a, b))
WRAP(C_GetOperationState, (S a, B b, U *c), (a, b, c))
WRAP(C_SetOperationState, (S a, B b, U c, O d, O e), (a, b, c, d, e))
WRAP(C_Login, (S a, CK_USER_TYPE b, B c, U d), (a, b, c, d))
WRAP(C_Logout, (S a), (a))
WRAP(C_CreateObject, (S a, CK_ATTRIBUTE_PTR b, U c, O *d), (a, b, c, d))
WRAP(C_CopyObject, (S a, O b, CK_ATTRIBUTE_PTR c, U d, O *e), (a, b, c, d, e))
WRAP(C_DestroyObject, (S a, O b), (a, b))
WRAP(C_GetObjectSize, (S a, O b, U *c), (a, b, c))
WRAP(C_GetAttributeValue, (S a, O b, CK_ATTRIBUTE_PTR c, U d), (a, b, c, d))
WRAP(C_SetAttributeValue, (S a, O b, CK_ATTRIBUTE_PTR c, U d), (a, b, c, d))
WRAP(C_FindObjectsInit, (S a, CK_ATTRIBUTE_PTR b, U c), (a, b, c))
WRAP(C_FindObjects, (S a, O *b, U c, U *d), (a, b, c, d))
WRAP(C_FindObjectsFinal, (S a), (a))
WRAP(C_EncryptInit, (S a, CK_MECHANISM_PTR b, O c), (a, b, c))
WRAP(C_Encrypt, (S a, B b, U c, B d, U *e), (a, b, c, d, e))
WRAP(C_EncryptUpdate, (S a, B b, U c, B d, U *e), (a, b, c, d, e))
WRAP(C_EncryptFinal, (S a, B b, U *c), (a, b, c))
WRAP(C_DecryptInit, (S a, CK_MECHANISM_PTR b, O c), (a, b, c))
WRAP(C_Decrypt, (S a, B b, U c, B d, U *e), (a, b, c, d, e))
WRAP(C_DecryptUpdate, (S a, B b, U c, B d, U *e), (a, b, c, d, e))
WRAP(C_DecryptFinal, (S a, B b, U *c), (a, b, c))
WRAP(C_DigestInit, (S a, CK_MECHANISM_PTR b), (a, b))
WRAP(C_Digest, (S a, B b, U c, B d, U *e), (a, b, c, d, e))
WRAP(C_DigestUpdate, (S a, B b, U c), (a, b, c))
WRAP(C_DigestKey, (S a, O b), (a, b))
WRAP(C_DigestFinal, (S a, B b, U *c), (a, b, c))
WRAP(C_SignInit, (S a, CK_MECHANISM_PTR b, O c), (a, b, c))
WRAP(C_Sign, (S a, B b, U c, B d, U *e), (a, b, c, d, e))
WRAP(C_SignUpdate, (S a, B b, U c), (a, b, c))
WRAP(C_SignFinal, (S a, B b, U *c), (a, b, c))
WRAP(C_SignRecoverInit, (S a, CK_MECHANISM_PTR b, O c), (a, b, c))
WRAP(C_SignRecover, (S a, B b, U c, B d, U *e), (a, b, c, d, e))
WRAP(C_VerifyInit, (S a, CK_MECHANISM_PTR b, O c), (a, b, c))
WRAP(C_Verify, (S a, B b, U c, B d, U e), (a, b, c, d, e))
WRAP(C_VerifyUpdate, (S a, B b, U c), (a, b, c))
WRAP(C_VerifyFinal, (S a, B b, U c), (a, b, c))
WRAP(C_VerifyRecoverInit, (S a, CK_MECHANISM_PTR b, O c), (a, b, c))
WRAP(C_VerifyRecover, (S a, B b, U c, B d, U *e), (a, b, c, d, e))
WRAP(C_DigestEncryptUpdate, (S a, B b, U c, B d, U *e), (a, b, c, d, e))
WRAP(C_DecryptDigestUpdate, (S a, B b, U c, B d, U *e), (a, b, c, d, e))
WRAP(C_SignEncryptUpdate, (S a, B b, U c, B d, U *e), (a, b, c, d, e))
WRAP(C_DecryptVerifyUpdate, (S a, B b, U c, B d, U *e), (a, b, c, d, e))
WRAP(C_GenerateKey, (S a, CK_MECHANISM_PTR b, CK_ATTRIBUTE_PTR c, U d, O *e), (a, b, c, d, e))
WRAP(C_GenerateKeyPair,
     (S a, CK_MECHANISM_PTR b, CK_ATTRIBUTE_PTR c, U d, CK_ATTRIBUTE_PTR e, U f, O *g, O *h),
     (a, b, c, d, e, f, g, h))
WRAP(C_WrapKey, (S a, CK_MECHANISM_PTR b, O c, O d, B e, U *f), (a, b, c, d, e, f))
WRAP(C_UnwrapKey, (S a, CK_MECHANISM_PTR b, O c, B d, U e, CK_ATTRIBUTE_PTR f, U g, O *h),
     (a, b, c, d, e, f, g, h))
WRAP(C_DeriveKey, (S a, CK_MECHANISM_PTR b, O c, CK_ATTRIBUTE_PTR d, U e, O *f), (a, b, c, d, e, f))
WRAP(C_SeedRandom, (S a, B b, U c), (a, b, c))
WRAP(C_GenerateRandom, (S a, B b, U c), (a, b, c))
WRAP(C_GetFunctionStatus, (S a), (a))
WRAP(C_CancelFunction, (S a), (a))
WRAP(C_WaitForSlotEvent, (CK_FLAGS a, CK_SLOT_ID_PTR b, void *c), (a, b, c))

/* The shim's entry for name: the wrapper when the real module has it. */
#define SET(name) shim.name = real->name ? lat_##name : NULL

static int load(void)
{
    const char *path = getenv("P11LATENCY_MODULE"), *ms = getenv("P11LATENCY_MS");
    CK_C_GetFunctionList get;
    double d = ms ? strtod(ms, NULL) : 0;
    void *lib;

    if (!path) {
        fprintf(stderr, "p11-latency: P11LATENCY_MODULE is not set\n");
        return -1;
    }
    if (!(lib = dlopen(path, RTLD_NOW | RTLD_LOCAL))) {
        fprintf(stderr, "p11-latency: %s\n", dlerror());
        return -1;
    }
    get = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList");
    if (!get || get(&real) != CKR_OK)
        return -1;
    if (d < 0)
        d = 0;
    delay.tv_sec = (time_t)(d / 1000);
    delay.tv_nsec = (long)((d - (double)delay.tv_sec * 1000) * 1e6);
    shim = *real;
    shim.C_GetFunctionList = C_GetFunctionList;
    SET(C_Initialize);
    SET(C_Finalize);
    SET(C_GetInfo);
    SET(C_GetSlotList);
    SET(C_GetSlotInfo);
    SET(C_GetTokenInfo);
    SET(C_GetMechanismList);
    SET(C_GetMechanismInfo);
    SET(C_InitToken);
    SET(C_InitPIN);
    SET(C_SetPIN);
    SET(C_OpenSession);
    SET(C_CloseSession);
    SET(C_CloseAllSessions);
    SET(C_GetSessionInfo);
    SET(C_GetOperationState);
    SET(C_SetOperationState);
    SET(C_Login);
    SET(C_Logout);
    SET(C_CreateObject);
    SET(C_CopyObject);
    SET(C_DestroyObject);
    SET(C_GetObjectSize);
    SET(C_GetAttributeValue);
    SET(C_SetAttributeValue);
    SET(C_FindObjectsInit);
    SET(C_FindObjects);
    SET(C_FindObjectsFinal);
    SET(C_EncryptInit);
    SET(C_Encrypt);
    SET(C_EncryptUpdate);
    SET(C_EncryptFinal);
    SET(C_DecryptInit);
    SET(C_Decrypt);
    SET(C_DecryptUpdate);
    SET(C_DecryptFinal);
    SET(C_DigestInit);
    SET(C_Digest);
    SET(C_DigestUpdate);
    SET(C_DigestKey);
    SET(C_DigestFinal);
    SET(C_SignInit);
    SET(C_Sign);
    SET(C_SignUpdate);
    SET(C_SignFinal);
    SET(C_SignRecoverInit);
    SET(C_SignRecover);
    SET(C_VerifyInit);
    SET(C_Verify);
    SET(C_VerifyUpdate);
    SET(C_VerifyFinal);
    SET(C_VerifyRecoverInit);
    SET(C_VerifyRecover);
    SET(C_DigestEncryptUpdate);
    SET(C_DecryptDigestUpdate);
    SET(C_SignEncryptUpdate);
    SET(C_DecryptVerifyUpdate);
    SET(C_GenerateKey);
    SET(C_GenerateKeyPair);
    SET(C_WrapKey);
    SET(C_UnwrapKey);
    SET(C_DeriveKey);
    SET(C_SeedRandom);
    SET(C_GenerateRandom);
    SET(C_GetFunctionStatus);
    SET(C_CancelFunction);
    SET(C_WaitForSlotEvent);
    return 0;
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
    if (!list)
        return CKR_ARGUMENTS_BAD;
    if (!real && load() < 0)
        return CKR_GENERAL_ERROR;
    *list = &shim;
    return CKR_OK;
}
