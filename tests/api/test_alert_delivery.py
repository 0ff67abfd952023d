"""Alert channels and deliveries against the running stack and a local
stand-in of the receivers (tests/standin/webhook_standin.py: a webhook
receiver checking X-Edgescout-Signature and refusing a replay, a Discord
webhook answering 204 or 429 with retry_after): POST /api/alerts/channels
and its verification, cron/deliver-alerts sending the outbox, retrying
transient failures after 1, 2 and 4 s, dead letters, one delivery per alert
and channel when the sender is killed mid-send, and the unsubscribe link.
Client addresses 127.0.0.170-174."""

import atexit
import itertools
import json
import os
import secrets
import signal
import subprocess
import tempfile
import time
import urllib.request
from urllib.parse import urlparse

from accounts import new_user, sql, sql_value, user_id
from jobs_lib import BIN, admin_token, as_stack_user, base_env, expect_rc, run
from lib import STACK, expect_error, expect_status, request, test, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
STANDIN = os.path.join(HERE, "..", "standin", "webhook_standin.py")
JOB = os.path.join(BIN, "cron", "deliver-alerts")
_addr = itertools.cycle([f"127.0.0.{i}" for i in range(170, 175)])
_state = {}


def call(method, path, token=None, body=None):
    hdrs = {"Authorization": "Bearer " + token} if token else {}
    return request(method, path, body=body, headers=hdrs, source=next(_addr))


def standin():
    if "url" not in _state:
        port_file = os.path.join(tempfile.mkdtemp(prefix="hook-standin-"), "port")
        _state["proc"] = subprocess.Popen(
            ["/usr/bin/python3", STANDIN, "--port-file", port_file, "--idle", "300"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        atexit.register(_state["proc"].terminate)
        wait_for(lambda: os.path.exists(port_file))
        with open(port_file) as f:
            _state["url"] = "http://127.0.0.1:" + f.read().strip()
    return _state["url"]


def standin_call(path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(standin() + path, data=data, method="POST" if data else "GET")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"null")


def received(path):
    return standin_call("/_received?path=" + path)


def setup(kind="webhook"):
    """A pro user with a verified channel of kind and a rule for odds hits
    sending to it: (token, channel reply, stand-in path, rule id)."""
    email, _, tok = new_user("deliver")
    sql("UPDATE users SET tier = 'pro' WHERE lower(email) = lower(:'p1')", email)
    tok = tok["access_token"]
    path = f"/{'hook' if kind == 'webhook' else 'discord'}/{secrets.token_hex(4)}"
    r = call("POST", "/api/alerts/channels", tok,
             {"kind": kind, "name": "out", "target": standin() + path})
    expect_status(r, 201)
    ch = r.json()
    standin_call("/_config", {"path": path, "secret": ch["secret"] or ""})
    expect_status(call("POST", f"/api/alerts/channels/{ch['id']}/verify", tok), 200)
    r = call("POST", "/api/alerts/rules", tok, {"name": "all odds", "domain": "odds",
                                                "channels": ["out"], "cooldown_seconds": 0})
    expect_status(r, 201)
    return tok, ch, path, r.json()["id"]


def odds_hit(tag):
    return int(sql_value(
        "INSERT INTO hits (domain, key, score, title, payload, observed_at) "
        "VALUES ('odds', :'p1', 50, :'p2', :'p3'::jsonb, now()) RETURNING id",
        f"ev:{tag}", f"Celtics at 2.10 {tag}",
        json.dumps({"event_id": tag, "sport": "basketball_nba", "market": "h2h",
                    "outcome": "Celtics", "ev": 0.05})))


def outbox(rule):
    return [(s, int(a)) for s, a in sql(
        "SELECT o.status, o.attempts FROM alert_outbox o JOIN alerts a ON a.id = o.alert_id "
        "WHERE a.rule_id = :'p1' ORDER BY o.id", rule)]


def deliver(seconds=0, **env):
    p = run([JOB], ALERT_DELIVER_SECONDS=str(seconds), **env)
    expect_rc(p, 0, "deliver-alerts")
    return p


def deliveries(path):
    """The verified receives (the channel's test message left out)."""
    return [r for r in received(path) if not str(r["delivery"]).startswith("verify-")]


@test
def a_webhook_channel_is_verified_then_gets_each_alert_signed_once():
    tok, ch, path, rule = setup()
    assert ch["secret"].startswith("whsec_") and ch["verified"] is False, ch
    test_msg = received(path)[0]
    assert test_msg["body"]["type"] == "verification" and test_msg["status"] == 200, test_msg
    r = call("GET", "/api/alerts/channels", tok)
    expect_status(r, 200)
    listed = r.json()["items"]
    assert [c["verified"] for c in listed] == [True] and "secret" not in listed[0], listed
    tag = secrets.token_hex(4)
    hit = odds_hit(tag)
    deliver()
    got = deliveries(path)
    assert len(got) == 1 and got[0]["status"] == 200, got
    body = got[0]["body"]
    assert body["hit"]["title"] == f"Celtics at 2.10 {tag}" and body["rule"]["id"] == rule, body
    assert body["hit"]["payload"]["ev"] == 0.05 and body["alert_id"] > 0, body
    assert outbox(rule) == [("sent", 1)]
    deliver()
    assert len(deliveries(path)) == 1, "a second run sends nothing again"
    assert hit > 0


@test
def a_channel_that_does_not_answer_2xx_stays_unverified_and_gets_nothing():
    email, _, tok = new_user("deliver")
    tok = tok["access_token"]
    path = f"/hook/{secrets.token_hex(4)}"
    r = call("POST", "/api/alerts/channels", tok,
             {"kind": "webhook", "name": "bad", "target": standin() + path})
    expect_status(r, 201)
    ch = r.json()
    # the receiver knows another secret: 401 to the signed test message
    standin_call("/_config", {"path": path, "secret": "whsec_other"})
    expect_error(call("POST", f"/api/alerts/channels/{ch['id']}/verify", tok), 502,
                 "PROVIDER_UNAVAILABLE")
    assert call("GET", "/api/alerts/channels", tok).json()["items"][0]["verified"] is False
    for body, field in (({"kind": "fax", "name": "x", "target": "+15550001111"}, "kind"),
                        ({"kind": "webhook", "name": "x", "target": "ftp://x"}, "target"),
                        ({"kind": "webhook", "name": "", "target": standin()}, "name"),
                        ({"kind": "webhook", "name": "x", "target": "javascript:alert(1)"},
                         "target")):
        expect_error(call("POST", "/api/alerts/channels", tok, body), 422,
                     "VALIDATION_FAILED", field)
    expect_error(call("POST", "/api/alerts/channels", tok,
                      {"kind": "webhook", "name": "BAD", "target": standin() + path}),
                 409, "CONFLICT", "name")
    other, _, otok = new_user("deliver")
    expect_error(call("POST", f"/api/alerts/channels/{ch['id']}/verify", otok["access_token"]),
                 404, "NOT_FOUND")


@test
def transient_failures_are_retried_after_one_two_and_four_seconds_then_sent():
    tok, ch, path, rule = setup()
    standin_call("/_config", {"path": path, "secret": ch["secret"], "script": [500, 503, 500]})
    odds_hit(secrets.token_hex(4))
    deliver(seconds=15)
    got = deliveries(path)
    assert [g["status"] for g in got] == [500, 503, 500, 200], got
    gaps = [b["at"] - a["at"] for a, b in zip(got, got[1:])]
    for gap, base in zip(gaps, (1, 2, 4)):
        assert base - 0.05 <= gap <= base * 1.25 + 0.6, (gaps, "1, 2, 4 s plus jitter")
    assert len({g["delivery"] for g in got}) == 1, got
    assert outbox(rule) == [("sent", 4)]


@test
def four_failures_or_a_permanent_4xx_make_a_dead_letter():
    tok, ch, path, rule = setup()
    standin_call("/_config", {"path": path, "secret": ch["secret"],
                              "script": [500, 500, 500, 500]})
    odds_hit(secrets.token_hex(4))
    deliver(seconds=12)
    assert outbox(rule) == [("dead", 4)]
    standin_call("/_config", {"path": path, "secret": ch["secret"], "script": [410]})
    odds_hit(secrets.token_hex(4))
    deliver()
    assert outbox(rule)[1] == ("dead", 1), outbox(rule)
    assert sql_value("SELECT last_status FROM alert_outbox o JOIN alerts a ON a.id = o.alert_id "
                     "WHERE a.rule_id = :'p1' ORDER BY o.id DESC LIMIT 1", rule) == "410"


@test
def discord_gets_an_embed_and_its_429_retry_after_is_honoured():
    tok, ch, path, rule = setup("discord")
    assert ch["secret"] is None, ch
    standin_call("/_config", {"path": path, "script": [429]})
    tag = secrets.token_hex(4)
    odds_hit(tag)
    deliver(seconds=8)
    got = deliveries(path)
    assert [g["status"] for g in got] == [429, 204], got
    assert got[1]["at"] - got[0]["at"] >= 1.5, "Discord's retry_after of 1.5 s"
    embed = got[1]["body"]["embeds"][0]
    assert embed["title"] == f"Celtics at 2.10 {tag}" and "unsubscribe" in embed["description"]
    assert outbox(rule) == [("sent", 2)]


@test
def a_sender_killed_mid_send_leaves_one_delivery_after_the_rerun():
    tok, ch, path, rule = setup()
    standin_call("/_config", {"path": path, "secret": ch["secret"], "slow": 3})
    odds_hit(secrets.token_hex(4))
    env = base_env(ALERT_DELIVER_SECONDS="0", ALERT_LEASE_SECONDS="2")
    p = subprocess.Popen(as_stack_user([JOB]), env=env, cwd="/", start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: len(deliveries(path)) == 0 and outbox(rule) == [("sending", 1)])
    time.sleep(0.5)
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    assert outbox(rule) == [("sending", 1)]
    time.sleep(2.2)                    # the lease ends
    deliver(ALERT_LEASE_SECONDS="2")
    wait_for(lambda: len(deliveries(path)) == 2)
    got = deliveries(path)
    assert len({g["delivery"] for g in got}) == 1, got
    kept = [g for g in got if 200 <= g["status"] < 300 and not g.get("duplicate")]
    assert len(kept) == 1, got
    assert outbox(rule) == [("sent", 2)]


@test
def the_unsubscribe_link_stops_a_channels_alerts():
    tok, ch, path, rule = setup()
    odds_hit(secrets.token_hex(4))
    deliver()
    link = urlparse(deliveries(path)[0]["body"]["unsubscribe_url"])
    q = link.query
    bad = q[:-1] + ("0" if q[-1] != "0" else "1")
    expect_error(call("GET", f"{link.path}?{bad}"), 404, "NOT_FOUND")
    r = call("GET", f"{link.path}?{q}")
    expect_status(r, 200)
    assert r.json() == {"unsubscribed": True}
    assert call("GET", "/api/alerts/channels", tok).json()["items"][0]["unsubscribed"] is True
    odds_hit(secrets.token_hex(4))
    assert outbox(rule) == [("sent", 1)], "no outbox row for an unsubscribed channel"



@test
def two_senders_share_the_outbox_and_send_each_alert_once():
    tok, ch, path, rule = setup()
    standin_call("/_config", {"path": path, "secret": ch["secret"], "delay": 0.3})
    for _ in range(8):
        odds_hit(secrets.token_hex(4))
    t0 = sql_value("SELECT now()")
    procs = [subprocess.Popen(as_stack_user([JOB]), env=base_env(ALERT_DELIVER_SECONDS="0"),
                              cwd="/", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for _ in range(2)]
    for p in procs:
        assert p.wait(timeout=60) == 0
    got = deliveries(path)
    assert len(got) == 8 and len({g["delivery"] for g in got}) == 8, got
    assert outbox(rule) == [("sent", 1)] * 8
    runs = sql("SELECT slot, status, items FROM job_runs WHERE job = 'deliver-alerts' "
               "AND started_at >= :'p1' ORDER BY slot", t0)
    assert [(s, st) for s, st, _ in runs] == [("0", "ok"), ("1", "ok")], runs
    # the earlier tests' rules also take these hits: each sender sent some
    assert sum(int(i) for _, _, i in runs) >= 8 and all(int(i) > 0 for _, _, i in runs), runs


@test
def deliveries_are_listed_and_dead_letters_replayed_by_an_administrator():
    tok, ch, path, rule = setup()
    standin_call("/_config", {"path": path, "secret": ch["secret"], "script": [400]})
    odds_hit(secrets.token_hex(4))
    deliver()
    r = call("GET", "/api/alerts/deliveries", tok)
    expect_status(r, 200)
    items = r.json()["items"]
    assert len(items) == 1, items
    d = items[0]
    assert d["status"] == "dead" and d["attempts"] == 1 and d["last_status"] == 400, d
    assert d["rule_id"] == rule and d["channel_name"] == "out" and d["channel_kind"] == "webhook"
    r = call("GET", "/api/alerts/deliveries?status=sent", tok)
    assert r.json()["items"] == []
    expect_error(call("GET", "/api/admin/alerts/dead-letters", tok), 403, "FORBIDDEN")
    expect_error(call("POST", f"/api/admin/alerts/dead-letters/{d['id']}/replay", tok), 403,
                 "FORBIDDEN")
    admin = admin_token()
    r = call("GET", "/api/admin/alerts/dead-letters?limit=200", admin)
    expect_status(r, 200)
    assert d["id"] in [x["id"] for x in r.json()["items"]]
    r = call("POST", f"/api/admin/alerts/dead-letters/{d['id']}/replay", admin)
    expect_status(r, 200)
    assert r.json()["status"] == "pending" and r.json()["attempts"] == 0, r.json()
    expect_error(call("POST", f"/api/admin/alerts/dead-letters/{d['id']}/replay", admin), 404,
                 "NOT_FOUND")
    deliver()
    got = outbox(rule)
    assert got == [("sent", 1)], got
    assert [g["status"] for g in deliveries(path)] == [400, 200]
    other, _, otok = new_user("deliver")
    r = call("GET", "/api/alerts/deliveries", otok["access_token"])
    assert r.json()["items"] == []
    expect_error(call("GET", f"/api/alerts/deliveries?cursor={d['id']}", otok["access_token"]),
                 422, "VALIDATION_FAILED", "cursor")


def readme_blocks():
    """The two shell blocks of README.md's Alerts section: the signature
    check and the curl examples (continued lines joined)."""
    with open(os.path.join(REPO, "README.md")) as f:
        text = f.read()
    start = text.index("## Alerts")
    blocks = []
    at = start
    for _ in range(2):
        first = text.index("```sh\n", at) + len("```sh\n")
        end = text.index("```", first)
        blocks.append(text[first:end])
        at = end + 3
    assert at < text.index("\n## ", start + 5), "both blocks are in the Alerts section"
    return blocks


@test
def readme_examples_run_as_written():
    check, examples = readme_blocks()
    email, _, tok = new_user("readme")
    sql("UPDATE users SET tier = 'pro' WHERE lower(email) = lower(:'p1')", email)
    tok = tok["access_token"]
    wl = call("POST", "/api/watchlists", tok, {"name": "readme"}).json()["id"]
    path = f"/hook/{secrets.token_hex(4)}"
    env = {"PATH": "/usr/bin:/bin", "BASE": STACK["URL"], "TOKEN": tok,
           "HOOK_URL": standin() + path, "WATCHLIST_ID": str(wl),
           "CURL_CA_BUNDLE": STACK["CA"]}
    commands = examples.replace("\\\n", " ").strip().splitlines()
    assert len(commands) == 8 and all(c.startswith("curl ") for c in commands), commands
    secret = None
    for c in commands:
        p = subprocess.run(["bash", "-c", c], env=env, capture_output=True, text=True,
                           timeout=60)
        expect_rc(p, 0, c)
        body = json.loads(p.stdout)
        assert "error" not in body, (c, body)
        if "/api/alerts/channels\"" in c and secret is None:
            secret, env["CHANNEL_ID"] = body["secret"], str(body["id"])
            standin_call("/_config", {"path": path, "secret": secret})
        if "/verify" in c:
            assert body["verified"] is True, body
    rules = call("GET", "/api/alerts/rules", tok).json()["items"]
    assert [r["name"] for r in rules] == ["NBA value", "Watchlist buys"], rules
    # the signature check, on the test message the receiver got
    got = received(path)[0]
    d = tempfile.mkdtemp(prefix="readme-sig-")
    for raw, want in ((got["raw"], "valid"), (got["raw"] + " ", "invalid")):
        with open(os.path.join(d, "body.json"), "w") as f:
            f.write(raw)
        p = subprocess.run(["bash", "-c", check], env={"PATH": "/usr/bin:/bin",
                           "SIG": got["signature"], "SECRET": secret}, cwd=d,
                           capture_output=True, text=True, timeout=30)
        expect_rc(p, 0, "the README's signature check")
        assert p.stdout.strip() == want, (want, p.stdout, p.stderr)
