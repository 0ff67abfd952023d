#!/usr/bin/env python3
"""provider_standin.py: a small HTTP server on loopback that plays market-data
providers for tests, answering with recorded replies from a fixtures
directory. Python standard library only.

    provider_standin.py --fixtures DIR --port 0 --port-file FILE [--idle 120]

Binds 127.0.0.1 (port 0: any free one), writes the port to FILE (atomically),
serves until SIGTERM or until no request has arrived for --idle seconds.

A path is /TAG/KIND/ARGS.../anything: TAG is a label of the test's choosing
(requests are counted and the last one kept per TAG), the rest of the path
after KIND's arguments (a provider's own path) is ignored. Kinds:
  /TAG/file/NAME/...           200 with DIR/NAME (404 when there is none)
  /TAG/status/N/...            status N with a small JSON body
  /TAG/seq/S1,S2,.../...       the k-th request answers step k (the last
                               repeats); a step is a status N or a NAME
  /TAG/av/DAILY/OVERVIEW/...   Alpha Vantage: DAILY for function=TIME_SERIES_DAILY,
                               OVERVIEW for function=OVERVIEW, each a NAME or
                               a status N
  /_hits/TAG                   how many requests TAG has had (not counted)
  /_last/TAG                   TAG's last request target, query included
NAME is a file name in DIR (no slashes).
"""
import argparse
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

hits = {}
last = {}
lock = threading.Lock()
last_request = time.monotonic()
FIXTURES = "."


def content_type(name):
    if name.endswith(".json"):
        return "application/json"
    if name.endswith(".csv"):
        return "text/csv"
    if name.endswith(".html"):
        return "text/html"
    return "application/octet-stream"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "provider-standin/1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def reply(self, status, body=b"", ctype="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def step(self, what):
        """Answer with a status number or a fixture file."""
        if what.isdigit():
            self.reply(int(what), b'{"error":%s}' % what.encode())
            return
        if "/" in what or what.startswith(".") or what == "":
            self.reply(400, b'{"error":"bad fixture name"}')
            return
        try:
            with open(os.path.join(FIXTURES, what), "rb") as f:
                body = f.read()
        except OSError:
            self.reply(404, b'{"error":"no such fixture"}')
            return
        self.reply(200, body, content_type(what))

    def do_GET(self):
        global last_request
        last_request = time.monotonic()
        path, _, query = self.path.partition("?")
        parts = path.strip("/").split("/")
        if parts[0] in ("_hits", "_last") and len(parts) == 2:
            with lock:
                if parts[0] == "_hits":
                    body = str(hits.get(parts[1], 0)).encode()
                else:
                    body = last.get(parts[1], "").encode()
            self.reply(200, body, "text/plain")
            return
        if len(parts) < 3:
            self.reply(404, b'{"error":"no such script"}')
            return
        tag, kind = parts[0], parts[1]
        with lock:
            hits[tag] = n = hits.get(tag, 0) + 1
            last[tag] = self.path
        if kind == "file":
            self.step(parts[2])
        elif kind == "status":
            self.step(parts[2] if parts[2].isdigit() else "400")
        elif kind == "seq":
            steps = parts[2].split(",")
            self.step(steps[min(n, len(steps)) - 1])
        elif kind == "av" and len(parts) >= 4:
            function = parse_qs(query).get("function", [""])[0]
            if function == "OVERVIEW":
                self.step(parts[3])
            elif function == "TIME_SERIES_DAILY":
                self.step(parts[2])
            else:
                self.reply(400, b'{"Error Message":"unknown function"}')
        else:
            self.reply(404, b'{"error":"no such script"}')

    do_HEAD = do_GET


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # clients that hang up early are expected


def main():
    global FIXTURES
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--idle", type=float, default=120.0)
    args = ap.parse_args()
    FIXTURES = os.path.abspath(args.fixtures)

    srv = Server(("127.0.0.1", args.port), Handler)
    srv.timeout = 0.5
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, args.port_file)
    try:
        while time.monotonic() - last_request < args.idle:
            srv.handle_request()
    finally:
        srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
