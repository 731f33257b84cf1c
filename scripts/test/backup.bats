#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2030,SC2031 # code for lib_run is single-quoted; settings are exported per test
# protostar backup / restore with stub docker and curl; retention as a pure function; the
# systemd schedule in a temporary system root. The real S3 path (S3Proxy) and a real
# PostgreSQL are exercised by scripts/test/e2e/backup.sh.

load test_helper

# s3_server [VAR=VALUE...] — curl as the S3 server, answering each request; settings:
# status (an error status with an AccessDenied body), fail_url (the same, status 500, for
# URLs containing it), list (a file: the listing's XML), size (the Content-Length of a HEAD),
# objects (a directory: a GET of <bucket>/KEY answers DIR/KEY's content), refuse_delete (any
# DELETE but a multipart upload's abort answers 403, as for a key without delete rights).
s3_server() {
  local settings=""
  (($# == 0)) || printf -v settings '%q ' "$@"
  stub curl '*' "$settings"$'\n'"$(cat <<'STUB'
out="" headers="" method=GET url=${!#} write_out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    -o) out=$2; shift ;;
    -w) write_out=1; shift ;;
    -D) headers=$2; shift ;;
    -X) method=$2; shift ;;
    --head) method=HEAD ;;
    -K) cat "$2" >>"$STUB_LOG.credentials"; shift ;;
  esac
  shift
done
answer=200 body=""
case "$method $url" in
  "POST "*"?uploads=") body="<InitiateMultipartUploadResult><UploadId>up/1+x</UploadId></InitiateMultipartUploadResult>" ;;
  "GET "*"list-type=2"*) body=$(cat "${list:-/dev/null}") ;;
  "GET "*)
    key=${url#*://} && key=${key#*/} && key=${key#*/}
    [[ -z "${objects:-}" ]] || body=$(cat "$objects/$key" 2>/dev/null)
    ;;
  "DELETE "*"?uploadId="*) answer=204 ;;
  "DELETE "*) answer=204; [[ -z "${refuse_delete:-}" ]] || status=403 ;;
esac
[[ "$method" != HEAD ]] || printf 'Content-Length: %s\r\n' "${size:-0}" >"$headers"
[[ -z "${fail_url:-}" || "$url" != *"$fail_url"* ]] || status=500
[[ -z "${status:-}" ]] || { answer=$status; body="<Error><Code>AccessDenied</Code><Message>Access Denied.</Message></Error>"; }
[[ -z "$headers" || "$method" == HEAD ]] || : >"$headers"
[[ -z "$out" ]] || printf '%s' "$body" >"$out"
# s3_request asks for the status (-w); s3_get_stream streams the object (--fail).
if [[ -n "$write_out" || -n "$out" ]]; then echo "$answer"; elif ((answer < 400)); then printf '%s\n' "$body"; else exit 22; fi
STUB
)"
}

# s3_unreachable — curl finds no S3 server (it still keeps the credentials it was given).
s3_unreachable() {
  stub curl '*' - <<'STUB'
while [[ $# -gt 0 ]]; do [[ "$1" != -K ]] || cat "$2" >>"$STUB_LOG.credentials"; shift; done
echo "curl: (7) Failed to connect to 127.0.0.1 port 9 after 0 ms: Couldn't connect to server" >&2
echo 000
exit 7
STUB
}

setup() {
  protostar_setup
  s3_server
  stub_running postgres
  # age encrypts and decrypts: logged, its input passed through (the real one runs in the
  # e2e test)
  stub age '*' 'cat'
}

# A real age public key (its private key thrown away): the format check is age's own.
RECIPIENT=age159uan9zmf9jashq7mpkec0g5hm69vtc8xpmxwv0ljf9snatsdvsqnamr2s

backup_env() {
  write_env "BACKUP_S3_URL=https://s3.ops.example.org:8443" "BACKUP_S3_BUCKET=backups" \
    "BACKUP_S3_ACCESS_KEY=protostar-backup" "BACKUP_S3_SECRET_KEY=backup-secret-0123456789" \
    "BACKUP_AGE_RECIPIENTS=$RECIPIENT" "$@"
  write_state_file IMAGE_SOURCE=offline ACTIVE_COLOR=green BACKEND_BLUE_IMAGE=protostar/backend:aaa \
    BACKEND_GREEN_IMAGE=protostar/backend:1a2b3c4d5e6f AI_WORKER_IMAGE=protostar/ai-worker:1a2b3c4d5e6f
}

# --- retention: which names go -------------------------------------------------------------

delete_of() { lib_run "source \"\$PROTOSTAR_ROOT/scripts/lib/backup.sh\"; backups_to_delete p $1 $2 $3" <<<"$4"; }

@test "retention keeps the last N, the newest per day and per ISO week, and deletes the rest" {
  names=$(printf 'p-%s-v1.pgdump\n' 20260501T030000Z 20260501T120000Z 20260430T030000Z 20260429T030000Z \
    20260420T030000Z 20260410T030000Z 20260301T030000Z)
  # last 1: 0501T12. daily 2: 0501 (T12), 0430. weekly 2: W18 (0501T12), W17 (0420).
  run delete_of 1 2 2 "$names"
  assert_status 0
  [[ "$(sort <<<"$output" | paste -sd' ')" == "p-20260301T030000Z-v1.pgdump p-20260410T030000Z-v1.pgdump p-20260429T030000Z-v1.pgdump p-20260501T030000Z-v1.pgdump" ]] || fail "$output"
}

@test "retention: the last N alone; names that are not backups are never listed" {
  names=$(printf '%s\n' p-20260501T030000Z-v1.pgdump p-20260502T030000Z-v1.pgdump notes.txt p-2026-v1.pgdump p-20260503T030000Z-v1.pgdump)
  run delete_of 2 0 0 "$names"
  [[ "$output" == p-20260501T030000Z-v1.pgdump ]] || fail "$output"
  run delete_of 5 0 0 "$names"
  [[ -z "$output" ]] || fail "$output"
  run delete_of 1 0 0 ""
  [[ -z "$output" ]]
}

@test "retention: another stack's backups under the same prefix (another database) are left alone" {
  names=$(printf '%s\n' p-20260501T030000Z-v1.pgdump other-20260501T030000Z-v1.pgdump other-20260502T030000Z-v1.pgdump \
    p-20260502T030000Z-v1.pgdump other-20260503T030000Z-v1.pgdump)
  run delete_of 1 0 0 "$names"
  [[ "$output" == p-20260501T030000Z-v1.pgdump ]] || fail "$output"
}

@test "uri_encode and the canonical query the signature covers" {
  run lib_run 'source "$PROTOSTAR_ROOT/scripts/lib/s3.sh"; uri_encode "a b/c+d=e~f_g.h-i"'
  [[ "$output" == "a%20b%2Fc%2Bd%3De~f_g.h-i" ]] || fail "$output"
}

# --- backup -----------------------------------------------------------------------------------

@test "backup without BACKUP_S3_URL says backups are not configured and touches nothing" {
  write_env
  run protostar backup
  assert_status 1
  assert_output_contains "backups are not configured: set BACKUP_S3_URL"
  assert_no_calls
}

@test "backup: a remote target over plain HTTP is refused, naming the variable; localhost may" {
  backup_env "BACKUP_S3_URL=http://s3.ops.example.org:9000"
  run protostar backup
  assert_status 1
  assert_output_contains "BACKUP_S3_URL=http://s3.ops.example.org:9000 is plain HTTP: backups must travel over TLS (https://); http:// is accepted only for localhost"
  assert_no_calls
  local url
  for url in http://127.0.0.1:9000 http://localhost:9000; do
    backup_env "BACKUP_S3_URL=$url"
    run protostar backup list
    refute_output_contains "plain HTTP"
  done
}

@test "backup: without BACKUP_AGE_RECIPIENTS it is refused, saying how to make the key pair" {
  backup_env "BACKUP_AGE_RECIPIENTS="
  run protostar backup
  assert_status 1
  assert_output_contains "backups are encrypted, and BACKUP_AGE_RECIPIENTS in $ENV_FILE is empty: make a key pair with age-keygen on a machine that is not one of the hosts"
  assert_no_calls
  # listing needs no key
  run protostar backup list
  assert_status 0
}

@test "backup: malformed settings are named, the secret never shown" {
  backup_env "BACKUP_S3_URL=s3.example.org" "BACKUP_KEEP_LAST=0" "BACKUP_PART_SIZE_MB=2" "BACKUP_S3_SECRET_KEY=no spaces allowed" "BACKUP_S3_PREFIX=noslash" \
    "BACKUP_AGE_RECIPIENTS=$RECIPIENT,age1nope ssh-rsa"
  run protostar backup
  assert_status 1
  assert_output_contains "BACKUP_AGE_RECIPIENTS holds 'age1nope', which is not an age public key (age1..., from age-keygen)"
  assert_output_contains "BACKUP_AGE_RECIPIENTS holds 'ssh-rsa'"
  refute_output_contains "holds '$RECIPIENT'"
  assert_output_contains "BACKUP_S3_URL=s3.example.org is malformed"
  assert_output_contains "BACKUP_KEEP_LAST must be at least 1"
  assert_output_contains "BACKUP_PART_SIZE_MB=2 is malformed"
  assert_output_contains "BACKUP_S3_SECRET_KEY is malformed"
  assert_output_contains "BACKUP_S3_PREFIX=noslash is malformed"
  refute_output_contains "no spaces allowed"
  assert_no_calls
}

@test "backup to an unreachable endpoint: exit 1, the reason, no dump, no delete" {
  backup_env
  s3_unreachable
  run protostar backup
  assert_status 1
  assert_output_contains "backup not made, nothing deleted: no answer from https://s3.ops.example.org:8443: (7) Failed to connect"
  refute_called "pg_dump"
  refute_called "-X DELETE"
}

@test "backup with a refused key: exit 1, names the key, nothing deleted" {
  backup_env
  s3_server status=403
  run protostar backup
  assert_status 1
  assert_output_contains "the S3 server refused the key protostar-backup (AccessDenied: Access Denied.)"
  refute_called "-X DELETE"
}

@test "the key pair reaches curl through -K, never on its command line; requests are signed SigV4 with a payload hash" {
  backup_env
  s3_unreachable
  run protostar backup
  refute_called "backup-secret-0123456789"
  grep -qx 'user = "protostar-backup:backup-secret-0123456789"' "$STUB_LOG.credentials"
  assert_called "--aws-sigv4 aws:amz:us-east-1:s3"
  assert_called "-H x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
  assert_called "https://s3.ops.example.org:8443/backups"
}

@test "backup: a failing pg_dump abandons the upload and deletes nothing" {
  backup_env
  # docker exec ... pg_dump prints nothing and fails
  run protostar backup
  assert_status 1
  assert_output_contains "backup failed, nothing deleted (earlier backups are untouched): pg_dump produced no dump (its output does not begin with PGDMP)"
  # the multipart upload was started for protostar-<time>-<serving colour's version>, then aborted
  assert_output_line_matches 'streamed as protostar-[0-9]{8}T[0-9]{6}Z-1a2b3c4d5e6f\.pgdump\.age in 64 MB parts$'
  assert_called "docker exec id-postgres pg_dump -U protostar -d protostar -Fc --compress=zstd:3"
  # encrypted on its way out, for the recipient set
  assert_call_line "age -r $RECIPIENT"
  grep -E -- '-X DELETE .*\?uploadId=up%2F1%2Bx$' "$STUB_LOG" >/dev/null || fail "upload not aborted" "$(cat "$STUB_LOG")"
  [[ $(grep -c -- '-X DELETE' "$STUB_LOG") == 1 ]]
  # no backup recorded for the alert on the last one's age
  [[ ! -e "$STATE_DIR_T/metrics/backup.prom" ]] || fail "a failed backup was recorded"
}

@test "backup list shows the backups under the prefix, oldest first, sizes readable, their documents' files beside them" {
  backup_env "BACKUP_S3_PREFIX=site/"
  printf '<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>site/protostar-20260502T031500Z-abc.pgdump.age</Key><Size>2097152</Size></Contents><Contents><Key>site/protostar-20260502T031500Z-abc.documents.tar.age</Key><Size>524288</Size></Contents><Contents><Key>site/notes.txt</Key><Size>5</Size></Contents><Contents><Key>site/protostar-20260501T031500Z-abc.pgdump</Key><Size>1048576</Size></Contents></ListBucketResult>' >"$TEST_ROOT/list.xml"
  s3_server list="$TEST_ROOT/list.xml"
  run protostar backup list
  assert_status 0
  [[ "${lines[1]}" == "protostar-20260501T031500Z-abc.pgdump"*"1.0MiB"*" -" ]] || fail "$output"
  [[ "${lines[2]}" == "protostar-20260502T031500Z-abc.pgdump.age"*"2.0MiB"*"512.0KiB" ]] || fail "$output"
  assert_output_contains "2 backups in backups/site/ at https://s3.ops.example.org:8443"
  assert_called "https://s3.ops.example.org:8443/backups?list-type=2&prefix=site%2F"
  # then the point-in-time window, from pgBackRest's JSON while postgres runs
  stub_running postgres
  stub_output docker 'compose * exec -T postgres pgbackrest --stanza=protostar --output=json info' \
    '[{"backup":[{"type":"full","timestamp":{"stop":1796601600}},{"type":"diff","timestamp":{"stop":1796688000}}]}]\n'
  run protostar backup list
  assert_status 0
  assert_output_contains "point-in-time recovery (restore --to-time): from 2026-12-07 00:00:00 UTC to now"
  stub_running redis
  run protostar backup list
  assert_status 0
  assert_output_contains "point-in-time recovery: not known while postgres is not running"
}

@test "backup rejects unknown options before doing anything" {
  backup_env
  run protostar backup --keep 3
  assert_status 1
  assert_output_contains "unknown option '--keep' (see: protostar backup --help)"
  assert_no_calls
}

# --- restore -----------------------------------------------------------------------------------

@test "restore: a name is needed and must look like a backup's" {
  backup_env
  run protostar restore
  assert_output_contains "a backup name is needed"
  run protostar restore ../etc/passwd --into x
  assert_status 1
  assert_output_contains "is not a backup name"
  assert_no_calls
}

@test "restore into production needs --yes; --into the production database is refused" {
  backup_env
  run protostar restore protostar-20260501T031500Z-abc.pgdump
  assert_status 1
  assert_output_contains "this replaces the production database protostar"
  assert_output_contains "add --yes to confirm"
  run protostar restore protostar-20260501T031500Z-abc.pgdump --into protostar
  assert_status 1
  assert_output_contains "is the production database"
  assert_no_calls
}

@test "restore --yes is refused while the apps run, unless --stop-apps or --force; nothing changed" {
  backup_env
  stub_running postgres backend-green ai-worker
  s3_server size=1048576
  run protostar restore protostar-20260501T031500Z-abc.pgdump --yes
  assert_status 1
  assert_output_contains "backend-green ai-worker running: add --stop-apps"
  refute_called "CREATE DATABASE"
  refute_called "pg_restore"
  refute_called " stop "
}

@test "restore --yes: the restored database gets the services' roles before it is swapped in" {
  backup_env
  s3_server size=1048576
  stub docker 'exec -i * pg_restore *' 'cat >/dev/null'
  stub docker 'compose * exec -T postgres psql *' 'cat >"$STUB_LOG.roles"'
  stub docker 'exec -i id-postgres psql *' 'cat >>"$STUB_LOG.admin"'
  run protostar restore protostar-20260501T031500Z-abc.pgdump --yes
  assert_status 0
  local restored roles swapped
  restored=$(grep -n 'pg_restore' "$STUB_LOG" | head -n 1 | cut -d: -f1)
  roles=$(grep -nF 'exec -T postgres psql -X -q -v ON_ERROR_STOP=1 -U protostar -d protostar_restoring' "$STUB_LOG" | cut -d: -f1)
  swapped=$(grep -n 'exec -i id-postgres psql' "$STUB_LOG" | tail -n 1 | cut -d: -f1)
  ((restored > 0 && roles > restored && swapped > roles)) || fail "order: $restored $roles $swapped" "$(cat "$STUB_LOG")"
  grep -q 'RENAME TO' "$STUB_LOG.admin"
  # roles.sql with the passwords from .env, on stdin
  grep -qx '\\set owner_password pgownerpgownerpgownerpgowner' "$STUB_LOG.roles"
  grep -q 'ALTER DEFAULT PRIVILEGES FOR ROLE protostar_owner' "$STUB_LOG.roles"
}

@test "restore --into a side database leaves its roles alone (no app uses it)" {
  backup_env
  s3_server size=1048576
  stub docker 'exec -i * pg_restore *' 'cat >/dev/null'
  run protostar restore protostar-20260501T031500Z-abc.pgdump --into check_db
  assert_status 0
  refute_called "exec -T postgres psql"
}

@test "restore of an encrypted backup needs --identity, and decrypts with it on the way to pg_restore" {
  backup_env
  s3_server size=1048576
  stub docker 'exec -i * pg_restore *' 'cat >/dev/null'
  run protostar restore protostar-20260501T031500Z-abc.pgdump.age --into check_db
  assert_status 1
  assert_output_contains "protostar-20260501T031500Z-abc.pgdump.age is encrypted: add --identity FILE"
  assert_no_calls
  run protostar restore protostar-20260501T031500Z-abc.pgdump.age --into check_db --identity "$TEST_ROOT/missing.key"
  assert_status 1
  assert_output_contains "--identity $TEST_ROOT/missing.key is not a readable file"
  echo "AGE-SECRET-KEY-1TEST" >"$TEST_ROOT/backup.key"
  run protostar restore protostar-20260501T031500Z-abc.pgdump.age --into check_db --identity "$TEST_ROOT/backup.key"
  assert_status 0
  assert_call_line "age --decrypt --identity $TEST_ROOT/backup.key"
  assert_called "pg_restore -U protostar -d check_db"
  # a plain (older) backup takes no identity
  run protostar restore protostar-20260501T031500Z-abc.pgdump --into check_db --identity "$TEST_ROOT/backup.key"
  assert_status 1
  assert_output_contains "is not encrypted (made before BACKUP_AGE_RECIPIENTS): restore it without --identity"
}

@test "restore of a missing backup names it" {
  backup_env
  s3_server status=404
  run protostar restore protostar-20260501T031500Z-abc.pgdump --into check_db
  assert_status 1
  assert_output_contains "no backup protostar-20260501T031500Z-abc.pgdump in backups/ptest/"
}

# --- schedule ----------------------------------------------------------------------------------

@test "schedule install writes the service and timer, enables the timer; remove takes them away" {
  export PROTOSTAR_SYSTEM_ROOT="$TEST_ROOT/root"
  mkdir -p "$PROTOSTAR_SYSTEM_ROOT/run/systemd/system"
  backup_env
  run protostar backup schedule install --on-calendar '*-*-* 02:00:00 UTC'
  assert_status 0
  local units="$PROTOSTAR_SYSTEM_ROOT/etc/systemd/system"
  grep -qx "ExecStart=$PROTOSTAR_REPO/scripts/protostar backup" "$units/protostar-backup.service"
  grep -qx "Environment=PROTOSTAR_ENV_FILE=$ENV_FILE" "$units/protostar-backup.service"
  grep -qx "Type=oneshot" "$units/protostar-backup.service"
  grep -qx "OnCalendar=\*-\*-\* 02:00:00 UTC" "$units/protostar-backup.timer"
  grep -qx "Persistent=true" "$units/protostar-backup.timer"
  assert_call_line "systemctl daemon-reload"
  assert_call_line "systemctl enable --now protostar-backup.timer"
  assert_no_calls_to docker
  run protostar backup schedule remove
  assert_status 0
  [[ ! -e "$units/protostar-backup.timer" && ! -e "$units/protostar-backup.service" ]]
  assert_call_line "systemctl disable --now protostar-backup.timer"
}

@test "schedule install refuses without systemd and rejects a calendar with odd characters" {
  export PROTOSTAR_SYSTEM_ROOT="$TEST_ROOT/root"
  backup_env
  run protostar backup schedule install
  assert_status 1
  assert_output_contains "systemd is not running here"
  run protostar backup schedule install --on-calendar 'daily; rm -rf /'
  assert_status 1
  assert_output_contains "--on-calendar needs a systemd calendar expression"
  run protostar backup schedule
  assert_output_contains "install, remove or show is needed"
}

# --- point-in-time recovery (pgBackRest) ---------------------------------------------------

pitr_run() { lib_run "source \"\$PROTOSTAR_ROOT/scripts/lib/pitr.sh\"; $1"; }

@test "pgBackRest's settings: the repository encrypted with .env's cipher pass, the stanza's data directory and user" {
  write_env
  run pitr_run 'load_config; write_pitr_config; cat "$STATE_DIR/postgres/pgbackrest.conf"; stat -c %a "$STATE_DIR/postgres" "$STATE_DIR/postgres/pgbackrest.conf"'
  assert_status 0
  assert_output_contains "repo1-cipher-type=aes-256-cbc"
  assert_output_contains "repo1-cipher-pass=pgarchivepgarchivepgarchive"
  assert_output_contains "[protostar]"
  assert_output_contains "pg1-user=protostar"
  assert_output_contains "start-fast=y"
  [[ "$(tail -n 2 <<<"$output")" == $'700\n644' ]] || fail "modes: $(tail -n 2 <<<"$output")"
}

@test "a full base backup when there is none or the newest full one is a week old, else a differential one" {
  local now week_ago day_ago
  now=$(date +%s) week_ago=$(($(date +%s) - 7 * 86400)) day_ago=$(($(date +%s) - 86400))
  run pitr_run "pitr_backup_type '[{\"backup\":[]}]'"
  [[ "$output" == "full" ]] || fail "got: $output"
  run pitr_run "pitr_backup_type '[{\"backup\":[{\"type\":\"full\",\"timestamp\":{\"stop\":$week_ago}}]}]'"
  [[ "$output" == "full" ]] || fail "got: $output"
  run pitr_run "pitr_backup_type '[{\"backup\":[{\"type\":\"full\",\"timestamp\":{\"stop\":$week_ago}},{\"type\":\"diff\",\"timestamp\":{\"stop\":$now}}]}]'"
  [[ "$output" == "full" ]] || fail "got: $output"
  run pitr_run "pitr_backup_type '[{\"backup\":[{\"type\":\"full\",\"timestamp\":{\"stop\":$day_ago}}]}]'"
  [[ "$output" == "diff" ]] || fail "got: $output"
  run pitr_run "pitr_window '[{\"backup\":[{\"type\":\"full\",\"timestamp\":{\"stop\":$week_ago}},{\"type\":\"diff\",\"timestamp\":{\"stop\":$day_ago}}]}]'"
  [[ "$output" == "$week_ago $day_ago" ]] || fail "got: $output"
}

@test "restore --to-time: a time date reads, --yes, and no backup name, --into or --force with it; nothing called" {
  backup_env
  run protostar restore --to-time 'not a time at all' --yes
  assert_status 1
  assert_output_contains "--to-time 'not a time at all' is not a time"
  run protostar restore --to-time '2026-12-07 14:03:00 UTC'
  assert_status 1
  assert_output_contains "returns the production database cluster to 2026-12-07 14:03:00.000000+00"
  assert_output_contains "add --yes to confirm"
  run protostar restore protostar-20260501T031500Z-abc.pgdump --to-time '1 hour ago' --yes
  assert_status 1
  assert_output_contains "no backup name, --into, --identity or --force with it"
  run protostar restore --to-time '1 hour ago' --yes --force
  assert_output_contains "no backup name, --into, --identity or --force with it"
  assert_no_calls
}

# --- the WAL archive off the host (archive shipper, restore --latest) -------------------------

shipping_run() { lib_run "source \"\$PROTOSTAR_ROOT/scripts/lib/backup.sh\"; source \"\$PROTOSTAR_ROOT/scripts/lib/pitr.sh\"; source \"\$PROTOSTAR_ROOT/scripts/lib/archive-shipping.sh\"; $1"; }

@test "the archive shipper's settings: the backup key, its CA and the cluster's folder; nothing without backups" {
  backup_env "BACKUP_S3_CACERT=$BATS_TEST_TMPDIR/ca.pem"
  echo "-----BEGIN CERTIFICATE-----" >"$BATS_TEST_TMPDIR/ca.pem"
  run shipping_run 'load_backup_config; write_archive_shipper_settings 7451234567890123456; source "$STATE_DIR/postgres/archive-shipper.env"
    echo "$BACKUP_S3_URL|$BACKUP_S3_SECRET_KEY|$BACKUP_S3_CACERT|$ARCHIVE_REMOTE_PREFIX"; cat "$STATE_DIR/postgres/backup-s3-cacert.pem"
    stat -c %a "$STATE_DIR/postgres/archive-shipper.env"'
  assert_status 0
  assert_output_contains "https://s3.ops.example.org:8443|backup-secret-0123456789|/run/secrets/backup-s3-cacert|ptest/pitr/7451234567890123456/"
  assert_output_contains "-----BEGIN CERTIFICATE-----"
  [[ "$(tail -n 1 <<<"$output")" == 644 ]] || fail "mode: $(tail -n 1 <<<"$output")"
  # Rewritten in place: a running container's bind mount keeps seeing the same file.
  write_env
  run shipping_run 'load_config; file="$STATE_DIR/postgres/archive-shipper.env"; before=$(stat -c %i "$file"); write_archive_shipper_settings 7451234567890123456
    [[ "$(stat -c %i "$file")" == "$before" ]] && [[ -z "$(cat "$file")" ]] && echo in-place-and-empty'
  assert_output_contains in-place-and-empty
}

@test "the archive shipper runs (profile archive-shipping) only when backups are configured" {
  write_env
  run lib_run 'load_config; compose_command | tr "\n" " "'
  refute_output_contains archive-shipping
  backup_env
  run lib_run 'load_config; compose_command | tr "\n" " "'
  assert_output_contains "--profile archive-shipping"
}

# ship_once [LISTING] — one round of compose/postgres/ship-archive over the repository in
# $BATS_TEST_TMPDIR/repo, against the stub S3 server listing LISTING (XML) for the bucket.
ship_once() {
  printf '%s' "${1:-<ListBucketResult></ListBucketResult>}" >"$BATS_TEST_TMPDIR/listing.xml"
  s3_server "list=$BATS_TEST_TMPDIR/listing.xml" ${FAIL_URL:+"fail_url=$FAIL_URL"} ${REFUSE_DELETE:+refuse_delete=1}
  cat >"$BATS_TEST_TMPDIR/shipper.env" <<SETTINGS
BACKUP_S3_URL=https://s3.ops.example.org:8443
BACKUP_S3_BUCKET=backups
BACKUP_S3_REGION=us-east-1
BACKUP_S3_ACCESS_KEY=protostar-backup
BACKUP_S3_SECRET_KEY=backup-secret-0123456789
ARCHIVE_REMOTE_PREFIX=p/pitr/42/
${SHIP_RETENTION:+BACKUP_RETENTION=$SHIP_RETENTION}
SETTINGS
  stub pgbackrest
  ARCHIVE_REPOSITORY="$BATS_TEST_TMPDIR/repo" ARCHIVE_SHIPPER_SETTINGS="$BATS_TEST_TMPDIR/shipper.env" \
    ARCHIVE_SHIPPER_STATUS="$BATS_TEST_TMPDIR/shipper.status" ARCHIVE_SHIPPER_WORK="$BATS_TEST_TMPDIR/shipper" \
    ARCHIVE_SHIPPER_S3_LIB="$PROTOSTAR_REPO/scripts/lib/s3.sh" "$PROTOSTAR_REPO/compose/postgres/ship-archive" --once
}
repo_file() { mkdir -p "$BATS_TEST_TMPDIR/repo/$(dirname "$1")" && printf '%s' "${2:-x}" >"$BATS_TEST_TMPDIR/repo/$1"; }
requests() { sed -n "s|^curl .* -X $1 .*https://s3.ops.example.org:8443/backups/p/pitr/42/\([^ ?]*\)\$|\1|p" "$STUB_LOG"; }

@test "the archive shipper sends new files first, pgBackRest's info and manifest files last, skips temporary ones" {
  repo_file archive/protostar/archive.info
  repo_file archive/protostar/17-1/0000000100000000/000000010000000000000003-ab.zst
  repo_file backup/protostar/backup.info
  repo_file backup/protostar/20261207-031500F/backup.manifest
  repo_file backup/protostar/20261207-031500F/pg_data/PG_VERSION.zst
  repo_file backup/protostar/20261207-031500F/pg_data/base/1/1259.zst.pgbackrest.tmp
  run ship_once
  assert_status 0
  assert_output_contains "sent 5 file(s)"
  run requests PUT
  [[ "$output" == "archive/protostar/17-1/0000000100000000/000000010000000000000003-ab.zst
backup/protostar/20261207-031500F/pg_data/PG_VERSION.zst
archive/protostar/archive.info
backup/protostar/20261207-031500F/backup.manifest
backup/protostar/backup.info" ]] || fail "PUT order: $output"
  # The round went through: the health check's status file says so.
  [[ -s "$BATS_TEST_TMPDIR/shipper.status" ]] || fail "no status"
}

@test "the archive shipper sends again only what the bucket lacks (info files always), deletes what pgBackRest expired" {
  local segment=archive/protostar/17-1/0000000100000000/000000010000000000000003-ab.zst
  repo_file archive/protostar/archive.info 0123456789
  repo_file "$segment" 12345
  run ship_once "<ListBucketResult>
<Contents><Key>p/pitr/42/$segment</Key><LastModified>2026-12-07T10:00:00.000Z</LastModified><Size>5</Size></Contents>
<Contents><Key>p/pitr/42/archive/protostar/archive.info</Key><LastModified>2026-12-07T10:00:00.000Z</LastModified><Size>10</Size></Contents>
<Contents><Key>p/pitr/42/archive/protostar/17-1/0000000100000000/000000010000000000000001-cd.zst</Key><LastModified>2026-12-07T09:00:00.000Z</LastModified><Size>7</Size></Contents>
</ListBucketResult>"
  assert_status 0
  run requests PUT
  [[ "$output" == archive/protostar/archive.info ]] || fail "PUT: $output"
  run requests DELETE
  [[ "$output" == archive/protostar/17-1/0000000100000000/000000010000000000000001-cd.zst ]] || fail "DELETE: $output"
}

# An expired segment in the bucket (pgBackRest removed it here), one kept, the expired
# lists and a replaced-by marker of the folder (never pgBackRest's files).
EXPIRED_LISTING="<ListBucketResult>
<Contents><Key>p/pitr/42/archive/protostar/17-1/0000000100000000/000000010000000000000003-ab.zst</Key><LastModified>2026-12-07T10:00:00.000Z</LastModified><Size>5</Size></Contents>
<Contents><Key>p/pitr/42/archive/protostar/17-1/0000000100000000/000000010000000000000001-cd.zst</Key><LastModified>2026-12-07T09:00:00.000Z</LastModified><Size>7</Size></Contents>
<Contents><Key>p/pitr/42/expired/20261201T000000Z.list</Key><LastModified>2026-12-01T00:00:00.000Z</LastModified><Size>60</Size></Contents>
<Contents><Key>p/pitr/42/replaced-by</Key><LastModified>2026-12-01T00:00:00.000Z</LastModified><Size>40</Size></Contents>
</ListBucketResult>"

@test "the archive shipper with retention on the management host: no delete, the expired files listed in a new object" {
  repo_file archive/protostar/17-1/0000000100000000/000000010000000000000003-ab.zst 12345
  SHIP_RETENTION=management run ship_once "$EXPIRED_LISTING"
  assert_status 0
  run requests DELETE
  [[ -z "$output" ]] || fail "deleted: $output"
  run requests PUT
  [[ "$output" =~ ^expired/[0-9]{8}T[0-9]{6}Z\.list$ ]] || fail "PUT: $output"
  # the segment pgBackRest expired, and nothing that is not pgBackRest's
  [[ "$(cat "$BATS_TEST_TMPDIR/shipper/expired.list")" == archive/protostar/17-1/0000000100000000/000000010000000000000001-cd.zst ]] ||
    fail "listed: $(cat "$BATS_TEST_TMPDIR/shipper/expired.list")"
}

@test "the archive shipper: a delete refused lists the file instead, saying so once for the round" {
  repo_file archive/protostar/17-1/0000000100000000/000000010000000000000003-ab.zst 12345
  REFUSE_DELETE=1 run ship_once "$EXPIRED_LISTING"
  assert_status 0
  assert_output_contains "1 file(s) pgBackRest expired could not be deleted (the S3 server refused the key protostar-backup"
  run requests PUT
  [[ "$output" =~ ^expired/[0-9]{8}T[0-9]{6}Z\.list$ ]] || fail "PUT: $output"
}

@test "the archive shipper: a refused PUT fails the round, naming the file and the key" {
  repo_file archive/protostar/archive.info
  printf '<ListBucketResult></ListBucketResult>' >"$BATS_TEST_TMPDIR/listing.xml"
  run ship_once
  s3_server status=403
  run env ARCHIVE_REPOSITORY="$BATS_TEST_TMPDIR/repo" ARCHIVE_SHIPPER_SETTINGS="$BATS_TEST_TMPDIR/shipper.env" \
    ARCHIVE_SHIPPER_STATUS="$BATS_TEST_TMPDIR/refused.status" ARCHIVE_SHIPPER_WORK="$BATS_TEST_TMPDIR/shipper" \
    ARCHIVE_SHIPPER_S3_LIB="$PROTOSTAR_REPO/scripts/lib/s3.sh" "$PROTOSTAR_REPO/compose/postgres/ship-archive" --once
  assert_status 1
  assert_output_contains "the S3 server refused the key protostar-backup"
  [[ ! -e "$BATS_TEST_TMPDIR/refused.status" ]] || fail "a failed round wrote the status"
}

@test "the archive shipper sends a large file in parts; after a failed upload no info file goes in that round" {
  repo_file archive/protostar/archive.info
  repo_file backup/protostar/20261207-031500F/pg_data/base/5/16384.zst
  head -c 2621440 /dev/zero >"$BATS_TEST_TMPDIR/repo/backup/protostar/20261207-031500F/pg_data/base/5/16384.zst"
  S3_SINGLE_PUT_MB=1 run ship_once
  assert_status 0
  grep -q -- "-X POST .*base/5/16384.zst?uploads=" "$STUB_LOG" || fail "no multipart upload begun"
  [[ "$(grep -c -- "-X PUT .*base/5/16384.zst?partNumber=" "$STUB_LOG")" == 3 ]] || fail "not 3 parts: $(grep -- -X "$STUB_LOG")"
  grep -q -- "-X POST .*base/5/16384.zst?uploadId=" "$STUB_LOG" || fail "the upload was not completed"
  run requests PUT
  [[ "$output" == archive/protostar/archive.info ]] || fail "single PUTs: $output"

  : >"$STUB_LOG"
  repo_file archive/protostar/17-1/0000000100000000/000000010000000000000003-ab.zst
  FAIL_URL=000000010000000000000003 run ship_once
  assert_status 1
  assert_output_contains "cannot send archive/protostar/17-1/0000000100000000/000000010000000000000003-ab.zst"
  run requests PUT
  [[ "$output" != *archive.info* ]] || fail "an info file went after a failed upload: $output"
}

@test "restore --latest picks the newest complete cluster folder, not one a restore replaced, and lists its objects" {
  backup_env
  cat >"$BATS_TEST_TMPDIR/listing.xml" <<'XML'
<ListBucketResult>
<Contents><Key>ptest/pitr/111/archive/protostar/archive.info</Key><LastModified>2026-12-07T10:00:00.000Z</LastModified><Size>10</Size></Contents>
<Contents><Key>ptest/pitr/111/backup/protostar/backup.info</Key><LastModified>2026-12-07T10:00:05.000Z</LastModified><Size>10</Size></Contents>
<Contents><Key>ptest/pitr/222/archive/protostar/archive.info</Key><LastModified>2026-12-07T11:00:00.000Z</LastModified><Size>10</Size></Contents>
<Contents><Key>ptest/pitr/222/backup/protostar/backup.info</Key><LastModified>2026-12-07T11:00:00.000Z</LastModified><Size>10</Size></Contents>
<Contents><Key>ptest/pitr/222/archive/protostar/17-1/0000000100000000/000000010000000000000009-ab.zst</Key><LastModified>2026-12-07T11:30:00.000Z</LastModified><Size>99</Size></Contents>
<Contents><Key>ptest/pitr/333/archive/protostar/archive.info</Key><LastModified>2026-12-07T12:00:00.000Z</LastModified><Size>10</Size></Contents>
<Contents><Key>ptest/pitr/444/archive/protostar/archive.info</Key><LastModified>2026-12-07T13:00:00.000Z</LastModified><Size>10</Size></Contents>
<Contents><Key>ptest/pitr/444/backup/protostar/backup.info</Key><LastModified>2026-12-07T13:00:00.000Z</LastModified><Size>10</Size></Contents>
<Contents><Key>ptest/pitr/444/replaced-by</Key><LastModified>2026-12-07T13:05:00.000Z</LastModified><Size>40</Size></Contents>
</ListBucketResult>
XML
  s3_server "list=$BATS_TEST_TMPDIR/listing.xml"
  run shipping_run 'load_backup_config; shipped_clusters "$TMPDIR"'
  assert_status 0
  # 333 has no backup.info (a repository half shipped), 444 was replaced by a restore:
  # neither is a candidate.
  [[ "$output" == "222 2026-12-07T11:30:00.000Z 3
111 2026-12-07T10:00:05.000Z 2" ]] || fail "got: $output"
}

@test "restore --latest: --yes, and no backup name, --into, --to-time or --force with it; nothing called" {
  backup_env
  run protostar restore --latest
  assert_status 1
  assert_output_contains "replaces this host's database cluster with the newest one in the backups bucket: add --yes"
  run protostar restore --latest protostar-20260501T031500Z-abc.pgdump --yes
  assert_status 1
  assert_output_contains "no backup name, --into, --to-time or --force with it"
  run protostar restore --latest --to-time '1 hour ago' --yes
  assert_output_contains "no backup name, --into, --to-time or --force with it"
  run protostar restore --latest --yes --identity "$BATS_TEST_TMPDIR/none.key"
  assert_output_contains "is not a readable file"
  assert_no_calls
}

@test "s3_list reads every page: an answer without a final newline does not glue the next page's first key to its last" {
  backup_env
  stub curl '*' - <<'STUB'
out=""
while [[ $# -gt 0 ]]; do [[ "$1" != -o ]] || out=$2; shift; done
if ((STUB_NTH % 2 == 1)); then
  printf '<ListBucketResult><Contents><Key>p/a</Key><LastModified>2026-12-07T10:00:00Z</LastModified><Size>1</Size></Contents><IsTruncated>true</IsTruncated><NextContinuationToken>p/a</NextContinuationToken></ListBucketResult>' >"$out"
else
  printf '<ListBucketResult><Contents><Key>p/b</Key><LastModified>2026-12-07T11:00:00Z</LastModified><Size>2</Size></Contents><IsTruncated>false</IsTruncated></ListBucketResult>' >"$out"
fi
echo 200
STUB
  run lib_run 'source "$PROTOSTAR_ROOT/scripts/lib/backup.sh"; load_backup_config; s3_list p/ "$TMPDIR"; s3_list p/ "$TMPDIR" --modified'
  assert_status 0
  [[ "$output" == "p/a 1
p/b 2
p/a 1 2026-12-07T10:00:00Z
p/b 2 2026-12-07T11:00:00Z" ]] || fail "got: $output"
}

@test "dr drill: a wrong action, a malformed number or an unknown option is refused before anything starts" {
  run protostar dr
  assert_status 1
  assert_output_contains "usage: protostar dr drill"
  run protostar dr drill --chunks many
  assert_status 1
  assert_output_contains "--chunks needs a whole number"
  run protostar dr drill --write-seconds 2
  assert_output_contains "--write-seconds must be at least 5"
  run protostar dr drill --fast
  assert_status 1
  assert_output_contains "--fast"
  assert_no_calls
}

# --- retention where the bucket is: compose/management/minio/prune-backups ---------------------

@test "BACKUP_RETENTION: here for a store on localhost, management for any other; a wrong value is named" {
  backup_env
  run lib_run 'source "$PROTOSTAR_ROOT/scripts/lib/backup.sh"; load_backup_config; echo "retention=$BACKUP_RETENTION"'
  assert_output_contains "retention=management"
  backup_env BACKUP_S3_URL=http://127.0.0.1:9000
  run lib_run 'source "$PROTOSTAR_ROOT/scripts/lib/backup.sh"; load_backup_config; echo "retention=$BACKUP_RETENTION"'
  assert_output_contains "retention=here"
  backup_env BACKUP_RETENTION=here
  run shipping_run 'load_backup_config; write_archive_shipper_settings 42; cat "$STATE_DIR/postgres/archive-shipper.env"'
  assert_output_contains "BACKUP_RETENTION=here"
  backup_env BACKUP_RETENTION=nobody
  run protostar backup
  assert_status 1
  assert_output_contains "BACKUP_RETENTION=nobody is malformed: expected here"
  assert_no_calls
}

# prune_once [ARGS...] — one round of prune-backups against the stub S3 server: the listing
# $BATS_TEST_TMPDIR/listing.xml, objects' content under $BATS_TEST_TMPDIR/objects.
prune_once() {
  s3_server "list=$BATS_TEST_TMPDIR/listing.xml" "objects=$BATS_TEST_TMPDIR/objects" ${REFUSE_DELETE:+refuse_delete=1}
  printf 'retention-secret-0123456789\n' >"$BATS_TEST_TMPDIR/retention.secret"
  env PROTOSTAR_ROOT="$PROTOSTAR_REPO" BACKUP_S3_URL=http://minio:9000 BACKUP_S3_BUCKET=backups \
    BACKUP_S3_ACCESS_KEY=protostar-backup-retention BACKUP_S3_SECRET_KEY_FILE="$BATS_TEST_TMPDIR/retention.secret" \
    BACKUP_RETENTION_PREFIXES=p/ BACKUP_KEEP_LAST="${KEEP_LAST:-2}" BACKUP_KEEP_DAILY=0 BACKUP_KEEP_WEEKLY=0 \
    "$PROTOSTAR_REPO/compose/management/minio/prune-backups" --once "$@"
}
listed() {
  { echo "<ListBucketResult>"
    local key modified
    for key in "$@"; do
      modified=${key#*@}
      printf '<Contents><Key>%s</Key><LastModified>%s</LastModified><Size>9</Size></Contents>\n' "${key%@*}" "$modified"
    done
    echo "</ListBucketResult>"; } >"$BATS_TEST_TMPDIR/listing.xml"
}
deletes() { sed -n 's|^curl .* -X DELETE .*http://minio:9000/backups/\([^ ?]*\)$|\1|p' "$STUB_LOG" | sort; }

@test "prune-backups: per database under each prefix, the newest kept, the others deleted with their documents' files" {
  listed p/protostar-20261201T031500Z-v1.pgdump.age@2026-12-01T03:16:00Z p/protostar-20261201T031500Z-v1.documents.tar.age@2026-12-01T03:16:00Z \
    p/protostar-20261202T031500Z-v1.pgdump.age@x p/protostar-20261203T031500Z-v1.pgdump.age@x p/protostar-20261204T031500Z-v1.pgdump.age@x \
    p/other-20261101T031500Z-v1.pgdump.age@x p/notes.txt@x p/kept/protostar-20200101T031500Z-v1.pgdump.age@x
  run prune_once
  assert_status 0
  run deletes
  [[ "$output" == "p/protostar-20261201T031500Z-v1.documents.tar.age
p/protostar-20261201T031500Z-v1.pgdump.age
p/protostar-20261202T031500Z-v1.documents.tar.age
p/protostar-20261202T031500Z-v1.pgdump.age" ]] || fail "deleted: $output"
  # with its own key, through -K
  grep -qx 'user = "protostar-backup-retention:retention-secret-0123456789"' "$STUB_LOG.credentials"
}

@test "prune-backups --dry-run names what would go and deletes nothing" {
  listed p/protostar-20261201T031500Z-v1.pgdump.age@x p/protostar-20261202T031500Z-v1.pgdump.age@x p/protostar-20261203T031500Z-v1.pgdump.age@x
  run prune_once --dry-run
  assert_status 0
  assert_output_contains "would delete p/protostar-20261201T031500Z-v1.pgdump.age"
  refute_called "-X DELETE"
}

# The WAL archive of cluster 42: full base backups of 1 and 8 December, an old segment and
# a new one, and the shipper's list of what pgBackRest expired.
archive_listing() {
  local f=p/pitr/42
  listed "$f/backup/protostar/backup.info@2026-12-08T03:20:00Z" "$f/archive/protostar/archive.info@2026-12-08T03:20:00Z" \
    "$f/backup/protostar/20261201-031500F/backup.manifest@2026-12-01T03:20:00Z" \
    "$f/backup/protostar/${1:-20261208-031500F}/backup.manifest@2026-12-08T03:20:00Z" \
    "$f/archive/protostar/17-1/0000000100000000/000000010000000000000001-aa.zst@2026-11-25T00:00:00Z" \
    "$f/archive/protostar/17-1/0000000100000000/000000010000000000000009-bb.zst@2026-12-08T03:17:00Z" \
    "$f/expired/20261208T032000Z.list@2026-12-08T03:21:00Z"
  mkdir -p "$BATS_TEST_TMPDIR/objects/$f/expired"
  printf '%s\n' archive/protostar/17-1/0000000100000000/000000010000000000000001-aa.zst \
    archive/protostar/17-1/0000000100000000/000000010000000000000009-bb.zst archive/protostar/archive.info \
    ../../q/other-stack >"$BATS_TEST_TMPDIR/objects/$f/expired/20261208T032000Z.list"
}

@test "prune-backups: the files an expired list names go, then the list; never info files nor what the newest full backup needs" {
  archive_listing
  run prune_once
  assert_status 0
  [[ "$(deletes)" == "p/pitr/42/archive/protostar/17-1/0000000100000000/000000010000000000000001-aa.zst
p/pitr/42/expired/20261208T032000Z.list" ]] || fail "deleted: $(deletes)"
  assert_output_contains "000000010000000000000009-bb.zst, from 2026-12-08T03:17:00Z: kept"
  assert_output_contains "names archive/protostar/archive.info: pgBackRest's info files are always kept"
  assert_output_contains "names '../../q/other-stack', not a file of pgBackRest's repository: ignored"
}

@test "prune-backups: a cluster copy without a full base backup loses nothing; a refused delete fails the round, the list stays" {
  archive_listing 20261208-031500D
  sed -i '/20261201-031500F/d' "$BATS_TEST_TMPDIR/listing.xml"
  run prune_once
  assert_status 0
  assert_output_contains "p/pitr/42/: no full base backup there, so nothing of it is deleted"
  refute_called "-X DELETE"

  archive_listing
  REFUSE_DELETE=1 run prune_once
  assert_status 1
  assert_output_contains "cannot delete p/pitr/42/archive/protostar/17-1/0000000100000000/000000010000000000000001-aa.zst: the S3 server refused the key protostar-backup-retention"
  refute_called "-X DELETE .*expired/"
}

@test "prune-backups: bad settings stop it before any request; its health is a recent round" {
  listed
  KEEP_LAST=0 run prune_once
  assert_status 2
  assert_output_contains "BACKUP_KEEP_LAST must be at least 1"
  assert_no_calls
  printf '%s ok\n' "$(($(date +%s) - 8000))" >"$BATS_TEST_TMPDIR/prune.status"
  BACKUP_PRUNE_STATUS="$BATS_TEST_TMPDIR/prune.status" run "$PROTOSTAR_REPO/compose/management/minio/prune-backups" --healthy
  assert_status 1
  printf '%s ok\n' "$(date +%s)" >"$BATS_TEST_TMPDIR/prune.status"
  BACKUP_PRUNE_STATUS="$BATS_TEST_TMPDIR/prune.status" run "$PROTOSTAR_REPO/compose/management/minio/prune-backups" --healthy
  assert_status 0
}

@test "the documents' bucket of S3_ENDPOINT as one tar, object by object, and back into the bucket from it" {
  listed "documents/aaa@x" "documents/bbb@x"
  mkdir -p "$BATS_TEST_TMPDIR/objects/documents"
  printf 'first file' >"$BATS_TEST_TMPDIR/objects/documents/aaa"
  printf 'second file, longer' >"$BATS_TEST_TMPDIR/objects/documents/bbb"
  s3_server "list=$BATS_TEST_TMPDIR/listing.xml" "objects=$BATS_TEST_TMPDIR/objects"
  documents_lib() {
    lib_run 'source "$PROTOSTAR_ROOT/scripts/lib/backup.sh"; S3_ENDPOINT=https://s3.ops.example.org:8443 S3_BUCKET=docs
      S3_ACCESS_KEY=protostar-backend S3_SECRET_KEY=backend-secret-0123456789 MANAGEMENT_CACERT=""; '"$1"
  }
  mkdir -p "$BATS_TEST_TMPDIR/scratch"
  run documents_lib 'documents_bucket_tar "$TMPDIR/scratch" >"$TMPDIR/documents.tar"'
  assert_status 0
  [[ "$(tar -tf "$BATS_TEST_TMPDIR/documents.tar" | paste -sd' ')" == "./docs/documents/aaa ./docs/documents/bbb" ]] ||
    fail "$(tar -tf "$BATS_TEST_TMPDIR/documents.tar")"
  [[ "$(tar -xOf "$BATS_TEST_TMPDIR/documents.tar" ./docs/documents/bbb)" == "second file, longer" ]]
  # with the backend's key, not the backups' one; no object left on disk
  grep -q 'user = "protostar-backend:backend-secret-0123456789"' "$STUB_LOG.credentials"
  assert_called "https://s3.ops.example.org:8443/docs/documents/aaa"
  [[ -z "$(find "$BATS_TEST_TMPDIR/scratch/documents-objects" -type f)" ]] || fail "left: $(find "$BATS_TEST_TMPDIR/scratch/documents-objects" -type f)"

  : >"$STUB_LOG"
  run documents_lib 'documents_into_bucket "$TMPDIR/scratch" <"$TMPDIR/documents.tar"'
  assert_status 0
  [[ "$(sed -n 's|^curl .* -X PUT .*--upload-file .* https://s3.ops.example.org:8443/docs/\([^ ?]*\)$|\1|p' "$STUB_LOG" | paste -sd' ')" == "documents/aaa documents/bbb" ]] ||
    fail "$(grep -- '-X PUT' "$STUB_LOG")"
}
