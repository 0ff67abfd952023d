# lib.sh: helpers shared by the stack scripts (sourced, not run).
# shellcheck shell=bash

# Print a one-line error and exit 1.
die() {
	printf '%s: %s\n' "${PROG:-edgescout}" "$*" >&2
	exit 1
}

warn() {
	printf '%s: warning: %s\n' "${PROG:-edgescout}" "$*" >&2
}

say() {
	printf '%s\n' "$*"
}

is_root() {
	[ "$(id -u)" -eq 0 ]
}

# The pid in pidfile when that process is alive and its command name is
# comm (guards against a recycled pid); nothing otherwise.
pid_of() {
	local pidfile=$1 comm=$2 pid
	[ -r "$pidfile" ] || return 1
	pid=$(head -n 1 "$pidfile" 2>/dev/null | tr -dc 0-9)
	[ -n "$pid" ] || return 1
	[ -r "/proc/$pid/comm" ] || return 1
	[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$comm" ] || return 1
	printf '%s\n' "$pid"
}

# The direct children of pid, one per line.
children_of() {
	ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' ' || true
}

# Wait up to secs seconds for pid to exit; 0 when it did.
wait_gone() {
	local pid=$1 secs=$2 i
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	! kill -0 "$pid" 2>/dev/null
}

# Send TERM to each pid, then wait up to secs seconds for all of them; any
# still there get KILL, and so do their children. Children that outlive
# their parent are waited for too.
stop_pids() {
	local secs=$1 pid k kids=""
	shift
	for pid in "$@"; do
		kids="$kids $(children_of "$pid")"
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "$@"; do
		if ! wait_gone "$pid" "$secs"; then
			warn "pid $pid did not stop on TERM within ${secs}s; killing it"
			kids="$kids $(children_of "$pid")"
			kill -KILL "$pid" 2>/dev/null || true
		fi
	done
	for k in $kids; do
		wait_gone "$k" 5 || kill -KILL "$k" 2>/dev/null || true
	done
}

# Stop multiwatch processes (pids) and their workers. TERM to multiwatch
# makes it stop restarting workers and send them its stop signal; it exits
# once they are gone. Signalling the workers at the same time would race
# with that (multiwatch may restart a worker that dies before it has seen
# its own TERM), so workers get TERM only from a multiwatch that has not
# finished after secs seconds, and KILL five seconds later.
stop_workers() {
	local secs=$1 pid k kids="" late=""
	shift
	for pid in "$@"; do kids="$kids $(children_of "$pid")"; done
	for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "$@"; do
		wait_gone "$pid" "$secs" && continue
		late="$late $pid"
		for k in $(children_of "$pid"); do
			kids="$kids $k"
			kill -TERM "$k" 2>/dev/null || true
		done
	done
	for pid in $late; do
		if ! wait_gone "$pid" 5; then
			warn "multiwatch pid $pid did not stop; killing it and its workers"
			kids="$kids $(children_of "$pid")"
			kill -KILL "$pid" 2>/dev/null || true
		fi
	done
	for k in $kids; do
		wait_gone "$k" 2 || kill -KILL "$k" 2>/dev/null || true
	done
}

# Run a command as the stack's account (STACK_USER) when we are root.
as_user() {
	if is_root && [ "${STACK_USER:-root}" != root ]; then
		runuser -u "$STACK_USER" -- "$@"
	else
		"$@"
	fi
}

# The newest PostgreSQL server binaries.
pg_bindir() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	[ -n "$d" ] && [ -x "$d/initdb" ] || die "PostgreSQL server binaries not found under /usr/lib/postgresql (run scripts/deps.sh)"
	printf '%s\n' "$d"
}
