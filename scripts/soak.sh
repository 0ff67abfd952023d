#!/usr/bin/env bash
# soak.sh: `make soak`. Brings a stack up in a temporary directory on free
# ports (APP_ENV=test, the jobs off) and runs tests/faults/faults.py at full
# length: 32 connections of mixed reads and writes for 60 s while a FastCGI
# worker is killed -9 every 5 s and PostgreSQL is restarted once; prints the
# failed requests per fault, the acknowledged writes (and any lost), and
# whether the stack recovered by itself; tears the stack down.
#
# Knobs (environment): BUILD_DIR (build) WORKERS (2, per binary)
# SOAK_SECONDS (60) SOAK_KILL_EVERY (5) SOAK_CONNECTIONS (32)
# Exit status: 0 when the stack came up, recovered and lost no acknowledged
# write; 1 otherwise (the stack's logs are then kept).
set -euo pipefail

PROG=soak.sh
export PROG
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
cd "$repo"

PY=/usr/bin/python3
BUILD_DIR=${BUILD_DIR:-build}
WORKERS=${WORKERS:-2}
export BUILD_DIR WORKERS

free_port() {
	"$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

[ -x "$BUILD_DIR/cli/edgescout" ] || die "no $BUILD_DIR/cli/edgescout: run make all first"

T=$(mktemp -d /tmp/edgescout-soak.XXXXXX)
chmod 755 "$T"
teardown() {
	scripts/stack.sh down "$T" >/dev/null 2>&1 || true
	if [ "$1" -eq 0 ]; then rm -rf "$T"; else warn "logs kept in $T/log"; fi
}
trap 'teardown $?' EXIT
trap 'exit 130' INT TERM

say "== stack up in $T ($WORKERS FastCGI workers per binary)"
if ! APP_ENV=test PORT=$(free_port) HTTP_PORT=$(free_port) PGPORT=$(free_port) \
	METRICS_ALLOW=127.0.0.1/32,::1/128 scripts/stack.sh up "$T" >"$T/stack-up.log" 2>&1; then
	tail -n 30 "$T/stack-up.log" >&2
	die "the stack did not come up"
fi
say "== faults under load"
API_SECRETS_FILE="$T/api-secrets" STACK_ENV="$T/stack.env" "$PY" -u tests/faults/faults.py \
	--seconds "${SOAK_SECONDS:-60}" --kill-every "${SOAK_KILL_EVERY:-5}" \
	--connections "${SOAK_CONNECTIONS:-32}"
