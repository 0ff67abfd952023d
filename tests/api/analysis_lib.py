"""Helpers shared by the market analysis and export API tests
(test_analysis, test_export): client addresses, users of either tier,
market data loaded through `edgescout market import`, and the real S&P 500
series with its golden indicator values."""

import csv
import itertools
import os
import random
import string
import tempfile
import uuid

from accounts import sql, sql_value
from lib import STACK, request, run_as_stack_user

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures")
SP500 = os.path.join(FIXTURES, "sp500-2000.csv")

# Client addresses of these tests: 1,024 of 127.21.0.0/22, used in turn so that
# nginx's per-address limits are never reached by the tests themselves.
ADDRS = [f"127.21.{i // 256}.{i % 256}" for i in range(1, 1025)]
_turn = itertools.count()


def addr():
    return ADDRS[next(_turn) % len(ADDRS)]


def call(method, path, body=None, token=None, headers=None, **kw):
    hdrs = dict(headers or {})
    if token is not None:
        hdrs["Authorization"] = f"Bearer {token}"
    return request(method, path, body=body, headers=hdrs, source=addr(), **kw)


class User:
    def __init__(self, token, uid, email):
        self.token, self.id, self.email = token, uid, email

    def get(self, path, **kw):
        return call("GET", path, token=self.token, **kw)

    def post(self, path, body=None, **kw):
        return call("POST", path, body=body, token=self.token, **kw)

    def delete(self, path, **kw):
        return call("DELETE", path, token=self.token, **kw)


def new_user(tier="free", tag="market"):
    """A registered, signed-in user of tier."""
    email = f"{tag}-{uuid.uuid4().hex[:12]}@example.com"
    password = f"Violet canyon {uuid.uuid4().hex[:10]} drifts slowly"
    r = call("POST", "/api/auth/register", body={"email": email, "password": password})
    assert r.status == 201, f"register: {r!r}"
    r = call("POST", "/api/auth/login", body={"email": email, "password": password})
    assert r.status == 200, f"login: {r!r}"
    uid = int(sql_value("SELECT id FROM users WHERE email = :'p1'", email))
    if tier != "free":
        sql("UPDATE users SET tier = :'p1' WHERE id = :'p2'", tier, uid)
    return User(r.json()["access_token"], uid, email)


def random_symbol(prefix="Q"):
    """A fresh valid ticker no other test uses."""
    return prefix + "".join(random.choice(string.ascii_uppercase) for _ in range(7))


def market_import(symbol, path):
    """Store the candles of CSV file path as symbol with the operator's CLI."""
    env = ["env", f"EDGESCOUT_ENV_FILE={STACK['ENV_FILE']}"]
    out = run_as_stack_user(env + [os.path.join(STACK["BIN_DIR"], "edgescout"), "market",
                                   "import", "--symbol", symbol, path])
    assert out.returncode == 0, f"market import {symbol}: {out.stderr.strip()}"
    return out.stdout


def sp500_rows():
    """The fixture's rows as dicts of text."""
    with open(SP500, newline="") as f:
        return list(csv.DictReader(f))


def import_rows(symbol, rows):
    """Store rows (dicts with the fixture's columns) as symbol."""
    fd, path = tempfile.mkstemp(prefix="edgescout-market-", suffix=".csv")
    try:
        with os.fdopen(fd, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=["date", "open", "high", "low", "close",
                                              "adjclose", "volume"],
                               lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
        os.chmod(path, 0o644)
        market_import(symbol, path)
    finally:
        os.unlink(path)


def ensure_gspc():
    """The S&P 500 series stored as ^GSPC (idempotent)."""
    market_import("^GSPC", os.path.abspath(SP500))


def golden_last(name):
    """The last row of tests/fixtures/golden/sp500_<name>.csv as floats."""
    with open(os.path.join(FIXTURES, "golden", f"sp500_{name}.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    return {k: float(v) for k, v in rows[-1].items()}


def symbol_id(symbol):
    v = sql_value("SELECT id FROM symbols WHERE symbol = :'p1'", symbol)
    return int(v) if v else None
