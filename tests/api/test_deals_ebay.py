"""Deals from eBay's Browse API against the running stack: cron/scan-deals
talking to a local stand-in (tests/standin/ebay_standin.py: the OAuth
client-credentials token, item_summary/search with money as strings and a
`next` chain, 401 on a bad token, 429, an empty result). The token is asked
for once a process and kept until shortly before it expires, asked for
again on a 401, and neither it nor the client secret shows in any log;
pages are followed up to EBAY_MAX_PAGES; the daily call budget stops the
calls and shows in provider health. Client addresses 127.40.15.0/24."""

import atexit
import itertools
import json
import os
import secrets
import subprocess
import tempfile
import urllib.request

from accounts import new_user, sql, sql_value
from jobs_lib import BIN, db_now, expect_rc, run, runs_since
from lib import expect_status, request, test, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
ITEMS = os.path.join(REPO, "tests", "fixtures", "deals", "ebay_items.json")
STANDIN = os.path.join(REPO, "tests", "standin", "ebay_standin.py")
CLIENT_ID = "standin-app-" + secrets.token_hex(4)
SECRET = "standin-secret-" + secrets.token_hex(12)
_addr = itertools.cycle(f"127.40.15.{i}" for i in range(1, 255))
_state = {}

SEARCH = {"name": "eBay Canon 50mm", "keywords_all": ["canon", "50mm"],
          "keywords_any": ["stm"], "keywords_not": ["cap"], "min_price": 20,
          "max_price": 500, "location": "US", "every_minutes": 15}


def standin():
    if "url" not in _state:
        port_file = os.path.join(tempfile.mkdtemp(prefix="ebay-standin-"), "port")
        _state["proc"] = subprocess.Popen(
            ["/usr/bin/python3", STANDIN, "--items", ITEMS, "--client-id", CLIENT_ID,
             "--client-secret", SECRET, "--port-file", port_file, "--idle", "300"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        atexit.register(_state["proc"].terminate)
        wait_for(lambda: os.path.exists(port_file))
        with open(port_file) as f:
            _state["url"] = "http://127.0.0.1:" + f.read().strip()
    return _state["url"]


def control(path):
    with urllib.request.urlopen(standin() + path, timeout=10) as r:
        return json.loads(r.read().decode() or "{}")


def search():
    """A fresh user's search, the only one due; (token, id)."""
    sql("UPDATE deal_searches SET enabled = false WHERE user_id IS NOT NULL")
    tok = new_user("ebay")[2]["access_token"]
    r = request("POST", "/api/deals/searches", body=SEARCH,
                headers={"Authorization": "Bearer " + tok}, source=next(_addr))
    expect_status(r, 201)
    return tok, r.json()["id"]


def scan(secret=SECRET, **extra):
    control("/_reset")
    env = {"EBAY_API_URL": standin(), "EBAY_CLIENT_ID": CLIENT_ID,
           "EBAY_CLIENT_SECRET": secret, "EBAY_PAGE_SIZE": "3", "HTTP_RETRIES": "0",
           "LOG_LEVEL": "debug"}
    env.update(extra)
    return run([os.path.join(BIN, "cron", "scan-deals")], **env)


def stored(sid):
    return sql("SELECT item_id, price::text, COALESCE(shipping::text, '-'), condition, "
               "feedback_pct::text, ended FROM deal_listings WHERE search_id = :'p1' "
               "ORDER BY item_id", sid)


def no_secrets(p):
    text = p.stdout + p.stderr
    # the stand-in's tokens all hold "#standin"
    assert SECRET not in text and "#standin" not in text and "Bearer" not in text, \
        "a secret or token in the job's output"


@test
def scan_follows_next_with_one_token():
    tok, sid = search()
    t0 = db_now()
    p = scan()
    expect_rc(p, 0, "scan")
    no_secrets(p)
    assert runs_since(t0, "scan-deals") == [("ok", 7, "")], runs_since(t0, "scan-deals")
    st = control("/_stats")
    assert st["tokens"] == 1 and st["searches"] == 3, st       # 7 items, 3 a page
    assert st["last_marketplace"] == "EBAY_US", st
    assert st["last_q"] == "canon 50mm (stm) -cap", st
    assert st["last_filter"] == "price:[20.00..500.00],priceCurrency:USD,itemLocationCountry:US", st
    rows = stored(sid)
    assert len(rows) == 7 and rows[0] == ["v1|11001|0", "100.00", "0.00", "used", "99.90", "f"], rows
    assert rows[6][1:4] == ["118.50", "-", "open_box"], rows[6]
    assert sql_value("SELECT count(*) FROM deal_listings WHERE search_id = :'p1' "
                     "AND provider = 'ebay' AND score IS NOT NULL", sid) == "6"
    # the budget shows in provider health
    r = request("GET", "/api/provider-health", headers={"Authorization": "Bearer " + tok},
                source=next(_addr))
    expect_status(r, 200)
    ebay = [x for x in r.json()["providers"] if x["provider"] == "ebay"]
    assert ebay and ebay[0]["quota"]["status"] == "reported", r.json()
    assert ebay[0]["quota"]["remaining"] == 5000 - ebay[0]["quota"]["used"], ebay


@test
def a_token_near_expiry_or_revoked_is_renewed():
    tok, sid = search()
    control("/_reset")
    p = scan(EBAY_MAX_PAGES="3")
    expect_rc(p, 0, "scan")
    # a token living 60 s (the margin) is renewed before every call
    sql("UPDATE deal_searches SET next_scan_at = now() WHERE id = :'p1'", sid)
    control("/_reset")
    control("/_expires_in/60")
    env = {"EBAY_API_URL": standin(), "EBAY_CLIENT_ID": CLIENT_ID,
           "EBAY_CLIENT_SECRET": SECRET, "EBAY_PAGE_SIZE": "3", "HTTP_RETRIES": "0"}
    expect_rc(run([os.path.join(BIN, "cron", "scan-deals")], **env), 0, "short tokens")
    st = control("/_stats")
    assert st["tokens"] == 3 and st["searches"] == 3, st
    # a token revoked after the first page: 401, a new token, the page again
    sql("UPDATE deal_searches SET next_scan_at = now() WHERE id = :'p1'", sid)
    control("/_reset")
    control("/_revoke_after/1")
    p = run([os.path.join(BIN, "cron", "scan-deals")], **env)
    expect_rc(p, 0, "revoked token")
    no_secrets(p)
    st = control("/_stats")
    assert st["tokens"] == 2 and st["searches"] == 3, st
    assert len(stored(sid)) == 7


@test
def page_cap_ends_nothing_and_empty_ends_all():
    tok, sid = search()
    expect_rc(scan(), 0, "full scan")
    sql("UPDATE deal_searches SET next_scan_at = now() WHERE id = :'p1'", sid)
    expect_rc(scan(EBAY_MAX_PAGES="1"), 0, "capped scan")
    assert control("/_stats")["searches"] == 1
    assert all(r[5] == "f" for r in stored(sid)), stored(sid)    # cut short: none ended
    sql("UPDATE deal_searches SET next_scan_at = now() WHERE id = :'p1'", sid)
    control("/_reset")
    control("/_empty/1")
    env = {"EBAY_API_URL": standin(), "EBAY_CLIENT_ID": CLIENT_ID,
           "EBAY_CLIENT_SECRET": SECRET, "HTTP_RETRIES": "0"}
    expect_rc(run([os.path.join(BIN, "cron", "scan-deals")], **env), 0, "empty result")
    assert all(r[5] == "t" for r in stored(sid)), stored(sid)
    assert sql_value("SELECT count(*) FROM hits WHERE domain = 'deals' "
                     "AND payload->>'search_id' = :'p1'", str(sid)) == "0"


@test
def refusals_store_nothing():
    tok, sid = search()
    t0 = db_now()
    p = scan(secret="wrong-" + SECRET)
    expect_rc(p, 1, "bad credentials")
    no_secrets(p)
    runs = runs_since(t0, "scan-deals")
    assert runs[0][0] == "failed" and "client authentication failed" in runs[0][2], runs
    assert stored(sid) == []
    assert "client authentication failed" in sql_value(
        "SELECT last_error FROM deal_searches WHERE id = :'p1'", sid)
    # 429: the run stops, the search waits for its next turn
    sql("UPDATE deal_searches SET next_scan_at = now() WHERE id = :'p1'", sid)
    control("/_reset")
    control("/_rate_limit/5")
    env = {"EBAY_API_URL": standin(), "EBAY_CLIENT_ID": CLIENT_ID,
           "EBAY_CLIENT_SECRET": SECRET, "HTTP_RETRIES": "0"}
    t1 = db_now()
    expect_rc(run([os.path.join(BIN, "cron", "scan-deals")], **env), 0, "rate limited")
    assert runs_since(t1, "scan-deals") == [("ok", 0, "")]
    assert stored(sid) == []
    assert "Too many requests" in sql_value(
        "SELECT last_error FROM deal_searches WHERE id = :'p1'", sid)
    # a spent budget: no call at all
    sql("UPDATE deal_searches SET next_scan_at = now() WHERE id = :'p1'", sid)
    control("/_reset")
    expect_rc(scan(EBAY_DAILY_CALLS="0"), 0, "budget spent")
    assert control("/_stats")["searches"] == 0 and control("/_stats")["tokens"] == 0


@test
def an_item_on_two_pages_is_stored_once():
    tok, sid = search()
    control("/_reset")
    control("/_shift/1")
    env = {"EBAY_API_URL": standin(), "EBAY_CLIENT_ID": CLIENT_ID,
           "EBAY_CLIENT_SECRET": SECRET, "EBAY_PAGE_SIZE": "3", "HTTP_RETRIES": "0"}
    t0 = db_now()
    expect_rc(run([os.path.join(BIN, "cron", "scan-deals")], **env), 0, "shifted pages")
    assert control("/_stats")["searches"] == 3
    # pages 0-2, 2-4, 5-6: the third item came twice
    assert runs_since(t0, "scan-deals") == [("ok", 7, "")], runs_since(t0, "scan-deals")
    assert len(stored(sid)) == 7
