"""How long visits take: days from `visit_date` to the first submit and to the first pass-qc.

Days are whole calendar days in UTC: the UTC date of the event's timestamp minus the
visit date (a submit at 2024-01-15T20:00-08:00 is 2024-01-16 in UTC: one day after a
2024-01-15 visit). Negative when the event predates the visit (a data error, kept visible).
Percentiles interpolate linearly between order statistics (numpy's default), so the
median of 1, 2, 3, 4 is 2.5.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import polars as pl

from checkpoint_analytics.aggregates import checked_group_columns
from checkpoint_analytics.filters import instant_within
from checkpoint_analytics.keys import PASS_QC, ROW_ORDER, SUBMIT, VISIT_COLUMNS, GroupColumn

P90 = 0.9


def days_from_visit(timestamp: pl.Expr) -> pl.Expr:
    """Whole days from the row's visit_date to the UTC date of `timestamp`."""
    return (timestamp.dt.date() - pl.col("visit_date")).dt.total_days()


def visit_timing(rows: pl.LazyFrame) -> pl.LazyFrame:
    """One row per visit with a submit or a pass-qc among `rows`.

    Columns: the visit, `center_label` (of the visit's latest row), `first_submit`,
    `first_pass_qc` (earliest timestamps; null when none), `days_to_submit`,
    `days_to_pass_qc`. Works on the rows given; versions of one event share its timestamp,
    so raw rows and current events give the same days (the centre may differ).
    """
    visit = list(VISIT_COLUMNS)
    return (
        rows.group_by(visit)
        .agg(
            pl.col("center_label").sort_by(list(ROW_ORDER)).last(),
            pl.col("timestamp").filter(pl.col("action") == SUBMIT).min().alias("first_submit"),
            pl.col("timestamp").filter(pl.col("action") == PASS_QC).min().alias("first_pass_qc"),
        )
        .filter(pl.col("first_submit").is_not_null() | pl.col("first_pass_qc").is_not_null())
        .with_columns(
            days_from_visit(pl.col("first_submit")).alias("days_to_submit"),
            days_from_visit(pl.col("first_pass_qc")).alias("days_to_pass_qc"),
        )
        .sort(visit, nulls_last=True)
    )


def timing_summary(
    timing: pl.LazyFrame,
    by: Sequence[GroupColumn] = ("center_label",),
    reached_from: datetime | None = None,
    reached_to: datetime | None = None,
) -> pl.LazyFrame:
    """Median and p90 of days to submit and to pass-qc per group of `timing` (from `visit_timing`).

    A visit counts towards the submit figures when its first submit lies in
    [reached_from, reached_to] (inclusive, time-zone-aware, None = open), and likewise for
    pass-qc; groups with neither are left out. Columns: `submitted`, `submit_median_days`,
    `submit_p90_days`, `passed_qc`, `pass_qc_median_days`, `pass_qc_p90_days`.
    """
    columns = checked_group_columns(by)
    stats = [
        *_milestone("submit", "submitted", "first_submit", reached_from, reached_to),
        *_milestone("pass_qc", "passed_qc", "first_pass_qc", reached_from, reached_to),
    ]
    summary = timing.group_by(columns).agg(stats) if columns else timing.select(stats)
    return summary.filter((pl.col("submitted") + pl.col("passed_qc")) > 0).sort(columns, nulls_last=True)


def _milestone(name: str, count: str, reached: str, start: datetime | None, end: datetime | None) -> list[pl.Expr]:
    in_window = instant_within(reached, start, end)
    days = pl.col(f"days_to_{name}").filter(in_window)
    return [
        in_window.sum().cast(pl.Int64).alias(count),
        days.quantile(0.5, interpolation="linear").alias(f"{name}_median_days"),
        days.quantile(P90, interpolation="linear").alias(f"{name}_p90_days"),
    ]
