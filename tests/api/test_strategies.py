"""Users' own strategies against the running stack: the component catalogue,
create, list, get, change and delete a strategy, validation errors naming
the field (weights, parameters out of bounds, thresholds out of order,
unknown components, malformed bodies) that write nothing, privacy (another
user's strategy is a 404), the tier's limit of kept strategies, and a
user's strategy used by the analysis, /api/v1/run and a backtest; the
README's curl examples run as written.
Client addresses 127.23.0.1-254."""

import itertools
import json
import os
import subprocess

from accounts import sql, sql_value
from analysis_lib import new_user
from jobs_lib import cli, expect_rc, run
from lib import STACK, expect_error, expect_status, request, test, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
ADDRS = [f"127.23.0.{i}" for i in range(1, 255)]
_turn = itertools.count()
_state = {}

GOOD = {"name": "Oversold with volume",
        "components": [{"name": "stochastic", "weight": 40,
                        "params": {"oversold": 25, "overbought": 75}},
                       {"name": "obv_trend", "weight": 30},
                       {"name": "rsi", "weight": 30, "params": {"low": 25}}],
        "buy_at": 60, "sell_at": 40}


def call(method, path, token, body=None, raw_body=None, headers=None):
    hdrs = {"Authorization": f"Bearer {token}"}
    hdrs.update(headers or {})
    return request(method, path, body=body, raw_body=raw_body, headers=hdrs,
                   source=ADDRS[next(_turn) % len(ADDRS)])


def demo_loaded():
    if not _state.get("demo"):
        expect_rc(cli("market", "demo"), 0, "edgescout market demo")
        _state["demo"] = True


def run_worker():
    expect_rc(run([os.path.join(STACK["BIN_DIR"], "cron", "run-tasks")],
                  RUN_TASKS_SECONDS="0"), 0, "run-tasks")


def finished(token, bid):
    r = call("GET", f"/api/backtests/{bid}", token)
    expect_status(r, 200)
    return r.json() if r.json()["status"] in ("done", "failed") else None


def backtest(token, body):
    """Queue body, run the worker, and return the finished backtest."""
    r = call("POST", "/api/backtests", token, body=body)
    expect_status(r, 202)
    run_worker()
    b = wait_for(lambda: finished(token, r.json()["id"]), timeout=60, interval=0.2)
    assert b and b["status"] == "done", b
    return b


def create(token, body=GOOD):
    r = call("POST", "/api/strategies", token, body=body)
    expect_status(r, 201)
    return r.json()


@test
def the_catalogue_lists_every_component_with_its_parameters():
    u = new_user(tag="strategy")
    r = call("GET", "/api/strategies/components", u.token)
    expect_status(r, 200)
    items = {c["name"]: c for c in r.json()["items"]}
    assert set(items) == {"trend", "rsi", "macd", "roc", "earnings_growth",
                          "revenue_growth", "pe", "peg", "mean_reversion",
                          "dividend_yield", "volatility", "stochastic", "adx",
                          "obv_trend"}, sorted(items)
    rsi = {p["name"]: p for p in items["rsi"]["parameters"]}
    assert rsi["low"]["default"] == 30 and rsi["high"]["default"] == 70, rsi
    for c in items.values():
        assert c["description"], c
        for p in c["parameters"]:
            assert p["min"] <= p["default"] <= p["max"], (c["name"], p)


@test
def create_list_get_change_and_delete():
    u = new_user(tag="strategy")
    s = create(u.token)
    assert s["name"] == GOOD["name"] and s["strategy"] == f"user:{s['id']}", s
    assert s["buy_at"] == 60 and s["sell_at"] == 40, s
    # every parameter is written out, the defaults where none was given
    assert s["components"] == [
        {"name": "stochastic", "weight": 40, "params": {"oversold": 25, "overbought": 75}},
        {"name": "obv_trend", "weight": 30, "params": {}},
        {"name": "rsi", "weight": 30, "params": {"low": 25, "high": 70}}], s["components"]
    r = call("GET", "/api/strategies", u.token)
    expect_status(r, 200)
    assert [x["id"] for x in r.json()["items"]] == [s["id"]], r.json()
    r = call("GET", f"/api/strategies/{s['id']}", u.token)
    expect_status(r, 200)
    assert r.json() == s
    r = call("PATCH", f"/api/strategies/{s['id']}", u.token,
             body={"name": "Renamed", "buy_at": 70})
    expect_status(r, 200)
    assert r.json()["name"] == "Renamed" and r.json()["buy_at"] == 70
    assert r.json()["sell_at"] == 40 and r.json()["components"] == s["components"]
    r = call("PATCH", f"/api/strategies/{s['id']}", u.token,
             body={"components": [{"name": "adx", "weight": 1}]})
    expect_status(r, 200)
    assert r.json()["components"] == [
        {"name": "adx", "weight": 1, "params": {"weak": 20, "strong": 40}}], r.json()
    expect_status(call("DELETE", f"/api/strategies/{s['id']}", u.token), 204)
    expect_error(call("GET", f"/api/strategies/{s['id']}", u.token), 404, "NOT_FOUND")
    expect_error(call("DELETE", f"/api/strategies/{s['id']}", u.token), 404, "NOT_FOUND")


def comps(*c):
    return {"components": list(c)}


BAD = [
    (comps(), "components"),
    (comps(*[{"name": n, "weight": 1} for n in (
        "trend", "rsi", "macd", "roc", "earnings_growth", "revenue_growth", "pe", "peg",
        "mean_reversion", "dividend_yield", "volatility", "stochastic", "adx")]),
     "components"),
    (comps({"name": "astrology", "weight": 1}), "components[0].name"),
    (comps({"name": "rsi"}), "components[0].weight"),
    (comps({"name": "rsi", "weight": 0}), "components[0].weight"),
    (comps({"name": "rsi", "weight": -5}), "components[0].weight"),
    (comps({"name": "rsi", "weight": "10"}), "components[0].weight"),
    (comps({"name": "rsi", "weight": 5000}), "components[0].weight"),
    (comps({"name": "rsi", "weight": 1}, {"name": "rsi", "weight": 2}),
     "components[1].name"),
    (comps({"name": "rsi", "weight": 1, "params": {"low": 60}}),
     "components[0].params.low"),
    (comps({"name": "rsi", "weight": 1, "params": {"high": 200}}),
     "components[0].params.high"),
    (comps({"name": "rsi", "weight": 1, "params": {"period": 3}}), "components[0].params"),
    (comps({"name": "trend", "weight": 1, "params": {"x": 1}}), "components[0].params"),
    (comps({"name": "rsi", "weight": 1, "params": {"low": "30"}}), "components[0].params"),
    (comps({"name": "rsi", "weight": 1, "params": [30]}), "components[0].params"),
    (comps({"name": "rsi", "weight": 1, "colour": "red"}), "components[0]"),
    (comps({"name": "rsi", "weight": 1}, "rsi"), "components[1]"),
    ({"components": {"name": "rsi", "weight": 1}}, "components"),
    ({"buy_at": 30, "sell_at": 40}, "sell_at"),
    ({"buy_at": 50, "sell_at": 50}, "sell_at"),
    ({"buy_at": 101}, "buy_at"),
    ({"sell_at": -1}, "sell_at"),
    ({"name": ""}, "name"),
    ({"name": "x" * 101}, "name"),
    ({"name": "bad\u0001name"}, "name"),
    ({"name": 7}, "name"),
    ({"colour": "red"}, "colour"),
]


@test
def bad_strategies_are_refused_naming_the_field_and_write_nothing():
    u = new_user(tag="strategy")
    for change, field in BAD:
        body = dict(GOOD, **change)
        expect_error(call("POST", "/api/strategies", u.token, body=body), 422,
                     "VALIDATION_FAILED", field)
    for missing in ("name", "components"):
        body = {k: v for k, v in GOOD.items() if k != missing}
        expect_error(call("POST", "/api/strategies", u.token, body=body), 422,
                     "VALIDATION_FAILED", missing)
    hdrs = {"Content-Type": "application/json"}
    expect_error(call("POST", "/api/strategies", u.token, raw_body=b'{"name": [',
                      headers=hdrs), 400, "INVALID_JSON")
    expect_error(call("POST", "/api/strategies", u.token,
                      raw_body=b'{"name": "\xff", "components": []}', headers=hdrs),
                 400, "INVALID_JSON")
    injected = dict(GOOD, name="x'); DROP TABLE user_strategies; --")
    s = create(u.token, injected)
    assert s["name"] == injected["name"]
    assert sql_value("SELECT count(*) FROM user_strategies WHERE user_id = :'p1'",
                     u.id) == "1"
    # a change checked whole: thresholds against the stored ones; nothing written
    expect_error(call("PATCH", f"/api/strategies/{s['id']}", u.token,
                      body={"sell_at": 60}), 422, "VALIDATION_FAILED", "sell_at")
    expect_error(call("PATCH", f"/api/strategies/{s['id']}", u.token,
                      body={"name": "ok", "components": [{"name": "pe", "weight": 1,
                                                          "params": {"best": 50}}]}),
                 422, "VALIDATION_FAILED", "components[0].params.best")
    r = call("GET", f"/api/strategies/{s['id']}", u.token)
    assert r.json() == s, r.json()


@test
def another_users_strategy_does_not_exist():
    u, other = new_user(tag="strategy"), new_user(tag="strategy")
    s = create(u.token)
    for method, body in (("GET", None), ("PATCH", {"name": "mine"}), ("DELETE", None)):
        expect_error(call(method, f"/api/strategies/{s['id']}", other.token, body=body),
                     404, "NOT_FOUND")
    assert call("GET", "/api/strategies", other.token).json()["items"] == []
    expect_error(call("GET", "/api/strategies/abc", u.token), 404, "NOT_FOUND")
    r = call("GET", f"/api/strategies/{s['id']}", u.token)
    assert r.json()["name"] == GOOD["name"]


@test
def the_tier_limits_how_many_strategies_a_user_keeps():
    u = new_user(tag="strategy")
    limit = int(sql_value("SELECT daily_limit FROM tier_quotas WHERE tier = 'free' "
                          "AND quota_class = 'strategies'"))
    for _ in range(limit):
        create(u.token)
    expect_error(call("POST", "/api/strategies", u.token, body=GOOD), 409, "CONFLICT")
    assert sql_value("SELECT count(*) FROM user_strategies WHERE user_id = :'p1'",
                     u.id) == str(limit)
    sql("UPDATE users SET tier = 'pro' WHERE id = :'p1'", u.id)
    create(u.token)


def momentum_alike(token, **change):
    """A user strategy with the momentum strategy's components and defaults."""
    body = {"name": "My momentum", "components": [
        {"name": "trend", "weight": 35}, {"name": "rsi", "weight": 20},
        {"name": "macd", "weight": 25}, {"name": "roc", "weight": 20}]}
    body.update(change)
    return create(token, body)


@test
def a_user_strategy_scores_an_analysis_and_a_run():
    demo_loaded()
    u, other = new_user(tag="strategy"), new_user(tag="strategy")
    same = momentum_alike(u.token)
    r = call("GET", "/api/stock-analysis?symbol=%5EGSPC&strategy=momentum", u.token)
    expect_status(r, 200)
    builtin = r.json()
    r = call("GET", f"/api/stock-analysis?symbol=%5EGSPC&strategy={same['strategy']}",
             u.token)
    expect_status(r, 200)
    mine = r.json()
    # the same components and thresholds score the same as the built-in one
    assert mine["strategy"] == same["strategy"], mine["strategy"]
    assert mine["score"] == builtin["score"] and mine["components"] == builtin["components"]
    # its own parameters and thresholds change the outcome
    strict = momentum_alike(u.token, buy_at=99, sell_at=98,
                            components=[{"name": "roc", "weight": 1,
                                         "params": {"points_per_percent": 0.5}}])
    r = call("POST", "/api/v1/run", u.token,
             body={"symbols": ["^GSPC", "AAPL"], "strategy": strict["strategy"]})
    expect_status(r, 200)
    run = r.json()
    assert run["strategy"] == strict["strategy"] and run["count"] == 2, run
    for s in run["signals"]:
        assert s["recommendation"] == "sell" and s["signal_id"] is None, s
    r = call("GET", f"/api/stock-analysis?symbol=AAPL&strategy={strict['strategy']}",
             u.token)
    roc = r.json()["components"][0]
    assert roc["name"] == "roc" and r.json()["thresholds"] == {"buy": 99, "sell": 98}
    assert roc["score"] == round(min(100, max(0, 50 + 0.5 * roc["value"])), 2), roc
    # another user's strategy, or none, is a 422 on strategy
    for name in (same["strategy"], "user:999999999", "user:0", "user:x"):
        expect_error(call("GET", f"/api/stock-analysis?symbol=AAPL&strategy={name}",
                          other.token), 422, "VALIDATION_FAILED", "strategy")
        expect_error(call("POST", "/api/v1/run", other.token,
                          body={"symbols": ["AAPL"], "strategy": name}),
                     422, "VALIDATION_FAILED", "strategy")


@test
def a_user_strategy_backtests_as_it_was_when_queued():
    demo_loaded()
    u, other = new_user(tag="strategy"), new_user(tag="strategy")
    mine = momentum_alike(u.token)
    body = {"symbols": ["^GSPC"], "from": "2010-01-04", "to": "2015-12-31",
            "exit": ["sell_signal"]}
    builtin = backtest(u.token, dict(body, strategy="momentum"))
    r = call("POST", "/api/backtests", u.token, body=dict(body, strategy=mine["strategy"]))
    expect_status(r, 202)
    assert r.json()["params"]["spec"]["components"] == mine["components"], r.json()
    bid = r.json()["id"]
    # a change after queuing does not change the backtest
    expect_status(call("PATCH", f"/api/strategies/{mine['id']}", u.token,
                       body={"buy_at": 99}), 200)
    run_worker()
    b = wait_for(lambda: finished(u.token, bid), timeout=60, interval=0.2)
    assert b and b["status"] == "done", b
    one, ref = b["result"]["results"][0], builtin["result"]["results"][0]
    assert b["result"]["strategy"] == mine["strategy"]
    assert one["trades"] == ref["trades"] and len(one["trades"]) > 0, one["strategy"]
    expect_error(call("POST", "/api/backtests", other.token,
                      body=dict(body, strategy=mine["strategy"])),
                 422, "VALIDATION_FAILED", "strategy")
    expect_error(call("POST", "/api/backtests", u.token,
                      body=dict(body, strategy=mine["strategy"], spec={})),
                 422, "VALIDATION_FAILED", "spec")


@test
def readme_examples_run_as_written():
    demo_loaded()
    u = new_user(tag="strategy")
    with open(os.path.join(HERE, "..", "..", "README.md")) as f:
        text = f.read()
    start = text.index("## Strategies")
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
        return json.loads(p.stdout)

    names = [c["name"] for c in sh(commands[0])["items"]]
    assert "stochastic" in names and "obv_trend" in names, names
    s = sh(commands[1])
    assert s["strategy"] == f"user:{s['id']}" and s["buy_at"] == 60, s
    env["ID"] = str(s["id"])
    a = sh(commands[2])
    assert a["strategy"] == s["strategy"] and a["thresholds"] == {"buy": 60, "sell": 40}, a
    assert [c["name"] for c in a["components"]] == ["stochastic", "obv_trend", "rsi"]
