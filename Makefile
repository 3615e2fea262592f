# sessq: `make` builds build/sessq, `make check` runs every test, `make demo` shows it at work.
CC ?= cc
CFLAGS ?= -O3 -g
GCC := $(if $(findstring Free Software Foundation,$(shell $(CC) --version 2>/dev/null)),1,0)
# Link-time optimization, with gcc: lets the compiler inline across modules (the shape reader's
# loop calls the tokenizer for every token). The objects keep their plain code as well, which
# the unit tests link: Criterion's section-based test registration loses tests under LTO.
LTO = $(if $(filter 1,$(GCC)),-flto=auto -ffat-lto-objects)
WARNINGS = -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wvla
CPPFLAGS += -Iinclude -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64
LDLIBS = -lcsv -lz -lm -lpcre2-8 -pthread
TEST_LDLIBS = -lcriterion

BUILD ?= build
SRC = $(wildcard src/*.c)
OBJ = $(SRC:src/%.c=$(BUILD)/obj/%.o)
LIBOBJ = $(filter-out $(BUILD)/obj/main.o,$(OBJ))
TESTSRC = $(wildcard tests/*.c)
TESTOBJ = $(TESTSRC:tests/%.c=$(BUILD)/obj/tests/%.o)
DEPS_OK = $(BUILD)/.deps-ok

# Profile-guided optimization, with gcc (PGO=0 turns it off; the sanitizer builds do): the
# program is first built instrumented into $(BUILD)/pgo and run on generated dumps
# (scripts/pgo-train.sh), which writes its profile next to the objects of $(BUILD)/obj; these
# are then compiled with it. It is made again whenever a source changes.
PGO ?= $(GCC)
PGO_BUILD = $(BUILD)/pgo
PGO_OBJ = $(SRC:src/%.c=$(PGO_BUILD)/obj/%.o)
PGO_GEN = -fprofile-generate -fprofile-update=atomic
ifeq ($(PGO),1)
PGO_PROFILE = $(PGO_BUILD)/profile.stamp
PGO_USE = -fprofile-use -fprofile-partial-training
endif

.PHONY: all check test asan ubsan demo clean deps fuzz fuzz-smoke format lint bench bench-tools \
	install uninstall
all: $(BUILD)/sessq

# Installs the Debian packages the build needs, only when a header or library is missing.
$(DEPS_OK): scripts/deps.sh
	@sh scripts/deps.sh
	@mkdir -p $(@D) && touch $@

$(BUILD)/obj/%.o: src/%.c $(PGO_PROFILE) | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARNINGS) $(CFLAGS) $(LTO) $(PGO_USE) -MMD -MP -c -o $@ $<

$(BUILD)/obj/tests/%.o: tests/%.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARNINGS) $(CFLAGS) -Wno-missing-prototypes -MMD -MP -c -o $@ $<

$(BUILD)/sessq: $(OBJ)
	$(CC) $(CFLAGS) $(LTO) $(PGO_USE) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/unit-tests: $(TESTOBJ) $(LIBOBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(TEST_LDLIBS)

# Criterion runs every test (unit, conformance, CLI); `check` runs them once as built and
# once under AddressSanitizer and UndefinedBehaviorSanitizer, whose summary line comes last.
test: $(BUILD)/sessq $(BUILD)/unit-tests $(BUILD)/bench/gendump
	SESSQ=$(abspath $(BUILD)/sessq) GENDUMP=$(abspath $(BUILD)/bench/gendump) $(TEST_ENV) \
		$(BUILD)/unit-tests --jobs=2

check: test
	@$(MAKE) --no-print-directory fuzz-smoke
	@$(MAKE) --no-print-directory asan

SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# SESSQ_SANITIZED tells the hostile-input tests that memory bounds and sizes must allow for
# the sanitizers' own memory and time.
asan:
	@$(MAKE) --no-print-directory BUILD=build/asan CFLAGS="-O1 -g $(SANITIZE)" PGO=0 LTO= \
		LDFLAGS="$(SANITIZE)" TEST_ENV="SESSQ_SANITIZED=1 LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp):print_suppressions=0" test

ubsan:
	@$(MAKE) --no-print-directory BUILD=build/ubsan PGO=0 LTO= \
		CFLAGS="-O2 -g -fsanitize=undefined -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=undefined" test

# libFuzzer targets (fuzz/*.c) on the library, built with clang into build/fuzz/. `fuzz` runs
# each for FUZZ_TIME seconds, `fuzz-smoke` (part of `check`) for FUZZ_SMOKE_TIME and fails on any
# crash, leak or sanitizer report; fuzz/run.sh keeps each corpus in build/fuzz/.
FUZZ_CC = clang
FUZZ_BUILD = build/fuzz
# A chunk of 61 bytes puts chunk boundaries everywhere in the small inputs fuzzing makes.
FUZZ_CFLAGS = -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
              -fno-omit-frame-pointer -DSQ_CHUNK_SIZE=61
FUZZ_TARGETS = fuzz_json fuzz_read fuzz_split
FUZZ_BIN = $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%)
FUZZ_LIBOBJ = $(filter-out $(FUZZ_BUILD)/obj/main.o,$(SRC:src/%.c=$(FUZZ_BUILD)/obj/%.o))
FUZZ_TIME ?= 60
FUZZ_SMOKE_TIME ?= 20

$(FUZZ_BUILD)/obj/%.o: src/%.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(WARNINGS) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_BIN): $(FUZZ_BUILD)/%: fuzz/%.c $(FUZZ_LIBOBJ)
	$(FUZZ_CC) $(CPPFLAGS) $(WARNINGS) $(FUZZ_CFLAGS) -MMD -MP -o $@ $< $(FUZZ_LIBOBJ) $(LDLIBS)

fuzz: $(FUZZ_BIN)
	@for t in $(FUZZ_TARGETS); do sh fuzz/run.sh $(FUZZ_BUILD) $$t $(FUZZ_TIME) || exit 1; done

fuzz-smoke: $(FUZZ_BIN)
	@for t in $(FUZZ_TARGETS); do \
		sh fuzz/run.sh -q $(FUZZ_BUILD) $$t $(FUZZ_SMOKE_TIME) || exit 1; done

# `bench` (never part of `check`) times sessq on generated dumps against yajl's SAX parser and
# the read and zlib floors: scripts/bench.sh says how; BENCH_RUNS runs per command, BENCH_BIG=1
# adds a 10 times larger dump (1.2 GB). Its tools are built here, with yajl installed for them
# alone.
BENCH_BUILD = $(BUILD)/bench
BENCH_TOOLS = $(BENCH_BUILD)/gendump $(BENCH_BUILD)/timeit $(BENCH_BUILD)/yajl_count \
	$(BENCH_BUILD)/fresh
BENCH_DEPS_OK = $(BENCH_BUILD)/.deps-ok
BENCH_RUNS ?= 5
BENCH_BIG ?= 0
BENCH_LDLIBS =

$(BENCH_DEPS_OK): scripts/deps.sh
	@sh scripts/deps.sh bench
	@mkdir -p $(@D) && touch $@

# The generator needs libc alone: scripts/genpages.sh and the tests build it without bench's
# dependencies.
$(BENCH_BUILD)/gendump: bench/gendump.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARNINGS) $(CFLAGS) $(LDFLAGS) -o $@ $<

# The memory probe gets its memory as the table does: through the mem module.
$(BENCH_BUILD)/fresh: bench/fresh.c src/mem.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARNINGS) $(CFLAGS) $(LDFLAGS) -o $@ $^

$(BENCH_BUILD)/yajl_count: BENCH_LDLIBS = -lyajl
$(BENCH_BUILD)/%: bench/%.c | $(BENCH_DEPS_OK)
	$(CC) $(CPPFLAGS) $(WARNINGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BENCH_LDLIBS)

bench-tools: $(BENCH_TOOLS)

bench: $(BUILD)/sessq bench-tools
	BUILD=$(BUILD) BENCH_RUNS=$(BENCH_RUNS) BENCH_BIG=$(BENCH_BIG) sh scripts/bench.sh

# The profile-guided build (PGO, at the top). gcc finds a static function's profile by a name
# made from its object's path: -dumpdir and -dumpbase give each instrumented object the path of
# the object that will use its profile.
$(PGO_BUILD)/obj/%.o: src/%.c | $(DEPS_OK)
	@mkdir -p $(@D) $(BUILD)/obj
	$(CC) $(CPPFLAGS) $(WARNINGS) $(CFLAGS) $(PGO_GEN) -dumpdir $(BUILD)/obj/ -dumpbase $* \
		-MMD -MP -MF $(@:.o=.d) -c -o $@ $<

$(PGO_BUILD)/sessq: $(PGO_OBJ)
	$(CC) $(CFLAGS) $(PGO_GEN) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(PGO_BUILD)/profile.stamp: $(PGO_BUILD)/sessq $(BENCH_BUILD)/gendump scripts/pgo-train.sh
	rm -f $(BUILD)/obj/*.gcda
	sh scripts/pgo-train.sh $(PGO_BUILD)/sessq $(BENCH_BUILD)/gendump $(PGO_BUILD)/data
	rm -rf $(PGO_BUILD)/data
	touch $@

# `format` applies .clang-format to every C file; `lint` checks the format and runs cppcheck.
CSOURCES = $(wildcard src/*.c include/*.h tests/*.c tests/*.h fuzz/*.c bench/*.c)
format:
	clang-format -i $(CSOURCES)

lint:
	clang-format --dry-run --Werror $(CSOURCES)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
		--std=c11 -Iinclude -D__SSE2__ src

# `make install PREFIX=... DESTDIR=...`: the program, its man page and its bash completion.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions

install: $(BUILD)/sessq
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR)
	install -m 755 $(BUILD)/sessq $(DESTDIR)$(BINDIR)/sessq
	install -m 644 docs/sessq.1 $(DESTDIR)$(MANDIR)/man1/sessq.1
	install -m 644 completion/sessq.bash $(DESTDIR)$(BASHCOMPDIR)/sessq

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sessq $(DESTDIR)$(MANDIR)/man1/sessq.1 \
		$(DESTDIR)$(BASHCOMPDIR)/sessq

demo: $(BUILD)/sessq
	$(BUILD)/sessq stats --by source,status testdata/demo

deps:
	sh scripts/deps.sh

clean:
	rm -rf $(BUILD)

-include $(OBJ:.o=.d) $(PGO_OBJ:.o=.d) $(TESTOBJ:.o=.d) $(FUZZ_LIBOBJ:.o=.d) $(FUZZ_BIN:=.d)
