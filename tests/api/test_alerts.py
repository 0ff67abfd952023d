"""Alert rules against the running stack: GET|POST /api/alerts/rules and
GET|PATCH|DELETE /api/alerts/rules/{id}, their checks and the tier's number
of rules, and their evaluation by the database when a hit is written (the
trigger of sql/014_alerts.sql): conditions, the cool-down per subject, quiet
hours in the rule's time zone, the daily cap and the tier's alerts a day,
each alert with its outbox rows in the hit's transaction. Hits are written
straight into the hits table, as the scorers do. Client addresses
127.0.0.165-169."""

import itertools
import json
import secrets

from accounts import new_user, sql, sql_value, user_id
from lib import expect_error, expect_status, request, test

_addr = itertools.cycle([f"127.0.0.{i}" for i in range(165, 170)])


def call(method, path, token=None, body=None):
    hdrs = {"Authorization": "Bearer " + token} if token else {}
    return request(method, path, body=body, headers=hdrs, source=next(_addr))


def user(tier="pro"):
    email, _, tok = new_user("alerts")
    sql("UPDATE users SET tier = :'p1' WHERE lower(email) = lower(:'p2')", tier, email)
    return tok["access_token"], user_id(email)


def channel(uid, name, verified=True, kind="webhook"):
    """A channel row as POST /api/alerts/channels leaves it once verified."""
    return int(sql_value(
        "INSERT INTO alert_channels (user_id, kind, name, target, verified_at) "
        "VALUES (:'p1', :'p2', :'p3', 'http://127.0.0.1:9/hook', "
        "CASE WHEN :'p4' = '1' THEN now() END) RETURNING id",
        uid, kind, name, "1" if verified else "0"))


def hit(domain, key, score, payload, title=None):
    """Write a hit as a scorer does; its id."""
    return int(sql_value(
        "INSERT INTO hits (domain, key, score, title, payload, observed_at) "
        "VALUES (:'p1', :'p2', :'p3', :'p4', :'p5'::jsonb, now()) RETURNING id",
        domain, key, score, title or key, json.dumps(payload)))


def alerts_of(rule):
    """(hit id, number of outbox rows, outbox not_before in the future) per alert."""
    return [(int(h), int(n), f == "t") for h, n, f in sql(
        "SELECT a.hit_id, count(o.id), coalesce(bool_or(o.not_before > now() + interval '1 minute'), "
        "false) FROM alerts a LEFT JOIN alert_outbox o ON o.alert_id = a.id "
        "WHERE a.rule_id = :'p1' GROUP BY a.id ORDER BY a.id", rule)]


def rule(tok, **body):
    r = call("POST", "/api/alerts/rules", tok, body)
    expect_status(r, 201)
    return r.json()


def signal(tag, symbol, score, rec="buy", strategy="growth"):
    return hit("markets", f"signal:{tag}:{symbol}:{score}", score,
               {"symbol": symbol, "strategy": strategy, "recommendation": rec})


def odds_hit(tag, ev, sport="basketball_nba", market="h2h", outcome="Celtics"):
    return hit("odds", f"ev:{tag}:{ev}:{market}:{sport}", min(100, ev * 1000),
               {"event_id": f"e{tag}", "sport": sport, "market": market, "outcome": outcome,
                "ev": ev})


@test
def rules_are_created_read_listed_changed_and_deleted():
    tok, uid = user()
    channel(uid, "Hook")
    made = rule(tok, name="NBA value", domain="odds", sport="basketball_nba", market="h2h",
                min_ev=0.03, channels=["hook"], quiet_start="22:00", quiet_end="07:00",
                time_zone="Europe/Paris", daily_cap=5)
    assert made["channels"] == ["Hook"] and made["min_ev"] == 0.03, made
    assert made["quiet_start"] == "22:00" and made["time_zone"] == "Europe/Paris", made
    assert made["cooldown_seconds"] == 3600 and made["enabled"] is True, made
    assert made["recommendation"] is None and made["min_score"] == 0, made
    rid = made["id"]
    r = call("GET", f"/api/alerts/rules/{rid}", tok)
    expect_status(r, 200)
    assert r.json() == made
    r = call("PATCH", f"/api/alerts/rules/{rid}", tok, {"min_ev": 0.05, "enabled": False,
                                                        "channels": []})
    expect_status(r, 200)
    assert r.json()["min_ev"] == 0.05 and r.json()["enabled"] is False, r.json()
    assert r.json()["channels"] == [] and r.json()["sport"] == "basketball_nba", r.json()
    r = call("GET", "/api/alerts/rules", tok)
    expect_status(r, 200)
    assert [x["id"] for x in r.json()["items"]] == [rid]
    # another user's rule does not exist for the caller
    other, _ = user()
    expect_error(call("GET", f"/api/alerts/rules/{rid}", other), 404, "NOT_FOUND")
    expect_error(call("PATCH", f"/api/alerts/rules/{rid}", other, {"name": "x"}), 404,
                 "NOT_FOUND")
    expect_error(call("DELETE", f"/api/alerts/rules/{rid}", other), 404, "NOT_FOUND")
    expect_status(call("DELETE", f"/api/alerts/rules/{rid}", tok), 204)
    expect_error(call("GET", f"/api/alerts/rules/{rid}", tok), 404, "NOT_FOUND")


@test
def rules_refuse_bad_input_and_write_nothing():
    tok, uid = user()
    other, other_uid = user()
    channel(other_uid, "theirs")
    wl = sql_value("INSERT INTO watchlists (user_id, name) VALUES (:'p1', 'x') RETURNING id",
                   other_uid)
    base = {"name": "r", "domain": "markets"}
    for extra, field in (({"sport": "soccer_epl"}, "sport"),
                         ({"min_ev": 0.1}, "min_ev"),
                         ({"search_id": 3}, "search_id"),
                         ({"min_score": 101}, "min_score"),
                         ({"min_score": "70"}, "min_score"),
                         ({"recommendation": "strong buy"}, "recommendation"),
                         ({"watchlist_id": int(wl)}, "watchlist_id"),
                         ({"channels": ["theirs"]}, "channels"),
                         ({"channels": "hook"}, "channels"),
                         ({"quiet_start": "22:00"}, "quiet_end"),
                         ({"quiet_start": "25:00", "quiet_end": "07:00"}, "quiet_start"),
                         ({"time_zone": "Mars/Olympus"}, "time_zone"),
                         ({"time_zone": "'; DROP TABLE users; --"}, "time_zone"),
                         ({"daily_cap": 0}, "daily_cap"),
                         ({"name": "x" * 101}, "name"),
                         ({"domain": "sports"}, "domain")):
        r = call("POST", "/api/alerts/rules", tok, dict(base, **extra))
        expect_error(r, 422, "VALIDATION_FAILED", field)
    expect_error(call("POST", "/api/alerts/rules", tok, {"name": "r"}), 422,
                 "VALIDATION_FAILED", "domain")
    r = request("POST", "/api/alerts/rules", raw_body=b'{"name": "r",',
                headers={"Authorization": "Bearer " + tok, "Content-Type": "application/json"})
    expect_error(r, 400, "INVALID_JSON")
    r = request("POST", "/api/alerts/rules", raw_body=b'{"name": "\xff", "domain": "odds"}',
                headers={"Authorization": "Bearer " + tok, "Content-Type": "application/json"})
    assert r.status in (400, 422), r
    assert sql_value("SELECT count(*) FROM alert_rules WHERE user_id = :'p1'", uid) == "0"
    made = rule(tok, name="r", domain="odds")
    expect_error(call("PATCH", f"/api/alerts/rules/{made['id']}", tok, {"domain": "markets"}),
                 422, "VALIDATION_FAILED", "domain")
    expect_error(call("PATCH", f"/api/alerts/rules/{made['id']}", tok,
                      {"recommendation": "buy"}), 422, "VALIDATION_FAILED", "recommendation")
    expect_error(call("GET", "/api/alerts/rules/abc", tok), 404, "NOT_FOUND")


@test
def the_tier_limits_the_number_of_rules():
    tok, uid = user("free")
    limit = int(sql_value("SELECT rules FROM tier_alert_limits WHERE tier = 'free'"))
    for i in range(limit):
        rule(tok, name=f"r{i}", domain="markets")
    expect_error(call("POST", "/api/alerts/rules", tok, {"name": "one more", "domain": "odds"}),
                 409, "CONFLICT")
    assert int(sql_value("SELECT count(*) FROM alert_rules WHERE user_id = :'p1'", uid)) == limit


@test
def a_buy_signal_of_a_watched_symbol_scoring_70_makes_an_alert_with_its_outbox_rows():
    tag = secrets.token_hex(4)
    tok, uid = user()
    channel(uid, "hook")
    channel(uid, "chat", kind="discord")
    channel(uid, "unverified", verified=False)
    wl = int(sql_value("INSERT INTO watchlists (user_id, name) VALUES (:'p1', 'w') RETURNING id",
                       uid))
    for sym in ("AAPL", "MSFT"):
        sql("INSERT INTO symbols (symbol) VALUES (:'p1') ON CONFLICT DO NOTHING", sym)
    sql("INSERT INTO watchlist_symbols (watchlist_id, symbol_id) "
        "SELECT :'p1', id FROM symbols WHERE symbol = 'AAPL'", wl)
    r = rule(tok, name="buys", domain="markets", recommendation="buy", min_score=70,
             watchlist_id=wl, channels=["hook", "chat", "unverified"])
    good = signal(tag, "AAPL", 75)
    signal(tag, "AAPL", 69)                 # below the score
    signal(tag, "MSFT", 90)                 # not watched
    signal(tag, "AAPL", 95, rec="sell")     # not a buy
    hit("odds", f"ev:{tag}", 99, {"sport": "x"})  # another domain
    assert alerts_of(r["id"]) == [(good, 2, False)], "one alert, one row per verified channel"
    # the same signal re-scored is not a second alert
    sql("UPDATE hits SET score = 80 WHERE id = :'p1'", good)
    assert len(alerts_of(r["id"])) == 1


@test
def odds_rules_match_ev_sport_and_market_and_cool_down_per_subject():
    tag = secrets.token_hex(4)
    tok, uid = user()
    channel(uid, "hook")
    r = rule(tok, name="nba", domain="odds", sport="basketball_nba", market="h2h",
             min_ev=0.03, channels=["hook"], cooldown_seconds=600)
    first = odds_hit(tag, 0.04)
    odds_hit(tag, 0.02)                           # EV below 3 %
    odds_hit(tag, 0.05, sport="soccer_epl")       # another sport
    odds_hit(tag, 0.05, market="totals")          # another market
    odds_hit(tag, 0.06)                           # same subject, inside the cool-down
    other = odds_hit(tag, 0.07, outcome="Lakers") # another subject
    assert [a[0] for a in alerts_of(r["id"])] == [first, other]
    # a disabled rule makes no alerts
    expect_status(call("PATCH", f"/api/alerts/rules/{r['id']}", tok, {"enabled": False}), 200)
    odds_hit(tag, 0.08, outcome="Knicks")
    assert len(alerts_of(r["id"])) == 2


@test
def quiet_hours_hold_deliveries_until_they_end_in_the_rules_time_zone():
    tag = secrets.token_hex(4)
    tok, uid = user()
    channel(uid, "hook")
    # quiet hours around the present moment in Asia/Tokyo, and a rule outside them
    now_tokyo = sql_value("SELECT to_char(now() AT TIME ZONE 'Asia/Tokyo', 'HH24:MI')")
    start = sql_value("SELECT to_char((now() AT TIME ZONE 'Asia/Tokyo') - interval '1 hour', "
                      "'HH24:MI')")
    end = sql_value("SELECT to_char((now() AT TIME ZONE 'Asia/Tokyo') + interval '2 hours', "
                    "'HH24:MI')")
    quiet = rule(tok, name="quiet", domain="odds", channels=["hook"], quiet_start=start,
                 quiet_end=end, time_zone="Asia/Tokyo")
    later = sql_value("SELECT to_char((now() AT TIME ZONE 'Asia/Tokyo') + interval '3 hours', "
                      "'HH24:MI')")
    loud = rule(tok, name="loud", domain="odds", channels=["hook"], quiet_start=later,
                quiet_end=start, time_zone="Asia/Tokyo")
    h = odds_hit(tag, 0.05)
    assert alerts_of(quiet["id"]) == [(h, 1, True)], now_tokyo
    assert alerts_of(loud["id"]) == [(h, 1, False)]
    wait = float(sql_value(
        "SELECT extract(epoch FROM o.not_before - now()) FROM alert_outbox o "
        "JOIN alerts a ON a.id = o.alert_id WHERE a.rule_id = :'p1'", quiet["id"]))
    assert 2 * 3600 - 120 < wait <= 2 * 3600, wait


@test
def the_daily_cap_and_the_tiers_alerts_a_day_stop_alerts():
    tag = secrets.token_hex(4)
    tok, uid = user("free")
    capped = rule(tok, name="capped", domain="odds", daily_cap=2, cooldown_seconds=0)
    for i in range(4):
        odds_hit(tag, 0.05 + i / 100, outcome=f"o{i}")
    assert len(alerts_of(capped["id"])) == 2
    per_day = int(sql_value("SELECT alerts_per_day FROM tier_alert_limits WHERE tier = 'free'"))
    open_rule = rule(tok, name="open", domain="markets", cooldown_seconds=0)
    for i in range(per_day + 3):
        signal(tag, "AAPL", 50 + i % 40, strategy=f"s{i}")
    total = int(sql_value("SELECT count(*) FROM alerts WHERE user_id = :'p1'", uid))
    assert total == per_day, (total, per_day)
    assert len(alerts_of(open_rule["id"])) == per_day - 2


def labelled_signal(tag, day, score, outcome, ret):
    """A signal written as the scanner does (its trigger writes the hit),
    then labelled; the hit's id."""
    sql("INSERT INTO symbols (symbol) VALUES ('PERF') ON CONFLICT DO NOTHING")
    sid = sql_value(
        "INSERT INTO signals (symbol_id, strategy, day, close, score, recommendation, version, "
        "indicators, source) SELECT id, 'growth', :'p1'::date, 10, :'p2', 'buy', 1, '{}', 'scan' "
        "FROM symbols WHERE symbol = 'PERF' RETURNING id", day, score)
    if outcome:
        sql("UPDATE signals SET outcome = :'p1', realised_return = :'p2', labelled_at = now() "
            "WHERE id = :'p3'", outcome, ret, sid)
    return int(sql_value("SELECT id FROM hits WHERE key = 'signal:' || :'p1'", sid))


def settled_odds_hit(tag, n, result, profit, clv):
    """An ev_hits row settled as settle-odds leaves it, and its hit."""
    sql("INSERT INTO odds_books (key, title) VALUES ('perfbook', 'Perf') ON CONFLICT DO NOTHING")
    sql("INSERT INTO odds_events (id, sport_key, commence_time, home_team, away_team) "
        "VALUES (:'p1', 'alerts_perf_test', now(), 'A', 'B') ON CONFLICT DO NOTHING", f"pe{tag}")
    hid = sql_value(
        "INSERT INTO ev_hits (event_id, sport_key, market, outcome, book, price, fair_prob, ev, "
        "kelly, method, fair_source, observed_at, commence_time, source, result, profit_flat, clv, "
        "settled_at) VALUES (:'p1', 'alerts_perf_test', 'h2h', :'p2', 'perfbook', 2.1, 0.5, 0.05, "
        "0.04, 'multiplicative', 'consensus', now(), now(), 'scan', NULLIF(:'p3', ''), "
        "NULLIF(:'p4', '')::float8, NULLIF(:'p5', '')::float8, now()) RETURNING id",
        f"pe{tag}", f"o{n}", result or "", "" if profit is None else profit,
        "" if clv is None else clv)
    return hit("odds", f"ev:{hid}", 50, {"hit_id": int(hid), "event_id": f"pe{tag}",
                                          "sport": "alerts_perf_test", "market": "h2h",
                                          "outcome": f"o{n}", "ev": 0.05})


@test
def performance_counts_alerts_and_their_outcomes_per_rule_and_domain():
    tag = secrets.token_hex(4)
    tok, uid = user()
    channel(uid, "hook")
    m = rule(tok, name="signals", domain="markets", cooldown_seconds=0, channels=["hook"])
    o = rule(tok, name="bets", domain="odds", cooldown_seconds=0)
    base = 3000 + int(tag, 16) % 3000
    labelled_signal(tag, f"{base}-01-02", 80, "win", 0.04)
    labelled_signal(tag, f"{base}-01-03", 75, "loss", -0.02)
    labelled_signal(tag, f"{base}-01-04", 71, None, None)
    settled_odds_hit(tag, 1, "win", 1.1, 0.03)
    settled_odds_hit(tag, 2, "loss", -1.0, -0.01)
    settled_odds_hit(tag, 3, "loss", -1.0, 0.02)
    sql("UPDATE alert_outbox SET status = 'sent' WHERE alert_id IN "
        "(SELECT id FROM alerts WHERE rule_id = :'p1' ORDER BY id LIMIT 1)", m["id"])
    r = call("GET", "/api/alerts/performance", tok)
    expect_status(r, 200)
    rules = {x["name"]: x for x in r.json()["rules"]}
    sig = rules["signals"]
    assert (sig["alerts"], sig["sent"], sig["outcomes_known"], sig["wins"]) == (3, 1, 2, 1), sig
    assert sig["hit_rate"] == 0.5 and abs(sig["avg_outcome"] - 0.01) < 1e-9, sig
    assert sig["avg_clv"] is None
    bets = rules["bets"]
    assert (bets["alerts"], bets["outcomes_known"], bets["wins"]) == (3, 3, 1), bets
    assert abs(bets["hit_rate"] - 1 / 3) < 1e-9 and abs(bets["avg_outcome"] - (-0.3)) < 1e-9
    assert abs(bets["avg_clv"] - 0.04 / 3) < 1e-9, bets
    domains = {x["domain"]: x for x in r.json()["domains"]}
    assert domains["odds"]["outcome_unit"] == "profit per unit staked"
    assert domains["markets"]["alerts"] == 3 and domains["odds"]["wins"] == 1, domains
    r = call("GET", "/api/alerts/performance?since=2999-01-01T00:00:00Z", tok)
    assert r.json() == {"rules": [], "domains": []}
    expect_error(call("GET", "/api/alerts/performance?since=soon", tok), 422,
                 "VALIDATION_FAILED", "since")
    other, _ = user()
    assert call("GET", "/api/alerts/performance", other).json() == {"rules": [], "domains": []}
