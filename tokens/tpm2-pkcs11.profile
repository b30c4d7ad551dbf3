# A TPM 2.0 through tpm2-pkcs11 (package libtpm2-pkcs11-1). Not tested here: no TPM in
# CI. The token's manufacturer and model are the TPM's (for example "IBM" / "SW   TPM"
# for a simulator), so this profile matches by module. TPMs make RSA 2048 and EC P-256
# keys; larger RSA keys and other curves depend on the chip. Whether it lets CKA_ID be
# changed after generation is not known here: the id is set at generation (--id, else
# random), which works either way.
description = a TPM 2.0 through tpm2-pkcs11
match_module = *tpm2_pkcs11*, *tpm2-pkcs11*
module = /usr/lib/x86_64-linux-gnu/pkcs11/libtpm2_pkcs11.so, tpm2_pkcs11
default_key_type = ec:p256
cert_template = minimal
label_max = 0
set_id_after_generation = no
id_convention = sha1
