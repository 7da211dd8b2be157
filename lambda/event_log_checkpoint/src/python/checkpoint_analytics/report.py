"""The monthly report: tables on the terminal, CSV files, and one self-contained HTML page.

Entry point for `python -m checkpoint_cli report --checkpoint LOCATION [--month YYYY-MM]
[--centre LABEL] [--out DIR]`. Without a month, the report is for the last complete month (UTC):
on 6 December, November. Every output names its month first: the terminal's first line, the
page's title, and every file name.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TextIO

import polars as pl

from checkpoint_analytics import plots, trend_plots
from checkpoint_analytics.display import shown
from checkpoint_analytics.errors import UnknownCentre
from checkpoint_analytics.headline import HEADLINE, headline_shown
from checkpoint_analytics.load import load_checkpoint
from checkpoint_analytics.months import Month, last_complete_month, utc_today
from checkpoint_analytics.outputs import csv_name, html_name, write_csv
from checkpoint_analytics.render import report_html
from checkpoint_analytics.tables import QC, TABLE_TITLES, VOLUME, MonthlyTables, month_tables
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
    warning: str | None = None


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
    today: date | None = None,
) -> ReportResult:
    """Build the report for `month` (`YYYY-MM`, or None: the last complete month before `today`, UTC) into `out_dir`.

    `centre` narrows every table to one centre's events (files named after it); `study` and
    `datatype` read only those rows (of a template location: only those group files). Raises the
    `errors.AnalyticsError` family for a missing or foreign checkpoint, a bad month or an
    unknown centre. A month without events is reported (empty tables), with a warning.
    """
    stream = out if out is not None else sys.stdout
    chosen = Month.parse(month) if month else last_complete_month(today or utc_today())
    rows = load_checkpoint(checkpoint, connector, study=study, datatype=datatype)
    if centre is not None:
        require_centre(rows, centre, checkpoint)
    tables = month_tables(rows, chosen, centre)
    warning = empty_month_warning(tables)
    if warning:
        print(f"report: warning: {warning}", file=sys.stderr)
    print_tables(tables, stream, warning)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_paths = write_csvs(tables, out_dir)
    html_path = out_dir / html_name(chosen, centre)
    source = " ".join([checkpoint, *(f"{k}={v}" for k, v in (("study", study), ("datatype", datatype)) if v)])
    page = report_html(tables, draw_figures(tables), draw_trend_figures(tables), source, warning)
    html_path.write_text(page, encoding="utf-8")
    print(f"\nreport: {html_path}", file=stream)
    return ReportResult(chosen, html_path, csv_paths, tables, warning)


def empty_month_warning(tables: MonthlyTables) -> str | None:
    """Said on stderr, first on the terminal and on the page: a month without events is more often a
    wrong --month (or a checkpoint not brought up to date) than a quiet month."""
    if tables.trend["trend_events_by_action"].get_column("events")[-1] > 0:
        return None
    centre = "" if tables.centre is None else f" of centre {tables.centre}"
    return f"no events{centre} in {tables.month}: check --month, and that the checkpoint is up to date"


def require_centre(rows: pl.LazyFrame, centre: str, checkpoint: str) -> None:
    """Raises UnknownCentre, listing the centres there are, when no row names `centre`."""
    centres = rows.select(pl.col("center_label").unique().sort()).collect().to_series()
    if centre in centres:
        return
    listed = ", ".join(str(name) for name in centres.head(CENTRES_LISTED).to_list())
    more = f" and {centres.len() - CENTRES_LISTED} more" if centres.len() > CENTRES_LISTED else ""
    raise UnknownCentre(f"no events of centre {centre!r} in {checkpoint}; its centres: {listed or 'none'}{more}")


def print_tables(tables: MonthlyTables, stream: TextIO, warning: str | None = None) -> None:
    """The month first, then each table under its title as people read it, up to `TERMINAL_ROWS` rows."""
    centre = "" if tables.centre is None else f", centre {tables.centre}"
    print(f"Visit events report for {tables.month} (UTC){centre}", file=stream)
    if warning:
        print(f"Warning: {warning}", file=stream)
    with pl.Config(
        tbl_rows=-1,
        tbl_cols=-1,
        tbl_width_chars=160,
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
        tbl_hide_dtype_separator=True,
        fmt_str_lengths=40,
    ):
        for name, frame in tables.every_table().items():
            print(f"\n{TABLE_TITLES[name]} ({frame.height} rows)", file=stream)
            print(shown_table(name, frame.head(TERMINAL_ROWS)), file=stream)
            if frame.height > TERMINAL_ROWS:
                more = csv_name(name, tables.month, tables.centre)
                print(f"… {frame.height - TERMINAL_ROWS} more rows in {more}", file=stream)


def shown_table(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    return headline_shown(frame) if name == HEADLINE else shown(frame)


def write_csvs(tables: MonthlyTables, out_dir: Path) -> dict[str, Path]:
    """One CSV per table, named with the table, the month (and the centre)."""
    paths = {}
    for name, frame in tables.every_table().items():
        paths[name] = out_dir / csv_name(name, tables.month, tables.centre)
        write_csv(frame, paths[name])
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
