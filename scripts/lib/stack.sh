# shellcheck shell=bash
# What `up` and `images` share: choosing where images come from and making them present.

# shellcheck source=scripts/lib/images.sh
source "$PROTOSTAR_ROOT/scripts/lib/images.sh"

# registry_reachable — whether a container registry answers, tried with one pinned image.
registry_reachable() {
  local image
  image=$(image_of NGINX_IMAGE upstream)
  image_exists "$image" && return 0
  timeout "${PROTOSTAR_PULL_PROBE_TIMEOUT:-30}" docker pull -q "$image" >/dev/null 2>&1
}

# choose_image_source FLAG — the flag if given, else what this host used before, else
# upstream when a registry is reachable, offline otherwise.
choose_image_source() {
  local flag=${1:-}
  if [[ -n "$flag" ]]; then
    printf '%s\n' "$flag"
  elif [[ -n "${IMAGE_SOURCE:-}" ]]; then
    printf '%s\n' "$IMAGE_SOURCE"
  elif registry_reachable; then
    printf 'upstream\n'
  else
    info "no container registry reachable: building the images from Debian packages (offline mode)"
    printf 'offline\n'
  fi
}

# prepare_images SOURCE [--rebuild] — third-party images built or pulled, app images
# built for this checkout when the state names none yet.
prepare_images() {
  local source=$1 rebuild=${2:-} version
  export_image_defaults "$source"
  if [[ "$source" == offline ]]; then
    build_offline_images "$rebuild"
  else
    local var
    local var name
    for var in NGINX_IMAGE POSTGRES_IMAGE REDIS_IMAGE OBJECT_STORE_IMAGE; do
      image_exists "${!var}" || quietly "$(log_file pull)" docker pull "${!var}"
    done
    for name in "${DEBIAN_ONLY_IMAGES[@]}"; do
      var=${name//-/_}
      var=${var^^}_IMAGE
      # An image of the operator's own (set in .env) is pulled like the others.
      if [[ "${!var}" == "$(image_of "$var" upstream)" ]]; then
        build_offline_image "$name" "${!var}"
      else
        image_exists "${!var}" || quietly "$(log_file pull)" docker pull "${!var}"
      fi
    done
  fi
  version=$(app_version)
  if [[ -z "${BACKEND_BLUE_IMAGE:-}" ]]; then
    build_app_images "$source" "$version"
    write_state "IMAGE_SOURCE=$source" "ACTIVE_COLOR=blue" \
      "BACKEND_BLUE_IMAGE=protostar/backend:$version" "BACKEND_GREEN_IMAGE=protostar/backend:$version" \
      "AI_WORKER_IMAGE=protostar/ai-worker:$version"
  else
    local image missing=()
    for image in "$BACKEND_BLUE_IMAGE" "$BACKEND_GREEN_IMAGE" "$AI_WORKER_IMAGE"; do
      image_exists "$image" || missing+=("$image")
    done
    ((${#missing[@]} == 0)) || abort "deployed images missing from Docker: ${missing[*]} (load them, or deploy a new version)"
    write_state "IMAGE_SOURCE=$source"
  fi
}

# log_shipper_services — the log shipper's service when logs go to Loki (LOKI_URL set).
log_shipper_services() { [[ -z "${LOKI_URL:-}" ]] || printf '%s\n' log-shipper; }

# ensure_log_shipper_image — with LOKI_URL set, the log shipper's image present: pulled when
# a registry answers; otherwise (air-gapped) stop before anything starts, saying how.
ensure_log_shipper_image() {
  [[ -n "${LOKI_URL:-}" ]] || return 0
  image_exists "$LOG_SHIPPER_IMAGE" && return 0
  timeout "${PROTOSTAR_PULL_TIMEOUT:-600}" docker pull -q "$LOG_SHIPPER_IMAGE" >"$(log_file pull)" 2>&1 && return 0
  abort "LOKI_URL is set, and the log shipper's image $LOG_SHIPPER_IMAGE is not in Docker and could not be pulled: load it ('docker load' of a 'docker save' made where a registry answers), set LOG_SHIPPER_IMAGE to one you have, or empty LOKI_URL"
}
