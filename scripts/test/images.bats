#!/usr/bin/env bats
# shellcheck disable=SC2016 # code for lib_run is single-quoted
# protostar images, and the image helpers of scripts/lib/images.sh and stack.sh.

load test_helper

@test "images list (default action) shows the offline images before the first up" {
  write_env
  run protostar images
  assert_status 0
  assert_output_line_matches '^VARIABLE +IMAGE +SIZE$'
  assert_output_line_matches '^NGINX +protostar/nginx:1\.26 +123 MB$'
  assert_output_line_matches '^POSTGRES +protostar/postgres:17-pgvector0\.8 +123 MB$'
  assert_output_line_matches '^JRE +protostar/jre:21 +123 MB$'
  assert_output_line_matches "^BACKEND_BLUE +- +\(set by the first 'up'\)$"
  assert_called "docker image inspect -f {{.Size}} protostar/nginx:1.26"
}

@test "images list follows the state's source and marks missing images" {
  write_env "REDIS_IMAGE=registry.test/redis:7"
  write_state_file "IMAGE_SOURCE=upstream" "BACKEND_BLUE_IMAGE=protostar/backend:v1"
  stub_missing_images nginx:1.26.3
  run protostar images list
  assert_status 0
  assert_output_line_matches '^NGINX +nginx:1\.26\.3 +missing$'
  assert_output_line_matches '^REDIS +registry\.test/redis:7 +123 MB$'
  assert_output_line_matches '^BACKEND_BLUE +protostar/backend:v1 +123 MB$'
}

@test "images list creates a missing .env (never an existing one)" {
  run protostar images list
  assert_status 0
  [[ -f "$ENV_FILE" ]] || fail "no .env created"
  [[ "$(stat -c %a "$ENV_FILE")" == 600 ]] || fail "mode $(stat -c %a "$ENV_FILE")"
}

@test "images with an unknown action fails with a hint" {
  write_env
  run protostar images purge
  assert_status 1
  assert_output_contains "unknown action 'purge'"
  assert_output_contains "protostar images --help"
  assert_no_calls
}

@test "images build --offline builds only what is missing" {
  write_env
  stub_missing_images protostar/redis:8
  run protostar images build --offline
  assert_status 0
  assert_called "docker build --build-arg BASE_IMAGE=protostar/debian:trixie --label dev.protostar.recipe=$(recipe_of redis) -t protostar/redis:8 $PROTOSTAR_REPO/compose/images/redis"
  [[ $(grep -c '^docker build' "$STUB_LOG") -eq 1 ]] || fail "expected one build" "$(cat "$STUB_LOG")"
  refute_called "debootstrap"
  refute_called "docker import"
  grep -qx 'IMAGE_SOURCE=offline' "$STATE_DIR_T/state.env"
  grep -qx 'BACKEND_BLUE_IMAGE=protostar/backend:test-1' "$STATE_DIR_T/state.env"
  [[ -f "$PROTOSTAR_LOG_DIR/image-redis.log" ]] || fail "no build log"
}

@test "images build: an offline image built from an older recipe is rebuilt under its tag" {
  write_env
  # postgres's label names another recipe; the others are current
  stub_output docker 'image inspect -f * protostar/postgres:17-pgvector0.8' 'feedfacefeedface\n'
  run protostar images build --offline
  assert_status 0
  assert_output_contains "rebuilding protostar/postgres:17-pgvector0.8: its recipe changed"
  assert_called "--label dev.protostar.recipe=$(recipe_of postgres) -t protostar/postgres:17-pgvector0.8 $PROTOSTAR_REPO/compose/images/postgres"
  [[ $(grep -c '^docker build' "$STUB_LOG") -eq 1 ]] || fail "expected one build" "$(cat "$STUB_LOG")"
}

@test "images build --tag: a bad tag or one that exists is refused before anything is built" {
  write_env
  run protostar images build --offline --tag 'v 1'
  assert_status 1
  assert_output_contains "--tag needs a tag: letters, digits and _.-"
  assert_no_calls
  run protostar images build --offline --tag test-1
  assert_status 1
  assert_output_contains "protostar/backend:test-1 exists already: a tag names one build; choose another"
  refute_called "docker build"
}

@test "images build --tag: the app images of this checkout under that tag, with that version" {
  write_env
  stub_missing_images protostar/backend:hotfix-7 protostar/ai-worker:hotfix-7
  # The jars are Maven's work (the java tier's): only that they are asked for is checked.
  run lib_run 'build_app_jars() { echo "jars for $1"; }; build_app_images offline hotfix-7'
  assert_status 0
  assert_output_contains "jars for offline"
  assert_call_line "docker build -f $PROTOSTAR_REPO/backend/Dockerfile --build-arg BASE_IMAGE=protostar/jre:21 --build-arg VERSION=hotfix-7 -t protostar/backend:hotfix-7 $PROTOSTAR_REPO"
  assert_call_line "docker build -f $PROTOSTAR_REPO/ai-worker/Dockerfile --build-arg BASE_IMAGE=protostar/jre:21 --build-arg VERSION=hotfix-7 -t protostar/ai-worker:hotfix-7 $PROTOSTAR_REPO"
}

@test "images build: a failing build shows its log and fails" {
  write_env
  stub_missing_images protostar/nginx:1.26
  # `docker build` fails with some output
  stub_output docker 'build *' 'E: unable to locate package nginx\n' 1
  run protostar images build --offline
  assert_status 1
  assert_output_contains "E: unable to locate package nginx"
  assert_output_contains "failed: docker build"
  assert_output_contains "full log: $PROTOSTAR_LOG_DIR/image-nginx.log"
  [[ ! -e "$STATE_DIR_T/state.env" ]] || fail "state written after a failed build"
}

@test "images build --upstream pulls the third-party images" {
  write_env
  stub_missing_images nginx:1.26.3 pgvector/pgvector:0.8.0-pg17 redis:8.0.2
  run protostar images build --upstream
  assert_status 0
  assert_call_line "docker pull nginx:1.26.3"
  assert_call_line "docker pull pgvector/pgvector:0.8.0-pg17"
  assert_call_line "docker pull redis:8.0.2"
  refute_called "docker build"
  grep -qx 'IMAGE_SOURCE=upstream' "$STATE_DIR_T/state.env"
}

@test "image_of honours an override, else reads the source's file" {
  run lib_run 'image_of JRE_IMAGE offline; image_of JRE_IMAGE upstream; JRE_IMAGE=x/jre:1 image_of JRE_IMAGE upstream'
  assert_status 0
  [[ "$output" == $'protostar/jre:21\neclipse-temurin:21.0.8_9-jre-noble\nx/jre:1' ]] || fail "got:" "$output"
}

@test "app_version: PROTOSTAR_APP_VERSION wins" {
  run lib_run 'PROTOSTAR_APP_VERSION=1.2.3 app_version'
  assert_status 0
  [[ "$output" == 1.2.3 ]] || fail "got: $output"
}

@test "app_version: the commit (12 hex), -dirty when the app sources differ" {
  unset PROTOSTAR_APP_VERSION
  run lib_run app_version
  assert_status 0
  [[ "$output" =~ ^[0-9a-f]{12}(-dirty)?$ ]] || fail "got: $output"
}

@test "choose_image_source: flag, then state, then registry probe" {
  run lib_run 'choose_image_source offline; IMAGE_SOURCE=upstream choose_image_source ""'
  assert_status 0
  [[ "$output" == $'offline\nupstream' ]] || fail "got:" "$output"
  assert_no_calls
}
