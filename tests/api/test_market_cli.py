"""`edgescout market import|refresh|demo` against the stack's database: the
S&P 500 file imported whole and idempotently, several symbols in one import,
malformed files refused with their line number and nothing stored (future
dates, fractional volumes and duplicate dates each with its own message),
refresh through the file:// CSV provider, and the demo series."""

import os
import random
import shutil
import string
import tempfile

from accounts import sql, sql_value
from lib import STACK, run_as_stack_user, test

EDGESCOUT = os.path.join(STACK.get("BIN_DIR", ""), "edgescout")
SAFE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
SAN_KEYS = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")
HERE = os.path.dirname(os.path.abspath(__file__))
SP500 = os.path.join(HERE, "..", "fixtures", "sp500-2000.csv")
PROVIDERS = os.path.join(HERE, "..", "fixtures", "providers")


def cli(*args, env=None):
    """`edgescout ARGS` as the stack's account with its env file (env on top)."""
    e = {"PATH": SAFE_PATH, "LANG": "C.UTF-8", "EDGESCOUT_ENV_FILE": STACK["ENV_FILE"]}
    e.update({k: os.environ[k] for k in SAN_KEYS if k in os.environ})
    e.update(env or {})
    return run_as_stack_user([EDGESCOUT] + list(args), env=e, cwd="/", timeout=120)


def expect_rc(p, rc, what):
    assert p.returncode == rc, \
        f"{what}: exit {p.returncode}, expected {rc}\nstdout: {p.stdout}\nstderr: {p.stderr}"


def new_symbol(prefix="CL"):
    return prefix + "".join(random.choice(string.ascii_uppercase) for _ in range(6))


def candle_count(symbol):
    return int(sql_value("SELECT count(*) FROM candles c JOIN symbols s ON s.id = c.symbol_id "
                         "WHERE s.symbol = :'p1'", symbol))


def symbol_exists(symbol):
    return sql_value("SELECT count(*) FROM symbols WHERE symbol = :'p1'", symbol) == "1"


class Scratch:
    """A directory the stack's account can read, removed afterwards."""

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="market-cli-")
        os.chmod(self.dir, 0o755)
        return self

    def write(self, name, data):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        os.chmod(path, 0o644)
        return path

    def __exit__(self, *exc):
        shutil.rmtree(self.dir, ignore_errors=True)


def sp500_lines():
    with open(SP500, "rb") as f:
        return f.read().split(b"\n")


@test
def importing_the_sp500_file_is_whole_and_idempotent():
    sym = new_symbol()
    p = cli("market", "import", "--symbol", sym, SP500)
    expect_rc(p, 0, "import")
    assert p.stdout == f"{sym}: 5105 candles (5105 changed) from {SP500}\n", p.stdout
    assert p.stderr == "", f"progress only on a terminal: {p.stderr!r}"
    assert candle_count(sym) == 5105
    rows = sql("SELECT to_char(c.date, 'YYYY-MM-DD'), c.open, c.high, c.low, c.close, "
               "c.adjclose, c.volume, c.source FROM candles c JOIN symbols s "
               "ON s.id = c.symbol_id WHERE s.symbol = :'p1' ORDER BY c.date", sym)
    assert rows[0] == ["2000-01-03", "1469.25", "1478", "1438.359985", "1455.219971",
                       "1455.219971", "931800000", "csv"], rows[0]
    assert rows[-1] == ["2020-04-17", "2842.429932", "2879.219971", "2830.879883",
                        "2874.560059", "2874.560059", "5792140000", "csv"], rows[-1]
    # every value of the file, as a number, is in the database
    lines = sp500_lines()
    assert lines[0] == b"date,open,high,low,close,adjclose,volume"
    data = [l.decode().split(",") for l in lines[1:] if l]
    assert len(data) == len(rows) == 5105
    for want, got in zip(data, rows):
        assert got[0] == want[0], (want, got)
        assert [float(x) for x in got[1:6]] == [float(x) for x in want[1:6]], (want, got)
        assert got[6] == want[6], (want, got)
    before = sql_value("SELECT max(c.updated_at) FROM candles c JOIN symbols s "
                       "ON s.id = c.symbol_id WHERE s.symbol = :'p1'", sym)
    p = cli("market", "import", "--symbol", sym, SP500)
    expect_rc(p, 0, "second import")
    assert p.stdout == f"{sym}: 5105 candles (0 changed) from {SP500}\n", p.stdout
    after = sql_value("SELECT max(c.updated_at) FROM candles c JOIN symbols s "
                      "ON s.id = c.symbol_id WHERE s.symbol = :'p1'", sym)
    assert before == after and candle_count(sym) == 5105


@test
def a_malformed_file_is_refused_with_its_line_and_nothing_stored():
    lines = sp500_lines()
    sym = new_symbol()
    with Scratch() as s:
        broken = list(lines)
        broken[99] = b"2000-05-24,1400.719971,abc,1361.089966,1399.050049,1399.050049,1152300000"
        bad_price = s.write("bad-price.csv", b"\n".join(broken))
        swapped = list(lines)
        swapped[3000], swapped[3001] = swapped[3001], swapped[3000]
        unsorted = s.write("unsorted.csv", b"\n".join(swapped))
        negative = list(lines)
        negative[4999] = b"2019-11-22,-3111.409912,3112.870117,3099.260010,3110.290039," \
                         b"3110.290039,3226780000"
        neg = s.write("negative.csv", b"\n".join(negative))
        cases = ((bad_price, "line 100"), (unsorted, "line 3002"), (neg, "line 5000"),
                 (s.write("header.csv", "date,open,high,low,close,volume\n"), "no"),
                 (s.write("html.csv", "<html><body>502 Bad Gateway</body></html>\n"), ""),
                 (s.write("empty.csv", ""), ""),
                 (os.path.join(PROVIDERS, "csv_duplicate.csv"), "line"),
                 (os.path.join(s.dir, "missing.csv"), "cannot read"))
        for path, needle in cases:
            p = cli("market", "import", "--symbol", sym, path)
            expect_rc(p, 1, path)
            assert p.stdout == "", p.stdout
            first = p.stderr.splitlines()[0]
            assert first.startswith("edgescout: market: ") and needle in first, first
            assert not symbol_exists(sym), f"{path}: symbol row left behind"
        # a bad file for a symbol that has data leaves the data as it was
        expect_rc(cli("market", "import", "--symbol", sym,
                      os.path.join(PROVIDERS, "csv_ok.csv")), 0, "good import")
        before = sql("SELECT c.date, c.close, c.updated_at FROM candles c JOIN symbols s "
                     "ON s.id = c.symbol_id WHERE s.symbol = :'p1' ORDER BY c.date", sym)
        expect_rc(cli("market", "import", "--symbol", sym, bad_price), 1, "bad after good")
        after = sql("SELECT c.date, c.close, c.updated_at FROM candles c JOIN symbols s "
                    "ON s.id = c.symbol_id WHERE s.symbol = :'p1' ORDER BY c.date", sym)
        assert before == after and len(after) == 10


@test
def several_symbols_import_together_or_not_at_all():
    a, b = new_symbol(), new_symbol()
    ok = os.path.join(PROVIDERS, "csv_ok.csv")
    p = cli("market", "import", "--symbol", a, SP500, "--symbol", b, ok)
    expect_rc(p, 0, "two symbols")
    out = p.stdout.splitlines()
    assert out[0] == f"{a}: 5105 candles (5105 changed) from {SP500}", p.stdout
    assert out[1] == f"{b}: 10 candles (10 changed) from {ok}", p.stdout
    assert out[2].startswith("5115 candles of 2 symbols in ") and out[2].endswith(" rows/s)"), \
        p.stdout
    assert candle_count(a) == 5105 and candle_count(b) == 10
    assert sql_value("SELECT count(*) FROM candles_import") == "0"
    # again: nothing changes; with one bad file: nothing of the good one either
    p = cli("market", "import", "--symbol", b, ok, "--symbol", a, SP500)
    expect_rc(p, 0, "again")
    assert p.stdout.splitlines()[:2] == [f"{b}: 10 candles (0 changed) from {ok}",
                                         f"{a}: 5105 candles (0 changed) from {SP500}"], p.stdout
    c = new_symbol()
    with Scratch() as s:
        bad = s.write("bad.csv", "date,open,high,low,close,volume\n2020-01-02,1,2,1,1.5,7.5\n")
        p = cli("market", "import", "--symbol", c, ok, "--symbol", new_symbol(), bad)
        expect_rc(p, 1, "one bad file")
        assert p.stdout == "" and "bad.csv: line 2: volume is not a whole number" in p.stderr, \
            p.stderr
        assert not symbol_exists(c)


@test
def future_dates_fractional_volumes_and_duplicate_dates_have_their_own_messages():
    sym = new_symbol()
    head = "date,open,high,low,close,adjclose,volume\n"
    row = "{},10,11,9,10.5,10.5,{}\n"
    cases = (
        (row.format("2020-01-02", 100) + row.format("2073-01-02", 100),
         "line 3: date 2073-01-02 is in the future (after tomorrow, UTC)"),
        (row.format("2020-01-02", "1234.5"), "line 2: volume is not a whole number of shares"),
        (row.format("2020-01-02", 1) + row.format("2020-01-03", 1) + row.format("2020-01-02", 1),
         "line 4: duplicate date 2020-01-02 (also on line 2)"),
        (row.format("2020-01-03", 1) + row.format("2020-01-02", 1),
         "line 3: date 2020-01-02 is before the previous row's 2020-01-03"),
    )
    with Scratch() as s:
        for body, message in cases:
            path = s.write("f.csv", head + body)
            p = cli("market", "import", "--symbol", sym, path)
            expect_rc(p, 1, message)
            assert p.stderr.startswith(f"edgescout: market: {path}: {message}"), p.stderr
            assert p.stderr.rstrip().endswith("nothing stored"), p.stderr
            assert not symbol_exists(sym)


@test
def import_usage_errors_exit_2():
    p = cli("market", "--help")
    expect_rc(p, 0, "help")
    assert p.stdout.startswith("usage: edgescout market") and p.stderr == ""
    expect_rc(cli("market"), 2, "no subcommand")
    for args in (["import", SP500], ["import", "--symbol", "AAPL"], ["import", "--symbol"],
                 ["import", "--symbol", "aapl-", SP500], ["import", "--symbol", "A'--", SP500],
                 ["import", "--symbol", "AAPL", SP500, SP500], ["import", "--frob"],
                 ["import", "--symbol", "AAPL", SP500, "--symbol", "AAPL", SP500],
                 ["import", "--symbol", "AAPL", SP500, "--symbol", "MSFT"],
                 ["refresh"], ["refresh", "bad symbol"], ["refresh", "AAPL", "MSFT"],
                 ["refresh", "AAPL", "--frob"], ["demo", "--frob"], ["frobnicate"]):
        p = cli("market", *args)
        expect_rc(p, 2, " ".join(args))
        assert p.stdout == "" and p.stderr.startswith("edgescout: market: "), p.stderr


@test
def refresh_reads_the_csv_provider_through_file_urls():
    sym = new_symbol("RF")
    with Scratch() as s:
        with open(os.path.join(PROVIDERS, "csv_ok.csv"), "rb") as f:
            s.write(f"{sym}.csv", f.read())
        env = {"MARKET_PROVIDERS": "alphavantage,csv",
               "MARKET_CSV_URL_TEMPLATE": f"file://{s.dir}/{{symbol}}.csv"}
        calls = int(sql_value("SELECT count(*) FROM provider_calls WHERE provider = 'csv'"))
        p = cli("market", "refresh", sym, env=env)
        expect_rc(p, 0, "refresh")
        out = p.stdout.splitlines()
        assert out[0] == f"{sym}: 10 candles (10 changed) from csv", p.stdout
        assert "ALPHAVANTAGE_API_KEY is not set" in p.stdout, p.stdout
        assert candle_count(sym) == 10
        assert sql_value("SELECT DISTINCT c.source FROM candles c JOIN symbols s "
                         "ON s.id = c.symbol_id WHERE s.symbol = :'p1'", sym) == "csv"
        assert int(sql_value("SELECT count(*) FROM provider_calls "
                             "WHERE provider = 'csv'")) == calls + 1
        # the cached reply within MARKET_CACHE_TTL; --force reads the file again
        p = cli("market", "refresh", sym, env=env)
        expect_rc(p, 0, "cached refresh")
        assert p.stdout.startswith(f"{sym}: 10 candles (0 changed) from csv"), p.stdout
        assert int(sql_value("SELECT count(*) FROM provider_calls "
                             "WHERE provider = 'csv'")) == calls + 1
        p = cli("market", "refresh", sym, "--force", env=env)
        expect_rc(p, 0, "forced refresh")
        assert int(sql_value("SELECT count(*) FROM provider_calls "
                             "WHERE provider = 'csv'")) == calls + 2
        # a symbol without a file, and no provider at all
        other = new_symbol("RF")
        p = cli("market", "refresh", other, env=env)
        expect_rc(p, 1, "missing file")
        assert p.stdout == "" and p.stderr.startswith(f"edgescout: market: {other}: unavailable"), \
            p.stderr
        assert "csv: " in p.stderr and not symbol_exists(other)
        p = cli("market", "refresh", other, "--providers", "finnhub")
        expect_rc(p, 1, "no provider")
        assert "FINNHUB_API_KEY is not set" in p.stderr, p.stderr
        # a malformed file through the provider: refused, earlier data intact
        s.write(f"{sym}.csv", "date,open,high,low,close,volume\n2020-04-20,1,2,x,1,5\n")
        p = cli("market", "refresh", sym, "--force", env=env)
        expect_rc(p, 1, "bad provider file")
        assert "bad_response" in p.stderr and "line 2" in p.stderr, p.stderr
        assert candle_count(sym) == 10


@test
def the_demo_loads_the_sp500_as_gspc_and_apple_as_aapl():
    p = cli("market", "demo")
    expect_rc(p, 0, "demo")
    first, second = p.stdout.splitlines()[:2]
    assert first.startswith("^GSPC: 5105 candles (") and first.endswith(" changed) from csv"), \
        p.stdout
    assert second.startswith("AAPL: 1260 candles (") and second.endswith(" changed) from csv"), \
        p.stdout
    assert candle_count("^GSPC") == 5105 and candle_count("AAPL") >= 1260
    p = cli("market", "demo")
    expect_rc(p, 0, "demo again")
    assert p.stdout.splitlines() == ["^GSPC: 5105 candles (0 changed) from csv",
                                     "AAPL: 1260 candles (0 changed) from csv"], p.stdout
    endpoints = [r[0] for r in sql("SELECT endpoint FROM provider_calls WHERE provider = 'csv' "
                                   "ORDER BY id DESC LIMIT 2")]
    assert endpoints == [f"file://{STACK['DIR']}/share/aapl-2013.csv",
                         f"file://{STACK['DIR']}/share/sp500-2000.csv"], endpoints
    # the shipped files are the ones data/README.md describes
    rows = sql("SELECT min(c.date)::text, max(c.date)::text, count(*) FROM candles c "
               "JOIN symbols s ON s.id = c.symbol_id WHERE s.symbol = 'AAPL' "
               "AND c.date BETWEEN '2013-05-13' AND '2018-05-11'")
    assert rows == [["2013-05-13", "2018-05-11", "1260"]], rows
    p = cli("market", "demo", "--csv", "/nonexistent/sp500.csv")
    expect_rc(p, 1, "demo without its file")
    assert "cannot read /nonexistent/sp500.csv" in p.stderr, p.stderr
    assert candle_count("^GSPC") == 5105
