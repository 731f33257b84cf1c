# shellcheck shell=bash
# The keys that encrypt conversation data at rest (compose/README.md, "Conversation data
# encryption"): which ones .env and each running app hold, and which ones the stored
# values use, in PostgreSQL and in Redis. Read-only; `protostar keys` changes them.
# Needs load_config (config.sh).

# shellcheck source=scripts/lib/containers.sh
source "$PROTOSTAR_ROOT/scripts/lib/containers.sh"

# key_ids KEYS — the ids of a DATA_ENCRYPTION_KEYS value (id:base64,...), one a line, in
# its order; never a key.
key_ids() {
  local entry
  local -a entries
  IFS=, read -ra entries <<<"$1"
  for entry in "${entries[@]}"; do
    entry=${entry// /}
    [[ -z "$entry" ]] || printf '%s\n' "${entry%%:*}"
  done
}

# joined_ids — stdin's lines joined with ", ", or "none".
joined_ids() {
  local ids
  ids=$(paste -sd, - | sed 's/,/, /g')
  printf '%s\n' "${ids:-none}"
}

# next_key_id — an id no key in DATA_ENCRYPTION_KEYS has: k<N+1> after the highest kN.
next_key_id() {
  local id highest=0
  while IFS= read -r id; do
    [[ "$id" =~ ^k([0-9]{1,9})$ ]] && ((10#${BASH_REMATCH[1]} > highest)) && highest=$((10#${BASH_REMATCH[1]}))
  done < <(key_ids "${DATA_ENCRYPTION_KEYS:-}")
  printf 'k%s\n' "$((highest + 1))"
}

# app_data_keys CONTAINER — "KEY_IDS|ACTIVE" of a running app: the ids of its
# DATA_ENCRYPTION_KEYS (comma-separated) and its DATA_ENCRYPTION_ACTIVE_KEY, read from the
# environment it was started with. The keys themselves never leave this function.
app_data_keys() {
  local line keys="" active=""
  while IFS= read -r line; do
    case "$line" in
      DATA_ENCRYPTION_KEYS=*) keys=$(key_ids "${line#*=}" | paste -sd, -) ;;
      DATA_ENCRYPTION_ACTIVE_KEY=*) active=${line#*=} ;;
    esac
  done < <(docker inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$1" 2>/dev/null)
  printf '%s|%s\n' "$keys" "$active"
}

# running_apps — "NAME|CONTAINER" of each running backend colour and ai-worker.
running_apps() {
  local service id
  for service in backend-blue backend-green ai-worker; do
    while IFS= read -r id; do
      [[ -z "$id" ]] || printf '%s|%s\n' "$service" "$id"
    done < <(service_containers "$service")
  done
}

# The SQL behind stored_key_counts: each encrypted column's values by the key they name
# (empty: plaintext, from before encryption or written while no key was active). An
# answer's metadata is {"encrypted": "<stored form>"} when encrypted; a question's is
# never encrypted and not counted.
readonly STORED_KEYS_SQL="WITH stored (field, value) AS (
  SELECT 'conversations.title', title FROM conversations WHERE title IS NOT NULL
  UNION ALL SELECT 'messages.content', content FROM messages
  UNION ALL SELECT 'messages.metadata', metadata->>'encrypted' FROM messages
    WHERE role = 'assistant' AND metadata IS NOT NULL)
SELECT field, CASE WHEN value ~ '^pse1:[a-z0-9-]{1,32}:[A-Za-z0-9_-]{38,}\$'
  THEN split_part(value, ':', 2) ELSE '' END, count(*)
FROM stored GROUP BY 1, 2 ORDER BY 1, 2;"

# stored_key_counts — "FIELD|KEY_ID|COUNT" lines for PostgreSQL (KEY_ID empty:
# plaintext; psql's unaligned output separates the columns with "|"). Fails with psql's
# message.
stored_key_counts() {
  printf '%s\n' "$STORED_KEYS_SQL" | database_query
}

# The Lua behind redis_key_counts: the payload of every job that may still be read
# (waiting, running, delayed, dead: a dead one may be replayed; a completed job's hash is
# kept a day only to refuse a duplicate, its payload never read again) and every event of
# the users' streams, by the key ids they name. SCAN, so Redis serves others between the
# steps of a large keyspace.
readonly REDIS_KEYS_LUA="
local counts, order = {}, {}
local function count(where, text)
  for id in string.gmatch(text, 'pse1:([a-z0-9%-]+):') do
    local k = where .. '|' .. id
    if not counts[k] then counts[k] = 0; order[#order + 1] = k end
    counts[k] = counts[k] + 1
  end
end
local function each(pattern, fn)
  local cursor = '0'
  repeat
    local page = redis.call('SCAN', cursor, 'MATCH', pattern, 'COUNT', 1000)
    cursor = page[1]
    for _, key in ipairs(page[2]) do fn(key) end
  until cursor == '0'
end
each(ARGV[1] .. 'job:*', function(key)
  local job = redis.pcall('HMGET', key, 'state', 'payload')
  if type(job) == 'table' and job[1] ~= 'completed' and type(job[2]) == 'string' then count('jobs', job[2]) end
end)
each(ARGV[2] .. 'user:*', function(key)
  if redis.call('TYPE', key).ok ~= 'stream' then return end
  for _, entry in ipairs(redis.call('XRANGE', key, '-', '+')) do
    local fields = entry[2]
    for i = 1, #fields, 2 do
      if fields[i] == 'data' then count('events', fields[i + 1]) end
    end
  end
end)
local out = {}
for _, k in ipairs(order) do out[#out + 1] = k .. '|' .. counts[k] end
return out"

# redis_key_counts — "WHERE|KEY_ID|COUNT" lines for Redis (jobs, events). Fails
# with redis-cli's message.
redis_key_counts() {
  local redis reply
  redis=$(service_containers redis | head -n 1)
  [[ -n "$redis" ]] || {
    echo "redis is not running" >&2
    return 1
  }
  reply=$(docker exec "$redis" redis-cli EVAL "$REDIS_KEYS_LUA" 0 protostar:jobs: protostar:events: 2>&1) || {
    printf '%s\n' "$reply" >&2
    return 1
  }
  [[ "$reply" != ERR* && "$reply" != *"Error"* ]] || {
    printf '%s\n' "$reply" >&2
    return 1
  }
  [[ -z "$reply" ]] || printf '%s\n' "$reply"
}

# request_reencryption — asks the backend for a re-encryption pass now (it looks at the
# counter every few seconds): after a rotation's redeploys, what the old colour and the
# old worker wrote with the previous key is caught at once rather than within the hour.
request_reencryption() {
  local redis reply
  redis=$(service_containers redis | head -n 1)
  [[ -n "$redis" ]] || return 1
  reply=$(docker exec "$redis" redis-cli INCR protostar:reencryption:requested 2>&1) || reply="redis-cli failed: $reply"
  [[ "$reply" =~ ^[0-9]+$ ]] || {
    printf '%s\n' "$reply" >&2
    return 1
  }
}
