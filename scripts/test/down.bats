#!/usr/bin/env bats
# shellcheck disable=SC2016 # code for lib_run is single-quoted
# protostar down

load test_helper

@test "down stops the stack, keeps volumes" {
  write_env
  run protostar down
  assert_status 0
  assert_call_line "$(every_profile_prefix) down --remove-orphans --timeout 60"
  [[ $(wc -l <"$STUB_LOG") -eq 1 ]] || fail "expected exactly one docker call" "$(cat "$STUB_LOG")"
}

@test "down --volumes without --yes refuses and never calls docker" {
  write_env
  run protostar down --volumes
  assert_status 1
  assert_output_contains "--volumes deletes all data"
  assert_output_contains "add --yes"
  assert_no_calls
}

@test "down --volumes --yes (either order) removes the volumes" {
  write_env
  run protostar down --yes --volumes
  assert_status 0
  assert_call_line "$(every_profile_prefix) down --remove-orphans --timeout 60 --volumes"
}

@test "down --yes alone keeps the volumes" {
  write_env
  run protostar down --yes
  assert_status 0
  assert_call_line "$(every_profile_prefix) down --remove-orphans --timeout 60"
  refute_called "--volumes"
}

@test "down reaches the embedded object store after documents moved to another S3" {
  write_env "S3_ENDPOINT=https://s3.ops.corp.internal:8443"
  run protostar down --yes --volumes
  assert_status 0
  # the profile is on although S3_ENDPOINT is set: its container, network and volume go too
  assert_call_line "$(every_profile_prefix) down --remove-orphans --timeout 60 --volumes"
}

@test "down uses the project name from .env" {
  write_env "COMPOSE_PROJECT_NAME=other-site"
  run protostar down
  assert_status 0
  assert_call_line "$(every_profile_prefix other-site) down --remove-orphans --timeout 60"
}

@test "down without .env fails and does not create it" {
  run protostar down
  assert_status 1
  assert_output_contains "not found: run 'protostar up'"
  [[ ! -e "$ENV_FILE" ]] || fail "down created $ENV_FILE"
  assert_no_calls
}

@test "down with an invalid .env stops nothing" {
  write_env "HTTPS_PORT=abc"
  run protostar down
  assert_status 1
  assert_output_contains "HTTPS_PORT=abc is malformed"
  assert_no_calls
}

@test "down rejects an unknown option before calling docker" {
  write_env
  run protostar down --force
  assert_status 1
  assert_output_contains "unknown option '--force' (see: protostar down --help)"
  assert_no_calls
}

@test "a failing compose down fails the command" {
  write_env
  stub_output docker '*' '' 3
  run protostar down
  assert_status 3
  assert_called " down --remove-orphans"
}
