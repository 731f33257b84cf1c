# shellcheck shell=bash
# Releases of the checkout: which one runs, what changes between two, and the version
# their app images carry. A release is a commit of this repository; the app images of a
# release are tagged with its 12-character commit id (app_version). Used by
# protostar-upgrade; needs config.sh (the state) loaded.

# shellcheck source=scripts/lib/backend-colors.sh
source "$PROTOSTAR_ROOT/scripts/lib/backend-colors.sh"

# Where the database migrations live (Flyway reads them from the contract module).
readonly MIGRATIONS_DIR=ai-worker/contract/src/main/resources/db/migration
# What the app images are built from: a change here needs new images.
readonly APP_SOURCES=(backend ai-worker pom.xml .mvn mvnw)

in_checkout() { git -C "$PROTOSTAR_ROOT" "$@"; }

# commit_of REV — the full commit id REV names here, or nothing (status 1).
commit_of() { in_checkout rev-parse --quiet --verify "$1^{commit}" 2>/dev/null; }

# release_version COMMIT — the tag of that release's app images.
release_version() { in_checkout rev-parse --short=12 "$1"; }

# running_release — the commit of the release this host runs: the one the last upgrade
# recorded, else the one the serving backend's image was built from (its tag is a
# commit id when `up` or `images build` made it here). Nothing when neither tells.
running_release() {
  if [[ -n "${RELEASE:-}" ]] && commit_of "$RELEASE"; then
    return 0
  fi
  deployed_app_commit
}

# deployed_app_commit — the commit the running app images were built from, when their
# tag names one (a hand build such as "hotfix-7" does not).
deployed_app_commit() {
  local image tag
  image=$(color_image "${ACTIVE_COLOR:-blue}" 2>/dev/null) || return 1
  tag=${image##*:}
  [[ "$tag" =~ ^[0-9a-f]{7,40}$ ]] || return 1
  commit_of "$tag"
}

# app_sources_differ FROM TO — whether the app images of TO differ from FROM's.
app_sources_differ() { ! in_checkout diff --quiet "$1" "$2" -- "${APP_SOURCES[@]}"; }

# changed_paths FROM TO [PATH...] — the files that differ, one per line.
changed_paths() { in_checkout diff --name-only "$1" "$2" -- "${@:3}"; }

# migrations_only_in A B — the migrations A has and B does not (their file names).
migrations_only_in() {
  comm -23 <(in_checkout ls-tree --name-only "$1" "$MIGRATIONS_DIR/" | sed 's|.*/||' | sort) \
    <(in_checkout ls-tree --name-only "$2" "$MIGRATIONS_DIR/" | sed 's|.*/||' | sort)
}

# migrations_left_behind FROM_IMAGE TO_IMAGE — for going back from one app image to
# another: the migrations FROM's release has and TO's does not, on one line, when both
# images are tagged with commits of this checkout (nothing otherwise).
migrations_left_behind() {
  local from to
  from=$(commit_of "${1##*:}") && to=$(commit_of "${2##*:}") || return 0
  migrations_only_in "$from" "$to" | paste -sd' '
}

# count_lines — how many non-empty lines stdin has.
count_lines() { grep -c . || true; }

# release_changes FROM TO — what an upgrade from FROM to TO changes, for the operator to
# read before it starts: the commits, the app images, the compose files, the gateway's
# templates, the CLI, and the migrations either way (going back leaves newer ones applied).
release_changes() {
  local from=$1 to=$2 commits app compose nginx scripts added newer
  commits=$(in_checkout rev-list --count "$from..$to")
  printf '  release      %s -> %s (%s commit(s); %s back)\n' "$(release_version "$from")" \
    "$(release_version "$to")" "$commits" "$(in_checkout rev-list --count "$to..$from")"
  if app_sources_differ "$from" "$to"; then
    app="new images protostar/backend:$(release_version "$to") and protostar/ai-worker:$(release_version "$to"), deployed blue/green and rolling"
  else
    app="unchanged (no app source differs)"
  fi
  printf '  app images   %s\n' "$app"
  compose=$(changed_paths "$from" "$to" compose | count_lines)
  nginx=$(changed_paths "$from" "$to" nginx | count_lines)
  scripts=$(changed_paths "$from" "$to" scripts | count_lines)
  printf '  compose      %s file(s) changed%s\n' "$compose" "$( ((compose == 0)) || echo ": 'up' applies them (a data store or nginx restarts only with --yes)")"
  printf '  nginx        %s template(s) changed\n' "$nginx"
  printf '  scripts      %s file(s) changed\n' "$scripts"
  added=$(migrations_only_in "$to" "$from" | paste -sd' ')
  printf '  migrations   %s\n' "${added:-none new}"
  newer=$(migrations_only_in "$from" "$to" | paste -sd' ')
  if [[ -n "$newer" ]]; then
    printf '  going back   %s stay applied: the older release starts over them (Flyway ignores migrations it does not know), so they must not break it\n' "$newer"
  fi
}
