"""The monthly report: tables on the terminal, CSV files, and one self-contained HTML page.

Entry point for `python -m checkpoint_lambda report --checkpoint LOCATION [--month YYYY-MM]
[--centre LABEL] [--out DIR]`. Without a month, the report is for the month (UTC) of the newest
event in the checkpoint (of the centre's newest, with a centre).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import polars as pl

from checkpoint_analytics import plots, trend_plots
from checkpoint_analytics.errors import NoEvents, UnknownCentre
from checkpoint_analytics.load import load_checkpoint
from checkpoint_analytics.months import Month
from checkpoint_analytics.outputs import csv_name, html_name
from checkpoint_analytics.render import report_html
from checkpoint_analytics.tables import QC, TABLE_TITLES, VOLUME, MonthlyTables, latest_month, month_tables
from checkpoint_analytics.trend import TREND_ACTIONS, TREND_DAYS, TREND_FAILING, TREND_MONTHS, TREND_QC
from checkpoint_lambda.adapters.s3 import S3Connector

#: Rows of each table shown on the terminal; the CSV and the page hold all of them.
TERMINAL_ROWS = 50
#: Centres named in an unknown-centre message.
CENTRES_LISTED = 20


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
    centre: str | None = None,
    study: str | None = None,
    datatype: str | None = None,
    connector: S3Connector | None = None,
    out: TextIO | None = None,
) -> ReportResult:
    """Build the report for `month` (`YYYY-MM`, or None for the latest month with events) into `out_dir`.

    `centre` narrows every table to one centre's events (files named after it); `study` and
    `datatype` read only those rows (of a template location: only those group files). Raises the
    `errors.AnalyticsError` family for a missing or foreign checkpoint, a bad month, an
    unknown centre, or an empty checkpoint when no month is given.
    """
    stream = out if out is not None else sys.stdout
    rows = load_checkpoint(checkpoint, connector, study=study, datatype=datatype)
    chosen = Month.parse(month) if month else None
    if centre is not None:
        require_centre(rows, centre, checkpoint)
    chosen = chosen or latest_month(rows if centre is None else rows.filter(pl.col("center_label") == centre))
    if chosen is None:
        raise NoEvents(f"{checkpoint} holds no events: give --month to write an empty report")
    tables = month_tables(rows, chosen, centre)
    print_tables(tables, stream)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_paths = write_csvs(tables, out_dir)
    html_path = out_dir / html_name(centre)
    source = " ".join([checkpoint, *(f"{k}={v}" for k, v in (("study", study), ("datatype", datatype)) if v)])
    page = report_html(tables, draw_figures(tables), draw_trend_figures(tables), source)
    html_path.write_text(page, encoding="utf-8")
    print(f"\nreport: {html_path}", file=stream)
    return ReportResult(chosen, html_path, csv_paths, tables)


def require_centre(rows: pl.LazyFrame, centre: str, checkpoint: str) -> None:
    """Raises UnknownCentre, listing the centres there are, when no row names `centre`."""
    centres = rows.select(pl.col("center_label").unique().sort()).collect().to_series()
    if centre in centres:
        return
    listed = ", ".join(str(name) for name in centres.head(CENTRES_LISTED).to_list())
    more = f" and {centres.len() - CENTRES_LISTED} more" if centres.len() > CENTRES_LISTED else ""
    raise UnknownCentre(f"no events of centre {centre!r} in {checkpoint}; its centres: {listed or 'none'}{more}")


def print_tables(tables: MonthlyTables, stream: TextIO) -> None:
    """Each table under its title, all columns, up to `TERMINAL_ROWS` rows (the rest: see its CSV)."""
    centre = "" if tables.centre is None else f", centre {tables.centre}"
    print(f"Visit events report for {tables.month} (UTC){centre}", file=stream)
    with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=160, tbl_hide_dataframe_shape=True, fmt_str_lengths=40):
        for name, frame in tables.every_table().items():
            print(f"\n{TABLE_TITLES[name]} ({frame.height} rows)", file=stream)
            print(frame.head(TERMINAL_ROWS), file=stream)
            if frame.height > TERMINAL_ROWS:
                print(f"… {frame.height - TERMINAL_ROWS} more rows in {csv_name(name, tables.centre)}", file=stream)


def write_csvs(tables: MonthlyTables, out_dir: Path) -> dict[str, Path]:
    """One CSV per table (named like the SQL files, plus the centre); nulls are empty fields."""
    paths = {}
    for name, frame in tables.every_table().items():
        paths[name] = out_dir / csv_name(name, tables.centre)
        frame.write_csv(paths[name])
    return paths


def draw_figures(tables: MonthlyTables) -> dict[str, bytes]:
    """The month's three figures, by caption."""
    month = str(tables.month)
    return {
        f"Events by centre, {month}": plots.volume_by_centre(tables[VOLUME], f"Events by centre, {month}"),
        f"QC pass rate by centre, {month}": plots.pass_rate_by_centre(tables[QC], f"QC pass rate, {month}"),
        f"Days to pass-qc, {month}": plots.days_to_pass_qc(tables.pass_qc_days, f"Days to first pass-qc, {month}"),
    }


def draw_trend_figures(tables: MonthlyTables) -> dict[str, bytes]:
    """The trend's four figures, by caption."""
    span = f"{TREND_MONTHS} months to {tables.month}"
    captions = {
        TREND_ACTIONS: (f"Events by action, {span}", trend_plots.events_by_action),
        TREND_QC: (f"QC pass rate, {span}", trend_plots.pass_rates),
        TREND_DAYS: (f"Days from visit to first pass-qc, {span}", trend_plots.days_to_pass_qc),
        TREND_FAILING: (f"Visits failing QC at each month's end, {span}", trend_plots.visits_failing),
    }
    return {caption: draw(tables[name], caption) for name, (caption, draw) in captions.items()}
