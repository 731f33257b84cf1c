# shellcheck shell=bash
# Maintenance mode: a snippet in nginx's 443 server block that answers 503 before anything
# reaches a backend. Written by protostar-maintenance; a deploy checks for it (routing.sh,
# deploy.sh), status shows it.

# Both read by protostar-maintenance.
# shellcheck disable=SC2034
MAINTENANCE_MESSAGE_RE='^[A-Za-z0-9 .,:!?()/_+-]{1,200}$'
# shellcheck disable=SC2034
MAINTENANCE_DEFAULT_MESSAGE="Protostar is down for maintenance. Please try again in a few minutes."

maintenance_file() { printf '%s/nginx/maintenance.conf\n' "$STATE_DIR"; }

# maintenance_conf MESSAGE RETRY_AFTER SINCE — the snippet. /api/ answers the JSON
# envelope, every other path a small HTML page, both 503 with Retry-After; /nginx-health
# (an exact location) is untouched. MESSAGE must match MAINTENANCE_MESSAGE_RE (no quotes,
# '$', '\' or markup).
maintenance_conf() {
  local message=$1 retry_after=$2 since=$3
  cat <<CONF
# Written by \`protostar maintenance on\`; \`protostar maintenance off\` removes it.
# since=$since
# message=$message
location ^~ /api/ {
  default_type application/json;
  add_header Retry-After $retry_after always;
  add_header Cache-Control "no-store" always;
  return 503 '{"resultCode":"MAINTENANCE","data":null,"message":"$message"}';
}
location ~ ^/ {
  default_type text/html;
  add_header Retry-After $retry_after always;
  add_header Cache-Control "no-store" always;
  return 503 '<!doctype html><html><head><meta charset="utf-8"><title>Maintenance</title></head><body><h1>Maintenance</h1><p>$message</p></body></html>\n';
}
CONF
}
