#!/usr/bin/env bash
# Summary: Run every test tier: scripts, Java (unit + integration), end-to-end, fresh machine
# Usage: scripts/test.sh [--only scripts|java|e2e|fresh]...
#
# 1. shellcheck + bats for the shell scripts; among the bats files, the guard against
#    checks whose failure set -e ignores (scripts/test/neutered-checks.sh, with shfmt)
# 2. ./mvnw verify: unit tests and Testcontainers integration tests against the real
#    PostgreSQL+pgvector and Redis images (the offline ones built in step 0); the
#    Jenkinsfile parsed as Groovy (scripts/test/jenkinsfile.sh)
# 3. end-to-end: the management host's compose file and configs validated with the real
#    tools (management-config.sh); the two network paths across simulated hosts (cloud
#    proxy passthrough, ops-nginx, production nginx: networking.sh); the production stack
#    from the offline images, under a
#    unique project name on free ports, always torn down; then blue/green deploys under
#    load; then the SSH push deploy between two simulated hosts (ssh-deploy.sh); then
#    backup and restore against S3Proxy, the stand-in for MinIO (backup.sh); then an
#    install of the previous release upgraded by `protostar up` (upgrade.sh)
# 4. fresh machine: the README's two commands on a debootstrapped Debian 12 with no
#    Docker and no JDK 21, so a missing install step cannot hide; the inner run is lean
#    (see FRESH_BATS below)
# On a fresh Debian/Ubuntu machine (as root) it installs what it needs first: the Docker
# engine, Compose v2, shellcheck, bats, GNU parallel (bats runs two tests at a time),
# shfmt, debootstrap. Ends with "N passed, N failed".
set -Eeuo pipefail
PROTOSTAR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PROTOSTAR_ROOT
source "$PROTOSTAR_ROOT/scripts/lib/common.sh"
source "$PROTOSTAR_ROOT/scripts/lib/docker-install.sh"
source "$PROTOSTAR_ROOT/scripts/lib/images.sh"

tiers=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h | --help)
      usage_from_header "$0"
      exit 0
      ;;
    --only)
      [[ "${2:-}" =~ ^(scripts|java|e2e|fresh)$ ]] || abort "--only takes scripts, java, e2e or fresh"
      tiers+=("$2")
      shift
      ;;
    *) abort "unknown option '$1' (see: scripts/test.sh --help)" ;;
  esac
  shift
done
if ((${#tiers[@]} == 0)); then
  tiers=(scripts java e2e fresh)
  # On the fresh machine itself, the tiers that fresh-machine.sh came to run.
  [[ -z "${PROTOSTAR_FRESH_MACHINE:-}" ]] || tiers=(scripts java e2e)
fi
wants() { [[ " ${tiers[*]} " == *" $1 "* ]]; }

# Tools from the OS packages, installed when missing (root on Debian/Ubuntu only);
# TOOL=PACKAGE when the package has another name.
ensure_tools() {
  local missing=() tool
  for tool in "$@"; do command -v "${tool%%=*}" >/dev/null || missing+=("${tool#*=}"); done
  ((${#missing[@]})) || return 0
  can_install_packages || abort "missing tools: ${missing[*]} (install them with your package manager)"
  info "installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
}

# PyYAML for the bats tests that read the management host's YAML (python3-yaml).
ensure_python_yaml() {
  python3 -c 'import yaml' 2>/dev/null && return 0
  can_install_packages || abort "missing: python3-yaml (PyYAML; install it with your package manager)"
  info "installing python3-yaml"
  apt-get update -qq
  apt-get install -y -qq python3-yaml >/dev/null
}

passed=0 failed=0 failures=()
run_tier() {
  local name=$1 started=$SECONDS
  shift
  step "$name" "running"
  if "$@"; then
    passed=$((passed + 1))
    step "$name" "passed in $((SECONDS - started))s"
  else
    failed=$((failed + 1))
    failures+=("$name")
    step "$name" "FAILED after $((SECONDS - started))s"
  fi
}

# Every bash script of the repository, by shebang (from git when this is a clone, so
# ignored files are skipped; from the file tree otherwise, e.g. an unpacked release).
repository_files() {
  git -C "$PROTOSTAR_ROOT" ls-files -co --exclude-standard 2>/dev/null ||
    (cd "$PROTOSTAR_ROOT" && find . -type f -not -path './.git/*' -not -path '*/target/*' | sed 's|^\./||')
}
shell_files() {
  repository_files | while read -r f; do
    [[ -f "$PROTOSTAR_ROOT/$f" && "$f" != *.bats ]] || continue
    # scripts (a shebang) and sourced libraries (a shellcheck shell= directive)
    head -n 1 "$PROTOSTAR_ROOT/$f" | grep -qE '^(#!.*(bash|/sh)|# shellcheck shell=)' && printf '%s\n' "$PROTOSTAR_ROOT/$f"
  done
}

# The fresh tier's inner run (PROTOSTAR_FRESH_MACHINE) proves the install steps on a
# machine that had none of them; the outer run has just run every test of this checkout.
# So there it stays lean: shellcheck on the CLI, the bats files that use the tools
# installed for them (bats, shfmt, PyYAML, the CLI itself), the reactor built without
# its unit tests (they need only the JDK, which building proves; some 70 s) and one
# container-backed test per application, and the production-stack suite (tier_e2e).
FRESH_BATS=(protostar neutered-checks management-config roles markdown-links)
FRESH_JAVA=(-Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
  -Dit.test='BackendApplicationIntegrationTests,WorkerApplicationIntegrationTests'
  -Dfailsafe.failIfNoSpecifiedTests=false)
fresh_inner() { [[ -n "${PROTOSTAR_FRESH_MACHINE:-}" ]]; }

# Four files per shellcheck, as many at once as there are cores: one run over all 83
# files took 88 s here, this 39 s (each following the sourced libraries itself).
# The fresh tier's inner run checks only the CLI: the outer run checked every file.
tier_shellcheck() {
  local files
  if fresh_inner; then
    files=("$PROTOSTAR_ROOT/scripts/protostar")
  else
    mapfile -t files < <(shell_files | sort -u)
  fi
  (cd "$PROTOSTAR_ROOT" && printf '%s\0' "${files[@]}" | xargs -0 -n 4 -P "$(nproc)" shellcheck)
}
# Two files at a time where GNU parallel is there (bats needs it for --jobs): each test
# runs in a directory of its own. Not within a file: a run that way here (bats 1.8.2)
# ended with status 1 though all 451 tests were ok; 34 files balance well enough.
tier_bats() {
  local files=("$PROTOSTAR_ROOT/scripts/test") name jobs=()
  if fresh_inner; then
    files=()
    for name in "${FRESH_BATS[@]}"; do files+=("$PROTOSTAR_ROOT/scripts/test/$name.bats"); done
  fi
  # (moreutils has a `parallel` of its own, which bats cannot drive)
  if parallel --version 2>/dev/null | grep -q '^GNU parallel'; then jobs=(--jobs 2 --no-parallelize-within-files); fi
  bats "${jobs[@]}" "${files[@]}"
}
tier_java() {
  local args=(-B verify)
  if fresh_inner; then args+=("${FRESH_JAVA[@]}"); fi
  if host_can_build; then
    (cd "$PROTOSTAR_ROOT" && ./mvnw "${args[@]}")
  else
    info "no JDK 21 on this host: running the Java tests in a JDK 21 container"
    in_jdk_container offline ./mvnw "${args[@]}"
  fi
}
# The Jenkinsfile parsed as Groovy, with the JDK the Java tier uses.
tier_jenkinsfile() {
  if host_can_build; then
    "$PROTOSTAR_ROOT/scripts/test/jenkinsfile.sh"
  else
    in_jdk_container offline scripts/test/jenkinsfile.sh
  fi
}
# In the fresh tier's nested run only the suite that starts the stack as the README does:
# the others would exercise the same installed tools again and double the command's time.
tier_e2e() {
  local suite status=0 suites=(management-config networking production-stack deploy ssh-deploy backup upgrade)
  ! fresh_inner || suites=(production-stack)
  remove_stale_e2e_networks
  for suite in "${suites[@]}"; do
    "$PROTOSTAR_ROOT/scripts/test/e2e/$suite.sh" || status=1
  done
  e2e_left_nothing_behind || status=1
  return "$status"
}
# Each network holds one of Docker's address pools (31 by default; a suite's stack takes
# three or four) until it is removed: a run that was killed before its teardown leaves its
# networks, and enough of them fail a later run ("could not find an available,
# non-overlapping IPv4 address pool"). Only networks that no container uses go.
remove_stale_e2e_networks() {
  docker network ls --quiet --filter name=protostar-e2e- | xargs -r docker network rm >/dev/null 2>&1 || true
}
# e2e_left_nothing_behind — fails, naming them, when the suites' teardowns left containers
# or networks of theirs (a leak fills the address pools over runs); removes the networks
# no container uses.
e2e_left_nothing_behind() {
  local containers networks
  mapfile -t containers < <(docker ps --all --filter name=protostar-e2e- --format '{{.Names}}')
  mapfile -t networks < <(docker network ls --filter name=protostar-e2e- --format '{{.Name}}')
  ((${#containers[@]} + ${#networks[@]} > 0)) || return 0
  echo "the e2e suites left behind: ${containers[*]} ${networks[*]}" >&2
  remove_stale_e2e_networks
  return 1
}
tier_fresh() { "$PROTOSTAR_ROOT/scripts/test/e2e/fresh-machine.sh"; }

started=$SECONDS
if wants scripts; then
  ensure_tools shellcheck bats shfmt parallel jq python3 openssl ssh-keygen=openssh-client age age-keygen=age
  ensure_python_yaml
  run_tier shellcheck tier_shellcheck
  run_tier bats tier_bats
fi
if wants java || wants e2e || wants fresh; then
  ensure_tools curl openssl jq python3
  ensure_docker
  # Debian's chromium and its driver for the browser tests (production-stack.sh), and age
  # for the encrypted backups (backup.sh): not needed by the fresh tier's inner run,
  # which skips them.
  if wants e2e && [[ -z "${PROTOSTAR_FRESH_MACHINE:-}" ]]; then
    ensure_tools chromium chromedriver=chromium-driver age age-keygen=age
  fi
  step images "building the offline images (skipped when present)"
  build_offline_images
fi
wants java && run_tier java tier_java
wants java && run_tier jenkinsfile tier_jenkinsfile
wants e2e && run_tier e2e tier_e2e
wants fresh && run_tier fresh tier_fresh

echo
echo "Tiers: ${tiers[*]} in $((SECONDS - started))s${failures:+; failed: ${failures[*]}}"
echo "$passed passed, $failed failed"
((failed == 0))
