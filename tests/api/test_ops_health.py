"""Operator health against the real stack: provider health from known
provider_calls rows (exact rates, percentile_cont latencies, last error,
status per window), window validation, who may look; performance stats from
the shared metrics tables (exact counts for requests made here, percentiles
equal to what /metrics' buckets give, inside their bucket), admins only.

Requests spread over 127.0.0.230-249 so the per-IP rate limits never bite."""

import itertools
import math
import os
import re
import secrets
from urllib.parse import quote

from accounts import sql, sql_value
from lib import STACK, expect_error, expect_status, request, run_as_stack_user, test

RUN = secrets.token_hex(4)
PREFIX = f"zz-ops-{RUN}"
MARK = f"https://example.invalid/ops-{RUN}"      # endpoint of every row made here
ADDRS = [f"127.0.0.{i}" for i in range(230, 250)]
_addr = itertools.cycle(ADDRS)
RFC3339_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
PROVIDER_FIELDS = {"provider", "status", "calls", "ok", "failed", "success_rate", "latency_ms",
                   "attempts_avg", "last_success_at", "last_error", "consecutive_failures",
                   "quota"}
ROUTE_FIELDS = {"binary", "method", "route", "requests", "statuses", "client_errors",
                "server_errors", "error_ratio", "client_error_ratio", "mean_seconds",
                "latency_seconds"}
BOUNDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
HEALTH = "/api/provider-health"
PERF = "/api/performance/stats"
_state = {}


def call(method, path, token=None, headers=None, source=None):
    hdrs = dict(headers or {})
    if token:
        hdrs["Authorization"] = "Bearer " + token
    return request(method, path, headers=hdrs, source=source or next(_addr))


def login(email, password):
    r = request("POST", "/api/auth/login", body={"email": email, "password": password},
                source=next(_addr))
    expect_status(r, 200)
    return r.json()["access_token"]


def plain():
    """A user registered and signed in over the API (made once)."""
    if "plain" not in _state:
        email, pw = f"ops-{RUN}@example.com", secrets.token_urlsafe(18)
        r = request("POST", "/api/auth/register", body={"email": email, "password": pw},
                    source=next(_addr))
        expect_status(r, 201)
        _state["plain"] = login(email, pw)
    return _state["plain"]


def admin():
    """An admin made with the CLI, signed in over the API (made once)."""
    if "admin" not in _state:
        email, pw = f"ops-adm-{RUN}@example.com", secrets.token_urlsafe(18)
        env = dict(os.environ, EDGESCOUT_ENV_FILE=STACK["ENV_FILE"])
        p = run_as_stack_user([os.path.join(STACK["BIN_DIR"], "edgescout"), "user", "create",
                               "--email", email, "--role", "admin", "--password-stdin"],
                              input=pw + "\n", env=env, start_new_session=True)
        assert p.returncode == 0, p.stderr
        _state["admin"] = login(email, pw)
    return _state["admin"]


def api_key(token, scopes):
    r = request("POST", "/api/auth/api-keys", body={"name": "ops", "scopes": scopes},
                headers={"Authorization": "Bearer " + token}, source=next(_addr))
    expect_status(r, 201)
    return max((v for v in r.json().values() if isinstance(v, str) and v.startswith("es_")),
               key=len)


# ---- provider health ---------------------------------------------------------

# (provider suffix, minutes ago, ok, status, latency_ms, attempts, error)
CALLS = [
    # a: 10 calls in the last hour, 7 ok, the latest ok -> degraded (70 %)
    ("a", 55, True, 200, 120, 1, None),
    ("a", 50, False, 503, 35, 3, "HTTP 503"),
    ("a", 45, True, 200, 980, 1, None),
    ("a", 40, True, 200, 410, 2, None),
    ("a", 35, False, None, 77, 2, "timed out"),
    ("a", 30, True, 200, 260, 1, None),
    ("a", 25, True, 200, 1500, 1, None),
    ("a", 20, False, 429, 95, 4, "HTTP 429"),
    ("a", 15, True, 200, 330, 1, None),
    ("a", 10, True, 200, 640, 1, None),
    # b: a failure 2 h ago, 4 successes since: healthy on 1h, degraded on 24h
    ("b", 120, False, 500, 900, 3, "HTTP 500"),
    ("b", 40, True, 200, 10, 1, None),
    ("b", 30, True, 200, 20, 1, None),
    ("b", 20, True, 200, 30, 1, None),
    ("b", 10, True, 200, 40, 1, None),
    # c: a success, then three failures: down
    ("c", 30, True, 200, 50, 1, None),
    ("c", 20, False, None, 5000, 3, "could not connect"),
    ("c", 10, False, None, 5000, 3, "could not connect"),
    ("c", 5, False, None, 5001, 3, "timed out"),
    # d: three failures three days ago: idle on 24h, down on 7d
    ("d", 3 * 1440 + 30, False, 502, 100, 1, "HTTP 502"),
    ("d", 3 * 1440 + 20, False, 502, 200, 1, "HTTP 502"),
    ("d", 3 * 1440 + 10, False, 502, 300, 1, "HTTP 502"),
]


def insert_calls():
    if _state.get("inserted"):
        return
    rows = []
    for name, ago, ok, status, ms, attempts, error in CALLS:
        rows.append("('%s-%s', now() - make_interval(mins => %d), %s, %s, %d, %d, %s, "
                    "'%s')"
                    % (PREFIX, name, ago, "true" if ok else "false",
                       "NULL" if status is None else str(status), ms, attempts,
                       "NULL" if error is None else "'" + error + "'", MARK))
    sql("INSERT INTO provider_calls (provider, at, ok, status, latency_ms, attempts, error, "
        "endpoint) VALUES " + ", ".join(rows))
    _state["inserted"] = True


def percentile_cont(p, values):
    """PostgreSQL's percentile_cont: linear between the two nearest rows."""
    v = sorted(values)
    pos = p * (len(v) - 1)
    lo = math.floor(pos)
    hi = math.ceil(pos)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def expected(name, minutes):
    """The window figures of provider name from CALLS."""
    rows = [c for c in CALLS if c[0] == name and c[1] <= minutes]
    lat = [c[4] for c in rows]
    return {
        "calls": len(rows), "ok": sum(1 for c in rows if c[2]),
        "p50": percentile_cont(0.5, lat) if rows else None,
        "p95": percentile_cont(0.95, lat) if rows else None,
        "attempts_avg": sum(c[5] for c in rows) / len(rows) if rows else None,
    }


def db_time(name, ok):
    """The latest call of provider name with outcome ok, as the API renders it."""
    return sql_value("SELECT to_char(at AT TIME ZONE 'UTC', "
                     "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM provider_calls "
                     "WHERE provider = :'p1' AND ok = :'p2'::boolean "
                     "ORDER BY at DESC LIMIT 1", f"{PREFIX}-{name}", "true" if ok else "false")


def health(window=None, token=None):
    path = HEALTH + (f"?window={window}" if window else "")
    r = call("GET", path, token=token or plain())
    expect_status(r, 200)
    body = r.json()
    assert set(body) == {"status", "window", "thresholds", "providers"}, body
    assert body["window"] == (window or "24h"), body
    assert body["thresholds"] == {"down_after_failures": 3, "degraded_min_calls": 5,
                                  "degraded_below": 0.9}, body
    for p in body["providers"]:
        assert set(p) == PROVIDER_FIELDS, p
    return body


def mine(body):
    return {p["provider"][len(PREFIX) + 1:]: p for p in body["providers"]
            if p["provider"].startswith(PREFIX + "-")}


def close(a, b):
    return a is None and b is None or (a is not None and b is not None and
                                       abs(a - b) <= 1e-9 * max(1.0, abs(b)))


def check_window(p, name, minutes):
    e = expected(name, minutes)
    assert p["calls"] == e["calls"], (name, p)
    assert p["ok"] == e["ok"] and p["failed"] == e["calls"] - e["ok"], (name, p)
    if e["calls"]:
        assert p["success_rate"] == e["ok"] / e["calls"], (name, p)
    else:
        assert p["success_rate"] is None, (name, p)
    assert close(p["latency_ms"]["p50"], e["p50"]), (name, p, e)
    assert close(p["latency_ms"]["p95"], e["p95"]), (name, p, e)
    assert close(p["attempts_avg"], e["attempts_avg"]), (name, p, e)


def overall_of(providers):
    active = [p for p in providers if p["status"] != "idle"]
    if active and all(p["status"] == "down" for p in active):
        return "down"
    if any(p["status"] in ("down", "degraded") for p in providers):
        return "degraded"
    return "healthy"


@test
def provider_health_refuses_anonymous_callers():
    expect_error(call("GET", HEALTH), 401, "UNAUTHORIZED")
    expect_error(call("GET", HEALTH, token="not.a.jwt"), 401, "UNAUTHORIZED")
    r = call("POST", HEALTH, token=plain())
    expect_error(r, 405, "METHOD_NOT_ALLOWED")


@test
def provider_health_numbers_are_exact_on_the_last_hour():
    insert_calls()
    body = health("1h")
    got = mine(body)
    assert set(got) == {"a", "b", "c", "d"}, sorted(got)
    a, b, c, d = got["a"], got["b"], got["c"], got["d"]

    check_window(a, "a", 60)
    assert a["success_rate"] == 0.7 and a["status"] == "degraded", a
    assert a["latency_ms"] == {"p50": 295, "p95": percentile_cont(0.95, [
        c[4] for c in CALLS if c[0] == "a"])}, a
    assert a["attempts_avg"] == 1.7, a
    assert a["last_error"] == {"at": db_time("a", False), "message": "HTTP 429",
                               "status": 429}, a
    assert a["last_success_at"] == db_time("a", True), a
    assert RFC3339_UTC.fullmatch(a["last_success_at"]), a
    assert a["consecutive_failures"] == 0, a

    check_window(b, "b", 60)
    assert b["status"] == "healthy" and b["success_rate"] == 1, b
    # the last error stands even outside the window
    assert b["last_error"] == {"at": db_time("b", False), "message": "HTTP 500",
                               "status": 500}, b

    check_window(c, "c", 60)
    assert c["status"] == "down" and c["consecutive_failures"] == 3, c
    assert c["last_error"] == {"at": db_time("c", False), "message": "timed out",
                               "status": None}, c
    assert c["latency_ms"]["p50"] == 5000, c

    check_window(d, "d", 60)
    assert d["status"] == "idle" and d["calls"] == 0, d
    assert d["latency_ms"] == {"p50": None, "p95": None} and d["attempts_avg"] is None, d
    assert d["last_success_at"] is None and d["consecutive_failures"] == 3, d
    assert d["last_error"]["message"] == "HTTP 502", d

    for p in (a, b, c, d):
        assert p["quota"] == {"remaining": None, "status": "unknown"}, p
    assert body["status"] == overall_of(body["providers"]), body
    assert body["status"] in ("degraded", "down"), body   # c is down


@test
def provider_health_windows_move_the_judgement():
    insert_calls()
    day = mine(health())                       # default: 24h
    check_window(day["b"], "b", 1440)
    assert day["b"]["success_rate"] == 0.8 and day["b"]["status"] == "degraded", day["b"]
    assert day["d"]["status"] == "idle", day["d"]
    week = health("7d")
    mw = mine(week)
    for name in "abcd":
        check_window(mw[name], name, 7 * 1440)
    assert mw["d"]["status"] == "down" and mw["d"]["calls"] == 3, mw["d"]
    assert mw["d"]["success_rate"] == 0 and mw["d"]["latency_ms"]["p50"] == 200, mw["d"]
    assert week["status"] == overall_of(week["providers"]), week


@test
def provider_health_reports_quota_honestly():
    # a call of a provider that sends no quota header (removed at the end)
    sql("INSERT INTO provider_calls (provider, at, ok, status, latency_ms, attempts, endpoint) "
        "VALUES ('alphavantage', now() - interval '8 days', true, 200, 1, 1, :'p1')",
        MARK)
    p = {x["provider"]: x for x in health()["providers"]}
    assert p["alphavantage"]["quota"] == {"remaining": None, "status": "not_reported"}, p
    assert p[PREFIX + "-a"]["quota"] == {"remaining": None, "status": "unknown"}, p
    # what a provider reported (Finnhub's X-Ratelimit-Remaining): the latest
    # call that carried it, even when later calls did not
    sql("INSERT INTO provider_calls (provider, at, ok, status, latency_ms, attempts, endpoint, "
        "quota_remaining) VALUES "
        "(:'p1', now() - interval '3 hours', true, 200, 1, 1, :'p2', 41), "
        "(:'p1', now() - interval '2 hours', true, 200, 1, 1, :'p2', 40), "
        "(:'p1', now() - interval '1 hour', false, 500, 1, 1, :'p2', NULL)",
        PREFIX + "-q", MARK)
    p = {x["provider"]: x for x in health()["providers"]}
    assert p[PREFIX + "-q"]["quota"] == {"remaining": 40, "status": "reported"}, p


@test
def provider_health_validates_the_window():
    tok = plain()
    before = sql_value("SELECT count(*) FROM provider_calls")
    for q in ("window=2h", "window=", "window=24H", "window=1d", "window=%201h",
              "window=1h&window=1h", "window=24h%27%20OR%20%271%27=%271",
              "window=1h;DROP%20TABLE%20provider_calls", "window=" + "7" * 300):
        r = call("GET", f"{HEALTH}?{q}", token=tok)
        expect_error(r, 422, "VALIDATION_FAILED", field="window")
    for q, field in (("provider=x", "provider"), ("window=1h&x=1", "x"),
                     (quote("'; DELETE FROM provider_calls;--") + "=1", None)):
        r = call("GET", f"{HEALTH}?{q}", token=tok)
        err = expect_error(r, 422, "VALIDATION_FAILED", field=field)
        assert field is not None or "field" not in err, err   # input that is no name
    expect_error(call("GET", f"{HEALTH}?window=%ZZ", token=tok), 400, "BAD_REQUEST")
    assert sql_value("SELECT count(*) FROM provider_calls") == before


@test
def provider_health_takes_read_api_keys():
    tok = plain()
    r = call("GET", HEALTH, headers={"X-API-Key": api_key(tok, ["read"])})
    expect_status(r, 200)
    assert "providers" in r.json()
    r = call("GET", HEALTH, headers={"X-API-Key": api_key(tok, ["export"])})
    expect_error(r, 403, "FORBIDDEN")


# ---- performance stats -----------------------------------------------------------

def stats():
    r = call("GET", PERF, token=admin())
    expect_status(r, 200)
    body = r.json()
    assert set(body) == {"binaries", "bucket_bounds_seconds", "routes", "totals",
                         "analysis_cache"}, body
    assert body["bucket_bounds_seconds"] == BOUNDS, body
    return body


def route_of(body, binary, method, path):
    for x in body["routes"]:
        if (x["binary"], x["method"], x["route"]) == (binary, method, path):
            return x
    return None


@test
def performance_stats_are_for_admins_only():
    expect_error(call("GET", PERF), 401, "UNAUTHORIZED")
    expect_error(call("GET", PERF, token=plain()), 403, "FORBIDDEN")
    expect_error(call("GET", PERF, headers={"X-API-Key": api_key(admin(), ["read"])}),
                 403, "FORBIDDEN")
    expect_error(call("POST", PERF, token=admin()), 405, "METHOD_NOT_ALLOWED")


@test
def performance_stats_refuse_any_query():
    for q in ("route=x", "binary=" + quote("' OR 1=1--"), "x"):
        expect_error(call("GET", f"{PERF}?{q}", token=admin()), 422, "VALIDATION_FAILED")


@test
def performance_stats_shape_and_sums():
    body = stats()
    assert body["binaries"] >= 10, body["binaries"]
    total = client = server = 0
    for x in body["routes"]:
        assert set(x) == ROUTE_FIELDS, x
        n = x["requests"]
        assert n > 0 and n == sum(x["statuses"].values()), x
        c4 = sum(v for k, v in x["statuses"].items() if k.startswith("4"))
        c5 = sum(v for k, v in x["statuses"].items() if k.startswith("5"))
        assert x["client_errors"] == c4 and x["server_errors"] == c5, x
        assert close(x["error_ratio"], c5 / n) and close(x["client_error_ratio"], c4 / n), x
        lat = x["latency_seconds"]
        assert 0 <= lat["p50"] <= lat["p95"] <= lat["p99"] <= BOUNDS[-1], x
        total, client, server = total + n, client + c4, server + c5
    t = body["totals"]
    assert (t["requests"], t["client_errors"], t["server_errors"]) == (total, client, server), t
    assert close(t["error_ratio"], server / total), t
    cache = body["analysis_cache"]
    assert cache["counted"] is True and cache["window"] == "24h", cache
    hits, misses = cache["hits"], cache["misses"]
    assert isinstance(hits, int) and isinstance(misses, int) and hits >= 0 and misses >= 0, cache
    if hits + misses:
        assert close(cache["hit_ratio"], hits / (hits + misses)), cache
    else:
        assert cache["hit_ratio"] is None, cache
    # the stats request itself is counted once it has been answered
    me = route_of(body, "performance", "GET", PERF)
    again = route_of(stats(), "performance", "GET", PERF)
    assert again["statuses"]["200"] == (me["statuses"].get("200", 0) if me else 0) + 1, \
        (me, again)


def metrics_histogram(binary, method, path):
    """Cumulative buckets (by le text), count and sum of one route from /metrics."""
    r = request("GET", "/metrics", source="127.0.0.1")
    expect_status(r, 200)
    labels = f'binary="{binary}",route="{path}",method="{method}"'
    buckets, count, total = {}, None, None
    name = "edgescout_http_request_duration_seconds"
    for line in r.body.decode().splitlines():
        m = re.fullmatch(name + r'_bucket\{' + re.escape(labels) + r',le="([^"]+)"\} (\d+)',
                         line)
        if m:
            buckets[m.group(1)] = int(m.group(2))
        elif line.startswith(f"{name}_count{{{labels}}} "):
            count = int(line.split()[-1])
        elif line.startswith(f"{name}_sum{{{labels}}} "):
            total = float(line.split()[-1])
    return buckets, count, total


def quantile(q, cumulative, count):
    """histogram_quantile over the cumulative finite buckets (BOUNDS order)."""
    rank = q * count
    for i, c in enumerate(cumulative):
        if c >= rank and c > 0:
            lo = BOUNDS[i - 1] if i else 0.0
            prev = cumulative[i - 1] if i else 0
            return lo + (BOUNDS[i] - lo) * ((rank - prev) / (c - prev)), (lo, BOUNDS[i])
    return BOUNDS[-1], (BOUNDS[-1], math.inf)


@test
def performance_counts_requests_exactly_and_estimates_from_the_buckets():
    tok, n = plain(), 7
    before = route_of(stats(), "provider_health", "GET", HEALTH)
    b422 = before["statuses"].get("422", 0) if before else 0
    breq = before["requests"] if before else 0
    for _ in range(n):
        expect_error(call("GET", f"{HEALTH}?window=nope", token=tok), 422,
                     "VALIDATION_FAILED")
    buckets, count, total = metrics_histogram("provider_health", "GET", HEALTH)
    after = route_of(stats(), "provider_health", "GET", HEALTH)
    assert after["statuses"]["422"] == b422 + n, (before, after)
    assert after["requests"] == breq + n == count, (before, after, count)
    assert after["client_errors"] >= n, after
    assert close(after["mean_seconds"], total / count) or \
        abs(after["mean_seconds"] - total / count) < 1e-6, (after, total, count)
    cumulative = [buckets[le] for le in ("0.0005", "0.001", "0.0025", "0.005", "0.01",
                                         "0.025", "0.05", "0.1", "0.25", "0.5", "1",
                                         "2.5", "5", "10")]
    assert buckets["+Inf"] == count, buckets
    for key, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
        want, (lo, hi) = quantile(q, cumulative, count)
        got = after["latency_seconds"][key]
        assert close(got, want), (key, got, want, cumulative, count)
        assert lo <= got <= hi, (key, got, lo, hi)


@test
def provider_rows_of_these_tests_are_removed():
    sql("DELETE FROM provider_calls WHERE endpoint = :'p1'", MARK)
    assert sql_value("SELECT count(*) FROM provider_calls WHERE endpoint = :'p1' "
                     "OR provider LIKE :'p2'", MARK, PREFIX + "-%") == "0"
