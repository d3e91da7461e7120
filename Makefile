# The two entry points: `make demo` and `make test`. Everything else is a helper.
SHELL := /bin/bash
NPROC := $(shell nproc)
RELEASE_DIR := build/release
TEST_DIR := build/asan
FUZZ_DIR := build/fuzz
# One libFuzzer target per fuzz/*_fuzz.cc.
FUZZ_TARGETS := $(basename $(notdir $(wildcard fuzz/*_fuzz.cc)))

.PHONY: demo test deps build build-test fuzz bench clean

deps:
	@bash scripts/install-deps.sh

# Release build (-O2) for the demo and benchmarks.
build: deps
	@cmake -S . -B $(RELEASE_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release \
	  -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" -DSTRATA_TESTS=OFF >/dev/null
	@cmake --build $(RELEASE_DIR) -j $(NPROC)

demo: build
	@bash scripts/demo.sh $(RELEASE_DIR)/strata

# One ASan+UBSan build runs the whole suite.
# It also registers a bounded smoke run of each libFuzzer target from $(FUZZ_DIR) as a test.
build-test: deps
	@cmake -S . -B $(TEST_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSTRATA_SANITIZE=ON \
	  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" -DSTRATA_FUZZ_BINARIES=$(abspath $(FUZZ_DIR))/fuzz >/dev/null
	@cmake --build $(TEST_DIR) -j $(NPROC)

test: build-test fuzz
	@bash scripts/run-tests.sh $(TEST_DIR)

fuzz: deps
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DSTRATA_FUZZ=ON -DSTRATA_TESTS=OFF >/dev/null
	@cmake --build $(FUZZ_DIR) -j $(NPROC) --target $(FUZZ_TARGETS)

bench: build
	@bash bench/run.sh $(RELEASE_DIR)/strata

clean:
	rm -rf build
