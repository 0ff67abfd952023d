#!/usr/bin/env python3
"""chat_standin.py: a small HTTP server on loopback that plays an
OpenAI-compatible chat-completions API for tests, in its documented shape.
Python standard library only.

    chat_standin.py --key KEY --port-file FILE [--idle 120]

Binds 127.0.0.1 on a free port, writes the port to FILE (atomically), serves
until SIGTERM or until no request has arrived for --idle seconds.

  POST /v1/chat/completions   Authorization: Bearer KEY, a JSON body with
                              model and messages; answers {"id", "object":
                              "chat.completion", "model", "choices": [{"index":
                              0, "message": {"role": "assistant", "content"},
                              "finish_reason": "stop"}], "usage"}, the
                              content "Second opinion on <the listing's first
                              line>: check the seller's return policy."; a
                              wrong key 401 with {"error": {"message", "type",
                              "code"}}
Test controls (GET, not counted): /_requests (every request body so far,
with the Authorization it came with: "ok" or "bad"), /_reset.
"""
import argparse
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
last_request = time.monotonic()
KEY = ""
requests = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "chat-standin/1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def reply(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        global last_request
        last_request = time.monotonic()
        with lock:
            if self.path == "/_requests":
                return self.reply(200, requests)
            if self.path == "/_reset":
                requests.clear()
                return self.reply(200, {})
        self.reply(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

    def do_POST(self):
        global last_request
        last_request = time.monotonic()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.path != "/v1/chat/completions":
            return self.reply(404, {"error": {"message": "not found",
                                              "type": "invalid_request_error"}})
        ok = self.headers.get("Authorization") == "Bearer " + KEY
        try:
            body = json.loads(raw)
        except ValueError:
            return self.reply(400, {"error": {"message": "invalid JSON",
                                              "type": "invalid_request_error"}})
        with lock:
            requests.append({"auth": "ok" if ok else "bad", "body": body})
        if not ok:
            return self.reply(401, {"error": {"message": "Incorrect API key provided",
                                              "type": "invalid_request_error",
                                              "code": "invalid_api_key"}})
        user = [m["content"] for m in body.get("messages", []) if m.get("role") == "user"]
        first = user[0].splitlines()[0] if user else ""
        self.reply(200, {
            "id": "chatcmpl-standin", "object": "chat.completion",
            "created": int(time.time()), "model": body.get("model", ""),
            "choices": [{"index": 0, "finish_reason": "stop", "message": {
                "role": "assistant",
                "content": f"Second opinion on {first}: check the seller's return policy."}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # clients that hang up early are expected


def main():
    global KEY
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--key", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--idle", type=float, default=120.0)
    args = ap.parse_args()
    KEY = args.key
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
