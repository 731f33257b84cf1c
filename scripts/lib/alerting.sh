# shellcheck shell=bash
# Alerting on the management host: the alert rules as Prometheus loads them and
# Alertmanager's configuration, both written by `protostar management up`/`reload` from
# .env.management (ALERT_*) into MANAGEMENT_STATE_DIR. The rules themselves are code:
# compose/management/prometheus/rules (with their promtool tests).

readonly ALERT_RULES_SOURCE="$PROTOSTAR_ROOT/compose/management/prometheus/rules"

# render_alert_rules DIR — the rules files into DIR, each `for:` set to ALERT_FOR_OVERRIDE
# when that is set (an alert drill: every alert fires as soon as its condition holds),
# as they are otherwise. Files of earlier runs that the source no longer has are removed.
render_alert_rules() {
  local dir=$1 file
  mkdir -p "$dir"
  rm -f "$dir"/*.yml
  for file in "$ALERT_RULES_SOURCE"/*.yml; do
    if [[ -n "${ALERT_FOR_OVERRIDE:-}" ]]; then
      sed -E "s/^([[:space:]]+for:[[:space:]]*)[0-9]+[smhd][[:space:]]*(#.*)?$/\1$ALERT_FOR_OVERRIDE/" "$file"
    else
      cat "$file"
    fi >"$dir/$(basename "$file")"
    chmod 644 "$dir/$(basename "$file")"
  done
}

# yaml_string VALUE — VALUE as a double-quoted YAML string (values are checked settings:
# no quotes or backslashes in them, but a '#' or ':' must not start a comment or a map).
yaml_string() { printf '"%s"' "$1"; }

# alertmanager_config — alertmanager.yml from the settings: one receiver, "operators",
# with each channel that is set (a generic webhook, a Slack-compatible incoming webhook,
# e-mail); secrets (the URLs, the SMTP password) are read from files beside it.
alertmanager_config() {
  printf '%s\n' "# Written by protostar management up/reload from .env.management (ALERT_*); edits are overwritten."
  if [[ -n "${ALERT_EMAIL_TO:-}" ]]; then
    printf 'global:\n'
    printf '  smtp_from: %s\n  smtp_smarthost: %s\n' "$(yaml_string "$ALERT_EMAIL_FROM")" "$(yaml_string "$ALERT_SMTP_SMARTHOST")"
    if [[ -n "${ALERT_SMTP_USER:-}" ]]; then
      printf '  smtp_auth_username: %s\n  smtp_auth_password_file: /etc/alertmanager/site/smtp-password\n' \
        "$(yaml_string "$ALERT_SMTP_USER")"
    fi
  fi
  cat <<YAML
route:
  receiver: operators
  # One notification per alert and place; a burst of the same alert waits ALERT_GROUP_WAIT
  # to be sent together.
  group_by: [alertname, host, color, type]
  group_wait: ${ALERT_GROUP_WAIT:-30s}
  group_interval: ${ALERT_GROUP_INTERVAL:-5m}
  repeat_interval: ${ALERT_REPEAT_INTERVAL:-4h}
inhibit_rules:
  # A host that is down takes its services with it: only the host's alert is sent.
  - source_matchers: ['alertname="HostDown"']
    target_matchers: ['alertname!="HostDown"']
    equal: [host]
  # A critical alert silences a warning of the same name and place.
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [alertname, host]
receivers:
  - name: operators
YAML
  if [[ -n "${ALERT_WEBHOOK_URL:-}" ]]; then
    printf '    webhook_configs:\n      - url_file: /etc/alertmanager/site/webhook-url\n        send_resolved: true\n'
  fi
  if [[ -n "${ALERT_SLACK_WEBHOOK_URL:-}" ]]; then
    printf '    slack_configs:\n      - api_url_file: /etc/alertmanager/site/slack-url\n        send_resolved: true\n'
    [[ -z "${ALERT_SLACK_CHANNEL:-}" ]] || printf '        channel: %s\n' "$(yaml_string "$ALERT_SLACK_CHANNEL")"
  fi
  if [[ -n "${ALERT_EMAIL_TO:-}" ]]; then
    printf '    email_configs:\n      - to: %s\n        send_resolved: true\n' "$(yaml_string "$ALERT_EMAIL_TO")"
  fi
}

# write_alertmanager_files DIR — alertmanager.yml and its secret files in DIR, each
# replaced atomically; a channel's file is removed when it is not set. Readable by all:
# Alertmanager runs as nobody or prometheus, and the management host's users are its
# operators.
write_alertmanager_files() {
  local dir=$1 name value
  mkdir -p "$dir"
  alertmanager_config >"$dir/.alertmanager.yml.new"
  for name in webhook-url slack-url smtp-password; do
    case "$name" in
      webhook-url) value=${ALERT_WEBHOOK_URL:-} ;;
      slack-url) value=${ALERT_SLACK_WEBHOOK_URL:-} ;;
      smtp-password) value=${ALERT_SMTP_PASSWORD:-} ;;
    esac
    if [[ -z "$value" ]]; then
      rm -f "$dir/$name"
      continue
    fi
    printf '%s' "$value" >"$dir/.$name.new"
    chmod 644 "$dir/.$name.new"
    mv "$dir/.$name.new" "$dir/$name"
  done
  chmod 644 "$dir/.alertmanager.yml.new"
  mv "$dir/.alertmanager.yml.new" "$dir/alertmanager.yml"
}
