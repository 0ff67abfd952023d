"""The scheduled jobs against the running stack: the prune job (exactly what
has expired goes, a second run deletes nothing, a dry run nothing at all),
the advisory lock (two instances started together: one runs, one records a
skipped run and exits 0), a failing run's record, /api/workers/health (who
may read it, staleness and 503), the jobs component of /health/detailed, the
job gauges of /metrics, `edgescout cron list|install|run`, and the stack's
jobs loop (due jobs run once a minute; stop waits for a running job).

Rows made here are tagged api-test-*/apitest-* and removed. Client
addresses 127.0.0.190-209."""

import itertools
import json
import os
import re
import secrets
import subprocess
import tempfile
import time

from accounts import sql, sql_value
from lib import STACK, expect_error, expect_status, request, run_as_stack_user, test, wait_for

ADDRS = [f"127.0.0.{i}" for i in range(190, 210)]
_addr = itertools.cycle(ADDRS)
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
JOBS_SH = os.path.join(REPO, "scripts", "jobs.sh")
BIN = STACK.get("BIN_DIR", "")
EDGESCOUT = os.path.join(BIN, "edgescout")
PRUNE = os.path.join(BIN, "cron", "prune")
SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SAN_KEYS = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")
TABLE_JOBS = ["scan-markets", "run-tasks", "precompute", "label-signals", "retrain", "prune"]
TAG = secrets.token_hex(4)
_state = {}


def base_env(**extra):
    e = {"PATH": SAFE_PATH, "LANG": "C.UTF-8", "EDGESCOUT_ENV_FILE": STACK["ENV_FILE"]}
    e.update({k: os.environ[k] for k in SAN_KEYS if k in os.environ})
    e.update(extra)
    return e


def as_stack_user(argv):
    user = STACK.get("STACK_USER", "")
    if os.geteuid() == 0 and user and user != "root":
        return ["runuser", "-u", user, "--"] + argv
    return argv


def run(argv, timeout=120, **extra):
    """argv as the stack's account with only the env file for settings."""
    return run_as_stack_user(argv, env=base_env(**extra), cwd="/", timeout=timeout)


def cli(*args, **extra):
    return run([EDGESCOUT] + list(args), **extra)


def start(argv, **extra):
    return subprocess.Popen(as_stack_user(argv), env=base_env(**extra), cwd="/",
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def expect_rc(p, rc, what):
    assert p.returncode == rc, \
        f"{what}: exit {p.returncode}, expected {rc}\nstdout: {p.stdout}\nstderr: {p.stderr}"


def log_lines(text):
    out = []
    for line in text.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def db_now():
    return sql_value("SELECT now()")


def runs_since(t0, job="prune"):
    """(status, items, error) of job's runs started at or after t0, in order."""
    rows = sql("SELECT status, coalesce(items::text, ''), coalesce(error, '') FROM job_runs "
               "WHERE job = :'p1' AND started_at >= :'p2' ORDER BY id", job, t0)
    return [(r[0], int(r[1]) if r[1] else None, r[2]) for r in rows]


def call(method, path, token=None):
    hdrs = {"Authorization": "Bearer " + token} if token else {}
    return request(method, path, headers=hdrs, source=next(_addr))


def admin_token():
    if "admin" not in _state:
        email, pw = f"jobs-admin-{TAG}@example.com", secrets.token_urlsafe(18)
        p = run_as_stack_user([EDGESCOUT, "user", "create", "--email", email, "--role", "admin",
                               "--password-stdin"], env=base_env(), cwd="/",
                              input=pw + "\n", timeout=60)
        expect_rc(p, 0, "user create admin")
        _state["admin"] = login(email, pw)
    return _state["admin"]


def user_token():
    if "user" not in _state:
        email, pw = f"jobs-user-{TAG}@example.com", secrets.token_urlsafe(18)
        p = run_as_stack_user([EDGESCOUT, "user", "create", "--email", email,
                               "--password-stdin"], env=base_env(), cwd="/",
                              input=pw + "\n", timeout=60)
        expect_rc(p, 0, "user create")
        _state["user"] = login(email, pw)
    return _state["user"]


def login(email, pw):
    r = request("POST", "/api/auth/login", body={"email": email, "password": pw},
                source=next(_addr))
    expect_status(r, 200)
    return r.json()["access_token"]


def workers_health():
    r = call("GET", "/api/workers/health", token=admin_token())
    assert r.status in (200, 503), r
    body = r.json()
    return r, body, {j["job"]: j for j in body["jobs"]}


def loop_expected():
    """The stack runs its jobs loop (JOBS=on; test stacks default to off)."""
    return STACK.get("JOBS", "on") == "on"


def declared(job):
    return bool(sql("SELECT 1 FROM job_schedules WHERE job = :'p1'", job))


def schedules_snapshot():
    return sql("SELECT job, schedule, installed_at FROM job_schedules ORDER BY job")


def schedules_restore(rows):
    """Put job_schedules back as it was: a job declared here and never run
    would turn stale, and /health/detailed with it."""
    sql("DELETE FROM job_schedules")
    for job, sched, at in rows:
        sql("INSERT INTO job_schedules (job, schedule, installed_at) VALUES "
            "(:'p1', :'p2', :'p3')", job, sched, at)


def metric(text, name, job):
    m = re.search(r'^%s\{job="%s"\} (\S+)$' % (re.escape(name), re.escape(job)), text, re.M)
    return float(m.group(1)) if m else None


def metrics_text():
    r = request("GET", "/metrics", source="127.0.0.1")
    expect_status(r, 200)
    return r.body.decode()


# ---- prune ----------------------------------------------------------------------

def seed_prune_rows():
    """One row past retention and one inside it in each pruned table; the
    tags to find them again."""
    uid = sql_value("WITH u AS (INSERT INTO users (email, password_hash) VALUES (:'p1', 'x') "
                    "RETURNING id) SELECT id FROM u", f"jobs-prune-{TAG}@example.com")
    sql(f"""
INSERT INTO login_failures (email, at) VALUES
  ('old-{TAG}@apitest.example', now() - interval '2 days'),
  ('new-{TAG}@apitest.example', now() - interval '1 hour');
INSERT INTO provider_calls (provider, at, ok, latency_ms, attempts) VALUES
  ('apitest-{TAG}-old', now() - interval '31 days', true, 1, 1),
  ('apitest-{TAG}-new', now() - interval '29 days', true, 1, 1);
INSERT INTO http_cache (key, provider, status, body, fetched_at, expires_at) VALUES
  (encode(sha256('old-{TAG}'), 'hex'), 'apitest-{TAG}', 200, '\\x00',
   now() - interval '9 days', now() - interval '8 days'),
  (encode(sha256('new-{TAG}'), 'hex'), 'apitest-{TAG}', 200, '\\x00',
   now() - interval '7 days', now() - interval '6 days');
INSERT INTO sessions (user_id, token_hash, csrf_hash, expires_at) VALUES
  ({uid}, 'old-{TAG}', 'x', now() - interval '1 minute'),
  ({uid}, 'new-{TAG}', 'x', now() + interval '1 hour');
INSERT INTO refresh_tokens (user_id, family, token_hash, expires_at) VALUES
  ({uid}, 'f-{TAG}', 'old-{TAG}', now() - interval '1 minute'),
  ({uid}, 'f-{TAG}', 'new-{TAG}', now() + interval '1 day');
INSERT INTO job_runs (job, started_at, finished_at, status, error) VALUES
  ('api-test-{TAG}', now() - interval '31 days', now() - interval '31 days', 'ok', 'old'),
  ('api-test-{TAG}', now() - interval '31 days', now() - interval '31 days', 'failed', 'kept'),
  ('api-test-{TAG}', now() - interval '29 days', now() - interval '29 days', 'ok', 'new');
""")
    return uid


def surviving():
    """Which of the seeded rows are still there."""
    q = f"""
SELECT 'login_failures:' || split_part(email, '-', 1) FROM login_failures
 WHERE email LIKE '%-{TAG}@apitest.example'
UNION ALL SELECT 'provider_calls:' || split_part(provider, '-', 3) FROM provider_calls
 WHERE provider LIKE 'apitest-{TAG}-%'
UNION ALL SELECT 'http_cache:' || CASE key WHEN encode(sha256('old-{TAG}'), 'hex') THEN 'old'
 ELSE 'new' END FROM http_cache WHERE provider = 'apitest-{TAG}'
UNION ALL SELECT 'sessions:' || split_part(token_hash, '-', 1) FROM sessions
 WHERE token_hash LIKE '%-{TAG}'
UNION ALL SELECT 'refresh_tokens:' || split_part(token_hash, '-', 1) FROM refresh_tokens
 WHERE token_hash LIKE '%-{TAG}'
UNION ALL SELECT 'job_runs:' || error FROM job_runs WHERE job = 'api-test-{TAG}'
"""
    return sorted(r[0] for r in sql(q))


ALL_SEEDED = sorted([f"{t}:{a}" for t in ("login_failures", "provider_calls", "http_cache",
                                           "sessions", "refresh_tokens")
                     for a in ("old", "new")] + ["job_runs:old", "job_runs:kept",
                                                 "job_runs:new"])


@test
def prune_deletes_exactly_what_expired_and_a_second_run_nothing():
    t0 = db_now()
    uid = seed_prune_rows()
    try:
        assert surviving() == ALL_SEEDED, surviving()
        # a dry run counts, deletes nothing and records nothing
        p = run([PRUNE, "--dry-run"])
        expect_rc(p, 0, "prune --dry-run")
        assert surviving() == ALL_SEEDED, surviving()
        assert runs_since(t0) == [], runs_since(t0)
        lines = log_lines(p.stderr)
        would = {x["what"]: int(x["rows"]) for x in lines if x.get("msg") == "would delete"}
        assert set(would) == {"login failures", "provider calls", "cache entries", "sessions",
                              "refresh tokens", "job runs"}, lines
        assert all(n >= 1 for n in would.values()), would
        done = [x for x in lines if x.get("msg") == "job finished"]
        assert done and done[0]["dry_run"] is True and done[0]["items"] == sum(would.values())

        p = run([PRUNE])
        expect_rc(p, 0, "prune")
        assert surviving() == sorted(["login_failures:new", "provider_calls:new",
                                      "http_cache:new", "sessions:new", "refresh_tokens:new",
                                      "job_runs:kept", "job_runs:new"]), surviving()
        first = runs_since(t0)
        assert len(first) == 1 and first[0][0] == "ok" and first[0][1] >= 6, first
        assert first[0][1] == sum(would.values()), (first, would)

        p = run([PRUNE, "--once"])
        expect_rc(p, 0, "prune again")
        again = runs_since(t0)
        assert again[1:] == [("ok", 0, "")], again      # idempotent: nothing left to do
    finally:
        sql(f"DELETE FROM users WHERE id = {int(uid)}")
        sql(f"DELETE FROM login_failures WHERE email LIKE '%-{TAG}@apitest.example'; "
            f"DELETE FROM provider_calls WHERE provider LIKE 'apitest-{TAG}-%'; "
            f"DELETE FROM http_cache WHERE provider = 'apitest-{TAG}'; "
            f"DELETE FROM job_runs WHERE job = 'api-test-{TAG}'")


@test
def prune_help_and_bad_options():
    p = run([PRUNE, "--help"])
    expect_rc(p, 0, "prune --help")
    assert p.stdout.startswith("usage: prune [--once] [--dry-run] [--help]"), p.stdout
    assert "43 3 * * *" in p.stdout, p.stdout
    t0 = db_now()
    for bad in (["--bogus"], ["once"], ["--dry-run", "-x"]):
        p = run([PRUNE] + bad)
        expect_rc(p, 2, f"prune {bad}")
        assert "unknown option" in p.stderr, p.stderr
    assert runs_since(t0) == [], runs_since(t0)


# ---- the lock ---------------------------------------------------------------------

@test
def second_prune_exits_at_once_while_the_first_holds_the_lock():
    t0 = db_now()
    first = start([PRUNE], JOB_TEST_HOLD_MS="4000")
    try:
        assert wait_for(lambda: runs_since(t0) == [("running", None, "")], timeout=20), \
            runs_since(t0)
        began = time.time()
        p = run([PRUNE], timeout=30)
        took = time.time() - began
        expect_rc(p, 0, "second prune")
        assert took < 3.0, f"the second instance took {took:.1f}s"
        msgs = [x.get("msg") for x in log_lines(p.stderr)]
        assert "another instance holds the lock" in msgs, p.stderr
        assert "job started" not in msgs, p.stderr            # its body never ran
        assert first.poll() is None, "the first instance ended early"
        assert runs_since(t0) == [("running", None, ""), ("skipped", None, "")], runs_since(t0)
    finally:
        out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert runs_since(t0)[0][0] == "ok", runs_since(t0)


@test
def two_prunes_started_together_one_runs_one_skips():
    t0 = db_now()
    procs = [start([PRUNE], JOB_TEST_HOLD_MS="1500") for _ in range(2)]
    outs = [p.communicate(timeout=60) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
    held = ["another instance holds the lock" in err for _, err in outs]
    assert sorted(held) == [False, True], outs
    assert sorted(r[0] for r in runs_since(t0)) == ["ok", "skipped"], runs_since(t0)


# ---- a failing run -----------------------------------------------------------------

class TableLock:
    """ACCESS EXCLUSIVE on a table, held by a psql session of the owner."""

    def __init__(self, table):
        env = {}
        out = run_as_stack_user(["cat", STACK["ENV_FILE"]])
        for line in out.stdout.splitlines():
            k, _, v = line.partition("=")
            env[k.strip()] = v.strip().strip("'")
        self.p = subprocess.Popen(as_stack_user(["psql", "-X", "-q", "-A", "-t", "-v",
                                                 "ON_ERROR_STOP=1",
                                                 env["DATABASE_OWNER_URL"]]),
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        self.p.stdin.write(f"BEGIN;\nLOCK TABLE {table} IN ACCESS EXCLUSIVE MODE;\n"
                           "SELECT 'locked';\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline().strip()
        assert line == "locked", f"could not lock {table}: {line!r}"

    def release(self):
        if self.p.poll() is None:
            self.p.stdin.write("COMMIT;\n")
            self.p.stdin.close()
            self.p.wait(timeout=10)


@test
def a_failing_prune_leaves_a_failed_row_seen_by_workers_health_and_metrics():
    t0 = db_now()
    before = metric(metrics_text(), "edgescout_job_failures_total", "prune")
    lock = TableLock("login_failures")      # a long migration, say: prune times out
    try:
        p = run([PRUNE], DB_STATEMENT_TIMEOUT_MS="700")
    finally:
        lock.release()
    expect_rc(p, 1, "prune behind a lock")
    rows = runs_since(t0)
    assert len(rows) == 1 and rows[0][0] == "failed", rows
    assert "login failures" in rows[0][2] and "57014" in rows[0][2], rows
    assert any(x.get("msg") == "job failed" for x in log_lines(p.stderr)), p.stderr

    r, body, jobs = workers_health()
    prune = jobs["prune"]
    assert prune["last_run"]["status"] == "failed", prune
    assert prune["last_run"]["error"] == rows[0][2], prune
    assert prune["last_run"]["finished_at"] and prune["failures"] >= 1, prune
    assert prune["failures_24h"] >= 1, prune
    if declared("prune"):
        assert prune["installed"] and prune["state"] in ("failing", "stale"), prune
    else:                                   # nothing schedules it: not judged
        assert not prune["installed"] and prune["state"] == "unscheduled", prune
    after = metric(metrics_text(), "edgescout_job_failures_total", "prune")
    assert after == (before or 0) + 1, (before, after)

    expect_rc(run([PRUNE]), 0, "prune without the lock")
    _, _, jobs = workers_health()
    assert jobs["prune"]["last_run"]["status"] == "ok", jobs["prune"]
    assert jobs["prune"]["state"] in ("ok", "unscheduled"), jobs["prune"]
    text = metrics_text()
    assert metric(text, "edgescout_job_failures_total", "prune") == after   # a counter
    last_ok = metric(text, "edgescout_job_last_success_timestamp_seconds", "prune")
    assert last_ok is not None and abs(last_ok - time.time()) < 120, last_ok
    assert metric(text, "edgescout_job_last_items", "prune") is not None
    assert metric(text, "edgescout_job_last_duration_seconds", "prune") >= 0


# ---- /api/workers/health, /health/detailed, /metrics --------------------------------

@test
def workers_health_is_for_admins_only():
    expect_error(call("GET", "/api/workers/health"), 401, "UNAUTHORIZED")
    expect_error(call("GET", "/api/workers/health", token="not-a-token"), 401, "UNAUTHORIZED")
    expect_error(call("GET", "/api/workers/health", token=user_token()), 403, "FORBIDDEN")
    r = call("GET", "/api/workers/health?x=1", token=admin_token())
    expect_error(r, 422, "VALIDATION_FAILED")
    r = call("POST", "/api/workers/health", token=admin_token())
    assert r.status == 405, r


@test
def workers_health_lists_every_job_of_the_schedule():
    r, body, jobs = workers_health()
    assert set(body) == {"status", "stale", "jobs"}, body
    names = [j["job"] for j in body["jobs"]]
    assert names[:len(TABLE_JOBS)] == TABLE_JOBS, names
    fields = {"job", "schedule", "interval_seconds", "installed", "installed_at", "state",
              "stale", "last_run", "last_success_at", "failures", "failures_24h",
              "skipped_24h"}
    for j in body["jobs"]:
        assert set(j) == fields, j
        assert j["state"] in ("ok", "failing", "pending", "stale", "unscheduled"), j
    assert jobs["scan-markets"]["schedule"] == "*/5 * * * *"
    assert jobs["scan-markets"]["interval_seconds"] == 300
    assert jobs["run-tasks"]["interval_seconds"] == 60
    assert jobs["precompute"]["interval_seconds"] == 600
    assert jobs["label-signals"]["interval_seconds"] == 3600
    assert jobs["prune"]["interval_seconds"] == 86400
    if loop_expected():
        # the stack's jobs loop declared the installed prune when it started
        assert jobs["prune"]["installed"] is True and jobs["prune"]["installed_at"], \
            jobs["prune"]
    assert jobs["prune"]["installed"] == declared("prune"), jobs["prune"]
    if not os.path.exists(os.path.join(BIN, "cron", "scan-markets")):
        assert jobs["scan-markets"]["installed"] is False
        assert jobs["scan-markets"]["state"] == "unscheduled", jobs["scan-markets"]
    assert r.status == (503 if body["stale"] else 200), (r.status, body["stale"])


def detailed():
    # the checks are shown to METRICS_ALLOW networks only
    r = request("GET", "/health/detailed", source="127.0.0.1")
    assert r.status in (200, 503), r
    return r, r.json()


@test
def a_stale_job_degrades_health_and_a_pending_one_does_not():
    stale, pending = f"api-test-stale-{TAG}", f"api-test-pending-{TAG}"
    r, body = detailed()
    expect_status(r, 200)
    assert body["checks"]["jobs"]["status"] == "ok" and body["checks"]["jobs"]["stale"] == []
    scheduled = body["checks"]["jobs"]["scheduled"]
    try:
        # declared just now, never run: pending, not stale (a fresh stack)
        sql("INSERT INTO job_schedules (job, schedule) VALUES (:'p1', '*/5 * * * *')", pending)
        r, body = detailed()
        expect_status(r, 200)
        assert body["checks"]["jobs"]["scheduled"] == scheduled + 1, body
        _, _, jobs = workers_health()
        assert jobs[pending]["state"] == "pending" and not jobs[pending]["stale"], jobs[pending]
        assert jobs[pending]["last_run"] is None, jobs[pending]

        # declared an hour ago, last success 20 minutes ago, every 5 minutes: stale
        sql("INSERT INTO job_schedules (job, schedule, installed_at) VALUES "
            "(:'p1', '*/5 * * * *', now() - interval '1 hour')", stale)
        sql("INSERT INTO job_runs (job, started_at, finished_at, status, items) VALUES "
            "(:'p1', now() - interval '20 minutes', now() - interval '20 minutes', 'ok', 3), "
            "(:'p1', now() - interval '10 minutes', now() - interval '599 seconds', "
            "'failed', 0)", stale)
        sql("UPDATE job_runs SET error = 'provider down' WHERE job = :'p1' AND "
            "status = 'failed'", stale)
        r, body = detailed()
        expect_status(r, 503)
        assert body["status"] == "degraded" and body["failing"] == ["jobs"], body
        assert body["checks"]["jobs"] == {"status": "failing", "scheduled": scheduled + 2,
                                          "stale": [stale]}, body
        r, body, jobs = workers_health()
        expect_status(r, 503)
        assert body["status"] == "degraded" and body["stale"] == [stale], body
        j = jobs[stale]
        assert j["stale"] is True and j["state"] == "stale", j
        assert j["last_run"]["status"] == "failed" and j["last_run"]["error"] == "provider down"
        assert j["last_run"]["items"] == 0 and 0.9 < j["last_run"]["duration_seconds"] < 1.1, j
        assert j["last_success_at"] and j["failures"] == 1, j
        text = metrics_text()
        assert metric(text, "edgescout_job_stale", stale) == 1, text
        assert metric(text, "edgescout_job_last_items", stale) == 0
        assert metric(text, "edgescout_job_failures_total", stale) == 1
        assert metric(text, "edgescout_job_stale", pending) == 0

        # a recent success makes it current again
        sql("INSERT INTO job_runs (job, started_at, finished_at, status, items) VALUES "
            "(:'p1', now() - interval '1 minute', now(), 'ok', 1)", stale)
        r, body = detailed()
        expect_status(r, 200)
        _, _, jobs = workers_health()
        assert jobs[stale]["state"] == "ok" and not jobs[stale]["stale"], jobs[stale]
    finally:
        sql("DELETE FROM job_schedules WHERE job IN (:'p1', :'p2')", stale, pending)
        sql("DELETE FROM job_runs WHERE job IN (:'p1', :'p2')", stale, pending)
    r, body = detailed()
    expect_status(r, 200)
    assert body["checks"]["jobs"]["scheduled"] == scheduled


@test
def job_gauges_pass_promtool():
    text = metrics_text()
    for fam, kind in (("edgescout_job_last_success_timestamp_seconds", "gauge"),
                      ("edgescout_job_last_duration_seconds", "gauge"),
                      ("edgescout_job_last_items", "gauge"),
                      ("edgescout_job_failures_total", "counter"),
                      ("edgescout_job_stale", "gauge")):
        assert f"# TYPE {fam} {kind}\n" in text, fam
    for job in TABLE_JOBS:
        assert metric(text, "edgescout_job_failures_total", job) is not None, job
    promtool = subprocess.run(["promtool", "check", "metrics"], input=text,
                              capture_output=True, text=True)
    assert promtool.returncode == 0, promtool.stdout + promtool.stderr


# ---- the command ------------------------------------------------------------------

def expected_crontab(bin_dir, env, log, user=None):
    """cron/crontab with its placeholders filled in (the header explains them
    and keeps them)."""
    with open(os.path.join(REPO, "cron", "crontab")) as f:
        text = f.read()
    head, sep, rest = text.partition("SHELL=")
    assert sep, "no SHELL= line in cron/crontab"
    rest = rest.replace(" @USER@", f" {user}" if user else "")
    if not user:
        rest = rest.replace(" weekday user command", " weekday command")
    rest = rest.replace("@BIN@", bin_dir).replace("@ENV@", env).replace("@LOG@", log)
    return head + sep + rest


@test
def cron_install_writes_the_schedule_with_paths_filled_in():
    log = os.path.join(STACK["DIR"], "log")
    args = ["--bin", BIN, "--env", STACK["ENV_FILE"], "--log", log]
    p = cli("cron", "install", *args, "--out", "-", "--no-declare")
    expect_rc(p, 0, "cron install --out -")
    assert p.stdout == expected_crontab(BIN, STACK["ENV_FILE"], log), p.stdout
    assert f"\n43 3 * * *     {BIN}/cron/prune >>{log}/jobs.log 2>&1\n" in p.stdout

    p = cli("cron", "install", *args, "--user", "edgescout", "--out", "-", "--no-declare")
    expect_rc(p, 0, "cron install --user")
    assert p.stdout == expected_crontab(BIN, STACK["ENV_FILE"], log, "edgescout"), p.stdout

    d = tempfile.mkdtemp(prefix="es-cron-", dir="/tmp")
    os.chmod(d, 0o777)
    try:
        out = os.path.join(d, "edgescout")
        p = cli("cron", "install", *args, "--out", out, "--no-declare")
        expect_rc(p, 0, "cron install --out FILE")
        assert p.stdout.startswith(f"wrote {out}:\n\n"), p.stdout
        with open(out) as f:
            assert f.read() == expected_crontab(BIN, STACK["ENV_FILE"], log)
        assert os.stat(out).st_mode & 0o777 == 0o644
        assert os.listdir(d) == ["edgescout"], os.listdir(d)     # no temporary left
    finally:
        subprocess.run(["rm", "-rf", d])

    # installing declares the jobs that exist (staleness counts from now)
    snapshot = schedules_snapshot()
    try:
        declares_the_installed_jobs(args)
    finally:
        schedules_restore(snapshot)


def declares_the_installed_jobs(args):
    sql("UPDATE job_schedules SET installed_at = now() - interval '1 hour' WHERE job = 'prune'")
    missing = [j for j in TABLE_JOBS if not os.path.exists(os.path.join(BIN, "cron", j))]
    for job in missing:                     # declared once, its binary gone since
        sql("INSERT INTO job_schedules (job, schedule) VALUES (:'p1', '* * * * *') "
            "ON CONFLICT DO NOTHING", job)
    p = cli("cron", "install", *args, "--out", "-", JOB_SCHEDULE_PRUNE="15 4 * * *")
    expect_rc(p, 0, "cron install with an override")
    assert f"\n15 4 * * *     {BIN}/cron/prune " in p.stdout, p.stdout
    assert "prune: declared (15 4 * * *)" in p.stderr, p.stderr
    row = sql("SELECT schedule, now() - installed_at < interval '1 minute' FROM job_schedules "
              "WHERE job = 'prune'")
    assert row == [["15 4 * * *", "t"]], row
    for job in TABLE_JOBS:
        if job in missing:
            assert f"{job}: no " in p.stderr and "not declared" in p.stderr, p.stderr
        assert declared(job) == (job not in missing), job
    p = cli("cron", "install", *args, "--out", "-")            # back to the default
    expect_rc(p, 0, "cron install")
    assert sql("SELECT schedule FROM job_schedules WHERE job = 'prune'") == [["43 3 * * *"]]


@test
def cron_install_refuses_unsafe_paths_and_names():
    log = os.path.join(STACK["DIR"], "log")
    good = {"--bin": BIN, "--env": STACK["ENV_FILE"], "--log": log}
    for key, bad in (("--bin", "relative/dir"), ("--env", "/tmp/a b"), ("--log", "/tmp/50%"),
                     ("--bin", "/tmp/x;rm -rf /"), ("--log", "/tmp/x\nMAILTO=a")):
        opts = dict(good, **{key: bad})
        args = [x for kv in opts.items() for x in kv]
        p = cli("cron", "install", *args, "--out", "-", "--no-declare")
        expect_rc(p, 2, f"{key} {bad!r}")
        assert p.stdout == "", p.stdout
    args = [x for kv in good.items() for x in kv]
    for user in ("Root", "a b", "x;y", ""):
        p = cli("cron", "install", *args, "--user", user, "--out", "-", "--no-declare")
        expect_rc(p, 2, f"--user {user!r}")
    for bad in (["--bogus"], ["--out"], ["--bin"]):
        expect_rc(cli("cron", "install", *bad), 2, f"install {bad}")


@test
def cron_list_and_run():
    p = cli("cron", "--help")
    expect_rc(p, 0, "cron --help")
    assert "edgescout cron list" in p.stdout and "edgescout cron run JOB" in p.stdout
    expect_rc(cli("cron"), 2, "cron")
    expect_rc(cli("cron", "bogus"), 2, "cron bogus")
    expect_rc(cli("cron", "list", "--bogus"), 2, "cron list --bogus")
    expect_rc(cli("cron", "run"), 2, "cron run")
    for bad in ("../x", "Prune", "a/b", "-x", ""):
        expect_rc(cli("cron", "run", bad), 2, f"cron run {bad!r}")
    p = cli("cron", "run", "no-such-job")
    expect_rc(p, 1, "cron run no-such-job")
    assert "no job no-such-job" in p.stderr, p.stderr

    t0 = db_now()
    p = cli("cron", "run", "prune", "--dry-run")
    expect_rc(p, 0, "cron run prune --dry-run")
    assert runs_since(t0) == [], runs_since(t0)
    assert any(x.get("msg") == "job finished" and x.get("dry_run") for x in log_lines(p.stderr))
    p = cli("cron", "run", "prune")
    expect_rc(p, 0, "cron run prune")
    assert [r[0] for r in runs_since(t0)] == ["ok"], runs_since(t0)
    expect_rc(cli("cron", "run", "prune", "--bogus"), 2, "cron run prune --bogus")

    p = cli("cron", "list")
    expect_rc(p, 0, "cron list")
    lines = p.stdout.splitlines()
    assert lines[0].split()[:3] == ["JOB", "SCHEDULE", "STATE"], lines
    names = [ln.split()[0] for ln in lines[1:] if not ln.startswith(" ")]
    assert names[:len(TABLE_JOBS)] == TABLE_JOBS, names
    prune = next(ln for ln in lines if ln.startswith("prune "))
    assert "43 3 * * *" in prune and " ok " in prune, prune
    p = cli("cron", "list", "--json")
    expect_rc(p, 0, "cron list --json")
    jobs = {j["job"]: j for j in json.loads(p.stdout)}
    assert list(jobs)[:len(TABLE_JOBS)] == TABLE_JOBS
    assert jobs["prune"]["last_run"]["status"] == "ok", jobs["prune"]
    assert jobs["prune"]["installed"] == declared("prune")


# ---- the stack's jobs loop -----------------------------------------------------------

def jobs_sh(*args, **extra):
    env = dict(os.environ)
    env.update(extra)
    return subprocess.run([JOBS_SH] + list(args), capture_output=True, text=True, env=env,
                          timeout=120)


def loop_pid():
    try:
        with open(os.path.join(STACK["RUN_DIR"], "jobs.pid")) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def jobs_log():
    with open(os.path.join(STACK["LOG_DIR"], "jobs.log"), errors="replace") as f:
        return log_lines(f.read())


@test
def the_stack_runs_its_jobs_loop_unless_told_not_to():
    status = subprocess.run([os.path.join(REPO, "scripts", "stack.sh"), "status",
                             STACK["DIR"]], capture_output=True, text=True, timeout=60)
    p = jobs_sh("status", STACK["DIR"])
    if not loop_expected():
        assert re.search(r"^jobs +off \(JOBS=off\)$", status.stdout, re.M), status.stdout
        expect_rc(p, 1, "jobs.sh status (JOBS=off)")
        assert re.match(r"jobs +stopped$", p.stdout), p.stdout
        assert loop_pid() is None
        return
    expect_rc(p, 0, "jobs.sh status")
    pid = loop_pid()
    assert pid and os.path.exists(f"/proc/{pid}"), pid
    assert re.match(r"jobs +running \(pid %d\)" % pid, p.stdout), p.stdout
    assert re.search(r"^jobs +running \(pid %d\)$" % pid, status.stdout, re.M), status.stdout
    with open(os.path.join(STACK["DIR"], "etc", "crontab")) as f:
        rendered = f.read()
    assert f"{BIN}/cron/prune" in rendered, rendered


@test
def the_loop_runs_due_jobs_once_a_minute_and_stop_waits_for_them():
    d = tempfile.mkdtemp(prefix="es-jobs-", dir="/tmp")
    os.chmod(d, 0o755)
    crontab = os.path.join(d, "crontab")
    with open(crontab, "w") as f:
        f.write("# every minute, for the test\nFOO=bar\n"
                "* * * * * @BIN@/cron/prune >>/dev/null 2>&1\n"
                "* * * * * @BIN@/cron/no-such-job\n"
                "0 0 1 1 0 @BIN@/cron/prune-never\n")
    os.chmod(crontab, 0o644)
    was_running = loop_pid() is not None
    snapshot = schedules_snapshot()
    expect_rc(jobs_sh("stop", STACK["DIR"]), 0, "jobs.sh stop")
    assert loop_pid() is None
    p = jobs_sh("status", STACK["DIR"])
    expect_rc(p, 1, "jobs.sh status when stopped")
    try:
        t0 = db_now()
        expect_rc(jobs_sh("start", STACK["DIR"], JOBS_CRONTAB=crontab, JOBS_TICK="1"), 0,
                  "jobs.sh start (test crontab)")
        pid = loop_pid()
        p = jobs_sh("start", STACK["DIR"])
        expect_rc(p, 1, "a second jobs.sh start")
        assert "already running" in p.stderr, p.stderr
        assert loop_pid() == pid
        expect_rc(jobs_sh("bogus", STACK["DIR"]), 2, "jobs.sh bogus")
        assert wait_for(lambda: [r for r in runs_since(t0) if r[0] == "ok"], timeout=30), \
            runs_since(t0)
        time.sleep(2.5)                     # more looks within the minute: no second run
        per_minute = sql("SELECT count(*) FROM job_runs WHERE job = 'prune' AND "
                         "started_at >= :'p1' GROUP BY date_trunc('minute', started_at)", t0)
        assert all(int(c[0]) == 1 for c in per_minute), per_minute
        lines = jobs_log()
        assert any(x.get("msg") == "job started" and x.get("job") == "prune" for x in lines)
        assert any(x.get("msg") == "job ended" and x.get("job") == "prune" and
                   x.get("exit") == "0" for x in lines), lines[-10:]
        assert any(x.get("msg") == "job not installed; its entries are skipped" and
                   x.get("job") == "no-such-job" for x in lines), lines[-10:]
        expect_rc(jobs_sh("stop", STACK["DIR"]), 0, "jobs.sh stop")

        # a job running when the loop stops gets TERM and is waited for
        t1 = db_now()
        expect_rc(jobs_sh("start", STACK["DIR"], JOBS_CRONTAB=crontab, JOBS_TICK="1",
                          JOB_TEST_HOLD_MS="20000"), 0, "jobs.sh start (holding)")
        assert wait_for(lambda: runs_since(t1) == [("running", None, "")], timeout=30), \
            runs_since(t1)
        pid = loop_pid()
        began = time.time()
        p = jobs_sh("stop", STACK["DIR"])
        expect_rc(p, 0, "jobs.sh stop while a job runs")
        assert time.time() - began < 15, "stop waited for the whole hold: no TERM to the job"
        assert runs_since(t1) == [("ok", 0, "")], runs_since(t1)   # finished, not killed
        assert not os.path.exists(f"/proc/{pid}"), "the loop is still there"
        assert loop_pid() is None
        lines = jobs_log()
        assert lines[-1].get("msg") == "jobs loop stopped", lines[-3:]
    finally:
        jobs_sh("stop", STACK["DIR"])
        if was_running:
            expect_rc(jobs_sh("start", STACK["DIR"]), 0, "jobs.sh start (the stack's own)")
        schedules_restore(snapshot)
        subprocess.run(["rm", "-rf", d])
    assert (jobs_sh("status", STACK["DIR"]).returncode == 0) == was_running
