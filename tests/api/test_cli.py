"""The operator's command against the running stack: help and usage errors,
the migrations (status, migrate, init, new, rollback, edited files), config
show/check, routes, nginx-conf and health.

Nothing here changes the stack's own database: edited or extra migration
files live in temporary copies of the migrations directory, and rollback
runs against a scratch database created (and dropped) for the test."""

import json
import os
import pwd
import re
import shutil
import subprocess
import tempfile

from lib import STACK, load_stack, pg_bin, run_as_stack_user, test

EDGESCOUT = os.path.join(STACK.get("BIN_DIR", ""), "edgescout")
CGI_DIR = os.path.join(STACK.get("BIN_DIR", ""), "cgi-bin")
SQL_DIR = os.path.join(STACK.get("DIR", ""), "sql")
SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SAN_KEYS = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")


def cli(*args, env=None, as_root=False):
    """Run `edgescout ARGS` with the stack's env file (env overrides it), as
    the stack's account unless as_root."""
    e = {"PATH": SAFE_PATH, "LANG": "C.UTF-8", "EDGESCOUT_ENV_FILE": STACK["ENV_FILE"]}
    e.update({k: os.environ[k] for k in SAN_KEYS if k in os.environ})
    e.update(env or {})
    argv = [EDGESCOUT] + list(args)
    if as_root:
        return subprocess.run(argv, capture_output=True, text=True, env=e, cwd="/",
                              timeout=120)
    return run_as_stack_user(argv, env=e, cwd="/", timeout=120)


def expect_rc(p, rc, what):
    assert p.returncode == rc, \
        f"{what}: exit {p.returncode}, expected {rc}\nstdout: {p.stdout}\nstderr: {p.stderr}"


def env_file():
    return load_stack(STACK["ENV_FILE"])


def secrets():
    """SECRET_KEY and every password in the env file's connection strings."""
    values = env_file()
    out = [values["SECRET_KEY"]]
    for key, v in values.items():
        out += re.findall(r"password=(\S+)", v)
    assert len(out) >= 4, f"expected a secret and three passwords in {STACK['ENV_FILE']}"
    return out


def up_files(d):
    return sorted(f for f in os.listdir(d)
                  if re.fullmatch(r"\d{3,9}_[a-z0-9_]+\.sql", f))


def copy_sql(owner=None):
    """A temporary copy of the stack's migrations the stack's account can read
    (and write, with owner)."""
    d = tempfile.mkdtemp(prefix="es-cli-sql-", dir="/tmp")
    for f in os.listdir(SQL_DIR):
        shutil.copy(os.path.join(SQL_DIR, f), d)
        os.chmod(os.path.join(d, f), 0o644)
    os.chmod(d, 0o755)
    if owner and os.geteuid() == 0:
        pw = pwd.getpwnam(owner)
        os.chown(d, pw.pw_uid, pw.pw_gid)
    return d


def with_dbname(dsn, name):
    assert re.search(r"\bdbname=\S+", dsn), dsn
    return re.sub(r"\bdbname=\S+", f"dbname={name}", dsn)


def psql(query, dbname=None):
    """Run one query as the admin role in dbname (default: the stack's
    database); the rows as lists of strings."""
    values = env_file()
    if dbname is None:
        dbname = re.search(r"\bdbname=(\S+)", values["DATABASE_URL"]).group(1)
    dsn = with_dbname(values["DATABASE_ADMIN_URL"], dbname)
    p = subprocess.run([pg_bin("psql"), "-X", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                        "-d", dsn, "-c", query], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, f"psql {query!r}: {p.stderr}"
    return [line.split("\t") for line in p.stdout.splitlines() if line]


def applied_rows(dbname=None):
    return psql("SELECT version, name, checksum, applied_at FROM schema_migrations "
                "ORDER BY version", dbname)


def tables(dbname):
    """The schema's shape: its tables, every constraint and every index with
    its definition (a migration may change a CHECK or an index without
    adding or dropping a table)."""
    names = sorted(r[0] for r in psql("SELECT tablename FROM pg_tables "
                                      "WHERE schemaname = 'public'", dbname))
    checks = sorted("constraint " + r[0] for r in psql(
        "SELECT conrelid::regclass || '.' || conname || ' ' || pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE connamespace = 'public'::regnamespace", dbname))
    indexes = sorted("index " + r[0] for r in psql(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'", dbname))
    return names + checks + indexes


# ---- help and usage errors ------------------------------------------------

HELP = [[], ["db"], ["db", "init"], ["db", "migrate"], ["db", "status"], ["db", "new"],
        ["db", "rollback"], ["config"], ["config", "show"], ["config", "check"],
        ["routes"], ["nginx-conf"], ["health"], ["openapi"], ["seed-demo"],
        ["user"], ["user", "create"], ["user", "list"], ["user", "set-tier"],
        ["user", "set-role"], ["user", "disable"], ["user", "enable"],
        ["market"], ["market", "import"], ["market", "refresh"], ["market", "demo"],
        ["market", "backfill"], ["market", "import", "--symbol", "AAPL"],
        ["cron"], ["cron", "list"], ["cron", "install"], ["cron", "install", "--out", "-"]]


@test
def help_at_every_level_exits_0():
    for words in HELP:
        for flag in ("--help", "-h") if words else ("--help", "-h", "help"):
            p = cli(*words, flag)
            expect_rc(p, 0, " ".join(words + [flag]))
            assert p.stdout.startswith("usage: edgescout"), f"{words}: {p.stdout[:200]!r}"
            assert p.stderr == "", f"{words} {flag}: stderr {p.stderr!r}"
    p = cli()
    expect_rc(p, 2, "no command")
    assert p.stderr.startswith("usage: edgescout") and p.stdout == "", p
    v = cli("--version")
    expect_rc(v, 0, "--version")
    assert re.match(r"edgescout \d+\.\d+\.\d+ \(commit \S+, built \S+, schema \d+\)$",
                    v.stdout.strip()), v.stdout


@test
def unknown_commands_exit_2_with_one_line():
    for words in (["frobnicate"], ["db", "frobnicate"], ["config", "frobnicate"],
                  ["--frobnicate"]):
        p = cli(*words)
        expect_rc(p, 2, " ".join(words))
        assert p.stdout == "", f"{words}: stdout {p.stdout!r}"
        lines = p.stderr.splitlines()
        assert len(lines) == 1, f"{words}: {len(lines)} lines on stderr: {p.stderr!r}"
        assert lines[0].startswith("edgescout") and "frobnicate" in lines[0], lines[0]


@test
def unknown_arguments_exit_2_naming_the_argument():
    for words, bad in ((["db", "init", "--frob"], "--frob"),
                       (["db", "migrate", "--frob"], "--frob"),
                       (["db", "status", "--frob"], "--frob"),
                       (["db", "rollback", "--frob"], "--frob"),
                       (["config", "show", "--frob"], "--frob"),
                       (["config", "check", "--frob"], "--frob"),
                       (["routes", "--frob"], "--frob"),
                       (["health", "--frob"], "--frob"),
                       (["nginx-conf", "--frob"], "--frob")):
        p = cli(*words)
        expect_rc(p, 2, " ".join(words))
        assert p.stdout == "", f"{words}: stdout {p.stdout!r}"
        first = p.stderr.splitlines()[0]
        assert first.startswith("edgescout") and bad in first, f"{words}: {first!r}"
    for words in (["db", "new"], ["db", "new", "a", "b"], ["nginx-conf"]):
        p = cli(*words)
        expect_rc(p, 2, " ".join(words))
        assert "usage: edgescout" in p.stderr, p.stderr


# ---- migrations --------------------------------------------------------------

@test
def db_status_lists_every_migration_applied():
    files = up_files(SQL_DIR)
    assert files and files[0].startswith("001_"), files
    p = cli("db", "status")
    expect_rc(p, 0, "db status")
    lines = p.stdout.splitlines()
    assert len(lines) == len(files) + 1, p.stdout
    rows = {r[0]: r for r in applied_rows()}
    for f, line in zip(files, lines):
        m = re.fullmatch(r"(\S+)\s+applied\s+(\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ)", line)
        assert m and m.group(1) == f, f"{line!r} for {f}"
        assert f.split("_")[0] in rows, f"{f} not in schema_migrations: {rows}"
    newest = files[-1].split("_")[0]
    assert lines[-1] == f"current (schema at {newest})", lines[-1]
    assert sorted(rows) == [f.split("_")[0] for f in files], rows


@test
def db_migrate_again_is_up_to_date():
    before = applied_rows()
    p = cli("db", "migrate")
    expect_rc(p, 0, "db migrate")
    newest = up_files(SQL_DIR)[-1].split("_")[0]
    assert p.stdout.strip() == f"up to date (schema at {newest})", p.stdout
    assert applied_rows() == before, "db migrate changed schema_migrations"
    d = cli("db", "migrate", "--dry-run")
    expect_rc(d, 0, "db migrate --dry-run")
    assert "would apply" not in d.stdout, d.stdout


@test
def db_init_again_is_idempotent():
    before = applied_rows()
    p = cli("db", "init")
    expect_rc(p, 0, "db init")
    assert "database edgescout exists" in p.stdout, p.stdout
    assert not re.search(r"^created ", p.stdout, re.M), p.stdout
    again = cli("db", "init")
    expect_rc(again, 0, "db init (twice)")
    assert again.stdout == p.stdout, f"{p.stdout}\n---\n{again.stdout}"
    assert applied_rows() == before
    # the app role still connects (same password) and still has DML only
    h = cli("health")
    expect_rc(h, 0, "health after db init")
    app = env_file()["DATABASE_URL"]
    create = subprocess.run([pg_bin("psql"), "-X", "-d", app, "-c", "CREATE TABLE es_cli_probe (x int)"],
                            capture_output=True, text=True, timeout=30)
    assert create.returncode != 0 and "permission denied" in create.stderr, \
        f"app role could create a table: {create.stdout} {create.stderr}"
    write = subprocess.run([pg_bin("psql"), "-X", "-d", app, "-c",
                            "DELETE FROM schema_migrations WHERE false"],
                           capture_output=True, text=True, timeout=30)
    assert write.returncode != 0 and "permission denied" in write.stderr, \
        f"app role may write schema_migrations: {write.stdout} {write.stderr}"


@test
def edited_migration_is_refused_and_shown_modified():
    d = copy_sql()
    try:
        first = up_files(d)[0]
        original = open(os.path.join(SQL_DIR, first), "rb").read()
        with open(os.path.join(d, first), "ab") as f:
            f.write(b"\n-- an edit after the file was applied\n")
        before = applied_rows()
        env = {"MIGRATIONS_DIR": d}
        p = cli("db", "migrate", env=env)
        expect_rc(p, 1, "db migrate with an edited file")
        assert p.stdout == "", p.stdout
        line = p.stderr.strip()
        assert len(p.stderr.splitlines()) == 1, p.stderr
        assert os.path.join(d, first) in line and "changed since it was applied" in line, line
        s = cli("db", "status", env=env)
        expect_rc(s, 1, "db status with an edited file")
        assert re.search(rf"^{re.escape(first)}\s+modified\s+applied ", s.stdout, re.M), s.stdout
        assert "not current: 1 of" in s.stdout, s.stdout
        for other in up_files(d)[1:]:
            assert re.search(rf"^{re.escape(other)}\s+applied ", s.stdout, re.M), s.stdout
        assert applied_rows() == before, "schema_migrations changed"
        assert open(os.path.join(SQL_DIR, first), "rb").read() == original
        # the real directory is still current
        expect_rc(cli("db", "status"), 0, "db status on the stack's files")
    finally:
        shutil.rmtree(d)


@test
def db_new_creates_the_next_numbered_pair():
    user = STACK.get("STACK_USER") or None
    d = copy_sql(owner=user)
    empty = tempfile.mkdtemp(prefix="es-cli-new-", dir="/tmp")
    try:
        if user and os.geteuid() == 0:
            pw = pwd.getpwnam(user)
            os.chown(empty, pw.pw_uid, pw.pw_gid)
        files = up_files(d)
        nxt = int(files[-1].split("_")[0]) + 1
        p = cli("db", "new", "add_widgets", env={"MIGRATIONS_DIR": d})
        expect_rc(p, 0, "db new")
        up = os.path.join(d, f"{nxt:03d}_add_widgets.sql")
        down = os.path.join(d, f"{nxt:03d}_add_widgets.down.sql")
        assert p.stdout.splitlines() == [up, down], p.stdout
        assert os.path.isfile(up) and os.path.isfile(down), os.listdir(d)
        assert f"{nxt:03d}_add_widgets.sql" in open(up).read()
        assert all(line.startswith("--") or not line.strip()
                   for line in open(up).read().splitlines()), "new file has statements"
        assert up_files(d) == files + [f"{nxt:03d}_add_widgets.sql"]
        # the next one gets the next number; the stack's own directory is untouched
        p2 = cli("db", "new", "second", env={"MIGRATIONS_DIR": d})
        expect_rc(p2, 0, "db new (second)")
        assert os.path.isfile(os.path.join(d, f"{nxt + 1:03d}_second.sql")), os.listdir(d)
        assert up_files(SQL_DIR) == files
        # db status sees them pending (read-only on the stack's database)
        s = cli("db", "status", env={"MIGRATIONS_DIR": d})
        expect_rc(s, 1, "db status with pending files")
        assert re.search(rf"^{nxt:03d}_add_widgets\.sql\s+pending$", s.stdout, re.M), s.stdout
        # an empty directory starts at 001
        e = cli("db", "new", "first", env={"MIGRATIONS_DIR": empty})
        expect_rc(e, 0, "db new in an empty directory")
        assert sorted(os.listdir(empty)) == ["001_first.down.sql", "001_first.sql"]
        # bad names create nothing
        for bad in ("Add-Widgets", "drop table;", "a" * 61, ""):
            b = cli("db", "new", bad, env={"MIGRATIONS_DIR": empty})
            expect_rc(b, 2, f"db new {bad!r}")
            assert len(b.stderr.splitlines()) == 1, b.stderr
        assert sorted(os.listdir(empty)) == ["001_first.down.sql", "001_first.sql"]
    finally:
        shutil.rmtree(d)
        shutil.rmtree(empty)


@test
def rollback_and_migrate_on_a_scratch_database():
    values = env_file()
    db = f"es_cli_scratch_{os.getpid()}"
    env = {"DATABASE_URL": with_dbname(values["DATABASE_URL"], db),
           "DATABASE_OWNER_URL": with_dbname(values["DATABASE_OWNER_URL"], db)}
    stack_rows = applied_rows()
    d = copy_sql()
    env_d = dict(env, MIGRATIONS_DIR=d)
    try:
        files = up_files(d)
        last = files[-1][:-len(".sql")]
        version = last.split("_")[0]
        p = cli("db", "init", env=env_d)
        expect_rc(p, 0, "db init (scratch)")
        assert f"created database {db}" in p.stdout, p.stdout
        m = cli("db", "migrate", env=env_d)
        expect_rc(m, 0, "db migrate (scratch)")
        assert [re.sub(r" \(.*", "", line) for line in m.stdout.splitlines()] == \
            [f"applied {os.path.join(d, f)}" for f in files], m.stdout
        full = tables(db)
        assert "schema_migrations" in full and len(full) > 1, full
        rows = applied_rows(db)
        assert [r[0] for r in rows] == [f.split("_")[0] for f in files], rows

        # refused: no down file, then a down file without statements
        down = os.path.join(d, last + ".down.sql")
        keep = open(down).read() if os.path.exists(down) else None
        if keep is not None:
            os.unlink(down)
        r = cli("db", "rollback", env=env_d)
        expect_rc(r, 1, "db rollback without a down file")
        assert down in r.stderr and "no down migration" in r.stderr, r.stderr
        assert len(r.stderr.splitlines()) == 1, r.stderr
        with open(down, "w") as f:
            f.write("-- nothing yet\n/* still nothing */\n")
        os.chmod(down, 0o644)
        r = cli("db", "rollback", env=env_d)
        expect_rc(r, 1, "db rollback with an empty down file")
        assert "holds no statements" in r.stderr, r.stderr
        assert applied_rows(db) == rows and tables(db) == full, "a refused rollback changed the database"
        assert keep is not None, f"{last}.down.sql does not exist: nothing to roll back with"

        # rollback undoes the last migration and its row, in one go
        with open(down, "w") as f:
            f.write(keep)
        r = cli("db", "rollback", env=env_d)
        expect_rc(r, 0, "db rollback")
        assert r.stdout.strip() == f"rolled back {last} (ran {down})", r.stdout
        after = tables(db)
        assert after != full, "the rollback left the schema as it was"
        assert [x[0] for x in applied_rows(db)] == [x[0] for x in rows[:-1]]
        s = cli("db", "status", env=env_d)
        expect_rc(s, 1, "db status after rollback")
        assert re.search(rf"^{re.escape(last)}\.sql\s+pending$", s.stdout, re.M), s.stdout
        dry = cli("db", "migrate", "--dry-run", env=env_d)
        expect_rc(dry, 0, "db migrate --dry-run")
        assert dry.stdout.strip() == f"would apply {os.path.join(d, last)}.sql", dry.stdout
        assert tables(db) == after, "--dry-run changed the database"

        # and migrate brings it back
        m = cli("db", "migrate", env=env_d)
        expect_rc(m, 0, "db migrate after rollback")
        assert m.stdout.startswith(f"applied {os.path.join(d, last)}.sql ("), m.stdout
        assert len(m.stdout.splitlines()) == 1, m.stdout
        assert tables(db) == full
        s = cli("db", "status", env=env_d)
        expect_rc(s, 0, "db status after migrate")
        assert s.stdout.splitlines()[-1] == f"current (schema at {version})", s.stdout
    finally:
        psql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)', "postgres")
        shutil.rmtree(d)
    assert applied_rows() == stack_rows, "the stack's database changed"
    assert not psql(f"SELECT 1 FROM pg_database WHERE datname = '{db}'")


# ---- config ------------------------------------------------------------------

@test
def config_show_never_prints_secrets():
    hidden = secrets()
    p = cli("config", "show")
    expect_rc(p, 0, "config show")
    for s in hidden:
        assert s not in p.stdout and s not in p.stderr, "a secret value was printed"
    shown = {}
    for line in p.stdout.splitlines():
        if line.startswith("#"):
            continue
        key, _, rest = line.partition(" ")
        shown[key] = rest.split("  #")[0].strip()
    assert shown["SECRET_KEY"] == "(set)", shown["SECRET_KEY"]
    for key in ("DATABASE_URL", "DATABASE_OWNER_URL", "DATABASE_ADMIN_URL"):
        assert "password=****" in shown[key], f"{key}: {shown[key]}"
        assert "user=" in shown[key], f"{key}: {shown[key]}"
    # other spellings of a password in a connection string
    odd = {"DATABASE_URL": "postgresql://edgescout_app:Uri-Pw-81723@localhost/edgescout"
                           "?password=Query-Pw-44591",
           "DATABASE_OWNER_URL": "password = 'Quoted Pw 90211' host=/nowhere",
           "DATABASE_ADMIN_URL": "host=/nowhere PASSWORD=Upper-Pw-66120"}
    p = cli("config", "show", env=odd)
    expect_rc(p, 0, "config show with other spellings")
    for s in ("Uri-Pw-81723", "Query-Pw-44591", "Quoted Pw 90211", "Quoted", "Upper-Pw-66120"):
        assert s not in p.stdout + p.stderr, f"{s!r} shown: {p.stdout}"


@test
def config_check_passes_on_the_stack_and_fails_weak_production():
    p = cli("config", "check")
    expect_rc(p, 0, "config check")
    assert p.stdout.strip() == f"ok ({STACK.get('APP_ENV', 'test')})", p.stdout
    weak = "ab" * 20                    # long enough, but two characters
    placeholder = ("change-me-please-" + "0123456789abcdefghijklmnopqrstuvwxyz")[:40]
    # billing off (STRIPE_SECRET_KEY empty): the test stack's Stripe is a
    # plain-http stand-in, which production refuses (checked below)
    off = {"STRIPE_SECRET_KEY": ""}
    for key, value in (("SECRET_KEY", "short"), ("SECRET_KEY", weak),
                       ("SECRET_KEY", placeholder), ("SECRET_KEY", "")):
        p = cli("config", "check", env={"APP_ENV": "production", key: value, **off})
        expect_rc(p, 1, f"config check with SECRET_KEY={value!r}")
        lines = p.stdout.splitlines()
        assert len(lines) == 1 and lines[0].startswith("SECRET_KEY: "), p.stdout
        assert "1 problem (production)" in p.stderr, p.stderr
        if value:
            assert value not in p.stdout + p.stderr, "the weak key was printed"
    strong = os.urandom(32).hex()
    p = cli("config", "check", env={"APP_ENV": "production", "SECRET_KEY": strong,
                                    "DEBUG": "1", **off})
    expect_rc(p, 1, "config check with DEBUG=1")
    assert p.stdout.splitlines() == ["DEBUG: must be off in production"], p.stdout
    p = cli("config", "check", env={"APP_ENV": "production", "SECRET_KEY": strong, **off})
    expect_rc(p, 0, "config check, strong production")
    assert p.stdout.strip() == "ok (production)", p.stdout
    stripe_key = "sk_live_" + os.urandom(12).hex()
    p = cli("config", "check", env={"APP_ENV": "production", "SECRET_KEY": strong,
                                    "STRIPE_SECRET_KEY": stripe_key,
                                    "STRIPE_PRICE_ID": "price_1",
                                    "STRIPE_WEBHOOK_SECRET": "whsec_1",
                                    "BILLING_RETURN_URL": "https://edgescout.example/billing",
                                    "STRIPE_BASE_URL": "http://127.0.0.1:9"})
    expect_rc(p, 1, "config check, billing over plain http")
    assert p.stdout.splitlines() == ["STRIPE_BASE_URL: must be an https:// URL in production"], \
        p.stdout
    assert stripe_key not in p.stdout + p.stderr, "the Stripe key was printed"


# ---- routes ------------------------------------------------------------------

def routes_of_binaries():
    want = set()
    names = sorted(f for f in os.listdir(CGI_DIR) if os.access(os.path.join(CGI_DIR, f), os.X_OK))
    assert set(names) >= set(STACK.get("BINARIES", "health metrics").split()), names
    for name in names:
        p = subprocess.run([os.path.join(CGI_DIR, name), "--routes"], capture_output=True,
                           text=True, timeout=30, env={"PATH": SAFE_PATH})
        assert p.returncode == 0, f"{name} --routes: {p.returncode} {p.stderr}"
        for line in p.stdout.splitlines():
            method, path, flags = line.split("\t")
            want.add((name, method, path, flags or "-"))
    assert ("health", "GET", "/health", "rl_none") in want, want
    return want


@test
def routes_list_exactly_what_the_binaries_print():
    want = routes_of_binaries()
    for env, args in (({}, ["--bin", CGI_DIR]), ({}, [f"--bin={CGI_DIR}"]),
                      ({"EDGESCOUT_BIN_DIR": CGI_DIR}, [])):
        p = cli("routes", *args, env=env)
        expect_rc(p, 0, f"routes {args} {env}")
        lines = p.stdout.splitlines()
        assert lines[0].split() == ["BINARY", "METHOD", "PATH", "FLAGS"], lines[0]
        got = [tuple(line.split()) for line in lines[1:]]
        assert all(len(r) == 4 for r in got), got
        assert set(got) == want and len(got) == len(want), \
            f"missing {want - set(got)}, extra {set(got) - want}"
        assert [r[2] for r in got] == sorted(r[2] for r in got), "not sorted by path"
    p = cli("routes", "--json", "--bin", CGI_DIR)
    expect_rc(p, 0, "routes --json")
    rows = json.loads(p.stdout)
    got = {(r["binary"], r["method"], r["path"], ",".join(r["flags"]) or "-") for r in rows}
    assert got == want and len(rows) == len(want), \
        f"missing {want - got}, extra {got - want}"
    assert all(set(r) == {"binary", "method", "path", "flags"} for r in rows), rows[0]
    missing = cli("routes", "--bin", "/nonexistent-dir")
    expect_rc(missing, 1, "routes --bin /nonexistent-dir")
    assert "/nonexistent-dir" in missing.stderr, missing.stderr


# ---- nginx-conf ------------------------------------------------------------

@test
def nginx_conf_renders_a_config_nginx_accepts():
    want = routes_of_binaries()
    t = tempfile.mkdtemp(prefix="es-cli-ngx-", dir="/tmp")
    try:
        for sub in ("bin", "share", "etc/tls", "run", "log", "tmp"):
            os.makedirs(os.path.join(t, sub), exist_ok=True)
        os.symlink(CGI_DIR, os.path.join(t, "bin", "cgi-bin"))
        shutil.copytree(os.path.join(STACK["DIR"], "share", "nginx"),
                        os.path.join(t, "share", "nginx"))
        tls = os.path.join(STACK["DIR"], "etc", "tls")
        for f in ("cert.pem", "key.pem"):
            shutil.copy(os.path.join(tls, f), os.path.join(t, "etc", "tls", f))
        conf = os.path.join(t, "etc", "nginx.conf")
        p = cli("nginx-conf", "--dir", t, "--out", conf, "--port", "47443",
                "--http-port", "47080", "--listen", "127.0.0.1", as_root=True)
        expect_rc(p, 0, "nginx-conf")
        assert p.stdout == "", p.stdout
        binaries = sorted({r[0] for r in want})
        assert re.fullmatch(rf"edgescout nginx-conf: {len(binaries)} binaries, \d+ locations, "
                            r"rate limits (on|off).*\n", p.stderr), p.stderr
        text = open(conf).read()
        assert STACK["DIR"] + "/" not in text.replace(t, "<T>"), "stack paths in the config"
        assert "listen 127.0.0.1:47443 ssl;" in text and "listen 127.0.0.1:47080;" in text
        for name in binaries:
            assert re.search(rf"upstream es_{name} \{{\s*server unix:{re.escape(t)}/run/"
                             rf"{name}\.sock;", text), f"no upstream for {name}"
        for name, method, path, flags in want:
            if "{" not in path:
                m = re.search(rf"location = {re.escape(path)} \{{(.*?)\n\t\t\}}", text, re.S)
                assert m, f"no location for {path}"
                if "pubsub" in flags.split(","):     # nginx holds the subscribers
                    assert "nchan_subscriber websocket eventsource;" in m.group(1), m.group(1)
                    assert "nchan_authorize_request /__es/subscribe/" in m.group(1), m.group(1)
                    assert f"fastcgi_pass es_{name};" not in m.group(1), m.group(1)
                else:
                    assert f"fastcgi_pass es_{name};" in m.group(1), m.group(1)
                assert "security_headers.conf" in m.group(1), m.group(1)
        n = subprocess.run(["nginx", "-t", "-p", t + "/", "-c", conf, "-e",
                            os.path.join(t, "log", "nginx-error.log")],
                           capture_output=True, text=True, timeout=60)
        assert n.returncode == 0 and "test is successful" in n.stderr, n.stderr
        # the stream's publisher: a unix socket only, and the nchan module loaded
        assert f"listen unix:{t}/run/stream-publish.socket;" in text
        assert "load_module /usr/lib/nginx/modules/ngx_nchan_module.so;" in text
        # the same from the stack's own settings but a bad option: usage, no file
        bad = cli("nginx-conf", "--dir", t, "--out", conf + ".2", "--keepalive", "5",
                  "--workers", "2", as_root=True)
        expect_rc(bad, 2, "nginx-conf --keepalive 5 --workers 2")
        assert not os.path.exists(conf + ".2")
    finally:
        shutil.rmtree(t)


# ---- health ------------------------------------------------------------------

@test
def health_checks_database_schema_and_every_binary():
    p = cli("health")
    expect_rc(p, 0, "health")
    lines = p.stdout.splitlines()
    assert lines[-1].startswith("healthy: the database answers"), p.stdout
    lines = lines[:-1]
    checks = {re.split(r"\s{2,}", line)[1]: line for line in lines}
    assert all(line.startswith("ok  ") for line in lines), p.stdout
    assert "database" in checks and "migrations" in checks, p.stdout
    assert "connects as edgescout_app and answers SELECT 1" in checks["database"], p.stdout
    for name in STACK.get("BINARIES", "health metrics").split():
        assert f"binary {name}" in checks, f"{name} not checked: {p.stdout}"
        # what the line means, not a bare status code
        assert f"a worker answers on {STACK['RUN_DIR']}/{name}.sock" in checks[f"binary {name}"]
        assert "Status" not in checks[f"binary {name}"], checks[f"binary {name}"]
    newest = up_files(SQL_DIR)[-1].split("_")[0]
    assert f"schema current: database at {newest}" in checks["migrations"], checks["migrations"]

    values = env_file()
    wrong = re.sub(r"password=\S+", "password=Wrong-Pw-31337", values["DATABASE_URL"])
    p = cli("health", env={"DATABASE_URL": wrong})
    expect_rc(p, 1, "health with a wrong password")
    fails = [line for line in p.stdout.splitlines() if line.startswith("FAIL")]
    assert fails and re.match(r"FAIL\s+database\s+", fails[0]), p.stdout
    assert p.stdout.splitlines()[-1].startswith("unhealthy: 2 checks failed"), p.stdout
    assert "password authentication failed" in fails[0], fails[0]
    assert "Wrong-Pw-31337" not in p.stdout + p.stderr, "the password was printed"
    for name in STACK.get("BINARIES", "health metrics").split():
        assert re.search(rf"^ok\s+binary {name}\s", p.stdout, re.M), p.stdout
