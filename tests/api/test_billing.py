"""Billing against the running stack: POST /api/billing/checkout and
/api/billing/portal through a local stand-in of Stripe's API
(tests/standin/stripe_standin.py: form-encoded requests, Bearer auth, its
documented objects and errors), GET /api/billing, and POST
/api/billing/webhook with events signed by Stripe's own Python library
(Debian's python3-stripe): what the library refuses, edgescout refuses with
a 400 and stores nothing; replays and out-of-order events change nothing;
the tier follows the subscription in /api/auth/me and in the quota.

The stack runs with STRIPE_BASE_URL on a free loopback port, where this
file starts the stand-in (scripts/test.sh sets the STRIPE_* settings).
Client addresses 127.0.0.170-179."""

import atexit
import hashlib
import hmac
import itertools
import json
import os
import secrets
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

import stripe

import fcgi
from accounts import new_user, sql, sql_value, stack_env, user_id
from jobs_lib import BIN, db_now, expect_rc, run, runs_since
from lib import STACK, expect_error, expect_status, request, test, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
STANDIN = os.path.join(REPO, "tests", "standin", "stripe_standin.py")
_addr = itertools.cycle([f"127.0.0.{i}" for i in range(170, 180)])
_state = {}
WEBHOOK = "/api/billing/webhook"
GRACE_JOB = os.path.join(BIN, "cron", "billing-grace")
BILLING_BIN = os.path.join(BIN, "cgi-bin", "billing")


def settings():
    env = stack_env()
    missing = [k for k in ("STRIPE_BASE_URL", "STRIPE_SECRET_KEY", "STRIPE_PRICE_ID",
                           "STRIPE_WEBHOOK_SECRET", "BILLING_RETURN_URL") if not env.get(k)]
    assert not missing, f"the stack needs {missing} (see scripts/test.sh)"
    if "noted" not in _state and os.environ.get("API_SECRETS_FILE"):
        # the log scan after the suite looks for these too
        with open(os.environ["API_SECRETS_FILE"], "a") as f:
            f.write(env["STRIPE_SECRET_KEY"] + "\n" + env["STRIPE_WEBHOOK_SECRET"] + "\n")
        _state["noted"] = True
    return env


def standin():
    """The stand-in's base URL: started once on the stack's STRIPE_BASE_URL."""
    if "url" not in _state:
        env = settings()
        port = urllib.parse.urlsplit(env["STRIPE_BASE_URL"]).port
        port_file = os.path.join(tempfile.mkdtemp(prefix="stripe-standin-"), "port")
        _state["proc"] = subprocess.Popen(
            ["/usr/bin/python3", STANDIN, "--key", env["STRIPE_SECRET_KEY"],
             "--price", env["STRIPE_PRICE_ID"], "--port", str(port),
             "--port-file", port_file, "--idle", "300"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        atexit.register(_state["proc"].terminate)
        wait_for(lambda: os.path.exists(port_file))
        _state["url"] = env["STRIPE_BASE_URL"]
    return _state["url"]


def standin_requests():
    with urllib.request.urlopen(standin() + "/_requests", timeout=10) as r:
        return json.loads(r.read())


def call(method, path, token=None, **kw):
    hdrs = kw.pop("headers", {})
    if token:
        hdrs["Authorization"] = "Bearer " + token
    return request(method, path, headers=hdrs, source=next(_addr), **kw)


def user(tag="billing"):
    email, _, tokens = new_user(tag)
    return {"email": email, "id": user_id(email), "token": tokens["access_token"]}


# ---- events, signed by Stripe's library ------------------------------------

def event(kind, obj, created=None, eid=None):
    return {"id": eid or "evt_" + secrets.token_hex(12), "object": "event",
            "api_version": "2024-06-20", "created": created or int(time.time()),
            "type": kind, "livemode": False, "pending_webhooks": 1, "data": {"object": obj}}


def subscription(u, sub, cus, status, period_end=None, cancel=False):
    return {"id": sub, "object": "subscription", "customer": cus, "status": status,
            "current_period_end": period_end or int(time.time()) + 30 * 86400,
            "cancel_at_period_end": cancel, "metadata": {"user_id": str(u["id"])}}


def completed(u, cus, sub):
    return event("checkout.session.completed", {
        "id": "cs_test_" + secrets.token_hex(8), "object": "checkout.session",
        "mode": "subscription", "payment_status": "paid", "status": "complete",
        "client_reference_id": str(u["id"]), "customer": cus, "subscription": sub})


def invoice(kind, cus, sub, created=None):
    return event(kind, {"id": "in_" + secrets.token_hex(8), "object": "invoice",
                        "customer": cus, "subscription": sub}, created)


def sign(payload, secret=None, t=None):
    """The Stripe-Signature header of payload, computed by Stripe's library."""
    t = int(time.time()) if t is None else t
    v1 = stripe.WebhookSignature._compute_signature("%d.%s" % (t, payload),
                                                    secret or settings()["STRIPE_WEBHOOK_SECRET"])
    return f"t={t},v1={v1}"


def library_accepts(payload, header):
    try:
        stripe.Webhook.construct_event(payload, header, settings()["STRIPE_WEBHOOK_SECRET"])
        return True
    except stripe.error.SignatureVerificationError:
        return False


def post_event(payload, header):
    hdrs = {"Content-Type": "application/json"}
    if header is not None:
        hdrs["Stripe-Signature"] = header
    return call("POST", WEBHOOK, raw_body=payload.encode(), headers=hdrs)


def deliver(ev):
    """Send ev signed; Stripe's library must accept it as edgescout does."""
    payload = json.dumps(ev)
    header = sign(payload)
    assert library_accepts(payload, header)
    r = post_event(payload, header)
    expect_status(r, 200)
    return r.json()


def stored(eid):
    return sql_value("SELECT count(*) FROM billing_events WHERE id = :'p1'", eid)


def tier_of(u):
    r = call("GET", "/api/auth/me", u["token"])
    expect_status(r, 200)
    return r.json()["tier"]


def billing(u):
    r = call("GET", "/api/billing", u["token"])
    expect_status(r, 200)
    return r.json()


def quota_limit(u):
    r = call("GET", "/api/candles?symbol=AAPL", u["token"])
    return r.header("x-ratelimit-limit")


# ---- checkout and portal --------------------------------------------------

@test
def checkout_opens_a_stripe_session_for_the_caller():
    u = user()
    before = len(standin_requests())
    r = call("POST", "/api/billing/checkout", u["token"])
    expect_status(r, 200)
    url = r.json()["url"]
    assert url.startswith(standin() + "/c/pay/cs_test_"), url
    reqs = standin_requests()[before:]
    assert len(reqs) == 1, reqs
    q = reqs[0]
    assert q["path"] == "/v1/checkout/sessions" and q["authorized"], q
    assert q["content_type"] == "application/x-www-form-urlencoded", q
    assert q["idempotency_key"] and len(q["idempotency_key"]) >= 20, q
    env = settings()
    assert q["form"] == {
        "mode": "subscription", "line_items[0][price]": env["STRIPE_PRICE_ID"],
        "line_items[0][quantity]": "1", "client_reference_id": str(u["id"]),
        "subscription_data[metadata][user_id]": str(u["id"]), "customer_email": u["email"],
        "success_url": env["BILLING_RETURN_URL"] + "?billing=success",
        "cancel_url": env["BILLING_RETURN_URL"] + "?billing=cancel"}, q["form"]
    # a second session is another operation: another idempotency key
    expect_status(call("POST", "/api/billing/checkout", u["token"]), 200)
    assert standin_requests()[-1]["idempotency_key"] != q["idempotency_key"]


@test
def billing_routes_need_a_signed_in_user():
    expect_error(call("POST", "/api/billing/checkout"), 401, "UNAUTHORIZED")
    expect_error(call("POST", "/api/billing/portal"), 401, "UNAUTHORIZED")
    expect_error(call("GET", "/api/billing"), 401, "UNAUTHORIZED")
    expect_error(call("GET", WEBHOOK), 405, "METHOD_NOT_ALLOWED")


@test
def portal_needs_a_customer_then_opens_a_session():
    u = user()
    before = len(standin_requests())
    expect_error(call("POST", "/api/billing/portal", u["token"]), 409, "CONFLICT")
    assert len(standin_requests()) == before    # Stripe not asked
    cus, sub = "cus_" + secrets.token_hex(6), "sub_" + secrets.token_hex(6)
    assert deliver(completed(u, cus, sub))["outcome"] == "applied"
    r = call("POST", "/api/billing/portal", u["token"])
    expect_status(r, 200)
    assert r.json()["url"].startswith(standin() + "/p/session/bps_"), r.json()
    q = standin_requests()[-1]
    assert q["path"] == "/v1/billing_portal/sessions" and q["authorized"], q
    assert q["form"] == {"customer": cus, "return_url": settings()["BILLING_RETURN_URL"]}, q
    # subscribed: Checkout again is refused before Stripe is asked
    n = len(standin_requests())
    expect_error(call("POST", "/api/billing/checkout", u["token"]), 409, "CONFLICT")
    assert len(standin_requests()) == n


# ---- the webhook's signature ----------------------------------------------

@test
def the_signature_is_checked_as_stripes_library_checks_it():
    secret = settings()["STRIPE_WEBHOOK_SECRET"]
    now = int(time.time())

    def case(tamper=None, **kw):
        ev = event("customer.created", {"id": "cus_" + secrets.token_hex(6),
                                        "object": "customer"})
        payload = json.dumps(ev)
        header = kw["header"](payload) if "header" in kw else sign(payload, **kw)
        sent = tamper(payload) if tamper else payload
        return ev["id"], sent, header

    refused = {
        "wrong secret": case(secret="whsec_" + secrets.token_hex(16)),
        "stale timestamp": case(t=now - 400),
        "tampered body": case(tamper=lambda p: p.replace('"livemode": false',
                                                         '"livemode": true')),
        "missing header": case(header=lambda p: None),
        "v0 only": case(header=lambda p: sign(p).replace("v1=", "v0=")),
        "no timestamp": case(header=lambda p: sign(p).split(",", 1)[1]),
        "upper-case hex": case(header=lambda p: sign(p).upper().replace("T=", "t=")
                               .replace("V1=", "v1=")),
        "garbage": case(header=lambda p: "not a signature"),
    }
    for why, (eid, payload, header) in refused.items():
        assert not library_accepts(payload, header), why
        r = post_event(payload, header)
        expect_error(r, 400, "BAD_REQUEST", field="Stripe-Signature")
        assert stored(eid) == "0", why
    accepted = {
        "one v1": case(),
        "second v1 matches": case(header=lambda p: "t=%d,v1=%s,%s" % (
            now, "0" * 64, sign(p, t=now).split(",", 1)[1])),
        "v0 beside v1": case(header=lambda p: sign(p) + ",v0=" + "1" * 64),
        "within tolerance": case(t=now - 200),
    }
    for why, (eid, payload, header) in accepted.items():
        assert library_accepts(payload, header), why
        r = post_event(payload, header)
        expect_status(r, 200)
        assert r.json() == {"received": True, "replay": False, "outcome": "ignored"}, why
        assert stored(eid) == "1", why


@test
def a_signed_body_that_is_not_an_event_is_400_and_not_stored():
    for payload in ('{"id": "evt_x1", "type": ', '{"id": "nope", "type": "x", "created": 1, '
                    '"data": {"object": {}}}', '[]'):
        r = post_event(payload, sign(payload))
        assert r.status == 400, (payload, r)
    assert stored("evt_x1") == "0"
    # wrong types and injection strings, each signed
    for ev in (dict(event("invoice.paid", {"customer": "cus_a"}), created="1700000000"),
               event("invoice.paid", {"customer": ["cus_a"]}),
               event("checkout.session.completed", {"client_reference_id": "1 OR 1=1"}),
               dict(event("invoice.paid", {"customer": "cus_a"}),
                    id="evt_1'; DROP TABLE billing_events; --")):
        payload = json.dumps(ev)
        expect_error(post_event(payload, sign(payload)), 400, "BAD_REQUEST")
        assert stored(ev["id"]) == "0", ev
    # more than BODY_MAX_BYTES
    payload = json.dumps(event("customer.created", {"pad": "x" * (2 << 20)}))
    r = post_event(payload, sign(payload))
    expect_error(r, 413, "PAYLOAD_TOO_LARGE")
    # an event whose object breaks the rules of its type
    bad = event("customer.subscription.updated", {"id": "sub_1", "status": "bogus"})
    payload = json.dumps(bad)
    expect_error(post_event(payload, sign(payload)), 400, "BAD_REQUEST")
    assert stored(bad["id"]) == "0"


# ---- the subscription's life ----------------------------------------------

@test
def the_tier_follows_the_subscription():
    u = user()
    cus, sub = "cus_" + secrets.token_hex(6), "sub_" + secrets.token_hex(6)
    assert tier_of(u) == "free" and quota_limit(u) == "1000"
    assert billing(u) == {"tier": "free", "status": "none", "renews_at": None,
                          "expires_at": None, "cancel_at_period_end": False,
                          "can_manage": False}
    t0 = int(time.time()) - 100
    end = t0 + 30 * 86400
    assert deliver(event("customer.subscription.created",
                         subscription(u, sub, cus, "incomplete", end), t0))["outcome"] == "applied"
    assert tier_of(u) == "free"
    assert deliver(completed(u, cus, sub))["outcome"] == "applied"
    assert tier_of(u) == "free"
    assert deliver(event("customer.subscription.updated",
                         subscription(u, sub, cus, "active", end), t0 + 1))["outcome"] == "applied"
    assert tier_of(u) == "pro" and quota_limit(u) == "100000"
    b = billing(u)
    assert b["tier"] == "pro" and b["status"] == "active" and b["can_manage"], b
    assert b["renews_at"] == time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(end)), b
    assert b["expires_at"] is None, b
    # a failed payment: past due, still pro through the grace period
    assert deliver(invoice("invoice.payment_failed", cus, sub, t0 + 2))["outcome"] == "applied"
    b = billing(u)
    assert b["status"] == "past_due" and b["tier"] == "pro", b
    # the card is fixed in the portal, not by a second subscription
    expect_error(call("POST", "/api/billing/checkout", u["token"]), 409, "CONFLICT")
    grace = time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(t0 + 2 + 7 * 86400))
    assert b["expires_at"] == grace and b["renews_at"] is None, b
    assert tier_of(u) == "pro"
    # paid after all: active again, no grace
    assert deliver(invoice("invoice.paid", cus, sub, t0 + 3))["outcome"] == "applied"
    assert billing(u)["status"] == "active"
    # cancelled at the period's end, then deleted: free
    assert deliver(event("customer.subscription.updated",
                         subscription(u, sub, cus, "active", end, cancel=True), t0 + 4))
    b = billing(u)
    assert b["renews_at"] is None and b["expires_at"] == time.strftime(
        "%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime(end)), b
    assert b["cancel_at_period_end"] and b["tier"] == "pro", b
    deleted = event("customer.subscription.deleted",
                    subscription(u, sub, cus, "canceled", end), t0 + 5)
    assert deliver(deleted)["outcome"] == "applied"
    assert tier_of(u) == "free" and quota_limit(u) == "1000"
    assert billing(u)["status"] == "canceled"
    expect_status(call("POST", "/api/billing/checkout", u["token"]), 200)   # may come back
    rows = sql("SELECT action, details->>'tier_before', details->>'tier_after', "
               "details->>'type' FROM audit_log WHERE target = :'p1' AND action LIKE 'billing.%' "
               "ORDER BY id", f"user:{u['id']}")
    assert rows == [
        ["billing.subscription_changed", "free", "free", "customer.subscription.created"],
        # completed Checkout does not overrule the subscription's own status
        ["billing.subscription_changed", "free", "free", "checkout.session.completed"],
        ["billing.tier_changed", "free", "pro", "customer.subscription.updated"],
        ["billing.subscription_changed", "pro", "pro", "invoice.payment_failed"],
        ["billing.subscription_changed", "pro", "pro", "invoice.paid"],
        ["billing.subscription_changed", "pro", "pro", "customer.subscription.updated"],
        ["billing.tier_changed", "pro", "free", "customer.subscription.deleted"]], rows


@test
def a_replay_changes_nothing():
    u = user()
    cus, sub = "cus_" + secrets.token_hex(6), "sub_" + secrets.token_hex(6)
    t0 = int(time.time()) - 50
    active = event("customer.subscription.updated", subscription(u, sub, cus, "active"), t0)
    assert deliver(active) == {"received": True, "replay": False, "outcome": "applied"}
    assert deliver(event("customer.subscription.deleted",
                         subscription(u, sub, cus, "canceled"), t0 + 1))["outcome"] == "applied"
    audits = sql_value("SELECT count(*) FROM audit_log WHERE target = :'p1'", f"user:{u['id']}")
    # the first event again, even newly signed: nothing changes
    assert deliver(active) == {"received": True, "replay": True, "outcome": "ignored"}
    assert tier_of(u) == "free" and billing(u)["status"] == "canceled"
    assert sql_value("SELECT count(*) FROM audit_log WHERE target = :'p1'",
                     f"user:{u['id']}") == audits
    assert sql_value("SELECT outcome FROM billing_events WHERE id = :'p1'", active["id"]) == \
        "applied"


@test
def an_event_older_than_the_state_changes_nothing():
    u = user()
    cus, sub = "cus_" + secrets.token_hex(6), "sub_" + secrets.token_hex(6)
    t0 = int(time.time()) - 50
    assert deliver(event("customer.subscription.updated",
                         subscription(u, sub, cus, "active"), t0 + 10))["outcome"] == "applied"
    # an update sent earlier (past due, then canceled) arrives late
    assert deliver(event("customer.subscription.updated",
                         subscription(u, sub, cus, "past_due"), t0))["outcome"] == "stale"
    assert deliver(event("customer.subscription.deleted",
                         subscription(u, sub, cus, "canceled"), t0 + 5))["outcome"] == "stale"
    assert deliver(invoice("invoice.payment_failed", cus, sub, t0 + 9))["outcome"] == "stale"
    assert tier_of(u) == "pro" and billing(u)["status"] == "active"


@test
def an_event_of_no_known_user_is_stored_and_changes_nothing():
    ev = invoice("invoice.paid", "cus_" + secrets.token_hex(6), "sub_" + secrets.token_hex(6))
    assert deliver(ev) == {"received": True, "replay": False, "outcome": "unknown_user"}
    assert stored(ev["id"]) == "1"


@test
def a_known_subscription_belongs_to_its_owner_whatever_the_event_says():
    a, b = user(), user()
    cus, sub = "cus_" + secrets.token_hex(6), "sub_" + secrets.token_hex(6)
    t0 = int(time.time()) - 50
    deliver(event("customer.subscription.updated", subscription(a, sub, cus, "active"), t0))
    # the same subscription, its metadata naming someone else
    assert deliver(event("customer.subscription.deleted",
                         subscription(b, sub, cus, "canceled"), t0 + 1))["outcome"] == "applied"
    assert tier_of(a) == "free" and billing(a)["status"] == "canceled"
    assert billing(b)["status"] == "none"


@test
def the_grace_period_ends_on_the_free_tier():
    u = user()
    cus, sub = "cus_" + secrets.token_hex(6), "sub_" + secrets.token_hex(6)
    t0 = int(time.time()) - 50
    deliver(event("customer.subscription.updated", subscription(u, sub, cus, "active"), t0))
    deliver(invoice("invoice.payment_failed", cus, sub, t0 + 1))
    expect_rc(run([GRACE_JOB]), 0, "billing-grace within the grace period")
    assert tier_of(u) == "pro"
    # Stripe keeps retrying; the subscription is still past due when the grace ends
    sql("UPDATE billing_accounts SET grace_until = now() - interval '1 minute' "
        "WHERE user_id = :'p1'", u["id"])
    p = run([GRACE_JOB, "--dry-run"])
    expect_rc(p, 0, "billing-grace --dry-run")
    assert tier_of(u) == "pro"
    t1 = db_now()
    expect_rc(run([GRACE_JOB]), 0, "billing-grace")
    assert tier_of(u) == "free" and quota_limit(u) == "1000"
    b = billing(u)
    assert b["tier"] == "free" and b["status"] == "past_due", b
    rows = sql("SELECT actor_id IS NULL, details->>'reason', details->>'tier_after' "
               "FROM audit_log WHERE target = :'p1' AND action = 'billing.tier_changed' "
               "ORDER BY id", f"user:{u['id']}")
    assert rows == [["t", "", "pro"], ["t", "grace period ended", "free"]], rows
    runs = runs_since(t1, "billing-grace")
    assert len(runs) == 1 and runs[0][0] == "ok" and runs[0][1] >= 1, runs
    # a second run changes nothing
    t2 = db_now()
    expect_rc(run([GRACE_JOB]), 0, "billing-grace again")
    assert sql_value("SELECT count(*) FROM audit_log WHERE target = :'p1' AND action = "
                     "'billing.tier_changed'", f"user:{u['id']}") == "2"
    assert all(r[0] == "ok" for r in runs_since(t2, "billing-grace"))
    # paid at last: back to pro
    deliver(invoice("invoice.paid", cus, sub, t0 + 2))
    assert tier_of(u) == "pro" and billing(u)["status"] == "active"


# ---- a worker of its own: other settings -----------------------------------

class Worker:
    """A billing worker started by hand with the stack's settings changed by
    settings (None removes one); requests go to it over FastCGI."""

    def __init__(self, **settings):
        self.dir = tempfile.mkdtemp(prefix="es-billing-", dir="/tmp")
        os.chmod(self.dir, 0o755)
        self.sock = os.path.join(self.dir, "billing.sock")
        self.log = os.path.join(self.dir, "billing.log")
        env = dict(stack_env())
        env.update({"RUN_DIR": self.dir, "DATA_DIR": self.dir, "LANG": "C.UTF-8",
                    "HTTP_RETRIES": "0"})
        env.update({k: os.environ[k] for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS",
                                               "LSAN_OPTIONS") if k in os.environ})
        for k, v in settings.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        self.proc = fcgi.start_worker(BILLING_BIN, self.sock, env, self.log)
        assert self.proc.poll() is None, self.log_text()

    def request(self, method, uri, token=None, **kw):
        hdrs = kw.pop("headers", {})
        if token:
            hdrs["Authorization"] = "Bearer " + token
        return fcgi.request(self.sock, method, uri, headers=hdrs, **kw)

    def log_text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def close(self):
        fcgi.stop_worker(self.proc)


def expect_fcgi_error(reply, status, code):
    assert reply.status == status, reply
    assert reply.json()["error"]["code"] == code, reply


@test
def without_stripe_settings_billing_is_503_and_the_rest_works():
    u = user()
    w = Worker(STRIPE_SECRET_KEY=None, STRIPE_WEBHOOK_SECRET=None)
    try:
        expect_fcgi_error(w.request("POST", "/api/billing/checkout", u["token"]), 503,
                          "SERVICE_UNAVAILABLE")
        expect_fcgi_error(w.request("POST", "/api/billing/portal", u["token"]), 503,
                          "SERVICE_UNAVAILABLE")
        payload = json.dumps(event("customer.created", {"id": "cus_x"}))
        expect_fcgi_error(w.request("POST", WEBHOOK, body=payload.encode(),
                                    headers={"Stripe-Signature": sign(payload),
                                             "Content-Type": "application/json"}),
                          503, "SERVICE_UNAVAILABLE")
        r = w.request("GET", "/api/billing", u["token"])
        assert r.status == 200 and r.json()["tier"] == "free", r
    finally:
        w.close()


@test
def a_refusal_by_stripe_is_502_and_the_key_stays_out_of_the_log():
    u = user()
    standin()
    wrong = "sk_test_" + secrets.token_hex(16)
    w = Worker(STRIPE_SECRET_KEY=wrong)
    try:
        before = len(standin_requests())
        expect_fcgi_error(w.request("POST", "/api/billing/checkout", u["token"]), 502,
                          "PROVIDER_UNAVAILABLE")
        reqs = standin_requests()[before:]
        assert len(reqs) == 1 and not reqs[0]["authorized"], reqs
        log = w.log_text()
        assert "HTTP 401: invalid_request_error" in log, log
        assert wrong not in log and wrong[8:] not in log
        assert settings()["STRIPE_WEBHOOK_SECRET"] not in log
    finally:
        w.close()


@test
def a_signed_body_that_is_not_utf8_is_400_and_not_stored():
    eid = "evt_" + secrets.token_hex(12)
    payload = json.dumps(event("customer.created", {"id": "cus_x"}, eid=eid))
    raw = payload.replace('"object": "event"', '"object": "ev\udcffnt"').encode(
        "utf-8", "surrogateescape")
    t = int(time.time())
    v1 = hmac.new(settings()["STRIPE_WEBHOOK_SECRET"].encode(), b"%d." % t + raw,
                  hashlib.sha256).hexdigest()
    r = call("POST", WEBHOOK, raw_body=raw, headers={"Stripe-Signature": f"t={t},v1={v1}",
                                                     "Content-Type": "application/json"})
    expect_error(r, 400, "INVALID_JSON")
    assert stored(eid) == "0"


@test
def readme_examples_run():
    with open(os.path.join(REPO, "README.md")) as f:
        text = f.read()
    start = text.index("`USER_ID` its user's", text.index("## Billing"))
    first = text.index("```sh\n", start) + len("```sh\n")
    block = text[first:text.index("```", first)]
    assert block.count("curl ") == 5, block
    u = user("readme")
    standin()
    env = {"PATH": "/usr/bin:/bin", "BASE": STACK["URL"], "TOKEN": u["token"],
           "USER_ID": str(u["id"]), "STRIPE_WEBHOOK_SECRET": settings()["STRIPE_WEBHOOK_SECRET"],
           "CURL_CA_BUNDLE": STACK["CA"]}
    p = subprocess.run(["bash", "-e", "-c", block], env=env, capture_output=True, text=True,
                       timeout=60)
    expect_rc(p, 0, "the README's billing examples")
    out = [json.loads(line) for line in p.stdout.splitlines()]
    assert len(out) == 5, p.stdout
    assert out[0]["tier"] == "free" and out[0]["status"] == "none", out[0]
    assert out[1]["url"].startswith(standin() + "/c/pay/"), out[1]
    assert out[2] == {"received": True, "replay": False, "outcome": "applied"}, out[2]
    assert out[3]["url"].startswith(standin() + "/p/session/"), out[3]
    assert out[4]["tier"] == "pro" and out[4]["status"] == "active", out[4]
    assert tier_of(u) == "pro"
