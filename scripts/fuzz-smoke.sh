#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time on a scratch copy of its seed corpus (the seeds
# in the repository stay as they are). Usage: fuzz-smoke.sh FUZZ_BINARY SEED_DIR
# STRATA_FUZZ_SECONDS (default 20) sets the time. Exits non-zero on a crash, leak or timeout.
set -euo pipefail
bin=${1:?usage: fuzz-smoke.sh FUZZ_BINARY SEED_DIR}
seeds=${2:?usage: fuzz-smoke.sh FUZZ_BINARY SEED_DIR}
[ -x "$bin" ] || { echo "fuzz-smoke: $bin is missing: run 'make fuzz'"; exit 1; }
bin=$(realpath "$bin")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
cp "$seeds"/* "$work/corpus"/ 2>/dev/null || true
cd "$work"  # crash-* files land here and are printed below
if ! "$bin" -max_total_time="${STRATA_FUZZ_SECONDS:-20}" -timeout=10 -rss_limit_mb=2048 \
    "$work/corpus" >"$work/log" 2>&1; then
  tail -60 "$work/log"
  for f in crash-* leak-* timeout-* oom-*; do
    [ -f "$f" ] && { echo "input $f:"; od -c "$f" | head -20; }
  done
  exit 1
fi
grep -E "DONE|Done [0-9]+ runs" "$work/log" | tail -1
echo "fuzz-smoke: $(basename "$bin"): no crash"
