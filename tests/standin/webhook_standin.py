#!/usr/bin/python3
"""A stand-in for the receivers of alerts: a webhook receiver that checks
X-Edgescout-Signature (t=<unix>,v1=<hex HMAC-SHA256 of "t.body">, within
300 s) and refuses a replayed signature with 409, a Discord webhook (204 No
Content; 429 with a JSON retry_after and Retry-After when told), and
Twilio's Messages resource (POST /2010-04-01/Accounts/{sid}/Messages.json,
HTTP Basic sid:token else 401 code 20003, form-encoded To, From, Body; 201
with the message; 400 code 21211 for a To that is not E.164; 429 code 20429
when told).

POST /hook/<name> and POST /discord/<name> receive; a text to number N is
recorded under the path /sms/N. A test drives it with:
  POST /_config {"path": "/hook/x", "secret": "...", "script": [500, 429, ...],
                 "slow": seconds, "delay": seconds}
                                    answers the script's statuses first (each
                                    once, in order), then 2xx; "slow" holds
                                    the first request that long, "delay"
                                    every one
  GET /_received?path=/hook/x       [{"delivery": id, "at": monotonic seconds,
                                      "status": answered, "body": {...},
                                      "raw": the body's text, "signature": the
                                      X-Edgescout-Signature header}]
A delivery id answered 2xx before is answered 200 again and marked
"duplicate". Writes its port to --port-file; ends after --idle seconds
without requests."""

import argparse
import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import re
import secrets
from urllib.parse import parse_qs, urlparse

LOCK = threading.Lock()
CONFIG = {}        # path -> {"secret", "script", "slow"}
RECEIVED = {}      # path -> [records]
SEEN_SIGS = set()
TWILIO = {"sid": "", "token": ""}
E164 = re.compile(r"\+[1-9][0-9]{7,14}")
LAST = [time.monotonic()]


def check_signature(secret, header, body):
    """None when header signs body under secret, else why not."""
    parts = dict(p.split("=", 1) for p in (header or "").split(",") if "=" in p)
    if "t" not in parts or "v1" not in parts:
        return "no signature"
    try:
        t = int(parts["t"])
    except ValueError:
        return "bad timestamp"
    if abs(time.time() - t) > 300:
        return "timestamp outside tolerance"
    want = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, parts["v1"]):
        return "bad signature"
    return None


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if status != 204:
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 204:
            self.wfile.write(body)

    def do_GET(self):
        LAST[0] = time.monotonic()
        u = urlparse(self.path)
        if u.path == "/_received":
            path = parse_qs(u.query).get("path", [""])[0]
            with LOCK:
                body = json.dumps(RECEIVED.get(path, [])).encode()
            return self.reply(200, body)
        self.reply(404, b"{}")

    def do_POST(self):
        LAST[0] = time.monotonic()
        at = time.monotonic()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path = urlparse(self.path).path
        if path.startswith("/2010-04-01/Accounts/"):
            return self.twilio(path, body, at)
        if path == "/_config":
            cfg = json.loads(body)
            with LOCK:
                CONFIG[cfg["path"]] = {"secret": cfg.get("secret", ""),
                                       "script": list(cfg.get("script", [])),
                                       "slow": cfg.get("slow", 0),
                                       "delay": cfg.get("delay", 0)}
            return self.reply(200, b"{}")
        with LOCK:
            cfg = CONFIG.setdefault(path, {"secret": "", "script": [], "slow": 0, "delay": 0})
            slow, cfg["slow"] = cfg["slow"] + cfg.get("delay", 0), 0
        if slow:
            time.sleep(slow)
        rec = {"delivery": self.headers.get("X-Edgescout-Delivery"), "at": at,
               "raw": body.decode("utf-8", "replace"),
               "signature": self.headers.get("X-Edgescout-Signature")}
        try:
            rec["body"] = json.loads(body)
        except ValueError:
            rec["body"] = None
        status, headers, out = self.answer(path, cfg, body)
        rec["status"] = status
        with LOCK:
            if 200 <= status < 300 and any(r["delivery"] == rec["delivery"] and
                                            200 <= r["status"] < 300
                                            for r in RECEIVED.get(path, [])):
                rec["duplicate"] = True
            RECEIVED.setdefault(path, []).append(rec)
        self.reply(status, out, headers)

    def twilio(self, path, body, at):
        """Twilio's Messages.json: check the account, auth and form."""
        def fail(status, code, message):
            return self.reply(status, json.dumps({"code": code, "message": message,
                                                  "more_info": "", "status": status}).encode())
        m = re.fullmatch(r"/2010-04-01/Accounts/([A-Za-z0-9]+)/Messages\.json", path)
        auth = self.headers.get("Authorization", "")
        want = "Basic " + base64.b64encode(
            f"{TWILIO['sid']}:{TWILIO['token']}".encode()).decode()
        if not m or m.group(1) != TWILIO["sid"] or not hmac.compare_digest(auth, want):
            return fail(401, 20003, "Authenticate")
        if not (self.headers.get("Content-Type") or "").startswith(
                "application/x-www-form-urlencoded"):
            return fail(400, 21601, "Content-Type must be form-encoded")
        form = {k: v[0] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
        to = form.get("To", "")
        key = "/sms/" + to
        with LOCK:
            cfg = CONFIG.setdefault(key, {"secret": "", "script": [], "slow": 0, "delay": 0})
            scripted = cfg["script"].pop(0) if cfg["script"] else None
        rec = {"delivery": None, "at": at, "body": form}
        if not E164.fullmatch(to):
            status = 400
            out = {"code": 21211, "message": f"The 'To' number {to} is not a valid phone number.",
                   "more_info": "", "status": 400}
        elif not form.get("From") or not form.get("Body"):
            status = 400
            out = {"code": 21602, "message": "Message body is required.", "more_info": "",
                   "status": 400}
        elif scripted == 429:
            status = 429
            out = {"code": 20429, "message": "Too Many Requests", "more_info": "",
                   "status": 429}
        elif scripted is not None:
            status = int(scripted)
            out = {"code": 20500, "message": "scripted", "more_info": "", "status": status}
        else:
            status = 201
            out = {"sid": "SM" + secrets.token_hex(16), "account_sid": TWILIO["sid"],
                   "to": to, "from": form["From"], "body": form["Body"], "status": "queued",
                   "num_segments": "1", "direction": "outbound-api", "error_code": None}
        rec["status"] = status
        with LOCK:
            RECEIVED.setdefault(key, []).append(rec)
        return self.reply(status, json.dumps(out).encode())

    def answer(self, path, cfg, body):
        """(status, headers, body) for a receive."""
        if path.startswith("/hook/"):
            sig = self.headers.get("X-Edgescout-Signature")
            why = check_signature(cfg["secret"], sig, body)
            if why:
                return 401, {}, json.dumps({"error": why}).encode()
            with LOCK:
                if sig in SEEN_SIGS:
                    return 409, {}, b'{"error": "replayed"}'
                SEEN_SIGS.add(sig)
        with LOCK:
            scripted = cfg["script"].pop(0) if cfg["script"] else None
        if scripted == 429 and path.startswith("/discord/"):
            return 429, {"Retry-After": "1"}, json.dumps(
                {"message": "You are being rate limited.", "retry_after": 1.5,
                 "global": False}).encode()
        if scripted is not None:
            return int(scripted), {}, b'{"error": "scripted"}'
        if path.startswith("/discord/"):
            return 204, {}, b""
        return 200, {}, b'{"ok": true}'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--idle", type=float, default=300)
    ap.add_argument("--twilio-sid", default="")
    ap.add_argument("--twilio-token", default="")
    args = ap.parse_args()
    TWILIO["sid"], TWILIO["token"] = args.twilio_sid, args.twilio_token
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(args.port_file + ".tmp", args.port_file)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    while time.monotonic() - LAST[0] < args.idle:
        time.sleep(1)
    srv.shutdown()


if __name__ == "__main__":
    main()
