"""Watchlists against the real stack: the default "Favourites" list made on
first use, creating, renaming and deleting lists, adding and removing
symbols (idempotent, capped), strict bodies, and that nobody sees another
user's lists. Client addresses 127.0.0.130-159."""

import itertools
import re
import uuid

from accounts import sql, sql_value, strong_password, unique_email, user_id
from lib import expect_error, expect_status, post, request, test

ADDRS = [f"127.0.0.{i}" for i in range(130, 160)]
_turn = itertools.count()
TIME_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
LIST_KEYS = {"id", "name", "is_default", "symbol_count", "created_at", "updated_at"}


def addr():
    return ADDRS[next(_turn) % len(ADDRS)]


def new_user(tag="wl"):
    """A fresh signed-in user: (user id, access token)."""
    email, password = unique_email(tag), strong_password()
    r = post("/api/auth/register", body={"email": email, "password": password},
             source=addr())
    assert r.status == 201, f"register: {r!r}"
    r = post("/api/auth/login", body={"email": email, "password": password}, source=addr())
    assert r.status == 200, f"login: {r!r}"
    return user_id(email), r.json()["access_token"]


def call(method, path, token, body=None, raw=None, headers=None):
    h = dict(headers or {})
    if token is not None:
        h["Authorization"] = f"Bearer {token}"
    if raw is not None:
        h.setdefault("Content-Type", "application/json")
    return request(method, path, body=body, raw_body=raw, headers=h, source=addr())


def lists(token):
    r = call("GET", "/api/watchlists", token)
    expect_status(r, 200)
    return r.json()["items"]


def create(token, name):
    return call("POST", "/api/watchlists", token, body={"name": name})


def add(token, wid, symbol):
    return call("POST", f"/api/watchlists/{wid}/symbols", token, body={"symbol": symbol})


def count_lists(uid):
    return int(sql_value("SELECT count(*) FROM watchlists WHERE user_id = :'p1'", uid))


def list_symbols(wid):
    return [r[0] for r in sql("SELECT s.symbol FROM watchlist_symbols ws JOIN symbols s "
                              "ON s.id = ws.symbol_id WHERE ws.watchlist_id = :'p1' "
                              "ORDER BY ws.added_at, s.symbol", wid)]


def ticker(n):
    """A distinct valid ticker for n: "Q" and base-26 letters."""
    s = ""
    while True:
        s = chr(ord("A") + n % 26) + s
        n //= 26
        if n == 0:
            return "Q" + s


@test
def the_default_list_is_made_on_first_use():
    uid, t = new_user()
    assert count_lists(uid) == 0
    first = lists(t)
    assert len(first) == 1, first
    d = first[0]
    assert set(d) == LIST_KEYS, d
    assert d["name"] == "Favourites" and d["is_default"] is True and d["symbol_count"] == 0
    assert TIME_RE.fullmatch(d["created_at"]) and TIME_RE.fullmatch(d["updated_at"]), d
    assert lists(t) == first
    assert count_lists(uid) == 1
    r = call("GET", f"/api/watchlists/{d['id']}", t)
    expect_status(r, 200)
    assert r.json() == dict(d, symbols=[]), r.json()


@test
def a_list_is_created_renamed_and_deleted():
    uid, t = new_user()
    r = create(t, "Tech")
    expect_status(r, 201)
    w = r.json()
    assert set(w) == LIST_KEYS | {"symbols"}, w
    assert w["name"] == "Tech" and w["is_default"] is False and w["symbols"] == []
    # the default list came first, and comes first in the listing
    names = [x["name"] for x in lists(t)]
    assert names == ["Favourites", "Tech"], names
    expect_error(create(t, "tech"), 409, "CONFLICT", "name")
    expect_error(create(t, "FAVOURITES"), 409, "CONFLICT", "name")
    assert count_lists(uid) == 2
    r = call("PATCH", f"/api/watchlists/{w['id']}", t, body={"name": "Tech giants"})
    expect_status(r, 200)
    assert r.json()["name"] == "Tech giants" and r.json()["id"] == w["id"]
    assert r.json()["updated_at"] >= w["updated_at"]
    # a change of case of its own name is not a conflict
    r = call("PATCH", f"/api/watchlists/{w['id']}", t, body={"name": "TECH GIANTS"})
    expect_status(r, 200)
    expect_error(call("PATCH", f"/api/watchlists/{w['id']}", t, body={"name": "favourites"}),
                 409, "CONFLICT", "name")
    assert sql_value("SELECT name FROM watchlists WHERE id = :'p1'", w["id"]) == "TECH GIANTS"
    r = call("DELETE", f"/api/watchlists/{w['id']}", t)
    expect_status(r, 204)
    assert r.body == b""
    expect_error(call("GET", f"/api/watchlists/{w['id']}", t), 404, "NOT_FOUND")
    expect_error(call("DELETE", f"/api/watchlists/{w['id']}", t), 404, "NOT_FOUND")
    expect_error(call("PATCH", f"/api/watchlists/{w['id']}", t, body={"name": "x"}),
                 404, "NOT_FOUND")
    assert count_lists(uid) == 1
    # the name is free again
    expect_status(create(t, "Tech"), 201)


@test
def the_default_list_can_be_renamed_but_not_deleted():
    uid, t = new_user()
    d = lists(t)[0]
    expect_error(call("DELETE", f"/api/watchlists/{d['id']}", t), 409, "CONFLICT")
    r = call("PATCH", f"/api/watchlists/{d['id']}", t, body={"name": "Mine"})
    expect_status(r, 200)
    assert r.json()["is_default"] is True and r.json()["name"] == "Mine"
    assert [x["name"] for x in lists(t)] == ["Mine"]
    expect_error(call("DELETE", f"/api/watchlists/{d['id']}", t), 409, "CONFLICT")
    assert count_lists(uid) == 1
    # "Favourites" is an ordinary name now
    expect_status(create(t, "Favourites"), 201)
    assert [x["is_default"] for x in lists(t)] == [True, False]


@test
def symbols_are_added_once_and_removed():
    uid, t = new_user()
    wid = lists(t)[0]["id"]
    # a symbol with a price: its latest bar shows in the list
    sym = "W" + uuid.uuid4().hex[:6].upper().replace("0", "A")
    sql("INSERT INTO symbols (symbol, name) VALUES (:'p1', 'Widget Corp'); "
        "INSERT INTO candles (symbol_id, date, open, high, low, close, adjclose, volume, source) "
        "SELECT id, d, 10, 12, 9, c, c, 1000, 'csv' FROM symbols, "
        "(VALUES ('2024-01-02'::date, 11.25), ('2024-01-03'::date, 11.5)) v(d, c) "
        "WHERE symbol = :'p1'", sym)
    r = add(t, wid, "AAPL")
    expect_status(r, 201)
    a = r.json()
    assert set(a) == {"watchlist_id", "symbol", "added_at"} and a["symbol"] == "AAPL"
    assert a["watchlist_id"] == wid and TIME_RE.fullmatch(a["added_at"]), a
    r = add(t, wid, "AAPL")
    expect_status(r, 200)
    assert r.json() == a, r.json()
    expect_status(add(t, wid, "^GSPC"), 201)
    expect_status(add(t, wid, sym), 201)
    expect_status(add(t, wid, "BRK.B"), 201)
    assert list_symbols(wid) == ["AAPL", "^GSPC", sym, "BRK.B"]
    r = call("GET", f"/api/watchlists/{wid}", t)
    expect_status(r, 200)
    body = r.json()
    assert body["symbol_count"] == 4
    got = {s["symbol"]: s for s in body["symbols"]}
    assert [s["symbol"] for s in body["symbols"]] == ["AAPL", "^GSPC", sym, "BRK.B"]
    assert set(got[sym]) == {"symbol", "name", "added_at", "last"}
    assert got[sym]["name"] == "Widget Corp"
    assert got[sym]["last"] == {"date": "2024-01-03", "close": 11.5}, got[sym]
    assert got["AAPL"]["added_at"] == a["added_at"]
    assert lists(t)[0]["symbol_count"] == 4
    r = call("DELETE", f"/api/watchlists/{wid}/symbols/AAPL", t)
    expect_status(r, 204)
    expect_error(call("DELETE", f"/api/watchlists/{wid}/symbols/AAPL", t), 404, "NOT_FOUND")
    expect_status(call("DELETE", f"/api/watchlists/{wid}/symbols/%5EGSPC", t), 204)
    for bad in ("aapl.", "MSFT", "A%27--", "TOOLONGSYMBOL", "%C3%84PPLE"):
        expect_error(call("DELETE", f"/api/watchlists/{wid}/symbols/{bad}", t),
                     404, "NOT_FOUND")
    # an encoded NUL or invalid UTF-8 is a malformed request
    for bad in ("%00", "%FF"):
        expect_error(call("DELETE", f"/api/watchlists/{wid}/symbols/{bad}", t),
                     400, "BAD_REQUEST")
    assert list_symbols(wid) == [sym, "BRK.B"]
    # the symbol rows stay for other lists and the prices
    assert sql_value("SELECT count(*) FROM symbols WHERE symbol = 'AAPL'") == "1"


@test
def symbols_are_validated():
    uid, t = new_user()
    wid = lists(t)[0]["id"]
    for bad in ("aapl-", "", "TOOLONGSYMBOL", "A'--", "AAPL; DROP TABLE symbols", "^",
                "^^GSPC", "1AB", "AB.", "A..B", "\u00c4PPLE", "A B"):
        expect_error(add(t, wid, bad), 422, "VALIDATION_FAILED", "symbol")
    for body in ({"symbol": 5}, {"symbol": None}, {"symbol": ["AAPL"]}, {}):
        expect_error(call("POST", f"/api/watchlists/{wid}/symbols", t, body=body),
                     422, "VALIDATION_FAILED", "symbol")
    expect_error(call("POST", f"/api/watchlists/{wid}/symbols", t,
                      body={"symbol": "AAPL", "note": "x"}), 422, "VALIDATION_FAILED", "note")
    expect_error(call("POST", f"/api/watchlists/{wid}/symbols", t, raw=b'{"symbol":'),
                 400, "INVALID_JSON")
    expect_error(call("POST", f"/api/watchlists/{wid}/symbols", t,
                      raw=b'{"symbol":"AAPL\xff"}'), 400, "INVALID_JSON")
    assert list_symbols(wid) == []
    assert sql_value("SELECT count(*) FROM symbols WHERE symbol IN ('aapl', 'A''--', '')") == "0"


@test
def a_list_holds_at_most_the_configured_number_of_symbols():
    uid, t = new_user()
    wid = lists(t)[0]["id"]
    # 199 symbols straight into the database, the 200th through the API
    names = [ticker(i) for i in range(199)]
    sql("INSERT INTO symbols (symbol) SELECT unnest(string_to_array(:'p1', ',')) "
        "ON CONFLICT DO NOTHING; "
        "INSERT INTO watchlist_symbols (watchlist_id, symbol_id) "
        "SELECT :'p2', id FROM symbols WHERE symbol = ANY (string_to_array(:'p1', ','))",
        ",".join(names), wid)
    expect_status(add(t, wid, "MSFT"), 201)
    err = expect_error(add(t, wid, "NVDA"), 409, "CONFLICT", "symbol")
    assert "200" in err["message"], err
    # one already there is still fine
    expect_status(add(t, wid, "MSFT"), 200)
    expect_status(add(t, wid, names[5]), 200)
    assert len(list_symbols(wid)) == 200
    expect_status(call("DELETE", f"/api/watchlists/{wid}/symbols/MSFT", t), 204)
    expect_status(add(t, wid, "NVDA"), 201)


@test
def a_user_has_at_most_50_lists():
    uid, t = new_user()
    lists(t)
    sql("INSERT INTO watchlists (user_id, name) SELECT :'p1', 'list ' || n "
        "FROM generate_series(1, 48) n", uid)
    expect_status(create(t, "the fiftieth"), 201)
    expect_error(create(t, "one more"), 409, "CONFLICT")
    assert count_lists(uid) == 50


@test
def other_users_lists_do_not_exist_for_them():
    uid_a, a = new_user("owner")
    uid_b, b = new_user("other")
    w = create(a, "Private").json()
    wid = w["id"]
    default_a = lists(a)[0]["id"]
    expect_status(add(a, wid, "TSLA"), 201)
    for method, path, body in (("GET", f"/api/watchlists/{wid}", None),
                               ("PATCH", f"/api/watchlists/{wid}", {"name": "Mine now"}),
                               ("DELETE", f"/api/watchlists/{wid}", None),
                               ("DELETE", f"/api/watchlists/{default_a}", None),
                               ("POST", f"/api/watchlists/{wid}/symbols", {"symbol": "GME"}),
                               ("DELETE", f"/api/watchlists/{wid}/symbols/TSLA", None)):
        r = call(method, path, b, body=body)
        expect_error(r, 404, "NOT_FOUND")
        assert "Private" not in r.body.decode() and "TSLA" not in r.body.decode()
    assert [x["name"] for x in lists(b)] == ["Favourites"]
    assert sql_value("SELECT name FROM watchlists WHERE id = :'p1'", wid) == "Private"
    assert list_symbols(wid) == ["TSLA"]
    assert count_lists(uid_a) == 2 and count_lists(uid_b) == 1


@test
def list_bodies_are_strict():
    uid, t = new_user()
    lists(t)
    for body, field in (({"name": 5}, "name"), ({"name": None}, "name"), ({}, "name"),
                        ({"name": ["a"]}, "name"), ({"name": ""}, "name"),
                        ({"name": " lead"}, "name"), ({"name": "trail "}, "name"),
                        ({"name": "a\u0001b"}, "name"), ({"name": "two\nlines"}, "name"),
                        ({"name": "tab\there"}, "name"), ({"name": "x" * 101}, "name"),
                        ({"name": "\U0001F4C8" * 101}, "name"),
                        ({"name": "ok", "colour": "red"}, "colour"),
                        ({"name": "ok", "is_default": True}, "is_default")):
        expect_error(call("POST", "/api/watchlists", t, body=body),
                     422, "VALIDATION_FAILED", field)
    for raw in (b'{"name":', b'{"name":"a"}x', b'{"name":"\xc3\x28"}', b'{"name":"\xff"}',
                b'', b'null', b'["name"]', b'"Tech"'):
        expect_error(call("POST", "/api/watchlists", t, raw=raw), 400, "INVALID_JSON")
        expect_error(call("PATCH", "/api/watchlists/1", t, raw=raw), 400, "INVALID_JSON")
    expect_error(call("POST", "/api/watchlists", t, raw=b'{"name":"x"}',
                      headers={"Content-Type": "text/plain"}), 415, "UNSUPPORTED_MEDIA_TYPE")
    assert count_lists(uid) == 1
    # 100 characters of four bytes each, and an injection string, are just names
    expect_status(create(t, "\U0001F4C8" * 100), 201)
    r = create(t, "x'); DROP TABLE watchlists;--")
    expect_status(r, 201)
    assert sql_value("SELECT name FROM watchlists WHERE id = :'p1'", r.json()["id"]) == \
        "x'); DROP TABLE watchlists;--"
    for bad in ("abc", "0", "-1", "1.5", "99999999999999999999", "1%20"):
        expect_error(call("GET", f"/api/watchlists/{bad}", t), 404, "NOT_FOUND")
        expect_error(call("POST", f"/api/watchlists/{bad}/symbols", t,
                          body={"symbol": "AAPL"}), 404, "NOT_FOUND")


@test
def watchlists_need_a_signed_in_user():
    for method, path in (("GET", "/api/watchlists"), ("POST", "/api/watchlists"),
                         ("GET", "/api/watchlists/1"), ("PATCH", "/api/watchlists/1"),
                         ("DELETE", "/api/watchlists/1"),
                         ("POST", "/api/watchlists/1/symbols"),
                         ("DELETE", "/api/watchlists/1/symbols/AAPL")):
        r = call(method, path, None, body={"name": "x"} if method in ("POST", "PATCH") else None)
        expect_error(r, 401, "UNAUTHORIZED")
        r = call(method, path, "not-a-token",
                 body={"name": "x"} if method in ("POST", "PATCH") else None)
        expect_error(r, 401, "UNAUTHORIZED")


@test
def a_read_only_api_key_reads_but_does_not_write():
    uid, t = new_user()
    r = call("POST", "/api/auth/api-keys", t, body={"name": "ro", "scopes": ["read"]})
    expect_status(r, 201)
    key = {"X-API-Key": r.json()["key"]}
    r = call("GET", "/api/watchlists", None, headers=key)
    expect_status(r, 200)
    wid = r.json()["items"][0]["id"]
    expect_status(call("GET", f"/api/watchlists/{wid}", None, headers=key), 200)
    expect_error(call("POST", "/api/watchlists", None, body={"name": "x"}, headers=key),
                 403, "FORBIDDEN")
    expect_error(call("POST", f"/api/watchlists/{wid}/symbols", None,
                      body={"symbol": "AAPL"}, headers=key), 403, "FORBIDDEN")
    assert count_lists(uid) == 1 and list_symbols(wid) == []


@test
def deleting_a_user_deletes_their_lists():
    uid, t = new_user()
    wid = create(t, "Gone soon").json()["id"]
    expect_status(add(t, wid, "IBM"), 201)
    sql("DELETE FROM users WHERE id = :'p1'", uid)
    assert count_lists(uid) == 0
    assert sql_value("SELECT count(*) FROM watchlist_symbols WHERE watchlist_id = :'p1'",
                     wid) == "0"
    assert sql_value("SELECT count(*) FROM symbols WHERE symbol = 'IBM'") == "1"
