# shellcheck shell=bash
# The CI side of the SSH deploy: the settings (environment variables, documented in
# jenkins/deploy.env.example) and the exact ssh command line built from them. Builders
# only; protostar-remote runs them.
#
# The host key is always checked against a pinned known_hosts file
# (StrictHostKeyChecking=yes, nothing read from ~/.ssh or /etc/ssh): a host that shows
# another key is not talked to, whatever the key's reason to change.

# shellcheck source=scripts/lib/gate.sh
source "$PROTOSTAR_ROOT/scripts/lib/gate.sh"

# remote_settings_problems — what is missing or malformed in the settings, one a line.
remote_settings_problems() {
  local host=${PROTOSTAR_DEPLOY_HOST:-} port=${PROTOSTAR_DEPLOY_PORT:-22} user=${PROTOSTAR_DEPLOY_USER:-protostar-deploy}
  local key=${PROTOSTAR_DEPLOY_KEY:-} known=${PROTOSTAR_DEPLOY_KNOWN_HOSTS:-}
  if [[ -z "$host" ]]; then
    echo "PROTOSTAR_DEPLOY_HOST is not set (the production host's name or address)"
  elif [[ ! "$host" =~ ^[A-Za-z0-9]([A-Za-z0-9.:-]*[A-Za-z0-9])?$ ]]; then
    echo "PROTOSTAR_DEPLOY_HOST=$host is not a host name or an address"
  fi
  if [[ ! "$port" =~ ^[1-9][0-9]{0,4}$ ]] || ((port > 65535)); then
    echo "PROTOSTAR_DEPLOY_PORT=$port is not a port number"
  fi
  [[ "$user" =~ ^[a-z_][a-z0-9_-]{0,30}$ ]] || echo "PROTOSTAR_DEPLOY_USER=$user is not a user name"
  if [[ -z "$key" ]]; then
    echo "PROTOSTAR_DEPLOY_KEY is not set (the deploy key's private key file)"
  elif [[ ! -r "$key" ]]; then
    echo "PROTOSTAR_DEPLOY_KEY=$key is not a readable file"
  fi
  if [[ -z "$known" ]]; then
    echo "PROTOSTAR_DEPLOY_KNOWN_HOSTS is not set (the pinned host key: protostar deploy-user show, on the production host)"
  elif [[ ! -s "$known" ]]; then
    echo "PROTOSTAR_DEPLOY_KNOWN_HOSTS=$known is missing or empty: pin the production host's key first"
  fi
  local timeout=${PROTOSTAR_DEPLOY_CONNECT_TIMEOUT:-15}
  [[ "$timeout" =~ ^[1-9][0-9]{0,3}$ ]] || echo "PROTOSTAR_DEPLOY_CONNECT_TIMEOUT=$timeout is not a number of seconds"
}

# remote_ssh_command — the ssh command line (one word a line) that runs a gate command
# (appended by the caller) on the production host. -F /dev/null: no user or system
# ssh_config can weaken these options; -T: no pty (the key would refuse one anyway).
remote_ssh_command() {
  printf '%s\n' ssh -F /dev/null -T \
    -o BatchMode=yes \
    -o StrictHostKeyChecking=yes \
    -o "UserKnownHostsFile=$PROTOSTAR_DEPLOY_KNOWN_HOSTS" \
    -o GlobalKnownHostsFile=/dev/null \
    -o UpdateHostKeys=no \
    -o IdentitiesOnly=yes \
    -o "IdentityFile=$PROTOSTAR_DEPLOY_KEY" \
    -o IdentityAgent=none \
    -o ForwardAgent=no \
    -o ForwardX11=no \
    -o ClearAllForwardings=yes \
    -o "ConnectTimeout=${PROTOSTAR_DEPLOY_CONNECT_TIMEOUT:-15}" \
    -o ServerAliveInterval=15 \
    -o ServerAliveCountMax=4 \
    -o LogLevel=ERROR \
    -p "${PROTOSTAR_DEPLOY_PORT:-22}" \
    -l "${PROTOSTAR_DEPLOY_USER:-protostar-deploy}" \
    "$PROTOSTAR_DEPLOY_HOST" --
}

# remote_ssh_failure STDERR — what a failed connection (ssh exit 255) means, in words.
remote_ssh_failure() {
  local target="${PROTOSTAR_DEPLOY_USER:-protostar-deploy}@$PROTOSTAR_DEPLOY_HOST:${PROTOSTAR_DEPLOY_PORT:-22}"
  if grep -q 'REMOTE HOST IDENTIFICATION HAS CHANGED\|Host key verification failed\|No .* host key is known' <<<"$1"; then
    echo "the host key of $target does not match the pinned one in $PROTOSTAR_DEPLOY_KNOWN_HOSTS: not connecting. A new key means a reinstalled host or someone in between: compare it with 'protostar deploy-user show' on the production host before pinning it again"
  elif grep -q 'Permission denied' <<<"$1"; then
    echo "$target refused the deploy key ($PROTOSTAR_DEPLOY_KEY): is it the one 'protostar deploy-user setup' installed?"
  else
    echo "could not reach $target over SSH: $(tail -n 1 <<<"$1")"
  fi
}
