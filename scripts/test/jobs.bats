#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031 # stub settings are exported per test
# protostar jobs

load test_helper

# A docker stub for redis-cli in the redis container: `docker ps` finds id-redis (unless
# STUB_REDIS_DOWN), and `docker exec id-redis redis-cli EVAL <script> ...` prints
# $STUB_REPLY_<NAME> (printf %b), NAME being the script's name from its first line
# ("-- protostar-queue v1: dlq-list" -> STUB_REPLY_DLQ_LIST). The call is logged with
# the script's name in place of its text. Successive purge calls print the words of
# STUB_REPLY_PURGE in turn (the last repeats).
make_redis_stub() {
  cat >"$STUB_BIN/docker" <<'STUB'
#!/usr/bin/env bash
case "$1" in
  ps)
    printf '%s\n' "docker $*" >>"$STUB_LOG"
    [[ -n "${STUB_REDIS_DOWN:-}" ]] || echo id-redis
    ;;
  exec)
    if [[ "$4" == EVAL ]]; then
      name=$(head -n 1 <<<"$5" | sed -n 's/^-- protostar-queue v1: \([a-z-]*\).*/\1/p')
      printf '%s\n' "docker exec $2 $3 EVAL $name ${*:6}" >>"$STUB_LOG"
      if [[ "$name" == purge ]]; then
        n=$(($(cat "$STUB_LOG.purge" 2>/dev/null || echo 0) + 1))
        echo "$n" >"$STUB_LOG.purge"
        read -ra replies <<<"$STUB_REPLY_PURGE"
        echo "${replies[$((n <= ${#replies[@]} ? n - 1 : ${#replies[@]} - 1))]}"
        exit 0
      fi
      var="STUB_REPLY_$(tr 'a-z-' 'A-Z_' <<<"$name")"
      printf '%b' "${!var:-}"
    else
      printf '%s\n' "docker $*" >>"$STUB_LOG"
      [[ "$*" == *ZCARD* ]] && echo "${STUB_DEAD_COUNT:-0}"
    fi
    ;;
  *) printf '%s\n' "docker $*" >>"$STUB_LOG" ;;
esac
exit 0
STUB
  chmod +x "$STUB_BIN/docker"
}

setup() {
  protostar_setup
  write_env
  make_redis_stub
}

@test "jobs --help shows the usage, and the command is listed" {
  run protostar jobs --help
  assert_status 0
  assert_output_contains "Usage: protostar jobs stats"
  assert_output_contains "protostar jobs dlq replay <job-id>"
  run protostar help
  assert_output_contains "jobs         Job queue figures and its dead letters"
  assert_no_calls
}

@test "jobs stats prints depth, the oldest job's age, sets and totals" {
  export STUB_REPLY_STATS='waiting:chat\n3\noldest-age-ms:chat\n12345\nwaiting:ingestion\n0\noldest-age-ms:ingestion\n-1\nactive\n2\ndelayed\n1\ndead\n4\ntotal:enqueued\n100\ntotal:completed\n90\ntotal:retried\n7\ntotal:dead\n4\ntotal:recovered\n1\ntotal:replayed\n0\n'
  run protostar jobs stats
  assert_status 0
  assert_output_line_matches '^  waiting +chat +3   oldest waits for 12\.3s$'
  assert_output_line_matches '^  waiting +ingestion +0$'
  assert_output_line_matches '^  active +2$'
  assert_output_line_matches '^  delayed +1$'
  assert_output_line_matches '^  dead +4$'
  assert_output_contains "Totals: enqueued 100, completed 90, retried 7, dead-lettered 4, recovered 1, replayed 0"
  assert_call_line "docker ps --quiet --no-trunc --filter label=com.docker.compose.project=ptest --filter label=com.docker.compose.service=redis --filter status=running"
  assert_call_line "docker exec id-redis redis-cli EVAL stats 0 protostar:jobs: chat ingestion"
}

@test "jobs stats runs the worker's own script text" {
  cat >"$STUB_BIN/docker" <<'STUB'
#!/usr/bin/env bash
[[ "$1" == ps ]] && { echo id-redis; exit 0; }
printf '%s' "$5" >"$STUB_LOG.script"
printf 'active\n0\n'
STUB
  run protostar jobs stats
  assert_status 0
  # The script text as an argument: the file without its final newline.
  diff <(cat "$STUB_LOG.script" && echo) "$PROTOSTAR_REPO/ai-worker/contract/src/main/resources/queue/stats.lua"
}

@test "jobs refuses when redis does not run" {
  export STUB_REDIS_DOWN=1
  run protostar jobs stats
  assert_status 1
  assert_output_contains "redis is not running (protostar status; protostar up)"
  refute_called "docker exec"
}

@test "jobs stats aborts on a Redis error reply" {
  export STUB_REPLY_STATS='NOSCRIPT something odd\n'
  run protostar jobs stats
  assert_status 1
  assert_output_contains "protostar: redis: NOSCRIPT something odd"
}

@test "dlq list prints the newest dead jobs with their last error" {
  export STUB_REPLY_DLQ_LIST='3\nj-2\ningestion\n5\n5\n1796000000000\nIOException: timed out\nj-1\nchat\n1\n5\n1795000000000\nNonRetryableJobException: no handler\n'
  run protostar jobs dlq list --limit 2
  assert_status 0
  assert_output_line_matches '^ID +TYPE +ATTEMPTS +FAILED +LAST ERROR$'
  assert_output_line_matches '^j-2 +ingestion +5/5 +2026-11-30T00:53:20Z IOException: timed out$'
  assert_output_line_matches '^j-1 +chat +1/5 +2026-11-18T11:06:40Z NonRetryableJobException: no handler$'
  assert_output_contains "3 dead jobs, the 2 newest shown (--limit)."
  assert_call_line "docker exec id-redis redis-cli EVAL dlq-list 0 protostar:jobs: 2"
}

@test "dlq list says when the store is empty, and checks --limit" {
  export STUB_REPLY_DLQ_LIST='0\n'
  run protostar jobs dlq list
  assert_status 0
  assert_output_contains "The dead-letter store is empty."
  assert_call_line "docker exec id-redis redis-cli EVAL dlq-list 0 protostar:jobs: 20"
  run protostar jobs dlq list --limit 0
  assert_status 1
  assert_output_contains "--limit needs a number from 1 to 9999"
  run protostar jobs dlq list --verbose
  assert_status 1
  assert_output_contains "unknown option '--verbose' (see: protostar jobs --help)"
}

@test "dlq replay moves a dead job back, atomically in one script" {
  export STUB_REPLY_REPLAY='1\n'
  run protostar jobs dlq replay 7f1c2a9e-0b1d-4c55-9a57-2c4f3f1e8d10
  assert_status 0
  assert_output_contains "Replayed 7f1c2a9e-0b1d-4c55-9a57-2c4f3f1e8d10: it waits in the queue again"
  assert_call_line "docker exec id-redis redis-cli EVAL replay 0 protostar:jobs: 7f1c2a9e-0b1d-4c55-9a57-2c4f3f1e8d10"
}

@test "dlq replay of an id that is not dead fails" {
  export STUB_REPLY_REPLAY='0\n'
  run protostar jobs dlq replay job-1
  assert_status 1
  assert_output_contains "job-1 is not in the dead-letter store (see: protostar jobs dlq list)"
}

@test "dlq replay validates the id strictly before touching anything" {
  local id
  for id in 'a b' '-rf' 'x;rm' '*' "\$(id)" "$(printf 'a%.0s' {1..129})" ''; do
    run protostar jobs dlq replay "$id"
    assert_status 1
    assert_output_contains "is not a job id"
  done
  run protostar jobs dlq replay
  assert_status 1
  assert_output_contains "which job?"
  run protostar jobs dlq replay a b
  assert_status 1
  assert_output_contains "unknown option 'b'"
  assert_no_calls
}

@test "dlq purge without --yes and without a terminal deletes nothing" {
  export STUB_DEAD_COUNT=12 STUB_REPLY_PURGE="12 0"
  run protostar jobs dlq purge </dev/null
  assert_status 1
  assert_output_contains "purging deletes 12 dead jobs for good: pass --yes to confirm"
  refute_called "EVAL purge"
}

@test "dlq purge --yes deletes in bounded batches until none is left" {
  export STUB_DEAD_COUNT=1200 STUB_REPLY_PURGE="500 500 200 0"
  run protostar jobs dlq purge --yes
  assert_status 0
  assert_output_contains "Purged 1200 dead jobs."
  [[ $(grep -c "EVAL purge 0 protostar:jobs: 500" "$STUB_LOG") -eq 4 ]] || fail "expected 4 purge calls" "$(cat "$STUB_LOG")"
}

@test "dlq purge of an empty store does nothing" {
  export STUB_DEAD_COUNT=0
  run protostar jobs dlq purge --yes
  assert_status 0
  assert_output_contains "The dead-letter store is empty."
  refute_called "EVAL purge"
}

@test "jobs rejects unknown commands with a hint" {
  run protostar jobs
  assert_status 1
  assert_output_contains "which one? stats, dlq list, dlq replay <id>, dlq purge"
  run protostar jobs start
  assert_status 1
  assert_output_contains "unknown jobs command 'start' (see: protostar jobs --help)"
  run protostar jobs dlq drop
  assert_status 1
  assert_output_contains "unknown dlq command 'drop'"
  run protostar jobs stats --json
  assert_status 1
  assert_output_contains "unknown option '--json'"
  assert_no_calls
}
