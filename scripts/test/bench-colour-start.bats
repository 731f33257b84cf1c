#!/usr/bin/env bats
# scripts/bench/colour-start: what it checks before it starts anything (the benchmark
# itself runs only by hand).

load test_helper

BENCH="$PROTOSTAR_REPO/scripts/bench/colour-start"

@test "--help prints its usage and what it measures" {
  run "$BENCH" --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage: scripts/bench/colour-start --before IMAGE [--after IMAGE] [--runs N] [--memory SIZE]"* ]]
  [[ "$output" == *"first_request_ms"* ]]
  [ ! -s "$STUB_LOG" ]
}

@test "--before is required; an unknown option is named with a hint" {
  run "$BENCH"
  [ "$status" -eq 1 ]
  [[ "$output" == *"--before IMAGE is needed"* ]]
  run "$BENCH" --before protostar/backend:old --fast
  [ "$status" -eq 1 ]
  [[ "$output" == *"unknown option '--fast' (see: scripts/bench/colour-start --help)"* ]]
  [ ! -s "$STUB_LOG" ]
}

@test "values are checked: an image, a count, a memory size" {
  run "$BENCH" --before --runs 3
  [ "$status" -eq 1 ]
  [[ "$output" == *"--before needs an image"* ]]
  run "$BENCH" --before a:1 --runs 0
  [[ "$output" == *"--runs needs a whole number from 1 to 99"* ]]
  run "$BENCH" --before a:1 --runs many
  [[ "$output" == *"--runs needs a whole number from 1 to 99"* ]]
  run "$BENCH" --before a:1 --memory 3GB
  [[ "$output" == *"--memory needs a size such as 3g or 1536m"* ]]
  [ ! -s "$STUB_LOG" ]
}

@test "a missing image is named before anything starts" {
  stub docker 'image inspect protostar/backend:old' 'exit 1'
  run "$BENCH" --before protostar/backend:old --after protostar/backend:new
  [ "$status" -eq 1 ]
  [[ "$output" == *"no image protostar/backend:old here"* ]]
  [[ $(grep -c "docker \(run\|create\|network\)" "$STUB_LOG") == 0 ]]
}

@test "--after defaults to this checkout's version" {
  stub docker 'image inspect protostar/backend:test-1' 'exit 1'
  run "$BENCH" --before protostar/backend:old
  [ "$status" -eq 1 ]
  [[ "$output" == *"no image protostar/backend:test-1 here"* ]]
}
