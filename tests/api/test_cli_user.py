"""`edgescout user ...` and `edgescout seed-demo` against the real stack: run
as the stack's account with its env file, checked through the API (login,
/api/auth/me, the admin routes) and the database.

Requests spread over 127.0.0.75-89 so the per-IP rate limits never bite."""

import itertools
import json
import os
import pty
import re
import secrets
import select
import signal
import stat
import time

from lib import STACK, expect_error, expect_status, request, run_as_stack_user, test

RUN = secrets.token_hex(4)
ADDRS = [f"127.0.0.{i}" for i in range(75, 90)]
_addr = itertools.cycle(ADDRS)
TAKEN = "edgescout: user create: that email is taken\n"


def call(method, path, token=None, body=None):
    hdrs = {"Authorization": "Bearer " + token} if token else {}
    return request(method, path, body=body, headers=hdrs, source=next(_addr))


def cli(*args, stdin=None):
    """Run the CLI as the stack's account, in a new session: no controlling
    terminal, so nothing can stop to ask for a password."""
    env = dict(os.environ, EDGESCOUT_ENV_FILE=STACK["ENV_FILE"])
    return run_as_stack_user([os.path.join(STACK["BIN_DIR"], "edgescout"), *args],
                             input=stdin, env=env, start_new_session=True)


def cli_on_terminal(args, answers, timeout=30):
    """Run the CLI on a new pseudo-terminal, typing each answer once its
    prompt has appeared; (everything the terminal showed, exit status)."""
    cmd = [os.path.join(STACK["BIN_DIR"], "edgescout"), *args]
    user = STACK.get("STACK_USER", "")
    if os.geteuid() == 0 and user and user != "root":
        cmd = ["runuser", "-u", user, "--"] + cmd
    env = dict(os.environ, EDGESCOUT_ENV_FILE=STACK["ENV_FILE"])
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvpe(cmd[0], cmd, env)
        finally:
            os._exit(127)
    out, deadline = b"", time.time() + timeout

    def read_until(done):
        nonlocal out
        while not done() and time.time() < deadline:
            if select.select([fd], [], [], 0.2)[0]:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:
                    return
                if not chunk:
                    return
                out += chunk
    try:
        seen = 0
        for prompt, answer in answers:
            read_until(lambda: prompt.encode() in out[seen:])
            assert prompt.encode() in out[seen:], f"no prompt {prompt!r}: {out!r}"
            seen = len(out)
            os.write(fd, answer.encode() + b"\n")
        read_until(lambda: False)   # to the end of the output
    finally:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == 0:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
        os.close(fd)
    return out.decode(errors="replace"), os.waitstatus_to_exitcode(status)


def database_url():
    with open(STACK["ENV_FILE"]) as f:
        for line in f:
            if line.startswith("DATABASE_URL="):
                return line.split("=", 1)[1].strip().strip("'\"")
    raise AssertionError("no DATABASE_URL in the env file")


def query(sql):
    p = run_as_stack_user(["psql", database_url(), "-X", "-q", "-At", "-v",
                           "ON_ERROR_STOP=1", "-c", sql])
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


def login_reply(email, password):
    return call("POST", "/api/auth/login", body={"email": email, "password": password})


def login(email, password):
    r = login_reply(email, password)
    expect_status(r, 200)
    return r.json()["access_token"]


def me(token):
    r = call("GET", "/api/auth/me", token=token)
    expect_status(r, 200)
    body = r.json()
    return body["user"] if isinstance(body.get("user"), dict) else body


def create(email, password, *extra):
    return cli("user", "create", "--email", email, *extra, "--password-stdin",
               stdin=password + "\n")


def created(email, *extra):
    """Create a user through the CLI; (id, password)."""
    pw = secrets.token_urlsafe(18)
    p = create(email, pw, *extra)
    assert p.returncode == 0, p.stderr
    m = re.fullmatch(r"created user (\d+) <(.+)> \(role (\w+), tier (\w+)\)\n", p.stdout)
    assert m, p.stdout
    return int(m.group(1)), pw


def last_cli_audit(uid):
    return json.loads(query(
        "SELECT json_build_object('actor', actor_id, 'action', action, 'ip', ip, "
        "'details', details) FROM audit_log "
        f"WHERE target = 'user:{int(uid)}' ORDER BY id DESC LIMIT 1"))


@test
def create_normalises_the_email_and_the_user_logs_in():
    pw = secrets.token_urlsafe(18)
    p = create(f"  New.{RUN}@Example.COM ", pw)
    assert p.returncode == 0 and p.stderr == "", (p.returncode, p.stderr)
    m = re.fullmatch(r"created user (\d+) <New\.%s@example\.com> \(role user, tier free\)\n"
                     % RUN, p.stdout)
    assert m, p.stdout
    uid = int(m.group(1))
    # the address keeps its local part and matches case-insensitively
    u = me(login(f"new.{RUN}@EXAMPLE.com", pw))
    assert (u["id"], u["email"], u["tier"], u["role"]) == \
        (uid, f"New.{RUN}@example.com", "free", "user"), u
    hashed = query(f"SELECT password_hash FROM users WHERE id = {uid}")
    assert hashed.startswith("$argon2id$") and pw not in hashed, hashed
    a = last_cli_audit(uid)
    assert (a["actor"], a["action"], a["ip"]) == (None, "admin.user_created", None), a
    assert a["details"]["via"] == "cli" and a["details"]["os_user"] == STACK["STACK_USER"], a
    assert a["details"]["email"] == f"New.{RUN}@example.com", a


@test
def create_with_role_and_tier():
    uid, pw = created(f"boss-{RUN}@example.com", "--role", "admin", "--tier", "pro")
    tok = login(f"boss-{RUN}@example.com", pw)
    u = me(tok)
    assert (u["id"], u["role"], u["tier"]) == (uid, "admin", "pro"), u
    expect_status(call("GET", "/api/admin/users?limit=1", token=tok), 200)


@test
def create_asks_the_terminal_twice_without_echo():
    email = f"tty-{RUN}@example.com"
    pw = secrets.token_urlsafe(18)
    shown, status = cli_on_terminal(["user", "create", "--email", email],
                                    [("New password: ", pw), ("Again: ", pw + "x")])
    assert status == 1, (status, shown)
    assert "the passwords do not match" in shown and pw not in shown, shown
    shown, status = cli_on_terminal(["user", "create", "--email", email],
                                    [("New password: ", pw), ("Again: ", pw)])
    assert status == 0, (status, shown)
    assert pw not in shown, "the password was echoed"
    assert re.search(r"created user \d+ <%s>" % re.escape(email), shown), shown
    assert me(login(email, pw))["email"] == email


@test
def weak_or_missing_passwords_are_refused():
    email = f"weak-{RUN}@example.com"
    for pw, why in [("password1234", "the password is too common or easy to guess"),
                    ("short", "the password must be at least 12 characters"),
                    (f"xx weak-{RUN} yy zz", "the password must not contain your email address"),
                    ("x" * 257, "the password is too long"),
                    ("", "the password must be at least 12 characters")]:
        p = create(email, pw)
        assert p.returncode == 1, (pw, p.returncode, p.stdout, p.stderr)
        assert p.stderr.startswith("edgescout: user create: "), p.stderr
        assert why in p.stderr, (why, p.stderr)
        assert p.stdout == "", p.stdout
    p = cli("user", "create", "--email", email, "--password-stdin", stdin="")
    assert p.returncode == 1 and "no password given" in p.stderr, p.stderr
    p = cli("user", "create", "--email", email, "--password-stdin",
            stdin="good password\x00 with a nul\n")
    assert p.returncode == 1 and "NUL" in p.stderr, p.stderr
    # without --password-stdin and without a terminal there is nowhere to ask
    p = cli("user", "create", "--email", email, stdin="correct horse battery staple\n")
    assert p.returncode == 1 and "--password-stdin" in p.stderr, p.stderr
    assert query(f"SELECT count(*) FROM users WHERE lower(email) = lower('{email}')") == "0"


@test
def duplicates_are_refused_whatever_the_case():
    email = f"dup-{RUN}@example.com"
    uid, _ = created(email)
    n = query("SELECT count(*) FROM audit_log")
    for again in (email, email.upper(), f" Dup-{RUN}@EXAMPLE.com\t"):
        p = create(again, secrets.token_urlsafe(18))
        assert (p.returncode, p.stdout, p.stderr) == (1, "", TAKEN), (again, p)
    assert query(f"SELECT count(*) FROM users WHERE lower(email) = '{email}'") == "1"
    assert query("SELECT count(*) FROM audit_log") == n, "a refused create was audited"


@test
def usage_errors_exit_2_and_bad_addresses_1():
    pw = secrets.token_urlsafe(18) + "\n"
    for args in (["user"], ["user", "frobnicate"], ["user", "create", "--password-stdin"],
                 ["user", "create", "--email"], ["user", "create", "--email", "a@b.co", "--x"],
                 ["user", "create", "--email", "u@example.com", "--role", "root"],
                 ["user", "create", "--email", "u@example.com", "--tier", "gold"],
                 ["user", "list", "--yaml"], ["user", "set-tier", "1"],
                 ["user", "set-tier", "1", "platinum"], ["user", "set-role", "1", "god"],
                 ["user", "disable"], ["user", "enable", "1", "2"],
                 ["seed-demo", "--bogus"]):
        p = cli(*args, stdin=pw)
        assert p.returncode == 2, (args, p.returncode, p.stderr)
        assert p.stderr.startswith("edgescout: ") or p.stderr.startswith("usage:"), p.stderr
    for bad in ("not-an-address", "a@b", "x@@example.com", "'; DROP TABLE users; --@x.com"):
        p = cli("user", "create", "--email", bad, "--password-stdin", stdin=pw)
        assert p.returncode == 1 and "not a valid e-mail address" in p.stderr, (bad, p)
    for args in (["user", "--help"], ["user", "create", "--help"], ["seed-demo", "--help"]):
        p = cli(*args)
        assert p.returncode == 0 and p.stdout.startswith("usage:"), (args, p)


@test
def list_shows_users_as_table_and_json():
    uid, _ = created(f"list-{RUN}@example.com", "--tier", "pro")
    p = cli("user", "list", "--json")
    assert p.returncode == 0, p.stderr
    users = json.loads(p.stdout)
    mine = [u for u in users if u["id"] == uid]
    assert len(mine) == 1, users
    u = mine[0]
    assert set(u) == {"id", "email", "role", "tier", "disabled", "created_at",
                      "last_login_at"}, u
    assert (u["email"], u["role"], u["tier"], u["disabled"], u["last_login_at"]) == \
        (f"list-{RUN}@example.com", "user", "pro", False, None), u
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", u["created_at"]), u
    assert [x["id"] for x in users] == sorted(x["id"] for x in users)
    p = cli("user", "list")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].split() == ["ID", "EMAIL", "ROLE", "TIER", "DISABLED", "CREATED",
                                "LAST", "LOGIN"], lines[0]
    row = next(line for line in lines if f"list-{RUN}@" in line).split()
    assert row[:5] == [str(uid), f"list-{RUN}@example.com", "user", "pro", "no"], row
    assert row[-1] == "never", row
    assert len(lines) == len(users) + 1


@test
def set_tier_shows_after_login_and_is_audited():
    email = f"tier-{RUN}@example.com"
    uid, pw = created(email)
    p = cli("user", "set-tier", email.upper(), "pro")
    assert p.returncode == 0, p.stderr
    assert p.stdout == f"user {uid} <{email}>: tier pro (was free)\n", p.stdout
    assert me(login(email, pw))["tier"] == "pro"
    a = last_cli_audit(uid)
    assert a["action"] == "admin.user_updated" and a["actor"] is None, a
    assert a["details"]["changes"] == {"tier": {"before": "free", "after": "pro"}}, a
    assert a["details"]["via"] == "cli" and a["details"]["os_user"] == STACK["STACK_USER"], a
    p = cli("user", "set-tier", str(uid), "free")
    assert p.returncode == 0 and p.stdout.endswith("tier free (was pro)\n"), p.stdout
    assert me(login(email, pw))["tier"] == "free"


@test
def set_role_promotes_and_demotes_at_once():
    email = f"promo-{RUN}@example.com"
    uid, pw = created(email)
    tok = login(email, pw)
    expect_error(call("GET", "/api/admin/users", token=tok), 403, "FORBIDDEN")
    p = cli("user", "set-role", str(uid), "admin")
    assert p.returncode == 0 and p.stdout == f"user {uid} <{email}>: role admin (was user)\n", p
    admin_tok = login(email, pw)
    expect_status(call("GET", "/api/admin/users?limit=1", token=admin_tok), 200)
    p = cli("user", "set-role", email, "user")
    assert p.returncode == 0, p.stderr
    expect_error(call("GET", "/api/admin/users", token=admin_tok), 401, "UNAUTHORIZED")
    expect_error(call("GET", "/api/admin/users", token=login(email, pw)), 403, "FORBIDDEN")


@test
def disable_ends_tokens_and_logins_until_enabled():
    email = f"off-{RUN}@example.com"
    uid, pw = created(email)
    tok = login(email, pw)
    me(tok)
    p = cli("user", "disable", email)
    assert (p.returncode, p.stdout) == (0, f"user {uid} <{email}>: disabled\n"), p
    expect_error(call("GET", "/api/auth/me", token=tok), 401, "UNAUTHORIZED")
    r = login_reply(email, pw)
    assert r.status in (401, 403) and "access_token" not in r.json(), r
    assert query(f"SELECT count(*) FROM refresh_tokens WHERE user_id = {uid} "
                 "AND revoked_at IS NULL") == "0"
    a = last_cli_audit(uid)
    assert a["details"]["changes"] == {"disabled": {"before": False, "after": True}}, a
    assert a["details"]["revoked"]["refresh"] >= 1, a
    p = cli("user", "disable", str(uid))
    assert p.returncode == 0 and p.stdout.endswith("disabled (already)\n"), p.stdout
    p = cli("user", "enable", str(uid))
    assert (p.returncode, p.stdout) == (0, f"user {uid} <{email}>: enabled\n"), p
    expect_error(call("GET", "/api/auth/me", token=tok), 401, "UNAUTHORIZED")
    assert me(login(email, pw))["id"] == uid


@test
def unknown_users_are_reported():
    n = query("SELECT count(*) FROM audit_log")
    for args in (["set-tier", f"nobody-{RUN}@example.com", "pro"],
                 ["set-role", "999999999", "admin"], ["disable", "not an address"],
                 ["enable", "0"], ["disable", "'; DELETE FROM users; --"]):
        p = cli("user", *args)
        assert p.returncode == 1, (args, p)
        assert re.fullmatch(r"edgescout: user [a-z-]+: no user .*\n", p.stderr), p.stderr
        assert p.stdout == "", p.stdout
    assert query("SELECT count(*) FROM audit_log") == n
    assert int(query("SELECT count(*) FROM users")) > 0


@test
def seed_demo_is_idempotent_and_its_logins_work():
    data_dir = STACK["DIR"]
    first = cli("seed-demo", "--url", f"https://localhost:{STACK['PORT']}")
    assert first.returncode == 0, first.stderr
    second = cli("seed-demo")
    assert second.returncode == 0, second.stderr
    assert "created" not in second.stdout, second.stdout
    for who in ("demo", "admin"):
        assert f"{who}@edgescout.local exists" in second.stdout, second.stdout
        assert f"its login is in {data_dir}/{who}-login.json" in second.stdout, second.stdout
        assert query(f"SELECT count(*) FROM users WHERE email = '{who}@edgescout.local'") == "1"
    assert f"https://localhost:{STACK['PORT']}/api/auth/login" in first.stdout, first.stdout
    assert "--data @" in second.stdout, second.stdout
    logins = {}
    for who in ("demo", "admin"):
        path = os.path.join(data_dir, f"{who}-login.json")
        st = os.stat(path)
        assert stat.S_IMODE(st.st_mode) == 0o600, oct(st.st_mode)
        with open(path) as f:
            body = json.load(f)
        assert set(body) == {"email", "password"} and len(body["password"]) >= 20, body.keys()
        if "created" in first.stdout:
            assert body["password"] not in second.stdout
        logins[who] = body
    demo = me(login(logins["demo"]["email"], logins["demo"]["password"]))
    assert (demo["email"], demo["tier"], demo["role"]) == \
        ("demo@edgescout.local", "pro", "user"), demo
    tok = login(logins["admin"]["email"], logins["admin"]["password"])
    assert me(tok)["role"] == "admin"
    expect_status(call("GET", "/api/admin/users?email=demo%40edgescout.local", token=tok), 200)
    third = cli("seed-demo")
    assert third.returncode == 0 and third.stdout.replace("\n", "") == \
        second.stdout.replace("\n", ""), (second.stdout, third.stdout)
