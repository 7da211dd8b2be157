"""A fault-injecting HTTP proxy in front of moto's server, for tests.

obstore speaks HTTP from Rust, so no Python hook (botocore events, patching) sees its
requests. The proxy sits on 127.0.0.1 between the code and moto and, by rules a test
sets, answers chosen requests itself (503 SlowDown, 403 AccessDenied, 412…), resets the
connection, or stalls past the client's timeout, and records every request it sees (how
many GETs a key got is how the tests see retries). Every other request is forwarded as it
came: same method, path, query and headers, Host included (SigV4 signed the proxy's
host; moto does not check signatures).
"""

from __future__ import annotations

import http.client
import re
import socket
import struct
import threading
from collections.abc import Callable, Container
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length"})


@dataclass(frozen=True)
class S3Request:
    """One request as the client sent it, split into what rules match on."""

    method: str
    bucket: str
    key: str  # decoded object key; "" for bucket-level requests such as a listing
    query: dict[str, list[str]]
    headers: Message
    body: bytes

    @property
    def is_listing(self) -> bool:
        return self.method == "GET" and not self.key and "list-type" in self.query


@dataclass(frozen=True)
class Upstream:
    """What moto answered to a forwarded request."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


class Exchange(Protocol):
    """What an action may do with the request it was given (exactly one of these, once)."""

    def forward(self) -> Upstream: ...

    def reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None: ...

    def relay(self, upstream: Upstream) -> None: ...

    def reset(self) -> None: ...


Action = Callable[[S3Request, Exchange], None]


def s3_error(status: int, code: str, message: str) -> Action:
    """Answer with an S3 error document, as S3 itself would."""
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
        f"<RequestId>FAULTPROXY</RequestId></Error>"
    ).encode()

    def act(request: S3Request, exchange: Exchange) -> None:
        exchange.reply(status, body, {"Content-Type": "application/xml"})

    return act


SLOW_DOWN = s3_error(503, "SlowDown", "Please reduce your request rate.")
ACCESS_DENIED = s3_error(403, "AccessDenied", "Access Denied")
# moto itself answers GETs of archived objects (403 InvalidObjectState) and stale conditional
# writes (412 PreconditionFailed), so the tests use those answers rather than imitations.


def pass_through(request: S3Request, exchange: Exchange) -> None:
    """Forward to moto and relay its answer, as if no rule matched."""
    exchange.relay(exchange.forward())


def reset(request: S3Request, exchange: Exchange) -> None:
    """Drop the connection with a TCP RST before any response byte."""
    exchange.reset()


def reset_after_forwarding(request: S3Request, exchange: Exchange) -> None:
    """The request reaches S3 and takes effect, but the response is lost on the way back."""
    exchange.forward()
    exchange.reset()


def stall(seconds: float, release: threading.Event | None = None) -> Action:
    """Answer nothing for `seconds` (or until `release` is set), then drop the connection.

    Past the client's request timeout this is a read timeout; the request never reaches S3.
    """

    def act(request: S3Request, exchange: Exchange) -> None:
        (release or threading.Event()).wait(seconds)
        exchange.reset()

    return act


def call_then(callback: Callable[[S3Request], None], then: Action) -> Action:
    """Run `callback` (for example another writer's write) before answering with `then`."""

    def act(request: S3Request, exchange: Exchange) -> None:
        callback(request)
        then(request, exchange)

    return act


@dataclass
class Rule:
    """Which requests get `action`: all of `method`, `key` (regex search) and `listing` that are set must match.

    `on` picks by position among the matching requests (1-based); None means every one.
    """

    action: Action
    method: str | None = None
    key: str | None = None
    listing: bool | None = None
    on: Container[int] | None = None
    matched: int = field(default=0, init=False)

    def matches(self, request: S3Request) -> bool:
        return (
            (self.method is None or request.method == self.method)
            and (self.key is None or re.search(self.key, request.key) is not None)
            and (self.listing is None or request.is_listing == self.listing)
        )


@dataclass(frozen=True)
class Seen:
    """One request the proxy received, and whether a rule answered it."""

    method: str
    key: str
    is_listing: bool
    faulted: bool


class FaultProxy:
    """Forwards to `upstream` (http://host:port) on a free local port, applying rules first-match-wins."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.rules: list[Rule] = []
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fault-proxy", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def add(self, rule: Rule) -> Rule:
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self.rules.clear()

    def count(self, method: str, key: str | None = None, *, listing: bool | None = None) -> int:
        """How many requests arrived with `method` (and exactly `key`, and listing-ness, if given)."""
        with self._lock:
            return sum(
                1
                for s in self.seen
                if s.method == method and (key is None or s.key == key) and (listing is None or s.is_listing == listing)
            )

    def choose(self, request: S3Request) -> Action | None:
        """The action of the first rule whose match is selected by its `on`; records the request."""
        with self._lock:
            chosen: Action | None = None
            for rule in self.rules:
                if rule.matches(request):
                    rule.matched += 1
                    if rule.on is None or rule.matched in rule.on:
                        chosen = rule.action
                        break
            self.seen.append(Seen(request.method, request.key, request.is_listing, chosen is not None))
            return chosen


def _handler_for(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(_ProxyHandler):
        owner = proxy

    return Handler


class _ProxyHandler(BaseHTTPRequestHandler):
    """Speaks HTTP/1.1 keep-alive to the client (obstore pools connections) and one request at a time to moto."""

    owner: FaultProxy
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: object) -> None:
        """Silent: tests read `FaultProxy.seen` instead."""

    def _serve(self) -> None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.send_error(501, "fault proxy: chunked request bodies are not supported")
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        request = self._parse(body)
        action = self.owner.choose(request)
        exchange = _Exchange(self, request)
        try:
            (action or pass_through)(request, exchange)
        except OSError:  # the client gave up (its timeout) while we stalled or wrote
            self.close_connection = True

    def _parse(self, body: bytes) -> S3Request:
        parts = urlsplit(self.path)
        bucket, _, key = parts.path.lstrip("/").partition("/")
        return S3Request(self.command, unquote(bucket), unquote(key), parse_qs(parts.query), self.headers, body)


class _Exchange:
    def __init__(self, handler: _ProxyHandler, request: S3Request) -> None:
        self._handler = handler
        self._request = request

    def forward(self) -> Upstream:
        owner = self._handler.owner
        connection = http.client.HTTPConnection(owner.upstream_host, owner.upstream_port, timeout=60)
        try:
            connection.putrequest(self._request.method, self._handler.path, skip_host=True, skip_accept_encoding=True)
            for name, value in self._request.headers.items():
                if name.lower() not in _HOP_BY_HOP:
                    connection.putheader(name, value)
            connection.putheader("Content-Length", str(len(self._request.body)))
            connection.endheaders(self._request.body)
            response = connection.getresponse()
            return Upstream(response.status, response.getheaders(), response.read())
        finally:
            connection.close()

    def relay(self, upstream: Upstream) -> None:
        handler = self._handler
        handler.send_response_only(upstream.status)  # moto's own Date and Server headers follow
        for name, value in upstream.headers:
            if name.lower() not in _HOP_BY_HOP:
                handler.send_header(name, value)
        length = str(len(upstream.body))
        if self._request.method == "HEAD":  # a HEAD answer has no body but the object's length
            length = next((v for k, v in upstream.headers if k.lower() == "content-length"), length)
        handler.send_header("Content-Length", length)
        handler.end_headers()
        if self._request.method != "HEAD":
            handler.wfile.write(upstream.body)

    def reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        handler = self._handler
        handler.send_response(status)
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if self._request.method != "HEAD":
            handler.wfile.write(body)

    def reset(self) -> None:
        connection = self._handler.connection
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.close()
        self._handler.close_connection = True
