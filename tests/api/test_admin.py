"""The admin API against the real stack: who may use it, listing and changing
users, the audit trail, monitoring; every change audited, nothing written by
a refused request, the audit trail beyond the app role's reach.

Requests spread over 127.0.0.60-74 so the per-IP rate limits never bite."""

import itertools
import json
import os
import re
import secrets
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

from lib import STACK, expect_error, expect_status, request, run_as_stack_user, test

RUN = secrets.token_hex(4)
ADDRS = [f"127.0.0.{i}" for i in range(60, 75)]
_addr = itertools.cycle(ADDRS)
USER_FIELDS = {"id", "email", "role", "tier", "disabled", "created_at", "last_login_at"}
RFC3339_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z")
ADMIN_ROUTES = [
    ("GET", "/api/admin/users"),
    ("PATCH", "/api/admin/users/1"),
    ("GET", "/api/admin/audit"),
    ("GET", "/api/monitoring/stats"),
    ("GET", "/api/monitoring/config"),
]
_state = {}


def call(method, path, token=None, body=None, raw=None, headers=None, source=None):
    hdrs = dict(headers or {})
    if token:
        hdrs["Authorization"] = "Bearer " + token
    if raw is not None:
        hdrs.setdefault("Content-Type", "application/json")
    return request(method, path, body=body, raw_body=raw, headers=hdrs,
                   source=source or next(_addr))


def env_file():
    """The stack's settings (KEY=value lines, quotes removed)."""
    out = {}
    with open(STACK["ENV_FILE"]) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            k, _, v = line.partition("=")
            if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
                v = v[1:-1]
            out[k.strip()] = v
    return out


def psql(sql):
    """Run sql as the app role (DATABASE_URL); the completed process."""
    return run_as_stack_user(["psql", env_file()["DATABASE_URL"], "-X", "-q", "-At",
                              "-v", "ON_ERROR_STOP=1", "-c", sql])


def query(sql):
    p = psql(sql)
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


def cli(*args, stdin=None):
    env = dict(os.environ, EDGESCOUT_ENV_FILE=STACK["ENV_FILE"])
    return run_as_stack_user([os.path.join(STACK["BIN_DIR"], "edgescout"), *args],
                             input=stdin, env=env, start_new_session=True)


def user_of(body):
    return body["user"] if isinstance(body.get("user"), dict) else body


def user_id(email):
    """The id of the user with this (normalised) address, from the database."""
    return int(query(f"SELECT id FROM users WHERE email = '{email}'"))


def register(email, password):
    """Register over the API (which tells no id); the new user's id."""
    r = call("POST", "/api/auth/register", body={"email": email, "password": password})
    expect_status(r, 201)
    return user_id(email)


def login(email, password):
    r = call("POST", "/api/auth/login", body={"email": email, "password": password})
    expect_status(r, 200)
    body = r.json()
    assert body.get("access_token") and body.get("refresh_token"), body
    return body


def me(token):
    return call("GET", "/api/auth/me", token=token)


def new_user(tag):
    """A registered user: dict with id, email, password and a fresh token."""
    email = f"{tag}-{RUN}@example.com"
    pw = secrets.token_urlsafe(18)
    uid = register(email, pw)
    tokens = login(email, pw)
    return {"id": uid, "email": email, "pw": pw, "token": tokens["access_token"],
            "refresh": tokens["refresh_token"]}


def admin():
    """An admin made with the CLI, logged in over the API (made once)."""
    if "admin" not in _state:
        email = f"adm-{RUN}@example.com"
        pw = secrets.token_urlsafe(18)
        p = cli("user", "create", "--email", email, "--role", "admin", "--password-stdin",
                stdin=pw + "\n")
        assert p.returncode == 0, p.stderr
        uid = int(re.search(r"created user (\d+)", p.stdout).group(1))
        _state["admin"] = {"id": uid, "email": email, "pw": pw,
                           "token": login(email, pw)["access_token"]}
    return _state["admin"]


def plain():
    if "plain" not in _state:
        _state["plain"] = new_user("plain")
    return _state["plain"]


def list_users(token, qs=""):
    r = call("GET", "/api/admin/users" + qs, token=token)
    expect_status(r, 200)
    body = r.json()
    assert set(body) == {"items", "next_cursor"}, body
    for u in body["items"]:
        assert set(u) == USER_FIELDS, u
        assert RFC3339_UTC.fullmatch(u["created_at"]), u
        assert u["last_login_at"] is None or RFC3339_UTC.fullmatch(u["last_login_at"]), u
    return body


def user_row(uid):
    """role|tier|disabled|token_generation of a user, from the database."""
    return query(f"SELECT role, tier, disabled, token_generation FROM users WHERE id = {int(uid)}")


def patch(token, uid, body=None, raw=None, source=None):
    return call("PATCH", f"/api/admin/users/{uid}", token=token, body=body, raw=raw,
                source=source)


@test
def admin_routes_refuse_anonymous_users_and_api_keys():
    user = plain()
    for method, path in ADMIN_ROUTES:
        body = {"tier": "pro"} if method == "PATCH" else None
        r = call(method, path, body=body)
        expect_error(r, 401, "UNAUTHORIZED")
        r = call(method, path, token=user["token"], body=body)
        expect_error(r, 403, "FORBIDDEN")
        r = call(method, path, token="not.a.jwt", body=body)
        expect_error(r, 401, "UNAUTHORIZED")
    # an admin's API key is no key to the admin area
    r = call("POST", "/api/auth/api-keys", token=admin()["token"],
             body={"name": "admin-key", "scopes": ["read", "write"]})
    expect_status(r, 201)
    key = max((v for v in r.json().values() if isinstance(v, str) and v.startswith("es_")),
              key=len)
    for method, path in ADMIN_ROUTES:
        body = {"tier": "pro"} if method == "PATCH" else None
        r = call(method, path, body=body, headers={"X-API-Key": key})
        expect_error(r, 403, "FORBIDDEN")
        r = call(method, path, body=body, headers={"Authorization": "Bearer " + key})
        expect_error(r, 403, "FORBIDDEN")
    assert user_row(user["id"]).split("|")[1] == "free", "a refused PATCH wrote"


@test
def users_list_pages_exactly_by_id():
    tok = admin()["token"]
    made = [register(f"pg{RUN}-{i}@example.com", secrets.token_urlsafe(18)) for i in range(5)]
    assert made == sorted(made), made
    seen, cursor, pages = [], None, 0
    while True:
        qs = f"?email=pg{RUN}-&limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = list_users(tok, qs)
        ids = [u["id"] for u in body["items"]]
        pages += 1
        assert len(ids) == (2 if pages < 3 else 1), (pages, body)
        seen += ids
        cursor = body["next_cursor"]
        if pages < 3:
            assert cursor == str(ids[-1]), body
        else:
            assert cursor is None, body
            break
    assert seen == made, (seen, made)
    body = list_users(tok, f"?email=PG{RUN}-3%40EXAMPLE.COM")
    assert [u["id"] for u in body["items"]] == [made[3]], body
    u = body["items"][0]
    assert (u["email"], u["role"], u["tier"], u["disabled"]) == \
        (f"pg{RUN}-3@example.com", "user", "free", False), u
    # the default page size is 50 and limit 100 is the most
    assert len(list_users(tok, "?limit=100")["items"]) <= 100


@test
def users_list_filters_combine():
    tok = admin()["token"]
    prefix = f"flt{RUN}-"
    ids = [register(f"{prefix}{i}@example.com", secrets.token_urlsafe(18)) for i in range(3)]
    expect_status(patch(tok, ids[0], {"tier": "pro"}), 200)
    expect_status(patch(tok, ids[1], {"disabled": True}), 200)
    expect_status(patch(tok, ids[2], {"role": "admin"}), 200)

    def found(qs):
        return [u["id"] for u in list_users(tok, f"?email={prefix}" + qs)["items"]]
    assert found("") == ids
    assert found("&tier=pro") == [ids[0]]
    assert found("&tier=free") == ids[1:]
    assert found("&disabled=true") == [ids[1]]
    assert found("&disabled=false") == [ids[0], ids[2]]
    assert found("&role=admin") == [ids[2]]
    assert found("&role=user&tier=free") == [ids[1]]
    assert found("&role=admin&tier=pro") == []
    # LIKE wildcards are literal: '_' and '%' match only themselves
    assert list_users(tok, f"?email=flt{RUN}_")["items"] == []
    assert list_users(tok, f"?email=flt{RUN}%25")["items"] == []
    assert list_users(tok, "?email=%25")["items"] == []
    assert list_users(tok, "?email=%27%20OR%20%271%27%3D%271")["items"] == []
    assert list_users(tok, "?email=%5C")["items"] == []
    expect_status(patch(tok, ids[2], {"role": "user"}), 200)


@test
def users_list_refuses_bad_queries():
    tok = admin()["token"]
    cases = [
        ("?bogus=1", "bogus"), ("?limit=0", "limit"), ("?limit=101", "limit"),
        ("?limit=ten", "limit"), ("?limit=-1", "limit"), ("?limit=05", "limit"),
        ("?cursor=0", "cursor"), ("?cursor=abc", "cursor"), ("?cursor=1e3", "cursor"),
        ("?role=root", "role"), ("?role=Admin", "role"), ("?tier=gold", "tier"),
        ("?disabled=1", "disabled"), ("?disabled=TRUE", "disabled"),
        ("?email=" + "a" * 255, "email"), ("?email=a%01b", "email"), ("?email=", "email"),
        ("?tier=pro&tier=free", "tier"), ("?limit=1&limit=2", "limit"),
    ]
    for qs, field in cases:
        r = call("GET", "/api/admin/users" + qs, token=tok)
        expect_error(r, 422, "VALIDATION_FAILED", field=field)
    r = call("GET", "/api/admin/users?%27%3Bdrop=1", token=tok)
    err = expect_error(r, 422, "VALIDATION_FAILED")
    assert err.get("field") is None, err   # only name-like parameters are echoed
    r = call("GET", "/api/admin/users?email=%ZZ", token=tok)
    expect_error(r, 400, "BAD_REQUEST")
    r = call("GET", "/api/admin/users?email=%C3%28", token=tok)
    expect_error(r, 400, "BAD_REQUEST")


@test
def patch_tier_is_audited_and_shows_after_a_new_login():
    adm, u = admin(), new_user("tier")
    src = ADDRS[3]
    r = patch(adm["token"], u["id"], {"tier": "pro"}, source=src)
    expect_status(r, 200)
    request_id = r.header("x-request-id")
    body = r.json()
    assert set(body) == USER_FIELDS, body
    assert (body["id"], body["email"], body["tier"], body["role"], body["disabled"]) == \
        (u["id"], u["email"], "pro", "user", False), body
    assert user_row(u["id"]).split("|")[:3] == ["user", "pro", "f"]
    tokens = login(u["email"], u["pw"])
    r = me(tokens["access_token"])
    expect_status(r, 200)
    assert user_of(r.json())["tier"] == "pro", r.json()
    # the audit row: actor, target, before/after, client address, request id
    row = json.loads(query(
        "SELECT json_build_object('actor', actor_id, 'target', target, 'ip', ip, "
        "'rid', request_id, 'details', details) FROM audit_log "
        f"WHERE action = 'admin.user_updated' AND target = 'user:{u['id']}' "
        "ORDER BY id DESC LIMIT 1"))
    assert row["actor"] == adm["id"], row
    assert row["ip"] == src, row
    assert row["rid"] == request_id, (row, request_id)
    assert row["details"]["changes"] == {"tier": {"before": "free", "after": "pro"}}, row
    # setting what is already there changes nothing but is still an action
    r = patch(adm["token"], u["id"], {"tier": "pro"})
    expect_status(r, 200)
    assert r.json()["tier"] == "pro"


@test
def disabling_kills_tokens_and_sessions_at_once():
    adm, u = admin(), new_user("dis")
    expect_status(me(u["token"]), 200)
    gen_before = int(user_row(u["id"]).split("|")[3])
    r = patch(adm["token"], u["id"], {"disabled": True})
    expect_status(r, 200)
    assert r.json()["disabled"] is True
    role, tier, disabled, gen = user_row(u["id"]).split("|")
    assert disabled == "t" and int(gen) == gen_before + 1, (disabled, gen)
    expect_error(me(u["token"]), 401, "UNAUTHORIZED")
    r = call("POST", "/api/auth/refresh", body={"refresh_token": u["refresh"]})
    assert r.status == 401, r
    r = call("POST", "/api/auth/login", body={"email": u["email"], "password": u["pw"]})
    assert r.status in (401, 403) and "access_token" not in r.json(), r
    live = query(f"SELECT count(*) FROM refresh_tokens WHERE user_id = {u['id']} "
                 "AND revoked_at IS NULL")
    assert live == "0", live
    live = query(f"SELECT count(*) FROM sessions WHERE user_id = {u['id']} "
                 "AND revoked_at IS NULL")
    assert live == "0", live
    details = json.loads(query(
        f"SELECT details FROM audit_log WHERE target = 'user:{u['id']}' "
        "AND action = 'admin.user_updated' ORDER BY id DESC LIMIT 1"))
    assert details["changes"] == {"disabled": {"before": False, "after": True}}, details
    assert details["revoked"]["refresh"] >= 1, details
    # enabling lets the user log in again (old tokens stay dead)
    expect_status(patch(adm["token"], u["id"], {"disabled": False}), 200)
    expect_error(me(u["token"]), 401, "UNAUTHORIZED")
    expect_status(me(login(u["email"], u["pw"])["access_token"]), 200)


@test
def role_change_takes_effect_at_once():
    adm, u = admin(), new_user("role")
    expect_error(call("GET", "/api/admin/users", token=u["token"]), 403, "FORBIDDEN")
    r = patch(adm["token"], u["id"], {"role": "admin"})
    expect_status(r, 200)
    assert r.json()["role"] == "admin"
    # tokens issued under the old role die; a new login is an admin
    expect_error(me(u["token"]), 401, "UNAUTHORIZED")
    tok = login(u["email"], u["pw"])["access_token"]
    expect_status(call("GET", "/api/admin/users?limit=1", token=tok), 200)
    # the new admin may demote the old one... but not themself
    r = patch(tok, u["id"], {"role": "user"})
    expect_error(r, 422, "VALIDATION_FAILED", field="role")
    expect_status(patch(adm["token"], u["id"], {"role": "user", "tier": "pro"}), 200)
    expect_error(call("GET", "/api/admin/users", token=tok), 401, "UNAUTHORIZED")
    assert user_row(u["id"]).split("|")[:2] == ["user", "pro"]


@test
def an_admin_cannot_disable_or_demote_themself():
    adm = admin()
    before = user_row(adm["id"])
    for body, field in [({"disabled": True}, "disabled"), ({"role": "user"}, "role"),
                        ({"tier": "pro", "disabled": True}, "disabled"),
                        ({"role": "user", "tier": "pro"}, "role")]:
        r = patch(adm["token"], adm["id"], body)
        err = expect_error(r, 422, "VALIDATION_FAILED", field=field)
        assert "own" in err["message"], err
    assert user_row(adm["id"]) == before
    # harmless changes to oneself are fine
    r = patch(adm["token"], adm["id"], {"role": "admin", "disabled": False})
    expect_status(r, 200)
    assert r.json()["id"] == adm["id"] and r.json()["role"] == "admin"


@test
def patch_unknown_or_impossible_ids_are_404():
    tok = admin()["token"]
    for uid in ["999999999", "0", "-1", "abc", "1.5", "99999999999999999999", "%27%20OR%201"]:
        r = patch(tok, uid, {"tier": "pro"})
        expect_error(r, 404, "NOT_FOUND")


@test
def patch_refuses_bad_bodies_and_writes_nothing():
    adm, u = admin(), plain()
    before = user_row(u["id"])
    n_audit = query("SELECT count(*) FROM audit_log")
    expect_error(patch(adm["token"], u["id"], raw=b'{"tier": "pro"'), 400, "INVALID_JSON")
    expect_error(patch(adm["token"], u["id"], raw=b'{"tier": \'pro\'}'), 400, "INVALID_JSON")
    expect_error(patch(adm["token"], u["id"], raw=b'["tier"]'), 400, "INVALID_JSON")
    expect_error(patch(adm["token"], u["id"], raw=b''), 400, "INVALID_JSON")
    expect_error(patch(adm["token"], u["id"], raw=b'{"tier": "pr\xff"}'), 400, "INVALID_JSON")
    expect_error(patch(adm["token"], u["id"], raw=b'{"role": "admin\\u0000"}'), 400,
                 "INVALID_JSON")
    r = call("PATCH", f"/api/admin/users/{u['id']}", token=adm["token"],
             raw=b'{"tier":"pro"}', headers={"Content-Type": "text/plain"})
    expect_error(r, 415, "UNSUPPORTED_MEDIA_TYPE")
    cases = [
        ({}, None), ({"email": "x@example.com"}, "email"), ({"password": "x"}, "password"),
        ({"tier": "pro", "id": 1}, "id"), ({"tier": 1}, "tier"), ({"tier": None}, "tier"),
        ({"tier": ["pro"]}, "tier"), ({"tier": "gold"}, "tier"), ({"tier": "PRO"}, "tier"),
        ({"tier": "pro", "role": "superuser"}, "role"), ({"role": True}, "role"),
        ({"disabled": "true"}, "disabled"), ({"disabled": 1}, "disabled"),
        ({"disabled": None}, "disabled"), ({"tier": "x" * 100000}, "tier"),
        ({"tier": "pro'; DROP TABLE users; --"}, "tier"),
        ({"role": "admin\u2028"}, "role"), ({"tier": "pro", "disabled": {}}, "disabled"),
    ]
    for body, field in cases:
        r = patch(adm["token"], u["id"], body)
        err = expect_error(r, 422, "VALIDATION_FAILED", field=field)
        if field is None:
            assert err.get("field") is None, err
    assert user_row(u["id"]) == before, "a refused PATCH changed the user"
    assert query("SELECT count(*) FROM audit_log") == n_audit, "a refused PATCH was audited"
    assert query("SELECT count(*) FROM users WHERE id > 0") != "0"


@test
def audit_query_filters_and_pages_newest_first():
    adm, u = admin(), new_user("aud")
    t0 = query("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
    time.sleep(0.01)
    for tier in ("pro", "free", "pro"):
        expect_status(patch(adm["token"], u["id"], {"tier": tier}), 200)
    tok = adm["token"]

    def events(qs):
        r = call("GET", "/api/admin/audit" + qs, token=tok)
        expect_status(r, 200)
        body = r.json()
        assert set(body) == {"items", "next_cursor"}, body
        return body
    mine = f"?actor={adm['id']}&action=admin.user_updated&from={t0}"
    evs = events(mine)["items"]
    assert len(evs) >= 3, evs
    ours = [e for e in evs if e["target"] == f"user:{u['id']}"]
    assert [e["details"]["changes"]["tier"]["after"] for e in ours] == ["pro", "free", "pro"], ours
    for e in evs:
        assert set(e) == {"id", "at", "actor_id", "action", "target", "ip", "user_agent",
                          "request_id", "details"}, e
        assert e["actor_id"] == adm["id"] and e["action"] == "admin.user_updated", e
        assert RFC3339_UTC.fullmatch(e["at"]) and e["at"] >= t0, e
        assert e["ip"] in ADDRS, e
    assert [e["id"] for e in evs] == sorted((e["id"] for e in evs), reverse=True), evs
    # pages of one, newest first, no overlap, the same events
    paged, cursor = [], None
    for _ in range(len(evs)):
        body = events(mine + "&limit=1" + (f"&cursor={cursor}" if cursor else ""))
        assert len(body["items"]) == 1, body
        paged.append(body["items"][0]["id"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert cursor == str(paged[-1]), body
    assert paged == [e["id"] for e in evs], (paged, evs)
    assert cursor is None or events(mine + f"&cursor={cursor}")["items"] == []
    # a time window in the future or before the events is empty
    assert events(f"?actor={adm['id']}&from=2999-01-01T00:00:00Z")["items"] == []
    assert events(f"?actor={adm['id']}&from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z")[
        "items"] == []
    # offsets and fractions are understood: t0 in +02:00 selects the same
    # events, and up to a microsecond before t0 in -05:00 none of them
    start = datetime.strptime(t0, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    east = start.astimezone(timezone(timedelta(hours=2))).isoformat(timespec="microseconds")
    west = (start - timedelta(microseconds=1)).astimezone(
        timezone(timedelta(hours=-5))).isoformat(timespec="microseconds")
    same = events(f"?actor={adm['id']}&action=admin.user_updated&from={quote(east)}")
    assert [e["id"] for e in same["items"]] == [e["id"] for e in evs], (same, evs)
    before = events(f"?actor={adm['id']}&action=admin.user_updated&to={quote(west)}")
    assert not {e["id"] for e in before["items"]} & {e["id"] for e in ours}, before
    assert events("?action=no.such_action")["items"] == []
    assert events("?actor=999999999")["items"] == []


@test
def audit_query_refuses_bad_filters():
    tok = admin()["token"]
    cases = [
        ("?from=yesterday", "from"), ("?from=2024-05-01", "from"),
        ("?from=2024-05-01T00:00:00", "from"), ("?from=2024-13-01T00:00:00Z", "from"),
        ("?from=2023-02-29T00:00:00Z", "from"), ("?from=2024-04-31T00:00:00Z", "from"),
        ("?to=2024-05-01T24:00:00Z", "to"), ("?to=2024-05-01T00:60:00Z", "to"),
        ("?to=2024-05-01T00:00:00.Z", "to"), ("?to=2024-05-01T00:00:00%2B2:00", "to"),
        ("?to=2024-05-01T00:00:00Z%27%20OR%201%3D1", "to"), ("?from=0000-01-01T00:00:00Z", "from"),
        ("?from=2024-05-01T00:00:00%2B16:00", "from"), ("?to=2024-05-01T00:00:00-23:59", "to"),
        ("?from=2024-05-01T00:00:00%2B01:60", "from"), ("?from=2024-05-01T00:00:00.1234567890Z", "from"),
        ("?from=2024-05-02T00:00:00Z&to=2024-05-01T23:59:59Z", "to"),
        ("?from=2024-05-01T12:00:00%2B02:00&to=2024-05-01T09:59:59Z", "to"),
        ("?action=Admin.user_updated", "action"), ("?action=a;b", "action"),
        ("?action=" + "a" * 65, "action"), ("?action=", "action"),
        ("?action=%27%20OR%201%3D1--", "action"), ("?actor=0", "actor"),
        ("?actor=me", "actor"), ("?actor=-5", "actor"), ("?limit=0", "limit"),
        ("?cursor=x", "cursor"), ("?target=user:1", "target"), ("?limit=1&limit=1", "limit"),
    ]
    for qs, field in cases:
        r = call("GET", "/api/admin/audit" + qs, token=tok)
        expect_error(r, 422, "VALIDATION_FAILED", field=field)
    # a leap day and the same instant on both ends are fine
    for qs in ("?from=2024-02-29T23:59:59Z", "?from=2024-05-01T12:00:00Z&to=2024-05-01T12:00:00Z",
               "?from=2024-05-01T14:00:00%2B02:00&to=2024-05-01T12:00:00z",
               "?from=0001-01-01T00:00:00%2B15:59&to=9999-12-31T23:59:59.999999999-15:59",
               "?from=2024-05-01t12:00:00Z"):
        expect_status(call("GET", "/api/admin/audit" + qs, token=tok), 200)


@test
def the_app_role_cannot_rewrite_the_audit_trail():
    admin()
    n = query("SELECT count(*) FROM audit_log")
    assert int(n) > 0
    for sql in ("UPDATE audit_log SET action = 'x.y' WHERE id = (SELECT max(id) FROM audit_log)",
                "DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)",
                "DELETE FROM audit_log", "TRUNCATE audit_log"):
        p = psql(sql)
        assert p.returncode != 0, f"{sql} was allowed: {p.stdout}"
        assert "permission denied" in p.stderr or "append-only" in p.stderr, p.stderr
    assert query("SELECT count(*) FROM audit_log") == n
    assert query("SELECT count(*) FROM audit_log WHERE action = 'x.y'") == "0"


@test
def monitoring_stats_show_database_tables_and_workers():
    tok = admin()["token"]
    r = call("GET", "/api/monitoring/stats", token=tok)
    expect_status(r, 200)
    s = r.json()
    assert set(s) == {"database", "tables", "workers", "workers_rss_bytes"}, s
    db = s["database"]
    assert db["size_bytes"] > 1000000, db
    assert all(isinstance(v, int) and v >= 1 for v in db["connections"].values()), db
    assert db["connections_total"] == sum(db["connections"].values()) >= 1, db
    assert db["max_connections"] >= db["connections_total"], db
    assert re.match(r"\d+", db["server_version"]) and RFC3339_UTC.fullmatch(db["started_at"]), db
    tables = {t["name"]: t for t in s["tables"]}
    for name in ("users", "audit_log", "sessions", "refresh_tokens", "api_keys",
                 "tier_quotas", "quota_usage", "schema_migrations"):
        assert name in tables, (name, sorted(tables))
        assert tables[name]["size_bytes"] > 0, tables[name]
    quota_rows = int(query("SELECT count(*) FROM tier_quotas"))
    assert tables["tier_quotas"]["row_estimate"] in (None, quota_rows), tables["tier_quotas"]
    for t in s["tables"]:
        assert t["row_estimate"] is None or t["row_estimate"] >= 0, t
    binaries = set(STACK["BINARIES"].split())
    assert s["workers"], s
    for w in s["workers"]:
        assert set(w) == {"binary", "pid", "rss_bytes"}, w
        assert w["binary"] in binaries and w["pid"] > 0 and w["rss_bytes"] > 1000000, w
    assert "monitoring" in {w["binary"] for w in s["workers"]}
    assert s["workers_rss_bytes"] == sum(w["rss_bytes"] for w in s["workers"])
    expect_error(call("GET", "/api/monitoring/stats?verbose=1", token=tok), 422,
                 "VALIDATION_FAILED")


@test
def monitoring_config_shows_settings_but_no_secret():
    adm = admin()
    r = call("GET", "/api/monitoring/config", token=adm["token"])
    expect_status(r, 200)
    body = r.json()
    assert set(body) == {"app_env", "settings"}, body
    assert body["app_env"] == STACK.get("APP_ENV", body["app_env"]), body
    settings = {s["key"]: s for s in body["settings"]}
    for s in body["settings"]:
        assert set(s) == {"key", "value", "default", "help"}, s
    assert "SECRET_KEY" not in settings, settings.keys()
    assert settings["RUN_DIR"]["value"] == STACK["RUN_DIR"], settings["RUN_DIR"]
    assert settings["APP_ENV"]["value"] == body["app_env"]
    env = env_file()
    text = r.body.decode()
    secrets_seen = [env["SECRET_KEY"], adm["pw"]]
    for key in ("DATABASE_URL", "DATABASE_OWNER_URL", "DATABASE_ADMIN_URL"):
        m = re.search(r"password=(\S+)", env[key])
        assert m, key
        secrets_seen.append(m.group(1))
        assert "password=****" in settings[key]["value"], settings[key]
    for value in secrets_seen:
        assert len(value) >= 12 and value not in text, "a secret is shown"
    expect_error(call("GET", "/api/monitoring/config?all=1", token=adm["token"]), 422,
                 "VALIDATION_FAILED")
