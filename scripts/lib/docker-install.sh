# shellcheck shell=bash
# Makes sure a Docker engine and the Compose v2 plugin are usable. On Debian/Ubuntu as
# root the missing parts are installed (what README.md's two commands rely on);
# otherwise the exact commands to run are printed and we stop.
#
# Why not Docker's own apt repository: only the OS package registries are reachable
# from the machines we support, so the engine comes from the OS (docker.io) and the
# Compose v2 plugin from Debian 13's docker-compose package, which is a static Go
# binary needing only glibc >= 2.34 (so it runs on Debian 12 too).

# shellcheck source=scripts/lib/debian-mirror.sh
source "${PROTOSTAR_ROOT}/scripts/lib/debian-mirror.sh"

readonly DOCKER_PLUGIN_DIR=/usr/local/lib/docker/cli-plugins

docker_engine_ready() { docker info >/dev/null 2>&1; }
compose_v2_ready() { docker compose version >/dev/null 2>&1; }

can_install_packages() {
  [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null && [[ -r /etc/os-release ]] &&
    grep -qiE '^ID(_LIKE)?=.*(debian|ubuntu)' /etc/os-release
}

print_manual_install() {
  cat >&2 <<'TXT'
Protostar needs a Docker engine and the Docker Compose v2 plugin ("docker compose").
Install them, then run this command again. On Debian/Ubuntu, as root:
  apt-get update && apt-get install -y docker.io
  # Compose v2: Debian 13/Ubuntu 24.04+ ship it as package docker-compose (v2) or
  # docker-compose-v2; on Debian 12 copy the plugin from Debian 13's docker-compose
  # package into /usr/local/lib/docker/cli-plugins/.
  # Then start the engine: systemctl start docker  (or: dockerd &)
Other systems: https://docs.docker.com/engine/install/
TXT
}

# Installs docker.io from the OS and starts the engine when it is not running.
install_docker_engine() {
  if ! command -v dockerd >/dev/null; then
    info "installing the Docker engine (docker.io) from the OS packages"
    apt-get update -qq
    apt-get install -y -qq docker.io >/dev/null
  fi
  if ! docker_engine_ready; then
    local log=/var/log/dockerd.log waited=0 limit=${PROTOSTAR_DOCKER_START_WAIT:-60}
    [[ -d /run/systemd/system ]] && log="journalctl -u docker"
    # A daemon that runs but does not answer yet (starting, or busy) is waited for: a
    # second one would fight it over /var/lib/docker and the socket.
    if dockerd_running; then
      info "the Docker engine runs but does not answer yet: waiting for it"
    else
      info "starting the Docker engine"
      if [[ -d /run/systemd/system ]]; then
        systemctl start docker
      else
        # No init system (containers, CI sandboxes): run dockerd as a detached daemon,
        # its log appended to (an earlier run's may say why it stopped).
        setsid nohup dockerd >>/var/log/dockerd.log 2>&1 < /dev/null &
      fi
    fi
    until docker_engine_ready; do
      ((waited++ < limit)) || abort "the Docker engine did not answer within ${limit}s; see $log"
      sleep 1
    done
  fi
}

# dockerd_running — a Docker daemon process runs on this host (its pid file names a live
# process, or one is found by name).
dockerd_running() {
  local pid
  if [[ -r /var/run/docker.pid ]] && read -r pid </var/run/docker.pid && [[ "$pid" =~ ^[0-9]+$ ]] &&
    kill -0 "$pid" 2>/dev/null; then
    return 0
  fi
  pgrep -x dockerd >/dev/null 2>&1
}

# Fetches Debian 13's docker-compose package (Compose v2) with a private apt state, so
# the system's sources are left exactly as they were.
install_compose_plugin() {
  local mirror tmp deb
  mirror=$(debian_mirror) || abort "no Debian mirror found in /etc/apt; set PROTOSTAR_DEBIAN_MIRROR"
  info "installing the Compose v2 plugin from Debian 13's docker-compose package"
  tmp=$(mktemp -d)
  mkdir -p "$tmp/lists/partial" "$tmp/archives/partial"
  printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s trixie main\n' "$mirror" >"$tmp/sources.list"
  local -a apt_private=(-o "Dir::Etc::SourceList=$tmp/sources.list" -o "Dir::Etc::SourceParts=-"
    -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache::Archives=$tmp/archives" -o "APT::Get::List-Cleanup=0" -o "APT::Sandbox::User=root")
  apt-get "${apt_private[@]}" update -qq || { rm -rf "$tmp"; abort "apt-get update for Debian 13 (trixie) failed"; }
  (cd "$tmp" && apt-get "${apt_private[@]}" download docker-compose >/dev/null) || true
  if ! deb=$(compgen -G "$tmp/docker-compose_*.deb"); then
    rm -rf "$tmp"
    abort "could not download docker-compose from $mirror"
  fi
  dpkg -x "$deb" "$tmp/x"
  install -D -m 0755 "$tmp/x/usr/libexec/docker/cli-plugins/docker-compose" "$DOCKER_PLUGIN_DIR/docker-compose"
  rm -rf "$tmp"
}

# Entry point used by `up`, the test command and CI.
ensure_docker() {
  docker_engine_ready && compose_v2_ready && return 0
  if ! can_install_packages; then
    print_manual_install
    abort "Docker engine or Compose v2 missing"
  fi
  docker_engine_ready || install_docker_engine
  compose_v2_ready || install_compose_plugin
  compose_v2_ready || abort "docker compose still unusable after installing the plugin"
}
