#!/usr/bin/env bash
# Summary: End-to-end test of backup and restore against a real S3 server (S3Proxy for MinIO)
# Usage: scripts/test/e2e/backup.sh [--keep]
#
# Starts the production stack with `protostar up --offline` under a unique project and
# S3Proxy (scripts/test/e2e/s3proxy.sh: a real S3 API that checks signatures) on a free
# 127.0.0.1 port, as the management host's MinIO would be reached through ops-nginx.
# Rows are inserted, with pgvector vectors (384 dimensions, incompressible, so the dump
# takes several 5 MB parts); then:
#   backup (encrypted with age; the private key brought to each restore) → restore into an empty database: same row counts, identical vectors, the
#   HNSW index back and answering; backup list; a backup to an unreachable endpoint or with a refused
#   key fails loudly and leaves the earlier backups as they were; retention deletes only
#   this database's oldest, not another stack's nor anything that is not a backup; the systemd timer's service, run as
#   systemd would run it, makes a backup; restore into production is refused while the
#   apps run; a corrupt dump or the store dying mid-download changes nothing in
#   production; then restore replaces the database (--stop-apps) keeping the old one; a
#   marker row is not in a backup object, only in what its private key decrypts.
# Last, documents move to S3Proxy behind a TLS front with a self-signed certificate (as
# the management host's MinIO behind ops-nginx): without MANAGEMENT_CACERT an upload is
# refused (503) and the backend logs the TLS failure; with it, `up` redeploys both apps
# trusting it, and a document is stored and ingested.
# Always tears everything down (--keep leaves it for inspection).
set -Eeuo pipefail
PROTOSTAR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
export PROTOSTAR_ROOT
source "$PROTOSTAR_ROOT/scripts/lib/common.sh"
source "$PROTOSTAR_ROOT/scripts/lib/images.sh"
source "$PROTOSTAR_ROOT/scripts/lib/s3.sh"
source "$PROTOSTAR_ROOT/scripts/test/e2e/lib.sh"
source "$PROTOSTAR_ROOT/scripts/test/e2e/s3proxy.sh"
handle_help "$@"
keep=""
[[ "${1:-}" == --keep ]] && keep=1

e2e_setup backup
e2e_with_admin
S3_NAME=$E2E_PROJECT-s3 S3_TLS_NAME=$E2E_PROJECT-s3-tls
OPS_NAME=$E2E_PROJECT-ops-nginx OPS_NETWORK=$E2E_PROJECT-ops
S3_PORT=$(free_port)
S3_ACCESS=e2e-backup-key
S3_SECRET=$(od -An -tx1 -N20 /dev/urandom | tr -d ' \n')
# The backups' age key pair: the public key in .env, the private key (IDENTITY) only
# where a restore is run, as an operator would bring it.
command -v age-keygen >/dev/null || abort "age is needed (apt-get install age)"
IDENTITY="$E2E_DIR/backup.key"
age-keygen -o "$IDENTITY" 2>/dev/null
RECIPIENT=$(age-keygen -y "$IDENTITY")
cleanup() {
  local status=$1
  if [[ "$status" != 0 || "$E2E_FAILED" != 0 ]]; then
    echo "---- S3Proxy ----" >&2
    docker logs --tail 40 "$S3_NAME" >&2 2>&1 || true
  fi
  if [[ -z "$keep" ]]; then
    docker rm -f "$S3_NAME" "$S3_TLS_NAME" "$OPS_NAME" >/dev/null 2>&1 || true
    docker network rm "$OPS_NETWORK" >/dev/null 2>&1 || true
  fi
  e2e_teardown "$status"
}
trap 'cleanup $?' EXIT
cat >>"$PROTOSTAR_ENV_FILE" <<ENV
BACKUP_S3_URL=http://127.0.0.1:$S3_PORT
BACKUP_S3_BUCKET=backups
BACKUP_S3_ACCESS_KEY=$S3_ACCESS
BACKUP_S3_SECRET_KEY=$S3_SECRET
BACKUP_S3_PREFIX=$E2E_PROJECT/
BACKUP_PART_SIZE_MB=5
BACKUP_AGE_RECIPIENTS=$RECIPIENT
ENV
# Later lines win: drop the example's empty ones.
for var in BACKUP_S3_URL BACKUP_S3_ACCESS_KEY BACKUP_S3_SECRET_KEY BACKUP_S3_PREFIX BACKUP_PART_SIZE_MB BACKUP_AGE_RECIPIENTS; do
  sed -i "0,/^$var=/{/^$var=/d}" "$PROTOSTAR_ENV_FILE"
done
# shellcheck disable=SC1090 # generated above, plain KEY=value lines
source "$PROTOSTAR_ENV_FILE"
export BACKUP_S3_URL BACKUP_S3_BUCKET BACKUP_S3_ACCESS_KEY BACKUP_S3_SECRET_KEY

# --- Helpers ----------------------------------------------------------------------------------
# with_env VAR=value... -- CMD... — CMD with a copy of the settings where VARs are changed
# (or added).
with_env() {
  local file="$E2E_DIR/alt.env" pair
  cp "$PROTOSTAR_ENV_FILE" "$file"
  while [[ "$1" != -- ]]; do
    pair=$1
    if grep -q "^${pair%%=*}=" "$file"; then
      sed -i "s|^${pair%%=*}=.*|$pair|" "$file"
    else
      printf '%s\n' "$pair" >>"$file"
    fi
    shift
  done
  shift
  PROTOSTAR_ENV_FILE=$file "$@"
}
psql_db() { protostar_compose exec -T postgres psql -X -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$1" -tAc "$2"; }
# fingerprint DB — row counts and a digest of every vector and user, in a fixed order.
fingerprint() {
  psql_db "$1" "SELECT (SELECT count(*) FROM users) || ' users, ' ||
    (SELECT count(*) FROM e2e_chunks) || ' chunks, ' ||
    (SELECT md5(string_agg(id || ':' || embedding::text, ',' ORDER BY id)) FROM e2e_chunks) || ' ' ||
    (SELECT md5(string_agg(email || ':' || tier, ',' ORDER BY email)) FROM users)"
}
# S3Proxy's file-system store lists folders as keys ending in /; MinIO does not. The WAL
# archive's copy (pitr/, kept up to date by the archive shipper meanwhile) is not counted.
objects() { s3_list "$E2E_PROJECT/" "$E2E_DIR" | cut -d' ' -f1 | grep -v '/$' | grep -v "^$E2E_PROJECT/pitr/" | sort; }
backup_names() { objects | sed -n "s|^$E2E_PROJECT/\([^/]*\.pgdump\(\.age\)\?\)\$|\1|p"; }
# refused CMD... — CMD fails; its output is in $E2E_DIR/out.
refused() {
  if "$@" >"$E2E_DIR/out" 2>&1; then
    cat "$E2E_DIR/out"
    return 1
  fi
}
put_object() {
  printf '%s' "$2" >"$E2E_DIR/object"
  [[ "$(s3_request PUT "$1" "" "$E2E_DIR/object" "$E2E_DIR/put.out")" == 200 ]]
}
# apps_started_at — when backend-blue and ai-worker last started (a restart changes it).
apps_started_at() {
  local service
  for service in backend-blue ai-worker; do
    docker inspect -f "$service {{.State.StartedAt}}" "$(protostar_compose ps -q "$service")"
  done
}
# restore_failed_and_changed_nothing STARTED-AT — after a failed restore into production
# (its output in $E2E_DIR/out): it had begun restoring into the scratch database, which is
# gone again; production holds the same rows, was never swapped or kept aside; the apps
# were not stopped (STARTED-AT: apps_started_at before) and answer.
restore_failed_and_changed_nothing() {
  cat "$E2E_DIR/out"
  grep -q "^\[2/4\] restoring .* into ${POSTGRES_DB}_restoring$" "$E2E_DIR/out"
  grep -q '^protostar: restore failed (download ' "$E2E_DIR/out"
  diff "$E2E_DIR/fingerprint.before" <(fingerprint "$POSTGRES_DB")
  [[ "$(psql_db postgres "SELECT count(*) FROM pg_database
    WHERE datname = '${POSTGRES_DB}_restoring' OR datname LIKE '${POSTGRES_DB}\_before\_%'")" == 0 ]]
  [[ "$(apps_started_at)" == "$1" ]]
  [[ "$(container_health backend-blue)" == healthy && "$(container_health ai-worker)" == healthy ]]
  https_get /api/health | jq -e '.data.status == "UP"'
}
# cutting_relay PORT BYTES — in the background (RELAY_PID, at most 300 s): a TCP relay on
# 127.0.0.1:PORT to S3Proxy that passes each connection's first BYTES of the answer, then
# cuts the connection, as a store dying mid-download would. Each cut is logged to cut.log.
cutting_relay() {
  timeout 300 python3 - "$1" "$S3_PORT" "$2" "$E2E_DIR/cut.log" <<'PY' &
import socket, sys, threading

port, upstream, limit, log = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
server = socket.create_server(("127.0.0.1", port))

def close(*sockets):
    for s in sockets:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()

def forward(source, target):
    try:
        while data := source.recv(65536):
            target.sendall(data)
        target.shutdown(socket.SHUT_WR)
    except OSError:
        pass

def relay(client):
    s3 = socket.create_connection(("127.0.0.1", upstream))
    threading.Thread(target=forward, args=(client, s3), daemon=True).start()
    sent = 0
    try:
        while data := s3.recv(65536):
            if sent + len(data) > limit:
                client.sendall(data[:limit - sent])
                with open(log, "a") as out:
                    out.write(f"cut after {limit} bytes\n")
                break
            client.sendall(data)
            sent += len(data)
    except OSError:
        pass
    close(client, s3)

while True:
    connection, _ = server.accept()
    threading.Thread(target=relay, args=(connection,), daemon=True).start()
PY
  RELAY_PID=$!
  wait_until 20 "the relay to listen on $1" bash -c "exec 2>/dev/null 3<>/dev/tcp/127.0.0.1/$1"
}

# --- The checks -------------------------------------------------------------------------------
stack_and_s3_start() {
  s3proxy_start "$S3_NAME" "$E2E_DIR" "$S3_PORT" "$S3_ACCESS" "$S3_SECRET"
  [[ "$(s3_request PUT "" "" "" "$E2E_DIR/bucket.out")" == 200 ]]
  protostar up --offline >"$E2E_DIR/up.log" 2>&1
}
seed_rows_with_vectors() {
  psql_app "INSERT INTO users (id, email, password_hash, display_name, tier)
    SELECT gen_random_uuid(), 'user' || g || '@example.com', 'x', 'User ' || g, (ARRAY['GUEST','STARGAZER','PROTOSTAR'])[1 + g % 3]
    FROM generate_series(1, 200) g"
  psql_app "CREATE TABLE e2e_chunks (id bigint PRIMARY KEY, content text NOT NULL, embedding vector(384) NOT NULL)"
  # The vector subquery refers to g, so each row gets its own random vector.
  psql_app "INSERT INTO e2e_chunks SELECT g, 'chunk ' || g, (SELECT array_agg(random()::real) FROM generate_series(1, 384) WHERE g > 0)::vector
    FROM generate_series(1, 6000) g"
  psql_app "CREATE INDEX e2e_chunks_embedding_idx ON e2e_chunks USING hnsw (embedding vector_cosine_ops) WITH (m = 8, ef_construction = 32)"
  fingerprint "$POSTGRES_DB" | tee "$E2E_DIR/fingerprint.before"
  grep -q '^201 users, 6000 chunks' "$E2E_DIR/fingerprint.before" # and the admin
}
documents_of() { printf '%s.documents.tar.age\n' "${1%.pgdump.age}"; }
# store_files — every file in the embedded object store, with its MD5, in a fixed order.
store_files() { protostar_compose exec -T object-store sh -c 'cd /data && find . -type f -exec md5sum {} + | sort -k 2'; }
document_settled() { [[ "$(psql_app "select status from documents where id = '$1'")" =~ ^(ready|failed)$ ]]; }
# A document uploaded as an admin would: its file is in the object store, its text in the
# database, before the first backup.
a_document_is_stored() {
  local token="$E2E_DIR/root.token" response id
  login_to "$token" "$PROTOSTAR_ADMIN_EMAIL" "$PROTOSTAR_ADMIN_PASSWORD" >/dev/null
  printf 'Backups keep the documents too: the database and every uploaded file.\n' >"$E2E_DIR/policy.txt"
  response=$(upload "$E2E_DIR/policy.txt" text/plain "$token" "Backup policy")
  echo "$response"
  [[ $(head -n 1 <<<"$response") == 201 ]]
  id=$(tail -n +2 <<<"$response" | jq -r .data.document.id)
  wait_until 120 "the document to be ingested" document_settled "$id"
  store_files | tee "$E2E_DIR/store.before"
  grep -q . "$E2E_DIR/store.before"
}
backup_succeeds_in_parts() {
  protostar backup 2>&1 | tee "$E2E_DIR/backup1.log"
  grep -qE "^backup $POSTGRES_DB-[0-9]{8}T[0-9]{6}Z-[0-9a-f]{12}(-dirty)?\.pgdump\.age: .* verified$" "$E2E_DIR/backup1.log"
  # 6000 × 384 float4 do not compress: more than one 5 MB part
  grep -qE 'uploaded and verified \(([2-9]|[1-9][0-9]+) parts' "$E2E_DIR/backup1.log"
  # the documents' files beside it, under the same name stem
  grep -qE "the documents' files \(the object store's /data\), encrypted, as $POSTGRES_DB-[0-9]{8}T[0-9]{6}Z-[0-9a-f]{12}(-dirty)?\.documents\.tar\.age$" "$E2E_DIR/backup1.log"
  FIRST=$(sed -n 's/^backup \([^:]*\): .*/\1/p' "$E2E_DIR/backup1.log")
  echo "$FIRST" >"$E2E_DIR/first"
  [[ "$(backup_names)" == "$FIRST" ]]
  objects | grep -qx "$E2E_PROJECT/${FIRST%.pgdump.age}.documents.tar.age"
  # recorded for node-exporter (the alert on the last backup's age): now, and its size
  local stamp
  stamp=$(sed -n 's/^protostar_backup_last_success_timestamp_seconds //p' "$E2E_DIR/state/metrics/backup.prom")
  (($(date +%s) - stamp < 300))
  grep -qE '^protostar_backup_last_size_bytes [1-9][0-9]{6,}$' "$E2E_DIR/state/metrics/backup.prom"
}
backup_list_shows_it() {
  protostar backup list | tee "$E2E_DIR/list.out"
  # the dump, and the documents' files' size beside it
  grep -qE "^$(cat "$E2E_DIR/first") +[0-9.]+[KM]iB +[0-9.]+[KM]iB$" "$E2E_DIR/list.out"
  grep -q '^1 backups in backups/' "$E2E_DIR/list.out"
}
# pitr_base_backups — `up` made a full base backup for point-in-time recovery, the backup
# above a differential one beside its dump; list shows the window from the full one's end.
pitr_base_backups() {
  grep -E '^\[pitr\] a diff base backup for point-in-time recovery' "$E2E_DIR/backup1.log"
  protostar_compose exec -T postgres pgbackrest --stanza=protostar --output=json info >"$E2E_DIR/pitr.json"
  [[ "$(jq -r '[.[0].backup[].type] | join(" ")' "$E2E_DIR/pitr.json")" == "full diff" ]]
  # The repository is encrypted with the cipher pass of .env.
  [[ "$(jq -r '.[0].cipher' "$E2E_DIR/pitr.json")" == aes-256-cbc ]]
  grep -E '^point-in-time recovery \(restore --to-time\): from 20[0-9-]+ [0-9:]+ UTC to now' "$E2E_DIR/list.out"
}
# pitr_row TEXT — a row in a table of its own, committed; prints nothing.
pitr_row() { psql_db "$POSTGRES_DB" "CREATE TABLE IF NOT EXISTS e2e_pitr (mark text); INSERT INTO e2e_pitr VALUES ('$1')" >/dev/null; }
# Point-in-time recovery to a moment between two writes: exactly the first is there, the
# second is not, and the apps serve again.
pitr_restore_between_two_writes() {
  local between
  pitr_row first
  sleep 1
  between=$(date -u '+%Y-%m-%d %H:%M:%S.%N UTC')
  sleep 1
  pitr_row second
  [[ "$(psql_db "$POSTGRES_DB" "SELECT string_agg(mark, ' ' ORDER BY mark) FROM e2e_pitr")" == "first second" ]]
  protostar restore --to-time "$between" --yes --stop-apps 2>&1 | tee "$E2E_DIR/pitr-restore.log"
  [[ "$(psql_db "$POSTGRES_DB" "SELECT string_agg(mark, ' ' ORDER BY mark) FROM e2e_pitr")" == first ]]
  [[ "$(psql_db postgres "SELECT pg_is_in_recovery()")" == f ]]
  [[ "$(container_health backend-blue)" == healthy && "$(container_health ai-worker)" == healthy ]]
  https_get /api/health | jq -e '.data.status == "UP"'
  # Written after the restore, on the new timeline: archived as before.
  pitr_row third
  protostar_compose exec -T postgres pgbackrest --stanza=protostar check
}
# A time before the oldest base backup, or not a time: refused, and nothing changed.
pitr_restore_out_of_the_window_is_refused() {
  local rows
  rows=$(psql_db "$POSTGRES_DB" "SELECT count(*) FROM e2e_pitr")
  refused protostar restore --to-time '2001-01-01 00:00:00 UTC' --yes --stop-apps
  grep -q 'is before the oldest base backup' "$E2E_DIR/out"
  refused protostar restore --to-time 'yesterday-ish' --yes --stop-apps
  grep -q "is not a time" "$E2E_DIR/out"
  refused protostar restore --to-time '1 minute ago' --stop-apps
  grep -q "add --yes to confirm" "$E2E_DIR/out"
  [[ "$(psql_db "$POSTGRES_DB" "SELECT count(*) FROM e2e_pitr")" == "$rows" ]]
  [[ "$(container_health backend-blue)" == healthy ]]
}
restore_into_empty_database_is_identical() {
  protostar restore "$(cat "$E2E_DIR/first")" --identity "$IDENTITY" --into e2e_verify 2>&1 | tee "$E2E_DIR/restore.log"
  fingerprint e2e_verify | tee "$E2E_DIR/fingerprint.restored"
  diff "$E2E_DIR/fingerprint.before" "$E2E_DIR/fingerprint.restored"
  local indexdef valid plan
  indexdef=$(psql_db e2e_verify "SELECT indexdef FROM pg_indexes WHERE indexname = 'e2e_chunks_embedding_idx'")
  echo "index: $indexdef"
  [[ "$indexdef" == *"USING hnsw"* ]]
  # The restored index is valid and serves nearest-neighbour queries. (Its answers are not
  # compared with production's: HNSW is approximate and each build is its own graph.)
  valid=$(psql_db e2e_verify "SELECT indisvalid FROM pg_index WHERE indexrelid = 'e2e_chunks_embedding_idx'::regclass")
  echo "valid: $valid"
  [[ "$valid" == t ]]
  plan=$(psql_db e2e_verify "SET enable_seqscan = off; EXPLAIN SELECT id FROM e2e_chunks ORDER BY embedding <=> (SELECT embedding FROM e2e_chunks WHERE id = 42) LIMIT 5")
  echo "plan: $plan"
  [[ "$plan" == *"Index Scan using e2e_chunks_embedding_idx"* ]]
  [[ "$(psql_db e2e_verify "SELECT count(*) FROM flyway_schema_history")" == "$(psql_app "SELECT count(*) FROM flyway_schema_history")" ]]
}
restore_into_a_non_empty_database_is_refused() {
  refused protostar restore "$(cat "$E2E_DIR/first")" --identity "$IDENTITY" --into e2e_verify
  grep -q 'database e2e_verify exists and holds' "$E2E_DIR/out"
}
restore_of_an_unknown_name_is_refused() {
  refused protostar restore "$POSTGRES_DB-20200101T000000Z-nope.pgdump" --into e2e_other
  grep -q 'no backup protostar-20200101T000000Z-nope.pgdump' "$E2E_DIR/out"
}
unreachable_endpoint_fails_loudly_and_deletes_nothing() {
  local before after rc=0
  before=$(objects)
  with_env "BACKUP_S3_URL=http://127.0.0.1:$(free_port)" -- protostar backup >"$E2E_DIR/out" 2>&1 || rc=$?
  cat "$E2E_DIR/out"
  ((rc != 0))
  grep -q "backup not made, nothing deleted: no answer from http://127.0.0.1:" "$E2E_DIR/out"
  after=$(objects)
  [[ "$before" == "$after" ]]
}
refused_key_fails_loudly_and_deletes_nothing() {
  local before rc=0
  before=$(objects)
  with_env "BACKUP_S3_SECRET_KEY=wrong-secret-0123456789" -- protostar backup >"$E2E_DIR/out" 2>&1 || rc=$?
  cat "$E2E_DIR/out"
  ((rc != 0))
  grep -q "the S3 server refused the key $S3_ACCESS" "$E2E_DIR/out"
  [[ "$before" == "$(objects)" ]]
}
s3_dying_mid_upload_fails_and_deletes_nothing() {
  # The server stops answering once the upload begins: paused as soon as the dump's
  # step is printed, so the upload's start or its parts and completion hang.
  local before rc=0 watcher
  before=$(objects)
  : >"$E2E_DIR/out"
  (
    wait_until 120 "the upload to begin" grep -q '^\[2/4\]' "$E2E_DIR/out"
    docker pause "$S3_NAME" >/dev/null
  ) &
  watcher=$!
  S3_CONNECT_TIMEOUT=3 S3_STALL_SECONDS=5 S3_PART_RETRIES=0 protostar backup >>"$E2E_DIR/out" 2>&1 || rc=$?
  # A backup that ended before its upload began leaves the watcher waiting: end it.
  kill "$watcher" 2>/dev/null || true
  wait "$watcher" || true
  docker unpause "$S3_NAME" >/dev/null 2>&1 || true
  cat "$E2E_DIR/out"
  ((rc != 0))
  grep -qE "backup (failed, nothing deleted \(earlier backups are untouched\): part 1|not made, nothing deleted): .*no answer" "$E2E_DIR/out"
  [[ "$before" == "$(objects)" ]]
}
retention_deletes_only_the_oldest() {
  # Older backups made by hand, a foreign file and one in a sub-folder.
  local old
  for old in 20200101T030000Z 20200102T030000Z 20200103T030000Z; do
    put_object "$E2E_PROJECT/$POSTGRES_DB-$old-0123456789ab.pgdump" "PGDMP old"
  done
  put_object "$E2E_PROJECT/notes.txt" "not a backup"
  # Another stack's, under the same prefix: its database has another name.
  put_object "$E2E_PROJECT/otherstack-20200101T030000Z-0123456789ab.pgdump" "PGDMP another stack's"
  put_object "$E2E_PROJECT/archive/$POSTGRES_DB-20190101T030000Z-0123456789ab.pgdump" "PGDMP kept elsewhere"
  # Keep the 2 newest and one per day for 2 days: today's newest, then 2020-01-03.
  with_env BACKUP_KEEP_LAST=2 BACKUP_KEEP_DAILY=2 BACKUP_KEEP_WEEKLY=0 -- protostar backup 2>&1 | tee "$E2E_DIR/backup2.log"
  local second expected
  second=$(sed -n 's/^backup \([^:]*\): .*/\1/p' "$E2E_DIR/backup2.log")
  grep -q '^retention: 2 deleted$' "$E2E_DIR/backup2.log"
  grep -q "deleted $POSTGRES_DB-20200101T030000Z-0123456789ab.pgdump" "$E2E_DIR/backup2.log"
  grep -q "deleted $POSTGRES_DB-20200102T030000Z-0123456789ab.pgdump" "$E2E_DIR/backup2.log"
  expected=$(printf '%s\n' "$E2E_PROJECT/archive/$POSTGRES_DB-20190101T030000Z-0123456789ab.pgdump" \
    "$E2E_PROJECT/$(documents_of "$(cat "$E2E_DIR/first")")" "$E2E_PROJECT/$(documents_of "$second")" \
    "$E2E_PROJECT/notes.txt" "$E2E_PROJECT/otherstack-20200101T030000Z-0123456789ab.pgdump" \
    "$E2E_PROJECT/$POSTGRES_DB-20200103T030000Z-0123456789ab.pgdump" \
    "$E2E_PROJECT/$(cat "$E2E_DIR/first")" "$E2E_PROJECT/$second" | sort)
  diff <(echo "$expected") <(objects)
}
restore_into_production_refused_while_apps_run() {
  refused protostar restore "$(cat "$E2E_DIR/first")" --identity "$IDENTITY" --yes
  grep -q 'running: add --stop-apps' "$E2E_DIR/out"
  refused protostar restore "$(cat "$E2E_DIR/first")" --identity "$IDENTITY"
  grep -q 'add --yes to confirm' "$E2E_DIR/out"
}
# A dump cut short (the first backup's first half, as a broken upload would leave it).
corrupt_dump_into_production_fails_and_changes_nothing() {
  local corrupt="$POSTGRES_DB-20210101T000000Z-0123456789ab.pgdump" started
  s3_get_stream "$E2E_PROJECT/$(cat "$E2E_DIR/first")" >"$E2E_DIR/dump"
  head -c "$(($(stat -c %s "$E2E_DIR/dump") / 2))" "$E2E_DIR/dump" >"$E2E_DIR/corrupt"
  [[ "$(s3_request PUT "$E2E_PROJECT/$corrupt" "" "$E2E_DIR/corrupt" "$E2E_DIR/put.out")" == 200 ]]
  started=$(apps_started_at)
  refused protostar restore "$corrupt" --yes --stop-apps
  [[ "$(s3_request DELETE "$E2E_PROJECT/$corrupt" "" "" "$E2E_DIR/delete.out")" == 204 ]]
  restore_failed_and_changed_nothing "$started"
  grep -q 'pg_restore 1' "$E2E_DIR/out"
}
s3_dying_mid_download_fails_and_changes_nothing() {
  local port started
  port=$(free_port)
  cutting_relay "$port" $((2 * 1024 * 1024))
  started=$(apps_started_at)
  S3_CONNECT_TIMEOUT=3 S3_STALL_SECONDS=5 refused with_env "BACKUP_S3_URL=http://127.0.0.1:$port" -- \
    protostar restore "$(cat "$E2E_DIR/first")" --identity "$IDENTITY" --yes --stop-apps
  kill "$RELAY_PID" 2>/dev/null || true
  wait "$RELAY_PID" || true
  cat "$E2E_DIR/cut.log"
  [[ $(wc -l <"$E2E_DIR/cut.log") == 1 ]]
  restore_failed_and_changed_nothing "$started"
  grep -qE 'restore failed \(download [1-9]' "$E2E_DIR/out"
}
# `protostar backup schedule install` in a scratch system root (systemctl recorded, not
# run), then the service it wrote run as the timer would start it: its ExecStart= alone,
# with only its Environment= and systemd's default PATH, from /, stdin from /dev/null, at
# its Nice= and IOSchedulingClass=. A backup must appear.
timer_service_makes_a_backup() {
  local root="$E2E_DIR/system" unit before new
  local -a command environment
  mkdir -p "$root/run/systemd/system" "$E2E_DIR/bin"
  printf '#!/bin/sh\necho "systemctl $*" >>"%s/systemctl.log"\n' "$E2E_DIR" >"$E2E_DIR/bin/systemctl"
  chmod +x "$E2E_DIR/bin/systemctl"
  PATH="$E2E_DIR/bin:$PATH" PROTOSTAR_SYSTEM_ROOT=$root protostar backup schedule install
  grep -qx 'systemctl enable --now protostar-backup.timer' "$E2E_DIR/systemctl.log"
  grep -qx 'OnCalendar=\*-\*-\* 03:15:00 UTC' "$root/etc/systemd/system/protostar-backup.timer"
  unit="$root/etc/systemd/system/protostar-backup.service"
  cat "$unit"
  # Only what is emulated below: a new setting in the unit must be added here too.
  [[ "$(sed -n '/^\[Service\]/,/^\[/{/^[A-Za-z]*=/s/=.*//p}' "$unit" | sort -u | paste -sd' ')" == \
    "Environment ExecStart IOSchedulingClass Nice Type" ]]
  grep -qx 'Type=oneshot' "$unit"
  grep -qx 'IOSchedulingClass=idle' "$unit"
  read -ra command <<<"$(sed -n 's/^ExecStart=//p' "$unit")"
  [[ "${command[0]}" == /* ]] # systemd runs an absolute path, with no shell
  mapfile -t environment < <(sed -n 's/^Environment=//p' "$unit")
  before=$(backup_names)
  (cd / && env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "${environment[@]}" \
    nice -n "$(sed -n 's/^Nice=//p' "$unit")" ionice -c 3 "${command[@]}" </dev/null) 2>&1 | tee "$E2E_DIR/timer.log"
  new=$(comm -13 <(echo "$before") <(backup_names))
  echo "new backup: $new"
  [[ -n "$new" && $(wc -l <<<"$new") == 1 ]]
  grep -q "^backup $new: .* verified$" "$E2E_DIR/timer.log"
}
restore_into_production_replaces_the_database() {
  # The document's file lost as well: the restore brings it back.
  protostar_compose exec -T object-store sh -c 'find /data -mindepth 2 -type f -delete'
  [[ -z "$(store_files)" ]]
  # Changes after the backup: they must be gone afterwards.
  psql_app "DELETE FROM e2e_chunks WHERE id <= 1000"
  psql_app "INSERT INTO users (id, email, password_hash, display_name) VALUES (gen_random_uuid(), 'late@example.com', 'x', 'Late')"
  protostar restore "$(cat "$E2E_DIR/first")" --identity "$IDENTITY" --yes --stop-apps 2>&1 | tee "$E2E_DIR/restore-prod.log"
  diff "$E2E_DIR/fingerprint.before" <(fingerprint "$POSTGRES_DB")
  # the previous database is kept, the apps are back and healthy
  [[ "$(psql_db postgres "SELECT count(*) FROM pg_database WHERE datname LIKE '${POSTGRES_DB}_before_%'")" == 1 ]]
  grep -q "restoring the documents' files" "$E2E_DIR/restore-prod.log"
  diff "$E2E_DIR/store.before" <(store_files)
  [[ "$(container_health backend-blue)" == healthy && "$(container_health ai-worker)" == healthy ]]
  https_get /api/health | jq -e '.data.status == "UP"'
}
# backup_objects_hold_no_plain_text — a unique marker in a row, a backup with pg_dump's
# compression off (so the dump would carry it as it is): the object in the bucket is age's
# and holds no trace of it; decrypted with the private key, the same object does (the
# control: the search would have found it).
backup_objects_hold_no_plain_text() {
  local marker name
  marker="e2e-backup-marker-$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')"
  psql_app "INSERT INTO e2e_chunks SELECT 999999, '$marker', embedding FROM e2e_chunks WHERE id = 1"
  protostar_compose exec -T object-store sh -c "mkdir -p /data/documents && echo '$marker' >/data/documents/e2e-marker.txt"
  with_env BACKUP_COMPRESSION=none -- protostar backup --no-prune 2>&1 | tee "$E2E_DIR/backup-marker.log"
  name=$(sed -n 's/^backup \([^:]*\): .*/\1/p' "$E2E_DIR/backup-marker.log")
  [[ "$name" == *.pgdump.age ]]
  s3_get_stream "$E2E_PROJECT/$name" >"$E2E_DIR/marker.object"
  [[ "$(head -c 21 "$E2E_DIR/marker.object")" == age-encryption.org/v1 ]]
  if grep -aqF "$marker" "$E2E_DIR/marker.object"; then
    echo "the marker is in the backup object in plain text"
    return 1
  fi
  age --decrypt --identity "$IDENTITY" -o "$E2E_DIR/marker.dump" "$E2E_DIR/marker.object"
  [[ "$(head -c 5 "$E2E_DIR/marker.dump")" == PGDMP ]]
  grep -aqF "$marker" "$E2E_DIR/marker.dump"
  # The documents' files beside it: the same, and the tar holds the file as it was.
  s3_get_stream "$E2E_PROJECT/$(documents_of "$name")" >"$E2E_DIR/marker.documents"
  [[ "$(head -c 21 "$E2E_DIR/marker.documents")" == age-encryption.org/v1 ]]
  if grep -aqF "$marker" "$E2E_DIR/marker.documents"; then
    echo "the marker is in the documents' backup object in plain text"
    return 1
  fi
  age --decrypt --identity "$IDENTITY" "$E2E_DIR/marker.documents" | tar -xOf - ./documents/e2e-marker.txt >"$E2E_DIR/marker.txt"
  grep -qxF "$marker" "$E2E_DIR/marker.txt"
}

# --- Disaster recovery: the host lost, a new one set up and restored -----------------------
shipper_healthy() { [[ "$(container_health archive-shipper)" == healthy ]]; }
# shipped_clusters_in_bucket — the cluster folders under pitr/ in the bucket.
shipped_clusters_in_bucket() {
  s3_list "$E2E_PROJECT/pitr/" "$E2E_DIR" | cut -d/ -f3 | grep -E '^[0-9]+$' | sort -u
}
# in_bucket PREFIX TEXT — an object under PREFIX has TEXT in its name (the listing kept
# whole: grep -q on a pipe would cut it short, and pipefail would count that a failure).
in_bucket() {
  s3_list "$1" "$E2E_DIR" >"$E2E_DIR/in-bucket.list"
  grep -qF -- "$2" "$E2E_DIR/in-bucket.list"
}
# the_archive_is_shipped — the shipper copies the repository to the bucket under the
# cluster's system identifier, encrypted (pgBackRest's own cipher), and keeps up with it.
the_archive_is_shipped() {
  local id segment
  wait_until 120 "the archive shipper to be healthy" shipper_healthy
  id=$(psql_db postgres "SELECT system_identifier FROM pg_control_system()")
  # A segment switched now is in the bucket within seconds. A commit first: without WAL
  # written since the last switch, pg_switch_wal() switches nothing.
  psql_db "$POSTGRES_DB" "CREATE TABLE IF NOT EXISTS e2e_shipped (at timestamptz); INSERT INTO e2e_shipped VALUES (now())" >/dev/null
  segment=$(psql_db postgres "SELECT pg_walfile_name(pg_switch_wal())")
  wait_until 60 "segment $segment in the bucket" in_bucket "$E2E_PROJECT/pitr/$id/archive/" "/$segment-"
  s3_list "$E2E_PROJECT/pitr/$id/" "$E2E_DIR" >"$E2E_DIR/shipped.list"
  grep -q "^$E2E_PROJECT/pitr/$id/backup/protostar/backup.info " "$E2E_DIR/shipped.list"
  grep -q "^$E2E_PROJECT/pitr/$id/archive/protostar/archive.info " "$E2E_DIR/shipped.list"
  # Encrypted: an info file read straight from the bucket is no INI text.
  s3_get_stream "$E2E_PROJECT/pitr/$id/backup/protostar/backup.info" >"$E2E_DIR/backup.info"
  refute grep -q '^\[backup:current\]' "$E2E_DIR/backup.info"
}
# the_drill_passes — `protostar dr drill` on simulated hosts of its own (named like this
# suite's projects, so a run killed midway leaves nothing the e2e tier does not remove):
# the host lost under a writing client, a new one up and restore --latest, every user,
# chunk and document's file back, RPO and RTO within the goals; the figures printed.
the_drill_passes() {
  PROTOSTAR_DRILL_PREFIX=protostar-e2e-drill protostar dr drill --json "$E2E_DIR/drill.json" 2>&1 | tee "$E2E_DIR/drill.log"
  grep -E '^drill passed: RTO [0-9.]+s .*; RPO [0-9.]+s' "$E2E_DIR/drill.log" | tail -n 1 >"$E2E_DIR/drill.figures"
  jq -e '.rpo_seconds <= 60 and .rto_seconds <= 900 and .writes_kept > 0' "$E2E_DIR/drill.json"
  # The drill removed what it made.
  [[ -z "$(docker ps -aq --filter 'label=com.docker.compose.project' --filter 'name=protostar-e2e-drill-')" ]]
}

# --- Who may delete a backup: the management host, never the production host's key --------
# ops-nginx as `management up` runs it (nginx/management: its nginx.conf, templates and
# snippets, the offline image management up --offline builds too), S3Proxy behind it as "minio:9000" on a network of the
# suite's own, its LAN port published on 127.0.0.1 for this host's `protostar backup`.
# MinIO's own policy (no delete for protostar-backup) cannot run here: it is checked by
# reading in scripts/test/management-config.bats.
ops_gateway_starts() {
  local dir="$E2E_DIR/ops" i
  mkdir -p "$dir/tls" "$dir/access"
  openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost -keyout "$dir/tls/tls.key" -out "$dir/tls/tls.crt" 2>/dev/null
  chmod 644 "$dir/tls/tls.key"
  # The access files `management up` writes: this host on the LAN port, no admin.
  printf 'allow all;\n' >"$dir/access/lan-access.conf"
  printf 'deny all;\n' >"$dir/access/admin-access.conf"
  : >"$dir/access/htpasswd"
  OPS_PORT=$(free_port)
  docker network create "$OPS_NETWORK" >/dev/null
  docker network connect --alias minio "$OPS_NETWORK" "$S3_NAME"
  # S3Proxy's port in its container is MinIO's, 9000 (scripts/test/e2e/s3proxy.sh).
  docker run -d --name "$OPS_NAME" --network "$OPS_NETWORK" -p "127.0.0.1:$OPS_PORT:8443" \
    -e JENKINS_HOSTNAME=jenkins.ops.test -e GRAFANA_HOSTNAME=grafana.ops.test -e MINIO_CONSOLE_HOSTNAME=minio.ops.test \
    -e MINIO_API_HOSTNAME=localhost -e LOKI_HOSTNAME=loki.ops.test -e OPS_PROXY_ADDRESS=203.0.113.10 \
    -e OPS_PUBLIC_PORT=443 -e "MINIO_BACKUP_ACCESS_KEY=$S3_ACCESS" \
    -v "$PROTOSTAR_ROOT/nginx/management/nginx.conf:/etc/nginx/nginx.conf:ro" \
    -v "$PROTOSTAR_ROOT/nginx/management/templates:/etc/nginx/templates:ro" \
    -v "$PROTOSTAR_ROOT/nginx/management/snippets:/etc/nginx/snippets:ro" \
    -v "$dir/access:/etc/nginx/protostar:ro" -v "$dir/tls:/etc/nginx/tls:ro" "$(image_of NGINX_IMAGE offline)" >/dev/null
  for ((i = 0; i < 30; i++)); do
    [[ "$(through_gateway s3_request GET "" "list-type=2&prefix=x" "" "$E2E_DIR/gw.out")" == 200 ]] && return 0
    sleep 1
  done
  docker logs --tail 20 "$OPS_NAME"
  return 1
}
# through_gateway CMD... — CMD (a request of scripts/lib/s3.sh) to ops-nginx, with the
# production host's key.
through_gateway() {
  BACKUP_S3_URL="https://localhost:$OPS_PORT" BACKUP_S3_CACERT="$E2E_DIR/ops/tls/tls.crt" "$@"
}
# gateway_refuses METHOD KEY QUERY [BODY] — the production key's request through ops-nginx
# answers 403 with S3's AccessDenied, from the gateway (S3Proxy never saw it).
gateway_refuses() {
  local status
  status=$(through_gateway s3_request "$1" "$2" "$3" "${4:-}" "$E2E_DIR/gw.out") || status=000
  echo "$1 ${2:-(bucket)}?$3: $status $(cat "$E2E_DIR/gw.out")"
  [[ "$status" == 403 ]] && grep -q '<Code>AccessDenied</Code>.*(ops-nginx)' "$E2E_DIR/gw.out"
}
the_backup_key_cannot_delete() {
  local name before status upload_id
  ops_gateway_starts
  GATEWAY_SETTINGS=("BACKUP_S3_URL=https://localhost:$OPS_PORT" "BACKUP_S3_CACERT=$E2E_DIR/ops/tls/tls.crt")
  # The backup itself passes the gateway: a multipart upload, its checks, the listing.
  with_env "${GATEWAY_SETTINGS[@]}" BACKUP_RETENTION=management -- protostar backup 2>&1 | tee "$E2E_DIR/backup-gateway.log"
  grep -q 'retention runs on the management host (BACKUP_RETENTION=management)' "$E2E_DIR/backup-gateway.log"
  name=$(sed -n 's/^backup \([^:]*\): .*/\1/p' "$E2E_DIR/backup-gateway.log")
  before=$(objects)
  grep -qx "$E2E_PROJECT/$name" <<<"$before"
  # Whatever way it asks, the production key deletes nothing.
  gateway_refuses DELETE "$E2E_PROJECT/$name" ""
  gateway_refuses DELETE "$E2E_PROJECT/$name" "versionId=1"
  printf '<Delete><Object><Key>%s</Key></Object></Delete>' "$E2E_PROJECT/$name" >"$E2E_DIR/delete.xml"
  gateway_refuses POST "" "delete=" "$E2E_DIR/delete.xml"
  printf '<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>' >"$E2E_DIR/versioning.xml"
  gateway_refuses PUT "" "versioning=" "$E2E_DIR/versioning.xml"
  gateway_refuses DELETE "" "lifecycle="
  # A presigned URL carries the key in its query, Signature V2 in the header: refused too.
  status=$(curl -s -o "$E2E_DIR/gw.out" -w '%{http_code}' --cacert "$E2E_DIR/ops/tls/tls.crt" -X DELETE \
    "https://localhost:$OPS_PORT/backups/$E2E_PROJECT/$name?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=$S3_ACCESS%2F20261208%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=00")
  [[ "$status" == 403 ]]
  status=$(curl -s -o "$E2E_DIR/gw.out" -w '%{http_code}' --cacert "$E2E_DIR/ops/tls/tls.crt" -X DELETE \
    -H "Authorization: AWS $S3_ACCESS:c2lnbmF0dXJl" "https://localhost:$OPS_PORT/backups/$E2E_PROJECT/$name")
  [[ "$status" == 403 ]]
  [[ "$(objects)" == "$before" ]]
  # Abandoning an unfinished upload is not deleting a backup: it passes.
  status=$(through_gateway s3_request POST "$E2E_PROJECT/e2e-abandoned" "uploads=" "" "$E2E_DIR/gw.out")
  upload_id=$(sed -n 's:.*<UploadId>\([^<]*\)</UploadId>.*:\1:p' "$E2E_DIR/gw.out")
  [[ "$status" == 200 && -n "$upload_id" ]]
  [[ "$(through_gateway s3_request DELETE "$E2E_PROJECT/e2e-abandoned" "uploadId=$(uri_encode "$upload_id")" "" "$E2E_DIR/gw.out")" == 204 ]]
  # Retention left on this host with this key: the backup is made, its pruning refused,
  # the message says where retention belongs; nothing deleted.
  refused with_env "${GATEWAY_SETTINGS[@]}" BACKUP_RETENTION=here BACKUP_KEEP_LAST=1 BACKUP_KEEP_DAILY=0 BACKUP_KEEP_WEEKLY=0 -- \
    protostar backup
  cat "$E2E_DIR/out"
  grep -q 'this key may not delete .*set BACKUP_RETENTION=management' "$E2E_DIR/out"
  comm -23 <(echo "$before") <(objects) | grep . && return 1
  # The management host's backup-retention (its script, run here as its service runs it,
  # straight to the store; S3Proxy knows one key, so it is this one): one backup of this
  # database kept, the others go with their documents' files; another stack's and what
  # is not a backup stay.
  BACKUP_S3_URL="http://127.0.0.1:$S3_PORT" BACKUP_S3_SECRET_KEY_FILE=<(printf '%s' "$S3_SECRET") \
    BACKUP_RETENTION_PREFIXES="$E2E_PROJECT/" BACKUP_KEEP_LAST=1 BACKUP_KEEP_DAILY=0 BACKUP_KEEP_WEEKLY=0 \
    "$PROTOSTAR_ROOT/compose/management/minio/prune-backups" --once | tee "$E2E_DIR/prune.log"
  grep -q 'round done: [1-9][0-9]* object(s) deleted' "$E2E_DIR/prune.log"
  [[ "$(backup_names | grep "^$POSTGRES_DB-")" == "$(backup_names | grep "^$POSTGRES_DB-" | sort -t- -k2 | tail -n 1)" ]]
  [[ "$(backup_names | grep -c "^$POSTGRES_DB-")" == 1 ]]
  objects | grep -qx "$E2E_PROJECT/notes.txt"
  objects | grep -qx "$E2E_PROJECT/otherstack-20200101T030000Z-0123456789ab.pgdump"
  # every documents' file left belongs to the backup kept
  [[ "$(objects | grep -c '\.documents\.tar\.age$')" -le 1 ]]
}

started=$SECONDS
# --- Documents on the management host's S3, over HTTPS with its own CA -------------------
# As ops-nginx's 8443 serves MinIO: a TLS front (nginx, a self-signed certificate for
# s3.ops.test) before S3Proxy, on the apps' egress network. Without MANAGEMENT_CACERT the
# apps refuse the certificate (an upload answers 503, saying why); with it, a document is
# stored by the backend and fetched by the worker over TLS.
s3_tls_front_starts() {
  local dir="$E2E_DIR/s3-tls"
  mkdir -p "$dir"
  # self-signed, as `protostar management up` makes ops-nginx's (the key readable by
  # nginx's user in the container; a test key)
  openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 2 -subj /CN=s3.ops.test \
    -addext subjectAltName=DNS:s3.ops.test -keyout "$dir/tls.key" -out "$dir/tls.crt" 2>/dev/null
  chmod 644 "$dir/tls.key"
  cat >"$dir/nginx.conf" <<'CONF'
pid /tmp/nginx.pid;
events {}
http {
  client_body_temp_path /tmp/client-body;
  proxy_temp_path /tmp/proxy;
  server {
    listen 8443 ssl;
    server_name s3.ops.test;
    ssl_certificate /etc/s3-tls/tls.crt;
    ssl_certificate_key /etc/s3-tls/tls.key;
    client_max_body_size 0;
    location / {
      proxy_pass http://s3proxy:9000;
      proxy_http_version 1.1;
      proxy_set_header Host $http_host;
      proxy_set_header Connection "";
    }
  }
}
CONF
  docker network connect --alias s3proxy "${E2E_PROJECT}_egress" "$S3_NAME"
  # Published on this host too, for `protostar backup` (S3_CONNECT_TO: the name is the
  # containers' alone).
  free_port >"$E2E_DIR/s3-tls.port"
  docker run -d --name "$S3_TLS_NAME" --network "${E2E_PROJECT}_egress" --network-alias s3.ops.test \
    -p "127.0.0.1:$(cat "$E2E_DIR/s3-tls.port"):8443" \
    -v "$dir:/etc/s3-tls:ro" --entrypoint nginx "$(image_of NGINX_IMAGE offline)" -c /etc/s3-tls/nginx.conf -g 'daemon off;' >/dev/null
  sleep 1
  # from the backend's own network: the front answers, S3Proxy behind it signs the refusal
  docker run --rm --network "${E2E_PROJECT}_egress" -v "$dir:/etc/s3-tls:ro" "$(image_of NGINX_IMAGE offline)" \
    curl -sS --cacert /etc/s3-tls/tls.crt -o /dev/null -w '%{http_code}\n' https://s3.ops.test:8443/ | grep -qE '^(400|403)$'
}
# set_documents_store [KEY=VALUE...] — the documents' S3 settings in .env, then `up`, which
# redeploys both apps with them.
set_documents_store() {
  local pair
  for pair in "S3_ENDPOINT=https://s3.ops.test:8443" "S3_ACCESS_KEY=$S3_ACCESS" "S3_SECRET_KEY=$S3_SECRET" "$@"; do
    if grep -q "^${pair%%=*}=" "$PROTOSTAR_ENV_FILE"; then
      sed -i "s|^${pair%%=*}=.*|$pair|" "$PROTOSTAR_ENV_FILE"
    else
      printf '%s\n' "$pair" >>"$PROTOSTAR_ENV_FILE"
    fi
  done
  protostar up >"$E2E_DIR/up-s3.log" 2>&1 || { tail -n 30 "$E2E_DIR/up-s3.log" && return 1; }
  grep -E '^\[redeploy\] backend' "$E2E_DIR/up-s3.log"
}
# upload_as_admin — a small text document, uploaded by the admin: "<status>" then the body.
upload_as_admin() {
  login_to "$E2E_DIR/admin.token" "$PROTOSTAR_ADMIN_EMAIL" "$PROTOSTAR_ADMIN_PASSWORD" >/dev/null
  printf 'Parental leave: 20 weeks, paid.\n' >"$E2E_DIR/parental.txt"
  upload "$E2E_DIR/parental.txt" text/plain "$E2E_DIR/admin.token" "Parental leave"
}
untrusted_management_certificate_is_refused() {
  local response
  set_documents_store
  response=$(upload_as_admin)
  echo "$response"
  [[ $(head -n 1 <<<"$response") == 503 ]]
  tail -n +2 <<<"$response" | jq -e '.resultCode != null and .message != null'
  # the reason is the backend's to log, not the client's to read
  protostar logs backend --tail 300 >"$E2E_DIR/backend-tls.log" 2>&1 || true
  grep -m 1 -E "PKIX path building failed|unable to find valid certification path" "$E2E_DIR/backend-tls.log"
}
documents_reach_the_management_s3_with_its_ca() {
  local response id
  set_documents_store "MANAGEMENT_CACERT=$E2E_DIR/s3-tls/tls.crt"
  response=$(upload_as_admin)
  echo "$response"
  [[ $(head -n 1 <<<"$response") == 201 ]]
  id=$(tail -n +2 <<<"$response" | jq -r .data.document.id)
  wait_until 120 "document $id to be ingested" document_is "$id" ready || {
    psql_app "select status, coalesce(error, '') from documents where id = '$id'"
    return 1
  }
  # the object is in S3Proxy's store, behind the TLS front
  find "$E2E_DIR/s3data/documents" -type f | grep -q .
  echo "$id" >"$E2E_DIR/s3-document-id"
}
# documents_bucket_backed_up_and_restored — with the documents in S3_ENDPOINT's bucket, the
# backup saves its objects beside the dump (encrypted); the object lost from the bucket,
# a restore into production puts it back, the same bytes.
documents_bucket_backed_up_and_restored() {
  local id file sum name connect_to
  id=$(cat "$E2E_DIR/s3-document-id")
  connect_to="s3.ops.test:8443:127.0.0.1:$(cat "$E2E_DIR/s3-tls.port")"
  file="$E2E_DIR/s3data/documents/documents/$id"
  sum=$(md5sum <"$file")
  S3_CONNECT_TO=$connect_to protostar backup --no-prune 2>&1 | tee "$E2E_DIR/backup-bucket.log"
  grep -q "the documents' files (the bucket documents at https://s3.ops.test:8443), encrypted" "$E2E_DIR/backup-bucket.log"
  name=$(sed -n 's/^backup \([^:]*\): .*/\1/p' "$E2E_DIR/backup-bucket.log")
  s3_get_stream "$E2E_PROJECT/$(documents_of "$name")" >"$E2E_DIR/bucket.documents"
  [[ "$(head -c 21 "$E2E_DIR/bucket.documents")" == age-encryption.org/v1 ]]
  age --decrypt --identity "$IDENTITY" "$E2E_DIR/bucket.documents" | tar -tf - | grep -qx "./documents/documents/$id"
  rm -f "$file"
  S3_CONNECT_TO=$connect_to protostar restore "$name" --identity "$IDENTITY" --yes --stop-apps 2>&1 |
    tee "$E2E_DIR/restore-bucket.log"
  grep -q "restoring the documents' files (.*) into https://s3.ops.test:8443" "$E2E_DIR/restore-bucket.log"
  [[ "$(md5sum <"$file")" == "$sum" ]]
}

check "the stack and the S3 stand-in start; the backups bucket exists" stack_and_s3_start
check "rows with 384-dimension vectors and an HNSW index are in the database" seed_rows_with_vectors
check "a document uploaded as an admin: its file in the object store" a_document_is_stored
check "backup: pg_dump streamed in several parts, verified, named with time and version; the documents' files beside it" backup_succeeds_in_parts
check "backup list shows it" backup_list_shows_it
check "up made a full base backup for point-in-time recovery, backup a differential one; list shows the window" pitr_base_backups
check "restore into an empty database: same row counts, identical vectors, a valid HNSW index that answers" restore_into_empty_database_is_identical
check "restore into a database that holds tables is refused" restore_into_a_non_empty_database_is_refused
check "restore of a name that is not there is refused, naming it" restore_of_an_unknown_name_is_refused
check "a backup to an unreachable endpoint fails loudly and leaves the earlier backups intact" unreachable_endpoint_fails_loudly_and_deletes_nothing
check "a backup with a refused key fails loudly and deletes nothing" refused_key_fails_loudly_and_deletes_nothing
check "an S3 server that stops answering mid-upload fails the backup; nothing deleted" s3_dying_mid_upload_fails_and_deletes_nothing
check "retention deletes only this database's oldest backups, never other objects" retention_deletes_only_the_oldest
check "the backup timer's service, run as systemd runs it, makes a backup" timer_service_makes_a_backup
check "restore into production needs --yes and is refused while the apps run" restore_into_production_refused_while_apps_run
check "a corrupt dump restored into production fails: same rows, scratch database dropped, apps up" corrupt_dump_into_production_fails_and_changes_nothing
check "the S3 store dying mid-download fails a restore into production: same rows, scratch dropped, apps up" s3_dying_mid_download_fails_and_changes_nothing
check "restore --yes --stop-apps replaces the database and the documents' files, keeps the old database, apps healthy again" restore_into_production_replaces_the_database
check "point-in-time restore to a moment between two writes: the first is there, the second is not; apps healthy" pitr_restore_between_two_writes
check "restore --to-time outside the window, not a time, or without --yes is refused; nothing changed" pitr_restore_out_of_the_window_is_refused
check "backup objects hold no plain text: a marker row and a marker file are in them only once decrypted" backup_objects_hold_no_plain_text
check "the archive shipper copies the WAL archive to the bucket, encrypted, seconds behind" the_archive_is_shipped
check "protostar dr drill: the host lost under a writing client, a new one up, restore --latest: all back, RPO <= 60 s" the_drill_passes
cat "$E2E_DIR/drill.figures" 2>/dev/null || true
check "through ops-nginx the production host's backup key writes backups but deletes none; the management host's retention prunes" the_backup_key_cannot_delete
check "a TLS front (a self-signed certificate) for S3 on the apps' network answers" s3_tls_front_starts
check "documents on that S3 without MANAGEMENT_CACERT: the upload answers 503, the backend logs why" untrusted_management_certificate_is_refused
check "with MANAGEMENT_CACERT: the backend stores a document over TLS, the worker fetches it, ready" documents_reach_the_management_s3_with_its_ca
check "documents in that bucket: backed up beside the dump, encrypted; one lost, a restore puts it back" documents_bucket_backed_up_and_restored
echo "backup e2e: $((SECONDS - started))s"
e2e_summary
