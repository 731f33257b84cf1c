# shellcheck shell=bash
# The management host's settings (.env.management) and the Compose command built from
# them. Shares the parser and the value checks with the production host (config.sh).
# Sourced once however many libraries need it (its constants are read-only).
[[ -z "${PROTOSTAR_MANAGEMENT_SH:-}" ]] || return 0
PROTOSTAR_MANAGEMENT_SH=1

# shellcheck source=scripts/lib/images.sh
source "$PROTOSTAR_ROOT/scripts/lib/images.sh"
# shellcheck source=scripts/lib/nginx-access.sh
source "$PROTOSTAR_ROOT/scripts/lib/nginx-access.sh"
# shellcheck source=scripts/lib/alerting.sh
source "$PROTOSTAR_ROOT/scripts/lib/alerting.sh"

readonly COMPOSE_FILE_MANAGEMENT="$PROTOSTAR_ROOT/compose/management.yml"
readonly MANAGEMENT_ENV_EXAMPLE="$PROTOSTAR_ROOT/compose/management.env.example"
readonly MANAGEMENT_SECRET_VARIABLES=(JENKINS_ADMIN_PASSWORD GRAFANA_ADMIN_PASSWORD MINIO_ROOT_PASSWORD
  MINIO_BACKEND_SECRET_KEY MINIO_BACKUP_SECRET_KEY OPS_ADMIN_PASSWORD MINIO_RETENTION_SECRET_KEY)
# Secrets a newer release added: generated into an existing settings file by `up`.
readonly MANAGEMENT_ADDED_SECRET_VARIABLES=(MINIO_RETENTION_SECRET_KEY)
# The images `up --offline` builds from Debian packages (the others are not packaged).
readonly MANAGEMENT_OFFLINE_NGINX_IMAGE=protostar/nginx:1.26
readonly MANAGEMENT_OFFLINE_PROMETHEUS_IMAGE=protostar/prometheus:2.53
readonly MANAGEMENT_OFFLINE_ALERTMANAGER_IMAGE=protostar/alertmanager:0.28

management_env_file() { printf '%s\n' "${PROTOSTAR_MANAGEMENT_ENV_FILE:-$PROTOSTAR_ROOT/.env.management}"; }

# The checks, by variable (rules of config.sh's check_value).
declare -A MANAGEMENT_ENV_RULES=(
  [MANAGEMENT_PROJECT_NAME]=project_name
  [MANAGEMENT_STATE_DIR]=path
  [OPS_BIND_ADDRESS]=ipv4
  [OPS_HTTPS_PORT]=port
  [OPS_LAN_HTTPS_PORT]=port
  [OPS_PUBLIC_PORT]=port
  [OPS_TLS_DIR]=path
  [OPS_PROXY_ADDRESS]=ipv4_network
  [OPS_LAN_ALLOW]=ipv4_networks
  [OPS_ADMIN_USER]=identifier
  [OPS_ADMIN_PASSWORD]=secret
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
  [MINIO_RETENTION_SECRET_KEY]=secret
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
# Checked only when set.
declare -A MANAGEMENT_OPTIONAL_ENV_RULES=(
  [OPS_CLIENT_CA_FILE]=file
  # Empty (the default): no admin address is let through until the operator adds theirs.
  [OPS_ADMIN_ALLOW]=ipv4_networks
  [PRODUCTION_METRICS_ADDRESS]=host_port
  [PRODUCTION_METRICS_PASSWORD]=secret
  [PRODUCTION_CACERT]=file
  [ALERT_WEBHOOK_URL]=webhook_url
  [ALERT_SLACK_WEBHOOK_URL]=webhook_url
  [ALERT_SLACK_CHANNEL]=slack_channel
  [ALERT_EMAIL_TO]=email
  [ALERT_EMAIL_FROM]=email
  [ALERT_SMTP_SMARTHOST]=host_port
  [ALERT_SMTP_USER]=access_key
  [ALERT_SMTP_PASSWORD]=password
  [ALERT_GROUP_WAIT]=alert_duration
  [ALERT_GROUP_INTERVAL]=alert_duration
  [ALERT_REPEAT_INTERVAL]=alert_duration
  [ALERT_FOR_OVERRIDE]=alert_duration
  [MANAGEMENT_BACKUP_AGE_RECIPIENTS]=age_recipients
  [MANAGEMENT_BACKUP_DIR]=absolute_path
  [MANAGEMENT_BACKUP_KEEP]=backup_count
  # Added with the backup-retention service: a settings file from before has none.
  [MINIO_RETENTION_ACCESS_KEY]=access_key
  [BACKUP_RETENTION_PREFIXES]=s3_prefixes
  [BACKUP_KEEP_LAST]=backup_count
  [BACKUP_KEEP_DAILY]=count
  [BACKUP_KEEP_WEEKLY]=count
  [BACKUP_PRUNE_INTERVAL]=seconds
  [BACKUP_VERSIONS_KEEP_DAYS]=days
  [BACKUP_RETENTION_MEMORY_LIMIT]=memory
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
    file) [[ -f "$v" && -r "$v" ]] || [[ -f "$PROTOSTAR_ROOT/${v#./}" ]] || echo "a readable file" ;;
    webhook_url) [[ "$v" =~ ^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[A-Za-z0-9._~%/+=-]*)?(\?[A-Za-z0-9._~%/+=&-]*)?$ ]] || echo "an http(s) URL such as https://hooks.example.org/services/T0/B0/x" ;;
    slack_channel) [[ "$v" =~ ^[#@][a-z0-9._-]{1,80}$ ]] || echo "a channel such as #ops or a user such as @oncall" ;;
    alert_duration) [[ "$v" =~ ^[1-9][0-9]{0,4}[smh]$ ]] || echo "a duration such as 30s, 5m or 4h" ;;
    backup_count) [[ "$v" =~ ^[1-9][0-9]{0,3}$ ]] || echo "a number of backups from 1 to 9999" ;;
    count) [[ "$v" =~ ^[0-9]{1,4}$ ]] || echo "a number from 0 to 9999" ;;
    seconds) [[ "$v" =~ ^[1-9][0-9]{1,5}$ ]] || echo "a number of seconds from 10" ;;
    days) [[ "$v" =~ ^[1-9][0-9]{0,3}$ ]] || echo "a number of days from 1" ;;
    s3_prefixes) [[ "$v" =~ ^([A-Za-z0-9._-]+/)+(,([A-Za-z0-9._-]+/)+)*$ ]] || echo "folders ending in /, separated by commas, such as protostar/" ;;
    host_port) [[ "$v" =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?:[1-9][0-9]{0,4}$ ]] || echo "a host name and port such as chat.example.org:9443" ;;
    *) check_value "$rule" "$v" ;;
  esac
}

# ensure_management_env_file — .env.management from the example with generated secrets,
# when missing. An existing file is never touched.
ensure_management_env_file() {
  create_settings_file "$(management_env_file)" "$MANAGEMENT_ENV_EXAMPLE" "${MANAGEMENT_SECRET_VARIABLES[@]}"
  add_missing_secrets "$(management_env_file)" "$MANAGEMENT_ENV_EXAMPLE" "${MANAGEMENT_ADDED_SECRET_VARIABLES[@]}"
}

# load_management_config — reads and checks .env.management; exports what Compose needs.
load_management_config() {
  local file
  file=$(management_env_file)
  [[ -f "$file" ]] || abort "$file not found: run 'protostar management up' to create it"
  unset "${!MANAGEMENT_ENV_RULES[@]}" "${!MANAGEMENT_OPTIONAL_ENV_RULES[@]}"
  read_env_file "$file"
  local problems=()
  mapfile -t problems < <(settings_problems management_check_value MANAGEMENT_ENV_RULES \
    MANAGEMENT_OPTIONAL_ENV_RULES MANAGEMENT_SECRET_VARIABLES)
  [[ "${OPS_LAN_HTTPS_PORT:-}" != "${OPS_HTTPS_PORT:-}" ]] || problems+=("OPS_HTTPS_PORT and OPS_LAN_HTTPS_PORT are both ${OPS_HTTPS_PORT:-}")
  local placeholders
  mapfile -t placeholders < <(placeholder_problems "$MANAGEMENT_ENV_EXAMPLE" OPS_PROXY_ADDRESS OPS_ADMIN_ALLOW \
    JENKINS_HOSTNAME GRAFANA_HOSTNAME MINIO_CONSOLE_HOSTNAME MINIO_API_HOSTNAME LOKI_HOSTNAME \
    PROTOSTAR_REPOSITORY_URL PROTOSTAR_DEPLOY_HOST PROTOSTAR_PUBLIC_URL)
  problems+=("${placeholders[@]}")
  # E-mail needs its three settings together.
  if [[ -n "${ALERT_EMAIL_TO:-}" && (-z "${ALERT_EMAIL_FROM:-}" || -z "${ALERT_SMTP_SMARTHOST:-}") ]]; then
    problems+=("ALERT_EMAIL_TO needs ALERT_EMAIL_FROM and ALERT_SMTP_SMARTHOST")
  fi
  report_problems "$file" compose/management.env.example "${problems[@]}"
  : "${MANAGEMENT_BACKUP_DIR:=/var/backups/protostar-management}" "${MANAGEMENT_BACKUP_KEEP:=14}"
  MANAGEMENT_STATE_DIR=$(absolute "$MANAGEMENT_STATE_DIR")
  OPS_TLS_DIR=$(absolute "$OPS_TLS_DIR")
  JENKINS_DEPLOY_KEY_FILE=$(absolute "$JENKINS_DEPLOY_KEY_FILE")
  JENKINS_KNOWN_HOSTS_FILE=$(absolute "$JENKINS_KNOWN_HOSTS_FILE")
  export MANAGEMENT_STATE_DIR OPS_TLS_DIR JENKINS_DEPLOY_KEY_FILE JENKINS_KNOWN_HOSTS_FILE
  [[ -z "${OPS_CLIENT_CA_FILE:-}" ]] || OPS_CLIENT_CA_FILE=$(absolute "$OPS_CLIENT_CA_FILE")
  # The group of the engine's socket, so Jenkins (not root) may use it.
  DOCKER_GID=$(stat -c %g /var/run/docker.sock 2>/dev/null || echo 0)
  export DOCKER_GID
}

# management_compose_command — the exact `docker compose` invocation (printed by tests).
management_compose_command() {
  printf '%s\n' docker compose --project-name "$MANAGEMENT_PROJECT_NAME" --file "$COMPOSE_FILE_MANAGEMENT"
}

# management_compose ARG... — Compose for this host. Jenkins (uid 1000 in its container)
# gets the deploy key as a Compose secret from the environment, copied into its
# container, so the key file stays its creator's, mode 600: a file secret keeps the
# host's owner and mode, and the host's uid 1000 is usually a person's.
management_compose() {
  local -a cmd
  mapfile -t cmd < <(management_compose_command)
  if [[ -r "${JENKINS_DEPLOY_KEY_FILE:-}" ]]; then
    # $(<) drops the final newline, which OpenSSH wants after the key.
    JENKINS_DEPLOY_KEY="$(<"$JENKINS_DEPLOY_KEY_FILE")"$'\n' "${cmd[@]}" "$@"
  else
    "${cmd[@]}" "$@"
  fi
}

# ensure_ops_certificate — ops-nginx's self-signed pair, for every host name it serves.
ensure_ops_certificate() {
  ensure_self_signed_pair "$OPS_TLS_DIR" "$JENKINS_HOSTNAME" \
    "DNS:$JENKINS_HOSTNAME,DNS:$GRAFANA_HOSTNAME,DNS:$MINIO_CONSOLE_HOSTNAME,DNS:$MINIO_API_HOSTNAME,DNS:$LOKI_HOSTNAME"
}

# ensure_management_files — the TLS pair (self-signed for every host name), the deploy
# key (generated) and the known_hosts file (a placeholder that matches no host, so
# deploys fail safe until the real lines are pasted in).
ensure_management_files() {
  ensure_ops_certificate
  # The deploy key reaches Jenkins through the environment (management_compose); the file
  # is ssh-keygen's, mode 600, owned by whoever runs this. Releases before gave it to the
  # host's uid 1000: taken back when root runs this.
  if [[ ! -f "$JENKINS_DEPLOY_KEY_FILE" ]]; then
    command -v ssh-keygen >/dev/null || abort "ssh-keygen is needed to create the deploy key (apt-get install openssh-client)"
    mkdir -p "$(dirname "$JENKINS_DEPLOY_KEY_FILE")"
    ssh-keygen -q -t ed25519 -N '' -C "protostar-jenkins" -f "$JENKINS_DEPLOY_KEY_FILE"
    info "created the deploy key; on the production host run: protostar deploy-user setup --key <copy of $JENKINS_DEPLOY_KEY_FILE.pub>"
  elif [[ $EUID == 0 && $(stat -c %u "$JENKINS_DEPLOY_KEY_FILE") == 1000 ]]; then
    chown 0:0 "$JENKINS_DEPLOY_KEY_FILE"
    chmod 600 "$JENKINS_DEPLOY_KEY_FILE"
    info "the deploy key $JENKINS_DEPLOY_KEY_FILE was owned by uid 1000: now root's, mode 600"
  fi
  # Jenkins reads the pinned host keys through a file secret (public, hence readable).
  if [[ ! -f "$JENKINS_KNOWN_HOSTS_FILE" ]]; then
    mkdir -p "$(dirname "$JENKINS_KNOWN_HOSTS_FILE")"
    echo "# Paste the lines 'protostar deploy-user setup' printed on the production host." >"$JENKINS_KNOWN_HOSTS_FILE"
    warn "$JENKINS_KNOWN_HOSTS_FILE holds no host key yet: deploys fail until you paste the production host's lines into it"
  fi
}

# --- ops-nginx's access files: built as text, then written --------------------------------
# Under MANAGEMENT_STATE_DIR/nginx, mounted at /etc/nginx/protostar in ops-nginx, written
# by `management up` and `management reload`: the settings are lists (and a password) that
# nginx's template rendering cannot expand.

# ops_admin_access_conf — included by each admin server (8888): the allow-list on the
# admin's own address (from the PROXY protocol header), then basic auth, then client
# certificates when OPS_CLIENT_CA_FILE is set. All must pass (nginx's `satisfy all`).
ops_admin_access_conf() {
  printf '# Written by protostar management up/reload from %s; edits are overwritten.\n' "$(management_env_file)"
  allow_list_conf "$OPS_ADMIN_ALLOW"
  printf '%s\n' 'auth_basic "Protostar operations";' 'auth_basic_user_file /etc/nginx/protostar/htpasswd;'
  [[ -z "${OPS_CLIENT_CA_FILE:-}" ]] ||
    printf '%s\n' 'ssl_client_certificate /etc/nginx/protostar/client-ca.crt;' 'ssl_verify_client on;'
}

# ops_lan_access_conf — included by the production host's servers (8443).
ops_lan_access_conf() {
  printf '# Written by protostar management up/reload from %s; edits are overwritten.\n' "$(management_env_file)"
  allow_list_conf "$OPS_LAN_ALLOW"
}

# ops_htpasswd — OPS_ADMIN_USER and a hash of OPS_ADMIN_PASSWORD.
ops_htpasswd() { htpasswd_line "$OPS_ADMIN_USER" "$OPS_ADMIN_PASSWORD"; }

ops_client_ca() { cat "$OPS_CLIENT_CA_FILE"; }

# write_ops_nginx_files — the files above (and the client CA, copied), each replaced
# atomically. Readable by nginx's workers, which do not run as root; the password hash
# by them only (mode 640, group www-data), when this runs as root or as a member of that
# group. Otherwise it stays readable by all, with a warning.
write_ops_nginx_files() {
  local dir="$MANAGEMENT_STATE_DIR/nginx" name builder
  command -v openssl >/dev/null || abort "openssl is needed to hash OPS_ADMIN_PASSWORD (apt-get install openssl)"
  mkdir -p "$dir"
  for name in admin-access.conf lan-access.conf htpasswd client-ca.crt; do
    case "$name" in
      admin-access.conf) builder=ops_admin_access_conf ;;
      lan-access.conf) builder=ops_lan_access_conf ;;
      htpasswd) builder=ops_htpasswd ;;
      client-ca.crt)
        [[ -n "${OPS_CLIENT_CA_FILE:-}" ]] || { rm -f "$dir/$name" && continue; }
        builder=ops_client_ca
        ;;
    esac
    "$builder" >"$dir/.$name.new" || abort "could not write $dir/$name"
    if [[ "$name" == htpasswd ]]; then
      restrict_to_nginx "$dir/.$name.new" "$dir/$name" "protostar management up"
    else
      chmod 644 "$dir/.$name.new"
    fi
    mv "$dir/.$name.new" "$dir/$name"
  done
}

# write_prometheus_site_files — MANAGEMENT_STATE_DIR/prometheus, Prometheus'
# /etc/prometheus-site: the production listener's address (production-targets.yml, none
# when PRODUCTION_METRICS_ADDRESS is empty), its password and the certificate to check it
# against, and the alert rules. Prometheus reads the targets again by itself, the password
# and certificate at each scrape; the rules at a reload (reload_prometheus).
write_prometheus_site_files() {
  local dir=$MANAGEMENT_STATE_DIR/prometheus ca=${PRODUCTION_CACERT:-/etc/ssl/certs/ca-certificates.crt}
  mkdir -p "$dir"
  [[ "$ca" == /* ]] || ca=$PROTOSTAR_ROOT/${ca#./}
  [[ -r "$ca" ]] || abort "$ca is missing: set PRODUCTION_CACERT to the production host's certificate (its TLS_DIR/tls.crt)"
  cp "$ca" "$dir/.ca.crt.new"
  if [[ -n "${PRODUCTION_METRICS_ADDRESS:-}" ]]; then
    printf -- '- targets: ["%s"]\n  labels: { host: production }\n' "$PRODUCTION_METRICS_ADDRESS"
  else
    echo '[]'
  fi >"$dir/.targets.yml.new"
  printf '%s' "${PRODUCTION_METRICS_PASSWORD:-}" >"$dir/.password.new"
  # Prometheus runs as nobody (65534) in the official image and as prometheus (100) in
  # the offline one: readable by all (the management host's users are its operators).
  chmod 644 "$dir/.ca.crt.new" "$dir/.targets.yml.new" "$dir/.password.new"
  mv "$dir/.ca.crt.new" "$dir/production-ca.crt"
  mv "$dir/.targets.yml.new" "$dir/production-targets.yml"
  mv "$dir/.password.new" "$dir/production-password"
  render_alert_rules "$dir/rules"
}

# write_management_monitoring_files — what Prometheus and Alertmanager read from the
# state directory (the site files above, alertmanager.yml and its secrets).
write_management_monitoring_files() {
  write_prometheus_site_files
  write_alertmanager_files "$MANAGEMENT_STATE_DIR/alertmanager"
}

# reload_monitoring — running Prometheus and Alertmanager read their files again (SIGHUP:
# both keep their old configuration when the new one is refused, and log why).
reload_monitoring() {
  local service
  for service in prometheus alertmanager; do
    [[ -n "$(management_compose ps --status running --quiet "$service" 2>/dev/null)" ]] || continue
    management_compose kill -s SIGHUP "$service" >/dev/null 2>&1 ||
      warn "$service did not take the signal to reload: protostar management compose restart $service"
  done
}

# management_image_source [FLAG] — offline or upstream: the flag, else what this host
# used before (recorded in MANAGEMENT_STATE_DIR), else upstream.
management_image_source() { recorded_image_source "$MANAGEMENT_STATE_DIR" "${1:-}"; }

# use_management_offline_images — ops-nginx, Prometheus and Alertmanager from Debian packages (built
# when missing), unless .env.management names its own; exported for Compose.
use_management_offline_images() {
  [[ -n "${OPERATOR_SET[OPS_NGINX_IMAGE]:-}" ]] || export OPS_NGINX_IMAGE=$MANAGEMENT_OFFLINE_NGINX_IMAGE
  [[ -n "${OPERATOR_SET[PROMETHEUS_IMAGE]:-}" ]] || export PROMETHEUS_IMAGE=$MANAGEMENT_OFFLINE_PROMETHEUS_IMAGE
  [[ -n "${OPERATOR_SET[ALERTMANAGER_IMAGE]:-}" ]] || export ALERTMANAGER_IMAGE=$MANAGEMENT_OFFLINE_ALERTMANAGER_IMAGE
}

build_management_offline_images() {
  build_offline_image nginx "$MANAGEMENT_OFFLINE_NGINX_IMAGE"
  build_offline_image prometheus "$MANAGEMENT_OFFLINE_PROMETHEUS_IMAGE"
  build_offline_image alertmanager "$MANAGEMENT_OFFLINE_ALERTMANAGER_IMAGE"
}
