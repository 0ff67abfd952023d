"""The scheduled jobs against the running stack: the prune job (exactly what
has expired goes, a second run deletes nothing, a dry run nothing at all),
the advisory lock (two instances started together: one runs, one records a
skipped run and exits 0), a failing run's record, /api/workers/health (who
may read it, staleness and 503), the jobs component of /health/detailed and
the job gauges of /metrics. `edgescout cron` and the jobs loop: test_cron.

Helpers in jobs_lib."""

import os
import subprocess
import time

from accounts import sql
from lib import STACK, expect_error, expect_status, request, run_as_stack_user, test, wait_for
from jobs_lib import (
    ALL_SEEDED,
    BIN,
    PRUNE,
    TABLE_JOBS,
    TAG,
    _addr,
    admin_token,
    as_stack_user,
    call,
    db_now,
    declared,
    expect_rc,
    log_lines,
    loop_expected,
    metric,
    metrics_text,
    run,
    runs_since,
    seed_prune_rows,
    start,
    surviving,
    user_token,
    workers_health,
)


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
                              "refresh tokens", "job runs", "signed-out access tokens",
                              "finished tasks"}, lines
        assert all(n >= 1 for n in would.values()), would
        done = [x for x in lines if x.get("msg") == "job finished"]
        assert done and done[0]["dry_run"] is True and done[0]["items"] == sum(would.values())

        p = run([PRUNE])
        expect_rc(p, 0, "prune")
        assert surviving() == sorted(["login_failures:new", "provider_calls:new",
                                      "http_cache:new", "sessions:new", "refresh_tokens:new",
                                      "job_runs:kept", "job_runs:new",
                                      "revoked_access_tokens:new", "tasks:new",
                                      "tasks:queued"]), surviving()
        first = runs_since(t0)
        assert len(first) == 1 and first[0][0] == "ok" and first[0][1] >= 9, first
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
            f"DELETE FROM job_runs WHERE job = 'api-test-{TAG}'; "
            f"DELETE FROM revoked_access_tokens WHERE jti LIKE '%-{TAG}'")


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


@test
def a_jobs_database_connection_names_the_job():
    """pg_stat_activity.application_name is the job's name while it runs, so
    an operator can tell which job holds a lock or runs a slow query."""
    job = os.path.join(STACK["BIN_DIR"], "cron", "run-tasks")
    p = start([job], RUN_TASKS_SECONDS="4")
    try:
        names = wait_for(lambda: [r[0] for r in sql(
            "SELECT application_name FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = 'run-tasks'")],
            timeout=20)
        assert names == ["run-tasks"], names
    finally:
        out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
