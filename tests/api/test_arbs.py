"""GET /api/arbs against the running stack: recorded odds
(tests/fixtures/odds/arbs.csv, sport soccer_arbtest) stored by cron/scan-odds
through the CSV provider, then the best price per outcome across books and
the stakes of a bankroll.

a1 is a 3-way arb: Betfair's 3.0, Pinnacle's 3.5 and William Hill's 4.0
sum (in 1/price) to 73/84, so 1000 split 28000/73, 24000/73 and 21000/73
returns 84000/73 whatever happens: 11000/73 of profit. a2 is a 2-way one,
Pinnacle's 2.2 and Bovada's 2.0 (21/22): 100 as 1000/21 and 1100/21, 100/21
of profit; in whole units 48 and 52 keep 4 of it, and in units of 5 a
bankroll of 5 cannot cover both sides (the reply says so). a3 (1.9 and
1.95 at best) is no arb. a4's books price Spurs and the draw, never Villa:
its sum (1/2.6 + 1/2.6) is below 1, but a Villa win would pay nothing, so it
is no arb either. Client addresses 127.40.0.0/24."""

import itertools
import os
import shutil
import tempfile

from accounts import new_user, sql
from jobs_lib import BIN, db_now, expect_rc, run, runs_since
from lib import expect_error, expect_status, request, test

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
FIXTURE = os.path.join(REPO, "tests", "fixtures", "odds", "arbs.csv")
_addr = itertools.cycle(f"127.40.0.{i}" for i in range(1, 255))
_state = {}


def call(path):
    if "token" not in _state:
        _state["token"] = new_user("arbs")[2]["access_token"]
    return request("GET", path, headers={"Authorization": "Bearer " + _state["token"]},
                   source=next(_addr))


def loaded():
    """The recorded arbs, scanned once into the stack's database."""
    if "loaded" not in _state:
        d = tempfile.mkdtemp(prefix="es-arbs-", dir="/tmp")
        os.chmod(d, 0o755)
        path = os.path.join(d, "arbs.csv")
        shutil.copy(FIXTURE, path)
        os.chmod(path, 0o644)
        sql("DELETE FROM odds_events WHERE id IN ('a1', 'a2', 'a3', 'a4')")
        t0 = db_now()
        p = run([os.path.join(BIN, "cron", "scan-odds")], ODDS_CSV_URL="file://" + path)
        expect_rc(p, 0, "scan of the recorded arbs")
        assert [r[0] for r in runs_since(t0, "scan-odds")] == ["ok"]
        _state["loaded"] = True


def close(a, b):
    return abs(a - b) <= 1e-9


@test
def arbs_best_prices_stakes_and_profit():
    loaded()
    r = call("/api/arbs?sport=soccer_arbtest&bankroll=1000")
    expect_status(r, 200)
    body = r.json()
    assert body["bankroll"] == 1000 and body["unit"] == 1, body
    arbs = body["arbs"]
    assert [a["event_id"] for a in arbs] == ["a1", "a2"], arbs     # best first, a3 a4 none
    assert sql("SELECT count(DISTINCT book) FROM odds_prices WHERE event_id = 'a4'") == [["2"]]
    a1 = arbs[0]
    assert close(a1["book_sum"], 73 / 84) and close(a1["profit"], 11000 / 73), a1
    assert close(a1["profit_pct"], 100 * 11 / 73), a1
    legs = {l["outcome"]: l for l in a1["legs"]}
    assert {k: (v["book"], v["price"]) for k, v in legs.items()} == {
        "Everton": ("betfair_ex_uk", 3.0), "Draw": ("pinnacle", 3.5),
        "Fulham": ("williamhill", 4.0)}, legs
    assert close(legs["Everton"]["stake"], 28000 / 73), legs
    assert close(sum(l["stake"] for l in a1["legs"]), 1000), a1
    for l in a1["legs"]:
        assert close(l["stake"] * l["price"], 84000 / 73), l
        assert l["rounded_stake"] == int(l["rounded_stake"]), l
    assert a1["rounded_total"] == 1000 and a1["rounded_guaranteed"] and a1["note"] == "", a1
    assert a1["legs"][0]["book_title"] in ("Betfair", "Pinnacle", "William Hill, UK"), a1


@test
def arbs_rounded_to_units_say_when_the_guarantee_breaks():
    loaded()
    r = call("/api/arbs?sport=soccer_arbtest&market=h2h&bankroll=100&unit=1")
    expect_status(r, 200)
    a2 = [a for a in r.json()["arbs"] if a["event_id"] == "a2"][0]
    legs = {l["outcome"]: l for l in a2["legs"]}
    assert (legs["Leeds"]["book"], legs["Burnley"]["book"]) == ("pinnacle", "bovada"), legs
    assert close(legs["Leeds"]["stake"], 1000 / 21) and close(a2["profit"], 100 / 21), a2
    assert (legs["Leeds"]["rounded_stake"], legs["Burnley"]["rounded_stake"]) == (48, 52), legs
    assert close(a2["rounded_profit"], 4) and a2["rounded_guaranteed"], a2
    r = call("/api/arbs?sport=soccer_arbtest&bankroll=5&unit=5")
    expect_status(r, 200)
    a2 = [a for a in r.json()["arbs"] if a["event_id"] == "a2"][0]
    assert not a2["rounded_guaranteed"] and a2["rounded_profit"] < 0, a2
    assert "breaks the guarantee" in a2["note"], a2
    r = call("/api/arbs?sport=soccer_arbtest&market=totals")
    expect_status(r, 200)
    assert r.json()["arbs"] == [], r.json()


@test
def arbs_refuse_bad_input():
    expect_error(call("/api/arbs?bankroll=0"), 422, "VALIDATION_FAILED", "bankroll")
    expect_error(call("/api/arbs?unit=lots"), 422, "VALIDATION_FAILED", "unit")
    expect_error(call("/api/arbs?sport=Bad-Sport"), 422, "VALIDATION_FAILED", "sport")
    expect_error(call("/api/arbs?market=outrights"), 422, "VALIDATION_FAILED", "market")
    r = request("GET", "/api/arbs", source=next(_addr))
    expect_status(r, 401)
