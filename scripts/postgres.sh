#!/usr/bin/env bash
# Installs (if needed) and starts a local PostgreSQL from Debian's packages for the store
# tests, creates a role and an empty database, and prints the SQLAlchemy URL on stdout.
# Needs root (apt-get, and `su postgres` to create the role). Idempotent.
set -euo pipefail
# Everything but the URL goes to stderr. The server started below must inherit none of
# our descriptors: a daemon holding the stdout pipe of `url=$(bash scripts/postgres.sh)`
# (or the CI log) open makes the caller wait for ever.
exec 3>&1 1>&2
log=$(mktemp /tmp/tetsuzuki-postgres-start.XXXXXX)
if ! command -v pg_lsclusters >/dev/null 2>&1 || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
  # The package's postinst may start a server: it gets no descriptor of ours either.
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      --no-install-recommends postgresql; } </dev/null >"$log" 2>&1 3>&-; then
    cat "$log"; exit 1
  fi
fi
ver=$(ls /usr/lib/postgresql | sort -V | tail -1)
if [ -z "$(pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main"')" ]; then
  pg_createcluster "$ver" main </dev/null >/dev/null 3>&-
fi
if ! pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main"' | grep -q online; then
  # A machine restored from a snapshot can hold a stale postmaster.pid; pg_ctl removes it.
  if ! pg_ctlcluster "$ver" main start </dev/null >"$log" 2>&1 3>&-; then
    cat "$log"; exit 1
  fi
fi
rm -f "$log"
port=$(pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main" {print $3}')
psql_su() { su postgres -c "psql -p $port -v ON_ERROR_STOP=1 -tAc \"$1\""; }
for i in $(seq 1 30); do psql_su "SELECT 1" >/dev/null 2>&1 && break; sleep 1; done
[ "$(psql_su "SELECT 1 FROM pg_roles WHERE rolname='tetsuzuki'")" = "1" ] || \
  psql_su "CREATE ROLE tetsuzuki LOGIN PASSWORD 'tetsuzuki' CREATEDB"
[ "$(psql_su "SELECT 1 FROM pg_database WHERE datname='tetsuzuki_test'")" = "1" ] || \
  psql_su "CREATE DATABASE tetsuzuki_test OWNER tetsuzuki"
echo "postgresql+psycopg://tetsuzuki:tetsuzuki@127.0.0.1:${port}/tetsuzuki_test" >&3
