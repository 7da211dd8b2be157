"""Command line: run the job from a laptop, or write the monthly report.

    python -m checkpoint_lambda run --source-bucket B [--prefix P] --checkpoint-bucket C --checkpoint-key K
    python -m checkpoint_lambda report --checkpoint s3://bucket/key|PATH [--month YYYY-MM] [--out DIR]

S3 is reached as the Lambda reaches it: AWS_ENDPOINT_URL, AWS_REGION and boto3's credential chain.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from checkpoint_lambda.lambda_function import handle
from checkpoint_lambda.observability import logger


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logger.setLevel(args.log_level)
    if args.command == "run":
        return _run(args)
    return _report(args)


def _run(args: argparse.Namespace) -> int:
    payload: dict[str, Any] = {
        "source_bucket": args.source_bucket,
        "prefix": args.prefix,
        "checkpoint_bucket": args.checkpoint_bucket,
        "checkpoint_key": args.checkpoint_key,
        "include_sandbox": args.include_sandbox,
    }
    if args.since:
        payload["since"] = args.since
    progress = TerminalProgress(sys.stderr) if sys.stderr.isatty() else None
    response = handle(payload, progress=progress)
    if progress is not None:
        progress.finish()
    print(json.dumps(response, indent=2))
    return 0 if response["statusCode"] == 200 else 1


def _report(args: argparse.Namespace) -> int:
    from checkpoint_analytics.cli import run  # noqa: PLC0415 - analytics is not needed to run the job

    return run(args)


class TerminalProgress:
    """A one-line progress bar for a terminal; the CLI uses none when stderr is piped."""

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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m checkpoint_lambda", description=__doc__.splitlines()[0])
    parser.add_argument("--log-level", default="WARNING", help="log level of the JSON logs on stderr")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="bring the checkpoint up to date with the event log")
    run.add_argument("--source-bucket", required=True)
    run.add_argument("--prefix", default="", help="source prefix, e.g. prod/")
    run.add_argument("--checkpoint-bucket", required=True)
    run.add_argument("--checkpoint-key", required=True, help="e.g. checkpoints/events/checkpoint.parquet")
    run.add_argument("--include-sandbox", action="store_true", help="keep sandbox- projects (skipped by default)")
    run.add_argument("--since", help="only consider files written at or after this ISO 8601 time")
    report = commands.add_parser("report", help="write the monthly report of a checkpoint")
    report.add_argument("--checkpoint", required=True, help="s3://bucket/key or a local parquet path")
    report.add_argument("--month", help="YYYY-MM (default: the latest month with events)")
    report.add_argument("--out", default="report", help="output folder for report.html and the CSV tables")
    return parser


if __name__ == "__main__":
    sys.exit(main())
