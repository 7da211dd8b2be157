"""Visits: the latest event of each, and how one visit's data filled in over time.

A visit is (pipeline_adcid, ptid, visit_date, visit_number) — a null visit_number is a
value like any other. "Latest" is the greatest (timestamp, source_last_modified,
source_key, source_etag), so ties are broken the same way on every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from checkpoint_analytics.keys import IDENTITY_COLUMNS, MUTABLE_COLUMNS, ROW_ORDER, VERSION_ORDER, VISIT_COLUMNS
from checkpoint_analytics.latest import last_per_group
from checkpoint_analytics.versions import event_versions


@dataclass(frozen=True, slots=True)
class VisitKey:
    """One visit within a pipeline."""

    pipeline_adcid: int
    ptid: str
    visit_date: date
    visit_number: str | None


def latest_per_visit(rows: pl.LazyFrame) -> pl.LazyFrame:
    """One row per visit among `rows`: its latest event; sorted by the visit columns, nulls last.

    On raw rows a visit whose visit_number was filled in later appears twice (once with
    null); pass `versions.current_events(rows)` to see visits as the latest versions say.
    """
    return last_per_group(rows, VISIT_COLUMNS, ROW_ORDER).sort(list(VISIT_COLUMNS), nulls_last=True)


def visit_history(rows: pl.LazyFrame, visit: VisitKey) -> pl.LazyFrame:
    """Every stored version of every event of one visit, oldest first (timestamp, then version order).

    An event belongs to the visit its latest version names, so the earlier versions
    (say, with visit_number still null) are part of the history. Adds `version`,
    `version_count`, `is_current` (see `versions.event_versions`) and `changed_fields`:
    the fields that differ from the previous version of the same event (nothing for
    the first version) — how the data filled in.
    """
    same_person_day = rows.filter(
        (pl.col("pipeline_adcid") == visit.pipeline_adcid)
        & (pl.col("ptid") == visit.ptid)
        & (pl.col("visit_date") == pl.lit(visit.visit_date, dtype=pl.Date))
    )
    versions = event_versions(same_person_day)
    identity = list(IDENTITY_COLUMNS)
    members = versions.filter(
        pl.col("is_current") & pl.col("visit_number").eq_missing(pl.lit(visit.visit_number, dtype=pl.String))
    ).select(identity)
    history = versions.join(members, on=identity, how="semi", nulls_equal=True)
    return history.with_columns(_changed_fields()).sort(list(ROW_ORDER))


def _changed_fields() -> pl.Expr:
    identity = list(IDENTITY_COLUMNS)
    order = list(VERSION_ORDER)
    flags = [
        pl.when(pl.col(name).ne_missing(pl.col(name).shift(1).over(identity, order_by=order)) & (pl.col("version") > 1))
        .then(pl.lit(name))
        .otherwise(pl.lit(None, dtype=pl.String))
        for name in MUTABLE_COLUMNS
    ]
    return pl.concat_list(flags).list.drop_nulls().alias("changed_fields")
