# shellcheck shell=bash
# Blue/green deploys of the backend: the deploy lock, pre-flight checks, starting a colour
# behind its readiness gate, switching nginx, verifying through it, draining, hooks, the
# audit log and maintenance mode. Sourced by protostar-deploy, -rollback and -maintenance
# after common.sh and config.sh (load_config done).
#
# The first part only BUILDS text (image references, include parsing, audit lines, nginx
# snippets, curl arguments) and runs nothing, so tests call it directly; the second part
# RUNS commands and keeps the one deploy in progress consistent, whatever stops it.

# shellcheck source=scripts/lib/images.sh
source "$PROTOSTAR_ROOT/scripts/lib/images.sh"
# shellcheck source=scripts/lib/canary.sh
source "$PROTOSTAR_ROOT/scripts/lib/canary.sh"
# shellcheck source=scripts/lib/worker-deploy.sh
source "$PROTOSTAR_ROOT/scripts/lib/worker-deploy.sh"

# === Builders: no side effects ===========================================================

DEPLOYABLE_SERVICES="backend ai-worker"
DEPLOY_TAG_RE='^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$'
DEPLOY_NAME_COMPONENT='[a-z0-9]+([._-]+[a-z0-9]+)*'
DEPLOY_REFERENCE_RE="^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]+)?/)?$DEPLOY_NAME_COMPONENT(/$DEPLOY_NAME_COMPONENT)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?\$"

# other_colour COLOUR — blue <-> green.
other_colour() {
  case "$1" in
    blue) echo green ;;
    green) echo blue ;;
    *) return 1 ;;
  esac
}

# colour_image_var COLOUR — the state variable holding that colour's image.
colour_image_var() { printf 'BACKEND_%s_IMAGE\n' "${1^^}"; }

# check_service SERVICE — prints why SERVICE cannot be deployed (nothing when it can).
check_service() {
  case "$1" in
    backend | ai-worker) ;;
    *) echo "unknown service '$1' (deployable: $DEPLOYABLE_SERVICES)" ;;
  esac
}

# image_reference SERVICE ARG — the image ARG names: a bare tag means
# protostar/SERVICE:TAG; anything with '/', ':' or '@' is a full reference, which must
# carry a tag or a digest. Fails (prints nothing) when ARG is neither.
image_reference() {
  local service=$1 arg=$2
  if [[ "$arg" =~ $DEPLOY_TAG_RE ]]; then
    printf 'protostar/%s:%s\n' "$service" "$arg"
  elif [[ "$arg" =~ $DEPLOY_REFERENCE_RE ]] && [[ "${arg##*/}" == *:* || "$arg" == *@* ]]; then
    printf '%s\n' "$arg"
  else
    return 1
  fi
}

# include_colour FILE — the colour an active-backend include sends every request to;
# "split" for a weighted split; nothing when the file is missing or names no colour.
include_colour() {
  local file=$1 entries
  [[ -r "$file" ]] || return 0
  entries=$(sed -nE 's/^[[:space:]]*([0-9.]+%|\*)[[:space:]]+backend-(blue|green)[[:space:]]*;.*$/\1 \2/p' "$file")
  if [[ "$entries" =~ ^\*\ (blue|green)$ ]]; then
    printf '%s\n' "${BASH_REMATCH[1]}"
  elif [[ -n "$entries" ]]; then
    echo split
  fi
}

# routing_summary FILE — where the active-backend include sends requests, in words.
routing_summary() {
  local colour shares
  colour=$(include_colour "$1")
  case "$colour" in
    "") echo "no include yet" ;;
    split)
      shares=$(sed -nE 's/^[[:space:]]*([0-9.]+%)[[:space:]]+backend-(blue|green);.*$/\1 to \2/p' "$1" | paste -sd, -)
      printf '%s, the rest to %s (a canary deploy)\n' "${shares//,/, }" \
        "$(sed -nE 's/^[[:space:]]*\*[[:space:]]+backend-(blue|green);.*$/\1/p' "$1")"
      ;;
    *) echo "every request to $colour" ;;
  esac
}

# audit_line TIME ACTION SERVICE USER FROM TO FROM_COLOUR TO_COLOUR RESULT REASON SECONDS
# — one line of STATE_DIR/audit.log: key=value pairs, the reason quoted; no colour pair
# for a service without colours (ai-worker).
audit_line() {
  local time=$1 action=$2 service=$3 user=$4 from=$5 to=$6 from_colour=$7 to_colour=$8
  local result=$9 reason=${10} seconds=${11} line
  line="$time action=$action service=$service user=$user from=${from:--} to=${to:--}"
  [[ -z "$from_colour$to_colour" ]] || line+=" colour=${from_colour:--}->${to_colour:--}"
  line+=" result=$result"
  if [[ -n "$reason" ]]; then
    reason=${reason//$'\n'/ }
    line+=" reason=\"${reason//\"/\'}\""
  fi
  printf '%s duration=%ss\n' "$line" "$seconds"
}

# public_request_args PATH — curl arguments that reach PATH through the stack's public
# HTTPS endpoint on this host, trusting the stack's own certificate (the host name is
# pinned to the bind address, so no DNS is involved).
public_request_args() {
  local address=$BIND_ADDRESS
  [[ "$address" == 0.0.0.0 ]] && address=127.0.0.1
  printf '%s\n' -sS --max-time 5 --cacert "$TLS_DIR/tls.crt" \
    --resolve "$PUBLIC_HOSTNAME:$HTTPS_PORT:$address" "$(public_url)${1#/}"
}

# strip_terminal_codes — compose writes cursor controls (ESC[2K) even into pipes.
strip_terminal_codes() { sed 's/\x1b\[[0-9;]*[A-Za-z]//g'; }

# backend_header HEADERS — the value of X-Protostar-Backend in a curl -D dump.
backend_header() {
  tr -d '\r' <<<"$1" | sed -n 's/^[Xx]-[Pp]rotostar-[Bb]ackend:[[:space:]]*//p' | tail -n 1
}

# Both read by protostar-maintenance.
# shellcheck disable=SC2034
MAINTENANCE_MESSAGE_RE='^[A-Za-z0-9 .,:!?()/_+-]{1,200}$'
# shellcheck disable=SC2034
MAINTENANCE_DEFAULT_MESSAGE="Protostar is down for maintenance. Please try again in a few minutes."

# maintenance_conf MESSAGE RETRY_AFTER SINCE — the nginx snippet `maintenance on` drops
# into the 443 server block. /api/ answers the JSON envelope, every other path a small
# HTML page, both 503 with Retry-After; /nginx-health (an exact location) is untouched.
# MESSAGE must match MAINTENANCE_MESSAGE_RE (no quotes, '$', '\' or markup).
maintenance_conf() {
  local message=$1 retry_after=$2 since=$3
  cat <<CONF
# Written by \`protostar maintenance on\`; \`protostar maintenance off\` removes it.
# since=$since
# message=$message
location ^~ /api/ {
  default_type application/json;
  add_header Retry-After $retry_after always;
  add_header Cache-Control "no-store" always;
  return 503 '{"resultCode":"MAINTENANCE","data":null,"message":"$message"}';
}
location ~ ^/ {
  default_type text/html;
  add_header Retry-After $retry_after always;
  add_header Cache-Control "no-store" always;
  return 503 '<!doctype html><html><head><meta charset="utf-8"><title>Maintenance</title></head><body><h1>Maintenance</h1><p>$message</p></body></html>\n';
}
CONF
}

# === Runners ===============================================================================

active_include() { printf '%s/nginx/active-backend.conf\n' "$STATE_DIR"; }
maintenance_file() { printf '%s/nginx/maintenance.conf\n' "$STATE_DIR"; }
lock_dir() { printf '%s/deploy.lock\n' "$STATE_DIR"; }
audit_file() { printf '%s/audit.log\n' "$STATE_DIR"; }
utc_now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# deploy_user — who is deploying: PROTOSTAR_ACTOR (a CI job may pass the person who
# started it), else the sudo caller, else the user running the command.
deploy_user() {
  printf '%s\n' "${PROTOSTAR_ACTOR:-${SUDO_USER:-$(id -un 2>/dev/null || id -u)}}"
}

image_version() {
  docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$1" 2>/dev/null |
    sed -n 's/^PROTOSTAR_VERSION=//p' | head -n 1
}

# --- The lock ------------------------------------------------------------------------------
# A directory made with mkdir (atomic) holding an "owner" file: pid, the pid's start time
# (so a reused pid is not taken for the holder), user, host, command, start. A short flock
# guards the check-and-take, so two commands never both take over one stale lock.
LOCK_HELD=""

lock_owner_value() { sed -n "s/^$2=//p" "$1/owner" 2>/dev/null | head -n 1; }

process_start_time() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }

lock_describe() {
  local dir=$1
  if [[ ! -f "$dir/owner" ]]; then
    printf 'an unknown holder (no owner file in %s)\n' "$dir"
    return
  fi
  printf "pid %s (%s@%s), running '%s' since %s\n" "$(lock_owner_value "$dir" pid)" \
    "$(lock_owner_value "$dir" user)" "$(lock_owner_value "$dir" host)" \
    "$(lock_owner_value "$dir" command)" "$(lock_owner_value "$dir" started)"
}

# lock_is_stale DIR — its holder is known to be gone: a pid of this host that no longer
# runs (or now belongs to another process), or no owner file after a minute.
lock_is_stale() {
  local dir=$1 pid start host
  if [[ ! -f "$dir/owner" ]]; then
    (($(date +%s) - $(stat -c %Y "$dir" 2>/dev/null || date +%s) > 60))
    return
  fi
  pid=$(lock_owner_value "$dir" pid)
  start=$(lock_owner_value "$dir" pid_start)
  host=$(lock_owner_value "$dir" host)
  [[ "$host" == "$(uname -n)" ]] || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  [[ -d "/proc/$pid" ]] || return 0
  [[ -n "$start" && "$(process_start_time "$pid")" != "$start" ]]
}

# acquire_lock COMMAND — takes the deploy lock or aborts naming its holder.
acquire_lock() {
  local command=$1 dir guard tmp
  dir=$(lock_dir)
  mkdir -p "$STATE_DIR"
  exec {guard}>"$STATE_DIR/.deploy.lock.guard"
  flock -w 10 "$guard" || abort "could not take $STATE_DIR/.deploy.lock.guard within 10s"
  if ! mkdir "$dir" 2>/dev/null; then
    if lock_is_stale "$dir"; then
      warn "stale deploy lock: $(lock_describe "$dir") no longer runs; taking it over"
      rm -rf "$dir"
      mkdir "$dir"
    else
      local holder host
      holder=$(lock_describe "$dir")
      host=$(lock_owner_value "$dir" host)
      exec {guard}>&-
      if [[ -n "$host" && "$host" != "$(uname -n)" ]]; then
        abort "the deploy lock is held by $holder on another host: if nothing runs there, remove $dir"
      fi
      abort "another deploy is in progress: $holder; try again when it has finished (lock: $dir)"
    fi
  fi
  tmp=$(mktemp "$dir/.owner.XXXXXX")
  {
    printf 'pid=%s\n' "$$"
    printf 'pid_start=%s\n' "$(process_start_time "$$")"
    printf 'user=%s\n' "$(deploy_user)"
    printf 'host=%s\n' "$(uname -n)"
    printf 'command=%s\n' "$command"
    printf 'started=%s\n' "$(utc_now)"
  } >"$tmp"
  mv "$tmp" "$dir/owner"
  LOCK_HELD=1
  exec {guard}>&-
}

# release_lock — removes the lock if this process holds it.
release_lock() {
  local dir
  [[ -n "$LOCK_HELD" ]] || return 0
  dir=$(lock_dir)
  [[ "$(lock_owner_value "$dir" pid)" == "$$" ]] && rm -rf "$dir"
  LOCK_HELD=""
}

# --- Containers and nginx --------------------------------------------------------------------
# Docker's own CLI, not Compose, for the calls on a switch's path: `docker ps` and
# `docker exec` answer in tens of milliseconds where each `docker compose` call first loads
# the project (~0.2 s), and a rollback to a warm colour is a handful of such calls.

# service_containers SERVICE [--all] — ids of the stack's containers of SERVICE (running
# ones unless --all), newest first.
service_containers() {
  local -a filters=(--filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME"
    --filter "label=com.docker.compose.service=$1")
  [[ "${2:-}" == --all ]] && filters+=(--all) || filters+=(--filter status=running)
  docker ps --quiet --no-trunc "${filters[@]}" 2>/dev/null
}

# NGINX_CONTAINER — the running nginx's id, looked up once per command (by
# nginx_running or the first nginx_exec).
NGINX_CONTAINER=""
find_nginx() {
  [[ -n "$NGINX_CONTAINER" ]] || NGINX_CONTAINER=$(service_containers nginx | head -n 1)
}

nginx_running() {
  find_nginx
  [[ -n "$NGINX_CONTAINER" ]]
}

# nginx_exec CMD... — CMD inside the running nginx; its output shown when it fails.
nginx_exec() {
  local out
  find_nginx
  if ! out=$(docker exec "$NGINX_CONTAINER" "$@" 2>&1); then
    printf '%s\n' "$out" | sed 's/^/    nginx: /' >&2
    return 1
  fi
}

nginx_test() { nginx_exec nginx -t; }
nginx_reload() { nginx_exec nginx -s reload; }

# nginx_test_and_reload — `nginx -t`, then `nginx -s reload`, in one `docker exec` (each
# exec costs 0.1 s or more on a busy host, and a warm rollback is mostly such calls).
# Returns 10 when nginx -t fails (nothing was reloaded), another status when the reload
# or the exec failed.
nginx_test_and_reload() {
  local out rc=0
  find_nginx
  out=$(docker exec "$NGINX_CONTAINER" sh -c 'nginx -t || exit 10; nginx -s reload || exit 11' 2>&1) || rc=$?
  ((rc == 0)) || printf '%s\n' "$out" | sed 's/^/    nginx: /' >&2
  return "$rc"
}

# --- One change in progress, kept consistent -----------------------------------------------
# DEPLOY_PHASE: idle → starting → started → switched → reloaded → recorded → finished.
# What an interrupted or failed run undoes depends on it (deploy_undo).
DEPLOY_ACTION="" DEPLOY_SERVICE="" DEPLOY_FROM="" DEPLOY_TO="" DEPLOY_FROM_COLOUR="" DEPLOY_TO_COLOUR=""
DEPLOY_PHASE=idle DEPLOY_REASON="" DEPLOY_BEGAN_US=${EPOCHREALTIME/./} DEPLOY_BG_PID="" DEPLOY_STARTED_COLOUR=""
DEPLOY_INCLUDE_BACKUP="" DEPLOY_AUDITED="" DEPLOY_AUDIT_ARMED="" DEPLOY_UNDO_HOOK="" DEPLOY_FAILED_RESULT=failed

# seconds_since MICROSECONDS — "12.3": the time since an ${EPOCHREALTIME/./} reading.
seconds_since() {
  local tenths=$(((${EPOCHREALTIME/./} - $1) / 100000))
  printf '%d.%d\n' $((tenths / 10)) $((tenths % 10))
}

# deploy_step N/M TEXT — a numbered step with the time since the command began.
deploy_step() { step "$1" "+$(seconds_since "$DEPLOY_BEGAN_US")s $2"; }

# deploy_fail REASON — aborts; REASON goes into the audit line too.
deploy_fail() {
  DEPLOY_REASON=$1
  abort "$1"
}

# deploy_begin ACTION SERVICE — installs the traps that undo a half-done change.
deploy_begin() {
  DEPLOY_ACTION=$1 DEPLOY_SERVICE=$2 DEPLOY_BEGAN_US=${EPOCHREALTIME/./}
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
    deploy_undo || true # best effort: the lock is released whatever happens here
    if [[ -n "$DEPLOY_AUDIT_ARMED" && -z "$DEPLOY_AUDITED" ]]; then
      audit "$DEPLOY_FAILED_RESULT" "${DEPLOY_REASON:-exit status $status}" || true
    fi
  fi
  release_lock || true
  exit "$status"
}

# deploy_undo — back to what was serving before: the previous include (reloaded if the
# new one was), the colour this run started removed. Nothing once the state is recorded.
deploy_undo() {
  if [[ "$DEPLOY_SERVICE" == ai-worker ]]; then
    worker_undo
    return 0
  fi
  if [[ -n "${DEPLOY_UNDO_HOOK:-}" ]]; then
    # A command with its own undo (maintenance): the file back, reloaded if needed.
    case "$DEPLOY_PHASE" in
      switched) "$DEPLOY_UNDO_HOOK" || warn "could not undo the change" ;;
      reloaded) "$DEPLOY_UNDO_HOOK" && nginx_test && nginx_reload ;;
    esac
    return 0
  fi
  case "$DEPLOY_PHASE" in
    switched | reloaded) undo_switch || warn "could not restore nginx's previous include: check $(active_include)" ;;
  esac
  case "$DEPLOY_PHASE" in
    starting | started) remove_started_colour ;;
  esac
  return 0
}

# audit RESULT [REASON] — appends the line for this change.
audit() {
  mkdir -p "$STATE_DIR"
  audit_line "$(utc_now)" "$DEPLOY_ACTION" "$DEPLOY_SERVICE" "$(deploy_user)" "$DEPLOY_FROM" "$DEPLOY_TO" \
    "$DEPLOY_FROM_COLOUR" "$DEPLOY_TO_COLOUR" "$1" "${2:-}" "$(seconds_since "$DEPLOY_BEGAN_US")" >>"$(audit_file)"
  DEPLOY_AUDITED=1
}

# run_hook NAME — STATE_DIR/hooks/NAME when present, with the change in its environment.
run_hook() {
  local hook="$STATE_DIR/hooks/$1"
  [[ -e "$hook" ]] || return 0
  if [[ ! -x "$hook" ]]; then
    warn "hook $hook is not executable: make it executable or remove it"
    return 1
  fi
  info "      running hook $1"
  PROTOSTAR_ACTION=$DEPLOY_ACTION PROTOSTAR_SERVICE=$DEPLOY_SERVICE PROTOSTAR_FROM=$DEPLOY_FROM \
    PROTOSTAR_TO=$DEPLOY_TO PROTOSTAR_COLOR=$DEPLOY_TO_COLOUR \
    timeout "${PROTOSTAR_HOOK_TIMEOUT:-300}" "$hook" >&2
}

# deploy_preflight — nginx runs and accepts its configuration, the recorded active colour
# is the one nginx's include routes to, and the pre-deploy hook agrees.
deploy_preflight() {
  local live include
  include=$(active_include)
  nginx_running || deploy_fail "nginx is not running: start the stack first (protostar up)"
  nginx_test || deploy_fail "nginx -t fails on the running configuration: fix it before changing anything"
  live=$(include_colour "$include")
  if [[ "$live" != "$ACTIVE_COLOR" ]]; then
    deploy_fail "the state says ACTIVE_COLOR=$ACTIVE_COLOR but nginx's include $include routes to ${live:-no colour}: an earlier change was cut short or a file was edited. Decide which colour should serve, make ACTIVE_COLOR in $(state_file) and the include name it, reload nginx (protostar compose exec nginx nginx -s reload), then retry"
  fi
  if ! run_hook pre-deploy; then
    deploy_fail "the pre-deploy hook failed: nothing was changed"
  fi
}

colour_health() {
  local id
  id=$(service_containers "backend-$1" --all | head -n 1)
  [[ -n "$id" ]] || {
    echo "no container yet"
    return
  }
  docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id" 2>/dev/null || echo unknown
}

# colour_ready COLOUR IMAGE — that colour runs IMAGE and its health check passes.
colour_ready() {
  local id
  id=$(service_containers "backend-$1" | head -n 1)
  [[ -n "$id" ]] || return 1
  [[ "$(docker inspect -f '{{.State.Health.Status}} {{.Config.Image}}' "$id" 2>/dev/null)" == "healthy $2" ]]
}

# start_colour_args COLOUR TIMEOUT — the compose arguments that start one colour and wait
# for its readiness (the other services are running already: --no-deps).
start_colour_args() {
  printf '%s\n' up --detach --no-deps --wait --wait-timeout "$2" "backend-$1"
}

# start_colour COLOUR IMAGE TIMEOUT — starts COLOUR with IMAGE (exported for this run
# only) and waits for its health check, printing progress. On failure: its last log lines,
# the container removed, the run aborted.
start_colour() {
  local colour=$1 image=$2 timeout=$3 log rc=0 began=$SECONDS next interval
  local -a cmd args
  interval=${PROTOSTAR_PROGRESS_INTERVAL:-5}
  export "$(colour_image_var "$colour")=$image"
  mapfile -t cmd < <(compose_command)
  mapfile -t args < <(start_colour_args "$colour" "$timeout")
  log=$(log_file "$DEPLOY_ACTION-backend-$colour")
  DEPLOY_PHASE=starting DEPLOY_STARTED_COLOUR=$colour
  # In the background, run directly (not through a function, which would fork a
  # subshell): $! is docker's own pid, so an interrupted run can stop it.
  "${cmd[@]}" "${args[@]}" >"$log" 2>&1 &
  DEPLOY_BG_PID=$!
  next=$((SECONDS + interval))
  while kill -0 "$DEPLOY_BG_PID" 2>/dev/null; do
    if ((SECONDS >= next)); then
      info "      waiting for backend-$colour: $((SECONDS - began))s of ${timeout}s, health: $(colour_health "$colour")"
      next=$((SECONDS + interval))
    fi
    sleep 0.2
  done
  wait "$DEPLOY_BG_PID" || rc=$?
  DEPLOY_BG_PID=""
  if ((rc != 0)); then
    info "backend-$colour ($image) did not become ready (after $((SECONDS - began))s, at most ${timeout}s):"
    tail -n 5 "$log" | strip_terminal_codes | sed 's/^/    compose: /' >&2
    info "its last 30 log lines:"
    compose logs --no-color --no-log-prefix --tail 30 "backend-$colour" 2>&1 | strip_terminal_codes | sed 's/^/    | /' >&2 || true
    remove_started_colour
    deploy_fail "backend-$colour ($image) did not become ready: its container was removed, nothing was switched, $DEPLOY_FROM_COLOUR keeps serving"
  fi
  DEPLOY_PHASE=started
}

# remove_started_colour — removes the container this run started (not a warm one it found).
remove_started_colour() {
  [[ -n "$DEPLOY_STARTED_COLOUR" ]] || return 0
  info "      removing backend-$DEPLOY_STARTED_COLOUR"
  compose rm --stop --force "backend-$DEPLOY_STARTED_COLOUR" >/dev/null 2>&1 ||
    warn "could not remove backend-$DEPLOY_STARTED_COLOUR: protostar compose rm --stop --force backend-$DEPLOY_STARTED_COLOUR"
  DEPLOY_STARTED_COLOUR=""
  DEPLOY_PHASE=idle
}

# switch_to COLOUR [PERCENT OTHER] — the include rewritten atomically (COLOUR takes every
# request, or PERCENT of them and OTHER the rest), checked with nginx -t, reloaded. The
# include from before the first switch of this run is kept for undo_switch; when nginx
# rejects the new one, it is put back.
switch_to() {
  local include
  include=$(active_include)
  if [[ -z "$DEPLOY_INCLUDE_BACKUP" ]]; then
    DEPLOY_INCLUDE_BACKUP=$(mktemp "$STATE_DIR/nginx/.active-backend.previous.XXXXXX")
    cp -p "$include" "$DEPLOY_INCLUDE_BACKUP"
  fi
  DEPLOY_PHASE=switched
  write_active_backend "$@"
  local rc=0 outcome="nginx was not reloaded"
  nginx_test_and_reload || rc=$?
  if ((rc == 10)); then
    [[ -z "$DEPLOY_RELOADED" ]] || outcome="nginx was reloaded with it"
    undo_switch
    deploy_fail "nginx -t rejected the include for $1: the previous include was restored and $outcome"
  elif ((rc != 0)); then
    deploy_fail "nginx -s reload failed"
  fi
  DEPLOY_PHASE=reloaded DEPLOY_RELOADED=1
}

# undo_switch — the include from before this run back in place (atomically), reloaded
# when nginx had loaded another one.
DEPLOY_RELOADED=""
undo_switch() {
  [[ -n "$DEPLOY_INCLUDE_BACKUP" && -f "$DEPLOY_INCLUDE_BACKUP" ]] || return 1
  mv -f "$DEPLOY_INCLUDE_BACKUP" "$(active_include)"
  DEPLOY_INCLUDE_BACKUP=""
  DEPLOY_PHASE=started
  if [[ -n "$DEPLOY_RELOADED" ]]; then
    nginx_test_and_reload && info "      nginx routes to $DEPLOY_FROM_COLOUR again"
    DEPLOY_RELOADED=""
  fi
}

# VERIFY_IN_A_ROW — how many answers in a row must match. Right after `nginx -s reload`
# old workers still accept connections for a moment (with the old configuration), so
# one matching answer does not prove the switch.
VERIFY_IN_A_ROW=${PROTOSTAR_VERIFY_IN_A_ROW:-3}

# verify_colour COLOUR VERSION — requests through nginx until the X-Protostar-Backend
# header names COLOUR and VERSION VERIFY_IN_A_ROW times in a row (bounded); on failure
# nginx is switched back. With maintenance on, the public URL answers 503 by design: then
# nginx's container asks the colour directly.
verify_colour() {
  local colour=$1 version=$2 expected seen="" deadline headers in_a_row=0
  local -a cmd
  expected="$colour${version:+ $version}"
  if [[ -f "$(maintenance_file)" ]]; then
    warn "maintenance is on: verifying backend-$colour from nginx's container, not through the public URL"
    find_nginx
    cmd=(docker exec "$NGINX_CONTAINER" curl -sS --max-time 5 -o /dev/null -D - "http://backend-$colour:8080/api/health")
  else
    mapfile -t cmd < <(public_request_args /api/health)
    cmd=(curl -o /dev/null -D - "${cmd[@]}")
  fi
  deadline=$((SECONDS + ${PROTOSTAR_VERIFY_TIMEOUT:-30}))
  while :; do
    headers=$("${cmd[@]}" 2>/dev/null || true)
    seen=$(backend_header "$headers")
    if [[ "$seen" == "$expected" || (-z "$version" && "$seen" == "$colour "*) ]]; then
      in_a_row=$((in_a_row + 1))
      if ((in_a_row >= VERIFY_IN_A_ROW)); then
        info "      answered by: $seen ($in_a_row times in a row)"
        return 0
      fi
      sleep 0.05
      continue
    fi
    in_a_row=0
    ((SECONDS < deadline)) || break
    sleep 0.2
  done
  undo_switch || true
  deploy_fail "through nginx, /api/health answered as '${seen:-nothing}' instead of '$expected' for ${PROTOSTAR_VERIFY_TIMEOUT:-30}s: switched back to $DEPLOY_FROM_COLOUR"
}

# record_state COLOUR [IMAGE] — the new active colour (and its image) in state.env.
record_state() {
  local -a pairs=("ACTIVE_COLOR=$1")
  [[ -z "${2:-}" ]] || pairs+=("$(colour_image_var "$1")=$2")
  write_state "${pairs[@]}"
  DEPLOY_PHASE=recorded
  [[ -z "$DEPLOY_INCLUDE_BACKUP" ]] || rm -f "$DEPLOY_INCLUDE_BACKUP"
  DEPLOY_INCLUDE_BACKUP="" DEPLOY_STARTED_COLOUR=""
}

# retire_colour COLOUR DRAIN KEEP_WARM — the colour that served before: drained, then
# stopped with its container kept (a rollback restarts it), or left running (--keep-warm).
retire_colour() {
  local colour=$1 drain=$2 keep_warm=$3
  if [[ -n "$keep_warm" ]]; then
    info "      backend-$colour keeps running without traffic (--keep-warm: a rollback is only a switch)"
    return 0
  fi
  sleep "$drain"
  if ! compose stop "backend-$colour" >"$(log_file "$DEPLOY_ACTION-stop-$colour")" 2>&1; then
    warn "could not stop backend-$colour (it receives no traffic): protostar compose stop backend-$colour"
  fi
}

# --- Options and the whole change --------------------------------------------------------
# DEPLOY_OPTION_WORDS is read by the commands that call deploy_option.
# shellcheck disable=SC2034
DEPLOY_KEEP_WARM="" DEPLOY_DRAIN=5 DEPLOY_TIMEOUT=300 DEPLOY_GRACE=60 DEPLOY_OPTION_WORDS=0

# deploy_option ARGS... — takes one option of deploy and rollback from the front of ARGS
# into its DEPLOY_* / CANARY_* variable; DEPLOY_OPTION_WORDS tells how many words it used
# (0: ARGS does not start with an option). Aborts on a bad value.
# shellcheck disable=SC2034 # DEPLOY_OPTION_WORDS is read by the caller
deploy_option() {
  local option=$1 value=${2:-} steps
  DEPLOY_OPTION_WORDS=2
  case "$option" in
    --keep-warm) DEPLOY_KEEP_WARM=1 DEPLOY_OPTION_WORDS=1 ;;
    --drain | --timeout | --grace | --min-requests | --max-p95)
      [[ "$value" =~ ^[0-9]{1,6}$ ]] || abort "$option needs a whole number (got '$value')"
      case "$option" in
        --drain) DEPLOY_DRAIN=$((10#$value)) ;;
        --timeout) DEPLOY_TIMEOUT=$((10#$value)) ;;
        --grace) DEPLOY_GRACE=$((10#$value)) ;;
        --min-requests) CANARY_MIN_REQUESTS=$((10#$value)) ;;
        --max-p95) CANARY_MAX_P95_MS=$((10#$value)) ;;
      esac
      ;;
    --canary)
      steps=$(canary_steps "$value") || abort "$steps"
      CANARY_STEPS=$steps
      ;;
    --step)
      if ! CANARY_STEP_SECONDS=$(duration_seconds "$value") || ((CANARY_STEP_SECONDS == 0)); then
        abort "--step takes a duration such as 30s or 2m (got '$value')"
      fi
      ;;
    --max-error-rate)
      if [[ ! "$value" =~ ^[0-9]{1,3}(\.[0-9]+)?$ ]] || ! awk -v r="$value" 'BEGIN { exit !(r <= 100) }'; then
        abort "--max-error-rate takes a percentage between 0 and 100 (got '$value')"
      fi
      CANARY_MAX_ERROR_RATE=$value
      ;;
    -*) unknown_option "$option" ;;
    *) DEPLOY_OPTION_WORDS=0 ;;
  esac
  ((DEPLOY_TIMEOUT > 0)) || abort "--timeout must be at least 1 second"
}

# change_backend TO IMAGE — steps 2 to 7 of a deploy or rollback, the lock held and
# DEPLOY_FROM* / DEPLOY_TO* set: pre-flight, TO started (or found warm), nginx switched
# (at once, or through the canary steps), verified, recorded, the old colour retired.
change_backend() {
  local to=$1 image=$2 from=$DEPLOY_FROM_COLOUR version
  version=$(image_version "$image")
  deploy_step 2/7 "pre-flight: nginx -t, state agrees with nginx ($from)"
  if [[ -n "$CANARY_STEPS" && -f "$(maintenance_file)" ]]; then
    deploy_fail "maintenance is on: nginx answers every request itself, so a canary would have nothing to judge. Deploy without --canary, or turn maintenance off first"
  fi
  deploy_preflight
  if colour_ready "$to" "$image"; then
    deploy_step 3/7 "backend-$to runs $image and is ready (warm)"
  else
    deploy_step 3/7 "starting backend-$to with $image, waiting until ready (at most ${DEPLOY_TIMEOUT}s)"
    start_colour "$to" "$image" "$DEPLOY_TIMEOUT"
  fi
  if [[ -n "$CANARY_STEPS" ]]; then
    deploy_step 4/7 "canary: $to takes ${CANARY_STEPS// /%, }% of requests, ${CANARY_STEP_SECONDS}s each; abort on 5xx > $CANARY_MAX_ERROR_RATE% or p95 > $CANARY_MAX_P95_MS ms"
    run_canary "$to" "$from"
  else
    deploy_step 4/7 "switching nginx to $to"
    switch_to "$to"
  fi
  deploy_step 5/7 "verifying through nginx: $to ${version:-(version unknown)} answers"
  verify_colour "$to" "$version"
  deploy_step 6/7 "recording the state: $to active with $image"
  record_state "$to" "$image"
  info "      serving $image after $(seconds_since "$DEPLOY_BEGAN_US")s"
  if [[ -n "$DEPLOY_KEEP_WARM" ]]; then
    deploy_step 7/7 "leaving $from running without traffic"
  else
    deploy_step 7/7 "draining $from for ${DEPLOY_DRAIN}s, then stopping it (kept for rollback)"
  fi
  retire_colour "$from" "$DEPLOY_DRAIN" "$DEPLOY_KEEP_WARM"
}

# deploy_finish TEXT — audit line, post-deploy hook, the closing line on stdout.
deploy_finish() {
  DEPLOY_PHASE=finished
  audit ok
  if [[ "$DEPLOY_ACTION" == deploy || "$DEPLOY_ACTION" == rollback ]]; then
    run_hook post-deploy || warn "the post-deploy hook failed (the $DEPLOY_ACTION itself succeeded)"
  fi
  printf '%s in %ss\n' "$1" "$(seconds_since "$DEPLOY_BEGAN_US")"
}
