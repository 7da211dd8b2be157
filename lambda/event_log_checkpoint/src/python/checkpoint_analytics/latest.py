"""The one row per group that sorts last: the primitive behind current events, latest per visit, latest outcome."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

_ROW = "__row_number"


def last_per_group(rows: pl.LazyFrame, by: Sequence[str], order: Sequence[str]) -> pl.LazyFrame:
    """For each combination of `by` (nulls equal), the row greatest by `order`, in the order of `rows`.

    Two passes, for memory: this call reads only the `by` and `order` columns and picks
    the winners' row numbers; the frame it returns reads just those rows (a filter the
    parquet reader applies as it goes). On 1M checkpoint rows that is ~200 MB less at peak
    than one lazy group_by + join. So `rows` must yield its rows in the same order every
    time it runs: a scan, an in-memory frame, or filters and projections of those — not
    the unordered output of a join or group_by. Rows tied on every `order` column are the
    same object version (one row per (source_key, source_etag)), so any of them may win.
    """
    numbered = rows.select(list(dict.fromkeys([*by, *order]))).with_row_index(_ROW)
    winners = numbered.group_by(list(by)).agg(pl.col(_ROW).sort_by(list(order)).last()).collect().get_column(_ROW)
    return rows.with_row_index(_ROW).filter(pl.col(_ROW).is_in(winners.implode())).drop(_ROW)
