"""Backups (`edgescout backup`, cron/backup) against the running stack, and
restores into a second, freshly made PostgreSQL cluster.

Every test uses its own BACKUP_DIR and key file under /tmp, owned by the
stack's account; the second cluster is stopped and removed at the end."""

import atexit
import calendar
import glob
import json
import os
import pty
import pwd
import re
import secrets
import shutil
import subprocess
import socket
import tempfile
import time

from accounts import sql, sql_value, stack_env
from jobs_lib import (BIN, REPO, as_stack_user, base_env, cli, db_now, expect_rc, metrics_text,
                      run, runs_since, start)
from lib import STACK, get, pg_bin, run_as_stack_user, test, wait_for

# Row text fixed by session settings, as the backup's own checksums are.
SETTINGS = ("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; "
            "SET extra_float_digits = 3; SET bytea_output = 'hex';")
TABLES = ("SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n "
          "ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname NOT IN "
          "('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'")


def stack_owner():
    user = STACK.get("STACK_USER", "") or "root"
    pw = pwd.getpwnam(user)
    return pw.pw_uid, pw.pw_gid


def owned_dir(prefix):
    d = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    os.chown(d, *stack_owner())
    os.chmod(d, 0o700)
    atexit.register(shutil.rmtree, d, True)
    return d


def new_key(d, name="backup.key"):
    p = cli("backup", "keygen")
    expect_rc(p, 0, "backup keygen")
    assert re.fullmatch(r"[0-9a-f]{64}\n", p.stdout), p.stdout
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(p.stdout)
    os.chown(path, *stack_owner())
    os.chmod(path, 0o600)
    return path


class Backups:
    """A BACKUP_DIR and a key of its own."""

    def __init__(self):
        self.dir = owned_dir("es-bk-")
        self.key = new_key(self.dir)

    def env(self, **extra):
        # BACKUP_KEY empty: the stack's own (in its env file) gives way to the file
        e = {"BACKUP_DIR": os.path.join(self.dir, "b"), "BACKUP_KEY_FILE": self.key,
             "BACKUP_KEY": ""}
        e.update(extra)
        return e

    def cli(self, *args, **extra):
        return cli(*args, **self.env(**extra))

    def ids(self):
        return sorted((os.path.basename(p)[10:26]
                       for p in glob.glob(os.path.join(self.dir, "b", "edgescout-*.json"))),
                      reverse=True)

    def meta(self, bid):
        with open(os.path.join(self.dir, "b", f"edgescout-{bid}.json")) as f:
            return json.load(f)

    def create(self):
        p = self.cli("backup", "create")
        expect_rc(p, 0, "backup create")
        return p.stdout.split(":")[0]


def psql(conninfo, statement):
    p = run_as_stack_user(["psql", conninfo, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-F", "\x1f"],
                          input=statement)
    assert p.returncode == 0, f"psql failed: {p.stderr.strip()}"
    return [line.split("\x1f") for line in p.stdout.splitlines() if line != ""]


def contents(conninfo):
    """{table: [rows, checksum]} of every table, computed here."""
    out = {}
    for (t,) in psql(conninfo, TABLES):
        rows = psql(conninfo, SETTINGS + f"SELECT count(*), md5(coalesce(string_agg(h, '' "
                    f"ORDER BY h COLLATE \"C\"), '')) FROM (SELECT md5(t::text) AS h FROM {t} t) s")
        out[t] = [int(rows[0][0]), rows[0][1]]
    return out


def meta_contents(m):
    return {t["name"]: [t["rows"], t["checksum"]] for t in m["tables"]}


def with_db(conninfo, db):
    return re.sub(r"dbname=\S+", f"dbname={db}", conninfo)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Cluster:
    """A second PostgreSQL cluster made with initdb, on a free port, with
    the stack's roles and database made by `edgescout db init`."""

    def __init__(self):
        self.dir = owned_dir("es-pg2-")
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        p = run_as_stack_user([pg_bin("initdb"), "-D", self.data, "-U", "postgres", "--auth=trust",
                               "--encoding=UTF8", "--locale=C"])
        assert p.returncode == 0, p.stderr
        opts = f"-c port={self.port} -c listen_addresses='' -c unix_socket_directories={self.dir}"
        p = run_as_stack_user([pg_bin("pg_ctl"), "-D", self.data, "-o", opts, "-w", "-t", "60",
                               "-l", os.path.join(self.dir, "log"), "start"])
        assert p.returncode == 0, p.stderr
        atexit.register(self.stop)
        base = f"host={self.dir} port={self.port}"
        self.urls = {
            "DATABASE_ADMIN_URL": f"{base} dbname=postgres user=postgres",
            "DATABASE_OWNER_URL": f"{base} dbname=edgescout user=edgescout_owner password=o-pw-2",
            "DATABASE_URL": f"{base} dbname=edgescout user=edgescout_app password=a-pw-2",
        }
        p = cli("db", "init", **self.urls)
        expect_rc(p, 0, "db init on the second cluster")

    def url(self, db):
        return with_db(self.urls["DATABASE_ADMIN_URL"], db)

    def stop(self):
        run_as_stack_user([pg_bin("pg_ctl"), "-D", self.data, "-m", "immediate", "-w", "stop"])


_cluster = []


def cluster():
    if not _cluster:
        _cluster.append(Cluster())
    return _cluster[0]


@test
def a_backup_by_the_job_restores_into_a_fresh_cluster_identically():
    b = Backups()
    t0 = db_now()
    p = run([os.path.join(BIN, "cron", "backup")], **b.env())
    expect_rc(p, 0, "cron/backup")
    assert [r[0] for r in runs_since(t0, "backup")] == ["ok"]
    live = contents(stack_env()["DATABASE_OWNER_URL"])
    (bid,) = b.ids()
    m = b.meta(bid)
    # what the backup recorded is what the database held, table by table,
    # but for the job's own run, recorded as running then and ok now
    recorded = meta_contents(m)
    assert recorded.pop("public.job_runs")[0] == live.pop("public.job_runs")[0]
    diff = {t for t in set(recorded) | set(live) if recorded.get(t) != live.get(t)}
    assert not diff, f"metadata differs from the live database in {diff}"
    assert sum(r for r, _ in live.values()) > 0 and "public.users" in live
    assert m["schema_version"] == sql_value("SELECT max(version) FROM schema_migrations")
    assert os.path.getsize(os.path.join(b.dir, "b", f"edgescout-{bid}.dump.enc")) == m["size"]

    c = cluster()
    p = b.cli("backup", "restore", bid, "--db", "restored", **c.urls)
    expect_rc(p, 0, "restore into the second cluster")
    assert f"{bid}: restored into restored" in p.stdout
    assert contents(c.url("restored")) == meta_contents(m)
    # the app role of the new cluster may use it as on the old one
    assert psql(with_db(c.urls["DATABASE_URL"], "restored"),
                "SELECT count(*) FROM users")[0][0] == str(live["public.users"][0])


@test
def the_wrong_key_is_refused():
    b = Backups()
    bid = b.create()
    other = new_key(b.dir, "other.key")
    p = b.cli("backup", "verify", bid, BACKUP_KEY_FILE=other)
    expect_rc(p, 1, "verify with another key")
    assert "was made with another key" in p.stderr, p.stderr
    p = b.cli("backup", "restore", bid, "--db", "wrong_key", BACKUP_KEY_FILE=other)
    expect_rc(p, 1, "restore with another key")
    assert "was made with another key" in p.stderr, p.stderr
    assert sql_value("SELECT count(*) FROM pg_database WHERE datname = 'wrong_key'") == "0"
    # metadata naming the other key's id: the ciphertext itself refuses it
    path = os.path.join(b.dir, "b", f"edgescout-{bid}.json")
    m = b.meta(bid)
    for short in ("x", ""):
        with open(path, "w") as f:
            json.dump(dict(m, key_id=short), f)
        p = b.cli("backup", "verify", bid)
        expect_rc(p, 1, f"verify: key id {short!r}")
        assert "was made with another key" in p.stderr, p.stderr
    m["key_id"] = other_fingerprint(other)
    with open(path, "w") as f:
        json.dump(m, f)
    p = b.cli("backup", "verify", bid, BACKUP_KEY_FILE=other)
    expect_rc(p, 1, "verify: forged key id")
    assert "cannot decrypt: wrong key or damaged file" in p.stderr, p.stderr
    p = b.cli("backup", "verify", bid, BACKUP_KEY="", BACKUP_KEY_FILE="")
    expect_rc(p, 1, "verify without a key")
    assert "no backup key" in p.stderr


def other_fingerprint(keyfile):
    """The key id of keyfile: that of a backup it makes."""
    d = Backups()
    d.key = keyfile
    return d.meta(d.create())["key_id"]


@test
def verify_checks_the_checksum_and_full_verify_restores_and_compares():
    b = Backups()
    bid = b.create()
    p = b.cli("backup", "verify", "latest", "--full")
    expect_rc(p, 0, "verify --full")
    assert f"{bid}: checksum ok, decrypts, pg_restore reads it" in p.stdout
    assert "every row count and checksum matches" in p.stdout
    # a row count in the metadata that the dump does not hold
    m = b.meta(bid)
    m["tables"][0]["rows"] += 1
    with open(os.path.join(b.dir, "b", f"edgescout-{bid}.json"), "w") as f:
        json.dump(m, f)
    p = b.cli("backup", "verify", bid, "--full")
    expect_rc(p, 1, "verify --full with a wrong count")
    assert f"table {m['tables'][0]['name']}: {m['tables'][0]['rows'] - 1} rows" in p.stderr, p.stderr
    # one byte changed in the file
    dump = os.path.join(b.dir, "b", f"edgescout-{bid}.dump.enc")
    with open(dump, "r+b") as f:
        f.seek(100)
        byte = f.read(1)
        f.seek(100)
        f.write(bytes([byte[0] ^ 1]))
    p = b.cli("backup", "verify", bid)
    expect_rc(p, 1, "verify of a changed file")
    assert "SHA-256 is not the one recorded" in p.stderr, p.stderr
    expect_rc(b.cli("backup", "verify"), 2, "verify without an id")
    expect_rc(b.cli("backup", "verify", "../../etc/passwd"), 1, "verify of a bad id")


@test
def restore_refuses_the_live_database_and_a_full_one_without_force():
    b = Backups()
    bid = b.create()
    p = b.cli("backup", "restore", bid, "--db", "edgescout")
    expect_rc(p, 1, "restore over the live database")
    assert "is the live database: --force" in p.stderr, p.stderr
    c = cluster()
    p = b.cli("backup", "restore", bid, "--db", "twice", **c.urls)
    expect_rc(p, 0, "restore into twice")
    p = b.cli("backup", "restore", bid, "--db", "twice", **c.urls)
    expect_rc(p, 1, "restore into a database with tables")
    assert "holds tables: --force replaces" in p.stderr, p.stderr
    psql(c.url("twice"), "DELETE FROM login_failures; INSERT INTO app_settings (key, value) "
         "VALUES ('restore-test', '\"x\"')")
    p = b.cli("backup", "restore", bid, "--db", "twice", "--force", **c.urls)
    expect_rc(p, 0, "restore --force")
    assert contents(c.url("twice")) == meta_contents(b.meta(bid))
    for bad in (["--db", "Bad-Name"], ["--db", "x;drop"], []):
        expect_rc(b.cli("backup", "restore", bid, *bad), 2, f"restore {bad}")


@test
def restore_migrates_an_older_backup_forward():
    c = cluster()
    b = Backups()
    old_sql = owned_dir("es-sql-")
    versions = sorted(f for f in os.listdir(os.path.join(REPO, "sql"))
                      if re.fullmatch(r"\d{3}_.*\.sql", f))
    newest = max(v[:3] for v in versions)
    for f in versions:
        if not f.startswith(newest):
            shutil.copy(os.path.join(REPO, "sql", f), old_sql)
    os.chmod(old_sql, 0o755)
    older = dict(c.urls, DATABASE_OWNER_URL=with_db(c.urls["DATABASE_OWNER_URL"], "edgescout"))
    p = cli("db", "migrate", MIGRATIONS_DIR=old_sql, **older)
    expect_rc(p, 0, "migrate the second cluster to the older schema")
    p = b.cli("backup", "create", MIGRATIONS_DIR=old_sql, **older)
    expect_rc(p, 0, "backup of the older schema")
    bid = p.stdout.split(":")[0]
    assert b.meta(bid)["schema_version"] < newest
    p = b.cli("backup", "restore", bid, "--db", "forward",
              MIGRATIONS_DIR=os.path.join(STACK["DIR"], "sql"), **c.urls)
    expect_rc(p, 0, "restore and migrate forward")
    assert "is older than this build's" in p.stdout and f"applied " in p.stdout, p.stdout
    assert psql(c.url("forward"), "SELECT max(version) FROM schema_migrations") == [[newest]]
    # the app role may connect, PUBLIC may not (as `db init` has it)
    acl = psql(c.url("postgres"), "SELECT datacl::text FROM pg_database WHERE datname = 'forward'")
    assert "edgescout_app=c/" in acl[0][0] and not re.search(r"[{,]=", acl[0][0]), acl
    # over a database of the newer schema, with its extra tables: --force puts
    # a fresh restore in its place, migrated forward again
    psql(c.url("forward"), "INSERT INTO app_settings (key, value) VALUES ('only-here', '1')")
    p = b.cli("backup", "restore", bid, "--db", "forward", "--force",
              MIGRATIONS_DIR=os.path.join(STACK["DIR"], "sql"), **c.urls)
    expect_rc(p, 0, "restore --force over the newer schema")
    assert psql(c.url("forward"), "SELECT max(version) FROM schema_migrations") == [[newest]]
    assert psql(c.url("forward"), "SELECT count(*) FROM app_settings WHERE key = 'only-here'") \
        == [["0"]]
    assert psql(c.url("postgres"), "SELECT datname FROM pg_database WHERE datname LIKE 'es\\_%'") \
        == []


@test
def a_full_disk_keeps_the_earlier_backups_and_says_so():
    b = Backups()
    first = b.create()
    size = b.meta(first)["size"]
    time.sleep(1.1)     # ids are the time to the second
    limit_kb = max(1, size // 1024 // 2)
    cmd = f"ulimit -f {limit_kb}; exec {os.path.join(BIN, 'edgescout')} backup create"
    p = run(["bash", "-c", cmd], **b.env())
    expect_rc(p, 1, "backup create past the file size limit")
    assert "disk full while writing the backup" in p.stderr, p.stderr
    assert "the earlier ones are untouched" in p.stderr
    assert b.ids() == [first]
    assert not glob.glob(os.path.join(b.dir, "b", "*.tmp"))
    expect_rc(b.cli("backup", "verify", first), 0, "the earlier backup still verifies")


@test
def prune_keeps_dailies_weeklies_and_monthlies():
    b = Backups()
    bid = b.create()
    bdir = os.path.join(b.dir, "b")
    fake = ["20260101T020000Z", "20260201T020000Z", "20260301T020000Z", "20261101T020000Z",
            "20261102T020000Z", "20261103T020000Z"]
    for f in fake:
        for ext in (".dump.enc", ".json"):
            shutil.copy(os.path.join(bdir, f"edgescout-{bid}{ext}"),
                        os.path.join(bdir, f"edgescout-{f}{ext}"))
            os.chown(os.path.join(bdir, f"edgescout-{f}{ext}"), *stack_owner())
    env = dict(BACKUP_KEEP_DAILY="2", BACKUP_KEEP_WEEKLY="0", BACKUP_KEEP_MONTHLY="3")
    p = b.cli("backup", "prune", "--dry-run", **env)
    expect_rc(p, 0, "prune --dry-run")
    assert "4 backups would go" in p.stdout and len(b.ids()) == 7, p.stdout
    p = b.cli("backup", "prune", **env)
    expect_rc(p, 0, "prune")
    # the newest two days, then the newest of Nov (3rd: a daily already) and
    # of two more months (March, February)
    kept = b.ids()
    assert kept == [bid, "20261103T020000Z", "20260301T020000Z"], kept
    # the job prunes too, by the same policy
    t0 = db_now()
    p = run([os.path.join(BIN, "cron", "backup"), "--dry-run"], **b.env(**env))
    expect_rc(p, 0, "cron/backup --dry-run")
    assert len(b.ids()) == 3 and runs_since(t0, "backup") == []



@test
def metrics_show_the_newest_backup_free_disk_and_failing_providers():
    """The gauges the alert rules read (ops/prometheus/edgescout-rules.yml)."""
    d = owned_dir("es-bkm-")
    key = new_key(d)
    backups = os.path.join(STACK["DIR"], "backups")     # DATA_DIR/backups: the workers' too
    p = cli("backup", "create", BACKUP_KEY_FILE=key, BACKUP_KEY="")
    expect_rc(p, 0, "backup create into DATA_DIR/backups")
    bid = p.stdout.split(":")[0]
    try:
        text = metrics_text()
        stamp = calendar.timegm(time.strptime(bid, "%Y%m%dT%H%M%SZ"))
        assert f"\nedgescout_backup_last_timestamp_seconds {stamp}\n" in text, text
        size = os.path.getsize(os.path.join(backups, f"edgescout-{bid}.dump.enc"))
        assert f"\nedgescout_backup_last_size_bytes {size}\n" in text
        free = re.search(r'^edgescout_disk_free_bytes\{dir="data"\} (\d+)$', text, re.M)
        total = re.search(r'^edgescout_disk_size_bytes\{dir="data"\} (\d+)$', text, re.M)
        assert free and total and 0 < int(free.group(1)) <= int(total.group(1)), text
    finally:
        shutil.rmtree(backups, True)
    text = metrics_text()
    assert "\nedgescout_backup_last_timestamp_seconds " not in text
    # a provider failing three times in a row after a good call, another fine
    name = "bk-test-" + secrets.token_hex(3)
    sql("INSERT INTO provider_calls (provider, at, ok, latency_ms, attempts) VALUES "
        "(:'p1', now() - interval '3 min', true, 5, 1), (:'p1', now() - interval '2 min', false, 5, 1), "
        "(:'p1', now() - interval '1 min', false, 5, 1), (:'p1', now(), false, 5, 1), "
        "(:'p2', now(), true, 5, 1)", name, name + "-ok")
    try:
        text = metrics_text()
        assert f'\nedgescout_provider_consecutive_failures{{provider="{name}"}} 3\n' in text
        assert f'\nedgescout_provider_consecutive_failures{{provider="{name}-ok"}} 0\n' in text
    finally:
        sql("DELETE FROM provider_calls WHERE provider IN (:'p1', :'p2')", name, name + "-ok")


S3RVER = os.path.join(REPO, "tests", "s3", "node_modules", ".bin", "s3rver")


class S3:
    """A local S3-compatible server (s3rver, pinned in tests/s3) with one bucket."""

    def __init__(self):
        self.dir = owned_dir("es-s3-")
        self.port = free_port()
        self.proc = subprocess.Popen([S3RVER, "-d", self.dir, "-a", "127.0.0.1", "-p",
                                      str(self.port), "--configure-bucket", "bk", "-s"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        atexit.register(self.stop)
        assert wait_for(self.listening, timeout=30), "s3rver did not start"

    def listening(self):
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except OSError:
            return False

    def env(self):
        return {"BACKUP_S3_ENDPOINT": f"http://127.0.0.1:{self.port}", "BACKUP_S3_BUCKET": "bk",
                "BACKUP_S3_ACCESS_KEY": "S3RVER", "BACKUP_S3_SECRET_KEY": "S3RVER",
                "BACKUP_S3_PART_MB": "1"}

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


@test
def the_off_site_copy_of_the_jobs_backup_restores_into_a_fresh_cluster():
    # a table no code names, and big enough (about 5 MB, incompressible) to go up
    # in 1 MiB parts
    sql("CREATE TABLE IF NOT EXISTS backup_test_blob (id int PRIMARY KEY, data bytea); "
        "TRUNCATE backup_test_blob; INSERT INTO backup_test_blob SELECT g, (SELECT decode("
        "string_agg(md5(random()::text || g || i), ''), 'hex') FROM generate_series(1, 100000) i) "
        "FROM generate_series(1, 3) g")
    try:
        s3 = S3()
        b = Backups()
        t0 = db_now()
        p = run([os.path.join(BIN, "cron", "backup")], **b.env(**s3.env()))
        expect_rc(p, 0, "cron/backup with an off-site store")
        assert [r[0] for r in runs_since(t0, "backup")] == ["ok"]
        assert "backup copied off-site" in p.stderr, p.stderr
        (bid,) = b.ids()
        m = b.meta(bid)
        assert m["size"] > 4 * 1024 * 1024
        assert meta_contents(m)["public.backup_test_blob"][0] == 3
        p = b.cli("backup", "list", "--offsite", **s3.env())
        expect_rc(p, 0, "list --offsite")
        assert p.stdout == f"{bid}\n", p.stdout
        # the local copy lost: fetched back from the store
        shutil.rmtree(os.path.join(b.dir, "b"))
        os.mkdir(os.path.join(b.dir, "b"))
        os.chown(os.path.join(b.dir, "b"), *stack_owner())
        p = b.cli("backup", "fetch", "latest", **s3.env())
        expect_rc(p, 0, "fetch latest")
        assert b.meta(bid) == m
        # pg_restore --list stops reading after the table of contents: the rest
        # of the file is still decrypted and checked
        p = b.cli("backup", "verify", bid)
        expect_rc(p, 0, "verify of a dump larger than a pipe's buffer")
        c = cluster()
        p = b.cli("backup", "restore", bid, "--db", "from_offsite", **c.urls)
        expect_rc(p, 0, "restore of the fetched copy")
        assert contents(c.url("from_offsite")) == meta_contents(m)
        # and the wrong key still cannot read it
        other = new_key(b.dir, "other.key")
        p = b.cli("backup", "restore", bid, "--db", "wrong_key_2", BACKUP_KEY_FILE=other, **c.urls)
        expect_rc(p, 1, "restore with another key")

        # retention off-site: an older copy goes, here and there
        old = "20250101T020000Z"
        bdir = os.path.join(b.dir, "b")
        for ext in (".dump.enc", ".json"):
            shutil.copy(os.path.join(bdir, f"edgescout-{bid}{ext}"),
                        os.path.join(bdir, f"edgescout-{old}{ext}"))
            os.chown(os.path.join(bdir, f"edgescout-{old}{ext}"), *stack_owner())
        expect_rc(b.cli("backup", "upload", old, **s3.env()), 0, "upload")
        assert b.cli("backup", "list", "--offsite", **s3.env()).stdout == f"{bid}\n{old}\n"
        keep = dict(BACKUP_KEEP_DAILY="1", BACKUP_KEEP_WEEKLY="0", BACKUP_KEEP_MONTHLY="0")
        p = b.cli("backup", "prune", **s3.env(), **keep)
        expect_rc(p, 0, "prune")
        assert f"deleted {old}\n" in p.stdout and f"deleted {old} off-site\n" in p.stdout, p.stdout
        assert b.ids() == [bid]
        assert b.cli("backup", "list", "--offsite", **s3.env()).stdout == f"{bid}\n"
    finally:
        sql("DROP TABLE IF EXISTS backup_test_blob")


@test
def an_unreachable_store_fails_the_job_and_keeps_the_local_backup():
    b = Backups()
    t0 = db_now()
    env = b.env(BACKUP_S3_ENDPOINT=f"http://127.0.0.1:{free_port()}", BACKUP_S3_BUCKET="bk",
                BACKUP_S3_ACCESS_KEY="k", BACKUP_S3_SECRET_KEY="s")
    p = run([os.path.join(BIN, "cron", "backup")], **env)
    expect_rc(p, 1, "cron/backup with the store down")
    ((status, _, error),) = runs_since(t0, "backup")
    assert status == "failed" and "off-site copy of" in error and "the local backup is kept" in error
    (bid,) = b.ids()
    expect_rc(b.cli("backup", "verify", bid), 0, "the local backup verifies")


def readme_blocks():
    """The sh blocks of the README's "Backups and operations" section."""
    with open(os.path.join(REPO, "README.md")) as f:
        text = f.read()
    start = text.index("## Backups and operations\n")
    section = text[start:text.index("\n## ", start + 1)]
    return re.findall(r"```sh\n(.*?)```", section, re.S)


@test
def readme_backup_and_operations_commands_run_as_written():
    blocks = readme_blocks()
    assert len(blocks) == 3, blocks
    b = Backups()
    os.unlink(b.key)     # the README makes it
    env = b.env(PATH=f"{BIN}:/usr/sbin:/usr/bin:/sbin:/bin")
    admin = stack_env()["DATABASE_ADMIN_URL"]
    drop = ["psql", admin, "-Xqc", "DROP DATABASE IF EXISTS edgescout_restored"]
    expect_rc(run_as_stack_user(drop), 0, "drop edgescout_restored")
    try:
        for line in blocks[0].strip().splitlines():
            p = run(["bash", "-c", line], **env)
            expect_rc(p, 0, line)
            if " restore " in line:
                assert contents(with_db(admin, "edgescout_restored")) == \
                    meta_contents(b.meta(b.ids()[0]))
        assert len(b.ids()) == 1      # the job's backup; the day's earlier one pruned
    finally:
        expect_rc(run_as_stack_user(drop), 0, "drop edgescout_restored")

    root = owned_dir("es-root-")
    with open(os.path.join(STACK["BIN_DIR"], "edgescout"), "rb") as f:
        san = "1" if b"__asan_init" in f.read() else "0"
    for line in blocks[1].strip().splitlines():
        p = subprocess.run(["bash", "-c", line], cwd=REPO, capture_output=True, text=True,
                           timeout=600, env=dict(os.environ, ROOT=root, SAN=san))
        expect_rc(p, 0, line)
    assert os.path.exists(os.path.join(root, "etc/systemd/system/edgescout-job-backup.timer"))

    for line in blocks[2].strip().splitlines():
        p = subprocess.run(["bash", "-c", line], cwd=REPO, capture_output=True, text=True,
                           timeout=120)
        expect_rc(p, 0, line)


def advisory_locks():
    return int(sql_value("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"))


@test
def jobs_skip_while_a_restore_holds_them_and_it_waits_for_a_running_one():
    b = Backups()
    bid = b.create()
    c = cluster()
    prune = os.path.join(BIN, "cron", "prune")
    retrain = os.path.join(BIN, "cron", "retrain")
    t0 = db_now()
    before = advisory_locks()
    holder = start([prune], JOB_TEST_HOLD_MS="60000")
    restore = None
    try:
        assert wait_for(lambda: runs_since(t0) == [("running", None, "")], timeout=20)
        # the restore runs on the second cluster but holds the stack's jobs
        urls = dict(c.urls, DATABASE_URL=stack_env()["DATABASE_URL"])
        p = b.cli("backup", "restore", bid, "--db", "held_1", BACKUP_RESTORE_WAIT_S="1", **urls)
        expect_rc(p, 1, "restore while prune runs, waiting 1 s")
        assert "job prune is still running after 1 s" in p.stderr, p.stderr
        assert psql(c.url("postgres"), "SELECT count(*) FROM pg_database WHERE datname = "
                    "'held_1'") == [["0"]]
        restore = start([os.path.join(BIN, "edgescout"), "backup", "restore", bid, "--db",
                         "held_2"], BACKUP_RESTORE_WAIT_S="120", **b.env(**urls))
        # it holds the jobs before prune in the schedule (retrain among them) ...
        assert wait_for(lambda: advisory_locks() >= before + 1 + 7, timeout=30), advisory_locks()
        t1 = db_now()
        p = run([retrain])
        expect_rc(p, 0, "retrain during the restore")
        assert "another instance holds the lock" in p.stderr, p.stderr
        assert [r[0] for r in runs_since(t1, "retrain")] == ["skipped"]
        # ... and goes on once prune is done
        holder.terminate()
        out, err = restore.communicate(timeout=120)
        assert restore.returncode == 0, err
        assert f"{bid}: restored into held_2" in out
    finally:
        for proc in (holder, restore):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)


@test
def progress_shows_on_a_terminal_only():
    b = Backups()
    p = b.cli("backup", "create")
    expect_rc(p, 0, "create off a terminal")
    assert p.stderr == "", p.stderr
    time.sleep(1.1)     # ids are the time to the second
    master, slave = pty.openpty()
    proc = subprocess.Popen(as_stack_user([os.path.join(BIN, "edgescout"), "backup", "create"]),
                            env=base_env(**b.env()), cwd="/", stdout=subprocess.PIPE,
                            stderr=slave, text=True)
    os.close(slave)
    out, _ = proc.communicate(timeout=120)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert proc.returncode == 0, seen
    size = b.meta(b.ids()[0])["size"]
    assert re.search(rb"\rencrypting: %.1f MB\r?\n" % (size / 1e6), seen), seen


@test
def force_restores_the_live_database_and_the_api_carries_on():
    b = Backups()
    bid = b.create()
    live = stack_env()["DATABASE_OWNER_URL"]
    before = contents(live)
    p = b.cli("backup", "restore", bid, "--db", "edgescout", "--force")
    expect_rc(p, 0, "restore --force into the live database")
    after = contents(live)
    recorded = meta_contents(b.meta(bid))
    assert after == recorded, {t for t in recorded if after.get(t) != recorded[t]}
    assert set(after) == set(before)
    # the workers lost their sessions with the old database and reconnect
    assert wait_for(lambda: get("/health/detailed").status == 200, timeout=30)
    assert sql_value("SELECT count(*) FROM pg_database WHERE datname LIKE 'es\\_%'") == "0"
