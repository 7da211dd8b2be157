"""`bin/bench-groups`: what the per-group layout costs and saves against the single object.

One checkpoint of `--rows` rows spread over 20 (study, datatype) groups is written twice:
as one object per group (the key template) and as one single object. `--new-files`
event files, all of one group (adrc, form), are the whole listed log. Per repetition
both layouts are reset to that checkpoint, then each runs `run_checkpoint` on the new
files and then again with nothing new, every run in a fresh process (so peak RSS is the
run's own), the layout that goes first alternating. What each run wrote is read from the
bucket: objects whose ETag changed, and their sizes.

`python -m bench.group_layout --case '<spec json>'` is one measured run (one JSON line).
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import os
import platform
import signal
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import boto3
import obstore
import polars as pl

from bench.cases import measure
from bench.child import run_case as run_in_child
from bench.seaweed import Server, seaweedfs, weed_version
from checkpoint_devtools.sample_log import LogFile
from checkpoint_lambda.adapters.checkpoint_store import PARQUET_COMPRESSION, PARQUET_ROW_GROUP_ROWS, CheckpointStore
from checkpoint_lambda.adapters.event_retriever import S3EventRetriever
from checkpoint_lambda.adapters.s3 import S3Connector, S3ObjectStore
from checkpoint_lambda.config import RunConfig, S3Settings
from checkpoint_lambda.domain.checkpoint import Checkpoint
from checkpoint_lambda.domain.key_template import KeyTemplate
from checkpoint_lambda.domain.layout import Layout, PerGroup, SingleObject
from checkpoint_lambda.domain.schema import CHECKPOINT_SCHEMA, ORDER_COLUMNS
from checkpoint_lambda.entrypoints.adapters import build_adapters
from checkpoint_lambda.errors import CheckpointAccessDenied, SourceAccessDenied
from checkpoint_lambda.service import load_groups, run_checkpoint

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "bench" / "results" / "groups.json"
STUDIES = ("adrc", "dvcid", "leads", "ftld")
DATATYPES = ("form", "dicom", "biomarker", "apoe", "enrollment")
GROUPS = list(itertools.product(STUDIES, DATATYPES))  # GROUPS[0] = (adrc, form): the group that gains rows
EVENTS, HISTORY = "events/", "history/"
CHECKPOINTS = "checkpoints/"
SINGLE_KEY = "checkpoints/single/checkpoint.parquet"
TEMPLATE = "checkpoints/groups/{study}/{datatype}/events.parquet"
CASES = ("group_add", "single_add", "group_incremental", "single_incremental")
LABELS = {
    "group_add": "per-group, +new files in 1 group",
    "single_add": "single object, +new files",
    "group_incremental": "per-group, nothing new",
    "single_incremental": "single object, nothing new",
}
RATIO_METRICS = ("wall_s", "cpu_s", "peak_rss_mib", "bytes_written", "read_s")
QUICK = {"rows": 20_000, "new_files": 100, "reps": 2}
FULL = {"rows": 1_000_000, "new_files": 1_000, "reps": 3}
STARTED = time.monotonic()


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bin/bench-groups", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, help="rows of the checkpoint, in both layouts (default 1,000,000)")
    parser.add_argument("--new-files", type=int, help="new event files, all in the (adrc, form) group (default 1,000)")
    parser.add_argument("--reps", type=int, help="repetitions of every case (default 3)")
    parser.add_argument(
        "--changed-share",
        type=float,
        default=1 / len(GROUPS),
        help="share of the rows in the group that gains rows (default 1/20: an even spread)",
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: 20,000 rows, 100 new files, 2 repetitions")
    parser.add_argument("--endpoint", help="use this S3 endpoint instead of starting SeaweedFS")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the JSON goes")
    parser.add_argument("--seed", type=int, default=20)
    args = parser.parse_args(argv)
    for name, value in (QUICK if args.quick else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if not 0 < args.changed_share < 1:
        parser.error("--changed-share must be between 0 and 1")
    return args


# ---- one measured run, in its own process


def layout_of(spec: dict[str, Any]) -> Layout:
    return PerGroup(KeyTemplate.parse(TEMPLATE)) if spec["case"].startswith("group") else SingleObject(SINGLE_KEY)


def run_one(spec: dict[str, Any]) -> dict[str, Any]:
    """`run_checkpoint` as the handler runs it; the counts the driver checks."""
    config = RunConfig(spec["bucket"], EVENTS, spec["bucket"], layout_of(spec))
    summary = run_checkpoint(config, build_adapters(config, S3Connector(S3Settings.from_env())))
    written = [g for g in summary.groups if g.written]
    return {
        "files_listed": summary.files_listed,
        "files_fetched": summary.files_fetched,
        "new_events": summary.new_events_processed,
        "total_events": summary.total_events,
        "new_files_failed": summary.new_files_failed,
        "objects_held": len(summary.groups),
        "objects_written_reported": len(written),
        "bytes_written_reported": sum(g.size_bytes for g in written),
        "checkpoint_size_bytes": summary.checkpoint_size_bytes,
    }


def phases_alone(spec: dict[str, Any]) -> dict[str, float]:
    """Seconds the run's listing and its checkpoint reads (GETs, schema check, index decode) take alone.

    Through one connector warmed by a first listing, so that neither pays for building
    the boto3 client (the measured run pays that once, for both).
    """
    connector = S3Connector(S3Settings.from_env())
    retriever = S3EventRetriever(S3ObjectStore(connector, spec["bucket"], SourceAccessDenied))
    checkpoints = CheckpointStore(S3ObjectStore(connector, spec["bucket"], CheckpointAccessDenied))
    retriever.list_event_files(EVENTS)
    started = time.perf_counter()
    retriever.list_event_files(EVENTS)
    listed = time.perf_counter()
    load_groups(layout_of(spec), checkpoints)
    return {"listing_s": listed - started, "read_s": time.perf_counter() - listed}


def run_case(spec: dict[str, Any]) -> dict[str, Any]:
    """The measured run, then (outside the measurement) its listing and its checkpoint reads alone."""
    result = measure(lambda: run_one(spec))
    return {**result, **phases_alone(spec)}


# ---- the data


def new_files(count: int, seed: int) -> list[LogFile]:
    """`count` sample event files of the (adrc, form) group: the only files listed."""
    from bench import dataset  # noqa: PLC0415 - driver only: it imports moto, seconds for every measured process

    study, datatype = GROUPS[0]
    out: list[LogFile] = []
    while len(out) < count:
        batch = dataset.event_files(EVENTS, count, seed, avoid=[f.key for f in out])
        out += [f for f in batch if _group_of_body(f.body) == (study, datatype)]
        seed += 1
    return out[:count]


def _group_of_body(body: bytes) -> tuple[str, str]:
    fields = json.loads(body)
    return str(fields["study"]), str(fields["datatype"])


def history(rows: int, changed_share: float, seed: int) -> pl.DataFrame:
    """`rows` rows of files no longer listed: `changed_share` of them in GROUPS[0], the rest spread evenly."""
    from bench import dataset  # noqa: PLC0415 - driver only: it imports moto, seconds for every measured process

    frame = dataset.synthetic_rows(rows, HISTORY, seed)
    position = pl.int_range(pl.len(), dtype=pl.Int64)
    changed = position.hash(seed) % 1_000_000 < round(changed_share * 1_000_000)
    group = pl.when(changed).then(0).otherwise(1 + position % (len(GROUPS) - 1))
    form = pl.col("datatype") == "form"
    frame = frame.with_columns(
        study=group.replace_strict({i: s for i, (s, _) in enumerate(GROUPS)}, return_dtype=pl.String),
        datatype=group.replace_strict({i: d for i, (_, d) in enumerate(GROUPS)}, return_dtype=pl.String),
    ).with_columns(module=pl.when(form).then("module"), packet=pl.when(form).then("packet"))
    return frame.select(CHECKPOINT_SCHEMA.names()).cast(CHECKPOINT_SCHEMA)


def encode(frame: pl.DataFrame) -> bytes:
    """Parquet as the Lambda writes its checkpoints (sorted, zstd, statistics, fixed row groups)."""
    buffer = io.BytesIO()
    Checkpoint(frame.sort(ORDER_COLUMNS)).dataframe.write_parquet(
        buffer, compression=PARQUET_COMPRESSION, statistics=True, row_group_size=PARQUET_ROW_GROUP_ROWS
    )
    return buffer.getvalue()


def initial_objects(frame: pl.DataFrame) -> dict[str, dict[str, bytes]]:
    """Each layout's objects holding `frame`: {layout: {key: parquet}}."""
    template = KeyTemplate.parse(TEMPLATE)
    parts = frame.partition_by(["study", "datatype"], as_dict=True)
    groups = {template.key_for(str(s), str(d)): encode(part) for (s, d), part in parts.items()}
    return {"group": groups, "single": {SINGLE_KEY: encode(frame)}}


# ---- the driver


def run_child(spec: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    return run_in_child("bench.group_layout", ["--case", json.dumps(spec)], env, spec["case"])


def order(rep: int) -> list[str]:
    """Both +new runs, then both runs with nothing new; the layout that goes first alternates."""
    return list(CASES) if rep % 2 == 0 else ["single_add", "group_add", "single_incremental", "group_incremental"]


class GroupBench:
    """The bucket, each layout's initial objects, and the runs."""

    def __init__(self, args: argparse.Namespace, server: Server) -> None:
        self.args, self.server = args, server
        from bench.bench import child_env  # noqa: PLC0415 - driver only, as `dataset`

        self.env = child_env(server.endpoint, {})
        os.environ.update({k: v for k, v in self.env.items() if k.startswith("AWS_")})
        self.bucket = f"groups-{uuid.uuid4().hex[:12]}"
        connector = S3Connector(S3Settings.from_env())
        self.store = connector.store(self.bucket)
        self.objects = S3ObjectStore(connector, self.bucket, CheckpointAccessDenied)
        self.initial: dict[str, dict[str, bytes]] = {}

    def prepare(self) -> None:
        from bench import dataset  # noqa: PLC0415 - driver only, as in `new_files`

        boto3.client("s3", endpoint_url=self.server.endpoint, region_name="us-east-1").create_bucket(Bucket=self.bucket)
        files = new_files(self.args.new_files, self.args.seed)
        dataset.put_files(self.store, files)
        _say(f"uploaded {len(files)} event files of (adrc, form) to s3://{self.bucket}/{EVENTS}")
        self.initial = initial_objects(history(self.args.rows, self.args.changed_share, self.args.seed))
        for layout, objects in self.initial.items():
            size = sum(len(data) for data in objects.values())
            _say(f"{layout}: {len(objects)} object(s), {self.args.rows} rows, {size / 1e6:.1f} MB")

    def reset(self) -> None:
        """Untimed: both layouts back to the initial checkpoint, no failure records."""
        for objects in self.initial.values():
            for key, data in objects.items():
                obstore.put(self.store, key, data)
        stale = [i.key for i in self.objects.list_objects(CHECKPOINTS) if not self._initial_key(i.key)]
        for key in stale:
            obstore.delete(self.store, key)

    def _initial_key(self, key: str) -> bool:
        return any(key in objects for objects in self.initial.values())

    def snapshot(self) -> dict[str, tuple[str, int]]:
        return {i.key: (i.etag, i.size) for i in self.objects.list_objects(CHECKPOINTS)}

    def measure(self, case: str, rep: int) -> dict[str, Any]:
        """One case in a fresh process, and what it changed in the bucket."""
        before, load, server_cpu = self.snapshot(), os.getloadavg()[0], self.server.cpu_s()
        result = run_child({"case": case, "bucket": self.bucket}, self.env)
        after = self.snapshot()
        changed = sorted(k for k, v in after.items() if before.get(k) != v)
        result.update(rep=rep, load_avg_1m=load, rewritten=changed, objects_rewritten=len(changed))
        result["bytes_written"] = sum(after[k][1] for k in changed)
        if server_cpu is not None:
            result["server_cpu_s"] = (self.server.cpu_s() or 0.0) - server_cpu
        return result

    def run(self) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
        runs: dict[str, list[dict[str, Any]]] = {case: [] for case in CASES}
        problems: list[str] = []
        for rep in range(self.args.reps):
            self.reset()
            for case in order(rep):
                result = self.measure(case, rep)
                problems += self.expected(case, rep, result)
                runs[case].append(result)
                wall, cpu, rss = result["wall_s"], result["cpu_s"], result["peak_rss_mib"]
                _say(f"rep {rep + 1}/{self.args.reps} {case:<19} {wall:6.2f} s wall, {cpu:6.2f} s CPU, {rss:5.0f} MiB")
        return runs, problems

    def expected(self, case: str, rep: int, result: dict[str, Any]) -> list[str]:
        """Checks that the run did the work it claims (a fast wrong answer is no result)."""
        grown = self.args.rows + self.args.new_files
        want: dict[str, Any] = {"total_events": grown, "new_files_failed": 0, "objects_held": 1}
        if case.startswith("group"):
            want["objects_held"] = len(GROUPS)
        if case.endswith("add"):
            changed_key = SINGLE_KEY if case == "single_add" else KeyTemplate.parse(TEMPLATE).key_for(*GROUPS[0])
            want |= {
                "files_fetched": self.args.new_files,
                "new_events": self.args.new_files,
                "rewritten": [changed_key],
            }
            want["bytes_written_reported"] = result["bytes_written"]
        else:
            want |= {"files_fetched": 0, "new_events": 0, "rewritten": []}
        return [
            f"{case} rep {rep}: {k}={result.get(k)!r}, expected {v!r}" for k, v in want.items() if result.get(k) != v
        ]


# ---- summary and table


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def summarise(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    numeric = (
        "wall_s",
        "cpu_s",
        "peak_rss_mib",
        "bytes_written",
        "objects_rewritten",
        "read_s",
        "listing_s",
        "load_avg_1m",
        "server_cpu_s",
    )
    return {
        case: {
            "label": LABELS[case],
            "runs": case_runs,
            "objects_held": case_runs[-1]["objects_held"],
            "files_fetched": spread([r["files_fetched"] for r in case_runs]),
            **{m: spread([r[m] for r in case_runs]) for m in numeric if m in case_runs[0]},
        }
        for case, case_runs in runs.items()
    }


def ratios(runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Per-group ÷ single object, per repetition (both runs of a pair in the same repetition), then median and range."""
    out: dict[str, Any] = {}
    for kind in ("add", "incremental"):
        pairs = list(zip(runs[f"group_{kind}"], runs[f"single_{kind}"], strict=True))
        out[kind] = {
            m: spread([g[m] / s[m] for g, s in pairs]) for m in RATIO_METRICS if all(s[m] > 0 for _, s in pairs)
        }
    return out


def _mm(stat: dict[str, float], fmt: str) -> str:
    return f"{stat['median']:{fmt}} ({stat['min']:{fmt}}-{stat['max']:{fmt}})"


Cell = Callable[[dict[str, Any]], str]
COLUMNS: tuple[tuple[str, int, Cell], ...] = (  # header, width, cell of a case summary
    ("fetched", 7, lambda c: f"{c['files_fetched']['median']:.0f}"),
    ("rewritten", 9, lambda c: f"{c['objects_rewritten']['median']:.0f}/{c['objects_held']}"),
    ("written MB", 10, lambda c: f"{c['bytes_written']['median'] / 1e6:.2f}"),
    ("wall s (min-max)", 19, lambda c: _mm(c["wall_s"], ".2f")),
    ("CPU s (min-max)", 19, lambda c: _mm(c["cpu_s"], ".2f")),
    ("peak RSS MiB", 17, lambda c: _mm(c["peak_rss_mib"], ".0f")),
    ("read s", 6, lambda c: f"{c['read_s']['median']:.2f}"),
    ("list s", 6, lambda c: f"{c['listing_s']['median']:.2f}"),
    ("load", 5, lambda c: f"{c['load_avg_1m']['median']:.1f}"),
)


def table(result: dict[str, Any]) -> str:
    lines = [" ".join([f"{'case':<32}", *(f"{name:>{width}}" for name, width, _ in COLUMNS)])]
    for case in result["cases"].values():
        lines.append(" ".join([f"{case['label']:<32}", *(f"{cell(case):>{width}}" for _, width, cell in COLUMNS)]))
    lines += ["", "per-group / single object, same repetition (median, min-max):"]
    for kind, values in result["ratios"].items():
        parts = [f"{metric} {_mm(value, '.2f')}x" for metric, value in values.items()]
        lines.append(f"  {'+new files' if kind == 'add' else 'nothing new':<12} " + ", ".join(parts))
    meta = result["meta"]
    lines += [
        "",
        f"{meta['rows']:,} rows over {meta['groups']} groups ({meta['changed_share']:.0%} in the changed one), "
        f"{meta['new_files']:,} new files, {meta['reps']} repetitions, {meta['server']}",
        f"load average (1 min) {meta['load_avg_start']:.1f} at start, {meta['load_avg_end']:.1f} at end; "
        f"took {meta['took_s']:.0f} s",
    ]
    return "\n".join(lines)


def _say(message: str) -> None:
    print(f"[bench-groups {time.monotonic() - STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through the SeaweedFS context manager


def _server(args: argparse.Namespace, stack: ExitStack) -> tuple[Server, str]:
    if args.endpoint:
        return Server(args.endpoint), "given endpoint"
    _say("starting SeaweedFS (weed mini) on 127.0.0.1")
    return stack.enter_context(seaweedfs()), f"SeaweedFS weed mini ({weed_version()})"


def main(argv: list[str]) -> int:
    if argv[:1] == ["--case"]:
        print(json.dumps(run_case(json.loads(argv[1]))), flush=True)
        sys.stderr.flush()
        os._exit(0)  # skip teardown: obstore's Tokio threads can abort a finishing process
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    load_start = os.getloadavg()[0]
    with ExitStack() as stack:
        server, name = _server(args, stack)
        bench = GroupBench(args, server)
        bench.prepare()
        runs, problems = bench.run()
    meta = _meta(args, name) | {"load_avg_start": load_start, "load_avg_end": os.getloadavg()[0]}
    result = {
        "meta": meta | {"took_s": time.monotonic() - STARTED},
        "cases": summarise(runs),
        "ratios": ratios(runs),
        "problems": problems,
    }
    print(table(result))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, default=str))
    print(f"\nJSON: {args.out}")
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


def _meta(args: argparse.Namespace, server: str) -> dict[str, Any]:
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "server": server,
        "rows": args.rows,
        "groups": len(GROUPS),
        "changed_group": list(GROUPS[0]),
        "changed_share": args.changed_share,
        "new_files": args.new_files,
        "reps": args.reps,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "polars": pl.__version__,
        "obstore": obstore.__version__,
        "fetch_concurrency": S3Settings.from_env().fetch_concurrency,
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
