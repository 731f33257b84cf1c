#!/usr/bin/env bats
# The log shipper's configuration (compose/log-shipper/config.alloy). Alloy cannot run on
# the build machines (its image is on a registry they cannot reach, and no Debian package
# has it), so this is what can be checked without it: the file's structure, that every
# component it refers to is defined, the labels the dashboards and the README promise, and
# that Compose gives it what it reads. compose/README.md says what was run and what not.

load test_helper

CONFIG="$BATS_TEST_DIRNAME/../../compose/log-shipper/config.alloy"

# code — the configuration without comments or quoted strings' contents left to confuse.
code() { sed -e 's|//.*$||' "$CONFIG"; }

@test "braces and brackets balance, and every block is one Alloy knows for logs" {
  local open close
  open=$(code | tr -cd '{' | wc -c) close=$(code | tr -cd '}' | wc -c)
  [[ "$open" == "$close" ]] || fail "{ $open, } $close"
  open=$(code | tr -cd '[' | wc -c) close=$(code | tr -cd ']' | wc -c)
  [[ "$open" == "$close" ]] || fail "[ $open, ] $close"
  run bash -c "sed -n 's/^\([a-z_.]*\) \"[a-z_]*\" {$/\1/p' '$CONFIG' | sort -u"
  [[ "$output" == $'discovery.docker\ndiscovery.relabel\nlocal.file_match\nloki.process\nloki.source.docker\nloki.source.file\nloki.write' ]] ||
    fail "$output"
}

@test "every component referred to is defined, and every receiver ends in loki.write" {
  local reference component name
  local -a defined
  mapfile -t defined < <(sed -n 's/^\([a-z_.]*\) "\([a-z_]*\)" {$/\1.\2/p' "$CONFIG")
  while read -r reference; do
    component=${reference%.*}
    [[ " ${defined[*]} " == *" $component "* ]] || fail "$reference refers to an undefined component"
  done < <(code | grep -o '\b\(discovery\|loki\|local\)\.[a-z_.]*\.\(targets\|output\|rules\|receiver\)\b')
  run grep -c 'forward_to *= *\[loki.write.management.receiver\]' "$CONFIG"
  [[ "$output" == 2 ]] || fail "loki.process and the audit source must forward to loki.write: $output"
  name=$(code | grep -o 'forward_to *= *\[loki.process.[a-z_]*.receiver\]')
  [[ "$name" == "forward_to    = [loki.process.nginx.receiver]" ]] || fail "$name"
}

@test "the labels the dashboards use: host, job containers|nginx|audit, nginx's access and error logs" {
  grep -q 'labels *= { host = "production", job = "containers" }' "$CONFIG"
  grep -q 'selector = "{service=\\"nginx\\", stream=\\"stdout\\"}"' "$CONFIG"
  grep -q 'values = { job = "nginx", log = "access" }' "$CONFIG"
  grep -q 'values = { job = "nginx", log = "error" }' "$CONFIG"
  grep -q 'job *= "audit",' "$CONFIG"
  # The apps push their own lines (loki4j): shipping their console would store each twice.
  grep -q 'regex *= "backend-(blue|green)|ai-worker"' "$CONFIG"
  # The request id stays out of the labels (one value per request).
  run grep -c 'request_id\|rid' <(code)
  [[ "$output" == 0 ]] || fail "$output"
}

@test "Compose gives the shipper every variable and file the configuration reads" {
  local compose="$BATS_TEST_DIRNAME/../../compose/production.yml" variable path
  local service
  service=$(sed -n '/^  log-shipper:$/,/^  [a-z-]*:$/p' "$compose")
  while read -r variable; do
    [[ "$service" == *"      $variable: "* ]] || fail "$variable is read but not set"
  done < <(grep -o 'sys.env("[A-Z_]*")' "$CONFIG" | sed 's/sys.env("\(.*\)")/\1/' | sort -u)
  for path in /var/run/docker.sock /var/lib/protostar/audit.log /etc/alloy/config.alloy; do
    [[ "$service" == *":$path:ro"* ]] || fail "$path is not mounted"
  done
  grep -q '"__path__" = "/var/lib/protostar/audit.log"' "$CONFIG"
  [[ "$service" == *"profiles: [logs]"* ]]
}
