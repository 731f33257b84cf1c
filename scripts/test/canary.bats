#!/usr/bin/env bats
# shellcheck disable=SC2016 # code for lib_canary is single-quoted
# protostar deploy --canary: the option checks, the access-log statistics and verdict, and
# whole canary runs against the docker/curl stubs (nginx's log is a file a stub prints).

load test_helper

setup() {
  deployed_stack_setup blue v1 v1
  stub_health_answer 'x-protostar-backend: green v2\r\n'
  # nginx's access log: a file the test writes, printed by `docker logs --since`
  ACCESS_LOG="$TEST_ROOT/access.log"
  : >"$ACCESS_LOG"
  stub docker 'logs --since *' "cat '$ACCESS_LOG'"
  export PROTOSTAR_CANARY_POLL=1
}

lib_canary() {
  PROTOSTAR_ROOT=$PROTOSTAR_REPO bash -c '
    set -Eeuo pipefail
    source "$PROTOSTAR_ROOT/scripts/lib/common.sh"
    source "$PROTOSTAR_ROOT/scripts/lib/config.sh"
    source "$PROTOSTAR_ROOT/scripts/lib/deploy.sh"
    eval "$1"' lib_canary "$1"
}

# log_lines COUNT COLOR STATUS SECONDS — access-log lines as nginx writes them.
log_lines() {
  local i
  for ((i = 0; i < $1; i++)); do
    printf '{"time":"2026-11-22T10:00:00+00:00","remote":"127.0.0.1","method":"GET","uri":"/api/health","status":%s,"bytes":60,"request_time":%s,"upstream":"172.18.0.5:8080","upstream_time":"%s","color":"backend-%s","backend":"%s v2","request_id":"r%s"}\n' \
      "$3" "$4" "$4" "$2" "$2" "$i"
  done
}

assert_include_blue() {
  [[ "$(cat "$STATE_DIR_T/nginx/active-backend.conf")" == "$(include_for blue)" ]] ||
    fail "the include is not blue's:" "$(cat "$STATE_DIR_T/nginx/active-backend.conf")"
}

# --- builders -------------------------------------------------------------------------------

@test "canary_steps: increasing percentages ending at 100; anything else says why" {
  run lib_canary 'canary_steps 10,50,100; canary_steps 100; canary_steps 05,100'
  assert_status 0
  [[ "$output" == $'10 50 100\n100\n5 100' ]] || fail "got: $output"
  local bad
  for bad in "" "10,50" "50,10,100" "10,10,100" "0,100" "10,,100" "ten,100" "10,150" "10, 100"; do
    run lib_canary "canary_steps '$bad'"
    assert_status 1
    [[ "$output" == --canary* ]] || fail "no reason for '$bad': $output"
  done
}

@test "duration_seconds: seconds or minutes" {
  run lib_canary 'duration_seconds 45; duration_seconds 45s; duration_seconds 2m'
  [[ "$output" == $'45\n45\n120' ]] || fail "got: $output"
  run lib_canary 'duration_seconds 1h'
  assert_status 1
  run lib_canary 'duration_seconds -5s'
  assert_status 1
}

@test "active_backend_conf: one colour, or a weighted split of two" {
  run lib_canary 'active_backend_conf green 10 blue'
  [[ "$output" == "$(printf '%s\n' '# Written by protostar; the deploy command rewrites it. Do not edit by hand.' \
    'split_clients "${request_id}" $protostar_backend {' '  10% backend-green;' '  * backend-blue;' '}')" ]] ||
    fail "got: $output"
  run lib_canary 'active_backend_conf green 100 blue'
  [[ "$output" == "$(include_for green)" ]] || fail "100% is not a plain include: $output"
  run lib_canary 'f=$(mktemp); active_backend_conf green 10 blue >"$f"; include_color "$f"'
  [[ "$output" == split ]] || fail "a split read as: $output"
}

@test "canary_window_stats: only the colour's requests, 5xx counted, p95 by rank" {
  {
    local ms
    for ms in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18; do
      log_lines 1 green 200 "0.0$(printf '%02d' "$ms")"
    done
    log_lines 2 green 502 0.019
    log_lines 5 blue 500 9.000
    echo 'an error-log line, not JSON'
  } >"$TEST_ROOT/window.log"
  run lib_canary "canary_window_stats green <'$TEST_ROOT/window.log'"
  assert_status 0
  # 20 requests, ranks 1..20 are 1..18 ms then 19, 19: the 19th is 19 ms
  [[ "$output" == "20 2 19" ]] || fail "got: $output"
  run lib_canary "canary_window_stats blue <'$TEST_ROOT/window.log'"
  [[ "$output" == "5 5 9000" ]] || fail "blue: $output"
  run lib_canary 'canary_window_stats green </dev/null'
  [[ "$output" == "0 0 0" ]] || fail "empty: $output"
  # lines an older nginx config wrote spell the field "colour": read the same way
  sed 's/"color":/"colour":/' "$TEST_ROOT/window.log" >"$TEST_ROOT/colour.log"
  run lib_canary "canary_window_stats green <'$TEST_ROOT/colour.log'"
  [[ "$output" == "20 2 19" ]] || fail "colour: $output"
}

@test "canary_verdict: the error rate, then p95; nothing below --min-requests" {
  run lib_canary 'canary_verdict 100 1 900'
  [[ -z "$output" ]] || fail "1% is within 1%: $output"
  run lib_canary 'canary_verdict 100 2 900'
  [[ "$output" == "5xx rate 2.0% > 1% (2 of 100 requests)" ]] || fail "got: $output"
  run lib_canary 'canary_verdict 100 0 1001'
  [[ "$output" == "p95 1001 ms > 1000 ms (100 requests)" ]] || fail "got: $output"
  run lib_canary 'canary_verdict 19 19 5000'
  [[ -z "$output" ]] || fail "judged below the minimum: $output"
  run lib_canary 'CANARY_MAX_ERROR_RATE=0.5 CANARY_MAX_P95_MS=200 CANARY_MIN_REQUESTS=5; canary_verdict 5 0 201'
  [[ "$output" == "p95 201 ms > 200 ms (5 requests)" ]] || fail "settings ignored: $output"
}

# --- options --------------------------------------------------------------------------------

@test "bad canary options are refused before any docker call" {
  local -a cases=(
    "--canary 50,10,100|--canary steps must increase"
    "--canary 10,50|--canary must end at 100"
    "--canary|--canary takes percentages"
    "--step 0s|--step takes a duration"
    "--step 1h|--step takes a duration"
    "--max-error-rate 101|--max-error-rate takes a percentage between 0 and 100"
    "--max-error-rate lots|--max-error-rate takes a percentage"
    "--max-p95 fast|--max-p95 needs a whole number"
    "--min-requests -1|--min-requests needs a whole number"
  )
  local c
  for c in "${cases[@]}"; do
    # shellcheck disable=SC2086 # the options are split on purpose
    run protostar deploy backend v2 ${c%%|*}
    assert_status 1
    assert_output_contains "${c#*|}"
  done
  assert_no_calls
}

# --- runs -----------------------------------------------------------------------------------

@test "a healthy canary goes 10% then 100%, judged each step, then verifies, records and retires blue" {
  log_lines 30 green 200 0.012 >"$ACCESS_LOG"
  log_lines 30 blue 200 0.010 >>"$ACCESS_LOG"
  run protostar deploy backend v2 --canary 10,100 --step 1s --drain 0 --warm-for 0
  assert_status 0
  assert_output_contains "canary: green takes 10%, 100% of requests, 1s each; abort on 5xx > 1% or p95 > 1000 ms"
  assert_output_contains "10%: 30 requests to green, 0 with 5xx, p95 12 ms"
  assert_output_contains "100%: 30 requests to green, 0 with 5xx, p95 12 ms"
  assert_output_contains "answered by: green v2 (3 requests at once)"
  [[ $(grep -c "nginx -s reload" "$STUB_LOG") -eq 2 ]] || fail "expected a reload per step" "$(cat "$STUB_LOG")"
  assert_called "docker logs --since "
  [[ "$(cat "$STATE_DIR_T/nginx/active-backend.conf")" == "$(include_for green)" ]] || fail "not all on green"
  grep -qx 'ACTIVE_COLOR=green' "$STATE_DIR_T/state.env"
  assert_call_line "$(compose_prefix) stop backend-blue"
  grep -q "action=deploy .* color=blue->green result=ok" "$STATE_DIR_T/audit.log"
  [[ -z "$(find "$STATE_DIR_T/nginx" -name '.active-backend*')" ]] || fail "temporary files left"
}

@test "5xx from the new colour abort the canary: every request back to blue, green removed, audited as aborted" {
  log_lines 40 green 500 0.004 >"$ACCESS_LOG"
  run protostar deploy backend v2 --canary 10,50,100 --step 30s
  assert_status 1
  assert_output_contains "canary: 5xx rate 100.0% > 1% (40 of 40 requests) at 10%: routing every request back to blue"
  assert_output_contains "nginx routes to blue again"
  assert_output_contains "protostar: canary aborted at 10%: 5xx rate 100.0% > 1% (40 of 40 requests). blue takes every request again, backend-green was removed; clients got 40 error responses from it (of 40 requests routed to it, p95 4 ms)"
  refute_output_contains "50% of requests"
  assert_call_line "$(compose_prefix) rm --stop --force backend-green"
  refute_called " stop backend-blue"
  assert_include_blue
  assert_state_unchanged
  assert_unlocked
  grep -q 'action=deploy .* color=blue->green result=aborted reason="canary aborted at 10%' "$STATE_DIR_T/audit.log" ||
    fail "audit:" "$(cat "$STATE_DIR_T/audit.log")"
  # reloads: 10%, then back to blue
  [[ $(grep -c "nginx -s reload" "$STUB_LOG") -eq 2 ]] || fail "reloads:" "$(cat "$STUB_LOG")"
}

@test "a slow new colour aborts on p95" {
  log_lines 25 green 200 2.500 >"$ACCESS_LOG"
  run protostar deploy backend v2 --canary 50,100 --step 5s --max-p95 800
  assert_status 1
  assert_output_contains "canary aborted at 50%: p95 2500 ms > 800 ms (25 requests)"
  assert_include_blue
  assert_state_unchanged
}

@test "too few requests are not judged: a warning, and the canary goes on" {
  log_lines 3 green 500 0.004 >"$ACCESS_LOG"
  run protostar deploy backend v2 --canary 10,100 --step 1s --drain 0
  assert_status 0
  assert_output_contains "warning: only 3 requests reached green at 10% (fewer than --min-requests 20): too few to judge, going on"
}

@test "--min-requests lowers the bar: the same 3 errors abort" {
  log_lines 3 green 500 0.004 >"$ACCESS_LOG"
  run protostar deploy backend v2 --canary 10,100 --step 1s --min-requests 3
  assert_status 1
  assert_output_contains "canary aborted at 10%: 5xx rate 100.0% > 1% (3 of 3 requests)"
}

@test "a canary is refused while maintenance is on, before anything starts" {
  echo "# maintenance" >"$STATE_DIR_T/nginx/maintenance.conf"
  run protostar deploy backend v2 --canary 10,100
  assert_status 1
  assert_output_contains "maintenance is on: nginx answers every request itself"
  refute_called " up "
  assert_include_blue
}

@test "nginx -t rejecting a later step restores the original include and reloads it" {
  log_lines 30 green 200 0.010 >"$ACCESS_LOG"
  # pre-flight, 10% step, then the 50% step fails; the restore is tested again
  stub docker 'exec * nginx -t' "$(each_call 'exit 0' 'exit 0' 'exit 1' 'exit 0')"
  run protostar deploy backend v2 --canary 10,50,100 --step 1s
  assert_status 1
  assert_output_contains "nginx -t rejected the include for green: the previous include was restored and nginx was reloaded with it"
  assert_include_blue
  # reloads: 10%, and blue again
  [[ $(grep -c "nginx -s reload" "$STUB_LOG") -eq 2 ]] || fail "reloads:" "$(cat "$STUB_LOG")"
  assert_call_line "$(compose_prefix) rm --stop --force backend-green"
}
