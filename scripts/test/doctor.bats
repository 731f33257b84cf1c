#!/usr/bin/env bats
# protostar doctor: each check's verdict and advice, exit 1 when one failed, the logs'
# places — against the docker stub.

load test_helper

setup() {
  protostar_setup
  write_env
  write_state_file "IMAGE_SOURCE=offline" "ACTIVE_COLOR=blue" "BACKEND_BLUE_IMAGE=protostar/backend:v1" \
    "BACKEND_GREEN_IMAGE=protostar/backend:v1" "AI_WORKER_IMAGE=protostar/ai-worker:v1"
  stub_output docker 'info *' "24.0.7 $TEST_ROOT\n"
  stub_output docker 'compose version --short' '2.26.1\n'
  run lib_run "TLS_DIR='$TLS_DIR_T' PUBLIC_HOSTNAME=localhost; ensure_certificate"
  export PROTOSTAR_SYSTEM_ROOT="$TEST_ROOT/system"
}

HEALTHY='postgres|running|healthy|id-postgres\nredis|running|healthy|id-redis\nobject-store|running|healthy|id-object-store\nnginx|running|healthy|id-nginx\nai-worker|running|healthy|id-ai-worker\nbackend-blue|running|healthy|id-backend-blue\n'

@test "a healthy stack: every check ok, exit 0, and where each log lives" {
  stub_ps_states "$HEALTHY"
  run protostar doctor
  assert_status 0
  assert_output_contains "ok    settings: $ENV_FILE and the apps' files pass every check"
  assert_output_contains "ok    Docker engine 24.0.7 answers"
  assert_output_contains "ok    Docker Compose 2.26.1"
  assert_output_line_matches "^ok    certificate: valid until "
  assert_output_contains "ok    backend-blue: running, healthy"
  assert_output_contains "ok    deploy lock: free"
  assert_output_contains "warn  backup timer: not installed (protostar backup schedule install)"
  assert_output_line_matches "^ +changes +$STATE_DIR_T/audit.log"
  assert_output_line_matches "^ +deploy gate +$STATE_DIR_T/gate.log"
  assert_output_line_matches "^ +backup timer +journalctl -u protostar-backup.service"
  refute_output_contains "FAIL"
}

@test "data keys: a stored value whose key is not in .env fails; an app started with other keys is a warning" {
  stub_ps_states "$HEALTHY"
  stub_running backend-blue ai-worker
  stub docker 'compose * exec -T postgres psql *' "cat >/dev/null; printf 'messages.content|k1|4\nmessages.content|k0|2\nmessages.content||1\n'"
  stub_output docker 'inspect --format *Config.Env* id-backend-blue' 'DATA_ENCRYPTION_KEYS=k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\nDATA_ENCRYPTION_ACTIVE_KEY=k1\n'
  stub_output docker 'inspect --format *Config.Env* id-ai-worker' 'DATA_ENCRYPTION_KEYS=\nDATA_ENCRYPTION_ACTIVE_KEY=\n'
  run protostar doctor
  assert_status 1
  assert_output_contains "FAIL  data keys: stored values use k0, not in DATA_ENCRYPTION_KEYS: they cannot be read"
  assert_output_contains "warn  data keys: ai-worker started with other keys than $ENV_FILE has (none; new values: plaintext): protostar redeploy ai-worker"
  refute_output_contains "data keys: backend-blue"
  refute_output_contains "AAECAwQF"

  stub docker 'compose * exec -T postgres psql *' "cat >/dev/null; printf 'messages.content|k1|4\n'"
  run protostar doctor
  assert_output_contains "ok    data keys: every stored value's key is in DATA_ENCRYPTION_KEYS (k1; new values: k1)"
}

@test "WAL archive: archiving that fails since its last success fails; a recent one is ok; no pgBackRest warns" {
  stub_ps_states "$HEALTHY"
  local now
  now=$(date +%s)
  stub_output docker 'compose * exec -T postgres psql * pg_stat_archiver' "$((now - 600)) $((now - 30))\n"
  run protostar doctor
  assert_status 1
  assert_output_line_matches "^FAIL  WAL archive: archiving fails since 20[0-9-]+ [0-9:]+ UTC, and PostgreSQL keeps every segment until it works: protostar logs postgres$"

  stub_output docker 'compose * exec -T postgres psql * pg_stat_archiver' "$((now - 40)) $((now - 600))\n"
  run protostar doctor
  assert_status 0
  assert_output_line_matches "^ok    WAL archive: the last segment archived 4[0-9]s ago"

  stub_output docker 'compose * exec -T postgres test -x /usr/bin/pgbackrest' '' 1
  run protostar doctor
  assert_output_contains "warn  WAL archive: off, the postgres image has no pgBackRest"
}

@test "WAL archive off the host: ok after a recent round; a stale one or no shipper fails" {
  write_env "BACKUP_S3_URL=https://s3.ops.example.org:8443" "BACKUP_S3_ACCESS_KEY=protostar-backup" "BACKUP_S3_SECRET_KEY=backup-secret-0123456789"
  local now
  now=$(date +%s)
  stub_output docker 'compose * exec -T postgres psql * pg_stat_archiver' "$((now - 40)) 0\n"
  stub_ps_states "${HEALTHY}archive-shipper|running|healthy|id-archive-shipper\n"
  stub_output docker 'compose * exec -T archive-shipper cat /tmp/archive-shipper.status' "$((now - 7)) 812\n"
  run protostar doctor
  assert_output_line_matches "^ok    WAL archive off the host: in the backups bucket, the last round [7-9]s ago \(812 files\)$"

  stub_output docker 'compose * exec -T archive-shipper cat /tmp/archive-shipper.status' "$((now - 600)) 812\n"
  run protostar doctor
  assert_status 1
  assert_output_contains "FAIL  WAL archive off the host: the archive-shipper has not reached https://s3.ops.example.org:8443 for 2 minutes or more"

  stub_ps_states "$HEALTHY"
  run protostar doctor
  assert_status 1
  assert_output_contains "FAIL  WAL archive off the host: the archive-shipper is not running"
}

@test "a stopped service and an unhealthy one are named with their last error; exit 1" {
  stub_ps_states 'postgres|running|healthy|id-postgres\nredis|running|unhealthy|id-redis\nobject-store|running|healthy|id-object-store\nnginx|running|healthy|id-nginx\nai-worker|exited||id-ai-worker\n'
  stub_output docker 'inspect -f exit code *' 'exit code 137, at 2026-12-06T01:00:00Z\n'
  stub_output docker 'inspect -f {{if .State.Health}}* id-redis' 'NOAUTH Authentication required.\n'
  stub_output docker 'logs --tail 3 *' 'ERROR something broke\n'
  run protostar doctor
  assert_status 1
  assert_output_contains "FAIL  redis: running, unhealthy: protostar logs redis"
  assert_output_contains "health check: NOAUTH Authentication required."
  assert_output_contains "FAIL  ai-worker: exited: protostar logs ai-worker"
  assert_output_contains "exit code 137, at 2026-12-06T01:00:00Z"
  assert_output_contains "log: ERROR something broke"
  assert_output_contains "FAIL  backend-blue: no container: protostar up"
  assert_output_contains "ok    postgres: running, healthy"
}

@test "bad settings, an engine that does not answer, an expired certificate: each named, exit 1" {
  write_env "HTTPS_PORT=99999"
  stub_output docker 'info *' 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock\n' 1
  run protostar doctor
  assert_status 1
  assert_output_contains "FAIL  settings: $ENV_FILE has problems"
  assert_output_contains "HTTPS_PORT=99999 is malformed"
  assert_output_contains "FAIL  the Docker engine does not answer: Cannot connect to the Docker daemon"
  # An expired certificate, with good settings again.
  write_env
  stub_ps_states "$HEALTHY"
  "$PROTOSTAR_REPO/scripts/test/expired-certificate.sh" "$TLS_DIR_T"
  run protostar doctor
  assert_status 1
  assert_output_contains "FAIL  certificate: $TLS_DIR_T/tls.crt expired on Jan  2 00:00:00 2020 GMT"
}

@test "a backup timer whose last run failed is a failure; the lock and failed changes are warnings" {
  stub_ps_states "$HEALTHY"
  mkdir -p "$TEST_ROOT/system/etc/systemd/system" "$STATE_DIR_T/deploy.lock"
  touch "$TEST_ROOT/system/etc/systemd/system/protostar-backup.timer"
  stub_output systemctl 'show protostar-backup.service -p Result --value' 'exit-code\n'
  stub_output systemctl 'show protostar-backup.service -p ExecMainExitTimestamp --value' 'Sun 2026-12-06 03:15:09 UTC\n'
  printf '%s\n' '2026-12-06T01:00:00Z action=deploy service=backend user=ci from=a to=b color=blue->green result=failed reason="x" duration=3.0s' >"$STATE_DIR_T/audit.log"
  run protostar doctor
  assert_status 1
  assert_output_contains "FAIL  backup timer: the last run (Sun 2026-12-06 03:15:09 UTC) ended with 'exit-code': journalctl -u protostar-backup.service"
  assert_output_line_matches "^warn  deploy lock: "
  assert_output_contains "warn  audit log: 1 of the last 5 changes did not succeed:"
}
