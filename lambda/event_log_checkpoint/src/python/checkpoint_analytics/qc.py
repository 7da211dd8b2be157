"""Quality control: pass rates, visits with errors, and visits still failing.

pass rate = pass-qc / (pass-qc + not-pass-qc), null when a group has neither. Over events
it counts the QC rows given; over visits (`visit_pass_rate`) it counts each visit once,
by its latest QC outcome. Raw checkpoint rows count every version of an event; the report
passes `versions.current_events(rows)`, so each event counts once.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from checkpoint_analytics.aggregates import checked_group_columns
from checkpoint_analytics.keys import NOT_PASS_QC, PASS_QC, QC_ACTIONS, ROW_ORDER, VISIT_COLUMNS, GroupColumn
from checkpoint_analytics.latest import last_per_group


def pass_rate(rows: pl.LazyFrame, by: Sequence[GroupColumn] = ()) -> pl.LazyFrame:
    """`pass_qc`, `not_pass_qc` and `pass_rate` per group of `by` (only groups with a QC event)."""
    return pass_rate_over(rows, checked_group_columns(by))


def pass_rate_over(rows: pl.LazyFrame, columns: Sequence[str]) -> pl.LazyFrame:
    """`pass_rate` grouped by any columns of `rows` (a derived `month`, say), unchecked."""
    qc = rows.filter(is_qc_outcome())
    counts = [
        (pl.col("action") == PASS_QC).sum().cast(pl.Int64).alias("pass_qc"),
        (pl.col("action") == NOT_PASS_QC).sum().cast(pl.Int64).alias("not_pass_qc"),
    ]
    by = list(columns)
    grouped = qc.group_by(by).agg(counts).sort(by, nulls_last=True) if by else qc.select(counts)
    return grouped.with_columns(rate_of("pass_qc", "not_pass_qc").alias("pass_rate"))


def rate_of(passed: str, failed: str) -> pl.Expr:
    """passed / (passed + failed), null when both are zero (or null)."""
    assessed = pl.col(passed) + pl.col(failed)
    return pl.when(assessed > 0).then(pl.col(passed) / assessed).otherwise(None).cast(pl.Float64)


def latest_qc_outcomes(rows: pl.LazyFrame, within: Sequence[str] = ()) -> pl.LazyFrame:
    """Each visit's latest pass-qc or not-pass-qc row (latest = timestamp, then version order).

    `within` names extra columns (e.g. a derived `month`): then one latest row per visit and value.
    """
    qc = rows.filter(is_qc_outcome())
    by = [*within, *VISIT_COLUMNS]
    return last_per_group(qc, by, ROW_ORDER).sort(by, nulls_last=True)


def visit_pass_rate(rows: pl.LazyFrame, by: Sequence[GroupColumn] = ()) -> pl.LazyFrame:
    """`pass_rate` over visits: each visit counted once, by its latest outcome (its centre is that row's)."""
    return pass_rate(latest_qc_outcomes(rows), by)


def visits_with_errors(rows: pl.LazyFrame) -> pl.LazyFrame:
    """Visits with at least one not-pass-qc row: how many, first and last, and the centre of the last."""
    visit = list(VISIT_COLUMNS)
    errors = rows.filter(pl.col("action") == NOT_PASS_QC)
    return (
        errors.group_by(visit)
        .agg(
            pl.col("center_label").sort_by(list(ROW_ORDER)).last(),
            pl.len().cast(pl.Int64).alias("not_pass_qc"),
            pl.col("timestamp").min().alias("first_error"),
            pl.col("timestamp").max().alias("last_error"),
        )
        .sort(visit, nulls_last=True)
    )


def visits_failing_qc(rows: pl.LazyFrame) -> pl.LazyFrame:
    """Visits whose latest QC outcome is not-pass-qc, with that event's centre, datatype, module, packet.

    `failing_since` is that not-pass-qc's timestamp. Sorted by centre, then oldest failure first.
    """
    latest = latest_qc_outcomes(rows).filter(pl.col("action") == NOT_PASS_QC)
    return latest.select(
        "center_label",
        *VISIT_COLUMNS,
        "datatype",
        "module",
        "packet",
        pl.col("timestamp").alias("failing_since"),
    ).sort(["center_label", "failing_since", *VISIT_COLUMNS], nulls_last=True)


def is_qc_outcome() -> pl.Expr:
    return pl.col("action").is_in(pl.Series(QC_ACTIONS, dtype=pl.String).implode())
