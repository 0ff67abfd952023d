"""Helpers shared by the account API tests (test_auth, test_sessions,
test_apikeys): client addresses, users, tokens, forged JWTs and reading the
database as its owner."""

import base64
import hashlib
import hmac
import itertools
import json
import re
import shlex
import time
import uuid

from lib import STACK, post, request, run_as_stack_user

# Client addresses of the tests that use this module: 1,024 addresses of
# 127.20.0.0/22 (all loopback), used in turn, so that nginx's per-address
# limits (10/min login, 5/min register) are never reached by the suite itself
# however many accounts it makes in a minute.
ADDRS = [f"127.20.{i // 256}.{i % 256}" for i in range(1, 1025)]
_turn = itertools.count()


def addr():
    return ADDRS[next(_turn) % len(ADDRS)]


def unique_email(tag="user", domain="example.com"):
    return f"{tag}-{uuid.uuid4().hex[:12]}@{domain}"


def strong_password():
    return f"Violet canyon {uuid.uuid4().hex[:10]} drifts slowly"


def agent(tag):
    """A User-Agent that names the test, to find its audit rows."""
    return f"edgescout-api-test/{tag}-{uuid.uuid4().hex[:8]}"


def call(method, path, body=None, token=None, headers=None, source=None, **kw):
    hdrs = dict(headers or {})
    if token is not None:
        hdrs["Authorization"] = f"Bearer {token}"
    return request(method, path, body=body, headers=hdrs, source=source or addr(), **kw)


def register(email, password, headers=None):
    return post("/api/auth/register", body={"email": email, "password": password},
                headers=headers, source=addr())


def login(email, password, headers=None, **extra):
    body = {"email": email, "password": password}
    body.update(extra)
    return post("/api/auth/login", body=body, headers=headers, source=addr())


def refresh(token, **kw):
    """POST /api/auth/refresh with the refresh token."""
    return call("POST", "/api/auth/refresh", body={"refresh_token": token}, **kw)


def new_user(tag="user"):
    """Register and sign in a fresh user: (email, password, token reply)."""
    email, password = unique_email(tag), strong_password()
    r = register(email, password)
    assert r.status == 201, f"register: {r!r}"
    r = login(email, password)
    assert r.status == 200, f"login: {r!r}"
    return email, password, r.json()


def cookie_login(email, password, headers=None):
    """Sign in with a browser session: (reply, cookie value, csrf token)."""
    r = login(email, password, headers=headers, session="cookie")
    assert r.status == 200, f"cookie login: {r!r}"
    m = re.match(r"__Host-edgescout_session=([^;]+);", r.header("set-cookie") or "")
    assert m, f"no session cookie: {r.headers}"
    return r, m.group(1), r.json()["csrf_token"]


def cookie_headers(cookie, csrf=None):
    h = {"Cookie": f"__Host-edgescout_session={cookie}"}
    if csrf is not None:
        h["X-CSRF-Token"] = csrf
    return h


def me(token=None, headers=None):
    return call("GET", "/api/auth/me", token=token, headers=headers)


def without_request_id(reply):
    body = reply.json()
    body.get("error", {}).pop("request_id", None)
    return body


# ---- the database, as its owner ---------------------------------------------

_env = {}


def stack_env():
    """The stack's env file (readable by its owner only) as a dict."""
    if not _env:
        out = run_as_stack_user(["cat", STACK["ENV_FILE"]])
        assert out.returncode == 0, "cannot read the stack's env file"
        for line in out.stdout.splitlines():
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, _, value = line.partition("=")
            parts = shlex.split(value)
            _env[key.strip()] = parts[0] if parts else ""
    return _env


def sql(statement, *params):
    """Rows of statement (as lists of text) run as the owner role; params are
    bound as psql variables :'p1', :'p2', ..."""
    args = ["psql", stack_env()["DATABASE_OWNER_URL"], "-X", "-v", "ON_ERROR_STOP=1",
            "-At", "-F", "\x1f"]
    for i, p in enumerate(params, 1):
        args += ["-v", f"p{i}={p}"]
    out = run_as_stack_user(args, input=statement)
    assert out.returncode == 0, f"psql failed: {out.stderr.strip()}"
    return [line.split("\x1f") for line in out.stdout.splitlines() if line != ""]


def sql_value(statement, *params):
    rows = sql(statement, *params)
    return rows[0][0] if rows else None


def user_id(email):
    return int(sql_value("SELECT id FROM users WHERE lower(email) = lower(:'p1')", email))


def audit_rows(action, request_id=None, target=None):
    """Audit rows of action (for one request id / target) as dicts."""
    rows = sql("SELECT coalesce(actor_id::text, ''), target, ip, user_agent, request_id, "
               "details::text FROM audit_log WHERE action = :'p1' "
               "AND (:'p2' = '' OR request_id = :'p2') AND (:'p3' = '' OR target = :'p3') "
               "ORDER BY id", action, request_id or "", target or "")
    return [{"actor_id": int(r[0]) if r[0] else None, "target": r[1], "ip": r[2],
             "user_agent": r[3], "request_id": r[4], "details": json.loads(r[5])}
            for r in rows]


def expect_audit(action, reply, actor, ua, target=None):
    """Exactly one audit row of action written by the request of reply, with
    actor, its client address, user agent and request id."""
    rid = reply.header("x-request-id")
    rows = audit_rows(action, request_id=rid)
    assert len(rows) == 1, f"{action}: {len(rows)} rows for request {rid}"
    row = rows[0]
    assert row["actor_id"] == actor, f"{action}: actor {row['actor_id']} != {actor}"
    assert row["ip"] in ADDRS, f"{action}: ip {row['ip']!r}"
    assert row["user_agent"] == ua, f"{action}: user agent {row['user_agent']!r}"
    if target is not None:
        assert row["target"] == target, f"{action}: target {row['target']!r}"
    return row


# ---- JWTs ---------------------------------------------------------------------

def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_parts(token):
    h, p, s = token.split(".")
    return json.loads(b64url_decode(h)), json.loads(b64url_decode(p)), b64url_decode(s)


def jwt_key():
    """The server's signing key: HMAC-SHA256(SHA-256(SECRET_KEY), "jwt")."""
    master = hashlib.sha256(stack_env()["SECRET_KEY"].encode()).digest()
    return hmac.new(master, b"jwt", hashlib.sha256).digest()


def jwt_make(header, claims, key=None, digest=hashlib.sha256, signature=None):
    head = b64url(json.dumps(header, separators=(",", ":")).encode())
    body = b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{head}.{body}".encode()
    if signature is None:
        signature = hmac.new(key if key is not None else jwt_key(), signing_input,
                             digest).digest()
    return f"{head}.{body}.{b64url(signature)}"


def claims_for(uid, gen=1, **over):
    now = int(time.time())
    c = {"iss": "edgescout", "aud": "edgescout-api", "sub": str(uid), "iat": now,
         "nbf": now, "exp": now + 900, "jti": uuid.uuid4().hex, "tier": "free",
         "role": "user", "gen": gen}
    c.update(over)
    return c
