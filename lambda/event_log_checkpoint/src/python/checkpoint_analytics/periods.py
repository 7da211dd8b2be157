"""Which events belong to a month, or to a run of months, by their UTC timestamp."""

from __future__ import annotations

import polars as pl

from checkpoint_analytics.filters import EventFilter, filter_events
from checkpoint_analytics.months import Month

#: The column a per-month table is keyed on: `YYYY-MM` in UTC.
MONTH_COLUMN = "month"


def in_month(rows: pl.LazyFrame, month: Month) -> pl.LazyFrame:
    """Rows whose timestamp falls in `month`."""
    return in_months(rows, month, month)


def in_months(rows: pl.LazyFrame, first: Month, last: Month) -> pl.LazyFrame:
    """Rows whose timestamp falls in `first` … `last`, both included."""
    return filter_events(rows, EventFilter(timestamp_from=first.start, timestamp_to=last.last_instant))


def up_to_month_end(rows: pl.LazyFrame, month: Month) -> pl.LazyFrame:
    """Rows whose timestamp is at or before the last instant of `month`."""
    return filter_events(rows, EventFilter(timestamp_to=month.last_instant))


def month_of(column: str) -> pl.Expr:
    """The UTC month (`YYYY-MM`) of a UTC datetime column, as `MONTH_COLUMN`."""
    return pl.col(column).dt.convert_time_zone("UTC").dt.strftime("%Y-%m").alias(MONTH_COLUMN)


def month_axis(months: list[Month]) -> pl.LazyFrame:
    """One row per month, oldest first: the frame a per-month table is joined onto, so no month is missing."""
    return pl.LazyFrame({MONTH_COLUMN: [str(month) for month in months]}, schema={MONTH_COLUMN: pl.String})
