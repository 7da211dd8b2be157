"""The report's SQL (Athena dialect) run with DuckDB over the same parquet gives the Polars answers.

DuckDB gets the current-events view from the same SQL text Athena gets it from, and every
report query reads that view, unchanged, over one object and over a tree of group files.
"""

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
from analytics.trees import HIVE_SHAPE, REFERENCE_SHAPE, write_local_tree
from checkpoint_analytics.months import Month
from checkpoint_analytics.sql import CURRENT_EVENTS_VIEW, report_sql, sql_text, view_sql
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
from checkpoint_lambda.domain.schema import CHECKPOINT_SCHEMA, ORDER_COLUMNS
from profiles import examples

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


def create_view(connection: duckdb.DuckDBPyConnection, table: str) -> None:
    """The current-events view over `table`, from the file Terraform creates the Athena view from."""
    connection.execute(f"CREATE OR REPLACE VIEW {CURRENT_EVENTS_VIEW} AS {view_sql(table)}")


#: The three ways the checkpoint table can lie on storage: one object, or one object per group.
LAYOUTS = ("single", REFERENCE_SHAPE, HIVE_SHAPE)


def duckdb_table(frame: pl.DataFrame, workdir: Path, layout: str) -> str:
    """`frame` written in `layout`, and the DuckDB table expression that reads it back whole.

    Per group: a glob over the group files; for the Hive shape DuckDB also takes study and
    datatype from the folder names, as the partitioned Glue table does.
    """
    if layout == "single":
        checkpoint = workdir / "checkpoint.parquet"
        frame.write_parquet(checkpoint)
        return f"read_parquet('{checkpoint}')"
    template = write_local_tree(frame, workdir / "tree", layout)
    glob = template.replace("{study}", "*").replace("{datatype}", "*")
    return f"read_parquet('{glob}', hive_partitioning={str(layout == HIVE_SHAPE).lower()})"


def assert_sql_matches_polars(frame: pl.DataFrame, month: Month) -> dict[str, int]:
    """Compares every report query on every layout; returns each table's row count (to show it was not vacuous)."""
    heights = {}
    current = current_events(frame.lazy()).collect().lazy()
    expected = {name: POLARS[name](current, month).collect() for name in TABLE_NAMES}
    with tempfile.TemporaryDirectory() as tmp, duckdb.connect() as connection:
        connection.execute(f"SET TimeZone = '{SESSION_TIME_ZONE}'")
        for layout in LAYOUTS if not frame.is_empty() else LAYOUTS[:1]:  # no group files without rows
            workdir = Path(tmp) / str(LAYOUTS.index(layout))
            workdir.mkdir()
            create_view(connection, duckdb_table(frame, workdir, layout))
            for name in TABLE_NAMES:
                from_sql = run_duckdb(connection, report_sql(name, CURRENT_EVENTS_VIEW, month), workdir)
                try:
                    assert_frame_equal(from_sql, expected[name], rel_tol=1e-12, abs_tol=1e-12)
                except AssertionError as exc:
                    raise AssertionError(f"{name}.sql on layout {layout} differs from Polars: {exc}") from exc
                heights[name] = expected[name].height
    return heights


@settings(max_examples=examples(30), deadline=None)
@given(checkpoint_frames(max_events=40))
def test_the_view_holds_the_polars_current_events(frame: pl.DataFrame) -> None:
    """Property: the view's rows are exactly `versions.current_events`' rows (as sets, in checkpoint order)."""
    with tempfile.TemporaryDirectory() as tmp, duckdb.connect() as connection:
        checkpoint = Path(tmp) / "checkpoint.parquet"
        frame.write_parquet(checkpoint)
        create_view(connection, f"read_parquet('{checkpoint}')")
        from_sql = run_duckdb(connection, f"SELECT * FROM {CURRENT_EVENTS_VIEW}", Path(tmp))
        expected = current_events(frame.lazy()).collect()
    assert list(from_sql.schema.items()) == list(CHECKPOINT_SCHEMA.items())
    assert_frame_equal(from_sql.sort(ORDER_COLUMNS), expected.sort(ORDER_COLUMNS))


def test_the_view_is_one_select_over_the_table_placeholder() -> None:
    text = sql_text(f"views/{CURRENT_EVENTS_VIEW}")
    code = re.sub(r"--[^\n]*", "", text).strip()
    assert code.upper().startswith("SELECT")
    assert ";" not in code
    assert re.findall(r"\{[^}]*\}", code) == ["{table}"]


def test_no_report_query_repeats_the_identity_rule() -> None:
    for name in TABLE_NAMES:
        text = sql_text(name)
        assert "{current_events}" in text, name
        # picking versions is the view's job: no query partitions by the event identity
        assert "PARTITION BY pipeline_adcid, ptid, visit_date, action" not in " ".join(text.split()), name
        assert "{table}" not in text, name


@settings(max_examples=examples(30), deadline=None)
@given(checkpoint_frames(max_events=40), st.data())
def test_each_report_query_gives_the_polars_answer(frame: pl.DataFrame, data: st.DataObject) -> None:
    """Property: each report query, over the view, on one object and on both group-file shapes, returns
    exactly the Polars table (rows, order, types) for any month, with or without events."""
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
        sql = report_sql(name, "current_events", Month(2024, 12))
        assert "{" not in sql
        code = re.sub(r"--[^\n]*", "", sql).replace("timestamp with time zone", "")
        assert re.search(r'(?<!")\btimestamp\b(?!")', code) is None, name  # the column is always "timestamp"
        assert "'2024-12-01 00:00:00 UTC'" in sql or name == FAILING
        assert "'2025-01-01 00:00:00 UTC'" in sql


def test_unknown_query_names_are_refused() -> None:
    with pytest.raises(ValueError, match="no report query"):
        report_sql("visits", "current_events", Month(2024, 1))
