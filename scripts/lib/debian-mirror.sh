# shellcheck shell=bash
# The Debian mirror this machine already uses, read from its own apt configuration, so
# no mirror host is ever written into the repository. PROTOSTAR_DEBIAN_MIRROR overrides.

# Prints the first non-security Debian archive URI from the apt sources (deb822 or
# one-line format).
debian_mirror() {
  if [[ -n "${PROTOSTAR_DEBIAN_MIRROR:-}" ]]; then
    printf '%s\n' "${PROTOSTAR_DEBIAN_MIRROR%/}"
    return
  fi
  local etc=${PROTOSTAR_APT_ETC:-/etc/apt} uri
  uri=$(
    {
      # deb822: "URIs: a b" lines, each file's stanzas in order
      { cat "$etc"/sources.list.d/*.sources 2>/dev/null || true; } | awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }'
      # one-line: "deb [opts] URI suite components"
      { cat "$etc"/sources.list "$etc"/sources.list.d/*.list 2>/dev/null || true; } |
        sed -E 's/\[[^]]*\]//' | awk '$1 == "deb" { print $2 }'
    } | grep -E '^(https?|file):' | grep -v -e security -e snapshot | head -n 1 || true
  )
  [[ -n "$uri" ]] || return 1
  printf '%s\n' "${uri%/}"
}
