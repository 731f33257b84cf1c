#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2030,SC2031 # code for lib_run is single-quoted; stub settings are exported per test
# protostar logs

load test_helper

@test "logs backend maps to the active colour from the state" {
  write_env
  write_state_file "ACTIVE_COLOR=green"
  run protostar logs backend
  assert_status 0
  assert_call_line "$(compose_prefix) logs --timestamps backend-green"
}

@test "logs backend without a state means blue" {
  write_env
  run protostar logs backend
  assert_status 0
  assert_call_line "$(compose_prefix) logs --timestamps backend-blue"
}

@test "logs without a service shows all, with --follow and --tail passed on" {
  write_env
  run protostar logs -f --tail 100
  assert_status 0
  assert_call_line "$(compose_prefix) logs --timestamps --follow --tail 100"
}

@test "logs passes several services in order" {
  write_env
  write_state_file "ACTIVE_COLOR=blue"
  run protostar logs nginx backend ai-worker postgres redis backend-green
  assert_status 0
  assert_call_line "$(compose_prefix) logs --timestamps nginx backend-blue ai-worker postgres redis backend-green"
}

@test "an unknown service exits 1 listing the valid ones, without calling docker" {
  write_env
  run protostar logs database
  assert_status 1
  assert_output_contains "unknown service 'database'"
  assert_output_contains "one of: nginx backend backend-blue backend-green ai-worker postgres redis object-store"
  assert_no_calls
  run protostar logs ngnix
  assert_status 1
  assert_output_contains "unknown service 'ngnix'; did you mean 'nginx'?"
  assert_no_calls
}

@test "logs object-store shows the embedded object store; with S3_ENDPOINT it is refused" {
  write_env "S3_ENDPOINT=https://s3.example.org:8443"
  run protostar logs object-store
  assert_status 1
  assert_output_contains "object-store is not part of this stack: documents go to S3_ENDPOINT"
  assert_no_calls
  write_env
  run protostar logs object-store
  assert_status 0
  assert_call_line "$(compose_prefix) logs --timestamps object-store"
}

@test "--tail needs a number" {
  write_env
  run protostar logs --tail many
  assert_status 1
  assert_output_contains "--tail needs a number of lines"
  run protostar logs --tail
  assert_status 1
  assert_output_contains "--tail needs a number of lines"
  assert_no_calls
}

@test "an unknown option is rejected with the --help hint" {
  write_env
  run protostar logs --since 1h
  assert_status 1
  assert_output_contains "unknown option '--since' (see: protostar logs --help)"
  assert_no_calls
}
