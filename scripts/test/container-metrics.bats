#!/usr/bin/env bats
# The container-metrics collector (compose/images/container-metrics): each running
# container's cgroup and network figures in cAdvisor's names, for cgroup v1 (cgroupfs
# driver) and v2 (systemd driver), from fake Docker, cgroup and proc trees. Its output is
# scraped for real through node-exporter in the e2e tier (scripts/test/e2e/monitoring.sh).

load test_helper

COLLECTOR="$BATS_TEST_DIRNAME/../../compose/images/container-metrics/container-metrics"

setup() {
  protostar_setup
  FAKE=$TEST_ROOT/host
  mkdir -p "$FAKE/containers" "$FAKE/cgroup" "$FAKE/proc" "$FAKE/out"
}
teardown() { protostar_teardown; }

# fake_container ID NAME SERVICE RUNNING PID — Docker's config of a container.
fake_container() {
  mkdir -p "$FAKE/containers/$1"
  printf '{"ID":"%s","Name":"/%s","State":{"Running":%s,"Pid":%s},"Config":{"Labels":{"com.docker.compose.service":"%s","com.docker.compose.project":"prod"}}}\n' \
    "$1" "$2" "$4" "$5" "$3" >"$FAKE/containers/$1/config.v2.json"
}

# fake_network PID RX TX — /proc/PID/net/dev with loopback traffic and one interface.
fake_network() {
  mkdir -p "$FAKE/proc/$1/net"
  cat >"$FAKE/proc/$1/net/dev" <<DEV
Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:  999999      10    0    0    0     0          0         0   999999      10    0    0    0     0       0          0
  eth0: $2      40    0    0    0     0          0         0 $3      30    0    0    0     0       0          0
DEV
}

collect() {
  DOCKER_CONTAINERS=$FAKE/containers CGROUP_ROOT=$FAKE/cgroup HOST_PROC=$FAKE/proc OUTPUT=$FAKE/out/containers.prom \
    "$COLLECTOR" --once
}

# value METRIC NAME — the sample of METRIC for the container NAME.
value() { awk -v m="$1" -v n="name=\"$2\"" 'index($0, m "{") == 1 && index($0, n) { print $2 }' "$FAKE/out/containers.prom"; }

@test "cgroup v1 (cgroupfs): CPU seconds, memory, working set, limit, network; stopped ones left out" {
  fake_container aaa prod-backend-blue-1 backend-blue true 101
  fake_container bbb prod-old-1 old false 0
  mkdir -p "$FAKE/cgroup/cpuacct/docker/aaa" "$FAKE/cgroup/memory/docker/aaa"
  echo 2500000000 >"$FAKE/cgroup/cpuacct/docker/aaa/cpuacct.usage"
  echo 300000000 >"$FAKE/cgroup/memory/docker/aaa/memory.usage_in_bytes"
  printf 'cache 1\ntotal_inactive_file 100000000\n' >"$FAKE/cgroup/memory/docker/aaa/memory.stat"
  echo 1073741824 >"$FAKE/cgroup/memory/docker/aaa/memory.limit_in_bytes"
  fake_network 101 5000 7000
  run collect
  assert_status 0
  [[ "$(value container_cpu_usage_seconds_total prod-backend-blue-1)" == 2.500000 ]] || fail "$(cat "$FAKE/out/containers.prom")"
  [[ "$(value container_memory_usage_bytes prod-backend-blue-1)" == 300000000 ]]
  [[ "$(value container_memory_working_set_bytes prod-backend-blue-1)" == 200000000 ]]
  [[ "$(value container_spec_memory_limit_bytes prod-backend-blue-1)" == 1073741824 ]]
  [[ "$(value container_network_receive_bytes_total prod-backend-blue-1)" == 5000 ]]
  [[ "$(value container_network_transmit_bytes_total prod-backend-blue-1)" == 7000 ]]
  grep -q '^container_cpu_usage_seconds_total{name="prod-backend-blue-1",service="backend-blue",project="prod"} ' \
    "$FAKE/out/containers.prom"
  [[ "$(grep -c prod-old-1 "$FAKE/out/containers.prom")" == 0 ]]
  grep -q '^# TYPE container_cpu_usage_seconds_total counter$' "$FAKE/out/containers.prom"
}

@test "cgroup v2 (systemd driver): usage_usec, memory.current, no limit is 0" {
  fake_container ccc prod-redis-1 redis true 202
  touch "$FAKE/cgroup/cgroup.controllers"
  local dir=$FAKE/cgroup/system.slice/docker-ccc.scope
  mkdir -p "$dir"
  printf 'usage_usec 1500000\nuser_usec 1000000\n' >"$dir/cpu.stat"
  echo 50000000 >"$dir/memory.current"
  printf 'anon 1\ninactive_file 10000000\n' >"$dir/memory.stat"
  echo max >"$dir/memory.max"
  fake_network 202 11 22
  run collect
  assert_status 0
  [[ "$(value container_cpu_usage_seconds_total prod-redis-1)" == 1.500000 ]] || fail "$(cat "$FAKE/out/containers.prom")"
  [[ "$(value container_memory_working_set_bytes prod-redis-1)" == 40000000 ]]
  [[ "$(value container_spec_memory_limit_bytes prod-redis-1)" == 0 ]]
}

@test "a container without a cgroup or network figures yet is skipped, not an error; names are escaped" {
  fake_container ddd 'odd\"name' '' true 303
  run collect
  assert_status 0
  [[ "$(grep -c odd "$FAKE/out/containers.prom")" == 0 ]]
  fake_network 303 1 2
  run collect
  grep -q '^container_network_receive_bytes_total{name="odd\\"name",service="",project="prod"} 1$' "$FAKE/out/containers.prom" ||
    fail "$(cat "$FAKE/out/containers.prom")"
}

@test "a config that does not parse spoils none of the others" {
  fake_container aaa prod-nginx-1 nginx true 101
  fake_container zzz prod-redis-1 redis true 102
  mkdir -p "$FAKE/containers/mmm"
  printf '{"ID":"mmm","Name":' >"$FAKE/containers/mmm/config.v2.json"
  fake_network 101 1 2
  fake_network 102 3 4
  run collect
  assert_status 0
  [[ "$(value container_network_receive_bytes_total prod-nginx-1)" == 1 ]] || fail "$(cat "$FAKE/out/containers.prom")"
  [[ "$(value container_network_receive_bytes_total prod-redis-1)" == 3 ]]
}

@test "SIGTERM ends it at once, mid-sleep too (docker stop must not wait its timeout)" {
  DOCKER_CONTAINERS=$FAKE/containers CGROUP_ROOT=$FAKE/cgroup HOST_PROC=$FAKE/proc OUTPUT=$FAKE/out/containers.prom \
    INTERVAL=60 "$COLLECTOR" &
  local pid=$! waited=0
  until [[ -f "$FAKE/out/containers.prom" ]] || ((waited++ > 50)); do sleep 0.1; done
  kill -TERM "$pid"
  waited=0
  while kill -0 "$pid" 2>/dev/null && ((waited++ < 30)); do sleep 0.1; done
  run kill -0 "$pid"
  [[ "$status" != 0 ]] || { kill -KILL "$pid"; fail "still running 3 s after SIGTERM"; }
}

@test "--help says what it reads" {
  run "$COLLECTOR" --help
  assert_status 0
  [[ "$output" == *"No Docker socket"* ]] || fail "$output"
}
