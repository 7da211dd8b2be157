"""The trend: twelve rows, one per month to the report month, each what that month's own tables say."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
from hypothesis import given, settings

from analytics.strategies import checkpoint_frames, months
from checkpoint_analytics.aggregates import action_counts
from checkpoint_analytics.months import Month, months_ending
from checkpoint_analytics.periods import in_month, up_to_month_end
from checkpoint_analytics.qc import pass_rate, visit_pass_rate, visits_failing_qc
from checkpoint_analytics.timing import timing_summary, visit_timing
from checkpoint_analytics.trend import (
    TREND_ACTIONS,
    TREND_DAYS,
    TREND_FAILING,
    TREND_MONTHS,
    TREND_NAMES,
    TREND_QC,
    trend_tables,
)
from checkpoint_analytics.versions import current_events
from checkpoint_lambda.domain.schema import CHECKPOINT_SCHEMA
from profiles import examples


def month_by_itself(current: pl.LazyFrame, month: Month) -> dict[str, object]:
    """One month's trend figures from the monthly functions, computed for that month alone."""
    events = in_month(current, month)
    counts = action_counts(events, []).collect().row(0, named=True)
    rates = pass_rate(events).collect().row(0, named=True)
    visits = visit_pass_rate(events).collect().row(0, named=True)
    summary = timing_summary(visit_timing(up_to_month_end(current, month)), [], month.start, month.last_instant)
    days = summary.collect().to_dicts()
    return {
        **counts,
        "pass_qc": rates["pass_qc"],
        "not_pass_qc": rates["not_pass_qc"],
        "pass_rate": rates["pass_rate"],
        "visits_pass_qc": visits["pass_qc"],
        "visits_not_pass_qc": visits["not_pass_qc"],
        "visit_pass_rate": visits["pass_rate"],
        "passed_qc": days[0]["passed_qc"] if days else 0,
        "pass_qc_median_days": days[0]["pass_qc_median_days"] if days else None,
        "pass_qc_p90_days": days[0]["pass_qc_p90_days"] if days else None,
        "visits_failing": visits_failing_qc(up_to_month_end(current, month)).collect().height,
    }


@settings(max_examples=examples(25, quick=4), deadline=None)
@given(checkpoint_frames(max_events=40), months)
def test_each_trend_row_is_that_months_own_figures(frame: pl.DataFrame, month: Month) -> None:
    """Property: for every month of the window, the trend's row equals the month's figures computed alone,
    the window is the report month and the eleven before it, oldest first, with no month missing."""
    current = current_events(frame.lazy()).collect().lazy()
    trend = trend_tables(current, visit_timing(current), month)
    window = [str(m) for m in months_ending(month, TREND_MONTHS)]
    assert window[-1] == str(month)
    for name in TREND_NAMES:
        assert trend[name]["month"].to_list() == window, name
    merged: dict[str, dict[str, object]] = {m: {} for m in window}
    for name in TREND_NAMES:
        for row in trend[name].iter_rows(named=True):
            merged[row.pop("month")].update(row)
    for position, text in enumerate(window):
        expected = month_by_itself(current, month.shifted(position - TREND_MONTHS + 1))
        assert merged[text] == expected, text


def test_months_without_events_are_zero_rows_not_gaps() -> None:
    frame = pl.DataFrame(
        [_event("submit", datetime(2024, 1, 10, tzinfo=UTC)), _event("not-pass-qc", datetime(2024, 1, 12, tzinfo=UTC))],
        schema=CHECKPOINT_SCHEMA,
    ).lazy()
    trend = trend_tables(frame, visit_timing(frame), Month(2024, 6))
    actions = trend[TREND_ACTIONS]
    assert actions.height == TREND_MONTHS
    assert actions["month"].to_list()[:2] == ["2023-07", "2023-08"]
    assert actions["events"].to_list() == [0] * 6 + [2, 0, 0, 0, 0, 0]
    assert trend[TREND_QC]["pass_qc"].to_list() == [0] * 12
    assert trend[TREND_QC]["pass_rate"].to_list() == [None] * 6 + [0.0] + [None] * 5
    assert trend[TREND_DAYS]["passed_qc"].to_list() == [0] * 12
    # failing from January's end on, since nothing passed it later
    assert trend[TREND_FAILING]["visits_failing"].to_list() == [0] * 6 + [1] * 6


def _event(action: str, at: datetime) -> dict[str, object]:
    return {
        "action": action,
        "study": "adrc",
        "pipeline_adcid": 1,
        "project_label": "ingest-form",
        "center_label": "alpha",
        "gear_name": "form-scheduler",
        "ptid": "110001",
        "visit_date": date(2024, 1, 5),
        "visit_number": "01",
        "datatype": "form",
        "module": "UDS",
        "packet": "I",
        "timestamp": at,
        "source_key": f"prod/log-{action}.json",
        "source_etag": action,
        "source_last_modified": at,
    }
