"""`./bin/bench`: the issue-6 benchmark in one invocation, cases alternating, several repetitions.

Starts SeaweedFS (or uses `--endpoint`), writes a generated log, then per repetition runs
each case in a fresh process, in a rotated order so that drift on a noisy machine spreads
over all cases. Prints the table and writes the same as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import boto3

from bench import dataset, report
from bench.imports import cold_import
from bench.seaweed import Server, seaweedfs, weed_version
from checkpoint_devtools.sample_log import LogFile
from checkpoint_lambda.adapters.s3 import S3Connector
from checkpoint_lambda.config import RunConfig, S3Settings
from checkpoint_lambda.domain.layout import SingleObject
from checkpoint_lambda.entrypoints.lambda_function import build_ports
from checkpoint_lambda.observability import logger
from checkpoint_lambda.service import run_checkpoint

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "lambda" / "event_log_checkpoint" / "src" / "python"
DEFAULT_OUT = ROOT / "bench" / "results" / "bench.json"
EVENTS, ADD_PREFIX = "events/", "grown/"
WARM_KEY, ADD_KEY = "checkpoints/warm/checkpoint.parquet", "checkpoints/grown/checkpoint.parquet"
FAKE_AWS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "us-east-1"}
QUICK = {"files": 300, "reps": 2, "checkpoint_rows": 20_000, "new_files": 100, "import_reps": 2}
STARTED = time.monotonic()
FULL = {"files": 25_000, "reps": 3, "checkpoint_rows": 1_000_000, "new_files": 1_000, "import_reps": 5}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bin/bench", description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, help="event files in the log (default 25,000; --quick: 300)")
    parser.add_argument("--reps", type=int, help="repetitions of every case (default 3; --quick: 2)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: a few hundred files, small checkpoint")
    parser.add_argument("--checkpoint-rows", type=int, help="rows of the big checkpoint (default 1,000,000)")
    parser.add_argument("--new-files", type=int, help="files added onto the big checkpoint (default 1,000)")
    parser.add_argument("--baseline-files", type=int, help="let the baselines read only this many files")
    parser.add_argument("--import-reps", type=int, help="fresh-interpreter imports timed (default 5)")
    parser.add_argument("--no-pyc-import", action="store_true", help="also time the import with no bytecode cache")
    parser.add_argument("--cases", default=",".join(report.CASES), help="comma-separated subset of the cases")
    parser.add_argument("--endpoint", help="use this S3 endpoint instead of starting SeaweedFS")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the JSON goes")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args(argv)
    for name, value in (QUICK if args.quick else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    unknown = set(args.cases.split(",")) - set(report.CASES)
    if unknown:
        parser.error(f"unknown case(s): {', '.join(sorted(unknown))}")
    return args


def child_env(endpoint: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return {
        **env,
        **FAKE_AWS,
        "AWS_ENDPOINT_URL": endpoint,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(SRC)]),
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }


def run_case(spec: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.cases", json.dumps(spec)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"case {spec['case']} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


class Bench:
    """The log on S3, and the spec of every case at every repetition."""

    def __init__(self, args: argparse.Namespace, server: Server) -> None:
        self.args = args
        self.server = server
        endpoint = server.endpoint
        self.env = child_env(endpoint)
        self.endpoint = endpoint
        self.bucket = f"bench-{uuid.uuid4().hex[:12]}"
        self.cases = [c for c in report.CASES if c in args.cases.split(",")]
        self.added_keys: set[str] = set()
        os.environ.update({k: v for k, v in self.env.items() if k.startswith("AWS_")})
        self.store = S3Connector(S3Settings.from_env()).store(self.bucket)

    def prepare(self) -> None:
        boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1").create_bucket(Bucket=self.bucket)
        files = dataset.event_files(EVENTS, self.args.files, self.args.seed)
        _say(f"uploading {len(files)} event files to s3://{self.bucket}/{EVENTS}")
        dataset.put_files(self.store, files)
        _say("warm-up: a first run (in this process), whose checkpoint the incremental case starts from")
        key = SingleObject(self.spec("ours_incremental", 0)["checkpoint_key"])
        warm = RunConfig(self.bucket, EVENTS, self.bucket, key)
        run_checkpoint(warm, build_ports(warm, S3Connector(S3Settings.from_env())))
        if "ours_add_new" in self.cases:
            self._prepare_big_checkpoint(files)

    def _prepare_big_checkpoint(self, files: list[LogFile]) -> None:
        """The same log under another prefix, and a checkpoint of it padded to `--checkpoint-rows`."""
        copies = [LogFile(ADD_PREFIX + f.key.removeprefix(EVENTS), f.body) for f in files]
        dataset.put_files(self.store, copies)
        self.added_keys = {f.key for f in copies}
        listed = dataset.checkpoint_of_listed(self.store, ADD_PREFIX, {f.key: f.body for f in copies})
        padding = dataset.synthetic_rows(max(self.args.checkpoint_rows - listed.height, 0), ADD_PREFIX, self.args.seed)
        size = dataset.put_checkpoint(self.store, ADD_KEY, listed.vstack(padding))
        _say(f"big checkpoint: {listed.height + padding.height} rows, {size / 1e6:.1f} MB at {ADD_KEY}")

    def add_new_files(self, rep: int) -> None:
        """Untimed: this repetition's new files land beside the log the big checkpoint holds."""
        new = dataset.event_files(ADD_PREFIX, self.args.new_files, self.args.seed + 1000 + rep, self.added_keys)
        dataset.put_files(self.store, new)
        self.added_keys.update(f.key for f in new)

    def spec(self, case: str, rep: int) -> dict[str, Any]:
        spec: dict[str, Any] = {"case": case, "endpoint": self.endpoint, "bucket": self.bucket, "prefix": EVENTS}
        if case == "ours_first":
            spec["checkpoint_key"] = f"checkpoints/first-{rep}/checkpoint.parquet"
        elif case == "ours_incremental":
            spec["checkpoint_key"] = WARM_KEY
        elif case == "ours_add_new":
            spec.update(prefix=ADD_PREFIX, checkpoint_key=ADD_KEY)
        else:
            spec["limit"] = self.args.baseline_files
        return spec

    def expected(self, case: str, rep: int, result: dict[str, Any]) -> list[str]:
        """Checks that the case did the work it claims (a fast wrong answer is no result)."""
        want: dict[str, int | bool] = {}
        files = min(self.args.files, self.args.baseline_files or self.args.files)
        if case in report.BASELINES:
            want = {"files_fetched": files, "events_valid": files}
        elif case == "ours_first":
            want = {"files_fetched": self.args.files, "new_events": self.args.files, "new_files_failed": 0}
        elif case == "ours_incremental":
            want = {"files_fetched": 0, "checkpoint_written": False}
        elif case == "ours_add_new":
            grown = max(self.args.checkpoint_rows, self.args.files) + self.args.new_files * (rep + 1)
            want = {"files_fetched": self.args.new_files, "new_events": self.args.new_files, "total_events": grown}
        return [
            f"{case} rep {rep}: {k}={result.get(k)!r}, expected {v!r}" for k, v in want.items() if result.get(k) != v
        ]

    def run(self) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
        runs: dict[str, list[dict[str, Any]]] = {case: [] for case in self.cases}
        problems: list[str] = []
        for rep in range(self.args.reps):
            shift = rep % len(self.cases)
            for case in self.cases[shift:] + self.cases[:shift]:
                if case == "ours_add_new":
                    self.add_new_files(rep)
                load, server_cpu = os.getloadavg()[0], self.server.cpu_s()
                result = {**run_case(self.spec(case, rep), self.env), "rep": rep, "load_avg_1m": load}
                if server_cpu is not None:
                    result["server_cpu_s"] = (self.server.cpu_s() or 0.0) - server_cpu
                problems += self.expected(case, rep, result)
                runs[case].append(result)
                wall, cpu = result["wall_s"], result["cpu_s"]
                _say(f"rep {rep + 1}/{self.args.reps} {case:<18} {wall:7.2f} s wall, {cpu:6.2f} s CPU")
        return runs, problems


def _say(message: str) -> None:
    print(f"[bench {time.monotonic() - STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through the SeaweedFS context manager


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    logger.setLevel("WARNING")  # the in-process warm-up run's INFO lines are not the bench's output
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    with ExitStack() as stack:
        if args.endpoint:
            server, name = Server(args.endpoint), "given endpoint"
        else:
            _say("starting SeaweedFS (weed mini) on 127.0.0.1")
            server, name = stack.enter_context(seaweedfs()), f"SeaweedFS weed mini ({weed_version()})"
        bench = Bench(args, server)
        bench.prepare()
        runs, problems = bench.run()
        imports = cold_import(bench.env, args.import_reps, args.no_pyc_import) if args.import_reps else None
    cases = report.summarise(runs)
    result = {
        "meta": _meta(args, name),
        "cases": cases,
        "ratios": report.ratios(cases),
        "cold_import": imports,
        "goals": report.goals(cases, imports),
        "problems": problems,
    }
    print(report.table(result))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, default=str))
    print(f"\nJSON: {args.out}")
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


def _meta(args: argparse.Namespace, server: str) -> dict[str, Any]:
    import obstore  # noqa: PLC0415 - versions only
    import polars  # noqa: PLC0415

    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "server": server,
        "files": args.files,
        "reps": args.reps,
        "checkpoint_rows": args.checkpoint_rows,
        "new_files": args.new_files,
        "baseline_files": args.baseline_files,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "polars": polars.__version__,
        "obstore": obstore.__version__,
        "fetch_concurrency": S3Settings.from_env().fetch_concurrency,
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
