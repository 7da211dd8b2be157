"""What a run reports: the response of the handler and CLI, and its log fields and metrics."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from checkpoint_lambda.checkpoint_store import StoredCheckpoint
from checkpoint_lambda.config import RunConfig
from checkpoint_lambda.errors import CheckpointError
from checkpoint_lambda.failure_record import FailureRecord
from checkpoint_lambda.models import FileFailure
from checkpoint_lambda.s3_retriever import Listing

MAX_LISTED_FAILURES = 100


@dataclass(frozen=True)
class RunSummary:
    """Counts of one run. Every listed event file is counted once:
    files_listed = files_unchanged + files_fetched + files_sandbox_skipped + files_before_since.
    """

    checkpoint_path: str
    failure_record_path: str
    files_listed: int
    files_fetched: int
    files_unchanged: int
    files_non_event: int
    files_sandbox_skipped: int
    sandbox_content_skipped: int
    files_before_since: int
    new_events_processed: int
    new_files_failed: int
    events_failed: int
    total_events: int
    last_processed_timestamp: str | None
    checkpoint_written: bool
    checkpoint_size_bytes: int
    execution_time_ms: int
    failures: tuple[dict[str, str], ...]

    @classmethod
    def build(
        cls,
        *,
        config: RunConfig,
        listing: Listing,
        files_fetched: int,
        new_events: int,
        new_failures: int,
        checkpoint: StoredCheckpoint,
        checkpoint_written: bool,
        record: FailureRecord,
        transient_failures: Sequence[FileFailure] = (),
        elapsed_ms: float,
    ) -> RunSummary:
        latest = checkpoint.checkpoint.last_processed_timestamp()
        selected = len(listing.events)
        failures = sorted([*record.failures.values(), *transient_failures], key=lambda f: f.key)
        return cls(
            checkpoint_path=config.checkpoint_path,
            failure_record_path=f"s3://{config.checkpoint_bucket}/{config.failure_record_key}",
            files_listed=listing.files_listed,
            files_fetched=files_fetched,
            files_unchanged=selected - files_fetched,
            files_non_event=listing.non_event_keys,
            files_sandbox_skipped=listing.sandbox_by_name,
            sandbox_content_skipped=len(record.skipped),
            files_before_since=listing.before_since,
            new_events_processed=new_events,
            new_files_failed=new_failures,
            events_failed=len(failures),
            total_events=checkpoint.checkpoint.event_count,
            last_processed_timestamp=latest.isoformat().replace("+00:00", "Z") if latest else None,
            checkpoint_written=checkpoint_written,
            checkpoint_size_bytes=checkpoint.size_bytes,
            execution_time_ms=round(elapsed_ms),
            failures=tuple({"key": f.key, "reason": f.reason} for f in failures[:MAX_LISTED_FAILURES]),
        )

    def to_response(self) -> dict[str, Any]:
        """The handler's 200 response; `failures` lists at most 100, `events_failed` counts all."""
        return {"statusCode": 200, **self.__dict__, "failures": list(self.failures)}


def error_response(error: CheckpointError, details: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": error.status_code, "error": error.error, "message": str(error), "details": details}
