"""Month on month, per centre: events and QC pass rate this month, last month, and the difference."""

from __future__ import annotations

import polars as pl

from checkpoint_analytics.aggregates import count_by
from checkpoint_analytics.months import Month
from checkpoint_analytics.periods import in_month
from checkpoint_analytics.qc import pass_rate

CHANGE = "centre_month_on_month"
CHANGE_TITLE = "Change against the previous month, by centre"
LAST = "_last_month"


def centre_change(current: pl.LazyFrame, month: Month) -> pl.LazyFrame:
    """Every centre with events in `month` or the month before, sorted by centre.

    Columns: `events`, `events_last_month`, `events_change` (0 when a month has none), and
    `pass_rate`, `pass_rate_last_month`, `pass_rate_change` (empty when either month had no
    QC outcome for the centre). Counts current events, by their timestamp's UTC month.
    """
    this = _figures(current, month)
    last = _figures(current, month.shifted(-1)).rename({"events": f"events{LAST}", "pass_rate": f"pass_rate{LAST}"})
    joined = this.join(last, on="center_label", how="full", coalesce=True, nulls_equal=True)
    return (
        joined.with_columns(pl.col("events", f"events{LAST}").fill_null(0))
        .with_columns(
            (pl.col("events") - pl.col(f"events{LAST}")).alias("events_change"),
            (pl.col("pass_rate") - pl.col(f"pass_rate{LAST}")).alias("pass_rate_change"),
        )
        .select(
            "center_label",
            "events",
            f"events{LAST}",
            "events_change",
            "pass_rate",
            f"pass_rate{LAST}",
            "pass_rate_change",
        )
        .sort("center_label", nulls_last=True)
    )


def _figures(current: pl.LazyFrame, month: Month) -> pl.LazyFrame:
    events = in_month(current, month)
    rates = pass_rate(events, ["center_label"]).select("center_label", "pass_rate")
    return count_by(events, ["center_label"]).join(rates, on="center_label", how="left", nulls_equal=True)
