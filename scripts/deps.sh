#!/usr/bin/env bash
# deps.sh: install the Debian packages edgescout needs to build, test and run,
# only when some are missing. Services the packages would start (nginx,
# PostgreSQL, Prometheus) are kept from starting during the install: the
# stack runs its own instances.
set -euo pipefail

PROG=deps.sh
PACKAGES=(
	build-essential pkg-config clang libclang-rt-14-dev
	libfcgi-dev libpq-dev libjson-c-dev libcurl4-openssl-dev libsodium-dev libcmocka-dev libzxcvbn-dev
	postgresql postgresql-contrib nginx spawn-fcgi multiwatch
	openssl curl ca-certificates wrk valgrind prometheus python3 python3-aiosmtpd logrotate
)
POLICY=/usr/sbin/policy-rc.d

die() {
	printf '%s: %s\n' "$PROG" "$*" >&2
	exit 1
}

# The packages of PACKAGES that are not fully installed, one per line.
missing_packages() {
	local installed p
	# dpkg-query fails when it knows some name not at all: that name is missing.
	installed=$(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${PACKAGES[@]}" 2>/dev/null |
		awk '$2 == "ii" { print $1 }' || true)
	for p in "${PACKAGES[@]}"; do
		grep -qxF "$p" <<<"$installed" || printf '%s\n' "$p"
	done
}

# Keep invoke-rc.d / deb-systemd-invoke from starting services while we
# install, unless a policy is already in place (then it is left alone).
deny_service_starts() {
	[ -e "$POLICY" ] && return 0
	printf '#!/bin/sh\n# Written by edgescout scripts/deps.sh during an install.\nexit 101\n' >"$POLICY"
	chmod 755 "$POLICY"
	trap 'rm -f "$POLICY"' EXIT
}

main() {
	local missing
	command -v dpkg-query >/dev/null || die "dpkg-query not found: this script needs Debian or Ubuntu"
	mapfile -t missing < <(missing_packages)
	[ ${#missing[@]} -gt 0 ] || return 0
	printf '%s: missing packages: %s\n' "$PROG" "${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		printf 'run as root:\n  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends %s\n' \
			"${missing[*]}" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	deny_service_starts
	apt-get update -q || die "apt-get update failed"
	apt-get install -y -q --no-install-recommends "${missing[@]}" || die "apt-get install failed"
	mapfile -t missing < <(missing_packages)
	[ ${#missing[@]} -eq 0 ] || die "still missing after the install: ${missing[*]}"
}

main "$@"
