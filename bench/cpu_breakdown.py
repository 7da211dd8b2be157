"""Where a first run's client CPU goes, stage by stage, on the real code path.

    python -m bench.cpu_breakdown '<spec json>'    (bin/bench runs it in a fresh process)

The stages run one after the other, as `run_checkpoint` runs them, each timed with the
process's CPU clock (every thread: Rust's and Tokio's too). The fetch stage is the
retriever's own (GET, parse and validate in one pass); to split it, the same bodies are
fetched once more without parsing (GET alone), and parsed and validated again in a loop
(`from_json` alone, then the full `model_validate_json`). The merge is split likewise
into building the frame from the events and the rest of `add_events`. A cProfile of one
whole `run_checkpoint` gives the heaviest Python functions.
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import os
import pstats
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import obstore
import pydantic_core
from obstore.store import S3Store

from bench.subject import (
    CheckpointStore,
    FailureRecord,
    ObjectInfo,
    S3Connector,
    S3EventRetriever,
    S3Settings,
    frame_of_events,
    parse_event,
    ports,
    run_checkpoint,
    run_config,
    select_unseen,
    source_objects,
    target_objects,
)

STAGES = ("list", "select", "get", "parse", "validate", "fetch_other", "frame", "merge", "write")
PROFILE_TOP = 15


def cpu[T](work: Callable[[], T]) -> tuple[T, float]:
    started = time.process_time()
    result = work()
    return result, time.process_time() - started


def get_only(store: S3Store, objects: Sequence[ObjectInfo], concurrency: int) -> list[bytes]:
    """The bodies, fetched as the retriever fetches them (a fixed pool of workers), nothing else."""
    bodies: list[bytes] = [b""] * len(objects)
    pending = iter(enumerate(objects))

    async def worker() -> None:
        for index, info in pending:
            result = await obstore.get_async(store, info.key)
            bodies[index] = (await result.bytes_async()).to_bytes()

    async def fetch_all() -> None:
        await asyncio.gather(*(worker() for _ in range(min(concurrency, len(objects)))))

    asyncio.run(fetch_all())
    return bodies


def staged(spec: dict[str, Any]) -> dict[str, float]:
    """CPU seconds of every stage of one first run into `spec['checkpoint_key']`."""
    connector = S3Connector(S3Settings.from_env())
    bucket, key = spec["bucket"], spec["checkpoint_key"]
    retriever = S3EventRetriever(source_objects(connector, bucket))
    store = CheckpointStore(target_objects(connector, bucket))
    seconds: dict[str, float] = {}
    listing, seconds["list"] = cpu(lambda: retriever.list_event_files(spec["prefix"]))
    stored = store.load(key)
    held = stored.index.select("source_key", "source_etag")
    to_fetch, seconds["select"] = cpu(lambda: select_unseen(listing.events, held, FailureRecord()))
    retrieval, fetch = cpu(lambda: retriever.retrieve_and_validate_events(to_fetch))
    bodies, seconds["get"] = cpu(
        lambda: get_only(connector.store(bucket), to_fetch, connector.settings.fetch_concurrency)
    )
    _, seconds["parse"] = cpu(lambda: [pydantic_core.from_json(b) for b in bodies])
    _, parse_and_validate = cpu(lambda: [parse_event(b) for b in bodies])
    seconds["validate"] = max(parse_and_validate - seconds["parse"], 0.0)
    seconds["fetch_other"] = max(fetch - seconds["get"] - parse_and_validate, 0.0)
    _, seconds["frame"] = cpu(lambda: frame_of_events(retrieval.events))
    merged, add = cpu(lambda: stored.checkpoint().add_events(retrieval.events))
    seconds["merge"] = max(add - seconds["frame"], 0.0)
    _, seconds["write"] = cpu(lambda: store.save(key, merged, stored.etag))
    seconds["fetch_stage_as_run"] = fetch
    seconds["files"] = float(len(to_fetch))
    return seconds


def profiled(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The heaviest functions (own time) of one whole `run_checkpoint`, under cProfile."""
    config = run_config(spec["bucket"], spec["prefix"], spec["profile_checkpoint_key"])
    profile = cProfile.Profile()
    run_ports = ports(config, S3Connector(S3Settings.from_env()))
    profile.enable()
    run_checkpoint(config, run_ports)
    profile.disable()
    stats = pstats.Stats(profile)
    rows = []
    for (file, line, name), (_calls, ncalls, own, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append(
            {
                "function": f"{os.path.basename(file)}:{line}({name})",
                "calls": ncalls,
                "own_s": own,
                "cumulative_s": cumulative,
            }
        )
    return sorted(rows, key=lambda r: r["own_s"], reverse=True)[:PROFILE_TOP]


def breakdown(spec: dict[str, Any]) -> dict[str, Any]:
    seconds = staged(spec)
    files = max(seconds.pop("files"), 1.0)
    per_file = {stage: seconds[stage] * 1000 / files for stage in STAGES}
    return {
        "files": int(files),
        "ms_per_file": per_file,
        "total_ms_per_file": sum(per_file.values()),
        "fetch_stage_as_run_ms_per_file": seconds["fetch_stage_as_run"] * 1000 / files,
        "profile_top": profiled(spec),
    }


if __name__ == "__main__":
    print(json.dumps(breakdown(json.loads(sys.argv[1]))), flush=True)
    sys.stderr.flush()
    os._exit(0)  # as bench.cases: skip the teardown that obstore's threads can abort
