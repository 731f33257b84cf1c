#!/bin/sh
# MinIO's one-shot set-up, run by `protostar management up` in the minio/mc image (POSIX
# sh: the image has no bash). Idempotent: every step either creates a thing or leaves
# it as this file says, so it runs at every `up`.
#   1. the buckets DOCUMENTS_BUCKET and BACKUPS_BUCKET; the backups bucket versioned, with
#      the lifecycle of lifecycle/backups.json: a deleted or overwritten backup stays
#      restorable as an older version for BACKUP_VERSIONS_KEEP_DAYS, then goes
#   2. three policies from policies/*.json (bucket names filled in): documents read/write
#      for the backend; backups write and read, never delete, for the production host
#      (its key could be stolen with it); backup retention (list, read, delete: a delete
#      leaves the older version) for the management host's backup-retention service.
#      Nothing else: no bucket creation, no other bucket, no admin
#   3. one user (= access key) per policy, its secret from /run/secrets; an existing
#      user gets the secret again, so rotating a secret is: change it, run `up`
# Secrets are read from files and never printed. MC is `mc` unless tests set it.
set -eu

MC=${MC:-mc}
SECRETS=${SECRETS_DIR:-/run/secrets}
POLICIES=${POLICIES_DIR:-$(dirname "$0")/policies}
LIFECYCLE=${LIFECYCLE_DIR:-$(dirname "$0")/lifecycle}
ALIAS=protostar
: "${MINIO_ROOT_USER:?}" "${DOCUMENTS_BUCKET:?}" "${BACKUPS_BUCKET:?}"
: "${MINIO_BACKEND_ACCESS_KEY:?}" "${MINIO_BACKUP_ACCESS_KEY:?}" "${MINIO_RETENTION_ACCESS_KEY:?}"
: "${BACKUP_VERSIONS_KEEP_DAYS:=30}"

secret() { tr -d '\n' <"$SECRETS/$1"; }

# mc reads the alias from MC_HOST_<alias>, so the root password never is an argument.
MC_HOST_protostar="http://${MINIO_ROOT_USER}:$(secret minio_root_password)@${MINIO_ENDPOINT:-minio:9000}"
export MC_HOST_protostar

echo "minio-init: buckets"
"$MC" mb --ignore-existing "$ALIAS/$DOCUMENTS_BUCKET"
"$MC" mb --ignore-existing "$ALIAS/$BACKUPS_BUCKET"
# Versioning first, then the lifecycle: importing replaces the bucket's rules as a whole,
# so running this again leaves exactly these.
"$MC" version enable "$ALIAS/$BACKUPS_BUCKET"
sed "s/\${BACKUP_VERSIONS_KEEP_DAYS}/$BACKUP_VERSIONS_KEEP_DAYS/g" "$LIFECYCLE/backups.json" |
  "$MC" ilm rule import "$ALIAS/$BACKUPS_BUCKET"

# policy NAME ACCESS-KEY SECRET-FILE — the policy (re)written, the user (re)created with
# its secret, the policy attached unless it already is.
policy() {
  name=$1 user=$2 file=$(mktemp)
  sed -e "s/\${DOCUMENTS_BUCKET}/$DOCUMENTS_BUCKET/g" -e "s/\${BACKUPS_BUCKET}/$BACKUPS_BUCKET/g" \
    "$POLICIES/$name.json" >"$file"
  echo "minio-init: policy $name for $user"
  "$MC" admin policy create "$ALIAS" "$name" "$file"
  rm -f "$file"
  # mc takes the secret only as an argument: visible to this short-lived container alone.
  "$MC" admin user add "$ALIAS" "$user" "$(secret "$3")" >/dev/null
  if ! "$MC" admin user info "$ALIAS" "$user" --json | grep -q "\"policyName\": *\"$name\""; then
    "$MC" admin policy attach "$ALIAS" "$name" --user "$user"
  fi
}
policy protostar-documents "$MINIO_BACKEND_ACCESS_KEY" minio_backend_secret_key
policy protostar-backups "$MINIO_BACKUP_ACCESS_KEY" minio_backup_secret_key
policy protostar-backup-retention "$MINIO_RETENTION_ACCESS_KEY" minio_retention_secret_key
echo "minio-init: done"
