#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031 # settings are exported per test
# The production host's metrics listener (nginx on METRICS_PORT): the allow-list, the
# password file and the routing figures `up` and every switch write, and the host figures
# for node-exporter's textfile collector. Scraped for real in the e2e tier
# (scripts/test/e2e/monitoring.sh).

load test_helper

setup() {
  protostar_setup
  stub docker 'compose * exec -T postgres psql *' 'cat >/dev/null'
  stub docker 'compose * exec -T postgres psql -X -q -t -A *' 'cat >/dev/null; echo 1'
  stub_output docker 'compose * exec -T redis redis-cli ACL LOAD' 'OK\n'
}

# metrics_lib CODE — CODE with metrics.sh and the test's settings loaded.
metrics_lib() {
  lib_run "source \"\$PROTOSTAR_ROOT/scripts/lib/metrics.sh\"; load_config; $1"
}

@test "the allow-list: METRICS_ALLOW's addresses, then everyone else refused; empty, nobody" {
  write_env "METRICS_ALLOW=192.168.50.20,10.1.0.0/16"
  run metrics_lib 'write_metrics_access'
  assert_status 0
  [[ "$output" == changed ]] || fail "$output"
  run grep -v '^#' "$STATE_DIR_T/nginx/metrics-access.conf"
  [[ "$output" == $'allow 192.168.50.20;\nallow 10.1.0.0/16;\ndeny all;' ]] || fail "$output"
  write_env "METRICS_ALLOW="
  run metrics_lib 'write_metrics_access'
  run grep -v '^#' "$STATE_DIR_T/nginx/metrics-access.conf"
  [[ "$output" == 'deny all;' ]] || fail "$output"
  write_env "METRICS_ALLOW=192.168.50.300"
  run protostar status
  assert_status 1
  assert_output_contains "METRICS_ALLOW"
}

@test "the password file: user prometheus, a salted hash of METRICS_PASSWORD, rewritten only when it changes" {
  write_env
  run metrics_lib 'write_metrics_access'
  assert_status 0
  local file="$STATE_DIR_T/nginx/metrics-htpasswd" line salt
  line=$(cat "$file")
  [[ "$line" =~ ^prometheus:\$6\$([^\$]+)\$ ]] || fail "$line"
  salt=${BASH_REMATCH[1]}
  [[ "$line" == "prometheus:$(openssl passwd -6 -salt "$salt" mtmtmtmtmtmtmtmtmtmtmtmtmtmtmtmt)" ]] || fail "not the password's hash"
  ! grep -q mtmtmtmt "$file" || fail "the password itself is in the file"
  # unchanged settings: nothing rewritten, nothing to reload
  run metrics_lib 'write_metrics_access'
  [[ -z "$output" && "$(cat "$file")" == "$line" ]] || fail "rewritten: $output"
  write_env "METRICS_PASSWORD=another-metrics-password-0123"
  run metrics_lib 'write_metrics_access'
  [[ "$output" == changed && "$(cat "$file")" != "$line" ]] || fail "not rewritten: $output"
}

@test "routing figures: the active colour, and a canary's split, in Prometheus' text format" {
  run lib_run 'active_backend_conf green 10 blue | routing_metrics'
  assert_status 0
  assert_output_line_matches '^protostar_backend_traffic_share\{color="green"\} 0.1$'
  assert_output_line_matches '^protostar_backend_traffic_share\{color="blue"\} 0.9$'
  assert_output_line_matches '^protostar_active_color\{color="green"\} 1$'
  assert_output_line_matches '^protostar_active_color\{color="blue"\} 1$'
  assert_output_line_matches '^# TYPE protostar_active_color gauge$'
  run lib_run 'active_backend_conf blue | routing_metrics'
  assert_output_line_matches '^protostar_active_color\{color="green"\} 0$'
  assert_output_line_matches '^protostar_backend_traffic_share\{color="blue"\} 1$'
}

@test "an undone switch puts the routing figures back with the include" {
  write_env
  mkdir -p "$STATE_DIR_T/nginx"
  run lib_run "source \"\$PROTOSTAR_ROOT/scripts/lib/routing.sh\"; STATE_DIR='$STATE_DIR_T'
    write_active_backend blue
    DEPLOY_INCLUDE_BACKUP=\$(mktemp \"\$STATE_DIR/nginx/.previous.XXXXXX\"); cp \"\$(active_include)\" \"\$DEPLOY_INCLUDE_BACKUP\"
    write_active_backend green
    grep -x 'protostar_active_color{color=\"green\"} 1' \"\$STATE_DIR/nginx/routing.prom\"
    undo_switch || true
    grep -x 'protostar_active_color{color=\"blue\"} 1' \"\$STATE_DIR/nginx/routing.prom\""
  assert_status 0
}

@test "up writes the listener's files and the certificate's expiry; a changed allow-list reloads a running nginx" {
  use_free_ports
  write_env "METRICS_ALLOW=192.168.50.20"
  run protostar up --offline
  assert_status 0
  [[ -f "$STATE_DIR_T/nginx/metrics-access.conf" && -f "$STATE_DIR_T/nginx/metrics-htpasswd" ]] || fail "no access files"
  grep -qx 'protostar_active_color{color="blue"} 1' "$STATE_DIR_T/nginx/routing.prom"
  local expiry
  expiry=$(date -d "$(openssl x509 -in "$TLS_DIR_T/tls.crt" -noout -enddate | cut -d= -f2)" +%s)
  grep -qx "protostar_tls_certificate_expiry_timestamp_seconds{certificate=\"public\"} $expiry" "$STATE_DIR_T/metrics/certificate.prom"
  # nginx was not running: it read the files as it started
  refute_called "nginx -s reload"
  # running, and the allow-list changed: reloaded
  stub_running nginx
  write_env "METRICS_ALLOW=192.168.50.21"
  run protostar up --offline
  assert_status 0
  assert_call_line "$(compose_prefix) exec -T nginx nginx -s reload"
}

@test "a verified backup leaves its time and size for node-exporter" {
  write_env
  run metrics_lib 'backup_metrics 12345 | write_host_metric backup'
  assert_status 0
  local now
  now=$(date +%s)
  run cat "$STATE_DIR_T/metrics/backup.prom"
  assert_output_line_matches '^protostar_backup_last_size_bytes 12345$'
  local stamp
  stamp=$(sed -n 's/^protostar_backup_last_success_timestamp_seconds //p' "$STATE_DIR_T/metrics/backup.prom")
  ((now - stamp < 60)) || fail "stamp $stamp, now $now"
}
