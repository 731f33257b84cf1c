#!/usr/bin/env bash
# Starts S3Proxy from the upstream image's variables; refuses to start without
# credentials (the upstream image would fall back to well-known ones).
set -Eeuo pipefail
: "${S3PROXY_IDENTITY:?S3PROXY_IDENTITY (the access key) must be set}"
: "${S3PROXY_CREDENTIAL:?S3PROXY_CREDENTIAL (the secret key) must be set}"
mkdir -p "$JCLOUDS_FILESYSTEM_BASEDIR"
# shellcheck disable=SC2086 # S3PROXY_JAVA_OPTS is a list of JVM options
exec java ${S3PROXY_JAVA_OPTS:-} \
  -DLOG_LEVEL="$LOG_LEVEL" \
  -Ds3proxy.endpoint="$S3PROXY_ENDPOINT" \
  -Ds3proxy.authorization="$S3PROXY_AUTHORIZATION" \
  -Ds3proxy.identity="$S3PROXY_IDENTITY" \
  -Ds3proxy.credential="$S3PROXY_CREDENTIAL" \
  -Djclouds.provider="$JCLOUDS_PROVIDER" \
  -Djclouds.identity=unused \
  -Djclouds.credential=unused \
  -Djclouds.filesystem.basedir="$JCLOUDS_FILESYSTEM_BASEDIR" \
  -jar /opt/s3proxy/s3proxy.jar --properties /dev/null
