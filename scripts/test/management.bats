#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031 # settings are exported per test
# protostar management: the management host's Compose project, run with the docker stub.
# The compose file and configs themselves are checked by reading in
# management-config.bats and for real (compose config, promtool, nginx -t) in the e2e
# tier (scripts/test/e2e/management-config.sh).

load test_helper

mprefix() { printf 'docker compose --project-name %s --file %s' "${1:-protostar-management}" "$PROTOSTAR_REPO/compose/management.yml"; }

@test "management --help and help list it; no action or an unknown one is refused" {
  run protostar management --help
  assert_status 0
  [[ "${lines[0]}" == "Usage: protostar management up"* ]] || fail "${lines[0]}"
  run protostar help
  assert_output_line_matches '^  management +Run the management host'
  run protostar management
  assert_status 1
  assert_output_contains "up, status, config, reload, down, prune, backup, restore or compose is needed"
  run protostar management restart
  assert_status 1
  assert_output_contains "unknown action 'restart'"
  assert_no_calls
}

@test "a missing .env.management is created from the example with generated secrets, never overwritten" {
  export PROTOSTAR_MANAGEMENT_ENV_FILE="$TEST_ROOT/fresh.env"
  run protostar management status
  assert_status 1
  assert_output_contains "fresh.env not found: run 'protostar management up'"
  # The step up takes first, alone (up itself would go on to use the example's paths).
  run lib_run 'source "$PROTOSTAR_ROOT/scripts/lib/management.sh"; ensure_management_env_file'
  assert_status 0
  assert_output_contains "created $TEST_ROOT/fresh.env with generated secrets"
  [[ $(stat -c %a "$TEST_ROOT/fresh.env") == 600 ]]
  local var
  for var in JENKINS_ADMIN_PASSWORD GRAFANA_ADMIN_PASSWORD MINIO_ROOT_PASSWORD MINIO_BACKEND_SECRET_KEY MINIO_BACKUP_SECRET_KEY OPS_ADMIN_PASSWORD MINIO_RETENTION_SECRET_KEY; do
    grep -qE "^$var=[0-9a-f]{48}\$" "$TEST_ROOT/fresh.env" || fail "$var not generated"
  done
  local before
  before=$(md5sum <"$TEST_ROOT/fresh.env")
  run lib_run 'source "$PROTOSTAR_ROOT/scripts/lib/management.sh"; ensure_management_env_file'
  [[ $(md5sum <"$TEST_ROOT/fresh.env") == "$before" ]] || fail "rewritten"
  refute_output_contains "created"
}

@test "a settings file from before the retention key gets it generated; nothing else of it changes" {
  write_management_env
  sed -i '/^MINIO_RETENTION_SECRET_KEY=/d' "$TEST_ROOT/management.env"
  cp "$TEST_ROOT/management.env" "$TEST_ROOT/before.env"
  run protostar management status
  assert_status 1
  assert_output_contains "MINIO_RETENTION_SECRET_KEY"
  run lib_run 'source "$PROTOSTAR_ROOT/scripts/lib/management.sh"; ensure_management_env_file'
  assert_status 0
  grep -qE '^MINIO_RETENTION_SECRET_KEY=[0-9a-f]{48}$' "$TEST_ROOT/management.env" || fail "not generated"
  diff "$TEST_ROOT/before.env" <(grep -v '^MINIO_RETENTION_SECRET_KEY=' "$TEST_ROOT/management.env" | sed '$d')
  [[ "$(tail -n 2 "$TEST_ROOT/management.env" | head -n 1)" == "# Added by protostar up ("*"): see compose/management.env.example" ]]
}

@test "prune: refused when backup-retention is not running; else one round in it, --dry-run passed on" {
  write_management_env
  stub_running
  run protostar management prune
  assert_status 1
  assert_output_contains "backup-retention is not running"
  stub_running backup-retention
  run protostar management prune --dry-run
  assert_status 0
  assert_call_line "$(mprefix) exec -T backup-retention /bin/bash /opt/protostar/prune-backups --once --dry-run"
  run protostar management prune --all
  assert_status 1
  assert_output_contains "unknown option '--all'"
}

@test "up: settings, files, Jenkins image, compose up --wait, then minio-init; prints the URLs" {
  TEST_OPS_PORT=$(free_port) TEST_OPS_LAN_PORT=$(free_port)
  write_management_env
  stub_missing_images protostar/jenkins:2.541.1
  run protostar management up
  assert_status 0
  assert_call_line "$(mprefix) build jenkins"
  assert_call_line "$(mprefix) up --detach --wait --wait-timeout 300 --remove-orphans"
  assert_call_line "$(mprefix) run --rm --no-deps minio-init"
  # minio-init runs after the services are healthy
  [[ $(grep -n ' up --detach' "$STUB_LOG" | cut -d: -f1) -lt $(grep -n 'run --rm --no-deps minio-init' "$STUB_LOG" | cut -d: -f1) ]]
  # admins through the cloud proxy (OPS_PUBLIC_PORT), the S3 API on the LAN port
  assert_output_contains "JENKINS                  https://jenkins.ops.internal:443/"
  assert_output_contains "MINIO_API                https://s3.ops.internal:$TEST_OPS_LAN_PORT/"
  # ops-nginx reads the access files it wrote, also when it was running already
  assert_call_line "$(mprefix) exec -T ops-nginx nginx -s reload"
  [[ $(grep -c '^allow ' "$TEST_ROOT/mstate/nginx/admin-access.conf") == 1 ]]
  grep -q '^admin:\$6\$' "$TEST_ROOT/mstate/nginx/htpasswd" || fail "$(cat "$TEST_ROOT/mstate/nginx/htpasswd")"
  # The files it creates: a certificate for every host name, the deploy key, a known_hosts
  # placeholder that pins nothing.
  local san
  san=$(openssl x509 -in "$TEST_ROOT/mstate/tls/tls.crt" -noout -ext subjectAltName)
  for name in jenkins grafana minio s3 loki; do [[ "$san" == *"DNS:$name.ops.internal"* ]] || fail "$san"; done
  [[ -f "$TEST_ROOT/mstate/jenkins/deploy-key" && -f "$TEST_ROOT/mstate/jenkins/deploy-key.pub" ]]
  ! grep -v '^#' "$TEST_ROOT/mstate/jenkins/known-hosts" || fail "the placeholder pins a key"
  assert_output_contains "deploy-user setup --key"
  assert_output_contains "holds no host key yet"
}

@test "up twice keeps the key, the certificate and the settings" {
  TEST_OPS_PORT=$(free_port)
  write_management_env
  run protostar management up
  assert_status 0
  local before
  before=$(cat "$TEST_ROOT/mstate/jenkins/deploy-key" "$TEST_ROOT/mstate/tls/tls.crt" "$PROTOSTAR_MANAGEMENT_ENV_FILE" | md5sum)
  run protostar management up
  assert_status 0
  [[ $(cat "$TEST_ROOT/mstate/jenkins/deploy-key" "$TEST_ROOT/mstate/tls/tls.crt" "$PROTOSTAR_MANAGEMENT_ENV_FILE" | md5sum) == "$before" ]]
  refute_output_contains "created the deploy key"
}

@test "up --offline builds ops-nginx, Prometheus and Alertmanager from Debian packages and uses them" {
  TEST_OPS_PORT=$(free_port)
  write_management_env
  stub_missing_images protostar/nginx:1.26 protostar/prometheus:2.53 protostar/alertmanager:0.28
  record_docker_env OPS_NGINX_IMAGE PROMETHEUS_IMAGE ALERTMANAGER_IMAGE
  run protostar management up --offline
  assert_status 0
  assert_called "docker build --build-arg BASE_IMAGE=protostar/debian:trixie --label dev.protostar.recipe=$(recipe_of nginx) -t protostar/nginx:1.26 $PROTOSTAR_REPO/compose/images/nginx"
  assert_called "docker build --build-arg BASE_IMAGE=protostar/debian:trixie --label dev.protostar.recipe=$(recipe_of prometheus) -t protostar/prometheus:2.53 $PROTOSTAR_REPO/compose/images/prometheus"
  grep -qx "OPS_NGINX_IMAGE=protostar/nginx:1.26" "$STUB_ENV_LOG"
  grep -qx "PROMETHEUS_IMAGE=protostar/prometheus:2.53" "$STUB_ENV_LOG"
  assert_called "docker build --build-arg BASE_IMAGE=protostar/debian:trixie --label dev.protostar.recipe=$(recipe_of alertmanager) -t protostar/alertmanager:0.28 $PROTOSTAR_REPO/compose/images/alertmanager"
  grep -qx "ALERTMANAGER_IMAGE=protostar/alertmanager:0.28" "$STUB_ENV_LOG"
  # remembered: a later `up` uses them again
  : >"$STUB_ENV_LOG"
  run protostar management up
  assert_status 0
  grep -qx "OPS_NGINX_IMAGE=protostar/nginx:1.26" "$STUB_ENV_LOG"
}

@test "up: a malformed setting is named and nothing starts" {
  write_management_env "OPS_HTTPS_PORT=99999" "MINIO_API_HOSTNAME=s3 ops" "BACKUPS_BUCKET=Backups"
  run protostar management up
  assert_status 1
  assert_output_contains "OPS_HTTPS_PORT=99999 is malformed"
  assert_output_contains "MINIO_API_HOSTNAME=s3 ops is malformed"
  assert_output_contains "BACKUPS_BUCKET=Backups is malformed: expected an S3 bucket name"
  assert_output_contains "nothing was started"
  assert_no_calls
}

@test "up: a malformed secret is named without its value" {
  write_management_env "MINIO_ROOT_PASSWORD=short"
  run protostar management up
  assert_status 1
  assert_output_contains "MINIO_ROOT_PASSWORD is malformed"
  refute_output_contains "short"
}

@test "up: a port in use by another program stops it before anything starts" {
  start_listener
  write_management_env "OPS_HTTPS_PORT=$LISTENER_PORT"
  run protostar management up
  assert_status 1
  assert_output_contains "port $LISTENER_PORT on 127.0.0.1 is already in use"
  refute_called " up "
}

@test "up: a stack that does not become healthy fails, minio-init does not run" {
  TEST_OPS_PORT=$(free_port)
  write_management_env
  stub_output docker 'compose * up *' '' 1
  run protostar management up --timeout 20
  assert_status 1
  assert_output_contains "did not become healthy within 20s"
  refute_called "minio-init"
}

@test "status: healthy when every service runs healthy (minio-init exited), 1 otherwise" {
  write_management_env
  stub_ps_states 'ops-nginx|running|healthy|nginx:1.26.3|1 hour\njenkins|running|healthy|protostar/jenkins:2.541.1|1 hour\nminio|running|healthy|minio/minio:R|1 hour\nminio-init|exited||minio/mc:R|1 hour\n'
  run protostar management status
  assert_status 0
  assert_output_contains "GRAFANA                  https://grafana.ops.internal:443/"
  assert_output_line_matches '^minio-init +exited +-'
  stub_ps_states 'ops-nginx|running|healthy|nginx|1 hour\njenkins|running|starting|j|1 min\n'
  run protostar management status
  assert_status 1
  assert_output_contains "Not every service is healthy"
}

@test "config, compose and down use the project's compose command" {
  write_management_env "MANAGEMENT_PROJECT_NAME=ops-site"
  run protostar management config
  assert_status 0
  assert_call_line "$(mprefix ops-site) config"
  run protostar management compose logs jenkins
  assert_call_line "$(mprefix ops-site) logs jenkins"
  run protostar management down
  assert_call_line "$(mprefix ops-site) down --remove-orphans --timeout 60"
  run protostar management down --volumes
  assert_status 1
  assert_output_contains "add --yes to confirm"
  run protostar management down --volumes --yes
  assert_call_line "$(mprefix ops-site) down --remove-orphans --timeout 60 --volumes"
}

@test "the management settings never read the production .env" {
  write_env
  write_management_env
  run protostar management config
  assert_status 0
  [[ ! -e "$TEST_ROOT/.env.management" ]]
  ! grep -q "$ENV_FILE" "$STUB_LOG" || fail "read the production .env"
}

# --- ops-nginx's access files (the admin path) -------------------------------------------------

mgmt_lib() { lib_run "source \"\$PROTOSTAR_ROOT/scripts/lib/management.sh\"; load_management_config; $1"; }

@test "admin access: the allow-list, then basic auth; client certificates only when OPS_CLIENT_CA_FILE is set" {
  write_management_env "OPS_ADMIN_ALLOW=81.2.69.7, 145.40.0.0/24"
  run mgmt_lib ops_admin_access_conf
  assert_status 0
  [[ "$(grep -v '^#' <<<"$output")" == 'allow 81.2.69.7;
allow 145.40.0.0/24;
deny all;
auth_basic "Protostar operations";
auth_basic_user_file /etc/nginx/protostar/htpasswd;' ]] || fail "$output"
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=admins -keyout "$TEST_ROOT/ca.key" -out "$TEST_ROOT/ca.crt" 2>/dev/null
  write_management_env "OPS_CLIENT_CA_FILE=$TEST_ROOT/ca.crt"
  run mgmt_lib 'ops_admin_access_conf; write_ops_nginx_files'
  assert_output_contains "ssl_verify_client on;"
  cmp "$TEST_ROOT/ca.crt" "$TEST_ROOT/mstate/nginx/client-ca.crt"
  # switched off again: the copy goes too
  write_management_env
  run mgmt_lib write_ops_nginx_files
  assert_status 0
  [[ ! -e "$TEST_ROOT/mstate/nginx/client-ca.crt" ]] || fail "the client CA's copy is still there"
  # grep -c: 0 lines, status 1; a missing file would be status 2
  run grep -c ssl_verify_client "$TEST_ROOT/mstate/nginx/admin-access.conf"
  assert_status 1
  [[ "$output" == 0 ]] || fail "ssl_verify_client is still on: $output"
}

@test "htpasswd: a salted SHA-512 crypt hash that openssl verifies; the password is not stored in clear" {
  write_management_env
  run mgmt_lib write_ops_nginx_files
  assert_status 0
  local line hash salt
  line=$(cat "$TEST_ROOT/mstate/nginx/htpasswd")
  [[ "$line" == admin:\$6\$* ]] || fail "$line"
  hash=${line#admin:}
  salt=$(cut -d'$' -f3 <<<"$hash")
  [[ "$(openssl passwd -6 -salt "$salt" ops_admin_password-0123456789abcdef0123)" == "$hash" ]]
  ! grep -rq ops_admin_password-0123456789abcdef0123 "$TEST_ROOT/mstate/nginx" || fail "the password in clear"
  # the hash: for ops-nginx's workers (www-data, 33 in both images) only
  [[ $(stat -c %a:%g "$TEST_ROOT/mstate/nginx/htpasswd") == 640:33 ]] || fail "$(stat -c %a:%g "$TEST_ROOT/mstate/nginx/htpasswd")"
  [[ $(stat -c %a "$TEST_ROOT/mstate/nginx/admin-access.conf") == 644 ]]
  grep -qx 'user www-data;' "$PROTOSTAR_REPO/nginx/management/nginx.conf"
  # the LAN port's list
  [[ "$(grep -v '^#' "$TEST_ROOT/mstate/nginx/lan-access.conf" | paste -sd' ')" == "allow 10.0.0.0/8; allow 172.16.0.0/12; allow 192.168.0.0/16; deny all;" ]]
}

@test "htpasswd: where its group cannot be set (not root), it stays readable, with a warning naming the fix" {
  write_management_env
  stub chgrp '*' 'exit 1'
  run mgmt_lib write_ops_nginx_files
  assert_status 0
  assert_output_contains "htpasswd is readable by every user of this host: run 'protostar management up' as root"
  [[ $(stat -c %a "$TEST_ROOT/mstate/nginx/htpasswd") == 644 ]]
}

@test "the deploy key: created mode 600 by whoever runs up, never given to uid 1000; Jenkins gets it from the environment" {
  TEST_OPS_PORT=$(free_port)
  write_management_env
  record_docker_env JENKINS_DEPLOY_KEY
  run protostar management up
  assert_status 0
  local key="$TEST_ROOT/mstate/jenkins/deploy-key"
  [[ $(stat -c %a:%u "$key") == "600:$(id -u)" ]] || fail "$(stat -c %a:%u "$key")"
  ! grep -q 'chown' "$STUB_LOG" || fail "$(cat "$STUB_LOG")"
  # Compose saw the key's text, final newline included, in JENKINS_DEPLOY_KEY
  grep -qx 'JENKINS_DEPLOY_KEY=-----BEGIN OPENSSH PRIVATE KEY-----' "$STUB_ENV_LOG" || fail "$(head -c 300 "$STUB_ENV_LOG")"
  grep -A1 -x -- '-----END OPENSSH PRIVATE KEY-----' "$STUB_ENV_LOG" | sed -n 2p | grep -qx '' ||
    fail "no newline after the key"
  grep -q 'jenkins_deploy_key: { environment: JENKINS_DEPLOY_KEY }' "$PROTOSTAR_REPO/compose/management.yml"
}

@test "a deploy key an earlier release gave to uid 1000 is taken back by root" {
  [[ $EUID == 0 ]] || skip "needs root (chown)"
  TEST_OPS_PORT=$(free_port)
  write_management_env
  mkdir -p "$TEST_ROOT/mstate/jenkins"
  ssh-keygen -q -t ed25519 -N '' -f "$TEST_ROOT/mstate/jenkins/deploy-key"
  chown 1000:1000 "$TEST_ROOT/mstate/jenkins/deploy-key"
  chmod 644 "$TEST_ROOT/mstate/jenkins/deploy-key"
  run protostar management up
  assert_status 0
  assert_output_contains "was owned by uid 1000: now root's, mode 600"
  [[ $(stat -c %a:%u:%g "$TEST_ROOT/mstate/jenkins/deploy-key") == 600:0:0 ]]
}

@test "admin-path settings are checked and named: allow-lists, proxy address, client CA, the two ports" {
  write_management_env "OPS_ADMIN_ALLOW=203.0.113.7,example.org" "OPS_PROXY_ADDRESS=203.0.113.300" \
    "OPS_LAN_ALLOW=10.0.0.0/33" "OPS_CLIENT_CA_FILE=$TEST_ROOT/no-such.crt" "OPS_LAN_HTTPS_PORT=18888" "OPS_HTTPS_PORT=18888"
  sed -i '/^OPS_ADMIN_PASSWORD=/d' "$PROTOSTAR_MANAGEMENT_ENV_FILE"
  run protostar management config
  assert_status 1
  assert_output_contains "OPS_ADMIN_ALLOW=203.0.113.7,example.org is malformed: expected IPv4 addresses or networks separated by commas"
  assert_output_contains "(example.org is not one)"
  assert_output_contains "OPS_PROXY_ADDRESS=203.0.113.300 is malformed"
  assert_output_contains "OPS_LAN_ALLOW=10.0.0.0/33 is malformed"
  assert_output_contains "OPS_CLIENT_CA_FILE=$TEST_ROOT/no-such.crt is malformed: expected a readable file"
  assert_output_contains "OPS_HTTPS_PORT and OPS_LAN_HTTPS_PORT are both 18888"
  assert_output_contains "OPS_ADMIN_PASSWORD is missing"
  assert_no_calls
}

@test "reload: refused when ops-nginx is not running; else files rewritten, nginx -t, reload; a refused config is not loaded" {
  write_management_env
  stub_running
  run protostar management reload
  assert_status 1
  assert_output_contains "ops-nginx is not running"
  stub_running ops-nginx
  run protostar management reload
  assert_status 0
  assert_call_line "$(mprefix) exec -T ops-nginx nginx -t -q"
  assert_call_line "$(mprefix) exec -T ops-nginx nginx -s reload"
  [[ -f "$TEST_ROOT/mstate/nginx/admin-access.conf" && -f "$TEST_ROOT/mstate/nginx/htpasswd" ]]
  : >"$STUB_LOG"
  stub_output docker 'compose * exec * nginx -t*' '' 1
  run protostar management reload
  assert_status 1
  assert_output_contains "ops-nginx refused its configuration"
  refute_called "nginx -s reload"
}

@test "the example's placeholders, example.org names and documentation addresses are refused before anything starts" {
  local example="$PROTOSTAR_REPO/compose/management.env.example"
  write_management_env "JENKINS_HOSTNAME=$(sed -n 's/^JENKINS_HOSTNAME=//p' "$example")" \
    "OPS_PROXY_ADDRESS=$(sed -n 's/^OPS_PROXY_ADDRESS=//p' "$example")" \
    "PROTOSTAR_DEPLOY_HOST=prod.example.com" "PROTOSTAR_REPOSITORY_URL=git@git.example.org:team/protostar.git" \
    "OPS_ADMIN_ALLOW=81.2.69.7,198.51.100.0/24"
  run protostar management up
  assert_status 1
  assert_output_contains "JENKINS_HOSTNAME=jenkins.ops.localhost is the example's placeholder: set this site's own"
  assert_output_contains "OPS_PROXY_ADDRESS=203.0.113.10 is the example's placeholder"
  assert_output_contains "PROTOSTAR_DEPLOY_HOST=prod.example.com: prod.example.com is a name or address kept for documentation"
  assert_output_contains "PROTOSTAR_REPOSITORY_URL=git@git.example.org:team/protostar.git: git.example.org is a name"
  assert_output_contains "OPS_ADMIN_ALLOW=81.2.69.7,198.51.100.0/24: 198.51.100.0 is a name or address kept for documentation"
  refute_output_contains "GRAFANA_HOSTNAME"
  assert_output_contains "nothing was started"
  assert_no_calls
}

@test "reload after a host name changed: checked in a one-off container, then ops-nginx recreated" {
  write_management_env "GRAFANA_HOSTNAME=dashboards.ops.internal"
  stub_output docker 'compose * ps --status running --quiet ops-nginx' 'id-ops-nginx\n'
  stub_output docker 'compose * --dry-run up *' ' DRY-RUN MODE -  Container protostar-management-ops-nginx-1  Recreate\n'
  run protostar management reload
  assert_status 0
  assert_output_contains "ops-nginx's settings changed (host names, ports or OPS_PROXY_ADDRESS): checking them, then recreating it"
  assert_call_line "$(mprefix) run --rm --no-deps -T ops-nginx nginx -t -q"
  assert_call_line "$(mprefix) up --detach --no-deps --wait ops-nginx"
  refute_called "nginx -s reload"
}

@test "OPS_ADMIN_ALLOW empty (the default): nobody is allowed, and up, status and reload say how to add admins" {
  write_management_env "OPS_ADMIN_ALLOW="
  run lib_run 'source "$PROTOSTAR_ROOT/scripts/lib/management.sh"; load_management_config; ops_admin_access_conf'
  assert_status 0
  [[ "$(grep -vE '^#|auth_basic' <<<"$output")" == 'deny all;' ]] || fail "$output"
  grep -qx 'OPS_ADMIN_ALLOW=' "$PROTOSTAR_REPO/compose/management.env.example" || fail "the example lets someone in"
  stub_output docker 'compose * ps *' 'ops-nginx|running|healthy|img|1 minute\n'
  run protostar management status
  assert_output_contains "warning: OPS_ADMIN_ALLOW is empty: every admin gets 403. Add their public addresses"
  assert_output_contains "then run 'protostar management reload'"
}
