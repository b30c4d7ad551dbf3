# SoftHSM 2 (2.6.1 in Debian 12): a software token, for tests and the demo.
# Tested: the whole token workflow (tests/softhsm/*.bats).
# Quirks seen: no hashed ECDSA mechanisms (CKM_ECDSA_SHA256 ...), which p11cert never
# uses (it hashes locally); CKA_EC_POINT is a DER OCTET STRING; slots are renumbered
# when a token is initialized, so tokens are chosen by label. C_SetAttributeValue of
# CKA_ID after generation works.
description = SoftHSM 2, a software token
match_manufacturer = SoftHSM*
match_model = SoftHSM*
module = /usr/lib/softhsm/libsofthsm2.so, /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so, softhsm2
default_key_type = rsa:2048
cert_template = minimal
label_max = 0
set_id_after_generation = yes
id_convention = sha1
# Servers (server-config): SoftHSM reads SOFTHSM2_CONF, and its worker processes open the
# token files of that configuration's directories.tokendir as the worker user.
worker_env = SOFTHSM2_CONF
worker_access = softhsm-tokendir
