#!/usr/bin/env bats
# shellcheck disable=SC2016 # code for lib_run is single-quoted
# protostar status

load test_helper

setup() {
  protostar_setup
  write_env "HTTPS_PORT=8443" "HTTP_PORT=8080"
  write_state_file "IMAGE_SOURCE=offline" "ACTIVE_COLOR=green" \
    "BACKEND_BLUE_IMAGE=protostar/backend:v1" "BACKEND_GREEN_IMAGE=protostar/backend:v2" \
    "AI_WORKER_IMAGE=protostar/ai-worker:v2"
}

@test "status exits 0 when every service is running healthy" {
  stub_ps_states 'nginx|running|healthy|img:1|1 minute ago\nbackend-green|running|healthy|img:1|1 minute ago\npostgres|running|healthy|img:1|1 minute ago\n'
  run protostar status
  assert_status 0
  assert_output_contains "Project:       ptest"
  assert_output_contains "URL:           https://localhost:8443/"
  assert_output_contains "Images:        offline"
  assert_output_contains "Active colour: green"
  assert_output_contains "Versions:      blue=protostar/backend:v1  green=protostar/backend:v2  ai-worker=protostar/ai-worker:v2"
  assert_output_contains "nginx           running   healthy    img:1"
  assert_output_contains "Routing:       no include yet"
  assert_output_contains "Maintenance:   off"
  assert_output_contains "Deploy lock:   free"
  refute_output_contains "Last change:"
  refute_output_contains "Not every service"
  assert_call_line "$(compose_prefix) ps --all --format {{.Service}}|{{.State}}|{{.Health}}|{{.Image}}|{{.RunningFor}}"
}

@test "status accepts the idle colour stopped, but not a crashed service" {
  stub_ps_states 'nginx|running|healthy|img:1|1 minute ago\nbackend-green|running|healthy|img:1|1 minute ago\nbackend-blue|exited||img:1|1 minute ago\n'
  run protostar status
  assert_status 0
  stub_ps_states 'nginx|running|healthy|img:1|1 minute ago\nbackend-green|running|healthy|img:1|1 minute ago\nai-worker|exited||img:1|1 minute ago\n'
  run protostar status
  assert_status 1
  assert_output_contains "Not every service is healthy"
}

@test "status exits 1 when one service is running unhealthy" {
  stub_ps_states 'nginx|running|healthy|img:1|1 minute ago\nbackend-green|running|unhealthy|img:1|1 minute ago\nredis|running|healthy|img:1|1 minute ago\n'
  run protostar status
  assert_status 1
  assert_output_contains "Active colour: green"
  assert_output_contains "Not every service is healthy: protostar logs <service>"
}

@test "status exits 1 while a service is still starting" {
  stub_ps_states 'nginx|running|healthy|img:1|1 minute ago\npostgres|running|starting|img:1|1 minute ago\n'
  run protostar status
  assert_status 1
  assert_output_contains "Not every service is healthy"
}

@test "status exits 1 when nothing runs" {
  stub_ps_states ''
  run protostar status
  assert_status 1
  assert_output_contains "Nothing is running: protostar up"
  assert_output_contains "Active colour: green"
}

@test "status says what a rollback would do: a switch until the window ends, or a start" {
  local running='nginx|running|healthy|img:1|1 minute ago\nbackend-green|running|healthy|img:1|1 minute ago\n'
  stub_ps_states "$running"
  run protostar status
  assert_output_contains "Rollback:      starts backend-blue with protostar/backend:v1 again (about 20 s; no colour is kept warm)"
  stub_ps_states "${running}backend-blue|running|healthy|img:1|1 minute ago\n"
  write_state_file "ACTIVE_COLOR=green" "BACKEND_BLUE_IMAGE=protostar/backend:v1" "BACKEND_GREEN_IMAGE=protostar/backend:v2" \
    "WARM_COLOR=blue" "WARM_UNTIL=$(TZ=UTC0 date -d 'tomorrow 10:47:12' +%s)"
  run protostar status
  assert_status 0
  assert_output_contains "Rollback:      instant until 10:47:12 UTC (backend-blue runs protostar/backend:v1 without traffic)"
  write_state_file "ACTIVE_COLOR=green" "BACKEND_BLUE_IMAGE=protostar/backend:v1" "BACKEND_GREEN_IMAGE=protostar/backend:v2" \
    "WARM_COLOR=blue" "WARM_UNTIL=never"
  run protostar status
  assert_output_contains "Rollback:      instant (backend-blue runs protostar/backend:v1 without traffic, kept warm: protostar retire stops it)"
  write_state_file "ACTIVE_COLOR=green" "BACKEND_BLUE_IMAGE=protostar/backend:v1" "BACKEND_GREEN_IMAGE=protostar/backend:v2" \
    "WARM_COLOR=blue" "WARM_UNTIL=$(TZ=UTC0 date -d 'yesterday 09:00:00' +%s)"
  run protostar status
  assert_output_contains "its window ended at 09:00:00 UTC, but it was not stopped: protostar retire"
  write_state_file "ACTIVE_COLOR=green" "BACKEND_BLUE_IMAGE=protostar/backend:v2" "BACKEND_GREEN_IMAGE=protostar/backend:v2"
  run protostar status
  assert_output_contains "Rollback:      nothing to roll back to (no previous version)"
}

@test "status before the first up says so" {
  rm "$STATE_DIR_T/state.env"
  stub_ps_states ''
  run protostar status
  assert_status 1
  assert_output_contains "Images:        not prepared yet"
  assert_output_contains "Active colour: none yet"
  assert_output_contains "Versions:      blue=-  green=-  ai-worker=-"
  assert_output_contains "Rollback:      nothing deployed yet"
}

@test "status on port 443 prints the URL without a port" {
  write_env "HTTPS_PORT=443" "HTTP_PORT=80" "PUBLIC_HOSTNAME=chat.test"
  stub_ps_states 'nginx|running|healthy|img:1|1 minute ago\n'
  run protostar status
  assert_status 0
  assert_output_contains "URL:           https://chat.test/"
}

@test "status takes no arguments" {
  run protostar status extra
  assert_status 1
  assert_output_contains "unknown option 'extra' (see: protostar status --help)"
  assert_no_calls
}

@test "status shows a canary's split, maintenance, the lock holder and the last change" {
  mkdir -p "$STATE_DIR_T/nginx" "$STATE_DIR_T/deploy.lock"
  lib_run 'active_backend_conf green 10 blue' >"$STATE_DIR_T/nginx/active-backend.conf"
  printf '# since=2026-11-22T10:00:00Z\n' >"$STATE_DIR_T/nginx/maintenance.conf"
  sleep 60 3>&- &
  local holder=$!
  printf '%s\n' "pid=$holder" "user=alice" "host=$(uname -n)" "command=protostar deploy backend v3 --canary 10,100" \
    "started=2026-11-22T10:01:00Z" >"$STATE_DIR_T/deploy.lock/owner"
  echo "2026-11-22T09:00:00Z action=deploy service=backend result=ok" >"$STATE_DIR_T/audit.log"
  stub_ps_states 'nginx|running|healthy|img:1|1 minute ago\n'
  run protostar status
  kill "$holder"
  assert_output_contains "Routing:       10% to green, the rest to blue (a canary deploy)"
  assert_output_contains "Maintenance:   on since 2026-11-22T10:00:00Z (protostar maintenance off)"
  assert_output_contains "Deploy lock:   held by pid $holder (alice@$(uname -n)), running 'protostar deploy backend v3 --canary 10,100' since 2026-11-22T10:01:00Z"
  assert_output_contains "Last change:   2026-11-22T09:00:00Z action=deploy service=backend result=ok"
  lib_run 'active_backend_conf blue' >"$STATE_DIR_T/nginx/active-backend.conf"
  run protostar status
  assert_output_contains "Routing:       every request to blue"
  assert_output_contains "Deploy lock:   left by pid $holder"
}

@test "an audit line from before the upgrade (colour=) is shown as written" {
  mkdir -p "$STATE_DIR_T"
  echo "2026-10-01T09:00:00Z action=deploy service=backend user=a from=x to=y colour=blue->green result=ok duration=3s" >"$STATE_DIR_T/audit.log"
  stub_ps_states 'nginx|running|healthy|img:1|1 minute ago\n'
  run protostar status
  assert_output_contains "Last change:   2026-10-01T09:00:00Z action=deploy service=backend user=a from=x to=y colour=blue->green result=ok duration=3s"
}
