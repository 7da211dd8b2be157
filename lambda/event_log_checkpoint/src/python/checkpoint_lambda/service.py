"""One run: list the log, fetch only unseen object versions, merge, write each checkpoint conditionally.

The run is handed its adapters (`RunAdapters`) and builds none. In the per-group layout
each (study, datatype) object is written on its own: a group whose write fails is
reported and the others go on; its new files are in no checkpoint, so the next run
fetches them again.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import polars as pl

from checkpoint_lambda.adapters.checkpoint_store import CheckpointStore, StoredCheckpoint, stored_as
from checkpoint_lambda.adapters.event_retriever import Retrieval, S3EventRetriever
from checkpoint_lambda.adapters.failure_record_store import FailureRecordStore, StoredFailureRecord
from checkpoint_lambda.config import RunConfig
from checkpoint_lambda.domain.checkpoint import Checkpoint
from checkpoint_lambda.domain.events import FileFailure, SourcedEvent
from checkpoint_lambda.domain.failure_record import FailureRecord, ListingScope
from checkpoint_lambda.domain.layout import Layout
from checkpoint_lambda.domain.listing import Listing, ObjectInfo, select_unseen
from checkpoint_lambda.domain.schema import VERSION_COLUMNS
from checkpoint_lambda.errors import CheckpointAccessDenied, ConcurrentUpdateConflict, StorageError
from checkpoint_lambda.observability import logger
from checkpoint_lambda.optimistic_write import OptimisticWrite
from checkpoint_lambda.phases import PhaseClock
from checkpoint_lambda.summary import GroupResult, Rejudged, RunSummary

MAX_CONCURRENT_LOADS = 16
#: Files every run fetches even when its budget is spent: progress is guaranteed, run after run.
MIN_FILES_PER_RUN = 50
#: How long a new file may take to come through the event path (S3 → SQS → batch window →
#: ingestion) before the scheduled run counts it as missed by the events.
EVENT_GRACE = timedelta(minutes=15)
#: Errors that end one group's write in the per-group layout (the other groups go on).
GROUP_WRITE_ERRORS = (CheckpointAccessDenied, StorageError, ConcurrentUpdateConflict)
_VERSIONS = list(VERSION_COLUMNS)


@dataclass(frozen=True)
class RunAdapters:
    """The adapters a run works through: built by the entry point, on in-memory stores in tests."""

    events: S3EventRetriever
    checkpoints: CheckpointStore
    records: FailureRecordStore


def _always() -> bool:
    return True


def at_least(count: int, keep_going: Callable[[], bool]) -> Callable[[], bool]:
    """`keep_going`, but true for its first `count` calls (one call before each file)."""
    calls = 0

    def allowed() -> bool:
        nonlocal calls
        calls += 1
        return calls <= count or keep_going()

    return allowed


def run_checkpoint(
    config: RunConfig,
    adapters: RunAdapters,
    keep_going: Callable[[], bool] = _always,
    min_files: int = MIN_FILES_PER_RUN,
) -> RunSummary:
    """Bring the checkpoint(s) up to date with the log under the configured prefix.

    Fetching stops when `keep_going()` turns false (the time budget, or Ctrl-C): what was
    fetched is written, the rest is left for the next run. The first `min_files` files
    are fetched whatever it says, so that a budget shorter than the listing still
    makes progress run after run.
    """
    started = time.perf_counter()
    started_at = datetime.now(UTC)
    clock = PhaseClock()
    with clock.phase("list"):
        listing = adapters.events.list_event_files(config.source_prefix, since=config.since)
    with clock.phase("read"):
        stored = load_groups(config.layout, adapters.checkpoints)
        stored_record = adapters.records.load(config.failure_record_key)
    held = held_versions(stored)
    plan = plan_fetch(
        config,
        adapters.events,
        listing,
        select_unseen(listing.events, held, stored_record.record),
        stored_record.record,
    )
    logger.info(
        "selected files to fetch",
        extra={
            "files_listed": listing.files_listed,
            "files_to_fetch": len(plan.to_fetch),
            "rows_held": held.height,
            "failures_to_rejudge": len(plan.rejudge),
        },
    )
    with clock.phase("fetch"):
        retrieval = adapters.events.retrieve_and_validate_events(plan.to_fetch, at_least(min_files, keep_going))
    retrieval.archived.extend(plan.still_archived)
    groups = write_groups(config, adapters.checkpoints, stored, retrieval.events, clock)
    with clock.phase("write"):
        record = write_record(config, adapters.records, stored_record, retrieval, listing)
    return RunSummary.build(
        config=config,
        listing=listing,
        retrieval=retrieval,
        files_fetched=len(plan.to_fetch) - len(retrieval.deferred),
        groups=groups,
        record=record,
        elapsed_ms=(time.perf_counter() - started) * 1000,
        phase_ms=clock.milliseconds(),
        files_missed_by_events=missed_by_events(plan.to_fetch, retrieval.deferred, started_at - EVENT_GRACE)
        if config.event_ingestion
        else None,
        rejudged=plan.rejudged(retrieval),
    )


@dataclass(frozen=True)
class FetchPlan:
    """What a run fetches: unseen versions, archived ones now readable, and recorded failures to judge again."""

    to_fetch: list[ObjectInfo]
    rejudge: frozenset[tuple[str, str]]
    still_archived: list[FileFailure]
    restores_started: int

    def rejudged(self, retrieval: Retrieval) -> Rejudged:
        deferred = {(info.key, info.etag) for info in retrieval.deferred}
        recovered = sum((e.source_key, e.source_etag) in self.rejudge for e in retrieval.events)
        return Rejudged(len(self.rejudge - deferred), recovered, self.restores_started)


def plan_fetch(
    config: RunConfig, events: S3EventRetriever, listing: Listing, unseen: list[ObjectInfo], record: FailureRecord
) -> FetchPlan:
    """Unseen versions, minus archived ones that a HEAD finds still unreadable, plus the recorded
    content failures judged by other rules (all of them with `retry_failures`), fetched last."""
    listed = {(info.key, info.etag): info for info in listing.events}
    rejudge = record.judged_by_other_rules(events.rules.fingerprint, everything=config.retry_failures)
    archived = [listed[(f.key, f.etag)] for f in record.archived.values() if (f.key, f.etag) in listed]
    restore = None if config.restore_archived == "off" or config.dry_run else config.restore_archived
    check = events.check_archived([*(i for i in unseen if i.archived_by_class), *archived], restore)
    again = sorted((listed[v] for v in rejudge if v in listed), key=lambda info: info.key)
    fresh = [info for info in unseen if not info.archived_by_class]
    return FetchPlan(
        [*fresh, *check.readable, *again],
        frozenset((i.key, i.etag) for i in again),
        check.archived,
        check.restores_started,
    )


def missed_by_events(fetched: Sequence[ObjectInfo], deferred: Sequence[ObjectInfo], before: datetime) -> int:
    """The fetched files older than `before`: the event path should have ingested them already."""
    skipped = {info.key for info in deferred}
    return sum(1 for info in fetched if info.key not in skipped and info.last_modified < before)


def held_versions(stored: Mapping[str, StoredCheckpoint]) -> pl.DataFrame:
    """(source_key, source_etag) of every row of every stored checkpoint object."""
    return pl.concat([s.index.select(_VERSIONS) for s in stored.values()]) if stored else _no_versions()


def load_groups(layout: Layout, checkpoints: CheckpointStore) -> dict[str, StoredCheckpoint]:
    """Every checkpoint object the layout has on S3 (the one key, or the groups under the template's prefix)."""
    prefix = layout.listing_prefix()
    if prefix is None:
        keys = [layout.location]
    else:
        keys = [key for key in checkpoints.keys_under(prefix) if layout.group_of(key) is not None]
    if len(keys) <= 1:
        return {key: checkpoints.load(key) for key in keys}
    # The groups' GETs overlap: on S3 each costs its latency, and a run reads every group.
    with ThreadPoolExecutor(max_workers=min(MAX_CONCURRENT_LOADS, len(keys))) as pool:
        return dict(zip(keys, pool.map(checkpoints.load, keys), strict=True))


def write_groups(
    config: RunConfig,
    checkpoints: CheckpointStore,
    stored: Mapping[str, StoredCheckpoint],
    events: Sequence[SourcedEvent],
    clock: PhaseClock | None = None,
) -> list[GroupResult]:
    """Merge each group's new events into its object; one result per group held or gaining rows."""
    by_key: dict[str, list[SourcedEvent]] = defaultdict(list)
    for sourced in events:
        by_key[config.layout.key_for(sourced.event)].append(sourced)
    results = []
    clock = clock or PhaseClock()
    for key in sorted({*stored, *by_key}):
        first = stored.get(key) or stored_as(key, Checkpoint.empty(), None, 0)
        try:
            results.append(_write_group(config, checkpoints, first, by_key.get(key, []), clock))
        except GROUP_WRITE_ERRORS as error:
            if config.layout.listing_prefix() is None:
                raise  # the single-object layout: the run's own error response
            logger.error("checkpoint write failed", extra={"key": key, "error": error.error, "reason": str(error)})
            results.append(GroupResult.failed(config, first, error))
    return results


def _write_group(
    config: RunConfig,
    checkpoints: CheckpointStore,
    first: StoredCheckpoint,
    events: Sequence[SourcedEvent],
    clock: PhaseClock,
) -> GroupResult:
    def merge(current: StoredCheckpoint) -> Checkpoint | None:
        with clock.phase("merge"):
            merged = current.checkpoint().add_events(events) if events else None
        return None if merged is None or merged is current.checkpoint() else merged

    def save(merged: Checkpoint, current: StoredCheckpoint) -> StoredCheckpoint:
        if config.dry_run:
            return stored_as(current.key, merged, current.etag, current.size_bytes)
        with clock.phase("write"):
            return checkpoints.save(current.key, merged, current.etag)

    outcome = OptimisticWrite(first.key, merge, save, lambda: checkpoints.load(first.key)).run(first)
    added = outcome.stored.row_count - outcome.base.row_count if outcome.written else 0
    written = outcome.written and not config.dry_run
    return GroupResult.done(config, outcome.stored, added, written=written, would_write=outcome.written)


def write_record(
    config: RunConfig,
    records: FailureRecordStore,
    stored: StoredFailureRecord,
    retrieval: Retrieval,
    listing: Listing | None = None,
) -> FailureRecord:
    """Write the record of this run's verdicts; on a lost race keep what the other run recorded too.

    Every version this run read has the verdict of this run only: an entry about a
    version now a row (judged again, or restored) is dropped. Without a `listing` (the
    event path) the run judges the keys it read and no others.
    """
    verdicts = [f for f in retrieval.failures if not f.retryable]
    judged = [*verdicts, *retrieval.skipped, *retrieval.archived]
    resolved = {(e.source_key, e.source_etag) for e in retrieval.events} | {(f.key, f.etag) for f in judged}
    read = {f.key: f.etag for f in judged}
    if listing is None:
        scope = ListingScope(
            None, {**{e.source_key: e.source_etag for e in retrieval.events}, **read}, frozenset(resolved)
        )
    else:
        scope = ListingScope(listing.prefix, {**listing.versions, **read}, frozenset(resolved))
    ours = stored.record.updated(scope, verdicts, retrieval.skipped, retrieval.archived)

    def merge(current: StoredFailureRecord) -> FailureRecord | None:
        merged = ours if current is stored else current.record.reconciled(ours, scope, seen_before=stored.record)
        return None if merged == current.record else merged

    def save(record: FailureRecord, current: StoredFailureRecord) -> StoredFailureRecord:
        if config.dry_run:
            return StoredFailureRecord(record, current.etag)
        return records.save(config.failure_record_key, record, current.etag)

    def reload() -> StoredFailureRecord:
        return records.load(config.failure_record_key)

    outcome = OptimisticWrite(config.failure_record_key, merge, save, reload).run(stored)
    return outcome.stored.record


def _no_versions() -> pl.DataFrame:
    return pl.DataFrame(schema={"source_key": pl.String, "source_etag": pl.String})
