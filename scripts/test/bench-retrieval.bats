#!/usr/bin/env bats
# scripts/bench/retrieval and scripts/bench/retrieval-quality: what they check before
# they build or start anything (the benchmarks themselves run only by hand).

load test_helper

RETRIEVAL="$PROTOSTAR_REPO/scripts/bench/retrieval"
QUALITY="$PROTOSTAR_REPO/scripts/bench/retrieval-quality"

@test "retrieval --help prints its usage and goals" {
  run "$RETRIEVAL" --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage: scripts/bench/retrieval [--chunks N] [--bases N] [--queries N]"* ]]
  [[ "$output" == *"Goals: hybrid p99 < 20 ms with kNN recall@10 >= 0.95"* ]]
  [[ "$output" == *"figures as JSON"* ]]
  [ ! -s "$STUB_LOG" ]
}

@test "retrieval-quality --help prints its usage" {
  run "$QUALITY" -h
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage: scripts/bench/retrieval-quality [--chunk-size N] [--chunk-overlap N]"* ]]
  [ ! -s "$STUB_LOG" ]
}

@test "an unknown option is named with a hint" {
  run "$RETRIEVAL" --fast
  [ "$status" -eq 1 ]
  [[ "$output" == *"unknown option '--fast' (see: scripts/bench/retrieval --help)"* ]]
  run "$QUALITY" --chunks 5
  [ "$status" -eq 1 ]
  [[ "$output" == *"unknown option '--chunks' (see: scripts/bench/retrieval-quality --help)"* ]]
  [ ! -s "$STUB_LOG" ]
}

@test "counts must be numbers in range" {
  run "$RETRIEVAL" --chunks
  [ "$status" -eq 1 ]
  [[ "$output" == *"--chunks needs a positive number"* ]]
  run "$RETRIEVAL" --queries 0
  [[ "$output" == *"--queries needs a positive number"* ]]
  run "$RETRIEVAL" --chunks 99
  [[ "$output" == *"--chunks must be at least 100"* ]]
  run "$QUALITY" --chunk-size abc
  [[ "$output" == *"--chunk-size needs a number"* ]]
  run "$QUALITY" --chunk-size 40
  [[ "$output" == *"--chunk-size must be at least 50"* ]]
  run "$QUALITY" --chunk-size 300 --chunk-overlap 300
  [ "$status" -eq 1 ]
  [[ "$output" == *"--chunk-overlap must be smaller than --chunk-size"* ]]
  [ ! -s "$STUB_LOG" ]
}

@test "a missing PostgreSQL image stops it before anything is built" {
  stub_missing_images protostar/postgres:17-pgvector0.8
  run "$RETRIEVAL" --chunks 1000
  [ "$status" -eq 1 ]
  [[ "$output" == *"protostar/postgres:17-pgvector0.8 is missing: scripts/protostar images build --offline"* ]]
  run "$QUALITY"
  [ "$status" -eq 1 ]
  [[ "$output" == *"protostar/postgres:17-pgvector0.8 is missing"* ]]
  run grep -q "docker run" "$STUB_LOG"
  [ "$status" -ne 0 ]
}
