"""The route contract on the real stack: every route refuses what it does
not declare the same way, list cursors must name something, and quota
classes must have tier_quotas rows (config check and worker start-up)."""

import json
import os
import subprocess
import tempfile

import fcgi
from accounts import call, login, new_user, register, sql, sql_value, stack_env
from accounts import strong_password, unique_email
from lib import STACK, expect_error, expect_status, test, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = os.path.join(HERE, "..", "..", "docs", "openapi.yaml")
_state = {}


def tokens():
    """(user token, admin token), made once."""
    if "user" not in _state:
        _state["user"] = new_user("contract")[2]["access_token"]
        email, pw = unique_email("contract-admin"), strong_password()
        assert register(email, pw).status == 201
        sql("UPDATE users SET role = 'admin' WHERE lower(email) = lower(:'p1')", email)
        r = login(email, pw)
        assert r.status == 200, r
        _state["admin"] = r.json()["access_token"]
    return _state["user"], _state["admin"]


def operations():
    doc = json.load(open(SPEC))
    for path, item in doc["paths"].items():
        for method, op in item.items():
            yield method.upper(), path, op


def concrete(path):
    return path.replace("{id}", "1").replace("{symbol}", "AAPL").replace("{name}", "x")


def token_for(path, op):
    user, admin = tokens()
    if not op["security"]:
        return None
    return admin if "/admin/" in path or "/monitoring/" in path or \
        "/performance/" in path or "/workers/" in path else user


@test
def every_route_refuses_an_undeclared_query_parameter_naming_it():
    seen = 0
    for method, path, op in operations():
        body = {} if "requestBody" in op else None
        r = call(method, concrete(path) + "?zz_undeclared=1", body=body,
                 token=token_for(path, op),
                 source="127.0.0.1" if op.get("x-internal-only") else None)
        expect_error(r, 422, "VALIDATION_FAILED", field="zz_undeclared")
        seen += 1
    assert seen >= 40, seen


@test
def every_declared_parameter_refuses_a_repeat_and_a_wrong_type():
    checked = 0
    for method, path, op in operations():
        for p in op["parameters"]:
            if p["in"] != "query":
                continue
            tok = token_for(path, op)
            r = call(method, f"{concrete(path)}?{p['name']}=1&{p['name']}=1", token=tok)
            expect_error(r, 422, "VALIDATION_FAILED", field=p["name"])
            s = p["schema"]
            if s.get("type") in ("integer", "boolean") or "enum" in s:
                r = call(method, f"{concrete(path)}?{p['name']}=zz%20not%20valid", token=tok)
                expect_error(r, 422, "VALIDATION_FAILED", field=p["name"])
            checked += 1
    assert checked >= 15, checked


@test
def every_json_body_refuses_an_undeclared_field_naming_it():
    for method, path, op in operations():
        if "requestBody" not in op:
            continue
        r = call(method, concrete(path), body={"zz_undeclared": 1}, token=token_for(path, op))
        expect_error(r, 422, "VALIDATION_FAILED", field="zz_undeclared")


@test
def a_cursor_that_names_nothing_is_422():
    user, admin = tokens()
    for path, tok in (("/api/admin/users", admin), ("/api/admin/audit", admin),
                      ("/api/search-history", user), ("/api/models", user)):
        r = call("GET", path + "?cursor=987654321012", token=tok)
        expect_error(r, 422, "VALIDATION_FAILED", field="cursor")
        for bad in ("abc", "0", "-1", "1.5"):
            expect_error(call("GET", f"{path}?cursor={bad}", token=tok), 422,
                         "VALIDATION_FAILED", field="cursor")
    # another user's history entry is no cursor of this user's
    other = new_user("contract-other")[2]["access_token"]
    r = call("GET", "/api/stock-analysis?symbol=%5EGSPC&strategy=momentum&async=true",
             token=other)
    expect_status(r, 202)
    theirs = sql_value("SELECT max(id) FROM search_history")
    expect_error(call("GET", f"/api/search-history?cursor={theirs}", token=user), 422,
                 "VALIDATION_FAILED", field="cursor")
    r = call("GET", f"/api/search-history?cursor={theirs}", token=other)
    expect_status(r, 200)
    assert r.json() == {"items": [], "next_cursor": None}, r.json()


@test
def lists_share_one_envelope():
    user, admin = tokens()
    for path, tok in (("/api/admin/users?limit=1", admin), ("/api/admin/audit?limit=1", admin),
                      ("/api/search-history", user), ("/api/models", user),
                      ("/api/watchlists", user), ("/api/auth/api-keys", user)):
        r = call("GET", path, token=tok)
        expect_status(r, 200)
        body = r.json()
        assert set(body) == {"items", "next_cursor"}, (path, body)
        assert isinstance(body["items"], list), (path, body)
    # the first page of more than one leads to a second that does not repeat it
    r = call("GET", "/api/admin/users?limit=1", token=admin).json()
    assert r["next_cursor"], r
    r2 = call("GET", f"/api/admin/users?limit=1&cursor={r['next_cursor']}", token=admin).json()
    assert r2["items"] and r2["items"][0]["id"] > r["items"][0]["id"], (r, r2)


def cli(*args):
    env = dict(os.environ, EDGESCOUT_ENV_FILE=STACK["ENV_FILE"],
               EDGESCOUT_BIN_DIR=os.path.join(STACK["BIN_DIR"], "cgi-bin"))
    return subprocess.run([os.path.join(STACK["BIN_DIR"], "edgescout"), *args],
                          capture_output=True, text=True, env=env, timeout=120)


@test
def quota_classes_without_tier_quotas_rows_are_problems():
    p = cli("config", "check")
    assert p.returncode == 0, p.stdout + p.stderr
    rows = sql_value("SELECT count(*) FROM tier_quotas WHERE quota_class = 'export'")
    assert int(rows) >= 1, rows
    saved = sql_value("SELECT string_agg(tier || ':' || daily_limit, ',') FROM tier_quotas "
                      "WHERE quota_class = 'export'")
    work = tempfile.mkdtemp(prefix="es-quota-", dir="/tmp")
    os.chmod(work, 0o777)
    try:
        sql("DELETE FROM tier_quotas WHERE quota_class = 'export'")
        p = cli("config", "check")
        assert p.returncode == 1, p.stdout + p.stderr
        lines = [line for line in p.stdout.splitlines() if "quota class export" in line]
        assert sorted(lines) == sorted([
            "get /api/v1/export.csv: quota class export has no tier_quotas row "
            "(every request would be allowed)",
            "get /api/v1/export.json: quota class export has no tier_quotas row "
            "(every request would be allowed)"]), p.stdout
        # a worker naming the class refuses to start; one that does not starts
        env = {k: v for k, v in stack_env().items() if k != "EDGESCOUT_ENV_FILE"}
        env["RUN_DIR"] = work
        for name, starts in (("export", False), ("history", True)):
            sock = os.path.join(work, name + ".sock")
            log = os.path.join(work, name + ".log")
            proc = fcgi.start_worker(os.path.join(STACK["BIN_DIR"], "cgi-bin", name), sock,
                                     env, log)
            try:
                if starts:
                    assert proc.poll() is None, open(log).read()[-2000:]
                else:
                    assert wait_for(lambda: proc.poll() is not None, timeout=20), "still up"
                    assert proc.returncode == 1, proc.returncode
                    text = open(log).read()
                    assert '"quota_class":"export"' in text and "refusing to start" in text, \
                        text[-2000:]
            finally:
                if proc.poll() is None:
                    fcgi.stop_worker(proc)
    finally:
        for pair in saved.split(","):
            tier, limit = pair.split(":")
            sql("INSERT INTO tier_quotas (tier, quota_class, daily_limit) "
                "VALUES (:'p1', 'export', :'p2'::int) ON CONFLICT DO NOTHING", tier, limit)
        subprocess.run(["rm", "-rf", work])
    assert cli("config", "check").returncode == 0
