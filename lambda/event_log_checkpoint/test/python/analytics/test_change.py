"""Month on month per centre: this month, the month before, and the difference."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
from hypothesis import given, settings

from analytics.strategies import checkpoint_frames, months
from checkpoint_analytics.aggregates import count_by
from checkpoint_analytics.change import centre_change
from checkpoint_analytics.months import Month
from checkpoint_analytics.periods import in_month
from checkpoint_analytics.qc import pass_rate
from checkpoint_analytics.versions import current_events
from checkpoint_lambda.domain.schema import CHECKPOINT_SCHEMA
from profiles import examples


def _per_centre(current: pl.LazyFrame, month: Month) -> tuple[dict[str, int], dict[str, float | None]]:
    events = in_month(current, month)
    counts = dict(count_by(events, ["center_label"]).collect().iter_rows())
    rates = dict(pass_rate(events, ["center_label"]).select("center_label", "pass_rate").collect().iter_rows())
    return counts, rates


@settings(max_examples=examples(30), deadline=None)
@given(checkpoint_frames(max_events=40), months)
def test_change_is_this_month_minus_the_month_before_per_centre(frame: pl.DataFrame, month: Month) -> None:
    """Property: one row per centre with events in either month; events and pass rates are each
    month's own, the change their difference (events 0 and rate empty for a month without any)."""
    current = current_events(frame.lazy()).collect().lazy()
    table = centre_change(current, month).collect()
    now, now_rates = _per_centre(current, month)
    before, before_rates = _per_centre(current, month.shifted(-1))
    assert table["center_label"].to_list() == sorted(set(now) | set(before))
    for row in table.iter_rows(named=True):
        centre = row["center_label"]
        assert (row["events"], row["events_last_month"]) == (now.get(centre, 0), before.get(centre, 0))
        assert row["events_change"] == row["events"] - row["events_last_month"]
        assert (row["pass_rate"], row["pass_rate_last_month"]) == (now_rates.get(centre), before_rates.get(centre))
        if row["pass_rate"] is None or row["pass_rate_last_month"] is None:
            assert row["pass_rate_change"] is None
        else:
            assert row["pass_rate_change"] == row["pass_rate"] - row["pass_rate_last_month"]


def test_a_centre_new_this_month_and_one_gone_quiet() -> None:
    rows = [
        _event("alpha", "pass-qc", datetime(2024, 2, 10, tzinfo=UTC)),
        _event("alpha", "not-pass-qc", datetime(2024, 3, 2, tzinfo=UTC)),
        _event("alpha", "pass-qc", datetime(2024, 3, 3, tzinfo=UTC)),
        _event("beta", "submit", datetime(2024, 2, 29, 23, 59, tzinfo=UTC)),
        _event("gamma", "submit", datetime(2024, 3, 1, tzinfo=UTC)),
    ]
    table = centre_change(pl.DataFrame(rows, schema=CHECKPOINT_SCHEMA).lazy(), Month(2024, 3)).collect()
    assert table.rows() == [
        ("alpha", 2, 1, 1, 0.5, 1.0, -0.5),
        ("beta", 0, 1, -1, None, None, None),
        ("gamma", 1, 0, 1, None, None, None),
    ]


def _event(centre: str, action: str, at: datetime) -> dict[str, object]:
    return {
        "action": action,
        "study": "adrc",
        "pipeline_adcid": 1,
        "project_label": "ingest-form",
        "center_label": centre,
        "gear_name": "form-scheduler",
        "ptid": f"{centre}-{action}-{at:%d}",
        "visit_date": date(2024, 1, 5),
        "visit_number": "01",
        "datatype": "form",
        "module": "UDS",
        "packet": "I",
        "timestamp": at,
        "source_key": f"prod/log-{centre}-{action}-{at:%d}.json",
        "source_etag": "e",
        "source_last_modified": at,
    }
