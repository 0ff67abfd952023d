"""Deals against the running stack: saved searches (GET|POST
/api/deals/searches, GET|PATCH|DELETE /api/deals/searches/{id}, POST
.../scan) with their contract and the tier's limit, and cron/scan-deals
over recorded listings (tests/fixtures/deals/listings.csv through
file://): listings stored once per item, the query's AND/OR/NOT and
exclusion words, scores and hits, then a later file where one listing is
gone (ended) and one is cheaper (price history, a higher score).

The fixture's Canon 50mm listings in the used bucket have totals 100, 115,
100, 105, 102, 60 and 150; L10 is new (its own bucket), L8 is a lens cap
(keywords_not "cap"), L9 is for parts (exclusion word), L11 a Nikon.
Client addresses 127.40.13.0/24."""

import itertools
import json
import os
import shutil
import subprocess
import tempfile

from accounts import new_user, sql, sql_value
from jobs_lib import BIN, db_now, expect_rc, run, runs_since
from lib import STACK, expect_error, expect_status, request, test

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "fixtures", "deals"))
_addr = itertools.cycle(f"127.40.13.{i}" for i in range(1, 255))
_state = {}

CANON = {"name": "Canon 50mm", "keywords_all": ["canon", "50mm"],
         "keywords_any": ["stm", "f/1.8"], "keywords_not": ["cap"],
         "exclude_words": ["for parts"], "every_minutes": 15}


def call(method, path, token, body=None):
    return request(method, path, body=body, headers={"Authorization": "Bearer " + token},
                   source=next(_addr))


def token(tag="deals"):
    return new_user(tag)[2]["access_token"]


def public_copy(name):
    """A fixture copied where the stack's account can read it: its file:// URL."""
    d = _state.setdefault("dir", tempfile.mkdtemp(prefix="es-deals-", dir="/tmp"))
    os.chmod(d, 0o755)
    path = os.path.join(d, name)
    shutil.copy(os.path.join(FIXTURES, name), path)
    os.chmod(path, 0o644)
    return "file://" + path


def scan_job(name):
    sql("DELETE FROM http_cache WHERE provider = 'deals_csv'")
    return run([os.path.join(BIN, "cron", "scan-deals")], DEALS_CSV_URL=public_copy(name),
               HTTP_RETRIES="0")


@test
def searches_crud():
    tok = token()
    r = call("POST", "/api/deals/searches", tok, CANON)
    expect_status(r, 201)
    s = r.json()
    assert s["name"] == "Canon 50mm" and s["keywords_all"] == ["canon", "50mm"], s
    assert s["keywords_not"] == ["cap"] and s["exclude_words"] == ["for parts"], s
    assert s["conditions"] == [] and s["min_price"] is None and s["enabled"] is True, s
    assert s["every_minutes"] == 15 and s["listings"] == 0 and s["last_scan_at"] is None, s
    sid = s["id"]
    r = call("GET", "/api/deals/searches", tok)
    expect_status(r, 200)
    assert [x["id"] for x in r.json()["items"]] == [sid] and r.json()["next_cursor"] is None
    r = call("PATCH", f"/api/deals/searches/{sid}", tok,
             {"max_price": 500, "conditions": ["used", "open_box"], "location": "us"})
    expect_status(r, 200)
    s = r.json()
    assert s["max_price"] == 500 and s["conditions"] == ["used", "open_box"], s
    assert s["location"] == "US" and s["name"] == "Canon 50mm", s
    r = call("PATCH", f"/api/deals/searches/{sid}", tok, {"min_price": 600})
    expect_error(r, 422, "VALIDATION_FAILED")
    assert call("GET", f"/api/deals/searches/{sid}", tok).json()["min_price"] is None
    other = token("deals-other")
    expect_error(call("GET", f"/api/deals/searches/{sid}", other), 404, "NOT_FOUND")
    expect_error(call("PATCH", f"/api/deals/searches/{sid}", other, {"name": "x"}), 404,
                 "NOT_FOUND")
    expect_error(call("DELETE", f"/api/deals/searches/{sid}", other), 404, "NOT_FOUND")
    expect_error(call("POST", f"/api/deals/searches/{sid}/scan", other), 404, "NOT_FOUND")
    expect_status(call("DELETE", f"/api/deals/searches/{sid}", tok), 204)
    expect_error(call("GET", f"/api/deals/searches/{sid}", tok), 404, "NOT_FOUND")


@test
def searches_refuse_bad_input():
    tok = token()
    bad = [
        ({"name": "x"}, "keywords_all"),
        ({**CANON, "min_price": 10, "max_price": 5}, "min_price"),
        ({**CANON, "conditions": ["mint"]}, "conditions"),
        ({**CANON, "buying_options": ["swap"]}, "buying_options"),
        ({**CANON, "location": "USA"}, "location"),
        ({**CANON, "location": "1x"}, "location"),
        ({**CANON, "keywords_all": ["ok", "two\nlines"]}, "keywords_all"),
        ({**CANON, "keywords_all": [" padded"]}, "keywords_all"),
        ({**CANON, "keywords_all": ["w"] * 21}, "keywords_all"),
        ({**CANON, "keywords_all": "canon"}, "keywords_all"),
        ({**CANON, "name": "n" * 101}, "name"),
        ({**CANON, "name": 5}, "name"),
        ({**CANON, "every_minutes": 5}, "every_minutes"),
        ({**CANON, "max_price": "cheap"}, "max_price"),
        ({**CANON, "enabled": "yes"}, "enabled"),
        ({**CANON, "surprise": 1}, "surprise"),
    ]
    for body, field in bad:
        expect_error(call("POST", "/api/deals/searches", tok, body), 422,
                     "VALIDATION_FAILED", field)
    r = request("POST", "/api/deals/searches", raw_body=b'{"name": "x", ',
                headers={"Authorization": "Bearer " + tok,
                         "Content-Type": "application/json"}, source=next(_addr))
    expect_error(r, 400, "INVALID_JSON")
    r = request("POST", "/api/deals/searches", raw_body=b'{"name": "\xff"}',
                headers={"Authorization": "Bearer " + tok,
                         "Content-Type": "application/json"}, source=next(_addr))
    assert r.status in (400, 422), r
    assert call("GET", "/api/deals/searches", tok).json()["items"] == []
    # an injection string is only text
    inj = "x'); DROP TABLE deal_searches; --"
    r = call("POST", "/api/deals/searches", tok, {**CANON, "name": inj,
                                                    "keywords_any": [inj]})
    expect_status(r, 201)
    assert r.json()["name"] == inj and r.json()["keywords_any"] == [inj]
    assert sql_value("SELECT count(*) FROM deal_searches") >= "1"


@test
def tier_limits_saved_searches():
    tok = token()
    limit = int(sql_value("SELECT daily_limit FROM tier_quotas WHERE tier = 'free' "
                          "AND quota_class = 'deal_searches'"))
    for i in range(limit):
        expect_status(call("POST", "/api/deals/searches", tok, {**CANON, "name": f"s{i}"}),
                      201)
    expect_error(call("POST", "/api/deals/searches", tok, {**CANON, "name": "one more"}),
                 409, "CONFLICT")
    assert len(call("GET", "/api/deals/searches", tok).json()["items"]) == limit


@test
def scan_now_needs_a_provider():
    tok = token()
    sid = call("POST", "/api/deals/searches", tok, CANON).json()["id"]
    expect_error(call("POST", "/api/deals/searches/999999999/scan", tok), 404, "NOT_FOUND")
    # the test stack has no DEALS_CSV_URL: the scan is refused, nothing written
    expect_error(call("POST", f"/api/deals/searches/{sid}/scan", tok), 502,
                 "PROVIDER_UNAVAILABLE")
    assert sql_value("SELECT count(*) FROM deal_listings WHERE search_id = :'p1'", sid) == "0"


def scanned():
    """A search scanned once by the job: (token, search id, start time)."""
    if "scanned" not in _state:
        sql("UPDATE deal_searches SET enabled = false WHERE user_id IS NOT NULL")
        tok = token()
        sid = call("POST", "/api/deals/searches", tok, CANON).json()["id"]
        t0 = db_now()
        expect_rc(scan_job("listings.csv"), 0, "first scan")
        _state["scanned"] = (tok, sid, t0)
    return _state["scanned"]


def listings(sid):
    return {r[0]: r[1:] for r in sql(
        "SELECT item_id, price::text, score::text, band, comparables, ended FROM "
        "deal_listings WHERE search_id = :'p1' ORDER BY item_id", sid)}


@test
def job_stores_scores_and_hits():
    tok, sid, t0 = scanned()
    runs = runs_since(t0, "scan-deals")
    assert runs == [("ok", 8, "")], runs
    got = listings(sid)
    assert sorted(got) == ["L1", "L10", "L2", "L3", "L4", "L5", "L6", "L7"], got
    # L10 is alone in the new bucket: no comparables, no score
    assert got["L10"][1] == "" and got["L10"][3] == "0", got
    # used bucket: the other six are each listing's comparables
    assert all(got[k][3] == "6" for k in ("L1", "L6", "L7")), got
    assert got["L6"][2] == "great" and got["L7"][2] == "overpriced", got
    assert float(got["L6"][1]) > float(got["L1"][1]) > float(got["L7"][1]), got
    hits = sql("SELECT key, score::text, payload->>'band' FROM hits WHERE domain = 'deals' "
               "AND payload->>'search_id' = :'p1' ORDER BY key", str(sid))
    keys = {h[0] for h in hits}
    ids = {r[0]: r[1] for r in sql("SELECT item_id, id FROM deal_listings "
                                   "WHERE search_id = :'p1'", sid)}
    assert f"listing:{ids['L6']}" in keys and f"listing:{ids['L7']}" not in keys, hits
    assert all(h[2] in ("great", "good") for h in hits), hits
    # a private search's hits are its owner's: in the owner's feed, not another's
    owner = sql_value("SELECT user_id FROM deal_searches WHERE id = :'p1'", sid)
    assert sql("SELECT DISTINCT user_id::text FROM hits WHERE domain = 'deals' "
               "AND payload->>'search_id' = :'p1'", str(sid)) == [[owner]]
    feed = call("GET", "/api/feed?domain=deals&limit=200", tok)
    expect_status(feed, 200)
    mine = {i["key"]: i for i in feed.json()["items"]}
    assert mine[f"listing:{ids['L6']}"]["link"] == f"/api/deals/{ids['L6']}", mine
    other = new_user("deals-other")[2]["access_token"]
    feed = call("GET", "/api/feed?domain=deals&limit=200", other)
    expect_status(feed, 200)
    assert not {i["key"] for i in feed.json()["items"]} & keys, feed.json()
    s = call("GET", f"/api/deals/searches/{sid}", tok).json()
    assert s["listings"] == 8 and s["last_scan_at"] and s["last_error"] is None, s


@test
def job_twice_changes_nothing():
    tok, sid, t0 = scanned()
    before = listings(sid)
    hits = sql("SELECT key, score::text, observed_at::text FROM hits WHERE domain = 'deals' "
               "ORDER BY key")
    t1 = db_now()
    expect_rc(scan_job("listings.csv"), 0, "second scan")
    assert runs_since(t1, "scan-deals") == [("ok", 0, "")]
    sql("UPDATE deal_searches SET next_scan_at = now() WHERE id = :'p1'", sid)
    t2 = db_now()
    expect_rc(scan_job("listings.csv"), 0, "scan of the same file")
    assert runs_since(t2, "scan-deals") == [("ok", 0, "")]
    assert listings(sid) == before
    assert sql("SELECT key, score::text, observed_at::text FROM hits WHERE domain = 'deals' "
               "ORDER BY key") == hits
    assert sql_value("SELECT count(*) FROM deal_prices p JOIN deal_listings l "
                     "ON l.id = p.listing_id WHERE l.search_id = :'p1'", sid) == "8"


def ids_of(sid):
    return {r[0]: int(r[1]) for r in sql("SELECT item_id, id FROM deal_listings "
                                         "WHERE search_id = :'p1'", sid)}


def all_pages(tok, query, limit):
    seen, cursor = [], None
    for _ in range(20):
        r = call("GET", f"/api/deals?{query}&limit={limit}" +
                 (f"&cursor={cursor}" if cursor else ""), tok)
        expect_status(r, 200)
        seen += r.json()["items"]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("too many pages")


@test
def deals_list_filters_sorts_and_pages():
    tok, sid, t0 = scanned()
    ids = ids_of(sid)
    r = call("GET", f"/api/deals?search={sid}", tok)
    expect_status(r, 200)
    items = r.json()["items"]
    # L10 has no comparables, so no score: not a deal
    assert sorted(i["item_id"] for i in items) == ["L1", "L2", "L3", "L4", "L5", "L6", "L7"]
    scores = [i["score"] for i in items]
    assert scores == sorted(scores, reverse=True) and items[0]["item_id"] == "L6", items
    l2 = next(i for i in items if i["item_id"] == "L2")
    assert l2["total"] == 115 and l2["shipping"] == 5 and l2["currency"] == "USD", l2
    assert l2["condition"] == "used" and l2["comparables"] == 6 and l2["ended"] is False, l2
    r = call("GET", f"/api/deals?search={sid}&sort=price", tok)
    totals = [i["total"] for i in r.json()["items"]]
    assert totals == [60, 100, 100, 102, 105, 115, 150], totals
    # the used totals sit close together (MAD 2.5 around 101 for L2), so L2's
    # 115 is as overpriced as L7's 150
    r = call("GET", f"/api/deals?search={sid}&band=overpriced", tok)
    assert [i["item_id"] for i in r.json()["items"]] == ["L2", "L7"], r.json()
    r = call("GET", f"/api/deals?search={sid}&min_score=75", tok)
    assert {i["band"] for i in r.json()["items"]} == {"great"}, r.json()
    r = call("GET", f"/api/deals?search={sid}&min_price=100&max_price=105", tok)
    assert sorted(i["item_id"] for i in r.json()["items"]) == ["L1", "L4"], r.json()
    for sort in ("score", "price", "newest"):
        whole = call("GET", f"/api/deals?search={sid}&sort={sort}", tok).json()["items"]
        paged = all_pages(tok, f"search={sid}&sort={sort}", 3)
        assert [i["id"] for i in paged] == [i["id"] for i in whole], (sort, paged)
    other = token("deals-other")
    assert call("GET", f"/api/deals?search={sid}", other).json()["items"] == []
    expect_error(call("GET", f"/api/deals?cursor={ids['L1']}", other), 422,
                 "VALIDATION_FAILED", "cursor")
    expect_error(call("GET", f"/api/deals/{ids['L1']}", other), 404, "NOT_FOUND")
    for q, field in (("min_score=101", "min_score"), ("band=cheap", "band"),
                     ("sort=random", "sort"), ("search=abc", "search"),
                     ("limit=0", "limit"), ("max_price=-1", "max_price")):
        expect_error(call("GET", "/api/deals?" + q, tok), 422, "VALIDATION_FAILED", field)


@test
def deal_detail_summary_and_csv():
    tok, sid, t0 = scanned()
    ids = ids_of(sid)
    r = call("GET", f"/api/deals/{ids['L1']}", tok)
    expect_status(r, 200)
    d = r.json()
    assert [c["name"] for c in d["components"]] == ["price", "seller", "condition",
                                                    "shipping"], d
    assert abs(sum(c["contribution"] for c in d["components"]) - d["score"]) < 0.011, d
    assert sum(c["weight"] for c in d["components"]) == 100, d
    cmp = sorted(c["item_id"] for c in d["comparable_listings"])
    assert cmp == ["L2", "L3", "L4", "L5", "L6", "L7"], cmp
    assert d["median_total"] == 103.5 and d["comparables"] == 6, d
    assert [(p["price"], p["shipping"]) for p in d["price_history"]] == [(100, 0)], d
    assert d["opinion"] is None, d      # second opinions are off by default
    expect_error(call("GET", "/api/deals/999999999", tok), 404, "NOT_FOUND")
    expect_error(call("GET", "/api/deals/abc", tok), 404, "NOT_FOUND")
    r = call("GET", "/api/deals/summary", tok)
    expect_status(r, 200)
    s = r.json()
    mine = next(x for x in s["searches"] if x["id"] == sid)
    assert mine["listings"] == 8 and mine["demo"] is False and mine["great"] >= 1, mine
    assert s["scored"] >= 7 and s["bands"]["overpriced"] >= 1, s
    r = call("GET", f"/api/deals.csv?search={sid}&sort=price", tok)
    expect_status(r, 200)
    assert r.header("content-type").startswith("text/csv"), r
    lines = r.body.decode().split("\r\n")
    assert lines[0].startswith("id,search_id,search,provider,item_id,title,price,"), lines[0]
    assert len([x for x in lines[1:] if x]) == 7, lines
    assert lines[1].split(",")[4] == "L6", lines[1]


@test
def job_ends_gone_listings_and_rescores_a_drop():
    tok, sid, t0 = scanned()
    before = listings(sid)
    sql("UPDATE deal_searches SET next_scan_at = now() WHERE id = :'p1'", sid)
    t1 = db_now()
    expect_rc(scan_job("listings-later.csv"), 0, "later scan")
    assert runs_since(t1, "scan-deals") == [("ok", 2, "")], runs_since(t1, "scan-deals")
    after = listings(sid)
    assert after["L7"][4] == "t" and before["L7"][4] == "f", after
    assert after["L6"][0] == "55.00" and float(after["L6"][1]) > float(before["L6"][1]), after
    assert after["L1"][3] == "5", after   # L7 ended: one comparable fewer
    history = sql("SELECT p.price::text FROM deal_prices p JOIN deal_listings l "
                  "ON l.id = p.listing_id WHERE l.search_id = :'p1' AND l.item_id = 'L6' "
                  "ORDER BY p.observed_at", sid)
    assert history == [["60.00"], ["55.00"]], history


@test
def readme_examples_run_as_written():
    tok, sid, t0 = scanned()
    with open(os.path.join(REPO, "README.md")) as f:
        text = f.read()
    start = text.index("With `BASE` the stack's URL, `TOKEN` an access token, `SEARCH`")
    first = text.index("```sh\n", start) + len("```sh\n")
    block = text[first:text.index("```", first)]
    commands = block.replace("\\\n", " ").strip().splitlines()
    assert len(commands) == 7 and all(c.startswith("curl ") for c in commands), commands
    env = {"PATH": "/usr/bin:/bin", "BASE": STACK["URL"], "TOKEN": tok,
           "SEARCH": str(sid), "DEAL": str(ids_of(sid)["L1"]),
           "CURL_CA_BUNDLE": STACK["CA"]}
    for c in commands:
        p = subprocess.run(["bash", "-c", c], env=env, capture_output=True, text=True,
                           timeout=60)
        expect_rc(p, 0, c)
        if ".csv" in c:
            assert p.stdout.startswith("id,search_id,search,"), (c, p.stdout[:200])
            continue
        body = json.loads(p.stdout)
        assert "error" not in body, (c, body)
    assert sql_value("SELECT count(*) FROM deal_searches WHERE name = '50mm lenses' "
                     "AND max_price = 400") >= "1"
    assert sql_value("SELECT max_shipping::text || location FROM deal_searches "
                     "WHERE id = :'p1'", sid) == "20.00US"
