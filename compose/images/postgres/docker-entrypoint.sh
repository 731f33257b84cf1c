#!/usr/bin/env bash
# First start: initdb from POSTGRES_USER / POSTGRES_PASSWORD(_FILE) / POSTGRES_DB, enable the
# `vector` extension in the application database, run /docker-entrypoint-initdb.d, then
# start the real server. Mirrors the official image so the same tooling works with both.
set -Eeuo pipefail

if [[ "${1:0:1}" == - ]]; then set -- postgres "$@"; fi

init_cluster() {
  # POSTGRES_PASSWORD_FILE as the official image reads it: a mounted secret, which shows
  # in no `docker inspect` and can change without making the container outdated.
  if [[ -z "${POSTGRES_PASSWORD:-}" && -n "${POSTGRES_PASSWORD_FILE:-}" ]]; then
    POSTGRES_PASSWORD=$(<"$POSTGRES_PASSWORD_FILE")
  fi
  : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE must be set (the superuser password)}"
  local user=${POSTGRES_USER:-postgres}
  local db=${POSTGRES_DB:-$user}
  initdb --username="$user" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
    --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"

  # A socket-only server for the set-up, so nothing can connect before it is done.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start
  local -a psql=(psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$user")
  if [[ "$db" != postgres ]]; then
    "${psql[@]}" --dbname postgres -c "CREATE DATABASE \"$db\""
  fi
  "${psql[@]}" --dbname "$db" -c 'CREATE EXTENSION IF NOT EXISTS vector'
  local f
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) bash "$f" ;;
      *.sql) "${psql[@]}" --dbname "$db" -f "$f" ;;
      *) ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop
}

if [[ "$1" == postgres && ! -s "$PGDATA/PG_VERSION" ]]; then
  init_cluster
fi
exec "$@"
