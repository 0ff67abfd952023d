"""FastCGI keep-alive between nginx and the workers. A libfcgi worker serves
one connection at a time, so an idle kept connection holds its worker: the
kept connections (per binary and nginx worker) must stay below the workers,
or a request on a new connection waits for an idle one to time out. These
tests read the sizing nginx was given and hold every worker of the health
binary busy with slow requests (a database lock makes /health/detailed
wait) while one more request queues: all must complete, the queued one as
soon as a worker is free. Sources 127.0.0.90-99."""

import os
import re
import subprocess
import threading
import time

from lib import STACK, get, pg_bin, test

SOURCES = [f"127.0.0.{n}" for n in range(90, 100)]
HOLD_SECONDS = 1.5      # how long the lock keeps the workers busy
PROMPT_SECONDS = 0.8    # the queued request's allowance once the lock is gone;
                        # an idle kept connection only times out after 1 s


def nginx_conf():
    with open(os.path.join(STACK["DIR"], "etc", "nginx.conf")) as f:
        return f.read()


def upstream_keepalive(conf, binary):
    """The keepalive of binary's upstream block (0 without one)."""
    m = re.search(r"upstream es_%s \{(.*?)\}" % re.escape(binary), conf, re.S)
    assert m, f"no upstream es_{binary} in nginx.conf"
    k = re.search(r"^\s*keepalive (\d+);", m.group(1), re.M)
    return int(k.group(1)) if k else 0


def env_file_value(key):
    with open(STACK["ENV_FILE"]) as f:
        for line in f:
            if line.startswith(key + "="):
                return line.split("=", 1)[1].strip().strip("'")
    raise AssertionError(f"{key} not in {STACK['ENV_FILE']}")


class TableLock:
    """ACCESS EXCLUSIVE lock on schema_migrations, held by a psql session (as
    the database owner) until release()."""

    def __init__(self):
        cmd = [pg_bin("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
               env_file_value("DATABASE_OWNER_URL")]
        user = STACK.get("STACK_USER", "")
        if os.geteuid() == 0 and user and user != "root":
            cmd = ["runuser", "-u", user, "--"] + cmd
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
        self.p.stdin.write("BEGIN;\nLOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE;\n"
                           "SELECT 'locked';\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline().strip()
        if line != "locked":
            self.p.kill()
            raise AssertionError(f"could not lock schema_migrations: {line!r} "
                                 f"{self.p.stderr.read()[:300]!r}")

    def release(self):
        if self.p.poll() is None:
            self.p.stdin.write("COMMIT;\n")
            self.p.stdin.close()
            self.p.wait(timeout=10)


def burst(n, path="/health/detailed"):
    """Start n concurrent requests; returns (threads, results) where each
    result becomes (status, finished_at) or the exception raised."""
    results = [None] * n

    def one(i):
        try:
            r = get(path, source=SOURCES[i % len(SOURCES)])
            results[i] = (r.status, time.monotonic())
        except Exception as e:  # reported by the caller
            results[i] = e

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    return threads, results


def slow_burst(n):
    """n concurrent /health/detailed requests held by the lock for
    HOLD_SECONDS; returns the seconds each took to finish after the release."""
    lock = TableLock()
    try:
        threads, results = burst(n)
        time.sleep(HOLD_SECONDS)
    finally:
        released = time.monotonic()
        lock.release()
    for t in threads:
        t.join(timeout=30)
    late = []
    for i, res in enumerate(results):
        assert not isinstance(res, Exception), f"request {i} failed: {res!r}"
        assert res is not None, f"request {i} did not finish within 30 s"
        status, done = res
        assert status == 200, f"request {i} answered {status}"
        late.append(done - released)
    return late


@test
def kept_connections_stay_below_the_workers():
    conf = nginx_conf()
    m = re.search(r"^worker_processes (\d+);", conf, re.M)
    assert m, "no worker_processes in nginx.conf"
    nginx_workers = int(m.group(1))
    workers = int(STACK["WORKERS"])
    kept_any = False
    for binary in STACK["BINARIES"].split():
        k = upstream_keepalive(conf, binary)
        assert k * nginx_workers < workers or k == 0, \
            f"es_{binary}: keepalive {k} x {nginx_workers} nginx workers >= {workers} workers"
        if k:
            kept_any = True
            block = re.search(r"upstream es_%s \{(.*?)\}" % binary, conf, re.S).group(1)
            assert re.search(r"^\s*keepalive_timeout \d+m?s;", block, re.M), \
                f"es_{binary}: kept connections without keepalive_timeout"
    keep_conn = re.search(r"^\s*fastcgi_keep_conn (on|off);", conf, re.M)
    assert keep_conn, "no fastcgi_keep_conn in nginx.conf"
    assert (keep_conn.group(1) == "on") == kept_any, \
        f"fastcgi_keep_conn {keep_conn.group(1)} but upstream keepalive {'on' if kept_any else 'off'}"


@test
def one_more_slow_request_than_workers_completes():
    workers = int(STACK["WORKERS"])
    # Twice: the first burst leaves idle kept connections (when keep-alive
    # is on), the second one must still find a worker for its extra request.
    for _ in range(2):
        late = slow_burst(workers + 1)
        assert max(late) < PROMPT_SECONDS, \
            f"{workers + 1} slow requests on {workers} workers: the last finished " \
            f"{max(late):.2f} s after the workers were free ({sorted(late)})"


@test
def twice_the_workers_in_slow_requests_complete():
    workers = int(STACK["WORKERS"])
    late = slow_burst(2 * workers + 1)
    # The ones queued behind the first round each need one more (fast)
    # request's time, never an idle connection's timeout.
    assert max(late) < PROMPT_SECONDS, \
        f"{2 * workers + 1} slow requests on {workers} workers: the last finished " \
        f"{max(late):.2f} s after the workers were free ({sorted(late)})"


@test
def health_keeps_answering_after_the_bursts():
    threads, results = burst(len(SOURCES), "/health")
    for t in threads:
        t.join(timeout=30)
    assert all(r is not None and not isinstance(r, Exception) and r[0] == 200
               for r in results), results
