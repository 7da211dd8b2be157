"""Checkpoint: the pure merge (previous plus new, every version kept, rows in timestamp order) and its typed schema."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from builders import sourced
from checkpoint_lambda.domain.checkpoint import SPLICE_RATIO, Checkpoint, latest_timestamp
from checkpoint_lambda.domain.events import SourcedEvent
from checkpoint_lambda.domain.schema import CHECKPOINT_SCHEMA, ORDER_COLUMNS, CheckpointSchemaMismatch
from profiles import examples
from strategies import distinct_versions, merge_events


def versions(checkpoint: Checkpoint) -> Counter[tuple[str, str]]:
    frame = checkpoint.dataframe
    return Counter(zip(frame["source_key"].to_list(), frame["source_etag"].to_list(), strict=True))


def test_empty_checkpoint_has_the_schema_and_no_rows() -> None:
    empty = Checkpoint.empty()
    assert empty.row_count == 0
    assert empty.dataframe.schema == CHECKPOINT_SCHEMA
    assert latest_timestamp(empty.dataframe) is None


def test_rows_are_typed() -> None:
    frame = Checkpoint.from_events([sourced("k1")]).dataframe
    row = frame.row(0, named=True)
    assert row["pipeline_adcid"] == 42
    assert row["visit_date"].isoformat() == "2024-01-15"
    assert row["timestamp"] == datetime(2024, 1, 15, 10, 20, tzinfo=UTC)
    assert frame.schema["timestamp"] == pl.Datetime("us", "UTC")


def test_a_foreign_frame_is_refused() -> None:
    with pytest.raises(CheckpointSchemaMismatch, match=r"missing columns: .*source_key"):
        Checkpoint(Checkpoint.empty().dataframe.drop("source_key"))
    retyped = Checkpoint.empty().dataframe.with_columns(pl.col("pipeline_adcid").cast(pl.String))
    with pytest.raises(CheckpointSchemaMismatch, match="pipeline_adcid is String"):
        Checkpoint(retyped)


def test_identical_events_from_different_files_are_all_kept() -> None:
    merged = Checkpoint.from_events([sourced("k1")]).add_events([sourced("k2"), sourced("k3")])
    assert merged.row_count == 3


def test_a_version_already_held_is_not_added_again() -> None:
    held = Checkpoint.from_events([sourced("k1")])
    assert held.add_events([sourced("k1")]) is held


def test_a_rewritten_key_adds_a_row_and_keeps_the_earlier_one() -> None:
    first = Checkpoint.from_events([sourced("k1", '"v1"', packet=None)])
    both = first.add_events([sourced("k1", '"v2"', packet="I")])
    assert both.dataframe.sort("source_etag")["packet"].to_list() == [None, "I"]


@given(previous=st.lists(merge_events(), max_size=15), new=st.lists(merge_events(), max_size=15))
def test_merge_is_previous_union_new(previous: list[SourcedEvent], new: list[SourcedEvent]) -> None:
    """Nothing lost, nothing deduplicated away: exactly the union of object versions."""
    previous, new = distinct_versions(previous), distinct_versions(previous + new)[len(distinct_versions(previous)) :]
    merged = Checkpoint.from_events(previous).add_events(new)
    expected = Counter((e.source_key, e.source_etag) for e in previous + new)
    assert versions(merged) == expected
    assert merged.row_count == len(previous) + len(new)


@given(batches=st.lists(st.lists(merge_events(), max_size=8), max_size=4))
def test_versions_kept_and_rows_in_timestamp_order(batches: list[list[SourcedEvent]]) -> None:
    checkpoint = Checkpoint.empty()
    every: list[SourcedEvent] = []
    for batch in batches:
        checkpoint = checkpoint.add_events(batch)
        every.extend(batch)
    timestamps = checkpoint.dataframe["timestamp"].to_list()
    assert timestamps == sorted(timestamps)
    assert set(versions(checkpoint)) == {(e.source_key, e.source_etag) for e in every}


@given(events=st.lists(merge_events(), min_size=1, max_size=20))
def test_last_processed_timestamp_is_the_newest_event(events: list[SourcedEvent]) -> None:
    checkpoint = Checkpoint.from_events(distinct_versions(events))
    assert latest_timestamp(checkpoint.dataframe) == max(e.event.timestamp for e in distinct_versions(events))


@settings(max_examples=examples(60, quick=5))
@given(base=st.lists(merge_events(), min_size=1, max_size=12), new=st.lists(merge_events(), min_size=1, max_size=12))
def test_a_few_rows_added_to_a_large_checkpoint_are_placed_as_a_full_sort_places_them(
    base: list[SourcedEvent], new: list[SourcedEvent]
) -> None:
    """Large checkpoint + few rows: add_events splices them in; the order must be the sort's."""
    rows = Checkpoint.from_events(distinct_versions(base)).dataframe
    copies = [rows.with_columns(source_etag=pl.col("source_etag") + f"-{i}") for i in range(SPLICE_RATIO)]
    large = Checkpoint(pl.concat(copies).sort(ORDER_COLUMNS))  # same timestamps many times: ties
    new = [e for e in distinct_versions(new) if e.source_etag.count("-") == 0][
        : max(1, large.row_count // SPLICE_RATIO)
    ]
    merged = large.add_events(new)
    expected = pl.concat([large.dataframe, Checkpoint.from_events(new).dataframe]).sort(ORDER_COLUMNS)
    assert merged.dataframe.equals(expected)
