"""What the scheduled-job tests (test_jobs, test_cron) share: running the
stack's binaries as its account with only the env file for settings, the
prune job's seeded rows, job_runs and schedules, /api/workers/health and
the job gauges of /metrics.

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
TABLE_JOBS = ["scan-markets", "scan-odds", "settle-odds", "scan-deals", "run-tasks", "deliver-alerts",
              "precompute", "label-signals", "retrain", "billing-grace", "prune", "backup"]
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
INSERT INTO revoked_access_tokens (jti, expires_at) VALUES
  ('old-{TAG}', now() - interval '1 minute'), ('new-{TAG}', now() + interval '10 minutes');
INSERT INTO tasks (user_id, kind, params, status, result, error_code, run_after, created_at,
                   started_at, finished_at) VALUES
  ({uid}, 'apitest', '{{"tag":"{TAG}","age":"old"}}', 'done', '{{}}', NULL,
   now() - interval '9 days', now() - interval '9 days', now() - interval '9 days',
   now() - interval '8 days'),
  ({uid}, 'apitest', '{{"tag":"{TAG}","age":"oldfailed"}}', 'failed', NULL, 'PROVIDER_UNAVAILABLE',
   now() - interval '9 days', now() - interval '9 days', now() - interval '9 days',
   now() - interval '8 days'),
  ({uid}, 'apitest', '{{"tag":"{TAG}","age":"new"}}', 'done', '{{}}', NULL,
   now() - interval '9 days', now() - interval '9 days', now() - interval '9 days',
   now() - interval '6 days'),
  ({uid}, 'apitest', '{{"tag":"{TAG}","age":"queued"}}', 'queued', NULL, NULL,
   now() + interval '1 year', now() - interval '30 days', NULL, NULL);
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
UNION ALL SELECT 'revoked_access_tokens:' || split_part(jti, '-', 1) FROM revoked_access_tokens
 WHERE jti LIKE '%-{TAG}'
UNION ALL SELECT 'tasks:' || (params->>'age') FROM tasks WHERE params->>'tag' = '{TAG}'
"""
    return sorted(r[0] for r in sql(q))


ALL_SEEDED = sorted([f"{t}:{a}" for t in ("login_failures", "provider_calls", "http_cache",
                                           "sessions", "refresh_tokens", "revoked_access_tokens")
                     for a in ("old", "new")] + ["job_runs:old", "job_runs:kept",
                                                 "job_runs:new"] +
                    [f"tasks:{a}" for a in ("old", "oldfailed", "new", "queued")])
