# shellcheck shell=bash
# S3Proxy (org.gaul:s3proxy from Maven Central) as the stand-in for MinIO, which cannot
# be pulled here: a real S3 API server that checks Signature V4, runs on the JRE image
# protostar/jre:21 and keeps its objects in a directory of the caller's. Used by the
# backup e2e suite and the backup benchmark.

readonly S3PROXY_VERSION=3.0.0

# s3proxy_jar DIR — the jar-with-dependencies copied to DIR/s3proxy.jar, fetched with
# ./mvnw on the host when it has a JDK 21, else in the JDK container (its Maven
# repository is a Docker volume, read back through a throw-away container).
s3proxy_jar() {
  local dir=$1 artifact="org.gaul:s3proxy:$S3PROXY_VERSION:jar:jar-with-dependencies"
  local path="org/gaul/s3proxy/$S3PROXY_VERSION/s3proxy-$S3PROXY_VERSION-jar-with-dependencies.jar"
  if host_can_build; then
    quietly "$dir/s3proxy-get.log" "$PROTOSTAR_ROOT/mvnw" -q -B -f "$PROTOSTAR_ROOT/pom.xml" dependency:get "-Dartifact=$artifact" -Dtransitive=false
    cp "${MAVEN_REPOSITORY:-$HOME/.m2/repository}/$path" "$dir/s3proxy.jar"
  else
    quietly "$dir/s3proxy-get.log" in_jdk_container offline ./mvnw -q -B dependency:get "-Dartifact=$artifact" -Dtransitive=false
    docker run --rm -v protostar-maven-repository:/m2:ro "$(image_of JRE_IMAGE offline)" cat "/m2/repository/$path" >"$dir/s3proxy.jar"
  fi
}

# s3proxy_start NAME DIR PORT ACCESS SECRET [DOCKER ARGS...] — S3Proxy on 127.0.0.1:PORT,
# ready when this returns.
s3proxy_start() {
  local name=$1 dir=$2 port=$3 access=$4 secret=$5 i
  shift 5
  [[ -f "$dir/s3proxy.jar" ]] || s3proxy_jar "$dir"
  # The filesystem blob store keeps metadata in extended attributes: a host directory
  # has them where tmpfs may not.
  mkdir -p "$dir/s3data"
  cat >"$dir/s3proxy.conf" <<CONF
s3proxy.endpoint=http://0.0.0.0:8080
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$access
s3proxy.credential=$secret
jclouds.provider=filesystem
jclouds.filesystem.basedir=/data
CONF
  docker run -d --name "$name" -p "127.0.0.1:$port:8080" -v "$dir/s3proxy.jar:/opt/s3proxy.jar:ro" \
    -v "$dir/s3proxy.conf:/opt/s3proxy.conf:ro" -v "$dir/s3data:/data" "$@" "$(image_of JRE_IMAGE offline)" \
    java -Xmx512m -jar /opt/s3proxy.jar --properties /opt/s3proxy.conf >/dev/null
  for ((i = 0; i < 60; i++)); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && return 0
    sleep 1
  done
  docker logs --tail 30 "$name" >&2
  return 1
}
