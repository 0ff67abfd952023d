"""cron/settle-odds against the running stack: scores from recorded scores
(ODDS_SCORES_URL, The Odds API's scores shape) and from the local stand-in
of The Odds API (GET /v4/sports/{sport}/scores?daysFrom=3), each hit's
result, profit at a flat stake and at its Kelly stake, and its closing
line value.

tests/fixtures/odds-settle/recorded.csv holds event st1 (Rovers v United,
2026-01-10 15:00): Pinnacle at 1.9/1.9 in the morning, 1.8/2.0 at 14:50
(its close) and 1.2/5.0 in play (after the start: not the close). The
closing fair line is 1/1.8 and 1/2 scaled to sum to 1: 10/19 and 9/19, fair
prices 1.9 and 19/9. Bots post three hits on st1 and one on st2:
  Rovers at 2.1 (fair 0.5): st1 ends 2-1, a win: +1.1 flat; full Kelly
    (1.1 x 0.5 - 0.5)/1.1 = 1/22, a quarter is 1/88: +1.1/88 = 0.0125;
    CLV 2.1/1.9 - 1 = 2/19
  United at 2.2 (fair 0.5): a loss, -1; Kelly (1.2 x 0.5 - 0.5)/1.2 = 1/12,
    a quarter 1/48: -1/48; CLV 2.2 x 9/19 - 1 = 0.8/19
  Over 2.5 at 2.0 (fair 0.55): 3 goals, a win, +1; no closing totals: CLV null
  st2 Rovers at 2.3 (fair 0.5): 0-0 with no Draw priced: a push, 0.
Client addresses 127.40.1.0/24."""

import atexit
import csv
import io
import itertools
import math
import os
import secrets
import shutil
import subprocess
import tempfile

from accounts import new_user, sql
from jobs_lib import BIN, db_now, expect_rc, run, runs_since
from lib import expect_status, request, test, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
FIXTURES = os.path.join(REPO, "tests", "fixtures", "odds-settle")
STANDIN = os.path.join(REPO, "tests", "standin", "odds_standin.py")
KEY = "standin-" + secrets.token_hex(8)
_addr = itertools.cycle(f"127.40.1.{i}" for i in range(1, 255))
_state = {}


def call(method, path, token=None, key=None, body=None):
    hdrs = {"Authorization": "Bearer " + token} if token else {}
    if key:
        hdrs["X-API-Key"] = key
    return request(method, path, body=body, headers=hdrs, source=next(_addr))


def standin():
    if "url" not in _state:
        port_file = os.path.join(tempfile.mkdtemp(prefix="settle-standin-"), "port")
        proc = subprocess.Popen(
            ["/usr/bin/python3", STANDIN, "--fixtures", FIXTURES, "--key", KEY,
             "--quota", "500", "--port-file", port_file, "--idle", "300"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        atexit.register(proc.terminate)
        wait_for(lambda: os.path.exists(port_file))
        with open(port_file) as f:
            _state["url"] = "http://127.0.0.1:" + f.read().strip()
    return _state["url"]


def public_copy(name):
    """A fixture copied where the stack's account can read it: its file:// URL."""
    d = _state.setdefault("dir", tempfile.mkdtemp(prefix="es-settle-", dir="/tmp"))
    os.chmod(d, 0o755)
    path = os.path.join(d, name)
    shutil.copy(os.path.join(FIXTURES, name), path)
    os.chmod(path, 0o644)
    return "file://" + path


def hit(event, outcome, price, fair, market="h2h", point=None, away="United", start="10"):
    body = {"event_id": event, "sport": "soccer_settletest",
            "commence_time": f"2026-01-{start}T15:00:00Z", "home_team": "Rovers",
            "away_team": away, "market": market, "outcome": outcome, "book": "bovada",
            "price": price, "fair_prob": fair, "observed_at": f"2026-01-{start}T10:00:00Z"}
    if point is not None:
        body["point"] = point
    r = call("POST", "/api/ev/hits/ingest", key=_state["key"], body=body)
    expect_status(r, 201)
    return r.json()["id"]


def prepared():
    """st1's prices stored and the four hits posted, once."""
    if "ids" not in _state:
        sql("DELETE FROM odds_events WHERE id IN ('st1', 'st2', 'st3')")
        t0 = db_now()
        expect_rc(run([os.path.join(BIN, "cron", "scan-odds")],
                      ODDS_CSV_URL=public_copy("recorded.csv")), 0, "scan of st1")
        assert [r[0] for r in runs_since(t0, "scan-odds")] == ["ok"]
        token = _state["token"] = new_user("settle")[2]["access_token"]
        r = call("POST", "/api/auth/api-keys", token, body={"name": "bot", "scopes": ["ingest"]})
        expect_status(r, 201)
        _state["key"] = r.json()["key"]
        _state["ids"] = {
            "rovers": hit("st1", "Rovers", 2.1, 0.5), "united": hit("st1", "United", 2.2, 0.5),
            "over": hit("st1", "Over", 2.0, 0.55, market="totals", point=2.5),
            "push": hit("st2", "Rovers", 2.3, 0.5, start="11"),
        }
    return _state["ids"]


def settled(i):
    row = sql("SELECT result, profit_flat, profit_kelly, closing_fair_price, clv, "
              "settled_at IS NOT NULL FROM ev_hits WHERE id = :'p1'", str(i))[0]
    return [row[0]] + [None if v == "" else float(v) for v in row[1:5]] + [row[5]]


def close(a, b):
    return a is not None and abs(a - b) <= 1e-9


@test
def recorded_scores_settle_results_profit_and_clv():
    ids = prepared()
    t0 = db_now()
    p = run([os.path.join(BIN, "cron", "settle-odds")],
            ODDS_SCORES_URL=public_copy("scores.json"), ODDS_API_KEY="")
    expect_rc(p, 0, "settle-odds on the recorded scores")
    assert runs_since(t0, "settle-odds") == [("ok", 3, "")], runs_since(t0, "settle-odds")
    r = settled(ids["rovers"])
    assert r[0] == "win" and close(r[1], 1.1) and close(r[2], 1.1 / 88), r
    assert close(r[3], 1.9) and close(r[4], 2 / 19), r
    u = settled(ids["united"])
    assert u[0] == "loss" and close(u[1], -1) and close(u[2], -1 / 48), u
    assert close(u[3], 19 / 9) and close(u[4], 0.8 / 19), u
    o = settled(ids["over"])
    assert o[0] == "win" and close(o[1], 1) and o[3] is None and o[4] is None, o
    assert settled(ids["push"])[5] == "f"          # st2 has no score yet
    t0 = db_now()
    expect_rc(run([os.path.join(BIN, "cron", "settle-odds")],
                  ODDS_SCORES_URL=public_copy("scores.json"), ODDS_API_KEY=""), 0, "again")
    assert runs_since(t0, "settle-odds") == [("ok", 0, "")]


@test
def provider_scores_settle_through_the_standin():
    ids = prepared()
    sql("DELETE FROM odds_quota")                  # another file's floor is not ours
    t0 = db_now()
    p = run([os.path.join(BIN, "cron", "settle-odds")], ODDS_API_URL=standin(),
            ODDS_API_KEY=KEY, HTTP_RETRIES="0")
    expect_rc(p, 0, "settle-odds on the stand-in's scores")
    runs = runs_since(t0, "settle-odds")
    assert [r[0] for r in runs] == ["ok"] and runs[0][1] >= 1, runs
    s = settled(ids["push"])
    assert s[0] == "push" and s[1] == 0 and s[2] == 0 and s[5] == "t", s
    assert s[3] is None and s[4] is None, s
    assert sql("SELECT completed::text, home_score, away_score FROM odds_events "
               "WHERE id = 'st2'") == [["true", "0", "0"]]
    quota = sql("SELECT last_cost FROM odds_quota WHERE provider = 'odds_api'")
    assert quota == [["2"]], quota                  # daysFrom: 2 requests


Z = 1.959963984540054


def wilson(k, n):
    p, d = k / n, 1 + Z * Z / n
    c, h = p + Z * Z / (2 * n), Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return (c - h) / d, (c + h) / d


@test
def performance_and_summary_of_the_settled_hits():
    prepared()
    r = call("GET", "/api/ev/performance?sport=soccer_settletest", _state["token"])
    expect_status(r, 200)
    body = r.json()
    assert "Wilson" in body["intervals"] and body["kelly_fraction"] == 0.25, body
    o = body["overall"]
    assert (o["key"], o["settled"], o["wins"], o["losses"]) == ("all", 4, 2, 1), o
    lo, hi = wilson(2, 3)
    assert close(o["hit_rate"]["value"], 2 / 3) and close(o["hit_rate"]["low"], lo), o
    assert close(o["hit_rate"]["high"], hi), o
    # flat profits 1.1, -1, 1, 0: mean 0.275, s^2 = (3.21 - 1.21/4) / 3
    half = Z * math.sqrt((3.21 - 1.21 / 4) / 3 / 4)
    roi = o["roi_flat"]
    assert close(roi["value"], 0.275) and close(roi["high"], 0.275 + half), roi
    # Kelly stakes 1/88, 1/48, 0.025, 0.15/1.3/4; profits 0.0125, -1/48, 0.025, 0
    x, y = [1 / 88, 1 / 48, 0.025, 0.15 / 1.3 / 4], [1.1 / 88, -1 / 48, 0.025, 0]
    assert close(o["roi_kelly"]["value"], sum(y) / sum(x)), o
    assert o["clv_count"] == 2 and close(o["clv"]["value"], (2 / 19 + 0.8 / 19) / 2), o
    assert [m["key"] for m in body["by_method"]] == ["multiplicative"], body
    assert [b["key"] for b in body["by_book"]] == ["bovada"], body
    bands = {b["key"]: b["settled"] for b in body["by_ev_band"]}
    assert bands == {"5-10%": 1, "10%+": 3}, bands
    assert [g["key"] for g in body["by_sport"]] == ["soccer_settletest"], body
    r = call("GET", "/api/ev/performance?sport=no_such_sport", _state["token"])
    expect_status(r, 200)
    assert r.json()["overall"]["settled"] == 0 and r.json()["by_sport"] == []
    # what was found: the four hits, observed in January, outside 7 days
    r = call("GET", "/api/ev/summary?window=all", _state["token"])
    expect_status(r, 200)
    mine = [g for g in r.json()["by_sport"] if g["key"] == "soccer_settletest"][0]
    assert mine["count"] == 4 and close(mine["avg_ev"], 0.1) and close(mine["best_ev"], 0.15), mine
    r = call("GET", "/api/ev/summary", _state["token"])
    expect_status(r, 200)
    assert r.json()["window"] == "7d"
    assert all(g["key"] != "soccer_settletest" for g in r.json()["by_sport"]), r.json()
    r = call("GET", "/api/ev/summary?window=1y", _state["token"])
    expect_status(r, 422)


@test
def hits_csv_has_the_lists_rows_and_filters():
    ids = prepared()
    q = "sport=soccer_settletest&sort=commence&min_ev=0.07"
    r = call("GET", "/api/ev/hits.csv?" + q, _state["token"])
    expect_status(r, 200)
    assert r.header("content-type").startswith("text/csv"), r.header("content-type")
    assert "attachment" in r.header("content-disposition")
    text = r.body.decode("utf-8")
    assert text.endswith("\r\n") and "\r\n" in text.split("\n")[0] + "\n"
    rows = list(csv.reader(io.StringIO(text, newline="")))
    listed = call("GET", "/api/ev/hits?" + q + "&limit=200", _state["token"]).json()["items"]
    assert rows[0][:3] == ["id", "event_id", "sport"] and len(rows[0]) == len(listed[0]), rows[0]
    assert [int(x[0]) for x in rows[1:]] == [h["id"] for h in listed], (rows, listed)
    # the 0.05 EV Rovers hit is filtered out, the others kept
    assert ids["rovers"] not in [h["id"] for h in listed] and len(listed) == 3, listed
    col = {name: k for k, name in enumerate(rows[0])}
    over = [x for x in rows[1:] if int(x[0]) == ids["over"]][0]
    assert over[col["point"]] == "2.5" and over[col["outcome"]] == "Over", over
    assert float(over[col["price"]]) == 2.0 and over[col["hold"]] == "", over
    expect_status(call("GET", "/api/ev/hits.csv?min_ev=lots", _state["token"]), 422)


@test
def json_export_carries_the_hits_when_asked():
    from analysis_lib import import_rows, random_symbol
    ids = prepared()
    sym = random_symbol("H")
    import_rows(sym, [{"date": "2026-01-09", "open": 10, "high": 11, "low": 9, "close": 10.5,
                       "adjclose": 10.5, "volume": 100}])
    q = f"/api/v1/export.json?symbols={sym}&from=2026-01-09&to=2026-01-11"
    r = call("GET", q + "&hits=true", _state["token"])
    expect_status(r, 200)
    body = r.json()
    assert body["count"] == 1, body
    mine = {h["id"]: h for h in body["hits"]}
    assert set(ids.values()) <= set(mine), (ids, list(mine))
    assert all("2026-01-09" <= h["observed_at"][:10] <= "2026-01-11" for h in body["hits"])
    rovers = mine[ids["rovers"]]
    assert rovers["price"] == 2.1 and rovers["kelly_stake"] == rovers["kelly_full"] / 4, rovers
    r = call("GET", q.replace("to=2026-01-11", "to=2026-01-10"), _state["token"])
    expect_status(r, 200)
    assert "hits" not in r.json(), r.json()
    r = call("GET", q.replace("2026-01-11", "2026-01-10") + "&hits=true", _state["token"])
    assert ids["push"] not in {h["id"] for h in r.json()["hits"]}    # observed the 11th


@test
def a_bad_key_fails_the_run_with_the_reason():
    prepared()
    sql("DELETE FROM odds_quota")
    t0 = db_now()
    sql("UPDATE ev_hits SET settled_at = NULL, result = NULL WHERE id = :'p1'",
        str(_state["ids"]["push"]))
    p = run([os.path.join(BIN, "cron", "settle-odds")], ODDS_API_URL=standin(),
            ODDS_API_KEY="wrong", HTTP_RETRIES="0")
    assert p.returncode != 0, p
    runs = runs_since(t0, "settle-odds")
    assert runs and runs[0][0] == "failed" and "scores" in runs[0][2], runs
