# annovec — a short, plain Makefile. Override CFLAGS, BUILD or SAN on the command line.
#   make            build build/annovec
#   make run        install missing dependencies, build, serve on 127.0.0.1:19530 with ./data
#   make check      the same set-up, then every test suite (ends with "N passed, N failed")
#   make check-asan every test suite against an ASan+UBSan build (BUILD=build-asan)
#   make unit-test T=core/vector/test_collection [CASE=test_ttl]   build and run one unit binary (or some of its cases)
#   make bench      benchmark programs on Fashion-MNIST (prints numbers)
#   make bench-ann  annovec's HNSW index against hnswlib on Fashion-MNIST (ends with qps_ratio lines)
#   make fuzz [FUZZ_SECONDS=30] [FUZZ_TARGETS=fuzz_router]   libFuzzer targets (clang, ASan+UBSan,
#                   BUILD=build-fuzz), each run for FUZZ_SECONDS on its seed corpus (fuzz/README.md)

CC      ?= cc
BUILD   ?= build
OPT     ?= -O2
CFLAGS  ?= $(OPT) -g
WARN    := -std=c17 -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
PKGS    := libmicrohttpd json-c sqlite3 libcrypto
DEPCFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
DEPLIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lmicrohttpd -ljson-c -lsqlite3 -lcrypto)
ALL_CFLAGS = $(WARN) $(CFLAGS) $(SAN) -D_GNU_SOURCE -Iinclude -Isrc $(DEPCFLAGS) -MMD -MP
LDLIBS  = $(DEPLIBS) -lpthread -lm

LIB_SRC  := $(wildcard src/lib/*.c src/core/*.c src/core/*/*.c src/http/*.c src/auth/*.c src/api/*.c)
CLI_SRC  := $(wildcard src/cli/*.c)
UNIT_SRC := $(shell find tests/unit -name 'test_*.c' | sort)
BENCH_SRC:= $(wildcard bench/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_OBJ := $(UNIT_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_BIN:= $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

FUZZ_SRC := $(wildcard fuzz/fuzz_*.c)
FUZZ_OBJ := $(FUZZ_SRC:%.c=$(BUILD)/%.o)
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=$(BUILD)/fuzzers/%)

.PHONY: all deps run check check-asan unit unit-test bench bench-ann fuzz fuzz-build clean
all: $(BUILD)/annovec

deps:
	@scripts/install-deps

$(BUILD)/tests/unit/%.o: ALL_CFLAGS += -Itests/unit
$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The web console: console/ (index.html, *.js, *.css) embedded as a C table (console/embed, xxd).
CONSOLE_FILES := $(sort $(wildcard console/*.html console/*.js console/*.css))
$(BUILD)/gen/console_assets.c: $(CONSOLE_FILES) console/embed
	@mkdir -p $(dir $@)
	console/embed $(CONSOLE_FILES) > $@.tmp && mv $@.tmp $@
$(BUILD)/gen/console_assets.o: $(BUILD)/gen/console_assets.c
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libannovec.a: $(LIB_OBJ) $(BUILD)/gen/console_assets.o
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/annovec: $(CLI_OBJ) $(BUILD)/libannovec.a
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)

# Test objects are kept (not deleted as intermediates), so a second `make unit` has nothing to do.
.SECONDARY: $(UNIT_OBJ)
$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libannovec.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(BUILD)/libannovec.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LDLIBS)

# Fuzz targets: fuzz/fuzz_X.c -> BUILD/fuzzers/fuzz_X, linked with libFuzzer's main against the
# project's objects (built in this BUILD by the same clang flags, with -fsanitize=fuzzer-no-link).
.SECONDARY: $(FUZZ_OBJ)
$(BUILD)/fuzzers/%: $(BUILD)/fuzz/%.o $(BUILD)/libannovec.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(subst fuzzer-no-link,fuzzer,$(SAN)) -o $@ $^ $(LDLIBS)

unit: $(UNIT_BIN)

unit-test: $(if $(T),$(BUILD)/tests/$(T))
	@test -n "$(T)" || { echo "usage: make unit-test T=core/vector/test_collection [CASE=test_ttl]"; exit 2; }
	$(BUILD)/tests/$(T) $(CASE)

run: deps
	@$(MAKE) --no-print-directory all
	$(BUILD)/annovec serve --data ./data --listen 127.0.0.1:19530

check: deps
	@$(MAKE) --no-print-directory all unit
	@BUILD=$(BUILD) tests/run-all

check-asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan OPT=-O1 \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" all unit
	@BUILD=build-asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  AV_SANITIZED=1 tests/run-all

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_BIN)
	@BUILD=$(BUILD) bench/run

# The ANN benchmark links hnswlib (C++, header-only) as its peer. Both are compiled -O2; hnswlib also
# gets -march=native, which it needs to use its AVX kernels (annovec picks its kernels at run time).
CXX ?= g++
$(BUILD)/bench/ann/hnswlib_peer.o: bench/ann/hnswlib_peer.cpp bench/ann/hnswlib_peer.h
	@mkdir -p $(dir $@)
	$(CXX) -O2 -g -march=native -Ibench/ann -c $< -o $@
$(BUILD)/bench/ann/bench_ann: bench/ann/bench_ann.c $(BUILD)/bench/ann/hnswlib_peer.o $(BUILD)/libannovec.a
	$(CC) $(ALL_CFLAGS) -march=native $< $(BUILD)/bench/ann/hnswlib_peer.o $(BUILD)/libannovec.a $(LDLIBS) -lstdc++ -o $@
bench-ann: deps
	@$(MAKE) --no-print-directory $(BUILD)/bench/ann/bench_ann
	@BUILD=$(BUILD) bench/ann/run

# make fuzz: build every target with clang (BUILD=build-fuzz), write the seeds fuzz/make-corpus
# extracts from the tests, then run each target for FUZZ_SECONDS (new inputs go to build-fuzz/corpus/,
# crashes to build-fuzz/artifacts/). Fails at the first target that crashes, leaks or hangs.
FUZZ_SECONDS ?= 30
FUZZ_TARGETS ?= $(FUZZ_SRC:fuzz/%.c=%)
FUZZ_CC      ?= clang
FUZZ_SAN     := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
# Per-target libFuzzer flags: the filter and JSON targets are bounded until the deep-nesting stack
# overflows of their parsers are fixed (issue 9); the others take libFuzzer's default (>= 4096).
FUZZ_FLAGS_fuzz_json          := -max_len=4096
FUZZ_FLAGS_fuzz_milvus_filter := -max_len=65536
FUZZ_FLAGS_fuzz_viking_filter := -max_len=65536
FUZZ_FLAGS_fuzz_router        := -max_len=4096
FUZZ_FLAGS_fuzz_sign          := -max_len=4096

fuzz-build: deps
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=$(FUZZ_CC) OPT=-O1 SAN="$(FUZZ_SAN)" \
	  $(FUZZ_TARGETS:%=build-fuzz/fuzzers/%)

fuzz: fuzz-build
	@fuzz/make-corpus build-fuzz/seeds
	@run() { t=$$1; shift; mkdir -p build-fuzz/corpus/$$t build-fuzz/artifacts; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s $$*"; \
	  UBSAN_OPTIONS=print_stacktrace=1 build-fuzz/fuzzers/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	    -print_final_stats=1 -artifact_prefix=build-fuzz/artifacts/$$t- $$(test -f fuzz/$$t.dict && echo -dict=fuzz/$$t.dict) \
	    "$$@" $(FUZZ_FLAGS) \
	    build-fuzz/corpus/$$t $$(test -d fuzz/corpus/$$t && echo fuzz/corpus/$$t) build-fuzz/seeds/$$t \
	    > build-fuzz/$$t.log 2>&1 \
	  || { tail -n 60 build-fuzz/$$t.log; echo "fuzz: $$t FAILED (whole log: build-fuzz/$$t.log)"; return 1; }; \
	  grep -E '^#[0-9]+[[:space:]]+DONE' build-fuzz/$$t.log || true; \
	  grep -E 'stat::average_exec_per_sec' build-fuzz/$$t.log || true; }; \
	set -e; $(foreach t,$(FUZZ_TARGETS),run $(t) $(FUZZ_FLAGS_$(t));)

clean:
	rm -rf build build-asan build-fuzz

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(FUZZ_OBJ:.o=.d)
