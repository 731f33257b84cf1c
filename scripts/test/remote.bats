#!/usr/bin/env bats
# protostar remote (the CI side of the SSH deploy) and protostar smoke, against stub ssh,
# docker and curl: the exact ssh command line (pinned host key, no agent, no forwarding),
# words checked before connecting, ship as docker save | ssh load-image, failures named.

load test_helper

setup() {
  protostar_setup
  stub curl
  touch "$TEST_ROOT/id_deploy"
  echo "[prod.example.org]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ0q" >"$TEST_ROOT/known_hosts"
  export PROTOSTAR_DEPLOY_HOST=prod.example.org PROTOSTAR_DEPLOY_PORT=2222 \
    PROTOSTAR_DEPLOY_KEY="$TEST_ROOT/id_deploy" PROTOSTAR_DEPLOY_KNOWN_HOSTS="$TEST_ROOT/known_hosts"
  unset PROTOSTAR_DEPLOY_USER PROTOSTAR_DEPLOY_CONNECT_TIMEOUT PROTOSTAR_PUBLIC_URL PROTOSTAR_PUBLIC_CACERT PROTOSTAR_PUBLIC_RESOLVE
  # ssh logs how many bytes load-image got on stdin
  # shellcheck disable=SC2016 # expanded by the stub
  stub_tap ssh '* load-image' 'printf "stdin %s bytes\n" "$(wc -c | tr -d " ")" >>"$STUB_LOG"'
}

# ssh_answers STATUS [STDOUT [STDERR]] — what the production host's gate answers over ssh
# (printf %b).
ssh_answers() {
  stub ssh '*' "printf '%b' $(printf %q "${2:-}"); printf '%b' $(printf %q "${3:-}") >&2; exit $1"
}

ssh_prefix() {
  printf '%s' "ssh -F /dev/null -T -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=$TEST_ROOT/known_hosts" \
    " -o GlobalKnownHostsFile=/dev/null -o UpdateHostKeys=no -o IdentitiesOnly=yes -o IdentityFile=$TEST_ROOT/id_deploy" \
    " -o IdentityAgent=none -o ForwardAgent=no -o ForwardX11=no -o ClearAllForwardings=yes -o ConnectTimeout=15" \
    " -o ServerAliveInterval=15 -o ServerAliveCountMax=4 -o LogLevel=ERROR -p 2222 -l protostar-deploy prod.example.org --"
}

@test "deploy: one ssh call with the pinned host key, the words as one gate command; the exit status passed back" {
  ssh_answers 0 'Deployed protostar/backend:abc on green\n'
  run protostar remote deploy backend abc --canary 10,50,100 --step 30s
  assert_status 0
  assert_call_line "$(ssh_prefix) deploy backend abc --canary 10,50,100 --step 30s"
  assert_output_contains "Deployed protostar/backend:abc on green"
  ssh_answers 1
  run protostar remote deploy backend abc
  assert_status 1
}

@test "rollback, status and version go through the same command line" {
  local args
  for args in "rollback backend" "rollback ai-worker v1 --grace 5" "status" "version"; do
    # shellcheck disable=SC2086 # the words of one command
    run protostar remote $args
    assert_status 0
    assert_call_line "$(ssh_prefix) $args"
  done
}

@test "never StrictHostKeyChecking=no, never agent forwarding, anywhere in the scripts" {
  ! grep -rn 'StrictHostKeyChecking=no\|StrictHostKeyChecking no\|ForwardAgent=yes\|accept-new' \
    "$PROTOSTAR_REPO/scripts/libexec" "$PROTOSTAR_REPO/scripts/lib" "$PROTOSTAR_REPO/Jenkinsfile"
}

@test "a command the gate would refuse is not sent" {
  run protostar remote deploy backend 'x;rm -rf /'
  assert_status 1
  assert_output_contains "not sent: character not allowed: ';'"
  run protostar remote deploy backend v2 --frobnicate
  assert_status 1
  assert_output_contains "not sent: unknown option or word '--frobnicate'"
  refute_called "ssh"
}

@test "missing settings are all named and nothing is sent" {
  unset PROTOSTAR_DEPLOY_HOST PROTOSTAR_DEPLOY_KEY PROTOSTAR_DEPLOY_KNOWN_HOSTS
  run protostar remote status
  assert_status 1
  assert_output_contains "PROTOSTAR_DEPLOY_HOST is not set"
  assert_output_contains "PROTOSTAR_DEPLOY_KEY is not set"
  assert_output_contains "PROTOSTAR_DEPLOY_KNOWN_HOSTS is not set"
  assert_output_contains "nothing was sent"
  refute_called "ssh"
}

@test "an empty known_hosts file (no pinned key) is refused before connecting" {
  : >"$TEST_ROOT/known_hosts"
  run protostar remote status
  assert_status 1
  assert_output_contains "is missing or empty: pin the production host's key first"
  refute_called "ssh"
}

@test "a wrong host key aborts with what it means" {
  ssh_answers 255 '' '@@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\nHost key verification failed.\n'
  run protostar remote version
  assert_status 1
  assert_output_contains "does not match the pinned one in $TEST_ROOT/known_hosts: not connecting"
}

@test "a refused key and an unreachable host are told apart" {
  ssh_answers 255 '' 'protostar-deploy@prod.example.org: Permission denied (publickey).\n'
  run protostar remote status
  assert_status 1
  assert_output_contains "refused the deploy key"
  ssh_answers 255 '' 'ssh: connect to host prod.example.org port 2222: Connection refused\n'
  run protostar remote status
  assert_status 1
  assert_output_contains "could not reach protostar-deploy@prod.example.org:2222 over SSH: ssh: connect to host"
}

@test "the gate's refusal (exit 2) is passed back" {
  ssh_answers 2 '' 'protostar-gate: refused: command not allowed\n'
  run protostar remote status
  assert_status 2
  assert_output_contains "protostar-gate: refused"
}

@test "ship: docker save of each image piped into ssh load-image" {
  # docker save prints a stand-in archive
  # shellcheck disable=SC2016 # expanded by the stub
  stub docker 'save *' 'printf "archive-of-%s" "$2"'
  run protostar remote ship abc123
  assert_status 0
  assert_call_line "docker save protostar/backend:abc123"
  assert_call_line "docker save protostar/ai-worker:abc123"
  [[ $(grep -c "^$(ssh_prefix) load-image$" "$STUB_LOG") -eq 2 ]] || fail "calls:" "$(cat "$STUB_LOG")"
  assert_call_line "stdin $(printf 'archive-of-protostar/backend:abc123' | wc -c) bytes"
  assert_output_line_matches '^\[1/2\] shipping protostar/backend:abc123 \(123 MB\) to prod.example.org'
}

@test "ship refuses a missing image, a bad tag or service before sending anything" {
  stub_missing_images protostar/ai-worker:abc
  run protostar remote ship abc
  assert_status 1
  assert_output_contains "protostar/ai-worker:abc is not in the local Docker"
  run protostar remote ship ../x backend
  assert_status 1
  run protostar remote ship abc nginx
  assert_status 1
  assert_output_contains "unknown service 'nginx'"
  refute_called "ssh"
  refute_called "docker save"
}

@test "a failed ship stops with the reason" {
  stub_output docker 'save *' x
  ssh_answers 2 '' "protostar-gate: refused: load-image: 'evil:1' is not protostar/backend:<tag>\n"
  run protostar remote ship abc backend ai-worker
  assert_status 1
  assert_output_contains "shipping protostar/backend:abc failed (exit 2)"
  [[ $(grep -c "load-image$" "$STUB_LOG") -eq 1 ]] || fail "went on after the failure"
}

# --- smoke ----------------------------------------------------------------------------------

# curl_answer CODE RESULT BACKEND — what the curl stub prints: body on stdout, headers on
# stderr (-D /dev/stderr).
curl_answer() {
  stub curl '*' "printf 'HTTP/2 $1\\r\\ncontent-type: application/json\\r\\nx-protostar-backend: $3\\r\\n\\r\\n' >&2
printf '{\"resultCode\":\"$2\",\"data\":null}'"
}

@test "smoke passes when the version answers 200 and resultCode OK, 5 times in a row" {
  curl_answer 200 OK "green abc123"
  echo cert >"$TEST_ROOT/ca.crt"
  run protostar smoke abc123 --url https://chat.example.org/ --cacert "$TEST_ROOT/ca.crt" --resolve chat.example.org:443:127.0.0.1
  assert_status 0
  assert_output_contains "Smoke test passed: https://chat.example.org/api/health serves abc123 (green abc123), 5 answers in a row"
  [[ $(grep -c '^curl ' "$STUB_LOG") -eq 5 ]]
  assert_call_line "curl -sS --max-time 5 -o /dev/stdout -D /dev/stderr --cacert $TEST_ROOT/ca.crt --resolve chat.example.org:443:127.0.0.1 https://chat.example.org/api/health"
}

@test "smoke fails on a 500 DRILL_FAULT from the new version" {
  curl_answer 500 DRILL_FAULT "green abc123"
  PROTOSTAR_PUBLIC_URL=https://chat.example.org run protostar smoke abc123 --timeout 1
  assert_status 1
  assert_output_contains "smoke test failed: https://chat.example.org/api/health did not serve version abc123"
  assert_output_contains "(last: status 500, resultCode DRILL_FAULT, backend 'green abc123')"
}

@test "smoke fails when another version answers" {
  curl_answer 200 OK "blue old1"
  PROTOSTAR_PUBLIC_URL=https://chat.example.org run protostar smoke abc123 --timeout 1
  assert_status 1
  assert_output_contains "backend 'blue old1'"
}

@test "smoke needs a version and a URL" {
  run protostar smoke
  assert_status 1
  assert_output_contains "the version to expect is needed"
  run protostar smoke abc
  assert_status 1
  assert_output_contains "PROTOSTAR_PUBLIC_URL needs the site's URL"
  run protostar smoke 'a;b' --url https://x/
  assert_status 1
  refute_called "curl"
}
