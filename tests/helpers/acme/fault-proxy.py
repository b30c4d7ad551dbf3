#!/usr/bin/env python3
"""An HTTPS proxy in front of pebble that misbehaves on purpose, for the
tests of acme issue's retries: the Host header goes through unchanged, so
pebble's URLs (and the JWS "url" it checks) name the proxy, and every request
of the client comes here.

    fault-proxy.py PORT UPSTREAM CERT KEY CAFILE LOG

Faults, each once: the first GET of the directory gets no answer at all (the
connection is closed: a transport failure), the second a 503 with
Retry-After: 1; the first POST to newOrder gets a 429 rateLimited problem
with Retry-After: 1. LOG gets a line per request: TIME METHOD PATH WHAT.
"""
import http.client
import http.server
import ssl
import sys
import threading
import time

port, upstream, cert, key, cafile, log_path = sys.argv[1:7]
lock = threading.Lock()
seen = {"dir": 0, "order": 0}


def log(method, path, what):
    with lock, open(log_path, "a") as f:
        f.write(f"{time.monotonic():.3f} {method} {path} {what}\n")


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def fault(self):
        with lock:
            if self.command == "GET" and self.path == "/dir":
                seen["dir"] += 1
                return {1: "drop", 2: "503"}.get(seen["dir"])
            if self.command == "POST" and self.path.startswith("/order-plz"):
                seen["order"] += 1
                return "429" if seen["order"] == 1 else None
        return None

    def handle_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        fault = self.fault()
        log(self.command, self.path, fault or "forwarded")
        if fault == "drop":
            self.close_connection = True
            return
        if fault in ("503", "429"):
            text = (b'{"type":"urn:ietf:params:acme:error:rateLimited",'
                    b'"detail":"slow down"}') if fault == "429" else b"busy\n"
            self.send_response(int(fault))
            self.send_header("Retry-After", "1")
            self.send_header("Content-Type", "application/problem+json"
                             if fault == "429" else "text/plain")
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)
            return
        ctx = ssl.create_default_context(cafile=cafile)
        conn = http.client.HTTPSConnection(upstream, context=ctx, timeout=20)
        headers = {k: v for k, v in self.headers.items()}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        conn.close()

    do_GET = do_POST = do_HEAD = handle_any

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", int(port)), Proxy)
tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
tls.load_cert_chain(cert, key)
server.socket = tls.wrap_socket(server.socket, server_side=True)
server.serve_forever()
