"""One run: list the log, fetch only unseen object versions, merge, write conditionally.

Selection is by object version, not by time: a run fetches exactly the listed event
files whose (key, ETag) is neither a checkpoint row nor in the failure record. Late
files and rewritten keys are therefore always picked up, and a run with nothing new
fetches nothing and writes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from checkpoint_lambda.checkpoint import Checkpoint
from checkpoint_lambda.checkpoint_store import CheckpointStore, StoredCheckpoint
from checkpoint_lambda.config import RunConfig
from checkpoint_lambda.errors import ConcurrentUpdateConflict, PreconditionFailed
from checkpoint_lambda.failure_record import FailureRecord, FailureRecordStore, StoredFailureRecord
from checkpoint_lambda.models import FileFailure, SourcedEvent
from checkpoint_lambda.object_store import ObjectInfo, S3Connector
from checkpoint_lambda.observability import logger
from checkpoint_lambda.run_summary import RunSummary
from checkpoint_lambda.s3_retriever import Progress, S3EventRetriever

MAX_WRITE_ATTEMPTS = 5


@dataclass(frozen=True)
class SavedEvents:
    stored: StoredCheckpoint
    added: int
    written: bool


def run_checkpoint(config: RunConfig, connector: S3Connector, progress: Progress | None = None) -> RunSummary:
    """Bring the checkpoint up to date with the log under the configured prefix."""
    started = time.perf_counter()
    target = connector.store(config.checkpoint_bucket)
    checkpoints = CheckpointStore(target, config.checkpoint_key)
    records = FailureRecordStore(target, config.failure_record_key)
    retriever = S3EventRetriever(
        connector, config.source_bucket, include_sandbox=config.include_sandbox, progress=progress
    )

    listing = retriever.list_event_files(config.source_prefix, since=config.since)
    stored = checkpoints.load()
    stored_record = records.load()
    to_fetch = select_unseen(listing.events, stored.checkpoint, stored_record.record)
    logger.info(
        "selected files to fetch",
        extra={
            "files_listed": listing.files_listed,
            "files_to_fetch": len(to_fetch),
            "rows_held": stored.checkpoint.event_count,
        },
    )
    retrieval = retriever.retrieve_and_validate_events(to_fetch)

    saved = _save_events(checkpoints, stored, retrieval.events)
    verdicts = [f for f in retrieval.failures if not f.retryable]
    transient = [f for f in retrieval.failures if f.retryable]
    listed_versions = dict(listing.versions)
    listed_versions.update({f.key: f.etag for f in (*verdicts, *retrieval.skipped)})
    record = _save_record(records, stored_record, listed_versions, verdicts, retrieval.skipped)

    return RunSummary.build(
        config=config,
        listing=listing,
        files_fetched=len(to_fetch),
        new_events=saved.added,
        new_failures=len(retrieval.failures),
        checkpoint=saved.stored,
        checkpoint_written=saved.written,
        record=record,
        transient_failures=transient,
        elapsed_ms=(time.perf_counter() - started) * 1000,
    )


def select_unseen(listed: Sequence[ObjectInfo], checkpoint: Checkpoint, record: FailureRecord) -> list[ObjectInfo]:
    """The listed objects whose version is neither a checkpoint row nor a recorded failure/skip."""
    if not listed:
        return []
    known = record.versions()
    candidates = [info for info in listed if (info.key, info.etag) not in known]
    frame = pl.DataFrame(
        {"source_key": [i.key for i in candidates], "source_etag": [i.etag for i in candidates]},
        schema={"source_key": pl.String, "source_etag": pl.String},
    ).with_row_index("position")
    positions = checkpoint.unseen(frame).get_column("position").sort().to_list()
    return [candidates[p] for p in positions]


def _save_events(store: CheckpointStore, stored: StoredCheckpoint, events: Sequence[SourcedEvent]) -> SavedEvents:
    """Merge and write; on a lost race reload the winner's checkpoint and merge again.

    Writes nothing when nothing is new (so a first run with no valid event writes no
    checkpoint, and a run whose rows a concurrent run already wrote writes nothing).
    """
    current = stored
    for attempt in range(1, MAX_WRITE_ATTEMPTS + 1):
        merged = current.checkpoint.add_events(events)
        if merged is current.checkpoint:
            return SavedEvents(current, 0, written=False)
        try:
            saved = store.save(merged, current.etag)
        except PreconditionFailed:
            logger.warning("checkpoint changed since read; merging again", extra={"attempt": attempt})
            current = store.load()
            continue
        return SavedEvents(saved, merged.event_count - current.checkpoint.event_count, written=True)
    raise ConcurrentUpdateConflict(f"{store.key} kept changing during {MAX_WRITE_ATTEMPTS} write attempts")


def _save_record(
    store: FailureRecordStore,
    stored: StoredFailureRecord,
    listed: Mapping[str, str],
    failures: Sequence[FileFailure],
    skipped: Sequence[FileFailure],
) -> FailureRecord:
    """Write the record of verdicts; on a lost race keep what the other run recorded too."""
    ours = stored.record.updated(listed, failures, skipped)
    current = stored
    for attempt in range(1, MAX_WRITE_ATTEMPTS + 1):
        if ours == current.record:
            return ours
        try:
            store.save(ours, current.etag)
        except PreconditionFailed:
            logger.warning("failure record changed since read; merging again", extra={"attempt": attempt})
            current = store.load()
            ours = current.record.reconciled(ours, listed, seen_before=stored.record)
            continue
        return ours
    raise ConcurrentUpdateConflict(f"{store.key} kept changing during {MAX_WRITE_ATTEMPTS} write attempts")
