#!/usr/bin/env bats
# shellcheck disable=SC2016 # stub bodies are single-quoted
# protostar admin reset-link: a new one-time setup link, only its hash in the database.

load test_helper

PSQL_ARGS='-X -q -t -A -v ON_ERROR_STOP=1 -U protostar -d protostar'

setup() {
  protostar_setup
  write_env
  # psql answers the schema check with $SETUP_LINKS_TABLE (t: the table is there) and keeps
  # every other input in $STUB_LOG.sql.
  export SETUP_LINKS_TABLE=t
  stub docker 'compose * exec -T postgres psql -X -q -t -A *' \
    'input=$(cat); if [[ $input == *to_regclass* ]]; then echo "$SETUP_LINKS_TABLE"; else printf "%s\n" "$input" >>"$STUB_LOG.sql"; fi'
}

# printed_token — the token of the link in $output.
printed_token() {
  local line
  line=$(grep -E '^  https://localhost:18443/setup#token=[0-9a-f]{64}$' <<<"$output") || fail "no link: $output"
  printf '%s\n' "${line##*token=}"
}

@test "admin --help prints the usage" {
  run protostar admin --help
  assert_status 0
  assert_output_contains "Usage: protostar admin reset-link"
  assert_output_contains "every admin has lost access"
  assert_no_calls
}

@test "a missing or unknown action, or an extra argument, is refused" {
  run protostar admin
  assert_status 1
  assert_output_contains "reset-link is needed"
  run protostar admin reset
  assert_status 1
  assert_output_contains "unknown action 'reset'"
  run protostar admin reset-link --force
  assert_status 1
  assert_output_contains "unknown option '--force'"
  assert_no_calls
}

@test "reset-link prints a link and stores only its SHA-256, as the owner, dropping older unused links" {
  run protostar admin reset-link
  assert_status 0
  local token hash
  token=$(printed_token)
  hash=$(printf '%s' "$token" | sha256sum | cut -d' ' -f1)
  assert_call_line "$(compose_prefix) exec -T postgres psql $PSQL_ARGS"
  diff "$STUB_LOG.sql" - <<SQL
SET ROLE protostar_owner;
BEGIN;
DELETE FROM setup_links WHERE used_at IS NULL;
INSERT INTO setup_links (token_hash, expires_at) VALUES ('$hash', now() + interval '30 minutes');
COMMIT;
SQL
  ! grep -qF "$token" "$STUB_LOG" "$STUB_LOG.sql" || fail "the token left the printed line"
}

@test "each reset-link makes a new token" {
  run protostar admin reset-link
  local first
  first=$(printed_token)
  run protostar admin reset-link
  [[ "$(printed_token)" != "$first" ]] || fail "the same token twice"
}

@test "under DEBUG=1 the token is in no trace line" {
  DEBUG=1 run protostar admin reset-link
  assert_status 0
  local token
  token=$(printed_token)
  [[ $(grep -cF "$token" <<<"$output") == 1 ]] || fail "the token was traced: $output"
}

@test "a stack that is not running: the failure is named, no link is printed" {
  stub_output docker 'compose * exec -T postgres psql *' 'service "postgres" is not running\n' 1
  run protostar admin reset-link
  assert_status 1
  assert_output_contains "could not read the schema (is the stack up? 'protostar up'): service \"postgres\" is not running"
  refute_output_contains "setup#token="
}

@test "a backend older than setup links (an upgrade not yet deployed): named, nothing stored" {
  SETUP_LINKS_TABLE=f run protostar admin reset-link
  assert_status 1
  assert_output_contains "the running backend predates setup links (no setup_links table): 'protostar deploy' this release first"
  refute_output_contains "setup#token="
  [[ ! -s "$STUB_LOG.sql" ]] || fail "stored: $(cat "$STUB_LOG.sql")"
}

@test "a bad .env is named before the database is touched" {
  write_env "-JWT_SECRET"
  run protostar admin reset-link
  assert_status 1
  assert_output_contains "JWT_SECRET is missing"
  assert_no_calls
}
