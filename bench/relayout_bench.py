"""`bin/bench-relayout`: the relayout command moving a 1,000,000-row single-object checkpoint
into 20 per-group objects on SeaweedFS (a real S3-compatible server on 127.0.0.1).

The checkpoint (rows spread evenly over 4 studies x 5 datatypes) is written as one object;
then `python -m checkpoint_cli relayout` runs in a fresh process: wall time, CPU and peak
RSS are that process's own (the kernel's accounting of that child, from wait4), bytes written
are the sizes of the objects it created, read back from the bucket. A second run over the
finished destination (it reads the 20 objects, checks them and writes nothing) is measured too.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3

from bench.bench import child_env
from bench.group_layout import GROUPS, encode, history
from bench.seaweed import Server, seaweedfs, weed_version

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "bench" / "results" / "relayout.json"
SOURCE_KEY = "checkpoints/prod/checkpoint.parquet"
DESTINATION = "prod/checkpoints/{study}/{datatype}/events.parquet"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bin/bench-relayout", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="20,000 rows: a smoke run")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if args.quick:
        args.rows = 20_000
    return args


def measured_relayout(bucket: str, env: dict[str, str]) -> dict[str, Any]:
    """One `relayout` in a child process: its answer, wall time, and its own CPU and peak RSS (wait4)."""
    command = [sys.executable, "-m", "checkpoint_cli", "relayout", "--bucket", bucket]
    command += ["--from-key", SOURCE_KEY, "--to-template", DESTINATION]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if child.returncode != 0:
        raise RuntimeError(f"relayout exited {child.returncode}: {stderr[-3000:]}")
    answer: dict[str, Any] = json.loads(stdout)
    cpu = usage.ru_utime + usage.ru_stime
    return {"wall_s": wall, "cpu_s": cpu, "peak_rss_mib": usage.ru_maxrss / 1024, "answer": answer}


def destination_bytes(server: Server, bucket: str) -> tuple[int, int]:
    """(objects, bytes) under the destination's prefix and its failure-record folder."""
    s3 = boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1")
    listed = [
        item
        for prefix in ("prod/checkpoints/", "prod/checkpoints_failures/")
        for item in s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    ]
    return len(listed), sum(item["Size"] for item in listed)


def bench(args: argparse.Namespace, server: Server) -> dict[str, Any]:
    env = child_env(server.endpoint, {})
    os.environ.update({key: value for key, value in env.items() if key.startswith("AWS_")})
    bucket = f"relayout-{uuid.uuid4().hex[:12]}"
    s3 = boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1")
    s3.create_bucket(Bucket=bucket)
    source = encode(history(args.rows, 1 / len(GROUPS), args.seed))
    s3.put_object(Bucket=bucket, Key=SOURCE_KEY, Body=source)
    print(f"source: 1 object, {args.rows:,} rows, {len(source) / 1e6:.1f} MB", file=sys.stderr)
    first = measured_relayout(bucket, env)
    objects, size = destination_bytes(server, bucket)
    answer = first.pop("answer")
    if answer["rows_placed"] != args.rows or answer["bytes_written"] != size:
        raise RuntimeError(f"unexpected answer: {answer['rows_placed']} rows, {answer['bytes_written']} bytes")
    rerun = measured_relayout(bucket, env)
    if rerun.pop("answer")["objects_written"] != 0:
        raise RuntimeError("the rerun wrote objects")
    return {
        "rows": args.rows,
        "source_bytes": len(source),
        "relayout": {**first, "groups": len(answer["objects"]), "objects_written": objects, "bytes_written": size},
        "rerun": rerun,
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    with seaweedfs() as server:
        result = bench(args, server)
    result |= {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "server": f"SeaweedFS {weed_version()} (weed mini) on 127.0.0.1",
        "machine": f"{platform.machine()}, {platform.python_version()}",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    first, rerun = result["relayout"], result["rerun"]
    print(f"relayout {result['rows']:,} rows, 1 object -> {first['groups']} per-group objects")
    print(
        f"  move:  {first['wall_s']:.1f} s wall, {first['cpu_s']:.1f} s CPU, peak RSS {first['peak_rss_mib']:.0f} MiB,"
    )
    print(f"         {first['objects_written']} objects, {first['bytes_written'] / 1e6:.1f} MB written")
    print(
        f"  rerun: {rerun['wall_s']:.1f} s wall, {rerun['cpu_s']:.1f} s CPU, peak RSS {rerun['peak_rss_mib']:.0f} MiB,"
    )
    print("         0 objects written")


if __name__ == "__main__":
    main()
