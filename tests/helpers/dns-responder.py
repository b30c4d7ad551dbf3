#!/usr/bin/env python3
"""A DNS responder for tests that answers every query on 127.0.0.1 with one
CNAME record to TARGET, the way MODE says, right or wrong:

  good            a correct answer
  wrong-id        the transaction id of the query plus one
  qr0             the QR bit clear (a query, not an answer)
  other-name      the question section names another domain
  other-type      the question section asks for an A record
  other-port      sent from another port of 127.0.0.1
  other-address   sent from 127.0.0.2
  spoof-then-good a wrong-id answer pointing at spoofed.example.org first,
                  then the correct one
  truncated       over UDP an empty answer with TC set; the correct answer
                  over TCP on the same port

Usage: dns-responder.py MODE TARGET PORTFILE
It binds port 0, writes the port it got to PORTFILE (through a temporary
name, so a reader never sees half of it) and serves until it is killed.
The packets are built here by hand, so nothing of p11cert's (nor ldns) is
trusted to make them."""

import os
import select
import socket
import struct
import sys


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode("ascii")
    return out + b"\0"


def parse_query(data):
    """The id, flags, and the question (raw name bytes, type, class)."""
    qid, flags, qdcount = struct.unpack("!HHH", data[:6])
    if qdcount != 1:
        return None
    pos = 12
    while data[pos] != 0:
        pos += 1 + data[pos]
    name = data[12:pos + 1]
    qtype, qclass = struct.unpack("!HH", data[pos + 1:pos + 5])
    return qid, flags, name, qtype, qclass


def answer(query, mode, target):
    qid, flags, name, qtype, qclass = query
    rd = flags & 0x0100
    if mode in ("wrong-id", "spoof"):
        qid = (qid + 1) & 0xFFFF
    if mode == "spoof":
        target = "spoofed.example.org"
    # QR, AA, the query's RD; RCODE NOERROR.
    out_flags = 0x8400 | rd
    if mode == "qr0":
        out_flags &= ~0x8000
    qname, qtype_out = name, qtype
    if mode == "other-name":
        qname = encode_name("spoofed.example.org")
    if mode == "other-type":
        qtype_out = 1
    if mode == "tc":
        # TC, and no answer record: the client must ask again over TCP.
        return struct.pack("!HHHHHH", qid, out_flags | 0x0200, 1, 0, 0, 0) + \
            name + struct.pack("!HH", qtype, qclass)
    header = struct.pack("!HHHHHH", qid, out_flags, 1, 1, 0, 0)
    question = qname + struct.pack("!HH", qtype_out, qclass)
    rdata = encode_name(target)
    # The answer's owner is the name asked (a pointer to offset 12), so a
    # client that checks only the answer section takes it.
    record = struct.pack("!HHHIH", 0xC00C, 5, 1, 300, len(rdata)) + rdata
    if mode == "other-name":
        record = name + record[2:]
    return header + question + record


def read_exactly(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def serve_tcp(stream, target):
    """One query over TCP (two length octets, then the message)."""
    conn, _ = stream.accept()
    with conn:
        conn.settimeout(5)
        length = read_exactly(conn, 2)
        data = length and read_exactly(conn, struct.unpack("!H", length)[0])
        query = data and parse_query(data)
        if query:
            reply = answer(query, "good", target)
            conn.sendall(struct.pack("!H", len(reply)) + reply)


def main():
    mode, target, portfile = sys.argv[1:4]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    other = None
    if mode == "other-port":
        other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        other.bind(("127.0.0.1", 0))
    elif mode == "other-address":
        other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        other.bind(("127.0.0.2", 0))
    stream = None
    if mode == "truncated":
        stream = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        stream.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        stream.bind(("127.0.0.1", sock.getsockname()[1]))
        stream.listen(4)
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % sock.getsockname()[1])
    os.rename(tmp, portfile)
    while True:
        ready, _, _ = select.select([sock] + ([stream] if stream else []), [], [])
        if stream in ready:
            serve_tcp(stream, target)
            continue
        data, peer = sock.recvfrom(4096)
        query = parse_query(data)
        if query is None:
            continue
        if mode == "truncated":
            sock.sendto(answer(query, "tc", target), peer)
        elif mode == "spoof-then-good":
            sock.sendto(answer(query, "spoof", target), peer)
            sock.sendto(answer(query, "good", target), peer)
        elif other is not None:
            other.sendto(answer(query, "good", target), peer)
        else:
            sock.sendto(answer(query, mode, target), peer)


if __name__ == "__main__":
    main()
