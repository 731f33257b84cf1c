"""HTTPS requests at a fixed rate, each on a new connection; prints latency figures as JSON.

Used by scripts/bench/passthrough. Open loop: request i starts at start + i/rate in its
own thread, whether or not earlier ones have finished, so a slow answer does not lower
the offered rate. The requests go to the --target paths in turn (request i to target
i mod n), so every path sees the same moments of a busy machine and their difference is
the paths' own. A request's latency runs from the TCP connect to the last byte of the
answer: connect, a PROXY protocol v1 header when the target asks for one, the TLS
handshake (the server name sent as SNI, the certificate verified), one GET with basic
auth, the answer. Prints {target: {requests, errors, p50_ms, p99_ms, max_ms}}.
"""
import argparse
import base64
import json
import math
import socket
import ssl
import threading
import time


def one_request(args, target, context, results, lock):
    started = time.perf_counter()
    try:
        with socket.create_connection((target["address"], target["port"]), timeout=10) as raw:
            if target["proxy_header"]:
                src, sport = raw.getsockname()[:2]
                dst, dport = raw.getpeername()[:2]
                raw.sendall(f"PROXY TCP4 {src} {dst} {sport} {dport}\r\n".encode())
            with context.wrap_socket(raw, server_hostname=args.name) as tls:
                auth = base64.b64encode(args.auth.encode()).decode()
                tls.sendall((f"GET {args.path} HTTP/1.1\r\nHost: {args.name}\r\n"
                             f"Authorization: Basic {auth}\r\nConnection: close\r\n\r\n").encode())
                answer = b""
                while chunk := tls.recv(65536):
                    answer += chunk
        ok = answer.startswith(b"HTTP/1.1 200")
    except OSError:
        ok = False
    elapsed = (time.perf_counter() - started) * 1000
    with lock:
        results[target["name"]].append((ok, elapsed))


def percentile(sorted_values, p):
    """Nearest rank: the smallest value with at least p % of the values at or below it."""
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target", action="append", required=True,
                        help="NAME=ADDRESS:PORT, or NAME=ADDRESS:PORT:proxy-header (repeatable)")
    parser.add_argument("--name", required=True, help="server name (SNI and Host)")
    parser.add_argument("--path", default="/")
    parser.add_argument("--cafile", required=True)
    parser.add_argument("--auth", required=True, help="USER:PASSWORD")
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    targets = []
    for spec in args.target:
        name, _, rest = spec.partition("=")
        parts = rest.split(":")
        targets.append({"name": name, "address": parts[0], "port": int(parts[1]),
                        "proxy_header": parts[2:] == ["proxy-header"]})

    context = ssl.create_default_context(cafile=args.cafile)
    context.set_alpn_protocols(["http/1.1"])
    results, lock, threads = {t["name"]: [] for t in targets}, threading.Lock(), []
    total = int(args.rate * args.seconds)
    start = time.perf_counter()
    for i in range(total):
        delay = start + i / args.rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        thread = threading.Thread(target=one_request, args=(args, targets[i % len(targets)], context, results, lock))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    figures = {}
    for name, outcomes in results.items():
        latencies = sorted(ms for ok, ms in outcomes if ok)
        figures[name] = {
            "requests": len(outcomes),
            "errors": sum(1 for ok, _ in outcomes if not ok),
            "p50_ms": round(percentile(latencies, 50), 2) if latencies else None,
            "p99_ms": round(percentile(latencies, 99), 2) if latencies else None,
            "max_ms": round(latencies[-1], 2) if latencies else None,
        }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
