#!/usr/bin/python3
"""A local SMTP server for email alerts (aiosmtpd): STARTTLS required
before anything else (--mode starttls) or TLS from the first byte
(--mode tls), AUTH PLAIN/LOGIN with --user and --password (refused before
TLS), a recipient whose local part starts with "bounce" refused with 550,
one starting with "busy" with 451. Each message taken is written to
--spool as <n>.json: {"mail_from", "rcpt_tos", "login", "tls", "data"}.
Writes its port to --port-file; ends after --idle seconds."""

import argparse
import json
import os
import socket
import ssl
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Handler:
    def __init__(self, spool):
        self.spool = spool
        self.n = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0]
        if local.startswith("bounce"):
            return "550 5.1.1 no such user"
        if local.startswith("busy"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        auth = session.auth_data
        tls = server._tls_protocol is not None or \
            server.transport.get_extra_info("sslcontext") is not None
        rec = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
               "login": auth.login.decode() if isinstance(auth, LoginPassword) else "",
               "tls": tls,
               "data": envelope.content.decode("utf-8", "replace")}
        path = os.path.join(self.spool, f"{self.n:04d}.json")
        with open(path + ".tmp", "w") as f:
            json.dump(rec, f)
        os.rename(path + ".tmp", path)
        return "250 Message accepted"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--mode", choices=("starttls", "tls"), default="starttls")
    ap.add_argument("--spool", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--idle", type=float, default=300)
    args = ap.parse_args()

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and
              auth_data.login.decode() == args.user and
              auth_data.password.decode() == args.password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.cert, args.key)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    kw = dict(hostname="127.0.0.1", port=port, authenticator=authenticate,
              auth_require_tls=True, auth_required=True, server_hostname="localhost")
    if args.mode == "starttls":
        kw.update(tls_context=ctx, require_starttls=True)
    else:   # the whole session is TLS: aiosmtpd only knows STARTTLS as TLS
        kw.update(ssl_context=ctx, auth_require_tls=False)
    ctl = Controller(Handler(args.spool), **kw)
    ctl.start()
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(port))
    os.rename(args.port_file + ".tmp", args.port_file)
    start = time.monotonic()
    while time.monotonic() - start < args.idle:
        time.sleep(1)
    ctl.stop()


if __name__ == "__main__":
    main()
