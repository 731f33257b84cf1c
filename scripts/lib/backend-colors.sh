# shellcheck shell=bash
# The backend's two colours, blue and green: which image a colour runs, starting one
# behind its readiness gate, removing what a failed run started, and retiring the colour
# that served before (kept warm for a while, then stopped with its container kept for a
# rollback). Needs
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

# create_color_args COLOR — the compose arguments that create one colour's container
# (anew when its settings or image changed) without starting it.
create_color_args() {
  printf '%s\n' up --no-start --no-deps "backend-$1"
}

# start_color_args COLOR TIMEOUT — the compose arguments that start one colour and wait
# for its readiness (the other services are running already: --no-deps).
start_color_args() {
  printf '%s\n' up --detach --no-deps --wait --wait-timeout "$2" "backend-$1"
}

# The serving colour's CPU weight (containers.sh explains the weights): Docker's default,
# as production.yml sets no cpu_shares for the colours; `docker update` cannot set "none"
# back, so the number itself.
SERVING_CPU_SHARES=1024

# color_settings_file COLOR — what this CLI knows of the settings that colour's container
# was started with (see color_settings_current).
color_settings_file() { printf '%s/colors/backend-%s.settings\n' "$STATE_DIR" "$1"; }

# settings_fingerprint COLOR IMAGE — a hash of everything Compose makes the colour's
# container from, as it is now, with IMAGE for COLOR: the compose command (project, file,
# profiles), the compose file, every variable it names and the settings files it reads
# (the backend's env_file, a .env beside the compose file), and Compose's own COMPOSE_*
# variables. Secrets go into the hash only. Read with builtins (one fork: the hash): it is
# on a warm rollback's clock, where each fork waits for a core on a saturated host.
settings_fingerprint() {
  local color=$1 image=$2 line rest name file sum
  local -a lines names=()
  local -A named=()
  local "BACKEND_${color^^}_IMAGE=$image" # color_image_var, without a fork
  mapfile -t lines <"$COMPOSE_FILE_PRODUCTION"
  for line in "${lines[@]}"; do
    rest=$line
    while [[ "$rest" =~ \$\{?([A-Za-z_][A-Za-z0-9_]*) ]]; do
      name=${BASH_REMATCH[1]}
      [[ -n "${named[$name]:-}" ]] || names+=("$name")
      named[$name]=1
      rest=${rest#*"${BASH_REMATCH[0]}"}
    done
  done
  sum=$({
    compose_command
    printf '%s\n' "${lines[@]}"
    for name in "${names[@]}" ${!COMPOSE_@}; do printf '%s=%s\n' "$name" "${!name:-}"; done
    for file in "${BACKEND_SETTINGS_FILE:-}" "${COMPOSE_FILE_PRODUCTION%/*}/.env"; do
      [[ -n "$file" && -r "$file" ]] || continue
      mapfile -t lines <"$file"
      printf '%s\n' "${lines[@]}"
    done
  } | sha256sum)
  printf '%s\n' "${sum%% *}"
}

# === Runners ===============================================================================

# The colour this run started (not a warm one it found): what a failure removes; and its
# container.
DEPLOY_STARTED_COLOR="" STARTED_COLOR_ID=""
# The running container color_ready last looked at, and its CPU weight (0: Docker's
# default, as Compose creates it).
READY_COLOR_ID="" READY_CPU_SHARES=""

color_health() {
  local id
  id=$(service_containers "backend-$1" --all | head -n 1)
  [[ -n "$id" ]] || {
    echo "no container yet"
    return
  }
  docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id" 2>/dev/null || echo unknown
}

# color_container COLOR — the name Compose gives that colour's container.
color_container() { printf '%s-backend-%s-1\n' "$COMPOSE_PROJECT_NAME" "$1"; }

# color_ready COLOR IMAGE [IMAGE_ID] — that colour runs IMAGE with the settings as they
# are now (a warm colour started before .env or .env.backend changed is not ready: it
# would bring back the old settings) and its health check passes.
color_ready() {
  local color=$1 image=$2 image_id=${3:-} id state health config_image container_image shares
  local format='{{.Id}} {{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}} {{.Config.Image}} {{.Image}} {{.HostConfig.CpuShares}}'
  READY_COLOR_ID="" READY_CPU_SHARES=""
  # One inspection, by the container's name (a warm rollback's clock); by the labels when
  # no container has that name (Compose's compatibility mode names it project_service_1).
  read -r id state health config_image container_image shares < <(
    docker inspect -f "$format" "$(color_container "$color")" 2>/dev/null ||
      docker inspect -f "$format" "$(service_containers "backend-$color" | head -n 1)" 2>/dev/null
  ) || return 1
  [[ "$state $health $config_image" == "running healthy $image" ]] || return 1
  READY_COLOR_ID=$id READY_CPU_SHARES=$shares
  # The quick answer when this CLI started that very container, from that image, with
  # the settings as they are now; else Compose's own (a dry run, which loads the whole
  # project: on a saturated host the slowest call of a rollback to a warm colour).
  if [[ -n "$image_id" && "$container_image" == "$image_id" ]] && color_settings_current "$color" "$id" "$image"; then
    return 0
  fi
  [[ -z "$(
    export "$(color_image_var "$color")=$image"
    outdated_services "backend-$color"
  )" ]] || return 1
  record_color_settings "$color" "$id" "$image"
}

# record_color_settings COLOR ID IMAGE — container ID of COLOR runs IMAGE with the
# settings as they are now (Compose started it, or its dry run said so).
record_color_settings() {
  local file
  file=$(color_settings_file "$1")
  mkdir -p "${file%/*}"
  printf '%s %s\n' "$2" "$(settings_fingerprint "$1" "$3")" >"$file.new" && mv -f "$file.new" "$file"
}

# color_settings_current COLOR ID IMAGE — whether container ID is the one recorded for
# COLOR, with the settings as they are now. A Compose upgrade may change Compose's config
# hash without changing a setting: `up` then recreates the colour blue/green, as always.
color_settings_current() {
  local recorded
  read -r recorded 2>/dev/null <"$STATE_DIR/colors/backend-$1.settings" || return 1 # color_settings_file, without a fork
  [[ "$recorded" == "$2 $(settings_fingerprint "$1" "$3")" ]]
}

# After its warm-up the new colour's JVM still compiles what the warm-up ran (C1, then C2,
# on compiler threads of its own) for a few seconds. At the serving weight that work
# would take cores from the serving colour just before the switch, and the first requests
# after it would meet half-compiled code: the switch window's slowest requests. So the
# switch waits, at the warm-up weight and at most SETTLE_SECONDS, until the colour uses
# less than SETTLE_MILLICORES of CPU (nothing but its health checks).
SETTLE_SECONDS=${PROTOSTAR_SETTLE_SECONDS:-20} SETTLE_MILLICORES=250

# container_cpu_usec ID — the CPU time the container's processes have used, in µs: its
# cgroup's own counter, read on the host where Docker keeps it (cgroup v2's cpu.stat, or
# v1's cpuacct.usage, with the cgroupfs or the systemd driver), else from inside with
# `docker exec`. The host's file costs no process: a `docker exec` a second is work for
# dockerd and containerd, at the host's normal priority, just before the switch.
CGROUP_ROOT=${PROTOSTAR_CGROUP_ROOT:-/sys/fs/cgroup}
container_cpu_usec() {
  local id=$1 file key value
  for file in "$CGROUP_ROOT/docker/$id/cpu.stat" "$CGROUP_ROOT/system.slice/docker-$id.scope/cpu.stat"; do
    [[ -r "$file" ]] || continue
    while read -r key value; do
      if [[ "$key" == usage_usec ]]; then
        printf '%s\n' "$value"
        return 0
      fi
    done <"$file"
  done
  for file in "$CGROUP_ROOT"/{cpuacct,"cpu,cpuacct"}/{docker/"$id",system.slice/docker-"$id".scope}/cpuacct.usage; do
    [[ -r "$file" ]] || continue
    read -r value <"$file"
    printf '%s\n' "$((value / 1000))"
    return 0
  done
  # shellcheck disable=SC2016 # expanded by the container's shell
  docker exec "$id" sh -c 'if [ -r /sys/fs/cgroup/cpu.stat ]; then sed -n "s/^usage_usec //p" /sys/fs/cgroup/cpu.stat;
    else echo $(($(cat /sys/fs/cgroup/cpuacct/cpuacct.usage) / 1000)); fi' 2>/dev/null
}

# settle_color COLOR — waits (see SETTLE_SECONDS) until the colour this run started uses
# little CPU, sampling once a second; no wait when its usage cannot be read.
settle_color() {
  local color=$1 id=$STARTED_COLOR_ID began=$SECONDS before after before_us after_us rate=""
  [[ -n "$id" ]] || return 0
  before=$(container_cpu_usec "$id") before_us=${EPOCHREALTIME/./}
  [[ "$before" =~ ^[0-9]+$ ]] || return 0
  while ((SECONDS - began < SETTLE_SECONDS)); do
    sleep 1
    after=$(container_cpu_usec "$id") after_us=${EPOCHREALTIME/./}
    [[ "$after" =~ ^[0-9]+$ ]] || return 0
    rate=$(((after - before) * 1000 / (after_us - before_us)))
    if ((rate < SETTLE_MILLICORES)); then
      info "      settled: backend-$color uses ${rate}m CPU, $((SECONDS - began))s after its warm-up"
      return 0
    fi
    before=$after before_us=$after_us
  done
  info "      backend-$color still uses ${rate}m CPU ${SETTLE_SECONDS}s after its warm-up: switching all the same"
}

# starting_progress COLOR TIMEOUT SECONDS — how the start goes, SECONDS into it.
starting_progress() {
  info "      waiting for backend-$1: ${3}s of ${2}s, health: $(color_health "$1")"
}

# start_color COLOR IMAGE TIMEOUT — starts COLOR with IMAGE (exported for this run only)
# and waits for its health check, printing progress. The container is created first and
# started with the warm-up CPU weight, so no moment of the JVM's start competes with the
# serving colour as an equal. On failure: its last log lines, the container removed, the
# run aborted.
start_color() {
  local color=$1 image=$2 timeout=$3 log began=$SECONDS rc=0
  local -a cmd create args
  export "$(color_image_var "$color")=$image"
  mapfile -t cmd < <(compose_command)
  mapfile -t create < <(create_color_args "$color")
  mapfile -t args < <(start_color_args "$color" "$timeout")
  log=$(log_file "$DEPLOY_ACTION-backend-$color")
  DEPLOY_PHASE=starting DEPLOY_STARTED_COLOR=$color
  run_watched "$log" starting_progress "$color" "$timeout" -- "${cmd[@]}" "${create[@]}" || rc=$?
  if ((rc == 0)); then
    STARTED_COLOR_ID=$(service_containers "backend-$color" --all | head -n 1)
    if [[ -z "$STARTED_COLOR_ID" ]] || ! set_cpu_shares "$(warmup_cpu_shares)" "$STARTED_COLOR_ID"; then
      warn "could not lower backend-$color's CPU weight while it starts: it competes with $DEPLOY_FROM_COLOR as an equal"
    fi
    run_watched "$log" starting_progress "$color" "$timeout" -- "${cmd[@]}" "${args[@]}" || rc=$?
  fi
  if ((rc != 0)); then
    info "backend-$color ($image) did not become ready (after $((SECONDS - began))s, at most ${timeout}s):"
    tail -n 5 "$log" | strip_terminal_codes | sed 's/^/    compose: /' >&2
    info "its last 30 log lines:"
    compose logs --no-color --no-log-prefix --tail 30 "backend-$color" 2>&1 | strip_terminal_codes | sed 's/^/    | /' >&2 || true
    remove_started_color
    deploy_fail "backend-$color ($image) did not become ready: its container was removed, nothing was switched, $DEPLOY_FROM_COLOR keeps serving"
  fi
  [[ -z "$STARTED_COLOR_ID" ]] || record_color_settings "$color" "$STARTED_COLOR_ID" "$image"
  DEPLOY_PHASE=started
}

# give_serving_weight COLOR — the colour about to take traffic gets the serving colour's
# CPU weight: the one this run started (lowered while it started), or a warm one found
# with another (left low by a run that was cut short). A warm colour that has it already
# costs no call: a rollback to it stays a switch.
give_serving_weight() {
  local color=$1 id
  if [[ "$color" == "$DEPLOY_STARTED_COLOR" ]]; then
    id=$STARTED_COLOR_ID
  elif [[ -n "$READY_COLOR_ID" && "$READY_CPU_SHARES" != 0 && "$READY_CPU_SHARES" != "$SERVING_CPU_SHARES" ]]; then
    id=$READY_COLOR_ID
  fi
  [[ -n "${id:-}" ]] || return 0
  set_cpu_shares "$SERVING_CPU_SHARES" "$id" ||
    warn "could not give backend-$color the serving CPU weight ($SERVING_CPU_SHARES): docker update --cpu-shares $SERVING_CPU_SHARES $id"
}

# remove_started_color — removes the container this run started (not a warm one it found).
remove_started_color() {
  [[ -n "$DEPLOY_STARTED_COLOR" ]] || return 0
  info "      removing backend-$DEPLOY_STARTED_COLOR"
  compose rm --stop --force "backend-$DEPLOY_STARTED_COLOR" >/dev/null 2>&1 ||
    warn "could not remove backend-$DEPLOY_STARTED_COLOR: protostar compose rm --stop --force backend-$DEPLOY_STARTED_COLOR"
  DEPLOY_STARTED_COLOR="" STARTED_COLOR_ID=""
  DEPLOY_PHASE=idle
}

# warm_minutes — how long the colour that served before stays warm after a deploy or a
# rollback: --warm-for, else ROLLBACK_WARM_MINUTES (.env), else 15.
warm_minutes() { printf '%s\n' "${DEPLOY_WARM_MINUTES:-${ROLLBACK_WARM_MINUTES:-15}}"; }

# retire_color COLOR DRAIN KEEP_WARM MINUTES — the colour that served before. For MINUTES
# it keeps running without traffic (a rollback is then only a switch: under a second,
# where starting it again takes 20 s on a busy host), then a timer stops it; with
# KEEP_WARM until someone does (the next deploy, or protostar retire); with 0 minutes it
# is drained and stopped at once. A stopped colour keeps its container: a rollback
# starts it again. Its CPU weight stays as it is: an idle JVM does not compete, and a
# rollback to it saves the call that would give the weight back. The state records the
# window (WARM_COLOR, WARM_UNTIL: epoch seconds, or "never"), which status shows and the
# timer checks.
retire_color() {
  local color=$1 drain=$2 keep_warm=$3 minutes=$4 until
  if [[ -n "$keep_warm" ]]; then
    write_state "WARM_COLOR=$color" "WARM_UNTIL=never"
    schedule_retire
    info "      backend-$color keeps running without traffic (--keep-warm: until the next deploy, or protostar retire)"
    return 0
  fi
  if ((minutes > 0)); then
    until=$((EPOCHSECONDS + minutes * 60))
    write_state "WARM_COLOR=$color" "WARM_UNTIL=$until"
    schedule_retire
    info "      backend-$color stays warm until $(TZ=UTC0 printf '%(%H:%M:%S UTC)T' "$until") (rollback is a switch), then stops"
    return 0
  fi
  write_state "WARM_COLOR=" "WARM_UNTIL="
  sleep "$drain"
  stop_color "$color"
}

# hand_over_streams COLOR — COLOR, kept warm without traffic, ends its event streams with
# a reconnect event (POST /actuator/eventstreams on its management port, from nginx's
# container): the clients move to the serving colour now, where they would otherwise
# hold on until nginx's old workers give up their connections (worker_shutdown_timeout)
# or the colour stops. Prints what it answered; fails when it does not answer.
hand_over_streams() {
  local nginx
  nginx=$(service_containers nginx | head -n 1)
  [[ -n "$nginx" ]] || return 1
  docker exec "$nginx" curl -sS --fail --max-time 10 -X POST "http://backend-$1:8081/actuator/eventstreams" 2>&1
}

# stop_color COLOR — stops COLOR's container (kept for a rollback, which starts it again).
stop_color() {
  if ! compose stop "backend-$1" >"$(log_file "$DEPLOY_ACTION-stop-$1")" 2>&1; then
    warn "could not stop backend-$1 (it receives no traffic): protostar compose stop backend-$1"
  fi
}

# schedule_retire — the timer of the warm window just recorded: `protostar retire
# --when-due` in a session of its own (a Ctrl-C or a closed terminal does not end it),
# its output in the retire log. At once it has the colour hand its event streams over;
# then it sleeps until WARM_UNTIL and stops the colour only if the state still records
# that window: a later deploy or rollback recorded its own. Off the command's clock: a
# rollback's time ends with the switch. At the lowest CPU and I/O priority: it starts
# just after the switch, the moment the serving colour's first requests need the cores
# (at this command's raised priority its start made the switch window's slowest
# requests slower). nice clamps: +39 is the lowest niceness from the raised -10 or 0;
# ionice -t runs it all the same where I/O priorities cannot be set.
schedule_retire() {
  local log
  log=$(log_file retire)
  setsid nice -n 39 ionice -t -c 2 -n 7 "$PROTOSTAR_ROOT/scripts/protostar" retire --when-due </dev/null >>"$log" 2>&1 &
}
