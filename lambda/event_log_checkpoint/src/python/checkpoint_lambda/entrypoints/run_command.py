"""The `run` command: the job from a laptop, with the Lambda's configuration and response.

S3 is reached as the Lambda reaches it: AWS_ENDPOINT_URL, AWS_REGION and boto3's credential chain.
This module imports nothing heavy at the top, so `--help` stays fast; the handler is imported to run.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, Final, TextIO

from checkpoint_lambda.entrypoints.exit_codes import EXIT_CODES_HELP, ExitCode, exit_code_of_response
from checkpoint_lambda.entrypoints.run_progress import LogsOffTheBar, TerminalProgress

DESCRIPTION: Final = (
    "Bring the checkpoint up to date with the event log: list the prefix, fetch only the event files "
    "the checkpoint has not seen, write the checkpoint. Prints the Lambda's JSON answer on stdout."
)
EPILOG: Final = f"""environment:
  AWS_PROFILE, AWS_ACCESS_KEY_ID, ...  boto3's credential chain (profiles, SSO, environment)
  AWS_ENDPOINT_URL                     any S3-compatible endpoint instead of AWS
  AWS_REGION / AWS_DEFAULT_REGION      region (default us-east-1)
  FETCH_CONCURRENCY, LIST_CONCURRENCY  concurrent GETs (default 64) and listing requests (default 8)
  SOURCE_BUCKET, SOURCE_PREFIX, CHECKPOINT_BUCKET, CHECKPOINT_KEY, CHECKPOINT_KEY_TEMPLATE,
  INCLUDE_SANDBOX                      what an option left out is taken from

Ctrl-C stops fetching and writes what was fetched (exit 130; the next run continues);
a second Ctrl-C aborts.

{EXIT_CODES_HELP}

example:
  python -m checkpoint_cli run --source-bucket nacc-event-log --prefix prod/ \\
    --checkpoint-bucket nacc-analytics --checkpoint-key checkpoints/prod/checkpoint.parquet"""

#: The next step for each error of the answer; the message itself says what went wrong.
NEXT_STEP: Final = {
    "InvalidConfiguration": "see `python -m checkpoint_cli run --help`",
    "CheckpointBucketMissing": "create the bucket, or fix --checkpoint-bucket",
    "SourceBucketMissing": "fix --source-bucket",
    "CredentialsUnavailable": "then run again",
    "SourceAccessDenied": "check the permissions of the credentials in use (aws sts get-caller-identity)",
    "CheckpointAccessDenied": "check the permissions of the credentials in use (aws sts get-caller-identity)",
    "ConcurrentUpdateConflict": "another run was writing the checkpoint; run again (nothing was lost)",
    "CheckpointUnreadable": "move that object aside or choose another checkpoint key; it is never overwritten",
    "StorageError": "S3 kept failing; run again later (nothing was lost)",
}
UNEXPECTED_STEP: Final = "run again with --log-level DEBUG and report the traceback"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = DESCRIPTION
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--source-bucket", required=True, help="bucket of the event log, e.g. nacc-event-log")
    parser.add_argument("--prefix", default="", help="prefix of the event files, e.g. prod/ (default: the bucket)")
    parser.add_argument("--checkpoint-bucket", required=True, help="bucket the checkpoint is written to")
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


def payload_of(args: argparse.Namespace) -> dict[str, Any]:
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
    return payload


def run(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Runs the job, prints the JSON answer on `out` and one line on `err` when something needs saying."""
    from checkpoint_lambda.entrypoints.adapters import s3_adapters  # noqa: PLC0415 - not for --help
    from checkpoint_lambda.entrypoints.lambda_function import budget_from_first_call, handle  # noqa: PLC0415

    progress = TerminalProgress(err) if err.isatty() else None
    stop = Interrupts(progress)
    budget = budget_from_first_call(args.time_budget) if args.time_budget is not None else None

    def keep_going() -> bool:
        return not stop.requested() and (budget is None or budget())

    with stop.installed(), log_filters(progress):
        response = handle(
            payload_of(args),
            progress=progress,
            adapters=s3_adapters(on_listed=progress.listed if progress else None),
            keep_going=keep_going,
        )
    if progress is not None:
        progress.finish()
    response = with_warnings(response, payload_of(args))
    print(json.dumps(response, indent=2), file=out)
    return report(response, stop.requested(), err)


def with_warnings(response: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    """The answer plus `warnings`: what succeeded but is probably a mistake (a prefix without event files)."""
    if response.get("statusCode") not in (200, 207):
        return response
    warnings = []
    if response.get("files_listed") == 0:
        warnings.append(
            f"no event files under s3://{payload['source_bucket']}/{payload['prefix']}: "
            "check --source-bucket and --prefix"
        )
    return {**response, "warnings": warnings}


def report(response: dict[str, Any], interrupted: bool, err: TextIO) -> int:
    """One line on `err` for an error, a partial answer, an interruption or a warning; the exit code."""
    for warning in response.get("warnings", ()):
        print(f"run: warning: {warning}", file=err)
    code = exit_code_of_response(response)
    if code is not ExitCode.OK and code is not ExitCode.PARTIAL:
        error = response.get("error", "")
        print(f"run: {error}: {response.get('message', '')}; {NEXT_STEP.get(error, UNEXPECTED_STEP)}", file=err)
        return code
    if interrupted:
        print(
            f"run: interrupted: wrote {response['new_events_processed']} new events; "
            f"{response['files_deferred']} files left for the next run (complete: false); run again to continue",
            file=err,
        )
        return ExitCode.INTERRUPTED
    if code is ExitCode.PARTIAL:
        print("run: some checkpoint objects were not written (see groups[].error); run again to write them", file=err)
    return code


class Interrupts:
    """The first Ctrl-C stops fetching (the run writes what it fetched); the second aborts the run."""

    def __init__(self, progress: TerminalProgress | None) -> None:
        self._progress = progress
        self._requested = False

    def requested(self) -> bool:
        return self._requested

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if self._requested:
            raise KeyboardInterrupt
        self._requested = True
        if self._progress is not None:
            self._progress.note("stopping: fetches in flight finish, what was fetched is written (Ctrl-C to abort)")

    @contextmanager
    def installed(self) -> Iterator[None]:
        previous = signal.signal(signal.SIGINT, self)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)


@contextmanager
def log_filters(progress: TerminalProgress | None) -> Iterator[None]:
    """While the bar is shown, each log record erases it first. Below DEBUG, the handler's error records
    (tracebacks included) are left out: the JSON answer and the command's one line say it."""
    from checkpoint_lambda.observability import logger  # noqa: PLC0415 - not for --help

    handler = logger.registered_handler
    guards: list[logging.Filter | Callable[[logging.LogRecord], bool]] = []
    if logger.log_level > logging.DEBUG:
        guards.append(lambda record: record.levelno < logging.ERROR)
    if progress is not None:
        guards.append(LogsOffTheBar(progress))
    for guard in guards:
        handler.addFilter(guard)
    try:
        yield
    finally:
        for guard in guards:
            handler.removeFilter(guard)
