# shellcheck shell=bash
# Constant HTTPS load for benchmarks, and the figures drawn from it. Sourced after
# scripts/lib/common.sh. Two kinds of clients run together until load_stop:
#
#   hey          LOAD_RATE requests/s over LOAD_WORKERS keep-alive HTTP/1.1 connections,
#                started as a new `hey -n` run every LOAD_CHUNK_SECONDS (see below why).
#   long-lived   LOAD_CLIENTS python3 clients, each holding one keep-alive connection for
#                the whole phase and sending a request on it every LOAD_CLIENT_INTERVAL s.
#
# Why hey runs in chunks of a fixed number of requests: in csv mode (one line per request,
# needed for latencies at given moments) hey 0.1.4 writes only the requests that got a
# response; a transport error (refused, reset, timeout, TLS failure) leaves no line, and
# the error counts appear only in its summary mode, which has no per-request data. With
# -n N and -c C each worker sends exactly N/C requests whatever happens (a failed request
# counts as sent), so for a finished run N minus the csv lines is exactly its number of
# transport errors. A -z run ends on a clock instead and its request count is unknown.
# The chunks start on a fixed schedule, not one after the other, so a slow chunk (a
# worker stuck on a slow request) does not pause the others: the offered rate stays put.
#
# A hey worker sends its requests one after another, so without -h2 (HTTP/1.1; hey turns
# HTTP/2 off then) the workers hold LOAD_WORKERS keep-alive connections (-c 3 opens 3):
# that many separate clients, which is what an nginx reload has to close gracefully.
# With -h2 the workers' requests would share a connection, as one client's would. -host
# sets both the Host header and the TLS SNI (hey copies it, port included, into the TLS
# ServerName), so it gets the host name alone. hey skips certificate verification; the
# long-lived clients verify the stack's certificate.
#
# A long-lived client does what browsers do (RFC 9112 §9.3.1): a request that got no
# response byte on a reused connection, which the server had closed meanwhile (nginx
# closes idle keep-alive connections on reload), is sent once more on a new connection,
# and counted as a reconnect. A request that fails after that retry, or on a fresh
# connection, or answers anything but 2xx, is a failed request.

LOAD_RATE=${LOAD_RATE:-300}
LOAD_WORKERS=${LOAD_WORKERS:-50}
LOAD_CHUNK_SECONDS=${LOAD_CHUNK_SECONDS:-5}
LOAD_CLIENTS=${LOAD_CLIENTS:-20}
LOAD_CLIENT_INTERVAL=${LOAD_CLIENT_INTERVAL:-0.5}
# A request without an answer after this long is a failed one (hey -t, client timeout).
LOAD_TIMEOUT=${LOAD_TIMEOUT:-10}
# Whatever happens, a load phase ends after this long.
LOAD_MAX_SECONDS=${LOAD_MAX_SECONDS:-1500}

# ensure_debian_tool COMMAND — a benchmark's tool (the Debian package of the same name),
# installed when missing.
ensure_debian_tool() {
  command -v "$1" >/dev/null && return 0
  if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null; then
    abort "$1 is missing: install it (apt-get install $1) and retry"
  fi
  info "installing $1 (Debian package)"
  if ! apt-get install -y -qq --no-install-recommends "$1" >/dev/null 2>&1; then
    apt-get update -qq >/dev/null 2>&1 || true
    apt-get install -y -qq --no-install-recommends "$1" >/dev/null 2>&1 || abort "apt-get install $1 failed"
  fi
}

# ensure_hey — the load tool.
ensure_hey() { ensure_debian_tool hey; }

now_us() { printf '%s\n' "${EPOCHREALTIME/./}"; }

# us_to_s MICROSECONDS — as seconds with 6 decimals (for sleep and for python).
us_to_s() { printf '%d.%06d\n' "$(($1 / 1000000))" "$(($1 % 1000000))"; }

# load_plan — workers, requests per worker per chunk and the per-worker rate that give
# LOAD_RATE: "WORKERS PER_WORKER QPS".
load_plan() {
  local workers=$LOAD_WORKERS per_worker
  ((workers <= LOAD_RATE)) || workers=$LOAD_RATE
  per_worker=$(((LOAD_RATE * LOAD_CHUNK_SECONDS + workers / 2) / workers))
  ((per_worker >= 1)) || per_worker=1
  printf '%s %s %s\n' "$workers" "$per_worker" \
    "$(awk -v k="$per_worker" -v s="$LOAD_CHUNK_SECONDS" 'BEGIN { printf "%g", k / s }')"
}

# load_start DIR HOST PORT SERVERNAME CAFILE [SECONDS] — starts both kinds of clients
# against https://HOST:PORT/api/health; their records go to DIR. With SECONDS, no hey run
# starts after that long (the phase has a known length); else they go on until load_stop.
# Sets LOAD_DIR and LOAD_PIDS.
load_start() {
  local dir=$1 host=$2 port=$3 servername=$4 cafile=$5 seconds=${6:-$LOAD_MAX_SECONDS}
  local workers per_worker qps
  LOAD_DIR=$dir
  mkdir -p "$dir"
  now_us >"$dir/began"
  read -r workers per_worker qps < <(load_plan)
  local url="https://$host:$port/api/health"
  (
    local i=0 next now deadline
    next=$(now_us)
    deadline=$((next + seconds * 1000000))
    while [[ -d "$dir" && ! -e "$dir/stop" ]] && ((next < deadline)); do
      printf '%d %s %d\n' "$i" "$(now_us)" "$((workers * per_worker))" >>"$dir/chunks"
      hey -n "$((workers * per_worker))" -c "$workers" -q "$qps" -t "$LOAD_TIMEOUT" \
        -host "$servername" -o csv "$url" >"$dir/chunk-$i.csv" 2>"$dir/chunk-$i.err" &
      echo "$!" >>"$dir/pids"
      i=$((i + 1))
      next=$((next + LOAD_CHUNK_SECONDS * 1000000))
      now=$(now_us)
      ((next <= now)) || sleep "$(us_to_s $((next - now)))"
    done
    wait
  ) &
  LOAD_PIDS=("$!")
  long_lived_clients "$host" "$port" "$servername" "$cafile" "$dir" &
  LOAD_PIDS+=("$!")
}

# load_stop — stops starting chunks and waits for the running ones (each ends by itself:
# a fixed number of requests, each at most LOAD_TIMEOUT s). Bounded: after 120 s the
# rest is killed, and those chunks are reported as incomplete.
load_stop() {
  [[ -n "${LOAD_DIR:-}" && -d "$LOAD_DIR" ]] || return 0
  touch "$LOAD_DIR/stop"
  now_us >"$LOAD_DIR/ended"
  local deadline=$((SECONDS + 120)) pid running
  while ((SECONDS < deadline)); do
    running=""
    for pid in "${LOAD_PIDS[@]}"; do running_job "$pid" && running=1; done
    [[ -n "$running" ]] || break
    sleep 0.2
  done
  load_kill
  wait "${LOAD_PIDS[@]}" 2>/dev/null || true
  LOAD_PIDS=()
}

# running_job PID — PID is a background job of this shell that still runs. A pid that
# has ended may already belong to another process: only these are ever signalled.
running_job() { [[ " $(jobs -pr | tr '\n' ' ') " == *" $1 "* ]]; }

# load_kill — ends this run's load processes that still run, by their pids: the hey runs
# whose parent is still this run's chunk loop, then the loop and the long-lived clients.
load_kill() {
  local loop=${LOAD_PIDS[0]:-} pid
  [[ -n "${LOAD_DIR:-}" ]] || return 0
  [[ -d "$LOAD_DIR" ]] && touch "$LOAD_DIR/stop"
  if [[ -n "$loop" && -f "$LOAD_DIR/pids" ]] && running_job "$loop"; then
    while read -r pid; do
      if [[ "$(ps -o ppid= -p "$pid" 2>/dev/null | tr -d ' ')" == "$loop" ]]; then
        kill "$pid" 2>/dev/null || true
      fi
    done <"$LOAD_DIR/pids"
  fi
  for pid in "${LOAD_PIDS[@]}"; do
    if running_job "$pid"; then kill "$pid" 2>/dev/null || true; fi
  done
}

# long_lived_clients HOST PORT SERVERNAME CAFILE DIR — LOAD_CLIENTS keep-alive HTTPS
# connections until DIR/stop appears (or LOAD_MAX_SECONDS). One line per request in
# DIR/long-lived.csv: start (epoch s), latency (s), status (0: no response), retried
# (a reconnect after the server closed the idle connection), announced (the previous
# response said Connection: close), X-Protostar-Backend, error.
long_lived_clients() {
  # exec: the background job's pid is python's own, so load_kill reaches it.
  exec python3 - "$@" "$LOAD_CLIENTS" "$LOAD_CLIENT_INTERVAL" "$LOAD_TIMEOUT" "$LOAD_MAX_SECONDS" <<'PY'
import http.client, os, socket, ssl, sys, threading, time

host, port, servername, cafile, out_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
clients, interval, timeout, max_seconds = int(sys.argv[6]), float(sys.argv[7]), float(sys.argv[8]), float(sys.argv[9])
stop_file = os.path.join(out_dir, "stop")
context = ssl.create_default_context(cafile=cafile)
deadline = time.monotonic() + max_seconds
lock = threading.Lock()
out = open(os.path.join(out_dir, "long-lived.csv"), "a", buffering=1)

# Closed before any byte of the response: what a client may retry on a reused connection.
NO_RESPONSE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
               ConnectionAbortedError, ssl.SSLEOFError, ssl.SSLZeroReturnError)


class Connection(http.client.HTTPSConnection):
    """HTTPS to HOST:PORT with SERVERNAME as Host, SNI and the certificate's name."""

    def connect(self):
        sock = socket.create_connection((host, port), self.timeout)
        self.sock = context.wrap_socket(sock, server_hostname=servername)


def new_connection():
    return Connection(servername, port, timeout=timeout)


def exchange(conn):
    conn.request("GET", "/api/health")
    response = conn.getresponse()
    response.read()
    return response.status, response.getheader("X-Protostar-Backend", "")


def clean(text):
    return text.replace(",", ";").replace("\n", " ")[:200]


def client(index):
    conn, used = None, 0
    next_at = time.monotonic() + interval * index / clients
    while os.path.isdir(out_dir) and not os.path.exists(stop_file) and time.monotonic() < deadline:
        pause = next_at - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        next_at += interval
        began, started = time.time(), time.monotonic()
        status, backend, error, retried, announced = 0, "", "", 0, 0
        if conn is not None and conn.sock is None:
            # The last response said Connection: close (http.client closed it): a new
            # connection, which the server asked for.
            announced, conn, used = 1, None, 0
        if conn is None:
            conn, used = new_connection(), 0
        try:
            status, backend = exchange(conn)
        except NO_RESPONSE as e:
            conn.close()
            conn = new_connection()
            if used > 0:
                retried = 1
                try:
                    status, backend = exchange(conn)
                except Exception as e2:
                    error = "after a reconnect: %s: %s" % (type(e2).__name__, e2)
                    conn.close()
                    conn = None
            else:
                error = "%s: %s" % (type(e).__name__, e)
                conn = None
            used = 0
        except Exception as e:
            error = "%s: %s" % (type(e).__name__, e)
            conn.close()
            conn, used = None, 0
        used += 1
        line = "%.6f,%.6f,%d,%d,%d,%s,%s\n" % (began, time.monotonic() - started, status, retried,
                                               announced, clean(backend), clean(error))
        with lock:
            out.write(line)
    if conn is not None:
        conn.close()


threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
PY
}

# load_stats DIR [WINDOWS] — the figures of one load phase as "key value" lines. WINDOWS
# is a file of "name from to" lines (epoch seconds): for each, the requests in flight
# during it. Latencies are in ms; percentiles by nearest rank, over every answered hey
# request (any status).
load_stats() {
  python3 - "$1" "${2:-}" "$LOAD_CHUNK_SECONDS" <<'PY'
import math, os, sys
from collections import Counter

d, windows_file, chunk_seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])


def pct(values, p):
    if not values:
        return 0.0
    return values[max(0, math.ceil(p / 100 * len(values)) - 1)]


def ms(v):
    return "%.1f" % (v * 1000)


def read_us(name):
    with open(os.path.join(d, name)) as f:
        return int(f.read().strip()) / 1e6


began = read_us("began")
ended = read_us("ended") if os.path.exists(os.path.join(d, "ended")) else began
hey = []  # (start, duration, status)
sent = incomplete = 0
first_chunk = last_chunk = None
if os.path.exists(os.path.join(d, "chunks")):
    for line in open(os.path.join(d, "chunks")):
        i, start_us, n = line.split()
        path = os.path.join(d, "chunk-%s.csv" % i)
        lines = [l for l in open(path).read().splitlines() if l.strip()] if os.path.exists(path) else []
        if not lines or not lines[0].startswith("response-time,"):
            incomplete += 1  # killed before it printed: its requests are unknown
            continue
        sent += int(n)
        start = int(start_us) / 1e6
        first_chunk = start if first_chunk is None else min(first_chunk, start)
        last_chunk = start if last_chunk is None else max(last_chunk, start)
        for row in lines[1:]:
            f = row.split(",")
            hey.append((start + float(f[7]), float(f[0]), int(f[6])))

ll = []  # (start, duration, status, retried, announced, backend, error)
path = os.path.join(d, "long-lived.csv")
if os.path.exists(path):
    for row in open(path):
        f = row.rstrip("\n").split(",", 6)
        if len(f) == 7:
            ll.append((float(f[0]), float(f[1]), int(f[2]), int(f[3]), int(f[4]), f[5], f[6]))

ok = lambda s: 200 <= s < 300
out = []
put = lambda k, v: out.append("%s %s" % (k, v))

lat = sorted(r[1] for r in hey)
codes = Counter(r[2] for r in hey if not ok(r[2]))
transport = max(0, sent - len(hey))
# The phase lasts until its last request ended: a hey run started just before the stop
# runs to its end (it was planned to last chunk_seconds; its failures have no time).
ended = max([ended] + [r[0] + r[1] for r in hey] + ([last_chunk + chunk_seconds] if hey or sent else []))
put("seconds", "%.1f" % (ended - began))
put("hey_sent", sent)
put("hey_rate", "%.0f" % (sent / max(ended - (first_chunk or began), 1e-9)))
put("hey_answered", len(hey))
put("hey_non2xx", sum(codes.values()))
put("hey_transport", transport)
put("hey_failed", sum(codes.values()) + transport)
put("hey_incomplete_chunks", incomplete)
kinds = ["HTTP %d x%d" % (c, n) for c, n in sorted(codes.items())]
if transport:
    kinds.append("transport-error x%d" % transport)
put("hey_codes", ", ".join(kinds) or "-")
for p in (50, 95, 99):
    put("hey_p%d" % p, ms(pct(lat, p)))
put("hey_max", ms(lat[-1] if lat else 0))

ll_lat = sorted(r[1] for r in ll if r[2])
ll_failed = [r for r in ll if not ok(r[2])]
put("ll_requests", len(ll))
put("ll_failed", len(ll_failed))
put("ll_reconnects", sum(r[3] for r in ll))
put("ll_announced", sum(r[4] for r in ll))
put("ll_p99", ms(pct(ll_lat, 99)))
put("ll_max", ms(ll_lat[-1] if ll_lat else 0))
errors = Counter(r[6] if not r[2] else "HTTP %d" % r[2] for r in ll_failed)
put("ll_errors", "; ".join("%dx %s" % (n, e) for e, n in errors.most_common(3)) or "-")
backends = Counter(r[5] or "-" for r in ll if r[2])
put("ll_backends", "; ".join("%s: %d" % (b, n) for b, n in sorted(backends.items())) or "-")
put("failed", sum(codes.values()) + transport + len(ll_failed))

if windows_file and os.path.exists(windows_file):
    for line in open(windows_file):
        parts = line.split()
        if len(parts) != 3:
            continue
        name, lo, hi = parts[0], float(parts[1]), float(parts[2])
        w = [r for r in hey if r[0] <= hi and r[0] + r[1] >= lo]
        wl = sorted(r[1] for r in w)
        wll = [r for r in ll if r[0] <= hi and r[0] + r[1] >= lo]
        put("w.%s.hey_requests" % name, len(w))
        put("w.%s.hey_non2xx" % name, sum(1 for r in w if not ok(r[2])))
        put("w.%s.hey_p99" % name, ms(pct(wl, 99)))
        put("w.%s.hey_max" % name, ms(wl[-1] if wl else 0))
        put("w.%s.ll_requests" % name, len(wll))
        put("w.%s.ll_failed" % name, sum(1 for r in wll if not ok(r[2])))
        put("w.%s.ll_reconnects" % name, sum(r[3] for r in wll))
        put("w.%s.hey_5xx" % name, sum(1 for r in w if r[2] >= 500))
        put("w.%s.ll_5xx" % name, sum(1 for r in wll if r[2] >= 500))
        put("w.%s.http5xx" % name, sum(1 for r in w if r[2] >= 500) + sum(1 for r in wll if r[2] >= 500))
        put("w.%s.backends" % name, "; ".join("%s: %d" % (b, n) for b, n in sorted(Counter(r[5] or "-" for r in wll if r[2]).items())) or "-")
print("\n".join(out))
PY
}
