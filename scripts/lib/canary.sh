# shellcheck shell=bash
# Canary deploys: the new colour takes a growing share of the requests, step by step,
# judged from nginx's access log (the 5xx rate and the p95 latency of the requests routed
# to it), and everything goes back to the old colour the moment a threshold is crossed.
# Sourced by deploy-options.sh (the option values) and deploy.sh (the run).
#
# Why the access log: it is the users' view. Each JSON line names the colour
# ($protostar_backend) the request was routed to, its status and request_time, so a
# backend that crashes, hangs or answers 5xx is seen the way clients see it, without a
# metrics system that may not run yet.

# shellcheck source=scripts/lib/change.sh
source "$PROTOSTAR_ROOT/scripts/lib/change.sh"
# shellcheck source=scripts/lib/routing.sh
source "$PROTOSTAR_ROOT/scripts/lib/routing.sh"
# shellcheck source=scripts/lib/backend-colors.sh
source "$PROTOSTAR_ROOT/scripts/lib/backend-colors.sh"

# Settings, from deploy's options (deploy-options.sh).
CANARY_STEPS="" CANARY_STEP_SECONDS=60 CANARY_MAX_ERROR_RATE=1 CANARY_MAX_P95_MS=1000
CANARY_MIN_REQUESTS=20 CANARY_BEGAN=""
CANARY_POLL_SECONDS=${PROTOSTAR_CANARY_POLL:-5}

# === Builders: no side effects ===========================================================

# canary_steps LIST — "10,50,100" as "10 50 100": increasing percentages ending at 100.
# On bad input prints why and fails.
canary_steps() {
  local list=$1 previous=0 percent
  local -a parts out=()
  if [[ ! "$list" =~ ^[0-9]{1,3}(,[0-9]{1,3})*$ ]]; then
    echo "--canary takes percentages separated by commas, e.g. 10,50,100 (got '$list')"
    return 1
  fi
  IFS=, read -ra parts <<<"$list"
  for percent in "${parts[@]}"; do
    percent=$((10#$percent))
    if ((percent <= previous || percent > 100)); then
      echo "--canary steps must increase, each between 1 and 100 (got '$list')"
      return 1
    fi
    previous=$percent
    out+=("$percent")
  done
  if ((previous != 100)); then
    echo "--canary must end at 100, where the new colour takes every request (got '$list')"
    return 1
  fi
  echo "${out[*]}"
}

# duration_seconds TEXT — "90", "90s" or "2m" in seconds; fails on anything else.
duration_seconds() {
  [[ "$1" =~ ^([0-9]{1,6})(s|m)?$ ]] || return 1
  local value=$((10#${BASH_REMATCH[1]}))
  [[ "${BASH_REMATCH[2]}" == m ]] && value=$((value * 60))
  echo "$value"
}

# canary_window_stats COLOR — from nginx access-log lines on stdin, the requests routed
# to backend-COLOR: "REQUESTS ERRORS P95_MS" (errors: status 500 and above). nginx's log
# format names it in a "color" field; "colour", the name before December 2026, is read
# too, since a canary's window may reach back to lines an older nginx config wrote.
canary_window_stats() {
  awk -v want="\"color\":\"backend-$1\"" -v also="\"colour\":\"backend-$1\"" '
    (index($0, want) || index($0, also)) && match($0, /"status":[0-9]+/) {
      status = substr($0, RSTART + 9, RLENGTH - 9) + 0
      if (!match($0, /"request_time":[0-9.]+/)) next
      printf "%d %d\n", substr($0, RSTART + 15, RLENGTH - 15) * 1000 + 0.5, (status >= 500)
    }' | sort -n | awk '
    { ms[NR] = $1; errors += $2 }
    END {
      rank = int(NR * 0.95); if (rank < NR * 0.95) rank++
      printf "%d %d %d\n", NR, errors, (NR ? ms[rank] : 0)
    }'
}

# canary_verdict REQUESTS ERRORS P95_MS — why the canary must stop (nothing when it may go
# on). Judged only from CANARY_MIN_REQUESTS requests on: a handful says too little.
canary_verdict() {
  local requests=$1 errors=$2 p95=$3
  ((requests >= CANARY_MIN_REQUESTS && requests > 0)) || return 0
  awk -v n="$requests" -v e="$errors" -v p95="$p95" -v max_rate="$CANARY_MAX_ERROR_RATE" \
    -v max_p95="$CANARY_MAX_P95_MS" 'BEGIN {
      rate = 100 * e / n
      if (rate > max_rate) printf "5xx rate %.1f%% > %s%% (%d of %d requests)\n", rate, max_rate, e, n
      else if (p95 > max_p95) printf "p95 %d ms > %d ms (%d requests)\n", p95, max_p95, n
    }'
}

# === Runner ================================================================================

# canary_stats COLOR SINCE — the stats of COLOR's requests logged since SINCE (a Unix
# time with fractions) by the running nginx.
canary_stats() {
  docker logs --since "$2" "$NGINX_CONTAINER" 2>/dev/null | canary_window_stats "$1"
}

# run_canary TO FROM — for each step of CANARY_STEPS: route that share to TO, watch it for
# CANARY_STEP_SECONDS (checking every CANARY_POLL_SECONDS), abort on a bad verdict. Ends
# with TO taking every request; the caller verifies and records.
run_canary() {
  local to=$1 from=$2 percent since end remaining nap requests errors p95 reason
  CANARY_BEGAN=$EPOCHREALTIME
  for percent in $CANARY_STEPS; do
    switch_to "$to" "$percent" "$from"
    since=$EPOCHREALTIME
    end=$((SECONDS + CANARY_STEP_SECONDS))
    requests=0 errors=0 p95=0
    info "      $percent% of requests to $to for ${CANARY_STEP_SECONDS}s"
    while remaining=$((end - SECONDS)) && ((remaining > 0)); do
      nap=$((remaining < CANARY_POLL_SECONDS ? remaining : CANARY_POLL_SECONDS))
      sleep "$nap"
      read -r requests errors p95 < <(canary_stats "$to" "$since")
      reason=$(canary_verdict "$requests" "$errors" "$p95")
      [[ -z "$reason" ]] || canary_abort "$percent" "$reason"
    done
    info "      $percent%: $requests requests to $to, $errors with 5xx, p95 ${p95} ms"
    if ((requests < CANARY_MIN_REQUESTS)); then
      warn "only $requests requests reached $to at $percent% (fewer than --min-requests $CANARY_MIN_REQUESTS): too few to judge, going on"
    fi
  done
}

# canary_abort PERCENT REASON — every request back to the old colour, the new container
# removed, then the run fails (audited as "aborted"), saying how many error responses
# clients got from the new colour: counted in nginx's log from the first step until after
# the container is gone, so requests that were in flight at the switch back count too.
canary_abort() {
  local percent=$1 reason=$2 requests errors p95
  info "      canary: $reason at $percent%: routing every request back to $DEPLOY_FROM_COLOR"
  undo_switch || warn "could not restore nginx's previous include: check $(active_include)"
  remove_started_color
  read -r requests errors p95 < <(canary_stats "$DEPLOY_TO_COLOR" "$CANARY_BEGAN")
  # shellcheck disable=SC2034 # read by deploy_on_exit
  DEPLOY_FAILED_RESULT=aborted
  deploy_fail "canary aborted at $percent%: $reason. $DEPLOY_FROM_COLOR takes every request again, backend-$DEPLOY_TO_COLOR was removed; clients got $errors error responses from it (of $requests requests routed to it, p95 $p95 ms)"
}
