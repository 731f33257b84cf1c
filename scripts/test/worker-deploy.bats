#!/usr/bin/env bats
# protostar deploy ai-worker: the rolling replacement (new worker beside the old, health
# gate, graceful stop of the old, state, audit) against the docker stub. The stubs keep
# the ai-worker container ids in $STUB_LOG.workers (stub_workers).

load test_helper

setup() {
  deployed_stack_setup blue v1 v1
  stub_workers id-ai-worker-old
  stub_output docker 'inspect -f {{.State.ExitCode}} *' '143\n'
}

@test "rolling deploy: the new worker starts beside the old and passes its health check, then the old stops gracefully" {
  record_docker_env AI_WORKER_IMAGE
  run protostar deploy ai-worker v2
  assert_status 0
  assert_call_line "$(compose_prefix) up --detach --no-deps --no-recreate --scale ai-worker=2 ai-worker"
  # the gate is the new worker's own health check, not the service's (see below)
  assert_called "docker inspect -f {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}} id-ai-worker-new"
  grep -qx 'AI_WORKER_IMAGE=protostar/ai-worker:v2' "$STUB_ENV_LOG" || fail "new image not exported" "$(cat "$STUB_ENV_LOG")"
  assert_call_line "docker stop --time 60 id-ai-worker-old"
  assert_call_line "docker rm id-ai-worker-old"
  (($(grep -n -- " up --detach .*--scale" "$STUB_LOG" | cut -d: -f1) < $(grep -n "docker stop" "$STUB_LOG" | cut -d: -f1))) ||
    fail "the old worker stopped before the new one was ready" "$(cat "$STUB_LOG")"
  refute_called "nginx"
  [[ "$(cat "$STUB_LOG.workers")" == id-ai-worker-new ]] || fail "workers left: $(cat "$STUB_LOG.workers")"
  assert_output_contains "ai-worker id-ai-worker finished its jobs and stopped (exit 143)"
  local n
  for n in 1 2 3 4 5; do assert_output_line_matches "^\[$n/5\] \+[0-9]+\.[0-9]s "; done
  assert_output_line_matches "^Deployed protostar/ai-worker:v2 as ai-worker \(was protostar/ai-worker:v1\) in [0-9.]+s$"
  grep -qx 'AI_WORKER_IMAGE=protostar/ai-worker:v2' "$STATE_DIR_T/state.env"
  grep -qx 'AI_WORKER_PREVIOUS_IMAGE=protostar/ai-worker:v1' "$STATE_DIR_T/state.env"
  grep -qx 'ACTIVE_COLOR=blue' "$STATE_DIR_T/state.env"
  grep -qE "action=deploy service=ai-worker user=[^ ]+ from=protostar/ai-worker:v1 to=protostar/ai-worker:v2 result=ok duration=[0-9.]+s$" \
    "$STATE_DIR_T/audit.log" || fail "audit:" "$(cat "$STATE_DIR_T/audit.log")"
  assert_unlocked
}

@test "the new worker starts at the warm-up CPU weight and gets its own back once healthy" {
  stub_output docker 'inspect -f {{.HostConfig.CpuShares}} id-ai-worker-new' '128\n'
  run protostar deploy ai-worker v2
  assert_status 0
  local p
  p=$(compose_prefix)
  assert_call_line "$p up --no-start --no-deps --no-recreate --scale ai-worker=2 ai-worker"
  assert_call_line "docker update --cpu-shares 64 id-ai-worker-new"
  assert_call_line "docker update --cpu-shares 128 id-ai-worker-new"
  line() { grep -nF -- "$1" "$STUB_LOG" | head -n 1 | cut -d: -f1; }
  (($(line " up --no-start") < $(line "--cpu-shares 64"))) || fail "lowered before it was created" "$(cat "$STUB_LOG")"
  (($(line "--cpu-shares 64") < $(line " up --detach"))) || fail "started before it was lowered" "$(cat "$STUB_LOG")"
  (($(line "{{.State.Health.Status}}{{end}} id-ai-worker-new") < $(line "--cpu-shares 128"))) || fail "its weight back before it was healthy" "$(cat "$STUB_LOG")"
  (($(line "--cpu-shares 128") < $(line "docker stop"))) || fail "the old one stopped first" "$(cat "$STUB_LOG")"
  refute_called "--cpu-shares 64 id-ai-worker-old"
}

@test "a new worker that fails its health check is removed; the old one keeps consuming, state unchanged" {
  stub_output docker 'compose * up *' '' 1
  run protostar deploy ai-worker v2 --timeout 30
  assert_status 1
  assert_output_contains "the new ai-worker (protostar/ai-worker:v2) did not become ready"
  assert_output_contains "protostar: the new ai-worker (protostar/ai-worker:v2) did not become ready: it was removed, the previous worker keeps consuming jobs"
  assert_call_line "docker rm --force id-ai-worker-new"
  refute_called "docker stop"
  [[ "$(cat "$STUB_LOG.workers")" == id-ai-worker-old ]] || fail "workers: $(cat "$STUB_LOG.workers")"
  assert_state_unchanged
  grep -q 'service=ai-worker .* result=failed reason="the new ai-worker' "$STATE_DIR_T/audit.log"
  assert_unlocked
}

@test "a new worker whose health check fails is removed at once, without waiting for the timeout" {
  stub_output docker 'inspect -f {{.State.Status}} * id-ai-worker-new' 'running unhealthy\n'
  run protostar deploy ai-worker v2
  assert_status 1
  assert_output_contains "compose: container id-ai-worker is unhealthy"
  assert_call_line "docker rm --force id-ai-worker-new"
  # lowered while it started, never given its weight back
  assert_call_line "docker update --cpu-shares 64 id-ai-worker-new"
  [[ $(grep -c -- "--cpu-shares" "$STUB_LOG") -eq 1 ]] || fail "its weight was raised" "$(cat "$STUB_LOG")"
  refute_called "docker stop"
  assert_state_unchanged
}

@test "an old worker that is unhealthy does not hold up its replacement" {
  # as after a Redis restart under it: compose up --wait would wait for it, and fail
  stub_output docker 'inspect -f {{.State.Status}} * id-ai-worker-old' 'running unhealthy\n'
  run protostar deploy ai-worker v2
  assert_status 0
  assert_call_line "docker stop --time 60 id-ai-worker-old"
  grep -qx 'AI_WORKER_IMAGE=protostar/ai-worker:v2' "$STATE_DIR_T/state.env"
}

@test "--grace bounds the old worker's shutdown; a worker killed at the bound is reported" {
  stub_output docker 'inspect -f {{.State.ExitCode}} *' '137\n'
  run protostar deploy ai-worker v2 --grace 5
  assert_status 0
  assert_call_line "docker stop --time 5 id-ai-worker-old"
  assert_output_contains "warning: ai-worker id-ai-worker did not finish within 5s and was killed: the queue hands its unfinished jobs to the new worker"
}

@test "with no worker running, one is started and nothing is stopped" {
  stub_workers
  run protostar deploy ai-worker v2
  assert_status 0
  assert_called "--scale ai-worker=1 "
  refute_called "docker stop"
  grep -qx 'AI_WORKER_IMAGE=protostar/ai-worker:v2' "$STATE_DIR_T/state.env"
}

@test "SIGTERM while the new worker starts: it is removed, the old one untouched, the lock released" {
  stub docker 'compose * up *' "$(blocked_until_released)"
  "$PROTOSTAR_BIN" deploy ai-worker v2 >"$TEST_ROOT/out" 2>&1 3>&- &
  local pid=$! rc=0
  wait_for_call "--scale"
  kill -TERM "$pid"
  wait "$pid" || rc=$?
  ((rc == 143)) || fail "exit status $rc" "$(cat "$TEST_ROOT/out")"
  assert_call_line "docker rm --force id-ai-worker-new"
  refute_called "docker stop"
  assert_state_unchanged
  assert_unlocked
}

@test "a missing ai-worker image is refused before anything changes" {
  stub_missing_images protostar/ai-worker:v9
  run protostar deploy ai-worker v9
  assert_status 1
  assert_output_contains "image protostar/ai-worker:v9 is not present in Docker"
  refute_changing_calls
}
