# mdtd: daemon, client and shared library.
#
#   make            build build/mdtd and build/mdt
#   make run        install deps, build, create var/mdtd.db, serve on 127.0.0.1:8470
#   make check      install deps, build, run every test (plain, then ASan+UBSan;
#                   a short valgrind memcheck run first)
#   make fuzz       run every libFuzzer target for FUZZ_SECONDS each (clang)
#   make bench      HTTP and scrubber benchmarks (numbers, not assertions)
#   make valgrind   unit tests and a subset of e2e scripts under valgrind memcheck
#   make reliability  fuzz, crash, hostile-input and connection figures: docs/RELIABILITY.md
#   make install    PREFIX=/usr/local DESTDIR=... (and make uninstall)

CC      ?= cc
O       ?= build
PKGS     = libuv sqlite3 libical jansson libsodium libcurl openssl zlib
WARN     = -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wpointer-arith -Wformat=2 -Wvla \
           -Wundef -fno-common
CFLAGS  ?= -O2 -g
DEPCFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
DEPLIBS   := -lh2o $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread
ALL_CFLAGS = $(WARN) $(CFLAGS) -Ilib -I$(O)/gen -DH2O_USE_LIBUV=1 $(DEPCFLAGS) -MMD -MP

ifdef SANITIZE
CFLAGS  += -O1 -fno-omit-frame-pointer -fsanitize=$(SANITIZE) -fno-sanitize-recover=$(SANITIZE)
LDFLAGS += -fsanitize=$(SANITIZE)
endif

LIB_SRC    := $(sort $(wildcard lib/*.c))
SERVER_SRC := $(sort $(wildcard server/*.c))
CLIENT_SRC := $(sort $(wildcard client/*.c))
UNIT_SRC   := $(sort $(wildcard tests/unit/*.c))
FUZZ_SRC   := $(sort $(wildcard tests/fuzz/fuzz-*.c))
SCHEMA     := $(sort $(wildcard schema/*.sql))
LEXICON    := $(sort $(wildcard lib/data/*.txt))

LIB_OBJ    := $(LIB_SRC:%.c=$(O)/%.o) $(O)/gen/lexicon-data.o
SERVER_OBJ := $(SERVER_SRC:%.c=$(O)/%.o) $(O)/gen/schema-data.o
CLIENT_OBJ := $(CLIENT_SRC:%.c=$(O)/%.o)
UNIT_OBJ   := $(UNIT_SRC:%.c=$(O)/%.o)
# Unit tests link the server's objects too (all but main.o) so store and
# http helpers can be tested directly, and the client's output helpers.
SERVER_LIBOBJ := $(filter-out $(O)/server/main.o,$(SERVER_OBJ))
CLIENT_LIBOBJ := $(O)/client/output.o

.PHONY: all deps run check test unit e2e fuzz fuzz-build fuzz-replay bench clean install uninstall lint valgrind reliability
all: $(O)/mdtd $(O)/mdt

deps:
	@scripts/install-deps

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# Data embedded in the binaries, so they need no files at run time.
$(O)/gen/lexicon-data.c: $(LEXICON) scripts/gen-embed
	@mkdir -p $(dir $@)
	scripts/gen-embed mdt_lexicon $(LEXICON) > $@
$(O)/gen/schema-data.c: $(SCHEMA) scripts/gen-embed
	@mkdir -p $(dir $@)
	scripts/gen-embed mdt_schema $(SCHEMA) > $@
$(O)/gen/%.o: $(O)/gen/%.c
	$(CC) $(ALL_CFLAGS) -Ilib -c -o $@ $<

# Unit tests register themselves with TEST(name); the list is generated.
$(O)/gen/test-list.h: $(UNIT_SRC) scripts/gen-test-list
	@mkdir -p $(dir $@)
	scripts/gen-test-list $(UNIT_SRC) > $@.tmp && mv $@.tmp $@
$(O)/tests/unit/runner.o: $(O)/gen/test-list.h

$(O)/libmdt.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(O)/mdtd: $(SERVER_OBJ) $(O)/libmdt.a
	$(CC) $(LDFLAGS) -o $@ $^ $(DEPLIBS)

$(O)/mdt: $(CLIENT_OBJ) $(O)/libmdt.a
	$(CC) $(LDFLAGS) -o $@ $^ $(DEPLIBS)

$(O)/unit-tests: $(UNIT_OBJ) $(SERVER_LIBOBJ) $(CLIENT_LIBOBJ) $(O)/libmdt.a
	$(CC) $(LDFLAGS) -o $@ $^ $(DEPLIBS)

# Fuzz targets (tests/fuzz/fuzz-*.c define LLVMFuzzerTestOneInput).
# make fuzz: build with clang's libFuzzer and run each for FUZZ_SECONDS.
# In every other build they link with tests/fuzz/replay.c instead, which
# replays the committed corpus: make check runs that as a regression test.
FUZZ_SECONDS ?= 60
FUZZ_NAMES   := $(FUZZ_SRC:tests/fuzz/%.c=%)
FUZZ_OBJ_DEPS = $(SERVER_LIBOBJ) $(O)/libmdt.a
$(O)/fuzz/%: $(O)/tests/fuzz/%.o $(O)/tests/fuzz-replay.o $(FUZZ_OBJ_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(DEPLIBS)
$(O)/tests/fuzz-replay.o: tests/fuzz/replay.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<
$(O)/libfuzzer/%: $(O)/tests/fuzz/%.o $(FUZZ_OBJ_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(DEPLIBS)
fuzz-replay: $(FUZZ_NAMES:%=$(O)/fuzz/%)
fuzz-build: $(FUZZ_NAMES:%=$(O)/libfuzzer/%)
fuzz: deps
	$(MAKE) O=build-fuzz CC=clang SANITIZE=address,undefined \
	    CFLAGS="-g -fsanitize=fuzzer-no-link" fuzz-build
	scripts/run-fuzz build-fuzz $(FUZZ_SECONDS)

# Targets that install packages first build in a sub-make, so that the
# pkg-config flags are read after the packages are there.
run: deps
	@$(MAKE) --no-print-directory all
	@scripts/run-dev

unit: $(O)/unit-tests
	$(O)/unit-tests

# make check: the plain build, then the whole suite again under ASan+UBSan;
# first a short valgrind memcheck run (make valgrind runs the longer one).
CHECK_VALGRIND_E2E = t0100-daemon t0130-directory t0620-audit
check: deps
	$(MAKE) all $(O)/unit-tests fuzz-replay
	$(MAKE) O=build-san SANITIZE=address,undefined all build-san/unit-tests fuzz-replay
	VALGRIND_E2E="$(CHECK_VALGRIND_E2E)" scripts/run-tests --valgrind build build build-san

test: all $(O)/unit-tests fuzz-replay
	scripts/run-tests $(O)

# The longer memcheck run: more unit tests and end-to-end scripts than
# make check's (see docs/RELIABILITY.md for the times).
valgrind: deps
	$(MAKE) all $(O)/unit-tests
	scripts/run-tests --valgrind $(O)

reliability: deps
	$(MAKE) all
	$(MAKE) O=build-fuzz CC=clang SANITIZE=address,undefined \
	    CFLAGS="-g -fsanitize=fuzzer-no-link" fuzz-build
	scripts/reliability $(O) build-fuzz $(FUZZ_SECONDS)

bench: deps
	$(MAKE) all
	scripts/bench-http
	scripts/bench-scrub
	scripts/bench-fanout
	scripts/bench-report

clean:
	rm -rf build build-san build-fuzz

# make install PREFIX=/usr/local DESTDIR=...: binaries, man pages, example
# config, guides, schema, bash completion and systemd unit; the list is in
# scripts/install, which uninstall reads too.
PREFIX ?= /usr/local
install: all
	scripts/install install $(O) "$(DESTDIR)" $(PREFIX)
uninstall:
	scripts/install uninstall $(O) "$(DESTDIR)" $(PREFIX)

-include $(shell find $(O) -name '*.d' 2>/dev/null)
