"""Backtests against the running stack: POST /api/backtests queues a task
(202, Location), cron/run-tasks runs it on the demo series stored by
`edgescout market demo` (^GSPC: the S&P 500 2000-2020, AAPL 2013-2018),
GET /api/backtests/{id} gives its trades, equity curve and figures beside
buy-and-hold, whose total return is exactly last close / first close - 1 of
the series; every fill is at an open (plus slippage) after the signal's day;
the same request gives the same result bit for bit; trades.csv has the
same trades; two series equal up to a day and different after it give the
same decisions up to that day, for every built-in strategy (no look-ahead). Bad requests (ranges, exit rules, sizing, types) are 4xx and
queue nothing. Client addresses 127.22.0.1-254."""

import csv
import io
import itertools
import json
import os
import subprocess

from accounts import sql, sql_value
from analysis_lib import import_rows, new_user, random_symbol, sp500_rows
from jobs_lib import cli, expect_rc, run
from lib import STACK, expect_error, expect_status, request, test, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "..", "data"))
ADDRS = [f"127.22.0.{i}" for i in range(1, 255)]
_turn = itertools.count()
_state = {}

BODY = {"symbols": ["^GSPC", "AAPL", "NODATA"], "strategy": "momentum",
        "from": "2014-01-02", "to": "2018-05-11", "exit": ["sell_signal", "stop_loss"],
        "stop_loss_pct": 8, "sizing": "fraction", "size": 1, "fees_bps": 5,
        "slippage_bps": 10}


def call(method, path, token, body=None, raw_body=None, headers=None):
    hdrs = {"Authorization": f"Bearer {token}"}
    hdrs.update(headers or {})
    return request(method, path, body=body, raw_body=raw_body, headers=hdrs,
                   source=ADDRS[next(_turn) % len(ADDRS)])


def demo_loaded():
    if "demo" not in _state:
        expect_rc(cli("market", "demo"), 0, "edgescout market demo")
        _state["demo"] = True


def series(name):
    """date -> (open, close) of a demo file, as floats."""
    with open(os.path.join(DATA, name), newline="") as f:
        rows = list(csv.reader(f))[1:]
    return {r[0]: (float(r[1]), float(r[4])) for r in rows}


def run_worker():
    expect_rc(run([os.path.join(STACK["BIN_DIR"], "cron", "run-tasks")],
                  RUN_TASKS_SECONDS="0"), 0, "run-tasks")


def finished(token, bid):
    r = call("GET", f"/api/backtests/{bid}", token)
    expect_status(r, 200)
    b = r.json()
    return b if b["status"] in ("done", "failed") else None


def backtest(token, body):
    """Queue body, run the worker, and return (id, the finished backtest)."""
    r = call("POST", "/api/backtests", token, body=body)
    expect_status(r, 202)
    bid = r.json()["id"]
    assert r.header("location") == f"/api/backtests/{bid}", r.headers
    assert r.json()["status"] == "queued" and r.json()["task_id"] == bid
    run_worker()
    b = wait_for(lambda: finished(token, bid), timeout=60, interval=0.2)
    assert b and b["status"] == "done", b
    return bid, b


@test
def demo_series_backtest_beside_buy_and_hold():
    demo_loaded()
    u = new_user(tag="backtest")
    bid, b = backtest(u.token, BODY)
    assert b["kind"] == "backtest" and b["params"]["entry"] == "buy_signal", b["params"]
    res = b["result"]
    assert (res["strategy"], res["from"], res["to"]) == ("momentum", "2014-01-02", "2018-05-11")
    gspc, aapl, nodata = res["results"]
    assert nodata == {"symbol": "NODATA", "error": {
        "code": "NOT_FOUND", "message": "no stored prices for this symbol"}}, nodata
    for one, name in ((gspc, "sp500-2000.csv"), (aapl, "aapl-2013.csv")):
        bars = series(name)
        days = sorted(d for d in bars if "2014-01-02" <= d <= "2018-05-11")
        assert (one["from"], one["to"], one["bars"]) == (days[0], days[-1], len(days)), one
        # buy-and-hold: exactly the last close over the first, minus one
        hold = one["buy_and_hold"]
        assert hold["total_return"] == bars[days[-1]][1] / bars[days[0]][1] - 1, hold
        assert hold["exposure"] == 1 and hold["initial_equity"] == 10000
        assert [e["date"] for e in one["equity"]] == days
        s = one["strategy"]
        assert s["trades"] == len(one["trades"]) > 0, s
        assert 0 <= s["max_drawdown"] < 1 and s["max_drawdown_peak"] < s["max_drawdown_trough"]
        assert abs(s["final_equity"] - one["equity"][-1]["equity"]) < 0.006
        for t in one["trades"]:
            # a fill at the open of a day after the signal's, never on the first
            # day of the period (its signal would be the day before)
            assert t["entry_date"] > days[0], t
            assert t["entry_price"] == bars[t["entry_date"]][0] * (1 + 10 / 1e4), t
            assert t["reason"] in ("sell_signal", "stop_loss", "end"), t
            if t["reason"] == "end":
                assert t["exit_date"] == days[-1]
                assert t["exit_price"] == bars[days[-1]][1] * (1 - 10 / 1e4), t
            else:
                assert t["exit_price"] == bars[t["exit_date"]][0] * (1 - 10 / 1e4), t
            if t["reason"] == "stop_loss":
                assert t["return_pct"] < -8, t
    _state["done"] = (u, bid, b)


@test
def the_same_request_gives_the_same_result_bit_for_bit():
    if "done" not in _state:
        demo_series_backtest_beside_buy_and_hold()
    u, _, first = _state["done"]
    _, again = backtest(u.token, BODY)
    assert again["result"] == first["result"]


@test
def trades_csv_lists_every_trade():
    if "done" not in _state:
        demo_series_backtest_beside_buy_and_hold()
    u, bid, b = _state["done"]
    r = call("GET", f"/api/backtests/{bid}/trades.csv", u.token)
    expect_status(r, 200)
    assert r.header("content-type").startswith("text/csv"), r.headers
    rows = list(csv.DictReader(io.StringIO(r.body.decode())))
    want = [(one["symbol"], t) for one in b["result"]["results"] for t in one.get("trades", [])]
    assert len(rows) == len(want) > 0
    for row, (sym, t) in zip(rows, want):
        assert row["symbol"] == sym and row["entry_date"] == t["entry_date"], row
        assert float(row["pnl"]) == t["pnl"] and row["reason"] == t["reason"], row


@test
def another_users_or_an_unfinished_backtest():
    demo_loaded()
    u, other = new_user(tag="backtest"), new_user(tag="backtest")
    # a backtest no worker may claim yet
    bid = int(sql_value("INSERT INTO tasks (user_id, kind, params, run_after) VALUES "
                        "(:'p1', 'backtest', '{}', now() + interval '1 day') RETURNING id",
                        u.id))
    expect_status(call("GET", f"/api/backtests/{bid}", u.token), 200)
    expect_error(call("GET", f"/api/backtests/{bid}/trades.csv", u.token), 409, "CONFLICT")
    expect_error(call("GET", f"/api/backtests/{bid}", other.token), 404, "NOT_FOUND")
    expect_error(call("GET", f"/api/backtests/{bid}/trades.csv", other.token), 404,
                 "NOT_FOUND")
    # an analysis task is no backtest
    r = call("GET", "/api/stock-analysis?symbol=%5EGSPC&strategy=value&async=true", u.token)
    expect_status(r, 202)
    expect_error(call("GET", f"/api/backtests/{r.json()['task_id']}", u.token), 404,
                 "NOT_FOUND")
    expect_error(call("GET", "/api/backtests/abc", u.token), 404, "NOT_FOUND")


BAD = [
    ({"from": "2019-05-01", "to": "2019-01-01"}, "to"),
    ({"from": "2019-05-01", "to": "2019-05-01"}, "to"),
    ({"from": "2019-02-30"}, "from"),
    ({"to": "2019-13-01"}, "to"),
    ({"from": "2999-01-01", "to": "2999-02-01"}, "from"),
    ({"from": "2019-01-01'; DROP TABLE tasks; --"}, "from"),
    ({"symbols": []}, "symbols"),
    ({"symbols": ["^GSPC"] * 2}, "symbols"),
    ({"symbols": [f"S{i}" for i in range(11)]}, "symbols"),
    ({"symbols": ["not a symbol"]}, "symbols"),
    ({"symbols": "^GSPC"}, "symbols"),
    ({"strategy": "yolo"}, "strategy"),
    ({"strategy": 5}, "strategy"),
    ({"entry": "random"}, "entry"),
    ({"exit": []}, "exit"),
    ({"exit": ["moon"]}, "exit"),
    ({"exit": ["stop_loss"]}, "stop_loss_pct"),
    ({"exit": ["stop_loss"], "stop_loss_pct": 0}, "stop_loss_pct"),
    ({"exit": ["stop_loss"], "stop_loss_pct": 100}, "stop_loss_pct"),
    ({"stop_loss_pct": 5}, "stop_loss_pct"),
    ({"exit": ["after_bars"]}, "exit_bars"),
    ({"exit": ["after_bars"], "exit_bars": 0}, "exit_bars"),
    ({"exit": ["after_bars"], "exit_bars": 2.5}, "exit_bars"),
    ({"exit": ["take_profit"], "take_profit_pct": -1}, "take_profit_pct"),
    ({"sizing": "fraction", "size": 1.5}, "size"),
    ({"sizing": "amount"}, "size"),
    ({"sizing": "amount", "size": 20000}, "size"),
    ({"sizing": "kelly"}, "sizing"),
    ({"fees_bps": 2000}, "fees_bps"),
    ({"fees_bps": "5"}, "fees_bps"),
    ({"slippage_bps": -1}, "slippage_bps"),
    ({"leverage": 3}, "leverage"),
]


@test
def bad_requests_are_refused_and_queue_nothing():
    u = new_user(tag="backtest")
    good = {"symbols": ["^GSPC"], "strategy": "momentum", "from": "2019-01-02",
            "to": "2019-12-31"}
    for change, field in BAD:
        body = dict(good, **change)
        expect_error(call("POST", "/api/backtests", u.token, body=body), 422,
                     "VALIDATION_FAILED", field)
    for missing in ("symbols", "strategy", "from", "to"):
        body = {k: v for k, v in good.items() if k != missing}
        expect_error(call("POST", "/api/backtests", u.token, body=body), 422,
                     "VALIDATION_FAILED", missing)
    hdrs = {"Content-Type": "application/json"}
    expect_error(call("POST", "/api/backtests", u.token, raw_body=b'{"symbols": [',
                      headers=hdrs), 400, "INVALID_JSON")
    expect_error(call("POST", "/api/backtests", u.token,
                      raw_body=b'{"symbols": ["\xff"], "strategy": "momentum"}',
                      headers=hdrs), 400, "INVALID_JSON")
    assert sql_value("SELECT count(*) FROM tasks WHERE user_id = :'p1'", u.id) == "0"


@test
def the_free_tier_quota_counts_backtests():
    u = new_user(tag="backtest")
    sql("INSERT INTO quota_usage (user_id, quota_class, day, used) "
        "VALUES (:'p1', 'backtest', (now() at time zone 'utc')::date, 20)", u.id)
    expect_error(call("POST", "/api/backtests", u.token, body={
        "symbols": ["^GSPC"], "strategy": "momentum", "from": "2019-01-02",
        "to": "2019-12-31"}), 429, "QUOTA_EXCEEDED")
    assert sql_value("SELECT count(*) FROM tasks WHERE user_id = :'p1'", u.id) == "0"


@test
def readme_examples_run_as_written():
    demo_loaded()
    u = new_user(tag="backtest")
    with open(os.path.join(HERE, "..", "..", "README.md")) as f:
        text = f.read()
    start = text.index("## Backtests")
    first = text.index("```sh\n", start) + len("```sh\n")
    block = text[first:text.index("```", first)]
    commands = block.replace("\\\n", " ").strip().splitlines()
    assert len(commands) == 3 and all(c.startswith("curl ") for c in commands), commands
    env = {"PATH": "/usr/bin:/bin", "BASE": STACK["URL"], "TOKEN": u.token,
           "CURL_CA_BUNDLE": STACK["CA"]}

    def sh(c):
        p = subprocess.run(["bash", "-c", c], env=env, capture_output=True, text=True,
                           timeout=60)
        expect_rc(p, 0, c)
        return p.stdout

    queued = json.loads(sh(commands[0]))
    assert queued["status"] == "queued", queued
    env["ID"] = str(queued["id"])
    run_worker()
    assert wait_for(lambda: json.loads(sh(commands[1]))["status"] == "done", timeout=60)
    one = json.loads(sh(commands[1]))["result"]["results"][0]
    assert one["symbol"] == "^GSPC" and one["strategy"]["trades"] > 0, one["strategy"]
    out = sh(commands[2])
    assert out.startswith("symbol,entry_date,entry_price,"), out[:200]
    assert len(out.splitlines()) == 1 + len(one["trades"])


def rewritten_after(rows, day):
    """rows with every bar after day moved along another path."""
    out, f = [], 1.0
    for i, r in enumerate(rows):
        if r["date"] > day:
            f *= 0.97 if i % 7 < 3 else 1.025
            r = dict(r)
            for k in ("open", "close", "adjclose"):
                r[k] = repr(float(r[k]) * f)
            r["high"] = repr(float(r["high"]) * f * 1.01)
            r["low"] = repr(float(r["low"]) * f * 0.99)
        out.append(r)
    return out


@test
def changing_the_bars_after_a_day_changes_no_decision_up_to_it():
    rows = [r for r in sp500_rows() if r["date"] >= "2012-01-01"]
    day = "2016-06-30"
    same, other = random_symbol("LA"), random_symbol("LB")
    import_rows(same, rows)
    import_rows(other, rewritten_after(rows, day))
    u = new_user(tier="pro", tag="backtest")
    for strategy in ("momentum", "growth", "value", "dividend"):
        body = {"symbols": [same, other], "strategy": strategy, "from": "2013-01-02",
                "to": "2020-04-17", "exit": ["sell_signal", "stop_loss", "after_bars"],
                "stop_loss_pct": 6, "exit_bars": 30, "fees_bps": 5, "slippage_bps": 5}
        _, b = backtest(u.token, body)
        a, c = b["result"]["results"]
        upto = [e for e in a["equity"] if e["date"] <= day]
        assert upto == [e for e in c["equity"] if e["date"] <= day], strategy
        closed = [t for t in a["trades"] if t["exit_date"] <= day]
        assert closed and closed == [t for t in c["trades"] if t["exit_date"] <= day], strategy
        entered = [(t["entry_date"], t["entry_price"]) for t in a["trades"]
                   if t["entry_date"] <= day]
        assert entered == [(t["entry_date"], t["entry_price"]) for t in c["trades"]
                           if t["entry_date"] <= day], strategy
        # and the rewrite does change what comes after
        assert a["equity"][-1] != c["equity"][-1], strategy
