"""Stock analysis, async tasks, batch signals and search history against the
real stack, on the real S&P 500 series stored as ^GSPC (latest bar
2020-04-17, close 2874.560059): exact indicator values (the golden files),
exact component scores, the cache (MISS, HIT, STALE), tasks queued for the
worker, signals stored once, quotas, other users' data, and bad input."""

import datetime
import urllib.parse

from accounts import sql, sql_value
from analysis_lib import (call, ensure_gspc, golden_last, import_rows, new_user,
                          random_symbol, sp500_rows, symbol_id)
from lib import expect_error, expect_status, test

GSPC = urllib.parse.quote("^GSPC")
LAST_DAY = "2020-04-17"


def q(symbol):
    return urllib.parse.quote(symbol, safe="")


# the reply rounds what it shows: prices to the provider's 6 decimals,
# percentages, RSI, stochastic and ADX to 2, %B to 4
P2, P4 = 0.005 + 1e-9, 0.00005 + 1e-9


def near(got, want, tol=1e-6):
    assert got is not None and abs(got - want) <= tol, f"{got} != {want}"


def numbers(v):
    """Every float in the JSON value v."""
    if isinstance(v, dict):
        return [x for e in v.values() for x in numbers(e)]
    if isinstance(v, list):
        return [x for e in v for x in numbers(e)]
    return [v] if isinstance(v, float) else []


def comp(reply, name):
    for c in reply["components"]:
        if c["name"] == name:
            return c
    raise AssertionError(f"no component {name} in {reply['components']}")


def r2(x):
    return round(x + 0.0, 2)


def fresh_copy(n=None):
    """The S&P series (its last n bars) stored under a new symbol."""
    sym = random_symbol()
    rows = sp500_rows()
    import_rows(sym, rows[-n:] if n else rows)
    return sym


def history_of(uid):
    return sql("SELECT symbol, strategy, mode, status, coalesce(task_id::text, ''), "
               "coalesce(error_code, ''), coalesce(cache, '') FROM search_history "
               "WHERE user_id = :'p1' ORDER BY id", uid)


@test
def analysis_of_the_sp500_gives_its_real_numbers():
    ensure_gspc()
    u = new_user()
    r = u.get(f"/api/stock-analysis?symbol={GSPC}&strategy=momentum")
    expect_status(r, 200)
    assert r.header("x-cache") in ("MISS", "HIT"), r.headers
    assert r.header("x-ratelimit-limit") == "50", r.headers      # free tier, analysis
    assert r.header("x-ratelimit-remaining") == "49", r.headers
    a = r.json()
    assert a["symbol"] == "^GSPC" and a["strategy"] == "momentum", a
    assert a["date"] == LAST_DAY and a["close"] == 2874.560059, a
    assert a["bars"] == 5105
    ind = a["indicators"]
    sma, ema, rsi = golden_last("sma"), golden_last("ema"), golden_last("rsi")
    macd, bb, atr = golden_last("macd"), golden_last("bbands"), golden_last("atr")
    stoch, roc, adx, obv = (golden_last("stoch"), golden_last("roc"), golden_last("adx"),
                            golden_last("obv"))
    near(ind["sma20"], sma["sma20"])
    near(ind["sma200"], sma["sma200"])
    closes = [float(row["close"]) for row in sp500_rows()]
    near(ind["sma50"], sum(closes[-50:]) / 50)
    near(ind["ema12"], ema["ema12"])
    near(ind["ema26"], ema["ema26"])
    near(ind["rsi14"], rsi["rsi14"], P2)
    near(ind["macd"]["macd"], macd["macd"])
    near(ind["macd"]["signal"], macd["signal"])
    near(ind["macd"]["hist"], macd["hist"])
    near(ind["bollinger"]["upper"], bb["upper"])
    near(ind["bollinger"]["mid"], bb["mid"])
    near(ind["bollinger"]["lower"], bb["lower"])
    near(ind["bollinger"]["percent_b"],
         (2874.560059 - bb["lower"]) / (bb["upper"] - bb["lower"]), P4)
    near(ind["atr14"], atr["atr14"])
    near(ind["atr_percent"], 100 * atr["atr14"] / 2874.560059, P2)
    near(ind["stochastic"]["k"], stoch["k"], P2)
    near(ind["stochastic"]["d"], stoch["d"], P2)
    near(ind["roc10"], roc["roc10"], P2)
    near(ind["adx14"]["adx"], adx["adx"], P2)
    near(ind["adx14"]["plus_di"], adx["plus_di"], P2)
    near(ind["adx14"]["minus_di"], adx["minus_di"], P2)
    assert ind["obv"]["value"] == obv["obv"] and ind["obv"]["trend"] == "rising", ind["obv"]

    # close above SMA20 and SMA50, below SMA200, SMA50 below SMA200: 2 of 4
    assert comp(a, "trend")["value"] == 2 and comp(a, "trend")["score"] == 50
    rsi_score = 2.5 * (rsi["rsi14"] - 30)
    near(comp(a, "rsi")["score"], r2(rsi_score), 1e-9)
    assert comp(a, "macd")["score"] == 100 and comp(a, "roc")["score"] == 100
    for name, w in (("trend", 35), ("rsi", 20), ("macd", 25), ("roc", 20)):
        c = comp(a, name)
        assert c["available"] is True and c["weight"] == w and c["base_weight"] == w, c
        assert isinstance(c["explanation"], str) and len(c["explanation"]) > 20, c
    want = r2((35 * 50 + 20 * rsi_score + 25 * 100 + 20 * 100) / 100)
    assert a["score"] == want == 76.18, (a["score"], want)
    assert a["recommendation"] == "buy" and a["missing"] == []
    assert a["thresholds"] == {"buy": 65, "sell": 35} and a["version"] == 2
    # every input there; 76.18 is 11.18 points from 65: high confidence
    assert a["coverage"] == 1 and a["confidence"] == "high", a
    # the score is the sum of the parts shown
    assert [comp(a, n)["contribution"] for n in ("trend", "macd", "roc")] == [17.5, 25, 20]
    assert r2(sum(c["contribution"] for c in a["components"])) == a["score"]
    # no float noise: every number has at most the provider's 6 decimals
    for x in numbers(a):
        assert "e" not in repr(x) and len(repr(x).partition(".")[2]) <= 6, x
    f = a["freshness"]
    today = datetime.datetime.now(datetime.timezone.utc).date()
    assert f["latest_bar"] == LAST_DAY and f["source"] == "csv", f
    assert f["age_days"] == (today - datetime.date(2020, 4, 17)).days, f
    # years old: stale by the market calendar, though no refresh failed
    assert f["stale"] is True and f["refreshed"] is False, f
    assert f["note"] == f"the latest bar is {f['age_days']} days old: more than one " \
        "weekday passed since", f
    # the call is in the user's history
    assert history_of(u.id) == [["^GSPC", "momentum", "sync", "200", "", "",
                                 r.header("x-cache")]]


@test
def missing_fundamentals_are_left_out_not_invented():
    ensure_gspc()
    u = new_user("pro")
    a = u.post("/api/stock-analysis", body={"symbol": "^GSPC", "strategy": "growth"}).json()
    assert a["missing"] == ["earnings_growth", "revenue_growth"], a["missing"]
    for name in ("earnings_growth", "revenue_growth"):
        c = comp(a, name)
        assert c["available"] is False and c["value"] is None and c["score"] is None, c
        assert c["weight"] == 0 and c["base_weight"] in (35, 30), c
    assert comp(a, "trend")["weight"] == 100 and a["score"] == 50
    # 35 % of the growth weight had data: a score, but no firm recommendation
    assert a["coverage"] == 0.35 and a["confidence"] == "insufficient", a
    assert a["recommendation"] is None

    v = u.get(f"/api/stock-analysis?symbol={GSPC}&strategy=value").json()
    assert v["missing"] == ["pe", "peg"], v["missing"]
    pctb = v["indicators"]["bollinger"]["percent_b"]
    assert comp(v, "mean_reversion")["weight"] == 100
    near(v["score"], r2(100 * (1 - pctb)), 0.011)
    assert v["recommendation"] is None and v["coverage"] == 0.35, v

    d = u.get(f"/api/stock-analysis?symbol={GSPC}&strategy=dividend").json()
    assert d["missing"] == ["dividend_yield"], d["missing"]
    atr_pct = comp(d, "volatility")["value"]
    near(d["score"], r2(100 * (4 - atr_pct) / 3), 0.011)
    assert d["recommendation"] is None and d["coverage"] == 0.5, d
    assert d["confidence"] == "insufficient"


@test
def stored_fundamentals_are_scored():
    sym = fresh_copy(300)
    sid = symbol_id(sym)
    sql("INSERT INTO fundamentals (symbol_id, source, pe, peg, dividend_yield, "
        "earnings_growth, revenue_growth) VALUES (:'p1', 'alphavantage', 25, 2, 0.03, "
        "0.1, -0.04)", sid)
    u = new_user("pro")
    v = u.get(f"/api/stock-analysis?symbol={q(sym)}&strategy=value").json()
    assert v["missing"] == [], v
    assert comp(v, "pe")["value"] == 25 and comp(v, "pe")["score"] == 50
    assert comp(v, "peg")["value"] == 2 and comp(v, "peg")["score"] == 50
    mr = comp(v, "mean_reversion")
    assert [comp(v, n)["weight"] for n in ("pe", "peg", "mean_reversion")] == [35, 30, 35]
    near(v["score"], r2((35 * 50 + 30 * 50 + 35 * mr["score"]) / 100), 0.011)
    g = u.get(f"/api/stock-analysis?symbol={q(sym)}&strategy=growth").json()
    assert comp(g, "earnings_growth")["score"] == 75 and comp(g, "revenue_growth")["score"] == 40
    assert g["missing"] == []
    d = u.get(f"/api/stock-analysis?symbol={q(sym)}&strategy=dividend").json()
    assert comp(d, "dividend_yield")["score"] == 50 and d["missing"] == []


@test
def a_short_history_redistributes_the_trend_weight():
    sym = fresh_copy(40)
    u = new_user("pro")
    a = u.get(f"/api/stock-analysis?symbol={q(sym)}&strategy=momentum").json()
    assert a["bars"] == 40 and a["indicators"]["sma50"] is None, a["indicators"]
    assert a["indicators"]["sma200"] is None and a["missing"] == ["sma50"]
    t = comp(a, "trend")
    assert t["available"] is False and t["weight"] == 0 and t["score"] is None
    assert [comp(a, n)["weight"] for n in ("rsi", "macd", "roc")] == \
        [r2(2000 / 65), r2(2500 / 65), r2(2000 / 65)]
    total = sum(comp(a, n)["base_weight"] * comp(a, n)["score"] for n in ("rsi", "macd", "roc"))
    near(a["score"], r2(total / 65), 0.011)


@test
def the_cache_answers_miss_then_hit_with_the_same_body():
    sym = fresh_copy(260)
    u = new_user("pro")
    path = f"/api/stock-analysis?symbol={q(sym)}&strategy=momentum"
    first, second = u.get(path), u.get(path)
    expect_status(first, 200)
    expect_status(second, 200)
    assert first.header("x-cache") == "MISS" and second.header("x-cache") == "HIT"
    assert first.body == second.body
    third = u.post("/api/stock-analysis", body={"symbol": sym, "strategy": "momentum"})
    assert third.header("x-cache") == "HIT" and third.body == first.body
    other = u.get(f"/api/stock-analysis?symbol={q(sym)}&strategy=value")
    assert other.header("x-cache") == "MISS"
    assert [h[6] for h in history_of(u.id)] == ["MISS", "HIT", "HIT", "MISS"]
    rows = sql("SELECT strategy, data_day::text, version, score::text, recommendation "
               "FROM analyses WHERE symbol_id = :'p1' ORDER BY strategy", symbol_id(sym))
    m = first.json()
    assert rows[0][0] == "momentum" and rows[0][1] == m["date"] and rows[0][2] == "2"
    assert float(rows[0][3]) == m["score"] and rows[0][4] == m["recommendation"]
    assert [r[0] for r in rows] == ["momentum", "value"]


@test
def stale_prices_whose_refresh_fails_are_served_marked_stale():
    sym = fresh_copy(100)
    sid = symbol_id(sym)
    sql("UPDATE candles SET updated_at = now() - interval '7 hours' WHERE symbol_id = :'p1'",
        sid)
    u = new_user("pro")
    r = u.get(f"/api/stock-analysis?symbol={q(sym)}&strategy=momentum")
    expect_status(r, 200)
    assert r.header("x-cache") == "STALE", r.headers
    f = r.json()["freshness"]
    assert f["stale"] is True and f["refreshed"] is False, f
    assert f["note"].startswith("the refresh failed: "), f
    row = sql("SELECT status, attempted_at::text FROM market_refreshes WHERE symbol = :'p1'",
              sym)
    assert row and row[0][0] == "unavailable", row
    # within the retry time the failure stands: no new attempt, still stale
    r = u.get(f"/api/stock-analysis?symbol={q(sym)}&strategy=momentum")
    assert r.header("x-cache") == "STALE"
    assert r.json()["freshness"]["note"].startswith("the last refresh failed: ")
    assert [h[6] for h in history_of(u.id)] == ["STALE", "STALE"]
    assert sql("SELECT attempted_at::text FROM market_refreshes WHERE symbol = :'p1'",
               sym)[0][0] == row[0][1]
    r = call("GET", f"/api/candles?symbol={q(sym)}&from=2020-04-01", token=u.token)
    assert r.header("x-cache") == "STALE" and r.json()["freshness"]["stale"] is True


@test
def an_unknown_symbol_without_data_is_a_provider_error_and_stores_nothing():
    u = new_user()
    sym = random_symbol("Z")
    r = u.get(f"/api/stock-analysis?symbol={sym}&strategy=momentum")
    expect_error(r, 502, "PROVIDER_UNAVAILABLE")
    assert sym in r.json()["error"]["message"]
    assert symbol_id(sym) is None
    assert sql_value("SELECT status FROM market_refreshes WHERE symbol = :'p1'", sym) == \
        "unavailable"
    assert history_of(u.id) == [[sym, "momentum", "sync", "502", "", "PROVIDER_UNAVAILABLE",
                                 ""]]


@test
def async_analysis_is_queued_with_a_location():
    u, other = new_user(), new_user()
    r = u.get(f"/api/stock-analysis?symbol={GSPC}&strategy=value&async=true")
    expect_status(r, 202)
    body = r.json()
    tid = body["task_id"]
    assert body == {"task_id": tid, "status": "queued", "symbol": "^GSPC", "strategy": "value"}
    assert r.header("location") == f"/api/tasks/{tid}"
    t = u.get(r.header("location"))
    expect_status(t, 200)
    t = t.json()
    assert t["id"] == tid and t["status"] == "queued" and t["kind"] == "analysis", t
    assert t["params"] == {"symbol": "^GSPC", "strategy": "value"}
    assert t["result"] is None and t["error"] is None and t["attempts"] == 0
    assert t["started_at"] is None and t["finished_at"] is None and t["created_at"]
    assert sql("SELECT user_id::text, status FROM tasks WHERE id = :'p1'", tid) == \
        [[str(u.id), "queued"]]
    # another user's task does not exist for them
    expect_error(other.get(f"/api/tasks/{tid}"), 404, "NOT_FOUND")
    r = u.post("/api/stock-analysis", body={"symbol": "^GSPC", "strategy": "growth",
                                            "async": True})
    expect_status(r, 202)
    tid2 = r.json()["task_id"]
    assert tid2 > tid and r.header("location") == f"/api/tasks/{tid2}"
    r = u.post("/api/stock-analysis", body={"symbol": "^GSPC", "strategy": "growth",
                                            "async": False})
    expect_status(r, 200)
    assert history_of(u.id) == [["^GSPC", "value", "async", "202", str(tid), "", ""],
                                ["^GSPC", "growth", "async", "202", str(tid2), "", ""],
                                ["^GSPC", "growth", "sync", "200", "", "", r.header("x-cache")]]
    for path in ("/api/tasks/0", "/api/tasks/-1", "/api/tasks/abc",
                 "/api/tasks/99999999999999999999", "/api/tasks/1%20OR%201=1"):
        expect_error(u.get(path), 404, "NOT_FOUND")
    expect_error(u.get(f"/api/tasks/{tid}?x=1"), 422, "VALIDATION_FAILED", "x")
    expect_error(call("GET", f"/api/tasks/{tid}"), 401, "UNAUTHORIZED")


@test
def run_gives_a_signal_per_symbol_and_errors_inline():
    ensure_gspc()
    sym = fresh_copy(300)
    unknown = random_symbol("Z")
    u = new_user("pro")
    r = u.post("/api/v1/run", body={"symbols": ["^GSPC", sym, unknown], "strategy": "momentum"})
    expect_status(r, 200)
    assert r.header("x-ratelimit-limit") == "1000", r.headers     # pro tier, run
    b = r.json()
    assert b["strategy"] == "momentum" and b["count"] == 3 and b["errors"] == 1, b
    g, s, z = b["signals"]
    assert g["symbol"] == "^GSPC" and g["date"] == LAST_DAY and g["close"] == 2874.560059
    assert g["score"] == 76.18 and g["recommendation"] == "buy" and g["signal_id"] > 0, g
    assert s["symbol"] == sym and s["signal_id"] > 0 and s["recommendation"] in \
        ("buy", "hold", "sell")
    assert z == {"symbol": unknown, "error": z["error"]}, z
    assert z["error"]["code"] == "PROVIDER_UNAVAILABLE" and unknown in z["error"]["message"]
    rows = sql("SELECT id::text, day::text, score::text, recommendation, source, "
               "indicators->>'rsi14' FROM signals WHERE symbol_id = :'p1' "
               "AND strategy = 'momentum'", symbol_id("^GSPC"))
    assert len(rows) == 1 and rows[0][:5] == [str(g["signal_id"]), LAST_DAY, "76.18", "buy",
                                              "run"], rows
    near(float(rows[0][5]), golden_last("rsi")["rsi14"], P2)
    # the same day again: the same signal, not a second one
    again = u.post("/api/v1/run", body={"symbols": ["^GSPC"], "strategy": "momentum"}).json()
    assert again["signals"][0]["signal_id"] == g["signal_id"]
    assert sql_value("SELECT count(*) FROM signals WHERE symbol_id = :'p1' AND "
                     "strategy = 'momentum'", symbol_id("^GSPC")) == "1"
    assert symbol_id(unknown) is None


@test
def run_caps_symbols_by_tier():
    free, pro = new_user(), new_user("pro")
    eleven = [random_symbol("Z") for _ in range(11)]
    r = free.post("/api/v1/run", body={"symbols": eleven, "strategy": "value"})
    err = expect_error(r, 422, "VALIDATION_FAILED", "symbols")
    assert "at most 10 symbols" in err["message"] and "free" in err["message"], err
    assert r.header("x-ratelimit-limit") == "10"       # free tier, run
    r = pro.post("/api/v1/run", body={"symbols": [random_symbol("Z") for _ in range(51)],
                                      "strategy": "value"})
    err = expect_error(r, 422, "VALIDATION_FAILED", "symbols")
    assert "at most 50" in err["message"], err
    ten = eleven[:10]
    r = free.post("/api/v1/run", body={"symbols": ten, "strategy": "value"})
    expect_status(r, 200)
    assert r.json()["count"] == 10 and r.json()["errors"] == 10


@test
def run_rejects_bad_bodies_and_stores_nothing():
    u = new_user("pro")
    before = sql_value("SELECT count(*) FROM signals")
    bad = [
        ({"symbols": ["^GSPC", "^GSPC"], "strategy": "momentum"}, "symbols", "repeats"),
        ({"symbols": [], "strategy": "momentum"}, "symbols", "at least 1"),
        ({"symbols": ["a-"], "strategy": "momentum"}, "symbols", "symbols[0]"),
        ({"symbols": ["^GSPC", "^gspc"], "strategy": "momentum"}, "symbols", "repeats"),
        ({"symbols": ["^GSPC", 7], "strategy": "momentum"}, "symbols", "symbols[1]"),
        ({"symbols": ["^GSPC", None], "strategy": "momentum"}, "symbols", "symbols[1]"),
        ({"symbols": ["'; DROP TABLE signals; --"], "strategy": "momentum"}, "symbols", None),
        ({"symbols": "^GSPC", "strategy": "momentum"}, "symbols", None),
        ({"symbols": ["^GSPC"]}, "strategy", None),
        ({"symbols": ["^GSPC"], "strategy": "Momentum"}, "strategy", None),
        ({"symbols": ["^GSPC"], "strategy": 1}, "strategy", None),
        ({"strategy": "momentum"}, "symbols", None),
        ({"symbols": ["^GSPC"], "strategy": "value", "extra": 1}, "extra", None),
    ]
    for body, field, words in bad:
        err = expect_error(u.post("/api/v1/run", body=body), 422, "VALIDATION_FAILED", field)
        assert words is None or words in err["message"], (body, err)
    expect_error(u.post("/api/v1/run", raw_body=b'{"symbols":["^GSPC"],',
                        headers={"Content-Type": "application/json"}), 400, "INVALID_JSON")
    expect_error(u.post("/api/v1/run", raw_body=b'["^GSPC"]',
                        headers={"Content-Type": "application/json"}), 400, "INVALID_JSON")
    expect_error(u.post("/api/v1/run", raw_body=b'symbols=^GSPC',
                        headers={"Content-Type": "application/x-www-form-urlencoded"}),
                 415, "UNSUPPORTED_MEDIA_TYPE")
    expect_error(call("POST", "/api/v1/run", body={"symbols": ["^GSPC"], "strategy": "value"}),
                 401, "UNAUTHORIZED")
    assert sql_value("SELECT count(*) FROM signals") == before


@test
def bad_analysis_input_is_refused_and_leaves_no_trace():
    u = new_user("pro")
    refreshes = "SELECT count(*) FROM market_refreshes WHERE symbol IN ('AAPL', 'MSFT') " \
                "AND attempted_at > now() - interval '1 minute'"
    assert sql_value(refreshes) == "0"     # (the demo loads AAPL, but not just now)
    bad_get = [
        ("strategy=momentum", "symbol"),
        ("symbol=&strategy=momentum", "symbol"),
        ("symbol=aapl.&strategy=momentum", "symbol"),
        ("symbol=ABCDEFGHIJK&strategy=momentum", "symbol"),
        ("symbol=A%20B&strategy=momentum", "symbol"),
        ("symbol=%5E&strategy=momentum", "symbol"),
        ("symbol=AAPL.&strategy=momentum", "symbol"),
        ("symbol=%C3%84APL&strategy=momentum", "symbol"),
        ("symbol=" + q("AAPL' OR '1'='1") + "&strategy=momentum", "symbol"),
        ("symbol=" + q("<script>") + "&strategy=momentum", "symbol"),
        ("symbol=AAPL", "strategy"),
        ("symbol=AAPL&strategy=", "strategy"),
        ("symbol=AAPL&strategy=MOMENTUM", "strategy"),
        ("symbol=AAPL&strategy=" + q("momentum; DROP TABLE tasks"), "strategy"),
        ("symbol=AAPL&strategy=value&async=1", "async"),
        ("symbol=AAPL&strategy=value&async=yes", "async"),
        ("symbol=AAPL&symbol=MSFT&strategy=value", "symbol"),
        ("symbol=AAPL&strategy=value&debug=1", "debug"),
    ]
    for query, field in bad_get:
        r = u.get(f"/api/stock-analysis?{query}")
        expect_error(r, 422, "VALIDATION_FAILED", field)
    expect_error(u.get("/api/stock-analysis?symbol=AAPL%00&strategy=value"), 400,
                 "BAD_REQUEST", "query")
    expect_error(u.get("/api/stock-analysis?symbol=%FF&strategy=value"), 400, "BAD_REQUEST")
    bad_post = [
        ({"strategy": "momentum"}, "symbol"),
        ({"symbol": 42, "strategy": "momentum"}, "symbol"),
        ({"symbol": None, "strategy": "momentum"}, "symbol"),
        ({"symbol": ["AAPL"], "strategy": "momentum"}, "symbol"),
        ({"symbol": "aapl-", "strategy": "momentum"}, "symbol"),
        ({"symbol": "A" * 100, "strategy": "momentum"}, "symbol"),
        ({"symbol": "AAPL"}, "strategy"),
        ({"symbol": "AAPL", "strategy": "income"}, "strategy"),
        ({"symbol": "AAPL", "strategy": True}, "strategy"),
        ({"symbol": "AAPL", "strategy": "value", "async": "true"}, "async"),
        ({"symbol": "AAPL", "strategy": "value", "async": 1}, "async"),
        ({"symbol": "AAPL", "strategy": "value", "force": True}, "force"),
    ]
    for body, field in bad_post:
        expect_error(u.post("/api/stock-analysis", body=body), 422, "VALIDATION_FAILED", field)
    for raw in (b'{"symbol":"AAPL","strategy":"value"', b'', b'null', b'"AAPL"',
                b'{"symbol":"AAPL","strategy":"value",}', b'{"symbol":"\xff"}',
                b'{"symbol":NaN}'):
        r = u.post("/api/stock-analysis", raw_body=raw,
                   headers={"Content-Type": "application/json"})
        expect_error(r, 400, "INVALID_JSON")
    expect_error(u.post("/api/stock-analysis", raw_body=b'{"symbol":"AAPL"}',
                        headers={"Content-Type": "text/plain"}), 415, "UNSUPPORTED_MEDIA_TYPE")
    expect_error(call("GET", f"/api/stock-analysis?symbol={GSPC}&strategy=value"), 401,
                 "UNAUTHORIZED")
    expect_error(call("DELETE", "/api/stock-analysis", token=u.token), 405,
                 "METHOD_NOT_ALLOWED")
    assert history_of(u.id) == []
    assert sql_value("SELECT count(*) FROM tasks WHERE user_id = :'p1'", u.id) == "0"
    assert sql_value(refreshes) == "0"


@test
def search_history_pages_newest_first_and_clears():
    ensure_gspc()
    u, other = new_user("pro"), new_user()
    calls = [("momentum", False), ("value", True), ("growth", False), ("dividend", True),
             ("momentum", False)]
    for strategy, is_async in calls:
        r = u.post("/api/stock-analysis", body={"symbol": "^GSPC", "strategy": strategy,
                                                "async": is_async})
        expect_status(r, 202 if is_async else 200)
    other.get(f"/api/stock-analysis?symbol={GSPC}&strategy=value")
    seen, cursor, pages = [], None, 0
    while True:
        r = u.get("/api/search-history?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        expect_status(r, 200)
        page = r.json()
        pages += 1
        assert set(page) == {"items", "next_cursor"} and len(page["items"]) <= 2, page
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert isinstance(cursor, str)
    assert pages == 3
    assert [i["strategy"] for i in seen] == [c[0] for c in reversed(calls)]
    assert [i["mode"] for i in seen] == ["async" if c[1] else "sync" for c in reversed(calls)]
    ids = [i["id"] for i in seen]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == 5
    first = seen[0]
    assert first["symbol"] == "^GSPC" and first["status"] == 200 and first["score"] == 76.18
    assert first["recommendation"] == "buy" and first["task_id"] is None
    assert first["error_code"] is None and first["created_at"].endswith("Z")
    assert first["cache"] in ("HIT", "MISS") and seen[1]["cache"] is None
    assert seen[1]["status"] == 202 and seen[1]["task_id"] > 0 and seen[1]["score"] is None
    # the default page, and other users' entries stay out of it
    r = u.get("/api/search-history").json()
    assert len(r["items"]) == 5 and r["next_cursor"] is None
    assert [i["strategy"] for i in other.get("/api/search-history").json()["items"]] == \
        ["value"]
    for query, field in (("limit=0", "limit"), ("limit=101", "limit"), ("limit=abc", "limit"),
                         ("limit=-1", "limit"), ("limit=01", "limit"), ("cursor=0", "cursor"),
                         ("cursor=abc", "cursor"), ("cursor=1%27%20OR%201=1", "cursor"),
                         ("page=2", "page"), ("limit=2&limit=3", "limit")):
        expect_error(u.get(f"/api/search-history?{query}"), 422, "VALIDATION_FAILED", field)
    expect_error(u.delete("/api/search-history?all=1"), 422, "VALIDATION_FAILED", "all")
    assert len(history_of(u.id)) == 5
    r = u.delete("/api/search-history")
    expect_status(r, 204)
    assert r.body == b""
    assert u.get("/api/search-history").json()["items"] == [] and history_of(u.id) == []
    assert len(other.get("/api/search-history").json()["items"]) == 1
    assert len(history_of(other.id)) == 1
    expect_status(u.delete("/api/search-history"), 204)
    expect_error(call("GET", "/api/search-history"), 401, "UNAUTHORIZED")
    expect_error(call("DELETE", "/api/search-history"), 401, "UNAUTHORIZED")


@test
def candles_for_charts_are_the_stored_bars():
    ensure_gspc()
    u = new_user()
    r = u.get(f"/api/candles?symbol={GSPC}&from=2020-04-13&to=2020-04-17")
    expect_status(r, 200)
    b = r.json()
    rows = [row for row in sp500_rows() if "2020-04-13" <= row["date"] <= "2020-04-17"]
    assert b["symbol"] == "^GSPC" and b["count"] == len(rows) == 5, b
    assert b["from"] == "2020-04-13" and b["to"] == "2020-04-17"
    assert b["dates"] == [row["date"] for row in rows]
    for col in ("open", "high", "low", "close", "adjclose"):
        assert b[col] == [float(row[col]) for row in rows], col
    assert b["volume"] == [int(row["volume"]) for row in rows]
    assert b["freshness"]["latest_bar"] == LAST_DAY
    assert u.get(f"/api/candles?symbol={GSPC}").json()["count"] == 5105
    assert u.get(f"/api/candles?symbol={GSPC}&from=2030-01-01").json()["count"] == 0
    assert r.header("x-ratelimit-limit") == "1000", r.headers     # free tier, default
    for query, field in (("from=2020-01-01", "symbol"),
                         (f"symbol={GSPC}&from=2020-04-17&to=2020-04-13", "from"),
                         (f"symbol={GSPC}&from=2020-02-30", "from"),
                         (f"symbol={GSPC}&to=2020-4-1", "to"),
                         (f"symbol={GSPC}&from=20200101", "from"),
                         (f"symbol={GSPC}&from=" + q("2020-01-01' OR 1=1"), "from"),
                         ("symbol=gspc-", "symbol"), (f"symbol={GSPC}&limit=5", "limit")):
        expect_error(u.get(f"/api/candles?{query}"), 422, "VALIDATION_FAILED", field)
    expect_error(u.get(f"/api/candles?symbol={random_symbol('Z')}"), 502,
                 "PROVIDER_UNAVAILABLE")
    expect_error(call("GET", f"/api/candles?symbol={GSPC}"), 401, "UNAUTHORIZED")


@test
def quotas_are_charged_per_class_and_enforced():
    ensure_gspc()
    u = new_user()
    for path, limit in ((f"/api/stock-analysis?symbol={GSPC}&strategy=value", "50"),
                        (f"/api/candles?symbol={GSPC}", "1000")):
        r = u.get(path)
        assert r.header("x-ratelimit-limit") == limit, (path, r.headers)
        assert r.header("x-ratelimit-reset") is not None
    sql("INSERT INTO quota_usage (user_id, quota_class, day, used) VALUES "
        "(:'p1', 'analysis', (now() AT TIME ZONE 'UTC')::date, 50) "
        "ON CONFLICT (user_id, quota_class, day) DO UPDATE SET used = 50", u.id)
    r = u.get(f"/api/stock-analysis?symbol={GSPC}&strategy=value")
    expect_error(r, 429, "QUOTA_EXCEEDED")
    assert r.header("x-ratelimit-remaining") == "0"
    r = u.post("/api/stock-analysis", body={"symbol": "^GSPC", "strategy": "value",
                                            "async": True})
    expect_error(r, 429, "QUOTA_EXCEEDED")
    # the refused calls left no history and no task
    assert len(history_of(u.id)) == 1
    assert sql_value("SELECT count(*) FROM tasks WHERE user_id = :'p1'", u.id) == "0"
    # another class is still open
    expect_status(u.get(f"/api/candles?symbol={GSPC}&from=2020-04-17"), 200)
