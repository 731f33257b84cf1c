#!/usr/bin/env python3
"""Server-sent events clients for the end-to-end tests and the API benchmark.

  follow  one client, as a browser's EventSource behaves: it records every event
          (id, event, data) as a JSON line, and when the stream ends or breaks it
          reconnects after the server's `retry:` hint with `Last-Event-ID`, the id of
          the last event it received. Stops at --until-file, or after --seconds.
  hold    many idle clients at once (one token each, round-robin), for a capacity
          benchmark: connects them, holds them for --seconds, prints a JSON summary.

Only the standard library: asyncio streams over TLS, HTTP/1.1 by hand.
"""
import argparse
import asyncio
import json
import os
import ssl
import sys
import time
import urllib.parse


def tls_context(cafile):
    context = ssl.create_default_context(cafile=cafile)
    # The tests resolve the stack's host name to 127.0.0.1 themselves.
    context.check_hostname = True
    return context


async def open_stream(url, token, last_event_id, cafile, connect_to=None):
    """Connects and sends the GET; returns (reader, writer, status, headers)."""
    parts = urllib.parse.urlsplit(url)
    host, port = parts.hostname, parts.port or 443
    address = connect_to or host
    reader, writer = await asyncio.open_connection(
        address, port, ssl=tls_context(cafile), server_hostname=host, limit=1 << 20)
    lines = [
        f"GET {parts.path}{'?' + parts.query if parts.query else ''} HTTP/1.1",
        f"Host: {host}:{port}",
        "Accept: text/event-stream",
        "Cache-Control: no-cache",
        f"Authorization: Bearer {token}",
    ]
    if last_event_id:
        lines.append(f"Last-Event-ID: {last_event_id}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    status_line = (await reader.readline()).decode("latin-1").strip()
    status = int(status_line.split(" ")[1]) if status_line else 0
    headers = {}
    while True:
        line = (await reader.readline()).decode("latin-1")
        if line in ("\r\n", "\n", ""):
            break
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return reader, writer, status, headers


async def chunked_lines(reader, headers):
    """Yields the body's lines, decoding chunked transfer encoding when used."""
    if headers.get("transfer-encoding", "").lower() != "chunked":
        while True:
            line = await reader.readline()
            if not line:
                return
            yield line.decode("utf-8")
    buffer = b""
    while True:
        size_line = await reader.readline()
        if not size_line:
            return
        size = int(size_line.strip().split(b";")[0] or b"0", 16)
        if size == 0:
            return
        buffer += await reader.readexactly(size)
        await reader.readexactly(2)
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            yield line.decode("utf-8") + "\n"


async def events(reader, headers):
    """Yields (field dict) per event; comments and heartbeats are skipped."""
    event = {}
    async for raw in chunked_lines(reader, headers):
        line = raw.rstrip("\r\n")
        if line == "":
            if "data" in event or "event" in event:
                yield event
            elif "retry" in event:
                yield event
            event = {}
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "data":
            event["data"] = event["data"] + "\n" + value if "data" in event else value
        elif name in ("id", "event", "retry"):
            event[name] = value


async def follow(args):
    token = open(args.token_file).read().strip()
    last_id = args.last_event_id
    retry_ms = 1000
    deadline = time.monotonic() + args.seconds
    connections = 0
    with open(args.out, "a", buffering=1) as out:
        while time.monotonic() < deadline and not os.path.exists(args.until_file or "/nonexistent"):
            try:
                reader, writer, status, headers = await open_stream(
                    args.url, token, last_id, args.cacert, args.connect_to)
            except OSError as error:
                out.write(json.dumps({"connect_error": str(error), "at": time.time()}) + "\n")
                await asyncio.sleep(retry_ms / 1000)
                continue
            connections += 1
            out.write(json.dumps({"connected": connections, "status": status, "last_event_id": last_id,
                                  "backend": headers.get("x-protostar-backend"), "at": time.time()}) + "\n")
            if status != 200:
                writer.close()
                await asyncio.sleep(retry_ms / 1000)
                continue
            try:
                async for event in events(reader, headers):
                    if "retry" in event:
                        retry_ms = int(event["retry"])
                    if "id" in event:
                        last_id = event["id"]
                    if "event" in event or "data" in event:
                        out.write(json.dumps({"id": event.get("id"), "event": event.get("event", "message"),
                                              "data": event.get("data"), "connection": connections}) + "\n")
                    if time.monotonic() >= deadline or os.path.exists(args.until_file or "/nonexistent"):
                        break
            except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                out.write(json.dumps({"stream_error": str(error), "at": time.time()}) + "\n")
            writer.close()
            await asyncio.sleep(retry_ms / 1000)


async def hold_one(args, token, stats, stop):
    try:
        reader, writer, status, headers = await open_stream(args.url, token, None, args.cacert, args.connect_to)
    except OSError:
        stats["connect_errors"] += 1
        return
    if status != 200:
        stats["status_" + str(status)] = stats.get("status_" + str(status), 0) + 1
        writer.close()
        return
    stats["connected"] += 1
    stats["open"] += 1
    try:
        reading = asyncio.ensure_future(reader.read(65536))
        while not stop.is_set():
            done, _ = await asyncio.wait({reading}, timeout=1)
            if reading in done:
                if not reading.result():
                    stats["closed_by_server"] += 1
                    break
                stats["bytes"] += len(reading.result())
                reading = asyncio.ensure_future(reader.read(65536))
        reading.cancel()
    except (OSError, asyncio.IncompleteReadError):
        stats["stream_errors"] += 1
    finally:
        stats["open"] -= 1
        writer.close()


async def hold(args):
    tokens = [line.strip() for line in open(args.token_file) if line.strip()]
    stats = {"wanted": args.clients, "connected": 0, "open": 0, "connect_errors": 0,
             "closed_by_server": 0, "stream_errors": 0, "bytes": 0}
    stop = asyncio.Event()
    tasks = []
    started = time.monotonic()
    for n in range(args.clients):
        tasks.append(asyncio.ensure_future(hold_one(args, tokens[n % len(tokens)], stats, stop)))
        if n % args.batch == args.batch - 1:
            await asyncio.sleep(args.batch_pause)
    # Wait until every client has an answer (connected or failed), then hold.
    while stats["connected"] + stats["connect_errors"] + sum(
            v for k, v in stats.items() if k.startswith("status_")) < args.clients:
        if time.monotonic() - started > args.connect_timeout:
            break
        await asyncio.sleep(0.5)
    stats["connect_seconds"] = round(time.monotonic() - started, 1)
    ready = args.ready_file
    if ready:
        with open(ready, "w") as f:
            f.write(json.dumps(stats) + "\n")
    await asyncio.sleep(args.seconds)
    stats["open_at_end"] = stats["open"]
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    print(json.dumps(stats))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["follow", "hold"])
    parser.add_argument("--url", required=True, help="https://host:port/api/events")
    parser.add_argument("--cacert", required=True)
    parser.add_argument("--token-file", required=True, help="follow: one token; hold: one per line")
    parser.add_argument("--connect-to", help="address to connect to instead of the URL's host")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--out", help="follow: JSON lines of events and connections")
    parser.add_argument("--until-file", help="follow: stop once this file exists")
    parser.add_argument("--last-event-id", help="follow: start as a reconnecting client")
    parser.add_argument("--clients", type=int, default=100, help="hold: how many")
    parser.add_argument("--batch", type=int, default=200, help="hold: connect this many, then pause")
    parser.add_argument("--batch-pause", type=float, default=0.2)
    parser.add_argument("--connect-timeout", type=float, default=300)
    parser.add_argument("--ready-file", help="hold: written (summary so far) once all have connected")
    args = parser.parse_args()
    if args.mode == "follow" and not args.out:
        parser.error("follow needs --out")
    asyncio.run(follow(args) if args.mode == "follow" else hold(args))


if __name__ == "__main__":
    sys.exit(main())
