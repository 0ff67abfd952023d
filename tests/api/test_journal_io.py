"""The journal's CSV against the running stack: the export of the caller's
trades (filtered, quoted per RFC 4180), an import of it into another
journal that exports the same rows, and imports refused whole for a bad
row. Client addresses come from analysis_lib's 127.21.0.0/22."""

import csv
import io

from accounts import sql_value
from analysis_lib import new_user
from lib import expect_error, expect_status, test

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
