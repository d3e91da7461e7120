#!/usr/bin/env bash
# Starts the real test services (PostgreSQL, Redis), runs every test with ctest, stops them.
set -euo pipefail
build_dir=${1:?usage: run-tests.sh BUILD_DIR}
# The libFuzzer smoke tests (tests/CMakeLists.txt) find the fuzz build through the cache.
root=$(cd "$(dirname "$0")/.." && pwd)

eval "$(bash "$root/scripts/test-services.sh" start)"
trap 'bash "$root/scripts/test-services.sh" stop >/dev/null 2>&1 || true' EXIT

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export STRATA_SOURCE_DIR=$root
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)"
