"""`Checkpoint`: every ingested event row, in Polars, and the pure merge of new rows into it.

No I/O here. Rows are never deduplicated by content: each (source_key, source_etag)
object version is one row, kept forever (the audit trail); analyses pick the latest
version of an event identity themselves (`checkpoint_analytics.versions`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import polars as pl

from checkpoint_lambda.domain.events import SourcedEvent
from checkpoint_lambda.domain.schema import (
    CHECKPOINT_SCHEMA,
    EVENT_COLUMNS,
    EXTRA_FIELDS_COLUMN,
    ORDER_COLUMNS,
    VERSION_COLUMNS,
    conform,
    with_optional_columns,
)
from checkpoint_lambda.domain.sorted_splice import can_splice, splice_sorted

SPLICE_RATIO = 500  # at most one new row per this many held rows: splice them in, do not re-sort
_ORDER = list(ORDER_COLUMNS)
_VERSIONS = list(VERSION_COLUMNS)


class Checkpoint:
    """All event rows, sorted by event timestamp (ties: when the file was written, then key).

    Raises CheckpointSchemaMismatch for a frame whose columns are not the checkpoint's;
    the same columns in another order are put in canonical order.
    """

    def __init__(self, frame: pl.DataFrame) -> None:
        self._frame = conform(frame)

    @classmethod
    def empty(cls) -> Checkpoint:
        return cls(pl.DataFrame(schema=CHECKPOINT_SCHEMA))

    @classmethod
    def from_events(cls, events: Sequence[SourcedEvent]) -> Checkpoint:
        return cls(frame_of(events).sort(_ORDER))

    @property
    def dataframe(self) -> pl.DataFrame:
        return self._frame

    @property
    def row_count(self) -> int:
        return self._frame.height

    def add_events(self, events: Sequence[SourcedEvent]) -> Checkpoint:
        """Previous rows plus every new object version not already held, in row order.

        A version already present (another run ingested it first) is not added again,
        so a retried merge is exactly once; identical events from different files all stay.
        Returns this same object when nothing is new.
        """
        new = unseen_versions(frame_of(events), self._frame.select(_VERSIONS))
        if new.is_empty():
            return self
        held = with_optional_columns(self._frame, new.columns)
        new = with_optional_columns(new, held.columns)
        if new.height * SPLICE_RATIO <= self._frame.height:
            new = new.sort(_ORDER)
            if can_splice(held, _ORDER) and can_splice(new, _ORDER):
                return Checkpoint(splice_sorted(held, new, _ORDER))
        return Checkpoint(pl.concat([held, new], how="vertical").sort(_ORDER))


def unseen_versions(listed: pl.DataFrame, held: pl.DataFrame) -> pl.DataFrame:
    """The rows of `listed` (with columns source_key, source_etag, …) whose version `held` lacks."""
    # Only held rows of listed keys can match: filtering first keeps the join's hash
    # table as small as `listed` (against 1M held rows: ~260 MiB less memory, ~5x faster).
    listed_keys = listed.get_column("source_key").implode()
    candidates = held.select(_VERSIONS).filter(pl.col("source_key").is_in(listed_keys, nulls_equal=True))
    return listed.join(candidates, on=_VERSIONS, how="anti", nulls_equal=True)


def latest_timestamp(frame: pl.DataFrame) -> datetime | None:
    """The newest event timestamp in `frame` (reported only: selection never uses it)."""
    latest = frame.get_column("timestamp").max() if "timestamp" in frame.columns else None
    return latest if isinstance(latest, datetime) else None


def frame_of(events: Sequence[SourcedEvent]) -> pl.DataFrame:
    """The checkpoint rows of `events`, in the order given (with `extra_fields` only when one has some)."""
    columns: dict[str, list[object]] = {name: [] for name in CHECKPOINT_SCHEMA.names()}
    for sourced in events:
        event = sourced.event
        for name in EVENT_COLUMNS:
            columns[name].append(getattr(event, name))
        columns["source_key"].append(sourced.source_key)
        columns["source_etag"].append(sourced.source_etag)
        columns["source_last_modified"].append(sourced.source_last_modified)
    frame = pl.DataFrame(
        {name: values for name, values in columns.items() if name != "visit_date"},
        schema={name: dtype for name, dtype in CHECKPOINT_SCHEMA.items() if name != "visit_date"},
    )
    visit_date = pl.Series("visit_date", columns["visit_date"], dtype=pl.String).str.to_date("%Y-%m-%d")
    # The enum members are StrEnums; polars stores their string values.
    frame = frame.with_columns(visit_date).select(CHECKPOINT_SCHEMA.names())
    extras = [sourced.extra.text if sourced.extra else None for sourced in events]
    if any(text is not None for text in extras):
        frame = frame.with_columns(pl.Series(EXTRA_FIELDS_COLUMN, extras, dtype=pl.String))
    return frame
