# shellcheck shell=bash
# Containers' CPU time and memory read from their cgroups, for benchmarks that say what a
# container costs over a phase. More precise than `docker stats --no-stream` (one
# instantaneous rate per call): the CPU figure of a phase is the CPU time the container
# used between its first and last sample, so nothing between two samples is missed.
#
#   cgroup_targets LABEL ID...      "LABEL-of-ID cpu-file memory-dir" lines for the running
#                                   containers ID (LABEL is a docker inspect template)
#   cgroup_sample TARGETS           one "epoch-seconds name cpu-ns memory-bytes" line each
#   cgroup_sampler_start TARGETS INTERVAL OUT
#                                   samples every INTERVAL s into OUT until cgroup_sampler_stop
#   cgroup_sampler_stop             stops it and takes a last sample (the phase's end)
#
# Memory is what `docker stats` shows: usage less the inactive page cache (a database's
# cache of its files would otherwise count as its memory). cgroup v1 (cpuacct.usage,
# memory.usage_in_bytes) and v2 (cpu.stat usage_usec, memory.current), whatever the
# cgroup driver: the paths come from /proc/<pid>/cgroup of each container's first process.

cgroup_v2() { [[ -f /sys/fs/cgroup/cgroup.controllers ]]; }

# cgroup_of PID CONTROLLER — the cgroup path of PID for a v1 controller (cpuacct, memory),
# or its v2 path.
cgroup_of() {
  if cgroup_v2; then
    sed -n 's/^0:://p' "/proc/$1/cgroup"
  else
    awk -F: -v c="$2" '{ n = split($2, names, ","); for (i = 1; i <= n; i++) if (names[i] == c) print $3 }' "/proc/$1/cgroup"
  fi
}

cgroup_targets() {
  local label=$1 id name pid
  shift
  for id in "$@"; do
    read -r name pid < <(docker inspect -f "$label {{.State.Pid}}" "$id")
    [[ -n "$pid" && "$pid" != 0 ]] || continue
    if cgroup_v2; then
      printf '%s %s %s\n' "$name" "/sys/fs/cgroup$(cgroup_of "$pid")/cpu.stat" "/sys/fs/cgroup$(cgroup_of "$pid")"
    else
      printf '%s %s %s\n' "$name" "/sys/fs/cgroup/cpuacct$(cgroup_of "$pid" cpuacct)/cpuacct.usage" \
        "/sys/fs/cgroup/memory$(cgroup_of "$pid" memory)"
    fi
  done
}

# stat_value FILE KEY — KEY's value in a "key value" file (0 when absent).
stat_value() {
  local key value
  while read -r key value; do
    if [[ "$key" == "$2" ]]; then
      printf '%s\n' "$value"
      return
    fi
  done <"$1"
  echo 0
}

cgroup_sample() {
  local name cpu_file memory_dir cpu memory now
  now=${EPOCHREALTIME}
  while read -r name cpu_file memory_dir; do
    # A container that stopped meanwhile has no cgroup any more: no sample.
    [[ -r "$cpu_file" ]] || continue
    if cgroup_v2; then
      cpu=$(($(stat_value "$cpu_file" usage_usec) * 1000))
      memory=$(($(<"$memory_dir/memory.current") - $(stat_value "$memory_dir/memory.stat" inactive_file)))
    else
      cpu=$(<"$cpu_file")
      memory=$(($(<"$memory_dir/memory.usage_in_bytes") - $(stat_value "$memory_dir/memory.stat" total_inactive_file)))
    fi
    printf '%s %s %s %s\n' "$now" "$name" "$cpu" "$memory"
  done <"$1" 2>/dev/null || true
}

cgroup_sampler_start() {
  local targets=$1 interval=$2 out=$3
  CGROUP_SAMPLER_TARGETS=$targets CGROUP_SAMPLER_OUT=$out CGROUP_SAMPLER_STOP="$out.stop"
  rm -f "$CGROUP_SAMPLER_STOP"
  # Bounded: it ends on its stop file, or when its output's directory is gone.
  (while [[ -d "$(dirname "$out")" && ! -e "$out.stop" ]]; do
    cgroup_sample "$targets" >>"$out"
    sleep "$interval"
  done) &
  CGROUP_SAMPLER_PID=$!
}

cgroup_sampler_stop() {
  [[ -n "${CGROUP_SAMPLER_PID:-}" ]] || return 0
  touch "$CGROUP_SAMPLER_STOP"
  kill "$CGROUP_SAMPLER_PID" 2>/dev/null || true
  wait "$CGROUP_SAMPLER_PID" 2>/dev/null || true
  CGROUP_SAMPLER_PID=""
  cgroup_sample "$CGROUP_SAMPLER_TARGETS" >>"$CGROUP_SAMPLER_OUT"
}

# cgroup_phase SAMPLES [GROUPS] — per name: "name cpu-percent-of-one-core memory-avg-MiB
# memory-max-MiB samples", the CPU over its first to its last sample. Then for each group
# of GROUPS (a file of "name group" lines; a name may be in several groups) the same as
# "=group ...": the sum of its names' CPU figures, and the average and the largest of the
# per-sample sums of their memory (the names sampled together share a time).
cgroup_phase() {
  awk 'FILENAME != ARGV[ARGC - 1] { member[$1, $2] = 1; groups[$2] = 1; next }
    {
      t = $1; n = $2
      if (!(n in t0)) { t0[n] = t; c0[n] = $3; order[++names] = n }
      t1[n] = t; c1[n] = $3; msum[n] += $4; mcount[n]++; if ($4 > mmax[n]) mmax[n] = $4
      times[t] = 1
      for (g in groups) if ((n, g) in member) sums[g, t] += $4
    }
    END {
      for (i = 1; i <= names; i++) {
        n = order[i]; c = (t1[n] > t0[n]) ? (c1[n] - c0[n]) / 1e9 / (t1[n] - t0[n]) * 100 : 0
        for (g in groups) if ((n, g) in member) cpu[g] += c
        printf "%s %.2f %.1f %.1f %d\n", n, c, msum[n] / mcount[n] / 1048576, mmax[n] / 1048576, mcount[n]
      }
      for (g in groups) {
        s = 0; k = 0; m = 0
        for (t in times) { s += sums[g, t]; k++; if (sums[g, t] > m) m = sums[g, t] }
        printf "=%s %.2f %.1f %.1f %d\n", g, cpu[g], k ? s / k / 1048576 : 0, m / 1048576, k
      }
    }' "${2:-/dev/null}" "$1"
}
