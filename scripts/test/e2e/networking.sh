#!/usr/bin/env bash
# Summary: The two network paths across simulated hosts: users to the production nginx,
# admins through the cloud proxy (TLS passthrough, PROXY protocol) to ops-nginx
# Usage: scripts/test/e2e/networking.sh [--keep]
#
# Separate Docker networks stand for the internet, the router between the cloud proxy and
# the management host, the management host's internal network and the production host's
# (scripts/test/e2e/networking-hosts.sh). Every server is protostar/nginx with the
# repository's nginx configuration; Jenkins, Grafana and the backend are stand-ins that
# answer what they saw (scripts/test/e2e/standin.pl). Clients are containers with curl
# and openssl at fixed addresses. Each check below can fail; about a minute in all.
# --keep leaves the containers and networks for a look (removed by the next run's prefix
# never; remove them with docker rm -f / docker network rm).
set -Eeuo pipefail
PROTOSTAR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
export PROTOSTAR_ROOT
source "$PROTOSTAR_ROOT/scripts/lib/common.sh"
source "$PROTOSTAR_ROOT/scripts/lib/config.sh"
source "$PROTOSTAR_ROOT/scripts/lib/images.sh"
source "$PROTOSTAR_ROOT/scripts/lib/management.sh"
source "$PROTOSTAR_ROOT/scripts/lib/proxy.sh"
source "$PROTOSTAR_ROOT/scripts/test/e2e/lib.sh"
source "$PROTOSTAR_ROOT/scripts/test/e2e/networking-hosts.sh"
handle_help "$@"
keep=""
[[ "${1:-}" == --keep ]] && keep=1

E2E_DIR=$(mktemp -d /tmp/protostar-e2e-networking.XXXXXX)
NET_DIR=$E2E_DIR
NET_PREFIX="protostar-e2e-net-$(basename "$E2E_DIR" | cut -d. -f2 | tr '[:upper:]' '[:lower:]')"
# Low, so that a burst from one client crosses it; the other checks stay well below.
NET_RATE_LIMIT=20 NET_RATE_BURST=20
E2E_PASSED=0 E2E_FAILED=0 E2E_FAILURES=()
teardown() {
  local status=$?
  if [[ "$status" != 0 || "$E2E_FAILED" != 0 ]]; then net_logs >&2; fi
  if [[ -n "$keep" ]]; then
    info "kept: containers and networks $NET_PREFIX-*"
  else
    net_down
    rm -rf "$E2E_DIR"
  fi
}
trap teardown EXIT

# --- What checks call -----------------------------------------------------------------------
# on CLIENT CMD... — a command inside a client (or server) container.
on() {
  local who=$1
  shift
  docker exec "$NET_PREFIX-$who" "$@"
}
# admin_curl CLIENT NAME PATH [curl options...] — HTTPS to an admin host name through the
# cloud proxy, verifying ops-nginx's certificate: "<status>\n<body>".
admin_curl() {
  local who=$1 name=$2 path=$3
  shift 3
  on "$who" curl -sS --max-time 10 --cacert /ca/ops.crt --resolve "$name:443:$PROXY_IP" \
    -w '\n%{http_code}' "$@" "https://$name$path"
}
# user_curl PATH [curl options...] — HTTPS to the production nginx as a user on the internet.
user_curl() {
  local path=$1
  shift
  on stranger curl -sS --max-time 10 --cacert /ca/production.crt --resolve "$NET_PUBLIC_HOSTNAME:443:$PRODUCTION_IP" \
    "$@" "https://$NET_PUBLIC_HOSTNAME$path"
}
status_of() { tail -n 1 <<<"$1"; }
fingerprint() { openssl x509 -noout -fingerprint -sha256 | cut -d= -f2; }
# tls_handshake CLIENT ADDRESS:PORT [s_client options...] — the s_client transcript.
tls_handshake() {
  local who=$1 target=$2
  shift 2
  # shellcheck disable=SC2016 # expanded by the container's shell
  on "$who" sh -c 'timeout 10 openssl s_client -connect "$0" "$@" </dev/null 2>&1' "$target" "$@" || true
}

# --- Admin path ------------------------------------------------------------------------------
# admin_reaches SERVICE NAME PATH — the admin gets SERVICE's stand-in by NAME through the
# proxy, and the stand-in sees the admin's own address (not the proxy's or the router's).
admin_reaches() {
  local out
  out=$(admin_curl admin "$2" "$3" -u "admin:$OPS_ADMIN_PASSWORD")
  echo "$out"
  [[ $(status_of "$out") == 200 ]]
  grep -qx "service=$1" <<<"$out"
  grep -qx "x-real-ip=$ADMIN_IP" <<<"$out"
  grep -qx "x-forwarded-for=$ADMIN_IP" <<<"$out"
  grep -qx 'x-forwarded-proto=https' <<<"$out"
  # ops-nginx's credentials are not passed on to the tool
  grep -qx 'authorization=' <<<"$out"
}
certificate_through_proxy_is_ops_nginx() {
  local seen ops production
  seen=$(tls_handshake admin "$PROXY_IP:443" -servername jenkins.ops.test | fingerprint)
  ops=$(fingerprint <"$NET_DIR/ca/ops.crt")
  production=$(fingerprint <"$NET_DIR/ca/production.crt")
  echo "seen $seen, ops-nginx $ops, production $production"
  [[ -n "$seen" && "$seen" == "$ops" && "$seen" != "$production" ]]
  # and the proxy holds no key or certificate at all
  [[ -z "$(on proxy sh -c 'grep -rlE "PRIVATE KEY|BEGIN CERTIFICATE" /etc/nginx 2>/dev/null')" ]]
}
websocket_upgrade_reaches_jenkins() {
  local out
  out=$(admin_curl admin jenkins.ops.test /cli/ws -u "admin:$OPS_ADMIN_PASSWORD" --http1.1 -i -N \
    -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' \
    -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' --max-time 4 2>&1 || true)
  echo "$out"
  grep -q '^HTTP/1.1 101 Switching Protocols' <<<"$out"
  # RFC 6455's example key and its accept value: the handshake went end to end
  grep -qi '^Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=' <<<"$out"
  # a frame from the stand-in came back over the upgraded connection
  grep -q 'hello from jenkins' <<<"$out"
}
admin_security_headers() {
  local headers
  headers=$(admin_curl admin jenkins.ops.test / -u "admin:$OPS_ADMIN_PASSWORD" -o /dev/null -D - | tr -d '\r')
  echo "$headers"
  grep -qi '^strict-transport-security: max-age=31536000' <<<"$headers"
  grep -qi '^x-content-type-options: nosniff' <<<"$headers"
  # the tool's own X-Frame-Options (the stand-in's ALLOW) is replaced, not doubled
  [[ $(grep -ci '^x-frame-options:' <<<"$headers") == 1 ]] && grep -qi '^x-frame-options: SAMEORIGIN' <<<"$headers"
}
not_allow_listed_gets_403() {
  local out
  out=$(admin_curl stranger jenkins.ops.test / -u "admin:$OPS_ADMIN_PASSWORD")
  echo "$out"
  [[ $(status_of "$out") == 403 ]]
  refute grep -q 'service=jenkins' <<<"$out"
}
no_or_wrong_password_gets_401() {
  local out
  out=$(admin_curl admin jenkins.ops.test /)
  [[ $(status_of "$out") == 401 ]]
  out=$(admin_curl admin jenkins.ops.test / -u admin:not-the-password)
  [[ $(status_of "$out") == 401 ]]
}
unknown_sni_is_closed_by_the_proxy() {
  local out name
  # another name, a name ops-nginx serves only on its LAN port, and no name at all
  for name in "-servername unknown.ops.test" "-servername s3.ops.test" "-noservername"; do
    # shellcheck disable=SC2086 # two words on purpose
    out=$(tls_handshake admin "$PROXY_IP:443" $name)
    echo "$name: $out" | head -n 4
    grep -q 'no peer certificate available' <<<"$out"
    refute grep -q 'BEGIN CERTIFICATE\|Server certificate' <<<"$out"
  done
  # and a control: the same command with an admin name gets the certificate
  tls_handshake admin "$PROXY_IP:443" -servername grafana.ops.test | grep -q 'Server certificate'
}
direct_8888_without_proxy_header_is_refused() {
  local out
  if out=$(on intruder curl -sS --max-time 10 --cacert /ca/ops.crt --resolve "jenkins.ops.test:8888:$OPS_IP" \
    -u "admin:$OPS_ADMIN_PASSWORD" -w '%{http_code}' https://jenkins.ops.test:8888/ 2>&1); then
    echo "answered: $out"
    return 1
  fi
  echo "$out"
  refute grep -q 'service=jenkins' <<<"$out"
  docker logs "$NET_PREFIX-ops" 2>&1 | grep -q 'broken header'
}
forged_proxy_header_is_not_trusted() {
  local out
  # The intruder claims to be the allow-listed admin in a PROXY header of its own.
  out=$(on intruder curl -sS --max-time 10 --cacert /ca/ops.crt --resolve "jenkins.ops.test:8888:$OPS_IP" \
    --haproxy-protocol --haproxy-clientip "$ADMIN_IP" -u "admin:$OPS_ADMIN_PASSWORD" -w '\n%{http_code}' \
    https://jenkins.ops.test:8888/)
  echo "from the intruder: $out"
  [[ $(status_of "$out") == 403 ]]
  # Control: the very same request from the proxy's address is believed (so the 403
  # above is the trust rule, not a broken header).
  out=$(docker run --rm --network "container:$NET_PREFIX-proxy" -v "$NET_DIR/ca:/ca:ro" "$NET_IMAGE" \
    curl -sS --max-time 10 --cacert /ca/ops.crt --resolve "jenkins.ops.test:8888:$OPS_IP" \
    --haproxy-protocol --haproxy-clientip "$ADMIN_IP" -u "admin:$OPS_ADMIN_PASSWORD" -w '\n%{http_code}' \
    https://jenkins.ops.test:8888/)
  echo "from the proxy's address: $out"
  [[ $(status_of "$out") == 200 ]] && grep -qx "x-real-ip=$ADMIN_IP" <<<"$out"
}

# --- Both paths: old TLS ------------------------------------------------------------------------
# SECLEVEL=0 lets the client's own OpenSSL offer TLS 1.0/1.1, so a refusal is the server's.
OLD_TLS_CLIENT=(-cipher 'DEFAULT:@SECLEVEL=0')
handshake_ok() { grep -q '^ *Protocol *: *TLSv1' <<<"$1" && grep -q 'Cipher is [A-Z]' <<<"$1" && ! grep -q 'Cipher is (NONE)' <<<"$1"; }
client_can_speak_old_tls() {
  # Control: this client completes TLS 1.0 and 1.1 with a server that allows them.
  on admin sh -c 'cd /tmp && openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=old -keyout old.key -out old.crt 2>/dev/null
    openssl s_server -accept 4433 -cert old.crt -key old.key -cipher "DEFAULT:@SECLEVEL=0" -www >/dev/null 2>&1 & echo $! >/tmp/s_server.pid'
  wait_until 20 "s_server to listen on 4433" on admin bash -c 'exec 2>/dev/null 3<>/dev/tcp/127.0.0.1/4433'
  local version out
  for version in -tls1 -tls1_1; do
    out=$(tls_handshake admin 127.0.0.1:4433 "$version" "${OLD_TLS_CLIENT[@]}")
    handshake_ok "$out" || {
      echo "$version: $out"
      return 1
    }
  done
  # shellcheck disable=SC2016 # expanded by the container's shell
  on admin sh -c 'kill "$(cat /tmp/s_server.pid)"' || true
}
old_tls_refused_on_both_paths() {
  local version out target
  for target in "$PROXY_IP:443 jenkins.ops.test" "$PRODUCTION_IP:443 $NET_PUBLIC_HOSTNAME"; do
    for version in -tls1 -tls1_1; do
      out=$(tls_handshake admin "${target% *}" -servername "${target#* }" "$version" "${OLD_TLS_CLIENT[@]}")
      echo "$target $version: $(grep -m1 -E 'alert|Cipher is' <<<"$out")"
      refute handshake_ok "$out"
    done
    # the same client, TLS 1.2: accepted (the check can tell the difference)
    out=$(tls_handshake admin "${target% *}" -servername "${target#* }" -tls1_2)
    handshake_ok "$out"
  done
}

# --- User path ----------------------------------------------------------------------------------
user_path_serves_the_api() {
  local out
  out=$(user_curl /api/health -w '\n%{http_code} %{http_version}')
  echo "$out"
  [[ $(status_of "$out") == "200 2" ]] # HTTP/2
  grep -qx 'service=backend-blue' <<<"$out"
  grep -qx 'port=8080' <<<"$out"
  grep -qx "x-real-ip=$STRANGER_IP" <<<"$out"
}
user_path_cannot_reach_admin_routes() {
  local out name
  for name in jenkins.ops.test grafana.ops.test minio.ops.test; do
    # by name (SNI and Host), as a browser would, and by Host header alone
    out=$(on stranger curl -sk --max-time 10 --resolve "$name:443:$PRODUCTION_IP" -w '\n%{http_code}' "https://$name/")
    echo "$name: $out"
    [[ $(status_of "$out") == 421 ]]
    refute grep -q '^service=' <<<"$out"
    out=$(user_curl / -H "Host: $name" -w '\n%{http_code}')
    [[ $(status_of "$out") == 421 ]]
  done
  # the production nginx has no route to the management host at all
  refute on production curl -sk --max-time 3 -o /dev/null "https://$OPS_IP:8888/"
}
actuator_closed_except_health() {
  local path out
  for path in /actuator /actuator/ /actuator/prometheus /actuator/env /actuator/info /actuator/health/readiness; do
    out=$(user_curl "$path" -w '\n%{http_code}')
    echo "$path: $out"
    [[ $(status_of "$out") == 404 ]]
    refute grep -q '^service=' <<<"$out"
  done
  out=$(user_curl /actuator/health -w '\n%{http_code}')
  echo "/actuator/health: $out"
  [[ $(status_of "$out") == 200 ]] && grep -qx 'port=8081' <<<"$out"
}
user_path_security_headers() {
  local headers
  headers=$(user_curl /api/health -o /dev/null -D - | tr -d '\r')
  echo "$headers"
  grep -qi '^strict-transport-security: max-age=31536000' <<<"$headers"
  grep -qi '^x-content-type-options: nosniff' <<<"$headers"
  grep -qi '^referrer-policy: ' <<<"$headers"
  [[ $(grep -ci '^x-frame-options:' <<<"$headers") == 1 ]]
  grep -qi '^x-frame-options: DENY' <<<"$headers"
  # The web app's CSP, once: only its own files, no inline script, no eval.
  local csp directive
  [[ $(grep -ci '^content-security-policy:' <<<"$headers") == 1 ]]
  csp=$(grep -i '^content-security-policy:' <<<"$headers")
  for directive in "default-src 'self'" "script-src 'self'" "object-src 'none'" "base-uri 'none'" \
    "frame-ancestors 'none'" "img-src 'self' data:"; do
    grep -qF "$directive" <<<"$csp"
  done
  ! grep -qE "unsafe-inline|unsafe-eval" <<<"$csp" || return 1
}
request_size_limits() {
  on stranger sh -c 'head -c 2097152 /dev/zero >/tmp/2mb'
  local out
  out=$(user_curl /api/conversations -o /dev/null -w '%{http_code}' --data-binary @/tmp/2mb)
  echo "2 MB to /api/conversations: $out"
  [[ "$out" == 413 ]]
  out=$(user_curl /api/admin/documents -w '\n%{http_code}' --data-binary @/tmp/2mb)
  echo "2 MB to /api/admin/documents: $(tail -n 2 <<<"$out" | paste -sd' ')"
  [[ $(status_of "$out") == 200 ]] && grep -qx 'body-bytes=2097152' <<<"$out"
}
sse_is_passed_on_unbuffered() {
  local out
  # The stand-in sends "first" at once and "second" 3 s later: a buffering proxy would
  # show nothing within 2 s.
  out=$(user_curl /api/events -N --max-time 2 2>/dev/null || true)
  echo "within 2 s: $out"
  grep -qx 'data: first' <<<"$out" && ! grep -q 'second' <<<"$out"
}
# burst CLIENT PATH COUNT — COUNT requests for PATH at once (40 in parallel); their status counts.
burst() {
  local args=()
  for _ in $(seq "$3"); do args+=(-o /dev/null "https://$NET_PUBLIC_HOSTNAME$2"); done
  on "$1" curl -s --http1.1 --parallel --parallel-max 40 --cacert /ca/production.crt \
    --resolve "$NET_PUBLIC_HOSTNAME:443:$PRODUCTION_IP" -w '%{http_code}\n' "${args[@]}" | sort | uniq -c
}
# The limit is per address: right after one address's burst, another sends 15 requests at
# once (within its own burst of 20) and is served every time. (A limit shared by all
# addresses would still be full then: most of the 15 would get 429.)
rate_limit_answers_429_but_not_health() {
  local codes others
  codes=$(burst stranger /api/me 80)
  others=$(burst admin /api/me 15)
  echo "/api/me x80: $codes"
  echo "/api/me x15 from another address right after: $others"
  grep -qE ' 429$' <<<"$codes"
  grep -qE ' 200$' <<<"$codes"
  [[ $(awk '{print $2}' <<<"$others") == 200 ]]
  codes=$(burst stranger /api/health 80)
  echo "/api/health x80: $codes"
  [[ $(awk '{print $2}' <<<"$codes") == 200 ]]
}

started=$SECONDS
step 1/2 "starting the simulated hosts ($NET_PREFIX-*)"
net_up
step 2/2 "checks"
check "an admin through the proxy reaches Jenkins; the upstream sees the admin's address" admin_reaches jenkins jenkins.ops.test /job/x
check "an admin through the proxy reaches Grafana; the upstream sees the admin's address" admin_reaches grafana grafana.ops.test /api/health
check "the certificate seen through the proxy is ops-nginx's (passthrough; the proxy holds none)" certificate_through_proxy_is_ops_nginx
check "a websocket upgrade reaches Jenkins through both hops (101, a frame back)" websocket_upgrade_reaches_jenkins
check "the admin path sends HSTS and security headers, each once" admin_security_headers
check "an address not on the allow-list gets 403, even with the password" not_allow_listed_gets_403
check "no password or a wrong one gets 401" no_or_wrong_password_gets_401
check "an unknown server name (or none) is closed by the proxy without a certificate" unknown_sni_is_closed_by_the_proxy
check "a direct connection to 8888 without a PROXY header is refused" direct_8888_without_proxy_header_is_refused
check "a forged PROXY header from a host other than the proxy is not believed (403)" forged_proxy_header_is_not_trusted
check "control: the client itself can complete TLS 1.0 and 1.1 (SECLEVEL=0)" client_can_speak_old_tls
check "TLS 1.0 and 1.1 are refused on both paths, TLS 1.2 accepted" old_tls_refused_on_both_paths
check "the user path serves the API over HTTP/2 with the user's address" user_path_serves_the_api
check "the user path cannot reach any admin route (421), nor the management host" user_path_cannot_reach_admin_routes
check "actuator endpoints other than health are 404 from the user path" actuator_closed_except_health
check "the user path sends HSTS, the CSP and security headers, each once" user_path_security_headers
check "bodies over 1 MB are refused (413) except document uploads" request_size_limits
check "server-sent events pass through unbuffered" sse_is_passed_on_unbuffered
check "a burst from one address gets 429 (another address is still served); /api/health never does" rate_limit_answers_429_but_not_health
echo "networking: $((SECONDS - started))s"
e2e_summary
