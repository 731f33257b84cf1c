#!/usr/bin/env bats
# shellcheck disable=SC2016 # code for lib_run is single-quoted
# protostar up: pre-flight checks (settings, Docker, ports) and the start sequence.

load test_helper

setup() {
  protostar_setup
  # psql reads the roles script; Redis takes the users file `up` wrote.
  stub docker 'compose * exec -T postgres psql *' 'cat >/dev/null'
  # An administrator exists (the setup link's tests say otherwise).
  stub docker 'compose * exec -T postgres psql -X -q -t -A *' 'cat >/dev/null; echo 1'
  stub_output docker 'compose * exec -T redis redis-cli ACL LOAD' 'OK\n'
}

# call_number TEXT — the line of the first call matching TEXT exactly (0: none).
call_number() { grep -nxF -- "$1" "$STUB_LOG" | head -n 1 | cut -d: -f1 || true; }

# up_rejects VAR-OR-TEXT... — `protostar up` exits 1, names every given text, says that
# nothing was started, and docker was never called.
up_rejects() {
  run protostar up --offline
  assert_status 1
  local text
  for text in "$@"; do
    assert_output_contains "$text"
  done
  assert_output_contains "nothing was started"
  assert_no_calls
}

# --- validation: nothing starts ---------------------------------------------------------

@test "--offline and --upstream together are refused, in every command that takes them" {
  write_env
  run protostar up --offline --upstream
  assert_status 1
  assert_output_contains "--offline and --upstream exclude each other: choose one"
  local command
  for command in "images build" "proxy up" "management up"; do
    # shellcheck disable=SC2086 # the command and its action, as two words
    run protostar $command --upstream --offline
    assert_status 1
    assert_output_contains "--offline and --upstream exclude each other"
  done
  assert_no_calls
}

@test "a missing variable is named and nothing starts" {
  write_env -REDIS_MAXMEMORY
  up_rejects "REDIS_MAXMEMORY is missing"
}

@test "an empty secret is named and nothing starts" {
  write_env "JWT_SECRET="
  up_rejects "JWT_SECRET is empty"
}

@test "a short secret is rejected" {
  write_env "REDIS_PASSWORD=tooshort"
  up_rejects "REDIS_PASSWORD=tooshort is malformed: expected at least 24 characters"
}

@test "a JWT_SECRET shorter than 32 characters is rejected (HS256 needs 256 bits)" {
  write_env "JWT_SECRET=abcdefghijklmnopqrstuvwxyz01234"
  up_rejects "JWT_SECRET=abcdefghijklmnopqrstuvwxyz01234 is malformed: expected at least 32 characters"
}

@test "nginx's request limits are optional, but a malformed one is named" {
  write_env "NGINX_RATE_LIMIT=fast" "NGINX_RATE_BURST=0"
  up_rejects "NGINX_RATE_LIMIT=fast is malformed: expected a whole number" \
    "NGINX_RATE_BURST=0 is malformed: expected a whole number"
}

@test "the bootstrap admin needs both variables: an e-mail alone is rejected" {
  write_env "PROTOSTAR_ADMIN_EMAIL=admin@example.com"
  up_rejects "PROTOSTAR_ADMIN_EMAIL is set but PROTOSTAR_ADMIN_PASSWORD is empty (set both or neither)"
}

@test "the bootstrap admin needs both variables: a password alone is rejected" {
  write_env "PROTOSTAR_ADMIN_PASSWORD=correct-horse-battery"
  up_rejects "PROTOSTAR_ADMIN_PASSWORD is set but PROTOSTAR_ADMIN_EMAIL is empty (set both or neither)"
}

@test "a malformed admin e-mail and a short admin password are named; the password is never echoed" {
  write_env "PROTOSTAR_ADMIN_EMAIL=not-an-address" "PROTOSTAR_ADMIN_PASSWORD=short1"
  up_rejects "PROTOSTAR_ADMIN_EMAIL=not-an-address is malformed: expected an e-mail address" \
    "PROTOSTAR_ADMIN_PASSWORD is malformed: expected 10 to 128 characters"
  [[ "$output" != *short1* ]] || fail "the password was printed: $output"
}

@test "an unknown signup policy and malformed domains and promotion switch are named" {
  write_env "PROTOSTAR_SIGNUP_POLICY=everyone" "PROTOSTAR_SIGNUP_DOMAINS=example.com;evil.org" \
    "PROTOSTAR_TIER_AUTO_PROMOTION=yes"
  up_rejects "PROTOSTAR_SIGNUP_POLICY=everyone is malformed: expected open, domains, invite or closed" \
    "PROTOSTAR_SIGNUP_DOMAINS=example.com;evil.org is malformed: expected e-mail domains separated by commas" \
    "PROTOSTAR_TIER_AUTO_PROMOTION=yes is malformed: expected true or false"
}

@test "PROTOSTAR_SIGNUP_POLICY=domains without PROTOSTAR_SIGNUP_DOMAINS is named before anything starts" {
  write_env "PROTOSTAR_SIGNUP_POLICY=domains"
  up_rejects "PROTOSTAR_SIGNUP_POLICY=domains needs PROTOSTAR_SIGNUP_DOMAINS"
}

@test "each signup policy, with its domains, and the promotion switch pass validation" {
  use_free_ports
  local policy
  for policy in open invite closed; do
    write_env "PROTOSTAR_SIGNUP_POLICY=$policy" "PROTOSTAR_TIER_AUTO_PROMOTION=true"
    run lib_run load_config
    assert_status 0
  done
  write_env "PROTOSTAR_SIGNUP_POLICY=domains" "PROTOSTAR_SIGNUP_DOMAINS=Example.com,staff.example.org"
  run lib_run load_config
  assert_status 0
}

@test "AI_WORKER_CONCURRENCY out of range is rejected; it may be left out" {
  write_env "AI_WORKER_CONCURRENCY=65"
  up_rejects "AI_WORKER_CONCURRENCY=65 is malformed: expected a whole number from 1 to 64"
}

@test "a Redis pool size must be a whole number from 2 to 1024" {
  write_env "BACKEND_REDIS_POOL_SIZE=1"
  up_rejects "BACKEND_REDIS_POOL_SIZE=1 is malformed: expected a whole number from 2 to 1024"
  write_env "AI_WORKER_REDIS_POOL_SIZE=16x"
  up_rejects "AI_WORKER_REDIS_POOL_SIZE=16x is malformed: expected a whole number from 2 to 1024"
}

@test "the worker's Redis pool must hold its job threads plus two" {
  write_env "AI_WORKER_CONCURRENCY=20"
  up_rejects "AI_WORKER_REDIS_POOL_SIZE=16 is too small for AI_WORKER_CONCURRENCY=20: at least 22"
  write_env "AI_WORKER_CONCURRENCY=8" "AI_WORKER_REDIS_POOL_SIZE=9"
  up_rejects "AI_WORKER_REDIS_POOL_SIZE=9 is too small for AI_WORKER_CONCURRENCY=8: at least 10"
}

@test "AI_WORKER_CPU_SHARES must be a CPU weight Docker takes" {
  write_env "AI_WORKER_CPU_SHARES=1"
  up_rejects "AI_WORKER_CPU_SHARES=1 is malformed: expected a whole number from 2 to 262144"
}

@test "BACKEND_JAVA_OPTIONS must be JVM options: a shell word is rejected" {
  write_env "BACKEND_JAVA_OPTIONS=-Xmx1g; touch /tmp/x"
  up_rejects "BACKEND_JAVA_OPTIONS=-Xmx1g; touch /tmp/x is malformed: expected JVM options"
}

@test "ANSWER_PROVIDER=openai without its URL and model is named before anything starts" {
  write_env "ANSWER_PROVIDER=openai"
  up_rejects "ANSWER_PROVIDER=openai needs ANSWER_BASE_URL" "ANSWER_PROVIDER=openai needs ANSWER_MODEL"
}

@test "ANSWER_PROVIDER=gemini needs its key and model, not a URL" {
  write_env "ANSWER_PROVIDER=gemini"
  up_rejects "ANSWER_PROVIDER=gemini needs ANSWER_API_KEY" "ANSWER_PROVIDER=gemini needs ANSWER_MODEL"
  refute_output_contains "ANSWER_BASE_URL"
}

@test "an unknown ANSWER_PROVIDER, a malformed ANSWER_BASE_URL and ANSWER_TIMEOUT are named; the key is never echoed" {
  write_env "ANSWER_PROVIDER=claude" "ANSWER_BASE_URL=vllm:8000/v1" "ANSWER_TIMEOUT=2 minutes" \
    "ANSWER_API_KEY=sk-secret has spaces"
  up_rejects "ANSWER_PROVIDER=claude is malformed: expected offline, openai or gemini" \
    "ANSWER_BASE_URL=vllm:8000/v1 is malformed: expected an http(s) URL" \
    "ANSWER_TIMEOUT=2 minutes is malformed: expected a duration such as 30s" \
    "ANSWER_API_KEY is malformed"
  [[ "$output" != *sk-secret* ]] || fail "the key was printed: $output"
}

@test "JWT_PREVIOUS_SECRET and JWT_SESSION_MAX_AGE are checked; the old key is never echoed" {
  write_env "JWT_PREVIOUS_SECRET=short-old-key" "JWT_SESSION_MAX_AGE=30 days"
  up_rejects "JWT_PREVIOUS_SECRET is malformed: expected at least 32 characters" \
    "JWT_SESSION_MAX_AGE=30 days is malformed: expected a lifetime such as 30d"
  [[ "$output" != *short-old-key* ]] || fail "the key was printed: $output"
}

@test "a rotated signing key and a session lifetime in hours pass validation" {
  write_env "JWT_PREVIOUS_SECRET=0123456789abcdef0123456789abcdef-old" "JWT_SESSION_MAX_AGE=12h"
  run lib_run 'load_config; echo "max-age=$JWT_SESSION_MAX_AGE"'
  assert_status 0
  assert_output_contains "max-age=12h"
}

@test "PROTOSTAR_AUDIT_RETENTION is checked as a lifetime before anything starts" {
  write_env "PROTOSTAR_AUDIT_RETENTION=1 year"
  up_rejects "PROTOSTAR_AUDIT_RETENTION=1 year is malformed: expected a lifetime such as 30d"
  write_env "PROTOSTAR_AUDIT_RETENTION=90d"
  run lib_run 'load_config; echo "retention=$PROTOSTAR_AUDIT_RETENTION"'
  assert_status 0
  assert_output_contains "retention=90d"
}

@test "a complete remote answer provider passes validation" {
  write_env "ANSWER_PROVIDER=openai" "ANSWER_BASE_URL=http://vllm:8000/v1" "ANSWER_MODEL=Qwen/Qwen2.5-7B-Instruct" \
    "ANSWER_FIRST_TOKEN_TIMEOUT=45s"
  run lib_run 'load_config; echo "provider=$ANSWER_PROVIDER url=$ANSWER_BASE_URL"'
  assert_status 0
  assert_output_contains "provider=openai url=http://vllm:8000/v1"
}

@test "HTTPS_PORT=abc is rejected" {
  write_env "HTTPS_PORT=abc"
  up_rejects "HTTPS_PORT=abc is malformed: expected a port number from 1 to 65535"
}

@test "HTTPS_PORT=70000 is rejected" {
  write_env "HTTPS_PORT=70000"
  up_rejects "HTTPS_PORT=70000 is malformed"
}

@test "HTTP_PORT=0 is rejected" {
  write_env "HTTP_PORT=0"
  up_rejects "HTTP_PORT=0 is malformed"
}

@test "a malformed line is reported with its line number" {
  write_env
  sed -i '3a not a pair' "$ENV_FILE"
  run protostar up
  assert_status 1
  assert_output_contains "$ENV_FILE:4: not a VARIABLE=value line: not a pair"
  assert_no_calls
}

@test "a bad project name is rejected" {
  write_env "COMPOSE_PROJECT_NAME=My Project"
  up_rejects "COMPOSE_PROJECT_NAME=My Project is malformed: expected lowercase letters"
}

@test "a bad memory size is rejected" {
  write_env "BACKEND_MEMORY_LIMIT=3GB"
  up_rejects "BACKEND_MEMORY_LIMIT=3GB is malformed: expected a memory size"
}

@test "bad PostgreSQL and Redis sizes are rejected" {
  write_env "POSTGRES_SHARED_BUFFERS=2gb" "REDIS_MAXMEMORY=1536MB"
  up_rejects "POSTGRES_SHARED_BUFFERS=2gb is malformed" "REDIS_MAXMEMORY=1536MB is malformed"
}

@test "a bad bind address and host name are rejected" {
  write_env "BIND_ADDRESS=256.0.0.1" "PUBLIC_HOSTNAME=-bad-"
  up_rejects "BIND_ADDRESS=256.0.0.1 is malformed" "PUBLIC_HOSTNAME=-bad- is malformed"
}

@test "a path with a space is rejected" {
  write_env "TLS_DIR=/tmp/with space"
  up_rejects "TLS_DIR=/tmp/with space is malformed"
}

@test "HTTPS_PORT equal to HTTP_PORT is rejected" {
  write_env "HTTPS_PORT=8443" "HTTP_PORT=8443"
  up_rejects "HTTPS_PORT and HTTP_PORT are both 8443"
}

@test "all problems are reported at once" {
  write_env "HTTPS_PORT=abc" "NGINX_MEMORY_LIMIT=lots" -POSTGRES_USER
  up_rejects "HTTPS_PORT=abc is malformed" "NGINX_MEMORY_LIMIT=lots is malformed" "POSTGRES_USER is missing"
}

@test "with several problems each is printed on its own 'protostar: FILE: ...' line" {
  write_env "HTTPS_PORT=abc" "NGINX_MEMORY_LIMIT=lots" -POSTGRES_USER
  run protostar up
  assert_status 1
  assert_output_line_matches "^protostar: $ENV_FILE: HTTPS_PORT=abc is malformed"
  assert_output_line_matches "^protostar: $ENV_FILE: NGINX_MEMORY_LIMIT=lots is malformed"
  assert_output_line_matches "^protostar: $ENV_FILE: POSTGRES_USER is missing$"
}

@test "missing HTTPS_PORT and HTTP_PORT do not also claim they are equal" {
  write_env -HTTPS_PORT -HTTP_PORT
  run protostar up
  assert_status 1
  assert_output_contains "HTTPS_PORT is missing"
  refute_output_contains "are both"
}

@test "quoted values are accepted" {
  use_free_ports
  write_env "POSTGRES_DB=\"protostar\"" "POSTGRES_USER='protostar'"
  run protostar up --offline
  assert_status 0
}

# --- arguments --------------------------------------------------------------------------

@test "--timeout needs a number" {
  write_env
  run protostar up --timeout soon
  assert_status 1
  assert_output_contains "--timeout needs a number of seconds"
  assert_no_calls
}

# --- Docker and ports ---------------------------------------------------------------------

@test "a port already in use stops up before anything starts" {
  start_listener
  use_free_ports
  write_env "BIND_ADDRESS=127.0.0.1" "HTTPS_PORT=$LISTENER_PORT"
  run protostar up --offline
  assert_status 1
  assert_output_contains "port $LISTENER_PORT on 127.0.0.1 is already in use"
  assert_called "docker info"
  assert_called "$(compose_prefix) ps --status running --quiet nginx"
  refute_called " up "
  refute_called "docker build"
  [[ ! -e "$STATE_DIR_T/state.env" ]] || fail "state was written"
  [[ ! -e "$TLS_DIR_T/tls.crt" ]] || fail "a certificate was created"
}

@test "the HTTP port is checked too" {
  start_listener
  use_free_ports
  write_env "HTTP_PORT=$LISTENER_PORT"
  run protostar up --offline
  assert_status 1
  assert_output_contains "port $LISTENER_PORT on 127.0.0.1 is already in use"
  refute_called " up "
}

@test "BIND_ADDRESS=0.0.0.0 checks the port on 127.0.0.1" {
  start_listener
  use_free_ports
  write_env "BIND_ADDRESS=0.0.0.0" "HTTPS_PORT=$LISTENER_PORT"
  run protostar up --offline
  assert_status 1
  assert_output_contains "port $LISTENER_PORT on 0.0.0.0 is already in use"
  refute_called " up "
}

@test "when the project's nginx runs already, the port check is skipped" {
  start_listener
  use_free_ports
  write_env "HTTPS_PORT=$LISTENER_PORT"
  stub_running nginx
  run protostar up --offline
  assert_status 0
  refute_output_contains "already in use"
  assert_called "$(compose_prefix) up --detach --wait"
}

@test "a variable nothing reads is named, with the nearest known one; up goes on" {
  use_free_ports
  write_env "POSTGRES_SHARED_BUFER=512MB" "PROTOSTAR_TIERS_GUEST_REQUESTSPERMINUTE=5"
  run protostar up --offline
  assert_status 0
  assert_output_contains "warning: unknown setting POSTGRES_SHARED_BUFER in $ENV_FILE: nothing reads it; did you mean POSTGRES_SHARED_BUFFERS?"
  assert_output_contains "warning: unknown setting PROTOSTAR_TIERS_GUEST_REQUESTSPERMINUTE in $ENV_FILE: nothing reads it there; it is the backend's, set it in $TEST_ROOT/.env.backend"
  refute_output_contains "unknown setting POSTGRES_SHARED_BUFFERS"
  refute_output_contains "unknown setting COMPOSE_PROJECT_NAME"
  assert_called "$(compose_prefix) up --detach --wait"
}

@test "app settings: a typo in .env.backend or .env.ai-worker is named with the nearest; up goes on" {
  use_free_ports
  write_env
  printf '# mine\nPROTOSTAR_TIERS_GUEST_QUESTONSPERDAY=7\nLOGGING_LEVEL_DEV_PROTOSTAR=DEBUG\n' >"$TEST_ROOT/.env.backend"
  printf 'PROTOSTAR_EMBEDING_PROVIDER=onnx\nPROTOSTAR_ANSWER_PASSAGES=4\n' >"$TEST_ROOT/.env.ai-worker"
  record_docker_env BACKEND_SETTINGS_FILE AI_WORKER_SETTINGS_FILE
  run protostar up --offline
  assert_status 0
  assert_output_contains "warning: unknown setting PROTOSTAR_TIERS_GUEST_QUESTONSPERDAY in $TEST_ROOT/.env.backend: the backend reads no such setting; did you mean PROTOSTAR_TIERS_GUEST_QUESTIONSPERDAY?"
  assert_output_contains "warning: unknown setting PROTOSTAR_EMBEDING_PROVIDER in $TEST_ROOT/.env.ai-worker: the ai-worker reads no such setting; did you mean PROTOSTAR_EMBEDDING_PROVIDER?"
  refute_output_contains "LOGGING_LEVEL_DEV_PROTOSTAR"
  refute_output_contains "PROTOSTAR_ANSWER_PASSAGES"
  # Compose is told where each app's file is.
  grep -qx "BACKEND_SETTINGS_FILE=$TEST_ROOT/.env.backend" "$STUB_ENV_LOG" || fail "$(cat "$STUB_ENV_LOG")"
  grep -qx "AI_WORKER_SETTINGS_FILE=$TEST_ROOT/.env.ai-worker" "$STUB_ENV_LOG" || fail "$(cat "$STUB_ENV_LOG")"
}

@test "MANAGEMENT_CACERT: a file that is not there or no PEM certificate is refused before anything starts" {
  write_env "MANAGEMENT_CACERT=/nonexistent/ca.pem"
  up_rejects "MANAGEMENT_CACERT=/nonexistent/ca.pem is malformed: expected a readable PEM certificate, a path on this host"
  printf 'not a certificate\n' >"$TEST_ROOT/ca.pem"
  write_env "MANAGEMENT_CACERT=$TEST_ROOT/ca.pem"
  up_rejects "MANAGEMENT_CACERT=$TEST_ROOT/ca.pem is malformed: expected a readable PEM certificate"
}

@test "MANAGEMENT_CACERT: up builds the apps' trust store with it and points their JVMs there; empty, none" {
  use_free_ports
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=s3.ops.test -keyout "$TEST_ROOT/ca.key" -out "$TEST_ROOT/ca.pem" 2>/dev/null
  write_env "MANAGEMENT_CACERT=$TEST_ROOT/ca.pem"
  record_docker_env APP_TRUST_OPTIONS
  run protostar up --offline
  assert_status 0
  # keytool of the app image's own JRE, the CA mounted read-only, no network
  assert_called "docker run --rm --user 0 --network none --entrypoint sh -v $STATE_DIR_T/trust:/out -v $TEST_ROOT/ca.pem:/management-ca.pem:ro protostar/backend:test-1 -c"
  assert_called "keytool\" -importcert -noprompt -alias protostar-management -file /management-ca.pem"
  [[ $(stat -c %a "$STATE_DIR_T/trust") == 755 ]]
  local fingerprint
  fingerprint=$(sha256sum <"$TEST_ROOT/ca.pem" | cut -c1-16)
  grep -qx "APP_TRUST_OPTIONS=-Djavax.net.ssl.trustStore=/etc/protostar/trust/cacerts -Djavax.net.ssl.trustStorePassword=changeit -Dprotostar.management-ca=$fingerprint " "$STUB_ENV_LOG" ||
    fail "$(cat "$STUB_ENV_LOG")"
  # made once: the same certificate and image at the next `up` (the stub made no file)
  touch "$STATE_DIR_T/trust/cacerts"
  : >"$STUB_LOG"
  run protostar up --offline
  assert_status 0
  refute_called "keytool"
  # without it: no store, no options
  write_env
  : >"$STUB_LOG"
  : >"$STUB_ENV_LOG"
  run protostar up --offline
  assert_status 0
  refute_called "keytool"
  [[ ! -e "$STATE_DIR_T/trust/cacerts" ]]
  grep -qx "APP_TRUST_OPTIONS=" "$STUB_ENV_LOG" || fail "$(cat "$STUB_ENV_LOG")"
}

@test "app settings: what .env sets, or Compose fixes, is refused in an app's file before anything starts" {
  write_env
  printf 'PROTOSTAR_SIGNUP_POLICY=closed\nCOLOR=red\n' >"$TEST_ROOT/.env.backend"
  up_rejects "$TEST_ROOT/.env.backend: PROTOSTAR_SIGNUP_POLICY comes from .env: set PROTOSTAR_SIGNUP_POLICY there instead" \
    "$TEST_ROOT/.env.backend: COLOR is fixed by compose/production.yml: remove it" \
    "fix $TEST_ROOT/.env.backend (documented in compose/backend.env.example)"
  rm "$TEST_ROOT/.env.backend"
  printf 'PROTOSTAR_ANSWER_TIMEOUT=10s\n' >"$TEST_ROOT/.env.ai-worker"
  up_rejects "$TEST_ROOT/.env.ai-worker: PROTOSTAR_ANSWER_TIMEOUT comes from .env: set ANSWER_TIMEOUT there instead"
  printf 'not a setting\n' >"$TEST_ROOT/.env.ai-worker"
  run protostar up --offline
  assert_status 1
  assert_output_contains "$TEST_ROOT/.env.ai-worker:1: not a VARIABLE=value line: not a setting"
  assert_no_calls
}

@test "up on a running stack: an app whose settings changed is redeployed, not recreated in place" {
  use_free_ports
  write_env
  stub_output docker 'compose * --dry-run up *' \
    ' DRY-RUN MODE -  Container ptest-postgres-1  Running\n DRY-RUN MODE -  Container ptest-backend-blue-1  Recreate\n DRY-RUN MODE -  Container ptest-ai-worker-1  Recreate\n'
  run protostar up --offline
  # The data stores and nginx in one dry run, each app in its own.
  assert_call_line "$(compose_prefix) --dry-run up --detach --no-deps object-store postgres redis nginx"
  assert_call_line "$(compose_prefix) --dry-run up --detach --no-deps ai-worker"
  assert_call_line "$(compose_prefix) --dry-run up --detach --no-deps backend-blue"
  # Neither serving app is started by `up` (which would recreate it in place)...
  assert_call_line "$(compose_prefix) up --detach --wait --wait-timeout 300 --remove-orphans object-store postgres redis nginx nginx-exporter node-exporter postgres-exporter redis-exporter container-metrics"
  refute_called "--no-deps --wait --wait-timeout 300 ai-worker"
  refute_called "--no-deps --wait --wait-timeout 300 backend-blue"
  # ...each is redeployed (here, with nothing running, the redeploy fails: up says so).
  assert_output_contains "[redeploy] backend: settings or image changed, applying them without downtime (protostar redeploy backend)"
  assert_output_contains "backend still runs with its previous settings (see above); fix them, then run 'protostar up' again"
  assert_status 1
}

@test "up on a running stack: a data store or nginx that would restart needs --yes" {
  use_free_ports
  write_env
  stub_output docker 'compose * --dry-run up *' \
    ' DRY-RUN MODE -  Container ptest-postgres-1  Recreate\n DRY-RUN MODE -  Container ptest-nginx-1  Recreate\n'
  run protostar up --offline
  assert_status 1
  assert_output_contains "postgres nginx would restart to apply changed settings or a new image (a short outage for users): run 'protostar up --yes' to go ahead; nothing was restarted"
  refute_called "up --detach --wait"
  run protostar up --offline --yes
  assert_status 0
  assert_call_line "$(compose_prefix) up --detach --wait --wait-timeout 300 --remove-orphans object-store postgres redis nginx nginx-exporter node-exporter postgres-exporter redis-exporter container-metrics"
}

@test "PUBLIC_HOSTNAME changed: up makes the certificate anew and nginx reloads it" {
  use_free_ports
  run lib_run "TLS_DIR='$TLS_DIR_T' PUBLIC_HOSTNAME=old.test; ensure_certificate"
  write_env "PUBLIC_HOSTNAME=chat.example.net"
  run protostar up --offline
  assert_status 0
  assert_output_contains "PUBLIC_HOSTNAME is now chat.example.net"
  assert_output_contains "nginx now serves the certificate for chat.example.net"
  assert_call_line "$(compose_prefix) exec -T nginx nginx -s reload"
  run openssl x509 -in "$TLS_DIR_T/tls.crt" -noout -checkhost chat.example.net
  assert_output_contains "does match"
}

@test "happy path: state, gateway include, certificate, compose up, URL" {
  use_free_ports
  write_env
  record_docker_env NGINX_IMAGE POSTGRES_IMAGE BACKEND_BLUE_IMAGE
  run protostar up --offline
  assert_status 0
  assert_output_contains "[1/8] checking settings"
  refute_output_contains "unknown setting"
  refute_called "nginx -s reload"
  assert_output_contains "Protostar is running: https://localhost:$TEST_HTTPS_PORT/"
  # The apps each on their own (as deploys start them), after the data stores and nginx.
  assert_call_line "$(compose_prefix) up --detach --wait --wait-timeout 300 --remove-orphans object-store postgres redis nginx nginx-exporter node-exporter postgres-exporter redis-exporter container-metrics"
  assert_call_line "$(compose_prefix) up --detach --no-deps --wait --wait-timeout 300 backend-blue"
  assert_call_line "$(compose_prefix) up --detach --no-deps --wait --wait-timeout 300 ai-worker"
  # state: offline images, blue active, app images of this version
  grep -qx 'IMAGE_SOURCE=offline' "$STATE_DIR_T/state.env"
  grep -qx 'ACTIVE_COLOR=blue' "$STATE_DIR_T/state.env"
  grep -qx 'BACKEND_BLUE_IMAGE=protostar/backend:test-1' "$STATE_DIR_T/state.env"
  grep -qx 'AI_WORKER_IMAGE=protostar/ai-worker:test-1' "$STATE_DIR_T/state.env"
  grep -q 'backend-blue;' "$STATE_DIR_T/nginx/active-backend.conf"
  [[ -f "$TLS_DIR_T/tls.crt" && -f "$TLS_DIR_T/tls.key" ]] || fail "no certificate"
  # compose ran with the image names exported
  tail -n 3 "$STUB_ENV_LOG" | grep -qx 'NGINX_IMAGE=protostar/nginx:1.26'
  tail -n 3 "$STUB_ENV_LOG" | grep -qx 'BACKEND_BLUE_IMAGE=protostar/backend:test-1'
  # images present (stub): nothing built, no registry probe
  refute_called "docker build"
  refute_called "docker pull"
  refute_called "apt-get"
}

@test "the data stores start first, then the roles and Redis users are set up, then the apps" {
  use_free_ports
  write_env
  stub docker 'compose * exec -T postgres psql *' 'cat >"$STUB_LOG.psql-stdin"'
  stub docker 'compose * exec -T postgres psql -X -q -t -A *' 'cat >/dev/null; echo 1'
  run protostar up --offline
  assert_status 0
  local stores roles acl apps
  stores=$(call_number "$(compose_prefix) up --detach --wait --wait-timeout 300 --remove-orphans object-store postgres redis")
  roles=$(call_number "$(compose_prefix) exec -T postgres psql -X -q -v ON_ERROR_STOP=1 -U protostar -d protostar")
  acl=$(call_number "$(compose_prefix) exec -T redis redis-cli ACL LOAD")
  apps=$(call_number "$(compose_prefix) up --detach --no-deps --wait --wait-timeout 300 ai-worker")
  ((stores > 0 && roles > stores && acl > roles && apps > acl)) || fail "order: $stores $roles $acl $apps" "$(cat "$STUB_LOG")"
  # and once more after the backend, before the worker is waited for: a fresh install's
  # tables exist only once the backend has started (the worker's grants need them)
  local psql
  psql="$(compose_prefix) exec -T postgres psql -X -q -v ON_ERROR_STOP=1 -U protostar -d protostar"
  [[ $(grep -cxF "$psql" "$STUB_LOG") == 2 ]] || fail "$(cat "$STUB_LOG")"
  local backend second_roles
  backend=$(call_number "$(compose_prefix) up --detach --no-deps --wait --wait-timeout 300 backend-blue")
  second_roles=$(grep -nxF "$psql" "$STUB_LOG" | tail -n 1 | cut -d: -f1)
  ((backend > acl && second_roles > backend && apps > second_roles)) ||
    fail "order: backend $backend, roles again $second_roles, all $apps" "$(cat "$STUB_LOG")"
  assert_output_contains "[6/8] database roles, Redis users, the WAL archive"
  # psql got the passwords on stdin as psql variables, then roles.sql; no call has them
  head -n 3 "$STUB_LOG.psql-stdin" | grep -qx '\\set owner_password pgownerpgownerpgownerpgowner'
  head -n 3 "$STUB_LOG.psql-stdin" | grep -qx '\\set backend_password pgbackendpgbackendpgbackend'
  head -n 3 "$STUB_LOG.psql-stdin" | grep -qx '\\set worker_password pgworkerpgworkerpgworkerpgworker'
  sed -n 4p "$STUB_LOG.psql-stdin" | grep -qx '\\set monitor_password pgmonitorpgmonitorpgmonitor'
  diff <(tail -n +5 "$STUB_LOG.psql-stdin") "$PROTOSTAR_REPO/compose/postgres/roles.sql"
  ! grep -qE 'pgowner|pgbackend|pgworker|pgmonitor|rdbackend|rdworker|rdmonitor|rdrdrd' "$STUB_LOG" || fail "a password in a call:" "$(cat "$STUB_LOG")"
}

@test "the Redis users file: hashes of each user's password from .env, never a password; readable by the image's user" {
  use_free_ports
  write_env
  run protostar up --offline
  assert_status 0
  local acl="$STATE_DIR_T/redis/users.acl"
  [[ $(stat -c %a "$acl") == 644 && $(stat -c %a "$STATE_DIR_T/redis") == 755 ]]
  ! grep -qE 'rdrdrd|rdbackend|rdworker' "$acl" || fail "a password in clear: $(cat "$acl")"
  hash() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
  grep -qx "user default on #$(hash rdrdrdrdrdrdrdrdrdrdrdrdrdrdrdrd) ~\\* &\\* +@all" "$acl" || fail "$(cat "$acl")"
  grep -qE "^user backend on #$(hash rdbackendrdbackendrdbackend) resetkeys ~protostar:\\* resetchannels &protostar:\\* " "$acl"
  # the worker: the queue's and the events' keys and channels only, no key listing
  grep -qE "^user worker on #$(hash rdworkerrdworkerrdworkerrdworker) resetkeys ~protostar:jobs:\\* ~protostar:events:\\* resetchannels &protostar:events:\\* \\+@all -@dangerous \\+info -scan -randomkey$" "$acl" ||
    fail "$(cat "$acl")"
  # the metrics exporter: statistics commands only, no key or channel
  grep -qE "^user monitor on #$(hash rdmonitorrdmonitorrdmonitor) resetkeys resetchannels -@all \+ping \+info " "$acl" ||
    fail "$(cat "$acl")"
  # four users and nothing else: Redis refuses a file with any other line (a comment too)
  [[ $(grep -c '^user ' "$acl") == 4 && $(wc -l <"$acl") == 4 ]] || fail "$(cat "$acl")"
}

@test "a password changed in .env reaches the users file at the next up; nothing else is rewritten" {
  use_free_ports
  write_env
  run protostar up --offline
  assert_status 0
  write_env "REDIS_WORKER_PASSWORD=anotherworkerpasswordanotherworker"
  run protostar up --offline
  assert_status 0
  grep -q "^user worker on #$(printf '%s' anotherworkerpasswordanotherworker | sha256sum | cut -d' ' -f1) " "$STATE_DIR_T/redis/users.acl"
  [[ -z "$(compgen -G "$STATE_DIR_T/redis/.users.acl.*")" ]] || fail "temp file left"
}

@test "roles that cannot be set up stop up before the apps start, and the password is not printed" {
  use_free_ports
  write_env
  stub docker 'compose * exec -T postgres psql *' 'cat >/dev/null; echo "ERROR:  cannot ALTER ROLE ... PASSWORD '"'"'pgownerpgownerpgownerpgowner'"'"'" >&2; exit 3'
  run protostar up --offline
  assert_status 1
  assert_output_contains "could not set up the database roles in protostar: ERROR:  cannot ALTER ROLE ... PASSWORD '***'"
  refute_output_contains pgownerpgowner
  refute_called "ai-worker backend-blue nginx"
}

@test "Redis refusing its users file stops up before the apps start" {
  use_free_ports
  write_env
  stub_output docker 'compose * exec -T redis redis-cli ACL LOAD' 'ERR Error in ACL SETUSER modifier\n'
  run protostar up --offline
  assert_status 1
  assert_output_contains "Redis refused its users file ($STATE_DIR_T/redis/users.acl): ERR Error in ACL SETUSER modifier"
  refute_called "ai-worker backend-blue nginx"
}

@test "with S3_ENDPOINT set (the management host's MinIO), up starts no embedded object store" {
  use_free_ports
  write_env "S3_ENDPOINT=https://s3.ops.example.org:8443"
  run protostar up --offline
  assert_status 0
  local prefix
  prefix="docker compose --project-name ptest --file $PROTOSTAR_REPO/compose/production.yml"
  assert_call_line "$prefix up --detach --wait --wait-timeout 300 --remove-orphans postgres redis nginx nginx-exporter node-exporter postgres-exporter redis-exporter container-metrics"
  refute_called "embedded-object-store"
}

@test "a malformed S3_ENDPOINT is named and nothing starts" {
  write_env "S3_ENDPOINT=s3.example.org; rm -rf /"
  up_rejects "S3_ENDPOINT=s3.example.org; rm -rf / is malformed: expected an http(s) URL"
}

@test "a second up keeps the active colour from the state and its gateway include" {
  use_free_ports
  write_env
  write_state_file "IMAGE_SOURCE=offline" "ACTIVE_COLOR=green" \
    "BACKEND_BLUE_IMAGE=protostar/backend:old" "BACKEND_GREEN_IMAGE=protostar/backend:new" \
    "AI_WORKER_IMAGE=protostar/ai-worker:new"
  mkdir -p "$STATE_DIR_T/nginx"
  echo "# kept" >"$STATE_DIR_T/nginx/active-backend.conf"
  run protostar up --timeout 42
  assert_status 0
  assert_call_line "$(compose_prefix) up --detach --no-deps --wait --wait-timeout 42 backend-green"
  [[ "$(cat "$STATE_DIR_T/nginx/active-backend.conf")" == "# kept" ]] || fail "include rewritten"
  grep -qx 'BACKEND_GREEN_IMAGE=protostar/backend:new' "$STATE_DIR_T/state.env"
  # the image source came from the state: no registry probe
  refute_called "docker pull"
}

@test "a deployed image missing from Docker stops up" {
  use_free_ports
  write_env
  write_state_file "IMAGE_SOURCE=offline" "ACTIVE_COLOR=blue" \
    "BACKEND_BLUE_IMAGE=protostar/backend:gone" "BACKEND_GREEN_IMAGE=protostar/backend:gone" \
    "AI_WORKER_IMAGE=protostar/ai-worker:ok"
  stub_missing_images protostar/backend:gone
  run protostar up
  assert_status 1
  assert_output_contains "deployed images missing from Docker: protostar/backend:gone protostar/backend:gone"
  refute_called " up "
}

@test "a stack that does not become healthy fails with the hint to logs/status" {
  use_free_ports
  write_env
  stub_output docker 'compose * up *' '' 1
  run protostar up --offline --timeout 5
  assert_status 1
  assert_output_contains "did not become healthy within 5s"
  assert_call_line "$(compose_prefix) ps"
  # the data stores come first: neither the roles nor the apps are tried
  refute_called "exec -T postgres psql"
  refute_called "ai-worker backend-blue nginx"
}

@test "without --offline/--upstream and no state, a reachable registry selects upstream" {
  use_free_ports
  write_env
  stub_missing_images nginx:1.26.3
  run protostar up
  assert_status 0
  assert_called "docker pull -q nginx:1.26.3"
  assert_called "docker pull nginx:1.26.3"
  grep -qx 'IMAGE_SOURCE=upstream' "$STATE_DIR_T/state.env"
}

@test "without a registry, up falls back to offline" {
  use_free_ports
  write_env
  stub_missing_images nginx:1.26.3
  stub_output docker 'pull *' '' 1
  run protostar up
  assert_status 0
  assert_output_contains "no container registry reachable"
  refute_called "docker pull pgvector"
  grep -qx 'IMAGE_SOURCE=offline' "$STATE_DIR_T/state.env"
}

@test "a first upstream up pulls the pinned images by name" {
  use_free_ports
  write_env
  stub_missing_images nginx:1.26.3 redis:8.0.2
  run protostar up --upstream
  assert_status 0
  assert_call_line "docker pull nginx:1.26.3"
  assert_call_line "docker pull redis:8.0.2"
  refute_called "docker pull pgvector"
}

# --- the first administrator's setup link -----------------------------------------------

# stub_admins N [TABLE] — the running database has N admins, and the setup_links table
# when TABLE is t (the default); the SQL each query got is kept in $STUB_LOG.sql, one psql
# input after another.
stub_admins() {
  stub docker 'compose * exec -T postgres psql -X -q -t -A *' \
    "input=\$(cat); printf '%s\n---\n' \"\$input\" >>\"\$STUB_LOG.sql\"
     case \$input in *'count(*)'*) echo $1 ;; *to_regclass*) echo ${2:-t} ;; esac"
}

@test "with no administrator, up prints a one-time setup link and stores only its hash" {
  use_free_ports
  write_env
  stub_admins 0
  run protostar up --offline
  assert_status 0
  local line token
  line=$(grep -E "^  https://localhost:$TEST_HTTPS_PORT/setup#token=[0-9a-f]{64}\$" <<<"$output") || fail "no link: $output"
  token=${line##*token=}
  assert_output_contains "it works once, for 30 minutes"
  # after the stack is up: the last calls are the admin count, the schema check and the link's insert
  [[ $(tail -n 1 "$STUB_LOG") == "$(compose_prefix) exec -T postgres psql -X -q -t -A -v ON_ERROR_STOP=1 -U protostar -d protostar" ]] ||
    fail "$(cat "$STUB_LOG")"
  # the database got the token's SHA-256, as the schema's owner, replacing older links
  grep -qF "VALUES ('$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)', now() + interval '30 minutes')" "$STUB_LOG.sql" ||
    fail "$(cat "$STUB_LOG.sql")"
  grep -qx 'SET ROLE protostar_owner;' "$STUB_LOG.sql"
  grep -qx 'DELETE FROM setup_links WHERE used_at IS NULL;' "$STUB_LOG.sql"
  # the token itself: in the one printed line only, never in a call or the SQL
  ! grep -qF "$token" "$STUB_LOG" "$STUB_LOG.sql" || fail "the token left the printed line"
  [[ $(grep -cF "$token" <<<"$output") == 1 ]]
}

@test "no administrator and a backend older than setup links (an upgrade): up succeeds and says what to do" {
  use_free_ports
  write_env
  stub_admins 0 f
  run protostar up --offline
  assert_status 0
  assert_output_contains "no administrator yet, and the running backend predates setup links: after 'protostar deploy', 'protostar admin reset-link' prints one"
  refute_output_contains "setup#token="
  ! grep -q "INSERT INTO setup_links" "$STUB_LOG.sql" || fail "a link was stored: $(cat "$STUB_LOG.sql")"
}

@test "with an administrator, up prints no setup link" {
  use_free_ports
  write_env
  stub_admins 2
  run protostar up --offline
  assert_status 0
  refute_output_contains "setup#token="
  ! grep -q "setup_links" "$STUB_LOG.sql" || fail "a link was made: $(cat "$STUB_LOG.sql")"
}

@test "when the accounts cannot be read, up still succeeds and says how to get a link" {
  use_free_ports
  write_env
  stub_output docker 'compose * exec -T postgres psql -X -q -t -A *' 'ERROR:  relation "users" does not exist\n' 1
  run protostar up --offline
  assert_status 0
  assert_output_contains "could not check whether an administrator exists; 'protostar admin reset-link' prints a setup link"
  refute_output_contains "setup#token="
}

@test "settings read at the first start only: recorded by the first up, a later change refused" {
  use_free_ports
  write_env
  run protostar up --offline
  assert_status 0
  grep -qE '^FIRST_START_POSTGRES_PASSWORD=[0-9a-f]{16}$' "$STATE_DIR_T/state.env" || fail "$(cat "$STATE_DIR_T/state.env")"
  ! grep -q pgpgpg "$STATE_DIR_T/state.env" || fail "a secret in the state"
  # Unchanged: up goes on.
  run protostar up --offline
  assert_status 0
  write_env "POSTGRES_USER=admin" "POSTGRES_PASSWORD=anotheranotheranotheranother" "COMPOSE_PROJECT_NAME=ptest2"
  : >"$STUB_LOG"
  run protostar up --offline
  assert_status 1
  assert_output_contains "POSTGRES_USER changed since the first start, but PostgreSQL created it then and keeps it: put the old value back"
  assert_output_contains "POSTGRES_PASSWORD changed since the first start, but PostgreSQL keeps the one it was created with: put the old value back, then run 'protostar secrets rotate postgres'"
  assert_output_contains "COMPOSE_PROJECT_NAME changed since the first start: the volumes of the data are named after the old project"
  refute_output_contains "POSTGRES_DB changed"
  assert_output_contains "nothing was started"
  refute_called "compose"
}

@test "with LOKI_URL, up starts the log shipper (profile logs) with the other agents" {
  use_free_ports
  write_env "LOKI_URL=http://loki.example.org:3100"
  run protostar up --offline
  assert_status 0
  assert_call_line "$(compose_prefix) --profile logs up --detach --wait --wait-timeout 300 --remove-orphans object-store postgres redis nginx nginx-exporter node-exporter postgres-exporter redis-exporter container-metrics log-shipper"
  # The audit log exists before the shipper's bind mount names it.
  [[ -f "$STATE_DIR_T/audit.log" ]]
}

@test "with LOKI_URL and no log shipper image to be had, up stops before anything starts, saying how" {
  use_free_ports
  write_env "LOKI_URL=http://loki.example.org:3100"
  stub_missing_images grafana/alloy:v1.17.0
  stub_output docker 'pull *' '' 1
  run protostar up --offline
  assert_status 1
  assert_output_contains "LOKI_URL is set, and the log shipper's image grafana/alloy:v1.17.0 is not in Docker and could not be pulled"
  refute_called "up --detach"
}

@test "without LOKI_URL there is no log shipper, and its image is never asked for" {
  use_free_ports
  write_env
  run protostar up --offline
  assert_status 0
  refute_called "--profile logs"
  refute_called "alloy"
}
