# The profile of a token no other profile matches: p11cert's defaults.
#
# A profile carries what PKCS#11 queries cannot tell. Keys (all optional):
#   description             one line for people
#   match_manufacturer      globs (comma-separated) on the token's manufacturerID
#   match_model             globs on the token's model; a profile matches when all
#                           the match_* it gives match
#   match_module            globs on the module's path or p11-kit name; a module match
#                           wins over a manufacturer/model match
#   module                  where the module usually is: paths and p11-kit names, used
#                           with --profile NAME when no --module is given
#   default_key_type        keygen's type without --type
#   cert_template           minimal: the attributes PKCS#11 requires, id and label;
#                           full: also CKA_PRIVATE false, CKA_CERTIFICATE_CATEGORY and
#                           CKA_START_DATE / CKA_END_DATE, for tokens that guess badly
#   label_max               longest label keygen gives a key (0: no limit but 255)
#   set_id_after_generation yes: keygen sets CKA_ID to the SHA-1 of the public key
#                           after generating; no: the token cannot, so the id is set at
#                           generation (--id, else a random one)
#   id_convention           sha1, or piv: CKA_ID names a PIV key slot and keygen needs
#                           --id 01 (9a), 02 (9c), 03 (9d), 04 (9e) or 05-18 (82-95)
#   worker_env              environment variables the module reads, which server-config
#                           tells a TLS server to pass on to its workers
#   worker_access           how a server's worker user reaches the token: module (the
#                           general rule: whatever the module needs), or
#                           softhsm-tokendir (SoftHSM's token directory, made readable)
description = any PKCS#11 token: p11cert's defaults
default_key_type = rsa:2048
cert_template = minimal
label_max = 0
set_id_after_generation = yes
id_convention = sha1
worker_access = module
