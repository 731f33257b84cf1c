#!/usr/bin/env bats
# protostar redeploy: the running version started again with the settings as they are now,
# the backend blue/green, the ai-worker rolling; the rollback target is kept.

load test_helper

setup() {
  # Blue serves v2; green, stopped, still has v1 (what a rollback goes back to).
  deployed_stack_setup blue v2 v1
  stub_health_answer 'HTTP/2 200\r\ncontent-type: application/json\r\nx-protostar-backend: green v2\r\n\r\n'
  export PROTOSTAR_PROGRESS_INTERVAL=1
}

@test "redeploy backend: the image blue runs starts on green and takes the traffic; a rollback still goes to v1" {
  run protostar redeploy backend --drain 0
  assert_status 0
  assert_output_contains "starting backend-green with protostar/backend:v2"
  assert_output_line_matches "^Deployed protostar/backend:v2 on green \(was protostar/backend:v2 on blue\) in [0-9.]+s$"
  assert_call_line "$(compose_prefix) up --detach --no-deps --wait --wait-timeout 300 backend-green"
  grep -qx 'ACTIVE_COLOR=green' "$STATE_DIR_T/state.env"
  grep -qx 'BACKEND_GREEN_IMAGE=protostar/backend:v2' "$STATE_DIR_T/state.env"
  grep -qx 'BACKEND_BLUE_IMAGE=protostar/backend:v1' "$STATE_DIR_T/state.env" || fail "$(cat "$STATE_DIR_T/state.env")"
  # no warm window: blue runs with the settings from before, which a rollback would not bring back
  assert_call_line "$(compose_prefix) stop backend-blue"
  refute_called "setsid"
  grep -qE "action=redeploy service=backend .*from=protostar/backend:v2 to=protostar/backend:v2 color=blue->green result=ok" "$STATE_DIR_T/audit.log" ||
    fail "$(cat "$STATE_DIR_T/audit.log")"
}

@test "redeploy ai-worker: a new worker with the image it runs, the previous image kept for rollback" {
  write_state_file "IMAGE_SOURCE=offline" "ACTIVE_COLOR=blue" "BACKEND_BLUE_IMAGE=protostar/backend:v2" \
    "BACKEND_GREEN_IMAGE=protostar/backend:v1" "AI_WORKER_IMAGE=protostar/ai-worker:v2" "AI_WORKER_PREVIOUS_IMAGE=protostar/ai-worker:v1"
  stub_workers id-ai-worker-old
  run protostar redeploy ai-worker --grace 5
  assert_status 0
  assert_output_contains "Deployed protostar/ai-worker:v2 as ai-worker"
  grep -qx 'AI_WORKER_IMAGE=protostar/ai-worker:v2' "$STATE_DIR_T/state.env"
  grep -qx 'AI_WORKER_PREVIOUS_IMAGE=protostar/ai-worker:v1' "$STATE_DIR_T/state.env" || fail "$(cat "$STATE_DIR_T/state.env")"
  assert_call_line "docker stop --time 5 id-ai-worker-old"
}

@test "redeploy: a wrong service, a missing one or an option of the other service is refused before any change" {
  run protostar redeploy
  assert_status 1
  assert_output_contains "usage: protostar redeploy backend|ai-worker"
  run protostar redeploy backnd
  assert_status 1
  assert_output_contains "unknown action 'backnd' (did you mean 'backend'?)"
  run protostar redeploy ai-worker --keep-warm
  assert_status 1
  assert_output_contains "--keep-warm is not an option of 'redeploy ai-worker'"
  run protostar redeploy backend --canary 50,100
  assert_status 1
  assert_output_contains "--canary is not an option of 'redeploy backend'"
  assert_no_calls
  assert_state_unchanged
}
