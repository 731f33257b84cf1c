# shellcheck shell=bash
# Point-in-time recovery with pgBackRest, inside the postgres container: its settings
# (written by `up`), the stanza, base backups, the restorable window and the restore to
# a moment. PostgreSQL archives each WAL segment into the postgres-archive volume
# (archive_command, closed after archive_timeout = 30 s at most). Needs config.sh loaded.
# Sourced once however many libraries need it (its constants are read-only).
[[ -z "${PROTOSTAR_PITR_SH:-}" ]] || return 0
PROTOSTAR_PITR_SH=1

# shellcheck source=scripts/lib/roles.sh
source "$PROTOSTAR_ROOT/scripts/lib/roles.sh"
# shellcheck source=scripts/lib/containers.sh
source "$PROTOSTAR_ROOT/scripts/lib/containers.sh"

readonly PITR_STANZA=protostar
# The repository and the data directory inside the container (compose/production.yml).
readonly PITR_REPOSITORY=/var/lib/pgbackrest
readonly PITR_PGDATA=/var/lib/postgresql/data
# A full base backup once the newest full one is this old (6 days and 12 hours: a daily
# schedule that drifts a little still makes one a week), a differential one otherwise.
readonly PITR_FULL_EVERY=561600

# pitr_config — pgBackRest's settings, from .env: the repository encrypted with
# POSTGRES_ARCHIVE_CIPHER_PASS, two full backups kept unless `backup` says otherwise
# (BACKUP_PITR_KEEP_FULL), zstd, an immediate checkpoint for a base backup (not the
# next scheduled one, minutes away), no log files (the output is the command's).
pitr_config() {
  cat <<EOF
[global]
repo1-path=$PITR_REPOSITORY
repo1-cipher-type=aes-256-cbc
repo1-cipher-pass=$POSTGRES_ARCHIVE_CIPHER_PASS
repo1-retention-full=2
compress-type=zst
start-fast=y
log-level-console=warn
log-level-stderr=off
log-level-file=off

[$PITR_STANZA]
pg1-path=$PITR_PGDATA
pg1-user=$POSTGRES_USER
EOF
}

# write_pitr_config — STATE_DIR/postgres/pgbackrest.conf (the container's secret
# pgbackrest-config). Rewritten in place when it changed: the running container sees a
# single file's bind mount only as long as it is the same file.
write_pitr_config() {
  local dir="$STATE_DIR/postgres" file="$STATE_DIR/postgres/pgbackrest.conf"
  mkdir -p "$dir"
  chmod 700 "$dir"
  if [[ ! -f "$file" ]] || ! pitr_config | cmp -s - "$file"; then
    pitr_config >"$file"
  fi
  # Read by the image's postgres user through the bind mount; the directory keeps others out.
  chmod 644 "$file"
}

# pitr_pgbackrest ARGS... — pgBackRest in the running postgres container, for the stanza.
pitr_pgbackrest() { compose exec -T postgres pgbackrest --stanza="$PITR_STANZA" "$@"; }

# pitr_has_pgbackrest — the running postgres image has pgBackRest (the offline one).
pitr_has_pgbackrest() { compose exec -T postgres test -x /usr/bin/pgbackrest 2>/dev/null; }

# pitr_info — pgBackRest's JSON about the stanza (its backups and WAL archive).
pitr_info() { pitr_pgbackrest --output=json info; }

# ensure_pitr_archive — the stanza exists (made on the first start, checked afterwards),
# and has a base backup: without one no WAL archived since could be replayed. On a fresh
# install that full backup takes seconds. A problem is a warning, not a failed `up`: the
# stack serves either way, and `protostar doctor` keeps showing it.
ensure_pitr_archive() {
  local out count
  if ! pitr_has_pgbackrest; then
    warn "point-in-time recovery is off: the postgres image ${POSTGRES_IMAGE:-} has no pgBackRest (the offline image has: protostar up --offline)"
    return 0
  fi
  if ! out=$(pitr_pgbackrest stanza-create 2>&1); then
    warn "point-in-time recovery is not set up: pgBackRest stanza-create failed: $(tail -n 3 <<<"$out" | tr '\n' ' ')"
    return 0
  fi
  count=$(pitr_info 2>/dev/null | jq '.[0].backup | length' 2>/dev/null) || count=""
  [[ "$count" == 0 ]] || return 0
  info "      the first base backup for point-in-time recovery (pgBackRest, full)"
  out=$(pitr_pgbackrest --type=full backup 2>&1) ||
    warn "the first base backup for point-in-time recovery failed: $(tail -n 3 <<<"$out" | tr '\n' ' ')"
}

# pitr_backup_type INFO-JSON — full when there is no full backup or the newest is
# PITR_FULL_EVERY seconds old, else diff.
pitr_backup_type() {
  local newest
  newest=$(jq -r '[.[0].backup[]? | select(.type == "full") | .timestamp.stop] | max // 0' <<<"$1" 2>/dev/null) || newest=0
  if (($(date +%s) - ${newest:-0} >= PITR_FULL_EVERY)); then echo full; else echo diff; fi
}

# pitr_window INFO-JSON — "FROM TO" in epoch seconds: from the oldest base backup's end to
# the newest's, or nothing without a backup. WAL archived since the newest reaches further.
pitr_window() {
  jq -r '[.[0].backup[]?.timestamp.stop] | if length == 0 then empty else "\(min) \(max)" end' <<<"$1" 2>/dev/null
}

# pitr_archiver — PostgreSQL's archiver as "LAST-ARCHIVED-EPOCH LAST-FAILED-EPOCH" (0 for
# never), from pg_stat_archiver.
pitr_archiver() {
  pitr_psql "SELECT coalesce(extract(epoch FROM last_archived_time)::bigint, 0) || ' ' || coalesce(extract(epoch FROM last_failed_time)::bigint, 0) FROM pg_stat_archiver"
}

# pitr_target TIME — TIME as PostgreSQL's recovery_target_time in UTC, microseconds kept;
# nothing (status 1) when date(1) cannot read it.
pitr_target() {
  [[ -n "$1" ]] || return 1
  date -u -d "$1" '+%Y-%m-%d %H:%M:%S.%6N+00' 2>/dev/null
}

# pitr_psql SQL — one statement as the superuser, its rows unadorned.
pitr_psql() { compose exec -T postgres psql -X -q -t -A -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres -c "$1"; }

# restore_to_time TARGET — the cluster brought back to TARGET (pitr_target's form); uses
# the caller's stop_apps, and roles.sh. See `protostar restore --help`.
restore_to_time() {
  local target=$1 target_epoch json window apps=() out
  target_epoch=$(date -u -d "$target" +%s)
  [[ -n "$(compose ps --status running --quiet postgres 2>/dev/null)" ]] ||
    abort "postgres is not running: start the stack first (protostar up)"
  json=$(pitr_info 2>&1) || abort "cannot read pgBackRest's archive: $(tail -n 3 <<<"$json" | tr '\n' ' ')"
  window=$(pitr_window "$json")
  [[ -n "$window" ]] || abort "there is no base backup to restore from yet (protostar backup makes one; so does protostar up)"
  ((target_epoch >= ${window%% *})) ||
    abort "$target is before the oldest base backup ($(date -u -d "@${window%% *}" '+%Y-%m-%d %H:%M:%S UTC')): restore a dump instead (protostar backup list)"
  (($(date -u -d "$target" +%s%N) < $(date -u +%s%N))) || abort "$target is not in the past"
  mapfile -t apps < <(running_app_services)
  ((${#apps[@]} == 0)) || [[ -n "${stop_apps:-}" ]] ||
    abort "${apps[*]} running: add --stop-apps (stopped for the restore, started again after it); nothing was changed"

  step 1/4 "archiving the WAL written until now (pgBackRest check), so this moment stays restorable"
  # Recovery stops at the first commit after TARGET: one is made now, so it exists even
  # when nothing was written since (else recovery would end before reaching TARGET).
  pitr_psql "SELECT txid_current()" >/dev/null || abort "cannot write to PostgreSQL: nothing was changed"
  out=$(pitr_pgbackrest check 2>&1) || abort "the WAL archive does not take the newest WAL: $(tail -n 3 <<<"$out" | tr '\n' ' '); nothing was changed"

  step 2/4 "stopping ${apps[*]:+${apps[*]} and }postgres"
  ((${#apps[@]} == 0)) || compose stop "${apps[@]}"
  compose stop postgres

  step 3/4 "restoring the data directory to $target (pgBackRest restore, then WAL replay)"
  if ! out=$(compose run --rm --no-deps -T --entrypoint pgbackrest postgres --stanza="$PITR_STANZA" \
    --delta --type=time --target="$target" --target-action=promote restore 2>&1); then
    abort "pgBackRest could not restore: $(tail -n 3 <<<"$out" | tr '\n' ' '); the data directory may be half restored: run 'protostar restore --to-time' again, or restore a dump"
  fi
  start_restored_cluster "the recovery to $target"

  if ((${#apps[@]})); then
    step 4/4 "starting ${apps[*]} again, waiting until healthy"
    compose up --detach --wait --no-recreate --no-deps "${apps[@]}" ||
      abort "the database is restored, but ${apps[*]} did not become healthy: protostar status"
  else
    step 4/4 "done"
  fi
  echo "the database cluster is back at $target (timeline $(pitr_psql "SELECT timeline_id FROM pg_control_checkpoint()" 2>/dev/null || echo '?'))"
}

# start_restored_cluster WHAT — postgres started on a restored data directory, waited for
# until the replay (WHAT, for the message) has ended and it is promoted: "healthy"
# (accepting connections) comes before that. The roles' passwords went back with the
# cluster: .env's again, as `up` sets them.
start_restored_cluster() {
  local deadline=$((SECONDS + ${PITR_RECOVERY_TIMEOUT:-900}))
  compose start postgres >/dev/null
  until [[ "$(pitr_psql "SELECT pg_is_in_recovery()" 2>/dev/null)" == f ]]; do
    ((SECONDS < deadline)) || abort "PostgreSQL did not finish $1: see 'protostar logs postgres'"
    sleep 1
  done
  provision_database_roles
}

# pitr_describe_window INFO-JSON — "from ... to ..." in UTC, or "none yet".
pitr_describe_window() {
  local window
  window=$(pitr_window "$1")
  if [[ -z "$window" ]]; then
    echo "none yet"
  else
    echo "from $(date -u -d "@${window%% *}" '+%Y-%m-%d %H:%M:%S UTC') to now, the WAL archived every 30 s at most"
  fi
}

# pitr_base_backup — `protostar backup`'s base backup (type by pitr_backup_type; expiry
# keeps BACKUP_PITR_KEEP_FULL full ones). Status 1, the reason on stderr, when it failed.
pitr_base_backup() {
  local json type out started=$SECONDS
  if ! pitr_has_pgbackrest; then
    warn "no base backup for point-in-time recovery: the postgres image has no pgBackRest (protostar up --offline)"
    return 0
  fi
  # The stanza `up` made; made here when that failed then (idempotent).
  out=$(pitr_pgbackrest stanza-create 2>&1) || { info "protostar: pgBackRest stanza-create failed: $(tail -n 3 <<<"$out" | tr '\n' ' ')"; return 1; }
  json=$(pitr_info 2>&1) || { info "protostar: cannot read pgBackRest's archive: $(tail -n 3 <<<"$json" | tr '\n' ' ')"; return 1; }
  type=$(pitr_backup_type "$json")
  step pitr "a $type base backup for point-in-time recovery (pgBackRest; the $BACKUP_PITR_KEEP_FULL newest full ones kept)"
  out=$(pitr_pgbackrest --type="$type" --repo1-retention-full="$BACKUP_PITR_KEEP_FULL" backup 2>&1) ||
    { info "protostar: pgBackRest backup failed: $(tail -n 5 <<<"$out" | tr '\n' ' ')"; return 1; }
  json=$(pitr_info 2>/dev/null) || json=""
  info "      done in $((SECONDS - started))s; restorable with --to-time: $(pitr_describe_window "$json")"
}

# pitr_list_window — `backup list`'s last lines: the point-in-time window, and the
# archiver's last failure when it is newer than its last success.
pitr_list_window() {
  local json archived failed
  [[ -n "$(compose ps --status running --quiet postgres 2>/dev/null)" ]] ||
    { echo "point-in-time recovery: not known while postgres is not running"; return 0; }
  pitr_has_pgbackrest || { echo "point-in-time recovery: off (the postgres image has no pgBackRest)"; return 0; }
  json=$(pitr_info 2>/dev/null) || json=""
  echo "point-in-time recovery (restore --to-time): $(pitr_describe_window "$json")"
  read -r archived failed < <(pitr_archiver 2>/dev/null) || true
  if ((${failed:-0} > ${archived:-0})); then
    echo "warning: archiving the WAL fails since $(date -u -d "@$failed" '+%Y-%m-%d %H:%M:%S UTC'): see 'protostar logs postgres'"
  fi
}
