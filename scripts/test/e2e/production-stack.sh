#!/usr/bin/env bash
# Summary: End-to-end test of the production stack, from the offline images
# Usage: scripts/test/e2e/production-stack.sh [--keep]
#
# Brings the whole stack up with `protostar up --offline` under a unique project name,
# on free ports, with its settings and state in a temporary directory; checks it from
# the outside like a user and an operator would; always tears it down (dumping the
# logs first when something failed). --keep leaves it running for inspection.
set -Eeuo pipefail
PROTOSTAR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
export PROTOSTAR_ROOT
source "$PROTOSTAR_ROOT/scripts/lib/common.sh"
source "$PROTOSTAR_ROOT/scripts/test/e2e/lib.sh"
handle_help "$@"
keep=""
[[ "${1:-}" == --keep ]] && keep=1

# --- The stack comes up from one command ------------------------------------------------
up_prints_url() {
  protostar up --offline >"$E2E_DIR/up.log" 2>&1
  grep -q "Protostar is running: https://localhost:$HTTPS_PORT/" "$E2E_DIR/up.log"
}

# --- Users: HTTPS through nginx to the active backend -----------------------------------
health_envelope_through_nginx() {
  https_get /api/health | jq -e '.resultCode == "OK" and .data.status == "UP" and .data.color == "blue"'
}
response_names_colour_and_version() {
  https_headers /api/health | grep -iE '^x-protostar-backend: blue [0-9a-f]{12}'
}
http_redirects_to_https() {
  [[ $(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$HTTP_PORT/api/health") == "301 https://127.0.0.1:$HTTPS_PORT/api/health" ]]
}
certificate_is_generated_for_hostname() {
  openssl x509 -in "$TLS_DIR/tls.crt" -noout -subject | grep -E 'CN ?= ?localhost'
}
actuator_not_served_to_users() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$TLS_DIR/tls.crt" "https://localhost:$HTTPS_PORT/actuator/health")
  echo "status $code"
  [[ "$code" != 200 ]]
}

# --- Services --------------------------------------------------------------------------------
status_reports_healthy_blue() {
  protostar status | tee "$E2E_DIR/status.log"
  grep -q 'Active colour: blue' "$E2E_DIR/status.log"
}
worker_healthy() { [[ $(container_health ai-worker) == healthy ]]; }
idle_colour_not_running() { [[ -z $(protostar_compose ps --quiet backend-green) ]]; }
vector_extension_present() {
  [[ $(psql_app "select extversion from pg_extension where extname = 'vector'") == 0.8.* ]]
}
vectors_work() {
  [[ $(psql_app "select round(('[1,0,0]'::vector <=> '[0,1,0]'::vector)::numeric, 3)") == 1.000 ]]
}
redis_requires_password() {
  protostar_compose exec -T redis env -u REDISCLI_AUTH redis-cli ping 2>&1 | grep NOAUTH
}
redis_aof_noeviction() {
  [[ $(redis_config appendonly) == yes && $(redis_config maxmemory-policy) == noeviction ]]
}
only_nginx_publishes() {
  local ports expected
  ports=$(published_ports)
  # published_ports sorts each service's bindings as text; sort the expectation alike.
  expected="nginx $(printf '127.0.0.1:%s\n' "$HTTP_PORT" "$HTTPS_PORT" | sort | paste -sd' ')"
  echo "published: $ports; expected: $expected"
  [[ "$ports" == "$expected" ]]
}
apps_run_as_non_root() {
  local service user
  for service in backend-blue ai-worker; do
    user=$(docker inspect -f '{{.Config.User}}' "$(protostar_compose ps -q "$service")")
    echo "$service runs as '$user'"
    [[ -n "$user" && "$user" != root && "$user" != 0 ]] || return 1
  done
}

# --- Operator mistakes -----------------------------------------------------------------------
up_twice_is_harmless() {
  local before
  before=$(container_ids)
  protostar up --offline
  [[ $(container_ids) == "$before" ]] && https_get /api/health
}
refused_before_start() { # refused_before_start EXPECTED-MESSAGE
  local out
  if out=$(PROTOSTAR_ENV_FILE=$OTHER_ENV protostar up --offline 2>&1); then
    echo "up succeeded: $out"
    return 1
  fi
  echo "$out"
  grep -q "$1" <<<"$out" && [[ -z $(docker ps -aq --filter "label=com.docker.compose.project=$OTHER_PROJECT") ]]
}
malformed_variable_named() {
  other_env_with HTTPS_PORT=99999
  refused_before_start 'HTTPS_PORT=99999 is malformed'
}
missing_variable_named() {
  other_env_without REDIS_PASSWORD
  refused_before_start 'REDIS_PASSWORD is missing'
}
port_in_use_reported() {
  other_env_with "HTTP_PORT=$(free_port)" # HTTPS_PORT stays the running stack's
  refused_before_start "port $HTTPS_PORT on 127.0.0.1 is already in use"
}

# --- Graceful shutdown ------------------------------------------------------------------------
backend_shuts_down_gracefully() {
  protostar_compose stop backend-blue
  protostar_compose logs backend-blue | grep -E 'Graceful shutdown complete'
}
worker_shuts_down_gracefully() {
  local id
  id=$(protostar_compose ps -q ai-worker)
  protostar_compose stop ai-worker
  [[ $(docker inspect -f '{{.State.ExitCode}}' "$id") =~ ^(0|143)$ ]] &&
    protostar_compose logs ai-worker | grep -iE 'graceful|shutdown'
}

e2e_setup production
trap 'e2e_teardown $?' EXIT

check "up starts the stack and prints the URL" up_prints_url
check "HTTPS through nginx reaches the backend: /api/health answers the envelope" health_envelope_through_nginx
check "the response names the colour and version that served it" response_names_colour_and_version
check "plain HTTP redirects to HTTPS on the published port" http_redirects_to_https
check "the certificate is the generated self-signed one for PUBLIC_HOSTNAME" certificate_is_generated_for_hostname
check "actuator is not served through nginx" actuator_not_served_to_users
check "status reports every service healthy and the active colour" status_reports_healthy_blue
check "the ai-worker is healthy" worker_healthy
check "the idle colour is not running (one colour receives traffic)" idle_colour_not_running
check "PostgreSQL has the vector extension in the application database" vector_extension_present
check "vectors work: cosine distance of orthogonal vectors is 1" vectors_work
check "Redis requires its password" redis_requires_password
check "Redis runs with AOF and noeviction" redis_aof_noeviction
check "only nginx publishes ports, and only on BIND_ADDRESS" only_nginx_publishes
check "the app containers run as a non-root user" apps_run_as_non_root
check "up run twice is harmless: nothing is recreated" up_twice_is_harmless
check "a malformed variable stops up before anything starts, naming it" malformed_variable_named
check "a missing variable stops up before anything starts, naming it" missing_variable_named
check "a port already in use is reported as such" port_in_use_reported
check "the backend shuts down gracefully on stop" backend_shuts_down_gracefully
check "the ai-worker shuts down gracefully on stop" worker_shuts_down_gracefully

e2e_summary
