# shellcheck shell=bash
# The monitoring path, checked against the running production stack of
# scripts/test/e2e/production-stack.sh (sourced by it): the management host's Prometheus
# and Alertmanager (the offline images, with the repository's configuration and the files
# `protostar management up` writes) on a network of their own with a webhook receiver;
# Prometheus reaches the production host only through nginx's metrics listener, as the
# management host does over the LAN (the stack's edge network stands for it here).
# Needs lib.sh and the suite's settings (TLS_DIR, METRICS_PASSWORD, E2E_*).

# shellcheck source=scripts/lib/config.sh
source "$PROTOSTAR_ROOT/scripts/lib/config.sh"
# shellcheck source=scripts/lib/management.sh
source "$PROTOSTAR_ROOT/scripts/lib/management.sh"

# metrics_get PATH [curl options...] — "<status>" of a scrape of the listener from a
# throw-away container on the edge network (an address METRICS_ALLOW does not name).
metrics_get() {
  local path=$1
  shift
  docker run --rm --network "${E2E_PROJECT}_edge" -v "$TLS_DIR/tls.crt:/ca.crt:ro" --entrypoint curl \
    "$(docker inspect -f '{{.Config.Image}}' "$(protostar_compose ps -q nginx)")" -sS -o /dev/null -w '%{http_code}' --cacert /ca.crt \
    --resolve "localhost:9443:$(nginx_edge_ip)" "$@" "https://localhost:9443$path"
}
nginx_edge_ip() {
  docker inspect -f "{{(index .NetworkSettings.Networks \"${E2E_PROJECT}_edge\").IPAddress}}" "$(protostar_compose ps -q nginx)"
}

# Nobody is allowed before METRICS_ALLOW names someone: 403, with the password or without.
metrics_listener_refuses_everyone_by_default() {
  local with without
  with=$(metrics_get /metrics/node -u "prometheus:$METRICS_PASSWORD")
  without=$(metrics_get /metrics/node)
  echo "with the password: $with; without: $without"
  [[ "$with" == 403 && "$without" == 403 ]]
}

# The management host: Prometheus, Alertmanager and a webhook receiver (standing for a
# chat service) on its own network; Prometheus also on the edge network (the LAN). The
# files in MANAGEMENT_STATE_DIR are written by the functions `management up` runs, from
# these settings: an alert drill (every `for:` 5 s) and quick notifications.
start_management_monitoring() {
  local dir=$E2E_DIR/management
  (
    MANAGEMENT_STATE_DIR=$dir
    PRODUCTION_METRICS_ADDRESS=localhost:9443 PRODUCTION_METRICS_PASSWORD=$METRICS_PASSWORD
    PRODUCTION_CACERT=$TLS_DIR/tls.crt ALERT_FOR_OVERRIDE=5s
    ALERT_WEBHOOK_URL=http://receiver:8080/generic ALERT_SLACK_WEBHOOK_URL=http://receiver:8080/slack
    ALERT_GROUP_WAIT=1s ALERT_GROUP_INTERVAL=5s ALERT_REPEAT_INTERVAL=1h
    write_management_monitoring_files
  )
  # The production certificate names localhost (this suite's PUBLIC_HOSTNAME): Prometheus'
  # hosts file points that name at nginx, as a management host resolves the production
  # host's name.
  printf '%s localhost\n' "$(nginx_edge_ip)" >"$dir/hosts"
  mkdir -p "$dir/prometheus-data" "$dir/alertmanager-data"
  chmod 777 "$dir/prometheus-data" "$dir/alertmanager-data"
  chmod -R a+rX "$dir"
  build_offline_image prometheus "$MANAGEMENT_OFFLINE_PROMETHEUS_IMAGE"
  build_offline_image alertmanager "$MANAGEMENT_OFFLINE_ALERTMANAGER_IMAGE"
  docker network create "$E2E_PROJECT-management" >/dev/null
  docker run -d --name "$E2E_PROJECT-receiver" --network "$E2E_PROJECT-management" --network-alias receiver \
    -v "$PROTOSTAR_ROOT/scripts/test/e2e/webhook-receiver.pl:/receiver.pl:ro" --entrypoint perl \
    "$(docker inspect -f '{{.Config.Image}}' "$(protostar_compose ps -q nginx)")" /receiver.pl 8080 >/dev/null
  docker run -d --name "$E2E_PROJECT-alertmanager" --network "$E2E_PROJECT-management" --network-alias alertmanager \
    -v "$dir/alertmanager:/etc/alertmanager/site:ro" -v "$dir/alertmanager-data:/alertmanager" \
    "$MANAGEMENT_OFFLINE_ALERTMANAGER_IMAGE" --config.file=/etc/alertmanager/site/alertmanager.yml \
    --storage.path=/alertmanager --cluster.listen-address= >/dev/null
  docker run -d --name "$E2E_PROJECT-prometheus" --network "$E2E_PROJECT-management" \
    -v "$PROTOSTAR_ROOT/compose/management/prometheus:/etc/prometheus:ro" \
    -v "$dir/prometheus:/etc/prometheus-site:ro" -v "$dir/hosts:/etc/hosts:ro" \
    -v "$dir/prometheus-data:/prometheus" "$MANAGEMENT_OFFLINE_PROMETHEUS_IMAGE" \
    --config.file=/etc/prometheus/prometheus.yml --storage.tsdb.path=/prometheus >/dev/null
  docker network connect "${E2E_PROJECT}_edge" "$E2E_PROJECT-prometheus"
}
stop_management_monitoring() {
  local name
  for name in prometheus alertmanager receiver; do docker rm -f "$E2E_PROJECT-$name" >/dev/null 2>&1 || true; done
  docker network rm "$E2E_PROJECT-management" >/dev/null 2>&1 || true
}
prometheus_edge_ip() {
  docker inspect -f "{{(index .NetworkSettings.Networks \"${E2E_PROJECT}_edge\").IPAddress}}" "$E2E_PROJECT-prometheus"
}
# prometheus_api PATH — a GET of Prometheus' HTTP API, from inside its container.
prometheus_api() { docker exec "$E2E_PROJECT-prometheus" wget -q -O - "http://127.0.0.1:9090$1"; }
# prometheus_query PROMQL — the API's answer to an instant query.
prometheus_query() { prometheus_api "/api/v1/query?query=$(jq -rn --arg q "$1" '$q | @uri')"; }

# Each production target's health as Prometheus sees it: "job[/color] health" lines.
production_targets() {
  prometheus_api /api/v1/targets | jq -r '.data.activeTargets[] | select(.labels.host == "production")
    | "\(.labels.job)\(if .labels.color then "/" + .labels.color else "" end) \(.health)"' | sort
}
production_targets_up() {
  # The idle colour is stopped in this suite (nothing to scrape): every other one is up.
  # Each target is scraped at its own offset in the interval, so wait until none is
  # still "unknown" (never scraped) — the idle colour's first scrape included.
  local targets
  targets=$(production_targets)
  [[ "$(grep -v '^backend/green ' <<<"$targets" | awk '$2 != "up"' | wc -l)" == 0 &&
    "$(grep -c ' up$' <<<"$targets")" == 7 && "$(grep -c ' unknown$' <<<"$targets")" == 0 ]]
}

# METRICS_ALLOW names Prometheus' address; `up` applies it with a reload, then every
# target is scraped through the listener (TLS checked against the certificate, basic auth).
prometheus_scrapes_every_production_target() {
  start_management_monitoring
  sed -i "s|^METRICS_ALLOW=.*|METRICS_ALLOW=$(prometheus_edge_ip)|" "$PROTOSTAR_ENV_FILE"
  protostar up --offline >"$E2E_DIR/up-metrics.log" 2>&1
  wait_until 90 "Prometheus to scrape every production target" production_targets_up || {
    production_targets
    return 1
  }
  production_targets
  # Only the idle colour is down: its up series says so.
  [[ "$(production_targets | grep '^backend/green ')" == "backend/green down" ]]
}

# The listener from an address it does not allow (403), and from the allowed one without
# the password (401) or with a wrong one (401).
metrics_listener_refuses_others() {
  local other unauthenticated wrong
  other=$(metrics_get /metrics/node -u "prometheus:$METRICS_PASSWORD")
  unauthenticated=$(status_from_prometheus)
  wrong=$(status_from_prometheus --user prometheus --password not-the-password)
  echo "another address: $other; allowed address without password: $unauthenticated; wrong password: $wrong"
  [[ "$other" == 403 && "$unauthenticated" == 401 && "$wrong" == 401 ]]
}

# status_from_prometheus [wget options...] — the status of a scrape of the node target from
# Prometheus' container (an allowed address), verifying the listener's certificate.
status_from_prometheus() {
  docker exec "$E2E_PROJECT-prometheus" wget -S -q -O /dev/null --ca-certificate=/etc/prometheus-site/production-ca.crt \
    "$@" https://localhost:9443/metrics/node 2>&1 | awk '/HTTP\//{ s = $2 } END { print s }' || true
}

# series_exists NAME — Prometheus holds at least one series of NAME.
series_exists() {
  [[ "$(prometheus_api "/api/v1/series?match%5B%5D=$1" | jq '.data | length')" -gt 0 ]]
}

# Every metric name the alert rules and the Grafana dashboards' PromQL use is in a live
# scrape of this stack — except the backup's (written by `protostar backup` only) and the
# answer provider's breaker, degraded answers, first token and answer duration (a remote
# provider's only; this stack answers offline): a renamed metric fails here. The
# dashboards' queries come as recording rules from scripts/test/lib/dashboard-queries.
alert_rules_use_only_scraped_metrics() {
  local name missing=() pending='^(protostar_backup_|protostar_answer_(breaker|degraded|first_token|duration))'
  local -a names
  "$PROTOSTAR_ROOT/scripts/test/lib/dashboard-queries" --rules \
    "$PROTOSTAR_ROOT"/compose/management/grafana/dashboards/*.json >"$E2E_DIR/dashboard-rules.yml"
  mapfile -t names < <(rule_metric_names "$PROTOSTAR_ROOT"/compose/management/prometheus/rules/*.yml \
    "$E2E_DIR/dashboard-rules.yml")
  ((${#names[@]} > 5))
  # The queue and answer metrics appear once a job ran (earlier checks asked questions).
  for name in "${names[@]}"; do
    [[ ! "$name" =~ $pending ]] || continue
    series_exists "$name" || missing+=("$name")
  done
  echo "metrics used by the rules and the dashboards: ${names[*]}"
  echo "missing from the live scrape: ${missing[*]:-none}"
  ((${#missing[@]} == 0))
}

# The per-container figures (container-metrics, through node-exporter's textfile
# collector) reach Prometheus for this stack's containers: memory and CPU of the apps and
# the data stores, network bytes of postgres (a process of another user than root).
container_figures_in_prometheus() {
  local query result service missing=()
  query="container_memory_working_set_bytes{job=\"node\",project=\"$E2E_PROJECT\"} > 0"
  result=$(prometheus_query "$query" |
    jq -r '.data.result[].metric.service' | sort -u)
  echo "services with a working set: ${result//$'\n'/ }"
  for service in backend-blue ai-worker postgres redis nginx; do
    grep -qx "$service" <<<"$result" || missing+=("$service")
  done
  query="container_network_receive_bytes_total{project=\"$E2E_PROJECT\",service=\"postgres\"} > 0"
  [[ "$(prometheus_query "$query" | jq '.data.result | length')" == 1 ]] ||
    missing+=("postgres's network bytes")
  # CPU seconds so far (a rate needs two scrapes of a changed file: too soon here).
  query="container_cpu_usage_seconds_total{project=\"$E2E_PROJECT\",service=\"backend-blue\"} > 1"
  [[ "$(prometheus_query "$query" | jq '.data.result | length')" == 1 ]] ||
    missing+=("backend-blue's CPU seconds")
  echo "missing: ${missing[*]:-none}"
  ((${#missing[@]} == 0))
}

# rule_metric_names FILE... — the metric names in the rules' expressions (alerts and
# recording rules): identifiers that are not functions, keywords, label names or durations.
rule_metric_names() {
  python3 - "$@" <<'PY'
import re, sys, yaml
keywords = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
            "offset", "bool", "inf", "nan"}
names = set()
for path in sys.argv[1:]:
    for group in yaml.safe_load(open(path))["groups"]:
        for rule in group["rules"]:
            expr = re.sub(r"#.*", "", rule["expr"])
            expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
            expr = re.sub(r"\{[^}]*\}", "", expr)                      # label matchers
            expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", expr)
            expr = re.sub(r"\[[^\]]*\]", "", expr)                      # ranges
            for m in re.finditer(r"(?<![A-Za-z0-9_:.$])[A-Za-z_:][A-Za-z0-9_:]*", expr):
                word = m.group(0)
                if word.lower() in keywords or expr[m.end():].lstrip().startswith("("):
                    continue
                names.add(word)
print("\n".join(sorted(names)))
PY
}

# --- Alerts reach the operator ---------------------------------------------------------
# The alerts the checks below wait for (compose/management/prometheus/rules).
QUEUE_WAIT_ALERT=QueueWaitTooLong ERROR_RATE_ALERT=BackendErrorRateHigh TARGET_DOWN_ALERT=TargetDown
# receiver_got ALERTNAME STATUS [LABEL=VALUE] — the receiver got ALERTNAME in STATUS
# (firing, resolved) from the generic webhook (with that label when given), and the
# Slack-compatible one's message names it too.
receiver_got() {
  local name=$1 status=$2 label=${3:-=} log
  log=$(docker logs "$E2E_PROJECT-receiver" 2>&1)
  sed -n 's|^/generic ||p' <<<"$log" | jq -e --arg name "$name" --arg status "$status" \
    --arg key "${label%%=*}" --arg value "${label#*=}" -s 'any(.[].alerts[];
      .labels.alertname == $name and .status == $status and ($key == "" or .labels[$key] == $value))' >/dev/null &&
    sed -n 's|^/slack ||p' <<<"$log" | grep -q "\[${status^^}[]:].*$name"
}
show_alerting() {
  echo "Prometheus' alerts:"
  prometheus_api /api/v1/alerts | jq -c '.data.alerts[] | {name: .labels.alertname, state, labels}' || true
  echo "the receiver's log:"
  docker logs "$E2E_PROJECT-receiver" 2>&1 | cut -c1-400 | tail -n 20 || true
}

# A stopped ai-worker and a question: the oldest job waits past 60 s; the backend reports
# its age, so the alert reaches the receiver; with the worker back it resolves. The drill
# starts here and the fault drill runs during that minute (the wait is the rule's own).
queue_wait_drill_starts() {
  local token conversation
  protostar_compose stop ai-worker >/dev/null 2>&1
  [[ -z "$(protostar_compose ps -q --status running ai-worker)" ]]
  token=$(cat "$E2E_DIR/root.token")
  conversation=$(api POST /api/conversations '{"title":"While the worker is away"}' -H "Authorization: Bearer $token" |
    tail -n +2 | jq -r .data.id)
  [[ $(api POST "/api/conversations/$conversation/messages" '{"message":"Is anyone there?"}' \
    -H "Authorization: Bearer $token" | head -n 1) == 202 ]]
}
queue_wait_alert_fires_and_resolves() {
  wait_until 180 "$QUEUE_WAIT_ALERT firing at the receiver" receiver_got "$QUEUE_WAIT_ALERT" firing || {
    show_alerting
    return 1
  }
  protostar_compose start ai-worker >/dev/null 2>&1
  wait_until 240 "$QUEUE_WAIT_ALERT resolved at the receiver" receiver_got "$QUEUE_WAIT_ALERT" resolved || {
    show_alerting
    return 1
  }
}

# The fault drill: the idle colour started with a release that fails every request (as a
# bad deploy's new colour would); its 5xx ratio fires that colour's alert, not the other's.
DRILL_IMAGE=protostar/backend:e2e-monitoring-drill
new_colour_errors_fire_its_5xx_alert() {
  local blue
  blue=$(docker inspect -f '{{.Config.Image}}' "$(protostar_compose ps -q backend-blue)")
  printf 'FROM %s\nENV PROTOSTAR_DRILL_FAIL_PERCENT=100\n' "$blue" | docker build -q -t "$DRILL_IMAGE" - >/dev/null
  (
    load_config
    export BACKEND_GREEN_IMAGE=$DRILL_IMAGE
    compose up --detach --no-deps --wait --wait-timeout 240 backend-green
  ) >"$E2E_DIR/drill.log" 2>&1
  # Requests to green over several scrapes (a rate needs two samples that differ), from
  # nginx's container as a switch would send them, until the alert is out.
  docker exec -d "$(protostar_compose ps -q nginx)" sh -c \
    'for i in $(seq 1 400); do curl -s -o /dev/null http://backend-green:8080/api/health; sleep 0.3; done'
  wait_until 150 "$ERROR_RATE_ALERT firing for green" receiver_got "$ERROR_RATE_ALERT" firing color=green || {
    show_alerting
    return 1
  }
  refute receiver_got "$ERROR_RATE_ALERT" firing color=blue
}
remove_drill() {
  (load_config && compose rm --stop --force backend-green) >/dev/null 2>&1 || true
  docker image rm "$DRILL_IMAGE" >/dev/null 2>&1 || true
}

# A stopped exporter: its target is down, the alert names the job.
stopped_target_fires_target_down() {
  protostar_compose stop redis-exporter >/dev/null 2>&1
  wait_until 120 "$TARGET_DOWN_ALERT firing for redis" receiver_got "$TARGET_DOWN_ALERT" firing job=redis || {
    show_alerting
    return 1
  }
  protostar_compose start redis-exporter >/dev/null 2>&1
  wait_until 120 "$TARGET_DOWN_ALERT resolved for redis" receiver_got "$TARGET_DOWN_ALERT" resolved job=redis
}
