"""The live stream through nginx's nchan module: GET /api/stream?domain=…
as EventSource, authorised by GET /api/stream/auth (cgi-bin/stream.c)
through nchan_authorize_request, fed by cron/stream-hits publishing each new
public hit on nchan's publisher socket. Client addresses 127.0.0.180-184."""

import http.client
import itertools
import json
import os
import secrets
import subprocess

from accounts import new_user, sql, sql_value
from jobs_lib import BIN, as_stack_user, base_env, expect_rc, run
from lib import STACK, expect_status, request, test, tls_context

JOB = os.path.join(BIN, "cron", "stream-hits")
_addr = itertools.cycle([f"127.0.0.{i}" for i in range(180, 185)])


def user(tier):
    email, _, tok = new_user("stream")
    sql("UPDATE users SET tier = :'p1' WHERE lower(email) = lower(:'p2')", tier, email)
    return tok["access_token"]


def subscribe(domain, token=None):
    """An EventSource connection: (connection, response)."""
    conn = http.client.HTTPSConnection("localhost", int(STACK["PORT"]), context=tls_context(),
                                       source_address=(next(_addr), 0), timeout=15)
    hdrs = {"Accept": "text/event-stream"}
    if token:
        hdrs["Authorization"] = "Bearer " + token
    conn.request("GET", f"/api/stream?domain={domain}", headers=hdrs)
    return conn, conn.getresponse()


def events(resp, want):
    """Read server-sent events until want of them came: their data, parsed."""
    out, data = [], []
    while len(out) < want:
        line = resp.fp.readline().decode().rstrip("\r\n")
        if line.startswith("data:"):
            data.append(line[5:].lstrip())
        elif line == "" and data:
            out.append(json.loads("\n".join(data)))
            data = []
    return out


def hit(domain, tag, owner=None):
    return int(sql_value(
        "INSERT INTO hits (domain, key, score, title, payload, observed_at, user_id) "
        "VALUES (:'p1', :'p2', 64, :'p3', '{\"n\": 1}', now(), NULLIF(:'p4', '')::bigint) "
        "RETURNING id", domain, f"s:{tag}", f"stream {tag}", owner or ""))


@test
def a_pro_user_follows_a_domains_hits_as_they_are_written():
    tok = user("pro")
    run([JOB], STREAM_SECONDS="0")           # the hits before this test are out
    conn, resp = subscribe("odds", tok)
    try:
        expect_status(resp, 200)
        assert resp.getheader("Content-Type", "").startswith("text/event-stream")
        job = subprocess.Popen(as_stack_user([JOB]), env=base_env(STREAM_SECONDS="8"), cwd="/",
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        tag = secrets.token_hex(4)
        owner = sql_value("SELECT id FROM users ORDER BY id LIMIT 1")
        hit("markets", "m" + tag)                # another domain's channel
        hit("odds", "private" + tag, owner)      # an owner's own: never streamed
        want = hit("odds", tag)
        got = events(resp, 1)[0]
        assert got["id"] == want and got["domain"] == "odds" and got["title"] == f"stream {tag}"
        assert got["score"] == 64 and got["payload"] == {"n": 1}, got
        assert job.wait(timeout=30) == 0
    finally:
        conn.close()
    # a second run publishes nothing again
    p = run([JOB], STREAM_SECONDS="0")
    expect_rc(p, 0, "stream-hits")
    last = sql_value("SELECT last_id FROM stream_cursor WHERE name = 'hits'")
    assert int(last) >= want


@test
def the_stream_is_for_signed_in_users_whose_tier_sees_the_domain_live():
    conn, resp = subscribe("markets")
    assert resp.status in (401, 403), resp.status
    conn.close()
    free = user("free")
    conn, resp = subscribe("odds", free)
    assert resp.status == 403, resp.status
    conn.close()
    conn, resp = subscribe("markets", free)
    assert resp.status == 200, resp.status
    conn.close()
    conn, resp = subscribe("sports", free)
    assert resp.status in (403, 422), resp.status
    conn.close()
    r = request("GET", "/api/stream/auth?channel=hits-odds", headers={"Authorization": "Bearer " + free},
                source=next(_addr))
    assert r.status == 403 and r.json()["error"]["code"] == "FORBIDDEN", r
    r = request("GET", "/api/stream/auth?channel=hits-markets",
                headers={"Authorization": "Bearer " + free}, source=next(_addr))
    expect_status(r, 204)
