"""`edgescout cron list|install|run` and the stack's jobs loop (due jobs run
once a minute; stop waits for a running job), against the running stack.

Helpers in jobs_lib."""

import json
import os
import re
import subprocess
import tempfile
import time

from accounts import sql
from lib import STACK, test, wait_for
from jobs_lib import (
    BIN,
    JOBS_SH,
    REPO,
    TABLE_JOBS,
    cli,
    db_now,
    declared,
    expect_rc,
    log_lines,
    loop_expected,
    runs_since,
    schedules_restore,
    schedules_snapshot,
)


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
    before = sql("SELECT job, schedule, installed_at FROM job_schedules ORDER BY job")
    p = cli("cron", "install", *args, "--out", "-", JOB_SCHEDULE_PRUNE="15 4 * * *")
    expect_rc(p, 0, "cron install --out - only prints")
    assert f"\n15 4 * * *     {BIN}/cron/prune " in p.stdout and p.stderr == "", p.stderr
    assert sql("SELECT job, schedule, installed_at FROM job_schedules ORDER BY job") == before
    p = cli("cron", "install", *args, "--out", "-", "--declare",
            JOB_SCHEDULE_PRUNE="15 4 * * *")
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
    p = cli("cron", "install", *args, "--out", "-", "--declare")   # back to the default
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
