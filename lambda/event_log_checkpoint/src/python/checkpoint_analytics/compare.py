"""What switching from the reference implementation changes: its events against this checkpoint's.

Events are matched by identity (`keys.IDENTITY_COLUMNS`) and counted once each (distinct
identities; the checkpoint's current versions). A group is (study in lower case, datatype):
the reference writes `DVCID/form` beside `dvcid/form` for one study, here they are one
group. Events only in the checkpoint are what the reference lost (late files, rewritten
keys, timestamp ties), by month of `timestamp`; events only in the reference should not
exist, and each is listed with its fields and file so the raw event can be looked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from checkpoint_analytics.keys import IDENTITY_COLUMNS
from checkpoint_analytics.load import load_checkpoint
from checkpoint_analytics.periods import MONTH_COLUMN, month_of
from checkpoint_analytics.reference import FILE_COLUMN, REFERENCE_SCHEMA, read_reference
from checkpoint_analytics.versions import current_events
from checkpoint_lambda.adapters.s3 import S3Connector

COUNTS = ("reference_events", "checkpoint_events", "in_both", "only_in_checkpoint", "only_in_reference")
GROUP = ("study", "datatype")


@dataclass(frozen=True, slots=True)
class Comparison:
    """The counts per group and in total, the lost events by month, and the reference-only events."""

    reference: str
    checkpoint: str
    reference_files: int
    groups: pl.DataFrame  # study, datatype, COUNTS…
    only_in_checkpoint_by_month: pl.DataFrame  # study, datatype, month, events
    only_in_reference: pl.DataFrame  # the reference's 13 columns and reference_file

    def totals(self) -> dict[str, int]:
        return {name: int(self.groups.get_column(name).sum()) for name in COUNTS}

    def as_json(self) -> dict[str, Any]:
        """One object: totals, per-group counts, lost events by month, and the reference-only events."""
        by_month = self.only_in_checkpoint_by_month
        groups = []
        for row in self.groups.iter_rows(named=True):
            mine = by_month.filter((pl.col("study") == row["study"]) & (pl.col("datatype") == row["datatype"]))
            groups.append({**row, "only_in_checkpoint_by_month": _months(mine)})
        return {
            "reference": self.reference,
            "checkpoint": self.checkpoint,
            "reference_files": self.reference_files,
            **self.totals(),
            "only_in_checkpoint_by_month": _months(by_month),
            "groups": groups,
            "only_in_reference_events": [_jsonable(row) for row in self.only_in_reference.iter_rows(named=True)],
        }


def compare(reference: str, checkpoint: str, connector: S3Connector | None = None) -> Comparison:
    """Reads both sides (each `s3://…` or local; the checkpoint an object or a template) and matches them."""
    reference_rows, files = read_reference(reference, connector)
    ours = current_events(load_checkpoint(checkpoint, connector)).select(*IDENTITY_COLUMNS, "study").collect()
    matched = match_identities(reference_rows, ours)
    return Comparison(
        reference=reference,
        checkpoint=checkpoint,
        reference_files=files,
        groups=group_counts(matched),
        only_in_checkpoint_by_month=lost_by_month(matched),
        only_in_reference=reference_only(reference_rows, matched),
    )


def match_identities(reference_rows: pl.DataFrame, ours: pl.DataFrame) -> pl.DataFrame:
    """One row per distinct identity on either side: the identity, its group, `in_reference`, `in_checkpoint`."""
    identity = list(IDENTITY_COLUMNS)
    theirs = (
        reference_rows.select(*identity, pl.col("study").str.to_lowercase().alias("reference_study"))
        .unique(identity, keep="first", maintain_order=True)
        .with_columns(in_reference=pl.lit(value=True))
    )
    mine = ours.select(*identity, pl.col("study").alias("checkpoint_study")).with_columns(
        in_checkpoint=pl.lit(value=True)
    )
    joined = theirs.join(mine, on=identity, how="full", coalesce=True, nulls_equal=True)
    return joined.select(
        *identity,
        pl.coalesce("checkpoint_study", "reference_study").alias("study"),
        pl.col("in_reference").fill_null(value=False),
        pl.col("in_checkpoint").fill_null(value=False),
    )


def group_counts(matched: pl.DataFrame) -> pl.DataFrame:
    """COUNTS per (study, datatype), sorted."""
    both = pl.col("in_reference") & pl.col("in_checkpoint")
    return (
        matched.group_by(GROUP)
        .agg(
            pl.col("in_reference").sum().cast(pl.Int64).alias("reference_events"),
            pl.col("in_checkpoint").sum().cast(pl.Int64).alias("checkpoint_events"),
            both.sum().cast(pl.Int64).alias("in_both"),
            (pl.col("in_checkpoint") & ~pl.col("in_reference")).sum().cast(pl.Int64).alias("only_in_checkpoint"),
            (pl.col("in_reference") & ~pl.col("in_checkpoint")).sum().cast(pl.Int64).alias("only_in_reference"),
        )
        .sort(GROUP)
    )


def lost_by_month(matched: pl.DataFrame) -> pl.DataFrame:
    """Events only in the checkpoint per group and UTC month of their timestamp."""
    lost = matched.filter(pl.col("in_checkpoint") & ~pl.col("in_reference"))
    return (
        lost.with_columns(month_of("timestamp"))
        .group_by([*GROUP, MONTH_COLUMN])
        .agg(pl.len().cast(pl.Int64).alias("events"))
        .sort([*GROUP, MONTH_COLUMN])
    )


def reference_only(reference_rows: pl.DataFrame, matched: pl.DataFrame) -> pl.DataFrame:
    """The reference rows (one per identity, with their file) that the checkpoint does not hold."""
    identity = list(IDENTITY_COLUMNS)
    missing = matched.filter(pl.col("in_reference") & ~pl.col("in_checkpoint")).select(identity)
    rows = reference_rows.unique(identity, keep="first", maintain_order=True)
    found = rows.join(missing, on=identity, how="semi", nulls_equal=True)
    return found.select(*REFERENCE_SCHEMA.names(), FILE_COLUMN).sort(["study", "datatype", "timestamp", "ptid"])


def _months(by_month: pl.DataFrame) -> dict[str, int]:
    totals = by_month.group_by(MONTH_COLUMN).agg(pl.col("events").sum()).sort(MONTH_COLUMN)
    return {str(month): int(events) for month, events in totals.iter_rows()}


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in row.items()}
