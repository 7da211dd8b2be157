"""Every filter (centre, action, packet, module, study, datatype, date and time ranges) returns exactly
the rows a brute-force loop selects, in their order; bounds are inclusive and compared in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import polars as pl
import pytest
from hypothesis import given, settings

from analytics import oracle
from analytics.samples import sample_checkpoint
from analytics.strategies import checkpoint_frames, event_filters
from checkpoint_analytics.errors import NaiveDatetime
from checkpoint_analytics.filters import EventFilter, filter_events
from checkpoint_analytics.versions import current_events
from profiles import examples


@settings(max_examples=examples(80), deadline=None)
@given(checkpoint_frames(), event_filters())
def test_filter_selects_exactly_the_rows_the_loop_selects(frame: pl.DataFrame, event_filter: EventFilter) -> None:
    got = filter_events(frame.lazy(), event_filter).collect()
    expected = [row for row in oracle.rows_of(frame) if oracle.matches(row, event_filter)]
    assert got.to_dicts() == expected  # same rows, same order


def test_bounds_are_inclusive_and_compared_in_utc() -> None:
    frame = sample_checkpoint()
    instant = frame["timestamp"][10]
    in_new_york = instant.astimezone(timezone(timedelta(hours=-5)))
    exactly = filter_events(frame.lazy(), EventFilter(timestamp_from=in_new_york, timestamp_to=in_new_york))
    assert exactly.collect()["timestamp"].to_list() == [t for t in frame["timestamp"].to_list() if t == instant]
    one_day = frame["visit_date"][3]
    same_day = filter_events(frame.lazy(), EventFilter(visit_date_from=one_day, visit_date_to=one_day)).collect()
    assert same_day.height == frame["visit_date"].to_list().count(one_day) > 0


def test_a_value_filter_never_matches_null() -> None:
    frame = sample_checkpoint()
    with_packet = filter_events(frame.lazy(), EventFilter(packet=["I", "F"])).collect()
    assert with_packet.height == frame.filter(pl.col("packet").is_not_null()).height
    assert with_packet["packet"].null_count() == 0


def test_not_pass_qc_events_of_one_centre_counted_once_each() -> None:
    frame = sample_checkpoint()
    event_filter = EventFilter(center_label="alpha", action="not-pass-qc")
    raw = filter_events(frame.lazy(), event_filter).collect().height
    events = filter_events(current_events(frame.lazy()), event_filter).collect().height
    rows = oracle.rows_of(frame)
    assert raw == sum(r["center_label"] == "alpha" and r["action"] == "not-pass-qc" for r in rows)
    assert events == sum(r["center_label"] == "alpha" and r["action"] == "not-pass-qc" for r in oracle.current(rows))
    assert 0 < events <= raw


def test_naive_timestamp_bounds_are_refused() -> None:
    with pytest.raises(NaiveDatetime, match="no time zone"):
        EventFilter(timestamp_to=datetime(2024, 1, 1))  # naive: the point of the test


def test_visit_date_bounds_must_be_dates() -> None:
    with pytest.raises(TypeError, match="dates"):
        EventFilter(visit_date_from=datetime(2024, 1, 1, tzinfo=UTC))


def test_no_filter_keeps_every_row() -> None:
    frame = sample_checkpoint()
    assert filter_events(frame.lazy(), EventFilter()).collect().equals(frame)
    assert EventFilter(visit_date_to=date(2024, 1, 1)).is_empty() is False
