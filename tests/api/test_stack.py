"""The stack's edge: nginx's own errors as JSON envelopes (a binary down,
malformed requests on a raw TLS socket), security headers on every kind of
reply, no CORS unless configured, and the TLS protocols and ciphers.

Client addresses 127.0.0.100-127.0.0.129 only."""

import os
import socket
import ssl
import warnings

from lib import (STACK, Reply, expect_error, expect_security_headers, expect_status,
                 get, load_stack, post, request, test, wait_for)

SRC = "127.0.0.101"


def raw(data, tls=True, port=None, source=SRC, timeout=10.0):
    """Send bytes as they are on a new connection (TLS by default) and read
    until the server closes; the parsed reply."""
    port = int(port or (STACK["PORT"] if tls else STACK["HTTP_PORT"]))
    s = socket.create_connection(("127.0.0.1", port), source_address=(source, 0),
                                 timeout=timeout)
    if tls:
        s = ssl.create_default_context(cafile=STACK["CA"]).wrap_socket(
            s, server_hostname="localhost")
    try:
        s.sendall(data)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    finally:
        s.close()
    head, sep, body = out.partition(b"\r\n\r\n")
    assert sep, f"no complete reply to {data[:60]!r}: {out[:300]!r}"
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        k, v = k.strip().lower(), v.strip()
        headers[k] = headers[k] + ", " + v if k in headers else v
    length = headers.get("content-length")
    if length is not None:
        body = body[:int(length)]
    return Reply(status, headers, body)


def nginx_error(r, status, code):
    """An envelope nginx produced itself (no X-Process-Time: the app never saw it)."""
    expect_error(r, status, code)
    expect_security_headers(r)
    assert r.header("x-process-time") is None, f"reached the app: {r.headers}"


# ---- nginx's own 5xx -----------------------------------------------------------

@test
def binary_down_is_json_503_from_nginx_and_recovers():
    sock = os.path.join(STACK["RUN_DIR"], "metrics.sock")
    away = f"{sock}.away-{os.getpid()}"
    assert os.path.exists(sock), f"no {sock}"
    os.rename(sock, away)
    try:
        for _ in range(2):
            r = get("/metrics", source=SRC)
            nginx_error(r, 503, "SERVICE_UNAVAILABLE")
        expect_status(get("/health", source=SRC), 200)   # the other binaries carry on
    finally:
        os.rename(away, sock)
    # nginx connects per request: the next one reaches the worker again
    # (200 or its own 404, depending on METRICS_ALLOW: either way the app's reply)
    r = wait_for(lambda: (lambda x: x if x.header("x-process-time") else None)(
        get("/metrics", source=SRC)), timeout=10)
    assert r is not None, "/metrics did not come back"
    assert r.status in (200, 404), r


# ---- malformed requests on a raw socket ---------------------------------------

MALFORMED = [
    b"GET /%zz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    b"GET /health/%zz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    b"GET /%00 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    b"GET /../../etc/passwd HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    b"GET http://x y HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    b"GARBAGE\r\n\r\n",
    b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n",                      # no Host
    b"GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n",
    b"GET /health HTTP/1.1\r\nHost: localhost\r\nBad Header\r\nConnection: close\r\n\r\n",
    b"GET /health HTTP/1.1\r\nHost: localhost\r\nContent-Length: abc\r\n"
    b"Connection: close\r\n\r\n",
    b"POST /health HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nContent-Length: 2\r\n"
    b"Connection: close\r\n\r\nab",
    b"POST /health HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
    b"Connection: close\r\n\r\nzz\r\n",
    b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * 9000 +
    b"\r\nConnection: close\r\n\r\n",                                    # 494
    b"GET /health HTTP/9.9\r\nHost: localhost\r\nConnection: close\r\n\r\n",   # 505
    b"GET /health HTTP/2.0\r\nHost: localhost\r\nConnection: close\r\n\r\n",   # 505
    b"GET /health HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: bogus\r\n"
    b"Connection: close\r\n\r\n",                                           # 501
    b"GET /health HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: gzip, chunked\r\n"
    b"Connection: close\r\n\r\n",                                           # 501
]


@test
def malformed_requests_get_nginx_json_400():
    for i, data in enumerate(MALFORMED):
        r = raw(data, source=f"127.0.0.{102 + i % 4}")
        try:
            nginx_error(r, 400, "BAD_REQUEST")
        except AssertionError as e:
            raise AssertionError(f"{data[:70]!r}: {e}")
    # the plain-HTTP port answers the same way
    r = raw(b"GET /%zz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", tls=False)
    nginx_error(r, 400, "BAD_REQUEST")
    r = raw(b"GARBAGE\r\n\r\n", tls=False)
    nginx_error(r, 400, "BAD_REQUEST")


@test
def overlong_request_line_gets_nginx_json_414():
    r = raw(b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: localhost\r\n"
            b"Connection: close\r\n\r\n")
    nginx_error(r, 414, "URI_TOO_LONG")


@test
def methods_nginx_refuses_get_json_405():
    r = raw(b"TRACE /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    nginx_error(r, 405, "METHOD_NOT_ALLOWED")


@test
def plain_http_on_the_tls_port_is_redirected():
    r = raw(b"GET /health?a=1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
            tls=False, port=STACK["PORT"])
    assert r.status == 301, r
    assert r.header("location") == f"https://localhost:{STACK['PORT']}/health?a=1", r.headers


# ---- security headers on every kind of reply -----------------------------------

@test
def security_headers_and_request_id_on_every_status():
    replies = {
        "200 app": get("/health", source=SRC),
        "200 HEAD": request("HEAD", "/health", source=SRC),
        "404 nginx": get("/no/such/thing", source=SRC),
        "404 nginx, under a route": get("/health/nope", source=SRC),
        "405 app": post("/health", body={}, source=SRC),
        "400 app": get("/api/version?x=%zz", source="127.0.0.106"),
        "413 nginx": request("POST", "/api/version", raw_body=b"x" * (1024 * 1024 + 1),
                             headers={"Content-Type": "application/json"},
                             source="127.0.0.106"),
        "414 app": get("/api/version?" + "a=b&" * 1100, source="127.0.0.106"),
    }
    for name, r in replies.items():
        try:
            expect_security_headers(r)
            rid = r.header("x-request-id")
            assert rid and 8 <= len(rid) <= 64, r.headers
            if r.status >= 400:
                assert r.json()["error"]["request_id"] == rid, r
        except AssertionError as e:
            raise AssertionError(f"{name}: {e}")
    assert replies["414 app"].status == 414 and replies["414 app"].header("x-process-time")
    assert replies["413 nginx"].status == 413


@test
def hsts_lasts_at_least_180_days():
    r = get("/health", source=SRC)
    hsts = r.header("strict-transport-security")
    max_age = int(hsts.split("max-age=")[1].split(";")[0])
    assert max_age >= 15552000, hsts
    assert r.header("server") == "nginx", r.headers


# ---- CORS ---------------------------------------------------------------------

@test
def no_cors_headers_unless_configured():
    configured = load_stack(STACK["ENV_FILE"]).get("CORS_ORIGINS", "")
    assert configured == "", f"this test expects a stack without CORS_ORIGINS ({configured!r})"
    origins = ("https://evil.example", f"https://localhost:{STACK['PORT']}", "null",
               "http://localhost")
    for origin in origins:
        for r in (get("/health", headers={"Origin": origin}, source=SRC),
                  get("/nope", headers={"Origin": origin}, source=SRC),
                  request("OPTIONS", "/api/version", source="127.0.0.107",
                          headers={"Origin": origin,
                                   "Access-Control-Request-Method": "POST",
                                   "Access-Control-Request-Headers": "Content-Type"})):
            cors = {k: v for k, v in r.headers.items() if k.startswith("access-control-")}
            assert not cors, f"{origin}: {cors} on {r.status}"
            assert r.status != 204, f"preflight answered for {origin}: {r!r}"
    r = request("OPTIONS", "/api/version", source="127.0.0.107",
                headers={"Origin": "https://evil.example",
                         "Access-Control-Request-Method": "POST"})
    expect_error(r, 405, "METHOD_NOT_ALLOWED")


# ---- TLS -----------------------------------------------------------------------

def handshake(version, ciphers=None):
    """TLS handshake at exactly this protocol version; (version, cipher,
    session has a ticket) or the SSL error's reason."""
    ctx = ssl.create_default_context(cafile=STACK["CA"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = version
        ctx.maximum_version = version
    if ciphers:
        ctx.set_ciphers(ciphers)
    s = socket.create_connection(("127.0.0.1", int(STACK["PORT"])),
                                 source_address=(SRC, 0), timeout=10)
    try:
        t = ctx.wrap_socket(s, server_hostname="localhost")
    except ssl.SSLError as e:
        s.close()
        return e.reason
    try:
        t.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        first = t.recv(64)
        ticket = t.session.has_ticket if t.session else None
        return (t.version(), t.cipher()[0], ticket, first.split(b"\r\n")[0])
    finally:
        t.close()


@test
def tls_1_2_and_1_3_accepted():
    v12 = handshake(ssl.TLSVersion.TLSv1_2)
    assert isinstance(v12, tuple) and v12[0] == "TLSv1.2", v12
    assert v12[3] == b"HTTP/1.1 200 OK", v12
    assert v12[1].startswith(("ECDHE-", "DHE-")) and ("GCM" in v12[1] or "CHACHA20" in v12[1]), \
        f"TLS 1.2 cipher outside the intermediate list: {v12[1]}"
    assert v12[2] is False, "a session ticket was issued (ssl_session_tickets should be off)"
    v13 = handshake(ssl.TLSVersion.TLSv1_3)
    assert isinstance(v13, tuple) and v13[0] == "TLSv1.3", v13
    assert v13[3] == b"HTTP/1.1 200 OK", v13


@test
def tls_1_1_and_1_0_refused_by_the_server():
    # SECLEVEL=0 lets this client offer the old protocols, so a failure is the
    # server's protocol_version alert, not the client declining
    for version in (ssl.TLSVersion.TLSv1_1, ssl.TLSVersion.TLSv1):
        got = handshake(version, "DEFAULT:@SECLEVEL=0")
        assert got == "TLSV1_ALERT_PROTOCOL_VERSION", f"{version.name}: {got}"


@test
def tls_1_2_cbc_ciphers_refused():
    # ciphers the ECDSA certificate could use, but outside the intermediate list
    for cipher in ("ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384"):
        got = handshake(ssl.TLSVersion.TLSv1_2, cipher + ":@SECLEVEL=0")
        assert got == "SSLV3_ALERT_HANDSHAKE_FAILURE", f"{cipher}: {got}"
