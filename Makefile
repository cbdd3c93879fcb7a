# s3pub: one static binary that publishes a directory to S3 (README.md).
#
#   make          ./s3pub, static (musl) with BearSSL, stripped
#   make test     every test, unit (static and ASan+UBSan) and end-to-end
#   make demo     publish examples/results/ to a local S3 server
#   make bench    the benchmarks of bench/README.md
#
# Every top-level x.c but s3pub.c is a unit; tests/test_x.c is its test.

BUILD   := build
MUSLCC  ?= musl-gcc
HOSTCC  ?= cc
OPT     ?= -Os
WARN    := -std=c11 -Wall -Wextra -Werror
# the build date is the floor of the clock used to validate certificates
BUILD_TIME := $(shell git log -1 --format=%ct 2>/dev/null || date +%s)
VERSION    := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
DEFS    := -D_GNU_SOURCE -DS3PUB_BUILD_TIME=$(BUILD_TIME) -DS3PUB_VERSION='"$(VERSION)"'

# no unwind tables: nothing here unwinds (C, no exceptions), and they are
# a tenth of the binary
SMALL   := -fno-asynchronous-unwind-tables -fno-unwind-tables
BR_MUSL := $(BUILD)/bearssl-musl
BR_HOST := $(BUILD)/bearssl-host

UNITS   := $(sort $(filter-out s3pub.c,$(wildcard *.c)))
TESTS   := $(sort $(wildcard tests/test_*.c))
MUSL_OBJ := $(UNITS:%.c=$(BUILD)/musl/%.o)
HOST_OBJ := $(UNITS:%.c=$(BUILD)/asan/%.o)
TOOLS   := $(sort $(wildcard tests/tool_*.c))
FUZZERS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
MUSL_TESTS := $(TESTS:tests/%.c=$(BUILD)/test/%)
MUSL_TOOLS := $(TOOLS:tests/%.c=$(BUILD)/tools/%)
FUZZ_BINS  := $(FUZZERS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
ASAN_TESTS := $(TESTS:tests/%.c=$(BUILD)/asan/%)

MUSL_CFLAGS := $(WARN) $(OPT) $(DEFS) -ffunction-sections -fdata-sections $(SMALL) -I$(BR_MUSL)/inc -I.
ASAN_CFLAGS := $(WARN) -O1 -g $(DEFS) -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -I$(BR_HOST)/inc -I.

all: s3pub

s3pub: $(BUILD)/musl/s3pub.o $(BUILD)/musl/libs3pub.a $(BR_MUSL)/libbearssl.a
	$(MUSLCC) -static -s -Wl,--gc-sections -o $@ $^
	@echo "s3pub: $$(wc -c < $@) bytes, stripped, static"

$(BUILD)/.build-deps:
	@mkdir -p $(BUILD)
	sh scripts/need.sh musl-tools:musl-gcc xz-utils:xz
	@touch $@

$(BR_MUSL)/libbearssl.a: | $(BUILD)/.build-deps
	sh scripts/bearssl.sh $(BUILD) bearssl-musl $(MUSLCC) ar "-Os $(SMALL) -ffunction-sections -fdata-sections"
$(BR_HOST)/libbearssl.a: | $(BUILD)/.build-deps
	sh scripts/bearssl.sh $(BUILD) bearssl-host $(HOSTCC) ar "-O2 -fPIC"

$(BUILD)/musl/%.o: %.c $(BR_MUSL)/libbearssl.a
	@mkdir -p $(@D)
	$(MUSLCC) $(MUSL_CFLAGS) -MMD -MP -c -o $@ $<
$(BUILD)/asan/%.o: %.c $(BR_HOST)/libbearssl.a
	@mkdir -p $(@D)
	$(HOSTCC) $(ASAN_CFLAGS) -MMD -MP -c -o $@ $<
$(BUILD)/musl/libs3pub.a: $(MUSL_OBJ)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/asan/libs3pub.a: $(HOST_OBJ)
	rm -f $@ && ar rcs $@ $^

# unit tests: static musl, and ASan+UBSan with the host compiler
$(BUILD)/test/test_%: tests/test_%.c tests/unit.h $(BUILD)/musl/libs3pub.a $(BR_MUSL)/libbearssl.a
	@mkdir -p $(@D)
	$(MUSLCC) $(MUSL_CFLAGS) -static -o $@ $< $(BUILD)/musl/libs3pub.a $(BR_MUSL)/libbearssl.a
$(BUILD)/asan/test_%: tests/test_%.c tests/unit.h $(BUILD)/asan/libs3pub.a $(BR_HOST)/libbearssl.a
	@mkdir -p $(@D)
	$(HOSTCC) $(ASAN_CFLAGS) -o $@ $< $(BUILD)/asan/libs3pub.a $(BR_HOST)/libbearssl.a

# test helpers (clients, servers' peers): static, not run as tests themselves
$(BUILD)/tools/tool_%: tests/tool_%.c $(BUILD)/musl/libs3pub.a $(BR_MUSL)/libbearssl.a
	@mkdir -p $(@D)
	$(MUSLCC) $(MUSL_CFLAGS) -static -o $@ $< $(BUILD)/musl/libs3pub.a $(BR_MUSL)/libbearssl.a

# libFuzzer targets (clang): tests/fuzz/fuzz_X.c, seed corpus tests/fuzz/X/
FUZZ_CFLAGS := -std=c11 -Wall -Wextra -Werror -g -O1 $(DEFS) -fsanitize=fuzzer,address,undefined \
	-I$(BR_HOST)/inc -I.
$(BUILD)/.fuzz-deps:
	@mkdir -p $(BUILD)
	sh scripts/need.sh clang libclang-rt-14-dev
	@touch $@
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(UNITS) $(BR_HOST)/libbearssl.a | $(BUILD)/.fuzz-deps
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -o $@ $< $(filter-out $<,$(filter %.c,$^)) $(BR_HOST)/libbearssl.a
fuzz-build: $(FUZZ_BINS)
# FUZZ_SECONDS per target (make test runs them for 20 s each)
fuzz: fuzz-build
	FUZZ_SECONDS=$${FUZZ_SECONDS:-120} sh tests/fuzz/run.sh

tests-build: s3pub $(MUSL_TESTS) $(ASAN_TESTS) $(MUSL_TOOLS) $(FUZZ_BINS)

test: tests-build
	sh tests/all.sh

demo: s3pub
	sh scripts/demo.sh

bench: s3pub
	sh bench/run.sh

clean:
	rm -rf $(BUILD)/musl $(BUILD)/asan $(BUILD)/test $(BUILD)/test-logs s3pub

# also drops the BearSSL builds and the downloaded source
distclean:
	rm -rf $(BUILD) s3pub

.PHONY: all test tests-build fuzz fuzz-build demo bench clean distclean
-include $(wildcard $(BUILD)/musl/*.d $(BUILD)/asan/*.d)
