"""The market jobs against the running stack: cron/scan-markets (signals
stored once, two scanners at once, a provider outage failing the run and
showing in the workers' health), cron/run-tasks (a task queued over the API
answered within seconds, a stuck task requeued, SIGTERM) and
cron/precompute (the most requested analyses answer X-Cache: HIT). The jobs
run as the stack's account with its env file, settings added on top. The
stack's jobs loop (scripts/jobs.sh) is paused during each test, so that no
scheduled run takes a job's lock or a queued task first."""

import functools
import http.server
import itertools
import os
import secrets
import signal
import subprocess
import tempfile
import threading
import time
import uuid

from accounts import sql, sql_value
from analysis_lib import ensure_gspc, import_rows, random_symbol, sp500_rows
from lib import STACK, expect_status, request, test, wait_for

# Client addresses of these tests: 127.0.0.250-254, used in turn.
ADDRS = [f"127.0.0.{i}" for i in range(250, 255)]
_turn = itertools.count()
SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SAN_KEYS = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")
LAST_DAY = "2020-04-17"      # the S&P fixture's last bar
DEAD_URL = "http://127.0.0.1:9/{symbol}.csv"     # nothing listens on the discard port
JOBS_SH = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                        "scripts", "jobs.sh"))
_state = {}


def loop_paused(fn):
    """Run test fn with the stack's jobs loop stopped (its running jobs
    finished first), started again afterwards when it was running."""
    def jobs_sh(cmd):
        return subprocess.run([JOBS_SH, cmd, STACK["DIR"]], capture_output=True, text=True,
                              timeout=120)

    @functools.wraps(fn)
    def paused():
        running = jobs_sh("status").returncode == 0
        if running:
            p = jobs_sh("stop")
            assert p.returncode == 0, f"jobs.sh stop: {p.stderr}"
        try:
            fn()
        finally:
            if running:
                p = jobs_sh("start")
                assert p.returncode == 0, f"jobs.sh start: {p.stderr}"
    return paused


def addr():
    return ADDRS[next(_turn) % len(ADDRS)]


def call(method, path, token=None, **kw):
    hdrs = dict(kw.pop("headers", None) or {})
    if token is not None:
        hdrs["Authorization"] = f"Bearer {token}"
    return request(method, path, headers=hdrs, source=addr(), **kw)


def login(email, password):
    r = call("POST", "/api/auth/login", body={"email": email, "password": password})
    expect_status(r, 200)
    return r.json()["access_token"]


def new_user():
    """A free-tier user registered and signed in over the API: its token."""
    email, pw = f"jobs-{uuid.uuid4().hex[:12]}@example.com", secrets.token_urlsafe(18)
    expect_status(call("POST", "/api/auth/register", body={"email": email, "password": pw}),
                  201)
    return login(email, pw)


def admin():
    """An admin made with the CLI, signed in over the API (made once)."""
    if "admin" not in _state:
        email, pw = f"jobs-adm-{uuid.uuid4().hex[:12]}@example.com", secrets.token_urlsafe(18)
        p = as_stack_user([os.path.join(STACK["BIN_DIR"], "edgescout"), "user", "create",
                           "--email", email, "--role", "admin", "--password-stdin"],
                          input=pw + "\n")
        assert p.returncode == 0, p.stderr
        _state["admin"] = login(email, pw)
    return _state["admin"]


# ---- running the jobs ----------------------------------------------------------

def job_env(extra=None):
    e = {"PATH": SAFE_PATH, "LANG": "C.UTF-8", "EDGESCOUT_ENV_FILE": STACK["ENV_FILE"]}
    e.update({k: os.environ[k] for k in SAN_KEYS if k in os.environ})
    e.update(extra or {})
    return e


def user_args(args):
    user = STACK.get("STACK_USER", "")
    if os.geteuid() == 0 and user and user != "root":
        return ["runuser", "-u", user, "--"] + args
    return args


def as_stack_user(args, env=None, **kw):
    return subprocess.run(user_args(args), env=job_env(env), cwd="/", capture_output=True,
                          text=True, timeout=120, **kw)


def job(name, *args, env=None):
    """Run cron/NAME ARGS to the end: the completed process."""
    return as_stack_user([os.path.join(STACK["BIN_DIR"], "cron", name)] + list(args), env=env)


class Background:
    """cron/NAME started in the background, its output in a file."""

    def __init__(self, name, env=None):
        self.out = tempfile.NamedTemporaryFile(prefix=f"{name}-", suffix=".log")
        self.proc = subprocess.Popen(
            user_args([os.path.join(STACK["BIN_DIR"], "cron", name)]), env=job_env(env),
            cwd="/", stdin=subprocess.DEVNULL, stdout=self.out, stderr=subprocess.STDOUT)

    def output(self):
        if self.out.closed:
            return self.final
        with open(self.out.name, errors="replace") as f:
            return f.read()

    def said(self, text):
        return text in self.output()

    def job_pid(self):
        """The job's own pid (runuser's child when run through runuser)."""
        if self.proc.args[0] != "runuser":
            return self.proc.pid
        path = f"/proc/{self.proc.pid}/task/{self.proc.pid}/children"
        pids = wait_for(lambda: open(path).read().split(), timeout=5)
        assert pids, "the job did not start"
        return int(pids[0])

    def stop(self, sig=signal.SIGTERM):
        """Signal the job itself and wait: its exit status."""
        if self.out.closed:
            return self.proc.returncode
        if self.proc.poll() is None:
            os.kill(self.job_pid(), sig)
        try:
            return self.proc.wait(timeout=30)
        finally:
            self.final = self.output()
            self.out.close()


def expect_rc(p, rc, what):
    assert p.returncode == rc, \
        f"{what}: exit {p.returncode}, expected {rc}\nstderr: {p.stderr[-2000:]}"


def last_run_id():
    return int(sql_value("SELECT coalesce(max(id), 0) FROM job_runs"))


def runs_since(name, after):
    """(status, items, error) of job's runs with id > after, oldest first."""
    return [(r[0], int(r[1]) if r[1] else None, r[2]) for r in
            sql("SELECT status, coalesce(items::text, ''), coalesce(error, '') FROM job_runs "
                "WHERE job = :'p1' AND id > :'p2'::bigint ORDER BY id", name, str(after))]


def data_symbol(last=None):
    """A fresh symbol holding the S&P 500 series (its last rows only)."""
    if "rows" not in _state:
        _state["rows"] = sp500_rows()
    sym = random_symbol("ZJ")
    import_rows(sym, _state["rows"][-last:] if last else _state["rows"])
    return sym


def signals_of(symbol):
    return sql("SELECT g.strategy, g.day::text, g.source FROM signals g JOIN symbols s "
               "ON s.id = g.symbol_id WHERE s.symbol = :'p1' ORDER BY g.strategy", symbol)


# ---- scan-markets --------------------------------------------------------------

@test
@loop_paused
def scan_twice_stores_each_signal_once():
    sym = data_symbol()
    env = {"MARKET_UNIVERSE": f"{sym.lower()}, ^GSPC", "MARKET_PROVIDERS": ""}
    since = sql_value("SELECT now()::text")
    before = last_run_id()
    expect_rc(job("scan-markets", env=env), 0, "first scan")
    # a signal only where the analysis recommends: without fundamentals,
    # growth, value (35 % of their weight) and dividend (50 %) do not
    assert signals_of(sym) == [["momentum", LAST_DAY, "scan"]]
    new = int(sql_value("SELECT count(*) FROM signals WHERE source = 'scan' "
                        "AND created_at >= :'p1'::timestamptz", since))
    assert new >= 1
    assert runs_since("scan-markets", before) == [("ok", new, "")]
    # the second run over the same data inserts nothing
    before = last_run_id()
    expect_rc(job("scan-markets", env=env), 0, "second scan")
    assert runs_since("scan-markets", before) == [("ok", 0, "")]
    assert len(signals_of(sym)) == 1
    assert int(sql_value("SELECT count(*) FROM signals WHERE source = 'scan' "
                         "AND created_at >= :'p1'::timestamptz", since)) == new


@test
@loop_paused
def two_scanners_started_together_one_runs_one_exits():
    env = {"MARKET_UNIVERSE": "^GSPC", "MARKET_PROVIDERS": "", "JOB_TEST_HOLD_MS": "4000"}
    before = last_run_id()
    first, second = Background("scan-markets", env), Background("scan-markets", env)
    try:
        t0 = time.time()
        # the one without the lock is done at once; the holder keeps it 4 s
        done = wait_for(lambda: first.proc.poll() is not None or
                        second.proc.poll() is not None, timeout=10)
        assert done and time.time() - t0 < 3.5, "neither scanner exited at once"
        quick, slow = (first, second) if first.proc.poll() is not None else (second, first)
        assert quick.proc.returncode == 0, quick.output()
        assert quick.said("another instance holds the lock"), quick.output()
        assert slow.proc.poll() is None
        assert slow.proc.wait(timeout=30) == 0, slow.output()
        assert slow.said('"msg":"job finished"'), slow.output()
    finally:
        for b in (first, second):
            b.stop(signal.SIGKILL)
    assert sorted(r[0] for r in runs_since("scan-markets", before)) == ["ok", "skipped"]


@test
@loop_paused
def provider_outage_fails_the_scan_and_shows_in_workers_health():
    sym = random_symbol("ZJ")          # no data anywhere: only a provider could help
    env = {"MARKET_UNIVERSE": sym, "MARKET_PROVIDERS": "csv",
           "MARKET_CSV_URL_TEMPLATE": DEAD_URL, "HTTP_RETRIES": "0"}
    before = last_run_id()
    p = job("scan-markets", env=env)
    expect_rc(p, 1, "scan with the providers down")
    runs = runs_since("scan-markets", before)
    assert len(runs) == 1 and runs[0][0] == "failed", runs
    assert runs[0][2].startswith("no provider could refresh any of"), runs
    # nothing stored, nothing recorded: a user's call will try it afresh
    assert not sql("SELECT 1 FROM symbols WHERE symbol = :'p1'", sym)
    assert not sql("SELECT 1 FROM market_refreshes WHERE symbol = :'p1'", sym)

    # installed an hour ago and no success since: stale, with the failure shown
    saved = sql("SELECT schedule, installed_at::text FROM job_schedules "
                "WHERE job = 'scan-markets'")
    moved = []
    try:
        sql("INSERT INTO job_schedules (job, schedule, installed_at) VALUES "
            "('scan-markets', '*/5 * * * *', now() - interval '1 hour') ON CONFLICT (job) "
            "DO UPDATE SET installed_at = EXCLUDED.installed_at")
        moved = [r[0] for r in sql(
            "WITH m AS (UPDATE job_runs SET started_at = started_at - interval '1 hour', "
            "finished_at = finished_at - interval '1 hour' WHERE job = 'scan-markets' "
            "AND status = 'ok' AND finished_at > now() - interval '1 hour' RETURNING id) "
            "SELECT id FROM m")]
        r = call("GET", "/api/workers/health", token=admin())
        expect_status(r, 503)
        body = r.json()
        assert "scan-markets" in body["stale"], body
        scan = next(j for j in body["jobs"] if j["job"] == "scan-markets")
        assert scan["stale"] is True and scan["state"] == "stale", scan
        assert scan["last_run"]["status"] == "failed", scan
        assert scan["last_run"]["error"] == runs[0][2], scan
    finally:
        if moved:
            sql("UPDATE job_runs SET started_at = started_at + interval '1 hour', "
                "finished_at = finished_at + interval '1 hour' "
                "WHERE id = ANY(string_to_array(:'p1', ',')::bigint[])", ",".join(moved))
        if saved:
            sql("UPDATE job_schedules SET schedule = :'p1', installed_at = :'p2'::timestamptz "
                "WHERE job = 'scan-markets'", saved[0][0], saved[0][1])
        else:
            sql("DELETE FROM job_schedules WHERE job = 'scan-markets'")


class QuotaSpent:
    """A provider stand-in on a loopback port that answers every call 429."""

    def __init__(self):
        self.hits = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                outer.hits += 1
                self.send_response(429)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"quota exceeded\n")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/{{symbol}}.csv"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@test
@loop_paused
def scan_stops_refreshing_when_the_quota_runs_out():
    syms = sorted(data_symbol(last=60) for _ in range(3))
    provider = QuotaSpent()
    try:
        env = {"MARKET_UNIVERSE": ",".join(syms), "MARKET_PROVIDERS": "csv",
               "MARKET_CSV_URL_TEMPLATE": provider.url, "HTTP_RETRIES": "0"}
        before = last_run_id()
        expect_rc(job("scan-markets", env=env), 0, "scan with the quota spent")
        assert provider.hits == 1, f"{provider.hits} calls after the quota ran out"
    finally:
        provider.close()
    runs = runs_since("scan-markets", before)
    assert len(runs) == 1 and runs[0][0] == "ok", runs     # a spent quota is no outage
    # the stored prices are scanned all the same
    assert all(["momentum", LAST_DAY, "scan"] in signals_of(sym) for sym in syms), \
        [signals_of(sym) for sym in syms]
    rows = sql("SELECT symbol, status, message FROM market_refreshes "
               "WHERE symbol = ANY(string_to_array(:'p1', ',')) ORDER BY symbol", ",".join(syms))
    assert [r[:2] for r in rows] == [[sym, "rate_limited"] for sym in syms], rows
    deferred = [r for r in rows if r[2] == "not refreshed: the providers' quota ran out "
                                            "during a scan"]
    assert len(deferred) >= 2, rows


# ---- run-tasks -----------------------------------------------------------------

def queue_analysis(token, symbol="%5EGSPC", strategy="momentum"):
    r = call("GET", f"/api/stock-analysis?symbol={symbol}&strategy={strategy}&async=true",
             token=token)
    expect_status(r, 202)
    return r.json()["task_id"], time.time()


def task(token, tid):
    r = call("GET", f"/api/tasks/{tid}", token=token)
    expect_status(r, 200)
    return r.json()


def finished(token, tid):
    """The task when it is done or failed, else None."""
    t = task(token, tid)
    return t if t["status"] in ("done", "failed") else None


@test
@loop_paused
def queued_task_is_answered_by_the_worker_within_seconds():
    ensure_gspc()
    token = new_user()
    before = last_run_id()
    worker = Background("run-tasks", {"RUN_TASKS_SECONDS": "30"})
    try:
        assert wait_for(lambda: worker.said("the queue is empty; listening"), timeout=20), \
            worker.output()
        waits = []
        for strategy in ("momentum", "value"):
            tid, queued = queue_analysis(token, strategy=strategy)
            t = wait_for(lambda: finished(token, tid), timeout=10, interval=0.05)
            waits.append(time.time() - queued)
            assert t, f"task {tid} not done: {task(token, tid)}"
            assert waits[-1] < 5.0, f"task {tid} took {waits[-1]:.2f} s"
            assert t["attempts"] == 1 and t["error"] is None, t
            res = t["result"]
            assert (res["symbol"], res["strategy"], res["date"]) == \
                ("^GSPC", strategy, LAST_DAY), res
            assert res["cache"] in ("MISS", "HIT", "STALE") and 0 <= res["score"] <= 100, res
        pid = worker.job_pid()
        assert worker.stop() == 0, worker.output()     # SIGTERM: a clean finish
    finally:
        worker.stop(signal.SIGKILL)
    mine = int(sql_value("SELECT count(*) FROM tasks WHERE worker LIKE :'p1'", f"%:{pid}"))
    assert mine >= 2
    assert runs_since("run-tasks", before) == [("ok", mine, "")], worker.output()
    assert "tasks: stopped by a signal" in worker.output()


@test
@loop_paused
def stuck_tasks_are_requeued_or_failed():
    ensure_gspc()
    token = new_user()
    again, _ = queue_analysis(token, strategy="growth")
    spent, _ = queue_analysis(token, strategy="dividend")
    # two claims whose workers died an hour ago; one has used every attempt
    sql("UPDATE tasks SET status = 'running', worker = 'gone:1', "
        "attempts = CASE WHEN id = :'p1'::bigint THEN 1 ELSE 3 END, "
        "started_at = now() - interval '1 hour' WHERE id IN (:'p1'::bigint, :'p2'::bigint)",
        str(again), str(spent))
    assert task(token, again)["status"] == "running"
    before = last_run_id()
    expect_rc(job("run-tasks", env={"RUN_TASKS_SECONDS": "0"}), 0, "run-tasks")
    t = task(token, again)
    assert (t["status"], t["attempts"], t["error"]) == ("done", 2, None), t
    assert t["result"]["strategy"] == "growth", t
    t = task(token, spent)
    assert (t["status"], t["attempts"], t["result"]) == ("failed", 3, None), t
    assert t["error"] == {"code": "SERVICE_UNAVAILABLE",
                          "message": "the task timed out (3 attempts)"}, t
    runs = runs_since("run-tasks", before)
    assert len(runs) == 1 and runs[0][0] == "ok" and runs[0][1] >= 1, runs


# ---- precompute ----------------------------------------------------------------

def cached(symbol):
    return [r[0] for r in sql("SELECT x.strategy || ' ' || x.data_day FROM analyses x "
                              "JOIN symbols s ON s.id = x.symbol_id WHERE s.symbol = :'p1' "
                              "ORDER BY 1", symbol)]


@test
@loop_paused
def precompute_makes_the_most_requested_analyses_hits():
    sym = data_symbol()
    token = new_user()
    for _ in range(3):                 # asked for, never computed: no worker runs
        queue_analysis(token, symbol=sym, strategy="value")
    assert cached(sym) == []
    env = {"PRECOMPUTE_TOP": "1000", "MARKET_PROVIDERS": ""}
    before = last_run_id()
    expect_rc(job("precompute", env=env), 0, "precompute")
    assert cached(sym) == [f"value {LAST_DAY}"]
    runs = runs_since("precompute", before)
    assert len(runs) == 1 and runs[0][0] == "ok" and runs[0][1] >= 1, runs
    r = call("GET", f"/api/stock-analysis?symbol={sym}&strategy=value", token=token)
    expect_status(r, 200)
    assert r.header("x-cache") == "HIT", r.headers
    assert r.json()["symbol"] == sym and r.json()["date"] == LAST_DAY
    # a second run computes nothing
    before = last_run_id()
    expect_rc(job("precompute", env=env), 0, "second precompute")
    assert runs_since("precompute", before) == [("ok", 0, "")]
    # a dry run writes nothing, not even its run
    before = last_run_id()
    expect_rc(job("precompute", "--dry-run", env=env), 0, "dry run")
    assert runs_since("precompute", before) == []
