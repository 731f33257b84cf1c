#!/usr/bin/env bats
# shellcheck disable=SC2016 # Python expressions and code for lib_run are single-quoted
# Least privilege between the services: what compose/production.yml gives each service
# (read with PyYAML, merge keys included), and scripts/lib/roles.sh's output. `protostar
# up` applying it is in up.bats; the real roles, grants and Redis users are checked
# against the running stack by scripts/test/e2e/production-stack.sh and upgrade.sh.

load test_helper

PROD="$PROTOSTAR_REPO/compose/production.yml"

# env_of SERVICE — its environment, KEY=VALUE a line, merges resolved.
env_of() { yaml_query "$PROD" "[f'{k}={v}' for k, v in d['services']['$1']['environment'].items()]"; }

@test "the worker gets no token key, no admin bootstrap, no migration rights and none of the backend's passwords" {
  local env
  env=$(env_of ai-worker)
  ! grep -E '^(JWT_SECRET|PROTOSTAR_ADMIN_EMAIL|PROTOSTAR_ADMIN_PASSWORD|SPRING_FLYWAY_[A-Z]+)=' <<<"$env" ||
    fail "the worker gets a setting it does not use"
  ! grep -E 'POSTGRES_(OWNER|BACKEND)_PASSWORD|REDIS_BACKEND_PASSWORD|\$\{(POSTGRES|REDIS)_PASSWORD\}' <<<"$env" ||
    fail "the worker gets another's password"
  grep -qx 'POSTGRES_USER=protostar_worker' <<<"$env"
  grep -qx 'POSTGRES_PASSWORD=${POSTGRES_WORKER_PASSWORD}' <<<"$env"
  grep -qx 'SPRING_DATA_REDIS_USERNAME=worker' <<<"$env"
  grep -qx 'REDIS_PASSWORD=${REDIS_WORKER_PASSWORD}' <<<"$env"
  grep -qx 'PROTOSTAR_ANSWER_PROVIDER=${ANSWER_PROVIDER:-offline}' <<<"$env"
}

@test "the signup policy, its domains and the promotion switch reach the backend colours only" {
  local color var
  for color in blue green; do
    grep -qx 'PROTOSTAR_SIGNUP_POLICY=${PROTOSTAR_SIGNUP_POLICY:-open}' <<<"$(env_of "backend-$color")"
    grep -qx 'PROTOSTAR_SIGNUP_DOMAINS=${PROTOSTAR_SIGNUP_DOMAINS:-}' <<<"$(env_of "backend-$color")"
    grep -qx 'PROTOSTAR_TIER_AUTO_PROMOTION=${PROTOSTAR_TIER_AUTO_PROMOTION:-false}' <<<"$(env_of "backend-$color")"
  done
  for var in PROTOSTAR_SIGNUP_POLICY PROTOSTAR_SIGNUP_DOMAINS PROTOSTAR_TIER_AUTO_PROMOTION PROTOSTAR_PUBLIC_URL; do
    ! grep -q "^$var=" <<<"$(env_of ai-worker)" || fail "the worker gets $var"
  done
}

@test "each colour connects as the backend's role and Redis user and migrates as the owner; no answer settings" {
  local color env
  for color in blue green; do
    env=$(env_of "backend-$color")
    grep -qx 'POSTGRES_USER=protostar_backend' <<<"$env"
    grep -qx 'POSTGRES_PASSWORD=${POSTGRES_BACKEND_PASSWORD}' <<<"$env"
    grep -qx 'SPRING_FLYWAY_USER=protostar_owner' <<<"$env"
    grep -qx 'SPRING_FLYWAY_PASSWORD=${POSTGRES_OWNER_PASSWORD}' <<<"$env"
    grep -qx 'SPRING_DATA_REDIS_USERNAME=backend' <<<"$env"
    grep -qx 'REDIS_PASSWORD=${REDIS_BACKEND_PASSWORD}' <<<"$env"
    grep -qx 'JWT_SECRET=${JWT_SECRET}' <<<"$env"
    grep -qx "COLOR=$color" <<<"$env"
    # the colour's own JVM options win over the shared ones
    grep -qx 'JAVA_TOOL_OPTIONS=${APP_TRUST_OPTIONS:-}${BACKEND_JAVA_OPTIONS:--XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError}' <<<"$env"
    ! grep -E '^(PROTOSTAR_ANSWER_|PROTOSTAR_QUEUE_CONCURRENCY)' <<<"$env" || fail "backend-$color gets the worker's settings"
  done
}

@test "only postgres gets the superuser's password, as a file; only redis the default user's" {
  local holders
  holders=$(yaml_query "$PROD" '[s for s, v in d["services"].items() if any("${POSTGRES_PASSWORD}" in str(x) for x in (v.get("environment") or {}).values())]')
  [[ -z "$holders" ]] || fail "POSTGRES_PASSWORD in the environment of: $holders"
  holders=$(yaml_query "$PROD" '[s for s, v in d["services"].items() if "postgres-superuser-password" in (v.get("secrets") or [])]')
  [[ "$holders" == postgres ]] || fail "the superuser's password file given to: $holders"
  yaml_query "$PROD" 'd["services"]["postgres"]["environment"]["POSTGRES_PASSWORD_FILE"]' | grep -qx /run/secrets/postgres-superuser-password
  yaml_query "$PROD" 'd["secrets"]["postgres-superuser-password"]["file"]' | grep -qx '${STATE_DIR}/postgres/superuser-password'
  holders=$(yaml_query "$PROD" '[s for s, v in d["services"].items() if any("${REDIS_PASSWORD}" == str(x) for x in (v.get("environment") or {}).values())]')
  [[ "$holders" == redis ]] || fail "REDIS_PASSWORD given to: $holders"
}

@test "redis's command line holds no password: the users come from the ACL file up writes" {
  local command
  command=$(yaml_query "$PROD" 'd["services"]["redis"]["command"]' | paste -sd' ')
  [[ "$command" != *requirepass* && "$command" != *PASSWORD* ]] || fail "$command"
  [[ "$command" == "redis-server --aclfile /etc/redis/protostar/users.acl "* ]] || fail "$command"
  yaml_query "$PROD" 'd["services"]["redis"]["volumes"]' | grep -qx '${STATE_DIR}/redis:/etc/redis/protostar:ro'
}

@test "roles.sql: none of the roles is a superuser or may create roles or databases" {
  local role
  for role in owner backend worker; do
    grep -qE "^ALTER ROLE protostar_$role WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS " \
      "$PROTOSTAR_REPO/compose/postgres/roles.sql" || fail "protostar_$role"
    grep -qF "PASSWORD :'${role}_password';" "$PROTOSTAR_REPO/compose/postgres/roles.sql"
  done
  ! grep -qiE 'SUPERUSER[^,;]*;|GRANT +protostar_owner|GRANT +ALL' "$PROTOSTAR_REPO/compose/postgres/roles.sql" ||
    fail "a wide grant"
}

@test "roles.sql: the worker's grants name its four tables, nothing on users, columns where data could move" {
  local sql="$PROTOSTAR_REPO/compose/postgres/roles.sql"
  grep -qF "('conversations', 'SELECT, UPDATE (updated_at)')" "$sql"
  grep -qF "('messages', 'SELECT, INSERT, UPDATE (status, metadata)')" "$sql"
  grep -qF "('document_chunks', 'SELECT, INSERT, UPDATE, DELETE')" "$sql"
  grep -A1 -F "('documents', 'SELECT, UPDATE (" "$sql" | grep -q 'embedding_dimension, updated_at)'
  ! grep -A1 -F "('documents'" "$sql" | grep -qE 'access_level|uploaded_by|object_key' || fail "documents: a column the worker must not change"
  ! grep -qE "^ *\('users'" "$sql" || fail "the worker on users"
}

@test "redis_acl: a line per user; the worker's key patterns reach no refresh token or rate limit" {
  write_env
  run lib_run 'source "$PROTOSTAR_ROOT/scripts/lib/roles.sh"; load_config; redis_acl'
  assert_status 0
  local worker pattern
  worker=$(grep '^user worker ' <<<"$output")
  for pattern in $(grep -oE '(~|&)[^ ]+' <<<"$worker"); do
    [[ "protostar:refresh:token:abc" != ${pattern:1} && "protostar:ratelimit:x" != ${pattern:1} ]] ||
      fail "$pattern reaches another's keys"
  done
  # and they reach what the worker uses (QueueKeys, publish-event.lua)
  grep -q '~protostar:jobs:\* ' <<<"$worker"
  grep -q '~protostar:events:\* ' <<<"$worker"
  grep -q '&protostar:events:\* ' <<<"$worker"
}
