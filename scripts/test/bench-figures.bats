#!/usr/bin/env bats
# scripts/bench/lib/figures.sh: a benchmark's figures, written by the script or by its
# own program, read back for the summary and finished as JSON.

load test_helper

setup() {
  protostar_setup
  PROTOSTAR_ROOT=$PROTOSTAR_REPO
  source "$PROTOSTAR_REPO/scripts/lib/common.sh"
  source "$PROTOSTAR_REPO/scripts/bench/lib/figures.sh"
}

@test "a figure appended by the benchmark's program is read back, its last value, '-' if none" {
  figures_start "$TEST_ROOT/bench-20261207T120000Z.txt"
  figure hybrid.p99_ms 21.5
  printf 'hybrid.p99_ms\t15.3\nknn.ef400.recall_at_10\t0.977\n' >>"$BENCH_FIGURES"
  [ "$(figure_value hybrid.p99_ms)" = 15.3 ]
  [ "$(figure_value knn.ef400.recall_at_10)" = 0.977 ]
  [ "$(figure_value hybrid)" = - ]
  [ "$(figure_value no.such_key)" = - ]
  run figures_finish "hybrid p99 $(figure_value hybrid.p99_ms) ms"
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = "summary: hybrid p99 15.3 ms" ]
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["hybrid.p99_ms"] == 15.3, d' \
    "$TEST_ROOT/bench-20261207T120000Z.json"
}
