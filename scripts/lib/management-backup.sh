# shellcheck shell=bash
# The management host's own backup: what a new management host needs to take over, in
# one archive encrypted with age for recipients whose private keys are kept off the hosts.
# Commands: protostar management backup | restore. Sourced after management.sh, with the
# management settings loaded.
#
# In the archive (a tar of these, then encrypted):
#   settings/.env.management        the settings file and its secrets
#   state.tar                       MANAGEMENT_STATE_DIR: certificates, the deploy key,
#                                   known_hosts, ops-nginx's access files, alerting
#   files/<NAME>.tar                OPS_TLS_DIR, the deploy key and known_hosts when they
#                                   are kept outside the state directory
#   jenkins-home.tar                JENKINS_HOME_DIR without what Jenkins rebuilds
#                                   (workspaces, caches, the plugins its image brings)
#   volumes/<service>.tar           Grafana's data (users, preferences, annotations),
#                                   Alertmanager's (silences), MinIO's configuration
#                                   (.minio.sys: users, policies, access keys)
#   manifest                        when, from which project, where each part belongs
# Not in it: MinIO's buckets (the production backups, which hold the documents' files
# too: replicate that bucket off the host, compose/BACKUPS.md), Prometheus' and Loki's
# data (history; a new host collects anew).

# shellcheck source=scripts/lib/management.sh
source "$PROTOSTAR_ROOT/scripts/lib/management.sh"

# What each service's volume holds that is worth keeping: SERVICE:PATH in its container.
readonly MANAGEMENT_BACKUP_VOLUMES=(grafana:/var/lib/grafana alertmanager:/alertmanager minio:/data/.minio.sys)
# Left out of Jenkins' home: rebuilt by Jenkins or brought by its image.
readonly JENKINS_HOME_EXCLUDES=(./workspace ./caches ./plugins ./war ./.cache ./logs './jobs/*/workspace*')

# management_backup_recipients — MANAGEMENT_BACKUP_AGE_RECIPIENTS, one per line.
management_backup_recipients() {
  local recipient
  for recipient in ${MANAGEMENT_BACKUP_AGE_RECIPIENTS//,/ }; do printf '%s\n' "$recipient"; done
}

# management_backup_name — this project's archive name for now: PROJECT-<UTC time>.tar.age.
management_backup_name() { printf '%s-%s.tar.age\n' "$MANAGEMENT_PROJECT_NAME" "$(date -u +%Y%m%dT%H%M%SZ)"; }

# management_backups DIR — this project's archives in DIR, newest first.
management_backups() {
  local name
  find "$1" -maxdepth 1 -type f -name "$MANAGEMENT_PROJECT_NAME-*.tar.age" -printf '%f\n' 2>/dev/null |
    while read -r name; do
      [[ "$name" =~ ^${MANAGEMENT_PROJECT_NAME}-[0-9]{8}T[0-9]{6}Z\.tar\.age$ ]] && printf '%s\n' "$name"
    done | sort -r
}

# outside_state_dir PATH — true when PATH is not inside MANAGEMENT_STATE_DIR.
outside_state_dir() { [[ "$1" != "$MANAGEMENT_STATE_DIR" && "$1" != "$MANAGEMENT_STATE_DIR/"* ]]; }

# stage_management_backup WORK — every part of the archive, staged in WORK.
stage_management_backup() {
  local work=$1 name path service container
  mkdir -p "$work/settings" "$work/files" "$work/volumes"
  cp -p "$(management_env_file)" "$work/settings/.env.management"
  {
    echo "created=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "project=$MANAGEMENT_PROJECT_NAME"
    echo "state_dir=$MANAGEMENT_STATE_DIR"
    echo "jenkins_home=$JENKINS_HOME_DIR"
  } >"$work/manifest"
  if [[ -d "$MANAGEMENT_STATE_DIR" ]]; then
    tar -C "$MANAGEMENT_STATE_DIR" -cf "$work/state.tar" .
  fi
  for name in OPS_TLS_DIR JENKINS_DEPLOY_KEY_FILE JENKINS_KNOWN_HOSTS_FILE; do
    path=${!name}
    if [[ -e "$path" ]] && outside_state_dir "$path"; then
      tar -C "$(dirname "$path")" -cf "$work/files/$name.tar" "$(basename "$path")"
      echo "file.$name=$path" >>"$work/manifest"
    fi
  done
  if [[ -d "$JENKINS_HOME_DIR" ]]; then
    local excludes=() pattern
    for pattern in "${JENKINS_HOME_EXCLUDES[@]}"; do excludes+=("--exclude=$pattern"); done
    # Jenkins writes its XML files atomically (a copy, then a rename): a running Jenkins
    # gives a consistent copy of each file.
    tar -C "$JENKINS_HOME_DIR" "${excludes[@]}" -cf "$work/jenkins-home.tar" .
  else
    warn "no Jenkins home at $JENKINS_HOME_DIR (JENKINS_HOME_DIR): not in the backup"
  fi
  for service in "${MANAGEMENT_BACKUP_VOLUMES[@]}"; do
    path=${service#*:} service=${service%%:*}
    container=$(management_compose ps --all --quiet "$service" 2>/dev/null | head -n 1)
    if [[ -z "$container" ]]; then
      warn "$service has no container (protostar management up): its data is not in the backup"
      continue
    fi
    copy_from_container "$container" "$path" "$work/volumes/$service.tar" "$([[ "$service" == grafana ]] && echo pause)"
    echo "volume.$service=$path" >>"$work/manifest"
  done
}

# copy_from_container CONTAINER PATH FILE [pause] — PATH as a tar (docker cp needs no tar
# in the image), the container paused meanwhile with "pause" (a SQLite file copied while
# it is written could be torn; Grafana's requests wait a moment).
copy_from_container() {
  local container=$1 path=$2 file=$3 pause=${4:-} paused=""
  if [[ -n "$pause" && "$(docker inspect -f '{{.State.Running}}' "$container")" == true ]]; then
    docker pause "$container" >/dev/null && paused=1
  fi
  local status=0
  docker cp "$container:$path" - >"$file" || status=$?
  [[ -z "$paused" ]] || docker unpause "$container" >/dev/null
  ((status == 0)) || abort "could not copy $path from its container (docker cp exited $status)"
}

# archive_contents DIR — what a staged archive holds, in a few words.
archive_contents() {
  local parts=(settings) file
  [[ ! -f "$1/state.tar" ]] || parts+=(state)
  for file in "$1"/files/*.tar; do [[ ! -f "$file" ]] || parts+=("$(basename "$file" .tar)"); done
  [[ ! -f "$1/jenkins-home.tar" ]] || parts+=("Jenkins' home")
  for file in "$1"/volumes/*.tar; do [[ ! -f "$file" ]] || parts+=("$(basename "$file" .tar)"); done
  local IFS=,
  printf '%s\n' "${parts[*]}" | sed 's/,/, /g'
}

# management_backup DIR — the archive written to DIR (atomically: a partial file is never
# left under an archive's name), then this project's archives beyond MANAGEMENT_BACKUP_KEEP
# deleted. Prints the name.
management_backup() {
  local dir=$1 name work recipients=() recipient
  command -v age >/dev/null || abort "age is needed for encrypted backups (apt-get install age)"
  [[ -n "${MANAGEMENT_BACKUP_AGE_RECIPIENTS:-}" ]] ||
    abort "set MANAGEMENT_BACKUP_AGE_RECIPIENTS in $(management_env_file): the public key (age1...) of a key pair made with age-keygen and kept off the hosts"
  for recipient in $(management_backup_recipients); do recipients+=(-r "$recipient"); done
  if ! mkdir -p "$dir" || ! chmod 700 "$dir"; then
    abort "cannot create $dir (MANAGEMENT_BACKUP_DIR or --to)"
  fi
  name=$(management_backup_name)
  work=$(mktemp -d)
  # shellcheck disable=SC2064 # the path is fixed now
  trap "rm -rf '$work' '$dir/.$name.partial'" EXIT
  step 1/3 "collecting the settings, state, Jenkins' home and the volumes' data"
  stage_management_backup "$work/archive"
  step 2/3 "encrypting for $((${#recipients[@]} / 2)) recipient(s) as $dir/$name"
  tar -C "$work/archive" -cf - . | age "${recipients[@]}" -o "$dir/.$name.partial" ||
    abort "could not write the backup to $dir: nothing was kept"
  chmod 600 "$dir/.$name.partial"
  mv "$dir/.$name.partial" "$dir/$name"
  info "      $(numfmt --to=iec-i --suffix=B --format='%.1f' "$(stat -c %s "$dir/$name")"): $(archive_contents "$work/archive")"
  step 3/3 "keeping the $MANAGEMENT_BACKUP_KEEP newest of $MANAGEMENT_PROJECT_NAME's backups in $dir"
  local old
  while read -r old; do
    rm -f "$dir/$old"
    info "      deleted $old"
  done < <(management_backups "$dir" | tail -n +"$((MANAGEMENT_BACKUP_KEEP + 1))")
  echo "management backup $dir/$name: copy it off this host (it holds every secret of the management host, readable only with the age key)"
}

# management_restore ARCHIVE IDENTITY YES — on a new host (or this one, the project
# stopped): the settings, state, Jenkins' home and the volumes' data put back from
# ARCHIVE, decrypted with IDENTITY. An existing settings file that differs is replaced
# only with YES. Then `protostar management up` starts everything on them.
management_restore() {
  local archive=$1 identity=$2 yes=$3 work file service path container name
  command -v age >/dev/null || abort "age is needed to read encrypted backups (apt-get install age)"
  [[ -f "$archive" ]] || abort "no backup at $archive"
  [[ -r "$identity" ]] || abort "cannot read the age identity $identity (--identity: the private key of MANAGEMENT_BACKUP_AGE_RECIPIENTS)"
  work=$(mktemp -d)
  # shellcheck disable=SC2064 # the path is fixed now
  trap "rm -rf '$work'" EXIT
  step 1/4 "decrypting $archive"
  age -d -i "$identity" "$archive" | tar -C "$work" -xf - ||
    abort "could not read $archive with the key $identity: nothing was changed"
  [[ -f "$work/manifest" && -f "$work/settings/.env.management" ]] ||
    abort "$archive is not a management host backup (no manifest or settings in it): nothing was changed"
  local project
  project=$(sed -n 's/^project=//p' "$work/manifest")
  [[ -z "$(docker ps --quiet --filter "label=com.docker.compose.project=$project")" ]] ||
    abort "the management stack $project runs: stop it first (protostar management down; volumes are kept)"
  step 2/4 "the settings file"
  file=$(management_env_file)
  if [[ -f "$file" ]] && ! cmp -s "$file" "$work/settings/.env.management"; then
    [[ -n "$yes" ]] || abort "$file exists and differs from the backup's: add --yes to replace it (nothing was changed)"
  fi
  install -m 600 "$work/settings/.env.management" "$file"
  load_management_config
  step 3/4 "the state directory, files kept outside it, Jenkins' home"
  if [[ -f "$work/state.tar" ]]; then
    mkdir -p "$MANAGEMENT_STATE_DIR"
    tar -C "$MANAGEMENT_STATE_DIR" --same-owner -xf "$work/state.tar"
  fi
  for file in "$work"/files/*.tar; do
    [[ -f "$file" ]] || continue
    name=$(basename "$file" .tar)
    path=${!name}
    mkdir -p "$(dirname "$path")"
    tar -C "$(dirname "$path")" --same-owner -xf "$file"
  done
  if [[ -f "$work/jenkins-home.tar" ]]; then
    mkdir -p "$JENKINS_HOME_DIR"
    tar -C "$JENKINS_HOME_DIR" --same-owner -xf "$work/jenkins-home.tar"
  fi
  step 4/4 "the volumes' data, into the services' containers (created, not started)"
  for service in "${MANAGEMENT_BACKUP_VOLUMES[@]}"; do
    path=${service#*:} service=${service%%:*}
    [[ -f "$work/volumes/$service.tar" ]] || continue
    management_compose create --no-recreate "$service" >/dev/null 2>&1 ||
      abort "could not create $service's container (its image?): protostar management compose create $service"
    container=$(management_compose ps --all --quiet "$service" | head -n 1)
    # The tar holds PATH's last part: it goes into PATH's parent, owners kept.
    docker cp --archive - "$container:$(dirname "$path")" <"$work/volumes/$service.tar" ||
      abort "could not put $service's data back into its volume"
    info "      $service: $path"
  done
  echo "Restored from $archive: start the management host with 'protostar management up'"
}
