#!/usr/bin/env bats
# scripts/test/neutered-checks.sh: the guard against checks whose failure `set -e`
# ignores. The repository's test code must be clean; planted examples must be found, each
# at its line, and the forms that do count must not be.

load test_helper

GUARD="$PROTOSTAR_REPO/scripts/test/neutered-checks.sh"

# plant FILE — writes FILE from stdin; the lines marked `# NEUTERED` are the ones the guard
# must report. Prints FILE:LINE for each, sorted. A planted test is spelled `%test`: bats
# would count an `@test` line in a heredoc as one of this file's tests.
plant() {
  sed 's/^%test /@test /' >"$1"
  grep -n '# NEUTERED' "$1" | cut -d: -f1 | sed "s|^|$1:|" | sort
}
# reported — the FILE:LINE of each finding in $output, sorted.
reported() { grep -oE '^[^:]+:[0-9]+' <<<"$output" | sort; }

@test "the repository's test code has no neutered checks" {
  run "$GUARD"
  assert_status 0
  [[ -z "$output" ]] || fail "$output"
}

@test "every neutered form in a script is reported with its file and line" {
  local expected
  # shellcheck disable=SC2016 # the planted code is text
  expected=$(plant "$TEST_ROOT/planted.sh" <<'EOF'
#!/usr/bin/env bash
set -Eeuo pipefail
check_and() {
  grep -q 429 codes && grep -q 200 codes # NEUTERED
  echo done
}
check_not() {
  ! grep -q error log # NEUTERED
  echo done
}
check_or_reports() {
  grep -q 429 codes || echo "no 429" # NEUTERED
}
check_or_block_reports() {
  grep -q 429 codes || { # NEUTERED
    echo "no 429"
    cat codes
  }
  true
}
check_in_a_loop() {
  for code in 200 429; do
    grep -q "$code" codes && grep -q x codes # NEUTERED
  done
}
check_in_a_block() {
  { grep -q 429 codes && grep -q 200 codes; } # NEUTERED
  echo done
}
check_in_an_if_body() {
  if [[ -f codes ]]; then
    grep -q 429 codes && grep -q 200 codes # NEUTERED
  fi
  echo done
}
check_in_a_substitution() {
  out=$(grep -q 429 codes && echo a; echo b) # NEUTERED
  [[ -n "$out" ]]
}
EOF
  )
  run "$GUARD" "$TEST_ROOT/planted.sh"
  assert_status 1
  [[ "$(reported)" == "$expected" ]] || fail "expected:" "$expected" "reported:" "$output"
}

@test "every neutered form in a bats test is reported with its file and line" {
  local expected
  # shellcheck disable=SC2016 # the planted code is text
  expected=$(plant "$TEST_ROOT/planted.bats" <<'EOF'
#!/usr/bin/env bats
%test "a burst gets 429" {
  run curl_burst
  [[ "$output" == *429* ]] && [[ "$output" == *200* ]] # NEUTERED
  ! grep -q error log # NEUTERED
  [[ "$status" -eq 0 ]] || printf 'status %s\n' "$status" # NEUTERED
  [[ "$status" -eq 0 ]]
}
EOF
  )
  run "$GUARD" "$TEST_ROOT/planted.bats"
  assert_status 1
  [[ "$(reported)" == "$expected" ]] || fail "expected:" "$expected" "reported:" "$output"
}

@test "the forms that count are not reported" {
  # shellcheck disable=SC2016 # the planted code is text
  cat >"$TEST_ROOT/counts.sh" <<'EOF'
#!/usr/bin/env bash
set -Eeuo pipefail
last_of_a_function() {
  echo start
  grep -q 429 codes && grep -q 200 codes
}
last_of_an_if_that_is_last() {
  if [[ -f codes ]]; then grep -q 429 codes && ! grep -q 500 codes; else false; fi
}
negated_last() {
  echo start
  ! grep -q error log
}
stops_or_says_so() {
  grep -q a codes || true
  grep -q b codes || return 1
  grep -q c codes || fail "no c"
  grep -q d codes || { echo "no d" >&2 && exit 1; }
  wait "$pid" || rc=$?
  (($# == 0)) || printf -v settings '%q ' "$@"
  [[ -f cache ]] || build_cache
  grep -q a codes && grep -q b codes || abort "neither"
  echo done
}
conditions() {
  for status in waiting ready; do
    [[ "$status" == ready ]] && break
    [[ "$status" == skip ]] && continue
    [[ "$status" == waiting ]] && seen=1
  done
  if grep -q a codes && ! grep -q b codes; then echo yes; fi
  while [[ -f lock ]] && ! grep -q done lock; do sleep 1; done
  until grep -q a codes || grep -q b codes; do sleep 1; done
  [[ -n "${seen:-}" && -f codes ]]
  echo done
}
subshells_and_substitutions() {
  (grep -q a codes && grep -q b codes)
  value=$(cat value 2>/dev/null || echo 0)
  here=$(cd "$(dirname "$0")" && pwd)
  grep -q a codes | { read -r x && [[ -n "$x" ]]; }
  echo "$value $here"
}
EOF
  run "$GUARD" "$TEST_ROOT/counts.sh"
  assert_status 0
  [[ -z "$output" ]] || fail "$output"
}

@test "a directory is read for its test files; a missing path and --help answer" {
  mkdir "$TEST_ROOT/tests"
  printf '@test "x" {\n  a && b\n  c\n}\n' >"$TEST_ROOT/tests/x.bats"
  printf 'not read\na && b\nc\n' >"$TEST_ROOT/tests/notes.txt"
  run "$GUARD" "$TEST_ROOT/tests"
  assert_status 1
  [[ "$(reported)" == "$TEST_ROOT/tests/x.bats:2" ]] || fail "$output"
  run "$GUARD" "$TEST_ROOT/no-such-file"
  assert_status 1
  [[ "$output" == *"no such file or directory"* ]] || fail "$output"
  run "$GUARD" --help
  assert_status 0
  [[ "${lines[0]}" == "Usage: scripts/test/neutered-checks.sh"* ]] || fail "$output"
}
