# RetailHub: the README's commands. Every target installs what is missing first.
#   make run    build Release and start the hub on 127.0.0.1:8080 (SQLite in ./var)
#   make test   build, check formatting, run every suite (Release + ASan/UBSan unit tests)
#   make bench  build and run the benchmarks in bench/
.PHONY: deps build build-asan build-fuzz fuzz run test test-release test-asan lint format bench clean

JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 10
LISTEN ?= 127.0.0.1:8080
CMAKE_FLAGS ?=

deps:
	@scripts/install-deps

UNIT_TESTS = core_test obs_test store_test bus_test connectors_test identity_test orders_test \
  ledger_test reconcile_test inventory_test api_test app_test

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@dashboard/build.sh
	@echo "built $(BUILD)/bin/retailhub and dashboard/dist"

# The sanitizer build compiles the unit test binaries only (-g1 keeps it quick).
build-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DHUB_SANITIZE=ON \
	  -DHUB_BENCH=OFF -DCMAKE_CXX_FLAGS_DEBUG=-g1 $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS) --target $(UNIT_TESTS)

run: build
	@mkdir -p var
	@exec $(BUILD)/bin/retailhub serve --data var --listen $(LISTEN)

lint: deps
	@scripts/check-format

format:
	@find src tests bench -name '*.h' -o -name '*.cc' | xargs clang-format-14 -i

test-release: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

test-asan: build-asan
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) -L unit --timeout 600

build-fuzz: deps
	@CXX=clang++-14 cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DHUB_FUZZ=ON -DHUB_WERROR=OFF $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzzers

# Each libFuzzer target for FUZZ_SECONDS, seeded with the golden inputs (fixed seed).
fuzz: build-fuzz
	@scripts/run-fuzzers $(FUZZ_BUILD) $(FUZZ_SECONDS)

# ctest's summary line of the Release run (every suite) comes last.
test: lint test-asan fuzz test-release

bench: build
	@scripts/run-benchmarks $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
