"""A new user's first steps: `make deps` says what it installs and leaves no
service enabled (a stand-in apt on PATH: nothing is installed), `make
install` ships the demo data, `make run` passes settings from the
environment and edgescout.env to the workers, and stops everything on
Ctrl-C or on a TERM sent to make. The `make run` tests bring up a second
stack of their own on free ports."""

import filecmp
import os
import signal
import socket
import subprocess
import tempfile
import time

from lib import test, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get("BUILD_DIR", "build-san")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---- make deps ------------------------------------------------------------------

STANDINS = {
    # dpkg-query -W -f=FORMAT PKG...: the stand-in's installed list; 1 when
    # some name is unknown, as dpkg-query does
    "dpkg-query": r'''#!/bin/sh
shift 2
rc=0
for p in "$@"; do
  if grep -qxF "$p" "$STANDIN/installed"; then echo "$p ii "; else rc=1; fi
done
exit $rc
''',
    "apt-get": r'''#!/bin/sh
echo "apt-get $*" >>"$STANDIN/calls"
case "$*" in
  *-s*install*)
    for p in "$@"; do case $p in -*|install) ;; *) echo "Inst $p (1.0 Debian:12 [amd64])";; esac; done
    echo "Inst libstandin-dep (1.0 Debian:12 [amd64])";;
  *install*)
    echo "STANDIN: apt-get install"
    for p in "$@"; do case $p in -*|install) ;; *) echo "$p" >>"$STANDIN/installed";; esac; done;;
esac
exit 0
''',
    "apt-cache": r'''#!/bin/sh
for p in "$@"; do case $p in -*|show) ;; *) printf 'Package: %s\nInstalled-Size: 10240\n\n' "$p";; esac; done
''',
    "systemctl": '#!/bin/sh\necho "systemctl $*" >>"$STANDIN/calls"\n',
    "id": '#!/bin/sh\n[ "$1" = -u ] && { echo 0; exit 0; }\nexec /usr/bin/id "$@"\n',
    "getent": '#!/bin/sh\nexit 2\n',
}


def run_deps(installed):
    """scripts/deps.sh with the stand-ins first on PATH, the packages of
    installed already there; (process, calls)."""
    with tempfile.TemporaryDirectory(prefix="es-deps-") as d:
        bin_dir = os.path.join(d, "bin")
        os.mkdir(bin_dir)
        for name, text in STANDINS.items():
            path = os.path.join(bin_dir, name)
            with open(path, "w") as f:
                f.write(text)
            os.chmod(path, 0o755)
        with open(os.path.join(d, "installed"), "w") as f:
            f.write("".join(p + "\n" for p in installed))
        env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", STANDIN=d,
                   POLICY_RC_D=os.path.join(d, "policy-rc.d"))
        p = subprocess.run(["bash", os.path.join(REPO, "scripts", "deps.sh")], env=env,
                           capture_output=True, text=True, timeout=120)
        with open(os.path.join(d, "calls")) as f:
            calls = f.read().splitlines()
        assert not os.path.exists(env["POLICY_RC_D"]), "the policy-rc.d was left behind"
        return p, calls


def deps_packages():
    with open(os.path.join(REPO, "scripts", "deps.sh")) as f:
        text = f.read()
    # the list ends at a line of its own ")": comments may hold parentheses
    block = text.split("PACKAGES=(", 1)[1].split("\n)", 1)[0]
    return [w for line in block.splitlines() for w in line.split("#", 1)[0].split()]


@test
def make_deps_says_what_it_installs_and_leaves_no_service_enabled():
    every = deps_packages()
    have = [p for p in every if p not in ("nginx", "prometheus", "postgresql", "wrk")]
    p, calls = run_deps(have)
    assert p.returncode == 0, p.stdout + p.stderr
    out = p.stdout
    said = out.index("will install these Debian packages: ")
    assert said < out.index("STANDIN: apt-get install"), out        # said before done
    line = out[said:].splitlines()[0]
    for pkg in ("nginx", "prometheus", "postgresql", "wrk"):
        assert pkg in line.split(": ", 1)[1].split(), line
    # 4 packages and the dependency apt's simulation adds, 10 MiB each
    assert "that is 5 packages with their dependencies, about 50 MB on disk" in out, out
    assert "create the system account edgescout" in out, out
    installs = [c for c in calls if c.startswith("apt-get install")]
    assert installs == ["apt-get install -y -q --no-install-recommends "
                        "postgresql nginx wrk prometheus"], calls
    disabled = sorted(c.split()[-1] for c in calls if c.startswith("systemctl disable"))
    assert disabled == ["nginx.service", "postgresql.service", "prometheus.service"], calls

    # a service installed before is left as it is
    p, calls = run_deps([x for x in every if x != "wrk"])
    assert p.returncode == 0, p.stdout + p.stderr
    assert "will install these Debian packages: wrk\n" in p.stdout, p.stdout
    assert not [c for c in calls if c.startswith("systemctl")], calls


# ---- make install ------------------------------------------------------------------

@test
def make_install_ships_the_demo_data():
    with tempfile.TemporaryDirectory(prefix="es-install-") as d:
        p = subprocess.run(["make", "-s", "-C", REPO, "-o", "all", f"BUILD={BUILD}",
                            f"DESTDIR={d}", "PREFIX=/usr/local", "install"],
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stdout + p.stderr
        data = os.path.join(d, "usr/local/share/edgescout/data")
        assert sorted(os.listdir(data)) == sorted(os.listdir(os.path.join(REPO, "data"))), \
            os.listdir(data)
        assert filecmp.cmp(os.path.join(data, "sp500-2000.csv"),
                           os.path.join(REPO, "data", "sp500-2000.csv"), shallow=False)
        assert os.path.isfile(os.path.join(d, "usr/local/bin/edgescout"))
        web = os.path.join(d, "usr/local/share/edgescout/web")
        assert os.path.isfile(os.path.join(web, "index.html")), os.listdir(d)
        assets = sorted(os.listdir(os.path.join(web, "assets")))
        assert [a.split(".", 1)[1] for a in assets] == ["css", "css.gz", "js", "js.gz"], assets


# ---- make run ------------------------------------------------------------------------

def stack_processes(d):
    """Pids of the processes whose command line names the stack's directory."""
    pids = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if d in cmd:
            pids.append(int(pid))
    return pids


def start_make_run(d, extra_env=None):
    """`make run` (no build, no deps: they are done) on free ports with the
    stack in d; the process, once it says it runs in the foreground."""
    env = dict(os.environ, STACK_DIR=d, PORT=str(free_port()), HTTP_PORT=str(free_port()),
               PGPORT=str(free_port()), DEMO="off", JOBS="off", WORKERS="1",
               **(extra_env or {}))
    for k in ("STACK_ENV", "EDGESCOUT_ENV_FILE", "MAKEFLAGS", "MAKELEVEL"):
        env.pop(k, None)
    out = open(d + ".out", "w+")
    p = subprocess.Popen(["make", "-C", REPO, "-o", "deps", "MAKE=true", f"BUILD={BUILD}",
                          "run"], stdout=out, stderr=subprocess.STDOUT, env=env,
                         start_new_session=True)

    def running():
        out.seek(0)
        text = out.read()
        assert p.poll() is None, f"make run exited {p.returncode}:\n{text[-3000:]}"
        return "running in the foreground" in text
    assert wait_for(running, timeout=240, interval=0.5), "make run did not come up"
    return p, out


@test
def make_run_and_start_read_edgescout_env_at_the_top_of_the_tree():
    path = os.path.join(REPO, "edgescout.env")
    if os.path.exists(path):          # a developer's own: leave it alone
        return
    env = {k: v for k, v in os.environ.items() if k not in ("EXTRA_ENV", "MAKEFLAGS")}
    try:
        with open(path, "w") as f:     # the README's example
            f.write("ALPHAVANTAGE_API_KEY='your-key'\n")
        for target in ("run", "start"):
            p = subprocess.run(["make", "-n", "-C", REPO, "-o", "deps", "MAKE=true", target],
                               capture_output=True, text=True, timeout=60, env=env)
            assert p.returncode == 0, p.stderr
            assert f'EXTRA_ENV="${{EXTRA_ENV:-{path}}}"' in p.stdout, p.stdout
    finally:
        os.unlink(path)
    p = subprocess.run(["make", "-n", "-C", REPO, "-o", "deps", "MAKE=true", "run"],
                       capture_output=True, text=True, timeout=60, env=env)
    assert 'EXTRA_ENV="${EXTRA_ENV:-}"' in p.stdout, p.stdout


def expect_all_stopped(p, out, d, how):
    assert wait_for(lambda: not stack_processes(d), timeout=90, interval=0.5), \
        f"{how}: still running: {stack_processes(d)}"
    p.wait(timeout=30)
    out.seek(0)
    assert "stopping..." in out.read(), how


@test
def make_run_passes_settings_and_stops_on_term_and_on_ctrl_c():
    top = tempfile.mkdtemp(prefix="es-run-", dir="/tmp")
    os.chmod(top, 0o755)
    d = os.path.join(top, "var")
    local_env = os.path.join(top, "local.env")
    with open(local_env, "w") as f:
        f.write("# a user's settings\nPOLYGON_API_KEY='from-the-env-file'\n"
                "LOG_LEVEL='warn'\n")
    p = None
    try:
        p, out = start_make_run(d, {"FINNHUB_API_KEY": "from-the-environment",
                                    "MARKET_CACHE_TTL": "77", "EXTRA_ENV": local_env})
        procs = stack_processes(d)
        assert len(procs) >= 5, procs
        with open(os.path.join(d, "etc", "edgescout.env")) as f:
            settings = f.read()
        # what the workers and jobs read (they start with this file alone)
        for line in ("FINNHUB_API_KEY='from-the-environment'", "MARKET_CACHE_TTL='77'",
                     "POLYGON_API_KEY='from-the-env-file'", "LOG_LEVEL='warn'"):
            assert f"\n{line}\n" in settings, (line, settings)
        workers = [pid for pid in procs if os.path.realpath(f"/proc/{pid}/exe")
                   .startswith(os.path.join(d, "bin", "cgi-bin"))]
        assert workers, procs
        with open(f"/proc/{workers[0]}/environ", "rb") as f:
            environ = dict(kv.split(b"=", 1) for kv in f.read().split(b"\0") if b"=" in kv)
        assert environ[b"EDGESCOUT_ENV_FILE"] == os.path.join(d, "etc", "edgescout.env").encode()

        os.kill(p.pid, signal.SIGTERM)           # TERM to make itself
        expect_all_stopped(p, out, d, "TERM to make")

        p, out = start_make_run(d)
        assert stack_processes(d)
        os.killpg(p.pid, signal.SIGINT)          # Ctrl-C: INT to the foreground group
        expect_all_stopped(p, out, d, "Ctrl-C")
        p = None
    finally:
        if p is not None and p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
        if stack_processes(d):
            subprocess.run([os.path.join(REPO, "scripts", "stack.sh"), "down", d],
                           capture_output=True, timeout=120)
        time.sleep(0.5)
        subprocess.run(["rm", "-rf", top])


# ---- make test ------------------------------------------------------------------------

PROBE = '''"""Two tests for the progress check: one at once, one failing later."""
import time
from lib import test


@test
def first():
    pass


@test
def second_fails_later():
    time.sleep(4)
    assert False, "on purpose"
'''


@test
def make_test_shows_each_phase_and_test_as_it_happens():
    """scripts/test.sh with one unit test binary and a probe API file (make
    itself a stand-in: the build is there): each line arrives when its step
    ends, and the summary and exit status stay what they were."""
    with tempfile.TemporaryDirectory(prefix="es-progress-") as d:
        os.mkdir(os.path.join(d, "bin"))
        with open(os.path.join(d, "bin", "make"), "w") as f:
            f.write("#!/bin/sh\nexit 0\n")
        os.chmod(os.path.join(d, "bin", "make"), 0o755)
        probe = os.path.join(d, "test_progress_probe.py")
        with open(probe, "w") as f:
            f.write(PROBE)
        env = {k: v for k, v in os.environ.items()
               if k not in ("STACK_ENV", "API_SECRETS_FILE", "API_TEST_FILTER", "MAKEFLAGS",
                            "EDGESCOUT_ENV_FILE")}
        env.update(PATH=f"{d}/bin:{os.environ['PATH']}", API_TESTS=probe,
                   UNIT_TESTS=f"{BUILD}/tests/unit/test_err")
        p = subprocess.Popen(["scripts/test.sh"], cwd=REPO, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, bufsize=1)
        lines = []
        for line in p.stdout:
            lines.append((time.time(), line.rstrip("\n")))
        rc = p.wait(timeout=60)
        text = "\n".join(line for _, line in lines)
        stack_dir = [line.split(" in ", 1)[1].split(" (at")[0] for _, line in lines
                     if line.startswith("== stack up in ")]
        if stack_dir:
            subprocess.run(["rm", "-rf", stack_dir[0]])

    def at(prefix):
        for t, line in lines:
            if line.startswith(prefix):
                return t
        raise AssertionError(f"no line starting {prefix!r}:\n{text[-3000:]}")

    order = ["== build", "built in ", "== layers", "== stack up in ", "== unit tests",
             "test_err ", "== API tests", "ok   test_progress_probe.first",
             "FAIL test_progress_probe.second_fails_later",
             "-- test_progress_probe: 1 passed, 1 failed in ", "api: 1 passed, 1 failed",
             "== stack down", "== log scan"]
    times = [at(prefix) for prefix in order]
    assert times == sorted(times), text
    # the first test's line came as it ended, not with the rest at the end
    assert at("FAIL test_progress_probe") - at("ok   test_progress_probe.first") >= 3, text
    assert rc != 0, text
    assert lines[-1][1].endswith(" passed, 1 failed"), text
    assert lines[-2][1] == "failed: api", text
