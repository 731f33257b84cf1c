# shellcheck shell=bash
# Shared helpers for every protostar subcommand: messages, errors, numbered steps.

[[ -z "${DEBUG:-}" ]] || set -x

info() { printf '%s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
abort() {
  printf 'protostar: %s\n' "$*" >&2
  exit 1
}

# step N/M "text" — numbered progress for long commands.
step() { printf '[%s] %s\n' "$1" "$2" >&2; }

utc_now() { TZ=UTC0 printf '%(%Y-%m-%dT%H:%M:%SZ)T\n' -1; }

# log_file NAME — where the output of a long command goes: kept after a failure, so the
# full output can be read.
log_file() {
  local dir=${PROTOSTAR_LOG_DIR:-${TMPDIR:-/tmp}/protostar-logs}
  mkdir -p "$dir"
  printf '%s/%s.log\n' "$dir" "$1"
}

# quietly LOG CMD... — runs CMD with its output in LOG; on failure shows the last lines.
quietly() {
  local log=$1
  shift
  if ! "$@" >"$log" 2>&1; then
    tail -n 25 "$log" >&2
    abort "failed: $* (full log: $log)"
  fi
}

# usage_from_header FILE — the "# Usage:" and following comment lines of a command file.
usage_from_header() {
  sed -n '/^# Usage:/,/^[^#]/{/^[^#]/d;s/^# \{0,1\}//;p}' "$1"
}

# summary_from_header FILE — its "# Summary:" line.
summary_from_header() {
  sed -n 's/^# Summary: //p' "$1"
}

# handle_help "$@" — every command answers -h/--help from its own header.
handle_help() {
  local arg
  for arg in "$@"; do
    case "$arg" in
      -h | --help)
        usage_from_header "$0"
        exit 0
        ;;
    esac
  done
}

# unknown_option OPT — the one way commands reject a flag, with a hint.
unknown_option() {
  abort "unknown option '$1' (see: protostar $(basename "$0" | sed 's/^protostar-//') --help)"
}

# unknown_action WORD CHOICES — the one way commands reject an action: a word that looks
# like a flag is an unknown option; otherwise the choices, and the nearest of them.
unknown_action() {
  local word=$1 choices=$2 near hint="" list
  [[ "$word" != -* ]] || unknown_option "$word"
  read -ra list <<<"$choices"
  near=$(nearest_word "$word" "${list[@]}")
  [[ -z "$near" ]] || hint=" (did you mean '$near'?)"
  abort "unknown action '$word'$hint: $choices (see: protostar $(basename "$0" | sed 's/^protostar-//') --help)"
}

# image_source CURRENT FLAG — the image source --offline or --upstream names; aborts when
# CURRENT (the one an earlier flag named) is the other.
image_source() {
  local source=${2#--}
  [[ -z "$1" || "$1" == "$source" ]] || abort "--offline and --upstream exclude each other: choose one"
  printf '%s\n' "$source"
}

# edit_distance A B — edits from A to B: insertions, deletions, substitutions and swaps
# of two neighbouring letters (a typo's usual kinds).
edit_distance() {
  local a=$1 b=$2 i j cost
  local -a dist_before=() dist_previous=() dist_current=()
  for ((j = 0; j <= ${#b}; j++)); do dist_previous[j]=$j; done
  for ((i = 1; i <= ${#a}; i++)); do
    dist_current=("$i")
    for ((j = 1; j <= ${#b}; j++)); do
      cost=1
      [[ "${a:i-1:1}" != "${b:j-1:1}" ]] || cost=0
      dist_current[j]=$((dist_previous[j - 1] + cost))
      ((dist_previous[j] + 1 >= dist_current[j])) || dist_current[j]=$((dist_previous[j] + 1))
      ((dist_current[j - 1] + 1 >= dist_current[j])) || dist_current[j]=$((dist_current[j - 1] + 1))
      if ((i > 1 && j > 1)) && [[ "${a:i-1:1}" == "${b:j-2:1}" && "${a:i-2:1}" == "${b:j-1:1}" ]]; then
        ((dist_before[j - 2] + 1 >= dist_current[j])) || dist_current[j]=$((dist_before[j - 2] + 1))
      fi
    done
    dist_before=("${dist_previous[@]}")
    dist_previous=("${dist_current[@]}")
  done
  printf '%s\n' "${dist_previous[${#b}]}"
}

# nearest_word WORD CANDIDATES... — the candidate WORD most likely meant (a typo: at most
# a third of its letters off, at least one; or a candidate it is the start of); nothing
# when none is close.
nearest_word() {
  local word=$1 candidate best="" best_distance distance limit
  shift
  limit=$((${#word} / 3))
  ((limit >= 1)) || limit=1
  best_distance=$((limit + 1))
  for candidate in "$@"; do
    distance=$(edit_distance "${word,,}" "${candidate,,}")
    if ((distance < best_distance)); then
      best=$candidate best_distance=$distance
    fi
  done
  if [[ -z "$best" && ${#word} -ge 2 ]]; then
    for candidate in "$@"; do
      [[ "$candidate" != "$word"* ]] || {
        best=$candidate
        break
      }
    done
  fi
  [[ -z "$best" ]] || printf '%s\n' "$best"
}

# no_such_command WORD — refuses a command name, naming the nearest command.
no_such_command() {
  local near hint="" commands
  mapfile -t commands < <(protostar_commands)
  near=$(nearest_word "$1" "${commands[@]}")
  [[ -z "$near" ]] || hint="; did you mean '$near'?"
  abort "no such command '$1'$hint (see: protostar help)"
}

# protostar_version — this checkout's release: its tag when HEAD is tagged, else the
# commit (12 hex digits, as the app images are tagged), "-dirty" when files differ;
# VERSION's content in an unpacked release without git.
protostar_version() {
  if git -C "$PROTOSTAR_ROOT" rev-parse --verify -q HEAD >/dev/null 2>&1; then
    git -C "$PROTOSTAR_ROOT" describe --tags --exact-match HEAD 2>/dev/null ||
      git -C "$PROTOSTAR_ROOT" describe --always --abbrev=12 --dirty 2>/dev/null
  elif [[ -f "$PROTOSTAR_ROOT/VERSION" ]]; then
    cat "$PROTOSTAR_ROOT/VERSION"
  else
    echo unknown
  fi
}

# protostar_commands — the CLI's command names, one per line.
protostar_commands() {
  local exe
  for exe in "$PROTOSTAR_ROOT"/scripts/libexec/protostar-*; do printf '%s\n' "${exe##*/protostar-}"; done
}
