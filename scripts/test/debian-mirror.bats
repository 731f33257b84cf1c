#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2030,SC2031 # code for lib_run is single-quoted; stub settings are exported per test
# scripts/lib/debian-mirror.sh: the host's Debian mirror from its apt configuration.

load test_helper

setup() {
  protostar_setup
  APT_ETC="$TEST_ROOT/apt"
  mkdir -p "$APT_ETC/sources.list.d"
  export PROTOSTAR_APT_ETC=$APT_ETC
}

mirror() {
  PROTOSTAR_ROOT=$PROTOSTAR_REPO bash -c 'set -Eeuo pipefail; source "$PROTOSTAR_ROOT/scripts/lib/debian-mirror.sh"; debian_mirror'
}

@test "deb822 .sources: the first non-security URI, trailing slash removed" {
  cat >"$APT_ETC/sources.list.d/debian.sources" <<'SRC'
Types: deb
# URIs: http://commented.test/debian
URIs: http://mirror.test/debian/
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.test/debian-security
Suites: bookworm-security
Components: main
SRC
  run mirror
  assert_status 0
  [[ "$output" == "http://mirror.test/debian" ]] || fail "got: $output"
}

@test "deb822: a security stanza first is skipped" {
  cat >"$APT_ETC/sources.list.d/debian.sources" <<'SRC'
Types: deb
URIs: http://security.mirror.test/debian-security
Suites: bookworm-security

Types: deb
uris: https://archive.test/debian
Suites: bookworm
SRC
  run mirror
  assert_status 0
  [[ "$output" == "https://archive.test/debian" ]] || fail "got: $output"
}

@test "one-line sources.list with [signed-by=...] options" {
  cat >"$APT_ETC/sources.list" <<'SRC'
# deb http://commented.test/debian bookworm main
deb-src http://src.test/debian bookworm main
deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.test/debian bookworm main
deb http://mirror.test/debian-security bookworm-security main
SRC
  run mirror
  assert_status 0
  [[ "$output" == "http://mirror.test/debian" ]] || fail "got: $output"
}

@test "one-line .list files in sources.list.d are read" {
  echo "deb file:/srv/local-mirror/ bookworm main" >"$APT_ETC/sources.list.d/local.list"
  run mirror
  assert_status 0
  [[ "$output" == "file:/srv/local-mirror" ]] || fail "got: $output"
}

@test "snapshot and cdrom URIs are skipped" {
  cat >"$APT_ETC/sources.list" <<'SRC'
deb cdrom:[Debian GNU/Linux 12]/ bookworm main
deb http://snapshot.test/archive/debian/20250101T000000Z bookworm main
deb http://mirror.test/debian bookworm main
SRC
  run mirror
  assert_status 0
  [[ "$output" == "http://mirror.test/debian" ]] || fail "got: $output"
}

@test "PROTOSTAR_DEBIAN_MIRROR overrides the apt configuration" {
  echo "deb http://mirror.test/debian bookworm main" >"$APT_ETC/sources.list"
  export PROTOSTAR_DEBIAN_MIRROR=http://override.test/debian/
  run mirror
  assert_status 0
  [[ "$output" == "http://override.test/debian" ]] || fail "got: $output"
}

@test "no mirror found returns non-zero and prints nothing" {
  echo "deb http://mirror.test/debian-security bookworm-security main" >"$APT_ETC/sources.list"
  run mirror
  assert_status 1
  [[ -z "$output" ]] || fail "got: $output"
}

@test "an empty or missing apt directory returns non-zero" {
  export PROTOSTAR_APT_ETC="$TEST_ROOT/does-not-exist"
  run mirror
  assert_status 1
  [[ -z "$output" ]] || fail "got: $output"
}
