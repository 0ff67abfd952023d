"""Odds against the running stack: cron/scan-odds fetching from a local
stand-in of The Odds API (tests/standin/odds_standin.py: its documented
shapes, quota headers, 401, 422 and 429), the price history and hits it
stores, GET /api/odds/sports, GET /api/odds/events with every book's prices
and the fair line, GET /api/ev/hits with its filters, sorts and pages, and
POST /api/ev/hits/ingest with an API key of the ingest scope.

The fixture (tests/fixtures/odds/basketball_nba_odds.json) holds two events:
e1a1, where Pinnacle prices h2h at 1.90/1.90 (fair 0.5 each) and FanDuel
offers the Celtics at 2.10 (EV 0.5 x 2.1 - 1 = 0.05), and e2b2 with no
Pinnacle, so its fair line is the consensus of BetMGM (1.25/4.0) and Bovada
(1.2/5.0): the median of 0.2380952 and 0.1935484 for the Jazz is 0.2158218,
and Bovada's 5.0 on them is worth EV 0.0791091. Four book markets are
refused: a price of 1.0, an unknown book, a one-outcome market and an
outcome listed twice. Client addresses 127.0.0.150-159."""

import atexit
import itertools
import json
import os
import secrets
import subprocess
import tempfile
import time

from accounts import new_user, sql, sql_value
from jobs_lib import BIN, admin_token, db_now, expect_rc, run, runs_since
from lib import STACK, expect_error, expect_status, request, test, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
FIXTURES = os.path.join(REPO, "tests", "fixtures", "odds")
STANDIN = os.path.join(REPO, "tests", "standin", "odds_standin.py")
ADDRS = [f"127.0.0.{i}" for i in range(150, 160)]
_addr = itertools.cycle(ADDRS)
KEY = "standin-" + secrets.token_hex(8)
_state = {}


def call(method, path, token=None, key=None, body=None):
    hdrs = {}
    if token:
        hdrs["Authorization"] = "Bearer " + token
    if key:
        hdrs["X-API-Key"] = key
    return request(method, path, body=body, headers=hdrs, source=next(_addr))


def standin():
    """The stand-in's base URL, started once (it ends itself when idle)."""
    if "url" not in _state:
        port_file = os.path.join(tempfile.mkdtemp(prefix="odds-standin-"), "port")
        # its own output goes nowhere: an inherited stdout would hold the
        # test run's pipe open after the last test
        _state["proc"] = subprocess.Popen(
            ["/usr/bin/python3", STANDIN, "--fixtures", FIXTURES, "--key", KEY,
             "--quota", "500", "--port-file", port_file, "--idle", "300"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        atexit.register(_state["proc"].terminate)
        wait_for(lambda: os.path.exists(port_file))
        with open(port_file) as f:
            _state["url"] = "http://127.0.0.1:" + f.read().strip()
    return _state["url"]


def standin_get(path):
    import urllib.request
    with urllib.request.urlopen(standin() + path, timeout=10) as r:
        return r.read().decode()


def scan(**extra):
    env = {"ODDS_API_URL": standin(), "ODDS_API_KEY": KEY, "ODDS_SPORTS": "basketball_nba",
           "ODDS_MIN_EV": "0.02", "HTTP_RETRIES": "0"}
    env.update(extra)
    return run([os.path.join(BIN, "cron", "scan-odds")], **env)


def scanned():
    """The first scan, once: (its start time, its job_runs rows)."""
    if "scanned" not in _state:
        # a clean start, so that the file runs again on the same stack
        sql("DELETE FROM hits WHERE domain = 'odds' AND key IN (SELECT 'ev:' || id "
            "FROM ev_hits WHERE event_id IN ('e1a1', 'e2b2'))")
        sql("DELETE FROM odds_events WHERE id IN ('e1a1', 'e2b2')")
        sql("DELETE FROM odds_quota")
        sql("DELETE FROM http_cache WHERE provider = 'odds_api'")
        t0 = db_now()
        expect_rc(scan(), 0, "first scan")
        _state["scanned"] = (t0, runs_since(t0, "scan-odds"))
    return _state["scanned"]


def token():
    if "token" not in _state:
        _state["token"] = new_user("odds")[2]["access_token"]
    return _state["token"]


@test
def scan_stores_history_and_hits():
    t0, runs = scanned()
    assert runs == [("ok", 2, "")], runs
    prices = sql("SELECT book, market, count(*) FROM odds_prices WHERE event_id IN "
                 "('e1a1', 'e2b2') GROUP BY 1, 2 ORDER BY 1, 2")
    assert prices == [["betmgm", "h2h", "2"], ["bovada", "h2h", "2"], ["fanduel", "h2h", "2"],
                      ["fanduel", "totals", "2"], ["pinnacle", "h2h", "2"],
                      ["pinnacle", "totals", "2"]], prices
    hits = sql("SELECT book, outcome, price::text, round(fair_prob::numeric, 7)::text, "
               "round(ev::numeric, 7)::text, fair_source, method FROM ev_hits "
               "WHERE source = 'scan' AND event_id IN ('e1a1', 'e2b2') ORDER BY ev DESC")
    assert hits == [["bovada", "Utah Jazz", "5.000000", "0.2158218", "0.0791091", "consensus",
                     "multiplicative"],
                    ["fanduel", "Boston Celtics", "2.100000", "0.5000000", "0.0500000",
                     "pinnacle", "multiplicative"]], hits
    cross = sql("SELECT h.score::text, h.title FROM hits h WHERE h.domain = 'odds' "
                "AND h.key IN (SELECT 'ev:' || id FROM ev_hits WHERE source = 'scan' "
                "AND event_id IN ('e1a1', 'e2b2')) "
                "ORDER BY h.score DESC")
    assert cross == [["79.11", "Utah Jazz at 5.000000 (Bovada, 7.9% EV)"],
                     ["50.00", "Boston Celtics at 2.100000 (FanDuel, 5.0% EV)"]], cross
    quota = sql("SELECT remaining, used, last_cost FROM odds_quota WHERE provider = 'odds_api'")
    assert quota == [["497", "3", "3"]], quota     # 3 markets x 1 region


@test
def scan_again_changes_nothing_and_uses_the_cache():
    scanned()
    calls = standin_get("/_hits")
    before = sql_value("SELECT count(*) FROM odds_prices")
    t0 = db_now()
    expect_rc(scan(), 0, "second scan")
    assert runs_since(t0, "scan-odds") == [("ok", 0, "")]
    assert sql_value("SELECT count(*) FROM odds_prices") == before
    assert standin_get("/_hits") == calls            # the 60 s cache answered


@test
def provider_errors_fail_the_run_with_the_reason():
    scanned()
    t0 = db_now()
    expect_rc(scan(ODDS_API_KEY="wrong-key"), 1, "bad key")
    expect_rc(scan(ODDS_SPORTS="curling_moon"), 1, "unknown sport")
    runs = runs_since(t0, "scan-odds")
    assert [r[0] for r in runs] == ["failed", "failed"], runs
    assert "HTTP 401: API key is not valid" in runs[0][2], runs
    assert "HTTP 422: Unknown sport" in runs[1][2], runs


@test
def quota_floor_and_429_stop_the_scan():
    scanned()
    calls = standin_get("/_hits")
    t0 = db_now()
    # below the floor: no call at all, the run still ends ok
    expect_rc(scan(ODDS_QUOTA_FLOOR="600", ODDS_CACHE_TTL="0"), 0, "under the floor")
    assert standin_get("/_hits") == calls
    # the provider's 429 (2 left, the call costs 3): recorded, no failure
    standin_get("/_quota/2")
    expect_rc(scan(ODDS_CACHE_TTL="0"), 0, "429")
    assert [r[0] for r in runs_since(t0, "scan-odds")] == ["ok", "ok"]
    assert sql_value("SELECT remaining FROM odds_quota WHERE provider = 'odds_api'") == "2"
    standin_get("/_quota/500")
    r = call("GET", "/api/provider-health", token())
    expect_status(r, 200)
    odds = [p for p in r.json()["providers"] if p["provider"] == "odds_api"]
    # the 429's headers: 2 left, 3 used (by the first scan's one call)
    assert odds and odds[0]["quota"] == {"remaining": 2, "used": 3, "status": "reported"}, odds


@test
def sports_and_events():
    scanned()
    r = call("GET", "/api/odds/sports", token())
    expect_status(r, 200)
    keys = [s["key"] for s in r.json()["sports"]]
    assert keys == ["basketball_nba", "soccer_epl"], keys
    assert r.json()["quota"]["remaining"] is not None
    r = call("GET", "/api/odds/events?sport=basketball_nba", token())
    expect_status(r, 200)
    body = r.json()
    assert body["method"] == "multiplicative" and body["sharp_book"] == "pinnacle"
    events = {e["id"]: e for e in body["events"]}
    assert set(events) == {"e1a1", "e2b2"}, events.keys()
    h2h = [l for l in events["e1a1"]["lines"] if l["market"] == "h2h"][0]
    assert h2h["fair_source"] == "pinnacle" and h2h["books"] == 1, h2h
    assert abs(h2h["hold"] - 0.05) < 1e-12, h2h             # 1 - 1/(2/1.9)
    fd = [p for p in h2h["prices"] if p["book"] == "fanduel" and p["outcome"] == "Boston Celtics"]
    assert abs(fd[0]["ev"] - 0.05) < 1e-12, fd
    celtics = [o for o in h2h["outcomes"] if o["outcome"] == "Boston Celtics"][0]
    assert celtics["best_book"] == "fanduel" and celtics["best_price"] == 2.1, celtics
    totals = [l for l in events["e1a1"]["lines"] if l["market"] == "totals"][0]
    assert totals["point"] == 220.5, totals
    h2h2 = [l for l in events["e2b2"]["lines"] if l["market"] == "h2h"][0]
    assert h2h2["fair_source"] == "consensus" and h2h2["books"] == 2, h2h2
    # another method, another fair line
    r = call("GET", "/api/odds/events?sport=basketball_nba&method=power", token())
    expect_status(r, 200)
    assert r.json()["method"] == "power"
    expect_error(call("GET", "/api/odds/events?sport=basketball_nba&refresh=true", token()),
                 403, "FORBIDDEN", "refresh")
    # an administrator may refresh: charged to the odds_refresh quota class
    admin = admin_token()
    used = lambda: int(sql_value(
        "SELECT coalesce(sum(used), 0) FROM quota_usage WHERE quota_class = 'odds_refresh'"))
    before = used()
    expect_status(call("GET", "/api/odds/events?sport=basketball_nba&refresh=true", admin), 200)
    assert used() == before + 1
    expect_error(call("GET", "/api/odds/events?sport=Bad-Sport", token()),
                 422, "VALIDATION_FAILED", "sport")
    expect_error(call("GET", "/api/odds/events?sport=x&method=median", token()),
                 422, "VALIDATION_FAILED", "method")


def hits(query=""):
    r = call("GET", "/api/ev/hits" + query, token())
    expect_status(r, 200)
    return r.json()


def books(page):
    return [h["book"] for h in page["items"] if h["source"] == "scan"]


@test
def hits_filters_sorts_and_pages():
    scanned()
    assert books(hits("?sport=basketball_nba")) == ["bovada", "fanduel"]
    assert books(hits("?sport=basketball_nba&book=fanduel")) == ["fanduel"]
    assert books(hits("?sport=basketball_nba&min_ev=0.06")) == ["bovada"]
    assert books(hits("?sport=basketball_nba&max_price=3")) == ["fanduel"]
    assert books(hits("?sport=basketball_nba&min_prob=0.4")) == ["fanduel"]
    assert books(hits("?sport=basketball_nba&market=totals")) == []
    assert books(hits("?sport=basketball_nba&method=shin")) == []
    assert books(hits("?sport=basketball_nba&commence_to=2030-01-10T12:00:00Z")) == ["fanduel"]
    assert books(hits("?sport=basketball_nba&sort=commence")) == ["fanduel", "bovada"]
    first = hits("?sport=basketball_nba&limit=1")
    assert books(first) == ["bovada"] and first["next_cursor"], first
    second = hits("?sport=basketball_nba&limit=1&cursor=" + first["next_cursor"])
    assert books(second) == ["fanduel"] and second["next_cursor"] is None, second
    fd = hits("?sport=basketball_nba&book=fanduel")["items"][0]
    # p = 0.5 at 2.1: f = (1.1 x 0.5 - 0.5) / 1.1 = 1/22; a quarter of it
    assert abs(fd["kelly_full"] - 1 / 22) < 1e-12 and abs(fd["kelly_stake"] - 1 / 88) < 1e-12
    fd = hits("?sport=basketball_nba&book=fanduel&kelly_fraction=1&kelly_cap=0.02")["items"][0]
    assert fd["kelly_stake"] == 0.02, fd
    expect_error(call("GET", "/api/ev/hits?min_ev=lots", token()), 422, "VALIDATION_FAILED",
                 "min_ev")
    expect_error(call("GET", "/api/ev/hits?book=shadybook", token()), 422, "VALIDATION_FAILED",
                 "book")
    expect_error(call("GET", "/api/ev/hits?cursor=999999999", token()), 422,
                 "VALIDATION_FAILED", "cursor")


def api_key(scopes):
    r = call("POST", "/api/auth/api-keys", token(), body={"name": "bot", "scopes": scopes})
    expect_status(r, 201)
    return r.json()["key"]


HIT = {"event_id": "ing-" + secrets.token_hex(4), "sport": "soccer_epl",
       "commence_time": "2030-03-01T15:00:00Z", "home_team": "Arsenal",
       "away_team": "Chelsea", "market": "h2h", "outcome": "Draw", "book": "betfair_ex_uk",
       "price": 3.6, "fair_prob": 0.3, "observed_at": "2030-02-28T10:00:00Z", "method": "shin"}


@test
def ingest_is_idempotent_and_needs_its_scope():
    key = api_key(["ingest"])
    r = call("POST", "/api/ev/hits/ingest", key=key, body=HIT)
    expect_status(r, 201)
    hit = r.json()
    assert hit["source"] == "ingest" and abs(hit["ev"] - 0.08) < 1e-12, hit
    r = call("POST", "/api/ev/hits/ingest", key=key, body=HIT)
    expect_status(r, 200)
    assert r.json()["id"] == hit["id"]
    assert sql_value("SELECT count(*) FROM hits WHERE domain = 'odds' AND key = :'p1'",
                     "ev:%d" % hit["id"]) == "1"
    expect_error(call("POST", "/api/ev/hits/ingest", key=api_key(["read"]), body=HIT),
                 403, "FORBIDDEN")
    for change, field in (({"price": 1.0}, "price"), ({"book": "shadybook"}, "book"),
                          ({"price": 3.0}, "price"), ({"fair_prob": 1.5}, "fair_prob"),
                          ({"price": "3.6"}, "price"),
                          ({"observed_at": "yesterday"}, "observed_at")):
        body = dict(HIT, event_id="ing-bad-" + secrets.token_hex(4), **change)
        expect_error(call("POST", "/api/ev/hits/ingest", key=key, body=body),
                     422, "VALIDATION_FAILED", field)
        assert sql_value("SELECT count(*) FROM odds_events WHERE id = :'p1'",
                         body["event_id"]) == "0"
    # the owner sees the hit; another user does not
    mine = [h for h in hits("?sport=soccer_epl")["items"] if h["source"] == "ingest"]
    assert [h["id"] for h in mine] == [hit["id"]], mine
    # a bot's hit names its book by key: a title the provider gave stays
    assert sql_value("SELECT title FROM odds_books WHERE key = 'betfair_ex_uk'") in (
        "Betfair", "betfair_ex_uk")
    other = new_user("odds-other")[2]["access_token"]
    r = call("GET", "/api/ev/hits?sport=soccer_epl", other)
    expect_status(r, 200)
    assert [h for h in r.json()["items"] if h["source"] == "ingest"] == []
    # the other user's bot posting the same hit gets a hit of its own, which
    # only it sees; the first owner's stays as it was
    r = call("POST", "/api/auth/api-keys", other, body={"name": "bot", "scopes": ["ingest"]})
    expect_status(r, 201)
    r = call("POST", "/api/ev/hits/ingest", key=r.json()["key"], body=HIT)
    expect_status(r, 201)
    theirs = r.json()["id"]
    assert theirs != hit["id"]
    r = call("GET", "/api/ev/hits?sport=soccer_epl", other)
    assert [h["id"] for h in r.json()["items"] if h["source"] == "ingest"] == [theirs]
    mine = [h for h in hits("?sport=soccer_epl")["items"] if h["source"] == "ingest"]
    assert [h["id"] for h in mine] == [hit["id"]], mine


@test
def market_signals_are_hits_too():
    sym = "ODZ" + secrets.token_hex(2).upper()
    sql("INSERT INTO symbols (symbol) VALUES (:'p1')", sym)
    sql("INSERT INTO signals (symbol_id, strategy, day, close, score, recommendation, version, "
        "indicators, source) SELECT id, 'momentum', '2030-01-02', 10, 71.5, 'buy', 1, '{}', "
        "'scan' FROM symbols WHERE symbol = :'p1'", sym)
    row = sql("SELECT h.score::text, h.title FROM hits h JOIN signals g "
              "ON h.key = 'signal:' || g.id JOIN symbols s ON s.id = g.symbol_id "
              "WHERE h.domain = 'markets' AND s.symbol = :'p1'", sym)
    assert row == [["71.50", f"{sym} buy (momentum)"]], row


@test
def readme_examples_run_as_written():
    scanned()
    with open(os.path.join(REPO, "README.md")) as f:
        text = f.read()
    start = text.index("With `BASE` the stack's URL")
    first = text.index("```sh\n", start) + len("```sh\n")
    block = text[first:text.index("```", first)]
    commands = block.replace("\\\n", " ").strip().splitlines()
    assert len(commands) == 8 and all(c.startswith("curl ") for c in commands), commands
    env = {"PATH": "/usr/bin:/bin", "BASE": STACK["URL"], "TOKEN": token(),
           "INGEST_KEY": api_key(["ingest"]), "CURL_CA_BUNDLE": STACK["CA"]}
    for c in commands:
        p = subprocess.run(["bash", "-c", c], env=env, capture_output=True, text=True, timeout=60)
        expect_rc(p, 0, c)
        if ".csv" in c:
            assert p.stdout.startswith("id,event_id,sport,"), (c, p.stdout[:200])
            continue
        body = json.loads(p.stdout)
        assert "error" not in body, (c, body)
    assert sql_value("SELECT count(*) FROM ev_hits WHERE event_id = 'evt-123'") == "1"


@test
def recorded_csv_replays_through_the_same_path():
    d = tempfile.mkdtemp(prefix="es-odds-", dir="/tmp")
    os.chmod(d, 0o755)
    path = os.path.join(d, "recorded.csv")
    with open(os.path.join(FIXTURES, "recorded.csv")) as f, open(path, "w") as out:
        out.write(f.read())
    os.chmod(path, 0o644)
    sql("DELETE FROM odds_events WHERE id = 'r1'")
    t0 = db_now()
    p = run([os.path.join(BIN, "cron", "scan-odds")], ODDS_CSV_URL="file://" + path,
            ODDS_MIN_EV="0.02")
    expect_rc(p, 0, "scan of the recorded odds")
    assert [r[0] for r in runs_since(t0, "scan-odds")] == ["ok"]
    assert sql_value("SELECT count(*) FROM odds_prices WHERE event_id = 'r1' "
                     "AND source = 'csv'") == "6"     # William Hill's one outcome refused
    # Pinnacle's 3-way line 2.5/3.4/3.0 devigs to 102/262 for Arsenal:
    # Betfair's 2.7 is worth 102/262 x 2.7 - 1 = 0.0511450
    rows = sql("SELECT book, outcome, round(ev::numeric, 7)::text, fair_source FROM ev_hits "
               "WHERE event_id = 'r1'")
    assert rows == [["betfair_ex_uk", "Arsenal", "0.0511450", "pinnacle"]], rows
    # the title from the file, whatever a bot's hit named the book before
    assert sql_value("SELECT title FROM odds_books WHERE key = 'betfair_ex_uk'") == "Betfair"
    body = dict(HIT, event_id="ing-" + secrets.token_hex(4))
    expect_status(call("POST", "/api/ev/hits/ingest", key=api_key(["ingest"]), body=body), 201)
    assert sql_value("SELECT title FROM odds_books WHERE key = 'betfair_ex_uk'") == "Betfair"
