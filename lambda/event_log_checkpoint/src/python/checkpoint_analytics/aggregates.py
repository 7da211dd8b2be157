"""Counts of events grouped by any combination of centre, module, packet, action (and study, datatype)."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from checkpoint_analytics.keys import DELETE, GROUP_COLUMNS, NOT_PASS_QC, PASS_QC, SUBMIT, GroupColumn

#: Per-action count columns of `action_counts`, in this order.
ACTION_COUNT_COLUMNS: dict[str, str] = {
    SUBMIT: "submit",
    PASS_QC: "pass_qc",
    NOT_PASS_QC: "not_pass_qc",
    DELETE: "delete",
}


def count_by(rows: pl.LazyFrame, by: Sequence[GroupColumn]) -> pl.LazyFrame:
    """Rows per combination of `by` values, as column `events`; sorted by `by`, nulls last.

    A null (a non-form event's module, a missing packet) is a group of its own. Counts
    the rows given: raw checkpoint rows count every version of an event; pass
    `versions.current_events(rows)` to count each event once. No `by`: one row, the total.
    """
    columns = checked_group_columns(by)
    count = pl.len().cast(pl.Int64).alias("events")
    if not columns:
        return rows.select(count)
    return rows.group_by(columns).agg(count).sort(columns, nulls_last=True)


def action_counts(rows: pl.LazyFrame, by: Sequence[GroupColumn]) -> pl.LazyFrame:
    """Like `count_by`, plus one count column per action (submit, pass_qc, not_pass_qc, delete)."""
    columns = checked_group_columns(by)
    counts = action_count_expressions()
    if not columns:
        return rows.select(counts)
    return rows.group_by(columns).agg(counts).sort(columns, nulls_last=True)


def action_count_expressions() -> list[pl.Expr]:
    """`events` and one count per action, as aggregations (for group_by over any columns)."""
    return [pl.len().cast(pl.Int64).alias("events")] + [
        (pl.col("action") == action).sum().cast(pl.Int64).alias(name) for action, name in ACTION_COUNT_COLUMNS.items()
    ]


def checked_group_columns(by: Sequence[GroupColumn]) -> list[str]:
    unknown = [name for name in by if name not in GROUP_COLUMNS]
    if unknown:
        raise ValueError(f"cannot group by {unknown}: choose from {', '.join(GROUP_COLUMNS)}")
    return list(dict.fromkeys(by))
