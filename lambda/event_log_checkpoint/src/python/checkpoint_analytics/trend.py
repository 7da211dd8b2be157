"""The year to the report month: per-month events, QC pass rates, days to pass-qc and failing visits.

Every table has one row per month, oldest first, the report month last (`TREND_MONTHS` of
them); a month without events is a row of zero counts, its rates and days empty (there is
nothing to divide). Each month's figures are what that month's own report says: counts
and pass rates over the events whose timestamp is in it, days over the visits whose first
pass-qc is in it, failing visits as of its last instant. All take current events.
"""

from __future__ import annotations

import polars as pl

from checkpoint_analytics.aggregates import ACTION_COUNT_COLUMNS, action_count_expressions
from checkpoint_analytics.keys import NOT_PASS_QC, ROW_ORDER, VISIT_COLUMNS
from checkpoint_analytics.months import Month, months_ending
from checkpoint_analytics.periods import MONTH_COLUMN, in_months, month_axis, month_of
from checkpoint_analytics.qc import is_qc_outcome, latest_qc_outcomes, pass_rate_over, rate_of
from checkpoint_analytics.timing import P90

TREND_MONTHS = 12
TREND_ACTIONS = "trend_events_by_action"
TREND_QC = "trend_qc_pass_rate"
TREND_DAYS = "trend_days_to_pass_qc"
TREND_FAILING = "trend_visits_failing_qc"
TREND_NAMES: tuple[str, ...] = (TREND_ACTIONS, TREND_QC, TREND_DAYS, TREND_FAILING)
TREND_TITLES: dict[str, str] = {
    TREND_ACTIONS: "Events by action per month",
    TREND_QC: "QC pass rate per month (events, and visits by their latest outcome in the month)",
    TREND_DAYS: "Days from visit to first pass-qc, per month of the first pass-qc",
    TREND_FAILING: "Visits still failing QC at each month's end",
}


def trend_window(month: Month) -> list[Month]:
    """The report month and the `TREND_MONTHS - 1` before it, oldest first."""
    return months_ending(month, TREND_MONTHS)


def events_by_action(current: pl.LazyFrame, month: Month) -> pl.LazyFrame:
    """`events` and one count per action, per month (all centres given)."""
    months = trend_window(month)
    counts = _in_window(current, months).group_by(MONTH_COLUMN).agg(action_count_expressions())
    return _every_month(counts, months, ["events", *ACTION_COUNT_COLUMNS.values()])


def qc_pass_rate(current: pl.LazyFrame, month: Month) -> pl.LazyFrame:
    """Per month: pass-qc and not-pass-qc events and their rate; visits by latest outcome in the month, and rate."""
    months = trend_window(month)
    window = _in_window(current, months)
    events = pass_rate_over(window, [MONTH_COLUMN])
    visits = (
        pass_rate_over(latest_qc_outcomes(window, [MONTH_COLUMN]), [MONTH_COLUMN])
        .rename({"pass_qc": "visits_pass_qc", "not_pass_qc": "visits_not_pass_qc"})
        .drop("pass_rate")
    )
    counts = ["pass_qc", "not_pass_qc", "visits_pass_qc", "visits_not_pass_qc"]
    joined = _every_month(events.join(visits, on=MONTH_COLUMN, how="left"), months, counts)
    return joined.with_columns(
        rate_of("pass_qc", "not_pass_qc").alias("pass_rate"),
        rate_of("visits_pass_qc", "visits_not_pass_qc").alias("visit_pass_rate"),
    ).select(MONTH_COLUMN, "pass_qc", "not_pass_qc", "pass_rate", *counts[2:], "visit_pass_rate")


def days_to_pass_qc(timing: pl.LazyFrame, month: Month) -> pl.LazyFrame:
    """Per month: visits whose first pass-qc is in it, and the median and p90 of their days (from `visit_timing`)."""
    months = trend_window(month)
    reached = in_months(timing.rename({"first_pass_qc": "timestamp"}), months[0], months[-1])
    days = pl.col("days_to_pass_qc")
    stats = (
        reached.with_columns(month_of("timestamp"))
        .group_by(MONTH_COLUMN)
        .agg(
            pl.len().cast(pl.Int64).alias("passed_qc"),
            days.quantile(0.5, interpolation="linear").alias("pass_qc_median_days"),
            days.quantile(P90, interpolation="linear").alias("pass_qc_p90_days"),
        )
    )
    return _every_month(stats, months, ["passed_qc"])


def visits_failing(current: pl.LazyFrame, month: Month) -> pl.LazyFrame:
    """Per month: visits whose latest QC outcome at the month's last instant is not-pass-qc.

    Each QC event of a visit holds from its timestamp until the visit's next QC event; a
    visit fails at an instant when a not-pass-qc holds then. Counting those spans per
    month end gives what `qc.visits_failing_qc` gives for each month on its own.
    """
    months = trend_window(month)
    spans = _failing_spans(current).filter(pl.col("until").is_null() | (pl.col("until") > months[0].last_instant))
    ends = pl.LazyFrame(
        {MONTH_COLUMN: [str(m) for m in months], "end": [m.last_instant for m in months]},
        schema={MONTH_COLUMN: pl.String, "end": pl.Datetime("us", "UTC")},
    )
    holding = (pl.col("timestamp") <= pl.col("end")) & (pl.col("until").is_null() | (pl.col("until") > pl.col("end")))
    failing = holding.sum().cast(pl.Int64).alias("visits_failing")
    counts = ends.join(spans, how="cross").group_by(MONTH_COLUMN).agg(failing)
    return _every_month(counts, months, ["visits_failing"])


def _failing_spans(current: pl.LazyFrame) -> pl.LazyFrame:
    """`timestamp` and `until` (the visit's next QC event, null: none yet) of every not-pass-qc.

    Only visits with a not-pass-qc are sorted (visit, then row order) and each row compared
    with the next: on 1M rows about a third of the time of a window function over the visit.
    """
    visit = list(VISIT_COLUMNS)
    qc = current.filter(is_qc_outcome()).select(*visit, "action", *ROW_ORDER)
    ever_failed = qc.filter(pl.col("action") == NOT_PASS_QC).select(visit).unique()
    ordered = qc.join(ever_failed, on=visit, how="semi", nulls_equal=True).sort([*visit, *ROW_ORDER], nulls_last=True)
    same_visit = pl.all_horizontal([pl.col(name).eq_missing(pl.col(name).shift(-1)) for name in visit])
    until = pl.when(same_visit).then(pl.col("timestamp").shift(-1)).alias("until")
    return ordered.with_columns(until).filter(pl.col("action") == NOT_PASS_QC).select("timestamp", "until")


def trend_tables(current: pl.LazyFrame, timing: pl.LazyFrame, month: Month) -> dict[str, pl.DataFrame]:
    """The four trend tables by name (`TREND_NAMES`, also their CSV names); `timing` from `visit_timing`."""
    return {
        TREND_ACTIONS: events_by_action(current, month).collect(),
        TREND_QC: qc_pass_rate(current, month).collect(),
        TREND_DAYS: days_to_pass_qc(timing, month).collect(),
        TREND_FAILING: visits_failing(current, month).collect(),
    }


def _in_window(current: pl.LazyFrame, months: list[Month]) -> pl.LazyFrame:
    return in_months(current, months[0], months[-1]).with_columns(month_of("timestamp"))


def _every_month(per_month: pl.LazyFrame, months: list[Month], counts: list[str]) -> pl.LazyFrame:
    """`per_month` on the full month axis, oldest first; `counts` of a month without rows are 0."""
    joined = month_axis(months).join(per_month, on=MONTH_COLUMN, how="left", maintain_order="left")
    return joined.with_columns(pl.col(counts).fill_null(0))
