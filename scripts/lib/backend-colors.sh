# shellcheck shell=bash
# The backend's two colours, blue and green: which image a colour runs, starting one
# behind its readiness gate, removing what a failed run started, and retiring the colour
# that served before (drained, stopped, its container kept for a rollback). Needs
# config.sh; sourced by canary.sh and deploy.sh.

# shellcheck source=scripts/lib/change.sh
source "$PROTOSTAR_ROOT/scripts/lib/change.sh"
# shellcheck source=scripts/lib/containers.sh
source "$PROTOSTAR_ROOT/scripts/lib/containers.sh"

# === Builders: no side effects ===========================================================

# other_color COLOR — blue <-> green.
other_color() {
  case "$1" in
    blue) echo green ;;
    green) echo blue ;;
    *) return 1 ;;
  esac
}

# color_image_var COLOR — the state variable holding that colour's image.
color_image_var() { printf 'BACKEND_%s_IMAGE\n' "${1^^}"; }

# color_image COLOR — the image the state records for COLOR.
color_image() {
  local var
  var=$(color_image_var "$1")
  printf '%s\n' "${!var:-}"
}

# start_color_args COLOR TIMEOUT — the compose arguments that start one colour and wait
# for its readiness (the other services are running already: --no-deps).
start_color_args() {
  printf '%s\n' up --detach --no-deps --wait --wait-timeout "$2" "backend-$1"
}

# === Runners ===============================================================================

# The colour this run started (not a warm one it found): what a failure removes.
DEPLOY_STARTED_COLOR=""

color_health() {
  local id
  id=$(service_containers "backend-$1" --all | head -n 1)
  [[ -n "$id" ]] || {
    echo "no container yet"
    return
  }
  docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id" 2>/dev/null || echo unknown
}

# color_ready COLOR IMAGE — that colour runs IMAGE with the settings as they are now (a
# warm colour started before .env or .env.backend changed is not ready: it would bring
# back the old settings) and its health check passes.
color_ready() {
  local id
  id=$(service_containers "backend-$1" | head -n 1)
  [[ -n "$id" ]] || return 1
  [[ "$(docker inspect -f '{{.State.Health.Status}} {{.Config.Image}}' "$id" 2>/dev/null)" == "healthy $2" ]] || return 1
  [[ -z "$(
    export "$(color_image_var "$1")=$2"
    outdated_services "backend-$1"
  )" ]]
}

# starting_progress COLOR TIMEOUT SECONDS — how the start goes, SECONDS into it.
starting_progress() {
  info "      waiting for backend-$1: ${3}s of ${2}s, health: $(color_health "$1")"
}

# start_color COLOR IMAGE TIMEOUT — starts COLOR with IMAGE (exported for this run only)
# and waits for its health check, printing progress. On failure: its last log lines, the
# container removed, the run aborted.
start_color() {
  local color=$1 image=$2 timeout=$3 log began=$SECONDS
  local -a cmd args
  export "$(color_image_var "$color")=$image"
  mapfile -t cmd < <(compose_command)
  mapfile -t args < <(start_color_args "$color" "$timeout")
  log=$(log_file "$DEPLOY_ACTION-backend-$color")
  DEPLOY_PHASE=starting DEPLOY_STARTED_COLOR=$color
  if ! run_watched "$log" starting_progress "$color" "$timeout" -- "${cmd[@]}" "${args[@]}"; then
    info "backend-$color ($image) did not become ready (after $((SECONDS - began))s, at most ${timeout}s):"
    tail -n 5 "$log" | strip_terminal_codes | sed 's/^/    compose: /' >&2
    info "its last 30 log lines:"
    compose logs --no-color --no-log-prefix --tail 30 "backend-$color" 2>&1 | strip_terminal_codes | sed 's/^/    | /' >&2 || true
    remove_started_color
    deploy_fail "backend-$color ($image) did not become ready: its container was removed, nothing was switched, $DEPLOY_FROM_COLOR keeps serving"
  fi
  DEPLOY_PHASE=started
}

# remove_started_color — removes the container this run started (not a warm one it found).
remove_started_color() {
  [[ -n "$DEPLOY_STARTED_COLOR" ]] || return 0
  info "      removing backend-$DEPLOY_STARTED_COLOR"
  compose rm --stop --force "backend-$DEPLOY_STARTED_COLOR" >/dev/null 2>&1 ||
    warn "could not remove backend-$DEPLOY_STARTED_COLOR: protostar compose rm --stop --force backend-$DEPLOY_STARTED_COLOR"
  DEPLOY_STARTED_COLOR=""
  DEPLOY_PHASE=idle
}

# retire_color COLOR DRAIN KEEP_WARM — the colour that served before: drained, then
# stopped with its container kept (a rollback restarts it), or left running (--keep-warm).
retire_color() {
  local color=$1 drain=$2 keep_warm=$3
  if [[ -n "$keep_warm" ]]; then
    info "      backend-$color keeps running without traffic (--keep-warm: a rollback is only a switch)"
    return 0
  fi
  sleep "$drain"
  if ! compose stop "backend-$color" >"$(log_file "$DEPLOY_ACTION-stop-$color")" 2>&1; then
    warn "could not stop backend-$color (it receives no traffic): protostar compose stop backend-$color"
  fi
}
