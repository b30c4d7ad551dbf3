# OpenSC's PKCS#11 module for smart cards (PKCS#15 cards and emulations: PIV, OpenPGP,
# CardOS ...). Not tested here: no card in CI. The token's model is "PKCS#15" or
# "PKCS#15 emulated". What a card can generate depends on the card: RSA 2048 is what
# nearly every one makes. No quirk is switched on until one is seen on a real card.
description = a smart card through OpenSC
match_model = PKCS#15*
module = /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so, /usr/lib/x86_64-linux-gnu/pkcs11/opensc-pkcs11.so, opensc-pkcs11
default_key_type = rsa:2048
cert_template = minimal
label_max = 0
set_id_after_generation = yes
id_convention = sha1
