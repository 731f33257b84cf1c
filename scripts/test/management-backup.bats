#!/usr/bin/env bats
# shellcheck disable=SC2030,SC2031 # settings are exported per test
# protostar management backup | restore: the management host's own backup, encrypted with
# the real age (a key pair per test), the docker stub standing for the containers. The
# round trip through real containers and volumes is in the e2e tier
# (scripts/test/e2e/management-config.sh).

load test_helper

mprefix() { printf 'docker compose --project-name protostar-management --file %s' "$PROTOSTAR_REPO/compose/management.yml"; }

setup() {
  protostar_setup
  age-keygen -o "$TEST_ROOT/backup.key" 2>/dev/null
  mkdir -p "$TEST_ROOT/jenkins/jobs/deploy/workspace" "$TEST_ROOT/jenkins/workspace/x" "$TEST_ROOT/jenkins/secrets" \
    "$TEST_ROOT/jenkins/plugins" "$TEST_ROOT/mstate/tls" "$TEST_ROOT/mstate/jenkins"
  echo '<hudson/>' >"$TEST_ROOT/jenkins/config.xml"
  echo 'master key' >"$TEST_ROOT/jenkins/secrets/master.key"
  echo 'checked out' >"$TEST_ROOT/jenkins/jobs/deploy/workspace/file"
  echo 'build 1' >"$TEST_ROOT/jenkins/jobs/deploy/build.xml"
  echo 'a plugin' >"$TEST_ROOT/jenkins/plugins/git.jpi"
  echo 'deploy key' >"$TEST_ROOT/mstate/jenkins/deploy-key"
  echo 'certificate' >"$TEST_ROOT/mstate/tls/tls.crt"
  write_management_env "JENKINS_HOME_DIR=$TEST_ROOT/jenkins" "MANAGEMENT_BACKUP_DIR=$TEST_ROOT/backups" \
    "MANAGEMENT_BACKUP_AGE_RECIPIENTS=$(age-keygen -y "$TEST_ROOT/backup.key")"
  # The three services' containers; docker cp of a path prints a tar of it, as docker does.
  local service
  for service in grafana alertmanager minio; do
    stub_output docker "compose * ps --all --quiet $service" "id-$service\n"
  done
  stub_output docker "inspect -f {{.State.Running}} *" 'true\n'
  stub docker 'cp id-*:* -' 'mkdir -p "$TMPDIR/volume/${2##*/}" && echo "data of $2" >"$TMPDIR/volume/${2##*/}/data" && tar -C "$TMPDIR/volume" -cf - "${2##*/}"'
}

# archive_list — the newest archive, decrypted: its files, then each inner tar's.
archive_list() {
  local archive
  archive=$(find "$TEST_ROOT/backups" -name 'protostar-management-*.tar.age' | sort | tail -n 1)
  rm -rf "$TEST_ROOT/open"
  mkdir -p "$TEST_ROOT/open"
  age -d -i "$TEST_ROOT/backup.key" "$archive" | tar -C "$TEST_ROOT/open" -xf -
  (cd "$TEST_ROOT/open" && find . -type f | sort)
  local inner
  for inner in "$TEST_ROOT/open"/*.tar "$TEST_ROOT/open"/volumes/*.tar; do
    if [[ -f "$inner" ]]; then tar -tf "$inner" | sed "s|^|${inner#"$TEST_ROOT/open/"}: |"; fi
  done
}

@test "backup: settings, state, Jenkins' home without what it rebuilds, the volumes; encrypted, private" {
  run protostar management backup
  assert_status 0
  assert_output_contains "management backup $TEST_ROOT/backups/protostar-management-"
  assert_output_contains "settings, state, Jenkins' home, alertmanager, grafana, minio"
  archive=$(find "$TEST_ROOT/backups" -name 'protostar-management-*.tar.age')
  [[ "$archive" =~ /protostar-management-[0-9]{8}T[0-9]{6}Z\.tar\.age$ ]] || fail "name: $archive"
  [[ $(stat -c %a "$archive") == 600 && $(stat -c %a "$TEST_ROOT/backups") == 700 ]] || fail "modes"
  # Encrypted: no secret of the settings in the file as written.
  ! grep -q 'ops_admin_password-0123456789abcdef0123' "$archive" || fail "settings in clear"
  run archive_list
  assert_status 0
  assert_output_contains "./settings/.env.management"
  assert_output_contains "state.tar: ./jenkins/deploy-key"
  assert_output_contains "state.tar: ./tls/tls.crt"
  assert_output_contains "jenkins-home.tar: ./secrets/master.key"
  assert_output_contains "jenkins-home.tar: ./jobs/deploy/build.xml"
  refute_output_contains "workspace"
  refute_output_contains "git.jpi"
  assert_output_contains "volumes/grafana.tar: grafana/data"
  assert_output_contains "volumes/minio.tar: .minio.sys/data"
  grep -qx "volume.alertmanager=/alertmanager" "$TEST_ROOT/open/manifest" || fail "manifest: $(cat "$TEST_ROOT/open/manifest")"
  cmp -s "$TEST_ROOT/open/settings/.env.management" "$PROTOSTAR_MANAGEMENT_ENV_FILE" || fail "settings differ"
  # Grafana (SQLite) is paused while its data is copied, and only then.
  [[ "$(grep -E '^docker (pause|unpause|cp id-grafana)' "$STUB_LOG" | cut -d ' ' -f 2-3)" == "$(printf '%s\n' 'pause id-grafana' 'cp id-grafana:/var/lib/grafana' 'unpause id-grafana')" ]] ||
    fail "$(cat "$STUB_LOG")"
  ! grep -qE '^docker (pause|unpause) id-(minio|alertmanager)' "$STUB_LOG" || fail "paused another service"
}

@test "backup keeps this project's newest MANAGEMENT_BACKUP_KEEP archives, never another's" {
  write_management_env "JENKINS_HOME_DIR=$TEST_ROOT/jenkins" "MANAGEMENT_BACKUP_DIR=$TEST_ROOT/backups" \
    "MANAGEMENT_BACKUP_AGE_RECIPIENTS=$(age-keygen -y "$TEST_ROOT/backup.key")" MANAGEMENT_BACKUP_KEEP=2
  mkdir -p "$TEST_ROOT/backups"
  touch "$TEST_ROOT/backups/protostar-management-20250101T000000Z.tar.age" "$TEST_ROOT/backups/protostar-management-20250102T000000Z.tar.age" \
    "$TEST_ROOT/backups/other-management-20240101T000000Z.tar.age" "$TEST_ROOT/backups/protostar-management-notes.txt"
  run protostar management backup
  assert_status 0
  assert_output_contains "deleted protostar-management-20250101T000000Z.tar.age"
  [[ ! -e "$TEST_ROOT/backups/protostar-management-20250101T000000Z.tar.age" ]]
  [[ -e "$TEST_ROOT/backups/protostar-management-20250102T000000Z.tar.age" ]]
  [[ -e "$TEST_ROOT/backups/other-management-20240101T000000Z.tar.age" && -e "$TEST_ROOT/backups/protostar-management-notes.txt" ]]
  [[ $(find "$TEST_ROOT/backups" -name 'protostar-management-*.tar.age' | wc -l) == 2 ]]
}

@test "backup without recipients, or with a wrong one, names the setting and writes nothing" {
  write_management_env "JENKINS_HOME_DIR=$TEST_ROOT/jenkins" "MANAGEMENT_BACKUP_DIR=$TEST_ROOT/backups"
  run protostar management backup
  assert_status 1
  assert_output_contains "set MANAGEMENT_BACKUP_AGE_RECIPIENTS in $PROTOSTAR_MANAGEMENT_ENV_FILE"
  write_management_env "JENKINS_HOME_DIR=$TEST_ROOT/jenkins" MANAGEMENT_BACKUP_AGE_RECIPIENTS=age1nope MANAGEMENT_BACKUP_KEEP=0
  run protostar management backup
  assert_status 1
  assert_output_contains "MANAGEMENT_BACKUP_AGE_RECIPIENTS"
  assert_output_contains "age public keys (age1..., from age-keygen)"
  assert_output_contains "MANAGEMENT_BACKUP_KEEP"
  [[ ! -e "$TEST_ROOT/backups" ]]
  run protostar management backup --to relative/dir
  assert_status 1
  assert_output_contains "--to needs an absolute directory path"
}

@test "restore puts the settings, state, Jenkins' home and volumes back, then says to start" {
  run protostar management backup
  assert_status 0
  archive=$(find "$TEST_ROOT/backups" -name 'protostar-management-*.tar.age')
  rm -rf "$TEST_ROOT/jenkins" "$TEST_ROOT/mstate" "$PROTOSTAR_MANAGEMENT_ENV_FILE"
  : >"$STUB_LOG"
  stub docker 'cp --archive - id-*:*' 'tar -tf - >"$TMPDIR/restored-${4%%:*}"'
  run protostar management restore "$archive" --identity "$TEST_ROOT/backup.key"
  assert_status 0
  assert_output_contains "start the management host with 'protostar management up'"
  [[ $(stat -c %a "$PROTOSTAR_MANAGEMENT_ENV_FILE") == 600 ]] || fail "settings mode"
  grep -q '^OPS_ADMIN_PASSWORD=ops_admin_password-0123456789abcdef0123$' "$PROTOSTAR_MANAGEMENT_ENV_FILE"
  [[ "$(cat "$TEST_ROOT/jenkins/secrets/master.key")" == "master key" && -f "$TEST_ROOT/jenkins/jobs/deploy/build.xml" ]]
  [[ "$(cat "$TEST_ROOT/mstate/jenkins/deploy-key")" == "deploy key" && -f "$TEST_ROOT/mstate/tls/tls.crt" ]]
  assert_call_line "$(mprefix) create --no-recreate grafana"
  assert_call_line "docker cp --archive - id-grafana:/var/lib"
  assert_call_line "docker cp --archive - id-alertmanager:/"
  assert_call_line "docker cp --archive - id-minio:/data"
  grep -qx "grafana/data" "$TEST_ROOT/restored-id-grafana"
  ! grep -q ' up ' "$STUB_LOG" || fail "started something"
}

@test "restore refuses a running stack, a settings file that differs, a wrong key; changes nothing" {
  run protostar management backup
  archive=$(find "$TEST_ROOT/backups" -name 'protostar-management-*.tar.age')
  echo 'OPS_ADMIN_USER=someone' >>"$PROTOSTAR_MANAGEMENT_ENV_FILE"
  before=$(md5sum <"$PROTOSTAR_MANAGEMENT_ENV_FILE")
  run protostar management restore "$archive" --identity "$TEST_ROOT/backup.key"
  assert_status 1
  assert_output_contains "exists and differs from the backup's: add --yes to replace it"
  stub_output docker 'ps --quiet --filter label=com.docker.compose.project=protostar-management' 'id-jenkins\n'
  run protostar management restore "$archive" --identity "$TEST_ROOT/backup.key" --yes
  assert_status 1
  assert_output_contains "the management stack protostar-management runs: stop it first"
  age-keygen -o "$TEST_ROOT/other.key" 2>/dev/null
  run protostar management restore "$archive" --identity "$TEST_ROOT/other.key" --yes
  assert_status 1
  assert_output_contains "could not read $archive with the key $TEST_ROOT/other.key: nothing was changed"
  [[ $(md5sum <"$PROTOSTAR_MANAGEMENT_ENV_FILE") == "$before" ]] || fail "settings changed"
  run protostar management restore "$archive"
  assert_status 1
  assert_output_contains "--identity KEY is needed"
}
