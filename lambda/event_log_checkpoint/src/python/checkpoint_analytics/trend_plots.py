"""The trend's figures: one point or bar per month on a fixed twelve-month axis, as PNG bytes."""

from __future__ import annotations

import polars as pl
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from checkpoint_analytics.aggregates import ACTION_COUNT_COLUMNS
from checkpoint_analytics.periods import MONTH_COLUMN
from checkpoint_analytics.plots import new_figure, png


def events_by_action(trend: pl.DataFrame, title: str) -> bytes:
    """Stacked bars per month, one colour per action."""
    figure, axes, at = _month_figure(trend)
    bottom = [0] * len(at)
    for action in ACTION_COUNT_COLUMNS.values():
        counts = trend.get_column(action).to_list()
        if not any(counts):
            continue  # an action without events has no bar and no place in the legend
        axes.bar(at, counts, bottom=bottom, label=action)
        bottom = [a + b for a, b in zip(bottom, counts, strict=True)]
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    return _finish(figure, axes, title, "events")


def pass_rates(trend: pl.DataFrame, title: str) -> bytes:
    """Two lines, in percent: over events and over visits (latest outcome); a month without QC has no point."""
    figure, axes, at = _month_figure(trend)
    for column, label in (("pass_rate", "events"), ("visit_pass_rate", "visits (latest outcome)")):
        rates = [None if rate is None else 100 * rate for rate in trend.get_column(column).to_list()]
        axes.plot(at, _gaps(rates), marker="o", label=label)
    axes.set_ylim(0, 105)
    return _finish(figure, axes, title, "pass rate (%)")


def days_to_pass_qc(trend: pl.DataFrame, title: str) -> bytes:
    """Median and p90 days from visit to first pass-qc, per month of the first pass-qc."""
    figure, axes, at = _month_figure(trend)
    for column, label, style in (("pass_qc_median_days", "median", "-"), ("pass_qc_p90_days", "p90", "--")):
        axes.plot(at, _gaps(trend.get_column(column).to_list()), marker="o", linestyle=style, label=label)
    return _finish(figure, axes, title, "days")


def visits_failing(trend: pl.DataFrame, title: str) -> bytes:
    """Bars: visits whose latest QC outcome at each month's end is not-pass-qc."""
    figure, axes, at = _month_figure(trend)
    axes.bar(at, trend.get_column("visits_failing").to_list(), color="tab:red", label="visits failing QC")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    return _finish(figure, axes, title, "visits")


def _month_figure(trend: pl.DataFrame) -> tuple[Figure, Axes, list[int]]:
    """A figure whose x axis has every month of `trend` labelled; returns the months' positions."""
    figure, axes = new_figure(width=8, height=3.4)
    months = trend.get_column(MONTH_COLUMN).to_list()
    positions = list(range(len(months)))
    axes.set_xticks(positions, months, rotation=45, ha="right")
    axes.set_xlim(-0.6, len(months) - 0.4)
    return figure, axes, positions


def _gaps(values: list[float | None]) -> list[float]:
    """None as NaN: matplotlib leaves the point out but keeps the month on the axis."""
    return [float("nan") if value is None else float(value) for value in values]


def _finish(figure: Figure, axes: Axes, title: str, ylabel: str) -> bytes:
    axes.set_ylabel(ylabel)
    axes.set_ylim(0, max(axes.get_ylim()[1] * 1.08, 1))  # room above the highest point, 0 at the bottom
    if axes.get_legend_handles_labels()[0]:
        figure.legend(loc="outside lower center", ncols=4, frameon=False)
    return png(figure)
