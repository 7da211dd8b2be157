"""The `run` command: the job from a laptop, with the Lambda's configuration and response.

S3 is reached as the Lambda reaches it: AWS_ENDPOINT_URL, AWS_REGION and boto3's credential chain.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from checkpoint_lambda.entrypoints.lambda_function import budget_from_first_call, handle

#: Exit codes: the run answered 200; it answered 207 (some per-group writes failed); it failed.
EXIT_OK, EXIT_FAILED, EXIT_PARTIAL = 0, 1, 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source-bucket", required=True)
    parser.add_argument("--prefix", default="", help="source prefix, e.g. prod/")
    parser.add_argument("--checkpoint-bucket", required=True)
    location = parser.add_mutually_exclusive_group(required=True)
    location.add_argument("--checkpoint-key", help="one object, e.g. checkpoints/events/checkpoint.parquet")
    location.add_argument(
        "--checkpoint-key-template", help="one object per group, e.g. checkpoints/{study}/{datatype}/events.parquet"
    )
    parser.add_argument("--include-sandbox", action="store_true", help="keep sandbox- projects (skipped by default)")
    parser.add_argument("--since", help="only consider files written at or after this ISO 8601 time")
    parser.add_argument("--dry-run", action="store_true", help="fetch and merge, write nothing, say what would change")
    parser.add_argument("--retry-failures", action="store_true", help="judge every recorded content failure again")
    parser.add_argument(
        "--time-budget",
        type=float,
        metavar="SECONDS",
        help="fetch for at most this long (listing not counted); the next run continues",
    )


def run(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    """Runs the job and prints the JSON response; the exit code says how it ended."""
    payload: dict[str, Any] = {
        "source_bucket": args.source_bucket,
        "prefix": args.prefix,
        "checkpoint_bucket": args.checkpoint_bucket,
        "include_sandbox": args.include_sandbox,
        "dry_run": args.dry_run,
        "retry_failures": getattr(args, "retry_failures", False),
    }
    for field in ("checkpoint_key", "checkpoint_key_template", "since"):
        if getattr(args, field):
            payload[field] = getattr(args, field)
    progress = TerminalProgress(sys.stderr) if sys.stderr.isatty() else None
    budget = None if args.time_budget is None else budget_from_first_call(args.time_budget)
    response = handle(payload, progress=progress, keep_going=budget)
    if progress is not None:
        progress.finish()
    print(json.dumps(response, indent=2), file=out)
    return {200: EXIT_OK, 207: EXIT_PARTIAL}.get(response["statusCode"], EXIT_FAILED)


class TerminalProgress:
    """A one-line progress bar for a terminal; the command uses none when stderr is piped."""

    def __init__(self, stream: TextIO, width: int = 30) -> None:
        self._stream = stream
        self._width = width
        self._shown = -1

    def __call__(self, done: int, total: int) -> None:
        filled = self._width * done // total
        if filled == self._shown and done != total:
            return
        self._shown = filled
        bar = "#" * filled + "." * (self._width - filled)
        self._stream.write(f"\rfetching [{bar}] {done}/{total}")
        self._stream.flush()

    def finish(self) -> None:
        if self._shown >= 0:
            self._stream.write("\n")
