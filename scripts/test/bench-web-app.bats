#!/usr/bin/env bats
# scripts/bench/web-app: what it checks before it starts a browser (the benchmark itself
# runs only by hand, against a running stack).

load test_helper

WEB_APP="$PROTOSTAR_REPO/scripts/bench/web-app"

@test "--help prints its usage" {
  run "$WEB_APP" --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage: scripts/bench/web-app --url https://localhost:PORT [--questions N]"* ]]
  [ ! -s "$STUB_LOG" ]
}

@test "the stack's URL is required and must be http(s)" {
  run "$WEB_APP"
  [ "$status" -eq 1 ]
  [[ "$output" == *"--url is required"* ]]
  run "$WEB_APP" --url localhost:8443
  [ "$status" -eq 1 ]
  [[ "$output" == *"--url needs http(s)://host:port"* ]]
  [ ! -s "$STUB_LOG" ]
}

@test "an unknown option and a bad count are named" {
  run "$WEB_APP" --fast
  [ "$status" -eq 1 ]
  [[ "$output" == *"unknown option '--fast' (see: scripts/bench/web-app --help)"* ]]
  run "$WEB_APP" --url https://localhost:1 --questions 0
  [ "$status" -eq 1 ]
  [[ "$output" == *"--questions needs a positive number"* ]]
  [ ! -s "$STUB_LOG" ]
}
