"""Tokens of accounts against the real stack: refresh-token rotation, forged
JWTs, sign-out, password changes and the audit trail. Client addresses
127.0.0.20-59 (accounts.py)."""

import hashlib
import re
import threading
import time

from accounts import (addr, agent, audit_rows, call, claims_for, expect_audit, jwt_make,
                      jwt_parts, login, me, new_user, refresh, sql, sql_value,
                      strong_password, unique_email, user_id)
from lib import expect_error, expect_status, post, test


# ---- refresh ------------------------------------------------------------------

@test
def refresh_rotates_and_reuse_revokes_the_family():
    email, pw, t1 = new_user("rotate")
    uid = user_id(email)
    r = refresh(t1["refresh_token"])
    expect_status(r, 200)
    t2 = r.json()
    assert set(t2) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert t2["refresh_token"] != t1["refresh_token"]
    assert jwt_parts(t2["access_token"])[1]["sub"] == str(uid)
    expect_status(me(t2["access_token"]), 200)
    t3 = refresh(t2["refresh_token"]).json()
    rows = sql("SELECT family, expires_at, used_at IS NOT NULL FROM refresh_tokens "
               "WHERE user_id = :'p1' ORDER BY id", uid)
    assert len(rows) == 3 and len({r[0] for r in rows}) == 1, rows
    assert len({r[1] for r in rows}) == 1, "the family's absolute expiry moved"
    assert [r[2] for r in rows] == ["t", "t", "f"], rows
    # replay of a rotated token: 401, the whole family revoked, audited
    ua = agent("reuse")
    r = refresh(t1["refresh_token"], headers={"User-Agent": ua})
    expect_error(r, 401, "UNAUTHORIZED")
    row = expect_audit("auth.refresh_reuse", r, uid, ua, target=f"user:{uid}")
    assert row["details"]["family"] == rows[0][0] and row["details"]["revoked"] == 3, row
    expect_error(refresh(t3["refresh_token"]), 401, "UNAUTHORIZED")
    assert sql_value("SELECT count(*) FROM refresh_tokens WHERE user_id = :'p1' "
                     "AND revoked_at IS NULL", uid) == "0"
    # another sign-in is a new family, untouched
    t4 = login(email, pw).json()
    expect_status(refresh(t4["refresh_token"]), 200)


@test
def refresh_refuses_unknown_expired_and_malformed_tokens():
    email, pw, t = new_user("refbad")
    uid = user_id(email)
    expect_error(refresh("A" * 43), 401, "UNAUTHORIZED")
    expect_error(refresh(""), 401, "UNAUTHORIZED")
    expect_error(refresh(t["access_token"][:200]), 401, "UNAUTHORIZED")
    expect_error(call("POST", "/api/auth/refresh", body={"refresh_token": 5}), 422,
                 "VALIDATION_FAILED", field="refresh_token")
    expect_error(call("POST", "/api/auth/refresh", body={"refresh_token": "x" * 300}), 422,
                 "VALIDATION_FAILED", field="refresh_token")
    expect_error(call("POST", "/api/auth/refresh", body={}), 422, "VALIDATION_FAILED",
                 field="refresh_token")
    expect_error(call("POST", "/api/auth/refresh",
                      body={"refresh_token": t["refresh_token"], "x": 1}), 422,
                 "VALIDATION_FAILED", field="x")
    sql("UPDATE refresh_tokens SET expires_at = now() - interval '1 second' "
        "WHERE user_id = :'p1'", uid)
    expect_error(refresh(t["refresh_token"]), 401, "UNAUTHORIZED")
    assert sql_value("SELECT count(*) FROM refresh_tokens WHERE user_id = :'p1'", uid) == "1"


@test
def concurrent_refreshes_of_one_token_cannot_both_succeed():
    email, pw, t = new_user("race")
    for round_no in range(5):
        if round_no:
            t = login(email, pw).json()
        results = []
        go = threading.Barrier(4)

        def worker():
            go.wait()
            results.append(refresh(t["refresh_token"]).status)

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        # one rotation wins; the others are replays and revoke the family
        assert sorted(results) == [200, 401, 401, 401], results
    assert sql_value("SELECT count(*) FROM refresh_tokens WHERE user_id = :'p1' "
                     "AND revoked_at IS NULL", user_id(email)) == "0"


# ---- forged access tokens -----------------------------------------------------

@test
def forged_and_tampered_access_tokens_are_refused():
    email, pw, t = new_user("jwt")
    uid = user_id(email)
    good = claims_for(uid)
    hdr = {"alg": "HS256", "typ": "at+jwt"}
    # the test's own signature is accepted: the refusals below are for their flaw
    expect_status(me(jwt_make(hdr, good)), 200)
    now = int(time.time())
    h0, c0, _ = jwt_parts(t["access_token"])
    head, body, sig = t["access_token"].split(".")
    admin = dict(c0, role="admin")
    forged = {
        "alg none": jwt_make({"alg": "none", "typ": "at+jwt"}, good, signature=b""),
        "alg None": jwt_make({"alg": "None", "typ": "at+jwt"}, good, signature=b""),
        "alg none, no dot": jwt_make({"alg": "none", "typ": "at+jwt"}, good,
                                     signature=b"").rstrip("."),
        "HS512 re-signed": jwt_make({"alg": "HS512", "typ": "at+jwt"}, good,
                                    digest=hashlib.sha512),
        "HS384 re-signed": jwt_make({"alg": "HS384", "typ": "at+jwt"}, good,
                                    digest=hashlib.sha384),
        "RS256 header": jwt_make({"alg": "RS256", "typ": "at+jwt"}, good),
        "changed payload": f"{head}.{jwt_make(h0, admin).split('.')[1]}.{sig}",
        "foreign key": jwt_make(hdr, good, key=b"k" * 32),
        "expired": jwt_make(hdr, claims_for(uid, iat=now - 1000, nbf=now - 1000,
                                            exp=now - 61)),
        "not yet valid": jwt_make(hdr, claims_for(uid, nbf=now + 300)),
        "issued in the future": jwt_make(hdr, claims_for(uid, iat=now + 300, nbf=now,
                                                         exp=now + 900)),
        "wrong aud": jwt_make(hdr, claims_for(uid, aud="other-api")),
        "wrong iss": jwt_make(hdr, claims_for(uid, iss="evil")),
        "wrong typ": jwt_make({"alg": "HS256", "typ": "JWT"}, good),
        "no typ": jwt_make({"alg": "HS256"}, good),
        "old generation": jwt_make(hdr, claims_for(uid, gen=0)),
        "unknown user": jwt_make(hdr, claims_for(2 ** 40)),
        "too long-lived": jwt_make(hdr, claims_for(uid, exp=now + 10 * 86400)),
        "truncated": t["access_token"][:-5],
        "garbage": "not.a.jwt",
        "empty": "",
    }
    for name, token in forged.items():
        r = me(token)
        assert r.status == 401, f"{name}: {r!r}"
        expect_error(r, 401, "UNAUTHORIZED")
        assert "bearer" in (r.header("www-authenticate") or "").lower(), name
    expect_status(me(t["access_token"]), 200)
    expect_error(call("GET", "/api/auth/me", headers={"Authorization": "Basic eDp5"}), 401,
                 "UNAUTHORIZED")
    expect_error(call("GET", "/api/auth/me"), 401, "UNAUTHORIZED")


# ---- sign-out and password changes --------------------------------------------

@test
def logout_revokes_the_family_of_the_given_refresh_token():
    email, pw, t = new_user("logout")
    uid = user_id(email)
    _, _, other = new_user("logout-other")
    ua = agent("logout")
    # refused bodies sign nothing out
    expect_error(call("POST", "/api/auth/logout", body={"refresh_token": 5},
                      token=t["access_token"]), 422, "VALIDATION_FAILED",
                 field="refresh_token")
    expect_error(call("POST", "/api/auth/logout", raw_body=b"{x",
                      headers={"Content-Type": "application/json"},
                      token=t["access_token"]), 400, "INVALID_JSON")
    expect_error(call("POST", "/api/auth/logout"), 401, "UNAUTHORIZED")
    expect_status(me(t["access_token"]), 200)
    # another user's refresh token is not touched; the access token used ends
    spare = login(email, pw).json()["access_token"]
    r = call("POST", "/api/auth/logout", body={"refresh_token": other["refresh_token"]},
             token=spare)
    expect_status(r, 204)
    expect_status(refresh(other["refresh_token"]), 200)
    expect_error(me(spare), 401, "UNAUTHORIZED")
    expect_status(me(t["access_token"]), 200)          # the user's other tokens live on
    r = call("POST", "/api/auth/logout", body={"refresh_token": t["refresh_token"]},
             token=t["access_token"], headers={"User-Agent": ua})
    expect_status(r, 204)
    assert r.body == b"" and r.header("clear-site-data") is None
    expect_error(refresh(t["refresh_token"]), 401, "UNAUTHORIZED")
    row = expect_audit("auth.logout", r, uid, ua, target=f"user:{uid}")
    assert row["details"] == {"via": "bearer", "family_revoked": True}, row


@test
def bearer_logout_ends_that_access_token_at_once_until_its_expiry():
    email, pw, t = new_user("logout-jti")
    claims = jwt_parts(t["access_token"])[1]
    expect_status(me(t["access_token"]), 200)
    expect_status(call("POST", "/api/auth/logout", token=t["access_token"]), 204)
    for _ in range(3):                   # every worker refuses it, not only the one asked
        expect_error(me(t["access_token"]), 401, "UNAUTHORIZED")
    expect_error(call("POST", "/api/auth/logout", token=t["access_token"]), 401,
                 "UNAUTHORIZED")
    # one row, kept until the token would have expired anyway (prune deletes it then)
    assert sql_value("SELECT extract(epoch FROM expires_at)::bigint FROM "
                     "revoked_access_tokens WHERE jti = :'p1'", claims["jti"]) == \
        str(claims["exp"])
    expect_status(me(login(email, pw).json()["access_token"]), 200)   # a new sign-in works


@test
def logout_all_kills_every_token_and_session():
    email, pw, t1 = new_user("everywhere")
    uid = user_id(email)
    t2 = login(email, pw).json()
    c = login(email, pw, session="cookie")
    cookie = re.match(r"__Host-edgescout_session=([^;]+);", c.header("set-cookie")).group(1)
    ua = agent("logout-all")
    r = call("POST", "/api/auth/logout-all", token=t1["access_token"],
             headers={"User-Agent": ua})
    expect_status(r, 204)
    for tok in (t1, t2):
        expect_error(me(tok["access_token"]), 401, "UNAUTHORIZED")
        expect_error(refresh(tok["refresh_token"]), 401, "UNAUTHORIZED")
    expect_error(me(headers={"Cookie": f"__Host-edgescout_session={cookie}"}), 401,
                 "UNAUTHORIZED")
    assert sql_value("SELECT token_generation FROM users WHERE id = :'p1'", uid) == "2"
    row = expect_audit("auth.logout_all", r, uid, ua, target=f"user:{uid}")
    assert row["details"] == {"families_revoked": 2, "browsers_signed_out": 1}, row
    t3 = login(email, pw).json()
    assert jwt_parts(t3["access_token"])[1]["gen"] == 2
    expect_status(me(t3["access_token"]), 200)


@test
def password_change_needs_the_current_password_and_ends_other_sign_ins():
    email, pw, t1 = new_user("passwd")
    uid = user_id(email)
    t2 = login(email, pw).json()
    new = strong_password()

    def change(body, token=t1["access_token"], **kw):
        return call("POST", "/api/auth/password", body=body, token=token, **kw)

    ua = agent("passwd-wrong")
    r = change({"current_password": "Not my password 1234", "new_password": new},
               headers={"User-Agent": ua})
    expect_error(r, 401, "UNAUTHORIZED", field="current_password")
    row = expect_audit("auth.password_change_failed", r, uid, ua)
    assert row["details"]["reason"] == "wrong_password"
    assert sql_value("SELECT count(*) FROM login_failures WHERE lower(email) = lower(:'p1')",
                     email) == "1"
    expect_error(change({"current_password": pw, "new_password": "short"}), 422,
                 "VALIDATION_FAILED", field="new_password")
    expect_error(change({"current_password": pw, "new_password": "password1234"}), 422,
                 "VALIDATION_FAILED", field="new_password")
    expect_error(change({"current_password": pw, "new_password": pw}), 422,
                 "VALIDATION_FAILED", field="new_password")
    expect_error(change({"current_password": pw}), 422, "VALIDATION_FAILED",
                 field="new_password")
    expect_error(change({"current_password": pw, "new_password": new, "x": 1}), 422,
                 "VALIDATION_FAILED", field="x")
    expect_status(me(t1["access_token"]), 200)          # nothing changed so far
    ua = agent("passwd")
    r = change({"current_password": pw, "new_password": new}, headers={"User-Agent": ua})
    expect_status(r, 200)
    t3 = r.json()
    assert set(t3) == {"password_changed", "access_token", "token_type", "expires_in",
                       "refresh_token"}, t3
    for old in (t1, t2):
        expect_error(me(old["access_token"]), 401, "UNAUTHORIZED")
        expect_error(refresh(old["refresh_token"]), 401, "UNAUTHORIZED")
    expect_status(me(t3["access_token"]), 200)
    expect_status(refresh(t3["refresh_token"]), 200)
    expect_error(login(email, pw), 401, "UNAUTHORIZED")
    expect_status(login(email, new), 200)
    row = expect_audit("auth.password_changed", r, uid, ua, target=f"user:{uid}")
    assert row["details"]["families_revoked"] == 2, row
    assert sql_value("SELECT password_changed_at > created_at FROM users WHERE id = :'p1'",
                     uid) == "t"


@test
def login_audit_rows_carry_actor_address_agent_and_request_id():
    email, pw = unique_email("trail"), strong_password()
    ua = agent("trail")
    src = addr()
    r = post("/api/auth/login", body={"email": email, "password": pw},
             headers={"User-Agent": ua, "X-Request-ID": "client-chosen-id-123"}, source=src)
    expect_error(r, 401, "UNAUTHORIZED")
    rid = r.header("x-request-id")
    rows = audit_rows("auth.login_failed", request_id=rid)
    assert len(rows) == 1, rows
    assert rows[0]["ip"] == src and rows[0]["user_agent"] == ua, rows
    assert rows[0]["actor_id"] is None and rows[0]["target"] == f"email:{email}", rows
    assert rows[0]["details"] == {"email": email, "reason": "unknown_email"}, rows
