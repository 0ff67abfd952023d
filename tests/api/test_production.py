"""Production mode, on a worker started by hand: it refuses to start with an
unsafe configuration (naming the setting, never its value), and once started
its replies carry no internals even when the database is unreachable; the
detail goes to the log only. Talks FastCGI to the worker directly."""

import json
import os
import shutil
import signal
import tempfile

import fcgi
from lib import STACK, test

HEALTH = os.path.join(STACK.get("BIN_DIR", ""), "cgi-bin", "health")
LEAKS = ("LeakSanitizer", "AddressSanitizer", "runtime error")


class Worker:
    """A temporary directory, the environment of a production worker whose
    database socket does not exist, and the worker once started."""

    def __init__(self, **settings):
        self.dir = tempfile.mkdtemp(prefix="es-prod-", dir="/tmp")
        self.sock = os.path.join(self.dir, "w.sock")
        self.log = os.path.join(self.dir, "worker.log")
        self.db_password = "Db-Pw-" + os.urandom(8).hex()
        self.env = {
            "APP_ENV": "production",
            "SECRET_KEY": os.urandom(32).hex(),
            "DATABASE_URL": f"host={self.dir}/no-such-db port=5432 dbname=edgescout "
                            f"user=edgescout_app password={self.db_password}",
            "DATA_DIR": self.dir,
            "RUN_DIR": self.dir,
            "LANG": "C.UTF-8",
            # sanitizer reports (SAN builds) land in the log we read
            "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0",
            "UBSAN_OPTIONS": "print_stacktrace=1",
        }
        if "LSAN_OPTIONS" in os.environ:
            self.env["LSAN_OPTIONS"] = os.environ["LSAN_OPTIONS"]
        for k, v in settings.items():
            if v is None:
                self.env.pop(k, None)
            else:
                self.env[k] = v
        self.proc = None

    def start(self):
        self.proc = fcgi.start_worker(HEALTH, self.sock, self.env, self.log)
        return self.proc

    def request(self, method, uri, **kw):
        return fcgi.request(self.sock, method, uri, **kw)

    def log_text(self):
        with open(self.log, errors="replace") as f:
            return f.read()

    def log_lines(self):
        out = []
        for line in self.log_text().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                out.append({"raw": line})
        return out

    def close(self):
        status = None
        if self.proc is not None:
            status = fcgi.stop_worker(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)
        return status


def expect_refusal(w, key):
    try:
        p = w.start()
        assert p.poll() is not None, f"started with unsafe {key}"
        assert p.returncode == 1, f"exit status {p.returncode} for unsafe {key}"
        assert not os.path.exists(w.sock), "socket created before refusing"
        lines = w.log_lines()
        named = [x for x in lines if x.get("setting") == key]
        assert named and named[0].get("level") == "error" and named[0].get("problem"), \
            f"no error line naming {key}: {lines}"
        assert any(x.get("msg", "").startswith("refusing to start") for x in lines), lines
        text = w.log_text()
        secret = w.env.get("SECRET_KEY")
        if secret:
            assert secret not in text, f"SECRET_KEY's value is in the log ({key})"
        assert w.db_password not in text, "the database password is in the log"
        for bad in LEAKS:
            assert bad not in text, f"{bad} in the log: {text}"
    finally:
        w.close()


@test
def production_refuses_a_missing_secret_key():
    expect_refusal(Worker(SECRET_KEY=None), "SECRET_KEY")


@test
def production_refuses_an_empty_or_short_secret_key():
    expect_refusal(Worker(SECRET_KEY=""), "SECRET_KEY")
    short = "Sh0rt-" + os.urandom(8).hex()          # 22 characters
    expect_refusal(Worker(SECRET_KEY=short), "SECRET_KEY")


@test
def production_refuses_a_placeholder_secret_key():
    placeholder = ("change-me-please-" + "0123456789abcdefghijklmnopqrstuvwxyz")[:40]
    assert len(placeholder) == 40
    expect_refusal(Worker(SECRET_KEY=placeholder), "SECRET_KEY")
    repeated = "ab" * 24                                 # long, but two characters
    expect_refusal(Worker(SECRET_KEY=repeated), "SECRET_KEY")


@test
def production_refuses_debug():
    for value in ("1", "true", "on"):
        w = Worker(DEBUG=value)
        expect_refusal(w, "DEBUG")


@test
def development_accepts_what_production_refuses():
    # the same weak key outside production: the worker starts (the refusal
    # above is production's, not a broken binary)
    w = Worker(APP_ENV="development", SECRET_KEY="ab" * 24, DEBUG="1")
    try:
        p = w.start()
        assert p.poll() is None, f"exited {p.returncode}: {w.log_text()}"
        expect_status_json(w.request("GET", "/health"), 200)
    finally:
        w.close()


def expect_status_json(r, status):
    assert r.status == status, f"expected {status}, got {r!r}"
    assert r.header("content-type") == "application/json", r.headers
    assert r.app_status == 0 and r.protocol_status == 0, (r.app_status, r.protocol_status)
    return r.json()


def expect_bare_envelope(r, status, code, w):
    """Nothing but {"error":{code, message, field?, request_id}} and no
    internals anywhere in the reply."""
    body = expect_status_json(r, status)
    assert set(body) == {"error"}, body
    err = body["error"]
    assert set(err) <= {"code", "message", "field", "request_id"}, err
    assert err["code"] == code and err["message"], err
    assert err["request_id"] == r.header("x-request-id"), (err, r.headers)
    expect_no_internals(r, w)
    return err


def expect_no_internals(r, w):
    text = r.raw.decode("utf-8", "replace")
    for leak in (w.dir, "/tmp", "host=", "could not connect", "password", w.db_password,
                 "PGSQL", "No such file", "connection to server", "SELECT", "errno",
                 w.env["SECRET_KEY"]):
        assert leak not in text, f"{leak!r} in the reply: {text}"
    assert r.stderr == b"", f"FastCGI stderr: {r.stderr!r}"


@test
def production_worker_answers_without_internals():
    w = Worker()
    try:
        p = w.start()
        assert p.poll() is None, f"a strong production config was refused: {w.log_text()}"
        r = w.request("GET", "/health")
        assert expect_status_json(r, 200)["status"] == "healthy"
        assert len(r.header("x-request-id") or "") >= 8, r.headers
        expect_no_internals(r, w)

        r = w.request("GET", "/health/detailed")
        body = expect_status_json(r, 503)
        assert body["status"] == "degraded" and "database" in body["failing"], body
        assert body["checks"]["database"] == {"status": "failing"}, body
        expect_no_internals(r, w)
        rid = r.header("x-request-id")

        r = w.request("GET", "/api/version")
        v = expect_status_json(r, 200)
        assert set(v) == {"version", "commit"}, v     # versions are for admins
        expect_no_internals(r, w)

        expect_bare_envelope(w.request("GET", "/no/such/path"), 404, "NOT_FOUND", w)
        r = w.request("PUT", "/health", body=b"{}", headers={"Content-Type": "application/json"})
        expect_bare_envelope(r, 405, "METHOD_NOT_ALLOWED", w)
        assert r.header("allow") == "GET, HEAD", r.headers
        expect_bare_envelope(w.request("GET", "/api/version?x=%zz"), 400, "BAD_REQUEST", w)
        expect_bare_envelope(w.request("GET", "/health/%ff%fe"), 400, "BAD_REQUEST", w)
        expect_bare_envelope(w.request("GET", "/health", params={"CONTENT_LENGTH": "abc"}),
                             400, "BAD_REQUEST", w)
        expect_bare_envelope(w.request("GET", "/health", body=b"short",
                                       params={"CONTENT_LENGTH": "50"}),
                             400, "BAD_REQUEST", w)
        expect_bare_envelope(w.request("GET", "/health",
                                       params={"CONTENT_LENGTH": str(64 << 20)}),
                             413, "PAYLOAD_TOO_LARGE", w)
        expect_bare_envelope(w.request("GET", "/api/version?" + "a=b&" * 2000),
                             414, "URI_TOO_LONG", w)
        expect_bare_envelope(w.request("GET", "/health", params={"REQUEST_METHOD": "get"}),
                             400, "BAD_REQUEST", w)
        # the worker is still there after all of that
        expect_status_json(w.request("GET", "/healthz"), 200)

        # the detail went to the log, tied to the request id
        lines = w.log_lines()
        detail = [x for x in lines if x.get("request_id") == rid and "detail" in x]
        assert detail and "no-such-db" in detail[0]["detail"], lines
        assert w.db_password not in w.log_text(), "the database password is in the log"
        assert w.env["SECRET_KEY"] not in w.log_text(), "the secret key is in the log"
    finally:
        status = w.close()
    # SIGTERM ends the loop: main returns 0 after its cleanup, with no leak report
    assert status == 0, f"worker exit status {status}"


@test
def sigterm_stops_the_worker_cleanly_with_no_leak():
    w = Worker()
    try:
        w.start()
        for _ in range(5):
            expect_status_json(w.request("GET", "/health/detailed"), 503)
        status = fcgi.stop_worker(w.proc)
        assert status == 0, f"exit status {status}"
        text = w.log_text()
        assert any(x.get("msg") == "worker stopping" for x in w.log_lines()), text
        for bad in LEAKS:
            assert bad not in text, f"{bad} at exit: {text[-3000:]}"
    finally:
        w.close()


@test
def sigusr1_the_multiwatch_stop_signal_also_stops_it_cleanly():
    w = Worker()
    try:
        w.start()
        expect_status_json(w.request("GET", "/health"), 200)
        os.kill(w.proc.pid, signal.SIGUSR1)
        status = w.proc.wait(10)
        assert status == 0, f"exit status {status} on SIGUSR1"
        text = w.log_text()
        assert any(x.get("msg") == "worker stopping" for x in w.log_lines()), text
        for bad in LEAKS:
            assert bad not in text, f"{bad} at exit: {text[-3000:]}"
    finally:
        w.close()
