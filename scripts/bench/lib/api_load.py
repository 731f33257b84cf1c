#!/usr/bin/env python3
"""Load tools for scripts/bench/api (standard library only).

  mint   access tokens for the given user ids and tiers, signed with the stack's
         JWT_SECRET exactly as the backend signs them (HS256, typ at+jwt, iss protostar),
         so that thousands of SSE clients need no sign-up (Argon2 and the sign-up rate
         limit would make that take longer than the benchmark itself).
  post   questions at a fixed rate (open loop: a slow answer does not slow the sending),
         round-robin over (token, conversation) pairs, over keep-alive TLS connections;
         prints a JSON summary with latency percentiles and status counts.
"""
import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import ssl
import sys
import time
import urllib.parse
import uuid


def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def mint(args):
    secret = args.secret_file and open(args.secret_file).read().strip()
    now = int(time.time())
    header = b64url(json.dumps({"alg": "HS256", "typ": "at+jwt"}, separators=(",", ":")).encode())
    for line in sys.stdin:
        user_id, tier = line.split()
        claims = {"iss": "protostar", "sub": user_id, "tier": tier, "iat": now,
                  "exp": now + args.ttl, "jti": str(uuid.uuid4())}
        payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
        signing_input = f"{header}.{payload}".encode()
        signature = b64url(hmac.new(secret.encode(), signing_input, hashlib.sha256).digest())
        print(f"{header}.{payload}.{signature}")


class Connection:
    """One keep-alive HTTP/1.1 connection over TLS; reopened when the server closes it."""

    def __init__(self, url, cafile, connect_to=None):
        self.parts = urllib.parse.urlsplit(url)
        self.context = ssl.create_default_context(cafile=cafile)
        self.address = connect_to or self.parts.hostname
        self.reader = self.writer = None

    async def request(self, method, path, headers, body):
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(
                self.address, self.parts.port or 443, ssl=self.context, server_hostname=self.parts.hostname)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.parts.hostname}:{self.parts.port or 443}",
                 f"Content-Length: {len(body)}", "Content-Type: application/json"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        status = int((await self.reader.readline()).split(b" ")[1])
        length, chunked, close = 0, False, False
        while True:
            line = (await self.reader.readline()).decode("latin-1").strip()
            if not line:
                break
            name, _, value = line.partition(":")
            name, value = name.lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
            elif name == "connection" and value == "close":
                close = True
        if chunked:
            # Read the whole body, or the next response on this connection would start
            # in the middle of it.
            while True:
                size = int((await self.reader.readline()).split(b";")[0].strip() or b"0", 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        else:
            await self.reader.readexactly(length)
        if close:
            self.writer.close()
        return status


async def post(args):
    pairs = [line.split() for line in open(args.pairs_file) if line.strip()]
    latencies, statuses, errors = [], {}, 0
    idle = asyncio.Queue()
    for _ in range(args.connections):
        idle.put_nowait(Connection(args.url, args.cacert, args.connect_to))
    base = urllib.parse.urlsplit(args.url).path.rstrip("/")

    async def one(n):
        nonlocal errors
        token, conversation = pairs[n % len(pairs)]
        connection = await idle.get()
        body = json.dumps({"message": f"Benchmark question {n}: how many days of leave do I get?"}).encode()
        started = time.perf_counter()
        try:
            status = await asyncio.wait_for(connection.request(
                "POST", f"{base}/api/conversations/{conversation}/messages",
                {"Authorization": f"Bearer {token}"}, body), timeout=10)
            latencies.append(time.perf_counter() - started)
            statuses[status] = statuses.get(status, 0) + 1
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError, IndexError):
            errors += 1
            connection.writer = None
        finally:
            idle.put_nowait(connection)

    tasks, started = [], time.perf_counter()
    total = int(args.rate * args.seconds)
    for n in range(total):
        # Open loop: request n leaves at its planned time, whatever happened to n-1.
        delay = started + n / args.rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(one(n)))
    await asyncio.gather(*tasks)
    latencies.sort()

    def pct(p):
        return round(1000 * latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))], 1) if latencies else None

    print(json.dumps({"sent": total, "answered": len(latencies), "errors": errors, "statuses": statuses,
                      "rate": args.rate, "seconds": args.seconds,
                      "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99),
                      "max_ms": round(1000 * latencies[-1], 1) if latencies else None}))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["mint", "post"])
    parser.add_argument("--secret-file", help="mint: a file holding JWT_SECRET")
    parser.add_argument("--ttl", type=int, default=3600, help="mint: token lifetime in seconds")
    parser.add_argument("--url", help="post: https://host:port")
    parser.add_argument("--cacert")
    parser.add_argument("--connect-to", help="post: address to connect to instead of the URL's host")
    parser.add_argument("--pairs-file", help="post: lines of '<token> <conversation id>'")
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    if args.mode == "mint":
        if not args.secret_file:
            parser.error("mint needs --secret-file")
        mint(args)
    else:
        asyncio.run(post(args))


if __name__ == "__main__":
    main()
