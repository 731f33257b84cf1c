#!/usr/bin/env bats
# protostar rollback: back to the other colour's image, through the same gate as a deploy.

load test_helper

INCLUDE_GREEN=$(include_for green)

# After `deploy backend v2` from blue: green serves v2, blue (v1) is stopped and kept.
setup() {
  deployed_stack_setup green v1 v2
  stub_health_answer 'HTTP/2 200\r\nx-protostar-backend: blue v1\r\n\r\n'
}

assert_include_green() {
  [[ "$(cat "$STATE_DIR_T/nginx/active-backend.conf")" == "$INCLUDE_GREEN" ]] ||
    fail "the include changed:" "$(cat "$STATE_DIR_T/nginx/active-backend.conf")"
}

@test "rollback --help prints the usage" {
  run protostar rollback --help
  assert_status 0
  assert_output_contains "Usage: protostar rollback [backend] [VERSION] [--warm-for MINUTES | --keep-warm]"
  assert_no_calls
}

@test "rollback VERSION: the idle colour's version is a plain rollback to it" {
  run protostar rollback v1 --drain 0
  assert_status 0
  assert_output_contains "Rolled back to protostar/backend:v1 on blue (from protostar/backend:v2 on green)"
  grep -q "action=rollback service=backend .* to=protostar/backend:v1 color=green->blue result=ok" "$STATE_DIR_T/audit.log"
}

@test "rollback VERSION: an older version neither colour has is deployed, audited as a rollback" {
  stub_health_answer 'x-protostar-backend: blue v0\r\n'
  run protostar rollback backend v0 --drain 0
  assert_status 0
  assert_call_line "$(compose_prefix) up --detach --no-deps --wait --wait-timeout 300 backend-blue"
  assert_output_contains "Deployed protostar/backend:v0 on blue (was protostar/backend:v2 on green)"
  grep -qx 'BACKEND_BLUE_IMAGE=protostar/backend:v0' "$STATE_DIR_T/state.env"
  grep -q "action=rollback service=backend .* from=protostar/backend:v2 to=protostar/backend:v0 color=green->blue result=ok" "$STATE_DIR_T/audit.log" ||
    fail "audit:" "$(cat "$STATE_DIR_T/audit.log")"
}

@test "rollback VERSION: the serving version, a missing image or a canary are refused before any change" {
  run protostar rollback v2
  assert_status 1
  assert_output_contains "nothing to roll back to: green already serves protostar/backend:v2"
  stub_missing_images protostar/backend:v9
  run protostar rollback v9
  assert_status 1
  assert_output_contains "nothing to roll back to: protostar/backend:v9 is not present in Docker"
  run protostar rollback --canary 50,100
  assert_status 1
  assert_output_contains "a rollback is not a canary"
  run protostar rollback v1 v2
  assert_status 1
  assert_output_contains "usage: protostar rollback [backend|ai-worker] [VERSION]"
  refute_changing_calls
  assert_state_unchanged
}

@test "rollback ai-worker: to the image it ran before its last deploy, by a rolling replacement" {
  run protostar rollback ai-worker
  assert_status 1
  assert_output_contains "nothing to roll back to: the ai-worker has not been deployed since the stack started"
  write_state_file "IMAGE_SOURCE=offline" "ACTIVE_COLOR=green" "BACKEND_BLUE_IMAGE=protostar/backend:v1" \
    "BACKEND_GREEN_IMAGE=protostar/backend:v2" "AI_WORKER_IMAGE=protostar/ai-worker:v2" \
    "AI_WORKER_PREVIOUS_IMAGE=protostar/ai-worker:v1"
  stub_workers id-ai-worker-old
  run protostar rollback ai-worker
  assert_status 0
  assert_call_line "docker stop --time 60 id-ai-worker-old"
  grep -qx 'AI_WORKER_IMAGE=protostar/ai-worker:v1' "$STATE_DIR_T/state.env"
  grep -q "action=rollback service=ai-worker .* from=protostar/ai-worker:v2 to=protostar/ai-worker:v1 result=ok" "$STATE_DIR_T/audit.log"
}

@test "nothing to roll back to when both colours have the same image" {
  write_state_file "IMAGE_SOURCE=offline" "ACTIVE_COLOR=blue" \
    "BACKEND_BLUE_IMAGE=protostar/backend:v1" "BACKEND_GREEN_IMAGE=protostar/backend:v1" \
    "AI_WORKER_IMAGE=protostar/ai-worker:v1"
  run protostar rollback
  assert_status 1
  assert_output_contains "nothing to roll back to: both colours have protostar/backend:v1, there is no previous version"
  assert_no_calls
  [[ ! -e "$STATE_DIR_T/deploy.lock" ]] || fail "lock taken"
}

@test "nothing to roll back to before the first up" {
  rm "$STATE_DIR_T/state.env"
  run protostar rollback
  assert_status 1
  assert_output_contains "nothing to roll back to: nothing is deployed yet"
  assert_no_calls
}

@test "a previous image gone from Docker is refused" {
  stub_missing_images protostar/backend:v1
  run protostar rollback
  assert_status 1
  assert_output_contains "nothing to roll back to: the previous image protostar/backend:v1 is no longer present in Docker"
  refute_called " up "
  refute_called "nginx"
  assert_state_unchanged
}

@test "rollback to a stopped colour: started behind the readiness gate, switched, verified, current stopped" {
  record_docker_env BACKEND_BLUE_IMAGE
  run protostar rollback --drain 0 --warm-for 0
  assert_status 0
  local p
  p=$(compose_prefix)
  assert_call_line "docker exec id-nginx nginx -t"
  assert_call_line "$p up --detach --no-deps --wait --wait-timeout 300 backend-blue"
  assert_call_line "docker exec id-nginx nginx -s reload"
  assert_call_line "$p stop backend-green"
  (($(line_of " up --detach") < $(line_of "nginx -s reload"))) || fail "switched before the start"
  (($(line_of "curl -o") < $(line_of " stop backend-green"))) || fail "stopped before verifying"
  grep -qx 'BACKEND_BLUE_IMAGE=protostar/backend:v1' "$STUB_ENV_LOG"
  grep -qx 'ACTIVE_COLOR=blue' "$STATE_DIR_T/state.env"
  grep -qx 'BACKEND_BLUE_IMAGE=protostar/backend:v1' "$STATE_DIR_T/state.env"
  grep -qx 'BACKEND_GREEN_IMAGE=protostar/backend:v2' "$STATE_DIR_T/state.env"
  grep -q '^  \* backend-blue;$' "$STATE_DIR_T/nginx/active-backend.conf"
  assert_output_contains "answered by: blue v1"
  assert_output_line_matches "^Rolled back to protostar/backend:v1 on blue \(from protostar/backend:v2 on green\) in [0-9]+\.[0-9]s$"
  grep -qE "action=rollback service=backend user=[^ ]+ from=protostar/backend:v2 to=protostar/backend:v1 color=green->blue result=ok duration=[0-9.]+s$" \
    "$STATE_DIR_T/audit.log" || fail "audit:" "$(cat "$STATE_DIR_T/audit.log")"
  [[ ! -e "$STATE_DIR_T/deploy.lock" ]] || fail "lock left"
}

# stub_warm_blue [INSPECT [ID]] — blue runs too (warm), and `docker inspect` of it says
# it runs as container ID (default id-backend-blue), then INSPECT (health, image, image
# id, CPU weight; by default healthy, v1 as the tag names it now, 0).
stub_warm_blue() {
  stub_running nginx backend-green backend-blue
  stub_output docker 'inspect *' "${2:-id-backend-blue} running ${1:-healthy protostar/backend:v1 sha256:id-protostar-backend-v1 0}\n"
}

# record_blue_settings — what this CLI records when it started blue's container itself.
record_blue_settings() {
  PROTOSTAR_ROOT=$PROTOSTAR_REPO bash -c 'set -Eeuo pipefail
    source "$PROTOSTAR_ROOT/scripts/lib/common.sh"; source "$PROTOSTAR_ROOT/scripts/lib/config.sh"
    source "$PROTOSTAR_ROOT/scripts/lib/deploy.sh"; load_config
    record_color_settings blue id-backend-blue protostar/backend:v1'
}

@test "rollback to a warm colour is only a switch: nothing is started" {
  stub_warm_blue
  run protostar rollback --keep-warm
  assert_status 0
  assert_output_contains "backend-blue runs protostar/backend:v1 and is ready (warm)"
  # one inspection, by the name Compose gives the container
  assert_call_line "docker inspect -f {{.Id}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.Config.Image}} {{.Image}} {{.HostConfig.CpuShares}} ptest-backend-blue-1"
  refute_called "label=com.docker.compose.service=backend-blue"
  # Compose's dry run says the warm colour has the settings as they are now.
  assert_call_line "$(compose_prefix) --dry-run up --detach --no-deps backend-blue"
  refute_called " up --detach --no-deps --wait"
  refute_called " stop "
  refute_called "docker update"
  refute_called "timeout 10 curl"
  assert_call_line "docker exec id-nginx nginx -s reload"
  grep -qx 'ACTIVE_COLOR=blue' "$STATE_DIR_T/state.env"
}

@test "a warm colour this CLI started, with the settings as they are now: a switch without any compose call" {
  stub_warm_blue
  record_blue_settings
  run protostar rollback --keep-warm
  assert_status 0
  assert_output_contains "(warm)"
  refute_called "docker compose"
  refute_called "docker update"
  # the calls left: the image (the refusal before the lock; its id and version after it),
  # the warm colour (inspected by name), nginx (found), the switch (one exec, logged as its
  # nginx -t and reload): a warm colour spares the pre-flight's own nginx -t
  [[ $(grep -c '^docker ' "$STUB_LOG") -eq 6 ]] || fail "expected 6 docker calls" "$(cat "$STUB_LOG")"
  grep -qx 'ACTIVE_COLOR=blue' "$STATE_DIR_T/state.env"
}

@test "the default rollback within a deploy's window: a switch, and the colour it leaves stays warm with a timer" {
  stub_warm_blue
  record_blue_settings
  write_state_file "IMAGE_SOURCE=offline" "ACTIVE_COLOR=green" "BACKEND_BLUE_IMAGE=protostar/backend:v1" \
    "BACKEND_GREEN_IMAGE=protostar/backend:v2" "AI_WORKER_IMAGE=protostar/ai-worker:v1" "WARM_COLOR=blue" "WARM_UNTIL=$((EPOCHSECONDS + 600))"
  run protostar rollback
  assert_status 0
  assert_output_contains "(warm)"
  refute_called " stop "
  # the switch's calls only, as with --keep-warm; then the timer for green's window
  [[ $(grep -c '^docker ' "$STUB_LOG") -eq 6 ]] || fail "expected 6 docker calls" "$(cat "$STUB_LOG")"
  assert_call_line "setsid nice -n 39 ionice -t -c 2 -n 7 $PROTOSTAR_REPO/scripts/protostar retire --when-due"
  grep -qx 'ACTIVE_COLOR=blue' "$STATE_DIR_T/state.env"
  grep -qx 'WARM_COLOR=green' "$STATE_DIR_T/state.env"
  grep -qE '^WARM_UNTIL=[0-9]+$' "$STATE_DIR_T/state.env"
}

@test "a warm colour's record no longer matching: the settings, the tag's image or the container changed" {
  record_blue_settings
  local case
  for case in settings image container; do
    stub_warm_blue
    case "$case" in
      settings) write_env NGINX_RATE_LIMIT=7 ;;
      image) stub_warm_blue "healthy protostar/backend:v1 sha256:rebuilt 0" ;;
      container) stub_warm_blue "" id-backend-blue-2 ;;
    esac
    : >"$STUB_LOG"
    write_state_file "IMAGE_SOURCE=offline" "ACTIVE_COLOR=green" \
      "BACKEND_BLUE_IMAGE=protostar/backend:v1" "BACKEND_GREEN_IMAGE=protostar/backend:v2" "AI_WORKER_IMAGE=protostar/ai-worker:v1"
    include_for green >"$STATE_DIR_T/nginx/active-backend.conf"
    run protostar rollback --keep-warm
    assert_status 0
    assert_called "--dry-run up --detach --no-deps backend-blue"
    write_env
    record_blue_settings
  done
}

@test "a warm colour left with a low CPU weight gets the serving weight before the switch" {
  stub_warm_blue "healthy protostar/backend:v1 sha256:id-protostar-backend-v1 64"
  run protostar rollback --keep-warm
  assert_status 0
  assert_call_line "docker update --cpu-shares 1024 id-backend-blue"
  (($(line_of "--cpu-shares 1024") < $(line_of "nginx -s reload"))) || fail "switched before the serving weight" "$(cat "$STUB_LOG")"
}

@test "the stopped colour a rollback starts: the warm-up weight while it starts, the serving weight at the switch" {
  run protostar rollback --drain 0
  assert_status 0
  assert_call_line "$(compose_prefix) up --no-start --no-deps backend-blue"
  assert_call_line "docker update --cpu-shares 64 id-backend-blue"
  assert_call_line "docker update --cpu-shares 1024 id-backend-blue"
  (($(line_of "--cpu-shares 64") < $(line_of " up --detach"))) || fail "started before it was lowered" "$(cat "$STUB_LOG")"
  (($(line_of "timeout 30 curl") < $(line_of "--cpu-shares 1024"))) || fail "no warm-up before the serving weight" "$(cat "$STUB_LOG")"
  (($(line_of "--cpu-shares 1024") < $(line_of "nginx -s reload"))) || fail "switched before the serving weight" "$(cat "$STUB_LOG")"
  refute_called "--cpu-shares 1024 id-backend-green"
}

@test "a warm colour started before the settings changed is started anew, not switched to" {
  stub_warm_blue
  stub_output docker 'compose * --dry-run up *' ' DRY-RUN MODE -  Container ptest-backend-blue-1  Recreate\n'
  run protostar rollback --keep-warm
  assert_status 0
  refute_output_contains "(warm)"
  assert_output_contains "starting backend-blue with protostar/backend:v1"
  assert_call_line "$(compose_prefix) up --detach --no-deps --wait --wait-timeout 300 backend-blue"
}

@test "a running colour with another image is started again with the recorded one" {
  stub_warm_blue "healthy protostar/backend:v0 sha256:id-protostar-backend-v0 0"
  run protostar rollback --drain 0
  assert_status 0
  assert_call_line "$(compose_prefix) up --detach --no-deps --wait --wait-timeout 300 backend-blue"
}

@test "the previous colour failing readiness: removed, no switch, state unchanged" {
  stub_output docker 'compose * up *' '' 1
  stub_output docker 'compose * logs *' 'database gone\n'
  run protostar rollback --timeout 20
  assert_status 1
  assert_output_line_matches "^backend-blue \\(protostar/backend:v1\\) did not become ready \\(after [0-9]+s, at most 20s\\):$"
  assert_output_contains "    | database gone"
  assert_call_line "$(compose_prefix) rm --stop --force backend-blue"
  refute_called "nginx -s reload"
  assert_state_unchanged
  assert_include_green
  grep -q 'action=rollback .* result=failed reason="backend-blue' "$STATE_DIR_T/audit.log"
}

@test "a warm colour that does not answer through nginx: switched back and left as it was" {
  stub_warm_blue
  stub_health_answer 'x-protostar-backend: green v2\r\n'
  run protostar rollback
  assert_status 1
  assert_output_contains "answered as 'green v2' instead of 'blue v1'"
  refute_called " rm "
  refute_called " stop "
  [[ $(grep -c 'nginx -s reload' "$STUB_LOG") -eq 2 ]] || fail "expected a reload there and back"
  assert_include_green
  assert_state_unchanged
}

@test "rollback is refused while a deploy holds the lock" {
  mkdir -p "$STATE_DIR_T/deploy.lock"
  printf '%s\n' "pid=$$" "user=dave" "host=$(uname -n)" "command=protostar deploy backend v3" \
    "started=2026-02-03T04:05:06Z" >"$STATE_DIR_T/deploy.lock/owner"
  run protostar rollback
  assert_status 1
  assert_output_contains "another deploy is in progress: pid $$ (dave@$(uname -n)), running 'protostar deploy backend v3'"
  refute_called " up "
  refute_called "nginx"
  assert_state_unchanged
}

@test "rollback refuses when the state disagrees with nginx's include" {
  printf '%s\n' "${INCLUDE_GREEN/backend-green/backend-blue}" >"$STATE_DIR_T/nginx/active-backend.conf"
  run protostar rollback
  assert_status 1
  assert_output_contains "the state says ACTIVE_COLOR=green but nginx's include"
  refute_called " up "
  refute_called "nginx -s reload"
}

@test "rollback runs the hooks with PROTOSTAR_ACTION=rollback" {
  mkdir -p "$STATE_DIR_T/hooks"
  printf '#!/usr/bin/env bash\necho "docker hook $PROTOSTAR_ACTION $PROTOSTAR_FROM $PROTOSTAR_TO $PROTOSTAR_COLOR" >>"$STUB_LOG"\n' \
    >"$STATE_DIR_T/hooks/post-deploy"
  chmod +x "$STATE_DIR_T/hooks/post-deploy"
  run protostar rollback --drain 0
  assert_status 0
  assert_call_line "docker hook rollback protostar/backend:v2 protostar/backend:v1 blue"
}
