#!/usr/bin/env bash
# jobs.sh start|stop|status DIR: the scheduled jobs of the stack in DIR (see
# scripts/stack.sh), run by a small supervised loop, as a development or test
# machine has no system crontab of ours.
#
#   start   render the schedule with `edgescout cron install --out - --declare` into
#           DIR/etc/crontab (which also declares the installed jobs, so their
#           staleness counts from now), then start the loop in the background:
#           pid in DIR/run/jobs.pid, its lines and the jobs' in DIR/log/jobs.log
#   stop    stop exactly that loop: it starts nothing more, sends TERM to the
#           jobs still running (they finish their current item and record their
#           run) and waits for them; idempotent
#   status  running or stopped; exit 0 only when running
#
# Each hour the loop also runs `stack.sh rotate DIR` (logrotate on the
# stack's logs, DIR/etc/logrotate.conf, when logrotate is installed); on HUP
# it reopens jobs.log (stack.sh reopen, after a rotation).
#
# Like cron, the loop looks every JOBS_TICK seconds for the crontab entries
# due this minute and runs each once per matching minute: DIR/bin/cron/JOB
# (the entry's */cron/JOB word), when that binary exists and the job's last
# run has ended, in a session of its own, as the stack's account, with only
# EDGESCOUT_ENV_FILE for settings. Fields: numbers, *, A-B, lists and /N
# steps (no names, no @hourly forms).
#
# Knobs (environment):
#   JOBS_CRONTAB       follow this crontab instead (a test's "* * * * *" line)
#   JOBS_TICK          seconds between looks (20; at most 30)
#   JOBS_STOP_TIMEOUT  seconds stop waits for running jobs before KILL (60)
#   JOB_TEST_HOLD_MS and the sanitizer options are passed on to the jobs.
set -euo pipefail
set -f      # no pathname expansion: cron fields are full of '*'

PROG=jobs.sh
export PROG
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

JOBS_TICK=${JOBS_TICK:-20}
JOBS_STOP_TIMEOUT=${JOBS_STOP_TIMEOUT:-60}
SAFE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

usage() {
	printf 'usage: %s start|stop|status DIR\n' "$0" >&2
	exit 2
}

set_dir() {
	[ -d "$1" ] || die "no stack directory $1"
	DIR=$(cd "$1" && pwd -P)
	RUN=$DIR/run LOG=$DIR/log ETC=$DIR/etc
	PID_FILE=$RUN/jobs.pid ENV_FILE=$ETC/edgescout.env
	STACK_USER=$(stat -c %U "$DIR")
	[[ $JOBS_TICK =~ ^[0-9]+$ ]] && [ "$JOBS_TICK" -ge 1 ] && [ "$JOBS_TICK" -le 30 ] ||
		die "JOBS_TICK must be 1 to 30 seconds"
	[[ $JOBS_STOP_TIMEOUT =~ ^[0-9]+$ ]] || die "JOBS_STOP_TIMEOUT must be a number"
}

# The loop's pid when the pid file names a live loop of this DIR.
loop_pid() {
	local pid cmd
	[ -r "$PID_FILE" ] || return 1
	pid=$(head -n 1 "$PID_FILE" 2>/dev/null | tr -dc 0-9)
	[ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
	cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
	[[ $cmd == *"jobs.sh loop $DIR "* ]] || return 1
	printf '%s\n' "$pid"
}

# One JSON line in the log: level msg [key value]... (values are plain words).
log_line() {
	local level=$1 msg=$2 line
	shift 2
	line=$(printf '{"ts":"%s","level":"%s","bin":"jobs.sh","msg":"%s"' \
		"$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$level" "$msg")
	while [ $# -ge 2 ]; do
		line+=$(printf ',"%s":"%s"' "$1" "${2//[\"\\]/}")
		shift 2
	done
	printf '%s}\n' "$line"
}

# ---- the crontab ------------------------------------------------------------------

# The entries of a crontab as "minute hour dom month dow job" lines.
entries() {
	local m h dom mon dow rest w job
	while read -r m h dom mon dow rest; do
		case $m in '' | '#'* | *=*) continue ;; esac
		job=
		for w in $rest; do
			if [[ $w =~ /cron/([a-z][a-z0-9-]*)$ ]]; then job=${BASH_REMATCH[1]}; break; fi
		done
		[ -n "$job" ] && printf '%s %s %s %s %s %s\n' "$m" "$h" "$dom" "$mon" "$dow" "$job"
	done <"$1"
}

# field_match FIELD VALUE LOW HIGH: 0 when the cron field admits VALUE.
field_match() {
	local f=$1 v=$((10#$2)) low=$3 high=$4 part step lo hi
	local IFS=,
	for part in $f; do
		step=1
		if [[ $part == */* ]]; then step=${part#*/}; part=${part%%/*}; fi
		[[ $step =~ ^[0-9]+$ ]] && [ "$step" -ge 1 ] || continue
		if [ "$part" = '*' ]; then
			lo=$low hi=$high
		elif [[ $part =~ ^([0-9]+)-([0-9]+)$ ]]; then
			lo=$((10#${BASH_REMATCH[1]})) hi=$((10#${BASH_REMATCH[2]}))
		elif [[ $part =~ ^[0-9]+$ ]]; then
			lo=$((10#$part)) hi=$lo
			[ "$step" -eq 1 ] || hi=$high
		else
			continue
		fi
		if [ "$v" -ge "$lo" ] && [ "$v" -le "$hi" ] && [ $(((v - lo) % step)) -eq 0 ]; then
			return 0
		fi
	done
	return 1
}

# due M H DOM MON DOW: 0 when the entry matches the minute in NOW_*.
due() {
	field_match "$1" "$NOW_MIN" 0 59 && field_match "$2" "$NOW_HOUR" 0 23 &&
		field_match "$3" "$NOW_DOM" 1 31 && field_match "$4" "$NOW_MON" 1 12 &&
		{ field_match "$5" "$NOW_DOW" 0 7 || { [ "$NOW_DOW" -eq 0 ] && field_match "$5" 7 0 7; }; }
}

# ---- the loop -----------------------------------------------------------------------

declare -A RUNNING=() LAST=() MISSING=()

start_job() {
	local job=$1 bin=$DIR/bin/cron/$1 pid drop=()
	if [ ! -x "$bin" ]; then
		[ -n "${MISSING[$job]:-}" ] || log_line info "job not installed; its entries are skipped" job "$job"
		MISSING[$job]=1
		return 0
	fi
	pid=${RUNNING[$job]:-}
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		log_line warn "job still running; this minute's run skipped" job "$job" pid "$pid"
		return 0
	fi
	is_root && [ "$STACK_USER" != root ] &&
		drop=(setpriv --reuid "$STACK_USER" --regid "$(id -g "$STACK_USER")" --init-groups)
	setsid "${drop[@]}" env -i PATH="$SAFE_PATH" LANG=C.UTF-8 EDGESCOUT_ENV_FILE="$ENV_FILE" \
		${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
		${LSAN_OPTIONS:+LSAN_OPTIONS="$LSAN_OPTIONS"} \
		${JOB_TEST_HOLD_MS:+JOB_TEST_HOLD_MS="$JOB_TEST_HOLD_MS"} \
		"$bin" </dev/null >>"$LOG/jobs.log" 2>&1 &
	RUNNING[$job]=$!
	log_line info "job started" job "$job" pid "$!"
}

# Collect the jobs that ended.
reap() {
	local job pid rc
	for job in "${!RUNNING[@]}"; do
		pid=${RUNNING[$job]}
		kill -0 "$pid" 2>/dev/null && continue
		rc=0
		wait "$pid" 2>/dev/null || rc=$?
		unset "RUNNING[$job]"
		log_line "$([ "$rc" -eq 0 ] && echo info || echo warn)" "job ended" job "$job" pid "$pid" exit "$rc"
	done
}

# TERM to the running jobs, then wait for them (KILL after the timeout).
shutdown_jobs() {
	local job pid i
	for job in "${!RUNNING[@]}"; do kill -TERM "${RUNNING[$job]}" 2>/dev/null || true; done
	for ((i = 0; i < JOBS_STOP_TIMEOUT * 10 && ${#RUNNING[@]} > 0; i++)); do
		reap
		[ ${#RUNNING[@]} -eq 0 ] || sleep 0.1
	done
	for job in "${!RUNNING[@]}"; do
		pid=${RUNNING[$job]}
		log_line error "job did not stop; killing it" job "$job" pid "$pid"
		kill -KILL "$pid" 2>/dev/null || true
	done
	reap
}

# Once an hour: logrotate over the stack's logs, in the background.
rotate_logs() {
	local hour=$1
	[ "$hour" != "${LAST_ROTATE:-}" ] || return 0
	LAST_ROTATE=$hour
	[ -r "$ETC/logrotate.conf" ] && command -v logrotate >/dev/null || return 0
	if [ -n "${ROTATE_PID:-}" ] && kill -0 "$ROTATE_PID" 2>/dev/null; then return 0; fi
	"$here/stack.sh" rotate "$DIR" </dev/null >>"$LOG/jobs.log" 2>&1 &
	ROTATE_PID=$!
}

cmd_loop() {
	local crontab=$1 stopping=0 reopen=0 sleeper m h dom mon dow job stamp
	trap 'stopping=1' TERM INT
	trap 'reopen=1' HUP
	cd "$DIR"
	log_line info "jobs loop started" crontab "$crontab" tick "$JOBS_TICK"
	while [ "$stopping" -eq 0 ]; do
		if [ "$reopen" -eq 1 ]; then
			reopen=0
			exec >>"$LOG/jobs.log" 2>&1
			log_line info "jobs.log reopened"
		fi
		reap
		read -r NOW_MIN NOW_HOUR NOW_DOM NOW_MON NOW_DOW stamp <<<"$(date '+%M %H %d %m %w %Y%m%d%H%M')"
		rotate_logs "${stamp:0:10}"
		while read -r m h dom mon dow job; do
			[ "$stopping" -eq 0 ] || break
			[ "${LAST[$job]:-}" != "$stamp" ] || continue
			due "$m" "$h" "$dom" "$mon" "$dow" || continue
			LAST[$job]=$stamp
			start_job "$job"
		done < <(entries "$crontab")
		[ "$stopping" -eq 0 ] || break
		sleep "$JOBS_TICK" &
		sleeper=$!
		wait "$sleeper" 2>/dev/null || true
		kill "$sleeper" 2>/dev/null || true
		wait "$sleeper" 2>/dev/null || true
	done
	log_line info "jobs loop stopping" running "${#RUNNING[@]}"
	shutdown_jobs
	log_line info "jobs loop stopped"
}

# ---- the commands ---------------------------------------------------------------------

# The crontab the loop follows: JOBS_CRONTAB, else the one rendered (and
# declared) by the stack's edgescout, else the copy of cron/crontab.
crontab_for_loop() {
	local out=$ETC/crontab
	if [ -n "${JOBS_CRONTAB:-}" ]; then
		[ -r "$JOBS_CRONTAB" ] || die "JOBS_CRONTAB: cannot read $JOBS_CRONTAB"
		(cd "$(dirname "$JOBS_CRONTAB")" && printf '%s/%s\n' "$(pwd -P)" "$(basename "$JOBS_CRONTAB")")
		return 0
	fi
	if as_user env -i PATH="$SAFE_PATH" LANG=C.UTF-8 EDGESCOUT_ENV_FILE="$ENV_FILE" \
		${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
		"$DIR/bin/edgescout" cron install --bin "$DIR/bin" --env "$ENV_FILE" --log "$LOG" \
		--out - --declare >"$out.new" 2>>"$LOG/jobs.log"; then
		mv -f "$out.new" "$out"
		printf '%s\n' "$out"
		return 0
	fi
	rm -f "$out.new"
	warn "edgescout cron install failed (see $LOG/jobs.log); following the plain schedule, undeclared"
	if [ -r "$DIR/share/crontab" ]; then printf '%s\n' "$DIR/share/crontab"; else printf '%s\n' "$repo/cron/crontab"; fi
}

cmd_start() {
	local crontab pid i
	if pid=$(loop_pid); then die "the jobs loop of $DIR is already running (pid $pid)"; fi
	mkdir -p "$RUN" "$LOG"
	crontab=$(crontab_for_loop)
	setsid "$here/jobs.sh" loop "$DIR" "$crontab" </dev/null >>"$LOG/jobs.log" 2>&1 &
	pid=$!
	printf '%s\n' "$pid" >"$PID_FILE"
	for ((i = 0; i < 20; i++)); do
		loop_pid >/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	loop_pid >/dev/null || { rm -f "$PID_FILE"; die "the jobs loop did not start (see $LOG/jobs.log)"; }
}

cmd_stop() {
	local pid
	if ! pid=$(loop_pid); then
		rm -f "$PID_FILE"
		say "the jobs loop of $DIR was not running"
		return 0
	fi
	kill -TERM "$pid" 2>/dev/null || true
	if ! wait_gone "$pid" $((JOBS_STOP_TIMEOUT + 10)); then
		warn "the jobs loop (pid $pid) did not stop; killing it"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$PID_FILE"
	say "the jobs loop of $DIR is stopped"
}

cmd_status() {
	local pid
	if pid=$(loop_pid); then
		printf '%-14s running (pid %s)\n' jobs "$pid"
	else
		printf '%-14s stopped\n' jobs
		return 1
	fi
}

main() {
	[ $# -ge 2 ] || usage
	case $1 in
	start) [ $# -eq 2 ] || usage; set_dir "$2"; cmd_start ;;
	stop)
		[ $# -eq 2 ] || usage
		[ -d "$2" ] || { say "the jobs loop of $2 was not running"; return 0; }
		set_dir "$2"; cmd_stop ;;
	status) [ $# -eq 2 ] || usage; set_dir "$2"; cmd_status ;;
	loop) [ $# -eq 3 ] || usage; set_dir "$2"; cmd_loop "$3" ;;
	*) usage ;;
	esac
}

main "$@"
