#!/usr/bin/env python3
"""fcgi_load.py SOCKET [N] [PATH] [HEADER: value ...]: send N FastCGI GET
requests for PATH (default /health) with the given request headers to one
worker over one kept-alive connection, the way nginx does with
fastcgi_keep_conn on; for profiling a worker without nginx (e.g. under
valgrind --tool=callgrind). Prints the statuses seen."""

import socket
import struct
import sys
from collections import Counter

VERSION = 1
BEGIN, END, PARAMS, STDIN, STDOUT, STDERR = 1, 3, 4, 5, 6, 7


def record(kind, rid, content=b""):
    pad = (8 - len(content) % 8) % 8
    return struct.pack(">BBHHBx", VERSION, kind, rid, len(content), pad) + content + b"\0" * pad


def pair(name, value):
    def size(n):
        return struct.pack(">B", n) if n < 128 else struct.pack(">I", n | 0x80000000)
    name, value = name.encode(), value.encode()
    return size(len(name)) + size(len(value)) + name + value


def request_bytes(rid, path, headers=()):
    params = {
        "REQUEST_METHOD": "GET", "REQUEST_URI": path, "DOCUMENT_URI": path,
        "SCRIPT_NAME": path, "QUERY_STRING": "", "CONTENT_TYPE": "", "CONTENT_LENGTH": "",
        "SERVER_PROTOCOL": "HTTP/1.1", "REQUEST_SCHEME": "https", "HTTPS": "on",
        "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_SOFTWARE": "nginx",
        "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "40000", "SERVER_ADDR": "127.0.0.1",
        "SERVER_PORT": "8443", "SERVER_NAME": "localhost",
        "REQUEST_ID": "%032x" % rid, "HTTP_HOST": "localhost", "HTTP_USER_AGENT": "fcgi_load",
    }
    for name, value in headers:
        params["HTTP_" + name.upper().replace("-", "_")] = value
    body = b"".join(pair(k, v) for k, v in params.items())
    return (record(BEGIN, 1, struct.pack(">HB5x", 1, 1)) + record(PARAMS, 1, body) +
            record(PARAMS, 1) + record(STDIN, 1))


def read_reply(f):
    out = b""
    while True:
        head = f.read(8)
        if len(head) < 8:
            raise EOFError("connection closed mid-reply")
        _, kind, _, n, pad = struct.unpack(">BBHHBx", head)
        content = f.read(n + pad)[:n]
        if kind == STDOUT:
            out += content
        elif kind == END:
            return out


def main():
    sock_path = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    path = sys.argv[3] if len(sys.argv) > 3 else "/health"
    headers = [tuple(x.strip() for x in h.split(":", 1)) for h in sys.argv[4:]]
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock_path)
    f = s.makefile("rb")
    seen = Counter()
    for i in range(n):
        s.sendall(request_bytes(i + 1, path, headers))
        reply = read_reply(f)
        seen[reply.split(b"\r\n", 1)[0].decode(errors="replace")] += 1
    s.close()
    for line, count in seen.items():
        print(f"{count} x {line}")


if __name__ == "__main__":
    main()
