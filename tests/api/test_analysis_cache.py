"""The analyses cache never serves an analysis of older data: a re-import
with one past close corrected, a provider refresh bringing the same
correction, and a change of fundamentals (P/E 25 -> 5) each move the
symbol's data revision on, and the next call computes the analysis again
(X-Cache: MISS) with the new numbers, then serves that one from the cache.
Unchanged data keep the cached answer. A cached answer is the stored text
written out with its freshness, one statement charging the quota and
recording the call; when that statement fails the reply is a 503 and nothing
is charged or recorded."""

import os
import shutil
import tempfile
import threading
import urllib.parse

from accounts import sql, sql_value
from analysis_lib import import_rows, new_user, random_symbol, sp500_rows, symbol_id
from lib import STACK, expect_status, run_as_stack_user, test, wait_for

BARS = 260
SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SAN_KEYS = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")


def path(sym, strategy="momentum"):
    return f"/api/stock-analysis?symbol={urllib.parse.quote(sym, safe='')}&strategy={strategy}"


def revision(sym):
    return int(sql_value("SELECT data_revision FROM symbols WHERE symbol = :'p1'", sym))


def corrected(rows, back=5, by=20.0):
    """rows with the close (and adjusted close) of the bar back bars before
    the last raised by `by`, its high raised with it when needed."""
    out = [dict(r) for r in rows]
    r = out[-back]
    close = float(r["close"]) + by
    r["close"] = r["adjclose"] = f"{close:.6f}"
    r["high"] = f"{max(float(r['high']), close):.6f}"
    return out


def analysed(u, sym, want_cache, strategy="momentum"):
    r = u.get(path(sym, strategy))
    expect_status(r, 200)
    assert r.header("x-cache") == want_cache, (want_cache, r.headers)
    return r


def sma20(r):
    return r.json()["indicators"]["sma20"]


def comp(reply, name):
    return next(c for c in reply["components"] if c["name"] == name)


def cached_then_hit(u, sym, strategy="momentum"):
    first = analysed(u, sym, "MISS", strategy)
    second = analysed(u, sym, "HIT", strategy)
    assert second.body == first.body
    return first


def csv_text(rows):
    cols = ["date", "open", "high", "low", "close", "adjclose", "volume"]
    return ",".join(cols) + "\n" + "".join(",".join(r[c] for c in cols) + "\n" for r in rows)


@test
def a_reimport_with_a_corrected_close_is_not_answered_from_the_cache():
    rows = sp500_rows()[-BARS:]
    sym = random_symbol("RV")
    import_rows(sym, rows)
    u = new_user("pro")
    before = cached_then_hit(u, sym)
    rev = revision(sym)
    # the same file again changes nothing: the cached answer stands
    import_rows(sym, rows)
    assert revision(sym) == rev
    assert analysed(u, sym, "HIT").body == before.body
    import_rows(sym, corrected(rows))
    assert revision(sym) == rev + 1            # one statement, one step
    after = analysed(u, sym, "MISS")
    assert abs(sma20(after) - (sma20(before) + 1.0)) < 1e-6, (sma20(before), sma20(after))
    assert analysed(u, sym, "HIT").body == after.body
    keys = sql("SELECT data_revision FROM analyses WHERE symbol_id = :'p1' "
               "ORDER BY data_revision", symbol_id(sym))
    assert keys == [[str(rev)], [str(rev + 1)]], keys


@test
def a_provider_refresh_is_not_answered_from_the_cache():
    rows = sp500_rows()[-BARS:]
    sym = random_symbol("RV")
    import_rows(sym, rows)
    u = new_user("pro")
    before = cached_then_hit(u, sym)
    rev = revision(sym)
    d = tempfile.mkdtemp(prefix="analysis-cache-")
    try:
        os.chmod(d, 0o755)
        with open(os.path.join(d, f"{sym}.csv"), "w") as f:
            f.write(csv_text(corrected(rows)))
        os.chmod(os.path.join(d, f"{sym}.csv"), 0o644)
        env = {"PATH": SAFE_PATH, "LANG": "C.UTF-8", "EDGESCOUT_ENV_FILE": STACK["ENV_FILE"],
               "MARKET_PROVIDERS": "csv", "MARKET_CSV_URL_TEMPLATE": f"file://{d}/{{symbol}}.csv"}
        env.update({k: os.environ[k] for k in SAN_KEYS if k in os.environ})
        p = run_as_stack_user([os.path.join(STACK["BIN_DIR"], "edgescout"), "market",
                               "refresh", sym], env=env, cwd="/", timeout=120)
        assert p.returncode == 0, p.stderr
        assert p.stdout.startswith(f"{sym}: {BARS} candles (1 changed) from csv"), p.stdout
    finally:
        shutil.rmtree(d, ignore_errors=True)
    assert revision(sym) == rev + 1
    after = analysed(u, sym, "MISS")
    assert abs(sma20(after) - (sma20(before) + 1.0)) < 1e-6, (sma20(before), sma20(after))
    assert after.json()["freshness"]["source"] == "csv"
    assert analysed(u, sym, "HIT").body == after.body


@test
def a_fundamentals_change_is_not_answered_from_the_cache():
    sym = random_symbol("RV")
    import_rows(sym, sp500_rows()[-BARS:])
    sid = symbol_id(sym)
    sql("INSERT INTO fundamentals (symbol_id, source, pe, peg, dividend_yield, "
        "earnings_growth, revenue_growth) VALUES (:'p1', 'alphavantage', 25, 2, 0.03, "
        "0.1, -0.04)", sid)
    u = new_user("pro")
    v = cached_then_hit(u, sym, "value").json()
    assert comp(v, "pe")["value"] == 25 and comp(v, "pe")["score"] == 50, comp(v, "pe")
    sql("UPDATE fundamentals SET pe = 5 WHERE symbol_id = :'p1'", sid)
    w = analysed(u, sym, "MISS", "value").json()
    assert comp(w, "pe")["value"] == 5 and comp(w, "pe")["score"] > 50, comp(w, "pe")
    assert w["score"] != v["score"]
    assert analysed(u, sym, "HIT", "value").json() == w
    sql("DELETE FROM fundamentals WHERE symbol_id = :'p1'", sid)
    x = analysed(u, sym, "MISS", "value").json()
    assert "pe" in x["missing"], x["missing"]


@test
def a_cached_answer_charges_the_quota_and_is_recorded():
    sym = random_symbol("RV")
    import_rows(sym, sp500_rows()[-BARS:])
    u = new_user()                                   # free tier: 50 analyses a day
    first = analysed(u, sym, "MISS")
    hit = analysed(u, sym, "HIT")
    assert first.header("x-ratelimit-remaining") == "49", first.headers
    assert hit.header("x-ratelimit-limit") == "50", hit.headers
    assert hit.header("x-ratelimit-remaining") == "48", hit.headers
    assert hit.header("content-type") == "application/json"
    assert hit.json()["freshness"] == first.json()["freshness"]
    rows = sql("SELECT status, cache, coalesce(score::text, ''), coalesce(recommendation, '') "
               "FROM search_history WHERE user_id = :'p1' ORDER BY id", u.id)
    m = first.json()
    assert rows == [["200", "MISS", f"{m['score']:.2f}", m["recommendation"]],
                    ["200", "HIT", f"{m['score']:.2f}", m["recommendation"]]], rows
    # the quota spent: a hit charges nothing more, records nothing, and is refused
    sql("UPDATE quota_usage SET used = 50 WHERE user_id = :'p1' AND quota_class = 'analysis'",
        u.id)
    r = u.get(path(sym))
    assert r.status == 429 and r.json()["error"]["code"] == "QUOTA_EXCEEDED", r
    assert len(sql("SELECT 1 FROM search_history WHERE user_id = :'p1'", u.id)) == 2


@test
def a_cached_analysis_whose_statement_fails_is_a_503_and_writes_nothing():
    sym = random_symbol("RV")
    import_rows(sym, sp500_rows()[-BARS:])
    u = new_user("pro")
    cached_then_hit(u, sym)
    used = sql_value("SELECT used FROM quota_usage WHERE user_id = :'p1'", u.id)
    # the quota table locked past the statement time limit (5 s): the user
    # is still found, the one statement of the cached answer times out
    holder = threading.Thread(target=sql, args=(
        "BEGIN; LOCK TABLE quota_usage IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(7); COMMIT;",))
    holder.start()
    try:
        assert wait_for(lambda: sql_value(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = 'quota_usage' AND l.mode = 'AccessExclusiveLock' "
            "AND l.granted") == "1"), "the lock was not taken"
        r = u.get(path(sym))
    finally:
        holder.join()
    assert r.status == 503, r
    assert r.json()["error"]["code"] == "SERVICE_UNAVAILABLE", r
    assert r.header("retry-after"), r.headers
    assert sql_value("SELECT used FROM quota_usage WHERE user_id = :'p1'", u.id) == used
    assert len(sql("SELECT 1 FROM search_history WHERE user_id = :'p1'", u.id)) == 2
    analysed(u, sym, "HIT")
