#!/usr/bin/env bats
# shellcheck disable=SC2016 # stub bodies are single-quoted: the stub expands them
# protostar upgrade: a checkout moved to another release, what changes shown first, the
# new release's CLI applying it (images, up, deploys, smoke) and everything going back as
# one when a step fails. The releases are commits of a scratch repository holding this
# checkout's scripts, compose files and templates; in them the commands the upgrade runs
# (up, deploy, rollback, smoke) are recorders, and Docker is stubbed.

load test_helper

# release MESSAGE [PATH=CONTENT...] — a commit on the scratch repository's main: files
# written (a path ending in "=" is removed), then committed. Prints the 12-char id.
release() {
  local message=$1 pair
  shift
  for pair in "$@"; do
    if [[ "$pair" == *= ]]; then
      git -C "$ORIGIN" rm -q "${pair%=}"
    else
      mkdir -p "$(dirname "$ORIGIN/${pair%%=*}")"
      printf '%s\n' "${pair#*=}" >"$ORIGIN/${pair%%=*}"
    fi
  done
  git -C "$ORIGIN" add -A
  git -C "$ORIGIN" commit -q -m "$message"
  git -C "$ORIGIN" rev-parse --short=12 HEAD
}

# recorder NAME — scripts/libexec/protostar-NAME of the release logs "protostar NAME
# ARGS" and fails when $STUB_DIR/fail-NAME (or fail-NAME-FIRSTARG) exists.
recorder() {
  cat >"$ORIGIN/scripts/libexec/protostar-$1" <<'EOF'
#!/usr/bin/env bash
name=${0##*/protostar-}
echo "protostar $name $*" >>"$STUB_LOG"
[[ ! -e "$STUB_DIR/fail-$name" && ! -e "$STUB_DIR/fail-$name-${1:-}" ]]
EOF
  chmod +x "$ORIGIN/scripts/libexec/protostar-$1"
}

setup() {
  protostar_setup
  ORIGIN="$TEST_ROOT/origin" CHECKOUT="$TEST_ROOT/checkout"
  mkdir -p "$ORIGIN"
  git init -q -b main "$ORIGIN"
  git -C "$ORIGIN" config user.email test@example.com
  git -C "$ORIGIN" config user.name test
  cp -r "$PROTOSTAR_REPO/scripts" "$PROTOSTAR_REPO/compose" "$PROTOSTAR_REPO/nginx" "$ORIGIN/"
  rm -rf "$ORIGIN/scripts/test"
  local name
  for name in up deploy rollback smoke; do recorder "$name"; done
  V1=$(release "v1" "backend/App.java=one" "ai-worker/contract/src/main/resources/db/migration/V1__start.sql=select 1;")
  git clone -q "$ORIGIN" "$CHECKOUT"
  write_env
  write_state_file "IMAGE_SOURCE=offline" "ACTIVE_COLOR=blue" "BACKEND_BLUE_IMAGE=protostar/backend:$V1" \
    "BACKEND_GREEN_IMAGE=protostar/backend:$V1" "AI_WORKER_IMAGE=protostar/ai-worker:$V1"
  # Every image is present; each names the version of the newest release.
  stub docker 'image inspect *' 'echo "PROTOSTAR_VERSION=$(cat "$STUB_DIR/serving")"'
}

upgrade() { "$CHECKOUT/scripts/protostar" upgrade "$@"; }
serving() { echo "$1" >"$STUB_DIR/serving"; }

@test "upgrade: the branch's new release is fetched, shown, checked out and applied by its own CLI" {
  V2=$(release "v2" "backend/App.java=two" "ai-worker/contract/src/main/resources/db/migration/V2__more.sql=select 2;" \
    "compose/production.yml=# changed")
  serving "$V2"
  run upgrade --yes --offline
  assert_status 0
  assert_output_contains "Upgrade from $V1 to $V2:"
  assert_output_contains "1 commit(s); 0 back"
  assert_output_contains "app images   new images protostar/backend:$V2 and protostar/ai-worker:$V2"
  assert_output_contains "compose      1 file(s) changed"
  assert_output_contains "migrations   V2__more.sql"
  assert_output_line_matches "^Upgraded from $V1 to $V2 in [0-9]+s "
  [[ $(git -C "$CHECKOUT" rev-parse --short=12 HEAD) == "$V2" ]]
  assert_call_line "protostar up --yes --offline"
  assert_call_line "protostar deploy backend $V2"
  assert_call_line "protostar deploy ai-worker $V2"
  assert_call_line "protostar smoke $V2 --url https://localhost:$(sed -n 's/^HTTPS_PORT=//p' "$ENV_FILE")/ --resolve localhost:$(sed -n 's/^HTTPS_PORT=//p' "$ENV_FILE"):127.0.0.1"
  # in that order: settings before the apps, the smoke check last
  [[ "$(grep '^protostar ' "$STUB_LOG" | cut -d' ' -f1-3 | paste -sd,)" == "protostar up --yes,protostar deploy backend,protostar deploy ai-worker,protostar smoke $V2" ]] ||
    fail "$(cat "$STUB_LOG")"
  grep -qx "RELEASE=$(git -C "$ORIGIN" rev-parse HEAD)" "$STATE_DIR_T/state.env"
  grep -qE "action=upgrade service=release .* from=$V1 to=$V2 result=ok" "$STATE_DIR_T/audit.log"
}

@test "upgrade: without a change of app sources the images stay and no app is deployed" {
  V2=$(release "gateway only" "nginx/extra.conf=# new")
  serving "$V1"
  run upgrade "$V2" --yes
  assert_status 0
  assert_output_contains "app images   unchanged (no app source differs)"
  assert_output_contains "nginx        1 template(s) changed"
  assert_output_contains "no app source changed since the images that run: they stay"
  refute_called "protostar deploy"
  assert_call_line "protostar up --yes"
  grep -q "^protostar smoke $V1 " "$STUB_LOG"
}

@test "upgrade: a failed smoke check rolls the apps back and the checkout with them" {
  V2=$(release "v2" "backend/App.java=two")
  serving "$V2"
  touch "$STUB_DIR/fail-smoke"
  run upgrade --yes
  assert_status 1
  assert_output_contains "upgrade to $V2 failed: the smoke check failed"
  assert_output_contains "upgrade to $V2 rolled back: the apps run what they ran before (backend ai-worker rolled back)"
  assert_call_line "protostar rollback backend"
  assert_call_line "protostar rollback ai-worker"
  [[ $(git -C "$CHECKOUT" rev-parse --short=12 HEAD) == "$V1" ]]
  run grep '^RELEASE=' "$STATE_DIR_T/state.env"
  assert_status 1
  grep -qE "action=upgrade service=release .* from=$V1 to=$V2 result=failed reason=\"the smoke check failed\"" "$STATE_DIR_T/audit.log"
}

@test "upgrade: a backend deploy that fails leaves the serving colour alone; only the checkout goes back" {
  V2=$(release "v2" "backend/App.java=two")
  touch "$STUB_DIR/fail-deploy-backend"
  run upgrade --yes
  assert_status 1
  assert_output_contains "the backend deploy failed; the previous colour kept serving"
  refute_called "protostar rollback"
  refute_called "protostar deploy ai-worker"
  [[ $(git -C "$CHECKOUT" rev-parse --short=12 HEAD) == "$V1" ]]
}

@test "upgrade: an up that stops (a data store would restart) changes nothing else" {
  V2=$(release "v2" "backend/App.java=two")
  touch "$STUB_DIR/fail-up"
  run upgrade --yes
  assert_status 1
  assert_output_contains "'protostar up' stopped"
  refute_called "protostar deploy"
  refute_called "protostar rollback"
  [[ $(git -C "$CHECKOUT" rev-parse --short=12 HEAD) == "$V1" ]]
}

@test "upgrade: going back to an older release says which migrations stay applied" {
  V2=$(release "v2" "backend/App.java=two" "ai-worker/contract/src/main/resources/db/migration/V2__more.sql=select 2;")
  serving "$V2"
  run upgrade --yes
  assert_status 0
  # as the deploys recorded it
  sed -i "s/:$V1\$/:$V2/" "$STATE_DIR_T/state.env"
  serving "$V1"
  run upgrade "$V1" --yes
  assert_status 0
  assert_output_contains "0 commit(s); 1 back"
  assert_output_contains "going back   V2__more.sql stay applied"
  assert_call_line "protostar deploy backend $V1"
}

@test "upgrade: refused before any change — no terminal without --yes, local changes, unknown or too old a release" {
  V2=$(release "v2" "backend/App.java=two")
  run upgrade </dev/null
  assert_status 1
  assert_output_contains "not a terminal: add --yes to upgrade; nothing was changed"
  echo "# mine" >>"$CHECKOUT/compose/production.yml"
  run upgrade --yes
  assert_status 1
  assert_output_contains "the checkout has local changes, which an upgrade would overwrite: compose/production.yml"
  git -C "$CHECKOUT" checkout -q -- compose/production.yml
  run upgrade v9.9 --yes
  assert_status 1
  assert_output_contains "no release 'v9.9' here or at origin"
  OLD=$(release "before upgrade existed" "scripts/libexec/protostar-upgrade=")
  run upgrade "$OLD" --yes
  assert_status 1
  assert_output_contains "$OLD predates 'protostar upgrade'"
  run upgrade one two
  assert_status 1
  assert_output_contains "one release only"
  run upgrade --grace 5
  assert_status 1
  assert_output_contains "unknown option '--grace'"
  [[ $(git -C "$CHECKOUT" rev-parse --short=12 HEAD) == "$V1" ]]
  refute_called "protostar up"
  refute_called "protostar deploy"
}

@test "upgrade: a release checked out by hand (from one without the command) is applied; the running one is read from the image tag" {
  V2=$(release "v2" "backend/App.java=two")
  serving "$V2"
  git -C "$CHECKOUT" fetch -q
  git -C "$CHECKOUT" checkout -q --detach "$V2"
  run upgrade --yes
  assert_status 0
  assert_output_contains "Upgrade from $V1 to $V2:"
  assert_call_line "protostar deploy backend $V2"
  run upgrade --yes
  assert_status 0
  assert_output_contains "Already on $V2: nothing to upgrade"
}

@test "migrations only add: none drops or renames, so a release rolled back to still runs on the newer schema" {
  run grep -inE '\b(drop|rename)\b' "$PROTOSTAR_REPO"/ai-worker/contract/src/main/resources/db/migration/*.sql
  assert_status 1
  # the check can fail: it sees such a statement
  printf 'ALTER TABLE t RENAME COLUMN a TO b;\n' >"$TEST_ROOT/V99__x.sql"
  run grep -inE '\b(drop|rename)\b' "$TEST_ROOT/V99__x.sql"
  assert_status 0
}

@test "a rollback to an older release's image names the migrations that stay applied" {
  V2=$(release "v2" "backend/App.java=two" "ai-worker/contract/src/main/resources/db/migration/V2__more.sql=select 2;")
  git -C "$CHECKOUT" fetch -q
  in_release_checkout() {
    PROTOSTAR_ROOT=$CHECKOUT bash -c 'set -Eeuo pipefail
      source "$PROTOSTAR_ROOT/scripts/lib/common.sh"; source "$PROTOSTAR_ROOT/scripts/lib/config.sh"
      source "$PROTOSTAR_ROOT/scripts/lib/upgrade.sh"; eval "$1"' in_release_checkout "$1"
  }
  run in_release_checkout "migrations_left_behind protostar/backend:$V2 protostar/backend:$V1"
  assert_status 0
  [[ "$output" == V2__more.sql ]] || fail "$output"
  # forward, or with a tag that is no commit: nothing to say
  run in_release_checkout "migrations_left_behind protostar/backend:$V1 protostar/backend:$V2"
  [[ -z "$output" ]] || fail "$output"
  run in_release_checkout "migrations_left_behind protostar/backend:$V2 protostar/backend:hotfix-7"
  [[ -z "$output" && $status == 0 ]] || fail "$status $output"
}
