"""The month's headline figures, each beside the month before: what a reader wants before any table.

Events, visits, QC pass rate (events), median days to first pass-qc, visits failing QC at the month's
end. Each is what the trend tables say for the two months (visits: those with an event in the month).
"""

from __future__ import annotations

import polars as pl

from checkpoint_analytics.keys import VISIT_COLUMNS
from checkpoint_analytics.months import Month
from checkpoint_analytics.periods import in_month
from checkpoint_analytics.trend import TREND_ACTIONS, TREND_DAYS, TREND_FAILING, TREND_QC

HEADLINE = "headline"
HEADLINE_TITLE = "The month at a glance (against the month before)"
#: (figure, trend table, column) of each headline figure that a trend table holds.
_FROM_TREND = (
    ("events", TREND_ACTIONS, "events"),
    ("QC pass rate", TREND_QC, "pass_rate"),
    ("median days to pass-qc", TREND_DAYS, "pass_qc_median_days"),
    ("visits failing QC", TREND_FAILING, "visits_failing"),
)


def headline_table(current: pl.LazyFrame, trend: dict[str, pl.DataFrame], month: Month) -> pl.DataFrame:
    """Columns `figure`, `this_month`, `last_month`, `change` (empty when either month has no value)."""
    figures = [(name, *_last_two(trend[table], column)) for name, table, column in _FROM_TREND]
    visits = [_visits(current, month), _visits(current, month.shifted(-1))]
    figures.insert(1, ("visits", float(visits[0]), float(visits[1])))
    rows = {
        "figure": [name for name, _, _ in figures],
        "this_month": [this for _, this, _ in figures],
        "last_month": [last for _, _, last in figures],
    }
    frame = pl.DataFrame(rows, schema={"figure": pl.String, "this_month": pl.Float64, "last_month": pl.Float64})
    return frame.with_columns((pl.col("this_month") - pl.col("last_month")).alias("change"))


def _last_two(table: pl.DataFrame, column: str) -> tuple[float | None, float | None]:
    values = table.get_column(column).cast(pl.Float64).to_list()
    return values[-1], values[-2]


def _visits(current: pl.LazyFrame, month: Month) -> int:
    """Visits with at least one event in `month`."""
    return int(in_month(current, month).select(pl.struct(VISIT_COLUMNS).n_unique()).collect().item())


def headline_shown(frame: pl.DataFrame) -> pl.DataFrame:
    """The headline as text: counts whole, the rate in percent (its change in points), days to one decimal."""
    rows = []
    for figure, this, last, change in frame.iter_rows():
        rate = figure == "QC pass rate"
        rows.append((figure, *(_figure_text(v, rate=rate, signed=i == 2) for i, v in enumerate((this, last, change)))))
    return pl.DataFrame(rows, schema=dict.fromkeys(frame.columns, pl.String), orient="row")


def _figure_text(value: float | None, *, rate: bool, signed: bool) -> str:
    if value is None:
        return ""
    if rate:
        return f"{100 * value:+.1f} pts" if signed else f"{100 * value:.1f} %"
    text = f"{value:+,.1f}" if signed else f"{value:,.1f}"
    return text.removesuffix(".0")
