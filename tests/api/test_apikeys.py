"""API keys against the real stack: the secret shown once, stored hashed,
sent in a header (never in a URL), scopes, revocation, ownership and the
per-user cap. Client addresses from accounts.py's pool."""

import re

from accounts import (agent, audit_rows, call, expect_audit, me, new_user, sql, sql_value,
                      user_id)
from lib import expect_error, expect_status, test

KEY_RE = re.compile(r"es_[A-Za-z0-9_-]{43}")


def create(token, name="ci", scopes=("read",), **kw):
    return call("POST", "/api/auth/api-keys", body={"name": name, "scopes": list(scopes)},
                token=token, **kw)


def keys_of(token):
    r = call("GET", "/api/auth/api-keys", token=token)
    expect_status(r, 200)
    return r


@test
def a_new_key_is_shown_once_and_stored_hashed():
    email, _, t = new_user("keys")
    uid = user_id(email)
    ua = agent("apikey-create")
    r = create(t["access_token"], name="nightly export \u00e9", scopes=["export", "read"],
               headers={"User-Agent": ua})
    expect_status(r, 201)
    k = r.json()
    assert set(k) == {"id", "name", "prefix", "scopes", "created_at", "key"}, k
    assert KEY_RE.fullmatch(k["key"]), k["key"]
    assert k["prefix"] == k["key"][:11] and k["name"] == "nightly export \u00e9"
    assert k["scopes"] == ["read", "export"], k
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", k["created_at"]), k
    rows = sql("SELECT key_hash, prefix, array_to_string(scopes, ',') FROM api_keys "
               "WHERE id = :'p1' AND user_id = :'p2'", k["id"], uid)
    assert len(rows) == 1, rows
    assert re.fullmatch(r"[0-9a-f]{64}", rows[0][0]) and k["key"][3:] not in rows[0][0]
    assert rows[0][1:] == [k["prefix"], "read,export"], rows
    row = expect_audit("apikey.created", r, uid, ua, target=f"api_key:{k['id']}")
    assert row["details"] == {"name": k["name"], "prefix": k["prefix"],
                              "scopes": ["read", "export"]}, row
    listing = keys_of(t["access_token"])
    assert k["key"] not in listing.body.decode() and k["key"][11:] not in listing.body.decode()
    items = listing.json()["items"]
    assert len(items) == 1, items
    assert set(items[0]) == {"id", "name", "prefix", "scopes", "created_at", "last_used_at",
                             "revoked", "revoked_at"}, items
    assert items[0]["id"] == k["id"] and items[0]["last_used_at"] is None
    assert items[0]["revoked"] is False and items[0]["scopes"] == ["read", "export"]


@test
def a_key_works_from_headers_only():
    email, _, t = new_user("keyuse")
    uid = user_id(email)
    key = create(t["access_token"]).json()["key"]
    r = call("GET", "/api/auth/me", headers={"Authorization": f"Bearer {key}"})
    expect_status(r, 200)
    assert r.json()["auth"] == "api_key" and r.json()["id"] == uid, r.json()
    r = call("GET", "/api/auth/me", headers={"X-API-Key": key})
    expect_status(r, 200)
    assert r.json()["auth"] == "api_key"
    for query in (f"api_key={key}", f"key={key}", f"x={key}"):
        expect_error(call("GET", f"/api/auth/me?{query}"), 400, "BAD_REQUEST")
        expect_error(call("GET", f"/api/auth/me?{query}", headers={"X-API-Key": key}), 400,
                     "BAD_REQUEST")
    item = keys_of(t["access_token"]).json()["items"][0]
    assert item["last_used_at"] is not None, item
    # near misses are not keys
    for bad in (key[:-1], key + "A", "es_" + "A" * 43, key.upper()):
        expect_error(call("GET", "/api/auth/me", headers={"X-API-Key": bad}), 401,
                     "UNAUTHORIZED")


@test
def scopes_and_signed_in_only_routes_are_enforced():
    _, _, t = new_user("scopes")
    read = create(t["access_token"], scopes=["read"]).json()["key"]
    export = create(t["access_token"], scopes=["export"]).json()["key"]
    write = create(t["access_token"], scopes=["read", "write", "export"]).json()["key"]
    expect_status(call("GET", "/api/auth/me", headers={"X-API-Key": read}), 200)
    expect_error(call("GET", "/api/auth/me", headers={"X-API-Key": export}), 403, "FORBIDDEN")
    # keys never manage keys, sign out or change passwords, whatever their scopes
    for key in (read, write):
        h = {"X-API-Key": key}
        expect_error(call("POST", "/api/auth/api-keys", body={"name": "n", "scopes": ["read"]},
                          headers=h), 403, "FORBIDDEN")
        expect_error(call("GET", "/api/auth/api-keys", headers=h), 403, "FORBIDDEN")
        expect_error(call("POST", "/api/auth/logout", headers=h), 403, "FORBIDDEN")
        expect_error(call("POST", "/api/auth/logout-all", headers=h), 403, "FORBIDDEN")
        expect_error(call("POST", "/api/auth/password", headers=h,
                          body={"current_password": "x" * 12, "new_password": "y" * 12}),
                     403, "FORBIDDEN")
    assert len(keys_of(t["access_token"]).json()["items"]) == 3


@test
def revoking_a_key_ends_it_and_only_its_owner_can():
    email, _, t = new_user("revoke")
    uid = user_id(email)
    _, _, other = new_user("revoke-other")
    k = create(t["access_token"]).json()
    theirs = create(other["access_token"]).json()
    expect_status(call("GET", "/api/auth/me", headers={"X-API-Key": k["key"]}), 200)
    # someone else's key, unknown and malformed ids: 404, nothing revoked
    for path in (f"/api/auth/api-keys/{theirs['id']}", "/api/auth/api-keys/999999999",
                 "/api/auth/api-keys/abc", "/api/auth/api-keys/-1", "/api/auth/api-keys/0",
                 "/api/auth/api-keys/1%27%20OR%201=1"):
        expect_error(call("DELETE", path, token=t["access_token"]), 404, "NOT_FOUND")
    expect_status(call("GET", "/api/auth/me", headers={"X-API-Key": theirs["key"]}), 200)
    ua = agent("apikey-revoke")
    r = call("DELETE", f"/api/auth/api-keys/{k['id']}", token=t["access_token"],
             headers={"User-Agent": ua})
    expect_status(r, 204)
    assert r.body == b""
    expect_audit("apikey.revoked", r, uid, ua, target=f"api_key:{k['id']}")
    expect_error(call("GET", "/api/auth/me", headers={"X-API-Key": k["key"]}), 401,
                 "UNAUTHORIZED")
    item = keys_of(t["access_token"]).json()["items"][0]
    assert item["revoked"] is True and item["revoked_at"] is not None, item
    # again: still 204, audited once
    expect_status(call("DELETE", f"/api/auth/api-keys/{k['id']}", token=t["access_token"]), 204)
    assert len(audit_rows("apikey.revoked", target=f"api_key:{k['id']}")) == 1
    # the list is per user
    assert [i["id"] for i in keys_of(other["access_token"]).json()["items"]] == \
        [theirs["id"]]


@test
def key_bodies_are_validated_strictly():
    email, _, t = new_user("keybody")
    uid = user_id(email)
    tok = t["access_token"]
    for body, field in [
        ({"scopes": ["read"]}, "name"),
        ({"name": "n"}, "scopes"),
        ({"name": "", "scopes": ["read"]}, "name"),
        ({"name": "x" * 101, "scopes": ["read"]}, "name"),
        ({"name": "\u00e9" * 101, "scopes": ["read"]}, "name"),
        ({"name": "bad\u0007bell", "scopes": ["read"]}, "name"),
        ({"name": 7, "scopes": ["read"]}, "name"),
        ({"name": None, "scopes": ["read"]}, "name"),
        ({"name": "n", "scopes": []}, "scopes"),
        ({"name": "n", "scopes": "read"}, "scopes"),
        ({"name": "n", "scopes": ["admin"]}, "scopes"),
        ({"name": "n", "scopes": ["read", "read"]}, "scopes"),
        ({"name": "n", "scopes": ["READ"]}, "scopes"),
        ({"name": "n", "scopes": [1]}, "scopes"),
        ({"name": "n", "scopes": [["read"]]}, "scopes"),
        ({"name": "n", "scopes": ["read", "write", "export", "read"]}, "scopes"),
        ({"name": "n", "scopes": ["read"], "user_id": 1}, "user_id"),
        ({"name": "n", "scopes": ["read"], "key": "es_" + "A" * 43}, "key"),
    ]:
        expect_error(call("POST", "/api/auth/api-keys", body=body, token=tok), 422,
                     "VALIDATION_FAILED", field=field)
    expect_error(call("POST", "/api/auth/api-keys", raw_body=b'{"name":"n","scopes":["read"]',
                      headers={"Content-Type": "application/json"}, token=tok),
                 400, "INVALID_JSON")
    expect_error(call("POST", "/api/auth/api-keys", raw_body=b'{"name":"\xff","scopes":[]}',
                      headers={"Content-Type": "application/json"}, token=tok),
                 400, "INVALID_JSON")
    assert sql_value("SELECT count(*) FROM api_keys WHERE user_id = :'p1'", uid) == "0"
    # injection strings are just names
    name = "'); DROP TABLE api_keys; -- <b>"
    r = create(tok, name=name)
    expect_status(r, 201)
    assert keys_of(tok).json()["items"][0]["name"] == name


@test
def twenty_active_keys_at_most():
    email, _, t = new_user("cap")
    uid = user_id(email)
    ids = []
    for i in range(20):
        r = create(t["access_token"], name=f"k{i}")
        expect_status(r, 201)
        ids.append(r.json()["id"])
    err = expect_error(create(t["access_token"], name="one too many"), 409, "CONFLICT")
    assert "20" in err["message"], err
    assert sql_value("SELECT count(*) FROM api_keys WHERE user_id = :'p1'", uid) == "20"
    expect_status(call("DELETE", f"/api/auth/api-keys/{ids[0]}", token=t["access_token"]), 204)
    expect_status(create(t["access_token"], name="after a revoke"), 201)


@test
def a_users_keys_die_with_the_user_disabled():
    email, _, t = new_user("keyoff")
    uid = user_id(email)
    key = create(t["access_token"]).json()["key"]
    sql("UPDATE users SET disabled = true WHERE id = :'p1'", uid)
    try:
        expect_error(call("GET", "/api/auth/me", headers={"X-API-Key": key}), 401,
                     "UNAUTHORIZED")
    finally:
        sql("UPDATE users SET disabled = false WHERE id = :'p1'", uid)
    expect_status(me(headers={"X-API-Key": key}), 200)
