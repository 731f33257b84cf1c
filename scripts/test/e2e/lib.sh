# shellcheck shell=bash
# Helpers for end-to-end suites: a throw-away project with its own settings, state and
# free ports; checks that count; teardown that always runs.

# free_port — a TCP port nothing listens on now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# e2e_setup NAME — a unique project: .env from the example with test values.
e2e_setup() {
  E2E_DIR=$(mktemp -d "/tmp/protostar-e2e-$1.XXXXXX")
  E2E_PROJECT="protostar-e2e-$1-$(basename "$E2E_DIR" | cut -d. -f2 | tr '[:upper:]' '[:lower:]')"
  export E2E_DIR E2E_PROJECT
  export PROTOSTAR_ENV_FILE="$E2E_DIR/.env"
  export PROTOSTAR_LOG_DIR="$E2E_DIR/logs"
  sed -e "s|^COMPOSE_PROJECT_NAME=.*|COMPOSE_PROJECT_NAME=$E2E_PROJECT|" \
    -e "s|^STATE_DIR=.*|STATE_DIR=$E2E_DIR/state|" \
    -e "s|^TLS_DIR=.*|TLS_DIR=$E2E_DIR/tls|" \
    -e "s|^BIND_ADDRESS=.*|BIND_ADDRESS=127.0.0.1|" \
    -e "s|^HTTPS_PORT=.*|HTTPS_PORT=$(free_port)|" \
    -e "s|^HTTP_PORT=.*|HTTP_PORT=$(free_port)|" \
    -e "s|^POSTGRES_SHARED_BUFFERS=.*|POSTGRES_SHARED_BUFFERS=128MB|" \
    "$PROTOSTAR_ROOT/compose/production.env.example" >"$PROTOSTAR_ENV_FILE"
  local var
  for var in POSTGRES_PASSWORD REDIS_PASSWORD JWT_SECRET; do
    sed -i "s|^$var=\$|$var=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')|" "$PROTOSTAR_ENV_FILE"
  done
  # The checks read the settings as shell variables; they are not exported, so the CLI
  # under test sees only what its .env says.
  # shellcheck disable=SC1090 # generated above, plain KEY=value lines
  source "$PROTOSTAR_ENV_FILE"
  E2E_PASSED=0 E2E_FAILED=0 E2E_FAILURES=()
  info "e2e project $E2E_PROJECT in $E2E_DIR (https://localhost:$HTTPS_PORT)"
}

# e2e_teardown STATUS — logs when something failed, then removes everything.
e2e_teardown() {
  local status=$1
  if [[ "$status" != 0 || "$E2E_FAILED" != 0 ]]; then
    echo "---- status and logs of $E2E_PROJECT ----" >&2
    protostar status >&2 || true
    protostar logs --tail 150 >&2 || true
    cat "$E2E_DIR"/*.log >&2 2>/dev/null || true
  fi
  if [[ -n "${keep:-}" ]]; then
    info "kept: PROTOSTAR_ENV_FILE=$PROTOSTAR_ENV_FILE scripts/protostar down --volumes --yes"
    return
  fi
  protostar down --volumes --yes >/dev/null 2>&1 || true
  # A check may have started a second project (it should not have): remove it too.
  docker ps -aq --filter "label=com.docker.compose.project=$E2E_PROJECT-other" | xargs -r docker rm -f >/dev/null || true
  rm -rf "$E2E_DIR"
}

# check "what" CMD... — runs one check; failures are counted, and the suite goes on.
check() {
  local what=$1
  shift
  # A subshell with errexit, run as a plain command: inside an `if` bash would ignore
  # `set -e` and only a check's last command would count. Its variables stay inside.
  local status
  set +e
  (
    set -e
    "$@"
  ) >"$E2E_DIR/check.out" 2>&1
  status=$?
  set -e
  if ((status == 0)); then
    E2E_PASSED=$((E2E_PASSED + 1))
    printf 'ok   %s\n' "$what"
  else
    E2E_FAILED=$((E2E_FAILED + 1))
    E2E_FAILURES+=("$what")
    printf 'FAIL %s\n' "$what"
    sed 's/^/     | /' "$E2E_DIR/check.out" | tail -n 20
  fi
}

e2e_summary() {
  echo "e2e: $E2E_PASSED passed, $E2E_FAILED failed"
  ((E2E_FAILED == 0))
}

# --- What checks call -----------------------------------------------------------------------
protostar() { "$PROTOSTAR_ROOT/scripts/protostar" "$@"; }
protostar_compose() { protostar compose "$@"; }
https_get() { curl -fsS --cacert "$TLS_DIR/tls.crt" "https://localhost:$HTTPS_PORT$1"; }
https_headers() { curl -fsS -o /dev/null -D - --cacert "$TLS_DIR/tls.crt" "https://localhost:$HTTPS_PORT$1"; }
# api METHOD PATH [JSON] [curl options...] — "<status>\n<body>" of a JSON call through
# nginx; the status comes first so checks can assert on both without -f hiding the body.
api() {
  local method=$1 path=$2 body=${3:-}
  shift $(($# < 3 ? $# : 3))
  curl -sS --cacert "$TLS_DIR/tls.crt" -X "$method" -H 'Content-Type: application/json' \
    ${body:+--data-binary "$body"} -w '\n%{http_code}' "$@" "https://localhost:$HTTPS_PORT$path" |
    { mapfile -t out && printf '%s\n' "${out[-1]}" && printf '%s\n' "${out[@]:0:${#out[@]}-1}"; }
}
container_health() { docker inspect -f '{{.State.Health.Status}}' "$(protostar_compose ps -q "$1")"; }
container_ids() { protostar_compose ps -q | sort | tr '\n' ' '; }
# "service hostip:port ..." for every container that publishes a port.
published_ports() {
  local id
  for id in $(protostar_compose ps -q); do
    docker inspect -f '{{index .Config.Labels "com.docker.compose.service"}}{{range $p, $b := .HostConfig.PortBindings}}{{range $b}} {{.HostIp}}:{{.HostPort}}{{end}}{{end}}' "$id"
  done | while read -r service ports; do
    [[ -z "$ports" ]] || printf '%s %s\n' "$service" "$(tr ' ' '\n' <<<"$ports" | sort | paste -sd' ')"
  done
}
# other_env_with VAR=value / other_env_without VAR — a second project's settings, the
# running one's with one change.
other_env() {
  OTHER_PROJECT="$E2E_PROJECT-other"
  OTHER_ENV="$E2E_DIR/other.env"
  sed -e "s|^COMPOSE_PROJECT_NAME=.*|COMPOSE_PROJECT_NAME=$OTHER_PROJECT|" \
    -e "s|^STATE_DIR=.*|STATE_DIR=$E2E_DIR/other-state|" -e "$1" "$PROTOSTAR_ENV_FILE" >"$OTHER_ENV"
  export OTHER_ENV OTHER_PROJECT
}
other_env_with() { other_env "s|^${1%%=*}=.*|$1|"; }
other_env_without() { other_env "/^$1=/d"; }
psql_app() { protostar_compose exec -T postgres psql -U "$POSTGRES_USER" -d "$POSTGRES_DB" -tAc "$1"; }
redis_config() { protostar_compose exec -T redis redis-cli config get "$1" | tail -n 1; }
