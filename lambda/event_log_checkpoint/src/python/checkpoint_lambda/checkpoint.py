"""`Checkpoint`: every ingested event row, in Polars, and the pure merge of new rows into it.

No I/O here. Rows are never deduplicated by content: each (source_key, source_etag)
object version is one row, kept forever (the audit trail); analyses pick the latest
version of an event identity themselves (see `checkpoint_analytics`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import polars as pl

from checkpoint_lambda.models import SourcedEvent
from checkpoint_lambda.sorted_splice import can_splice, splice_sorted

UTC_MICROS = pl.Datetime("us", "UTC")
EVENT_COLUMNS: dict[str, pl.DataType] = {
    "action": pl.String(),
    "study": pl.String(),
    "pipeline_adcid": pl.Int64(),
    "project_label": pl.String(),
    "center_label": pl.String(),
    "gear_name": pl.String(),
    "ptid": pl.String(),
    "visit_date": pl.Date(),
    "visit_number": pl.String(),
    "datatype": pl.String(),
    "module": pl.String(),
    "packet": pl.String(),
    "timestamp": UTC_MICROS,
}
SOURCE_COLUMNS: dict[str, pl.DataType] = {
    "source_key": pl.String(),
    "source_etag": pl.String(),
    "source_last_modified": UTC_MICROS,
}
CHECKPOINT_SCHEMA = pl.Schema({**EVENT_COLUMNS, **SOURCE_COLUMNS})
VERSION_COLUMNS = ["source_key", "source_etag"]
ORDER_COLUMNS = ["timestamp", "source_last_modified", "source_key", "source_etag"]
SPLICE_RATIO = 500  # at most one new row per this many held rows: splice them in, do not re-sort


class CheckpointSchemaMismatch(ValueError):
    """A frame that is not a checkpoint: columns missing, extra, or of another type."""


class Checkpoint:
    """All event rows, sorted by event timestamp (ties: when the file was written, then key)."""

    def __init__(self, frame: pl.DataFrame) -> None:
        if frame.schema != CHECKPOINT_SCHEMA:
            raise CheckpointSchemaMismatch(_schema_difference(frame.schema))
        self._frame = frame

    @classmethod
    def empty(cls) -> Checkpoint:
        return cls(pl.DataFrame(schema=CHECKPOINT_SCHEMA))

    @classmethod
    def from_events(cls, events: Sequence[SourcedEvent]) -> Checkpoint:
        return cls(_frame_of(events).sort(ORDER_COLUMNS))

    @property
    def dataframe(self) -> pl.DataFrame:
        return self._frame

    @property
    def event_count(self) -> int:
        return self._frame.height

    def is_empty(self) -> bool:
        return self._frame.is_empty()

    def last_processed_timestamp(self) -> datetime | None:
        """The newest event timestamp held (reported only: selection never uses it)."""
        latest = self._frame.get_column("timestamp").max()
        return latest if isinstance(latest, datetime) else None

    def unseen(self, listed: pl.DataFrame) -> pl.DataFrame:
        """The rows of `listed` (columns source_key, source_etag, …) whose version is not held."""
        # Only held rows of listed keys can match: filtering first keeps the join's hash
        # table as small as `listed` (against 1M held rows: ~260 MiB less memory, ~5x faster).
        listed_keys = listed.get_column("source_key").implode()
        held = self._frame.select(VERSION_COLUMNS).filter(pl.col("source_key").is_in(listed_keys, nulls_equal=True))
        return listed.join(held, on=VERSION_COLUMNS, how="anti", nulls_equal=True)

    def add_events(self, events: Sequence[SourcedEvent]) -> Checkpoint:
        """Previous rows plus every new object version not already held, re-sorted.

        A version already present (another run ingested it first) is not added again,
        so a retried merge is exactly once; identical events from different files all stay.
        """
        new = self.unseen(_frame_of(events))
        if new.is_empty():
            return self
        if new.height * SPLICE_RATIO <= self._frame.height:
            new = new.sort(ORDER_COLUMNS)
            if can_splice(self._frame, ORDER_COLUMNS) and can_splice(new, ORDER_COLUMNS):
                return Checkpoint(splice_sorted(self._frame, new, ORDER_COLUMNS))
        return Checkpoint(pl.concat([self._frame, new], how="vertical").sort(ORDER_COLUMNS))


def _frame_of(events: Sequence[SourcedEvent]) -> pl.DataFrame:
    columns: dict[str, list[object]] = {name: [] for name in CHECKPOINT_SCHEMA.names()}
    for sourced in events:
        for name, value in sourced.event.model_dump(mode="python").items():
            columns[name].append(value)
        columns["source_key"].append(sourced.source_key)
        columns["source_etag"].append(sourced.source_etag)
        columns["source_last_modified"].append(sourced.source_last_modified)
    frame = pl.DataFrame(
        {name: values for name, values in columns.items() if name != "visit_date"},
        schema={name: dtype for name, dtype in CHECKPOINT_SCHEMA.items() if name != "visit_date"},
    )
    visit_date = pl.Series("visit_date", columns["visit_date"], dtype=pl.String).str.to_date("%Y-%m-%d")
    # dicts keep the enum members; polars stores their string values.
    return frame.with_columns(visit_date).select(CHECKPOINT_SCHEMA.names())


def _schema_difference(actual: pl.Schema) -> str:
    missing = [n for n in CHECKPOINT_SCHEMA.names() if n not in actual]
    extra = [n for n in actual.names() if n not in CHECKPOINT_SCHEMA]
    retyped = [
        f"{n} is {actual[n]} (expected {CHECKPOINT_SCHEMA[n]})"
        for n in CHECKPOINT_SCHEMA.names()
        if n in actual and actual[n] != CHECKPOINT_SCHEMA[n]
    ]
    parts = []
    if missing:
        parts.append("missing columns: " + ", ".join(missing))
    if extra:
        parts.append("unexpected columns: " + ", ".join(extra))
    parts.extend(retyped)
    if not parts:
        parts.append("columns out of order")
    return "not a checkpoint: " + "; ".join(parts)
