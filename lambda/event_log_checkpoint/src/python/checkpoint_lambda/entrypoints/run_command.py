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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from types import FrameType
from typing import TYPE_CHECKING, Any, Final, TextIO

from checkpoint_lambda.entrypoints.exit_codes import EXIT_CODES_HELP, ExitCode, exit_code_of_response
from checkpoint_lambda.entrypoints.run_progress import LogsOffTheBar, TerminalProgress

if TYPE_CHECKING:
    from checkpoint_lambda.adapters.event_retriever import Retrieval, S3EventRetriever
    from checkpoint_lambda.adapters.s3 import S3Connector
    from checkpoint_lambda.config import RunConfig
    from checkpoint_lambda.domain.listing import Listing, ObjectInfo
    from checkpoint_lambda.service import RunPorts

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
    "CheckpointLocationMissing": "create the bucket, or fix --checkpoint-bucket",
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
    parser.add_argument(
        "--time-budget", type=float, metavar="SECONDS", help="stop fetching after this long; the next run continues"
    )


def payload_of(args: argparse.Namespace) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "source_bucket": args.source_bucket,
        "prefix": args.prefix,
        "checkpoint_bucket": args.checkpoint_bucket,
        "include_sandbox": args.include_sandbox,
        "dry_run": args.dry_run,
    }
    for field in ("checkpoint_key", "checkpoint_key_template", "since"):
        if getattr(args, field):
            payload[field] = getattr(args, field)
    return payload


def run(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Runs the job, prints the JSON answer on `out` and one line on `err` when something needs saying."""
    from checkpoint_lambda.entrypoints.lambda_function import handle  # noqa: PLC0415 - not for --help

    progress = TerminalProgress(err) if err.isatty() else None
    stop = Interrupts(progress)
    with stop.installed(), log_filters(progress):
        response = handle(
            payload_of(args),
            progress=progress,
            time_budget_s=args.time_budget,
            ports_for=counting_listing(progress.listed) if progress else None,
            stop=stop.requested,
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


def counting_listing(on_listed: Callable[[int], None]) -> Callable[[RunConfig, S3Connector, Any], RunPorts]:
    """The handler's adapters, with the listing reporting its count as it goes."""
    from checkpoint_lambda.entrypoints.lambda_function import build_ports  # noqa: PLC0415 - not for --help

    def ports_for(config: RunConfig, connector: S3Connector, progress: Any) -> RunPorts:
        ports = build_ports(config, connector, progress)
        return replace(ports, events=_listing_counted(ports.events, on_listed))

    return ports_for


def _listing_counted(inner: S3EventRetriever, counted: Callable[[int], None]) -> S3EventRetriever:
    """`inner`, whose listing reports its count as it goes; fetching is inner's own."""
    from checkpoint_lambda.adapters.event_retriever import S3EventRetriever  # noqa: PLC0415 - not for --help

    class ListingCounted(S3EventRetriever):
        def __init__(self) -> None:
            """Holds nothing of its own: every call goes to `inner`."""

        def list_event_files(
            self, prefix: str, since: datetime | None = None, on_listed: Callable[[int], None] | None = None
        ) -> Listing:
            return inner.list_event_files(prefix, since, on_listed=on_listed or counted)

        def retrieve_and_validate_events(
            self, objects: Sequence[ObjectInfo], keep_going: Callable[[], bool] = _always
        ) -> Retrieval:
            return inner.retrieve_and_validate_events(objects, keep_going)

    return ListingCounted()


def _always() -> bool:
    return True
