#!/usr/bin/env bats
# shellcheck disable=SC2016 # stub bodies are single-quoted: the stub expands them
# protostar jobs

load test_helper

# The stack's redis runs; its dead-letter store is empty. `redis-cli EVAL <script's text>`
# is logged with the script's name in place of its text ("... EVAL stats 0 ...").
setup() {
  protostar_setup
  write_env
  stub_running redis
  stub_output docker 'exec id-redis redis-cli ZCARD *' '0\n'
  stub_tap docker 'exec id-redis redis-cli EVAL *' \
    'relog "docker exec $2 $3 EVAL $(sed -n "1s/^-- protostar-queue v1: \([a-z-]*\).*/\1/p" <<<"$5") ${*:6}"'
}

# redis_replies SCRIPT BODY — what the worker's SCRIPT.lua run by `redis-cli EVAL` does.
redis_replies() { stub docker "exec id-redis redis-cli EVAL -- protostar-queue v1: $1*" "$2"; }

# redis_reply SCRIPT TEXT — what SCRIPT.lua answers (printf %b).
redis_reply() { stub_output docker "exec id-redis redis-cli EVAL -- protostar-queue v1: $1*" "$2"; }

# dead_purged_in COUNT... — successive purge.lua calls delete COUNT each (the last repeats).
dead_purged_in() {
  local count
  local -a bodies=()
  for count in "$@"; do bodies+=("echo $count"); done
  redis_replies purge "$(each_call "${bodies[@]}")"
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
  redis_reply stats 'waiting:chat\n3\noldest-age-ms:chat\n12345\nwaiting:ingestion\n0\noldest-age-ms:ingestion\n-1\nactive\n2\ndelayed\n1\ndead\n4\ntotal:enqueued\n100\ntotal:completed\n90\ntotal:retried\n7\ntotal:dead\n4\ntotal:recovered\n1\ntotal:replayed\n0\n'
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
  redis_replies stats 'printf "%s" "$5" >"$STUB_LOG.script"; printf "active\n0\n"'
  run protostar jobs stats
  assert_status 0
  # The script text as an argument: the file without its final newline.
  diff <(cat "$STUB_LOG.script" && echo) "$PROTOSTAR_REPO/ai-worker/contract/src/main/resources/queue/stats.lua"
}

@test "jobs refuses when redis does not run" {
  stub_running
  run protostar jobs stats
  assert_status 1
  assert_output_contains "redis is not running (protostar status; protostar up)"
  refute_called "docker exec"
}

@test "jobs stats aborts on a Redis error reply" {
  redis_reply stats 'NOSCRIPT something odd\n'
  run protostar jobs stats
  assert_status 1
  assert_output_contains "protostar: redis: NOSCRIPT something odd"
}

@test "dlq list prints the newest dead jobs with their last error" {
  redis_reply dlq-list '3\nj-2\ningestion\n5\n5\n1796000000000\nIOException: timed out\nj-1\nchat\n1\n5\n1795000000000\nNonRetryableJobException: no handler\n'
  run protostar jobs dlq list --limit 2
  assert_status 0
  assert_output_line_matches '^ID +TYPE +ATTEMPTS +FAILED +LAST ERROR$'
  assert_output_line_matches '^j-2 +ingestion +5/5 +2026-11-30T00:53:20Z IOException: timed out$'
  assert_output_line_matches '^j-1 +chat +1/5 +2026-11-18T11:06:40Z NonRetryableJobException: no handler$'
  assert_output_contains "3 dead jobs, the 2 newest shown (--limit)."
  assert_call_line "docker exec id-redis redis-cli EVAL dlq-list 0 protostar:jobs: 2"
}

@test "dlq list says when the store is empty, and checks --limit" {
  redis_reply dlq-list '0\n'
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
  redis_reply replay '1\n'
  run protostar jobs dlq replay 7f1c2a9e-0b1d-4c55-9a57-2c4f3f1e8d10
  assert_status 0
  assert_output_contains "Replayed 7f1c2a9e-0b1d-4c55-9a57-2c4f3f1e8d10: it waits in the queue again"
  assert_call_line "docker exec id-redis redis-cli EVAL replay 0 protostar:jobs: 7f1c2a9e-0b1d-4c55-9a57-2c4f3f1e8d10"
}

@test "dlq replay of an id that is not dead fails" {
  redis_reply replay '0\n'
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
  stub_output docker 'exec id-redis redis-cli ZCARD *' '12\n'
  dead_purged_in 12 0
  run protostar jobs dlq purge </dev/null
  assert_status 1
  assert_output_contains "purging deletes 12 dead jobs for good: pass --yes to confirm"
  refute_called "EVAL purge"
}

@test "dlq purge --yes deletes in bounded batches until none is left" {
  stub_output docker 'exec id-redis redis-cli ZCARD *' '1200\n'
  dead_purged_in 500 500 200 0
  run protostar jobs dlq purge --yes
  assert_status 0
  assert_output_contains "Purged 1200 dead jobs."
  [[ $(grep -c "EVAL purge 0 protostar:jobs: 500" "$STUB_LOG") -eq 4 ]] || fail "expected 4 purge calls" "$(cat "$STUB_LOG")"
}

@test "dlq purge of an empty store does nothing" {
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
  assert_output_contains "unknown action 'start': stats dlq (see: protostar jobs --help)"
  run protostar jobs dlq drop
  assert_status 1
  assert_output_contains "unknown action 'drop': list replay purge"
  run protostar jobs stats --json
  assert_status 1
  assert_output_contains "unknown option '--json'"
  assert_no_calls
}
