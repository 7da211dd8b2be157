"""Insert a few sorted rows into a large sorted frame without re-sorting (or copying) it.

Re-sorting a million-row checkpoint for a thousand new rows holds two more copies of it
(~400 MiB); splicing holds the new rows and a list of slices.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

import polars as pl


def can_splice(frame: pl.DataFrame, order: Sequence[str]) -> bool:
    """Sorted by the first order column, and no nulls in any (Python compares the ties)."""
    return not any(frame.get_column(c).has_nulls() for c in order) and frame.get_column(order[0]).is_sorted()


def splice_sorted(rows: pl.DataFrame, new: pl.DataFrame, order: Sequence[str]) -> pl.DataFrame:
    """`rows` with the (sorted) `new` rows inserted in order, as slices: `rows` is not copied.

    Each new row's place comes from the first order column, and among rows equal there
    from the other order columns: the same order as a full sort by `order`.
    """
    leading = rows.get_column(order[0])
    first = leading.search_sorted(new.get_column(order[0]), side="left").to_list()
    last = leading.search_sorted(new.get_column(order[0]), side="right").to_list()
    pieces, start = [], 0
    for i, (key, lo, hi) in enumerate(zip(new.select(order).rows(), first, last, strict=True)):
        place = lo if lo == hi else lo + bisect_left(rows.slice(lo, hi - lo).select(order).rows(), key)
        pieces += [rows.slice(start, place - start), new.slice(i, 1)]
        start = place
    pieces.append(rows.slice(start))
    filled = [piece for piece in pieces if piece.height]
    return pl.concat(filled, how="vertical", rechunk=False) if filled else rows
