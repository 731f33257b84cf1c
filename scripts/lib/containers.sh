# shellcheck shell=bash
# The stack's containers, through Docker's own CLI rather than Compose on the paths that
# must be quick: `docker ps` and `docker exec` answer in tens of milliseconds where each
# `docker compose` call first loads the project (~0.2 s), and a rollback to a warm colour
# is a handful of such calls. Needs COMPOSE_PROJECT_NAME (config.sh). Sourced by
# routing.sh, backend-colors.sh, worker-deploy.sh and protostar-jobs.

# service_containers SERVICE [--all] — ids of the stack's containers of SERVICE (running
# ones unless --all), newest first.
service_containers() {
  local -a filters=(--filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME"
    --filter "label=com.docker.compose.service=$1")
  [[ "${2:-}" == --all ]] && filters+=(--all) || filters+=(--filter status=running)
  docker ps --quiet --no-trunc "${filters[@]}" 2>/dev/null
}

# strip_terminal_codes — compose writes cursor controls (ESC[2K) even into pipes.
strip_terminal_codes() { sed 's/\x1b\[[0-9;]*[A-Za-z]//g'; }
