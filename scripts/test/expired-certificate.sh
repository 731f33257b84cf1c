#!/usr/bin/env bash
# Usage: scripts/test/expired-certificate.sh DIR [NAME]
#
# Writes DIR/tls.crt and DIR/tls.key: a self-signed certificate for NAME (default
# localhost) that expired on 2 January 2020, for the tests of what notices an expired
# certificate. `openssl req -x509` cannot date one in the past; `openssl ca` can.
set -Eeuo pipefail
[[ $# -ge 1 && "$1" != -* ]] || {
  sed -n '2,/^set/p' "$0" | sed '$d; s/^# \{0,1\}//'
  [[ "${1:-}" == -h || "${1:-}" == --help ]]
  exit
}
dir=$1 name=${2:-localhost}
ca=$(mktemp -d)
trap 'rm -rf "$ca"' EXIT
mkdir -p "$dir" "$ca/db"
touch "$ca/db/index"
echo 01 >"$ca/db/serial"
printf '%s\n' '[ca]' 'default_ca = c' '[c]' "database = $ca/db/index" "new_certs_dir = $ca/db" \
  "serial = $ca/db/serial" 'default_md = sha256' 'policy = p' '[p]' 'commonName = supplied' >"$ca/ca.cnf"
openssl req -new -newkey rsa:2048 -nodes -keyout "$dir/tls.key" -subj "/CN=$name" -out "$ca/req.csr" 2>/dev/null
openssl ca -batch -config "$ca/ca.cnf" -selfsign -keyfile "$dir/tls.key" -in "$ca/req.csr" \
  -startdate 20200101000000Z -enddate 20200102000000Z -out "$dir/tls.crt" 2>/dev/null
