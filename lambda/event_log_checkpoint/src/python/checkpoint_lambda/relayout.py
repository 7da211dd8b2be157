"""Move a checkpoint from one layout to another, from the checkpoint alone: no event file is read.

Rows of earlier versions of rewritten keys exist only in the checkpoint (S3 keeps a key's
latest content), so the move carries rows, not files. Every row goes to the object of its
group in the destination layout, or to the quarantine object when the current rules cannot
place it; the failure record goes along, with one entry per quarantined file version.

Safe to rerun: every destination object is created with a conditional write (If-None-Match),
and one that already holds exactly the rows planned for it is left alone, so a rerun after a
failure halfway writes only what is missing, and a rerun after success writes nothing. A
destination holding anything else (other rows, another record, another quarantine) is
refused before anything is written.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import polars as pl

from checkpoint_lambda.adapters.checkpoint_store import CheckpointStore
from checkpoint_lambda.adapters.failure_record_store import FailureRecordStore
from checkpoint_lambda.adapters.object_store import ObjectStore
from checkpoint_lambda.domain.checkpoint import Checkpoint
from checkpoint_lambda.domain.failure_record import FailureRecord
from checkpoint_lambda.domain.layout import Layout
from checkpoint_lambda.domain.relayout_plan import (
    RelayoutPlan,
    overlapping_keys,
    plan_relayout,
    quarantine_key,
    record_with_quarantine,
)
from checkpoint_lambda.domain.schema import ORDER_COLUMNS, VERSION_COLUMNS, without_empty_optional_columns
from checkpoint_lambda.errors import ConcurrentUpdateConflict, ConfigError, PreconditionFailed
from checkpoint_lambda.relayout_result import ObjectOutcome, RelayoutResult
from checkpoint_lambda.service import load_groups

MAX_CONCURRENT_WRITES = 8
_ORDER = list(ORDER_COLUMNS)
_VERSIONS = list(VERSION_COLUMNS)


class NothingToMove(ConfigError):
    """The source layout has no checkpoint object."""

    error = "NothingToMove"


class DestinationNotEmpty(ConfigError):
    """The destination holds data that is not what the relayout would write there; nothing was written."""

    error = "DestinationNotEmpty"


@dataclass(frozen=True)
class BucketStores:
    """The object store of one bucket and the checkpoint and failure-record stores on it."""

    objects: ObjectStore
    checkpoints: CheckpointStore
    records: FailureRecordStore

    @classmethod
    def over(cls, objects: ObjectStore) -> BucketStores:
        return cls(objects, CheckpointStore(objects), FailureRecordStore(objects))


@dataclass(frozen=True)
class Relayout:
    """What to move where: from `source` in one bucket to `destination` in another (or the same)."""

    source: Layout
    destination: Layout
    dry_run: bool = False


def relayout(request: Relayout, source: BucketStores, destination: BucketStores) -> RelayoutResult:
    """Plan from the source's rows, check the destination, write what is missing (nothing on a dry run).

    Raises NothingToMove, DestinationNotEmpty (also for layouts that would share objects),
    ConcurrentUpdateConflict when another writer creates a destination object meanwhile.
    """
    same_bucket = source.objects.bucket == destination.objects.bucket
    if same_bucket:
        _refuse_shared_companions(request)
    stored = load_groups(request.source, source.checkpoints)
    stored = {key: found for key, found in stored.items() if found.etag is not None}
    if not stored:
        raise NothingToMove(f"no checkpoint at s3://{source.objects.bucket}/{request.source.location}")
    source_record = source.records.load(request.source.failure_record_key)
    rows = pl.concat([found.checkpoint().dataframe for found in stored.values()], how="vertical")
    plan = plan_relayout(rows, request.destination)
    if same_bucket:
        _refuse_overlap(request, list(stored), list(plan.objects))
    quarantine_at = quarantine_key(request.destination)
    record = source_record.record
    if plan.quarantined.height:
        where = f"s3://{destination.objects.bucket}/{quarantine_at}"
        record = record_with_quarantine(record, plan.quarantined, where)
    carry_record = source_record.etag is not None or plan.quarantined.height > 0
    present = _already_there(request.destination, plan, record if carry_record else None, destination)
    writer = _Writer(request, destination, present)
    objects = writer.checkpoints(plan.objects)
    quarantine = writer.quarantine(quarantine_at, plan.quarantined) if plan.quarantined.height else None
    written_record = writer.record(record) if carry_record else None
    return RelayoutResult(
        dry_run=request.dry_run,
        source=f"s3://{source.objects.bucket}/{request.source.location}",
        destination=f"s3://{destination.objects.bucket}/{request.destination.location}",
        rows_read=rows.height,
        objects=objects,
        quarantine=quarantine,
        failure_record=written_record,
        record_entries_carried=len(source_record.record.failures) + len(source_record.record.skipped),
        record_entries_added=len(record.failures) - len(source_record.record.failures),
    )


def _refuse_shared_companions(request: Relayout) -> None:
    """In one bucket the two layouts may not share a failure record (nor its quarantine)."""
    if request.source.failure_record_key == request.destination.failure_record_key:
        raise DestinationNotEmpty(
            f"both layouts keep their failure record at {request.source.failure_record_key}: "
            "choose a destination in another folder"
        )


def _refuse_overlap(request: Relayout, source_keys: list[str], destination_keys: list[str]) -> None:
    """In one bucket, no object may belong to both layouts (a later run would read it as both)."""
    shared = overlapping_keys(request.destination, source_keys) + overlapping_keys(request.source, destination_keys)
    if shared:
        raise DestinationNotEmpty(
            f"the destination layout overlaps the source's ({shared[0]} would belong to both): "
            "choose a destination in another folder"
        )


def _already_there(
    layout: Layout, plan: RelayoutPlan, record: FailureRecord | None, destination: BucketStores
) -> set[str]:
    """The destination keys that already hold exactly what the plan puts there; DestinationNotEmpty otherwise."""
    present: set[str] = set()
    for key, found in load_groups(layout, destination.checkpoints).items():
        if found.etag is None:
            continue
        expected = plan.objects.get(key)
        if expected is None:
            raise DestinationNotEmpty(f"{key} holds {found.row_count} rows of a group the source does not have")
        _require_same_rows(key, found.checkpoint().dataframe, expected)
        present.add(key)
    quarantine_at = quarantine_key(layout)
    stored = destination.objects.read(quarantine_at)
    if stored is not None:
        _require_same_rows(quarantine_at, _parquet_rows(quarantine_at, stored.data), plan.quarantined)
        present.add(quarantine_at)
    stored_record = destination.records.load(layout.failure_record_key)
    if stored_record.etag is not None:
        if stored_record.record != record:
            raise DestinationNotEmpty(f"{layout.failure_record_key} holds a failure record other than the source's")
        present.add(layout.failure_record_key)
    return present


def _require_same_rows(key: str, held: pl.DataFrame, expected: pl.DataFrame) -> None:
    """Raises DestinationNotEmpty unless `held` is `expected`. An optional column without a value
    is no difference: writers leave it out (see `without_empty_optional_columns`)."""
    held, expected = without_empty_optional_columns(held), without_empty_optional_columns(expected)
    if held.schema == expected.schema and held.sort(_ORDER).equals(expected.sort(_ORDER)):
        return
    versions_held, versions_expected = held.select(_VERSIONS), expected.select(_VERSIONS)
    foreign = versions_held.join(versions_expected, on=_VERSIONS, how="anti", nulls_equal=True).height
    missing = versions_expected.join(versions_held, on=_VERSIONS, how="anti", nulls_equal=True).height
    raise DestinationNotEmpty(
        f"{key} already holds other data ({foreign} rows not from the source, {missing} of the source's rows "
        "missing, or the same rows with other values): choose an empty destination"
    )


def _parquet_rows(key: str, data: bytes) -> pl.DataFrame:
    try:
        return pl.read_parquet(io.BytesIO(data))
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise DestinationNotEmpty(f"{key} holds something that is not a quarantine object") from exc


@dataclass(frozen=True)
class _Writer:
    """Creates each missing destination object with If-None-Match; counts what it wrote."""

    request: Relayout
    destination: BucketStores
    present: set[str]

    def checkpoints(self, objects: dict[str, pl.DataFrame]) -> list[ObjectOutcome]:
        def one(item: tuple[str, pl.DataFrame]) -> ObjectOutcome:
            key, frame = item
            return self._create(key, frame.height, lambda: self._save_checkpoint(key, frame))

        with ThreadPoolExecutor(max_workers=MAX_CONCURRENT_WRITES) as pool:
            return list(pool.map(one, objects.items()))

    def quarantine(self, key: str, rows: pl.DataFrame) -> ObjectOutcome:
        buffer = io.BytesIO()
        rows.write_parquet(buffer, compression="zstd", statistics=True)
        data = buffer.getvalue()
        return self._create(key, rows.height, lambda: self._write_bytes(key, data))

    def record(self, record: FailureRecord) -> ObjectOutcome:
        key = self.request.destination.failure_record_key
        data = record.to_json()
        entries = len(record.failures) + len(record.skipped)
        return self._create(key, entries, lambda: self._write_bytes(key, data))

    def _write_bytes(self, key: str, data: bytes) -> int:
        self.destination.objects.write(key, data, None)
        return len(data)

    def _save_checkpoint(self, key: str, frame: pl.DataFrame) -> int:
        return self.destination.checkpoints.save(key, Checkpoint(frame), None).size_bytes

    def _create(self, key: str, rows: int, write: Callable[[], int]) -> ObjectOutcome:
        path = f"s3://{self.destination.objects.bucket}/{key}"
        if key in self.present:
            return ObjectOutcome(path, rows, "already there", 0)
        if self.request.dry_run:
            return ObjectOutcome(path, rows, "would write", 0)
        try:
            size = write()
        except PreconditionFailed:
            raise ConcurrentUpdateConflict(f"{path} was created by another writer during the relayout; rerun") from None
        return ObjectOutcome(path, rows, "written", size)
