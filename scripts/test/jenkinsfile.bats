#!/usr/bin/env bats
# The Jenkinsfile, read as text (the Groovy parse runs in the java tier:
# scripts/test/jenkinsfile.sh): every script it calls exists and answers --help, the
# pipeline has its options, parameters and stage order, and a test failure ships nothing.

load test_helper

JENKINSFILE="$PROTOSTAR_REPO/Jenkinsfile"

# The commands of its sh steps, one a line.
sh_steps() { grep -oE "(^|[ {])sh '[^']*'" "$JENKINSFILE" | sed "s/^[ {]*sh '//; s/'\$//"; }

@test "every sh step is a single-quoted call of a repository script" {
  local total quoted
  total=$(grep -oE "(^|[ {])sh *[('\"]" "$JENKINSFILE" | wc -l)
  quoted=$(sh_steps | wc -l)
  ((total >= 8 && total == quoted)) || fail "$total sh steps, $quoted single-quoted"
  ! sh_steps | grep -v '^scripts/' || fail "a step calls something else"
}

@test "every script the Jenkinsfile calls exists, is executable and answers --help" {
  local command script word
  while read -r command; do
    script=${command%% *}
    [[ -x "$PROTOSTAR_REPO/$script" ]] || fail "$script is not an executable file"
    if [[ "$script" == scripts/protostar ]]; then
      word=$(cut -d' ' -f2 <<<"$command")
      run "$PROTOSTAR_REPO/$script" "$word" --help
      assert_status 0
      [[ "${lines[0]}" == "Usage: protostar $word"* ]] || fail "protostar $word --help: ${lines[0]}"
    else
      run "$PROTOSTAR_REPO/$script" --help
      assert_status 0
      [[ "${lines[0]}" == "Usage: "* ]] || fail "$script --help: ${lines[0]}"
    fi
  done < <(sh_steps)
  assert_no_calls
}

@test "no concurrent builds, a timeout for the pipeline and for every stage, TAG and CANARY parameters" {
  grep -q '^    disableConcurrentBuilds()$' "$JENKINSFILE"
  grep -q '^    timeout(time: [0-9]*, unit: .MINUTES.)$' "$JENKINSFILE"
  local stages timeouts
  stages=$(grep -c "^    stage('" "$JENKINSFILE")
  timeouts=$(grep -c "^      options { timeout(time: [0-9]*, unit: 'MINUTES') }$" "$JENKINSFILE")
  ((stages == 6 && timeouts == stages)) || fail "$stages stages, $timeouts stage timeouts"
  grep -q "string(name: 'TAG', defaultValue: ''" "$JENKINSFILE"
  grep -q "string(name: 'CANARY', defaultValue: ''" "$JENKINSFILE"
  grep -q 'TAG = "${params.TAG ?: env.GIT_COMMIT.take(12)}"' "$JENKINSFILE"
}

@test "stages in order: test, build, ship, deploy, smoke test (rollback on failure), ai-worker; a failing test ships nothing" {
  [[ "$(sed -n "s/^    stage('\(.*\)') {\$/\1/p" "$JENKINSFILE" | paste -sd'|')" == "Test|Build images|Ship|Deploy backend|Smoke test|Deploy ai-worker" ]]
  # Nothing lets a stage failure pass: a failed Test stage stops the pipeline before Ship.
  ! grep -nE 'catchError|unstable\(|warnError|returnStatus|\|\| *true|failFast false' "$JENKINSFILE" || fail "a stage failure could pass"
  # The rollback is the smoke test's post-failure step, and the only one.
  [[ $(grep -c 'remote rollback' "$JENKINSFILE") -eq 1 ]]
  sed -n "/stage('Smoke test')/,/stage('Deploy ai-worker')/p" "$JENKINSFILE" |
    sed -n '/failure {/,/^      }/p' | grep -q "sh 'scripts/protostar remote rollback backend'"
}

@test "the deploy key and the pinned known_hosts come from credentials, never StrictHostKeyChecking=no" {
  # bound in one place, withDeployCredentials, around each of the 4 blocks that connect
  [[ $(grep -c "sshUserPrivateKey(credentialsId: 'protostar-deploy-key', keyFileVariable: 'PROTOSTAR_DEPLOY_KEY')" "$JENKINSFILE") -eq 1 ]]
  [[ $(grep -c "file(credentialsId: 'protostar-production-known-hosts', variable: 'PROTOSTAR_DEPLOY_KNOWN_HOSTS')" "$JENKINSFILE") -eq 1 ]]
  [[ $(grep -c "withCredentials(" "$JENKINSFILE") -eq 1 ]]
  sed -n '/^def withDeployCredentials(Closure body) {$/,/^}$/p' "$JENKINSFILE" | grep -q "sshUserPrivateKey(credentialsId: 'protostar-deploy-key'"
  [[ $(grep -c "^ *withDeployCredentials {$" "$JENKINSFILE") -eq 4 ]]
  # every step that connects (remote ...) is inside such a block
  awk '/withDeployCredentials \{$/ { open = 1 } open && /^ *}$/ { open = 0 } /protostar remote / && !open { bad = 1; print }
    END { exit bad }' "$JENKINSFILE" || fail "a remote step outside withDeployCredentials"
  ! grep -rn 'StrictHostKeyChecking=no\|StrictHostKeyChecking no' "$JENKINSFILE" "$PROTOSTAR_REPO/jenkins" "$PROTOSTAR_REPO/scripts" --exclude-dir=test
}

@test "every variable the remote and smoke commands read is documented in jenkins/deploy.env.example" {
  local var
  for var in $(grep -ohE 'PROTOSTAR_(DEPLOY|PUBLIC)_[A-Z_]+' "$PROTOSTAR_REPO/scripts/lib/remote.sh" \
    "$PROTOSTAR_REPO/scripts/libexec/protostar-remote" "$PROTOSTAR_REPO/scripts/libexec/protostar-smoke" | sort -u); do
    grep -q "^$var=" "$PROTOSTAR_REPO/jenkins/deploy.env.example" || fail "$var is not in jenkins/deploy.env.example"
  done
}
