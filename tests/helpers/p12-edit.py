#!/usr/bin/env python3
"""Edits a PKCS#12 file (RFC 7292) by hand, for tests that need files no
tool writes: DER read and written here, the MAC recomputed with the
PKCS#12 key derivation (RFC 7292, appendix B) and HMAC, so that only what
the test changed is wrong.

  p12-edit.py IN OUT [--password P] EDIT...

EDITs, applied in order:
  --mac-iter N      the MAC's iteration count (the MAC is recomputed with N
                    when N <= 100000 and --password is given, else left as it
                    was: a count too high to compute is refused unread)
  --content-iter N  the iteration count of every encrypted content
                    (EncryptedData: PBES2/PBKDF2 or a PKCS#12 PBE)
  --key-iter N      the iteration count of every shrouded key bag
  --mac-alg OID     the MAC's digest algorithm (the MAC is left as it was)
  --corrupt-mac     flips one bit of the MAC value
  --remac           recomputes the MAC (needs --password)

  p12-edit.py --merge OUT PASSWORD FILE:INDEX...

makes a PFX of the authenticated-safe parts INDEX (0-based) of each FILE,
in that order (every FILE encrypted with PASSWORD), with a new SHA-256 MAC.
"""

import hashlib
import hmac
import os
import sys

PBES2 = "1.2.840.113549.1.5.13"
DATA = "1.2.840.113549.1.7.1"
ENCRYPTED_DATA = "1.2.840.113549.1.7.6"
SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.2"
DIGESTS = {
    "1.3.14.3.2.26": "sha1",
    "2.16.840.1.101.3.4.2.1": "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}


class Node:
    def __init__(self, tag, value=None, children=None):
        self.tag, self.value, self.children = tag, value, children


def parse(data):
    """A list of nodes; constructed ones (tag bit 0x20) with children."""
    out, pos = [], 0
    while pos < len(data):
        tag = data[pos]
        length = data[pos + 1]
        pos += 2
        if length & 0x80:
            n = length & 0x7F
            length = int.from_bytes(data[pos:pos + n], "big")
            pos += n
        value = data[pos:pos + length]
        pos += length
        if tag & 0x20:
            out.append(Node(tag, children=parse(value)))
        else:
            out.append(Node(tag, value=value))
    return out


def encode(node):
    body = b"".join(encode(c) for c in node.children) if node.children is not None else node.value
    n = len(body)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([node.tag]) + length + body


def oid_text(node):
    v = node.value
    parts = [v[0] // 40, v[0] % 40]
    acc = 0
    for b in v[1:]:
        acc = (acc << 7) | (b & 0x7F)
        if not b & 0x80:
            parts.append(acc)
            acc = 0
    return ".".join(str(p) for p in parts)


def oid_node(text):
    nums = [int(x) for x in text.split(".")]
    out = bytes([nums[0] * 40 + nums[1]])
    for n in nums[2:]:
        chunk = [n & 0x7F]
        n >>= 7
        while n:
            chunk.append(0x80 | (n & 0x7F))
            n >>= 7
        out += bytes(reversed(chunk))
    return Node(0x06, value=out)


def integer(n):
    return n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big", signed=True)


def set_pbe_iter(alg, n):
    """The iteration count of an AlgorithmIdentifier: PBES2 with PBKDF2, or
    a PBE of PKCS#12 / PKCS#5 v1 (PBEParameter: salt, iterations)."""
    params = alg.children[1]
    if oid_text(alg.children[0]) == PBES2:
        params = params.children[0].children[1]  # keyDerivationFunc's PBKDF2-params
    params.children[1].value = integer(n)


def p12_kdf(digest, password, salt, ident, iterations, size):
    """RFC 7292, appendix B.2."""
    h = hashlib.new(digest)
    u, v = h.digest_size, h.block_size

    def fill(s):
        return (s * (v * ((len(s) + v - 1) // v) // len(s) + 1))[:v * ((len(s) + v - 1) // v)] if s else b""

    i_block = bytearray(fill(salt) + fill(password))
    out = b""
    while len(out) < size:
        a = bytes([ident]) * v + bytes(i_block)
        for _ in range(iterations):
            a = hashlib.new(digest, a).digest()
        out += a
        b = int.from_bytes((a * (v // u + 1))[:v], "big")
        for j in range(0, len(i_block), v):
            chunk = (int.from_bytes(i_block[j:j + v], "big") + b + 1) % (1 << (8 * v))
            i_block[j:j + v] = chunk.to_bytes(v, "big")
    return out[:size]


def bmp(password):
    return password.encode("utf-16-be") + b"\0\0"


class Pfx:
    def __init__(self, data):
        self.root = parse(data)[0]
        self.authsafe_octet = self.root.children[1].children[1].children[0]
        self.auth = parse(self.authsafe_octet.value)[0]
        self.mac = self.root.children[2] if len(self.root.children) > 2 else None

    def safes(self, kind):
        return [ci for ci in self.auth.children if oid_text(ci.children[0]) == kind]

    def shrouded_keys(self):
        """(the data part's OCTET STRING, its SafeContents, the key bags)."""
        for ci in self.safes(DATA):
            octet = ci.children[1].children[0]
            contents = parse(octet.value)[0]
            bags = [b for b in contents.children if oid_text(b.children[0]) == SHROUDED_KEY_BAG]
            yield octet, contents, bags

    def remac(self, password):
        self.authsafe_octet.value = encode(self.auth)
        digest_info, salt, iters = self.mac.children
        algo = DIGESTS[oid_text(digest_info.children[0].children[0])]
        n = int.from_bytes(iters.value, "big", signed=True)
        key = p12_kdf(algo, bmp(password), salt.value, 3, n, hashlib.new(algo).digest_size)
        digest_info.children[1].value = hmac.new(key, self.authsafe_octet.value, algo).digest()

    def write(self, path):
        self.authsafe_octet.value = encode(self.auth)
        with open(path + ".tmp", "wb") as f:
            f.write(encode(self.root))
        os.rename(path + ".tmp", path)


def edit(args):
    src, dst, rest = args[0], args[1], args[2:]
    with open(src, "rb") as f:
        pfx = Pfx(f.read())
    password = None
    i = 0
    while i < len(rest):
        op = rest[i]
        if op == "--password":
            password = rest[i + 1]
            i += 2
        elif op == "--mac-iter":
            n = int(rest[i + 1])
            pfx.mac.children[2].value = integer(n)
            if password is not None and 0 < n <= 100000:
                pfx.remac(password)
            i += 2
        elif op == "--content-iter":
            for ci in pfx.safes(ENCRYPTED_DATA):
                set_pbe_iter(ci.children[1].children[0].children[1].children[1], int(rest[i + 1]))
            i += 2
        elif op == "--key-iter":
            for octet, contents, bags in pfx.shrouded_keys():
                for bag in bags:
                    set_pbe_iter(bag.children[1].children[0].children[0], int(rest[i + 1]))
                octet.value = encode(contents)
            i += 2
        elif op == "--mac-alg":
            pfx.mac.children[0].children[0].children[0] = oid_node(rest[i + 1])
            i += 2
        elif op == "--corrupt-mac":
            value = bytearray(pfx.mac.children[0].children[1].value)
            value[-1] ^= 0x01
            pfx.mac.children[0].children[1].value = bytes(value)
            i += 1
        elif op == "--remac":
            pfx.remac(password)
            i += 1
        else:
            sys.exit("p12-edit: unknown edit " + op)
    pfx.write(dst)


def merge(args):
    dst, password, parts = args[0], args[1], args[2:]
    base = None
    pieces = []
    for spec in parts:
        path, index = spec.rsplit(":", 1)
        with open(path, "rb") as f:
            pfx = Pfx(f.read())
        base = base or pfx
        pieces.append(pfx.auth.children[int(index)])
    base.auth.children = pieces
    base.remac(password)
    base.write(dst)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--merge":
        merge(sys.argv[2:])
    elif len(sys.argv) >= 3:
        edit(sys.argv[1:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
