#!/usr/bin/env bats
# shellcheck disable=SC2016 # commands under test are single-quoted on purpose
# protostar deploy-gate, the forced command of the deploy SSH key: every refused input is
# a test (refused with exit 2, one line on stderr, logged, nothing run), and accepted
# commands reach protostar with their words as separate arguments.

load test_helper

setup() {
  deployed_stack_setup blue v1 v1
  stub_health_answer 'HTTP/2 200\r\nx-protostar-backend: green v2\r\n\r\n'
  export SSH_CLIENT="192.0.2.10 51234 22" SUDO_USER=protostar-deploy
  unset SSH_ORIGINAL_COMMAND PROTOSTAR_GATE_LOG PROTOSTAR_GATE_MAX_IMAGE_BYTES
  GATE_LOG="$STATE_DIR_T/gate.log"
}

# gate COMMAND — the gate as sshd runs it for the deploy key (stdin: nothing).
gate() { SSH_ORIGINAL_COMMAND=$1 protostar deploy-gate </dev/null; }

# assert_refused COMMAND REASON — refused with exit 2 and REASON on stderr, logged with the
# client's address, and nothing run (no docker call, no deploy).
assert_refused() {
  run gate "$1"
  assert_status 2
  [[ "${#lines[@]}" -eq 1 ]] || fail "expected one line, got:" "$output"
  assert_output_contains "protostar-gate: refused: $2"
  assert_no_calls
  [[ ! -e "$STATE_DIR_T/audit.log" ]] || fail "something was audited"
  tail -n 1 "$GATE_LOG" | grep -qE '^[0-9T:-]+Z client=192\.0\.2\.10 user=protostar-deploy result=refused command=".*" reason=".+"$' ||
    fail "log line:" "$(cat "$GATE_LOG" 2>/dev/null)"
}

# --- Refused -------------------------------------------------------------------------------

@test "another command (cat /etc/shadow) is refused and logged" {
  assert_refused 'cat /etc/shadow' "character not allowed: '/'"
  grep -qF 'command="cat /etc/shadow"' "$GATE_LOG"
}

@test "an unknown command without metacharacters is refused" {
  assert_refused 'bash' "command not allowed: 'bash'"
  assert_refused 'id' "command not allowed: 'id'"
  assert_refused 'docker ps' "command not allowed: 'docker'"
}

@test "a command separator in a tag is refused: deploy backend 'x;rm -rf /'" {
  assert_refused 'deploy backend x;rm -rf /' "character not allowed: ';'"
}

@test "command substitution (dollar, parenthesis) is refused" {
  assert_refused 'deploy backend $(id)' "character not allowed: '\$'"
}

@test "variable expansion is refused" {
  assert_refused 'deploy backend ${HOME}' "character not allowed: '\$'"
}

@test "backticks are refused" {
  assert_refused 'deploy backend `id`' "character not allowed: '\`'"
}

@test "a pipe is refused" {
  assert_refused 'status | sh' "character not allowed: '|'"
}

@test "&& is refused" {
  assert_refused 'status && id' "character not allowed: '&'"
}

@test "a redirection is refused" {
  assert_refused 'status > x' "character not allowed: '>'"
}

@test "a newline (a second command) is refused" {
  assert_refused $'status\nid' "character not allowed: a newline"
}

@test "a control character is refused and logged as '?'" {
  assert_refused $'status\x01' "character not allowed: byte 0x01"
  grep -qF 'command="status?"' "$GATE_LOG"
}

@test "quotes and globs are refused" {
  assert_refused "deploy backend 'v2'" "character not allowed: '''"
  assert_refused 'deploy backend "v2"' "character not allowed: '\"'"
  assert_refused 'deploy backend v*' "character not allowed: '*'"
}

@test "an empty command (an interactive login) is refused" {
  assert_refused '' "no command: this key runs only deploy, rollback, status, load-image or version (no shell)"
  run bash -c 'unset SSH_ORIGINAL_COMMAND; "$0" deploy-gate </dev/null' "$PROTOSTAR_BIN"
  assert_status 2
  assert_output_contains "refused: no command"
}

@test "a command of spaces only is refused" {
  assert_refused '   ' "no command"
}

@test "an unknown option is refused" {
  assert_refused 'deploy backend v2 --frobnicate' "unknown option or word '--frobnicate'"
  assert_refused 'deploy backend v2 extra' "unknown option or word 'extra'"
}

@test "an option without its value, or a malformed value, is refused" {
  assert_refused 'deploy backend v2 --drain' "option --drain needs a value like 30 (got 'nothing')"
  assert_refused 'deploy backend v2 --drain 5s' "option --drain needs a value like 30 (got '5s')"
  assert_refused 'deploy backend v2 --canary 10,x' "option --canary needs a value like 10,50,100"
  assert_refused 'deploy backend v2 --step 1h' "option --step needs a value like 60s"
}

@test "an option given twice is refused" {
  assert_refused 'deploy backend v2 --drain 1 --drain 2' "option --drain given twice"
}

@test "rollback refuses deploy-only options (a canary)" {
  assert_refused 'rollback --canary 10,100' "unknown option or word '--canary'"
}

@test "a path traversal tag (../) is refused" {
  assert_refused 'deploy backend ../../etc' "character not allowed: '/'"
  assert_refused 'deploy backend ..' "deploy needs an image tag such as 1.4.2 or 0123abcd (got '..')"
  assert_refused 'rollback .hidden' "rollback takes an image tag such as 1.4.2 (got '.hidden')"
}

@test "a full image reference is refused: the key deploys protostar images only" {
  assert_refused 'deploy backend evil/backend:v2' "character not allowed: '/'"
  assert_refused 'deploy backend backend:v2' "character not allowed: ':'"
}

@test "an overlong tag (129 characters) is refused" {
  local tag
  tag=$(printf 'a%.0s' {1..129})
  assert_refused "deploy backend $tag" "deploy needs an image tag such as 1.4.2 or 0123abcd"
}

@test "an overlong command (over 512 characters) is refused" {
  assert_refused "status $(printf 'x%.0s' {1..520})" "command longer than 512 characters"
}

@test "an unknown service is refused" {
  assert_refused 'deploy postgres v2' "deploy needs a service, backend or ai-worker (got 'postgres')"
  assert_refused 'deploy' "deploy needs a service, backend or ai-worker (got 'nothing')"
}

@test "status, version and load-image take no arguments" {
  assert_refused 'status --all' "status takes no arguments (got '--all')"
  assert_refused 'version x' "version takes no arguments"
  assert_refused 'load-image protostar' "load-image takes no arguments"
}

@test "the gate ignores the client for its own options: only authorized_keys sets --env-file" {
  run protostar deploy-gate --env-file relative/.env
  assert_status 1
  assert_output_contains "--env-file needs an absolute path"
}

# --- Accepted ------------------------------------------------------------------------------

@test "version answers without touching the stack" {
  run gate 'version'
  assert_status 0
  [[ "$output" == "protostar-gate 1" ]] || fail "output: $output"
  assert_no_calls
  grep -qE ' client=192\.0\.2\.10 user=protostar-deploy result=accepted command="version"$' "$GATE_LOG"
}

@test "status runs protostar status" {
  stub_ps_states 'nginx|running|healthy|protostar/nginx:1.26|1 hour\n'
  run gate 'status'
  assert_status 0
  assert_output_contains "Project:       ptest"
  assert_output_contains "Active colour: blue"
}

@test "deploy runs protostar deploy with each word as its own argument; the audit names the key's user and client" {
  run gate 'deploy backend v2 --drain 0 --timeout 60'
  assert_status 0
  assert_call_line "$(compose_prefix) up --detach --no-deps --wait --wait-timeout 60 backend-green"
  grep -qx 'BACKEND_GREEN_IMAGE=protostar/backend:v2' "$STATE_DIR_T/state.env"
  grep -q ' action=deploy service=backend user=protostar-deploy@192.0.2.10 from=protostar/backend:v1 to=protostar/backend:v2 ' "$STATE_DIR_T/audit.log" ||
    fail "audit:" "$(cat "$STATE_DIR_T/audit.log")"
  grep -q 'result=accepted command="deploy backend v2 --drain 0 --timeout 60"' "$GATE_LOG"
}

@test "deploy's own checks still apply behind the gate (a missing image)" {
  stub_missing_images protostar/backend:v9
  run gate 'deploy backend v9 --canary 10,50,100 --step 30s'
  assert_status 1
  assert_output_contains "image protostar/backend:v9 is not present in Docker"
}

@test "gate_check passes every deploy and rollback option with a valid value" {
  run lib_run 'source "$PROTOSTAR_ROOT/scripts/lib/gate.sh"; gate_check "deploy backend 1.4.2 --canary 10,50,100 --step 2m --max-error-rate 1.5 --max-p95 800 --min-requests 20 --keep-warm --warm-for 30 --drain 5 --timeout 300 --grace 60" | paste -sd" "'
  assert_status 0
  [[ "$output" == "deploy backend 1.4.2 --canary 10,50,100 --step 2m --max-error-rate 1.5 --max-p95 800 --min-requests 20 --keep-warm --warm-for 30 --drain 5 --timeout 300 --grace 60" ]] || fail "$output"
  local command
  for command in "rollback" "rollback backend" "rollback ai-worker 0123abcd --grace 5" "rollback 1.4.1 --keep-warm --drain 2" "rollback --warm-for 0" "deploy ai-worker v2_rc-1.x"; do
    run lib_run "source \"\$PROTOSTAR_ROOT/scripts/lib/gate.sh\"; gate_check '$command'"
    assert_status 0
  done
}

# --- load-image ----------------------------------------------------------------------------

# make_archive FILE TAGS... — a stand-in for a `docker save` archive naming TAGS.
make_archive() {
  local file=$1 tags dir
  shift
  dir=$(mktemp -d)
  tags=$(printf '"%s",' "$@")
  printf '[{"Config":"abc.json","RepoTags":[%s],"Layers":["l1/layer.tar"]}]' "${tags%,}" >"$dir/manifest.json"
  echo '{}' >"$dir/abc.json"
  tar -C "$dir" -cf "$file" manifest.json abc.json
}

# docker_loads TEXT — what `docker load` prints (printf %b).
docker_loads() { stub_output docker 'load *' "$1"; }

@test "load-image loads an archive of protostar/backend and protostar/ai-worker tags" {
  make_archive "$TEST_ROOT/ok.tar" protostar/backend:abc123 protostar/ai-worker:abc123
  docker_loads 'Loaded image: protostar/backend:abc123\nLoaded image: protostar/ai-worker:abc123\n'
  SSH_ORIGINAL_COMMAND=load-image run protostar deploy-gate <"$TEST_ROOT/ok.tar"
  assert_status 0
  assert_output_contains "loaded protostar/backend:abc123"
  assert_output_contains "loaded protostar/ai-worker:abc123"
  grep -qE "^docker load -i $TEST_ROOT/protostar-load\.[A-Za-z0-9]+/image\.tar$" "$STUB_LOG" || fail "calls:" "$(cat "$STUB_LOG")"
  grep -q 'result=loaded command="load-image" reason="protostar/backend:abc123 protostar/ai-worker:abc123"' "$GATE_LOG"
  [[ -z "$(find "$TEST_ROOT" -maxdepth 1 -name 'protostar-load.*')" ]] || fail "temporary archive left"
}

@test "load-image refuses an archive naming any other repository, before loading" {
  make_archive "$TEST_ROOT/bad.tar" protostar/backend:v2 protostar/nginx:1.26
  SSH_ORIGINAL_COMMAND=load-image run protostar deploy-gate <"$TEST_ROOT/bad.tar"
  assert_status 2
  assert_output_contains "refused: load-image: 'protostar/nginx:1.26' is not protostar/backend:<tag> or protostar/ai-worker:<tag>"
  refute_called "docker load"
  make_archive "$TEST_ROOT/bad2.tar" library/debian:latest
  SSH_ORIGINAL_COMMAND=load-image run protostar deploy-gate <"$TEST_ROOT/bad2.tar"
  assert_status 2
  refute_called "docker load"
}

@test "load-image refuses an untagged archive, a non-archive and empty input" {
  make_archive "$TEST_ROOT/untagged.tar"
  SSH_ORIGINAL_COMMAND=load-image run protostar deploy-gate <"$TEST_ROOT/untagged.tar"
  assert_status 2
  assert_output_contains "the archive names no image"
  echo 'not a tar' >"$TEST_ROOT/junk"
  SSH_ORIGINAL_COMMAND=load-image run protostar deploy-gate <"$TEST_ROOT/junk"
  assert_status 2
  assert_output_contains "not a docker save archive"
  SSH_ORIGINAL_COMMAND=load-image run protostar deploy-gate </dev/null
  assert_status 2
  assert_output_contains "load-image: nothing on stdin"
  refute_called "docker load"
}

@test "load-image refuses an archive over the size limit" {
  make_archive "$TEST_ROOT/ok.tar" protostar/backend:v2
  PROTOSTAR_GATE_MAX_IMAGE_BYTES=100 SSH_ORIGINAL_COMMAND=load-image run protostar deploy-gate <"$TEST_ROOT/ok.tar"
  assert_status 2
  assert_output_contains "the archive is larger than 100 bytes"
  refute_called "docker load"
}

@test "load-image refuses an image docker loaded that the archive did not name, and leaves it alone" {
  make_archive "$TEST_ROOT/ok.tar" protostar/backend:v2
  docker_loads 'Loaded image: protostar/backend:v2\nLoaded image: redis:8\n'
  SSH_ORIGINAL_COMMAND=load-image run protostar deploy-gate <"$TEST_ROOT/ok.tar"
  assert_status 2
  assert_output_contains "docker loaded redis:8, which the archive did not name: left as it is"
  refute_called "docker image rm"
  refute_called "docker rmi"
  grep -q 'result=refused command="load-image" reason="load-image: docker loaded redis:8' "$GATE_LOG"
}

# archive_with MEMBER-FILE... — an archive ($TEST_ROOT/planted.tar) holding the files
# written into $TEST_ROOT/planted beforehand, in the order given (tar's own names).
archive_with() {
  tar -C "$TEST_ROOT/planted" -cf "$TEST_ROOT/planted.tar" "$@"
}

# plant FILE TEXT — a member for archive_with.
plant() {
  mkdir -p "$TEST_ROOT/planted/$(dirname "$1")"
  printf '%s' "$2" >"$TEST_ROOT/planted/$1"
}

# assert_load_refused ARCHIVE REASON — refused with exit 2 and REASON, logged, nothing loaded.
assert_load_refused() {
  SSH_ORIGINAL_COMMAND=load-image run protostar deploy-gate <"$1"
  assert_status 2
  assert_output_contains "refused: load-image: $2"
  refute_called "docker load"
  refute_called "docker image"
  tail -n 1 "$GATE_LOG" | grep -qF "result=refused command=\"load-image\" reason=\"load-image: " ||
    fail "log:" "$(cat "$GATE_LOG")"
}

@test "load-image reads RepoTags however the JSON is spaced: a redis:8 tag is refused before loading" {
  # Docker writes "RepoTags":[...]; JSON allows spaces and line breaks, which a grep missed.
  plant manifest.json $'[ {\n  "Config" : "c.json",\n  "RepoTags" : [ "protostar/backend:v2" ,\n\t"redis:8" ],\n  "Layers": [] } ]'
  archive_with manifest.json
  assert_load_refused "$TEST_ROOT/planted.tar" "'redis:8' is not protostar/backend:<tag>"
  plant manifest.json '[{"Config":"c.json","RepoTags": ["postgres:17"]}]'
  archive_with manifest.json
  assert_load_refused "$TEST_ROOT/planted.tar" "'postgres:17' is not protostar/backend:<tag>"
}

@test "load-image refuses a mixed archive: one image of protostar, another retagging redis" {
  plant manifest.json '[{"Config": "a.json", "RepoTags":["protostar/ai-worker:v2"]}, {"Config": "b.json", "RepoTags": ["redis:8"]}]'
  archive_with manifest.json
  assert_load_refused "$TEST_ROOT/planted.tar" "'redis:8' is not protostar/backend:<tag> or protostar/ai-worker:<tag>"
}

@test "load-image refuses an archive with no tags, in any spelling" {
  plant manifest.json '[{"Config":"a.json","RepoTags":null,"Layers":[]}]'
  archive_with manifest.json
  assert_load_refused "$TEST_ROOT/planted.tar" "the archive names no image"
  plant manifest.json '[ { "Config": "a.json", "RepoTags": [ ] } ]'
  archive_with manifest.json
  assert_load_refused "$TEST_ROOT/planted.tar" "the archive names no image"
}

@test "load-image refuses a manifest that is not docker save's JSON" {
  plant manifest.json '[{"RepoTags":["protostar/backend:v2"'
  archive_with manifest.json
  assert_load_refused "$TEST_ROOT/planted.tar" "manifest.json of the archive is not what docker save writes"
  plant manifest.json '[{"RepoTags":"redis:8"}]'
  archive_with manifest.json
  assert_load_refused "$TEST_ROOT/planted.tar" "manifest.json of the archive is not what docker save writes"
}

@test "load-image checks the OCI index and a legacy repositories file too" {
  plant manifest.json '[{"Config":"a.json","RepoTags":["protostar/backend:v2"]}]'
  plant index.json '{"manifests": [ {"annotations": {"io.containerd.image.name": "docker.io/library/redis:8"}} ]}'
  archive_with manifest.json index.json
  assert_load_refused "$TEST_ROOT/planted.tar" "'library/redis:8' is not protostar/backend:<tag>"
  rm "$TEST_ROOT/planted/index.json"
  plant repositories '{ "redis": { "8": "0123abcd" } }'
  archive_with manifest.json repositories
  assert_load_refused "$TEST_ROOT/planted.tar" "'redis:8' is not protostar/backend:<tag>"
}

@test "load-image refuses a second manifest.json that docker would unpack over the first" {
  plant manifest.json '[{"Config":"a.json","RepoTags":["protostar/backend:v2"]}]'
  plant evil/manifest.json '[{"Config":"a.json","RepoTags":["redis:8"]}]'
  # ./manifest.json: the same file once unpacked, a different member name for tar.
  tar -C "$TEST_ROOT/planted" -cf "$TEST_ROOT/planted.tar" manifest.json
  tar -C "$TEST_ROOT/planted/evil" -rf "$TEST_ROOT/planted.tar" ./manifest.json
  assert_load_refused "$TEST_ROOT/planted.tar" "archive member './manifest.json' could stand for manifest.json a second time"
  tar -C "$TEST_ROOT/planted" --hard-dereference -cf "$TEST_ROOT/planted.tar" manifest.json manifest.json
  assert_load_refused "$TEST_ROOT/planted.tar" "archive member 'manifest.json' could stand for manifest.json a second time"
}

@test "load-image refuses a manifest.json that is a link" {
  plant other.json '[{"Config":"a.json","RepoTags":["redis:8"]}]'
  ln -s other.json "$TEST_ROOT/planted/manifest.json"
  archive_with other.json manifest.json
  assert_load_refused "$TEST_ROOT/planted.tar" "archive member 'manifest.json -> other.json' is not a plain file"
}

@test "load-image takes a gzip-compressed archive and checks it the same way" {
  make_archive "$TEST_ROOT/ok.tar" protostar/backend:v3
  gzip -c "$TEST_ROOT/ok.tar" >"$TEST_ROOT/ok.tar.gz"
  docker_loads 'Loaded image: protostar/backend:v3\n'
  SSH_ORIGINAL_COMMAND=load-image run protostar deploy-gate <"$TEST_ROOT/ok.tar.gz"
  assert_status 0
  assert_output_contains "loaded protostar/backend:v3"
  : >"$STUB_LOG"
  make_archive "$TEST_ROOT/bad.tar" redis:8
  gzip -c "$TEST_ROOT/bad.tar" >"$TEST_ROOT/bad.tar.gz"
  assert_load_refused "$TEST_ROOT/bad.tar.gz" "'redis:8' is not protostar/backend:<tag>"
}

@test "load-image without jq on the host refuses before reading the archive" {
  make_archive "$TEST_ROOT/ok.tar" protostar/backend:v2
  # The system's commands but jq, after the stubs.
  local bin="$TEST_ROOT/nojq"
  mkdir -p "$bin"
  # One ln for them all: one per command took 16 s.
  find /usr/bin -mindepth 1 -maxdepth 1 ! -name jq -exec ln -s -t "$bin" {} +
  SSH_ORIGINAL_COMMAND=load-image PATH="$STUB_BIN:$bin" run protostar deploy-gate <"$TEST_ROOT/ok.tar"
  assert_status 2
  assert_output_contains "load-image: jq is missing on this host"
  refute_called "docker load"
}

@test "archive_image_names reads manifest.json RepoTags and an OCI index's image names" {
  local dir="$TEST_ROOT/oci"
  mkdir -p "$dir"
  printf '[{"Config":"c","RepoTags":["protostar/backend:v2"],"Layers":[]}]' >"$dir/manifest.json"
  printf '{"manifests":[{"annotations":{"io.containerd.image.name":"docker.io/protostar/ai-worker:v2","org.opencontainers.image.ref.name":"v2"}}]}' >"$dir/index.json"
  tar -C "$dir" -cf "$TEST_ROOT/oci.tar" manifest.json index.json
  run lib_run "source \"\$PROTOSTAR_ROOT/scripts/lib/gate.sh\"; archive_image_names '$TEST_ROOT/oci.tar'"
  assert_status 0
  [[ "$output" == $'protostar/ai-worker:v2\nprotostar/backend:v2' ]] || fail "output: $output"
}
