# shellcheck shell=bash
# The WAL archive off the host: the archive-shipper service's settings (it copies
# pgBackRest's repository to the backups bucket, compose/postgres/ship-archive), and the
# way back, `protostar restore --latest`, which brings a database cluster back on a new
# host from that copy. Needs config.sh loaded.

# shellcheck source=scripts/lib/backup.sh
source "$PROTOSTAR_ROOT/scripts/lib/backup.sh"
# shellcheck source=scripts/lib/pitr.sh
source "$PROTOSTAR_ROOT/scripts/lib/pitr.sh"

# archive_shipper_services — the shipper's service when backups are configured.
archive_shipper_services() { [[ -z "${BACKUP_S3_URL:-}" ]] || printf '%s\n' archive-shipper; }

# cluster_system_id — the running cluster's system identifier (pg_control_system()):
# names its folder in the bucket, and differs for every initdb.
cluster_system_id() { pitr_psql "SELECT system_identifier FROM pg_control_system()"; }

# archive_remote_prefix SYSTEM-ID — where the shipper puts that cluster's repository.
archive_remote_prefix() { printf '%spitr/%s/\n' "$BACKUP_S3_PREFIX" "$1"; }

# write_archive_shipper_settings [SYSTEM-ID] — the shipper's settings file and CA
# certificate under STATE_DIR/postgres (Compose secrets), rewritten in place (the
# running shipper reads them each round). Without backups configured, or without a
# SYSTEM-ID (before PostgreSQL runs), the shipper has nothing to do: the files only exist.
write_archive_shipper_settings() {
  local system_id=${1:-} dir="$STATE_DIR/postgres" settings cacert="" var
  mkdir -p "$dir"
  chmod 700 "$dir"
  settings=$(
    if [[ -n "${BACKUP_S3_URL:-}" && -n "$system_id" ]]; then
      for var in BACKUP_S3_URL BACKUP_S3_BUCKET BACKUP_S3_REGION BACKUP_S3_ACCESS_KEY BACKUP_S3_SECRET_KEY BACKUP_RETENTION; do
        printf '%s=%q\n' "$var" "${!var:-}"
      done
      [[ -z "${BACKUP_S3_CACERT:-}" ]] || printf 'BACKUP_S3_CACERT=/run/secrets/backup-s3-cacert\n'
      printf 'ARCHIVE_REMOTE_PREFIX=%q\n' "$(archive_remote_prefix "$system_id")"
    fi
  )
  [[ -z "${BACKUP_S3_URL:-}" || -z "${BACKUP_S3_CACERT:-}" ]] || cacert=$(cat "$BACKUP_S3_CACERT")
  # In place (not replaced): the container's bind mount holds on to the file it saw.
  [[ -f "$dir/archive-shipper.env" && "$(cat "$dir/archive-shipper.env")" == "$settings" ]] ||
    printf '%s\n' "$settings" >"$dir/archive-shipper.env"
  [[ -f "$dir/backup-s3-cacert.pem" && "$(cat "$dir/backup-s3-cacert.pem")" == "$cacert" ]] ||
    printf '%s\n' "$cacert" >"$dir/backup-s3-cacert.pem"
  # Read by the image's postgres user through the bind mount; the directory keeps others out.
  chmod 644 "$dir/archive-shipper.env" "$dir/backup-s3-cacert.pem"
}

# ensure_archive_shipping — `up`'s part once PostgreSQL runs: the shipper told which
# cluster it ships. A problem is a warning, as for the archive itself.
ensure_archive_shipping() {
  local system_id
  [[ -n "${BACKUP_S3_URL:-}" ]] || { write_archive_shipper_settings; return 0; }
  if ! system_id=$(cluster_system_id 2>/dev/null) || [[ -z "$system_id" ]]; then
    warn "the WAL archive is not shipped off the host: cannot read the cluster's system identifier"
    return 0
  fi
  write_archive_shipper_settings "$system_id"
}

# shipped_clusters OUT-DIR — "SYSTEM-ID NEWEST-LAST-MODIFIED OBJECTS" per cluster folder
# under <prefix>pitr/ that holds a whole repository (both info files), newest first. A
# folder marked replaced-by (the empty cluster of a host that `restore --latest` then
# replaced) is left out: after the restore it is the newest, and restoring it again
# would bring back an empty database.
shipped_clusters() {
  local dir=$1 root="${BACKUP_S3_PREFIX}pitr/"
  s3_list "$root" "$dir" --modified >"$dir/shipped" || return 1
  awk -v root="$root" '
    index($1, root) == 1 && $1 !~ /\/$/ {
      rest = substr($1, length(root) + 1); id = substr(rest, 1, index(rest, "/") - 1)
      if (id == "") next
      count[id]++; if ($3 > newest[id]) newest[id] = $3
      if (rest ~ /\/archive\/[^/]+\/archive\.info$/) archive[id] = 1
      if (rest ~ /\/backup\/[^/]+\/backup\.info$/) backup[id] = 1
      if (rest == id "/replaced-by") replaced[id] = 1
    }
    END { for (id in count) if (archive[id] && backup[id] && !replaced[id]) print id, newest[id], count[id] }
  ' "$dir/shipped" | sort -k2,2r
}

# newest_documents_backup — the newest documents' tar of this database in the bucket.
newest_documents_backup() {
  local dir=$1
  s3_list "$BACKUP_S3_PREFIX" "$dir" | cut -d' ' -f1 | sed -n "s|^$BACKUP_S3_PREFIX\\($POSTGRES_DB-[0-9]\\{8\\}T[0-9]\\{6\\}Z-[^/]*\\.documents\\.tar\\.age\\)\$|\\1|p" |
    sort -t- -k2 | tail -n 1
}

# restore_latest WORK-DIR — see `protostar restore --help` (--latest). Uses the caller's
# stop_apps and identity; backup.sh's settings loaded.
restore_latest() {
  local work=$1 local_id clusters id newest count documents="" apps=() out started=$SECONDS
  [[ -n "$(compose ps --status running --quiet postgres 2>/dev/null)" ]] ||
    abort "postgres is not running: set the host up first (protostar up), then restore"
  pitr_has_pgbackrest || abort "this postgres image has no pgBackRest (protostar up --offline): restore a dump instead (protostar backup list)"
  local_id=$(cluster_system_id) || abort "cannot read this cluster's system identifier"

  step 1/5 "looking for the newest WAL archive in $BACKUP_S3_URL/$BACKUP_S3_BUCKET/${BACKUP_S3_PREFIX}pitr/"
  clusters=$(shipped_clusters "$work") || abort "cannot list the bucket: see above"
  # This host's own new cluster ships too: it is not the one to bring back.
  read -r id newest count < <(awk -v own="$local_id" '$1 != own' <<<"$clusters" | head -n 1) || true
  [[ -n "${id:-}" ]] ||
    abort "no shipped WAL archive of another cluster under ${BACKUP_S3_PREFIX}pitr/: restore the newest dump instead (protostar backup list)"
  info "      cluster $id: $count file(s), the newest shipped $newest"
  if [[ -z "${S3_ENDPOINT:-}" ]]; then
    documents=$(newest_documents_backup "$work") || documents=""
    if [[ -n "$documents" && -z "${identity:-}" ]]; then
      abort "the documents' files are in $documents, encrypted: add --identity FILE (the age private key of BACKUP_AGE_RECIPIENTS); nothing was changed"
    fi
  fi
  mapfile -t apps < <(running_app_services)
  ((${#apps[@]} == 0)) || [[ -n "${stop_apps:-}" ]] ||
    abort "${apps[*]} running: add --stop-apps (stopped for the restore, started again after it); nothing was changed"

  step 2/5 "downloading cluster $id's repository"
  local prefix part failed bytes
  prefix=$(archive_remote_prefix "$id")
  # pgBackRest's repository only: not the expired lists nor a replaced-by marker.
  awk -v prefix="$prefix" 'index($1, prefix) == 1 && substr($1, length(prefix) + 1) ~ /^(archive|backup)\/.*[^\/]$/' \
    "$work/shipped" >"$work/download"
  bytes=$(awk '{ total += $2 } END { print total + 0 }' "$work/download")
  # Four at a time: a repository is thousands of small files, each its own request.
  split -n r/4 "$work/download" "$work/download."
  for part in "$work"/download.??; do
    (
      while read -r key _; do
        path=${key#"$prefix"}
        mkdir -p "$work/repository/$(dirname "$path")"
        s3_get_stream "$key" >"$work/repository/$path" 2>"$part.err" || { echo "$key: $(tail -n 1 "$part.err")" >"$part.failed"; exit 1; }
      done <"$part"
    ) &
  done
  wait
  for failed in "$work"/download.??.failed; do
    [[ ! -e "$failed" ]] || abort "downloading $(cat "$failed"); nothing was changed"
  done
  info "      $(human_size "$bytes") in $((SECONDS - started))s"

  step 3/5 "stopping ${apps[*]:+${apps[*]}, }the archive shipper and postgres"
  ((${#apps[@]} == 0)) || compose stop "${apps[@]}"
  compose stop archive-shipper postgres

  step 4/5 "replacing this host's cluster and archive with cluster $id's, replaying its WAL to the end"
  # The repository goes in as the postgres user (it owns both volumes); the data directory
  # is emptied for pgBackRest (a different cluster: nothing of it can be reused).
  # shellcheck disable=SC2016 # $PGDATA is the container's
  if ! out=$(tar -C "$work/repository" -cf - . | compose run --rm --no-deps -T --entrypoint bash postgres -c \
    'set -e; find /var/lib/pgbackrest -mindepth 1 -delete; tar -xf - -C /var/lib/pgbackrest
     find "$PGDATA" -mindepth 1 -delete; exec pgbackrest --stanza='"$PITR_STANZA"' restore' 2>&1); then
    abort "pgBackRest could not restore: $(tail -n 3 <<<"$out" | tr '\n' ' '); run 'protostar restore --latest' again"
  fi
  start_restored_cluster "replaying the WAL"
  # From now on the restored cluster ships on into its own folder (a new timeline); the
  # one it replaced is marked, so that a later --latest does not pick it.
  write_archive_shipper_settings "$id"
  printf 'replaced by cluster %s, restored %s\n' "$id" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$work/replaced-by"
  [[ "$(s3_request PUT "$(archive_remote_prefix "$local_id")replaced-by" "" "$work/replaced-by" "$work/marked" 2>/dev/null)" == 200 ]] ||
    warn "could not mark cluster $local_id's folder as replaced: a later 'restore --latest' may pick it; remove ${BACKUP_S3_PREFIX}pitr/$local_id/ from the bucket"
  compose up --detach --no-deps archive-shipper >/dev/null 2>&1 || warn "the archive shipper did not start: protostar status"

  if [[ -n "$documents" ]]; then
    step 5/5 "restoring the documents' files from $documents, starting ${apps[*]:-nothing else}"
    restore_documents_files "$documents" "$identity" "$work" || abort "the database is back, but the documents' files are not: see above"
  else
    step 5/5 "starting ${apps[*]:-nothing else}"
  fi
  if ((${#apps[@]})); then
    compose up --detach --wait --no-recreate --no-deps "${apps[@]}" ||
      abort "the database is restored, but ${apps[*]} did not become healthy: protostar status"
  fi
  echo "cluster $id restored to the end of its shipped WAL (timeline $(pitr_psql "SELECT timeline_id FROM pg_control_checkpoint()" 2>/dev/null || echo '?')) in $((SECONDS - started))s"
}
