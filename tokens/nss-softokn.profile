# NSS softokn (libsoftokn3.so, NSS 3.87 in Debian 12): Mozilla's software token, an
# NSS database (cert9.db, key4.db) as certutil makes it.
# Tested: the whole token workflow (tests/softhsm/nss.bats), cross-checked with certutil.
# Quirks seen:
#  - C_Initialize needs reserved arguments naming the database, or it answers
#    CKR_ARGUMENTS_BAD: --module-init-args "configdir='sql:DIR' certPrefix=''
#    keyPrefix='' secmod='secmod.db' flags=", or x-init-reserved in its p11-kit
#    module file.
#  - two tokens, "NSS Generic Crypto Services" (no keys, write protected) and
#    "NSS Certificate DB"; both have serial 0000000000000000: choose by token=.
#  - no CKM_EC_EDWARDS_KEY_PAIR_GEN (no Ed25519 keys) in 3.87.
#  - a key generated without CKA_ID gets an empty one; setting it afterwards works,
#    and NSS's own convention is the same SHA-1 of the public value p11cert uses.
#  - a certificate's CKA_LABEL is its NSS nickname (certutil -L shows it).
description = NSS softokn, an NSS database
match_manufacturer = Mozilla Foundation
match_model = NSS*
module = /usr/lib/x86_64-linux-gnu/libsoftokn3.so, /usr/lib64/libsoftokn3.so
default_key_type = rsa:2048
cert_template = minimal
label_max = 0
set_id_after_generation = yes
id_convention = sha1
