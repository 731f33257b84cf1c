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
source "$PROTOSTAR_ROOT/scripts/test/e2e/monitoring.sh"
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
response_names_color_and_version() {
  https_headers /api/health | grep -iE '^x-protostar-backend: blue [0-9a-f]{12}'
}
http_redirects_to_https() {
  [[ $(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$HTTP_PORT/api/health") == "301 https://127.0.0.1:$HTTPS_PORT/api/health" ]]
}
certificate_is_generated_for_hostname() {
  openssl x509 -in "$TLS_DIR/tls.crt" -noout -subject | grep -E 'CN ?= ?localhost'
}
actuator_closed_to_users_but_health() {
  local code body
  # health: the status only (no details), from the backend's management port
  body=$(curl -fsS --cacert "$TLS_DIR/tls.crt" "https://localhost:$HTTPS_PORT/actuator/health")
  echo "health: $body"
  [[ "$(jq -r .status <<<"$body")" == UP && "$(jq -r '.components // "none"' <<<"$body")" == none ]]
  for path in /actuator/prometheus /actuator/info /actuator/health/readiness; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$TLS_DIR/tls.crt" "https://localhost:$HTTPS_PORT$path")
    echo "$path: $code"
    [[ "$code" == 404 ]]
  done
}

# --- Accounts through nginx ------------------------------------------------------------
signup_and_me() {
  expect_api 201 OK POST /api/auth/signup \
    '{"email":"ada@example.com","password":"correct-horse-battery","displayName":"<b>Ada</b>'"'"'; DROP TABLE users;--"}'
  jq -r .data.accessToken "$E2E_DIR/api.json" >"$E2E_DIR/ada.token"
  jq -r .data.refreshToken "$E2E_DIR/api.json" >"$E2E_DIR/ada.refresh"
  expect_api 200 OK GET /api/me '' -H "Authorization: Bearer $(cat "$E2E_DIR/ada.token")"
  # The injection string comes back exactly as sent, and the users table is still there.
  jq -e '.data.tier == "GUEST" and .data.displayName == "<b>Ada</b>'"'"'; DROP TABLE users;--"' "$E2E_DIR/api.json"
  [[ $(psql_app "select count(*) from users where email = 'ada@example.com'") == 1 ]]
}
me_without_token_is_401_envelope() {
  expect_api 401 UNAUTHENTICATED GET /api/me
  curl -sS -o /dev/null -D - --cacert "$TLS_DIR/tls.crt" "https://localhost:$HTTPS_PORT/api/me" | grep -i '^www-authenticate: Bearer'
}
bad_requests_get_4xx_envelopes() {
  expect_api 400 MALFORMED_JSON POST /api/auth/login '{"email": "ada@example.com",'
  expect_api 400 UNKNOWN_FIELD POST /api/auth/login '{"email":"ada@example.com","password":"x","admin":true}'
  expect_api 404 NOT_FOUND GET /api/no-such-thing
  expect_api 405 METHOD_NOT_ALLOWED DELETE /api/auth/login
  expect_api 401 INVALID_TOKEN GET /api/me '' -H 'Authorization: Bearer not.a.jwt'
  # Bigger than the backend's JSON limit, well under nginx's: the backend's envelope.
  head -c 300000 /dev/zero | tr '\0' a | sed 's/^/{"email":"/; s/$/"}/' >"$E2E_DIR/big.json"
  expect_api 413 PAYLOAD_TOO_LARGE POST /api/auth/login '' --data-binary "@$E2E_DIR/big.json"
}
refresh_rotates_and_reuse_revokes_the_family() {
  local old new
  old=$(cat "$E2E_DIR/ada.refresh")
  expect_api 200 OK POST /api/auth/refresh "{\"refreshToken\":\"$old\"}"
  new=$(jq -r .data.refreshToken "$E2E_DIR/api.json")
  [[ -n "$new" && "$new" != "$old" ]]
  expect_api 401 REFRESH_TOKEN_REUSED POST /api/auth/refresh "{\"refreshToken\":\"$old\"}"
  # The thief's reuse signed out the whole family, the new token included.
  expect_api 401 INVALID_REFRESH_TOKEN POST /api/auth/refresh "{\"refreshToken\":\"$new\"}"
}
bootstrap_admin_promotes_a_user() {
  local admin_token user_id
  expect_api 200 OK POST /api/auth/login "{\"email\":\"$PROTOSTAR_ADMIN_EMAIL\",\"password\":\"$PROTOSTAR_ADMIN_PASSWORD\"}"
  admin_token=$(jq -r .data.accessToken "$E2E_DIR/api.json")
  user_id=$(psql_app "select id from users where email = 'ada@example.com'")
  expect_api 403 FORBIDDEN PATCH "/api/admin/users/$user_id/tier" '{"tier":"ADMIN"}' \
    -H "Authorization: Bearer $(cat "$E2E_DIR/ada.token")"
  expect_api 200 OK PATCH "/api/admin/users/$user_id/tier" '{"tier":"STARGAZER"}' -H "Authorization: Bearer $admin_token"
  [[ $(psql_app "select tier from users where id = '$user_id'") == STARGAZER ]]
}
# A question through nginx: 202 at once, then over SSE the job's events in order, the
# tokens spelling the stored answer.
ask_and_receive_the_answer_over_sse() {
  local token conversation job answer
  token=$(cat "$E2E_DIR/ada.token")
  sse_follow_start ada "$E2E_DIR/ada.token"
  expect_api 201 OK POST /api/conversations '{"title":"Leave policy"}' -H "Authorization: Bearer $token"
  conversation=$(jq -r .data.id "$E2E_DIR/api.json")
  expect_api 202 OK POST "/api/conversations/$conversation/messages" \
    '{"message":"How many days of annual leave do I get? <script>alert(1)</script>"}' -H "Authorization: Bearer $token"
  job=$(jq -r .data.jobId "$E2E_DIR/api.json")
  sse_wait 60 "select(.event == \"completed\" and (.data | fromjson | .jobId) == \"$job\")" || {
    sse_follow_stop
    cat "$SSE_OUT"
    return 1
  }
  sse_follow_stop
  sse_job_events "$job" | jq -r .event | uniq -c
  # The backend's `accepted` first (published before the job is queued), then the
  # tokens, the stored answer, completed last.
  [[ $(sse_job_events "$job" | jq -r .event | uniq | paste -sd' ') =~ ^accepted\ ((token )*retrying )*(token )+answer\ completed$ ]]
  answer=$(sse_job_events "$job" | jq -r 'select(.event == "answer") | .data.content')
  [[ -n "$answer" && $(sse_job_events "$job" | jq -sj '(map(.event) | rindex("retrying") // -1) as $r
    | .[$r + 1:][] | select(.event == "token") | .data.text') == "$answer" ]]
  # The same answer is stored, after the question, which comes back inert.
  expect_api 200 OK GET "/api/conversations/$conversation/messages" '' -H "Authorization: Bearer $token"
  jq -e --arg a "$answer" '[.data.items[] | .role] == ["user", "assistant"]
    and .data.items[0].content == "How many days of annual leave do I get? <script>alert(1)</script>"
    and .data.items[1].content == $a' "$E2E_DIR/api.json"
}

# The question just asked (and its conversation's title) are encrypted by the apps in
# PostgreSQL (the suite's .env has a data key, active, as `up` gives a new install), yet
# read back above (the Redis payload: the backend's integration tests).
conversation_data_is_encrypted_at_rest() {
  local plain encrypted
  plain=$(psql_app "SELECT count(*) FROM messages WHERE content LIKE '%annual leave%'
    UNION ALL SELECT count(*) FROM conversations WHERE title = 'Leave policy'" | paste -sd' ')
  encrypted=$(psql_app "SELECT count(*) FROM messages WHERE content LIKE 'pse1:k1:%'")
  echo "rows holding the question or title in plain text: $plain; messages encrypted with k1: $encrypted"
  [[ "$plain" == "0 0" && "$encrypted" -ge 2 ]]
}
# values_holding TEXT — how many keys of Redis have TEXT in their name or in any value
# (strings, hashes, lists, sets, sorted sets, streams), as plain bytes.
readonly REDIS_VALUES_HOLDING_LUA="
local hits, cursor = 0, '0'
local function look(v) if type(v) == 'string' and string.find(v, ARGV[1], 1, true) then hits = hits + 1 end end
repeat
  local page = redis.call('SCAN', cursor, 'COUNT', 1000)
  cursor = page[1]
  for _, key in ipairs(page[2]) do
    look(key)
    local t = redis.call('TYPE', key).ok
    local values = {}
    if t == 'string' then values = { redis.call('GET', key) }
    elseif t == 'hash' then values = redis.call('HGETALL', key)
    elseif t == 'list' then values = redis.call('LRANGE', key, 0, -1)
    elseif t == 'set' then values = redis.call('SMEMBERS', key)
    elseif t == 'zset' then values = redis.call('ZRANGE', key, 0, -1)
    elseif t == 'stream' then
      for _, entry in ipairs(redis.call('XRANGE', key, '-', '+')) do
        for _, v in ipairs(entry[2]) do values[#values + 1] = v end
      end
    end
    for _, v in ipairs(values) do look(v) end
  end
until cursor == '0'
return hits"
values_holding() { protostar_compose exec -T redis redis-cli EVAL "$REDIS_VALUES_HOLDING_LUA" 0 "$1"; }
# A question with a unique marker, asked through the API and answered: the marker is in
# no line of a pg_dump of the database and in no key or value of Redis. The searches can
# fail: the document's title is in the dump and ada's id in Redis, in clear.
marker_question_is_nowhere_in_plain_text() {
  local marker user dump_hits redis_hits
  marker="marker$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')"
  ask_about_leave marker "How many days of paid leave does an employee get, $marker?" >/dev/null || return 1
  protostar_compose exec -T postgres pg_dump -U "$POSTGRES_USER" "$POSTGRES_DB" >"$E2E_DIR/dump.sql"
  dump_hits=$(grep -c "$marker" "$E2E_DIR/dump.sql" || true)
  redis_hits=$(values_holding "$marker")
  user=$(api GET /api/me '' -H "Authorization: Bearer $(cat "$E2E_DIR/ada.token")" | tail -n +2 | jq -r .data.id)
  echo "the marker: in $dump_hits lines of the dump, $redis_hits Redis keys or values; the controls: the title in $(grep -c 'Leave <policy>' "$E2E_DIR/dump.sql") lines, ada's id in $(values_holding "$user") Redis values"
  [[ "$dump_hits" == 0 && "$redis_hits" == 0 ]] && grep -q 'Leave <policy>' "$E2E_DIR/dump.sql" && (($(values_holding "$user") > 0))
}
# An admin's upload goes through nginx and the backend to the embedded object store, and
# the ai-worker ingests it: fetched, chunked, embedded into pgvector, ready.
uploaded_document_is_ingested() {
  local token="$E2E_DIR/root.token" response id status
  login_to "$token" "$PROTOSTAR_ADMIN_EMAIL" "$PROTOSTAR_ADMIN_PASSWORD" >/dev/null
  printf 'Annual leave: every employee has 15 days of paid leave a year.\n\n연차 휴가는 1년에 15일입니다.\n' >"$E2E_DIR/leave.txt"
  response=$(upload "$E2E_DIR/leave.txt" text/plain "$token")
  echo "$response"
  [[ $(head -n 1 <<<"$response") == 201 ]]
  id=$(tail -n +2 <<<"$response" | jq -r .data.document.id)
  echo "$id" >"$E2E_DIR/leave.id"
  for _ in $(seq 1 90); do
    status=$(psql_app "select status from documents where id = '$id'")
    [[ "$status" == ready || "$status" == failed ]] && break
    sleep 2
  done
  psql_app "select status, chunk_count, embedding_model, coalesce(error, '') from documents where id = '$id'"
  [[ "$status" == ready ]]
  [[ $(psql_app "select count(*) from document_chunks where document_id = '$id' and embedding is not null") -ge 1 ]]
  # And the API lists it as ready, its title inert.
  expect_api 200 OK GET "/api/admin/documents/$id" '' -H "Authorization: Bearer $(cat "$token")"
  jq -e '.data.status == "ready" and .data.title == "Leave <policy>"' "$E2E_DIR/api.json"
}
# ask_about_leave NAME QUESTION — asks it as ada, following her events as NAME (each
# follower needs its own name: a stopped one leaves its stop file), and prints the job's
# `answer` event data.
ask_about_leave() {
  local token conversation job
  token=$(cat "$E2E_DIR/ada.token")
  sse_follow_start "$1" "$E2E_DIR/ada.token"
  shift
  expect_api 201 OK POST /api/conversations '{"title":"Leave"}' -H "Authorization: Bearer $token" >&2
  conversation=$(jq -r .data.id "$E2E_DIR/api.json")
  expect_api 202 OK POST "/api/conversations/$conversation/messages" "$(jq -cn --arg m "$1" '{message: $m}')" \
    -H "Authorization: Bearer $token" >&2
  job=$(jq -r .data.jobId "$E2E_DIR/api.json")
  sse_wait 60 "select(.event == \"completed\" and (.data | fromjson | .jobId) == \"$job\")" || {
    sse_follow_stop
    cat "$SSE_OUT" >&2
    return 1
  }
  sse_follow_stop
  sse_job_events "$job" | jq -c 'select(.event == "answer") | .data'
}
# The product's promise: a question about an uploaded document is answered from it over
# SSE, citing it (the offline answerer quotes the passage retrieval found), in English
# and in Korean.
question_about_the_document_gets_a_cited_answer() {
  local id answer
  id=$(cat "$E2E_DIR/leave.id")
  answer=$(ask_about_leave leave-en "How many days of paid leave does an employee get a year?")
  echo "$answer"
  jq -e --arg id "$id" '(.citations | map(.documentId) | index($id)) != null and (.content | contains("15 days"))
    and (.content | test("\\[[0-9]+\\]"))' <<<"$answer"
  answer=$(ask_about_leave leave-ko "연차 휴가는 며칠인가요?")
  echo "$answer"
  jq -e --arg id "$id" '(.citations | map(.documentId) | index($id)) != null and (.content | contains("15일"))' <<<"$answer"
}
wrong_document_type_is_refused() {
  local token="$E2E_DIR/root.token" response
  printf '\x89PNG\r\n\x1a\nnot a pdf' >"$E2E_DIR/fake.pdf"
  response=$(upload "$E2E_DIR/fake.pdf" application/pdf "$token")
  echo "$response"
  [[ $(head -n 1 <<<"$response") == 415 ]]
  tail -n +2 <<<"$response" | jq -e '.resultCode == "UNSUPPORTED_DOCUMENT_TYPE"'
  [[ $(psql_app "select count(*) from documents where filename = 'fake.pdf'") == 0 ]]
}
# --- Dead letters: the operator's commands against the stack's Redis ------------------------
redis_cli() { protostar_compose exec -T redis redis-cli "$@"; }
job_field() { redis_cli HGET "protostar:jobs:job:$1" "$2"; }
job_is() { [[ $(job_field "$1" state) == "$2" ]]; }
# dead_letter_a_job ID — a job the worker dead-letters for real: an ingestion whose
# documentId is not a UUID is not retryable (ai-worker/QUEUE.md), so it dies at its first
# attempt. It is enqueued with the worker's own script, as the backend would.
dead_letter_a_job() {
  local id=$1 payload enqueue
  # Wherever the queue's scripts live in the ai-worker's modules: exactly one enqueue.lua.
  enqueue=$(find "$PROTOSTAR_ROOT/ai-worker" -path '*/src/main/resources/queue/enqueue.lua' -not -path '*/target/*')
  [[ -f "$enqueue" ]]
  payload=$(jq -cn --arg id "$id" '{v: 1, jobId: $id, documentId: "not-a-uuid"}')
  [[ $(redis_cli EVAL "$(<"$enqueue")" 0 protostar:jobs: "$id" ingestion "$payload" 5) == 1 ]]
  wait_until 60 "$id to be dead-lettered" job_is "$id" dead
}
dead_letters_are_listed_replayed_and_purged() {
  local id="e2e-dead-$RANDOM" out
  dead_letter_a_job "$id"
  out=$(protostar jobs dlq list)
  echo "$out"
  grep -qE "^$id +ingestion +1/5 +[0-9T:-]+Z +NonRetryableJobException: documentId 'not-a-uuid' is not a UUID$" <<<"$out"
  grep -q '^1 dead jobs' <<<"$out"
  # Replayed: back in the queue with all its attempts, and the worker runs it again (the
  # same payload dies again, after the replay).
  protostar jobs dlq replay "$id" | grep -x "Replayed $id: it waits in the queue again, with all its attempts."
  [[ $(job_field "$id" replays) == 1 ]]
  wait_until 60 "the replayed $id to run again" job_is "$id" dead
  [[ $(job_field "$id" failedAt) -ge $(job_field "$id" replayedAt) && $(job_field "$id" attempts) == 1 ]]
  refute protostar jobs dlq replay "$id-unknown"
  # Purged: refused without --yes (no terminal), then every dead job and its hash are gone.
  refute protostar jobs dlq purge </dev/null
  [[ $(redis_cli ZCARD protostar:jobs:dead) == 1 ]]
  protostar jobs dlq purge --yes | grep -x 'Purged 1 dead jobs.'
  [[ $(redis_cli ZCARD protostar:jobs:dead) == 0 && $(redis_cli EXISTS "protostar:jobs:job:$id") == 0 ]]
  protostar jobs dlq list | grep -x 'The dead-letter store is empty.'
}
object_store_runs_embedded() { [[ $(container_health object-store) == healthy ]]; }
login_guessing_is_rate_limited() {
  local _
  for _ in $(seq 1 12); do
    api POST /api/auth/login '{"email":"ada@example.com","password":"wrong-password-guess"}' | sed -n 1p # reads it all: head would break the pipe
  done | tee "$E2E_DIR/guesses.log" | sort | uniq -c
  grep -qx 429 "$E2E_DIR/guesses.log"
  expect_api 429 RATE_LIMITED POST /api/auth/login '{"email":"ada@example.com","password":"wrong-password-guess"}'
  curl -sS -o /dev/null -D - --cacert "$TLS_DIR/tls.crt" -H 'Content-Type: application/json' \
    --data-binary '{"email":"ada@example.com","password":"x"}' "https://localhost:$HTTPS_PORT/api/auth/login" |
    grep -iE '^retry-after: [0-9]+'
}

# --- Services --------------------------------------------------------------------------------
status_reports_healthy_blue() {
  protostar status | tee "$E2E_DIR/status.log"
  grep -q 'Active colour: blue' "$E2E_DIR/status.log"
}
doctor_finds_nothing_wrong() {
  local service
  protostar doctor | tee "$E2E_DIR/doctor.log" || return 1
  if grep -q '^FAIL' "$E2E_DIR/doctor.log"; then return 1; fi
  for service in postgres redis nginx ai-worker backend-blue object-store; do
    grep -qx "ok    $service: running, healthy" "$E2E_DIR/doctor.log" || return 1
  done
  grep -q "^ok    certificate: valid until" "$E2E_DIR/doctor.log" &&
    grep -q "changes *$E2E_DIR/state/audit.log" "$E2E_DIR/doctor.log"
}
# With the apps stopped (the checks before) and an expired certificate in TLS_DIR (nginx
# keeps the one it loaded; the real one is put back after): each is named, exit 1.
doctor_names_what_is_broken() {
  local rc=0
  "$PROTOSTAR_ROOT/scripts/test/expired-certificate.sh" "$E2E_DIR/expired"
  cp "$TLS_DIR/tls.crt" "$E2E_DIR/expired/kept.crt"
  cp "$E2E_DIR/expired/tls.crt" "$TLS_DIR/tls.crt"
  protostar doctor >"$E2E_DIR/doctor-broken.log" 2>&1 || rc=$?
  cp "$E2E_DIR/expired/kept.crt" "$TLS_DIR/tls.crt"
  cat "$E2E_DIR/doctor-broken.log"
  ((rc == 1)) &&
    grep -q "^FAIL  certificate: $TLS_DIR/tls.crt expired on Jan  2 00:00:00 2020 GMT" "$E2E_DIR/doctor-broken.log" &&
    grep -q "^FAIL  backend-blue: exited: protostar logs backend-blue" "$E2E_DIR/doctor-broken.log" &&
    grep -q "^FAIL  ai-worker: exited: protostar logs ai-worker" "$E2E_DIR/doctor-broken.log" &&
    grep -q "^ok    postgres: running, healthy" "$E2E_DIR/doctor-broken.log"
}
worker_healthy() { [[ $(container_health ai-worker) == healthy ]]; }
idle_color_not_running() { [[ -z $(protostar_compose ps --quiet backend-green) ]]; }
# The JVM ignores an archive it cannot use without failing: mapped, it is used.
backend_maps_its_archive() {
  [[ $(protostar_compose exec -T backend-blue grep -c 'application\.jsa' /proc/1/maps) -ge 1 ]]
}
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
  expected="nginx $(printf '127.0.0.1:%s\n' "$HTTP_PORT" "$HTTPS_PORT" "$METRICS_PORT" | sort | paste -sd' ')"
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

# --- The first administrator's setup link -----------------------------------------------
# As on a fresh install without PROTOSTAR_ADMIN_EMAIL: with no admin, `up` prints a
# one-time link; it creates an admin once, a second use is refused, and the token reaches
# no log. The suite's bootstrap admin (and any other) is set aside meanwhile, restored after.
setup_link_from_up_creates_an_admin_once() {
  local admins result=0
  admins=$(psql_app "select coalesce(string_agg(quote_literal(id::text), ','), '') from users where tier = 'ADMIN'")
  [[ -n "$admins" ]] || return 1
  psql_app "update users set tier = 'GUEST' where id in ($admins)" >/dev/null
  use_the_setup_link_up_prints || result=$?
  psql_app "update users set tier = 'ADMIN' where id in ($admins)" >/dev/null
  return "$result"
}
use_the_setup_link_up_prints() {
  local link token body
  protostar up --offline >"$E2E_DIR/up-setup.log" 2>&1
  link=$(grep -oE "https://localhost:$HTTPS_PORT/setup#token=[0-9a-f]{64}$" "$E2E_DIR/up-setup.log")
  token=${link##*#token=}
  body='{"token":"'"$token"'","email":"first-admin@example.com","password":"first-admin-password","displayName":"First"}'
  expect_api 201 OK POST /api/auth/setup "$body"
  jq -e '.data.user.tier == "ADMIN"' "$E2E_DIR/api.json"
  expect_api 200 OK GET /api/admin/invites '' -H "Authorization: Bearer $(jq -r .data.accessToken "$E2E_DIR/api.json")"
  expect_api 403 SETUP_LINK_INVALID POST /api/auth/setup "${body/first-admin@/second-admin@}"
  [[ $(psql_app "select count(*) from users where email = 'second-admin@example.com'") == 0 ]]
  # Only the hash is stored, and the token is in no container's log.
  [[ $(psql_app "select count(*) from setup_links where token_hash = encode(sha256('$token'::bytea), 'hex')") == 1 ]]
  ! protostar_compose logs --no-color 2>&1 | grep -qF "$token"
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
# line_of PATTERN FILE — the number of the first line matching PATTERN (ERE), or fails.
line_of() { grep -nE -m 1 "$1" "$2" | cut -d: -f1 | grep .; }
# Stopped while it embeds a long document (600 chunks: about 10 s on an idle machine, well
# inside the 45 s the worker waits; 120 chunks were done in 2 s, before the stop arrived):
# the worker takes no new job, lets the running one finish (the document becomes ready) and only then stops; nothing is handed back.
worker_shuts_down_gracefully() {
  local id response doc stopping finished stopped since
  id=$(protostar_compose ps -q ai-worker)
  awk 'BEGIN { for (i = 1; i <= 6000; i++) printf "Rule %d: an employee in team %d may carry over %d days of leave, noted by %d.\n", i, i % 17, i % 30, i * 7 }' \
    >"$E2E_DIR/long.txt"
  response=$(upload "$E2E_DIR/long.txt" text/plain "$E2E_DIR/root.token")
  echo "upload: $(head -n 1 <<<"$response")"
  [[ $(head -n 1 <<<"$response") == 201 ]]
  doc=$(tail -n +2 <<<"$response" | jq -r .data.document.id)
  wait_until 60 "the ai-worker to embed $doc" document_is "$doc" embedding
  # The log from this stop on: an earlier check stopped and started the same container.
  since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  protostar_compose stop ai-worker
  [[ $(docker inspect -f '{{.State.ExitCode}}' "$id") =~ ^(0|143)$ ]]
  protostar_compose logs --no-log-prefix --since "$since" ai-worker >"$E2E_DIR/worker.log"
  grep -E 'Job worker .* (stopping|stopped$|jobs did not finish)|\(long.txt\) ready: ' "$E2E_DIR/worker.log" || true
  stopping=$(line_of 'Job worker .* stopping: no new jobs, [1-9][0-9]* running' "$E2E_DIR/worker.log")
  finished=$(line_of "Job ingest-$doc-[0-9]+: document $doc \(long.txt\) ready: " "$E2E_DIR/worker.log")
  stopped=$(line_of 'Job worker .* stopped$' "$E2E_DIR/worker.log")
  ((stopping < finished && finished < stopped))
  refute grep -q 'did not finish within' "$E2E_DIR/worker.log"
  [[ $(document_status "$doc") == ready ]]
}

# --- Least privilege between the services (issue 14) -------------------------------------------
# container_env SERVICE — the container's environment, VAR=value a line.
container_env() { docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$(protostar_compose ps -q "$1")"; }
worker_has_no_jwt_secret() {
  local backend worker
  backend=$(container_env backend-blue)
  worker=$(container_env ai-worker)
  grep -q '^JWT_SECRET=.' <<<"$backend"
  ! grep -E '^(JWT_SECRET|PROTOSTAR_ADMIN_[A-Z]+|SPRING_FLYWAY_[A-Z]+)=' <<<"$worker" || return 1
  grep -qx 'POSTGRES_USER=protostar_worker' <<<"$worker"
}
no_client_connection_is_a_superusers() {
  local sessions
  sessions=$(psql_app "SELECT a.usename || ' ' || u.usesuper FROM pg_stat_activity a JOIN pg_user u ON u.usesysid = a.usesysid
    WHERE a.backend_type = 'client backend' AND a.pid <> pg_backend_pid() ORDER BY 1")
  sort -u <<<"$sessions"
  # both apps are connected, each as its own role, and none as a superuser (the metrics
  # exporter, when it is, as its own too)
  grep -qx 'protostar_backend false' <<<"$sessions"
  grep -qx 'protostar_worker false' <<<"$sessions"
  ! grep -q ' true$' <<<"$sessions" || return 1
  [[ $(psql_app "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'protostar\\_%' AND NOT rolsuper") == 4 ]]
  # the exporter's role reads statistics (pg_monitor), no table
  [[ $(psql_app "SELECT pg_has_role('protostar_monitor', 'pg_monitor', 'USAGE')
    AND NOT has_table_privilege('protostar_monitor', 'public.users', 'SELECT')") == t ]]
  # the schema belongs to the owner role, not to the superuser
  [[ $(psql_app "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'") == protostar_owner ]]
}
# redis_as USER PASSWORD ARG... — redis-cli in the redis container as USER; the password
# travels in the environment (REDISCLI_AUTH), never on a command line.
redis_as() {
  local user=$1
  REDISCLI_AUTH=$2 protostar_compose exec -T -e REDISCLI_AUTH redis redis-cli --user "$user" "${@:3}" 2>&1
}
worker_cannot_read_refresh_tokens() {
  local key reply
  key=$(protostar_compose exec -T redis redis-cli --scan --pattern 'protostar:refresh:token:*' | head -n 1)
  echo "refresh token key: $key"
  [[ -n "$key" ]]
  reply=$(redis_as worker "$REDIS_WORKER_PASSWORD" HGETALL "$key")
  echo "worker HGETALL: $reply"
  [[ "$reply" == NOPERM* ]]
  reply=$(redis_as worker "$REDIS_WORKER_PASSWORD" GET "$key")
  echo "worker GET: $reply"
  [[ "$reply" == NOPERM* ]]
  reply=$(redis_as worker "$REDIS_WORKER_PASSWORD" EVAL "return redis.call('HGETALL', ARGV[1])" 0 "$key")
  echo "worker EVAL: $reply"
  [[ "$reply" == *"No permissions"* ]]
  # the backend reads it; the worker its queue
  redis_as backend "$REDIS_BACKEND_PASSWORD" HGET "$key" state | grep -xE 'active|rotated'
  redis_as worker "$REDIS_WORKER_PASSWORD" HGETALL protostar:jobs:stats | grep -qx enqueued
}
no_password_in_redis_command_line() {
  local pw
  docker top "$(protostar_compose ps -q redis)" -eo pid,args | tee "$E2E_DIR/redis-top.txt"
  grep -q 'redis-server' "$E2E_DIR/redis-top.txt"
  ps -eo args >"$E2E_DIR/ps.txt"
  for pw in "$REDIS_PASSWORD" "$REDIS_BACKEND_PASSWORD" "$REDIS_WORKER_PASSWORD"; do
    ! grep -qF -- "$pw" "$E2E_DIR/redis-top.txt" "$E2E_DIR/ps.txt" || return 1
  done
  # and the users file it reads holds hashes only
  ! grep -qF -- "$REDIS_PASSWORD" "$STATE_DIR/redis/users.acl" || return 1
}
# nginx_envelope STATUS CODE HEADERS BODY — nginx's own error, not a backend's: STATUS, JSON
# with resultCode CODE, the security headers, and no X-Protostar-Backend.
nginx_envelope() {
  cat "$3" "$4"
  head -n 1 "$3" | grep -q " $1"
  grep -qi '^content-type: application/json' "$3"
  grep -qi '^strict-transport-security: max-age=' "$3"
  grep -qi '^x-content-type-options: nosniff' "$3"
  ! grep -qi '^x-protostar-backend:' "$3" || return 1
  jq -e --arg c "$2" '.resultCode == $c and .data == null and (.message | length > 0)' "$4"
}
oversize_body_gets_413_envelope() {
  head -c 3000000 /dev/zero | tr '\0' a | sed 's/^/{"title":"/; s/$/"}/' >"$E2E_DIR/3mb.json"
  curl -sS --cacert "$TLS_DIR/tls.crt" -o "$E2E_DIR/413.body" -D "$E2E_DIR/413.headers" -X POST \
    -H 'Content-Type: application/json' -H "Authorization: Bearer $(cat "$E2E_DIR/ada.token")" \
    --data-binary "@$E2E_DIR/3mb.json" "https://localhost:$HTTPS_PORT/api/conversations"
  nginx_envelope 413 PAYLOAD_TOO_LARGE "$E2E_DIR/413.headers" "$E2E_DIR/413.body"
}
# More than NGINX_RATE_BURST requests at once from one address: those past it get nginx's
# own 429 before any backend sees them (the others reach the backend, which answers 401
# or its own 429: both carry X-Protostar-Backend). /nginx-health would not do: its
# `return` runs before the limit is checked.
flood_limit_gets_429_envelope() {
  local dir="$E2E_DIR/flood" n line body
  mkdir -p "$dir"
  for n in $(seq 1 600); do
    printf 'url = "https://localhost:%s/api/me"\noutput = "%s/%s.body"\n' "$HTTPS_PORT" "$dir" "$n"
  done >"$dir/requests.curl"
  # One line per answer (dump-header would be one file for all): status|backend|type|
  # Retry-After|HSTS|nosniff|body file.
  curl -sS --cacert "$TLS_DIR/tls.crt" --parallel --parallel-max 100 -K "$dir/requests.curl" \
    -w '%{http_code}|%header{x-protostar-backend}|%{content_type}|%header{retry-after}|%header{strict-transport-security}|%header{x-content-type-options}|%{filename_effective}\n' \
    >"$dir/answers"
  cut -d'|' -f1,2 "$dir/answers" | sed 's/|blue .*/|blue/' | sort | uniq -c
  line=$(grep -m 1 '^429||' "$dir/answers") || { echo "no 429 from nginx itself" && return 1; }
  echo "$line"
  IFS='|' read -r _ _ type retry hsts nosniff body <<<"$line"
  [[ "$type" == application/json && "$retry" == 1 && "$hsts" == max-age=* && "$nosniff" == nosniff ]]
  jq -e '.resultCode == "RATE_LIMITED" and .data == null and (.message | length > 0)' "$body"
  sleep 3 # the bucket refills (NGINX_RATE_LIMIT a second) before the next check
}

# nginx with this stack's configuration and an active colour that does not exist: what a
# client gets when no backend can be reached (502), without stopping this stack's.
unreachable_backend_gets_502_envelope() {
  local dir="$E2E_DIR/nginx-502" id
  mkdir -p "$dir"
  # shellcheck disable=SC2016 # nginx's variables
  printf 'split_clients "${request_id}" $protostar_backend {\n  * backend-nowhere;\n}\n' >"$dir/active-backend.conf"
  chmod -R a+rX "$dir"
  id=$(docker run -d --network "${E2E_PROJECT}_internal" -e PUBLIC_HOSTNAME=localhost -e PUBLIC_HTTPS_PORT=443 \
    -e NGINX_RATE_LIMIT=100 -e NGINX_RATE_BURST=200 \
    -v "$PROTOSTAR_ROOT/nginx/production/nginx.conf:/etc/nginx/nginx.conf:ro" \
    -v "$PROTOSTAR_ROOT/nginx/production/templates:/etc/nginx/templates:ro" \
    -v "$TLS_DIR:/etc/nginx/tls:ro" -v "$dir:/etc/nginx/protostar:ro" \
    "$(docker inspect -f '{{.Config.Image}}' "$(protostar_compose ps -q nginx)")")
  local status=0
  sleep 2
  docker exec "$id" curl -sSk --resolve localhost:443:127.0.0.1 -o /tmp/502.body -D /tmp/502.headers \
    https://localhost/api/conversations || status=1
  docker exec "$id" cat /tmp/502.headers >"$dir/headers" || status=1
  docker exec "$id" cat /tmp/502.body >"$dir/body" || status=1
  docker rm -f "$id" >/dev/null
  ((status == 0)) && nginx_envelope 502 SERVICE_UNAVAILABLE "$dir/headers" "$dir/body"
}

# The web app in headless chromium (Selenium, backend/browser-tests/) against this stack: an
# admin's upload seen ready, a new employee's streamed answer citing it, the passage
# dialog, markup kept inert, the 360 px and desktop layouts; screenshots in
# backend/browser-tests/target/screenshots. The page gets a dead letter to show and replay,
# and a setup link from `protostar admin reset-link` to create an admin with (a link works
# whether an admin exists or not). Not in the fresh tier's inner run (PROTOSTAR_FRESH_MACHINE):
# there it would only repeat this run's browser and Maven work at the cost of minutes.
web_app_in_a_real_browser() {
  local dead="e2e-browser-dead-$RANDOM" link status=0
  dead_letter_a_job "$dead"
  link=$(protostar admin reset-link | grep -oE "https://localhost:$HTTPS_PORT/setup#token=[0-9a-f]{64}$")
  local mvn=("$PROTOSTAR_ROOT/mvnw" -B -q -pl backend/browser-tests test
    "-Dprotostar.browser.base-url=https://localhost:$HTTPS_PORT"
    "-Dprotostar.browser.admin-email=$PROTOSTAR_ADMIN_EMAIL"
    "-Dprotostar.browser.admin-password=$PROTOSTAR_ADMIN_PASSWORD"
    "-Dprotostar.browser.dead-letter=$dead")
  # The link holds a secret: it goes in the environment, not on Maven's command line (ps).
  (cd "$PROTOSTAR_ROOT" && PROTOSTAR_BROWSER_SETUP_LINK=$link "${mvn[@]}") || status=1
  # The page replayed the job, which dies again; the queue is left empty of dead jobs for
  # the dead-letter check below.
  wait_until 60 "the replayed $dead to die again" job_is "$dead" dead || status=1
  [[ $(job_field "$dead" replays) == 1 ]] || status=1
  protostar jobs dlq purge --yes >/dev/null || status=1
  ((status == 0)) || return 1
  ls "$PROTOSTAR_ROOT/backend/browser-tests/target/screenshots"
  [[ -s "$PROTOSTAR_ROOT/backend/browser-tests/target/screenshots/answer-desktop.png" ]]
}
# The page and its files through nginx: the page never cached, the files for a year.
web_app_served_through_nginx() {
  local page module
  https_headers / | tee "$E2E_DIR/index.headers"
  grep -qi '^cache-control: no-cache' "$E2E_DIR/index.headers"
  grep -qi "^content-security-policy: default-src 'self'" "$E2E_DIR/index.headers"
  page=$(curl -fsS --cacert "$TLS_DIR/tls.crt" "https://localhost:$HTTPS_PORT/")
  module=$(grep -oE '/assets/[0-9a-f]{12}/app\.js' <<<"$page")
  https_headers "$module" | tee "$E2E_DIR/module.headers"
  grep -qi '^cache-control: max-age=31536000, public, immutable' "$E2E_DIR/module.headers"
  # compressed for a browser that accepts it, to the same bytes; JSON never (BREACH)
  curl -fsS --cacert "$TLS_DIR/tls.crt" -H 'Accept-Encoding: gzip' -D "$E2E_DIR/module-gzip.headers" \
    -o "$E2E_DIR/app.js.gz" "https://localhost:$HTTPS_PORT$module"
  grep -qi '^content-encoding: gzip' "$E2E_DIR/module-gzip.headers"
  echo "app.js: $(stat -c %s "$E2E_DIR/app.js.gz") bytes compressed, $(gzip -dc "$E2E_DIR/app.js.gz" | wc -c) plain"
  cmp <(gzip -dc "$E2E_DIR/app.js.gz") <(https_get "$module")
  curl -fsS --cacert "$TLS_DIR/tls.crt" -H 'Accept-Encoding: gzip' -D "$E2E_DIR/openapi.headers" -o /dev/null \
    "https://localhost:$HTTPS_PORT/api/openapi.json"
  ! grep -qi '^content-encoding' "$E2E_DIR/openapi.headers"
}
# --- Accounts and access hold up (issue 14) -------------------------------------------------
# auth_api METHOD PATH [JSON] [curl options...] — api, waiting out the per-address login
# limit (these checks come after the guessing check, which spends it): a 429 is retried
# five seconds later, for at most 90 s.
auth_api() {
  local response deadline=$((SECONDS + 90))
  while :; do
    response=$(api "$@")
    if [[ $(head -n 1 <<<"$response") != 429 ]] || ((SECONDS >= deadline)); then break; fi
    sleep 5
  done
  printf '%s\n' "$response"
}
# expect_auth STATUS RESULT-CODE METHOD PATH [JSON] [curl options...] — expect_api through auth_api.
expect_auth() {
  local status=$1 code=$2 response
  shift 2
  response=$(auth_api "$@")
  echo "$1 $2 -> $(head -c 300 <<<"$response")"
  tail -n +2 <<<"$response" >"$E2E_DIR/api.json"
  [[ $(head -n 1 <<<"$response") == "$status" ]] && jq -e --arg c "$code" '.resultCode == $c' "$E2E_DIR/api.json"
}
# admin_login — the bootstrap admin's access token on stdout (the call's log on stderr).
admin_login() {
  expect_auth 200 OK POST /api/auth/login "{\"email\":\"$PROTOSTAR_ADMIN_EMAIL\",\"password\":\"$PROTOSTAR_ADMIN_PASSWORD\"}" >&2
  jq -r .data.accessToken "$E2E_DIR/api.json"
}
# An admin demoted by another: the token it holds gets 403 on every admin endpoint at
# once, without waiting for the token to expire.
demoted_admin_gets_403_everywhere() {
  local root grace grace_id nobody=00000000-0000-0000-0000-000000000000 endpoint method path
  root=$(admin_login)
  expect_auth 201 OK POST /api/auth/signup '{"email":"grace@example.com","password":"grace-password-1","displayName":"Grace"}'
  grace_id=$(jq -r .data.user.id "$E2E_DIR/api.json")
  expect_api 200 OK PATCH "/api/admin/users/$grace_id/tier" '{"tier":"ADMIN"}' -H "Authorization: Bearer $root"
  expect_auth 200 OK POST /api/auth/login '{"email":"grace@example.com","password":"grace-password-1"}'
  grace=$(jq -r .data.accessToken "$E2E_DIR/api.json")
  expect_api 200 OK GET /api/admin/documents '' -H "Authorization: Bearer $grace"
  expect_api 200 OK PATCH "/api/admin/users/$grace_id/tier" '{"tier":"GUEST"}' -H "Authorization: Bearer $root"
  # The upload takes multipart only (JSON gets 415 before any handler is chosen): a real file.
  printf '%s\n' "$grace" >"$E2E_DIR/grace.token"
  printf 'A demoted admin may not upload this.\n' >"$E2E_DIR/demoted.txt"
  upload "$E2E_DIR/demoted.txt" text/plain "$E2E_DIR/grace.token" | tee "$E2E_DIR/demoted-upload"
  [[ $(head -n 1 "$E2E_DIR/demoted-upload") == 403 ]]
  tail -n +2 "$E2E_DIR/demoted-upload" | jq -e '.resultCode == "FORBIDDEN"'
  for endpoint in "GET /api/admin/documents" "GET /api/admin/documents/$nobody" \
    "POST /api/admin/documents/$nobody/reindex" "DELETE /api/admin/documents/$nobody" "GET /api/admin/audit" \
    "PATCH /api/admin/users/$grace_id/tier" "DELETE /api/admin/users/$grace_id/sessions"; do
    read -r method path <<<"$endpoint"
    expect_api 403 FORBIDDEN "$method" "$path" '{"tier":"ADMIN"}' -H "Authorization: Bearer $grace"
  done
  [[ $(psql_app "select tier from users where id = '$grace_id'") == GUEST ]]
}
# Two sessions of one user; a password change in one ends the other: its access token
# and its refresh token get 401, the changing session's new tokens work.
password_change_ends_the_other_session() {
  local other_access other_refresh access
  expect_auth 201 OK POST /api/auth/signup '{"email":"linus@example.com","password":"linus-password-1","displayName":"Linus"}'
  other_access=$(jq -r .data.accessToken "$E2E_DIR/api.json")
  other_refresh=$(jq -r .data.refreshToken "$E2E_DIR/api.json")
  expect_auth 200 OK POST /api/auth/login '{"email":"linus@example.com","password":"linus-password-1"}'
  access=$(jq -r .data.accessToken "$E2E_DIR/api.json")
  expect_api 200 OK GET /api/me '' -H "Authorization: Bearer $other_access"
  expect_auth 200 OK POST /api/me/password '{"currentPassword":"linus-password-1","newPassword":"linus-password-2"}' \
    -H "Authorization: Bearer $access"
  access=$(jq -r .data.accessToken "$E2E_DIR/api.json")
  expect_api 401 TOKEN_REVOKED GET /api/me '' -H "Authorization: Bearer $other_access"
  expect_auth 401 INVALID_REFRESH_TOKEN POST /api/auth/refresh "{\"refreshToken\":\"$other_refresh\"}"
  expect_api 200 OK GET /api/me '' -H "Authorization: Bearer $access"
}
# Redis paused (frozen, not gone: connections hang): a right and a wrong password get
# the same 503 envelope, so the outage tells nothing about the password.
redis_paused_logins_answer_the_same_503() {
  local redis right wrong token
  # The token from the suite's start: a login here would be the address's tenth in a
  # minute, after the checks before, and wait out the login limit (some 35 s).
  token=$(cat "$E2E_DIR/root.token")
  redis=$(protostar_compose ps -q redis)
  docker pause "$redis" >/dev/null
  trap 'docker unpause "$redis" >/dev/null 2>&1 || true' EXIT
  right=$(api POST /api/auth/login "{\"email\":\"$PROTOSTAR_ADMIN_EMAIL\",\"password\":\"$PROTOSTAR_ADMIN_PASSWORD\"}")
  wrong=$(api POST /api/auth/login "{\"email\":\"$PROTOSTAR_ADMIN_EMAIL\",\"password\":\"not-the-password\"}")
  docker unpause "$redis" >/dev/null
  trap - EXIT
  echo "right: $right"
  echo "wrong: $wrong"
  [[ $(head -n 1 <<<"$right") == 503 ]]
  tail -n +2 <<<"$right" | jq -e '.resultCode == "SERVICE_UNAVAILABLE" and .data == null'
  [[ "$right" == "$wrong" ]]
  wait_until 60 "redis healthy again" redis_healthy
  # Polled with the token from before: polling logins would spend this address's login
  # allowance (10 a minute) and leave the next checks waiting it out.
  wait_until 60 "the backend counting in Redis again" signed_in_request_is_counted "$token"
  expect_auth 200 OK POST /api/auth/login "{\"email\":\"$PROTOSTAR_ADMIN_EMAIL\",\"password\":\"$PROTOSTAR_ADMIN_PASSWORD\"}"
}
redis_healthy() { [[ $(container_health redis) == healthy ]]; }
# signed_in_request_is_counted TOKEN — a signed-in call answers 200 and its per-user limit
# was counted in Redis (remaining below the limit; without Redis the limit fails open and
# reports the whole limit remaining).
signed_in_request_is_counted() {
  local headers limit remaining
  headers=$(curl -sS -o /dev/null -D - --cacert "$TLS_DIR/tls.crt" -H "Authorization: Bearer $1" \
    "https://localhost:$HTTPS_PORT/api/me" | tr -d '\r') || return 1
  limit=$(sed -n 's/^ratelimit-limit: *//Ip' <<<"$headers")
  remaining=$(sed -n 's/^ratelimit-remaining: *//Ip' <<<"$headers")
  [[ $(head -n 1 <<<"$headers") == HTTP/*" 200"* && "$limit" =~ ^[0-9]+$ && "$remaining" =~ ^[0-9]+$ ]] &&
    ((remaining < limit))
}
# A login shows up in the audit, with who and from where.
login_is_in_the_audit() {
  local token admin_id
  expect_auth 401 INVALID_CREDENTIALS POST /api/auth/login "{\"email\":\"$PROTOSTAR_ADMIN_EMAIL\",\"password\":\"a-wrong-guess\"}"
  token=$(admin_login)
  admin_id=$(jq -r .data.user.id "$E2E_DIR/api.json")
  expect_api 200 OK GET "/api/admin/audit?user=$admin_id&action=LOGIN&size=1" '' -H "Authorization: Bearer $token"
  jq -e --arg id "$admin_id" '.data.items[0] | .subjectUserId == $id and .actorUserId == $id
    and (.clientAddress | length > 0) and (.requestId | length > 0)' "$E2E_DIR/api.json"
  # and a failed one, with the e-mail tried and no password
  expect_api 200 OK GET "/api/admin/audit?user=$admin_id&action=LOGIN_FAILED&size=1" '' -H "Authorization: Bearer $token"
  jq -e --arg e "$PROTOSTAR_ADMIN_EMAIL" '.data.items[0].detail == {email: $e}' "$E2E_DIR/api.json"
  refute grep -q a-wrong-guess "$E2E_DIR/api.json"
}

e2e_setup production
trap 'status=$?; stop_management_monitoring; remove_drill; e2e_teardown $status' EXIT
e2e_with_admin

check "up starts the stack and prints the URL" up_prints_url
check "HTTPS through nginx reaches the backend: /api/health answers the envelope" health_envelope_through_nginx
check "the response names the colour and version that served it" response_names_color_and_version
check "plain HTTP redirects to HTTPS on the published port" http_redirects_to_https
check "the certificate is the generated self-signed one for PUBLIC_HOSTNAME" certificate_is_generated_for_hostname
check "through nginx the actuator answers health (status only); every other endpoint is 404" actuator_closed_to_users_but_health
check "sign up, then /api/me with the access token; injection strings come back inert" signup_and_me
check "/api/me without a token: 401 envelope with WWW-Authenticate: Bearer" me_without_token_is_401_envelope
check "malformed JSON, unknown fields, unknown path, wrong method, bad token, oversize body: 4xx envelopes" bad_requests_get_4xx_envelopes
check "refresh rotates the token; reusing the old one revokes the family" refresh_rotates_and_reuse_revokes_the_family
check "the bootstrap admin promotes a user; a user cannot" bootstrap_admin_promotes_a_user
check "ask a question: 202, then its events over SSE; the tokens spell the stored answer" ask_and_receive_the_answer_over_sse
check "conversation data is encrypted at rest: no question or title in plain text in PostgreSQL" conversation_data_is_encrypted_at_rest
check "the embedded object store runs and is healthy" object_store_runs_embedded
check "an admin's upload is stored and ingested by the ai-worker: chunks with vectors, status ready" uploaded_document_is_ingested
check "a question about the uploaded document is answered over SSE, citing it (English and Korean)" question_about_the_document_gets_a_cited_answer
check "a question with a unique marker is in neither a pg_dump nor any Redis key or value" marker_question_is_nowhere_in_plain_text
check "the web app: / is the page (no-cache, with the CSP), its files cached for a year and gzipped" web_app_served_through_nginx
if [[ -z "${PROTOSTAR_FRESH_MACHINE:-}" ]]; then
  check "the web app in headless chromium: upload, streamed cited answer, inert markup, layouts, conversations, feedback, admin pages, Korean" web_app_in_a_real_browser
fi
check "a PNG sent as a PDF is refused (415 envelope) and nothing is stored" wrong_document_type_is_refused
check "password guessing from one address is rate limited: 429 with Retry-After" login_guessing_is_rate_limited
check "a job the worker rejects is dead-lettered; jobs dlq lists, replays (it runs again) and purges it" dead_letters_are_listed_replayed_and_purged
check "status reports every service healthy and the active colour" status_reports_healthy_blue
check "doctor on the healthy stack: every check passes, the logs' places are printed" doctor_finds_nothing_wrong
check "the ai-worker is healthy" worker_healthy
check "the idle colour is not running (one colour receives traffic)" idle_color_not_running
check "the backend colour started from its class data sharing archive (mapped)" backend_maps_its_archive
check "PostgreSQL has the vector extension in the application database" vector_extension_present
check "vectors work: cosine distance of orthogonal vectors is 1" vectors_work
check "Redis requires its password" redis_requires_password
check "Redis runs with AOF and noeviction" redis_aof_noeviction
check "only nginx publishes ports, and only on BIND_ADDRESS" only_nginx_publishes
check "the app containers run as a non-root user" apps_run_as_non_root
# The fresh tier's inner run (PROTOSTAR_FRESH_MACHINE) stops here: the stack came up as
# the README says and answers, with the tools the test command installed. What follows
# (settings refused, access, outages, shutdowns) needs no other tool, and the outer run
# has just passed it on the same checkout; it would add some two minutes.
if [[ -n "${PROTOSTAR_FRESH_MACHINE:-}" ]]; then
  e2e_summary
  exit
fi
check "the metrics listener refuses every address until METRICS_ALLOW names one (403)" metrics_listener_refuses_everyone_by_default
check "Prometheus (management config) scrapes every production target through the listener; the idle colour is down" prometheus_scrapes_every_production_target
check "the listener refuses another address (403), no password and a wrong one (401)" metrics_listener_refuses_others
check "every metric the alert rules and the dashboards use is in the live scrape" alert_rules_use_only_scraped_metrics
check "each container's memory, CPU and network figures reach Prometheus (container-metrics)" container_figures_in_prometheus
# The queue-wait drill's minute of waiting is spent on the fault drill. Not the
# target-down drill: its alert and the stopped worker's would share one notification
# group, whose Slack title stays FIRING while the worker is away.
check "a stopped ai-worker, a question waiting for it (the queue-wait drill starts)" queue_wait_drill_starts
check "the fault drill on the idle colour: its 5xx alert reaches the receiver, the active colour's does not fire" new_colour_errors_fire_its_5xx_alert
remove_drill
check "the queue-wait alert reaches the receiver (webhook and Slack), resolves when the worker is back" queue_wait_alert_fires_and_resolves
check "a stopped exporter: target-down reaches the receiver naming the job, and resolves" stopped_target_fires_target_down
check "up run twice is harmless: nothing is recreated" up_twice_is_harmless
check "with no admin, up prints a setup link: it creates an admin once, a second use is refused" setup_link_from_up_creates_an_admin_once
check "a malformed variable stops up before anything starts, naming it" malformed_variable_named
check "a missing variable stops up before anything starts, naming it" missing_variable_named
check "a port already in use is reported as such" port_in_use_reported
check "the ai-worker's container has no JWT_SECRET (nor admin or migration settings)" worker_has_no_jwt_secret
check "no client connection to PostgreSQL is a superuser's; the apps use their own roles" no_client_connection_is_a_superusers
check "the worker's Redis user cannot read a refresh token (NOPERM); the backend's can" worker_cannot_read_refresh_tokens
check "no Redis password on a command line (ps, docker top) or in the users file" no_password_in_redis_command_line
# Before the flood check: its 600 anonymous requests use up this address's anonymous
# minute at the backend, and a revoked token is anonymous to the rate limiter.
check "an admin demoted by another gets 403 on every admin endpoint at once, with its old token" demoted_admin_gets_403_everywhere
check "a password change ends the other session: its access and refresh tokens get 401" password_change_ends_the_other_session
check "Redis paused: a right and a wrong password get the same 503 envelope; all well after unpause" redis_paused_logins_answer_the_same_503
check "a login and a failed login show up in GET /api/admin/audit" login_is_in_the_audit
check "a 3 MB body to /api/conversations gets nginx's 413 as a JSON envelope" oversize_body_gets_413_envelope
check "past nginx's flood limit, /api/ gets a 429 JSON envelope with Retry-After" flood_limit_gets_429_envelope
check "no backend reachable: nginx's 502 on /api/ is a JSON envelope" unreachable_backend_gets_502_envelope
# The worker's first: its job comes through the backend.
check "the ai-worker stopped mid-job lets the job finish, then stops; nothing handed back" worker_shuts_down_gracefully
check "the backend shuts down gracefully on stop" backend_shuts_down_gracefully
check "doctor on a broken stack names the stopped apps and an expired certificate, exit 1" doctor_names_what_is_broken

e2e_summary
