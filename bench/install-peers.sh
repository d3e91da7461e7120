#!/usr/bin/env bash
# Installs the benchmark peers: pandas and OpenBLAS from Debian, DuckDB from npm (pinned by
# bench/peers/package-lock.json). Idempotent.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
missing=()
for p in python3-pandas libopenblas0-pthread; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ ! -d "$here/peers/node_modules" ] || [ "$here/peers/package-lock.json" -nt "$here/peers/node_modules" ]; then
  (cd "$here/peers" && npm ci --no-audit --no-fund --loglevel=error)
fi
