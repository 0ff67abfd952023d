"""The foundation against the real stack: health, version, errors from nginx
and from the app, security headers, limits, metrics, request ids."""

import os
import re
import subprocess
import time

from lib import (STACK, expect_error, expect_security_headers, expect_status, get,
                 pg_bin, post, request, run_as_stack_user, test, wait_for)


@test
def health_is_healthy_json_with_security_headers():
    r = get("/health")
    expect_status(r, 200)
    assert r.header("content-type") == "application/json", r.headers
    body = r.json()
    assert body["status"] == "healthy", body
    assert re.fullmatch(r"[0-9A-Za-z-]{8,64}", r.header("x-request-id") or ""), r.headers
    assert float(r.header("x-process-time")) >= 0
    expect_security_headers(r)


@test
def healthz_and_head():
    expect_status(get("/healthz"), 200)
    r = request("HEAD", "/health")
    expect_status(r, 200)
    assert r.body == b"", r.body
    assert int(r.header("content-length")) > 0


@test
def version_names_only_the_version_and_commit_to_anonymous_clients():
    r = get("/api/version")
    expect_status(r, 200)
    v = r.json()
    assert set(v) == {"version", "commit"} and v["version"] and v["commit"], v
    # libraries and the server's version go to admins (test_hardening.py)


@test
def detailed_health_is_healthy():
    r = get("/health/detailed")
    expect_status(r, 200)
    body = r.json()
    assert body["status"] == "healthy", body
    assert body["failing"] == [], body
    checks = body["checks"]
    assert checks["database"]["status"] == "ok" and checks["database"]["round_trip_ms"] >= 0
    assert checks["migrations"]["applied"] == checks["migrations"]["expected"], checks
    assert checks["disk"]["free_bytes"] > 0, checks
    expect_security_headers(r)


@test
def unknown_path_is_json_404_from_nginx():
    r = get("/nope")
    err = expect_error(r, 404, "NOT_FOUND")
    assert "nope" not in err["message"]
    expect_security_headers(r)


@test
def known_path_wrong_method_is_405_with_allow():
    r = post("/health", body={})
    expect_error(r, 405, "METHOD_NOT_ALLOWED")
    assert r.header("allow") == "GET, HEAD", r.headers
    expect_security_headers(r)
    r = request("DELETE", "/api/version")
    expect_error(r, 405, "METHOD_NOT_ALLOWED")


@test
def oversized_body_is_json_413():
    r = request("POST", "/api/version", raw_body=b"x" * (2 * 1024 * 1024),
                headers={"Content-Type": "application/json"})
    expect_error(r, 413, "PAYLOAD_TOO_LARGE")
    expect_security_headers(r)


@test
def bad_query_strings_are_400():
    for q in ("x=%ff", "x=%zz", "x=%e2%82", "x=a%00b", "x=" + "a" * 5000):
        r = get("/api/version?" + q)
        assert r.status in (400, 414), f"{q[:20]}: {r!r}"
        expect_error(r, r.status, "BAD_REQUEST" if r.status == 400 else "URI_TOO_LONG")
        expect_security_headers(r)


@test
def injection_strings_in_path_and_query_are_harmless():
    # a parameter the route does not declare is refused by the contract,
    # whatever it holds; the value is never echoed
    for q in ("x=%27%3B%20DROP%20TABLE%20schema_migrations%3B--",
              "x=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "x=..%2F..%2Fetc%2Fpasswd"):
        r = get("/api/version?" + q)
        err = expect_error(r, 422, "VALIDATION_FAILED", field="x")
        assert "DROP" not in r.body.decode() and "script" not in err["message"], err
    r = get("/health/%27%20OR%201%3D1")
    expect_error(r, 404, "NOT_FOUND")
    expect_status(get("/health/detailed"), 200)


@test
def request_id_is_echoed_and_logged():
    r = get("/healthz")
    rid = r.header("x-request-id")
    assert rid, r.headers
    log = os.path.join(STACK["DIR"], "log", "health.log")

    def logged():
        with open(log, errors="replace") as f:
            return any(rid in line and '"status":200' in line for line in f)
    assert wait_for(logged, timeout=5), f"request id {rid} not in {log}"


@test
def http_port_redirects_to_https():
    r = request("GET", "/health?x=1", tls=False)
    assert r.status in (301, 308), r
    loc = r.header("location")
    assert loc.startswith("https://") and loc.endswith("/health?x=1"), loc


@test
def metrics_pass_promtool_and_count_requests():
    for _ in range(3):
        get("/healthz")
    r = get("/metrics")
    expect_status(r, 200)
    assert r.header("content-type").startswith("text/plain"), r.headers
    text = r.body.decode()
    p = subprocess.run(["promtool", "check", "metrics"], input=text,
                       capture_output=True, text=True)
    assert p.returncode == 0 and not p.stdout.strip() and not p.stderr.strip(), \
        f"promtool: {p.returncode} {p.stdout} {p.stderr}"
    m = re.search(r'^edgescout_http_requests_total\{[^}]*binary="health"[^}]*'
                  r'route="/healthz"[^}]*status="200"[^}]*\} (\d+)', text, re.M)
    if not m:
        m = re.search(r'^edgescout_http_requests_total\{(?=[^}]*binary="health")'
                      r'(?=[^}]*route="/healthz")(?=[^}]*status="200")[^}]*\} (\d+)',
                      text, re.M)
    assert m and int(m.group(1)) >= 3, text[:2000]
    assert re.search(r"^edgescout_http_request_duration_seconds_bucket\{", text, re.M)
    assert re.search(r"^edgescout_build_info\{", text, re.M)
    assert re.search(r"^edgescout_db_up 1$", text, re.M), "db_up"
    assert re.search(r"^edgescout_worker_resident_memory_bytes\{", text, re.M)


@test
def metrics_hidden_from_other_networks():
    # the test stack allows only 127.0.0.1/32 and ::1
    r = get("/metrics", source="127.0.0.2")
    expect_error(r, 404, "NOT_FOUND")


@test
def crashed_worker_is_replaced():
    run = STACK["RUN_DIR"]
    with open(os.path.join(run, "health.pid")) as f:
        watcher = int(f.read().strip())
    kids = subprocess.run(["pgrep", "-P", str(watcher)], capture_output=True, text=True)
    pids = [int(p) for p in kids.stdout.split()]
    assert pids, "no workers under the health watcher"
    os.kill(pids[0], 9)
    assert wait_for(lambda: get("/healthz").status == 200, timeout=10)

    def replaced():
        out = subprocess.run(["pgrep", "-P", str(watcher)], capture_output=True, text=True)
        now = [int(p) for p in out.stdout.split()]
        return len(now) == len(pids) and pids[0] not in now
    assert wait_for(replaced, timeout=10), "worker not restarted"
    for _ in range(10):
        expect_status(get("/healthz"), 200)


@test
def detailed_health_degrades_when_database_stops_and_recovers():
    pg_ctl = pg_bin("pg_ctl")
    stop = run_as_stack_user([pg_ctl, "-D", STACK["PGDATA"], "-m", "fast", "-w", "stop"])
    assert stop.returncode == 0, stop.stderr
    try:
        r = get("/health/detailed")
        expect_status(r, 503)
        body = r.json()
        assert body["status"] == "degraded" and "database" in body["failing"], body
        text = r.body.decode()
        for leak in ("password", "host=", STACK["DIR"], "could not connect"):
            assert leak not in text, f"{leak!r} leaked: {text}"
        expect_security_headers(r)
        expect_status(get("/health"), 200)          # liveness needs no database
    finally:
        start = run_as_stack_user([pg_ctl, "-D", STACK["PGDATA"], "-w", "-l",
                                   os.path.join(STACK["DIR"], "log", "postgres.log"), "start"])
        assert start.returncode == 0, start.stderr
    # every worker reconnects on its own; a few requests reach all of them
    assert wait_for(lambda: all(get("/health/detailed").status == 200 for _ in range(4)),
                    timeout=20), "did not recover after the database came back"


@test
def default_zone_rate_limit_answers_json_429():
    # a client address of its own, so other tests keep their budget
    src = "127.0.0.9"
    limit = int(STACK.get("RATE_LIMIT_DEFAULT", "60"))
    statuses = [get("/api/version", source=src).status for _ in range(limit + 5)]
    assert statuses[:limit] == [200] * limit, statuses
    r = get("/api/version", source=src)
    err = expect_error(r, 429, "RATE_LIMITED")
    assert int(r.header("retry-after")) >= 1, r.headers
    expect_security_headers(r)
    # health stays outside the zone
    expect_status(get("/health", source=src), 200)
