#!/usr/bin/env python3
"""http_standin.py: a small scripted HTTP server on loopback for tests of the
outbound HTTP client. Python standard library only.

    http_standin.py --port 0 --port-file FILE [--idle 120]

Binds 127.0.0.1 (port 0: any free one), writes the port to FILE (atomically),
serves until SIGTERM, until no request has arrived for --idle seconds, or
until the process that started it has gone.

Paths (the query string is ignored; counters are kept per path):
  /status/N            always status N
  /seq/S1,S2,...       the k-th request answers step k (the last step repeats);
                       a step is a status, optionally followed by rSECS
                       (Retry-After: SECS), or "x" (close without a reply)
  /retry-after/N       429 with Retry-After: N the first time, then 200
  /slow/SECS           wait SECS (fractions allowed, at most 30), then 200
  /big/N               200 with N bytes of "x" (at most 64 MiB)
  /stream/N            the same as chunks of "y", with no Content-Length
  /headers             200 with the request's headers as a JSON object
  /ratelimit/N         200 with X-Ratelimit-Remaining: N (as Finnhub sends it)
  /redirect/N          302 to /status/N
  /redirect-loop       302 to itself
  /redirect-file       302 to file:///etc/hostname
  /_hits/PATH          the number of requests /PATH has had so far (not counted)
A POST to /echo answers 200 with {"method", "content_type", "body"} (the
body it was sent, as text); a POST elsewhere reads the body and answers as
a GET does.
A 200 body is JSON: {"ok": true, "path": ..., "n": hit number}. The query is
never echoed.
"""
import argparse
import json
import os
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_SLEEP = 30.0
MAX_BIG = 64 << 20
MAX_THREADS = 32

hits = {}
hits_lock = threading.Lock()
last_request = time.monotonic()


def count(path):
    with hits_lock:
        hits[path] = hits.get(path, 0) + 1
        return hits[path]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "standin/1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def reply(self, status, body=b"", ctype="application/json", extra=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def ok(self, path, n):
        self.reply(200, json.dumps({"ok": True, "path": path, "n": n}).encode())

    def status(self, path, n, code, extra=None):
        if code == 200:
            self.ok(path, n)
        else:
            body = json.dumps({"error": code, "path": path, "n": n}).encode()
            self.reply(code, body, extra=extra)

    def drop(self):
        self.close_connection = True
        self.wfile.flush()
        self.connection.shutdown(2)

    def do_GET(self):
        global last_request
        last_request = time.monotonic()
        path = self.path.split("?", 1)[0]
        if path.startswith("/_hits/"):
            with hits_lock:
                n = hits.get(path[len("/_hits"):], 0)
            self.reply(200, str(n).encode(), "text/plain")
            return
        n = count(path)
        parts = path.strip("/").split("/")
        try:
            self.route(path, parts, n)
        except (ValueError, IndexError):
            self.reply(400, b'{"error":"bad script"}')

    do_HEAD = do_GET

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.split("?", 1)[0] == "/echo":
            count("/echo")
            self.reply(200, json.dumps({"method": "POST",
                                        "content_type": self.headers.get("Content-Type"),
                                        "body": body.decode("utf-8", "replace")}).encode())
            return
        self.do_GET()

    def route(self, path, parts, n):
        kind, arg = parts[0], parts[1] if len(parts) > 1 else ""
        if kind == "status":
            self.status(path, n, int(arg))
        elif kind == "seq":
            steps = arg.split(",")
            step = steps[min(n, len(steps)) - 1]
            if step == "x":
                self.drop()
            elif "r" in step:
                code, secs = step.split("r", 1)
                self.status(path, n, int(code), {"Retry-After": str(int(secs))})
            else:
                self.status(path, n, int(step))
        elif kind == "retry-after":
            if n == 1:
                self.status(path, n, 429, {"Retry-After": str(int(arg))})
            else:
                self.ok(path, n)
        elif kind == "slow":
            time.sleep(min(float(arg), MAX_SLEEP))
            self.ok(path, n)
        elif kind == "big":
            size = min(int(arg), MAX_BIG)
            self.reply(200, b"x" * size, "application/octet-stream")
        elif kind == "stream":
            size = min(int(arg), MAX_BIG)
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            while size > 0:
                chunk = min(size, 1000)
                self.wfile.write(b"%x\r\n%s\r\n" % (chunk, b"y" * chunk))
                size -= chunk
            self.wfile.write(b"0\r\n\r\n")
        elif kind == "ratelimit":
            self.reply(200, json.dumps({"ok": True, "path": path, "n": n}).encode(),
                       extra={"X-Ratelimit-Remaining": arg})
        elif kind == "headers":
            body = json.dumps({k: v for k, v in self.headers.items()}).encode()
            self.reply(200, body)
        elif kind == "redirect":
            self.reply(302, b"", extra={"Location": "/status/%d" % int(arg)})
        elif kind == "redirect-loop":
            self.reply(302, b"", extra={"Location": "/redirect-loop"})
        elif kind == "redirect-file":
            self.reply(302, b"", extra={"Location": "file:///etc/hostname"})
        else:
            self.reply(404, b'{"error":"no such script"}')


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *a, **kw):
        self.slots = threading.BoundedSemaphore(MAX_THREADS)
        super().__init__(*a, **kw)

    def process_request(self, request, client_address):
        # bounded: refuse connections beyond MAX_THREADS busy handlers
        if not self.slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def handle_error(self, request, client_address):
        pass  # clients that hang up early (size caps, timeouts) are expected

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--idle", type=float, default=120.0)
    args = ap.parse_args()

    srv = Server(("127.0.0.1", args.port), Handler)
    srv.timeout = 0.5
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)
    parent = os.getppid()
    try:
        # until idle, or until the test that started us is gone
        while time.monotonic() - last_request < args.idle and os.getppid() == parent:
            srv.handle_request()
    finally:
        srv.server_close()
    return 0


if __name__ == "__main__":
    socketserver.TCPServer.allow_reuse_address = True
    sys.exit(main())
