"""One measurement in a fresh process: `python -m bench.cases '<spec json>'` prints one JSON line.

A fresh process per measurement makes peak RSS (`ru_maxrss`) that case's own, and keeps
one case's warm pools and caches from flattering the next. Imports happen before the clock
starts (cold import is measured on its own); the connector is built inside the clock.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.baselines import reference_threads, seed_serial
from checkpoint_lambda.adapters.event_retriever import S3EventRetriever
from checkpoint_lambda.adapters.s3 import S3Connector, S3ObjectStore
from checkpoint_lambda.config import RunConfig, S3Settings
from checkpoint_lambda.domain.layout import SingleObject
from checkpoint_lambda.entrypoints.lambda_function import build_ports
from checkpoint_lambda.errors import SourceAccessDenied
from checkpoint_lambda.service import run_checkpoint

Spec = dict[str, Any]


def peak_rss_mib() -> float:
    """This process's peak resident set (VmHWM).

    Not `ru_maxrss`: Linux carries that across exec, so a child would report its parent's peak.
    """
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(kib) / 1024


def measure(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Wall and process CPU (every thread, Rust's included) of `work`, and the process's peak RSS."""
    gc.collect()
    rss_before = peak_rss_mib()
    wall, cpu = time.perf_counter(), time.process_time()
    counts = work()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"wall_s": wall, "cpu_s": cpu, "peak_rss_mib": peak_rss_mib(), "rss_after_imports_mib": rss_before, **counts}


def ours(spec: Spec) -> dict[str, Any]:
    """`run_checkpoint` as the handler calls it: list, select unseen, fetch, validate, merge, write."""
    config = RunConfig(spec["bucket"], spec["prefix"], spec["bucket"], SingleObject(spec["checkpoint_key"]))
    summary = run_checkpoint(config, build_ports(config, S3Connector(S3Settings.from_env())))
    return {
        "files_listed": summary.files_listed,
        "files_fetched": summary.files_fetched,
        "new_events": summary.new_events_processed,
        "total_events": summary.total_events,
        "new_files_failed": summary.new_files_failed,
        "checkpoint_written": summary.checkpoint_written,
        "checkpoint_size_bytes": summary.checkpoint_size_bytes,
    }


def listing_only(spec: Spec) -> float:
    """Seconds the run's own listing takes alone (what an incremental run with nothing new should cost)."""
    source = S3ObjectStore(S3Connector(S3Settings.from_env()), spec["bucket"], SourceAccessDenied)
    retriever = S3EventRetriever(source)
    started = time.perf_counter()
    retriever.list_event_files(spec["prefix"])
    return time.perf_counter() - started


def run(spec: Spec) -> dict[str, Any]:
    case = spec["case"]
    limit = spec.get("limit")
    if case == "seed_serial":
        return measure(lambda: seed_serial(spec["endpoint"], spec["bucket"], spec["prefix"], limit))
    if case == "reference_threads":
        return measure(lambda: reference_threads(spec["endpoint"], spec["bucket"], spec["prefix"], limit))
    result = measure(lambda: ours(spec))
    if case == "ours_incremental":
        result["listing_only_s"] = listing_only(spec)
    return result


if __name__ == "__main__":
    print(json.dumps(run(json.loads(sys.argv[1]))), flush=True)
    sys.stderr.flush()
    # Skip interpreter teardown: obstore's Tokio threads can abort a finishing process (rc 134).
    os._exit(0)
