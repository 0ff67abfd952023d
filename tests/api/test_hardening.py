"""The edges a careful operator probes, against the real stack: credentials in
URLs, the HTTP redirect, short bodies, TLS suites, charsets, bodies where
none belong, and what /api/version and /health/detailed tell strangers.
Client addresses 127.31.0.0/24."""

import os
import re
import socket
import ssl
import time
import uuid

from lib import STACK, expect_error, expect_status, request, run_as_stack_user, test

ADDRS = iter([f"127.31.0.{i}" for i in range(1, 255)] * 4)


def src():
    return next(ADDRS)


def log_text(name):
    with open(os.path.join(STACK["LOG_DIR"], name), errors="replace") as f:
        return f.read()


def admin_token():
    email = f"hardadm-{uuid.uuid4().hex[:12]}@example.com"
    pw = f"Saffron lantern {uuid.uuid4().hex[:10]} sways gently"
    out = run_as_stack_user([f"{STACK['BIN_DIR']}/edgescout", "user", "create", "--email",
                             email, "--role", "admin", "--password-stdin"],
                            input=pw + "\n", timeout=60,
                            env={"EDGESCOUT_ENV_FILE": STACK["ENV_FILE"],
                                 "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
    assert out.returncode == 0, f"user create: {out.stderr}"
    r = request("POST", "/api/auth/login", body={"email": email, "password": pw}, source=src())
    expect_status(r, 200)
    return r.json()["access_token"]


@test
def credentials_in_a_query_string_are_refused_before_nginx_logs_them():
    secret = "s" + uuid.uuid4().hex
    big = int(STACK.get("BODY_MAX_BYTES", "1048576")) + 1024
    for q in (f"access_token={secret}", f"api_key=es_{secret}", f"x=eyJ{secret}.e30.x",
              f"password={secret}", f"key={secret}", f"Session_ID={secret}"):
        # too large and rate limited: both would have nginx log the request line
        r = request("POST", f"/api/auth/login?{q}", raw_body=b"x" * big,
                    headers={"Content-Type": "application/json"}, source=src())
        expect_error(r, 400, "BAD_REQUEST")
        expect_error(request("GET", f"/api/version?{q}", source=src()), 400, "BAD_REQUEST")
    # an ordinary query still gets through to the worker (whose contract
    # refuses the unknown name), and a 413 is still a 413
    expect_error(request("GET", "/api/version?monkey=1", source=src()), 422,
                 "VALIDATION_FAILED", "monkey")
    r = request("POST", "/api/auth/login?next=home", raw_body=b"x" * big,
                headers={"Content-Type": "application/json"}, source=src())
    expect_error(r, 413, "PAYLOAD_TOO_LARGE")
    time.sleep(1.2)      # the access log is flushed each second
    for name in os.listdir(STACK["LOG_DIR"]):
        if name.endswith(".log"):
            assert secret not in log_text(name), f"the secret is in {name}"


@test
def the_http_redirect_names_the_configured_server_not_the_clients_host():
    for host in ("evil.example", "localhost:1@evil.example", "localhost"):
        r = request("GET", "/api/version?a=1", tls=False, headers={"Host": host})
        expect_status(r, 301)
        loc = r.header("location")
        assert loc == f"https://localhost:{STACK['PORT']}/api/version?a=1", loc


@test
def a_body_shorter_than_its_content_length_is_cut_off_within_seconds():
    """nginx ends a body that stops short at client_body_timeout (5 s, not
    15): it answers nothing then (nginx never answers a timed-out request),
    so the client sees the connection end; nothing reaches a binary."""
    ctx = ssl.create_default_context(cafile=STACK["CA"])
    t0 = time.time()
    data = b""
    with socket.create_connection(("127.0.0.1", int(STACK["PORT"])), timeout=20) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            s.sendall(b"POST /api/auth/login HTTP/1.1\r\nHost: localhost\r\n"
                      b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":1}")
            try:
                while True:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    data += chunk
            except (ConnectionResetError, ssl.SSLError):
                pass
    took = time.time() - t0
    assert 3 <= took < 10, f"the connection ended after {took:.1f}s"
    assert data == b"" or data.startswith(b"HTTP/1.1 400"), data[:200]


@test
def tls_offers_no_dhe_suites_without_dh_parameters():
    with open(os.path.join(STACK["DIR"], "etc", "nginx.conf")) as f:
        conf = f.read()
    ciphers = re.findall(r"ssl_ciphers ([^;]+);", conf)
    assert ciphers, "no ssl_ciphers"
    if "ssl_dhparam" not in conf:
        assert all("DHE-" not in c.replace("ECDHE-", "") for c in ciphers), ciphers
    ctx = ssl.create_default_context(cafile=STACK["CA"])
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers("DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384")
    try:
        with socket.create_connection(("127.0.0.1", int(STACK["PORT"])), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost"):
                raise AssertionError("a DHE-only client was served")
    except ssl.SSLError:
        pass


@test
def a_json_body_in_another_charset_is_a_415():
    for ct in ("application/json; charset=latin1", "application/json; charset=ISO-8859-1",
               "application/json;charset=\"utf-16\""):
        r = request("POST", "/api/auth/login", raw_body=b'{"email":"a@b.c","password":"x"}',
                    headers={"Content-Type": ct}, source=src())
        expect_error(r, 415, "UNSUPPORTED_MEDIA_TYPE")
    for ct in ("application/json; charset=utf-8", "application/json; charset=UTF-8",
               "application/json;charset=\"utf-8\"", "application/json"):
        r = request("POST", "/api/auth/login", raw_body=b'{"email":"nobody@example.com"}',
                    headers={"Content-Type": ct}, source=src())
        expect_error(r, 422, "VALIDATION_FAILED")


@test
def bodies_on_get_and_delete_are_refused():
    for method, path in (("GET", "/api/version"), ("GET", "/health"),
                         ("DELETE", "/api/search-history")):
        r = request(method, path, raw_body=b'{"a":1}',
                    headers={"Content-Type": "application/json"}, source=src())
        expect_error(r, 400, "BAD_REQUEST")
        assert "body" in r.json()["error"]["message"], r
    expect_status(request("GET", "/api/version", source=src()), 200)


@test
def version_details_are_for_admins_only():
    r = request("GET", "/api/version", source=src())
    expect_status(r, 200)
    assert set(r.json()) == {"version", "commit"}, r.json()
    expect_error(request("GET", "/api/version", headers={"Authorization": "Bearer nope"},
                         source=src()), 401, "UNAUTHORIZED")
    r = request("GET", "/api/version", headers={"Authorization": f"Bearer {admin_token()}"},
                source=src())
    expect_status(r, 200)
    v = r.json()
    for key in ("version", "commit", "build_time", "schema_version", "postgresql"):
        assert v.get(key), f"{key} missing in {v}"
    for lib in ("libpq", "json-c", "libcurl", "libsodium", "libfcgi"):
        assert re.match(r"\d+\.\d+", v["libraries"].get(lib, "")), v["libraries"]


@test
def detailed_health_shows_its_checks_to_allowed_networks_only_and_is_rate_limited():
    r = request("GET", "/health/detailed", source="127.0.0.1")
    assert r.status in (200, 503), r
    assert "checks" in r.json() and "failing" in r.json(), r.json()
    stranger = "127.31.1.1"
    r = request("GET", "/health/detailed", source=stranger)
    assert r.status in (200, 503), r
    assert set(r.json()) == {"status"}, r.json()
    if STACK.get("RATE_LIMITS") != "on":
        return
    limit = int(STACK.get("RATE_LIMIT_DEFAULT", "60"))
    statuses = [request("GET", "/health/detailed", source=stranger).status
                for _ in range(limit + 5)]
    assert 429 in statuses, statuses
