"""The production install: `make install DESTDIR=... PREFIX=/usr/local`, then
scripts/install-system.sh --root into the same staging tree; the units pass
`systemd-analyze verify` and score OK in `systemd-analyze security`, the
timers' schedules parse and match cron/crontab, the rendered nginx
configuration passes `nginx -t`, logrotate accepts its file.

The build installed is of the kind the stack runs (build/, or build-san/
when its binaries carry AddressSanitizer)."""

import atexit
import os
import re
import shutil
import subprocess
import tempfile

from jobs_lib import REPO, TABLE_JOBS, expect_rc
from lib import STACK, test

_tree = []


def staged():
    """The staging root, installed once for the tests of this file."""
    if _tree:
        return _tree[0]
    root = tempfile.mkdtemp(prefix="es-dest-", dir="/tmp")
    atexit.register(shutil.rmtree, root, True)
    with open(os.path.join(STACK["BIN_DIR"], "edgescout"), "rb") as f:
        san = "1" if b"__asan_init" in f.read() else "0"
    p = subprocess.run(["make", "-s", "install", f"DESTDIR={root}", "PREFIX=/usr/local",
                        f"SAN={san}"], cwd=REPO, capture_output=True, text=True, timeout=600)
    expect_rc(p, 0, "make install")
    p = subprocess.run([os.path.join(REPO, "scripts", "install-system.sh"), "--root", root,
                        "--server-name", "edgescout.example"], capture_output=True, text=True,
                       timeout=120)
    expect_rc(p, 0, "install-system.sh")
    _tree.append(root)
    return root


def units_as_staged(root):
    """The unit files with the installed paths pointing into the staging
    root, in a directory of their own."""
    d = tempfile.mkdtemp(prefix="es-units-", dir="/tmp")
    atexit.register(shutil.rmtree, d, True)
    src = os.path.join(root, "etc", "systemd", "system")
    for name in os.listdir(src):
        with open(os.path.join(src, name)) as f:
            text = f.read()
        text = text.replace("/usr/local/", f"{root}/usr/local/")
        text = text.replace("/etc/edgescout/", f"{root}/etc/edgescout/")
        with open(os.path.join(d, name), "w") as f:
            f.write(text)
    return d


def analyze(units, *args):
    return subprocess.run(["systemd-analyze", *args], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, SYSTEMD_UNIT_PATH=units + ":",
                                                SYSTEMD_LOG_LEVEL="notice"))


@test
def make_install_lays_down_binaries_sql_nginx_and_demo_data():
    root = staged()
    share = os.path.join(root, "usr/local/share/edgescout")
    lib = os.path.join(root, "usr/local/lib/edgescout")
    assert os.access(os.path.join(root, "usr/local/bin/edgescout"), os.X_OK)
    assert sorted(os.listdir(os.path.join(lib, "cgi-bin"))) == \
        sorted(STACK["BINARIES"].replace("\\", "").split())
    assert set(TABLE_JOBS) <= set(os.listdir(os.path.join(lib, "cron")))
    assert sorted(os.listdir(os.path.join(share, "sql"))) == sorted(os.listdir(os.path.join(REPO, "sql")))
    assert "nginx.conf.in" in os.listdir(os.path.join(share, "nginx"))
    assert "odds-demo.csv" in os.listdir(os.path.join(share, "data"))
    assert os.path.exists(os.path.join(share, "prometheus", "edgescout-rules.yml"))


@test
def the_units_verify_and_score_ok():
    root = staged()
    units = units_as_staged(root)
    names = ["edgescout.target", "edgescout-nginx.service", "edgescout-fcgi@auth.service",
             "edgescout-fcgi@health.service", "edgescout-job@backup.service"]
    names += [f"edgescout-job-{j}.timer" for j in TABLE_JOBS]
    p = analyze(units, "verify", "--man=no", *names)
    expect_rc(p, 0, "systemd-analyze verify")
    assert p.stderr.strip() == "", p.stderr
    for unit in ("edgescout-fcgi@auth.service", "edgescout-job@backup.service",
                 "edgescout-nginx.service"):
        p = analyze(units, "security", "--offline=yes", unit)
        m = re.search(r"Overall exposure level for \S+: ([0-9.]+) (\w+)", p.stdout)
        assert m and m.group(2) == "OK", (unit, p.stdout[-300:])
    with open(os.path.join(root, "etc/systemd/system/edgescout-fcgi@.service")) as f:
        fcgi = f.read()
    for line in ("User=edgescout", "NoNewPrivileges=yes", "ProtectSystem=strict",
                 "PrivateTmp=yes", "ReadWritePaths=/run/edgescout /var/lib/edgescout "
                 "/var/log/edgescout"):
        assert f"\n{line}\n" in fcgi, line


@test
def each_job_has_a_timer_on_its_crontab_schedule():
    root = staged()
    with open(os.path.join(REPO, "cron", "crontab")) as f:
        cron = {m.group(2): m.group(1) for m in
                re.finditer(r"^(\S+ \S+ \* \* \*)\s+@USER@ @BIN@/cron/(\S+)", f.read(), re.M)}
    assert sorted(cron) == sorted(TABLE_JOBS)
    units = os.path.join(root, "etc/systemd/system")
    for job, expr in cron.items():
        with open(os.path.join(units, f"edgescout-job-{job}.timer")) as f:
            timer = f.read()
        cal = re.search(r"^OnCalendar=(.*)$", timer, re.M).group(1)
        p = subprocess.run(["systemd-analyze", "calendar", "--iterations=2", cal],
                           capture_output=True, text=True)
        expect_rc(p, 0, f"calendar of {job}")
        minute, hour = expr.split()[:2]
        nexts = re.findall(r"\d{4}-\d\d-\d\d (\d\d):(\d\d):00 UTC", p.stdout)
        assert len(nexts) == 2, p.stdout
        for h, m in nexts:
            assert minute == "*" or (minute.startswith("*/") and int(m) % int(minute[2:]) == 0) \
                or int(minute) == int(m), (job, expr, cal)
            assert hour == "*" or int(hour) == int(h), (job, expr, cal)


@test
def nginx_and_logrotate_accept_their_files():
    root = staged()
    conf = os.path.join(root, "etc/edgescout")
    p = subprocess.run(["nginx", "-t", "-c", os.path.join(conf, "nginx.conf.staged")],
                       capture_output=True, text=True, timeout=60)
    expect_rc(p, 0, "nginx -t")
    with open(os.path.join(conf, "nginx.conf")) as f:
        final = f.read()
    assert root not in final and "server unix:/var/lib/edgescout/run/auth.sock;" in final
    assert "ssl_certificate /var/lib/edgescout/etc/tls/cert.pem;" in final
    p = subprocess.run(["logrotate", "--debug", "--state", os.path.join(root, "lr.state"),
                        os.path.join(root, "etc/logrotate.d/edgescout")],
                       capture_output=True, text=True, timeout=60)
    expect_rc(p, 0, "logrotate --debug")
    assert "error" not in p.stderr.lower(), p.stderr
    with open(os.path.join(conf, "edgescout.env")) as f:
        env = f.read()
    assert "APP_ENV=production" in env and "BACKUP_KEY_FILE=/etc/edgescout/backup.key" in env
