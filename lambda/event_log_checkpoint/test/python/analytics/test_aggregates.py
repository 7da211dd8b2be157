"""Group counts (raw rows and current events, split by action) equal a brute-force loop's count."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings

from analytics import oracle
from analytics.strategies import checkpoint_frames, group_columns
from checkpoint_analytics.aggregates import ACTION_COUNT_COLUMNS, action_counts, count_by
from checkpoint_analytics.keys import GroupColumn
from checkpoint_analytics.versions import current_events
from profiles import examples


@settings(max_examples=examples(75), deadline=None)
@given(checkpoint_frames(), group_columns)
def test_group_counts_equal_the_loop(frame: pl.DataFrame, by: list[GroupColumn]) -> None:
    got = count_by(frame.lazy(), by).collect()
    expected = oracle.counts(oracle.rows_of(frame), by)
    if not by:
        assert got.rows() == [(frame.height,)]
        return
    keys = [tuple(row[:-1]) for row in got.rows()]
    assert dict(zip(keys, got["events"].to_list(), strict=True)) == dict(expected)
    assert keys == sorted(keys, key=oracle.sort_key)  # sorted by the groups, nulls last
    assert got.schema["events"] == pl.Int64


@settings(max_examples=examples(60), deadline=None)
@given(checkpoint_frames(), group_columns)
def test_action_counts_split_each_group_by_action(frame: pl.DataFrame, by: list[GroupColumn]) -> None:
    rows = oracle.current(oracle.rows_of(frame))
    got = action_counts(current_events(frame.lazy()), by).collect()
    per_action = oracle.counts(rows, [*by, "action"])
    for row in got.iter_rows(named=True):
        group = tuple(row[c] for c in by)
        assert row["events"] == sum(per_action[(*group, action)] for action in ACTION_COUNT_COLUMNS)
        for action, column in ACTION_COUNT_COLUMNS.items():
            assert row[column] == per_action[(*group, action)]
    assert sum(got["events"].to_list()) == len(rows)


def test_grouping_by_an_unknown_column_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot group by"):
        count_by(pl.LazyFrame(), ["ptid"])  # type: ignore[list-item]
