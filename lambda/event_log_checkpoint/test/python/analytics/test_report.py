"""The monthly report from a generated checkpoint: terminal tables, CSVs equal to the queries, a self-contained page."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analytics.samples import sample_checkpoint
from checkpoint_analytics.errors import InvalidMonth, NoEvents
from checkpoint_analytics.months import Month
from checkpoint_analytics.report import run_report
from checkpoint_analytics.tables import (
    FAILING,
    QC,
    TABLE_NAMES,
    TABLE_TITLES,
    TIMING,
    VOLUME,
    failing_table,
    qc_table,
    timing_table,
    volume_table,
)
from checkpoint_analytics.versions import current_events
from checkpoint_lambda.adapters.s3 import S3Connector
from checkpoint_lambda.domain.schema import CHECKPOINT_SCHEMA

QUERIES = {VOLUME: volume_table, QC: qc_table, TIMING: timing_table, FAILING: failing_table}
EMBEDDED_PNG = re.compile(r'<img alt="[^"]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)">')


@pytest.fixture
def checkpoint(tmp_path: Path) -> Path:
    path = tmp_path / "checkpoint.parquet"
    sample_checkpoint().write_parquet(path)
    return path


def test_report_writes_csvs_equal_to_the_queries_and_a_self_contained_page(checkpoint: Path, tmp_path: Path) -> None:
    terminal = io.StringIO()
    result = run_report(str(checkpoint), "2024-03", tmp_path / "out", out=terminal)

    current = current_events(pl.scan_parquet(checkpoint))
    for name in TABLE_NAMES:
        expected = QUERIES[name](current, Month(2024, 3)).collect()
        assert expected.height > 0, name
        assert_frame_equal(pl.read_csv(result.csv_paths[name], schema=expected.schema), expected)
        assert result.csv_paths[name] == tmp_path / "out" / f"{name}.csv"
        assert TABLE_TITLES[name] in terminal.getvalue()

    html = result.html_path.read_text(encoding="utf-8")
    assert result.html_path == tmp_path / "out" / "report.html"
    images = EMBEDDED_PNG.findall(html)
    assert len(images) == 3 == html.count("<img ")
    assert all(base64.b64decode(image).startswith(b"\x89PNG\r\n\x1a\n") for image in images)
    assert re.search(r"""(src|href)=["']?(https?:|//)""", html) is None  # nothing fetched from the network
    assert html.count("<table>") == len(TABLE_NAMES)


def test_without_a_month_the_report_is_for_the_latest_month_with_events(checkpoint: Path, tmp_path: Path) -> None:
    newest = pl.read_parquet(checkpoint)["timestamp"].max()
    result = run_report(str(checkpoint), None, tmp_path, out=io.StringIO())
    assert result.month == Month.of(newest)  # type: ignore[arg-type]
    assert f"<h1>Visit events report — {result.month}</h1>" in result.html_path.read_text(encoding="utf-8")


def test_a_month_without_events_gives_empty_tables_and_plots(checkpoint: Path, tmp_path: Path) -> None:
    result = run_report(str(checkpoint), "2019-01", tmp_path, out=io.StringIO())
    assert all(result.tables[name].is_empty() for name in (VOLUME, QC, TIMING, FAILING))
    assert len(EMBEDDED_PNG.findall(result.html_path.read_text(encoding="utf-8"))) == 3


def test_an_empty_checkpoint_needs_a_month(tmp_path: Path) -> None:
    path = tmp_path / "empty.parquet"
    pl.DataFrame(schema=CHECKPOINT_SCHEMA).write_parquet(path)
    with pytest.raises(NoEvents):
        run_report(str(path), None, tmp_path, out=io.StringIO())


def test_a_malformed_month_is_refused_before_anything_is_written(checkpoint: Path, tmp_path: Path) -> None:
    with pytest.raises(InvalidMonth):
        run_report(str(checkpoint), "March", tmp_path / "out", out=io.StringIO())
    assert not (tmp_path / "out").exists()


def test_the_report_reads_a_checkpoint_from_s3(connector: S3Connector, s3_client, bucket: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    sample_checkpoint().write_parquet(buffer)
    s3_client.put_object(Bucket=bucket, Key="events/checkpoint.parquet", Body=buffer.getvalue())
    result = run_report(
        f"s3://{bucket}/events/checkpoint.parquet", "2024-02", tmp_path, connector=connector, out=io.StringIO()
    )
    assert result.tables[VOLUME]["events"].sum() > 0
    assert result.html_path.is_file()
