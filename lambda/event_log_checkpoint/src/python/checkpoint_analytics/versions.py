"""Versions of one event: every row the checkpoint holds, and the one that counts.

The checkpoint keeps each ingested object version (the audit trail). One real event is
identified by `keys.IDENTITY_COLUMNS`; the other fields may be filled in or corrected by
a later file. Analyses count each event once, its latest version winning: the row with
the greatest (source_last_modified, source_key, source_etag).
"""

from __future__ import annotations

import polars as pl

from checkpoint_analytics.keys import IDENTITY_COLUMNS, ROW_ORDER, VERSION_ORDER
from checkpoint_analytics.latest import last_per_group


def current_events(rows: pl.LazyFrame) -> pl.LazyFrame:
    """One row per event identity, its latest version, in the order of `rows`.

    A checkpoint is stored in timestamp order, so its current events come out in that
    order too. Filtering on `timestamp` (part of the identity) before or after this gives
    the same rows; filtering on a mutable field (packet, center_label, …) must come after
    it, or an older version could stand in for the event. Reads the identity and version
    columns when called (see `latest.last_per_group`, also for what `rows` may be).
    """
    return last_per_group(rows, IDENTITY_COLUMNS, VERSION_ORDER)


def event_versions(rows: pl.LazyFrame) -> pl.LazyFrame:
    """Every row, numbered among the versions of its event (counting raw rows).

    Adds `version` (1 = first ingested), `version_count` and `is_current` (the row that
    `current_events` keeps). Sorted like the checkpoint.
    """
    identity = list(IDENTITY_COLUMNS)
    order = list(VERSION_ORDER)
    return (
        rows.with_columns(
            pl.int_range(1, pl.len() + 1, dtype=pl.Int64).over(identity, order_by=order).alias("version"),
            pl.len().cast(pl.Int64).over(identity).alias("version_count"),
        )
        .with_columns((pl.col("version") == pl.col("version_count")).alias("is_current"))
        .sort(list(ROW_ORDER))
    )
