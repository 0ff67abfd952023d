#!/usr/bin/env python3
"""stripe_standin.py: a small HTTP server on loopback that plays the two
Stripe API calls edgescout makes, in Stripe's documented shapes. Python
standard library only.

    stripe_standin.py --key SK --price PRICE --port PORT --port-file FILE [--idle 120]

Binds 127.0.0.1:PORT (0: any free one), writes the port to FILE
(atomically), serves until SIGTERM or until no request has arrived for
--idle seconds.

  POST /v1/checkout/sessions        form-encoded: mode=subscription,
                                    line_items[0][price]=PRICE,
                                    line_items[0][quantity], success_url,
                                    cancel_url (required), client_reference_id,
                                    customer_email, subscription_data[metadata][*]
                                    -> a checkout.session object with its url
  POST /v1/billing_portal/sessions  customer=cus_... (required), return_url
                                    -> a billing_portal.session object with its url

Authentication is HTTP Bearer with the secret key; a wrong or missing key
is 401. A request that is not application/x-www-form-urlencoded, lacks a
required parameter or names an unknown price is 400; each error has
Stripe's body {"error": {"type", "code", "message", "param"}}. The
Idempotency-Key header works as Stripe documents it: the same key with the
same parameters replays the first reply (Idempotent-Replayed: true), with
other parameters it is a 400 idempotency_error. Test controls (not
recorded): GET /_requests (every API request so far: path, form,
idempotency key, authorization matched), POST /_reset.
"""
import argparse
import json
import os
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

lock = threading.Lock()
state = {"requests": [], "idempotent": {}}
last_request = time.monotonic()
KEY = ""
PRICE = ""


def error(kind, message, code=None, param=None):
    e = {"type": kind, "message": message}
    if code:
        e["code"] = code
    if param:
        e["param"] = param
    return {"error": e}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "stripe-standin/1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def reply(self, status, obj, extra=None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Request-Id", "req_" + secrets.token_hex(7))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def base(self):
        return "http://127.0.0.1:%d" % self.server.server_address[1]

    def do_GET(self):
        global last_request
        last_request = time.monotonic()
        if self.path == "/_requests":
            with lock:
                return self.reply(200, state["requests"])
        self.reply(404, error("invalid_request_error", "Unrecognized request URL (GET: %s)."
                              % self.path))

    def do_POST(self):
        global last_request
        last_request = time.monotonic()
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode("utf-8", "replace")
        if self.path == "/_reset":
            with lock:
                state["requests"].clear()
                state["idempotent"].clear()
            return self.reply(200, {})
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        form = dict(parse_qsl(raw, keep_blank_values=True))
        authorized = self.headers.get("Authorization") == "Bearer " + KEY
        idem = self.headers.get("Idempotency-Key")
        with lock:
            state["requests"].append({"path": self.path, "form": form, "idempotency_key": idem,
                                      "content_type": ctype, "authorized": authorized})
        if not authorized:
            return self.reply(401, error("invalid_request_error",
                                         "Invalid API Key provided: ****"))
        if ctype != "application/x-www-form-urlencoded":
            return self.reply(400, error("invalid_request_error",
                                         "Invalid request: the body must be form-encoded"))
        if self.path == "/v1/checkout/sessions":
            status, obj = self.checkout(form)
        elif self.path == "/v1/billing_portal/sessions":
            status, obj = self.portal(form)
        else:
            return self.reply(404, error("invalid_request_error",
                                         "Unrecognized request URL (POST: %s)." % self.path))
        if idem:
            with lock:
                seen = state["idempotent"].get(idem)
                if seen is not None:
                    if seen[0] != (self.path, form):
                        return self.reply(400, error(
                            "idempotency_error", "Keys for idempotent requests can only be "
                            "used with the same parameters they were first used with."))
                    return self.reply(seen[1], seen[2], {"Idempotent-Replayed": "true"})
                state["idempotent"][idem] = ((self.path, form), status, obj)
        self.reply(status, obj)

    @staticmethod
    def missing(form, names):
        for name in names:
            if not form.get(name):
                return 400, error("invalid_request_error", "Missing required param: %s." % name,
                                  "parameter_missing", name)
        return None

    def checkout(self, form):
        bad = self.missing(form, ("mode", "success_url", "cancel_url", "line_items[0][price]"))
        if bad:
            return bad
        if form["mode"] not in ("payment", "setup", "subscription"):
            return 400, error("invalid_request_error", "Invalid mode", "parameter_invalid_string",
                              "mode")
        if form["line_items[0][price]"] != PRICE:
            return 400, error("invalid_request_error", "No such price: '%s'"
                              % form["line_items[0][price]"], "resource_missing",
                              "line_items[0][price]")
        sid = "cs_test_" + secrets.token_hex(12)
        return 200, {
            "id": sid, "object": "checkout.session", "mode": form["mode"],
            "client_reference_id": form.get("client_reference_id"),
            "customer": None, "customer_email": form.get("customer_email"),
            "success_url": form["success_url"], "cancel_url": form["cancel_url"],
            "status": "open", "payment_status": "unpaid", "subscription": None,
            "livemode": False, "created": int(time.time()),
            "url": self.base() + "/c/pay/" + sid,
        }

    def portal(self, form):
        bad = self.missing(form, ("customer",))
        if bad:
            return bad
        if not form["customer"].startswith("cus_"):
            return 400, error("invalid_request_error", "No such customer: '%s'" % form["customer"],
                              "resource_missing", "customer")
        sid = "bps_" + secrets.token_hex(12)
        return 200, {
            "id": sid, "object": "billing_portal.session", "customer": form["customer"],
            "return_url": form.get("return_url"), "livemode": False,
            "created": int(time.time()), "url": self.base() + "/p/session/" + sid,
        }


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # clients that hang up early are expected


def main():
    global KEY, PRICE
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--key", required=True)
    ap.add_argument("--price", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--idle", type=float, default=120.0)
    args = ap.parse_args()
    KEY, PRICE = args.key, args.price

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
