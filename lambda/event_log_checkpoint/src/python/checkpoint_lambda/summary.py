"""What a run reports: the response of the handler and the command line, and the fields its log and metrics use."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Final

from checkpoint_lambda.adapters.checkpoint_store import StoredCheckpoint
from checkpoint_lambda.adapters.event_retriever import Retrieval
from checkpoint_lambda.config import RunConfig
from checkpoint_lambda.domain.checkpoint import latest_timestamp
from checkpoint_lambda.domain.failure_record import FailureRecord
from checkpoint_lambda.domain.listing import Listing
from checkpoint_lambda.errors import CheckpointError
from checkpoint_lambda.version import VERSION

MAX_LISTED_FAILURES: Final = 100
PARTIAL_SUCCESS: Final = 207


@dataclass(frozen=True)
class GroupResult:
    """One checkpoint object after the run. `error` is None unless its write failed."""

    study: str | None
    datatype: str | None
    checkpoint_path: str
    rows: int
    new_events: int
    written: bool
    error: str | None
    size_bytes: int
    latest: str | None
    would_write: bool = False

    @classmethod
    def done(
        cls, config: RunConfig, stored: StoredCheckpoint, added: int, *, written: bool, would_write: bool
    ) -> GroupResult:
        group = config.layout.group_of(stored.key)
        latest = latest_timestamp(stored.index)
        return cls(
            study=group.study if group else None,
            datatype=group.datatype if group else None,
            checkpoint_path=f"s3://{config.checkpoint_bucket}/{stored.key}",
            rows=stored.row_count,
            new_events=added,
            written=written,
            error=None,
            size_bytes=stored.size_bytes,
            latest=latest.isoformat().replace("+00:00", "Z") if latest else None,
            would_write=would_write,
        )

    @classmethod
    def failed(cls, config: RunConfig, stored: StoredCheckpoint, error: CheckpointError) -> GroupResult:
        """The group as it was read: its new events are in no checkpoint (the next run fetches them)."""
        return replace(cls.done(config, stored, 0, written=False, would_write=False), error=f"{error.error}: {error}")

    def to_response(self) -> dict[str, Any]:
        return {
            "study": self.study,
            "datatype": self.datatype,
            "checkpoint_path": self.checkpoint_path,
            "rows": self.rows,
            "new_events": self.new_events,
            "written": self.written,
            "error": self.error,
        }


@dataclass(frozen=True)
class Rejudged:
    """Recorded failures fetched again under other rules, those that became rows, and restores started."""

    failures_rejudged: int = 0
    failures_recovered: int = 0
    restores_started: int = 0


def unknown_field_counts(retrieval: Retrieval) -> tuple[dict[str, int], int]:
    """Per unknown field name, how many of this run's files had it; and how many files had a value cut."""
    counts: Counter[str] = Counter()
    truncated = 0
    for sourced in retrieval.events:
        if sourced.extra is not None:
            counts.update(sourced.extra.names)
            truncated += sourced.extra.truncated
    return dict(sorted(counts.items())), truncated


@dataclass(frozen=True)
class RunSummary:
    """Counts of one run. Every listed event file is counted once: files_listed =
    files_unchanged + files_fetched + files_deferred + files_sandbox_skipped + files_before_since.
    """

    version: str
    dry_run: bool
    complete: bool
    checkpoint_path: str
    failure_record_path: str
    files_listed: int
    files_fetched: int
    files_unchanged: int
    files_deferred: int
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
    groups: tuple[GroupResult, ...]
    per_group: bool
    would_write: tuple[str, ...]
    phase_ms: dict[str, int]
    files_missed_by_events: int | None
    files_archived: int = 0
    archived: tuple[str, ...] = ()
    restores_started: int = 0
    failures_rejudged: int = 0
    failures_recovered: int = 0
    unknown_fields: dict[str, int] = field(default_factory=dict)
    unknown_fields_truncated: int = 0

    @classmethod
    def build(
        cls,
        *,
        config: RunConfig,
        listing: Listing,
        retrieval: Retrieval,
        files_fetched: int,
        groups: list[GroupResult],
        record: FailureRecord,
        elapsed_ms: float,
        phase_ms: dict[str, int] | None = None,
        files_missed_by_events: int | None = None,
        rejudged: Rejudged | None = None,
    ) -> RunSummary:
        transient = [f for f in retrieval.failures if f.retryable]
        rejudged = rejudged or Rejudged()
        unknown, truncated = unknown_field_counts(retrieval)
        failures = sorted([*record.failures.values(), *transient], key=lambda f: f.key)
        latest = max((g.latest for g in groups if g.latest), default=None)
        deferred = len(retrieval.deferred)
        return cls(
            version=VERSION,
            dry_run=config.dry_run,
            complete=deferred == 0,
            checkpoint_path=config.checkpoint_path,
            failure_record_path=f"s3://{config.checkpoint_bucket}/{config.failure_record_key}",
            files_listed=listing.files_listed,
            files_fetched=files_fetched,
            files_unchanged=len(listing.events) - files_fetched - deferred,
            files_deferred=deferred,
            files_non_event=listing.non_event_keys,
            files_sandbox_skipped=listing.sandbox_by_name,
            sandbox_content_skipped=len(record.skipped),
            files_before_since=listing.before_since,
            new_events_processed=sum(g.new_events for g in groups),
            new_files_failed=len(retrieval.failures),
            events_failed=len(failures),
            total_events=sum(g.rows for g in groups),
            last_processed_timestamp=latest,
            checkpoint_written=any(g.written for g in groups),
            checkpoint_size_bytes=sum(g.size_bytes for g in groups),
            execution_time_ms=round(elapsed_ms),
            failures=tuple({"key": f.key, "reason": f.reason} for f in failures[:MAX_LISTED_FAILURES]),
            groups=tuple(groups),
            per_group=config.layout.listing_prefix() is not None,
            would_write=tuple(g.checkpoint_path for g in groups if g.would_write) if config.dry_run else (),
            phase_ms=dict(phase_ms or {}),
            files_missed_by_events=files_missed_by_events,
            files_archived=len(record.archived),
            archived=tuple(sorted(record.archived)[:MAX_LISTED_FAILURES]),
            restores_started=rejudged.restores_started,
            failures_rejudged=rejudged.failures_rejudged,
            failures_recovered=rejudged.failures_recovered,
            unknown_fields=unknown,
            unknown_fields_truncated=truncated,
        )

    @property
    def failed_groups(self) -> tuple[GroupResult, ...]:
        return tuple(g for g in self.groups if g.error is not None)

    @property
    def status_code(self) -> int:
        return PARTIAL_SUCCESS if self.failed_groups else 200

    def to_response(self) -> dict[str, Any]:
        """The handler's response; `failures` lists at most 100, `events_failed` counts all.

        `groups` only in the per-group layout; `would_write` only in a dry run;
        `files_missed_by_events` only when the event path is on.
        """
        hidden = {"groups", "per_group", "would_write"} | (
            {"files_missed_by_events"} if self.files_missed_by_events is None else set()
        )
        body = {k: v for k, v in asdict(self).items() if k not in hidden}
        body["failures"] = list(self.failures)
        body["archived"] = list(self.archived)
        if self.per_group:
            body["groups"] = [g.to_response() for g in self.groups]
        if self.dry_run:
            body["would_write"] = list(self.would_write)
        return {"statusCode": self.status_code, **body}
