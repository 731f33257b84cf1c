#!/usr/bin/env bats
# shellcheck disable=SC2016 # code for deploy_lib is single-quoted
# protostar deploy: argument checks, the lock, pre-flight, readiness gate, switch, verify,
# state, drain, audit, hooks and interruption — against the docker/curl stubs.

load test_helper

INCLUDE_BLUE=$(include_for blue)

setup() {
  deployed_stack_setup blue v1 v1
  stub_health_answer 'HTTP/2 200\r\ncontent-type: application/json\r\nx-protostar-backend: green v2\r\n\r\n'
  export PROTOSTAR_PROGRESS_INTERVAL=1
}

# deploy_lib SCRIPT — SCRIPT with deploy.sh sourced (no config loaded). Use with `run`.
deploy_lib() {
  PROTOSTAR_ROOT=$PROTOSTAR_REPO bash -c '
    set -Eeuo pipefail
    source "$PROTOSTAR_ROOT/scripts/lib/common.sh"
    source "$PROTOSTAR_ROOT/scripts/lib/config.sh"
    source "$PROTOSTAR_ROOT/scripts/lib/deploy.sh"
    eval "$1"' deploy_lib "$1"
}

assert_include_blue() {
  [[ "$(cat "$STATE_DIR_T/nginx/active-backend.conf")" == "$INCLUDE_BLUE" ]] ||
    fail "the include is not the original blue one:" "$(cat "$STATE_DIR_T/nginx/active-backend.conf")"
}

# --- builders ----------------------------------------------------------------------------

@test "image_reference: a tag means protostar/SERVICE:TAG, full references pass, junk fails" {
  run deploy_lib 'image_reference backend 1.4.2; image_reference backend protostar/backend:v2
    image_reference backend localhost:5000/team/backend:v3
    image_reference backend other/backend@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'
  assert_status 0
  [[ "${lines[0]}" == protostar/backend:1.4.2 ]] || fail "tag: ${lines[0]}"
  [[ "${lines[1]}" == protostar/backend:v2 ]] || fail "reference: ${lines[1]}"
  [[ "${lines[2]}" == localhost:5000/team/backend:v3 ]] || fail "with a port: ${lines[2]}"
  [[ "${lines[3]}" == other/backend@sha256:* ]] || fail "digest: ${lines[3]}"
  local bad
  for bad in "" "v 2" "-v2" "protostar/backend" "Protostar/Backend:v2" "../x:1" 'v2;rm' 'a:b:c'; do
    run deploy_lib "image_reference backend '$bad'"
    [[ "$status" -ne 0 && -z "$output" ]] || fail "accepted '$bad': $output"
  done
}

@test "include_color reads the colour, a split, or nothing" {
  printf '%s\n' "$INCLUDE_BLUE" >"$TEST_ROOT/one.conf"
  printf 'split_clients "${request_id}" $protostar_backend {\n  10%% backend-green;\n  * backend-blue;\n}\n' >"$TEST_ROOT/split.conf"
  run deploy_lib "include_color '$TEST_ROOT/one.conf'; include_color '$TEST_ROOT/split.conf'; include_color '$TEST_ROOT/none.conf'; echo end"
  assert_status 0
  [[ "$output" == $'blue\nsplit\nend' ]] || fail "got: $output"
}

@test "audit_line: time, action, service, user, from -> to, colours, result, reason, duration" {
  run deploy_lib 'audit_line 2026-05-01T10:00:00Z deploy backend alice protostar/backend:v1 protostar/backend:v2 blue green ok "" 42
    audit_line 2026-05-01T10:00:00Z deploy backend alice protostar/backend:v1 protostar/backend:bad blue green failed "it said \"no\"" 7'
  assert_status 0
  [[ "${lines[0]}" == "2026-05-01T10:00:00Z action=deploy service=backend user=alice from=protostar/backend:v1 to=protostar/backend:v2 color=blue->green result=ok duration=42s" ]] ||
    fail "ok line: ${lines[0]}"
  [[ "${lines[1]}" == "2026-05-01T10:00:00Z action=deploy service=backend user=alice from=protostar/backend:v1 to=protostar/backend:bad color=blue->green result=failed reason=\"it said 'no'\" duration=7s" ]] ||
    fail "failed line: ${lines[1]}"
}

@test "the start command waits for readiness of the one colour, without its dependencies" {
  run deploy_lib 'start_color_args green 120 | paste -sd" "'
  assert_status 0
  [[ "$output" == "up --detach --no-deps --wait --wait-timeout 120 backend-green" ]] || fail "got: $output"
}

@test "the warm-up: 300 health requests and an anonymous /api/me to the colour itself, one curl, bounded" {
  run deploy_lib 'warmup_command green | paste -sd" "'
  assert_status 0
  local expected="timeout 30 curl -sS --fail-early --max-time 5 -w %{http_code}\\n" i
  for ((i = 0; i < 300; i++)); do expected+=" -o /dev/null http://backend-green:8080/api/health"; done
  expected+=" -o /dev/null http://backend-green:8080/api/me"
  [[ "$output" == "$expected" ]] || fail "got: $output" "expected: $expected"
}

# --- arguments: refused before anything changes ------------------------------------------

@test "deploy --help prints the usage" {
  run protostar deploy --help
  assert_status 0
  assert_output_contains "Usage: protostar deploy backend <tag | image>"
  assert_no_calls
}

@test "deploy without a tag is refused with the usage" {
  run protostar deploy backend
  assert_status 1
  assert_output_contains "usage: protostar deploy backend|ai-worker <tag | image>"
  assert_no_calls
}

@test "an unknown service is refused before any docker call" {
  run protostar deploy frontend v2
  assert_status 1
  assert_output_contains "unknown service 'frontend' (deployable: backend ai-worker)"
  assert_no_calls
  assert_state_unchanged
}

@test "ai-worker refuses the backend's --canary and --keep-warm" {
  run protostar deploy ai-worker v2 --canary 50,100
  assert_status 1
  assert_output_contains "--canary and --keep-warm are for the backend"
  run protostar deploy ai-worker v2 --keep-warm
  assert_status 1
  assert_no_calls
}

@test "an option that does not apply to the service is refused, never ignored" {
  run protostar deploy backend v2 --grace 30
  assert_status 1
  assert_output_contains "--grace is not an option of 'deploy backend' (its options: --keep-warm --warm-for --drain --timeout"
  run protostar deploy ai-worker v2 --drain 5 --step 30s
  assert_status 1
  assert_output_contains "--drain is not an option of 'deploy ai-worker' (its options: --grace --timeout)"
  run protostar deploy ai-worker v2 --max-p95 500
  assert_status 1
  assert_output_contains "--max-p95 is not an option of 'deploy ai-worker'"
  run protostar rollback --max-p95 5
  assert_status 1
  assert_output_contains "--max-p95 is not an option of 'rollback backend' (its options: --keep-warm --warm-for --drain --timeout)"
  run protostar rollback ai-worker --drain 5
  assert_status 1
  assert_output_contains "--drain is not an option of 'rollback ai-worker'"
  assert_no_calls
  assert_state_unchanged
}

@test "a malformed tag is refused before any docker call" {
  run protostar deploy backend 'v2;reboot'
  assert_status 1
  assert_output_contains "is neither an image tag nor an image reference"
  assert_no_calls
}

@test "bad --drain and --timeout values are refused" {
  run protostar deploy backend v2 --drain soon
  assert_status 1
  assert_output_contains "--drain needs a whole number (got 'soon')"
  run protostar deploy backend v2 --timeout 0
  assert_status 1
  assert_output_contains "--timeout must be at least 1 second"
  run protostar deploy backend v2 --force
  assert_status 1
  assert_output_contains "unknown option '--force'"
  assert_no_calls
}

@test "a missing image is refused: only inspected, no lock, state and include untouched" {
  stub_missing_images protostar/backend:v9
  run protostar deploy backend v9
  assert_status 1
  assert_output_contains "image protostar/backend:v9 is not present in Docker"
  assert_call_line "docker image inspect protostar/backend:v9"
  [[ $(wc -l <"$STUB_LOG") -eq 1 ]] || fail "expected only the inspection" "$(cat "$STUB_LOG")"
  assert_unlocked
  assert_state_unchanged
  assert_include_blue
  [[ ! -e "$STATE_DIR_T/audit.log" ]] || fail "an audit line for a refused argument"
}

@test "before the first up, deploy says to run up" {
  rm "$STATE_DIR_T/state.env"
  run protostar deploy backend v2
  assert_status 1
  assert_output_contains "nothing is deployed yet: start the stack first (protostar up)"
  assert_no_calls
}

# --- the happy path --------------------------------------------------------------------

@test "deploy: the exact commands, in order; state, include, audit; lock released" {
  record_docker_env BACKEND_GREEN_IMAGE BACKEND_BLUE_IMAGE
  run protostar deploy backend v2 --drain 0 --warm-for 0
  assert_status 0
  local p
  p=$(compose_prefix)
  assert_call_line "docker image inspect protostar/backend:v2"
  assert_call_line "docker ps --quiet --no-trunc --filter label=com.docker.compose.project=ptest --filter label=com.docker.compose.service=nginx --filter status=running"
  assert_call_line "docker exec id-nginx nginx -t"
  assert_call_line "$p up --detach --no-deps --wait --wait-timeout 300 backend-green"
  assert_call_line "docker exec id-nginx nginx -s reload"
  assert_call_line "curl -o /dev/null -D - -sS --max-time 5 --cacert $TLS_DIR_T/tls.crt --resolve localhost:18443:127.0.0.1 https://localhost:18443/api/health"
  assert_call_line "$p stop backend-blue"
  refute_called " rm "
  # order: pre-flight nginx -t, start, switch (nginx -t, reload), verify, stop
  (($(line_of "nginx -t") < $(line_of " up --detach"))) || fail "nginx -t after up" "$(cat "$STUB_LOG")"
  (($(line_of " up --detach") < $(line_of "nginx -s reload"))) || fail "reload before up" "$(cat "$STUB_LOG")"
  (($(line_of "nginx -s reload") < $(line_of "curl -o"))) || fail "verified before reload"
  (($(line_of "curl -o") < $(line_of " stop backend-blue"))) || fail "stopped before verifying"
  [[ $(grep -c 'nginx -t' "$STUB_LOG") -eq 2 ]] || fail "expected nginx -t in pre-flight and at the switch"
  # compose up ran with the new image for green only, for this run
  grep -qx 'BACKEND_GREEN_IMAGE=protostar/backend:v2' "$STUB_ENV_LOG" || fail "new image not exported" "$(cat "$STUB_ENV_LOG")"
  grep -qx 'BACKEND_BLUE_IMAGE=protostar/backend:v1' "$STUB_ENV_LOG"
  # state and include
  grep -qx 'ACTIVE_COLOR=green' "$STATE_DIR_T/state.env"
  grep -qx 'BACKEND_GREEN_IMAGE=protostar/backend:v2' "$STATE_DIR_T/state.env"
  grep -qx 'BACKEND_BLUE_IMAGE=protostar/backend:v1' "$STATE_DIR_T/state.env"
  grep -q '^  \* backend-green;$' "$STATE_DIR_T/nginx/active-backend.conf"
  [[ -z "$(find "$STATE_DIR_T/nginx" -name '.active-backend*')" ]] || fail "temporary files left" "$(ls -a "$STATE_DIR_T/nginx")"
  # steps, summary, audit, lock
  local n
  for n in 1 2 3 4 5 6 7; do assert_output_line_matches "^\[$n/7\] \+[0-9]+\.[0-9]s "; done
  assert_output_contains "answered by: green v2 (3 requests at once)"
  assert_output_line_matches "^Deployed protostar/backend:v2 on green \(was protostar/backend:v1 on blue\) in [0-9]+\.[0-9]s$"
  [[ $(wc -l <"$STATE_DIR_T/audit.log") -eq 1 ]] || fail "expected one audit line"
  grep -qE "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z action=deploy service=backend user=$(id -un) from=protostar/backend:v1 to=protostar/backend:v2 color=blue->green result=ok duration=[0-9]+\.[0-9]s$" \
    "$STATE_DIR_T/audit.log" || fail "audit line:" "$(cat "$STATE_DIR_T/audit.log")"
  assert_unlocked
}

@test "the new colour starts at the warm-up CPU weight, is warmed up directly, and gets the serving weight at the switch" {
  run protostar deploy backend v2 --drain 0
  assert_status 0
  local p warmup
  p=$(compose_prefix)
  # created, lowered, then started: no moment of its start at the serving weight
  assert_call_line "$p up --no-start --no-deps backend-green"
  assert_call_line "docker update --cpu-shares 64 id-backend-green"
  assert_call_line "docker update --cpu-shares 1024 id-backend-green"
  warmup=$(grep -n '^docker exec id-nginx timeout 30 curl .*http://backend-green:8080/api/me$' "$STUB_LOG" | cut -d: -f1)
  [[ -n "$warmup" ]] || fail "no warm-up from nginx's container" "$(cat "$STUB_LOG")"
  (($(line_of " up --no-start") < $(line_of "--cpu-shares 64"))) || fail "lowered before it was created" "$(cat "$STUB_LOG")"
  (($(line_of "--cpu-shares 64") < $(line_of " up --detach"))) || fail "started before it was lowered" "$(cat "$STUB_LOG")"
  (($(line_of " up --detach") < warmup)) || fail "warmed up before it was ready" "$(cat "$STUB_LOG")"
  ((warmup < $(line_of "--cpu-shares 1024"))) || fail "serving weight before the warm-up" "$(cat "$STUB_LOG")"
  (($(line_of "--cpu-shares 1024") < $(line_of "nginx -s reload"))) || fail "switched before the serving weight" "$(cat "$STUB_LOG")"
  refute_called "--cpu-shares 1024 id-backend-blue"
  assert_output_contains "warm-up: backend-green answered 301 requests"
}

@test "after its warm-up the new colour settles (its CPU use sampled) before it gets the serving weight" {
  # its cgroup's CPU time, µs: one core's worth in the first second, then nearly nothing
  stub_outputs docker 'exec id-backend-green sh -c *' '1000000\n' '2000000\n' '2050000\n'
  run protostar deploy backend v2
  assert_status 0
  assert_output_line_matches '^      settled: backend-green uses [0-9]{1,3}m CPU, [0-9]+s after its warm-up$'
  [[ $(grep -c '^docker exec id-backend-green sh -c' "$STUB_LOG") -eq 3 ]] || fail "expected 3 samples" "$(cat "$STUB_LOG")"
  (($(line_of "exec id-backend-green sh -c") > $(line_of "timeout 30 curl"))) || fail "sampled before the warm-up" "$(cat "$STUB_LOG")"
  (($(line_of "exec id-backend-green sh -c") < $(line_of "--cpu-shares 1024"))) || fail "serving weight before it settled" "$(cat "$STUB_LOG")"
}

@test "the colour's CPU time is read from its cgroup on the host when Docker keeps it there (no docker exec)" {
  export PROTOSTAR_CGROUP_ROOT="$TEST_ROOT/cgroup"
  mkdir -p "$PROTOSTAR_CGROUP_ROOT/docker/id-backend-green"
  printf 'usage_usec 5000000\nuser_usec 4000000\n' >"$PROTOSTAR_CGROUP_ROOT/docker/id-backend-green/cpu.stat"
  run protostar deploy backend v2
  assert_status 0
  assert_output_line_matches '^      settled: backend-green uses 0m CPU, [0-9]+s after its warm-up$'
  refute_called "exec id-backend-green"
}

@test "a colour that does not settle is switched to after PROTOSTAR_SETTLE_SECONDS; unreadable usage waits for nothing" {
  stub_outputs docker 'exec id-backend-green sh -c *' '1000000\n' '2000000\n' '3000000\n' '4000000\n' '5000000\n'
  PROTOSTAR_SETTLE_SECONDS=2 run protostar deploy backend v2
  assert_status 0
  assert_output_line_matches '^      backend-green still uses [0-9]+m CPU 2s after its warm-up: switching all the same$'
  grep -qx 'ACTIVE_COLOR=green' "$STATE_DIR_T/state.env"

  deployed_stack_setup blue v1 v2
  stub_output docker 'exec id-backend-green sh -c *' 'sh: cannot open /sys/fs/cgroup/cpu.stat\n'
  run protostar deploy backend v2
  assert_status 0
  refute_output_contains "settled"
  [[ $(grep -c '^docker exec id-backend-green sh -c' "$STUB_LOG") -eq 1 ]] || fail "expected one attempt" "$(cat "$STUB_LOG")"
}

@test "DEPLOY_WARMUP_CPU_SHARES sets the warm-up weight; one not below the serving colour's is refused" {
  write_env DEPLOY_WARMUP_CPU_SHARES=32
  run protostar deploy backend v2 --drain 0
  assert_status 0
  assert_call_line "docker update --cpu-shares 32 id-backend-green"
  write_env DEPLOY_WARMUP_CPU_SHARES=1024
  run protostar deploy backend v3
  assert_status 1
  assert_output_contains "DEPLOY_WARMUP_CPU_SHARES=1024 is malformed: expected a whole number from 2 to 1023"
}

@test "a colour that fails its readiness after it was lowered is removed without getting the serving weight" {
  stub_output docker 'compose * up --detach *' '' 1
  run protostar deploy backend v2 --timeout 30
  assert_status 1
  assert_output_contains "did not become ready: its container was removed, nothing was switched, blue keeps serving"
  assert_call_line "docker update --cpu-shares 64 id-backend-green"
  refute_called "--cpu-shares 1024"
  refute_called "timeout 30 curl"
  assert_call_line "$(compose_prefix) rm --stop --force backend-green"
  assert_state_unchanged
  assert_include_blue
}

@test "a warm-up request without an answer fails the readiness: the old colour keeps serving, the new one is removed" {
  local case
  # refused at the third request; the warm-up's 30 s bound reached
  for case in '200\n200\ncurl: (7) Failed to connect to backend-green port 8080\n|7' '200\n|124'; do
    stub_warmup_answers "${case%|*}" "${case#*|}"
    : >"$STUB_LOG"
    run protostar deploy backend v2
    assert_status 1
    assert_output_line_matches "backend-green answered [0-9]+ of 301 warm-up requests from nginx's container \(at most 30s; exit status ${case#*|}\)"
    assert_output_contains "its container was removed, nothing was switched, blue keeps serving"
    assert_call_line "$(compose_prefix) rm --stop --force backend-green"
    refute_called "nginx -s reload"
    refute_called "--cpu-shares 1024"
    assert_state_unchanged
    assert_include_blue
    assert_unlocked
    [[ "${case#*|}" != 7 ]] || assert_output_contains "    warm-up: curl: (7) Failed to connect"
  done
  grep -q 'result=failed reason="backend-green answered 2 of 301 warm-up requests' "$STATE_DIR_T/audit.log"
}

@test "a warm-up answered with errors passes: judging answers is the canary's and the verification's" {
  stub_warmup_answers "$(printf '500\\n%.0s' {1..301})"
  run protostar deploy backend v2 --drain 0
  assert_status 0
  assert_output_contains "warm-up: backend-green answered 301 requests"
}

@test "once the lock is taken the deploy asks for a higher CPU and I/O priority; a refusal is harmless" {
  stub_output renice '*' 'renice: failed to set priority for 1234 (process ID): Permission denied\n' 1
  stub_output ionice '*' 'ionice: ioprio_set failed: Operation not permitted\n' 1
  run protostar deploy backend v2 --drain 0
  assert_status 0
  assert_output_line_matches "^Deployed protostar/backend:v2 on green"
  refute_output_contains "Permission denied"
  refute_output_contains "not permitted"
  grep -qE '^renice -n -10 -p [0-9]+$' "$STUB_LOG" || fail "no renice" "$(cat "$STUB_LOG")"
  grep -qE '^ionice -c 2 -n 0 -p [0-9]+$' "$STUB_LOG" || fail "no ionice" "$(cat "$STUB_LOG")"
  (($(line_of "renice ") < $(line_of " up --no-start"))) || fail "raised after the start" "$(cat "$STUB_LOG")"
}

@test "a full image reference is deployed as given; PROTOSTAR_ACTOR names the user" {
  export PROTOSTAR_ACTOR=jenkins-bob
  stub_health_answer 'x-protostar-backend: green 3.0\r\n'
  stub_output docker 'image inspect *.Config.Env* other/backend:v3' 'PATH=/usr/bin\nPROTOSTAR_VERSION=3.0\n'
  run protostar deploy backend other/backend:v3 --drain 0 --timeout 60
  assert_status 0
  assert_call_line "$(compose_prefix) up --detach --no-deps --wait --wait-timeout 60 backend-green"
  grep -qx 'BACKEND_GREEN_IMAGE=other/backend:v3' "$STATE_DIR_T/state.env"
  grep -q ' user=jenkins-bob from=protostar/backend:v1 to=other/backend:v3 ' "$STATE_DIR_T/audit.log"
}

@test "from green, deploy goes to blue" {
  write_state_file "IMAGE_SOURCE=offline" "ACTIVE_COLOR=green" \
    "BACKEND_BLUE_IMAGE=protostar/backend:v1" "BACKEND_GREEN_IMAGE=protostar/backend:v2" \
    "AI_WORKER_IMAGE=protostar/ai-worker:v1"
  printf '%s\n' "${INCLUDE_BLUE/backend-blue/backend-green}" >"$STATE_DIR_T/nginx/active-backend.conf"
  stub_health_answer 'x-protostar-backend: blue v3\r\n'
  run protostar deploy backend v3 --drain 0 --warm-for 0
  assert_status 0
  assert_call_line "$(compose_prefix) up --detach --no-deps --wait --wait-timeout 300 backend-blue"
  assert_call_line "$(compose_prefix) stop backend-green"
  grep -qx 'ACTIVE_COLOR=blue' "$STATE_DIR_T/state.env"
  grep -qx 'BACKEND_BLUE_IMAGE=protostar/backend:v3' "$STATE_DIR_T/state.env"
  grep -qx 'BACKEND_GREEN_IMAGE=protostar/backend:v2' "$STATE_DIR_T/state.env"
}

@test "--keep-warm leaves the old colour running, with no end to its window" {
  run protostar deploy backend v2 --keep-warm
  assert_status 0
  refute_called " stop "
  # the timer only has its streams handed over (no window to end)
  assert_call_line "setsid nice -n 39 ionice -t -c 2 -n 7 $PROTOSTAR_REPO/scripts/protostar retire --when-due"
  assert_output_contains "leaving blue running without traffic"
  grep -qx 'ACTIVE_COLOR=green' "$STATE_DIR_T/state.env"
  grep -qx 'WARM_COLOR=blue' "$STATE_DIR_T/state.env"
  grep -qx 'WARM_UNTIL=never' "$STATE_DIR_T/state.env"
}

@test "by default the old colour stays warm for 15 minutes: not stopped, a timer left to stop it" {
  local began=$EPOCHSECONDS until
  run protostar deploy backend v2
  assert_status 0
  refute_called " stop "
  assert_output_contains "[7/7]"
  assert_output_contains "keeping blue warm for 15 min: until then a rollback is only a switch"
  assert_call_line "setsid nice -n 39 ionice -t -c 2 -n 7 $PROTOSTAR_REPO/scripts/protostar retire --when-due"
  (($(line_of "curl -o") < $(line_of "setsid"))) || fail "the timer before the verification"
  grep -qx 'WARM_COLOR=blue' "$STATE_DIR_T/state.env"
  until=$(sed -n 's/^WARM_UNTIL=//p' "$STATE_DIR_T/state.env")
  ((until >= began + 900 && until <= EPOCHSECONDS + 900)) || fail "WARM_UNTIL=$until, deploy began at $began"
}

@test "the window comes from ROLLBACK_WARM_MINUTES, --warm-for overrides it; 0 stops the old colour" {
  write_env ROLLBACK_WARM_MINUTES=0
  run protostar deploy backend v2 --drain 0
  assert_status 0
  assert_call_line "$(compose_prefix) stop backend-blue"
  refute_called "setsid"
  grep -qx 'WARM_COLOR=' "$STATE_DIR_T/state.env"
  grep -qx 'WARM_UNTIL=' "$STATE_DIR_T/state.env"

  deployed_stack_setup blue v1 v2
  write_env ROLLBACK_WARM_MINUTES=0
  run protostar deploy backend v2 --warm-for 3
  assert_status 0
  refute_called " stop "
  assert_output_contains "keeping blue warm for 3 min"
  assert_called "setsid"
}

@test "ROLLBACK_WARM_MINUTES and --warm-for take 0 to 1440 minutes" {
  write_env ROLLBACK_WARM_MINUTES=1441
  run protostar deploy backend v2
  assert_status 1
  assert_output_contains "ROLLBACK_WARM_MINUTES"
  assert_output_contains "a whole number of minutes from 0 to 1440"
  write_env
  for value in 1441 -1 15m ""; do
    run protostar deploy backend v2 --warm-for "$value"
    assert_status 1
    assert_output_contains "--warm-for needs a number of minutes from 0 to 1440 (got '$value')"
  done
  assert_no_calls
}

@test "the old colour is drained for --drain seconds before it stops" {
  local began=$SECONDS
  run protostar deploy backend v2 --drain 2 --warm-for 0
  assert_status 0
  ((SECONDS - began >= 2)) || fail "no drain wait"
  assert_output_contains "draining blue for 2s, then stopping it (kept for rollback)"
  assert_call_line "$(compose_prefix) stop backend-blue"
}

# --- the lock ---------------------------------------------------------------------------------

@test "a second deploy is refused and shows the holder; the holder's lock stays" {
  hold_lock
  run protostar deploy backend v2
  assert_status 1
  assert_output_contains "another deploy is in progress: pid $HOLDER_PID (alice@$(uname -n)), running 'protostar deploy backend v7' since 2026-01-02T03:04:05Z"
  refute_changing_calls
  refute_called "nginx -t"
  grep -qx "pid=$HOLDER_PID" "$STATE_DIR_T/deploy.lock/owner" || fail "the holder's lock was touched"
  assert_state_unchanged
}

@test "a lock held on another host is refused with how to clear it" {
  hold_lock
  sed -i 's/^host=.*/host=elsewhere/' "$STATE_DIR_T/deploy.lock/owner"
  run protostar deploy backend v2
  assert_status 1
  assert_output_contains "held by pid $HOLDER_PID (alice@elsewhere)"
  assert_output_contains "if nothing runs there, remove $STATE_DIR_T/deploy.lock"
  refute_changing_calls
}

@test "a stale lock (its pid no longer runs) is reported and taken over" {
  mkdir -p "$STATE_DIR_T/deploy.lock"
  printf '%s\n' "pid=99999999" "user=carol" "host=$(uname -n)" "command=protostar deploy backend v0" \
    "started=2026-01-01T00:00:00Z" >"$STATE_DIR_T/deploy.lock/owner"
  run protostar deploy backend v2 --drain 0
  assert_status 0
  assert_output_contains "stale deploy lock: pid 99999999 (carol@$(uname -n)), running 'protostar deploy backend v0' since 2026-01-01T00:00:00Z no longer runs; taking it over"
  grep -qx 'ACTIVE_COLOR=green' "$STATE_DIR_T/state.env"
  assert_unlocked
}

@test "a lock whose pid now belongs to another process is stale too" {
  hold_lock "pid_start=1"
  run protostar deploy backend v2 --drain 0
  assert_status 0
  assert_output_contains "stale deploy lock: pid $HOLDER_PID"
}

@test "the lock's owner file names pid, user, host, command and start while it runs" {
  stub docker 'compose * up *' "$(blocked_until_released)"
  "$PROTOSTAR_BIN" deploy backend v2 --drain 0 >"$TEST_ROOT/out" 2>&1 3>&- &
  local pid=$!
  wait_for_call " up --no-start"
  local owner
  owner=$(cat "$STATE_DIR_T/deploy.lock/owner")
  release_stubs
  wait "$pid"
  grep -qx "pid=$pid" <<<"$owner" || fail "owner: $owner"
  grep -qx "user=$(id -un)" <<<"$owner"
  grep -qx "host=$(uname -n)" <<<"$owner"
  grep -qx "command=protostar deploy backend v2 --drain 0" <<<"$owner"
  grep -qE "^started=[0-9-]{10}T[0-9:]{8}Z$" <<<"$owner"
  grep -qE "^pid_start=[0-9]+$" <<<"$owner"
  assert_unlocked
}

# --- pre-flight ---------------------------------------------------------------------------------

@test "state disagreeing with nginx's include is refused before anything starts" {
  printf '%s\n' "${INCLUDE_BLUE/backend-blue/backend-green}" >"$STATE_DIR_T/nginx/active-backend.conf"
  run protostar deploy backend v2
  assert_status 1
  assert_output_contains "the state says ACTIVE_COLOR=blue but nginx's include $STATE_DIR_T/nginx/active-backend.conf routes to green"
  refute_changing_calls
  assert_state_unchanged
  assert_unlocked
  grep -q 'result=failed reason="the state says ACTIVE_COLOR=blue' "$STATE_DIR_T/audit.log"
}

@test "a failing nginx -t in pre-flight stops the deploy before anything starts" {
  stub_output docker 'exec * nginx -t' '' 1
  run protostar deploy backend v2
  assert_status 1
  assert_output_contains "nginx -t fails on the running configuration"
  refute_changing_calls
  assert_state_unchanged
  assert_unlocked
}

@test "nginx not running stops the deploy" {
  stub_running backend-blue
  run protostar deploy backend v2
  assert_status 1
  assert_output_contains "nginx is not running: start the stack first (protostar up)"
  refute_changing_calls
  refute_called "nginx -t"
}

# --- faults during the deploy ---------------------------------------------------------------------

@test "failed readiness: last log lines shown, new container removed, no switch, state unchanged" {
  stub_output docker 'compose * up *' '' 1
  stub_output docker 'compose * logs *' '\033[2KException in thread main\n\033[2KAPPLICATION FAILED TO START\n'
  run protostar deploy backend v2 --timeout 30
  assert_status 1
  assert_output_line_matches "^backend-green \\(protostar/backend:v2\\) did not become ready \\(after [0-9]+s, at most 30s\\):$"
  assert_output_contains "    | APPLICATION FAILED TO START"
  refute_output_contains $'\e['
  assert_output_contains "its container was removed, nothing was switched, blue keeps serving"
  assert_call_line "$(compose_prefix) logs --no-color --no-log-prefix --tail 30 backend-green"
  assert_call_line "$(compose_prefix) rm --stop --force backend-green"
  refute_called "nginx -s reload"
  refute_called " stop backend-blue"
  refute_called "curl "
  assert_state_unchanged
  assert_include_blue
  assert_unlocked
  grep -qE 'action=deploy .* to=protostar/backend:v2 color=blue->green result=failed reason="backend-green \(protostar/backend:v2\) did not become ready.*" duration=[0-9.]+s$' \
    "$STATE_DIR_T/audit.log" || fail "audit:" "$(cat "$STATE_DIR_T/audit.log")"
}

@test "nginx -t rejecting the switch: previous include restored, no reload, container removed" {
  stub docker 'exec * nginx -t' "$(each_call 'exit 0' 'exit 1')"
  run protostar deploy backend v2
  assert_status 1
  assert_output_contains "nginx -t rejected the include for green: the previous include was restored and nginx was not reloaded"
  refute_called "nginx -s reload"
  assert_call_line "$(compose_prefix) rm --stop --force backend-green"
  assert_include_blue
  assert_state_unchanged
  assert_unlocked
  [[ -z "$(find "$STATE_DIR_T/nginx" -name '.active-backend*')" ]] || fail "backup left behind"
}

@test "the new version not answering through nginx: switched back, reloaded, removed" {
  stub_health_answer 'HTTP/2 200\r\nx-protostar-backend: blue v1\r\n\r\n'
  run protostar deploy backend v2
  assert_status 1
  assert_output_contains "answered as 'blue v1' instead of 'green v2'"
  assert_output_contains "switched back to blue"
  [[ $(grep -c 'nginx -s reload' "$STUB_LOG") -eq 2 ]] || fail "expected a reload there and back" "$(cat "$STUB_LOG")"
  assert_call_line "$(compose_prefix) rm --stop --force backend-green"
  refute_called " stop backend-blue"
  assert_include_blue
  assert_state_unchanged
}

@test "verification needs 3 matching answers at once: an old nginx worker may still answer" {
  export PROTOSTAR_VERIFY_TIMEOUT=10 # the miss must not end the verification
  stub_outputs curl '*' 'x-protostar-backend: green v2\r\n' 'x-protostar-backend: blue v1\r\n' 'x-protostar-backend: green v2\r\n'
  run protostar deploy backend v2 --drain 0
  assert_status 0
  [[ $(grep -c '^curl ' "$STUB_LOG") -eq 6 ]] || fail "expected 6 requests (3 with a miss, then 3 matching)" "$(cat "$STUB_LOG")"
  assert_output_contains "answered by: green v2 (3 requests at once, after 1 round(s) with another answer)"
  grep -qx 'ACTIVE_COLOR=green' "$STATE_DIR_T/state.env"
}

@test "with maintenance on, the new colour is verified from nginx's container" {
  echo "# maintenance" >"$STATE_DIR_T/nginx/maintenance.conf"
  stub_output curl '*' '' 7
  run protostar deploy backend v2 --drain 0
  assert_status 0
  assert_output_contains "maintenance is on: verifying backend-green from nginx's container"
  assert_call_line "docker exec id-nginx curl -sS --max-time 5 -o /dev/null -D - http://backend-green:8080/api/health"
  refute_called "curl -o"
}

# --- hooks -------------------------------------------------------------------------------------------

@test "hooks: pre-deploy before anything starts, post-deploy after, with the change in their environment" {
  mkdir -p "$STATE_DIR_T/hooks"
  local hook
  for hook in pre-deploy post-deploy; do
    cat >"$STATE_DIR_T/hooks/$hook" <<HOOK
#!/usr/bin/env bash
echo "docker hook-$hook \$PROTOSTAR_ACTION \$PROTOSTAR_SERVICE \$PROTOSTAR_FROM \$PROTOSTAR_TO \$PROTOSTAR_COLOR" >>"\$STUB_LOG"
HOOK
    chmod +x "$STATE_DIR_T/hooks/$hook"
  done
  run protostar deploy backend v2 --drain 0 --warm-for 0
  assert_status 0
  assert_call_line "docker hook-pre-deploy deploy backend protostar/backend:v1 protostar/backend:v2 green"
  assert_call_line "docker hook-post-deploy deploy backend protostar/backend:v1 protostar/backend:v2 green"
  (($(line_of hook-pre-deploy) < $(line_of " up --detach"))) || fail "pre-deploy ran after the start"
  (($(line_of hook-post-deploy) > $(line_of " stop backend-blue"))) || fail "post-deploy ran too early"
}

@test "a failing pre-deploy hook aborts before any change" {
  mkdir -p "$STATE_DIR_T/hooks"
  printf '#!/usr/bin/env bash\necho "not today" >&2\nexit 3\n' >"$STATE_DIR_T/hooks/pre-deploy"
  chmod +x "$STATE_DIR_T/hooks/pre-deploy"
  run protostar deploy backend v2
  assert_status 1
  assert_output_contains "not today"
  assert_output_contains "the pre-deploy hook failed: nothing was changed"
  refute_changing_calls
  assert_state_unchanged
  assert_unlocked
}

@test "a failing post-deploy hook is a warning: the deploy stands" {
  mkdir -p "$STATE_DIR_T/hooks"
  printf '#!/usr/bin/env bash\nexit 1\n' >"$STATE_DIR_T/hooks/post-deploy"
  chmod +x "$STATE_DIR_T/hooks/post-deploy"
  run protostar deploy backend v2 --drain 0
  assert_status 0
  assert_output_contains "warning: the post-deploy hook failed (the deploy itself succeeded)"
  grep -qx 'ACTIVE_COLOR=green' "$STATE_DIR_T/state.env"
}

# --- interruption ---------------------------------------------------------------------------------------

# deploy_in_background — starts a deploy whose first `compose up` blocks until the test
# calls release_stubs (the next one returns at once); returns when that call has begun.
# Sets DEPLOY_PID. (A background job of a script ignores SIGINT, as bash does without job
# control: python puts the default action back, like a terminal.)
deploy_in_background() {
  stub docker 'compose * up *' "$(each_call "$(blocked_until_released)" 'exit 0')"
  python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$PROTOSTAR_BIN" deploy backend v2 >"$TEST_ROOT/out" 2>&1 3>&- &
  DEPLOY_PID=$!
  wait_for_call " up --no-start" || fail "the deploy never started the new colour" "$(cat "$TEST_ROOT/out")"
}

@test "SIGTERM while the new colour starts: it is removed, the lock released, state unchanged" {
  deploy_in_background
  kill -TERM "$DEPLOY_PID"
  local rc=0
  wait "$DEPLOY_PID" || rc=$?
  ((rc == 143)) || fail "exit status $rc" "$(cat "$TEST_ROOT/out")"
  grep -q "interrupted (SIGTERM): undoing what was not finished" "$TEST_ROOT/out"
  assert_call_line "$(compose_prefix) rm --stop --force backend-green"
  refute_called "nginx -s reload"
  assert_state_unchanged
  assert_include_blue
  assert_unlocked
  grep -q 'result=failed reason="interrupted by SIGTERM"' "$STATE_DIR_T/audit.log"
}

@test "SIGINT is handled the same way" {
  deploy_in_background
  kill -INT "$DEPLOY_PID"
  local rc=0
  wait "$DEPLOY_PID" || rc=$?
  ((rc == 130)) || fail "exit status $rc" "$(cat "$TEST_ROOT/out")"
  assert_call_line "$(compose_prefix) rm --stop --force backend-green"
  assert_unlocked
  assert_state_unchanged
}

@test "SIGKILL leaves a stale lock that the next deploy reports and takes over" {
  deploy_in_background
  kill -KILL "$DEPLOY_PID"
  wait "$DEPLOY_PID" || true
  [[ -d "$STATE_DIR_T/deploy.lock" ]] || fail "no lock left behind"
  assert_state_unchanged
  assert_include_blue
  run protostar deploy backend v2 --drain 0
  assert_status 0
  assert_output_contains "stale deploy lock: pid $DEPLOY_PID"
  grep -qx 'ACTIVE_COLOR=green' "$STATE_DIR_T/state.env"
  assert_unlocked
}
