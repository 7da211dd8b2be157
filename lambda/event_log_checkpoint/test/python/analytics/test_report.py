"""The monthly report from a generated checkpoint: terminal tables, CSVs equal to the queries, a self-contained page."""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from analytics.samples import sample_checkpoint
from checkpoint_analytics.change import CHANGE, centre_change
from checkpoint_analytics.errors import InvalidMonth, UnknownCentre
from checkpoint_analytics.headline import HEADLINE
from checkpoint_analytics.months import Month
from checkpoint_analytics.report import ReportResult, run_report
from checkpoint_analytics.tables import (
    FAILING,
    MONTHLY_NAMES,
    QC,
    TABLE_TITLES,
    TIMING,
    VOLUME,
    failing_table,
    qc_table,
    timing_table,
    volume_table,
)
from checkpoint_analytics.timing import visit_timing
from checkpoint_analytics.trend import TREND_NAMES, trend_tables
from checkpoint_analytics.versions import current_events
from checkpoint_lambda.adapters.s3 import S3Connector
from checkpoint_lambda.domain.schema import CHECKPOINT_SCHEMA

QUERIES = {VOLUME: volume_table, QC: qc_table, TIMING: timing_table, FAILING: failing_table, CHANGE: centre_change}
FIGURES = 3 + 4  # the month's, the trend's
EMBEDDED_PNG = re.compile(r'<img alt="[^"]*" src="data:image/png;base64,([A-Za-z0-9+/=]+)">')


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample checkpoint as a file; the tests only read it."""
    path = tmp_path_factory.mktemp("checkpoint") / "checkpoint.parquet"
    sample_checkpoint().write_parquet(path)
    return path


@dataclass(frozen=True)
class Rendered:
    """One report run: what it returned, what it printed, and the folder it wrote to."""

    result: ReportResult
    terminal: str
    out: Path


@pytest.fixture(scope="module")
def march(checkpoint: Path, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    """The 2024-03 report of all centres, rendered once for the tests that only read it."""
    out = tmp_path_factory.mktemp("march") / "out"
    terminal = io.StringIO()
    result = run_report(str(checkpoint), "2024-03", out, out=terminal)
    return Rendered(result, terminal.getvalue(), out)


def test_report_writes_csvs_equal_to_the_queries_and_a_self_contained_page(checkpoint: Path, march: Rendered) -> None:
    result = march.result
    current = current_events(pl.scan_parquet(checkpoint)).collect().lazy()
    expected_trend = trend_tables(current, visit_timing(current), Month(2024, 3))
    for name in (*MONTHLY_NAMES, *TREND_NAMES):
        if name == HEADLINE:
            continue
        expected = QUERIES[name](current, Month(2024, 3)).collect() if name in QUERIES else expected_trend[name]
        assert expected.height > 0, name
        assert_frame_equal(pl.read_csv(result.csv_paths[name], schema=expected.schema), expected, abs_tol=1e-6)
        assert result.csv_paths[name] == march.out / f"{name}-2024-03.csv"
        assert TABLE_TITLES[name] in march.terminal

    html = result.html_path.read_text(encoding="utf-8")
    assert result.html_path == march.out / "report-2024-03.html"
    images = EMBEDDED_PNG.findall(html)
    assert len(images) == FIGURES == html.count("<img ")
    assert all(base64.b64decode(image).startswith(b"\x89PNG\r\n\x1a\n") for image in images)
    assert re.search(r"""(src|href)=["']?(https?:|//)""", html) is None  # nothing fetched from the network
    assert html.count("<table ") == len(MONTHLY_NAMES) + len(TREND_NAMES)
    assert '<section id="trend"><h2>Trend: 12 months to 2024-03</h2>' in html


def test_the_terminal_shows_the_month_on_month_change(march: Rendered) -> None:
    change = march.result.tables[CHANGE]
    assert change.columns[:4] == ["center_label", "events", "events_last_month", "events_change"]
    text = march.terminal
    section = text[text.index(TABLE_TITLES[CHANGE]) :]
    for centre, events, last, difference in change.select(change.columns[:4]).iter_rows():
        assert re.search(rf"│ {centre}\s+┆ {events}\s+┆ {last}\s+┆ {difference}\s+┆", section), centre


def test_a_centre_report_holds_only_that_centres_events(checkpoint: Path, march: Rendered, tmp_path: Path) -> None:
    result = run_report(str(checkpoint), "2024-03", tmp_path, centre="alpha", out=io.StringIO())
    assert result.html_path == tmp_path / "report-2024-03-centre-alpha.html"
    assert result.csv_paths[VOLUME] == tmp_path / f"{VOLUME}-2024-03-centre-alpha.csv"
    assert "<h1>Visit events report — 2024-03, centre alpha</h1>" in result.html_path.read_text(encoding="utf-8")
    current = current_events(pl.scan_parquet(checkpoint)).filter(pl.col("center_label") == "alpha")
    for name in MONTHLY_NAMES[1:]:
        expected = QUERIES[name](current, Month(2024, 3)).collect()
        assert expected.height > 0, name
        assert set(result.tables[name]["center_label"]) == {"alpha"}, name
        assert_frame_equal(pl.read_csv(result.csv_paths[name], schema=expected.schema), expected, abs_tol=1e-6)
    alpha_share = march.result.tables[VOLUME].filter(pl.col("center_label") == "alpha")["events"].sum()
    assert result.tables.trend["trend_events_by_action"]["events"][-1] == alpha_share


def test_an_unknown_centre_is_refused_with_the_centres_there_are(checkpoint: Path, tmp_path: Path) -> None:
    with pytest.raises(UnknownCentre, match=r"'zeta'.*alpha, beta, delta, gamma"):
        run_report(str(checkpoint), "2024-03", tmp_path / "out", centre="zeta", out=io.StringIO())
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("today", "month"), [(date(2024, 4, 6), "2024-03"), (date(2024, 1, 1), "2023-12")])
def test_without_a_month_the_report_is_for_the_last_complete_month(
    checkpoint: Path, tmp_path: Path, today: date, month: str
) -> None:
    terminal = io.StringIO()
    result = run_report(str(checkpoint), None, tmp_path, out=terminal, today=today)
    assert str(result.month) == month
    assert terminal.getvalue().startswith(f"Visit events report for {month} (UTC)\n")
    assert f"<h1>Visit events report — {month}</h1>" in result.html_path.read_text(encoding="utf-8")
    assert all(path.name.endswith(f"-{month}.csv") for path in result.csv_paths.values())


def test_a_second_month_into_the_same_folder_keeps_the_first(checkpoint: Path, tmp_path: Path) -> None:
    first = run_report(str(checkpoint), "2024-02", tmp_path, out=io.StringIO())
    before = {path: path.read_bytes() for path in (first.html_path, *first.csv_paths.values())}
    run_report(str(checkpoint), "2024-03", tmp_path, out=io.StringIO())
    assert {path: path.read_bytes() for path in before} == before
    assert len(list(tmp_path.glob("*.csv"))) == 2 * len(first.csv_paths)


def test_csv_values_are_iso_timestamps_and_floats_without_noise(march: Rendered) -> None:
    result = march.result
    failing = result.csv_paths[FAILING].read_text(encoding="utf-8").splitlines()
    stamps = [line.rsplit(",", 1)[1] for line in failing[1:]]
    assert stamps
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", s) for s in stamps), stamps[:3]
    numbers = re.findall(r"\d+\.\d+", result.csv_paths[QC].read_text(encoding="utf-8"))
    assert numbers
    assert all(len(n.split(".")[1]) <= 6 for n in numbers), numbers


def test_the_terminal_and_page_show_rates_in_percent_and_days_without_decimals_noise(march: Rendered) -> None:
    result = march.result
    rate = result.tables[QC]["pass_rate"][0]
    shown = f"{100 * rate:.1f} %"
    assert shown in march.terminal
    html = result.html_path.read_text(encoding="utf-8")
    assert f'<td class="n">{shown}</td>' in html
    assert re.search(r"\b\d+\.000\b", march.terminal + html) is None
    assert "<td>alpha</td>" in html  # text left-aligned (no numeric class)


def test_the_headline_comes_first_with_the_change_against_the_month_before(march: Rendered) -> None:
    result = march.result
    headline = result.tables[HEADLINE]
    assert headline["figure"].to_list() == [
        "events", "visits", "QC pass rate", "median days to pass-qc", "visits failing QC",
    ]  # fmt: skip
    events = result.tables["trend_events_by_action"]["events"].to_list()
    assert headline.row(0) == ("events", events[-1], events[-2], events[-1] - events[-2])
    html = result.html_path.read_text(encoding="utf-8")
    assert html.index('class="headline"') < html.index("<img ")
    assert march.terminal.splitlines()[2].startswith(TABLE_TITLES[HEADLINE])


def test_a_month_without_events_gives_empty_tables_and_plots(checkpoint: Path, tmp_path: Path) -> None:
    result = run_report(str(checkpoint), "2019-01", tmp_path, out=io.StringIO())
    assert all(result.tables[name].is_empty() for name in MONTHLY_NAMES[1:])
    assert result.warning is not None
    assert "Warning: no events in 2019-01" in result.html_path.read_text(encoding="utf-8")
    assert all(result.tables[name].height == 12 for name in TREND_NAMES)
    assert result.tables["trend_events_by_action"]["events"].sum() == 0
    assert len(EMBEDDED_PNG.findall(result.html_path.read_text(encoding="utf-8"))) == FIGURES


def test_an_empty_checkpoint_gives_a_report_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "empty.parquet"
    pl.DataFrame(schema=CHECKPOINT_SCHEMA).write_parquet(path)
    result = run_report(str(path), None, tmp_path, out=io.StringIO(), today=date(2026, 12, 6))
    assert result.warning == "no events in 2026-11: check --month, and that the checkpoint is up to date"


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
