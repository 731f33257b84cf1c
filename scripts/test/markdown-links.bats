#!/usr/bin/env bats
# scripts/test/markdown-links.sh: every relative link of the repository's Markdown files
# resolves, and a broken file link or anchor planted in a temporary tree is reported with
# its file and line.

load test_helper

CHECK="$PROTOSTAR_REPO/scripts/test/markdown-links.sh"

# plant FILE — writes stdin to FILE under the temporary tree $DOCS.
plant() {
  mkdir -p "$(dirname "$DOCS/$1")"
  cat >"$DOCS/$1"
}

setup() {
  protostar_setup
  DOCS="$BATS_TEST_TMPDIR/docs"
  mkdir -p "$DOCS"
  plant guide/README.md <<'EOF'
# The guide

## Deploying — blue/green
## Step
## Step
## `scripts/protostar` and its commands
## 설치 (Korean)

Back to the [front door](../README.md#protostar).
EOF
}

@test "every relative link in the repository's Markdown files resolves" {
  run "$CHECK"
  assert_status 0
  # It must have read the docs, not an empty list: the README alone has a dozen links.
  [[ "$output" =~ ([0-9]+)\ links\ in\ ([0-9]+)\ Markdown\ files:\ 0\ broken ]] || fail "summary: $output"
  ((BASH_REMATCH[1] >= 15 && BASH_REMATCH[2] >= 10)) || fail "too few checked: $output"
}

@test "a link to a missing file fails, naming the file, the line and the link" {
  plant README.md <<'EOF'
# Protostar

See [the guide](guide/README.md) and
[the API](backend/API.md) for more.
EOF
  run "$CHECK" "$DOCS"
  assert_status 1
  assert_output_contains "README.md:4: backend/API.md: no such file or folder: backend/API.md"
  refute_output_contains "guide/README.md:"
  assert_output_contains "3 links in 2 Markdown files: 1 broken"
}

@test "an anchor that no heading of the target makes fails" {
  plant README.md <<'EOF'
# Protostar

[deploying](guide/README.md#deploying-bluegreen) and [steps](guide/README.md#step-2)
EOF
  run "$CHECK" "$DOCS"
  assert_status 1
  assert_output_contains "README.md:3: guide/README.md#deploying-bluegreen: no heading with the anchor #deploying-bluegreen in guide/README.md"
  assert_output_contains "README.md:3: guide/README.md#step-2: no heading with the anchor #step-2"
}

@test "anchors follow GitHub's rules: punctuation dropped, spaces kept, -1 for a repeat, any letters" {
  plant README.md <<'EOF'
# Protostar

[a](guide/README.md#deploying--bluegreen) [b](guide/README.md#step-1)
[c](guide/README.md#scriptsprotostar-and-its-commands) [d](guide/README.md#설치-korean)
[e](guide/README.md#%EC%84%A4%EC%B9%98-korean) [f](guide/) [g](#protostar)
EOF
  run "$CHECK" "$DOCS"
  assert_status 0
  assert_output_contains "8 links in 2 Markdown files: 0 broken"
}

@test "code, external links and line anchors are not taken for broken links" {
  touch "$DOCS/deploy.sh"
  plant README.md <<'EOF'
# Protostar

`[not a link](missing.md)` and https://example.org/missing.md

```
[in a block](missing.md)
```

[site](https://example.org/x#y) [mail](mailto:ops@example.org) [code](deploy.sh#L3-L9)
EOF
  run "$CHECK" "$DOCS"
  assert_status 0
  assert_output_contains "4 links in 2 Markdown files: 0 broken"
}

@test "a link out of the tree, a bad line anchor and a reference definition are checked" {
  touch "$DOCS/deploy.sh"
  plant README.md <<'EOF'
# Protostar

[up](../../outside.md) [code](deploy.sh#usage) [ref][r]

[r]: guide/gone.md
EOF
  run "$CHECK" "$DOCS"
  assert_status 1
  assert_output_contains "README.md:3: ../../outside.md: outside the repository"
  assert_output_contains "README.md:3: deploy.sh#usage: #usage: not a line anchor"
  assert_output_contains "README.md:5: guide/gone.md: no such file or folder"
}

@test "in a git clone only the files git knows are read, not the ignored ones" {
  plant README.md <<<'# Protostar'
  plant build/notes.md <<<'[broken](nowhere.md)'
  printf 'build/\n' >"$DOCS/.gitignore"
  git -C "$DOCS" init -q
  run "$CHECK" "$DOCS"
  assert_status 0
  rm "$DOCS/.gitignore"
  run "$CHECK" "$DOCS"
  assert_status 1
  assert_output_contains "build/notes.md:1: nowhere.md: no such file or folder"
}

@test "--help prints the usage; a second argument or an option is refused" {
  run "$CHECK" --help
  assert_status 0
  [[ "${lines[0]}" == "Usage: scripts/test/markdown-links.sh [DIR]" ]] || fail "first line: ${lines[0]}"
  run "$CHECK" "$DOCS" "$DOCS"
  assert_status 1
  run "$CHECK" --quick
  assert_status 1
  assert_output_contains "unknown option '--quick'"
}
