#!/usr/bin/env bats
# scripts/bench/monitoring: what it checks before it starts anything (the benchmark itself
# runs only by hand), and the cgroup arithmetic of scripts/bench/lib/cgroups.sh.

load test_helper

MONITORING="$PROTOSTAR_REPO/scripts/bench/monitoring"

@test "--help prints its usage" {
  run "$MONITORING" --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"Usage: scripts/bench/monitoring [--quick] [--idle SECONDS] [--load SECONDS] [--streams N] [--rate N] [--keep]"* ]]
  [[ "$output" == *"EXPORTER_SERVICES in scripts/lib/metrics.sh"* ]]
  [ ! -s "$STUB_LOG" ]
}

@test "an unknown option is named with a hint" {
  run "$MONITORING" --fast
  [ "$status" -eq 1 ]
  [[ "$output" == *"unknown option '--fast' (see: scripts/bench/monitoring --help)"* ]]
  [ ! -s "$STUB_LOG" ]
}

@test "durations and counts must be positive whole numbers" {
  run "$MONITORING" --idle
  [ "$status" -eq 1 ]
  [[ "$output" == *"--idle needs a positive whole number"* ]]
  run "$MONITORING" --load 0
  [[ "$output" == *"--load needs a positive whole number"* ]]
  run "$MONITORING" --streams 1k
  [[ "$output" == *"--streams needs a positive whole number"* ]]
  run "$MONITORING" --quick --rate -1
  [ "$status" -eq 1 ]
  [[ "$output" == *"--rate needs a positive whole number"* ]]
  [ ! -s "$STUB_LOG" ]
}

@test "a phase's CPU is the time used between the first and the last sample; groups add up" {
  source "$PROTOSTAR_REPO/scripts/bench/lib/cgroups.sh"
  # 10 s apart: a used 5 s of CPU (50 % of one core), b 1 s (10 %); memory in bytes.
  printf '%s\n' "100.0 a 0 1048576" "100.0 b 0 2097152" "105.0 a 2000000000 3145728" "105.0 b 500000000 2097152" \
    "110.0 a 5000000000 1048576" "110.0 b 1000000000 2097152" >"$BATS_TEST_TMPDIR/samples"
  printf '%s\n' "a agent" "a stack" "b stack" >"$BATS_TEST_TMPDIR/groups"
  run cgroup_phase "$BATS_TEST_TMPDIR/samples" "$BATS_TEST_TMPDIR/groups"
  [ "$status" -eq 0 ]
  [[ "$output" == *"a 50.00 1.7 3.0 3"* ]]
  [[ "$output" == *"b 10.00 2.0 2.0 3"* ]]
  [[ "$output" == *"=agent 50.00 1.7 3.0 3"* ]]
  # The stack's memory: the per-sample sums 3, 5 and 3 MiB.
  [[ "$output" == *"=stack 60.00 3.7 5.0 3"* ]]
}
