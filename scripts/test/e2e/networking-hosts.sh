# shellcheck shell=bash
# The two paths of the networking issue as separate simulated hosts, for
# scripts/test/e2e/networking.sh and scripts/bench/passthrough. Sourced after common.sh,
# config.sh, images.sh, management.sh and proxy.sh.
#
#   internet (bridge)    admin (.100, allow-listed), stranger (.101), the cloud proxy
#                        (.10), the production nginx (.20)
#   router (bridge)      the proxy (.10) and ops-nginx (.20) on 8888: the path through the
#                        home/office router; an intruder (.66) who reaches 8888 directly
#   management (internal) ops-nginx, Jenkins and Grafana stand-ins
#   production (internal) production nginx, the backend stand-in (backend-blue)
#
# Every container runs protostar/nginx with the repository's real nginx configuration and
# the files the CLI writes for it (allow-lists, htpasswd, the proxy's name map, the
# active-backend include), made by the CLI's own functions. Stand-ins are
# scripts/test/e2e/standin.pl. Names start with NET_PREFIX; net_down removes them all.
#
# Set before net_up: NET_PREFIX (unique), NET_DIR (a temporary directory). Optional:
# NET_ALLOW_HOST=1 (this host's addresses on the internet and router networks are
# allow-listed admins too: a client on the host itself), NET_RATE_LIMIT and
# NET_RATE_BURST (the production nginx's limit_req), NET_PRODUCTION=0 (no production host).
# After net_up: NET_INTERNET, NET_ROUTER (the /24 prefixes, e.g. 10.213.7), ADMIN_IP,
# STRANGER_IP, PROXY_IP, PROXY_ROUTER_IP, OPS_IP, PRODUCTION_IP, INTRUDER_IP,
# OPS_ADMIN_PASSWORD; the clients' CA files are /ca/ops.crt and /ca/production.crt.

NET_IMAGE=protostar/nginx:1.26
NET_ADMIN_NAMES=(jenkins.ops.test grafana.ops.test minio.ops.test)
NET_PUBLIC_HOSTNAME=chat.example.test

# net_create NAME [--internal] — a bridge network on a free 10.x.y.0/24 (a fixed subnet, so
# containers can have fixed addresses); prints the prefix "10.x.y".
net_create() {
  local name=$1 internal=${2:-} try prefix
  for try in $(seq 30); do
    prefix="10.$((200 + RANDOM % 50)).$((RANDOM % 250))"
    if docker network create ${internal:+"$internal"} --subnet "$prefix.0/24" "$NET_PREFIX-$name" >/dev/null 2>&1; then
      printf '%s\n' "$prefix"
      return 0
    fi
  done
  abort "no free subnet for the network $NET_PREFIX-$name after $try tries"
}

# net_run NAME ARGS... — a detached container of NET_IMAGE named NET_PREFIX-NAME, created
# (ARGS are docker create's), connected to its further networks (NET_ALSO: "network:ip"
# or "network:"), then started.
net_run() {
  local name=$1 also ip
  shift
  docker create --name "$NET_PREFIX-$name" "$@" >/dev/null
  for also in ${NET_ALSO:-}; do
    ip=${also#*:}
    docker network connect ${ip:+--ip "$ip"} "$NET_PREFIX-${also%%:*}" "$NET_PREFIX-$name"
  done
  docker start "$NET_PREFIX-$name" >/dev/null
}

# net_wait NAME URL — until curl inside the container gets URL (nginx started).
net_wait() {
  for _ in $(seq 50); do
    docker exec "$NET_PREFIX-$1" curl -fsSk -o /dev/null "$2" 2>/dev/null && return 0
    sleep 0.2
  done
  docker logs --tail 30 "$NET_PREFIX-$1" >&2 || true
  abort "$NET_PREFIX-$1 did not answer $2 (its log is above)"
}

# net_standin NAME NETWORK ALIAS PORT... — standin.pl as ALIAS on NETWORK.
net_standin() {
  local name=$1 network=$2 alias=$3
  shift 3
  net_run "$name" --network "$NET_PREFIX-$network" --network-alias "$alias" \
    -v "$PROTOSTAR_ROOT/scripts/test/e2e/standin.pl:/standin.pl:ro" --entrypoint perl "$NET_IMAGE" /standin.pl "$alias" "$@"
}

net_up() {
  local client name network ip
  build_offline_image nginx "$NET_IMAGE"
  OPS_ADMIN_PASSWORD=$(generate_secret)
  mkdir -p "$NET_DIR/ca"
  NET_INTERNET=$(net_create internet)
  NET_ROUTER=$(net_create router)
  net_create management --internal >/dev/null
  ADMIN_IP=$NET_INTERNET.100 STRANGER_IP=$NET_INTERNET.101 PROXY_IP=$NET_INTERNET.10 PRODUCTION_IP=$NET_INTERNET.20
  PROXY_ROUTER_IP=$NET_ROUTER.10 OPS_IP=$NET_ROUTER.20 INTRUDER_IP=$NET_ROUTER.66

  # --- management host: stand-ins, then ops-nginx with what `management up` writes ------
  net_standin jenkins management jenkins 8080
  net_standin grafana management grafana 3000
  (
    export PROTOSTAR_MANAGEMENT_ENV_FILE=$NET_DIR/management.env MANAGEMENT_STATE_DIR=$NET_DIR/management
    export OPS_TLS_DIR=$NET_DIR/management/tls OPS_ADMIN_USER=admin OPS_ADMIN_PASSWORD
    OPS_ADMIN_ALLOW=$ADMIN_IP
    [[ "${NET_ALLOW_HOST:-0}" != 1 ]] || OPS_ADMIN_ALLOW+=",$NET_INTERNET.1,$NET_ROUTER.1"
    export OPS_ADMIN_ALLOW OPS_LAN_ALLOW=$NET_INTERNET.0/24
    export JENKINS_HOSTNAME=jenkins.ops.test GRAFANA_HOSTNAME=grafana.ops.test MINIO_CONSOLE_HOSTNAME=minio.ops.test
    export MINIO_API_HOSTNAME=s3.ops.test LOKI_HOSTNAME=loki.ops.test
    ensure_ops_certificate 2>/dev/null
    write_ops_nginx_files
  )
  cp "$NET_DIR/management/tls/tls.crt" "$NET_DIR/ca/ops.crt"
  NET_ALSO="management:" net_run ops --network "$NET_PREFIX-router" --ip "$OPS_IP" \
    -e OPS_PROXY_ADDRESS="$PROXY_ROUTER_IP" -e OPS_PUBLIC_PORT=443 \
    -e JENKINS_HOSTNAME=jenkins.ops.test -e GRAFANA_HOSTNAME=grafana.ops.test -e MINIO_CONSOLE_HOSTNAME=minio.ops.test \
    -e MINIO_API_HOSTNAME=s3.ops.test -e LOKI_HOSTNAME=loki.ops.test -e MINIO_BACKUP_ACCESS_KEY=protostar-backup \
    -v "$PROTOSTAR_ROOT/nginx/management/nginx.conf:/etc/nginx/nginx.conf:ro" \
    -v "$PROTOSTAR_ROOT/nginx/management/templates:/etc/nginx/templates:ro" \
    -v "$PROTOSTAR_ROOT/nginx/management/snippets:/etc/nginx/snippets:ro" \
    -v "$NET_DIR/management/tls:/etc/nginx/tls:ro" -v "$NET_DIR/management/nginx:/etc/nginx/protostar:ro" "$NET_IMAGE"

  # --- cloud proxy: the map `proxy up` writes, the upstream the router would be ----------
  (
    export PROTOSTAR_PROXY_ENV_FILE=$NET_DIR/proxy.env PROXY_STATE_DIR=$NET_DIR/proxy
    PROXY_ADMIN_HOSTNAMES=$(
      IFS=,
      echo "${NET_ADMIN_NAMES[*]}"
    )
    export PROXY_ADMIN_HOSTNAMES
    write_proxy_files
  )
  NET_ALSO="router:$PROXY_ROUTER_IP" net_run proxy --network "$NET_PREFIX-internet" --ip "$PROXY_IP" \
    -e PROXY_UPSTREAM="$OPS_IP:8888" -e PROXY_MAX_CONNECTIONS_PER_CLIENT=50 -e PROXY_IDLE_TIMEOUT=1h \
    -v "$PROTOSTAR_ROOT/nginx/proxy/nginx.conf:/etc/nginx/nginx.conf:ro" \
    -v "$PROTOSTAR_ROOT/nginx/proxy/templates:/etc/nginx/templates:ro" \
    -v "$NET_DIR/proxy/nginx:/etc/nginx/protostar:ro" "$NET_IMAGE"

  # --- production host: the backend stand-in as the active colour ------------------------
  if [[ "${NET_PRODUCTION:-1}" == 1 ]]; then
    net_create production --internal >/dev/null
    net_standin backend production backend-blue 8080 8081
    mkdir -p "$NET_DIR/production/nginx"
    STATE_DIR=$NET_DIR/production write_active_backend blue
    ensure_self_signed_pair "$NET_DIR/production/tls" "$NET_PUBLIC_HOSTNAME" 2>/dev/null
    cp "$NET_DIR/production/tls/tls.crt" "$NET_DIR/ca/production.crt"
    NET_ALSO="production:" net_run production --network "$NET_PREFIX-internet" --ip "$PRODUCTION_IP" \
      -e PUBLIC_HOSTNAME="$NET_PUBLIC_HOSTNAME" -e PUBLIC_HTTPS_PORT=443 \
      -e NGINX_RATE_LIMIT="${NET_RATE_LIMIT:-100}" -e NGINX_RATE_BURST="${NET_RATE_BURST:-200}" \
      -v "$PROTOSTAR_ROOT/nginx/production/nginx.conf:/etc/nginx/nginx.conf:ro" \
      -v "$PROTOSTAR_ROOT/nginx/production/templates:/etc/nginx/templates:ro" \
      -v "$NET_DIR/production/tls:/etc/nginx/tls:ro" -v "$NET_DIR/production/nginx:/etc/nginx/protostar:ro" "$NET_IMAGE"
    net_wait production https://127.0.0.1/nginx-health
  fi

  # --- clients ---------------------------------------------------------------------------
  for client in "admin $NET_PREFIX-internet $ADMIN_IP" "stranger $NET_PREFIX-internet $STRANGER_IP" \
    "intruder $NET_PREFIX-router $INTRUDER_IP"; do
    read -r name network ip <<<"$client"
    net_run "$name" --network "$network" --ip "$ip" -v "$NET_DIR/ca:/ca:ro" --entrypoint sleep "$NET_IMAGE" infinity
  done
  net_wait ops http://127.0.0.1:8080/nginx-health
  net_wait proxy http://127.0.0.1:8080/nginx-health
}

# net_logs — the servers' logs, for a failed run.
net_logs() {
  local name
  for name in proxy ops production jenkins backend; do
    echo "---- $NET_PREFIX-$name ----"
    docker logs --tail 40 "$NET_PREFIX-$name" 2>&1 || true
  done
}

# net_down — every container and network of NET_PREFIX, nothing else.
net_down() {
  local name
  for name in admin stranger intruder proxy ops production jenkins grafana backend; do
    docker rm -f "$NET_PREFIX-$name" >/dev/null 2>&1 || true
  done
  for name in internet router management production; do
    docker network rm "$NET_PREFIX-$name" >/dev/null 2>&1 || true
  done
}
