"""`compare` on the terminal: the counts per group and in total, lost events by month, reference-only events."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, TextIO

import polars as pl

from checkpoint_analytics.compare import Comparison
from checkpoint_analytics.compare_checkpoints import CheckpointComparison
from checkpoint_analytics.periods import MONTH_COLUMN
from checkpoint_analytics.reference import FILE_COLUMN

#: Reference-only events listed on the terminal (`--json` lists them all).
LISTED = 100


def print_comparison(result: Comparison, stream: TextIO) -> None:
    """Plain tables; every count is of distinct event identities."""
    totals = result.totals()
    print(f"reference:  {result.reference} ({result.reference_files} files)", file=stream)
    print(f"checkpoint: {result.checkpoint}", file=stream)
    print("events matched by (pipeline_adcid, ptid, visit_date, action, timestamp, datatype, module)\n", file=stream)
    total_row = pl.DataFrame([{"study": "total", "datatype": "", **totals}], schema=result.groups.schema)
    with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=160, tbl_hide_dataframe_shape=True, fmt_str_lengths=60):
        print(pl.concat([result.groups, total_row]), file=stream)
        months = result.only_in_checkpoint_by_month
        print(f"\nonly in the checkpoint (the reference lost them): {totals['only_in_checkpoint']}", file=stream)
        if not months.is_empty():
            print(months.group_by(MONTH_COLUMN).agg(pl.col("events").sum()).sort(MONTH_COLUMN), file=stream)
        print(f"\nonly in the reference (expected none): {totals['only_in_reference']}", file=stream)
    for row in result.only_in_reference.head(LISTED).iter_rows(named=True):
        print(_event_line(row), file=stream)
    if result.only_in_reference.height > LISTED:
        print(f"… {result.only_in_reference.height - LISTED} more: see --json", file=stream)


def _event_line(row: dict[str, Any]) -> str:
    """`  key=value …` for every reference field, then the file it is in, on the next line."""
    fields = " ".join(f"{key}={_text(value)}" for key, value in row.items() if key != FILE_COLUMN)
    return f"  {fields}\n    in {row[FILE_COLUMN]}"


def _text(value: object) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date | datetime) else str(value)


def print_checkpoint_comparison(result: CheckpointComparison, stream: TextIO) -> None:
    """Row counts per group and in total, then the differing rows (at most LISTED)."""
    totals = result.totals()
    print(f"first:  {result.first}\nsecond: {result.second}", file=stream)
    print("rows matched whole (every column, the file version among them)\n", file=stream)
    total_row = pl.DataFrame([{"study": "total", "datatype": "", **totals}], schema=result.groups.schema)
    with pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=160, tbl_hide_dataframe_shape=True, fmt_str_lengths=60):
        print(pl.concat([result.groups, total_row]), file=stream)
    print(f"\ndifferences: {result.differences}", file=stream)
    if totals["quarantined"]:
        print(
            f"quarantined (in the other side's quarantine object, not a difference): {totals['quarantined']}",
            file=stream,
        )
    for row in result.differing.head(LISTED).iter_rows(named=True):
        print(f"  only in {row['side']}: {row['source_key']} {row['source_etag']} ({row['study']}/{row['datatype']})")
    if result.differing.height > LISTED:
        print(f"… {result.differing.height - LISTED} more: see --json", file=stream)
