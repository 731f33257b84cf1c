#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031 # settings are exported per test
# protostar proxy: the cloud proxy's settings, the admin host names' map, the Compose
# command, run with the docker stub. The nginx configuration itself runs for real in
# scripts/test/e2e/networking.sh.

load test_helper

pprefix() { printf 'docker compose --project-name protostar-proxy --file %s' "$PROTOSTAR_REPO/compose/proxy.yml"; }

# write_proxy_env [KEY=VALUE]... — .env.proxy from the example, state in the temp root.
write_proxy_env() {
  local file="$TEST_ROOT/proxy.env" arg
  sed -e "s|^PROXY_STATE_DIR=.*|PROXY_STATE_DIR=$TEST_ROOT/pstate|" \
    -e "s|^PROXY_BIND_ADDRESS=.*|PROXY_BIND_ADDRESS=127.0.0.1|" \
    -e "s|^PROXY_HTTPS_PORT=.*|PROXY_HTTPS_PORT=${TEST_PROXY_PORT:-18443}|" \
    -e "s|^PROXY_ADMIN_HOSTNAMES=.*|PROXY_ADMIN_HOSTNAMES=jenkins.ops.internal,grafana.ops.internal,minio.ops.internal|" \
    -e "s|^PROXY_UPSTREAM=.*|PROXY_UPSTREAM=router.corp.internal:8888|" \
    "$PROTOSTAR_REPO/compose/proxy.env.example" >"$file"
  for arg in "$@"; do sed -i "s|^${arg%%=*}=.*|$arg|" "$file"; done
  export PROTOSTAR_PROXY_ENV_FILE=$file
}

proxy_lib() {
  lib_run "source \"\$PROTOSTAR_ROOT/scripts/lib/proxy.sh\"; $1"
}

@test "proxy --help and help list it; no action or an unknown one is refused" {
  run protostar proxy --help
  assert_status 0
  [[ "${lines[0]}" == "Usage: protostar proxy up"* ]] || fail "${lines[0]}"
  run protostar help
  assert_output_line_matches '^  proxy +Run the cloud proxy'
  run protostar proxy
  assert_status 1
  assert_output_contains "up, status, config, reload, down or compose is needed"
  run protostar proxy restart
  assert_status 1
  assert_output_contains "unknown action 'restart'"
  assert_no_calls
}

@test "a missing .env.proxy is created from the example, never overwritten; status without one is refused" {
  export PROTOSTAR_PROXY_ENV_FILE="$TEST_ROOT/fresh.env"
  run protostar proxy status
  assert_status 1
  assert_output_contains "fresh.env not found: run 'protostar proxy up'"
  run proxy_lib ensure_proxy_env_file
  assert_status 0
  cmp "$TEST_ROOT/fresh.env" "$PROTOSTAR_REPO/compose/proxy.env.example"
  echo "# mine" >>"$TEST_ROOT/fresh.env"
  run proxy_lib ensure_proxy_env_file
  tail -n 1 "$TEST_ROOT/fresh.env" | grep -qx '# mine'
}

@test "every malformed setting is named at once, before Docker is touched" {
  write_proxy_env "PROXY_ADMIN_HOSTNAMES=jenkins.ops.corp.internal,bad_name" "PROXY_UPSTREAM=router.example.org" \
    "PROXY_IDLE_TIMEOUT=forever" "PROXY_MAX_CONNECTIONS_PER_CLIENT=0"
  sed -i '/^PROXY_HTTPS_PORT=/d' "$PROTOSTAR_PROXY_ENV_FILE"
  run protostar proxy up
  assert_status 1
  assert_output_contains "PROXY_ADMIN_HOSTNAMES=jenkins.ops.corp.internal,bad_name is malformed: expected host names separated by commas"
  assert_output_contains "(bad_name is not one)"
  assert_output_contains "PROXY_UPSTREAM=router.example.org is malformed: expected HOST:PORT"
  assert_output_contains "PROXY_IDLE_TIMEOUT=forever is malformed: expected a time such as 90s, 10m or 1h"
  assert_output_contains "PROXY_MAX_CONNECTIONS_PER_CLIENT=0 is malformed"
  assert_output_contains "PROXY_HTTPS_PORT is missing"
  assert_output_contains "fix $PROTOSTAR_PROXY_ENV_FILE (documented in compose/proxy.env.example); nothing was started"
  assert_no_calls
  [[ ! -e "$TEST_ROOT/pstate" ]] || fail "files written before the checks passed"
}

@test "the map sends each admin name (lowercased) to the management host, nothing else" {
  write_proxy_env "PROXY_ADMIN_HOSTNAMES=Jenkins.OPS.corp.internal, grafana.ops.corp.internal"
  run proxy_lib 'load_proxy_config; proxy_hostnames_map'
  assert_status 0
  [[ "$(grep -v '^#' <<<"$output")" == $'jenkins.ops.corp.internal management;\ngrafana.ops.corp.internal management;' ]] || fail "$output"
  # the template routes everything else to the closing upstream, with PROXY protocol on
  local t="$PROTOSTAR_REPO/nginx/proxy/templates/proxy.conf.template"
  grep -q 'default reject;' "$t"
  grep -q 'include /etc/nginx/protostar/admin-hostnames.map;' "$t"
  grep -q '^  proxy_protocol on;' "$t"
  grep -q '^  ssl_preread on;' "$t"
  grep -q 'limit_conn proxy_per_client \${PROXY_MAX_CONNECTIONS_PER_CLIENT};' "$t"
  ! grep -qE 'ssl_certificate|listen .*ssl' "$t" "$PROTOSTAR_REPO/nginx/proxy/nginx.conf" || fail "the proxy terminates TLS"
}

@test "up: settings, the map, compose up --wait, a reload for a running proxy; prints the route" {
  TEST_PROXY_PORT=$(free_port)
  write_proxy_env "PROXY_UPSTREAM=81.2.69.20:8888"
  run protostar proxy up
  assert_status 0
  assert_call_line "$(pprefix) up --detach --wait --wait-timeout 120 --remove-orphans"
  assert_call_line "$(pprefix) exec -T proxy nginx -s reload"
  grep -qx 'minio.ops.internal management;' "$TEST_ROOT/pstate/nginx/admin-hostnames.map"
  [[ $(stat -c %a "$TEST_ROOT/pstate/nginx/admin-hostnames.map") == 644 ]]
  assert_output_contains "-> 81.2.69.20:8888"
}

@test "up --offline builds and uses protostar/nginx, and remembers it" {
  TEST_PROXY_PORT=$(free_port)
  write_proxy_env
  record_docker_env PROXY_NGINX_IMAGE
  run protostar proxy up --offline
  assert_status 0
  grep -qx 'PROXY_NGINX_IMAGE=protostar/nginx:1.26' "$STUB_ENV_LOG"
  [[ "$(cat "$TEST_ROOT/pstate/image-source")" == offline ]]
}

@test "up: a proxy that does not become healthy fails with its log" {
  TEST_PROXY_PORT=$(free_port)
  write_proxy_env
  stub_output docker 'compose * up *' '' 1
  run protostar proxy up --timeout 5
  assert_status 1
  assert_output_contains "the proxy did not become healthy within 5s"
  assert_call_line "$(pprefix) logs --tail 30 proxy"
}

@test "status: 0 when running healthy, 1 otherwise" {
  write_proxy_env
  stub_ps_states 'proxy|running|healthy|nginx:1.26.3|1 hour\n'
  run protostar proxy status
  assert_status 0
  assert_output_contains "Passes: jenkins.ops.internal, grafana.ops.internal, minio.ops.internal (port 18443) -> router.corp.internal:8888"
  stub_ps_states 'proxy|restarting|unhealthy|nginx:1.26.3|1 min\n'
  run protostar proxy status
  assert_status 1
  stub_ps_states ''
  run protostar proxy status
  assert_status 1
  assert_output_contains "Not running"
}

@test "reload: refused when not running; else the map rewritten, nginx -t, then reload; a refused config is not loaded" {
  write_proxy_env
  stub_running
  run protostar proxy reload
  assert_status 1
  assert_output_contains "the proxy is not running"
  stub_running proxy
  run protostar proxy reload
  assert_status 0
  assert_call_line "$(pprefix) exec -T proxy nginx -t -q"
  assert_call_line "$(pprefix) exec -T proxy nginx -s reload"
  [[ -f "$TEST_ROOT/pstate/nginx/admin-hostnames.map" ]]
  : >"$STUB_LOG"
  stub_output docker 'compose * exec * nginx -t*' '' 1
  run protostar proxy reload
  assert_status 1
  assert_output_contains "nginx refused the configuration"
  refute_called "nginx -s reload"
}

@test "reload after PROXY_UPSTREAM changed: checked in a one-off container, then the proxy recreated" {
  write_proxy_env "PROXY_UPSTREAM=router.corp.internal:9999"
  stub_running proxy
  stub_output docker 'compose * --dry-run up *' ' DRY-RUN MODE -  Container protostar-proxy-proxy-1  Recreate\n'
  run protostar proxy reload
  assert_status 0
  assert_output_contains "the proxy's settings changed (upstream, limits or port): checking them, then recreating it"
  assert_call_line "$(pprefix) run --rm --no-deps -T proxy nginx -t -q"
  assert_call_line "$(pprefix) up --detach --no-deps --wait proxy"
  refute_called "nginx -s reload"
  assert_output_contains "proxy recreated: jenkins.ops.internal, grafana.ops.internal, minio.ops.internal -> router.corp.internal:9999"
  # Refused by nginx: the running proxy is left alone.
  : >"$STUB_LOG"
  stub_output docker 'compose * run --rm *' 'nginx: [emerg] host not found in upstream\n' 1
  run protostar proxy reload
  assert_status 1
  assert_output_contains "nginx refused the new settings (see above): the proxy keeps running with the previous ones"
  refute_called "up --detach --no-deps --wait"
}

@test "every variable compose/proxy.yml uses is documented in compose/proxy.env.example" {
  local var missing=()
  for var in $(grep -oE '\$\{[A-Z0-9_]+' "$PROTOSTAR_REPO/compose/proxy.yml" | cut -c3- | sort -u); do
    grep -qE "^#? ?$var=" "$PROTOSTAR_REPO/compose/proxy.env.example" || missing+=("$var")
  done
  ((${#missing[@]} == 0)) || fail "undocumented: ${missing[*]}"
}

@test "the proxy's compose file mounts nginx/proxy's configuration, found from compose/" {
  local mount source found=0
  while read -r mount; do
    source=${mount%%:*}
    [[ "$source" == ../nginx/proxy/* ]] || continue
    [[ -e "$PROTOSTAR_REPO/compose/$source" ]] || fail "$source (from compose/) does not exist"
    found=$((found + 1))
  done < <(yaml_query "$PROTOSTAR_REPO/compose/proxy.yml" 'd["services"]["proxy"]["volumes"]')
  ((found == 2)) || fail "expected nginx.conf and templates, found $found mounts of nginx/proxy"
  # the state directory's default is the one .env.proxy names, at the repository root
  grep -q '${PROXY_STATE_DIR:-../.protostar-proxy}/nginx:/etc/nginx/protostar:ro' "$PROTOSTAR_REPO/compose/proxy.yml"
  grep -qx 'PROXY_STATE_DIR=./.protostar-proxy' "$PROTOSTAR_REPO/compose/proxy.env.example"
}

@test "the example's placeholders are refused: admin names and the upstream must be this site's" {
  write_proxy_env "PROXY_ADMIN_HOSTNAMES=$(sed -n 's/^PROXY_ADMIN_HOSTNAMES=//p' "$PROTOSTAR_REPO/compose/proxy.env.example")" \
    "PROXY_UPSTREAM=203.0.113.5:8888"
  run protostar proxy up
  assert_status 1
  assert_output_contains "PROXY_ADMIN_HOSTNAMES=jenkins.ops.localhost,grafana.ops.localhost,minio.ops.localhost is the example's placeholder"
  assert_output_contains "PROXY_UPSTREAM=203.0.113.5:8888: 203.0.113.5 is a name or address kept for documentation"
  assert_output_contains "nothing was started"
  assert_no_calls
}
