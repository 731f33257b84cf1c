#!/usr/bin/env bats
# The Jenkins image and its configuration as code, checked by reading them: the Jenkins
# image cannot be pulled here, so nothing of it can run. What a broken file would do at
# Jenkins' start (no admin, a wizard, wrong credential ids, a job pointing nowhere) is
# checked as structure (PyYAML) and text.

load test_helper

J="$PROTOSTAR_REPO/jenkins"
CASC="$J/casc/jenkins.yaml"
MGMT="$PROTOSTAR_REPO/compose/management.yml"

@test "every plugin is pinned name:version, once, and the ones the configuration needs are there" {
  local line names=()
  while read -r line; do
    [[ "$line" =~ ^([a-z0-9-]+):([0-9][A-Za-z0-9._-]*)$ ]] || fail "not pinned: '$line'"
    names+=("${BASH_REMATCH[1]}")
  done < <(grep -vE '^\s*(#|$)' "$J/plugins.txt")
  [[ $(printf '%s\n' "${names[@]}" | sort | uniq -d | wc -l) == 0 ]] || fail "listed twice"
  local needed
  for needed in configuration-as-code job-dsl workflow-aggregator git credentials-binding ssh-credentials plain-credentials timestamper; do
    [[ " ${names[*]} " == *" $needed "* ]] || fail "missing $needed"
  done
  ! grep -Eq ':(latest|experimental)\b' "$J/plugins.txt" || fail "a floating version"
}

@test "the image: pinned LTS JDK 21 base, Docker CLI and Compose v2 from Debian, plugins from the list, no wizard" {
  grep -qx 'ARG JENKINS_BASE_IMAGE=jenkins/jenkins:[0-9.]*-lts-jdk21' "$J/Dockerfile"
  grep -qx 'FROM ${JENKINS_BASE_IMAGE}' "$J/Dockerfile"
  grep -q 'apt-get install -y --no-install-recommends docker-cli docker-compose' "$J/Dockerfile"
  grep -q 'jenkins-plugin-cli --plugin-file /usr/share/jenkins/ref/plugins.txt' "$J/Dockerfile"
  grep -q -- '-Djenkins.install.runSetupWizard=false' "$J/Dockerfile"
  grep -q 'CASC_JENKINS_CONFIG=/usr/share/jenkins/casc/jenkins.yaml' "$J/Dockerfile"
  # no download from the network besides the package and plugin repositories
  ! grep -vE '^\s*#' "$J/Dockerfile" | grep -Eq '(curl|wget) +-|https?://' || fail "a download in the Dockerfile"
  # ends as the jenkins user
  [[ "$(grep '^USER' "$J/Dockerfile" | tail -n 1)" == "USER jenkins" ]]
  # the compose file runs without the wizard too (JAVA_OPTS replaces the image's)
  [[ "$(yaml_query "$MGMT" 'd["services"]["jenkins"]["environment"]["JAVA_OPTS"]')" == *"-Djenkins.install.runSetupWizard=false"* ]]
}

@test "one executor; no sign-up, no anonymous read, no agent port" {
  [[ "$(yaml_query "$CASC" 'd["jenkins"]["numExecutors"]')" == 1 ]]
  [[ "$(yaml_query "$CASC" 'd["jenkins"]["securityRealm"]["local"]["allowsSignup"]')" == false ]]
  [[ "$(yaml_query "$CASC" 'd["jenkins"]["authorizationStrategy"]["loggedInUsersCanDoAnything"]["allowAnonymousRead"]')" == false ]]
  [[ "$(yaml_query "$CASC" 'd["jenkins"]["slaveAgentPort"]')" == -1 ]]
}

@test "the admin user and the SSH key come from secret files; no secret value in the file" {
  [[ "$(yaml_query "$CASC" '[u["password"] for u in d["jenkins"]["securityRealm"]["local"]["users"]]')" == '${readFile:/run/secrets/jenkins_admin_password}' ]]
  [[ "$(yaml_query "$CASC" '[c["basicSSHUserPrivateKey"]["privateKeySource"]["directEntry"]["privateKey"] for c in d["credentials"]["system"]["domainCredentials"][0]["credentials"] if "basicSSHUserPrivateKey" in c]')" == '${readFile:/run/secrets/jenkins_deploy_key}' ]]
  [[ "$(yaml_query "$CASC" '[c["file"]["secretBytes"] for c in d["credentials"]["system"]["domainCredentials"][0]["credentials"] if "file" in c]')" == '${readFileBase64:/run/secrets/jenkins_production_known_hosts}' ]]
  # every password/key/secret field is a reference, never a value
  local values
  values=$(grep -iE '^\s*(password|privateKey|secret|secretBytes|token)\s*:' "$CASC" | sed 's/^[^:]*: *//')
  ! grep -vE '^"\$\{readFile(Base64)?:/run/secrets/[a-z_]+\}"$' <<<"$values" || fail "a literal secret"
  ! grep -q 'BEGIN OPENSSH PRIVATE KEY' "$CASC" "$J/Dockerfile"
}

@test "the secret files JCasC reads are the ones compose mounts into Jenkins" {
  local file
  for file in $(grep -oE '/run/secrets/[a-z_]+' "$CASC" | sort -u); do
    yaml_query "$MGMT" 'd["services"]["jenkins"]["secrets"]' | grep -x "${file##*/}" >/dev/null || fail "$file is not mounted"
  done
  # and every \${VAR} it reads is set in Jenkins' environment
  local var
  for var in $(grep -vE '^\s*#' "$CASC" | grep -oE '\$\{[A-Z_]+\}' | tr -d '${}' | sort -u); do
    yaml_query "$MGMT" 'list(d["services"]["jenkins"]["environment"])' | grep -x "$var" >/dev/null || fail "$var not in Jenkins' environment"
  done
}

@test "the credential ids are the ones the Jenkinsfile binds" {
  local id
  for id in $(grep -oE "credentialsId: '[^']+'" "$PROTOSTAR_REPO/Jenkinsfile" | cut -d"'" -f2 | sort -u); do
    yaml_query "$CASC" '[v["id"] for c in d["credentials"]["system"]["domainCredentials"][0]["credentials"] for v in c.values()]' |
      grep -x "$id" >/dev/null || fail "the Jenkinsfile binds $id, JCasC does not define it"
  done
}

@test "the pipeline job is defined in code and runs the repository's Jenkinsfile" {
  local script
  script=$(yaml_query "$CASC" '[j["script"] for j in d["jobs"]]')
  [[ "$script" == *"pipelineJob('protostar')"* ]] || fail "$script"
  [[ "$script" == *"scriptPath('Jenkinsfile')"* ]] || fail "$script"
  [[ "$script" == *"url('\${PROTOSTAR_REPOSITORY_URL}')"* ]] || fail "$script"
  [[ -f "$PROTOSTAR_REPO/Jenkinsfile" ]]
}

@test "no StrictHostKeyChecking=no (or accept-new) anywhere in the repository" {
  local hits
  hits=$(cd "$PROTOSTAR_REPO" && git grep -nIiE 'StrictHostKeyChecking[ =]+(no|accept-new|off)' -- ':!scripts/test/*.bats' 2>/dev/null || true)
  [[ -z "$hits" ]] || fail "$hits"
  [[ "$(yaml_query "$CASC" 'd["security"]["gitHostKeyVerificationConfiguration"]["sshHostKeyVerificationStrategy"]')" == knownHostsFileVerificationStrategy ]]
}
