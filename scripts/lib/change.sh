# shellcheck shell=bash
# One change in progress (a deploy, a rollback, maintenance on/off) and what a failure or
# an interruption leaves behind: the phase it reached, why it failed, the command running
# in the background, the undo to run, the audit line and the lock. The libraries that
# change things (routing, backend-colors, canary, worker-deploy, hooks) source this one
# and fail through deploy_fail: none of them calls up into the flow that uses it (checked
# by scripts/test/libs.bats). Needs STATE_DIR (config.sh); protostar-maintenance sources
# it too.

# shellcheck source=scripts/lib/lock.sh
source "$PROTOSTAR_ROOT/scripts/lib/lock.sh"
# shellcheck source=scripts/lib/audit.sh
source "$PROTOSTAR_ROOT/scripts/lib/audit.sh"

# DEPLOY_PHASE: idle → starting → started → switched → reloaded → recorded → finished.
# What an interrupted or failed run undoes depends on it: the undo given to deploy_begin
# is called with it.
DEPLOY_ACTION="" DEPLOY_SERVICE="" DEPLOY_FROM="" DEPLOY_TO="" DEPLOY_FROM_COLOR="" DEPLOY_TO_COLOR=""
DEPLOY_PHASE=idle DEPLOY_REASON="" DEPLOY_BEGAN_US=${EPOCHREALTIME/./} DEPLOY_BG_PID="" DEPLOY_UNDO=""
DEPLOY_AUDITED="" DEPLOY_AUDIT_ARMED="" DEPLOY_FAILED_RESULT=failed DEPLOY_ON_FAILURE=""

# seconds_since MICROSECONDS — "12.3": the time since an ${EPOCHREALTIME/./} reading.
seconds_since() {
  local tenths=$(((${EPOCHREALTIME/./} - $1) / 100000))
  printf '%d.%d\n' $((tenths / 10)) $((tenths % 10))
}

# deploy_step N/M TEXT — a numbered step with the time since the change began.
deploy_step() { step "$1" "+$(seconds_since "$DEPLOY_BEGAN_US")s $2"; }

# deploy_fail REASON — aborts; REASON goes into the audit line too.
deploy_fail() {
  DEPLOY_REASON=$1
  abort "$1"
}

# deploy_begin ACTION SERVICE UNDO — the change starts: traps that run UNDO PHASE (a
# function of the caller, given here) when it fails or is interrupted, audit it and free
# the lock.
deploy_begin() {
  DEPLOY_ACTION=$1 DEPLOY_SERVICE=$2 DEPLOY_UNDO=$3 DEPLOY_BEGAN_US=${EPOCHREALTIME/./}
  trap deploy_on_exit EXIT
  trap 'deploy_on_signal INT 130' INT
  trap 'deploy_on_signal TERM 143' TERM
  trap 'deploy_on_signal HUP 129' HUP
}

deploy_on_signal() {
  DEPLOY_REASON="interrupted by SIG$1"
  info ""
  info "protostar: interrupted (SIG$1): undoing what was not finished"
  exit "$2"
}

deploy_on_exit() {
  local status=$?
  trap '' INT TERM HUP
  if [[ -n "$DEPLOY_BG_PID" ]]; then
    kill "$DEPLOY_BG_PID" 2>/dev/null || true
    wait "$DEPLOY_BG_PID" 2>/dev/null || true
    DEPLOY_BG_PID=""
  fi
  if ((status != 0)); then
    "$DEPLOY_UNDO" "$DEPLOY_PHASE" || true # best effort: the lock is released whatever happens here
    # The command's own undo (what it changed before the deploy), still under the lock.
    [[ -z "$DEPLOY_ON_FAILURE" ]] || "$DEPLOY_ON_FAILURE" || true
    if [[ -n "$DEPLOY_AUDIT_ARMED" && -z "$DEPLOY_AUDITED" ]]; then
      deploy_audit "$DEPLOY_FAILED_RESULT" "${DEPLOY_REASON:-exit status $status}" || true
    fi
  fi
  release_lock || true
  exit "$status"
}

# deploy_lock COMMAND — takes the deploy lock; from here on every outcome is audited and
# the command runs ahead of the host's other work (raise_priority).
deploy_lock() {
  acquire_lock "$1"
  DEPLOY_AUDIT_ARMED=1
  raise_priority
}

# raise_priority — this command, and the docker, compose and curl processes it starts from
# now on, get the CPU and the disk before the host's other processes: on a saturated host a
# rollback to a warm colour took 20 s instead of under one, its handful of calls waiting
# for the cores like everyone else. Best effort: a negative nice value needs root (the CLI
# runs as root on the host); refused, the change goes on at the usual priority. Containers
# are not the CLI's children: their weights are their own (backend-colors.sh).
PRIORITY_RAISED=""
raise_priority() {
  [[ -z "$PRIORITY_RAISED" ]] || return 0
  renice -n -10 -p $$ >/dev/null 2>&1 || true
  ionice -c 2 -n 0 -p $$ >/dev/null 2>&1 || true
  PRIORITY_RAISED=1
}

# deploy_audit RESULT [REASON] — appends the line for this change.
deploy_audit() {
  append_audit "$(audit_line "$(utc_now)" "$DEPLOY_ACTION" "$DEPLOY_SERVICE" "$(deploy_user)" "$DEPLOY_FROM" \
    "$DEPLOY_TO" "$DEPLOY_FROM_COLOR" "$DEPLOY_TO_COLOR" "$1" "${2:-}" "$(seconds_since "$DEPLOY_BEGAN_US")")"
  DEPLOY_AUDITED=1
}

# deploy_succeeded — the change is done: nothing to undo any more, audited as ok.
deploy_succeeded() {
  DEPLOY_PHASE=finished
  deploy_audit ok
}

# deploy_summary TEXT — the closing line on stdout: TEXT and the time the change took.
deploy_summary() { printf '%s in %ss\n' "$1" "$(seconds_since "$DEPLOY_BEGAN_US")"; }

# run_watched LOG PROGRESS [ARG...] -- CMD... — CMD in the background, its output in LOG;
# every PROTOSTAR_PROGRESS_INTERVAL seconds (default 5) while it runs, PROGRESS ARG...
# SECONDS prints how it goes (PROGRESS: a function of the caller). Returns CMD's status.
run_watched() {
  local log=$1 began=$SECONDS next interval rc=0
  local -a progress=()
  shift
  while [[ "$1" != -- ]]; do
    progress+=("$1")
    shift
  done
  shift
  interval=${PROTOSTAR_PROGRESS_INTERVAL:-5}
  # Run directly (not through a function, which would fork a subshell): $! is the
  # command's own pid, so an interrupted run can stop it (deploy_on_exit).
  "$@" >"$log" 2>&1 &
  DEPLOY_BG_PID=$!
  next=$((SECONDS + interval))
  while kill -0 "$DEPLOY_BG_PID" 2>/dev/null; do
    if ((SECONDS >= next)); then
      "${progress[@]}" $((SECONDS - began))
      next=$((SECONDS + interval))
    fi
    sleep 0.2
  done
  wait "$DEPLOY_BG_PID" || rc=$?
  DEPLOY_BG_PID=""
  return "$rc"
}
