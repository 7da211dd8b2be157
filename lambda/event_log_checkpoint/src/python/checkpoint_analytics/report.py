"""The monthly report: tables on the terminal, CSV files, and one self-contained HTML page.

Entry point for `python -m checkpoint_lambda report --checkpoint LOCATION [--month YYYY-MM] [--out DIR]`.
Without a month, the report is for the month (UTC) of the newest event in the checkpoint.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import polars as pl

from checkpoint_analytics import plots
from checkpoint_analytics.errors import NoEvents
from checkpoint_analytics.load import load_checkpoint
from checkpoint_analytics.months import Month
from checkpoint_analytics.render import report_html
from checkpoint_analytics.tables import QC, TABLE_TITLES, VOLUME, MonthlyTables, latest_month, month_tables
from checkpoint_lambda.adapters.s3 import S3Connector

HTML_NAME = "report.html"
#: Rows of each table shown on the terminal; the CSV and the page hold all of them.
TERMINAL_ROWS = 50


@dataclass(frozen=True, slots=True)
class ReportResult:
    """What was written, and the tables it was written from."""

    month: Month
    html_path: Path
    csv_paths: dict[str, Path]
    tables: MonthlyTables


def run_report(
    checkpoint: str,
    month: str | None,
    out_dir: Path,
    *,
    connector: S3Connector | None = None,
    out: TextIO | None = None,
) -> ReportResult:
    """Build the report for `month` (`YYYY-MM`, or None for the latest month with events) into `out_dir`.

    Raises the `errors.AnalyticsError` family for a missing or foreign checkpoint, a bad
    month, or an empty checkpoint when no month is given.
    """
    stream = out if out is not None else sys.stdout
    rows = load_checkpoint(checkpoint, connector)
    chosen = Month.parse(month) if month else latest_month(rows)
    if chosen is None:
        raise NoEvents(f"{checkpoint} holds no events: give --month to write an empty report")
    tables = month_tables(rows, chosen)
    print_tables(tables, stream)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_paths = write_csvs(tables, out_dir)
    html_path = out_dir / HTML_NAME
    html_path.write_text(report_html(tables, draw_figures(tables), checkpoint), encoding="utf-8")
    print(f"\nreport: {html_path}", file=stream)
    return ReportResult(chosen, html_path, csv_paths, tables)


def print_tables(tables: MonthlyTables, stream: TextIO) -> None:
    """Each table under its title, all columns, up to `TERMINAL_ROWS` rows (the rest: see its CSV)."""
    print(f"Visit events report for {tables.month} (UTC)", file=stream)
    with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=160, tbl_hide_dataframe_shape=True, fmt_str_lengths=40):
        for name, frame in tables.tables.items():
            print(f"\n{TABLE_TITLES[name]} ({frame.height} rows)", file=stream)
            print(frame.head(TERMINAL_ROWS), file=stream)
            if frame.height > TERMINAL_ROWS:
                print(f"… {frame.height - TERMINAL_ROWS} more rows in {name}.csv", file=stream)


def write_csvs(tables: MonthlyTables, out_dir: Path) -> dict[str, Path]:
    """One `NAME.csv` per table (the names of the SQL files); nulls are empty fields."""
    paths = {}
    for name, frame in tables.tables.items():
        paths[name] = out_dir / f"{name}.csv"
        frame.write_csv(paths[name])
    return paths


def draw_figures(tables: MonthlyTables) -> dict[str, bytes]:
    """The three figures, by caption."""
    month = str(tables.month)
    return {
        f"Events by centre, {month}": plots.volume_by_centre(tables[VOLUME], f"Events by centre, {month}"),
        f"QC pass rate by centre, {month}": plots.pass_rate_by_centre(tables[QC], f"QC pass rate, {month}"),
        f"Days to pass-qc, {month}": plots.days_to_pass_qc(tables.pass_qc_days, f"Days to first pass-qc, {month}"),
    }
