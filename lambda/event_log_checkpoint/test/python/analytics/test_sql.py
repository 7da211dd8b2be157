"""The report's SQL (Athena dialect) run with DuckDB over the same parquet gives the Polars answers."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from analytics.samples import sample_checkpoint
from analytics.strategies import checkpoint_frames, months
from checkpoint_analytics.months import Month
from checkpoint_analytics.sql import report_sql
from checkpoint_analytics.tables import (
    FAILING,
    QC,
    TABLE_NAMES,
    TIMING,
    VOLUME,
    failing_table,
    qc_table,
    timing_table,
    volume_table,
)
from checkpoint_analytics.versions import current_events

POLARS: dict[str, Callable[[pl.LazyFrame, Month], pl.LazyFrame]] = {
    VOLUME: volume_table,
    QC: qc_table,
    TIMING: timing_table,
    FAILING: failing_table,
}
#: Not UTC, and far from it: the SQL must not depend on the session time zone.
SESSION_TIME_ZONE = "Pacific/Kiritimati"


def run_duckdb(connection: duckdb.DuckDBPyConnection, sql: str, workdir: Path) -> pl.DataFrame:
    """The query's rows, in its order, via a parquet file (no pyarrow/pytz needed)."""
    out = workdir / "result.parquet"
    connection.execute(f"COPY ({sql}) TO '{out}' (FORMAT parquet)")
    return pl.read_parquet(out)


def assert_sql_matches_polars(frame: pl.DataFrame, month: Month) -> dict[str, int]:
    """Compares every report query; returns the row count of each table (to show it was not vacuous)."""
    heights = {}
    with tempfile.TemporaryDirectory() as tmp, duckdb.connect() as connection:
        connection.execute(f"SET TimeZone = '{SESSION_TIME_ZONE}'")
        workdir = Path(tmp)
        checkpoint = workdir / "checkpoint.parquet"
        frame.write_parquet(checkpoint)
        current = current_events(pl.scan_parquet(checkpoint))
        for name in TABLE_NAMES:
            from_sql = run_duckdb(connection, report_sql(name, f"read_parquet('{checkpoint}')", month), workdir)
            expected = POLARS[name](current, month).collect()
            try:
                assert_frame_equal(from_sql, expected, rel_tol=1e-12, abs_tol=1e-12)
            except AssertionError as exc:
                raise AssertionError(f"{name}.sql differs from Polars: {exc}") from exc
            heights[name] = expected.height
    return heights


@settings(max_examples=30, deadline=None)
@given(checkpoint_frames(max_events=40), st.data())
def test_each_report_query_gives_the_polars_answer(frame: pl.DataFrame, data: st.DataObject) -> None:
    with_events = [Month.of(t) for t in frame["timestamp"].to_list()]
    use_a_month_with_events = bool(with_events) and data.draw(st.booleans())
    month = data.draw(st.sampled_from(with_events) if use_a_month_with_events else months)
    assert_sql_matches_polars(frame, month)


@pytest.mark.parametrize("month", [Month(2024, 2), Month(2024, 3), Month(2024, 4)])
def test_the_sample_checkpoint_gives_the_same_tables(month: Month) -> None:
    heights = assert_sql_matches_polars(sample_checkpoint(), month)
    assert all(height > 0 for height in heights.values()), heights


def test_every_report_query_quotes_timestamp_and_fills_every_placeholder() -> None:
    for name in TABLE_NAMES:
        sql = report_sql(name, "events", Month(2024, 12))
        assert "{" not in sql
        code = re.sub(r"--[^\n]*", "", sql).replace("timestamp with time zone", "")
        assert re.search(r'(?<!")\btimestamp\b(?!")', code) is None, name  # the column is always "timestamp"
        assert "'2024-12-01 00:00:00 UTC'" in sql or name == FAILING
        assert "'2025-01-01 00:00:00 UTC'" in sql


def test_unknown_query_names_are_refused() -> None:
    with pytest.raises(ValueError, match="no report query"):
        report_sql("visits", "events", Month(2024, 1))
