#!/usr/bin/env bash
# Summary: Parse the Jenkinsfile as Groovy and check the pipeline's shape
# Usage: scripts/test/jenkinsfile.sh [--outline]
#
# Groovy comes from Maven Central (org.apache.groovy:groovy, fetched by ./mvnw into the
# local Maven repository) and runs on the JDK ./mvnw uses; the test command runs this in
# its java tier (in the JDK container when the host has no JDK 21). A syntax error fails
# the parse. Then, from the outline: the stages run in the order test, build, ship,
# deploy, smoke test, ai-worker; every sh step is a constant string calling a repository
# script (no Groovy interpolation into a shell); a rollback runs only in the smoke test's
# post-failure block; every step that connects to the production host runs inside
# withDeployCredentials. --outline prints the outline.
set -Eeuo pipefail
PROTOSTAR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$PROTOSTAR_ROOT/scripts/lib/common.sh"
handle_help "$@"
readonly GROOVY_VERSION=5.0.8

cd "$PROTOSTAR_ROOT"
java_home=$(MVNW_PRINT_JAVA_HOME=1 ./mvnw) || abort "no JDK for ./mvnw"
quietly "${TMPDIR:-/tmp}/protostar-groovy-get.log" ./mvnw -q -B dependency:get \
  "-Dartifact=org.apache.groovy:groovy:$GROOVY_VERSION" -Dtransitive=false
jar="${MAVEN_REPOSITORY:-$HOME/.m2/repository}/org/apache/groovy/groovy/$GROOVY_VERSION/groovy-$GROOVY_VERSION.jar"
[[ -f "$jar" ]] || abort "$jar not found after dependency:get (set MAVEN_REPOSITORY to the local repository)"
outline=$("$java_home/bin/java" -cp "$jar" groovy.ui.GroovyMain scripts/test/jenkinsfile/outline.groovy Jenkinsfile) ||
  abort "the Jenkinsfile does not parse as Groovy"
if [[ "${1:-}" == --outline ]]; then
  printf '%s\n' "$outline"
  exit 0
fi

problems=()
stages=$(sed -n 's/^stage //p' <<<"$outline" | paste -sd'|')
[[ "$stages" == "Test|Build images|Ship|Deploy backend|Smoke test|Deploy ai-worker" ]] ||
  problems+=("stages: $stages")
if grep -q '^sh-interpolated ' <<<"$outline"; then
  problems+=("a sh step is not a constant string: $(grep '^sh-interpolated ' <<<"$outline" | head -n 1)")
fi
if grep '^sh ' <<<"$outline" | grep -qv '^sh scripts/'; then
  problems+=("a sh step calls something else than a repository script: $(grep '^sh ' <<<"$outline" | grep -v '^sh scripts/' | head -n 1)")
fi
# Where each rollback is: "stage|condition" of its enclosing blocks.
places=$(awk '/^stage /{ stage = substr($0, 7) } /^begin (failure|always|success|unstable|cleanup|aborted|changed|fixed|regression|unsuccessful)$/{ cond = $2 } /^end (failure|always|success|unstable|cleanup|aborted|changed|fixed|regression|unsuccessful)$/{ cond = "" } /^sh .*remote rollback/{ print stage "|" cond }' <<<"$outline" | sort -u | paste -sd' ')
[[ "$places" == "Smoke test|failure" ]] || problems+=("rollback must run in the smoke test's post failure only (found: ${places:-nowhere})")
# The remote steps outside a withDeployCredentials block (they would run without the key).
unbound=$(awk '/^begin withDeployCredentials$/{ n++ } /^end withDeployCredentials$/{ n-- } /^sh scripts\/protostar remote /{ if (!n) print }' <<<"$outline")
[[ -z "$unbound" ]] || problems+=("a remote step runs outside withDeployCredentials: ${unbound%%$'\n'*}")

if ((${#problems[@]})); then
  printf 'Jenkinsfile: %s\n' "${problems[@]}" >&2
  exit 1
fi
echo "Jenkinsfile parses as Groovy (Groovy $GROOVY_VERSION); stages $stages; $(grep -c '^sh ' <<<"$outline") sh steps, all repository scripts; rollback in the smoke test's post failure; every remote step with the deploy credentials"
