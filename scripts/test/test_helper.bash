# shellcheck shell=bash
# shellcheck disable=SC2154,SC2034 # status/output/lines come from bats' run; LISTENER_PORT etc. are read by the tests
# Shared set-up for the bats tests of scripts/protostar and scripts/lib/*.sh.
#
# Every test runs in its own $BATS_TEST_TMPDIR:
#   bin/        stubs (docker, apt-get, dockerd, ...) placed FIRST on PATH; each stub
#               appends one line per call ("NAME ARG ARG ...") to $STUB_LOG
#   .env        the operator settings the CLI reads (PROTOSTAR_ENV_FILE), written by
#               write_env; STATE_DIR and TLS_DIR point into the temp dir
#   state/      STATE_DIR, tls/ TLS_DIR, logs/ PROTOSTAR_LOG_DIR
# Nothing is written into the repository, no container is started and nothing but
# 127.0.0.1 is ever contacted.
#
# The docker stub is steered per test by environment variables:
#   STUB_DOCKER_INFO_STATUS       exit code of `docker info` (default 0: engine ready)
#   STUB_COMPOSE_VERSION_STATUS   exit code of `docker compose version` (default 0)
#   STUB_COMPOSE_PS_QUIET         output of `docker compose ... ps ... --quiet ...`
#                                 (a container id = "the project's nginx runs")
#   STUB_COMPOSE_PS_STATES        output of `compose ps --all --format '{{.Service}}|{{.State}}|{{.Health}}|...'`
#                                 (printf %b: use \n between lines)
#   STUB_COMPOSE_PS_TABLE         output of any other `compose ps`
#   STUB_COMPOSE_UP_STATUS        exit code of `compose ... up ...` (default 0)
#   STUB_MISSING_IMAGES           space-separated images `docker image inspect` fails for
#   STUB_PULL_STATUS              exit code of `docker pull` (default 0)
#   STUB_DOCKER_ENV               variable names whose values at each call are appended
#                                 to $STUB_ENV_LOG ("NAME=value" lines)
# Added for deploy, rollback and maintenance:
#   STUB_COMPOSE_RUNNING          when set: the services that run; `compose ps ... --quiet
#                                 SERVICE` prints an id only for those (else as above)
#   STUB_COMPOSE_UP_SLEEP         seconds `compose ... up ...` takes (default 0)
#   STUB_COMPOSE_LOGS             output of `compose ... logs ...` (printf %b)
#   STUB_NGINX_T_STATUSES         exit codes of successive `compose exec ... nginx -t`
#                                 calls, space-separated; the last one repeats (default 0)
#   STUB_NGINX_RELOAD_STATUS      exit code of `compose exec ... nginx -s reload` (default 0)
#   STUB_DOCKER_INSPECT           output of `docker inspect ...` (printf %b)
#   STUB_IMAGE_VERSIONS           "IMAGE=VERSION ..." for `docker image inspect` of
#                                 .Config.Env (PROTOSTAR_VERSION); default: the image's tag
#   STUB_CURL_OUTPUT              output of curl (make_curl_stub) and of `compose exec ...
#                                 curl ...` (printf %b; e.g. headers for `curl -D -`)
#   STUB_CURL_STATUS              exit code of those curl calls (default 0)
#   STUB_CURL_SEQUENCE            when set: outputs of successive curl calls (make_curl_stub),
#                                 separated by '|'; the last one repeats
# `docker ps --filter label=com.docker.compose.service=S` answers like `compose ps --quiet S`
# (STUB_COMPOSE_RUNNING, else STUB_COMPOSE_PS_QUIET) and `docker exec ID ...` like `compose
# exec` (nginx -t, reload, curl; `sh -c 'nginx -t ...; nginx -s reload ...'` is logged as
# those two calls). Added for canary and ai-worker deploys:
#   STUB_ACCESS_LOG               a file whose lines `docker logs --since ...` prints (nginx's
#                                 access log)
#   $STUB_LOG.workers             when the file exists: the ai-worker container ids `docker
#                                 ps` lists; `compose up --scale` appends id-ai-worker-new,
#                                 `docker rm` removes ids

PROTOSTAR_REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
PROTOSTAR_BIN="$PROTOSTAR_REPO/scripts/protostar"

protostar_setup() {
  TEST_ROOT=$BATS_TEST_TMPDIR
  STUB_BIN="$TEST_ROOT/bin"
  STUB_LOG="$TEST_ROOT/calls.log"
  STUB_ENV_LOG="$TEST_ROOT/docker-env.log"
  ENV_FILE="$TEST_ROOT/.env"
  STATE_DIR_T="$TEST_ROOT/state"
  TLS_DIR_T="$TEST_ROOT/tls"
  export STUB_LOG STUB_ENV_LOG
  export PROTOSTAR_ENV_FILE=$ENV_FILE
  export PROTOSTAR_LOG_DIR="$TEST_ROOT/logs"
  export PROTOSTAR_APP_VERSION=test-1
  export PROTOSTAR_PULL_PROBE_TIMEOUT=5
  export TMPDIR=$TEST_ROOT
  # The settings under test come from the env file only, never from the caller.
  unset DEBUG PROTOSTAR_DEBIAN_MIRROR PROTOSTAR_APT_ETC IMAGE_SOURCE ACTIVE_COLOR \
    NGINX_IMAGE POSTGRES_IMAGE REDIS_IMAGE JRE_IMAGE BACKEND_BLUE_IMAGE BACKEND_GREEN_IMAGE \
    AI_WORKER_IMAGE COMPOSE_PROJECT_NAME STATE_DIR TLS_DIR HTTPS_PORT HTTP_PORT
  : >"$STUB_LOG"
  mkdir -p "$STUB_BIN"
  make_docker_stub
  # Safety nets: nothing may install packages or start a real engine.
  local name
  for name in apt-get dpkg dockerd systemctl debootstrap; do
    make_logging_stub "$name"
  done
  PATH="$STUB_BIN:$PATH"
  export PATH
}

protostar_teardown() {
  if [[ -n "${LISTENER_PID:-}" ]]; then
    kill "$LISTENER_PID" 2>/dev/null || true
    wait "$LISTENER_PID" 2>/dev/null || true
    LISTENER_PID=
  fi
}

setup() { protostar_setup; }
teardown() { protostar_teardown; }

# make_logging_stub NAME [STATUS] — a command that only logs its call.
make_logging_stub() {
  cat >"$STUB_BIN/$1" <<STUB
#!/usr/bin/env bash
printf '%s\n' "$1 \$*" >>"\$STUB_LOG"
exit ${2:-0}
STUB
  chmod +x "$STUB_BIN/$1"
}

make_docker_stub() {
  cat >"$STUB_BIN/docker" <<'STUB'
#!/usr/bin/env bash
printf '%s\n' "docker $*" >>"$STUB_LOG"
for var in ${STUB_DOCKER_ENV:-}; do
  printf '%s=%s\n' "$var" "${!var:-}" >>"$STUB_ENV_LOG"
done
# in_container ARGS — `nginx -t`, `nginx -s reload` or curl run in a container.
in_container() {
  if [[ "$*" == *"nginx -t"*"nginx -s reload"* ]]; then
    # One exec that tests, then reloads: logged as the two calls it stands for (the
    # reload only when the test passed), so the tests count them the same way.
    sed -i '$d' "$STUB_LOG"
    id=$(sed 's/^ *exec \([^ ]*\) .*/\1/' <<<"$*")
    echo "docker exec $id nginx -t" >>"$STUB_LOG"
    (in_container "nginx -t") || exit 10
    echo "docker exec $id nginx -s reload" >>"$STUB_LOG"
    (in_container "nginx -s reload") || exit 11
    exit 0
  elif [[ "$*" == *"nginx -t"* ]]; then
    count_file="$STUB_LOG.nginx-t"
    n=$(($(cat "$count_file" 2>/dev/null || echo 0) + 1))
    echo "$n" >"$count_file"
    read -ra statuses <<<"${STUB_NGINX_T_STATUSES:-0}"
    index=$((n <= ${#statuses[@]} ? n - 1 : ${#statuses[@]} - 1))
    exit "${statuses[$index]}"
  elif [[ "$*" == *"nginx -s reload"* ]]; then
    exit "${STUB_NGINX_RELOAD_STATUS:-0}"
  elif [[ "$*" == *" curl "* ]]; then
    printf '%b' "${STUB_CURL_OUTPUT:-}"
    exit "${STUB_CURL_STATUS:-0}"
  fi
}
workers="$STUB_LOG.workers"
case "$1" in
  info) exit "${STUB_DOCKER_INFO_STATUS:-0}" ;;
  ps)
    service=$(sed -n 's/.*label=com.docker.compose.service=\([^ ]*\).*/\1/p' <<<"$*")
    if [[ "$service" == ai-worker && -f "$workers" ]]; then
      cat "$workers"
    elif [[ -n "${STUB_COMPOSE_RUNNING+set}" ]]; then
      [[ " $STUB_COMPOSE_RUNNING " == *" $service "* ]] && echo "id-$service"
    else
      printf '%s' "${STUB_COMPOSE_PS_QUIET:-}"
    fi
    ;;
  exec) in_container " $*" ;;
  logs) [[ "$*" == *--since* && -n "${STUB_ACCESS_LOG:-}" ]] && cat "$STUB_ACCESS_LOG" ;;
  rm)
    if [[ -f "$workers" ]]; then
      for id in "${@:2}"; do sed -i "/^$id\$/d" "$workers"; done
    fi
    ;;
  pull) exit "${STUB_PULL_STATUS:-0}" ;;
  image)
    if [[ "${2:-}" == inspect ]]; then
      image=${!#}
      for missing in ${STUB_MISSING_IMAGES:-}; do
        [[ "$image" == "$missing" ]] && exit 1
      done
      [[ "$*" == *"{{.Size}}"* ]] && echo 123000000
      if [[ "$*" == *".Config.Env"* ]]; then
        version=${image##*:}
        for pair in ${STUB_IMAGE_VERSIONS:-}; do
          [[ "${pair%=*}" == "$image" ]] && version=${pair##*=}
        done
        printf 'PATH=/usr/bin\nPROTOSTAR_VERSION=%s\n' "$version"
      fi
      exit 0
    fi
    ;;
  inspect) printf '%b' "${STUB_DOCKER_INSPECT:-}" ;;
  compose)
    shift
    [[ "${1:-}" == version ]] && { echo "Docker Compose version v2.99.0-stub"; exit "${STUB_COMPOSE_VERSION_STATUS:-0}"; }
    # skip the global options (--project-name X --file Y) to the compose subcommand
    while [[ "${1:-}" == --* ]]; do shift 2; done
    sub=${1:-}
    case "$sub" in
      ps)
        if [[ "$*" == *--quiet* && -n "${STUB_COMPOSE_RUNNING+set}" ]]; then
          [[ " $STUB_COMPOSE_RUNNING " == *" ${!#} "* ]] && echo "id-${!#}"
        elif [[ "$*" == *--quiet* ]]; then
          printf '%s' "${STUB_COMPOSE_PS_QUIET:-}"
        elif [[ "$*" == *"{{.Service}}|{{.State}}|{{.Health}}"* ]]; then
          printf '%b' "${STUB_COMPOSE_PS_STATES:-}"
        else
          printf '%b' "${STUB_COMPOSE_PS_TABLE:-}"
        fi
        ;;
      up)
        [[ -f "$workers" && "$*" == *--scale* ]] && echo id-ai-worker-new >>"$workers"
        sleep "${STUB_COMPOSE_UP_SLEEP:-0}"
        exit "${STUB_COMPOSE_UP_STATUS:-0}"
        ;;
      logs) printf '%b' "${STUB_COMPOSE_LOGS:-}" ;;
      exec) in_container "$*" ;;
    esac
    ;;
esac
exit 0
STUB
  chmod +x "$STUB_BIN/docker"
}

# protostar ARGS... — the CLI under test (the real script of this checkout).
protostar() { "$PROTOSTAR_BIN" "$@"; }

# lib_run SCRIPT — runs SCRIPT in bash with the libraries sourced the way the commands
# source them (strict mode, PROTOSTAR_ROOT set). Use with `run`.
lib_run() {
  PROTOSTAR_ROOT=$PROTOSTAR_REPO bash -c '
    set -Eeuo pipefail
    source "$PROTOSTAR_ROOT/scripts/lib/common.sh"
    source "$PROTOSTAR_ROOT/scripts/lib/config.sh"
    source "$PROTOSTAR_ROOT/scripts/lib/docker-install.sh"
    source "$PROTOSTAR_ROOT/scripts/lib/stack.sh"
    eval "$1"' lib_run "$1"
}

# write_env [KEY=VALUE | -KEY]... — a complete, valid .env in the temp root; KEY=VALUE
# replaces (or appends) a line, -KEY removes it. Values are written literally.
# shellcheck disable=SC2120 # the .bats files pass the overrides
write_env() {
  local -a env_lines=(
    "# test settings"
    "COMPOSE_PROJECT_NAME=ptest"
    "STATE_DIR=$STATE_DIR_T"
    "PUBLIC_HOSTNAME=localhost"
    "BIND_ADDRESS=127.0.0.1"
    "HTTPS_PORT=${TEST_HTTPS_PORT:-18443}"
    "HTTP_PORT=${TEST_HTTP_PORT:-18080}"
    "TLS_DIR=$TLS_DIR_T"
    "POSTGRES_PASSWORD=pgpgpgpgpgpgpgpgpgpgpgpgpgpgpgpg"
    "REDIS_PASSWORD=rdrdrdrdrdrdrdrdrdrdrdrdrdrdrdrd"
    "JWT_SECRET=jwtjwtjwtjwtjwtjwtjwtjwtjwtjwtjw"
    "S3_BUCKET=documents"
    "S3_ACCESS_KEY=s3keys3keys3keys3keys3key"
    "S3_SECRET_KEY=s3secrets3secrets3secrets3secret"
    "POSTGRES_DB=protostar"
    "POSTGRES_USER=protostar"
    "POSTGRES_SHARED_BUFFERS=256MB"
    "REDIS_MAXMEMORY=256mb"
    "BACKEND_MEMORY_LIMIT=1g"
    "AI_WORKER_MEMORY_LIMIT=1g"
    "POSTGRES_MEMORY_LIMIT=1g"
    "REDIS_MEMORY_LIMIT=512m"
    "NGINX_MEMORY_LIMIT=128m"
    "OBJECT_STORE_MEMORY_LIMIT=256m"
  )
  local arg key i found
  for arg in "$@"; do
    if [[ "$arg" == -* ]]; then
      key=${arg#-}
      for i in "${!env_lines[@]}"; do
        [[ "${env_lines[$i]}" == "$key="* ]] && unset 'env_lines[i]'
      done
      env_lines=("${env_lines[@]}")
      continue
    fi
    key=${arg%%=*}
    found=
    for i in "${!env_lines[@]}"; do
      if [[ "${env_lines[$i]}" == "$key="* ]]; then
        env_lines[i]=$arg
        found=1
      fi
    done
    [[ -n "$found" ]] || env_lines+=("$arg")
  done
  printf '%s\n' "${env_lines[@]}" >"$ENV_FILE"
}

# write_state_file KEY=VALUE... — the runtime state the CLI reads from STATE_DIR.
write_state_file() {
  mkdir -p "$STATE_DIR_T"
  printf '%s\n' "$@" >"$STATE_DIR_T/state.env"
}

# free_port — a TCP port nothing listens on at 127.0.0.1 right now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# use_free_ports — HTTPS_PORT/HTTP_PORT for write_env that are free.
use_free_ports() {
  TEST_HTTPS_PORT=$(free_port)
  TEST_HTTP_PORT=$(free_port)
  while [[ "$TEST_HTTP_PORT" == "$TEST_HTTPS_PORT" ]]; do TEST_HTTP_PORT=$(free_port); done
}

# start_listener — a real TCP listener on a free 127.0.0.1 port; sets LISTENER_PORT and
# LISTENER_PID (killed in teardown).
start_listener() {
  local portfile="$TEST_ROOT/listener.port" i
  python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(120)
' "$portfile" >/dev/null 2>&1 3>&- &
  LISTENER_PID=$!
  for ((i = 0; i < 100; i++)); do
    [[ -s "$portfile" ]] && break
    sleep 0.05
  done
  LISTENER_PORT=$(<"$portfile")
}

# --- assertions (each prints what it saw when it fails) ---------------------------------

fail() {
  printf '%s\n' "$@" >&2
  return 1
}

assert_status() {
  [[ "$status" -eq "$1" ]] || fail "expected exit status $1, got $status" "output: $output"
}

assert_output_contains() {
  [[ "$output" == *"$1"* ]] || fail "expected output to contain: $1" "output: $output"
}

refute_output_contains() {
  [[ "$output" != *"$1"* ]] || fail "expected output NOT to contain: $1" "output: $output"
}

# assert_output_line_matches REGEX — some line of $output matches the extended regex.
assert_output_line_matches() {
  local line
  for line in "${lines[@]}"; do
    [[ "$line" =~ $1 ]] && return 0
  done
  fail "expected a line matching: $1" "output: $output"
}

assert_called() {
  grep -qF -- "$1" "$STUB_LOG" || fail "expected a stub call containing: $1" "calls:" "$(cat "$STUB_LOG")"
}

refute_called() {
  ! grep -qF -- "$1" "$STUB_LOG" || fail "expected NO stub call containing: $1" "calls:" "$(cat "$STUB_LOG")"
}

# assert_call_line LINE — the log holds exactly this call line.
assert_call_line() {
  grep -qxF -- "$1" "$STUB_LOG" || fail "expected the call: $1" "calls:" "$(cat "$STUB_LOG")"
}

# assert_state_unchanged — state.env as deployed_stack_setup left it.
assert_state_unchanged() {
  diff "$TEST_ROOT/state.before" "$STATE_DIR_T/state.env" || fail "state.env changed"
}

assert_unlocked() {
  [[ ! -e "$STATE_DIR_T/deploy.lock" ]] || fail "the deploy lock is still there" "$(cat "$STATE_DIR_T/deploy.lock/owner" 2>/dev/null)"
}

# No docker call that changes anything: only inspection.
refute_changing_calls() {
  refute_called " up "
  refute_called " rm "
  refute_called " stop "
  refute_called "nginx -s reload"
}

assert_no_calls() {
  [[ ! -s "$STUB_LOG" ]] || fail "expected no stub calls, got:" "$(cat "$STUB_LOG")"
}

# The compose prefix the CLI uses for the test project (write_env sets no S3_ENDPOINT, so
# the embedded object store's profile is on).
compose_prefix() {
  printf 'docker compose --project-name %s --file %s --profile embedded-object-store' "${1:-ptest}" "$PROTOSTAR_REPO/compose/production.yml"
}

# make_curl_stub — a curl that logs its call ("curl ARGS...") and prints $STUB_CURL_OUTPUT
# (printf %b) with exit code $STUB_CURL_STATUS; for the commands that verify through nginx.
make_curl_stub() {
  cat >"$STUB_BIN/curl" <<'STUB'
#!/usr/bin/env bash
printf '%s\n' "curl $*" >>"$STUB_LOG"
if [[ -n "${STUB_CURL_SEQUENCE+set}" ]]; then
  n=$(($(cat "$STUB_LOG.curl" 2>/dev/null || echo 0) + 1))
  echo "$n" >"$STUB_LOG.curl"
  IFS='|' read -ra outputs <<<"$STUB_CURL_SEQUENCE"
  printf '%b' "${outputs[$((n <= ${#outputs[@]} ? n - 1 : ${#outputs[@]} - 1))]}"
else
  printf '%b' "${STUB_CURL_OUTPUT:-}"
fi
exit "${STUB_CURL_STATUS:-0}"
STUB
  chmod +x "$STUB_BIN/curl"
}

# include_for COLOUR — the active-backend include as protostar writes it for COLOUR.
include_for() {
  # shellcheck disable=SC2016 # nginx's variables, written literally
  printf '%s\n' '# Written by protostar; the deploy command rewrites it. Do not edit by hand.' \
    'split_clients "${request_id}" $protostar_backend {' "  * backend-$1;" '}'
}

# deployed_stack_setup ACTIVE BLUE_TAG GREEN_TAG — a stack after `up` or a deploy, for the
# deploy, rollback and maintenance tests: settings, state (copied to state.before), the
# live include routing to ACTIVE, nginx and backend-ACTIVE running, curl stubbed.
deployed_stack_setup() {
  local active=$1
  protostar_setup
  unset PROTOSTAR_ACTOR SUDO_USER PROTOSTAR_VERIFY_IN_A_ROW PROTOSTAR_HOOK_TIMEOUT
  make_curl_stub
  write_env
  write_state_file "IMAGE_SOURCE=offline" "ACTIVE_COLOR=$active" \
    "BACKEND_BLUE_IMAGE=protostar/backend:$2" "BACKEND_GREEN_IMAGE=protostar/backend:$3" \
    "AI_WORKER_IMAGE=protostar/ai-worker:v1"
  mkdir -p "$STATE_DIR_T/nginx"
  include_for "$active" >"$STATE_DIR_T/nginx/active-backend.conf"
  cp "$STATE_DIR_T/state.env" "$TEST_ROOT/state.before"
  export STUB_COMPOSE_RUNNING="nginx backend-$active" PROTOSTAR_VERIFY_TIMEOUT=1
}

# yaml_query FILE EXPR — prints what the Python expression EXPR gives for the YAML
# document `d` of FILE (lists one item a line). PyYAML (python3-yaml) reads it, merge keys
# included; the test command installs it with the scripts tier's tools.
yaml_query() {
  python3 - "$1" "$2" <<'PY'
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
r = eval(sys.argv[2], {"d": d})
if isinstance(r, (list, tuple, set)):
    for x in r:
        print(x)
elif isinstance(r, bool):
    print("true" if r else "false")
elif r is not None:
    print(r)
PY
}

# write_management_env [KEY=VALUE]... — a complete .env.management in the temp root from
# the example, secrets filled in, files under the temp root; KEY=VALUE replaces a line.
write_management_env() {
  local file="$TEST_ROOT/management.env" var arg
  sed -e "s|^MANAGEMENT_STATE_DIR=.*|MANAGEMENT_STATE_DIR=$TEST_ROOT/mstate|" \
    -e "s|^OPS_TLS_DIR=.*|OPS_TLS_DIR=$TEST_ROOT/mstate/tls|" \
    -e "s|^JENKINS_DEPLOY_KEY_FILE=.*|JENKINS_DEPLOY_KEY_FILE=$TEST_ROOT/mstate/jenkins/deploy-key|" \
    -e "s|^JENKINS_KNOWN_HOSTS_FILE=.*|JENKINS_KNOWN_HOSTS_FILE=$TEST_ROOT/mstate/jenkins/known-hosts|" \
    -e "s|^OPS_BIND_ADDRESS=.*|OPS_BIND_ADDRESS=127.0.0.1|" \
    -e "s|^OPS_HTTPS_PORT=.*|OPS_HTTPS_PORT=${TEST_OPS_PORT:-18888}|" \
    -e "s|^OPS_LAN_HTTPS_PORT=.*|OPS_LAN_HTTPS_PORT=${TEST_OPS_LAN_PORT:-18443}|" \
    "$PROTOSTAR_REPO/compose/management.env.example" >"$file"
  for var in JENKINS_ADMIN_PASSWORD GRAFANA_ADMIN_PASSWORD MINIO_ROOT_PASSWORD MINIO_BACKEND_SECRET_KEY MINIO_BACKUP_SECRET_KEY OPS_ADMIN_PASSWORD; do
    sed -i "s|^$var=\$|$var=${var,,}-0123456789abcdef0123|" "$file"
  done
  for arg in "$@"; do
    if grep -q "^${arg%%=*}=" "$file"; then
      sed -i "s|^${arg%%=*}=.*|$arg|" "$file"
    else
      printf '%s\n' "$arg" >>"$file"
    fi
  done
  export PROTOSTAR_MANAGEMENT_ENV_FILE=$file
}

# assert_no_calls_to NAME — the stub NAME was never called.
assert_no_calls_to() {
  ! grep -q "^$1 " "$STUB_LOG" || fail "expected no $1 calls, got:" "$(grep "^$1 " "$STUB_LOG")"
}
