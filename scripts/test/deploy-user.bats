#!/usr/bin/env bats
# protostar deploy-user: the deploy user, its authorized_keys entry (restrict + forced
# gate command), the one sudo rule and the host keys to pin — in a temporary system root
# (PROTOSTAR_SYSTEM_ROOT) with useradd, getent, chown, visudo and friends stubbed.

load test_helper

setup() {
  protostar_setup
  SYSROOT="$TEST_ROOT/root"
  export PROTOSTAR_SYSTEM_ROOT=$SYSROOT
  mkdir -p "$SYSROOT/etc/ssh"
  local name
  for name in usermod userdel chown sudo sshd; do stub "$name"; done
  # The stubs that answer: a user exists once useradd made it; root; a host name.
  local users
  printf -v users 'users=%q\n' "$TEST_ROOT/users"
  : >"$TEST_ROOT/users"
  # shellcheck disable=SC2016 # expanded by the stubs
  stub useradd '*' "$users"'echo "${!#}" >>"$users"'
  # shellcheck disable=SC2016
  stub getent '*' "$users"'if grep -qx "$2" "$users"; then echo "$2:x:998:998::/var/lib/$2:/bin/sh"; else exit 2; fi'
  stub_output id '*' 'root\n'
  stub_output id '-u' '0\n'
  stub_output hostname '*' 'prod1.example.org\n'
  stub visudo
  ssh-keygen -q -t ed25519 -N '' -C ci@jenkins -f "$TEST_ROOT/ci_key"
  ssh-keygen -q -t ed25519 -N '' -C root@prod1 -f "$SYSROOT/etc/ssh/ssh_host_ed25519_key"
  HOST_KEY=$(cut -d' ' -f1,2 "$SYSROOT/etc/ssh/ssh_host_ed25519_key.pub")
  CI_KEY=$(cat "$TEST_ROOT/ci_key.pub")
}

authorized_keys() { cat "$SYSROOT/var/lib/protostar-deploy/.ssh/authorized_keys"; }
sudoers() { cat "$SYSROOT/etc/sudoers.d/protostar-protostar-deploy"; }

@test "setup: the user, authorized_keys with restrict and the forced gate command, one sudo rule, the host keys to pin" {
  run protostar deploy-user setup --key "$TEST_ROOT/ci_key.pub"
  assert_status 0
  assert_call_line "useradd --system --create-home --home-dir /var/lib/protostar-deploy --shell /bin/sh --comment Protostar deploys over SSH (forced command) protostar-deploy"
  assert_call_line "usermod --password * protostar-deploy"
  refute_called "docker"
  refute_called "usermod -aG"
  # authorized_keys: exactly the key, restricted, forced to the gate through sudo
  local gate="$PROTOSTAR_REPO/scripts/protostar deploy-gate"
  [[ "$(authorized_keys | grep -v '^#')" == "restrict,command=\"sudo -n $gate\" $CI_KEY" ]] || fail "authorized_keys:" "$(authorized_keys)"
  [[ $(stat -c %a "$SYSROOT/var/lib/protostar-deploy/.ssh/authorized_keys") == 644 ]]
  [[ $(stat -c %a "$SYSROOT/var/lib/protostar-deploy/.ssh") == 755 ]]
  assert_call_line "chown root:root $SYSROOT/var/lib/protostar-deploy $SYSROOT/var/lib/protostar-deploy/.ssh"
  # sudoers: that exact command line, the SSH variables kept, checked by visudo first
  sudoers | grep -qx "Cmnd_Alias PROTOSTAR_GATE_PROTOSTAR_DEPLOY = $gate" || fail "sudoers:" "$(sudoers)"
  sudoers | grep -qx 'Defaults!PROTOSTAR_GATE_PROTOSTAR_DEPLOY env_keep += "SSH_ORIGINAL_COMMAND SSH_CLIENT"'
  sudoers | grep -qx 'protostar-deploy ALL=(root) NOPASSWD: PROTOSTAR_GATE_PROTOSTAR_DEPLOY'
  [[ $(stat -c %a "$SYSROOT/etc/sudoers.d/protostar-protostar-deploy") == 440 ]]
  assert_called "visudo -cqf $SYSROOT/etc/sudoers.d/.protostar."
  # what to pin on the CI side
  assert_output_contains "Host key fingerprints of this host"
  assert_output_line_matches '^  256 SHA256:[A-Za-z0-9+/]+ root@prod1 \(ED25519\)$'
  assert_output_contains "prod1.example.org $HOST_KEY"
  [[ -z "$(find "$SYSROOT" -name '.*authorized_keys.*' -o -name '.protostar.*')" ]] || fail "temporary files left"
}

@test "setup again is idempotent: the user is kept, a new key replaces the old one" {
  protostar deploy-user setup --key "$TEST_ROOT/ci_key.pub" >/dev/null 2>&1
  ssh-keygen -q -t ed25519 -N '' -C ci2 -f "$TEST_ROOT/ci_key2"
  : >"$STUB_LOG"
  run protostar deploy-user setup --key "$TEST_ROOT/ci_key2.pub"
  assert_status 0
  assert_output_contains "exists already"
  refute_called "useradd"
  [[ $(authorized_keys | grep -vc '^#') -eq 1 ]] || fail "authorized_keys:" "$(authorized_keys)"
  authorized_keys | grep -qF "$(cat "$TEST_ROOT/ci_key2.pub")"
  ! authorized_keys | grep -qF "$CI_KEY"
}

@test "setup with --env-file, --from, --host and --port" {
  write_env
  run protostar deploy-user setup --key "$TEST_ROOT/ci_key.pub" --env-file "$ENV_FILE" --from 10.0.0.5,10.0.1.0/24 \
    --host 203.0.113.7 --port 2222 --user deployer
  assert_status 0
  local gate="$PROTOSTAR_REPO/scripts/protostar deploy-gate --env-file $ENV_FILE"
  grep -qxF "restrict,from=\"10.0.0.5,10.0.1.0/24\",command=\"sudo -n $gate\" $CI_KEY" "$SYSROOT/var/lib/deployer/.ssh/authorized_keys" ||
    fail "$(cat "$SYSROOT/var/lib/deployer/.ssh/authorized_keys")"
  grep -qx "Cmnd_Alias PROTOSTAR_GATE_DEPLOYER = $gate" "$SYSROOT/etc/sudoers.d/protostar-deployer"
  assert_output_contains "[203.0.113.7]:2222 $HOST_KEY"
}

@test "setup refuses a missing key, a private key, two keys, a key with options" {
  run protostar deploy-user setup
  assert_status 1
  assert_output_contains "--key FILE is needed"
  run protostar deploy-user setup --key "$TEST_ROOT/nope.pub"
  assert_status 1
  assert_output_contains "does not exist"
  run protostar deploy-user setup --key "$TEST_ROOT/ci_key"
  assert_status 1
  assert_output_contains "must hold exactly one public key line"
  cat "$TEST_ROOT/ci_key.pub" "$TEST_ROOT/ci_key.pub" >"$TEST_ROOT/two.pub"
  run protostar deploy-user setup --key "$TEST_ROOT/two.pub"
  assert_status 1
  assert_output_contains "(it holds 2)"
  echo "command=\"/bin/sh\" $CI_KEY" >"$TEST_ROOT/opts.pub"
  run protostar deploy-user setup --key "$TEST_ROOT/opts.pub"
  assert_status 1
  assert_output_contains "is not a plain OpenSSH public key line"
  refute_called "useradd"
}

@test "setup refuses bad option values before changing anything" {
  local args
  for args in "--user Root" "--user a;b" "--port 0" "--port 70000" "--host a;b" "--from a\"b" "--env-file relative/.env" "--env-file /nope/.env"; do
    # shellcheck disable=SC2086 # one option and its value per entry
    run protostar deploy-user setup --key "$TEST_ROOT/ci_key.pub" $args
    assert_status 1
  done
  run protostar deploy-user setup --key "$TEST_ROOT/ci_key.pub" --frobnicate
  assert_status 1
  assert_output_contains "unknown option '--frobnicate' (see: protostar deploy-user --help)"
  assert_no_calls
}

@test "setup refuses to run as another user than root" {
  stub_output id '-u' '1000\n'
  run protostar deploy-user setup --key "$TEST_ROOT/ci_key.pub"
  assert_status 1
  assert_output_contains "run this as root on the production host"
  refute_called "useradd"
}

@test "a sudoers rule visudo rejects is not installed" {
  stub_output visudo '*' '' 1
  run protostar deploy-user setup --key "$TEST_ROOT/ci_key.pub"
  assert_status 1
  assert_output_contains "visudo rejected the sudoers rule; nothing was installed"
  [[ -z "$(ls -A "$SYSROOT/etc/sudoers.d")" ]] || fail "left: $(ls -A "$SYSROOT/etc/sudoers.d")"
}

@test "show prints the entry and the lines to pin; remove deletes the user and the rule" {
  protostar deploy-user setup --key "$TEST_ROOT/ci_key.pub" >/dev/null 2>&1
  run protostar deploy-user show --host prod.example.org
  assert_status 0
  assert_output_contains "restrict,command=\"sudo -n $PROTOSTAR_REPO/scripts/protostar deploy-gate\""
  assert_output_contains "prod.example.org $HOST_KEY"
  run protostar deploy-user remove
  assert_status 0
  assert_call_line "userdel --remove protostar-deploy"
  [[ ! -e "$SYSROOT/etc/sudoers.d/protostar-protostar-deploy" ]]
}

@test "no or an unknown action is refused with a hint" {
  run protostar deploy-user
  assert_status 1
  assert_output_contains "setup, show or remove is needed"
  run protostar deploy-user frob
  assert_status 1
  assert_output_contains "unknown action 'frob'"
}
