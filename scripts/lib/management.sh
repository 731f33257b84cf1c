# shellcheck shell=bash
# The management host's settings (.env.management) and the Compose command built from
# them. Shares the parser and the value checks with the production host (config.sh).

readonly COMPOSE_FILE_MANAGEMENT="$PROTOSTAR_ROOT/compose/management.yml"
readonly MANAGEMENT_ENV_EXAMPLE="$PROTOSTAR_ROOT/compose/management.env.example"
readonly MANAGEMENT_SECRET_VARIABLES=(JENKINS_ADMIN_PASSWORD GRAFANA_ADMIN_PASSWORD MINIO_ROOT_PASSWORD
  MINIO_BACKEND_SECRET_KEY MINIO_BACKUP_SECRET_KEY)
# The images `up --offline` builds from Debian packages (the others are not packaged).
readonly MANAGEMENT_OFFLINE_NGINX_IMAGE=protostar/nginx:1.26
readonly MANAGEMENT_OFFLINE_PROMETHEUS_IMAGE=protostar/prometheus:2.53

management_env_file() { printf '%s\n' "${PROTOSTAR_MANAGEMENT_ENV_FILE:-$PROTOSTAR_ROOT/.env.management}"; }

# The checks, by variable (rules of config.sh's check_value).
declare -A MANAGEMENT_ENV_RULES=(
  [MANAGEMENT_PROJECT_NAME]=project_name
  [MANAGEMENT_STATE_DIR]=path
  [OPS_BIND_ADDRESS]=ipv4
  [OPS_HTTPS_PORT]=port
  [OPS_TLS_DIR]=path
  [JENKINS_HOSTNAME]=hostname
  [GRAFANA_HOSTNAME]=hostname
  [MINIO_CONSOLE_HOSTNAME]=hostname
  [MINIO_API_HOSTNAME]=hostname
  [LOKI_HOSTNAME]=hostname
  [JENKINS_ADMIN_PASSWORD]=secret
  [GRAFANA_ADMIN_PASSWORD]=secret
  [MINIO_ROOT_PASSWORD]=secret
  [MINIO_BACKEND_SECRET_KEY]=secret
  [MINIO_BACKUP_SECRET_KEY]=secret
  [JENKINS_ADMIN_USER]=identifier
  [JENKINS_HOME_DIR]=absolute_path
  [PROTOSTAR_REPOSITORY_URL]=url
  [PROTOSTAR_REPOSITORY_BRANCH]=branch
  [PROTOSTAR_DEPLOY_HOST]=hostname
  [PROTOSTAR_DEPLOY_PORT]=port
  [PROTOSTAR_PUBLIC_URL]=url
  [JENKINS_DEPLOY_KEY_FILE]=path
  [JENKINS_KNOWN_HOSTS_FILE]=path
  [MINIO_ROOT_USER]=access_key
  [DOCUMENTS_BUCKET]=bucket
  [BACKUPS_BUCKET]=bucket
  [MINIO_BACKEND_ACCESS_KEY]=access_key
  [MINIO_BACKUP_ACCESS_KEY]=access_key
  [GRAFANA_ADMIN_USER]=identifier
  [PROMETHEUS_RETENTION]=duration
  [OPS_NGINX_MEMORY_LIMIT]=memory
  [JENKINS_MEMORY_LIMIT]=memory
  [MINIO_MEMORY_LIMIT]=memory
  [LOKI_MEMORY_LIMIT]=memory
  [PROMETHEUS_MEMORY_LIMIT]=memory
  [GRAFANA_MEMORY_LIMIT]=memory
)

# management_check_value RULE VALUE — the rules config.sh lacks, else config.sh's.
management_check_value() {
  local rule=$1 v=$2
  case "$rule" in
    absolute_path) [[ "$v" =~ ^/[A-Za-z0-9._/-]+$ ]] || echo "an absolute directory path" ;;
    url) [[ "$v" =~ ^(https?|ssh|git)://[^[:space:]\"\']+$ || "$v" =~ ^[a-z0-9._-]+@[^[:space:]\"\']+:[^[:space:]\"\']+$ ]] || echo "a URL such as https://git.example.org/protostar.git" ;;
    branch) [[ "$v" =~ ^[A-Za-z0-9._/-]+$ && "$v" != *..* ]] || echo "a branch name" ;;
    bucket) [[ "$v" =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]] || echo "an S3 bucket name (3-63 lowercase letters, digits, . and -)" ;;
    access_key) [[ "$v" =~ ^[A-Za-z0-9._-]{3,64}$ ]] || echo "3 to 64 letters, digits or ._-" ;;
    duration) [[ "$v" =~ ^[0-9]+[hdwy]$ ]] || echo "a duration such as 30d or 12w" ;;
    *) check_value "$rule" "$v" ;;
  esac
}

# ensure_management_env_file — .env.management from the example with generated secrets,
# when missing. An existing file is never touched.
ensure_management_env_file() {
  create_settings_file "$(management_env_file)" "$MANAGEMENT_ENV_EXAMPLE" "${MANAGEMENT_SECRET_VARIABLES[@]}"
}

# load_management_config — reads and checks .env.management; exports what Compose needs.
load_management_config() {
  local file var expected problems=()
  file=$(management_env_file)
  [[ -f "$file" ]] || abort "$file not found: run 'protostar management up' to create it"
  unset "${!MANAGEMENT_ENV_RULES[@]}"
  read_env_file "$file"
  for var in $(printf '%s\n' "${!MANAGEMENT_ENV_RULES[@]}" | sort); do
    if [[ -z "${!var+set}" ]]; then
      problems+=("$var is missing")
    elif [[ -z "${!var}" ]]; then
      problems+=("$var is empty")
    else
      expected=$(management_check_value "${MANAGEMENT_ENV_RULES[$var]}" "${!var}")
      [[ -z "$expected" ]] && continue
      if [[ " ${MANAGEMENT_SECRET_VARIABLES[*]} " == *" $var "* ]]; then
        problems+=("$var is malformed: expected $expected")
      else
        problems+=("$var=${!var} is malformed: expected $expected")
      fi
    fi
  done
  if ((${#problems[@]})); then
    local problem
    for problem in "${problems[@]}"; do printf 'protostar: %s: %s\n' "$file" "$problem" >&2; done
    abort "fix $file (documented in compose/management.env.example); nothing was started"
  fi
  MANAGEMENT_STATE_DIR=$(absolute "$MANAGEMENT_STATE_DIR")
  OPS_TLS_DIR=$(absolute "$OPS_TLS_DIR")
  JENKINS_DEPLOY_KEY_FILE=$(absolute "$JENKINS_DEPLOY_KEY_FILE")
  JENKINS_KNOWN_HOSTS_FILE=$(absolute "$JENKINS_KNOWN_HOSTS_FILE")
  export MANAGEMENT_STATE_DIR OPS_TLS_DIR JENKINS_DEPLOY_KEY_FILE JENKINS_KNOWN_HOSTS_FILE
  # The group of the engine's socket, so Jenkins (not root) may use it.
  DOCKER_GID=$(stat -c %g /var/run/docker.sock 2>/dev/null || echo 0)
  export DOCKER_GID
}

# management_compose_command — the exact `docker compose` invocation (printed by tests).
management_compose_command() {
  printf '%s\n' docker compose --project-name "$MANAGEMENT_PROJECT_NAME" --file "$COMPOSE_FILE_MANAGEMENT"
}

management_compose() {
  local -a cmd
  mapfile -t cmd < <(management_compose_command)
  "${cmd[@]}" "$@"
}

# ensure_management_files — the TLS pair (self-signed for every host name), the deploy
# key (generated) and the known_hosts file (a placeholder that matches no host, so
# deploys fail safe until the real lines are pasted in).
ensure_management_files() {
  if [[ ! -f "$OPS_TLS_DIR/tls.crt" || ! -f "$OPS_TLS_DIR/tls.key" ]]; then
    command -v openssl >/dev/null || abort "openssl is needed for a self-signed certificate, or put tls.crt and tls.key into $OPS_TLS_DIR"
    mkdir -p "$OPS_TLS_DIR"
    openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 825 \
      -keyout "$OPS_TLS_DIR/tls.key" -out "$OPS_TLS_DIR/tls.crt" -subj "/CN=$JENKINS_HOSTNAME" \
      -addext "subjectAltName=DNS:$JENKINS_HOSTNAME,DNS:$GRAFANA_HOSTNAME,DNS:$MINIO_CONSOLE_HOSTNAME,DNS:$MINIO_API_HOSTNAME,DNS:$LOKI_HOSTNAME" 2>/dev/null
    chmod 600 "$OPS_TLS_DIR/tls.key"
    info "created a self-signed certificate in $OPS_TLS_DIR (replace it with your own)"
  fi
  # Jenkins runs as uid 1000 and reads these two through bind mounts (Compose's file
  # secrets keep the host's owner and mode).
  if [[ ! -f "$JENKINS_DEPLOY_KEY_FILE" ]]; then
    command -v ssh-keygen >/dev/null || abort "ssh-keygen is needed to create the deploy key (apt-get install openssh-client)"
    mkdir -p "$(dirname "$JENKINS_DEPLOY_KEY_FILE")"
    ssh-keygen -q -t ed25519 -N '' -C "protostar-jenkins" -f "$JENKINS_DEPLOY_KEY_FILE"
    chown 1000:1000 "$JENKINS_DEPLOY_KEY_FILE" 2>/dev/null || true
    info "created the deploy key; on the production host run: protostar deploy-user setup --key <copy of $JENKINS_DEPLOY_KEY_FILE.pub>"
  fi
  if [[ ! -f "$JENKINS_KNOWN_HOSTS_FILE" ]]; then
    mkdir -p "$(dirname "$JENKINS_KNOWN_HOSTS_FILE")"
    echo "# Paste the lines 'protostar deploy-user setup' printed on the production host." >"$JENKINS_KNOWN_HOSTS_FILE"
    warn "$JENKINS_KNOWN_HOSTS_FILE holds no host key yet: deploys fail until you paste the production host's lines into it"
  fi
}

# management_image_source [FLAG] — offline or upstream: the flag, else what this host
# used before (recorded in MANAGEMENT_STATE_DIR), else upstream.
management_image_source() {
  local flag=${1:-} file="$MANAGEMENT_STATE_DIR/image-source"
  if [[ -n "$flag" ]]; then
    mkdir -p "$MANAGEMENT_STATE_DIR"
    printf '%s\n' "$flag" >"$file"
    printf '%s\n' "$flag"
  elif [[ -f "$file" ]]; then
    cat "$file"
  else
    printf 'upstream\n'
  fi
}

# use_management_offline_images — ops-nginx and Prometheus from Debian packages (built
# when missing), unless .env.management names its own; exported for Compose.
use_management_offline_images() {
  [[ -n "${OPERATOR_SET[OPS_NGINX_IMAGE]:-}" ]] || export OPS_NGINX_IMAGE=$MANAGEMENT_OFFLINE_NGINX_IMAGE
  [[ -n "${OPERATOR_SET[PROMETHEUS_IMAGE]:-}" ]] || export PROMETHEUS_IMAGE=$MANAGEMENT_OFFLINE_PROMETHEUS_IMAGE
}

build_management_offline_images() {
  image_exists "$OFFLINE_BASE_IMAGE" || {
    step base "building $OFFLINE_BASE_IMAGE with debootstrap"
    build_offline_base
  }
  local name image
  for name in nginx prometheus; do
    image=$MANAGEMENT_OFFLINE_NGINX_IMAGE
    [[ "$name" == prometheus ]] && image=$MANAGEMENT_OFFLINE_PROMETHEUS_IMAGE
    image_exists "$image" && continue
    step "$name" "building $image"
    quietly "$(log_file "image-$name")" docker build --build-arg "BASE_IMAGE=$OFFLINE_BASE_IMAGE" \
      -t "$image" "$PROTOSTAR_ROOT/compose/images/$name"
  done
}
