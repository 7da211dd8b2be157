"""The latest event per visit, a visit's history (how it filled in), and both in timestamp order."""

from __future__ import annotations

from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from analytics import oracle
from analytics.samples import sample_checkpoint
from analytics.strategies import checkpoint_frames
from checkpoint_analytics.keys import MUTABLE_COLUMNS, ROW_ORDER
from checkpoint_analytics.versions import current_events
from checkpoint_analytics.visits import VisitKey, latest_per_visit, visit_history
from profiles import examples


@settings(max_examples=examples(75), deadline=None)
@given(checkpoint_frames(), st.booleans())
def test_latest_per_visit_equals_the_loop(frame: pl.DataFrame, use_current: bool) -> None:
    lazy = current_events(frame.lazy()) if use_current else frame.lazy()
    rows = oracle.current(oracle.rows_of(frame)) if use_current else oracle.rows_of(frame)
    got = latest_per_visit(lazy).collect().to_dicts()
    expected = oracle.latest_by(rows, oracle.VISIT, oracle.recency)
    assert {oracle.key(r, oracle.VISIT): r for r in got} == expected
    assert len(got) == len(expected)
    visits = [oracle.key(r, oracle.VISIT) for r in got]
    assert visits == sorted(visits, key=oracle.sort_key)


@settings(max_examples=examples(80), deadline=None)
@given(checkpoint_frames(min_events=1), st.data())
def test_history_is_every_version_of_the_visits_events_in_order(frame: pl.DataFrame, data: st.DataObject) -> None:
    rows = oracle.rows_of(frame)
    picked = data.draw(st.sampled_from(rows))  # a stale version may name a visit with no current event: empty
    visit = VisitKey(picked["pipeline_adcid"], picked["ptid"], picked["visit_date"], picked["visit_number"])
    got = visit_history(frame.lazy(), visit).collect()

    members = {
        oracle.key(r, oracle.IDENTITY)
        for r in oracle.current(rows)
        if oracle.key(r, oracle.VISIT) == oracle.key(picked, oracle.VISIT)
    }
    expected = sorted((r for r in rows if oracle.key(r, oracle.IDENTITY) in members), key=oracle.recency)
    assert [(r["source_key"], r["source_etag"]) for r in got.to_dicts()] == [
        (r["source_key"], r["source_etag"]) for r in expected
    ]
    assert got.equals(got.sort(list(ROW_ORDER)))  # in timestamp order
    for row in got.to_dicts():
        assert row["changed_fields"] == _changed_since_previous_version(rows, row)


def _changed_since_previous_version(rows: list[dict[str, Any]], row: dict[str, Any]) -> list[str]:
    older = [
        r
        for r in rows
        if oracle.key(r, oracle.IDENTITY) == oracle.key(row, oracle.IDENTITY)
        and oracle.version_rank(r) < oracle.version_rank(row)
    ]
    if not older:
        return []
    previous = max(older, key=oracle.version_rank)
    return [name for name in MUTABLE_COLUMNS if previous[name] != row[name]]


def test_history_shows_a_visit_number_and_packet_filled_in_later() -> None:
    frame = sample_checkpoint()
    first = frame.row(0, named=True)
    later = {**first, "visit_number": "07", "packet": "IT", "source_key": "z", "source_etag": "2"}
    later["source_last_modified"] = first["source_last_modified"].replace(year=2025)
    grown = pl.concat([frame, pl.DataFrame([later], schema=frame.schema)])
    history = visit_history(grown.lazy(), VisitKey(first["pipeline_adcid"], first["ptid"], first["visit_date"], "07"))
    got = history.collect().filter(pl.col("action") == first["action"], pl.col("timestamp") == first["timestamp"])
    assert got["visit_number"].to_list() == [first["visit_number"], "07"]
    assert got["changed_fields"].to_list()[1] == [
        name for name in ("visit_number", "packet") if first[name] != later[name]
    ]
    assert got["is_current"].to_list() == [False, True]
