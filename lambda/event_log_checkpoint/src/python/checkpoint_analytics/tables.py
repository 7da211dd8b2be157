"""The monthly report's tables, each built from the query functions (and kept as SQL in `sql/`).

All take current events (`versions.current_events`). Which events count:
- volume and QC pass rates: events whose timestamp is in the month (UTC);
- days to submit / pass-qc: visits whose first submit (first pass-qc) is in the month,
  measured over events up to the month's end;
- visits still failing QC: visits whose latest QC outcome up to the month's end is not-pass-qc;
- month on month (`change`): per centre, this month against the one before;
- trend (`trend`): the same figures for each of the twelve months to the report month.
A visit's centre is the one on the row that decides (latest outcome, latest event).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from checkpoint_analytics.aggregates import action_counts
from checkpoint_analytics.change import CHANGE, CHANGE_TITLE, centre_change
from checkpoint_analytics.filters import instant_within
from checkpoint_analytics.headline import HEADLINE, HEADLINE_TITLE, headline_table
from checkpoint_analytics.keys import IDENTITY_COLUMNS, VERSION_ORDER, VISIT_COLUMNS
from checkpoint_analytics.months import Month
from checkpoint_analytics.periods import in_month, up_to_month_end
from checkpoint_analytics.qc import pass_rate, visit_pass_rate, visits_failing_qc
from checkpoint_analytics.timing import timing_summary, visit_timing
from checkpoint_analytics.trend import TREND_TITLES, trend_tables
from checkpoint_analytics.versions import current_events

VOLUME = "volume_by_centre_module"
QC = "qc_pass_rate_by_centre"
TIMING = "days_to_submit_and_pass_qc_by_centre"
FAILING = "visits_failing_qc"
#: The month's tables by centre (volume, QC pass rate, timing) and its failing visits; like every table of the
#: report, each is also a file of `sql/` (`sql.SQL_TABLES` lists them all).
TABLE_NAMES: tuple[str, ...] = (VOLUME, QC, TIMING, FAILING)
#: The month's tables, in report order: the headline figures, volume, the month-on-month change, QC, timing, failing.
MONTHLY_NAMES: tuple[str, ...] = (HEADLINE, VOLUME, CHANGE, QC, TIMING, FAILING)
#: The checkpoint columns the tables read (study, project_label and gear_name are not among them).
REPORT_COLUMNS: tuple[str, ...] = tuple(
    dict.fromkeys([*IDENTITY_COLUMNS, *VERSION_ORDER, *VISIT_COLUMNS, "center_label", "packet"])
)
TABLE_TITLES: dict[str, str] = {
    HEADLINE: HEADLINE_TITLE,
    VOLUME: "Events by centre, datatype and module",
    QC: "QC pass rate by centre",
    TIMING: "Days from visit to first submit and to first pass-qc, by centre",
    FAILING: "Visits still failing QC at the month's end",
    CHANGE: CHANGE_TITLE,
    **TREND_TITLES,
}


@dataclass(frozen=True, slots=True)
class MonthlyTables:
    """One month's report: its tables (`MONTHLY_NAMES`) and trend (`TREND_NAMES`), by CSV name.

    `centre` is the one centre the report is for (None: all centres).
    """

    month: Month
    tables: dict[str, pl.DataFrame]
    trend: dict[str, pl.DataFrame]
    pass_qc_days: pl.Series
    centre: str | None = None

    def __getitem__(self, name: str) -> pl.DataFrame:
        return self.tables[name] if name in self.tables else self.trend[name]

    def every_table(self) -> dict[str, pl.DataFrame]:
        """The month's tables, then the trend's: what the CSV files hold."""
        return {**self.tables, **self.trend}


def volume_table(current: pl.LazyFrame, month: Month) -> pl.LazyFrame:
    """Events in the month per centre, datatype and module (only form data has a module), total and per action."""
    return action_counts(in_month(current, month), ["center_label", "datatype", "module"])


def qc_table(current: pl.LazyFrame, month: Month) -> pl.LazyFrame:
    """Per centre with QC events in the month: event pass rate, and visit pass rate by latest outcome."""
    events = in_month(current, month)
    visits = visit_pass_rate(events, ["center_label"]).rename(
        {"pass_qc": "visits_pass_qc", "not_pass_qc": "visits_not_pass_qc", "pass_rate": "visit_pass_rate"}
    )
    joined = pass_rate(events, ["center_label"]).join(visits, on="center_label", how="left")
    return joined.with_columns(pl.col("visits_pass_qc", "visits_not_pass_qc").fill_null(0)).sort("center_label")


def timing_table(current: pl.LazyFrame, month: Month) -> pl.LazyFrame:
    """Per centre: visits first submitted / first passing QC in the month, median and p90 days."""
    return _summary_of(visit_timing(up_to_month_end(current, month)), month)


def failing_table(current: pl.LazyFrame, month: Month) -> pl.LazyFrame:
    """Visits whose latest QC outcome at the month's end is not-pass-qc."""
    return visits_failing_qc(up_to_month_end(current, month))


def pass_qc_days(current: pl.LazyFrame, month: Month) -> pl.LazyFrame:
    """`days_to_pass_qc` of each visit first passing QC in the month (the histogram's data)."""
    return _days_of(visit_timing(up_to_month_end(current, month)), month)


def month_tables(rows: pl.LazyFrame, month: Month, centre: str | None = None) -> MonthlyTables:
    """Every table of the report (and the histogram's days) from raw checkpoint rows.

    Current events are resolved once, from the columns the tables use and the rows up to
    the month's end (timestamp is part of an event's identity, so dropping later rows
    first gives the same events), then each table is computed in turn: on 1M rows this
    keeps the peak memory well under 1 GB, where collecting all at once does not.
    `centre` keeps the events whose current version names that centre (after resolving
    versions: a later version may correct the centre).
    """
    current = current_events(up_to_month_end(rows.select(REPORT_COLUMNS), month))
    if centre is not None:
        current = current.filter(pl.col("center_label") == centre)
    current = current.collect().lazy()
    timing = visit_timing(current).collect().lazy()  # shared by the timing table, histogram and trend
    trend = trend_tables(current, timing, month)
    tables = {
        HEADLINE: headline_table(current, trend, month),
        VOLUME: volume_table(current, month).collect(),
        CHANGE: centre_change(current, month).collect(),
        QC: qc_table(current, month).collect(),
        TIMING: _summary_of(timing, month).collect(),
        FAILING: failing_table(current, month).collect(),
    }
    return MonthlyTables(month, tables, trend, _days_of(timing, month).collect().to_series(), centre)


def _summary_of(timing: pl.LazyFrame, month: Month) -> pl.LazyFrame:
    return timing_summary(timing, ["center_label"], month.start, month.last_instant)


def _days_of(timing: pl.LazyFrame, month: Month) -> pl.LazyFrame:
    return timing.filter(instant_within("first_pass_qc", month.start, month.last_instant)).select("days_to_pass_qc")


def latest_month(rows: pl.LazyFrame) -> Month | None:
    """The month of the newest event timestamp, or None for an empty checkpoint."""
    newest = rows.select(pl.col("timestamp").max()).collect().item()
    return None if newest is None else Month.of(newest)
