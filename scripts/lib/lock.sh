# shellcheck shell=bash
# The deploy lock: one change (deploy, rollback, maintenance on/off) at a time on this
# host. A directory made with mkdir (atomic) holding an "owner" file: pid, the pid's start
# time (so a reused pid is not taken for the holder), user, host, command, start. A short
# flock guards the check-and-take, so two commands never both take over one stale lock.
# Needs STATE_DIR (config.sh). Sourced by change.sh and protostar-status.

LOCK_HELD=""
# This host's name as `uname -n` gives it, read without a fork.
read -r LOCK_HOST 2>/dev/null </proc/sys/kernel/hostname || LOCK_HOST=$(uname -n)

lock_dir() { printf '%s/deploy.lock\n' "$STATE_DIR"; }

# deploy_user — who is changing things: PROTOSTAR_ACTOR (a CI job may pass the person who
# started it), else the sudo caller, else the user running the command.
# The Unix user is looked up once (acquire_lock asks first, outside a subshell).
LOCK_UNIX_USER=""
deploy_user() {
  if [[ -z "${PROTOSTAR_ACTOR:-${SUDO_USER:-}}" && -z "$LOCK_UNIX_USER" ]]; then
    LOCK_UNIX_USER=$(id -un 2>/dev/null || id -u)
  fi
  printf '%s\n' "${PROTOSTAR_ACTOR:-${SUDO_USER:-$LOCK_UNIX_USER}}"
}

lock_owner_value() { sed -n "s/^$2=//p" "$1/owner" 2>/dev/null | head -n 1; }

# process_start_time PID — field 22 of /proc/PID/stat (after the command name, which may
# hold spaces and parentheses: the fields after its last ") "). Builtins only: the lock is
# taken on a rollback's clock, where every fork counts on a saturated host.
process_start_time() {
  local stat
  local -a fields
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 0
  read -ra fields <<<"${stat##*) }"
  printf '%s\n' "${fields[19]:-}"
}

lock_describe() {
  local dir=$1
  if [[ ! -f "$dir/owner" ]]; then
    printf 'an unknown holder (no owner file in %s)\n' "$dir"
    return
  fi
  printf "pid %s (%s@%s), running '%s' since %s\n" "$(lock_owner_value "$dir" pid)" \
    "$(lock_owner_value "$dir" user)" "$(lock_owner_value "$dir" host)" \
    "$(lock_owner_value "$dir" command)" "$(lock_owner_value "$dir" started)"
}

# lock_is_stale DIR — its holder is known to be gone: a pid of this host that no longer
# runs (or now belongs to another process), or no owner file after a minute.
lock_is_stale() {
  local dir=$1 pid start host
  if [[ ! -f "$dir/owner" ]]; then
    (($(date +%s) - $(stat -c %Y "$dir" 2>/dev/null || date +%s) > 60))
    return
  fi
  pid=$(lock_owner_value "$dir" pid)
  start=$(lock_owner_value "$dir" pid_start)
  host=$(lock_owner_value "$dir" host)
  [[ "$host" == "$LOCK_HOST" ]] || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  [[ -d "/proc/$pid" ]] || return 0
  [[ -n "$start" && "$(process_start_time "$pid")" != "$start" ]]
}

# acquire_lock COMMAND — takes the deploy lock or aborts naming its holder. A command that
# holds it already (one that prepares a deploy under the lock, e.g. secrets rotate) keeps it.
acquire_lock() {
  local command=$1 dir="$STATE_DIR/deploy.lock" guard tmp # lock_dir, without a fork
  [[ -z "$LOCK_HELD" ]] || return 0
  [[ -d "$STATE_DIR" ]] || mkdir -p "$STATE_DIR"
  exec {guard}>"$STATE_DIR/.deploy.lock.guard"
  flock -w 10 "$guard" || abort "could not take $STATE_DIR/.deploy.lock.guard within 10s"
  if ! mkdir "$dir" 2>/dev/null; then
    if lock_is_stale "$dir"; then
      warn "stale deploy lock: $(lock_describe "$dir") no longer runs; taking it over"
      rm -rf "$dir"
      mkdir "$dir"
    else
      local holder host
      holder=$(lock_describe "$dir")
      host=$(lock_owner_value "$dir" host)
      exec {guard}>&-
      if [[ -n "$host" && "$host" != "$LOCK_HOST" ]]; then
        abort "the deploy lock is held by $holder on another host: if nothing runs there, remove $dir"
      fi
      abort "another deploy is in progress: $holder; try again when it has finished (lock: $dir)"
    fi
  fi
  # Written beside, then renamed: a reader never sees half an owner file. No command
  # substitutions (each a fork): the host name was read once (LOCK_HOST).
  tmp="$dir/.owner.$$"
  {
    printf 'pid=%s\npid_start=' "$$"
    process_start_time "$$"
    printf 'user='
    deploy_user
    printf 'host=%s\ncommand=%s\n' "$LOCK_HOST" "$command"
    TZ=UTC0 printf 'started=%(%Y-%m-%dT%H:%M:%SZ)T\n' -1
  } >"$tmp"
  mv "$tmp" "$dir/owner"
  LOCK_HELD=1
  exec {guard}>&-
}

# release_lock — removes the lock if this process holds it.
release_lock() {
  local dir="$STATE_DIR/deploy.lock" line="" # lock_dir, without a fork
  [[ -n "$LOCK_HELD" ]] || return 0
  # The owner file's first line, read without a fork: pid=<holder>.
  read -r line 2>/dev/null <"$dir/owner" || true
  [[ "$line" == "pid=$$" ]] && rm -rf "$dir"
  LOCK_HELD=""
}
