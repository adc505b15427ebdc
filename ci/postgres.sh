#!/usr/bin/env bash
# PostgreSQL for the moderation tests: install the server, or start/stop a throwaway cluster.
#
#   bash ci/postgres.sh                 install if missing, start a cluster in /tmp/postcheck-pg
#                                       and print `export POSTCHECK_TEST_DATABASE_URL=...`
#   bash ci/postgres.sh install         only make sure initdb/pg_ctl exist (apt-get on Debian)
#   bash ci/postgres.sh start DIR       start a cluster in DIR on a free loopback port; the URL
#                                       is the last line printed and is written to DIR/url
#   bash ci/postgres.sh stop DIR        stop that cluster
#
# Idempotent: `start` on a running cluster only prints its URL again. The test suite calls
# `start`/`stop` itself when it finds the binaries (tests/moderation/conftest.py), so CI only
# needs `bash ci/postgres.sh install` before pytest; with CI=true the PostgreSQL tests fail
# instead of skipping when no server can be had. PostgreSQL refuses to run as root, so as root
# the cluster runs as the `postgres` user (created if missing).
set -euo pipefail

find_bin() {
  local name=$1 dir
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r) /usr/local/bin; do
    if [ -x "$dir/$name" ]; then echo "$dir/$name"; return 0; fi
  done
  return 1
}

install() {
  if find_bin initdb >/dev/null && find_bin pg_ctl >/dev/null; then
    echo "postgres.sh: server binaries present: $(find_bin initdb)" >&2
    return 0
  fi
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "postgres.sh: PostgreSQL server binaries not found and cannot apt-get install them" >&2
    return 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
  # Debian's package starts a system cluster on 5432; the tests use their own cluster.
  find_bin initdb >/dev/null
}

as_db_user() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start() {
  local dir=$1 initdb pg_ctl port
  initdb=$(find_bin initdb) || { echo "postgres.sh: initdb not found (run: bash ci/postgres.sh install)" >&2; return 1; }
  pg_ctl=$(find_bin pg_ctl)
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
    chown postgres "$dir"
  fi
  if [ -f "$dir/url" ] && as_db_user "$pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    cat "$dir/url"
    return 0
  fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_db_user "$initdb" -D "$dir/data" -U postcheck --auth=trust -E UTF8 --no-locale --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; return 1; }
  fi
  port=$(free_port)
  as_db_user "$pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200" start >/dev/null \
    || { cat "$dir/server.log" >&2; return 1; }
  echo "postgresql://postcheck@127.0.0.1:$port/postgres" > "$dir/url"
  [ "$(id -u)" = 0 ] && chown postgres "$dir/url"
  cat "$dir/url"
}

stop() {
  local dir=$1 pg_ctl
  pg_ctl=$(find_bin pg_ctl) || return 0
  if [ -d "$dir/data" ]; then
    as_db_user "$pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

case "${1:-}" in
  install) install ;;
  start) start "${2:?usage: postgres.sh start DIR}" ;;
  stop) stop "${2:?usage: postgres.sh stop DIR}" ;;
  "")
    install
    url=$(start /tmp/postcheck-pg | tail -n 1)
    echo "export POSTCHECK_TEST_DATABASE_URL=$url"
    ;;
  *) echo "usage: postgres.sh [install | start DIR | stop DIR]" >&2; exit 2 ;;
esac
