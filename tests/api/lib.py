"""Helpers for the API tests: an HTTPS client for the running stack, a
registry of tests, and assertions that say what they saw.

The stack is described by the shell-style file named in $STACK_ENV
(written by scripts/stack.sh up)."""

import glob
import http.client
import json
import os
import re
import shlex
import ssl
import subprocess
import time

import jsonschema

TESTS = []


def test(fn):
    """Register fn as a test; tests run in the order they are defined."""
    TESTS.append(fn)
    return fn


def load_stack(path):
    env = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, _, value = line.partition("=")
            if key.startswith("export "):
                key = key[len("export "):]
            parts = shlex.split(value)
            env[key.strip()] = parts[0] if parts else ""
    return env


STACK = load_stack(os.environ["STACK_ENV"]) if "STACK_ENV" in os.environ else {}


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        return self.headers.get(name.lower())

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except ValueError as e:
            raise AssertionError(f"reply is not JSON ({e}): {self.body[:200]!r}")

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


SPEC_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                         "openapi.yaml")
_spec = {}


def spec():
    """docs/openapi.yaml (JSON, which YAML reads too) and its operations as
    (method, path regex, path, operation), loaded once."""
    if not _spec:
        with open(SPEC_PATH) as f:
            doc = json.load(f)
        ops = []
        for path, item in doc["paths"].items():
            rx = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")
            for method, op in item.items():
                ops.append((method.upper(), rx, path, op))
        _spec.update(doc=doc, ops=ops)
    return _spec


def _resolve(doc, obj):
    while isinstance(obj, dict) and "$ref" in obj:
        node = doc
        for part in obj["$ref"].lstrip("#/").split("/"):
            node = node[part]
        obj = node
    return obj


def _check(schema, value, what):
    v = jsonschema.Draft202012Validator(schema)
    errors = sorted(v.iter_errors(value), key=lambda e: list(e.absolute_path))
    if errors:
        e = errors[0]
        where = "/".join(str(x) for x in e.absolute_path) or "(top)"
        raise AssertionError(f"{what}: reply does not match its documented schema at "
                             f"{where}: {e.message[:300]}")


def validate_reply(method, path, reply):
    """Check reply against docs/openapi.yaml: an error has the envelope of
    the catalogue; a success is a documented status of a documented
    operation, with the documented media type and a body its schema takes.
    Raises AssertionError naming the mismatch."""
    s = spec()
    doc = s["doc"]
    what = f"{method} {path} -> {reply.status}"
    if reply.status < 200 or (300 <= reply.status < 400):
        return
    path = path.split("?", 1)[0]
    m = "GET" if method == "HEAD" else method
    op = next((o for (meth, rx, _, o) in s["ops"] if meth == m and rx.match(path)), None)
    documented = _resolve(doc, op["responses"].get(str(reply.status))) if op else None
    ct = (reply.header("content-type") or "").split(";")[0].strip()
    if reply.status >= 400 and (documented is None or
                                documented.get("content", {}).get("application/json", {})
                                .get("schema", {}).get("$ref") == "#/components/schemas/Error"):
        if method == "HEAD" or not reply.body:
            return
        assert ct == "application/json", f"{what}: error reply of type {ct!r}"
        _check(doc["components"]["schemas"]["Error"], reply.json(), what)
        return
    assert op is not None, f"{what}: no operation of docs/openapi.yaml matches"
    assert documented is not None, f"{what}: status not documented ({sorted(op['responses'])})"
    content = documented.get("content")
    if not content:
        assert not reply.body, f"{what}: documented without a body but has one"
        return
    if method == "HEAD":
        return
    assert ct in content, f"{what}: content type {ct!r}, documented {sorted(content)}"
    if ct == "application/json":
        _check(_resolve(doc, content[ct]["schema"]), reply.json(), what)


def tls_context():
    ctx = ssl.create_default_context(cafile=STACK["CA"])
    return ctx


# Credentials a request sent or a reply carried are appended to the file
# named by $API_SECRETS_FILE (one per line), for the log scan after the suite
# (tests/api/log_scan.py): none may appear in any log.
SECRET_KEYS = ("password", "token", "key", "secret", "csrf")


def _secret_values(obj, out):
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, str) and any(s in k.lower() for s in SECRET_KEYS):
                out.append(v)
            else:
                _secret_values(v, out)
    elif isinstance(obj, list):
        for v in obj:
            _secret_values(v, out)


def note_secrets(headers, body, reply):
    path = os.environ.get("API_SECRETS_FILE")
    if not path:
        return
    found = []
    for k, v in headers.items():
        k = k.lower()
        if k == "authorization" and " " in v:
            found.append(v.split(" ", 1)[1])
        elif k in ("x-api-key", "x-csrf-token"):
            found.append(v)
        elif k == "cookie":
            found += [c.split("=", 1)[1] for c in v.split(";") if "=" in c]
    _secret_values(body, found)
    cookie = reply.header("set-cookie") if reply else None
    if cookie and "=" in cookie:
        found.append(cookie.split("=", 1)[1].split(";", 1)[0])
    if reply is not None and (reply.header("content-type") or "").startswith("application/json"):
        try:
            _secret_values(json.loads(reply.body.decode("utf-8")), found)
        except ValueError:
            pass
    # setting names (DATABASE_URL) and masks are not secrets
    found = [f.strip() for f in found if f and len(f.strip()) >= 8 and "\n" not in f
             and not re.fullmatch(r"[A-Z][A-Z0-9_]*|\**|\[REDACTED\]", f.strip())]
    if found:
        with open(path, "a") as f:
            f.write("".join(x + "\n" for x in found))


def request(method, path, body=None, headers=None, source="127.0.0.1",
            port=None, tls=True, raw_body=None, validate=True):
    """One request on a fresh connection; body (a dict) is sent as JSON. The
    reply is checked against docs/openapi.yaml (validate_reply) unless
    validate is false; the credentials sent and received are noted for the
    log scan (note_secrets)."""
    reply = _request(method, path, body, headers, source, port, tls, raw_body)
    note_secrets(headers or {}, body, reply)
    if validate:
        validate_reply(method, path, reply)
    return reply


def _request(method, path, body, headers, source, port, tls, raw_body):
    hdrs = dict(headers or {})
    data = raw_body
    if body is not None:
        data = json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    port = int(port or (STACK["PORT"] if tls else STACK["HTTP_PORT"]))
    if tls:
        conn = http.client.HTTPSConnection("localhost", port, context=tls_context(),
                                           source_address=(source, 0), timeout=30)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port,
                                          source_address=(source, 0), timeout=30)
    try:
        conn.request(method, path, body=data, headers=hdrs)
        r = conn.getresponse()
        payload = r.read()
        headers_out = {}
        for k, v in r.getheaders():
            k = k.lower()
            headers_out[k] = headers_out[k] + ", " + v if k in headers_out else v
        reply = Reply(r.status, headers_out, payload)
    finally:
        conn.close()
    return reply


def get(path, **kw):
    return request("GET", path, **kw)


def post(path, body=None, **kw):
    return request("POST", path, body=body, **kw)


def expect_status(reply, status):
    if reply.status != status:
        raise AssertionError(f"expected status {status}, got {reply!r}")


def expect_error(reply, status, code, field=None):
    """reply is the catalogue envelope with this status and code."""
    expect_status(reply, status)
    ct = reply.header("content-type") or ""
    assert ct.startswith("application/json"), f"content-type {ct!r} for {reply!r}"
    body = reply.json()
    assert set(body) == {"error"}, f"envelope has extra keys: {body}"
    err = body["error"]
    assert err.get("code") == code, f"expected code {code}, got {err}"
    assert isinstance(err.get("message"), str) and err["message"], f"no message: {err}"
    rid = err.get("request_id")
    assert rid and rid == reply.header("x-request-id"), \
        f"request_id {rid!r} vs header {reply.header('x-request-id')!r}"
    if field is not None:
        assert err.get("field") == field, f"expected field {field}, got {err}"
    return err


SECURITY_HEADERS = {
    "strict-transport-security": lambda v: "max-age=" in v and
        int(v.split("max-age=")[1].split(";")[0]) >= 180 * 86400,
    "content-security-policy": lambda v: "default-src 'none'" in v and
        "frame-ancestors 'none'" in v,
    "x-content-type-options": lambda v: v == "nosniff",
    "x-frame-options": lambda v: v == "DENY",
    "referrer-policy": lambda v: v == "no-referrer",
    "cache-control": lambda v: "no-store" in v,
    "cross-origin-opener-policy": lambda v: v == "same-origin",
    "cross-origin-resource-policy": lambda v: v == "same-origin",
}


def expect_security_headers(reply):
    for name, ok in SECURITY_HEADERS.items():
        v = reply.header(name)
        assert v is not None, f"missing {name} on {reply.status}"
        assert ok(v), f"bad {name}: {v!r} on {reply.status}"
    xss = reply.header("x-xss-protection")
    assert xss in (None, "0"), f"X-XSS-Protection {xss!r}"
    server = reply.header("server") or ""
    assert "/" not in server, f"server version leaked: {server!r}"


def run_as_stack_user(args, **kw):
    """Run a command as the account that owns the stack's processes."""
    user = STACK.get("STACK_USER", "")
    if os.geteuid() == 0 and user and user != "root":
        args = ["runuser", "-u", user, "--"] + args
    return subprocess.run(args, capture_output=True, text=True, **kw)


def pg_bin(tool):
    """Path of a PostgreSQL server tool of the newest installed version."""
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: int(d.split("/")[-2]))
    return os.path.join(dirs[-1], tool)


def wait_for(predicate, timeout=15.0, interval=0.1):
    """Poll predicate until it returns a true value; that value, or None."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = predicate()
        if v:
            return v
        time.sleep(interval)
    return None
