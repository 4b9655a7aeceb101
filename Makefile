# annovec — a short, plain Makefile. Override CFLAGS, BUILD or SAN on the command line.
#   make            build build/annovec
#   make run        install missing dependencies, build, serve on 127.0.0.1:19530 with ./data
#   make check      the same set-up, then every test suite (ends with "N passed, N failed")
#   make check-asan every test suite against an ASan+UBSan build (BUILD=build-asan)
#   make unit-test T=core/vector/test_collection [CASE=test_ttl]   build and run one unit binary (or some of its cases)
#   make bench      benchmark programs on Fashion-MNIST (prints numbers)
#   make bench-ann  annovec's HNSW index against hnswlib on Fashion-MNIST (ends with qps_ratio lines)

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

.PHONY: all deps run check check-asan unit unit-test bench bench-ann clean
all: $(BUILD)/annovec

deps:
	@scripts/install-deps

$(BUILD)/tests/unit/%.o: ALL_CFLAGS += -Itests/unit
$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libannovec.a: $(LIB_OBJ)
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

clean:
	rm -rf build build-asan

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_OBJ:.o=.d)
