# shellcheck shell=bash
# nginx's routing of the backend: the active-backend include (its format is config.sh's
# active_backend_conf), the running nginx (test, reload), a switch that can be undone, and
# the check through nginx that the new colour answers. Needs config.sh; sourced by
# canary.sh, deploy.sh, protostar-maintenance and protostar-status.

# shellcheck source=scripts/lib/change.sh
source "$PROTOSTAR_ROOT/scripts/lib/change.sh"
# shellcheck source=scripts/lib/containers.sh
source "$PROTOSTAR_ROOT/scripts/lib/containers.sh"
# shellcheck source=scripts/lib/maintenance.sh
source "$PROTOSTAR_ROOT/scripts/lib/maintenance.sh"

# === Builders: no side effects ===========================================================

active_include() { printf '%s/nginx/active-backend.conf\n' "$STATE_DIR"; }

# include_color FILE — the colour an active-backend include sends every request to;
# "split" for a weighted split; nothing when the file is missing or names no colour.
include_color() {
  local file=$1 entries="" line
  local re='^[[:space:]]*([0-9.]+%|\*)[[:space:]]+backend-(blue|green)[[:space:]]*;'
  [[ -r "$file" ]] || return 0
  while IFS= read -r line || [[ -n "$line" ]]; do
    [[ "$line" =~ $re ]] && entries+="${entries:+$'\n'}${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
  done <"$file"
  if [[ "$entries" =~ ^\*\ (blue|green)$ ]]; then
    printf '%s\n' "${BASH_REMATCH[1]}"
  elif [[ -n "$entries" ]]; then
    echo split
  fi
}

# routing_summary FILE — where the active-backend include sends requests, in words.
routing_summary() {
  local color shares
  color=$(include_color "$1")
  case "$color" in
    "") echo "no include yet" ;;
    split)
      shares=$(sed -nE 's/^[[:space:]]*([0-9.]+%)[[:space:]]+backend-(blue|green);.*$/\1 to \2/p' "$1" | paste -sd, -)
      printf '%s, the rest to %s (a canary deploy)\n' "${shares//,/, }" \
        "$(sed -nE 's/^[[:space:]]*\*[[:space:]]+backend-(blue|green);.*$/\1/p' "$1")"
      ;;
    *) echo "every request to $color" ;;
  esac
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

# backend_header HEADERS — the value of X-Protostar-Backend in a curl -D dump.
# Builtins only: the verification runs it per request on a rollback's clock.
backend_header() {
  local line value=""
  while IFS= read -r line; do
    line=${line%$'\r'}
    [[ "${line,,}" == x-protostar-backend:* ]] || continue
    value=${line#*:}
    value=${value#"${value%%[![:space:]]*}"}
  done <<<"$1"
  printf '%s\n' "$value"
}

# The warm-up a new colour answers before it takes traffic: its readiness check runs on
# the management port, so until then nothing has run the API's path (the dispatcher
# servlet starts on the first request, the JIT has compiled none of it) and the first user
# requests after the switch would be the slow ones. WARMUP_REQUESTS health requests (the
# API's path: filters, security, Jackson) and one anonymous /api/me (the rate limiter's
# Redis script, the authentication error's envelope), on one keep-alive connection, within
# WARMUP_SECONDS. Each must get an answer; which status is the canary's and the
# verification's to judge (a drill release answers 500 on purpose, and must get as far as
# its canary).
WARMUP_REQUESTS=300 WARMUP_SECONDS=30

# warmup_paths — the path of each warm-up request, in order.
warmup_paths() {
  local i
  for ((i = 0; i < WARMUP_REQUESTS; i++)); do echo /api/health; done
  echo /api/me
}

# warmup_command COLOR — what nginx's container runs to send the warm-up to COLOR directly
# (not through the public path): one curl, the status of each answer on a line, stopping
# at the first request without an answer; bounded by WARMUP_SECONDS in all.
warmup_command() {
  local path
  printf '%s\n' timeout "$WARMUP_SECONDS" curl -sS --fail-early --max-time 5 -w '%{http_code}\n'
  for path in $(warmup_paths); do
    printf '%s\n' -o /dev/null "http://backend-$1:8080$path"
  done
}

# === Runners ===============================================================================

# NGINX_CONTAINER — the running nginx's id, looked up once per command (by
# nginx_running or the first nginx_exec).
NGINX_CONTAINER=""
find_nginx() {
  [[ -z "$NGINX_CONTAINER" ]] || return 0
  read -r NGINX_CONTAINER < <(service_containers nginx) || NGINX_CONTAINER=""
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
#
# `nginx -s reload` only signals the master, which then reads the configuration, starts
# new workers and only 100 ms later tells the old ones to stop accepting: requests sent
# meanwhile still meet the old configuration, and the verification's first round was
# wasted on them (three TLS handshakes, a third of a warm rollback). So the exec returns
# once every worker that accepted before is "shutting down" (its process title) or gone,
# bounded by RELOAD_SETTLE_TRIES polls of 20 ms.
RELOAD_SETTLE_TRIES=100
nginx_test_and_reload() {
  local out rc=0
  find_nginx
  out=$(docker exec "$NGINX_CONTAINER" sh -c 'nginx -t || exit 10
    workers=$(grep -als "^nginx: worker process" /proc/[0-9]*/cmdline) accepting=""
    [ -z "$workers" ] || accepting=$(grep -asL "shutting down" $workers)
    nginx -s reload || exit 11
    tries=0
    while [ -n "$accepting" ] && [ "$tries" -lt "$1" ]; do
      accepting=$(grep -asL "shutting down" $accepting)
      [ -z "$accepting" ] || sleep 0.02
      tries=$((tries + 1))
    done' sh "$RELOAD_SETTLE_TRIES" 2>&1) || rc=$?
  ((rc == 0)) || printf '%s\n' "$out" | sed 's/^/    nginx: /' >&2
  return "$rc"
}

# The include from before this run's first switch (for undo_switch), and whether nginx
# has loaded another one since.
DEPLOY_INCLUDE_BACKUP="" DEPLOY_RELOADED=""

# switch_to COLOR [PERCENT OTHER] — the include rewritten atomically (COLOR takes every
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
undo_switch() {
  [[ -n "$DEPLOY_INCLUDE_BACKUP" && -f "$DEPLOY_INCLUDE_BACKUP" ]] || return 1
  mv -f "$DEPLOY_INCLUDE_BACKUP" "$(active_include)"
  write_routing_metrics
  DEPLOY_INCLUDE_BACKUP=""
  DEPLOY_PHASE=started
  if [[ -n "$DEPLOY_RELOADED" ]]; then
    nginx_test_and_reload && info "      nginx routes to $DEPLOY_FROM_COLOR again"
    DEPLOY_RELOADED=""
  fi
}

# keep_switch — the switch stands: the include from before it is not needed any more.
keep_switch() {
  [[ -z "$DEPLOY_INCLUDE_BACKUP" ]] || rm -f "$DEPLOY_INCLUDE_BACKUP"
  DEPLOY_INCLUDE_BACKUP=""
}

# VERIFY_IN_A_ROW — how many answers must match, asked at once on connections of their
# own. Right after `nginx -s reload` old workers still accept connections for a moment
# (with the old configuration), so one matching answer does not prove the switch. At once,
# not one after another: on a saturated host each request through nginx takes a few
# hundred milliseconds, and three in a row were most of a warm rollback's time.
VERIFY_IN_A_ROW=${PROTOSTAR_VERIFY_IN_A_ROW:-3}

# verify_color COLOR VERSION — VERIFY_IN_A_ROW requests at once through nginx, repeated
# (bounded) until the X-Protostar-Backend header of every one names COLOR and VERSION; on
# failure nginx is switched back. With maintenance on, the public URL answers 503 by
# design: then nginx's container asks the colour directly.
verify_color() {
  local color=$1 version=$2 expected seen="" deadline answers misses=0 tries=""
  local -a cmd
  expected="$color${version:+ $version}"
  if [[ -f "$(maintenance_file)" ]]; then
    warn "maintenance is on: verifying backend-$color from nginx's container, not through the public URL"
    find_nginx
    cmd=(docker exec "$NGINX_CONTAINER" curl -sS --max-time 5 -o /dev/null -D - "http://backend-$color:8080/api/health")
  else
    mapfile -t cmd < <(public_request_args /api/health)
    cmd=(curl -o /dev/null -D - "${cmd[@]}")
  fi
  deadline=$((SECONDS + ${PROTOSTAR_VERIFY_TIMEOUT:-30}))
  while :; do
    answers=$(verify_answers "${cmd[@]}")
    seen=$(first_other_answer "$answers" "$color" "$version")
    if [[ -z "$seen" ]]; then
      ((misses == 0)) || tries=", after $misses round(s) with another answer"
      info "      answered by: ${answers%%$'\n'*} ($VERIFY_IN_A_ROW requests at once$tries)"
      return 0
    fi
    misses=$((misses + 1))
    [[ "$seen" != - ]] || seen=""
    ((SECONDS < deadline)) || break
    # Short: a round is usually missed only because nginx's master had not yet started
    # the new workers when the first requests came, a matter of milliseconds; each round
    # is three TLS handshakes already.
    sleep 0.05
  done
  undo_switch || true
  deploy_fail "through nginx, /api/health answered as '${seen:-nothing}' instead of '$expected' for ${PROTOSTAR_VERIFY_TIMEOUT:-30}s: switched back to $DEPLOY_FROM_COLOR"
}

# first_other_answer ANSWERS COLOR VERSION — the first of ANSWERS' lines that does not
# name COLOR and VERSION (any version of COLOR when VERSION is empty); nothing when all do.
first_other_answer() {
  local line
  while IFS= read -r line; do
    [[ "$line" == "$2${3:+ $3}" || (-z "$3" && "$line" == "$2 "*) ]] || {
      printf '%s\n' "$line"
      return
    }
  done <<<"$1"
}

# verify_answers CMD... — CMD (a request whose headers it prints) run VERIFY_IN_A_ROW times
# at once; a line per request with its X-Protostar-Backend header ("-" when none came).
verify_answers() {
  local i
  for ((i = 0; i < VERIFY_IN_A_ROW; i++)); do
    (
      header=$(backend_header "$("$@" 2>/dev/null || true)")
      printf '%s\n' "${header:--}"
    ) &
  done
  wait
}

# warm_up_color COLOR — the warm-up (warmup_command) sent to COLOR from nginx's container;
# a request without an answer (refused, reset, none within 5 s), or the warm-up taking
# longer than WARMUP_SECONDS, fails the readiness like an unhealthy colour: nothing was
# switched, the colour that serves keeps serving.
warm_up_color() {
  local color=$1 out rc=0 total answered began=${EPOCHREALTIME/./}
  local -a cmd
  mapfile -t cmd < <(warmup_command "$color")
  find_nginx
  out=$(docker exec "$NGINX_CONTAINER" "${cmd[@]}" 2>&1) || rc=$?
  total=$(warmup_paths | wc -l)
  answered=$(grep -cE '^[1-5][0-9]{2}$' <<<"$out" || true)
  if ((rc != 0 || answered != total)); then
    { grep -vE '^[0-9]{3}$' <<<"$out" || true; } | tail -n 3 | sed 's/^/    warm-up: /' >&2
    deploy_fail "backend-$color answered $answered of $total warm-up requests from nginx's container (at most ${WARMUP_SECONDS}s; exit status $rc): its container was removed, nothing was switched, $DEPLOY_FROM_COLOR keeps serving"
  fi
  info "      warm-up: backend-$color answered $total requests in $(seconds_since "$began")s"
}
