"""Exports of stored daily prices: CSV (RFC 4180, streamed, an attachment)
parsed back equals the JSON export and the imported file, value for value;
date and symbol filters; the export quota and scope; bad input."""

import csv
import io
import urllib.parse

from accounts import sql_value
from analysis_lib import (call, ensure_gspc, import_rows, new_user, random_symbol,
                          sp500_rows)
from lib import expect_error, expect_status, test

HEADER = ["symbol", "date", "open", "high", "low", "close", "adjclose", "volume"]


def q(s):
    return urllib.parse.quote(s, safe="")


def parse_csv(reply):
    """The reply's records; every line must end in CRLF (RFC 4180)."""
    text = reply.body.decode("utf-8")
    assert text.endswith("\r\n"), repr(text[-20:])
    lines = text.split("\r\n")[:-1]
    assert all("\n" not in line and "\r" not in line for line in lines)
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    assert rows[0] == HEADER, rows[0]
    return rows[1:]


def typed(rec):
    """A CSV record as the JSON export's row."""
    sym, date, o, h, lo, c, a, v = rec
    return {"symbol": sym, "date": date, "open": float(o), "high": float(h), "low": float(lo),
            "close": float(c), "adjclose": float(a), "volume": int(v)}


def expected(symbol, rows, frm=None, to=None):
    return [{"symbol": symbol, "date": r["date"], "open": float(r["open"]),
             "high": float(r["high"]), "low": float(r["low"]), "close": float(r["close"]),
             "adjclose": float(r["adjclose"]), "volume": int(r["volume"])}
            for r in rows if (frm is None or r["date"] >= frm) and (to is None or r["date"] <= to)]


@test
def csv_export_parsed_back_equals_the_json_export_and_the_source():
    ensure_gspc()
    rows = sp500_rows()
    other = random_symbol()
    import_rows(other, rows[-300:])
    u = new_user()
    query = f"symbols={q('^GSPC')},{other}&from=2019-06-03&to=2020-04-17"
    r = u.get(f"/api/v1/export.csv?{query}")
    expect_status(r, 200)
    assert r.header("content-type").startswith("text/csv"), r.headers
    assert r.header("content-disposition") == \
        'attachment; filename="edgescout-export-2019-06-03-2020-04-17.csv"'
    assert r.header("content-length") is None and r.header("transfer-encoding") == "chunked"
    assert r.header("x-ratelimit-limit") == "20"       # free tier, export
    assert r.header("x-ratelimit-remaining") == "19"
    records = parse_csv(r)
    j = u.get(f"/api/v1/export.json?{query}")
    expect_status(j, 200)
    assert j.header("content-disposition") == \
        'attachment; filename="edgescout-export-2019-06-03-2020-04-17.json"'
    body = j.json()
    assert body["symbols"] == ["^GSPC", other] and body["from"] == "2019-06-03"
    assert body["to"] == "2020-04-17" and body["count"] == len(records)
    assert [typed(rec) for rec in records] == body["rows"]
    want = expected("^GSPC", rows, "2019-06-03", "2020-04-17") + \
        expected(other, rows[-300:], "2019-06-03", "2020-04-17")
    assert body["rows"] == want and len(want) > 200
    # the very number texts of the source file, trailing zeros aside
    last = records[len(expected("^GSPC", rows, "2019-06-03", "2020-04-17")) - 1]
    assert last == ["^GSPC", "2020-04-17", "2842.429932", "2879.219971", "2830.879883",
                    "2874.560059", "2874.560059", "5792140000"], last
    assert "2806.51001" in [rec[3] for rec in records]      # "2806.510010" in the file


@test
def csv_follows_rfc_4180():
    ensure_gspc()
    u = new_user()
    r = u.get(f"/api/v1/export.csv?symbols={q('^GSPC')}&from=2020-04-16&to=2020-04-17")
    expect_status(r, 200)
    assert r.body == (b"symbol,date,open,high,low,close,adjclose,volume\r\n"
                      b"^GSPC,2020-04-16,2799.340088,2806.51001,2764.320068,2799.550049,"
                      b"2799.550049,5179990000\r\n"
                      b"^GSPC,2020-04-17,2842.429932,2879.219971,2830.879883,2874.560059,"
                      b"2874.560059,5792140000\r\n"), r.body
    # a range with no bars: the header alone; JSON: no rows
    r = u.get(f"/api/v1/export.csv?symbols={q('^GSPC')}&from=2021-01-01")
    assert r.body == b"symbol,date,open,high,low,close,adjclose,volume\r\n"
    assert r.header("content-disposition") == \
        'attachment; filename="edgescout-export-2021-01-01-end.csv"'
    j = u.get(f"/api/v1/export.json?symbols={q('^GSPC')}&from=2021-01-01").json()
    assert j == {"symbols": ["^GSPC"], "from": "2021-01-01", "to": None, "rows": [],
                 "count": 0}


@test
def open_ended_ranges_export_everything_stored():
    ensure_gspc()
    u = new_user("pro")
    r = u.get(f"/api/v1/export.csv?symbols={q('^GSPC')}")
    records = parse_csv(r)
    assert len(records) == 5105 and records[0][1] == "2000-01-03"
    assert r.header("content-disposition") == \
        'attachment; filename="edgescout-export-start-end.csv"'
    j = u.get(f"/api/v1/export.json?symbols={q('^GSPC')}").json()
    assert j["count"] == 5105 and [typed(rec) for rec in records] == j["rows"]
    assert j["rows"] == expected("^GSPC", sp500_rows())
    r = u.get(f"/api/v1/export.csv?symbols={q('^GSPC')}&to=2000-01-05")
    assert [rec[1] for rec in parse_csv(r)] == ["2000-01-03", "2000-01-04", "2000-01-05"]


@test
def bad_export_input_is_refused():
    ensure_gspc()
    u = new_user("pro")
    g = q("^GSPC")
    many = ",".join(random_symbol("Z") for _ in range(51))
    bad = [
        ("from=2020-01-01", "symbols"),
        ("symbols=", "symbols"),
        ("symbols=aapl.", "symbols"),
        (f"symbols={g},%5Egspc", "symbols"),
        (f"symbols={g},,MSFT", "symbols"),
        (f"symbols={g},", "symbols"),
        (f"symbols={g},{g}", "symbols"),
        (f"symbols={many}", "symbols"),
        ("symbols=" + q("AAPL';DROP TABLE candles;--"), "symbols"),
        (f"symbols={g}&from=2020-13-01", "from"),
        (f"symbols={g}&from=2020-02-30", "from"),
        (f"symbols={g}&from=2019-02-29", "from"),
        (f"symbols={g}&from=20200101", "from"),
        (f"symbols={g}&to=2020-1-1", "to"),
        (f"symbols={g}&to=2020-01-01T00:00:00", "to"),
        (f"symbols={g}&from=2020-04-17&to=2020-04-16", "from"),
        (f"symbols={g}&format=xml", "format"),
        (f"symbols={g}&symbols=MSFT", "symbols"),
    ]
    candles_before = sql_value("SELECT count(*) FROM candles")
    for ext in ("csv", "json"):
        for query, field in bad:
            r = u.get(f"/api/v1/export.{ext}?{query}")
            err = expect_error(r, 422, "VALIDATION_FAILED", field)
            if query == f"symbols={many}":
                assert "at most 50" in err["message"], err
        never = random_symbol("Z")
        err = expect_error(u.get(f"/api/v1/export.{ext}?symbols={g},{never}"), 404,
                           "NOT_FOUND", "symbols")
        assert never in err["message"], err
        expect_error(call("GET", f"/api/v1/export.{ext}?symbols={g}"), 401, "UNAUTHORIZED")
    # a leap day is a real date
    expect_status(u.get(f"/api/v1/export.csv?symbols={g}&from=2020-02-29&to=2020-02-29"), 200)
    assert sql_value("SELECT count(*) FROM candles") == candles_before


@test
def exports_need_the_export_scope_and_quota():
    ensure_gspc()
    u = new_user()
    path = f"/api/v1/export.csv?symbols={q('^GSPC')}&from=2020-04-17"
    keys = {}
    for scopes in (("read",), ("read", "export")):
        r = u.post("/api/auth/api-keys", body={"name": "+".join(scopes), "scopes": list(scopes)})
        expect_status(r, 201)
        keys[scopes] = r.json()["key"]
    expect_error(call("GET", path, headers={"X-API-Key": keys[("read",)]}), 403, "FORBIDDEN")
    r = call("GET", path, headers={"X-API-Key": keys[("read", "export")]})
    expect_status(r, 200)
    assert len(parse_csv(r)) == 1
    # the free tier's 20 exports a day: the rest of them, then refused
    for i in range(19):
        r = u.get(path.replace("csv", "json") if i % 2 else path)
        expect_status(r, 200)
    assert r.header("x-ratelimit-remaining") == "0"
    r = u.get(path)
    expect_error(r, 429, "QUOTA_EXCEEDED")
    assert int(r.header("retry-after")) > 0


@test
def refused_input_costs_no_quota():
    """A 422 from the handler (past the contract, after the charge) gives
    the unit back, and its X-RateLimit-Remaining says so: only answered
    requests count against the day's quota."""
    ensure_gspc()
    u = new_user()

    def used(quota_class):
        return sql_value("SELECT coalesce(sum(used), 0) FROM quota_usage WHERE user_id = :'p1' "
                         "AND quota_class = :'p2'", u.id, quota_class)

    g = q("^GSPC")
    for path in (f"/api/v1/export.csv?symbols={g},,MSFT", f"/api/v1/export.json?symbols={g},{g}",
                 f"/api/v1/export.csv?symbols={g}&from=2020-04-17&to=2020-04-16"):
        r = u.get(path)
        expect_error(r, 422, "VALIDATION_FAILED")
        # the reply counts the unit as given back: nothing spent today
        assert r.header("x-ratelimit-remaining") == r.header("x-ratelimit-limit") == "20", \
            r.headers
    expect_error(u.get(f"/api/candles?symbol={g}&from=2020-04-17&to=2020-04-16"), 422,
                 "VALIDATION_FAILED", "from")
    assert used("export") == "0" and used("default") == "0", (used("export"), used("default"))
    expect_status(u.get(f"/api/v1/export.csv?symbols={g}&from=2020-04-17"), 200)
    expect_status(u.get(f"/api/candles?symbol={g}&from=2020-04-17"), 200)
    assert used("export") == "1" and used("default") == "1", (used("export"), used("default"))
