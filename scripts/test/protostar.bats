#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2030,SC2031 # code for lib_run is single-quoted; stub settings are exported per test
# The dispatcher scripts/protostar and the help every command gives.

load test_helper

commands() {
  local exe
  for exe in "$PROTOSTAR_REPO"/scripts/libexec/protostar-*; do
    printf '%s\n' "${exe##*/protostar-}"
  done
}

@test "help lists every libexec command with its summary" {
  run protostar help
  assert_status 0
  [[ "${lines[0]}" == "Usage: protostar <command> [<args>]" ]] || fail "first line: ${lines[0]}"
  local name summary n=0
  while read -r name; do
    summary=$(sed -n 's/^# Summary: //p' "$PROTOSTAR_REPO/scripts/libexec/protostar-$name")
    [[ -n "$summary" ]] || fail "protostar-$name has no '# Summary:' line"
    assert_output_line_matches "^  $name +$(printf '%s' "$summary" | sed 's/[][\.*^$()+?{}|]/\\&/g')\$"
    n=$((n + 1))
  done < <(commands)
  [[ $n -ge 6 ]] || fail "expected at least 6 commands, found $n"
  assert_no_calls
}

@test "no argument, -h and --help show the command list" {
  local arg
  for arg in "" -h --help; do
    if [[ -z "$arg" ]]; then run protostar; else run protostar "$arg"; fi
    assert_status 0
    assert_output_contains "Commands:"
    assert_output_contains "  down "
  done
}

@test "every command answers --help with its usage, starting with Usage:" {
  local name
  while read -r name; do
    run protostar "$name" --help
    assert_status 0
    [[ "${lines[0]}" == "Usage: protostar $name"* ]] || fail "protostar $name --help starts with: ${lines[0]}"
    refute_output_contains "set -Eeuo"
    run protostar "$name" -h
    assert_status 0
    [[ "${lines[0]}" == "Usage: protostar $name"* ]] || fail "protostar $name -h starts with: ${lines[0]}"
  done < <(commands)
  # --help is answered before anything is read, created or started
  assert_no_calls
  [[ ! -e "$ENV_FILE" ]] || fail "--help created $ENV_FILE"
}

@test "help COMMAND shows that command's usage" {
  run protostar help down
  assert_status 0
  [[ "${lines[0]}" == "Usage: protostar down [--volumes --yes]" ]] || fail "got: ${lines[0]}"
  assert_output_contains "Named volumes"
}

@test "multi-line usage is shown whole (images)" {
  run protostar images --help
  assert_status 0
  assert_output_line_matches '^ +protostar images build \[--offline \| --upstream\] \[--rebuild\] \[--tag TAG\]$'
  assert_output_contains "--rebuild rebuilds offline images"
}

@test "help of an unknown command fails" {
  run protostar help nosuch
  assert_status 1
  assert_output_contains "no such command 'nosuch'"
  refute_output_contains "did you mean"
}

@test "a mistyped command names the nearest one, at the top and in help" {
  run protostar deplyo backend 1.2.3
  assert_status 1
  assert_output_contains "no such command 'deplyo'; did you mean 'deploy'?"
  run protostar help rollbak
  assert_status 1
  assert_output_contains "no such command 'rollbak'; did you mean 'rollback'?"
  run protostar lgos
  assert_output_contains "did you mean 'logs'?"
  assert_no_calls
}

@test "--version and -V print this checkout's version" {
  local expected
  expected=$(git -C "$PROTOSTAR_REPO" describe --always --abbrev=12 --dirty)
  run protostar --version
  assert_status 0
  [[ "$output" == "protostar $expected" ]] || fail "output: $output, expected: protostar $expected"
  run protostar -V
  [[ "$output" == "protostar $expected" ]] || fail "output: $output"
}

@test "an unknown action names the nearest and the choices; a flag there is an unknown option" {
  write_env
  run protostar maintenance of
  assert_status 1
  assert_output_contains "unknown action 'of' (did you mean 'on'?): on off status (see: protostar maintenance --help)"
  run protostar images lits
  assert_output_contains "unknown action 'lits' (did you mean 'list'?): list build"
  run protostar jobs dlq relpay
  assert_output_contains "unknown action 'relpay' (did you mean 'replay'?): list replay purge"
  local command
  for command in images remote deploy-user proxy management admin maintenance jobs; do
    run protostar "$command" --frobnicate
    assert_status 1
    assert_output_contains "unknown option '--frobnicate' (see: protostar $command --help)"
  done
  assert_no_calls
}

@test "unknown command exits 1 with a hint naming help" {
  run protostar frobnicate
  assert_status 1
  assert_output_contains "no such command 'frobnicate'"
  assert_output_contains "protostar help"
  assert_no_calls
}

@test "unknown top-level option exits 1 with a hint naming help" {
  run protostar --frobnicate
  assert_status 1
  assert_output_contains "unknown option '--frobnicate'"
  assert_output_contains "protostar help"
  assert_no_calls
}

@test "unknown option of a command exits 1 with a hint naming its --help" {
  write_env
  local name
  for name in up down status; do
    run protostar "$name" --frobnicate
    assert_status 1
    assert_output_contains "unknown option '--frobnicate'"
    assert_output_contains "protostar $name --help"
  done
  run protostar logs --frobnicate
  assert_status 1
  assert_output_contains "protostar logs --help"
  run protostar images list --frobnicate
  assert_status 1
  assert_output_contains "protostar images --help"
  run protostar images build --frobnicate
  assert_status 1
  assert_output_contains "protostar images --help"
  refute_called "docker"
}

@test "the dispatcher works through a symlink (PROTOSTAR_ROOT from the real path)" {
  ln -s "$PROTOSTAR_BIN" "$TEST_ROOT/bin/protostar-link"
  run "$TEST_ROOT/bin/protostar-link" help
  assert_status 0
  assert_output_contains "Commands:"
}

@test "a path-like command name is not executed" {
  run protostar ../libexec/protostar-help
  assert_status 1
  assert_output_contains "no such command"
}

@test "compose runs any compose command with the stack's project, file and settings" {
  write_env
  run protostar compose exec -T postgres psql -c 'select 1'
  assert_status 0
  assert_call_line "$(compose_prefix) exec -T postgres psql -c select 1"
}

@test "compose without a command fails with a hint" {
  run protostar compose
  assert_status 1
  assert_output_contains "a compose command is needed (see: protostar compose --help)"
  assert_no_calls
}
