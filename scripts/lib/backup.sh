# shellcheck shell=bash
# Database backups to S3 (MinIO on the management host): settings, object names,
# retention and the streamed multipart upload. Commands: protostar-backup, -restore.
# Sourced once however many libraries need it (its constants are read-only).
[[ -z "${PROTOSTAR_BACKUP_SH:-}" ]] || return 0
PROTOSTAR_BACKUP_SH=1

# shellcheck source=scripts/lib/s3.sh
source "$PROTOSTAR_ROOT/scripts/lib/s3.sh"

readonly BACKUP_VARIABLES=(BACKUP_S3_URL BACKUP_S3_BUCKET BACKUP_S3_ACCESS_KEY BACKUP_S3_SECRET_KEY
  BACKUP_S3_REGION BACKUP_S3_PREFIX BACKUP_S3_CACERT BACKUP_KEEP_LAST BACKUP_KEEP_DAILY BACKUP_KEEP_WEEKLY
  BACKUP_PART_SIZE_MB BACKUP_COMPRESSION BACKUP_RESTORE_WORK_MEM BACKUP_AGE_RECIPIENTS BACKUP_PITR_KEEP_FULL
  BACKUP_RETENTION)
# <database>-<UTC time>-<app version>.pgdump[.age]: .age when encrypted (all backups made
# since BACKUP_AGE_RECIPIENTS; older ones are plain dumps, still listed and restored).
readonly BACKUP_NAME_RE='^([a-z_][a-z0-9_]*)-([0-9]{8}T[0-9]{6}Z)-([A-Za-z0-9._-]+)\.pgdump(\.age)?$'
# An age X25519 recipient (public key): "age1" and 58 bech32 characters.
readonly AGE_RECIPIENT_RE='^age1[02-9ac-hj-np-z]{58}$'

# load_backup_config — .env (load_config) plus the backup settings, checked; defaults
# for the optional ones. Settings come from the file only, never from the caller.
load_backup_config() {
  unset "${BACKUP_VARIABLES[@]}"
  load_config
  local problems=() var host=""
  [[ -n "${BACKUP_S3_URL:-}" ]] ||
    abort "backups are not configured: set BACKUP_S3_URL, BACKUP_S3_BUCKET, BACKUP_S3_ACCESS_KEY and BACKUP_S3_SECRET_KEY in $(env_file) (see compose/production.env.example)"
  for var in BACKUP_S3_BUCKET BACKUP_S3_ACCESS_KEY BACKUP_S3_SECRET_KEY; do
    [[ -n "${!var:-}" ]] || problems+=("$var is not set")
  done
  # Empty (as in the example) means the default.
  : "${BACKUP_S3_REGION:=us-east-1}" "${BACKUP_S3_PREFIX:=$COMPOSE_PROJECT_NAME/}"
  : "${BACKUP_KEEP_LAST:=3}" "${BACKUP_KEEP_DAILY:=7}" "${BACKUP_KEEP_WEEKLY:=4}"
  : "${BACKUP_PART_SIZE_MB:=64}" "${BACKUP_COMPRESSION:=zstd:3}" "${BACKUP_RESTORE_WORK_MEM:=1GB}"
  : "${BACKUP_PITR_KEEP_FULL:=2}"
  if [[ "$BACKUP_S3_URL" =~ ^https?://([A-Za-z0-9.-]+)(:[0-9]+)?/?$ ]]; then
    host=${BASH_REMATCH[1]}
  else
    problems+=("BACKUP_S3_URL=$BACKUP_S3_URL is malformed: expected the S3 endpoint, e.g. https://s3.ops.example.org:8443")
  fi
  # A store on this host: the embedded one, or a test's.
  local on_this_host=""
  [[ ! "$host" =~ ^(localhost|127\.[0-9.]+)$ ]] || on_this_host=1
  # The whole database would cross the network in clear; plain HTTP only stays on the host.
  [[ "$BACKUP_S3_URL" != http://* || -z "$host" || -n "$on_this_host" ]] ||
    problems+=("BACKUP_S3_URL=$BACKUP_S3_URL is plain HTTP: backups must travel over TLS (https://); http:// is accepted only for localhost")
  [[ -z "${BACKUP_S3_BUCKET:-}" || "$BACKUP_S3_BUCKET" =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]] ||
    problems+=("BACKUP_S3_BUCKET=$BACKUP_S3_BUCKET is malformed: expected an S3 bucket name")
  [[ -z "${BACKUP_S3_ACCESS_KEY:-}" || "$BACKUP_S3_ACCESS_KEY" =~ ^[A-Za-z0-9._-]{3,128}$ ]] ||
    problems+=("BACKUP_S3_ACCESS_KEY=$BACKUP_S3_ACCESS_KEY is malformed: expected letters, digits or ._-")
  [[ -z "${BACKUP_S3_SECRET_KEY:-}" || "$BACKUP_S3_SECRET_KEY" =~ ^[A-Za-z0-9._~+/=-]{8,128}$ ]] ||
    problems+=("BACKUP_S3_SECRET_KEY is malformed: expected 8 to 128 letters, digits or ._~+/=-")
  [[ "$BACKUP_S3_REGION" =~ ^[a-z0-9-]+$ ]] || problems+=("BACKUP_S3_REGION=$BACKUP_S3_REGION is malformed")
  [[ "$BACKUP_S3_PREFIX" =~ ^([A-Za-z0-9._-]+/)*$ ]] ||
    problems+=("BACKUP_S3_PREFIX=$BACKUP_S3_PREFIX is malformed: expected folder names ending in /, e.g. protostar/")
  [[ -z "${BACKUP_S3_CACERT:-}" || -r "$BACKUP_S3_CACERT" ]] ||
    problems+=("BACKUP_S3_CACERT=$BACKUP_S3_CACERT is not a readable file")
  for var in BACKUP_KEEP_LAST BACKUP_KEEP_DAILY BACKUP_KEEP_WEEKLY; do
    [[ "${!var}" =~ ^[0-9]{1,4}$ ]] || problems+=("${var}=${!var} is malformed: expected a number")
  done
  # Who deletes old backups: this host when the store is its own (localhost), else the
  # management host, whose policy gives this host's key no right to delete.
  if [[ -z "${BACKUP_RETENTION:-}" ]]; then
    BACKUP_RETENTION=management
    [[ -z "$on_this_host" ]] || BACKUP_RETENTION=here
  fi
  [[ "$BACKUP_RETENTION" =~ ^(here|management)$ ]] ||
    problems+=("BACKUP_RETENTION=$BACKUP_RETENTION is malformed: expected here (this host deletes old backups) or management (the management host's backup-retention does; this key may not delete)")
  [[ "$BACKUP_PITR_KEEP_FULL" =~ ^[1-9][0-9]{0,2}$ ]] ||
    problems+=("BACKUP_PITR_KEEP_FULL=$BACKUP_PITR_KEEP_FULL is malformed: expected a number from 1 (full base backups kept for point-in-time recovery)")
  ((BACKUP_KEEP_LAST >= 1)) 2>/dev/null || problems+=("BACKUP_KEEP_LAST must be at least 1: the newest backup is always kept")
  [[ "$BACKUP_PART_SIZE_MB" =~ ^[0-9]{1,4}$ ]] && ((BACKUP_PART_SIZE_MB >= 5)) ||
    problems+=("BACKUP_PART_SIZE_MB=$BACKUP_PART_SIZE_MB is malformed: expected 5 or more (S3's smallest part)")
  [[ "$BACKUP_COMPRESSION" =~ ^(none|gzip(:[1-9])?|zstd(:[0-9]{1,2})?|lz4(:[0-9]{1,2})?)$ ]] ||
    problems+=("BACKUP_COMPRESSION=$BACKUP_COMPRESSION is malformed: expected gzip, zstd or lz4, with an optional :LEVEL, or none")
  [[ "$BACKUP_RESTORE_WORK_MEM" =~ ^[0-9]+(MB|GB)$ ]] ||
    problems+=("BACKUP_RESTORE_WORK_MEM=$BACKUP_RESTORE_WORK_MEM is malformed: expected a PostgreSQL size such as 512MB or 1GB")
  local recipient
  for recipient in $(backup_recipients); do
    [[ "$recipient" =~ $AGE_RECIPIENT_RE ]] ||
      problems+=("BACKUP_AGE_RECIPIENTS holds '$recipient', which is not an age public key (age1..., from age-keygen)")
  done
  if ((${#problems[@]})); then
    local problem
    for problem in "${problems[@]}"; do printf 'protostar: %s: %s\n' "$(env_file)" "$problem" >&2; done
    abort "fix the backup settings in $(env_file) (documented in compose/production.env.example)"
  fi
  export BACKUP_S3_REGION BACKUP_S3_PREFIX BACKUP_RETENTION
}

# backup_version — the app version the backup belongs to: the serving colour's image tag.
backup_version() {
  local var="BACKEND_${ACTIVE_COLOR:-blue}_IMAGE" image
  var=${var^^}
  image=${!var:-}
  image=${image##*/}
  image=${image#*:}
  [[ -n "$image" && "$image" != *@* ]] || image=unknown
  printf '%s\n' "${image//[^A-Za-z0-9._-]/_}"
}

# backup_name DB UTC-TIME VERSION — the object's name (under BACKUP_S3_PREFIX): an
# encrypted dump's.
backup_name() { printf '%s-%s-%s.pgdump.age\n' "$1" "$2" "$3"; }

# documents_backup_name NAME — the object beside backup NAME holding the documents' files
# (a tar, encrypted): the same name stem.
documents_backup_name() { printf '%s.documents.tar.age\n' "${1%.pgdump*}"; }

# backup_recipients — BACKUP_AGE_RECIPIENTS, one per line (the setting separates them with
# commas or spaces).
backup_recipients() {
  local recipient
  for recipient in ${BACKUP_AGE_RECIPIENTS//,/ }; do printf '%s\n' "$recipient"; done
}

# require_age — age (the encryption tool, Debian's package) is installed, or abort.
require_age() {
  command -v age >/dev/null || abort "age is needed for encrypted backups (apt-get install age)"
}

# backups_to_delete DATABASE LAST DAILY WEEKLY < NAMES — the names retention removes. Kept:
# the LAST newest; the newest of each of the DAILY most recent days that have a backup;
# the newest of each of the WEEKLY most recent ISO weeks that have one (as restic's
# --keep-last/--keep-daily/--keep-weekly). Only DATABASE's backups are counted and
# listed: another stack's under the same prefix (another database name) is not ours to
# prune, nor is a name that is not a backup's.
backups_to_delete() {
  local database=$1 last=$2 daily=$3 weekly=$4 name stamp day week i=0
  local -A days=() weeks=()
  local -a names=()
  while read -r name; do
    [[ "$name" =~ $BACKUP_NAME_RE && "${BASH_REMATCH[1]}" == "$database" ]] && names+=("${BASH_REMATCH[2]} $name")
  done
  ((${#names[@]})) || return 0
  while read -r stamp name; do
    i=$((i + 1))
    day=${stamp:0:8}
    week=$(date -u -d "$day" +%G-%V)
    local keep=""
    ((i <= last)) && keep=1
    if [[ -z "${days[$day]:-}" ]] && ((${#days[@]} < daily)); then
      days[$day]=1
      keep=1
    fi
    if [[ -z "${weeks[$week]:-}" ]] && ((${#weeks[@]} < weekly)); then
      weeks[$week]=1
      keep=1
    fi
    [[ -n "$keep" ]] || printf '%s\n' "$name"
  done < <(printf '%s\n' "${names[@]}" | sort -r)
}

# postgres_container — the running postgres container's id, or abort.
postgres_container() {
  local id
  id=$(compose ps --status running --quiet postgres 2>/dev/null | head -n 1)
  [[ -n "$id" ]] || abort "postgres is not running: start the stack first (protostar up)"
  printf '%s\n' "$id"
}

# human_size BYTES
human_size() { numfmt --to=iec-i --suffix=B --format='%.1f' "$1" 2>/dev/null || printf '%sB\n' "$1"; }

# --- The documents' files: the embedded object store's volume, or the bucket of S3_ENDPOINT ---
# Either way one tar beside the dump, its members ./<bucket>/<key>: a backup of one
# restores into the other.

# with_documents_store CMD... — CMD with the S3 client (s3.sh) aimed at the documents'
# store of S3_ENDPOINT: its bucket, the backend's key, MANAGEMENT_CACERT. The settings are
# CMD's alone (and its children's, as tar's --to-command), not the caller's.
with_documents_store() {
  BACKUP_S3_URL=$S3_ENDPOINT BACKUP_S3_BUCKET=$S3_BUCKET BACKUP_S3_ACCESS_KEY=$S3_ACCESS_KEY \
    BACKUP_S3_SECRET_KEY=$S3_SECRET_KEY BACKUP_S3_CACERT=${MANAGEMENT_CACERT:-} BACKUP_S3_REGION=us-east-1 "$@"
}

# documents_bucket_tar WORK-DIR — the documents' bucket of S3_ENDPOINT as one tar on stdout.
# Each object is fetched into WORK-DIR, written as a member and removed: the disk holds the
# largest object, never the bucket. A member is tar's own output (blocking factor 1, so
# no record padding) less its two end-of-archive blocks; the end comes once, last.
# Status 1 when the listing or a download failed.
documents_bucket_tar() {
  local dir="$1/documents-objects" key _
  with_documents_store s3_list "" "$1" >"$1/documents.list" || return 1
  while read -r key _; do
    [[ "$key" != */ ]] || continue
    mkdir -p "$dir/$S3_BUCKET/$(dirname "$key")"
    with_documents_store s3_get_stream "$key" >"$dir/$S3_BUCKET/$key" || return 1
    tar -b 1 -C "$dir" -cf - "./$S3_BUCKET/$key" | head -c -1024
    rm -f "$dir/$S3_BUCKET/$key"
  done <"$1/documents.list"
  head -c 1024 /dev/zero
}

# put_tar_member — run by `tar --to-command` in with_documents_store: the member on stdin
# (TAR_FILENAME ./<bucket>/<key>) stored as <key> in the documents' bucket, through a
# file in DOCUMENTS_WORK (S3 wants a length). Other members than files are skipped.
put_tar_member() {
  local key file status
  if [[ "$TAR_FILETYPE" != f ]]; then
    cat >/dev/null
    return 0
  fi
  key=${TAR_FILENAME#./}
  key=${key#*/}
  file=$(mktemp "$DOCUMENTS_WORK/member.XXXXXX")
  cat >"$file"
  status=$(s3_put_file "$key" "$file" "$DOCUMENTS_WORK" 2>"$DOCUMENTS_WORK/curl.err")
  rm -f "$file"
  [[ "$status" == 200 ]] || { echo "storing $key: $(s3_explain "$status" "$DOCUMENTS_WORK/put" "$DOCUMENTS_WORK/curl.err")" >&2 && return 1; }
}

# documents_into_bucket WORK-DIR — a documents' tar on stdin into the bucket of
# S3_ENDPOINT, one object at a time.
documents_into_bucket() {
  mkdir -p "$1/members"
  # shellcheck disable=SC2016 # expanded by the shell tar starts for each member
  DOCUMENTS_WORK="$1/members" with_documents_store \
    tar -xf - --to-command='bash -c "source \"$PROTOSTAR_ROOT/scripts/lib/backup.sh\" && put_tar_member"'
}

# restore_documents_files NAME IDENTITY WORK-DIR — the documents' tar NAME (an object
# under the prefix) streamed from the bucket, decrypted with the age IDENTITY, into where
# the documents are now: the running embedded object store, or the bucket of S3_ENDPOINT.
# Files are added or replaced, none removed. Status 1, the reason on stderr, when it failed.
restore_documents_files() {
  local name=$1 identity=$2 work=$3 store statuses
  local -a extract
  if [[ -n "${S3_ENDPOINT:-}" ]]; then
    extract=(documents_into_bucket "$work")
  else
    store=$(compose ps --status running --quiet object-store 2>/dev/null | head -n 1)
    [[ -n "$store" ]] || { info "protostar: the object store is not running, so the documents' files cannot be restored"; return 1; }
    extract=(docker exec -i "$store" tar --xattrs --xattrs-include='user.*' -C /data -xf -)
  fi
  set +e
  s3_get_stream "$BACKUP_S3_PREFIX$name" 2>"$work/curl.err" | age -d -i "$identity" 2>"$work/age.err" |
    "${extract[@]}" 2>"$work/tar.err"
  statuses=("${PIPESTATUS[@]}")
  set -e
  [[ "${statuses[*]}" != "0 0 0" ]] || return 0
  info "protostar: restoring the documents' files failed (download ${statuses[0]}, age ${statuses[1]}, tar ${statuses[2]}): $(tail -n 3 "$work/curl.err" "$work/age.err" "$work/tar.err" 2>/dev/null | grep -v '^==>' | tr '\n' ' ')"
  return 1
}
