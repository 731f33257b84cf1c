# shellcheck shell=bash
# Image names and builds. Third-party images come either from a registry (pinned in
# compose/images/upstream.env) or are built here from Debian 13 packages
# (compose/images/offline.env): the offline path needs no container registry at all.

# shellcheck source=scripts/lib/debian-mirror.sh
source "${PROTOSTAR_ROOT}/scripts/lib/debian-mirror.sh"

readonly OFFLINE_BASE_IMAGE=protostar/debian:trixie
readonly OFFLINE_IMAGES=(postgres redis nginx jre)

# image_of NAME SOURCE — the image a variable (POSTGRES_IMAGE, ...) resolves to for the
# given source, honouring an override in the environment (loaded from .env).
image_of() {
  local var=$1 source=$2 value
  value=${!var:-}
  if [[ -z "$value" ]]; then
    value=$(sed -n "s/^${var}=//p" "$PROTOSTAR_ROOT/compose/images/$source.env")
  fi
  printf '%s\n' "$value"
}

# Where build logs go: kept after a failure, so the full output can be read.
log_file() {
  local dir=${PROTOSTAR_LOG_DIR:-${TMPDIR:-/tmp}/protostar-logs}
  mkdir -p "$dir"
  printf '%s/%s.log\n' "$dir" "$1"
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# The version the app images are tagged with: the commit, marked when the tree differs.
app_version() {
  if [[ -n "${PROTOSTAR_APP_VERSION:-}" ]]; then
    printf '%s\n' "$PROTOSTAR_APP_VERSION"
  elif git -C "$PROTOSTAR_ROOT" rev-parse --short=12 HEAD >/dev/null 2>&1; then
    local v
    v=$(git -C "$PROTOSTAR_ROOT" rev-parse --short=12 HEAD)
    git -C "$PROTOSTAR_ROOT" diff --quiet HEAD -- backend ai-worker pom.xml 2>/dev/null || v+=-dirty
    printf '%s\n' "$v"
  else
    printf 'dev\n'
  fi
}

# A Debian 13 root file system from the host's mirror, imported as a Docker image.
build_offline_base() {
  local mirror rootfs
  mirror=$(debian_mirror) || abort "no Debian mirror found in /etc/apt; set PROTOSTAR_DEBIAN_MIRROR"
  if ! command -v debootstrap >/dev/null; then
    if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null; then
      abort "debootstrap is missing: install it (apt-get install debootstrap) and retry"
    fi
    info "installing debootstrap"
    apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null
  fi
  rootfs=$(mktemp -d /var/tmp/protostar-rootfs.XXXXXX)
  info "debootstrap trixie from $mirror"
  if ! debootstrap --variant=minbase --include=ca-certificates trixie "$rootfs" "$mirror" >"$rootfs.log" 2>&1; then
    rm -rf "$rootfs"
    tail -20 "$rootfs.log" >&2
    abort "debootstrap failed (full log: $rootfs.log)"
  fi
  rm -f "$rootfs.log"
  # Container-friendly apt: no recommends, no caches left in layers.
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$rootfs/etc/apt/apt.conf.d/90protostar"
  printf 'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb || true"; };\n' >>"$rootfs/etc/apt/apt.conf.d/90protostar"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  if ! tar -C "$rootfs" -c . | docker import --change 'ENV DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8' \
    --change 'CMD ["bash"]' - "$OFFLINE_BASE_IMAGE" >/dev/null; then
    rm -rf "$rootfs"
    abort "docker import of the Debian root file system failed"
  fi
  rm -rf "$rootfs"
}

# build_offline_images [--rebuild] — every third-party image of the production stack.
build_offline_images() {
  local rebuild=${1:-} name image
  if [[ "$rebuild" == --rebuild ]] || ! image_exists "$OFFLINE_BASE_IMAGE"; then
    step "base" "building $OFFLINE_BASE_IMAGE with debootstrap"
    build_offline_base
  fi
  for name in "${OFFLINE_IMAGES[@]}"; do
    image=$(sed -n "s/^${name^^}_IMAGE=//p" "$PROTOSTAR_ROOT/compose/images/offline.env")
    if [[ "$rebuild" == --rebuild ]] || ! image_exists "$image"; then
      step "$name" "building $image"
      quietly "$(log_file "image-$name")" docker build --build-arg "BASE_IMAGE=$OFFLINE_BASE_IMAGE" \
        -t "$image" "$PROTOSTAR_ROOT/compose/images/$name"
    fi
  done
}

# build_app_images SOURCE VERSION — backend and ai-worker from this checkout.
build_app_images() {
  local source=$1 version=$2 jre app
  jre=$(image_of JRE_IMAGE "$source")
  if ! image_exists "protostar/backend:$version" || ! image_exists "protostar/ai-worker:$version"; then
    build_app_jars "$source"
  fi
  for app in backend ai-worker; do
    image_exists "protostar/$app:$version" && continue
    step "$app" "building protostar/$app:$version"
    quietly "$(log_file "image-$app")" docker build -f "$PROTOSTAR_ROOT/$app/Dockerfile" \
      --build-arg "BASE_IMAGE=$jre" --build-arg "VERSION=$version" -t "protostar/$app:$version" "$PROTOSTAR_ROOT"
  done
}

# host_can_build — the host has a JDK 21+ for ./mvnw.
host_can_build() { MVNW_PRINT_JAVA_HOME=1 "$PROTOSTAR_ROOT/mvnw" >/dev/null 2>&1; }

# in_jdk_container SOURCE CMD... — runs CMD in this checkout inside the JDK 21 image
# (built from Debian packages when offline). The checkout is mounted at its own path and
# the container shares the host's network and Docker socket, so Testcontainers works
# from inside as it does on the host; the Maven repository is kept in a volume.
in_jdk_container() {
  local source=$1 jdk
  shift
  jdk=$(image_of JDK_IMAGE "$source")
  if [[ "$source" == offline ]] && ! image_exists "$jdk"; then
    step "jdk" "no JDK 21 on this host: building $jdk"
    quietly "$(log_file image-jdk)" docker build --build-arg "BASE_IMAGE=$OFFLINE_BASE_IMAGE" \
      -t "$jdk" "$PROTOSTAR_ROOT/compose/images/jdk"
  fi
  # The host's own certificate authorities (a TLS-inspecting corporate proxy, say) are
  # trusted inside too, or Maven could not reach its repository through them.
  local -a trust=()
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    trust=(-v /usr/local/share/ca-certificates:/usr/local/share/ca-certificates:ro)
  fi
  docker run --rm --network host -v /var/run/docker.sock:/var/run/docker.sock \
    -v "$PROTOSTAR_ROOT:$PROTOSTAR_ROOT" -w "$PROTOSTAR_ROOT" "${trust[@]}" \
    -v protostar-maven-repository:/root/.m2 "$jdk" \
    bash -c 'update-ca-certificates >/dev/null 2>&1 || true; exec "$@"' in-jdk-container "$@"
}

# build_app_jars SOURCE — ./mvnw package on the host when it has a JDK 21+, otherwise in
# the JDK container (Debian 12, for one, ships only JDK 17).
build_app_jars() {
  local source=$1
  if host_can_build; then
    step "jar" "building the application jars (./mvnw package)"
    quietly "$(log_file jars)" "$PROTOSTAR_ROOT/mvnw" -B -f "$PROTOSTAR_ROOT/pom.xml" -DskipTests package
  else
    step "jar" "building the application jars in a JDK 21 container"
    quietly "$(log_file jars)" in_jdk_container "$source" ./mvnw -B -DskipTests package
  fi
}
