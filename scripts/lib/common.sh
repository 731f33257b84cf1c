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

utc_now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

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
