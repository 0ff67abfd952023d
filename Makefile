# edgescout: one build. Sources are found by wildcard:
#   common/LAYER/*.c  -> $(BUILD)/libcommon.a  (one folder per layer)
#   cgi-bin/X.c       -> $(BUILD)/cgi-bin/X     (a FastCGI binary)
#   cron/X.c          -> $(BUILD)/cron/X        (a scheduled job)
#   cli/*.c           -> $(BUILD)/cli/edgescout (the operator command)
#   tests/unit/test_X.c -> $(BUILD)/tests/unit/test_X
#   web/src/*           -> $(BUILD)/web/        (the web page, bundled by esbuild)
# SAN=1 builds with AddressSanitizer and UndefinedBehaviorSanitizer into build-san/.

.DELETE_ON_ERROR:
.SUFFIXES:
.PHONY: all run start stop status test unit benchbin bench soak fuzz install clean deps FORCE

SAN ?= 0
ifeq ($(SAN),1)
BUILD ?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
else
BUILD ?= build
SANFLAGS =
endif

CC ?= cc
PREFIX ?= /usr/local
PKGS = json-c libpq libcurl libsodium
CFLAGS ?= -O2 -g
# Route tables leave their optional trailing fields (quota) out: that is
# what missing-field-initializers would flag, so it alone is off.
WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wformat=2 -Wvla -Wpointer-arith -Wundef -Wnull-dereference \
       -Wno-missing-field-initializers
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# Each layer folder of common/ is on the include path: `#include "x.h"`.
LAYER_DIRS = $(patsubst %/,%,$(sort $(dir $(wildcard common/*/*.[ch]))))
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L $(WARN) $(CFLAGS) $(SANFLAGS) \
             $(addprefix -I,$(LAYER_DIRS)) -I$(BUILD)/gen $(PKG_CFLAGS) -MMD -MP
# Only FastCGI binaries (and the unit tests of the app loop) link libfcgi:
# cron jobs and the CLI reach no web code, and the linker proves it.
LDLIBS = $(PKG_LIBS) -lzxcvbn -lm
FCGI_LIBS = -lfcgi

COMMON_SRC = $(wildcard common/*/*.c)
COMMON_OBJ = $(COMMON_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/build_info.o
CGI_BIN = $(patsubst %.c,$(BUILD)/%,$(wildcard cgi-bin/*.c))
CRON_BIN = $(patsubst %.c,$(BUILD)/%,$(wildcard cron/*.c))
CLI_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard cli/*.c))
CLI_BIN = $(BUILD)/cli/edgescout
UNIT_BIN = $(patsubst %.c,$(BUILD)/%,$(wildcard tests/unit/test_*.c))
LIB = $(BUILD)/libcommon.a

WEB_PAGE = $(BUILD)/web/index.html

all: $(CGI_BIN) $(CRON_BIN) $(CLI_BIN) $(WEB_PAGE)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# Version, commit, build time and the schema version this build expects;
# rewritten only when one of the first three changes.
SCHEMA_VERSION = $(shell ls sql 2>/dev/null | sed -n '/\.down\.sql$$/d; s/^\([0-9][0-9][0-9]\)_.*\.sql$$/\1/p' | sort | tail -n 1)
GIT_COMMIT = $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD -- 2>/dev/null || echo -dirty)
VERSION = $(shell cat VERSION 2>/dev/null || echo 0.0.0)
LIBFCGI_VERSION = $(shell pkg-config --modversion fcgi 2>/dev/null || echo unknown)
$(BUILD)/gen/build_info.c: FORCE
	@mkdir -p $(@D)
	@want='$(VERSION) $(GIT_COMMIT) $(SCHEMA_VERSION) $(LIBFCGI_VERSION)'; \
	if ! grep -qs "^/\* $$want \*/" $@; then \
	  { echo "/* $$want */"; \
	    echo '#include "build_info.h"'; \
	    echo 'const char build_version[] = "$(VERSION)";'; \
	    echo 'const char build_commit[] = "$(GIT_COMMIT)";'; \
	    echo "const char build_time[] = \"$$(date -u +%Y-%m-%dT%H:%M:%SZ)\";"; \
	    echo 'const char build_schema_version[] = "$(SCHEMA_VERSION)";'; \
	    echo 'const char build_libfcgi_version[] = "$(LIBFCGI_VERSION)";'; } > $@; \
	fi

$(BUILD)/gen/build_info.o: $(BUILD)/gen/build_info.c
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(COMMON_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/cgi-bin/%: $(BUILD)/cgi-bin/%.o $(LIB)
	$(CC) $(CFLAGS) $(SANFLAGS) $< $(LIB) $(FCGI_LIBS) $(LDLIBS) -o $@

$(BUILD)/cron/%: $(BUILD)/cron/%.o $(LIB)
	$(CC) $(CFLAGS) $(SANFLAGS) $< $(LIB) $(LDLIBS) -o $@

$(CLI_BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(CFLAGS) $(SANFLAGS) $(CLI_OBJ) $(LIB) $(LDLIBS) -o $@

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(LIB)
	$(CC) $(CFLAGS) $(SANFLAGS) $< $(LIB) $(FCGI_LIBS) $(LDLIBS) -lcmocka -o $@

unit: $(UNIT_BIN)

# The web page: web/src bundled with web/node_modules (npm ci by make deps)
# into index.html and content-hashed assets/.
$(WEB_PAGE): $(wildcard web/src/*) web/build.mjs web/package-lock.json
	@test -x web/node_modules/.bin/esbuild || { echo "web/node_modules is missing: run make deps (npm ci in web/)" >&2; exit 1; }
	node web/build.mjs $(BUILD)/web

# Benchmark programs: tests/bench/X.c -> $(BUILD)/tests/bench/X
BENCH_BIN = $(patsubst %.c,$(BUILD)/%,$(wildcard tests/bench/*.c))
$(BUILD)/tests/bench/%: $(BUILD)/tests/bench/%.o $(LIB)
	$(CC) $(CFLAGS) $(SANFLAGS) $< $(LIB) $(LDLIBS) -o $@

benchbin: $(BENCH_BIN)

# ---- the two commands and the stack ----------------------------------------

deps:
	@scripts/deps.sh

# Settings for make run and make start: edgescout.env at the top of the tree
# (KEY=VALUE lines, see README), when there is one; EXTRA_ENV names another.
LOCAL_ENV = $(wildcard $(CURDIR)/edgescout.env)

# exec: make's child is run.sh itself, which make passes a TERM on to.
run: deps
	@$(MAKE) --no-print-directory all
	@BUILD_DIR=$(BUILD) EXTRA_ENV="$${EXTRA_ENV:-$(LOCAL_ENV)}" exec scripts/run.sh

start: deps
	@$(MAKE) --no-print-directory all
	@BUILD_DIR=$(BUILD) EXTRA_ENV="$${EXTRA_ENV:-$(LOCAL_ENV)}" scripts/stack.sh up var

stop:
	@scripts/stack.sh down var

status:
	@scripts/stack.sh status var

test: deps
	@scripts/test.sh

bench: deps
	@$(MAKE) --no-print-directory all benchbin
	@scripts/bench.sh

# Faults under load at full length (tests/faults/faults.py; make test runs
# its short form): figures for the README.
soak: deps
	@$(MAKE) --no-print-directory all
	@BUILD_DIR=$(BUILD) scripts/soak.sh

# libFuzzer harnesses, each run for FUZZ_SECONDS.
FUZZ_SECONDS ?= 20
FUZZ_BUILD = build-fuzz
fuzz: deps
	@scripts/fuzz.sh $(FUZZ_SECONDS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/edgescout/cgi-bin \
	           $(DESTDIR)$(PREFIX)/lib/edgescout/cron $(DESTDIR)$(PREFIX)/share/edgescout/sql \
	           $(DESTDIR)$(PREFIX)/share/edgescout/nginx $(DESTDIR)$(PREFIX)/share/edgescout/data \
	           $(DESTDIR)$(PREFIX)/share/edgescout/web/assets
	install -m 755 $(CLI_BIN) $(DESTDIR)$(PREFIX)/bin/edgescout
	install -m 755 $(CGI_BIN) $(DESTDIR)$(PREFIX)/lib/edgescout/cgi-bin/
	$(if $(CRON_BIN),install -m 755 $(CRON_BIN) $(DESTDIR)$(PREFIX)/lib/edgescout/cron/)
	install -m 644 sql/*.sql $(DESTDIR)$(PREFIX)/share/edgescout/sql/
	install -m 644 nginx/* $(DESTDIR)$(PREFIX)/share/edgescout/nginx/
	install -m 644 data/* $(DESTDIR)$(PREFIX)/share/edgescout/data/
	install -d $(DESTDIR)$(PREFIX)/share/edgescout/prometheus $(DESTDIR)$(PREFIX)/share/edgescout/grafana
	install -m 644 cron/crontab $(DESTDIR)$(PREFIX)/share/edgescout/crontab
	install -m 644 docs/prometheus/*.yml $(DESTDIR)$(PREFIX)/share/edgescout/prometheus/
	install -m 644 docs/grafana/*.json $(DESTDIR)$(PREFIX)/share/edgescout/grafana/
	install -m 755 scripts/install-system.sh $(DESTDIR)$(PREFIX)/share/edgescout/install-system.sh
	install -m 644 $(WEB_PAGE) $(DESTDIR)$(PREFIX)/share/edgescout/web/
	install -m 644 $(BUILD)/web/assets/* $(DESTDIR)$(PREFIX)/share/edgescout/web/assets/

clean:
	rm -rf build build-san build-fuzz

FORCE:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
