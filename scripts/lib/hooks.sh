# shellcheck shell=bash
# Hooks: STATE_DIR/hooks/pre-deploy and post-deploy, plain executables the operator adds,
# run with the change in their environment. Sourced by deploy.sh and worker-deploy.sh.

# shellcheck source=scripts/lib/change.sh
source "$PROTOSTAR_ROOT/scripts/lib/change.sh"

# run_hook NAME — STATE_DIR/hooks/NAME when present, with the change in its environment:
# PROTOSTAR_ACTION, _SERVICE, _FROM and _TO (images), _COLOR (the colour that will serve).
run_hook() {
  local hook="$STATE_DIR/hooks/$1"
  [[ -e "$hook" ]] || return 0
  if [[ ! -x "$hook" ]]; then
    warn "hook $hook is not executable: make it executable or remove it"
    return 1
  fi
  info "      running hook $1"
  PROTOSTAR_ACTION=$DEPLOY_ACTION PROTOSTAR_SERVICE=$DEPLOY_SERVICE PROTOSTAR_FROM=$DEPLOY_FROM \
    PROTOSTAR_TO=$DEPLOY_TO PROTOSTAR_COLOR=$DEPLOY_TO_COLOR \
    timeout "${PROTOSTAR_HOOK_TIMEOUT:-300}" "$hook" >&2
}
