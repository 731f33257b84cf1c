# shellcheck shell=bash
# The audit log: one line per attempted change in STATE_DIR/audit.log, key=value pairs.
# The colours of a backend change are "color=blue->green"; lines written before that
# spelling was settled say "colour=blue->green" and stay as they are: whatever reads the
# log accepts both keys. Sourced by change.sh and protostar-status.

audit_file() { printf '%s/audit.log\n' "$STATE_DIR"; }

# audit_line TIME ACTION SERVICE USER FROM TO FROM_COLOR TO_COLOR RESULT REASON SECONDS
# — one line of the log: key=value pairs, the reason quoted; no color pair for a service
# without colours (ai-worker).
audit_line() {
  local time=$1 action=$2 service=$3 user=$4 from=$5 to=$6 from_color=$7 to_color=$8
  local result=$9 reason=${10} seconds=${11} line
  line="$time action=$action service=$service user=$user from=${from:--} to=${to:--}"
  [[ -z "$from_color$to_color" ]] || line+=" color=${from_color:--}->${to_color:--}"
  line+=" result=$result"
  if [[ -n "$reason" ]]; then
    reason=${reason//$'\n'/ }
    line+=" reason=\"${reason//\"/\'}\""
  fi
  printf '%s duration=%ss\n' "$line" "$seconds"
}

# append_audit LINE — LINE at the end of the log.
append_audit() {
  [[ -d "$STATE_DIR" ]] || mkdir -p "$STATE_DIR"
  printf '%s\n' "$1" >>"$STATE_DIR/audit.log" # audit_file, without a fork
}
