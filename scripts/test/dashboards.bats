#!/usr/bin/env bats
# shellcheck disable=SC2016 # PromQL, LogQL and Grafana's variables, literally
# Grafana's dashboards (compose/management/grafana/dashboards), checked by reading them:
# Grafana cannot run here. Their structure (uids, data sources, panels' ids and places),
# what each dashboard shows, thresholds equal to the alert rules', the audit annotations,
# and scripts/test/lib/dashboard-queries, which hands their PromQL to promtool (parsed in
# scripts/test/e2e/management-config.sh) and to the live-scrape check of
# scripts/test/e2e/monitoring.sh.

load test_helper

DASHBOARDS="$PROTOSTAR_REPO/compose/management/grafana/dashboards"
PROVISIONING="$PROTOSTAR_REPO/compose/management/grafana/provisioning"
RULES="$PROTOSTAR_REPO/compose/management/prometheus/rules/protostar.yml"
QUERIES="$PROTOSTAR_REPO/scripts/test/lib/dashboard-queries"

# dashboard_problems FILE... — one line per problem, "FILE: what", exit 1 when any: JSON
# that does not parse, a uid missing, malformed or used twice, a panel without a unique
# id or a place on the 24-column grid, a panel type outside those we use, a panel, query
# or annotation whose data source is not one Grafana provisions (by uid and type), a
# query without an expression or with a refId used twice in its panel.
dashboard_problems() {
  local file sources
  for file in "$@"; do
    jq empty "$file" 2>/dev/null || {
      echo "$file: does not parse as JSON"
      return 1
    }
  done
  sources=$(yaml_query "$PROVISIONING/datasources/datasources.yml" \
    '__import__("json").dumps({x["uid"]: x["type"] for x in d["datasources"]})')
  jq -rn --argjson sources "$sources" '
    def panels: .panels[]? | (., .panels[]?);
    def source_problem($what):
      if (.datasource | type) != "object" then "\($what) has no data source"
      elif $sources[.datasource.uid] == null then "\($what) uses the unknown data source uid \(.datasource.uid)"
      elif $sources[.datasource.uid] != .datasource.type then "\($what): data source \(.datasource.uid) is not of type \(.datasource.type)"
      else empty end;
    [inputs | {file: input_filename, d: .}] as $all
    | ($all[] | .file as $f | .d | (
        (if (.uid // "" | test("^protostar-[a-z-]+$")) then empty else "uid \(.uid) is not protostar-<name>" end),
        ([panels.id] | group_by(.)[] | select(length > 1 or .[0] == null) | "panel id \(.[0]) is missing or not unique"),
        (panels | "panel \(.id) (\(.title))" as $p | (
          (.gridPos as $g | if ([$g.h, $g.w, $g.x, $g.y] | all(type == "number")) and $g.x + $g.w <= 24 then empty
            else "\($p) has no place on the grid (gridPos)" end),
          (if (.type | IN("row", "timeseries", "stat", "gauge", "logs")) then empty else "\($p) is of type \(.type)" end),
          (select(.type != "row") | (
            source_problem($p),
            (if (.targets | length) > 0 then empty else "\($p) has no query" end),
            ([.targets[]?.refId] | group_by(.)[] | select(length > 1) | "\($p): refId \(.[0]) used twice"),
            (.targets[]? | select(has("datasource")) | source_problem("\($p) query \(.refId)")),
            (.targets[]? | select((.expr // "") == "") | "\($p) query \(.refId) has no expression")))
        )),
        (.annotations.list[]? | select(.builtIn != 1) | source_problem("annotation \(.name)"))
      ) | "\($f): \(.)"),
    ([$all[] | .d.uid] | group_by(.)[] | select(length > 1) | "the uid \(.[0]) is used by \(length) dashboards")
  ' "$@" | { grep . && return 1 || return 0; }
}

# panel UID TITLE — the panel of that title in the dashboard of that uid, as JSON.
panel() {
  jq -e --arg uid "$1" --arg title "$2" 'select(.uid == $uid) | [.panels[] | (., .panels[]?)]
    | map(select(.title == $title)) | if length == 1 then .[0] else error("no single panel \($title)") end' "$DASHBOARDS"/*.json
}
# exprs UID TITLE — its queries' expressions, one a line.
exprs() { panel "$1" "$2" | jq -r '.targets[].expr'; }
# red_at UID TITLE — the value from which the panel turns red.
red_at() { panel "$1" "$2" | jq -r '.fieldConfig.defaults.thresholds.steps[] | select(.color == "red") | .value'; }
# rule_threshold ALERT — the number its rule's expression compares with (`> N` at the end),
# every rule of that name agreeing.
rule_threshold() {
  yaml_query "$RULES" "sorted({__import__('re').search(r'>\s*([0-9.]+)\s*$', r['expr'].strip()).group(1)
    for g in d['groups'] for r in g['rules'] if r.get('alert') == '$1'})"
}
# a copy of DASHBOARD (a file name) changed by the jq filter FILTER, in the test's temp dir
broken_copy() {
  jq "$2" "$DASHBOARDS/$1" >"$BATS_TEST_TMPDIR/$1"
  printf '%s\n' "$BATS_TEST_TMPDIR/$1"
}

@test "five dashboards, each under its own stable uid" {
  [[ "$(jq -r .uid "$DASHBOARDS"/*.json | sort | paste -sd' ')" == \
    "protostar-data-stores protostar-hosts-containers protostar-logs protostar-overview protostar-queue-answers" ]]
  # the file names follow the uids, so a uid is not changed by accident
  local f
  for f in "$DASHBOARDS"/*.json; do
    [[ "$(jq -r .uid "$f")" == "protostar-$(basename "$f" .json)" ]] || fail "$f: uid $(jq -r .uid "$f")"
  done
}

@test "the checker finds nothing wrong with the dashboards" {
  run dashboard_problems "$DASHBOARDS"/*.json
  assert_status 0
  [[ -z "$output" ]] || fail "$output"
}

@test "the checker fails a dashboard with an unknown data source, a twice-used panel id, no grid place, bad JSON or a uid used twice" {
  run dashboard_problems "$(broken_copy overview.json '(.panels[] | select(.title == "p95 latency per colour") | .datasource.uid) = "prometheus-old"')"
  assert_status 1
  assert_output_contains "panel 9 (p95 latency per colour) uses the unknown data source uid prometheus-old"
  run dashboard_problems "$(broken_copy overview.json '(.panels[] | select(.title == "p95 latency per colour") | .targets[0].datasource) = {"type": "loki", "uid": "prometheus"}')"
  assert_status 1
  assert_output_contains "query A: data source prometheus is not of type loki"
  run dashboard_problems "$(broken_copy queue-answers.json '.panels[3].id = .panels[2].id')"
  assert_status 1
  assert_output_contains "is missing or not unique"
  run dashboard_problems "$(broken_copy logs.json 'del(.panels[0].gridPos)')"
  assert_status 1
  assert_output_contains "has no place on the grid"
  run dashboard_problems "$(broken_copy logs.json '.annotations.list[0].datasource.uid = "elsewhere"')"
  assert_status 1
  assert_output_contains "annotation Deploys and rollbacks uses the unknown data source uid elsewhere"
  printf '{"uid": "protostar-x",' >"$BATS_TEST_TMPDIR/cut.json"
  run dashboard_problems "$BATS_TEST_TMPDIR/cut.json"
  assert_status 1
  assert_output_contains "does not parse as JSON"
  run dashboard_problems "$DASHBOARDS/logs.json" "$(broken_copy overview.json '.uid = "protostar-logs"')"
  assert_status 1
  assert_output_contains "the uid protostar-logs is used by 2 dashboards"
}

@test "every dashboard: folder-wide tags, last 6 hours, refreshed every 30 s, schema 39, read-only" {
  local f
  for f in "$DASHBOARDS"/*.json; do
    jq -e '.schemaVersion == 39 and .time == {"from": "now-6h", "to": "now"} and .refresh == "30s"
      and (.tags | index("protostar")) and .editable == false and (.title | startswith("Protostar "))
      and .id == null' "$f" >/dev/null || fail "$f"
  done
}

@test "provisioning: the dashboards' directory, mounted read-only where the provider reads, into the folder Protostar" {
  local f="$PROVISIONING/dashboards/dashboards.yml" path
  path=$(yaml_query "$f" 'd["providers"][0]["options"]["path"]')
  yaml_query "$PROTOSTAR_REPO/compose/management.yml" 'd["services"]["grafana"]["volumes"]' |
    grep -xF "./management/grafana/dashboards:$path:ro" >/dev/null || fail "no read-only mount at $path"
  [[ "$(yaml_query "$f" '[p["type"] + " " + p["folder"] for p in d["providers"]]')" == "file Protostar" ]]
  [[ "$(yaml_query "$f" 'd["providers"][0]["allowUiUpdates"]')" == false ]]
  # and the provisioning directory itself is mounted, so Grafana finds this file
  yaml_query "$PROTOSTAR_REPO/compose/management.yml" 'd["services"]["grafana"]["volumes"]' |
    grep -xF './management/grafana/provisioning:/etc/grafana/provisioning:ro' >/dev/null
}

@test "overview: requests, 5xx ratio and p95 per colour, the serving colour and the canary split, nginx, targets" {
  exprs protostar-overview "Requests per colour" | grep -F 'sum by (color) (rate(http_server_requests_seconds_count{job="backend", uri!~"/actuator.*"}[$__rate_interval]))'
  exprs protostar-overview "5xx ratio per colour" | grep -F 'status=~"5.."}[5m])) / sum by (color)'
  exprs protostar-overview "p95 latency per colour" | grep -F 'histogram_quantile(0.95, sum by (color, le) (rate(http_server_requests_seconds_bucket{'
  exprs protostar-overview "Serving colour" | grep -F 'protostar_active_color{job="routing"}'
  exprs protostar-overview "Canary split" | grep -F 'protostar_backend_traffic_share{job="routing"}'
  exprs protostar-overview "nginx requests" | grep -F 'nginx_http_requests_total{job="nginx"}'
  exprs protostar-overview "nginx connections" | grep -F 'nginx_connections_active{job="nginx"}'
  exprs protostar-overview "Production targets" | grep -F 'up{host="production"'
  [[ "$(panel protostar-overview "p95 latency per colour" | jq -r .fieldConfig.defaults.unit)" == s ]]
  [[ "$(panel protostar-overview "5xx ratio per colour" | jq -r .fieldConfig.defaults.unit)" == percentunit ]]
}

@test "overview: its panels link to the Logs dashboard with the request id and the time range" {
  local title
  for title in "Requests per colour" "5xx ratio per colour" "p95 latency per colour"; do
    # a panel link (its header) and a data link (a point of the graph)
    panel protostar-overview "$title" | jq -e '[.links, .fieldConfig.defaults.links] | map(map(.url))
      | . == [range(2) | ["/d/protostar-logs/protostar-logs?${__url_time_range}&${rid:queryparam}"]]' >/dev/null || fail "$title"
  done
  jq -e '.templating.list[] | select(.name == "rid" and .type == "textbox")' "$DASHBOARDS/overview.json" >/dev/null
}

@test "queue and answers: depth, oldest wait, throughput, dead letters, first token, degraded, breaker, streams, questions, rate limits" {
  local u=protostar-queue-answers
  exprs $u "Jobs waiting" | grep -F 'protostar_queue_waiting'
  exprs $u "Oldest waiting job" | grep -F 'protostar_queue_oldest_waiting_age_seconds'
  exprs $u "Jobs done" | grep -F 'rate(protostar_queue_job_duration_seconds_count{job="ai-worker"}'
  exprs $u "Dead letters" | grep -F 'protostar_queue_dead'
  exprs $u "Time to first token" | grep -F 'protostar_answer_first_token_seconds_sum'
  exprs $u "Degraded answers" | grep -F 'rate(protostar_answer_degraded_total{job="ai-worker"}[15m])'
  exprs $u "Circuit breaker" | grep -F 'protostar_answer_breaker_state'
  exprs $u "Open event streams" | grep -F 'protostar_sse_streams'
  exprs $u "Questions asked" | grep -F 'protostar_questions_asked_total'
  exprs $u "Rate limited" | grep -F 'protostar_rate_limited_total'
  # the breaker's states by name, as the gauge reports them (0 closed, 1 open, 2 half-open)
  [[ "$(panel $u "Circuit breaker" | jq -r '.fieldConfig.defaults.mappings[0].options | [.["0"].text, .["1"].text, .["2"].text] | join(" ")')" == "closed open half-open" ]]
}

@test "data stores: PostgreSQL's connections, size, transactions, locks; Redis' memory, clients, commands, keys, AOF" {
  local u=protostar-data-stores
  exprs $u "PostgreSQL up" | grep -F 'pg_up{job="postgres"}'
  exprs $u "Connections used" | grep -F 'sum(pg_stat_activity_count{job="postgres"}) / max(pg_settings_max_connections{job="postgres"})'
  exprs $u "Database size" | grep -F 'pg_database_size_bytes'
  exprs $u Transactions | grep -F 'pg_stat_database_xact_commit'
  exprs $u Locks | grep -F 'pg_locks_count'
  exprs $u "Redis up" | grep -F 'redis_up{job="redis"}'
  exprs $u "Memory of maxmemory" | grep -F 'redis_memory_used_bytes{job="redis"} / (redis_memory_max_bytes{job="redis"} > 0)'
  exprs $u Clients | grep -F 'redis_connected_clients'
  exprs $u Commands | grep -F 'redis_commands_processed_total'
  exprs $u Keys | grep -F 'redis_db_keys'
  exprs $u "Append-only file" | grep -F 'redis_aof_enabled'
}

@test "hosts and containers: node-exporter's CPU, memory, disk, network, load; the five container metrics by name" {
  local u=protostar-hosts-containers name
  exprs $u "CPU busy" | grep -F 'node_cpu_seconds_total{job="node", mode="idle"}'
  exprs $u "Memory used" | grep -F 'node_memory_MemAvailable_bytes{job="node"} / node_memory_MemTotal_bytes{job="node"}'
  exprs $u "Disk used" | grep -F 'node_filesystem_avail_bytes'
  exprs $u Network | grep -F 'node_network_receive_bytes_total'
  exprs $u Load | grep -F 'node_load1{job="node"}'
  for name in container_cpu_usage_seconds_total container_memory_working_set_bytes container_spec_memory_limit_bytes \
    container_network_receive_bytes_total container_network_transmit_bytes_total; do
    jq -r '.panels[].targets[]?.expr' "$DASHBOARDS/hosts-containers.json" | grep -F "$name{job=\"node\"}" >/dev/null || fail "$name"
  done
}

@test "logs: a request id box, the apps' lines and nginx's access log of that request, the apps' errors" {
  jq -e '.templating.list[] | select(.name == "rid" and .type == "textbox")' "$DASHBOARDS/logs.json" >/dev/null
  [[ "$(exprs protostar-logs 'The apps'"'"' lines of request $rid')" == '{app=~"backend|ai-worker"} |= "rid=$rid"' ]]
  [[ "$(exprs protostar-logs 'nginx'"'"'s access log for request $rid')" == '{host="production", job="nginx", log="access"} |= "$rid"' ]]
  [[ "$(exprs protostar-logs 'Errors of the apps')" == '{app=~"backend|ai-worker", level="ERROR"}' ]]
  [[ "$(panel protostar-logs 'Errors of the apps' | jq -r '.type + " " + .datasource.uid')" == "logs loki" ]]
}

@test "every dashboard's annotations: deploys and rollbacks, and failed or aborted changes, from the audit stream" {
  local f
  for f in "$DASHBOARDS"/*.json; do
    jq -e '[.annotations.list[] | select(.datasource == {"type": "loki", "uid": "loki"} and .enable
        and (.expr | startswith("{host=\"production\", job=\"audit\"} |~ ") and contains("| logfmt")))
        | .expr | capture("\\|~ \"(?<m>[^\"]+)\"").m] == ["action=(deploy|rollback|redeploy)", "result=(aborted|failed)"]' "$f" >/dev/null ||
      fail "$f: $(jq -c '.annotations' "$f")"
  done
  # the annotation's fields are the audit line's keys (scripts/lib/audit.sh)
  jq -r '.annotations.list[] | .titleFormat, .tagKeys' "$DASHBOARDS/overview.json" | grep -oE '[a-z_]+' | sort -u |
    while read -r key; do grep -qE "(^|[ \"])$key=" "$PROTOSTAR_REPO/scripts/lib/audit.sh" || fail "audit lines have no $key"; done
}

@test "thresholds are the alert rules': CPU 80 %, memory and disk 85 %, 5xx 1 %, queue wait 60 s, degraded 20 %, connections 80 %, Redis 85 %" {
  local alert uid title rule
  while IFS='|' read -r alert uid title; do
    rule=$(rule_threshold "$alert")
    [[ -n "$rule" && "$rule" != *$'\n'* ]] || fail "$alert: no single threshold in the rules ($rule)"
    [[ "$(red_at "$uid" "$title")" == "$rule" ]] || fail "$title: red at $(red_at "$uid" "$title"), $alert fires above $rule"
  done <<'EOF'
HostCpuHigh|protostar-hosts-containers|CPU busy
HostMemoryHigh|protostar-hosts-containers|Memory used
HostDiskAlmostFull|protostar-hosts-containers|Disk used
BackendErrorRateHigh|protostar-overview|5xx ratio per colour
QueueWaitTooLong|protostar-queue-answers|Oldest waiting job
AnswersDegraded|protostar-queue-answers|Degraded answers
PostgresConnectionsHigh|protostar-data-stores|Connections used
RedisMemoryHigh|protostar-data-stores|Memory of maxmemory
EOF
}

@test "dashboard-queries: every Prometheus query, Grafana's variables replaced, Loki's left out" {
  cat >"$BATS_TEST_TMPDIR/d.json" <<'EOF'
{"uid": "protostar-t", "templating": {"list": [{"name": "rid", "type": "textbox"}]},
 "panels": [
  {"id": 1, "datasource": {"type": "prometheus", "uid": "prometheus"}, "targets": [
    {"refId": "A", "expr": "rate(a_total{rid=\"$rid\"}[$__rate_interval])"},
    {"refId": "B", "expr": "sum(\n  rate(b_total{x=~\"${rid:regex}\"}[${__interval}])\n)"},
    {"refId": "C", "datasource": {"type": "loki", "uid": "loki"}, "expr": "{app=\"backend\"} |= \"$rid\""}]},
  {"id": 2, "type": "row", "panels": [
    {"id": 3, "datasource": {"type": "loki", "uid": "loki"}, "targets": [
      {"refId": "A", "expr": "{job=\"x\"}"},
      {"refId": "B", "datasource": {"type": "prometheus", "uid": "prometheus"}, "expr": "label_replace(up, \"a\", \"$1\", \"job\", \"(.*)\") offset $__range"}]}]}]}
EOF
  run "$QUERIES" "$BATS_TEST_TMPDIR/d.json"
  assert_status 0
  [[ "$output" == 'rate(a_total{rid="x"}[1m])
sum( rate(b_total{x=~"x"}[1m]) )
label_replace(up, "a", "$1", "job", "(.*)") offset 1m' ]] || fail "$output"
  run "$QUERIES" --rules "$BATS_TEST_TMPDIR/d.json"
  assert_status 0
  [[ "$(jq -c '.groups[] | [.name, [.rules[].record]]' <<<"$output")" == \
    '["dashboard protostar-t",["dashboard:protostar_t:panel1_A","dashboard:protostar_t:panel1_B","dashboard:protostar_t:panel3_B"]]' ]]
}

@test "dashboard-queries on the dashboards: a query per Prometheus target, no variable left, unique rule names" {
  local count
  count=$(jq -n '[inputs | .panels[] | (., .panels[]?) | .datasource.type as $t | .targets[]?
    | select((.datasource.type // $t) == "prometheus")] | length' "$DASHBOARDS"/*.json)
  run "$QUERIES" "$DASHBOARDS"/*.json
  assert_status 0
  ((count > 50)) || fail "only $count Prometheus queries"
  [[ "${#lines[@]}" == "$count" ]] || fail "${#lines[@]} queries printed of $count"
  refute_output_contains '$'
  run "$QUERIES" --rules "$DASHBOARDS"/*.json
  assert_status 0
  [[ "$(jq '[.groups[].rules[].record] | length == (unique | length)' <<<"$output")" == true ]]
  [[ "$(jq -r '[.groups[].name] | join(",")' <<<"$output")" == "dashboard protostar-data-stores,dashboard protostar-hosts-containers,dashboard protostar-overview,dashboard protostar-queue-answers" ]]
  # nothing to check is a failure, not a pass
  run "$QUERIES" "$DASHBOARDS/logs.json"
  assert_status 1
  assert_output_contains "no Prometheus query in the dashboards"
}

@test "every protostar_ metric of the dashboards is one the apps register or the CLI writes" {
  local names name base known
  # the names as scripts/test/e2e/monitoring.sh reads them for the live-scrape check
  "$QUERIES" --rules "$DASHBOARDS"/*.json >"$BATS_TEST_TMPDIR/dashboards.yml"
  names=$(PROTOSTAR_ROOT=$PROTOSTAR_REPO bash -c 'source "$PROTOSTAR_ROOT/scripts/lib/common.sh"
    source "$PROTOSTAR_ROOT/scripts/test/e2e/monitoring.sh"; rule_metric_names "$1"' _ "$BATS_TEST_TMPDIR/dashboards.yml")
  [[ "$names" == *http_server_requests_seconds_bucket* && "$names" == *node_cpu_seconds_total* ]] || fail "$names"
  # Micrometer's names (dots to underscores; counters _total; timers _seconds_count, _sum,
  # _max; gauges with the unit seconds _seconds) and the textfile metrics of scripts/lib
  known=$(grep -rhoE '(builder|gauge|counter)\("protostar\.[a-z.]+"' "$PROTOSTAR_REPO/backend/src/main" "$PROTOSTAR_REPO/ai-worker/src/main" |
    sed -E 's/.*"(.*)"/\1/; s/\./_/g' | sort -u)
  [[ "$known" == *protostar_queue_waiting* ]] || fail "no metric found in the Java code"
  while read -r name; do
    for base in $known; do
      [[ "$name" =~ ^${base}(_total|_seconds|_seconds_count|_seconds_sum|_seconds_max|_seconds_bucket)?$ ]] && continue 2
    done
    grep -rqw "$name" "$PROTOSTAR_REPO/scripts/lib" || fail "$name: neither registered by the apps nor written by scripts/lib"
  done < <(grep '^protostar_' <<<"$names")
}
