# shellcheck shell=bash
# The arguments of deploy and rollback: the service, the image a tag or reference names,
# and the options (the canary's among them). Builders only: nothing runs, so tests call
# them directly. Sourced by deploy.sh.
# shellcheck disable=SC2034 # the option values are read by deploy.sh and the commands

# shellcheck source=scripts/lib/canary.sh
source "$PROTOSTAR_ROOT/scripts/lib/canary.sh"

DEPLOYABLE_SERVICES="backend ai-worker"
DEPLOY_TAG_RE='^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$'
DEPLOY_NAME_COMPONENT='[a-z0-9]+([._-]+[a-z0-9]+)*'
DEPLOY_REFERENCE_RE="^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]+)?/)?$DEPLOY_NAME_COMPONENT(/$DEPLOY_NAME_COMPONENT)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?\$"

# check_service SERVICE — prints why SERVICE cannot be deployed (nothing when it can).
check_service() {
  case "$1" in
    backend | ai-worker) ;;
    *) echo "unknown service '$1' (deployable: $DEPLOYABLE_SERVICES)" ;;
  esac
}

# image_reference SERVICE ARG — the image ARG names: a bare tag means
# protostar/SERVICE:TAG; anything with '/', ':' or '@' is a full reference, which must
# carry a tag or a digest. Fails (prints nothing) when ARG is neither.
image_reference() {
  local service=$1 arg=$2
  if [[ "$arg" =~ $DEPLOY_TAG_RE ]]; then
    printf 'protostar/%s:%s\n' "$service" "$arg"
  elif [[ "$arg" =~ $DEPLOY_REFERENCE_RE ]] && [[ "${arg##*/}" == *:* || "$arg" == *@* ]]; then
    printf '%s\n' "$arg"
  else
    return 1
  fi
}

# The options' values, the words deploy_options left over, and the options given.
DEPLOY_KEEP_WARM="" DEPLOY_WARM_MINUTES="" DEPLOY_DRAIN=5 DEPLOY_TIMEOUT=300 DEPLOY_GRACE=60 DEPLOY_ARGS=() DEPLOY_GIVEN=()

# The options each command and service takes (deploy_options reads them all, so that a
# value is checked before the service is known).
DEPLOY_BACKEND_OPTIONS="--keep-warm --warm-for --drain --timeout --canary --step --max-error-rate --max-p95 --min-requests"
DEPLOY_WORKER_OPTIONS="--grace --timeout"
ROLLBACK_BACKEND_OPTIONS="--keep-warm --warm-for --drain --timeout"

# only_options WHAT ALLOWED — aborts when an option given is not among ALLOWED (words):
# an option that does not apply is refused, never ignored.
only_options() {
  local what=$1 allowed=" $2 " option
  for option in "${DEPLOY_GIVEN[@]}"; do
    [[ "$allowed" == *" $option "* ]] || abort "$option is not an option of '$what' (its options: $2)"
  done
}

# deploy_options ARGS... — the options of deploy and rollback into their DEPLOY_* and
# CANARY_* variables, the other words (service, version) into DEPLOY_ARGS, in order.
# Aborts on a bad value or an unknown option.
deploy_options() {
  DEPLOY_ARGS=() DEPLOY_GIVEN=()
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --keep-warm) DEPLOY_KEEP_WARM=1 DEPLOY_GIVEN+=("$1") ;;
      -*)
        deploy_option_value "$1" "${2:-}"
        DEPLOY_GIVEN+=("$1")
        shift
        ;;
      *) DEPLOY_ARGS+=("$1") ;;
    esac
    shift
  done
}

# deploy_option_value OPTION VALUE — one option that takes a value.
deploy_option_value() {
  local option=$1 value=$2 steps
  case "$option" in
    --drain | --timeout | --grace | --min-requests | --max-p95)
      [[ "$value" =~ ^[0-9]{1,6}$ ]] || abort "$option needs a whole number (got '$value')"
      case "$option" in
        --drain) DEPLOY_DRAIN=$((10#$value)) ;;
        --timeout)
          DEPLOY_TIMEOUT=$((10#$value))
          ((DEPLOY_TIMEOUT > 0)) || abort "--timeout must be at least 1 second"
          ;;
        --grace) DEPLOY_GRACE=$((10#$value)) ;;
        --min-requests) CANARY_MIN_REQUESTS=$((10#$value)) ;;
        --max-p95) CANARY_MAX_P95_MS=$((10#$value)) ;;
      esac
      ;;
    --warm-for)
      if [[ ! "$value" =~ ^[0-9]{1,4}$ ]] || ((10#$value > 1440)); then
        abort "--warm-for needs a number of minutes from 0 to 1440 (got '$value')"
      fi
      DEPLOY_WARM_MINUTES=$((10#$value))
      ;;
    --canary)
      steps=$(canary_steps "$value") || abort "$steps"
      CANARY_STEPS=$steps
      ;;
    --step)
      if ! CANARY_STEP_SECONDS=$(duration_seconds "$value") || ((CANARY_STEP_SECONDS == 0)); then
        abort "--step takes a duration such as 30s or 2m (got '$value')"
      fi
      ;;
    --max-error-rate)
      if [[ ! "$value" =~ ^[0-9]{1,3}(\.[0-9]+)?$ ]] || ! awk -v r="$value" 'BEGIN { exit !(r <= 100) }'; then
        abort "--max-error-rate takes a percentage between 0 and 100 (got '$value')"
      fi
      CANARY_MAX_ERROR_RATE=$value
      ;;
    *) unknown_option "$option" ;;
  esac
}
