"""The report queries as SQL text (files in `sql/`), with the table and month filled in."""

from __future__ import annotations

from datetime import datetime
from importlib import resources

from checkpoint_analytics.months import Month
from checkpoint_analytics.tables import TABLE_NAMES


def report_sql(name: str, table: str, month: Month) -> str:
    """The query behind report table `name` (one of `tables.TABLE_NAMES`) for `month`, reading `table`."""
    if name not in TABLE_NAMES:
        raise ValueError(f"no report query {name!r}: choose from {', '.join(TABLE_NAMES)}")
    return (
        sql_text(name)
        .replace("{table}", table)
        .replace("{month_start}", _utc_literal(month.start))
        .replace("{month_end}", _utc_literal(month.end))
    )


def sql_text(name: str) -> str:
    """A file of `sql/` (without `.sql`), placeholders untouched."""
    return (resources.files("checkpoint_analytics") / "sql" / f"{name}.sql").read_text(encoding="utf-8")


def _utc_literal(instant: datetime) -> str:
    return instant.strftime("%Y-%m-%d %H:%M:%S")
