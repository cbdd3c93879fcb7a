# s3pub: one static binary that publishes a directory to S3 (README.md).
#
#   make          ./s3pub, static (musl) with BearSSL, stripped
#   make test     every test, unit (static and ASan+UBSan) and end-to-end
#   make demo     publish examples/results/ to a local S3 server
#   make bench    the benchmarks of bench/README.md
#   make CROSS=aarch64, make CROSS=armv7   build/CROSS/s3pub (see "cross builds")
#   make test-cross   both cross builds' tests under qemu (tests/e2e_cross.sh)
#   make scratch-root build/scratch/, the root of the FROM scratch Dockerfile
#
# Every top-level x.c but s3pub.c is a unit; tests/test_x.c is its test.

BUILD   := build
MUSLCC  ?= musl-gcc
HOSTCC  ?= cc
# -Oz: size first (gcc 12); on x86-64 it is 2 KB smaller than -Os. The
# units with hot loops of plain C keep -Os (HOT_UNITS, given after -Oz).
OPT     ?= -Oz
HOT_UNITS := sha256 crc32 inflate deflate
WARN    := -std=c11 -Wall -Wextra -Werror
# the build date is the floor of the clock used to validate certificates
BUILD_TIME := $(shell git log -1 --format=%ct 2>/dev/null || date +%s)
VERSION    := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
DEFS    := -D_GNU_SOURCE -DS3PUB_BUILD_TIME=$(BUILD_TIME) -DS3PUB_VERSION='"$(VERSION)"'

# no unwind tables: nothing here unwinds (C, no exceptions), and they are
# a tenth of the binary. -fno-pie: the binary is a static ET_EXEC loaded at
# its link address, so position-independent code only costs GOT indirection.
SMALL   := -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-pie
# one load segment for code and read-only data: no page padding between
# them. -z norelro: musl applies RELRO only in its dynamic loader; in a
# static binary it does nothing but pad the file up to a page boundary.
SMALL_LD := -Wl,-z,noseparate-code -Wl,--build-id=none -Wl,-z,norelro -Wl,-z,common-page-size=64
# after the link, the .comment section goes: the compilers' version strings
# (musl's and ours), 136 to 144 bytes that nothing loads or reads.
# link-time optimisation for the product binary: whole-program inlining and
# dead-code removal across units save 2.5 KB on x86-64, 5.8 KB on aarch64;
# -fipa-pta (points-to analysis over the whole program) 96, 256 and 64
# bytes more on x86-64, aarch64 and armv7.
# Each function keeps the -O level its unit was compiled with (HOT_UNITS
# stay -Os). The binary's objects (build/musl-bin/, build/CROSS/bin/) are
# compiled apart from those the unit tests link, which stay plain objects.
LTO     := -flto -flto-partition=one -fipa-pta
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
# the unit tests of the units that run threads, also under ThreadSanitizer
# (tests/t_tsan.sh runs them), and the binary so built (glibc: TSan has no
# musl runtime) for tests/e2e_tsan.sh
TSAN_TESTS := $(BUILD)/tsan/test_zblocks $(BUILD)/tsan/test_hashpass $(BUILD)/tsan/test_archive \
	$(BUILD)/tsan/test_sync \
	$(BUILD)/tsan/test_crc32 \
	$(BUILD)/tsan/s3pub

MUSL_CFLAGS := $(WARN) $(OPT) $(DEFS) -DS3PUB_OWN_MALLOC -ffunction-sections -fdata-sections $(SMALL) -I$(BR_MUSL)/inc -I. -I$(BUILD)/gen
ASAN_CFLAGS := $(WARN) -O1 -g $(DEFS) -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -I$(BR_HOST)/inc -I.
TSAN_CFLAGS := $(WARN) -O1 -g $(DEFS) -fsanitize=thread -I$(BR_HOST)/inc -I. -I$(BUILD)/gen

all: $(if $(CROSS),$(BUILD)/$(CROSS)/s3pub,s3pub)

# help.h's texts, deflated on the build machine for every target (help.h
# says why); s3pub.c includes the result. musl-gcc, which the product
# needs anyway, builds the program that does it.
GEN     := $(BUILD)/gen
$(GEN)/help_z.h: help.h deflate.c deflate.h scripts/help_z.c | $(BUILD)/.build-deps
	@mkdir -p $(@D)
	$(MUSLCC) $(WARN) -O2 -static -I. -o $(GEN)/help_z scripts/help_z.c deflate.c
	$(GEN)/help_z > $@.tmp && mv $@.tmp $@
$(BUILD)/musl-bin/s3pub.o $(BUILD)/tsan/s3pub: $(GEN)/help_z.h

# GCC's crtbeginS.o and crtendS.o register C++ constructors, exception
# frames and transactional-memory clones: nothing a static C program under
# musl uses (musl's crt1.o, crti.o and crtn.o start it). The product links
# with musl's specs less those two: their code, .eh_frame and init/fini
# entries were 656 bytes on x86-64, 440 on aarch64. musl-gcc is a script
# (exec gcc "$$@" -specs FILE) that would name FILE after ours, so the link
# runs a copy of it that names the new specs instead.
NO_CRTSTUFF := sed 's/ crtbeginS\.o%s//; s/crtendS\.o%s //'
$(GEN)/musl-link: | $(BUILD)/.build-deps
	@mkdir -p $(@D)
	w=$$(command -v $(MUSLCC)) && s=$$(sed -n 's/.*-specs "\([^"]*\)".*/\1/p' "$$w") && \
	test -f "$$s" || { echo "$(MUSLCC): no -specs FILE in it" >&2; exit 1; }; \
	$(NO_CRTSTUFF) "$$s" > $@.specs && \
	sed "s|-specs \"$$s\"|-specs \"$(CURDIR)/$@.specs\"|" "$$w" > $@.tmp && \
	chmod +x $@.tmp && mv $@.tmp $@

s3pub: $(BUILD)/musl-bin/s3pub.o $(UNITS:%.c=$(BUILD)/musl-bin/%.o) $(BR_MUSL)/libbearssl.a | $(GEN)/musl-link
	$(GEN)/musl-link $(LTO) -static -s -Wl,--gc-sections $(SMALL_LD) -o $@ $^
	objcopy -R .comment $@
	@echo "s3pub: $$(wc -c < $@) bytes, stripped, static"

$(BUILD)/.build-deps:
	@mkdir -p $(BUILD)
	sh scripts/need.sh musl-tools:musl-gcc xz-utils:xz
	@touch $@

# "+": BearSSL's own make joins this make's job slots (without it, make -j
# closes them for the recipe and BearSSL builds on one core)
$(BR_MUSL)/libbearssl.a: | $(BUILD)/.build-deps
	+sh scripts/bearssl.sh $(BUILD) bearssl-musl $(MUSLCC) ar "-Os $(SMALL) -ffunction-sections -fdata-sections"
# after the musl build: both take the source bearssl.sh downloads once, and
# two downloads into one folder at once (make -j) would race
$(BR_HOST)/libbearssl.a: | $(BUILD)/.build-deps $(BR_MUSL)/libbearssl.a
	+sh scripts/bearssl.sh $(BUILD) bearssl-host $(HOSTCC) ar "-O2 -fPIC"

$(HOT_UNITS:%=$(BUILD)/musl/%.o): UNIT_OPT := -Os
$(BUILD)/musl/%.o: %.c $(BR_MUSL)/libbearssl.a
	@mkdir -p $(@D)
	$(MUSLCC) $(MUSL_CFLAGS) $(UNIT_OPT) -MMD -MP -c -o $@ $<
$(HOT_UNITS:%=$(BUILD)/musl-bin/%.o): UNIT_OPT := -Os
$(BUILD)/musl-bin/%.o: %.c $(BR_MUSL)/libbearssl.a
	@mkdir -p $(@D)
	$(MUSLCC) $(MUSL_CFLAGS) $(UNIT_OPT) $(LTO) -MMD -MP -c -o $@ $<
$(BUILD)/asan/%.o: %.c $(BR_HOST)/libbearssl.a
	@mkdir -p $(@D)
	$(HOSTCC) $(ASAN_CFLAGS) -MMD -MP -c -o $@ $<
$(BUILD)/tsan/%.o: %.c $(BR_HOST)/libbearssl.a
	@mkdir -p $(@D)
	$(HOSTCC) $(TSAN_CFLAGS) -MMD -MP -c -o $@ $<
$(BUILD)/musl/libs3pub.a: $(MUSL_OBJ)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/asan/libs3pub.a: $(HOST_OBJ)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/tsan/libs3pub.a: $(UNITS:%.c=$(BUILD)/tsan/%.o)
	rm -f $@ && ar rcs $@ $^

# unit tests: static musl, and ASan+UBSan with the host compiler
$(BUILD)/test/test_%: tests/test_%.c tests/unit.h $(BUILD)/musl/libs3pub.a $(BR_MUSL)/libbearssl.a
	@mkdir -p $(@D)
	$(MUSLCC) $(MUSL_CFLAGS) -static -o $@ $< $(BUILD)/musl/libs3pub.a $(BR_MUSL)/libbearssl.a
$(BUILD)/asan/test_%: tests/test_%.c tests/unit.h $(BUILD)/asan/libs3pub.a $(BR_HOST)/libbearssl.a
	@mkdir -p $(@D)
	$(HOSTCC) $(ASAN_CFLAGS) -o $@ $< $(BUILD)/asan/libs3pub.a $(BR_HOST)/libbearssl.a
$(BUILD)/tsan/s3pub: s3pub.c $(BUILD)/tsan/libs3pub.a $(BR_HOST)/libbearssl.a
	$(HOSTCC) $(TSAN_CFLAGS) -o $@ $< $(BUILD)/tsan/libs3pub.a $(BR_HOST)/libbearssl.a -lpthread
$(BUILD)/tsan/test_%: tests/test_%.c tests/unit.h $(BUILD)/tsan/libs3pub.a $(BR_HOST)/libbearssl.a
	@mkdir -p $(@D)
	$(HOSTCC) $(TSAN_CFLAGS) -o $@ $< $(BUILD)/tsan/libs3pub.a $(BR_HOST)/libbearssl.a -lpthread

# test helpers (clients, servers' peers): static, not run as tests themselves
$(BUILD)/tools/tool_%: tests/tool_%.c $(BUILD)/musl/libs3pub.a $(BR_MUSL)/libbearssl.a
	@mkdir -p $(@D)
	$(MUSLCC) $(MUSL_CFLAGS) -static -o $@ $< $(BUILD)/musl/libs3pub.a $(BR_MUSL)/libbearssl.a

# libFuzzer targets (clang): tests/fuzz/fuzz_X.c, seed corpus tests/fuzz/X/.
# The units are compiled once with coverage and sanitizers, then each
# target links against them.
FUZZ_CFLAGS := -std=c11 -Wall -Wextra -Werror -g -O1 $(DEFS) \
	-fsanitize=fuzzer-no-link,address,undefined -I$(BR_HOST)/inc -I.
FUZZ_OBJ := $(UNITS:%.c=$(BUILD)/fuzzobj/%.o)
# (after .build-deps: one apt-get at a time under make -j)
$(BUILD)/.fuzz-deps: | $(BUILD)/.build-deps
	@mkdir -p $(BUILD)
	sh scripts/need.sh clang libclang-rt-14-dev
	@touch $@
$(BUILD)/fuzzobj/%.o: %.c $(BR_HOST)/libbearssl.a | $(BUILD)/.fuzz-deps
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<
$(BUILD)/fuzzobj/libs3pub.a: $(FUZZ_OBJ)
	rm -f $@ && ar rcs $@ $^
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(BUILD)/fuzzobj/libs3pub.a $(BR_HOST)/libbearssl.a | $(BUILD)/.fuzz-deps
	@mkdir -p $(@D)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(BUILD)/fuzzobj/libs3pub.a $(BR_HOST)/libbearssl.a
fuzz-build: $(FUZZ_BINS)
# FUZZ_SECONDS per target, twice that for the network parsers (make test
# runs them for 10 s each)
fuzz: fuzz-build
	FUZZ_SECONDS=$${FUZZ_SECONDS:-120} sh tests/fuzz/run.sh

# ---- cross builds: static musl binaries for edge devices ---------------
# make CROSS=aarch64  build/aarch64/s3pub, aarch64-linux-musl
# make CROSS=armv7    build/armv7/s3pub, armv7-a hard-float (armhf) linux-musl
# make CROSS=... cross-build   also its unit tests, build/CROSS/test/test_x
# Debian's cross gcc (X_CC) made to use Debian's multiarch musl by musl's
# specs file (X_SPECS), given on every compile and link line: without it
# the cross gcc silently takes glibc's headers. BearSSL is built for each
# target (build/bearssl-CROSS). `sh scripts/cross-deps.sh` installs all
# (gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf musl-dev:arm64
# musl-dev:armhf qemu-user-static). -z norelro: musl applies RELRO only in
# its dynamic loader, so in a static binary it does nothing but pad the file
# to the 64 KiB page aarch64 allows. Without RELRO the data follows the text
# in the file (no padding) and the binary still loads with any page size.
X_CC_aarch64    := aarch64-linux-gnu-gcc
X_SPECS_aarch64 := /usr/lib/aarch64-linux-musl/musl-gcc.specs
X_CC_armv7      := arm-linux-gnueabihf-gcc
X_SPECS_armv7   := /usr/lib/arm-linux-musleabihf/musl-gcc.specs
# X_ARCH_<target>: code-generation flags of one target. aarch64's
# -mno-outline-atomics: the few atomic operations are inline load/store-
# exclusive loops, not libgcc's helpers that choose LSE at start-up (its
# constructor and the helpers were 320 bytes).
X_ARCH_aarch64 := -mno-outline-atomics
# X_BIN_ARCH_<target>: those of the product binary only: aarch64's
# -mcmodel=tiny (adr instead of adrp+add pairs) saves 6 KB, but its +-1 MiB
# reach does not cover the unit tests' large buffers, so the binary's
# objects are compiled a second time (build/CROSS/bin/, with $(LTO)) and the tests link
# the first ones.
X_BIN_ARCH_aarch64 := -mcmodel=tiny
ifneq ($(CROSS),)
X_CC    := $(X_CC_$(CROSS))
ifeq ($(X_CC),)
$(error CROSS=$(CROSS): CROSS is aarch64 or armv7)
endif
X_AR    := $(X_CC:%-gcc=%-ar)
X_SPECS := $(X_SPECS_$(CROSS))
X_DIR   := $(BUILD)/$(CROSS)
X_BR    := $(BUILD)/bearssl-$(CROSS)
X_ARCH  := $(X_ARCH_$(CROSS))
X_BIN_ARCH := $(X_BIN_ARCH_$(CROSS))
X_CFLAGS := -specs $(X_SPECS) $(X_ARCH) $(filter-out -I$(BR_MUSL)/inc,$(MUSL_CFLAGS)) -I$(X_BR)/inc
X_LDFLAGS := -static -Wl,--gc-sections $(SMALL_LD)
X_TESTS := $(TESTS:tests/%.c=$(X_DIR)/test/%)

$(X_DIR)/bin/s3pub.o: $(GEN)/help_z.h
# (musl's specs less GCC's crtbeginS.o and crtendS.o: see musl-link)
$(X_DIR)/link.specs: | $(X_BR)/libbearssl.a
	@mkdir -p $(@D)
	$(NO_CRTSTUFF) $(X_SPECS) > $@
$(X_DIR)/s3pub: $(X_DIR)/bin/s3pub.o $(UNITS:%.c=$(X_DIR)/bin/%.o) $(X_BR)/libbearssl.a | $(X_DIR)/link.specs
	$(X_CC) -specs $(X_DIR)/link.specs $(X_BIN_ARCH) $(LTO) $(X_LDFLAGS) -s -o $@ $^
	$(X_CC:%-gcc=%-objcopy) -R .comment $@
	@echo "$@: $$(wc -c < $@) bytes, stripped, static"
$(X_BR)/libbearssl.a: | $(BUILD)/.build-deps
	@test -f $(X_SPECS) || { echo "$(X_SPECS) missing: run sh scripts/cross-deps.sh" >&2; exit 1; }
	+sh scripts/bearssl.sh $(BUILD) bearssl-$(CROSS) "$(X_CC) -specs $(X_SPECS)" $(X_AR) \
		"-Os $(SMALL) $(X_ARCH) -ffunction-sections -fdata-sections"
$(HOT_UNITS:%=$(X_DIR)/obj/%.o): UNIT_OPT := -Os
$(X_DIR)/obj/%.o: %.c $(X_BR)/libbearssl.a
	@mkdir -p $(@D)
	$(X_CC) $(X_CFLAGS) $(UNIT_OPT) -MMD -MP -c -o $@ $<
$(X_DIR)/libs3pub.a: $(UNITS:%.c=$(X_DIR)/obj/%.o)
	rm -f $@ && $(X_AR) rcs $@ $^
$(HOT_UNITS:%=$(X_DIR)/bin/%.o): UNIT_OPT := -Os
$(X_DIR)/bin/%.o: %.c $(X_BR)/libbearssl.a
	@mkdir -p $(@D)
	$(X_CC) $(X_CFLAGS) $(X_BIN_ARCH) $(UNIT_OPT) $(LTO) -MMD -MP -c -o $@ $<
$(X_DIR)/test/test_%: tests/test_%.c tests/unit.h $(X_DIR)/libs3pub.a $(X_BR)/libbearssl.a
	@mkdir -p $(@D)
	$(X_CC) $(X_CFLAGS) $(X_LDFLAGS) -o $@ $< $(X_DIR)/libs3pub.a $(X_BR)/libbearssl.a
cross-build: $(X_DIR)/s3pub $(X_TESTS)
-include $(wildcard $(X_DIR)/obj/*.d $(X_DIR)/bin/*.d)
endif

# both targets, their unit tests and an end-to-end publish under qemu-user
test-cross:
	sh scripts/cross-deps.sh
	$(MAKE) CROSS=aarch64 cross-build
	$(MAKE) CROSS=armv7 cross-build
	sh tests/run.sh tests/e2e_cross.sh

# the root folder of the Dockerfile's FROM scratch image: the binary and a
# CA bundle (tests/e2e_scratch.sh runs it chrooted); with CROSS=..., that
# target's binary
SCRATCH_BIN := $(if $(CROSS),$(BUILD)/$(CROSS)/s3pub,s3pub)
scratch-root: $(SCRATCH_BIN)
	sh scripts/scratch-root.sh $(BUILD)/scratch $(SCRATCH_BIN)

tests-build: s3pub $(MUSL_TESTS) $(ASAN_TESTS) $(TSAN_TESTS) $(MUSL_TOOLS) $(FUZZ_BINS)

# the build on every core (CI runs `make test` alone), then the tests
JOBS ?= $(shell getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
test:
	$(MAKE) -j$(JOBS) tests-build
	sh tests/all.sh

demo: s3pub
	sh scripts/demo.sh

bench: s3pub
	sh bench/run.sh

clean:
	rm -rf $(BUILD)/musl $(BUILD)/asan $(BUILD)/tsan $(BUILD)/test $(BUILD)/test-logs s3pub $(GEN) \
		$(BUILD)/aarch64 $(BUILD)/armv7 $(BUILD)/scratch

# also drops the BearSSL builds and the downloaded source
distclean:
	rm -rf $(BUILD) s3pub

.PHONY: all test tests-build cross-build test-cross scratch-root fuzz fuzz-build demo bench clean distclean
-include $(wildcard $(BUILD)/musl/*.d $(BUILD)/musl-bin/*.d $(BUILD)/asan/*.d $(BUILD)/tsan/*.d $(BUILD)/fuzzobj/*.d)
