"""Faults under load against a running stack (STACK_ENV, API_SECRETS_FILE as
for tests/api/run.py).

Client threads (CONNECTIONS, 32) send a mix of reads and writes, each on a
fresh TLS connection from its own loopback address (nginx's per-address
limits never count them): GET /health, GET /api/auth/me, a cached stock
analysis, and POST and DELETE of watchlist symbols, whose 2xx answers are
recorded. Meanwhile

  (a) a FastCGI worker of a binary in the mix is killed -9 at a fixed
      interval (only the stack's own workers: the children of the
      multiwatch pids in its pid files);
  (b) PostgreSQL is restarted once (pg_ctl restart -m fast, as the stack's
      account).

A failed request is any answer other than the route's 2xx, or no answer. A
failure is put down to (b) when the request overlapped the restart (from
pg_ctl's start until a second after it returned), to (a) otherwise. After
the load: every acknowledged write is in the database (each added symbol
whose later delete was not attempted, none of the symbols whose delete was
acknowledged), /health answers 200 and every binary has all its workers
back, with no hand on the stack; and no request was answered 500.

  faults.py --short   make test: (a) alone for a few seconds, then (b) alone;
                      asserts recovery, no acknowledged write lost and
                      failures of (a) under 1 %; ends `faults: N passed,
                      N failed`
  faults.py           make soak: SECONDS (60) of both faults at once, kills
                      every KILL_EVERY (5) s, the restart half-way; prints
                      the figures (and asserts the same)
"""

import argparse
import itertools
import os
import random
import signal
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))

from lib import STACK, _request, pg_bin, request, run_as_stack_user, wait_for  # noqa: E402
from accounts import sql  # noqa: E402
import analysis_lib  # noqa: E402

# Client addresses of the load: 127.40.0.0/16, each used once in turn.
ADDRS = (f"127.40.{i // 256}.{i % 256}" for i in itertools.count(256))
_addr_lock = threading.Lock()
MIX_BINARIES = ("health", "auth", "market", "watchlists")
CLIENTS_PER_USER = 4   # each with its own watchlist
ANALYSIS = "/api/stock-analysis?symbol=%5EGSPC&strategy=momentum"


def next_addr():
    with _addr_lock:
        return next(ADDRS)


def ticker(n):
    """A distinct valid ticker for n: "F" and base-26 letters."""
    s = ""
    while True:
        s = chr(ord("A") + n % 26) + s
        n //= 26
        if n == 0:
            return "F" + s


# ---- the stack's processes ---------------------------------------------------

def pid_in(path):
    try:
        with open(path) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def children_of(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def supervisors():
    """{binary: multiwatch pid} from the stack's pid files."""
    out = {}
    for path in STACK["FCGI_PID_FILES"].split():
        pid = pid_in(path)
        if pid is not None:
            out[os.path.basename(path)[:-len(".pid")]] = pid
    return out


def workers_of(binary):
    pid = supervisors().get(binary)
    return children_of(pid) if pid else []


def all_workers_back():
    want = int(STACK.get("WORKERS", "2"))
    short = {b: len(children_of(p)) for b, p in supervisors().items()
             if len(children_of(p)) != want}
    return not short, short


def kill_a_worker(turn):
    """kill -9 one worker of the next binary of the mix; its pid or None."""
    binary = MIX_BINARIES[turn % len(MIX_BINARIES)]
    pids = workers_of(binary)
    if not pids:
        return None
    pid = random.choice(pids)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return None
    return pid


def restart_postgres():
    out = run_as_stack_user([pg_bin("pg_ctl"), "-D", STACK["PGDATA"], "restart", "-m", "fast",
                             "-w", "-t", "60", "-l", f"{STACK['LOG_DIR']}/postgres.log"],
                            cwd="/", timeout=90)
    assert out.returncode == 0, f"pg_ctl restart: {out.stdout}{out.stderr}"


def health_200():
    try:
        return request("GET", "/health", source=next_addr(), validate=False).status == 200
    except OSError:
        return False


# ---- the load ----------------------------------------------------------------

def error_code(reply):
    try:
        return reply.json()["error"]["code"]
    except (AssertionError, KeyError, TypeError):
        return "?"


class Client:
    """One connection's user, watchlist, acknowledged writes and results."""

    def __init__(self, n, user, wid):
        self.n, self.user, self.wid = n, user, wid
        self.added = set()       # acknowledged adds whose delete was not tried
        self.deleted = set()     # acknowledged deletes
        self.unsure = set()      # a delete was tried and not acknowledged
        self.writes_acked = 0
        self.results = []        # (start, end, ok, status, kind)
        self.serial = 0

    def call(self, method, path, body=None, want=200):
        hdrs = {"Authorization": f"Bearer {self.user.token}"}
        start = time.time()
        try:
            reply = _request(method, path, body, hdrs, next_addr(), None, True, None)
            st = reply.status
        except OSError:
            st = "no answer"
        ok = st == want
        if not ok and st != "no answer":
            st = f"{st} {error_code(reply)}"
        self.results.append((start, time.time(), ok, st, method))
        return ok

    def step(self, rng):
        k = rng.random()
        if k < 0.2:
            self.call("GET", "/health")
        elif k < 0.4:
            self.call("GET", "/api/auth/me")
        elif k < 0.6:
            self.call("GET", ANALYSIS)
        elif k < 0.8 or not self.added:
            sym = ticker(self.n * 1000000 + self.serial)
            self.serial += 1
            if self.call("POST", f"/api/watchlists/{self.wid}/symbols", {"symbol": sym}, 201):
                self.added.add(sym)
                self.writes_acked += 1
        else:
            sym = rng.choice(sorted(self.added))
            self.added.discard(sym)
            if self.call("DELETE", f"/api/watchlists/{self.wid}/symbols/{sym}", want=204):
                self.deleted.add(sym)
                self.writes_acked += 1
            else:
                self.unsure.add(sym)

    def lost(self, stored):
        """Acknowledged writes the database does not show (stored: its symbols)."""
        return sorted(self.added - stored) + sorted(self.deleted & stored)


def stored_symbols(clients):
    """{watchlist id: set of its symbols} in one query."""
    out = {c.wid: set() for c in clients}
    ids = ",".join(str(int(c.wid)) for c in clients)
    for wid, sym in sql(
            "SELECT ws.watchlist_id, s.symbol FROM watchlist_symbols ws "
            "JOIN symbols s ON s.id = ws.symbol_id "
            "WHERE ws.watchlist_id = ANY (string_to_array(:'p1', ',')::bigint[])", ids):
        out[int(wid)].add(sym)
    return out


def make_clients(n):
    analysis_lib.ensure_gspc()
    clients, users = [], []
    for i in range(n):
        if i % CLIENTS_PER_USER == 0:    # fewer sign-ups: a shorter set-up
            users.append(analysis_lib.new_user("pro", "faults"))
        u = users[-1]
        r = u.post("/api/watchlists", {"name": f"faults {i}"})
        assert r.status == 201, f"watchlist: {r!r}"
        clients.append(Client(i, u, r.json()["id"]))
    r = clients[0].user.get(ANALYSIS)     # the analysis is cached from here on
    assert r.status == 200, f"analysis: {r!r}"
    return clients


def run_load(clients, seconds, kill_every=None, restart_at=None):
    """Load for seconds with the faults; a dict of the figures."""
    stop = threading.Event()
    mark = [len(c.results) for c in clients]

    def loop(c):
        rng = random.Random(c.n)
        while not stop.is_set():
            c.step(rng)

    threads = [threading.Thread(target=loop, args=(c,), daemon=True) for c in clients]
    t0 = time.time()
    for t in threads:
        t.start()
    kills, restart = [], None
    next_kill = t0 + kill_every if kill_every else None
    try:
        while time.time() - t0 < seconds:
            now = time.time()
            if next_kill and now >= next_kill:
                pid = kill_a_worker(len(kills))
                if pid:
                    kills.append(pid)
                next_kill += kill_every
            if restart_at is not None and restart is None and now - t0 >= restart_at:
                begin = time.time()
                restart_postgres()
                restart = (begin, time.time() + 1.0)
            time.sleep(0.05)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    results = [r for c, m in zip(clients, mark) for r in c.results[m:]]
    in_b = (lambda r: restart is not None and r[0] <= restart[1] and r[1] >= restart[0])
    fail_a = [r for r in results if not r[2] and not in_b(r)]
    fail_b = [r for r in results if not r[2] and in_b(r)]
    statuses = {}
    for r in results:
        if not r[2]:
            statuses[r[3]] = statuses.get(r[3], 0) + 1
    return {"requests": len(results), "seconds": time.time() - t0, "kills": len(kills),
            "fail_a": len(fail_a), "fail_b": len(fail_b), "failed_statuses": statuses,
            "in_restart": sum(1 for r in results if in_b(r)),
            "restart_s": (restart[1] - 1.0 - restart[0]) if restart else None}


def recovery(clients):
    """Recovered with no hand on it: health 200, all workers back, no write lost."""
    problems = []
    if not wait_for(health_200, timeout=30):
        problems.append("GET /health never answered 200 again")
    if not wait_for(lambda: all_workers_back()[0], timeout=30):
        problems.append(f"workers missing: {all_workers_back()[1]}")
    acked = sum(c.writes_acked for c in clients)
    stored = stored_symbols(clients)
    lost = [s for c in clients for s in c.lost(stored[int(c.wid)])]
    if lost:
        problems.append(f"{len(lost)} acknowledged writes lost: {lost[:10]}")
    return problems, acked, len(lost)


def answered_500(fig):
    """A problem when any request was answered 500 (a fault is never a bug)."""
    n = sum(v for k, v in fig["failed_statuses"].items() if str(k).startswith("500"))
    return [f"{n} requests answered 500"] if n else []


def report(name, fig):
    n = max(fig["requests"], 1)
    line = (f"  {name}: {fig['requests']} requests in {fig['seconds']:.0f} s "
            f"({fig['requests'] / max(fig['seconds'], 1e-9):.0f}/s)")
    if fig["kills"]:
        line += (f"; (a) {fig['kills']} workers killed, {fig['fail_a']} failed "
                 f"({100.0 * fig['fail_a'] / n:.3f} %)")
    if fig["restart_s"] is not None:
        line += (f"; (b) restart took {fig['restart_s']:.1f} s, {fig['in_restart']} requests "
                 f"overlapped it, {fig['fail_b']} failed")
    print(line + f"; failures by answer {fig['failed_statuses']}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--short", action="store_true")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--kill-every", type=float, default=5.0)
    ap.add_argument("--connections", type=int, default=32)
    args = ap.parse_args()
    checks = []   # (name, problems)
    t0 = time.time()
    clients = make_clients(args.connections)
    print(f"  set-up: {len(clients)} connections' users and watchlists in "
          f"{time.time() - t0:.0f} s", flush=True)
    if args.short:
        fig = run_load(clients, 9, kill_every=2)
        report("(a) kill -9 a worker every 2 s", fig)
        probs, acked, lost = recovery(clients)
        if fig["kills"] < 3:
            probs.append(f"only {fig['kills']} workers killed")
        if fig["fail_a"] * 100 >= fig["requests"]:
            probs.append(f"(a) {fig['fail_a']} of {fig['requests']} failed: 1 % or more")
        checks.append(("worker kills", probs + answered_500(fig)))
        fig = run_load(clients, 6, restart_at=2)
        report("(b) PostgreSQL restarted", fig)
        probs, acked, lost = recovery(clients)
        if fig["fail_a"]:
            probs.append(f"{fig['fail_a']} requests failed outside the restart")
        checks.append(("postgres restart", probs + answered_500(fig)))
        print(f"  writes acknowledged {acked}, lost {lost}")
    else:
        fig = run_load(clients, args.seconds, kill_every=args.kill_every,
                       restart_at=args.seconds / 2 + args.kill_every / 2)
        report(f"{args.connections} connections, kill -9 every {args.kill_every:g} s, "
               "PostgreSQL restarted once", fig)
        probs, acked, lost = recovery(clients)
        print(f"  writes acknowledged {acked}, lost {lost}; recovered: "
              f"{'yes' if not probs else 'no'} (health 200, all workers back)")
        if fig["fail_a"] * 1000 >= fig["requests"]:
            print("  (a) above the 0.1 % goal")
        checks.append(("soak", probs + answered_500(fig)))
    passed = sum(1 for _, p in checks if not p)
    for name, p in checks:
        print(f"{'ok' if not p else 'FAIL'}  {name}" + "".join(f"\n    {x}" for x in p))
    print(f"faults: {passed} passed, {len(checks) - passed} failed", flush=True)
    return 0 if passed == len(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
