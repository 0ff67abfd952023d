"""Ticker symbols as a user types them: lower case is upper-cased by the
request contract (and by the CLI) before any check, so "aapl" is AAPL
everywhere and never a second symbol."""

from accounts import sql_value
from analysis_lib import (SP500, ensure_gspc, import_rows, market_import, new_user,
                          random_symbol, sp500_rows)
from lib import expect_status, test


@test
def lower_case_symbols_are_analysed_as_upper_case():
    ensure_gspc()
    u = new_user("pro")
    r = u.get("/api/stock-analysis?symbol=%5Egspc&strategy=momentum")
    expect_status(r, 200)
    assert r.json()["symbol"] == "^GSPC", r.json()
    r = u.post("/api/stock-analysis", body={"symbol": "^gSpC", "strategy": "value"})
    expect_status(r, 200)
    assert r.json()["symbol"] == "^GSPC", r.json()
    r = u.post("/api/v1/run", body={"symbols": ["^gspc"], "strategy": "momentum"})
    expect_status(r, 200)
    assert [s["symbol"] for s in r.json()["signals"]] == ["^GSPC"], r.json()
    r = u.get("/api/candles?symbol=%5Egspc&from=2020-04-16")
    expect_status(r, 200)
    assert r.json()["symbol"] == "^GSPC" and r.json()["count"] == 2, r.json()
    r = u.get("/api/v1/export.json?symbols=%5Egspc&from=2020-04-17")
    expect_status(r, 200)
    assert r.json()["symbols"] == ["^GSPC"], r.json()
    assert sql_value("SELECT count(*) FROM symbols WHERE symbol <> upper(symbol)") == "0"


@test
def watchlists_store_and_remove_the_upper_case_symbol():
    u = new_user()
    sym = random_symbol("LC")
    wid = u.get("/api/watchlists").json()["items"][0]["id"]
    r = u.post(f"/api/watchlists/{wid}/symbols", body={"symbol": sym.lower()})
    expect_status(r, 201)
    assert r.json()["symbol"] == sym, r.json()
    r = u.post(f"/api/watchlists/{wid}/symbols", body={"symbol": sym.capitalize()})
    expect_status(r, 200)   # the same symbol again: already in the list
    assert sql_value("SELECT count(*) FROM symbols WHERE upper(symbol) = :'p1'", sym) == "1"
    expect_status(u.delete(f"/api/watchlists/{wid}/symbols/{sym.lower()}"), 204)
    assert sql_value("SELECT count(*) FROM watchlist_symbols ws JOIN symbols s "
                     "ON s.id = ws.symbol_id WHERE ws.watchlist_id = :'p1'", wid) == "0"


@test
def the_cli_imports_a_lower_case_symbol_as_upper_case():
    sym = random_symbol("LI")
    import_rows(sym.lower(), sp500_rows()[:5])
    assert sql_value("SELECT count(*) FROM candles c JOIN symbols s ON s.id = c.symbol_id "
                     "WHERE s.symbol = :'p1'", sym) == "5"
    assert sql_value("SELECT count(*) FROM symbols WHERE symbol = :'p1'", sym.lower()) == "0"
    market_import(sym.lower(), SP500)   # the same symbol again
    assert sql_value("SELECT count(*) FROM symbols WHERE upper(symbol) = :'p1'", sym) == "1"
