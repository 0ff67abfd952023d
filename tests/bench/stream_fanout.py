"""The live stream's fan-out: N (default 1,000) concurrent Server-Sent Events
subscribers of /api/stream on the stack named by $STACK_ENV, all of one
user, each authorised by the stream route; once nginx (nchan) counts them
all, one event is published on the unix socket and the time until each
subscriber has it is measured. Prints one line (and appends it to
$BENCH_OUT): the time until the last subscriber got the event, and the
median.

usage: STACK_ENV=DIR/stack.env stream_fanout.py [N]"""

import asyncio
import http.client
import json
import os
import re
import resource
import secrets
import socket
import ssl
import statistics
import sys
import time


def load_stack(path):
    env = {}
    with open(path) as f:
        for line in f:
            if "=" in line and not line.startswith("#"):
                k, v = line.rstrip("\n").split("=", 1)
                env[k] = v.replace("\\ ", " ")
    return env


STACK = load_stack(os.environ["STACK_ENV"])
SOCK = os.path.join(STACK["RUN_DIR"], "stream-publish.socket")


def tls():
    ctx = ssl.create_default_context(cafile=STACK["CA"])
    return ctx


def api(method, path, body=None, token=None):
    c = http.client.HTTPSConnection("localhost", int(STACK["PORT"]), context=tls(), timeout=30)
    hdrs = {"Content-Type": "application/json"}
    if token:
        hdrs["Authorization"] = f"Bearer {token}"
    c.request(method, path, body=json.dumps(body) if body is not None else None, headers=hdrs)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def user_token():
    email = f"fanout-{secrets.token_hex(6)}@example.com"
    password = f"Violet canyon {secrets.token_hex(5)} drifts slowly"
    st, body = api("POST", "/api/auth/register", {"email": email, "password": password})
    assert st == 201, (st, body)
    st, body = api("POST", "/api/auth/login", {"email": email, "password": password})
    assert st == 200, (st, body)
    return json.loads(body)["access_token"]


def unix_http(method, path, body=b""):
    s = socket.socket(socket.AF_UNIX)
    s.connect(SOCK)
    s.sendall(f"{method} {path} HTTP/1.0\r\nHost: localhost\r\nContent-Length: {len(body)}\r\n"
              f"Content-Type: application/json\r\n\r\n".encode() + body)
    out = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        out += d
    s.close()
    return out.decode()


def subscribers():
    m = re.search(r"^subscribers: (\d+)", unix_http("GET", "/status"), re.M)
    return int(m.group(1)) if m else 0


async def subscriber(token, marker, ready, got, ctx):
    reader, writer = await asyncio.open_connection("localhost", int(STACK["PORT"]), ssl=ctx)
    writer.write((f"GET /api/stream?topics=markets HTTP/1.1\r\nHost: localhost\r\n"
                  f"Accept: text/event-stream\r\nAuthorization: Bearer {token}\r\n\r\n").encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    if b" 200 " not in head.split(b"\r\n", 1)[0]:
        raise RuntimeError(head.split(b"\r\n", 1)[0].decode())
    ready.append(1)
    buf = b""
    while marker not in buf:
        chunk = await reader.read(65536)
        if not chunk:
            raise RuntimeError("stream closed")
        buf += chunk
    got.append(time.monotonic())
    writer.close()


async def main(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, n + 256)), hard))
    token = user_token()
    marker = secrets.token_hex(8).encode()
    ready, got = [], []
    ctx = tls()
    base = subscribers()
    tasks = []
    for i in range(n):
        tasks.append(asyncio.create_task(subscriber(token, marker, ready, got, ctx)))
        tasks[-1].add_done_callback(lambda t: t.cancelled() or t.exception())
        if i % 50 == 49:
            await asyncio.sleep(0.05)     # TLS handshakes in waves, not all at once
    deadline = time.monotonic() + 120
    while (len(ready) < n or subscribers() < base + n) and time.monotonic() < deadline:
        failed = [t for t in tasks if t.done() and t.exception()]
        if failed:
            for t in tasks:
                t.cancel()
            raise RuntimeError(f"{len(failed)} subscriber(s) failed, the first: "
                               f"{failed[0].exception()!r}")
        await asyncio.sleep(0.1)
    if len(ready) < n:
        raise RuntimeError(f"only {len(ready)} of {n} subscribed")
    body = json.dumps({"bench": marker.decode()}).encode()
    t0 = time.monotonic()
    reply = unix_http("POST", "/pub/markets", body)
    if " 20" not in reply.split("\r\n", 1)[0]:
        raise RuntimeError("publish: " + reply.split("\r\n", 1)[0])
    await asyncio.wait_for(asyncio.gather(*tasks), 60)
    times = sorted(t - t0 for t in got)
    return times


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    times = asyncio.run(main(n))
    line = (f"  {'stream fan-out, ' + str(n) + ' SSE subscribers':36s} "
            f"{times[-1] * 1000:8.1f} ms to the last  (median {statistics.median(times) * 1000:.1f} ms)")
    print(line)
    out = os.environ.get("BENCH_OUT")
    if out:
        with open(out, "a") as f:
            f.write(line + "\n")
