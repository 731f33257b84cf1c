# shellcheck shell=bash
# The deploy gate's grammar: which commands the deploy SSH key may run on the production
# host, word by word. Only BUILDS text (no side effects), so the gate (the forced
# command, scripts/libexec/protostar-deploy-gate) and the CI side (protostar remote, which
# checks a command before sending it) share one definition, and tests call it directly.
#
# Why a grammar and not a shell: the client's command arrives as one string
# (SSH_ORIGINAL_COMMAND). It is never given to a shell: it is split on spaces and every
# word must match a strict pattern for its position, so quotes, $(...), backticks, ';',
# '|', '&&', redirections, globs and newlines cannot even reach a parser.

GATE_MAX_LENGTH=512
# Letters, digits, space and . _ , - : enough for every valid command, nothing a shell
# (or a path) could make use of.
GATE_CHARS_RE='^[A-Za-z0-9 ._,-]+$'
# The part after protostar/<service>: (a bare tag only: the gate deploys protostar images).
GATE_TAG_RE='^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$'
GATE_SERVICE_RE='^(backend|ai-worker)$'
# The repositories load-image accepts, with a tag.
# shellcheck disable=SC2034 # read by the gate
GATE_IMAGE_RE='^protostar/(backend|ai-worker):[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$'

# gate_option_value_re OPTION — the pattern of OPTION's value; "flag" for an option without
# one; fails for an unknown option. (The deploy command checks the values' meaning again.)
gate_option_value_re() {
  case "$1" in
    --keep-warm) echo flag ;;
    --canary) echo '^[0-9]{1,3}(,[0-9]{1,3}){0,9}$' ;;
    --step) echo '^[0-9]{1,6}[sm]?$' ;;
    --max-error-rate) echo '^[0-9]{1,3}(\.[0-9]{1,3})?$' ;;
    --max-p95 | --min-requests | --drain | --timeout | --grace) echo '^[0-9]{1,6}$' ;;
    --warm-for) echo '^[0-9]{1,4}$' ;;
    *) return 1 ;;
  esac
}
GATE_DEPLOY_OPTIONS="--keep-warm --warm-for --drain --timeout --grace --canary --step --max-error-rate --max-p95 --min-requests"
GATE_ROLLBACK_OPTIONS="--keep-warm --warm-for --drain --timeout --grace"

# gate_show_char C — a character as a reader can see it in a one-line message.
gate_show_char() {
  case "$1" in
    $'\n') echo 'a newline' ;;
    $'\t') echo 'a tab' ;;
    [[:print:]]) printf "'%s'\n" "$1" ;;
    *) printf 'byte 0x%02x\n' "'$1" ;;
  esac
}

# gate_options ALLOWED WORDS... — checks the option words of a command (each option at
# most once); prints why not, and fails, on the first bad one.
gate_options() {
  local allowed=$1 word re seen=" "
  shift
  while (($#)); do
    word=$1
    shift
    if [[ " $allowed " != *" $word "* ]] || ! re=$(gate_option_value_re "$word"); then
      echo "unknown option or word '$word' (allowed: $allowed)"
      return 1
    fi
    if [[ "$seen" == *" $word "* ]]; then
      echo "option $word given twice"
      return 1
    fi
    seen+="$word "
    [[ "$re" == flag ]] && continue
    if (($# == 0)) || [[ ! "$1" =~ $re ]]; then
      echo "option $word needs a value like $(gate_option_example "$word") (got '${1:-nothing}')"
      return 1
    fi
    shift
  done
}
gate_option_example() {
  case "$1" in
    --canary) echo 10,50,100 ;;
    --step) echo 60s ;;
    --max-error-rate) echo 1.5 ;;
    *) echo 30 ;;
  esac
}

# gate_check COMMAND — the words of COMMAND, one a line, when the gate allows it (the
# first word is deploy, rollback, status, load-image or version); otherwise prints why
# not (one line) and fails.
gate_check() {
  local command=$1 bad
  local -a words
  if [[ -z "${command//[[:space:]]/}" ]]; then
    echo "no command: this key runs only deploy, rollback, status, load-image or version (no shell)"
    return 1
  fi
  if ((${#command} > GATE_MAX_LENGTH)); then
    echo "command longer than $GATE_MAX_LENGTH characters"
    return 1
  fi
  if [[ ! "$command" =~ $GATE_CHARS_RE ]]; then
    bad=$(LC_ALL=C tr -d 'A-Za-z0-9 ._,-' <<<"$command" | head -c 1)
    [[ -n "$bad" ]] || bad=$'\n'
    echo "character not allowed: $(gate_show_char "$bad") (only letters, digits, space and . _ , -)"
    return 1
  fi
  read -ra words <<<"$command"
  case "${words[0]}" in
    deploy)
      if [[ ! "${words[1]:-}" =~ $GATE_SERVICE_RE ]]; then
        echo "deploy needs a service, backend or ai-worker (got '${words[1]:-nothing}')"
        return 1
      fi
      if [[ ! "${words[2]:-}" =~ $GATE_TAG_RE ]]; then
        echo "deploy needs an image tag such as 1.4.2 or 0123abcd (got '${words[2]:-nothing}')"
        return 1
      fi
      gate_options "$GATE_DEPLOY_OPTIONS" "${words[@]:3}" || return 1
      ;;
    rollback)
      local i=1
      [[ "${words[i]:-}" =~ $GATE_SERVICE_RE ]] && i=$((i + 1))
      if [[ -n "${words[i]:-}" && "${words[i]}" != -* ]]; then
        if [[ ! "${words[i]}" =~ $GATE_TAG_RE ]]; then
          echo "rollback takes an image tag such as 1.4.2 (got '${words[i]}')"
          return 1
        fi
        i=$((i + 1))
      fi
      gate_options "$GATE_ROLLBACK_OPTIONS" "${words[@]:i}" || return 1
      ;;
    status | load-image | version)
      if ((${#words[@]} > 1)); then
        echo "${words[0]} takes no arguments (got '${words[1]}')"
        return 1
      fi
      ;;
    *)
      echo "command not allowed: '${words[0]}' (this key runs only deploy, rollback, status, load-image or version)"
      return 1
      ;;
  esac
  printf '%s\n' "${words[@]}"
}

# gate_printable TEXT — TEXT for a log line: control characters as '?', double quotes as
# single ones, at most 200 characters (a refused command is logged, never trusted).
gate_printable() {
  local text=${1//\"/\'}
  text=$(LC_ALL=C tr -c '[:print:]' '?' <<<"$text")
  text=${text%\?} # the newline <<< added
  if ((${#text} > 200)); then text="${text:0:200}..."; fi
  printf '%s\n' "$text"
}

# gate_log_line TIME CLIENT USER RESULT COMMAND [REASON] — one line of the gate's log.
gate_log_line() {
  local line
  line="$1 client=${2:--} user=${3:--} result=$4 command=\"$(gate_printable "$5")\""
  [[ -z "${6:-}" ]] || line+=" reason=\"$(gate_printable "$6")\""
  printf '%s\n' "$line"
}

# The members of a `docker save` archive that name images when it is loaded: the Docker
# manifest, the OCI index (newer Docker versions write both; the containerd image store
# loads the index) and the legacy `repositories` file.
GATE_NAMING_MEMBERS="manifest.json index.json repositories"

# archive_naming_members FILE — refuses an archive whose naming members could be read
# differently by `docker load` than by the check: each must be a plain file, appear once
# and at the top under its own name (`./manifest.json` or `x/../manifest.json` after
# `manifest.json` would overwrite it when Docker unpacks the archive; a link would point
# elsewhere). Prints why not, and fails.
archive_naming_members() {
  local listing line type name plain member seen=" "
  # Type and mode, owner, size, date, time, then the name (and "-> target" of a link).
  local entry_re='^(.)[^ ]* +[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ (.*)$'
  listing=$(tar -tvf "$1" 2>/dev/null) || {
    echo "not a docker save archive (not a tar file)"
    return 1
  }
  while IFS= read -r line; do
    [[ "$line" =~ $entry_re ]] || continue
    type=${BASH_REMATCH[1]} name=${BASH_REMATCH[2]}
    if [[ "$type" != - ]]; then
      for member in $GATE_NAMING_MEMBERS; do
        if [[ "$name" == *"$member"* ]]; then
          echo "archive member '$(gate_printable "$name")' is not a plain file"
          return 1
        fi
      done
      continue
    fi
    plain=${name##*/}
    [[ " $GATE_NAMING_MEMBERS " == *" $plain "* ]] || continue
    if [[ "$name" != "$plain" || "$seen" == *" $plain "* ]]; then
      echo "archive member '$(gate_printable "$name")' could stand for $plain a second time"
      return 1
    fi
    seen+="$plain "
  done <<<"$listing"
  if [[ "$seen" != *" manifest.json "* ]]; then
    echo "not a docker save archive (no manifest.json)"
    return 1
  fi
}

# archive_image_names FILE — the image names a `docker save` archive (plain or compressed:
# GNU tar recognises the compression of a file) would tag when loaded, one a line: the
# RepoTags of manifest.json, the image names of an OCI index.json and the name:tag pairs of
# a legacy `repositories` file, read as JSON with jq (so any spacing or line breaks are
# read as Docker reads them). Names only: each is checked against GATE_IMAGE_RE by the
# gate, and what `docker load` reports is checked again after loading. Prints why not,
# and fails, when the archive cannot be read that way.
archive_image_names() {
  local file=$1 member filter json names="" found
  archive_naming_members "$file" || return 1
  for member in $GATE_NAMING_MEMBERS; do
    # shellcheck disable=SC2016 # jq's own variables
    case "$member" in
      manifest.json) filter='if type == "array" then .[] | (.RepoTags // []) | if type == "array" then .[] else error("RepoTags is not a list") end else error("not a list") end' ;;
      # A full reference in ref.name is a name too (the tag alone is what Docker writes).
      index.json) filter='.manifests // [] | .[] | .annotations // {} | (.["io.containerd.image.name"] // empty), (.["org.opencontainers.image.ref.name"] // empty | select(test("[/:]")))' ;;
      repositories) filter='to_entries[] | .key as $repository | .value | keys[] | "\($repository):\(.)"' ;;
    esac
    json=$(tar -xOf "$file" "$member" 2>/dev/null) || continue
    if ! found=$(jq -r "$filter | if type == \"string\" then . else error(\"a name is not a string\") end" <<<"$json" 2>/dev/null); then
      echo "$member of the archive is not what docker save writes (JSON naming images)"
      return 1
    fi
    names+=$found$'\n'
  done
  sed -e 's|^docker\.io/||' -e '/^$/d' <<<"$names" | sort -u
}
