#!/usr/bin/env bash
# Installs every Debian package Strata's build, tests and benchmarks need.
# Idempotent: packages already present are skipped; apt-get update runs only when
# something is missing.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git clang lld
  libclang-rt-14-dev
  libabsl-dev libboost-dev libboost-system-dev nlohmann-json3-dev libsimdjson-dev
  libsqlite3-dev sqlite3 libpq-dev postgresql-15 postgresql-client-15
  redis-server libhiredis-dev liblmdb-dev libjemalloc-dev
  libssl-dev zlib1g-dev libzstd-dev libsnappy-dev libxxhash-dev
  libbrotli-dev liblz4-dev libgit2-dev
  libxgboost-dev xgboost python3-xgboost libeigen3-dev
  libcli11-dev libspdlog-dev libfmt-dev libyaml-cpp-dev
  chromium
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-requests python3-numpy python3-pandas python3-sklearn python3-flask gunicorn
  wrk curl procps nginx-light
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # The Debian postgresql package starts a cluster on 5432; tests use their own.
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    $SUDO service postgresql stop >/dev/null 2>&1 || true
  fi
  $SUDO service redis-server stop >/dev/null 2>&1 || true
  $SUDO service nginx stop >/dev/null 2>&1 || true
else
  echo "install-deps: all ${#PACKAGES[@]} packages present"
fi

# Node.js runs the npm-based test peers. Debian's nodejs+npm only where no node is installed:
# some images ship a newer nodejs package that already contains npm.
if ! command -v npm >/dev/null 2>&1; then
  echo "install-deps: installing nodejs npm"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi

# npm packages pinned by each package-lock.json; installed once, offline afterwards.
root=$(cd "$(dirname "$0")/.." && pwd)
for dir in tests/mlflow_js_client tests/duckdb_peer; do
  if [ ! -d "$root/$dir/node_modules" ] || [ "$root/$dir/package-lock.json" -nt "$root/$dir/node_modules" ]; then
    echo "install-deps: npm ci in $dir"
    (cd "$root/$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
