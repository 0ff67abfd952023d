#!/usr/bin/env bash
# run.sh: `make run`: the stack in var/ in the foreground; Ctrl-C (or TERM)
# stops all of it. The Makefile execs it, so a TERM sent to `make run`
# (make passes TERM on to its children) reaches this script, not a shell.
# Knobs as for scripts/stack.sh (PORT defaults to 8443), and STACK_DIR (var),
# DEMO (on: demo users and real price series; off: an empty stack).
set -euo pipefail

PROG=run.sh
export PROG
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

DIR=${STACK_DIR:-var}
DEMO=${DEMO:-on}
export PORT=${PORT:-8443}

stop_stack() {
	trap '' INT TERM
	say ""
	say "stopping..."
	"$here/stack.sh" down "$DIR" || warn "stopping did not go cleanly (scripts/stack.sh status $DIR)"
}

on_signal() {
	stop_stack
	exit 0
}

# The stack must keep its nginx and PostgreSQL; multiwatch restarts workers.
watch_stack() {
	local nginx pg
	nginx=$(pid_of "$DIR/run/nginx.pid" nginx) || die "nginx is not running"
	pg=$(pid_of "$DIR/pgdata/postmaster.pid" postgres) || die "PostgreSQL is not running"
	while :; do
		sleep 2 &
		wait $! || true
		if ! kill -0 "$nginx" 2>/dev/null; then
			warn "nginx stopped (see $DIR/log/nginx-error.log)"
			stop_stack
			exit 1
		fi
		if ! kill -0 "$pg" 2>/dev/null; then
			warn "PostgreSQL stopped (see $DIR/log/postgres.log)"
			stop_stack
			exit 1
		fi
	done
}

# Demo accounts and real demo data, so the first calls return real numbers.
load_demo() {
	local abs cli
	abs=$(cd "$DIR" && pwd)
	cli() {
		STACK_USER=$(stat -c %U "$abs") as_user env -i PATH="$PATH" LANG=C.UTF-8 \
			EDGESCOUT_ENV_FILE="$abs/etc/edgescout.env" "$abs/bin/edgescout" "$@"
	}
	say ""
	if "$abs/bin/edgescout" --help 2>/dev/null | grep -q '^ *market '; then
		if cli market demo; then
			# the signals of every past bar, so labelling and training have data
			for symbol in '^GSPC' AAPL; do
				cli market backfill "$symbol" || warn "the demo signals of $symbol were not backfilled"
			done
		else
			warn "the demo price series were not loaded"
		fi
	fi
	# recorded odds and scores: +EV hits, arbs and settled hits with no key
	if "$abs/bin/edgescout" --help 2>/dev/null | grep -q '^ *odds '; then
		cli odds demo || warn "the demo odds were not loaded"
	fi
	# recorded listings (real diamond prices) in demo searches: scored deals with no key
	if "$abs/bin/edgescout" --help 2>/dev/null | grep -q '^ *deals '; then
		cli deals demo || warn "the demo listings were not loaded"
	fi
	# signals, their labels and a model now, not at the jobs' next turn
	for job in scan-markets label-signals retrain; do
		[ -x "$abs/bin/cron/$job" ] || continue
		say "running $job once (log: $DIR/log/jobs.log)"
		cli cron run "$job" >>"$abs/log/jobs.log" 2>&1 || warn "$job failed (see $DIR/log/jobs.log)"
	done
	cli seed-demo --url "https://localhost:$PORT" || warn "the demo users were not created"
}

main() {
	cd "$repo"
	mkdir -p "$DIR"
	exec 9>"$DIR/.run.lock"
	if ! flock -n 9; then
		die "make run is already running for $DIR/ (in another terminal): use it, or stop it there with Ctrl-C"
	fi
	if "$here/stack.sh" status "$DIR" >/dev/null 2>&1; then
		die "a stack started by make start is already running in $DIR/ (https://localhost:$PORT): make stop first, or keep using it"
	fi
	trap on_signal INT TERM
	"$here/stack.sh" up "$DIR" || exit 1
	[ "$DEMO" = off ] || load_demo
	say ""
	say "edgescout is running in the foreground: Ctrl-C stops it."
	watch_stack
}

main "$@"
