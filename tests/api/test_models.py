"""The win-probability model against the running stack: GET /api/models/current
(404 before any model, then the promoted model with its coefficients) and
GET /api/models (history, paged), both for signed-in users only; and the
cron/label-signals and cron/retrain binaries that make the model: labels
written once, "not enough rows", dry runs that write nothing, a retrain on
the same data that stores no second version.

The signals are made here in SQL from the first 500 bars of the S&P 500
series (stored under a fresh symbol), with a few indicator values and a
momentum-like score; the symbol and every model are removed at the end.
Client addresses 127.0.0.210-229."""

import itertools
import json
import math
import os
import time
import uuid

from accounts import sql, sql_value
from analysis_lib import import_rows, random_symbol, sp500_rows, symbol_id
from lib import STACK, expect_error, expect_status, request, run_as_stack_user, test

ADDRS = [f"127.0.0.{i}" for i in range(210, 230)]
_turn = itertools.count()
BIN = STACK.get("BIN_DIR", "")
SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SAN_KEYS = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")
FEATURES = ["close_sma20", "close_sma50", "close_sma200", "sma50_sma200", "ema12_ema26",
            "rsi14", "macd_hist", "bb_percent_b", "atr_percent", "stoch_k", "stoch_d",
            "roc10", "adx14", "di_spread", "obv_trend", "score",
            "strategy_growth", "strategy_value", "strategy_dividend", "strategy_momentum",
            "rec_buy", "rec_sell"]
_state = {}


def addr():
    return ADDRS[next(_turn) % len(ADDRS)]


def call(method, path, token=None, **kw):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return request(method, path, headers=headers, source=addr(), **kw)


def token():
    """A signed-in user's access token (one user for the module)."""
    if "token" not in _state:
        email = f"models-{uuid.uuid4().hex[:12]}@example.com"
        password = f"Violet canyon {uuid.uuid4().hex[:10]} drifts slowly"
        r = request("POST", "/api/auth/register", body={"email": email, "password": password},
                    source=addr())
        expect_status(r, 201)
        r = request("POST", "/api/auth/login", body={"email": email, "password": password},
                    source=addr())
        expect_status(r, 200)
        _state["token"] = r.json()["access_token"]
    return _state["token"]


def job(name, *args, **env):
    """Run cron job name as the stack's account; retried while another
    instance (the stack's jobs loop) holds its lock. The finished process."""
    e = {"PATH": SAFE_PATH, "LANG": "C.UTF-8", "EDGESCOUT_ENV_FILE": STACK["ENV_FILE"]}
    e.update({k: os.environ[k] for k in SAN_KEYS if k in os.environ})
    e.update(env)
    deadline = time.time() + 90
    while True:
        p = run_as_stack_user([os.path.join(BIN, "cron", name)] + list(args), env=e, cwd="/",
                              timeout=120)
        if "another instance holds the lock" not in p.stderr or time.time() > deadline:
            return p
        time.sleep(0.5)


def expect_ok(p, what):
    assert p.returncode == 0, f"{what}: exit {p.returncode}\n{p.stderr[-2000:]}"
    assert "another instance holds the lock" not in p.stderr, f"{what}: never got the lock"


def log_of(p, msg):
    """The JSON log line of p with this msg."""
    for line in p.stderr.splitlines():
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if o.get("msg") == msg:
            return o
    raise AssertionError(f"no log line {msg!r} in:\n{p.stderr[-2000:]}")


def models():
    return int(sql_value("SELECT count(*) FROM models"))


def labelled(sym):
    return int(sql_value("SELECT count(*) FROM signals g JOIN symbols s ON s.id = g.symbol_id "
                         "WHERE s.symbol = :'p1' AND g.outcome IS NOT NULL", sym))


# Signals for bars 60..459 of the symbol: a few indicators and a score of
# 50 + 5 * ROC10 (the momentum roc component), buy at 65, sell at 35.
SIGNALS_SQL = """
INSERT INTO signals (symbol_id, strategy, day, close, score, recommendation, version,
                     indicators, source)
SELECT b.symbol_id, 'momentum', b.date, b.close::float8, sc.score,
       CASE WHEN sc.score >= 65 THEN 'buy' WHEN sc.score <= 35 THEN 'sell' ELSE 'hold' END,
       1, jsonb_build_object('sma20', b.sma20, 'sma50', b.sma50, 'roc10', b.roc10,
                             'rsi14', NULL, 'macd', jsonb_build_object('hist', NULL)), 'scan'
FROM (SELECT c.symbol_id, c.date, c.close,
             round(avg(c.close) OVER w20, 6) AS sma20, round(avg(c.close) OVER w50, 6) AS sma50,
             round(100 * (c.close / lag(c.close, 10) OVER (ORDER BY c.date) - 1), 6) AS roc10,
             row_number() OVER (ORDER BY c.date) AS k
      FROM candles c WHERE c.symbol_id = :'p1'
      WINDOW w20 AS (ORDER BY c.date ROWS 19 PRECEDING),
             w50 AS (ORDER BY c.date ROWS 49 PRECEDING)) b
CROSS JOIN LATERAL (SELECT round(least(100, greatest(0, 50 + 5 * b.roc10)), 2) AS score) sc
WHERE b.k BETWEEN 60 AND 459
"""


DIGEST_SQL = ("SELECT md5(string_agg(id || ':' || realised_return || ':' || outcome || ':' "
              "|| labelled_at, ',' ORDER BY id)) FROM signals WHERE symbol_id = :'p1'")


@test
def models_need_a_signed_in_user():
    for path in ("/api/models/current", "/api/models"):
        expect_error(call("GET", path), 401, "UNAUTHORIZED")
        expect_error(call("GET", path, token="not.a.token"), 401, "UNAUTHORIZED")


@test
def no_model_before_the_first_retrain():
    sql("DELETE FROM models")
    r = call("GET", "/api/models/current", token=token())
    expect_error(r, 404, "NOT_FOUND")
    assert "no model" in r.json()["error"]["message"]
    r = call("GET", "/api/models", token=token())
    expect_status(r, 200)
    assert r.json() == {"items": [], "next_cursor": None}, r.json()


@test
def labels_are_written_once():
    # no labelled signals yet (the unit tests leave none): nothing to train
    p = job("retrain")
    expect_ok(p, "retrain before any label")
    assert log_of(p, "retrain finished")["outcome"] == "not_enough_rows"
    assert models() == 0
    sym = random_symbol("ML")
    _state["symbol"] = sym
    import_rows(sym, sp500_rows()[:500])
    sid = symbol_id(sym)
    sql(SIGNALS_SQL, sid)
    assert int(sql_value("SELECT count(*) FROM signals WHERE symbol_id = :'p1'", sid)) == 400
    p = job("label-signals", "--dry-run")
    expect_ok(p, "label-signals --dry-run")
    assert labelled(sym) == 0, "a dry run wrote labels"
    p = job("label-signals")
    expect_ok(p, "label-signals")
    assert labelled(sym) == 400
    # bar 60 (2000-03-29 in the fixture) against bar 65, by hand
    rows = sp500_rows()
    c0, c5 = float(rows[59]["close"]), float(rows[64]["close"])
    ret, rec, out = sql("SELECT realised_return, recommendation, outcome FROM signals "
                        "WHERE symbol_id = :'p1' AND day = :'p2'", sid, rows[59]["date"])[0]
    assert float(ret) == c5 / c0 - 1, (ret, c5 / c0 - 1)
    want = {"buy": "win" if c5 / c0 - 1 > 0.005 else "loss" if c5 / c0 - 1 < -0.005 else "flat",
            "sell": "win" if c5 / c0 - 1 < -0.005 else "loss" if c5 / c0 - 1 > 0.005 else "flat",
            "hold": "win" if abs(c5 / c0 - 1) <= 0.005 else "loss"}[rec]
    assert out == want, (rec, ret, out)
    before = sql_value(DIGEST_SQL, sid)
    p = job("label-signals")
    expect_ok(p, "label-signals again")
    assert log_of(p, "signals labelled")["labelled"] == "0"
    after = sql_value(DIGEST_SQL, sid)
    assert after == before, "relabelling changed labels"


@test
def retrain_needs_enough_rows_and_a_dry_run_stores_nothing():
    p = job("retrain", RETRAIN_MIN_ROWS="100000000")
    expect_ok(p, "retrain (too few rows)")
    line = log_of(p, "retrain finished")
    assert line["outcome"] == "not_enough_rows" and "version" not in line, line
    assert line["decision"].startswith("not enough rows: "), line
    p = job("retrain", RETRAIN_HOLDOUT="1.5")
    assert p.returncode == 1, f"a bad setting must fail the run: {p.stderr[-500:]}"
    assert "RETRAIN_HOLDOUT" in p.stderr
    p = job("retrain", "--dry-run")
    expect_ok(p, "retrain --dry-run")
    line = log_of(p, "retrain finished")
    # (the stack's jobs loop may have trained on these data just before)
    assert line["outcome"] in ("dry_run", "unchanged"), line
    if line["outcome"] == "dry_run":
        assert line["promoted"] is True and 0 <= line["auc"] <= 1, line
        assert sql_value("SELECT count(*) FROM models WHERE data_hash = :'p1'",
                         line["data_hash"]) == "0", "a dry run stored its model"


@test
def retrain_stores_and_promotes_the_first_model():
    p = job("retrain")
    expect_ok(p, "retrain")
    line = log_of(p, "retrain finished")
    # the jobs loop may have trained on the same data first: then unchanged
    assert line["outcome"] in ("stored", "unchanged"), line
    assert models() == 1
    version = int(sql_value("SELECT version FROM models"))
    _state["version"] = version
    r = call("GET", "/api/models/current", token=token())
    expect_status(r, 200)
    m = r.json()
    assert m["version"] == version and m["current"] is True and m["promoted"] is True
    assert m["decision"] == "promoted: the first model" and m["baseline"] is None
    assert m["feature_set"] == 1
    assert [f["name"] for f in m["features"]] == FEATURES
    row = sql("SELECT coefficients::text, means::text, stds::text, auc, accuracy, log_loss, "
              "training_rows, holdout_rows, lambda FROM models WHERE version = :'p1'", version)[0]
    coef = json.loads(row[0])
    assert m["intercept"] == coef["intercept"]
    assert [f["coefficient"] for f in m["features"]] == coef["weights"]
    assert [f["mean"] for f in m["features"]] == json.loads(row[1])
    assert [f["std"] for f in m["features"]] == json.loads(row[2])
    assert all(f["std"] > 0 for f in m["features"])
    # features no signal here has (sma200, strategies but momentum) weigh nothing
    by_name = {f["name"]: f for f in m["features"]}
    assert by_name["close_sma200"]["coefficient"] == 0
    assert by_name["strategy_value"]["coefficient"] == 0
    assert by_name["close_sma20"]["coefficient"] != 0
    met = m["metrics"]
    # the stored full-precision metrics, shown to four decimals
    for name, stored in (("auc", row[3]), ("accuracy", row[4]), ("log_loss", row[5])):
        assert abs(met[name] - float(stored)) <= 0.5e-4 + 1e-12, (name, met, stored)
        assert met[name] == round(met[name], 4) and len(repr(met[name])) <= 7, (name, met)
    assert 0 <= met["auc"] <= 1
    assert m["training"]["rows"] == int(row[6]) and met["holdout_rows"] == int(row[7])
    total = m["training"]["rows"] + met["holdout_rows"]
    assert met["holdout_rows"] == math.floor(0.2 * total), (met, total)
    assert total >= 400
    assert m["training"]["lambda"] == 0.01 and m["training"]["converged"] is True
    assert m["data"]["first_day"] <= m["data"]["holdout_day"] <= m["data"]["last_day"]
    assert m["trained_at"].endswith("Z")
    # each holdout metric beside its baseline: always answering the holdout's
    # majority class, and the recommendation alone (training win rates of
    # each strategy and recommendation)
    wins, n = met["holdout_wins"], met["holdout_rows"]
    assert met["majority_accuracy"] == round(max(wins, n - wins) / n, 4), met
    labelled = sql("SELECT strategy, recommendation, outcome = 'win' FROM signals "
                   "WHERE outcome IS NOT NULL AND day <= :'p1'::date ORDER BY day, id",
                   m["data"]["last_day"])
    if len(labelled) == total:      # the data the model saw (no label added since)
        assert abs(met["recommendation_auc"] - recommendation_auc(labelled, n)) < 1e-4, met
    assert 0 <= met["recommendation_auc"] <= 1, met


def recommendation_auc(rows, holdout):
    """The holdout AUC of the training win rate of each (strategy,
    recommendation), as model_train.c computes it: Mann-Whitney, ties 1/2."""
    train, hold = rows[:-holdout], rows[-holdout:]
    rate, overall = {}, sum(r[2] == "t" for r in train) / len(train)
    for key in {(r[0], r[1]) for r in train}:
        group = [r for r in train if (r[0], r[1]) == key]
        rate[key] = sum(r[2] == "t" for r in group) / len(group)
    scored = [(rate.get((r[0], r[1]), overall), r[2] == "t") for r in hold]
    pos = [s for s, y in scored if y]
    neg = [s for s, y in scored if not y]
    pairs = sum((p > q) + 0.5 * (p == q) for p in pos for q in neg)
    return pairs / (len(pos) * len(neg))


@test
def retraining_the_same_data_stores_nothing():
    p = job("retrain")
    expect_ok(p, "retrain again")
    line = log_of(p, "retrain finished")
    assert line["outcome"] == "unchanged" and line["version"] == _state["version"], line
    assert models() == 1


@test
def the_history_pages_newest_first():
    v = _state["version"]
    for k in (1, 2):
        sql("INSERT INTO models (version, feature_set, features, coefficients, means, stds, "
            "lambda, holdout_fraction, training_rows, training_wins, holdout_rows, holdout_wins, "
            "auc, accuracy, log_loss, iterations, converged, first_day, holdout_day, last_day, "
            "data_hash, promoted, baseline_version, baseline_auc, baseline_log_loss, decision) "
            "SELECT version + :'p2', feature_set, features, coefficients, means, stds, lambda, "
            "holdout_fraction, training_rows, training_wins, holdout_rows, holdout_wins, auc, "
            "accuracy, log_loss, iterations, converged, first_day, holdout_day, last_day, "
            "repeat(:'p2', 64), false, version, auc, log_loss, 'not promoted: api test copy' "
            "FROM models WHERE version = :'p1'", v, k)
    seen, cursor = [], None
    for _ in range(4):
        path = "/api/models?limit=1" + (f"&cursor={cursor}" if cursor else "")
        r = call("GET", path, token=token())
        expect_status(r, 200)
        page = r.json()
        assert set(page) == {"items", "next_cursor"} and len(page["items"]) == 1, page
        seen.append(page["items"][0])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [m["version"] for m in seen] == [v + 2, v + 1, v]
    assert [m["current"] for m in seen] == [False, False, True]
    assert seen[0]["baseline"] == {"version": v, "auc": seen[2]["metrics"]["auc"],
                                   "log_loss": seen[2]["metrics"]["log_loss"]}
    assert "features" not in seen[0] and "intercept" not in seen[0]
    r = call("GET", "/api/models", token=token())
    expect_status(r, 200)
    assert [m["version"] for m in r.json()["items"]] == [v + 2, v + 1, v]
    assert r.json()["next_cursor"] is None
    # the current model is still the promoted one
    r = call("GET", "/api/models/current", token=token())
    assert r.json()["version"] == v


@test
def bad_queries_are_refused():
    t = token()
    for q, field in (("limit=0", "limit"), ("limit=101", "limit"), ("limit=x", "limit"),
                     ("limit=1.5", "limit"), ("cursor=0", "cursor"), ("cursor=-3", "cursor"),
                     ("cursor=abc", "cursor"), ("cursor=99999999999", "cursor"),
                     ("cursor=1%27%20OR%201=1", "cursor"), ("foo=1", "foo"),
                     ("limit=1&limit=2", "limit")):
        expect_error(call("GET", f"/api/models?{q}", token=t), 422, "VALIDATION_FAILED", field)
    expect_error(call("GET", "/api/models/current?version=1", token=t), 422,
                 "VALIDATION_FAILED", "version")
    r = call("POST", "/api/models", token=t, body={})
    expect_error(r, 405, "METHOD_NOT_ALLOWED")
    assert "GET" in (r.header("allow") or "")
    expect_error(call("GET", "/api/models/2", token=t), 404, "NOT_FOUND")


@test
def cleanup():
    if "symbol" in _state:
        sql("DELETE FROM symbols WHERE symbol = :'p1'", _state["symbol"])
    sql("DELETE FROM models")
    assert models() == 0
