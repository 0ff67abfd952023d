#!/usr/bin/env bash
# stack.sh up|down|status DIR: a whole edgescout stack (PostgreSQL cluster,
# FastCGI workers under spawn-fcgi + multiwatch, nginx with TLS, the loop
# running the scheduled jobs: scripts/jobs.sh) living in DIR.
#
#   up      copy the build into DIR and start everything; fails (and stops
#           what it started) unless https://localhost:PORT/health answers 200
#   down    stop exactly what up started, by pid files; idempotent
#   status  one line per component; exit 0 only when all are running
#   reopen  every process reopens its log file: nginx USR1, workers and jobs HUP
#   rotate  logrotate DIR/etc/logrotate.conf as the jobs loop does hourly (--force: now)
#
# Knobs (environment):
#   PORT (HTTPS, 8443)  HTTP_PORT (redirect to HTTPS, 8080)  PGPORT (54329)
#   WORKERS (per binary, 2)  NGINX_WORKERS (1)  BUILD_DIR (build)
#   APP_ENV (development)  RATE_LIMITS (on)
#   JOBS (on: the scheduled jobs run while the stack is up; off with APP_ENV=test)
#   FCGI_KEEPALIVE (idle FastCGI connections nginx keeps per binary and nginx
#     worker, 0; FCGI_KEEPALIVE x NGINX_WORKERS must stay below WORKERS)
#   EXTRA_ENV (a file of KEY=VALUE lines merged into the env file)
#   every setting of `edgescout config show` and JOB_SCHEDULE_<NAME>: written to
#     the env file when set (the workers and jobs start with only that file);
#     the environment wins over EXTRA_ENV, which wins over the file's lines
#
# Layout: DIR/bin (copies of the binaries: cgi-bin/, cron/, edgescout), DIR/sql,
# DIR/share (nginx/, web/, crontab, demo data), DIR/etc (edgescout.env, nginx.conf,
# crontab, tls/), DIR/pgdata, DIR/run (sockets, pids, metrics), DIR/log, DIR/tmp.
# Logs: DIR/log (0750), each file 0640 and the account's: one per binary (LOG_FILE),
# nginx-error.log, nginx-access.log, postgres.log, jobs.log, supervisor.log and the
# set-up steps' logs; DIR/etc/logrotate.conf rotates them.
# While it runs, DIR/stack.env (shell-sourceable) tells tests where it is:
# DIR URL HTTP_URL PORT HTTP_PORT PGPORT CA ENV_FILE EDGESCOUT_ENV_FILE
# BIN_DIR RUN_DIR LOG_DIR PGDATA STACK_USER WORKERS RATE_LIMITS APP_ENV
# BINARIES NGINX_PID_FILE FCGI_PID_FILES PG_PID_FILE JOBS JOBS_PID_FILE.
#
# As root, PostgreSQL, the workers and nginx's workers run as the system account
# edgescout (created once), nginx's master as root.
set -euo pipefail

export PROG=stack.sh  # used by lib.sh
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=stack_logs.sh
. "$here/stack_logs.sh"

PORT=${PORT:-8443}
HTTP_PORT=${HTTP_PORT:-8080}
PGPORT=${PGPORT:-54329}
WORKERS=${WORKERS:-2}
NGINX_WORKERS=${NGINX_WORKERS:-1}
BUILD_DIR=${BUILD_DIR:-build}
APP_ENV=${APP_ENV:-development}
RATE_LIMITS=${RATE_LIMITS:-on}
FCGI_KEEPALIVE=${FCGI_KEEPALIVE:-0}
JOBS=${JOBS:-$([ "$APP_ENV" = test ] && echo off || echo on)}
ACCOUNT=edgescout
SAFE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# Settings copied into the env file when set in our environment.
PASS_KEYS="LOG_LEVEL DEBUG BODY_MAX_BYTES CORS_ORIGINS METRICS_ALLOW RATE_LIMIT_DEFAULT
RATE_LIMIT_LOGIN RATE_LIMIT_REGISTER DB_STATEMENT_TIMEOUT_MS DISK_FREE_MIN_MB"
# Settings this script owns in the env file.
OWN_KEYS="APP_ENV SECRET_KEY DATABASE_ADMIN_URL DATABASE_OWNER_URL DATABASE_URL DATA_DIR
RUN_DIR MIGRATIONS_DIR RATE_LIMITS EDGESCOUT_BIN_DIR BACKUP_KEY"

usage() {
	printf 'usage: %s up|down|status|reopen DIR, or %s rotate DIR [--force]\n' "$0" "$0" >&2
	exit 2
}

# ---- setup -------------------------------------------------------------------

check_knobs() {
	local k v
	for k in PORT HTTP_PORT PGPORT WORKERS NGINX_WORKERS; do
		v=${!k}
		[[ $v =~ ^[0-9]+$ ]] && [ "$v" -ge 1 ] && [ "$v" -le 65535 ] ||
			die "$k must be a positive number (got '$v')"
	done
	[ "$WORKERS" -le 256 ] || die "WORKERS must be 256 at most"
	[[ $FCGI_KEEPALIVE =~ ^[0-9]+$ ]] || die "FCGI_KEEPALIVE must be a number"
	[ "$FCGI_KEEPALIVE" -eq 0 ] || [ $((FCGI_KEEPALIVE * NGINX_WORKERS)) -lt "$WORKERS" ] ||
		die "FCGI_KEEPALIVE x NGINX_WORKERS must stay below WORKERS (idle connections would hold every worker)"
	[ "$PORT" != "$HTTP_PORT" ] || die "PORT and HTTP_PORT must differ"
	case $RATE_LIMITS in on | off) ;; *) die "RATE_LIMITS must be on or off" ;; esac
	case $JOBS in on | off) ;; *) die "JOBS must be on or off" ;; esac
	case $APP_ENV in development | test | production) ;;
	*) die "APP_ENV must be development, test or production" ;; esac
}

# Resolve DIR (creating it) and the paths inside it.
set_dir() {
	local d=$1
	[ -n "$d" ] || usage
	mkdir -p "$d" || die "cannot create $d"
	DIR=$(cd "$d" && pwd -P)
	[[ $DIR =~ ^/[A-Za-z0-9/._+-]+$ ]] ||
		die "$DIR: use a directory whose path has only [A-Za-z0-9/._+-]"
	[ ${#DIR} -le 80 ] || die "$DIR: path too long for unix sockets (80 characters at most)"
	RUN=$DIR/run LOG=$DIR/log ETC=$DIR/etc PGDATA=$DIR/pgdata
	ENV_FILE=$ETC/edgescout.env CERT=$ETC/tls/cert.pem KEY=$ETC/tls/key.pem
	NGINX_CONF=$ETC/nginx.conf NGINX_PID=$RUN/nginx.pid
}

# Pick the account the stack runs as: root runs it as the system account
# $ACCOUNT (PostgreSQL refuses root), anyone else as themselves.
set_account() {
	if is_root; then
		if ! getent passwd "$ACCOUNT" >/dev/null; then
			useradd --system --user-group --no-create-home --home-dir /nonexistent \
				--shell /usr/sbin/nologin "$ACCOUNT" || die "cannot create the $ACCOUNT account"
		fi
		STACK_USER=$ACCOUNT
	else
		STACK_USER=$(id -un)
	fi
	STACK_GROUP=$(id -gn "$STACK_USER")
}

# The ports must be free before anything starts.
check_ports() {
	local k
	command -v ss >/dev/null || return 0
	for k in PORT HTTP_PORT; do
		if [ -n "$(ss -Hltn "sport = :${!k}" 2>/dev/null)" ]; then
			die "port ${!k} ($k) is already in use: choose another, e.g. $k=$((${!k} + 100))"
		fi
	done
}

# When root, the account must reach DIR: name the parent that stops it.
check_reachable() {
	local p=$DIR
	is_root || return 0
	while [ "$p" != / ]; do
		p=$(dirname "$p")
		runuser -u "$STACK_USER" -- test -x "$p" ||
			die "the $STACK_USER account cannot enter $p (on the way to $DIR): use a DIR outside it, e.g. under /tmp or /srv"
	done
}

# The FastCGI binary names (basename) in a directory: executables without a dot.
binaries_in() {
	local f
	for f in "$1"/*; do
		[ -f "$f" ] && [ -x "$f" ] || continue
		case ${f##*/} in *.*) continue ;; esac
		printf '%s\n' "${f##*/}"
	done
}

# Copy binaries, migrations, nginx templates and the web page into DIR.
install_files() {
	local build name f
	build=$(cd "$BUILD_DIR" 2>/dev/null && pwd -P) || die "no build directory $BUILD_DIR: run make all first"
	[ -n "$(binaries_in "$build/cgi-bin")" ] || die "no FastCGI binaries in $build/cgi-bin: run make all first"
	[ -x "$build/cli/edgescout" ] || die "no $build/cli/edgescout: run make all first"
	rm -rf "${DIR:?}/bin" "${DIR:?}/sql" "${DIR:?}/share"
	mkdir -p "$DIR/bin/cgi-bin" "$DIR/bin/cron" "$DIR/sql" "$DIR/share/nginx" \
		"$ETC/tls" "$RUN" "$RUN/metrics" "$LOG" "$DIR/tmp"
	for name in $(binaries_in "$build/cgi-bin"); do
		install -m 755 "$build/cgi-bin/$name" "$DIR/bin/cgi-bin/$name"
	done
	for name in $(binaries_in "$build/cron"); do
		install -m 755 "$build/cron/$name" "$DIR/bin/cron/$name"
	done
	install -m 755 "$build/cli/edgescout" "$DIR/bin/edgescout"
	for f in "$repo"/sql/*.sql; do
		[ -f "$f" ] && install -m 644 "$f" "$DIR/sql/"
	done
	install -m 644 "$repo"/nginx/* "$DIR/share/nginx/"
	[ -f "$build/web/index.html" ] && cp -R "$build/web" "$DIR/share/web" || die "no $build/web/index.html: run make all first"
	install -m 644 "$repo"/cron/crontab "$DIR/share/crontab"
	install -m 644 "$repo"/data/*.csv "$repo"/data/*.json "$DIR/share/"   # the demos
	chmod 755 "$DIR"
	if is_root; then
		chown "$STACK_USER:$STACK_GROUP" "$DIR" "$RUN" "$RUN/metrics" "$LOG" "$DIR/tmp" "$ETC" "$ETC/tls"
	fi
	chmod 700 "$ETC"
	prepare_logs
}

# ---- PostgreSQL ----------------------------------------------------------------

# Value of KEY in the env file (quotes removed); empty when absent.
env_value() {
	[ -f "$ENV_FILE" ] || return 0
	sed -n "s/^$1=//p" "$ENV_FILE" | tail -n 1 | sed "s/^'\\(.*\\)'\$/\\1/"
}

# password=... out of a conninfo string.
dsn_password() {
	sed -n 's/.*password=\([^ ]*\).*/\1/p' <<<"$1"
}

# Load the secrets of an existing env file, or make new ones.
load_secrets() {
	ADMIN_PW=$(dsn_password "$(env_value DATABASE_ADMIN_URL)")
	OWNER_PW=$(dsn_password "$(env_value DATABASE_OWNER_URL)")
	APP_PW=$(dsn_password "$(env_value DATABASE_URL)")
	SECRET=$(env_value SECRET_KEY) BKEY=$(env_value BACKUP_KEY)   # BKEY: the backup job's key
	if [ -f "$PGDATA/PG_VERSION" ] && [ -z "$ADMIN_PW" ]; then
		die "$PGDATA exists but its passwords are gone with $ENV_FILE: restore that file, or remove $PGDATA (its data is lost)"
	fi
	[ -n "$ADMIN_PW" ] || ADMIN_PW=$(openssl rand -hex 24)
	[ -n "$OWNER_PW" ] || OWNER_PW=$(openssl rand -hex 24)
	[ -n "$APP_PW" ] || APP_PW=$(openssl rand -hex 24)
	for v in SECRET BKEY; do [ -n "${!v}" ] || printf -v "$v" '%s' "$(openssl rand -hex 32)"; done
}

start_postgres() {
	local bin pwfile maxconn nbin
	bin=$(pg_bindir)
	if [ ! -f "$PGDATA/PG_VERSION" ]; then
		rm -rf "$PGDATA"
		pwfile=$ETC/.pg-superuser.pw
		(umask 077 && printf '%s\n' "$ADMIN_PW" >"$pwfile")
		is_root && chown "$STACK_USER" "$pwfile"
		if ! as_user "$bin/initdb" -D "$PGDATA" -U postgres --auth=scram-sha-256 \
			--pwfile="$pwfile" --encoding=UTF8 --locale=C >"$LOG/initdb.log" 2>&1; then
			rm -f "$pwfile"
			tail -n 20 "$LOG/initdb.log" >&2
			die "initdb failed (see $LOG/initdb.log)"
		fi
		rm -f "$pwfile"
		printf "\ninclude_if_exists = 'edgescout.conf'\n" | as_user tee -a "$PGDATA/postgresql.conf" >/dev/null
	fi
	nbin=$(binaries_in "$DIR/bin/cgi-bin" | wc -l)
	maxconn=$((nbin * WORKERS + 50))
	[ "$maxconn" -ge 100 ] || maxconn=100
	as_user tee "$PGDATA/edgescout.conf" >/dev/null <<-EOF
		# Written by scripts/stack.sh at each start.
		listen_addresses = ''
		port = $PGPORT
		unix_socket_directories = '$RUN'
		unix_socket_permissions = 0700
		max_connections = $maxconn
		shared_buffers = 32MB
		wal_buffers = 16MB   # the default 1MB: 30,000 WAL writes a 1M-row import
		synchronous_commit = on   # a 2xx means the write is on disk
		jit = off
		log_min_messages = warning
	EOF
	if ! as_user "$bin/pg_ctl" -D "$PGDATA" -l "$LOG/postgres.log" -w -t 60 start >/dev/null; then
		tail -n 20 "$LOG/postgres.log" >&2 || true
		die "PostgreSQL did not start (see $LOG/postgres.log)"
	fi
}

# ---- configuration ---------------------------------------------------------------

dsn() {
	printf 'host=%s port=%s dbname=%s user=%s password=%s' "$RUN" "$PGPORT" "$1" "$2" "$3"
}

# The settings set in our environment that the env file should carry:
# PASS_KEYS and every other key edgescout knows (its config table, and
# JOB_SCHEDULE_<NAME>), except those this script owns.
passed_keys() {
	local known k
	known=$(env -i PATH="$SAFE_PATH" "$DIR/bin/edgescout" config show 2>/dev/null |
		awk '/^[A-Z][A-Z0-9_]* / { print $1 }')
	for k in $known $(compgen -e | grep -E '^JOB_SCHEDULE_[A-Z0-9_]+$' || true); do
		case " $(tr '\n' ' ' <<<"$OWN_KEYS $PASS_KEYS") " in *" $k "*) continue ;; esac
		[ -n "${!k+set}" ] && printf '%s\n' "$k"
	done
	return 0
}

# Write the env file: our keys fresh, settings passed in, other lines kept.
write_env() {
	local tmp k re extra_re
	tmp=$ETC/.edgescout.env.$$
	PASS_KEYS="$PASS_KEYS $(passed_keys | tr '\n' ' ')"
	for k in $PASS_KEYS; do
		case ${!k-} in *"'"* | *$'\n'*) die "$k must not contain a quote or a newline" ;; esac
	done
	extra_re='^$'
	if [ -n "${EXTRA_ENV:-}" ]; then
		[ -r "$EXTRA_ENV" ] || die "EXTRA_ENV: cannot read $EXTRA_ENV"
		k=$(sed -n 's/^[[:space:]]*\(export[[:space:]]\{1,\}\)\{0,1\}\([A-Z0-9_]\{1,\}\)=.*/\2/p' "$EXTRA_ENV" | paste -sd '|')
		[ -z "$k" ] || extra_re="^(export +)?($k)="
	fi
	re="^(export +)?($(tr -s ' \n' '|' <<<"$OWN_KEYS $PASS_KEYS" | sed 's/|$//'))="
	(
		umask 077
		{
			printf '# edgescout settings of the stack in %s (stack.sh rewrites the\n' "$DIR"
			printf '# block at the top on each start; lines below it are kept).\n'
			printf "APP_ENV='%s'\n" "$APP_ENV"
			printf "SECRET_KEY='%s'\nBACKUP_KEY='%s'\n" "$SECRET" "$BKEY"
			printf "DATABASE_ADMIN_URL='%s'\n" "$(dsn postgres postgres "$ADMIN_PW")"
			printf "DATABASE_OWNER_URL='%s'\n" "$(dsn edgescout edgescout_owner "$OWNER_PW")"
			printf "DATABASE_URL='%s'\n" "$(dsn edgescout edgescout_app "$APP_PW")"
			printf "DATA_DIR='%s'\nRUN_DIR='%s'\nMIGRATIONS_DIR='%s'\n" "$DIR" "$RUN" "$DIR/sql"
			printf "RATE_LIMITS='%s'\n" "$RATE_LIMITS"
			printf "EDGESCOUT_BIN_DIR='%s'\n" "$DIR/bin/cgi-bin"
			for k in $PASS_KEYS; do
				if [ -n "${!k+set}" ]; then
					printf "%s='%s'\n" "$k" "${!k}"
				elif [ -n "${EXTRA_ENV:-}" ] && grep -qE "^[[:space:]]*(export +)?$k=" "$EXTRA_ENV"; then
					grep -E "^[[:space:]]*(export +)?$k=" "$EXTRA_ENV" | tail -n 1
				elif [ -f "$ENV_FILE" ]; then
					grep -E "^(export +)?$k=" "$ENV_FILE" | tail -n 1 || true
				fi
			done
			printf '# ---- end of the block stack.sh writes ----\n'
			if [ -f "$ENV_FILE" ]; then
				sed '1,/^# ---- end of the block stack.sh writes ----$/d' "$ENV_FILE" |
					grep -Ev "$re" | grep -Ev "$extra_re" || true
			fi
			if [ -n "${EXTRA_ENV:-}" ]; then
				grep -Ev '^[[:space:]]*(#|$)' "$EXTRA_ENV" | grep -Ev "$re" || true
			fi
		} >"$tmp"
	) || { rm -f "$tmp"; die "cannot write $ENV_FILE"; }
	is_root && chown "$STACK_USER:$STACK_GROUP" "$tmp"
	mv -f "$tmp" "$ENV_FILE"
}

# Run `edgescout ARGS` as the account with only the env file for settings.
edgescout_cli() {
	as_user env -i PATH="$SAFE_PATH" LANG=C.UTF-8 EDGESCOUT_ENV_FILE="$ENV_FILE" \
		${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
		"$DIR/bin/edgescout" "$@"
}

setup_database() {
	local step rc
	for step in init migrate; do
		rc=0
		edgescout_cli db "$step" >>"$LOG/db.log" 2>&1 || rc=$?
		if [ "$rc" -eq 2 ]; then
			warn "this build's edgescout has no 'db $step'; the database is left as it is"
			return 0
		elif [ "$rc" -ne 0 ]; then
			tail -n 20 "$LOG/db.log" >&2
			die "edgescout db $step failed (see $LOG/db.log)"
		fi
	done
}

# A self-signed certificate for localhost, made again when it is missing or
# expires within a day.
make_cert() {
	if [ -s "$CERT" ] && [ -s "$KEY" ] && openssl x509 -checkend 86400 -noout -in "$CERT" >/dev/null 2>&1; then
		return 0
	fi
	(umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$KEY" -out "$CERT" -days 30 -subj /CN=localhost \
		-addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" >"$LOG/openssl.log" 2>&1) ||
		die "cannot make the TLS certificate (see $LOG/openssl.log)"
	chmod 644 "$CERT"
}

# ---- FastCGI workers and nginx -------------------------------------------------

start_binary() {
	local name=$1 pid i owner=()
	rm -f "$RUN/$name.sock" "$RUN/$name.pid"
	is_root && owner=(-u "$STACK_USER" -g "$STACK_GROUP" -U "$STACK_USER" -G "$STACK_GROUP")
	# spawn-fcgi -n binds the socket, drops to the account and execs
	# multiwatch in place, so $! is multiwatch's pid and stderr reaches the
	# log. multiwatch keeps its default stop signal, SIGUSR1 (libfcgi's
	# graceful stop): its -s option sends the wrong signal (-s TERM sends
	# SIGQUIT, which kills without cleanup). Each worker appends its lines to
	# LOG_FILE itself and reopens it on HUP; multiwatch's own lines (and
	# what a worker says before it opens LOG_FILE) go to supervisor.log.
	env -i PATH="$SAFE_PATH" LANG=C.UTF-8 EDGESCOUT_ENV_FILE="$ENV_FILE" LOG_FILE="$LOG/$name.log" \
		${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
		${LSAN_OPTIONS:+LSAN_OPTIONS="$LSAN_OPTIONS"} \
		setsid spawn-fcgi -n -s "$RUN/$name.sock" -M 0660 "${owner[@]}" -d "$DIR" -- \
		/usr/bin/multiwatch -f "$WORKERS" -- "$DIR/bin/cgi-bin/$name" \
		</dev/null >>"$LOG/supervisor.log" 2>&1 &
	pid=$!
	printf '%s\n' "$pid" >"$RUN/$name.pid"
	for ((i = 0; i < 50; i++)); do
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = multiwatch ] && [ -S "$RUN/$name.sock" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	tail -n 20 "$LOG/supervisor.log" "$LOG/$name.log" >&2 || true
	die "FastCGI binary $name did not start (see $LOG/$name.log and $LOG/supervisor.log)"
}

listen_addrs() {
	if grep -q '^00000000000000000000000000000001 .* lo$' /proc/net/if_inet6 2>/dev/null; then
		printf '127.0.0.1,[::1]'
	else
		printf '127.0.0.1'
	fi
}

start_nginx() {
	local user=() i
	is_root && user=(--user "$STACK_USER")
	edgescout_cli nginx-conf --dir "$DIR" --templates "$DIR/share/nginx" --out "$NGINX_CONF.new" \
		--port "$PORT" --http-port "$HTTP_PORT" --workers "$WORKERS" \
		--nginx-workers "$NGINX_WORKERS" --keepalive "$FCGI_KEEPALIVE" --listen "$(listen_addrs)" "${user[@]}" 2>>"$LOG/nginx-conf.log" ||
		{ tail -n 5 "$LOG/nginx-conf.log" >&2; die "edgescout nginx-conf failed (see $LOG/nginx-conf.log)"; }
	mv -f "$NGINX_CONF.new" "$NGINX_CONF"
	chmod 644 "$NGINX_CONF"
	# umask 027: the logs nginx creates (after a rotation too) are 0640
	(umask 027 && nginx -t -q -p "$DIR/" -c "$NGINX_CONF" -e "$LOG/nginx-error.log" 2>"$LOG/nginx-test.log") ||
		{ cat "$LOG/nginx-test.log" >&2; die "nginx -t rejected $NGINX_CONF"; }
	rm -f "$RUN/stream-publish.socket"   # a stale one from a killed nginx blocks the bind
	(umask 027 && nginx -p "$DIR/" -c "$NGINX_CONF" -e "$LOG/nginx-error.log" 2>>"$LOG/nginx-error.log") ||
		{ tail -n 5 "$LOG/nginx-error.log" >&2; die "nginx did not start (see $LOG/nginx-error.log)"; }
	for ((i = 0; i < 50; i++)); do
		if pid_of "$NGINX_PID" nginx >/dev/null; then   # the stream's publisher socket: the account's only
			[ ! -S "$RUN/stream-publish.socket" ] || { chgrp "$STACK_GROUP" "$RUN/stream-publish.socket" &&
				chmod 660 "$RUN/stream-publish.socket"; } || die "cannot hand $RUN/stream-publish.socket to $STACK_GROUP"
			return 0
		fi
		sleep 0.1
	done
	die "nginx did not write $NGINX_PID (see $LOG/nginx-error.log)"
}

wait_healthy() {
	local i code
	for ((i = 0; i < 150; i++)); do
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 --cacert "$CERT" \
			--resolve "localhost:$PORT:127.0.0.1" "https://localhost:$PORT/health" || true)
		[ "$code" = 200 ] && return 0
		sleep 0.2
	done
	die "https://localhost:$PORT/health did not answer 200 (last: $code; see $LOG/)"
}

write_stack_env() {
	local pids=() name
	for name in $(binaries_in "$DIR/bin/cgi-bin"); do pids+=("$RUN/$name.pid"); done
	{
		printf '# The running stack in %s (from scripts/stack.sh up).\n' "$DIR"
		printf 'DIR=%q\n' "$DIR"
		printf 'URL=%q\n' "https://localhost:$PORT"
		printf 'PORT=%q\nHTTP_PORT=%q\nPGPORT=%q\n' "$PORT" "$HTTP_PORT" "$PGPORT"
		printf 'HTTP_URL=%q\n' "http://localhost:$HTTP_PORT"
		printf 'CA=%q\n' "$CERT"
		printf 'ENV_FILE=%q\nEDGESCOUT_ENV_FILE=%q\n' "$ENV_FILE" "$ENV_FILE"
		printf 'BIN_DIR=%q\nRUN_DIR=%q\nLOG_DIR=%q\nPGDATA=%q\n' "$DIR/bin" "$RUN" "$LOG" "$PGDATA"
		printf 'STACK_USER=%q\nWORKERS=%q\nRATE_LIMITS=%q\nAPP_ENV=%q\n' "$STACK_USER" "$WORKERS" "$RATE_LIMITS" "$APP_ENV"
		printf 'BINARIES=%q\n' "$(binaries_in "$DIR/bin/cgi-bin" | tr '\n' ' ' | sed 's/ $//')"
		printf 'NGINX_PID_FILE=%q\n' "$NGINX_PID"
		printf 'FCGI_PID_FILES=%q\n' "${pids[*]}"
		printf 'PG_PID_FILE=%q\n' "$PGDATA/postmaster.pid"
		printf 'JOBS=%q\nJOBS_PID_FILE=%q\n' "$JOBS" "$RUN/jobs.pid"
	} >"$DIR/stack.env"
	chmod 644 "$DIR/stack.env"
}

# Something of ours is running in DIR.
anything_running() {
	local f
	pid_of "$NGINX_PID" nginx >/dev/null && return 0
	for f in "$RUN"/*.pid; do
		[ -e "$f" ] && [ "$f" != "$NGINX_PID" ] && pid_of "$f" multiwatch >/dev/null && return 0
	done
	[ -f "$PGDATA/postmaster.pid" ] && pid_of "$PGDATA/postmaster.pid" postgres >/dev/null && return 0
	"$here/jobs.sh" status "$DIR" >/dev/null 2>&1 && return 0
	return 1
}

# ---- the three commands ----------------------------------------------------------

cmd_up() {
	local name
	check_knobs
	set_account
	check_reachable
	if anything_running; then
		die "a stack is already running in $DIR (scripts/stack.sh status $DIR; stop it with scripts/stack.sh down $DIR)"
	fi
	check_ports
	trap 'up_failed $?' EXIT
	trap 'exit 130' INT TERM
	install_files
	load_secrets
	write_env
	start_postgres
	setup_database
	make_cert
	for name in $(binaries_in "$DIR/bin/cgi-bin"); do start_binary "$name"; done
	start_nginx
	wait_healthy
	write_logrotate_conf
	prepare_logs
	rm -f "$RUN/jobs.off"
	if [ "$JOBS" = on ]; then
		"$here/jobs.sh" start "$DIR" || die "the jobs loop did not start (see $LOG/jobs.log)"
	else
		: >"$RUN/jobs.off"
	fi
	write_stack_env
	trap - EXIT INT TERM
	say "edgescout is up in $DIR (as $STACK_USER):"
	say "  URL     https://localhost:$PORT  (http://localhost:$HTTP_PORT redirects)"
	say "  try     curl --cacert $CERT https://localhost:$PORT/health"
	say "  logs    $LOG/"
	say "  env     $ENV_FILE (EDGESCOUT_ENV_FILE for the edgescout command)"
	say "  stop    scripts/stack.sh down $DIR"
}

up_failed() {
	[ "$1" -ne 0 ] || return 0
	trap - EXIT INT TERM
	warn "up failed; stopping what was started"
	cmd_down >/dev/null 2>&1 || true
	exit "$1"
}

cmd_down() {
	local f pid bin stopped=0 pids=()
	STACK_USER=$(stat -c %U "$DIR" 2>/dev/null || id -un)
	if "$here/jobs.sh" status "$DIR" >/dev/null 2>&1; then
		"$here/jobs.sh" stop "$DIR" >/dev/null || warn "the jobs loop did not stop cleanly"
		stopped=1
	fi
	rm -f "$RUN/jobs.off"
	if pid=$(pid_of "$NGINX_PID" nginx); then
		stop_pids 15 "$pid"
		stopped=1
	fi
	rm -f "$NGINX_PID"
	for f in "$RUN"/*.pid; do
		[ -e "$f" ] && [ "$f" != "$NGINX_PID" ] || continue
		if pid=$(pid_of "$f" multiwatch); then pids+=("$pid"); fi
	done
	if [ ${#pids[@]} -gt 0 ]; then
		stop_workers 10 "${pids[@]}"
		stopped=1
	fi
	for f in "$RUN"/*.pid; do
		[ -e "$f" ] && [ "$f" != "$NGINX_PID" ] || continue
		rm -f "$f" "${f%.pid}.sock"
	done
	if [ -f "$PGDATA/postmaster.pid" ] && pid_of "$PGDATA/postmaster.pid" postgres >/dev/null; then
		bin=$(pg_bindir)
		as_user "$bin/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null ||
			die "pg_ctl stop failed (see $LOG/postgres.log)"
		stopped=1
	fi
	rm -f "$DIR/stack.env"
	if [ "$stopped" -eq 1 ]; then say "edgescout in $DIR is stopped"; else say "edgescout in $DIR was not running"; fi
}

cmd_status() {
	local ok=0 pid name n bins
	STACK_USER=$(stat -c %U "$DIR" 2>/dev/null || id -un)
	if [ -f "$PGDATA/postmaster.pid" ] && pid=$(pid_of "$PGDATA/postmaster.pid" postgres); then
		printf '%-14s running (pid %s)\n' postgres "$pid"
	else
		printf '%-14s stopped\n' postgres
		ok=1
	fi
	bins=$(binaries_in "$DIR/bin/cgi-bin" 2>/dev/null || true)
	[ -n "$bins" ] || { printf '%-14s none installed\n' binaries; ok=1; }
	for name in $bins; do
		if pid=$(pid_of "$RUN/$name.pid" multiwatch); then
			n=$(children_of "$pid" | wc -l)
			printf '%-14s running (multiwatch pid %s, %s workers)\n' "$name" "$pid" "$n"
			[ "$n" -ge 1 ] || ok=1
		else
			printf '%-14s stopped\n' "$name"
			ok=1
		fi
	done
	if pid=$(pid_of "$NGINX_PID" nginx); then
		printf '%-14s running (pid %s)\n' nginx "$pid"
	else
		printf '%-14s stopped\n' nginx
		ok=1
	fi
	if [ -e "$RUN/jobs.off" ]; then
		printf '%-14s off (JOBS=off)\n' jobs
	elif ! "$here/jobs.sh" status "$DIR"; then
		ok=1
	fi
	return "$ok"
}

main() {
	[ $# -eq 2 ] || { [ $# -eq 3 ] && [ "$1" = rotate ] && [ "$3" = --force ]; } || usage
	case $1 in
	reopen) set_dir "$2"; cmd_reopen ;;
	rotate) set_dir "$2"; cmd_rotate "${3:-}" ;;
	up) set_dir "$2"; cmd_up ;;
	down)
		[ -d "$2" ] || { say "edgescout in $2 was not running"; return 0; }
		set_dir "$2"; cmd_down ;;
	status)
		[ -d "$2" ] || { say "no stack in $2"; return 1; }
		set_dir "$2"; cmd_status ;;
	*) usage ;;
	esac
}

main "$@"
