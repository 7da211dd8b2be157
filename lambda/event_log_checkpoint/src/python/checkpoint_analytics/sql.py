"""The report queries as SQL text (files in `sql/`), with the view, table and month filled in.

The rule that picks current events (one row per event identity, latest version) is written
once, as the view `sql/views/current_events.sql` over the checkpoint table; the report
queries read that view. The headline reads the four trend queries, inlined as subqueries.
"""

from __future__ import annotations

from datetime import datetime
from importlib import resources

from checkpoint_analytics.months import Month, months_ending

CURRENT_EVENTS_VIEW = "current_events"
#: Months in a trend table (`trend.TREND_MONTHS`, named here so that the `sql` command does not import Polars).
TREND_MONTHS = 12
#: The trend tables, in report order (`trend.TREND_NAMES`); the headline inlines their queries.
TREND_QUERIES: tuple[str, ...] = (
    "trend_events_by_action",
    "trend_qc_pass_rate",
    "trend_days_to_pass_qc",
    "trend_visits_failing_qc",
)
#: Every table of the report, in report order (`tables.MONTHLY_NAMES`, then the trend's), each a
#: file of `sql/` (without `.sql`).
SQL_TABLES: tuple[str, ...] = (
    "headline",
    "volume_by_centre_module",
    "centre_month_on_month",
    "qc_pass_rate_by_centre",
    "days_to_submit_and_pass_qc_by_centre",
    "visits_failing_qc",
    *TREND_QUERIES,
)


def report_sql(name: str, current_events: str, month: Month) -> str:
    """The query behind report table `name` (one of `SQL_TABLES`) for `month`, over view `current_events`."""
    if name not in SQL_TABLES:
        raise ValueError(f"no report query {name!r}: choose from {', '.join(SQL_TABLES)}")
    text = sql_text(name)
    for trend in TREND_QUERIES:
        text = text.replace("{" + trend + "}", _indented(sql_text(trend)))
    for placeholder, value in month_values(month).items():
        text = text.replace("{" + placeholder + "}", value)
    return text.replace("{current_events}", current_events)


def month_values(month: Month) -> dict[str, str]:
    """The month's placeholders (README.md lists them) and their text."""
    previous = month.shifted(-1)
    trend = months_ending(month, TREND_MONTHS)
    return {
        "month": str(month),
        "previous_month": str(previous),
        "month_start": _utc_literal(month.start),
        "month_end": _utc_literal(month.end),
        "previous_month_start": _utc_literal(previous.start),
        "trend_start": _utc_literal(trend[0].start),
        "trend_months": ", ".join(f"('{m}')" for m in trend),
    }


def view_sql(table: str) -> str:
    """The current-events view's SELECT over the checkpoint table `table` (for CREATE VIEW … AS)."""
    return sql_text(f"views/{CURRENT_EVENTS_VIEW}").replace("{table}", table)


def sql_text(name: str) -> str:
    """A file of `sql/` (without `.sql`, e.g. `visits_failing_qc` or `views/current_events`), placeholders untouched."""
    folder = resources.files("checkpoint_analytics") / "sql"
    for part in name.split("/")[:-1]:
        folder = folder / part
    return (folder / f"{name.rsplit('/', 1)[-1]}.sql").read_text(encoding="utf-8")


def _indented(query: str) -> str:
    return "\n".join(f"    {line}" if line else line for line in query.strip().splitlines())


def _utc_literal(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%d %H:%M:%S")
