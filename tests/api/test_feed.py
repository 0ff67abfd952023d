"""GET /api/feed against the running stack: hits of every domain in one
shape, its filters and pages, and what a tier sees (tier_feed: free users
see odds hits 15 minutes after they are written, pro users at once; an
ingested odds hit only by its owner). Hits are written straight into the
hits table, as the scorers do; each test's titles carry a fresh tag so the
tests ignore other hits. Client addresses 127.0.0.160-164."""

import itertools
import json
import secrets

from accounts import new_user, sql, user_id
from lib import expect_error, expect_status, request, test

_addr = itertools.cycle([f"127.0.0.{i}" for i in range(160, 165)])


def call(method, path, token=None, body=None):
    hdrs = {"Authorization": "Bearer " + token} if token else {}
    return request(method, path, body=body, headers=hdrs, source=next(_addr))


def user(tier="free"):
    email, _, tok = new_user("feed")
    if tier != "free":
        sql("UPDATE users SET tier = :'p1' WHERE lower(email) = lower(:'p2')", tier, email)
    return tok["access_token"], user_id(email)


def hit(domain, key, score, title, payload, age_s=0, observed="now()", owner=None):
    """Write a hit as a scorer does; its id."""
    return int(sql(
        "INSERT INTO hits (domain, key, score, title, payload, observed_at, created_at, user_id) "
        "VALUES (:'p1', :'p2', :'p3', :'p4', :'p5'::jsonb, " + observed + ", "
        "now() - make_interval(secs => :'p6'), NULLIF(:'p7', '')::bigint) RETURNING id",
        domain, key, score, title, json.dumps(payload), age_s, owner or "")[0][0])


def tagged_hits(tag):
    """A markets signal, an odds hit and a deal, observed a minute apart."""
    return [
        hit("markets", f"signal:{tag}", 82, f"AAPL buy (growth) {tag}",
            {"symbol": "AAPL", "strategy": "growth", "recommendation": "buy"},
            observed="now() - interval '3 minutes'"),
        hit("odds", f"ev:{tag}", 50, f"Celtics at 2.10 {tag}",
            {"sport": "basketball_nba", "market": "h2h", "ev": 0.05},
            observed="now() - interval '2 minutes'"),
        hit("deals", f"deal:{tag}", 91, f"Road bike {tag}",
            {"link": "https://market.example/1", "search_id": 7},
            observed="now() - interval '1 minute'"),
    ]


@test
def feed_shows_every_domain_in_one_shape_newest_first():
    tag = secrets.token_hex(4)
    ids = tagged_hits(tag)
    tok, _ = user("pro")
    r = call("GET", f"/api/feed?search={tag}", tok)
    expect_status(r, 200)
    items = r.json()["items"]
    assert [i["id"] for i in items] == ids[::-1], items
    deal, odds, sig = items
    assert set(sig) == {"id", "domain", "key", "score", "title", "link", "observed_at",
                        "created_at", "payload"}, sig
    assert sig["domain"] == "markets" and sig["score"] == 82 and sig["key"] == f"signal:{tag}"
    assert sig["link"] == "/api/stock-analysis?symbol=AAPL&strategy=growth", sig
    assert odds["link"] == "/api/odds/events?sport=basketball_nba", odds
    assert odds["payload"]["ev"] == 0.05, odds
    assert deal["link"] == "https://market.example/1" and deal["domain"] == "deals", deal
    assert r.json()["next_cursor"] is None


@test
def feed_filters_by_domain_score_symbol_sport_and_time():
    tag = secrets.token_hex(4)
    sig, odds, deal = tagged_hits(tag)
    tok, _ = user("pro")

    def ids(q, search=tag):
        r = call("GET", f"/api/feed?search={search}&{q}", tok)
        expect_status(r, 200)
        return [i["id"] for i in r.json()["items"]]
    assert ids("domain=odds") == [odds]
    assert ids("min_score=80") == [deal, sig]
    assert ids("min_score=91.5") == []
    assert ids("symbol=aapl") == [sig]
    assert ids("symbol=MSFT") == []
    assert ids("sport=basketball_nba") == [odds]
    since = call("GET", f"/api/feed?search={tag}&domain=odds", tok).json()["items"][0]
    assert ids("since=" + since["observed_at"]) == [deal, odds]
    assert ids("limit=10", search=tag.upper()) == [deal, odds, sig]


@test
def feed_pages_with_a_cursor():
    tag = secrets.token_hex(4)
    ids = tagged_hits(tag)[::-1]
    tok, _ = user("pro")
    seen, cursor = [], ""
    for _ in range(5):
        r = call("GET", f"/api/feed?search={tag}&limit=2{cursor}", tok)
        expect_status(r, 200)
        seen += [i["id"] for i in r.json()["items"]]
        nxt = r.json()["next_cursor"]
        if nxt is None:
            break
        cursor = "&cursor=" + nxt
    assert seen == ids, (seen, ids)
    expect_error(call("GET", "/api/feed?cursor=999999999", tok), 422, "VALIDATION_FAILED",
                 "cursor")


@test
def free_users_see_odds_hits_after_the_delay_and_ingested_hits_are_private():
    tag = secrets.token_hex(4)
    sig, odds, deal = tagged_hits(tag)
    free, _ = user("free")
    pro, _ = user("pro")
    owner_tok, owner = user("pro")
    old = hit("odds", f"ev:old{tag}", 40, f"Old odds {tag}", {"sport": "soccer_epl"},
              age_s=901)
    mine = hit("odds", f"ev:mine{tag}", 40, f"Mine {tag}", {"sport": "soccer_epl"},
               owner=owner)

    def ids(tok):
        r = call("GET", f"/api/feed?search={tag}&limit=200", tok)
        expect_status(r, 200)
        return {i["id"] for i in r.json()["items"]}
    assert ids(free) == {sig, old}, "free: markets at once, odds and deals 15 minutes late"
    assert ids(pro) == {sig, odds, deal, old}
    assert ids(owner_tok) == {sig, odds, deal, old, mine}
    # a user's own hits (their bot's, a private search's) are theirs at once,
    # whatever the tier's delay for the domain
    free_owner_tok, free_owner = user("free")
    own = hit("odds", f"ev:own{tag}", 40, f"Own {tag}", {"sport": "soccer_epl"},
              owner=free_owner)
    assert ids(free_owner_tok) == {sig, old, own}
    # a cursor naming a hit the caller may not see is refused
    expect_error(call("GET", f"/api/feed?cursor={mine}", pro), 422, "VALIDATION_FAILED",
                 "cursor")


@test
def feed_refuses_bad_filters_and_anonymous_callers():
    tok, _ = user()
    expect_error(call("GET", "/api/feed"), 401, "UNAUTHORIZED")
    for q, field in (("domain=sports", "domain"), ("min_score=101", "min_score"),
                     ("min_score=x", "min_score"), ("symbol=%27%3Bdrop", "symbol"),
                     ("sport=NBA", "sport"), ("since=yesterday", "since"),
                     ("search=" + "x" * 101, "search"), ("search=%ff", "search"),
                     ("limit=0", "limit")):
        r = call("GET", "/api/feed?" + q, tok)
        assert r.status in (400, 422), (q, r)
        body = r.json()["error"]
        assert body.get("field") == field or r.status == 400, (q, body)
