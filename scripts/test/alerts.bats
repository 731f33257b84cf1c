#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031 # settings are exported per test
# Alerting on the management host: Alertmanager's configuration and the alert rules as
# `management up` writes them from .env.management, and `protostar alerts` (amtool in the
# alertmanager container), with the docker stub. Both run for real in the e2e tier
# (amtool check-config, promtool; scripts/test/e2e/monitoring.sh end to end).

load test_helper

mprefix() { printf 'docker compose --project-name protostar-management --file %s' "$PROTOSTAR_REPO/compose/management.yml"; }
amtool_call() { printf '%s exec -T alertmanager amtool --alertmanager.url=http://127.0.0.1:9093 %s' "$(mprefix)" "$1"; }

# management_lib CODE — CODE with the management host's settings loaded.
management_lib() {
  lib_run "source \"\$PROTOSTAR_ROOT/scripts/lib/management.sh\"; load_management_config; $1"
}

@test "alertmanager.yml: one receiver with each channel that is set; secrets in files beside it" {
  write_management_env ALERT_WEBHOOK_URL=https://hooks.corp.internal/alerts?token=abc \
    ALERT_SLACK_WEBHOOK_URL=https://chat.corp.internal/hooks/x1y2 ALERT_SLACK_CHANNEL='#ops' \
    ALERT_EMAIL_TO=oncall@corp.internal ALERT_EMAIL_FROM=alerts@corp.internal ALERT_SMTP_SMARTHOST=mail.corp.internal:587 \
    ALERT_SMTP_USER=alerts ALERT_SMTP_PASSWORD=smtp-secret-123 ALERT_GROUP_WAIT=10s
  run management_lib 'write_management_monitoring_files'
  assert_status 0
  local dir="$TEST_ROOT/mstate/alertmanager" conf="$TEST_ROOT/mstate/alertmanager/alertmanager.yml"
  [[ "$(cat "$dir/webhook-url")" == "https://hooks.corp.internal/alerts?token=abc" ]]
  [[ "$(cat "$dir/slack-url")" == "https://chat.corp.internal/hooks/x1y2" ]]
  [[ "$(cat "$dir/smtp-password")" == smtp-secret-123 ]]
  # no secret in the configuration itself, which points at the files
  ! grep -qE 'token=abc|x1y2|smtp-secret' "$conf" || fail "a secret in $conf"
  [[ "$(yaml_query "$conf" 'd["receivers"][0]["webhook_configs"][0]["url_file"]')" == /etc/alertmanager/site/webhook-url ]]
  [[ "$(yaml_query "$conf" 'd["receivers"][0]["slack_configs"][0]["channel"]')" == "#ops" ]]
  [[ "$(yaml_query "$conf" 'd["receivers"][0]["email_configs"][0]["to"]')" == oncall@corp.internal ]]
  [[ "$(yaml_query "$conf" 'd["global"]["smtp_smarthost"]')" == mail.corp.internal:587 ]]
  [[ "$(yaml_query "$conf" 'd["route"]["group_wait"]')" == 10s ]]
  # a host that is down silences its services' alerts
  [[ "$(yaml_query "$conf" 'd["inhibit_rules"][0]["source_matchers"][0] + " " + d["inhibit_rules"][0]["equal"][0]')" == 'alertname="HostDown" host' ]]
}

@test "alertmanager.yml without channels: the receiver has none, and no secret file is left" {
  write_management_env ALERT_WEBHOOK_URL=https://hooks.corp.internal/a
  run management_lib 'write_management_monitoring_files'
  assert_status 0
  [[ -f "$TEST_ROOT/mstate/alertmanager/webhook-url" ]]
  write_management_env ALERT_WEBHOOK_URL=
  run management_lib 'write_management_monitoring_files'
  assert_status 0
  [[ ! -e "$TEST_ROOT/mstate/alertmanager/webhook-url" ]] || fail "webhook-url left behind"
  [[ "$(yaml_query "$TEST_ROOT/mstate/alertmanager/alertmanager.yml" 'sorted(d["receivers"][0].keys())')" == name ]]
}

@test "e-mail needs its sender and mail server; a bad webhook URL or duration is named" {
  write_management_env ALERT_EMAIL_TO=oncall@corp.internal
  run protostar management status
  assert_status 1
  assert_output_contains "ALERT_EMAIL_TO needs ALERT_EMAIL_FROM and ALERT_SMTP_SMARTHOST"
  write_management_env 'ALERT_WEBHOOK_URL=hooks.corp.internal/x' ALERT_FOR_OVERRIDE=soon
  run protostar management status
  assert_status 1
  assert_output_contains "ALERT_WEBHOOK_URL"
  assert_output_contains "ALERT_FOR_OVERRIDE"
  assert_no_calls
}

@test "the rules as Prometheus loads them: as written, or every for: set to ALERT_FOR_OVERRIDE (a drill)" {
  write_management_env
  run management_lib 'write_management_monitoring_files'
  assert_status 0
  local rules="$TEST_ROOT/mstate/prometheus/rules" source="$PROTOSTAR_REPO/compose/management/prometheus/rules"
  local file
  for file in "$source"/*.yml; do
    cmp "$file" "$rules/$(basename "$file")" || fail "$(basename "$file") differs from the source without an override"
  done
  write_management_env ALERT_FOR_OVERRIDE=5s
  run management_lib 'write_management_monitoring_files'
  assert_status 0
  local fors
  fors=$(cat "$rules"/*.yml | sed -nE 's/^[[:space:]]+for:[[:space:]]*//p' | sort -u)
  [[ "$fors" == 5s ]] || fail "for: values: $fors"
  # as many for: lines as the source has, nothing else changed
  [[ $(cat "$rules"/*.yml | grep -c 'for:') == $(cat "$source"/*.yml | grep -c 'for:') ]]
  diff <(cat "$source"/*.yml | grep -v 'for:') <(cat "$rules"/*.yml | grep -v 'for:')
}

@test "Prometheus' production files: the listener's address, password and certificate" {
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=chat.corp.internal -keyout "$TEST_ROOT/p.key" \
    -out "$TEST_ROOT/p.crt" 2>/dev/null
  write_management_env PRODUCTION_METRICS_ADDRESS=chat.corp.internal:9443 \
    PRODUCTION_METRICS_PASSWORD=metrics-password-0123456789 PRODUCTION_CACERT="$TEST_ROOT/p.crt"
  run management_lib 'write_management_monitoring_files'
  assert_status 0
  local dir="$TEST_ROOT/mstate/prometheus"
  [[ "$(yaml_query "$dir/production-targets.yml" '[t + " " + d[0]["labels"]["host"] for t in d[0]["targets"]]')" == "chat.corp.internal:9443 production" ]]
  [[ "$(cat "$dir/production-password")" == metrics-password-0123456789 ]]
  cmp "$dir/production-ca.crt" "$TEST_ROOT/p.crt"
  # without an address: no production target at all
  write_management_env
  run management_lib 'write_management_monitoring_files'
  [[ "$(cat "$dir/production-targets.yml")" == "[]" ]]
  write_management_env PRODUCTION_METRICS_ADDRESS=chat.corp.internal
  run protostar management status
  assert_status 1
  assert_output_contains "PRODUCTION_METRICS_ADDRESS"
}

@test "alerts: list runs amtool in the alertmanager container; refused when it is not running" {
  write_management_env
  run protostar alerts
  assert_status 1
  assert_output_contains "Alertmanager is not running here"
  stub_output docker "compose * ps --status running --quiet alertmanager" 'id-alertmanager\n'
  run protostar alerts list
  assert_status 0
  assert_call_line "$(amtool_call 'alert query --output=extended')"
}

@test "alerts silence: matchers and a duration (days as hours), a comment naming who; bad input refused" {
  write_management_env
  stub_output docker "compose * ps --status running --quiet alertmanager" 'id-alertmanager\n'
  run protostar alerts silence alertname=QueueWaitTooLong host=production --for 1d --comment "worker moved"
  assert_status 0
  assert_call_line "$(amtool_call "silence add --author=$(id -un)@$(hostname) --duration=24h --comment=worker moved alertname=QueueWaitTooLong host=production")"
  run protostar alerts silence alertname=QueueWaitTooLong
  assert_status 1
  assert_output_contains "silence needs --for DURATION"
  run protostar alerts silence --for 2h
  assert_status 1
  assert_output_contains "silence needs at least one matcher"
  run protostar alerts silence QueueWaitTooLong --for 2h
  assert_status 1
  assert_output_contains "'QueueWaitTooLong' is not a matcher"
  run protostar alerts silence alertname=X --for soon
  assert_status 1
  assert_output_contains "--for needs a duration"
  run protostar alerts expire not-an-id
  assert_status 1
  assert_output_contains "expire needs one silence id"
  run protostar alerts silences
  assert_status 0
  assert_call_line "$(amtool_call 'silence query --output=extended')"
}
