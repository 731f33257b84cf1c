#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2030,SC2031 # code for lib_run is single-quoted; stub settings are exported per test
# scripts/lib/config.sh: .env creation and parsing, state, the compose command.

load test_helper

# --- ensure_env_file ----------------------------------------------------------------------

# Every secret ensure_env_file generates, as an extended regex alternation.
SECRETS_RE='POSTGRES_PASSWORD|REDIS_PASSWORD|JWT_SECRET|S3_ACCESS_KEY|S3_SECRET_KEY|POSTGRES_OWNER_PASSWORD|POSTGRES_BACKEND_PASSWORD|POSTGRES_WORKER_PASSWORD|REDIS_BACKEND_PASSWORD|REDIS_WORKER_PASSWORD|METRICS_PASSWORD|POSTGRES_MONITOR_PASSWORD|REDIS_MONITOR_PASSWORD|POSTGRES_ARCHIVE_CIPHER_PASS'

@test "ensure_env_file creates .env from the example, mode 600, with fourteen distinct 48-hex secrets" {
  run lib_run ensure_env_file
  assert_status 0
  assert_output_contains "created $ENV_FILE with generated secrets"
  [[ -f "$ENV_FILE" ]] || fail "no $ENV_FILE"
  [[ "$(stat -c %a "$ENV_FILE")" == 600 ]] || fail "mode $(stat -c %a "$ENV_FILE")"
  local var value
  local -a secrets=()
  for var in ${SECRETS_RE//|/ }; do
    value=$(sed -n "s/^$var=//p" "$ENV_FILE")
    [[ "$value" =~ ^[0-9a-f]{48}$ ]] || fail "$var=$value is not 48 hex characters"
    secrets+=("$value")
  done
  [[ $(printf '%s\n' "${secrets[@]}" | sort -u | wc -l) -eq 14 ]] || fail "secrets not distinct: ${secrets[*]}"
  # everything else is the example, line for line (nothing appended to a new file), but
  # the conversation data key (below)
  diff <(grep -vE "^($SECRETS_RE|DATA_ENCRYPTION_KEYS|DATA_ENCRYPTION_ACTIVE_KEY)=" "$ENV_FILE") \
    <(grep -vE "^($SECRETS_RE|DATA_ENCRYPTION_KEYS|DATA_ENCRYPTION_ACTIVE_KEY)=" "$PROTOSTAR_REPO/compose/production.env.example")
  # and no temp file is left beside it
  [[ -z "$(compgen -G "$ENV_FILE.*")" ]] || fail "left behind: $(compgen -G "$ENV_FILE.*")"
}

@test "a new .env gets conversation data key k1, 32 random bytes, active at once" {
  run lib_run ensure_env_file
  assert_status 0
  grep -qxE 'DATA_ENCRYPTION_KEYS=k1:[A-Za-z0-9+/]{43}=' "$ENV_FILE" || fail "$(grep '^DATA_ENCRYPTION_KEYS=' "$ENV_FILE")"
  grep -qx 'DATA_ENCRYPTION_ACTIVE_KEY=k1' "$ENV_FILE"
  [[ $(grep -c '^DATA_ENCRYPTION_KEYS=' "$ENV_FILE") == 1 ]]
  local first
  first=$(grep '^DATA_ENCRYPTION_KEYS=' "$ENV_FILE")
  rm "$ENV_FILE"
  run lib_run ensure_env_file
  [[ "$(grep '^DATA_ENCRYPTION_KEYS=' "$ENV_FILE")" != "$first" ]] || fail "the same key twice"
}

@test "an .env from before encryption gets key k1 not active, and is told when to make it so" {
  write_env -DATA_ENCRYPTION_KEYS -DATA_ENCRYPTION_ACTIVE_KEY
  cp -p "$ENV_FILE" "$TEST_ROOT/before"
  run lib_run ensure_env_file
  assert_status 0
  assert_output_contains "added DATA_ENCRYPTION_KEYS (key k1, generated; keep a copy) to $ENV_FILE, not active yet"
  assert_output_contains "set DATA_ENCRYPTION_ACTIVE_KEY=k1 there and run 'protostar up' again"
  refute_output_contains "AAEC"
  cmp -n "$(stat -c %s "$TEST_ROOT/before")" "$TEST_ROOT/before" "$ENV_FILE"
  grep -qxE 'DATA_ENCRYPTION_KEYS=k1:[A-Za-z0-9+/]{43}=' "$ENV_FILE"
  grep -qx 'DATA_ENCRYPTION_ACTIVE_KEY=' "$ENV_FILE"
  # an emptied line is the operator's choice: left so
  write_env DATA_ENCRYPTION_KEYS= DATA_ENCRYPTION_ACTIVE_KEY=
  cp -p "$ENV_FILE" "$TEST_ROOT/before"
  run lib_run ensure_env_file
  assert_status 0
  cmp "$TEST_ROOT/before" "$ENV_FILE"
}

@test "data keys: a malformed entry or an active id without its key stops up, never echoing a key" {
  write_env "DATA_ENCRYPTION_KEYS=k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=,K2:tooshort" DATA_ENCRYPTION_ACTIVE_KEY=k1
  run lib_run load_config
  assert_status 1
  assert_output_contains "DATA_ENCRYPTION_KEYS"
  assert_output_contains "each key 32 bytes in base64"
  refute_output_contains "AAEC"
  refute_output_contains "tooshort"
  write_env DATA_ENCRYPTION_ACTIVE_KEY=k2
  run lib_run load_config
  assert_status 1
  assert_output_contains "DATA_ENCRYPTION_ACTIVE_KEY=k2 is not the id of a key in DATA_ENCRYPTION_KEYS"
  refute_output_contains "AAEC"
}

@test "ensure_env_file: two runs on fresh hosts make different secrets" {
  run lib_run ensure_env_file
  assert_status 0
  local first
  first=$(grep '^JWT_SECRET=' "$ENV_FILE")
  rm "$ENV_FILE"
  run lib_run ensure_env_file
  assert_status 0
  [[ "$(grep '^JWT_SECRET=' "$ENV_FILE")" != "$first" ]] || fail "same secret twice: $first"
}

@test "the created .env passes validation" {
  run lib_run 'ensure_env_file; load_config; echo "project=$COMPOSE_PROJECT_NAME"'
  assert_status 0
  assert_output_contains "project=protostar"
}

@test "ensure_env_file never changes a line of an existing file" {
  write_env
  printf 'HELLO=world\n# odd file, kept as is\n' >>"$ENV_FILE"
  chmod 640 "$ENV_FILE"
  cp -p "$ENV_FILE" "$TEST_ROOT/before"
  run lib_run ensure_env_file
  assert_status 0
  refute_output_contains "created"
  refute_output_contains "added"
  cmp "$TEST_ROOT/before" "$ENV_FILE"
  [[ "$(stat -c %a "$ENV_FILE")" == 640 ]] || fail "mode changed to $(stat -c %a "$ENV_FILE")"
}

@test "an .env of an earlier release gains the secrets this one added, generated; nothing else changes" {
  write_env -POSTGRES_OWNER_PASSWORD -POSTGRES_BACKEND_PASSWORD -POSTGRES_WORKER_PASSWORD \
    -REDIS_BACKEND_PASSWORD -REDIS_WORKER_PASSWORD "REDIS_PASSWORD="
  # an empty secret of the first release stays empty (it is named, not replaced), and a
  # last line without a newline is completed, not joined
  printf 'LAST=line' >>"$ENV_FILE"
  chmod 640 "$ENV_FILE"
  cp -p "$ENV_FILE" "$TEST_ROOT/before"
  run lib_run ensure_env_file
  assert_status 0
  assert_output_contains "added POSTGRES_OWNER_PASSWORD POSTGRES_BACKEND_PASSWORD POSTGRES_WORKER_PASSWORD REDIS_BACKEND_PASSWORD REDIS_WORKER_PASSWORD to $ENV_FILE"
  # the old lines are the start of the new file, byte for byte
  cmp -n "$(stat -c %s "$TEST_ROOT/before")" "$TEST_ROOT/before" "$ENV_FILE"
  [[ "$(stat -c %a "$ENV_FILE")" == 640 ]] || fail "mode changed to $(stat -c %a "$ENV_FILE")"
  local var
  for var in POSTGRES_OWNER_PASSWORD POSTGRES_BACKEND_PASSWORD POSTGRES_WORKER_PASSWORD REDIS_BACKEND_PASSWORD REDIS_WORKER_PASSWORD; do
    grep -qE "^$var=[0-9a-f]{48}$" "$ENV_FILE" || fail "$var: $(grep "^$var=" "$ENV_FILE")"
  done
  grep -qx 'LAST=line' "$ENV_FILE"
  grep -qx 'REDIS_PASSWORD=' "$ENV_FILE"
  [[ -z "$(compgen -G "$ENV_FILE.*")" ]] || fail "left behind: $(compgen -G "$ENV_FILE.*")"
  # a second run adds nothing
  cp "$ENV_FILE" "$TEST_ROOT/after"
  run lib_run ensure_env_file
  refute_output_contains "added"
  cmp "$TEST_ROOT/after" "$ENV_FILE"
}

@test "a command other than up names a missing new secret and that up adds it" {
  write_env -REDIS_WORKER_PASSWORD
  run lib_run load_config
  assert_status 1
  assert_output_contains "REDIS_WORKER_PASSWORD is missing: 'protostar up' adds it (generated)"
}

@test "POSTGRES_USER may not be one of the services' roles (up makes those non-superusers)" {
  write_env "POSTGRES_USER=protostar_backend"
  run lib_run load_config
  assert_status 1
  assert_output_contains "POSTGRES_USER=protostar_backend is the name of a service's role"
}

@test "protostar up never changes an existing (invalid) .env" {
  write_env "HTTPS_PORT=abc"
  cp "$ENV_FILE" "$TEST_ROOT/before"
  run protostar up
  assert_status 1
  cmp "$TEST_ROOT/before" "$ENV_FILE"
}

# --- read_env_file ------------------------------------------------------------------------

@test "read_env_file takes values literally: command substitutions never run" {
  local marker="$TEST_ROOT/pwned" marker2="$TEST_ROOT/pwned2"
  cat >"$TEST_ROOT/literal.env" <<ENV
A=\$(touch $marker)
B=x; touch $marker2
C=\`touch $marker2\`
D="quoted value"
E='single \$HOME'
F=a=b=c
G=
  # indented comment

ENV
  run lib_run "read_env_file '$TEST_ROOT/literal.env'; printf '[%s]\n' \"\$A\" \"\$B\" \"\$C\" \"\$D\" \"\$E\" \"\$F\" \"\$G\""
  assert_status 0
  [[ ! -e "$marker" && ! -e "$marker2" ]] || fail "a value was executed"
  [[ "${lines[0]}" == "[\$(touch $marker)]" ]] || fail "A: ${lines[0]}"
  [[ "${lines[1]}" == "[x; touch $marker2]" ]] || fail "B: ${lines[1]}"
  [[ "${lines[2]}" == "[\`touch $marker2\`]" ]] || fail "C: ${lines[2]}"
  [[ "${lines[3]}" == "[quoted value]" ]] || fail "D: ${lines[3]}"
  [[ "${lines[4]}" == "[single \$HOME]" ]] || fail "E: ${lines[4]}"
  [[ "${lines[5]}" == "[a=b=c]" ]] || fail "F: ${lines[5]}"
  [[ "${lines[6]}" == "[]" ]] || fail "G: ${lines[6]}"
}

@test "protostar up with \$(...) and '; rm -rf /' values: nothing runs, the values are rejected" {
  local marker="$TEST_ROOT/pwned"
  write_env "JWT_SECRET=\$(touch $marker)" "PUBLIC_HOSTNAME=x; rm -rf /" "POSTGRES_DB=\`touch $marker\`"
  run protostar up
  assert_status 1
  [[ ! -e "$marker" ]] || fail "a value from .env was executed"
  assert_output_contains "JWT_SECRET=\$(touch $marker) is malformed"
  assert_output_contains "PUBLIC_HOSTNAME=x; rm -rf / is malformed"
  assert_no_calls
}

@test "read_env_file reads a last line without newline" {
  printf 'A=1\nB=2' >"$TEST_ROOT/nonl.env"
  run lib_run "read_env_file '$TEST_ROOT/nonl.env'; echo \"\$A-\$B\""
  assert_status 0
  [[ "$output" == "1-2" ]] || fail "got: $output"
}

# --- compose_command ----------------------------------------------------------------------

@test "compose_command prints the exact docker compose invocation, one word per line" {
  run lib_run 'COMPOSE_PROJECT_NAME=my-proj compose_command'
  assert_status 0
  local expected
  expected=$(printf '%s\n' docker compose --project-name my-proj --file "$PROTOSTAR_REPO/compose/production.yml" \
    --profile embedded-object-store)
  [[ "$output" == "$expected" ]] || fail "expected:" "$expected" "got:" "$output"
  [[ ${#lines[@]} -eq 8 ]] || fail "expected 8 lines, got ${#lines[@]}"
}

@test "compose_command: with S3_ENDPOINT set, the embedded object store is not started" {
  run lib_run 'COMPOSE_PROJECT_NAME=my-proj S3_ENDPOINT=https://s3.ops.example.org:8443 compose_command'
  assert_status 0
  [[ "$output" != *embedded-object-store* ]] || fail "got:" "$output"
  [[ ${#lines[@]} -eq 6 ]] || fail "expected 6 lines, got ${#lines[@]}"
}

@test "compose runs the compose command with the given arguments" {
  run lib_run 'COMPOSE_PROJECT_NAME=p1 compose ps --all "two words"'
  assert_status 0
  assert_call_line "$(compose_prefix p1) ps --all two words"
  [[ $(wc -l <"$STUB_LOG") -eq 1 ]] || fail "expected one call" "$(cat "$STUB_LOG")"
}

# --- state --------------------------------------------------------------------------------

@test "write_state updates one key, keeps the others, leaves no temp files" {
  write_state_file "IMAGE_SOURCE=offline" "ACTIVE_COLOR=blue" "AI_WORKER_IMAGE=protostar/ai-worker:v1"
  run lib_run "STATE_DIR='$STATE_DIR_T'; write_state ACTIVE_COLOR=green; echo \"exported=\$ACTIVE_COLOR\""
  assert_status 0
  assert_output_contains "exported=green"
  run sort "$STATE_DIR_T/state.env"
  [[ "$output" == $'ACTIVE_COLOR=green\nAI_WORKER_IMAGE=protostar/ai-worker:v1\nIMAGE_SOURCE=offline' ]] ||
    fail "state is:" "$output"
  [[ "$(ls -A "$STATE_DIR_T")" == state.env ]] || fail "STATE_DIR holds: $(ls -A "$STATE_DIR_T")"
}

@test "write_state creates STATE_DIR and the file; several pairs at once; a key is not matched by prefix" {
  run lib_run "STATE_DIR='$STATE_DIR_T/new'; write_state A=1 AB=2; write_state A=3"
  assert_status 0
  run sort "$STATE_DIR_T/new/state.env"
  [[ "$output" == $'A=3\nAB=2' ]] || fail "state is:" "$output"
  [[ "$(ls -A "$STATE_DIR_T/new")" == state.env ]] || fail "left: $(ls -A "$STATE_DIR_T/new")"
}

@test "write_active_backend green writes a split_clients block naming backend-green" {
  run lib_run "STATE_DIR='$STATE_DIR_T'; write_active_backend green"
  assert_status 0
  local conf="$STATE_DIR_T/nginx/active-backend.conf"
  [[ -f "$conf" ]] || fail "no $conf"
  run cat "$conf"
  assert_output_contains 'split_clients "${request_id}" $protostar_backend {'
  assert_output_line_matches '^  \* backend-green;$'
  refute_output_contains "backend-blue"
  [[ "$(stat -c %a "$conf")" == 644 ]] || fail "mode $(stat -c %a "$conf")"
  [[ "$(ls -A "$STATE_DIR_T/nginx" | paste -sd' ')" == "active-backend.conf routing.prom" ]] ||
    fail "left: $(ls -A "$STATE_DIR_T/nginx")"
  # the metrics listener's view of it: green takes every request
  grep -qx 'protostar_active_color{color="green"} 1' "$STATE_DIR_T/nginx/routing.prom"
  grep -qx 'protostar_active_color{color="blue"} 0' "$STATE_DIR_T/nginx/routing.prom"
}

@test "load_state + export_image_defaults offline: the offline image names" {
  write_state_file "IMAGE_SOURCE=offline" "ACTIVE_COLOR=green" "BACKEND_GREEN_IMAGE=protostar/backend:v2"
  run lib_run "STATE_DIR='$STATE_DIR_T'; load_state; export_image_defaults offline
    printf '%s\n' \"\$ACTIVE_COLOR\" \"\$BACKEND_GREEN_IMAGE\" \"\$POSTGRES_IMAGE\" \"\$REDIS_IMAGE\" \"\$NGINX_IMAGE\" \"\$JRE_IMAGE\""
  assert_status 0
  [[ "$output" == $'green\nprotostar/backend:v2\nprotostar/postgres:17-pgvector0.8\nprotostar/redis:8\nprotostar/nginx:1.26\nprotostar/jre:21' ]] ||
    fail "got:" "$output"
}

@test "an operator's POSTGRES_IMAGE in .env wins over the image defaults" {
  write_env "POSTGRES_IMAGE=registry.test/pg:1"
  write_state_file "IMAGE_SOURCE=offline" "ACTIVE_COLOR=blue"
  run lib_run 'load_config; export_image_defaults offline; printf "%s\n" "$POSTGRES_IMAGE" "$REDIS_IMAGE"'
  assert_status 0
  [[ "$output" == $'registry.test/pg:1\nprotostar/redis:8' ]] || fail "got:" "$output"
}

@test "export_image_defaults upstream gives the pinned registry images" {
  run lib_run 'export_image_defaults upstream; printf "%s\n" "$NGINX_IMAGE" "$POSTGRES_IMAGE"'
  assert_status 0
  [[ "$output" == $'nginx:1.26.3\npgvector/pgvector:0.8.0-pg17' ]] || fail "got:" "$output"
}

@test "an unknown image source in the state is rejected" {
  write_state_file "IMAGE_SOURCE=elsewhere"
  run lib_run "STATE_DIR='$STATE_DIR_T'; load_state"
  assert_status 1
  assert_output_contains "unknown image source 'elsewhere'"
}

@test "load_state without a state file is a no-op" {
  run lib_run "STATE_DIR='$STATE_DIR_T/none'; load_state; echo \"[\${ACTIVE_COLOR:-unset}]\""
  assert_status 0
  [[ "$output" == "[unset]" ]] || fail "got: $output"
}

@test "switching a host from upstream to offline replaces the upstream image names" {
  write_state_file "IMAGE_SOURCE=upstream"
  run lib_run "STATE_DIR='$STATE_DIR_T'; load_state; export_image_defaults offline; echo \"\$NGINX_IMAGE\""
  assert_status 0
  [[ "$output" == "protostar/nginx:1.26" ]] || fail "got: $output"
}

# --- load_config --------------------------------------------------------------------------

@test "load_config: a missing .env is reported with the hint to run up" {
  run lib_run load_config
  assert_status 1
  assert_output_contains "$ENV_FILE not found: run 'protostar up'"
}

@test "load_config makes relative STATE_DIR/TLS_DIR absolute under the repository" {
  write_env "STATE_DIR=./somewhere" "TLS_DIR=tls-here"
  run lib_run 'load_config; printf "%s\n" "$STATE_DIR" "$TLS_DIR"'
  assert_status 0
  [[ "$output" == "$PROTOSTAR_REPO/somewhere"$'\n'"$PROTOSTAR_REPO/tls-here" ]] || fail "got:" "$output"
  [[ ! -e "$PROTOSTAR_REPO/somewhere" ]] || fail "load_config created a directory in the repository"
}

@test "public_url omits :443 and shows other ports" {
  run lib_run 'PUBLIC_HOSTNAME=chat.test HTTPS_PORT=443 public_url; PUBLIC_HOSTNAME=chat.test HTTPS_PORT=8443 public_url'
  assert_status 0
  [[ "$output" == $'https://chat.test/\nhttps://chat.test:8443/' ]] || fail "got:" "$output"
}

@test "ensure_certificate creates a self-signed pair once, key mode 600" {
  run lib_run "TLS_DIR='$TLS_DIR_T' PUBLIC_HOSTNAME=chat.test; ensure_certificate"
  assert_status 0
  assert_output_contains "created a self-signed certificate for chat.test"
  [[ "$(stat -c %a "$TLS_DIR_T/tls.key")" == 600 ]] || fail "key mode $(stat -c %a "$TLS_DIR_T/tls.key")"
  run openssl x509 -in "$TLS_DIR_T/tls.crt" -noout -subject
  assert_output_contains "CN = chat.test"
  cp "$TLS_DIR_T/tls.crt" "$TEST_ROOT/crt.before"
  run lib_run "TLS_DIR='$TLS_DIR_T' PUBLIC_HOSTNAME=chat.test; ensure_certificate"
  assert_status 0
  refute_output_contains "created"
  cmp "$TEST_ROOT/crt.before" "$TLS_DIR_T/tls.crt"
}

@test "a generated certificate for another host is made anew; the old pair is kept" {
  run lib_run "TLS_DIR='$TLS_DIR_T' PUBLIC_HOSTNAME=old.test; ensure_certificate"
  assert_status 0
  cp "$TLS_DIR_T/tls.crt" "$TEST_ROOT/crt.before"
  run lib_run "TLS_DIR='$TLS_DIR_T' PUBLIC_HOSTNAME=chat.example.net; check_certificate; ensure_certificate"
  assert_status 0
  assert_output_contains "PUBLIC_HOSTNAME is now chat.example.net: the generated certificate named another host"
  assert_output_contains "renewed"
  cmp "$TEST_ROOT/crt.before" "$TLS_DIR_T/tls.crt.old"
  run openssl x509 -in "$TLS_DIR_T/tls.crt" -noout -checkhost chat.example.net
  assert_output_contains "does match"
  [[ "$(stat -c %a "$TLS_DIR_T/tls.key")" == 600 ]] || fail "key mode $(stat -c %a "$TLS_DIR_T/tls.key")"
  # the same name again: nothing changes
  cp "$TLS_DIR_T/tls.crt" "$TEST_ROOT/crt.after"
  run lib_run "TLS_DIR='$TLS_DIR_T' PUBLIC_HOSTNAME=chat.example.net; ensure_certificate"
  refute_output_contains "renewed"
  cmp "$TEST_ROOT/crt.after" "$TLS_DIR_T/tls.crt"
}

@test "a provided certificate that does not name PUBLIC_HOSTNAME stops up before anything starts" {
  mkdir -p "$TLS_DIR_T"
  # An operator's certificate: issued by a CA of theirs, for their names.
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=ca.test -keyout "$TEST_ROOT/ca.key" \
    -out "$TEST_ROOT/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj /CN=chat.corp.test -keyout "$TLS_DIR_T/tls.key" \
    -out "$TEST_ROOT/tls.csr" 2>/dev/null
  printf 'subjectAltName=DNS:chat.corp.test,DNS:*.chat.corp.test\n' >"$TEST_ROOT/san.ext"
  openssl x509 -req -in "$TEST_ROOT/tls.csr" -CA "$TEST_ROOT/ca.crt" -CAkey "$TEST_ROOT/ca.key" \
    -CAcreateserial -days 2 -extfile "$TEST_ROOT/san.ext" -out "$TLS_DIR_T/tls.crt" 2>/dev/null
  run lib_run "TLS_DIR='$TLS_DIR_T' PUBLIC_HOSTNAME=eu.chat.corp.test; check_certificate; echo checked"
  assert_status 0
  assert_output_contains checked
  write_env "PUBLIC_HOSTNAME=chat.other.test"
  cp "$TLS_DIR_T/tls.crt" "$TEST_ROOT/crt.before"
  run protostar up --offline
  assert_status 1
  assert_output_contains "does not name PUBLIC_HOSTNAME=chat.other.test (it names: DNS:chat.corp.test, DNS:*.chat.corp.test)"
  assert_output_contains "nothing was started"
  refute_called " up "
  cmp "$TEST_ROOT/crt.before" "$TLS_DIR_T/tls.crt"
}

@test "every variable production.yml uses is documented in production.env.example" {
  local var missing=()
  while read -r var; do
    # The deployed app images come from the state file (deploy, rollback), not from .env.
    [[ "$var" =~ ^(AI_WORKER|BACKEND_BLUE|BACKEND_GREEN)_IMAGE$ ]] && continue
    # The apps' settings files are beside .env: the CLI sets their paths.
    [[ "$var" =~ ^(AI_WORKER|BACKEND)_SETTINGS_FILE$ ]] && continue
    # Made by the CLI from MANAGEMENT_CACERT (the trust store's JVM options).
    [[ "$var" == APP_TRUST_OPTIONS ]] && continue
    grep -qE "^#? ?$var=" "$PROTOSTAR_REPO/compose/production.env.example" || missing+=("$var")
  done < <(grep -oE '\$\{[A-Z0-9_]+' "$PROTOSTAR_REPO/compose/production.yml" | cut -c3- | sort -u)
  ((${#missing[@]} == 0)) || fail "undocumented: ${missing[*]}"
}

# --- The apps' settings files ---------------------------------------------------------------

# relaxed_names PROPERTIES — the environment names Spring binds to the file's settings: the
# ${VARIABLE:default} placeholders, and each key upper-cased, dots to underscores, dashes
# dropped (protostar.tiers.guest.requests-per-minute: PROTOSTAR_TIERS_GUEST_REQUESTSPERMINUTE).
relaxed_names() {
  grep -oE '\$\{[A-Z][A-Z0-9_]*:' "$1" | tr -d '${:'
  sed -nE 's/^([a-z][a-z0-9.-]*)=.*/\1/p' "$1" | tr 'a-z.' 'A-Z_' | tr -d -- -
}

# example_keys APP — the keys its example documents.
example_keys() { sed -nE 's/^#? *([A-Z][A-Z0-9_]*)=.*/\1/p' "$PROTOSTAR_REPO/compose/$1.env.example"; }

@test "every key of backend.env.example and ai-worker.env.example is one its app reads, and none is set by Compose" {
  local app key properties
  for app in backend ai-worker; do
    properties=$PROTOSTAR_REPO/$app/src/main/resources/application.properties
    [[ $(example_keys "$app" | wc -l) -gt 15 ]] || fail "$app: too few keys"
    for key in $(example_keys "$app"); do
      [[ "$key" == LOGGING_LEVEL_* ]] && continue
      # The worker's queue settings have their defaults in QueueProperties (a record).
      if [[ "$app" == ai-worker && "$key" == PROTOSTAR_QUEUE_* ]]; then
        grep -qiE "[> ]${key#PROTOSTAR_QUEUE_}[,)]" "$PROTOSTAR_REPO/ai-worker/src/main/java/dev/protostar/worker/queue/QueueProperties.java" ||
          fail "$app: $key is no component of QueueProperties"
        continue
      fi
      relaxed_names "$properties" | grep -qx "$key" || fail "$app: $key is not read by $properties"
      ! grep -qE "^ +$key: " "$PROTOSTAR_REPO/compose/production.yml" || fail "$app: $key is set by compose/production.yml"
    done
  done
}

@test "every variable an app's properties read is set by Compose or documented in its example" {
  local app var properties
  # Set in the image or fixed for good: the colour and version, the stores' ports.
  local internal=" COLOR PROTOSTAR_VERSION POSTGRES_PORT REDIS_PORT "
  for app in backend ai-worker; do
    properties=$PROTOSTAR_REPO/$app/src/main/resources/application.properties
    for var in $(grep -oE '\$\{[A-Z][A-Z0-9_]*:' "$properties" | tr -d '${:' | sort -u); do
      [[ "$internal" != *" $var "* ]] || continue
      grep -qE "^ +$var: " "$PROTOSTAR_REPO/compose/production.yml" || example_keys "$app" | grep -qx "$var" ||
        fail "$app reads $var, which neither Compose sets nor compose/$app.env.example documents"
    done
  done
}
