# A YubiKey's PIV application through Yubico's ykcs11 (libykcs11, package ykcs11).
# Not tested here: no YubiKey in CI. From Yubico's ykcs11 documentation: keys live in
# PIV slots chosen by CKA_ID at generation (01 = 9a authentication, 02 = 9c signature,
# 03 = 9d key management, 04 = 9e card authentication, 05-18 = retired 82-95); the
# objects' labels are fixed by ykcs11 and ids cannot be changed afterwards; EC P-256
# is fast on the key, RSA generation takes seconds.
description = YubiKey PIV through ykcs11
match_manufacturer = Yubico*
match_model = YubiKey*
module = /usr/lib/x86_64-linux-gnu/libykcs11.so.2, /usr/lib/x86_64-linux-gnu/libykcs11.so, ykcs11
default_key_type = ec:p256
cert_template = minimal
label_max = 0
set_id_after_generation = no
id_convention = piv
