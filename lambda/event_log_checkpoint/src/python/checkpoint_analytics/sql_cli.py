"""`python -m checkpoint_cli sql`: the report's queries for one month as Athena SQL, every placeholder filled.

Each query reads the current-events view: by default the `current_events` view Terraform creates
beside the checkpoint table (resolved in the query's database); with `--checkpoint-table NAME`, the
view's own SELECT over NAME, inlined, for a table without the view (or DuckDB's `read_parquet(...)`).
`--centre` narrows the events as the report's `--centre` does.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import TextIO

from checkpoint_analytics.months import Month, last_complete_month, utc_today
from checkpoint_analytics.sql import CURRENT_EVENTS_VIEW, SQL_TABLES, report_sql, view_sql


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--month", help="YYYY-MM, in UTC (default: the last complete month, UTC)")
    parser.add_argument("--centre", help="only this centre's events (center_label)")
    parser.add_argument(
        "--table",
        choices=SQL_TABLES,
        metavar="TABLE",
        help=f"only this table's query (default: every table, in report order): {', '.join(SQL_TABLES)}",
    )
    parser.add_argument(
        "--checkpoint-table",
        metavar="NAME",
        help="read this checkpoint table through the view's SELECT inlined (default: the view "
        f"{CURRENT_EVENTS_VIEW}), e.g. event_log_checkpoint.visit_events",
    )


def run(args: argparse.Namespace, out: TextIO = sys.stdout, today: date | None = None) -> int:
    """Prints each query under a comment naming its table and month, each ending in `;`."""
    month = Month.parse(args.month) if args.month else last_complete_month(today or utc_today())
    source = events_source(args.checkpoint_table, args.centre)
    for name in [args.table] if args.table else SQL_TABLES:
        scope = "" if args.centre is None else f", centre {args.centre}"
        print(f"-- {name}: {month} (UTC){scope}", file=out)
        print(report_sql(name, source, month).rstrip().rstrip(";") + ";\n", file=out)
    return 0


def events_source(checkpoint_table: str | None, centre: str | None) -> str:
    """What the queries read as `{current_events}`: the view, or its SELECT over the table; one centre's rows."""
    source = (
        CURRENT_EVENTS_VIEW
        if checkpoint_table is None
        else f"(\n{_without_comments(view_sql(checkpoint_table))}\n) AS versions_"
    )
    if centre is None:
        return source if checkpoint_table is None else f"(SELECT * FROM {source}) AS {CURRENT_EVENTS_VIEW}"  # noqa: S608 - text to paste
    literal = "'" + centre.replace("'", "''") + "'"
    return f"(SELECT * FROM {source} WHERE center_label = {literal}) AS {CURRENT_EVENTS_VIEW}"  # noqa: S608 - quoted


def _without_comments(sql: str) -> str:
    return "\n".join(line for line in sql.strip().splitlines() if not line.lstrip().startswith("--"))
