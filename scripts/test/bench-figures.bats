#!/usr/bin/env bats
# scripts/bench/lib/figures.sh (every benchmark's JSON) and scripts/bench/report (the
# README's tables rendered from that JSON).

load test_helper

REPORT="$PROTOSTAR_REPO/scripts/bench/report"

# run_json NAME KEY=VALUE... — a results file of those figures, as a benchmark writes it.
run_json() {
  local name=$1 pair
  shift
  (
    PROTOSTAR_ROOT=$PROTOSTAR_REPO
    source "$PROTOSTAR_REPO/scripts/lib/common.sh"
    source "$PROTOSTAR_REPO/scripts/bench/lib/figures.sh"
    figures_start "$TEST_ROOT/$name.txt"
    for pair in "$@"; do figure "${pair%%=*}" "${pair#*=}"; done
    figures_finish "done"
  ) >/dev/null
}

@test "figures are written as JSON with their types, and the summary is the last line" {
  run bash -c "PROTOSTAR_ROOT='$PROTOSTAR_REPO'; source '$PROTOSTAR_REPO/scripts/lib/common.sh'
    source '$PROTOSTAR_REPO/scripts/bench/lib/figures.sh'
    figures_start '$TEST_ROOT/queue-20261207T000000Z.txt'
    figure queue.jobs_s 4100; figure queue.p99_ms 2.75; figure queue.p99_ms 3.5; figure goal.met true
    figure bullmq.version 5.1.0; figure lexical.p50_ms -
    printf 'java.figure\t.25\n' >>\"\$BENCH_FIGURES\"
    figures_finish 'jobs/s' \"\$(figure_value queue.jobs_s)\""
  [ "$status" -eq 0 ]
  [ "${lines[-1]}" = "summary: jobs/s 4100" ]
  json="$TEST_ROOT/queue-20261207T000000Z.json"
  [ "$(jq -c '[."queue.jobs_s", ."queue.p99_ms", ."goal.met", ."bullmq.version", ."lexical.p50_ms", ."java.figure"]' "$json")" = '[4100,3.5,true,"5.1.0",null,0.25]' ]
  [ "$(jq -r '."run.time"' "$json")" = 20261207T000000Z ]
  [ "$(jq -r '."run.cores" | type' "$json")" = number ]
  [ ! -e "$TEST_ROOT/queue-20261207T000000Z.figures" ]
}

@test "a key that is not lower case with dots is refused" {
  run bash -c "PROTOSTAR_ROOT='$PROTOSTAR_REPO'; source '$PROTOSTAR_REPO/scripts/lib/common.sh'
    source '$PROTOSTAR_REPO/scripts/bench/lib/figures.sh'
    figures_start '$TEST_ROOT/x.txt'; figure 'Jobs per second' 1"
  [ "$status" -eq 1 ]
  [[ "$output" == *"figure: 'Jobs per second' is not a key"* ]]
}

@test "docker's memory sizes are read in MiB" {
  run bash -c "source '$PROTOSTAR_REPO/scripts/bench/lib/figures.sh'; for s in 512KiB 312.5MiB 1.5GiB 20MB 3x; do memory_mib \$s; done"
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf '%s\n' 0.5 312.5 1536.0 19.1 -)" ]
}

@test "report: a row per figure, a column per run, the worst of the runs" {
  run_json q-1 queue.jobs_s=4100 queue.p99_ms=2.5 goal.met=true
  run_json q-2 queue.jobs_s=3900 queue.p99_ms=4.25 goal.met=false
  run "$REPORT" --keys 'jobs_s,p99,goal' --label 'queue.jobs_s=jobs/s' "$TEST_ROOT/q-1.json" "$TEST_ROOT/q-2.json"
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "| figure | "*" | worst |" ]]
  [ "${lines[2]}" = "| jobs/s | 4,100 | 3,900 | **3,900** |" ]
  [ "${lines[3]}" = "| queue.p99_ms | 2.50 | 4.25 | **4.25** |" ]
  [ "${lines[4]}" = "| goal.met | yes | no | **no** |" ]
}

@test "report --check fails on a retyped table and passes once --update rendered it" {
  run_json r-1 hybrid.p99_ms=18.5
  printf '%s\n' '# Figures' '<!-- report: --keys hybrid r-1.json -->' '| figure | r-1 |' '|---|---|' \
    '| hybrid.p99_ms | 12.0 |' '<!-- /report -->' 'after' >"$TEST_ROOT/README.md"
  run "$REPORT" --check "$TEST_ROOT/README.md"
  [ "$status" -eq 1 ]
  [[ "$output" == *"a table in $TEST_ROOT/README.md differs from its figures"* ]]
  run "$REPORT" --update "$TEST_ROOT/README.md"
  [ "$status" -eq 0 ]
  grep -qx '| hybrid.p99_ms | 18.50 |' "$TEST_ROOT/README.md"
  [ "$(tail -n 1 "$TEST_ROOT/README.md")" = after ]
  run "$REPORT" --check "$TEST_ROOT/README.md"
  [ "$status" -eq 0 ]
}

@test "report names a missing results file and a pattern that matches nothing" {
  run "$REPORT" "$TEST_ROOT/none.json"
  [ "$status" -eq 1 ]
  [[ "$output" == *"none.json: no such file"* ]]
  run_json s-1 a.b=1
  run "$REPORT" --keys zzz "$TEST_ROOT/s-1.json"
  [ "$status" -eq 1 ]
  [[ "$output" == *"no figure matches --keys zzz"* ]]
}

@test "the benchmarks' README tables are the figures of the runs they name" {
  run "$REPORT" --check "$PROTOSTAR_REPO/scripts/bench/README.md"
  [ "$status" -eq 0 ]
}

@test "every benchmark writes its figures as JSON and prints a summary last" {
  local bench
  for bench in "$PROTOSTAR_REPO"/scripts/bench/*; do
    [[ -f "$bench" && -x "$bench" && "${bench##*/}" != report ]] || continue
    grep -q 'figures_start' "$bench" || { echo "no figures_start in $bench"; return 1; }
    grep -q 'figures_finish' "$bench" || { echo "no figures_finish in $bench"; return 1; }
  done
}

@test "a figure appended by the benchmark's program is read back, its last value, '-' if none" {
  PROTOSTAR_ROOT=$PROTOSTAR_REPO
  source "$PROTOSTAR_REPO/scripts/lib/common.sh"
  source "$PROTOSTAR_REPO/scripts/bench/lib/figures.sh"
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
  [ "$(jq '."hybrid.p99_ms"' "$TEST_ROOT/bench-20261207T120000Z.json")" = 15.3 ]
}
