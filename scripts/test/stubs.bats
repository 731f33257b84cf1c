#!/usr/bin/env bats
# shellcheck disable=SC2016 # stub bodies are single-quoted: the stub expands them
# The stub commands of test_helper.bash that every other test relies on: the call log,
# which stub answers, passing a call on, successive answers, taps and relog.

load test_helper

@test "a stub command logs each call; a call no stub matches succeeds and prints nothing" {
  stub tool
  run tool one "two words"
  assert_status 0
  [[ -z "$output" ]] || fail "printed: $output"
  assert_call_line "tool one two words"
}

@test "the newest matching stub answers; a pattern is a glob over the arguments" {
  stub_output tool 'say *' 'old\n'
  stub_output tool 'say hello*' 'new\n' 3
  run tool say hello there
  assert_status 3
  [[ "$output" == new ]] || fail "got: $output"
  run tool say goodbye
  [[ "$output" == old ]] || fail "got: $output"
  run tool whisper
  [[ -z "$output" ]] || fail "got: $output"
}

@test "next_stub leaves the call to the next earlier match; a body sees the arguments" {
  stub tool '*' 'echo "fallback $#"'
  stub tool 'pick *' '[[ "$2" == me ]] || next_stub
echo picked'
  run tool pick me
  [[ "$output" == picked ]] || fail "got: $output"
  run tool pick you
  [[ "$output" == "fallback 2" ]] || fail "got: $output"
}

@test "each_call answers successive calls in turn, the last repeating; stub_outputs the same for text" {
  stub tool 'n' "$(each_call 'exit 0' 'exit 1')"
  stub_outputs tool 'word' 'a' 'b'
  local statuses="" words=""
  for _ in 1 2 3; do
    tool n && statuses+=0 || statuses+=1
    words+=$(tool word)
  done
  [[ "$statuses" == 011 ]] || fail "statuses: $statuses"
  [[ "$words" == abb ]] || fail "words: $words"
}

@test "a tap runs before the answering stub, whatever the order; relog replaces the call's line" {
  stub_tap tool 'secret *' 'relog "tool secret <hidden>"'
  stub_output tool 'secret *' 'ok'
  run tool secret hunter2
  [[ "$output" == ok ]] || fail "got: $output"
  assert_call_line "tool secret <hidden>"
  refute_called "hunter2"
}

@test "the default engine: images present with their tag as version, nothing running" {
  run docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' protostar/backend:v7
  [[ "$output" == *PROTOSTAR_VERSION=v7* ]] || fail "got: $output"
  run docker ps --quiet --filter label=com.docker.compose.service=nginx
  [[ -z "$output" ]] || fail "got: $output"
  stub_running nginx
  stub_missing_images protostar/backend:v7
  run docker ps --quiet --filter label=com.docker.compose.service=nginx --filter status=running
  [[ "$output" == id-nginx ]] || fail "got: $output"
  run docker image inspect protostar/backend:v7
  assert_status 1
  run docker image inspect -f '{{.Size}}' protostar/backend:v8
  [[ "$output" == 123000000 ]] || fail "got: $output"
}

@test "one exec of nginx -t then reload is logged as the two calls, each answered by its stub" {
  stub_output docker 'exec * nginx -t' '' 1
  run docker exec id-nginx sh -c 'nginx -t || exit 10; nginx -s reload || exit 11'
  assert_status 10
  assert_call_line "docker exec id-nginx nginx -t"
  refute_called "reload"
}
