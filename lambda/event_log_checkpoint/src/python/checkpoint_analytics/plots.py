"""The report's figures, drawn with matplotlib (Agg canvas, no pyplot state) and returned as PNG bytes."""

from __future__ import annotations

import io

import polars as pl
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from checkpoint_analytics.aggregates import ACTION_COUNT_COLUMNS
from checkpoint_analytics.timing import P90

_DPI = 100
_NO_DATA = "no events this month"


def volume_by_centre(volume: pl.DataFrame, title: str) -> bytes:
    """Stacked horizontal bars: the month's events per centre, split by action (from the volume table)."""
    every_action = list(ACTION_COUNT_COLUMNS.values())
    per_centre = volume.group_by("center_label").agg(pl.col(every_action).sum()).sort("center_label", descending=True)
    actions = [action for action in every_action if per_centre.get_column(action).sum() > 0]  # none in the legend
    figure, axes = _bar_figure(per_centre.height)
    centres = per_centre.get_column("center_label").to_list()
    left = [0] * per_centre.height
    for action in actions:
        counts = per_centre.get_column(action).to_list()
        axes.barh(centres, counts, left=left, label=action)
        left = [a + b for a, b in zip(left, counts, strict=True)]
    _finish(figure, axes, title, "events", empty=per_centre.is_empty())
    return png(figure)


def pass_rate_by_centre(qc: pl.DataFrame, title: str) -> bytes:
    """Paired bars per centre: QC pass rate over events and over visits (latest outcome), in percent."""
    ordered = qc.sort("center_label", descending=True)
    figure, axes = _bar_figure(ordered.height)
    positions = list(range(ordered.height))
    for offset, column, label in ((0.2, "pass_rate", "events"), (-0.2, "visit_pass_rate", "visits (latest outcome)")):
        rates = [100 * (rate or 0.0) for rate in ordered.get_column(column).to_list()]
        axes.barh([p + offset for p in positions], rates, height=0.4, label=label)
    axes.set_yticks(positions, ordered.get_column("center_label").to_list())
    axes.set_xlim(0, 100)
    _finish(figure, axes, title, "pass rate (%)", empty=ordered.is_empty())
    return png(figure)


def days_to_pass_qc(days: pl.Series, title: str) -> bytes:
    """Histogram of whole days from visit to first pass-qc (one count per visit), median and p90 marked."""
    values = [int(day) for day in days.drop_nulls().to_list()]
    figure, axes = _bar_figure(bars=10)
    if values:
        low, high = min(values), max(values)
        width = max(1, (high - low + 1) // 60)
        axes.hist(values, bins=[b - 0.5 for b in range(low, high + width + 1, width)], color="tab:green")
        marks = pl.Series(values).quantile([0.5, P90], interpolation="linear")
        for at, style, name in zip(marks, ("-", "--"), ("median", "p90"), strict=True):
            if at is None:
                continue
            axes.axvline(at, color="black", linestyle=style, label=f"{name} {at:.1f} days")
    axes.set_ylabel("visits")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    _finish(figure, axes, title, "days from visit date to first pass-qc", empty=not values)
    return png(figure)


def _bar_figure(bars: int) -> tuple[Figure, Axes]:
    return new_figure(width=8, height=max(3.5, 0.28 * bars + 1.5))


def new_figure(width: float, height: float) -> tuple[Figure, Axes]:
    """A figure (inches) on its own Agg canvas, with one axes: no pyplot state shared between reports."""
    figure = Figure(figsize=(width, height), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def _finish(figure: Figure, axes: Axes, title: str, xlabel: str, *, empty: bool) -> None:
    axes.set_xlabel(xlabel)
    if empty:
        axes.text(0.5, 0.5, _NO_DATA, ha="center", va="center", transform=axes.transAxes)
    else:
        figure.legend(loc="outside lower center", ncols=4, frameon=False)


def png(figure: Figure) -> bytes:
    """The figure as PNG, without the software tag (so equal figures are equal bytes)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
