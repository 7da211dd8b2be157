"""The report's SQL (Athena dialect) run with DuckDB over the same parquet gives the report's tables.

DuckDB gets the current-events view from the same SQL text Athena gets it from, and every
report query reads that view, unchanged, over one object and over a tree of group files.
The Polars answer is the report's own: `tables.month_tables`, every table of it.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import tempfile
from datetime import date
from functools import cache
from pathlib import Path

import duckdb
import polars as pl
import polars.selectors as cs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from analytics.samples import mixed_sample_checkpoint, sample_checkpoint
from analytics.strategies import checkpoint_frames, months
from analytics.trees import HIVE_SHAPE, REFERENCE_SHAPE, write_local_tree
from checkpoint_analytics.months import Month
from checkpoint_analytics.sql import (
    CURRENT_EVENTS_VIEW,
    SQL_TABLES,
    TREND_MONTHS,
    TREND_QUERIES,
    report_sql,
    sql_text,
    view_sql,
)
from checkpoint_analytics.sql_cli import events_source
from checkpoint_analytics.sql_cli import run as sql_command
from checkpoint_analytics.tables import MONTHLY_NAMES, month_tables
from checkpoint_analytics.trend import TREND_MONTHS as REPORT_TREND_MONTHS
from checkpoint_analytics.trend import TREND_NAMES
from checkpoint_analytics.versions import current_events
from checkpoint_lambda.domain.schema import CHECKPOINT_SCHEMA, ORDER_COLUMNS
from profiles import examples

#: The first instant each query reads for 2024-12 (None: every event up to the month's end).
FIRST_READ_FOR_2024_12 = {
    "headline": "2024-01-01",
    "volume_by_centre_module": "2024-12-01",
    "centre_month_on_month": "2024-11-01",
    "qc_pass_rate_by_centre": "2024-12-01",
    "days_to_submit_and_pass_qc_by_centre": "2024-12-01",
    "visits_failing_qc": None,
    **dict.fromkeys(TREND_QUERIES, "2024-01-01"),
    "trend_visits_failing_qc": None,  # a visit may fail since before the twelve months
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


def assert_sql_matches_polars(frame: pl.DataFrame, month: Month, centre: str | None = None) -> dict[str, int]:
    """Compares every report query on every layout (one centre's, as `--centre` narrows them, or all centres');
    returns each table's row count (to show it was not vacuous)."""
    heights = {}
    expected = month_tables(frame.lazy(), month, centre).every_table()
    source = events_source(None, centre)
    with tempfile.TemporaryDirectory() as tmp, duckdb.connect() as connection:
        connection.execute(f"SET TimeZone = '{SESSION_TIME_ZONE}'")
        for layout in LAYOUTS if not frame.is_empty() else LAYOUTS[:1]:  # no group files without rows
            workdir = Path(tmp) / str(LAYOUTS.index(layout))
            workdir.mkdir()
            create_view(connection, duckdb_table(frame, workdir, layout))
            for name in SQL_TABLES:
                from_sql = run_duckdb(connection, report_sql(name, source, month), workdir)
                try:
                    assert_frame_equal(from_sql, expected[name], rel_tol=1e-12, abs_tol=1e-12)
                except AssertionError as exc:
                    raise AssertionError(f"{name}.sql on layout {layout} differs from Polars: {exc}") from exc
                heights[name] = expected[name].height
    return heights


@settings(max_examples=examples(30, quick=5), deadline=None)
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
    for name in SQL_TABLES:
        text = sql_text(name)
        assert "{current_events}" in text, name
        # picking versions is the view's job: no query partitions by the event identity
        assert "PARTITION BY pipeline_adcid, ptid, visit_date, action" not in " ".join(text.split()), name
        assert "{table}" not in text, name


@settings(max_examples=examples(30, quick=3), deadline=None)
@given(checkpoint_frames(max_events=40), st.data())
def test_each_report_query_gives_the_polars_answer(frame: pl.DataFrame, data: st.DataObject) -> None:
    """Property: each report query, over the view, on one object and on both group-file shapes, returns
    exactly the Polars table (rows, order, types) for any month, all centres or one, with or without events."""
    with_events = [Month.of(t) for t in frame["timestamp"].to_list()]
    use_a_month_with_events = bool(with_events) and data.draw(st.booleans())
    month = data.draw(st.sampled_from(with_events) if use_a_month_with_events else months)
    assert_sql_matches_polars(frame, month, data.draw(st.sampled_from([None, None, "alpha", "absent"])))


@pytest.mark.parametrize("month", [Month(2024, 2), Month(2024, 3), Month(2024, 4)])
def test_the_sample_checkpoint_gives_the_same_tables(month: Month) -> None:
    heights = assert_sql_matches_polars(sample_checkpoint(), month)
    assert all(height > 0 for height in heights.values()), heights


def test_every_report_query_quotes_timestamp_and_fills_every_placeholder() -> None:
    for name in SQL_TABLES:
        sql = report_sql(name, "current_events", Month(2024, 12))
        assert "{" not in sql
        code = re.sub(r"--[^\n]*", "", sql).replace("timestamp with time zone", "")
        assert re.search(r'(?<!")\btimestamp\b(?!")', code) is None, name  # the column is always "timestamp"
        instants = re.findall(r"'(\d{4}-\d{2}-\d{2}) 00:00:00 UTC'", sql)
        assert max(instants) == "2025-01-01", name  # nothing after the month's end
        assert min(instants) == (FIRST_READ_FOR_2024_12[name] or "2025-01-01"), name


def test_the_trend_queries_read_the_twelve_months_to_the_report_month() -> None:
    months = ", ".join(f"('{month}')" for month in ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"])
    for name in TREND_QUERIES:
        sql = report_sql(name, "current_events", Month(2024, 12))
        assert f"(VALUES {months}, ('2024-06'), " in sql, name
        assert "('2024-12'))" in sql, name
        assert "('2023-12')" not in sql, name
        assert "('2025-01')" not in sql, name


def test_the_headline_inlines_each_trend_query_once() -> None:
    sql = report_sql("headline", "current_events", Month(2024, 12))
    for name in TREND_QUERIES:
        header = sql_text(name).splitlines()[0]
        assert sql.count(header) == 1, name
    assert "'2024-12'" in sql
    assert "'2024-11'" in sql


def test_unknown_query_names_are_refused() -> None:
    with pytest.raises(ValueError, match="no report query"):
        report_sql("visits", "current_events", Month(2024, 1))


def sql_command_text(month: str, table: str, checkpoint_table: str, centre: str | None = None) -> str:
    """What `python -m checkpoint_cli sql` prints for one table: the text an analyst pastes."""
    out = io.StringIO()
    args = argparse.Namespace(month=month, centre=centre, table=table, checkpoint_table=checkpoint_table)
    assert sql_command(args, out) == 0
    return out.getvalue()


SAMPLES = {"sample": sample_checkpoint, "mixed": mixed_sample_checkpoint}


@cache
def report_tables(sample: str, centre: str | None) -> dict[str, pl.DataFrame]:
    """The report's tables for 2024-03 of a sample checkpoint (one centre's, or all), computed once."""
    return month_tables(SAMPLES[sample]().lazy(), Month(2024, 3), centre).every_table()


@pytest.mark.parametrize("sample", SAMPLES)
@pytest.mark.parametrize("centre", [None, "alpha", "gamma"])
@pytest.mark.parametrize("name", SQL_TABLES)
def test_the_sql_command_prints_paste_ready_sql_giving_the_polars_answer(
    name: str, centre: str | None, sample: str
) -> None:
    frame = SAMPLES[sample]()
    with tempfile.TemporaryDirectory() as tmp, duckdb.connect() as connection:
        connection.execute(f"SET TimeZone = '{SESSION_TIME_ZONE}'")
        table = duckdb_table(frame, Path(tmp), "single")
        text = sql_command_text("2024-03", name, table, centre)
        assert text.startswith(f"-- {name}: 2024-03 (UTC)")
        assert re.findall(r"\{[a-z_]+\}", text) == []
        from_sql = run_duckdb(connection, text.strip().removesuffix(";"), Path(tmp))
    expected = report_tables(sample, centre)[name]
    assert not_vacuous(expected), expected
    assert_frame_equal(from_sql, expected, rel_tol=1e-12, abs_tol=1e-12)


def not_vacuous(table: pl.DataFrame) -> bool:
    """Some row, and some number in it that is not zero: a table of empty months would prove little."""
    numbers = table.select(cs.numeric())
    return table.height > 0 and any(value not in (None, 0) for row in numbers.iter_rows() for value in row)


def test_a_centre_narrows_every_query_to_its_events() -> None:
    """The one-centre answers differ from the all-centre ones: `--centre` reaches every query."""
    for name in SQL_TABLES:
        assert not report_tables("sample", "alpha")[name].equals(report_tables("sample", None)[name]), name


def test_the_sql_command_defaults_to_the_last_complete_month_and_every_table() -> None:
    out = io.StringIO()
    args = argparse.Namespace(month=None, centre=None, table=None, checkpoint_table=None)
    assert sql_command(args, out, today=date(2026, 12, 6)) == 0
    text = out.getvalue()
    assert [line for line in text.splitlines() if line.startswith("-- ") and ": 2026-11 (UTC)" in line] == [
        f"-- {name}: 2026-11 (UTC)" for name in SQL_TABLES
    ]
    assert "FROM current_events" in text
    assert "'2026-11-01 00:00:00 UTC'" in text


def test_the_sql_command_names_every_table_of_the_report_in_its_order() -> None:
    assert (*MONTHLY_NAMES, *TREND_NAMES) == SQL_TABLES
    assert TREND_QUERIES == TREND_NAMES
    assert TREND_MONTHS == REPORT_TREND_MONTHS


README = Path(__file__).resolve().parents[5] / "README.md"


def test_the_readmes_duckdb_example_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- duckdb-example -->\n```python\n", 1)[1].split("```", 1)[0]
    assert len([line for line in block.strip().splitlines() if line.strip()]) == 5  # five lines of code
    sample_checkpoint().write_parquet(tmp_path / "checkpoint.parquet")
    monkeypatch.chdir(tmp_path)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(block, "README.md", "exec"), {})
    expected = sample_checkpoint().group_by("center_label").len().sort("center_label")
    assert printed.getvalue().strip() == str(list(expected.iter_rows()))


@pytest.mark.parametrize("extended_first", [True, False])
def test_the_view_reads_files_with_and_without_extra_fields_as_one_table(extended_first: bool) -> None:
    """A group file that gained the optional `extra_fields` column beside one without it: the view's
    rows are the current events of both, in the checkpoint's columns (whichever file comes first)."""
    frame = sample_checkpoint(visits=30)
    plain, extended = frame.head(40), frame.tail(frame.height - 40)
    extended = extended.with_columns(pl.lit('{"note":"n"}').alias("extra_fields"))
    names = ("a", "b") if extended_first else ("b", "a")
    with tempfile.TemporaryDirectory() as tmp, duckdb.connect() as connection:
        extended.write_parquet(Path(tmp) / f"{names[0]}.parquet")
        plain.write_parquet(Path(tmp) / f"{names[1]}.parquet")
        create_view(connection, f"read_parquet('{tmp}/*.parquet')")
        from_sql = run_duckdb(connection, f"SELECT * FROM {CURRENT_EVENTS_VIEW}", Path(tmp))
    expected = current_events(frame.lazy()).collect()
    assert list(from_sql.schema.items()) == list(CHECKPOINT_SCHEMA.items())
    assert_frame_equal(from_sql.sort(ORDER_COLUMNS), expected.sort(ORDER_COLUMNS))
