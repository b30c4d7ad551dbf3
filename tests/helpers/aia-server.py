#!/usr/bin/env python3
"""A small HTTP(S) server on 127.0.0.1 for the AIA tests: the files of a
folder, and the bad answers a caIssuers URL can give.

    aia-server.py --root DIR --port-file FILE --log FILE [--cert F --key F]

Binds port 0 and writes the port it got to FILE (renamed into place, so a
reader never sees half of it). Every request is one line "METHOD PATH" in
the log, written before the answer. Paths:

    /NAME                  the file DIR/NAME, or 404
    /redirect/N/PATH       N redirects (302), then /PATH
    /loop                  302 to /loop, for ever
    /silent                accepts, reads the request, never answers
    /trickle               200, Content-Length 4096, one byte a second
    /big                   200, 2 MiB with a Content-Length
    /big-nolength          200, 2 MiB with no length (ends when the connection does)
    /echo                  GET, HEAD, POST: 200 (201 for POST) with Location, two Link
                           and a Replay-Nonce header, and a JSON body of what came:
                           {"method", "headers" (names in lower case), "body"}

Test data only; stopped by its pid (SIGTERM).
"""
import argparse
import json
import os
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BIG = 2 * 1024 * 1024


class Handler(BaseHTTPRequestHandler):
    server_version = "aia-test-server"
    protocol_version = "HTTP/1.0"

    def log_message(self, fmt, *args):  # the request log is ours (below)
        pass

    def log_request_line(self):
        with self.server.log_lock:
            with open(self.server.log_path, "a", encoding="utf-8") as log:
                log.write(f"{self.command} {self.path}\n")

    def send_plain(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, where):
        self.send_plain(302, b"", [("Location", where)])

    def echo(self, body):
        seen = {
            "method": self.command,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body.decode("utf-8", "replace"),
        }
        data = json.dumps(seen).encode()
        self.send_response(201 if self.command == "POST" else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Location", "/echo/created")
        self.send_header("Link", '</echo/index>;rel="index"')
        self.send_header("Replay-Nonce", "nonce-" + self.command.lower())
        self.send_header("Link", '</echo/alternate>;rel="alternate"')
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_POST(self):
        self.log_request_line()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        if self.path == "/echo":
            self.echo(body)
        else:
            self.send_plain(405, b"", [("Allow", "GET")])

    def do_HEAD(self):
        self.log_request_line()
        if self.path == "/echo":
            self.echo(b"")
        else:
            self.send_plain(405, b"", [("Allow", "GET")])

    def do_GET(self):
        self.log_request_line()
        path = self.path.split("?", 1)[0]
        parts = path.split("/")
        if path.startswith("/redirect/") and len(parts) >= 4 and parts[2].isdigit():
            n = int(parts[2])
            rest = "/".join(parts[3:])
            self.redirect(f"/redirect/{n - 1}/{rest}" if n > 1 else f"/{rest}")
        elif path == "/echo":
            self.echo(b"")
        elif path == "/loop":
            self.redirect("/loop")
        elif path == "/silent":
            time.sleep(3600)
        elif path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Length", "4096")
            self.end_headers()
            for _ in range(4096):
                self.wfile.write(b"0")
                self.wfile.flush()
                time.sleep(1)
        elif path == "/big":
            self.send_plain(200, b"\x30" * BIG, [("Content-Type", "application/pkix-cert")])
        elif path == "/big-nolength":
            self.send_response(200)
            self.end_headers()
            chunk = b"\x30" * 65536
            for _ in range(BIG // len(chunk)):
                self.wfile.write(chunk)
        else:
            self.send_file(path)

    def send_file(self, path):
        name = path.lstrip("/")
        full = os.path.join(self.server.root, name)
        if not name or "/" in name or name.startswith(".") or not os.path.isfile(full):
            self.send_plain(404, b"not found\n", [("Content-Type", "text/plain")])
            return
        with open(full, "rb") as f:
            body = f.read()
        kind = "application/pkix-cert"
        if name.endswith(".p7c"):
            kind = "application/pkcs7-mime"
        elif name.endswith(".pem") or name.endswith(".html"):
            kind = "text/plain"
        self.send_plain(200, body, [("Content-Type", kind)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    args = ap.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.root = os.path.abspath(args.root)
    server.log_path = args.log
    server.log_lock = threading.Lock()
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    open(args.log, "a", encoding="utf-8").close()
    tmp = args.port_file + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(f"{server.server_address[1]}\n")
    os.rename(tmp, args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
