"""`edgescout market backfill SYMBOL [--bars N]` against the running stack:
the signals the analysis would have issued at each past bar, stored with
source backfill and the live indicators object, once (a second run writes
none); momentum always, value only without fundamentals; a bar whose
indicator is too young gives no signal; usage errors and unknown symbols.

Runs the operator's CLI as the stack's account; the signals written are
deleted at the end. Client addresses 127.22.0.1-250. Never reads or
changes models."""

import itertools
import json
import os
import uuid

from accounts import sql, sql_value
from analysis_lib import import_rows, random_symbol, sp500_rows
from lib import STACK, expect_status, request, run_as_stack_user, test

ADDRS = [f"127.22.0.{i}" for i in range(1, 251)]
_turn = itertools.count()
SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SAN_KEYS = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")
# the members of an analysis' "indicators" object (and of signals.indicators)
INDICATOR_KEYS = {"sma20", "sma50", "sma200", "ema12", "ema26", "rsi14", "macd",
                  "bollinger", "atr14", "atr_percent", "stochastic", "roc10", "adx14", "obv"}
_state = {}


def addr():
    return ADDRS[next(_turn) % len(ADDRS)]


def edgescout(*args):
    """The stack's edgescout command as its account; the finished process."""
    env = {"PATH": SAFE_PATH, "LANG": "C.UTF-8", "EDGESCOUT_ENV_FILE": STACK["ENV_FILE"]}
    env.update({k: os.environ[k] for k in SAN_KEYS if k in os.environ})
    return run_as_stack_user([os.path.join(STACK["BIN_DIR"], "edgescout")] + list(args),
                             env=env, cwd="/", timeout=120)


def backfill(*args):
    p = edgescout("market", "backfill", *args)
    assert p.returncode == 0, f"backfill {args}: exit {p.returncode}\n{p.stderr[-2000:]}"
    return p.stdout


def token():
    """A signed-in user's access token (one user for the module)."""
    if "token" not in _state:
        email = f"backfill-{uuid.uuid4().hex[:12]}@example.com"
        password = f"Violet canyon {uuid.uuid4().hex[:10]} drifts slowly"
        r = request("POST", "/api/auth/register", body={"email": email, "password": password},
                    source=addr())
        expect_status(r, 201)
        r = request("POST", "/api/auth/login", body={"email": email, "password": password},
                    source=addr())
        expect_status(r, 200)
        _state["token"] = r.json()["access_token"]
    return _state["token"]


def live_analysis(symbol, strategy):
    r = request("GET", f"/api/stock-analysis?symbol={symbol.replace('^', '%5E')}"
                f"&strategy={strategy}", headers={"Authorization": f"Bearer {token()}"},
                source=addr())
    expect_status(r, 200)
    return r.json()


def ensure_gspc():
    """The S&P 500 series as ^GSPC, as `make run` loads it (idempotent)."""
    p = edgescout("market", "demo")
    assert p.returncode == 0, f"market demo: exit {p.returncode}\n{p.stderr[-2000:]}"


def signal_rows(symbol, where="true", *params):
    """(strategy, day, close, score, recommendation, source, version,
    indicators) of symbol's signals matching where, by day and strategy."""
    rows = sql("SELECT g.strategy, to_char(g.day, 'YYYY-MM-DD'), g.close::text, "
               "g.score::text, g.recommendation, g.source, g.version, g.indicators::text "
               "FROM signals g JOIN symbols s ON s.id = g.symbol_id "
               f"WHERE s.symbol = :'p1' AND ({where}) ORDER BY g.day, g.strategy",
               symbol, *params)
    return [r[:7] + [json.loads(r[7])] for r in rows]


def count_gspc(where, *params):
    """^GSPC's momentum and value signals matching where (params from :'p1')."""
    return int(sql_value("SELECT count(*) FROM signals g JOIN symbols s ON s.id = g.symbol_id "
                         "WHERE s.symbol = '^GSPC' AND g.strategy IN ('momentum', 'value') "
                         f"AND ({where})", *params))


def drop_symbol(symbol):
    sql("DELETE FROM symbols WHERE symbol = :'p1'", symbol)


def drop_gspc_backfill():
    sql("DELETE FROM signals g USING symbols s WHERE s.id = g.symbol_id "
        "AND s.symbol = '^GSPC' AND g.source = 'backfill'")


@test
def gspc_last_400_bars_once_with_the_live_indicators():
    ensure_gspc()
    try:
        gspc_checks()
    finally:
        # later tests (the model's) expect no labelled data but their own
        drop_gspc_backfill()


def gspc_checks():
    days = [r[0] for r in sql(
        "SELECT to_char(c.date, 'YYYY-MM-DD') FROM candles c JOIN symbols s "
        "ON s.id = c.symbol_id WHERE s.symbol = '^GSPC' ORDER BY c.date DESC LIMIT 400")]
    assert len(days) == 400 and days[-1] == sp500_rows()[-400]["date"], days[-1]
    first = days[-1]
    drop_gspc_backfill()
    # signals a run or a scan already stored are kept, not doubled
    kept = count_gspc("g.day >= :'p1'::date", first)
    assert backfill("^GSPC", "--bars", "400") == f"^GSPC: {800 - kept} signals written\n"
    rows = signal_rows("^GSPC", "g.source = 'backfill'")
    assert len(rows) == 800 - kept, len(rows)
    assert min(r[1] for r in rows) >= first
    # each of the 400 days has its momentum and its value signal, once
    assert count_gspc("g.day >= :'p1'::date", first) == 800
    assert count_gspc("g.day < :'p1'::date AND g.source = 'backfill'", first) == 0
    for strategy, day, close, score, rec, source, version, ind in rows:
        assert strategy in ("momentum", "value") and source == "backfill", (strategy, day)
        assert set(ind) == INDICATOR_KEYS, (day, sorted(ind))
        assert int(version) >= 1 and float(close) > 0
        s = float(score)
        assert rec == ("buy" if s >= 65 else "sell" if s <= 35 else "hold"), (day, s, rec)
    assert {r[0] for r in rows} == {"momentum", "value"}
    # a second run writes nothing and changes nothing
    before = signal_rows("^GSPC", "g.day >= :'p2'::date", first)
    assert backfill("^GSPC", "--bars", "400") == "^GSPC: 0 signals written\n"
    assert signal_rows("^GSPC", "g.day >= :'p2'::date", first) == before
    # all bars: momentum from bar 10 (ROC10), value from bar 19 (Bollinger)
    stored = count_gspc("true")
    assert backfill("^GSPC") == f"^GSPC: {2 * 5105 - 10 - 19 - stored} signals written\n"
    assert count_gspc("true") == 2 * 5105 - 10 - 19
    assert signal_rows("^GSPC", "g.day >= :'p2'::date", first) == before
    assert backfill("^GSPC") == "^GSPC: 0 signals written\n"
    # the latest bar's signals are the live analysis, member for member
    for strategy in ("momentum", "value"):
        live = live_analysis("^GSPC", strategy)
        assert live["date"] == days[0], live["date"]
        last = [r for r in signal_rows("^GSPC", "g.day = :'p2'::date AND g.strategy = :'p3'",
                                       days[0], strategy)]
        assert len(last) == 1, last
        _, _, close, score, rec, _, version, ind = last[0]
        assert ind == live["indicators"], (ind, live["indicators"])
        assert float(close) == live["close"] and float(score) == live["score"]
        assert int(version) == live["version"]
        # the signal records the side of the score; the live reply gives a
        # recommendation only with the coverage it needs (value without
        # fundamentals: 35 %, none)
        s = live["score"]
        assert rec == ("buy" if s >= 65 else "sell" if s <= 35 else "hold"), (rec, s)
        assert live["recommendation"] == (rec if live["coverage"] >= 0.6 else None), live


@test
def every_bar_with_a_score_and_value_only_without_fundamentals():
    rows = sp500_rows()[:300]
    plain, funded = random_symbol("BF"), random_symbol("BG")
    try:
        import_rows(plain, rows)
        import_rows(funded, rows)
        sql("INSERT INTO fundamentals (symbol_id, source, pe, peg, dividend_yield) "
            "SELECT id, 'csv', 12, 1.5, 0.02 FROM symbols WHERE symbol = :'p1'", funded)
        # momentum from bar 10 (ROC10), value from bar 19 (Bollinger); --bars past
        # the series is the whole series
        assert backfill(plain, "--bars", "100000") == \
            f"{plain}: {(300 - 10) + (300 - 19)} signals written\n"
        got = signal_rows(plain)
        mom = [r for r in got if r[0] == "momentum"]
        val = [r for r in got if r[0] == "value"]
        assert [r[1] for r in mom] == [r["date"] for r in rows[10:]]
        assert [r[1] for r in val] == [r["date"] for r in rows[19:]]
        assert all(r[5] == "backfill" for r in got)
        # a young bar's missing indicators are null, not invented
        assert mom[0][7]["sma200"] is None and mom[0][7]["roc10"] is not None, mom[0][7]
        assert backfill(plain) == f"{plain}: 0 signals written\n"
        # the last 5 bars only: nothing new
        assert backfill(plain, "--bars", "5") == f"{plain}: 0 signals written\n"
        # with fundamentals: momentum only (today's P/E says nothing of 2000)
        assert backfill(funded, "--bars", "50") == f"{funded}: 50 signals written\n"
        got = signal_rows(funded)
        assert [r[1] for r in got] == [r["date"] for r in rows[250:]]
        assert {r[0] for r in got} == {"momentum"}
    finally:
        drop_symbol(plain)
        drop_symbol(funded)


@test
def usage_errors_and_unknown_symbols():
    none = random_symbol("BN")
    p = edgescout("market", "backfill", none)
    assert p.returncode == 1 and p.stdout == "", (p.returncode, p.stdout)
    assert f"{none}: no stored prices" in p.stderr, p.stderr
    assert sql_value("SELECT count(*) FROM symbols WHERE symbol = :'p1'", none) == "0"
    for args in ([], ["--bars", "5"], ["^GSPC", "--bars"], ["^GSPC", "--bars", "0"],
                 ["^GSPC", "--bars", "-3"], ["^GSPC", "--bars", "12x"],
                 ["^GSPC", "--bars", "99999999999999999999"], ["bad symbol"],
                 ["'; DROP TABLE signals; --"], ["^GSPC", "SPY"], ["^GSPC", "--force"]):
        p = edgescout("market", "backfill", *args)
        assert p.returncode == 2 and p.stdout == "", (args, p.returncode, p.stdout)
        assert "see edgescout market --help" in p.stderr, (args, p.stderr)
    p = edgescout("market", "--help")
    assert p.returncode == 0 and "market backfill SYMBOL [--bars N]" in p.stdout
