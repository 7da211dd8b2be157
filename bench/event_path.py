"""`bin/bench-events`: the event path against the listing run, on one log, under the latency model.

A log of N event files (`--log-keys`; several sizes in one run add files to the same log,
which SeaweedFS's filer load does not survive here: one size a run) and a checkpoint
holding every one of them; then two batches of new files land beside them: 1,000
(`--batch`) and 10 (`--small-batch`). Three cases, each in a fresh
process behind the latency proxy, from a checkpoint reset before each run:

- `event_batch`: `handle_sqs_batch` on one SQS event naming exactly the 1,000 new files
  (one S3 notification a message, as S3 sends them);
- `listing_batch`: `run_checkpoint` over the same log: it lists all N + 1,010 keys and
  fetches the same 1,000 files;
- `event_small`: `handle_sqs_batch` on the 10 new files (the other batch already held).

The proxy counts requests per kind and LIST requests per prefix (the log's, the
checkpoint folder's). The cost per 1,000 files on the event path is worked out from the
two event cases' own requests and written bytes.

`python -m bench.event_path --case '<spec json>'` is one measured run (one JSON line).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import statistics
import sys
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import quote_plus

import boto3
import obstore
import obstore.exceptions
import polars as pl

from bench.cases import measure
from bench.child import run_case as run_in_child
from bench.latency import Delays, latency_proxy, list_prefix_counts, request_counts
from bench.seaweed import Server, seaweedfs, weed_version
from checkpoint_devtools.sample_log import LogFile
from checkpoint_lambda.adapters.checkpoint_store import PARQUET_COMPRESSION, PARQUET_ROW_GROUP_ROWS
from checkpoint_lambda.adapters.s3 import S3Connector
from checkpoint_lambda.config import RunConfig, S3Settings
from checkpoint_lambda.domain.checkpoint import Checkpoint
from checkpoint_lambda.domain.schema import ORDER_COLUMNS
from checkpoint_lambda.entrypoints.adapters import build_adapters, s3_adapters
from checkpoint_lambda.entrypoints.sqs_batch import handle_sqs_batch
from checkpoint_lambda.service import run_checkpoint

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "bench" / "results" / "events.json"
EVENTS = "events/"
CHECKPOINT_KEY = "checkpoints/events/checkpoint.parquet"
CASES = ("event_batch", "listing_batch", "event_small")
LABELS = {
    "event_batch": "event path, 1 batch of new files",
    "listing_batch": "listing run, same new files",
    "event_small": "event path, small batch",
}
BATCH_SIZES = (10, 100, 1000)  # messages per invocation for the cost table
STARTED = time.monotonic()


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bin/bench-events", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--log-keys",
        default="100000",
        help="log sizes N, increasing, each adding files to the same log (default 100000). Through the filer "
        "only the first load is reliable: SeaweedFS stopped answering listings after a second one here",
    )
    parser.add_argument("--batch", type=int, default=1000, help="new files in the big batch (default 1,000)")
    parser.add_argument("--small-batch", type=int, default=10, help="new files in the small batch (default 10)")
    parser.add_argument("--reps", type=int, default=2, help="repetitions of every case at every N (default 2)")
    parser.add_argument("--delay-scale", type=float, default=1.0, help="multiplies every delay of the latency model")
    parser.add_argument("--endpoint", help="use this S3 endpoint (files by PUT) instead of starting SeaweedFS")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the JSON goes")
    parser.add_argument("--seed", type=int, default=40)
    args = parser.parse_args(argv)
    args.sizes = [int(n) for n in args.log_keys.split(",")]
    if args.sizes != sorted(args.sizes) or args.sizes[0] < 1:
        parser.error("--log-keys must be positive and increasing")
    return args


def env_of(bucket: str) -> dict[str, str]:
    """The Lambda's configuration: the log under `events/`, one checkpoint object beside it."""
    return {
        "SOURCE_BUCKET": bucket,
        "SOURCE_PREFIX": EVENTS,
        "CHECKPOINT_BUCKET": bucket,
        "CHECKPOINT_KEY": CHECKPOINT_KEY,
    }


# ---- one measured run, in its own process


def run_case(spec: dict[str, Any]) -> dict[str, Any]:
    env = env_of(spec["bucket"])
    if spec["case"] == "listing_batch":
        return measure(lambda: _listing_run(env))
    event = json.loads(Path(spec["event_file"]).read_text())
    return measure(lambda: _event_batch(event, env))


def _event_batch(event: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    connector = S3Connector(S3Settings.from_env())
    response, outcome = handle_sqs_batch(event, None, env=env, adapters=s3_adapters(connector))
    if outcome is None:
        return {"failed_messages": len(response["batchItemFailures"])}
    return {
        "files_fetched": outcome.files_fetched,
        "new_events": outcome.new_events,
        "failed_messages": len(response["batchItemFailures"]),
        "checkpoints_written": outcome.checkpoints_written,
        "phase_ms": outcome.phase_ms,
    }


def _listing_run(env: dict[str, str]) -> dict[str, Any]:
    config = RunConfig.from_event({}, env)
    summary = run_checkpoint(config, build_adapters(config, S3Connector(S3Settings.from_env())))
    return {
        "files_listed": summary.files_listed,
        "files_fetched": summary.files_fetched,
        "new_events": summary.new_events_processed,
        "checkpoints_written": sum(g.written for g in summary.groups),
    }


# ---- the data


def sqs_event(bucket: str, files: list[tuple[str, str, int]]) -> dict[str, Any]:
    """An SQS event of S3 notifications, one (key, ETag, size) a message, as the queue hands them over."""
    records = []
    for i, (key, etag, size) in enumerate(files):
        s3 = {"bucket": {"name": bucket}, "object": {"key": quote_plus(key), "eTag": etag.strip('"'), "size": size}}
        body = json.dumps({"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "s3": s3}]})
        records.append({"messageId": f"m{i}", "receiptHandle": f"r{i}", "body": body, "eventSource": "aws:sqs"})
    return {"Records": records}


def encode(frame: pl.DataFrame) -> bytes:
    """Parquet as the Lambda writes its checkpoint (sorted, zstd, statistics, fixed row groups)."""
    buffer = io.BytesIO()
    Checkpoint(frame.sort(ORDER_COLUMNS)).dataframe.write_parquet(
        buffer, compression=PARQUET_COMPRESSION, statistics=True, row_group_size=PARQUET_ROW_GROUP_ROWS
    )
    return buffer.getvalue()


class EventBench:
    """The bucket, the log as it grows, the two batches, the checkpoint states, and the runs."""

    def __init__(self, args: argparse.Namespace, direct: Server, latency: Server, workdir: Path) -> None:
        from bench.bench import child_env  # noqa: PLC0415 - driver only: it imports the whole bench

        self.args, self.direct, self.latency, self.workdir = args, direct, latency, workdir
        self.env = child_env(latency.endpoint, {})
        os.environ.update({k: v for k, v in child_env(direct.endpoint, {}).items() if k.startswith("AWS_")})
        self.bucket = f"events-{uuid.uuid4().hex[:12]}"
        self.store = S3Connector(S3Settings.from_env()).store(self.bucket)
        self.bodies: dict[str, bytes] = {}
        self.batches: dict[str, list[LogFile]] = {}
        self.states: dict[str, bytes] = {}
        self.events: dict[str, Path] = {}
        self.record_key = RunConfig.from_event({}, env_of(self.bucket)).failure_record_key

    def create(self) -> None:
        boto3.client("s3", endpoint_url=self.direct.endpoint, region_name="us-east-1").create_bucket(Bucket=self.bucket)
        from bench import dataset  # noqa: PLC0415 - driver only

        taken: set[str] = set()
        for name, count in (("event_batch", self.args.batch), ("event_small", self.args.small_batch)):
            self.batches[name] = dataset.event_files(EVENTS, count, self.args.seed + len(self.batches) + 1, taken)
            taken.update(f.key for f in self.batches[name])
            dataset.put_files(self.store, self.batches[name])
            self.bodies.update({f.key: f.body for f in self.batches[name]})

    def grow_log(self, keys: int) -> float:
        """Add files to the log until it holds `keys` old files (beside the batches); seconds taken."""
        from bench import dataset, filer_load  # noqa: PLC0415 - driver only

        have = len(self.bodies) - self.args.batch - self.args.small_batch
        started = time.perf_counter()
        seed = self.args.seed + 100 + have
        new = dataset.event_files(EVENTS, keys - have, seed, self.bodies.keys())
        if self.direct.filer is None:
            dataset.put_files(self.store, new)
        else:
            filer_load.load_files(self.direct, self.store, self.bucket, EVENTS, new)
        self.bodies.update({f.key: f.body for f in new})
        return time.perf_counter() - started

    def build_states(self) -> None:
        """Per case, the checkpoint it starts from: every listed file but its own batch.

        The listing run starts where the big batch's event case does: only those 1,000 files are new.
        """
        from bench import dataset  # noqa: PLC0415 - driver only

        frame = dataset.checkpoint_of_listed(self.store, EVENTS, self.bodies)
        for case in CASES:
            batch = self.batches["event_small" if case == "event_small" else "event_batch"]
            keys = {f.key for f in batch}
            self.states[case] = encode(frame.filter(~pl.col("source_key").is_in(keys)))
            listed = frame.filter(pl.col("source_key").is_in(keys)).select("source_key", "source_etag")
            sizes = {f.key: len(f.body) for f in batch}
            named = [(k, e, sizes[k]) for k, e in listed.iter_rows()]
            self.events[case] = self.workdir / f"{case}.json"
            self.events[case].write_text(json.dumps(sqs_event(self.bucket, named)))

    def reset(self, case: str) -> None:
        """Untimed: the case's starting checkpoint, no failure record."""
        obstore.put(self.store, CHECKPOINT_KEY, self.states[case])
        obstore.delete(self.store, self.record_key)

    def measure(self, case: str, keys: int, rep: int) -> dict[str, Any]:
        self.reset(case)
        counts, prefixes = request_counts(self.latency.endpoint), list_prefix_counts(self.latency.endpoint)
        load = os.getloadavg()[0]
        spec = {"case": case, "bucket": self.bucket, "event_file": str(self.events[case])}
        result = run_child(spec, self.env)
        after, after_prefixes = request_counts(self.latency.endpoint), list_prefix_counts(self.latency.endpoint)
        result["requests"] = {k: after[k] - counts.get(k, 0) for k in after}
        result["list_log"] = after_prefixes.get(EVENTS, 0) - prefixes.get(EVENTS, 0)
        result["list_other"] = result["requests"]["list"] - result["list_log"]
        result["checkpoint_bytes"] = obstore.head(self.store, CHECKPOINT_KEY)["size"]
        result.update(case=case, log_keys=keys, keys_listable=len(self.bodies), rep=rep, load_avg_1m=load)
        _say(f"N={keys} rep {rep + 1} {case:<14} {result['wall_s']:7.2f} s wall, {result['cpu_s']:6.2f} s CPU")
        return result

    def expected(self, result: dict[str, Any]) -> list[str]:
        """What each case must have done (a fast wrong answer is no result)."""
        case, batch = result["case"], self.args.small_batch if result["case"] == "event_small" else self.args.batch
        want: dict[str, Any] = {"files_fetched": batch, "new_events": batch, "checkpoints_written": 1}
        if case == "listing_batch":
            want["files_listed"] = result["keys_listable"]
        else:
            want |= {"failed_messages": 0, "list_log": 0}
        return [
            f"{case} N={result['log_keys']}: {k}={result.get(k)!r}, expected {v!r}"
            for k, v in want.items()
            if result.get(k) != v
        ]


def run_child(spec: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    return run_in_child("bench.event_path", ["--case", json.dumps(spec)], env, spec["case"])


def order(rep: int) -> list[str]:
    return list(CASES) if rep % 2 == 0 else list(reversed(CASES))


# ---- summary


def median(runs: list[dict[str, Any]], metric: str) -> float:
    return float(statistics.median(r[metric] for r in runs))


def summarise(runs: list[dict[str, Any]], sizes: list[int]) -> dict[str, Any]:
    """Per N: each case's medians, and listing ÷ event wall time per repetition."""
    out: dict[str, Any] = {}
    for keys in sizes:
        at = {c: [r for r in runs if r["log_keys"] == keys and r["case"] == c] for c in CASES}
        pairs = zip(at["listing_batch"], at["event_batch"], strict=True)
        out[str(keys)] = {
            "cases": {c: _case_summary(rs) for c, rs in at.items()},
            "listing_over_event": statistics.median(lst["wall_s"] / ev["wall_s"] for lst, ev in pairs),
        }
    return out


def _case_summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    kinds = runs[0]["requests"]
    return {
        "wall_s": median(runs, "wall_s"),
        "wall_min_s": min(r["wall_s"] for r in runs),
        "wall_max_s": max(r["wall_s"] for r in runs),
        "cpu_s": median(runs, "cpu_s"),
        "peak_rss_mib": median(runs, "peak_rss_mib"),
        "requests": {k: statistics.median(r["requests"][k] for r in runs) for k in kinds},
        "list_log": median(runs, "list_log"),
        "list_other": median(runs, "list_other"),
        "checkpoint_bytes": median(runs, "checkpoint_bytes"),
        "files_fetched": runs[0].get("files_fetched"),
        "load_avg_1m": median(runs, "load_avg_1m"),
    }


def cost_per_thousand(summary: dict[str, Any], batch: int, small: int) -> dict[str, dict[str, float]]:
    """Requests, invocations and bytes rewritten per 1,000 files at batch size B, from the two event cases.

    An invocation costs what the small batch cost, less its own event GETs (the fixed part:
    checkpoint and failure-record reads and writes); every file adds one GET. The bytes an
    invocation rewrites are the checkpoint's size (the single object is written whole).
    """
    big, little = summary["cases"]["event_batch"], summary["cases"]["event_small"]
    fixed = {k: v - (small if k == "get" else 0) for k, v in little["requests"].items()}
    per_file = {k: (v - fixed[k]) / batch for k, v in big["requests"].items()}
    out: dict[str, dict[str, float]] = {}
    for size in (*BATCH_SIZES, small, batch):
        invocations = 1000 / size
        row = {k: invocations * fixed[k] + 1000 * per_file[k] for k in ("get", "list", "put", "head")}
        row |= {"invocations": invocations, "bytes_rewritten": invocations * big["checkpoint_bytes"]}
        out[str(size)] = row
    return dict(sorted(out.items(), key=lambda item: int(item[0])))


def table(result: dict[str, Any]) -> str:
    lines = [
        f"{'N':>8} {'case':<34} {'wall s (min-max)':>20} {'CPU s':>6} {'RSS MiB':>7} "
        f"{'GET':>5} {'PUT':>4} {'LIST log':>8} {'LIST other':>10} {'ckpt MB':>7} {'load':>5}"
    ]
    for keys, at in result["by_log_keys"].items():
        for case, c in at["cases"].items():
            spread = f"{c['wall_s']:.2f} ({c['wall_min_s']:.2f}-{c['wall_max_s']:.2f})"
            lines.append(
                f"{int(keys):>8} {LABELS[case]:<34} {spread:>20} {c['cpu_s']:>6.2f} {c['peak_rss_mib']:>7.0f} "
                f"{c['requests']['get']:>5.0f} {c['requests']['put']:>4.0f} {c['list_log']:>8.0f} "
                f"{c['list_other']:>10.0f} {c['checkpoint_bytes'] / 1e6:>7.2f} {c['load_avg_1m']:>5.1f}"
            )
        lines.append(f"{'':>8} listing run / event path, wall: {at['listing_over_event']:.1f}x")
    lines += _scaling_lines(result)
    for keys, cost in result["cost_per_1000_files"].items():
        lines += [
            "",
            f"cost per 1,000 files on the event path (log of {int(keys):,} keys), by messages per invocation B:",
        ]
        lines.append(f"{'B':>6} {'invocations':>11} {'GET':>7} {'PUT':>6} {'LIST':>5} {'MB rewritten':>12}")
        for size, row in cost.items():
            lines.append(
                f"{int(size):>6} {row['invocations']:>11.1f} {row['get']:>7.0f} {row['put']:>6.0f} "
                f"{row['list']:>5.0f} {row['bytes_rewritten'] / 1e6:>12.1f}"
            )
    meta = result["meta"]
    lines += [
        "",
        f"{meta['delays']}; {meta['reps']} repetitions; {meta['server']}",
        f"load average (1 min) {meta['load_avg_start']:.1f} at start, {meta['load_avg_end']:.1f} at end; "
        f"took {meta['took_s']:.0f} s",
    ]
    return "\n".join(lines)


def _scaling_lines(result: dict[str, Any]) -> list[str]:
    """How each path's wall time grows from the smallest N to the largest."""
    sizes = sorted(result["by_log_keys"], key=int)
    if len(sizes) < 2:
        return []
    low, high = (result["by_log_keys"][s]["cases"] for s in (sizes[0], sizes[-1]))
    growth = int(sizes[-1]) / int(sizes[0])
    return [
        "",
        f"N x{growth:.1f} ({int(sizes[0]):,} -> {int(sizes[-1]):,}): "
        f"listing run x{high['listing_batch']['wall_s'] / low['listing_batch']['wall_s']:.2f}, "
        f"event path x{high['event_batch']['wall_s'] / low['event_batch']['wall_s']:.2f}",
    ]


def _say(message: str) -> None:
    print(f"[bench-events {time.monotonic() - STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through the servers' context managers


def _servers(args: argparse.Namespace, stack: ExitStack) -> tuple[Server, Server, str]:
    if args.endpoint:
        direct, name = Server(args.endpoint), "given endpoint"
    else:
        _say("starting SeaweedFS (weed mini) on 127.0.0.1")
        direct, name = stack.enter_context(seaweedfs()), f"SeaweedFS weed mini ({weed_version()})"
    delays = Delays(**{k: v * args.delay_scale for k, v in vars(Delays()).items()})
    return direct, stack.enter_context(latency_proxy(direct.endpoint, delays)), name


def measured_runs(bench: EventBench, args: argparse.Namespace, runs: list[dict[str, Any]]) -> None:
    """Every case at every N, appended to `runs` as they finish (what finished survives a failure)."""
    for keys in args.sizes:
        took = bench.grow_log(keys)
        _say(f"log holds {keys:,} files (+{args.batch + args.small_batch} new), written in {took:.0f} s")
        bench.build_states()
        for rep in range(args.reps):
            for case in order(rep):
                runs.append(bench.measure(case, keys, rep))


def main(argv: list[str]) -> int:
    if argv[:1] == ["--case"]:
        print(json.dumps(run_case(json.loads(argv[1]))), flush=True)
        sys.stderr.flush()
        os._exit(0)  # skip teardown: obstore's Tokio threads can abort a finishing process
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    load_start = os.getloadavg()[0]
    with ExitStack() as stack:
        direct, latency, name = _servers(args, stack)
        workdir = Path(stack.enter_context(_tempdir()))
        bench = EventBench(args, direct, latency, workdir)
        bench.create()
        stopped = ""
        runs: list[dict[str, Any]] = []
        try:
            measured_runs(bench, args, runs)
        except (RuntimeError, obstore.exceptions.BaseError) as error:  # report what finished
            stopped = f"stopped: {type(error).__name__}: {str(error)[:300]}"
        problems = [p for r in runs for p in bench.expected(r)] + ([stopped] if stopped else [])
    done = [n for n in args.sizes if sum(r["log_keys"] == n for r in runs) == len(CASES) * args.reps]
    by_keys = summarise(runs, done)
    result: dict[str, Any] = {
        "meta": _meta(args, name) | {"load_avg_start": load_start, "load_avg_end": os.getloadavg()[0]},
        "by_log_keys": by_keys,
        "cost_per_1000_files": {k: cost_per_thousand(v, args.batch, args.small_batch) for k, v in by_keys.items()},
        "runs": runs,
        "problems": problems,
    }
    result["meta"]["took_s"] = time.monotonic() - STARTED
    print(table(result))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, default=str))
    print(f"\nJSON: {args.out}")
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


def _tempdir() -> Any:
    import tempfile  # noqa: PLC0415

    return tempfile.TemporaryDirectory(prefix="bench-events-")


def _meta(args: argparse.Namespace, server: str) -> dict[str, Any]:
    scale = args.delay_scale
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "server": server,
        "log_keys": args.sizes,
        "batch": args.batch,
        "small_batch": args.small_batch,
        "reps": args.reps,
        "delays": f"latency model: LIST {150 * scale:g} ms, GET {20 * scale:g} ms, PUT {40 * scale:g} ms",
        "cpus": os.cpu_count(),
        "fetch_concurrency": S3Settings.from_env().fetch_concurrency,
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
