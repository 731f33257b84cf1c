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
    -e "s|^METRICS_PORT=.*|METRICS_PORT=$(free_port)|" \
    -e "s|^POSTGRES_SHARED_BUFFERS=.*|POSTGRES_SHARED_BUFFERS=128MB|" \
    "$PROTOSTAR_ROOT/compose/production.env.example" >"$PROTOSTAR_ENV_FILE"
  local var
  for var in POSTGRES_PASSWORD REDIS_PASSWORD JWT_SECRET S3_ACCESS_KEY S3_SECRET_KEY POSTGRES_OWNER_PASSWORD \
    POSTGRES_BACKEND_PASSWORD POSTGRES_WORKER_PASSWORD REDIS_BACKEND_PASSWORD REDIS_WORKER_PASSWORD METRICS_PASSWORD \
    POSTGRES_MONITOR_PASSWORD REDIS_MONITOR_PASSWORD POSTGRES_ARCHIVE_CIPHER_PASS; do
    sed -i "s|^$var=\$|$var=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')|" "$PROTOSTAR_ENV_FILE"
  done
  # Conversation data encrypted at rest, as `up` sets it for a new install.
  sed -i -e "s|^DATA_ENCRYPTION_KEYS=\$|DATA_ENCRYPTION_KEYS=k1:$(head -c 32 /dev/urandom | base64 -w 0)|" \
    -e "s|^DATA_ENCRYPTION_ACTIVE_KEY=\$|DATA_ENCRYPTION_ACTIVE_KEY=k1|" "$PROTOSTAR_ENV_FILE"
  # The checks read the settings as shell variables; they are not exported, so the CLI
  # under test sees only what its .env says.
  # shellcheck disable=SC1090 # generated above, plain KEY=value lines
  source "$PROTOSTAR_ENV_FILE"
  E2E_PASSED=0 E2E_FAILED=0 E2E_FAILURES=()
  info "e2e project $E2E_PROJECT in $E2E_DIR (https://localhost:$HTTPS_PORT)"
}

# e2e_with_admin — a bootstrap administrator in the suite's .env, as an operator would
# configure one (PROTOSTAR_ADMIN_EMAIL/PASSWORD, also set in the suite's shell).
e2e_with_admin() {
  PROTOSTAR_ADMIN_EMAIL=root@example.com
  PROTOSTAR_ADMIN_PASSWORD=$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
  sed -i -e "s|^PROTOSTAR_ADMIN_EMAIL=.*|PROTOSTAR_ADMIN_EMAIL=$PROTOSTAR_ADMIN_EMAIL|" \
    -e "s|^PROTOSTAR_ADMIN_PASSWORD=.*|PROTOSTAR_ADMIN_PASSWORD=$PROTOSTAR_ADMIN_PASSWORD|" "$PROTOSTAR_ENV_FILE"
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
  local status started=$SECONDS
  set +e
  (
    set -e
    "$@"
  ) >"$E2E_DIR/check.out" 2>&1
  status=$?
  set -e
  if ((status == 0)); then
    E2E_PASSED=$((E2E_PASSED + 1))
    printf 'ok   %s (%ds)\n' "$what" "$((SECONDS - started))"
  else
    E2E_FAILED=$((E2E_FAILED + 1))
    E2E_FAILURES+=("$what")
    printf 'FAIL %s (%ds)\n' "$what" "$((SECONDS - started))"
    sed 's/^/     | /' "$E2E_DIR/check.out" | tail -n 20
  fi
}

# SECONDS counts from the suite's start: its duration.
e2e_summary() {
  echo "e2e: $E2E_PASSED passed, $E2E_FAILED failed in ${SECONDS}s"
  ((E2E_FAILED == 0))
}

# wait_until SECONDS WHAT CMD... — until CMD succeeds, polling every 0.2 s; after SECONDS
# it fails, naming WHAT. A wait on the condition itself, never a guessed sleep: on two
# busy cores anything may take longer than usual.
wait_until() {
  local seconds=$1 what=$2
  local deadline=$((SECONDS + seconds))
  shift 2
  until "$@"; do
    if ((SECONDS >= deadline)); then
      echo "gave up after ${seconds}s waiting for $what" >&2
      return 1
    fi
    sleep 0.2
  done
}
# refute CMD... — fails when CMD succeeds (a bare `! cmd` would not stop a check: errexit
# ignores it unless it is the check's last command).
refute() { if "$@"; then return 1; fi; }

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
# expect_api STATUS RESULT-CODE METHOD PATH [JSON] [curl options...] — the call answers
# STATUS with the envelope's RESULT-CODE; the body is left in $E2E_DIR/api.json.
expect_api() {
  local status=$1 code=$2 response
  shift 2
  response=$(api "$@")
  echo "$* -> $response"
  tail -n +2 <<<"$response" >"$E2E_DIR/api.json"
  [[ $(head -n 1 <<<"$response") == "$status" ]] && jq -e --arg c "$code" '.resultCode == $c' "$E2E_DIR/api.json"
}
# --- Chat and server-sent events ------------------------------------------------------------
# login_to FILE EMAIL PASSWORD — an access token through nginx into FILE; prints the user id.
login_to() {
  local response
  response=$(api POST /api/auth/login "{\"email\":\"$2\",\"password\":\"$3\"}")
  [[ $(head -n 1 <<<"$response") == 200 ]] || { echo "login $2: $response" >&2 && return 1; }
  tail -n +2 <<<"$response" | jq -r .data.accessToken >"$1"
  tail -n +2 <<<"$response" | jq -r .data.user.id
}
# sse_follow_start NAME TOKEN-FILE — a client following /api/events through nginx in the
# background, as a browser's EventSource would (reconnecting with Last-Event-ID); its
# events go to $E2E_DIR/sse-NAME.jsonl (SSE_OUT). Bounded: 300 s at most.
sse_follow_start() {
  SSE_OUT="$E2E_DIR/sse-$1.jsonl"
  SSE_STOP="$E2E_DIR/sse-$1.stop"
  python3 "$PROTOSTAR_ROOT/scripts/test/e2e/sse_client.py" follow --url "https://localhost:$HTTPS_PORT/api/events" \
    --cacert "$TLS_DIR/tls.crt" --token-file "$2" --out "$SSE_OUT" --until-file "$SSE_STOP" --seconds 300 &
  SSE_PID=$!
  sse_wait 30 'select(.event == "ready")' || { echo "no ready event" >&2 && return 1; }
}
sse_follow_stop() {
  touch "$SSE_STOP"
  # The client notices at its next event or heartbeat (15 s): don't wait for it.
  kill "$SSE_PID" 2>/dev/null || true
  wait "$SSE_PID" 2>/dev/null || true
}
# sse_wait SECONDS JQ-FILTER — until a line of SSE_OUT matches (the filter selects lines).
sse_wait() {
  local deadline=$((SECONDS + $1))
  until [[ -s "$SSE_OUT" && -n $(jq -c "$2" "$SSE_OUT" 2>/dev/null | head -n 1) ]]; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}
# sse_job_events JOB — the events of one job, in the order received, one JSON object
# per line: {"event": NAME, "data": {...}}.
sse_job_events() {
  jq -c --arg job "$1" 'select(.data != null) | {event, data: (.data | fromjson? // {})}
    | select(.data.jobId == $job)' "$SSE_OUT"
}
# upload FILE TYPE TOKEN-FILE [TITLE] — a multipart upload of a PUBLIC document through
# nginx (title "Leave <policy>" unless given): "<status>" then the body.
upload() {
  curl -sS --cacert "$TLS_DIR/tls.crt" -H "Authorization: Bearer $(cat "$3")" -F "file=@$1;type=$2" \
    -F "title=${4:-Leave <policy>}" -F access=PUBLIC -w '\n%{http_code}' "https://localhost:$HTTPS_PORT/api/admin/documents" |
    { mapfile -t out && printf '%s\n' "${out[-1]}" && printf '%s\n' "${out[@]:0:${#out[@]}-1}"; }
}
document_status() { psql_app "select status from documents where id = '$1'"; }
document_is() { [[ $(document_status "$1") == "$2" ]]; }
container_health() { docker inspect -f '{{.State.Health.Status}}' "$(protostar_compose ps -q "$1")"; }
container_ids() { protostar_compose ps -q | sort | tr '\n' ' '; }
# "service hostip:port ..." for every container that publishes a port.
published_ports() {
  local id
  for id in $(protostar_compose ps -q); do
    docker inspect -f '{{index .Config.Labels "com.docker.compose.service"}}{{range $p, $b := .HostConfig.PortBindings}}{{range $b}} {{.HostIp}}:{{.HostPort}}{{end}}{{end}}' "$id"
  done | while read -r service ports; do
    if [[ -n "$ports" ]]; then printf '%s %s\n' "$service" "$(tr ' ' '\n' <<<"$ports" | sort | paste -sd' ')"; fi
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

# The load: two request loops through HTTPS nginx until stopped — one opening a new
# connection per request, one sending 5 requests per keep-alive connection (the case an
# nginx reload must close gracefully). Each request's status code goes to a file.
start_load() {
  LOAD_DIR="$E2E_DIR/load-$1"
  mkdir -p "$LOAD_DIR"
  local url="https://localhost:$HTTPS_PORT/api/health" i
  # HTTP/1.1: on a reload nginx ends HTTP/2 connections with GOAWAY, which browsers
  # follow, but this curl (7.88) reports as "(16) Error in the HTTP2 framing layer"
  # (curl/curl#1618) although the server behaved correctly.
  local -a common=(--http1.1 -sS --max-time 15 --cacert "$TLS_DIR/tls.crt" --resolve "localhost:$HTTPS_PORT:127.0.0.1" -w '%{http_code}\n')
  local -a batch=()
  for ((i = 0; i < 5; i++)); do batch+=(-o /dev/null "$url"); done
  # Bounded whatever happens: a loop ends on its stop file, when the test directory is
  # gone (a check died before stop_load) or after 300 s.
  (deadline=$((SECONDS + 300)); while [[ -d "$LOAD_DIR" && ! -e "$LOAD_DIR/stop" ]] && ((SECONDS < deadline)); do
    curl "${common[@]}" -o /dev/null "$url" >>"$LOAD_DIR/single.codes" 2>>"$LOAD_DIR/curl.errors" || true
    sleep 0.05
  done) &
  LOAD_PIDS=("$!")
  (deadline=$((SECONDS + 300)); while [[ -d "$LOAD_DIR" && ! -e "$LOAD_DIR/stop" ]] && ((SECONDS < deadline)); do
    curl "${common[@]}" "${batch[@]}" >>"$LOAD_DIR/keepalive.codes" 2>>"$LOAD_DIR/curl.errors" || true
    sleep 0.1
  done) &
  LOAD_PIDS+=("$!")
  sleep 2 # a baseline before the change
}

# stop_load MIN — stops the loops; prints the counts; fails unless every request answered
# 200 and at least MIN requests were made.
stop_load() {
  local min=$1 total failed seconds
  sleep 2 # and a tail after it
  touch "$LOAD_DIR/stop"
  wait "${LOAD_PIDS[@]}" || true
  total=$(cat "$LOAD_DIR"/*.codes | wc -l)
  failed=$(cat "$LOAD_DIR"/*.codes | grep -cvx 200 || true)
  echo "load: $total requests, $failed not 200"
  cat "$LOAD_DIR"/*.codes | sort | uniq -c
  # A request that got no answer (000): curl says why.
  [[ ! -s "$LOAD_DIR/curl.errors" ]] || sed 's/^/      curl: /' "$LOAD_DIR/curl.errors"
  ((total >= min && failed == 0))
}
