#!/bin/sh
# fuzz.sh SECONDS: build every libFuzzer harness tests/fuzz/fuzz_NAME.c into
# build-fuzz/, run each for SECONDS on a fresh corpus seeded from
# tests/fuzz/seeds/NAME/, print one line per harness, and exit non-zero if
# any harness crashed (or failed to build).
#
# Environment: FUZZ_CC (default clang), FUZZ_JOBS (parallel compiles).
set -eu

cd "$(dirname "$0")/.."

usage() {
	echo "usage: scripts/fuzz.sh SECONDS" >&2
	exit 2
}

[ $# -eq 1 ] || usage
secs=$1
case $secs in
'' | *[!0-9]*) usage ;;
esac
[ "$secs" -gt 0 ] || usage

cc=${FUZZ_CC:-clang}
if ! command -v "$cc" >/dev/null 2>&1; then
	if command -v clang-14 >/dev/null 2>&1; then
		cc=clang-14
	else
		echo "fuzz.sh: no clang found (set FUZZ_CC)" >&2
		exit 2
	fi
fi

out=build-fuzz
pkgs="json-c libpq libcurl libsodium"
cflags="-std=c11 -D_POSIX_C_SOURCE=200809L -g -O1 -fno-omit-frame-pointer \
-fsanitize=address,undefined -Wall -Wextra $(for d in common/*/; do printf -- '-I%s ' "${d%/}"; done)-Ibuild/gen $(pkg-config --cflags $pkgs)"
libs="$(pkg-config --libs $pkgs) -lfcgi -lzxcvbn -lm"

# ---- build ----------------------------------------------------------------

make --no-print-directory build/gen/build_info.c
mkdir -p "$out/obj" "$out/bin"

objs=""
for src in common/*/*.c build/gen/build_info.c; do
	obj="$out/obj/$(basename "$src" .c).o"
	# coverage instrumentation without libFuzzer's main
	"$cc" $cflags -fsanitize=fuzzer-no-link -c "$src" -o "$obj" || {
		echo "fuzz.sh: cannot compile $src" >&2
		exit 1
	}
	objs="$objs $obj"
done

harnesses=$(ls tests/fuzz/fuzz_*.c 2>/dev/null || true)
if [ -z "$harnesses" ]; then
	echo "fuzz.sh: no harnesses in tests/fuzz/" >&2
	exit 1
fi

for src in $harnesses; do
	name=$(basename "$src" .c)
	"$cc" $cflags -fsanitize=fuzzer "$src" $objs $libs -o "$out/bin/$name" || {
		echo "fuzz.sh: cannot build $name" >&2
		exit 1
	}
done

# ---- run ------------------------------------------------------------------

# final_stat NAME LOG: a value from libFuzzer's final statistics, or "?".
final_stat() {
	sed -n "s/^stat::$1: *//p" "$2" | tail -n 1 | grep . || echo "?"
}

failed=0
for src in $harnesses; do
	name=$(basename "$src" .c)
	seeds="tests/fuzz/seeds/${name#fuzz_}"
	corpus="$out/corpus/$name"
	artifacts="$out/artifacts/$name"
	log="$out/$name.log"

	rm -rf "$corpus" "$artifacts"
	mkdir -p "$corpus" "$artifacts"
	if [ -d "$seeds" ]; then
		cp "$seeds"/* "$corpus"/ 2>/dev/null || true
	fi
	nseeds=$(ls "$corpus" | wc -l)

	rc=0
	"$out/bin/$name" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1 || rc=$?

	runs=$(final_stat number_of_executed_units "$log")
	rate=$(final_stat average_exec_per_sec "$log")
	size=$(ls "$corpus" | wc -l)
	if [ "$rc" -eq 0 ]; then
		printf '%-16s ok     %10s runs %8s exec/s  corpus %d -> %d\n' \
			"$name" "$runs" "$rate" "$nseeds" "$size"
	else
		crash=$(ls "$artifacts" 2>/dev/null | head -n 1)
		printf '%-16s FAILED (exit %d) after %s runs: %s (log %s)\n' \
			"$name" "$rc" "$runs" "${crash:+$artifacts/$crash}" "$log"
		grep -m 1 -E '^(==[0-9]+==ERROR|SUMMARY|fuzz_[a-z]+: )' "$log" | sed 's/^/    /' || true
		failed=1
	fi
done
exit "$failed"
