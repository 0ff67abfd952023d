#!/usr/bin/env bash
# deps.sh: install the Debian packages edgescout needs to build, test and run,
# only when some are missing, saying first which (with their dependencies and
# about how much disk they take) and which account `make run` then creates.
# Services the packages would start (nginx, PostgreSQL, Prometheus) are kept
# from starting during the install and disabled at boot afterwards: the stack
# runs its own instances.
set -euo pipefail

PROG=deps.sh
PACKAGES=(
	build-essential pkg-config clang libclang-rt-14-dev
	libfcgi-dev libpq-dev libjson-c-dev libcurl4-openssl-dev libsodium-dev libcmocka-dev libzxcvbn-dev
	postgresql postgresql-contrib nginx spawn-fcgi multiwatch
	openssl curl ca-certificates wrk valgrind prometheus python3 python3-aiosmtpd logrotate
	python3-jsonschema nodejs
	# the billing tests sign webhook events with Stripe's own library
	python3-stripe
	# systemd-analyze (verify, security, calendar) checks the production units
	systemd
	# nginx's pub/sub module: the live stream (/api/stream), subscribers held by nginx
	libnginx-mod-nchan
	# the web page's test: Debian's browser driven by WebDriver, nothing downloaded
	chromium chromium-driver python3-selenium
	# the stream tests and bench subscribe with a real WebSocket client
	python3-websockets
)
# npm folders, each pinned by its package-lock.json and installed with npm ci:
# the OpenAPI document's validator (the official OAS 3.1 schema), the local
# S3-compatible server of the off-site backup tests (tests only), and the web
# page's chart library, bundler (esbuild) and accessibility checker (axe-core).
NPM_TOOLS=(tests/openapi tests/s3 web)
POLICY=${POLICY_RC_D:-/usr/sbin/policy-rc.d}   # (another path only in tests)
# The system services of PACKAGES (package:unit): installing enables them at
# boot, which edgescout does not want.
SERVICES=(nginx:nginx postgresql:postgresql prometheus:prometheus)
ACCOUNT=edgescout

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

# What installing the packages named would bring: "N packages, about S MB
# on disk" (their dependencies counted), from apt's simulation.
install_size() {
	local pkgs n kb
	pkgs=$(apt-get -s -q install --no-install-recommends "$@" 2>/dev/null | awk '/^Inst / { print $2 }')
	n=$(wc -w <<<"$pkgs")
	if [ "$n" -eq 0 ]; then   # apt knows none of them yet
		printf 'of a size apt tells after apt-get update\n'
		return 0
	fi
	kb=$(apt-cache show --no-all-versions $pkgs 2>/dev/null |
		awk '/^Installed-Size:/ { s += $2 } END { print s + 0 }')
	printf '%s packages with their dependencies, about %s MB on disk\n' "$n" $(((kb + 512) / 1024))
}

# Say what is about to happen, before anything is installed.
announce() {
	printf '%s: will install these Debian packages: %s\n' "$PROG" "$*"
	printf '%s:   that is %s\n' "$PROG" "$(install_size "$@")"
	if ! getent passwd "$ACCOUNT" >/dev/null 2>&1; then
		printf '%s:   then make run / make start as root create the system account %s\n' "$PROG" "$ACCOUNT"
		printf '%s:   (no login, no home) that runs PostgreSQL and the workers\n' "$PROG"
	fi
	printf '%s:   services they bring (nginx, postgresql, prometheus) are not started and stay\n' "$PROG"
	printf '%s:   disabled at boot: the stack runs its own\n' "$PROG"
}

# Disable at boot the services of the packages just installed (an install
# enables them); those installed before are left as they were.
disable_services() {
	local s pkg unit
	command -v systemctl >/dev/null || return 0
	for s in "${SERVICES[@]}"; do
		pkg=${s%%:*} unit=${s#*:}
		printf '%s\n' "$@" | grep -qxF "$pkg" || continue
		systemctl disable --quiet "$unit.service" 2>/dev/null ||
			printf '%s: warning: could not disable %s at boot (systemctl disable %s)\n' "$PROG" "$unit" "$unit" >&2
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

# Each NPM_TOOLS folder's node_modules as its lock file pins it, unless
# already so.
npm_tools() {
	local t dir lock stamp
	for t in "${NPM_TOOLS[@]}"; do
		dir="$(cd "$(dirname "$0")/.." && pwd)/$t"
		lock="$dir/package-lock.json"
		stamp="$dir/node_modules/.package-lock.json"
		[ -f "$stamp" ] && [ "$stamp" -nt "$lock" ] && continue
		need_npm
		printf '%s: npm ci in %s\n' "$PROG" "$t"
		npm ci --prefix "$dir" --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null ||
			die "npm ci in $t failed"
	done
}

main() {
	local missing
	command -v dpkg-query >/dev/null || die "dpkg-query not found: this script needs Debian or Ubuntu"
	mapfile -t missing < <(missing_packages)
	if [ ${#missing[@]} -eq 0 ]; then
		npm_tools
		return 0
	fi
	if [ "$(id -u)" -ne 0 ]; then
		announce "${missing[@]}"
		printf 'run as root:\n  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends %s\n' \
			"${missing[*]}" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	deny_service_starts
	apt-get update -q || die "apt-get update failed"
	announce "${missing[@]}"
	apt-get install -y -q --no-install-recommends "${missing[@]}" || die "apt-get install failed"
	disable_services "${missing[@]}"
	mapfile -t missing < <(missing_packages)
	[ ${#missing[@]} -eq 0 ] || die "still missing after the install: ${missing[*]}"
	npm_tools
}

main "$@"
