#!/usr/bin/env bash
# Summary: End-to-end test of blue/green deploy, rollback and maintenance on the real stack
# Usage: scripts/test/e2e/deploy.sh [--keep]
#
# Brings the stack up with `protostar up --offline` under a unique project name on free
# ports, builds more backend images from this checkout's jar (e2e-v2; e2e-broken, which
# exits at start; e2e-drill, which answers 500 to every request but passes readiness)
# and an ai-worker image, then deploys, rolls back, interrupts deploys, runs canaries and
# toggles maintenance while a constant load of HTTPS requests runs through nginx,
# counting every request that does not answer 200. An SSE client, then the web app in
# headless chromium (DeployDuringAnswerBrowserTests), follow a switch: the browser's while
# an answer streams, from slow-model.pl, the stand-in for an OpenAI-compatible model that
# the suite's .env names (questions without a document's passages still get the offline
# answer). Then a rolling ai-worker deploy. Always tears the stack down (dumping the logs
# first when a check failed); --keep leaves it running for inspection.
set -Eeuo pipefail
PROTOSTAR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
export PROTOSTAR_ROOT
source "$PROTOSTAR_ROOT/scripts/lib/common.sh"
source "$PROTOSTAR_ROOT/scripts/test/e2e/lib.sh"
handle_help "$@"
keep=""
[[ "${1:-}" == --keep ]] && keep=1

V2_TAG=e2e-v2
V2_IMAGE=protostar/backend:$V2_TAG
BROKEN_TAG=e2e-broken
BROKEN_IMAGE=protostar/backend:$BROKEN_TAG
DRILL_TAG=e2e-drill
DRILL_IMAGE=protostar/backend:$DRILL_TAG
WORKER_TAG=e2e-w2
WORKER_IMAGE=protostar/ai-worker:$WORKER_TAG

# --- Helpers ----------------------------------------------------------------------------------
# A check runs as the condition of an `if` (lib.sh), where bash ignores `set -e`: every
# assertion below ends in `|| die` so that any of them, not only the last, fails it.
die() {
  echo "check failed: $*" >&2
  exit 1
}
state_value() { sed -n "s/^$1=//p" "$E2E_DIR/state/state.env"; }
image_version_of() {
  docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$1" | sed -n 's/^PROTOSTAR_VERSION=//p'
}
# served_by — the X-Protostar-Backend header of /api/health through nginx ("colour version").
served_by() { https_headers /api/health | tr -d '\r' | sed -n 's/^x-protostar-backend: //Ip'; }
container_state() { # container_state SERVICE — running/exited/... or "none"
  local id
  id=$(protostar_compose ps --all --quiet "$1")
  if [[ -z "$id" ]]; then echo none; else docker inspect -f '{{.State.Status}}' "$id"; fi
}
lock_present() { [[ -d "$E2E_DIR/state/deploy.lock" ]]; }
service_runs() { [[ -n $(protostar_compose ps --status running --quiet "$1") ]]; }
# protostar_script ARGS... — the CLI itself, not lib.sh's function: started with `&`,
# $! is then the command's own pid (the one its lock names and a signal must reach).
protostar_script() { exec "$PROTOSTAR_ROOT/scripts/protostar" "$@"; }

# --- Images ------------------------------------------------------------------------------------
build_test_images() {
  cd "$PROTOSTAR_ROOT"
  if [[ ! -f backend/target/app.jar ]]; then
    ./mvnw -B -q -DskipTests package || die "./mvnw package"
  fi
  docker build -q -f backend/Dockerfile --build-arg BASE_IMAGE=protostar/jre:21 \
    --build-arg VERSION=$V2_TAG -t "$V2_IMAGE" . || die "building $V2_IMAGE"
  # Starts like the real image would, then dies: readiness can never pass.
  printf 'FROM %s\nENTRYPOINT ["sh", "-c", "echo e2e-broken: refusing to start on purpose >&2; exit 1"]\n' "$V2_IMAGE" |
    docker build -q -t "$BROKEN_IMAGE" - || die "building $BROKEN_IMAGE"
  [[ $(image_version_of "$V2_IMAGE") == "$V2_TAG" ]]
}

# --- Checks ------------------------------------------------------------------------------------
up_blue() {
  protostar up --offline >"$E2E_DIR/up.log" 2>&1 || {
    tail -n 30 "$E2E_DIR/up.log"
    return 1
  }
  V1_IMAGE=$(state_value BACKEND_BLUE_IMAGE)
  echo "$V1_IMAGE" >"$E2E_DIR/v1.image"
  [[ $(served_by) == "blue $(image_version_of "$V1_IMAGE")" ]]
}
v1_image() { cat "$E2E_DIR/v1.image"; }
v1_version() { image_version_of "$(v1_image)"; }

deploy_under_load_switches_to_green() {
  start_load deploy
  local rc=0
  protostar deploy backend "$V2_TAG" >"$E2E_DIR/deploy.out" 2>&1 || rc=$?
  cat "$E2E_DIR/deploy.out"
  stop_load 100 || die "requests failed during the deploy"
  ((rc == 0)) || die "deploy exit status $rc"
  grep -qE '^\[7/7\] \+[0-9.]+s keeping blue warm for 15 min' "$E2E_DIR/deploy.out" || die "no step 7/7"
  grep -qE "^Deployed $V2_IMAGE on green \(was $(v1_image) on blue\) in [0-9.]+s$" "$E2E_DIR/deploy.out" || die "no summary line"
  [[ $(served_by) == "green $V2_TAG" ]]
}
state_and_audit_after_deploy() {
  cat "$E2E_DIR/state/state.env"
  [[ $(state_value ACTIVE_COLOR) == green && $(state_value BACKEND_GREEN_IMAGE) == "$V2_IMAGE" &&
    $(state_value BACKEND_BLUE_IMAGE) == "$(v1_image)" ]] || die "state.env"
  grep 'backend-green;' "$E2E_DIR/state/nginx/active-backend.conf" || die "include"
  tail -n 1 "$E2E_DIR/state/audit.log" |
    grep -E " action=deploy service=backend user=[^ ]+ from=$(v1_image) to=$V2_IMAGE color=blue->green result=ok duration=[0-9.]+s$" ||
    die "audit line: $(tail -n 1 "$E2E_DIR/state/audit.log")"
  ! lock_present
}
# The deploy's window: blue runs on, status says until when a rollback is a switch, a
# timer waits to end it; retire ends it now, keeping the container.
old_color_stays_warm_until_retired() {
  [[ $(container_state backend-blue) == running && $(container_state backend-green) == running ]] ||
    die "blue is $(container_state backend-blue), green $(container_state backend-green)"
  [[ $(state_value WARM_COLOR) == blue && $(state_value WARM_UNTIL) =~ ^[0-9]+$ ]] || die "no warm window in state.env"
  protostar status >"$E2E_DIR/status-warm.out" 2>&1 || true
  grep -E '^Rollback: +instant until [0-9:]{8} UTC \(backend-blue runs ' "$E2E_DIR/status-warm.out" || die "status: $(cat "$E2E_DIR/status-warm.out")"
  pgrep -f 'protostar[ -]retire --when-due' >/dev/null || die "no timer waits to end the window"
  protostar retire >"$E2E_DIR/retire.out" 2>&1 || {
    cat "$E2E_DIR/retire.out"
    return 1
  }
  [[ $(container_state backend-blue) == exited && $(container_state backend-green) == running ]] || die "blue is $(container_state backend-blue)"
  protostar status 2>&1 | grep -E "^Rollback: +starts backend-blue with $(v1_image) again" || die "status after retire"
  tail -n 1 "$E2E_DIR/state/audit.log" | grep -E " action=retire service=backend .*result=ok "
}
status_healthy_after_deploy() { protostar status | tee /dev/stderr | grep 'Active colour: green'; }

rollback_under_load_restarts_blue() {
  start_load rollback
  protostar rollback >"$E2E_DIR/rollback.out" 2>&1 || {
    cat "$E2E_DIR/rollback.out"
    return 1
  }
  cat "$E2E_DIR/rollback.out"
  stop_load 100 || die "requests failed during the rollback"
  grep -q "starting backend-blue with $(v1_image)" "$E2E_DIR/rollback.out" || die "blue was not started"
  [[ $(served_by) == "blue $(v1_version)" && $(state_value ACTIVE_COLOR) == blue ]] || die "blue does not serve"
  # green stays warm in its turn
  [[ $(container_state backend-green) == running && $(state_value WARM_COLOR) == green ]] || die "green is $(container_state backend-green)"
  tail -n 1 "$E2E_DIR/state/audit.log" | grep -E " action=rollback .* from=$V2_IMAGE to=$(v1_image) color=green->blue result=ok "
}

# Within green's window the default rollback is a switch (to green); then --keep-warm
# goes back to blue, keeping green with no end to its window.
rollback_within_the_window_is_a_switch() {
  start_load warm-rollback
  protostar rollback >"$E2E_DIR/rollback-warm.out" 2>&1 || {
    cat "$E2E_DIR/rollback-warm.out"
    return 1
  }
  cat "$E2E_DIR/rollback-warm.out"
  stop_load 50 || die "requests failed during the warm rollback"
  grep -q "backend-green runs $V2_IMAGE and is ready (warm)" "$E2E_DIR/rollback-warm.out" || die "not warm"
  # Its time is reported, not judged: the 1 s goal is scripts/bench/deploy-under-load's
  # (a check on two busy cores would only flake).
  local seconds
  seconds=$(sed -nE 's/^Rolled back to .* in ([0-9.]+)s$/\1/p' "$E2E_DIR/rollback-warm.out")
  [[ -n "$seconds" ]] || die "no time in the rollback's summary"
  echo "rollback to the warm colour took ${seconds}s"
  [[ $(served_by) == "green $V2_TAG" && $(container_state backend-blue) == running && $(state_value WARM_COLOR) == blue ]] ||
    die "after the rollback to green"
  protostar rollback --keep-warm >"$E2E_DIR/rollback-keep.out" 2>&1 || {
    cat "$E2E_DIR/rollback-keep.out"
    return 1
  }
  grep -q "backend-blue runs $(v1_image) and is ready (warm)" "$E2E_DIR/rollback-keep.out" || die "blue not warm"
  [[ $(served_by) == "blue $(v1_version)" && $(container_state backend-green) == running && $(state_value WARM_UNTIL) == never ]]
}

# The broken image is deployed in the background; while it waits for readiness, a
# second deploy must be refused naming the first one.
broken_image_fails_and_concurrent_deploy_is_refused() {
  protostar compose stop backend-green >/dev/null 2>&1 || die "stopping green"
  start_load broken
  (protostar_script deploy backend "$BROKEN_TAG" --timeout 90 >"$E2E_DIR/broken.out" 2>&1) &
  local bg=$! i rc=0 second_rc=0 second
  for ((i = 0; i < 100; i++)); do
    [[ -f "$E2E_DIR/state/deploy.lock/owner" ]] && break
    sleep 0.1
  done
  second=$(protostar deploy backend "$V2_TAG" 2>&1) || second_rc=$?
  wait "$bg" || rc=$? # before any verdict: nothing may outlive this check
  echo "second deploy (exit $second_rc): $second"
  cat "$E2E_DIR/broken.out"
  stop_load 50 || die "requests failed during the broken deploy"
  ((second_rc != 0)) || die "the second deploy ran"
  grep -q "another deploy is in progress: pid $bg (.*), running 'protostar deploy backend $BROKEN_TAG --timeout 90'" <<<"$second" ||
    die "the refusal does not name the holder (pid $bg)"
  ((rc != 0)) || die "the broken deploy succeeded"
  grep -q "backend-green ($BROKEN_IMAGE) did not become ready" "$E2E_DIR/broken.out" || die "no readiness message"
  grep -q "    | e2e-broken: refusing to start on purpose" "$E2E_DIR/broken.out" || die "no log lines"
  grep -q "nothing was switched, blue keeps serving" "$E2E_DIR/broken.out" || die "no outcome"
  [[ $(served_by) == "blue $(v1_version)" && $(state_value ACTIVE_COLOR) == blue &&
    $(state_value BACKEND_GREEN_IMAGE) == "$V2_IMAGE" ]] || die "blue does not serve, or the state changed"
  [[ $(container_state backend-green) == none ]] || die "green is $(container_state backend-green)"
  grep 'backend-blue;' "$E2E_DIR/state/nginx/active-backend.conf" || die "include"
  tail -n 1 "$E2E_DIR/state/audit.log" | grep " to=$BROKEN_IMAGE .* result=failed reason=\"backend-green" || die "audit"
  ! lock_present
}

# deploy_then_kill SIGNAL — a deploy in the background, killed while the new colour starts:
# its container runs, not yet ready (a Spring Boot start takes seconds).
deploy_then_kill() {
  (protostar_script deploy backend "$V2_TAG" >"$E2E_DIR/killed-$1.out" 2>&1) &
  local bg=$!
  wait_until 60 "the deploy to start backend-green" service_runs backend-green ||
    die "backend-green did not start: $(cat "$E2E_DIR/killed-$1.out")"
  kill "-$1" "$bg" || die "the deploy had ended already"
  wait "$bg" || KILLED_STATUS=$?
  cat "$E2E_DIR/killed-$1.out"
}
sigterm_mid_deploy_undoes_it() {
  local KILLED_STATUS=0
  deploy_then_kill TERM
  ((KILLED_STATUS == 143)) || die "exit status $KILLED_STATUS"
  grep -q 'interrupted (SIGTERM)' "$E2E_DIR/killed-TERM.out" || die "no interruption message"
  [[ $(container_state backend-green) == none ]] || die "green is $(container_state backend-green)"
  ! lock_present || die "lock left"
  [[ $(state_value ACTIVE_COLOR) == blue && $(served_by) == "blue $(v1_version)" ]] || die "blue does not serve"
  tail -n 1 "$E2E_DIR/state/audit.log" | grep 'result=failed reason="interrupted by SIGTERM"'
}
sigkill_mid_deploy_leaves_a_stale_lock_the_next_deploy_takes_over() {
  local KILLED_STATUS=0
  deploy_then_kill KILL
  lock_present || die "no lock left by the killed deploy"
  [[ $(state_value ACTIVE_COLOR) == blue && $(served_by) == "blue $(v1_version)" ]] || die "blue does not serve"
  protostar deploy backend "$V2_TAG" --drain 1 >"$E2E_DIR/after-kill.out" 2>&1 || {
    cat "$E2E_DIR/after-kill.out"
    return 1
  }
  cat "$E2E_DIR/after-kill.out"
  grep -q 'stale deploy lock: pid [0-9]* .* no longer runs; taking it over' "$E2E_DIR/after-kill.out" || die "no stale-lock message"
  ! lock_present || die "lock left"
  [[ $(served_by) == "green $V2_TAG" ]]
}

maintenance_on_answers_503_envelope() {
  protostar maintenance on --message "Back soon" --retry-after 120 || die "maintenance on"
  local code headers
  headers=$(curl -sS -o "$E2E_DIR/maintenance.body" -D - --cacert "$TLS_DIR/tls.crt" "https://localhost:$HTTPS_PORT/api/health")
  echo "$headers"
  grep -q '^HTTP/[0-9.]* 503' <<<"$headers" || die "not 503"
  grep -qi '^retry-after: 120' <<<"$headers" || die "no Retry-After"
  grep -qi '^content-type: application/json' <<<"$headers" || die "not JSON"
  jq -e '.resultCode == "MAINTENANCE" and .data == null and .message == "Back soon"' "$E2E_DIR/maintenance.body" ||
    die "body: $(cat "$E2E_DIR/maintenance.body")"
  code=$(curl -s -o "$E2E_DIR/page.body" -w '%{http_code}' --cacert "$TLS_DIR/tls.crt" "https://localhost:$HTTPS_PORT/")
  [[ "$code" == 503 ]] || die "/ answered $code"
  grep -q '<p>Back soon</p>' "$E2E_DIR/page.body" || die "page: $(cat "$E2E_DIR/page.body")"
  [[ $(https_get /nginx-health) == ok ]] || die "/nginx-health"
  protostar maintenance status | grep 'maintenance: on since'
}
maintenance_keeps_nginx_healthy() {
  local i
  for ((i = 0; i < 12; i++)); do
    [[ $(container_health nginx) == healthy ]] || return 1
    sleep 1
  done
}
maintenance_off_serves_again() {
  protostar maintenance off || die "maintenance off"
  https_get /api/health | jq -e '.resultCode == "OK"'
  protostar maintenance status | grep -x 'maintenance: off'
}

# The load's failures: every answer that was not 200.
load_failures() { cat "$LOAD_DIR"/*.codes | grep -cvx 200 || true; }

# Green serves e2e-v2 here. The drill image passes readiness, then fails every request:
# the canary must see it at 25% and send everything back to green.
canary_with_failing_image_aborts() {
  printf 'FROM %s\nENV PROTOSTAR_DRILL_FAIL_PERCENT=100 PROTOSTAR_VERSION=%s\n' "$V2_IMAGE" "$DRILL_TAG" |
    docker build -q -t "$DRILL_IMAGE" - >/dev/null || die "building $DRILL_IMAGE"
  start_load canary-abort
  local rc=0 reported seen
  PROTOSTAR_CANARY_POLL=2 protostar deploy backend "$DRILL_TAG" --canary 25,100 --step 60s --min-requests 10 \
    >"$E2E_DIR/canary-abort.out" 2>&1 || rc=$?
  sleep 2
  touch "$LOAD_DIR/stop"
  wait "${LOAD_PIDS[@]}" || true
  cat "$E2E_DIR/canary-abort.out"
  ((rc == 1)) || die "exit status $rc"
  grep -q '^protostar: canary aborted at 25%: 5xx rate 100.0% > 1%' "$E2E_DIR/canary-abort.out" || die "no abort message"
  reported=$(sed -n 's/.*clients got \([0-9]*\) error responses.*/\1/p' "$E2E_DIR/canary-abort.out")
  seen=$(load_failures)
  echo "load: $(cat "$LOAD_DIR"/*.codes | wc -l) requests, $seen not 200; the deploy reported $reported"
  ((seen > 0 && seen == reported)) || die "the clients saw $seen errors, the deploy reported ${reported:-none}"
  [[ $(served_by) == "green $V2_TAG" ]] || die "green does not serve: $(served_by)"
  [[ $(container_state backend-blue) == none ]] || die "blue is $(container_state backend-blue)"
  [[ $(state_value ACTIVE_COLOR) == green ]] || die "state"
  tail -n 1 "$E2E_DIR/state/audit.log" | grep " to=$DRILL_IMAGE .* result=aborted reason=\"canary aborted at 25%"
}

# A healthy canary, back to v1 on blue in two steps, under load: 0 failed requests.
canary_under_load_promotes_blue() {
  start_load canary
  PROTOSTAR_CANARY_POLL=2 protostar deploy backend "$(v1_image)" --canary 50,100 --step 6s --min-requests 5 \
    --drain 2 >"$E2E_DIR/canary.out" 2>&1 || {
    cat "$E2E_DIR/canary.out"
    return 1
  }
  cat "$E2E_DIR/canary.out"
  stop_load 50 || die "requests failed during the canary"
  grep -qE '^      50%: [0-9]+ requests to blue, 0 with 5xx, p95 [0-9]+ ms$' "$E2E_DIR/canary.out" || die "no 50% figures"
  [[ $(served_by) == "blue $(v1_version)" ]] || die "blue does not serve: $(served_by)"
  grep -q '^  \* backend-blue;$' "$E2E_DIR/state/nginx/active-backend.conf" || die "include"
}

# A browser following /api/events while questions are asked during a blue/green switch:
# the old colour ends its streams with a reconnect hint when it stops, the client comes
# back through nginx to the new colour with Last-Event-ID, and must then hold every event
# of the user's stream exactly once, in order, each question's job completed.
sse_across_a_switch_exactly_once() {
  local token="$E2E_DIR/admin.token" user conversation target before n=0 job missing="" response colors
  user=$(login_to "$token" "$PROTOSTAR_ADMIN_EMAIL" "$PROTOSTAR_ADMIN_PASSWORD") || die "admin login"
  expect_created_conversation "$token"
  conversation=$(cat "$E2E_DIR/conversation.id")
  sse_follow_start switch "$token" || die "the SSE client did not connect"
  before=$(state_value ACTIVE_COLOR)
  # Questions every second, in the background, until told to stop (bounded).
  (deadline=$((SECONDS + 180)); while [[ ! -e "$E2E_DIR/asking.stop" ]] && ((SECONDS < deadline)); do
    n=$((n + 1))
    response=$(api POST "/api/conversations/$conversation/messages" "{\"message\":\"Question $n about parental leave\"}" \
      -H "Authorization: Bearer $(cat "$token")") || response="curl-failed"
    # "<status> <jobId>" per question
    printf '%s %s\n' "$(head -n 1 <<<"$response")" "$(tail -n +2 <<<"$response" | jq -r '.data.jobId // "-"' 2>/dev/null || echo -)"
    sleep 1
  done >"$E2E_DIR/asked.log") &
  local asking=$!
  sleep 3
  target=$(switch_target)
  protostar deploy backend "$target" --drain 3 >"$E2E_DIR/deploy-sse.out" 2>&1 || { cat "$E2E_DIR/deploy-sse.out"; die "deploy"; }
  sleep 5
  touch "$E2E_DIR/asking.stop"
  wait "$asking" || true
  echo "questions: $(wc -l <"$E2E_DIR/asked.log"), answers: $(cut -d' ' -f1 "$E2E_DIR/asked.log" | sort | uniq -c | paste -sd,)"
  [[ $(wc -l <"$E2E_DIR/asked.log") -ge 8 ]] || die "too few questions asked"
  ! grep -qv '^202 ' "$E2E_DIR/asked.log" || die "a question was not accepted: $(grep -v '^202 ' "$E2E_DIR/asked.log" | head -n 3)"
  # Every question's job completes, and the client saw it.
  while read -r _ job; do
    sse_wait 90 "select(.event == \"completed\" and (.data | fromjson | .jobId) == \"$job\")" || missing+=" $job"
  done <"$E2E_DIR/asked.log"
  sse_follow_stop
  [[ -z "$missing" ]] || die "no completed event for:$missing"
  # The client started on the old colour and ended on the new one, through a reconnect.
  colors=$(jq -r 'select(.event == "ready") | .data | fromjson | .color' "$SSE_OUT" | uniq | paste -sd' ')
  echo "the stream's colours, in order: $colors"
  [[ ${colors%% *} == "$before" && ${colors##* } != "$before" ]] || die "the client did not move from $before"
  # Exactly once, in order: no id twice, ids increasing, and each question's events whole:
  # accepted, its tokens, the answer they spell, completed.
  jq -r 'select(.id != null) | .id' "$SSE_OUT" >"$E2E_DIR/received.ids"
  [[ $(sort -u "$E2E_DIR/received.ids" | wc -l) -eq $(wc -l <"$E2E_DIR/received.ids") ]] || die "an event arrived twice"
  sort -t- -k1,1n -k2,2n -c "$E2E_DIR/received.ids" || die "events out of order"
  # The backend's `accepted` comes first (published before the job is queued). A job may
  # be retried (a worker stopped by the rolling deploy): the client then starts over at
  # `retrying`, so the tokens after the last one count.
  while read -r _ job; do
    [[ $(sse_job_events "$job" | jq -r .event | uniq | paste -sd' ') =~ ^accepted\ ((token )*retrying )*(token )+answer\ completed$ ]] ||
      die "job $job: $(sse_job_events "$job" | jq -r .event | uniq -c | paste -sd' ')"
    [[ $(sse_job_events "$job" | jq -sj '(map(.event) | rindex("retrying") // -1) as $r
        | .[$r + 1:][] | select(.event == "token") | .data.text') == \
      "$(sse_job_events "$job" | jq -r 'select(.event == "answer") | .data.content')" ]] || die "job $job: tokens missing"
  done <"$E2E_DIR/asked.log"
  # And nothing else: what the user's stream still holds (it keeps about the last 1,000
  # events) is exactly what was received over the same span.
  protostar_compose exec -T redis redis-cli EVAL \
    "local ids = {} for i, e in ipairs(redis.call('XRANGE', KEYS[1], ARGV[1], '+')) do ids[i] = e[1] end return ids" \
    1 "protostar:events:user:$user" "$(head -n 1 "$E2E_DIR/received.ids")" >"$E2E_DIR/stream.ids"
  echo "received $(wc -l <"$E2E_DIR/received.ids") events with ids; the stream still holds $(wc -l <"$E2E_DIR/stream.ids") of that span"
  [[ -s "$E2E_DIR/stream.ids" ]] || die "the user's stream is empty"
  diff "$E2E_DIR/stream.ids" <(grep -Fx -A1000000 "$(head -n 1 "$E2E_DIR/stream.ids")" "$E2E_DIR/received.ids") ||
    die "received events differ from the stream"
}
# --- The web app across a switch, mid-answer (issue 15) ---------------------------------------
# The suite's answers come from scripts/test/e2e/slow-model.pl (ANSWER_* in its .env, the
# stand-in started by the check below): an answer that streams until the suite says it
# may finish, so a deploy falls in its middle. Only questions with passages reach a model;
# the checks before this one upload no document and still get the offline answer at once.
SLOW_MODEL_PORT=8000
with_slow_model() {
  sed -i -e "s|^ANSWER_PROVIDER=.*|ANSWER_PROVIDER=openai|" \
    -e "s|^ANSWER_BASE_URL=.*|ANSWER_BASE_URL=http://slow-model:$SLOW_MODEL_PORT/v1|" \
    -e "s|^ANSWER_MODEL=.*|ANSWER_MODEL=slow-standin|" \
    -e "s|^ANSWER_TIMEOUT=.*|ANSWER_TIMEOUT=300s|" "$PROTOSTAR_ENV_FILE"
}
slow_model_container() { echo "$E2E_PROJECT-slow-model"; }
remove_slow_model() { docker rm -f "$(slow_model_container)" >/dev/null 2>&1 || true; }
# start_slow_model DIR — on the stack's internal network as slow-model, DIR as its /model.
start_slow_model() {
  local network
  network=$(docker network ls -q --filter "label=com.docker.compose.project=$E2E_PROJECT" \
    --filter label=com.docker.compose.network=internal)
  [[ -n "$network" ]] || die "no internal network of $E2E_PROJECT"
  docker run -d --name "$(slow_model_container)" --network "$network" --network-alias slow-model \
    -v "$1:/model" -v "$PROTOSTAR_ROOT/scripts/test/e2e/slow-model.pl:/slow-model.pl:ro" \
    --entrypoint perl protostar/nginx:1.26 /slow-model.pl "$SLOW_MODEL_PORT" /model 100 240 >/dev/null ||
    die "starting the slow model"
  wait_until 30 "the slow model to listen" slow_model_says listening || die "the slow model did not start"
}
slow_model_says() { docker logs "$(slow_model_container)" 2>&1 | grep -q "$1"; }
document_ready() { [[ $(psql_app "select status from documents where id = '$1'") == ready ]]; }
# switch_target — what a deploy switches to: v1 when the active colour runs e2e-v2, else e2e-v2.
switch_target() {
  if [[ $(state_value "BACKEND_$(tr '[:lower:]' '[:upper:]' <<<"$(state_value ACTIVE_COLOR)")_IMAGE") == "$V2_IMAGE" ]]; then
    v1_image
  else
    echo "$V2_TAG"
  fi
}

# DeployDuringAnswerBrowserTests in headless chromium, a real deploy in its middle: the
# test signs up, asks, and once the answer streams writes `streaming` into the signals
# directory; the backend is deployed (--drain 3), `deployed` written, and three seconds
# of answer later `finish`, on which the slow model ends its answer. The test then holds
# what the page showed against what the model said and what was stored, and the page's
# event-stream connections against the switch (DeployDuringAnswerBrowserTests.java).
web_app_shows_an_answer_streamed_across_a_switch_once() {
  local signals="$E2E_DIR/browser-switch" token="$E2E_DIR/admin.token" response id before target rc=0 browser_rc=0
  rm -rf "$signals" || die "removing $signals"
  mkdir -p "$signals" || die "creating $signals"
  # Whatever happens, nothing started here outlives the check: the trap is its subshell's
  # own, and it runs after this function's locals are gone, hence these two globals.
  BROWSER_SIGNALS=$signals BROWSER_PID=""
  trap end_browser_check EXIT
  login_to "$token" "$PROTOSTAR_ADMIN_EMAIL" "$PROTOSTAR_ADMIN_PASSWORD" >/dev/null || die "admin login"
  # Unique, so that the check can run again on a kept stack (a duplicate is refused).
  printf 'Parental leave (%s): sixteen weeks at full pay, for either parent; tell your manager four weeks ahead.\n' \
    "$(basename "$E2E_DIR")-$SECONDS" >"$E2E_DIR/parental-leave.txt"
  response=$(curl -sS --cacert "$TLS_DIR/tls.crt" -H "Authorization: Bearer $(cat "$token")" \
    -F "file=@$E2E_DIR/parental-leave.txt;type=text/plain" -F 'title=Parental leave' -F access=PUBLIC \
    -w '\n%{http_code}' "https://localhost:$HTTPS_PORT/api/admin/documents") || die "upload: $response"
  [[ ${response##*$'\n'} == 201 ]] || die "upload: $response"
  id=$(head -n -1 <<<"$response" | jq -r .data.document.id) || die "no document id: $response"
  wait_until 120 "the document to be ready" document_ready "$id" || die "the document is not ready"
  start_slow_model "$signals"
  rm -f "$PROTOSTAR_ROOT/backend/browser-tests/target/screenshots/deploy-during-answer.png"
  # Its own process group (setsid), so that the trap ends maven, its test JVM, the driver
  # and chromium together.
  (cd "$PROTOSTAR_ROOT" && exec setsid ./mvnw -B -q -pl backend/browser-tests test -Dtest=DeployDuringAnswerBrowserTests \
    "-Dprotostar.browser.base-url=https://localhost:$HTTPS_PORT" "-Dprotostar.browser.deploy-signals=$signals") \
    >"$E2E_DIR/browser-switch.log" 2>&1 &
  BROWSER_PID=$!
  # Maven and chromium start first, on two busy cores.
  wait_until 300 "the browser to see the answer stream" streaming_or_gone || die "no streaming answer"
  [[ -e "$signals/streaming" ]] || die "the browser test ended before the answer streamed: $(tail -n 40 "$E2E_DIR/browser-switch.log")"
  before=$(state_value ACTIVE_COLOR)
  target=$(switch_target)
  protostar deploy backend "$target" --drain 3 >"$E2E_DIR/deploy-browser.out" 2>&1 || rc=$?
  touch "$signals/deployed"
  cat "$E2E_DIR/deploy-browser.out"
  sleep 3 # more of the answer, on the new colour only
  touch "$signals/finish"
  wait "$BROWSER_PID" || browser_rc=$?
  BROWSER_PID=""
  cat "$E2E_DIR/browser-switch.log"
  cat "$signals/browser-report.txt" 2>/dev/null || true
  docker logs "$(slow_model_container)" 2>&1
  ((rc == 0)) || die "deploy exit status $rc"
  [[ $(state_value ACTIVE_COLOR) != "$before" ]] || die "no switch from $before"
  ((browser_rc == 0)) || die "the browser test failed (exit $browser_rc)"
  slow_model_says 'request 1: answered' || die "the model did not finish its answer"
  ! slow_model_says 'request 2:' || die "the model was asked twice (a retried job)"
  [[ -s "$PROTOSTAR_ROOT/backend/browser-tests/target/screenshots/deploy-during-answer.png" ]] || die "no screenshot"
}
streaming_or_gone() { [[ -e "$BROWSER_SIGNALS/streaming" ]] || ! kill -0 "$BROWSER_PID" 2>/dev/null; }
end_browser_check() {
  touch "$BROWSER_SIGNALS/deployed" "$BROWSER_SIGNALS/finish" 2>/dev/null || true
  [[ -z "$BROWSER_PID" ]] || kill -- "-$BROWSER_PID" 2>/dev/null || true
  remove_slow_model
}
# expect_created_conversation TOKEN-FILE — a new conversation's id into conversation.id.
expect_created_conversation() {
  local response
  response=$(api POST /api/conversations '{"title":"Switch"}' -H "Authorization: Bearer $(cat "$1")")
  [[ $(head -n 1 <<<"$response") == 201 ]] || die "creating a conversation: $response"
  tail -n +2 <<<"$response" | jq -r .data.id >"$E2E_DIR/conversation.id"
}

worker_container() { docker ps -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME" --filter label=com.docker.compose.service=ai-worker; }

# The rolling ai-worker deploy: the old worker stops (SIGTERM, graceful) only once the new
# one is healthy; one worker remains, with the new image.
worker_rolling_deploy() {
  local before after
  before=$(worker_container)
  printf 'FROM %s\nENV PROTOSTAR_VERSION=%s\n' "$(state_value AI_WORKER_IMAGE)" "$WORKER_TAG" |
    docker build -q -t "$WORKER_IMAGE" - >/dev/null || die "building $WORKER_IMAGE"
  protostar deploy ai-worker "$WORKER_TAG" --grace 30 >"$E2E_DIR/worker.out" 2>&1 || {
    cat "$E2E_DIR/worker.out"
    return 1
  }
  cat "$E2E_DIR/worker.out"
  # 143: the JVM ended on the SIGTERM after its shutdown hooks; 0 when they raced it to
  # the end. Either way not killed (137) at the end of the grace period.
  grep -qE "finished its jobs and stopped \(exit (0|143)\)" "$E2E_DIR/worker.out" || die "the old worker did not stop gracefully"
  after=$(worker_container)
  [[ $(wc -l <<<"$after") -eq 1 && "$after" != "$before" ]] || die "workers before: $before, after: $after"
  [[ $(docker inspect -f '{{.Config.Image}} {{.State.Health.Status}}' "$after") == "$WORKER_IMAGE healthy" ]] || die "new worker"
  [[ $(state_value AI_WORKER_IMAGE) == "$WORKER_IMAGE" ]] || die "state"
}
worker_rollback() {
  local previous
  previous=$(state_value AI_WORKER_PREVIOUS_IMAGE)
  protostar rollback ai-worker --grace 30 >"$E2E_DIR/worker-rollback.out" 2>&1 || {
    cat "$E2E_DIR/worker-rollback.out"
    return 1
  }
  [[ $(docker inspect -f '{{.Config.Image}}' "$(worker_container)") == "$previous" ]] || die "not back on $previous"
  protostar status >/dev/null || die "status is not healthy"
  tail -n 1 "$E2E_DIR/state/audit.log" | grep -E " action=rollback service=ai-worker user=[^ ]+ from=$WORKER_IMAGE to=$previous result=ok"
}

# The signing key rotated: a token issued before still works after it, and one issued
# after too (the new colour signs with the new key and accepts the old one's tokens).
rotate_jwt_signs_nobody_out() {
  local before="$E2E_DIR/before.token" after="$E2E_DIR/after.token" old_key colour
  login_to "$before" "$PROTOSTAR_ADMIN_EMAIL" "$PROTOSTAR_ADMIN_PASSWORD" >/dev/null || die "admin login"
  old_key=$(sed -n 's/^JWT_SECRET=//p' "$PROTOSTAR_ENV_FILE")
  colour=$(state_value ACTIVE_COLOR)
  protostar secrets rotate jwt --drain 1 >"$E2E_DIR/rotate.out" 2>&1 || {
    cat "$E2E_DIR/rotate.out"
    return 1
  }
  cat "$E2E_DIR/rotate.out"
  [[ $(state_value ACTIVE_COLOR) != "$colour" ]] || die "no blue/green switch"
  [[ $(sed -n 's/^JWT_PREVIOUS_SECRET=//p' "$PROTOSTAR_ENV_FILE") == "$old_key" ]] || die "the old key is not the previous one"
  [[ $(sed -n 's/^JWT_SECRET=//p' "$PROTOSTAR_ENV_FILE") =~ ^[0-9a-f]{64}$ ]] || die "no new 64-hex key"
  [[ $(api GET /api/me '' -H "Authorization: Bearer $(cat "$before")" | head -n 1) == 200 ]] || die "the token from before was refused"
  login_to "$after" "$PROTOSTAR_ADMIN_EMAIL" "$PROTOSTAR_ADMIN_PASSWORD" >/dev/null || die "admin login after"
  [[ $(api GET /api/me '' -H "Authorization: Bearer $(cat "$after")" | head -n 1) == 200 ]] || die "the token from after was refused"
}

# role_connects ROLE PASSWORD — ROLE opens a connection over TCP (password checked) with it.
role_connects() {
  [[ $(protostar_compose exec -T -e "PGPASSWORD=$2" postgres psql -X -h 127.0.0.1 -U "$1" -d "$POSTGRES_DB" -tAc 'select 1' 2>/dev/null) == 1 ]]
}

# secrets rotate postgres under load: new passwords in the database and .env, both apps
# redeployed with them, PostgreSQL never restarted, no request failed; then `up` finds
# nothing to restart or redeploy.
rotate_postgres_under_load() {
  local postgres_run old new worker
  postgres_run=$(docker inspect -f '{{.Id}} {{.State.StartedAt}}' "$(protostar_compose ps -q postgres)")
  old=$(sed -n 's/^POSTGRES_BACKEND_PASSWORD=//p' "$PROTOSTAR_ENV_FILE") worker=$(worker_container)
  start_load rotate-postgres
  protostar secrets rotate postgres >"$E2E_DIR/rotate-postgres.out" 2>&1 || {
    cat "$E2E_DIR/rotate-postgres.out"
    die "the rotation failed"
  }
  stop_load 50 || die "requests failed during the rotation"
  new=$(sed -n 's/^POSTGRES_BACKEND_PASSWORD=//p' "$PROTOSTAR_ENV_FILE")
  [[ "$new" =~ ^[0-9a-f]{48}$ && "$new" != "$old" ]] || die "no new POSTGRES_BACKEND_PASSWORD in .env"
  [[ $(docker inspect -f '{{.Id}} {{.State.StartedAt}}' "$(protostar_compose ps -q postgres)") == "$postgres_run" ]] ||
    die "postgres was restarted"
  role_connects protostar_backend "$new" || die "the backend's role does not log in with the new password"
  refute role_connects protostar_backend "$old" || die "the old password still opens a connection"
  role_connects "$POSTGRES_USER" "$(sed -n 's/^POSTGRES_PASSWORD=//p' "$PROTOSTAR_ENV_FILE")" || die "the superuser's new password does not log in"
  [[ "$(worker_container)" != "$worker" ]] || die "the worker was not replaced"
  # the apps' own connections (a fixed pool each), opened with the new passwords
  [[ $(psql_app "SELECT count(DISTINCT usename) FROM pg_stat_activity WHERE usename IN ('protostar_backend', 'protostar_worker')") == 2 ]] ||
    die "the apps hold no connections"
  protostar up >"$E2E_DIR/up-after-rotate.out" 2>&1 || {
    cat "$E2E_DIR/up-after-rotate.out"
    die "up failed after the rotation"
  }
  ! grep -q '^\[redeploy\]' "$E2E_DIR/up-after-rotate.out" || die "up redeployed after the rotation"
}

# keys rotate under load: a second data key reaches every app, then becomes the active
# one, no request failing; the backend re-encrypts what the first key wrote (the admin's
# questions of the SSE check, their answers, the conversation's title), which still reads
# back through the API; keys status then finds nothing on k1, and retire takes it out of
# .env and of both apps.
rotate_data_key_under_load() {
  local token="$E2E_DIR/admin.token" conversation left
  conversation=$(cat "$E2E_DIR/conversation.id")
  [[ $(psql_app "SELECT count(*) FROM messages WHERE content LIKE 'pse1:k1:%'") -ge 2 ]] || die "nothing was written with k1 to begin with"
  start_load data-key
  protostar keys rotate >"$E2E_DIR/keys-rotate.out" 2>&1 || {
    cat "$E2E_DIR/keys-rotate.out"
    die "the rotation failed"
  }
  stop_load 50 || die "requests failed during the rotation"
  grep -E '^\[(add|activate)\]|^Key ' "$E2E_DIR/keys-rotate.out"
  [[ $(sed -n 's/^DATA_ENCRYPTION_ACTIVE_KEY=//p' "$PROTOSTAR_ENV_FILE") == k2 ]] || die "k2 is not the active key"
  # The backend's pass, asked for by the rotation once both apps were redeployed.
  for _ in $(seq 1 30); do
    left=$(psql_app "SELECT (SELECT count(*) FROM messages WHERE content NOT LIKE 'pse1:k2:%')
      + (SELECT count(*) FROM conversations WHERE title NOT LIKE 'pse1:k2:%')")
    [[ "$left" == 0 ]] && break
    sleep 2
  done
  echo "values not yet with k2: $left"
  [[ "$left" == 0 ]] || die "the backend did not re-encrypt every value with k2"
  login_to "$token" "$PROTOSTAR_ADMIN_EMAIL" "$PROTOSTAR_ADMIN_PASSWORD" >/dev/null || die "admin login"
  expect_api 200 OK GET "/api/conversations/$conversation/messages" '' -H "Authorization: Bearer $(cat "$token")"
  jq -e '.data.items[0].content == "Question 1 about parental leave"' "$E2E_DIR/api.json" >/dev/null ||
    die "the re-encrypted question does not read back: $(jq -c '.data.items[0]' "$E2E_DIR/api.json")"
  protostar keys status >"$E2E_DIR/keys-status.out" 2>&1 || {
    cat "$E2E_DIR/keys-status.out"
    die "keys status failed"
  }
  cat "$E2E_DIR/keys-status.out"
  grep -q "^k1: nothing stored or queued uses it" "$E2E_DIR/keys-status.out" || die "status does not offer k1's retirement"
  protostar keys retire k1 >"$E2E_DIR/keys-retire.out" 2>&1 || {
    cat "$E2E_DIR/keys-retire.out"
    die "retire failed"
  }
  [[ $(sed -n 's/^DATA_ENCRYPTION_KEYS=//p' "$PROTOSTAR_ENV_FILE") =~ ^k2:[^,]+$ ]] || die "k1 is still in .env"
  ! docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$(worker_container)" | grep -q '^DATA_ENCRYPTION_KEYS=.*k1:' ||
    die "the worker still holds k1"
  expect_api 200 OK GET "/api/conversations/$conversation/messages" '' -H "Authorization: Bearer $(cat "$token")"
}

# anonymous_limit — the backend's limit for calls without a token, as its RateLimit-Limit
# header says it.
anonymous_limit() { https_headers /api/openapi.json | tr -d '\r' | sed -n 's/^ratelimit-limit: //Ip'; }

# Settings changed in .env.backend and .env.ai-worker reach the apps through `up`: the
# backend blue/green, the worker rolling, while the load counts every failed request.
up_applies_changed_app_settings_under_load() {
  local colour worker
  [[ "$(anonymous_limit)" == 60 ]] || die "the anonymous limit is not the default 60: $(anonymous_limit)"
  colour=$(state_value ACTIVE_COLOR) worker=$(worker_container)
  printf 'PROTOSTAR_RATE_LIMIT_ANONYMOUS_PER_MINUTE=1000\n' >"$E2E_DIR/.env.backend"
  printf 'PROTOSTAR_ANSWER_PASSAGES=4\n' >"$E2E_DIR/.env.ai-worker"
  start_load settings
  protostar up >"$E2E_DIR/up-settings.out" 2>&1 || {
    cat "$E2E_DIR/up-settings.out"
    die "up failed"
  }
  stop_load 50 || die "requests failed while up applied the settings"
  grep -E '^\[redeploy\] (backend|ai-worker):' "$E2E_DIR/up-settings.out" || die "up did not redeploy the apps"
  [[ "$(anonymous_limit)" == 1000 ]] || die "the new limit did not reach the backend: $(anonymous_limit)"
  [[ $(state_value ACTIVE_COLOR) != "$colour" ]] || die "no blue/green switch"
  [[ "$(worker_container)" != "$worker" ]] || die "the worker was not replaced"
  docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$(worker_container)" | grep -qx PROTOSTAR_ANSWER_PASSAGES=4 ||
    die "the worker does not have the new setting"
  # Nothing changed since: a second run redeploys nothing.
  protostar up >"$E2E_DIR/up-again.out" 2>&1 || die "up again failed"
  ! grep -q '^\[redeploy\]' "$E2E_DIR/up-again.out" || die "up redeployed again with nothing changed"
}

e2e_setup deploy
e2e_with_admin
with_slow_model
cleanup() {
  local status=$1
  # Before the teardown: a container still on the stack's network keeps it from going.
  [[ -n "$keep" ]] || remove_slow_model
  e2e_teardown "$status"
  [[ -n "$keep" ]] || docker image rm "$BROKEN_IMAGE" "$DRILL_IMAGE" "$WORKER_IMAGE" "$V2_IMAGE" >/dev/null 2>&1 || true
}
trap 'cleanup $?' EXIT

check "the test images build from this checkout's jar (e2e-v2, and e2e-broken)" build_test_images
check "up starts the stack on blue" up_blue
check "deploy under load switches to green: the new version answers, 0 failed requests" deploy_under_load_switches_to_green
check "the state, include and audit line record the deploy; the lock is gone" state_and_audit_after_deploy
check "the old colour stays warm (status: rollback instant until ...); retire stops it, its container kept" old_color_stays_warm_until_retired
check "status is healthy after the deploy" status_healthy_after_deploy
check "rollback under load restarts the stopped blue: the previous version answers, 0 failed requests; green stays warm" rollback_under_load_restarts_blue
check "within green's window the default rollback is only a switch (its time printed, 0 failed); --keep-warm back to blue" rollback_within_the_window_is_a_switch
check "a broken image fails readiness: no switch, logs shown, removed; a second deploy is refused" broken_image_fails_and_concurrent_deploy_is_refused
check "SIGTERM mid-deploy removes the half-started colour and releases the lock" sigterm_mid_deploy_undoes_it
check "SIGKILL mid-deploy: the next deploy reports the stale lock, takes it over and succeeds" sigkill_mid_deploy_leaves_a_stale_lock_the_next_deploy_takes_over
check "maintenance on: 503 envelope with Retry-After on /api/, HTML elsewhere, /nginx-health 200" maintenance_on_answers_503_envelope
check "maintenance keeps nginx's own health check passing" maintenance_keeps_nginx_healthy
check "maintenance off serves the application again" maintenance_off_serves_again
check "a canary of an image failing every request aborts at 25%: back to green, clients' errors counted exactly" canary_with_failing_image_aborts
check "a healthy canary 50% -> 100% under load promotes blue, 0 failed requests" canary_under_load_promotes_blue
check "an SSE client across a blue/green switch, questions asked meanwhile: every event exactly once" sse_across_a_switch_exactly_once
check "the web app in chromium, a deploy mid-answer: the full answer shown once, streamed over both colours" web_app_shows_an_answer_streamed_across_a_switch_once
check "deploy ai-worker: the new worker is healthy before the old one stops gracefully" worker_rolling_deploy
check "rollback ai-worker returns to the previous image, the stack healthy" worker_rollback
check "secrets rotate jwt: a token from before the rotation and one from after both work" rotate_jwt_signs_nobody_out
check "secrets rotate postgres under load: new passwords in use, PostgreSQL not restarted, 0 failed requests" rotate_postgres_under_load
check "keys rotate under load: k2 reaches every app, then writes; k1's values re-encrypted; k1 retired; 0 failed requests" rotate_data_key_under_load
check "settings changed in .env.backend and .env.ai-worker: up applies them blue/green and rolling, 0 failed requests" up_applies_changed_app_settings_under_load

echo "audit log of this run (durations):"
sed 's/^/  /' "$E2E_DIR/state/audit.log" 2>/dev/null || true
e2e_summary
