# sessq: `make` builds build/sessq, `make check` runs every test, `make demo` shows it at work.
CC ?= cc
CFLAGS ?= -O2 -g
WARNINGS = -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wvla
CPPFLAGS += -Iinclude -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64
LDLIBS = -lcsv -lz -lm -lpcre2-8
TEST_LDLIBS = -lcriterion

BUILD ?= build
SRC = $(wildcard src/*.c)
OBJ = $(SRC:src/%.c=$(BUILD)/obj/%.o)
LIBOBJ = $(filter-out $(BUILD)/obj/main.o,$(OBJ))
TESTSRC = $(wildcard tests/*.c)
TESTOBJ = $(TESTSRC:tests/%.c=$(BUILD)/obj/tests/%.o)
DEPS_OK = $(BUILD)/.deps-ok

.PHONY: all check test asan ubsan demo clean deps
all: $(BUILD)/sessq

# Installs the Debian packages the build needs, only when a header or library is missing.
$(DEPS_OK): scripts/deps.sh
	@sh scripts/deps.sh
	@mkdir -p $(@D) && touch $@

$(BUILD)/obj/%.o: src/%.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARNINGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/tests/%.o: tests/%.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(WARNINGS) $(CFLAGS) -Wno-missing-prototypes -MMD -MP -c -o $@ $<

$(BUILD)/sessq: $(OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/unit-tests: $(TESTOBJ) $(LIBOBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(TEST_LDLIBS)

# Criterion runs every test (unit, conformance, CLI); `check` runs them once as built and
# once under AddressSanitizer and UndefinedBehaviorSanitizer, whose summary line comes last.
test: $(BUILD)/sessq $(BUILD)/unit-tests
	SESSQ=$(abspath $(BUILD)/sessq) $(BUILD)/unit-tests --jobs=2

check: test
	@$(MAKE) --no-print-directory asan

SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
asan:
	@$(MAKE) --no-print-directory BUILD=build/asan CFLAGS="-O1 -g $(SANITIZE)" \
		LDFLAGS="$(SANITIZE)" test

ubsan:
	@$(MAKE) --no-print-directory BUILD=build/ubsan CFLAGS="-O2 -g -fsanitize=undefined -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=undefined" test

demo: $(BUILD)/sessq
	$(BUILD)/sessq stats --by source,status testdata/demo

deps:
	sh scripts/deps.sh

clean:
	rm -rf $(BUILD)

-include $(OBJ:.o=.d) $(TESTOBJ:.o=.d)
