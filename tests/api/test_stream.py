"""The live stream against the running stack: nginx's nchan module holds the
subscribers of /api/stream (Server-Sent Events read here from a raw TLS
socket, WebSocket through python3-websockets), the stream route authorises
each subscription (401 without credentials, 403 for another user's channel
or a topic the tier lacks, tier_stream_topics says which), hits reach the
public topics through `edgescout stream publish` (what the scan jobs call
after their runs), Last-Event-ID resumes, the publisher is only on a unix
socket (the public port refuses it), and /metrics counts the subscribers.
Client addresses 127.0.0.170-179."""

import asyncio
import json
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.parse

import websockets

from accounts import cookie_login, new_user, sql, sql_value
from jobs_lib import BIN, cli, expect_rc, run
from lib import STACK, expect_error, expect_status, request, test, tls_context, wait_for

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PUBLISH_SOCKET = os.path.join(STACK["RUN_DIR"], "stream-publish.socket")
ADDRS = [f"127.0.0.{i}" for i in range(170, 180)]
_turn = [0]


def addr():
    _turn[0] += 1
    return ADDRS[_turn[0] % len(ADDRS)]


class User:
    def __init__(self, tier="free"):
        email, password, reply = new_user("stream")
        self.email, self.password, self.token = email, password, reply["access_token"]
        self.id = int(sql_value("SELECT id FROM users WHERE email = :'p1'", email))
        if tier != "free":
            sql("UPDATE users SET tier = :'p1' WHERE id = :'p2'", tier, self.id)
            # a new token carries the new tier
            r = request("POST", "/api/auth/login", body={"email": email, "password": password},
                        source=addr())
            expect_status(r, 200)
            self.token = r.json()["access_token"]

    def auth(self):
        return {"Authorization": f"Bearer {self.token}"}


class Sse:
    """One EventSource subscription on a raw TLS socket: status, headers,
    then events as dicts (id, event, data)."""

    def __init__(self, topics, headers=None):
        raw = socket.create_connection(("localhost", int(STACK["PORT"])), timeout=10,
                                       source_address=(addr(), 0))
        self.sock = tls_context().wrap_socket(raw, server_hostname="localhost")
        lines = [f"GET /api/stream?topics={topics} HTTP/1.1", "Host: localhost",
                 "Accept: text/event-stream"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.buf = b""
        head = self._until(b"\r\n\r\n").decode()
        self.status = int(head.split(" ", 2)[1])
        self.headers = {k.lower(): v for k, v in
                        (l.split(": ", 1) for l in head.split("\r\n")[1:] if ": " in l)}
        self.chunked = self.headers.get("transfer-encoding") == "chunked"
        self.text = ""

    def _until(self, sep):
        while sep not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("stream closed")
            self.buf += data
        out, self.buf = self.buf.split(sep, 1)
        return out

    def _more(self):
        if self.chunked:
            size = int(self._until(b"\r\n"), 16)
            while len(self.buf) < size + 2:
                self.buf += self.sock.recv(65536)
            self.text += self.buf[:size].decode()
            self.buf = self.buf[size + 2:]
        else:
            if not self.buf:
                self.buf = self.sock.recv(65536)
            self.text += self.buf.decode()
            self.buf = b""

    def event(self, timeout=10):
        """The next event that has data (comments and pings skipped)."""
        deadline = time.time() + timeout
        while True:
            while "\n\n" in self.text:
                block, self.text = self.text.split("\n\n", 1)
                ev = {}
                for line in block.split("\n"):
                    if line.startswith(":") or ":" not in line:
                        continue
                    k, v = line.split(":", 1)
                    ev[k] = ev.get(k, "") + v[1:] if v.startswith(" ") else v
                if "data" in ev:
                    return ev
            self.sock.settimeout(max(0.1, deadline - time.time()))
            self._more()

    def event_with_key(self, key, timeout=10):
        deadline = time.time() + timeout
        while True:
            ev = self.event(max(0.1, deadline - time.time()))
            if json.loads(ev["data"]).get("key") == key:
                return ev

    def close(self):
        self.sock.close()


def new_hit(domain="markets", score=80):
    key = f"stream-test:{secrets.token_hex(6)}"
    sql("INSERT INTO hits (domain, key, score, title, observed_at) "
        "VALUES (:'p1', :'p2', :'p3', :'p4', '2030-01-02T10:00:00Z')",
        domain, key, str(score), f"Stream test {key}")
    return key


def publish():
    p = cli("stream", "publish")
    expect_rc(p, 0, "edgescout stream publish")
    assert re.match(r"stream: \d+ hit\(s\) published", p.stdout), p.stdout
    return p


def subscribed(count):
    """Wait until nchan counts at least count subscribers."""
    def enough():
        text = status()
        m = re.search(r"^subscribers: (\d+)", text, re.M)
        return m and int(m.group(1)) >= count
    assert wait_for(enough, timeout=10), status()


def status():
    p = subprocess.run(["curl", "-s", "--unix-socket", PUBLISH_SOCKET, "http://localhost/status"],
                       capture_output=True, text=True, timeout=10)
    return p.stdout


@test
def sse_subscriber_gets_a_published_hit_with_an_id():
    u = User()
    s = Sse(f"markets,user.{u.id}", u.auth())
    try:
        assert s.status == 200, s.status
        assert s.headers["content-type"].startswith("text/event-stream"), s.headers
        key = new_hit("markets", 77.5)
        subscribed(1)
        publish()
        ev = s.event_with_key(key)
        body = json.loads(ev["data"])
        assert body["domain"] == "markets" and body["score"] == 77.5, body
        assert body["title"] == f"Stream test {key}" and body["observed_at"] == "2030-01-02T10:00:00Z"
        assert body["id"] == int(sql_value("SELECT id FROM hits WHERE key = :'p1'", key))
        assert ev.get("id"), ev     # the event id a client resumes from
        # recorded as published: the next run leaves it
        assert sql_value("SELECT count(*) FROM stream_sent WHERE hit_id = :'p1'",
                         str(body["id"])) == "1"
    finally:
        s.close()


@test
def a_hit_committed_after_a_higher_id_was_published_still_goes_out():
    u = User()
    s = Sse("markets", u.auth())
    try:
        subscribed(1)
        early = int(sql_value("SELECT nextval('hits_id_seq')"))   # taken, not yet committed
        later = new_hit()
        publish()
        assert json.loads(s.event()["data"])["key"] == later
        key = f"stream-test:{secrets.token_hex(6)}"
        sql("INSERT INTO hits (id, domain, key, score, title, observed_at) VALUES "
            "(:'p1', 'markets', :'p2', 60, 'late', '2030-01-02T10:00:00Z')", str(early), key)
        publish()
        got = json.loads(s.event()["data"])
        assert got["key"] == key and got["id"] == early, got
        # once settled, the floor moves past what was sent and forgets it
        sql("UPDATE stream_sent SET sent_at = now() - interval '1 hour' WHERE hit_id <= :'p1'",
            str(got["id"] + 1))
        top = int(sql_value("SELECT max(hit_id) FROM stream_sent WHERE hit_id <= :'p1'",
                            str(got["id"] + 1)))
        publish()
        assert int(sql_value("SELECT last_hit_id FROM stream_cursor")) >= top
        assert sql_value("SELECT count(*) FROM stream_sent WHERE hit_id <= :'p1'", str(top)) == "0"
    finally:
        s.close()


@test
def the_odds_scan_publishes_its_new_hits_after_the_run():
    # the recorded odds of event r1 hold one +EV hit (tests/api/test_odds.py)
    u = User("pro")
    d = tempfile.mkdtemp(prefix="es-stream-", dir="/tmp")
    os.chmod(d, 0o755)
    path = os.path.join(d, "recorded.csv")
    shutil.copy(os.path.join(REPO, "tests", "fixtures", "odds", "recorded.csv"), path)
    os.chmod(path, 0o644)
    sql("DELETE FROM odds_events WHERE id = 'r1'")
    s = Sse("odds", u.auth())
    try:
        subscribed(1)
        p = run([os.path.join(BIN, "cron", "scan-odds")], ODDS_CSV_URL="file://" + path,
                ODDS_MIN_EV="0.02")
        expect_rc(p, 0, "scan-odds")
        while True:
            body = json.loads(s.event()["data"])
            if body["domain"] == "odds" and body["payload"].get("event_id") == "r1":
                break
        assert body["payload"]["book"] == "betfair_ex_uk", body
        assert body["key"] == f"ev:{body['payload']['hit_id']}", body
    finally:
        s.close()
        shutil.rmtree(d)


@test
def a_bots_posted_hit_goes_to_its_owner_only():
    owner, other = User("pro"), User("pro")
    r = request("POST", "/api/auth/api-keys", body={"name": "bot", "scopes": ["ingest"]},
                headers=owner.auth(), source=addr())
    expect_status(r, 201)
    key = r.json()["key"]
    mine = Sse(f"odds,user.{owner.id}", owner.auth())
    theirs = Sse("odds", other.auth())
    try:
        subscribed(2)
        event = "ing-" + secrets.token_hex(4)
        r = request("POST", "/api/ev/hits/ingest", headers={"X-API-Key": key}, source=addr(),
                    body={"event_id": event, "sport": "soccer_epl",
                          "commence_time": "2030-03-01T15:00:00Z", "home_team": "Arsenal",
                          "away_team": "Chelsea", "market": "h2h", "outcome": "Draw",
                          "book": "betfair_ex_uk", "price": 3.6, "fair_prob": 0.3,
                          "observed_at": "2030-02-28T10:00:00Z", "method": "shin"})
        expect_status(r, 201)
        public = new_hit("odds", 55)       # a scanner's hit after it, for everyone
        publish()
        got = json.loads(mine.event()["data"])
        assert got["payload"]["event_id"] == event, got
        # the other user's first odds event is the public one: the bot's never came
        got = json.loads(theirs.event()["data"])
        assert got["key"] == public, got
    finally:
        mine.close()
        theirs.close()


@test
def websocket_subscriber_of_the_pro_tier_gets_odds():
    u = User("pro")
    url = f"wss://localhost:{STACK['PORT']}/api/stream?topics=odds"

    async def run():
        async with websockets.connect(url, ssl=tls_context(), extra_headers=u.auth(),
                                      local_addr=(addr(), 0), open_timeout=10) as ws:
            key = new_hit("odds", 64)
            subscribed(1)
            await asyncio.get_running_loop().run_in_executor(None, publish)
            while True:
                msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if msg["key"] == key:
                    return msg
    msg = asyncio.run(run())
    assert msg["domain"] == "odds" and msg["score"] == 64, msg


@test
def a_session_cookie_or_an_api_key_subscribes_too():
    u = User()
    r, cookie, _ = cookie_login(u.email, u.password)
    s = Sse("markets", {"Cookie": f"__Host-edgescout_session={cookie}"})
    try:
        assert s.status == 200, s.status
    finally:
        s.close()
    # and an API key of the read scope, for bots
    r = request("POST", "/api/auth/api-keys", body={"name": "bot", "scopes": ["read"]},
                headers=u.auth(), source=addr())
    expect_status(r, 201)
    s = Sse(f"markets,user.{u.id}", {"X-API-Key": r.json()["key"]})
    try:
        assert s.status == 200, s.status
    finally:
        s.close()


@test
def no_credentials_is_401():
    r = request("GET", "/api/stream?topics=markets", headers={"Accept": "text/event-stream"},
                source=addr())
    expect_error(r, 401, "UNAUTHORIZED")


@test
def another_users_channel_is_403():
    u, other = User(), User()
    r = request("GET", f"/api/stream?topics=markets,user.{other.id}",
                headers=dict(u.auth(), Accept="text/event-stream"), source=addr())
    expect_error(r, 403, "FORBIDDEN", "topics")
    s = Sse(f"user.{u.id}", u.auth())      # their own is fine
    try:
        assert s.status == 200
    finally:
        s.close()


@test
def the_tier_table_says_which_topics():
    free, pro = User(), User("pro")
    for topic in ("odds", "deals"):
        r = request("GET", f"/api/stream?topics={topic}",
                    headers=dict(free.auth(), Accept="text/event-stream"), source=addr())
        expect_error(r, 403, "FORBIDDEN", "topics")
        assert "free tier" in r.json()["error"]["message"], r.json()
    s = Sse("markets,odds,deals", pro.auth())
    try:
        assert s.status == 200
    finally:
        s.close()
    # the table, not code: granting odds to free lets a free user in
    sql("INSERT INTO tier_stream_topics (tier, topic) VALUES ('free', 'odds')")
    try:
        s = Sse("odds", free.auth())
        assert s.status == 200, s.status
        s.close()
    finally:
        sql("DELETE FROM tier_stream_topics WHERE tier = 'free' AND topic = 'odds'")


@test
def a_plain_get_only_checks_the_subscription():
    u = User()
    r = request("GET", f"/api/stream?topics=markets,user.{u.id}", headers=u.auth(), source=addr())
    expect_status(r, 200)
    assert r.json() == {"topics": ["markets", f"user.{u.id}"]}, r.json()
    r = request("GET", "/api/stream?topics=odds", headers=u.auth(), source=addr())
    expect_error(r, 403, "FORBIDDEN", "topics")


@test
def bad_topics_are_refused():
    u = User()
    h = dict(u.auth(), Accept="text/event-stream")
    for q in ("", "?topics=", "?topics=Markets", "?topics=markets,,odds", "?topics=a,b,c,d,e,f,g,h,i",
              "?topics=markets%27%3B--", "?topics=%ff", "?topics=user.x", "?topics=weather",
              "?topics=" + "m" * 201):
        r = request("GET", "/api/stream" + q, headers=h, source=addr())
        assert r.status in (400, 422), (q, r.status, r.body[:200])
        assert "error" in r.json(), (q, r.body[:200])


@test
def last_event_id_resumes_with_the_missed_event():
    u = User()
    s = Sse("markets", u.auth())
    first = new_hit()
    subscribed(1)
    publish()
    ev = s.event_with_key(first)
    s.close()
    missed = new_hit()
    publish()
    later = Sse("markets", dict(u.auth(), **{"Last-Event-ID": ev["id"]}))
    try:
        got = json.loads(later.event()["data"])
        assert got["key"] == missed, got         # the missed one first, not the seen one
    finally:
        later.close()
    # a WebSocket client resumes with ?last_event_id=
    url = (f"wss://localhost:{STACK['PORT']}/api/stream?topics=markets&last_event_id="
           + urllib.parse.quote(ev["id"]))

    async def resume():
        async with websockets.connect(url, ssl=tls_context(), extra_headers=u.auth(),
                                      local_addr=(addr(), 0), open_timeout=10) as ws:
            return json.loads(await asyncio.wait_for(ws.recv(), 10))
    got = asyncio.run(resume())
    assert got["key"] == missed, got


@test
def the_publisher_is_not_reachable_from_outside():
    before = re.search(r"total published messages: (\d+)", status()).group(1)
    u = User()
    for method, path in (("POST", "/pub/markets"), ("POST", "/api/stream?topics=markets"),
                         ("PUT", "/api/stream?topics=markets"), ("GET", "/status"),
                         ("GET", "/__es/subscribe/0")):
        r = request(method, path, raw_body=b'{"forged":true}', headers=dict(
            u.auth(), **{"Content-Type": "application/json"}), source=addr(), validate=False)
        assert r.status in (403, 404, 405, 406), (method, path, r.status)
    # plain HTTP only redirects
    r = request("POST", "/pub/markets", raw_body=b"{}", tls=False, source=addr(), validate=False)
    assert r.status == 301, r.status
    assert re.search(r"total published messages: (\d+)", status()).group(1) == before
    assert oct(os.stat(PUBLISH_SOCKET).st_mode & 0o777) == "0o660"


@test
def metrics_count_the_subscribers_who_hold_no_worker():
    u = User()
    n = int(STACK.get("WORKERS", "2")) + 3      # more subscribers than stream workers
    subs = [Sse("markets", u.auth()) for _ in range(n)]
    try:
        subscribed(n)
        # every subscriber is still connected, yet the stream's workers are free
        r = request("GET", "/api/stream?topics=markets", headers=u.auth(), source=addr())
        expect_status(r, 200)
        r = request("GET", "/metrics", validate=False)
        expect_status(r, 200)
        text = r.body.decode()
        assert "edgescout_stream_up 1" in text, text[-800:]
        count = int(re.search(r"^edgescout_stream_subscribers (\d+)$", text, re.M).group(1))
        assert count >= n, count
    finally:
        for s in subs:
            s.close()


@test
def readme_examples_run_as_written():
    u = User()
    with open(os.path.join(REPO, "README.md")) as f:
        text = f.read()
    start = text.index("## Live stream")
    blocks = re.findall(r"```(sh|python)\n(.*?)```", text[start:text.index("\n## ", start + 5)],
                        re.S)
    assert [b[0] for b in blocks] == ["sh", "python"], blocks
    key = new_hit()
    env = {"PATH": "/usr/bin:/bin", "BASE": STACK["URL"], "TOKEN": u.token,
           "CURL_CA_BUNDLE": STACK["CA"], "SSL_CERT_FILE": STACK["CA"],
           "USER_ID": str(u.id)}
    sse = subprocess.Popen(["bash", "-c", blocks[0][1]], env=env, stdout=subprocess.PIPE,
                           text=True)
    ws = subprocess.Popen(["/usr/bin/python3", "-c", blocks[1][1]], env=env,
                          stdout=subprocess.PIPE, text=True)
    try:
        subscribed(2)
        publish()
        for proc in (sse, ws):
            deadline = time.time() + 10
            seen = ""
            while key not in seen and time.time() < deadline:
                seen += proc.stdout.readline()
            assert key in seen, seen[-500:]
    finally:
        sse.kill()
        ws.kill()
        sse.wait()
        ws.wait()
