#!/usr/bin/env bash
# bench.sh: `make bench`. Brings a stack up in a temporary directory on free
# ports with rate limits off (which adds nginx's /__ceiling location), runs
# wrk over HTTPS with keep-alive against each line of tests/bench/benches.txt
# (tests/bench/bench.py: the nginx ceiling first, then /health, ...), prints
# req/s, p50/p99 latency, the ratio to the ceiling, CPU time per request and
# the resident memory of each FastCGI worker, writes the same table to
# BENCH_OUT, and tears the stack down.
#
# Knobs (environment):
#   BUILD_DIR (build: the release build `make bench` has just made)
#   WORKERS NGINX_WORKERS FCGI_KEEPALIVE: the stack's sizing (defaults below;
#     FCGI_KEEPALIVE=N keeps N FastCGI connections per binary and nginx worker)
#   BENCH_SECONDS (5) BENCH_ROUNDS (3): each line runs that long in each
#     round, the lines in turn; medians are shown
#   BENCH_CONNECTIONS (32) BENCH_THREADS (2) BENCH_WARMUP (2, seconds a line)
#   BENCH_ONLY (names, comma-separated; the ceiling always runs)
#   BENCH_STREAM_SUBSCRIBERS (1000): the live stream's fan-out line
#   BENCH_OUT (BUILD_DIR/bench/results.txt)
#   BENCH_KEEP=1: leave the stack running (its directory is printed)
#
# Exit status: 0 when every line was measured, whether or not it met its
# target; 1 when the bench could not run (no wrk, the stack did not come up,
# a line could not be measured).
set -euo pipefail

PROG=bench.sh
export PROG
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
cd "$repo"

PY=/usr/bin/python3
BUILD_DIR=${BUILD_DIR:-build}
# The sizing that measured best on two cores (README, Testing): 4 workers
# per binary, one nginx worker, and no kept FastCGI connections. A kept
# connection pins a worker that serves one connection at a time, so the
# requests queued behind it wait while other workers idle: throughput
# within the noise, p99 latency ten to a hundred times longer.
WORKERS=${WORKERS:-4}
NGINX_WORKERS=${NGINX_WORKERS:-1}
[[ $WORKERS =~ ^[1-9][0-9]*$ && $NGINX_WORKERS =~ ^[1-9][0-9]*$ ]] ||
	die "WORKERS and NGINX_WORKERS must be positive numbers"
FCGI_KEEPALIVE=${FCGI_KEEPALIVE:-0}
BENCH_OUT=${BENCH_OUT:-$BUILD_DIR/bench/results.txt}
export BUILD_DIR WORKERS NGINX_WORKERS FCGI_KEEPALIVE BENCH_OUT

free_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

command -v wrk >/dev/null || die "wrk not found: run make deps (or apt-get install wrk)"
[ -x "$PY" ] || die "$PY not found: run make deps"
[ -x "$BUILD_DIR/cli/edgescout" ] || die "no $BUILD_DIR/cli/edgescout: run make all first"

T=$(mktemp -d /tmp/edgescout-bench.XXXXXX)
chmod 755 "$T"
# Stop the stack; keep its directory (logs) when something failed.
teardown() {
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		say "the stack is still up in $T (scripts/stack.sh down $T)"
		return
	fi
	scripts/stack.sh down "$T" >/dev/null 2>&1 || true
	if [ "$1" -eq 0 ]; then
		rm -rf "$T"
	else
		warn "logs kept in $T/log"
	fi
}
trap 'teardown $?' EXIT
trap 'exit 130' INT TERM

# Access tokens outlive a long run of many rounds.
printf 'ACCESS_TOKEN_TTL=3600\n' >"$T/bench.env"
say "== stack up in $T ($WORKERS FastCGI workers per binary, $NGINX_WORKERS nginx worker(s), FastCGI keepalive $FCGI_KEEPALIVE)"
if ! RATE_LIMITS=off APP_ENV=development EXTRA_ENV="$T/bench.env" \
	PORT=$(free_port) HTTP_PORT=$(free_port) PGPORT=$(free_port) \
	scripts/stack.sh up "$T" >"$T/stack-up.log" 2>&1; then
	cat "$T/stack-up.log" >&2
	die "the stack did not come up"
fi

# Real data for the analysis lines (the S&P 500 series as ^GSPC, cached after
# the first call; copies of it as BENCHA..BENCHE for the run line and as
# NOCACHE, whose analyses a trigger of this stack only keeps out of the
# cache, for the uncached line), and daily quotas out of the way: wrk sends
# thousands.
BENCH_SQL="
UPDATE tier_quotas SET daily_limit = 2000000000;
INSERT INTO symbols (symbol) VALUES ('BENCHA'), ('BENCHB'), ('BENCHC'), ('BENCHD'),
	('BENCHE'), ('NOCACHE');
INSERT INTO candles (symbol_id, date, open, high, low, close, adjclose, volume, source)
	SELECT n.id, c.date, c.open, c.high, c.low, c.close, c.adjclose, c.volume, c.source
	FROM candles c JOIN symbols g ON g.id = c.symbol_id AND g.symbol = '^GSPC',
	     symbols n WHERE n.symbol IN ('BENCHA', 'BENCHB', 'BENCHC', 'BENCHD', 'BENCHE',
	                                  'NOCACHE');
CREATE FUNCTION bench_keep_out() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
	IF NEW.symbol_id = (SELECT id FROM symbols WHERE symbol = 'NOCACHE') THEN
		RETURN NULL;
	END IF;
	RETURN NEW;
END \$\$;
CREATE TRIGGER bench_keep_out BEFORE INSERT ON analyses FOR EACH ROW
	EXECUTE FUNCTION bench_keep_out();"
(
	set -a
	. "$T/etc/edgescout.env"
	set +a
	STACK_USER=$(stat -c %U "$T") as_user env EDGESCOUT_ENV_FILE="$T/etc/edgescout.env" \
		"$T/bin/edgescout" market demo >/dev/null
	STACK_USER=$(stat -c %U "$T") as_user env EDGESCOUT_ENV_FILE="$T/etc/edgescout.env" \
		ODDS_API_KEY= "$T/bin/edgescout" odds demo >/dev/null
	STACK_USER=$(stat -c %U "$T") as_user env EDGESCOUT_ENV_FILE="$T/etc/edgescout.env" \
		"$T/bin/edgescout" deals demo >/dev/null
	STACK_USER=$(stat -c %U "$T") as_user psql -q -v ON_ERROR_STOP=1 \
		"$DATABASE_OWNER_URL" -c "$BENCH_SQL" >/dev/null
) || die "could not load the bench's series or lift the quotas for the bench"

say "== wrk: ${BENCH_ROUNDS:-3} round(s) of ${BENCH_SECONDS:-5} s a line, ${BENCH_CONNECTIONS:-32} connections, ${BENCH_THREADS:-2} threads"
rc=0
STACK_ENV="$T/stack.env" \
	BENCH_SIZING="$WORKERS FastCGI workers per binary, $NGINX_WORKERS nginx worker(s), FastCGI keepalive $FCGI_KEEPALIVE per binary and nginx worker; build $BUILD_DIR ($("$BUILD_DIR/cli/edgescout" --version 2>/dev/null | head -n 1 || echo unknown))" \
	"$PY" tests/bench/bench.py || rc=$?

say ""
say "live stream: one event to ${BENCH_STREAM_SUBSCRIBERS:-1000} concurrent SSE subscribers (nginx nchan):"
if ! STACK_ENV="$T/stack.env" BENCH_OUT="${BENCH_OUT:-build/bench/results.txt}" \
	"$PY" tests/bench/stream_fanout.py "${BENCH_STREAM_SUBSCRIBERS:-1000}"; then
	warn "the stream fan-out could not be measured"
	rc=1
fi
say ""
say "indicator throughput over the S&P 500 series (one core; target: core set >= 10 M bars/s):"
if [ -x "$BUILD_DIR/tests/bench/bench_indicators" ]; then
	"$BUILD_DIR/tests/bench/bench_indicators" tests/fixtures/sp500-2000.csv 2>/dev/null |
		awk '{ printf "  %-32s %12.0f bars/s  (%.1f M)%s\n", $1, $2, $2 / 1e6,
		       ($1 ~ /core/ ? ($2 >= 1e7 ? "  met" : "  NOT met") : "") }' |
		tee -a "${BENCH_OUT:-build/bench/results.txt}"
else
	warn "no $BUILD_DIR/tests/bench/bench_indicators (make benchbin)"
fi
say ""
say "backtest of one symbol over twenty years of daily bars (the S&P 500 series, CPU time; target: under 50 ms):"
if [ -x "$BUILD_DIR/tests/bench/bench_backtest" ]; then
	"$BUILD_DIR/tests/bench/bench_backtest" tests/fixtures/sp500-2000.csv 2>/dev/null |
		awk '{ printf "  %-32s %10.2f ms%s\n", $1, $2, ($2 < 50 ? "  met" : "  NOT met") }' |
		tee -a "${BENCH_OUT:-build/bench/results.txt}"
else
	warn "no $BUILD_DIR/tests/bench/bench_backtest (make benchbin)"
fi
say ""
say "market import: ${BENCH_IMPORT_ROWS:-1000000} rows over several symbols, one command (target: under 30 s):"
I="$T/import"
mkdir -p "$I" && chmod 755 "$I"
if "$PY" tests/bench/import_files.py "$I" "${BENCH_IMPORT_ROWS:-1000000}" >"$I/args"; then
	mapfile -t import_args <"$I/args"
	t0=$(date +%s.%N)
	if STACK_USER=$(stat -c %U "$T") as_user env EDGESCOUT_ENV_FILE="$T/etc/edgescout.env" \
		"$T/bin/edgescout" market import "${import_args[@]}" >"$I/out" 2>&1; then
		t1=$(date +%s.%N)
		awk -v a="$t0" -v b="$t1" -v n="${BENCH_IMPORT_ROWS:-1000000}" 'BEGIN {
			s = b - a; printf "  %-32s %12.1f s  (%.0f rows/s)%s\n", "market import", s, n / s,
			(s < 30 ? "  met" : "  NOT met") }' | tee -a "${BENCH_OUT:-build/bench/results.txt}"
	else
		warn "the import failed: $(tail -n 1 "$I/out")"
		rc=1
	fi
else
	warn "could not write the import files"
	rc=1
fi
rm -rf "$I"

say ""
say "devig + EV over 10,000 events x 10 books x 3 markets (600,000 prices, one core):"
if [ -x "$BUILD_DIR/tests/bench/bench_devig" ]; then
	"$BUILD_DIR/tests/bench/bench_devig" 2>/dev/null | awk '/_seconds / { printf "  %-36s %8.3f s\n", $1, $2 }' |
		tee -a "${BENCH_OUT:-build/bench/results.txt}"
else
	warn "no $BUILD_DIR/tests/bench/bench_devig (make benchbin)"
fi
say ""
say "deal score of 100,000 listings against their comparables (500 searches x 200, one core):"
if [ -x "$BUILD_DIR/tests/bench/bench_deals" ]; then
	"$BUILD_DIR/tests/bench/bench_deals" 2>/dev/null |
		awk '/_seconds / { s = $2 } /_per_sec / { printf "  %-36s %8.3f s  (%.0f listings/s)\n", "deals_score", s, $2 }' |
		tee -a "${BENCH_OUT:-build/bench/results.txt}"
else
	warn "no $BUILD_DIR/tests/bench/bench_deals (make benchbin)"
fi
exit "$rc"
