"""Answers to the analysts' monthly questions, from the checkpoint parquet.

This package sits beside the Lambda, not inside its zip: the Lambda only writes the
checkpoint and never reads it back for analysis, so it does not need these queries,
matplotlib or DuckDB. Analysts (and `python -m checkpoint_cli report`) use it on a
workstation; Athena users get the same report queries as SQL in `sql/`.

Rows and versions: the checkpoint keeps every ingested object version. `versions.current_events`
keeps one row per event identity (latest version wins); every other function works on
whatever rows it is given and says so. The report always passes current events.
"""
