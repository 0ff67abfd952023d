"""Accounts against the real stack: registration, sign-in with tokens and
the login throttle (refresh, forged JWTs, sign-out, password changes and
the audit trail: test_auth_tokens). Client addresses 127.0.0.20-59
(accounts.py)."""

import hashlib
import hmac
import os
import re
import statistics
import time

from accounts import (addr, agent, audit_rows, expect_audit, jwt_key, jwt_parts, login, me,
                      new_user, refresh, register, sql, sql_value, strong_password,
                      unique_email, user_id, without_request_id)
from lib import (STACK, expect_error, expect_security_headers, expect_status, post, request,
                 run_as_stack_user, test)


TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{43}")


def users_named(email):
    return int(sql_value("SELECT count(*) FROM users WHERE lower(email) = lower(:'p1')", email))


# ---- registration -------------------------------------------------------------

@test
def register_normalises_and_returns_the_user_without_tokens():
    ua = agent("register")
    local = f"Mixed.Case-{unique_email('x').split('@')[0]}"
    r = register(f"  {local}@Example.COM \t", strong_password(), headers={"User-Agent": ua})
    expect_status(r, 201)
    expect_security_headers(r)
    body = r.json()
    assert body == {"email": f"{local}@example.com", "role": "user", "tier": "free"}, body
    rows = sql("SELECT id, email, password_hash, role, tier, disabled FROM users "
               "WHERE lower(email) = lower(:'p1')", f"{local}@example.com")
    assert len(rows) == 1, rows
    uid, stored, phash, role, tier, disabled = rows[0]
    assert stored == f"{local}@example.com", stored          # local part keeps its case
    assert phash.startswith("$argon2id$"), phash[:12]
    assert (role, tier, disabled) == ("user", "free", "f")
    expect_audit("auth.register", r, int(uid), ua, target=f"user:{uid}")


@test
def register_taken_email_answers_like_a_new_one():
    email, password = unique_email("dup"), strong_password()
    first = register(email, password)
    expect_status(first, 201)
    ua = agent("dup")
    local, domain = email.split("@")
    again = register(f"{local.upper()}@{domain.upper()}", strong_password(),
                     headers={"User-Agent": ua})
    # same status, same body shape, no id either way; only the audit tells
    expect_status(again, 201)
    assert set(again.json()) == set(first.json()) == {"email", "role", "tier"}
    assert again.json() == {"email": f"{local.upper()}@{domain}", "role": "user",
                            "tier": "free"}, again.json()
    assert again.header("content-type") == first.header("content-type")
    assert users_named(email) == 1
    uid = user_id(email)
    expect_audit("auth.register_duplicate", again, None, ua, target=f"user:{uid}")
    # the account keeps its password
    expect_status(login(email, password), 200)
    expect_error(login(email, "Another long phrase 9981 here"), 401, "UNAUTHORIZED")


@test
def register_refuses_weak_passwords_with_field_password():
    email = unique_email("weakling")
    local = email.split("@")[0]
    cases = {
        "short": "Sh0rt!pw",
        "eleven chars": "abcdefghijk",
        "common": "password1234",
        "common phrase": "iloveyou12345",
        "repeated": "aaaaaaaaaaaaaaaa",
        "keyboard": "qwertyuiop123",
        "email local part": f"xx{local}xx-9f3k2",
        "the email": email,
        "too long": "Zq9!" * 64 + "x",       # 257 bytes
    }
    for name, pw in cases.items():
        r = register(email, pw)
        err = expect_error(r, 422, "VALIDATION_FAILED", field="password")
        assert err["message"].startswith("password "), (name, err)
    assert users_named(email) == 0


@test
def register_validates_the_body_strictly():
    email, pw = unique_email("strict"), strong_password()

    def reg(body=None, raw=None, ctype="application/json"):
        return request("POST", "/api/auth/register", body=body, raw_body=raw,
                       headers={"Content-Type": ctype}, source=addr())

    expect_error(reg(raw=b'{"email": "a@b.co", "password": '), 400, "INVALID_JSON")
    expect_error(reg(raw=b'{"email":"a@b.co","password":"x",}'), 400, "INVALID_JSON")
    expect_error(reg(raw=b"[]"), 400, "INVALID_JSON")
    expect_error(reg(raw=b""), 400, "INVALID_JSON")
    expect_error(reg(raw=b'{"email":"\xff\xfe@example.com","password":"' +
                     pw.encode() + b'"}'), 400, "INVALID_JSON")
    expect_error(reg(raw=b'{"email":"a@example.com","password":"\xc3\x28 bad utf8 long"}'),
                 400, "INVALID_JSON")
    expect_error(reg(body={"email": email, "password": pw}, ctype="text/plain"),
                 415, "UNSUPPORTED_MEDIA_TYPE")
    for body, field in [
        ({"password": pw}, "email"),
        ({"email": email}, "password"),
        ({"email": 5, "password": pw}, "email"),
        ({"email": None, "password": pw}, "email"),
        ({"email": [email], "password": pw}, "email"),
        ({"email": email, "password": 123456789012}, "password"),
        ({"email": email, "password": None}, "password"),
        ({"email": email, "password": {"p": pw}}, "password"),
        ({"email": email, "password": pw, "role": "admin"}, "role"),
        ({"email": email, "password": pw, "tier": "pro"}, "tier"),
        ({"email": "x" * 400 + "@example.com", "password": pw}, "email"),
        ({"email": "a" * 65 + "@example.com", "password": pw}, "email"),
        ({"email": "no-at-sign.example.com", "password": pw}, "email"),
        ({"email": "two@@example.com", "password": pw}, "email"),
        ({"email": "", "password": pw}, "email"),
        ({"email": "user@localhost", "password": pw}, "email"),
    ]:
        expect_error(reg(body=body), 422, "VALIDATION_FAILED", field=field)
    assert users_named(email) == 0


@test
def injection_strings_are_harmless():
    before = int(sql_value("SELECT count(*) FROM users"))
    for bad in ["x'; DROP TABLE users; --@example.com", "a@example.com' OR '1'='1",
                "<script>alert(1)</script>@example.com", "a\u2028b@example.com",
                "${jndi:ldap://x}@example.com", "a@example.com\r\nX-Injected: 1"]:
        expect_error(register(bad, strong_password()), 422, "VALIDATION_FAILED", field="email")
        expect_error(login(bad, "whatever it is, long"), 422, "VALIDATION_FAILED",
                     field="email")
    # an escaped NUL never reaches the handler
    expect_error(register("a@example.com\u0000", strong_password()), 400, "INVALID_JSON")
    email = unique_email("inject")
    pw = "' OR 1=1; DROP TABLE users; -- <script>x</script> \u00e9\u4e2d"
    expect_status(register(email, pw), 201)
    r = login(email, pw)
    expect_status(r, 200)
    expect_error(login(email, "' OR '1'='1' -- x"), 401, "UNAUTHORIZED")
    assert int(sql_value("SELECT count(*) FROM users")) == before + 1


# ---- login with tokens --------------------------------------------------------

@test
def login_returns_a_well_formed_token_pair():
    email, pw = unique_email("claims"), strong_password()
    expect_status(register(email, pw), 201)
    ua = agent("login")
    t0 = int(time.time())
    r = login(email, pw, headers={"User-Agent": ua})
    expect_status(r, 200)
    body = r.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}, body
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900
    assert TOKEN_RE.fullmatch(body["refresh_token"]), body["refresh_token"]
    assert r.header("set-cookie") is None
    header, claims, sig = jwt_parts(body["access_token"])
    assert header == {"alg": "HS256", "typ": "at+jwt"}, header
    uid = user_id(email)
    assert claims["iss"] == "edgescout" and claims["aud"] == "edgescout-api", claims
    assert claims["sub"] == str(uid), claims
    assert claims["exp"] - claims["iat"] == 900 and claims["nbf"] == claims["iat"], claims
    assert abs(claims["iat"] - t0) <= 5, claims
    assert claims["tier"] == "free" and claims["role"] == "user" and claims["gen"] == 1
    assert len(claims["jti"]) >= 16, claims
    # signed with the "jwt" subkey of SECRET_KEY (the forgeries below rely on it)
    signing_input = body["access_token"].rsplit(".", 1)[0].encode()
    assert sig == hmac.new(jwt_key(), signing_input, hashlib.sha256).digest()
    # only the hash of the refresh token is stored
    rows = sql("SELECT token_hash, family, expires_at - issued_at, used_at, revoked_at, "
               "user_agent FROM refresh_tokens WHERE user_id = :'p1'", uid)
    assert len(rows) == 1, rows
    thash, family, life, used, revoked, row_ua = rows[0]
    assert thash != body["refresh_token"] and re.fullmatch(r"[0-9a-f]{64}", thash), thash
    assert body["refresh_token"] not in "".join(rows[0])
    assert life == "30 days", life
    assert used == "" and revoked == "" and row_ua == ua
    row = expect_audit("auth.login", r, uid, ua, target=f"email:{email}")
    assert row["details"]["via"] == "bearer", row
    assert sql_value("SELECT last_login_at IS NOT NULL FROM users WHERE id = :'p1'", uid) == "t"
    r = me(body["access_token"])
    expect_status(r, 200)
    m = r.json()
    assert set(m) == {"id", "email", "role", "tier", "created_at", "auth"}, m
    assert m["id"] == uid and m["email"] == email and m["auth"] == "bearer", m
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", m["created_at"]), m


@test
def login_refuses_bad_bodies():
    email = unique_email("badlogin")
    for body, field in [({"email": email}, "password"), ({"password": "x" * 12}, "email"),
                        ({"email": email, "password": 5}, "password"),
                        ({"email": email, "password": "x" * 300}, "password"),
                        ({"email": email, "password": "x" * 20, "session": "bearer"},
                         "session"),
                        ({"email": email, "password": "x" * 20, "session": True}, "session"),
                        ({"email": email, "password": "x" * 20, "remember": True},
                         "remember")]:
        expect_error(post("/api/auth/login", body=body, source=addr()), 422,
                     "VALIDATION_FAILED", field=field)
    expect_error(request("POST", "/api/auth/login", raw_body=b"{nope",
                         headers={"Content-Type": "application/json"}, source=addr()),
                 400, "INVALID_JSON")
    expect_error(request("GET", "/api/auth/login", source=addr()), 405, "METHOD_NOT_ALLOWED")
    assert sql_value("SELECT count(*) FROM login_failures WHERE lower(email) = lower(:'p1')",
                     email) == "0"


@test
def unknown_email_and_wrong_password_look_the_same():
    known, pw = unique_email("known"), strong_password()
    expect_status(register(known, pw), 201)
    unknown = unique_email("nobody")
    wrong, ghost, t_wrong, t_ghost = [], [], [], []
    for _ in range(3):
        t = time.monotonic()
        wrong.append(login(known, "Not the password 5521 at all"))
        t_wrong.append(time.monotonic() - t)
        t = time.monotonic()
        ghost.append(login(unknown, "Not the password 5521 at all"))
        t_ghost.append(time.monotonic() - t)
    for a, b in zip(wrong, ghost):
        expect_error(a, 401, "UNAUTHORIZED")
        expect_error(b, 401, "UNAUTHORIZED")
        assert without_request_id(a) == without_request_id(b), (a, b)
        assert a.json()["error"]["message"] == "invalid email or password"
        skip = {"date", "x-request-id", "x-process-time"}
        assert {k: v for k, v in a.headers.items() if k not in skip} == \
            {k: v for k, v in b.headers.items() if k not in skip}, (a.headers, b.headers)
    # the dummy hash runs for unknown addresses: similar time, not a shortcut
    assert statistics.median(t_ghost) >= 0.3 * statistics.median(t_wrong), (t_ghost, t_wrong)
    uid = user_id(known)
    reasons = [row["details"]["reason"] for row in audit_rows("auth.login_failed",
                                                             target=f"email:{known}")]
    assert reasons == ["wrong_password"] * 3, reasons
    rows = audit_rows("auth.login_failed", target=f"email:{unknown}")
    assert [r["details"]["reason"] for r in rows] == ["unknown_email"] * 3, rows
    assert all(r["actor_id"] is None for r in rows)
    assert all(r["actor_id"] == uid for r in audit_rows("auth.login_failed",
                                                         target=f"email:{known}"))


def fail_times(email, n):
    for _ in range(n):
        expect_error(login(email, "Definitely wrong 7731 words"), 401, "UNAUTHORIZED")


@test
def ten_failures_lock_an_address_for_a_growing_while():
    email, pw = unique_email("locked"), strong_password()
    expect_status(register(email, pw), 201)
    uid = user_id(email)
    other, other_pw = unique_email("bystander"), strong_password()
    expect_status(register(other, other_pw), 201)
    fail_times(email, 10)
    ua = agent("locked")
    r = login(email, pw, headers={"User-Agent": ua})          # even the right password
    expect_error(r, 429, "RATE_LIMITED")
    wait = int(r.header("retry-after"))
    assert 1 <= wait <= 60, wait
    row = expect_audit("auth.login_failed", r, uid, ua, target=f"email:{email}")
    assert row["details"]["reason"] == "locked"
    locks = audit_rows("auth.locked", target=f"email:{email}")
    assert len(locks) == 1 and locks[0]["actor_id"] == uid, locks
    assert locks[0]["details"]["failures"] == 10, locks
    # refused attempts do not count: still 10 failures
    assert sql_value("SELECT count(*) FROM login_failures WHERE lower(email) = lower(:'p1')",
                     email) == "10"
    expect_status(login(other, other_pw), 200)                 # others unaffected
    # a minute later the lock has ended by itself; one more failure locks for two
    sql("UPDATE login_failures SET at = at - interval '61 seconds' "
        "WHERE lower(email) = lower(:'p1')", email)
    fail_times(email, 1)
    r = login(email, pw)
    expect_error(r, 429, "RATE_LIMITED")
    assert 60 < int(r.header("retry-after")) <= 120, r.headers
    assert len(audit_rows("auth.locked", target=f"email:{email}")) == 2
    sql("UPDATE login_failures SET at = at - interval '121 seconds' "
        "WHERE lower(email) = lower(:'p1')", email)
    ua = agent("unlocked")
    r = login(email, pw, headers={"User-Agent": ua})
    expect_status(r, 200)
    row = expect_audit("auth.unlocked", r, uid, ua, target=f"email:{email}")
    assert row["details"]["failures"] == 11, row
    assert sql_value("SELECT count(*) FROM login_failures WHERE lower(email) = lower(:'p1')",
                     email) == "0"


@test
def unknown_addresses_lock_exactly_like_known_ones():
    known, pw = unique_email("lk"), strong_password()
    expect_status(register(known, pw), 201)
    unknown = unique_email("lu")
    fail_times(known, 10)
    fail_times(unknown, 10)
    a, b = login(known, "Definitely wrong 7731 words"), login(unknown, "Definitely wrong 7731 words")
    expect_error(a, 429, "RATE_LIMITED")
    expect_error(b, 429, "RATE_LIMITED")
    assert without_request_id(a) == without_request_id(b), (a, b)
    assert 1 <= int(b.header("retry-after")) <= 60
    assert len(audit_rows("auth.locked", target=f"email:{unknown}")) == 1
    # the lock follows the normalised address, whatever its case
    local, domain = unknown.split("@")
    expect_error(login(f" {local.upper()}@{domain.upper()} ", "x" * 12), 429, "RATE_LIMITED")


@test
def a_hundred_failures_an_hour_lock_until_the_oldest_is_an_hour_old():
    email, pw = unique_email("hourly"), strong_password()
    expect_status(register(email, pw), 201)
    # 100 failures between 59 and 17 minutes ago: none in the last 15 minutes
    sql("INSERT INTO login_failures (email, at) SELECT :'p1', "
        "now() - interval '17 minutes' - g * interval '25 seconds' "
        "FROM generate_series(0, 99) g", email)
    r = login(email, pw)
    expect_error(r, 429, "RATE_LIMITED")
    wait = int(r.header("retry-after"))
    # the oldest is 17 min + 99 * 25 s = 58.25 min old: free in about 105 s
    assert 90 <= wait <= 110, wait
    sql("UPDATE login_failures SET at = at - interval '2 minutes' "
        "WHERE lower(email) = lower(:'p1')", email)
    expect_status(login(email, pw), 200)


@test
def disabled_users_cannot_sign_in_and_their_tokens_die():
    email, pw, tokens = new_user("disabled")
    uid = user_id(email)
    expect_status(me(tokens["access_token"]), 200)
    sql("UPDATE users SET disabled = true WHERE id = :'p1'", uid)
    try:
        expect_error(me(tokens["access_token"]), 401, "UNAUTHORIZED")
        expect_error(refresh(tokens["refresh_token"]), 401, "UNAUTHORIZED")
        ua = agent("disabled")
        r = login(email, pw, headers={"User-Agent": ua})
        expect_error(r, 401, "UNAUTHORIZED")
        assert r.json()["error"]["message"] == "invalid email or password"
        row = expect_audit("auth.login_failed", r, uid, ua)
        assert row["details"]["reason"] == "disabled", row
    finally:
        sql("UPDATE users SET disabled = false WHERE id = :'p1'", uid)


@test
def login_rehashes_a_password_hashed_with_other_limits():
    email, pw = unique_email("rehash"), strong_password()
    # the operator's command, run with other Argon2id limits than the workers'
    env = dict(os.environ, EDGESCOUT_ENV_FILE=STACK["ENV_FILE"], PWHASH_OPSLIMIT="3")
    p = run_as_stack_user([os.path.join(STACK["BIN_DIR"], "edgescout"), "user", "create",
                           "--email", email, "--password-stdin"], input=pw + "\n", env=env,
                          start_new_session=True)
    assert p.returncode == 0, p.stderr
    uid = user_id(email)
    before = sql_value("SELECT password_hash FROM users WHERE id = :'p1'", uid)
    assert ",t=3," in before, before[:40]
    ua = agent("rehash")
    r = login(email, pw, headers={"User-Agent": ua})
    expect_status(r, 200)
    after = sql_value("SELECT password_hash FROM users WHERE id = :'p1'", uid)
    assert after.startswith("$argon2id$") and ",t=3," not in after, after[:40]
    row = expect_audit("auth.login", r, uid, ua)
    assert row["details"] == {"via": "bearer", "rehashed": True}, row
    expect_status(login(email, pw), 200)
    assert sql_value("SELECT password_hash FROM users WHERE id = :'p1'", uid) == after


