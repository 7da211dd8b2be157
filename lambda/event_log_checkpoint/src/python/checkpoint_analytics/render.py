"""The report as one self-contained HTML page: tables as HTML, figures as base64 PNG data URIs."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import date, datetime
from html import escape

import polars as pl

from checkpoint_analytics.tables import TABLE_TITLES, MonthlyTables

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin-bottom: 2rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; text-align: right; }
th { background: #f0f0f0; }
td:first-child, th:first-child { text-align: left; }
img { max-width: 100%; display: block; margin-bottom: 2rem; }
p.note { color: #555; max-width: 60rem; }
"""
#: Rows of each table on the page; the CSV files hold all of them.
HTML_ROWS = 1000
SCOPE_NOTE = (
    "Each event is counted once (its latest version). Volume and pass rates count events whose "
    "timestamp falls in the month (UTC); days to submit / pass-qc count visits whose first submit / "
    "first pass-qc falls in the month; failing visits are those whose latest QC outcome at the "
    "month's end is not-pass-qc. Days are whole UTC calendar days; p90 interpolates linearly."
)


def report_html(tables: MonthlyTables, figures: Mapping[str, bytes], source: str) -> str:
    """The page: title, scope note, each figure (by caption), each table (by title)."""
    title = f"Visit events report — {tables.month}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="note">Checkpoint: {escape(source)}</p>',
        f'<p class="note">{escape(SCOPE_NOTE)}</p>',
    ]
    for caption, png in figures.items():
        encoded = base64.b64encode(png).decode("ascii")
        parts.append(f"<h2>{escape(caption)}</h2>")
        parts.append(f'<img alt="{escape(caption)}" src="data:image/png;base64,{encoded}">')
    for name, frame in tables.tables.items():
        parts.append(f"<h2>{escape(TABLE_TITLES.get(name, name))} ({frame.height} rows)</h2>")
        parts.append(table_html(frame.head(HTML_ROWS)))
        if frame.height > HTML_ROWS:
            parts.append(f'<p class="note">First {HTML_ROWS} rows shown; all of them are in {escape(name)}.csv.</p>')
    parts.append("</body></html>")
    return "\n".join(parts)


def table_html(frame: pl.DataFrame) -> str:
    """An HTML table of every row; nulls are empty cells, rates and days to three decimals."""
    header = "".join(f"<th>{escape(name)}</th>" for name in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(_cell(value))}</td>" for value in row) + "</tr>" for row in frame.iter_rows()
    )
    return f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
