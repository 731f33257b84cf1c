#!/usr/bin/env bash
# Summary: The README's promise on a fresh Debian 12 machine: `up`, then the tests
# Usage: scripts/test/e2e/fresh-machine.sh [--keep]
#
# Makes a Debian 12 system with debootstrap (no Docker, no JDK 21 — as a new server
# comes), runs it as a container with every capability and its own Docker data, copies this
# checkout in (committed files only, as a clone would have them), and runs there, as
# root, exactly what the README says: `scripts/protostar up`, a request to the printed
# URL, then `scripts/test.sh`. Everything it needs must be installed by the commands
# themselves. Takes about 5 minutes (the last tier of scripts/test.sh). --keep leaves
# the container for inspection.
set -Eeuo pipefail
PROTOSTAR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
export PROTOSTAR_ROOT
source "$PROTOSTAR_ROOT/scripts/lib/common.sh"
source "$PROTOSTAR_ROOT/scripts/lib/docker-install.sh"
handle_help "$@"
keep=""
[[ "${1:-}" == --keep ]] && keep=1

readonly MACHINE_IMAGE=protostar-test/debian12-fresh
# What a Debian 12 server has after installation; deliberately no Docker and no JDK.
readonly SERVER_PACKAGES=ca-certificates,openssl,curl,git,procps,iproute2,python3,iptables

ensure_docker
if ! docker image inspect "$MACHINE_IMAGE" >/dev/null 2>&1; then
  step 1/4 "making a fresh Debian 12 system with debootstrap"
  mirror=$(debian_mirror) || abort "no Debian mirror found in /etc/apt"
  rootfs=$(mktemp -d /var/tmp/protostar-fresh.XXXXXX)
  if ! debootstrap --variant=minbase --include="$SERVER_PACKAGES" bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1; then
    rm -rf "$rootfs"
    tail -20 "$rootfs.log" >&2
    abort "debootstrap failed (log: $rootfs.log)"
  fi
  # The host's apt sources, so the fresh machine uses the same mirror (as it would).
  rm -f "$rootfs/etc/apt/sources.list"
  cp -r /etc/apt/sources.list.d "$rootfs/etc/apt/"
  cp /etc/apt/sources.list "$rootfs/etc/apt/" 2>/dev/null || true
  # ...and the host's local certificate authorities, as a server on this network has.
  cp -r /usr/local/share/ca-certificates/. "$rootfs/usr/local/share/ca-certificates/" 2>/dev/null || true
  chroot "$rootfs" update-ca-certificates >/dev/null 2>&1 || true
  tar -C "$rootfs" -c . | docker import --change 'CMD ["sleep", "infinity"]' - "$MACHINE_IMAGE" >/dev/null
  rm -rf "$rootfs" "$rootfs.log"
fi

machine="protostar-fresh-$$"
cleanup() {
  local status=$?
  if [[ -n "$keep" ]]; then
    info "kept: docker exec -it $machine bash; remove with: docker rm -f -v $machine"
  else
    docker rm -f -v "$machine" >/dev/null 2>&1 || true
  fi
  exit "$status"
}
trap cleanup EXIT

step 2/4 "starting the machine (all capabilities, own /var/lib/docker)"
# What --privileged gives, spelled out: some sandboxes withhold a capability
# (CAP_SYS_RESOURCE here), and --privileged then fails as a whole. Docker inside needs
# the rest: mounts, iptables, writable cgroups and unmasked /proc.
docker run -d --name "$machine" --hostname fresh-debian12 \
  --cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined \
  --security-opt apparmor=unconfined --security-opt systempaths=unconfined \
  -v /sys/fs/cgroup:/sys/fs/cgroup:rw -v /var/lib/docker -e CI=true -e PROTOSTAR_FRESH_MACHINE=1 \
  "$MACHINE_IMAGE" >/dev/null
# A clone of the committed work, as a user gets it (the bundle carries the history).
bundle=$(mktemp /tmp/protostar-fresh.XXXXXX.bundle)
git -C "$PROTOSTAR_ROOT" bundle create "$bundle" HEAD 2>/dev/null
docker cp "$bundle" "$machine:/root/protostar.bundle"
rm -f "$bundle"
docker exec "$machine" git clone -q /root/protostar.bundle /root/protostar

on_machine() { docker exec -w /root/protostar "$machine" bash -c "$1"; }

step 3/4 "on the machine: scripts/protostar up"
on_machine 'scripts/protostar up' | tee /tmp/protostar-fresh-up.log
url=$(sed -n 's/^Protostar is running: //p' /tmp/protostar-fresh-up.log)
[[ -n "$url" ]] || abort "up printed no URL"
on_machine "curl -fsS --cacert .protostar/tls/tls.crt '${url}api/health'" || abort "the printed URL does not answer"
echo

step 4/4 "on the machine: scripts/test.sh"
# Its exit status decides (pipefail); the filter only keeps the tier and check lines.
if ! on_machine 'scripts/test.sh' 2>&1 | tee /tmp/protostar-fresh-test.log |
  grep -E '^\[|passed|failed|FAIL|^ok   |^     \|'; then
  abort "the tests failed on the fresh machine (log: /tmp/protostar-fresh-test.log)"
fi
echo "fresh machine: 1 passed, 0 failed"
