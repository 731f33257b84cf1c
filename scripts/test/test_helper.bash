# shellcheck shell=bash
# shellcheck disable=SC2154,SC2034,SC2016 # status/output/lines come from bats' run; LISTENER_PORT etc. are read by the tests; stub bodies are single-quoted (the stub expands them)
# Shared set-up for the bats tests of scripts/protostar and scripts/lib/*.sh.
#
# Every test runs in its own $BATS_TEST_TMPDIR:
#   bin/        stub commands (docker, apt-get, dockerd, ...) placed FIRST on PATH; each
#               appends one line per call ("NAME ARG ARG ...") to $STUB_LOG
#   stubs/      what each stub command does, as the test set it up (see `stub` below)
#   .env        the operator settings the CLI reads (PROTOSTAR_ENV_FILE), written by
#               write_env; STATE_DIR and TLS_DIR point into the temp dir
#   state/      STATE_DIR, tls/ TLS_DIR, logs/ PROTOSTAR_LOG_DIR
# Nothing is written into the repository, no container is started and nothing but
# 127.0.0.1 is ever contacted.

PROTOSTAR_REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
PROTOSTAR_BIN="$PROTOSTAR_REPO/scripts/protostar"

protostar_setup() {
  TEST_ROOT=$BATS_TEST_TMPDIR
  STUB_BIN="$TEST_ROOT/bin"
  STUB_DIR="$TEST_ROOT/stubs"
  STUB_LOG="$TEST_ROOT/calls.log"
  STUB_ENV_LOG="$TEST_ROOT/docker-env.log"
  ENV_FILE="$TEST_ROOT/.env"
  STATE_DIR_T="$TEST_ROOT/state"
  TLS_DIR_T="$TEST_ROOT/tls"
  export STUB_LOG STUB_ENV_LOG STUB_DIR
  export PROTOSTAR_ENV_FILE=$ENV_FILE
  export PROTOSTAR_LOG_DIR="$TEST_ROOT/logs"
  export PROTOSTAR_APP_VERSION=test-1
  export PROTOSTAR_PULL_PROBE_TIMEOUT=5
  export TMPDIR=$TEST_ROOT
  # The settings under test come from the env file only, never from the caller.
  unset DEBUG PROTOSTAR_DEBIAN_MIRROR PROTOSTAR_APT_ETC IMAGE_SOURCE ACTIVE_COLOR \
    NGINX_IMAGE POSTGRES_IMAGE REDIS_IMAGE NODE_EXPORTER_IMAGE NGINX_EXPORTER_IMAGE POSTGRES_EXPORTER_IMAGE REDIS_EXPORTER_IMAGE CONTAINER_METRICS_IMAGE LOG_SHIPPER_IMAGE JRE_IMAGE BACKEND_BLUE_IMAGE BACKEND_GREEN_IMAGE \
    AI_WORKER_IMAGE COMPOSE_PROJECT_NAME STATE_DIR TLS_DIR HTTPS_PORT HTTP_PORT
  : >"$STUB_LOG"
  mkdir -p "$STUB_BIN" "$STUB_DIR"
  write_stub_functions
  stub_docker_engine
  # Safety nets: nothing may install packages or start a real engine.
  local name
  for name in apt-get dpkg dockerd systemctl debootstrap setsid; do
    stub "$name"
  done
  PATH="$STUB_BIN:$PATH"
  export PATH
}

protostar_teardown() {
  release_stubs 2>/dev/null || true
  if [[ -n "${HOLDER_PID:-}" ]]; then
    kill "$HOLDER_PID" 2>/dev/null || true
    wait "$HOLDER_PID" 2>/dev/null || true
    HOLDER_PID=
  fi
  if [[ -n "${LISTENER_PID:-}" ]]; then
    kill "$LISTENER_PID" 2>/dev/null || true
    wait "$LISTENER_PID" 2>/dev/null || true
    LISTENER_PID=
  fi
}

# hold_lock [KEY=VALUE...] — the deploy lock held by a live process (a sleep, pid in
# HOLDER_PID, stopped by protostar_teardown), its owner file as another deploy writes it.
hold_lock() {
  sleep 60 3>&- &
  HOLDER_PID=$!
  mkdir -p "$STATE_DIR_T/deploy.lock"
  printf '%s\n' "pid=$HOLDER_PID" "user=alice" "host=$(uname -n)" \
    "command=protostar deploy backend v7" "started=2026-01-02T03:04:05Z" "$@" >"$STATE_DIR_T/deploy.lock/owner"
}

setup() { protostar_setup; }
teardown() { protostar_teardown; }

# --- stubs: each test sets up the commands it needs -----------------------------------------
# A stubbed command (bin/NAME) logs its call, then does what the newest matching stub says:
#
#   stub NAME                       NAME exists: it logs its calls and succeeds
#   stub NAME PATTERN BODY          a call whose arguments, joined by spaces, match the glob
#                                   PATTERN runs BODY: bash, with the call's arguments as
#                                   "$@" (BODY "-": read from stdin)
#   stub_output NAME PATTERN TEXT [STATUS]  prints TEXT (printf %b), exits STATUS (default 0)
#   stub_tap NAME PATTERN BODY      BODY runs for every matching call, before the stub that
#                                   answers it (to record something); its output is dropped
#
# A later stub wins over an earlier one; a call that no stub matches succeeds, printing
# nothing. Inside BODY:
#   relog [LINE...]  logs LINE(s) in place of the call (a script's text, a call that stands
#                    for two)
#   next_stub        leaves the call to the next earlier stub that matches
#   $STUB_NTH        how many calls this stub has answered, this one included
# and `each_call BODY...` makes a BODY that answers successive calls differently.

# write_stub_functions — what every stub body can use (each stub file sources it).
write_stub_functions() {
  cat >"$STUB_DIR/functions.bash" <<'FUNCTIONS'
# shellcheck shell=bash
next_stub() { exit 100; }
relog() {
  local size end
  {
    flock 9
    # The call's own line is dropped only while it is the last one (no call since).
    size=$(stat -c %s "$STUB_LOG")
    end=$(printf '%s\n' "$STUB_CALL" | wc -c)
    if ((size >= end)) && [[ "$(tail -c "$end" "$STUB_LOG")" == "$STUB_CALL" ]]; then
      truncate -s $((size - end)) "$STUB_LOG"
    fi
    (($# == 0)) || printf '%s\n' "$@" >&9
  } 9>>"$STUB_LOG"
}
# Counted under a lock: a command may make calls at once (the verification's requests).
{
  flock 8
  STUB_NTH=0
  [[ ! -s "$STUB_FILE.count" ]] || read -r STUB_NTH <"$STUB_FILE.count"
  STUB_NTH=$((STUB_NTH + 1))
  echo "$STUB_NTH" >"$STUB_FILE.count"
} 8>>"$STUB_FILE.lock"
FUNCTIONS
}

# make_stub_command NAME — bin/NAME: logs "NAME ARGS...", runs the taps that match, then
# the newest stub that matches (one that exits 100 passes the call on).
make_stub_command() {
  mkdir -p "$STUB_DIR/$1"
  cat >"$STUB_BIN/$1" <<'COMMAND'
#!/usr/bin/env bash
export STUB_CALL="${0##*/} $*"
printf '%s\n' "$STUB_CALL" >>"$STUB_LOG"
shopt -s nullglob
_taps=("$STUB_DIR/${0##*/}"/tap-*.stub) _stubs=("$STUB_DIR/${0##*/}"/[0-9]*.stub)
shopt -u nullglob
# Each stub file runs in a subshell of this one (a fork is cheaper than a new bash), with
# only STUB_FILE of this script's variables.
_run() { (unset -v _taps _stubs _i _pattern _status && source "$STUB_FILE" "$@"); }
for STUB_FILE in "${_taps[@]}"; do
  IFS= read -r _pattern <"$STUB_FILE"
  [[ "$*" != ${_pattern#\# } ]] || _run "$@" >/dev/null
done
for ((_i = ${#_stubs[@]} - 1; _i >= 0; _i--)); do
  STUB_FILE=${_stubs[_i]}
  IFS= read -r _pattern <"$STUB_FILE"
  [[ "$*" == ${_pattern#\# } ]] || continue
  _status=0
  _run "$@" || _status=$?
  ((_status == 100)) || exit "$_status"
done
exit 0
COMMAND
  chmod +x "$STUB_BIN/$1"
}

# add_stub_file NAME PREFIX PATTERN BODY — the next stub file of NAME (see above).
add_stub_file() {
  local name=$1 prefix=$2 pattern=$3 body=$4
  local -a files
  [[ -x "$STUB_BIN/$name" ]] || make_stub_command "$name"
  [[ "$body" != - ]] || body=$(cat)
  files=("$STUB_DIR/$name"/*.stub)
  [[ -e "${files[0]}" ]] || files=()
  printf '# %s\nsource "$STUB_DIR/functions.bash"\n%s\n' "$pattern" "$body" \
    >"$STUB_DIR/$name/$prefix$(printf %04d "${#files[@]}").stub"
}

stub() {
  if (($# == 1)); then
    [[ -x "$STUB_BIN/$1" ]] || make_stub_command "$1"
  else
    add_stub_file "$1" "" "$2" "$3"
  fi
}

stub_tap() { add_stub_file "$1" tap- "$2" "$3"; }

stub_output() { stub "$1" "$2" "printf '%b' $(printf %q "$3"); exit ${4:-0}"; }

# each_call BODY... — a stub body: the first call runs the first BODY, the second the
# second...; the last BODY repeats.
each_call() {
  local i
  printf '%s\n' 'case "$STUB_NTH" in'
  for ((i = 1; i < $#; i++)); do printf '  %s) %s ;;\n' "$i" "${!i}"; done
  printf '  *) %s ;;\nesac\n' "${!#}"
}

# blocked_until_released — a stub body that waits until the test calls release_stubs
# (bounded: 120 s, so a test that forgets cannot hang the suite). A test that must act
# while a command is in a given call waits for that call with wait_for_call instead of
# racing a sleep of the stub's against a polling window of its own.
blocked_until_released() {
  printf 'for ((_w = 0; _w < 2400; _w++)); do [[ -e %q ]] && break; sleep 0.05; done\n' "$TEST_ROOT/stubs-released"
}
release_stubs() { touch "$TEST_ROOT/stubs-released"; }

# wait_for_call TEXT [SECONDS] — waits (default up to 60 s) until a stub call containing
# TEXT is logged; fails naming it otherwise.
wait_for_call() {
  local text=$1 deadline=$((SECONDS + ${2:-60}))
  until grep -qF -- "$text" "$STUB_LOG" 2>/dev/null; do
    ((SECONDS < deadline)) || fail "no stub call containing '$text' within ${2:-60}s" "calls:" "$(cat "$STUB_LOG" 2>/dev/null)"
    sleep 0.05
  done
}

# stub_outputs NAME PATTERN TEXT... — successive matching calls print each TEXT in turn
# (printf %b); the last one repeats.
stub_outputs() {
  local name=$1 pattern=$2 text
  local -a bodies=()
  shift 2
  for text in "$@"; do bodies+=("printf '%b' $(printf %q "$text")"); done
  stub "$name" "$pattern" "$(each_call "${bodies[@]}")"
}

# stub_docker_engine — a Docker engine that is ready and holds every image (123 MB, its
# PROTOSTAR_VERSION its tag), where nothing runs yet and nginx accepts its configuration.
# One `docker exec` running `nginx -t`, then `nginx -s reload` is logged as the two calls
# it stands for, each answered by the stubs for it.
stub_docker_engine() {
  stub_output docker 'compose version' 'Docker Compose version v2.99.0-stub\n'
  stub docker 'image inspect *' - <<'BODY'
image=${!#}
[[ "$*" != *"{{.Size}}"* ]] || echo 123000000
[[ "$*" != *"{{println .Id}}"* ]] || echo "sha256:id-${image//[:\/]/-}"
[[ "$*" != *".Config.Env"* ]] || printf 'PATH=/usr/bin\nPROTOSTAR_VERSION=%s\n' "${image##*:}"
# an offline image is built from its recipe as it is (the label the CLI compares)
if [[ "$*" == *dev.protostar.recipe* ]]; then
  name=${image%%:*}
  source "$PROTOSTAR_ROOT/scripts/lib/images.sh"
  recipe_digest "${name##*/}"
fi
BODY
  stub docker 'exec * sh -c nginx -t*nginx -s reload*' - <<'BODY'
relog
docker exec "$2" nginx -t || exit 10
docker exec "$2" nginx -s reload || exit 11
BODY
}

# stub_running SERVICE... — the stack's containers of these services run (id-SERVICE), for
# `docker ps --filter label=com.docker.compose.service=S` and `compose ps --quiet S`; other
# services do not run (`docker ps --all` for them: an earlier stub answers, if any).
stub_running() {
  local running
  printf -v running 'running=%q' " $* "
  stub docker 'ps *' "$running"$'\n''[[ "$*" =~ label=com.docker.compose.service=([^ ]*) ]]
if [[ "$running" == *" ${BASH_REMATCH[1]} "* ]]; then echo "id-${BASH_REMATCH[1]}"; elif [[ "$*" == *--all* ]]; then next_stub; fi'
  stub docker 'compose * ps *--quiet*' "$running"$'\n''if [[ "$running" == *" ${!#} "* ]]; then echo "id-${!#}"; fi'
}

# stub_ps_states TEXT — the services' states `compose ps --all --format
# '{{.Service}}|{{.State}}|{{.Health}}|...'` lists (printf %b).
stub_ps_states() { stub_output docker 'compose * ps --all --format *' "$1"; }

# stub_missing_images IMAGE... — `docker image inspect` fails for these images.
stub_missing_images() {
  local missing
  printf -v missing 'missing=%q' " $* "
  stub docker 'image inspect *' "$missing"$'\n''[[ "$missing" != *" ${!#} "* ]] || exit 1
next_stub'
}

# record_docker_env VAR... — every docker call appends "VAR=value" for each VAR, as the
# call saw it, to $STUB_ENV_LOG.
record_docker_env() {
  stub_tap docker '*' "for var in $*; do"' printf "%s=%s\n" "$var" "${!var:-}" >>"$STUB_ENV_LOG"; done'
}

# stub_health_answer TEXT — what a request for the backend's health gets (printf %b; e.g.
# headers for `curl -D -`): curl on this host (through nginx) and curl in nginx's container
# (the verification's, not the warm-up's: stub_warmup_answers).
stub_health_answer() {
  stub_output curl '*' "$1"
  stub_output docker 'exec * curl -sS --max-time 5 *' "$1"
}

# stub_warmup_answers [TEXT [STATUS]] — what the warm-up of a new colour (one curl in
# nginx's container) prints and exits with; by default every request answered as
# expected (a status line each).
# shellcheck disable=SC2120 # the .bats files pass the answers
stub_warmup_answers() {
  local expected
  expected=$(printf '200\\n%.0s' {1..300})'401\n'
  stub_output docker 'exec * timeout * curl *' "${1-$expected}" "${2:-0}"
}

# stub_workers ID... — the ai-worker containers, kept in $STUB_LOG.workers: `docker ps`
# lists them, the first `compose up --scale` adds id-ai-worker-new, `docker rm` removes ids.
stub_workers() {
  if (($#)); then printf '%s\n' "$@" >"$STUB_LOG.workers"; else : >"$STUB_LOG.workers"; fi
  stub docker 'ps *label=com.docker.compose.service=ai-worker *' 'cat "$STUB_LOG.workers"'
  stub_tap docker 'compose * up *--scale*' 'grep -qx id-ai-worker-new "$STUB_LOG.workers" || echo id-ai-worker-new >>"$STUB_LOG.workers"'
  stub_tap docker 'rm *' 'for id in "${@:2}"; do sed -i "/^$id\$/d" "$STUB_LOG.workers"; done'
  # each new worker passes its health check
  stub_output docker 'inspect -f {{.State.Status}} * id-ai-worker-new' 'running healthy\n'
}

# recipe_of NAME — the digest of compose/images/NAME the CLI labels its image with.
recipe_of() { lib_run "recipe_digest $1"; }

# line_of TEXT — the number of the first stub call containing TEXT (order checks).
line_of() { grep -nF -- "$1" "$STUB_LOG" | head -n 1 | cut -d: -f1; }

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
    "METRICS_PORT=${TEST_METRICS_PORT:-18943}"
    "TLS_DIR=$TLS_DIR_T"
    "POSTGRES_PASSWORD=pgpgpgpgpgpgpgpgpgpgpgpgpgpgpgpg"
    "REDIS_PASSWORD=rdrdrdrdrdrdrdrdrdrdrdrdrdrdrdrd"
    "JWT_SECRET=jwtjwtjwtjwtjwtjwtjwtjwtjwtjwtjw"
    "S3_BUCKET=documents"
    "S3_ACCESS_KEY=s3keys3keys3keys3keys3key"
    "S3_SECRET_KEY=s3secrets3secrets3secrets3secret"
    "POSTGRES_OWNER_PASSWORD=pgownerpgownerpgownerpgowner"
    "POSTGRES_BACKEND_PASSWORD=pgbackendpgbackendpgbackend"
    "POSTGRES_WORKER_PASSWORD=pgworkerpgworkerpgworkerpgworker"
    "REDIS_BACKEND_PASSWORD=rdbackendrdbackendrdbackend"
    "REDIS_WORKER_PASSWORD=rdworkerrdworkerrdworkerrdworker"
    "METRICS_PASSWORD=mtmtmtmtmtmtmtmtmtmtmtmtmtmtmtmt"
    "POSTGRES_MONITOR_PASSWORD=pgmonitorpgmonitorpgmonitor"
    "REDIS_MONITOR_PASSWORD=rdmonitorrdmonitorrdmonitor"
    "POSTGRES_ARCHIVE_CIPHER_PASS=pgarchivepgarchivepgarchive"
    "DATA_ENCRYPTION_KEYS=k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
    "DATA_ENCRYPTION_ACTIVE_KEY=k1"
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
  TEST_METRICS_PORT=$(free_port)
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
# every_profile_prefix [PROJECT] — the same with every optional profile on, as down and
# uninstall run it (the log shipper's and the archive shipper's too).
every_profile_prefix() { printf '%s --profile logs --profile archive-shipping' "$(compose_prefix "$@")"; }

# include_for COLOR — the active-backend include as protostar writes it for COLOR.
include_for() {
  printf '%s\n' '# Written by protostar; the deploy command rewrites it. Do not edit by hand.' \
    'split_clients "${request_id}" $protostar_backend {' "  * backend-$1;" '}'
}

# deployed_stack_setup ACTIVE BLUE_TAG GREEN_TAG — a stack after `up` or a deploy, for the
# deploy, rollback and maintenance tests: settings, state (copied to state.before), the
# live include routing to ACTIVE, nginx and backend-ACTIVE running, curl stubbed (it answers
# nothing until the test says what: stub_health_answer).
deployed_stack_setup() {
  local active=$1
  protostar_setup
  unset PROTOSTAR_ACTOR SUDO_USER PROTOSTAR_VERIFY_IN_A_ROW PROTOSTAR_HOOK_TIMEOUT
  stub curl
  write_env
  write_state_file "IMAGE_SOURCE=offline" "ACTIVE_COLOR=$active" \
    "BACKEND_BLUE_IMAGE=protostar/backend:$2" "BACKEND_GREEN_IMAGE=protostar/backend:$3" \
    "AI_WORKER_IMAGE=protostar/ai-worker:v1"
  mkdir -p "$STATE_DIR_T/nginx"
  include_for "$active" >"$STATE_DIR_T/nginx/active-backend.conf"
  cp "$STATE_DIR_T/state.env" "$TEST_ROOT/state.before"
  # A colour a deploy creates has a container (`ps --all`) before it runs.
  stub docker 'ps *--all' '[[ "$*" =~ service=([^ ]*) ]] && echo "id-${BASH_REMATCH[1]}"'
  stub_running nginx "backend-$active"
  stub_warmup_answers
  export PROTOSTAR_VERIFY_TIMEOUT=1
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
    -e "s|\.ops\.localhost\$|.ops.internal|" -e "s|^OPS_PROXY_ADDRESS=.*|OPS_PROXY_ADDRESS=192.168.50.10|" \
    -e "s|^OPS_ADMIN_ALLOW=.*|OPS_ADMIN_ALLOW=10.0.0.0/8|" \
    -e "s|^PROTOSTAR_REPOSITORY_URL=.*|PROTOSTAR_REPOSITORY_URL=https://git.corp.internal/protostar.git|" \
    -e "s|^PROTOSTAR_DEPLOY_HOST=.*|PROTOSTAR_DEPLOY_HOST=prod.corp.internal|" \
    -e "s|^PROTOSTAR_PUBLIC_URL=.*|PROTOSTAR_PUBLIC_URL=https://chat.corp.internal/|" \
    "$PROTOSTAR_REPO/compose/management.env.example" >"$file"
  for var in JENKINS_ADMIN_PASSWORD GRAFANA_ADMIN_PASSWORD MINIO_ROOT_PASSWORD MINIO_BACKEND_SECRET_KEY MINIO_BACKUP_SECRET_KEY \
    MINIO_RETENTION_SECRET_KEY OPS_ADMIN_PASSWORD; do
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
