#!/usr/bin/env bats
# protostar retire: the colour kept warm after a deploy stopped, by hand or by the timer
# the deploy left (--when-due), and only while the state still records that window.

load test_helper

setup() {
  # Green serves v2; blue, warm, still runs v1.
  deployed_stack_setup green v1 v2
  stub_running nginx backend-green backend-blue
}

# warm_state UNTIL — blue kept warm until UNTIL (epoch seconds, or never).
warm_state() {
  write_state_file "IMAGE_SOURCE=offline" "ACTIVE_COLOR=green" "BACKEND_BLUE_IMAGE=protostar/backend:v1" \
    "BACKEND_GREEN_IMAGE=protostar/backend:v2" "AI_WORKER_IMAGE=protostar/ai-worker:v1" "WARM_COLOR=blue" "WARM_UNTIL=$1"
}

@test "retire --help prints the usage" {
  run protostar retire --help
  assert_status 0
  assert_output_contains "Usage: protostar retire [--when-due]"
}

@test "retire stops the warm colour now, keeps its container, clears the window and audits it" {
  warm_state $((EPOCHSECONDS + 600))
  run protostar retire
  assert_status 0
  assert_call_line "$(compose_prefix) stop backend-blue"
  refute_called " rm "
  assert_output_contains "Stopped backend-blue (its container is kept: a rollback starts it again)"
  grep -qx 'WARM_COLOR=' "$STATE_DIR_T/state.env"
  grep -qx 'WARM_UNTIL=' "$STATE_DIR_T/state.env"
  grep -qx 'ACTIVE_COLOR=green' "$STATE_DIR_T/state.env"
  grep -qE "action=retire service=backend .*from=protostar/backend:v1 .*result=ok" "$STATE_DIR_T/audit.log" ||
    fail "$(cat "$STATE_DIR_T/audit.log")"
  assert_unlocked
}

@test "retire is refused when no colour is kept warm, or while a deploy holds the lock" {
  run protostar retire
  assert_status 1
  assert_output_contains "no backend colour is kept warm (see: protostar status)"
  warm_state never
  hold_lock
  run protostar retire
  assert_status 1
  assert_output_contains "another deploy is in progress"
  refute_called " stop "
}

@test "retire --when-due has the streams handed over at once, waits for the window's end, then stops the colour" {
  warm_state $((EPOCHSECONDS + 2))
  stub_output docker 'exec id-nginx curl *' '{"handedOver":3}'
  local began=$SECONDS
  run protostar retire --when-due
  assert_status 0
  assert_call_line "docker exec id-nginx curl -sS --fail --max-time 10 -X POST http://backend-blue:8081/actuator/eventstreams"
  assert_output_contains 'backend-blue handed its event streams over: {"handedOver":3}'
  (($(line_of "actuator/eventstreams") < $(line_of " stop backend-blue"))) || fail "handed over after the stop"
  ((SECONDS - began >= 1)) || fail "did not wait for the window's end"
  assert_output_contains "its warm window ended at"
  assert_call_line "$(compose_prefix) stop backend-blue"
  grep -qx 'WARM_UNTIL=' "$STATE_DIR_T/state.env"
}

@test "retire --when-due does nothing when a later change recorded its own window, or the stack is gone" {
  warm_state $((EPOCHSECONDS + 2))
  # a later deploy records another window while the timer sleeps
  (sleep 1 && sed -i "s/^WARM_UNTIL=.*/WARM_UNTIL=$((EPOCHSECONDS + 900))/" "$STATE_DIR_T/state.env") &
  run protostar retire --when-due
  wait
  assert_status 0
  assert_output_contains "a later change recorded its own warm window: nothing to do"
  refute_called " stop "

  warm_state $((EPOCHSECONDS + 1))
  (sleep 0.5 && rm -rf "$STATE_DIR_T") &
  run protostar retire --when-due
  wait
  assert_status 0
  refute_called " stop "
  [[ ! -e "$STATE_DIR_T" ]] || fail "the timer made the state directory again"
}

@test "retire --when-due does nothing without a window that ends, or once blue serves again" {
  warm_state never
  stub_output docker 'exec id-nginx curl *' 'curl: (7) Failed to connect to backend-blue port 8081\n' 7
  run protostar retire --when-due
  assert_status 0
  assert_output_contains "backend-blue did not hand its event streams over (curl: (7) Failed to connect"
  refute_called " stop "
  warm_state $((EPOCHSECONDS - 1))
  sed -i 's/^ACTIVE_COLOR=.*/ACTIVE_COLOR=blue/' "$STATE_DIR_T/state.env"
  run protostar retire --when-due
  assert_status 0
  refute_called " stop "
  run protostar retire --bogus
  assert_status 1
  assert_output_contains "unknown option '--bogus'"
}
