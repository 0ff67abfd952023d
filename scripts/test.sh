#!/usr/bin/env bash
# make test: build with AddressSanitizer and UndefinedBehaviorSanitizer, bring
# a whole stack up in a temporary directory on free ports, run every unit and
# API test against it, tear it down, and end with `N passed, N failed`.
# It says what it does as it goes: a line per phase (with the seconds so far),
# a line per unit test binary and per API test as each ends, then the faults
# under load (tests/faults/faults.py --short) against the same stack.
# Knobs (for a shorter run): UNIT_TESTS (the unit test binaries, default
# build-san/tests/unit/test_*), API_TESTS (the API test files, default all).
set -uo pipefail
cd "$(dirname "$0")/.."

PY=/usr/bin/python3
passed=0
failed=0
failures=()

note_result() {        # name passed failed
	passed=$((passed + $2))
	failed=$((failed + $3))
	[ "$3" -gt 0 ] && failures+=("$1")
	return 0
}

finish() {
	[ ${#failures[@]} -gt 0 ] && printf 'failed: %s\n' "${failures[*]}"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

START=$SECONDS
phase() {
	echo "== $* (at ${SECONDS}s)"
}

free_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

phase "build (sanitizers; a few minutes from scratch)"
if ! make -s --no-print-directory SAN=1 -j"$(nproc)" all unit; then
	note_result build 0 1
	finish
fi
echo "built in $((SECONDS - START))s"

phase "layers"
# includes point down in common/, and cron jobs and the CLI link no web code
layers_out=$("$PY" tests/layers/test_layers.py build-san 2>&1)
echo "$layers_out"
p=$(sed -n 's/^layers: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' <<<"$layers_out")
f=$(sed -n 's/^layers: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' <<<"$layers_out")
[ -z "$p" ] && { p=0; f=1; }
note_result layers "$p" "$f"

T=$(mktemp -d /tmp/edgescout-test.XXXXXX)
chmod 755 "$T"
teardown() {
	scripts/stack.sh down "$T" >/dev/null 2>&1 || true
}
trap teardown EXIT

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:log_path=$T/log/sanitizer"
export UBSAN_OPTIONS="print_stacktrace=1:log_path=$T/log/sanitizer"
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp"
# billing talks to the Stripe stand-in that tests/api/test_billing.py starts on this port
export STRIPE_BASE_URL="http://127.0.0.1:$(free_port)" STRIPE_PRICE_ID=price_standin_pro
export STRIPE_SECRET_KEY="sk_test_$("$PY" -c 'import secrets; print(secrets.token_hex(16))')"
export STRIPE_WEBHOOK_SECRET="whsec_$("$PY" -c 'import secrets; print(secrets.token_hex(16))')"
export BILLING_RETURN_URL=https://localhost/billing
phase "stack up in $T"
if ! BUILD_DIR=build-san APP_ENV=test WORKERS=2 PORT=$(free_port) HTTP_PORT=$(free_port) \
     PGPORT=$(free_port) METRICS_ALLOW=127.0.0.1/32,::1/128 scripts/stack.sh up "$T"; then
	note_result stack 0 1
	tail -n 30 "$T"/log/*.log 2>/dev/null
	finish
fi

phase "unit tests"
for t in ${UNIT_TESTS:-build-san/tests/unit/test_*}; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	if [ "${name%_db}" != "$name" ]; then   # *_db tests use the stack's database
		out=$(EDGESCOUT_ENV_FILE="$T/etc/edgescout.env" ASAN_OPTIONS=detect_leaks=1 "$t" 2>&1)
	else
		out=$(ASAN_OPTIONS=detect_leaks=1 "$t" 2>&1)
	fi
	rc=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -n 1)
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1   # crashed, leaked or failed before cmocka could count
	fi
	printf '%-28s %3d passed, %d failed\n' "$name" "$p" "$f"
	[ "$f" -gt 0 ] && sed 's/^/    /' <<<"$out" | grep -v '^    \[ *\(RUN\|OK\) ' | tail -n 40
	note_result "$name" "$p" "$f"
done

phase "API tests (a line per test as it ends)"
# shellcheck disable=SC2086 # API_TESTS is a list of files
API_SECRETS_FILE="$T/api-secrets" STACK_ENV="$T/stack.env" "$PY" -u tests/api/run.py ${API_TESTS:-} 2>&1 |
	tee "$T/api.out"
api_out=$(cat "$T/api.out")
p=$(sed -n 's/^api: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' <<<"$api_out")
f=$(sed -n 's/^api: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' <<<"$api_out")
[ -z "$p" ] && { p=0; f=1; }
note_result api "$p" "$f"

phase "faults under load (a worker killed -9, PostgreSQL restarted)"
# tests/faults/faults.py --short: recovery by itself, no acknowledged write
# lost, failures under worker kills below 1 % (make soak: full length)
faults_out=$(API_SECRETS_FILE="$T/api-secrets" STACK_ENV="$T/stack.env" \
	"$PY" -u tests/faults/faults.py --short 2>&1)
echo "$faults_out"
p=$(sed -n 's/^faults: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' <<<"$faults_out")
f=$(sed -n 's/^faults: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' <<<"$faults_out")
[ -z "$p" ] && { p=0; f=1; }
note_result faults "$p" "$f"

phase "stack down"
scripts/stack.sh down "$T" >/dev/null 2>&1
trap - EXIT
reports=$(ls "$T"/log/sanitizer* 2>/dev/null)
if [ -n "$reports" ]; then
	echo "sanitizer reports from the workers:"
	head -n 40 $reports
	note_result sanitizers 0 1
else
	note_result sanitizers 1 0
fi
# After the whole suite (and nginx's last flush): no credential in any log,
# no log readable by others.
phase "log scan"
if "$PY" tests/api/log_scan.py "$T/log" "$T/api-secrets"; then
	note_result logscan 1 0
else
	note_result logscan 0 1
fi
[ "$failed" -eq 0 ] && rm -rf "$T"
finish
