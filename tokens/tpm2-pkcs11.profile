# A TPM 2.0 through tpm2-pkcs11 (package libtpm2-pkcs11-1), tested with tpm2-pkcs11 1.9.0
# on swtpm 0.7.1 (tests/softhsm/tpm2.bats, scripts/tpm2-token.sh). The token's
# manufacturer and model are the TPM's (for example "IBM" / "SW   TPM" for the
# simulator), so this profile matches by module.
#
# What the TPM makes: RSA 2048 and 3072 (its mechanism info says 1024-3072, and
# p11cert refuses rsa:4096 from that), EC P-256 and P-384. A P-521 key is made but
# its EC point comes back mis-encoded: keygen decodes every new public key and
# removes such a pair. No Ed25519.
# Quirks:
# - tpm2-pkcs11 ties CKA_VERIFY on the public half to the TPM key's decrypt flag and
#   fails a template that says otherwise ("attr mismatch"): the public half's usages
#   are left to it (public_key_usage = omit); the private half still says sign only.
# - raw CKM_RSA_PKCS is done as a TPM RSA decryption, which a signing key may not
#   do: RSA signs with the hashed mechanisms (sign_rsa = hashed). Raw ECDSA works.
# - a key it made and destroyed in the same login stays loaded in the TPM, which has
#   room for three objects: a pair keygen removes again is removed after logging out
#   and in (relogin_to_remove = yes).
# - CKA_ID cannot be known before generation and is set then (random).
# - a TPM in dictionary-attack lockout answers CKR_PIN_LOCKED.
description = a TPM 2.0 through tpm2-pkcs11
match_module = *tpm2_pkcs11*, *tpm2-pkcs11*
module = /usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so, tpm2_pkcs11
default_key_type = ec:p256
cert_template = minimal
label_max = 0
set_id_after_generation = no
id_convention = sha1
public_key_usage = omit
sign_rsa = hashed
sign_ec = raw
relogin_to_remove = yes
hint_CKR_PIN_LOCKED = the TPM is in dictionary-attack lockout after too many wrong PINs: it forgives one each recovery time (tpm2_getcap properties-variable shows TPM2_PT_LOCKOUT_*), or the lockout owner clears it (tpm2_dictionarylockout --clear-lockout)
hint_CKR_GENERAL_ERROR = tpm2-pkcs11 says why on stderr; without a resource manager the TPM may be out of object contexts (tpm2_flushcontext -t), and TPM2_PKCS11_TCTI must name a reachable TPM
