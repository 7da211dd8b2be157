"""The report as one self-contained HTML page: tables as HTML, figures as base64 PNG data URIs."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from html import escape

import polars as pl

from checkpoint_analytics.display import cell, is_numeric
from checkpoint_analytics.headline import HEADLINE, headline_shown
from checkpoint_analytics.months import Month
from checkpoint_analytics.outputs import csv_name
from checkpoint_analytics.tables import TABLE_TITLES, MonthlyTables
from checkpoint_analytics.trend import TREND_MONTHS

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin-bottom: 2rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; text-align: left; }
th { background: #f0f0f0; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
table.headline { font-size: 1.15rem; }
table.headline td:first-child { font-weight: 600; }
p.warning { color: #8a1f11; font-weight: 600; }
img { max-width: 100%; display: block; margin-bottom: 2rem; }
p.note { color: #555; max-width: 60rem; }
section { border-top: 2px solid #888; margin-top: 2rem; }
"""
#: Rows of each table on the page; the CSV files hold all of them.
HTML_ROWS = 1000
SCOPE_NOTE = (
    "Each event is counted once (its latest version). Volume and pass rates count events whose "
    "timestamp falls in the month (UTC); days to submit / pass-qc count visits whose first submit / "
    "first pass-qc falls in the month; failing visits are those whose latest QC outcome at the "
    "month's end is not-pass-qc. Days are whole UTC calendar days; p90 interpolates linearly."
)
TREND_NOTE = (
    f"The report month and the {TREND_MONTHS - 1} before it, each month counted as its own report "
    "counts it. A month without events has zero counts; its rates and days are empty."
)


def report_title(tables: MonthlyTables) -> str:
    centre = "" if tables.centre is None else f", centre {tables.centre}"
    return f"Visit events report — {tables.month}{centre}"


def report_html(
    tables: MonthlyTables,
    figures: Mapping[str, bytes],
    trend_figures: Mapping[str, bytes],
    source: str,
    warning: str | None = None,
) -> str:
    """The page: title, headline figures, scope note, the month (figures, tables), then the trend."""
    title = report_title(tables)
    headline, monthly = _split_headline(tables.tables)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        # an empty icon, so the browser asks for no favicon file beside the page
        '<link rel="icon" href="data:,">',
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        *([f'<p class="warning">Warning: {escape(warning)}</p>'] if warning else []),
        *_tables_html(headline, tables.month, tables.centre),
        f'<p class="note">Checkpoint: {escape(source)}</p>',
        f'<p class="note">{escape(SCOPE_NOTE)}</p>',
        f'<section id="month"><h2>The month: {tables.month}</h2>',
        *_figures_html(figures),
        *_tables_html(monthly, tables.month, tables.centre),
        "</section>",
        f'<section id="trend"><h2>Trend: {TREND_MONTHS} months to {tables.month}</h2>',
        f'<p class="note">{escape(TREND_NOTE)}</p>',
        *_figures_html(trend_figures),
        *_tables_html(tables.trend, tables.month, tables.centre),
        "</section>",
        "</body></html>",
    ]
    return "\n".join(parts)


def _figures_html(figures: Mapping[str, bytes]) -> list[str]:
    parts = []
    for caption, png in figures.items():
        encoded = base64.b64encode(png).decode("ascii")
        parts.append(f"<h3>{escape(caption)}</h3>")
        parts.append(f'<img alt="{escape(caption)}" src="data:image/png;base64,{encoded}">')
    return parts


def _split_headline(frames: Mapping[str, pl.DataFrame]) -> tuple[dict[str, pl.DataFrame], dict[str, pl.DataFrame]]:
    headline = {name: frame for name, frame in frames.items() if name == HEADLINE}
    return headline, {name: frame for name, frame in frames.items() if name != HEADLINE}


def _tables_html(frames: Mapping[str, pl.DataFrame], month: Month, centre: str | None) -> list[str]:
    parts = []
    for name, frame in frames.items():
        csv = csv_name(name, month, centre)
        rows = "" if name == HEADLINE else f" ({frame.height} rows)"
        parts.append(f"<h3>{escape(TABLE_TITLES.get(name, name))}{rows}</h3>")
        shown = headline_shown(frame) if name == HEADLINE else None
        parts.append(table_html(frame.head(HTML_ROWS), csv, shown, css_class=name))
        if frame.height > HTML_ROWS:
            parts.append(f'<p class="note">First {HTML_ROWS} rows shown; all of them are in {escape(csv)}.</p>')
    return parts


def table_html(frame: pl.DataFrame, csv: str, shown: pl.DataFrame | None = None, css_class: str = "") -> str:
    """An HTML table of every row, naming its CSV file: text left, numbers right; rates in percent, nulls empty.

    `shown`, when given, is the text to show for `frame` (same shape), e.g. the headline's mixed units.
    """
    numeric = [is_numeric(dtype) for dtype in frame.schema.values()]
    numeric = [True] * len(numeric) if shown is not None else numeric
    numeric[0] = numeric[0] and shown is None
    align = [' class="n"' if n else "" for n in numeric]
    header = "".join(f"<th{a}>{escape(name)}</th>" for a, name in zip(align, frame.columns, strict=True))
    rows = shown.iter_rows() if shown is not None else frame.iter_rows()
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{a}>{escape(cell(name, value))}</td>" for a, name, value in zip(align, frame.columns, row, strict=True)
        )
        + "</tr>"
        for row in rows
    )
    classes = f' class="{escape(css_class)}"' if css_class else ""
    return f'<table{classes} data-csv="{escape(csv)}"><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>'
