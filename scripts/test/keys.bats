#!/usr/bin/env bats
# protostar keys: the conversation data keys. status reads .env, the running apps'
# environment, PostgreSQL and Redis; rotate adds a key and redeploys both apps, then makes
# it active and redeploys again; retire takes out a key nothing uses any more.

load test_helper

# The key write_env puts in .env (k1, active).
K1=k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=

setup() {
  # Blue serves v2; green, stopped, has v1.
  deployed_stack_setup blue v2 v1
  stub_running nginx backend-blue redis postgres
  rolling_workers
  # Whichever colour nginx routes to answers the verification.
  stub curl '*' "$(health_by_include)"
  stub docker 'exec * curl -sS --max-time 5 *' "$(health_by_include)"
  # Each running app started with the keys .env has now.
  stub docker 'inspect --format *Config.Env* *' "grep '^DATA_ENCRYPTION' $(printf %q "$ENV_FILE")"
  stored_values ''
  redis_values ''
  stub_output docker 'exec id-redis redis-cli INCR *' '1\n'
}

# rolling_workers — the ai-worker as stub_workers has it, for any number of rolling
# replacements: each `compose up --scale` adds id-ai-worker-N, which passes its check.
rolling_workers() {
  stub_workers id-ai-worker-old
  stub_tap docker 'compose * up *--scale*' 'echo "id-ai-worker-$STUB_NTH" >>"$STUB_LOG.workers"'
  stub_output docker 'inspect -f {{.State.Status}} * id-ai-worker-[0-9]*' 'running healthy\n'
}

# health_by_include — a stub body: the health answer of the colour the live include names.
health_by_include() {
  printf 'c=$(sed -n "s/^  \\* backend-\\(.*\\);$/\\1/p" %q); printf "HTTP/2 200\\r\\nx-protostar-backend: %%s v2\\r\\n\\r\\n" "$c"' \
    "$STATE_DIR_T/nginx/active-backend.conf"
}

# stored_values TEXT / redis_values TEXT — what PostgreSQL's and Redis's counts are
# ("WHERE|KEY|COUNT" lines, printf %b).
stored_values() { stub docker 'compose * exec -T postgres psql *' "cat >/dev/null; printf '%b' $(printf %q "$1")"; }
redis_values() { stub_output docker 'exec id-redis redis-cli EVAL *' "$1"; }

env_value() { sed -n "s/^$1=//p" "$ENV_FILE"; }

@test "keys --help prints the usage; a wrong action or id is refused before any change" {
  run protostar keys --help
  assert_status 0
  assert_output_contains "Usage: protostar keys status"
  assert_output_contains "protostar keys retire <key-id>"
  run protostar keys rotat
  assert_status 1
  assert_output_contains "unknown action 'rotat' (did you mean 'rotate'?)"
  run protostar keys retire 'K1;rm'
  assert_status 1
  assert_output_contains "'K1;rm' is not a key id"
  run protostar keys activate k7
  assert_status 1
  assert_output_contains "k7 is not in DATA_ENCRYPTION_KEYS (k1)"
  refute_changing_calls
}

@test "status: the keys of .env and of each running app, the stored values per key, what can be retired" {
  write_env "DATA_ENCRYPTION_KEYS=$K1,k2:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" DATA_ENCRYPTION_ACTIVE_KEY=k2
  stored_values 'conversations.title|k2|3\nmessages.content|k1|2\nmessages.content|k2|5\nmessages.content||4\nmessages.metadata|k2|2\n'
  redis_values 'events|k2|7\n'
  run protostar keys status
  assert_status 0
  assert_output_contains "Keys in $ENV_FILE: k1, k2; new values are written with k2"
  assert_output_line_matches "^  backend-blue +keys k1, k2; writes with k2$"
  assert_output_line_matches "^  ai-worker +keys k1, k2; writes with k2$"
  assert_output_line_matches "^ +k2 +k1 +plaintext$"
  assert_output_line_matches "^  messages.content +5 +2 +4$"
  assert_output_line_matches "^  conversations.title +3 +0 +0$"
  assert_output_line_matches "^  events +7$"
  assert_output_contains "k1: 2 values still use it; the backend re-encrypts the stored ones with k2 in the background"
  assert_output_contains "plaintext: 4 values from before encryption"
  # the keys themselves are never shown
  refute_output_contains "AAECAwQF"
  refute_changing_calls
}

@test "status: a value whose key is not in .env is reported and fails the command" {
  stored_values 'messages.content|k1|2\nmessages.content|k0|1\n'
  run protostar keys status
  assert_status 1
  assert_output_contains "k0: 1 values use key k0, which is not in DATA_ENCRYPTION_KEYS: they cannot be read"
}

@test "rotate: k2 added and both apps redeployed, then k2 active and both redeployed again" {
  record_docker_env DATA_ENCRYPTION_KEYS DATA_ENCRYPTION_ACTIVE_KEY
  run protostar keys rotate
  assert_status 0
  local keys
  keys=$(env_value DATA_ENCRYPTION_KEYS)
  [[ "$keys" =~ ^k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=,k2:([A-Za-z0-9+/=]{44})$ ]] || fail "DATA_ENCRYPTION_KEYS=$keys"
  [[ "$(printf '%s' "${BASH_REMATCH[1]}" | base64 -d | wc -c)" == 32 ]] || fail "k2 is not 32 bytes"
  [[ "$(env_value DATA_ENCRYPTION_ACTIVE_KEY)" == k2 ]]
  # Round one: every app started with k2 while k1 still wrote; round two: k2 writes.
  local first_active_k2
  first_active_k2=$(grep -n '^DATA_ENCRYPTION_ACTIVE_KEY=k2$' "$STUB_ENV_LOG" | head -n 1 | cut -d: -f1)
  [[ -n "$first_active_k2" ]] || fail "no call with k2 active"
  head -n "$first_active_k2" "$STUB_ENV_LOG" | grep -qx "DATA_ENCRYPTION_KEYS=$keys" || fail "k2 was active before the apps had it"
  (($(grep -c "action=redeploy service=backend .*result=ok" "$STATE_DIR_T/audit.log") == 2)) || fail "$(cat "$STATE_DIR_T/audit.log")"
  (($(grep -c "action=redeploy service=ai-worker .*result=ok" "$STATE_DIR_T/audit.log") == 2)) || fail "$(cat "$STATE_DIR_T/audit.log")"
  grep -q "action=data-key-add service=data-keys .*to=k2 result=ok" "$STATE_DIR_T/audit.log"
  grep -q "action=data-key-activate service=data-keys .*to=k2 result=ok" "$STATE_DIR_T/audit.log"
  (($(grep -n data-key-add "$STATE_DIR_T/audit.log" | cut -d: -f1) < $(grep -n data-key-activate "$STATE_DIR_T/audit.log" | cut -d: -f1)))
  assert_output_contains "Key k2 is active"
  # then the backend is asked to re-encrypt at once
  (($(line_of "redis-cli INCR protostar:reencryption:requested") > $(grep -n "compose .* up .*--scale" "$STUB_LOG" | tail -n 1 | cut -d: -f1)))
  refute_output_contains "${BASH_REMATCH[1]}"
  refute_called "${BASH_REMATCH[1]}"
  assert_unlocked
}

@test "rotate: the backend's first redeploy fails — .env has its keys again, nothing is activated" {
  local before
  before=$(cat "$ENV_FILE")
  stub docker 'compose * up *backend-green' 'exit 1'
  run protostar keys rotate
  assert_status 1
  assert_output_contains "the backend's redeploy failed (see above): $ENV_FILE has its previous keys again; the old colour kept serving"
  [[ "$(cat "$ENV_FILE")" == "$before" ]] || fail ".env not restored: $(diff <(echo "$before") "$ENV_FILE")"
  refute_called "ai-worker"
  ! grep -q data-key-activate "$STATE_DIR_T/audit.log" || fail "k2 was activated" "$(cat "$STATE_DIR_T/audit.log")"
  assert_unlocked
}

@test "activate: refused while a running app does not hold the key" {
  write_env "DATA_ENCRYPTION_KEYS=$K1,k2:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" DATA_ENCRYPTION_ACTIVE_KEY=k1
  stub_output docker 'inspect --format *Config.Env* id-ai-worker-old' "DATA_ENCRYPTION_KEYS=$K1\nDATA_ENCRYPTION_ACTIVE_KEY=k1\n"
  run protostar keys activate k2
  assert_status 1
  assert_output_contains "running apps without key k2: ai-worker; run 'protostar redeploy backend' and 'protostar redeploy ai-worker' first"
  [[ "$(env_value DATA_ENCRYPTION_ACTIVE_KEY)" == k1 ]]
  refute_called "up --detach"
}

@test "retire: refused for the active key and while values use it; then out of .env, kept apart, apps redeployed" {
  local k2=k2:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=
  write_env "DATA_ENCRYPTION_KEYS=$K1,$k2" DATA_ENCRYPTION_ACTIVE_KEY=k2
  run protostar keys retire k2
  assert_status 1
  assert_output_contains "k2 is the active key: rotate to a new one first"
  stored_values 'messages.content|k1|3\n'
  redis_values 'jobs|k1|1\nevents|k1|5\n'
  run protostar keys retire k1
  assert_status 1
  assert_output_contains "4 values still use k1 (protostar keys status)"
  grep -q "^DATA_ENCRYPTION_KEYS=$K1,$k2$" "$ENV_FILE"
  refute_called "up --detach"

  stored_values 'messages.content|k2|3\n'
  redis_values 'events|k1|5\n'
  run protostar keys status
  assert_output_contains "k1: nothing stored or queued uses it (only 5 events in users' streams, which expire); 'protostar keys retire k1' takes it out"
  run protostar keys retire k1
  assert_status 0
  assert_output_contains "5 events in users' streams use k1: a client replaying one after this gets 'lost' for it"
  assert_output_contains "Key k1 retired"
  [[ "$(env_value DATA_ENCRYPTION_KEYS)" == "$k2" ]] || fail "$(env_value DATA_ENCRYPTION_KEYS)"
  grep -q "^[0-9T:-]*Z $K1$" "$STATE_DIR_T/retired-data-keys"
  [[ "$(stat -c %a "$STATE_DIR_T/retired-data-keys")" == 600 ]]
  grep -q "action=data-key-retire service=data-keys .*to=k1 result=ok" "$STATE_DIR_T/audit.log"
  grep -q "action=redeploy service=ai-worker .*result=ok" "$STATE_DIR_T/audit.log"
  assert_unlocked
}

@test "retire: refused while a running app still writes with the key" {
  write_env "DATA_ENCRYPTION_KEYS=$K1,k2:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" DATA_ENCRYPTION_ACTIVE_KEY=k2
  stub_output docker 'inspect --format *Config.Env* id-backend-blue' "DATA_ENCRYPTION_KEYS=$K1\nDATA_ENCRYPTION_ACTIVE_KEY=k1\n"
  run protostar keys retire k1
  assert_status 1
  assert_output_contains "backend-blue still write with k1"
  refute_called "up --detach"
}

@test "nothing deployed yet: rotate is refused, nothing changed" {
  write_state_file "IMAGE_SOURCE=offline"
  local before
  before=$(cat "$ENV_FILE")
  run protostar keys rotate
  assert_status 1
  assert_output_contains "nothing is deployed yet"
  [[ "$(cat "$ENV_FILE")" == "$before" ]]
}
