"""A minimal FastCGI client (FastCGI 1.0 spec) to talk to a worker directly
on its unix socket, the way nginx does: BEGIN_REQUEST, the PARAMS stream,
the STDIN stream, then STDOUT/STDERR records until END_REQUEST.

    reply = fcgi.request("/tmp/x.sock", "GET", "/health")
    reply.status, reply.header("allow"), reply.json()

Also: start_worker() runs a binary with --socket in a controlled environment
and stop_worker() ends it by its pid."""

import json
import os
import signal
import socket
import struct
import subprocess
import time

VERSION = 1
BEGIN_REQUEST, ABORT_REQUEST, END_REQUEST = 1, 2, 3
PARAMS, STDIN, STDOUT, STDERR = 4, 5, 6, 7
RESPONDER = 1
REQUEST_ID = 1
MAX_CONTENT = 65535


def _record(rtype, content=b""):
    """One record: header, content and padding to a multiple of 8."""
    pad = -len(content) % 8
    return struct.pack(">BBHHBB", VERSION, rtype, REQUEST_ID, len(content), pad, 0) + \
        content + b"\0" * pad


def _stream(rtype, data):
    """A stream: records of at most 65535 bytes, closed by an empty one."""
    out = b""
    for i in range(0, len(data), MAX_CONTENT):
        out += _record(rtype, data[i:i + MAX_CONTENT])
    return out + _record(rtype)


def _length(n):
    return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)


def encode_params(params):
    """Name-value pairs: each length in 1 byte below 128, else 4 bytes."""
    out = b""
    for name, value in params.items():
        n, v = name.encode(), str(value).encode()
        out += _length(len(n)) + _length(len(v)) + n + v
    return out


class Reply:
    """A worker's answer: the CGI status and headers, body, stderr, and the
    END_REQUEST application and protocol status."""

    def __init__(self, stdout, stderr, app_status, protocol_status):
        self.raw = stdout
        self.stderr = stderr
        self.app_status = app_status
        self.protocol_status = protocol_status
        head, sep, self.body = stdout.partition(b"\r\n\r\n")
        if not sep:
            head, sep, self.body = stdout.partition(b"\n\n")
        self.headers = {}
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            self.headers[name] = self.headers[name] + ", " + value \
                if name in self.headers else value
        status = self.headers.get("status", "200")
        self.status = int(status.split()[0])

    def header(self, name):
        return self.headers.get(name.lower())

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except ValueError as e:
            raise AssertionError(f"reply is not JSON ({e}): {self.body[:200]!r}")

    def __repr__(self):
        return f"<fcgi {self.status} {self.body[:300]!r}>"


def request(sock_path, method, uri, body=b"", headers=None, params=None,
            remote_addr="127.0.0.100", timeout=10.0):
    """One request on a new connection to the worker at sock_path. headers
    become HTTP_* params (Content-Type and Content-Length their CGI names);
    params are added as they are, overriding the defaults."""
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        headers = dict(headers or {})
        headers.setdefault("Content-Type", "application/json")
    path, _, query = uri.partition("?")
    p = {
        "GATEWAY_INTERFACE": "CGI/1.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_SOFTWARE": "edgescout-tests",
        "SERVER_NAME": "localhost",
        "REQUEST_SCHEME": "https",
        "REQUEST_METHOD": method,
        "REQUEST_URI": uri,
        "DOCUMENT_URI": path,
        "SCRIPT_NAME": path,
        "QUERY_STRING": query,
        "REMOTE_ADDR": remote_addr,
        "CONTENT_LENGTH": str(len(body)) if body else "",
        "CONTENT_TYPE": "",
    }
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            p[key] = value
        else:
            p["HTTP_" + key] = value
    p.update(params or {})
    msg = _record(BEGIN_REQUEST, struct.pack(">HB5x", RESPONDER, 0))
    msg += _stream(PARAMS, encode_params(p)) + _stream(STDIN, body)

    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(sock_path)
        s.sendall(msg)
        return _read_reply(s)
    finally:
        s.close()


def _read_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise AssertionError(f"connection closed after {len(data)} of {n} bytes")
        data += chunk
    return data


def _read_reply(s):
    out, err = b"", b""
    while True:
        version, rtype, rid, clen, pad, _ = struct.unpack(">BBHHBB", _read_exact(s, 8))
        assert version == VERSION, f"record version {version}"
        content = _read_exact(s, clen + pad)[:clen]
        if rid != REQUEST_ID:
            raise AssertionError(f"record for request {rid}, expected {REQUEST_ID}")
        if rtype == STDOUT:
            out += content
        elif rtype == STDERR:
            err += content
        elif rtype == END_REQUEST:
            app_status, protocol_status = struct.unpack(">IB3x", content)
            return Reply(out, err, app_status, protocol_status)
        else:
            raise AssertionError(f"unexpected record type {rtype}")


def start_worker(binary, sock_path, env, log_path, wait=10.0):
    """Run `binary --socket sock_path` with exactly env (plus PATH) and its
    stderr in log_path. Returns the Popen once the socket accepts, or the
    exited process (check .returncode) when it refused to start."""
    full_env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    full_env.update(env)
    log = open(log_path, "ab")
    proc = subprocess.Popen([binary, "--socket", sock_path], env=full_env,
                            stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                            cwd=os.path.dirname(log_path))
    log.close()
    deadline = time.time() + wait
    while time.time() < deadline:
        if proc.poll() is not None:
            return proc
        if os.path.exists(sock_path):
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                probe.connect(sock_path)
                return proc
            except OSError:
                pass
            finally:
                probe.close()
        time.sleep(0.05)
    stop_worker(proc)
    raise AssertionError(f"{binary} did not listen on {sock_path} within {wait}s")


def stop_worker(proc, timeout=10.0):
    """SIGTERM the worker (by its pid), SIGKILL if it lingers; its status."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout)
    return proc.returncode
