#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2030,SC2031 # code for lib_run is single-quoted; settings are exported per test
# scripts/lib/docker-install.sh: ensure_docker never installs when Docker is ready, and
# never installs when it may not.

load test_helper

@test "ensure_docker returns at once when engine and compose are ready" {
  run lib_run 'ensure_docker; echo ready'
  assert_status 0
  [[ "$output" == ready ]] || fail "got: $output"
  assert_call_line "docker info"
  assert_call_line "docker compose version"
  refute_called "apt-get"
  refute_called "dockerd"
}

@test "engine not ready and no way to install: manual instructions, non-zero, no apt-get" {
  stub_output docker info '' 1
  run lib_run 'can_install_packages() { return 1; }; ensure_docker; echo "SHOULD NOT GET HERE"'
  assert_status 1
  assert_output_contains 'Protostar needs a Docker engine and the Docker Compose v2 plugin ("docker compose").'
  assert_output_contains "apt-get update && apt-get install -y docker.io"
  assert_output_contains "protostar: Docker engine or Compose v2 missing"
  refute_output_contains "SHOULD NOT GET HERE"
  refute_called "apt-get"
  refute_called "dockerd"
  refute_called "systemctl"
}

@test "a daemon that runs but does not answer is waited for, never started twice" {
  stub_output docker info '' 1
  stub pgrep
  stub dockerd
  export PROTOSTAR_DOCKER_START_WAIT=1
  run lib_run 'can_install_packages() { return 0; }; dockerd_running() { pgrep -x dockerd; }; install_docker_engine'
  assert_status 1
  assert_output_contains "the Docker engine runs but does not answer yet: waiting for it"
  assert_output_contains "the Docker engine did not answer within 1s"
  refute_output_contains "starting the Docker engine"
  assert_call_line "pgrep -x dockerd"
  ! grep -q '^dockerd' "$STUB_LOG" || fail "a second dockerd was started" "$(cat "$STUB_LOG")"
  refute_called "systemctl"
}

@test "compose v2 missing and no way to install: manual instructions, no apt-get" {
  stub_output docker 'compose version' '' 1
  run lib_run 'can_install_packages() { return 1; }; ensure_docker'
  assert_status 1
  assert_output_contains "/usr/local/lib/docker/cli-plugins/"
  refute_called "apt-get"
}

@test "installing the compose plugin uses a private apt state and the host's mirror" {
  stub_output docker 'compose version' '' 1
  export PROTOSTAR_DEBIAN_MIRROR=http://mirror.test/debian
  # the apt-get stub keeps a copy of the private sources.list it is given
  stub apt-get '*' - <<'STUB'
for arg; do
  case "$arg" in Dir::Etc::SourceList=*) cp "${arg#*=}" "$STUB_LOG.sources" ;; esac
done
STUB
  run lib_run 'can_install_packages() { return 0; }; ensure_docker'
  # no package is downloaded by the stub, so it stops before installing anything
  assert_status 1
  assert_output_contains "could not download docker-compose from http://mirror.test/debian"
  assert_called "-o Dir::Etc::SourceParts=- "
  assert_called " update -qq"
  assert_called " download docker-compose"
  refute_called "apt-get install"
  [[ "$(cat "$STUB_LOG.sources")" == "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.test/debian trixie main" ]] ||
    fail "sources: $(cat "$STUB_LOG.sources")"
}

@test "a failed compose plugin install removes its private apt directory" {
  stub_output docker 'compose version' '' 1
  export PROTOSTAR_DEBIAN_MIRROR=http://mirror.test/debian
  run lib_run 'can_install_packages() { return 0; }; ensure_docker'
  assert_status 1
  local dir
  dir=$(grep -o 'Dir::Etc::SourceList=[^ ]*' "$STUB_LOG" | head -n 1 | cut -d= -f2)
  [[ -n "$dir" ]] || fail "apt-get was not called" "$(cat "$STUB_LOG")"
  [[ ! -e "$(dirname "$dir")" ]] || fail "left behind: $(dirname "$dir")"
}

@test "install_compose_plugin without any mirror aborts before apt-get" {
  stub_output docker 'compose version' '' 1
  export PROTOSTAR_APT_ETC="$TEST_ROOT/empty-apt"
  run lib_run 'can_install_packages() { return 0; }; ensure_docker'
  assert_status 1
  assert_output_contains "no Debian mirror found in /etc/apt; set PROTOSTAR_DEBIAN_MIRROR"
  refute_called "apt-get"
}

@test "print_manual_install writes to stderr only" {
  run lib_run 'print_manual_install 2>/dev/null'
  assert_status 0
  [[ -z "$output" ]] || fail "stdout: $output"
}
