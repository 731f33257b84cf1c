#!/usr/bin/env bash
# Summary: Validate the management host's Compose file and configs with the real tools
# Usage: scripts/test/e2e/management-config.sh
#
# What can run here runs for real; what cannot be pulled (Jenkins, Loki, Grafana, MinIO)
# is checked by reading in scripts/test/management-config.bats and jenkins.bats.
#   - `protostar management config` (docker compose config) with settings made from
#     compose/management.env.example, and compose's own view: only ops-nginx publishes
#   - `promtool check config` on compose/management/prometheus (promtool from Debian's
#     prometheus package: the offline image protostar/prometheus, built when missing)
#   - `nginx -t` on nginx/management with the templates rendered and the access files
#     `management up` writes, in protostar/nginx, with a throw-away self-signed certificate
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
trap 'docker rm -f "protostar-e2e-mgmt-$ID-promtool" "protostar-e2e-mgmt-$ID-nginx" >/dev/null 2>&1 || true; rm -rf "$E2E_DIR"' EXIT

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
nginx_t() {
  docker run --rm --name "protostar-e2e-mgmt-$ID-nginx" --network none \
    -e JENKINS_HOSTNAME=jenkins.ops.localhost -e GRAFANA_HOSTNAME=grafana.ops.localhost \
    -e MINIO_CONSOLE_HOSTNAME=minio.ops.localhost -e MINIO_API_HOSTNAME=s3.ops.localhost \
    -e LOKI_HOSTNAME=loki.ops.localhost -e OPS_PROXY_ADDRESS=203.0.113.10 -e OPS_PUBLIC_PORT=443 \
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

# ops-nginx's access files as `management up` writes them from those settings.
(load_management_config && write_ops_nginx_files)

started=$SECONDS
build_management_offline_images
check "docker compose config accepts management.yml with a site's settings" compose_config_validates
check "after interpolation only ops-nginx publishes (8888, 8443) and every service is health-checked" compose_sees_only_ops_nginx_publishing
check "a missing secret is named and compose is not run" compose_config_refuses_a_missing_secret
check "promtool check config accepts the Prometheus configuration" promtool_accepts_prometheus_config
check "promtool rejects a broken one (the check can fail)" promtool_rejects_a_broken_config
check "nginx -t accepts ops-nginx's configuration (templates rendered, self-signed pair)" nginx_accepts_ops_config
check "nginx -t rejects a broken one (the check can fail)" nginx_rejects_a_broken_config
echo "management-config: $((SECONDS - started))s"
e2e_summary
