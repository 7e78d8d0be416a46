# RetailHub: the README's commands. Every target installs what is missing first.
#   make run    build Release and start the hub on 127.0.0.1:8080 (SQLite in ./var)
#   make test   build, check formatting, run every suite (Release + ASan/UBSan unit tests)
#   make bench  build and run the benchmarks in bench/
.PHONY: deps build build-asan run test test-release test-asan lint format bench clean

JOBS ?= $(shell nproc)
BUILD ?= build
ASAN_BUILD ?= build-asan
LISTEN ?= 127.0.0.1:8080
CMAKE_FLAGS ?=

deps:
	@scripts/install-deps

build: deps
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@echo "built $(BUILD)/bin/retailhub"

build-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DHUB_SANITIZE=ON \
	  -DHUB_BENCH=OFF $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

run: build
	@mkdir -p var
	@echo "RetailHub listening on http://$(LISTEN)/  (Ctrl-C to stop)"
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

# ctest's summary line of the Release run (every suite) comes last.
test: lint test-asan test-release

bench: build
	@scripts/run-benchmarks $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
