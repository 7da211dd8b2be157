"""Days from visit to submit and to pass-qc (and their median and p90 per centre) are right across time
zones, month and year ends and leap days."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings

from analytics import oracle
from analytics.strategies import checkpoint_frames, months
from checkpoint_analytics.months import Month
from checkpoint_analytics.timing import timing_summary, visit_timing
from checkpoint_analytics.versions import current_events
from checkpoint_lambda.domain.schema import CHECKPOINT_SCHEMA
from profiles import examples


def _brute_timing(rows: list[dict[str, Any]]) -> dict[tuple[Any, ...], dict[str, Any]]:
    latest = oracle.latest_by(rows, oracle.VISIT, oracle.recency)
    timing: dict[tuple[Any, ...], dict[str, Any]] = {}
    for visit, last in latest.items():
        mine = [r for r in rows if oracle.key(r, oracle.VISIT) == visit]
        first = {
            action: min((r["timestamp"] for r in mine if r["action"] == action), default=None)
            for action in ("submit", "pass-qc")
        }
        if first["submit"] is None and first["pass-qc"] is None:
            continue
        timing[visit] = {
            "center_label": last["center_label"],
            "first_submit": first["submit"],
            "first_pass_qc": first["pass-qc"],
            "days_to_submit": None if first["submit"] is None else oracle.days(visit[2], first["submit"]),
            "days_to_pass_qc": None if first["pass-qc"] is None else oracle.days(visit[2], first["pass-qc"]),
        }
    return timing


@settings(max_examples=examples(75), deadline=None)
@given(checkpoint_frames())
def test_visit_timing_equals_the_loop(frame: pl.DataFrame) -> None:
    got = visit_timing(current_events(frame.lazy())).collect()
    assert got.schema["visit_date"] == pl.Date
    assert got.schema["first_submit"] == pl.Datetime("us", "UTC")
    assert got.schema["days_to_submit"] == got.schema["days_to_pass_qc"] == pl.Int64
    as_dicts = {oracle.key(r, oracle.VISIT): {k: r[k] for k in r if k not in oracle.VISIT} for r in got.to_dicts()}
    assert as_dicts == _brute_timing(oracle.current(oracle.rows_of(frame)))


@settings(max_examples=examples(80), deadline=None)
@given(checkpoint_frames(max_events=40), months)
def test_median_and_p90_per_centre_equal_the_statistics_module(frame: pl.DataFrame, month: Month) -> None:
    timing = _brute_timing(oracle.current(oracle.rows_of(frame)))
    got = timing_summary(visit_timing(current_events(frame.lazy())), ["center_label"], month.start, month.last_instant)
    expected: dict[str, dict[str, Any]] = {}
    for centre in sorted({t["center_label"] for t in timing.values()}):
        summary: dict[str, Any] = {}
        for name, count in (("submit", "submitted"), ("pass_qc", "passed_qc")):
            days = [
                t[f"days_to_{name}"]
                for t in timing.values()
                if t["center_label"] == centre and t[f"first_{name}"] and month.start <= t[f"first_{name}"] < month.end
            ]
            summary |= {count: len(days), f"{name}_median_days": oracle.linear_quantile(days, 0.5)}
            summary[f"{name}_p90_days"] = oracle.linear_quantile(days, 0.9)
        if summary["submitted"] or summary["passed_qc"]:
            expected[centre] = summary
    actual = {row.pop("center_label"): row for row in got.collect().to_dicts()}
    assert actual.keys() == expected.keys()
    for centre, row in actual.items():
        assert row.keys() == expected[centre].keys()
        for name, value in row.items():
            wanted = expected[centre][name]
            assert value == wanted or (value is not None and wanted is not None and math.isclose(value, wanted)), name


def _one_visit(visit_date: date, submitted: datetime, passed: datetime) -> pl.LazyFrame:
    common = {
        "study": "adrc", "pipeline_adcid": 7, "project_label": "ingest-form", "center_label": "alpha",
        "gear_name": "form-scheduler", "ptid": "7001", "visit_date": visit_date, "visit_number": "01",
        "datatype": "form", "module": "UDS", "packet": "I", "source_etag": "e",
        "source_last_modified": datetime(2026, 1, 1, tzinfo=UTC),
    }  # fmt: skip
    return pl.DataFrame(
        [
            {**common, "action": "submit", "timestamp": submitted.astimezone(UTC), "source_key": "s"},
            {**common, "action": "pass-qc", "timestamp": passed.astimezone(UTC), "source_key": "p"},
        ],
        schema=CHECKPOINT_SCHEMA,
    ).lazy()


PACIFIC = timezone(timedelta(hours=-8))
KIRITIMATI = timezone(timedelta(hours=14))


@pytest.mark.parametrize(
    ("visit_date", "submitted", "passed", "days"),
    [
        # 20:00 in California is already the next day in UTC
        (
            date(2024, 1, 15),
            datetime(2024, 1, 15, 20, tzinfo=PACIFIC),
            datetime(2024, 1, 15, 15, tzinfo=PACIFIC),
            (1, 0),
        ),
        # +14:00 on 1 March is still 29 February in UTC (a leap year)
        (date(2024, 2, 28), datetime(2024, 3, 1, 9, tzinfo=KIRITIMATI), datetime(2024, 3, 1, 15, tzinfo=UTC), (1, 2)),
        # across the year end
        (date(2023, 12, 31), datetime(2024, 1, 1, 0, tzinfo=UTC), datetime(2024, 12, 31, 23, 59, tzinfo=UTC), (1, 366)),
        # no 29 February in 2025; an event before its visit is negative
        (date(2025, 3, 1), datetime(2025, 2, 28, 12, tzinfo=UTC), datetime(2025, 3, 1, 0, tzinfo=UTC), (-1, 0)),
    ],
)
def test_days_by_utc_calendar_date(
    visit_date: date, submitted: datetime, passed: datetime, days: tuple[int, int]
) -> None:
    got = visit_timing(_one_visit(visit_date, submitted, passed)).collect()
    assert got.select("days_to_submit", "days_to_pass_qc").rows() == [days]


def test_median_interpolates_and_empty_windows_drop_the_centre() -> None:
    visits = [
        _one_visit(
            date(2024, 1, 1), datetime(2024, 1, 1 + d, tzinfo=UTC), datetime(2024, 1, 2 + d, tzinfo=UTC)
        ).with_columns(pl.lit(f"p{d}").alias("ptid"))
        for d in (0, 1, 2, 9)
    ]
    timing = visit_timing(pl.concat(visits))
    summary = timing_summary(timing).collect()
    # days 0, 1, 2, 9: median (1 + 2) / 2; p90 at position 3 * 0.9 = 2.7, i.e. 2 + 0.7 * (9 - 2)
    submitted, median, p90 = summary.select("submitted", "submit_median_days", "submit_p90_days").row(0)
    assert (submitted, median, p90) == (4, 1.5, pytest.approx(6.9))
    march = Month(2024, 3)
    assert timing_summary(timing, ["center_label"], march.start, march.last_instant).collect().height == 0
