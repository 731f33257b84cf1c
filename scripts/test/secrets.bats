#!/usr/bin/env bats
# protostar secrets rotate jwt: the key moves under the deploy lock, .env is rewritten
# atomically, the backend is redeployed blue/green with the image it runs.
# protostar secrets rotate postgres: four passwords set in the database in one
# transaction, then .env, then both apps redeployed; put back when the backend's fails.

load test_helper

OLD_KEY=jwtjwtjwtjwtjwtjwtjwtjwtjwtjwtjw

# blue serves v2; green, stopped, holds v1 (the rollback target).
setup() {
  deployed_stack_setup blue v2 v1
  stub_health_answer 'HTTP/2 200\r\nx-protostar-backend: green v2\r\n\r\n'
  stub_output docker 'image inspect *.Config.Env* protostar/backend:v2' 'PATH=/usr/bin\nPROTOSTAR_VERSION=v2\n'
  chmod 640 "$ENV_FILE"
}

env_value() { sed -n "s/^$1=//p" "$ENV_FILE"; }

@test "secrets --help prints the usage" {
  run protostar secrets --help
  assert_status 0
  assert_output_contains "Usage: protostar secrets rotate jwt [--drain SECONDS] [--timeout SECONDS] [--keep-warm]"
  assert_no_calls
}

@test "anything but 'rotate jwt', an unknown option or a canary is refused before any change" {
  local before
  before=$(cat "$ENV_FILE")
  run protostar secrets rotate
  assert_status 1
  assert_output_contains "usage: protostar secrets rotate jwt|postgres"
  run protostar secrets rotate redis
  assert_status 1
  assert_output_contains "usage: protostar secrets rotate jwt|postgres"
  run protostar secrets rotate postgres --drain 5
  assert_status 1
  assert_output_contains "--drain is not an option of 'secrets rotate postgres'"
  run protostar secrets rotate jwt --bogus 1
  assert_status 1
  assert_output_contains "unknown option '--bogus'"
  run protostar secrets rotate jwt --canary 50,100
  assert_status 1
  assert_output_contains "not a canary"
  [[ "$(cat "$ENV_FILE")" == "$before" ]] || fail ".env changed"
  refute_changing_calls
}

@test "rotate jwt: the old key becomes the previous one, a new 64-hex key, mode kept, redeployed" {
  record_docker_env JWT_SECRET JWT_PREVIOUS_SECRET BACKEND_GREEN_IMAGE
  run protostar secrets rotate jwt --drain 0
  assert_status 0
  local new
  new=$(env_value JWT_SECRET)
  [[ "$new" =~ ^[0-9a-f]{64}$ ]] || fail "JWT_SECRET is not 64 hex characters: $new"
  [[ "$(env_value JWT_PREVIOUS_SECRET)" == "$OLD_KEY" ]] || fail "JWT_PREVIOUS_SECRET: $(env_value JWT_PREVIOUS_SECRET)"
  [[ $(grep -c '^JWT_SECRET=' "$ENV_FILE") -eq 1 && $(grep -c '^JWT_PREVIOUS_SECRET=' "$ENV_FILE") -eq 1 ]] ||
    fail "one line each expected:" "$(cat "$ENV_FILE")"
  grep -qx 'POSTGRES_DB=protostar' "$ENV_FILE" || fail "other settings lost"
  [[ "$(stat -c %a "$ENV_FILE")" == 640 ]] || fail "mode changed: $(stat -c %a "$ENV_FILE")"
  [[ -z "$(find "$TEST_ROOT" -maxdepth 1 -name '.env.*')" ]] || fail "temporary files left"
  # The new colour started with the running image and both keys; the old one stopped.
  assert_call_line "$(compose_prefix) up --detach --no-deps --wait --wait-timeout 300 backend-green"
  assert_call_line "$(compose_prefix) stop backend-blue"
  grep -qx "JWT_SECRET=$new" "$STUB_ENV_LOG" || fail "compose did not get the new key"
  grep -qx "JWT_PREVIOUS_SECRET=$OLD_KEY" "$STUB_ENV_LOG" || fail "compose did not get the previous key"
  grep -qx 'BACKEND_GREEN_IMAGE=protostar/backend:v2' "$STUB_ENV_LOG"
  # Green serves v2; blue names v1, so a rollback still goes back a version.
  grep -qx 'ACTIVE_COLOR=green' "$STATE_DIR_T/state.env"
  grep -qx 'BACKEND_GREEN_IMAGE=protostar/backend:v2' "$STATE_DIR_T/state.env"
  grep -qx 'BACKEND_BLUE_IMAGE=protostar/backend:v1' "$STATE_DIR_T/state.env" || fail "rollback target lost" "$(cat "$STATE_DIR_T/state.env")"
  grep -q "action=rotate-jwt service=backend .* result=ok" "$STATE_DIR_T/audit.log"
  # The keys are never printed.
  refute_output_contains "$new"
  refute_output_contains "$OLD_KEY"
  assert_unlocked
}

@test "refused while the deploy lock is held: .env and the state untouched" {
  hold_lock
  run protostar secrets rotate jwt
  assert_status 1
  assert_output_contains "another deploy is in progress: pid $HOLDER_PID"
  [[ "$(env_value JWT_SECRET)" == "$OLD_KEY" ]] || fail "JWT_SECRET changed"
  [[ -z "$(env_value JWT_PREVIOUS_SECRET)" ]] || fail "JWT_PREVIOUS_SECRET set"
  refute_changing_calls
  assert_state_unchanged
  grep -qx "pid=$HOLDER_PID" "$STATE_DIR_T/deploy.lock/owner" || fail "the holder's lock was touched"
}

@test "a failed redeploy puts the old keys back; blue keeps serving; lock released" {
  write_env "JWT_PREVIOUS_SECRET=older-key-older-key-older-key-0123"
  stub docker 'compose * up *backend-green' 'exit 1'
  run protostar secrets rotate jwt --drain 0 --timeout 5
  assert_status 1
  [[ "$(env_value JWT_SECRET)" == "$OLD_KEY" ]] || fail "JWT_SECRET not restored: $(env_value JWT_SECRET)"
  [[ "$(env_value JWT_PREVIOUS_SECRET)" == older-key-older-key-older-key-0123 ]] || fail "previous not restored"
  assert_output_contains "has its previous JWT_SECRET and JWT_PREVIOUS_SECRET again"
  assert_state_unchanged
  grep -q "action=rotate-jwt service=backend .* result=failed" "$STATE_DIR_T/audit.log"
  assert_unlocked
}

@test "a warm idle colour with the same image is recreated, not reused with the old key" {
  write_state_file "IMAGE_SOURCE=offline" "ACTIVE_COLOR=blue" \
    "BACKEND_BLUE_IMAGE=protostar/backend:v2" "BACKEND_GREEN_IMAGE=protostar/backend:v2" \
    "AI_WORKER_IMAGE=protostar/ai-worker:v1"
  stub_running nginx backend-blue backend-green
  stub_output docker 'inspect -f {{.State.Health.Status}} {{.Config.Image}} id-backend-green' 'healthy protostar/backend:v2\n'
  # Compose sees its settings are not the current ones (the new key)
  stub_output docker 'compose * --dry-run up *backend-green' ' DRY-RUN MODE -  Container ptest-backend-green-1  Recreate\n'
  run protostar secrets rotate jwt --drain 0
  assert_status 0
  refute_output_contains "is ready (warm)"
  assert_call_line "$(compose_prefix) up --detach --no-deps --wait --wait-timeout 300 backend-green"
  grep -qx 'ACTIVE_COLOR=green' "$STATE_DIR_T/state.env"
}

@test "nothing deployed yet: refused, nothing changed" {
  write_state_file "IMAGE_SOURCE=offline"
  run protostar secrets rotate jwt
  assert_status 1
  assert_output_contains "nothing is deployed yet"
  [[ "$(env_value JWT_SECRET)" == "$OLD_KEY" ]]
}

# --- rotate postgres ------------------------------------------------------------------------
POSTGRES_NAMES=(POSTGRES_PASSWORD POSTGRES_OWNER_PASSWORD POSTGRES_BACKEND_PASSWORD POSTGRES_WORKER_PASSWORD)

# postgres_running [FAIL-AT] — postgres runs; psql's input is kept in psql.N (one per call);
# the call numbered FAIL-AT fails.
postgres_running() {
  stub_running nginx backend-blue postgres
  stub_workers id-ai-worker-old
  stub docker 'compose * exec -T postgres psql *' "n=\$(ls \"\$STUB_LOG\".psql.* 2>/dev/null | wc -l); cat >\"\$STUB_LOG.psql.\$((n + 1))\"; [[ \$((n + 1)) != ${1:-0} ]]"
}

@test "rotate postgres: four new passwords in the database in one transaction, then .env, both apps redeployed" {
  local var before=()
  postgres_running
  for var in "${POSTGRES_NAMES[@]}"; do before+=("$(env_value "$var")"); done
  run protostar secrets rotate postgres
  assert_status 0
  assert_output_contains "PostgreSQL's passwords rotated; the backend and the ai-worker connect with the new ones"
  local i new
  for i in "${!POSTGRES_NAMES[@]}"; do
    new=$(env_value "${POSTGRES_NAMES[i]}")
    [[ "$new" =~ ^[0-9a-f]{48}$ && "$new" != "${before[i]}" ]] || fail "${POSTGRES_NAMES[i]}=$new"
    # never on a command line, only on psql's input
    refute_called "$new"
  done
  grep -qxF "BEGIN;" "$STUB_LOG.psql.1"
  grep -qxF "ALTER ROLE :\"superuser\" PASSWORD :'su_password';" "$STUB_LOG.psql.1"
  grep -qxF "ALTER ROLE protostar_worker PASSWORD :'worker_password';" "$STUB_LOG.psql.1"
  grep -qxF "\\set su_password $(env_value POSTGRES_PASSWORD)" "$STUB_LOG.psql.1"
  grep -qxF "COMMIT;" "$STUB_LOG.psql.1"
  # the superuser's file for the container's first start, and the fingerprint `up` checks
  [[ "$(cat "$STATE_DIR_T/postgres/superuser-password")" == "$(env_value POSTGRES_PASSWORD)" ]]
  [[ $(stat -c %a "$STATE_DIR_T/postgres") == 700 && $(stat -c %a "$STATE_DIR_T/postgres/superuser-password") == 644 ]]
  grep -qx "FIRST_START_POSTGRES_PASSWORD=$(printf '%s' "$(env_value POSTGRES_PASSWORD)" | sha256sum | cut -c1-16)" "$STATE_DIR_T/state.env"
  [[ $(stat -c %a "$ENV_FILE") == 640 ]]
  # then the apps, blue/green and rolling
  assert_call_line "$(compose_prefix) up --detach --no-deps --wait --wait-timeout 300 backend-green"
  grep -q "action=rotate-postgres service=postgres .*result=ok" "$STATE_DIR_T/audit.log"
  grep -q "action=redeploy service=backend .*result=ok" "$STATE_DIR_T/audit.log"
  grep -q "action=redeploy service=ai-worker .*result=ok" "$STATE_DIR_T/audit.log"
  assert_unlocked
}

@test "rotate postgres: the database refuses — nothing changes, nothing is redeployed" {
  local before
  postgres_running 1
  before=$(cat "$ENV_FILE")
  run protostar secrets rotate postgres
  assert_status 1
  assert_output_contains "the database refused the new passwords (see above): nothing was changed"
  [[ "$(cat "$ENV_FILE")" == "$before" ]] || fail ".env changed"
  refute_called "up --detach"
  assert_unlocked
}

@test "rotate postgres: the backend's redeploy fails — the old passwords go back into the database and .env" {
  local before
  postgres_running
  before=$(cat "$ENV_FILE")
  stub docker 'compose * up *backend-green' 'exit 1'
  run protostar secrets rotate postgres
  assert_status 1
  assert_output_contains "the old passwords are back in the database and $ENV_FILE; the old colour kept serving"
  [[ "$(cat "$ENV_FILE")" == "$before" ]] || fail ".env not restored: $(diff <(echo "$before") "$ENV_FILE")"
  grep -qxF "\\set su_password $(env_value POSTGRES_PASSWORD)" "$STUB_LOG.psql.2"
  [[ "$(cat "$STATE_DIR_T/postgres/superuser-password")" == "$(env_value POSTGRES_PASSWORD)" ]]
  refute_called "ai-worker"
  assert_unlocked
}

@test "rotate postgres: refused when nothing is deployed or postgres does not run" {
  stub_running nginx backend-blue
  run protostar secrets rotate postgres
  assert_status 1
  assert_output_contains "postgres is not running"
  rm "$STATE_DIR_T/state.env"
  run protostar secrets rotate postgres
  assert_status 1
  assert_output_contains "nothing is deployed yet"
}
