#!/usr/bin/env bash
# install-system.sh: lay down what runs an installed edgescout (after `make
# install`) as system services, under ROOT (default /; a staging directory
# for packaging and tests):
#
#   ROOT/etc/systemd/system/edgescout-fcgi@.service   one instance per FastCGI
#        binary (edgescout-fcgi@auth ...): spawn-fcgi binds /run/edgescout/
#        NAME.sock and multiwatch keeps WORKERS workers on it, restarting a
#        crashed one: the process model the dev and test stacks run
#   ROOT/etc/systemd/system/edgescout-nginx.service   nginx with the
#        configuration rendered from the route tables (/etc/edgescout/nginx.conf)
#   ROOT/etc/systemd/system/edgescout-job@.service and one
#        edgescout-job-NAME.timer per job of the crontab (its schedule as
#        OnCalendar; Persistent, so a missed run happens at boot)
#   ROOT/etc/systemd/system/edgescout.target          all of the above
#   ROOT/etc/sysusers.d/edgescout.conf, ROOT/etc/tmpfiles.d/edgescout.conf
#   ROOT/etc/logrotate.d/edgescout
#   ROOT/etc/edgescout/edgescout.env (only when missing: settings to fill in)
#   ROOT/var/lib/edgescout: DATA_DIR, the stack-shaped directory nginx.conf
#        names (bin, share and run link to the installed files, relatively)
#
# Every unit runs as the edgescout account with NoNewPrivileges,
# ProtectSystem=strict, PrivateTmp and write access only to /run/edgescout,
# /var/lib/edgescout and /var/log/edgescout.
#
# usage: install-system.sh [--root DIR] [--prefix DIR] [--workers N]
#                          [--port N] [--http-port N] [--server-name NAME]
# Then: systemd-sysusers; systemd-tmpfiles --create; systemctl daemon-reload;
# systemctl enable --now edgescout.target (see README, "Backups and operations").
set -euo pipefail

PROG=install-system.sh
ROOT=/ PREFIX=/usr/local WORKERS=4 PORT=443 HTTP_PORT=80 SERVER_NAME=localhost
ACCOUNT=edgescout
STATE=/var/lib/edgescout LOGS=/var/log/edgescout RUNDIR=/run/edgescout CONF=/etc/edgescout

die() {
	printf '%s: %s\n' "$PROG" "$*" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case $1 in
	--root) ROOT=$2; shift 2 ;;
	--prefix) PREFIX=$2; shift 2 ;;
	--workers) WORKERS=$2; shift 2 ;;
	--port) PORT=$2; shift 2 ;;
	--http-port) HTTP_PORT=$2; shift 2 ;;
	--server-name) SERVER_NAME=$2; shift 2 ;;
	-h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done
ROOT=${ROOT%/}
[[ $WORKERS =~ ^[1-9][0-9]?$ ]] || die "--workers: 1 to 99"
LIB=$PREFIX/lib/edgescout SHARE=$PREFIX/share/edgescout
[ -x "$ROOT$PREFIX/bin/edgescout" ] && [ -d "$ROOT$LIB/cgi-bin" ] ||
	die "no installed edgescout under $ROOT$PREFIX (run make install first)"
UNITS=$ROOT/etc/systemd/system

# The hardening every unit shares.
hardening() {
	cat <<EOF
User=$ACCOUNT
Group=$ACCOUNT
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources
CapabilityBoundingSet=
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
UMask=0027
ReadWritePaths=$RUNDIR $STATE $LOGS
Environment=EDGESCOUT_ENV_FILE=$CONF/edgescout.env
EOF
}

# A cron expression of the forms the schedule uses as an OnCalendar value.
on_calendar() {
	local m=$1 h=$2 rest="$3 $4 $5"
	[ "$rest" = "* * *" ] || die "schedule '$*': only minute and hour fields are supported"
	case "$m $h" in
	"* *") echo "*-*-* *:*:00" ;;
	"*/"*" *") echo "*-*-* *:00/${m#*/}:00" ;;
	*" *") echo "*-*-* *:$m:00" ;;
	*" */"*) echo "*-*-* 00/${h#*/}:$m:00" ;;
	*) echo "*-*-* $h:$m:00" ;;
	esac
}

write_fcgi_unit() {
	cat >"$UNITS/edgescout-fcgi@.service" <<EOF
# edgescout FastCGI binary %i: $WORKERS workers on $RUNDIR/%i.sock
[Unit]
Description=edgescout FastCGI %i
After=network.target postgresql.service
PartOf=edgescout.target

[Service]
Type=simple
ExecStart=/usr/bin/spawn-fcgi -n -s $RUNDIR/%i.sock -M 0660 -- /usr/bin/multiwatch -f $WORKERS -- $LIB/cgi-bin/%i
ExecStopPost=/bin/rm -f $RUNDIR/%i.sock
Restart=on-failure
RestartSec=2s
$(hardening)

[Install]
WantedBy=edgescout.target
EOF
}

write_nginx_unit() {
	cat >"$UNITS/edgescout-nginx.service" <<EOF
# nginx in front of the FastCGI binaries, configured by $CONF/nginx.conf
[Unit]
Description=edgescout nginx
After=network.target edgescout-fcgi@health.service
PartOf=edgescout.target

[Service]
Type=forking
PIDFile=$STATE/run/nginx.pid
ExecStartPre=/usr/sbin/nginx -t -q -c $CONF/nginx.conf
ExecStart=/usr/sbin/nginx -c $CONF/nginx.conf
ExecReload=/usr/sbin/nginx -s reload -c $CONF/nginx.conf
ExecStop=/usr/sbin/nginx -s quit -c $CONF/nginx.conf
Restart=on-failure
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
UMask=0027
# the master binds 80/443 and switches its workers to $ACCOUNT
CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_SETUID CAP_SETGID CAP_CHOWN CAP_DAC_OVERRIDE
ReadWritePaths=$RUNDIR $STATE $LOGS

[Install]
WantedBy=edgescout.target
EOF
}

write_job_units() {
	local line m h dom mon dow cmd name
	cat >"$UNITS/edgescout-job@.service" <<EOF
# One run of the scheduled job %i (started by edgescout-job-%i.timer)
[Unit]
Description=edgescout job %i
After=network.target postgresql.service

[Service]
Type=oneshot
ExecStart=$LIB/cron/%i
$(hardening)
EOF
	JOBS=()
	while read -r line; do
		read -r m h dom mon dow _ cmd _ <<<"$line"
		[[ $cmd =~ /cron/([a-z][a-z0-9-]*)$ ]] || continue
		name=${BASH_REMATCH[1]}
		JOBS+=("$name")
		cat >"$UNITS/edgescout-job-$name.timer" <<EOF
# $name: cron schedule "$m $h $dom $mon $dow"
[Unit]
Description=edgescout job $name (schedule)
PartOf=edgescout.target

[Timer]
OnCalendar=$(on_calendar "$m" "$h" "$dom" "$mon" "$dow")
Persistent=true
Unit=edgescout-job@$name.service

[Install]
WantedBy=edgescout.target
EOF
	done < <(grep -E '^[0-9*]' "$ROOT$SHARE/crontab")
	[ ${#JOBS[@]} -gt 0 ] || die "no job in $ROOT$SHARE/crontab"
}

write_target() {
	local wants=() b
	for b in "$ROOT$LIB"/cgi-bin/*; do wants+=("edgescout-fcgi@$(basename "$b").service"); done
	for b in "${JOBS[@]}"; do wants+=("edgescout-job-$b.timer"); done
	cat >"$UNITS/edgescout.target" <<EOF
# Everything edgescout runs: each FastCGI binary, nginx, each job's timer
[Unit]
Description=edgescout
Wants=${wants[*]} edgescout-nginx.service

[Install]
WantedBy=multi-user.target
EOF
}

write_system_files() {
	mkdir -p "$ROOT/etc/sysusers.d" "$ROOT/etc/tmpfiles.d" "$ROOT/etc/logrotate.d"
	printf 'u %s - "edgescout services" %s /usr/sbin/nologin\n' "$ACCOUNT" "$STATE" \
		>"$ROOT/etc/sysusers.d/edgescout.conf"
	cat >"$ROOT/etc/tmpfiles.d/edgescout.conf" <<EOF
d $RUNDIR 0750 $ACCOUNT $ACCOUNT -
d $STATE 0750 $ACCOUNT $ACCOUNT -
d $STATE/backups 0700 $ACCOUNT $ACCOUNT -
d $STATE/tmp 0750 $ACCOUNT $ACCOUNT -
d $LOGS 0750 $ACCOUNT $ACCOUNT -
EOF
	cat >"$ROOT/etc/logrotate.d/edgescout" <<EOF
# Job and nginx logs of edgescout; nginx reopens its files on USR1.
$LOGS/*.log {
	daily
	rotate 14
	compress
	delaycompress
	missingok
	notifempty
	su $ACCOUNT $ACCOUNT
	create 0640 $ACCOUNT $ACCOUNT
	sharedscripts
	postrotate
		[ ! -f $STATE/run/nginx.pid ] || kill -USR1 "\$(cat $STATE/run/nginx.pid)"
	endscript
}
EOF
}

# DATA_DIR shaped as the stack directory nginx.conf names; relative links,
# so that it works from a staging root too.
write_state_dir() {
	local d=$ROOT$STATE up=../../..
	mkdir -p "$d/etc/tls" "$d/tmp" "$d/backups" "$ROOT$LOGS" "$ROOT$RUNDIR" "$ROOT$CONF"
	ln -sfn "$up$LIB" "$d/bin"
	ln -sfn "$up$SHARE" "$d/share"
	ln -sfn "$up$RUNDIR" "$d/run"
	ln -sfn "$up$LOGS" "$d/log"
	if [ ! -f "$d/etc/tls/cert.pem" ]; then   # a stand-in until the operator's own
		openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=$SERVER_NAME" \
			-keyout "$d/etc/tls/key.pem" -out "$d/etc/tls/cert.pem" 2>/dev/null ||
			die "openssl could not make a certificate"
		chmod 600 "$d/etc/tls/key.pem"
	fi
	if [ ! -f "$ROOT$CONF/edgescout.env" ]; then
		( umask 077; cat >"$ROOT$CONF/edgescout.env" <<EOF
# edgescout settings (edgescout config show lists them all; config check judges)
APP_ENV=production
DATA_DIR=$STATE
RUN_DIR=$RUNDIR
MIGRATIONS_DIR=$SHARE/sql
EDGESCOUT_BIN_DIR=$LIB/cgi-bin
BACKUP_KEY_FILE=$CONF/backup.key
# SECRET_KEY=            at least 32 characters
# DATABASE_URL=          app role; DATABASE_OWNER_URL= owner role (migrations, backups)
# DATABASE_ADMIN_URL=    superuser (db init, backup restore)
EOF
		)
	fi
}

# nginx.conf from the route tables, rendered against the staging root and
# then given its real paths.
write_nginx_conf() {
	local out=$ROOT$CONF/nginx.conf
	"$ROOT$PREFIX/bin/edgescout" nginx-conf --dir "$ROOT$STATE" --templates "$ROOT$SHARE/nginx" \
		--out "$out.staged" --port "$PORT" --http-port "$HTTP_PORT" --workers "$WORKERS" \
		--user "$ACCOUNT" --listen '0.0.0.0,[::]' >/dev/null ||
		die "edgescout nginx-conf failed"
	if [ -n "$ROOT" ]; then
		sed "s|$ROOT/|/|g" "$out.staged" >"$out"
	else
		mv "$out.staged" "$out"
	fi
}

mkdir -p "$UNITS"
write_fcgi_unit
write_nginx_unit
write_job_units
write_target
write_system_files
write_state_dir
write_nginx_conf
printf '%s: units, timers (%d jobs), nginx.conf and system files under %s/\n' "$PROG" \
	"${#JOBS[@]}" "${ROOT:-}"
