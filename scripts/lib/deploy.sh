# shellcheck shell=bash
# The deploy itself, as protostar-deploy and protostar-rollback run it: the backend's
# blue/green change in its seven steps (DESIGN.md §2), the ai-worker's rolling one, and
# what a failed or interrupted run undoes. Each step is a function of the library that
# owns its concern; sourced after common.sh and config.sh (load_config done):
#
#   deploy-options.sh   the arguments: service, image reference, options
#   change.sh           the change in progress: steps, failure, undo, audit, the lock
#   routing.sh          nginx's include: switch, undo, verify through nginx
#   backend-colors.sh   start a colour behind its readiness gate, remove it, retire it
#   canary.sh           the switch in steps, judged from nginx's access log
#   worker-deploy.sh    the ai-worker's rolling replacement
#   hooks.sh            pre-deploy and post-deploy

# shellcheck source=scripts/lib/images.sh
source "$PROTOSTAR_ROOT/scripts/lib/images.sh"
# shellcheck source=scripts/lib/deploy-options.sh
source "$PROTOSTAR_ROOT/scripts/lib/deploy-options.sh"
# shellcheck source=scripts/lib/change.sh
source "$PROTOSTAR_ROOT/scripts/lib/change.sh"
# shellcheck source=scripts/lib/routing.sh
source "$PROTOSTAR_ROOT/scripts/lib/routing.sh"
# shellcheck source=scripts/lib/backend-colors.sh
source "$PROTOSTAR_ROOT/scripts/lib/backend-colors.sh"
# shellcheck source=scripts/lib/canary.sh
source "$PROTOSTAR_ROOT/scripts/lib/canary.sh"
# shellcheck source=scripts/lib/worker-deploy.sh
source "$PROTOSTAR_ROOT/scripts/lib/worker-deploy.sh"
# shellcheck source=scripts/lib/hooks.sh
source "$PROTOSTAR_ROOT/scripts/lib/hooks.sh"

# deploy_service ACTION SERVICE IMAGE COMMAND_LINE — deploys IMAGE (present in Docker) as
# SERVICE; ACTION (deploy or rollback) is what the audit log and the hooks are told,
# COMMAND_LINE what the lock shows.
deploy_service() {
  local action=$1 service=$2 image=$3 command_line=$4
  if [[ "$service" == ai-worker ]]; then
    deploy_worker "$action" "$image" "$command_line"
  else
    deploy_backend "$action" "$image" "$command_line"
  fi
}

# deploy_backend ACTION IMAGE COMMAND_LINE — the blue/green change of the backend to IMAGE;
# an empty IMAGE rolls back to the idle colour's (the version that served before). Any
# failure leaves the old colour serving and exits 1 (deploy_begin's undo: backend_undo).
deploy_backend() {
  local action=$1 image=$2 command_line=$3 from to image_id version problem previous="" warm="" minutes
  deploy_begin "$action" backend backend_undo

  deploy_step 1/7 "taking the deploy lock"
  deploy_lock "$command_line"
  load_state # what the lock now protects: read again, a deploy may have just finished
  if [[ -z "$image" ]]; then
    problem=$(rollback_problem --state)
    [[ -z "$problem" ]] || deploy_fail "nothing to roll back to: $problem"
    image=$(color_image "$(other_color "$ACTIVE_COLOR")") previous=1
  fi
  from=$ACTIVE_COLOR
  to=$(other_color "$from") || deploy_fail "the state's ACTIVE_COLOR=$from is neither blue nor green"
  DEPLOY_FROM=$(color_image "$from") DEPLOY_TO=$image DEPLOY_FROM_COLOR=$from DEPLOY_TO_COLOR=$to
  read -r image_id version < <(image_id_version "$image") || deploy_fail "image $image is no longer present in Docker"

  # Asked before the pre-flight, which a warm colour spares its own nginx -t.
  color_ready "$to" "$image" "$image_id" && warm=1
  deploy_step 2/7 "pre-flight: ${warm:+(warm) }nginx -t, state agrees with nginx ($from)"
  backend_preflight "$warm"

  if [[ -n "$warm" ]]; then
    deploy_step 3/7 "backend-$to runs $image and is ready (warm)"
  else
    deploy_step 3/7 "starting backend-$to with $image (CPU weight $(warmup_cpu_shares) until the switch), waiting until ready (at most ${DEPLOY_TIMEOUT}s), then warming it up"
    start_color "$to" "$image" "$DEPLOY_TIMEOUT"
    warm_up_color "$to"
    settle_color "$to"
  fi
  give_serving_weight "$to"

  if [[ -n "$CANARY_STEPS" ]]; then
    deploy_step 4/7 "canary: $to takes ${CANARY_STEPS// /%, }% of requests, ${CANARY_STEP_SECONDS}s each; abort on 5xx > $CANARY_MAX_ERROR_RATE% or p95 > $CANARY_MAX_P95_MS ms"
    run_canary "$to" "$from"
  else
    deploy_step 4/7 "switching nginx to $to"
    switch_to "$to"
  fi

  deploy_step 5/7 "verifying through nginx: $to ${version:-(version unknown)} answers"
  verify_color "$to" "$version"

  deploy_step 6/7 "recording the state: $to active with $image"
  record_backend_state "$to" "$image"
  info "      serving $image after $(seconds_since "$DEPLOY_BEGAN_US")s"

  minutes=$(warm_minutes)
  if [[ -n "$DEPLOY_KEEP_WARM" ]]; then
    deploy_step 7/7 "leaving $from running without traffic"
  elif ((minutes > 0)); then
    deploy_step 7/7 "keeping $from warm for ${minutes} min: until then a rollback is only a switch"
  else
    deploy_step 7/7 "draining $from for ${DEPLOY_DRAIN}s, then stopping it (kept for rollback)"
  fi
  retire_color "$from" "$DEPLOY_DRAIN" "$DEPLOY_KEEP_WARM" "$minutes"

  if [[ -n "$previous" ]]; then
    deploy_finish "Rolled back to $image on $to (from ${DEPLOY_FROM:-nothing} on $from)"
  else
    deploy_finish "Deployed $image on $to (was ${DEPLOY_FROM:-nothing} on $from)"
  fi
}

# deploy_worker ACTION IMAGE COMMAND_LINE — the ai-worker's rolling replacement by IMAGE,
# in five steps: the lock, then worker-deploy.sh's four.
deploy_worker() {
  local action=$1 image=$2 command_line=$3
  deploy_begin "$action" ai-worker worker_undo
  deploy_step 1/5 "taking the deploy lock"
  deploy_lock "$command_line"
  load_state
  DEPLOY_FROM=${AI_WORKER_IMAGE:-} DEPLOY_TO=$image
  change_worker "$image" "$DEPLOY_TIMEOUT" "$DEPLOY_GRACE"
  deploy_finish "Deployed $image as ai-worker (was ${DEPLOY_FROM:-nothing})"
}

# redeploy_backend ACTION COMMAND_LINE — deploy_backend with the image the active colour
# runs: the idle colour starts with the settings as they are now, then takes the traffic.
# Both colours would then name that image; the one that served gets the idle colour's
# previous image instead, so a rollback still goes back a version (it recreates that
# colour's container with it).
redeploy_backend() {
  # The colour that served runs with the settings from before, which a rollback would
  # not bring back as they were (it recreates that colour): no warm window for it.
  local serving=$ACTIVE_COLOR image idle_image DEPLOY_WARM_MINUTES=0
  image=$(color_image "$serving") idle_image=$(color_image "$(other_color "$serving")")
  deploy_backend "$1" "$image" "$2"
  if [[ -n "$idle_image" && "$idle_image" != "$image" ]]; then
    write_state "$(color_image_var "$serving")=$idle_image"
  fi
}

# redeploy_worker ACTION COMMAND_LINE — deploy_worker with the image the worker runs, which
# would become its own previous image: the one before stays the rollback target.
redeploy_worker() {
  local previous=${AI_WORKER_PREVIOUS_IMAGE:-}
  deploy_worker "$1" "$AI_WORKER_IMAGE" "$2"
  [[ -z "$previous" ]] || write_state "AI_WORKER_PREVIOUS_IMAGE=$previous"
}

# rollback_problem [--state] — why the backend cannot go back to the idle colour (nothing
# when it can): it must hold another image, still present in Docker (with --state, the
# caller looks for the image itself).
rollback_problem() {
  local active idle state_only=${1:-}
  [[ -n "${ACTIVE_COLOR:-}" ]] || {
    echo "nothing is deployed yet"
    return
  }
  other_color "$ACTIVE_COLOR" >/dev/null || {
    echo "the state's ACTIVE_COLOR=$ACTIVE_COLOR is neither blue nor green"
    return
  }
  active=$(color_image "$ACTIVE_COLOR")
  idle=$(color_image "$(other_color "$ACTIVE_COLOR")")
  if [[ -z "$idle" ]]; then
    echo "the state names no image for $(other_color "$ACTIVE_COLOR")"
  elif [[ "$idle" == "$active" ]]; then
    echo "both colours have $idle, there is no previous version"
  elif [[ -z "$state_only" ]] && ! image_exists "$idle"; then
    echo "the previous image $idle is no longer present in Docker"
  fi
}

# backend_preflight [WARM] — nginx runs and accepts its configuration (asked here unless
# WARM), the recorded active colour is the one nginx's include routes to, and the
# pre-deploy hook agrees. A canary needs
# nginx's own answers, which maintenance replaces.
backend_preflight() {
  local warm=${1:-} live include
  if [[ -n "$CANARY_STEPS" && -f "$(maintenance_file)" ]]; then
    deploy_fail "maintenance is on: nginx answers every request itself, so a canary would have nothing to judge. Deploy without --canary, or turn maintenance off first"
  fi
  include=$(active_include)
  nginx_running || deploy_fail "nginx is not running: start the stack first (protostar up)"
  # Before a colour is started for nothing. A warm one starts nothing, and the switch
  # runs nginx -t before its reload in the same exec (nothing reloaded if it fails): one
  # exec less on the path a rollback is timed by.
  [[ -n "$warm" ]] || nginx_test || deploy_fail "nginx -t fails on the running configuration: fix it before changing anything"
  live=$(include_color "$include")
  if [[ "$live" != "$ACTIVE_COLOR" ]]; then
    deploy_fail "the state says ACTIVE_COLOR=$ACTIVE_COLOR but nginx's include $include routes to ${live:-no colour}: an earlier change was cut short or a file was edited. Decide which colour should serve, make ACTIVE_COLOR in $(state_file) and the include name it, reload nginx (protostar compose exec nginx nginx -s reload), then retry"
  fi
  run_hook pre-deploy || deploy_fail "the pre-deploy hook failed: nothing was changed"
}

# record_backend_state COLOR IMAGE — COLOR active with IMAGE in state.env: from here on
# the change stands, nothing is undone.
record_backend_state() {
  write_state "ACTIVE_COLOR=$1" "$(color_image_var "$1")=$2"
  DEPLOY_PHASE=recorded DEPLOY_STARTED_COLOR=""
  keep_switch
}

# backend_undo PHASE — back to what was serving before: the previous include (reloaded if
# the new one was), the colour this run started removed. Nothing once the state is
# recorded.
backend_undo() {
  local phase=$1
  case "$phase" in
    switched | reloaded)
      undo_switch || warn "could not restore nginx's previous include: check $(active_include)"
      phase=$DEPLOY_PHASE # undo_switch went back to "started"
      ;;
  esac
  case "$phase" in
    starting | started) remove_started_color ;;
  esac
  return 0
}

# deploy_finish TEXT — audited, the post-deploy hook run, TEXT and the time on stdout.
deploy_finish() {
  deploy_succeeded
  run_hook post-deploy || warn "the post-deploy hook failed (the $DEPLOY_ACTION itself succeeded)"
  deploy_summary "$1"
}
