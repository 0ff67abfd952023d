"""`edgescout deals demo` (what `make run` loads) against the running stack:
the recorded listings of data/deals-demo.csv (real diamond prices of the
ggplot2 data set, see data/README.md) land in four demo searches that every
user sees, scored, with no provider key; a second run changes nothing, and
the scan-deals job leaves the demo searches alone. Client addresses
127.40.14.0/24."""

import itertools

from accounts import new_user, sql, sql_value
from jobs_lib import cli, expect_rc
from lib import expect_error, expect_status, request, test

_addr = itertools.cycle(f"127.40.14.{i}" for i in range(1, 255))


def get(path, token):
    return request("GET", path, headers={"Authorization": "Bearer " + token},
                   source=next(_addr))


@test
def deals_demo_shows_scored_deals_to_a_new_user():
    p = cli("deals", "demo")
    expect_rc(p, 0, "deals demo")
    assert p.stdout.startswith("deals demo: 722 listings ("), p.stdout
    p = cli("deals", "demo")
    expect_rc(p, 0, "deals demo again")
    assert p.stdout.startswith("deals demo: 722 listings (0 new) in 4 searches"), p.stdout
    assert sql("SELECT count(*), bool_or(enabled) FROM deal_searches WHERE user_id IS NULL") \
        == [["4", "f"]]
    tok = new_user("dealsdemo")[2]["access_token"]
    r = get("/api/deals/summary", tok)
    expect_status(r, 200)
    demo = [s for s in r.json()["searches"] if s["demo"]]
    assert len(demo) == 4 and sum(s["listings"] for s in demo) == 722, demo
    assert all(s["great"] + s["good"] > 0 for s in demo), demo
    r = get("/api/deals?band=great&limit=5", tok)
    expect_status(r, 200)
    items = r.json()["items"]
    assert items and all(i["band"] == "great" and i["score"] >= 75 for i in items), items
    # a real price of the data set: row 127, a 0.91 ct Premium H SI1 at $2,763
    lid = sql_value("SELECT id FROM deal_listings WHERE item_id = 'dmd-127'")
    d = get(f"/api/deals/{lid}", tok).json()
    assert d["title"] == "0.91 ct Premium H SI1 round diamond" and d["price"] == 2763, d
    assert d["search"] == "Demo: 1 ct Premium H SI1 diamonds" and d["comparables"] > 100, d
    # demo searches are nobody's to change
    sid = d["search_id"]
    expect_error(request("PATCH", f"/api/deals/searches/{sid}", body={"name": "mine"},
                         headers={"Authorization": "Bearer " + tok}, source=next(_addr)),
                 404, "NOT_FOUND")
