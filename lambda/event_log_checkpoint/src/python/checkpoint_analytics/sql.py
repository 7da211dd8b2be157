"""The report queries as SQL text (files in `sql/`), with the view, table and month filled in.

The rule that picks current events (one row per event identity, latest version) is written
once, as the view `sql/views/current_events.sql` over the checkpoint table; the report
queries read that view.
"""

from __future__ import annotations

from datetime import datetime
from importlib import resources

from checkpoint_analytics.months import Month

CURRENT_EVENTS_VIEW = "current_events"
#: The report tables kept as SQL (file names without `.sql`; `tables.TABLE_NAMES`, named here so that
#: the `sql` command does not import Polars).
SQL_TABLES: tuple[str, ...] = (
    "volume_by_centre_module",
    "qc_pass_rate_by_centre",
    "days_to_submit_and_pass_qc_by_centre",
    "visits_failing_qc",
)


def report_sql(name: str, current_events: str, month: Month) -> str:
    """The query behind report table `name` (one of `SQL_TABLES`) for `month`, over view `current_events`."""
    if name not in SQL_TABLES:
        raise ValueError(f"no report query {name!r}: choose from {', '.join(SQL_TABLES)}")
    return (
        sql_text(name)
        .replace("{current_events}", current_events)
        .replace("{month_start}", _utc_literal(month.start))
        .replace("{month_end}", _utc_literal(month.end))
    )


def view_sql(table: str) -> str:
    """The current-events view's SELECT over the checkpoint table `table` (for CREATE VIEW … AS)."""
    return sql_text(f"views/{CURRENT_EVENTS_VIEW}").replace("{table}", table)


def sql_text(name: str) -> str:
    """A file of `sql/` (without `.sql`, e.g. `visits_failing_qc` or `views/current_events`), placeholders untouched."""
    folder = resources.files("checkpoint_analytics") / "sql"
    for part in name.split("/")[:-1]:
        folder = folder / part
    return (folder / f"{name.rsplit('/', 1)[-1]}.sql").read_text(encoding="utf-8")


def _utc_literal(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%d %H:%M:%S")
