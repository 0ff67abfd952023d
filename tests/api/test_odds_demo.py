"""`edgescout odds demo` (what `make run` loads) against the running stack:
the recorded odds of data/odds-demo.csv and the scores of
data/odds-demo-scores.json give +EV hits, arbs on the upcoming events and
settled hits on the finished ones, with no provider key; a second run adds
nothing. The demo's events are removed afterwards: its basketball_nba and
soccer_epl events would show in test_odds' lists. Client addresses
127.40.2.0/24."""

import itertools

from accounts import new_user, sql
from jobs_lib import cli, expect_rc
from lib import expect_status, request, test

_addr = itertools.cycle(f"127.40.2.{i}" for i in range(1, 255))
_state = {}


def get(path):
    if "token" not in _state:
        _state["token"] = new_user("oddsdemo")[2]["access_token"]
    return request("GET", path, headers={"Authorization": "Bearer " + _state["token"]},
                   source=next(_addr))


def remove_demo():
    sql("DELETE FROM hits WHERE domain = 'odds' AND key IN (SELECT 'ev:' || id FROM ev_hits "
        "WHERE event_id LIKE 'demo-%')")
    sql("DELETE FROM odds_events WHERE id LIKE 'demo-%'")


@test
def odds_demo_shows_hits_arbs_and_settled_results():
    remove_demo()
    try:
        shown()
    finally:
        remove_demo()


def shown():
    p = cli("odds", "demo", ODDS_API_KEY="")
    expect_rc(p, 0, "odds demo")
    assert p.stdout.startswith("odds demo: 55 prices"), p.stdout
    settled = sql("SELECT event_id, result FROM ev_hits WHERE event_id LIKE 'demo-p%' "
                  "AND source = 'scan' ORDER BY event_id, id")
    assert settled and all(r[1] in ("win", "loss", "push", "void") for r in settled), settled
    assert sql("SELECT count(*) FROM ev_hits WHERE event_id LIKE 'demo-p%' "
               "AND settled_at IS NULL") == [["0"]]
    # FanDuel's 2.12 on the Lakers against Pinnacle's 1.95/1.95 (fair 1/2): EV 0.06
    r = get("/api/ev/hits?sport=basketball_nba&book=fanduel&min_ev=0.05&limit=200")
    expect_status(r, 200)
    assert any(h["event_id"] == "demo-u1" and abs(h["ev"] - 0.06) < 1e-9
               for h in r.json()["items"]), r.json()
    r = get("/api/arbs?sport=basketball_nba")
    expect_status(r, 200)
    assert {"demo-u1", "demo-u2"} <= {a["event_id"] for a in r.json()["arbs"]}, r.json()
    r = get("/api/ev/performance")
    expect_status(r, 200)
    assert r.json()["overall"]["settled"] >= len(settled), r.json()
    again = cli("odds", "demo", ODDS_API_KEY="")
    expect_rc(again, 0, "odds demo again")
    assert "(0 new)" in again.stdout and "0 hits settled" in again.stdout, again.stdout
