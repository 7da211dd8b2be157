"""A latency model of S3: an asyncio HTTP proxy that delays every request by its kind.

    python -m bench.latency --upstream http://127.0.0.1:8333 [--list-ms 150 --get-ms 20 ...]

prints `listening http://127.0.0.1:PORT` once it accepts connections, then relays until
killed. Each client connection gets its own upstream connection, and each request waits
its own `asyncio.sleep` before it is forwarded: 64 concurrent GETs wait 20 ms together,
not 64 x 20 ms, exactly as concurrent requests to S3 do. `GET /_latency/stats` answers
the request counts per kind (for "how many GETs did this case make").

Default delays (the time to first byte of one request in the same region):
- GET and HEAD of a small object, 20 ms: S3's performance guide gives median latencies
  "in the tens of milliseconds" for requests under 512 KB (its advice: retry such a
  GET or PUT after 2 s).
- PUT, 40 ms: a write is acknowledged once stored redundantly; twice a GET.
- LIST, 150 ms per ListObjectsV2 page of 1,000 keys: ClickHouse's maintainers measure
  "typically 0.3 seconds" a page (10 million keys in about an hour listed serially);
  the same guide quotes 100-200 ms for S3's first byte in general. 150 ms is the middle
  of that range, so the listing figures here are, if anything, flattering to serial
  listing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from urllib.parse import parse_qs, urlsplit

from bench.seaweed import Server, die_with_parent, stop_process

KINDS = ("list", "get", "head", "put", "other")
STATS_PATH = "/_latency/stats"
_NO_BODY_STATUS = frozenset({204, 304})
_LIMIT = 1 << 20  # longest head the proxy accepts (S3 keys are at most 1,024 bytes)
_SMALL_BODY = 1 << 20  # bodies up to this size are read whole and written with their head
_DROP_EXPECT = frozenset({"expect"})


@dataclass(frozen=True)
class Delays:
    """Seconds each kind of request waits before it reaches the server."""

    list_s: float = 0.150
    get_s: float = 0.020
    head_s: float = 0.020
    put_s: float = 0.040
    other_s: float = 0.040  # POST (multi-object delete, multipart), DELETE, bucket calls

    def of(self, kind: str) -> float:
        return float(getattr(self, f"{kind}_s"))


class BadRequest(Exception):
    """The client sent something the proxy cannot frame (it closes that connection)."""


def request_kind(method: str, target: str) -> str:
    """`list`, `get`, `head`, `put` or `other`, from a path-style S3 request line.

    A GET of the bucket itself (`/bucket`, `/bucket/`, `/bucket?list-type=2&...`) is a
    listing; a GET with a key after the bucket is an object GET.
    """
    path = target.partition("?")[0]
    has_key = "/" in path.strip("/")
    if method == "GET":
        return "get" if has_key else "list"
    if method == "HEAD":
        return "head"
    if method == "PUT" and has_key:
        return "put"
    return "other"


def list_prefix(target: str) -> str:
    """The `prefix` parameter of a listing request ("" when it lists the whole bucket)."""
    return parse_qs(target.partition("?")[2]).get("prefix", [""])[0]


@dataclass
class Head:
    """The start line and headers of a request or response, as received."""

    start: str
    headers: list[tuple[str, str]]
    by_name: dict[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.by_name = {k.lower(): v for k, v in self.headers}

    def get(self, name: str) -> str | None:
        """The value of header `name` (given in lower case)."""
        return self.by_name.get(name)

    def encode(self, drop: frozenset[str] = frozenset()) -> bytes:
        lines = [self.start, *(f"{k}: {v}" for k, v in self.headers if k.lower() not in drop)]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def read_head(reader: asyncio.StreamReader) -> Head | None:
    """The next head on the stream, or None at a clean end of stream."""
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial.strip():
            raise BadRequest("stream ended inside a head") from exc
        return None
    lines = raw.decode("latin-1").split("\r\n")[:-2]
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            raise BadRequest(f"malformed header line {line[:80]!r}")
        headers.append((name.strip(), value.strip()))
    return Head(lines[0], headers)


async def relay(head: Head, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, drop: frozenset[str]) -> bool:
    """Write `head` and copy the body it announces; False when the body runs to the end of the stream.

    A small body goes out in the same write as its head: one system call per message
    keeps the proxy's own CPU per request low (it shares the machine with the client).
    """
    encoded = head.encode(drop)
    if "chunked" in (head.get("transfer-encoding") or "").lower():
        writer.write(encoded)
        await _relay_chunked(reader, writer)
        return True
    length = head.get("content-length")
    if length is None:
        writer.write(encoded)
        return False
    remaining = int(length)
    if remaining <= _SMALL_BODY:
        writer.write(encoded + await reader.readexactly(remaining) if remaining else encoded)
        return True
    writer.write(encoded)
    while remaining:
        chunk = await reader.read(min(remaining, 1 << 16))
        if not chunk:
            raise BadRequest("stream ended inside a body")
        writer.write(chunk)
        remaining -= len(chunk)
        await writer.drain()
    return True


async def _relay_chunked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while True:
        size_line = await reader.readuntil(b"\r\n")
        writer.write(size_line)
        size = int(size_line.split(b";", 1)[0].strip(), 16)
        if size == 0:
            while (trailer := await reader.readuntil(b"\r\n")) != b"\r\n":
                writer.write(trailer)
            writer.write(b"\r\n")
            return
        writer.write(await reader.readexactly(size + 2))


class Proxy:
    """Relays HTTP/1.1 between clients and one upstream, delaying each request first."""

    def __init__(self, upstream: str, delays: Delays) -> None:
        parts = urlsplit(upstream)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.delays = delays
        self.counts: Counter[str] = Counter()
        self.list_prefixes: Counter[str] = Counter()  # LIST requests per `prefix` parameter

    async def handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            while (head := await read_head(client_r)) is not None:
                upstream = await self._exchange(head, client_r, client_w, upstream)
                if upstream is None:
                    break
        except (BadRequest, ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            for writer in (client_w, upstream[1] if upstream else None):
                if writer is not None:
                    writer.close()

    async def _exchange(
        self,
        head: Head,
        client_r: asyncio.StreamReader,
        client_w: asyncio.StreamWriter,
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None,
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """One request and its response; the upstream connection to reuse, or None to close."""
        method, target, _version = head.start.split(" ", 2)
        if target == STATS_PATH:
            await self._answer_stats(client_w)
            return upstream
        kind = request_kind(method, target)
        self.counts[kind] += 1
        if kind == "list":
            self.list_prefixes[list_prefix(target)] += 1
        if (head.get("expect") or "").lower() == "100-continue":
            client_w.write(b"HTTP/1.1 100 Continue\r\n\r\n")  # the body follows at once, no 1 s wait
        await asyncio.sleep(self.delays.of(kind))
        if upstream is None:
            upstream = await asyncio.open_connection(self.host, self.port, limit=_LIMIT)
        up_r, up_w = upstream
        await relay(head, client_r, up_w, _DROP_EXPECT)  # a request without a length has no body
        await up_w.drain()
        response = await read_head(up_r)
        if response is None:
            raise BadRequest("upstream closed before answering")
        status = int(response.start.split(" ", 2)[1])
        framed = True
        if method == "HEAD" or status in _NO_BODY_STATUS or status < 200:
            client_w.write(response.encode())
        elif not await relay(response, up_r, client_w, frozenset()):
            framed = False  # no length: the body runs to the end of the upstream stream
            client_w.write(await up_r.read())
        await client_w.drain()
        closing = not framed or "close" in (response.get("connection") or "").lower()
        if closing or "close" in (head.get("connection") or "").lower():
            up_w.close()
            return None
        return upstream

    async def _answer_stats(self, client_w: asyncio.StreamWriter) -> None:
        stats = {
            "counts": {k: self.counts[k] for k in KINDS},
            "list_prefixes": dict(self.list_prefixes),
            "delays": asdict(self.delays),
        }
        body = json.dumps(stats).encode()
        client_w.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        await client_w.drain()


async def serve(upstream: str, delays: Delays, host: str, port: int) -> None:
    proxy = Proxy(upstream, delays)
    server = await asyncio.start_server(proxy.handle, host, port, limit=_LIMIT, backlog=1024)
    bound = server.sockets[0].getsockname()
    print(f"listening http://{bound[0]}:{bound[1]}", flush=True)
    async with server:
        await server.serve_forever()


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.latency", description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="the S3 endpoint to relay to, e.g. http://127.0.0.1:8333")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (printed)")
    defaults = Delays()
    for kind in KINDS:
        parser.add_argument(f"--{kind}-ms", type=float, default=defaults.of(kind) * 1000, help=f"delay of a {kind}")
    return parser.parse_args(argv)


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop when installed (half the proxy's CPU per request), else asyncio's own loop."""
    try:
        import uvloop  # noqa: PLC0415 - optional, benchmark only
    except ImportError:
        return None
    return uvloop.new_event_loop


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    delays = Delays(**{f"{kind}_s": getattr(args, f"{kind}_ms") / 1000 for kind in KINDS})
    try:
        asyncio.run(serve(args.upstream, delays, args.host, args.port), loop_factory=_loop_factory())
    except KeyboardInterrupt:
        return 0
    return 0


@contextmanager
def latency_proxy(upstream: str, delays: Delays) -> Iterator[Server]:
    """Run the proxy in its own process (its CPU is not the client's); stop it on exit."""
    command = [sys.executable, "-m", "bench.latency", f"--upstream={upstream}"]
    command += [f"--{kind}-ms={delays.of(kind) * 1000:g}" for kind in KINDS]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=die_with_parent,  # noqa: PLW1509 - started before any thread of ours
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        if not line.startswith("listening "):
            raise RuntimeError(f"latency proxy did not start (exit {process.poll()}): {line!r}")
        yield Server(line.split()[1], process.pid)
    finally:
        stop_process(process)


def request_counts(endpoint: str) -> dict[str, int]:
    """Requests per kind the proxy at `endpoint` has relayed so far."""
    with urllib.request.urlopen(endpoint + STATS_PATH, timeout=10) as response:
        counts: dict[str, int] = json.loads(response.read())["counts"]
    return counts


def list_prefix_counts(endpoint: str) -> dict[str, int]:
    """LIST requests per `prefix` parameter the proxy at `endpoint` has relayed so far."""
    with urllib.request.urlopen(endpoint + STATS_PATH, timeout=10) as response:
        counts: dict[str, int] = json.loads(response.read())["list_prefixes"]
    return counts


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
