# shellcheck shell=bash
# stack_logs.sh: a stack's log files (0640 in a 0750 directory, the
# account's), their rotation and the reopening after one. Sourced by
# stack.sh, whose DIR, LOG, ETC, RUN, STACK_USER and helpers it uses.

# The log directory (0750) and its files (0640), the account's: logs name
# tokens' owners, clients' addresses and queries, for the operator only.
prepare_logs() {
	local name f
	chmod 750 "$LOG"
	for name in initdb db openssl nginx-conf nginx-test nginx-error nginx-access postgres \
		jobs supervisor $(binaries_in "$DIR/bin/cgi-bin"); do
		f=$LOG/$name.log
		[ -e "$f" ] || (umask 027 && : >>"$f")
	done
	for f in "$LOG"/*; do
		[ -f "$f" ] || continue
		chmod o-rwx,g-w "$f"
		is_root && chown "$STACK_USER:$STACK_GROUP" "$f"
	done
	return 0
}

# DIR/etc/logrotate.conf: daily or past 50 MiB (the jobs loop looks each
# hour), 7 kept, compressed from the second; nginx, the workers and the jobs
# loop reopen their files (stack.sh reopen), the others are copied and
# truncated (PostgreSQL's stderr, multiwatch's, the set-up steps').
write_logrotate_conf() {
	local name files="" su=""
	for name in nginx-error nginx-access jobs $(binaries_in "$DIR/bin/cgi-bin"); do
		files="$files $LOG/$name.log"
	done
	is_root && su="su $STACK_USER $STACK_GROUP"
	cat >"$ETC/logrotate.conf.new" <<-EOF
		# Written by scripts/stack.sh at each start.
		daily
		maxsize 50M
		rotate 7
		missingok
		notifempty
		compress
		delaycompress
		${su}
		$files {
			create 0640 $STACK_USER $STACK_GROUP
			sharedscripts
			postrotate
				$here/stack.sh reopen $DIR >/dev/null
			endscript
		}
		$LOG/postgres.log $LOG/supervisor.log $LOG/db.log $LOG/initdb.log $LOG/nginx-conf.log $LOG/nginx-test.log $LOG/openssl.log {
			copytruncate
		}
	EOF
	chmod 644 "$ETC/logrotate.conf.new"
	mv -f "$ETC/logrotate.conf.new" "$ETC/logrotate.conf"
}

# Every process of the stack opens its log file again (by name).
cmd_reopen() {
	local f pid k
	STACK_USER=$(stat -c %U "$DIR" 2>/dev/null || id -un)
	if pid=$(pid_of "$NGINX_PID" nginx); then kill -USR1 "$pid"; fi
	for f in "$RUN"/*.pid; do
		[ -e "$f" ] && [ "$f" != "$NGINX_PID" ] || continue
		pid=$(pid_of "$f" multiwatch) || continue
		for k in $(children_of "$pid"); do kill -HUP "$k" 2>/dev/null || true; done
	done
	if pid=$(head -n 1 "$RUN/jobs.pid" 2>/dev/null | tr -dc 0-9) && [ -n "$pid" ] &&
		[[ $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) == *"jobs.sh loop $DIR "* ]]; then
		kill -HUP "$pid" 2>/dev/null || true
	fi
	return 0
}

# logrotate on the stack's config and state; --force rotates now.
cmd_rotate() {
	local force=()
	[ "${1:-}" = --force ] && force=(-f)
	[ -r "$ETC/logrotate.conf" ] || die "no $ETC/logrotate.conf: start the stack first"
	command -v logrotate >/dev/null || die "logrotate is not installed (scripts/deps.sh)"
	logrotate "${force[@]}" -s "$RUN/logrotate.state" "$ETC/logrotate.conf"
}
