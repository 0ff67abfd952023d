#!/usr/bin/env python3
"""odds_standin.py: a small HTTP server on loopback that plays The Odds API
v4 for tests, in its documented shapes, from a fixtures directory. Python
standard library only.

    odds_standin.py --fixtures DIR --key KEY --quota N --port-file FILE [--idle 120]

Binds 127.0.0.1 on a free port, writes the port to FILE (atomically), serves
until SIGTERM or until no request has arrived for --idle seconds.

  GET /v4/sports?apiKey=K               DIR/sports.json; free of quota
  GET /v4/sports/S/odds?apiKey=K&regions=R&markets=M&oddsFormat=decimal
                                        DIR/S_odds.json ("[]" when none); costs
                                        len(M) x len(R) requests
  GET /v4/sports/S/scores?apiKey=K&daysFrom=N
                                        DIR/S_scores.json ("[]"); costs 1, 2
                                        with daysFrom
Every quota-counted reply carries x-requests-remaining, x-requests-used and
x-requests-last. A wrong apiKey is 401, a sport not in sports.json (other
than "upcoming") 422, a call costing more than what remains 429, each with
the API's {"message", "error_code", "details_url"} body. Test controls (not
counted): /_hits (quota-counted calls so far), /_quota/N (N requests left).
"""
import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

lock = threading.Lock()
state = {"remaining": 500, "used": 0, "hits": 0}
last_request = time.monotonic()
FIXTURES = "."
KEY = ""


def error(code, message):
    return json.dumps({"message": message, "error_code": code,
                       "details_url": "https://the-odds-api.com/liveapi/guides/v4/"}).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "odds-standin/1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def reply(self, status, body, quota_last=None):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if quota_last is not None:
            self.send_header("x-requests-remaining", str(state["remaining"]))
            self.send_header("x-requests-used", str(state["used"]))
            self.send_header("x-requests-last", str(quota_last))
        self.end_headers()
        self.wfile.write(body)

    def fixture(self, name, default=b"[]"):
        try:
            with open(os.path.join(FIXTURES, name), "rb") as f:
                return f.read()
        except OSError:
            return default

    def sports(self):
        return [s["key"] for s in json.loads(self.fixture("sports.json"))]

    def do_GET(self):
        global last_request
        last_request = time.monotonic()
        path, _, query = self.path.partition("?")
        q = {k: v[0] for k, v in parse_qs(query).items()}
        parts = path.strip("/").split("/")
        if parts == ["_hits"]:
            return self.reply(200, str(state["hits"]).encode())
        if len(parts) == 2 and parts[0] == "_quota":
            with lock:
                state["remaining"] = int(parts[1])
            return self.reply(200, b"{}")
        if parts[:2] != ["v4", "sports"] or len(parts) not in (2, 4):
            return self.reply(404, error("NOT_FOUND", "Not found"))
        if q.get("apiKey") != KEY:
            return self.reply(401, error("INVALID_KEY", "API key is not valid"))
        if len(parts) == 2:
            return self.reply(200, self.fixture("sports.json"))
        sport, what = parts[2], parts[3]
        if sport != "upcoming" and sport not in self.sports():
            return self.reply(422, error("UNKNOWN_SPORT", "Unknown sport"))
        if what == "odds":
            cost = len(q.get("markets", "h2h").split(",")) * len(q.get("regions", "").split(","))
            body = self.fixture(f"{sport}_odds.json")
        elif what == "scores":
            cost = 2 if "daysFrom" in q else 1
            body = self.fixture(f"{sport}_scores.json")
        else:
            return self.reply(404, error("NOT_FOUND", "Not found"))
        with lock:
            if cost > state["remaining"]:
                return self.reply(429, error("OUT_OF_USAGE_CREDITS",
                                             "Usage quota has been reached"), 0)
            state["remaining"] -= cost
            state["used"] += cost
            state["hits"] += 1
        self.reply(200, body, cost)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # clients that hang up early are expected


def main():
    global FIXTURES, KEY
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--quota", type=int, default=500)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--idle", type=float, default=120.0)
    args = ap.parse_args()
    FIXTURES, KEY = os.path.abspath(args.fixtures), args.key
    state["remaining"] = args.quota

    srv = Server(("127.0.0.1", 0), Handler)
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
