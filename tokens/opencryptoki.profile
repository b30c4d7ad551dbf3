# IBM openCryptoki (package opencryptoki), tested with 3.8.1 and its soft token
# (tests/softhsm/opencryptoki.bats, scripts/opencryptoki-token.sh). Every token of it
# is reached through one module, libopencryptoki.so, which talks to the slot daemon
# pkcsslotd: without it C_Initialize fails with CKR_FUNCTION_FAILED, and after the
# daemon stopped with CKR_HOST_MEMORY (its shared memory is gone).
#
# The soft token makes RSA 512-4096 only: it has no EC mechanisms, and keygen says so.
# Quirks:
# - C_CreateObject refuses CKA_CERTIFICATE_CATEGORY (CKR_ATTRIBUTE_TYPE_INVALID):
#   certificates are stored with the minimal template.
# - PINs are 4 to 8 characters; the SO PIN of a new token is 87654321.
description = IBM openCryptoki (soft token, CCA, EP11, ICSF)
match_module = *opencryptoki*, *PKCS11_API*
module = /usr/lib/x86_64-linux-gnu/pkcs11/libopencryptoki.so
default_key_type = rsa:2048
cert_template = minimal
label_max = 0
set_id_after_generation = yes
id_convention = sha1
public_key_usage = set
sign_rsa = raw
sign_ec = raw
hint_CKR_FUNCTION_FAILED = is pkcsslotd running? openCryptoki's module needs its slot daemon (service pkcsslotd start), and the caller in the pkcs11 group
hint_CKR_HOST_MEMORY = is pkcsslotd running? openCryptoki's shared memory is gone when its slot daemon stopped (service pkcsslotd restart)
