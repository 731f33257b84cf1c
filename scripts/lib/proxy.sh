# shellcheck shell=bash
# The cloud proxy's settings (.env.proxy), the admin host names' map nginx reads, and the
# Compose command built from them. Shares the parser and the value checks with the other
# hosts (config.sh). The proxy holds no secret.

# shellcheck source=scripts/lib/images.sh
source "$PROTOSTAR_ROOT/scripts/lib/images.sh"

readonly COMPOSE_FILE_PROXY="$PROTOSTAR_ROOT/compose/proxy.yml"
readonly PROXY_ENV_EXAMPLE="$PROTOSTAR_ROOT/compose/proxy.env.example"
readonly PROXY_OFFLINE_NGINX_IMAGE=protostar/nginx:1.26

proxy_env_file() { printf '%s\n' "${PROTOSTAR_PROXY_ENV_FILE:-$PROTOSTAR_ROOT/.env.proxy}"; }

# The checks, by variable (rules of check_value, or proxy_check_value's own).
declare -A PROXY_ENV_RULES=(
  [PROXY_PROJECT_NAME]=project_name
  [PROXY_STATE_DIR]=path
  [PROXY_BIND_ADDRESS]=ipv4
  [PROXY_HTTPS_PORT]=port
  [PROXY_ADMIN_HOSTNAMES]=hostnames
  [PROXY_UPSTREAM]=host_port
  [PROXY_MAX_CONNECTIONS_PER_CLIENT]=rate
  [PROXY_IDLE_TIMEOUT]=nginx_time
  [PROXY_MEMORY_LIMIT]=memory
)
# None yet; read by settings_problems (through a nameref).
# shellcheck disable=SC2034
declare -A PROXY_OPTIONAL_ENV_RULES=()
# shellcheck disable=SC2034
readonly PROXY_QUIET_VARIABLES=()

# proxy_check_value RULE VALUE — the rules config.sh lacks, else config.sh's.
proxy_check_value() {
  local rule=$1 v=$2 name
  case "$rule" in
    hostnames)
      for name in ${v//,/ }; do
        [[ -z "$(check_value hostname "$name")" && "$name" == *.* ]] && continue
        echo "host names separated by commas, such as jenkins.ops.example.org,grafana.ops.example.org ($name is not one)"
        return 0
      done
      ;;
    host_port)
      [[ "$v" =~ ^(.+):([0-9]+)$ && -z "$(check_value hostname "${BASH_REMATCH[1]}")" &&
        -z "$(check_value port "${BASH_REMATCH[2]}")" ]] || echo "HOST:PORT, such as router.example.org:8888 or 198.51.100.20:8888"
      ;;
    nginx_time) [[ "$v" =~ ^[1-9][0-9]*(s|m|h)$ ]] || echo "a time such as 90s, 10m or 1h" ;;
    *) check_value "$rule" "$v" ;;
  esac
}

# ensure_proxy_env_file — .env.proxy from the example when it is missing (never touched
# when it exists).
ensure_proxy_env_file() { create_settings_file "$(proxy_env_file)" "$PROXY_ENV_EXAMPLE"; }

# load_proxy_config — reads and checks .env.proxy; exports what Compose needs.
load_proxy_config() {
  local file problems=()
  file=$(proxy_env_file)
  [[ -f "$file" ]] || abort "$file not found: run 'protostar proxy up' to create it"
  unset "${!PROXY_ENV_RULES[@]}" PROXY_NGINX_IMAGE
  read_env_file "$file"
  mapfile -t problems < <(settings_problems proxy_check_value PROXY_ENV_RULES PROXY_OPTIONAL_ENV_RULES PROXY_QUIET_VARIABLES
    placeholder_problems "$PROXY_ENV_EXAMPLE" PROXY_ADMIN_HOSTNAMES PROXY_UPSTREAM)
  report_problems "$file" compose/proxy.env.example "${problems[@]}"
  PROXY_STATE_DIR=$(absolute "$PROXY_STATE_DIR")
  export PROXY_STATE_DIR
}

# proxy_hostnames_map — the lines of nginx's map from server name to route: each admin
# host name to the management host (case does not matter to nginx's `hostnames` map).
proxy_hostnames_map() {
  local name
  printf '# Written by protostar proxy up/reload from %s; edits are overwritten.\n' "$(proxy_env_file)"
  for name in ${PROXY_ADMIN_HOSTNAMES//,/ }; do
    printf '%s management;\n' "${name,,}"
  done
}

# write_proxy_files — that map under PROXY_STATE_DIR/nginx, replaced atomically.
write_proxy_files() {
  local dir="$PROXY_STATE_DIR/nginx"
  mkdir -p "$dir"
  proxy_hostnames_map >"$dir/.admin-hostnames.map.new"
  chmod 644 "$dir/.admin-hostnames.map.new"
  mv "$dir/.admin-hostnames.map.new" "$dir/admin-hostnames.map"
}

# proxy_compose_command — the exact `docker compose` invocation (printed by tests).
proxy_compose_command() {
  printf '%s\n' docker compose --project-name "$PROXY_PROJECT_NAME" --file "$COMPOSE_FILE_PROXY"
}

proxy_compose() {
  local -a cmd
  mapfile -t cmd < <(proxy_compose_command)
  "${cmd[@]}" "$@"
}

# proxy_image_source [FLAG] — offline or upstream: the flag, else what this host used
# before (recorded in PROXY_STATE_DIR), else upstream. Offline: protostar/nginx, unless
# .env.proxy names its own image.
proxy_image_source() { recorded_image_source "$PROXY_STATE_DIR" "${1:-}"; }
use_proxy_offline_image() {
  [[ -n "${OPERATOR_SET[PROXY_NGINX_IMAGE]:-}" ]] || export PROXY_NGINX_IMAGE=$PROXY_OFFLINE_NGINX_IMAGE
}
