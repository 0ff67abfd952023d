"""The paper-trading journal against the running stack: trades opened,
closed, edited, deleted and listed (exact decimals, last-close defaults,
the open-trade limit of the free tier), and a journal of known trades on
the demo AAPL series (data/aapl-2013.csv) whose P&L, drawdown, streaks,
attribution and forecast are checked against values worked out here by
hand. Client addresses come from analysis_lib's 127.21.0.0/22."""

import csv
import datetime
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


# The demo journal on the AAPL series: (side, quantity, opened, closed,
# fees, tags, signal); prices are left out, so each is the day's close.
DEMO = [
    ("buy", 10, "2013-05-15", "2013-05-20", "1", ["swing"], "momentum/buy"),   # +19.11429
    ("sell", 5, "2013-05-20", "2013-05-22", "0.5", ["hedge"], None),           # +0.62858
    ("buy", 20, "2013-05-21", "2013-05-21", "2", [], None),                    # -2
    ("buy", 8, "2013-05-22", "2013-06-05", "1", ["swing", "tech"], "value/hold"),  # +3.297152
    ("buy", 3, "2013-06-03", None, "0", [], None),                              # open
    ("sell", 4, "2013-05-28", "2013-05-30", "0", ["hedge"], None),             # -5.79428
    ("buy", 1, "2013-06-04", "2013-06-05", "0", ["tech"], None),               # -0.599998
]


def demo_pnl(side, qty, opened, closed, fees):
    c = closes()
    move = c[closed] - c[opened] if side == "buy" else c[opened] - c[closed]
    return move * qty - D(fees)


def signal(sym, spec):
    strategy, rec = spec.split("/")
    return int(sql_value(
        "INSERT INTO signals (symbol_id, strategy, day, close, score, recommendation, version, "
        "indicators, source) SELECT id, :'p2', '2013-05-14', 60, 70, :'p3', 1, '{}', 'scan' "
        "FROM symbols WHERE symbol = :'p1' RETURNING id", sym, strategy, rec))


def demo():
    """A user with the demo journal, and its trades' ids, made once."""
    if "demo" not in _state:
        u, sym = new_user(tag="journal"), aapl()
        ids = []
        for side, qty, opened, closed, fees, tags, sig in DEMO:
            body = {"symbol": sym, "side": side, "quantity": qty, "tags": tags,
                    "opened_at": opened + "T20:00:00Z"}
            if sig:
                body["signal_id"] = signal(sym, sig)
            r = u.post("/api/journal/trades", body=body)
            expect_status(r, 201)
            ids.append(r.json()["id"])
            if closed:
                r = u.post(f"/api/journal/trades/{ids[-1]}/close",
                           body={"closed_at": closed + "T20:00:00Z", "fees": float(fees)})
                expect_status(r, 200)
                assert D(str(r.json()["pnl"])) == demo_pnl(side, qty, opened, closed, fees)
        _state["demo"] = (u, ids)
    return _state["demo"]


@test
def the_demo_journal_has_the_hand_worked_pnl():
    u, _ = demo()
    s = u.get("/api/journal/stats")
    expect_status(s, 200)
    s = s.json()
    assert D(str(s["realised_pnl"])) == D("14.645744"), s
    # the open trade at the series' last close (2018-05-11, 188.589996)
    assert D(str(s["unrealised_pnl"])) == (D("188.589996") - D("64.388573")) * 3, s
    assert (s["trades"], s["open"], s["closed"], s["wins"], s["losses"]) == (7, 1, 6, 3, 3), s
    assert abs(s["win_rate"] - 0.5) < 1e-12, s
    gross_profit = 19.11429 + 0.62858 + 3.297152
    gross_loss = 2 + 5.79428 + 0.599998
    assert abs(s["profit_factor"] - gross_profit / gross_loss) < 1e-9, s
    assert abs(s["expectancy"] - 14.645744 / 6) < 1e-9, s
    assert s["capital"] == 10000 and s["unpriced_open"] == 0, s


def hand_curve(capital=10000.0):
    """The equity curve worked out from DEMO by the documented rules."""
    c = closes()
    trades = [(datetime.date.fromisoformat(o),
               datetime.date.fromisoformat(cl) if cl else None,
               float(demo_pnl(sd, q, o, cl, f)) if cl else 0.0)
              for sd, q, o, cl, f, _, _ in DEMO]
    assert c  # the closes are what the prices came from
    day, last = min(t[0] for t in trades), max(max(t[0], t[1] or t[0]) for t in trades)
    eq, peak, out = capital, capital, []
    while day <= last:
        events = any(day in (t[0], t[1]) for t in trades)
        if day.weekday() < 5 or events:
            pnl = sum(t[2] for t in trades if t[1] == day)
            before, eq = eq, eq + pnl
            peak = max(peak, eq)
            opened = sum(1 for t in trades if t[0] <= day and (t[1] is None or t[1] >= day))
            out.append((day.isoformat(), pnl, eq, eq / before - 1, peak - eq, opened))
        day += datetime.timedelta(days=1)
    return out


@test
def the_equity_curve_and_drawdown_follow_the_trades():
    u, _ = demo()
    got = u.get("/api/journal/equity").json()["days"]
    want = hand_curve()
    assert [d["date"] for d in got] == [w[0] for w in want], got
    assert len(got) == 16 and got[0]["date"] == "2013-05-15" and got[-1]["date"] == "2013-06-05"
    for d, w in zip(got, want):
        assert abs(d["equity"] - w[2]) < 1e-9 and abs(d["drawdown"] - w[4]) < 1e-9, (d, w)
        assert d["open"] == w[5], (d, w)
    # the deepest fall: from the peak of 20 May, 10019.11429, by -2 (21 May),
    # +0.62858 (22 May) and -5.79428 (30 May): 7.1657
    s = u.get("/api/journal/stats").json()
    assert abs(s["max_drawdown"] - 7.1657) < 1e-9, s
    assert abs(s["max_drawdown_pct"] - 7.1657 / 10019.11429) < 1e-12, s
    assert s["trading_days"] == 16
    assert s["exposure"] == 1, s           # a trade is open every one of the 16 days
    rets = [w[3] for w in want]
    mean = sum(rets) / len(rets)
    sd = (sum((x - mean) ** 2 for x in rets) / (len(rets) - 1)) ** 0.5
    assert abs(s["sharpe"] - mean / sd * 252 ** 0.5) < 1e-9, s
    # a capital of 1000 scales every return
    s2 = u.get("/api/journal/stats?capital=1000").json()
    assert s2["sharpe"] != s["sharpe"] and s2["capital"] == 1000


@test
def streaks_by_trade_and_by_day():
    u, _ = demo()
    s = u.get("/api/journal/streaks").json()
    # by closing time: W (20 May) L (21) W (22) L (30) W, L (both 5 June)
    assert s["by_trade"]["current"] == {"kind": "loss", "length": 1, "from": "2013-06-05",
                                        "to": "2013-06-05"}, s
    assert s["by_trade"]["best_win"] == {"kind": "win", "length": 1, "from": "2013-05-20",
                                         "to": "2013-05-20"}, s
    # by day, 5 June nets +2.697154: a win
    assert s["by_day"]["current"]["kind"] == "win", s
    assert s["by_day"]["best_loss"]["from"] == "2013-05-21", s


@test
def attribution_parts_sum_to_the_whole():
    u, _ = demo()
    a = u.get("/api/journal/attribution")
    expect_status(a, 200)
    a = a.json()
    assert a["total"]["count"] == 6 and D(str(a["total"]["pnl"])) == D("14.645744"), a
    for part in ("by_strategy", "by_recommendation", "by_tag", "by_symbol", "by_weekday",
                 "by_holding"):
        assert sum(p["count"] for p in a[part]) == 6, (part, a[part])
        assert sum(D(str(p["pnl"])) for p in a[part]) == D("14.645744"), (part, a[part])
    got = {p["key"]: D(str(p["pnl"])) for p in a["by_strategy"]}
    assert got == {"momentum": D("19.11429"), "value": D("3.297152"),
                   "none": D("14.645744") - D("19.11429") - D("3.297152")}, got
    assert {p["key"] for p in a["by_recommendation"]} == {"buy", "hold", "none"}
    tags = {p["key"]: (p["count"], D(str(p["pnl"]))) for p in a["by_tag"]}
    assert tags["swing"] == (2, D("19.11429") + D("3.297152")), tags
    assert tags["hedge"] == (2, D("0.62858") + D("-5.79428")), tags
    assert tags["untagged"] == (1, D("-2")) and tags["tech"] == (1, D("-0.599998")), tags
    # 15 May Wed, 20 May Mon, 21 Tue, 22 Wed, 28 Tue, 4 June Tue
    days = [(p["key"], p["count"]) for p in a["by_weekday"]]
    assert days == [("monday", 1), ("tuesday", 3), ("wednesday", 2)], days
    held = [(p["key"], p["count"]) for p in a["by_holding"]]
    assert held == [("same day", 1), ("1-5 days", 4), ("6-20 days", 1)], held


@test
def achievements_are_earned_once_and_follow_edits():
    u, ids = demo()
    sym = aapl()
    # on a copy of the journal, so the other tests keep theirs
    v = new_user(tag="journal")
    sql("INSERT INTO journal_trades (user_id, symbol, side, quantity, entry_price, opened_at, "
        "exit_price, closed_at, fees, tags, signal_id, note) SELECT :'p1', symbol, side, "
        "quantity, entry_price, opened_at, exit_price, closed_at, fees, tags, signal_id, note "
        "FROM journal_trades WHERE user_id = :'p2' ORDER BY id", v.id, u.id)

    def earned(user):
        r = user.get("/api/journal/achievements")
        expect_status(r, 200)
        return {a["key"]: a["earned_on"] for a in r.json()["achievements"]}

    got = earned(v)
    assert got == {"first_trade": "2013-05-15", "ten_trades": None, "five_win_streak": None,
                   "positive_month": "2013-05-31", "signal_win": "2013-05-20",
                   "first_ev_bet": None}, got
    # without the first trade: May loses 7.1657, June gains 2.697154
    first = sql_value("SELECT min(id) FROM journal_trades WHERE user_id = :'p1'", v.id)
    expect_status(v.delete(f"/api/journal/trades/{first}"), 204)
    got = earned(v)
    assert (got["first_trade"], got["positive_month"], got["signal_win"]) == \
        ("2013-05-20", "2013-06-30", "2013-06-05"), got
    # five wins in a row, then the fifth edited into a loss
    for i in range(5):
        r = v.post("/api/journal/trades", body={"symbol": sym, "quantity": 1,
                                                "entry_price": 10, "opened_at":
                                                f"2013-07-0{i + 1}T10:00:00Z"})
        last = r.json()["id"]
        v.post(f"/api/journal/trades/{last}/close",
               body={"exit_price": 11, "closed_at": f"2013-07-0{i + 1}T12:00:00Z"})
    got = earned(v)
    assert got["five_win_streak"] == "2013-07-05" and got["ten_trades"] == "2013-07-05", got
    call("PATCH", f"/api/journal/trades/{last}", body={"exit_price": 9}, token=v.token)
    assert earned(v)["five_win_streak"] is None
    cat = v.get("/api/journal/achievements").json()
    assert cat["total"] == 6 and cat["earned"] == 4, cat


def long_journal(days=150):
    """A user with one AAPL trade a day (bought at a close, sold at the
    next) over days trading days from 10 June 2013, made once."""
    if "long" not in _state:
        u, sym = new_user(tag="journal"), aapl()
        dates = sorted(d for d in closes() if d >= "2013-06-10")[:days + 1]
        c = closes()
        rows = [(dates[i], dates[i + 1]) for i in range(days)]
        values = ", ".join(f"('{o}T20:00:00Z', {c[o]}, '{n}T20:00:00Z', {c[n]})"
                           for o, n in rows)
        sql("INSERT INTO journal_trades (user_id, symbol, side, quantity, entry_price, "
            "opened_at, exit_price, closed_at) SELECT :'p1', :'p2', 'buy', 10, e, o::timestamptz, "
            "x, cl::timestamptz FROM (VALUES " + values + ") v (o, e, cl, x)", u.id, sym)
        first, last = (datetime.date.fromisoformat(d) for d in (dates[0], dates[-1]))
        # the curve's days: every weekday between, holidays too
        n = sum(1 for k in range((last - first).days + 1)
                if (first + datetime.timedelta(days=k)).weekday() < 5)
        _state["long"] = (u, n)
    return _state["long"]


@test
def the_forecast_is_seeded_banded_and_backtested():
    u, n = long_journal()
    r = u.get("/api/journal/forecast?horizon=30d&seed=7")
    expect_status(r, 200)
    f = r.json()
    assert f["horizon_days"] == 30 and len(f["days"]) == 30 and f["seed"] == 7, f
    # 150 trades over 151 days of candles; the 5 weekday holidays between count too
    assert n == 156 and f["sample_size"] == n and f["warning"] is None, f["sample_size"]
    for d in f["days"]:
        assert d["low_90"] <= d["low_50"] <= d["median"] <= d["high_50"] <= d["high_90"], d
    assert f["days"][-1]["high_90"] - f["days"][-1]["low_90"] > \
        f["days"][0]["high_90"] - f["days"][0]["low_90"]           # the band widens
    assert u.get("/api/journal/forecast?horizon=30d&seed=7").json() == f
    other = u.get("/api/journal/forecast?horizon=30d&seed=8").json()
    assert other["days"] != f["days"]
    bt = f["backtest"]
    assert bt["checked"] == n - 10 - 30 + 1 and 0 <= bt["coverage_90"] <= 1, bt
    print(f"     forecast coverage of the 90 % band over the past (30d): "
          f"{bt['coverage_90']:.3f} of {bt['checked']}")
    week = u.get("/api/journal/forecast").json()
    assert week["horizon"] == "7d" and len(week["days"]) == 7, week
    print(f"     forecast coverage of the 90 % band over the past (7d): "
          f"{week['backtest']['coverage_90']:.3f} of {week['backtest']['checked']}")
    expect_error(u.get("/api/journal/forecast?horizon=1y"), 422, "VALIDATION_FAILED", "horizon")


@test
def a_short_journal_forecast_warns():
    u, _ = demo()
    f = u.get("/api/journal/forecast?horizon=7d").json()
    assert f["sample_size"] == 16 and "not reliable" in f["warning"], f
    assert f["backtest"]["checked"] == 0 and f["backtest"]["coverage_90"] is None, f
    empty = new_user(tag="journal").get("/api/journal/forecast").json()
    assert empty["days"] == [] and empty["sample_size"] == 0 and empty["warning"], empty
