"""Durability against the real stack: PostgreSQL crashes (an immediate stop)
under a bounded write load, and comes back.

- Every write that got a 2xx is in the database afterwards, and a token
  revoked by logout-all stays revoked (synchronous_commit stays on).
- The first requests to every binary after the crash are answered as before
  or with 503 DATABASE_UNAVAILABLE, never with a 500 (a connection the
  server dropped is replaced, not reported as an internal error)."""

import itertools
import re
import subprocess
import threading
import time
import uuid

from lib import (STACK, expect_error, pg_bin, request, run_as_stack_user, test,
                 wait_for)
from accounts import sql

# Client addresses of these tests (loopback, 127.30.0.0/22): nginx's
# per-address limits are never reached by the bounded load.
ADDRS = [f"127.30.{i // 256}.{i % 256}" for i in range(1, 1025)]
_turn = itertools.count()
_lock = threading.Lock()


def addr():
    with _lock:
        return ADDRS[next(_turn) % len(ADDRS)]


def call(method, path, token=None, body=None, source=None):
    h = {"Authorization": f"Bearer {token}"} if token else {}
    return request(method, path, body=body, headers=h, source=source or addr())


def pg_ctl(*args):
    out = run_as_stack_user([pg_bin("pg_ctl"), "-D", STACK["PGDATA"], *args], cwd="/",
                            timeout=90)
    assert out.returncode == 0, f"pg_ctl {' '.join(args)}: {out.stdout}{out.stderr}"


def crash_postgres():
    """Stop PostgreSQL as a crash would (no checkpoint, no goodbye to clients)."""
    pg_ctl("stop", "-m", "immediate", "-w", "-t", "30")


def start_postgres():
    pg_ctl("start", "-w", "-t", "60", "-l", f"{STACK['LOG_DIR']}/postgres.log")


def user_with_token(tag):
    email = f"{tag}-{uuid.uuid4().hex[:12]}@example.com"
    pw = f"Amber harbour {uuid.uuid4().hex[:10]} glows softly"
    r = request("POST", "/api/auth/register", body={"email": email, "password": pw},
                source=addr())
    assert r.status == 201, f"register: {r!r}"
    r = request("POST", "/api/auth/login", body={"email": email, "password": pw},
                source=addr())
    assert r.status == 200, f"login: {r!r}"
    return email, pw, r.json()["access_token"]


def ticker(n):
    """A distinct valid ticker for n: "D" and base-26 letters."""
    s = ""
    while True:
        s = chr(ord("A") + n % 26) + s
        n //= 26
        if n == 0:
            return "D" + s


@test
def no_acknowledged_write_is_lost_when_postgresql_crashes():
    threads_n, per_thread, seconds = 4, 120, 8.0
    writers = []
    for i in range(threads_n):
        _, _, tok = user_with_token(f"crash{i}")
        r = call("POST", "/api/watchlists", tok, body={"name": f"crash {i}"})
        assert r.status == 201, f"watchlist: {r!r}"
        writers.append({"token": tok, "wid": r.json()["id"], "acked": [], "statuses": {}})
    # the victim signs in twice; logout-all must end both tokens for good
    email, pw, victim = user_with_token("revoked")
    stop = threading.Event()
    phase = {"crashed": False, "restarted": False}
    after_restart = [0]

    def load(i, w):
        for n in range(per_thread):
            if stop.is_set():
                return
            sym = ticker(i * 1000 + n)
            try:
                r = call("POST", f"/api/watchlists/{w['wid']}/symbols", w["token"],
                         body={"symbol": sym})
                st = r.status
            except OSError:
                st = "io"
            w["statuses"][st] = w["statuses"].get(st, 0) + 1
            if isinstance(st, int) and 200 <= st < 300:
                w["acked"].append(sym)
                if phase["restarted"]:
                    with _lock:
                        after_restart[0] += 1
            elif st == 503:
                time.sleep(0.05)

    pool = [threading.Thread(target=load, args=(i, w)) for i, w in enumerate(writers)]
    t0 = time.time()
    for t in pool:
        t.start()
    try:
        wait_for(lambda: sum(len(w["acked"]) for w in writers) >= 40, timeout=10)
        r = call("POST", "/api/auth/logout-all", victim)
        assert r.status in (200, 204), f"logout-all: {r!r}"
        crash_postgres()          # right after the 2xx: nothing may be undone
        phase["crashed"] = True
        time.sleep(0.5)
        start_postgres()
        phase["restarted"] = True
        wait_for(lambda: after_restart[0] >= 20 or not any(t.is_alive() for t in pool),
                 timeout=max(1.0, seconds - (time.time() - t0)))
    finally:
        stop.set()
        for t in pool:
            t.join(timeout=60)
    statuses = {}
    for w in writers:
        for k, v in w["statuses"].items():
            statuses[k] = statuses.get(k, 0) + v
    acked = sum(len(w["acked"]) for w in writers)
    print(f"     writes: {statuses}, acknowledged {acked}, after the restart {after_restart[0]}")
    assert after_restart[0] > 0, f"no write succeeded after the restart: {statuses}"
    assert 500 not in statuses, f"a write was answered 500: {statuses}"
    assert set(statuses) <= {201, 503}, f"unexpected answers: {statuses}"
    for w in writers:
        stored = {row[0] for row in sql(
            "SELECT s.symbol FROM watchlist_symbols ws JOIN symbols s ON s.id = ws.symbol_id "
            "WHERE ws.watchlist_id = :'p1'", w["wid"])}
        lost = [s for s in w["acked"] if s not in stored]
        assert not lost, f"{len(lost)} acknowledged writes lost: {lost[:10]}"
    r = call("GET", "/api/auth/me", victim)
    expect_error(r, 401, "UNAUTHORIZED")


def routes_of(binary):
    out = subprocess.run([f"{STACK['BIN_DIR']}/cgi-bin/{binary}", "--routes"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, f"{binary} --routes: {out.stderr}"
    return [line.split("\t") for line in out.stdout.splitlines() if line]


def probe_for(binary):
    """The first GET of the binary (path parameters as 1), asked by a signed-in
    admin: it reaches the database through the auth check when it needs a
    user, and in its handler otherwise."""
    gets = sorted((rt for rt in routes_of(binary) if rt[0] == "GET"),
                  key=lambda rt: "{" in rt[1])
    assert gets, f"{binary} has no GET route to probe"
    if binary == "health":
        return "/health/detailed"
    return re.sub(r"\{[^}]*\}", "1", gets[0][1])


def local(path):
    """127.0.0.1 (a METRICS_ALLOW network) for the internal routes."""
    return "127.0.0.1" if path in ("/metrics", "/health/detailed") else None


def admin_token():
    email = f"crashadm-{uuid.uuid4().hex[:12]}@example.com"
    pw = f"Cobalt meadow {uuid.uuid4().hex[:10]} hums quietly"
    out = run_as_stack_user([f"{STACK['BIN_DIR']}/edgescout", "user", "create", "--email",
                             email, "--role", "admin", "--password-stdin"],
                            input=pw + "\n", timeout=60,
                            env={"EDGESCOUT_ENV_FILE": STACK["ENV_FILE"], "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
    assert out.returncode == 0, f"user create: {out.stderr}"
    r = wait_for(lambda: (lambda x: x if x.status != 503 else None)(request(
        "POST", "/api/auth/login", body={"email": email, "password": pw}, source=addr())))
    assert r is not None and r.status == 200, f"admin login: {r!r}"
    return r.json()["access_token"]


@test
def the_first_request_to_every_binary_after_a_crash_is_never_a_500():
    token = admin_token()
    workers = int(STACK.get("WORKERS", "2"))
    probes = {b: probe_for(b) for b in STACK["BINARIES"].split()}
    before = {}
    # every worker of every binary holds a database connection
    for b, path in probes.items():
        for _ in range(2 * workers):
            r = call("GET", path, token, source=local(path))
            assert r.status != 500, f"{b} {path} before the crash: {r!r}"
            before[b] = r.status
    crash_postgres()
    start_postgres()
    seen = {}
    for b, path in probes.items():
        for _ in range(2 * workers):
            r = call("GET", path, token, source=local(path))
            seen.setdefault(b, []).append(r.status)
            assert r.status != 500, f"{b} {path} after the crash: {r!r}"
            assert r.status in (before[b], 503), \
                f"{b} {path}: {r.status} after the crash, {before[b]} before: {r!r}"
            if r.status == 503 and (r.header("content-type") or "").startswith("application/json"):
                err = r.json()["error"]
                if err["code"] == "DATABASE_UNAVAILABLE":
                    assert r.header("retry-after"), f"503 without Retry-After: {r!r}"
    recovered = [b for b, s in seen.items() if before[b] in s]
    assert len(recovered) == len(probes), \
        f"binaries that never answered as before: {set(probes) - set(recovered)} ({seen})"
    print(f"     after the crash: {seen}")
