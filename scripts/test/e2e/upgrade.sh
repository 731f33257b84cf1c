#!/usr/bin/env bash
# Summary: End-to-end test of `protostar upgrade`: from the previous release, then to a next one under load
# Usage: scripts/test/e2e/upgrade.sh [--keep]
#
# An operator's checkout is cloned from a copy of this repository (the "release
# repository"), put on the previous release (PROTOSTAR_UPGRADE_FROM, or the commit before
# the services got database roles and Redis users of their own) and brought up from there
# with `protostar up --offline`, under a unique project on free ports, with that release's
# .env: its apps connect as the superuser and Redis's default user. A user signs up and
# asks a question. Then, as from any release older than the command, the operator checks
# out this commit (HEAD, committed: the clone has no uncommitted change) and runs `protostar up`
# (refused: Redis and nginx would restart) and `protostar upgrade --yes`; the checks look
# at the result: the new secrets added to .env and nothing else changed, the roles
# created and owning the schema, the apps connected as their own non-superuser roles and
# Redis users, the data and the sessions still there, a new question answered. Next, a
# release made here on top (a changed JVM option of both apps) is pushed to the release
# repository and `protostar upgrade main` fetches and applies it while HTTPS requests run:
# none may fail. Last, `uninstall --purge` removes it all (the images of this release
# too: the suite runs last). Always torn down (the clones too); --keep leaves the stack
# running. Needs the repository's history (a clone, not an export).
set -Eeuo pipefail
PROTOSTAR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
export PROTOSTAR_ROOT
source "$PROTOSTAR_ROOT/scripts/lib/common.sh"
source "$PROTOSTAR_ROOT/scripts/test/e2e/lib.sh"
handle_help "$@"
keep=""
[[ "${1:-}" == --keep ]] && keep=1

# previous_release — the commit to upgrade from.
previous_release() {
  if [[ -n "${PROTOSTAR_UPGRADE_FROM:-}" ]]; then
    git -C "$PROTOSTAR_ROOT" rev-parse --verify "$PROTOSTAR_UPGRADE_FROM^{commit}"
    return
  fi
  local added
  added=$(git -C "$PROTOSTAR_ROOT" log --diff-filter=A --format=%H -- compose/postgres/roles.sql | tail -n 1)
  [[ -n "$added" ]] || abort "no commit adds compose/postgres/roles.sql here (a shallow clone?): set PROTOSTAR_UPGRADE_FROM"
  git -C "$PROTOSTAR_ROOT" rev-parse --verify "$added^"
}

# previous_env — the suite's .env as the previous release's example has it: its lines,
# with the values e2e_setup chose where it has the variable (so the five secrets this
# release added are absent, as on a real install of the previous release).
previous_env() {
  awk 'NR == FNR { if ($0 ~ /^[A-Z][A-Z0-9_]*=/) value[substr($0, 1, index($0, "=") - 1)] = substr($0, index($0, "=") + 1); next }
    /^[A-Z][A-Z0-9_]*=/ { key = substr($0, 1, index($0, "=") - 1); if (key in value) { print key "=" value[key]; next } }
    { print }' "$PROTOSTAR_ENV_FILE" "$INSTALL/compose/production.env.example"
}

# The operator's CLI: the checkout's, whichever release it is on (this one's refuses the
# previous .env before `up` has added the new secrets, as it would on a real host).
installed() { "$INSTALL/scripts/protostar" "$@"; }
db() { installed compose exec -T postgres psql -U "$POSTGRES_USER" -d "$POSTGRES_DB" -tAc "$1"; }

# question TOKEN-FILE CONVERSATION TEXT — asks; waits until the answer is stored (the
# worker wrote it, so its database rights and Redis user are enough); prints the job id.
question() {
  local response job deadline=$((SECONDS + 180))
  response=$(api POST "/api/conversations/$2/messages" "{\"message\":\"$3\"}" -H "Authorization: Bearer $(cat "$1")")
  [[ $(head -n 1 <<<"$response") == 202 ]] || { echo "ask: $response" >&2 && return 1; }
  job=$(tail -n +2 <<<"$response" | jq -r .data.jobId)
  until [[ $(db "SELECT count(*) FROM messages WHERE job_id = '$job' AND role = 'assistant'") == 1 ]]; do
    ((SECONDS < deadline)) || { echo "no answer to job $job" >&2 && return 1; }
    sleep 1
  done
  printf '%s\n' "$job"
}

# --- The previous release, with data ---------------------------------------------------------
previous_release_runs() {
  installed up --offline >"$E2E_DIR/up-previous.log" 2>&1 || { tail -n 30 "$E2E_DIR/up-previous.log" && return 1; }
  https_get /api/health | jq -e '.resultCode == "OK"'
  # as it was: the apps connect as the superuser
  [[ $(db "SELECT count(*) FROM pg_stat_activity WHERE usename = '$POSTGRES_USER' AND backend_type = 'client backend' AND pid <> pg_backend_pid()") -gt 0 ]]
}
previous_release_holds_data() {
  local response
  response=$(api POST /api/auth/signup '{"email":"grace@example.com","password":"correct-horse-battery","displayName":"Grace"}')
  [[ $(head -n 1 <<<"$response") == 201 ]]
  tail -n +2 <<<"$response" | jq -r .data.accessToken >"$E2E_DIR/grace.token"
  tail -n +2 <<<"$response" | jq -r .data.refreshToken >"$E2E_DIR/grace.refresh"
  response=$(api POST /api/conversations '{"title":"Before the upgrade"}' -H "Authorization: Bearer $(cat "$E2E_DIR/grace.token")")
  [[ $(head -n 1 <<<"$response") == 201 ]]
  tail -n +2 <<<"$response" | jq -r .data.id >"$E2E_DIR/conversation.id"
  question "$E2E_DIR/grace.token" "$(cat "$E2E_DIR/conversation.id")" "How many days of leave do I have?" >"$E2E_DIR/job.before"
  cp -p "$PROTOSTAR_ENV_FILE" "$E2E_DIR/env.before"
}

# --- The upgrade -----------------------------------------------------------------------------
upgrade_from_a_release_without_the_command() {
  local started=$SECONDS
  git -C "$INSTALL" checkout --quiet --detach "$(git -C "$PROTOSTAR_ROOT" rev-parse HEAD)"
  # This release configures Redis and nginx otherwise: they can only restart, which `up`
  # does when told so, and says before anything is started.
  if installed up --offline >"$E2E_DIR/up-refused.log" 2>&1; then
    echo "up went on without --yes"
    return 1
  fi
  grep -E "(redis|nginx).* would restart to apply changed settings or a new image .*run 'protostar up --yes'" "$E2E_DIR/up-refused.log"
  installed upgrade --yes --offline >"$E2E_DIR/upgrade.log" 2>&1 || { tail -n 40 "$E2E_DIR/upgrade.log" && return 1; }
  echo "upgrade took $((SECONDS - started))s"
  grep -E "^Upgrade from $(git -C "$INSTALL" rev-parse --short=12 "$PREVIOUS") to $(git -C "$INSTALL" rev-parse --short=12 HEAD):" "$E2E_DIR/upgrade.log"
  grep -E "^  migrations   V[0-9]+__" "$E2E_DIR/upgrade.log"
  grep -E "^Upgraded from " "$E2E_DIR/upgrade.log"
  # The first run, which stopped before restarting anything, already added the secrets.
  grep -q "added POSTGRES_OWNER_PASSWORD POSTGRES_BACKEND_PASSWORD POSTGRES_WORKER_PASSWORD REDIS_BACKEND_PASSWORD REDIS_WORKER_PASSWORD" \
    "$E2E_DIR/up-refused.log"
  # no admin, and the deployed backend's schema had no setup links yet: said, not failed
  grep -q "the running backend predates setup links: after 'protostar deploy'" "$E2E_DIR/upgrade.log"
  grep -qx "RELEASE=$(git -C "$INSTALL" rev-parse HEAD)" "$E2E_DIR/state/state.env"
}
env_gains_only_the_new_secrets() {
  local var
  # every line of the previous .env is still there, byte for byte, at the start
  cmp -n "$(stat -c %s "$E2E_DIR/env.before")" "$E2E_DIR/env.before" "$PROTOSTAR_ENV_FILE"
  [[ $(stat -c %a "$PROTOSTAR_ENV_FILE") == $(stat -c %a "$E2E_DIR/env.before") ]]
  # The previous release (before roles.sql) had none of the secrets added since: the
  # roles' and Redis users' (roles.sql), the metrics listener's, the exporters' and the
  # WAL archive's cipher pass.
  local -a added=(POSTGRES_OWNER_PASSWORD POSTGRES_BACKEND_PASSWORD POSTGRES_WORKER_PASSWORD REDIS_BACKEND_PASSWORD
    REDIS_WORKER_PASSWORD METRICS_PASSWORD POSTGRES_MONITOR_PASSWORD REDIS_MONITOR_PASSWORD POSTGRES_ARCHIVE_CIPHER_PASS)
  for var in "${added[@]}"; do
    grep -qE "^$var=[0-9a-f]{48}$" "$PROTOSTAR_ENV_FILE"
  done
  # The conversation data key, added but not active: the previous release's colour, kept
  # for a rollback, could not read what the new one wrote with it.
  grep -qxE 'DATA_ENCRYPTION_KEYS=k1:[A-Za-z0-9+/]{43}=' "$PROTOSTAR_ENV_FILE"
  grep -qx 'DATA_ENCRYPTION_ACTIVE_KEY=' "$PROTOSTAR_ENV_FILE"
  # a comment, the secrets and the two data key lines
  [[ $(($(wc -l <"$PROTOSTAR_ENV_FILE") - $(wc -l <"$E2E_DIR/env.before"))) == $((${#added[@]} + 3)) ]]
}
roles_own_the_schema() {
  psql_app "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname LIKE 'protostar\\_%' ORDER BY 1" |
    tee "$E2E_DIR/roles.txt"
  [[ "$(cat "$E2E_DIR/roles.txt")" == $'protostar_backend|f|f|f\nprotostar_monitor|f|f|f\nprotostar_owner|f|f|f\nprotostar_worker|f|f|f' ]]
  [[ $(psql_app "SELECT string_agg(DISTINCT tableowner, ',') FROM pg_tables WHERE schemaname = 'public'") == protostar_owner ]]
}
apps_connect_as_their_own_roles() {
  local sessions
  sessions=$(psql_app "SELECT DISTINCT a.usename || ' ' || u.usesuper FROM pg_stat_activity a JOIN pg_user u ON u.usesysid = a.usesysid
    WHERE a.backend_type = 'client backend' AND a.pid <> pg_backend_pid() ORDER BY 1")
  echo "$sessions"
  # (protostar_monitor: postgres-exporter)
  [[ "$sessions" == $'protostar_backend false\nprotostar_monitor false\nprotostar_worker false' ]]
  # and the worker's container holds no token key
  ! docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$(protostar_compose ps -q ai-worker)" | grep -q '^JWT_SECRET=' ||
    return 1
}
data_and_sessions_survive() {
  local response id
  id=$(cat "$E2E_DIR/conversation.id")
  response=$(api GET "/api/conversations/$id/messages" '' -H "Authorization: Bearer $(cat "$E2E_DIR/grace.token")")
  echo "$response" | head -c 600
  [[ $(head -n 1 <<<"$response") == 200 ]]
  [[ $(tail -n +2 <<<"$response" | jq '[.data.items[] | select(.role == "assistant")] | length') == 1 ]]
  # the refresh token issued before the upgrade (Redis kept it; the backend's user reads it)
  response=$(api POST /api/auth/refresh "{\"refreshToken\":\"$(cat "$E2E_DIR/grace.refresh")\"}")
  [[ $(head -n 1 <<<"$response") == 200 ]]
  tail -n +2 <<<"$response" | jq -r .data.accessToken >"$E2E_DIR/grace.token"
  expect_status 200 POST /api/auth/login '{"email":"grace@example.com","password":"correct-horse-battery"}'
}
new_question_is_answered() {
  question "$E2E_DIR/grace.token" "$(cat "$E2E_DIR/conversation.id")" "Is the answer still written after the upgrade?"
}
worker_redis_user_is_confined() {
  local key reply
  key=$(protostar_compose exec -T redis redis-cli --scan --pattern 'protostar:refresh:token:*' | head -n 1)
  [[ -n "$key" ]]
  reply=$(REDISCLI_AUTH=$(sed -n 's/^REDIS_WORKER_PASSWORD=//p' "$PROTOSTAR_ENV_FILE") \
    protostar_compose exec -T -e REDISCLI_AUTH redis redis-cli --user worker HGETALL "$key" 2>&1)
  echo "worker HGETALL $key: $reply"
  [[ "$reply" == NOPERM* ]]
}
# expect_status STATUS METHOD PATH [JSON] — the call through nginx answers STATUS.
expect_status() {
  local response
  response=$(api "${@:2}")
  echo "$2 $3 -> $(head -n 1 <<<"$response")"
  [[ $(head -n 1 <<<"$response") == "$1" ]]
}

# --- The next release, under load ----------------------------------------------------------
# next_release — a commit on top of HEAD in the release repository's main: both apps get
# one more JVM option (a setting, so blue/green and rolling, no new image) wherever their
# JAVA_TOOL_OPTIONS are written (the colours have theirs).
next_release() {
  local work="$E2E_DIR/next"
  git clone --quiet "$RELEASES" "$work"
  git -C "$work" checkout --quiet -B main "$(git -C "$PROTOSTAR_ROOT" rev-parse HEAD)"
  sed -i 's/-XX:+ExitOnOutOfMemoryError/& -Dprotostar.e2e-release=next/' "$work/compose/production.yml"
  [[ $(grep -c 'JAVA_TOOL_OPTIONS: .*-Dprotostar.e2e-release=next' "$work/compose/production.yml") -ge 2 ]]
  git -C "$work" -c user.name=e2e -c user.email=e2e@example.com commit --quiet -am "e2e: the next release"
  git -C "$work" push --quiet --force origin main
  git -C "$work" rev-parse HEAD
}
next_release_under_load() {
  local next
  next=$(next_release)
  start_load next-release
  installed upgrade main --yes --offline >"$E2E_DIR/upgrade-next.log" 2>&1 || { tail -n 40 "$E2E_DIR/upgrade-next.log" && return 1; }
  stop_load 100 || { tail -n 30 "$E2E_DIR/upgrade-next.log" && return 1; }
  grep -E "app images   unchanged|compose      1 file\(s\) changed|^Upgraded from " "$E2E_DIR/upgrade-next.log"
  grep -E "^\[redeploy\] backend" "$E2E_DIR/upgrade-next.log"
  grep -E "^\[redeploy\] ai-worker" "$E2E_DIR/upgrade-next.log"
  echo "checkout on $(git -C "$INSTALL" rev-parse HEAD), the next release is $next"
  [[ $(git -C "$INSTALL" rev-parse HEAD) == "$next" ]]
  grep -x "RELEASE=$next" "$E2E_DIR/state/state.env"
  grep -E "action=upgrade service=release .*result=ok" "$E2E_DIR/state/audit.log"
  # both apps run with the new option, the backend that serves and the worker
  docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$(installed compose ps -q "backend-$(sed -n 's/^ACTIVE_COLOR=//p' "$E2E_DIR/state/state.env")")" |
    grep 'protostar.e2e-release=next'
  docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$(installed compose ps -q ai-worker)" | grep -q 'protostar.e2e-release=next'
}

# Last, the way out: `uninstall --purge` (the project's name typed) leaves no container,
# network or volume of the project, none of the images its state named, and neither its
# state directory nor its settings.
uninstall_purge_leaves_nothing() {
  local label="label=com.docker.compose.project=$E2E_PROJECT" images image
  images=$(sed -nE 's/^(BACKEND_BLUE_IMAGE|BACKEND_GREEN_IMAGE|AI_WORKER_IMAGE)=//p' "$E2E_DIR/state/state.env" | sort -u)
  [[ -n "$images" ]]
  echo "$E2E_PROJECT" | installed uninstall --purge
  [[ -z "$(docker ps -aq --filter "$label")" && -z "$(docker network ls -q --filter "$label")" ]]
  [[ -z "$(docker volume ls -q --filter "$label")" ]]
  for image in $images; do
    if docker image inspect "$image" >/dev/null 2>&1; then
      echo "image $image is still there"
      return 1
    fi
  done
  [[ ! -e "$E2E_DIR/state" && ! -e "$PROTOSTAR_ENV_FILE" ]]
}

# upgrade_teardown STATUS — e2e_teardown, then what it could not remove when the upgrade
# never happened (this release's CLI refuses the previous .env): the project's
# containers, networks and volumes by their Compose label.
upgrade_teardown() {
  local status=$1 label="label=com.docker.compose.project=$E2E_PROJECT"
  e2e_teardown "$status"
  [[ -z "$keep" ]] || return 0
  docker ps -aq --filter "$label" | xargs -r docker rm -f >/dev/null || true
  docker network ls -q --filter "$label" | xargs -r docker network rm >/dev/null || true
  docker volume ls -q --filter "$label" | xargs -r docker volume rm >/dev/null || true
}

started=$SECONDS
e2e_setup upgrade
trap 'upgrade_teardown $?' EXIT
PREVIOUS=$(previous_release)
RELEASES="$E2E_DIR/releases.git" INSTALL="$E2E_DIR/install"
git clone --quiet --bare "$PROTOSTAR_ROOT" "$RELEASES"
git clone --quiet "$RELEASES" "$INSTALL"
git -C "$INSTALL" checkout --quiet --detach "$PREVIOUS"
previous_env >"$E2E_DIR/env.previous"
mv "$E2E_DIR/env.previous" "$PROTOSTAR_ENV_FILE"
chmod 600 "$PROTOSTAR_ENV_FILE"
info "upgrading from $(git -C "$PROTOSTAR_ROOT" log -1 --format='%h %s' "$PREVIOUS")"

check "the previous release comes up; its apps connect as the superuser" previous_release_runs
check "a user signs up, opens a conversation and gets an answer (previous release)" previous_release_holds_data
check "from a release without the command: HEAD checked out, up refused, upgrade --yes applies it" upgrade_from_a_release_without_the_command
check ".env keeps every line it had and gains the new secrets only" env_gains_only_the_new_secrets
check "the four roles exist, none a superuser, and the owner role owns every table" roles_own_the_schema
check "the apps connect as their own roles, none a superuser; the worker holds no JWT_SECRET" apps_connect_as_their_own_roles
check "the conversation, its answer and the session from before are still there" data_and_sessions_survive
check "a new question is answered (the worker's grants and Redis user are enough)" new_question_is_answered
check "the worker's Redis user cannot read a refresh token" worker_redis_user_is_confined
check "the next release, pushed to the release repository: upgrade main applies it with no request failed" next_release_under_load
check "uninstall --purge leaves no container, network, volume or image of the project, nor its files" uninstall_purge_leaves_nothing

info "upgrade suite: $((SECONDS - started))s"
e2e_summary
