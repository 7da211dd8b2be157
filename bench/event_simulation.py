"""`bin/bench-events simulate`: PUT → S3 notification → SQS → batch → row, locally on moto's server.

The bucket notifies a queue of every object created under the log's prefix (moto sends
S3's own message shape). A burst of `--files` PUTs; two poller threads stand in for
Lambda's event source mapping: each receives up to 10 messages at a time until it holds
`--batch-size` or its batch window passes, calls `handle_sqs_batch`, and deletes the
messages that succeeded (failed ones come back after the visibility timeout). Once,
when half the files are written, the scheduled run (`handle({})`, event path on) races
them. At the end every file must be in the checkpoint exactly once: a printed check,
exit 1 when it fails.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import polars as pl
from moto.server import ThreadedMotoServer

from checkpoint_devtools.sample_log import LogFile
from checkpoint_lambda.adapters.s3 import S3Connector
from checkpoint_lambda.config import S3Settings
from checkpoint_lambda.entrypoints.adapters import s3_adapters
from checkpoint_lambda.entrypoints.lambda_function import handle
from checkpoint_lambda.entrypoints.sqs_batch import handle_sqs_batch
from checkpoint_lambda.observability import logger

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "bench" / "results" / "events-sim.json"
EVENTS = "events/"
CHECKPOINT_KEY = "checkpoints/events/checkpoint.parquet"
FAKE_AWS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
REGION = "us-east-1"
VISIBILITY_TIMEOUT_S = 5
STARTED = time.monotonic()


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bin/bench-events simulate", description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000, help="files PUT in the burst (default 5,000)")
    parser.add_argument("--batch-size", type=int, default=100, help="messages per invocation, at most (default 100)")
    parser.add_argument("--window", type=float, default=0.5, help="batch window, seconds (default 0.5)")
    parser.add_argument("--pollers", type=int, default=2, help="poller threads (default 2)")
    parser.add_argument("--timeout", type=float, default=900, help="give up after this many seconds (default 900)")
    parser.add_argument("--endpoint", help="use this moto server instead of starting one")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the JSON goes")
    parser.add_argument("--seed", type=int, default=60)
    return parser.parse_args(argv)


@dataclass
class Tally:
    """What the pollers and the scheduled run did, shared between threads under one lock."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    received: int = 0
    batches: int = 0
    failed_messages: int = 0
    new_rows: int = 0
    bytes_written: int = 0
    last_row_at: float = 0.0
    batch_sizes: list[int] = field(default_factory=list)
    scheduled: dict[str, Any] = field(default_factory=dict)

    def batch_done(self, size: int, failed: int, new_rows: int, written: int, ended: float) -> None:
        with self.lock:
            self.batches += 1
            self.received += size
            self.failed_messages += failed
            self.batch_sizes.append(size)
            self._rows(new_rows, written, ended)

    def _rows(self, new_rows: int, written: int, ended: float) -> None:
        self.new_rows += new_rows
        self.bytes_written += written
        if new_rows:
            self.last_row_at = max(self.last_row_at, ended)


class Simulation:
    """moto's server, the bucket and queue wired together, and the threads that race on them."""

    def __init__(self, args: argparse.Namespace, endpoint: str) -> None:
        self.args, self.endpoint = args, endpoint
        self.bucket = self.queue = f"sim-{uuid.uuid4().hex[:12]}"
        self.s3 = boto3.client("s3", endpoint_url=endpoint, region_name=REGION)
        self.sqs = boto3.client("sqs", endpoint_url=endpoint, region_name=REGION)
        self.env = {
            "SOURCE_BUCKET": self.bucket,
            "SOURCE_PREFIX": EVENTS,
            "CHECKPOINT_BUCKET": self.bucket,
            "CHECKPOINT_KEY": CHECKPOINT_KEY,
            "EVENT_INGESTION": "on",
        }
        self.connector = S3Connector(S3Settings(endpoint_url=endpoint, region=REGION))
        self.tally = Tally()
        self.puts_done = threading.Event()
        self.half_put = threading.Event()
        self.first_put_at = 0.0
        self.queue_url = ""

    def wire(self) -> None:
        """The bucket notifies the queue of every object created under the log's prefix."""
        self.s3.create_bucket(Bucket=self.bucket)
        attributes = {"VisibilityTimeout": str(VISIBILITY_TIMEOUT_S)}
        self.queue_url = self.sqs.create_queue(QueueName=self.queue, Attributes=attributes)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"]
        rule = {"Key": {"FilterRules": [{"Name": "prefix", "Value": EVENTS}]}}
        config = {"QueueArn": arn["QueueArn"], "Events": ["s3:ObjectCreated:*"], "Filter": rule}
        self.s3.put_bucket_notification_configuration(
            Bucket=self.bucket, NotificationConfiguration={"QueueConfigurations": [config]}
        )

    def put_burst(self, files: list[LogFile]) -> None:
        """PUT every file, 16 at a time; marks when half are written (the scheduled run's cue)."""
        done = 0
        lock = threading.Lock()

        def put(file: LogFile) -> None:
            nonlocal done
            self.s3.put_object(Bucket=self.bucket, Key=file.key, Body=file.body)
            with lock:
                done += 1
                if done * 2 >= len(files):
                    self.half_put.set()

        self.first_put_at = time.perf_counter()
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(put, files))
        self.puts_done.set()

    def poll(self, stop: threading.Event) -> None:
        """One poller: gather a batch, ingest it, delete what succeeded."""
        while not stop.is_set():
            messages = self._gather()
            if messages:
                self._ingest(messages)

    def _gather(self) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        window_ends = time.perf_counter() + self.args.window
        while len(messages) < self.args.batch_size and time.perf_counter() < window_ends:
            wanted = min(10, self.args.batch_size - len(messages))
            answer = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=wanted, WaitTimeSeconds=0)
            got = answer.get("Messages", [])
            messages += got
            if not got:
                time.sleep(0.05)
        return messages

    def _ingest(self, messages: list[dict[str, Any]]) -> None:
        event = {
            "Records": [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "eventSource": "aws:sqs",
                }
                for m in messages
            ]
        }
        response, outcome = handle_sqs_batch(event, None, env=self.env, adapters=s3_adapters(self.connector))
        failed = {f["itemIdentifier"] for f in response["batchItemFailures"]}
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done[start : start + 10])
            ]
            self.sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)
        new_rows = outcome.new_events if outcome else 0
        written = sum(g.size_bytes for g in outcome.groups if g.written) if outcome else 0
        self.tally.batch_done(len(messages), len(failed), new_rows, written, time.perf_counter())

    def scheduled_run(self) -> None:
        """The scheduled run, once, when half the burst is written."""
        self.half_put.wait()
        started = time.perf_counter()
        response = handle({}, env=self.env, adapters=s3_adapters(self.connector))
        ended = time.perf_counter()
        with self.tally.lock:
            self.tally.scheduled = {k: response.get(k) for k in _SCHEDULED_FIELDS} | {"wall_s": ended - started}
            written = int(response.get("checkpoint_size_bytes") or 0) if response.get("checkpoint_written") else 0
            self.tally._rows(int(response.get("new_events_processed") or 0), written, ended)

    def queue_empty(self) -> bool:
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        found = self.sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=names)["Attributes"]
        return all(int(found[n]) == 0 for n in names)

    def rows(self) -> pl.DataFrame:
        body = self.s3.get_object(Bucket=self.bucket, Key=CHECKPOINT_KEY)["Body"].read()
        return pl.read_parquet(io.BytesIO(body))


_SCHEDULED_FIELDS = ("statusCode", "files_listed", "files_fetched", "new_events_processed", "files_missed_by_events")


def run(args: argparse.Namespace, endpoint: str) -> tuple[dict[str, Any], list[str]]:
    from bench import dataset  # noqa: PLC0415 - driver only

    sim = Simulation(args, endpoint)
    sim.wire()
    files = dataset.event_files(EVENTS, args.files, args.seed)
    stop = threading.Event()
    threads = [threading.Thread(target=sim.poll, args=(stop,), daemon=True) for _ in range(args.pollers)]
    threads.append(threading.Thread(target=sim.scheduled_run, daemon=True))
    for thread in threads:
        thread.start()
    sim.put_burst(files)
    put_s = time.perf_counter() - sim.first_put_at
    _say(f"{len(files)} files PUT in {put_s:.1f} s")
    deadline = time.perf_counter() + args.timeout
    while time.perf_counter() < deadline and not (sim.queue_empty() and sim.tally.scheduled):
        time.sleep(1)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    return _result(sim, files, put_s)


def _result(sim: Simulation, files: list[LogFile], put_s: float) -> tuple[dict[str, Any], list[str]]:
    held = sim.rows()
    keys = held["source_key"]
    tally = sim.tally
    checks = {
        "every file has a row": set(keys) == {f.key for f in files},
        "no file has two rows": keys.n_unique() == held.height,
        "rows = files": held.height == len(files),
    }
    result = {
        "files": len(files),
        "put_s": put_s,
        "first_put_to_last_row_s": tally.last_row_at - sim.first_put_at,
        "messages_received": tally.received,
        "batches": tally.batches,
        "mean_batch": tally.received / tally.batches if tally.batches else 0,
        "failed_messages": tally.failed_messages,
        "rows_by_batches": tally.new_rows - int(tally.scheduled.get("new_events_processed") or 0),
        "bytes_written": tally.bytes_written,
        "scheduled_run": tally.scheduled,
        "rows": held.height,
        "checks": checks,
        "load_avg_1m": os.getloadavg()[0],
    }
    return result, [name for name, passed in checks.items() if not passed]


def report(result: dict[str, Any]) -> str:
    scheduled = result["scheduled_run"]
    files = result["files"]
    lines = [
        f"files PUT                       {files:,} in {result['put_s']:.1f} s",
        f"first PUT -> last row           {result['first_put_to_last_row_s']:.1f} s",
        f"messages received               {result['messages_received']:,} (duplicates and redeliveries included)",
        f"batches (invocations)           {result['batches']:,}, {result['mean_batch']:.1f} messages each on average",
        f"messages failed back to SQS     {result['failed_messages']:,}",
        f"rows written by batches         {result['rows_by_batches']:,}",
        f"scheduled run                   fetched {scheduled.get('files_fetched')}, "
        f"new rows {scheduled.get('new_events_processed')}, "
        f"files_missed_by_events {scheduled.get('files_missed_by_events')}, {scheduled.get('wall_s', 0):.1f} s",
        f"checkpoint bytes written        {result['bytes_written'] / 1e6:.1f} MB "
        f"({result['bytes_written'] / files * 1000 / 1e6:.2f} MB per 1,000 files)",
        f"rows in the checkpoint          {result['rows']:,}",
    ]
    lines += [f"check: {name:<26} {'OK' if ok else 'FAILED'}" for name, ok in result["checks"].items()]
    lines.append(f"load average (1 min) at end {result['load_avg_1m']:.1f}")
    return "\n".join(lines)


def _say(message: str) -> None:
    print(f"[bench-events simulate {time.monotonic() - STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


def _on_own_server(args: argparse.Namespace) -> tuple[dict[str, Any], list[str]]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        return run(args, f"http://{host}:{port}")
    finally:
        server.stop()


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server logs every request
    logger.setLevel(logging.WARNING)  # a log line per batch would drown the report
    for name, value in FAKE_AWS.items():
        os.environ.setdefault(name, value)
    result, failed = run(args, args.endpoint) if args.endpoint else _on_own_server(args)
    print(report(result))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result | {"args": {k: str(v) for k, v in vars(args).items()}}, indent=1))
    print(f"\nJSON: {args.out}")
    for name in failed:
        print(f"PROBLEM: {name}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
