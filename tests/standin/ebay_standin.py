#!/usr/bin/env python3
"""ebay_standin.py: a small HTTP server on loopback that plays eBay's Browse
API for tests, in its documented shapes, from a fixture of item summaries.
Python standard library only.

    ebay_standin.py --items FILE --client-id ID --client-secret S --port-file FILE
                    [--idle 120]

Binds 127.0.0.1 on a free port, writes the port to FILE (atomically), serves
until SIGTERM or until no request has arrived for --idle seconds.

  POST /identity/v1/oauth2/token     client credentials: Authorization: Basic
                                     base64(id:secret), form body
                                     grant_type=client_credentials&scope=...;
                                     {"access_token", "expires_in",
                                     "token_type"}; bad credentials 401
                                     {"error": "invalid_client",
                                     "error_description"}
  GET /buy/browse/v1/item_summary/search?q=&limit=&offset=&filter=
                                     Authorization: Bearer <a live token> and
                                     X-EBAY-C-MARKETPLACE-ID required; the
                                     fixture's items a page of `limit` at a
                                     time from `offset`, with href, total,
                                     limit, offset, next (an absolute URL)
                                     while more remain, itemSummaries (left
                                     out when empty); a bad or revoked token
                                     401 with {"errors": [{"errorId": 1001,
                                     "message": "Invalid access token"}]}
Test controls (GET, not counted): /_stats (tokens issued, searches answered,
the last q, filter and marketplace), /_expires_in/N (the lifetime of tokens
issued from now on), /_revoke_after/N (revoke every live token after N more
searches), /_rate_limit/N (the next N searches answer 429 with errorId
2001), /_empty/0|1 (searches find nothing), /_shift/0|1 (every page after
the first starts one item early, as when listings move between calls, so
an item comes twice), /_reset.
"""
import argparse
import base64
import json
import os
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode

lock = threading.Lock()
last_request = time.monotonic()
ITEMS = []
CLIENT = ("", "")


def fresh_state():
    return {"tokens": 0, "searches": 0, "live": set(), "expires_in": 7200,
            "revoke_after": None, "rate_limit": 0, "empty": False, "shift": False,
            "last_q": None, "last_filter": None, "last_marketplace": None}


state = fresh_state()


def errors(error_id, message):
    return json.dumps({"errors": [{"errorId": error_id, "domain": "API_BROWSE",
                                   "category": "REQUEST", "message": message}]}).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ebay-standin/1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def reply(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        global last_request
        last_request = time.monotonic()
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode())
        if self.path != "/identity/v1/oauth2/token":
            return self.reply(404, errors(2002, "Resource not found"))
        want = "Basic " + base64.b64encode(f"{CLIENT[0]}:{CLIENT[1]}".encode()).decode()
        if self.headers.get("Authorization") != want:
            return self.reply(401, json.dumps({
                "error": "invalid_client",
                "error_description": "client authentication failed"}).encode())
        if form.get("grant_type") != ["client_credentials"] or "scope" not in form or \
                not self.headers.get("Content-Type", "").startswith(
                    "application/x-www-form-urlencoded"):
            return self.reply(400, json.dumps({
                "error": "invalid_request",
                "error_description": "request is missing a required parameter"}).encode())
        token = "v^1.1#i^1#standin" + secrets.token_hex(16)
        with lock:
            state["tokens"] += 1
            state["live"].add(token)
            expires = state["expires_in"]
        self.reply(200, json.dumps({"access_token": token, "expires_in": expires,
                                    "token_type": "Application Access Token"}).encode())

    def control(self, parts):
        with lock:
            if parts == ["_stats"]:
                out = {k: v for k, v in state.items() if k != "live"}
                return self.reply(200, json.dumps(out).encode())
            if parts == ["_reset"]:
                state.clear()
                state.update(fresh_state())
            elif parts[0] == "_expires_in":
                state["expires_in"] = int(parts[1])
            elif parts[0] == "_revoke_after":
                state["revoke_after"] = int(parts[1])
            elif parts[0] == "_rate_limit":
                state["rate_limit"] = int(parts[1])
            elif parts[0] == "_empty":
                state["empty"] = parts[1] == "1"
            elif parts[0] == "_shift":
                state["shift"] = parts[1] == "1"
            else:
                return self.reply(404, b"{}")
        return self.reply(200, b"{}")

    def do_GET(self):
        global last_request
        last_request = time.monotonic()
        path, _, query = self.path.partition("?")
        parts = path.strip("/").split("/")
        if parts[0].startswith("_"):
            return self.control(parts)
        if path != "/buy/browse/v1/item_summary/search":
            return self.reply(404, errors(2002, "Resource not found"))
        auth = self.headers.get("Authorization", "")
        q = {k: v[0] for k, v in parse_qs(query).items()}
        with lock:
            if not auth.startswith("Bearer ") or auth[7:] not in state["live"]:
                return self.reply(401, errors(1001, "Invalid access token"))
            market = self.headers.get("X-EBAY-C-MARKETPLACE-ID")
            if not market:
                return self.reply(400, errors(12001, "X-EBAY-C-MARKETPLACE-ID is missing"))
            if state["rate_limit"] > 0:
                state["rate_limit"] -= 1
                return self.reply(429, errors(2001, "Too many requests"))
            state["searches"] += 1
            state["last_q"], state["last_filter"] = q.get("q"), q.get("filter")
            state["last_marketplace"] = market
            if state["revoke_after"] is not None:
                state["revoke_after"] -= 1
                if state["revoke_after"] <= 0:
                    state["live"].clear()
                    state["revoke_after"] = None
            items = [] if state["empty"] else ITEMS
            shift = 1 if state["shift"] else 0
        limit, offset = int(q.get("limit", "50")), int(q.get("offset", "0"))
        start = offset - shift if offset > 0 else 0
        page = items[start:start + limit]
        host = f"http://127.0.0.1:{self.server.server_address[1]}"
        base = host + path + "?"
        body = {"href": base + query, "total": len(items), "limit": limit, "offset": offset}
        if offset + limit < len(items):
            nq = dict(q, offset=str(offset + limit))
            body["next"] = base + urlencode(nq)
        if page:
            body["itemSummaries"] = page
        self.reply(200, json.dumps(body).encode())


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # clients that hang up early are expected


def main():
    global ITEMS, CLIENT
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--items", required=True)
    ap.add_argument("--client-id", required=True)
    ap.add_argument("--client-secret", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--idle", type=float, default=120.0)
    args = ap.parse_args()
    with open(args.items) as f:
        ITEMS = json.load(f)
    CLIENT = (args.client_id, args.client_secret)

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
