# shellcheck shell=bash
# Least privilege between the services (compose/README.md, "Database roles" and "Redis
# users"): each app connects to PostgreSQL and Redis under a name of its own, with its own
# password from .env, and may do only what it needs. Built here, applied by `up` (and the
# database part by `restore`); the superuser and Redis's default user stay the operator's.
# Sourced once however many libraries need it (its constants are read-only).
[[ -z "${PROTOSTAR_ROLES_SH:-}" ]] || return 0
PROTOSTAR_ROLES_SH=1

readonly ROLES_SQL="$PROTOSTAR_ROOT/compose/postgres/roles.sql"

# redis_password_hash PASSWORD — its SHA-256 in hex, as an ACL file takes it (`#<hash>`).
# printf is bash's own: the password is never on a command line.
redis_password_hash() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }

# redis_acl — the ACL file Redis starts with, from .env. Passwords appear only as hashes,
# so the file holds nothing that logs in. The metrics exporter's user reads statistics only. Key patterns: the backend every protostar:* key
# (refresh tokens, rate limits, the queue, the events, and its channel pattern, which
# PSUBSCRIBE matches literally); the worker only the queue's and the events' keys and
# channels, so it can read no refresh token. Commands: everything but @dangerous (KEYS,
# FLUSHALL, CONFIG, DEBUG, ...), with INFO back for the health check; the worker also
# cannot list key names (SCAN, RANDOMKEY).
# Redis takes no comments in the file: every line is a user.
redis_acl() {
  printf 'user default on #%s ~* &* +@all\n' "$(redis_password_hash "$REDIS_PASSWORD")"
  printf 'user backend on #%s resetkeys ~protostar:* resetchannels &protostar:* &protostar:events:notify:user:* +@all -@dangerous +info\n' \
    "$(redis_password_hash "$REDIS_BACKEND_PASSWORD")"
  printf 'user worker on #%s resetkeys ~protostar:jobs:* ~protostar:events:* resetchannels &protostar:events:* +@all -@dangerous +info -scan -randomkey\n' \
    "$(redis_password_hash "$REDIS_WORKER_PASSWORD")"
  # What the exporter asks (INFO, CONFIG GET for maxmemory and the like, the slow log,
  # latency, CLIENT LIST, memory stats), nothing that reads or writes a key.
  printf 'user monitor on #%s resetkeys resetchannels -@all +ping +info +config|get +client|list +client|info +slowlog|get +slowlog|len +latency|latest +latency|histogram +memory|stats +select +cluster|info\n' \
    "$(redis_password_hash "$REDIS_MONITOR_PASSWORD")"
}

# write_redis_acl — STATE_DIR/redis/users.acl (written by `up` from .env: edits are
# overwritten), replaced atomically. World-readable, as
# the Redis image's user (999 upstream, Debian's redis offline) must read it through the
# bind mount whatever the host's users: it holds hashes only.
write_redis_acl() {
  local dir="$STATE_DIR/redis" tmp
  mkdir -p "$dir"
  chmod 755 "$dir"
  tmp=$(mktemp "$dir/.users.acl.XXXXXX")
  redis_acl >"$tmp"
  chmod 644 "$tmp"
  mv "$tmp" "$dir/users.acl"
}

# load_redis_acl — the running Redis takes the file again (a password changed in .env);
# as the default user, whose password redis-cli reads from the container's environment.
load_redis_acl() {
  local reply
  reply=$(compose exec -T redis redis-cli ACL LOAD 2>&1) || true
  [[ "$reply" == OK ]] || abort "Redis refused its users file ($STATE_DIR/redis/users.acl): $reply"
}

# write_superuser_password_file — STATE_DIR/postgres/superuser-password from .env: the
# secret the postgres container's first start reads (POSTGRES_PASSWORD_FILE). Its
# directory only root may enter; the file must be readable by the image's postgres user.
write_superuser_password_file() {
  local dir="$STATE_DIR/postgres" tmp
  mkdir -p "$dir"
  chmod 700 "$dir"
  tmp=$(mktemp "$dir/.superuser-password.XXXXXX")
  printf '%s' "$POSTGRES_PASSWORD" >"$tmp"
  chmod 644 "$tmp"
  mv "$tmp" "$dir/superuser-password"
}

# set_database_passwords SUPERUSER OWNER BACKEND WORKER — the four passwords in the running
# database, in one transaction (all or none). Connections open already stay open: the
# server checks a password only when a connection starts.
set_database_passwords() {
  {
    printf '\\set superuser %s\n\\set su_password %s\n' "$POSTGRES_USER" "$1"
    printf '\\set owner_password %s\n\\set backend_password %s\n\\set worker_password %s\n' "$2" "$3" "$4"
    printf '%s\n' 'BEGIN;' "ALTER ROLE :\"superuser\" PASSWORD :'su_password';" \
      "ALTER ROLE protostar_owner PASSWORD :'owner_password';" "ALTER ROLE protostar_backend PASSWORD :'backend_password';" \
      "ALTER ROLE protostar_worker PASSWORD :'worker_password';" 'COMMIT;'
  } | superuser_psql "$POSTGRES_DB" "$@"
}

# superuser_psql DATABASE SECRET... — psql as the superuser in DATABASE of the running
# postgres service, reading stdin. On failure its output goes to stderr with every SECRET
# masked: psql may quote the failing statement, never its password.
superuser_psql() {
  local db=$1 out secret
  shift
  out=$(compose exec -T postgres psql -X -q -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$db" 2>&1) && return 0
  for secret in "$@"; do out=${out//"$secret"/"***"}; done
  printf '%s\n' "$out" >&2
  return 1
}

# database_roles_input — what psql reads: the passwords as psql variables (never on a
# command line), then roles.sql.
database_roles_input() {
  printf '\\set owner_password %s\n\\set backend_password %s\n\\set worker_password %s\n\\set monitor_password %s\n' \
    "$POSTGRES_OWNER_PASSWORD" "$POSTGRES_BACKEND_PASSWORD" "$POSTGRES_WORKER_PASSWORD" "$POSTGRES_MONITOR_PASSWORD"
  cat "$ROLES_SQL"
}

# provision_database_roles [DATABASE] — roles.sql run as the superuser in DATABASE
# (default POSTGRES_DB) of the running postgres service: the roles created or brought up
# to date, the schema's objects owned by the owner role, the apps' grants.
provision_database_roles() {
  local db=${1:-$POSTGRES_DB} out
  out=$(database_roles_input | superuser_psql "$db" "$POSTGRES_OWNER_PASSWORD" "$POSTGRES_BACKEND_PASSWORD" \
    "$POSTGRES_WORKER_PASSWORD" "$POSTGRES_MONITOR_PASSWORD" 2>&1) || abort "could not set up the database roles in $db: $out"
}
