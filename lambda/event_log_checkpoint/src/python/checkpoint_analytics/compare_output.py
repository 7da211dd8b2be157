"""`compare` on the terminal: the counts per group and in total, lost events by month, reference-only events."""

from __future__ import annotations

from typing import TextIO

import polars as pl

from checkpoint_analytics.compare import Comparison
from checkpoint_analytics.periods import MONTH_COLUMN

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
        if not result.only_in_reference.is_empty():
            print(result.only_in_reference.head(LISTED), file=stream)
            if result.only_in_reference.height > LISTED:
                print(f"… {result.only_in_reference.height - LISTED} more: see --json", file=stream)
