#!/usr/bin/env bash
# Summary: End-to-end test of the SSH push deploy: an agent ships and deploys over SSH through the gate
# Usage: scripts/test/e2e/ssh-deploy.sh [--keep]
#
# Two simulated hosts on two separate Docker networks, from scripts/test/e2e/ssh-host:
#   production host  container on network <project>-prod running sshd, with the deploy
#                    user set up by the real `protostar deploy-user setup`, the host's
#                    Docker socket (its stack is the test host's engine) and this checkout
#                    and the test directory mounted at their own paths (Compose bind
#                    mounts are resolved by the engine, on the test host)
#   agent            container on network <project>-mgmt with the deploy key and the
#                    pinned known_hosts only (no .env, no state): it runs the scripts the
#                    Jenkinsfile calls
# The production host's public address is the mgmt network's gateway G: sshd and the
# stack's nginx are published there, as a real host publishes ports. The agent reaches
# nothing else of it (checked). The stack itself is started from the test host with
# `protostar up --offline` (existing app images are reused).
#
# Checks: a new commit's image goes build → ship (docker save | ssh load-image) → blue/
# green deploy over SSH → smoke test through the public URL; an image production never
# had arrives only through load-image; commands outside the gate are refused and logged;
# a wrong host key aborts before anything is sent; a release failing its smoke test is
# rolled back. Always tears everything down (--keep leaves it for inspection).
set -Eeuo pipefail
PROTOSTAR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
export PROTOSTAR_ROOT
source "$PROTOSTAR_ROOT/scripts/lib/common.sh"
source "$PROTOSTAR_ROOT/scripts/test/e2e/lib.sh"
handle_help "$@"
keep=""
[[ "${1:-}" == --keep ]] && keep=1

die() {
  echo "check failed: $*" >&2
  exit 1
}

e2e_setup ssh-deploy
ID=${E2E_PROJECT##*-}
HOST_IMAGE=protostar-e2e/ssh-host:$ID
PROD=$E2E_PROJECT-prod AGENT=$E2E_PROJECT-agent
MGMT_NET=$E2E_PROJECT-mgmt PROD_NET=$E2E_PROJECT-prod
NEW_TAG=e2e-ssh-$ID DRILL_TAG=e2e-ssh-drill-$ID
AGENT_DIR=$E2E_DIR/agent
SSH_PORT=$(free_port)
mkdir -p "$AGENT_DIR"

cleanup() {
  local status=$1
  if [[ "$status" != 0 || "$E2E_FAILED" != 0 ]]; then
    echo "---- sshd of the production host ----" >&2
    docker logs --tail 60 "$PROD" >&2 2>&1 || true
    echo "---- gate.log ----" >&2
    cat "$E2E_DIR/state/gate.log" >&2 2>/dev/null || true
  fi
  if [[ -z "$keep" ]]; then
    docker rm -f "$AGENT" "$PROD" >/dev/null 2>&1 || true
    docker network rm "$MGMT_NET" "$PROD_NET" >/dev/null 2>&1 || true
  fi
  e2e_teardown "$status"
  [[ -n "$keep" ]] || docker image rm "protostar/backend:$NEW_TAG" "protostar/backend:$DRILL_TAG" "$HOST_IMAGE" >/dev/null 2>&1 || true
}
trap 'cleanup $?' EXIT

# --- Helpers ----------------------------------------------------------------------------------
# agent CMD... — a command on the agent, in the checkout, with the deploy settings.
agent() { docker exec -i -w "$PROTOSTAR_ROOT" "$AGENT" "$@"; }
# agent_ssh [SSH ARGS...] HOST [COMMAND] — a raw ssh from the agent with the deploy key and the
# pinned host key, not through protostar remote (which would refuse a bad command itself).
agent_ssh() {
  agent ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=/agent/known_hosts \
    -o IdentitiesOnly=yes -i /agent/id_ed25519 -p "$SSH_PORT" -l protostar-deploy "$@"
}
state_value() { sed -n "s/^$1=//p" "$E2E_DIR/state/state.env"; }
image_version_of() {
  docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$1" | sed -n 's/^PROTOSTAR_VERSION=//p'
}
# served_by — "colour version" from X-Protostar-Backend, through the public address.
served_by() {
  curl -fsS -o /dev/null -D - --cacert "$TLS_DIR/tls.crt" --resolve "localhost:$HTTPS_PORT:$GATEWAY" \
    "https://localhost:$HTTPS_PORT/api/health" | tr -d '\r' | sed -n 's/^x-protostar-backend: //Ip'
}
gate_lines() { if [[ -f "$E2E_DIR/state/gate.log" ]]; then wc -l <"$E2E_DIR/state/gate.log"; else echo 0; fi; }
# reachable FROM_CONTAINER ADDRESS PORT — a TCP connection opens within 3 s.
reachable() { docker exec "$1" timeout 3 bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null; }

# --- Set-up ------------------------------------------------------------------------------------
two_hosts_on_separate_networks() {
  docker build -q -t "$HOST_IMAGE" "$PROTOSTAR_ROOT/scripts/test/e2e/ssh-host" >/dev/null 2>&1 || die "building $HOST_IMAGE"
  docker network create "$MGMT_NET" >/dev/null || die "network $MGMT_NET"
  docker network create "$PROD_NET" >/dev/null || die "network $PROD_NET"
  GATEWAY=$(docker network inspect -f '{{(index .IPAM.Config 0).Gateway}}' "$MGMT_NET")
  echo "$GATEWAY" >"$E2E_DIR/gateway"
  # The production host's public address: nginx publishes there too.
  sed -i "s|^BIND_ADDRESS=.*|BIND_ADDRESS=$GATEWAY|" "$PROTOSTAR_ENV_FILE"
  docker run -d --name "$PROD" --hostname prod --network "$PROD_NET" -p "$GATEWAY:$SSH_PORT:22" \
    -v /var/run/docker.sock:/var/run/docker.sock -v "$PROTOSTAR_ROOT:$PROTOSTAR_ROOT:ro" \
    -v "$E2E_DIR:$E2E_DIR" "$HOST_IMAGE" >/dev/null || die "starting $PROD"
  docker run -d --name "$AGENT" --hostname agent --network "$MGMT_NET" \
    -v /var/run/docker.sock:/var/run/docker.sock -v "$PROTOSTAR_ROOT:$PROTOSTAR_ROOT:ro" -v "$AGENT_DIR:/agent" \
    -e "PROTOSTAR_DEPLOY_HOST=$GATEWAY" -e "PROTOSTAR_DEPLOY_PORT=$SSH_PORT" \
    -e PROTOSTAR_DEPLOY_KEY=/agent/id_ed25519 -e PROTOSTAR_DEPLOY_KNOWN_HOSTS=/agent/known_hosts \
    -e "PROTOSTAR_PUBLIC_URL=https://localhost:$HTTPS_PORT/" -e PROTOSTAR_PUBLIC_CACERT=/agent/ca.crt \
    -e "PROTOSTAR_PUBLIC_RESOLVE=localhost:$HTTPS_PORT:$GATEWAY" -e TMPDIR=/tmp \
    "$HOST_IMAGE" sleep 1800 >/dev/null || die "starting $AGENT"
  # The key pair is made on the agent (the private key never leaves it).
  agent ssh-keygen -q -t ed25519 -N '' -C "jenkins@agent" -f /agent/id_ed25519 || die "ssh-keygen"
}

stack_up_on_the_production_host() {
  # Reuse app images present for one tag (the CI run's), instead of building them again.
  local tag="" t
  for t in $(docker images protostar/backend --format '{{.Tag}}' | grep -v '^e2e' || true); do
    if docker image inspect "protostar/ai-worker:$t" >/dev/null 2>&1; then
      tag=$t
      break
    fi
  done
  echo "app images: ${tag:-none, building them}"
  PROTOSTAR_APP_VERSION=${tag:-} protostar up --offline >"$E2E_DIR/up.log" 2>&1 || {
    tail -n 30 "$E2E_DIR/up.log"
    return 1
  }
  BASE_IMAGE_REF=$(state_value BACKEND_BLUE_IMAGE)
  echo "$BASE_IMAGE_REF" >"$E2E_DIR/base.image"
  cp "$TLS_DIR/tls.crt" "$AGENT_DIR/ca.crt"
  [[ $(served_by) == "blue $(image_version_of "$BASE_IMAGE_REF")" ]] || die "served by: $(served_by)"
}

setup_subcommand_installs_the_gate() {
  docker exec "$PROD" "$PROTOSTAR_ROOT/scripts/protostar" deploy-user setup --key "$AGENT_DIR/id_ed25519.pub" \
    --env-file "$PROTOSTAR_ENV_FILE" --host "$GATEWAY" --port "$SSH_PORT" >"$E2E_DIR/setup.out" 2>&1 || {
    cat "$E2E_DIR/setup.out"
    return 1
  }
  cat "$E2E_DIR/setup.out"
  # The pinned host key: the lines setup printed on the production host, never a scan.
  grep "^\[$GATEWAY\]:$SSH_PORT ssh-" "$E2E_DIR/setup.out" >"$AGENT_DIR/known_hosts" || die "no known_hosts lines"
  docker exec "$PROD" id protostar-deploy | grep -v docker || die "the deploy user is in the docker group"
  docker exec "$PROD" stat -c '%U %a' /var/lib/protostar-deploy/.ssh/authorized_keys | grep -qx 'root 644' || die "authorized_keys owner/mode"
}

# --- Checks ------------------------------------------------------------------------------------
agent_reaches_only_the_published_ports() {
  local prod_ip backend_ip
  prod_ip=$(docker inspect -f "{{(index .NetworkSettings.Networks \"$PROD_NET\").IPAddress}}" "$PROD")
  backend_ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' \
    "$(protostar_compose ps -q backend-blue)" | awk '{ print $1 }')
  reachable "$AGENT" "$GATEWAY" "$SSH_PORT" || die "the published SSH port is not reachable"
  reachable "$AGENT" "$GATEWAY" "$HTTPS_PORT" || die "the published HTTPS port is not reachable"
  ! reachable "$AGENT" "$prod_ip" 22 || die "the agent reaches the production container's own address"
  ! reachable "$AGENT" "$backend_ip" 8080 || die "the agent reaches a backend directly"
  echo "agent -> $GATEWAY:$SSH_PORT (ssh) and :$HTTPS_PORT (https) only; not $prod_ip:22, not $backend_ip:8080"
}

version_over_ssh_with_the_pinned_key() {
  [[ $(agent scripts/protostar remote version) == "protostar-gate 1" ]]
}

# The Jenkinsfile's stages for one commit, run on the agent: build (a new tag: an image
# with another PROTOSTAR_VERSION, standing in for `protostar images build`, which the
# other tiers test), ship, deploy, smoke test.
commit_goes_from_build_to_blue_green_switch_over_ssh() {
  local before rc=0
  printf 'FROM %s\nENV PROTOSTAR_VERSION=%s\n' "$(cat "$E2E_DIR/base.image")" "$NEW_TAG" |
    agent docker build -q -t "protostar/backend:$NEW_TAG" - >/dev/null || die "build"
  before=$(gate_lines)
  agent scripts/protostar remote ship "$NEW_TAG" backend || die "ship"
  agent scripts/protostar remote deploy backend "$NEW_TAG" --drain 1 >"$E2E_DIR/deploy.out" 2>&1 || rc=$?
  cat "$E2E_DIR/deploy.out"
  ((rc == 0)) || die "deploy exit $rc"
  grep -q "^Deployed protostar/backend:$NEW_TAG on green" "$E2E_DIR/deploy.out" || die "no summary"
  agent scripts/protostar smoke "$NEW_TAG" || die "smoke"
  [[ $(served_by) == "green $NEW_TAG" ]] || die "served by: $(served_by)"
  [[ $(state_value ACTIVE_COLOR) == green ]] || die "state"
  tail -n 1 "$E2E_DIR/state/audit.log" | grep -E " action=deploy service=backend user=protostar-deploy@[0-9.]+ .* to=protostar/backend:$NEW_TAG color=blue->green result=ok" ||
    die "audit: $(tail -n 1 "$E2E_DIR/state/audit.log")"
  tail -n "+$((before + 1))" "$E2E_DIR/state/gate.log"
  tail -n "+$((before + 1))" "$E2E_DIR/state/gate.log" | grep -q "result=loaded command=\"load-image\" reason=\"protostar/backend:$NEW_TAG\"" || die "no load in gate.log"
}

# An image the production host never had: saved on the agent, removed from the engine,
# then sent through the gate. Afterwards it exists again: load-image put it there.
image_arrives_only_through_load_image() {
  printf 'FROM protostar/backend:%s\nENV PROTOSTAR_DRILL_FAIL_PERCENT=100 PROTOSTAR_VERSION=%s\n' "$NEW_TAG" "$DRILL_TAG" |
    agent docker build -q -t "protostar/backend:$DRILL_TAG" - >/dev/null || die "build"
  agent sh -c "docker save protostar/backend:$DRILL_TAG >/agent/drill.tar" || die "save"
  docker image rm "protostar/backend:$DRILL_TAG" >/dev/null || die "rmi"
  ! docker image inspect "protostar/backend:$DRILL_TAG" >/dev/null 2>&1 || die "still there"
  agent sh -c 'scripts/protostar remote load-image </agent/drill.tar' | grep -x "loaded protostar/backend:$DRILL_TAG" || die "load-image"
  rm -f "$AGENT_DIR/drill.tar"
  [[ $(image_version_of "protostar/backend:$DRILL_TAG") == "$DRILL_TAG" ]]
}

# refused_over_ssh COMMAND — run by a raw ssh with the deploy key: exit 2, the gate's
# refusal, nothing else on the output, and a refusal line in gate.log. The output is left
# in $E2E_DIR/refused.out.
refused_over_ssh() {
  local rc=0 out before
  before=$(gate_lines)
  out=$(agent_ssh "$GATEWAY" "$1" 2>&1) || rc=$?
  printf '%s\n' "$out" >"$E2E_DIR/refused.out"
  echo "ssh '$1' -> exit $rc: $out"
  ((rc == 2)) || die "exit status $rc"
  [[ "$out" == "protostar-gate: refused: "* && $(wc -l <<<"$out") -eq 1 ]] || die "output: $out"
  tail -n "+$((before + 1))" "$E2E_DIR/state/gate.log" | grep -E "client=[0-9.]+ user=protostar-deploy result=refused" || die "not logged"
}
rejected_commands_are_refused_and_logged() {
  refused_over_ssh 'cat /etc/shadow'
  # The shadow file's content never came back (it has a root line to show).
  docker exec "$PROD" grep -q '^root:' /etc/shadow || die "control: no root line in the host's /etc/shadow"
  if grep -q '^root:' "$E2E_DIR/refused.out"; then die "the shadow file came back"; fi
  refused_over_ssh 'deploy backend x;id'
  # shellcheck disable=SC2016 # sent literally: the gate must refuse it
  refused_over_ssh 'status $(id)'
  refused_over_ssh 'docker ps'
  refused_over_ssh 'load-image; sh'
  # No shell, no pty: an interactive login (no command) is refused too.
  local rc=0 out
  out=$(agent_ssh "$GATEWAY" </dev/null 2>&1) || rc=$?
  echo "interactive login -> exit $rc: $out"
  ((rc == 2)) || die "interactive login: exit $rc"
  [[ "$out" == *"refused: no command"* ]] || die "interactive login"
  rc=0
  out=$(agent_ssh -tt "$GATEWAY" version </dev/null 2>&1) || rc=$?
  echo "with a pty -> exit $rc: $out"
  [[ "$out" == *"PTY allocation request failed"* ]] || die "a pty was allocated"
  # No port forwarding: the server refuses a remote forward, and the client stops
  # (ExitOnForwardFailure). A local forward (-L) is refused the same way by `restrict`,
  # though only once a connection is made through it.
  rc=0
  out=$(agent_ssh -o ExitOnForwardFailure=yes -R "127.0.0.1:15999:127.0.0.1:22" "$GATEWAY" version 2>&1) || rc=$?
  echo "port forwarding -> exit $rc: $out"
  ((rc == 255)) || die "forwarding was not refused"
}

wrong_host_key_aborts_before_anything_is_sent() {
  local rc=0 before out
  agent ssh-keygen -q -t ed25519 -N '' -f /agent/impostor || die "keygen"
  sed "s|ssh-ed25519 .*|$(cut -d' ' -f1,2 "$AGENT_DIR/impostor.pub")|" "$AGENT_DIR/known_hosts" | grep ssh-ed25519 >"$AGENT_DIR/wrong_known_hosts"
  before=$(gate_lines)
  out=$(agent env PROTOSTAR_DEPLOY_KNOWN_HOSTS=/agent/wrong_known_hosts scripts/protostar remote ship "$NEW_TAG" backend 2>&1) || rc=$?
  echo "$out"
  ((rc != 0)) || die "ship succeeded with a wrong host key"
  grep -q "does not match the pinned one in /agent/wrong_known_hosts: not connecting" <<<"$out" || die "message"
  ! tail -n "+$((before + 1))" "$E2E_DIR/state/gate.log" | grep 'command="load-image"' || die "the gate saw the ship"
}

# The Jenkinsfile's deploy and smoke test for a release that fails every request: the
# deploy switches (the release answers with its version), the smoke test fails, and the
# post-failure rollback returns the previous version.
smoke_failure_after_the_switch_rolls_back() {
  agent scripts/protostar remote deploy backend "$DRILL_TAG" --drain 1 >"$E2E_DIR/drill.out" 2>&1 || {
    cat "$E2E_DIR/drill.out"
    die "the drill deploy failed (it should switch)"
  }
  [[ $(served_by) == "blue $DRILL_TAG" ]] || die "the drill release does not serve: $(served_by)"
  local rc=0
  agent scripts/protostar smoke "$DRILL_TAG" --timeout 10 >"$E2E_DIR/smoke.out" 2>&1 || rc=$?
  cat "$E2E_DIR/smoke.out"
  ((rc == 1)) || die "smoke exit $rc"
  grep -q "status 500, resultCode DRILL_FAULT" "$E2E_DIR/smoke.out" || die "no DRILL_FAULT seen"
  # post { failure { sh 'scripts/protostar remote rollback backend' } }
  agent scripts/protostar remote rollback backend --drain 1 || die "rollback"
  [[ $(served_by) == "green $NEW_TAG" ]] || die "served by: $(served_by)"
  agent scripts/protostar smoke "$NEW_TAG" --timeout 20 || die "the previous release does not pass the smoke test"
  tail -n 1 "$E2E_DIR/state/audit.log" | grep -E " action=rollback service=backend user=protostar-deploy@[0-9.]+ from=protostar/backend:$DRILL_TAG to=protostar/backend:$NEW_TAG .*result=ok"
}

status_over_ssh() { agent scripts/protostar remote status | grep -x "Active colour: green"; }

check "two hosts on separate networks: production (sshd, the engine's socket) and the agent" two_hosts_on_separate_networks
GATEWAY=$(cat "$E2E_DIR/gateway" 2>/dev/null || echo 127.0.0.1)
check "the stack runs on the production host, published on its public address $GATEWAY" stack_up_on_the_production_host
check "deploy-user setup on the production host: the gate's user, key, sudo rule; the host key to pin" setup_subcommand_installs_the_gate
check "the agent reaches the production host only through its published SSH and HTTPS ports" agent_reaches_only_the_published_ports
check "remote version over SSH with the pinned host key answers from the gate" version_over_ssh_with_the_pinned_key
check "a commit goes build → ship (save | ssh load-image) → blue/green deploy over SSH → smoke test" commit_goes_from_build_to_blue_green_switch_over_ssh
check "an image production never had arrives through load-image alone" image_arrives_only_through_load_image
check "commands outside the gate are refused over SSH and logged; no shell, pty or forwarding" rejected_commands_are_refused_and_logged
check "a wrong host key aborts the ship before anything reaches the production host" wrong_host_key_aborts_before_anything_is_sent
check "a release failing the smoke test after the switch is rolled back" smoke_failure_after_the_switch_rolls_back
check "remote status over SSH shows the serving colour" status_over_ssh

echo "gate log of this run:"
sed 's/^/  /' "$E2E_DIR/state/gate.log" 2>/dev/null || true
e2e_summary
