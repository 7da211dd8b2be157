"""`./bin/bench`: the Lambda against its baselines on SeaweedFS, with and without S3's latencies.

Starts SeaweedFS (or uses `--endpoint`) and the latency proxy in front of it, writes a
generated log, then per repetition runs each case in a fresh process under each
condition, in a rotated order so that drift on a noisy machine spreads over all cases.
Optionally (`--million`) the same on a million files. Prints the tables and writes the
same as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import boto3

from bench import dataset, filer_load, report
from bench.child import run_case as run_in_child
from bench.imports import cold_import
from bench.latency import KINDS, Delays, latency_proxy, request_counts
from bench.plan import ADD_KEY, ADD_PREFIX, EVENTS, MILLION_PREFIX, WARM_KEY, Plan
from bench.seaweed import Server, seaweedfs, weed_version
from bench.subject import S3Connector, S3Settings, logger, ports, run_checkpoint, run_config
from checkpoint_devtools.sample_log import LogFile

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "lambda" / "event_log_checkpoint" / "src" / "python"
DEFAULT_OUT = ROOT / "bench" / "results" / "bench.json"
FAKE_AWS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "us-east-1"}
QUICK = {"files": 300, "reps": 2, "checkpoint_rows": 20_000, "new_files": 100, "import_reps": 2, "baseline_files": 100}
FULL = {"files": 25_000, "reps": 3, "checkpoint_rows": 1_000_000, "new_files": 1_000, "import_reps": 5}
FULL_BASELINE_FILES = 2_500
MILLION = 1_000_000
STARTED = time.monotonic()


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bin/bench", description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, help="event files in the log (default 25,000; --quick: 300)")
    parser.add_argument("--reps", type=int, help="repetitions of every case (default 3; --quick: 2)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: a few hundred files, small checkpoint")
    parser.add_argument("--checkpoint-rows", type=int, help="rows of the big checkpoint (default 1,000,000)")
    parser.add_argument("--new-files", type=int, help="files added onto the big checkpoints (default 1,000)")
    parser.add_argument(
        "--baseline-files",
        type=int,
        help=f"files the baselines read (default {FULL_BASELINE_FILES:,}; 0: all): their rate is per file",
    )
    parser.add_argument("--import-reps", type=int, help="fresh-interpreter imports timed (default 5)")
    parser.add_argument("--no-pyc-import", action="store_true", help="also time the import with no bytecode cache")
    parser.add_argument("--cases", default=",".join(report.CASES), help="comma-separated subset of the cases")
    parser.add_argument("--conditions", default=",".join(report.CONDITIONS), help="direct, latency, or both")
    parser.add_argument(
        "--million", nargs="?", type=int, const=MILLION, default=0, help="also the 1M-file cases (~45 min)"
    )
    parser.add_argument("--no-cpu-breakdown", action="store_true", help="skip the per-stage CPU of a first run")
    for kind in KINDS:
        parser.add_argument(f"--{kind}-ms", type=float, help=f"latency model: delay of a {kind} request")
    parser.add_argument("--endpoint", help="use this S3 endpoint instead of starting SeaweedFS")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the JSON goes")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args(argv)
    for name, value in (QUICK if args.quick else {**FULL, "baseline_files": FULL_BASELINE_FILES}).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.baseline_files = args.baseline_files or None
    for flag, known in (("cases", report.CASES), ("conditions", report.CONDITIONS)):
        unknown = set(getattr(args, flag).split(",")) - set(known)
        if unknown:
            parser.error(f"unknown {flag}: {', '.join(sorted(unknown))}")
    return args


def delays_of(args: argparse.Namespace) -> Delays:
    defaults = Delays()
    return Delays(**{f"{k}_s": (getattr(args, f"{k}_ms") or defaults.of(k) * 1000) / 1000 for k in KINDS})


def child_env(endpoint: str, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "LIST_CONCURRENCY"}
    return {
        **env,
        **FAKE_AWS,
        "AWS_ENDPOINT_URL": endpoint,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(SRC)]),
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "POWERTOOLS_TRACE_DISABLED": "true",
        **extra,
    }


def run_child(module: str, spec: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    return run_in_child(module, [json.dumps(spec)], env, spec.get("case"))


class Bench:
    """The servers, the log on S3, and every measurement of one run."""

    def __init__(self, args: argparse.Namespace, servers: dict[str, Server], direct: Server) -> None:
        self.args = args
        self.servers = servers
        self.direct = direct
        self.plan = Plan(
            bucket=f"bench-{uuid.uuid4().hex[:12]}",
            files=args.files,
            baseline_files=args.baseline_files,
            checkpoint_rows=args.checkpoint_rows,
            new_files=args.new_files,
            endpoints={name: server.endpoint for name, server in servers.items()},
        )
        self.plan.endpoints.setdefault("direct", direct.endpoint)
        self.cases = [c for c in report.CASES if c in args.cases.split(",")]
        self.added_keys: set[str] = set()
        self.batches = 0
        self.generation: dict[str, float] = {}
        self.problems: list[str] = []
        self.runs: dict[str, dict[str, list[dict[str, Any]]]] = {c: {} for c in servers}
        os.environ.update({k: v for k, v in child_env(direct.endpoint, {}).items() if k.startswith("AWS_")})
        self.store = S3Connector(S3Settings.from_env()).store(self.plan.bucket)

    def prepare(self) -> None:
        boto3.client("s3", endpoint_url=self.direct.endpoint, region_name="us-east-1").create_bucket(
            Bucket=self.plan.bucket
        )
        files = dataset.event_files(EVENTS, self.args.files, self.args.seed)
        started = time.perf_counter()
        self.write_log(EVENTS, files)
        self.generation["events_written_files_per_s"] = len(files) / (time.perf_counter() - started)
        _say("warm-up: a first run (in this process), whose checkpoint the incremental cases start from")
        warm = run_config(self.plan.bucket, EVENTS, WARM_KEY)
        run_checkpoint(warm, ports(warm, S3Connector(S3Settings.from_env())))
        if "ours_add_new" in self.cases:
            self._prepare_big_checkpoint(files)

    def _prepare_big_checkpoint(self, files: list[LogFile]) -> None:
        """The same log under another prefix, and a checkpoint of it padded to `--checkpoint-rows`."""
        copies = [LogFile(ADD_PREFIX + f.key.removeprefix(EVENTS), f.body) for f in files]
        self.write_log(ADD_PREFIX, copies)
        listed = dataset.checkpoint_of_listed(self.store, ADD_PREFIX, {f.key: f.body for f in copies})
        rows = max(self.args.checkpoint_rows - listed.height, 0)
        size = dataset.put_checkpoint(self.store, ADD_KEY, listed.vstack(dataset.synthetic_rows(rows, ADD_PREFIX, 6)))
        _say(f"big checkpoint: {listed.height + rows} rows, {size / 1e6:.1f} MB at {ADD_KEY}")

    def write_log(self, prefix: str, files: Iterable[LogFile]) -> filer_load.Loaded | None:
        """Through SeaweedFS's filer when it is ours (1M files in minutes), else by PUTs."""
        where = f"s3://{self.plan.bucket}/{prefix}"
        written = _remembered(files, self.added_keys)  # later batches must not overwrite these keys
        if self.direct.filer is None:
            _say(f"writing event files to {where} (PUTs, 64 at a time)")
            dataset.put_files(self.store, list(written))
            return None
        _say(f"writing event files to {where} through the filer")
        return filer_load.load_files(self.direct, self.store, self.plan.bucket, prefix, written)

    def add_files(self, prefix: str) -> None:
        """Untimed: new files land beside the log a big checkpoint holds (each batch a seed of its own)."""
        self.batches += 1
        new = dataset.event_files(prefix, self.args.new_files, self.args.seed + 1000 + self.batches, self.added_keys)
        dataset.put_files(self.store, new)
        self.added_keys.update(f.key for f in new)

    def run_one(self, case: str, condition: str, rep: int) -> dict[str, Any]:
        """One measurement in a fresh process; the server's and proxy's CPU and requests around it."""
        spec = self.plan.spec(case, condition, rep)
        server = self.servers[condition]
        before = self._counters(server)
        module = "bench.cases"
        result = {**run_child(module, spec, child_env(spec["endpoint"], spec["env"])), "rep": rep}
        after = self._counters(server)
        result["load_avg_1m"] = before["load"]
        for side in ("server", "proxy"):
            if before.get(side) is not None:
                result[f"{side}_cpu_s"] = after[side] - before[side]
        if "requests" in before:
            result["requests"] = {k: after["requests"][k] - before["requests"][k] for k in KINDS}
        for key, want in self.plan.expected(case, result).items():
            self.problems.append(f"{case} ({condition}) rep {rep}: {key}={result.get(key)!r}, expected {want!r}")
        self.runs[condition].setdefault(case, []).append(result)
        _say(f"{condition:<7} rep {rep + 1} {case:<26} {result['wall_s']:7.2f} s wall, {result['cpu_s']:6.2f} s CPU")
        return result

    def _counters(self, server: Server) -> dict[str, Any]:
        out: dict[str, Any] = {"load": os.getloadavg()[0], "server": self.direct.cpu_s()}
        if server is not self.direct:
            out["proxy"] = server.cpu_s()
            out["requests"] = request_counts(server.endpoint)
        return out

    def run(self) -> None:
        conditions = list(self.servers)
        for rep in range(self.args.reps):
            shift = rep % len(self.cases)
            for condition in conditions if rep % 2 == 0 else conditions[::-1]:
                for case in self.cases[shift:] + self.cases[:shift]:
                    if case == "ours_add_new":
                        self.add_files(ADD_PREFIX)
                        self.plan.added_total += self.args.new_files
                    self.run_one(case, condition, rep)

    def cpu_breakdown(self) -> dict[str, Any]:
        _say("CPU breakdown of a first run (direct)")
        spec = {**self.plan.spec("ours_first", "direct", 0), "checkpoint_key": "checkpoints/cpu/checkpoint.parquet"}
        spec["profile_checkpoint_key"] = "checkpoints/cpu-profile/checkpoint.parquet"
        return run_child("bench.cpu_breakdown", spec, child_env(self.direct.endpoint, {}))

    def million(self, files: int) -> None:
        """1M files loaded through the filer; first run (latency), then per condition incremental and +new."""
        self.plan.million_files = files
        started = time.perf_counter()
        generated = dataset.iter_event_files(MILLION_PREFIX, files, self.args.seed + 100)
        loaded = self.write_log(MILLION_PREFIX, generated)
        self.generation["million_generate_and_write_s"] = time.perf_counter() - started
        if loaded is not None:
            self.generation["million_fs_meta_load_s"] = loaded.load_s
            self.generation["million_written_again_by_put"] = loaded.written_again
        conditions = list(self.servers)
        self.run_one("million_first", "latency" if "latency" in conditions else "direct", 0)
        for condition in conditions:
            self.run_one("million_incremental", condition, 0)
            self.run_one("million_incremental_serial", condition, 0)
            self.add_files(MILLION_PREFIX)
            self.plan.million_added += self.args.new_files
            self.run_one("million_add_new", condition, 0)


def _remembered(files: Iterable[LogFile], keys: set[str]) -> Iterator[LogFile]:
    for file in files:
        keys.add(file.key)
        yield file


def _save_partial(out: Path, bench: Bench, breakdown: dict[str, Any] | None) -> None:
    """The raw runs so far, beside the JSON: a long run that fails later keeps what it measured."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = {"runs": bench.runs, "cpu_breakdown": breakdown, "generation": bench.generation}
    out.with_suffix(".partial.json").write_text(json.dumps(partial, default=str))


def _say(message: str) -> None:
    print(f"[bench {time.monotonic() - STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through the servers' context managers


def calibration_ms() -> float:
    """CPU milliseconds of a fixed pure-Python loop: how fast this shared machine is right now."""
    started = time.process_time()
    total = 0
    for i in range(2_000_000):
        total += i
    return (time.process_time() - started) * 1000


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    logger.setLevel("WARNING")  # the in-process warm-up run's INFO lines are not the bench's output
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    calibration = [calibration_ms()]
    with ExitStack() as stack:
        if args.endpoint:
            direct, name = Server(args.endpoint), "given endpoint"
        else:
            _say("starting SeaweedFS (weed mini) on 127.0.0.1")
            direct, name = stack.enter_context(seaweedfs()), f"SeaweedFS weed mini ({weed_version()})"
        servers = {}
        for condition in args.conditions.split(","):
            if condition == "latency":
                _say(f"starting the latency proxy: {delays_of(args)}")
                servers[condition] = stack.enter_context(latency_proxy(direct.endpoint, delays_of(args)))
            else:
                servers[condition] = direct
        bench = Bench(args, servers, direct)
        bench.prepare()
        bench.run()
        breakdown = None if args.no_cpu_breakdown else bench.cpu_breakdown()
        _save_partial(args.out, bench, breakdown)
        if args.million:
            bench.million(args.million)
        env = child_env(direct.endpoint, {})
        imports = cold_import(env, args.import_reps, args.no_pyc_import) if args.import_reps else None
    calibration.append(calibration_ms())
    conditions = {}
    for condition, runs in bench.runs.items():
        cases = report.summarise({c: runs[c] for c in report.ALL_CASES if c in runs})
        conditions[condition] = {"cases": cases, "ratios": report.ratios(cases)}
    result = {
        "meta": _meta(args, name, calibration),
        "conditions": conditions,
        "cpu_breakdown": breakdown,
        "generation": bench.generation,
        "cold_import": imports,
        "goals": report.goals(conditions, breakdown),
        "problems": bench.problems,
    }
    print(report.table(result))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, default=str))
    print(f"\nJSON: {args.out}  ({(time.monotonic() - STARTED) / 60:.1f} min)")
    for problem in bench.problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if bench.problems else 0


def _meta(args: argparse.Namespace, server: str, calibration: list[float]) -> dict[str, Any]:
    import obstore  # noqa: PLC0415 - versions only
    import polars  # noqa: PLC0415

    settings = S3Settings.from_env()
    delays = delays_of(args)
    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "server": server,
        "files": args.files,
        "reps": args.reps,
        "checkpoint_rows": args.checkpoint_rows,
        "new_files": args.new_files,
        "baseline_files": args.baseline_files,
        "million_files": args.million,
        "conditions": args.conditions.split(","),
        "delays_ms": {k: delays.of(k) * 1000 for k in KINDS},
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "polars": polars.__version__,
        "obstore": obstore.__version__,
        "fetch_concurrency": settings.fetch_concurrency,
        "list_concurrency": settings.list_concurrency,
        "calibration_cpu_ms_start_end": calibration,
        "minutes": (time.monotonic() - STARTED) / 60,
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
