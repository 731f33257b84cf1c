# shellcheck shell=bash
# Image names and builds. Third-party images come either from a registry (pinned in
# compose/images/upstream.env) or are built here from Debian 13 packages
# (compose/images/offline.env): the offline path needs no container registry at all.
# Sourced once however many libraries need it (its constants are read-only).
[[ -z "${PROTOSTAR_IMAGES_SH:-}" ]] || return 0
PROTOSTAR_IMAGES_SH=1

# shellcheck source=scripts/lib/debian-mirror.sh
source "${PROTOSTAR_ROOT}/scripts/lib/debian-mirror.sh"

readonly OFFLINE_BASE_IMAGE=protostar/debian:trixie
# In build order: object-store is built on jre.
readonly OFFLINE_IMAGES=(postgres redis nginx node-exporter nginx-exporter postgres-exporter redis-exporter
  container-metrics jre
  object-store)
# Built from their recipes on the upstream path too (compose/images/upstream.env).
# shellcheck disable=SC2034 # read by stack.sh
readonly DEBIAN_ONLY_IMAGES=(node-exporter nginx-exporter postgres-exporter redis-exporter container-metrics)
readonly S3PROXY_VERSION=3.0.0

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

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# image_version IMAGE — the PROTOSTAR_VERSION an app image was built with (nothing when
# it has none).
image_version() {
  docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$1" 2>/dev/null |
    sed -n 's/^PROTOSTAR_VERSION=//p' | head -n 1
}

# image_id_version IMAGE — "ID VERSION": the image's id and its PROTOSTAR_VERSION (empty
# when it has none), in one call; fails when IMAGE is not in Docker.
image_id_version() {
  local out line version=""
  out=$(docker image inspect -f '{{println .Id}}{{range .Config.Env}}{{println .}}{{end}}' "$1" 2>/dev/null) || return 1
  while IFS= read -r line; do
    [[ "$line" != PROTOSTAR_VERSION=* ]] || {
      version=${line#*=}
      break
    }
  done <<<"$out"
  printf '%s %s\n' "${out%%$'\n'*}" "$version"
}

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

# build_offline_image NAME IMAGE — compose/images/NAME built as IMAGE from Debian
# packages (the base first, when missing), unless IMAGE exists already. For the hosts
# that need one or two offline images (management host, cloud proxy).
build_offline_image() {
  local name=$1 image=$2
  offline_image_current "$name" "$image" && return 0
  image_exists "$OFFLINE_BASE_IMAGE" || {
    step base "building $OFFLINE_BASE_IMAGE with debootstrap"
    build_offline_base
  }
  build_from_recipe "$name" "$image"
}

# recipe_digest NAME — a digest of the recipe of an offline image (every file of
# compose/images/NAME), kept on the image as a label.
recipe_digest() {
  (cd "$PROTOSTAR_ROOT/compose/images/$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum) |
    sha256sum | cut -c1-16
}

# offline_image_current NAME IMAGE — IMAGE is present and was built from the recipe as it
# is now. A release that changes a recipe (a new entrypoint, say) keeps the tag; without
# this the host would go on running the image built from the old recipe.
offline_image_current() {
  image_exists "$2" &&
    [[ "$(docker image inspect -f '{{index .Config.Labels "dev.protostar.recipe"}}' "$2" 2>/dev/null)" == "$(recipe_digest "$1")" ]]
}

# build_from_recipe NAME IMAGE — IMAGE from compose/images/NAME on the offline base,
# labelled with the recipe's digest.
build_from_recipe() {
  local name=$1 image=$2
  if image_exists "$image"; then
    step "$name" "rebuilding $image: its recipe changed"
  else
    step "$name" "building $image"
  fi
  quietly "$(log_file "image-$name")" docker build --build-arg "BASE_IMAGE=$OFFLINE_BASE_IMAGE" \
    --label "dev.protostar.recipe=$(recipe_digest "$name")" -t "$image" "$PROTOSTAR_ROOT/compose/images/$name"
}

# recorded_image_source DIR [FLAG] — offline or upstream for a host without state.env
# (management host, cloud proxy): FLAG, recorded in DIR/image-source, else what was
# recorded there before, else upstream.
recorded_image_source() {
  local dir=$1 flag=${2:-} file="$1/image-source"
  if [[ -n "$flag" ]]; then
    mkdir -p "$dir"
    printf '%s\n' "$flag" >"$file"
    printf '%s\n' "$flag"
  elif [[ -f "$file" ]]; then
    cat "$file"
  else
    printf 'upstream\n'
  fi
}

# build_offline_images [--rebuild] — every third-party image of the production stack.
build_offline_images() {
  local rebuild=${1:-} name var image
  if [[ "$rebuild" == --rebuild ]] || ! image_exists "$OFFLINE_BASE_IMAGE"; then
    step "base" "building $OFFLINE_BASE_IMAGE with debootstrap"
    build_offline_base
  fi
  for name in "${OFFLINE_IMAGES[@]}"; do
    var=${name//-/_}
    image=$(sed -n "s/^${var^^}_IMAGE=//p" "$PROTOSTAR_ROOT/compose/images/offline.env")
    [[ "$rebuild" == --rebuild ]] || ! offline_image_current "$name" "$image" || continue
    if [[ "$name" == object-store ]]; then
      step "$name" "building $image"
      build_object_store_image "$image"
    else
      build_from_recipe "$name" "$image"
    fi
  done
}

# build_object_store_image IMAGE — S3Proxy's jar from Maven Central (./mvnw, on the host
# or in the JDK container) into a build context with the recipe, on the offline JRE.
build_object_store_image() {
  local image=$1 context
  context=$(mktemp -d "${TMPDIR:-/tmp}/protostar-object-store.XXXXXX")
  cp -r "$PROTOSTAR_ROOT/compose/images/object-store/." "$context/"
  s3proxy_jar "$context/s3proxy.jar"
  quietly "$(log_file image-object-store)" docker build --label "dev.protostar.recipe=$(recipe_digest object-store)" \
    --build-arg "JRE_IMAGE=$(sed -n 's/^JRE_IMAGE=//p' "$PROTOSTAR_ROOT/compose/images/offline.env")" -t "$image" "$context" ||
    { rm -rf "$context" && return 1; }
  rm -rf "$context"
}

# s3proxy_jar FILE — S3Proxy's self-contained jar (org.gaul:s3proxy, jar-with-dependencies)
# copied to FILE, fetched with ./mvnw into the local Maven repository: the host's when it
# has a JDK 21, else the JDK container's (a Docker volume, read back through a container).
s3proxy_jar() {
  local file=$1 artifact="org.gaul:s3proxy:$S3PROXY_VERSION:jar:jar-with-dependencies"
  local path="org/gaul/s3proxy/$S3PROXY_VERSION/s3proxy-$S3PROXY_VERSION-jar-with-dependencies.jar"
  if host_can_build; then
    quietly "$(log_file s3proxy-jar)" "$PROTOSTAR_ROOT/mvnw" -q -B -f "$PROTOSTAR_ROOT/pom.xml" dependency:get \
      "-Dartifact=$artifact" -Dtransitive=false
    cp "${MAVEN_REPOSITORY:-$HOME/.m2/repository}/$path" "$file"
  else
    quietly "$(log_file s3proxy-jar)" in_jdk_container offline ./mvnw -q -B dependency:get "-Dartifact=$artifact" -Dtransitive=false
    docker run --rm -v protostar-maven-repository:/m2:ro "$(image_of JRE_IMAGE offline)" cat "/m2/repository/$path" >"$file"
  fi
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
