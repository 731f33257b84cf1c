# shellcheck shell=bash
# S3Proxy (org.gaul:s3proxy from Maven Central) as the stand-in for MinIO, which cannot
# be pulled here: a real S3 API server that checks Signature V4, runs on the JRE image
# protostar/jre:21 and keeps its objects in a directory of the caller's. Used by the
# backup e2e suite and the backup benchmark.

# The jar comes from s3proxy_jar in scripts/lib/images.sh (sourced first), which also
# builds the production stack's embedded object store from it.

# s3proxy_start NAME DIR PORT ACCESS SECRET [DOCKER ARGS...] — S3Proxy on 127.0.0.1:PORT,
# ready when this returns. In its container it listens on MinIO's port, 9000: a gateway
# in front of it finds it as MinIO.
s3proxy_start() {
  local name=$1 dir=$2 port=$3 access=$4 secret=$5 i
  shift 5
  [[ -f "$dir/s3proxy.jar" ]] || s3proxy_jar "$dir/s3proxy.jar"
  # Run on its own (not after the test command built every image, or after `uninstall
  # --purge` removed them), the JRE image may be missing: no registry would supply it.
  build_offline_image jre "$(image_of JRE_IMAGE offline)"
  # The filesystem blob store keeps metadata in extended attributes: a host directory
  # has them where tmpfs may not.
  mkdir -p "$dir/s3data"
  cat >"$dir/s3proxy.conf" <<CONF
s3proxy.endpoint=http://0.0.0.0:9000
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$access
s3proxy.credential=$secret
jclouds.provider=filesystem
jclouds.filesystem.basedir=/data
CONF
  docker run -d --name "$name" -p "127.0.0.1:$port:9000" -v "$dir/s3proxy.jar:/opt/s3proxy.jar:ro" \
    -v "$dir/s3proxy.conf:/opt/s3proxy.conf:ro" -v "$dir/s3data:/data" "$@" "$(image_of JRE_IMAGE offline)" \
    java -Xmx512m -jar /opt/s3proxy.jar --properties /opt/s3proxy.conf >/dev/null
  for ((i = 0; i < 60; i++)); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && return 0
    sleep 1
  done
  docker logs --tail 30 "$name" >&2
  return 1
}
