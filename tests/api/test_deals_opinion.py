"""The second opinion on great deals against the running stack: with
DEALS_OPINION_URL set, cron/scan-deals asks a local stand-in of an
OpenAI-compatible chat-completions API (tests/standin/chat_standin.py) about
each great deal that has no opinion yet, keeps the text, and GET
/api/deals/{id} shows it; asked once per listing; a refused key keeps
nothing and fails nothing; the key never shows in the job's output. Off by
default (test_deals: no opinion). Listings: tests/fixtures/deals/
listings.csv, whose only great deal is L6. Client addresses
127.40.16.0/24."""

import atexit
import itertools
import json
import os
import secrets
import shutil
import subprocess
import tempfile
import urllib.request

from accounts import new_user, sql, sql_value
from jobs_lib import BIN, expect_rc, run
from lib import expect_status, request, test, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
STANDIN = os.path.join(REPO, "tests", "standin", "chat_standin.py")
KEY = "sk-standin-" + secrets.token_hex(12)
_addr = itertools.cycle(f"127.40.16.{i}" for i in range(1, 255))
_state = {}

SEARCH = {"name": "Canon 50mm, opinions", "keywords_all": ["canon", "50mm"],
          "keywords_any": ["stm"], "keywords_not": ["cap"],
          "exclude_words": ["for parts"], "every_minutes": 15}


def standin():
    if "url" not in _state:
        port_file = os.path.join(tempfile.mkdtemp(prefix="chat-standin-"), "port")
        _state["proc"] = subprocess.Popen(
            ["/usr/bin/python3", STANDIN, "--key", KEY, "--port-file", port_file,
             "--idle", "300"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        atexit.register(_state["proc"].terminate)
        wait_for(lambda: os.path.exists(port_file))
        with open(port_file) as f:
            _state["url"] = "http://127.0.0.1:" + f.read().strip()
    return _state["url"]


def standin_get(path):
    with urllib.request.urlopen(standin() + path, timeout=10) as r:
        return json.loads(r.read().decode())


def listings_url():
    d = tempfile.mkdtemp(prefix="es-opinion-", dir="/tmp")
    os.chmod(d, 0o755)
    path = os.path.join(d, "listings.csv")
    shutil.copy(os.path.join(REPO, "tests", "fixtures", "deals", "listings.csv"), path)
    os.chmod(path, 0o644)
    return "file://" + path


def search():
    sql("UPDATE deal_searches SET enabled = false WHERE user_id IS NOT NULL")
    tok = new_user("opinion")[2]["access_token"]
    r = request("POST", "/api/deals/searches", body=SEARCH,
                headers={"Authorization": "Bearer " + tok}, source=next(_addr))
    expect_status(r, 201)
    return tok, r.json()["id"]


def scan(key=KEY):
    sql("DELETE FROM http_cache WHERE provider = 'deals_csv'")
    return run([os.path.join(BIN, "cron", "scan-deals")], DEALS_CSV_URL=listings_url(),
               DEALS_OPINION_URL=standin() + "/v1", DEALS_OPINION_KEY=key,
               DEALS_OPINION_MODEL="standin-model", HTTP_RETRIES="0", LOG_LEVEL="debug")


@test
def great_deals_get_a_second_opinion_once():
    tok, sid = search()
    standin_get("/_reset")
    p = scan()
    expect_rc(p, 0, "scan with opinions")
    assert KEY not in p.stdout + p.stderr, "the key in the job's output"
    reqs = standin_get("/_requests")
    assert len(reqs) == 1 and reqs[0]["auth"] == "ok", reqs
    body = reqs[0]["body"]
    assert body["model"] == "standin-model" and body["temperature"] == 0, body
    user = [m["content"] for m in body["messages"] if m["role"] == "user"][0]
    assert user.startswith("Listing: Canon EF 50mm f/1.8 STM lens\n"), user
    assert "Price: 60.00 USD" in user and "Deal score: " in user and "(great)" in user, user
    lid = sql_value("SELECT id FROM deal_listings WHERE search_id = :'p1' "
                    "AND item_id = 'L6'", sid)
    r = request("GET", f"/api/deals/{lid}", headers={"Authorization": "Bearer " + tok},
                source=next(_addr))
    expect_status(r, 200)
    op = r.json()["opinion"]
    assert op["text"] == "Second opinion on Listing: Canon EF 50mm f/1.8 STM lens: " \
        "check the seller's return policy." and op["model"] == "standin-model", op
    # asked once: the next scan finds nothing without an opinion
    sql("UPDATE deal_searches SET next_scan_at = now() WHERE id = :'p1'", sid)
    expect_rc(scan(), 0, "second scan")
    assert len(standin_get("/_requests")) == 1


@test
def a_refused_key_keeps_nothing():
    tok, sid = search()
    standin_get("/_reset")
    bad = "sk-wrong-" + secrets.token_hex(8)
    p = scan(key=bad)
    expect_rc(p, 0, "scan with a refused key")
    assert bad not in p.stdout + p.stderr, "the key in the job's output"
    assert "Incorrect API key provided" in p.stderr, p.stderr
    assert [r["auth"] for r in standin_get("/_requests")] == ["bad"]
    assert sql_value("SELECT count(*) FROM deal_listings WHERE search_id = :'p1' "
                     "AND opinion IS NOT NULL", sid) == "0"
    assert sql_value("SELECT count(*) FROM deal_listings WHERE search_id = :'p1' "
                     "AND band = 'great'", sid) == "1"
