# shellcheck shell=bash
# The stack's containers, through Docker's own CLI rather than Compose on the paths that
# must be quick: `docker ps` and `docker exec` answer in tens of milliseconds where each
# `docker compose` call first loads the project (~0.2 s), and a rollback to a warm colour
# is a handful of such calls. Needs COMPOSE_PROJECT_NAME (config.sh). Sourced by
# routing.sh, backend-colors.sh, worker-deploy.sh, pitr.sh and protostar-jobs.

# service_containers SERVICE [--all] — ids of the stack's containers of SERVICE (running
# ones unless --all), newest first.
service_containers() {
  local -a filters=(--filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME"
    --filter "label=com.docker.compose.service=$1")
  [[ "${2:-}" == --all ]] && filters+=(--all) || filters+=(--filter status=running)
  docker ps --quiet --no-trunc "${filters[@]}" 2>/dev/null
}

# running_app_services — the app services (each backend colour, ai-worker) that have a
# running container: what a restore stops and starts again.
running_app_services() {
  local service
  for service in backend-blue backend-green ai-worker; do
    [[ -z "$(service_containers "$service")" ]] || printf '%s\n' "$service"
  done
}

# strip_terminal_codes — compose writes cursor controls (ESC[2K) even into pipes.
strip_terminal_codes() { sed 's/\x1b\[[0-9;]*[A-Za-z]//g'; }

# CPU weights while the cores are all busy. A starting JVM (class loading, JIT, Flyway,
# connection pools) takes every core it can get; on a 2-core host the serving colour's
# requests then waited past their clients' timeouts. While a backend colour or a new
# ai-worker starts it has a lower weight: it still gets what the others leave idle, and
# waits when they have work. DEPLOY_WARMUP_CPU_SHARES (.env, default 64) is that weight,
# below the running ai-worker's (AI_WORKER_CPU_SHARES, 128) and far below the serving
# colour's (1024): the kernel serves the serving colour first, then the worker, then
# what starts.
warmup_cpu_shares() { printf '%s\n' "${DEPLOY_WARMUP_CPU_SHARES:-64}"; }

# set_cpu_shares SHARES ID... — the containers' CPU weight, changed at runtime (`docker
# update`): what the kernel gives each when the cores are all busy, relative to the
# others' (Docker's default 1024). Compose does not see it: it compares its config hash
# label, which `docker update` leaves alone, so `up` and its dry runs do not count the
# container as changed. A stopped or created container keeps it for its next start.
set_cpu_shares() {
  local shares=$1
  shift
  docker update --cpu-shares "$shares" "$@" >/dev/null 2>&1
}
