"""Adding an endpoint group is adding one file: a copy of the source tree
plus cgi-bin/hello.c (the README's worked example, tests/api/hello_example.c)
builds into a binary whose routes `edgescout routes` lists, `edgescout
nginx-conf` routes, `edgescout openapi` and GET /api/openapi.json document
and the metrics count, and which answers over FastCGI."""

import atexit
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile

import fcgi
from lib import STACK, test, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
EXAMPLE = os.path.join(HERE, "hello_example.c")
HELLO_ROUTES = [("GET", "/api/hello/{name}", "-"), ("POST", "/api/hello", "json")]
BUILD_TIMEOUT = 600

_tree = {}


def source_files():
    """The files of the working tree make would see: tracked, plus untracked
    ones git does not ignore; without git, everything but build output."""
    p = subprocess.run(["git", "-C", REPO, "ls-files", "-z", "--cached", "--others",
                        "--exclude-standard"], capture_output=True, timeout=60)
    if p.returncode == 0 and p.stdout:
        names = [n.decode() for n in p.stdout.split(b"\0") if n]
    else:
        names = []
        for root, dirs, files in os.walk(REPO):
            rel = os.path.relpath(root, REPO)
            dirs[:] = [d for d in dirs if not (rel == "." and (d.startswith("build") or
                                                            d in (".git", "var")))]
            names += [os.path.normpath(os.path.join(rel, f)) for f in files]
    return sorted(n for n in names if os.path.isfile(os.path.join(REPO, n)))


def tree():
    """A copy of the source tree with cgi-bin/hello.c added, built once:
    build/cgi-bin/hello and build/cli/edgescout."""
    if "dir" in _tree:
        return _tree["dir"]
    d = tempfile.mkdtemp(prefix="es-hello-", dir="/tmp")
    os.chmod(d, 0o755)
    _tree["dir"] = d
    for name in source_files():
        dst = os.path.join(d, name)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(os.path.join(REPO, name), dst)
    assert not os.path.exists(os.path.join(d, "cgi-bin", "hello.c")), "hello.c already exists"
    shutil.copy(EXAMPLE, os.path.join(d, "cgi-bin", "hello.c"))
    env = {k: v for k, v in os.environ.items() if not k.endswith("SAN_OPTIONS")}
    p = subprocess.run(["make", "-s", "--no-print-directory", f"-j{os.cpu_count() or 2}",
                        "build/cgi-bin/hello", "build/cgi-bin/openapi", "build/cgi-bin/metrics",
                        "build/cli/edgescout"], cwd=d, env=env,
                       capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    assert p.returncode == 0, f"make in the copy failed:\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
    return d


def hello_operations(doc):
    """The hello operations of an OpenAPI document, checked for their contract."""
    paths = doc["paths"]
    get, post = paths["/api/hello/{name}"]["get"], paths["/api/hello"]["post"]
    assert [p["name"] for p in get["parameters"]] == ["name"], get
    assert get["security"] == [] and post["security"] == [], (get, post)
    body = post["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["name"] and body["additionalProperties"] is False, body
    assert body["properties"]["name"]["maxLength"] == 64, body
    for op in (get, post):
        ok = op["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok == {"type": "object", "properties": {"hello": {"type": "string"}},
                      "required": ["hello"], "additionalProperties": False}, ok
    return get, post


def cleanup():
    d = _tree.pop("dir", None)
    if d:
        shutil.rmtree(d, ignore_errors=True)


atexit.register(cleanup)


@test
def example_is_short_and_has_the_project_texture():
    text = open(EXAMPLE).read()
    lines = text.splitlines()
    assert len(lines) < 40, f"{len(lines)} lines"
    assert lines[0].startswith("/* hello.c: ") and '#include "app.h"' in text
    assert "int main(int argc, char **argv) { return app_main(argc, argv, routes); }" in text
    assert not [line for line in lines if line.startswith("    ")], "indent with tabs"


@test
def hello_builds_and_prints_its_routes():
    d = tree()
    hello = os.path.join(d, "build", "cgi-bin", "hello")
    p = subprocess.run([hello, "--routes"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    got = [tuple(line.split("\t")) for line in p.stdout.splitlines()]
    assert got == HELLO_ROUTES, got
    # no file other than cgi-bin/hello.c differs from the tree under test
    for name in source_files():
        a = open(os.path.join(REPO, name), "rb").read()
        b = open(os.path.join(d, name), "rb").read()
        assert a == b, f"{name} differs in the copy"


@test
def edgescout_routes_lists_hello():
    d = tree()
    cli = os.path.join(d, "build", "cli", "edgescout")
    bindir = os.path.join(d, "build", "cgi-bin")
    p = subprocess.run([cli, "routes", "--json", "--bin", bindir], capture_output=True,
                       text=True, timeout=60, env={"PATH": os.environ.get("PATH", "")})
    assert p.returncode == 0, p.stderr
    rows = [r for r in json.loads(p.stdout) if r["binary"] == "hello"]
    got = [(r["binary"], r["method"], r["path"], ",".join(r["flags"]) or "-") for r in rows]
    assert sorted(got) == sorted(("hello",) + r for r in HELLO_ROUTES), got
    p = subprocess.run([cli, "routes", "--bin", bindir], capture_output=True, text=True,
                       timeout=60, env={"PATH": os.environ.get("PATH", "")})
    assert p.returncode == 0, p.stderr
    assert re.search(r"^hello\s+GET\s+/api/hello/\{name\}\s+-$", p.stdout, re.M), p.stdout
    assert re.search(r"^hello\s+POST\s+/api/hello\s+json$", p.stdout, re.M), p.stdout


@test
def edgescout_openapi_documents_hello():
    d = tree()
    # the stack's binaries (built from the tree under test) and hello beside them
    bindir = os.path.join(d, "all-cgi-bin")
    os.makedirs(bindir, exist_ok=True)
    stack_bins = os.path.join(STACK["BIN_DIR"], "cgi-bin")
    for name in os.listdir(stack_bins):
        if not os.path.lexists(os.path.join(bindir, name)):
            os.symlink(os.path.join(stack_bins, name), os.path.join(bindir, name))
    if not os.path.lexists(os.path.join(bindir, "hello")):
        os.symlink(os.path.join(d, "build", "cgi-bin", "hello"), os.path.join(bindir, "hello"))
    p = subprocess.run([os.path.join(d, "build", "cli", "edgescout"), "openapi", "--bin",
                        bindir], capture_output=True, text=True,
                       timeout=120, env={"PATH": os.environ.get("PATH", "")})
    assert p.returncode == 0, p.stderr
    doc = json.loads(p.stdout)
    hello_operations(doc)
    # every other path of the tree under test is there too, unchanged
    committed = json.load(open(os.path.join(REPO, "docs", "openapi.yaml")))
    rest = {k: v for k, v in doc["paths"].items() if not k.startswith("/api/hello")}
    assert rest == committed["paths"]


@test
def nginx_conf_routes_hello_and_nginx_accepts_it():
    d = tree()
    stack = os.path.join(d, "stackdir")
    for sub in ("bin", "etc/tls", "run", "log", "tmp"):
        os.makedirs(os.path.join(stack, sub), exist_ok=True)
    os.symlink(os.path.join(d, "build", "cgi-bin"), os.path.join(stack, "bin", "cgi-bin"))
    for f in ("cert.pem", "key.pem"):
        shutil.copy(os.path.join(STACK["DIR"], "etc", "tls", f), os.path.join(stack, "etc", "tls"))
    conf = os.path.join(stack, "etc", "nginx.conf")
    env = {"PATH": os.environ.get("PATH", ""), "APP_ENV": "test"}
    p = subprocess.run([os.path.join(d, "build", "cli", "edgescout"), "nginx-conf",
                        "--dir", stack, "--templates", os.path.join(d, "nginx"),
                        "--out", conf, "--port", "47543", "--http-port", "47580"],
                       capture_output=True, text=True, timeout=60, env=env)
    assert p.returncode == 0, p.stderr
    text = open(conf).read()
    assert re.search(rf"upstream es_hello \{{\s*server unix:{re.escape(stack)}/run/hello\.sock;",
                     text), "no upstream for hello"
    # one location per path, each passing to the hello upstream
    blocks = re.findall(r"\n\t\t(location [^\n]*\{.*?)\n\t\t\}", text, re.S)
    exact = [b for b in blocks if b.startswith("location = /api/hello {")]
    param = [b for b in blocks if "/api/hello" in b.split("{")[0] and "~" in b.split("{")[0]]
    assert len(exact) == 1 and "fastcgi_pass es_hello;" in exact[0], blocks
    assert len(param) == 1 and "fastcgi_pass es_hello;" in param[0], blocks
    rx = re.match(r'location ~ "?(\^[^" ]+)"? \{', param[0])
    assert rx, param[0]
    pattern = re.compile(rx.group(1))
    assert pattern.match("/api/hello/world") and pattern.match("/api/hello/J%C3%BCrgen")
    assert not pattern.match("/api/hello/a/b") and not pattern.match("/api/hello/")
    assert not pattern.match("/api/hellooo/x")
    n = subprocess.run(["nginx", "-t", "-p", stack + "/", "-c", conf, "-e",
                        os.path.join(stack, "log", "nginx-error.log")],
                       capture_output=True, text=True, timeout=60)
    assert n.returncode == 0 and "test is successful" in n.stderr, n.stderr


@test
def hello_answers_over_fastcgi():
    d = tree()
    work = tempfile.mkdtemp(prefix="es-hello-run-", dir="/tmp")
    sock = os.path.join(work, "hello.sock")
    env = {"APP_ENV": "test", "SECRET_KEY": os.urandom(32).hex(), "DATA_DIR": work,
           "RUN_DIR": work, "DATABASE_URL": f"host={work} dbname=none", "LANG": "C.UTF-8"}
    proc = None
    try:
        proc = fcgi.start_worker(os.path.join(d, "build", "cgi-bin", "hello"), sock, env,
                                 os.path.join(work, "hello.log"))
        assert proc.poll() is None, open(os.path.join(work, "hello.log")).read()
        r = fcgi.request(sock, "GET", "/api/hello/world")
        assert r.status == 200 and r.json() == {"hello": "world"}, r
        assert r.header("content-type") == "application/json" and r.header("x-request-id")
        r = fcgi.request(sock, "GET", "/api/hello/J%C3%BCrgen%20K")
        assert r.status == 200 and r.json() == {"hello": "J\u00fcrgen K"}, r
        r = fcgi.request(sock, "HEAD", "/api/hello/world")
        assert r.status == 200 and r.body == b"", r
        r = fcgi.request(sock, "POST", "/api/hello", body={"name": "ada"})
        assert r.status == 200 and r.json() == {"hello": "ada"}, r

        r = fcgi.request(sock, "PUT", "/api/hello/world", body={"name": "x"})
        expect_envelope(r, 405, "METHOD_NOT_ALLOWED")
        assert r.header("allow") == "GET, HEAD", r.headers
        r = fcgi.request(sock, "GET", "/api/hello")
        expect_envelope(r, 405, "METHOD_NOT_ALLOWED")
        assert r.header("allow") == "POST", r.headers
        r = fcgi.request(sock, "POST", "/api/hello", body=b'{"name":"ada"}')
        expect_envelope(r, 415, "UNSUPPORTED_MEDIA_TYPE")
        r = fcgi.request(sock, "POST", "/api/hello", body=b'{"name":"ada"}',
                         headers={"Content-Type": "text/plain"})
        expect_envelope(r, 415, "UNSUPPORTED_MEDIA_TYPE")
        r = fcgi.request(sock, "POST", "/api/hello", body=b'{"name":',
                         headers={"Content-Type": "application/json"})
        expect_envelope(r, 400, "INVALID_JSON")
        for bad in ({"name": 5}, {"name": ""}, {"name": "x" * 65}, {"name": "a\u0001b"}, {}):
            r = fcgi.request(sock, "POST", "/api/hello", body=bad)
            err = expect_envelope(r, 422, "VALIDATION_FAILED")
            assert err.get("field") == "name", err
        r = fcgi.request(sock, "GET", "/api/hello/%ff")
        expect_envelope(r, 400, "BAD_REQUEST")
        r = fcgi.request(sock, "GET", "/api/hello/a/b")
        expect_envelope(r, 404, "NOT_FOUND")
        r = fcgi.request(sock, "GET", "/api/hello/world")
        assert r.status == 200, r
        served_documents_and_counts_hello(d, work, env)
    finally:
        status = fcgi.stop_worker(proc) if proc else None
        shutil.rmtree(work, ignore_errors=True)
    assert status == 0, f"hello exited {status}"


def served_documents_and_counts_hello(d, work, env):
    """The copy's own openapi and metrics binaries, beside hello with the
    same RUN_DIR: /api/openapi.json documents hello, /metrics counts it."""
    procs = []
    try:
        for name in ("openapi", "metrics"):
            sock = os.path.join(work, name + ".sock")
            proc = fcgi.start_worker(os.path.join(d, "build", "cgi-bin", name), sock, env,
                                     os.path.join(work, name + ".log"))
            procs.append(proc)
            assert proc.poll() is None, open(os.path.join(work, name + ".log")).read()
        r = fcgi.request(os.path.join(work, "openapi.sock"), "GET", "/api/openapi.json",
                         timeout=60)
        assert r.status == 200, (r, open(os.path.join(work, "openapi.log")).read()[-2000:])
        hello_operations(r.json())
        r = fcgi.request(os.path.join(work, "metrics.sock"), "GET", "/metrics")
        assert r.status == 200, r
        text = r.body.decode()
        counted = re.findall(r'^edgescout_http_requests_total\{binary="hello",'
                             r'route="/api/hello/\{name\}",method="GET",status="200"\} (\d+)$',
                             text, re.M)
        assert counted and int(counted[0]) >= 3, text[:3000]
        assert re.search(r'^edgescout_http_requests_total\{binary="hello",route="/api/hello",'
                         r'method="POST",status="422"\} \d+$', text, re.M), text[:3000]
    finally:
        for proc in procs:
            fcgi.stop_worker(proc)


LEAKY_C = r"""/* leaky.c: loses one allocation per request, for the leak check. */
#include "app.h"

#include <stdlib.h>
#include <string.h>

static int leak(struct req *r);

static const struct route routes[] = {
	{ "GET", "/api/leak", leak, 0 },
	{ 0 }
};

int main(int argc, char **argv) { return app_main(argc, argv, routes); }

static int
leak(struct req *r)
{
	char *lost = malloc(4321);

	memset(lost, 'x', 4321);
	return reply_json(r, 200, pool_json_object(r->pool));
}
"""


def children(pid):
    p = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(x) for x in p.stdout.split()]


def run_under_multiwatch(binary, work, requests):
    """Serve binary with two workers under spawn-fcgi + multiwatch (as the
    stack does), send requests, stop multiwatch with TERM; the sanitizer
    report files and the log."""
    work = os.path.join(work, os.path.basename(binary))
    os.mkdir(work)
    sock = os.path.join(work, os.path.basename(binary) + ".sock")
    log = os.path.join(work, os.path.basename(binary) + ".log")
    report = os.path.join(work, "sanitizer-" + os.path.basename(binary))
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "APP_ENV": "test",
           "DATA_DIR": work, "RUN_DIR": work, "DATABASE_URL": f"host={work} dbname=none",
           "ASAN_OPTIONS": f"detect_leaks=1:abort_on_error=0:log_path={report}",
           "UBSAN_OPTIONS": f"print_stacktrace=1:log_path={report}"}
    if "LSAN_OPTIONS" in os.environ:
        env["LSAN_OPTIONS"] = os.environ["LSAN_OPTIONS"]
    with open(log, "ab") as f:
        mw = subprocess.Popen(["spawn-fcgi", "-n", "-s", sock, "-M", "0600", "--",
                               "/usr/bin/multiwatch", "-f", "2", "--", binary],
                              env=env, stdin=subprocess.DEVNULL, stdout=f, stderr=f,
                              cwd=work, start_new_session=True)
    workers = []
    try:
        # both workers ready: a SIGUSR1 before libfcgi's handler is installed
        # would kill a worker outright, with no cleanup and no leak check
        assert wait_for(lambda: len(children(mw.pid)) == 2 and os.path.exists(sock) and
                        open(log).read().count('"msg":"worker started"') == 2,
                        timeout=20), f"workers did not start: {open(log).read()[-2000:]}"
        workers = children(mw.pid)
        for method, uri in requests:
            r = fcgi.request(sock, method, uri)
            assert r.status == 200, r
    finally:
        if mw.poll() is None:
            os.kill(mw.pid, signal.SIGTERM)     # multiwatch sends its workers SIGUSR1
        try:
            mw.wait(20)
        except subprocess.TimeoutExpired:
            for pid in children(mw.pid):
                os.kill(pid, signal.SIGKILL)
            os.kill(mw.pid, signal.SIGKILL)
            mw.wait(10)
            raise AssertionError("multiwatch did not stop on TERM within 20 s")
        for pid in workers:
            wait_for(lambda: not os.path.exists(f"/proc/{pid}"), timeout=10)
    reports = sorted(f for f in os.listdir(work) if f.startswith("sanitizer-"))
    texts = [open(os.path.join(work, f), errors="replace").read() for f in reports]
    return texts, open(log, errors="replace").read()


@test
def leak_sanitizer_reports_worker_leaks_when_multiwatch_stops_them():
    d = tree()
    with open(os.path.join(d, "cgi-bin", "leaky.c"), "w") as f:
        f.write(LEAKY_C)
    env = {k: v for k, v in os.environ.items() if not k.endswith("SAN_OPTIONS")}
    p = subprocess.run(["make", "-s", "--no-print-directory", f"-j{os.cpu_count() or 2}",
                        "SAN=1", "build-san/cgi-bin/leaky", "build-san/cgi-bin/hello"],
                       cwd=d, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    assert p.returncode == 0, f"SAN build failed:\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
    work = tempfile.mkdtemp(prefix="es-leak-", dir="/tmp")
    try:
        # a worker that leaks: each one reports at exit, through main's return
        texts, log = run_under_multiwatch(os.path.join(d, "build-san", "cgi-bin", "leaky"),
                                          work, [("GET", "/api/leak")] * 4)
        assert log.count('"msg":"worker stopping"') == 2, log[-2000:]
        assert texts, f"no LeakSanitizer report from the leaking workers: {log[-2000:]}"
        joined = "\n".join(texts)
        assert "ERROR: LeakSanitizer: detected memory leaks" in joined, joined[:2000]
        ours = [int(m.group(1)) for block in joined.split("\n\n")
                for m in [re.match(r"Direct leak of (\d+) byte", block.strip())]
                if m and re.search(r" in leak cgi-bin/leaky\.c:\d+", block)]
        assert sum(ours) == 4 * 4321, f"{ours}: {joined[:2000]}"
        # the same way, a worker that does not leak leaves no report
        texts, log = run_under_multiwatch(os.path.join(d, "build-san", "cgi-bin", "hello"),
                                          work, [("GET", "/api/hello/x")] * 4)
        assert log.count('"msg":"worker stopping"') == 2, log[-2000:]
        assert not texts, "\n".join(texts)[:3000]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def expect_envelope(r, status, code):
    assert r.status == status, f"expected {status}, got {r!r}"
    body = r.json()
    assert set(body) == {"error"} and body["error"]["code"] == code, body
    assert body["error"]["request_id"] == r.header("x-request-id"), (body, r.headers)
    return body["error"]


@test
def readme_shows_the_example_verbatim():
    try:
        readme = os.path.join(REPO, "README.md")
        if not os.path.exists(readme):
            print("     note: README.md does not exist yet; its worked example is not checked")
            return
        text = open(readme).read()
        assert open(EXAMPLE).read().rstrip("\n") in text, \
            "README.md does not contain tests/api/hello_example.c verbatim"
    finally:
        cleanup()
