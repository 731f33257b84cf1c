#!/usr/bin/env bats
# The management host's Compose file and configuration, checked by reading them (PyYAML):
# Loki, Grafana, MinIO and Jenkins cannot be pulled here, so what they would load is
# checked as text and structure. `docker compose config`, `promtool check config` and
# `nginx -t` run for real in scripts/test/e2e/management-config.sh; minio-init's `mc`
# calls are checked here against a stub `mc` (MinIO-specific: no S3 stand-in has users
# or policies).

load test_helper

MGMT="$PROTOSTAR_REPO/compose/management.yml"
M="$PROTOSTAR_REPO/compose/management"

services() { yaml_query "$MGMT" 'sorted(d["services"])'; }

@test "the eight services and the minio-init one-shot" {
  [[ "$(services | paste -sd' ')" == "alertmanager backup-retention grafana jenkins loki minio minio-init ops-nginx prometheus" ]] || fail "$(services)"
}

@test "nothing but ops-nginx publishes a port, and it publishes only 8888 and 8443 (TLS)" {
  [[ "$(yaml_query "$MGMT" '[s for s, v in d["services"].items() if v.get("ports")]')" == ops-nginx ]]
  [[ "$(yaml_query "$MGMT" 'd["services"]["ops-nginx"]["ports"]' | paste -sd' ')" == '${OPS_BIND_ADDRESS:-0.0.0.0}:${OPS_HTTPS_PORT:-8888}:8888 ${OPS_BIND_ADDRESS:-0.0.0.0}:${OPS_LAN_HTTPS_PORT:-8443}:8443' ]]
  # and only ops-nginx sits on the network that can publish
  [[ "$(yaml_query "$MGMT" '[s for s, v in d["services"].items() if "edge" in v.get("networks", [])]')" == ops-nginx ]]
  [[ "$(yaml_query "$MGMT" 'd["networks"]["ops"]["internal"]')" == true ]]
  ! grep -nE '^\s*expose:|network_mode: *host' "$MGMT" || fail "expose or host networking"
}

@test "every long-running service has a health check; the one-shot is kept out of plain up" {
  local s
  for s in $(yaml_query "$MGMT" '[s for s, v in d["services"].items() if "init" not in v.get("profiles", [])]'); do
    [[ -n "$(yaml_query "$MGMT" "d['services']['$s'].get('healthcheck', {}).get('test')")" ]] || fail "$s has no health check"
  done
  [[ "$(yaml_query "$MGMT" '[s for s, v in d["services"].items() if "init" in v.get("profiles", [])]')" == minio-init ]]
  [[ "$(yaml_query "$MGMT" 'd["services"]["minio-init"]["restart"]')" == "no" ]]
}

@test "every image is a variable with a pinned default (no latest, no bare name)" {
  local s image default
  for s in $(services); do
    image=$(yaml_query "$MGMT" "d['services']['$s']['image']")
    [[ "$image" =~ ^\$\{[A-Z_]+_IMAGE:-([^}]+)\}$ ]] || fail "$s: image '$image' is not \${VAR_IMAGE:-default}"
    default=${BASH_REMATCH[1]}
    [[ "$default" =~ :[A-Za-z0-9._-]+$ && "$default" != *:latest ]] || fail "$s: '$default' is not pinned"
  done
  # and the Jenkins base image too
  [[ "$(yaml_query "$MGMT" 'd["services"]["jenkins"]["build"]["args"]["JENKINS_BASE_IMAGE"]')" =~ ^\$\{JENKINS_BASE_IMAGE:-jenkins/jenkins:[0-9.]+-lts-jdk21\}$ ]]
}

@test "data lives in named volumes, Jenkins' home in a host directory at its own path" {
  local s
  for s in minio loki prometheus grafana; do
    yaml_query "$MGMT" "d['services']['$s']['volumes']" | grep -E "^$s-data:/" >/dev/null || fail "$s has no named data volume"
  done
  [[ "$(yaml_query "$MGMT" 'sorted(d["volumes"])' | paste -sd' ')" == "alertmanager-data grafana-data loki-data minio-data prometheus-data" ]]
  yaml_query "$MGMT" 'd["services"]["jenkins"]["volumes"]' |
    grep -xF '${JENKINS_HOME_DIR:-/var/lib/protostar-jenkins}:${JENKINS_HOME_DIR:-/var/lib/protostar-jenkins}' >/dev/null
}

@test "configs are mounted read-only; secrets are files, never environment values" {
  local line
  while read -r line; do
    [[ "$line" == *:ro || "$line" == *-data:* || "$line" == *docker.sock* || "$line" == *JENKINS_HOME_DIR* ]] ||
      fail "mounted writable: $line"
  done < <(yaml_query "$MGMT" '[v for s in d["services"].values() for v in s.get("volumes", [])]')
  # No password or secret key is handed over as an environment value.
  ! yaml_query "$MGMT" '[f"{k}={v}" for s in d["services"].values() for k, v in (s.get("environment") or {}).items()]' |
    grep -E '(PASSWORD|SECRET)[A-Z_]*=\$\{' || fail "a secret in an environment variable"
  [[ "$(yaml_query "$MGMT" 'sorted(d["secrets"])' | paste -sd' ')" == "grafana_admin_password jenkins_admin_password jenkins_deploy_key jenkins_production_known_hosts minio_backend_secret_key minio_backup_secret_key minio_retention_secret_key minio_root_password" ]]
}

@test "every variable the compose file uses is documented in management.env.example" {
  local var missing=()
  for var in $(grep -oE '\$\{[A-Z_]+' "$MGMT" | cut -c3- | sort -u); do
    [[ "$var" == DOCKER_GID ]] && continue # found by `management up` from the socket
    grep -qE "^#? ?$var=" "$PROTOSTAR_REPO/compose/management.env.example" || missing+=("$var")
  done
  ((${#missing[@]} == 0)) || fail "undocumented: ${missing[*]}"
}

@test "Prometheus scrapes every production target through the metrics listener, and the management services" {
  local p="$M/prometheus/prometheus.yml" production
  [[ "$(yaml_query "$p" 'sorted(j["job_name"] for j in d["scrape_configs"])' | paste -sd' ')" == "ai-worker alertmanager backend-blue backend-green grafana loki minio nginx node postgres prometheus redis routing" ]]
  # each production job: its listener path, over TLS with the password and CA `management
  # up` writes, from the targets file it writes
  production='[j for j in d["scrape_configs"] if "file_sd_configs" in j]'
  [[ "$(yaml_query "$p" "[j['job_name'] + '=' + j['metrics_path'] for j in $production]" | paste -sd' ')" == \
    "backend-blue=/metrics/backend-blue backend-green=/metrics/backend-green ai-worker=/metrics/ai-worker node=/metrics/node nginx=/metrics/nginx postgres=/metrics/postgres redis=/metrics/redis routing=/metrics/routing" ]]
  [[ "$(yaml_query "$p" "sorted(set(j['scheme'] + ' ' + j['basic_auth']['username'] + ' ' + j['basic_auth']['password_file'] + ' ' + j['tls_config']['ca_file'] + ' ' + j['file_sd_configs'][0]['files'][0] for j in $production))")" == \
    "https prometheus /etc/prometheus-site/production-password /etc/prometheus-site/production-ca.crt /etc/prometheus-site/production-targets.yml" ]]
  # both colours are one job, told apart by their colour
  [[ "$(yaml_query "$p" "[r['target_label'] + '=' + r['replacement'] for j in $production if j['job_name'].startswith('backend-') for r in j['relabel_configs']]" | paste -sd' ')" == \
    "job=backend color=blue job=backend color=green" ]]
  yaml_query "$MGMT" 'd["services"]["prometheus"]["volumes"]' | grep -xF './management/prometheus:/etc/prometheus:ro' >/dev/null
  yaml_query "$MGMT" 'd["services"]["prometheus"]["volumes"]' |
    grep -xF '${MANAGEMENT_STATE_DIR:-../.protostar-management}/prometheus:/etc/prometheus-site:ro' >/dev/null
  # the rules `management up` writes, and Alertmanager
  [[ "$(yaml_query "$p" 'd["rule_files"][0] + " " + d["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"][0]')" == \
    "/etc/prometheus-site/rules/*.yml alertmanager:9093" ]]
}

@test "Grafana provisions Prometheus (default) and Loki at their internal addresses" {
  local f="$M/grafana/provisioning/datasources/datasources.yml"
  [[ "$(yaml_query "$f" '[x["type"] + " " + x["url"] for x in d["datasources"]]' | paste -sd,)" == "prometheus http://prometheus:9090,loki http://loki:3100" ]]
  [[ "$(yaml_query "$f" '[x["name"] for x in d["datasources"] if x.get("isDefault")]')" == Prometheus ]]
  yaml_query "$MGMT" 'd["services"]["grafana"]["volumes"]' | grep -xF './management/grafana/provisioning:/etc/grafana/provisioning:ro' >/dev/null
  yaml_query "$MGMT" 'list(d["services"]["grafana"]["environment"])' | grep -x GF_SECURITY_ADMIN_PASSWORD__FILE >/dev/null
}

@test "Loki: single binary, tsdb schema v13 on the filesystem volume, retention on" {
  local f="$M/loki/loki.yml"
  [[ "$(yaml_query "$f" 'd["auth_enabled"]')" == false && "$(yaml_query "$f" 'd["server"]["http_listen_port"]')" == 3100 ]]
  [[ "$(yaml_query "$f" '[c["store"] + " " + c["schema"] + " " + c["object_store"] for c in d["schema_config"]["configs"]]')" == "tsdb v13 filesystem" ]]
  [[ "$(yaml_query "$f" 'd["common"]["path_prefix"]')" == /loki ]]
  [[ "$(yaml_query "$f" 'd["compactor"]["retention_enabled"]')" == true ]]
  [[ "$(yaml_query "$f" 'd["limits_config"]["retention_period"]')" =~ ^[0-9]+h$ ]]
  yaml_query "$MGMT" 'd["services"]["loki"]["command"]' | grep -x -- '-config.file=/etc/loki/loki.yml' >/dev/null
}

@test "ops-nginx routes the five host names, TLS only, websocket upgrade for Jenkins, S3 signed Host kept" {
  local t="$PROTOSTAR_REPO/nginx/management/templates/ops.conf.template"
  local name
  for name in JENKINS GRAFANA MINIO_CONSOLE MINIO_API LOKI; do
    grep -qE "server_name \\\$\\{${name}_HOSTNAME\\};" "$t" || fail "no server for $name"
  done
  # 8888 (admins, through the proxy): PROXY protocol on every server, the admin access rules
  [[ $(grep -c 'listen 8888 ssl proxy_protocol' "$t") == 4 ]]
  [[ $(grep -c 'listen 8443 ssl' "$t") == 3 ]]
  [[ $(grep -c 'ssl_reject_handshake on' "$t") == 2 ]]
  ! grep -E '^\s*listen' "$t" | grep -vE 'listen (8888 ssl proxy_protocol|8443 ssl|127\.0\.0\.1:8080)' || fail "a listener besides TLS 8888, 8443 and the health check"
  for name in JENKINS GRAFANA MINIO_CONSOLE; do
    awk "/server_name \\\$\\{${name}_HOSTNAME\\}/,/^}/" "$t" | grep -q 'include /etc/nginx/protostar/admin-access.conf' || fail "$name: no admin access rules"
  done
  for name in MINIO_API LOKI; do
    awk "/server_name \\\$\\{${name}_HOSTNAME\\}/,/^}/" "$t" | grep -q 'include /etc/nginx/protostar/lan-access.conf' || fail "$name: no LAN access rules"
  done
  grep -q 'set_real_ip_from \${OPS_PROXY_ADDRESS};' "$t"
  grep -q 'real_ip_header proxy_protocol;' "$t"
  # Jenkins: the upgrade headers
  awk '/server_name \$\{JENKINS_HOSTNAME\}/,/^}/' "$t" | grep -q 'include /etc/nginx/snippets/admin-proxy.conf'
  grep -q 'proxy_set_header Connection \$connection_upgrade' "$PROTOSTAR_REPO/nginx/management/snippets/admin-proxy.conf"
  awk '/server_name \$\{MINIO_API_HOSTNAME\}/,/^}/' "$t" | grep -q 'proxy_set_header Host \$http_host'
  awk '/server_name \$\{MINIO_API_HOSTNAME\}/,/^}/' "$t" | grep -q 'client_max_body_size 0'
  # Loki: the push endpoint only
  [[ $(awk '/server_name \$\{LOKI_HOSTNAME\}/,/^}/' "$t" | grep -c 'proxy_pass') == 1 ]]
}

@test "MinIO policies: each key sees its own bucket only, no wildcard action, no admin" {
  local p bucket
  for p in documents backups backup-retention; do
    bucket="\${DOCUMENTS_BUCKET}"
    [[ "$p" == documents ]] || bucket="\${BACKUPS_BUCKET}"
    jq -e --arg b "arn:aws:s3:::$bucket" '[.Statement[].Resource[]] | all(. == $b or . == ($b + "/*"))' \
      "$M/minio/policies/protostar-$p.json" >/dev/null || fail "$p: a resource outside its bucket"
    jq -e '[.Statement[].Action[]] | all(startswith("s3:") and (contains("*") | not))' "$M/minio/policies/protostar-$p.json" >/dev/null ||
      fail "$p: a wildcard or non-S3 action"
    jq -e '[.Statement[] | select(.Effect == "Allow") | .Action[]] | any(. == "s3:CreateBucket" or . == "s3:DeleteBucket" or . == "s3:PutBucketPolicy" or . == "s3:PutBucketVersioning" or . == "s3:PutLifecycleConfiguration" or . == "s3:DeleteObjectVersion") | not' \
      "$M/minio/policies/protostar-$p.json" >/dev/null || fail "$p: bucket administration"
    jq -e '[.Statement[].Effect] | all(. == "Allow" or . == "Deny")' "$M/minio/policies/protostar-$p.json" >/dev/null
  done
}

@test "MinIO policies: the production host's backup key may write and read, never delete; retention may delete" {
  local allowed denied
  allowed=$(jq -r '[.Statement[] | select(.Effect == "Allow") | .Action[]] | join(" ")' "$M/minio/policies/protostar-backups.json")
  denied=$(jq -r '[.Statement[] | select(.Effect == "Deny") | .Action[]] | join(" ")' "$M/minio/policies/protostar-backups.json")
  [[ " $allowed " == *" s3:PutObject "* && " $allowed " == *" s3:GetObject "* ]] || fail "backups: $allowed"
  [[ " $allowed " != *Delete* ]] || fail "the backup key may delete: $allowed"
  # denied outright, so a broader policy attached later cannot give it back
  for action in s3:DeleteObject s3:DeleteObjectVersion s3:PutBucketVersioning s3:PutLifecycleConfiguration; do
    [[ " $denied " == *" $action "* ]] || fail "backups: $action not denied"
  done
  allowed=$(jq -r '[.Statement[] | select(.Effect == "Allow") | .Action[]] | join(" ")' "$M/minio/policies/protostar-backup-retention.json")
  [[ " $allowed " == *" s3:DeleteObject "* && " $allowed " != *" s3:PutObject "* ]] || fail "retention: $allowed"
  # a delete by retention leaves the older version: it may not remove versions
  jq -e '[.Statement[] | select(.Effect == "Deny") | .Action[]] | index("s3:DeleteObjectVersion")' \
    "$M/minio/policies/protostar-backup-retention.json" >/dev/null
}

# --- minio-init against a stub mc -------------------------------------------------------------

minio_init_setup() {
  SECRETS="$TEST_ROOT/secrets"
  mkdir -p "$SECRETS"
  printf 'root-secret-value' >"$SECRETS/minio_root_password"
  printf 'backend-secret-value' >"$SECRETS/minio_backend_secret_key"
  printf 'backup-secret-value' >"$SECRETS/minio_backup_secret_key"
  printf 'retention-secret-value' >"$SECRETS/minio_retention_secret_key"
  # mc: logs its calls and the alias it was given; `admin user info` answers from a file of
  # attached policies, `policy attach` adds to it, `policy create` keeps the JSON it got.
  stub mc '*' - <<'STUB'
printf '%s\n' "$MC_HOST_protostar" >"$STUB_LOG.alias"
attached="$STUB_LOG.attached"
case "$1 $2 $3" in
  "admin policy create") cp "$6" "$STUB_LOG.policy-$5" ;;
  "ilm rule import") cat >"$STUB_LOG.lifecycle" ;;
  "admin policy attach") echo "$7 $5" >>"$attached" ;;
  "admin user info")
    p=$(grep "^$5 " "$attached" 2>/dev/null | cut -d' ' -f2)
    printf '{"status":"success","accessKey":"%s","policyName": "%s","userStatus":"enabled"}\n' "$5" "$p"
    ;;
esac
exit 0
STUB
}

run_minio_init() {
  run env SECRETS_DIR="$SECRETS" MINIO_ROOT_USER=protostar-admin DOCUMENTS_BUCKET=documents BACKUPS_BUCKET=backups \
    MINIO_BACKEND_ACCESS_KEY=protostar-backend MINIO_BACKUP_ACCESS_KEY=protostar-backup \
    MINIO_RETENTION_ACCESS_KEY=protostar-backup-retention ${KEEP_DAYS:+BACKUP_VERSIONS_KEEP_DAYS=$KEEP_DAYS} sh "$M/minio/init.sh"
}

@test "minio-init creates both buckets, the three policies and keys, attaches each policy to its key" {
  minio_init_setup
  run_minio_init
  assert_status 0
  assert_call_line "mc mb --ignore-existing protostar/documents"
  assert_call_line "mc mb --ignore-existing protostar/backups"
  assert_call_line "mc admin user add protostar protostar-backend backend-secret-value"
  assert_call_line "mc admin user add protostar protostar-backup backup-secret-value"
  assert_call_line "mc admin user add protostar protostar-backup-retention retention-secret-value"
  assert_call_line "mc admin policy attach protostar protostar-documents --user protostar-backend"
  assert_call_line "mc admin policy attach protostar protostar-backups --user protostar-backup"
  assert_call_line "mc admin policy attach protostar protostar-backup-retention --user protostar-backup-retention"
  # the bucket names filled into the policies
  jq -e '.Statement[0].Resource == ["arn:aws:s3:::documents"]' "$STUB_LOG.policy-protostar-documents" >/dev/null
  jq -e '.Statement[1].Resource == ["arn:aws:s3:::backups/*"]' "$STUB_LOG.policy-protostar-backups" >/dev/null
  # the root password travels in MC_HOST_<alias>, never as an argument, never printed
  [[ "$(cat "$STUB_LOG.alias")" == "http://protostar-admin:root-secret-value@minio:9000" ]]
  ! grep -q root-secret-value "$STUB_LOG" || fail "root password in an argument"
  refute_output_contains "secret-value"
}

@test "minio-init versions the backups bucket, then sets its lifecycle: older versions kept BACKUP_VERSIONS_KEEP_DAYS" {
  minio_init_setup
  KEEP_DAYS=45 run_minio_init
  assert_status 0
  assert_call_line "mc version enable protostar/backups"
  assert_call_line "mc ilm rule import protostar/backups"
  # enabled before the rules that act on older versions
  [[ $(grep -n "version enable" "$STUB_LOG" | cut -d: -f1) -lt $(grep -n "ilm rule import" "$STUB_LOG" | cut -d: -f1) ]]
  jq -e '[.Rules[] | select(.Status == "Enabled")] | length == 2' "$STUB_LOG.lifecycle" >/dev/null || fail "$(cat "$STUB_LOG.lifecycle")"
  jq -e '.Rules[0].NoncurrentVersionExpiration.NoncurrentDays == 45 and .Rules[1].Expiration.ExpiredObjectDeleteMarker' \
    "$STUB_LOG.lifecycle" >/dev/null || fail "$(cat "$STUB_LOG.lifecycle")"
  # the default: 30 days
  minio_init_setup
  run_minio_init
  jq -e '.Rules[0].NoncurrentVersionExpiration.NoncurrentDays == 30' "$STUB_LOG.lifecycle" >/dev/null
}

@test "minio-init run again changes nothing it need not: no second attach" {
  minio_init_setup
  run_minio_init
  assert_status 0
  : >"$STUB_LOG"
  run_minio_init
  assert_status 0
  refute_called "policy attach"
  assert_call_line "mc mb --ignore-existing protostar/documents"
}

@test "minio-init stops at the first failing mc call" {
  minio_init_setup
  stub_output mc 'mb *' '' 1
  run_minio_init
  assert_status 1
  refute_called "admin"
}
