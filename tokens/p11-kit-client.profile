# A token on another host, reached through p11-kit's remoting: `p11-kit server` there,
# its socket forwarded here (ssh -L), and p11-kit-client.so with
# P11_KIT_SERVER_ADDRESS=unix:path=SOCKET. The token's own manufacturer and model are
# forwarded, so this profile matches by module, and wins over the token's own profile.
# Tested: the whole token workflow over SoftHSM 2 (tests/softhsm/remote.bats).
# Quirks seen (p11-kit 0.24.1): the RPC forwards only the mechanisms it can serialize,
# and the client drops the others from C_GetMechanismList: CKM_RSA_PKCS,
# CKM_RSA_PKCS_PSS (with its parameters), CKM_ECDSA, CKM_EC_KEY_PAIR_GEN and
# CKM_RSA_PKCS_KEY_PAIR_GEN go through; CKM_ECDSA_SHA256/384/512, CKM_SHA*_RSA_PKCS_PSS,
# CKM_EDDSA and CKM_EC_EDWARDS_KEY_PAIR_GEN do not. p11cert hashes locally and signs
# with raw mechanisms, so RSA (PKCS#1 v1.5 and PSS) and EC keys work; Ed25519 keygen is
# "not supported by this token". Every PKCS#11 call is a round trip on the socket.
description = a token on another host, through p11-kit server and p11-kit-client.so
match_module = *p11-kit-client*
module = /usr/lib/x86_64-linux-gnu/pkcs11/p11-kit-client.so, p11-kit-client
default_key_type = rsa:2048
cert_template = minimal
label_max = 0
set_id_after_generation = yes
id_convention = sha1
