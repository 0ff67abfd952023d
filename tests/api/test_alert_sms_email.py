"""SMS and email alert channels against the running stack: a Twilio
stand-in (tests/standin/webhook_standin.py: Messages.json with Basic auth,
form-encoded, 201/400/401/429) and a real local SMTP server
(tests/standin/smtp_standin.py, aiosmtpd: STARTTLS required or implicit
TLS, AUTH, a self-signed certificate the sender trusts through
SMTP_CA_FILE). Each channel is verified by a one-time code that
cron/deliver-alerts sends it (the code by SMS, a confirmation link by
email) and GET /api/alerts/confirm takes; then alerts reach it, with the
unsubscribe link. Client addresses 127.0.0.175-179."""

import atexit
import email
import email.policy
import glob
import itertools
import json
import os
import re
import secrets
import subprocess
import tempfile
import time
import urllib.request
from urllib.parse import quote, urlparse

from accounts import new_user, sql, sql_value
from jobs_lib import BIN, expect_rc, run
from lib import expect_error, expect_status, request, test, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN = os.path.join(HERE, "..", "standin", "webhook_standin.py")
SMTP = os.path.join(HERE, "..", "standin", "smtp_standin.py")
JOB = os.path.join(BIN, "cron", "deliver-alerts")
SID, TOKEN = "AC" + secrets.token_hex(16), secrets.token_hex(16)
SMTP_USER, SMTP_PASS = "alerts", "pw-" + secrets.token_hex(8)
_addr = itertools.cycle([f"127.0.0.{i}" for i in range(175, 180)])
_state = {}


def call(method, path, token=None, body=None):
    hdrs = {"Authorization": "Bearer " + token} if token else {}
    return request(method, path, body=body, headers=hdrs, source=next(_addr))


def _start(argv, key):
    d = tempfile.mkdtemp(prefix=key + "-")
    os.chmod(d, 0o755)
    port_file = os.path.join(d, "port")
    proc = subprocess.Popen(argv + ["--port-file", port_file, "--idle", "300"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    atexit.register(proc.terminate)
    wait_for(lambda: os.path.exists(port_file))
    with open(port_file) as f:
        return d, int(f.read().strip())


def twilio():
    if "twilio" not in _state:
        _, port = _start(["/usr/bin/python3", STANDIN, "--twilio-sid", SID,
                          "--twilio-token", TOKEN], "twilio")
        _state["twilio"] = f"http://127.0.0.1:{port}"
    return _state["twilio"]


def certs():
    if "certs" not in _state:
        d = tempfile.mkdtemp(prefix="smtp-tls-")
        os.chmod(d, 0o755)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                        "-days", "1", "-keyout", os.path.join(d, "key.pem"),
                        "-out", os.path.join(d, "cert.pem")],
                       check=True, capture_output=True)
        os.chmod(os.path.join(d, "cert.pem"), 0o644)
        _state["certs"] = d
    return _state["certs"]


def smtp(mode="starttls"):
    """(SMTP_URL, spool directory) of the SMTP server in mode, started once."""
    if mode not in _state:
        spool = tempfile.mkdtemp(prefix="smtp-spool-")
        _, port = _start(["/usr/bin/python3", SMTP, "--cert", os.path.join(certs(), "cert.pem"),
                          "--key", os.path.join(certs(), "key.pem"), "--user", SMTP_USER,
                          "--password", SMTP_PASS, "--mode", mode, "--spool", spool], "smtp")
        scheme = "smtp" if mode == "starttls" else "smtps"
        _state[mode] = (f"{scheme}://localhost:{port}", spool)
    return _state[mode]


def standin_call(path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(twilio() + path, data=data, method="POST" if data else "GET")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"null")


def texts(number):
    return standin_call("/_received?path=" + quote("/sms/" + number, safe=""))


def mails(spool, to):
    out = []
    for path in sorted(glob.glob(os.path.join(spool, "*.json"))):
        with open(path) as f:
            rec = json.load(f)
        if to in rec["rcpt_tos"]:
            rec["msg"] = email.message_from_string(rec["data"], policy=email.policy.default)
            out.append(rec)
    return out


def parts(msg):
    return {p.get_content_type(): p.get_content() for p in msg.walk()
            if p.get_content_maintype() == "text"}


def deliver(seconds=0, mode="starttls", **env):
    url, _ = smtp(mode)
    settings = {"TWILIO_BASE_URL": twilio(), "TWILIO_ACCOUNT_SID": SID,
                "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_FROM": "+15550001111",
                "SMTP_URL": url, "SMTP_USERNAME": SMTP_USER, "SMTP_PASSWORD": SMTP_PASS,
                "SMTP_FROM": "alerts@edgescout.example",
                "SMTP_CA_FILE": os.path.join(certs(), "cert.pem"),
                "ALERT_DELIVER_SECONDS": str(seconds)}
    settings.update(env)
    p = run([JOB], **settings)
    expect_rc(p, 0, "deliver-alerts")
    return p


def user():
    e, _, tok = new_user("smsmail")
    sql("UPDATE users SET tier = 'pro' WHERE lower(email) = lower(:'p1')", e)
    return tok["access_token"]


def channel(tok, kind, target):
    r = call("POST", "/api/alerts/channels", tok, {"kind": kind, "name": "out", "target": target})
    expect_status(r, 201)
    assert r.json()["secret"] is None, r.json()
    return r.json()


def ask_code(tok, ch):
    r = call("POST", f"/api/alerts/channels/{ch['id']}/verify", tok)
    expect_status(r, 200)
    assert r.json()["verified"] is False


def rule(tok):
    r = call("POST", "/api/alerts/rules", tok, {"name": "odds", "domain": "odds",
                                                "channels": ["out"], "cooldown_seconds": 0})
    expect_status(r, 201)
    return r.json()["id"]


def odds_hit(tag):
    sql("INSERT INTO hits (domain, key, score, title, payload, observed_at) "
        "VALUES ('odds', :'p1', 50, :'p2', :'p3'::jsonb, now())", f"ev:{tag}",
        f"Celtics at 2.10 {tag}", json.dumps({"event_id": tag, "sport": "basketball_nba",
                                              "market": "h2h", "outcome": "Celtics"}))


def outbox(rule_id):
    return [(s, int(a), st) for s, a, st in sql(
        "SELECT o.status, o.attempts, coalesce(o.last_status::text, '') FROM alert_outbox o "
        "JOIN alerts a ON a.id = o.alert_id WHERE a.rule_id = :'p1' ORDER BY o.id", rule_id)]


def number():
    return "+1555" + "".join(str(secrets.randbelow(10)) for _ in range(7))


@test
def an_sms_channel_is_verified_by_a_code_then_gets_alerts_through_twilio():
    tok = user()
    to = number()
    ch = channel(tok, "sms", to)
    ask_code(tok, ch)
    deliver()
    sent = texts(to)
    assert len(sent) == 1 and sent[0]["status"] == 201, sent
    assert sent[0]["body"]["From"] == "+15550001111", sent
    code = re.search(r"code: (\d{6})", sent[0]["body"]["Body"]).group(1)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    expect_error(call("GET", f"/api/alerts/confirm?channel={ch['id']}&code={wrong}"), 404,
                 "NOT_FOUND", "code")
    r = call("GET", f"/api/alerts/confirm?channel={ch['id']}&code={code}")
    expect_status(r, 200)
    assert r.json() == {"verified": True}
    expect_error(call("GET", f"/api/alerts/confirm?channel={ch['id']}&code={code}"), 404,
                 "NOT_FOUND", "code")
    rid = rule(tok)
    tag = secrets.token_hex(4)
    odds_hit(tag)
    deliver()
    sent = texts(to)
    assert len(sent) == 2 and f"Celtics at 2.10 {tag}" in sent[1]["body"]["Body"], sent
    assert "/api/alerts/unsubscribe?channel=" in sent[1]["body"]["Body"], sent
    assert outbox(rid) == [("sent", 1, "201")]


@test
def twilio_429_is_retried_and_400_or_a_bad_token_is_a_dead_letter():
    tok = user()
    to = number()
    ch = channel(tok, "sms", to)
    sql("UPDATE alert_channels SET verified_at = now() WHERE id = :'p1'", ch["id"])
    rid = rule(tok)
    standin_call("/_config", {"path": "/sms/" + to, "script": [429]})
    odds_hit(secrets.token_hex(4))
    deliver(seconds=5)
    assert [t["status"] for t in texts(to)] == [429, 201]
    assert outbox(rid) == [("sent", 2, "201")]
    standin_call("/_config", {"path": "/sms/" + to, "script": [400]})
    odds_hit(secrets.token_hex(4))
    deliver()
    assert outbox(rid)[1] == ("dead", 1, "400"), outbox(rid)
    odds_hit(secrets.token_hex(4))
    deliver(TWILIO_AUTH_TOKEN="wrong-token")
    assert outbox(rid)[2] == ("dead", 1, "401"), outbox(rid)


@test
def sms_targets_must_be_e164_and_codes_give_up_after_five_wrong_tries():
    tok = user()
    for bad in ("15551234567", "+0123456789", "+1555", "+1 555 123 4567", "tel:+15551234567"):
        expect_error(call("POST", "/api/alerts/channels", tok,
                          {"kind": "sms", "name": "x", "target": bad}),
                     422, "VALIDATION_FAILED", "target")
    expect_error(call("POST", "/api/alerts/channels", tok,
                      {"kind": "email", "name": "x", "target": "not-an-address"}),
                 422, "VALIDATION_FAILED", "target")
    to = number()
    ch = channel(tok, "sms", to)
    ask_code(tok, ch)
    deliver()
    code = re.search(r"code: (\d{6})", texts(to)[0]["body"]["Body"]).group(1)
    for i in range(5):
        wrong = f"{(int(code) + 1 + i) % 1000000:06d}"
        expect_error(call("GET", f"/api/alerts/confirm?channel={ch['id']}&code={wrong}"), 404,
                     "NOT_FOUND")
    expect_error(call("GET", f"/api/alerts/confirm?channel={ch['id']}&code={code}"), 404,
                 "NOT_FOUND")
    assert call("GET", "/api/alerts/channels", tok).json()["items"][0]["verified"] is False
    for q in ("channel=1&code=12345", "channel=1&code=abc", "channel=x&code=123456",
              "code=123456"):
        r = call("GET", "/api/alerts/confirm?" + q)
        assert r.status in (400, 422), (q, r)


@test
def an_email_channel_is_confirmed_by_link_then_gets_alerts_over_starttls_with_auth():
    tok = user()
    addr = f"u{secrets.token_hex(4)}@example.com"
    _, spool = smtp("starttls")
    ch = channel(tok, "email", addr)
    ask_code(tok, ch)
    deliver()
    got = mails(spool, addr)
    assert len(got) == 1 and got[0]["tls"] and got[0]["login"] == SMTP_USER, got
    text = parts(got[0]["msg"])["text/plain"]
    link = urlparse(re.search(r"https?://\S+/api/alerts/confirm\?\S+", text).group(0))
    r = call("GET", f"{link.path}?{link.query}")
    expect_status(r, 200)
    assert call("GET", "/api/alerts/channels", tok).json()["items"][0]["verified"] is True
    rid = rule(tok)
    tag = secrets.token_hex(4)
    odds_hit(tag)
    deliver()
    got = mails(spool, addr)
    assert len(got) == 2, got
    msg = got[1]["msg"]
    assert msg["Subject"] == f"Celtics at 2.10 {tag}" and msg["To"] == addr, dict(msg)
    assert msg["From"] == "alerts@edgescout.example" and msg["Message-ID"], dict(msg)
    unsub = msg["List-Unsubscribe"]
    assert re.fullmatch(r"<https?://\S+/api/alerts/unsubscribe\?channel=\d+&sig=[0-9a-f]{64}>",
                        unsub), unsub
    p = parts(msg)
    assert set(p) == {"text/plain", "text/html"}, p
    assert f"Celtics at 2.10 {tag}" in p["text/plain"], p
    assert f"<h1>Celtics at 2.10 {tag}</h1>" in p["text/html"] and "Unsubscribe</a>" in p["text/html"]
    assert outbox(rid) == [("sent", 1, "250")]
    u = urlparse(unsub[1:-1])
    expect_status(call("GET", f"{u.path}?{u.query}"), 200)
    odds_hit(secrets.token_hex(4))
    assert len(outbox(rid)) == 1, "an unsubscribed address gets no more"


@test
def email_goes_over_implicit_tls_too_and_smtp_refusals_are_sorted():
    tok = user()
    addr = f"u{secrets.token_hex(4)}@example.com"
    url, spool = smtp("tls")
    ch = channel(tok, "email", addr)
    sql("UPDATE alert_channels SET verified_at = now() WHERE id = :'p1'", ch["id"])
    rid = rule(tok)
    odds_hit(secrets.token_hex(4))
    deliver(mode="tls")
    got = mails(spool, addr)
    assert len(got) == 1 and got[0]["tls"] and got[0]["login"] == SMTP_USER, got
    assert outbox(rid) == [("sent", 1, "250")]
    # a certificate the sender does not trust: no mail, tried again later
    odds_hit(secrets.token_hex(4))
    deliver(mode="tls", SMTP_CA_FILE="/etc/ssl/certs/ca-certificates.crt")
    assert outbox(rid)[1][:2] == ("pending", 1), outbox(rid)
    assert len(mails(spool, addr)) == 1
    # a wrong password is refused with 535: a dead letter
    sql("UPDATE alert_outbox SET status = 'dead' WHERE status = 'pending' AND alert_id IN "
        "(SELECT id FROM alerts WHERE rule_id = :'p1')", rid)
    odds_hit(secrets.token_hex(4))
    deliver(mode="tls", SMTP_PASSWORD="wrong")
    assert outbox(rid)[2] == ("dead", 1, "535"), outbox(rid)


@test
def a_bounced_address_is_a_dead_letter_and_a_busy_server_is_tried_again():
    tok = user()
    bounce = f"bounce{secrets.token_hex(4)}@example.com"
    ch = channel(tok, "email", bounce)
    sql("UPDATE alert_channels SET verified_at = now() WHERE id = :'p1'", ch["id"])
    rid = rule(tok)
    odds_hit(secrets.token_hex(4))
    deliver()
    assert outbox(rid) == [("dead", 1, "550")]
    tok = user()
    busy = f"busy{secrets.token_hex(4)}@example.com"
    ch = channel(tok, "email", busy)
    sql("UPDATE alert_channels SET verified_at = now() WHERE id = :'p1'", ch["id"])
    rid = rule(tok)
    odds_hit(secrets.token_hex(4))
    deliver()
    assert outbox(rid) == [("pending", 1, "451")]
