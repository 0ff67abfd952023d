"""The journal's CSV and paper bets against the running stack: the export
of the caller's trades (filtered, quoted per RFC 4180), an import of it into
another journal that exports the same rows, imports refused whole for a bad
row; bets placed on an odds event, settled by cron/settle-odds from its
final score, and counted in the stats, attribution and achievements.
Client addresses come from analysis_lib's 127.21.0.0/22."""

import csv
import io
import json
import os
import secrets
import subprocess
from decimal import Decimal as D

from accounts import sql, sql_value
from analysis_lib import call, new_user
from jobs_lib import BIN, expect_rc, run
from lib import STACK, expect_error, expect_status, test

HEAD = ["id", "symbol", "side", "quantity", "entry_price", "opened_at", "exit_price",
        "closed_at", "fees", "tags", "signal_id", "note", "status", "pnl"]


def rows(reply):
    expect_status(reply, 200)
    assert reply.header("content-type").startswith("text/csv"), reply
    return list(csv.reader(io.StringIO(reply.body.decode("utf-8"), newline="")))


def seeded():
    u = new_user(tag="journal-csv")
    for body in ({"symbol": "JCA", "quantity": 2, "entry_price": 10.5, "tags": ["x", "y"],
                  "opened_at": "2030-01-02T10:00:00Z", "note": 'says "hi", then\nleaves'},
                 {"symbol": "JCB", "side": "sell", "quantity": 1, "entry_price": 0.1,
                  "opened_at": "2030-01-03T10:00:00Z", "fees": 0.25}):
        expect_status(u.post("/api/journal/trades", body=body), 201)
    tid = u.get("/api/journal/trades?symbol=JCB").json()["items"][0]["id"]
    expect_status(u.post(f"/api/journal/trades/{tid}/close",
                         body={"exit_price": 0.3, "closed_at": "2030-01-04T10:00:00Z"}), 200)
    return u


@test
def the_export_is_every_trade_as_csv():
    u = seeded()
    got = rows(u.get("/api/journal/trades.csv"))
    assert got[0] == HEAD, got[0]
    assert len(got) == 3, got
    b, a = got[1], got[2]                      # newest first
    assert a[1:6] == ["JCA", "buy", "2", "10.5", "2030-01-02T10:00:00.000000Z"], a
    assert a[9] == "x;y" and a[11] == 'says "hi", then\nleaves' and a[12] == "open", a
    assert a[6] == a[7] == a[13] == "", a
    # short: (0.1 - 0.3) x 1 - 0.25
    assert b[12] == "closed" and b[13] == "-0.45" and b[8] == "0.25", b
    assert [r[1] for r in rows(u.get("/api/journal/trades.csv?status=open"))[1:]] == ["JCA"]
    assert u.get("/api/journal/trades.csv").header("content-disposition") == \
        'attachment; filename="edgescout-journal.csv"'


@test
def an_export_imports_into_another_journal_unchanged():
    u, v = seeded(), new_user(tag="journal-csv")
    text = u.get("/api/journal/trades.csv").body.decode("utf-8")
    r = v.post("/api/journal/import", body={"csv": text})
    expect_status(r, 201)
    assert r.json() == {"imported": 2, "open": 1}, r.json()
    mine = sorted(r[1:] for r in rows(u.get("/api/journal/trades.csv"))[1:])
    theirs = sorted(r[1:] for r in rows(v.get("/api/journal/trades.csv"))[1:])
    assert mine == theirs, (mine, theirs)


@test
def an_import_with_a_bad_row_writes_nothing():
    v = new_user(tag="journal-csv")
    good = "symbol,quantity,entry_price,opened_at\nJCC,1,5,2030-01-01T00:00:00Z\n"
    cases = [
        ("", None),
        ("symbol,quantity\nJCC,1\n", "header: no entry_price column"),
        ("symbol,qty,entry_price,opened_at\n", "header: unknown column qty"),
        (good + "JCC,-1,5,2030-01-01T00:00:00Z\n", "line 3: quantity must be a decimal above 0"),
        (good + "JCC,1,5,yesterday\n", "line 3: opened_at"),
        (good + "x';DROP TABLE users;--,1,5,2030-01-01T00:00:00Z\n", "line 3: symbol"),
        ("symbol,quantity,entry_price,opened_at,exit_price\n"
         "JCC,1,5,2030-01-01T00:00:00Z,6\n", "line 2: exit_price and closed_at go together"),
        ("symbol,quantity,entry_price,opened_at,exit_price,closed_at\n"
         "JCC,1,5,2030-01-02T00:00:00Z,6,2030-01-01T00:00:00Z\n",
         "line 2: closed_at is before opened_at"),
        ("symbol,quantity,entry_price,opened_at,signal_id\n"
         "JCC,1,5,2030-01-01T00:00:00Z,999999999999\n", "line 2: signal_id names no signal"),
        (good + 'JCC,1,5,"2030\n', "line 3: unterminated quoted field"),
        ("symbol,quantity,entry_price,opened_at,tags\nJCC,1,5,2030-01-01T00:00:00Z,Bad Tag\n",
         "line 2: tags"),
    ]
    for text, message in cases:
        err = expect_error(v.post("/api/journal/import", body={"csv": text}), 422,
                           "VALIDATION_FAILED", "csv")
        if message:
            assert err["message"].startswith(message), (text, err)
    expect_error(v.post("/api/journal/import", body={"csv": 5}), 422, "VALIDATION_FAILED",
                 "csv")
    expect_error(v.post("/api/journal/import", body={"csv": good + "#" * 262144}), 422,
                 "VALIDATION_FAILED", "csv")
    r = call("POST", "/api/journal/import", token=v.token,
             raw_body=b'{"csv": "symbol,quantity,entry_price,opened_at\nJ\xc3,1,5,x\n"}',
             headers={"Content-Type": "application/json"})
    assert r.status == 400, r
    assert sql_value("SELECT count(*) FROM journal_trades WHERE user_id = :'p1'", v.id) == "0"
    expect_status(v.post("/api/journal/import", body={"csv": good}), 201)
    assert sql_value("SELECT count(*) FROM journal_trades WHERE user_id = :'p1'", v.id) == "1"


@test
def an_import_keeps_the_open_trade_limit():
    v = new_user(tag="journal-csv")
    limit = int(sql_value("SELECT daily_limit FROM tier_quotas WHERE tier = 'free' "
                          "AND quota_class = 'journal_open'"))
    text = "symbol,quantity,entry_price,opened_at\n" + \
        "JCD,1,5,2030-01-01T00:00:00Z\n" * (limit + 1)
    expect_error(v.post("/api/journal/import", body={"csv": text}), 403, "FORBIDDEN")
    assert sql_value("SELECT count(*) FROM journal_trades WHERE user_id = :'p1'", v.id) == "0"


def odds_event():
    """A fresh event, Rovers v United, with Bovada's prices."""
    ev = "jb-" + secrets.token_hex(6)
    sql("INSERT INTO odds_books (key, title) VALUES ('bovada', 'Bovada') ON CONFLICT DO NOTHING")
    sql("INSERT INTO odds_events (id, sport_key, commence_time, home_team, away_team) "
        "VALUES (:'p1', 'soccer_journaltest', now() + interval '1 day', 'Rovers', 'United')", ev)
    sql("INSERT INTO odds_prices (event_id, book, market, outcome, point, price, observed_at, "
        "source) VALUES (:'p1', 'bovada', 'h2h', 'Rovers', NULL, 2.4, now() - interval '2 hours', "
        "'csv'), (:'p1', 'bovada', 'h2h', 'Rovers', NULL, 2.5, now() - interval '1 hour', 'csv'), "
        "(:'p1', 'bovada', 'totals', 'Over', 2.5, 1.9, now() - interval '1 hour', 'csv')", ev)
    return ev


def settle():
    expect_rc(run([os.path.join(BIN, "cron", "settle-odds")], ODDS_API_KEY="",
                  ODDS_SCORES_URL=""), 0, "settle-odds")


@test
def bets_are_placed_settled_and_counted():
    u, ev = new_user(tag="journal-bets"), odds_event()
    bet = {"event_id": ev, "market": "h2h", "outcome": "Rovers", "book": "bovada", "stake": 10,
           "fair_prob": 0.45}
    r = u.post("/api/journal/bets", body=bet)
    expect_status(r, 201)
    b1 = r.json()
    # the book's latest price; EV 2.5 x 0.45 - 1
    assert b1["price"] == 2.5 and b1["status"] == "open" and b1["result"] is None, b1
    assert abs(b1["ev"] - 0.125) < 1e-12 and b1["home_team"] == "Rovers", b1
    b2 = u.post("/api/journal/bets", body={"event_id": ev, "market": "totals", "outcome": "Over",
                                           "point": 2.5, "book": "bovada", "stake": 4}).json()
    assert b2["price"] == 1.9 and b2["fair_prob"] is None and b2["point"] == 2.5, b2
    b3 = u.post("/api/journal/bets", body={"event_id": ev, "market": "h2h", "outcome": "United",
                                           "book": "bovada", "price": 3.1, "stake": 5}).json()
    assert [b["id"] for b in u.get("/api/journal/bets?status=open").json()["items"]] == \
        [b3["id"], b2["id"], b1["id"]]
    settle()
    assert u.get(f"/api/journal/bets/{b1['id']}").json()["status"] == "open"   # not over yet
    sql("UPDATE odds_events SET completed = true, home_score = '2', away_score = '1' "
        "WHERE id = :'p1'", ev)
    settle()
    got = {b["id"]: (b["result"], D(str(b["pnl"]))) for b in
           u.get("/api/journal/bets?status=settled").json()["items"]}
    # 2-1: Rovers win 10 x 1.5, three goals beat 2.5 for 4 x 0.9, United lose 5
    assert got == {b1["id"]: ("win", D("15")), b2["id"]: ("win", D("3.6")),
                   b3["id"]: ("loss", D("-5"))}, got
    at = sql_value("SELECT settled_at FROM journal_bets WHERE id = :'p1'", b1["id"])
    settle()
    assert sql_value("SELECT settled_at FROM journal_bets WHERE id = :'p1'", b1["id"]) == at
    s = u.get("/api/journal/stats").json()["bets"]
    assert (s["count"], s["open"], s["settled"], s["wins"], s["losses"]) == (3, 0, 3, 2, 1), s
    assert D(str(s["staked"])) == 19 and D(str(s["pnl"])) == D("13.6"), s
    assert abs(s["roi"] - 13.6 / 19) < 1e-12, s
    a = u.get("/api/journal/attribution").json()["bets"]
    assert a["total"]["count"] == 3 and D(str(a["total"]["pnl"])) == D("13.6"), a
    for part in ("by_market", "by_book", "by_result"):
        assert sum(D(str(p["pnl"])) for p in a[part]) == D("13.6"), (part, a)
    assert [(p["key"], p["count"]) for p in a["by_market"]] == [("h2h", 2), ("totals", 1)], a
    ach = {x["key"]: x for x in u.get("/api/journal/achievements").json()["achievements"]}
    assert ach["first_ev_bet"]["earned"] and ach["first_ev_bet"]["earned_on"], ach
    expect_status(u.delete(f"/api/journal/bets/{b1['id']}"), 204)
    ach = {x["key"]: x for x in u.get("/api/journal/achievements").json()["achievements"]}
    assert not ach["first_ev_bet"]["earned"], ach      # the +EV bet is gone
    expect_error(u.post("/api/journal/bets", body=bet), 422, "VALIDATION_FAILED", "event_id")


@test
def bad_bets_are_refused():
    u, ev = new_user(tag="journal-bets"), odds_event()
    base = {"event_id": ev, "market": "h2h", "outcome": "Rovers", "book": "bovada", "stake": 1}
    cases = [
        (dict(base, event_id="no-such-event"), "event_id"),
        (dict(base, book="nobook"), "book"),
        (dict(base, book="Bad Book"), "book"),
        (dict(base, price=1), "price"),
        (dict(base, stake=0), "stake"),
        (dict(base, stake="1"), "stake"),
        (dict(base, fair_prob=1), "fair_prob"),
        (dict(base, market="corners"), "market"),
        (dict(base, outcome="Draw"), "price"),          # no price known and none given
        ({k: v for k, v in base.items() if k != "outcome"}, "outcome"),
        (dict(base, outcome="x" * 201), "outcome"),
        (dict(base, event_id="x'; DELETE FROM journal_bets; --"), "event_id"),
        (dict(base, event_id="e" * 65), "event_id"),
    ]
    for body, field in cases:
        expect_error(u.post("/api/journal/bets", body=body), 422, "VALIDATION_FAILED", field)
    for raw in (b'{"event_id": "' + ev.encode() + b'", "stake": ', b'{"outcome": "\xff"}', b"[]"):
        r = call("POST", "/api/journal/bets", token=u.token, raw_body=raw,
                 headers={"Content-Type": "application/json"})
        assert r.status == 400 and r.json()["error"]["code"] == "INVALID_JSON", r
    started = odds_event()
    sql("UPDATE odds_events SET commence_time = now() - interval '1 minute' WHERE id = :'p1'",
        started)
    err = expect_error(u.post("/api/journal/bets", body=dict(base, event_id=started, price=2)),
                       422, "VALIDATION_FAILED", "event_id")
    assert err["message"] == "the event has started", err
    assert sql_value("SELECT count(*) FROM journal_bets WHERE user_id = :'p1'", u.id) == "0"
    r = u.post("/api/journal/bets", body=base)
    expect_status(r, 201)
    other = new_user(tag="journal-bets")
    expect_error(other.get(f"/api/journal/bets/{r.json()['id']}"), 404, "NOT_FOUND")
    expect_error(other.delete(f"/api/journal/bets/{r.json()['id']}"), 404, "NOT_FOUND")


@test
def readme_examples_run_as_written():
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "..", "README.md")) as f:
        text = f.read()
    start = text.index("\n## Journal\n")
    first = text.index("```sh\n", start) + len("```sh\n")
    block = text[first:text.index("```", first)]
    commands = block.replace("\\\n", " ").strip().splitlines()
    assert len(commands) == 13 and all("curl -sf " in c for c in commands), commands
    u = new_user(tag="journal-readme")
    sql("DELETE FROM odds_events WHERE id = 'evt-456'")
    sql("INSERT INTO odds_books (key, title) VALUES ('bovada', 'Bovada') ON CONFLICT DO NOTHING")
    sql("INSERT INTO odds_events (id, sport_key, commence_time, home_team, away_team) "
        "VALUES ('evt-456', 'soccer_journaltest', now() + interval '1 day', 'Rovers', 'United')")
    sql("INSERT INTO odds_prices (event_id, book, market, outcome, price, observed_at, source) "
        "VALUES ('evt-456', 'bovada', 'h2h', 'Rovers', 2.2, now(), 'csv')")
    env = {"PATH": "/usr/bin:/bin", "BASE": STACK["URL"], "TOKEN": u.token,
           "CURL_CA_BUNDLE": STACK["CA"]}
    # one script: TRADE, set by the first command, serves the next ones
    script = "set -e\n" + "\n".join(c + "\necho" for c in commands) + "\n"
    p = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, (p.returncode, p.stderr, p.stdout[-2000:])
    outs = [o for o in p.stdout.split("\n") if o.strip()]
    assert any(o.startswith("id,symbol,side,") for o in outs), outs
    for o in outs:
        if o.startswith("{"):
            assert "error" not in json.loads(o), o
    # (175.5 - 170.25) x 10 - 2, the note, the imported short, the bet at 2.2
    rows = sql("SELECT symbol, side, pnl::text, note FROM journal_trades WHERE user_id = :'p1' "
               "ORDER BY id", u.id)
    assert rows == [["AAPL", "buy", "50.50", "breakout above the range"],
                    ["MSFT", "sell", "", ""]], rows
    assert sql("SELECT price::text, stake::text FROM journal_bets WHERE user_id = :'p1'",
               u.id) == [["2.2", "25"]]
