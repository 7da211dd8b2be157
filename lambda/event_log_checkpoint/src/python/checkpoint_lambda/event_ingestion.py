"""The event path: ingest exactly the objects S3 notified, without listing the log.

Selection, merge and writes are the listing run's own (`service.py`): a version already
in a checkpoint or in the failure record is not fetched, so duplicate and re-ordered
deliveries are no-ops; each touched group is written with the same conditional write,
so batches racing each other or a scheduled run lose nothing and double nothing. What
the notification says is only a hint: the version read (its ETag) is the one recorded.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from checkpoint_lambda.config import RunConfig
from checkpoint_lambda.domain.event_keys import parse_event_key
from checkpoint_lambda.domain.listing import ObjectInfo, select_unseen
from checkpoint_lambda.domain.notifications import NotifiedObject
from checkpoint_lambda.observability import logger
from checkpoint_lambda.phases import PhaseClock
from checkpoint_lambda.service import RunAdapters, held_versions, load_groups, write_groups, write_record
from checkpoint_lambda.summary import GroupResult


@dataclass(frozen=True)
class BatchOutcome:
    """What one batch of notifications came to.

    `unread` keys could not be read, or their group's write failed: their messages are
    reported back to SQS, which delivers them again.
    """

    objects_notified: int
    passed_over: int
    already_held: int
    files_fetched: int
    new_events: int
    content_failures: int
    vanished: int
    unread: frozenset[str]
    groups: tuple[GroupResult, ...] = ()
    phase_ms: dict[str, int] = field(default_factory=dict)
    execution_time_ms: int = 0

    @property
    def checkpoints_written(self) -> int:
        return sum(g.written for g in self.groups)

    def to_log(self) -> dict[str, object]:
        return {
            "objects_notified": self.objects_notified,
            "passed_over": self.passed_over,
            "already_held": self.already_held,
            "files_fetched": self.files_fetched,
            "new_events_processed": self.new_events,
            "content_failures": self.content_failures,
            "vanished": self.vanished,
            "unread": sorted(self.unread),
            "checkpoints_written": self.checkpoints_written,
            "phase_ms": self.phase_ms,
            "execution_time_ms": self.execution_time_ms,
        }


def ingest_notified(config: RunConfig, adapters: RunAdapters, notified: Sequence[NotifiedObject]) -> BatchOutcome:
    """Fetch, validate, merge and write the notified event files that are not held yet."""
    started = time.perf_counter()
    clock = PhaseClock()
    candidates = _ours(config, notified)
    with clock.phase("read"):
        stored = load_groups(config.layout, adapters.checkpoints)
        stored_record = adapters.records.load(config.failure_record_key)
    to_fetch = select_unseen(candidates, held_versions(stored), stored_record.record)
    with clock.phase("fetch"):
        retrieval = adapters.events.retrieve_and_validate_events(to_fetch)
    groups = write_groups(config, adapters.checkpoints, stored, retrieval.events, clock)
    verdicts = [f for f in retrieval.failures if not f.retryable]
    with clock.phase("write"):
        write_record(config, adapters.records, stored_record, retrieval)
    transient = [f for f in retrieval.failures if f.retryable]
    failed_groups = {g.checkpoint_path for g in groups if g.error}
    unwritten = {
        e.source_key
        for e in retrieval.events
        if f"s3://{config.checkpoint_bucket}/{config.layout.key_for(e.event)}" in failed_groups
    }
    return BatchOutcome(
        objects_notified=len(notified),
        passed_over=len(notified) - len(candidates),
        already_held=len(candidates) - len(to_fetch),
        files_fetched=len(to_fetch),
        new_events=sum(g.new_events for g in groups),
        content_failures=len(verdicts),
        vanished=sum(f.vanished for f in transient),
        unread=frozenset({f.key for f in transient if not f.vanished} | unwritten),
        groups=tuple(g for g in groups if g.new_events or g.error),
        phase_ms=clock.milliseconds(),
        execution_time_ms=round((time.perf_counter() - started) * 1000),
    )


def _ours(config: RunConfig, notified: Sequence[NotifiedObject]) -> list[ObjectInfo]:
    """The notified event files under the configured bucket and prefix, one per key (the latest named)."""
    now = datetime.now(UTC)
    by_key: dict[str, ObjectInfo] = {}
    for found in notified:
        if found.bucket != config.source_bucket or not found.key.startswith(config.source_prefix):
            continue
        hint = parse_event_key(found.key)
        if hint is None or (hint.is_sandbox and not config.include_sandbox):
            continue
        by_key[found.key] = ObjectInfo(found.key, found.etag, now, found.size)
    if len(by_key) < len(notified):
        logger.debug("notifications passed over", extra={"passed_over": len(notified) - len(by_key)})
    return list(by_key.values())
