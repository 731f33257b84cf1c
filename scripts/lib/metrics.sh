# shellcheck shell=bash
# The production host's metrics listener (nginx, port METRICS_PORT): the files `up` writes
# for it into STATE_DIR/nginx, and the host's own figures node-exporter publishes from
# STATE_DIR/metrics (its textfile collector). Needs config.sh.

# shellcheck source=scripts/lib/nginx-access.sh
source "$PROTOSTAR_ROOT/scripts/lib/nginx-access.sh"

# The user the management host's Prometheus scrapes as.
readonly METRICS_USER=prometheus
# The exporters' services (production.yml): started, or recreated when changed, by `up`
# (nobody's requests go through them).
# shellcheck disable=SC2034 # read by protostar-up
readonly EXPORTER_SERVICES=(nginx-exporter node-exporter postgres-exporter redis-exporter container-metrics)

metrics_dir() { printf '%s/metrics\n' "$STATE_DIR"; }

# metrics_access_conf — the listener's allow-list: METRICS_ALLOW, nobody when empty.
metrics_access_conf() {
  printf '# Written by protostar up from %s (METRICS_ALLOW); edits are overwritten.\n' "$(env_file)"
  allow_list_conf "${METRICS_ALLOW:-}"
}

# metrics_password_current FILE — FILE holds METRICS_USER with a hash of METRICS_PASSWORD
# (the hash is salted: hashing again with the same salt tells).
metrics_password_current() {
  local line salt
  line=$(cat "$1" 2>/dev/null) || return 1
  [[ "$line" =~ ^$METRICS_USER:\$6\$([^\$]+)\$ ]] || return 1
  salt=${BASH_REMATCH[1]}
  [[ "$line" == "$METRICS_USER:$(openssl passwd -6 -salt "$salt" -stdin <<<"$METRICS_PASSWORD")" ]]
}

# write_metrics_access — STATE_DIR/nginx/metrics-access.conf and metrics-htpasswd, each
# replaced atomically when it changed. Prints "changed" when one did: a running nginx
# reads them at its next reload.
write_metrics_access() {
  local dir=$STATE_DIR/nginx changed=""
  mkdir -p "$dir"
  if ! metrics_access_conf | cmp -s - "$dir/metrics-access.conf"; then
    metrics_access_conf >"$dir/.metrics-access.conf.new"
    chmod 644 "$dir/.metrics-access.conf.new"
    mv "$dir/.metrics-access.conf.new" "$dir/metrics-access.conf"
    changed=1
  fi
  if ! metrics_password_current "$dir/metrics-htpasswd"; then
    htpasswd_line "$METRICS_USER" "$METRICS_PASSWORD" >"$dir/.metrics-htpasswd.new"
    restrict_to_nginx "$dir/.metrics-htpasswd.new" "$dir/metrics-htpasswd" "protostar up"
    mv "$dir/.metrics-htpasswd.new" "$dir/metrics-htpasswd"
    changed=1
  fi
  [[ -z "$changed" ]] || echo changed
}

# certificate_metrics FILE — when the public certificate expires, for the alert that
# warns two weeks ahead.
certificate_metrics() {
  local end
  end=$(openssl x509 -in "$1" -noout -enddate | sed 's/^notAfter=//')
  printf '%s\n' '# HELP protostar_tls_certificate_expiry_timestamp_seconds When the certificate expires (Unix time).' \
    '# TYPE protostar_tls_certificate_expiry_timestamp_seconds gauge' \
    "protostar_tls_certificate_expiry_timestamp_seconds{certificate=\"public\"} $(date -u -d "$end" +%s)"
}

# backup_metrics BYTES — the backup just verified: when, and its size.
backup_metrics() {
  printf '%s\n' '# HELP protostar_backup_last_success_timestamp_seconds When the last backup was verified (Unix time).' \
    '# TYPE protostar_backup_last_success_timestamp_seconds gauge' \
    "protostar_backup_last_success_timestamp_seconds $(date -u +%s)" \
    '# HELP protostar_backup_last_size_bytes The size of the last verified backup.' \
    '# TYPE protostar_backup_last_size_bytes gauge' \
    "protostar_backup_last_size_bytes $1"
}

# write_host_metric NAME — STATE_DIR/metrics/NAME.prom from the lines on stdin, replaced
# atomically (node-exporter must never read half a file).
write_host_metric() {
  local dir tmp
  dir=$(metrics_dir)
  mkdir -p "$dir"
  tmp=$(mktemp "$dir/.$1.XXXXXX")
  cat >"$tmp"
  chmod 644 "$tmp"
  mv "$tmp" "$dir/$1.prom"
}
