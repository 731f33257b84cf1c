# shellcheck shell=bash
# A benchmark's figures as JSON beside its text results, so that runs can be compared
# over time and the README's tables rendered from them (scripts/bench/report). Sourced
# after scripts/lib/common.sh.
#
#   figures_start RESULTS_TXT   figures go to RESULTS.json when finished; sets and exports
#                               BENCH_FIGURES, a file of "key<TAB>value" lines that a
#                               benchmark's own program (Java, Node) may append to as well
#   figure KEY VALUE            records one figure; a later value of a key replaces it
#   figure_value KEY            prints a figure recorded so far (the last value), "-" if none
#   figures_finish SUMMARY      writes RESULTS.json (keys sorted; integers and decimals as
#                               numbers, "-" or "" as null, true/false as booleans) and
#                               prints "results: ..." and, last, "summary: SUMMARY"
#
# Keys are stable names, lower case, dots between parts: run.* for the conditions (time,
# options), goal.* for what the goals are judged by, the rest by phase (queue.jobs_s).

figures_start() {
  BENCH_RESULTS=$1
  BENCH_FIGURES="${BENCH_RESULTS%.txt}.figures"
  : >"$BENCH_FIGURES"
  export BENCH_FIGURES
  local stamp=${BENCH_RESULTS##*-}
  figure run.time "${stamp%.txt}"
  figure run.commit "$(git -C "$PROTOSTAR_ROOT" rev-parse --short HEAD 2>/dev/null || echo -)"
  figure run.load_average "$(cut -d ' ' -f 1 /proc/loadavg)"
  figure run.cores "$(nproc)"
}

figure() {
  [[ "$1" =~ ^[a-z0-9_]+(\.[a-z0-9_-]+)*$ ]] || abort "figure: '$1' is not a key (lower case, dots between parts)"
  printf '%s\t%s\n' "$1" "$2" >>"$BENCH_FIGURES"
}

figure_value() {
  awk -F '\t' -v key="$1" '$1 == key { value = $2 } END { print (value == "" ? "-" : value) }' "$BENCH_FIGURES"
}

figures_finish() {
  local json="${BENCH_RESULTS%.txt}.json"
  python3 -c '
import json, re, sys
figures = {}
for line in open(sys.argv[1], encoding="utf-8"):
    key, _, value = line.rstrip("\n").partition("\t")
    if key.endswith(".commit"):
        pass
    elif re.fullmatch(r"-?[0-9]+", value):
        value = int(value)
    elif re.fullmatch(r"-?[0-9]*\.[0-9]+", value):
        value = float(value)
    else:
        value = {"-": None, "": None, "true": True, "false": False}.get(value, value)
    figures[key] = value
json.dump(dict(sorted(figures.items())), sys.stdout, indent=1, ensure_ascii=False)
print()' "$BENCH_FIGURES" >"$json"
  rm -f "$BENCH_FIGURES"
  echo "results: $BENCH_RESULTS, $json"
  echo "summary: $1"
}
