#!/usr/bin/env bash
# Summary: Validate the management host's Compose file and configs with the real tools
# Usage: scripts/test/e2e/management-config.sh
#
# What can run here runs for real; what cannot be pulled (Jenkins, Loki, Grafana, MinIO)
# is checked by reading in scripts/test/management-config.bats and jenkins.bats.
#   - `protostar management config` (docker compose config) with settings made from
#     compose/management.env.example, and compose's own view: only ops-nginx publishes
#   - `promtool check config` on compose/management/prometheus (promtool from Debian's
#     prometheus package: the offline image protostar/prometheus, built when missing);
#     `promtool check rules` and `promtool test rules` on its alert rules (rules/, every
#     alert's unit tests in tests/), and the tests failing on a copy of the rules with
#     the queue-wait threshold changed (the tests can fail)
#   - `promtool check rules` on every PromQL query of the Grafana dashboards
#     (compose/management/grafana/dashboards, Grafana's variables replaced by
#     scripts/test/lib/dashboard-queries, each query a recording rule), and on a copy with
#     one query broken, which it must reject naming the panel
#   - `nginx -t` on nginx/management with the templates rendered and the access files
#     `management up` writes, in protostar/nginx, with a throw-away self-signed certificate
#   - `management backup` and `restore` through real containers and volumes: the
#     project's Grafana, Alertmanager and MinIO containers created (not started) from the
#     offline Debian image, data with its owner put into their volumes, backed up with a
#     key pair of the test's, the project removed with its volumes, restored, compared
# Containers are named with a unique prefix and removed; nothing is published.
set -Eeuo pipefail
PROTOSTAR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
export PROTOSTAR_ROOT
source "$PROTOSTAR_ROOT/scripts/lib/common.sh"
source "$PROTOSTAR_ROOT/scripts/lib/images.sh"
source "$PROTOSTAR_ROOT/scripts/lib/config.sh"
source "$PROTOSTAR_ROOT/scripts/lib/management.sh"
source "$PROTOSTAR_ROOT/scripts/test/e2e/lib.sh"
handle_help "$@"

E2E_DIR=$(mktemp -d /tmp/protostar-e2e-mgmt-config.XXXXXX)
ID=$(basename "$E2E_DIR" | cut -d. -f2 | tr '[:upper:]' '[:lower:]')
E2E_PASSED=0 E2E_FAILED=0 E2E_FAILURES=()
BACKUP_PROJECT="protostar-e2e-mgmt-$ID-backup"
cleanup() {
  docker rm -f "protostar-e2e-mgmt-$ID-promtool" "protostar-e2e-mgmt-$ID-nginx" "protostar-e2e-mgmt-$ID-amtool" >/dev/null 2>&1 || true
  docker ps --all --quiet --filter "label=com.docker.compose.project=$BACKUP_PROJECT" | xargs -r docker rm -f >/dev/null 2>&1 || true
  docker volume ls --quiet --filter "label=com.docker.compose.project=$BACKUP_PROJECT" | xargs -r docker volume rm >/dev/null 2>&1 || true
  # The restore created the project's networks again: each holds one of Docker's address
  # pools (31 by default) until removed, and an exhausted pool fails the next suites.
  docker network ls --quiet --filter "label=com.docker.compose.project=$BACKUP_PROJECT" | xargs -r docker network rm >/dev/null 2>&1 || true
  rm -rf "$E2E_DIR"
}
trap cleanup EXIT

# Settings as `management up` would create them, paths in the temp directory, and the
# example's placeholders (which it refuses) replaced by a site's own names and addresses.
export PROTOSTAR_MANAGEMENT_ENV_FILE="$E2E_DIR/management.env"
sed -e "s|^MANAGEMENT_STATE_DIR=.*|MANAGEMENT_STATE_DIR=$E2E_DIR/state|" \
  -e "s|\.ops\.localhost\$|.ops.internal|" -e "s|^OPS_PROXY_ADDRESS=.*|OPS_PROXY_ADDRESS=192.168.50.10|" \
  -e "s|^PROTOSTAR_REPOSITORY_URL=.*|PROTOSTAR_REPOSITORY_URL=https://git.corp.internal/protostar.git|" \
  -e "s|^PROTOSTAR_DEPLOY_HOST=.*|PROTOSTAR_DEPLOY_HOST=prod.corp.internal|" \
  -e "s|^PROTOSTAR_PUBLIC_URL=.*|PROTOSTAR_PUBLIC_URL=https://chat.corp.internal/|" \
  -e "s|^OPS_TLS_DIR=.*|OPS_TLS_DIR=$E2E_DIR/tls|" \
  -e "s|^JENKINS_DEPLOY_KEY_FILE=.*|JENKINS_DEPLOY_KEY_FILE=$E2E_DIR/deploy-key|" \
  -e "s|^JENKINS_KNOWN_HOSTS_FILE=.*|JENKINS_KNOWN_HOSTS_FILE=$E2E_DIR/known-hosts|" \
  "$PROTOSTAR_ROOT/compose/management.env.example" >"$PROTOSTAR_MANAGEMENT_ENV_FILE"
for var in "${MANAGEMENT_SECRET_VARIABLES[@]}"; do
  sed -i "s|^$var=\$|$var=$(generate_secret)|" "$PROTOSTAR_MANAGEMENT_ENV_FILE"
done
mkdir -p "$E2E_DIR/tls"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=ops.localhost -keyout "$E2E_DIR/tls/tls.key" \
  -out "$E2E_DIR/tls/tls.crt" 2>/dev/null

compose_config_validates() {
  "$PROTOSTAR_ROOT/scripts/protostar" management config >"$E2E_DIR/config.yml"
  grep -q '^name: protostar-management$' "$E2E_DIR/config.yml"
}
compose_sees_only_ops_nginx_publishing() {
  "$PROTOSTAR_ROOT/scripts/protostar" management compose config --format json >"$E2E_DIR/config.json"
  [[ "$(jq -r '.services | to_entries[] | select(.value.ports) | .key' "$E2E_DIR/config.json")" == ops-nginx ]]
  [[ "$(jq -r '.services["ops-nginx"].ports[] | "\(.host_ip):\(.published):\(.target)"' "$E2E_DIR/config.json" | paste -sd' ')" == "0.0.0.0:8888:8888 0.0.0.0:8443:8443" ]]
  # every service but the one-shot has a health check, after interpolation too
  [[ -z "$(jq -r '.services | to_entries[] | select(.key != "minio-init" and (.value.healthcheck.test | not)) | .key' "$E2E_DIR/config.json")" ]]
}
compose_config_refuses_a_missing_secret() {
  sed '/^MINIO_ROOT_PASSWORD=/d' "$PROTOSTAR_MANAGEMENT_ENV_FILE" >"$E2E_DIR/bad.env"
  if PROTOSTAR_MANAGEMENT_ENV_FILE="$E2E_DIR/bad.env" "$PROTOSTAR_ROOT/scripts/protostar" management config >"$E2E_DIR/bad.out" 2>&1; then
    return 1
  fi
  grep -q 'MINIO_ROOT_PASSWORD is missing' "$E2E_DIR/bad.out"
}
promtool_accepts_prometheus_config() {
  docker run --rm --name "protostar-e2e-mgmt-$ID-promtool" --network none --entrypoint promtool \
    -v "$PROTOSTAR_ROOT/compose/management/prometheus:/etc/prometheus:ro" \
    "$MANAGEMENT_OFFLINE_PROMETHEUS_IMAGE" check config /etc/prometheus/prometheus.yml
}
promtool_rejects_a_broken_config() {
  mkdir -p "$E2E_DIR/prom-bad"
  sed 's/scrape_interval: 15s/scrape_interval: fifteen/' "$PROTOSTAR_ROOT/compose/management/prometheus/prometheus.yml" >"$E2E_DIR/prom-bad/prometheus.yml"
  ! docker run --rm --name "protostar-e2e-mgmt-$ID-promtool" --network none --entrypoint promtool \
    -v "$E2E_DIR/prom-bad:/etc/prometheus:ro" "$MANAGEMENT_OFFLINE_PROMETHEUS_IMAGE" check config /etc/prometheus/prometheus.yml
}
# promtool_in DIR ARGS... — promtool ARGS in the offline Prometheus image, with DIR as
# /etc/prometheus, without a network.
promtool_in() {
  local dir=$1
  shift
  docker run --rm --name "protostar-e2e-mgmt-$ID-promtool" --network none --entrypoint promtool \
    -v "$dir:/etc/prometheus:ro" "$MANAGEMENT_OFFLINE_PROMETHEUS_IMAGE" "$@"
}
promtool_passes_the_alert_rule_tests() {
  promtool_in "$PROTOSTAR_ROOT/compose/management/prometheus" check rules /etc/prometheus/rules/protostar.yml
  promtool_in "$PROTOSTAR_ROOT/compose/management/prometheus" test rules /etc/prometheus/tests/protostar.test.yml
}
# The queue-wait threshold 60 s changed to 600 s in a copy: the tests must fail, on that
# alert (not on a file they could not read).
promtool_fails_a_broken_alert_rule() {
  cp -r "$PROTOSTAR_ROOT/compose/management/prometheus" "$E2E_DIR/prom-bad-rule"
  sed -i 's/^\(.*protostar_queue_oldest_waiting_age_seconds.*\) > 60$/\1 > 600/' "$E2E_DIR/prom-bad-rule/rules/protostar.yml"
  grep -q 'protostar_queue_oldest_waiting_age_seconds.* > 600$' "$E2E_DIR/prom-bad-rule/rules/protostar.yml"
  if promtool_in "$E2E_DIR/prom-bad-rule" test rules /etc/prometheus/tests/protostar.test.yml >"$E2E_DIR/promtool-bad-rule.out" 2>&1; then
    cat "$E2E_DIR/promtool-bad-rule.out"
    return 1
  fi
  cat "$E2E_DIR/promtool-bad-rule.out"
  grep -q 'alertname: QueueWaitTooLong' "$E2E_DIR/promtool-bad-rule.out"
}
# dashboard_rules DIR DASHBOARD... — DIR/dashboards.yml: the dashboards' PromQL as recording
# rules, readable by promtool's user in the container.
dashboard_rules() {
  local dir=$1
  shift
  mkdir -p "$dir"
  "$PROTOSTAR_ROOT/scripts/test/lib/dashboard-queries" --rules "$@" >"$dir/dashboards.yml"
  chmod -R a+rX "$dir"
}
promtool_parses_the_dashboard_queries() {
  dashboard_rules "$E2E_DIR/dashboards" "$PROTOSTAR_ROOT"/compose/management/grafana/dashboards/*.json
  promtool_in "$E2E_DIR/dashboards" check rules /etc/prometheus/dashboards.yml >"$E2E_DIR/promtool-dashboards.out" 2>&1
  cat "$E2E_DIR/promtool-dashboards.out"
  grep -q 'SUCCESS: [1-9][0-9]* rules found' "$E2E_DIR/promtool-dashboards.out"
}
# The overview's p95 query with a parenthesis dropped, in a copy: promtool must refuse it,
# naming that panel's rule (not a file it could not read).
promtool_rejects_a_broken_dashboard_query() {
  mkdir -p "$E2E_DIR/dashboards-bad-src"
  jq '(.panels[] | select(.title == "p95 latency per colour") | .targets[0].expr) |= sub("by \\(color, le\\)"; "by (color, le")' \
    "$PROTOSTAR_ROOT/compose/management/grafana/dashboards/overview.json" >"$E2E_DIR/dashboards-bad-src/overview.json"
  grep -qF 'by (color, le (rate' "$E2E_DIR/dashboards-bad-src/overview.json"
  dashboard_rules "$E2E_DIR/dashboards-bad" "$E2E_DIR/dashboards-bad-src/overview.json"
  if promtool_in "$E2E_DIR/dashboards-bad" check rules /etc/prometheus/dashboards.yml >"$E2E_DIR/promtool-dashboards-bad.out" 2>&1; then
    cat "$E2E_DIR/promtool-dashboards-bad.out"
    return 1
  fi
  cat "$E2E_DIR/promtool-dashboards-bad.out"
  grep -q 'dashboard:protostar_overview:panel[0-9]*_A.*parse error' "$E2E_DIR/promtool-dashboards-bad.out"
}
# The files `management up` writes for Prometheus and Alertmanager, from settings with
# every channel and an alert drill: Prometheus' whole configuration (with its site files)
# and the drill's rules pass promtool; Alertmanager's passes amtool.
write_monitoring_files() {
  (
    MANAGEMENT_STATE_DIR=$E2E_DIR/state PRODUCTION_METRICS_ADDRESS=chat.corp.internal:9443
    PRODUCTION_METRICS_PASSWORD=metrics-password-0123456789 PRODUCTION_CACERT=$E2E_DIR/tls/tls.crt
    ALERT_WEBHOOK_URL=https://hooks.corp.internal/alerts ALERT_SLACK_WEBHOOK_URL=https://chat.corp.internal/hooks/x
    ALERT_SLACK_CHANNEL='#ops' ALERT_EMAIL_TO=oncall@corp.internal ALERT_EMAIL_FROM=alerts@corp.internal
    ALERT_SMTP_SMARTHOST=mail.corp.internal:587 ALERT_SMTP_USER=alerts ALERT_SMTP_PASSWORD=smtp-password-1
    ALERT_FOR_OVERRIDE=10s
    write_management_monitoring_files
  )
  chmod -R a+rX "$E2E_DIR/state"
}
promtool_accepts_the_site_files_and_drill_rules() {
  write_monitoring_files
  docker run --rm --name "protostar-e2e-mgmt-$ID-promtool" --network none --entrypoint promtool \
    -v "$PROTOSTAR_ROOT/compose/management/prometheus:/etc/prometheus:ro" -v "$E2E_DIR/state/prometheus:/etc/prometheus-site:ro" \
    "$MANAGEMENT_OFFLINE_PROMETHEUS_IMAGE" check config /etc/prometheus/prometheus.yml >"$E2E_DIR/promtool-site.out" 2>&1
  cat "$E2E_DIR/promtool-site.out"
  # the rules were found through rule_files, and each for: is the drill's
  grep -q 'SUCCESS: [1-9][0-9]* rules found' "$E2E_DIR/promtool-site.out"
  [[ "$(sed -nE 's/^[[:space:]]+for:[[:space:]]*//p' "$E2E_DIR/state/prometheus/rules/"*.yml | sort -u)" == 10s ]]
}
amtool_check() {
  docker run --rm --name "protostar-e2e-mgmt-$ID-amtool" --network none --entrypoint amtool \
    -v "$1:/etc/alertmanager/site:ro" "$MANAGEMENT_OFFLINE_ALERTMANAGER_IMAGE" check-config /etc/alertmanager/site/alertmanager.yml
}
amtool_accepts_alertmanager_config() {
  write_monitoring_files
  amtool_check "$E2E_DIR/state/alertmanager" | tee "$E2E_DIR/amtool.out"
  grep -q ' - 1 receivers' "$E2E_DIR/amtool.out"
  grep -q ' - 2 inhibit rules' "$E2E_DIR/amtool.out"
}
amtool_rejects_a_broken_config() {
  cp -r "$E2E_DIR/state/alertmanager" "$E2E_DIR/am-bad"
  sed -i 's/^  group_wait: .*/  group_wait: soon/' "$E2E_DIR/am-bad/alertmanager.yml"
  refute amtool_check "$E2E_DIR/am-bad"
}
nginx_t() {
  docker run --rm --name "protostar-e2e-mgmt-$ID-nginx" --network none \
    -e JENKINS_HOSTNAME=jenkins.ops.localhost -e GRAFANA_HOSTNAME=grafana.ops.localhost \
    -e MINIO_CONSOLE_HOSTNAME=minio.ops.localhost -e MINIO_API_HOSTNAME=s3.ops.localhost \
    -e LOKI_HOSTNAME=loki.ops.localhost -e OPS_PROXY_ADDRESS=203.0.113.10 -e OPS_PUBLIC_PORT=443 \
    -e MINIO_BACKUP_ACCESS_KEY=protostar-backup \
    -v "$1/nginx.conf:/etc/nginx/nginx.conf:ro" -v "$1/templates:/etc/nginx/templates:ro" \
    -v "$1/snippets:/etc/nginx/snippets:ro" -v "$E2E_DIR/state/nginx:/etc/nginx/protostar:ro" \
    -v "$E2E_DIR/tls:/etc/nginx/tls:ro" "$MANAGEMENT_OFFLINE_NGINX_IMAGE" nginx -t
}
nginx_accepts_ops_config() {
  nginx_t "$PROTOSTAR_ROOT/nginx/management" 2>&1 | tee "$E2E_DIR/nginx-t.out"
  grep -q 'test is successful' "$E2E_DIR/nginx-t.out"
}
nginx_rejects_a_broken_config() {
  cp -r "$PROTOSTAR_ROOT/nginx/management" "$E2E_DIR/nginx-bad"
  # shellcheck disable=SC2016 # nginx's variable, literally
  sed -i '0,/proxy_pass \$jenkins;/s//proxy_pass $jenkins/' "$E2E_DIR/nginx-bad/templates/ops.conf.template"
  ! nginx_t "$E2E_DIR/nginx-bad"
}

# backup_env — settings of a project of its own for the backup round trip: every image
# the offline Debian one (the upstream images cannot be pulled here; the containers are
# only created, never started), Jenkins' home and the backups in the temp directory.
backup_env() {
  local var
  sed -e "s|^MANAGEMENT_PROJECT_NAME=.*|MANAGEMENT_PROJECT_NAME=$BACKUP_PROJECT|" \
    -e "s|^MANAGEMENT_STATE_DIR=.*|MANAGEMENT_STATE_DIR=$E2E_DIR/backup-state|" \
    -e "s|^JENKINS_HOME_DIR=.*|JENKINS_HOME_DIR=$E2E_DIR/jenkins-home|" \
    -e "s|^MANAGEMENT_BACKUP_DIR=.*|MANAGEMENT_BACKUP_DIR=$E2E_DIR/backups|" \
    -e "s|^MANAGEMENT_BACKUP_AGE_RECIPIENTS=.*|MANAGEMENT_BACKUP_AGE_RECIPIENTS=$(age-keygen -y "$E2E_DIR/backup.key")|" \
    "$PROTOSTAR_MANAGEMENT_ENV_FILE"
  for var in OPS_NGINX PROMETHEUS ALERTMANAGER JENKINS_BASE JENKINS MINIO MINIO_CLIENT LOKI GRAFANA; do
    echo "${var}_IMAGE=$OFFLINE_BASE_IMAGE"
  done
}
# volume_file SERVICE PATH — a file in a service's container (its volume), as "uid:gid content".
volume_file() {
  local container
  container=$(docker ps --all --quiet --filter "label=com.docker.compose.project=$BACKUP_PROJECT" \
    --filter "label=com.docker.compose.service=$1" | head -n 1)
  docker cp "$container:$2" - | tar -xOf - | tr -d '\n' | sed "s|^|$(docker cp "$container:$2" - | tar --numeric-owner -tvf - | awk '{ print $2 }' | tr / :) |"
}
management_backup_round_trip() {
  local env="$E2E_DIR/backup.env" m=("$PROTOSTAR_ROOT/scripts/protostar" management)
  age-keygen -o "$E2E_DIR/backup.key" 2>/dev/null
  backup_env >"$env"
  cp "$env" "$E2E_DIR/backup.env.before"
  export PROTOSTAR_MANAGEMENT_ENV_FILE=$env
  mkdir -p "$E2E_DIR/jenkins-home/secrets" "$E2E_DIR/backup-state/jenkins" "$E2E_DIR/seed/grafana" "$E2E_DIR/seed/.minio.sys"
  echo "jenkins-secret-$ID" >"$E2E_DIR/jenkins-home/secrets/master.key"
  echo "grafana-db-$ID" >"$E2E_DIR/seed/grafana/grafana.db"
  echo "minio-iam-$ID" >"$E2E_DIR/seed/.minio.sys/config.json"
  "${m[@]}" compose create grafana alertmanager minio >/dev/null 2>&1
  # Grafana's files belong to its user (472) in the real image: the owner must come back.
  tar -C "$E2E_DIR/seed" --owner=472 --group=472 -cf - grafana | docker cp --archive - "$("${m[@]}" compose ps --all --quiet grafana):/var/lib"
  tar -C "$E2E_DIR/seed" -cf - .minio.sys | docker cp --archive - "$("${m[@]}" compose ps --all --quiet minio):/data"
  "${m[@]}" backup >"$E2E_DIR/backup.out" 2>&1
  local archive
  archive=$(find "$E2E_DIR/backups" -name "$BACKUP_PROJECT-*.tar.age")
  [[ -n "$archive" ]] || return 1
  # Encrypted: the seeded content is nowhere in the archive as written.
  if grep -q "grafana-db-$ID" "$archive"; then return 1; fi
  # The host is lost: containers, volumes, settings, state and Jenkins' home.
  "${m[@]}" compose down --volumes >/dev/null 2>&1
  [[ -z "$(docker volume ls --quiet --filter "label=com.docker.compose.project=$BACKUP_PROJECT")" ]]
  rm -rf "$env" "$E2E_DIR/jenkins-home" "$E2E_DIR/backup-state"
  "${m[@]}" restore "$archive" --identity "$E2E_DIR/backup.key" >"$E2E_DIR/restore.out" 2>&1
  cmp -s "$E2E_DIR/backup.env.before" "$env"
  [[ "$(cat "$E2E_DIR/jenkins-home/secrets/master.key")" == "jenkins-secret-$ID" ]]
  [[ "$(volume_file grafana /var/lib/grafana/grafana.db)" == "472:472 grafana-db-$ID" ]]
  [[ "$(volume_file minio /data/.minio.sys/config.json)" == "0:0 minio-iam-$ID" ]]
}
management_restore_refuses_the_wrong_key() {
  age-keygen -o "$E2E_DIR/other.key" 2>/dev/null
  if "$PROTOSTAR_ROOT/scripts/protostar" management restore "$(find "$E2E_DIR/backups" -name "$BACKUP_PROJECT-*.tar.age")" \
    --identity "$E2E_DIR/other.key" --yes >"$E2E_DIR/wrong.out" 2>&1; then
    return 1
  fi
  grep -q 'could not read .* with the key' "$E2E_DIR/wrong.out"
}

# ops-nginx's access files as `management up` writes them from those settings.
(load_management_config && write_ops_nginx_files)

started=$SECONDS
build_management_offline_images
check "docker compose config accepts management.yml with a site's settings" compose_config_validates
check "after interpolation only ops-nginx publishes (8888, 8443) and every service is health-checked" compose_sees_only_ops_nginx_publishing
check "a missing secret is named and compose is not run" compose_config_refuses_a_missing_secret
check "promtool check config accepts the Prometheus configuration" promtool_accepts_prometheus_config
check "promtool rejects a broken one (the check can fail)" promtool_rejects_a_broken_config
check "promtool check rules and test rules pass: every alert fires where it should, and only there" promtool_passes_the_alert_rule_tests
check "the alert rule tests fail on a changed threshold (the tests can fail)" promtool_fails_a_broken_alert_rule
check "promtool parses every PromQL query of the Grafana dashboards (their variables replaced)" promtool_parses_the_dashboard_queries
check "promtool rejects a dashboard query with a parenthesis dropped, naming its panel (the check can fail)" promtool_rejects_a_broken_dashboard_query
check "promtool accepts Prometheus' configuration with the site files and an alert drill's rules" promtool_accepts_the_site_files_and_drill_rules
check "amtool check-config accepts Alertmanager's configuration (webhook, Slack, e-mail, inhibitions)" amtool_accepts_alertmanager_config
check "amtool rejects a broken one (the check can fail)" amtool_rejects_a_broken_config
check "nginx -t accepts ops-nginx's configuration (templates rendered, self-signed pair)" nginx_accepts_ops_config
check "nginx -t rejects a broken one (the check can fail)" nginx_rejects_a_broken_config
check "management backup, then restore on a host that lost everything: settings, Jenkins' home, volumes with owners" management_backup_round_trip
check "restore with another age key changes nothing (the check can fail)" management_restore_refuses_the_wrong_key
echo "management-config: $((SECONDS - started))s"
e2e_summary
