#!/usr/bin/env bash
# Starts/stops the real services the tests use: PostgreSQL 15 and Redis 7, each on a loopback
# port, with their data in a temporary directory.
#
#   eval "$(bash scripts/test-services.sh start)"   # start (idempotent) and export the URLs
#   bash scripts/test-services.sh env               # print the exports of running services
#   bash scripts/test-services.sh stop              # stop both and delete their data
#
# stdout carries only `export NAME=value` lines; progress and warnings go to stderr. When a
# service cannot start: with CI=true this is an error (exit 1); otherwise a warning and its
# export is left out, so tests that need it skip.
#
# Environment: STRATA_TEST_SERVICES_DIR (default /tmp/strata-test-services),
# STRATA_TEST_PG_PORT (default 55432), STRATA_TEST_REDIS_PORT (default 56379). A busy default
# port is replaced by the next free one.
set -euo pipefail

base=${STRATA_TEST_SERVICES_DIR:-/tmp/strata-test-services}
pg_bin=${STRATA_PG_BIN:-/usr/lib/postgresql/15/bin}
pg_dir=$base/pg
redis_dir=$base/redis
is_ci=false
if [ "${CI:-}" = "true" ]; then is_ci=true; fi

log() { echo "test-services: $*" >&2; }

# Runs a command as the postgres user (PostgreSQL refuses to run as root).
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

port_busy() {
  # Something accepts TCP connections on 127.0.0.1:$1.
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
  local p=$1
  for _ in $(seq 1 200); do
    if ! port_busy "$p"; then echo "$p"; return 0; fi
    p=$((p + 1))
  done
  return 1
}

fail_or_warn() {
  if $is_ci; then
    log "ERROR: $* (CI=true: a missing service is a failure)"
    exit 1
  fi
  log "WARNING: $*; its tests will be skipped"
}

pg_running() {
  [ -f "$pg_dir/data/postmaster.pid" ] && [ -f "$pg_dir/port" ] &&
    as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" status >/dev/null 2>&1
}

redis_running() {
  [ -f "$redis_dir/redis.pid" ] && [ -f "$redis_dir/port" ] &&
    kill -0 "$(cat "$redis_dir/redis.pid")" 2>/dev/null &&
    redis-cli -h 127.0.0.1 -p "$(cat "$redis_dir/port")" ping 2>/dev/null | grep -q PONG
}

print_pg() {
  echo "export STRATA_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:$(cat "$pg_dir/port")/postgres"
}

print_redis() {
  echo "export STRATA_TEST_REDIS_URL=redis://127.0.0.1:$(cat "$redis_dir/port")/0"
}

start_pg() {
  if pg_running; then
    log "postgres already running on port $(cat "$pg_dir/port")"
    print_pg
    return 0
  fi
  if [ ! -x "$pg_bin/initdb" ]; then
    fail_or_warn "PostgreSQL binaries not found in $pg_bin (run scripts/install-deps.sh)"
    return 0
  fi
  if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
    fail_or_warn "running as root but there is no 'postgres' user to run PostgreSQL as"
    return 0
  fi
  local port
  if ! port=$(free_port "${STRATA_TEST_PG_PORT:-55432}"); then
    fail_or_warn "no free port for PostgreSQL"
    return 0
  fi
  mkdir -p "$pg_dir"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$pg_dir"; fi
  chmod 700 "$pg_dir"
  if [ ! -f "$pg_dir/data/PG_VERSION" ]; then
    rm -rf "$pg_dir/data"
    log "initdb in $pg_dir/data"
    if ! as_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 \
      --locale=C >"$pg_dir/initdb.log" 2>&1; then
      cat "$pg_dir/initdb.log" >&2 || true
      fail_or_warn "initdb failed"
      return 0
    fi
  fi
  log "starting postgres on 127.0.0.1:$port"
  # Loopback only, socket in our own directory, no durability (test data is throwaway).
  if ! as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/postgres.log" -w -t 60 \
    -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off \
        -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null 2>&1 9>&-; then
    tail -n 20 "$pg_dir/postgres.log" >&2 || true
    fail_or_warn "PostgreSQL did not start (log: $pg_dir/postgres.log)"
    return 0
  fi
  echo "$port" >"$pg_dir/port"
  print_pg
}

start_redis() {
  if redis_running; then
    log "redis already running on port $(cat "$redis_dir/port")"
    print_redis
    return 0
  fi
  if ! command -v redis-server >/dev/null 2>&1; then
    fail_or_warn "redis-server not found (run scripts/install-deps.sh)"
    return 0
  fi
  local port
  if ! port=$(free_port "${STRATA_TEST_REDIS_PORT:-56379}"); then
    fail_or_warn "no free port for Redis"
    return 0
  fi
  mkdir -p "$redis_dir"
  log "starting redis on 127.0.0.1:$port"
  if ! redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --save '' \
    --appendonly no --dir "$redis_dir" --pidfile "$redis_dir/redis.pid" \
    --logfile "$redis_dir/redis.log" >/dev/null 2>&1 9>&-; then
    fail_or_warn "redis-server did not start"
    return 0
  fi
  echo "$port" >"$redis_dir/port"
  for _ in $(seq 1 100); do
    if redis_running; then
      print_redis
      return 0
    fi
    sleep 0.05
  done
  tail -n 20 "$redis_dir/redis.log" >&2 || true
  fail_or_warn "Redis did not answer PING (log: $redis_dir/redis.log)"
}

stop_all() {
  if [ -f "$pg_dir/data/postmaster.pid" ]; then
    log "stopping postgres"
    as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
  fi
  if [ -f "$redis_dir/redis.pid" ]; then
    log "stopping redis"
    local pid
    pid=$(cat "$redis_dir/redis.pid")
    if [ -f "$redis_dir/port" ]; then
      redis-cli -h 127.0.0.1 -p "$(cat "$redis_dir/port")" shutdown nosave >/dev/null 2>&1 || true
    fi
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
    kill "$pid" 2>/dev/null || true
  fi
  rm -rf "$base"
}

cmd=${1:-}
case "$cmd" in
  start | stop | env) ;;
  *)
    echo "usage: $0 start|stop|env" >&2
    exit 2
    ;;
esac

mkdir -p "$base"
chmod 755 "$base"
# Concurrent callers (parallel test runs) must not race on initdb or ports. The daemons are
# started with fd 9 closed so they do not inherit (and hold) this lock.
exec 9>"$base/.lock"
flock 9

case "$cmd" in
  start)
    start_pg
    start_redis
    ;;
  env)
    if pg_running; then print_pg; fi
    if redis_running; then print_redis; fi
    ;;
  stop)
    stop_all
    ;;
esac
