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
	python3-jsonschema nodejs
)
# The OpenAPI document's validator (the official OAS 3.1 schema), pinned by
# tests/openapi/package-lock.json and installed with npm ci.
OPENAPI_TOOLS=tests/openapi
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

# npm comes with some nodejs builds and is a package of its own in Debian's.
need_npm() {
	command -v npm >/dev/null && return 0
	if [ "$(id -u)" -ne 0 ]; then
		printf 'run as root:\n  apt-get install -y --no-install-recommends npm\n' >&2
		exit 1
	fi
	apt-get install -y -q --no-install-recommends npm || die "apt-get install npm failed"
}

# tests/openapi/node_modules as the lock file pins it, unless already so.
openapi_tools() {
	local dir lock stamp
	dir="$(cd "$(dirname "$0")/.." && pwd)/$OPENAPI_TOOLS"
	lock="$dir/package-lock.json"
	stamp="$dir/node_modules/.package-lock.json"
	[ -f "$stamp" ] && [ "$stamp" -nt "$lock" ] && return 0
	need_npm
	printf '%s: npm ci in %s\n' "$PROG" "$OPENAPI_TOOLS"
	npm ci --prefix "$dir" --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null ||
		die "npm ci in $OPENAPI_TOOLS failed"
}

main() {
	local missing
	command -v dpkg-query >/dev/null || die "dpkg-query not found: this script needs Debian or Ubuntu"
	mapfile -t missing < <(missing_packages)
	if [ ${#missing[@]} -eq 0 ]; then
		openapi_tools
		return 0
	fi
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
	openapi_tools
}

main "$@"
