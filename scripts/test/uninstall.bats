#!/usr/bin/env bats
# protostar uninstall: what --keep-data and --purge remove and keep, the confirmations —
# against the docker and systemctl stubs.

load test_helper

setup() {
  protostar_setup
  write_env
  write_state_file "IMAGE_SOURCE=offline" "ACTIVE_COLOR=green" "BACKEND_BLUE_IMAGE=protostar/backend:v1" \
    "BACKEND_GREEN_IMAGE=protostar/backend:v2" "AI_WORKER_IMAGE=protostar/ai-worker:v2"
  mkdir -p "$TLS_DIR_T" "$STATE_DIR_T/nginx"
  touch "$TLS_DIR_T/tls.crt" "$STATE_DIR_T/audit.log" "$TEST_ROOT/.env.backend"
  stub_output docker 'images --format * protostar/backend' 'protostar/backend:v1\nprotostar/backend:v0\n'
  stub_output docker 'images --format * protostar/ai-worker' 'protostar/ai-worker:v2\n'
  stub_output docker 'ps --all --quiet *' 'id-leftover-worker\n'
  export PROTOSTAR_SYSTEM_ROOT="$TEST_ROOT/system"
}

@test "the data's fate must be said; --purge cannot be confirmed by --yes; nothing is called" {
  run protostar uninstall
  assert_status 1
  assert_output_contains "say what happens to the data: --keep-data (volumes and .env stay) or --purge (everything goes)"
  run protostar uninstall --keep-data --purge
  assert_status 1
  assert_output_contains "--keep-data and --purge exclude each other"
  run protostar uninstall --purge --yes
  assert_status 1
  assert_output_contains "--yes does not answer that"
  run protostar uninstall --keep-data </dev/null
  assert_status 1
  assert_output_contains "not a terminal: add --yes"
  assert_no_calls
}

@test "--keep-data: containers, networks, images, timer and state go; volumes, .env and the certificate stay" {
  mkdir -p "$TEST_ROOT/system/etc/systemd/system"
  touch "$TEST_ROOT/system/etc/systemd/system/protostar-backup.timer" "$TEST_ROOT/system/etc/systemd/system/protostar-backup.service"
  stub systemctl
  # The offline nginx image is still used by another project's container.
  stub_output docker 'image rm protostar/nginx:*' 'Error: image is being used by stopped container abc\n' 1
  run protostar uninstall --keep-data --yes
  assert_status 0
  assert_call_line "$(every_profile_prefix) down --remove-orphans --timeout 60"
  refute_called "--volumes"
  assert_call_line "docker rm --force id-leftover-worker"
  refute_called "docker volume rm"
  local image
  for image in protostar/backend:v0 protostar/backend:v1 protostar/backend:v2 protostar/ai-worker:v2 protostar/postgres:17-pgvector0.8; do
    assert_call_line "docker image rm $image"
  done
  assert_output_contains "kept, as another container uses them: protostar/nginx:1.26"
  assert_call_line "systemctl disable --now protostar-backup.timer"
  [[ ! -e "$TEST_ROOT/system/etc/systemd/system/protostar-backup.timer" ]] || fail "timer left"
  [[ ! -e "$STATE_DIR_T/audit.log" && ! -e "$STATE_DIR_T/nginx" ]] || fail "state left: $(ls -R "$STATE_DIR_T")"
  [[ -f "$TLS_DIR_T/tls.crt" && -f "$ENV_FILE" && -f "$TEST_ROOT/.env.backend" ]] || fail "kept files removed"
  assert_output_contains "its volumes and $ENV_FILE are kept"
}

@test "--purge: the project's name must be typed; then volumes, .env, settings and certificate go too" {
  run bash -c "echo wrong | '$PROTOSTAR_BIN' uninstall --purge"
  assert_status 1
  assert_output_contains "'wrong' is not ptest: nothing was removed"
  assert_no_calls
  run bash -c "echo ptest | '$PROTOSTAR_BIN' uninstall --purge"
  assert_status 0
  assert_call_line "$(every_profile_prefix) down --remove-orphans --timeout 60 --volumes"
  assert_called "docker volume ls --quiet --filter label=com.docker.compose.project=ptest"
  [[ ! -e "$ENV_FILE" && ! -e "$TEST_ROOT/.env.backend" && ! -e "$TLS_DIR_T" && ! -e "$STATE_DIR_T" ]] ||
    fail "left: $(ls -a "$TEST_ROOT")"
  assert_output_contains "Protostar (ptest) is uninstalled; its data is deleted."
}

@test "refused while a deploy holds the lock" {
  mkdir -p "$STATE_DIR_T/deploy.lock"
  printf 'pid=%s\npid_start=%s\nuser=ci\nhost=%s\ncommand=protostar deploy backend v3\nstarted=now\n' \
    "$$" "$(awk '{print $22}' /proc/$$/stat)" "$(uname -n)" >"$STATE_DIR_T/deploy.lock/owner"
  run protostar uninstall --keep-data --yes
  assert_status 1
  assert_output_contains "a change is in progress"
  assert_no_calls
}
