"""Browser sessions against the real stack: the __Host- cookie, CSRF on
unsafe requests, sign-out with Clear-Site-Data, and how password changes and
expiry end sessions. Client addresses 127.0.0.20-59 (accounts.py)."""

import re

from accounts import (agent, call, cookie_headers, cookie_login, expect_audit, login, me,
                      new_user, register, sql, sql_value, strong_password, unique_email,
                      user_id)
from lib import expect_error, expect_security_headers, expect_status, test

COOKIE_RE = re.compile(r"__Host-edgescout_session=([A-Za-z0-9_-]{43}); Path=/; Secure; "
                       r"HttpOnly; SameSite=Strict; Max-Age=43200")
CLEAR = "__Host-edgescout_session=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0"


def new_key(headers=None, token=None, name="from a browser"):
    return call("POST", "/api/auth/api-keys", body={"name": name, "scopes": ["read"]},
                headers=headers, token=token)


@test
def cookie_login_sets_a_host_cookie_and_returns_no_tokens():
    email, pw = unique_email("browser"), strong_password()
    expect_status(register(email, pw), 201)
    uid = user_id(email)
    ua = agent("cookie")
    r = login(email, pw, headers={"User-Agent": ua}, session="cookie")
    expect_status(r, 200)
    expect_security_headers(r)
    m = COOKIE_RE.fullmatch(r.header("set-cookie") or "")
    assert m, f"Set-Cookie {r.header('set-cookie')!r}"
    body = r.json()
    assert set(body) == {"csrf_token", "expires_in", "user"}, body
    assert body["expires_in"] == 43200
    assert body["user"] == {"id": uid, "email": email, "role": "user", "tier": "free"}, body
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", body["csrf_token"]), body
    assert m.group(1) not in r.body.decode()
    rows = sql("SELECT token_hash, csrf_hash, expires_at - created_at, revoked_at, user_agent "
               "FROM sessions WHERE user_id = :'p1'", uid)
    assert len(rows) == 1, rows
    thash, chash, life, revoked, row_ua = rows[0]
    assert re.fullmatch(r"[0-9a-f]{64}", thash) and re.fullmatch(r"[0-9a-f]{64}", chash)
    assert m.group(1) not in rows[0] and body["csrf_token"] not in rows[0]
    assert life == "12:00:00" and revoked == "" and row_ua == ua, rows
    assert sql_value("SELECT count(*) FROM refresh_tokens WHERE user_id = :'p1'", uid) == "0"
    row = expect_audit("auth.login", r, uid, ua, target=f"email:{email}")
    assert row["details"]["via"] == "cookie", row
    r = me(headers=cookie_headers(m.group(1)))          # a safe request needs no CSRF
    expect_status(r, 200)
    assert r.json()["auth"] == "cookie" and r.json()["id"] == uid


@test
def unsafe_cookie_requests_need_the_csrf_token():
    email, pw = unique_email("csrf"), strong_password()
    expect_status(register(email, pw), 201)
    uid = user_id(email)
    _, cookie, csrf = cookie_login(email, pw)
    expect_error(new_key(cookie_headers(cookie)), 403, "FORBIDDEN")
    expect_error(new_key(cookie_headers(cookie, "A" * 43)), 403, "FORBIDDEN")
    expect_error(new_key(cookie_headers(cookie, "")), 403, "FORBIDDEN")
    # another session's CSRF token does not fit this session
    _, _, other_csrf = cookie_login(email, pw)
    expect_error(new_key(cookie_headers(cookie, other_csrf)), 403, "FORBIDDEN")
    assert sql_value("SELECT count(*) FROM api_keys WHERE user_id = :'p1'", uid) == "0"
    expect_status(new_key(cookie_headers(cookie, csrf)), 201)
    # bearer tokens need none
    tokens = login(email, pw).json()
    expect_status(new_key(token=tokens["access_token"]), 201)
    assert sql_value("SELECT count(*) FROM api_keys WHERE user_id = :'p1'", uid) == "2"


@test
def cookie_logout_needs_csrf_and_clears_the_site_data():
    email, pw = unique_email("bye"), strong_password()
    expect_status(register(email, pw), 201)
    uid = user_id(email)
    _, cookie, csrf = cookie_login(email, pw)
    expect_error(call("POST", "/api/auth/logout", headers=cookie_headers(cookie)), 403,
                 "FORBIDDEN")
    expect_status(me(headers=cookie_headers(cookie)), 200)   # still signed in
    ua = agent("cookie-logout")
    h = cookie_headers(cookie, csrf)
    h["User-Agent"] = ua
    r = call("POST", "/api/auth/logout", headers=h)
    expect_status(r, 204)
    assert r.header("clear-site-data") == '"cookies"', r.headers
    assert r.header("set-cookie") == CLEAR, r.header("set-cookie")
    expect_error(me(headers=cookie_headers(cookie)), 401, "UNAUTHORIZED")
    assert sql_value("SELECT revoked_at IS NOT NULL FROM sessions WHERE user_id = :'p1'",
                     uid) == "t"
    row = expect_audit("auth.logout", r, uid, ua, target=f"user:{uid}")
    assert row["details"]["via"] == "cookie", row


@test
def cookie_logout_all_ends_every_session():
    email, pw = unique_email("byeall"), strong_password()
    expect_status(register(email, pw), 201)
    _, c1, csrf1 = cookie_login(email, pw)
    _, c2, _ = cookie_login(email, pw)
    tokens = login(email, pw).json()
    r = call("POST", "/api/auth/logout-all", headers=cookie_headers(c1, csrf1))
    expect_status(r, 204)
    assert r.header("set-cookie") == CLEAR and r.header("clear-site-data") == '"cookies"'
    for c in (c1, c2):
        expect_error(me(headers=cookie_headers(c)), 401, "UNAUTHORIZED")
    expect_error(me(tokens["access_token"]), 401, "UNAUTHORIZED")


@test
def password_change_from_a_browser_keeps_that_session_only():
    email, pw = unique_email("keep"), strong_password()
    expect_status(register(email, pw), 201)
    _, c1, csrf1 = cookie_login(email, pw)
    _, c2, _ = cookie_login(email, pw)
    tokens = login(email, pw).json()
    new = strong_password()
    body = {"current_password": pw, "new_password": new}
    expect_error(call("POST", "/api/auth/password", body=body, headers=cookie_headers(c1)),
                 403, "FORBIDDEN")
    r = call("POST", "/api/auth/password", body=body, headers=cookie_headers(c1, csrf1))
    expect_status(r, 200)
    assert r.json() == {"password_changed": True}, r.json()
    expect_status(me(headers=cookie_headers(c1)), 200)
    expect_error(me(headers=cookie_headers(c2)), 401, "UNAUTHORIZED")
    expect_error(me(tokens["access_token"]), 401, "UNAUTHORIZED")
    expect_status(login(email, new), 200)


@test
def expired_sessions_and_unknown_cookies_are_refused():
    email, pw = unique_email("stale"), strong_password()
    expect_status(register(email, pw), 201)
    uid = user_id(email)
    _, cookie, _ = cookie_login(email, pw)
    expect_error(me(headers=cookie_headers("B" * 43)), 401, "UNAUTHORIZED")
    expect_error(me(headers=cookie_headers("")), 401, "UNAUTHORIZED")
    sql("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = :'p1'",
        uid)
    expect_error(me(headers=cookie_headers(cookie)), 401, "UNAUTHORIZED")


@test
def disabled_users_lose_their_sessions():
    email, pw, _ = new_user("offline")
    uid = user_id(email)
    _, cookie, _ = cookie_login(email, pw)
    sql("UPDATE users SET disabled = true WHERE id = :'p1'", uid)
    try:
        expect_error(me(headers=cookie_headers(cookie)), 401, "UNAUTHORIZED")
        r = login(email, pw, session="cookie")
        expect_error(r, 401, "UNAUTHORIZED")
        assert r.header("set-cookie") is None
    finally:
        sql("UPDATE users SET disabled = false WHERE id = :'p1'", uid)
