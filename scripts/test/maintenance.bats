#!/usr/bin/env bats
# shellcheck disable=SC2016 # code for bash -c is single-quoted
# protostar maintenance on|off|status: the nginx snippet, nginx -t, reload, verification.

load test_helper

ENVELOPE='{"resultCode":"MAINTENANCE","data":null,"message":"Back at 14:00"}'

setup() {
  deployed_stack_setup blue v1 v1
  stub_health_answer "$ENVELOPE"
  CONF="$STATE_DIR_T/nginx/maintenance.conf"
}

@test "maintenance --help prints the usage" {
  run protostar maintenance --help
  assert_status 0
  assert_output_contains "Usage: protostar maintenance on [--message TEXT] [--retry-after SECONDS] | off | status"
  assert_no_calls
}

@test "a missing or unknown action is refused" {
  run protostar maintenance
  assert_status 1
  assert_output_contains "on, off or status is needed"
  run protostar maintenance maybe
  assert_status 1
  assert_output_contains "unknown action 'maybe'"
  assert_no_calls
}

@test "a message that could break the JSON or nginx is refused" {
  local bad
  for bad in 'say "hi"' "it's" 'cost $5' 'a\b' '<b>bold</b>' ''; do
    run protostar maintenance on --message "$bad"
    assert_status 1
    assert_output_contains "--message needs 1 to 200 letters"
  done
  run protostar maintenance on --retry-after soon
  assert_status 1
  assert_output_contains "--retry-after needs a number of seconds"
  run protostar maintenance off --message hi
  assert_status 1
  assert_output_contains "unknown option '--message'"
  assert_no_calls
  [[ ! -e "$CONF" ]] || fail "a file was written"
}

@test "on: the snippet answers /api/ with the 503 envelope and Retry-After, other paths HTML" {
  run protostar maintenance on --message "Back at 14:00" --retry-after 600
  assert_status 0
  [[ -f "$CONF" ]] || fail "no $CONF"
  [[ $(stat -c %a "$CONF") == 644 ]] || fail "mode $(stat -c %a "$CONF"): nginx's workers must read it"
  grep -qF 'location ^~ /api/ {' "$CONF"
  grep -qF "return 503 '$ENVELOPE';" "$CONF"
  [[ $(grep -c 'add_header Retry-After 600 always;' "$CONF") -eq 2 ]] || fail "Retry-After on both" "$(cat "$CONF")"
  grep -qF 'default_type application/json;' "$CONF"
  grep -qF 'location ~ ^/ {' "$CONF"
  grep -qF 'default_type text/html;' "$CONF"
  grep -qF '<p>Back at 14:00</p>' "$CONF"
  # /nginx-health is an exact location in the server block: the snippet must not shadow it
  refute_output_contains "nginx-health"
  ! grep -q 'nginx-health\|location /  *{\|location = ' "$CONF" || fail "the snippet touches other locations" "$(cat "$CONF")"
  # the JSON in the return line is valid and says MAINTENANCE
  sed -n "s/^  return 503 '\({.*}\)';$/\1/p" "$CONF" | jq -e '.resultCode == "MAINTENANCE" and .data == null and .message == "Back at 14:00"'
  # nginx -t, then reload, then a look through the public URL
  local p
  p=$(compose_prefix)
  assert_call_line "docker exec id-nginx nginx -t"
  assert_call_line "docker exec id-nginx nginx -s reload"
  assert_call_line "curl -sS --max-time 5 --cacert $TLS_DIR_T/tls.crt --resolve localhost:18443:127.0.0.1 https://localhost:18443/api/health"
  (($(line_of "nginx -t") < $(line_of "nginx -s reload"))) || fail "reload before nginx -t"
  (($(line_of "nginx -s reload") < $(line_of "curl "))) || fail "verified before reload"
  assert_output_contains "Maintenance on in"
  grep -qE 'action=maintenance-on service=nginx user=[^ ]+ from=off to=on color=blue->blue result=ok duration=[0-9.]+s$' "$STATE_DIR_T/audit.log" ||
    fail "audit:" "$(cat "$STATE_DIR_T/audit.log")"
  [[ ! -e "$STATE_DIR_T/deploy.lock" ]] || fail "lock left"
  [[ -z "$(find "$STATE_DIR_T/nginx" -name '.maintenance*')" ]] || fail "temporary files left"
}

@test "the default message and Retry-After" {
  run protostar maintenance on
  assert_status 0
  grep -qF '"message":"Protostar is down for maintenance. Please try again in a few minutes."' "$CONF"
  grep -qF 'add_header Retry-After 300 always;' "$CONF"
}

@test "status says on with since and message, or off" {
  run protostar maintenance status
  assert_status 0
  [[ "$output" == "maintenance: off" ]] || fail "got: $output"
  run protostar maintenance on --message "Back at 14:00"
  assert_status 0
  run protostar maintenance status
  assert_status 0
  assert_output_line_matches '^maintenance: on since [0-9-]{10}T[0-9:]{8}Z$'
  assert_output_contains "message:     Back at 14:00"
}

@test "nginx -t rejecting the snippet: it is taken away, nothing reloaded" {
  stub_output docker 'exec * nginx -t' '' 1
  run protostar maintenance on
  assert_status 1
  assert_output_contains "nginx -t rejected the maintenance change: the previous file was restored and nginx was not reloaded"
  [[ ! -e "$CONF" ]] || fail "the rejected file stayed"
  refute_called "nginx -s reload"
  grep -q 'action=maintenance-on .* result=failed reason="nginx -t rejected' "$STATE_DIR_T/audit.log"
}

@test "nginx -t rejecting a new message: the previous snippet comes back as it was" {
  run protostar maintenance on --message "first"
  assert_status 0
  cp "$CONF" "$TEST_ROOT/first.conf"
  : >"$STUB_LOG"
  stub_output docker 'exec * nginx -t' '' 1
  run protostar maintenance on --message "second"
  assert_status 1
  diff "$TEST_ROOT/first.conf" "$CONF" || fail "the previous snippet was not restored"
  refute_called "nginx -s reload"
}

@test "off removes the snippet, reloads, and checks the envelope is gone" {
  run protostar maintenance on
  assert_status 0
  : >"$STUB_LOG"
  stub_health_answer '{"resultCode":"OK","data":{"status":"UP"},"message":null}'
  run protostar maintenance off
  assert_status 0
  [[ ! -e "$CONF" ]] || fail "still there"
  assert_call_line "docker exec id-nginx nginx -t"
  assert_call_line "docker exec id-nginx nginx -s reload"
  assert_called "curl "
  grep -q 'action=maintenance-off .* from=on to=off .* result=ok' "$STATE_DIR_T/audit.log"
}

@test "on is verified by 3 maintenance answers in a row, not the first one" {
  export PROTOSTAR_VERIFY_TIMEOUT=10 # the miss must not end the verification
  stub_outputs curl '*' "$ENVELOPE" '{"resultCode":"OK"}' "$ENVELOPE"
  run protostar maintenance on
  assert_status 0
  [[ $(grep -c '^curl ' "$STUB_LOG") -eq 5 ]] || fail "expected 5 requests" "$(cat "$STUB_LOG")"
}

@test "on that nginx does not apply is reported (exit 1), the file stays" {
  stub_health_answer '{"resultCode":"OK"}'
  run protostar maintenance on
  assert_status 1
  assert_output_contains "nginx was reloaded with maintenance on, but /api/health does not answer accordingly"
  [[ -f "$CONF" ]] || fail "the applied file was removed"
}

@test "with nginx stopped, the snippet is written for its next start, nothing else is called" {
  stub_running
  run protostar maintenance on
  assert_status 0
  assert_output_contains "nginx is not running: maintenance on takes effect when it starts"
  [[ -f "$CONF" ]] || fail "not written"
  refute_called "nginx -t"
  refute_called "curl"
}

@test "maintenance on is refused while a deploy holds the lock" {
  mkdir -p "$STATE_DIR_T/deploy.lock"
  printf '%s\n' "pid=$$" "user=erin" "host=$(uname -n)" "command=protostar deploy backend v3" \
    "started=2026-02-03T04:05:06Z" >"$STATE_DIR_T/deploy.lock/owner"
  run protostar maintenance on
  assert_status 1
  assert_output_contains "another deploy is in progress: pid $$ (erin@"
  [[ ! -e "$CONF" ]] || fail "written under someone else's lock"
  refute_called "nginx"
}
