"""The paper-trading journal against the running stack: trades opened,
closed, edited, deleted and listed (exact decimals, last-close defaults,
the open-trade limit of the free tier), and a journal of known trades on
the demo AAPL series (data/aapl-2013.csv) whose P&L, drawdown, streaks,
attribution and forecast are checked against values worked out here by
hand. Client addresses come from analysis_lib's 127.21.0.0/22."""

import csv
import json
import os
import subprocess
from decimal import Decimal as D

from accounts import sql, sql_value
from analysis_lib import call, market_import, new_user, random_symbol
from lib import STACK, expect_error, expect_status, test

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
AAPL = os.path.join(REPO, "data", "aapl-2013.csv")
_state = {}


def raw(user, method, path, text):
    """A request whose JSON body is sent exactly as text (exact decimals)."""
    return call(method, path, token=user.token, raw_body=text.encode(),
                headers={"Content-Type": "application/json"})


def patch(user, path, body):
    return call("PATCH", path, body=body, token=user.token)


def closes():
    """The demo series' closes by date, as exact decimals."""
    if "closes" not in _state:
        with open(AAPL, newline="") as f:
            _state["closes"] = {r["Date"]: D(r["Close"]) for r in csv.DictReader(f)}
    return _state["closes"]


def aapl():
    """The demo series stored under a fresh symbol, once."""
    if "aapl" not in _state:
        _state["aapl"] = random_symbol("J")
        market_import(_state["aapl"], AAPL)
    return _state["aapl"]


@test
def a_trade_opens_closes_and_keeps_exact_decimals():
    u = new_user(tag="journal")
    r = raw(u, "POST", "/api/journal/trades",
            '{"symbol": "jxa", "side": "buy", "quantity": 3, "entry_price": 0.1, '
            '"opened_at": "2030-01-02T15:00:00Z", "fees": 0.05, "tags": ["swing", "tech"], '
            '"note": "first"}')
    expect_status(r, 201)
    t = r.json()
    assert t["symbol"] == "JXA" and t["status"] == "open" and t["pnl"] is None, t
    assert t["tags"] == ["swing", "tech"] and t["note"] == "first", t
    assert b'"entry_price":0.1,' in r.body and b'"quantity":3,' in r.body, r.body
    r = raw(u, "POST", f"/api/journal/trades/{t['id']}/close",
            '{"exit_price": 0.3, "closed_at": "2030-01-03T15:00:00Z", "fees": 0.05}')
    expect_status(r, 200)
    t = r.json()
    # (0.3 - 0.1) x 3 - 0.1 = 0.5 exactly, where floats would give 0.5000000000000001
    assert b'"pnl":0.5,' in r.body and t["status"] == "closed", r.body
    assert t["fees"] == 0.1 and t["closed_at"] == "2030-01-03T15:00:00.000000Z", t
    expect_error(call("POST", f"/api/journal/trades/{t['id']}/close", body={},
                      token=u.token), 409, "CONFLICT")
    assert sql_value("SELECT pnl::text FROM journal_trades WHERE id = :'p1'", t["id"]) \
        == "0.50"


@test
def a_short_trade_gains_when_the_price_falls():
    u = new_user(tag="journal")
    r = u.post("/api/journal/trades", body={"symbol": "JXB", "side": "sell", "quantity": 10,
                                            "entry_price": 50, "fees": 1.5})
    expect_status(r, 201)
    tid = r.json()["id"]
    r = u.post(f"/api/journal/trades/{tid}/close", body={"exit_price": 45.25})
    expect_status(r, 200)
    assert r.json()["pnl"] == 46, r.json()        # (50 - 45.25) x 10 - 1.5


@test
def prices_left_out_are_the_last_close():
    u, sym, c = new_user(tag="journal"), aapl(), closes()
    r = u.post("/api/journal/trades", body={"symbol": sym, "quantity": 2,
                                            "opened_at": "2013-05-14T20:00:00Z"})
    expect_status(r, 201)
    assert D(str(r.json()["entry_price"])) == c["2013-05-14"], r.json()
    r = u.post(f"/api/journal/trades/{r.json()['id']}/close",
               body={"closed_at": "2013-05-18T12:00:00Z"})    # a Saturday: Friday's close
    expect_status(r, 200)
    t = r.json()
    assert D(str(t["exit_price"])) == c["2013-05-17"], t
    assert D(str(t["pnl"])) == (c["2013-05-17"] - c["2013-05-14"]) * 2, t
    # no candle at all: the price is required
    r = u.post("/api/journal/trades", body={"symbol": "NOCANDLE", "quantity": 1})
    expect_error(r, 422, "VALIDATION_FAILED", "entry_price")
    # today's open trade on the series: its last close
    r = u.post("/api/journal/trades", body={"symbol": sym, "quantity": 1})
    expect_status(r, 201)
    last = max(c)
    assert D(str(r.json()["entry_price"])) == c[last], r.json()


@test
def get_patch_delete_and_ownership():
    u, other = new_user(tag="journal"), new_user(tag="journal")
    r = u.post("/api/journal/trades", body={"symbol": "JXC", "quantity": 1, "entry_price": 10,
                                            "opened_at": "2030-01-02T00:00:00Z"})
    tid = r.json()["id"]
    expect_status(u.get(f"/api/journal/trades/{tid}"), 200)
    expect_error(other.get(f"/api/journal/trades/{tid}"), 404, "NOT_FOUND")
    expect_error(patch(other, f"/api/journal/trades/{tid}", {"note": "x"}), 404, "NOT_FOUND")
    expect_error(other.delete(f"/api/journal/trades/{tid}"), 404, "NOT_FOUND")
    r = patch(u, f"/api/journal/trades/{tid}", {"quantity": 4, "tags": ["b"], "note": "n"})
    expect_status(r, 200)
    assert (r.json()["quantity"], r.json()["tags"], r.json()["note"]) == (4, ["b"], "n")
    # exit fields belong to a closed trade
    expect_error(patch(u, f"/api/journal/trades/{tid}", {"exit_price": 12}), 422,
                 "VALIDATION_FAILED", "exit_price")
    r = u.post(f"/api/journal/trades/{tid}/close", body={"exit_price": 11,
                                                         "closed_at": "2030-01-05T00:00:00Z"})
    assert r.json()["pnl"] == 4, r.json()
    r = patch(u, f"/api/journal/trades/{tid}", {"exit_price": 12.5})
    assert r.json()["pnl"] == 10, r.json()
    # never closed before opened, and nothing written when refused
    expect_error(patch(u, f"/api/journal/trades/{tid}", {"opened_at": "2030-02-01T00:00:00Z",
                                                         "note": "changed"}),
                 422, "VALIDATION_FAILED", "opened_at")
    assert u.get(f"/api/journal/trades/{tid}").json()["note"] == "n"
    expect_error(u.post(f"/api/journal/trades/{tid + 10 ** 9}/close", body={}), 404,
                 "NOT_FOUND")
    expect_status(u.delete(f"/api/journal/trades/{tid}"), 204)
    expect_error(u.get(f"/api/journal/trades/{tid}"), 404, "NOT_FOUND")


@test
def bad_input_is_refused_and_nothing_is_written():
    u = new_user(tag="journal")
    cases = [
        ({"symbol": "JXD"}, "quantity"),
        ({"symbol": "JXD", "quantity": 0, "entry_price": 1}, "quantity"),
        ({"symbol": "JXD", "quantity": "3", "entry_price": 1}, "quantity"),
        ({"symbol": "JXD", "quantity": 1, "entry_price": -1}, "entry_price"),
        ({"symbol": "JXD", "quantity": 1, "entry_price": 1, "side": "long"}, "side"),
        ({"symbol": "x'; DROP TABLE journal_trades; --", "quantity": 1}, "symbol"),
        ({"symbol": "JXD", "quantity": 1, "entry_price": 1, "tags": ["Bad Tag"]}, "tags"),
        ({"symbol": "JXD", "quantity": 1, "entry_price": 1, "opened_at": "yesterday"},
         "opened_at"),
        ({"symbol": "JXD", "quantity": 1, "entry_price": 1, "signal_id": 10 ** 15},
         "signal_id"),
        ({"symbol": "JXD", "quantity": 1, "entry_price": 1, "note": "n" * 2001}, "note"),
        ({"symbol": "JXD", "quantity": 1, "entry_price": 1, "extra": 1}, "extra"),
    ]
    for body, field in cases:
        expect_error(u.post("/api/journal/trades", body=body), 422, "VALIDATION_FAILED", field)
    r = raw(u, "POST", "/api/journal/trades", '{"symbol": "JXD", "quantity": 1,')
    assert r.status == 400, r
    r = call("POST", "/api/journal/trades", token=u.token, raw_body=b'{"symbol": "\xff"}',
             headers={"Content-Type": "application/json"})
    assert r.status == 400, r
    assert sql_value("SELECT count(*) FROM journal_trades WHERE user_id = :'p1'", u.id) == "0"
    expect_error(call("GET", "/api/journal/trades"), 401, "UNAUTHORIZED")


@test
def the_free_tier_holds_a_limited_number_of_open_trades():
    u, pro = new_user(tag="journal"), new_user("pro", tag="journal")
    limit = int(sql_value("SELECT daily_limit FROM tier_quotas WHERE tier = 'free' "
                          "AND quota_class = 'journal_open'"))
    sql("INSERT INTO journal_trades (user_id, symbol, side, quantity, entry_price, opened_at) "
        "SELECT u, 'JXE', 'buy', 1, 1, now() FROM generate_series(1, :'p2') g, "
        "(SELECT :'p1'::bigint AS u) x", u.id, limit)
    r = u.post("/api/journal/trades", body={"symbol": "JXE", "quantity": 1, "entry_price": 1})
    expect_error(r, 403, "FORBIDDEN")
    tid = sql_value("SELECT min(id) FROM journal_trades WHERE user_id = :'p1'", u.id)
    expect_status(u.post(f"/api/journal/trades/{tid}/close", body={"exit_price": 1}), 200)
    expect_status(u.post("/api/journal/trades", body={"symbol": "JXE", "quantity": 1,
                                                      "entry_price": 1}), 201)
    sql("INSERT INTO journal_trades (user_id, symbol, side, quantity, entry_price, opened_at) "
        "SELECT :'p1', 'JXE', 'buy', 1, 1, now() FROM generate_series(1, :'p2')", pro.id, limit)
    expect_status(pro.post("/api/journal/trades", body={"symbol": "JXE", "quantity": 1,
                                                        "entry_price": 1}), 201)


@test
def the_list_filters_and_pages():
    u = new_user(tag="journal")
    ids = []
    for i, (sym, side, tags) in enumerate([("JXF", "buy", ["a"]), ("JXG", "sell", ["b"]),
                                           ("JXF", "sell", ["a", "b"]), ("JXF", "buy", [])]):
        r = u.post("/api/journal/trades", body={"symbol": sym, "side": side, "quantity": 1,
                                                "entry_price": 5, "tags": tags,
                                                "opened_at": f"2030-01-0{i + 1}T00:00:00Z"})
        ids.append(r.json()["id"])
    expect_status(u.post(f"/api/journal/trades/{ids[0]}/close",
                         body={"exit_price": 6, "closed_at": "2030-01-09T00:00:00Z"}), 200)
    # now is before these openings: a close left at now is refused
    expect_error(u.post(f"/api/journal/trades/{ids[1]}/close", body={"exit_price": 6}),
                 422, "VALIDATION_FAILED", "closed_at")

    def got(q):
        r = u.get("/api/journal/trades" + q)
        expect_status(r, 200)
        return [t["id"] for t in r.json()["items"]]

    assert got("") == ids[::-1]
    assert got("?symbol=jxf") == [ids[3], ids[2], ids[0]]
    assert got("?side=sell") == [ids[2], ids[1]]
    assert got("?status=closed") == [ids[0]]
    assert got("?status=open&tag=b") == [ids[2], ids[1]]
    assert got("?opened_from=2030-01-02T00:00:00Z&opened_to=2030-01-03T00:00:00Z") \
        == [ids[2], ids[1]]
    r = u.get("/api/journal/trades?limit=3").json()
    assert [t["id"] for t in r["items"]] == ids[:0:-1] and r["next_cursor"] == str(ids[1]), r
    r = u.get(f"/api/journal/trades?limit=3&cursor={r['next_cursor']}").json()
    assert [t["id"] for t in r["items"]] == [ids[0]] and r["next_cursor"] is None, r
    expect_error(u.get("/api/journal/trades?status=maybe"), 422, "VALIDATION_FAILED", "status")
    other = new_user(tag="journal")
    expect_error(other.get(f"/api/journal/trades?cursor={ids[1]}"), 422,
                 "VALIDATION_FAILED", "cursor")
