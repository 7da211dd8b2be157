"""A small Lambda Runtime API (the 2018-06-01 interface) on 127.0.0.1, for the artifact test.

The runtime interface client (awslambdaric) asks `GET /runtime/invocation/next` for work and
posts each answer to `/runtime/invocation/{id}/response` or `/error`, or an init failure to
`/runtime/init/error`, exactly as it does inside AWS. This server hands out the events queued
with `invoke`, records what comes back, and notes when the first `next` arrived: the end of init.
"""

from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PREFIX = "/2018-06-01/runtime"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:event-log-checkpoint-test"
TIMEOUT_MS = 900_000


@dataclass
class Outcome:
    """What the function answered to one invocation: a response, or an error document."""

    request_id: str
    kind: str  # "response" | "error"
    body: Any


@dataclass
class RuntimeApiState:
    pending: queue.Queue[tuple[str, bytes]] = field(default_factory=queue.Queue)
    outcomes: queue.Queue[Outcome] = field(default_factory=queue.Queue)
    next_requests: list[float] = field(default_factory=list)  # time.time() of each `next`
    init_errors: list[dict[str, Any]] = field(default_factory=list)
    init_failed: threading.Event = field(default_factory=threading.Event)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reads outcomes, not access logs."""

    def do_GET(self) -> None:
        if self.path != f"{PREFIX}/invocation/next":
            self._reply(HTTPStatus.NOT_FOUND, b"{}")
            return
        state = self.server.state
        state.next_requests.append(time.time())
        request_id, body = state.pending.get()  # blocks until the test queues an event
        deadline_ms = int(time.time() * 1000) + TIMEOUT_MS
        self._reply(
            HTTPStatus.OK,
            body,
            {
                "Lambda-Runtime-Aws-Request-Id": request_id,
                "Lambda-Runtime-Deadline-Ms": str(deadline_ms),
                "Lambda-Runtime-Invoked-Function-Arn": FUNCTION_ARN,
                "Lambda-Runtime-Trace-Id": f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=0",
            },
        )

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"null")
        state = self.server.state
        parts = self.path.removeprefix(PREFIX + "/").split("/")
        if parts == ["init", "error"]:
            state.init_errors.append(body)
            state.init_failed.set()
        elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
            state.outcomes.put(Outcome(parts[1], parts[2], body))
        else:
            self._reply(HTTPStatus.NOT_FOUND, b"{}")
            return
        self._reply(HTTPStatus.ACCEPTED, b'{"status": "OK"}')

    def _reply(self, status: HTTPStatus, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: RuntimeApiState) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


class RuntimeApi:
    """The server and its state; `address` is what AWS_LAMBDA_RUNTIME_API holds."""

    def __init__(self) -> None:
        self.state = RuntimeApiState()
        self._server = _Server(self.state)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    def __enter__(self) -> RuntimeApi:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def invoke(self, event: Any, timeout: float = 120) -> Outcome:
        """Queue one event, wait for the function's answer to it."""
        request_id = str(uuid.uuid4())
        self.state.pending.put((request_id, json.dumps(event).encode()))
        outcome = self.state.outcomes.get(timeout=timeout)
        assert outcome.request_id == request_id, (outcome, request_id)
        return outcome

    def wait_for_first_next(self, timeout: float = 120) -> float:
        """time.time() of the first `next` (init done), or raise if init failed or took too long."""
        deadline = time.monotonic() + timeout
        while not self.state.next_requests:
            if self.state.init_failed.is_set():
                raise RuntimeError(f"init failed: {self.state.init_errors}")
            if time.monotonic() > deadline:
                raise TimeoutError("the runtime never asked for an invocation")
            time.sleep(0.002)
        return self.state.next_requests[0]
