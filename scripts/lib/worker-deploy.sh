# shellcheck shell=bash
# Rolling replacement of the ai-worker: a worker with the new image starts beside the
# running one and must pass its health check before the old one is asked to stop. The old
# worker then gets SIGTERM and a grace period (--grace): it takes no new job and finishes
# the ones in flight (graceful shutdown). There is always a worker consuming the queue, and
# no job is cut off unless it outlives the grace period; a job cut off that way is handed
# to another worker by the queue (at-least-once delivery). Needs config.sh; sourced by
# deploy.sh.

# shellcheck source=scripts/lib/change.sh
source "$PROTOSTAR_ROOT/scripts/lib/change.sh"
# shellcheck source=scripts/lib/containers.sh
source "$PROTOSTAR_ROOT/scripts/lib/containers.sh"
# shellcheck source=scripts/lib/hooks.sh
source "$PROTOSTAR_ROOT/scripts/lib/hooks.sh"

WORKER_OLD_IDS=() WORKER_NEW_IDS=()

# worker_new_ids — the ai-worker containers that were not there before this run.
worker_new_ids() {
  local id old
  while read -r id; do
    [[ -n "$id" ]] || continue
    for old in "${WORKER_OLD_IDS[@]}"; do
      [[ "$id" == "$old" ]] && continue 2
    done
    printf '%s\n' "$id"
  done < <(service_containers ai-worker --all)
}

# worker_undo PHASE — what an interrupted or failed run leaves: the workers it started
# removed while the old ones still run; nothing once the old ones are being stopped.
worker_undo() {
  case "$1" in
    starting | started) remove_new_workers ;;
  esac
}

remove_new_workers() {
  mapfile -t WORKER_NEW_IDS < <(worker_new_ids)
  ((${#WORKER_NEW_IDS[@]} > 0)) || return 0
  info "      removing the new ai-worker (${#WORKER_NEW_IDS[@]} container(s))"
  docker rm --force "${WORKER_NEW_IDS[@]}" >/dev/null 2>&1 ||
    warn "could not remove ${WORKER_NEW_IDS[*]}: docker rm --force ${WORKER_NEW_IDS[*]}"
  DEPLOY_PHASE=idle
}

# worker_progress TIMEOUT SECONDS — how the new worker's start goes, SECONDS into it.
worker_progress() { info "      waiting for the new ai-worker: ${2}s of ${1}s"; }

# new_workers_healthy TIMEOUT — waits until the health check of every new worker passes;
# fails as soon as one is unhealthy or has stopped, or after TIMEOUT seconds. Only the new
# ones count: an old worker that is unhealthy (its Redis restarted under it, say) is what
# a replacement is for, and must not hold it up, as `compose up --wait` would.
new_workers_healthy() {
  local deadline=$((SECONDS + $1)) id state ready
  local -a ids
  while ((SECONDS < deadline)); do
    mapfile -t ids < <(worker_new_ids)
    ready=$((${#ids[@]} > 0))
    for id in "${ids[@]}"; do
      state=$(docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' "$id" 2>/dev/null)
      case "$state" in
        "running healthy") ;;
        "running unhealthy")
          echo "container ${id:0:12} is unhealthy"
          return 1
          ;;
        exited* | dead*)
          echo "container ${id:0:12} stopped (${state%% *})"
          return 1
          ;;
        *) ready=0 ;;
      esac
    done
    ((ready)) && return 0
    sleep 1
  done
  echo "no health check passed within ${1}s"
  return 1
}

# start_new_workers IMAGE COUNT TIMEOUT — COUNT workers with IMAGE beside the old ones,
# waited for (at most TIMEOUT seconds, with progress). They are created first and start
# with the warm-up CPU weight (backend-colors.sh explains the weights), below the running
# worker's; once healthy they get their own (AI_WORKER_CPU_SHARES) back. On failure: their
# last log lines, them removed, the run aborted.
start_new_workers() {
  local image=$1 count=$2 timeout=$3 log rc=0 began=$SECONDS id shares=""
  local -a cmd scale
  export AI_WORKER_IMAGE=$image
  mapfile -t cmd < <(compose_command)
  # --no-recreate leaves the running workers alone; --scale adds the new ones, created
  # from the configuration as it is now, so with the new image.
  scale=(--no-deps --no-recreate --scale "ai-worker=$((${#WORKER_OLD_IDS[@]} + count))" ai-worker)
  log=$(log_file "$DEPLOY_ACTION-ai-worker")
  DEPLOY_PHASE=starting
  run_watched "$log" worker_progress "$timeout" -- "${cmd[@]}" up --no-start "${scale[@]}" || rc=$?
  if ((rc == 0)); then
    mapfile -t WORKER_NEW_IDS < <(worker_new_ids)
    # The weight Compose gave them (AI_WORKER_CPU_SHARES), to give back once they are ready.
    ((${#WORKER_NEW_IDS[@]} == 0)) || shares=$(docker inspect -f '{{.HostConfig.CpuShares}}' "${WORKER_NEW_IDS[0]}" 2>/dev/null) || true
    if ((${#WORKER_NEW_IDS[@]} == 0)) || ! set_cpu_shares "$(warmup_cpu_shares)" "${WORKER_NEW_IDS[@]}"; then
      warn "could not lower the new ai-worker's CPU weight while it starts"
    fi
    run_watched "$log" worker_progress "$timeout" -- "${cmd[@]}" up --detach "${scale[@]}" || rc=$?
  fi
  if ((rc == 0)); then
    run_watched "$log.health" worker_progress "$timeout" -- new_workers_healthy "$timeout" || rc=$?
    cat "$log.health" >>"$log"
  fi
  mapfile -t WORKER_NEW_IDS < <(worker_new_ids)
  if ((rc != 0)); then
    info "the new ai-worker ($image) did not become ready (after $((SECONDS - began))s, at most ${timeout}s):"
    tail -n 5 "$log" | strip_terminal_codes | sed 's/^/    compose: /' >&2
    for id in "${WORKER_NEW_IDS[@]}"; do
      info "its last 30 log lines:"
      docker logs --tail 30 "$id" 2>&1 | sed 's/^/    | /' >&2 || true
    done
    remove_new_workers
    deploy_fail "the new ai-worker ($image) did not become ready: it was removed, the previous worker keeps consuming jobs"
  fi
  # 0 would be Docker's default, which `docker update` cannot set back: 1024 is the same.
  [[ "$shares" =~ ^[1-9][0-9]*$ ]] || shares=1024
  set_cpu_shares "$shares" "${WORKER_NEW_IDS[@]}" ||
    warn "could not give the new ai-worker its CPU weight back: docker update --cpu-shares $shares ${WORKER_NEW_IDS[*]}"
  DEPLOY_PHASE=started
}

# stop_old_workers GRACE — SIGTERM to every old worker, GRACE seconds to finish its jobs,
# then removed. Says whether each one finished in time.
stop_old_workers() {
  local grace=$1 id code
  ((${#WORKER_OLD_IDS[@]} > 0)) || return 0
  docker stop --time "$grace" "${WORKER_OLD_IDS[@]}" >/dev/null ||
    warn "could not stop ${WORKER_OLD_IDS[*]}: docker stop ${WORKER_OLD_IDS[*]}"
  for id in "${WORKER_OLD_IDS[@]}"; do
    code=$(docker inspect -f '{{.State.ExitCode}}' "$id" 2>/dev/null || echo unknown)
    if [[ "$code" == 137 ]]; then
      warn "ai-worker ${id:0:12} did not finish within ${grace}s and was killed: the queue hands its unfinished jobs to the new worker"
    else
      info "      ai-worker ${id:0:12} finished its jobs and stopped (exit $code)"
    fi
  done
  docker rm "${WORKER_OLD_IDS[@]}" >/dev/null 2>&1 || warn "could not remove the stopped ai-worker: docker rm ${WORKER_OLD_IDS[*]}"
}

# change_worker IMAGE TIMEOUT GRACE — steps 2 to 5 of an ai-worker deploy or rollback,
# the lock held and DEPLOY_FROM / DEPLOY_TO set: the new worker gets TIMEOUT seconds to
# become ready, the old one GRACE seconds to finish its jobs.
change_worker() {
  local image=$1 timeout=$2 grace=$3 count
  deploy_step 2/5 "pre-flight: image $image present, the pre-deploy hook"
  run_hook pre-deploy || deploy_fail "the pre-deploy hook failed: nothing was changed"
  mapfile -t WORKER_OLD_IDS < <(service_containers ai-worker)
  count=$((${#WORKER_OLD_IDS[@]} > 0 ? ${#WORKER_OLD_IDS[@]} : 1))
  deploy_step 3/5 "starting $count ai-worker with $image beside the ${#WORKER_OLD_IDS[@]} running, waiting until ready (at most ${timeout}s)"
  start_new_workers "$image" "$count" "$timeout"
  # Recorded before the old worker stops: whatever interrupts the stop, the state names
  # the worker that runs.
  deploy_step 4/5 "recording the state: ai-worker runs $image"
  write_state "AI_WORKER_IMAGE=$image" "AI_WORKER_PREVIOUS_IMAGE=${DEPLOY_FROM:-$image}"
  DEPLOY_PHASE=recorded
  deploy_step 5/5 "stopping the previous ai-worker: no new jobs, in-flight ones finish (at most ${grace}s)"
  stop_old_workers "$grace"
}
